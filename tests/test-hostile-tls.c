/* test-hostile-tls.c: a certificate nobody vouches for is refused, and says so
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An HTTPS SoupServer on loopback with a self-signed certificate made by
 * openssl at test time: pages and images behind it fail with one sentence
 * about the certificate, the server never sees a request, and there is no
 * option, in the CLI or anywhere in the code, that turns checking off.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "test-hostile-common.h"

typedef struct {
  char       *dir;
  SoupServer *soup;
  guint       port;
  guint       n_requests;   /* requests that got through the handshake */
  VignetteTestServer *plain;
  VignetteRun *run;
} Fixture;

static void
tls_callback (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fixture *f = user_data;
  g_autoptr(GBytes) png = vignette_test_make_image (20, 20, "png", FALSE);

  f->n_requests++;
  if (g_str_has_suffix (path, ".png"))
    soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                      g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  else
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC,
                                      "<img src=a.png>", strlen ("<img src=a.png>"));
  soup_server_message_set_status (msg, 200, NULL);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  f->plain = vignette_test_server_new ();
  f->run = hostile_run_new ();

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return;  /* the tests skip */

  f->dir = vignette_test_make_temp_dir ();
  certificate = hostile_make_certificate (f->dir);
  if (certificate == NULL)
    return;

  f->soup = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (f->soup, NULL, tls_callback, f, NULL);
  if (!soup_server_listen_local (f->soup, 0, SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("Could not start the HTTPS server: %s", error->message);
  uris = soup_server_get_uris (f->soup);
  f->port = g_uri_get_port (uris->data);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->run);
  if (f->soup != NULL)
    {
      soup_server_disconnect (f->soup);
      g_clear_object (&f->soup);
    }
  g_clear_pointer (&f->plain, vignette_test_server_free);
  if (f->dir != NULL)
    vignette_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
skip_without_tls (Fixture *f)
{
  if (f->soup != NULL)
    return FALSE;

  g_test_skip ("No TLS here (glib-networking or openssl missing)");
  return TRUE;
}

static char *
tls_uri (Fixture    *f,
         const char *path)
{
  return g_strdup_printf ("https://127.0.0.1:%u%s", f->port, path);
}

static void
assert_refused (VignetteItem *item,
                const char   *uri)
{
  hostile_assert_failed (item, "certificate");
  hostile_assert_failed (item, uri);
  hostile_assert_failed (item, "self-signed");
}

static void
test_self_signed_page (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;

  if (skip_without_tls (f))
    return;

  uri = tls_uri (f, "/gallery.html");
  hostile_run_source (f->run, uri);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  assert_refused (hostile_find_item (f->run, "/gallery.html"), uri);
  /* Refused in the handshake: the server never got a request, and a bad
   * certificate is not retried */
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_self_signed_image (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *image = NULL;
  g_autofree char *html = NULL;
  g_autofree char *page = vignette_test_server_get_uri (f->plain, "/page.html");
  g_autoptr(GError) error = NULL;

  if (skip_without_tls (f))
    return;

  /* A plain page whose image is behind the untrusted certificate */
  image = tls_uri (f, "/photo.png");
  html = g_strdup_printf ("<img src=\"%s\"><img src=\"good.png\">", image);
  vignette_test_server_add_image (f->plain, "/good.png", 30, 20, "png");
  vignette_test_server_add_html (f->plain, "/page.html", html);

  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  assert_refused (hostile_find_item (f->run, "/photo.png"), image);
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_redirect_to_self_signed (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *target = NULL;
  g_autofree char *page = vignette_test_server_get_uri (f->plain, "/page.html");
  g_autoptr(GError) error = NULL;

  if (skip_without_tls (f))
    return;

  /* http → https on the way: the check applies after a redirect too */
  target = tls_uri (f, "/moved.png");
  vignette_test_server_add_redirect (f->plain, "/moved.png", 301, target);
  vignette_test_server_add_html (f->plain, "/page.html", "<img src=moved.png>");

  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);
  hostile_assert_failed (hostile_find_item (f->run, "/moved.png"), "certificate");
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_cli_refuses (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *uri = NULL;
  g_autoptr(HostileCli) cli = NULL;

  if (skip_without_tls (f))
    return;

  uri = tls_uri (f, "/gallery.html");
  {
    const char *args[] = { "--no-cache", uri, NULL };
    cli = hostile_cli_run (NULL, args, 60000);
  }

  /* Nothing processed: 2, and the reason in the summary */
  g_assert_cmpint (cli->status, ==, 2);
  g_assert_nonnull (strstr (cli->err, "certificate"));
  g_assert_nonnull (strstr (cli->err, uri));
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_no_option_to_disable (Fixture       *f,
                           gconstpointer  data)
{
  static const char * const words[] = {
    "insecure", "no-check", "no-verify", "verify", "certificate", "tls", "ssl", "trust",
  };
  static const char * const options[] = {
    "--insecure", "-k", "--no-check-certificate", "--no-verify", "--ignore-certificate-errors",
    "--tls-insecure", "--ssl-no-verify",
  };
  g_autoptr(HostileCli) help = NULL;
  g_autofree char *lower = NULL;

  {
    const char *args[] = { "--help-all", NULL };
    help = hostile_cli_run (NULL, args, 30000);
  }
  g_assert_cmpint (help->status, ==, 0);
  lower = g_ascii_strdown (help->out, -1);

  /* --ca-file replaces the trust store (as curl's --cacert does); it
   * loosens nothing: its own line is the only one allowed to speak of
   * certificates */
  {
    char *line = strstr (lower, "--ca-file");

    g_assert_nonnull (line);
    while (line != NULL && *line != '\0' && *line != '\n')
      *line++ = ' ';
  }

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (lower, words[i]) != NULL)
      g_test_fail_printf ("vignette-cli --help-all mentions “%s”", words[i]);

  /* The options other tools use for it are usage errors here */
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      const char *args[] = { options[i], "https://127.0.0.1:1/x", NULL };
      g_autoptr(HostileCli) cli = hostile_cli_run (NULL, args, 30000);

      g_assert_cmpint (cli->status, ==, 2);
    }
}

/* No code path accepts a certificate that GIO rejected or loosens the
 * checks: read the sources themselves */
static void
scan_sources (const char *dir,
              guint      *n_files)
{
  /* (A "tls-database" of its own would be fine: one loaded off the main
   * thread, say. Accepting what it rejects is not.) */
  static const char * const forbidden[] = {
    "accept-certificate", "accept_certificate", "ssl-strict", "ssl_strict",
    "tls-validation-flags", "set_validation_flags", "G_TLS_CERTIFICATE_NO_FLAGS",
  };
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          scan_sources (path, n_files);
          continue;
        }
      if (!g_str_has_suffix (name, ".c") && !g_str_has_suffix (name, ".h"))
        continue;

      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      (*n_files)++;
      for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
        if (strstr (contents, forbidden[i]) != NULL)
          g_test_fail_printf ("%s uses %s: certificate checking must stay on", path, forbidden[i]);
    }
}

static void
test_no_code_to_disable (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "..", "src", NULL);
  guint n_files = 0;

  scan_sources (src, &n_files);
  g_test_message ("%u source files read", n_files);
  g_assert_cmpuint (n_files, >, 10);
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/hostile/tls/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("self-signed-page", test_self_signed_page);
  ADD ("self-signed-image", test_self_signed_image);
  ADD ("redirect-to-self-signed", test_redirect_to_self_signed);
  ADD ("cli-refuses", test_cli_refuses);
  ADD ("no-option-to-disable", test_no_option_to_disable);
  ADD ("no-code-to-disable", test_no_code_to_disable);

#undef ADD

  return g_test_run ();
}
