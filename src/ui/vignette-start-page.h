/* vignette-start-page.h: what to fetch: an address, a template, a folder, or the demo
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_START_PAGE (vignette_start_page_get_type ())

G_DECLARE_FINAL_TYPE (VignetteStartPage, vignette_start_page, VIGNETTE, START_PAGE, GtkWidget)

GtkWidget  *vignette_start_page_new               (void);
const char *vignette_start_page_get_text          (VignetteStartPage *self);
void        vignette_start_page_set_text          (VignetteStartPage *self,
                                                   const char        *text);
void        vignette_start_page_set_page_range    (VignetteStartPage *self,
                                                   const char        *range);
void        vignette_start_page_submit            (VignetteStartPage *self);
const char *vignette_start_page_get_error         (VignetteStartPage *self);
void        vignette_start_page_show_error        (VignetteStartPage *self,
                                                   const char        *message);
gboolean    vignette_start_page_get_is_template   (VignetteStartPage *self);
gboolean    vignette_start_page_get_checking      (VignetteStartPage *self);
void        vignette_start_page_focus             (VignetteStartPage *self);

G_END_DECLS
