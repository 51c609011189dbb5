/* vignette-item-job.h: one item's way from its address to its thumbnails, as one GTask
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-host-queue.h"
#include "vignette-item.h"
#include "vignette-loader.h"
#include "vignette-names.h"
#include "vignette-saver.h"
#include "vignette-thumbnailer.h"
#include "vignette-workers.h"

G_BEGIN_DECLS

/* What every job of a run shares; the run owns it and outlives its jobs */
typedef struct {
  VignetteLoader      *loader;
  VignetteThumbnailer *thumbnailer;
  VignetteWorkers     *workers;
  VignetteSaver       *saver;          /* NULL: only make the thumbnails */
  VignetteHostQueue   *queue;          /* the slot a job holds goes back here */
  VignetteNames       *names;          /* an address that turns out to be an image gets its file name here */
  const char          *selector;       /* NULL: the built-in rules */
  gboolean             recursive;
  const char          *cache_flavor;   /* the desktop cache to read for local files, or NULL */
  gboolean             use_cache;      /* read and write the desktop cache for local files */
  gboolean             stream_images;  /* decode images on the web as they download */
  void               (*released)      (gpointer data);  /* a slot or a worker came free */
  gpointer             released_data;
} VignetteJobContext;

/**
 * VignetteJobOutcome:
 * @VIGNETTE_JOB_DONE: the item has its thumbnails (and they are saved when asked)
 * @VIGNETTE_JOB_FAILED: see the result's error (a cancellation among them)
 * @VIGNETTE_JOB_EXPANDED: a page or folder: the result's children replace it
 * @VIGNETTE_JOB_NOTHING: a subfolder without images, not worth a line
 * @VIGNETTE_JOB_RETRY: a transient failure: queue the item again after the hint's delay
 */
typedef enum {
  VIGNETTE_JOB_DONE,
  VIGNETTE_JOB_FAILED,
  VIGNETTE_JOB_EXPANDED,
  VIGNETTE_JOB_NOTHING,
  VIGNETTE_JOB_RETRY,
} VignetteJobOutcome;

typedef struct {
  VignetteJobOutcome  outcome;
  GError             *error;       /* FAILED, and RETRY (why) */
  GPtrArray          *children;    /* EXPANDED: VignetteItem */
  VignetteRetryHint   hint;        /* RETRY */
  gboolean            from_cache;  /* DONE from the desktop's thumbnail cache */
  char               *slot_host_key; /* the job still held a slot of this host: the
                                      * run gives it back once it took the result */
} VignetteJobResult;

void               vignette_job_result_free     (VignetteJobResult        *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteJobResult, vignette_job_result_free)

void               vignette_item_job_run_async  (const VignetteJobContext *context,
                                                 GObject                  *owner,
                                                 VignetteItem             *item,
                                                 const char               *host_key,
                                                 GCancellable             *cancellable,
                                                 GAsyncReadyCallback       callback,
                                                 gpointer                  user_data);
VignetteJobResult *vignette_item_job_run_finish (GAsyncResult             *result);

G_END_DECLS
