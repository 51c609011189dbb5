/* vignette-item-job.c: one item's way from its address to its thumbnails, as one GTask
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The host queue gives an item a slot; the job then drives it, on the main
 * thread, through what it turns out to be:
 *
 *   load (web or file) ──▶ a page:   extract (worker) ──▶ EXPANDED, its images
 *                     ├──▶ a folder: list ──▶ EXPANDED, its images and subfolders
 *                     └──▶ an image: decode and scale (worker) ──▶ save ──▶ DONE
 *
 * The slot goes back to the queue as soon as the bytes are in (or the
 * attempt failed), and the original counts against the queue's decode
 * backpressure until a worker has made the thumbnails. A local image with a
 * valid entry in the desktop's thumbnail cache is made from that entry
 * instead of the original. The job changes its item's progress and working
 * states and records its timeline; the final state is the run's to set,
 * from the job's result, so that the run's counters stay right.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "vignette-error.h"
#include "vignette-extractor.h"
#include "vignette-folder.h"
#include "vignette-item-job.h"
#include "vignette-item-private.h"
#include "vignette-thumbnail-cache.h"

typedef struct {
  const VignetteJobContext *ctx;
  VignetteItem             *item;
  char                     *host_key;
  char                     *name;          /* how messages name the item */
  gboolean                  holds_slot;
  gboolean                  decoding;
  gboolean                  from_cache;
  VignetteThumbnails       *thumbnails;
  GError                   *error;         /* a failure waiting for its cache marker */

  /* An image decoded as it downloads: the download's end and the decode's
   * come back in either order */
  VignetteDecodeStream     *stream;        /* this attempt's */
  gboolean                  loaded;        /* its download completed */
  gboolean                  streamed_back; /* its thumbnails (or error) came back */
  VignetteThumbnails       *streamed;
  GError                   *stream_error;
  gint64                    stream_times[2];
  guint                     stream_worker;
} JobData;

typedef struct {
  GTask                *task;
  VignetteDecodeStream *stream;   /* not a reference: compared only */
} StreamCall;

static void decode (GTask *task, GBytes *bytes, gboolean from_cache);
static void load (GTask *task);

void
vignette_job_result_free (VignetteJobResult *result)
{
  if (result == NULL)
    return;

  g_clear_error (&result->error);
  g_clear_pointer (&result->children, g_ptr_array_unref);
  g_free (result->slot_host_key);
  g_free (result);
}

/* The slot goes back as soon as the bytes are in, and the run starts the
 * next item at once. A job that ends while it holds its slot hands it to
 * the run with its result instead: the run gives it back after it has
 * taken the result, so that a dead host fails its queued items before any
 * of them can start. */
static void
release_slot (JobData *job)
{
  if (job->holds_slot)
    {
      job->holds_slot = FALSE;
      vignette_host_queue_release (job->ctx->queue, job->host_key);
      job->ctx->released (job->ctx->released_data);
    }
}

static void
finish_decoding (JobData *job)
{
  if (job->decoding)
    {
      job->decoding = FALSE;
      vignette_host_queue_decode_finished (job->ctx->queue);
      job->ctx->released (job->ctx->released_data);
    }
}

static void
job_data_free (gpointer data)
{
  JobData *job = data;

  g_assert (!job->holds_slot && !job->decoding);
  g_object_unref (job->item);
  g_free (job->host_key);
  g_free (job->name);
  g_clear_pointer (&job->thumbnails, vignette_thumbnails_unref);
  g_clear_error (&job->error);
  g_clear_pointer (&job->stream, vignette_decode_stream_unref);
  g_clear_pointer (&job->streamed, vignette_thumbnails_unref);
  g_clear_error (&job->stream_error);
  g_free (job);
}

static gboolean
is_local (VignetteItem *item)
{
  return g_str_has_prefix (vignette_item_get_uri (item), "file:");
}

/* Where the item ended; a slot still held goes with it, and the run gives
 * it back once it has taken the result */
static void
return_result_full (GTask             *task,
                    VignetteJobOutcome outcome,
                    GError            *error,
                    GPtrArray         *children)
{
  JobData *job = g_task_get_task_data (task);
  VignetteJobResult *result = g_new0 (VignetteJobResult, 1);

  finish_decoding (job);

  result->outcome = outcome;
  if (job->holds_slot)
    {
      job->holds_slot = FALSE;
      result->slot_host_key = g_strdup (job->host_key);
    }
  result->error = error;
  result->children = children;
  result->from_cache = job->from_cache;
  result->hint.delay_ms = -1;
  vignette_item_mark (job->item, VIGNETTE_MARK_FINISHED, 0);
  g_task_return_pointer (task, result, (GDestroyNotify) vignette_job_result_free);
}

static void
return_result (GTask             *task,
               VignetteJobOutcome outcome,
               GError            *error)
{
  return_result_full (task, outcome, error, NULL);
}

static void
return_children (GTask     *task,
                 GPtrArray *children)
{
  return_result_full (task, VIGNETTE_JOB_EXPANDED, NULL, children);
}

static void
fail (GTask  *task,
      GError *error)
{
  return_result (task, VIGNETTE_JOB_FAILED, error);
}

static gboolean
return_if_cancelled (GTask *task)
{
  GError *error = NULL;

  if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    return FALSE;

  fail (task, error);
  return TRUE;
}

/* Saving and the desktop cache --------------------------------------------- */

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(GTask) task = data;
  JobData *job = g_task_get_task_data (task);
  GError *error = NULL;

  vignette_item_mark (job->item, VIGNETTE_MARK_SAVE_END, 0);
  if (!vignette_saver_save_finish (VIGNETTE_SAVER (source), result, &error))
    fail (task, error);
  else
    return_result (task, VIGNETTE_JOB_DONE, NULL);
}

static void
save (GTask *task)
{
  JobData *job = g_task_get_task_data (task);

  vignette_item_set_thumbnails (job->item, job->thumbnails);

  if (job->ctx->saver == NULL)
    {
      return_result (task, VIGNETTE_JOB_DONE, NULL);
      return;
    }

  vignette_item_mark (job->item, VIGNETTE_MARK_SAVE_START, 0);
  vignette_saver_save_async (job->ctx->saver, job->thumbnails, vignette_item_get_save_name (job->item),
                             g_task_get_cancellable (task), on_saved, g_object_ref (task));
}

static void
on_cache_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;

  vignette_cache_write_finish (result);
  save (task);
}

static void
on_failure_marked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  JobData *job = g_task_get_task_data (task);

  vignette_cache_write_finish (result);
  fail (task, g_steal_pointer (&job->error));
}

/* Decoding ------------------------------------------------------------------ */

/* The thumbnails (or why there are none), from a whole image or a stream */
static void
processed (GTask              *task,
           VignetteThumbnails *thumbnails,
           GError             *error,
           gint64              start,
           gint64              end,
           guint               worker)
{
  JobData *job = g_task_get_task_data (task);
  const VignetteJobContext *ctx = job->ctx;

  job->thumbnails = thumbnails;
  finish_decoding (job);

  if (worker != 0)
    {
      vignette_item_mark (job->item, VIGNETTE_MARK_DECODE_START, start);
      vignette_item_mark (job->item, VIGNETTE_MARK_DECODE_END, end);
      vignette_item_edit_timeline (job->item)->worker = worker;
    }

  if (job->thumbnails == NULL)
    {
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      if (job->from_cache && !cancelled)
        {
          /* A stale, foreign or damaged entry is no reason to fail: decode
           * the original, which writes a valid entry over it */
          g_error_free (error);
          job->from_cache = FALSE;
          load (task);
          return;
        }

      if (is_local (job->item) && ctx->use_cache && !cancelled &&
          !g_error_matches (error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS))
        {
          job->error = error;
          vignette_cache_mark_failed_async (vignette_item_get_uri (job->item),
                                            vignette_item_get_mtime (job->item),
                                            g_task_get_cancellable (task), on_failure_marked,
                                            g_object_ref (task));
          return;
        }

      fail (task, error);
      return;
    }

  job->from_cache = vignette_thumbnails_get_from_cache (job->thumbnails);

  if (vignette_thumbnails_get_n_cache_entries (job->thumbnails) > 0)
    {
      vignette_cache_store_async (job->thumbnails, vignette_item_get_uri (job->item),
                                  g_task_get_cancellable (task), on_cache_stored,
                                  g_object_ref (task));
      return;
    }

  save (task);
}

static void
on_processed (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  VignetteThumbnails *thumbnails;
  gint64 start = 0, end = 0;
  guint worker = 0;

  thumbnails = vignette_thumbnailer_process_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  vignette_workers_get_times (result, &start, &end, &worker);
  processed (task, thumbnails, error, start, end, worker);
}

/* Both halves of a streamed image are back: on with its thumbnails */
static void
streamed_complete (GTask *task)
{
  JobData *job = g_task_get_task_data (task);

  g_clear_pointer (&job->stream, vignette_decode_stream_unref);
  processed (task, g_steal_pointer (&job->streamed), g_steal_pointer (&job->stream_error),
             job->stream_times[0], job->stream_times[1], job->stream_worker);
}

static void
on_streamed (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  StreamCall *call = data;
  g_autoptr(GTask) task = call->task;
  JobData *job = g_task_get_task_data (task);
  VignetteDecodeStream *stream = call->stream;

  g_free (call);

  /* A failed attempt's stream, or a job that ended on its download's error */
  if (stream != job->stream || g_task_get_completed (task))
    {
      g_autoptr(GError) ignored = NULL;
      g_autoptr(VignetteThumbnails) late = vignette_thumbnailer_process_finish (VIGNETTE_THUMBNAILER (source),
                                                                                 result, &ignored);
      return;
    }

  job->streamed_back = TRUE;
  job->streamed = vignette_thumbnailer_process_finish (VIGNETTE_THUMBNAILER (source), result,
                                                       &job->stream_error);
  vignette_workers_get_times (result, &job->stream_times[0], &job->stream_times[1], &job->stream_worker);

  if (job->loaded)
    streamed_complete (task);
}

static void
decode (GTask    *task,
        GBytes   *bytes,
        gboolean  from_cache)
{
  JobData *job = g_task_get_task_data (task);
  const VignetteJobContext *ctx = job->ctx;
  gboolean cache = is_local (job->item) && ctx->use_cache;

  if (return_if_cancelled (task))
    return;

  if (!from_cache)
    vignette_item_set_file_size (job->item, g_bytes_get_size (bytes));
  vignette_item_set_state (job->item, VIGNETTE_ITEM_STATE_PROCESSING);
  vignette_item_mark (job->item, VIGNETTE_MARK_DECODE_QUEUED, 0);

  job->from_cache = from_cache;
  job->decoding = TRUE;
  vignette_host_queue_decode_started (ctx->queue);
  vignette_thumbnailer_process_async (ctx->thumbnailer, bytes, job->name,
                                      cache ? vignette_item_get_uri (job->item) : NULL,
                                      vignette_item_get_mtime (job->item), from_cache,
                                      g_task_get_cancellable (task), on_processed,
                                      g_object_ref (task));
}

/* Pages and folders ----------------------------------------------------------- */

static void
on_extracted (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  JobData *job = g_task_get_task_data (task);
  g_auto(GStrv) uris = NULL;
  GError *error = NULL;
  GPtrArray *children;

  uris = vignette_extract_image_uris_finish (result, &error);
  if (uris == NULL)
    {
      fail (task, error);
      return;
    }

  if (uris[0] == NULL)
    {
      fail (task, g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NO_IMAGES,
                               _("No images were found on %s."), job->name));
      return;
    }

  if (return_if_cancelled (task))
    return;

  children = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; uris[i] != NULL; i++)
    g_ptr_array_add (children, vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, uris[i],
                                                  vignette_item_get_uri (job->item)));

  return_children (task, children);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  JobData *job = g_task_get_task_data (task);
  GPtrArray *children;
  GError *error = NULL;

  children = vignette_folder_list_finish (result, &error);
  if (children == NULL)
    {
      fail (task, error);
      return;
    }

  if (return_if_cancelled (task))
    {
      g_ptr_array_unref (children);
      return;
    }

  if (children->len > 0)
    {
      return_children (task, children);
      return;
    }

  g_ptr_array_unref (children);

  /* A subfolder without images is not worth a line; a folder the user chose is */
  if (vignette_item_get_page_uri (job->item) != NULL)
    return_result (task, VIGNETTE_JOB_NOTHING, NULL);
  else
    fail (task, g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NO_IMAGES,
                             _("No images were found in %s."), job->name));
}

static void
list_folder (GTask *task)
{
  JobData *job = g_task_get_task_data (task);

  vignette_item_set_kind (job->item, VIGNETTE_ITEM_KIND_FOLDER);
  vignette_item_set_state (job->item, VIGNETTE_ITEM_STATE_FETCHING_PAGE);
  vignette_folder_list_async (vignette_item_get_uri (job->item), job->ctx->recursive,
                              g_task_get_cancellable (task), on_listed, g_object_ref (task));
}

/* Loading --------------------------------------------------------------------- */

static void
on_progress (GObject *target,
             guint64  received,
             guint64  total)
{
  vignette_item_set_progress (VIGNETTE_ITEM (target), received, total);
}

static void
record_load_times (JobData            *job,
                   const VignetteLoad *loaded)
{
  VignetteTimeline *timeline = vignette_item_edit_timeline (job->item);

  if (loaded->times.request_sent != 0)
    vignette_item_mark (job->item, VIGNETTE_MARK_REQUEST_SENT, loaded->times.request_sent);
  if (loaded->times.first_byte != 0)
    vignette_item_mark (job->item, VIGNETTE_MARK_FIRST_BYTE, loaded->times.first_byte);
  vignette_item_mark (job->item, VIGNETTE_MARK_LOADED, loaded->times.done);
  timeline->connection_id = loaded->times.connection_id;
  timeline->http2 = loaded->protocol == VIGNETTE_PROTOCOL_HTTP2;
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  JobData *job = g_task_get_task_data (task);
  g_autoptr(VignetteLoad) loaded = NULL;
  VignetteRetryHint hint;
  GError *error = NULL;

  loaded = vignette_loader_load_finish (VIGNETTE_LOADER (source), result, &hint, &error);

  if (loaded == NULL)
    {
      if (hint.delay_ms >= 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          VignetteJobResult *retry = g_new0 (VignetteJobResult, 1);

          vignette_item_edit_timeline (job->item)->retries++;
          if (job->holds_slot)
            {
              job->holds_slot = FALSE;
              retry->slot_host_key = g_strdup (job->host_key);
            }
          retry->outcome = VIGNETTE_JOB_RETRY;
          retry->error = error;
          retry->hint = hint;
          g_task_return_pointer (task, retry, (GDestroyNotify) vignette_job_result_free);
          return;
        }

      fail (task, error);
      return;
    }

  release_slot (job);
  record_load_times (job, loaded);
  if (loaded->mtime != 0)
    vignette_item_set_mtime (job->item, loaded->mtime);

  switch (loaded->kind)
    {
    case VIGNETTE_LOAD_FOLDER:
      list_folder (task);
      break;

    case VIGNETTE_LOAD_PAGE:
      vignette_item_set_kind (job->item, VIGNETTE_ITEM_KIND_PAGE);
      vignette_extract_image_uris_async (job->ctx->workers, loaded->bytes, loaded->content_type,
                                         loaded->final_uri, job->ctx->selector,
                                         g_task_get_cancellable (task), on_extracted,
                                         g_object_ref (task));
      break;

    case VIGNETTE_LOAD_IMAGE:
      vignette_item_set_kind (job->item, VIGNETTE_ITEM_KIND_IMAGE);
      if (vignette_item_get_save_name (job->item) == NULL)
        {
          /* A source that was an image itself, not found on a page */
          g_autofree char *name = vignette_names_claim (job->ctx->names, vignette_item_get_uri (job->item));

          vignette_item_set_save_name (job->item, name);
        }
      if (loaded->streamed > 0)
        {
          /* Decoded as it arrived: the workers finish it, if they have not */
          vignette_item_set_progress (job->item, loaded->streamed, loaded->streamed);
          vignette_item_set_file_size (job->item, loaded->streamed);
          vignette_item_set_state (job->item, VIGNETTE_ITEM_STATE_PROCESSING);
          /* Its first piece went to the workers as soon as it arrived */
          vignette_item_mark (job->item, VIGNETTE_MARK_DECODE_QUEUED, loaded->times.first_byte);
          job->loaded = TRUE;
          job->decoding = TRUE;
          vignette_host_queue_decode_started (job->ctx->queue);
          if (job->streamed_back)
            streamed_complete (task);
          break;
        }
      vignette_item_set_progress (job->item, g_bytes_get_size (loaded->bytes),
                                  g_bytes_get_size (loaded->bytes));
      decode (task, loaded->bytes, FALSE);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
load (GTask *task)
{
  JobData *job = g_task_get_task_data (task);
  VignetteItem *item = job->item;
  VignetteItemKind kind = vignette_item_get_kind (item);
  guint attempt = vignette_item_get_attempts (item) + 1;

  vignette_item_set_attempts (item, attempt);
  vignette_item_set_state (item, kind == VIGNETTE_ITEM_KIND_IMAGE ? VIGNETTE_ITEM_STATE_DOWNLOADING
                                                                : VIGNETTE_ITEM_STATE_FETCHING_PAGE);

  /* An image on the web is decoded as it arrives, on the workers: each
   * attempt with a decoder of its own */
  g_clear_pointer (&job->stream, vignette_decode_stream_unref);
  g_clear_pointer (&job->streamed, vignette_thumbnails_unref);
  g_clear_error (&job->stream_error);
  job->loaded = job->streamed_back = FALSE;
  if (kind == VIGNETTE_ITEM_KIND_IMAGE && !is_local (item) && job->ctx->stream_images)
    {
      StreamCall *call = g_new0 (StreamCall, 1);

      call->task = g_object_ref (task);
      job->stream = vignette_thumbnailer_stream_new (job->ctx->thumbnailer, job->name,
                                                     g_task_get_cancellable (task), on_streamed, call);
      call->stream = job->stream;
    }

  vignette_loader_load_async (job->ctx->loader, vignette_item_get_uri (item),
                              vignette_item_get_page_uri (item), kind == VIGNETTE_ITEM_KIND_IMAGE,
                              attempt, job->stream, on_progress, G_OBJECT (item), g_task_get_cancellable (task),
                              on_loaded, g_object_ref (task));
}

static void
on_cache_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;
  JobData *job = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, NULL);
  if (return_if_cancelled (task))
    return;

  if (bytes == NULL)
    {
      load (task);  /* no cache entry: decode the original */
      return;
    }

  release_slot (job);
  vignette_item_mark (job->item, VIGNETTE_MARK_LOADED, 0);
  decode (task, bytes, TRUE);
}

/**
 * vignette_item_job_run_async:
 * @owner: kept alive while the job runs (the run)
 * @host_key: the item holds a slot of this host in the context's queue,
 *   which the job gives back
 *
 * Takes @item as far as it goes; its result says where it ended.
 */
void
vignette_item_job_run_async (const VignetteJobContext *context,
                             GObject                  *owner,
                             VignetteItem             *item,
                             const char               *host_key,
                             GCancellable             *cancellable,
                             GAsyncReadyCallback       callback,
                             gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  JobData *job;

  job = g_new0 (JobData, 1);
  job->ctx = context;
  job->item = g_object_ref (item);
  job->host_key = g_strdup (host_key);
  job->name = vignette_display_name_for_uri (vignette_item_get_uri (item));
  job->holds_slot = TRUE;

  task = g_task_new (owner, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_item_job_run_async);
  g_task_set_task_data (task, job, job_data_free);
  /* The result says "cancelled" itself, as a failure */
  g_task_set_check_cancellable (task, FALSE);

  vignette_item_mark (item, VIGNETTE_MARK_STARTED, 0);

  if (g_cancellable_is_cancelled (cancellable))
    {
      fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The run was cancelled.")));
      return;
    }

  if (vignette_item_get_kind (item) == VIGNETTE_ITEM_KIND_FOLDER)
    {
      release_slot (job);
      list_folder (task);
    }
  else if (vignette_item_get_kind (item) == VIGNETTE_ITEM_KIND_IMAGE && is_local (item) &&
           context->cache_flavor != NULL && vignette_item_get_mtime (item) != 0)
    {
      g_autofree char *path = vignette_cache_get_path (context->cache_flavor, vignette_item_get_uri (item));
      g_autoptr(GFile) file = g_file_new_for_path (path);

      vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DOWNLOADING);
      g_file_load_bytes_async (file, cancellable, on_cache_loaded, g_object_ref (task));
    }
  else
    {
      load (task);
    }
}

/**
 * vignette_item_job_run_finish:
 *
 * Returns: (transfer full): where the item ended; never %NULL
 */
VignetteJobResult *
vignette_item_job_run_finish (GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  VignetteJobResult *job_result;

  job_result = g_task_propagate_pointer (G_TASK (result), &error);
  g_assert (job_result != NULL);

  return job_result;
}
