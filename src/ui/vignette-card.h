/* vignette-card.h: one image in the gallery grid; made once, rebound as the grid scrolls
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "vignette-item.h"
#include "vignette-texture-cache.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_CARD (vignette_card_get_type ())

G_DECLARE_FINAL_TYPE (VignetteCard, vignette_card, VIGNETTE, CARD, GtkWidget)

GtkWidget    *vignette_card_new             (VignetteTextureCache *cache);
VignetteItem *vignette_card_get_item        (VignetteCard         *self);
void          vignette_card_set_item        (VignetteCard         *self,
                                             VignetteItem         *item);
guint         vignette_card_get_size        (VignetteCard         *self);
void          vignette_card_set_size        (VignetteCard         *self,
                                             guint                 size);

/* What the card shows, for the tests */
GdkPaintable *vignette_card_get_paintable   (VignetteCard         *self);
guint         vignette_card_get_shown_size  (VignetteCard         *self);
const char   *vignette_card_get_page        (VignetteCard         *self);
const char   *vignette_card_get_status_text (VignetteCard         *self);
const char   *vignette_card_get_icon_name   (VignetteCard         *self);
gboolean      vignette_card_get_busy        (VignetteCard         *self);
double        vignette_card_get_fraction    (VignetteCard         *self);
gboolean      vignette_card_get_loading     (VignetteCard         *self);
gboolean      vignette_card_get_backed      (VignetteCard         *self);
char         *vignette_card_dup_tooltip_text (VignetteCard        *self);

G_END_DECLS
