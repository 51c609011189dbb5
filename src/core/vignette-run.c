/* vignette-run.c: one job from sources to thumbnails: the item model, its counters, and what starts when
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The run owns the item model and its counters, and is the only one that
 * changes an item's final state, on the main thread. Data flows one way:
 *
 *   source ──▶ host queue ──▶ item job ──▶ (loader, thumbnailer, saver)
 *                   ▲              │
 *                   └── children ──┘  (a page's images, a folder's files)
 *
 * Sources (vignette-source.c) give the first items. The host queue
 * (vignette-host-queue.c) decides which item starts next, within the limits
 * (--jobs, --per-host, the decode backpressure) and the hosts' pauses. An
 * item job (vignette-item-job.c) takes one item as far as it goes and says
 * where it ended; the run then counts it, replaces a page or folder by what
 * it contains, or queues it again for another attempt. Each time something
 * comes free, the pump starts what the queue allows.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "vignette-enum-types.h"
#include "vignette-error.h"
#include "vignette-export.h"
#include "vignette-extractor.h"
#include "vignette-host-queue.h"
#include "vignette-item-job.h"
#include "vignette-item-private.h"
#include "vignette-loader.h"
#include "vignette-names.h"
#include "vignette-run.h"
#include "vignette-saver.h"
#include "vignette-settings.h"
#include "vignette-source.h"
#include "vignette-thumbnail-cache.h"
#include "vignette-workers.h"

struct _VignetteRun
{
  GObject              parent_instance;

  /* Settings */
  VignetteSettings     settings;
  gboolean             sequential;
  char                *selector;
  guint                threads;
  guint64              max_pixels;
  gboolean             recursive;
  gboolean             use_cache;
  gboolean             keep_thumbnails;
  VignetteFormat       format;
  GArray              *sizes;
  GFile               *output;

  /* The model, and what is waiting */
  GListStore          *items;
  VignetteNames       *names;
  VignetteHostQueue   *queue;

  /* The pipeline, made when the run starts */
  VignetteWorkers     *workers;
  VignetteThumbnailer *thumbnailer;
  VignetteFetcher     *fetcher;
  VignetteLoader      *loader;
  VignetteSaver       *saver;
  VignetteJobContext   job_context;
  GCancellable        *cancellable;
  gulong               cancelled_id;
  GTask               *task;
  guint                wakeup_id;
  gint64               wakeup_at;
  gboolean             pumping;
  gboolean             pump_again;
  guint                n_jobs;          /* item jobs under way */

  /* Progress */
  guint                n_done;
  guint                n_failed;
  guint                n_cancelled;
  guint                n_pages_seen;
  guint                n_from_cache;
  guint                n_retries;
  gint64               started_at;
  gint64               finished_at;
  double               worker_seconds_at_start;

  /* "Save Thumbnails…" */
  VignetteExport      *export;
};

G_DEFINE_FINAL_TYPE (VignetteRun, vignette_run, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_JOBS,
  PROP_PER_HOST,
  PROP_RETRIES,
  PROP_SEQUENTIAL,
  PROP_SELECTOR,
  PROP_THREADS,
  PROP_MAX_PIXELS,
  PROP_MAX_BYTES,
  PROP_TIMEOUT,
  PROP_RETRY_DELAY,
  PROP_LOW_SPEED_LIMIT,
  PROP_LOW_SPEED_TIME,
  PROP_CA_FILE,
  PROP_RECURSIVE,
  PROP_USE_CACHE,
  PROP_KEEP_THUMBNAILS,
  PROP_FORMAT,
  PROP_RUNNING,
  PROP_N_ITEMS,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_N_CANCELLED,
  PROP_FRACTION,
  PROP_SAVING,
  PROP_N_SAVED,
  PROP_N_TO_SAVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const guint default_sizes[] = { 500, 400, 300, 200, 100 };

static void pump (VignetteRun *self);

static gboolean
is_cancelled (VignetteRun *self)
{
  return self->cancellable != NULL && g_cancellable_is_cancelled (self->cancellable);
}

static VignetteQueueClass
queue_class_of (VignetteItem *item)
{
  return vignette_item_get_kind (item) == VIGNETTE_ITEM_KIND_IMAGE ? VIGNETTE_QUEUE_IMAGE
                                                                   : VIGNETTE_QUEUE_PAGE;
}

/* Hands @item to the host queue, which keeps a reference until it starts */
static void
enqueue (VignetteRun  *self,
         VignetteItem *item)
{
  g_autofree char *key = vignette_host_key_for_uri (vignette_item_get_uri (item));

  vignette_item_mark (item, VIGNETTE_MARK_QUEUED, 0);
  vignette_host_queue_push (self->queue, key, queue_class_of (item), g_object_ref (item));
}

static void
notify_counts (VignetteRun *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

/* Every finished state goes through here, so that the counters stay right */
static void
finish_item (VignetteRun       *self,
             VignetteItem      *item,
             VignetteItemState  state,
             const GError      *error)
{
  VignetteItemState old = vignette_item_get_state (item);

  if (old == VIGNETTE_ITEM_STATE_DONE || old == VIGNETTE_ITEM_STATE_FAILED ||
      old == VIGNETTE_ITEM_STATE_CANCELLED)
    return;

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    state = VIGNETTE_ITEM_STATE_CANCELLED;

  switch (state)
    {
    case VIGNETTE_ITEM_STATE_DONE:
      vignette_item_set_state (item, state);
      self->n_done++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
      break;

    case VIGNETTE_ITEM_STATE_FAILED:
      g_assert (error != NULL);
      vignette_item_fail (item, error);
      self->n_failed++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
      break;

    case VIGNETTE_ITEM_STATE_CANCELLED:
      vignette_item_set_state (item, state);
      self->n_cancelled++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CANCELLED]);
      break;

    default:
      g_assert_not_reached ();
    }

  if (!self->keep_thumbnails)
    vignette_item_set_thumbnails (item, NULL);

  notify_counts (self);
}

/* Replaces a page or folder item by what it contains, in one model change */
static void
replace_item (VignetteRun  *self,
              VignetteItem *item,
              GPtrArray    *children)
{
  guint position;

  if (!g_list_store_find (self->items, item, &position))
    return;

  for (guint i = 0; i < children->len; i++)
    {
      VignetteItem *child = g_ptr_array_index (children, i);

      if (vignette_item_get_kind (child) == VIGNETTE_ITEM_KIND_IMAGE)
        {
          g_autofree char *name = vignette_names_claim (self->names, vignette_item_get_uri (child));

          vignette_item_set_save_name (child, name);
        }
      enqueue (self, child);
    }

  g_list_store_splice (self->items, position, 1, children->pdata, children->len);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  notify_counts (self);
}

/* A host that cannot be found: its waiting items fail at once, with the
 * same sentence, rather than each looking the host up again */
static void
fail_host (VignetteRun  *self,
           VignetteItem *item,
           const GError *error)
{
  g_autofree char *key = vignette_host_key_for_uri (vignette_item_get_uri (item));
  g_autoptr(GPtrArray) waiting = vignette_host_queue_take_host (self->queue, key);

  for (guint i = 0; i < waiting->len; i++)
    {
      g_autoptr(VignetteItem) other = g_ptr_array_index (waiting, i);
      g_autofree char *name = vignette_display_name_for_uri (vignette_item_get_uri (other));
      g_autoptr(GError) same = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_HOST_NOT_FOUND,
                                            /* Translators: the first %s is an address, the second a whole sentence */
                                            _("%s was not fetched: its host could not be found (%s)"),
                                            name, error->message);

      finish_item (self, other, VIGNETTE_ITEM_STATE_FAILED, same);
    }
}

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  VignetteRun *self = VIGNETTE_RUN (source);
  g_autoptr(VignetteItem) item = data;
  g_autoptr(VignetteJobResult) job = vignette_item_job_run_finish (result);

  self->n_jobs--;

  switch (job->outcome)
    {
    case VIGNETTE_JOB_DONE:
      if (job->from_cache)
        self->n_from_cache++;
      finish_item (self, item, VIGNETTE_ITEM_STATE_DONE, NULL);
      break;

    case VIGNETTE_JOB_FAILED:
      if (vignette_item_get_kind (item) == VIGNETTE_ITEM_KIND_PAGE)
        self->n_pages_seen++;
      finish_item (self, item, VIGNETTE_ITEM_STATE_FAILED, job->error);
      if (g_error_matches (job->error, VIGNETTE_ERROR, VIGNETTE_ERROR_HOST_NOT_FOUND))
        fail_host (self, item, job->error);
      break;

    case VIGNETTE_JOB_EXPANDED:
      if (vignette_item_get_kind (item) == VIGNETTE_ITEM_KIND_PAGE)
        self->n_pages_seen++;
      if (is_cancelled (self))
        finish_item (self, item, VIGNETTE_ITEM_STATE_CANCELLED, NULL);
      else
        replace_item (self, item, job->children);
      break;

    case VIGNETTE_JOB_NOTHING:
      {
        guint position;

        if (g_list_store_find (self->items, item, &position))
          {
            g_list_store_remove (self->items, position);
            g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
            notify_counts (self);
          }
      }
      break;

    case VIGNETTE_JOB_RETRY:
      {
        g_autofree char *key = vignette_host_key_for_uri (vignette_item_get_uri (item));
        gint64 when = g_get_monotonic_time () + job->hint.delay_ms * 1000;

        self->n_retries++;
        vignette_item_set_state (item, VIGNETTE_ITEM_STATE_QUEUED);
        if (job->hint.host_asked)
          vignette_host_queue_pause_host (self->queue, key, when);
        vignette_host_queue_defer (self->queue, key, queue_class_of (item), g_object_ref (item), when);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  if (job->slot_host_key != NULL)
    vignette_host_queue_release (self->queue, job->slot_host_key);

  pump (self);
}

static void
on_released (gpointer data)
{
  pump (data);
}

static void
on_protocol_learned (VignetteFetcher *fetcher,
                     const char      *uri,
                     int              protocol,
                     gpointer         data)
{
  VignetteRun *self = data;
  g_autofree char *key = vignette_host_key_for_uri (uri);

  vignette_host_queue_set_protocol (self->queue, key, (VignetteProtocol) protocol);
  pump (self);
}

static void
complete (VignetteRun *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  self->finished_at = g_get_monotonic_time ();
  g_clear_handle_id (&self->wakeup_id, g_source_remove);

  if (self->cancelled_id != 0)
    {
      g_cancellable_disconnect (self->cancellable, self->cancelled_id);
      self->cancelled_id = 0;
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  if (is_cancelled (self))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The run was cancelled."));
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
wakeup_cb (gpointer data)
{
  VignetteRun *self = data;

  self->wakeup_id = 0;
  pump (self);

  return G_SOURCE_REMOVE;
}

/* An item waits for a retry or a paused host: come back when it may start */
static void
schedule_wakeup (VignetteRun *self,
                 gint64       now)
{
  gint64 next = vignette_host_queue_get_next_wakeup (self->queue, now);

  if (next < 0 || (self->wakeup_id != 0 && self->wakeup_at <= next))
    return;

  g_clear_handle_id (&self->wakeup_id, g_source_remove);
  self->wakeup_at = next;
  self->wakeup_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) ((next - now + 999) / 1000),
                                        wakeup_cb, self, NULL);
}

static void
start (VignetteRun  *self,
       VignetteItem *item,
       const char   *host_key)
{
  self->n_jobs++;
  vignette_item_job_run_async (&self->job_context, G_OBJECT (self), item, host_key,
                               self->cancellable, on_job_done, g_object_ref (item));
}

static void
pump (VignetteRun *self)
{
  if (self->task == NULL)
    return;

  if (self->pumping)
    {
      self->pump_again = TRUE;
      return;
    }

  self->pumping = TRUE;
  do
    {
      gint64 now = g_get_monotonic_time ();
      gpointer item;
      char *key = NULL;

      self->pump_again = FALSE;

      if (is_cancelled (self))
        {
          g_autoptr(GPtrArray) waiting = vignette_host_queue_take_all (self->queue);

          for (guint i = 0; i < waiting->len; i++)
            {
              g_autoptr(VignetteItem) left = g_ptr_array_index (waiting, i);

              finish_item (self, left, VIGNETTE_ITEM_STATE_CANCELLED, NULL);
            }
          break;
        }

      /* The baseline: one thing at a time through the whole pipeline */
      while ((!self->sequential || self->n_jobs == 0) &&
             (item = vignette_host_queue_pop (self->queue, now, &key)) != NULL)
        {
          g_autoptr(VignetteItem) started = item;
          g_autofree char *owned_key = key;

          start (self, started, owned_key);
        }

      schedule_wakeup (self, now);
    }
  while (self->pump_again);
  self->pumping = FALSE;

  if (self->n_jobs == 0 && (is_cancelled (self) || vignette_host_queue_get_n_queued (self->queue) == 0))
    complete (self);
}

static gboolean
pump_idle (gpointer data)
{
  pump (data);
  return G_SOURCE_REMOVE;
}

/* May run in another thread: only hop to the main context */
static void
on_run_cancelled (GCancellable *cancellable,
                  gpointer      data)
{
  VignetteRun *self = data;
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, pump_idle, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[vignette] run cancelled");
  g_source_attach (source, g_task_get_context (self->task));
  g_source_unref (source);
}

/* GObject ------------------------------------------------------------------- */

static void
vignette_run_dispose (GObject *object)
{
  VignetteRun *self = VIGNETTE_RUN (object);

  g_assert (self->task == NULL);

  g_clear_pointer (&self->queue, vignette_host_queue_free);
  if (self->fetcher != NULL)
    g_signal_handlers_disconnect_by_data (self->fetcher, self);
  g_clear_object (&self->loader);
  g_clear_object (&self->fetcher);
  g_clear_object (&self->saver);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->workers);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->output);
  g_clear_object (&self->export);

  G_OBJECT_CLASS (vignette_run_parent_class)->dispose (object);
}

static void
vignette_run_finalize (GObject *object)
{
  VignetteRun *self = VIGNETTE_RUN (object);

  g_clear_object (&self->items);
  g_clear_pointer (&self->names, vignette_names_free);
  g_clear_pointer (&self->sizes, g_array_unref);
  g_free (self->selector);
  vignette_settings_clear (&self->settings);

  G_OBJECT_CLASS (vignette_run_parent_class)->finalize (object);
}

static void
vignette_run_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  VignetteRun *self = VIGNETTE_RUN (object);

  switch (prop_id)
    {
    case PROP_JOBS:
      g_value_set_uint (value, self->settings.jobs);
      break;
    case PROP_PER_HOST:
      g_value_set_uint (value, self->settings.per_host);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, self->settings.retries);
      break;
    case PROP_SEQUENTIAL:
      g_value_set_boolean (value, self->sequential);
      break;
    case PROP_SELECTOR:
      g_value_set_string (value, self->selector);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_MAX_PIXELS:
      g_value_set_uint64 (value, self->max_pixels);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->settings.max_bytes);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->settings.timeout);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->settings.retry_delay_ms);
      break;
    case PROP_LOW_SPEED_LIMIT:
      g_value_set_uint (value, self->settings.low_speed_limit);
      break;
    case PROP_LOW_SPEED_TIME:
      g_value_set_uint (value, self->settings.low_speed_time);
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->settings.ca_file);
      break;
    case PROP_RECURSIVE:
      g_value_set_boolean (value, self->recursive);
      break;
    case PROP_USE_CACHE:
      g_value_set_boolean (value, self->use_cache);
      break;
    case PROP_KEEP_THUMBNAILS:
      g_value_set_boolean (value, self->keep_thumbnails);
      break;
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, vignette_run_get_running (self));
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, vignette_run_get_n_items (self));
      break;
    case PROP_N_DONE:
      g_value_set_uint (value, self->n_done);
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, self->n_failed);
      break;
    case PROP_N_CANCELLED:
      g_value_set_uint (value, self->n_cancelled);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, vignette_run_get_fraction (self));
      break;
    case PROP_SAVING:
      g_value_set_boolean (value, vignette_run_get_saving (self));
      break;
    case PROP_N_SAVED:
      g_value_set_uint (value, vignette_run_get_n_saved (self));
      break;
    case PROP_N_TO_SAVE:
      g_value_set_uint (value, vignette_run_get_n_to_save (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint (VignetteRun *self,
          guint       *field,
          guint        value,
          GParamSpec  *pspec)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_uint64 (VignetteRun *self,
            guint64     *field,
            guint64      value,
            GParamSpec  *pspec)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_boolean (VignetteRun *self,
             gboolean    *field,
             gboolean     value,
             GParamSpec  *pspec)
{
  value = !!value;
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_string (VignetteRun *self,
            char       **field,
            const char  *value,
            GParamSpec  *pspec)
{
  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
vignette_run_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  VignetteRun *self = VIGNETTE_RUN (object);

  switch (prop_id)
    {
    case PROP_JOBS:
      set_uint (self, &self->settings.jobs, g_value_get_uint (value), pspec);
      break;
    case PROP_PER_HOST:
      set_uint (self, &self->settings.per_host, g_value_get_uint (value), pspec);
      break;
    case PROP_RETRIES:
      set_uint (self, &self->settings.retries, g_value_get_uint (value), pspec);
      break;
    case PROP_SEQUENTIAL:
      set_boolean (self, &self->sequential, g_value_get_boolean (value), pspec);
      break;
    case PROP_SELECTOR:
      set_string (self, &self->selector, g_value_get_string (value), pspec);
      break;
    case PROP_THREADS:
      set_uint (self, &self->threads, g_value_get_uint (value), pspec);
      break;
    case PROP_MAX_PIXELS:
      set_uint64 (self, &self->max_pixels, g_value_get_uint64 (value), pspec);
      break;
    case PROP_MAX_BYTES:
      set_uint64 (self, &self->settings.max_bytes, g_value_get_uint64 (value), pspec);
      break;
    case PROP_TIMEOUT:
      set_uint (self, &self->settings.timeout, g_value_get_uint (value), pspec);
      break;
    case PROP_RETRY_DELAY:
      set_uint (self, &self->settings.retry_delay_ms, g_value_get_uint (value), pspec);
      break;
    case PROP_LOW_SPEED_LIMIT:
      set_uint (self, &self->settings.low_speed_limit, g_value_get_uint (value), pspec);
      break;
    case PROP_LOW_SPEED_TIME:
      set_uint (self, &self->settings.low_speed_time, g_value_get_uint (value), pspec);
      break;
    case PROP_CA_FILE:
      set_string (self, &self->settings.ca_file, g_value_get_string (value), pspec);
      break;
    case PROP_RECURSIVE:
      set_boolean (self, &self->recursive, g_value_get_boolean (value), pspec);
      break;
    case PROP_USE_CACHE:
      set_boolean (self, &self->use_cache, g_value_get_boolean (value), pspec);
      break;
    case PROP_KEEP_THUMBNAILS:
      set_boolean (self, &self->keep_thumbnails, g_value_get_boolean (value), pspec);
      break;
    case PROP_FORMAT:
      if (self->format != (VignetteFormat) g_value_get_enum (value))
        {
          self->format = g_value_get_enum (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A numeric property whose range and default are the setting's */
static GParamSpec *
setting_uint (VignetteSettingId id)
{
  const VignetteSettingRange *range = vignette_setting_get_range (id);

  return g_param_spec_uint (range->name, NULL, NULL, (guint) range->min, (guint) range->max,
                            (guint) range->value,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
setting_uint64 (VignetteSettingId id)
{
  const VignetteSettingRange *range = vignette_setting_get_range (id);

  return g_param_spec_uint64 (range->name, NULL, NULL, range->min, range->max, range->value,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
vignette_run_class_init (VignetteRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = vignette_run_dispose;
  object_class->finalize = vignette_run_finalize;
  object_class->get_property = vignette_run_get_property;
  object_class->set_property = vignette_run_set_property;

  properties[PROP_JOBS] = setting_uint (VIGNETTE_SETTING_JOBS);
  properties[PROP_PER_HOST] = setting_uint (VIGNETTE_SETTING_PER_HOST);
  properties[PROP_RETRIES] = setting_uint (VIGNETTE_SETTING_RETRIES);
  properties[PROP_SEQUENTIAL] =
    g_param_spec_boolean ("sequential", NULL, NULL, FALSE, rw);
  /**
   * VignetteRun:selector:
   *
   * The XPath that selects image addresses on pages; %NULL for the built-in
   * rules. vignette_run_set_selector() checks it.
   */
  properties[PROP_SELECTOR] =
    g_param_spec_string ("selector", NULL, NULL, NULL, rw);
  /**
   * VignetteRun:threads:
   *
   * Worker threads for decoding; 0 is one per online CPU.
   */
  properties[PROP_THREADS] = setting_uint (VIGNETTE_SETTING_THREADS);
  properties[PROP_MAX_PIXELS] = setting_uint64 (VIGNETTE_SETTING_MAX_PIXELS);
  properties[PROP_MAX_BYTES] = setting_uint64 (VIGNETTE_SETTING_MAX_BYTES);
  properties[PROP_TIMEOUT] = setting_uint (VIGNETTE_SETTING_TIMEOUT);
  /**
   * VignetteRun:retry-delay:
   *
   * The first backoff delay in milliseconds; it doubles with each retry.
   */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, 60000, 500, rw);
  /**
   * VignetteRun:low-speed-limit:
   *
   * Bytes a second under which, for #VignetteRun:low-speed-time seconds,
   * a download fails; 0 turns the check off.
   */
  properties[PROP_LOW_SPEED_LIMIT] = setting_uint (VIGNETTE_SETTING_LOW_SPEED_LIMIT);
  properties[PROP_LOW_SPEED_TIME] = setting_uint (VIGNETTE_SETTING_LOW_SPEED_TIME);
  /**
   * VignetteRun:ca-file:
   *
   * A PEM file of certificate authorities to trust instead of the system's.
   */
  properties[PROP_CA_FILE] =
    g_param_spec_string ("ca-file", NULL, NULL, NULL, rw);
  properties[PROP_RECURSIVE] =
    g_param_spec_boolean ("recursive", NULL, NULL, FALSE, rw);
  properties[PROP_USE_CACHE] =
    g_param_spec_boolean ("use-cache", NULL, NULL, TRUE, rw);
  properties[PROP_KEEP_THUMBNAILS] =
    g_param_spec_boolean ("keep-thumbnails", NULL, NULL, FALSE, rw);
  properties[PROP_FORMAT] =
    g_param_spec_enum ("format", NULL, NULL, VIGNETTE_TYPE_FORMAT, VIGNETTE_FORMAT_PNG, rw);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_DONE] =
    g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_FAILED] =
    g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_CANCELLED] =
    g_param_spec_uint ("n-cancelled", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0, ro);
  /**
   * VignetteRun:saving:
   *
   * Whether vignette_run_save_async() is writing; #VignetteRun:n-saved of
   * #VignetteRun:n-to-save images are written so far. The figures are those
   * of the run's latest #VignetteExport.
   */
  properties[PROP_SAVING] =
    g_param_spec_boolean ("saving", NULL, NULL, FALSE, ro);
  properties[PROP_N_SAVED] =
    g_param_spec_uint ("n-saved", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_TO_SAVE] =
    g_param_spec_uint ("n-to-save", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vignette_run_init (VignetteRun *self)
{
  vignette_settings_init (&self->settings);
  self->max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
  self->use_cache = TRUE;
  self->format = VIGNETTE_FORMAT_PNG;
  self->sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (self->sizes, default_sizes, G_N_ELEMENTS (default_sizes));
  self->items = g_list_store_new (VIGNETTE_TYPE_ITEM);
  self->names = vignette_names_new ();
  self->queue = vignette_host_queue_new (self->settings.jobs, self->settings.per_host, 1, g_object_unref);
}

VignetteRun *
vignette_run_new (void)
{
  return g_object_new (VIGNETTE_TYPE_RUN, NULL);
}

/**
 * vignette_run_set_selector:
 * @selector: (nullable): an XPath selecting image addresses, or %NULL (or
 *   "") for the built-in rules
 *
 * Returns: %FALSE, with a sentence that says why, when @selector is not an
 *   XPath expression libxml2 accepts; the selector is then unchanged
 */
gboolean
vignette_run_set_selector (VignetteRun  *self,
                           const char   *selector,
                           GError      **error)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), FALSE);

  if (selector != NULL && *selector != '\0' && !vignette_selector_check (selector, error))
    return FALSE;

  g_object_set (self, "selector", selector, NULL);
  return TRUE;
}

/**
 * vignette_run_add_source:
 * @text: a page or image address, a template with {}, or a local path
 * @first_page: the first page of a template
 * @last_page: the last page of a template
 *
 * Adds the source's first items to the model, in one change.
 */
gboolean
vignette_run_add_source (VignetteRun  *self,
                         const char   *text,
                         int           first_page,
                         int           last_page,
                         GError      **error)
{
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (VIGNETTE_IS_RUN (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  items = vignette_source_expand (text, first_page, last_page, error);
  if (items == NULL)
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    enqueue (self, g_ptr_array_index (items, i));

  g_list_store_splice (self->items, g_list_model_get_n_items (G_LIST_MODEL (self->items)), 0,
                       items->pdata, items->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  notify_counts (self);

  pump (self);
  return TRUE;
}

/**
 * vignette_run_get_items:
 *
 * Returns: (transfer none): a #GListModel of #VignetteItem, changed on the main thread only
 */
GListModel *
vignette_run_get_items (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), NULL);
  return G_LIST_MODEL (self->items);
}

gboolean
vignette_run_get_running (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), FALSE);
  return self->task != NULL;
}

guint
vignette_run_get_n_items (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->items));
}

guint
vignette_run_get_n_done (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return self->n_done;
}

guint
vignette_run_get_n_failed (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return self->n_failed;
}

guint
vignette_run_get_n_cancelled (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return self->n_cancelled;
}

gboolean
vignette_run_get_saving (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), FALSE);
  return self->export != NULL && vignette_export_get_running (self->export);
}

guint
vignette_run_get_n_saved (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return self->export ? vignette_export_get_n_saved (self->export) : 0;
}

guint
vignette_run_get_n_to_save (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return self->export ? vignette_export_get_n_to_save (self->export) : 0;
}

double
vignette_run_get_fraction (VignetteRun *self)
{
  guint n_items;

  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0.0);

  n_items = vignette_run_get_n_items (self);
  if (n_items == 0)
    return 0.0;

  return MIN (1.0, (double) (self->n_done + self->n_failed + self->n_cancelled) / n_items);
}

static int
compare_uint_desc (gconstpointer a,
                   gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return (x < y) - (x > y);
}

void
vignette_run_set_sizes (VignetteRun *self,
                        const guint *sizes,
                        guint        n_sizes)
{
  g_return_if_fail (VIGNETTE_IS_RUN (self));
  g_return_if_fail (n_sizes > 0);

  g_array_set_size (self->sizes, 0);
  g_array_append_vals (self->sizes, sizes, n_sizes);
  g_array_sort (self->sizes, compare_uint_desc);
}

const guint *
vignette_run_get_sizes (VignetteRun *self,
                        guint       *n_sizes)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), NULL);

  *n_sizes = self->sizes->len;
  return (const guint *) (gpointer) self->sizes->data;
}

/**
 * vignette_run_set_output:
 * @directory: (nullable): where to save every size of every image, or %NULL
 *   to only make them
 */
void
vignette_run_set_output (VignetteRun *self,
                         GFile       *directory)
{
  g_return_if_fail (VIGNETTE_IS_RUN (self));
  g_return_if_fail (!vignette_run_get_running (self));

  g_set_object (&self->output, directory);
}

GFile *
vignette_run_get_output (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), NULL);
  return self->output;
}

VignetteThumbnailer *
vignette_run_get_thumbnailer (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), NULL);

  if (self->thumbnailer == NULL)
    {
      self->workers = vignette_workers_new (self->threads);
      self->thumbnailer = vignette_thumbnailer_new (self->workers);
    }

  return self->thumbnailer;
}

static gboolean
fetcher_matches (VignetteFetcher        *fetcher,
                 const VignetteSettings *settings)
{
  const VignetteSettings *had = g_object_get_data (G_OBJECT (fetcher), "vignette-settings");

  return had != NULL && memcmp (had, settings, G_STRUCT_OFFSET (VignetteSettings, ca_file)) == 0 &&
         g_strcmp0 (had->ca_file, settings->ca_file) == 0;
}

static void
free_settings (gpointer data)
{
  vignette_settings_clear (data);
  g_free (data);
}

/* The pipeline is made from the settings when a run starts; a second
 * execution (after "Retry Failed") reuses the connections. */
static void
setup_pipeline (VignetteRun *self)
{
  VignetteSettings settings;
  const VignetteCacheFlavor *flavor;
  guint max_decoding;

  vignette_settings_copy (&settings, &self->settings);
  if (self->sequential)
    settings.jobs = settings.per_host = 1;

  vignette_run_get_thumbnailer (self);
  vignette_workers_set_n_threads (self->workers, self->threads);
  vignette_thumbnailer_set_sizes (self->thumbnailer, (const guint *) (gpointer) self->sizes->data,
                                  self->sizes->len);
  vignette_thumbnailer_set_format (self->thumbnailer, self->format, self->output == NULL);
  vignette_thumbnailer_set_max_pixels (self->thumbnailer, self->max_pixels);

  if (self->fetcher == NULL || !fetcher_matches (self->fetcher, &settings))
    {
      VignetteSettings *kept = g_new0 (VignetteSettings, 1);

      if (self->fetcher != NULL)
        g_signal_handlers_disconnect_by_data (self->fetcher, self);
      g_clear_object (&self->loader);
      g_clear_object (&self->fetcher);
      self->fetcher = vignette_fetcher_new (&settings);
      vignette_settings_copy (kept, &settings);
      g_object_set_data_full (G_OBJECT (self->fetcher), "vignette-settings", kept, free_settings);
      g_signal_connect (self->fetcher, "protocol-learned", G_CALLBACK (on_protocol_learned), self);
      self->loader = vignette_loader_new (self->fetcher, settings.max_bytes, settings.max_page_bytes);
    }

  g_clear_object (&self->saver);
  if (self->output != NULL)
    self->saver = vignette_saver_new (self->output);

  /* Downloaded originals that may wait for a worker before downloads pause.
   * Two per thread left the connections idle whenever the network and the
   * CPU ran at about the same pace (a burst of arrivals filled the queue);
   * four absorb that and still bound memory to a few tens of megabytes. */
  max_decoding = self->sequential ? 1 : 4 * vignette_workers_get_n_threads (self->workers);
  vignette_host_queue_set_limits (self->queue, settings.jobs, settings.per_host, max_decoding);

  flavor = vignette_cache_flavor_for_size (g_array_index (self->sizes, guint, 0));
  self->job_context.loader = self->loader;
  self->job_context.thumbnailer = self->thumbnailer;
  self->job_context.workers = self->workers;
  self->job_context.saver = self->saver;
  self->job_context.queue = self->queue;
  self->job_context.names = self->names;
  self->job_context.selector = self->selector;
  self->job_context.recursive = self->recursive;
  self->job_context.use_cache = self->use_cache;
  /* VIGNETTE_STREAM_DECODE=0: the whole body first, then the decode (for
   * the benchmarks, which compare both) */
  self->job_context.stream_images = g_strcmp0 (g_getenv ("VIGNETTE_STREAM_DECODE"), "0") != 0;
  self->job_context.cache_flavor = self->use_cache && flavor ? flavor->name : NULL;
  self->job_context.released = on_released;
  self->job_context.released_data = self;

  vignette_settings_clear (&settings);
}

void
vignette_run_execute_async (VignetteRun         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GSource *source;

  g_return_if_fail (VIGNETTE_IS_RUN (self));
  g_return_if_fail (self->task == NULL);

  setup_pipeline (self);

  g_clear_object (&self->cancellable);
  self->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, vignette_run_execute_async);
  /* The run reports cancellation itself, once everything has stopped */
  g_task_set_check_cancellable (self->task, FALSE);

  self->started_at = g_get_monotonic_time ();
  self->finished_at = 0;
  self->worker_seconds_at_start = vignette_workers_get_busy_seconds (self->workers);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  self->cancelled_id = g_cancellable_connect (self->cancellable, G_CALLBACK (on_run_cancelled),
                                              self, NULL);

  /* Started from the main loop rather than from here, so that the caller
   * has connected to the model before the first change */
  source = g_idle_source_new ();
  g_source_set_callback (source, pump_idle, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[vignette] run start");
  g_source_attach (source, g_task_get_context (self->task));
  g_source_unref (source);
}

gboolean
vignette_run_execute_finish (VignetteRun   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * vignette_run_retry_failed:
 *
 * Puts failed and cancelled items back in the queue; execute the run again
 * to process them.
 *
 * Returns: how many items will be tried again
 */
guint
vignette_run_retry_failed (VignetteRun *self)
{
  guint n_items, n_retried = 0;

  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  g_return_val_if_fail (!vignette_run_get_running (self), 0);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);
      VignetteItemState state = vignette_item_get_state (item);

      if (state != VIGNETTE_ITEM_STATE_FAILED && state != VIGNETTE_ITEM_STATE_CANCELLED)
        continue;

      if (state == VIGNETTE_ITEM_STATE_FAILED)
        self->n_failed--;
      else
        self->n_cancelled--;

      vignette_item_reset (item);
      enqueue (self, item);
      n_retried++;
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CANCELLED]);
  notify_counts (self);

  return n_retried;
}

void
vignette_run_get_stats (VignetteRun      *self,
                        VignetteRunStats *stats)
{
  gint64 end;

  g_return_if_fail (VIGNETTE_IS_RUN (self));
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  end = self->finished_at ? self->finished_at : g_get_monotonic_time ();
  stats->wall_seconds = self->started_at ? (end - self->started_at) / (double) G_USEC_PER_SEC : 0.0;
  stats->n_items = vignette_run_get_n_items (self);
  stats->n_done = self->n_done;
  stats->n_failed = self->n_failed;
  stats->n_cancelled = self->n_cancelled;
  stats->n_pages = self->n_pages_seen;
  stats->n_from_cache = self->n_from_cache;
  stats->n_retries = self->n_retries;
  if (self->workers != NULL)
    {
      stats->worker_seconds = vignette_workers_get_busy_seconds (self->workers) - self->worker_seconds_at_start;
      stats->peak_workers = vignette_workers_get_peak_busy (self->workers);
      stats->threads = vignette_workers_get_n_threads (self->workers);
    }
  if (self->fetcher != NULL)
    {
      stats->peak_requests = vignette_fetcher_get_peak_active (self->fetcher);
      stats->bytes_received = vignette_fetcher_get_bytes_received (self->fetcher);
    }
  if (self->saver != NULL)
    stats->n_files_written = vignette_saver_get_n_files (self->saver);
}

/* Saving what a run keeps in memory (the window's "Save Thumbnails…") ------- */

static void
on_export_notify (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    data)
{
  VignetteRun *self = data;

  if (g_str_equal (pspec->name, "running"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVING]);
  else if (g_str_equal (pspec->name, "n-saved"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SAVED]);
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  guint n_saved = vignette_export_run_finish (VIGNETTE_EXPORT (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n_saved);
}

/**
 * vignette_run_save_async:
 * @sizes: which of the run's sizes to save
 *
 * Saves the thumbnails that a run with #VignetteRun:keep-thumbnails holds,
 * in @format, as DIR/<size>/<name>.<ext>, through a #VignetteExport whose
 * progress the run's #VignetteRun:saving and #VignetteRun:n-saved follow.
 */
void
vignette_run_save_async (VignetteRun         *self,
                         GFile               *directory,
                         VignetteFormat       format,
                         const guint         *sizes,
                         guint                n_sizes,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (VIGNETTE_IS_RUN (self));
  g_return_if_fail (G_IS_FILE (directory));
  g_return_if_fail (!vignette_run_get_saving (self));

  if (self->export != NULL)
    g_signal_handlers_disconnect_by_data (self->export, self);
  g_clear_object (&self->export);
  self->export = vignette_export_new (G_LIST_MODEL (self->items), vignette_run_get_thumbnailer (self),
                                      directory, format, sizes, n_sizes);
  g_signal_connect (self->export, "notify", G_CALLBACK (on_export_notify), self);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_run_save_async);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SAVED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TO_SAVE]);
  vignette_export_run_async (self->export, cancellable, on_exported, task);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * vignette_run_save_finish:
 *
 * Returns: how many images were saved
 */
guint
vignette_run_save_finish (VignetteRun   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  gssize n_saved;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  /* Not inside MAX (), which would evaluate it twice */
  n_saved = g_task_propagate_int (G_TASK (result), error);
  return n_saved > 0 ? (guint) n_saved : 0;
}

