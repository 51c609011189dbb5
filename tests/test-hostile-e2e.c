/* test-hostile-e2e.c: one page that links every hostile case at once, and good images
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Through the real pipeline (vignette-cli -o, with short limits): the run
 * ends within its timeouts, every bad image is reported in one sentence that
 * says what went wrong, every good image is saved in every size, and the
 * exit status says "some failed".
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "test-hostile-common.h"
#include "test-hostile-raw.h"

typedef struct {
  const char *path;     /* on the SoupServer (/…), the raw server (raw:…) or TLS (tls:…) */
  const char *expected; /* what its one sentence must say, or one of the
                         * "|"-separated words; NULL for a good image */
} Case;

static const Case cases[] = {
  /* Good images, some of them only after a fight */
  { "/good-1.png", NULL },
  { "/good-2.jpg", NULL },
  { "/good-3.png", NULL },
  { "/busy-then-ok.png", NULL },           /* 503, then fine */
  { "/limited-then-ok.png", NULL },        /* 429 + Retry-After: 1, then fine */
  { "/moved.png", NULL },                  /* redirect to a good image */
  { "/frames.gif", NULL },                 /* thousands of frames */
  { "/png-named.jpg", NULL },              /* the extension lies */
  { "/nosy.svg", NULL },                   /* references files and the network */
  { "raw:/names/%2e%2e%2f%2e%2e%2fescape.png", NULL },
  { "raw:/names/..%2F..%2Fescape2.png", NULL },
  { "raw:/names/.hidden.png", NULL },
  { "raw:/names/CON.png", NULL },
  { "raw:/names/ctl%1b%5b31m%00.png", NULL },
  { "/dir-a/same.png", NULL },
  { "/dir-b/same.png", NULL },
  /* Bad ones */
  { "/missing.png", "HTTP 404" },
  { "/broken.png", "HTTP 500" },
  { "/empty.png", "empty" },
  { "/loop.png", "redirect" },
  { "/to-file.png", "the redirect was refused" },
  { "/html.png", "is not an image" },
  { "/half.png", "incomplete" },
  { "/half.jpg", "incomplete" },
  { "/zero.png", "zero.png" },
  { "/bomb.png", "40000" },
  { "/noise.jpg", "noise.jpg" },
  { "raw:/reset.png", "Could not fetch" },
  { "raw:/short.png", "Could not fetch" },
  /* These three bodies are no image: an image is decoded as it arrives, so
   * the decoder may say so before the limit (or the trickle's end) does */
  { "raw:/endless.png", "limit|cannot read" },
  { "raw:/trickle.png", "Gave up|not an image" },
  { "raw:/gzip.png", "limit|cannot read" },
  { "closed:/nobody.png", "Could not fetch" },
  { "tls:/secure.png", "certificate" },
};

typedef struct {
  VignetteTestServer *server;
  HostileRawServer          *raw;
  SoupServer         *tls;
  guint               tls_port;
  guint               closed_port;
  char               *dir;
} Sites;

static void
tls_callback (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  g_error ("The TLS server must not get a request: %s", path);
}

static char *
case_uri (Sites      *sites,
          const Case *c)
{
  if (g_str_has_prefix (c->path, "raw:"))
    return hostile_raw_server_get_uri (sites->raw, c->path + 4);
  if (g_str_has_prefix (c->path, "closed:"))
    return g_strdup_printf ("http://127.0.0.1:%u%s", sites->closed_port, c->path + 7);
  if (g_str_has_prefix (c->path, "tls:"))
    return g_strdup_printf ("https://127.0.0.1:%u%s", sites->tls_port, c->path + 4);
  return vignette_test_server_get_uri (sites->server, c->path);
}

static gboolean
case_available (Sites      *sites,
                const Case *c)
{
  return !g_str_has_prefix (c->path, "tls:") || sites->tls != NULL;
}

static void
serve_everything (Sites *sites)
{
  VignetteTestServer *s = sites->server;
  g_autoptr(GBytes) png = vignette_test_make_image (120, 80, "png", FALSE);
  g_autoptr(GBytes) jpeg = vignette_test_make_image (300, 200, "jpeg", FALSE);
  g_autoptr(GBytes) noise = vignette_test_make_noise_png (100, 100, 3);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) html = g_bytes_new_static ("<html><body>login</body></html>", 31);
  g_autoptr(GBytes) half_png = vignette_test_truncate (noise, g_bytes_get_size (noise) / 2);
  g_autoptr(GBytes) half_jpeg = vignette_test_truncate (jpeg, g_bytes_get_size (jpeg) / 2);
  g_autoptr(GBytes) zero = vignette_test_make_png_declaring (0, 0);
  g_autoptr(GBytes) bomb = hostile_make_black_png (40000, 40000);
  g_autoptr(GBytes) frames = hostile_make_gif_frames (32, 2000);
  g_autoptr(GBytes) random = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *secret_uri = NULL;

  {
    g_autofree char *secret = g_build_filename (sites->dir, "secret.png", NULL);
    g_autofree guint8 *bytes = g_malloc (4096);

    vignette_test_write_file (secret, png);
    secret_uri = g_filename_to_uri (secret, NULL, NULL);
    for (guint i = 0; i < 4096; i++)
      bytes[i] = (guint8) (i * 131 + 7);
    bytes[0] = 0xff; bytes[1] = 0xd8; bytes[2] = 0xff;  /* a JPEG signature, then nonsense */
    random = g_bytes_new_take (g_steal_pointer (&bytes), 4096);
  }
  svg = g_strdup_printf ("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
                         "width=\"90\" height=\"60\"><rect width=\"90\" height=\"60\" fill=\"#393\"/>"
                         "<image xlink:href=\"%s\" width=\"30\" height=\"30\"/>"
                         "<image xlink:href=\"http://127.0.0.1:%u/svg-probe.png\" width=\"30\" height=\"30\"/></svg>",
                         secret_uri, vignette_test_server_get_port (s));

  vignette_test_server_add (s, "/good-1.png", 200, "image/png", png);
  vignette_test_server_add (s, "/good-2.jpg", 200, "image/jpeg", jpeg);
  vignette_test_server_add (s, "/good-3.png", 200, "image/png", noise);
  vignette_test_server_add (s, "/busy-then-ok.png", 200, "image/png", png);
  vignette_test_server_add_failures (s, "/busy-then-ok.png", 1, 503, NULL);
  vignette_test_server_add (s, "/limited-then-ok.png", 200, "image/png", png);
  vignette_test_server_add_failures (s, "/limited-then-ok.png", 1, 429, "1");
  vignette_test_server_add_redirect (s, "/moved.png", 301, "/good-1.png");
  vignette_test_server_add (s, "/frames.gif", 200, "image/gif", frames);
  vignette_test_server_add (s, "/png-named.jpg", 200, "image/jpeg", png);
  {
    g_autoptr(GBytes) svg_bytes = g_bytes_new (svg, strlen (svg));
    vignette_test_server_add (s, "/nosy.svg", 200, "image/svg+xml", svg_bytes);
  }
  /* The raw server takes any bytes in a path (a SoupServer refuses %2F and %00) */
  hostile_raw_server_add (sites->raw, NULL, HOSTILE_RAW_CANNED, NULL, 0)->canned = hostile_raw_answer ("image/png", png);
  vignette_test_server_add (s, "/dir-a/same.png", 200, "image/png", png);
  vignette_test_server_add (s, "/dir-b/same.png", 200, "image/png", jpeg);

  vignette_test_server_add (s, "/broken.png", 200, "image/png", png);
  vignette_test_server_add_failures (s, "/broken.png", 1000, 500, NULL);
  vignette_test_server_add (s, "/empty.png", 200, "image/png", empty);
  vignette_test_server_add_redirect (s, "/loop.png", 302, "/loop.png");
  vignette_test_server_add_redirect (s, "/to-file.png", 302, secret_uri);
  vignette_test_server_add (s, "/html.png", 200, "image/png", html);
  vignette_test_server_add (s, "/half.png", 200, "image/png", half_png);
  vignette_test_server_add (s, "/half.jpg", 200, "image/jpeg", half_jpeg);
  vignette_test_server_add (s, "/zero.png", 200, "image/png", zero);
  vignette_test_server_add (s, "/bomb.png", 200, "image/png", bomb);
  vignette_test_server_add (s, "/noise.jpg", 200, "image/jpeg", random);

  hostile_raw_server_add (sites->raw, "/reset.png", HOSTILE_RAW_RESET, "image/png", 0);
  hostile_raw_server_add (sites->raw, "/short.png", HOSTILE_RAW_SHORT_BODY, "image/png", 50000)->canned = g_bytes_ref (noise);
  hostile_raw_server_add (sites->raw, "/endless.png", HOSTILE_RAW_ENDLESS, "image/png", 0);
  hostile_raw_server_add (sites->raw, "/trickle.png", HOSTILE_RAW_TRICKLE, "image/png", 100000)->interval_ms = 1000;
  hostile_raw_server_add (sites->raw, "/gzip.png", HOSTILE_RAW_GZIP_BOMB, "image/png", 0);

  {
    g_autoptr(GString) page = g_string_new ("<!DOCTYPE html><html><body>\n");

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      if (case_available (sites, &cases[i]))
        {
          g_autofree char *uri = case_uri (sites, &cases[i]);
          g_string_append_printf (page, "<figure><img src=\"%s\"></figure>\n", uri);
        }
    g_string_append (page, "</body></html>\n");
    vignette_test_server_add_html (s, "/everything.html", page->str);
  }
}

static void
start_tls (Sites *sites)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()) ||
      (certificate = hostile_make_certificate (sites->dir)) == NULL)
    {
      g_test_message ("No TLS here: the case of the self-signed certificate is left out");
      return;
    }

  sites->tls = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (sites->tls, NULL, tls_callback, NULL, NULL);
  if (!soup_server_listen_local (sites->tls, 0, SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("%s", error->message);
  uris = soup_server_get_uris (sites->tls);
  sites->tls_port = g_uri_get_port (uris->data);
}

static guint
closed_port (void)
{
  g_autoptr(HostileRawServer) closed = hostile_raw_server_new ();

  /* A port that was just free: nobody listens there once this one closes */
  return closed->port;
}

static void
test_everything_at_once (void)
{
  Sites sites = { 0 };
  g_autofree char *out = NULL;
  g_autofree char *page = NULL;
  g_autoptr(HostileCli) cli = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) failures = g_ptr_array_new ();
  guint n_good = 0, n_bad = 0;
  double wall;

  sites.dir = vignette_test_make_temp_dir ();
  sites.server = vignette_test_server_new ();
  sites.raw = hostile_raw_server_new ();
  sites.closed_port = closed_port ();
  start_tls (&sites);
  serve_everything (&sites);
  out = g_build_filename (sites.dir, "out", NULL);
  page = vignette_test_server_get_uri (sites.server, "/everything.html");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (case_available (&sites, &cases[i]))
      {
        if (cases[i].expected == NULL)
          n_good++;
        else
          n_bad++;
      }

  {
    /* 3 s, longer where everything is slower (sanitizers, valgrind) */
    g_autofree char *timeout = g_strdup_printf ("%u", hostile_scaled_ms (3000) / 1000);
    const char *args[] = {
      "--stats", "--no-cache", "--timeout", timeout, "--max-bytes", "2M", "--retries", "1",
      "--sizes", "100,50", "-o", out, page, NULL
    };

    cli = hostile_cli_run (NULL, args, 120000);
  }

  /* Some failed, the others are saved */
  g_assert_cmpint (cli->status, ==, 1);
  g_assert_cmpuint (hostile_stats_field (cli->out, "items_ok"), ==, n_good);
  g_assert_cmpuint (hostile_stats_field (cli->out, "items_failed"), ==, n_bad);
  g_assert_cmpuint (hostile_stats_field (cli->out, "items_cancelled"), ==, 0);
  g_assert_cmpuint (hostile_stats_field (cli->out, "files_written"), ==, 2 * n_good);

  /* Within the timeouts (3 s, a one-second Retry-After): not the 120 s default,
   * nor the 100 000 s the trickle would take. Generous, for slow machines. */
  {
    const char *p = strstr (cli->out, "\"wall_seconds\": ");

    g_assert_nonnull (p);
    wall = g_ascii_strtod (p + strlen ("\"wall_seconds\": "), NULL);
    g_test_message ("the run took %.1f s", wall);
    g_assert_cmpfloat (wall, <, hostile_scaled_ms (30000) / 1000.0);
  }

  /* One line per bad image, one sentence each, saying what went wrong */
  lines = g_strsplit (cli->err, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "failed  "))
      g_ptr_array_add (failures, lines[i] + strlen ("failed  "));
  g_assert_cmpuint (failures->len, ==, n_bad);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uri = NULL;
      guint n_lines = 0;

      if (!case_available (&sites, &cases[i]))
        continue;
      uri = case_uri (&sites, &cases[i]);

      for (guint j = 0; j < failures->len; j++)
        {
          const char *message = g_ptr_array_index (failures, j);

          if (strstr (message, uri) == NULL)
            continue;
          n_lines++;
          hostile_assert_one_sentence (message);
          if (cases[i].expected == NULL)
            g_test_fail_printf ("%s should be saved, but: %s", uri, message);
          else
            {
              g_auto(GStrv) words = g_strsplit (cases[i].expected, "|", -1);
              gboolean said = FALSE;

              for (guint k = 0; words[k] != NULL; k++)
                said |= strstr (message, words[k]) != NULL;
              if (!said)
                g_test_fail_printf ("“%s” does not say “%s”", message, cases[i].expected);
            }
        }

      if (cases[i].expected != NULL && n_lines != 1)
        g_test_fail_printf ("%s is reported %u times, not once", uri, n_lines);
    }

  /* Every good image in every size, whole, inside the output folder */
  {
    g_autoptr(GPtrArray) tree = hostile_list_tree (out);
    guint n_files = 0;

    for (guint i = 0; i < tree->len; i++)
      {
        const char *relative = g_ptr_array_index (tree, i);

        if (strchr (relative, '/') != NULL)
          {
            g_assert_true (g_str_has_prefix (relative, "100/") || g_str_has_prefix (relative, "50/"));
            n_files++;
          }
      }
    g_assert_cmpuint (n_files, ==, 2 * n_good);
    g_assert_cmpuint (hostile_assert_files_decode (out), ==, 2 * n_good);
    g_assert_cmpuint (hostile_count_temp_files (sites.dir), ==, 0);
  }

  /* The SVG reached for nothing */
  g_assert_cmpuint (vignette_test_server_get_n_requests (sites.server, "/svg-probe.png"), ==, 0);

  if (sites.tls != NULL)
    {
      soup_server_disconnect (sites.tls);
      g_object_unref (sites.tls);
    }
  hostile_raw_server_free (sites.raw);
  vignette_test_server_free (sites.server);
  vignette_test_remove_tree (sites.dir);
  g_free (sites.dir);
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

  g_test_add_func ("/hostile/e2e/everything-at-once", test_everything_at_once);

  return g_test_run ();
}
