/* vignette-names.h: safe, unique file names for what strangers' servers call their images
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIGNETTE_MAX_NAME_BYTES 120

typedef struct _VignetteNames VignetteNames;

char          *vignette_name_sanitize   (const char    *raw);
char          *vignette_name_from_uri   (const char    *uri);

VignetteNames *vignette_names_new       (void);
void           vignette_names_free      (VignetteNames *self);
char          *vignette_names_claim     (VignetteNames *self,
                                         const char    *uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteNames, vignette_names_free)

G_END_DECLS
