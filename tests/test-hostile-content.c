/* test-hostile-content.c: pages and bodies that are not what they say
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HTML that claims to be an image and the reverse, noise, absurd nesting,
 * broken encodings, entity bombs, pages without images and pages with far
 * too many: every run ends, every good image is kept, every bad item says
 * what went wrong in one sentence.
 */
#include "config.h"

#include <string.h>

#include "vignette-extractor.h"

#include "test-hostile-common.h"

typedef struct {
  VignetteTestServer *server;
  VignetteRun        *run;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = vignette_test_server_new ();
  f->run = hostile_run_new ();
  vignette_test_server_add_image (f->server, "/good.png", 64, 48, "png");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->run);
  g_clear_pointer (&f->server, vignette_test_server_free);
}

static void
run_source (Fixture    *f,
            const char *path)
{
  g_autofree char *uri = vignette_test_server_get_uri (f->server, path);
  g_autoptr(GError) error = NULL;

  hostile_run_source (f->run, uri);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);
  hostile_assert_all_finished (f->run);
}

static GBytes *
random_bytes (gsize   length,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) g_rand_int_range (rand, 0, 256);

  return g_bytes_new_take (data, length);
}

static void
test_html_served_as_image (Fixture       *f,
                           gconstpointer  data)
{
  static const char html[] = "<!DOCTYPE html><html><head><title>Login</title></head>"
                             "<body><form><input name=user></form></body></html>";
  g_autoptr(GBytes) body = g_bytes_new_static (html, sizeof html - 1);

  vignette_test_server_add (f->server, "/fake.png", 200, "image/png", body);
  vignette_test_server_add_html (f->server, "/page.html", "<img src=fake.png><img src=good.png>");

  run_source (f, "/page.html");
  hostile_assert_failed (hostile_find_item (f->run, "/fake.png"), "is not an image");
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
}

static void
test_image_served_as_html (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GBytes) png = vignette_test_make_image (40, 30, "png", FALSE);

  /* As an <img>, the bytes are what counts, not what the server called them */
  vignette_test_server_add (f->server, "/photo", 200, "text/html; charset=utf-8", png);
  vignette_test_server_add_html (f->server, "/page.html", "<img src=photo><img src=good.png>");
  run_source (f, "/page.html");
  hostile_assert_done (hostile_find_item (f->run, "/photo"));
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
}

static void
test_image_served_as_html_source (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GBytes) png = vignette_test_make_image (40, 30, "png", FALSE);
  VignetteItem *item;

  /* As a source, it is read as the page it claims to be, or recognised as
   * the image it is: either way the item ends, and a failure says why */
  vignette_test_server_add (f->server, "/photo.html", 200, "text/html", png);
  run_source (f, "/photo.html");
  item = hostile_find_item (f->run, "/photo.html");
  if (item != NULL && vignette_item_get_state (item) == VIGNETTE_ITEM_STATE_FAILED)
    hostile_assert_failed (item, "/photo.html");
  else
    hostile_assert_done (item);
}

/* A body and no Content-Type at all */
static void
serve_without_type (VignetteTestServer *server,
                    SoupServerMessage  *msg,
                    const char         *path,
                    guint               n,
                    gpointer            user_data)
{
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), user_data);
}

static void
test_random_bytes_as_html (Fixture       *f,
                           gconstpointer  data)
{
  GListModel *items;

  for (guint32 seed = 1; seed <= 3; seed++)
    {
      g_autofree char *path = g_strdup_printf ("/noise-%u.html", seed);
      g_autoptr(GBytes) noise = random_bytes (256 * 1024, seed);

      vignette_test_server_add (f->server, path, 200, "text/html", noise);
    }
  vignette_test_server_add_handler (f->server, "/noise-4.html", serve_without_type,
                                    random_bytes (256 * 1024, 4), (GDestroyNotify) g_bytes_unref);

  for (guint32 seed = 1; seed <= 4; seed++)
    {
      g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/noise-%u.html",
                                              vignette_test_server_get_port (f->server), seed);
      hostile_run_source (f->run, uri);
    }
  {
    g_autoptr(GError) error = hostile_run_execute (f->run, NULL, 60000);
    g_assert_no_error (error);
  }
  hostile_assert_all_finished (f->run);

  /* Noise holds no <img>: each source fails, saying why */
  items = vignette_run_get_items (f->run);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      hostile_assert_failed (item, vignette_item_get_uri (item));
    }
}

static void
test_random_bytes_as_image (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GBytes) noise = random_bytes (64 * 1024, 42);
  g_autoptr(GBytes) jpeg_head = NULL;
  g_autoptr(GByteArray) fake_jpeg = g_byte_array_new ();

  /* Noise behind a JPEG signature reaches the decoder itself */
  g_byte_array_append (fake_jpeg, (const guint8 *) "\xff\xd8\xff\xe0", 4);
  g_byte_array_append (fake_jpeg, g_bytes_get_data (noise, NULL), 8192);
  jpeg_head = g_byte_array_free_to_bytes (g_steal_pointer (&fake_jpeg));

  vignette_test_server_add (f->server, "/noise.jpg", 200, "image/jpeg", noise);
  vignette_test_server_add (f->server, "/noise2.jpg", 200, "image/jpeg", jpeg_head);
  vignette_test_server_add_html (f->server, "/page.html",
                                 "<img src=noise.jpg><img src=noise2.jpg><img src=good.png>");
  run_source (f, "/page.html");

  hostile_assert_failed (hostile_find_item (f->run, "/noise.jpg"), "/noise.jpg");
  hostile_assert_failed (hostile_find_item (f->run, "/noise2.jpg"), "/noise2.jpg");
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
}

static char *
nested_page (const char *open,
             const char *close,
             guint       depth)
{
  GString *html = g_string_new ("<html><body><img src=\"top.png\">");

  for (guint i = 0; i < depth; i++)
    g_string_append (html, open);
  g_string_append (html, "<img src=\"deep.png\">");
  for (guint i = 0; i < depth; i++)
    g_string_append (html, close);
  g_string_append (html, "<img src=\"after.png\"></body></html>");

  return g_string_free (html, FALSE);
}

static void
check_deep_nesting (Fixture    *f,
                    const char *open,
                    const char *close)
{
  g_autofree char *html = nested_page (open, close, 50000);
  GListModel *items;

  vignette_test_server_add_image (f->server, "/top.png", 30, 30, "png");
  vignette_test_server_add_image (f->server, "/deep.png", 30, 30, "png");
  vignette_test_server_add_image (f->server, "/after.png", 30, 30, "png");
  vignette_test_server_add_html (f->server, "/deep.html", html);

  /* No stack overflow, no endless walk: the run ends */
  run_source (f, "/deep.html");

  items = vignette_run_get_items (f->run);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      g_test_message ("found %s", vignette_item_get_uri (item));
    }

  /* The images around the nesting are kept; the one at the bottom of
   * 50 000 levels may be beyond what the parser accepts */
  hostile_assert_done (hostile_find_item (f->run, "/top.png"));
  hostile_assert_done (hostile_find_item (f->run, "/after.png"));
}

static void
test_deep_nesting_div (Fixture       *f,
                       gconstpointer  data)
{
  check_deep_nesting (f, "<div>", "</div>");
}

static void
test_deep_nesting_unknown (Fixture       *f,
                           gconstpointer  data)
{
  /* Elements libxml2 does not know (such as <picture>) nest without auto-closing */
  check_deep_nesting (f, "<picture>", "</picture>");
}

static void
test_deep_nesting_links (Fixture       *f,
                         gconstpointer  data)
{
  /* Every <a> around an image consumes the images below it: not once per level */
  check_deep_nesting (f, "<a href=\"big.jpg\"><span>", "</span></a>");
}

static void
test_deep_nesting_selector (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *html = nested_page ("<div>", "</div>", 50000);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) uris = NULL;

  /* An XPath selector walks the same tree */
  uris = vignette_extract_image_uris (html, strlen (html), "utf-8", "http://example.com/",
                                      "//img/@src", &error);
  g_assert_no_error (error);
  g_assert_nonnull (uris);
  g_assert_cmpstr (uris[0], ==, "http://example.com/top.png");
}

static void
test_invalid_utf8 (Fixture       *f,
                   gconstpointer  data)
{
  static const char html[] =
    "<html><head><meta charset=\"utf-8\"><title>\xff\xfe\xc0\xaf</title></head><body>"
    "<p>caf\xe9 \xed\xa0\x80 \xf4\x90\x80\x80 \xc3</p>"
    "<img src=\"caf\xe9.png\" alt=\"\xff\">"
    "<img src=\"\xc0\xae\xc0\xae/x.png\">"
    "<img srcset=\"\xfe\xff 2x, good.png 1x\">"
    "<img src=\"good.png\"></body></html>";
  g_autoptr(GBytes) body = g_bytes_new_static (html, sizeof html - 1);
  GListModel *items;

  vignette_test_server_add (f->server, "/bad-utf8.html", 200, "text/html; charset=utf-8", body);
  run_source (f, "/bad-utf8.html");

  hostile_assert_done (hostile_find_item (f->run, "/good.png"));

  /* Whatever became of the broken bytes, what the user sees is valid text */
  items = vignette_run_get_items (f->run);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      const char *uri = vignette_item_get_uri (item);
      const char *name = vignette_item_get_save_name (item);

      g_assert_true (g_utf8_validate (uri, -1, NULL));
      for (const char *p = uri; *p != '\0'; p++)
        g_assert_true ((guchar) *p > 0x20 && (guchar) *p < 0x7f);
      g_assert_true (name == NULL || g_utf8_validate (name, -1, NULL));
    }
}

static void
test_bogus_charset (Fixture       *f,
                    gconstpointer  data)
{
  static const char html[] = "<html><body><img src=\"good.png\"></body></html>";
  g_autoptr(GBytes) body = g_bytes_new_static (html, sizeof html - 1);
  static const char * const types[] = {
    "text/html; charset=x-no-such-charset",
    "text/html; charset=\"",
    "text/html; charset=utf-16",      /* a lie: the bytes are ASCII */
    "text/html; charset=" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *path = g_strdup_printf ("/charset-%u.html", i);
      g_autofree char *uri = vignette_test_server_get_uri (f->server, path);

      vignette_test_server_add (f->server, path, 200, types[i], body);
      hostile_run_source (f->run, uri);
    }

  {
    g_autoptr(GError) error = hostile_run_execute (f->run, NULL, 60000);
    g_assert_no_error (error);
  }
  /* A page whose charset is unknown is still read (as what its bytes are),
   * or fails in a sentence; the UTF-16 lie finds no image */
  hostile_assert_all_finished (f->run);
  g_assert_cmpuint (vignette_run_get_n_done (f->run), >=, 1);
}

static void
test_no_images (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *uri = vignette_test_server_get_uri (f->server, "/text.html");
  g_autofree char *expected = g_strdup_printf ("No images were found on %s", uri);

  vignette_test_server_add_html (f->server, "/text.html",
                                 "<html><body><p>Only words.</p><img src=\"data:image/png;base64,AAAA\">"
                                 "<a href=\"mailto:x@example.com\">mail</a>"
                                 "<img src=\"javascript:alert(1)\"><img src=\"\"></body></html>");
  run_source (f, "/text.html");
  hostile_assert_failed (hostile_find_item (f->run, "/text.html"), expected);
}

static void
test_entity_bomb (Fixture       *f,
                  gconstpointer  data)
{
  /* "Billion laughs": a parser that expanded these would need gigabytes */
  static const char bomb[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE html [\n"
    " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
    " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
    " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
    "]>\n"
    "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>&g;</p>"
    "<img src=\"good.png\" alt=\"&g;\"/><img src=\"&g;.png\"/></body></html>\n";
  g_autoptr(GBytes) body = g_bytes_new_static (bomb, sizeof bomb - 1);

  vignette_test_server_add (f->server, "/bomb.xhtml", 200, "application/xhtml+xml", body);
  vignette_test_server_add (f->server, "/bomb.html", 200, "text/html", body);

  {
    g_autofree char *a = vignette_test_server_get_uri (f->server, "/bomb.xhtml");
    g_autofree char *b = vignette_test_server_get_uri (f->server, "/bomb.html");
    g_autoptr(GError) error = NULL;

    hostile_run_source (f->run, a);
    hostile_run_source (f->run, b);
    error = hostile_run_execute (f->run, NULL, 60000);
    g_assert_no_error (error);
  }

  hostile_assert_all_finished (f->run);
  /* The same good image from both pages is one item, and it is done */
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
}

static void
test_huge_page_image_limit (Fixture       *f,
                            gconstpointer  data)
{
  GString *html = g_string_new ("<html><body>");
  g_autofree char *uri = vignette_test_server_get_uri (f->server, "/huge.html");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  HostileCompletion completion = { 0 };
  guint n_links = VIGNETTE_MAX_IMAGES_PER_PAGE + 5000;

  for (guint i = 0; i < n_links; i++)
    g_string_append_printf (html, "<img src=\"/img/%u.png\">", i);
  g_string_append (html, "</body></html>");
  vignette_test_server_add_html (f->server, "/huge.html", html->str);
  g_string_free (html, TRUE);
  /* The images themselves never answer: only the page matters here */
  vignette_test_server_set_latency (f->server, G_MAXUINT);
  vignette_test_server_set_path_latency (f->server, "/huge.html", 0);

  hostile_run_source (f->run, uri);
  vignette_run_execute_async (f->run, cancellable, hostile_on_run_executed, &completion);

  /* The page turns into at most the per-page limit of items… */
  while (vignette_run_get_n_items (f->run) == 1 && !completion.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (vignette_run_get_n_items (f->run), ==, VIGNETTE_MAX_IMAGES_PER_PAGE);

  /* …and cancelling twenty thousand of them ends the run */
  g_cancellable_cancel (cancellable);
  vignette_test_spin_until (&completion.done, hostile_scaled_ms (60000));
  g_assert_error (completion.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&completion.error);
  hostile_assert_all_finished (f->run);
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/hostile/content/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("html-served-as-image", test_html_served_as_image);
  ADD ("image-served-as-html", test_image_served_as_html);
  ADD ("image-served-as-html-source", test_image_served_as_html_source);
  ADD ("random-bytes-as-html", test_random_bytes_as_html);
  ADD ("random-bytes-as-image", test_random_bytes_as_image);
  ADD ("deep-nesting-div", test_deep_nesting_div);
  ADD ("deep-nesting-unknown", test_deep_nesting_unknown);
  ADD ("deep-nesting-links", test_deep_nesting_links);
  ADD ("deep-nesting-selector", test_deep_nesting_selector);
  ADD ("invalid-utf8", test_invalid_utf8);
  ADD ("bogus-charset", test_bogus_charset);
  ADD ("no-images", test_no_images);
  ADD ("entity-bomb", test_entity_bomb);
  ADD ("huge-page-image-limit", test_huge_page_image_limit);

#undef ADD

  return g_test_run ();
}
