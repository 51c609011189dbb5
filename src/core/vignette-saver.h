/* vignette-saver.h: thumbnails written atomically under one output folder, and nowhere else
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-enums.h"
#include "vignette-thumbnails.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_SAVER (vignette_saver_get_type ())

G_DECLARE_FINAL_TYPE (VignetteSaver, vignette_saver, VIGNETTE, SAVER, GObject)

VignetteSaver *vignette_saver_new                (GFile               *directory);
GFile         *vignette_saver_get_directory      (VignetteSaver       *self);
void           vignette_saver_save_async         (VignetteSaver       *self,
                                                  VignetteThumbnails  *thumbnails,
                                                  const char          *name,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       vignette_saver_save_finish        (VignetteSaver       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
guint          vignette_saver_get_n_files        (VignetteSaver       *self);

gboolean       vignette_write_file_atomic        (const char          *path,
                                                  GBytes              *bytes,
                                                  int                  mode,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
void           vignette_write_file_atomic_async  (const char          *path,
                                                  GBytes              *bytes,
                                                  int                  mode,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       vignette_write_file_atomic_finish (GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
