/* vignette-extractor.h: image addresses out of an HTML page, with libxml2 and XPath
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-workers.h"

G_BEGIN_DECLS

/* A page may name at most this many images; the rest are ignored */
#define VIGNETTE_MAX_IMAGES_PER_PAGE 20000

void      vignette_extractor_init            (void);
gboolean  vignette_selector_check            (const char           *selector,
                                              GError              **error);
GStrv     vignette_extract_image_uris        (const char           *data,
                                              gsize                 length,
                                              const char           *charset,
                                              const char           *page_uri,
                                              const char           *selector,
                                              GError              **error);
char     *vignette_srcset_pick_best          (const char           *srcset);
char     *vignette_resolve_uri               (const char           *base_uri,
                                              const char           *reference);
void      vignette_extract_image_uris_async  (VignetteWorkers      *workers,
                                              GBytes               *html,
                                              const char           *content_type,
                                              const char           *page_uri,
                                              const char           *selector,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GStrv     vignette_extract_image_uris_finish (GAsyncResult         *result,
                                              GError              **error);

G_END_DECLS
