/* test-names.c: file names from strangers' URLs are safe, bounded and unique
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "vignette-names.h"

/* What every name must be, whatever it came from */
static void
assert_safe (const char *name,
             const char *from)
{
  g_autofree char *lower = NULL;
  const char *dot;
  gsize stem_length;

  if (name == NULL || *name == '\0')
    {
      g_test_fail_printf ("empty name from “%s”", from);
      return;
    }

  if (!g_utf8_validate (name, -1, NULL))
    g_test_fail_printf ("invalid UTF-8 in the name made from “%s”", from);
  else
    for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
      {
        gunichar c = g_utf8_get_char (p);

        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '/' || c == '\\' ||
            (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
            c == 0x2028 || c == 0x2029 || c == 0xfeff)
          g_test_fail_printf ("character U+%04X in “%s”, made from “%s”", c, name, from);
      }

  if (name[0] == '.')
    g_test_fail_printf ("leading dot in “%s”, made from “%s”", name, from);
  if (strlen (name) > VIGNETTE_MAX_NAME_BYTES)
    g_test_fail_printf ("%" G_GSIZE_FORMAT " bytes in the name made from “%s”", strlen (name), from);

  /* Not a name Windows reserves, with or without an extension */
  lower = g_ascii_strdown (name, -1);
  dot = strchr (lower, '.');
  stem_length = dot ? (gsize) (dot - lower) : strlen (lower);
  if ((stem_length == 3 && (strncmp (lower, "con", 3) == 0 || strncmp (lower, "prn", 3) == 0 ||
                            strncmp (lower, "aux", 3) == 0 || strncmp (lower, "nul", 3) == 0)) ||
      (stem_length == 4 && (strncmp (lower, "com", 3) == 0 || strncmp (lower, "lpt", 3) == 0) &&
       lower[3] >= '1' && lower[3] <= '9'))
    g_test_fail_printf ("reserved name “%s”, made from “%s”", name, from);
}

static char *
from_uri (const char *uri)
{
  char *name = vignette_name_from_uri (uri);

  g_test_message ("%s → %s", uri, name);
  assert_safe (name, uri);
  return name;
}

static char *
sanitize (const char *raw)
{
  char *name = vignette_name_sanitize (raw);

  assert_safe (name, raw);
  return name;
}

static void
assert_from_uri (const char *uri,
                 const char *expected)
{
  g_autofree char *name = from_uri (uri);

  g_assert_cmpstr (name, ==, expected);
}

static void
test_plain (void)
{
  assert_from_uri ("https://example.com/photos/sunset.jpg", "sunset");
  assert_from_uri ("https://example.com/photos/sunset.large.jpg", "sunset.large");
  assert_from_uri ("https://example.com/a/b/c/IMG_0042.JPG", "IMG_0042");
  assert_from_uri ("https://example.com/photos/my%20holiday.png", "my holiday");
  assert_from_uri ("https://example.com/photos/noextension", "noextension");
  assert_from_uri ("https://example.com/photos/trailing/", "trailing");
  assert_from_uri ("https://example.com/img.png#../../etc", "img");
  assert_from_uri ("file:///tmp/pictures/cat.jpeg", "cat");
}

static void
test_dot_dot (void)
{
  static const char * const uris[] = {
    "https://example.com/..",
    "https://example.com/../..",
    "https://example.com/%2e%2e",
    "https://example.com/%2E%2E/%2e%2e",
    "https://example.com/.%2e",
    "https://example.com/a/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "https://example.com/..%2F..%2Fetc%2Fpasswd",
    "https://example.com/..%5C..%5Cwindows%5Cwin.ini",
    "https://example.com/..\\..\\boot.ini",
    "https://example.com/%252e%252e%252fpasswd",
    "file:///tmp/..",
  };

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autofree char *name = from_uri (uris[i]);

      g_assert_cmpstr (name, !=, "..");
      g_assert_cmpstr (name, !=, ".");
      g_assert_null (strchr (name, '/'));
      g_assert_null (strchr (name, '\\'));
    }

  /* An escaped slash inside one segment is a character, not a separator */
  assert_from_uri ("https://example.com/a%2Fb.jpg", "a_b");
  assert_from_uri ("https://example.com/a%5Cb.jpg", "a_b");
}

static void
test_nul (void)
{
  g_autofree char *a = from_uri ("https://example.com/evil%00.jpg");
  g_autofree char *b = from_uri ("https://example.com/%00");
  g_autofree char *c = from_uri ("https://example.com/photo.jpg%00.sh");

  /* An escaped NUL never reaches a file name as a byte that would cut it
   * short ("photo.jpg\0.sh" must not become a different name than it
   * shows); what comes out is still safe (checked by from_uri) */
  g_assert_true (g_str_has_prefix (a, "evil"));
  g_assert_cmpuint (strlen (b), >, 0);
  g_assert_true (g_str_has_prefix (c, "photo"));
  g_assert_cmpstr (c, !=, "photo");
}

static void
test_leading_dots (void)
{
  g_autofree char *a = sanitize (".bashrc");
  g_autofree char *b = sanitize (".hidden.jpg");
  g_autofree char *c = sanitize ("...");
  g_autofree char *d = sanitize (". . .jpg");
  g_autofree char *e = sanitize ("-rf");

  g_assert_cmpstr (a, ==, "bashrc");
  g_assert_cmpstr (b, ==, "hidden");
  g_assert_cmpstr (c, ==, "image");
  /* A name that begins with '-' would look like an option to other tools */
  g_assert_cmpint (e[0], !=, '-');

  assert_from_uri ("https://example.com/.htaccess", "htaccess");
  assert_from_uri ("https://example.com/%2Essh", "ssh");
}

static void
test_control_characters (void)
{
  g_autofree char *a = sanitize ("tab\there.jpg");
  g_autofree char *b = sanitize ("new\nline.jpg");
  g_autofree char *c = sanitize ("bell\x07.jpg");
  g_autofree char *d = sanitize ("del\x7f.jpg");
  g_autofree char *e = sanitize ("c1\xc2\x85next.jpg");
  g_autofree char *f = sanitize ("esc\x1b[31mred.jpg");

  g_assert_cmpstr (a, ==, "tab_here");
  g_assert_cmpstr (b, ==, "new_line");
  g_assert_null (strchr (f, 0x1b));

  assert_from_uri ("https://example.com/a%0Ab%0Dc.png", "a_b_c");
}

/* Right-to-left overrides make "gpj.exe" look like "exe.jpg" */
static void
test_bidi (void)
{
  g_autofree char *a = sanitize ("photo\xe2\x80\xaegpj.exe");
  g_autofree char *b = from_uri ("https://example.com/x%E2%80%AEgnp.sh");
  g_autofree char *c = sanitize ("\xe2\x81\xa6isolate\xe2\x81\xa9.png");
  g_autofree char *d = sanitize ("zero\xef\xbb\xbfwidth.png");

  g_assert_null (strstr (a, "\xe2\x80\xae"));
  g_assert_null (strstr (b, "\xe2\x80\xae"));
  g_assert_nonnull (strstr (c, "isolate"));
}

static void
test_invalid_utf8 (void)
{
  static const char * const raws[] = {
    "bad\xff\xfe.jpg", "\xc3", "\xc3(", "\xe2\x82", "\xed\xa0\x80surrogate.png",
    "\xf8\x88\x80\x80\x80.png", "\xc0\xaf\xc0\xaf.png",
  };

  for (guint i = 0; i < G_N_ELEMENTS (raws); i++)
    {
      g_autofree char *name = sanitize (raws[i]);

      g_assert_true (g_utf8_validate (name, -1, NULL));
    }

  {
    g_autofree char *name = from_uri ("https://example.com/caf%E9.jpg");
    g_assert_true (g_utf8_validate (name, -1, NULL));
    g_assert_true (g_str_has_prefix (name, "caf"));
  }
}

static void
test_reserved (void)
{
  static const char * const raws[] = {
    "CON", "con.jpg", "nul.txt", "NUL", "COM1", "com1.tar.gz", "LPT9.png", "aux", "Prn.bmp",
  };

  for (guint i = 0; i < G_N_ELEMENTS (raws); i++)
    {
      g_autofree char *name = sanitize (raws[i]);

      g_test_message ("%s → %s", raws[i], name);
    }

  {
    /* Names that only look like reserved ones are left alone */
    g_autofree char *a = sanitize ("CONSOLE.jpg");
    g_autofree char *b = sanitize ("COM10.png");
    g_autofree char *c = sanitize ("nullable.png");

    g_assert_cmpstr (a, ==, "CONSOLE");
    g_assert_cmpstr (b, ==, "COM10");
    g_assert_cmpstr (c, ==, "nullable");
  }

  assert_from_uri ("https://example.com/CON.jpg", "_CON");
  assert_from_uri ("https://example.com/nul.txt", "_nul");
}

static void
test_long (void)
{
  g_autoptr(GString) ascii = g_string_new (NULL);
  g_autoptr(GString) accents = g_string_new (NULL);
  g_autoptr(GString) kanji = g_string_new ("a");
  g_autoptr(GString) reserved = g_string_new ("con.");
  g_autoptr(GString) spaces = g_string_new (NULL);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

  for (guint i = 0; i < 400; i++)
    g_string_append_c (ascii, 'x');
  g_string_append (ascii, ".jpg");
  for (guint i = 0; i < 200; i++)
    g_string_append (accents, "é");
  for (guint i = 0; i < 150; i++)
    g_string_append (kanji, "日");
  for (guint i = 0; i < 200; i++)
    g_string_append_c (reserved, 'r');
  for (guint i = 0; i < 119; i++)
    g_string_append_c (spaces, 's');
  g_string_append (spaces, " . tail");

  a = sanitize (ascii->str);
  b = sanitize (accents->str);
  c = sanitize (kanji->str);
  d = sanitize (reserved->str);
  e = sanitize (spaces->str);

  /* Cut at no more than 120 bytes, on a character boundary, not much shorter */
  g_assert_cmpuint (strlen (a), <=, VIGNETTE_MAX_NAME_BYTES);
  g_assert_cmpuint (strlen (a), >=, VIGNETTE_MAX_NAME_BYTES - 2);
  g_assert_cmpuint (strlen (b), >=, VIGNETTE_MAX_NAME_BYTES - 3);
  g_assert_cmpuint (strlen (b) % 2, ==, 0);
  g_assert_true (g_str_has_prefix (b, "éé"));
  g_assert_cmpuint (strlen (c), >=, VIGNETTE_MAX_NAME_BYTES - 4);
  g_assert_cmpuint ((strlen (c) - 1) % 3, ==, 0);
  /* A reserved stem with a long tail still fits once prefixed */
  g_assert_cmpuint (strlen (d), <=, VIGNETTE_MAX_NAME_BYTES);
  /* A cut never leaves a trailing space or dot behind */
  g_assert_false (g_str_has_suffix (e, " "));
  g_assert_false (g_str_has_suffix (e, "."));

  {
    g_autofree char *uri = g_strconcat ("https://example.com/", ascii->str, NULL);
    g_autofree char *f = from_uri (uri);

    g_assert_cmpuint (strlen (f), <=, VIGNETTE_MAX_NAME_BYTES);
  }
}

static void
test_unicode_kept (void)
{
  assert_from_uri ("https://example.com/photos/%C3%A9t%C3%A9.jpg", "été");
  assert_from_uri ("https://example.com/%E6%97%A5%E6%9C%AC.png", "日本");
  assert_from_uri ("https://example.com/Δ-delta.gif", "Δ-delta");
  assert_from_uri ("file:///tmp/pictures/%C3%A9clair.png", "éclair");

  {
    g_autofree char *a = sanitize ("crème brûlée.jpg");
    g_autofree char *b = sanitize ("😀.png");

    g_assert_cmpstr (a, ==, "crème brûlée");
    g_assert_cmpstr (b, ==, "😀");
  }
}

/* The query string never names the file, even when it looks like a path */
static void
test_query_ignored (void)
{
  assert_from_uri ("https://example.com/img?file=../../etc/passwd", "img");
  assert_from_uri ("https://example.com/cgi/show.php?name=cat.jpg", "show");
  assert_from_uri ("https://example.com/image.jpg?w=500&h=300", "image");
  assert_from_uri ("https://example.com/a/b.png?../../c.png", "b");
}

/* No path at all: the host names it */
static void
test_empty_path (void)
{
  g_autofree char *a = from_uri ("https://example.com");
  g_autofree char *b = from_uri ("https://example.com/");
  g_autofree char *c = from_uri ("https://photos.example.org/?id=42");
  g_autofree char *d = from_uri ("https://127.0.0.1:8080/");

  g_assert_cmpstr (a, ==, "example");
  g_assert_cmpstr (b, ==, "example");
  g_assert_true (g_str_has_prefix (c, "photos"));
  g_assert_true (g_str_has_prefix (d, "127"));
}

static void
assert_claim (VignetteNames *names,
              const char    *uri,
              const char    *expected)
{
  g_autofree char *name = vignette_names_claim (names, uri);

  g_test_message ("%s → %s", uri, name);
  assert_safe (name, uri);
  g_assert_cmpstr (name, ==, expected);
}

static void
test_collisions (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();

  assert_claim (names, "https://example.com/x.jpg", "x");
  assert_claim (names, "https://example.com/other/x.jpg", "x-2");
  assert_claim (names, "https://example.com/x.png", "x-3");
  assert_claim (names, "https://example.com/y.png", "y");
}

static void
test_collisions_case (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();

  assert_claim (names, "https://example.com/Photo.jpg", "Photo");
  assert_claim (names, "https://example.com/photo.jpg", "photo-2");
  assert_claim (names, "https://example.com/PHOTO.JPG", "PHOTO-3");
  assert_claim (names, "https://example.com/%C3%89T%C3%89.jpg", "ÉTÉ");
  assert_claim (names, "https://example.com/%C3%A9t%C3%A9.jpg", "été-2");
}

static void
test_collisions_hosts (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();

  assert_claim (names, "https://a.example.com/img/cat.jpg", "cat");
  assert_claim (names, "https://b.example.org/cat.jpg", "cat-2");
  assert_claim (names, "file:///tmp/cat.jpg", "cat-3");
}

/* A server that names a file like our suffixes does not get a duplicate */
static void
test_collisions_suffix_names (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();

  assert_claim (names, "https://example.com/x-2.jpg", "x-2");
  assert_claim (names, "https://example.com/x.jpg", "x");
  assert_claim (names, "https://example.com/b/x.jpg", "x-3");
  assert_claim (names, "https://example.com/c/x-2.jpg", "x-2-2");
}

/* Two long names that differ only past the limit still come out different,
 * and the suffix stays within the limit */
static void
test_collisions_long (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();
  g_autoptr(GString) base = g_string_new ("https://example.com/");
  g_autofree char *first_uri = NULL, *second_uri = NULL;
  g_autofree char *first = NULL, *second = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append_c (base, 'n');
  first_uri = g_strconcat (base->str, "1.jpg", NULL);
  second_uri = g_strconcat (base->str, "2.jpg", NULL);

  first = vignette_names_claim (names, first_uri);
  second = vignette_names_claim (names, second_uri);
  assert_safe (first, first_uri);
  assert_safe (second, second_uri);
  g_assert_cmpstr (first, !=, second);
  g_assert_cmpuint (strlen (second), <=, VIGNETTE_MAX_NAME_BYTES);
}

/* Many claims stay unique, case ignored */
static void
test_collisions_many (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *uri = g_strdup_printf ("https://h%u.example.com/%s.jpg", i % 7,
                                              i % 3 == 0 ? "IMG" : i % 3 == 1 ? "img" : "Img");
      g_autofree char *name = vignette_names_claim (names, uri);
      char *folded = g_utf8_casefold (name, -1);

      assert_safe (name, uri);
      g_assert_false (g_hash_table_contains (seen, folded));
      g_hash_table_add (seen, folded);
    }
}

/* Property: whatever is thrown at it, the result is safe */
static const char * const pieces[] = {
  "a", "B", "photo", ".", "..", "/", "\\", "%2e", "%2E", "%2f", "%2F", "%5c", "%00", "%0a",
  "%ff", "%c3", "%e2%80%ae", "\x01", "\x1f", "\x7f", "\xc2\x85", "\xe2\x80\xae", "\xe2\x81\xa6",
  "\xef\xbb\xbf", "\xff", "\xc3", "\xe2\x82", "é", "日本", "😀", " ", "-", "_", "?", "#", ":",
  "*", "\"", "<", ">", "|", "CON", "nul", "COM1", ".jpg", ".png", "~", "$", "%", "%%", "%2",
  "\t", "\n", "\r",
};

static char *
nasty_text (void)
{
  GString *text = g_string_new (NULL);
  guint n = (guint) g_test_rand_int_range (0, 40);

  for (guint i = 0; i < n; i++)
    g_string_append (text, pieces[g_test_rand_int_range (0, G_N_ELEMENTS (pieces))]);
  if (g_test_rand_int_range (0, 10) == 0)
    for (guint i = 0; i < 60; i++)
      g_string_append (text, "日");

  return g_string_free (text, FALSE);
}

static void
test_property (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_rounds = g_test_slow () ? 20000 : 3000;

  for (guint i = 0; i < n_rounds; i++)
    {
      g_autofree char *raw = nasty_text ();
      g_autofree char *uri = g_strconcat ("https://example.com/dir/", raw, NULL);
      g_autofree char *file_uri = g_strconcat ("file:///tmp/", raw, NULL);
      g_autofree char *a = vignette_name_sanitize (raw);
      g_autofree char *b = vignette_name_from_uri (uri);
      g_autofree char *c = vignette_name_from_uri (file_uri);
      g_autofree char *d = vignette_names_claim (names, uri);
      char *folded;

      assert_safe (a, raw);
      assert_safe (b, uri);
      assert_safe (c, file_uri);
      assert_safe (d, uri);

      folded = g_utf8_casefold (d, -1);
      if (g_hash_table_contains (seen, folded))
        g_test_fail_printf ("“%s” claimed twice", d);
      g_hash_table_add (seen, folded);

      if (g_test_failed ())
        {
          g_autofree char *escaped = g_strescape (raw, NULL);

          g_test_message ("failing input, as C: “%s”", escaped);
          return;
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/names/plain", test_plain);
  g_test_add_func ("/core/names/dot-dot", test_dot_dot);
  g_test_add_func ("/core/names/nul", test_nul);
  g_test_add_func ("/core/names/leading-dots", test_leading_dots);
  g_test_add_func ("/core/names/control-characters", test_control_characters);
  g_test_add_func ("/core/names/bidi", test_bidi);
  g_test_add_func ("/core/names/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/core/names/reserved", test_reserved);
  g_test_add_func ("/core/names/long", test_long);
  g_test_add_func ("/core/names/unicode-kept", test_unicode_kept);
  g_test_add_func ("/core/names/query-ignored", test_query_ignored);
  g_test_add_func ("/core/names/empty-path", test_empty_path);
  g_test_add_func ("/core/names/collisions", test_collisions);
  g_test_add_func ("/core/names/collisions-case", test_collisions_case);
  g_test_add_func ("/core/names/collisions-hosts", test_collisions_hosts);
  g_test_add_func ("/core/names/collisions-suffix-names", test_collisions_suffix_names);
  g_test_add_func ("/core/names/collisions-long", test_collisions_long);
  g_test_add_func ("/core/names/collisions-many", test_collisions_many);
  g_test_add_func ("/core/names/property", test_property);

  return g_test_run ();
}
