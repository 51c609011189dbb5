/* vignette-run.h: one job from sources to thumbnails: the pipeline and its item model
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-enums.h"
#include "vignette-export.h"
#include "vignette-item.h"
#include "vignette-thumbnailer.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_RUN (vignette_run_get_type ())

G_DECLARE_FINAL_TYPE (VignetteRun, vignette_run, VIGNETTE, RUN, GObject)

typedef struct {
  double  wall_seconds;
  double  worker_seconds;     /* CPU time spent decoding, scaling and encoding */
  guint   n_items;
  guint   n_done;
  guint   n_failed;
  guint   n_cancelled;
  guint   n_pages;
  guint   n_from_cache;
  guint   n_files_written;
  guint64 bytes_received;
  guint   peak_requests;
  guint   peak_workers;
  guint   n_retries;
  guint   threads;
} VignetteRunStats;

VignetteRun  *vignette_run_new                (void);
gboolean      vignette_run_add_source         (VignetteRun          *self,
                                               const char           *text,
                                               int                   first_page,
                                               int                   last_page,
                                               GError              **error);
gboolean      vignette_run_set_selector       (VignetteRun          *self,
                                               const char           *selector,
                                               GError              **error);
GListModel   *vignette_run_get_items          (VignetteRun          *self);
gboolean      vignette_run_get_running        (VignetteRun          *self);
guint         vignette_run_get_n_items        (VignetteRun          *self);
guint         vignette_run_get_n_done         (VignetteRun          *self);
guint         vignette_run_get_n_failed       (VignetteRun          *self);
guint         vignette_run_get_n_cancelled    (VignetteRun          *self);
double        vignette_run_get_fraction       (VignetteRun          *self);
gboolean      vignette_run_get_saving         (VignetteRun          *self);
guint         vignette_run_get_n_saved        (VignetteRun          *self);
guint         vignette_run_get_n_to_save      (VignetteRun          *self);
void          vignette_run_set_sizes          (VignetteRun          *self,
                                               const guint          *sizes,
                                               guint                 n_sizes);
const guint  *vignette_run_get_sizes          (VignetteRun          *self,
                                               guint                *n_sizes);
void          vignette_run_set_output         (VignetteRun          *self,
                                               GFile                *directory);
GFile        *vignette_run_get_output         (VignetteRun          *self);
void          vignette_run_execute_async      (VignetteRun          *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean      vignette_run_execute_finish     (VignetteRun          *self,
                                               GAsyncResult         *result,
                                               GError              **error);
guint         vignette_run_retry_failed       (VignetteRun          *self);
void          vignette_run_get_stats          (VignetteRun          *self,
                                               VignetteRunStats     *stats);
VignetteThumbnailer *vignette_run_get_thumbnailer (VignetteRun      *self);
void          vignette_run_save_async         (VignetteRun          *self,
                                               GFile                *directory,
                                               VignetteFormat        format,
                                               const guint          *sizes,
                                               guint                 n_sizes,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
guint         vignette_run_save_finish        (VignetteRun          *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
