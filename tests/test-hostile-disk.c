/* test-hostile-disk.c: an output folder that is read-only, full, or gone
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writing fails: the item says so with the system's own words, what was
 * written is whole (never a truncated thumbnail under its final name, never a
 * temporary file left), the other items go on, and nothing lands anywhere
 * else. A full or read-only file system is real: a small tmpfs mounted in a
 * private user and mount namespace (unshare -rm) around vignette-cli; where
 * that is not allowed, those tests are skipped.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-hostile-common.h"

typedef struct {
  VignetteTestServer *server;
  char               *top;   /* a private temporary folder */
  char               *out;   /* top/out */
  guint               n_images;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  GString *html = g_string_new ("<html><body>");

  f->server = vignette_test_server_new ();
  f->top = vignette_test_make_temp_dir ();
  f->out = g_build_filename (f->top, "out", NULL);
  f->n_images = 16;

  /* Noise does not compress: each thumbnail takes real room on the disk */
  for (guint i = 0; i < f->n_images; i++)
    {
      g_autofree char *path = g_strdup_printf ("/noise-%02u.png", i);
      g_autoptr(GBytes) png = vignette_test_make_noise_png (160, 120, i + 1);

      vignette_test_server_add (f->server, path, 200, "image/png", png);
      g_string_append_printf (html, "<img src=\"%s\">", path);
    }
  g_string_append (html, "</body></html>");
  vignette_test_server_add_html (f->server, "/page.html", html->str);
  g_string_free (html, TRUE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->top != NULL)
    {
      /* Whatever a test made read-only */
      g_chmod (f->out, 0755);
      vignette_test_remove_tree (f->top);
    }
  g_free (f->top);
  g_free (f->out);
  g_clear_pointer (&f->server, vignette_test_server_free);
}

/* unshare -rm: a user namespace where we are root, and our own mounts */
static gboolean
can_unshare (void)
{
  static int result = -1;

  if (result < 0)
    {
      const char *argv[] = { "unshare", "-rm", "sh", "-c",
                             "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && umount \"$d\"; s=$?; rmdir \"$d\"; exit $s",
                             NULL };
      int status = -1;

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                         G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL))
        status = -1;
      result = status == 0;
    }

  return result;
}

/* Runs vignette-cli in a namespace where @mountpoint is a fresh tmpfs with
 * @options, then copies what it wrote to @copy (the tmpfs vanishes with
 * the namespace) */
static HostileCli *
run_cli_on_tmpfs (const char         *mountpoint,
                  const char         *options,
                  const char         *copy,
                  const char * const *args)
{
  const char *prefix[] = {
    "unshare", "-rm", "sh", "-c",
    "mnt=$1; opts=$2; copy=$3; shift 3\n"
    "mount -t tmpfs -o \"$opts\" tmpfs \"$mnt\" || exit 99\n"
    "\"$@\"; status=$?\n"
    "cp -a \"$mnt/.\" \"$copy/\" || exit 98\n"
    "exit $status\n",
    "sh", mountpoint, options, copy,
    NULL
  };
  HostileCli *cli = hostile_cli_start_full (NULL, prefix, args);

  hostile_cli_wait (cli, 120000);
  g_assert_cmpint (cli->status, !=, 99);
  g_assert_cmpint (cli->status, !=, 98);

  return cli;
}

/* The CLI's line for each failed item, when stderr is not a terminal
 * ("failed  message") */
static GPtrArray *
failure_lines (const char *err)
{
  g_auto(GStrv) lines = g_strsplit (err, "\n", -1);
  GPtrArray *failures = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "failed  "))
      g_ptr_array_add (failures, g_strdup (lines[i] + strlen ("failed  ")));

  return failures;
}

static void
test_read_only_mount (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autofree char *copy = g_build_filename (f->top, "copy", NULL);
  g_autoptr(HostileCli) cli = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GPtrArray) written = NULL;
  const char *args[] = { "--stats", "--no-cache", "--sizes", "64,32", "-o", f->out, page, NULL };

  if (!can_unshare ())
    {
      g_test_skip ("unshare -rm is not permitted here: no read-only file system to test with");
      return;
    }

  g_assert_cmpint (g_mkdir_with_parents (f->out, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (copy, 0755), ==, 0);
  cli = run_cli_on_tmpfs (f->out, "ro,size=64k", copy, args);

  /* Nothing could be saved: "nothing processed" (2), every image says why */
  g_assert_cmpint (cli->status, ==, 2);
  g_assert_cmpuint (hostile_stats_field (cli->out, "items_failed"), ==, f->n_images);
  failures = failure_lines (cli->err);
  g_assert_cmpuint (failures->len, ==, f->n_images);
  for (guint i = 0; i < failures->len; i++)
    {
      const char *message = g_ptr_array_index (failures, i);

      hostile_assert_one_sentence (message);
      g_assert_nonnull (strstr (message, g_strerror (EROFS)));
    }

  written = hostile_list_tree (copy);
  g_assert_cmpuint (written->len, ==, 0);
}

static void
test_read_only_folder (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autoptr(VignetteRun) run = hostile_run_new ();
  g_autoptr(GFile) output = g_file_new_for_path (f->out);
  g_autoptr(GError) error = NULL;
  GListModel *items;

  /* Permissions do not stop root: this one is for everybody else */
  if (geteuid () == 0)
    {
      g_test_skip ("root writes into read-only folders (see /hostile/disk/read-only-mount)");
      return;
    }

  g_assert_cmpint (g_mkdir_with_parents (f->out, 0755), ==, 0);
  g_assert_cmpint (g_chmod (f->out, 0555), ==, 0);

  vignette_run_set_output (run, output);
  hostile_run_source (run, page);
  error = hostile_run_execute (run, NULL, 60000);
  g_assert_no_error (error);
  hostile_assert_all_finished (run);

  items = vignette_run_get_items (run);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, f->n_images);
  for (guint i = 0; i < f->n_images; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      hostile_assert_failed (item, g_strerror (EACCES));
    }
}

static void
test_output_is_a_file (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autofree char *below = g_build_filename (f->out, "below", NULL);
  g_autoptr(GBytes) text = g_bytes_new_static ("a file, not a folder\n", 21);
  g_autoptr(HostileCli) cli = NULL;

  vignette_test_write_file (f->out, text);

  /* -o names a file, or a folder below a file: a usage error, before any download */
  {
    const char *args[] = { "--no-cache", "-o", f->out, page, NULL };

    cli = hostile_cli_run (NULL, args, 60000);
    g_assert_cmpint (cli->status, ==, 2);
    g_assert_nonnull (strstr (cli->err, f->out));
    g_clear_pointer (&cli, hostile_cli_free);
  }
  {
    const char *args[] = { "--no-cache", "-o", below, page, NULL };

    cli = hostile_cli_run (NULL, args, 60000);
    g_assert_cmpint (cli->status, ==, 2);
    g_assert_nonnull (strstr (cli->err, g_strerror (ENOTDIR)));
  }
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, NULL), ==, 0);
}

static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autofree char *copy = g_build_filename (f->top, "copy", NULL);
  g_autoptr(HostileCli) cli = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GPtrArray) written = NULL;
  guint n_ok, n_failed, n_files = 0;
  const char *args[] = { "--stats", "--no-cache", "--sizes", "64,32", "--format", "png", "-o", f->out, page, NULL };

  if (!can_unshare ())
    {
      g_test_skip ("unshare -rm is not permitted here: no small file system to fill");
      return;
    }

  g_assert_cmpint (g_mkdir_with_parents (f->out, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (copy, 0755), ==, 0);
  cli = run_cli_on_tmpfs (f->out, "size=64k", copy, args);

  /* Some images fit, the rest fail for want of room: "some failed" (1) */
  g_assert_cmpint (cli->status, ==, 1);
  n_ok = hostile_stats_field (cli->out, "items_ok");
  n_failed = hostile_stats_field (cli->out, "items_failed");
  g_test_message ("%u saved, %u failed", n_ok, n_failed);
  g_assert_cmpuint (n_ok, >, 0);
  g_assert_cmpuint (n_failed, >, 0);
  g_assert_cmpuint (n_ok + n_failed, ==, f->n_images);

  failures = failure_lines (cli->err);
  g_assert_cmpuint (failures->len, ==, n_failed);
  for (guint i = 0; i < failures->len; i++)
    {
      const char *message = g_ptr_array_index (failures, i);

      hostile_assert_one_sentence (message);
      g_assert_nonnull (strstr (message, g_strerror (ENOSPC)));
    }

  /* What is on the disk is whole, and no temporary file is left */
  written = hostile_list_tree (copy);
  for (guint i = 0; i < written->len; i++)
    g_test_message ("on the full disk: %s", (char *) g_ptr_array_index (written, i));
  g_assert_cmpuint (hostile_count_temp_files (copy), ==, 0);
  n_files = hostile_assert_files_decode (copy);

  /* Every image that is done has its two sizes, and one that failed has
   * none: no half-saved image either */
  g_assert_cmpuint (n_files, ==, 2 * n_ok);
  for (guint i = 0; i < written->len; i++)
    {
      const char *relative = g_ptr_array_index (written, i);

      if (g_str_has_prefix (relative, "64/"))
        {
          g_autofree char *other = g_strconcat (copy, "/32/", relative + 3, NULL);

          g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));
        }
    }
}

/* The output folder is removed while images are still being saved */
typedef struct {
  Fixture  *f;
  gboolean  removed;
  char     *victim;  /* when set, the folder is replaced by a link to it */
} Vanish;

static void
on_done_changed (GObject    *run,
                 GParamSpec *pspec,
                 gpointer    data)
{
  Vanish *vanish = data;

  if (vanish->removed || vignette_run_get_n_done (VIGNETTE_RUN (run)) == 0)
    return;

  vanish->removed = TRUE;
  vignette_test_remove_tree (vanish->f->out);
  g_assert_false (g_file_test (vanish->f->out, G_FILE_TEST_EXISTS));

  /* Someone else's folder appears where ours was */
  if (vanish->victim != NULL)
    g_assert_cmpint (symlink (vanish->victim, vanish->f->out), ==, 0);
}

static void
check_folder_vanishes (Fixture    *f,
                       const char *victim)
{
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autoptr(VignetteRun) run = hostile_run_new ();
  g_autoptr(GFile) output = g_file_new_for_path (f->out);
  g_autoptr(GError) error = NULL;
  Vanish vanish = { f, FALSE, (char *) victim };
  GListModel *items;
  guint n_failed = 0;

  /* One image at a time, so that most are still to be saved when it goes */
  g_object_set (run, "jobs", 1, "threads", 1, NULL);
  vignette_test_server_set_latency (f->server, 20);
  vignette_run_set_output (run, output);
  g_signal_connect (run, "notify::n-done", G_CALLBACK (on_done_changed), &vanish);

  hostile_run_source (run, page);
  error = hostile_run_execute (run, NULL, 60000);
  g_assert_no_error (error);
  hostile_assert_all_finished (run);
  g_assert_true (vanish.removed);

  /* The images saved after it went fail with the system's reason (or are
   * saved in a folder made again at the same place): none hangs or crashes */
  items = vignette_run_get_items (run);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);

      if (vignette_item_get_state (item) == VIGNETTE_ITEM_STATE_FAILED)
        {
          hostile_assert_failed (item, g_strerror (ENOENT));
          n_failed++;
        }
    }
  g_test_message ("%u of %u failed after the folder went", n_failed, f->n_images);

  /* Nothing was written anywhere but below the output folder's place */
  {
    g_autoptr(GPtrArray) tree = hostile_list_tree (f->top);

    for (guint i = 0; i < tree->len; i++)
      {
        const char *relative = g_ptr_array_index (tree, i);

        g_test_message ("left: %s", relative);
        if (!(g_str_equal (relative, "out") || g_str_has_prefix (relative, "out/") ||
              g_str_equal (relative, "victim")))
          g_test_fail_printf ("Written outside the output folder: %s", relative);
      }
    g_assert_cmpuint (hostile_count_temp_files (f->top), ==, 0);
  }
}

static void
test_folder_disappears (Fixture       *f,
                        gconstpointer  data)
{
  check_folder_vanishes (f, NULL);
}

static void
test_folder_replaced_by_link (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *victim = g_build_filename (f->top, "victim", NULL);
  g_autoptr(GPtrArray) in_victim = NULL;

  g_assert_cmpint (g_mkdir_with_parents (victim, 0755), ==, 0);
  check_folder_vanishes (f, victim);

  /* The saver holds the folder it opened: a link put in its place later
   * leads nowhere, and the folder it points at stays untouched */
  in_victim = hostile_list_tree (victim);
  for (guint i = 0; i < in_victim->len; i++)
    g_test_fail_printf ("Written through the link: %s", (char *) g_ptr_array_index (in_victim, i));
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/hostile/disk/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("read-only-mount", test_read_only_mount);
  ADD ("read-only-folder", test_read_only_folder);
  ADD ("output-is-a-file", test_output_is_a_file);
  ADD ("full", test_disk_full);
  ADD ("folder-disappears", test_folder_disappears);
  ADD ("folder-replaced-by-link", test_folder_replaced_by_link);

#undef ADD

  return g_test_run ();
}
