/* vignette-run.c: one job from sources to thumbnails: the pipeline and its item model
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The run owns the item model and drives every item through its states on
 * the main thread:
 *
 *   URL    ──fetch──▶ an image: process it
 *                └──▶ a page: extract (worker) ──▶ replaced in place by its images
 *   LOCAL  ──query──▶ a folder: list it ──▶ replaced in place by its images
 *                └──▶ an image or a page, as above
 *   IMAGE  ──download or read──▶ process (worker) ──▶ save (I/O thread) ──▶ DONE
 *
 * The pump starts work while the limits allow: at most --jobs requests in
 * flight, images before pages, and no new download while 4 × --threads
 * downloaded originals wait for a worker (backpressure: memory stays bounded
 * by jobs + 4 × threads originals however large the gallery). Everything that
 * waits is asynchronous; the CPU work runs on the workers; callbacks only
 * update items, so the model is only ever touched on the main thread.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "vignette-enum-types.h"
#include "vignette-error.h"
#include "vignette-extractor.h"
#include "vignette-fetcher.h"
#include "vignette-names.h"
#include "vignette-run.h"
#include "vignette-saver.h"
#include "vignette-source.h"
#include "vignette-thumbnail-cache.h"
#include "vignette-workers.h"

#define LOCAL_ATTRIBUTES \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," \
  G_FILE_ATTRIBUTE_STANDARD_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_IS_HIDDEN "," \
  G_FILE_ATTRIBUTE_STANDARD_SIZE "," \
  G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE "," \
  G_FILE_ATTRIBUTE_TIME_MODIFIED

#define FOLDER_ATTRIBUTES \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," \
  G_FILE_ATTRIBUTE_STANDARD_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_IS_HIDDEN "," \
  G_FILE_ATTRIBUTE_STANDARD_SIZE "," \
  G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE "," \
  G_FILE_ATTRIBUTE_TIME_MODIFIED

#define FOLDER_BATCH 256

/* Items waiting to start, one queue per host in the order hosts appeared:
 * when one host has used up its connections, the next host's items can
 * still start, without scanning past thousands of blocked items. */
typedef struct {
  GHashTable *queues;  /* host key → GQueue of VignetteItem, strong references */
  GQueue      order;   /* host keys with waiting items (owned by the table), oldest first */
  guint       length;
} Pending;

struct _VignetteRun
{
  GObject              parent_instance;

  /* Settings */
  guint                jobs;
  guint                per_host;
  guint                retries;
  gboolean             sequential;
  char                *selector;
  guint                threads;
  guint64              max_pixels;
  guint64              max_bytes;
  guint                timeout;
  guint                retry_delay;
  gboolean             recursive;
  gboolean             use_cache;
  gboolean             keep_thumbnails;
  VignetteFormat       format;
  GArray              *sizes;
  GFile               *output;

  /* The pipeline, made when the run starts */
  GListStore          *items;
  VignetteNames       *names;
  VignetteWorkers     *workers;
  VignetteThumbnailer *thumbnailer;
  VignetteFetcher     *fetcher;
  VignetteSaver       *saver;
  GCancellable        *cancellable;
  gulong               cancelled_id;
  GTask               *task;

  Pending              pending_pages;
  Pending              pending_images;

  /* Work in flight */
  guint                n_pages;         /* pages being fetched, folders being listed */
  guint                n_downloads;     /* images being downloaded or read */
  guint                n_cpu;           /* originals waiting for or in a worker */
  guint                n_io;            /* thumbnails being written */
  gboolean             pumping;
  gboolean             pump_again;

  /* Progress */
  guint                n_done;
  guint                n_failed;
  guint                n_cancelled;
  guint                n_pages_seen;
  guint                n_from_cache;
  gint64               started_at;
  gint64               finished_at;
  double               worker_seconds_at_start;
  guint                peak_requests;
  guint                peak_workers;
  guint64              bytes_received;
  guint                n_retries;

  /* "Save Thumbnails…" */
  guint                n_saving;        /* save jobs under way */
  guint                n_saved;
  guint                n_to_save;
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
static void process_image (VignetteRun *self, VignetteItem *item, GBytes *bytes, gboolean from_cache);
static void load_local_image (VignetteRun *self, VignetteItem *item);

/* What a callback needs: the run and the item, both kept alive until it runs */
typedef struct {
  VignetteRun  *run;
  VignetteItem *item;
  GObject      *extra;
} Op;

static Op *
op_new (VignetteRun  *run,
        VignetteItem *item)
{
  Op *op = g_new0 (Op, 1);

  op->run = g_object_ref (run);
  op->item = item ? g_object_ref (item) : NULL;
  return op;
}

static void
op_free (Op *op)
{
  g_object_unref (op->run);
  g_clear_object (&op->item);
  g_clear_object (&op->extra);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_free)

/* "http://host:port" (the scheme and authority), or "file:" */
static char *
host_key_of (const char *uri)
{
  const char *authority = strstr (uri, "://");
  const char *end;

  if (authority == NULL)
    return g_strdup ("file:");

  authority += 3;
  end = authority + strcspn (authority, "/?#");
  return g_ascii_strdown (uri, end - uri);
}

static void
pending_init (Pending *pending)
{
  pending->queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&pending->order);
  pending->length = 0;
}

static void
pending_push (Pending      *pending,
              VignetteItem *item,
              gboolean      at_head)
{
  g_autofree char *key = host_key_of (vignette_item_get_uri (item));
  GQueue *queue = g_hash_table_lookup (pending->queues, key);

  if (queue == NULL)
    {
      char *owned = g_steal_pointer (&key);

      queue = g_queue_new ();
      g_hash_table_insert (pending->queues, owned, queue);
      if (at_head)
        g_queue_push_head (&pending->order, owned);
      else
        g_queue_push_tail (&pending->order, owned);
    }

  if (at_head)
    g_queue_push_head (queue, g_object_ref (item));
  else
    g_queue_push_tail (queue, g_object_ref (item));
  pending->length++;
}

static VignetteItem *
pending_pop_from (Pending *pending,
                  GList   *link)
{
  const char *key = link->data;
  GQueue *queue = g_hash_table_lookup (pending->queues, key);
  VignetteItem *item = g_queue_pop_head (queue);

  if (g_queue_is_empty (queue))
    {
      g_queue_delete_link (&pending->order, link);
      g_queue_free (queue);
      g_hash_table_remove (pending->queues, key);
    }

  pending->length--;
  return item;
}

/* The first waiting item, in the order of the hosts; (transfer full) */
static VignetteItem *
pending_pop_head (Pending *pending)
{
  if (pending->order.head == NULL)
    return NULL;

  return pending_pop_from (pending, pending->order.head);
}

/* The first waiting item that can start at once: a local file, or an address
 * whose host has a free connection; (transfer full) */
static VignetteItem *
pending_pop_startable (Pending         *pending,
                       VignetteFetcher *fetcher)
{
  for (GList *l = pending->order.head; l != NULL; l = l->next)
    {
      GQueue *queue = g_hash_table_lookup (pending->queues, l->data);
      VignetteItem *item = g_queue_peek_head (queue);
      const char *uri = vignette_item_get_uri (item);

      if (!vignette_uri_is_http (uri) || vignette_fetcher_can_start (fetcher, uri))
        return pending_pop_from (pending, l);
    }

  return NULL;
}

static void
pending_clear (Pending *pending)
{
  VignetteItem *item;

  while ((item = pending_pop_head (pending)) != NULL)
    g_object_unref (item);
  g_clear_pointer (&pending->queues, g_hash_table_unref);
}

static gboolean
is_cancelled (VignetteRun *self)
{
  return self->cancellable != NULL && g_cancellable_is_cancelled (self->cancellable);
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

  notify_counts (self);
}

static void
fail_item (VignetteRun  *self,
           VignetteItem *item,
           const GError *error)
{
  finish_item (self, item, VIGNETTE_ITEM_STATE_FAILED, error);
}

typedef enum {
  LOCAL_OPEN,
  LOCAL_READ,
} LocalStep;

/* A GIO error about a local file, as one sentence that names the file; a
 * cancellation stays a cancellation */
static void
fail_local_item (VignetteRun  *self,
                 VignetteItem *item,
                 const char   *name,
                 LocalStep     step,
                 const GError *error)
{
  g_autofree char *why = NULL;
  g_autoptr(GError) wrapped = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fail_item (self, item, error);
      return;
    }

  why = vignette_clean_message (error->message);
  if (step == LOCAL_OPEN)
    wrapped = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                           _("%s cannot be opened: %s"), name, why);
  else
    wrapped = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                           _("%s could not be read: %s"), name, why);
  fail_item (self, item, wrapped);
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
          pending_push (&self->pending_images, child, FALSE);
        }
      else
        {
          pending_push (&self->pending_pages, child, FALSE);
        }
    }

  g_list_store_splice (self->items, position, 1, children->pdata, children->len);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  notify_counts (self);
}

static void
remove_item (VignetteRun  *self,
             VignetteItem *item)
{
  guint position;

  if (g_list_store_find (self->items, item, &position))
    {
      g_list_store_remove (self->items, position);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
      notify_counts (self);
    }
}

static gboolean
looks_like_image (VignetteResponse *response)
{
  gsize length;
  const guchar *data;
  g_autofree char *guessed = NULL;

  if (response->mime_type != NULL && g_str_has_prefix (response->mime_type, "image/"))
    return TRUE;

  /* A server that says nothing useful about its content: sniff it */
  if (response->mime_type == NULL ||
      g_strcmp0 (response->mime_type, "application/octet-stream") == 0 ||
      g_strcmp0 (response->mime_type, "binary/octet-stream") == 0)
    {
      data = g_bytes_get_data (response->body, &length);
      guessed = g_content_type_guess (NULL, data, MIN (length, 4096), NULL);
      return g_content_type_is_a (guessed, "image/*");
    }

  return FALSE;
}

static gboolean
looks_like_page (const char *mime_type)
{
  return mime_type == NULL ||
         g_str_has_prefix (mime_type, "text/") ||
         g_strcmp0 (mime_type, "application/xhtml+xml") == 0 ||
         g_strcmp0 (mime_type, "application/xml") == 0;
}

static void
on_extracted (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) uris = NULL;
  g_autoptr(GPtrArray) children = NULL;

  self->n_pages--;

  uris = vignette_extract_image_uris_finish (result, &error);
  if (uris == NULL)
    {
      fail_item (self, item, error);
    }
  else if (uris[0] == NULL)
    {
      g_autoptr(GError) none = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NO_IMAGES,
                                            _("No images were found on %s."),
                                            vignette_item_get_uri (item));
      fail_item (self, item, none);
    }
  else if (is_cancelled (self))
    {
      finish_item (self, item, VIGNETTE_ITEM_STATE_CANCELLED, NULL);
    }
  else
    {
      const char *page_uri = vignette_item_get_uri (item);

      children = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; uris[i] != NULL; i++)
        g_ptr_array_add (children, vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, uris[i], page_uri));

      replace_item (self, item, children);
    }

  pump (self);
}

static void
extract_page (VignetteRun  *self,
              VignetteItem *item,
              GBytes       *body,
              const char   *content_type,
              const char   *page_uri)
{
  vignette_item_set_kind (item, VIGNETTE_ITEM_KIND_PAGE);
  self->n_pages_seen++;

  if (g_bytes_get_size (body) == 0)
    {
      g_autoptr(GError) error = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_EMPTY,
                                             _("%s is an empty page."),
                                             vignette_item_get_uri (item));
      fail_item (self, item, error);
      return;
    }

  self->n_pages++;
  vignette_extract_image_uris_async (self->workers, body, content_type, page_uri, self->selector,
                                     self->cancellable, on_extracted, op_new (self, item));
}

static void
on_progress (GObject *target,
             guint64  received,
             guint64  total,
             guint    attempt)
{
  VignetteItem *item = VIGNETTE_ITEM (target);

  vignette_item_set_progress (item, received, total);
  vignette_item_set_attempts (item, attempt);
}

static void
on_page_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteResponse) response = NULL;

  self->n_pages--;

  response = vignette_fetcher_fetch_finish (VIGNETTE_FETCHER (source), result, &error);
  if (response == NULL)
    {
      fail_item (self, item, error);
    }
  else if (looks_like_image (response))
    {
      /* A direct image address: the same response is the image */
      vignette_item_set_kind (item, VIGNETTE_ITEM_KIND_IMAGE);
      if (vignette_item_get_save_name (item) == NULL)
        {
          g_autofree char *name = vignette_names_claim (self->names, vignette_item_get_uri (item));
          vignette_item_set_save_name (item, name);
        }
      process_image (self, item, response->body, FALSE);
    }
  else if (looks_like_page (response->mime_type))
    {
      extract_page (self, item, response->body, response->content_type, response->final_uri);
    }
  else
    {
      g_autoptr(GError) other = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NOT_AN_IMAGE,
                                             _("%s is neither a web page nor an image (%s)."),
                                             vignette_item_get_uri (item), response->mime_type);
      fail_item (self, item, other);
    }

  pump (self);
}

static void
on_image_downloaded (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteResponse) response = NULL;

  self->n_downloads--;

  response = vignette_fetcher_fetch_finish (VIGNETTE_FETCHER (source), result, &error);
  if (response == NULL)
    fail_item (self, item, error);
  else
    process_image (self, item, response->body, FALSE);

  pump (self);
}

/* Local files ------------------------------------------------------------ */

static guint64
info_mtime (GFileInfo *info)
{
  return g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED);
}

static gboolean
content_type_is_image (const char *content_type)
{
  g_autofree char *mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;

  return mime != NULL && g_str_has_prefix (mime, "image/");
}

static int
compare_children (gconstpointer a,
                  gconstpointer b)
{
  GFileInfo *x = *(GFileInfo * const *) a;
  GFileInfo *y = *(GFileInfo * const *) b;
  g_autofree char *kx = g_utf8_collate_key_for_filename (g_file_info_get_display_name (x), -1);
  g_autofree char *ky = g_utf8_collate_key_for_filename (g_file_info_get_display_name (y), -1);

  return strcmp (kx, ky);
}

typedef struct {
  Op              *op;
  GFile           *folder;
  GFileEnumerator *enumerator;
  GPtrArray       *infos;
} Listing;

static void
listing_free (Listing *listing)
{
  op_free (listing->op);
  g_clear_object (&listing->folder);
  g_clear_object (&listing->enumerator);
  g_ptr_array_unref (listing->infos);
  g_free (listing);
}

static void
listing_finish (Listing *listing,
                GError  *error)
{
  VignetteRun *self = listing->op->run;
  VignetteItem *item = listing->op->item;
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean top_level = vignette_item_get_page_uri (item) == NULL;

  self->n_pages--;

  if (error != NULL)
    {
      fail_item (self, item, error);
      g_error_free (error);
      listing_free (listing);
      pump (self);
      return;
    }

  g_ptr_array_sort (listing->infos, compare_children);

  for (guint i = 0; i < listing->infos->len; i++)
    {
      GFileInfo *info = g_ptr_array_index (listing->infos, i);
      g_autoptr(GFile) child = g_file_get_child (listing->folder, g_file_info_get_name (info));
      g_autofree char *uri = g_file_get_uri (child);
      GFileType type = g_file_info_get_file_type (info);
      VignetteItem *child_item;

      if (type == G_FILE_TYPE_DIRECTORY)
        {
          child_item = vignette_item_new (VIGNETTE_ITEM_KIND_FOLDER, uri, vignette_item_get_uri (item));
        }
      else
        {
          child_item = vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, uri, vignette_item_get_uri (item));
          vignette_item_set_mtime (child_item, info_mtime (info));
          vignette_item_set_file_size (child_item, (guint64) g_file_info_get_size (info));
        }
      g_ptr_array_add (children, child_item);
    }

  if (children->len > 0 && !is_cancelled (self))
    replace_item (self, item, children);
  else if (is_cancelled (self))
    finish_item (self, item, VIGNETTE_ITEM_STATE_CANCELLED, NULL);
  else if (top_level)
    {
      g_autofree char *name = g_file_get_parse_name (listing->folder);
      g_autoptr(GError) none = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NO_IMAGES,
                                            _("No images were found in %s."), name);
      fail_item (self, item, none);
    }
  else
    remove_item (self, item);  /* a subfolder without images is not worth a line */

  listing_free (listing);
  pump (self);
}

static void on_next_files (GObject *source, GAsyncResult *result, gpointer data);

static void
on_next_files (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Listing *listing = data;
  VignetteRun *self = listing->op->run;
  GError *error = NULL;
  GList *infos;

  infos = g_file_enumerator_next_files_finish (G_FILE_ENUMERATOR (source), result, &error);
  if (error != NULL)
    {
      listing_finish (listing, error);
      return;
    }

  if (infos == NULL)
    {
      g_file_enumerator_close_async (listing->enumerator, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      listing_finish (listing, NULL);
      return;
    }

  for (GList *l = infos; l != NULL; l = l->next)
    {
      GFileInfo *info = l->data;
      GFileType type = g_file_info_get_file_type (info);
      const char *content_type;

      if (g_file_info_get_is_hidden (info))
        continue;

      content_type = g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE);
      if ((type == G_FILE_TYPE_DIRECTORY && self->recursive) ||
          (type == G_FILE_TYPE_REGULAR && content_type_is_image (content_type)))
        g_ptr_array_add (listing->infos, g_object_ref (info));
    }
  g_list_free_full (infos, g_object_unref);

  g_file_enumerator_next_files_async (listing->enumerator, FOLDER_BATCH, G_PRIORITY_DEFAULT,
                                      self->cancellable, on_next_files, listing);
}

static void
on_enumerated (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Listing *listing = data;
  VignetteRun *self = listing->op->run;
  GError *error = NULL;

  listing->enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (listing->enumerator == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (listing->folder);
      g_autofree char *why = vignette_clean_message (error->message);
      GError *wrapped = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
        ? g_error_copy (error)
        : g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                       _("The folder %s could not be read: %s"), name, why);

      g_error_free (error);
      listing_finish (listing, wrapped);
      return;
    }

  g_file_enumerator_next_files_async (listing->enumerator, FOLDER_BATCH, G_PRIORITY_DEFAULT,
                                      self->cancellable, on_next_files, listing);
}

static void
list_folder (VignetteRun  *self,
             VignetteItem *item)
{
  Listing *listing = g_new0 (Listing, 1);

  listing->op = op_new (self, item);
  listing->folder = g_file_new_for_uri (vignette_item_get_uri (item));
  listing->infos = g_ptr_array_new_with_free_func (g_object_unref);

  vignette_item_set_kind (item, VIGNETTE_ITEM_KIND_FOLDER);
  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_FETCHING_PAGE);
  self->n_pages++;

  g_file_enumerate_children_async (listing->folder, FOLDER_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                                   G_PRIORITY_DEFAULT, self->cancellable, on_enumerated, listing);
}

static void
on_local_page_loaded (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  self->n_pages--;

  bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  if (bytes == NULL)
    {
      fail_local_item (self, item, vignette_item_get_name (item), LOCAL_READ, error);
    }
  else
    {
      extract_page (self, item, bytes, NULL, vignette_item_get_uri (item));
    }

  pump (self);
}

static gboolean
check_local_size (VignetteRun  *self,
                  VignetteItem *item,
                  guint64       size)
{
  if (size > self->max_bytes)
    {
      g_autofree char *shown = g_format_size (size);
      g_autofree char *limit = g_format_size (self->max_bytes);
      g_autoptr(GError) error = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE,
                                             _("%s is %s, more than the limit of %s."),
                                             vignette_item_get_name (item), shown, limit);
      fail_item (self, item, error);
      return FALSE;
    }

  return TRUE;
}

/* A local path given as a source: a folder, an image or a page? */
static void
on_local_queried (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;
  const char *content_type;

  self->n_pages--;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (info == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (G_FILE (source));

      fail_local_item (self, item, name, LOCAL_OPEN, error);
      pump (self);
      return;
    }

  content_type = g_file_info_get_content_type (info);

  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      list_folder (self, item);
    }
  else if (content_type_is_image (content_type))
    {
      vignette_item_set_kind (item, VIGNETTE_ITEM_KIND_IMAGE);
      vignette_item_set_mtime (item, info_mtime (info));
      vignette_item_set_file_size (item, (guint64) g_file_info_get_size (info));
      if (vignette_item_get_save_name (item) == NULL)
        {
          g_autofree char *name = vignette_names_claim (self->names, vignette_item_get_uri (item));
          vignette_item_set_save_name (item, name);
        }
      vignette_item_set_state (item, VIGNETTE_ITEM_STATE_QUEUED);
      pending_push (&self->pending_images, item, TRUE);
    }
  else if (content_type != NULL &&
           (g_content_type_is_a (content_type, "text/html") ||
            g_content_type_is_a (content_type, "application/xhtml+xml")))
    {
      if (check_local_size (self, item, (guint64) g_file_info_get_size (info)))
        {
          self->n_pages++;
          g_file_load_bytes_async (G_FILE (source), self->cancellable, on_local_page_loaded,
                                   op_new (self, item));
        }
    }
  else
    {
      g_autofree char *name = g_file_get_parse_name (G_FILE (source));
      g_autofree char *description = content_type ? g_content_type_get_description (content_type) : NULL;
      g_autoptr(GError) other = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NOT_AN_IMAGE,
                                             _("%s is not an image, a web page or a folder (%s)."),
                                             name, description ? description : _("unknown type"));
      fail_item (self, item, other);
    }

  pump (self);
}

static void
on_local_image_loaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  self->n_downloads--;

  bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  if (bytes == NULL)
    {
      fail_local_item (self, item, vignette_item_get_name (item), LOCAL_READ, error);
    }
  else
    {
      vignette_item_set_progress (item, g_bytes_get_size (bytes), g_bytes_get_size (bytes));
      process_image (self, item, bytes, FALSE);
    }

  pump (self);
}

static void
on_cache_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GBytes) bytes = NULL;

  self->n_downloads--;

  bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, NULL);
  if (is_cancelled (self))
    finish_item (self, item, VIGNETTE_ITEM_STATE_CANCELLED, NULL);
  else if (bytes != NULL)
    process_image (self, item, bytes, TRUE);
  else
    load_local_image (self, item);  /* no cache entry: decode the original */

  pump (self);
}

static const char *
cache_flavor_to_read (VignetteRun *self)
{
  const VignetteCacheFlavor *flavor = vignette_cache_flavor_for_size (g_array_index (self->sizes, guint, 0));

  return flavor ? flavor->name : NULL;
}

static void
load_local_image (VignetteRun  *self,
                  VignetteItem *item)
{
  g_autoptr(GFile) file = g_file_new_for_uri (vignette_item_get_uri (item));

  if (!check_local_size (self, item, vignette_item_get_file_size (item)))
    return;

  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DOWNLOADING);
  self->n_downloads++;
  g_file_load_bytes_async (file, self->cancellable, on_local_image_loaded, op_new (self, item));
}

static void start_local_image (VignetteRun *self, VignetteItem *item);

static void
on_local_image_queried (GObject      *source,
                        GAsyncResult *result,
                        gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;

  self->n_downloads--;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (info == NULL)
    {
      fail_local_item (self, item, vignette_item_get_name (item), LOCAL_OPEN, error);
    }
  else if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_autoptr(GError) other = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NOT_AN_IMAGE,
                                             _("%s is not a regular file."),
                                             vignette_item_get_name (item));
      fail_item (self, item, other);
    }
  else
    {
      vignette_item_set_mtime (item, MAX (info_mtime (info), 1));
      vignette_item_set_file_size (item, (guint64) g_file_info_get_size (info));
      start_local_image (self, item);
    }

  pump (self);
}

/* A local image: its modification time first (needed to trust a cache
 * entry), then the cache entry if there is a valid one, else the original. */
static void
start_local_image (VignetteRun  *self,
                   VignetteItem *item)
{
  const char *flavor = self->use_cache ? cache_flavor_to_read (self) : NULL;
  g_autoptr(GFile) file = g_file_new_for_uri (vignette_item_get_uri (item));

  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DOWNLOADING);

  if (vignette_item_get_mtime (item) == 0)
    {
      self->n_downloads++;
      g_file_query_info_async (file, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                               self->cancellable, on_local_image_queried, op_new (self, item));
    }
  else if (flavor != NULL)
    {
      g_autofree char *path = vignette_cache_get_path (flavor, vignette_item_get_uri (item));
      g_autoptr(GFile) cache = g_file_new_for_path (path);

      self->n_downloads++;
      g_file_load_bytes_async (cache, self->cancellable, on_cache_loaded, op_new (self, item));
    }
  else
    {
      load_local_image (self, item);
    }
}

/* Processing and saving ---------------------------------------------------- */

static void
on_cache_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(Op) op = data;
  g_autoptr(GError) error = NULL;

  op->run->n_io--;

  /* The cache is a courtesy to the desktop: failing to write it is no failure of the item */
  if (!vignette_write_file_atomic_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not write a thumbnail cache entry: %s", error->message);

  pump (op->run);
}

static void
write_cache_file (VignetteRun  *self,
                  const char   *path,
                  GBytes       *bytes)
{
  self->n_io++;
  vignette_write_file_atomic_async (path, bytes, 0600, self->cancellable, on_cache_written,
                                    op_new (self, NULL));
}

static void
write_cache_entries (VignetteRun        *self,
                     VignetteItem       *item,
                     VignetteThumbnails *thumbnails)
{
  for (guint i = 0; i < vignette_thumbnails_get_n_cache_entries (thumbnails); i++)
    {
      const VignetteCacheEntry *entry = vignette_thumbnails_get_cache_entry (thumbnails, i);
      g_autofree char *path = vignette_cache_get_path (entry->flavor, vignette_item_get_uri (item));

      write_cache_file (self, path, entry->bytes);
    }

  vignette_thumbnails_clear_cache_entries (thumbnails);
}

/* The spec's "fail" folder tells other programs not to try again */
static void
write_cache_failure (VignetteRun  *self,
                     VignetteItem *item)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 1, 1);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = vignette_cache_get_fail_path (vignette_item_get_uri (item));

  gdk_pixbuf_fill (pixbuf, 0);
  bytes = vignette_cache_encode (pixbuf, vignette_item_get_uri (item), vignette_item_get_mtime (item),
                                 0, 0, NULL);
  if (bytes != NULL)
    write_cache_file (self, path, bytes);
}

static gboolean
is_local (VignetteItem *item)
{
  return g_str_has_prefix (vignette_item_get_uri (item), "file:");
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  g_autoptr(GError) error = NULL;

  self->n_io--;

  if (vignette_saver_save_finish (VIGNETTE_SAVER (source), result, &error))
    finish_item (self, op->item, VIGNETTE_ITEM_STATE_DONE, NULL);
  else
    fail_item (self, op->item, error);

  if (!self->keep_thumbnails)
    vignette_item_set_thumbnails (op->item, NULL);

  pump (self);
}

static void
on_processed (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(Op) op = data;
  VignetteRun *self = op->run;
  VignetteItem *item = op->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  gboolean from_cache = op->extra != NULL;

  self->n_cpu--;

  thumbnails = vignette_thumbnailer_process_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  if (thumbnails == NULL)
    {
      if (from_cache && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* A stale, foreign or damaged entry is no reason to fail: decode the
           * original, which writes a valid entry over it */
          load_local_image (self, item);
        }
      else
        {
          if (is_local (item) && self->use_cache &&
              !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
              !g_error_matches (error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS))
            write_cache_failure (self, item);
          fail_item (self, item, error);
        }
      pump (self);
      return;
    }

  if (vignette_thumbnails_get_from_cache (thumbnails))
    self->n_from_cache++;

  if (vignette_thumbnails_get_n_cache_entries (thumbnails) > 0)
    write_cache_entries (self, item, thumbnails);

  vignette_item_set_thumbnails (item, thumbnails);

  if (self->saver != NULL)
    {
      self->n_io++;
      vignette_saver_save_async (self->saver, thumbnails, vignette_item_get_save_name (item),
                                 self->cancellable, on_saved, op_new (self, item));
    }
  else
    {
      finish_item (self, item, VIGNETTE_ITEM_STATE_DONE, NULL);
      if (!self->keep_thumbnails)
        vignette_item_set_thumbnails (item, NULL);
    }

  pump (self);
}

static void
process_image (VignetteRun  *self,
               VignetteItem *item,
               GBytes       *bytes,
               gboolean      from_cache)
{
  gboolean cache = is_local (item) && self->use_cache;
  Op *op;

  if (is_cancelled (self))
    {
      finish_item (self, item, VIGNETTE_ITEM_STATE_CANCELLED, NULL);
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      g_autoptr(GError) error = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_EMPTY,
                                             _("%s is empty (0 bytes)."),
                                             vignette_item_get_uri (item));
      fail_item (self, item, error);
      return;
    }

  if (!from_cache)
    vignette_item_set_file_size (item, g_bytes_get_size (bytes));
  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_PROCESSING);

  op = op_new (self, item);
  if (from_cache)
    op->extra = g_object_new (G_TYPE_OBJECT, NULL);  /* marks the attempt as from the cache */

  self->n_cpu++;
  vignette_thumbnailer_process_async (self->thumbnailer, bytes, vignette_item_get_uri (item),
                                      cache ? vignette_item_get_uri (item) : NULL,
                                      vignette_item_get_mtime (item), from_cache,
                                      self->cancellable, on_processed, op);
}

/* The pump ------------------------------------------------------------------ */

/* Downloaded originals that may wait for a worker before downloads pause.
 * Two per thread left the connections idle whenever the network and the
 * CPU ran at about the same pace (a burst of arrivals filled the queue);
 * four absorb that and still bound memory to a few tens of megabytes. */
static guint
cpu_limit (VignetteRun *self)
{
  return self->sequential ? 1 : 4 * vignette_workers_get_n_threads (self->workers);
}

static guint
busy (VignetteRun *self)
{
  return self->n_pages + self->n_downloads + self->n_cpu + self->n_io;
}

static void
start_image (VignetteRun  *self,
             VignetteItem *item)
{
  if (is_local (item))
    {
      start_local_image (self, item);
      return;
    }

  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DOWNLOADING);
  self->n_downloads++;
  vignette_fetcher_fetch_async (self->fetcher, vignette_item_get_uri (item),
                                vignette_item_get_page_uri (item), VIGNETTE_FETCH_IMAGE,
                                on_progress, G_OBJECT (item), self->cancellable,
                                on_image_downloaded, op_new (self, item));
}

static void
start_page (VignetteRun  *self,
            VignetteItem *item)
{
  VignetteItemKind kind = vignette_item_get_kind (item);

  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_FETCHING_PAGE);

  if (kind == VIGNETTE_ITEM_KIND_FOLDER)
    {
      list_folder (self, item);
    }
  else if (kind == VIGNETTE_ITEM_KIND_LOCAL || is_local (item))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (vignette_item_get_uri (item));

      self->n_pages++;
      g_file_query_info_async (file, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                               self->cancellable, on_local_queried, op_new (self, item));
    }
  else
    {
      self->n_pages++;
      vignette_fetcher_fetch_async (self->fetcher, vignette_item_get_uri (item), NULL,
                                    VIGNETTE_FETCH_PAGE, on_progress, G_OBJECT (item),
                                    self->cancellable, on_page_fetched, op_new (self, item));
    }
}

static void
cancel_pending (VignetteRun *self,
                Pending     *pending)
{
  VignetteItem *item;

  while ((item = pending_pop_head (pending)) != NULL)
    {
      finish_item (self, item, VIGNETTE_ITEM_STATE_CANCELLED, NULL);
      g_object_unref (item);
    }
}

static void
complete (VignetteRun *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  self->finished_at = g_get_monotonic_time ();
  self->peak_requests = MAX (self->peak_requests, vignette_fetcher_get_peak_active (self->fetcher));
  self->peak_workers = MAX (self->peak_workers, vignette_workers_get_peak_busy (self->workers));
  self->bytes_received = vignette_fetcher_get_bytes_received (self->fetcher);
  self->n_retries = vignette_fetcher_get_n_retries (self->fetcher);

  if (self->cancelled_id != 0)
    {
      g_cancellable_disconnect (g_task_get_cancellable (task), self->cancelled_id);
      self->cancelled_id = 0;
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  if (is_cancelled (self))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The run was cancelled."));
  else
    g_task_return_boolean (task, TRUE);
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
      self->pump_again = FALSE;

      if (is_cancelled (self))
        {
          cancel_pending (self, &self->pending_images);
          cancel_pending (self, &self->pending_pages);
          break;
        }

      if (self->sequential)
        {
          /* One thing at a time through the whole pipeline: the baseline */
          VignetteItem *item;

          if (busy (self) > 0)
            break;
          if ((item = pending_pop_head (&self->pending_images)) != NULL)
            start_image (self, item);
          else if ((item = pending_pop_head (&self->pending_pages)) != NULL)
            start_page (self, item);
          g_clear_object (&item);
          continue;
        }

      /* Images first: they are what the user waits for, and finishing them
       * frees memory; a page only adds more work. */
      while (self->n_pages + self->n_downloads < self->jobs &&
             self->n_cpu < cpu_limit (self) &&
             self->pending_images.length > 0)
        {
          g_autoptr(VignetteItem) item = pending_pop_startable (&self->pending_images, self->fetcher);

          if (item == NULL)
            break;
          start_image (self, item);
        }

      while (self->n_pages + self->n_downloads < self->jobs &&
             self->pending_pages.length > 0)
        {
          g_autoptr(VignetteItem) item = pending_pop_startable (&self->pending_pages, self->fetcher);

          if (item == NULL)
            break;
          start_page (self, item);
        }
    }
  while (self->pump_again);
  self->pumping = FALSE;

  if (busy (self) == 0 && (is_cancelled (self) ||
                           (self->pending_images.length == 0 && self->pending_pages.length == 0)))
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

  pending_clear (&self->pending_pages);
  pending_clear (&self->pending_images);
  g_clear_object (&self->fetcher);
  g_clear_object (&self->saver);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->workers);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->output);

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
      g_value_set_uint (value, self->jobs);
      break;
    case PROP_PER_HOST:
      g_value_set_uint (value, self->per_host);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, self->retries);
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
      g_value_set_uint64 (value, self->max_bytes);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay);
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
      g_value_set_boolean (value, self->n_saving > 0);
      break;
    case PROP_N_SAVED:
      g_value_set_uint (value, self->n_saved);
      break;
    case PROP_N_TO_SAVE:
      g_value_set_uint (value, self->n_to_save);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint (VignetteRun *self,
          guint       *field,
          guint        value,
          int          prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_boolean (VignetteRun *self,
             gboolean    *field,
             gboolean     value,
             int          prop_id)
{
  value = !!value;
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
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
      set_uint (self, &self->jobs, g_value_get_uint (value), prop_id);
      break;
    case PROP_PER_HOST:
      set_uint (self, &self->per_host, g_value_get_uint (value), prop_id);
      break;
    case PROP_RETRIES:
      set_uint (self, &self->retries, g_value_get_uint (value), prop_id);
      break;
    case PROP_SEQUENTIAL:
      set_boolean (self, &self->sequential, g_value_get_boolean (value), prop_id);
      break;
    case PROP_SELECTOR:
      if (g_strcmp0 (self->selector, g_value_get_string (value)) != 0)
        {
          g_free (self->selector);
          self->selector = g_value_dup_string (value);
          if (self->selector != NULL && *self->selector == '\0')
            g_clear_pointer (&self->selector, g_free);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_THREADS:
      set_uint (self, &self->threads, g_value_get_uint (value), prop_id);
      break;
    case PROP_MAX_PIXELS:
      if (self->max_pixels != g_value_get_uint64 (value))
        {
          self->max_pixels = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MAX_BYTES:
      if (self->max_bytes != g_value_get_uint64 (value))
        {
          self->max_bytes = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_TIMEOUT:
      set_uint (self, &self->timeout, g_value_get_uint (value), prop_id);
      break;
    case PROP_RETRY_DELAY:
      set_uint (self, &self->retry_delay, g_value_get_uint (value), prop_id);
      break;
    case PROP_RECURSIVE:
      set_boolean (self, &self->recursive, g_value_get_boolean (value), prop_id);
      break;
    case PROP_USE_CACHE:
      set_boolean (self, &self->use_cache, g_value_get_boolean (value), prop_id);
      break;
    case PROP_KEEP_THUMBNAILS:
      set_boolean (self, &self->keep_thumbnails, g_value_get_boolean (value), prop_id);
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

  properties[PROP_JOBS] =
    g_param_spec_uint ("jobs", NULL, NULL, 1, 256, VIGNETTE_DEFAULT_JOBS, rw);
  properties[PROP_PER_HOST] =
    g_param_spec_uint ("per-host", NULL, NULL, 1, 256, VIGNETTE_DEFAULT_PER_HOST, rw);
  properties[PROP_RETRIES] =
    g_param_spec_uint ("retries", NULL, NULL, 0, 100, VIGNETTE_DEFAULT_RETRIES, rw);
  properties[PROP_SEQUENTIAL] =
    g_param_spec_boolean ("sequential", NULL, NULL, FALSE, rw);
  properties[PROP_SELECTOR] =
    g_param_spec_string ("selector", NULL, NULL, NULL, rw);
  /**
   * VignetteRun:threads:
   *
   * Worker threads for decoding; 0 is one per online CPU.
   */
  properties[PROP_THREADS] =
    g_param_spec_uint ("threads", NULL, NULL, 0, 64, 0, rw);
  properties[PROP_MAX_PIXELS] =
    g_param_spec_uint64 ("max-pixels", NULL, NULL, 1, G_MAXUINT64, VIGNETTE_DEFAULT_MAX_PIXELS, rw);
  properties[PROP_MAX_BYTES] =
    g_param_spec_uint64 ("max-bytes", NULL, NULL, 1, G_MAXUINT32, VIGNETTE_DEFAULT_MAX_BYTES, rw);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, VIGNETTE_DEFAULT_TIMEOUT, rw);
  /**
   * VignetteRun:retry-delay:
   *
   * The first backoff delay in milliseconds; it doubles with each retry.
   */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, 60000, 500, rw);
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
   * #VignetteRun:n-to-save images are written so far.
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
  self->jobs = VIGNETTE_DEFAULT_JOBS;
  self->per_host = VIGNETTE_DEFAULT_PER_HOST;
  self->retries = VIGNETTE_DEFAULT_RETRIES;
  self->max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
  self->max_bytes = VIGNETTE_DEFAULT_MAX_BYTES;
  self->timeout = VIGNETTE_DEFAULT_TIMEOUT;
  self->retry_delay = 500;
  self->use_cache = TRUE;
  self->format = VIGNETTE_FORMAT_PNG;
  self->sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (self->sizes, default_sizes, G_N_ELEMENTS (default_sizes));
  self->items = g_list_store_new (VIGNETTE_TYPE_ITEM);
  self->names = vignette_names_new ();
  pending_init (&self->pending_pages);
  pending_init (&self->pending_images);
}

VignetteRun *
vignette_run_new (void)
{
  return g_object_new (VIGNETTE_TYPE_RUN, NULL);
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
    pending_push (&self->pending_pages, g_ptr_array_index (items, i), FALSE);

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
  return self->n_saving > 0;
}

guint
vignette_run_get_n_saved (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return self->n_saved;
}

guint
vignette_run_get_n_to_save (VignetteRun *self)
{
  g_return_val_if_fail (VIGNETTE_IS_RUN (self), 0);
  return self->n_to_save;
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

void
vignette_run_set_sizes (VignetteRun *self,
                        const guint *sizes,
                        guint        n_sizes)
{
  g_return_if_fail (VIGNETTE_IS_RUN (self));
  g_return_if_fail (n_sizes > 0);

  g_array_set_size (self->sizes, 0);
  g_array_append_vals (self->sizes, sizes, n_sizes);
  for (guint i = 0; i < self->sizes->len; i++)
    for (guint j = i + 1; j < self->sizes->len; j++)
      if (g_array_index (self->sizes, guint, j) > g_array_index (self->sizes, guint, i))
        {
          guint swap = g_array_index (self->sizes, guint, i);
          g_array_index (self->sizes, guint, i) = g_array_index (self->sizes, guint, j);
          g_array_index (self->sizes, guint, j) = swap;
        }
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

/* The pipeline is made from the settings when a run starts; a second
 * execution (after "Retry Failed") reuses the connections. */
static void
setup_pipeline (VignetteRun *self)
{
  guint jobs = self->sequential ? 1 : self->jobs;
  guint per_host = self->sequential ? 1 : self->per_host;

  vignette_run_get_thumbnailer (self);
  vignette_workers_set_n_threads (self->workers, self->threads);
  vignette_thumbnailer_set_sizes (self->thumbnailer, (const guint *) (gpointer) self->sizes->data,
                                  self->sizes->len);
  vignette_thumbnailer_set_format (self->thumbnailer, self->format, self->output == NULL);
  vignette_thumbnailer_set_max_pixels (self->thumbnailer, self->max_pixels);

  if (self->fetcher == NULL ||
      vignette_fetcher_get_max_connections (self->fetcher) != jobs ||
      vignette_fetcher_get_max_per_host (self->fetcher) != per_host)
    {
      g_clear_object (&self->fetcher);
      self->fetcher = vignette_fetcher_new (jobs, per_host);
    }
  g_object_set (self->fetcher,
                "retries", self->retries,
                "max-bytes", self->max_bytes,
                "timeout", self->timeout,
                "retry-delay", self->retry_delay,
                NULL);

  g_clear_object (&self->saver);
  if (self->output != NULL)
    self->saver = vignette_saver_new (self->output);
}

void
vignette_run_execute_async (VignetteRun         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
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
  {
    GSource *source = g_idle_source_new ();

    g_source_set_callback (source, pump_idle, g_object_ref (self), g_object_unref);
    g_source_set_static_name (source, "[vignette] run start");
    g_source_attach (source, g_task_get_context (self->task));
    g_source_unref (source);
  }
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
      if (vignette_item_get_kind (item) == VIGNETTE_ITEM_KIND_IMAGE)
        pending_push (&self->pending_images, item, FALSE);
      else
        pending_push (&self->pending_pages, item, FALSE);
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
      stats->n_retries = vignette_fetcher_get_n_retries (self->fetcher);
    }
  if (self->saver != NULL)
    stats->n_files_written = vignette_saver_get_n_files (self->saver);
}

/* Saving what a run keeps in memory (the window's "Save Thumbnails…") ------- */

typedef struct {
  VignetteRun   *run;
  VignetteSaver *saver;
  VignetteFormat format;
  GArray        *sizes;
  GPtrArray     *items;   /* what is left to save */
  guint          next;
  guint          in_flight;
  guint          n_saved;
  guint          n_failed;
  GError        *first_error;
} SaveJob;

static void
save_job_free (gpointer data)
{
  SaveJob *job = data;

  g_object_unref (job->run);
  g_object_unref (job->saver);
  g_array_unref (job->sizes);
  g_ptr_array_unref (job->items);
  g_clear_error (&job->first_error);
  g_free (job);
}

static void save_job_pump (GTask *task);

static void
save_job_item_done (GTask        *task,
                    const GError *error)
{
  SaveJob *job = g_task_get_task_data (task);

  job->in_flight--;
  if (error == NULL)
    {
      job->n_saved++;
      job->run->n_saved++;
      g_object_notify_by_pspec (G_OBJECT (job->run), properties[PROP_N_SAVED]);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      job->n_failed++;
      if (job->first_error == NULL)
        job->first_error = g_error_copy (error);
    }

  save_job_pump (task);
}

static void
on_job_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;

  vignette_saver_save_finish (VIGNETTE_SAVER (source), result, &error);
  save_job_item_done (task, error);
}

/* Keeps only the sizes the user asked to save */
static VignetteThumbnails *
filter_sizes (VignetteThumbnails *in,
              GArray             *sizes)
{
  VignetteThumbnails *out = vignette_thumbnails_new (vignette_thumbnails_get_original_width (in),
                                                     vignette_thumbnails_get_original_height (in),
                                                     vignette_thumbnails_get_format_name (in),
                                                     vignette_thumbnails_get_mime_type (in),
                                                     vignette_thumbnails_get_encoding (in));

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (in); i++)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (in, i);

      for (guint j = 0; j < sizes->len; j++)
        if (g_array_index (sizes, guint, j) == thumbnail->size)
          vignette_thumbnails_add (out, thumbnail->size, thumbnail->width, thumbnail->height,
                                   thumbnail->bytes);
    }

  return out;
}

static void
on_job_reencoded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = NULL;
  Op *op = data;
  SaveJob *job;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;

  task = G_TASK (g_steal_pointer (&op->extra));
  job = g_task_get_task_data (task);

  thumbnails = vignette_thumbnailer_reencode_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  if (thumbnails == NULL)
    {
      op_free (op);
      save_job_item_done (task, error);
      return;
    }

  vignette_saver_save_async (job->saver, thumbnails, vignette_item_get_save_name (op->item),
                             g_task_get_cancellable (task), on_job_saved, g_object_ref (task));
  op_free (op);
}

static void
save_job_pump (GTask *task)
{
  SaveJob *job = g_task_get_task_data (task);
  guint limit = 2 * vignette_workers_get_n_threads (job->run->workers);

  while (job->in_flight < limit && job->next < job->items->len &&
         !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      VignetteItem *item = g_ptr_array_index (job->items, job->next++);
      VignetteThumbnails *kept = vignette_item_get_thumbnails (item);
      g_autoptr(VignetteThumbnails) filtered = NULL;
      Op *op;

      if (kept == NULL)
        continue;

      filtered = filter_sizes (kept, job->sizes);
      if (vignette_thumbnails_get_n_sizes (filtered) == 0)
        continue;

      job->in_flight++;
      op = op_new (job->run, item);
      op->extra = G_OBJECT (g_object_ref (task));
      vignette_thumbnailer_reencode_async (job->run->thumbnailer, filtered, job->format,
                                           g_task_get_cancellable (task), on_job_reencoded, op);
    }

  if (job->in_flight > 0)
    return;

  job->run->n_saving--;
  if (job->run->n_saving == 0)
    g_object_notify_by_pspec (G_OBJECT (job->run), properties[PROP_SAVING]);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Saving was cancelled."));
  else if (job->first_error != NULL)
    g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE,
                             g_dngettext (GETTEXT_PACKAGE,
                                          "%u image could not be saved: %s",
                                          "%u images could not be saved: %s",
                                          job->n_failed),
                             job->n_failed, job->first_error->message);
  else
    g_task_return_int (task, job->n_saved);
}

/**
 * vignette_run_save_async:
 * @sizes: which of the run's sizes to save
 *
 * Saves the thumbnails that a run with #VignetteRun:keep-thumbnails holds,
 * in @format, as DIR/<size>/<name>.<ext>.
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
  g_autoptr(GTask) task = NULL;
  SaveJob *job;
  guint n_items;

  g_return_if_fail (VIGNETTE_IS_RUN (self));
  g_return_if_fail (G_IS_FILE (directory));

  vignette_run_get_thumbnailer (self);

  job = g_new0 (SaveJob, 1);
  job->run = g_object_ref (self);
  job->saver = vignette_saver_new (directory);
  job->format = format;
  job->sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (job->sizes, sizes, n_sizes);
  job->items = g_ptr_array_new_with_free_func (g_object_unref);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = 0; i < n_items; i++)
    {
      VignetteItem *item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (vignette_item_get_thumbnails (item) != NULL)
        g_ptr_array_add (job->items, item);
      else
        g_object_unref (item);
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_run_save_async);
  g_task_set_task_data (task, job, save_job_free);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->n_saving++ == 0)
    {
      self->n_saved = 0;
      self->n_to_save = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVING]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SAVED]);
    }
  self->n_to_save += job->items->len;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TO_SAVE]);
  g_object_thaw_notify (G_OBJECT (self));

  save_job_pump (task);
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
