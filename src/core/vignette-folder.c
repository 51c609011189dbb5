/* vignette-folder.c: the images (and subfolders) of a local folder, listed without blocking
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Listed in batches with async GIO, then sorted as a file manager sorts
 * names; hidden files are skipped, and only files whose (fast, name-based)
 * type is an image are kept, with their size and modification time so that
 * the desktop's thumbnail cache can be checked without asking again.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "vignette-error.h"
#include "vignette-folder.h"
#include "vignette-item-private.h"

#define FOLDER_ATTRIBUTES \
  G_FILE_ATTRIBUTE_STANDARD_TYPE "," \
  G_FILE_ATTRIBUTE_STANDARD_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME "," \
  G_FILE_ATTRIBUTE_STANDARD_IS_HIDDEN "," \
  G_FILE_ATTRIBUTE_STANDARD_SIZE "," \
  G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE "," \
  G_FILE_ATTRIBUTE_TIME_MODIFIED

#define FOLDER_BATCH 256

typedef struct {
  char            *uri;
  GFile           *folder;
  gboolean         recursive;
  GFileEnumerator *enumerator;
  GPtrArray       *infos;
} Listing;

static void
listing_free (gpointer data)
{
  Listing *listing = data;

  g_free (listing->uri);
  g_clear_object (&listing->folder);
  g_clear_object (&listing->enumerator);
  g_ptr_array_unref (listing->infos);
  g_free (listing);
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

static void
return_children (GTask *task)
{
  Listing *listing = g_task_get_task_data (task);
  GPtrArray *children = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_sort (listing->infos, compare_children);

  for (guint i = 0; i < listing->infos->len; i++)
    {
      GFileInfo *info = g_ptr_array_index (listing->infos, i);
      g_autoptr(GFile) child = g_file_get_child (listing->folder, g_file_info_get_name (info));
      g_autofree char *uri = g_file_get_uri (child);
      VignetteItem *item;

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          item = vignette_item_new (VIGNETTE_ITEM_KIND_FOLDER, uri, listing->uri);
        }
      else
        {
          item = vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, uri, listing->uri);
          vignette_item_set_mtime (item, g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED));
          vignette_item_set_file_size (item, (guint64) g_file_info_get_size (info));
        }
      g_ptr_array_add (children, item);
    }

  g_task_return_pointer (task, children, (GDestroyNotify) g_ptr_array_unref);
}

static void
return_error (GTask  *task,
              GError *error)
{
  Listing *listing = g_task_get_task_data (task);
  g_autofree char *name = NULL;
  g_autofree char *why = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }

  name = g_file_get_parse_name (listing->folder);
  why = vignette_clean_message (error->message);
  g_error_free (error);
  g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                           _("The folder %s could not be read: %s"), name, why);
}

static void
on_next_files (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  Listing *listing = g_task_get_task_data (task);
  GError *error = NULL;
  GList *infos;

  infos = g_file_enumerator_next_files_finish (G_FILE_ENUMERATOR (source), result, &error);
  if (error != NULL)
    {
      return_error (task, error);
      return;
    }

  if (infos == NULL)
    {
      g_file_enumerator_close_async (listing->enumerator, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return_children (task);
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
      if ((type == G_FILE_TYPE_DIRECTORY && listing->recursive) ||
          (type == G_FILE_TYPE_REGULAR && content_type_is_image (content_type)))
        g_ptr_array_add (listing->infos, g_object_ref (info));
    }
  g_list_free_full (infos, g_object_unref);

  g_file_enumerator_next_files_async (listing->enumerator, FOLDER_BATCH, G_PRIORITY_DEFAULT,
                                      g_task_get_cancellable (task), on_next_files,
                                      g_object_ref (task));
}

static void
on_enumerated (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  Listing *listing = g_task_get_task_data (task);
  GError *error = NULL;

  listing->enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (listing->enumerator == NULL)
    {
      return_error (task, error);
      return;
    }

  g_file_enumerator_next_files_async (listing->enumerator, FOLDER_BATCH, G_PRIORITY_DEFAULT,
                                      g_task_get_cancellable (task), on_next_files,
                                      g_object_ref (task));
}

/**
 * vignette_folder_list_async:
 * @recursive: whether subfolders are listed too (as folder items)
 */
void
vignette_folder_list_async (const char          *uri,
                            gboolean             recursive,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  Listing *listing = g_new0 (Listing, 1);

  listing->uri = g_strdup (uri);
  listing->folder = g_file_new_for_uri (uri);
  listing->recursive = recursive;
  listing->infos = g_ptr_array_new_with_free_func (g_object_unref);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_folder_list_async);
  g_task_set_task_data (task, listing, listing_free);

  g_file_enumerate_children_async (listing->folder, FOLDER_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                                   G_PRIORITY_DEFAULT, cancellable, on_enumerated, task);
}

/**
 * vignette_folder_list_finish:
 *
 * Returns: (transfer full) (element-type VignetteItem): the folder's images
 *   and, when recursive, subfolders, in the order a file manager shows them
 */
GPtrArray *
vignette_folder_list_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
