/* vignette-png.h: a fast PNG writer for thumbnails
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

GBytes *vignette_png_encode (GdkPixbuf          *pixbuf,
                             const char * const *text_keys,
                             const char * const *text_values,
                             GError            **error);

G_END_DECLS
