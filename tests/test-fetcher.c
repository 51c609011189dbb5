/* test-fetcher.c: the fetcher against a real loopback server: limits, retries, redirects, cancellation
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "vignette-error.h"
#include "vignette-fetcher.h"

#include "test-utils.h"

#define WAIT_MS 20000

typedef struct {
  gboolean          done;
  VignetteResponse *response;
  GError           *error;
  gint64            completed_at;
} Fetch;

static void
fetch_clear (Fetch *fetch)
{
  g_clear_pointer (&fetch->response, vignette_response_free);
  g_clear_error (&fetch->error);
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;

  g_assert_false (fetch->done);  /* exactly one callback */
  fetch->response = vignette_fetcher_fetch_finish (VIGNETTE_FETCHER (source), result, &fetch->error);
  g_assert_true ((fetch->response == NULL) != (fetch->error == NULL));
  fetch->completed_at = g_get_monotonic_time ();
  fetch->done = TRUE;
}

static void
start_fetch (VignetteFetcher    *fetcher,
             const char         *uri,
             VignetteFetchFlags  flags,
             GCancellable       *cancellable,
             Fetch              *fetch)
{
  memset (fetch, 0, sizeof *fetch);
  vignette_fetcher_fetch_async (fetcher, uri, NULL, flags, NULL, NULL, cancellable,
                                on_fetched, fetch);
}

static void
fetch_and_wait (VignetteFetcher    *fetcher,
                const char         *uri,
                VignetteFetchFlags  flags,
                Fetch              *fetch)
{
  start_fetch (fetcher, uri, flags, NULL, fetch);
  vignette_test_spin_until (&fetch->done, WAIT_MS);
}

static gboolean
all_done (gpointer user_data)
{
  GArray *fetches = user_data;

  for (guint i = 0; i < fetches->len; i++)
    if (!g_array_index (fetches, Fetch, i).done)
      return FALSE;

  return TRUE;
}

static GArray *
fetch_array_new (guint n)
{
  GArray *fetches = g_array_sized_new (FALSE, TRUE, sizeof (Fetch), n);

  g_array_set_size (fetches, n);
  g_array_set_clear_func (fetches, (GDestroyNotify) fetch_clear);
  return fetches;
}

static void
test_body (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autoptr(GBytes) image = vignette_test_server_add_image (server, "/a.png", 64, 48, "png");
  g_autofree char *uri = vignette_test_server_get_uri (server, "/a.png");
  g_autofree char *page = vignette_test_server_get_uri (server, "/gallery");
  g_autofree char *user_agent = NULL;
  g_autofree char *referer = NULL;
  Fetch fetch = { 0 };

  g_bytes_ref (image);  /* owned by the server; ours is for the autoptr */

  vignette_fetcher_fetch_async (fetcher, uri, page, VIGNETTE_FETCH_IMAGE, NULL, NULL, NULL,
                                on_fetched, &fetch);
  vignette_test_spin_until (&fetch.done, WAIT_MS);

  g_assert_no_error (fetch.error);
  g_assert_nonnull (fetch.response);
  g_assert_true (g_bytes_equal (fetch.response->body, image));
  g_assert_cmpstr (fetch.response->content_type, ==, "image/png");
  g_assert_cmpstr (fetch.response->mime_type, ==, "image/png");
  g_assert_cmpstr (fetch.response->final_uri, ==, uri);
  g_assert_cmpuint (fetch.response->status, ==, 200);
  g_assert_cmpuint (fetch.response->attempts, ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/a.png"), ==, 1);
  g_assert_cmpuint (vignette_fetcher_get_bytes_received (fetcher), ==, g_bytes_get_size (image));

  /* The server can tell who asks, and from which page */
  user_agent = vignette_test_server_get_request_header (server, "/a.png", "User-Agent");
  g_assert_nonnull (user_agent);
  g_assert_true (g_str_has_prefix (user_agent, "Vignette/" PACKAGE_VERSION));
  referer = vignette_test_server_get_request_header (server, "/a.png", "Referer");
  g_assert_cmpstr (referer, ==, page);

  fetch_clear (&fetch);
}

static void
test_content_type_parameters (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/page");
  g_autoptr(GBytes) html = g_bytes_new_static ("<p>hi</p>", 9);
  Fetch fetch = { 0 };

  vignette_test_server_add (server, "/page", 200, "Text/HTML; charset=ISO-8859-1", html);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_PAGE, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_cmpstr (fetch.response->content_type, ==, "Text/HTML; charset=ISO-8859-1");
  g_assert_cmpstr (fetch.response->mime_type, ==, "text/html");
  fetch_clear (&fetch);
}

typedef struct {
  guint   n_calls;
  guint64 last_received;
  guint64 total;
  gboolean went_backwards;
  gboolean total_changed;
} Progress;

static void
on_progress (GObject *target,
             guint64  received,
             guint64  total,
             guint    attempt)
{
  Progress *progress = g_object_get_data (target, "progress");

  if (received < progress->last_received)
    progress->went_backwards = TRUE;
  if (progress->n_calls > 0 && total != progress->total)
    progress->total_changed = TRUE;
  progress->n_calls++;
  progress->last_received = received;
  progress->total = total;
}

static void
test_progress (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autoptr(GObject) target = g_object_new (G_TYPE_OBJECT, NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/big.bin");
  g_autofree guchar *data = g_malloc (256 * 1024);
  g_autoptr(GBytes) body = NULL;
  Progress progress = { 0 };
  Fetch fetch = { 0 };

  for (guint i = 0; i < 256 * 1024; i++)
    data[i] = (guchar) (i * 7);
  body = g_bytes_new (data, 256 * 1024);

  /* In pieces, so that the client sees the body grow */
  vignette_test_server_add (server, "/big.bin", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/big.bin", 16 * 1024, 5, TRUE);
  g_object_set_data (target, "progress", &progress);

  vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, on_progress, target,
                                NULL, on_fetched, &fetch);
  vignette_test_spin_until (&fetch.done, WAIT_MS);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, body));
  g_assert_cmpuint (progress.n_calls, >=, 4);
  g_assert_false (progress.went_backwards);
  g_assert_cmpuint (progress.last_received, ==, 256 * 1024);
  g_assert_cmpuint (progress.total, ==, 256 * 1024);
  fetch_clear (&fetch);
}

static void
test_progress_unknown_length (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autoptr(GObject) target = g_object_new (G_TYPE_OBJECT, NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/chunked");
  g_autoptr(GBytes) body = vignette_test_make_image (300, 200, "png", TRUE);
  Progress progress = { 0 };
  Fetch fetch = { 0 };

  vignette_test_server_add (server, "/chunked", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/chunked", 4096, 2, FALSE);
  g_object_set_data (target, "progress", &progress);

  vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, on_progress, target,
                                NULL, on_fetched, &fetch);
  vignette_test_spin_until (&fetch.done, WAIT_MS);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, body));
  g_assert_cmpuint (progress.last_received, ==, g_bytes_get_size (body));
  g_assert_cmpuint (progress.total, ==, 0);  /* unknown, never made up */
  fetch_clear (&fetch);
}

static void
test_http_404 (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/missing/7.jpg");
  g_autofree char *expected = NULL;
  Fetch fetch = { 0 };

  g_object_set (fetcher, "retry-delay", 10, NULL);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  expected = g_strdup_printf ("HTTP 404 Not Found for %s", uri);
  g_assert_cmpstr (fetch.error->message, ==, expected);
  /* Permanent: asked once, never again */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/missing/7.jpg"), ==, 1);
  g_assert_cmpuint (vignette_fetcher_get_n_retries (fetcher), ==, 0);
  fetch_clear (&fetch);
}

static void
test_http_403_not_retried (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/secret.png");
  g_autoptr(GBytes) body = g_bytes_new_static ("no", 2);
  Fetch fetch = { 0 };

  g_object_set (fetcher, "retry-delay", 10, NULL);
  vignette_test_server_add (server, "/secret.png", 403, "text/plain", body);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_assert_nonnull (strstr (fetch.error->message, "403"));
  g_assert_nonnull (strstr (fetch.error->message, uri));
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/secret.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_retry_503 (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autoptr(GBytes) image = g_bytes_ref (vignette_test_server_add_image (server, "/flaky.png", 32, 32, "png"));
  g_autofree char *uri = vignette_test_server_get_uri (server, "/flaky.png");
  Fetch fetch = { 0 };

  g_object_set (fetcher, "retry-delay", 10, NULL);
  vignette_test_server_add_failures (server, "/flaky.png", 1, 503, NULL);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, image));
  g_assert_cmpuint (fetch.response->attempts, ==, 2);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/flaky.png"), ==, 2);
  g_assert_cmpuint (vignette_fetcher_get_n_retries (fetcher), ==, 1);
  fetch_clear (&fetch);
}

static void
test_retry_after (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/busy.png");
  GArray *times;
  gint64 gap;
  Fetch fetch = { 0 };

  /* The backoff alone would come back after a few milliseconds */
  g_object_set (fetcher, "retry-delay", 10, NULL);
  vignette_test_server_add_image (server, "/busy.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/busy.png", 1, 429, "1");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_cmpuint (fetch.response->attempts, ==, 2);

  /* Measured where it matters, on the server; a lower bound only */
  times = vignette_test_server_get_request_times (server, "/busy.png");
  g_assert_nonnull (times);
  g_assert_cmpuint (times->len, ==, 2);
  gap = g_array_index (times, gint64, 1) - g_array_index (times, gint64, 0);
  g_test_message ("Second request %" G_GINT64_FORMAT " ms after the first", gap / 1000);
  g_assert_cmpint (gap, >=, 900 * 1000);
  fetch_clear (&fetch);
}

static void
test_retry_after_too_long (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/later.png");
  Fetch fetch = { 0 };

  /* A server that asks for an hour is not waited for: the item fails now, and says why */
  g_object_set (fetcher, "retry-delay", 10, "max-retry-wait", 5, NULL);
  vignette_test_server_add_image (server, "/later.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/later.png", 1, 503, "3600");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_assert_nonnull (strstr (fetch.error->message, "3600"));
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/later.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_retries_exhausted (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/down.png");
  g_autofree char *expected = NULL;
  Fetch fetch = { 0 };

  g_object_set (fetcher, "retry-delay", 10, "retries", 2, NULL);
  vignette_test_server_add_image (server, "/down.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/down.png", 1000, 502, NULL);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  expected = g_strdup_printf ("HTTP 502 Bad Gateway for %s", uri);
  g_assert_cmpstr (fetch.error->message, ==, expected);
  /* The first attempt and two retries */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/down.png"), ==, 3);
  g_assert_cmpuint (vignette_fetcher_get_n_retries (fetcher), ==, 2);
  fetch_clear (&fetch);
}

static void
test_no_retries (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/once.png");
  Fetch fetch = { 0 };

  g_object_set (fetcher, "retry-delay", 10, "retries", 0, NULL);
  vignette_test_server_add_image (server, "/once.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/once.png", 1, 503, NULL);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/once.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_connection_refused (void)
{
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = NULL;
  VignetteTestServer *server;
  Fetch fetch = { 0 };

  /* A port that was just in use and is now closed */
  server = vignette_test_server_new ();
  uri = vignette_test_server_get_uri (server, "/gone.png");
  vignette_test_server_free (server);

  g_object_set (fetcher, "retry-delay", 10, "retries", 1, NULL);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_NETWORK);
  g_assert_nonnull (strstr (fetch.error->message, uri));
  /* A network failure is transient: it was retried */
  g_assert_cmpuint (vignette_fetcher_get_n_retries (fetcher), ==, 1);
  fetch_clear (&fetch);
}

static void
check_limit (guint n_requests,
             guint max_connections,
             guint max_per_host)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (max_connections, max_per_host);
  g_autoptr(GArray) fetches = fetch_array_new (n_requests);
  guint expected = MIN (MIN (max_connections, max_per_host), n_requests);

  /* Answers wait until the limit is reached (so the peak reaches it even on
   * a busy machine), then 200 ms more, in which any excess would show */
  vignette_test_server_hold_until_concurrent (server, "/img/", expected, 10000);
  vignette_test_server_set_latency (server, 200);
  for (guint i = 0; i < n_requests; i++)
    {
      g_autofree char *path = g_strdup_printf ("/img/%u.png", i);
      g_autofree char *uri = vignette_test_server_get_uri (server, path);

      vignette_test_server_add_image (server, path, 16, 16, "png");
      vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, NULL, NULL, NULL,
                                    on_fetched, &g_array_index (fetches, Fetch, i));
    }

  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), <=, expected);
  vignette_test_spin_until_cond (all_done, fetches, WAIT_MS, "every request");

  for (guint i = 0; i < n_requests; i++)
    g_assert_no_error (g_array_index (fetches, Fetch, i).error);

  g_test_message ("limit %u/%u: server peak %u, fetcher peak %u", max_connections, max_per_host,
                  vignette_test_server_get_peak_concurrency (server),
                  vignette_fetcher_get_peak_active (fetcher));
  g_assert_true (vignette_test_server_hold_was_reached (server));
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (server), ==, expected);
  g_assert_cmpuint (vignette_fetcher_get_peak_active (fetcher), ==, expected);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, NULL), ==, n_requests);
  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 0);
  g_assert_cmpuint (vignette_fetcher_get_n_queued (fetcher), ==, 0);
}

static void
test_per_host_limit (void)
{
  check_limit (12, 16, 3);
}

static void
test_per_host_limit_high (void)
{
  /* Well above libsoup's default of 2 per host */
  check_limit (24, 32, 12);
}

static void
test_total_limit (void)
{
  g_autoptr(VignetteTestServer) a = vignette_test_server_new ();
  g_autoptr(VignetteTestServer) b = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 4);
  g_autoptr(GArray) fetches = fetch_array_new (16);

  /* Two ports are two hosts; the total limit spans both */
  vignette_test_server_share_concurrency (b, a);
  vignette_test_server_hold_until_concurrent (a, "/img/", 4, 10000);
  vignette_test_server_set_latency (a, 200);
  vignette_test_server_set_latency (b, 200);

  for (guint i = 0; i < 16; i++)
    {
      VignetteTestServer *server = i % 2 ? b : a;
      g_autofree char *path = g_strdup_printf ("/img/%u.png", i);
      g_autofree char *uri = vignette_test_server_get_uri (server, path);

      vignette_test_server_add_image (server, path, 16, 16, "png");
      vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, NULL, NULL, NULL,
                                    on_fetched, &g_array_index (fetches, Fetch, i));
    }

  vignette_test_spin_until_cond (all_done, fetches, WAIT_MS, "every request");
  for (guint i = 0; i < 16; i++)
    g_assert_no_error (g_array_index (fetches, Fetch, i).error);

  g_test_message ("peaks: a %u, b %u, both %u",
                  vignette_test_server_get_peak_concurrency (a),
                  vignette_test_server_get_peak_concurrency (b),
                  vignette_test_server_get_shared_peak_concurrency (a));
  g_assert_true (vignette_test_server_hold_was_reached (a));
  g_assert_cmpuint (vignette_test_server_get_shared_peak_concurrency (a), ==, 4);
  g_assert_cmpuint (vignette_test_server_get_n_requests (a, NULL), ==, 8);
  g_assert_cmpuint (vignette_test_server_get_n_requests (b, NULL), ==, 8);
  g_assert_cmpuint (vignette_fetcher_get_peak_active (fetcher), ==, 4);
}

static void
test_per_host_across_hosts (void)
{
  g_autoptr(VignetteTestServer) a = vignette_test_server_new ();
  g_autoptr(VignetteTestServer) b = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (16, 3);
  g_autoptr(GArray) fetches = fetch_array_new (16);

  /* A slow host must not take the other host's slots: each gets its 3 */
  vignette_test_server_share_concurrency (b, a);
  vignette_test_server_hold_until_concurrent (a, "/img/", 6, 10000);
  vignette_test_server_set_latency (a, 200);
  vignette_test_server_set_latency (b, 200);

  for (guint i = 0; i < 16; i++)
    {
      /* All of a's requests first, so that a FIFO without per-host
       * accounting would fill every slot with a */
      VignetteTestServer *server = i < 8 ? a : b;
      g_autofree char *path = g_strdup_printf ("/img/%u.png", i);
      g_autofree char *uri = vignette_test_server_get_uri (server, path);

      vignette_test_server_add_image (server, path, 16, 16, "png");
      vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, NULL, NULL, NULL,
                                    on_fetched, &g_array_index (fetches, Fetch, i));
    }

  vignette_test_spin_until_cond (all_done, fetches, WAIT_MS, "every request");
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (a), ==, 3);
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (b), ==, 3);
  g_assert_true (vignette_test_server_hold_was_reached (a));
  g_assert_cmpuint (vignette_test_server_get_shared_peak_concurrency (a), ==, 6);
}

static void
test_images_before_pages (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (1, 1);
  g_autoptr(GArray) fetches = fetch_array_new (3);
  const char *paths[] = { "/page/1", "/page/2", "/img.png" };
  VignetteFetchFlags flags[] = { VIGNETTE_FETCH_PAGE, VIGNETTE_FETCH_PAGE, VIGNETTE_FETCH_IMAGE };
  GArray *t1, *t2, *timg;

  vignette_test_server_add_html (server, "/page/1", "<p>1</p>");
  vignette_test_server_add_html (server, "/page/2", "<p>2</p>");
  vignette_test_server_add_image (server, "/img.png", 8, 8, "png");
  vignette_test_server_set_latency (server, 50);

  /* One connection: page 1 goes first, then the image overtakes page 2 */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *uri = vignette_test_server_get_uri (server, paths[i]);

      vignette_fetcher_fetch_async (fetcher, uri, NULL, flags[i], NULL, NULL, NULL,
                                    on_fetched, &g_array_index (fetches, Fetch, i));
    }

  vignette_test_spin_until_cond (all_done, fetches, WAIT_MS, "every request");
  t1 = vignette_test_server_get_request_times (server, "/page/1");
  t2 = vignette_test_server_get_request_times (server, "/page/2");
  timg = vignette_test_server_get_request_times (server, "/img.png");
  g_assert_nonnull (t1);
  g_assert_nonnull (t2);
  g_assert_nonnull (timg);
  g_assert_cmpint (g_array_index (t1, gint64, 0), <, g_array_index (timg, gint64, 0));
  g_assert_cmpint (g_array_index (timg, gint64, 0), <, g_array_index (t2, gint64, 0));
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (server), ==, 1);
}

static void
test_size_limit (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree guchar *data = g_malloc0 (100 * 1024);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *announced = vignette_test_server_get_uri (server, "/announced.png");
  g_autofree char *streamed = vignette_test_server_get_uri (server, "/streamed.png");
  g_autofree char *small = vignette_test_server_get_uri (server, "/small.png");
  Fetch fetch = { 0 };

  body = g_bytes_new (data, 100 * 1024);
  g_object_set (fetcher, "max-bytes", (guint64) 10 * 1024, "retry-delay", 10, NULL);
  vignette_test_server_add (server, "/announced.png", 200, "image/png", body);
  vignette_test_server_add (server, "/streamed.png", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/streamed.png", 4096, 1, FALSE);
  vignette_test_server_add_image (server, "/small.png", 8, 8, "png");

  /* Content-Length says it at once */
  fetch_and_wait (fetcher, announced, VIGNETTE_FETCH_IMAGE, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (fetch.error->message, announced));
  g_assert_nonnull (strstr (fetch.error->message, "than the limit"));
  fetch_clear (&fetch);

  /* No length: the body is cut off when it grows past the limit */
  fetch_and_wait (fetcher, streamed, VIGNETTE_FETCH_IMAGE, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (fetch.error->message, streamed));
  g_assert_nonnull (strstr (fetch.error->message, "larger than the limit"));
  g_assert_cmpuint (vignette_fetcher_get_bytes_received (fetcher), <=, 10 * 1024);
  fetch_clear (&fetch);

  /* Too large is permanent: neither was asked twice */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/announced.png"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/streamed.png"), ==, 1);

  /* And what fits still comes through */
  fetch_and_wait (fetcher, small, VIGNETTE_FETCH_IMAGE, &fetch);
  g_assert_no_error (fetch.error);
  fetch_clear (&fetch);
}

static void
test_redirect (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteTestServer) other = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autoptr(GBytes) image = g_bytes_ref (vignette_test_server_add_image (other, "/final.png", 20, 10, "png"));
  g_autofree char *start = vignette_test_server_get_uri (server, "/old.png");
  g_autofree char *final = vignette_test_server_get_uri (other, "/final.png");
  Fetch fetch = { 0 };

  /* Relative, then to another host */
  vignette_test_server_add_redirect (server, "/old.png", 301, "/moved/here.png");
  vignette_test_server_add_redirect (server, "/moved/here.png", 302, final);
  fetch_and_wait (fetcher, start, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, image));
  g_assert_cmpstr (fetch.response->final_uri, ==, final);
  g_assert_cmpuint (fetch.response->attempts, ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/old.png"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/moved/here.png"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (other, "/final.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_redirect_refused (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *to_file = vignette_test_server_get_uri (server, "/to-file");
  g_autofree char *loop = vignette_test_server_get_uri (server, "/loop");
  Fetch fetch = { 0 };

  /* A web page must not make us read local files */
  vignette_test_server_add_redirect (server, "/to-file", 302, "file:///etc/passwd");
  fetch_and_wait (fetcher, to_file, VIGNETTE_FETCH_PAGE, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT);
  g_assert_nonnull (strstr (fetch.error->message, to_file));
  fetch_clear (&fetch);

  vignette_test_server_add_redirect (server, "/loop", 302, "/loop");
  fetch_and_wait (fetcher, loop, VIGNETTE_FETCH_PAGE, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/loop"), ==, VIGNETTE_MAX_REDIRECTS + 1);
  fetch_clear (&fetch);
}

static void
test_timeout (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/hang.png");
  Fetch fetch = { 0 };

  g_object_set (fetcher, "timeout", 1, "retry-delay", 10, NULL);
  vignette_test_server_add_image (server, "/hang.png", 8, 8, "png");
  vignette_test_server_set_path_latency (server, "/hang.png", G_MAXUINT);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (fetch.error->message, uri));
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/hang.png"), ==, 1);
  fetch_clear (&fetch);
}

static gboolean
server_has_in_flight (gpointer user_data)
{
  gpointer *args = user_data;

  return vignette_test_server_get_in_flight (args[0]) >= GPOINTER_TO_UINT (args[1]);
}

static void
test_cancel (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GArray) fetches = fetch_array_new (6);
  VignetteFetcher *fetcher = vignette_fetcher_new (8, 2);
  gpointer args[2] = { server, GUINT_TO_POINTER (2) };
  gint64 cancelled_at;

  g_object_add_weak_pointer (G_OBJECT (fetcher), (gpointer *) &fetcher);

  /* Nothing ever answers: two requests on the wire, four queued */
  vignette_test_server_set_latency (server, G_MAXUINT);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("/hang/%u.png", i);
      g_autofree char *uri = vignette_test_server_get_uri (server, path);

      vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, NULL, NULL, cancellable,
                                    on_fetched, &g_array_index (fetches, Fetch, i));
    }

  vignette_test_spin_until_cond (server_has_in_flight, args, WAIT_MS, "two requests on the server");
  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 2);
  g_assert_cmpuint (vignette_fetcher_get_n_queued (fetcher), ==, 4);

  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  vignette_test_spin_until_cond (all_done, fetches, 5000, "every request to complete after cancel");

  for (guint i = 0; i < 6; i++)
    {
      Fetch *fetch = &g_array_index (fetches, Fetch, i);

      g_assert_error (fetch->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_test_message ("request %u completed %" G_GINT64_FORMAT " ms after cancel", i,
                      (fetch->completed_at - cancelled_at) / 1000);
    }

  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 0);
  g_assert_cmpuint (vignette_fetcher_get_n_queued (fetcher), ==, 0);
  /* The queued ones never reached the server */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, NULL), ==, 2);

  /* Nothing holds the fetcher any more, once pending idles have run */
  g_object_unref (fetcher);
  vignette_test_spin_until_null ((gpointer *) &fetcher, 5000, "the fetcher to be finalized");
  g_assert_null (fetcher);
}

static void
test_cancel_queued_only (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (1, 1);
  g_autoptr(GCancellable) cancel_active = g_cancellable_new ();
  g_autoptr(GCancellable) cancel_queued = g_cancellable_new ();
  g_autofree char *slow = vignette_test_server_get_uri (server, "/slow.png");
  g_autofree char *queued = vignette_test_server_get_uri (server, "/queued.png");
  g_autofree char *after = vignette_test_server_get_uri (server, "/after.png");
  Fetch first = { 0 }, second = { 0 }, third = { 0 };
  gpointer args[2] = { server, GUINT_TO_POINTER (1) };

  vignette_test_server_add_image (server, "/slow.png", 8, 8, "png");
  vignette_test_server_add_image (server, "/queued.png", 8, 8, "png");
  vignette_test_server_add_image (server, "/after.png", 8, 8, "png");
  vignette_test_server_set_path_latency (server, "/slow.png", G_MAXUINT);

  /* One connection: the first holds it, the two others wait */
  start_fetch (fetcher, slow, VIGNETTE_FETCH_IMAGE, cancel_active, &first);
  start_fetch (fetcher, queued, VIGNETTE_FETCH_IMAGE, cancel_queued, &second);
  start_fetch (fetcher, after, VIGNETTE_FETCH_IMAGE, NULL, &third);
  vignette_test_spin_until_cond (server_has_in_flight, args, WAIT_MS, "the first request");

  /* The queued one completes at once, while the active one goes on */
  g_cancellable_cancel (cancel_queued);
  vignette_test_spin_until (&second.done, 5000);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (first.done);
  g_assert_false (third.done);
  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 1);
  g_assert_cmpuint (vignette_fetcher_get_n_queued (fetcher), ==, 1);

  /* Cancelling the active one frees its connection for the next */
  g_cancellable_cancel (cancel_active);
  vignette_test_spin_until (&first.done, 5000);
  g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  vignette_test_spin_until (&third.done, WAIT_MS);
  g_assert_no_error (third.error);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/queued.png"), ==, 0);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/after.png"), ==, 1);

  fetch_clear (&first);
  fetch_clear (&second);
  fetch_clear (&third);
}

static void
test_cancel_during_retry_wait (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/wait.png");
  Fetch fetch = { 0 };

  /* The server asks for 30 s; cancelling must not wait for them */
  g_object_set (fetcher, "retry-delay", 10, NULL);
  vignette_test_server_add_image (server, "/wait.png", 8, 8, "png");
  vignette_test_server_add_failures (server, "/wait.png", 1, 503, "30");
  start_fetch (fetcher, uri, VIGNETTE_FETCH_IMAGE, cancellable, &fetch);

  while (vignette_fetcher_get_n_retries (fetcher) == 0 && !fetch.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (fetch.done);

  g_cancellable_cancel (cancellable);
  vignette_test_spin_until (&fetch.done, 5000);
  g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/wait.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_cancel_before_start (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = vignette_fetcher_new (4, 2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/never.png");
  Fetch fetch = { 0 };

  vignette_test_server_add_image (server, "/never.png", 8, 8, "png");
  g_cancellable_cancel (cancellable);
  start_fetch (fetcher, uri, VIGNETTE_FETCH_IMAGE, cancellable, &fetch);
  g_assert_false (fetch.done);  /* never called back from within the call */

  vignette_test_spin_until (&fetch.done, 5000);
  g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  fetch_clear (&fetch);
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/fetcher/body", test_body);
  g_test_add_func ("/core/fetcher/content-type-parameters", test_content_type_parameters);
  g_test_add_func ("/core/fetcher/progress", test_progress);
  g_test_add_func ("/core/fetcher/progress-unknown-length", test_progress_unknown_length);
  g_test_add_func ("/core/fetcher/http-404", test_http_404);
  g_test_add_func ("/core/fetcher/http-403-not-retried", test_http_403_not_retried);
  g_test_add_func ("/core/fetcher/retry-503", test_retry_503);
  g_test_add_func ("/core/fetcher/retry-after", test_retry_after);
  g_test_add_func ("/core/fetcher/retry-after-too-long", test_retry_after_too_long);
  g_test_add_func ("/core/fetcher/retries-exhausted", test_retries_exhausted);
  g_test_add_func ("/core/fetcher/no-retries", test_no_retries);
  g_test_add_func ("/core/fetcher/connection-refused", test_connection_refused);
  g_test_add_func ("/core/fetcher/per-host-limit", test_per_host_limit);
  g_test_add_func ("/core/fetcher/per-host-limit-high", test_per_host_limit_high);
  g_test_add_func ("/core/fetcher/total-limit", test_total_limit);
  g_test_add_func ("/core/fetcher/per-host-across-hosts", test_per_host_across_hosts);
  g_test_add_func ("/core/fetcher/images-before-pages", test_images_before_pages);
  g_test_add_func ("/core/fetcher/size-limit", test_size_limit);
  g_test_add_func ("/core/fetcher/redirect", test_redirect);
  g_test_add_func ("/core/fetcher/redirect-refused", test_redirect_refused);
  g_test_add_func ("/core/fetcher/timeout", test_timeout);
  g_test_add_func ("/core/fetcher/cancel", test_cancel);
  g_test_add_func ("/core/fetcher/cancel-queued-only", test_cancel_queued_only);
  g_test_add_func ("/core/fetcher/cancel-during-retry-wait", test_cancel_during_retry_wait);
  g_test_add_func ("/core/fetcher/cancel-before-start", test_cancel_before_start);

  return g_test_run ();
}
