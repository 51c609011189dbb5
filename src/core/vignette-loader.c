/* vignette-loader.c: an item's bytes, from the web or from a file, with one set of limits and words
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An http(s) address goes to the fetcher; a file is asked what it is, then
 * read with async GIO. Either way the same size limits apply, the same
 * sentences say what went wrong, and the result says what the address
 * turned out to be: an image, a page to extract, or a folder to list.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "vignette-error.h"
#include "vignette-loader.h"
#include "vignette-source.h"

#define LOCAL_ATTRIBUTES \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," \
  G_FILE_ATTRIBUTE_STANDARD_SIZE "," \
  G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE "," \
  G_FILE_ATTRIBUTE_TIME_MODIFIED

struct _VignetteLoader
{
  GObject          parent_instance;

  VignetteFetcher *fetcher;
  guint64          max_bytes;
  guint64          max_page_bytes;
};

G_DEFINE_FINAL_TYPE (VignetteLoader, vignette_loader, G_TYPE_OBJECT)

typedef struct {
  char              *uri;
  char              *name;          /* how messages name it */
  gboolean           expect_image;
  GFile             *file;
  VignetteLoad      *load;
  VignetteRetryHint  hint;
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *ld = data;

  g_free (ld->uri);
  g_free (ld->name);
  g_clear_object (&ld->file);
  g_clear_pointer (&ld->load, vignette_load_free);
  g_free (ld);
}

void
vignette_load_free (VignetteLoad *load)
{
  if (load == NULL)
    return;

  g_clear_pointer (&load->bytes, g_bytes_unref);
  g_free (load->content_type);
  g_free (load->final_uri);
  g_free (load);
}

/**
 * vignette_display_name_for_uri:
 *
 * How a sentence names an address: a web address as it is, a local file by
 * its path ("/home/ann/Pictures/a.jpg", not "file:///…").
 */
char *
vignette_display_name_for_uri (const char *uri)
{
  if (uri != NULL && g_str_has_prefix (uri, "file:"))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uri);

      return g_file_get_parse_name (file);
    }

  return g_strdup (uri);
}

static gboolean
mime_is_image (const char *mime_type)
{
  return mime_type != NULL && g_str_has_prefix (mime_type, "image/");
}

static gboolean
looks_like_image (VignetteResponse *response)
{
  gsize length;
  const guchar *data;
  g_autofree char *guessed = NULL;

  if (mime_is_image (response->mime_type))
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

/* The one place that says a body is empty, for the web and for files */
static gboolean
check_not_empty (GTask        *task,
                 LoadData     *ld,
                 VignetteLoad *load)
{
  GError *error;

  if (load->bytes == NULL || g_bytes_get_size (load->bytes) > 0 || load->streamed > 0)
    return TRUE;

  if (load->kind == VIGNETTE_LOAD_PAGE)
    error = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_EMPTY, _("%s is an empty page."), ld->name);
  else
    error = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_EMPTY, _("%s is empty (0 bytes)."), ld->name);

  g_task_return_error (task, error);
  return FALSE;
}

static void
return_load (GTask        *task,
             VignetteLoad *load)
{
  LoadData *ld = g_task_get_task_data (task);

  if (!check_not_empty (task, ld, load))
    {
      vignette_load_free (load);
      return;
    }

  g_task_return_pointer (task, load, (GDestroyNotify) vignette_load_free);
}

/* The web ---------------------------------------------------------------- */

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  LoadData *ld = g_task_get_task_data (task);
  g_autoptr(VignetteResponse) response = NULL;
  GError *error = NULL;
  VignetteLoad *load;

  response = vignette_fetcher_fetch_finish (VIGNETTE_FETCHER (source), result, &ld->hint, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  load = g_new0 (VignetteLoad, 1);
  load->bytes = g_bytes_ref (response->body);
  load->streamed = response->streamed_length;
  load->content_type = g_strdup (response->content_type);
  load->final_uri = g_strdup (response->final_uri);
  load->protocol = response->protocol;
  load->times = response->times;

  if (ld->expect_image || looks_like_image (response))
    load->kind = VIGNETTE_LOAD_IMAGE;
  else if (looks_like_page (response->mime_type))
    load->kind = VIGNETTE_LOAD_PAGE;
  else
    {
      vignette_load_free (load);
      g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_NOT_AN_IMAGE,
                               _("%s is neither a web page nor an image (%s)."),
                               ld->name, response->mime_type);
      return;
    }

  return_load (task, load);
}

/* Files ------------------------------------------------------------------ */

typedef enum {
  LOCAL_OPEN,
  LOCAL_READ,
} LocalStep;

/* A GIO error about a local file, as one sentence that names the file */
static void
return_local_error (GTask        *task,
                    LocalStep     step,
                    GError       *error)
{
  LoadData *ld = g_task_get_task_data (task);
  g_autofree char *why = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }

  why = vignette_clean_message (error->message);
  g_error_free (error);
  if (step == LOCAL_OPEN)
    g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                             _("%s cannot be opened: %s"), ld->name, why);
  else
    g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                             _("%s could not be read: %s"), ld->name, why);
}

static void
on_file_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  LoadData *ld = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *bytes;

  bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  if (bytes == NULL)
    {
      return_local_error (task, LOCAL_READ, error);
      return;
    }

  ld->load->bytes = bytes;
  ld->load->times.first_byte = ld->load->times.done = g_get_monotonic_time ();
  return_load (task, g_steal_pointer (&ld->load));
}

static gboolean
content_type_is_image (const char *content_type)
{
  g_autofree char *mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;

  return mime_is_image (mime);
}

static void
on_file_queried (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;
  VignetteLoader *self = g_task_get_source_object (task);
  LoadData *ld = g_task_get_task_data (task);
  g_autoptr(GFileInfo) info = NULL;
  GError *error = NULL;
  const char *content_type;
  GFileType type;
  guint64 size, limit;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (info == NULL)
    {
      return_local_error (task, LOCAL_OPEN, error);
      return;
    }

  type = g_file_info_get_file_type (info);
  content_type = g_file_info_get_content_type (info);
  ld->load = g_new0 (VignetteLoad, 1);
  ld->load->final_uri = g_strdup (ld->uri);
  ld->load->times.request_sent = g_get_monotonic_time ();
  ld->load->mtime = MAX (g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED), 1);

  if (type == G_FILE_TYPE_DIRECTORY && !ld->expect_image)
    {
      ld->load->kind = VIGNETTE_LOAD_FOLDER;
      g_task_return_pointer (task, g_steal_pointer (&ld->load), (GDestroyNotify) vignette_load_free);
      return;
    }

  if (type != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_NOT_AN_IMAGE,
                               _("%s is not a regular file."), ld->name);
      return;
    }

  if (ld->expect_image || content_type_is_image (content_type))
    ld->load->kind = VIGNETTE_LOAD_IMAGE;
  else if (content_type != NULL &&
           (g_content_type_is_a (content_type, "text/html") ||
            g_content_type_is_a (content_type, "application/xhtml+xml")))
    ld->load->kind = VIGNETTE_LOAD_PAGE;
  else
    {
      g_autofree char *description = content_type ? g_content_type_get_description (content_type) : NULL;

      g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_NOT_AN_IMAGE,
                               _("%s is not an image, a web page or a folder (%s)."),
                               ld->name, description ? description : _("unknown type"));
      return;
    }

  /* The same limits as for a download, before anything is read */
  size = (guint64) g_file_info_get_size (info);
  limit = ld->load->kind == VIGNETTE_LOAD_IMAGE ? self->max_bytes : MAX (self->max_page_bytes, self->max_bytes);
  if (size > limit)
    {
      g_autofree char *shown = g_format_size (size);
      g_autofree char *limit_shown = g_format_size (limit);

      g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE,
                               _("%s is %s, more than the limit of %s."),
                               ld->name, shown, limit_shown);
      return;
    }

  g_file_load_bytes_async (ld->file, g_task_get_cancellable (task), on_file_loaded,
                           g_object_ref (task));
}

/* ------------------------------------------------------------------------ */

static void
vignette_loader_dispose (GObject *object)
{
  VignetteLoader *self = VIGNETTE_LOADER (object);

  g_clear_object (&self->fetcher);

  G_OBJECT_CLASS (vignette_loader_parent_class)->dispose (object);
}

static void
vignette_loader_class_init (VignetteLoaderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vignette_loader_dispose;
}

static void
vignette_loader_init (VignetteLoader *self)
{
}

VignetteLoader *
vignette_loader_new (VignetteFetcher *fetcher,
                     guint64          max_bytes,
                     guint64          max_page_bytes)
{
  VignetteLoader *self = g_object_new (VIGNETTE_TYPE_LOADER, NULL);

  self->fetcher = g_object_ref (fetcher);
  self->max_bytes = max_bytes;
  self->max_page_bytes = max_page_bytes;

  return self;
}

/**
 * vignette_loader_load_async:
 * @referer: (nullable): the page an image comes from
 * @expect_image: the address came from a page or a folder as an image:
 *   take it as one, with the image size limit
 * @attempt: which attempt this is, from 1
 * @sink: (nullable): for an image on the web, a decode stream that takes
 *   the body as it arrives (see vignette_fetcher_fetch_into_async()); a
 *   file is read whole, and the sink is left alone
 * @progress: (nullable): called on this thread as bytes arrive
 */
void
vignette_loader_load_async (VignetteLoader        *self,
                            const char            *uri,
                            const char            *referer,
                            gboolean               expect_image,
                            guint                  attempt,
                            VignetteDecodeStream  *sink,
                            VignetteFetchProgress  progress,
                            GObject               *progress_target,
                            GCancellable          *cancellable,
                            GAsyncReadyCallback    callback,
                            gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *ld;

  g_return_if_fail (VIGNETTE_IS_LOADER (self));
  g_return_if_fail (uri != NULL);

  ld = g_new0 (LoadData, 1);
  ld->uri = g_strdup (uri);
  ld->name = vignette_display_name_for_uri (uri);
  ld->expect_image = expect_image;
  ld->hint.delay_ms = -1;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_loader_load_async);
  g_task_set_task_data (task, ld, load_data_free);

  if (vignette_uri_is_http (uri))
    {
      vignette_fetcher_fetch_into_async (self->fetcher, uri, referer,
                                         expect_image ? VIGNETTE_FETCH_IMAGE : VIGNETTE_FETCH_PAGE,
                                         attempt, expect_image ? sink : NULL, progress, progress_target,
                                         cancellable, on_fetched, g_steal_pointer (&task));
      return;
    }

  ld->file = g_file_new_for_uri (uri);
  g_file_query_info_async (ld->file, LOCAL_ATTRIBUTES, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                           cancellable, on_file_queried, g_steal_pointer (&task));
}

/**
 * vignette_loader_load_finish:
 * @hint: (out) (optional): for a failed download, whether and when to try again
 */
VignetteLoad *
vignette_loader_load_finish (VignetteLoader     *self,
                             GAsyncResult       *result,
                             VignetteRetryHint  *hint,
                             GError            **error)
{
  LoadData *ld;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  ld = g_task_get_task_data (G_TASK (result));
  if (hint != NULL)
    *hint = ld->hint;

  return g_task_propagate_pointer (G_TASK (result), error);
}
