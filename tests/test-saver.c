/* test-saver.c: thumbnails land complete, atomically, in DIR/<size>/<name>.<ext> and nowhere else
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read-only and full file systems are real ones: a tmpfs mounted in a
 * private mount namespace (`unshare -rm`, no root needed on the host), with
 * vignette-cli run inside it. Where namespaces are not allowed those tests
 * are skipped, with the reason.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-images.h"
#include "test-utils.h"
#include "vignette-error.h"
#include "vignette-run.h"
#include "vignette-saver.h"
#include "vignette-thumbnailer.h"

static const guint all_sizes[] = { 500, 400, 300, 200, 100 };

static VignetteThumbnails *
make_thumbnails (int            width,
                 int            height,
                 VignetteFormat format)
{
  g_autoptr(GBytes) data = vignette_test_make_image (width, height, "jpeg", FALSE);
  VignetteThumbnailParams params = { 0 };
  g_autoptr(GError) error = NULL;
  VignetteThumbnails *thumbnails;

  params.sizes = all_sizes;
  params.n_sizes = G_N_ELEMENTS (all_sizes);
  params.format = format;
  params.max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
  params.reduced_decode = TRUE;

  thumbnails = vignette_make_thumbnails (data, &params, "test.jpg", NULL, &error);
  g_assert_no_error (error);
  return thumbnails;
}

typedef struct {
  guint   n_pending;
  guint   n_ok;
  guint   n_cancelled;
  GError *error;        /* the first other error */
  GCancellable *cancel_after_ok;
  guint   cancel_at;
} SaveState;

static gboolean
nothing_pending (gpointer data)
{
  return ((SaveState *) data)->n_pending == 0;
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  SaveState *state = data;
  GError *error = NULL;

  if (vignette_saver_save_finish (VIGNETTE_SAVER (source), result, &error))
    state->n_ok++;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      state->n_cancelled++;
      g_error_free (error);
    }
  else if (state->error == NULL)
    state->error = error;
  else
    g_error_free (error);

  if (state->cancel_after_ok != NULL && state->n_ok == state->cancel_at)
    g_cancellable_cancel (state->cancel_after_ok);

  state->n_pending--;
}

static gboolean
save_one (VignetteSaver      *saver,
          VignetteThumbnails *thumbnails,
          const char         *name,
          GError            **error)
{
  SaveState state = { 0 };

  state.n_pending = 1;
  vignette_saver_save_async (saver, thumbnails, name, NULL, on_saved, &state);
  vignette_test_spin_until_cond (nothing_pending, &state, 30000, "the save");

  if (state.error != NULL)
    {
      g_propagate_error (error, state.error);
      return FALSE;
    }
  return state.n_ok == 1;
}

static void
assert_no_temporary_files (const char *folder)
{
  g_autoptr(GPtrArray) left = vignette_test_find_temporary_files (folder);

  for (guint i = 0; i < left->len; i++)
    g_test_message ("left behind: %s", (const char *) g_ptr_array_index (left, i));
  g_assert_cmpuint (left->len, ==, 0);
}

/* The file decodes completely, at the size the thumbnails recorded */
static void
assert_complete (const char *path,
                 int         width,
                 int         height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = vignette_test_decode_file (path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);
}

static void
assert_saved (const char         *folder,
              VignetteThumbnails *thumbnails,
              const char         *name,
              const char         *extension)
{
  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
    {
      const VignetteThumbnail *t = vignette_thumbnails_get_nth (thumbnails, i);
      g_autofree char *size = g_strdup_printf ("%u", t->size);
      g_autofree char *file = g_strconcat (name, ".", extension, NULL);
      g_autofree char *path = g_build_filename (folder, size, file, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      /* Exactly the encoded bytes, then a real image of the right size */
      g_assert_cmpmem (contents, length, g_bytes_get_data (t->bytes, NULL), g_bytes_get_size (t->bytes));
      assert_complete (path, t->width, t->height);
    }
}

/* Layout and completeness -------------------------------------------------- */

static void
check_layout (VignetteFormat format,
              const char    *extension)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autoptr(GFile) directory = g_file_new_for_path (folder);
  g_autoptr(VignetteSaver) saver = vignette_saver_new (directory);
  g_autoptr(VignetteThumbnails) thumbnails = make_thumbnails (1600, 1200, format);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = NULL;

  g_assert_true (save_one (saver, thumbnails, "photo", &error));
  g_assert_no_error (error);
  g_assert_true (g_file_equal (vignette_saver_get_directory (saver), directory));

  assert_saved (folder, thumbnails, "photo", extension);
  g_assert_cmpuint (vignette_saver_get_n_files (saver), ==, 5);

  /* Five files, one per size folder, and nothing else */
  files = vignette_test_list_files (folder, NULL);
  g_assert_cmpuint (files->len, ==, 5);
  for (guint i = 0; i < files->len; i++)
    g_test_message ("%s", (const char *) g_ptr_array_index (files, i));
  assert_no_temporary_files (folder);

  vignette_test_remove_tree (folder);
}

static void
test_layout_png (void)
{
  check_layout (VIGNETTE_FORMAT_PNG, "png");
}

static void
test_layout_jpeg (void)
{
  check_layout (VIGNETTE_FORMAT_JPEG, "jpg");
}

static void
test_layout_webp (void)
{
  if (!vignette_format_is_writable (VIGNETTE_FORMAT_WEBP))
    {
      g_test_skip ("no WebP saver here");
      return;
    }
  check_layout (VIGNETTE_FORMAT_WEBP, "webp");
}

/* Saving again under the same name replaces the files whole */
static void
test_replace (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autoptr(GFile) directory = g_file_new_for_path (folder);
  g_autoptr(VignetteSaver) saver = vignette_saver_new (directory);
  g_autoptr(VignetteThumbnails) first = make_thumbnails (1600, 1200, VIGNETTE_FORMAT_PNG);
  g_autoptr(VignetteThumbnails) second = make_thumbnails (1200, 1600, VIGNETTE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;

  g_assert_true (save_one (saver, first, "same", &error));
  g_assert_true (save_one (saver, second, "same", &error));
  g_assert_no_error (error);

  assert_saved (folder, second, "same", "png");
  assert_no_temporary_files (folder);

  vignette_test_remove_tree (folder);
}

/* Errors leave nothing behind --------------------------------------------- */

/* The rename fails (a folder sits where the file goes) after the temporary
 * file was written: it must be removed, and the error must say why */
static void
test_error_cleans_up (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *blocker = g_build_filename (folder, "300", "photo.png", NULL);
  g_autoptr(GFile) directory = g_file_new_for_path (folder);
  g_autoptr(VignetteSaver) saver = vignette_saver_new (directory);
  g_autoptr(VignetteThumbnails) thumbnails = make_thumbnails (1600, 1200, VIGNETTE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (blocker, 0755), ==, 0);

  g_assert_false (save_one (saver, thumbnails, "photo", &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "photo.png"));
  g_assert_nonnull (strstr (error->message, g_strerror (EISDIR)));

  assert_no_temporary_files (folder);
  g_assert_true (g_file_test (blocker, G_FILE_TEST_IS_DIR));

  vignette_test_remove_tree (folder);
}

/* A file where a size folder should be */
static void
test_error_not_a_folder (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *blocker = g_build_filename (folder, "200", NULL);
  g_autoptr(GFile) directory = g_file_new_for_path (folder);
  g_autoptr(VignetteSaver) saver = vignette_saver_new (directory);
  g_autoptr(VignetteThumbnails) thumbnails = make_thumbnails (800, 600, VIGNETTE_FORMAT_PNG);
  g_autoptr(GBytes) text = g_bytes_new_static ("not a folder", 12);
  g_autoptr(GError) error = NULL;

  vignette_test_write_file (blocker, text);

  g_assert_false (save_one (saver, thumbnails, "photo", &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));
  assert_no_temporary_files (folder);

  vignette_test_remove_tree (folder);
}

/* Symbolic links ------------------------------------------------------------ */

/* DIR/<size> is a link to a folder outside DIR: nothing may be written
 * there. Size 100 is the first one written, 300 comes after two others. */
static void
check_symlink_size_folder (const char *size)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *outside = vignette_test_make_temp_dir ();
  g_autofree char *link = g_build_filename (folder, size, NULL);
  g_autoptr(GFile) directory = g_file_new_for_path (folder);
  g_autoptr(VignetteSaver) saver = vignette_saver_new (directory);
  g_autoptr(VignetteThumbnails) thumbnails = make_thumbnails (1600, 1200, VIGNETTE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) escaped = NULL;

  g_assert_cmpint (symlink (outside, link), ==, 0);

  g_assert_false (save_one (saver, thumbnails, "photo", &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE);
  g_test_message ("%s", error->message);

  escaped = vignette_test_list_files (outside, NULL);
  g_assert_cmpuint (escaped->len, ==, 0);
  assert_no_temporary_files (folder);
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

  vignette_test_remove_tree (folder);
  vignette_test_remove_tree (outside);
}

static void
test_symlink_size_folder (void)
{
  check_symlink_size_folder ("100");
  check_symlink_size_folder ("300");
}

/* DIR/100/photo.png is a link to a file outside: the link is replaced, the
 * file it pointed to is untouched */
static void
test_symlink_file (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *outside = vignette_test_make_temp_dir ();
  g_autofree char *victim = g_build_filename (outside, "precious.txt", NULL);
  g_autofree char *size_folder = g_build_filename (folder, "100", NULL);
  g_autofree char *link = g_build_filename (size_folder, "photo.png", NULL);
  g_autoptr(GFile) directory = g_file_new_for_path (folder);
  g_autoptr(VignetteSaver) saver = vignette_saver_new (directory);
  g_autoptr(VignetteThumbnails) thumbnails = make_thumbnails (800, 600, VIGNETTE_FORMAT_PNG);
  g_autoptr(GBytes) precious = g_bytes_new_static ("do not overwrite me", 19);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  struct stat st;

  vignette_test_write_file (victim, precious);
  g_assert_cmpint (g_mkdir_with_parents (size_folder, 0755), ==, 0);
  g_assert_cmpint (symlink (victim, link), ==, 0);

  g_assert_true (save_one (saver, thumbnails, "photo", &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (victim, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "do not overwrite me");
  g_assert_cmpint (lstat (link, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  assert_saved (folder, thumbnails, "photo", "png");

  vignette_test_remove_tree (folder);
  vignette_test_remove_tree (outside);
}

/* Cancelling a batch ------------------------------------------------------- */

/* 200 saves of incompressible PNGs under one cancellable, cancelled once 20 are
 * done: every save ends (done or cancelled), nothing temporary is left, and
 * every file under its final name is complete. */
static void
test_cancel_batch (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autoptr(GFile) directory = g_file_new_for_path (folder);
  g_autoptr(VignetteSaver) saver = vignette_saver_new (directory);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  SaveState state = { 0 };
  guint n_complete_sets = 0;

  /* Incompressible pixels make files large enough for the writes to take
   * a while */
  {
    g_autoptr(GBytes) data = vignette_test_make_noise_png (200, 200, 42);
    VignetteThumbnailParams params = { 0 };
    g_autoptr(GError) error = NULL;

    params.sizes = all_sizes;
    params.n_sizes = G_N_ELEMENTS (all_sizes);
    params.format = VIGNETTE_FORMAT_PNG;
    params.max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
    thumbnails = vignette_make_thumbnails (data, &params, "noise.png", NULL, &error);
    g_assert_no_error (error);
  }

  state.cancel_after_ok = cancellable;
  state.cancel_at = 20;

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("image-%03u", i);

      state.n_pending++;
      vignette_saver_save_async (saver, thumbnails, name, cancellable, on_saved, &state);
    }

  vignette_test_spin_until_cond (nothing_pending, &state, 120000, "every save to end");
  g_test_message ("%u saved, %u cancelled", state.n_ok, state.n_cancelled);
  g_assert_no_error (state.error);
  g_assert_cmpuint (state.n_ok + state.n_cancelled, ==, 200);
  g_assert_cmpuint (state.n_ok, >=, 20);
  if (state.n_cancelled == 0)
    {
      /* Only on a machine so loaded that this loop never ran while the
       * writes went on: nothing was cancelled, so nothing was tested */
      g_test_incomplete ("every save ended before the cancel reached them");
      vignette_test_remove_tree (folder);
      return;
    }

  assert_no_temporary_files (folder);

  /* Whatever exists is whole: a cancelled item may have some of its sizes,
   * never a truncated file */
  files = vignette_test_list_files (folder, NULL);
  for (guint i = 0; i < files->len; i++)
    {
      const char *relative = g_ptr_array_index (files, i);
      g_autofree char *path = g_build_filename (folder, relative, NULL);
      g_autofree char *size_text = g_path_get_dirname (relative);
      const VignetteThumbnail *t = vignette_thumbnails_lookup (thumbnails, (guint) atoi (size_text));

      assert_complete (path, t->width, t->height);
    }
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("image-%03u.png", i);
      g_autofree char *largest = g_build_filename (folder, "500", name, NULL);

      n_complete_sets += g_file_test (largest, G_FILE_TEST_EXISTS);
    }
  g_assert_cmpuint (n_complete_sets, >=, state.n_ok);

  vignette_test_remove_tree (folder);
}

/* The same through a whole run: 200 local images with an output folder,
 * cancelled in the middle. */
typedef struct {
  gboolean      done;
  GError       *error;
  GCancellable *cancellable;
  guint         cancel_at;
} RunState;

static void
on_executed (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  RunState *state = data;

  vignette_run_execute_finish (VIGNETTE_RUN (source), result, &state->error);
  state->done = TRUE;
}

static void
on_n_done (VignetteRun *run,
           GParamSpec  *pspec,
           RunState    *state)
{
  if (vignette_run_get_n_done (run) >= state->cancel_at)
    g_cancellable_cancel (state->cancellable);
}

static void
test_cancel_run (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *images = g_build_filename (folder, "images", NULL);
  g_autofree char *output = g_build_filename (folder, "out", NULL);
  g_autoptr(GFile) output_file = g_file_new_for_path (output);
  g_autoptr(VignetteRun) run = vignette_run_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) image = vignette_test_make_image (900, 600, "jpeg", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = NULL;
  GListModel *items;
  RunState state = { FALSE, NULL, cancellable, 30 };
  guint n_done = 0, n_cancelled = 0;

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("photo-%03u.jpg", i);
      g_autofree char *path = g_build_filename (images, name, NULL);

      vignette_test_write_file (path, image);
    }

  /* With the cache on, so that its writes are cancelled too */
  g_object_set (run, "use-cache", TRUE, NULL);
  g_assert_true (vignette_run_add_source (run, images, 1, 1, &error));
  g_assert_no_error (error);
  vignette_run_set_output (run, output_file);
  g_signal_connect (run, "notify::n-done", G_CALLBACK (on_n_done), &state);

  vignette_run_execute_async (run, cancellable, on_executed, &state);
  vignette_test_spin_until (&state.done, 120000);

  if (state.error == NULL)
    {
      g_test_incomplete ("the run ended before the cancel reached it");
      vignette_test_remove_tree (folder);
      return;
    }
  g_assert_error (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&state.error);

  items = vignette_run_get_items (run);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 200);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      VignetteItemState item_state = vignette_item_get_state (item);

      if (item_state == VIGNETTE_ITEM_STATE_DONE)
        {
          g_autofree char *file = g_strconcat (vignette_item_get_save_name (item), ".png", NULL);

          n_done++;
          for (guint s = 0; s < G_N_ELEMENTS (all_sizes); s++)
            {
              g_autofree char *size = g_strdup_printf ("%u", all_sizes[s]);
              g_autofree char *path = g_build_filename (output, size, file, NULL);

              g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
            }
        }
      else if (item_state == VIGNETTE_ITEM_STATE_CANCELLED)
        n_cancelled++;
      else
        g_test_fail_printf ("%s ended %s", vignette_item_get_uri (item),
                            vignette_item_state_to_string (item_state));
    }

  g_test_message ("%u done, %u cancelled", n_done, n_cancelled);
  g_assert_cmpuint (n_done, >=, 30);
  g_assert_cmpuint (n_cancelled, >, 0);
  g_assert_cmpuint (n_done + n_cancelled, ==, 200);

  assert_no_temporary_files (output);
  {
    g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "thumbnails", NULL);
    assert_no_temporary_files (cache);
  }
  files = vignette_test_list_files (output, NULL);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (output, g_ptr_array_index (files, i), NULL);
      g_autoptr(GError) decode_error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = vignette_test_decode_file (path, &decode_error);

      g_assert_no_error (decode_error);
    }

  vignette_test_remove_tree (folder);
}

/* vignette_write_file_atomic -------------------------------------------------- */

static void
test_write_atomic_mode (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (folder, "a", "b", "entry.png", NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *public_path = g_build_filename (folder, "public.png", NULL);
  g_autoptr(GBytes) first = g_bytes_new_static ("first", 5);
  g_autoptr(GBytes) second = g_bytes_new_static ("second version", 14);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  struct stat st;
  mode_t old_umask;

  g_assert_true (vignette_write_file_atomic (path, first, 0600, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  /* New parents are private too: the cache holds names of the user's files */
  g_assert_cmpint (g_stat (parent, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);

  /* Replacing keeps the mode asked for and the new content whole */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_true (vignette_write_file_atomic (path, second, 0600, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "second version");

  /* Another mode, under a umask that would not change it */
  old_umask = umask (022);
  g_assert_true (vignette_write_file_atomic (public_path, first, 0644, NULL, &error));
  umask (old_umask);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (public_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);

  assert_no_temporary_files (folder);
  vignette_test_remove_tree (folder);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  GError **error = data;

  if (!vignette_write_file_atomic_finish (result, error) && *error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no error given");
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "ok");
}

static void
test_write_atomic_async (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (folder, "c", "entry.png", NULL);
  g_autofree char *blocked = g_build_filename (folder, "dir-here", NULL);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("async", 5);
  GError *error = NULL;
  g_autofree char *contents = NULL;
  struct stat st;

  /* The callback sets G_IO_ERROR_EXISTS "ok" on success, so that the spin
   * has something to wait for either way */
  vignette_write_file_atomic_async (path, bytes, 0600, NULL, on_written, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "async");

  /* A failure is reported with the OS reason and leaves nothing */
  g_assert_cmpint (g_mkdir (blocked, 0755), ==, 0);
  vignette_write_file_atomic_async (blocked, bytes, 0600, NULL, on_written, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  assert_no_temporary_files (folder);
  vignette_test_remove_tree (folder);
}

/* Real read-only and full file systems, in a mount namespace -------------- */

typedef struct {
  int    status;      /* of the CLI */
  char  *out;
  char  *err;
  char  *result;      /* a copy of the output folder, made inside the namespace */
  char  *listing;     /* `ls -laR` of the mount, made inside the namespace */
} NamespaceRun;

static void
namespace_run_free (NamespaceRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run->result);
  g_free (run->listing);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NamespaceRun, namespace_run_free)

static gboolean
namespaces_allowed (char **why)
{
  const char *argv[] = { "unshare", "-rm", "sh", "-c",
                         "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && umount \"$d\"; r=$?; rmdir \"$d\"; exit $r",
                         NULL };
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error))
    {
      *why = g_strdup_printf ("unshare cannot run: %s", error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, &error))
    {
      *why = g_strdup_printf ("a private mount namespace with a tmpfs is not permitted here (%s)",
                              g_strstrip (err));
      return FALSE;
    }

  return TRUE;
}

/* Mounts a tmpfs of @size at @mount_point in a new user and mount namespace,
 * runs @prepare there (shell), then vignette-cli with @cli_args, then copies
 * what the mount holds to @result_dir before the namespace goes away. */
static NamespaceRun *
run_in_namespace (const char  *mount_point,
                  const char  *size,
                  const char  *prepare,
                  const char  *result_dir,
                  const char  *cli_args)
{
  const char *cli = g_getenv ("VIGNETTE_CLI");
  g_autofree char *script = NULL;
  g_autofree char *out_path = g_build_filename (result_dir, "cli.out", NULL);
  g_autofree char *err_path = g_build_filename (result_dir, "cli.err", NULL);
  g_autofree char *status_path = g_build_filename (result_dir, "cli.status", NULL);
  g_autofree char *listing_path = g_build_filename (result_dir, "listing", NULL);
  g_autofree char *status_text = NULL;
  g_autofree char *spawn_err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NamespaceRun) run = g_new0 (NamespaceRun, 1);
  int wait_status = 0;
  const char *argv[] = { "unshare", "-rm", "sh", "-c", NULL, "sh", mount_point, result_dir, cli, NULL };

  g_assert_nonnull (cli);

  /* $1 the mount point, $2 the result folder, $3 the CLI */
  script = g_strdup_printf ("set -e\n"
                            "mount -t tmpfs -o size=%s tmpfs \"$1\"\n"
                            "%s\n"
                            "set +e\n"
                            "\"$3\" %s >\"$2/cli.out\" 2>\"$2/cli.err\"\n"
                            "echo $? >\"$2/cli.status\"\n"
                            "ls -laR \"$1\" >\"$2/listing\" 2>&1\n"
                            "cp -a \"$1\" \"$2/copy\"\n",
                            size, prepare, cli_args);
  argv[4] = script;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &spawn_err, &wait_status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (wait_status, &error))
    g_error ("the namespace script failed: %s\n%s", error->message, spawn_err);

  g_assert_true (g_file_get_contents (status_path, &status_text, NULL, NULL));
  g_assert_true (g_file_get_contents (out_path, &run->out, NULL, NULL));
  g_assert_true (g_file_get_contents (err_path, &run->err, NULL, NULL));
  g_assert_true (g_file_get_contents (listing_path, &run->listing, NULL, NULL));
  run->status = atoi (status_text);
  run->result = g_build_filename (result_dir, "copy", NULL);

  g_test_message ("vignette-cli exited with %d; its stderr:\n%s", run->status, run->err);
  g_test_message ("the mount held:\n%s", run->listing);

  return g_steal_pointer (&run);
}

static guint
count_lines_with (const char *text,
                  const char *prefix,
                  const char *containing)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix) && (containing == NULL || strstr (lines[i], containing) != NULL))
      n++;

  return n;
}

static char *
make_image_folder (const char *parent,
                   guint       n,
                   gboolean    noise)
{
  char *folder = g_build_filename (parent, "images", NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("img%02u.png", i);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autoptr(GBytes) bytes = noise ? vignette_test_make_noise_png (300, 300, i + 1)
                                      : vignette_test_make_image (400, 300, "png", FALSE);

      vignette_test_write_file (path, bytes);
    }

  return folder;
}

/* The output folder exists but its file system is read-only: each item
 * fails with the OS reason, nothing is written, the run says so */
static void
check_read_only (gboolean size_folders_exist)
{
  g_autofree char *why = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *images = NULL;
  g_autofree char *mount_point = NULL;
  g_autofree char *results = NULL;
  g_autofree char *args = NULL;
  g_autoptr(NamespaceRun) run = NULL;
  g_autoptr(GPtrArray) files = NULL;
  const char *reason = g_strerror (EROFS);

  if (!namespaces_allowed (&why))
    {
      g_test_skip (why);
      return;
    }

  folder = vignette_test_make_temp_dir ();
  images = make_image_folder (folder, 3, FALSE);
  mount_point = g_build_filename (folder, "mnt", NULL);
  results = g_build_filename (folder, "results", NULL);
  g_assert_cmpint (g_mkdir (mount_point, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (results, 0755), ==, 0);

  args = g_strdup_printf ("--no-cache --stats -o \"$1/out\" '%s'", images);
  run = run_in_namespace (mount_point, "64k",
                          size_folders_exist
                            ? "mkdir -p \"$1/out/100\" \"$1/out/200\" \"$1/out/300\" \"$1/out/400\" \"$1/out/500\"\n"
                              "mount -o remount,ro \"$1\""
                            : "mkdir \"$1/out\"\nmount -o remount,ro \"$1\"",
                          results, args);

  /* Nothing could be saved: exit status 2, three failures, each with the reason */
  g_assert_cmpint (run->status, ==, 2);
  g_assert_cmpuint (count_lines_with (run->err, "failed", reason), ==, 3);
  g_assert_cmpuint (count_lines_with (run->err, "failed", NULL), ==, 3);
  g_assert_nonnull (strstr (run->out, "\"items_failed\": 3"));
  /* Where the file itself could not be written, the message names it */
  if (size_folders_exist)
    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *name = g_strdup_printf ("img%02u.png", i);

        g_assert_cmpuint (count_lines_with (run->err, "failed", name), ==, 1);
      }

  files = vignette_test_list_files (run->result, NULL);
  for (guint i = 0; i < files->len; i++)
    g_test_message ("found %s", (const char *) g_ptr_array_index (files, i));
  g_assert_cmpuint (files->len, ==, 0);

  vignette_test_remove_tree (folder);
}

static void
test_read_only (void)
{
  check_read_only (FALSE);
}

static void
test_read_only_size_folders (void)
{
  check_read_only (TRUE);
}

/* A 64 KiB file system: the first thumbnails fit, the later ones fail with
 * "No space left on device", and the ones that fit are whole */
static void
test_full_disk (void)
{
  g_autofree char *why = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *images = NULL;
  g_autofree char *mount_point = NULL;
  g_autofree char *results = NULL;
  g_autofree char *args = NULL;
  g_autofree char *out = NULL;
  g_autoptr(NamespaceRun) run = NULL;
  g_autoptr(GPtrArray) files = NULL;
  const char *reason = g_strerror (ENOSPC);
  guint n_done, n_failed;

  if (!namespaces_allowed (&why))
    {
      g_test_skip (why);
      return;
    }

  folder = vignette_test_make_temp_dir ();
  images = make_image_folder (folder, 10, TRUE);
  mount_point = g_build_filename (folder, "mnt", NULL);
  results = g_build_filename (folder, "results", NULL);
  g_assert_cmpint (g_mkdir (mount_point, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (results, 0755), ==, 0);

  /* One 64×64 noise PNG is ~12 KiB: four or five fit */
  args = g_strdup_printf ("--no-cache --stats --threads 1 --sizes 64 -o \"$1/out\" '%s'", images);
  run = run_in_namespace (mount_point, "64k", ":", results, args);

  n_done = count_lines_with (run->err, "done", NULL);
  n_failed = count_lines_with (run->err, "failed", NULL);
  g_test_message ("%u done, %u failed", n_done, n_failed);

  g_assert_cmpint (run->status, ==, 1);
  g_assert_cmpuint (n_done, >=, 1);
  g_assert_cmpuint (n_failed, >=, 1);
  g_assert_cmpuint (n_done + n_failed, ==, 10);
  g_assert_cmpuint (count_lines_with (run->err, "failed", reason), ==, n_failed);

  out = g_build_filename (run->result, "out", NULL);
  assert_no_temporary_files (run->result);
  files = vignette_test_list_files (out, NULL);
  g_assert_cmpuint (files->len, ==, n_done);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (out, g_ptr_array_index (files, i), NULL);

      g_assert_true (g_str_has_prefix (g_ptr_array_index (files, i), "64/"));
      assert_complete (path, 64, 64);
    }

  vignette_test_remove_tree (folder);
}

int
main (int   argc,
      char *argv[])
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/saver/layout-png", test_layout_png);
  g_test_add_func ("/core/saver/layout-jpeg", test_layout_jpeg);
  g_test_add_func ("/core/saver/layout-webp", test_layout_webp);
  g_test_add_func ("/core/saver/replace", test_replace);
  g_test_add_func ("/core/saver/error-cleans-up", test_error_cleans_up);
  g_test_add_func ("/core/saver/error-not-a-folder", test_error_not_a_folder);
  g_test_add_func ("/core/saver/symlink-size-folder", test_symlink_size_folder);
  g_test_add_func ("/core/saver/symlink-file", test_symlink_file);
  g_test_add_func ("/core/saver/cancel-batch", test_cancel_batch);
  g_test_add_func ("/core/saver/cancel-run", test_cancel_run);
  g_test_add_func ("/core/saver/write-atomic-mode", test_write_atomic_mode);
  g_test_add_func ("/core/saver/write-atomic-async", test_write_atomic_async);
  g_test_add_func ("/core/saver/read-only", test_read_only);
  g_test_add_func ("/core/saver/read-only-size-folders", test_read_only_size_folders);
  g_test_add_func ("/core/saver/full-disk", test_full_disk);

  return g_test_run ();
}
