/* vignette-window.h: the main window: a run, its gallery, and the way there
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "vignette-detail-view.h"
#include "vignette-gallery-page.h"
#include "vignette-run.h"
#include "vignette-start-page.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_WINDOW (vignette_window_get_type ())

G_DECLARE_FINAL_TYPE (VignetteWindow, vignette_window, VIGNETTE, WINDOW, AdwApplicationWindow)

VignetteWindow      *vignette_window_new              (GtkApplication     *application);
gboolean             vignette_window_open_sources     (VignetteWindow     *self,
                                                       const char * const *sources,
                                                       int                 first_page,
                                                       int                 last_page,
                                                       const char         *selector,
                                                       GError            **error);
gboolean             vignette_window_start_demo       (VignetteWindow     *self,
                                                       GError            **error);
VignetteRun         *vignette_window_get_run          (VignetteWindow     *self);
gboolean             vignette_window_get_running      (VignetteWindow     *self);
gboolean             vignette_window_get_saving       (VignetteWindow     *self);
const char          *vignette_window_get_page         (VignetteWindow     *self);
void                 vignette_window_show_toast       (VignetteWindow     *self,
                                                       const char         *message);
VignetteStartPage   *vignette_window_get_start_page   (VignetteWindow     *self);
VignetteGalleryPage *vignette_window_get_gallery_page (VignetteWindow     *self);
VignetteDetailView  *vignette_window_get_detail_view  (VignetteWindow     *self);
gboolean             vignette_window_save_to          (VignetteWindow     *self,
                                                       GFile              *folder);

G_END_DECLS
