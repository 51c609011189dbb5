/* vignette-ui.h: what the whole window shares: set-up, limits and a few texts
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "vignette-item.h"

G_BEGIN_DECLS

/* The thumbnail sizes a run makes for display; zoom moves between them */
#define VIGNETTE_ZOOM_MIN  100
#define VIGNETTE_ZOOM_MAX  500
#define VIGNETTE_ZOOM_STEP 100

void        vignette_ui_init               (void);
void        vignette_ui_init_locale        (void);
char       *vignette_format_progress       (guint              n_done,
                                            guint              n_items,
                                            guint              n_failed,
                                            guint              n_cancelled);
char       *vignette_format_retry          (guint              n_failed,
                                            guint              n_cancelled);
const char *vignette_describe_state        (VignetteItemState  state,
                                            VignetteItemKind   kind);
const char *vignette_describe_item_state   (VignetteItem      *item);
gboolean    vignette_uri_is_local          (const char        *uri);
char       *vignette_dup_display_address   (const char        *uri);
guint       vignette_zoom_clamp            (int                size);

/* The portal's file chooser (GtkFileChooserNative on 4.8, GtkFileDialog from 4.10) */
void        vignette_choose_folder_async   (GtkWindow         *parent,
                                            const char        *title,
                                            const char        *accept_label,
                                            GCancellable      *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer           user_data);
void        vignette_choose_save_file_async (GtkWindow        *parent,
                                            const char        *title,
                                            const char        *suggested_name,
                                            GCancellable      *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer           user_data);
GFile      *vignette_choose_file_finish    (GAsyncResult      *result,
                                            GError           **error);
void        vignette_open_uri              (GtkWindow         *parent,
                                            const char        *uri);
void        vignette_accessible_label_from_mnemonic (GtkButton *button);
void        vignette_accessible_hide_icons (GtkWidget         *widget);
void        vignette_widget_unparent_children (GtkWidget    *widget);
void        vignette_show_toast            (GtkWidget         *widget,
                                            const char        *message);

G_END_DECLS
