/* vignette-source.h: what the user typed, turned into the items a run starts from
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-item.h"

G_BEGIN_DECLS

#define VIGNETTE_MAX_PAGES 10000

typedef enum {
  VIGNETTE_SOURCE_URL,
  VIGNETTE_SOURCE_TEMPLATE,
  VIGNETTE_SOURCE_LOCAL,
} VignetteSourceType;

gboolean   vignette_page_range_parse       (const char          *text,
                                            int                 *first,
                                            int                 *last,
                                            GError             **error);
gboolean   vignette_source_is_template     (const char          *text);
char      *vignette_source_expand_template (const char          *template_text,
                                            int                  page);
gboolean   vignette_source_classify        (const char          *text,
                                            VignetteSourceType  *type,
                                            char               **normalized,
                                            GError             **error);
GPtrArray *vignette_source_expand          (const char          *text,
                                            int                  first_page,
                                            int                  last_page,
                                            GError             **error);
gboolean   vignette_uri_is_http            (const char          *uri);

G_END_DECLS
