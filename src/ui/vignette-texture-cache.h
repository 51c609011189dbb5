/* vignette-texture-cache.h: stored thumbnails decoded for display, off the main thread, with a bounded LRU
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "vignette-thumbnails.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_TEXTURE_CACHE (vignette_texture_cache_get_type ())

G_DECLARE_FINAL_TYPE (VignetteTextureCache, vignette_texture_cache, VIGNETTE, TEXTURE_CACHE, GObject)

/* 48 MiB of pixels: a few screens of cards at the largest zoom */
#define VIGNETTE_TEXTURE_CACHE_DEFAULT_BYTES (48 * 1024 * 1024)

VignetteTextureCache *vignette_texture_cache_new          (gsize                    max_bytes);
GdkTexture           *vignette_texture_cache_lookup       (VignetteTextureCache    *self,
                                                           const VignetteThumbnail *thumbnail);
void                  vignette_texture_cache_load_async   (VignetteTextureCache    *self,
                                                           const VignetteThumbnail *thumbnail,
                                                           GCancellable            *cancellable,
                                                           GAsyncReadyCallback      callback,
                                                           gpointer                 user_data);
GdkTexture           *vignette_texture_cache_load_finish  (VignetteTextureCache    *self,
                                                           GAsyncResult            *result,
                                                           GError                 **error);
void                  vignette_texture_cache_clear        (VignetteTextureCache    *self);
gsize                 vignette_texture_cache_get_bytes    (VignetteTextureCache    *self);
guint                 vignette_texture_cache_get_n_entries (VignetteTextureCache   *self);
guint                 vignette_texture_cache_get_n_decoded (VignetteTextureCache   *self);

const VignetteThumbnail *vignette_thumbnails_pick_fitting (VignetteThumbnails      *thumbnails,
                                                           int                      width,
                                                           int                      height);

G_END_DECLS
