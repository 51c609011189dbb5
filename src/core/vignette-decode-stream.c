/* vignette-decode-stream.c: an image decoded on the workers while its bytes arrive
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network thread writes each piece of a body here as it arrives; the
 * pieces wait in a short queue and a worker feeds them to the decoder, one
 * worker at a time per image (a drain runs until the queue is empty, and a
 * write that finds no drain running starts one). So an image in flight costs
 * its reduced decode and at most a couple of megabytes of bytes not yet
 * decoded, never its whole file, and decoding overlaps the download. When
 * the queue holds more than VIGNETTE_DECODE_STREAM_HIGH_WATER the download
 * pauses (vignette_decode_stream_is_full()) until the worker catches up.
 *
 * A decoder that has started holds its image's decoding state: for a
 * progressive JPEG, libjpeg keeps every DCT coefficient of the whole image
 * (50 MB for 18 megapixels, whatever the scale asked for). So only as many
 * images as there are workers decode at once; the others keep their first
 * pieces (up to the high-water mark, and their downloads pause) until a
 * decoder slot comes free. Memory is then bounded by the workers, not by
 * --jobs.
 *
 * Once the body is complete (close) and drained, the worker runs the
 * @finish function of the stream's task, which finishes the decoder and
 * makes the thumbnails, and returns the task: its callback runs on the
 * main thread. A download that fails (abort) discards the decoder and
 * returns the task cancelled; a decoder that refuses a piece (not an image,
 * too many pixels) makes the next write fail with its error, which stops
 * the download.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "vignette-decode-stream.h"

struct _VignetteDecodeStream
{
  gatomicrefcount   ref_count;

  VignetteWorkers  *workers;
  VignetteDecoder  *decoder;       /* touched by one drain at a time */
  GTask            *task;          /* returned once, by a drain */
  GTaskThreadFunc   finish;

  GMutex            lock;
  GQueue            pieces;        /* GBytes not yet decoded */
  gsize             queued;        /* their bytes */
  guint64           written;
  gboolean          draining;
  gboolean          closed;
  gboolean          aborted;
  gboolean          returned;
  gboolean          has_slot;      /* one of the decoder slots */
  gboolean          waiting;       /* in the queue for a slot */
  GError           *error;         /* the decoder refused a piece */
  gint64            first_work;
};

static void drain (gpointer data, gpointer user_data);
static void kick (VignetteDecodeStream *self);

/* Decoder slots, for every stream of the process: as many as workers */
static GMutex slots_lock;
static guint slots_busy;
static GQueue slots_waiting;  /* VignetteDecodeStream, a reference each */

/* Under self->lock: whether this stream may decode now */
static gboolean
acquire_slot (VignetteDecodeStream *self)
{
  gboolean granted;

  if (self->has_slot)
    return TRUE;

  g_mutex_lock (&slots_lock);
  granted = slots_busy < vignette_workers_get_n_threads (self->workers);
  if (granted)
    slots_busy++;
  else if (!self->waiting)
    {
      self->waiting = TRUE;
      g_queue_push_tail (&slots_waiting, vignette_decode_stream_ref (self));
    }
  g_mutex_unlock (&slots_lock);

  self->has_slot = granted;
  return granted;
}

/* Not under any stream's lock: the slot goes to the longest waiting stream */
static void
release_slot (VignetteDecodeStream *self)
{
  VignetteDecodeStream *next;

  g_mutex_lock (&self->lock);
  if (!self->has_slot)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->has_slot = FALSE;
  g_mutex_unlock (&self->lock);

  g_mutex_lock (&slots_lock);
  slots_busy--;
  g_mutex_unlock (&slots_lock);

  /* Until a waiting stream takes the slot: one that failed meanwhile only
   * needs a worker to say so, not the slot, and must not keep it from the
   * next */
  for (;;)
    {
      gboolean taken;

      g_mutex_lock (&slots_lock);
      next = g_queue_pop_head (&slots_waiting);
      g_mutex_unlock (&slots_lock);
      if (next == NULL)
        break;

      g_mutex_lock (&next->lock);
      next->waiting = FALSE;
      kick (next);
      taken = next->has_slot || next->waiting;
      g_mutex_unlock (&next->lock);
      vignette_decode_stream_unref (next);

      if (taken)
        break;
    }
}

/**
 * vignette_decode_stream_new:
 * @decoder: a new decoder, which the stream feeds
 * @task: returned by @finish, on a worker, once the whole body is decoded;
 *   its task data is what @finish needs
 * @finish: finishes @decoder and returns @task
 */
VignetteDecodeStream *
vignette_decode_stream_new (VignetteWorkers *workers,
                            VignetteDecoder *decoder,
                            GTask           *task,
                            GTaskThreadFunc  finish)
{
  VignetteDecodeStream *self = g_new0 (VignetteDecodeStream, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->workers = g_object_ref (workers);
  self->decoder = g_object_ref (decoder);
  self->task = g_object_ref (task);
  self->finish = finish;
  g_mutex_init (&self->lock);
  g_queue_init (&self->pieces);

  return self;
}

VignetteDecodeStream *
vignette_decode_stream_ref (VignetteDecodeStream *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
vignette_decode_stream_unref (VignetteDecodeStream *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_queue_clear_full (&self->pieces, (GDestroyNotify) g_bytes_unref);
  g_clear_object (&self->decoder);
  /* Never returned (nobody wrote, nobody closed): say so rather than leak the caller */
  if (!self->returned)
    g_task_return_new_error (self->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("The operation was cancelled."));
  g_clear_object (&self->task);
  g_object_unref (self->workers);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* Under the lock: a worker takes over when none is at it, once the stream
 * has a decoder slot; a stream that failed needs none to say so */
static void
kick (VignetteDecodeStream *self)
{
  if (self->draining || self->returned || self->waiting)
    return;

  if (!self->aborted && self->error == NULL && !acquire_slot (self))
    return;

  self->draining = TRUE;
  vignette_workers_run_func (self->workers, drain, vignette_decode_stream_ref (self));
}

/* A worker: feeds the pieces to the decoder until none is left; the last
 * drain after close finishes the image */
static void
drain (gpointer data,
       gpointer user_data)
{
  g_autoptr(VignetteDecodeStream) self = data;

  if (self->first_work == 0)
    self->first_work = g_get_monotonic_time ();

  for (;;)
    {
      g_autoptr(GBytes) piece = NULL;
      g_autoptr(GError) error = NULL;
      gboolean finish = FALSE, aborted;

      g_mutex_lock (&self->lock);
      aborted = self->aborted;
      if (!aborted && self->error == NULL)
        {
          piece = g_queue_pop_head (&self->pieces);
          if (piece != NULL)
            self->queued -= g_bytes_get_size (piece);
          else if (self->closed)
            finish = TRUE;
        }
      if (piece == NULL && !finish)
        {
          /* Nothing to do until the next write (or a failure to report) */
          if (aborted || (self->error != NULL && self->closed))
            {
              self->returned = TRUE;
              self->draining = FALSE;
              g_mutex_unlock (&self->lock);
              if (aborted)
                g_task_return_new_error (self->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         _("The operation was cancelled."));
              else
                g_task_return_error (self->task, g_error_copy (self->error));
              release_slot (self);
              return;
            }
          self->draining = FALSE;
          g_mutex_unlock (&self->lock);
          return;
        }
      if (finish)
        self->returned = TRUE;
      g_mutex_unlock (&self->lock);

      if (finish)
        {
          vignette_workers_record_times (self->workers, self->task, self->first_work);
          self->finish (self->task, g_task_get_source_object (self->task),
                        g_task_get_task_data (self->task), g_task_get_cancellable (self->task));
          g_mutex_lock (&self->lock);
          self->draining = FALSE;
          g_mutex_unlock (&self->lock);
          release_slot (self);
          return;
        }

      if (!vignette_decoder_write (self->decoder, g_bytes_get_data (piece, NULL),
                                   g_bytes_get_size (piece), &error))
        {
          g_mutex_lock (&self->lock);
          self->error = g_steal_pointer (&error);
          g_queue_clear_full (&self->pieces, (GDestroyNotify) g_bytes_unref);
          self->queued = 0;
          g_mutex_unlock (&self->lock);
        }
    }
}

/**
 * vignette_decode_stream_write:
 *
 * From the thread that downloads: queues a piece of the body for the
 * decoder (a copy). Fails when the decoder has refused an earlier piece:
 * the download should stop, with that error.
 */
gboolean
vignette_decode_stream_write (VignetteDecodeStream  *self,
                              const guint8          *data,
                              gsize                  length,
                              GError               **error)
{
  g_mutex_lock (&self->lock);
  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  if (length > 0)
    {
      g_queue_push_tail (&self->pieces, g_bytes_new (data, length));
      self->queued += length;
      self->written += length;
      kick (self);
    }
  g_mutex_unlock (&self->lock);

  return TRUE;
}

/* Whether the download should wait for the decoder before it reads more */
gboolean
vignette_decode_stream_is_full (VignetteDecodeStream *self)
{
  gboolean full;

  g_mutex_lock (&self->lock);
  full = self->queued > VIGNETTE_DECODE_STREAM_HIGH_WATER && self->error == NULL;
  g_mutex_unlock (&self->lock);

  return full;
}

/* The whole body was written: finish the image once the queue is drained */
void
vignette_decode_stream_close (VignetteDecodeStream *self)
{
  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  kick (self);
  g_mutex_unlock (&self->lock);
}

/* The download failed: drop what waits, and the decoder with it */
void
vignette_decode_stream_abort (VignetteDecodeStream *self)
{
  g_mutex_lock (&self->lock);
  self->aborted = TRUE;
  g_queue_clear_full (&self->pieces, (GDestroyNotify) g_bytes_unref);
  self->queued = 0;
  kick (self);
  g_mutex_unlock (&self->lock);
}

