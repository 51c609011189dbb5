/* test-hostile-names.c: what servers call their images never leaves the output folder
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A page whose image addresses try every trick on the file names (dot
 * segments plain and escaped, escaped slashes and backslashes, NUL bytes,
 * leading dots, control characters, reserved device names, 400-character
 * names, one name from two hosts and two folders, queries that look like
 * paths) goes through the real pipeline: vignette-cli -o. Then the output
 * tree is read back: every image is there, once, under a safe unique name,
 * in DIR/<size>/, and nothing was written anywhere else.
 */
#include "config.h"

#include <string.h>

#include "vignette-names.h"

#include "test-hostile-common.h"
#include "test-hostile-raw.h"

/* Every path of a raw server (which takes any bytes in a path, where a
 * SoupServer refuses %2F and %00) answers with the same small PNG */
static HostileRawServer *
names_server_new (GBytes *png)
{
  HostileRawServer *server = hostile_raw_server_new ();

  hostile_raw_server_add (server, NULL, HOSTILE_RAW_CANNED, NULL, 0)->canned = hostile_raw_answer ("image/png", png);
  return server;
}

/* References as they appear in the page (at /page.html). {PORT} is the
 * server's port, {OTHER} the other server's (two hosts). */
static const char * const hostile_refs[] = {
  "../../../../../../../escape-relative.png",
  "/names/..%2F..%2F..%2F..%2Fescape-slash.png",
  "/names/%2e%2e/%2e%2e/%2e%2e/escape-dots.png",
  "/names/%2e%2e%2f%2e%2e%2fescape-both.png",
  "/names/%252e%252e%252fescape-double.png",
  "/names/..\\..\\..\\escape-backslash.png",
  "/names/%5C..%5C..%5Cescape-backslash2.png",
  "/names/%C0%AE%C0%AE%C0%AFescape-overlong.png",
  "/names/evil%00.png",
  "/names/nul%00byte%00.jpg",
  "/names/.hidden.png",
  "/names/...png",
  "/names/..png",
  "/names/%2e%2e",
  "/names/%2e",
  "/names/.",
  "/names/ctl%0a%0d%1b%5b31m%07bell.png",
  "/names/tab%09and%0bvt.png",
  "/names/del%7f%c2%85nel.png",
  "/names/bidi%E2%80%AEgnp.exe",
  "/names/zero%E2%80%8Bwidth%EF%BB%BF.png",
  "/names/CON.png",
  "/names/nul.jpg",
  "/names/LPT1.png",
  "/names/com9.gif",
  "/names/aux.tar.gz",
  "/names/Con",
  "/names/-rf.png",
  "/names/%20leading-space.png",
  "/names/trailing-dot...",
  "/names/trailing-space%20%20",
  "/names/star*q%3F%3C%3E%7C%3A%22.png",
  "/names/~tilde.png",
  "/names/dir/",
  "/names/dup.png",
  "/names/other/dup.png",
  "/names/DUP.PNG",
  "/names/dup.jpeg",
  "http://localhost:{PORT}/names/dup.png",
  "http://127.0.0.1:{OTHER}/names/dup.png",
  "/img.php?file=../../../../etc/passwd",
  "/show?path=/tmp/escape-query.png",
  "/q?/etc/passwd",
  "/names/x.png?name=../../escape-query2.png#../../frag",
};

static char *
expand_ref (const char *ref,
            guint       port,
            guint       other)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *other_text = g_strdup_printf ("%u", other);
  g_auto(GStrv) a = g_strsplit (ref, "{PORT}", -1);
  g_autofree char *b = g_strjoinv (port_text, a);
  g_auto(GStrv) c = g_strsplit (b, "{OTHER}", -1);

  return g_strjoinv (other_text, c);
}

static GPtrArray *
long_refs (void)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
  GString *a = g_string_new ("/names/");
  GString *e = g_string_new ("/names/");
  GString *d = g_string_new ("/names/");

  for (guint i = 0; i < 400; i++)
    g_string_append_c (a, 'a');
  g_string_append (a, ".png");
  /* 200 × "é", percent-encoded: 400 bytes once decoded */
  for (guint i = 0; i < 200; i++)
    g_string_append (e, "%C3%A9");
  g_string_append (e, ".png");
  /* Two long names that differ only after the cut */
  for (guint i = 0; i < 300; i++)
    g_string_append_c (d, 'b');

  g_ptr_array_add (refs, g_string_free (a, FALSE));
  g_ptr_array_add (refs, g_string_free (e, FALSE));
  g_ptr_array_add (refs, g_strconcat (d->str, "1.png", NULL));
  g_ptr_array_add (refs, g_strconcat (d->str, "2.png", NULL));
  g_string_free (d, TRUE);

  return refs;
}

static void
assert_safe_name (const char *file_name)
{
  g_autofree char *stem = g_strdup (file_name);
  char *dot = strrchr (stem, '.');

  /* <name>.<ext>, the extension being the output format's */
  g_assert_nonnull (dot);
  g_assert_cmpstr (dot, ==, ".png");
  *dot = '\0';

  g_assert_cmpuint (strlen (stem), >, 0);
  g_assert_cmpuint (strlen (stem), <=, VIGNETTE_MAX_NAME_BYTES);
  g_assert_true (g_utf8_validate (stem, -1, NULL));
  g_assert_cmpint (stem[0], !=, '.');
  g_assert_cmpint (stem[0], !=, '-');
  g_assert_cmpint (stem[0], !=, ' ');
  g_assert_null (strchr (stem, '/'));
  g_assert_null (strchr (stem, '\\'));
  for (const char *p = stem; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
}

static void
test_hostile_names (void)
{
  g_autoptr(GBytes) png = vignette_test_make_image (20, 16, "png", FALSE);
  g_autoptr(HostileRawServer) server = names_server_new (png);
  g_autoptr(HostileRawServer) other = names_server_new (png);
  g_autoptr(GPtrArray) refs = long_refs ();
  g_autofree char *top = vignette_test_make_temp_dir ();
  g_autofree char *work = g_build_filename (top, "work", NULL);
  g_autofree char *cwd = g_build_filename (work, "cwd", NULL);
  g_autofree char *out = g_build_filename (work, "out", NULL);
  g_autofree char *page = NULL;
  g_autoptr(GString) html = g_string_new ("<!DOCTYPE html><html><head><meta charset=utf-8></head><body>\n");
  g_autoptr(HostileCli) cli = NULL;
  g_autoptr(GPtrArray) tree = NULL;
  g_autoptr(GPtrArray) around = NULL;
  g_autoptr(GHashTable) stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_links, n_files[2] = { 0, 0 };
  const char *sizes[] = { "64", "32" };

  for (guint i = 0; i < G_N_ELEMENTS (hostile_refs); i++)
    {
      g_autofree char *ref = expand_ref (hostile_refs[i], server->port, other->port);
      g_autofree char *escaped = g_markup_escape_text (ref, -1);

      g_string_append_printf (html, "<img src=\"%s\">\n", escaped);
    }
  for (guint i = 0; i < refs->len; i++)
    g_string_append_printf (html, "<img src=\"%s\">\n", (char *) g_ptr_array_index (refs, i));
  g_string_append (html, "</body></html>\n");
  n_links = G_N_ELEMENTS (hostile_refs) + refs->len;
  {
    g_autoptr(GBytes) body = g_bytes_new (html->str, html->len);

    hostile_raw_server_add (server, "/page.html", HOSTILE_RAW_CANNED, NULL, 0)->canned = hostile_raw_answer ("text/html; charset=utf-8", body);
  }

  g_assert_cmpint (g_mkdir_with_parents (cwd, 0755), ==, 0);
  page = g_strdup_printf ("http://127.0.0.1:%u/page.html", server->port);

  /* The page is at /page.html, so relative references start from / */
  {
    const char *args[] = { "--stats", "--no-cache", "--sizes", "64,32", "--format", "png", "-o", out, page, NULL };

    cli = hostile_cli_run (cwd, args, 120000);
  }

  /* Every image is fetched and saved; none fails for its name */
  g_assert_cmpint (cli->status, ==, 0);
  for (guint i = 0; i < server->paths->len; i++)
    g_test_message ("asked for: %s", (char *) g_ptr_array_index (server->paths, i));

  /* The output tree: exactly DIR/<size>/<name>.png, nothing else */
  tree = hostile_list_tree (out);
  for (guint i = 0; i < tree->len; i++)
    {
      const char *relative = g_ptr_array_index (tree, i);
      g_auto(GStrv) parts = g_strsplit (relative, "/", -1);
      g_autofree char *path = g_build_filename (out, relative, NULL);

      g_test_message ("saved: %s", relative);
      if (g_strv_length (parts) == 1)
        {
          g_assert_true (g_strcmp0 (parts[0], sizes[0]) == 0 || g_strcmp0 (parts[0], sizes[1]) == 0);
          g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
          continue;
        }

      g_assert_cmpuint (g_strv_length (parts), ==, 2);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      g_assert_false (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
      assert_safe_name (parts[1]);
      n_files[g_strcmp0 (parts[0], sizes[0]) == 0 ? 0 : 1]++;
      if (g_strcmp0 (parts[0], sizes[0]) == 0)
        {
          /* Unique, even ignoring case (for case-insensitive file systems) */
          g_autofree char *folded = g_utf8_casefold (parts[1], -1);

          g_assert_true (g_hash_table_add (stems, g_steal_pointer (&folded)));
        }
    }

  /* One file per image and size: the duplicates were not overwritten */
  g_test_message ("%u links, %u and %u files", n_links, n_files[0], n_files[1]);
  g_assert_cmpuint (n_files[0], ==, n_files[1]);
  {
    g_autofree char *expected = g_strdup_printf ("\"items_ok\": %u, \"items_failed\": 0,", n_files[0]);

    g_assert_nonnull (strstr (cli->out, expected));
  }
  /* A few references name the same address ("/names/." and "/names/%2e"…) */
  g_assert_cmpuint (n_files[0] + 4, >=, n_links);
  g_assert_cmpuint (hostile_assert_files_decode (out), ==, n_files[0] + n_files[1]);
  g_assert_cmpuint (hostile_count_temp_files (out), ==, 0);

  /* Nothing beside the output folder, in the folder the CLI ran in, or above */
  around = hostile_list_tree (top);
  for (guint i = 0; i < around->len; i++)
    {
      const char *relative = g_ptr_array_index (around, i);

      if (!(g_str_equal (relative, "work") || g_str_equal (relative, "work/cwd") ||
            g_str_equal (relative, "work/out") || g_str_has_prefix (relative, "work/out/")))
        g_test_fail_printf ("Written outside the output folder: %s/%s", top, relative);
    }
  {
    static const char * const escapes[] = {
      "escape-relative.png", "escape-slash.png", "escape-dots.png", "escape-both.png",
      "escape-backslash.png", "escape-query.png", "escape-query2.png",
    };
    g_autofree char *tmp_parent = g_path_get_dirname (top);

    for (guint i = 0; i < G_N_ELEMENTS (escapes); i++)
      {
        g_autofree char *in_tmp = g_build_filename (tmp_parent, escapes[i], NULL);
        g_autofree char *in_root = g_build_filename ("/", escapes[i], NULL);

        g_assert_false (g_file_test (in_tmp, G_FILE_TEST_EXISTS));
        g_assert_false (g_file_test (in_root, G_FILE_TEST_EXISTS));
      }
  }

  vignette_test_remove_tree (top);
}

/* The same names through the engine alone: each claim is safe and unique */
static void
test_claimed_names (void)
{
  g_autoptr(VignetteNames) names = vignette_names_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) refs = long_refs ();

  for (guint round = 0; round < 2; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (hostile_refs) + refs->len; i++)
        {
          g_autofree char *ref = i < G_N_ELEMENTS (hostile_refs)
            ? expand_ref (hostile_refs[i], 80, 81)
            : g_strdup (g_ptr_array_index (refs, i - G_N_ELEMENTS (hostile_refs)));
          g_autofree char *uri = g_str_has_prefix (ref, "http") ? g_strdup (ref)
                                                                : g_strconcat ("http://example.com", ref, NULL);
          g_autofree char *name = vignette_names_claim (names, uri);
          g_autofree char *file = g_strconcat (name, ".png", NULL);

          assert_safe_name (file);
          g_assert_true (g_hash_table_add (seen, g_utf8_casefold (name, -1)));
        }
    }
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

  g_test_add_func ("/hostile/names/claimed", test_claimed_names);
  g_test_add_func ("/hostile/names/through-the-cli", test_hostile_names);

  return g_test_run ();
}
