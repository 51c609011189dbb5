/* test-fetcher.c: one GET against a real loopback server: body, retry hints, limits, redirects, TLS, threads
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fetcher runs libsoup on a network thread of its own and hands back
 * one result per fetch on the thread that made it. It neither queues nor
 * retries: a failure says, in a VignetteRetryHint, whether and when another
 * attempt is worth it, and the caller (the host queue, tested without a
 * network in test-host-queue.c) decides. Every test here is one GET, or a
 * few, against a SoupServer on 127.0.0.1.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "vignette-error.h"
#include "vignette-decode-stream.h"
#include "vignette-decoder.h"
#include "vignette-fetcher.h"
#include "vignette-workers.h"

#include "test-utils.h"

#define WAIT_MS 20000

static GThread *main_thread;

typedef struct {
  gboolean           done;
  guint              n_callbacks;
  VignetteResponse  *response;
  GError            *error;
  VignetteRetryHint  hint;
  gint64             started_at;
  gint64             completed_at;
  GThread           *thread;
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

  fetch->n_callbacks++;
  g_assert_false (fetch->done);  /* exactly one callback */
  fetch->thread = g_thread_self ();
  fetch->hint.delay_ms = G_MININT64;  /* finish must fill it in */
  fetch->response = vignette_fetcher_fetch_finish (VIGNETTE_FETCHER (source), result,
                                                   &fetch->hint, &fetch->error);
  g_assert_true ((fetch->response == NULL) != (fetch->error == NULL));
  g_assert_cmpint (fetch->hint.delay_ms, !=, G_MININT64);
  fetch->completed_at = g_get_monotonic_time ();
  fetch->done = TRUE;
}

static void
start_fetch (VignetteFetcher    *fetcher,
             const char         *uri,
             VignetteFetchFlags  flags,
             guint               attempt,
             GCancellable       *cancellable,
             Fetch              *fetch)
{
  memset (fetch, 0, sizeof *fetch);
  fetch->started_at = g_get_monotonic_time ();
  vignette_fetcher_fetch_async (fetcher, uri, NULL, flags, attempt, NULL, NULL, cancellable,
                                on_fetched, fetch);
}

static void
wait_for (Fetch *fetch)
{
  vignette_test_spin_until (&fetch->done, WAIT_MS);
  g_assert_true (fetch->done);
}

static void
fetch_and_wait (VignetteFetcher    *fetcher,
                const char         *uri,
                VignetteFetchFlags  flags,
                guint               attempt,
                Fetch              *fetch)
{
  start_fetch (fetcher, uri, flags, attempt, NULL, fetch);
  wait_for (fetch);
}

static gint64
elapsed_ms (Fetch *fetch)
{
  return (fetch->completed_at - fetch->started_at) / 1000;
}

/* Settings as a run makes them, with what the test changes */
typedef void (*Tweak) (VignetteSettings *settings);

static VignetteFetcher *
fetcher_new (Tweak tweak)
{
  VignetteSettings settings;
  VignetteFetcher *fetcher;

  vignette_settings_init (&settings);
  if (tweak != NULL)
    tweak (&settings);
  fetcher = vignette_fetcher_new (&settings);
  vignette_settings_clear (&settings);

  return fetcher;
}

static void
assert_final (Fetch *fetch)
{
  g_assert_cmpint (fetch->hint.delay_ms, ==, -1);
  g_assert_false (fetch->hint.host_asked);
}

/* A body and its headers ----------------------------------------------------- */

static void
test_body (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autoptr(GBytes) image = g_bytes_ref (vignette_test_server_add_image (server, "/a.png", 64, 48, "png"));
  g_autofree char *uri = vignette_test_server_get_uri (server, "/a.png");
  g_autofree char *page = vignette_test_server_get_uri (server, "/gallery");
  g_autofree char *user_agent = NULL;
  g_autofree char *referer = NULL;
  g_autofree char *accept = NULL;
  VignetteFetchTimes *times;
  Fetch fetch = { 0 };

  fetch.started_at = g_get_monotonic_time ();
  vignette_fetcher_fetch_async (fetcher, uri, page, VIGNETTE_FETCH_IMAGE, 1, NULL, NULL, NULL,
                                on_fetched, &fetch);
  g_assert_false (fetch.done);
  wait_for (&fetch);

  g_assert_no_error (fetch.error);
  g_assert_nonnull (fetch.response);
  g_assert_true (g_bytes_equal (fetch.response->body, image));
  g_assert_cmpstr (fetch.response->content_type, ==, "image/png");
  g_assert_cmpstr (fetch.response->mime_type, ==, "image/png");
  g_assert_cmpstr (fetch.response->final_uri, ==, uri);
  g_assert_cmpuint (fetch.response->status, ==, 200);
  assert_final (&fetch);  /* nothing to try again */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/a.png"), ==, 1);
  g_assert_cmpuint (vignette_fetcher_get_bytes_received (fetcher), ==, g_bytes_get_size (image));
  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 0);
  g_assert_cmpuint (vignette_fetcher_get_peak_active (fetcher), ==, 1);

  /* The protocol, and when each step happened */
  g_assert_cmpint (fetch.response->protocol, ==, VIGNETTE_PROTOCOL_HTTP1);
  times = &fetch.response->times;
  g_test_message ("sent +%" G_GINT64_FORMAT " us, first byte +%" G_GINT64_FORMAT " us, done +%"
                  G_GINT64_FORMAT " us, connection %" G_GUINT64_FORMAT,
                  times->request_sent - fetch.started_at, times->first_byte - fetch.started_at,
                  times->done - fetch.started_at, times->connection_id);
  g_assert_cmpint (times->request_sent, >, 0);
  g_assert_cmpint (times->first_byte, >, 0);
  g_assert_cmpint (times->done, >, 0);
  g_assert_cmpint (fetch.started_at, <=, times->request_sent);
  g_assert_cmpint (times->request_sent, <=, times->first_byte);
  g_assert_cmpint (times->first_byte, <=, times->done);
  g_assert_cmpint (times->done, <=, fetch.completed_at);

  /* The server can tell who asks, from which page, and for what */
  user_agent = vignette_test_server_get_request_header (server, "/a.png", "User-Agent");
  g_assert_nonnull (user_agent);
  g_assert_true (g_str_has_prefix (user_agent, "Vignette/" PACKAGE_VERSION));
  referer = vignette_test_server_get_request_header (server, "/a.png", "Referer");
  g_assert_cmpstr (referer, ==, page);
  accept = vignette_test_server_get_request_header (server, "/a.png", "Accept");
  g_assert_nonnull (accept);
  g_assert_true (g_str_has_prefix (accept, "image/"));

  fetch_clear (&fetch);
}

static void
test_page_headers (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/page");
  g_autofree char *referer = NULL;
  g_autofree char *accept = NULL;
  Fetch fetch = { 0 };

  /* A page asks for HTML, and a referer that is not a web address is not sent */
  vignette_test_server_add_html (server, "/page", "<p>hi</p>");
  memset (&fetch, 0, sizeof fetch);
  vignette_fetcher_fetch_async (fetcher, uri, "file:///home/me/list.txt", VIGNETTE_FETCH_PAGE, 1,
                                NULL, NULL, NULL, on_fetched, &fetch);
  wait_for (&fetch);

  g_assert_no_error (fetch.error);
  accept = vignette_test_server_get_request_header (server, "/page", "Accept");
  g_assert_true (g_str_has_prefix (accept, "text/html"));
  referer = vignette_test_server_get_request_header (server, "/page", "Referer");
  g_assert_null (referer);
  fetch_clear (&fetch);
}

static void
test_content_type_parameters (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/page");
  g_autoptr(GBytes) html = g_bytes_new_static ("<p>hi</p>", 9);
  Fetch fetch = { 0 };

  vignette_test_server_add (server, "/page", 200, "Text/HTML; charset=ISO-8859-1", html);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_PAGE, 1, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, html));
  g_assert_cmpstr (fetch.response->content_type, ==, "Text/HTML; charset=ISO-8859-1");
  g_assert_cmpstr (fetch.response->mime_type, ==, "text/html");
  fetch_clear (&fetch);
}

/* Threads and progress ----------------------------------------------------------- */

typedef struct {
  guint    n_calls;
  guint64  last_received;
  guint64  total;
  gboolean went_backwards;
  gboolean total_changed;
  gboolean off_main_thread;
  gboolean after_result;
  Fetch   *fetch;
} Progress;

static void
on_progress (GObject *target,
             guint64  received,
             guint64  total)
{
  Progress *progress = g_object_get_data (target, "progress");

  if (g_thread_self () != main_thread)
    progress->off_main_thread = TRUE;
  if (progress->fetch != NULL && progress->fetch->done)
    progress->after_result = TRUE;
  if (received < progress->last_received)
    progress->went_backwards = TRUE;
  if (progress->n_calls > 0 && total != progress->total)
    progress->total_changed = TRUE;
  progress->n_calls++;
  progress->last_received = received;
  progress->total = total;
}

static void
test_threads (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autoptr(VignetteFetcher) other = fetcher_new (NULL);
  g_autoptr(GObject) target = g_object_new (G_TYPE_OBJECT, NULL);
  g_autofree guchar *data = g_malloc0 (64 * 1024);
  g_autoptr(GBytes) body = g_bytes_new (data, 64 * 1024);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/t.png");
  GThread *network = vignette_fetcher_get_thread (fetcher);
  Progress progress = { 0 };
  Fetch fetch = { 0 };

  /* libsoup runs on a thread of the fetcher's own, one per fetcher */
  g_assert_nonnull (network);
  g_assert_true (network != main_thread);
  g_assert_true (vignette_fetcher_get_thread (other) != network);
  g_assert_true (vignette_fetcher_get_thread (other) != main_thread);

  /* In 16 pieces, so that there is progress to report before the result */
  vignette_test_server_add (server, "/t.png", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/t.png", 4096, 10, TRUE);
  progress.fetch = &fetch;
  g_object_set_data (target, "progress", &progress);
  fetch.started_at = g_get_monotonic_time ();
  vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, 1, on_progress, target,
                                NULL, on_fetched, &fetch);
  wait_for (&fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, body));
  /* …and the results and progress come back on the thread that made it */
  g_assert_true (fetch.thread == main_thread);
  g_assert_true (fetch.thread != network);
  g_assert_cmpuint (progress.n_calls, >, 0);
  g_assert_false (progress.off_main_thread);
  g_assert_false (progress.after_result);
  g_assert_true (vignette_fetcher_get_thread (fetcher) == network);
  fetch_clear (&fetch);
}

static void
test_progress (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autoptr(GObject) target = g_object_new (G_TYPE_OBJECT, NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/big.bin");
  g_autofree guchar *data = g_malloc (256 * 1024);
  g_autoptr(GBytes) body = NULL;
  Progress progress = { 0 };
  Fetch fetch = { 0 };

  for (guint i = 0; i < 256 * 1024; i++)
    data[i] = (guchar) (i * 7);
  body = g_bytes_new (data, 256 * 1024);

  /* In pieces, so that the client sees the body grow. The server shares
   * this main loop, and its timeouts outrank the fetcher's progress idle:
   * the pieces leave the loop idle between them. */
  vignette_test_server_add (server, "/big.bin", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/big.bin", 16 * 1024, 20, TRUE);
  progress.fetch = &fetch;
  g_object_set_data (target, "progress", &progress);

  vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, 1, on_progress, target,
                                NULL, on_fetched, &fetch);
  wait_for (&fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, body));
  g_test_message ("%u progress calls", progress.n_calls);
  g_assert_cmpuint (progress.n_calls, >=, 4);
  g_assert_false (progress.went_backwards);
  g_assert_false (progress.total_changed);
  g_assert_false (progress.off_main_thread);
  g_assert_cmpuint (progress.total, ==, 256 * 1024);
  /* Batched: the last batch may come with the result, which says the rest */
  g_assert_cmpuint (progress.last_received, <=, 256 * 1024);
  g_assert_cmpuint (progress.last_received, >, 0);
  fetch_clear (&fetch);
}

static void
test_progress_unknown_length (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autoptr(GObject) target = g_object_new (G_TYPE_OBJECT, NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/chunked");
  g_autofree guchar *data = g_malloc (64 * 1024);
  g_autoptr(GBytes) body = NULL;
  Progress progress = { 0 };
  Fetch fetch = { 0 };

  for (guint i = 0; i < 64 * 1024; i++)
    data[i] = (guchar) (i * 13);
  body = g_bytes_new (data, 64 * 1024);
  vignette_test_server_add (server, "/chunked", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/chunked", 4096, 10, FALSE);
  progress.fetch = &fetch;
  g_object_set_data (target, "progress", &progress);

  vignette_fetcher_fetch_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, 1, on_progress, target,
                                NULL, on_fetched, &fetch);
  wait_for (&fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, body));
  g_assert_cmpuint (progress.n_calls, >, 0);
  g_assert_false (progress.went_backwards);
  g_assert_false (progress.off_main_thread);
  g_assert_cmpuint (progress.last_received, <=, g_bytes_get_size (body));
  g_assert_cmpuint (progress.total, ==, 0);  /* unknown, never made up */
  g_assert_false (progress.total_changed);
  fetch_clear (&fetch);
}

/* Failures and their retry hints ----------------------------------------------- */

static void
test_http_404 (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/missing/7.jpg");
  g_autofree char *expected = NULL;
  Fetch fetch = { 0 };

  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  expected = g_strdup_printf ("HTTP 404 Not Found for %s", uri);
  g_assert_cmpstr (fetch.error->message, ==, expected);
  /* Final: no other attempt is worth it, and none was made */
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/missing/7.jpg"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_http_403 (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/secret.png");
  g_autoptr(GBytes) body = g_bytes_new_static ("no", 2);
  Fetch fetch = { 0 };

  vignette_test_server_add (server, "/secret.png", 403, "text/plain", body);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_assert_nonnull (strstr (fetch.error->message, "403"));
  g_assert_nonnull (strstr (fetch.error->message, uri));
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/secret.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_503_hint (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autoptr(GBytes) image = g_bytes_ref (vignette_test_server_add_image (server, "/flaky.png", 32, 32, "png"));
  g_autofree char *uri = vignette_test_server_get_uri (server, "/flaky.png");
  Fetch fetch = { 0 };

  vignette_test_server_add_failures (server, "/flaky.png", 1, 503, NULL);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  /* Transient: worth another attempt, after a backoff of our own */
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_assert_nonnull (strstr (fetch.error->message, "503"));
  g_test_message ("503 on attempt 1: retry in %" G_GINT64_FORMAT " ms", fetch.hint.delay_ms);
  g_assert_cmpint (fetch.hint.delay_ms, >=, 0);
  g_assert_false (fetch.hint.host_asked);
  /* The fetcher itself neither retries nor waits */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/flaky.png"), ==, 1);
  vignette_test_spin_for (200);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/flaky.png"), ==, 1);
  fetch_clear (&fetch);

  /* The caller's second attempt gets the image */
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 2, &fetch);
  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, image));
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/flaky.png"), ==, 2);
  fetch_clear (&fetch);
}

static void
backoff_settings (VignetteSettings *settings)
{
  settings->retry_delay_ms = 400;
  settings->retries = 3;
}

static void
test_backoff (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (backoff_settings);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/down.png");
  g_autofree char *expected = NULL;
  Fetch fetch = { 0 };

  vignette_test_server_add_image (server, "/down.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/down.png", 1000, 502, NULL);
  expected = g_strdup_printf ("HTTP 502 Bad Gateway for %s", uri);

  /* Exponential with jitter: half of 400 << (attempt - 1) fixed, half random */
  for (guint attempt = 1; attempt <= 3; attempt++)
    {
      gint64 full = (gint64) 400 << (attempt - 1);

      fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, attempt, &fetch);
      g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
      g_assert_cmpstr (fetch.error->message, ==, expected);
      g_test_message ("attempt %u: retry in %" G_GINT64_FORMAT " ms", attempt, fetch.hint.delay_ms);
      g_assert_cmpint (fetch.hint.delay_ms, >=, full / 2);
      g_assert_cmpint (fetch.hint.delay_ms, <=, full);
      g_assert_false (fetch.hint.host_asked);
      g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/down.png"), ==, attempt);
      fetch_clear (&fetch);
    }

  /* The retries are used up: final */
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 4, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_assert_cmpstr (fetch.error->message, ==, expected);
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/down.png"), ==, 4);
  fetch_clear (&fetch);
}

static void
no_retries_settings (VignetteSettings *settings)
{
  settings->retries = 0;
}

static void
test_no_retries (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (no_retries_settings);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/once.png");
  Fetch fetch = { 0 };

  /* --retries 0: even the first transient failure is final, Retry-After or not */
  vignette_test_server_add_image (server, "/once.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/once.png", 1, 429, "1");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/once.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_retry_after (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/busy.png");
  Fetch fetch = { 0 };

  vignette_test_server_add_image (server, "/busy.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/busy.png", 1, 429, "2");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  /* The server's wait, exactly, for the whole host */
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_assert_nonnull (strstr (fetch.error->message, "429"));
  g_assert_cmpint (fetch.hint.delay_ms, ==, 2000);
  g_assert_true (fetch.hint.host_asked);
  /* Said, not waited for here */
  g_test_message ("answered in %" G_GINT64_FORMAT " ms", elapsed_ms (&fetch));
  g_assert_cmpint (elapsed_ms (&fetch), <, 1500);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/busy.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_retry_after_date (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/busy.png");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 5);
  g_autofree char *date = soup_date_time_to_string (later, SOUP_DATE_HTTP);
  Fetch fetch = { 0 };

  /* Retry-After may be an HTTP date */
  vignette_test_server_add_image (server, "/busy.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/busy.png", 1, 503, date);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_test_message ("Retry-After: %s -> %" G_GINT64_FORMAT " ms", date, fetch.hint.delay_ms);
  g_assert_true (fetch.hint.host_asked);
  g_assert_cmpint (fetch.hint.delay_ms, >=, 2000);
  g_assert_cmpint (fetch.hint.delay_ms, <=, 5000);
  g_assert_cmpint (fetch.hint.delay_ms % 1000, ==, 0);
  fetch_clear (&fetch);
}

static void
short_wait_settings (VignetteSettings *settings)
{
  settings->max_retry_wait = 5;
}

static void
test_retry_after_too_long (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (short_wait_settings);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/later.png");
  Fetch fetch = { 0 };

  /* A server that asks for an hour is not waited for: the item fails now, and says why */
  vignette_test_server_add_image (server, "/later.png", 32, 32, "png");
  vignette_test_server_add_failures (server, "/later.png", 1, 503, "3600");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP);
  g_test_message ("%s", fetch.error->message);
  g_assert_nonnull (strstr (fetch.error->message, uri));
  g_assert_nonnull (strstr (fetch.error->message, "3600 seconds"));
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/later.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_connection_refused (void)
{
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *uri = NULL;
  VignetteTestServer *server;
  Fetch fetch = { 0 };

  /* A port that was just in use and is now closed */
  server = vignette_test_server_new ();
  uri = vignette_test_server_get_uri (server, "/gone.png");
  vignette_test_server_free (server);

  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_NETWORK);
  g_test_message ("%s; retry in %" G_GINT64_FORMAT " ms", fetch.error->message, fetch.hint.delay_ms);
  g_assert_nonnull (strstr (fetch.error->message, uri));
  /* A network failure is transient, and not the server asking */
  g_assert_cmpint (fetch.hint.delay_ms, >=, 0);
  g_assert_false (fetch.hint.host_asked);
  fetch_clear (&fetch);

  /* Unless the retries are used up */
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, VIGNETTE_DEFAULT_RETRIES + 1, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_NETWORK);
  assert_final (&fetch);
  fetch_clear (&fetch);
}

/* Limits ------------------------------------------------------------------------- */

static void
small_settings (VignetteSettings *settings)
{
  settings->max_bytes = 10 * 1024;
  settings->max_page_bytes = 1024 * 1024;
}

static void
test_size_limit (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (small_settings);
  g_autofree guchar *data = g_malloc0 (100 * 1024);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *announced = vignette_test_server_get_uri (server, "/announced.png");
  g_autofree char *streamed = vignette_test_server_get_uri (server, "/streamed.png");
  g_autofree char *small = vignette_test_server_get_uri (server, "/small.png");
  guint64 before;
  Fetch fetch = { 0 };

  body = g_bytes_new (data, 100 * 1024);
  vignette_test_server_add (server, "/announced.png", 200, "image/png", body);
  vignette_test_server_add (server, "/streamed.png", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/streamed.png", 4096, 1, FALSE);
  vignette_test_server_add_image (server, "/small.png", 8, 8, "png");

  /* Content-Length says it at once */
  fetch_and_wait (fetcher, announced, VIGNETTE_FETCH_IMAGE, 1, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (fetch.error->message, announced));
  g_assert_nonnull (strstr (fetch.error->message, "than the limit"));
  assert_final (&fetch);
  fetch_clear (&fetch);

  /* No length: the body is cut off when it grows past the limit (one byte
   * past it is how the fetcher sees that there is more) */
  before = vignette_fetcher_get_bytes_received (fetcher);
  fetch_and_wait (fetcher, streamed, VIGNETTE_FETCH_IMAGE, 1, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (fetch.error->message, streamed));
  g_assert_nonnull (strstr (fetch.error->message, "larger than the limit"));
  g_assert_cmpuint (vignette_fetcher_get_bytes_received (fetcher) - before, <=, 10 * 1024 + 1);
  assert_final (&fetch);
  fetch_clear (&fetch);

  /* Too large is final: neither was asked twice */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/announced.png"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/streamed.png"), ==, 1);

  /* And what fits still comes through */
  fetch_and_wait (fetcher, small, VIGNETTE_FETCH_IMAGE, 1, &fetch);
  g_assert_no_error (fetch.error);
  fetch_clear (&fetch);
}

static void
test_page_size_limit (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (small_settings);
  g_autofree char *filler = g_strnfill (100 * 1024, 'x');
  g_autofree char *html = g_strdup_printf ("<p>%s</p>", filler);
  g_autoptr(GBytes) png = g_bytes_new (filler, 100 * 1024);
  g_autofree char *page = vignette_test_server_get_uri (server, "/big.html");
  g_autofree char *image = vignette_test_server_get_uri (server, "/big-image");
  Fetch fetch = { 0 };

  /* A page has the page limit (1 MiB here), above the image limit */
  vignette_test_server_add_html (server, "/big.html", html);
  fetch_and_wait (fetcher, page, VIGNETTE_FETCH_PAGE, 1, &fetch);
  g_assert_no_error (fetch.error);
  g_assert_cmpuint (g_bytes_get_size (fetch.response->body), ==, strlen (html));
  fetch_clear (&fetch);

  /* An address fetched as a page that turns out to be an image has the image limit */
  vignette_test_server_add (server, "/big-image", 200, "image/png", png);
  fetch_and_wait (fetcher, image, VIGNETTE_FETCH_PAGE, 1, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE);
  assert_final (&fetch);
  fetch_clear (&fetch);
}

static void
test_redirect (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteTestServer) other = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autoptr(GBytes) image = g_bytes_ref (vignette_test_server_add_image (other, "/final.png", 20, 10, "png"));
  g_autofree char *start = vignette_test_server_get_uri (server, "/old.png");
  g_autofree char *final = vignette_test_server_get_uri (other, "/final.png");
  Fetch fetch = { 0 };

  /* Relative, then to another host */
  vignette_test_server_add_redirect (server, "/old.png", 301, "/moved/here.png");
  vignette_test_server_add_redirect (server, "/moved/here.png", 302, final);
  fetch_and_wait (fetcher, start, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, image));
  g_assert_cmpstr (fetch.response->final_uri, ==, final);
  g_assert_cmpuint (fetch.response->status, ==, 200);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/old.png"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/moved/here.png"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (other, "/final.png"), ==, 1);
  /* One GET from the caller's side: one slot, timed from the first request */
  g_assert_cmpuint (vignette_fetcher_get_peak_active (fetcher), ==, 1);
  g_assert_cmpint (fetch.response->times.request_sent, <=, fetch.response->times.first_byte);
  g_assert_cmpint (fetch.response->times.first_byte, <=, fetch.response->times.done);
  fetch_clear (&fetch);
}

static void
test_redirect_refused (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autofree char *to_file = vignette_test_server_get_uri (server, "/to-file");
  g_autofree char *loop = vignette_test_server_get_uri (server, "/loop");
  g_autofree char *nowhere = vignette_test_server_get_uri (server, "/nowhere");
  Fetch fetch = { 0 };

  /* A web page must not make us read local files */
  vignette_test_server_add_redirect (server, "/to-file", 302, "file:///etc/passwd");
  fetch_and_wait (fetcher, to_file, VIGNETTE_FETCH_PAGE, 1, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT);
  g_assert_nonnull (strstr (fetch.error->message, to_file));
  g_assert_nonnull (strstr (fetch.error->message, "file:///etc/passwd"));
  assert_final (&fetch);
  fetch_clear (&fetch);

  /* A loop ends after the limit, and is not worth another attempt */
  vignette_test_server_add_redirect (server, "/loop", 302, "/loop");
  fetch_and_wait (fetcher, loop, VIGNETTE_FETCH_PAGE, 1, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT);
  g_assert_nonnull (strstr (fetch.error->message, loop));
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/loop"), ==, VIGNETTE_MAX_REDIRECTS + 1);
  fetch_clear (&fetch);

  /* A redirect that says nowhere */
  vignette_test_server_add_redirect (server, "/nowhere", 302, NULL);
  fetch_and_wait (fetcher, nowhere, VIGNETTE_FETCH_PAGE, 1, &fetch);
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT);
  assert_final (&fetch);
  fetch_clear (&fetch);
}

static void
one_second_settings (VignetteSettings *settings)
{
  settings->timeout = 1;
}

static void
test_timeout (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (one_second_settings);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/hang.png");
  Fetch fetch = { 0 };

  vignette_test_server_add_image (server, "/hang.png", 8, 8, "png");
  vignette_test_server_set_path_latency (server, "/hang.png", G_MAXUINT);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT);
  g_test_message ("%s (after %" G_GINT64_FORMAT " ms)", fetch.error->message, elapsed_ms (&fetch));
  g_assert_nonnull (strstr (fetch.error->message, uri));
  /* Whole-second timeouts may fire up to 250 ms early (GLib groups them) */
  g_assert_cmpint (elapsed_ms (&fetch), >=, 700);
  g_assert_cmpint (elapsed_ms (&fetch), <, 5000);
  /* A server that hangs would hang again */
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/hang.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_timeout_covers_redirects (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (one_second_settings);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/hop/1");
  Fetch fetch = { 0 };

  /* Four hops of 600 ms each: each is within the timeout of 1 s (which
   * fires 0.75 to 1.75 s after it is set, GLib rounding whole seconds), the
   * whole GET is not */
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *path = g_strdup_printf ("/hop/%u", i);
      g_autofree char *next = g_strdup_printf ("/hop/%u", i + 1);

      vignette_test_server_add_redirect (server, path, 302, next);
      vignette_test_server_set_path_latency (server, path, 600);
    }
  vignette_test_server_add_image (server, "/hop/5", 8, 8, "png");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_test_message ("after %" G_GINT64_FORMAT " ms: %s", elapsed_ms (&fetch),
                  fetch.error ? fetch.error->message : "fetched");
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (fetch.error->message, uri));
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/hop/5"), ==, 0);
  fetch_clear (&fetch);
}

static void
idle_settings (VignetteSettings *settings)
{
  settings->idle_timeout = 1;
}

static void
test_idle_timeout (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (idle_settings);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/silent.png");
  Fetch fetch = { 0 };

  /* Connected, then silence: the idle timeout ends it long before the total one */
  vignette_test_server_add_image (server, "/silent.png", 8, 8, "png");
  vignette_test_server_set_path_latency (server, "/silent.png", G_MAXUINT);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_nonnull (fetch.error);
  g_test_message ("%s %d: %s (after %" G_GINT64_FORMAT " ms; retry in %" G_GINT64_FORMAT " ms)",
                  g_quark_to_string (fetch.error->domain), fetch.error->code, fetch.error->message,
                  elapsed_ms (&fetch), fetch.hint.delay_ms);
  g_assert_true (fetch.error->domain == VIGNETTE_ERROR);
  g_assert_nonnull (strstr (fetch.error->message, uri));
  g_assert_cmpint (elapsed_ms (&fetch), <, 5000);
  /* A silence may be a passing one: worth another attempt */
  g_assert_cmpint (fetch.hint.delay_ms, >=, 0);
  g_assert_false (fetch.hint.host_asked);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/silent.png"), ==, 1);
  fetch_clear (&fetch);
}

/* The low-speed limit -------------------------------------------------------------- */

static void
low_speed_settings (VignetteSettings *settings)
{
  settings->low_speed_limit = 100;
  settings->low_speed_time = 2;
}

static void
low_speed_off_settings (VignetteSettings *settings)
{
  settings->low_speed_limit = 100;
  settings->low_speed_time = 0;
  settings->timeout = 4;
}

static GBytes *
crawling_body (VignetteTestServer *server,
               const char         *path)
{
  g_autofree guchar *data = g_malloc0 (4000);
  GBytes *body = g_bytes_new (data, 4000);

  /* 10 bytes a second: 400 s for the whole */
  vignette_test_server_add (server, path, 200, "image/png", body);
  vignette_test_server_set_trickle (server, path, 10, 1000, TRUE);
  return body;
}

static void
test_low_speed (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (low_speed_settings);
  g_autoptr(GBytes) body = crawling_body (server, "/crawl.png");
  g_autofree char *uri = vignette_test_server_get_uri (server, "/crawl.png");
  Fetch fetch = { 0 };

  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  /* Cut after the low-speed time (checked once a second), long before the total timeout */
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT);
  g_test_message ("%s (after %" G_GINT64_FORMAT " ms)", fetch.error->message, elapsed_ms (&fetch));
  g_assert_cmpint (elapsed_ms (&fetch), >=, 1500);
  g_assert_cmpint (elapsed_ms (&fetch), <, 6000);
  g_assert_nonnull (strstr (fetch.error->message, uri));
  g_assert_nonnull (strstr (fetch.error->message, "only "));
  g_assert_nonnull (strstr (fetch.error->message, " bytes arrived in the last 2 seconds"));
  g_assert_nonnull (strstr (fetch.error->message, "the limit is 100 bytes a second"));
  /* Another attempt would crawl as well */
  assert_final (&fetch);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/crawl.png"), ==, 1);
  fetch_clear (&fetch);
}

static void
test_low_speed_off (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (low_speed_off_settings);
  g_autoptr(GBytes) body = crawling_body (server, "/crawl.png");
  g_autofree char *uri = vignette_test_server_get_uri (server, "/crawl.png");
  Fetch fetch = { 0 };

  /* Time 0 turns it off: only the total timeout (4 s here) ends it */
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT);
  g_test_message ("%s (after %" G_GINT64_FORMAT " ms)", fetch.error->message, elapsed_ms (&fetch));
  g_assert_null (strstr (fetch.error->message, "only "));
  g_assert_nonnull (strstr (fetch.error->message, "after 4 seconds without a complete answer"));
  g_assert_cmpint (elapsed_ms (&fetch), >=, 3700);
  assert_final (&fetch);
  fetch_clear (&fetch);
}

static void
test_low_speed_enough (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (low_speed_settings);
  g_autofree guchar *data = g_malloc0 (1200);
  g_autoptr(GBytes) body = g_bytes_new (data, 1200);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/slow.png");
  Fetch fetch = { 0 };

  /* 300 bytes a second for 4 s: slow, but above the limit; never cut */
  vignette_test_server_add (server, "/slow.png", 200, "image/png", body);
  vignette_test_server_set_trickle (server, "/slow.png", 30, 100, TRUE);
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_no_error (fetch.error);
  g_test_message ("done in %" G_GINT64_FORMAT " ms", elapsed_ms (&fetch));
  g_assert_cmpint (elapsed_ms (&fetch), >=, 3000);
  g_assert_true (g_bytes_equal (fetch.response->body, body));
  fetch_clear (&fetch);
}

/* HTTPS ---------------------------------------------------------------------------- */

typedef struct {
  char       *dir;
  char       *cert_file;
  SoupServer *soup;
  guint       port;
  guint       n_requests;
  GBytes     *image;
} TlsServer;

static void
tls_callback (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  TlsServer *server = user_data;

  server->n_requests++;
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (server->image, NULL),
                                    g_bytes_get_size (server->image));
}

static void
tls_server_free (TlsServer *server)
{
  if (server->soup != NULL)
    {
      soup_server_disconnect (server->soup);
      g_clear_object (&server->soup);
    }
  if (server->dir != NULL)
    vignette_test_remove_tree (server->dir);
  g_free (server->dir);
  g_free (server->cert_file);
  g_clear_pointer (&server->image, g_bytes_unref);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsServer, tls_server_free)

/* An HTTPS server on 127.0.0.1 with a self-signed certificate that openssl
 * makes now (as test-hostile-common.c does), or NULL without TLS or openssl */
static TlsServer *
tls_server_new (void)
{
  g_autoptr(TlsServer) server = g_new0 (TlsServer, 1);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key_file = NULL;
  g_autofree char *err = NULL;
  g_autoslist(GUri) uris = NULL;
  int status = -1;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return NULL;

  server->dir = vignette_test_make_temp_dir ();
  server->cert_file = g_build_filename (server->dir, "cert.pem", NULL);
  key_file = g_build_filename (server->dir, "key.pem", NULL);
  {
    const char *argv[] = {
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes", "-keyout", key_file, "-out", server->cert_file, "-days", "2",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      NULL
    };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                       NULL, NULL, NULL, &err, &status, &error) ||
        !g_spawn_check_wait_status (status, NULL))
      {
        g_test_message ("openssl: %s", error ? error->message : err);
        return NULL;
      }
  }

  certificate = g_tls_certificate_new_from_files (server->cert_file, key_file, &error);
  if (certificate == NULL)
    {
      g_test_message ("certificate: %s", error->message);
      return NULL;
    }

  server->image = vignette_test_make_image (40, 30, "png", FALSE);
  server->soup = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server->soup, NULL, tls_callback, server, NULL);
  if (!soup_server_listen_local (server->soup, 0, SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("Could not start the HTTPS server: %s", error->message);
  uris = soup_server_get_uris (server->soup);
  server->port = g_uri_get_port (uris->data);

  return g_steal_pointer (&server);
}

static char *
tls_server_get_uri (TlsServer  *server,
                    const char *path)
{
  return g_strdup_printf ("https://127.0.0.1:%u%s", server->port, path);
}

typedef struct {
  guint             n_emissions;
  char             *uri;
  VignetteProtocol  protocol;
  GThread          *thread;
} Learned;

static void
on_protocol_learned (VignetteFetcher *fetcher,
                     const char      *uri,
                     int              protocol,
                     gpointer         user_data)
{
  Learned *learned = user_data;

  learned->n_emissions++;
  g_free (learned->uri);
  learned->uri = g_strdup (uri);
  learned->protocol = (VignetteProtocol) protocol;
  learned->thread = g_thread_self ();
}

static VignetteFetcher *
fetcher_with_ca_file (const char *ca_file)
{
  VignetteSettings settings;
  VignetteFetcher *fetcher;

  vignette_settings_init (&settings);
  settings.ca_file = g_strdup (ca_file);
  fetcher = vignette_fetcher_new (&settings);
  vignette_settings_clear (&settings);

  return fetcher;
}

static void
test_https (void)
{
  g_autoptr(TlsServer) server = tls_server_new ();
  g_autoptr(VignetteFetcher) fetcher = NULL;
  g_autofree char *uri = NULL;
  Learned learned = { 0 };
  Fetch fetch = { 0 };

  if (server == NULL)
    {
      g_test_skip ("No TLS here (glib-networking or openssl missing)");
      return;
    }

  /* Trusting the server's own certificate, and only that */
  fetcher = fetcher_with_ca_file (server->cert_file);
  g_signal_connect (fetcher, "protocol-learned", G_CALLBACK (on_protocol_learned), &learned);
  uri = tls_server_get_uri (server, "/a.png");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_true (g_bytes_equal (fetch.response->body, server->image));
  g_assert_cmpstr (fetch.response->final_uri, ==, uri);
  g_assert_cmpuint (server->n_requests, ==, 1);
  g_test_message ("protocol %d, connection %" G_GUINT64_FORMAT, fetch.response->protocol,
                  fetch.response->times.connection_id);
  g_assert_cmpint (fetch.response->protocol, !=, VIGNETTE_PROTOCOL_UNKNOWN);
  g_assert_cmpint (fetch.response->times.request_sent, <=, fetch.response->times.first_byte);
  g_assert_cmpint (fetch.response->times.first_byte, <=, fetch.response->times.done);

  /* The handshake told the protocol, on the main thread, before the result */
  g_assert_cmpuint (learned.n_emissions, ==, 1);
  g_assert_cmpstr (learned.uri, ==, uri);
  g_assert_cmpint (learned.protocol, ==, fetch.response->protocol);
  g_assert_true (learned.thread == main_thread);

  g_free (learned.uri);
  fetch_clear (&fetch);
}

static void
test_https_untrusted (void)
{
  g_autoptr(TlsServer) server = tls_server_new ();
  g_autoptr(VignetteFetcher) fetcher = NULL;
  g_autofree char *uri = NULL;
  Fetch fetch = { 0 };

  if (server == NULL)
    {
      g_test_skip ("No TLS here (glib-networking or openssl missing)");
      return;
    }

  /* The system's trust store does not know a certificate made a moment ago */
  fetcher = fetcher_new (NULL);
  uri = tls_server_get_uri (server, "/a.png");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TLS);
  g_test_message ("%s", fetch.error->message);
  g_assert_nonnull (strstr (fetch.error->message, "certificate"));
  g_assert_nonnull (strstr (fetch.error->message, "self-signed"));
  g_assert_nonnull (strstr (fetch.error->message, uri));
  assert_final (&fetch);
  g_assert_cmpuint (server->n_requests, ==, 0);
  fetch_clear (&fetch);
}

static void
test_https_missing_ca_file (void)
{
  g_autoptr(TlsServer) server = tls_server_new ();
  g_autoptr(VignetteTestServer) plain = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *plain_uri = vignette_test_server_get_uri (plain, "/a.png");
  Fetch fetch = { 0 };

  if (server == NULL)
    {
      g_test_skip ("No TLS here (glib-networking or openssl missing)");
      return;
    }

  missing = g_build_filename (server->dir, "no-such-ca.pem", NULL);
  fetcher = fetcher_with_ca_file (missing);
  uri = tls_server_get_uri (server, "/a.png");
  fetch_and_wait (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);

  /* The error names the file that could not be read */
  g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TLS);
  g_test_message ("%s", fetch.error->message);
  g_assert_nonnull (strstr (fetch.error->message, missing));
  assert_final (&fetch);
  g_assert_cmpuint (server->n_requests, ==, 0);
  fetch_clear (&fetch);

  /* Plain HTTP needs no certificates */
  vignette_test_server_add_image (plain, "/a.png", 8, 8, "png");
  fetch_and_wait (fetcher, plain_uri, VIGNETTE_FETCH_IMAGE, 1, &fetch);
  g_assert_no_error (fetch.error);
  fetch_clear (&fetch);
}

/* Cancellation ---------------------------------------------------------------------- */

static void
test_cancel_before_start (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteFetcher) fetcher = fetcher_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *uri = vignette_test_server_get_uri (server, "/never.png");
  Fetch fetch = { 0 };

  vignette_test_server_add_image (server, "/never.png", 8, 8, "png");
  g_cancellable_cancel (cancellable);
  start_fetch (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, cancellable, &fetch);
  g_assert_false (fetch.done);  /* never called back from within the call */

  vignette_test_spin_until (&fetch.done, 5000);
  g_assert_true (fetch.done);
  g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_final (&fetch);
  g_assert_true (fetch.thread == main_thread);

  /* Exactly one callback, and the server never heard of it */
  vignette_test_spin_for (200);
  g_assert_cmpuint (fetch.n_callbacks, ==, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, NULL), ==, 0);
  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 0);
  fetch_clear (&fetch);
}

static gboolean
server_has_in_flight (gpointer user_data)
{
  gpointer *args = user_data;

  return vignette_test_server_get_in_flight (args[0]) >= GPOINTER_TO_UINT (args[1]);
}

static void
test_cancel_in_flight (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *other_uri = vignette_test_server_get_uri (server, "/other.png");
  VignetteFetcher *fetcher = fetcher_new (NULL);
  gpointer args[2] = { server, GUINT_TO_POINTER (5) };
  Fetch fetches[4] = { 0 };
  Fetch other = { 0 };
  gint64 cancelled_at;

  g_object_add_weak_pointer (G_OBJECT (fetcher), (gpointer *) &fetcher);

  /* Four that never get an answer, and one that gets it a little later */
  vignette_test_server_set_latency (server, G_MAXUINT);
  vignette_test_server_add_image (server, "/other.png", 8, 8, "png");
  vignette_test_server_set_path_latency (server, "/other.png", 500);
  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    {
      g_autofree char *path = g_strdup_printf ("/hang/%u.png", i);
      g_autofree char *uri = vignette_test_server_get_uri (server, path);

      start_fetch (fetcher, uri, VIGNETTE_FETCH_IMAGE, 1, cancellable, &fetches[i]);
    }
  start_fetch (fetcher, other_uri, VIGNETTE_FETCH_IMAGE, 1, NULL, &other);

  vignette_test_spin_until_cond (server_has_in_flight, args, WAIT_MS, "five requests on the server");
  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 5);

  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    {
      vignette_test_spin_until (&fetches[i].done, 5000);
      g_assert_true (fetches[i].done);
      g_assert_error (fetches[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      assert_final (&fetches[i]);
      g_assert_true (fetches[i].thread == main_thread);
      g_test_message ("request %u completed %" G_GINT64_FORMAT " ms after cancel", i,
                      (fetches[i].completed_at - cancelled_at) / 1000);
    }

  /* The one not cancelled goes on */
  wait_for (&other);
  g_assert_no_error (other.error);

  /* Exactly one callback each, however late we look */
  vignette_test_spin_for (300);
  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    {
      g_assert_cmpuint (fetches[i].n_callbacks, ==, 1);
      fetch_clear (&fetches[i]);
    }
  g_assert_cmpuint (other.n_callbacks, ==, 1);
  fetch_clear (&other);
  g_assert_cmpuint (vignette_fetcher_get_n_active (fetcher), ==, 0);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, NULL), ==, 5);

  /* Nothing holds the fetcher any more, once pending idles have run; its
   * network thread is joined */
  g_object_unref (fetcher);
  vignette_test_spin_until_null ((gpointer *) &fetcher, 5000, "the fetcher to be finalized");
  g_assert_null (fetcher);
}

/* A download into a decode stream pauses while the decoder is behind; a
 * cancel or the total timeout must still end it at once, not when the
 * workers catch up */
static gint worker_busy;

static void
keep_busy (gpointer data,
           gpointer user_data)
{
  g_usleep (5 * G_USEC_PER_SEC);
  g_atomic_int_set (&worker_busy, 0);
}

static void
finish_stream (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  g_task_return_boolean (task, TRUE);
}

static void
on_stream_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

static void
check_paused_download (gboolean by_cancel)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(VignetteFetcher) fetcher = NULL;
  g_autoptr(VignetteDecoder) decoder = NULL;
  g_autofree guchar *data = g_malloc0 (8 * 1024 * 1024);
  g_autoptr(GBytes) body = g_bytes_new (data, 8 * 1024 * 1024);
  g_autofree char *uri = NULL;
  VignetteDecodeStream *stream;
  VignetteSettings settings;
  GTask *task;
  Fetch fetch = { 0 };

  vignette_settings_init (&settings);
  settings.timeout = by_cancel ? 60 : 1;
  fetcher = vignette_fetcher_new (&settings);
  vignette_settings_clear (&settings);
  vignette_test_server_add (server, "/big.png", 200, "image/png", body);
  uri = vignette_test_server_get_uri (server, "/big.png");

  /* The only worker is busy: the stream's queue fills, the download pauses */
  g_atomic_int_set (&worker_busy, 1);
  vignette_workers_run_func (workers, keep_busy, NULL);
  task = g_task_new (NULL, NULL, on_stream_done, NULL);
  decoder = vignette_decoder_new ("big.png", 100, VIGNETTE_DEFAULT_MAX_PIXELS, TRUE);
  stream = vignette_decode_stream_new (workers, decoder, task, finish_stream);
  g_object_unref (task);

  vignette_fetcher_fetch_into_async (fetcher, uri, NULL, VIGNETTE_FETCH_IMAGE, 1, stream, NULL, NULL,
                                     cancellable, on_fetched, &fetch);
  if (by_cancel)
    {
      vignette_test_spin_for (300);
      g_cancellable_cancel (cancellable);
    }
  vignette_test_spin_until (&fetch.done, WAIT_MS);

  g_test_message ("%s", fetch.error ? fetch.error->message : "(no error)");
  /* Ended while the decoder was still behind, not when it caught up */
  g_assert_cmpint (g_atomic_int_get (&worker_busy), ==, 1);
  if (by_cancel)
    g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  else
    g_assert_error (fetch.error, VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT);

  vignette_decode_stream_unref (stream);
  fetch_clear (&fetch);
}

static void
test_paused_download_cancelled (void)
{
  check_paused_download (TRUE);
}

static void
test_paused_download_times_out (void)
{
  check_paused_download (FALSE);
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);
  main_thread = g_thread_self ();

  g_test_add_func ("/core/fetcher/body", test_body);
  g_test_add_func ("/core/fetcher/page-headers", test_page_headers);
  g_test_add_func ("/core/fetcher/content-type-parameters", test_content_type_parameters);
  g_test_add_func ("/core/fetcher/threads", test_threads);
  g_test_add_func ("/core/fetcher/progress", test_progress);
  g_test_add_func ("/core/fetcher/progress-unknown-length", test_progress_unknown_length);
  g_test_add_func ("/core/fetcher/http-404", test_http_404);
  g_test_add_func ("/core/fetcher/http-403", test_http_403);
  g_test_add_func ("/core/fetcher/503-hint", test_503_hint);
  g_test_add_func ("/core/fetcher/backoff", test_backoff);
  g_test_add_func ("/core/fetcher/no-retries", test_no_retries);
  g_test_add_func ("/core/fetcher/retry-after", test_retry_after);
  g_test_add_func ("/core/fetcher/retry-after-date", test_retry_after_date);
  g_test_add_func ("/core/fetcher/retry-after-too-long", test_retry_after_too_long);
  g_test_add_func ("/core/fetcher/connection-refused", test_connection_refused);
  g_test_add_func ("/core/fetcher/size-limit", test_size_limit);
  g_test_add_func ("/core/fetcher/page-size-limit", test_page_size_limit);
  g_test_add_func ("/core/fetcher/redirect", test_redirect);
  g_test_add_func ("/core/fetcher/redirect-refused", test_redirect_refused);
  g_test_add_func ("/core/fetcher/timeout", test_timeout);
  g_test_add_func ("/core/fetcher/idle-timeout", test_idle_timeout);
  g_test_add_func ("/core/fetcher/low-speed", test_low_speed);
  g_test_add_func ("/core/fetcher/low-speed-off", test_low_speed_off);
  g_test_add_func ("/core/fetcher/low-speed-enough", test_low_speed_enough);
  g_test_add_func ("/core/fetcher/https", test_https);
  g_test_add_func ("/core/fetcher/https-untrusted", test_https_untrusted);
  g_test_add_func ("/core/fetcher/https-missing-ca-file", test_https_missing_ca_file);
  g_test_add_func ("/core/fetcher/cancel-before-start", test_cancel_before_start);
  g_test_add_func ("/core/fetcher/cancel-in-flight", test_cancel_in_flight);
  /* Last: it fails on the engine of 2 December (the timeout restarts at each redirect) */
  g_test_add_func ("/core/fetcher/paused-download-cancelled", test_paused_download_cancelled);
  g_test_add_func ("/core/fetcher/paused-download-times-out", test_paused_download_times_out);
  g_test_add_func ("/core/fetcher/timeout-covers-redirects", test_timeout_covers_redirects);

  return g_test_run ();
}
