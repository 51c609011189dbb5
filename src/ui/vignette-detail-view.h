/* vignette-detail-view.h: one image, as large as the window allows, with what is known about it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "vignette-item.h"
#include "vignette-texture-cache.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_DETAIL_VIEW (vignette_detail_view_get_type ())

G_DECLARE_FINAL_TYPE (VignetteDetailView, vignette_detail_view, VIGNETTE, DETAIL_VIEW, GtkWidget)

GtkWidget    *vignette_detail_view_new          (void);
void          vignette_detail_view_set_model    (VignetteDetailView   *self,
                                                 GListModel           *model,
                                                 VignetteTextureCache *cache);
void          vignette_detail_view_set_position (VignetteDetailView   *self,
                                                 guint                 position);
guint         vignette_detail_view_get_position (VignetteDetailView   *self);
VignetteItem *vignette_detail_view_get_item     (VignetteDetailView   *self);
guint         vignette_detail_view_get_shown_size (VignetteDetailView *self);

const char         *vignette_detail_view_get_row        (VignetteDetailView   *self,
                                                         const char           *row);

G_END_DECLS
