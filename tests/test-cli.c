/* test-cli.c: vignette-cli as a user runs it: exit codes, --stats JSON, output layout, --demo
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "vignette-names.h"
#include "vignette-stats.h"

#include "test-utils.h"

#define EXIT_OK          0
#define EXIT_SOME_FAILED 1
#define EXIT_USAGE       2
#define EXIT_INTERRUPTED 130

/* A minimal but real JSON reader for the one flat object --stats prints:
 * string keys, and numbers, booleans, null or strings as values. Returns
 * NULL unless the whole text is exactly one such object (and a newline). */
static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
    p++;
  return p;
}

static char *
read_string (const char **pp)
{
  GString *out = g_string_new (NULL);
  const char *p = *pp;

  if (*p != '"')
    goto bad;
  for (p++; *p != '"'; p++)
    {
      if (*p == '\0' || (guchar) *p < 0x20)
        goto bad;
      if (*p == '\\')
        {
          p++;
          if (*p == 'u' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]) &&
              g_ascii_isxdigit (p[3]) && g_ascii_isxdigit (p[4]))
            {
              g_autofree char *hex = g_strndup (p + 1, 4);

              g_string_append_unichar (out, (gunichar) g_ascii_strtoull (hex, NULL, 16));
              p += 4;
            }
          else if (*p != '\0' && strchr ("\"\\/bfnrt", *p) != NULL)
            g_string_append_c (out, *p);
          else
            goto bad;
        }
      else
        g_string_append_c (out, *p);
    }
  *pp = p + 1;
  return g_string_free (out, FALSE);

bad:
  g_string_free (out, TRUE);
  return NULL;
}

static GHashTable *
parse_flat_json_object (const char *text)
{
  g_autoptr(GHashTable) object = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *p = skip_space (text);

  if (*p++ != '{')
    return NULL;

  p = skip_space (p);
  if (*p == '}')
    goto end;

  for (;;)
    {
      g_autofree char *key = NULL;
      char *value = NULL;

      p = skip_space (p);
      if ((key = read_string (&p)) == NULL)
        return NULL;
      p = skip_space (p);
      if (*p++ != ':')
        return NULL;
      p = skip_space (p);

      if (*p == '"')
        {
          if ((value = read_string (&p)) == NULL)
            return NULL;
        }
      else if (g_str_has_prefix (p, "true") || g_str_has_prefix (p, "null"))
        {
          value = g_strndup (p, 4);
          p += 4;
        }
      else if (g_str_has_prefix (p, "false"))
        {
          value = g_strndup (p, 5);
          p += 5;
        }
      else
        {
          char *end = NULL;

          g_ascii_strtod (p, &end);
          if (end == p || (*p != '-' && !g_ascii_isdigit (*p)))
            return NULL;
          value = g_strndup (p, (gsize) (end - p));
          p = end;
        }

      /* A key given twice is not one object */
      if (g_hash_table_contains (object, key))
        {
          g_free (value);
          return NULL;
        }
      g_hash_table_insert (object, g_steal_pointer (&key), value);

      p = skip_space (p);
      if (*p == ',')
        {
          p++;
          continue;
        }
      if (*p == '}')
        break;
      return NULL;
    }

end:
  p++;
  if (*skip_space (p) != '\0')
    return NULL;

  return g_steal_pointer (&object);
}

static double
json_number (GHashTable *object,
             const char *key)
{
  const char *value = g_hash_table_lookup (object, key);
  char *end = NULL;
  double number;

  if (value == NULL)
    g_error ("--stats has no “%s”", key);
  number = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0')
    g_error ("--stats “%s” is not a number: %s", key, value);

  return number;
}

static void
test_json_reader (void)
{
  g_autoptr(GHashTable) ok = parse_flat_json_object ("{\"a\": 1, \"b\": -2.5e3, \"c\": true, \"d\": \"x\\\"y\"}\n");
  g_autoptr(GHashTable) empty = parse_flat_json_object ("{}");
  const char *bad[] = {
    "", "{", "{\"a\": 1", "{\"a\" 1}", "{\"a\": 1,}", "{\"a\": 1} {\"b\": 2}", "[1]",
    "{\"a\": 1, \"a\": 2}", "{a: 1}", "progress\n{\"a\": 1}", "{\"a\": x}",
  };

  /* The reader the tests below trust must itself refuse what is not one object */
  g_assert_nonnull (ok);
  g_assert_cmpfloat (json_number (ok, "b"), ==, -2500.0);
  g_assert_cmpstr (g_hash_table_lookup (ok, "d"), ==, "x\"y");
  g_assert_nonnull (empty);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GHashTable) object = parse_flat_json_object (bad[i]);

      g_test_message ("not JSON: %s", bad[i]);
      g_assert_null (object);
    }
}

/* Both front-ends print the strings of their --stats objects (version, page,
 * progress text, which may hold a translated sentence) with this: quotes,
 * backslashes and control characters escaped, UTF-8 kept */
static void
test_json_string (void)
{
  const char *texts[] = { "", "plain", "say \"hi\"", "C:\\dir\\", "line\nnext\ttab\x01",
                          "37 sur 120 · 2 en échec" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *printed = NULL;
      g_autofree char *object_text = NULL;
      g_autoptr(GHashTable) object = NULL;
      size_t length = 0;
      FILE *out = open_memstream (&printed, &length);

      g_assert_nonnull (out);
      vignette_stats_print_json_string (out, texts[i]);
      g_assert_cmpint (fclose (out), ==, 0);

      g_test_message ("%s", printed);
      g_assert_null (strchr (printed, '\n'));
      object_text = g_strdup_printf ("{\"s\": %s}", printed);
      object = parse_flat_json_object (object_text);
      g_assert_nonnull (object);
      g_assert_cmpstr (g_hash_table_lookup (object, "s"), ==, texts[i]);
    }
}

/* Helpers -------------------------------------------------------------------- */

static void
assert_usage_error (VignetteTestCliResult *result,
                    const char            *expected_part)
{
  g_assert_cmpint (result->status, ==, EXIT_USAGE);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_true (g_str_has_prefix (result->err, "vignette-cli: "));
  g_assert_nonnull (strstr (result->err, "--help"));
  if (expected_part != NULL && strstr (result->err, expected_part) == NULL)
    g_error ("stderr does not mention “%s”:\n%s", expected_part, result->err);
  /* A clear message, not a crash or a warning from GLib */
  g_assert_null (strstr (result->err, "CRITICAL"));
  g_assert_null (strstr (result->err, "WARNING"));
}

static char *
add_gallery (VignetteTestServer *server,
             const char         *page,
             const char         *prefix,
             guint               n)
{
  vignette_test_server_add_gallery (server, page, prefix, n, 24, 16);
  return vignette_test_server_get_uri (server, page);
}

static guint
count_lines_with (const char *text,
                  const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      n++;

  return n;
}

/* Exit codes ----------------------------------------------------------------- */

static void
test_exit_all_ok (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 3);
  g_autoptr(VignetteTestCliResult) result = NULL;

  result = vignette_test_run_cli (uri, NULL);
  g_assert_cmpint (result->status, ==, EXIT_OK);
  /* Progress and the summary go to stderr; stdout stays for results */
  g_assert_cmpstr (result->out, ==, "");
  g_assert_nonnull (strstr (result->err, "3 images done, 0 failed"));
  g_assert_cmpuint (count_lines_with (result->err, "done "), ==, 3);
  g_assert_null (strstr (result->err, "\r"));  /* not a terminal: plain lines */
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, NULL), ==, 4);
}

static void
test_exit_some_failed (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 4);
  g_autofree char *missing = vignette_test_server_get_uri (server, "/img/2.png");
  g_autofree char *reason = g_strdup_printf ("HTTP 404 Not Found for %s", missing);
  g_autoptr(GBytes) gone = g_bytes_new_static ("gone", 4);
  g_autoptr(VignetteTestCliResult) result = NULL;

  vignette_test_server_add (server, "/img/2.png", 404, "text/plain", gone);
  result = vignette_test_run_cli ("--retries", "0", uri, NULL);
  g_assert_cmpint (result->status, ==, EXIT_SOME_FAILED);
  g_assert_nonnull (strstr (result->err, "3 images done, 1 failed"));
  /* Each failure with its reason */
  g_assert_nonnull (strstr (result->err, reason));
}

static void
test_exit_nothing_processed (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *empty = vignette_test_server_get_uri (server, "/empty");
  g_autofree char *missing = vignette_test_server_get_uri (server, "/missing");
  g_autoptr(VignetteTestCliResult) no_images = NULL;
  g_autoptr(VignetteTestCliResult) not_found = NULL;

  vignette_test_server_add_html (server, "/empty", "<html><body><p>no pictures</p></body></html>");

  no_images = vignette_test_run_cli (empty, NULL);
  g_assert_cmpint (no_images->status, ==, EXIT_USAGE);
  g_assert_nonnull (strstr (no_images->err, "No images were found on"));

  not_found = vignette_test_run_cli ("--retries", "0", missing, NULL);
  g_assert_cmpint (not_found->status, ==, EXIT_USAGE);
  g_assert_nonnull (strstr (not_found->err, "HTTP 404 Not Found"));
}

static void
test_usage_bad_jobs (void)
{
  const char *values[] = { "0", "-3", "abc", "999", "", "4x" };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(VignetteTestCliResult) result = NULL;

      result = vignette_test_run_cli ("--jobs", values[i], "http://127.0.0.1:9/x", NULL);
      assert_usage_error (result, "--jobs");
    }
}

static void
test_usage_bad_per_host (void)
{
  g_autoptr(VignetteTestCliResult) result = vignette_test_run_cli ("--per-host=none", "http://127.0.0.1:9/x", NULL);

  assert_usage_error (result, "--per-host");
}

static void
test_usage_bad_pages (void)
{
  g_autoptr(VignetteTestCliResult) backwards = NULL;
  g_autoptr(VignetteTestCliResult) garbage = NULL;
  g_autoptr(VignetteTestCliResult) too_long = NULL;

  backwards = vignette_test_run_cli ("--pages", "10-1", "http://127.0.0.1:9/page/{}", NULL);
  assert_usage_error (backwards, "backwards");
  garbage = vignette_test_run_cli ("-p", "one-two", "http://127.0.0.1:9/page/{}", NULL);
  assert_usage_error (garbage, "one-two");
  too_long = vignette_test_run_cli ("--pages", "1-999999", "http://127.0.0.1:9/page/{}", NULL);
  assert_usage_error (too_long, "1-999999");
}

static void
test_usage_bad_selector (void)
{
  g_autoptr(VignetteTestCliResult) result = NULL;

  result = vignette_test_run_cli ("--selector", "//img[@src", "http://127.0.0.1:9/x", NULL);
  assert_usage_error (result, "//img[@src");
  g_assert_nonnull (strstr (result->err, "XPath"));
}

static void
test_usage_unknown_option (void)
{
  g_autoptr(VignetteTestCliResult) result = vignette_test_run_cli ("--frobnicate", "http://127.0.0.1:9/x", NULL);

  assert_usage_error (result, "--frobnicate");
}

static void
test_usage_no_source (void)
{
  g_autoptr(VignetteTestCliResult) result = vignette_test_run_cli ("--jobs", "4", NULL);

  assert_usage_error (result, "SOURCE");
}

static void
test_usage_bad_source (void)
{
  g_autoptr(VignetteTestCliResult) result = vignette_test_run_cli ("ftp://example.com/pics", NULL);

  assert_usage_error (result, "ftp:");
}

static void
test_help_and_version (void)
{
  g_autoptr(VignetteTestCliResult) help = vignette_test_run_cli ("--help", NULL);
  g_autoptr(VignetteTestCliResult) version = vignette_test_run_cli ("--version", NULL);

  g_assert_cmpint (help->status, ==, EXIT_OK);
  g_assert_nonnull (strstr (help->out, "--jobs"));
  g_assert_nonnull (strstr (help->out, "--per-host"));
  g_assert_nonnull (strstr (help->out, "--sequential"));
  g_assert_nonnull (strstr (help->out, "--demo"));
  g_assert_nonnull (strstr (help->out, "Exit status"));

  g_assert_cmpint (version->status, ==, EXIT_OK);
  g_assert_cmpstr (version->out, ==, "vignette-cli " PACKAGE_VERSION "\n");
}

/* --stats ---------------------------------------------------------------------- */

static void
test_stats (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 12);
  g_autoptr(VignetteTestCliResult) result = NULL;
  g_autoptr(GHashTable) stats = NULL;
  const char *keys[] = {
    "wall_seconds", "items_ok", "items_failed", "bytes", "peak_concurrent_requests",
    "max_main_loop_stall_ms",
  };

  vignette_test_server_hold_until_concurrent (server, "/img/", 4, 10000);
  vignette_test_server_set_latency (server, 150);
  result = vignette_test_run_cli ("--stats", "--jobs", "4", "--per-host", "4", uri, NULL);
  g_assert_cmpint (result->status, ==, EXIT_OK);

  /* stdout is the JSON object and nothing else; the progress went to stderr */
  g_assert_true (g_str_has_suffix (result->out, "}\n"));
  g_assert_cmpuint (count_lines_with (result->out, ""), ==, 2);  /* one line and the empty rest */
  stats = parse_flat_json_object (result->out);
  if (stats == NULL)
    g_error ("--stats printed no single JSON object:\n%s", result->out);
  g_assert_cmpuint (count_lines_with (result->err, "done "), ==, 12);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    json_number (stats, keys[i]);

  g_assert_cmpfloat (json_number (stats, "items_ok"), ==, 12);
  g_assert_cmpfloat (json_number (stats, "items_failed"), ==, 0);
  g_assert_cmpfloat (json_number (stats, "wall_seconds"), >, 0);
  g_assert_cmpfloat (json_number (stats, "bytes"), >, 0);
  g_assert_cmpfloat (json_number (stats, "max_main_loop_stall_ms"), >=, 0);
  /* The CLI's own figure agrees with what the server saw, and keeps to --jobs */
  g_assert_cmpfloat (json_number (stats, "peak_concurrent_requests"), <=, 4);
  g_assert_cmpfloat (json_number (stats, "peak_concurrent_requests"), ==,
                     vignette_test_server_get_peak_concurrency (server));
  g_assert_true (vignette_test_server_hold_was_reached (server));
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (server), ==, 4);
}

/* In a locale with a decimal comma the JSON must still use points */
static void
test_stats_decimal_comma (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 2);
  g_autofree char *locales = vignette_test_make_temp_dir ();
  g_autofree char *target = g_build_filename (locales, "fr_FR.UTF-8", NULL);
  g_autofree char *localedef = g_find_program_in_path ("localedef");
  g_autoptr(VignetteTestCliResult) result = NULL;
  g_autoptr(GHashTable) stats = NULL;
  const char *argv[] = { localedef, "-i", "fr_FR", "-f", "UTF-8", target, NULL };
  int status = -1;

  if (localedef == NULL ||
      !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("cannot make a fr_FR locale here (Debian package “locales”)");
      vignette_test_remove_tree (locales);
      return;
    }

  g_setenv ("LOCPATH", locales, TRUE);
  g_setenv ("LC_ALL", "fr_FR.UTF-8", TRUE);
  result = vignette_test_run_cli ("--stats", "-q", uri, NULL);
  g_setenv ("LC_ALL", "C", TRUE);
  g_unsetenv ("LOCPATH");

  g_assert_cmpint (result->status, ==, EXIT_OK);
  stats = parse_flat_json_object (result->out);
  if (stats == NULL)
    g_error ("--stats in a French locale printed no valid JSON object:\n%s", result->out);
  g_assert_cmpfloat (json_number (stats, "items_ok"), ==, 2);
  g_assert_cmpfloat (json_number (stats, "wall_seconds"), >, 0);

  vignette_test_remove_tree (locales);
}

static void
test_stats_sequential (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 6);
  g_autoptr(VignetteTestCliResult) result = NULL;
  g_autoptr(GHashTable) stats = NULL;

  vignette_test_server_set_latency (server, 50);
  result = vignette_test_run_cli ("-q", "--stats", "--sequential", uri, NULL);
  g_assert_cmpint (result->status, ==, EXIT_OK);
  stats = parse_flat_json_object (result->out);
  g_assert_nonnull (stats);
  g_assert_cmpfloat (json_number (stats, "items_ok"), ==, 6);
  g_assert_cmpfloat (json_number (stats, "peak_concurrent_requests"), ==, 1);
  g_assert_cmpuint (vignette_test_server_get_peak_concurrency (server), ==, 1);
}

static void
test_stats_with_failures (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 5);
  g_autoptr(GBytes) gone = g_bytes_new_static ("gone", 4);
  g_autoptr(VignetteTestCliResult) result = NULL;
  g_autoptr(GHashTable) stats = NULL;

  vignette_test_server_add (server, "/img/1.png", 410, "text/plain", gone);
  vignette_test_server_add (server, "/img/4.png", 404, "text/plain", gone);
  result = vignette_test_run_cli ("--stats", uri, NULL);
  g_assert_cmpint (result->status, ==, EXIT_SOME_FAILED);
  stats = parse_flat_json_object (result->out);
  g_assert_nonnull (stats);
  g_assert_cmpfloat (json_number (stats, "items_ok"), ==, 3);
  g_assert_cmpfloat (json_number (stats, "items_failed"), ==, 2);
}

/* Output ------------------------------------------------------------------------ */

static void
assert_layout (const char          *out,
               VignetteTestServer  *server,
               const char * const  *paths,
               guint                n_paths,
               const guint         *sizes,
               guint                n_sizes,
               int                  width,
               int                  height)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();

  /* The same names the run claims, in page order */
  for (guint i = 0; i < n_paths; i++)
    {
      g_autofree char *uri = vignette_test_server_get_uri (server, paths[i]);
      g_autofree char *name = vignette_names_claim (names, uri);

      for (guint s = 0; s < n_sizes; s++)
        {
          g_autofree char *size = g_strdup_printf ("%u", sizes[s]);
          g_autofree char *file = g_strdup_printf ("%s.png", name);
          g_autofree char *path = g_build_filename (out, size, file, NULL);
          double scale = MIN (1.0, MIN ((double) sizes[s] / width, (double) sizes[s] / height));
          int w = 0, h = 0;

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            g_error ("%s was not written", path);
          g_assert_nonnull (gdk_pixbuf_get_file_info (path, &w, &h));
          g_assert_cmpint (ABS (w - (int) (width * scale + 0.5)), <=, 1);
          g_assert_cmpint (ABS (h - (int) (height * scale + 0.5)), <=, 1);
          g_assert_true (w <= (int) sizes[s] && h <= (int) sizes[s]);
        }
    }
}

static void
test_output_layout (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *tmp = vignette_test_make_temp_dir ();
  g_autofree char *out = g_build_filename (tmp, "made", "by", "cli", NULL);
  g_autofree char *uri = vignette_test_server_get_uri (server, "/gallery");
  g_autoptr(VignetteTestCliResult) result = NULL;
  const char *paths[] = { "/a/photo.jpg", "/b/photo.jpg", "/c/other.png" };
  const guint sizes[] = { 100, 200, 300, 400, 500 };
  g_autoptr(GBytes) jpeg = vignette_test_make_image (640, 480, "jpeg", FALSE);
  g_autoptr(GBytes) png = vignette_test_make_image (640, 480, "png", FALSE);

  /* Two images with the same file name must not overwrite each other */
  vignette_test_server_add_html (server, "/gallery",
                                 "<img src=\"/a/photo.jpg\"><img src=\"/b/photo.jpg\"><img src=\"/c/other.png\">");
  vignette_test_server_add (server, "/a/photo.jpg", 200, "image/jpeg", jpeg);
  vignette_test_server_add (server, "/b/photo.jpg", 200, "image/jpeg", jpeg);
  vignette_test_server_add (server, "/c/other.png", 200, "image/png", png);

  result = vignette_test_run_cli ("-q", "-o", out, uri, NULL);
  g_assert_cmpint (result->status, ==, EXIT_OK);
  g_assert_cmpstr (result->err, ==, "");  /* quiet means quiet */
  assert_layout (out, server, paths, G_N_ELEMENTS (paths), sizes, G_N_ELEMENTS (sizes), 640, 480);

  vignette_test_remove_tree (tmp);
}

static void
test_output_template (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *tmp = vignette_test_make_temp_dir ();
  g_autofree char *out = g_build_filename (tmp, "out", NULL);
  g_autofree char *template_uri = vignette_test_server_get_uri (server, "/page/{}");
  g_autoptr(VignetteTestCliResult) result = NULL;
  g_autoptr(GHashTable) stats = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GBytes) image = vignette_test_make_image (120, 90, "png", FALSE);
  const guint sizes[] = { 100, 200 };

  /* The issue's own example: ten pages, figures selected by XPath */
  for (guint page = 1; page <= 10; page++)
    {
      g_autofree char *path = g_strdup_printf ("/page/%u", page);
      g_autofree char *html = g_strdup_printf ("<figure><img src=\"/p%u/a.png\"></figure>"
                                               "<figure><div><img src=\"/p%u/b.png\"></div></figure>"
                                               "<img src=\"/p%u/not-in-figure.png\">",
                                               page, page, page);

      vignette_test_server_add_html (server, path, html);
      for (const char *c = "ab"; *c != '\0'; c++)
        {
          char *image_path = g_strdup_printf ("/p%u/%c.png", page, *c);

          vignette_test_server_add (server, image_path, 200, "image/png", image);
          g_ptr_array_add (paths, image_path);
        }
    }
  vignette_test_server_set_latency (server, 50);

  result = vignette_test_run_cli ("-o", out, template_uri, "--pages", "1-10",
                                  "--selector", "//figure//img/@src", "--sizes", "100,200",
                                  "--stats", NULL);
  g_assert_cmpint (result->status, ==, EXIT_OK);
  stats = parse_flat_json_object (result->out);
  g_assert_nonnull (stats);
  g_assert_cmpfloat (json_number (stats, "items_ok"), ==, 20);
  g_assert_cmpfloat (json_number (stats, "pages"), ==, 10);
  g_assert_cmpfloat (json_number (stats, "peak_concurrent_requests"), >, 1);
  g_assert_cmpuint (vignette_test_server_get_n_requests (server, "/p1/not-in-figure.png"), ==, 0);
  g_assert_nonnull (strstr (result->err, "Thumbnails saved in"));

  assert_layout (out, server, (const char * const *) paths->pdata, paths->len, sizes, 2, 120, 90);
  vignette_test_remove_tree (tmp);
}

static void
test_local_folder (void)
{
  g_autofree char *dir = vignette_test_make_temp_dir ();
  g_autofree char *out = g_build_filename (dir, ".out", NULL);
  g_autofree char *a = g_build_filename (dir, "pics", "a.png", NULL);
  g_autofree char *b = g_build_filename (dir, "pics", "sub", "b.jpg", NULL);
  g_autofree char *pics = g_build_filename (dir, "pics", NULL);
  g_autofree char *out_a = g_build_filename (out, "100", "a.png", NULL);
  g_autofree char *out_b = g_build_filename (out, "100", "b.png", NULL);
  g_autoptr(GBytes) png = vignette_test_make_image (150, 100, "png", TRUE);
  g_autoptr(GBytes) jpeg = vignette_test_make_image (100, 150, "jpeg", FALSE);
  g_autoptr(VignetteTestCliResult) flat = NULL;
  g_autoptr(VignetteTestCliResult) recursive = NULL;

  vignette_test_write_file (a, png);
  vignette_test_write_file (b, jpeg);

  flat = vignette_test_run_cli ("-q", "--no-cache", "--sizes", "100", "-o", out, pics, NULL);
  g_assert_cmpint (flat->status, ==, EXIT_OK);
  g_assert_true (g_file_test (out_a, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (out_b, G_FILE_TEST_EXISTS));

  recursive = vignette_test_run_cli ("-q", "--no-cache", "--sizes", "100", "-r", "-o", out, pics, NULL);
  g_assert_cmpint (recursive->status, ==, EXIT_OK);
  g_assert_true (g_file_test (out_b, G_FILE_TEST_IS_REGULAR));

  vignette_test_remove_tree (dir);
}

/* --demo -------------------------------------------------------------------------- */

static void
test_demo (void)
{
  g_autofree char *tmp = vignette_test_make_temp_dir ();
  g_autofree char *out = g_build_filename (tmp, "demo", NULL);
  g_autofree char *folder = g_build_filename (out, "100", NULL);
  g_autoptr(VignetteTestCliResult) result = NULL;
  g_autoptr(GHashTable) stats = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n_files = 0;

  result = vignette_test_run_cli ("--demo", "-q", "--stats", "--sizes", "100", "-o", out, NULL);
  g_assert_cmpint (result->status, ==, EXIT_OK);
  g_assert_cmpstr (result->err, ==, "");
  stats = parse_flat_json_object (result->out);
  g_assert_nonnull (stats);
  g_assert_cmpfloat (json_number (stats, "items_ok"), >, 0);
  g_assert_cmpfloat (json_number (stats, "items_failed"), ==, 0);

  dir = g_dir_open (folder, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      int w = 0, h = 0;

      g_assert_true (g_str_has_suffix (name, ".png"));
      g_assert_nonnull (gdk_pixbuf_get_file_info (path, &w, &h));
      g_assert_true (w > 0 && h > 0 && MAX (w, h) <= 100);
      n_files++;
    }
  g_assert_cmpfloat (n_files, ==, json_number (stats, "items_ok"));

  vignette_test_remove_tree (tmp);
}

/* Ctrl+C ---------------------------------------------------------------------------- */

typedef struct {
  gboolean done;
  char    *out;
  char    *err;
} Wait;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &wait->out, &wait->err, &error);
  g_assert_no_error (error);
  wait->done = TRUE;
}

static gboolean
server_busy (gpointer user_data)
{
  return vignette_test_server_get_in_flight (user_data) >= 2;
}

static void
test_interrupted (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autofree char *uri = add_gallery (server, "/gallery", "/img/", 10);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) stats = NULL;
  Wait wait = { 0 };

  /* The images never come: only Ctrl+C ends the run */
  vignette_test_server_set_latency (server, G_MAXUINT);
  vignette_test_server_set_path_latency (server, "/gallery", 0);

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              vignette_test_get_cli_path (), "--stats", uri, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_communicated, &wait);

  vignette_test_spin_until_cond (server_busy, server, 30000, "the CLI's requests");
  g_subprocess_send_signal (process, SIGINT);
  vignette_test_spin_until (&wait.done, 10000);

  g_test_message ("stderr:\n%s", wait.err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, EXIT_INTERRUPTED);
  g_assert_nonnull (strstr (wait.err, "Cancelling"));
  /* Stopped cleanly: the summary and the stats still come */
  g_assert_nonnull (strstr (wait.err, "cancelled"));
  stats = parse_flat_json_object (wait.out);
  g_assert_nonnull (stats);

  g_free (wait.out);
  g_free (wait.err);
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/cli/json-reader", test_json_reader);
  g_test_add_func ("/core/cli/json-string", test_json_string);
  g_test_add_func ("/core/cli/exit/all-ok", test_exit_all_ok);
  g_test_add_func ("/core/cli/exit/some-failed", test_exit_some_failed);
  g_test_add_func ("/core/cli/exit/nothing-processed", test_exit_nothing_processed);
  g_test_add_func ("/core/cli/exit/interrupted", test_interrupted);
  g_test_add_func ("/core/cli/usage/bad-jobs", test_usage_bad_jobs);
  g_test_add_func ("/core/cli/usage/bad-per-host", test_usage_bad_per_host);
  g_test_add_func ("/core/cli/usage/bad-pages", test_usage_bad_pages);
  g_test_add_func ("/core/cli/usage/bad-selector", test_usage_bad_selector);
  g_test_add_func ("/core/cli/usage/unknown-option", test_usage_unknown_option);
  g_test_add_func ("/core/cli/usage/no-source", test_usage_no_source);
  g_test_add_func ("/core/cli/usage/bad-source", test_usage_bad_source);
  g_test_add_func ("/core/cli/help-and-version", test_help_and_version);
  g_test_add_func ("/core/cli/stats", test_stats);
  g_test_add_func ("/core/cli/stats/decimal-comma", test_stats_decimal_comma);
  g_test_add_func ("/core/cli/stats-sequential", test_stats_sequential);
  g_test_add_func ("/core/cli/stats-with-failures", test_stats_with_failures);
  g_test_add_func ("/core/cli/output/layout", test_output_layout);
  g_test_add_func ("/core/cli/output/template", test_output_template);
  g_test_add_func ("/core/cli/output/local-folder", test_local_folder);
  g_test_add_func ("/core/cli/demo", test_demo);

  return g_test_run ();
}
