/* test-source.c: what the user types: page ranges, URL templates, and what kind of source it is
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "vignette-error.h"
#include "vignette-item.h"
#include "vignette-source.h"

#include "test-utils.h"

static void
test_range_valid (void)
{
  const struct {
    const char *text;
    int         first;
    int         last;
  } cases[] = {
    { "1-10", 1, 10 },
    { "3", 3, 3 },
    { "0-0", 0, 0 },
    { " 2 - 5 ", 2, 5 },
    { "7-7", 7, 7 },
    { "1-10000", 1, 10000 },
    { "5000-14999", 5000, 14999 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      int first = -1, last = -1;

      g_test_message ("range “%s”", cases[i].text);
      g_assert_true (vignette_page_range_parse (cases[i].text, &first, &last, &error));
      g_assert_no_error (error);
      g_assert_cmpint (first, ==, cases[i].first);
      g_assert_cmpint (last, ==, cases[i].last);
    }
}

static void
test_range_backwards (void)
{
  g_autoptr(GError) error = NULL;
  int first = -1, last = -1;

  g_assert_false (vignette_page_range_parse ("10-1", &first, &last, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE);
  g_assert_nonnull (strstr (error->message, "10-1"));
  g_assert_nonnull (strstr (error->message, "backwards"));
  /* Nothing is half-set on failure */
  g_assert_cmpint (first, ==, -1);
  g_assert_cmpint (last, ==, -1);
}

static void
test_range_too_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *max = g_strdup_printf ("%d", VIGNETTE_MAX_PAGES);
  int first, last;

  g_assert_false (vignette_page_range_parse ("1-10001", &first, &last, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE);
  g_assert_nonnull (strstr (error->message, "1-10001"));
  g_assert_nonnull (strstr (error->message, max));
  g_clear_error (&error);

  g_assert_false (vignette_page_range_parse ("0-2147483647", &first, &last, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE);
}

static void
test_range_garbage (void)
{
  const char *cases[] = {
    "", " ", "-", "a-b", "1-", "-5", "1--5", "1-2-3", "x", "1.5", "1,3", "+1-3", "1 2",
    "99999999999999999999", "1-99999999999999999999", "٣", "１-２", "0x10",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      int first = -1, last = -1;

      g_test_message ("garbage “%s”", cases[i]);
      g_assert_false (vignette_page_range_parse (cases[i], &first, &last, &error));
      g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpint (first, ==, -1);
      g_assert_cmpint (last, ==, -1);
    }
}

static void
test_is_template (void)
{
  g_assert_true (vignette_source_is_template ("https://site/page/{}"));
  g_assert_true (vignette_source_is_template ("https://site/?p={}&x=1"));
  g_assert_false (vignette_source_is_template ("https://site/page/{"));
  g_assert_false (vignette_source_is_template ("https://site/page/{1}"));
  g_assert_false (vignette_source_is_template ("https://site/page/"));
  g_assert_false (vignette_source_is_template (NULL));
}

static void
test_expand_template (void)
{
  g_autofree char *one = vignette_source_expand_template ("https://site/page/{}", 7);
  g_autofree char *two = vignette_source_expand_template ("https://site/{}/img-{}.html", 12);
  g_autofree char *none = vignette_source_expand_template ("https://site/page", 3);
  g_autofree char *zero = vignette_source_expand_template ("http://h/p{}", 0);

  g_assert_cmpstr (one, ==, "https://site/page/7");
  g_assert_cmpstr (two, ==, "https://site/12/img-12.html");
  g_assert_cmpstr (none, ==, "https://site/page");
  g_assert_cmpstr (zero, ==, "http://h/p0");
}

static void
test_expand_pages (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  items = vignette_source_expand ("https://example.com/page/{}", 1, 10, &error);
  g_assert_no_error (error);
  g_assert_nonnull (items);
  g_assert_cmpuint (items->len, ==, 10);

  for (guint i = 0; i < items->len; i++)
    {
      VignetteItem *item = g_ptr_array_index (items, i);
      g_autofree char *expected = g_strdup_printf ("https://example.com/page/%u", i + 1);

      g_assert_cmpstr (vignette_item_get_uri (item), ==, expected);
      g_assert_cmpint (vignette_item_get_kind (item), ==, VIGNETTE_ITEM_KIND_URL);
      g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_QUEUED);
      g_assert_null (vignette_item_get_page_uri (item));
    }
}

static void
test_expand_single_url (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  /* A plain address ignores the page range: one item */
  items = vignette_source_expand ("http://127.0.0.1:8080/gallery", 1, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpstr (vignette_item_get_uri (g_ptr_array_index (items, 0)), ==, "http://127.0.0.1:8080/gallery");
}

static void
test_expand_bad_range (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  items = vignette_source_expand ("https://example.com/page/{}", 5, 1, &error);
  g_assert_null (items);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE);
  g_clear_error (&error);

  items = vignette_source_expand ("https://example.com/page/{}", 1, VIGNETTE_MAX_PAGES + 1, &error);
  g_assert_null (items);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE);
}

static void
check_classify (const char         *text,
                VignetteSourceType  expected_type,
                const char         *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  /* Escaped: some inputs are not UTF-8, and the TAP log must stay text */
  g_autofree char *shown = g_strescape (text, NULL);
  VignetteSourceType type = -1;

  g_test_message ("classify \"%s\"", shown);
  g_assert_true (vignette_source_classify (text, &type, &normalized, &error));
  g_assert_no_error (error);
  g_assert_cmpint (type, ==, expected_type);
  if (expected != NULL)
    g_assert_cmpstr (normalized, ==, expected);
}

static void
check_classify_error (const char *text,
                      const char *expected_part)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *shown = g_strescape (text, NULL);
  VignetteSourceType type;

  g_test_message ("classify \"%s\" fails", shown);
  g_assert_false (vignette_source_classify (text, &type, &normalized, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE);
  g_assert_null (normalized);
  if (expected_part != NULL)
    g_assert_nonnull (strstr (error->message, expected_part));
}

static void
test_classify_http (void)
{
  check_classify ("http://example.com/gallery", VIGNETTE_SOURCE_URL, "http://example.com/gallery");
  check_classify ("https://example.com/a/b.jpg", VIGNETTE_SOURCE_URL, "https://example.com/a/b.jpg");
  check_classify ("  https://example.com/x  ", VIGNETTE_SOURCE_URL, "https://example.com/x");
  check_classify ("HTTPS://example.com/x", VIGNETTE_SOURCE_URL, NULL);
  check_classify ("http://127.0.0.1:8080/page?id=3", VIGNETTE_SOURCE_URL, "http://127.0.0.1:8080/page?id=3");
}

static void
test_classify_template (void)
{
  check_classify ("https://site.example/page/{}", VIGNETTE_SOURCE_TEMPLATE, "https://site.example/page/{}");
  check_classify ("http://127.0.0.1:1234/page/{}", VIGNETTE_SOURCE_TEMPLATE, "http://127.0.0.1:1234/page/{}");
  /* Bare host templates are web addresses too */
  check_classify ("example.com/page/{}", VIGNETTE_SOURCE_TEMPLATE, "https://example.com/page/{}");
}

static void
test_classify_bare_host (void)
{
  check_classify ("example.com/x", VIGNETTE_SOURCE_URL, "https://example.com/x");
  check_classify ("www.example.org", VIGNETTE_SOURCE_URL, NULL);
  check_classify ("sub-domain.example.co.uk/gallery/1", VIGNETTE_SOURCE_URL,
                  "https://sub-domain.example.co.uk/gallery/1");
}

static void
test_classify_file_uri (void)
{
  check_classify ("file:///tmp/photos", VIGNETTE_SOURCE_LOCAL, "file:///tmp/photos");
  check_classify ("file:///tmp/with%20space", VIGNETTE_SOURCE_LOCAL, "file:///tmp/with%20space");
}

static void
test_classify_paths (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *photos = g_build_filename (cwd, "photos", NULL);
  g_autofree char *photos_uri = g_filename_to_uri (photos, NULL, NULL);
  g_autofree char *home_pics = g_build_filename (g_get_home_dir (), "Pictures", NULL);
  g_autofree char *home_uri = g_filename_to_uri (home_pics, NULL, NULL);
  g_autofree char *dotted = g_build_filename (cwd, "example.com", NULL);
  g_autofree char *dotted_uri = g_filename_to_uri (dotted, NULL, NULL);
  g_autofree char *spaced = g_build_filename (cwd, "my photos", NULL);
  g_autofree char *spaced_uri = g_filename_to_uri (spaced, NULL, NULL);

  check_classify ("/tmp/photos", VIGNETTE_SOURCE_LOCAL, "file:///tmp/photos");
  check_classify ("photos", VIGNETTE_SOURCE_LOCAL, photos_uri);
  check_classify ("./photos", VIGNETTE_SOURCE_LOCAL, photos_uri);
  check_classify ("~/Pictures", VIGNETTE_SOURCE_LOCAL, home_uri);
  /* "./example.com" is a path, even though "example.com" alone would be a host */
  check_classify ("./example.com", VIGNETTE_SOURCE_LOCAL, dotted_uri);
  check_classify ("my photos", VIGNETTE_SOURCE_LOCAL, spaced_uri);
  check_classify ("/home/user/holiday.jpg", VIGNETTE_SOURCE_LOCAL, "file:///home/user/holiday.jpg");
}

static void
test_classify_file_names (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  const char *names[] = { "holiday.jpg", "scan.PNG", "index.html", "photos/holiday.jpeg" };

  /* `vignette-cli holiday.jpg` means the file here, not https://holiday.jpg/:
   * a name that ends with an image or page extension is not a host */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (cwd, names[i], NULL);
      g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

      check_classify (names[i], VIGNETTE_SOURCE_LOCAL, uri);
    }
}

static void
test_classify_unsupported (void)
{
  check_classify_error ("ftp://example.com/pics", "ftp:");
  check_classify_error ("javascript:alert(1)", "javascript:");
  check_classify_error ("data:image/png;base64,AAAA", "data:");
  check_classify_error ("mailto:someone@example.com", "mailto:");
}

static void
test_classify_empty (void)
{
  check_classify_error ("", NULL);
  check_classify_error ("   ", NULL);
  check_classify_error ("\t\n", NULL);
}

static void
test_classify_invalid (void)
{
  check_classify_error ("http://", NULL);
  check_classify_error ("https:///path-without-host", NULL);
  check_classify_error ("\xff\xfe", "UTF-8");
}

static void
test_uri_is_http (void)
{
  g_assert_true (vignette_uri_is_http ("http://a/b"));
  g_assert_true (vignette_uri_is_http ("HTTPS://a/b"));
  g_assert_false (vignette_uri_is_http ("file:///a"));
  g_assert_false (vignette_uri_is_http ("ftp://a"));
  g_assert_false (vignette_uri_is_http ("httpx://a"));
  g_assert_false (vignette_uri_is_http (NULL));
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/source/range/valid", test_range_valid);
  g_test_add_func ("/core/source/range/backwards", test_range_backwards);
  g_test_add_func ("/core/source/range/too-long", test_range_too_long);
  g_test_add_func ("/core/source/range/garbage", test_range_garbage);
  g_test_add_func ("/core/source/template/detect", test_is_template);
  g_test_add_func ("/core/source/template/expand", test_expand_template);
  g_test_add_func ("/core/source/template/pages", test_expand_pages);
  g_test_add_func ("/core/source/template/bad-range", test_expand_bad_range);
  g_test_add_func ("/core/source/expand/single-url", test_expand_single_url);
  g_test_add_func ("/core/source/classify/http", test_classify_http);
  g_test_add_func ("/core/source/classify/template", test_classify_template);
  g_test_add_func ("/core/source/classify/bare-host", test_classify_bare_host);
  g_test_add_func ("/core/source/classify/file-uri", test_classify_file_uri);
  g_test_add_func ("/core/source/classify/paths", test_classify_paths);
  g_test_add_func ("/core/source/classify/file-names", test_classify_file_names);
  g_test_add_func ("/core/source/classify/unsupported", test_classify_unsupported);
  g_test_add_func ("/core/source/classify/empty", test_classify_empty);
  g_test_add_func ("/core/source/classify/invalid", test_classify_invalid);
  g_test_add_func ("/core/source/uri-is-http", test_uri_is_http);

  return g_test_run ();
}
