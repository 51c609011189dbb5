/* vignette-decode-stream.h: an image decoded on the workers while its bytes arrive
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-decoder.h"
#include "vignette-workers.h"

G_BEGIN_DECLS

typedef struct _VignetteDecodeStream VignetteDecodeStream;

/* Bytes queued and not yet decoded above which the download pauses */
#define VIGNETTE_DECODE_STREAM_HIGH_WATER (1024 * 1024)

VignetteDecodeStream *vignette_decode_stream_new        (VignetteWorkers      *workers,
                                                         VignetteDecoder      *decoder,
                                                         GTask                *task,
                                                         GTaskThreadFunc       finish);
VignetteDecodeStream *vignette_decode_stream_ref        (VignetteDecodeStream *self);
void                  vignette_decode_stream_unref      (VignetteDecodeStream *self);

gboolean              vignette_decode_stream_write      (VignetteDecodeStream *self,
                                                         const guint8         *data,
                                                         gsize                 length,
                                                         GError              **error);
gboolean              vignette_decode_stream_is_full    (VignetteDecodeStream *self);
void                  vignette_decode_stream_close      (VignetteDecodeStream *self);
void                  vignette_decode_stream_abort      (VignetteDecodeStream *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteDecodeStream, vignette_decode_stream_unref)

G_END_DECLS
