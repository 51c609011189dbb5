/* vignette-thumb-frame.h: the square area of a card, as wide as the zoom asks or as the window allows
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_THUMB_FRAME (vignette_thumb_frame_get_type ())

G_DECLARE_FINAL_TYPE (VignetteThumbFrame, vignette_thumb_frame, VIGNETTE, THUMB_FRAME, GtkWidget)

GtkWidget *vignette_thumb_frame_new       (void);
void       vignette_thumb_frame_set_child (VignetteThumbFrame *self,
                                           GtkWidget          *child);
GtkWidget *vignette_thumb_frame_get_child (VignetteThumbFrame *self);
void       vignette_thumb_frame_set_size  (VignetteThumbFrame *self,
                                           guint               size);
guint      vignette_thumb_frame_get_size  (VignetteThumbFrame *self);

G_END_DECLS
