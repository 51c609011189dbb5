/* vignette-thumbnail-cache.c: the freedesktop.org Thumbnail Managing Standard cache
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * https://specifications.freedesktop.org/thumbnail-spec/latest/: PNG files
 * named after the MD5 of the file's URI, in one folder per size, carrying the
 * URI and the modification time in tEXt chunks so that a stale entry is seen.
 * Nautilus and the file chooser read and write the same files.
 */
#include "config.h"

#include "vignette-png.h"
#include "vignette-saver.h"
#include "vignette-thumbnail-cache.h"

static const VignetteCacheFlavor flavors[] = {
  { "normal", 128 },
  { "large", 256 },
  { "x-large", 512 },
  { "xx-large", 1024 },
};

/* The smallest flavor whose images are at least @size, or NULL past 1024 */
const VignetteCacheFlavor *
vignette_cache_flavor_for_size (guint size)
{
  for (guint i = 0; i < G_N_ELEMENTS (flavors); i++)
    if (flavors[i].size >= size)
      return &flavors[i];

  return NULL;
}

static char *
cache_basename (const char *uri)
{
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, uri, -1);

  return g_strconcat (md5, ".png", NULL);
}

char *
vignette_cache_get_path (const char *flavor,
                         const char *uri)
{
  g_autofree char *basename = cache_basename (uri);

  return g_build_filename (g_get_user_cache_dir (), "thumbnails", flavor, basename, NULL);
}

char *
vignette_cache_get_fail_path (const char *uri)
{
  g_autofree char *basename = cache_basename (uri);
  g_autofree char *folder = g_strconcat ("vignette-", PACKAGE_VERSION, NULL);

  return g_build_filename (g_get_user_cache_dir (), "thumbnails", "fail", folder, basename, NULL);
}

gboolean
vignette_cache_pixbuf_is_valid (GdkPixbuf  *pixbuf,
                                const char *uri,
                                guint64     mtime)
{
  const char *thumb_uri = gdk_pixbuf_get_option (pixbuf, "tEXt::Thumb::URI");
  const char *thumb_mtime = gdk_pixbuf_get_option (pixbuf, "tEXt::Thumb::MTime");
  guint64 value;

  if (g_strcmp0 (thumb_uri, uri) != 0 || thumb_mtime == NULL)
    return FALSE;

  if (!g_ascii_string_to_unsigned (thumb_mtime, 10, 0, G_MAXUINT64, &value, NULL))
    return FALSE;

  return value == mtime;
}

GBytes *
vignette_cache_encode (GdkPixbuf   *pixbuf,
                       const char  *uri,
                       guint64      mtime,
                       int          original_width,
                       int          original_height,
                       GError     **error)
{
  g_autofree char *mtime_text = g_strdup_printf ("%" G_GUINT64_FORMAT, mtime);
  g_autofree char *width_text = g_strdup_printf ("%d", original_width);
  g_autofree char *height_text = g_strdup_printf ("%d", original_height);
  g_autofree char *software = g_strconcat ("Vignette ", PACKAGE_VERSION, NULL);
  const char * const keys[] = {
    "Thumb::URI", "Thumb::MTime", "Thumb::Image::Width", "Thumb::Image::Height", "Software", NULL
  };
  const char * const values[] = { uri, mtime_text, width_text, height_text, software, NULL };

  return vignette_png_encode (pixbuf, keys, values, error);
}

/* Writing entries --------------------------------------------------------- */

static void
on_entry_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;
  guint *pending = g_task_get_task_data (task);

  /* The cache is a courtesy to the desktop: failing to write it is no failure of the item */
  if (!vignette_write_file_atomic_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not write a thumbnail cache entry: %s", error->message);

  if (--(*pending) == 0)
    g_task_return_boolean (task, TRUE);
}

static GTask *
new_write_task (GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (guint, 1), g_free);
  return task;
}

static void
write_entry (GTask      *task,
             const char *path,
             GBytes     *bytes)
{
  guint *pending = g_task_get_task_data (task);

  (*pending)++;
  vignette_write_file_atomic_async (path, bytes, 0600, g_task_get_cancellable (task),
                                    on_entry_written, g_object_ref (task));
}

/**
 * vignette_cache_store_async:
 *
 * Writes the cache entries that the thumbnailer made for the local file
 * @uri (and drops them from @thumbnails); completes when all are written,
 * and never fails: the cache is a courtesy to the desktop.
 */
void
vignette_cache_store_async (VignetteThumbnails  *thumbnails,
                            const char          *uri,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = new_write_task (cancellable, callback, user_data, vignette_cache_store_async);

  for (guint i = 0; i < vignette_thumbnails_get_n_cache_entries (thumbnails); i++)
    {
      const VignetteCacheEntry *entry = vignette_thumbnails_get_cache_entry (thumbnails, i);
      g_autofree char *path = vignette_cache_get_path (entry->flavor, uri);

      write_entry (task, path, entry->bytes);
    }
  vignette_thumbnails_clear_cache_entries (thumbnails);

  if (*(guint *) g_task_get_task_data (task) == 0)
    g_task_return_boolean (task, TRUE);
}

/* The spec's "fail" folder tells other programs not to try again */
void
vignette_cache_mark_failed_async (const char          *uri,
                                  guint64              mtime,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = new_write_task (cancellable, callback, user_data, vignette_cache_mark_failed_async);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 1, 1);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = vignette_cache_get_fail_path (uri);

  gdk_pixbuf_fill (pixbuf, 0);
  bytes = vignette_cache_encode (pixbuf, uri, mtime, 0, 0, NULL);
  if (bytes != NULL)
    write_entry (task, path, bytes);
  else
    g_task_return_boolean (task, TRUE);
}

void
vignette_cache_write_finish (GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}
