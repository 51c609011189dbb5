/* vignette-bench-site.c: the benchmarks' gallery: large photos served from memory with set latency and bandwidth
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on 127.0.0.1 (a random port, printed as the first line on
 * stdout) that serves /page/N, each with one <figure><img> per image plus
 * noise images outside figures (a logo, an avatar, icons), and the photos
 * themselves as /img/K.jpg. The photos are large JPEGs drawn once with
 * vignette_demo_render_landscape() plus a texture pass (so that they
 * compress like camera photos: a few megabytes each, not a smooth gradient
 * that libjpeg would decode unrealistically fast) and cached in a folder;
 * run-bench uses that same folder for the thumbnails-only scenario.
 *
 * Every request waits --latency ms (the message is paused and a timeout
 * unpauses it: the loop never blocks), then its body is written at
 * --bandwidth bytes per second per connection (slices appended on a timer)
 * or at once. The site counts requests in flight from the handler to the
 * end of the response: /__stats gives the peak and the totals as JSON,
 * /__reset starts counting again, /__config?latency=&bandwidth=&pages=&per_page=
 * changes the site between scenarios. Those three are neither delayed nor
 * counted. Bodies are served straight from memory (SOUP_MEMORY_STATIC), so
 * that the site costs little CPU next to the client it measures; /__stats
 * reports its own CPU time to check that.
 *
 *   vignette-bench-site [--latency MS] [--bandwidth BYTES/S] [--pages N]
 *                       [--per-page N] [--photos DIR] [--n-photos N]
 *   vignette-bench-site --generate-only [--photos DIR]
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "vignette-demo-site.h"
#include "vignette-stats.h"

/* Bump when the drawing changes, so that old cached photos are not reused */
#define PHOTO_GENERATION 1
#define PHOTO_QUALITY    "92"
#define THROTTLE_TICK_MS 10
#define N_NOISE          4

typedef struct {
  char   *path;
  int     width;
  int     height;
  GBytes *bytes;
} Photo;

typedef struct {
  SoupServer *server;
  GMainLoop  *loop;
  GPtrArray  *photos;        /* of Photo */
  GBytes     *noise[N_NOISE];

  guint       latency_ms;
  guint64     bandwidth;     /* bytes per second per connection; 0: unlimited */
  guint       n_pages;
  guint       per_page;

  GHashTable *in_flight;     /* of Request */
  guint       peak;
  guint64     n_requests;
  guint64     n_page_requests;
  guint64     n_image_requests;
  guint64     n_noise_requests;
  guint64     n_not_found;
  guint64     bytes_sent;
  double      cpu_at_reset;
  gint64      reset_at;
} Site;

typedef struct {
  Site              *site;
  SoupServerMessage *msg;
  guint              latency_id;
  guint              throttle_id;
  GBytes            *body;      /* being written slice by slice */
  gsize              offset;
  gint64             started_at;
  gulong             finished_id;
  gulong             disconnected_id;
} Request;

static const char * const noise_paths[N_NOISE] = {
  "/static/logo.png", "/static/avatar.png", "/static/icon-share.png", "/static/icon-rss.png",
};
static const int noise_sizes[N_NOISE][2] = { { 240, 60 }, { 96, 96 }, { 32, 32 }, { 32, 32 } };

/* Photos ------------------------------------------------------------------- */

static guint32
hash32 (guint32 x)
{
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

/* Smooth 2-D value noise in [-0.5, 0.5] with cells of @cell pixels */
static double
value_noise (guint32 seed,
             int     x,
             int     y,
             int     cell)
{
  int cx = x / cell, cy = y / cell;
  double fx = (double) (x % cell) / cell, fy = (double) (y % cell) / cell;
  double a = (hash32 (seed ^ hash32 ((guint32) cx * 73856093U ^ (guint32) cy * 19349663U)) & 0xffff) / 65535.0;
  double b = (hash32 (seed ^ hash32 ((guint32) (cx + 1) * 73856093U ^ (guint32) cy * 19349663U)) & 0xffff) / 65535.0;
  double c = (hash32 (seed ^ hash32 ((guint32) cx * 73856093U ^ (guint32) (cy + 1) * 19349663U)) & 0xffff) / 65535.0;
  double d = (hash32 (seed ^ hash32 ((guint32) (cx + 1) * 73856093U ^ (guint32) (cy + 1) * 19349663U)) & 0xffff) / 65535.0;
  double top = a + (b - a) * fx, bottom = c + (d - c) * fx;

  return top + (bottom - top) * fy - 0.5;
}

/* Texture of rock and foliage on what is not sky, and sensor noise
 * everywhere: what makes a camera photo weigh a few megabytes. The sky is
 * told apart by the row: the landscape keeps its sky above ~40 % height. */
static void
add_texture (GdkPixbuf *pixbuf,
             guint      seed)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    {
      guchar *row = pixels + (gsize) y * stride;
      double ground = CLAMP ((y - height * 0.35) / (height * 0.15), 0.0, 1.0);

      for (int x = 0; x < width; x++)
        {
          double texture = 0.0;
          guint32 grain = hash32 ((guint32) (y * 40009 + x) ^ (seed * 2654435761U));

          if (ground > 0.0)
            texture = ground * (value_noise (seed, x, y, 3) * 34.0 +
                                value_noise (seed + 1, x, y, 11) * 26.0 +
                                value_noise (seed + 2, x, y, 41) * 18.0);

          for (int c = 0; c < 3; c++)
            {
              double sensor = (((grain >> (8 * c)) & 0xff) / 255.0 - 0.5) * 7.0;
              double v = row[x * 3 + c] + texture * (0.8 + 0.2 * c) + sensor;

              row[x * 3 + c] = (guchar) CLAMP (v, 0.0, 255.0);
            }
        }
    }
}

static void
photo_size (guint index,
            int  *width,
            int  *height)
{
  /* Mostly 12-megapixel 4:3, some 6-megapixel 3:2, as a camera folder */
  if (index % 3 == 2)
    {
      *width = 3000;
      *height = 2000;
    }
  else
    {
      *width = 4000;
      *height = 3000;
    }
}

static char *
photo_path (const char *dir,
            guint       index)
{
  int width, height;
  g_autofree char *name = NULL;

  photo_size (index, &width, &height);
  name = g_strdup_printf ("photo-g%d-%02u-%dx%d.jpg", PHOTO_GENERATION, index + 1, width, height);
  return g_build_filename (dir, name, NULL);
}

typedef struct {
  const char *dir;
  GError     *error;
  GMutex      lock;
} Generation;

static void
generate_one (gpointer data,
              gpointer user_data)
{
  guint index = GPOINTER_TO_UINT (data) - 1;
  Generation *gen = user_data;
  g_autofree char *path = photo_path (gen->dir, index);
  g_autofree char *buffer = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  int width, height;

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return;

  photo_size (index, &width, &height);
  pixbuf = vignette_demo_render_landscape (index * 7 + 3, width, height);
  add_texture (pixbuf, index + 1);

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "jpeg", &error,
                                  "quality", PHOTO_QUALITY, NULL) ||
      !g_file_set_contents (path, buffer, (gssize) length, &error))
    {
      g_mutex_lock (&gen->lock);
      if (gen->error == NULL)
        gen->error = g_steal_pointer (&error);
      g_mutex_unlock (&gen->lock);
    }
}

/* Draws the photos that are not in @dir yet, one per core at a time */
static gboolean
generate_photos (const char  *dir,
                 guint        n_photos,
                 GError     **error)
{
  Generation gen = { dir, NULL, { 0 } };
  GThreadPool *pool;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  g_mutex_init (&gen.lock);
  pool = g_thread_pool_new (generate_one, &gen, (int) g_get_num_processors (), FALSE, NULL);
  for (guint i = 0; i < n_photos; i++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_mutex_clear (&gen.lock);

  if (gen.error != NULL)
    {
      g_propagate_error (error, gen.error);
      return FALSE;
    }

  return TRUE;
}

static void
photo_free (gpointer data)
{
  Photo *photo = data;

  g_free (photo->path);
  g_clear_pointer (&photo->bytes, g_bytes_unref);
  g_free (photo);
}

static gboolean
load_photos (Site        *site,
             const char  *dir,
             guint        n_photos,
             GError     **error)
{
  site->photos = g_ptr_array_new_with_free_func (photo_free);

  for (guint i = 0; i < n_photos; i++)
    {
      Photo *photo = g_new0 (Photo, 1);
      char *contents = NULL;
      gsize length = 0;

      photo->path = photo_path (dir, i);
      photo_size (i, &photo->width, &photo->height);
      g_ptr_array_add (site->photos, photo);
      if (!g_file_get_contents (photo->path, &contents, &length, error))
        return FALSE;
      photo->bytes = g_bytes_new_take (contents, length);
    }

  for (guint i = 0; i < N_NOISE; i++)
    {
      g_autoptr(GdkPixbuf) pixbuf = vignette_demo_render_landscape (1000 + i, noise_sizes[i][0],
                                                                    noise_sizes[i][1]);
      char *buffer = NULL;
      gsize length = 0;

      if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", error, NULL))
        return FALSE;
      site->noise[i] = g_bytes_new_take (buffer, length);
    }

  return TRUE;
}

/* Counting ------------------------------------------------------------------ */

static void
site_reset (Site *site)
{
  site->peak = g_hash_table_size (site->in_flight);
  site->n_requests = 0;
  site->n_page_requests = 0;
  site->n_image_requests = 0;
  site->n_noise_requests = 0;
  site->n_not_found = 0;
  site->bytes_sent = 0;
  site->cpu_at_reset = vignette_get_cpu_seconds ();
  site->reset_at = g_get_monotonic_time ();
}

/* The end of a request, however it ends: answered, or the client went away */
static void
request_end (Request *req)
{
  Site *site = req->site;

  g_clear_handle_id (&req->latency_id, g_source_remove);
  g_clear_handle_id (&req->throttle_id, g_source_remove);
  g_clear_signal_handler (&req->finished_id, req->msg);
  g_clear_signal_handler (&req->disconnected_id, req->msg);
  g_clear_pointer (&req->body, g_bytes_unref);

  g_hash_table_remove (site->in_flight, req);
  g_object_unref (req->msg);
  g_free (req);
}

static void
on_message_finished (SoupServerMessage *msg,
                     gpointer           data)
{
  request_end (data);
}

/* Responses ----------------------------------------------------------------- */

static gboolean
on_throttle_tick (gpointer data)
{
  Request *req = data;
  Site *site = req->site;
  gsize length = g_bytes_get_size (req->body);
  gint64 elapsed = g_get_monotonic_time () - req->started_at;
  /* What the connection may have sent by now, so that a late tick catches up */
  guint64 allowed = (guint64) ((double) site->bandwidth * elapsed / G_USEC_PER_SEC);
  gsize end = (gsize) MIN ((guint64) length, MAX (allowed, (guint64) req->offset + 1));
  SoupMessageBody *body = soup_server_message_get_response_body (req->msg);

  if (end > req->offset)
    {
      soup_message_body_append (body, SOUP_MEMORY_STATIC,
                                (const guchar *) g_bytes_get_data (req->body, NULL) + req->offset,
                                end - req->offset);
      site->bytes_sent += end - req->offset;
      req->offset = end;
    }

  if (req->offset == length)
    {
      soup_message_body_complete (body);
      req->throttle_id = 0;
      soup_server_message_unpause (req->msg);
      return G_SOURCE_REMOVE;
    }

  soup_server_message_unpause (req->msg);
  return G_SOURCE_CONTINUE;
}

static void
respond_bytes (Request    *req,
               const char *content_type,
               GBytes     *bytes)
{
  Site *site = req->site;
  SoupServerMessage *msg = req->msg;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);

  if (site->bandwidth == 0)
    {
      /* The bytes live as long as the site: no copy */
      soup_server_message_set_response (msg, content_type, SOUP_MEMORY_STATIC,
                                        g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      site->bytes_sent += g_bytes_get_size (bytes);
      soup_server_message_unpause (msg);
      return;
    }

  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_headers_set_content_length (headers, (goffset) g_bytes_get_size (bytes));
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  req->body = g_bytes_ref (bytes);
  req->offset = 0;
  req->started_at = g_get_monotonic_time ();
  req->throttle_id = g_timeout_add (THROTTLE_TICK_MS, on_throttle_tick, req);
  on_throttle_tick (req);
}

static char *
render_page (Site  *site,
             guint  page)
{
  GString *html = g_string_new (NULL);

  g_string_append_printf (html,
                          "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<title>Landscapes, page %u</title>\n"
                          "<link rel=\"stylesheet\" href=\"/static/site.css\">\n</head>\n<body>\n"
                          "<header><a href=\"/\"><img src=\"%s\" alt=\"Landscapes\" width=\"240\" height=\"60\"></a>\n"
                          "<nav><a href=\"/about\">About</a> <a href=\"/feed\"><img src=\"%s\" alt=\"RSS\"></a></nav></header>\n"
                          "<main>\n",
                          page, noise_paths[0], noise_paths[3]);

  for (guint i = 0; i < site->per_page; i++)
    {
      guint k = (page - 1) * site->per_page + i + 1;
      const Photo *photo = g_ptr_array_index (site->photos, (k - 1) % site->photos->len);

      g_string_append_printf (html,
                              "  <figure>\n    <img src=\"/img/%u.jpg\" alt=\"Photo %u\" width=\"%d\" height=\"%d\">\n"
                              "    <figcaption>Photo %u, %d × %d</figcaption>\n  </figure>\n",
                              k, k, photo->width, photo->height, k, photo->width, photo->height);
    }

  g_string_append_printf (html,
                          "</main>\n<aside><img src=\"%s\" alt=\"The photographer\"> "
                          "<a href=\"/share\"><img src=\"%s\" alt=\"Share\"></a></aside>\n<footer>",
                          noise_paths[1], noise_paths[2]);
  if (page > 1)
    g_string_append_printf (html, "<a href=\"/page/%u\">previous</a> ", page - 1);
  if (page < site->n_pages)
    g_string_append_printf (html, "<a href=\"/page/%u\">next</a>", page + 1);
  g_string_append (html, "</footer>\n</body>\n</html>\n");

  return g_string_free (html, FALSE);
}

static void
respond (Request *req)
{
  Site *site = req->site;
  SoupServerMessage *msg = req->msg;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  guint64 number;

  if (g_str_has_prefix (path, "/page/") &&
      g_ascii_string_to_unsigned (path + strlen ("/page/"), 10, 1, site->n_pages, &number, NULL))
    {
      char *html = render_page (site, (guint) number);
      g_autoptr(GBytes) bytes = g_bytes_new_take (html, strlen (html));

      site->n_page_requests++;
      if (site->bandwidth == 0)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                            g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
          site->bytes_sent += g_bytes_get_size (bytes);
          soup_server_message_unpause (msg);
        }
      else
        respond_bytes (req, "text/html; charset=utf-8", bytes);
      return;
    }

  if (g_str_has_prefix (path, "/img/") && g_str_has_suffix (path, ".jpg"))
    {
      g_autofree char *digits = g_strndup (path + strlen ("/img/"), strlen (path) - strlen ("/img/.jpg"));

      if (g_ascii_string_to_unsigned (digits, 10, 1, (guint64) site->n_pages * site->per_page,
                                      &number, NULL))
        {
          const Photo *photo = g_ptr_array_index (site->photos, (number - 1) % site->photos->len);

          site->n_image_requests++;
          respond_bytes (req, "image/jpeg", photo->bytes);
          return;
        }
    }

  for (guint i = 0; i < N_NOISE; i++)
    if (g_strcmp0 (path, noise_paths[i]) == 0)
      {
        site->n_noise_requests++;
        respond_bytes (req, "image/png", site->noise[i]);
        return;
      }

  site->n_not_found++;
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_unpause (msg);
}

static gboolean
on_latency_elapsed (gpointer data)
{
  Request *req = data;

  req->latency_id = 0;
  respond (req);

  return G_SOURCE_REMOVE;
}

/* Control ------------------------------------------------------------------- */

static void
respond_stats (Site              *site,
               SoupServerMessage *msg)
{
  g_autofree char *json = NULL;

  json = g_strdup_printf ("{\"peak_concurrent\": %u, \"in_flight\": %u, \"requests\": %" G_GUINT64_FORMAT
                          ", \"page_requests\": %" G_GUINT64_FORMAT ", \"image_requests\": %" G_GUINT64_FORMAT
                          ", \"noise_requests\": %" G_GUINT64_FORMAT ", \"not_found\": %" G_GUINT64_FORMAT
                          ", \"bytes_sent\": %" G_GUINT64_FORMAT ", \"cpu_seconds\": %.3f"
                          ", \"seconds\": %.3f, \"latency_ms\": %u, \"bandwidth\": %" G_GUINT64_FORMAT
                          ", \"pages\": %u, \"per_page\": %u, \"photos\": %u}\n",
                          site->peak, g_hash_table_size (site->in_flight), site->n_requests,
                          site->n_page_requests, site->n_image_requests, site->n_noise_requests,
                          site->n_not_found, site->bytes_sent, vignette_get_cpu_seconds () - site->cpu_at_reset,
                          (g_get_monotonic_time () - site->reset_at) / (double) G_USEC_PER_SEC,
                          site->latency_ms, site->bandwidth, site->n_pages, site->per_page,
                          site->photos->len);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static gboolean
config_value (GHashTable *query,
              const char *key,
              guint64     min,
              guint64     max,
              guint64    *out)
{
  const char *text = query ? g_hash_table_lookup (query, key) : NULL;

  return text == NULL || g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

static void
respond_config (Site              *site,
                SoupServerMessage *msg,
                GHashTable        *query)
{
  guint64 latency = site->latency_ms, bandwidth = site->bandwidth;
  guint64 pages = site->n_pages, per_page = site->per_page;

  if (!config_value (query, "latency", 0, 600000, &latency) ||
      !config_value (query, "bandwidth", 0, G_MAXUINT32, &bandwidth) ||
      !config_value (query, "pages", 1, 100000, &pages) ||
      !config_value (query, "per_page", 1, 10000, &per_page))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  site->latency_ms = (guint) latency;
  site->bandwidth = bandwidth;
  site->n_pages = (guint) pages;
  site->per_page = (guint) per_page;
  respond_stats (site, msg);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           data)
{
  Site *site = data;
  Request *req;

  if (g_strcmp0 (path, "/__stats") == 0)
    {
      respond_stats (site, msg);
      return;
    }
  if (g_strcmp0 (path, "/__reset") == 0)
    {
      site_reset (site);
      respond_stats (site, msg);
      return;
    }
  if (g_strcmp0 (path, "/__config") == 0)
    {
      respond_config (site, msg, query);
      return;
    }

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_GET) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  req = g_new0 (Request, 1);
  req->site = site;
  req->msg = g_object_ref (msg);
  g_hash_table_add (site->in_flight, req);
  site->peak = MAX (site->peak, g_hash_table_size (site->in_flight));
  site->n_requests++;

  req->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished), req);
  req->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (on_message_finished), req);

  soup_server_message_pause (msg);
  if (site->latency_ms == 0)
    respond (req);
  else
    req->latency_id = g_timeout_add (site->latency_ms, on_latency_elapsed, req);
}

static gboolean
on_signal (gpointer data)
{
  Site *site = data;

  g_main_loop_quit (site->loop);
  return G_SOURCE_REMOVE;
}

static char *
default_photo_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "vignette-bench", "photos", NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *photo_dir = NULL;
  GSList *uris;
  Site site = { 0 };
  int latency = 200, pages = 10, per_page = 10, n_photos = 12;
  gint64 bandwidth = 0;
  gboolean generate_only = FALSE;
  const GOptionEntry entries[] = {
    { "latency", 'l', 0, G_OPTION_ARG_INT, &latency, "Milliseconds before each response (default 200)", "MS" },
    { "bandwidth", 'b', 0, G_OPTION_ARG_INT64, &bandwidth,
      "Bytes per second per connection, 0 for unlimited (default 0)", "BYTES" },
    { "pages", 'p', 0, G_OPTION_ARG_INT, &pages, "Number of pages, /page/1… (default 10)", "N" },
    { "per-page", 'n', 0, G_OPTION_ARG_INT, &per_page, "Photos per page (default 10)", "N" },
    { "photos", 0, 0, G_OPTION_ARG_FILENAME, &photo_dir,
      "Folder where the photos are generated once (default ~/.cache/vignette-bench/photos)", "DIR" },
    { "n-photos", 0, 0, G_OPTION_ARG_INT, &n_photos, "Different photos (default 12)", "N" },
    { "generate-only", 0, 0, G_OPTION_ARG_NONE, &generate_only,
      "Generate the photos, print their folder and exit", NULL },
    { NULL }
  };

  context = g_option_context_new ("— the benchmarks' local gallery");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("vignette-bench-site: %s\n", error->message);
      return 2;
    }
  if (latency < 0 || bandwidth < 0 || pages < 1 || per_page < 1 || n_photos < 1)
    {
      g_printerr ("vignette-bench-site: negative or zero values are not allowed\n");
      return 2;
    }
  if (photo_dir == NULL)
    photo_dir = default_photo_dir ();

  if (!generate_photos (photo_dir, (guint) n_photos, &error))
    {
      g_printerr ("vignette-bench-site: the photos could not be generated: %s\n", error->message);
      return 1;
    }
  if (generate_only)
    {
      g_print ("%s\n", photo_dir);
      return 0;
    }

  site.latency_ms = (guint) latency;
  site.bandwidth = (guint64) bandwidth;
  site.n_pages = (guint) pages;
  site.per_page = (guint) per_page;
  site.in_flight = g_hash_table_new (NULL, NULL);
  if (!load_photos (&site, photo_dir, (guint) n_photos, &error))
    {
      g_printerr ("vignette-bench-site: %s\n", error->message);
      return 1;
    }
  site_reset (&site);

  site.server = soup_server_new ("server-header", "vignette-bench-site ", NULL);
  soup_server_add_handler (site.server, NULL, handle_request, &site, NULL);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  if (!soup_server_listen (site.server, address, 0, &error))
    {
      g_printerr ("vignette-bench-site: %s\n", error->message);
      return 1;
    }

  uris = soup_server_get_uris (site.server);
  g_print ("http://127.0.0.1:%d/\n", g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  site.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, &site);
  g_unix_signal_add (SIGTERM, on_signal, &site);
  g_main_loop_run (site.loop);

  soup_server_disconnect (site.server);
  g_clear_object (&site.server);
  g_main_loop_unref (site.loop);
  g_hash_table_unref (site.in_flight);
  g_ptr_array_unref (site.photos);
  for (guint i = 0; i < N_NOISE; i++)
    g_bytes_unref (site.noise[i]);

  return 0;
}
