/* vignette-resample.h: downscale a pixbuf with a Lanczos-3 filter, for thumbnails
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

GdkPixbuf *vignette_resample (GdkPixbuf *source,
                              int        width,
                              int        height);

G_END_DECLS
