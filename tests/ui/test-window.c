/* test-window.c: the window's actions follow its run; whole-run errors; the detail view
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ui-test-utils.h"
#include "vignette-item-private.h"
#include "vignette-texture-cache.h"
#include "vignette-window-private.h"

typedef struct {
  VignetteTestServer *server;
  VignetteWindow     *window;
  gulong              finished_id;
  guint               n_finished;
} Fixture;

static void
on_run_finished (VignetteWindow *window,
                 Fixture        *f)
{
  f->n_finished++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = vignette_test_server_new ();
  /* Six images and one missing; the last image is slow, so that the run is
   * still going once the first thumbnails exist */
  vignette_test_server_add_gallery (f->server, "/gallery.html", "/img/", 6, 320, 240);
  vignette_test_server_add_html (f->server, "/broken.html",
                                 "<html><body><img src='/img/1.png'><img src='/img/2.png'>"
                                 "<img src='/missing.png'><img src='/img/6.png'></body></html>");
  vignette_test_server_set_path_latency (f->server, "/img/6.png", 1500);

  f->window = vignette_window_new (NULL);
  f->finished_id = g_signal_connect (f->window, "run-finished", G_CALLBACK (on_run_finished), f);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* The window may outlive the test (its run finishing later): it must not
   * call back into this freed fixture */
  if (f->window != NULL)
    {
      g_clear_signal_handler (&f->finished_id, f->window);
      gtk_window_destroy (GTK_WINDOW (f->window));
    }
  vignette_test_server_free (f->server);
}

static gboolean
enabled (Fixture    *f,
         const char *action)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), action);
}

static gboolean
some_done (gpointer data)
{
  Fixture *f = data;
  return vignette_run_get_n_done (vignette_window_get_run (f->window)) > 0;
}

static gboolean
not_running (gpointer data)
{
  Fixture *f = data;
  return !vignette_window_get_running (f->window);
}

static gboolean
not_saving (gpointer data)
{
  Fixture *f = data;
  return !vignette_window_get_saving (f->window);
}

static void
open_uri (Fixture    *f,
          const char *path)
{
  g_autofree char *uri = vignette_test_server_get_uri (f->server, path);
  const char *sources[] = { uri, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (vignette_window_open_sources (f->window, sources, 1, 1, NULL, &error));
  g_assert_no_error (error);
}

/* Cancel only while running, Save only once thumbnails exist, Retry only
 * when something failed and nothing runs */
static void
test_actions_follow_run (Fixture       *f,
                         gconstpointer  data)
{
  g_assert_cmpstr (vignette_window_get_page (f->window), ==, "start");
  g_assert_false (enabled (f, "cancel"));
  g_assert_false (enabled (f, "save-thumbnails"));
  g_assert_false (enabled (f, "retry-failed"));
  g_assert_false (enabled (f, "search"));

  open_uri (f, "/broken.html");
  g_assert_cmpstr (vignette_window_get_page (f->window), ==, "gallery");
  g_assert_true (vignette_window_get_running (f->window));
  g_assert_true (enabled (f, "cancel"));
  g_assert_false (enabled (f, "save-thumbnails"));
  g_assert_false (enabled (f, "retry-failed"));

  g_assert_true (vignette_ui_test_wait (some_done, f, "a first thumbnail"));
  g_assert_true (vignette_window_get_running (f->window));
  g_assert_true (enabled (f, "save-thumbnails"));
  g_assert_true (enabled (f, "cancel"));
  g_assert_false (enabled (f, "retry-failed"));

  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the run"));
  g_assert_cmpuint (f->n_finished, ==, 1);
  g_assert_cmpuint (vignette_run_get_n_done (vignette_window_get_run (f->window)), ==, 3);
  g_assert_cmpuint (vignette_run_get_n_failed (vignette_window_get_run (f->window)), ==, 1);
  g_assert_false (enabled (f, "cancel"));
  g_assert_true (enabled (f, "save-thumbnails"));
  g_assert_true (enabled (f, "retry-failed"));
  /* Done and failed counted apart: a failure is not a finished image */
  g_assert_cmpstr (vignette_gallery_page_get_progress_text (vignette_window_get_gallery_page (f->window)),
                   ==, "3 of 4 · 1 failed");
  g_assert_cmpstr (vignette_gallery_page_get_retry_text (vignette_window_get_gallery_page (f->window)),
                   ==, "Retry the 1 Failed Image");

  /* Retry: running again, the failed one only */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "retry-failed", NULL);
  g_assert_true (vignette_window_get_running (f->window));
  g_assert_true (enabled (f, "cancel"));
  g_assert_false (enabled (f, "retry-failed"));
  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the retry"));
  g_assert_cmpuint (f->n_finished, ==, 2);
  g_assert_true (enabled (f, "retry-failed"));
  g_assert_cmpuint (vignette_run_get_n_done (vignette_window_get_run (f->window)), ==, 3);
}

/* Cancel stops everything at once; what was not done can be retried */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  VignetteRun *run;

  open_uri (f, "/gallery.html");
  g_assert_true (vignette_ui_test_wait (some_done, f, "a first thumbnail"));
  g_assert_true (vignette_window_get_running (f->window));

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "cancel", NULL);
  g_assert_true (vignette_ui_test_wait (not_running, f, "the cancellation"));

  run = vignette_window_get_run (f->window);
  g_assert_cmpuint (vignette_run_get_n_cancelled (run), >=, 1);
  g_assert_cmpuint (vignette_run_get_n_done (run) + vignette_run_get_n_cancelled (run), ==, 6);
  g_assert_false (enabled (f, "cancel"));
  g_assert_true (enabled (f, "retry-failed"));

  /* A cancelled run does not read as a finished one: "5 of 6 · 1 cancelled" */
  {
    g_autofree char *expected = NULL;
    g_autofree char *retry = NULL;
    guint n_cancelled = vignette_run_get_n_cancelled (run);

    expected = g_strdup_printf ("%u of 6 · %u cancelled", vignette_run_get_n_done (run), n_cancelled);
    g_assert_cmpstr (vignette_gallery_page_get_progress_text (vignette_window_get_gallery_page (f->window)),
                     ==, expected);
    retry = g_strdup_printf (n_cancelled == 1 ? "Resume the %u Cancelled Image" : "Resume the %u Cancelled Images",
                             n_cancelled);
    g_assert_cmpstr (vignette_gallery_page_get_retry_text (vignette_window_get_gallery_page (f->window)),
                     ==, retry);
  }
}

/* Save Thumbnails: the sizes and the format of the preferences */
static void
test_save (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  const guint32 sizes[] = { 100, 300 };
  g_autofree char *saved_100 = g_build_filename (folder, "100", "1.jpg", NULL);
  g_autofree char *saved_300 = g_build_filename (folder, "300", "6.jpg", NULL);
  g_autofree char *not_saved = g_build_filename (folder, "200", NULL);

  g_settings_set_value (settings, "save-sizes",
                        g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, sizes, 2, sizeof (guint32)));
  g_settings_set_string (settings, "save-format", "jpeg");

  open_uri (f, "/gallery.html");
  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the run"));

  g_assert_true (vignette_window_save_to (f->window, file));
  g_assert_true (vignette_window_get_saving (f->window));
  g_assert_true (enabled (f, "cancel"));
  g_assert_false (enabled (f, "save-thumbnails"));
  /* The header counts what is written */
  g_assert_true (g_str_has_prefix (vignette_gallery_page_get_subtitle (vignette_window_get_gallery_page (f->window)),
                                   "Saving "));
  g_assert_true (g_str_has_suffix (vignette_gallery_page_get_subtitle (vignette_window_get_gallery_page (f->window)),
                                   " of 6…"));
  g_assert_true (vignette_ui_test_wait (not_saving, f, "the saving"));
  g_assert_cmpuint (vignette_run_get_n_saved (vignette_window_get_run (f->window)), ==, 6);
  g_assert_cmpstr (vignette_gallery_page_get_subtitle (vignette_window_get_gallery_page (f->window)), ==, "6 of 6");

  g_assert_true (g_file_test (saved_100, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (saved_300, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (not_saved, G_FILE_TEST_EXISTS));
  g_assert_true (enabled (f, "save-thumbnails"));
  g_assert_false (enabled (f, "cancel"));

  g_settings_reset (settings, "save-sizes");
  g_settings_reset (settings, "save-format");
  vignette_test_remove_tree (folder);
}

/* Nothing could be fetched: one sentence in a status page, not a grid */
static void
test_whole_run_error (Fixture       *f,
                      gconstpointer  data)
{
  VignetteGalleryPage *page = vignette_window_get_gallery_page (f->window);

  open_uri (f, "/no-such-page.html");
  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the run"));

  g_assert_cmpstr (vignette_gallery_page_get_view (page), ==, "error");
  g_assert_true (enabled (f, "retry-failed"));
  g_assert_false (enabled (f, "save-thumbnails"));

  /* An address that is not one never starts a run */
  {
    const char *sources[] = { "gopher://example.com/", NULL };
    g_autoptr(GError) error = NULL;

    g_assert_false (vignette_window_open_sources (f->window, sources, 1, 1, NULL, &error));
    g_assert_nonnull (error);
  }

  /* The next run shows its grid again */
  open_uri (f, "/gallery.html");
  g_assert_cmpstr (vignette_gallery_page_get_view (page), ==, "grid");
}

/* Activating a card opens the detail view; arrows move, Escape goes back */
static void
test_detail (Fixture       *f,
             gconstpointer  data)
{
  VignetteGalleryPage *page = vignette_window_get_gallery_page (f->window);
  VignetteDetailView *detail = vignette_window_get_detail_view (f->window);
  g_autoptr(VignetteItem) second = NULL;

  open_uri (f, "/gallery.html");
  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the run"));

  g_signal_emit_by_name (page, "item-activated", 0);
  g_assert_cmpstr (vignette_window_get_page (f->window), ==, "detail");
  g_assert_cmpuint (vignette_detail_view_get_position (detail), ==, 0);
  g_assert_cmpstr (vignette_item_get_name (vignette_detail_view_get_item (detail)), ==, "1.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.next", NULL));
  second = g_list_model_get_item (vignette_gallery_page_get_visible_items (page), 1);
  g_assert_true (vignette_detail_view_get_item (detail) == second);

  g_assert_true (vignette_ui_test_action_enabled (GTK_WIDGET (detail), "detail.previous"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.previous", NULL));
  g_assert_cmpuint (vignette_detail_view_get_position (detail), ==, 0);
  /* Nothing before the first */
  g_assert_false (vignette_ui_test_action_enabled (GTK_WIDGET (detail), "detail.previous"));
  g_assert_true (vignette_ui_test_action_enabled (GTK_WIDGET (detail), "detail.next"));
  g_assert_true (vignette_ui_test_action_enabled (GTK_WIDGET (detail), "detail.open-original"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.back", NULL));
  g_assert_cmpstr (vignette_window_get_page (f->window), ==, "gallery");
}

/* Preferences apply to the next run; zoom and window size are remembered */
static void
test_settings (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  VignetteGalleryPage *page = vignette_window_get_gallery_page (f->window);
  guint jobs, per_host, retries, threads;
  guint64 max_pixels;
  gboolean keep;

  g_settings_set_uint (settings, "jobs", 3);
  g_settings_set_uint (settings, "per-host", 2);
  g_settings_set_uint (settings, "retries", 0);
  g_settings_set_uint (settings, "threads", 1);
  g_settings_set_uint (settings, "max-megapixels", 12);

  open_uri (f, "/gallery.html");
  g_object_get (vignette_window_get_run (f->window),
                "jobs", &jobs, "per-host", &per_host, "retries", &retries, "threads", &threads,
                "max-pixels", &max_pixels, "keep-thumbnails", &keep, NULL);
  g_assert_cmpuint (jobs, ==, 3);
  g_assert_cmpuint (per_host, ==, 2);
  g_assert_cmpuint (retries, ==, 0);
  g_assert_cmpuint (threads, ==, 1);
  g_assert_cmpuint (max_pixels, ==, 12000000);
  g_assert_true (keep);
  g_assert_null (vignette_run_get_output (vignette_window_get_run (f->window)));
  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the run"));

  /* The zoom follows the setting both ways */
  g_settings_set_uint (settings, "zoom-size", 400);
  g_assert_cmpuint (vignette_gallery_page_get_zoom_size (page), ==, 400);
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "zoom-out", NULL);
  g_assert_cmpuint (g_settings_get_uint (settings, "zoom-size"), ==, 300);
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "zoom-reset", NULL);
  g_assert_cmpuint (g_settings_get_uint (settings, "zoom-size"), ==, 200);
  vignette_gallery_page_set_zoom_size (page, 500);
  g_assert_false (enabled (f, "zoom-in"));
  g_assert_true (enabled (f, "zoom-out"));

  /* The size is saved when the window closes */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 600);
  g_clear_signal_handler (&f->finished_id, f->window);
  gtk_window_close (GTK_WINDOW (f->window));
  f->window = NULL;  /* closing destroyed it */
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 800);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 600);

  for (const char **key = (const char *[]) { "jobs", "per-host", "retries", "threads", "max-megapixels",
                                              "zoom-size", "window-width", "window-height", NULL };
       *key != NULL; key++)
    g_settings_reset (settings, *key);
}

/* A folder or an address dropped on the window opens it */
static void
test_drop (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *image = g_build_filename (folder, "drop.png", NULL);
  g_autoptr(GBytes) bytes = vignette_test_make_image (64, 48, "png", FALSE);
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  g_autofree char *uri = vignette_test_server_get_uri (f->server, "/gallery.html");
  g_autofree char *text = g_strdup_printf ("# a text/uri-list\r\n%s\r\n", uri);
  g_auto(GValue) files = G_VALUE_INIT;
  g_auto(GValue) string = G_VALUE_INIT;
  g_auto(GValue) nothing = G_VALUE_INIT;
  GSList list = { file, NULL };

  vignette_test_write_file (image, bytes);

  g_value_init (&files, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&files, &list);
  g_assert_true (_vignette_window_open_dropped (f->window, &files));
  g_assert_cmpstr (vignette_window_get_page (f->window), ==, "gallery");
  g_assert_true (vignette_ui_test_wait (not_running, f, "the folder"));
  g_assert_cmpuint (vignette_run_get_n_done (vignette_window_get_run (f->window)), ==, 1);

  g_value_init (&string, G_TYPE_STRING);
  g_value_set_string (&string, text);
  g_assert_true (_vignette_window_open_dropped (f->window, &string));
  g_assert_true (vignette_ui_test_wait (not_running, f, "the dropped address"));
  g_assert_cmpuint (vignette_run_get_n_done (vignette_window_get_run (f->window)), ==, 6);

  /* Text that is no address starts nothing */
  g_value_init (&nothing, G_TYPE_STRING);
  g_value_set_string (&nothing, "  \n ");
  g_assert_false (_vignette_window_open_dropped (f->window, &nothing));

  vignette_test_remove_tree (folder);
}

/* Every page fits a 360 px wide window */
static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  const char *pages[] = { "start", "gallery", "detail" };

  open_uri (f, "/gallery.html");
  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the run"));

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      int min_width;

      if (g_str_equal (pages[i], "detail"))
        g_action_group_activate_action (G_ACTION_GROUP (f->window), "open-image", g_variant_new_uint32 (2));
      else if (g_str_equal (pages[i], "start"))
        g_action_group_activate_action (G_ACTION_GROUP (f->window), "new-gallery", NULL);
      else
        g_signal_emit_by_name (vignette_window_get_detail_view (f->window), "back");

      g_assert_cmpstr (vignette_window_get_page (f->window), ==, pages[i]);
      gtk_widget_measure (GTK_WIDGET (f->window), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
      g_test_message ("%s: at least %d px", pages[i], min_width);
      g_assert_cmpint (min_width, <=, 360);
    }
}

static gboolean
focus_settled (gpointer data)
{
  return !vignette_gallery_page_get_focus_pending (data);
}

/* Back from the detail view, the focus is on the image seen last, not on
 * the one opened first */
static void
test_focus_after_detail (Fixture       *f,
                         gconstpointer  data)
{
  VignetteGalleryPage *page = vignette_window_get_gallery_page (f->window);
  VignetteDetailView *detail = vignette_window_get_detail_view (f->window);
  GListModel *visible;
  g_autoptr(VignetteItem) third = NULL;

  open_uri (f, "/gallery.html");
  g_assert_true (vignette_ui_test_wait (not_running, f, "the end of the run"));
  visible = vignette_gallery_page_get_visible_items (page);

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "open-image", g_variant_new_uint32 (0));
  g_assert_cmpstr (vignette_window_get_page (f->window), ==, "detail");
  gtk_widget_activate_action (GTK_WIDGET (detail), "detail.next", NULL);
  gtk_widget_activate_action (GTK_WIDGET (detail), "detail.next", NULL);
  g_assert_cmpuint (vignette_detail_view_get_position (detail), ==, 2);

  gtk_widget_activate_action (GTK_WIDGET (detail), "detail.back", NULL);
  g_assert_cmpstr (vignette_window_get_page (f->window), ==, "gallery");
  g_assert_true (vignette_ui_test_wait (focus_settled, page, "the focus on a card"));

  third = g_list_model_get_item (visible, 2);
  g_assert_true (vignette_gallery_page_get_focus_item (page) == third);
}

/* A local file: its path, not file:///; "Show in Files" instead of the
 * browser; and a Format row even when the thumbnails came from the
 * desktop's thumbnail cache (the folder opened a second time), which
 * decodes nothing and so names no format */
static void
test_detail_local_file (void)
{
  g_autoptr(GListStore) store = g_list_store_new (VIGNETTE_TYPE_ITEM);
  g_autoptr(VignetteTextureCache) cache = vignette_texture_cache_new (VIGNETTE_TEXTURE_CACHE_DEFAULT_BYTES);
  g_autoptr(VignetteItem) item = vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, "file:///home/ana/Pictures/My%20Cat.jpg",
                                                    "file:///home/ana/Pictures/");
  g_autoptr(VignetteThumbnails) cached = vignette_thumbnails_new (800, 600, NULL, NULL, VIGNETTE_FORMAT_PNG);
  GtkWidget *window = gtk_window_new ();
  VignetteDetailView *detail = VIGNETTE_DETAIL_VIEW (vignette_detail_view_new ());

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (detail));
  vignette_item_set_thumbnails (item, cached);
  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DONE);
  g_list_store_append (store, item);
  vignette_detail_view_set_model (detail, G_LIST_MODEL (store), cache);
  vignette_detail_view_set_position (detail, 0);

  g_assert_cmpstr (vignette_detail_view_get_row (detail, "source"), ==, "/home/ana/Pictures/My Cat.jpg");
  g_assert_cmpstr (vignette_detail_view_get_row (detail, "page"), ==, "/home/ana/Pictures");
  g_assert_cmpstr (vignette_detail_view_get_row (detail, "format"), ==, "JPEG");
  /* The header's button shows the file in the file manager */
  g_assert_true (vignette_ui_test_action_enabled (GTK_WIDGET (detail), "detail.show-in-files"));

  /* A download keeps its address and the browser */
  {
    g_autoptr(VignetteItem) web = vignette_ui_test_make_item ("web.jpg", VIGNETTE_ITEM_STATE_DONE);

    g_list_store_append (store, web);
    vignette_detail_view_set_position (detail, 1);
    g_assert_cmpstr (vignette_detail_view_get_row (detail, "source"), ==, "https://example.com/gallery/web.jpg");
    g_assert_true (vignette_ui_test_action_enabled (GTK_WIDGET (detail), "detail.open-original"));
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  vignette_ui_test_init (&argc, &argv);

  g_test_add ("/ui/window/actions-follow-run", Fixture, NULL, fixture_set_up, test_actions_follow_run,
              fixture_tear_down);
  g_test_add ("/ui/window/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/ui/window/save", Fixture, NULL, fixture_set_up, test_save, fixture_tear_down);
  g_test_add ("/ui/window/whole-run-error", Fixture, NULL, fixture_set_up, test_whole_run_error,
              fixture_tear_down);
  g_test_add ("/ui/window/detail", Fixture, NULL, fixture_set_up, test_detail, fixture_tear_down);
  g_test_add ("/ui/window/settings", Fixture, NULL, fixture_set_up, test_settings, fixture_tear_down);
  g_test_add ("/ui/window/drop", Fixture, NULL, fixture_set_up, test_drop, fixture_tear_down);
  g_test_add ("/ui/window/narrow", Fixture, NULL, fixture_set_up, test_narrow, fixture_tear_down);
  g_test_add_func ("/ui/detail/local-file", test_detail_local_file);
  g_test_add ("/ui/window/focus-after-detail", Fixture, NULL, fixture_set_up, test_focus_after_detail,
              fixture_tear_down);

  return g_test_run ();
}
