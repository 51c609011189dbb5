/* vignette-gallery-page.h: the grid of cards, its progress and its filters
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "vignette-item-filter.h"
#include "vignette-run.h"
#include "vignette-texture-cache.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_GALLERY_PAGE (vignette_gallery_page_get_type ())

G_DECLARE_FINAL_TYPE (VignetteGalleryPage, vignette_gallery_page, VIGNETTE, GALLERY_PAGE, GtkWidget)

GtkWidget            *vignette_gallery_page_new             (void);
void                  vignette_gallery_page_set_run         (VignetteGalleryPage *self,
                                                             VignetteRun         *run,
                                                             const char          *title);
VignetteRun          *vignette_gallery_page_get_run         (VignetteGalleryPage *self);
guint                 vignette_gallery_page_get_zoom_size   (VignetteGalleryPage *self);
void                  vignette_gallery_page_set_zoom_size   (VignetteGalleryPage *self,
                                                             guint                size);
gboolean              vignette_gallery_page_get_only_failed (VignetteGalleryPage *self);
void                  vignette_gallery_page_set_only_failed (VignetteGalleryPage *self,
                                                             gboolean             only_failed);
void                  vignette_gallery_page_set_search      (VignetteGalleryPage *self,
                                                             const char          *text);
void                  vignette_gallery_page_start_search    (VignetteGalleryPage *self);
void                  vignette_gallery_page_show_error      (VignetteGalleryPage *self,
                                                             const char          *message);
GListModel           *vignette_gallery_page_get_visible_items (VignetteGalleryPage *self);
VignetteTextureCache *vignette_gallery_page_get_cache       (VignetteGalleryPage *self);
GtkWidget            *vignette_gallery_page_get_grid        (VignetteGalleryPage *self);
const char           *vignette_gallery_page_get_view        (VignetteGalleryPage *self);
const char           *vignette_gallery_page_get_progress_text (VignetteGalleryPage *self);
const char           *vignette_gallery_page_get_subtitle    (VignetteGalleryPage *self);
void                  vignette_gallery_page_focus_item      (VignetteGalleryPage *self,
                                                             guint                position);
VignetteItem         *vignette_gallery_page_get_focus_item  (VignetteGalleryPage *self);
gboolean              vignette_gallery_page_get_focus_pending (VignetteGalleryPage *self);
double                vignette_gallery_page_get_scroll_offset (VignetteGalleryPage *self);
const char           *vignette_gallery_page_get_narrow_text (VignetteGalleryPage *self);
const char           *vignette_gallery_page_get_retry_text  (VignetteGalleryPage *self);

G_END_DECLS
