/* test-utils.c: what every test needs: a loopback server, images, a bounded wait
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "vignette-extractor.h"

#include "test-utils.h"

static char *test_home;

static void
remove_test_home (void)
{
  vignette_test_remove_tree (test_home);
  g_clear_pointer (&test_home, g_free);
}

/* Not G_TEST_OPTION_ISOLATE_DIRS: it also replaces the system data dirs
 * (XDG_DATA_DIRS), so GIO loses the MIME database (content types of local
 * files, sniffing), GSettings its schemas and GTK its icon theme. Only the
 * user's folders are private to this process (and inherited by what it
 * starts), set before any GLib call caches them. */
void
vignette_test_use_private_home (const char *prefix,
                                gboolean    with_runtime_dir)
{
  static const char * const variables[][2] = {
    { "HOME", "home" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };
  g_autofree char *template = g_strconcat (prefix, "-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (test_home);
  test_home = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      g_autofree char *path = NULL;

      if (!with_runtime_dir && g_str_equal (variables[i][0], "XDG_RUNTIME_DIR"))
        continue;
      path = g_build_filename (test_home, variables[i][1], NULL);
      g_mkdir_with_parents (path, 0700);
      g_setenv (variables[i][0], path, TRUE);
    }
  atexit (remove_test_home);
}

void
vignette_test_init (int    *argc,
                    char ***argv)
{
  /* Messages are compared in English, here and in the CLI we start */
  g_setenv ("LC_ALL", "C", TRUE);
  g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, "C");

  /* Loopback tests need no proxy, and must not follow one from the
   * environment or from the desktop's settings */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  vignette_test_use_private_home ("vignette-test", TRUE);

  g_test_init (argc, argv, NULL);
  vignette_extractor_init ();
}

/* Images */

GBytes *
vignette_test_make_image (int         width,
                          int         height,
                          const char *format,
                          gboolean    alpha)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gboolean jpeg;
  guchar *pixels;
  int rowstride, n_channels;
  char *buffer = NULL;
  gsize size = 0;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  jpeg = g_strcmp0 (format, "jpeg") == 0;
  g_assert_true (jpeg || g_strcmp0 (format, "png") == 0);
  if (jpeg)
    alpha = FALSE;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  g_assert_nonnull (pixbuf);
  pixels = gdk_pixbuf_get_pixels (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  n_channels = gdk_pixbuf_get_n_channels (pixbuf);

  /* Two gradients and a checker pattern: a uniform picture would let a
   * broken scaler or encoder pass unnoticed. */
  for (int y = 0; y < height; y++)
    {
      guchar *row = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++)
        {
          guchar *p = row + (gsize) x * n_channels;
          gboolean check = ((x / 8) + (y / 8)) % 2 == 0;

          p[0] = (guchar) (255 * x / MAX (width - 1, 1));
          p[1] = (guchar) (255 * y / MAX (height - 1, 1));
          p[2] = check ? 200 : 40;
          if (alpha)
            p[3] = (guchar) (64 + 191 * ((x + y) % 64) / 63);
        }
    }

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, format, &error, NULL))
    g_error ("Could not encode a %s test image: %s", format, error->message);

  return g_bytes_new_take (buffer, size);
}

/* Waiting */

static gboolean
on_spin_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
vignette_test_spin_until_cond (gboolean   (*cond) (gpointer user_data),
                               gpointer     user_data,
                               guint        timeout_ms,
                               const char  *what)
{
  gboolean timed_out = FALSE;
  guint id;

  id = g_timeout_add (timeout_ms, on_spin_timeout, &timed_out);
  while (!cond (user_data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    {
      g_test_fail_printf ("Timed out after %u ms waiting for %s", timeout_ms,
                          what ? what : "a condition");
      return FALSE;
    }

  g_source_remove (id);
  return TRUE;
}

static gboolean
flag_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

void
vignette_test_spin_until (gboolean *done,
                          guint     timeout_ms)
{
  vignette_test_spin_until_cond (flag_is_set, done, timeout_ms, "completion");
}

static gboolean
pointer_is_null (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

gboolean
vignette_test_spin_until_null (gpointer    *pointer,
                               guint        timeout_ms,
                               const char  *what)
{
  return vignette_test_spin_until_cond (pointer_is_null, pointer, timeout_ms, what);
}

void
vignette_test_spin_for (guint ms)
{
  gboolean timed_out = FALSE;

  g_timeout_add (ms, on_spin_timeout, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
}

/* The server */

typedef struct {
  char               *path;
  guint               status;
  char               *content_type;
  GBytes             *body;
  GPtrArray          *headers;          /* name, value, name, value… */
  char               *location;         /* a redirect */
  guint               n_failures;
  guint               failure_status;
  char               *retry_after;
  gint64              latency_ms;       /* -1: the server's */
  gsize               trickle_chunk;    /* 0: all at once */
  guint               trickle_interval;
  gboolean            trickle_length;
  VignetteTestHandler handler;
  gpointer            handler_data;
  GDestroyNotify      handler_destroy;
} Route;

typedef struct {
  guint      n_requests;
  GArray    *times;
  SoupMessageHeaders *last_headers;
} PathStats;

typedef struct {
  VignetteTestServer *server;
  SoupServerMessage  *msg;
  guint               timeout_id;
  gulong              finished_id;
  gulong              disconnected_id;
  gint64              latency;          /* ms; G_MAXUINT: never */
  gboolean            held;             /* waiting for the barrier */
  /* trickling a body */
  GBytes             *body;
  gsize               offset;
  gsize               chunk;
  guint               interval;
} Request;

/* Requests in flight; shared when several servers count together. Also
 * the one-shot barrier of vignette_test_server_hold_until_concurrent(). */
typedef struct {
  grefcount  ref;
  guint      in_flight;
  guint      peak;
  char      *hold_prefix;
  guint      hold_n;          /* 0: no barrier (any more) */
  guint      hold_max_wait;
  guint      hold_timeout_id;
  gboolean   hold_reached;    /* released because @hold_n were in flight */
  GPtrArray *held;            /* of Request, not owned */
} Counter;

struct _VignetteTestServer {
  SoupServer *soup;
  guint       port;
  GHashTable *routes;     /* path → Route */
  GHashTable *stats;      /* path → PathStats */
  GHashTable *requests;   /* SoupServerMessage → Request, those in flight */
  guint       latency_ms;
  guint       in_flight;
  guint       peak;
  guint       n_requests;
  Counter    *shared;
};

static Counter *
counter_new (void)
{
  Counter *counter = g_new0 (Counter, 1);

  g_ref_count_init (&counter->ref);
  counter->held = g_ptr_array_new ();
  return counter;
}

static void
counter_unref (Counter *counter)
{
  if (!g_ref_count_dec (&counter->ref))
    return;

  /* Requests remove themselves when freed, and servers free theirs first */
  g_assert_cmpuint (counter->held->len, ==, 0);
  g_clear_handle_id (&counter->hold_timeout_id, g_source_remove);
  g_ptr_array_unref (counter->held);
  g_free (counter->hold_prefix);
  g_free (counter);
}

static void
route_free (gpointer data)
{
  Route *route = data;

  if (route->handler_destroy)
    route->handler_destroy (route->handler_data);
  g_free (route->path);
  g_free (route->content_type);
  g_clear_pointer (&route->body, g_bytes_unref);
  g_clear_pointer (&route->headers, g_ptr_array_unref);
  g_free (route->location);
  g_free (route->retry_after);
  g_free (route);
}

static void
path_stats_free (gpointer data)
{
  PathStats *stats = data;

  g_array_unref (stats->times);
  g_clear_pointer (&stats->last_headers, soup_message_headers_unref);
  g_free (stats);
}

static Route *
ensure_route (VignetteTestServer *server,
              const char         *path)
{
  Route *route = g_hash_table_lookup (server->routes, path);

  if (route == NULL)
    {
      route = g_new0 (Route, 1);
      route->path = g_strdup (path);
      route->status = SOUP_STATUS_NOT_FOUND;
      route->latency_ms = -1;
      route->headers = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (server->routes, route->path, route);
    }

  return route;
}

/* The request leaves the set in flight: from now on nothing may touch the
 * message (its io data may be gone). */
static void
request_done (Request *request)
{
  VignetteTestServer *server = request->server;

  g_clear_handle_id (&request->timeout_id, g_source_remove);
  g_clear_signal_handler (&request->finished_id, request->msg);
  g_clear_signal_handler (&request->disconnected_id, request->msg);
  g_assert_cmpuint (server->in_flight, >, 0);
  server->in_flight--;
  g_assert_cmpuint (server->shared->in_flight, >, 0);
  server->shared->in_flight--;
  g_hash_table_remove (server->requests, request->msg);
}

static void
request_free (gpointer data)
{
  Request *request = data;

  if (request->held)
    g_ptr_array_remove (request->server->shared->held, request);
  g_clear_handle_id (&request->timeout_id, g_source_remove);
  g_clear_signal_handler (&request->finished_id, request->msg);
  g_clear_signal_handler (&request->disconnected_id, request->msg);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_object_unref (request->msg);
  g_free (request);
}

static void
on_message_finished (SoupServerMessage *msg,
                     gpointer           user_data)
{
  request_done (user_data);
}

static gboolean
on_trickle (gpointer user_data)
{
  Request *request = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (request->msg);
  gsize size = g_bytes_get_size (request->body);
  gsize n = MIN (request->chunk, size - request->offset);

  if (n > 0)
    {
      g_autoptr(GBytes) piece = g_bytes_new_from_bytes (request->body, request->offset, n);

      soup_message_body_append_bytes (body, piece);
      request->offset += n;
    }

  if (request->offset >= size)
    {
      soup_message_body_complete (body);
      request->timeout_id = 0;
      soup_server_message_unpause (request->msg);
      return G_SOURCE_REMOVE;
    }

  soup_server_message_unpause (request->msg);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_latency_over (gpointer user_data)
{
  Request *request = user_data;

  request->timeout_id = 0;
  if (request->body != NULL)
    {
      /* A trickled body starts after the latency */
      if (on_trickle (request) == G_SOURCE_CONTINUE)
        request->timeout_id = g_timeout_add (request->interval, on_trickle, request);
      return G_SOURCE_REMOVE;
    }

  soup_server_message_unpause (request->msg);
  return G_SOURCE_REMOVE;
}

static void
respond_from_route (VignetteTestServer *server,
                    SoupServerMessage  *msg,
                    Route              *route,
                    guint               n,
                    Request            *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (n <= route->n_failures)
    {
      const char *text = "failing on purpose\n";

      soup_server_message_set_status (msg, route->failure_status, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        text, strlen (text));
      if (route->retry_after != NULL)
        soup_message_headers_replace (headers, "Retry-After", route->retry_after);
      return;
    }

  if (route->handler != NULL)
    {
      route->handler (server, msg, route->path, n, route->handler_data);
      return;
    }

  soup_server_message_set_status (msg, route->status, NULL);
  for (guint i = 0; i + 1 < route->headers->len; i += 2)
    soup_message_headers_append (headers, route->headers->pdata[i], route->headers->pdata[i + 1]);

  if (route->location != NULL)
    {
      soup_message_headers_replace (headers, "Location", route->location);
      return;
    }

  if (route->body == NULL)
    return;

  if (route->trickle_chunk > 0)
    {
      if (route->content_type != NULL)
        soup_message_headers_replace (headers, "Content-Type", route->content_type);
      if (route->trickle_length)
        soup_message_headers_set_content_length (headers, g_bytes_get_size (route->body));
      else
        soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      request->body = g_bytes_ref (route->body);
      request->chunk = route->trickle_chunk;
      request->interval = MAX (route->trickle_interval, 1);
      return;
    }

  soup_server_message_set_response (msg, route->content_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (route->body, NULL),
                                    g_bytes_get_size (route->body));
}

/* The response goes out after the request's latency; @paused says whether
 * the message is paused already (held at the barrier) */
static void
start_response (Request  *request,
                gboolean  paused)
{
  if (request->latency == G_MAXUINT)
    {
      if (!paused)
        soup_server_message_pause (request->msg);  /* never answers */
    }
  else if (request->latency > 0)
    {
      if (!paused)
        soup_server_message_pause (request->msg);
      request->timeout_id = g_timeout_add ((guint) request->latency, on_latency_over, request);
    }
  else if (request->body != NULL)
    {
      /* The trickle runs its first step now and pauses between steps */
      if (!paused)
        soup_server_message_pause (request->msg);
      on_latency_over (request);
    }
  else if (paused)
    {
      soup_server_message_unpause (request->msg);
    }
}

static void
release_held (Counter *counter)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&counter->held);

  counter->held = g_ptr_array_new ();
  counter->hold_n = 0;
  g_clear_handle_id (&counter->hold_timeout_id, g_source_remove);

  for (guint i = 0; i < held->len; i++)
    {
      Request *request = g_ptr_array_index (held, i);

      request->held = FALSE;
      start_response (request, TRUE);
    }
}

static gboolean
on_hold_timeout (gpointer user_data)
{
  Counter *counter = user_data;

  counter->hold_timeout_id = 0;
  release_held (counter);
  return G_SOURCE_REMOVE;
}

static void
hold (Counter *counter,
      Request *request)
{
  soup_server_message_pause (request->msg);
  request->held = TRUE;
  g_ptr_array_add (counter->held, request);

  if (counter->hold_timeout_id == 0)
    counter->hold_timeout_id = g_timeout_add (counter->hold_max_wait, on_hold_timeout, counter);

  if (counter->held->len >= counter->hold_n)
    {
      counter->hold_reached = TRUE;
      release_held (counter);
    }
}

static void
server_callback (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  VignetteTestServer *server = user_data;
  PathStats *stats;
  Request *request;
  Route *route;
  gint64 latency;
  gint64 now;

  /* In flight from now until "finished" or "disconnected" */
  request = g_new0 (Request, 1);
  request->server = server;
  request->msg = g_object_ref (msg);
  g_hash_table_insert (server->requests, msg, request);
  request->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished), request);
  request->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (on_message_finished), request);
  server->in_flight++;
  server->peak = MAX (server->peak, server->in_flight);
  server->shared->in_flight++;
  server->shared->peak = MAX (server->shared->peak, server->shared->in_flight);
  server->n_requests++;

  stats = g_hash_table_lookup (server->stats, path);
  if (stats == NULL)
    {
      stats = g_new0 (PathStats, 1);
      stats->times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (server->stats, g_strdup (path), stats);
    }
  stats->n_requests++;
  now = g_get_monotonic_time ();
  g_array_append_val (stats->times, now);
  g_clear_pointer (&stats->last_headers, soup_message_headers_unref);
  stats->last_headers = soup_message_headers_ref (soup_server_message_get_request_headers (msg));

  route = g_hash_table_lookup (server->routes, path);
  if (route == NULL)
    {
      const char *text = "not found\n";

      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, text, strlen (text));
      latency = server->latency_ms;
    }
  else
    {
      respond_from_route (server, msg, route, stats->n_requests, request);
      latency = route->latency_ms >= 0 ? route->latency_ms : server->latency_ms;
    }

  request->latency = latency;

  if (server->shared->hold_n > 0 && g_str_has_prefix (path, server->shared->hold_prefix))
    hold (server->shared, request);
  else
    start_response (request, FALSE);
}

VignetteTestServer *
vignette_test_server_new (void)
{
  g_autoptr(GError) error = NULL;
  VignetteTestServer *server;
  g_autoslist(GUri) uris = NULL;

  server = g_new0 (VignetteTestServer, 1);
  server->soup = soup_server_new ("server-header", "vignette-test ", NULL);
  server->routes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, route_free);
  server->stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, path_stats_free);
  server->requests = g_hash_table_new_full (NULL, NULL, NULL, request_free);
  server->shared = counter_new ();

  soup_server_add_handler (server->soup, NULL, server_callback, server, NULL);
  if (!soup_server_listen_local (server->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("Could not start the test server: %s", error->message);

  uris = soup_server_get_uris (server->soup);
  g_assert_nonnull (uris);
  server->port = g_uri_get_port (uris->data);
  g_assert_cmpuint (server->port, >, 0);

  return server;
}

void
vignette_test_server_free (VignetteTestServer *server)
{
  if (server == NULL)
    return;

  /* Forget the messages still in flight before the server goes, so that
   * their "disconnected" signals find nothing of ours. */
  g_hash_table_remove_all (server->requests);
  soup_server_remove_handler (server->soup, NULL);
  soup_server_disconnect (server->soup);
  g_object_unref (server->soup);

  g_hash_table_unref (server->requests);
  g_hash_table_unref (server->routes);
  g_hash_table_unref (server->stats);
  counter_unref (server->shared);
  g_free (server);
}

SoupServer *
vignette_test_server_get_soup_server (VignetteTestServer *server)
{
  return server->soup;
}

guint
vignette_test_server_get_port (VignetteTestServer *server)
{
  return server->port;
}

char *
vignette_test_server_get_uri (VignetteTestServer *server,
                              const char         *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path ? path : "/");
}

void
vignette_test_server_add (VignetteTestServer *server,
                          const char         *path,
                          guint               status,
                          const char         *content_type,
                          GBytes             *body)
{
  Route *route = ensure_route (server, path);

  route->status = status;
  g_free (route->content_type);
  route->content_type = g_strdup (content_type);
  g_clear_pointer (&route->body, g_bytes_unref);
  route->body = body ? g_bytes_ref (body) : NULL;
  g_clear_pointer (&route->location, g_free);
}

void
vignette_test_server_add_html (VignetteTestServer *server,
                               const char         *path,
                               const char         *html)
{
  g_autoptr(GBytes) body = g_bytes_new (html, strlen (html));

  vignette_test_server_add (server, path, SOUP_STATUS_OK, "text/html; charset=utf-8", body);
}

GBytes *
vignette_test_server_add_image (VignetteTestServer *server,
                                const char         *path,
                                int                 width,
                                int                 height,
                                const char         *format)
{
  g_autoptr(GBytes) body = vignette_test_make_image (width, height, format, FALSE);
  Route *route;

  vignette_test_server_add (server, path, SOUP_STATUS_OK,
                            g_strcmp0 (format, "jpeg") == 0 ? "image/jpeg" : "image/png",
                            body);
  route = g_hash_table_lookup (server->routes, path);
  return route->body;
}

void
vignette_test_server_add_gallery (VignetteTestServer *server,
                                  const char         *page_path,
                                  const char         *image_prefix,
                                  guint               n_images,
                                  int                 width,
                                  int                 height)
{
  g_autoptr(GBytes) image = vignette_test_make_image (width, height, "png", FALSE);
  g_autoptr(GString) html = g_string_new ("<!DOCTYPE html>\n<html><head><title>Gallery</title></head><body>\n");

  for (guint i = 1; i <= n_images; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s%u.png", image_prefix, i);

      g_string_append_printf (html, "<figure><img src=\"%s\" alt=\"%u\"></figure>\n", path, i);
      vignette_test_server_add (server, path, SOUP_STATUS_OK, "image/png", image);
    }
  g_string_append (html, "</body></html>\n");

  vignette_test_server_add_html (server, page_path, html->str);
}

void
vignette_test_server_add_redirect (VignetteTestServer *server,
                                   const char         *path,
                                   guint               status,
                                   const char         *location)
{
  Route *route = ensure_route (server, path);

  route->status = status;
  g_free (route->location);
  route->location = g_strdup (location);
}

void
vignette_test_server_add_header (VignetteTestServer *server,
                                 const char         *path,
                                 const char         *name,
                                 const char         *value)
{
  Route *route = ensure_route (server, path);

  g_ptr_array_add (route->headers, g_strdup (name));
  g_ptr_array_add (route->headers, g_strdup (value));
}

void
vignette_test_server_add_failures (VignetteTestServer *server,
                                   const char         *path,
                                   guint               n_failures,
                                   guint               status,
                                   const char         *retry_after)
{
  Route *route = ensure_route (server, path);

  route->n_failures = n_failures;
  route->failure_status = status;
  g_free (route->retry_after);
  route->retry_after = g_strdup (retry_after);
}

void
vignette_test_server_set_trickle (VignetteTestServer *server,
                                  const char         *path,
                                  gsize               chunk_size,
                                  guint               interval_ms,
                                  gboolean            announce_length)
{
  Route *route = ensure_route (server, path);

  route->trickle_chunk = chunk_size;
  route->trickle_interval = interval_ms;
  route->trickle_length = announce_length;
}

void
vignette_test_server_add_handler (VignetteTestServer *server,
                                  const char         *path,
                                  VignetteTestHandler handler,
                                  gpointer            user_data,
                                  GDestroyNotify      destroy)
{
  Route *route = ensure_route (server, path);

  if (route->handler_destroy)
    route->handler_destroy (route->handler_data);
  route->handler = handler;
  route->handler_data = user_data;
  route->handler_destroy = destroy;
}

void
vignette_test_server_set_latency (VignetteTestServer *server,
                                  guint               latency_ms)
{
  server->latency_ms = latency_ms;
}

void
vignette_test_server_set_path_latency (VignetteTestServer *server,
                                       const char         *path,
                                       guint               latency_ms)
{
  ensure_route (server, path)->latency_ms = latency_ms;
}

guint
vignette_test_server_get_peak_concurrency (VignetteTestServer *server)
{
  return server->peak;
}

void
vignette_test_server_share_concurrency (VignetteTestServer *server,
                                        VignetteTestServer *other)
{
  g_assert_cmpuint (server->in_flight, ==, 0);
  g_assert_cmpuint (other->in_flight, ==, 0);

  counter_unref (server->shared);
  server->shared = other->shared;
  g_ref_count_inc (&server->shared->ref);
  server->shared->peak = 0;
}

void
vignette_test_server_hold_until_concurrent (VignetteTestServer *server,
                                            const char         *prefix,
                                            guint               n,
                                            guint               max_wait_ms)
{
  Counter *counter = server->shared;

  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (counter->held->len, ==, 0);

  g_free (counter->hold_prefix);
  counter->hold_prefix = g_strdup (prefix ? prefix : "/");
  counter->hold_n = n;
  counter->hold_max_wait = max_wait_ms;
  counter->hold_reached = FALSE;
}

gboolean
vignette_test_server_hold_was_reached (VignetteTestServer *server)
{
  return server->shared->hold_reached;
}

guint
vignette_test_server_get_shared_peak_concurrency (VignetteTestServer *server)
{
  return server->shared->peak;
}

guint
vignette_test_server_get_in_flight (VignetteTestServer *server)
{
  return server->in_flight;
}

guint
vignette_test_server_get_n_requests (VignetteTestServer *server,
                                     const char         *path)
{
  PathStats *stats;

  if (path == NULL)
    return server->n_requests;

  stats = g_hash_table_lookup (server->stats, path);
  return stats ? stats->n_requests : 0;
}

GArray *
vignette_test_server_get_request_times (VignetteTestServer *server,
                                        const char         *path)
{
  PathStats *stats = g_hash_table_lookup (server->stats, path);

  return stats ? stats->times : NULL;
}

char *
vignette_test_server_get_request_header (VignetteTestServer *server,
                                         const char         *path,
                                         const char         *name)
{
  PathStats *stats = g_hash_table_lookup (server->stats, path);

  if (stats == NULL || stats->last_headers == NULL)
    return NULL;

  return g_strdup (soup_message_headers_get_one (stats->last_headers, name));
}

void
vignette_test_server_reset_stats (VignetteTestServer *server)
{
  g_hash_table_remove_all (server->stats);
  server->peak = server->in_flight;
  server->shared->peak = server->shared->in_flight;
  server->n_requests = 0;
}

/* The CLI */

typedef struct {
  gboolean  done;
  char     *out;
  char     *err;
  GError   *error;
} CliWait;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CliWait *wait = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &wait->out, &wait->err, &wait->error);
  wait->done = TRUE;
}

const char *
vignette_test_get_cli_path (void)
{
  static char *path;

  if (path == NULL)
    {
      const char *env = g_getenv ("VIGNETTE_CLI");

      /* meson test sets it; run by hand, the CLI is in the build tree beside us */
      if (env != NULL)
        path = g_strdup (env);
      else
        path = g_test_build_filename (G_TEST_BUILT, "..", "src", "cli", "vignette-cli", NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        g_error ("vignette-cli is not at %s: build it, or set VIGNETTE_CLI", path);
    }

  return path;
}

VignetteTestCliResult *
vignette_test_run_cliv (const char * const *args,
                        guint               timeout_ms)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  VignetteTestCliResult *result;
  const char *cli = vignette_test_get_cli_path ();
  CliWait wait = { 0 };

  g_ptr_array_add (argv, (char *) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  /* The child inherits our private home, cache and C locale */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  /* Asynchronous, so that a server in this process answers meanwhile */
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_communicated, &wait);
  if (!vignette_test_spin_until_cond (flag_is_set, &wait.done, timeout_ms, "vignette-cli to exit"))
    {
      g_subprocess_force_exit (process);
      while (!wait.done)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_no_error (wait.error);

  result = g_new0 (VignetteTestCliResult, 1);
  result->out = wait.out ? wait.out : g_strdup ("");
  result->err = wait.err ? wait.err : g_strdup ("");
  if (g_subprocess_get_if_exited (process))
    result->status = g_subprocess_get_exit_status (process);
  else
    result->status = 128 + g_subprocess_get_term_sig (process);

  g_test_message ("vignette-cli exited with %d\n--- stdout:\n%s--- stderr:\n%s---",
                  result->status, result->out, result->err);

  return result;
}

VignetteTestCliResult *
vignette_test_run_cli (const char *first_arg,
                       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return vignette_test_run_cliv ((const char * const *) args->pdata, 120000);
}

void
vignette_test_cli_result_free (VignetteTestCliResult *result)
{
  if (result == NULL)
    return;

  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

/* Files */

char *
vignette_test_make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *path;

  path = g_dir_make_tmp ("vignette-test-XXXXXX", &error);
  g_assert_no_error (error);
  return path;
}

/**
 * vignette_test_get_testdata_dir:
 * @subdir: (nullable): a folder of the conformance data, such as "pngsuite"
 *
 * The shared conformance data sits beside the clone (../shared/testdata),
 * never in it. A test that needs it calls g_test_skip() when this is %NULL.
 *
 * Returns: (transfer full) (nullable): the folder, or %NULL where it is absent
 */
char *
vignette_test_get_testdata_dir (const char *subdir)
{
  const char *root = g_getenv ("VIGNETTE_TESTDATA");
  g_autofree char *path = NULL;

  if (root == NULL || *root == '\0')
    return NULL;

  path = subdir ? g_build_filename (root, subdir, NULL) : g_strdup (root);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return NULL;

  return g_steal_pointer (&path);
}

void
vignette_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            vignette_test_remove_tree (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

void
vignette_test_write_file (const char *path,
                          GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0755);
  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
}
