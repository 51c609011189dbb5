/* vignette-export.h: "Save Thumbnails…": the thumbnails a run keeps, written to a folder
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-enums.h"
#include "vignette-thumbnailer.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_EXPORT (vignette_export_get_type ())

G_DECLARE_FINAL_TYPE (VignetteExport, vignette_export, VIGNETTE, EXPORT, GObject)

VignetteExport *vignette_export_new            (GListModel          *items,
                                                VignetteThumbnailer *thumbnailer,
                                                GFile               *directory,
                                                VignetteFormat       format,
                                                const guint         *sizes,
                                                guint                n_sizes);
gboolean        vignette_export_get_running    (VignetteExport      *self);
guint           vignette_export_get_n_saved    (VignetteExport      *self);
guint           vignette_export_get_n_to_save  (VignetteExport      *self);
void            vignette_export_run_async      (VignetteExport      *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
guint           vignette_export_run_finish     (VignetteExport      *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
