/* vignette-decoder.h: bytes in, one upright picture out, fed as the bytes arrive
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_DECODER (vignette_decoder_get_type ())

G_DECLARE_FINAL_TYPE (VignetteDecoder, vignette_decoder, VIGNETTE, DECODER, GObject)

VignetteDecoder *vignette_decoder_new             (const char       *display_name,
                                                   guint             box,
                                                   guint64           max_pixels,
                                                   gboolean          reduced_decode);
gboolean         vignette_decoder_write           (VignetteDecoder  *self,
                                                   const guchar     *data,
                                                   gsize             length,
                                                   GError          **error);
GdkPixbuf       *vignette_decoder_finish          (VignetteDecoder  *self,
                                                   GError          **error);
GdkPixbuf       *vignette_decoder_decode_bytes    (VignetteDecoder  *self,
                                                   GBytes           *data,
                                                   GCancellable     *cancellable,
                                                   GError          **error);

void             vignette_decoder_get_size        (VignetteDecoder  *self,
                                                   int              *width,
                                                   int              *height);
const char      *vignette_decoder_get_format_name (VignetteDecoder  *self);
const char      *vignette_decoder_get_mime_type   (VignetteDecoder  *self);
gboolean         vignette_decoder_is_scalable     (VignetteDecoder  *self);

G_END_DECLS
