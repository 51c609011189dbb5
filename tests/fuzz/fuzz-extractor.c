/* fuzz-extractor.c: libFuzzer harness for HTML/XPath extraction and URL resolution
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bytes are a page from a stranger's server. They go through the default
 * rules and a few selectors, against a web page address and a local one, and
 * what comes out must be what the run can trust: absolute, valid UTF-8,
 * de-duplicated addresses of an allowed scheme, without fragments, and no
 * more of them than the per-page limit.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vignette-extractor.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char * const selectors[] = {
  NULL,                                  /* the built-in rules */
  "//img/@src",                          /* attributes */
  "//img/@srcset | //source/@srcset",    /* srcset, picked by the extractor */
  "//figure//img",                       /* elements, handled as the default rules do */
  "//a/text()",                          /* text nodes */
  "string(//img/@src)",                  /* a string result */
  "count(//img)",                        /* a number: an error, never a crash */
};

static const char * const page_uris[] = {
  "http://example.com/gallery/page.html?x=1#top",
  "file:///tmp/vignette-fuzz/page.html",
};

static void
fail (const char *what,
      const char *uri,
      const char *page_uri,
      const char *selector)
{
  g_printerr ("fuzz-extractor: %s\n  uri: \"%s\"\n  page: %s\n  selector: %s\n",
              what, uri, page_uri, selector ? selector : "(default)");
  abort ();
}

static void
check_uris (GStrv       uris,
            const char *page_uri,
            const char *selector)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean file_page = g_str_has_prefix (page_uri, "file:");
  guint n = 0;

  for (guint i = 0; uris[i] != NULL; i++, n++)
    {
      const char *uri = uris[i];
      g_autoptr(GUri) parsed = NULL;

      if (!g_utf8_validate (uri, -1, NULL))
        fail ("not valid UTF-8", "(invalid)", page_uri, selector);
      if (!(g_ascii_strncasecmp (uri, "http://", 7) == 0 || g_ascii_strncasecmp (uri, "https://", 8) == 0 ||
            (file_page && g_ascii_strncasecmp (uri, "file:", 5) == 0)))
        fail ("a scheme that is not allowed", uri, page_uri, selector);
      if (strchr (uri, '#') != NULL)
        fail ("a fragment left in", uri, page_uri, selector);
      for (const char *p = uri; *p != '\0'; p++)
        if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
          fail ("a character that should be escaped", uri, page_uri, selector);
      parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
      if (parsed == NULL)
        fail ("not a valid absolute address", uri, page_uri, selector);
      if (!g_hash_table_add (seen, (gpointer) uri))
        fail ("a duplicate", uri, page_uri, selector);
    }

  if (n > VIGNETTE_MAX_IMAGES_PER_PAGE)
    fail ("more addresses than the per-page limit", "", page_uri, selector);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  vignette_extractor_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;

  if (size > 256 * 1024)
    return 0;

  /* One page address per input (by its length, so that a saved input
   * replays the same way): twice the inputs per second */
  for (guint p = size % G_N_ELEMENTS (page_uris); p == size % G_N_ELEMENTS (page_uris); p++)
    for (guint s = 0; s < G_N_ELEMENTS (selectors); s++)
      {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) uris = NULL;

        /* Declared and undeclared charsets take different paths through libxml2 */
        uris = vignette_extract_image_uris ((const char *) data, size,
                                            (s % 2) ? "utf-8" : NULL,
                                            page_uris[p], selectors[s], &error);
        if (uris == NULL)
          {
            if (error == NULL)
              fail ("no result and no error", "", page_uris[p], selectors[s]);
            if (selectors[s] == NULL)
              fail ("the built-in rules failed", error->message, page_uris[p], selectors[s]);
            continue;
          }
        if (error != NULL)
          fail ("a result and an error", error->message, page_uris[p], selectors[s]);

        check_uris (uris, page_uris[p], selectors[s]);
      }

  /* The same bytes as one attribute value */
  text = g_strndup ((const char *) data, size);
  {
    g_autofree char *best = vignette_srcset_pick_best (text);
    g_autofree char *resolved = vignette_resolve_uri (page_uris[0], text);

    if (best != NULL && !g_utf8_validate (best, -1, NULL) && g_utf8_validate (text, -1, NULL))
      fail ("srcset candidate not valid UTF-8", "", page_uris[0], NULL);
    if (resolved != NULL && strchr (resolved, '#') != NULL)
      fail ("a fragment left in", resolved, page_uris[0], NULL);
  }

  return 0;
}
