/* test-hostile-http.c: servers that fail, lie, stall or never stop
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case is an image linked from a page next to a good image: the bad one
 * must fail in one sentence (or succeed after its retries), the good one must
 * still be done, and the run must end. Well-formed answers come from the
 * SoupServer of test-utils; what no SoupServer sends (a reset, a short body,
 * a body without end, a gzip bomb) from the raw server of test-hostile-raw.c.
 */
#include "config.h"

#include <string.h>

#include "test-hostile-common.h"
#include "test-hostile-raw.h"

typedef struct {
  VignetteTestServer *server;
  HostileRawServer          *raw;
  VignetteRun        *run;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = vignette_test_server_new ();
  f->raw = hostile_raw_server_new ();
  f->run = hostile_run_new ();
  vignette_test_server_add_image (f->server, "/good.png", 64, 48, "png");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->run);
  g_clear_pointer (&f->raw, hostile_raw_server_free);
  g_clear_pointer (&f->server, vignette_test_server_free);
}

/* Runs a page that links @bad (an address, or a path on the SoupServer) and
 * the good image, and checks what every hostile case has in common */
static VignetteItem *
run_page_with (Fixture    *f,
               const char *bad)
{
  g_autofree char *bad_uri = g_str_has_prefix (bad, "http") ? g_strdup (bad)
                                                             : vignette_test_server_get_uri (f->server, bad);
  g_autofree char *html = g_strdup_printf ("<html><body><img src=\"%s\"><img src=\"/good.png\"></body></html>",
                                           bad_uri);
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autoptr(GError) error = NULL;

  vignette_test_server_add_html (f->server, "/page.html", html);
  hostile_run_source (f->run, page);

  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  g_assert_cmpuint (vignette_run_get_n_items (f->run), ==, 2);
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));

  return hostile_find_item (f->run, bad_uri);
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  VignetteItem *item = run_page_with (f, "/missing.png");
  g_autofree char *uri = vignette_test_server_get_uri (f->server, "/missing.png");
  g_autofree char *expected = g_strdup_printf ("HTTP 404 Not Found for %s", uri);

  hostile_assert_failed (item, expected);
  /* A permanent failure is not retried */
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, "/missing.png"), ==, 1);
}

static void
test_server_error (Fixture       *f,
                   gconstpointer  data)
{
  VignetteItem *item;

  vignette_test_server_add_image (f->server, "/broken.png", 20, 20, "png");
  vignette_test_server_add_failures (f->server, "/broken.png", 1000, 500, NULL);
  g_object_set (f->run, "retries", 2, NULL);

  item = run_page_with (f, "/broken.png");
  hostile_assert_failed (item, "HTTP 500 Internal Server Error for ");
  /* Transient: retried twice, then given up */
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, "/broken.png"), ==, 3);
  g_assert_cmpuint (vignette_item_get_attempts (item), ==, 3);
}

static void
test_unavailable_then_ok (Fixture       *f,
                          gconstpointer  data)
{
  VignetteItem *item;

  vignette_test_server_add_image (f->server, "/busy.png", 20, 20, "png");
  vignette_test_server_add_failures (f->server, "/busy.png", 2, 503, NULL);
  g_object_set (f->run, "retries", 3, NULL);

  item = run_page_with (f, "/busy.png");
  hostile_assert_done (item);
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, "/busy.png"), ==, 3);
  g_assert_cmpuint (vignette_item_get_attempts (item), ==, 3);
}

static void
test_too_many_requests_retry_after (Fixture       *f,
                                    gconstpointer  data)
{
  VignetteItem *item;
  GArray *times;
  gint64 waited;

  vignette_test_server_add_image (f->server, "/limited.png", 20, 20, "png");
  vignette_test_server_add_failures (f->server, "/limited.png", 1, 429, "1");
  g_object_set (f->run, "retries", 3, NULL);

  item = run_page_with (f, "/limited.png");
  hostile_assert_done (item);
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, "/limited.png"), ==, 2);

  /* Retry-After: 1 is honoured, not the 10 ms backoff (a lower bound only) */
  times = vignette_test_server_get_request_times (f->server, "/limited.png");
  waited = g_array_index (times, gint64, 1) - g_array_index (times, gint64, 0);
  g_assert_cmpint (waited, >=, 900 * 1000);
}

static void
test_retry_after_too_long (Fixture       *f,
                           gconstpointer  data)
{
  VignetteItem *item;

  vignette_test_server_add_image (f->server, "/later.png", 20, 20, "png");
  vignette_test_server_add_failures (f->server, "/later.png", 1, 503, "86400");
  g_object_set (f->run, "retries", 3, NULL);

  /* A server that asks for a day gets an answer now, not a run that hangs */
  item = run_page_with (f, "/later.png");
  hostile_assert_failed (item, "86400");
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, "/later.png"), ==, 1);
}

static void
test_retry_after_nonsense (Fixture       *f,
                           gconstpointer  data)
{
  static const char * const values[] = { "soon", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999" };

  g_object_set (f->run, "retries", 3, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *path = g_strdup_printf ("/odd-%u.png", i);

      vignette_test_server_add_image (f->server, path, 20, 20, "png");
      vignette_test_server_add_failures (f->server, path, 1, 503, values[i]);
    }

  {
    g_autofree char *page = vignette_test_server_get_uri (f->server, "/odd.html");
    g_autoptr(GError) error = NULL;

    vignette_test_server_add_html (f->server, "/odd.html",
                                   "<img src=odd-0.png><img src=odd-1.png><img src=odd-2.png><img src=odd-3.png>");
    hostile_run_source (f->run, page);
    error = hostile_run_execute (f->run, NULL, 60000);
    g_assert_no_error (error);
  }

  /* Each is either retried and done, or refused at once with the wait it asked
   * for; none makes the run wait for ever */
  hostile_assert_all_finished (f->run);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *path = g_strdup_printf ("/odd-%u.png", i);
      VignetteItem *item = hostile_find_item (f->run, path);

      if (item != NULL && vignette_item_get_state (item) == VIGNETTE_ITEM_STATE_FAILED)
        hostile_assert_failed (item, "HTTP 503");
      else
        hostile_assert_done (item);
    }
  /* A date in the past or words mean "now": those two are retried */
  hostile_assert_done (hostile_find_item (f->run, "/odd-0.png"));
  hostile_assert_done (hostile_find_item (f->run, "/odd-2.png"));
}

static void
test_reset_before_any_byte (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/reset.png");
  VignetteItem *item;

  hostile_raw_server_add (f->raw, "/reset.png", HOSTILE_RAW_RESET, "image/png", 0);

  item = run_page_with (f, uri);
  hostile_assert_failed (item, uri);
  /* A reset is transient: tried again once (retries = 1), then given up */
  g_assert_cmpuint (hostile_raw_server_get_route (f->raw, "/reset.png")->n_requests, ==, 2);
}

static void
test_close_without_answer (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/silent.png");

  hostile_raw_server_add (f->raw, "/silent.png", HOSTILE_RAW_CLOSE, "image/png", 0);
  hostile_assert_failed (run_page_with (f, uri), uri);
}

static void
check_short_body (Fixture  *f,
                  gboolean  connection_close)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/short.png");
  g_autoptr(GBytes) png = vignette_test_make_image (200, 200, "png", FALSE);
  HostileRawRoute *route;
  VignetteItem *item;

  /* Half of a real image: what arrived would decode to something */
  route = hostile_raw_server_add (f->raw, "/short.png", HOSTILE_RAW_SHORT_BODY, "image/png", g_bytes_get_size (png));
  route->connection_close = connection_close;
  route->canned = g_bytes_ref (png);

  item = run_page_with (f, uri);
  hostile_assert_failed (item, uri);
  /* Half a body is never handed on as if it were whole: the failure is the
   * connection's, and like any dropped connection it is tried again */
  g_assert_null (vignette_item_get_thumbnails (item));
  g_assert_cmpuint (hostile_raw_server_get_route (f->raw, "/short.png")->n_requests, ==, 2);
}

static void
test_short_body (Fixture       *f,
                 gconstpointer  data)
{
  check_short_body (f, FALSE);
}

/* libsoup 3.2 itself reports EOF, not an error, when a "Connection: close"
 * answer stops short of its Content-Length: the fetcher must count */
static void
test_short_body_connection_close (Fixture       *f,
                                  gconstpointer  data)
{
  check_short_body (f, TRUE);
}

static void
test_empty_body (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);

  vignette_test_server_add (f->server, "/empty.png", 200, "image/png", empty);
  hostile_assert_failed (run_page_with (f, "/empty.png"), "empty");
}

static void
test_empty_page (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/empty.html");
  g_autoptr(GError) error = NULL;

  vignette_test_server_add (f->server, "/empty.html", 200, "text/html", empty);
  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 30000);
  g_assert_no_error (error);

  hostile_assert_failed (hostile_find_item (f->run, "/empty.html"), "empty");
}

/* Either sentence is right for a body that is no image and never ends */
static void
assert_stopped_early (VignetteItem *item)
{
  const char *message = vignette_item_get_error_message (item);

  hostile_assert_failed (item, NULL);
  if (message == NULL ||
      (strstr (message, "limit of 1.0") == NULL && strstr (message, "cannot read") == NULL))
    g_test_fail_printf ("“%s” says neither the limit nor that it cannot be read", message);
}

static void
test_endless_body (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/endless.png");
  VignetteItem *item;

  hostile_raw_server_add (f->raw, "/endless.png", HOSTILE_RAW_ENDLESS, "image/png", 0);
  g_object_set (f->run, "max-bytes", (guint64) 1024 * 1024, NULL);

  item = run_page_with (f, uri);
  /* An image on a page is decoded as it arrives: whichever comes first
   * stops the download, the decoder finding that this is no image or the
   * size limit (a valid image larger than the limit:
   * /core/run/streamed-size-limit) */
  assert_stopped_early (item);
  hostile_assert_failed (item, uri);
  /* The client stopped reading early: what the server could write beyond
   * that is only what the sockets buffer */
  g_assert_cmpuint (hostile_raw_server_get_route (f->raw, "/endless.png")->bytes_sent, <, 32 * 1024 * 1024);
  /* A size limit is not a transient failure */
  g_assert_cmpuint (hostile_raw_server_get_route (f->raw, "/endless.png")->n_requests, ==, 1);
}

static void
test_endless_direct_image (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/endless-direct.png");
  g_autoptr(GError) error = NULL;

  hostile_raw_server_add (f->raw, "/endless-direct.png", HOSTILE_RAW_ENDLESS, "image/png", 0);
  g_object_set (f->run, "max-bytes", (guint64) 1024 * 1024, NULL);

  /* An image address given as a source: once its headers say it is an image,
   * --max-bytes is its limit, not the larger one for pages */
  hostile_run_source (f->run, uri);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_failed (hostile_find_item (f->run, "/endless-direct.png"), "limit of 1.0");
}

static void
test_endless_page (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/endless.html");
  g_autoptr(GError) error = NULL;

  hostile_raw_server_add (f->raw, "/endless.html", HOSTILE_RAW_ENDLESS, "text/html", 0);

  hostile_run_source (f->run, uri);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_failed (hostile_find_item (f->run, "/endless.html"), "limit");
  /* A page may be as large as the larger of the two limits (--max-bytes raises it) */
  g_assert_cmpuint (hostile_raw_server_get_route (f->raw, "/endless.html")->bytes_sent, <,
                    MAX (VIGNETTE_DEFAULT_MAX_PAGE_BYTES, VIGNETTE_DEFAULT_MAX_BYTES) + 32 * 1024 * 1024);
}

static void
test_huge_content_length (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/huge.png");
  HostileRawRoute *route = hostile_raw_server_add (f->raw, "/huge.png", HOSTILE_RAW_CANNED, NULL, 0);
  static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                               "Content-Length: 99999999999\r\nConnection: close\r\n\r\n\x89PNG";
  VignetteItem *item;

  route->canned = g_bytes_new_static (answer, sizeof answer - 1);

  /* Refused from its headers, without reading a byte more */
  item = run_page_with (f, uri);
  hostile_assert_failed (item, "more than the limit");
}

static void
test_not_http (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/babble.png");
  HostileRawRoute *route = hostile_raw_server_add (f->raw, "/babble.png", HOSTILE_RAW_CANNED, NULL, 0);
  static const char answer[] = "SSH-2.0-OpenSSH_9.2\r\n\r\n\x01\x02\x03";

  route->canned = g_bytes_new_static (answer, sizeof answer - 1);
  hostile_assert_failed (run_page_with (f, uri), uri);
}

static void
test_slow_trickle (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/trickle.png");
  VignetteItem *item;
  gint64 started = g_get_monotonic_time ();

  hostile_raw_server_add (f->raw, "/trickle.png", HOSTILE_RAW_TRICKLE, "image/png", 100000)->interval_ms = 1000;
  g_object_set (f->run, "timeout", 2, NULL);

  item = run_page_with (f, uri);
  hostile_assert_failed (item, "Gave up on ");
  hostile_assert_failed (item, uri);
  /* Stopped by the timeout, not by the end of the body (100 000 s away) */
  g_assert_cmpint (g_get_monotonic_time () - started, <, (gint64) hostile_scaled_ms (60000) * 1000);
  /* A server that trickles is not asked again */
  g_assert_cmpuint (hostile_raw_server_get_route (f->raw, "/trickle.png")->n_requests, ==, 1);
}

static void
test_connection_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(HostileRawServer) closed = hostile_raw_server_new ();
  g_autofree char *uri = hostile_raw_server_get_uri (closed, "/nobody.png");

  /* A port where nobody listens any more */
  g_socket_service_stop (closed->service);
  g_socket_listener_close (G_SOCKET_LISTENER (closed->service));

  hostile_assert_failed (run_page_with (f, uri), uri);
}

static void
test_redirect_loop (Fixture       *f,
                    gconstpointer  data)
{
  VignetteItem *item;

  vignette_test_server_add_redirect (f->server, "/loop.png", 302, "/loop.png");
  item = run_page_with (f, "/loop.png");
  hostile_assert_failed (item, "redirect");
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, "/loop.png"), ==,
                    VIGNETTE_MAX_REDIRECTS + 1);
}

static void
test_redirect_cycle (Fixture       *f,
                     gconstpointer  data)
{
  VignetteItem *item;

  vignette_test_server_add_redirect (f->server, "/ping.png", 301, "/pong.png");
  vignette_test_server_add_redirect (f->server, "/pong.png", 307, "/ping.png?again");
  item = run_page_with (f, "/ping.png");
  hostile_assert_failed (item, "redirect");
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, "/ping.png") +
                    vignette_test_server_get_n_requests (f->server, "/pong.png"), <=,
                    VIGNETTE_MAX_REDIRECTS + 1);
}

static void
test_redirect_to_other_schemes (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *secret_dir = vignette_test_make_temp_dir ();
  g_autofree char *secret = g_build_filename (secret_dir, "secret.png", NULL);
  g_autofree char *secret_uri = g_filename_to_uri (secret, NULL, NULL);
  g_autoptr(GBytes) png = vignette_test_make_image (8, 8, "png", FALSE);
  const char *targets[] = {
    secret_uri,
    "file:///etc/passwd",
    "ftp://127.0.0.1/x.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "javascript:alert(1)",
    "resource:///org/gtk/x.png",
  };
  g_autoptr(GString) html = g_string_new ("<html><body>");
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/schemes.html");
  g_autoptr(GError) error = NULL;

  /* A real image there: a redirect that was followed would succeed */
  vignette_test_write_file (secret, png);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *path = g_strdup_printf ("/to-scheme-%u.png", i);

      vignette_test_server_add_redirect (f->server, path, i % 2 ? 301 : 302, targets[i]);
      g_string_append_printf (html, "<img src=\"%s\">", path);
    }
  /* The control: a redirect to another web address is followed */
  vignette_test_server_add_redirect (f->server, "/to-web.png", 302, "/good.png");
  g_string_append (html, "<img src=\"/to-web.png\"></body></html>");

  vignette_test_server_add_html (f->server, "/schemes.html", html->str);
  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 30000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *path = g_strdup_printf ("/to-scheme-%u.png", i);

      hostile_assert_failed (hostile_find_item (f->run, path), "the redirect was refused");
    }
  hostile_assert_done (hostile_find_item (f->run, "/to-web.png"));

  vignette_test_remove_tree (secret_dir);
}

static void
test_gzip_bomb (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/bomb.png");
  VignetteItem *item;
  guint64 sent;

  /* The bomb is a real gzip stream of zeros */
  hostile_raw_check_gzip (4);

  hostile_raw_server_add (f->raw, "/bomb.png", HOSTILE_RAW_GZIP_BOMB, "image/png", 0);
  g_object_set (f->run, "max-bytes", (guint64) 1024 * 1024, NULL);

  item = run_page_with (f, uri);
  /* The limit applies to what the body expands to, not to what came over
   * the wire; zeros are no image either, and the decoder may say so first */
  assert_stopped_early (item);
  sent = hostile_raw_server_get_route (f->raw, "/bomb.png")->bytes_sent;
  g_test_message ("the server sent %" G_GUINT64_FORMAT " compressed bytes", sent);
  g_assert_cmpuint (sent, <, 32 * 1024 * 1024);
}

static void
test_gzip_bomb_page (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *uri = hostile_raw_server_get_uri (f->raw, "/bomb.html");
  g_autoptr(GError) error = NULL;

  hostile_raw_server_add (f->raw, "/bomb.html", HOSTILE_RAW_GZIP_BOMB, "text/html", 0);

  hostile_run_source (f->run, uri);
  error = hostile_run_execute (f->run, NULL, 120000);
  g_assert_no_error (error);

  /* Bounded by the page limit, after some megabytes of zeros, not gigabytes */
  hostile_assert_failed (hostile_find_item (f->run, "/bomb.html"), "limit");
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/hostile/http/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("not-found", test_not_found);
  ADD ("server-error", test_server_error);
  ADD ("unavailable-then-ok", test_unavailable_then_ok);
  ADD ("too-many-requests-retry-after", test_too_many_requests_retry_after);
  ADD ("retry-after-too-long", test_retry_after_too_long);
  ADD ("retry-after-nonsense", test_retry_after_nonsense);
  ADD ("reset-before-any-byte", test_reset_before_any_byte);
  ADD ("close-without-answer", test_close_without_answer);
  ADD ("short-body", test_short_body);
  ADD ("short-body-connection-close", test_short_body_connection_close);
  ADD ("empty-body", test_empty_body);
  ADD ("empty-page", test_empty_page);
  ADD ("endless-body", test_endless_body);
  ADD ("endless-direct-image", test_endless_direct_image);
  ADD ("endless-page", test_endless_page);
  ADD ("huge-content-length", test_huge_content_length);
  ADD ("not-http", test_not_http);
  ADD ("slow-trickle", test_slow_trickle);
  ADD ("connection-refused", test_connection_refused);
  ADD ("redirect-loop", test_redirect_loop);
  ADD ("redirect-cycle", test_redirect_cycle);
  ADD ("redirect-to-other-schemes", test_redirect_to_other_schemes);
  ADD ("gzip-bomb", test_gzip_bomb);
  ADD ("gzip-bomb-page", test_gzip_bomb_page);

#undef ADD

  return g_test_run ();
}
