/* vignette-file-launcher.h: a local image handed to other applications: Open With…, Show in Files
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean vignette_is_sandboxed        (void);
void     vignette_file_open_with      (GtkWindow *parent,
                                       GFile     *file);
void     vignette_file_show_in_folder (GtkWindow *parent,
                                       GFile     *file);

G_END_DECLS
