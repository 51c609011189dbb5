/* vignette-saver.c: thumbnails written atomically under one output folder, and nowhere else
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout: DIR/<size>/<name>.<ext>, one folder per requested size.
 *
 * Writing is blocking I/O, so it runs in GLib's shared GTask pool, the same
 * place GIO runs its own file operations (the CPU workers stay free for
 * decoding). Every file is written to a temporary name in its final folder
 * and renamed into place, so a crash never leaves a truncated thumbnail under
 * its final name; an error or a cancel unlinks the temporary file.
 *
 * Files are created relative to a descriptor of the output folder with
 * O_NOFOLLOW and names that are single, sanitised path components, so
 * nothing can be written outside the folder the user chose, even if a
 * symbolic link appears inside it during the run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "vignette-error.h"
#include "vignette-saver.h"
#include "vignette-thumbnailer.h"

struct _VignetteSaver
{
  GObject        parent_instance;

  GFile         *directory;

  GMutex         lock;     /* guards what follows, used from I/O threads */
  int            dir_fd;
  GHashTable    *size_fds; /* size → folder descriptor */
  guint          n_files;
};

G_DEFINE_FINAL_TYPE (VignetteSaver, vignette_saver, G_TYPE_OBJECT)

static void
close_fd (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

static void
vignette_saver_finalize (GObject *object)
{
  VignetteSaver *self = (VignetteSaver *)object;

  g_clear_object (&self->directory);
  g_hash_table_unref (self->size_fds);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (vignette_saver_parent_class)->finalize (object);
}

static void
vignette_saver_class_init (VignetteSaverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vignette_saver_finalize;
}

static void
vignette_saver_init (VignetteSaver *self)
{
  g_mutex_init (&self->lock);
  self->dir_fd = -1;
  self->size_fds = g_hash_table_new_full (NULL, NULL, NULL, close_fd);
}

VignetteSaver *
vignette_saver_new (GFile *directory)
{
  VignetteSaver *self;

  g_return_val_if_fail (G_IS_FILE (directory), NULL);

  self = g_object_new (VIGNETTE_TYPE_SAVER, NULL);
  self->directory = g_object_ref (directory);

  return self;
}

GFile *
vignette_saver_get_directory (VignetteSaver *self)
{
  g_return_val_if_fail (VIGNETTE_IS_SAVER (self), NULL);
  return self->directory;
}

guint
vignette_saver_get_n_files (VignetteSaver *self)
{
  guint n;

  g_return_val_if_fail (VIGNETTE_IS_SAVER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_files;
  g_mutex_unlock (&self->lock);

  return n;
}

static GError *
os_error (int         saved_errno,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static GError *
os_error (int         saved_errno,
          const char *format,
          ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  return g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE,
                      /* Translators: "Could not save thumbnails in /out/200: Permission denied" */
                      _("%s: %s"), what, g_strerror (saved_errno));
}

static gboolean
write_all (int            fd,
           const guint8  *data,
           gsize          length,
           GCancellable  *cancellable,
           int           *saved_errno)
{
  while (length > 0)
    {
      gssize written;

      if (g_cancellable_is_cancelled (cancellable))
        {
          *saved_errno = ECANCELED;
          return FALSE;
        }

      written = write (fd, data, MIN (length, (gsize) 1024 * 1024));
      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          *saved_errno = errno;
          return FALSE;
        }

      data += written;
      length -= (gsize) written;
    }

  return TRUE;
}

/* Temporary name in the same folder, then rename(2): atomic for readers
 * and for crashes. No fsync: thumbnails can be made again, and syncing each
 * of thousands of small files would cost more than it protects. */
static gboolean
write_at (int            dir_fd,
          const char    *name,
          const char    *shown_folder,
          GBytes        *bytes,
          int            mode,
          GCancellable  *cancellable,
          GError       **error)
{
  char tmp_name[64];
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  int saved_errno = 0;
  int fd = -1;

  for (guint tries = 0; tries < 100 && fd < 0; tries++)
    {
      g_snprintf (tmp_name, sizeof tmp_name, ".vignette-%08x%08x.tmp",
                  g_random_int (), g_random_int ());
      fd = openat (dir_fd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
      if (fd < 0 && errno != EEXIST)
        break;
    }

  if (fd < 0)
    {
      g_propagate_error (error, os_error (errno, _("Could not save “%s” in %s"), name, shown_folder));
      return FALSE;
    }

  if (!write_all (fd, data, length, cancellable, &saved_errno))
    {
      close (fd);
      unlinkat (dir_fd, tmp_name, 0);
      if (saved_errno == ECANCELED)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The operation was cancelled."));
      else
        g_propagate_error (error, os_error (saved_errno, _("Could not save “%s” in %s"), name, shown_folder));
      return FALSE;
    }

  if (close (fd) != 0)
    {
      saved_errno = errno;
      unlinkat (dir_fd, tmp_name, 0);
      g_propagate_error (error, os_error (saved_errno, _("Could not save “%s” in %s"), name, shown_folder));
      return FALSE;
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      unlinkat (dir_fd, tmp_name, 0);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The operation was cancelled."));
      return FALSE;
    }

  if (renameat (dir_fd, tmp_name, dir_fd, name) != 0)
    {
      saved_errno = errno;
      unlinkat (dir_fd, tmp_name, 0);
      g_propagate_error (error, os_error (saved_errno, _("Could not save “%s” in %s"), name, shown_folder));
      return FALSE;
    }

  return TRUE;
}

/* Creates @path and its parents as needed, then opens it without following
 * a symbolic link at its last component. */
static int
open_directory (const char  *path,
                int          mode,
                GError     **error)
{
  int fd;

  if (g_mkdir_with_parents (path, mode) != 0)
    {
      g_propagate_error (error, os_error (errno, _("Could not create the folder %s"), path));
      return -1;
    }

  fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    g_propagate_error (error, os_error (errno, _("Could not open the folder %s"), path));

  return fd;
}

static int
size_folder_fd (VignetteSaver  *self,
                guint           size,
                const char     *shown_folder,
                GError        **error)
{
  gpointer value;
  char name[16];
  int fd;

  if (self->dir_fd < 0)
    {
      g_autofree char *path = g_file_get_path (self->directory);

      if (path == NULL)
        {
          g_set_error_literal (error, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE,
                               _("Thumbnails can only be saved in a local folder."));
          return -1;
        }

      self->dir_fd = open_directory (path, 0755, error);
      if (self->dir_fd < 0)
        return -1;
    }

  if (g_hash_table_lookup_extended (self->size_fds, GUINT_TO_POINTER (size), NULL, &value))
    return GPOINTER_TO_INT (value);

  g_snprintf (name, sizeof name, "%u", size);
  if (mkdirat (self->dir_fd, name, 0755) != 0 && errno != EEXIST)
    {
      g_propagate_error (error, os_error (errno, _("Could not create the folder %s"), shown_folder));
      return -1;
    }

  fd = openat (self->dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      g_propagate_error (error, os_error (errno, _("Could not open the folder %s"), shown_folder));
      return -1;
    }

  g_hash_table_insert (self->size_fds, GUINT_TO_POINTER (size), GINT_TO_POINTER (fd));
  return fd;
}

typedef struct {
  VignetteThumbnails *thumbnails;
  char               *name;
} SaveData;

static void
save_data_free (gpointer data)
{
  SaveData *sd = data;

  vignette_thumbnails_unref (sd->thumbnails);
  g_free (sd->name);
  g_free (sd);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  VignetteSaver *self = source_object;
  SaveData *sd = task_data;
  const char *extension = vignette_format_get_extension (vignette_thumbnails_get_encoding (sd->thumbnails));
  g_autofree char *directory = g_file_get_parse_name (self->directory);
  g_autofree char *file_name = g_strconcat (sd->name, ".", extension, NULL);

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (sd->thumbnails); i++)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (sd->thumbnails, i);
      g_autofree char *shown_folder = g_strdup_printf ("%s/%u", directory, thumbnail->size);
      GError *error = NULL;
      int fd;

      if (g_task_return_error_if_cancelled (task))
        return;

      g_mutex_lock (&self->lock);
      fd = size_folder_fd (self, thumbnail->size, shown_folder, &error);
      g_mutex_unlock (&self->lock);

      if (fd < 0 || !write_at (fd, file_name, shown_folder, thumbnail->bytes, 0644, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }

      g_mutex_lock (&self->lock);
      self->n_files++;
      g_mutex_unlock (&self->lock);
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * vignette_saver_save_async:
 * @name: a stem from vignette_names_claim(): one safe path component
 *
 * Writes every size of @thumbnails as DIR/<size>/<name>.<ext>.
 */
void
vignette_saver_save_async (VignetteSaver       *self,
                           VignetteThumbnails  *thumbnails,
                           const char          *name,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *sd;

  g_return_if_fail (VIGNETTE_IS_SAVER (self));
  g_return_if_fail (thumbnails != NULL);
  g_return_if_fail (name != NULL && strchr (name, '/') == NULL);

  sd = g_new0 (SaveData, 1);
  sd->thumbnails = vignette_thumbnails_ref (thumbnails);
  sd->name = g_strdup (name);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_saver_save_async);
  g_task_set_task_data (task, sd, save_data_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
vignette_saver_save_finish (VignetteSaver  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * vignette_write_file_atomic:
 * @mode: permissions of a new file, such as 0600 for the thumbnail cache
 *
 * Blocking; creates the parent folders (mode 0700) as needed.
 */
gboolean
vignette_write_file_atomic (const char    *path,
                            GBytes        *bytes,
                            int            mode,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  gboolean ok;
  int fd;

  fd = open_directory (folder, 0700, error);
  if (fd < 0)
    return FALSE;

  ok = write_at (fd, name, folder, bytes, mode, cancellable, error);
  close (fd);

  return ok;
}

typedef struct {
  char   *path;
  GBytes *bytes;
  int     mode;
} WriteData;

static void
write_data_free (gpointer data)
{
  WriteData *wd = data;

  g_free (wd->path);
  g_bytes_unref (wd->bytes);
  g_free (wd);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteData *wd = task_data;
  GError *error = NULL;

  if (vignette_write_file_atomic (wd->path, wd->bytes, wd->mode, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
vignette_write_file_atomic_async (const char          *path,
                                  GBytes              *bytes,
                                  int                  mode,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteData *wd;

  wd = g_new0 (WriteData, 1);
  wd->path = g_strdup (path);
  wd->bytes = g_bytes_ref (bytes);
  wd->mode = mode;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_write_file_atomic_async);
  g_task_set_task_data (task, wd, write_data_free);
  g_task_run_in_thread (task, write_thread);
}

gboolean
vignette_write_file_atomic_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
