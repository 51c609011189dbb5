/* vignette-demo-site.h: a gallery served on loopback, with pictures drawn on the fly
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_DEMO_SITE (vignette_demo_site_get_type ())

G_DECLARE_FINAL_TYPE (VignetteDemoSite, vignette_demo_site, VIGNETTE, DEMO_SITE, GObject)

VignetteDemoSite *vignette_demo_site_new            (void);
gboolean          vignette_demo_site_start          (VignetteDemoSite  *self,
                                                     GError           **error);
char             *vignette_demo_site_get_template   (VignetteDemoSite  *self);
guint             vignette_demo_site_get_n_pages    (VignetteDemoSite  *self);
guint             vignette_demo_site_get_n_images   (VignetteDemoSite  *self);
GdkPixbuf        *vignette_demo_render_landscape    (guint              seed,
                                                     int                width,
                                                     int                height);

G_END_DECLS
