/* vignette-thumbnailer.h: decode once at reduced size, scale to every size, encode; on worker threads
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

#include "vignette-decode-stream.h"
#include "vignette-decoder.h"
#include "vignette-enums.h"
#include "vignette-thumbnails.h"
#include "vignette-workers.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_THUMBNAILER (vignette_thumbnailer_get_type ())

G_DECLARE_FINAL_TYPE (VignetteThumbnailer, vignette_thumbnailer, VIGNETTE, THUMBNAILER, GObject)

#define VIGNETTE_DEFAULT_MAX_PIXELS (G_GUINT64_CONSTANT (100) * 1000 * 1000)

typedef enum {
  VIGNETTE_SCALE_FROM_PREVIOUS, /* each size from the next larger one */
  VIGNETTE_SCALE_FROM_DECODED,  /* each size from the decoded image */
} VignetteScaleStrategy;

typedef struct {
  const guint          *sizes;        /* bounding boxes, any order */
  guint                 n_sizes;
  VignetteFormat        format;       /* encoding of the thumbnails */
  gboolean              compact;      /* JPEG when opaque, PNG with alpha: for keeping in memory */
  guint64               max_pixels;
  gboolean              reduced_decode; /* let the decoder scale down (JPEG DCT scaling, SVG) */
  VignetteScaleStrategy strategy;
  const char           *cache_uri;    /* make freedesktop cache entries for this URI… */
  guint64               cache_mtime;  /* …and this modification time */
  gboolean              from_cache;   /* the data is a cache entry for cache_uri and cache_mtime:
                                       * check it, and make no new entries */
  VignetteDecoder      *decoder;      /* the whole image was written to it already (it
                                       * was decoded as it downloaded): finish it rather
                                       * than decode data */
} VignetteThumbnailParams;

VignetteThumbnails  *vignette_make_thumbnails               (GBytes                        *data,
                                                             const VignetteThumbnailParams *params,
                                                             const char                    *display_name,
                                                             GCancellable                  *cancellable,
                                                             GError                       **error);
GBytes              *vignette_encode_pixbuf                 (GdkPixbuf                     *pixbuf,
                                                             VignetteFormat                 format,
                                                             GError                       **error);
const char          *vignette_format_get_extension          (VignetteFormat                 format);
gboolean             vignette_format_parse                  (const char                    *text,
                                                             VignetteFormat                *format,
                                                             GError                       **error);
gboolean             vignette_format_is_writable            (VignetteFormat                 format);
gboolean             vignette_sizes_parse                   (const char                    *text,
                                                             GArray                       **sizes,
                                                             GError                       **error);

VignetteThumbnailer *vignette_thumbnailer_new               (VignetteWorkers               *workers);
VignetteWorkers     *vignette_thumbnailer_get_workers       (VignetteThumbnailer           *self);
void                 vignette_thumbnailer_set_sizes         (VignetteThumbnailer           *self,
                                                             const guint                   *sizes,
                                                             guint                          n_sizes);
void                 vignette_thumbnailer_set_format        (VignetteThumbnailer           *self,
                                                             VignetteFormat                 format,
                                                             gboolean                       compact);
void                 vignette_thumbnailer_set_max_pixels    (VignetteThumbnailer           *self,
                                                             guint64                        max_pixels);
void                 vignette_thumbnailer_process_async     (VignetteThumbnailer           *self,
                                                             GBytes                        *data,
                                                             const char                    *display_name,
                                                             const char                    *cache_uri,
                                                             guint64                        cache_mtime,
                                                             gboolean                       from_cache,
                                                             GCancellable                  *cancellable,
                                                             GAsyncReadyCallback            callback,
                                                             gpointer                       user_data);
VignetteDecodeStream *vignette_thumbnailer_stream_new       (VignetteThumbnailer           *self,
                                                             const char                    *display_name,
                                                             GCancellable                  *cancellable,
                                                             GAsyncReadyCallback            callback,
                                                             gpointer                       user_data);
VignetteThumbnails  *vignette_thumbnailer_process_finish    (VignetteThumbnailer           *self,
                                                             GAsyncResult                  *result,
                                                             GError                       **error);
void                 vignette_thumbnailer_load_async        (VignetteThumbnailer           *self,
                                                             GBytes                        *encoded,
                                                             GCancellable                  *cancellable,
                                                             GAsyncReadyCallback            callback,
                                                             gpointer                       user_data);
GdkPixbuf           *vignette_thumbnailer_load_finish       (VignetteThumbnailer           *self,
                                                             GAsyncResult                  *result,
                                                             GError                       **error);
void                 vignette_thumbnailer_reencode_async    (VignetteThumbnailer           *self,
                                                             VignetteThumbnails            *thumbnails,
                                                             VignetteFormat                 format,
                                                             GCancellable                  *cancellable,
                                                             GAsyncReadyCallback            callback,
                                                             gpointer                       user_data);
VignetteThumbnails  *vignette_thumbnailer_reencode_finish   (VignetteThumbnailer           *self,
                                                             GAsyncResult                  *result,
                                                             GError                       **error);

G_END_DECLS
