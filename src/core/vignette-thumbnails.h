/* vignette-thumbnails.h: what the thumbnailer makes of one image
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-enums.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_THUMBNAILS (vignette_thumbnails_get_type ())

typedef struct _VignetteThumbnails VignetteThumbnails;

typedef struct {
  guint   size;   /* the requested bounding box, in pixels */
  int     width;  /* the real size, which never exceeds the original */
  int     height;
  GBytes *bytes;  /* encoded in the set's format */
} VignetteThumbnail;

/* A freedesktop.org thumbnail cache entry made alongside the thumbnails */
typedef struct {
  const char *flavor; /* "normal", "large", "x-large" or "xx-large" */
  guint       size;
  GBytes     *bytes;  /* PNG with Thumb::URI and Thumb::MTime */
} VignetteCacheEntry;

GType                      vignette_thumbnails_get_type            (void) G_GNUC_CONST;
VignetteThumbnails        *vignette_thumbnails_new                 (int                 original_width,
                                                                    int                 original_height,
                                                                    const char         *format_name,
                                                                    const char         *mime_type,
                                                                    VignetteFormat      encoding);
VignetteThumbnails        *vignette_thumbnails_ref                 (VignetteThumbnails *self);
void                       vignette_thumbnails_unref               (VignetteThumbnails *self);
void                       vignette_thumbnails_add                 (VignetteThumbnails *self,
                                                                    guint               size,
                                                                    int                 width,
                                                                    int                 height,
                                                                    GBytes             *bytes);
void                       vignette_thumbnails_add_cache_entry     (VignetteThumbnails *self,
                                                                    const char         *flavor,
                                                                    guint               size,
                                                                    GBytes             *bytes);
int                        vignette_thumbnails_get_original_width  (VignetteThumbnails *self);
int                        vignette_thumbnails_get_original_height (VignetteThumbnails *self);
const char                *vignette_thumbnails_get_format_name     (VignetteThumbnails *self);
const char                *vignette_thumbnails_get_mime_type       (VignetteThumbnails *self);
VignetteFormat             vignette_thumbnails_get_encoding        (VignetteThumbnails *self);
guint                      vignette_thumbnails_get_n_sizes         (VignetteThumbnails *self);
const VignetteThumbnail   *vignette_thumbnails_get_nth             (VignetteThumbnails *self,
                                                                    guint               position);
const VignetteThumbnail   *vignette_thumbnails_lookup              (VignetteThumbnails *self,
                                                                    guint               size);
gboolean                   vignette_thumbnails_is_upscale_limited  (VignetteThumbnails *self);
guint                      vignette_thumbnails_get_n_cache_entries (VignetteThumbnails *self);
const VignetteCacheEntry  *vignette_thumbnails_get_cache_entry     (VignetteThumbnails *self,
                                                                    guint               position);
void                       vignette_thumbnails_clear_cache_entries (VignetteThumbnails *self);
gboolean                   vignette_thumbnails_get_from_cache      (VignetteThumbnails *self);
void                       vignette_thumbnails_set_from_cache      (VignetteThumbnails *self,
                                                                    gboolean            from_cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteThumbnails, vignette_thumbnails_unref)

G_END_DECLS
