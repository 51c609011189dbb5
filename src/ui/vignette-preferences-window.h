/* vignette-preferences-window.h: the settings that apply to the next run
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_PREFERENCES_WINDOW (vignette_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (VignettePreferencesWindow, vignette_preferences_window, VIGNETTE, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *vignette_preferences_window_new (GtkWindow *parent);

G_END_DECLS
