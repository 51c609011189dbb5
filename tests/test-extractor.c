/* test-extractor.c: image addresses out of HTML, by the built-in rules and by XPath, without a network
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "vignette-error.h"
#include "vignette-extractor.h"
#include "vignette-workers.h"

#include "test-utils.h"

#define PAGE "https://example.com/gallery/page.html"

static GStrv
extract_full (const char *html,
              const char *charset,
              const char *page_uri,
              const char *selector)
{
  g_autoptr(GError) error = NULL;
  GStrv uris;

  uris = vignette_extract_image_uris (html, strlen (html), charset, page_uri, selector, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uris);
  return uris;
}

static GStrv
extract (const char *html)
{
  return extract_full (html, NULL, PAGE, NULL);
}

/* Compares the whole list, in order, and prints both on a mismatch */
static void
assert_uris (char * const *got,
             ...)
{
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  g_autofree char *got_text = NULL;
  g_autofree char *expected_text = NULL;
  const char *uri;
  va_list ap;

  va_start (ap, got);
  while ((uri = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (expected, (char *) uri);
  va_end (ap);
  g_ptr_array_add (expected, NULL);

  got_text = g_strjoinv ("\n  ", (char **) got);
  expected_text = g_strjoinv ("\n  ", (char **) expected->pdata);
  if (!g_strv_equal ((const char * const *) got, (const char * const *) expected->pdata))
    g_error ("Extracted:\n  %s\nexpected:\n  %s", got_text, expected_text);
}

static void
test_relative_forms (void)
{
  g_auto(GStrv) uris = extract (
    "<html><body>"
    "<img src=\"a.jpg\">"
    "<img src=\"../up/b.png\">"
    "<img src=\"/root/c.gif\">"
    "<img src=\"//cdn.example.net/d.webp\">"
    "<img src=\"http://other.example.org/e.jpg\">"
    "<img src=\"?f=1\">"
    "</body></html>");

  assert_uris (uris,
               "https://example.com/gallery/a.jpg",
               "https://example.com/up/b.png",
               "https://example.com/root/c.gif",
               "https://cdn.example.net/d.webp",
               "http://other.example.org/e.jpg",
               "https://example.com/gallery/page.html?f=1",
               NULL);
}

static void
test_base_href (void)
{
  g_auto(GStrv) absolute = extract (
    "<html><head><base href=\"https://static.example.com/img/\"></head>"
    "<body><img src=\"a.jpg\"><img src=\"/b.jpg\"></body></html>");
  g_auto(GStrv) relative = extract (
    "<html><head><base href=\"../media/\"></head>"
    "<body><img src=\"a.jpg\"></body></html>");
  g_auto(GStrv) protocol_relative = extract_full (
    "<html><head><base href=\"//cdn.example.net/x/\"></head>"
    "<body><img src=\"a.jpg\"></body></html>", NULL, "http://example.com/", NULL);

  assert_uris (absolute,
               "https://static.example.com/img/a.jpg",
               "https://static.example.com/b.jpg",
               NULL);
  /* A relative base is itself resolved against the page */
  assert_uris (relative, "https://example.com/media/a.jpg", NULL);
  assert_uris (protocol_relative, "http://cdn.example.net/x/a.jpg", NULL);
}

static void
test_not_images (void)
{
  g_auto(GStrv) uris = extract (
    "<html><head>"
    "<base href=\"https://example.com/gallery/\">"
    "<link rel=\"stylesheet\" href=\"style.css\">"
    "<link rel=\"icon\" href=\"favicon.ico\">"
    "<script src=\"app.js\"></script>"
    "</head><body>"
    "<iframe src=\"ad.html\"></iframe>"
    "<video src=\"clip.mp4\"></video>"
    "<audio src=\"song.mp3\"></audio>"
    "<video controls><source src=\"clip.webm\" type=\"video/webm\"></video>"
    "<embed src=\"plugin.swf\">"
    "<form action=\"/post\"><input type=\"text\"></form>"
    "<a href=\"next.html\">next</a>"
    "<img src=\"the-only-image.jpg\">"
    "</body></html>");

  /* Scripts, frames, styles, links to pages and the base are not images */
  assert_uris (uris, "https://example.com/gallery/the-only-image.jpg", NULL);
}

static void
test_srcset_width (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"small.jpg\" srcset=\"small.jpg 320w, large.jpg 1280w, medium.jpg 640w\">");

  /* One <img>, one item: its best candidate */
  assert_uris (uris, "https://example.com/gallery/large.jpg", NULL);
}

static void
test_srcset_density (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"a.jpg\" srcset=\"a.jpg, a@3x.jpg 3x, a@2x.jpg 2x\">");

  assert_uris (uris, "https://example.com/gallery/a@3x.jpg", NULL);
}

static void
test_srcset_commas_in_urls (void)
{
  g_auto(GStrv) uris = extract (
    "<img srcset=\"/img/w_320,h_200/cat.jpg 320w, /img/w_1024,h_640/cat.jpg 1024w\">");

  assert_uris (uris, "https://example.com/img/w_1024,h_640/cat.jpg", NULL);
}

static void
test_srcset_pick_best (void)
{
  const struct {
    const char *srcset;
    const char *best;
  } cases[] = {
    { "a.jpg 100w, b.jpg 300w, c.jpg 200w", "b.jpg" },
    { "a.jpg 1x, b.jpg 2x", "b.jpg" },
    { "a.jpg", "a.jpg" },
    { "  a.jpg   2x ,  b.jpg 1.5x ", "a.jpg" },
    { "x,1.jpg 1x, x,2.jpg 2x", "x,2.jpg" },
    { "a.jpg 100w,b.jpg 900w", "b.jpg" },
    { "data:image/gif;base64,R0lGOD 1x, real.jpg 2x", "real.jpg" },
    /* A descriptor the standard does not know drops its candidate */
    { "a.jpg 100w (min-width: 3px), b.jpg 50w", "b.jpg" },
    { "a.jpg 1x 1x, b.jpg 0w, c.jpg", "c.jpg" },
    { "", NULL },
    { " , , ", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *best = vignette_srcset_pick_best (cases[i].srcset);

      g_test_message ("srcset “%s”", cases[i].srcset);
      g_assert_cmpstr (best, ==, cases[i].best);
    }

  g_assert_null (vignette_srcset_pick_best (NULL));
}

static void
test_picture_source (void)
{
  g_auto(GStrv) uris = extract (
    "<picture>"
    "  <source type=\"image/avif\" srcset=\"photo.avif 2000w\">"
    "  <source type=\"image/webp\" srcset=\"photo-800.webp 800w, photo-1600.webp 1600w\">"
    "  <img src=\"photo.jpg\" alt=\"\">"
    "</picture>"
    "<img src=\"after.png\">");

  /* The best readable source, and the <img> inside is not a second item */
  assert_uris (uris,
               "https://example.com/gallery/photo-1600.webp",
               "https://example.com/gallery/after.png",
               NULL);
}

static void
test_picture_fallback_img (void)
{
  g_auto(GStrv) uris = extract (
    "<picture><source type=\"image/avif\" srcset=\"only.avif\"><img src=\"fallback.jpg\"></picture>");

  assert_uris (uris, "https://example.com/gallery/fallback.jpg", NULL);
}

static void
test_lazy_attributes (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" data-src=\"real1.jpg\">"
    "<img src=\"/static/spacer.gif\" data-original=\"real2.jpg\">"
    "<img src=\"/img/blank.gif\" data-srcset=\"real3-small.jpg 200w, real3-big.jpg 900w\">"
    "<img src=\"placeholder.png\" data-lazy-src=\"real4.jpg\">"
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">");

  /* Each lazy image is one item, its real picture; a lone data: src is nothing */
  assert_uris (uris,
               "https://example.com/gallery/real1.jpg",
               "https://example.com/gallery/real2.jpg",
               "https://example.com/gallery/real3-big.jpg",
               "https://example.com/gallery/real4.jpg",
               NULL);
}

static void
test_tracking_pixel (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"https://tracker.example/p.gif?id=3\" width=\"1\" height=\"1\">"
    "<img src=\"real.jpg\" width=\"640\" height=\"480\">");

  assert_uris (uris, "https://example.com/gallery/real.jpg", NULL);
}

static void
test_link_around_image (void)
{
  g_auto(GStrv) uris = extract (
    "<a href=\"full/1.jpg\"><img src=\"thumbs/1.jpg\"></a>"
    "<a href=\"full/2.PNG?size=orig\"><span><img src=\"thumbs/2.jpg\" srcset=\"thumbs/2@2x.jpg 2x\"></span></a>"
    "<a href=\"/article/3\"><img src=\"thumbs/3.jpg\"></a>"
    "<a href=\"full/4.jpg\">a text link to an image</a>");

  /* The link to the full-size picture is the item; a link to a page is not */
  assert_uris (uris,
               "https://example.com/gallery/full/1.jpg",
               "https://example.com/gallery/full/2.PNG?size=orig",
               "https://example.com/gallery/thumbs/3.jpg",
               "https://example.com/gallery/full/4.jpg",
               NULL);
}

static void
test_og_image (void)
{
  const char *head =
    "<html><head>"
    "<meta property=\"og:image\" content=\"https://example.com/cover.jpg\">"
    "<meta name=\"twitter:image\" content=\"/twitter.jpg\">"
    "<meta property=\"og:title\" content=\"not-an-image.jpg\">"
    "</head>";
  g_autofree char *with_image = g_strconcat (head, "<body><img src=\"inline.png\"></body></html>", NULL);
  g_autofree char *without = g_strconcat (head, "<body><p>Text only.</p></body></html>", NULL);
  g_auto(GStrv) shown = extract (with_image);
  g_auto(GStrv) fallback = extract (without);
  g_auto(GStrv) selected = extract_full (with_image, NULL, PAGE, "//meta[@property='og:image']");

  /* A picture for sharing is not shown by a browser, and is often the
   * page's own picture at another size: only a page with no image gets it */
  assert_uris (shown, "https://example.com/gallery/inline.png", NULL);
  assert_uris (fallback,
               "https://example.com/cover.jpg",
               "https://example.com/twitter.jpg",
               NULL);
  /* A selector that asks for it gets it */
  assert_uris (selected, "https://example.com/cover.jpg", NULL);
}

static void
test_duplicates (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"b.jpg\"><img src=\"a.jpg\">"
    "<img src=\"./b.jpg\"><img src=\"https://example.com/gallery/a.jpg\">"
    "<img src=\"b.jpg#zoom\"><img src=\"c.jpg\"><img src=\"a.jpg\">");

  /* The same address in other spellings is the same image; first seen, first listed */
  assert_uris (uris,
               "https://example.com/gallery/b.jpg",
               "https://example.com/gallery/a.jpg",
               "https://example.com/gallery/c.jpg",
               NULL);
}

static void
test_no_images (void)
{
  const char *pages[] = {
    "<html><head><title>Nothing</title></head><body><p>Just text.</p></body></html>",
    "",
    "plain text, not even a tag",
    "<img>",
    "<img src=\"\">",
    "<img src=\"   \">",
  };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_auto(GStrv) uris = extract (pages[i]);

      g_test_message ("page “%s”", pages[i]);
      assert_uris (uris, NULL);
    }
}

static void
test_broken_html (void)
{
  g_auto(GStrv) uris = extract (
    "<html><body><div><p>unclosed <b>tags <img src=one.jpg>"
    "<table><tr><td><img src='two.jpg' alt=\"quote\"</td></tr>"
    "</div></div></span><img src=\"three.jpg\" <img src=\"four.jpg\">"
    "<!-- <img src=\"commented.jpg\"> -->"
    "<img src=\"five.jpg\"");

  /* Whatever recovery does with the mangled tags, the clean ones come out in
   * order and a comment is no image */
  g_assert_true (g_strv_contains ((const char * const *) uris, "https://example.com/gallery/one.jpg"));
  g_assert_true (g_strv_contains ((const char * const *) uris, "https://example.com/gallery/three.jpg"));
  g_assert_false (g_strv_contains ((const char * const *) uris, "https://example.com/gallery/commented.jpg"));
  g_assert_cmpstr (uris[0], ==, "https://example.com/gallery/one.jpg");
}

static void
test_binary_garbage (void)
{
  guchar data[4096];
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) uris = NULL;

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guchar) (g_test_rand_int () & 0xff);
  data[100] = '\0';  /* a NUL inside the data */

  uris = vignette_extract_image_uris ((const char *) data, sizeof data, NULL, PAGE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uris);
}

static void
test_schemes (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"javascript:alert(1)\">"
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\" width=\"50\" height=\"50\">"
    "<img src=\"ftp://files.example.com/a.jpg\">"
    "<img src=\"file:///etc/passwd\">"
    "<img src=\"mailto:a@b.c\">"
    "<img src=\"HTTPS://Example.com/upper.jpg\">"
    "<img src=\"kept.jpg\">");

  /* Only the web: a web page must not point us at local files */
  g_assert_cmpuint (g_strv_length (uris), ==, 2);
  g_assert_true (g_ascii_strncasecmp (uris[0], "https://", 8) == 0);
  g_assert_nonnull (strstr (uris[0], "/upper.jpg"));
  g_assert_cmpstr (uris[1], ==, "https://example.com/gallery/kept.jpg");
}

static void
test_file_page (void)
{
  g_auto(GStrv) uris = extract_full (
    "<img src=\"pics/a.jpg\"><img src=\"/abs/b.png\"><img src=\"https://example.com/c.jpg\">",
    NULL, "file:///home/user/site/index.html", NULL);

  /* A local page may name local files */
  assert_uris (uris,
               "file:///home/user/site/pics/a.jpg",
               "file:///abs/b.png",
               "https://example.com/c.jpg",
               NULL);
}

static void
test_selector_attributes (void)
{
  const char *html =
    "<figure><img src=\"in-figure-1.jpg\"></figure>"
    "<div><img src=\"outside.jpg\"></div>"
    "<figure class=\"x\"><div><img src=\"in-figure-2.jpg\" data-full=\"full-2.jpg\"></div></figure>";
  g_auto(GStrv) src = extract_full (html, NULL, PAGE, "//figure//img/@src");
  g_auto(GStrv) custom = extract_full (html, NULL, PAGE, "//img/@data-full");

  assert_uris (src,
               "https://example.com/gallery/in-figure-1.jpg",
               "https://example.com/gallery/in-figure-2.jpg",
               NULL);
  assert_uris (custom, "https://example.com/gallery/full-2.jpg", NULL);
}

static void
test_selector_srcset_attribute (void)
{
  g_auto(GStrv) uris = extract_full (
    "<img srcset=\"s.jpg 100w, l.jpg 1000w\">", NULL, PAGE, "//img/@srcset");

  /* A srcset is a list: the best candidate, not the raw text */
  assert_uris (uris, "https://example.com/gallery/l.jpg", NULL);
}

static void
test_selector_text (void)
{
  g_auto(GStrv) uris = extract_full (
    "<ul class=\"files\"><li> photos/1.jpg </li><li>photos/2.jpg</li></ul><p>other</p>",
    NULL, PAGE, "//ul[@class='files']/li/text()");
  g_auto(GStrv) string = extract_full (
    "<div id=\"hero\" data-image=\"hero.jpg\"></div>", NULL, PAGE, "string(//div[@id='hero']/@data-image)");

  assert_uris (uris,
               "https://example.com/gallery/photos/1.jpg",
               "https://example.com/gallery/photos/2.jpg",
               NULL);
  assert_uris (string, "https://example.com/gallery/hero.jpg", NULL);
}

static void
test_selector_elements (void)
{
  g_auto(GStrv) uris = extract_full (
    "<div class=\"g\"><img src=\"x.jpg\" data-src=\"lazy-x.jpg\"></div>"
    "<div class=\"g\"><a href=\"big.png\"><img src=\"small.png\"></a></div>"
    "<img src=\"not-selected.jpg\">",
    NULL, PAGE, "//div[@class='g']/*");

  /* An element stands for what the built-in rules would make of it */
  assert_uris (uris,
               "https://example.com/gallery/lazy-x.jpg",
               "https://example.com/gallery/big.png",
               NULL);
}

static void
test_selector_nothing (void)
{
  g_auto(GStrv) uris = extract_full ("<img src=\"a.jpg\">", NULL, PAGE, "//video/@src");

  assert_uris (uris, NULL);
}

static void
test_selector_invalid (void)
{
  const char *selectors[] = { "//img[@src", "//img/@", "!!!", "//*[" };

  for (guint i = 0; i < G_N_ELEMENTS (selectors); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) check_error = NULL;
      g_auto(GStrv) uris = NULL;

      g_test_message ("selector “%s”", selectors[i]);
      uris = vignette_extract_image_uris ("<img src=a.jpg>", 15, NULL, PAGE, selectors[i], &error);
      g_assert_null (uris);
      g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR);
      /* Names the expression and what is wrong with it */
      g_assert_nonnull (strstr (error->message, selectors[i]));
      g_assert_nonnull (strstr (error->message, "XPath"));

      g_assert_false (vignette_selector_check (selectors[i], &check_error));
      g_assert_error (check_error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR);
    }

  g_assert_true (vignette_selector_check ("//figure//img/@src", NULL));
  g_assert_true (vignette_selector_check ("", NULL));
  g_assert_true (vignette_selector_check (NULL, NULL));
}

static void
test_selector_wrong_type (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) uris = NULL;

  uris = vignette_extract_image_uris ("<img src=a.jpg>", 15, NULL, PAGE, "count(//img)", &error);
  g_assert_null (uris);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR);
  g_assert_nonnull (strstr (error->message, "count(//img)"));
}

static void
test_escaping (void)
{
  g_auto(GStrv) uris = extract (
    "<meta charset=\"utf-8\">"
    "<img src=\"photos/my holiday.jpg\">"
    "<img src=\"photos/café.jpg\">"
    "<img src=\"photos/已经.png\">"
    "<img src=\"photos/already%20encoded.jpg\">"
    "<img src=\"  photos/padded.jpg\n\">");

  assert_uris (uris,
               "https://example.com/gallery/photos/my%20holiday.jpg",
               "https://example.com/gallery/photos/caf%C3%A9.jpg",
               "https://example.com/gallery/photos/%E5%B7%B2%E7%BB%8F.png",
               "https://example.com/gallery/photos/already%20encoded.jpg",
               "https://example.com/gallery/photos/padded.jpg",
               NULL);
}

static void
test_charset (void)
{
  /* "café" in ISO-8859-1, as a server that says so sends it */
  const char html[] = "<img src=\"caf\xe9.jpg\">";
  g_auto(GStrv) uris = extract_full (html, "ISO-8859-1", PAGE, NULL);

  assert_uris (uris, "https://example.com/gallery/caf%C3%A9.jpg", NULL);
}

static GStrv
extract_bytes (const char *data,
               gsize       length,
               const char *charset)
{
  g_autoptr(GError) error = NULL;
  GStrv uris = vignette_extract_image_uris (data, length, charset, PAGE, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (uris);
  return uris;
}

static void
test_charset_fallback (void)
{
  /* 山水 in UTF-8 and in GBK; é in windows-1252 */
  static const char utf8_says_gb2312[] =
    "<meta charset=\"gb2312\"><img src=\"\xe5\xb1\xb1\xe6\xb0\xb4.jpg\"><img src=\"after.jpg\">";
  /* (山水 alone happens to be valid UTF-8 too; 风景 in the title is not) */
  static const char gbk[] = "<title>\xb7\xe7\xbe\xb0</title><img src=\"\xc9\xbd\xcb\xae.jpg\"><img src=\"after.jpg\">";
  static const char gbk_broken[] = "<meta charset=gbk><p>\xc9\xbd\xff\xff\xcb</p><img src=\"\xc9\xbd\xcb\xae.jpg\">";
  static const char undeclared_1252[] = "<p>Men\xfa</p><img src=\"caf\xe9.jpg\">";
  static const char utf16le[] = "\xff\xfe<\0i\0m\0g\0 \0s\0r\0c\0=\0\"\0\x71\x5c.\0j\0p\0g\0\"\0>\0";
  static const char utf8_bom[] = "\xef\xbb\xbf<img src=\"caf\xc3\xa9.jpg\">";
  static const char sjis_meta[] = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"
                                  "<img src=\"\x8e\x52.jpg\">";
  g_auto(GStrv) a = extract_bytes (utf8_says_gb2312, sizeof utf8_says_gb2312 - 1, NULL);
  g_auto(GStrv) b = extract_bytes (utf8_says_gb2312, sizeof utf8_says_gb2312 - 1, "gb2312");
  g_auto(GStrv) c = extract_bytes (gbk, sizeof gbk - 1, "gb2312");
  g_auto(GStrv) d = extract_bytes (gbk_broken, sizeof gbk_broken - 1, NULL);
  g_auto(GStrv) e = extract_bytes (undeclared_1252, sizeof undeclared_1252 - 1, NULL);
  g_auto(GStrv) f = extract_bytes (utf16le, sizeof utf16le - 1, NULL);
  g_auto(GStrv) g = extract_bytes (sjis_meta, sizeof sjis_meta - 1, NULL);
  g_auto(GStrv) h = extract_bytes (utf8_bom, sizeof utf8_bom - 1, "iso-8859-1");

  /* Valid UTF-8 is UTF-8, whatever the page or the server says */
  assert_uris (a, "https://example.com/gallery/%E5%B1%B1%E6%B0%B4.jpg", "https://example.com/gallery/after.jpg", NULL);
  assert_uris (b, "https://example.com/gallery/%E5%B1%B1%E6%B0%B4.jpg", "https://example.com/gallery/after.jpg", NULL);
  /* Else the declared charset, read as browsers read it (gb2312 as GBK) */
  assert_uris (c, "https://example.com/gallery/%E5%B1%B1%E6%B0%B4.jpg", "https://example.com/gallery/after.jpg", NULL);
  /* Bytes the charset refuses do not lose the rest of the page */
  assert_uris (d, "https://example.com/gallery/%E5%B1%B1%E6%B0%B4.jpg", NULL);
  /* Nothing declared and not UTF-8: windows-1252 */
  assert_uris (e, "https://example.com/gallery/caf%C3%A9.jpg", NULL);
  /* A byte order mark decides */
  assert_uris (f, "https://example.com/gallery/%E5%B1%B1.jpg", NULL);
  assert_uris (h, "https://example.com/gallery/caf%C3%A9.jpg", NULL);
  assert_uris (g, "https://example.com/gallery/%E5%B1%B1.jpg", NULL);
}

static void
test_pixels_and_placeholders (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"logo-311x113.png\">"
    "<img src=\"pixel-1x1.gif\">"
    "<img src=\"banner_1x1.png\">"
    "<img src=\"photo-10x10.jpg\" width=\"1\">"
    "<img src=\"thin.jpg\" height=\"0\">"
    "<img src=\"styled.jpg\" style=\"WIDTH: 1PX\">"
    "<img src=\"pixel-art-castle.png\">"
    "<img src=\"blank.gif\">"
    "<img src=\"spacer.png\">"
    "<img src=\"b.png\">"
    "<img src=\"https://pixel.example.net/p.gif?id=1\">"
    "<img src=\"https://stats.example.net/charts/visits.png\">"
    "<img src=\"https://www.facebook.com/tr?id=1&ev=PageView\">"
    "<img src=\"https://graph.facebook.com/1234/picture?type=large\">");

  /* Sizes are matched as words, not as substrings */
  assert_uris (uris,
               "https://example.com/gallery/logo-311x113.png",
               "https://example.com/gallery/pixel-art-castle.png",
               "https://example.com/gallery/b.png",
               "https://stats.example.net/charts/visits.png",
               /* A social network's host is no beacon; its /tr is */
               "https://graph.facebook.com/1234/picture?type=large",
               NULL);
}

static void
test_lazy_json (void)
{
  g_auto(GStrv) uris = extract (
    "<img src=\"real.jpg\" data-src='{\"default\":\"//img.example.com/x.jpg\"}'>"
    "<img src=\"real2.jpg\" data-src=\"//img.example.com/lazy2.jpg\">"
    "<img src=\"real3.jpg\" data-srcset=\"[1,2]\" data-lazy=\"true\">");

  /* A lazy attribute counts only when it holds an address */
  assert_uris (uris,
               "https://example.com/gallery/real.jpg",
               "https://img.example.com/lazy2.jpg",
               "https://example.com/gallery/real3.jpg",
               NULL);
}

static void
test_resolve_uri (void)
{
  const struct {
    const char *base;
    const char *reference;
    const char *expected;
  } cases[] = {
    { "https://a.example/x/y.html", "z.jpg", "https://a.example/x/z.jpg" },
    { "https://a.example/x/y.html", "/z.jpg", "https://a.example/z.jpg" },
    { "https://a.example/x/y.html", "//b.example/z.jpg", "https://b.example/z.jpg" },
    { "https://a.example/x/y.html", "z.jpg#frag", "https://a.example/x/z.jpg" },
    { "https://a.example/x/y.html", "a b.jpg", "https://a.example/x/a%20b.jpg" },
    { "https://a.example/x/y.html", "", NULL },
    { "https://a.example/x/y.html", "   ", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *resolved = vignette_resolve_uri (cases[i].base, cases[i].reference);

      g_test_message ("resolve “%s” against %s", cases[i].reference, cases[i].base);
      g_assert_cmpstr (resolved, ==, cases[i].expected);
    }
}

static void
test_many_images (void)
{
  g_autoptr(GString) html = g_string_new ("<html><body>");
  g_auto(GStrv) uris = NULL;

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (html, "<div><img src=\"/i/%u.jpg\"></div>", i);
  g_string_append (html, "</body></html>");

  uris = extract (html->str);
  g_assert_cmpuint (g_strv_length (uris), ==, 5000);
  g_assert_cmpstr (uris[0], ==, "https://example.com/i/0.jpg");
  g_assert_cmpstr (uris[4999], ==, "https://example.com/i/4999.jpg");
}

/* One page of tests/pages/ and what a browser shows on it */
typedef struct {
  char      *name;
  char      *page_uri;
  char      *charset;
  GPtrArray *expected;
} CorpusPage;

static void
corpus_page_free (CorpusPage *page)
{
  g_free (page->name);
  g_free (page->page_uri);
  g_free (page->charset);
  g_ptr_array_unref (page->expected);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorpusPage, corpus_page_free)

static CorpusPage *
corpus_page_load (const char *dir,
                  const char *name)
{
  g_autoptr(CorpusPage) page = g_new0 (CorpusPage, 1);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);

  page->name = g_strndup (name, strlen (name) - strlen (".expected"));
  page->page_uri = g_strdup ("https://www.example.com/page.html");
  page->expected = g_ptr_array_new_with_free_func (g_free);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "# page:"))
        {
          g_free (page->page_uri);
          page->page_uri = g_strdup (g_strstrip (line + strlen ("# page:")));
        }
      else if (g_str_has_prefix (line, "# charset:"))
        {
          g_free (page->charset);
          page->charset = g_strdup (g_strstrip (line + strlen ("# charset:")));
        }
      else if (*line != '\0' && *line != '#')
        g_ptr_array_add (page->expected, g_strdup (line));
    }

  return g_steal_pointer (&page);
}

static gboolean
strv_has (char * const *strv,
          const char   *s)
{
  return g_strv_contains ((const char * const *) strv, s);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Every page of the corpus gives exactly what a browser shows, in order */
static void
test_corpus (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "pages", NULL);
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) failures = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  guint wanted = 0, found = 0, taken = 0, correct = 0, pages_right = 0;
  const char *name;

  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (name, ".expected"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  /* A corpus that failed to load would pass with nothing to compare */
  g_assert_cmpuint (names->len, >=, 15);

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(CorpusPage) page = corpus_page_load (dir, g_ptr_array_index (names, i));
      g_autofree char *html_name = g_strconcat (page->name, ".html", NULL);
      g_autofree char *html_path = g_build_filename (dir, html_name, NULL);
      g_autofree char *html = NULL;
      g_auto(GStrv) got = NULL;
      gsize length;
      gboolean same;

      g_file_get_contents (html_path, &html, &length, &error);
      g_assert_no_error (error);

      got = vignette_extract_image_uris (html, length, page->charset, page->page_uri, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (got);

      wanted += page->expected->len;
      for (guint j = 0; j < page->expected->len; j++)
        found += strv_has (got, g_ptr_array_index (page->expected, j));
      taken += g_strv_length (got);
      for (guint j = 0; got[j] != NULL; j++)
        correct += g_ptr_array_find_with_equal_func (page->expected, got[j], g_str_equal, NULL);

      g_ptr_array_add (page->expected, NULL);
      same = g_strv_equal ((const char * const *) got, (const char * const *) page->expected->pdata);
      pages_right += same;
      if (!same)
        {
          g_autofree char *got_text = g_strjoinv ("\n    ", got);
          g_autofree char *expected_text = g_strjoinv ("\n    ", (char **) page->expected->pdata);

          g_string_append_printf (failures, "\n  %s:\n  extracted:\n    %s\n  a browser shows:\n    %s",
                                  page->name, got_text, expected_text);
        }
    }

  g_test_message ("corpus: %u of %u pages exact; found %u of %u pictures shown (%.1f %%), "
                  "%u of %u taken are right (%.1f %%)",
                  pages_right, names->len, found, wanted, 100.0 * found / MAX (wanted, 1),
                  correct, taken, 100.0 * correct / MAX (taken, 1));

  if (failures->len > 0)
    g_error ("Pages where the extractor differs from a browser:%s", failures->str);
}

typedef struct {
  gboolean  done;
  GStrv     uris;
  GError   *error;
} AsyncResult;

static void
on_extracted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncResult *ar = user_data;

  ar->uris = vignette_extract_image_uris_finish (result, &ar->error);
  ar->done = TRUE;
}

static void
test_async (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (2);
  const char html[] = "<img src=\"caf\xe9.jpg\"><img src=\"b.png\">";
  g_autoptr(GBytes) bytes = g_bytes_new_static (html, strlen (html));
  AsyncResult ar = { 0 };

  /* On a worker, and the charset comes from the Content-Type */
  vignette_extract_image_uris_async (workers, bytes, "text/html; charset=\"iso-8859-1\"", PAGE, NULL,
                                     NULL, on_extracted, &ar);
  vignette_test_spin_until (&ar.done, 10000);

  g_assert_no_error (ar.error);
  assert_uris (ar.uris,
               "https://example.com/gallery/caf%C3%A9.jpg",
               "https://example.com/gallery/b.png",
               NULL);
  g_strfreev (ar.uris);
}

static void
test_async_invalid_selector (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (1);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("<img src=a.jpg>", 15);
  AsyncResult ar = { 0 };

  vignette_extract_image_uris_async (workers, bytes, "text/html", PAGE, "//img[", NULL, on_extracted, &ar);
  vignette_test_spin_until (&ar.done, 10000);

  g_assert_null (ar.uris);
  g_assert_error (ar.error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR);
  g_clear_error (&ar.error);
}

static void
test_async_cancelled (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (1);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("<img src=a.jpg>", 15);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncResult ar = { 0 };

  g_cancellable_cancel (cancellable);
  vignette_extract_image_uris_async (workers, bytes, "text/html", PAGE, NULL, cancellable, on_extracted, &ar);
  vignette_test_spin_until (&ar.done, 10000);

  g_assert_null (ar.uris);
  g_assert_error (ar.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&ar.error);
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/extractor/relative-forms", test_relative_forms);
  g_test_add_func ("/core/extractor/base-href", test_base_href);
  g_test_add_func ("/core/extractor/not-images", test_not_images);
  g_test_add_func ("/core/extractor/srcset/width", test_srcset_width);
  g_test_add_func ("/core/extractor/srcset/density", test_srcset_density);
  g_test_add_func ("/core/extractor/srcset/commas-in-urls", test_srcset_commas_in_urls);
  g_test_add_func ("/core/extractor/srcset/pick-best", test_srcset_pick_best);
  g_test_add_func ("/core/extractor/picture/source", test_picture_source);
  g_test_add_func ("/core/extractor/picture/fallback-img", test_picture_fallback_img);
  g_test_add_func ("/core/extractor/lazy-attributes", test_lazy_attributes);
  g_test_add_func ("/core/extractor/tracking-pixel", test_tracking_pixel);
  g_test_add_func ("/core/extractor/link-around-image", test_link_around_image);
  g_test_add_func ("/core/extractor/og-image", test_og_image);
  g_test_add_func ("/core/extractor/duplicates", test_duplicates);
  g_test_add_func ("/core/extractor/no-images", test_no_images);
  g_test_add_func ("/core/extractor/broken-html", test_broken_html);
  g_test_add_func ("/core/extractor/binary-garbage", test_binary_garbage);
  g_test_add_func ("/core/extractor/schemes", test_schemes);
  g_test_add_func ("/core/extractor/file-page", test_file_page);
  g_test_add_func ("/core/extractor/selector/attributes", test_selector_attributes);
  g_test_add_func ("/core/extractor/selector/srcset-attribute", test_selector_srcset_attribute);
  g_test_add_func ("/core/extractor/selector/text", test_selector_text);
  g_test_add_func ("/core/extractor/selector/elements", test_selector_elements);
  g_test_add_func ("/core/extractor/selector/nothing", test_selector_nothing);
  g_test_add_func ("/core/extractor/selector/invalid", test_selector_invalid);
  g_test_add_func ("/core/extractor/selector/wrong-type", test_selector_wrong_type);
  g_test_add_func ("/core/extractor/escaping", test_escaping);
  g_test_add_func ("/core/extractor/charset", test_charset);
  g_test_add_func ("/core/extractor/charset-fallback", test_charset_fallback);
  g_test_add_func ("/core/extractor/pixels-and-placeholders", test_pixels_and_placeholders);
  g_test_add_func ("/core/extractor/lazy-json", test_lazy_json);
  g_test_add_func ("/core/extractor/resolve-uri", test_resolve_uri);
  g_test_add_func ("/core/extractor/many-images", test_many_images);
  g_test_add_func ("/core/extractor/corpus", test_corpus);
  g_test_add_func ("/core/extractor/async", test_async);
  g_test_add_func ("/core/extractor/async-invalid-selector", test_async_invalid_selector);
  g_test_add_func ("/core/extractor/async-cancelled", test_async_cancelled);

  return g_test_run ();
}
