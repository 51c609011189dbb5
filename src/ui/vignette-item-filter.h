/* vignette-item-filter.h: which items the gallery shows: a name search and "only failed"
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_ITEM_FILTER (vignette_item_filter_get_type ())

G_DECLARE_FINAL_TYPE (VignetteItemFilter, vignette_item_filter, VIGNETTE, ITEM_FILTER, GtkFilter)

VignetteItemFilter *vignette_item_filter_new             (void);
const char         *vignette_item_filter_get_search      (VignetteItemFilter *self);
void                vignette_item_filter_set_search      (VignetteItemFilter *self,
                                                          const char         *search);
gboolean            vignette_item_filter_get_only_failed (VignetteItemFilter *self);
void                vignette_item_filter_set_only_failed (VignetteItemFilter *self,
                                                          gboolean            only_failed);
gboolean            vignette_item_filter_is_active       (VignetteItemFilter *self);
void                vignette_item_filter_states_changed  (VignetteItemFilter *self);

G_END_DECLS
