/* vignette-backed-paintable.h: an image drawn over a checkerboard, so that transparency shows
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_BACKED_PAINTABLE (vignette_backed_paintable_get_type ())

G_DECLARE_FINAL_TYPE (VignetteBackedPaintable, vignette_backed_paintable, VIGNETTE, BACKED_PAINTABLE, GObject)

GdkPaintable *vignette_backed_paintable_new       (GdkPaintable            *image);
GdkPaintable *vignette_backed_paintable_get_image (VignetteBackedPaintable *self);

G_END_DECLS
