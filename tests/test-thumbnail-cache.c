/* test-thumbnail-cache.c: the freedesktop.org thumbnail cache is written per the spec, trusted when valid, replaced when stale
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * https://specifications.freedesktop.org/thumbnail-spec/latest/ : a PNG at
 * $XDG_CACHE_HOME/thumbnails/<flavor>/<md5 of the URI>.png with tEXt chunks
 * Thumb::URI and Thumb::MTime, mode 0600 in 0700 folders; failures under
 * fail/<program>/. Every run here is over a fresh folder of images, so each
 * test has its own URIs (and cache entries) even though the cache folder is
 * shared by the tests of this program.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "test-images.h"
#include "test-utils.h"
#include "vignette-run.h"
#include "vignette-thumbnail-cache.h"

static const char * const written_flavors[] = { "normal", "large", "x-large" };
static const guint written_sizes[] = { 128, 256, 512 };

/* Paths and flavors ---------------------------------------------------------- */

static void
test_paths (void)
{
  /* The spec's own example */
  const char *uri = "file:///home/jens/photos/me.png";
  const char *flavors[] = { "normal", "large", "x-large", "xx-large" };
  g_autofree char *fail = vignette_cache_get_fail_path (uri);
  g_autofree char *fail_folder = g_strconcat ("vignette-", PACKAGE_VERSION, NULL);
  g_autofree char *expected_fail = g_build_filename (g_get_user_cache_dir (), "thumbnails", "fail",
                                                     fail_folder, "c6ee772d9e49320e97ec29a7eb5b1697.png", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flavors); i++)
    {
      g_autofree char *path = vignette_cache_get_path (flavors[i], uri);
      g_autofree char *expected = g_build_filename (g_get_user_cache_dir (), "thumbnails", flavors[i],
                                                    "c6ee772d9e49320e97ec29a7eb5b1697.png", NULL);

      g_assert_cmpstr (path, ==, expected);
    }

  g_assert_cmpstr (fail, ==, expected_fail);

  /* The URI is hashed as given: escaped characters stay escaped */
  {
    g_autofree char *a = vignette_cache_get_path ("normal", "file:///tmp/a%20b.png");
    g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, "file:///tmp/a%20b.png", -1);
    g_autofree char *basename = g_strconcat (md5, ".png", NULL);
    g_autofree char *actual = g_path_get_basename (a);

    g_assert_cmpstr (actual, ==, basename);
  }
}

static void
test_flavor_for_size (void)
{
  static const struct { guint size; const char *name; guint flavor_size; } table[] = {
    { 1, "normal", 128 }, { 100, "normal", 128 }, { 128, "normal", 128 },
    { 129, "large", 256 }, { 200, "large", 256 }, { 256, "large", 256 },
    { 257, "x-large", 512 }, { 300, "x-large", 512 }, { 500, "x-large", 512 }, { 512, "x-large", 512 },
    { 513, "xx-large", 1024 }, { 1024, "xx-large", 1024 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const VignetteCacheFlavor *flavor = vignette_cache_flavor_for_size (table[i].size);

      g_assert_nonnull (flavor);
      g_assert_cmpstr (flavor->name, ==, table[i].name);
      g_assert_cmpuint (flavor->size, ==, table[i].flavor_size);
    }

  g_assert_null (vignette_cache_flavor_for_size (1025));
  g_assert_null (vignette_cache_flavor_for_size (4096));
}

static void
test_encode (void)
{
  g_autoptr(GdkPixbuf) pixbuf = vignette_test_pixbuf_new_solid (128, 96, FALSE, VIGNETTE_TEST_BLUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *mtime = NULL;
  g_autofree char *width = NULL;
  const char *file_uri = "file:///tmp/caf%C3%A9/photo.jpg";

  bytes = vignette_cache_encode (pixbuf, file_uri, 1700000000, 4000, 3000, &error);
  g_assert_no_error (error);

  /* Real tEXt chunks, as the spec requires, with the exact values */
  uri = vignette_test_png_get_text (bytes, "Thumb::URI");
  mtime = vignette_test_png_get_text (bytes, "Thumb::MTime");
  width = vignette_test_png_get_text (bytes, "Thumb::Image::Width");
  g_assert_cmpstr (uri, ==, file_uri);
  g_assert_cmpstr (mtime, ==, "1700000000");
  g_assert_cmpstr (width, ==, "4000");

  decoded = vignette_test_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 128);
  g_assert_cmpint (gdk_pixbuf_get_height (decoded), ==, 96);
  g_assert_true (vignette_test_pixel_is (decoded, 64, 48, VIGNETTE_TEST_BLUE, 0));

  g_assert_true (vignette_cache_pixbuf_is_valid (decoded, file_uri, 1700000000));
  g_assert_false (vignette_cache_pixbuf_is_valid (decoded, file_uri, 1700000001));
  g_assert_false (vignette_cache_pixbuf_is_valid (decoded, "file:///tmp/other.jpg", 1700000000));
  g_assert_false (vignette_cache_pixbuf_is_valid (pixbuf, file_uri, 1700000000));
}

static void
test_validity (void)
{
  g_autoptr(GdkPixbuf) pixbuf = vignette_test_pixbuf_new_solid (16, 16, FALSE, VIGNETTE_TEST_BLUE);
  static const struct { const char *mtime; gboolean valid; } cases[] = {
    { "1234", TRUE }, { "1234.5", FALSE }, { "12abc", FALSE }, { "", FALSE }, { "-1234", FALSE },
    { " 1234", FALSE }, { "01234", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *buffer = NULL;
      gsize length = 0;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GdkPixbuf) decoded = NULL;

      g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", NULL,
                                                "tEXt::Thumb::URI", "file:///x.png",
                                                "tEXt::Thumb::MTime", cases[i].mtime, NULL));
      bytes = g_bytes_new_take (buffer, length);
      decoded = vignette_test_decode (bytes, NULL);
      g_assert_nonnull (decoded);

      g_test_message ("MTime “%s”", cases[i].mtime);
      g_assert_cmpint (vignette_cache_pixbuf_is_valid (decoded, "file:///x.png", 1234), ==, cases[i].valid);
    }
}

/* Runs over local folders ----------------------------------------------------- */

typedef struct {
  gboolean done;
  GError  *error;
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

static VignetteRun *
run_source (const char *source,
            gboolean    use_cache,
            const guint *sizes,
            guint        n_sizes)
{
  VignetteRun *run = vignette_run_new ();
  g_autoptr(GError) error = NULL;
  RunState state = { FALSE, NULL };

  g_object_set (run, "use-cache", use_cache, "keep-thumbnails", TRUE, NULL);
  if (sizes != NULL)
    vignette_run_set_sizes (run, sizes, n_sizes);
  g_assert_true (vignette_run_add_source (run, source, 1, 1, &error));
  g_assert_no_error (error);

  vignette_run_execute_async (run, NULL, on_executed, &state);
  vignette_test_spin_until (&state.done, 60000);
  g_assert_no_error (state.error);

  /* For the log: how each item ended */
  {
    GListModel *items = vignette_run_get_items (run);

    for (guint i = 0; i < g_list_model_get_n_items (items); i++)
      {
        g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
        const char *message = vignette_item_get_error_message (item);

        g_test_message ("%s: %s%s%s", vignette_item_get_uri (item),
                        vignette_item_state_to_string (vignette_item_get_state (item)),
                        message ? ": " : "", message ? message : "");
      }
  }

  return run;
}

static VignetteItem *
find_item (VignetteRun *run,
           const char  *uri)
{
  GListModel *items = vignette_run_get_items (run);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);

      if (g_strcmp0 (vignette_item_get_uri (item), uri) == 0)
        return item;
    }

  g_error ("no item for %s", uri);
}

static char *
uri_of (const char *path)
{
  char *uri = g_filename_to_uri (path, NULL, NULL);

  g_assert_nonnull (uri);
  return uri;
}

static guint64
mtime_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return (guint64) st.st_mtime;
}

static GBytes *
read_bytes (const char *path)
{
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  return g_bytes_new_take (contents, length);
}

/* A cache entry per the spec: a PNG with the URI and MTime in tEXt chunks,
 * mode 0600 in a 0700 folder, no larger than its flavor */
static void
assert_valid_entry (const char *flavor,
                    guint       flavor_size,
                    const char *path,
                    int         expected_width,
                    int         expected_height)
{
  g_autofree char *uri = uri_of (path);
  g_autofree char *entry = vignette_cache_get_path (flavor, uri);
  g_autofree char *folder = g_path_get_dirname (entry);
  g_autofree char *mtime = g_strdup_printf ("%" G_GUINT64_FORMAT, mtime_of (path));
  g_autoptr(GBytes) bytes = read_bytes (entry);
  g_autofree char *thumb_uri = NULL;
  g_autofree char *thumb_mtime = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_test_message ("%s entry of %s: %s", flavor, uri, entry);
  g_assert_nonnull (bytes);

  thumb_uri = vignette_test_png_get_text (bytes, "Thumb::URI");
  thumb_mtime = vignette_test_png_get_text (bytes, "Thumb::MTime");
  g_assert_cmpstr (thumb_uri, ==, uri);
  g_assert_cmpstr (thumb_mtime, ==, mtime);

  g_assert_cmpint (g_stat (entry, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (g_stat (folder, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);

  pixbuf = vignette_test_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (MAX (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf)), <=, flavor_size);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, expected_width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, expected_height);
}

typedef struct {
  char *folder;
  char *landscape;   /* 800×600 JPEG */
  char *portrait;    /* 600×800 PNG */
  char *small;       /* 100×50 PNG */
} Images;

static void
images_clear (Images *images)
{
  vignette_test_remove_tree (images->folder);
  g_clear_pointer (&images->folder, g_free);
  g_clear_pointer (&images->landscape, g_free);
  g_clear_pointer (&images->portrait, g_free);
  g_clear_pointer (&images->small, g_free);
}

static void
images_init (Images *images)
{
  g_autoptr(GBytes) landscape = vignette_test_make_image (800, 600, "jpeg", FALSE);
  g_autoptr(GBytes) portrait = vignette_test_make_image (600, 800, "png", FALSE);
  g_autoptr(GBytes) small = vignette_test_make_image (100, 50, "png", FALSE);

  images->folder = vignette_test_make_temp_dir ();
  images->landscape = g_build_filename (images->folder, "landscape.jpg", NULL);
  images->portrait = g_build_filename (images->folder, "portrait.png", NULL);
  images->small = g_build_filename (images->folder, "small.png", NULL);
  vignette_test_write_file (images->landscape, landscape);
  vignette_test_write_file (images->portrait, portrait);
  vignette_test_write_file (images->small, small);
}

static void
assert_entries (const Images *images)
{
  static const int landscape[][2] = { { 128, 96 }, { 256, 192 }, { 512, 384 } };

  for (guint f = 0; f < G_N_ELEMENTS (written_flavors); f++)
    {
      assert_valid_entry (written_flavors[f], written_sizes[f], images->landscape,
                          landscape[f][0], landscape[f][1]);
      assert_valid_entry (written_flavors[f], written_sizes[f], images->portrait,
                          landscape[f][1], landscape[f][0]);
      /* Never larger than the original */
      assert_valid_entry (written_flavors[f], written_sizes[f], images->small, 100, 50);
    }
}

static void
assert_item_done (VignetteRun *run,
                  const char  *path,
                  int          width,
                  int          height)
{
  g_autofree char *uri = uri_of (path);
  VignetteItem *item = find_item (run, uri);
  VignetteThumbnails *thumbnails = vignette_item_get_thumbnails (item);
  const VignetteThumbnail *largest;

  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_DONE);
  g_assert_cmpint (vignette_item_get_width (item), ==, width);
  g_assert_cmpint (vignette_item_get_height (item), ==, height);
  g_assert_nonnull (thumbnails);
  g_assert_cmpuint (vignette_thumbnails_get_n_sizes (thumbnails), ==, 5);
  largest = vignette_thumbnails_lookup (thumbnails, 500);
  if (MAX (width, height) <= 500)
    {
      g_assert_cmpint (largest->width, ==, width);
      g_assert_cmpint (largest->height, ==, height);
    }
  else
    {
      g_assert_cmpint (largest->width, ==, (int) (500.0 * width / MAX (width, height) + 0.5));
      g_assert_cmpint (largest->height, ==, (int) (500.0 * height / MAX (width, height) + 0.5));
    }
}

/* The first run writes the entries; the second reads them all */
static void
test_run_writes_and_reuses (void)
{
  Images images = { 0 };
  g_autoptr(VignetteRun) first = NULL;
  g_autoptr(VignetteRun) second = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *landscape_uri = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *xx_large = NULL;
  VignetteRunStats stats;

  images_init (&images);
  landscape_uri = uri_of (images.landscape);

  first = run_source (images.folder, TRUE, NULL, 0);
  vignette_run_get_stats (first, &stats);
  g_assert_cmpuint (stats.n_done, ==, 3);
  g_assert_cmpuint (stats.n_from_cache, ==, 0);
  assert_entries (&images);

  /* Only the flavors the sizes need */
  xx_large = vignette_cache_get_path ("xx-large", landscape_uri);
  g_assert_false (g_file_test (xx_large, G_FILE_TEST_EXISTS));

  entry = vignette_cache_get_path ("x-large", landscape_uri);
  before = read_bytes (entry);

  second = run_source (images.folder, TRUE, NULL, 0);
  vignette_run_get_stats (second, &stats);
  g_assert_cmpuint (stats.n_done, ==, 3);
  g_assert_cmpuint (stats.n_from_cache, ==, 3);

  /* Still the right results, with the originals' sizes */
  assert_item_done (second, images.landscape, 800, 600);
  assert_item_done (second, images.portrait, 600, 800);
  assert_item_done (second, images.small, 100, 50);
  {
    g_autofree char *uri = uri_of (images.portrait);
    VignetteThumbnails *t = vignette_item_get_thumbnails (find_item (second, uri));
    const VignetteThumbnail *t500 = vignette_thumbnails_lookup (t, 500);
    const VignetteThumbnail *t100 = vignette_thumbnails_lookup (t, 100);

    g_assert_cmpint (t500->width, ==, 375);
    g_assert_cmpint (t500->height, ==, 500);
    g_assert_cmpint (t100->width, ==, 75);
    g_assert_cmpint (t100->height, ==, 100);
  }

  /* A valid entry is read, not rewritten */
  after = read_bytes (entry);
  g_assert_true (g_bytes_equal (before, after));
  assert_entries (&images);

  images_clear (&images);
}

/* Touching a file makes its entries stale: decoded again and replaced */
static void
test_stale (void)
{
  Images images = { 0 };
  g_autoptr(VignetteRun) first = NULL;
  g_autoptr(VignetteRun) second = NULL;
  g_autoptr(GBytes) red = vignette_test_make_solid_image (800, 600, "png", VIGNETTE_TEST_RED);
  g_autofree char *uri = NULL;
  struct utimbuf times;
  VignetteRunStats stats;

  images_init (&images);
  uri = uri_of (images.landscape);

  first = run_source (images.folder, TRUE, NULL, 0);
  assert_entries (&images);

  /* New content and a new modification time */
  vignette_test_write_file (images.landscape, red);
  times.actime = times.modtime = (time_t) mtime_of (images.landscape) + 1000;
  g_assert_cmpint (g_utime (images.landscape, &times), ==, 0);

  second = run_source (images.folder, TRUE, NULL, 0);
  vignette_run_get_stats (second, &stats);
  g_assert_cmpuint (stats.n_done, ==, 3);
  g_assert_cmpuint (stats.n_from_cache, ==, 2);

  /* The entries carry the new time (checked by assert_entries) and the new picture */
  assert_entries (&images);
  {
    g_autofree char *entry = vignette_cache_get_path ("normal", uri);
    g_autoptr(GError) error = NULL;
    g_autoptr(GdkPixbuf) pixbuf = vignette_test_decode_file (entry, &error);
    VignetteThumbnails *t = vignette_item_get_thumbnails (find_item (second, uri));
    g_autoptr(GdkPixbuf) shown = vignette_test_decode (vignette_thumbnails_lookup (t, 100)->bytes, &error);

    g_assert_no_error (error);
    g_assert_true (vignette_test_pixel_is (pixbuf, 64, 48, VIGNETTE_TEST_RED, 4));
    g_assert_true (vignette_test_pixel_is (shown, 50, 37, VIGNETTE_TEST_RED, 8));
  }

  images_clear (&images);
}

/* Writes the kind of entry another program (Nautilus) makes: a PNG with
 * just the two required tEXt chunks */
static void
write_foreign_entry (const char *flavor,
                     const char *uri,
                     guint64     mtime,
                     int         width,
                     int         height,
                     guint32     colour)
{
  g_autoptr(GdkPixbuf) pixbuf = vignette_test_pixbuf_new_solid (width, height, FALSE, colour);
  g_autofree char *path = vignette_cache_get_path (flavor, uri);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *mtime_text = g_strdup_printf ("%" G_GUINT64_FORMAT, mtime);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  gdk_pixbuf_save (pixbuf, path, "png", &error,
                   "tEXt::Thumb::URI", uri,
                   "tEXt::Thumb::MTime", mtime_text,
                   NULL);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
}

static GdkPixbuf *
shown_thumbnail (VignetteRun *run,
                 const char  *uri,
                 guint        size)
{
  VignetteItem *item = find_item (run, uri);
  VignetteThumbnails *thumbnails = vignette_item_get_thumbnails (item);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf;

  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_DONE);
  g_assert_nonnull (thumbnails);
  pixbuf = vignette_test_decode (vignette_thumbnails_lookup (thumbnails, size)->bytes, &error);
  g_assert_no_error (error);

  return pixbuf;
}

/* A valid entry someone else wrote is used instead of decoding: the
 * original is red, the entry green, and the thumbnails come out green */
static void
test_foreign_entry (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (folder, "red.png", NULL);
  g_autoptr(GBytes) red = vignette_test_make_solid_image (1024, 768, "png", VIGNETTE_TEST_RED);
  g_autoptr(VignetteRun) run = NULL;
  g_autoptr(GdkPixbuf) shown = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *entry = NULL;
  VignetteRunStats stats;

  vignette_test_write_file (path, red);
  uri = uri_of (path);
  write_foreign_entry ("x-large", uri, mtime_of (path), 512, 384, VIGNETTE_TEST_GREEN);
  entry = vignette_cache_get_path ("x-large", uri);
  before = read_bytes (entry);

  run = run_source (folder, TRUE, NULL, 0);
  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_from_cache, ==, 1);

  shown = shown_thumbnail (run, uri, 200);
  g_assert_cmpint (gdk_pixbuf_get_width (shown), ==, 200);
  g_assert_cmpint (gdk_pixbuf_get_height (shown), ==, 150);
  g_assert_true (vignette_test_pixel_is (shown, 100, 75, VIGNETTE_TEST_GREEN, 8));

  after = read_bytes (entry);
  g_assert_true (g_bytes_equal (before, after));

  vignette_test_remove_tree (folder);
}

/* The sizes 100..200 are served by the "large" flavor, which is what
 * Nautilus writes most */
static void
test_foreign_entry_large (void)
{
  static const guint sizes[] = { 200, 100 };
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (folder, "red.png", NULL);
  g_autoptr(GBytes) red = vignette_test_make_solid_image (1024, 768, "png", VIGNETTE_TEST_RED);
  g_autoptr(VignetteRun) run = NULL;
  g_autoptr(GdkPixbuf) shown = NULL;
  g_autofree char *uri = NULL;
  VignetteRunStats stats;

  vignette_test_write_file (path, red);
  uri = uri_of (path);
  write_foreign_entry ("large", uri, mtime_of (path), 256, 192, VIGNETTE_TEST_GREEN);

  run = run_source (folder, TRUE, sizes, G_N_ELEMENTS (sizes));
  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_from_cache, ==, 1);

  shown = shown_thumbnail (run, uri, 100);
  g_assert_cmpint (gdk_pixbuf_get_width (shown), ==, 100);
  g_assert_cmpint (gdk_pixbuf_get_height (shown), ==, 75);
  g_assert_true (vignette_test_pixel_is (shown, 50, 37, VIGNETTE_TEST_GREEN, 8));

  vignette_test_remove_tree (folder);
}

/* Entries that must not be trusted: another file's URI, a stale time, and
 * bytes that are no PNG at all. Each image is decoded from its original
 * (red), and its entry replaced by a valid one. */
static void
test_untrusted_entries (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autoptr(GBytes) red = vignette_test_make_solid_image (800, 600, "png", VIGNETTE_TEST_RED);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("this is not a PNG file at all", 29);
  g_autoptr(VignetteRun) run = NULL;
  const char *names[] = { "other-uri.png", "stale.png", "garbage.png" };
  char *paths[3] = { NULL, };
  char *uris[3] = { NULL, };
  VignetteRunStats stats;

  for (guint i = 0; i < 3; i++)
    {
      paths[i] = g_build_filename (folder, names[i], NULL);
      vignette_test_write_file (paths[i], red);
      uris[i] = uri_of (paths[i]);
    }

  write_foreign_entry ("x-large", uris[0], mtime_of (paths[0]), 512, 384, VIGNETTE_TEST_GREEN);
  {
    /* The entry names another file: move it under this file's name */
    g_autofree char *wrong = vignette_cache_get_path ("x-large", uris[0]);
    g_autofree char *other_uri = g_strconcat (uris[0], "-elsewhere", NULL);

    write_foreign_entry ("x-large", other_uri, mtime_of (paths[0]), 512, 384, VIGNETTE_TEST_GREEN);
    g_unlink (wrong);
    {
      g_autofree char *from = vignette_cache_get_path ("x-large", other_uri);
      g_assert_cmpint (g_rename (from, wrong), ==, 0);
    }
  }
  write_foreign_entry ("x-large", uris[1], mtime_of (paths[1]) - 10, 512, 384, VIGNETTE_TEST_GREEN);
  {
    g_autofree char *entry = vignette_cache_get_path ("x-large", uris[2]);
    vignette_test_write_file (entry, garbage);
  }

  run = run_source (folder, TRUE, NULL, 0);
  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_from_cache, ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GdkPixbuf) shown = NULL;
      VignetteItem *item = find_item (run, uris[i]);

      g_test_message ("%s", names[i]);
      if (vignette_item_get_state (item) != VIGNETTE_ITEM_STATE_DONE)
        {
          /* Not fatal, so that the other two cases are still checked */
          g_test_fail_printf ("%s ended %s: %s", names[i],
                              vignette_item_state_to_string (vignette_item_get_state (item)),
                              vignette_item_get_error_message (item));
          continue;
        }
      shown = shown_thumbnail (run, uris[i], 100);
      g_assert_true (vignette_test_pixel_is (shown, 50, 37, VIGNETTE_TEST_RED, 8));
      assert_valid_entry ("x-large", 512, paths[i], 512, 384);
    }

  for (guint i = 0; i < 3; i++)
    {
      g_free (paths[i]);
      g_free (uris[i]);
    }
  vignette_test_remove_tree (folder);
}

/* An image that cannot be read gets an entry under fail/vignette-<version>/ */
static void
test_failure_entry (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (folder, "broken.jpg", NULL);
  g_autoptr(GBytes) jpeg = vignette_test_make_image (400, 300, "jpeg", FALSE);
  g_autoptr(GBytes) broken = vignette_test_truncate (jpeg, 120);
  g_autoptr(VignetteRun) run = NULL;
  g_autoptr(GBytes) entry_bytes = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *folder_of_entry = NULL;
  g_autofree char *thumb_uri = NULL;
  g_autofree char *thumb_mtime = NULL;
  g_autofree char *expected_mtime = NULL;
  VignetteRunStats stats;
  struct stat st;

  vignette_test_write_file (path, broken);
  uri = uri_of (path);

  run = run_source (folder, TRUE, NULL, 0);
  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_failed, ==, 1);
  g_assert_cmpint (vignette_item_get_state (find_item (run, uri)), ==, VIGNETTE_ITEM_STATE_FAILED);

  entry = vignette_cache_get_fail_path (uri);
  folder_of_entry = g_path_get_dirname (entry);
  g_assert_true (g_str_has_suffix (folder_of_entry, "/thumbnails/fail/vignette-" PACKAGE_VERSION));
  entry_bytes = read_bytes (entry);
  g_assert_nonnull (entry_bytes);

  thumb_uri = vignette_test_png_get_text (entry_bytes, "Thumb::URI");
  thumb_mtime = vignette_test_png_get_text (entry_bytes, "Thumb::MTime");
  expected_mtime = g_strdup_printf ("%" G_GUINT64_FORMAT, mtime_of (path));
  g_assert_cmpstr (thumb_uri, ==, uri);
  g_assert_cmpstr (thumb_mtime, ==, expected_mtime);
  g_assert_cmpint (g_stat (entry, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  /* A failure makes no normal entries */
  for (guint f = 0; f < G_N_ELEMENTS (written_flavors); f++)
    {
      g_autofree char *normal = vignette_cache_get_path (written_flavors[f], uri);
      g_assert_false (g_file_test (normal, G_FILE_TEST_EXISTS));
    }

  vignette_test_remove_tree (folder);
}

/* use-cache=FALSE neither reads (a green entry is ignored) nor writes
 * (nothing new appears under thumbnails/, not even for a failure) */
static void
test_disabled (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (folder, "red.png", NULL);
  g_autofree char *broken_path = g_build_filename (folder, "broken.jpg", NULL);
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "thumbnails", NULL);
  g_autoptr(GBytes) red = vignette_test_make_solid_image (800, 600, "png", VIGNETTE_TEST_RED);
  g_autoptr(GBytes) broken = g_bytes_new_static ("\xff\xd8\xff\xe0 broken", 11);
  g_autoptr(VignetteRun) run = NULL;
  g_autoptr(GdkPixbuf) shown = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *broken_uri = NULL;
  g_autofree char *fail = NULL;
  VignetteRunStats stats;

  vignette_test_write_file (path, red);
  vignette_test_write_file (broken_path, broken);
  uri = uri_of (path);
  broken_uri = uri_of (broken_path);
  write_foreign_entry ("x-large", uri, mtime_of (path), 512, 384, VIGNETTE_TEST_GREEN);
  before = vignette_test_list_files (cache, NULL);

  run = run_source (folder, FALSE, NULL, 0);
  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_from_cache, ==, 0);
  g_assert_cmpuint (stats.n_done, ==, 1);
  g_assert_cmpuint (stats.n_failed, ==, 1);

  shown = shown_thumbnail (run, uri, 100);
  g_assert_true (vignette_test_pixel_is (shown, 50, 37, VIGNETTE_TEST_RED, 8));

  after = vignette_test_list_files (cache, NULL);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < after->len; i++)
    g_assert_cmpstr (g_ptr_array_index (after, i), ==, g_ptr_array_index (before, i));
  fail = vignette_cache_get_fail_path (broken_uri);
  g_assert_false (g_file_test (fail, G_FILE_TEST_EXISTS));

  vignette_test_remove_tree (folder);
}

/* With sizes up to 100 only the "normal" flavor is written, and read back */
static void
test_small_sizes_flavor (void)
{
  static const guint sizes[] = { 100, 64 };
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (folder, "photo.jpg", NULL);
  g_autoptr(GBytes) jpeg = vignette_test_make_image (640, 480, "jpeg", FALSE);
  g_autoptr(VignetteRun) first = NULL;
  g_autoptr(VignetteRun) second = NULL;
  g_autofree char *uri = NULL;
  VignetteRunStats stats;

  vignette_test_write_file (path, jpeg);
  uri = uri_of (path);

  first = run_source (folder, TRUE, sizes, G_N_ELEMENTS (sizes));
  assert_valid_entry ("normal", 128, path, 128, 96);
  for (guint f = 1; f < G_N_ELEMENTS (written_flavors); f++)
    {
      g_autofree char *other = vignette_cache_get_path (written_flavors[f], uri);
      g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
    }

  second = run_source (folder, TRUE, sizes, G_N_ELEMENTS (sizes));
  vignette_run_get_stats (second, &stats);
  g_assert_cmpuint (stats.n_from_cache, ==, 1);
  {
    VignetteThumbnails *t = vignette_item_get_thumbnails (find_item (second, uri));

    g_assert_cmpint (vignette_thumbnails_lookup (t, 100)->width, ==, 100);
    g_assert_cmpint (vignette_thumbnails_lookup (t, 100)->height, ==, 75);
    g_assert_cmpint (vignette_thumbnails_lookup (t, 64)->width, ==, 64);
    g_assert_cmpint (vignette_thumbnails_lookup (t, 64)->height, ==, 48);
  }

  vignette_test_remove_tree (folder);
}

/* Images from the web have no place in the desktop's cache */
static void
test_http_not_cached (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = NULL;
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "thumbnails", NULL);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(VignetteRun) run = NULL;
  VignetteRunStats stats;

  vignette_test_server_add_image (server, "/web.png", 640, 480, "png");
  uri = vignette_test_server_get_uri (server, "/web.png");
  before = vignette_test_list_files (cache, NULL);

  run = run_source (uri, TRUE, NULL, 0);
  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_done, ==, 1);

  after = vignette_test_list_files (cache, NULL);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint f = 0; f < G_N_ELEMENTS (written_flavors); f++)
    {
      g_autofree char *entry = vignette_cache_get_path (written_flavors[f], uri);
      g_assert_false (g_file_test (entry, G_FILE_TEST_EXISTS));
    }
}

int
main (int   argc,
      char *argv[])
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/thumbnail-cache/paths", test_paths);
  g_test_add_func ("/core/thumbnail-cache/flavor-for-size", test_flavor_for_size);
  g_test_add_func ("/core/thumbnail-cache/encode", test_encode);
  g_test_add_func ("/core/thumbnail-cache/validity", test_validity);
  g_test_add_func ("/core/thumbnail-cache/run-writes-and-reuses", test_run_writes_and_reuses);
  g_test_add_func ("/core/thumbnail-cache/stale", test_stale);
  g_test_add_func ("/core/thumbnail-cache/foreign-entry", test_foreign_entry);
  g_test_add_func ("/core/thumbnail-cache/foreign-entry-large", test_foreign_entry_large);
  g_test_add_func ("/core/thumbnail-cache/untrusted-entries", test_untrusted_entries);
  g_test_add_func ("/core/thumbnail-cache/failure-entry", test_failure_entry);
  g_test_add_func ("/core/thumbnail-cache/disabled", test_disabled);
  g_test_add_func ("/core/thumbnail-cache/small-sizes-flavor", test_small_sizes_flavor);
  g_test_add_func ("/core/thumbnail-cache/http-not-cached", test_http_not_cached);

  return g_test_run ();
}
