/* vignette-workers.h: the threads that do the CPU-bound work
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_WORKERS (vignette_workers_get_type ())

G_DECLARE_FINAL_TYPE (VignetteWorkers, vignette_workers, VIGNETTE, WORKERS, GObject)

VignetteWorkers *vignette_workers_new             (guint            n_threads);
guint            vignette_workers_get_n_threads   (VignetteWorkers *self);
void             vignette_workers_set_n_threads   (VignetteWorkers *self,
                                                   guint            n_threads);
void             vignette_workers_run             (VignetteWorkers *self,
                                                   GTask           *task,
                                                   GTaskThreadFunc  func);
void             vignette_workers_run_func        (VignetteWorkers *self,
                                                   GFunc            func,
                                                   gpointer         data);
void             vignette_workers_record_times    (VignetteWorkers *self,
                                                   GTask           *task,
                                                   gint64           start);
double           vignette_workers_get_busy_seconds (VignetteWorkers *self);
guint            vignette_workers_get_peak_busy   (VignetteWorkers *self);
guint            vignette_default_n_threads       (void);
gboolean         vignette_workers_get_times       (GAsyncResult    *result,
                                                   gint64          *start,
                                                   gint64          *end,
                                                   guint           *worker);

G_END_DECLS
