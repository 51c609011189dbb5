/* ui-test-utils.h: what the widget tests share: set-up, items in any state, cards on screen
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "test-utils.h"
#include "vignette-card.h"
#include "vignette-item.h"
#include "vignette-thumbnails.h"

G_BEGIN_DECLS

void                vignette_ui_test_init              (int          *argc,
                                                        char       ***argv);
VignetteThumbnails *vignette_ui_test_make_thumbnails   (int           width,
                                                        int           height);
VignetteItem       *vignette_ui_test_make_item         (const char   *name,
                                                        VignetteItemState state);
GPtrArray          *vignette_ui_test_find_cards        (GtkWidget    *root);
VignetteCard       *vignette_ui_test_find_card_for     (GtkWidget    *root,
                                                        VignetteItem *item);
gboolean            vignette_ui_test_action_enabled    (GtkWidget    *root,
                                                        const char   *action_name);
gboolean            vignette_ui_test_wait              (gboolean    (*cond) (gpointer user_data),
                                                        gpointer      user_data,
                                                        const char   *what);

G_END_DECLS
