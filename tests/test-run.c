/* test-run.c: the whole pipeline against a loopback server and local folders
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libsoup/soup.h>

#include "vignette-error.h"
#include "vignette-item-private.h"
#include "vignette-run.h"

#include "test-utils.h"

#define WAIT_MS 60000

/* Running and watching a run ------------------------------------------------ */

typedef struct {
  gboolean  done;
  guint     n_callbacks;
  gboolean  ok;
  GError   *error;
  gint64    completed_at;
} Execution;

static void
on_executed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Execution *execution = user_data;

  execution->n_callbacks++;
  execution->ok = vignette_run_execute_finish (VIGNETTE_RUN (source), result, &execution->error);
  execution->completed_at = g_get_monotonic_time ();
  execution->done = TRUE;
}

static void
execute_and_wait (VignetteRun  *run,
                  GCancellable *cancellable,
                  Execution    *execution)
{
  memset (execution, 0, sizeof *execution);
  vignette_run_execute_async (run, cancellable, on_executed, execution);
  g_assert_true (vignette_run_get_running (run));
  vignette_test_spin_until (&execution->done, WAIT_MS);
  g_assert_cmpuint (execution->n_callbacks, ==, 1);
  g_assert_false (vignette_run_get_running (run));
}

/* Watches the model: every change and every item's state change must come on
 * the main thread; counts splices and signals after the run completed. */
typedef struct {
  GThread    *main_thread;
  guint       n_changes;
  guint       n_page_replacements;
  guint       n_wrong_thread;
  gboolean    frozen;           /* the run has completed: nothing may change now */
  guint       n_after_freeze;
  GListModel *model;
  GPtrArray  *watched;          /* every item we listen to, replaced pages too */
} Watch;

static void
on_item_notify (GObject    *object,
                GParamSpec *pspec,
                gpointer    user_data)
{
  Watch *watch = user_data;

  if (g_thread_self () != watch->main_thread)
    watch->n_wrong_thread++;
  if (watch->frozen)
    watch->n_after_freeze++;
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Watch *watch = user_data;

  if (g_thread_self () != watch->main_thread)
    watch->n_wrong_thread++;
  if (watch->frozen)
    watch->n_after_freeze++;

  watch->n_changes++;
  if (removed == 1 && added >= 1)
    watch->n_page_replacements++;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      if (!g_ptr_array_find (watch->watched, item, NULL))
        {
          g_signal_connect (item, "notify", G_CALLBACK (on_item_notify), watch);
          g_ptr_array_add (watch->watched, g_object_ref (item));
        }
    }
}

static void
watch_start (Watch       *watch,
             VignetteRun *run)
{
  GListModel *model = vignette_run_get_items (run);

  memset (watch, 0, sizeof *watch);
  watch->main_thread = g_thread_self ();
  watch->model = model;
  watch->watched = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), watch);
  /* The items already there (added by add_source before we watched) */
  on_items_changed (model, 0, 0, g_list_model_get_n_items (model), watch);
  watch->n_changes = 0;
}

static void
watch_stop (Watch *watch)
{
  for (guint i = 0; i < watch->watched->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (watch->watched, i), watch);
  g_clear_pointer (&watch->watched, g_ptr_array_unref);
  g_signal_handlers_disconnect_by_data (watch->model, watch);
}

static VignetteRun *
make_run (void)
{
  VignetteRun *run = vignette_run_new ();
  const guint sizes[] = { 200, 100 };

  /* Small thumbnails and short backoffs keep the tests fast; two threads as on CI */
  g_object_set (run,
                "threads", 2,
                "retry-delay", 10,
                "use-cache", FALSE,
                NULL);
  vignette_run_set_sizes (run, sizes, G_N_ELEMENTS (sizes));
  return run;
}

static VignetteItem *
get_item (VignetteRun *run,
          guint        position)
{
  VignetteItem *item = g_list_model_get_item (vignette_run_get_items (run), position);

  g_assert_nonnull (item);
  g_object_unref (item);  /* the model keeps it */
  return item;
}

static void
assert_all_done (VignetteRun *run)
{
  guint n = vignette_run_get_n_items (run);

  for (guint i = 0; i < n; i++)
    {
      VignetteItem *item = get_item (run, i);

      if (vignette_item_get_state (item) != VIGNETTE_ITEM_STATE_DONE)
        g_error ("Item %u (%s) is %s: %s", i, vignette_item_get_uri (item),
                 vignette_item_state_to_string (vignette_item_get_state (item)),
                 vignette_item_get_error_message (item));
    }
  g_assert_cmpuint (vignette_run_get_n_done (run), ==, n);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 0);
  g_assert_cmpuint (vignette_run_get_n_cancelled (run), ==, 0);
  g_assert_cmpfloat (vignette_run_get_fraction (run), ==, 1.0);
}

static void
add_source (VignetteRun *run,
            const char  *text,
            int          first,
            int          last)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vignette_run_add_source (run, text, first, last, &error));
  g_assert_no_error (error);
}

/* A gallery of @n_images distinct small images on one page */
static char *
add_gallery (VignetteTestServer *server,
             const char         *page_path,
             const char         *prefix,
             guint               n_images)
{
  vignette_test_server_add_gallery (server, page_path, prefix, n_images, 24, 16);
  return vignette_test_server_get_uri (server, page_path);
}

/* Tests ---------------------------------------------------------------------- */

static void
test_template_pages (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *template_uri = vignette_test_server_get_uri (server, "/page/{}");
  Execution execution;
  Watch watch;

  /* Ten pages of three images; the first pages answer last, so that pages
   * complete out of order and the model must still keep page order. */
  for (guint page = 1; page <= 10; page++)
    {
      g_autofree char *path = g_strdup_printf ("/page/%u", page);
      g_autoptr(GString) html = g_string_new ("<html><body>");

      for (guint i = 1; i <= 3; i++)
        {
          g_autofree char *image = g_strdup_printf ("/img/p%u-%u.png", page, i);

          g_string_append_printf (html, "<figure><img src=\"%s\"></figure>", image);
          vignette_test_server_add_image (server, image, 30 + page, 20 + i, "png");
        }
      g_string_append (html, "</body></html>");
      vignette_test_server_add_html (server, path, html->str);
      vignette_test_server_set_path_latency (server, path, 20 * (11 - page));
    }

  add_source (run, template_uri, 1, 10);
  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 10);
  for (guint page = 1; page <= 10; page++)
    g_assert_cmpint (vignette_item_get_state (get_item (run, page - 1)), ==, VIGNETTE_ITEM_STATE_QUEUED);

  watch_start (&watch, run);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  g_assert_true (execution.ok);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 30);
  assert_all_done (run);

  for (guint page = 1; page <= 10; page++)
    for (guint i = 1; i <= 3; i++)
      {
        VignetteItem *item = get_item (run, (page - 1) * 3 + (i - 1));
        g_autofree char *path = g_strdup_printf ("/img/p%u-%u.png", page, i);
        g_autofree char *uri = vignette_test_server_get_uri (server, path);
        g_autofree char *page_path = g_strdup_printf ("/page/%u", page);
        g_autofree char *page_uri = vignette_test_server_get_uri (server, page_path);

        g_assert_cmpstr (vignette_item_get_uri (item), ==, uri);
        g_assert_cmpstr (vignette_item_get_page_uri (item), ==, page_uri);
        g_assert_cmpint (vignette_item_get_kind (item), ==, VIGNETTE_ITEM_KIND_IMAGE);
        g_assert_cmpint (vignette_item_get_width (item), ==, (int) (30 + page));
        g_assert_cmpint (vignette_item_get_height (item), ==, (int) (20 + i));
        g_assert_cmpuint (vignette_item_get_attempts (item), ==, 1);
        g_assert_cmpuint (vignette_item_get_bytes_received (item), ==, vignette_item_get_file_size (item));
        g_assert_cmpuint (vignette_test_server_get_n_requests (server, path), ==, 1);
        g_assert_cmpuint (vignette_test_server_get_n_requests (server, page_path), ==, 1);
      }

  /* Each page was replaced in place, in one change, on the main thread */
  g_assert_cmpuint (watch.n_page_replacements, ==, 10);
  g_assert_cmpuint (watch.n_wrong_thread, ==, 0);
  watch_stop (&watch);
}

static void
test_selector (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/page/1");
  g_autofree char *wanted = vignette_test_server_get_uri (server, "/in-figure.png");
  Execution execution;

  vignette_test_server_add_html (server, "/page/1",
                                 "<figure><img src=\"/in-figure.png\"></figure><img src=\"/outside.png\">");
  vignette_test_server_add_image (server, "/in-figure.png", 20, 20, "png");
  vignette_test_server_add_image (server, "/outside.png", 20, 20, "png");
  g_object_set (run, "selector", "//figure//img/@src", NULL);

  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 1);
  g_assert_cmpstr (vignette_item_get_uri (get_item (run, 0)), ==, wanted);
  assert_all_done (run);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/outside.png"), ==, 0);
}

static void
check_peak (gboolean sequential,
            guint    jobs,
            guint    per_host,
            guint    latency_ms,
            guint    expected)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 40);
  VignetteRunStats stats;
  Execution execution;

  /* Images wait until the limit is reached (so the peak reaches it even on
   * a busy machine), then latency_ms more, in which any excess would show */
  if (!sequential)
    vignette_test_server_hold_until_concurrent (server, "/img/", expected, 10000);
  vignette_test_server_set_latency (server, latency_ms);
  g_object_set (run, "jobs", jobs, "per-host", per_host, "sequential", sequential, NULL);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 40);
  assert_all_done (run);
  vignette_run_get_stats (run, &stats);
  g_test_message ("jobs %u, per host %u%s: server peak %u, run peak %u, %.2f s",
                  jobs, per_host, sequential ? ", sequential" : "",
                  vignette_test_server_get_peak_concurrency (server), stats.peak_requests,
                  stats.wall_seconds);
  if (!sequential)
    g_assert_true (vignette_test_server_hold_was_reached (server));
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (server), ==, expected);
  g_assert_cmpuint (stats.peak_requests, ==, expected);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, NULL), ==, 41);
}

static void
test_per_host_8 (void)
{
  check_peak (FALSE, 16, 8, 200, 8);
}

static void
test_per_host_16 (void)
{
  check_peak (FALSE, 16, 16, 200, 16);
}

static void
test_jobs_below_per_host (void)
{
  check_peak (FALSE, 4, 8, 200, 4);
}

static void
test_sequential (void)
{
  /* The baseline: never two requests in flight, whatever --jobs says */
  check_peak (TRUE, 16, 8, 50, 1);
}

static void
test_two_hosts (void)
{
  g_autoptr(VignetteTestServer) a = vignette_test_server_new ();
  g_autoptr(VignetteTestServer) b = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri_a = add_gallery (a, "/gallery", "/img/", 20);
  g_autofree char *uri_b = add_gallery (b, "/gallery", "/img/", 20);
  Execution execution;

  /* Two galleries on two hosts, per-host 4 and 6 in total: while the first
   * host's images are still coming, the second host must get the two
   * connections the first cannot use (no head-of-line blocking) */
  vignette_test_server_share_concurrency (b, a);
  vignette_test_server_hold_until_concurrent (a, "/img/", 6, 10000);
  vignette_test_server_set_latency (a, 200);
  vignette_test_server_set_latency (b, 200);
  g_object_set (run, "jobs", 6, "per-host", 4, NULL);
  add_source (run, uri_a, 1, 1);
  add_source (run, uri_b, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  assert_all_done (run);
  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 40);
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (a), <=, 4);
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (b), <=, 4);
  g_assert_true (vignette_test_server_hold_was_reached (a));
  g_assert_cmpuint (vignette_test_server_get_shared_peak_concurrency (a), ==, 6);
}

static void
test_direct_image (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autoptr(GBytes) png = vignette_test_make_image (40, 30, "png", TRUE);
  g_autofree char *php = vignette_test_server_get_uri (server, "/photo.php?id=7");
  g_autofree char *octet = vignette_test_server_get_uri (server, "/download");
  g_autofree char *html_named_jpg = vignette_test_server_get_uri (server, "/looks-like.jpg");
  Execution execution;
  VignetteItem *item;

  /* The Content-Type decides, not the extension */
  vignette_test_server_add_image (server, "/photo.php", 50, 40, "jpeg");
  /* A server that says nothing useful: the bytes are sniffed */
  vignette_test_server_add (server, "/download", 200, "application/octet-stream", png);
  /* And a page whose name says .jpg is still a page */
  vignette_test_server_add_html (server, "/looks-like.jpg", "<img src=\"/inner.png\">");
  vignette_test_server_add_image (server, "/inner.png", 10, 10, "png");

  add_source (run, php, 1, 1);
  add_source (run, octet, 1, 1);
  add_source (run, html_named_jpg, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 3);
  assert_all_done (run);

  item = get_item (run, 0);
  g_assert_cmpstr (vignette_item_get_uri (item), ==, php);
  g_assert_cmpint (vignette_item_get_kind (item), ==, VIGNETTE_ITEM_KIND_IMAGE);
  g_assert_cmpint (vignette_item_get_width (item), ==, 50);
  g_assert_cmpint (vignette_item_get_height (item), ==, 40);
  /* The same response was the image: asked once */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/photo.php"), ==, 1);

  item = get_item (run, 1);
  g_assert_cmpstr (vignette_item_get_uri (item), ==, octet);
  g_assert_cmpint (vignette_item_get_kind (item), ==, VIGNETTE_ITEM_KIND_IMAGE);
  g_assert_cmpint (vignette_item_get_width (item), ==, 40);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/download"), ==, 1);

  item = get_item (run, 2);
  g_assert_true (g_str_has_suffix (vignette_item_get_uri (item), "/inner.png"));
}

/* An image given as a source (an address or a file, not found on a page)
 * is saved under a name of its own, like any other */
static void
test_direct_image_saved (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *tmp = vignette_test_make_temp_dir ();
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *local = g_build_filename (tmp, "local.png", NULL);
  g_autofree char *remote = vignette_test_server_get_uri (server, "/remote.jpg");
  g_autofree char *saved_remote = g_build_filename (out, "200", "remote.png", NULL);
  g_autofree char *saved_local = g_build_filename (out, "200", "local.png", NULL);
  g_autoptr(GBytes) png = vignette_test_make_image (30, 20, "png", FALSE);
  g_autoptr(GFile) out_file = g_file_new_for_path (out);
  Execution execution;

  vignette_test_server_add_image (server, "/remote.jpg", 50, 40, "jpeg");
  vignette_test_write_file (local, png);
  vignette_run_set_output (run, out_file);
  add_source (run, remote, 1, 1);
  add_source (run, local, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  assert_all_done (run);

  g_assert_true (g_file_test (saved_remote, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (saved_local, G_FILE_TEST_IS_REGULAR));
  vignette_test_remove_tree (tmp);
}

static void
test_neither_page_nor_image (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/doc.pdf");
  g_autoptr(GBytes) pdf = g_bytes_new_static ("%PDF-1.4\n%âãÏÓ\n", 15);
  Execution execution;
  VignetteItem *item;

  vignette_test_server_add (server, "/doc.pdf", 200, "application/pdf", pdf);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  item = get_item (run, 0);
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_FAILED);
  g_assert_nonnull (strstr (vignette_item_get_error_message (item), uri));
  g_assert_nonnull (strstr (vignette_item_get_error_message (item), "application/pdf"));
}

static void
test_page_without_images (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *template_uri = vignette_test_server_get_uri (server, "/page/{}");
  g_autofree char *empty_uri = vignette_test_server_get_uri (server, "/page/2");
  g_autofree char *expected = NULL;
  Execution execution;
  VignetteItem *item;

  vignette_test_server_add_gallery (server, "/page/1", "/one/", 2, 20, 20);
  vignette_test_server_add_html (server, "/page/2", "<html><body><p>Nothing to see.</p></body></html>");
  vignette_test_server_add_gallery (server, "/page/3", "/three/", 2, 20, 20);

  add_source (run, template_uri, 1, 3);
  execute_and_wait (run, NULL, &execution);
  /* A failed item is no failed run */
  g_assert_no_error (execution.error);
  g_assert_true (execution.ok);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 5);
  g_assert_cmpuint (vignette_run_get_n_done (run), ==, 4);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 1);

  /* The failed page stays where it was, between the others' images */
  item = get_item (run, 2);
  g_assert_cmpstr (vignette_item_get_uri (item), ==, empty_uri);
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_FAILED);
  expected = g_strdup_printf ("No images were found on %s.", empty_uri);
  g_assert_cmpstr (vignette_item_get_error_message (item), ==, expected);
  g_assert_cmpint (vignette_item_get_state (get_item (run, 4)), ==, VIGNETTE_ITEM_STATE_DONE);
}

static void
test_failing_image (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 5);
  g_autofree char *missing = vignette_test_server_get_uri (server, "/img/3.png");
  g_autofree char *expected = NULL;
  g_autoptr(GBytes) gone = g_bytes_new_static ("gone", 4);
  Execution execution;
  VignetteItem *item;

  vignette_test_server_add (server, "/img/3.png", 404, "text/plain", gone);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 5);
  g_assert_cmpuint (vignette_run_get_n_done (run), ==, 4);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 1);

  item = get_item (run, 2);
  g_assert_cmpstr (vignette_item_get_uri (item), ==, missing);
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_FAILED);
  expected = g_strdup_printf ("HTTP 404 Not Found for %s", missing);
  g_assert_cmpstr (vignette_item_get_error_message (item), ==, expected);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/img/3.png"), ==, 1);
}

static void
test_corrupt_image (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 3);
  g_autoptr(GBytes) junk = g_bytes_new_static ("\x89PNG\r\n\x1a\n but then nothing", 24);
  Execution execution;
  VignetteItem *item;

  vignette_test_server_add (server, "/img/2.png", 200, "image/png", junk);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  item = get_item (run, 1);
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_FAILED);
  g_assert_nonnull (vignette_item_get_error_message (item));
  g_assert_cmpstr (vignette_item_get_error_message (item), !=, "");
  g_assert_cmpuint (vignette_run_get_n_done (run), ==, 2);
}

static void
test_retry_after (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 3);
  Execution execution;
  GArray *times;
  gint64 gap;

  vignette_test_server_add_failures (server, "/img/2.png", 1, 429, "1");
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  assert_all_done (run);
  g_assert_cmpuint (vignette_item_get_attempts (get_item (run, 1)), ==, 2);
  g_assert_cmpuint (vignette_item_get_attempts (get_item (run, 0)), ==, 1);

  times = vignette_test_server_get_request_times (server, "/img/2.png");
  g_assert_cmpuint (times->len, ==, 2);
  gap = g_array_index (times, gint64, 1) - g_array_index (times, gint64, 0);
  g_test_message ("retried after %" G_GINT64_FORMAT " ms", gap / 1000);
  g_assert_cmpint (gap, >=, 900 * 1000);
}

static void
test_redirected_page (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/old");
  g_autofree char *expected = vignette_test_server_get_uri (server, "/new/dir/a.png");
  Execution execution;

  /* Relative addresses resolve against where the page really is */
  vignette_test_server_add_redirect (server, "/old", 301, "/new/dir/page.html");
  vignette_test_server_add_html (server, "/new/dir/page.html", "<img src=\"a.png\">");
  vignette_test_server_add_image (server, "/new/dir/a.png", 20, 20, "png");

  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  assert_all_done (run);
  g_assert_cmpstr (vignette_item_get_uri (get_item (run, 0)), ==, expected);
}

/* Cancellation --------------------------------------------------------------- */

typedef struct {
  VignetteRun  *run;
  GCancellable *cancellable;
  guint         when_done;
  gboolean      cancelled;
} CancelWhen;

static void
on_n_done (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  CancelWhen *when = user_data;

  if (!when->cancelled && vignette_run_get_n_done (when->run) >= when->when_done)
    {
      when->cancelled = TRUE;
      g_cancellable_cancel (when->cancellable);
    }
}

static void
check_cancelled_run (VignetteRun        *run_owned,
                     VignetteTestServer *server,
                     guint               when_done)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) weak_items = g_ptr_array_new_with_free_func (g_free);
  VignetteRun *run = run_owned;
  CancelWhen when = { run, cancellable, when_done, FALSE };
  Execution execution;
  gint64 cancelled_at;
  guint n, n_done = 0, n_cancelled = 0;
  Watch watch;

  watch_start (&watch, run);
  g_signal_connect (run, "notify::n-done", G_CALLBACK (on_n_done), &when);
  if (when_done == 0)
    {
      when.cancelled = TRUE;
      g_cancellable_cancel (cancellable);
    }

  memset (&execution, 0, sizeof execution);
  vignette_run_execute_async (run, cancellable, on_executed, &execution);
  while (!when.cancelled && !execution.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (when.cancelled);
  cancelled_at = g_get_monotonic_time ();

  /* Promptly: the server answers slowly, and nothing waits for it */
  vignette_test_spin_until (&execution.done, 10000);
  g_test_message ("completed %" G_GINT64_FORMAT " ms after the cancel",
                  (execution.completed_at - cancelled_at) / 1000);
  g_assert_error (execution.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (execution.ok);
  g_assert_false (vignette_run_get_running (run));
  g_clear_error (&execution.error);

  /* Every item has stopped: done before the cancel, or cancelled */
  n = vignette_run_get_n_items (run);
  for (guint i = 0; i < n; i++)
    {
      VignetteItem *item = get_item (run, i);
      VignetteItemState state = vignette_item_get_state (item);
      gpointer *weak = g_new0 (gpointer, 1);

      if (state == VIGNETTE_ITEM_STATE_DONE)
        n_done++;
      else if (state == VIGNETTE_ITEM_STATE_CANCELLED)
        n_cancelled++;
      else
        g_error ("Item %u (%s) is %s after the run was cancelled", i, vignette_item_get_uri (item),
                 vignette_item_state_to_string (state));

      *weak = item;
      g_object_add_weak_pointer (G_OBJECT (item), weak);
      g_ptr_array_add (weak_items, weak);
    }
  g_assert_cmpuint (n_done, ==, vignette_run_get_n_done (run));
  g_assert_cmpuint (n_cancelled, ==, vignette_run_get_n_cancelled (run));
  g_assert_cmpuint (n_cancelled, >, 0);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 0);

  /* No late callback: nothing changes once the run said it stopped, even
   * while the server still answers the requests it had */
  watch.frozen = TRUE;
  vignette_test_spin_for (500);
  g_assert_cmpuint (watch.n_after_freeze, ==, 0);
  g_assert_cmpuint (execution.n_callbacks, ==, 1);
  g_assert_cmpuint (watch.n_wrong_thread, ==, 0);
  watch_stop (&watch);
  g_signal_handlers_disconnect_by_data (run, &when);

  /* Nothing leaks: once we let go, the run and every item are finalized */
  g_object_add_weak_pointer (G_OBJECT (run), (gpointer *) &run);
  g_object_unref (run_owned);
  vignette_test_spin_until_null ((gpointer *) &run, 5000, "the run to be finalized");
  for (guint i = 0; i < weak_items->len; i++)
    vignette_test_spin_until_null (g_ptr_array_index (weak_items, i), 5000, "an item to be finalized");
}

static void
test_cancel_mid_run (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  VignetteRun *run = make_run ();
  g_autofree char *template_uri = vignette_test_server_get_uri (server, "/page/{}");

  /* Three pages of twenty images, four at a time: cancel once a few are done */
  for (guint page = 1; page <= 3; page++)
    {
      g_autofree char *path = g_strdup_printf ("/page/%u", page);
      g_autofree char *prefix = g_strdup_printf ("/p%u/", page);

      vignette_test_server_add_gallery (server, path, prefix, 20, 24, 16);
    }
  vignette_test_server_set_latency (server, 150);
  g_object_set (run, "jobs", 4, "per-host", 4, NULL);
  add_source (run, template_uri, 1, 3);

  check_cancelled_run (run, server, 3);
}

static void
test_cancel_during_pages (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  VignetteRun *run = make_run ();
  g_autofree char *template_uri = vignette_test_server_get_uri (server, "/page/{}");
  g_autofree char *quick = vignette_test_server_get_uri (server, "/quick.png");

  /* The pages never answer; one image does, then the cancel comes */
  vignette_test_server_set_latency (server, G_MAXUINT);
  vignette_test_server_add_image (server, "/quick.png", 20, 20, "png");
  vignette_test_server_set_path_latency (server, "/quick.png", 0);
  add_source (run, quick, 1, 1);
  add_source (run, template_uri, 1, 5);

  check_cancelled_run (run, server, 1);
}

static void
test_cancel_before_start (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  VignetteRun *run = make_run ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 5);

  add_source (run, uri, 1, 1);
  check_cancelled_run (run, server, 0);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, NULL), ==, 0);
}

static void
test_cancel_while_processing (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  VignetteRun *run = make_run ();
  g_autoptr(GString) html = g_string_new ("");
  g_autofree char *uri = vignette_test_server_get_uri (server, "/big");
  g_autoptr(GBytes) jpeg = vignette_test_make_image (2400, 1800, "jpeg", FALSE);

  /* Large pictures keep the workers busy when the cancel comes */
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *path = g_strdup_printf ("/big/%u.jpg", i);

      g_string_append_printf (html, "<img src=\"%s\">", path);
      vignette_test_server_add (server, path, 200, "image/jpeg", jpeg);
    }
  vignette_test_server_add_html (server, "/big", html->str);
  g_object_set (run, "threads", 1, NULL);
  add_source (run, uri, 1, 1);

  check_cancelled_run (run, server, 1);
}

/* Local files ---------------------------------------------------------------- */

static void
write_image (const char *dir,
             const char *name,
             int         width,
             int         height)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GBytes) bytes = vignette_test_make_image (width, height,
                                                      g_str_has_suffix (name, ".jpg") ? "jpeg" : "png",
                                                      FALSE);

  vignette_test_write_file (path, bytes);
}

static char *
make_folder (void)
{
  char *dir = vignette_test_make_temp_dir ();
  g_autofree char *notes = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(GBytes) text = g_bytes_new_static ("not an image\n", 13);

  write_image (dir, "10.png", 30, 10);
  write_image (dir, "2.png", 20, 10);
  write_image (dir, "1.jpg", 10, 10);
  write_image (dir, ".hidden.png", 10, 10);
  write_image (dir, "sub/3.png", 33, 10);
  write_image (dir, "sub/deeper/4.png", 44, 10);
  write_image (dir, "empty-sub/.hidden.png", 10, 10);
  vignette_test_write_file (notes, text);

  return dir;
}

static void
assert_names (VignetteRun *run,
              const char  *dir,
              ...)
{
  const char *relative;
  guint i = 0;
  va_list ap;

  va_start (ap, dir);
  while ((relative = va_arg (ap, const char *)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, relative, NULL);
      g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

      g_assert_cmpuint (i, <, vignette_run_get_n_items (run));
      g_assert_cmpstr (vignette_item_get_uri (get_item (run, i)), ==, uri);
      i++;
    }
  va_end (ap);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, i);
}

static void
test_local_folder (void)
{
  g_autofree char *dir = make_folder ();
  g_autoptr(VignetteRun) run = make_run ();
  Execution execution;

  add_source (run, dir, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  /* Natural order, no hidden files, no text, no subfolders */
  assert_names (run, dir, "1.jpg", "2.png", "10.png", NULL);
  assert_all_done (run);
  g_assert_cmpint (vignette_item_get_width (get_item (run, 2)), ==, 30);
  g_assert_cmpint (vignette_item_get_kind (get_item (run, 0)), ==, VIGNETTE_ITEM_KIND_IMAGE);

  vignette_test_remove_tree (dir);
}

static void
test_local_folder_recursive (void)
{
  g_autofree char *dir = make_folder ();
  g_autoptr(VignetteRun) run = make_run ();
  Execution execution;

  g_object_set (run, "recursive", TRUE, NULL);
  add_source (run, dir, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  /* A subfolder takes its place in the order; one with nothing visible leaves no trace */
  assert_names (run, dir, "1.jpg", "2.png", "10.png", "sub/3.png", "sub/deeper/4.png", NULL);
  assert_all_done (run);
  g_assert_cmpint (vignette_item_get_width (get_item (run, 4)), ==, 44);

  vignette_test_remove_tree (dir);
}

static void
test_local_file_and_missing (void)
{
  g_autofree char *dir = make_folder ();
  g_autofree char *file = g_build_filename (dir, "2.png", NULL);
  g_autofree char *missing = g_build_filename (dir, "nope.png", NULL);
  g_autoptr(VignetteRun) run = make_run ();
  Execution execution;
  VignetteItem *item;

  add_source (run, file, 1, 1);
  add_source (run, missing, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 2);
  item = get_item (run, 0);
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_DONE);
  g_assert_cmpint (vignette_item_get_width (item), ==, 20);

  item = get_item (run, 1);
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_FAILED);
  g_assert_nonnull (strstr (vignette_item_get_error_message (item), "nope.png"));

  vignette_test_remove_tree (dir);
}

static void
test_local_empty_folder (void)
{
  g_autofree char *dir = vignette_test_make_temp_dir ();
  g_autoptr(VignetteRun) run = make_run ();
  Execution execution;
  VignetteItem *item;

  add_source (run, dir, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  item = get_item (run, 0);
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_FAILED);
  g_assert_nonnull (strstr (vignette_item_get_error_message (item), "No images"));

  vignette_test_remove_tree (dir);
}

/* Output and thumbnails -------------------------------------------------------- */

static void
assert_saved (const char   *out,
              VignetteItem *item,
              guint         size,
              int           width,
              int           height)
{
  g_autofree char *name = g_strdup_printf ("%s.png", vignette_item_get_save_name (item));
  g_autofree char *size_dir = g_strdup_printf ("%u", size);
  g_autofree char *path = g_build_filename (out, size_dir, name, NULL);
  GdkPixbufFormat *format;
  int w = 0, h = 0;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  format = gdk_pixbuf_get_file_info (path, &w, &h);
  g_assert_nonnull (format);
  g_assert_cmpint (w, ==, width);
  g_assert_cmpint (h, ==, height);
}

static void
test_output_folder (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *tmp = vignette_test_make_temp_dir ();
  g_autofree char *out = g_build_filename (tmp, "out", "nested", NULL);
  g_autoptr(GFile) out_file = g_file_new_for_path (out);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/gallery");
  VignetteRunStats stats;
  Execution execution;

  vignette_test_server_add_html (server, "/gallery",
                                 "<img src=\"/wide.jpg\"><img src=\"/tall.png\"><img src=\"/tiny.png\">");
  vignette_test_server_add_image (server, "/wide.jpg", 640, 480, "jpeg");
  vignette_test_server_add_image (server, "/tall.png", 300, 500, "png");
  vignette_test_server_add_image (server, "/tiny.png", 60, 40, "png");

  vignette_run_set_output (run, out_file);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  assert_all_done (run);

  /* DIR/<size>/<name>.png, each within its box, never larger than the original */
  assert_saved (out, get_item (run, 0), 200, 200, 150);
  assert_saved (out, get_item (run, 0), 100, 100, 75);
  assert_saved (out, get_item (run, 1), 200, 120, 200);
  assert_saved (out, get_item (run, 1), 100, 60, 100);
  assert_saved (out, get_item (run, 2), 200, 60, 40);
  assert_saved (out, get_item (run, 2), 100, 60, 40);

  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_files_written, ==, 6);
  /* Saved, not kept: memory stays flat on large galleries */
  g_assert_null (vignette_item_get_thumbnails (get_item (run, 0)));

  vignette_test_remove_tree (tmp);
}

static void
test_keep_thumbnails (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/gallery");
  Execution execution;
  VignetteThumbnails *thumbnails;
  const VignetteThumbnail *t200, *t100;

  vignette_test_server_add_html (server, "/gallery", "<img src=\"/a.png\">");
  vignette_test_server_add_image (server, "/a.png", 400, 300, "png");
  g_object_set (run, "keep-thumbnails", TRUE, NULL);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  assert_all_done (run);

  thumbnails = vignette_item_get_thumbnails (get_item (run, 0));
  g_assert_nonnull (thumbnails);
  g_assert_cmpuint (vignette_thumbnails_get_n_sizes (thumbnails), ==, 2);
  g_assert_cmpint (vignette_thumbnails_get_original_width (thumbnails), ==, 400);
  g_assert_cmpint (vignette_thumbnails_get_original_height (thumbnails), ==, 300);
  t200 = vignette_thumbnails_lookup (thumbnails, 200);
  t100 = vignette_thumbnails_lookup (thumbnails, 100);
  g_assert_nonnull (t200);
  g_assert_nonnull (t100);
  g_assert_cmpint (t200->width, ==, 200);
  g_assert_cmpint (t200->height, ==, 150);
  g_assert_cmpint (t100->width, ==, 100);
  g_assert_cmpint (t100->height, ==, 75);
  g_assert_cmpuint (g_bytes_get_size (t200->bytes), >, 0);
}

static void
test_without_keep_thumbnails (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 2);
  Execution execution;

  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  assert_all_done (run);
  g_assert_null (vignette_item_get_thumbnails (get_item (run, 0)));
  g_assert_cmpint (vignette_item_get_width (get_item (run, 0)), ==, 24);
}

static void
test_retry_failed (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 4);
  g_autoptr(GBytes) down = g_bytes_new_static ("down", 4);
  g_autoptr(GBytes) back = vignette_test_make_image (24, 16, "png", FALSE);
  Execution execution;

  vignette_test_server_add (server, "/img/2.png", 404, "text/plain", down);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 1);
  g_assert_cmpuint (vignette_run_get_n_done (run), ==, 3);

  /* The server is fixed; only the failed item is fetched again */
  vignette_test_server_add (server, "/img/2.png", 200, "image/png", back);
  g_assert_cmpuint (vignette_run_retry_failed (run), ==, 1);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 0);
  g_assert_cmpint (vignette_item_get_state (get_item (run, 1)), ==, VIGNETTE_ITEM_STATE_QUEUED);
  g_assert_null (vignette_item_get_error_message (get_item (run, 1)));

  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  assert_all_done (run);
  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 4);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/img/2.png"), ==, 2);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/img/1.png"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/gallery"), ==, 1);

  /* Nothing left to retry */
  g_assert_cmpuint (vignette_run_retry_failed (run), ==, 0);
}

static void
test_retry_after_cancel (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 6);
  Execution execution;

  /* Cancelled before it starts: everything comes back with "Retry" */
  add_source (run, uri, 1, 1);
  g_cancellable_cancel (cancellable);
  execute_and_wait (run, cancellable, &execution);
  g_assert_error (execution.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&execution.error);
  g_assert_cmpuint (vignette_run_get_n_cancelled (run), ==, 1);

  g_assert_cmpuint (vignette_run_retry_failed (run), ==, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 6);
  assert_all_done (run);
}

static void
test_add_source_errors (void)
{
  g_autoptr(VignetteRun) run = make_run ();
  g_autoptr(GError) error = NULL;

  g_assert_false (vignette_run_add_source (run, "gopher://old.example/pics", 1, 1, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE);
  g_clear_error (&error);

  g_assert_false (vignette_run_add_source (run, "http://127.0.0.1:9/page/{}", 9, 3, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE);
  g_clear_error (&error);

  g_assert_false (vignette_run_add_source (run, "", 1, 1, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE);

  /* A refused source leaves nothing behind */
  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 0);
  g_assert_cmpfloat (vignette_run_get_fraction (run), ==, 0.0);
}

typedef struct {
  gboolean  done;
  guint     n_saved;
  GError   *error;
} Saving;

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Saving *saving = user_data;

  saving->n_saved = vignette_run_save_finish (VIGNETTE_RUN (source), result, &saving->error);
  saving->done = TRUE;
}

static void
test_save_kept (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *tmp = vignette_test_make_temp_dir ();
  g_autoptr(GFile) folder = g_file_new_for_path (tmp);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/gallery");
  g_autofree char *not_saved = NULL;
  const guint sizes[] = { 100 };
  Execution execution;
  Saving saving = { 0 };

  /* The window's "Save Thumbnails…": what a run kept, in the size asked for */
  vignette_test_server_add_html (server, "/gallery", "<img src=\"/a.png\"><img src=\"/b.jpg\">");
  vignette_test_server_add_image (server, "/a.png", 400, 200, "png");
  vignette_test_server_add_image (server, "/b.jpg", 150, 300, "jpeg");
  g_object_set (run, "keep-thumbnails", TRUE, NULL);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  assert_all_done (run);

  vignette_run_save_async (run, folder, VIGNETTE_FORMAT_PNG, sizes, 1, NULL, on_saved, &saving);
  vignette_test_spin_until (&saving.done, WAIT_MS);
  g_assert_no_error (saving.error);
  g_assert_cmpuint (saving.n_saved, ==, 2);

  assert_saved (tmp, get_item (run, 0), 100, 100, 50);
  assert_saved (tmp, get_item (run, 1), 100, 50, 100);
  not_saved = g_build_filename (tmp, "200", NULL);
  g_assert_false (g_file_test (not_saved, G_FILE_TEST_EXISTS));

  vignette_test_remove_tree (tmp);
}

static void
test_progress_and_stats (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/gallery");
  g_autoptr(GBytes) big = vignette_test_make_image (500, 400, "png", TRUE);
  VignetteRunStats stats;
  Execution execution;
  VignetteItem *item;

  vignette_test_server_add_html (server, "/gallery", "<img src=\"/big.png\">");
  vignette_test_server_add (server, "/big.png", 200, "image/png", big);
  vignette_test_server_set_trickle (server, "/big.png", 32 * 1024, 2, TRUE);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  assert_all_done (run);

  item = get_item (run, 0);
  g_assert_cmpuint (vignette_item_get_bytes_received (item), ==, g_bytes_get_size (big));
  g_assert_cmpuint (vignette_item_get_bytes_total (item), ==, g_bytes_get_size (big));
  g_assert_cmpuint (vignette_item_get_file_size (item), ==, g_bytes_get_size (big));
  g_assert_cmpfloat (vignette_item_get_progress (item), ==, 1.0);

  vignette_run_get_stats (run, &stats);
  g_assert_cmpuint (stats.n_items, ==, 1);
  g_assert_cmpuint (stats.n_done, ==, 1);
  g_assert_cmpuint (stats.n_pages, ==, 1);
  g_assert_cmpuint (stats.bytes_received, >=, g_bytes_get_size (big));
  g_assert_cmpfloat (stats.wall_seconds, >, 0.0);
}

/* Real servers (issue 11): HTTPS and HTTP/2, fair hosts, trickles, dead hosts */

/* An HTTPS SoupServer with a throwaway certificate, speaking HTTP/2 when
 * asked (libsoup 3.2's server reads SOUP_SERVER_HTTP2 when it is made) */
typedef struct {
  SoupServer *soup;
  char       *dir;
  char       *ca_file;
  char       *base;
  guint       n_images;
  guint       n_requests;
  guint       n_http2;
  GHashTable *peers;     /* remote "address:port" → requests: connections seen */
} TlsSite;

static void
tls_site_handler (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  TlsSite *site = user_data;
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autofree char *peer = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));

  site->n_requests++;
  if (soup_server_message_get_http_version (msg) == SOUP_HTTP_2_0)
    site->n_http2++;
  g_hash_table_insert (site->peers, g_steal_pointer (&peer), NULL);

  if (g_str_equal (path, "/gallery"))
    {
      GString *html = g_string_new ("<html><body>");

      for (guint i = 0; i < site->n_images; i++)
        g_string_append_printf (html, "<figure><img src=\"/img/%u.png\"></figure>", i);
      g_string_append (html, "</body></html>");
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE, html->str, html->len);
      g_string_free (html, FALSE);
    }
  else if (g_str_has_prefix (path, "/img/"))
    {
      g_autoptr(GBytes) png = vignette_test_make_image (24 + (int) site->n_requests % 7, 16, "png", FALSE);
      gsize length;
      const char *data = g_bytes_get_data (png, &length);

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY, data, length);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static TlsSite *
tls_site_new (gboolean http2,
              guint    n_images)
{
  g_autofree char *key = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  TlsSite *site;
  const char *argv[24];
  int status = -1;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return NULL;

  site = g_new0 (TlsSite, 1);
  site->n_images = n_images;
  site->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  site->dir = vignette_test_make_temp_dir ();
  site->ca_file = g_build_filename (site->dir, "cert.pem", NULL);
  key = g_build_filename (site->dir, "key.pem", NULL);
  {
    const char *args[] = {
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes", "-keyout", key, "-out", site->ca_file, "-days", "2",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", NULL
    };
    memcpy (argv, args, sizeof args);
  }
  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL) ||
      (certificate = g_tls_certificate_new_from_files (site->ca_file, key, &error)) == NULL)
    {
      vignette_test_remove_tree (site->dir);
      g_free (site->dir);
      g_free (site->ca_file);
      g_hash_table_unref (site->peers);
      g_free (site);
      return NULL;
    }

  if (http2)
    g_setenv ("SOUP_SERVER_HTTP2", "1", TRUE);
  site->soup = soup_server_new ("tls-certificate", certificate, NULL);
  g_unsetenv ("SOUP_SERVER_HTTP2");
  soup_server_add_handler (site->soup, NULL, tls_site_handler, site, NULL);
  g_assert_true (soup_server_listen_local (site->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (site->soup);
  site->base = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  return site;
}

static void
tls_site_free (TlsSite *site)
{
  if (site == NULL)
    return;

  soup_server_disconnect (site->soup);
  g_object_unref (site->soup);
  vignette_test_remove_tree (site->dir);
  g_free (site->dir);
  g_free (site->ca_file);
  g_free (site->base);
  g_hash_table_unref (site->peers);
  g_free (site);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsSite, tls_site_free)

static void
check_https (gboolean http2)
{
  g_autoptr(TlsSite) site = tls_site_new (http2, 12);
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = NULL;
  Execution execution;
  guint64 connection = 0;

  if (site == NULL)
    {
      g_test_skip ("No TLS backend or no openssl to make a certificate");
      return;
    }

  uri = g_strconcat (site->base, "gallery", NULL);
  g_object_set (run, "ca-file", site->ca_file, NULL);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);

  assert_all_done (run);
  g_assert_cmpuint (vignette_run_get_n_items (run), ==, 12);
  g_assert_cmpuint (site->n_requests, ==, 13);

  for (guint i = 0; i < 12; i++)
    {
      const VignetteTimeline *timeline = vignette_item_get_timeline (get_item (run, i));

      g_assert_cmpint (timeline->marks[VIGNETTE_MARK_QUEUED], >, 0);
      g_assert_cmpint (timeline->marks[VIGNETTE_MARK_REQUEST_SENT], >=, timeline->marks[VIGNETTE_MARK_STARTED]);
      g_assert_cmpint (timeline->marks[VIGNETTE_MARK_FIRST_BYTE], >=, timeline->marks[VIGNETTE_MARK_REQUEST_SENT]);
      g_assert_cmpint (timeline->marks[VIGNETTE_MARK_LOADED], >=, timeline->marks[VIGNETTE_MARK_FIRST_BYTE]);
      g_assert_cmpint (timeline->marks[VIGNETTE_MARK_DECODE_START], >=, timeline->marks[VIGNETTE_MARK_DECODE_QUEUED]);
      g_assert_cmpint (timeline->marks[VIGNETTE_MARK_DECODE_END], >=, timeline->marks[VIGNETTE_MARK_DECODE_START]);
      g_assert_cmpint (timeline->marks[VIGNETTE_MARK_FINISHED], >=, timeline->marks[VIGNETTE_MARK_DECODE_END]);
      g_assert_cmpuint (timeline->worker, >=, 1);
      g_assert_cmpuint (timeline->worker, <=, 2);
      g_assert_cmpint (timeline->http2, ==, http2);
      if (http2)
        {
          /* Every image on the one connection */
          if (connection == 0)
            connection = timeline->connection_id;
          g_assert_cmpuint (timeline->connection_id, ==, connection);
        }
    }

  g_test_message ("%u requests on %u connections, %u over HTTP/2",
                  site->n_requests, g_hash_table_size (site->peers), site->n_http2);
  if (http2)
    {
      /* One connection, however many requests: --per-host limits streams */
      g_assert_cmpuint (site->n_http2, ==, site->n_requests);
      g_assert_cmpuint (g_hash_table_size (site->peers), ==, 1);
    }
  else
    {
      g_assert_cmpuint (site->n_http2, ==, 0);
      g_assert_cmpuint (g_hash_table_size (site->peers), >, 1);
    }
}

static void
test_https_http1 (void)
{
  g_setenv ("SOUP_FORCE_HTTP1", "1", TRUE);
  check_https (FALSE);
  g_unsetenv ("SOUP_FORCE_HTTP1");
}

static void
test_https_http2 (void)
{
  check_https (TRUE);
}

static void
test_https_untrusted_ca (void)
{
  g_autoptr(TlsSite) site = tls_site_new (FALSE, 1);
  g_autoptr(TlsSite) other = tls_site_new (FALSE, 1);
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *uri = NULL;
  Execution execution;

  if (site == NULL || other == NULL)
    {
      g_test_skip ("No TLS backend or no openssl to make a certificate");
      return;
    }

  /* A --ca-file trusts what it holds, and nothing else */
  uri = g_strconcat (site->base, "gallery", NULL);
  g_object_set (run, "ca-file", other->ca_file, NULL);
  add_source (run, uri, 1, 1);
  execute_and_wait (run, NULL, &execution);

  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 1);
  g_assert_nonnull (strstr (vignette_item_get_error_message (get_item (run, 0)), "certificate"));
  g_assert_cmpuint (site->n_requests, ==, 0);
}

/* Host A answers every image 429 with Retry-After: 3 twice; host B's images
 * must not wait for A's: they all finish before any of A's can */
static void
test_throttled_host_is_fair (void)
{
  g_autoptr(VignetteTestServer) a = vignette_test_server_new ();
  g_autoptr(VignetteTestServer) b = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autoptr(GString) html = g_string_new ("<html><body>");
  g_autofree char *page = NULL;
  gint64 last_b = 0, first_a = G_MAXINT64;
  Execution execution;

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("/a/%u.png", i);
      g_autofree char *a_uri = vignette_test_server_get_uri (a, path);

      vignette_test_server_add_image (a, path, 20 + i, 20, "png");
      vignette_test_server_add_failures (a, path, 2, 429, "3");
      g_string_append_printf (html, "<img src=\"%s\">", a_uri);
    }
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *path = g_strdup_printf ("/b/%u.png", i);
      g_autofree char *b_uri = vignette_test_server_get_uri (b, path);

      vignette_test_server_add_image (b, path, 20 + i, 16, "png");
      g_string_append_printf (html, "<img src=\"%s\">", b_uri);
    }
  g_string_append (html, "</body></html>");
  vignette_test_server_add_html (b, "/page", html->str);
  vignette_test_server_set_latency (b, 50);
  page = vignette_test_server_get_uri (b, "/page");

  /* Tight limits, where a waiting host holding slots would show */
  g_object_set (run, "jobs", 4, "per-host", 2, NULL);
  add_source (run, page, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  assert_all_done (run);

  for (guint i = 0; i < vignette_run_get_n_items (run); i++)
    {
      VignetteItem *item = get_item (run, i);
      gint64 finished = vignette_item_get_timeline (item)->marks[VIGNETTE_MARK_FINISHED];

      if (strstr (vignette_item_get_uri (item), "/a/") != NULL)
        {
          first_a = MIN (first_a, finished);
          g_assert_cmpuint (vignette_item_get_attempts (item), ==, 3);
          g_assert_cmpuint (vignette_item_get_timeline (item)->retries, ==, 2);
        }
      else
        last_b = MAX (last_b, finished);
    }

  g_test_message ("B's last image %.2f s before A's first",
                  (first_a - last_b) / (double) G_USEC_PER_SEC);
  g_assert_cmpint (last_b, <, first_a);
  /* A's first attempts all came in one go: the pause was for the host */
  g_assert_cmpuint (vignette_test_server_get_n_requests (a, "/a/0.png"), ==, 3);
}

/* A server that trickles a byte at a time is cut by the low-speed limit,
 * long before the total timeout; the others are not held up */
static void
test_trickle_is_cut (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autofree char *page = add_gallery (server, "/gallery", "/img/", 3);
  g_autoptr(GError) error = NULL;
  VignetteItem *slow;
  Execution execution;

  vignette_test_server_set_trickle (server, "/img/1.png", 4, 500, TRUE);
  g_object_set (run, "low-speed-limit", 100, "low-speed-time", 2, "timeout", 60, NULL);
  add_source (run, page, 1, 1);
  execute_and_wait (run, NULL, &execution);

  g_assert_cmpuint (vignette_run_get_n_done (run), ==, 2);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 1);
  slow = NULL;
  for (guint i = 0; i < vignette_run_get_n_items (run); i++)
    if (g_str_has_suffix (vignette_item_get_uri (get_item (run, i)), "/img/1.png"))
      slow = get_item (run, i);
  g_assert_nonnull (slow);
  g_test_message ("%s", vignette_item_get_error_message (slow));
  g_assert_nonnull (strstr (vignette_item_get_error_message (slow), "bytes a second"));
  /* Not retried: a second attempt would crawl as well */
  g_assert_cmpuint (vignette_item_get_attempts (slow), ==, 1);
}

/* A resolver for the test: one host does not exist, and every look-up is
 * counted; the rest goes to the system's resolver (loopback addresses) */
typedef struct {
  GResolver  parent_instance;
  GResolver *real;
  guint      n_dead_lookups;
} TestResolver;

typedef struct {
  GResolverClass parent_class;
} TestResolverClass;

static GType test_resolver_get_type (void);
G_DEFINE_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static void
test_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *hostname,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  TestResolver *self = (TestResolver *) resolver;
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  if (g_str_equal (hostname, "dead.invalid"))
    {
      g_atomic_int_inc (&self->n_dead_lookups);
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               "Name or service not known");
      return;
    }

  g_task_return_pointer (task, g_resolver_lookup_by_name (self->real, hostname, NULL, NULL),
                         (GDestroyNotify) g_resolver_free_addresses);
}

static GList *
test_resolver_lookup_by_name_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
test_resolver_lookup_by_name_with_flags (GResolver                 *resolver,
                                         const char                *hostname,
                                         GResolverNameLookupFlags   flags,
                                         GCancellable              *cancellable,
                                         GError                   **error)
{
  TestResolver *self = (TestResolver *) resolver;

  if (g_str_equal (hostname, "dead.invalid"))
    {
      g_atomic_int_inc (&self->n_dead_lookups);
      g_set_error_literal (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "Name or service not known");
      return NULL;
    }
  return g_resolver_lookup_by_name_with_flags (self->real, hostname, flags, cancellable, error);
}

static void
test_resolver_lookup_by_name_with_flags_async (GResolver                *resolver,
                                               const char               *hostname,
                                               GResolverNameLookupFlags  flags,
                                               GCancellable             *cancellable,
                                               GAsyncReadyCallback       callback,
                                               gpointer                  user_data)
{
  test_resolver_lookup_by_name_async (resolver, hostname, cancellable, callback, user_data);
}

static void
test_resolver_finalize (GObject *object)
{
  g_clear_object (&((TestResolver *) object)->real);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
  resolver_class->lookup_by_name_with_flags = test_resolver_lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = test_resolver_lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

static void
test_dead_host (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autoptr(GString) html = g_string_new ("<html><body>");
  g_autoptr(GResolver) previous = g_resolver_get_default ();
  TestResolver *resolver = g_object_new (test_resolver_get_type (), NULL);
  g_autofree char *page = NULL;
  Execution execution;

  resolver->real = g_object_ref (previous);
  g_resolver_set_default (G_RESOLVER (resolver));

  for (guint i = 0; i < 30; i++)
    g_string_append_printf (html, "<img src=\"http://dead.invalid:8/p/%u.jpg\">", i);
  g_string_append (html, "<img src=\"/alive.png\"></body></html>");
  vignette_test_server_add_html (server, "/page", html->str);
  vignette_test_server_add_image (server, "/alive.png", 30, 20, "png");
  page = vignette_test_server_get_uri (server, "/page");

  g_object_set (run, "jobs", 2, "per-host", 1, NULL);
  add_source (run, page, 1, 1);
  execute_and_wait (run, NULL, &execution);

  g_resolver_set_default (previous);

  g_assert_cmpuint (vignette_run_get_n_done (run), ==, 1);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 30);
  for (guint i = 0; i < 30; i++)
    g_assert_nonnull (strstr (vignette_item_get_error_message (get_item (run, i)), "dead.invalid"));
  g_test_message ("%u look-ups of the dead host for 30 images; %s", resolver->n_dead_lookups,
                  vignette_item_get_error_message (get_item (run, 29)));
  /* One attempt's failed resolution fails the host's queued items: the
   * others never try (GIO asks for IPv4 and IPv6 apart, so one attempt
   * may be several look-ups, never thirty) */
  {
    guint n_tried = 0;

    for (guint i = 0; i < 30; i++)
      n_tried += vignette_item_get_attempts (get_item (run, i)) > 0;
    g_assert_cmpuint (n_tried, ==, 1);
  }
  g_assert_cmpuint (resolver->n_dead_lookups, <, 30);
  g_object_unref (resolver);
}

/* A PNG of noise: incompressible, so that its body is as large as its pixels */
static GBytes *
add_noise_png (VignetteTestServer *server,
               const char         *path,
               int                 width,
               int                 height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  gsize length = (gsize) gdk_pixbuf_get_rowstride (pixbuf) * (gsize) height;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize size = 0;
  GBytes *bytes;

  for (gsize i = 0; i < length; i++)
    pixels[i] = (guint8) g_rand_int (rand);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &error, NULL));
  bytes = g_bytes_new_take (buffer, size);
  vignette_test_server_add (server, path, 200, "image/png", bytes);
  return bytes;
}

/* An image on the web is decoded while it downloads: its decode starts
 * before its last byte arrives */
static void
test_streamed_decode (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autoptr(GBytes) big = add_noise_png (server, "/big.png", 900, 700);
  g_autofree char *big_uri = vignette_test_server_get_uri (server, "/big.png");
  g_autofree char *html = g_strdup_printf ("<img src=\"%s\">", big_uri);
  g_autofree char *page = NULL;
  const VignetteTimeline *timeline;
  VignetteItem *item = NULL;
  Execution execution;

  /* 64 KiB every 40 ms: the body takes a while, in many pieces */
  vignette_test_server_add_html (server, "/slow", html);
  vignette_test_server_set_trickle (server, "/big.png", 64 * 1024, 40, TRUE);
  page = vignette_test_server_get_uri (server, "/slow");
  add_source (run, page, 1, 1);
  execute_and_wait (run, NULL, &execution);
  g_assert_no_error (execution.error);
  assert_all_done (run);

  item = get_item (run, 0);
  timeline = vignette_item_get_timeline (item);
  g_test_message ("%" G_GSIZE_FORMAT " bytes; decode started %.0f ms before the last byte",
                  g_bytes_get_size (big),
                  (timeline->marks[VIGNETTE_MARK_LOADED] - timeline->marks[VIGNETTE_MARK_DECODE_START]) / 1000.0);
  g_assert_cmpuint (g_bytes_get_size (big), >, 3 * 64 * 1024);
  g_assert_cmpint (timeline->marks[VIGNETTE_MARK_DECODE_START], <, timeline->marks[VIGNETTE_MARK_LOADED]);
  g_assert_cmpint (vignette_item_get_width (item), ==, 900);
  g_assert_cmpuint (vignette_item_get_file_size (item), ==, g_bytes_get_size (big));
}

/* A valid image larger than --max-bytes stops at the limit, streamed or not */
static void
test_streamed_size_limit (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = make_run ();
  g_autoptr(GBytes) big = add_noise_png (server, "/big.png", 900, 700);
  g_autofree char *big_uri = vignette_test_server_get_uri (server, "/big.png");
  g_autofree char *html = g_strdup_printf ("<img src=\"%s\">", big_uri);
  g_autofree char *page = NULL;
  Execution execution;

  /* Chunked, so that no Content-Length refuses it before the body */
  vignette_test_server_add_html (server, "/page", html);
  vignette_test_server_set_trickle (server, "/big.png", 256 * 1024, 1, FALSE);
  page = vignette_test_server_get_uri (server, "/page");
  g_object_set (run, "max-bytes", (guint64) 200 * 1000, NULL);
  add_source (run, page, 1, 1);
  execute_and_wait (run, NULL, &execution);

  g_assert_cmpuint (g_bytes_get_size (big), >, 400 * 1024);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 1);
  g_test_message ("%s", vignette_item_get_error_message (get_item (run, 0)));
  g_assert_nonnull (strstr (vignette_item_get_error_message (get_item (run, 0)), "limit of 200.0"));
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/run/template-pages", test_template_pages);
  g_test_add_func ("/core/run/selector", test_selector);
  g_test_add_func ("/core/run/per-host-8", test_per_host_8);
  g_test_add_func ("/core/run/per-host-16", test_per_host_16);
  g_test_add_func ("/core/run/jobs-below-per-host", test_jobs_below_per_host);
  g_test_add_func ("/core/run/sequential", test_sequential);
  g_test_add_func ("/core/run/two-hosts", test_two_hosts);
  g_test_add_func ("/core/run/direct-image", test_direct_image);
  g_test_add_func ("/core/run/neither-page-nor-image", test_neither_page_nor_image);
  g_test_add_func ("/core/run/page-without-images", test_page_without_images);
  g_test_add_func ("/core/run/failing-image", test_failing_image);
  g_test_add_func ("/core/run/corrupt-image", test_corrupt_image);
  g_test_add_func ("/core/run/retry-after", test_retry_after);
  g_test_add_func ("/core/run/redirected-page", test_redirected_page);
  g_test_add_func ("/core/run/cancel/mid-run", test_cancel_mid_run);
  g_test_add_func ("/core/run/cancel/during-pages", test_cancel_during_pages);
  g_test_add_func ("/core/run/cancel/before-start", test_cancel_before_start);
  g_test_add_func ("/core/run/cancel/while-processing", test_cancel_while_processing);
  g_test_add_func ("/core/run/local/folder", test_local_folder);
  g_test_add_func ("/core/run/local/folder-recursive", test_local_folder_recursive);
  g_test_add_func ("/core/run/local/file-and-missing", test_local_file_and_missing);
  g_test_add_func ("/core/run/local/empty-folder", test_local_empty_folder);
  g_test_add_func ("/core/run/output-folder", test_output_folder);
  g_test_add_func ("/core/run/keep-thumbnails", test_keep_thumbnails);
  g_test_add_func ("/core/run/without-keep-thumbnails", test_without_keep_thumbnails);
  g_test_add_func ("/core/run/retry-failed", test_retry_failed);
  g_test_add_func ("/core/run/retry-after-cancel", test_retry_after_cancel);
  g_test_add_func ("/core/run/progress-and-stats", test_progress_and_stats);
  g_test_add_func ("/core/run/add-source-errors", test_add_source_errors);
  g_test_add_func ("/core/run/save-kept", test_save_kept);
  g_test_add_func ("/core/run/https/http1", test_https_http1);
  g_test_add_func ("/core/run/https/http2", test_https_http2);
  g_test_add_func ("/core/run/https/untrusted-ca", test_https_untrusted_ca);
  g_test_add_func ("/core/run/throttled-host-is-fair", test_throttled_host_is_fair);
  g_test_add_func ("/core/run/trickle-is-cut", test_trickle_is_cut);
  g_test_add_func ("/core/run/dead-host", test_dead_host);
  g_test_add_func ("/core/run/direct-image-saved", test_direct_image_saved);
  g_test_add_func ("/core/run/streamed-decode", test_streamed_decode);
  g_test_add_func ("/core/run/streamed-size-limit", test_streamed_size_limit);

  return g_test_run ();
}
