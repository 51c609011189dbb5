/* test-hostile-images.c: images that are broken, enormous, endless or nosy
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Truncated and corrupted files, empty sizes, a PNG that declares 1.6
 * gigapixels in two hundred kilobytes, a GIF of thousands of frames, SVGs
 * that reach for local files and the network, files whose names lie. Each
 * fails in one sentence or becomes thumbnails; none crashes the run, eats
 * the memory or makes the renderer open anything.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>

#include "vignette-thumbnailer.h"

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

/* Serves @bytes at @path as @type, runs a page that links it and the good
 * image, and returns the item of @path */
static VignetteItem *
run_image (Fixture    *f,
           const char *path,
           const char *type,
           GBytes     *bytes)
{
  g_autofree char *html = g_strdup_printf ("<img src=\"%s\"><img src=\"/good.png\">", path);
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autoptr(GError) error = NULL;

  vignette_test_server_add (f->server, path, 200, type, bytes);
  vignette_test_server_add_html (f->server, "/page.html", html);
  hostile_run_source (f->run, page);

  error = hostile_run_execute (f->run, NULL, 120000);
  g_assert_no_error (error);
  hostile_assert_all_finished (f->run);
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));

  return hostile_find_item (f->run, path);
}

/* Thumbnails within their boxes, or a one-sentence failure naming the image */
static void
assert_thumbnails_or_sentence (VignetteItem *item,
                               const char   *name)
{
  if (item == NULL)
    return;

  if (vignette_item_get_state (item) == VIGNETTE_ITEM_STATE_FAILED)
    hostile_assert_failed (item, name);
  else
    {
      hostile_assert_done (item);
      g_assert_cmpint (vignette_item_get_width (item), >, 0);
      g_assert_cmpint (vignette_item_get_height (item), >, 0);
    }
}

static void
test_pixel_bomb (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) small = hostile_make_black_png (301, 203);
  g_autoptr(GBytes) bomb = NULL;
  g_autoptr(GdkPixbuf) check = NULL;
  g_autoptr(GError) error = NULL;
  guint64 rss_before, rss_after;
  VignetteItem *item;

  /* The builder makes real PNGs: a small one decodes, whole and black */
  check = vignette_test_decode (small, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (check), ==, 301);
  g_assert_cmpint (gdk_pixbuf_get_height (check), ==, 203);
  g_assert_true (vignette_test_pixel_is (check, 300, 202, 0x000000ffu, 0));

  bomb = hostile_make_black_png (40000, 40000);
  g_test_message ("a 40000 × 40000 PNG in %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (bomb));
  g_assert_cmpuint (g_bytes_get_size (bomb), <, 1024 * 1024);

  rss_before = vignette_test_get_peak_rss ();
  item = run_image (f, "/bomb.png", "image/png", bomb);
  rss_after = vignette_test_get_peak_rss ();

  /* Refused from its header (at the default 100 megapixels), long before the
   * 4.8 GB it would take decoded */
  hostile_assert_failed (item, "40000 × 40000 pixels");
  g_assert_cmpuint (rss_after - rss_before, <, 256 * 1024 * 1024);
}

static void
test_pixel_bomb_thumbnailer (Fixture       *f,
                             gconstpointer  data)
{
  /* 1-bit 100 000 × 100 000: 1.25 GB of rows in about 1.2 MB */
  g_autoptr(GBytes) bomb = hostile_make_black_png (100000, 100000);
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  VignetteThumbnailParams params = { 0 };
  gint64 started;
  double seconds;

  params.sizes = hostile_test_sizes;
  params.n_sizes = G_N_ELEMENTS (hostile_test_sizes);
  params.format = VIGNETTE_FORMAT_PNG;
  params.max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
  params.reduced_decode = TRUE;

  started = g_get_monotonic_time ();
  thumbnails = vignette_make_thumbnails (bomb, &params, "bomb.png", NULL, &error);
  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  g_assert_null (thumbnails);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS);
  hostile_assert_one_sentence (error->message);

  /* Refused from its header, so at once; the bound is only a guard against
   * inflating the whole stream into nowhere (it took seconds) or a hang */
  g_test_message ("%" G_GSIZE_FORMAT " bytes refused in %.3f s", g_bytes_get_size (bomb), seconds);
  g_assert_cmpfloat (seconds, <, hostile_scaled_ms (30000) / 1000.0);
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = vignette_test_make_image (320, 240, "jpeg", FALSE);
  g_autoptr(GBytes) png = vignette_test_make_noise_png (160, 120, 7);
  g_autoptr(GBytes) half_jpeg = vignette_test_truncate (jpeg, g_bytes_get_size (jpeg) / 2);
  g_autoptr(GBytes) half_png = vignette_test_truncate (png, g_bytes_get_size (png) / 2);
  g_autoptr(GBytes) headers_jpeg = vignette_test_truncate (jpeg, 300);
  g_autoptr(GBytes) signature_png = vignette_test_truncate (png, 8);
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/cut.html");
  g_autoptr(GError) error = NULL;

  vignette_test_server_add (f->server, "/half.jpg", 200, "image/jpeg", half_jpeg);
  vignette_test_server_add (f->server, "/half.png", 200, "image/png", half_png);
  vignette_test_server_add (f->server, "/headers.jpg", 200, "image/jpeg", headers_jpeg);
  vignette_test_server_add (f->server, "/signature.png", 200, "image/png", signature_png);
  vignette_test_server_add_html (f->server, "/cut.html",
                                 "<img src=half.jpg><img src=half.png><img src=headers.jpg>"
                                 "<img src=signature.png><img src=good.png>");
  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  /* A cut file is not a picture with a grey bottom: it fails */
  hostile_assert_failed (hostile_find_item (f->run, "/half.jpg"), "/half.jpg");
  hostile_assert_failed (hostile_find_item (f->run, "/half.png"), "/half.png");
  hostile_assert_failed (hostile_find_item (f->run, "/headers.jpg"), "/headers.jpg");
  hostile_assert_failed (hostile_find_item (f->run, "/signature.png"), "/signature.png");
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
}

static void
test_corrupted_jpeg (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = vignette_test_make_image (320, 240, "jpeg", FALSE);
  gsize length = g_bytes_get_size (jpeg);
  const guint8 *bytes = g_bytes_get_data (jpeg, NULL);
  g_autofree guint8 *scrambled = g_memdup2 (bytes, length);
  g_autofree guint8 *bad_table = g_memdup2 (bytes, length);
  g_autoptr(GBytes) scrambled_bytes = NULL;
  g_autoptr(GBytes) bad_table_bytes = NULL;
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/corrupt.html");
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (6);

  /* Noise in the entropy-coded data, past the headers, and the end marker kept */
  for (gsize i = length / 3; i < length - 2; i += 7)
    scrambled[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (gsize i = length / 3; i < length - 2; i++)
    if (scrambled[i] == 0xff)
      scrambled[i] = 0xfe;  /* no stray markers: only the data is wrong */
  scrambled_bytes = g_bytes_new (scrambled, length);

  /* Every Huffman table (DHT, FF C4) made nonsense */
  for (gsize i = 2; i + 4 < length; i++)
    if (bad_table[i] == 0xff && bad_table[i + 1] == 0xc4)
      memset (bad_table + i + 4, 0xff, MIN ((gsize) 20, length - i - 4));
  bad_table_bytes = g_bytes_new (bad_table, length);

  vignette_test_server_add (f->server, "/scrambled.jpg", 200, "image/jpeg", scrambled_bytes);
  vignette_test_server_add (f->server, "/bad-table.jpg", 200, "image/jpeg", bad_table_bytes);
  vignette_test_server_add_html (f->server, "/corrupt.html",
                                 "<img src=scrambled.jpg><img src=bad-table.jpg><img src=good.png>");
  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  /* libjpeg decodes wrong data into wrong pixels or gives up; either way the
   * item ends, and a failure names the image */
  assert_thumbnails_or_sentence (hostile_find_item (f->run, "/scrambled.jpg"), "/scrambled.jpg");
  hostile_assert_failed (hostile_find_item (f->run, "/bad-table.jpg"), "/bad-table.jpg");
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
}

static void
test_zero_size (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) png_0x0 = vignette_test_make_png_declaring (0, 0);
  g_autoptr(GBytes) png_0x100 = vignette_test_make_png_declaring (0, 100);
  static const guint8 gif_0x0[] = {
    'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0, 0x80, 0, 0,
    0, 0, 0, 255, 255, 255,                               /* two colours */
    0x2c, 0, 0, 0, 0, 0, 0, 0, 0, 0,                      /* a 0 × 0 frame */
    2, 2, 0x4c, 0x01, 0, 0x3b,
  };
  g_autoptr(GBytes) gif = g_bytes_new_static (gif_0x0, sizeof gif_0x0);
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/zero.html");
  g_autoptr(GError) error = NULL;

  vignette_test_server_add (f->server, "/0x0.png", 200, "image/png", png_0x0);
  vignette_test_server_add (f->server, "/0x100.png", 200, "image/png", png_0x100);
  vignette_test_server_add (f->server, "/0x0.gif", 200, "image/gif", gif);
  vignette_test_server_add_html (f->server, "/zero.html",
                                 "<img src=0x0.png><img src=0x100.png><img src=0x0.gif><img src=good.png>");
  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  hostile_assert_failed (hostile_find_item (f->run, "/0x0.png"), "/0x0.png");
  hostile_assert_failed (hostile_find_item (f->run, "/0x100.png"), "/0x100.png");
  hostile_assert_failed (hostile_find_item (f->run, "/0x0.gif"), "/0x0.gif");
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
}

static void
test_gif_thousands_of_frames (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GBytes) small = hostile_make_gif_frames (8, 2);
  g_autoptr(GBytes) gif = hostile_make_gif_frames (32, 3000);
  g_autoptr(GdkPixbufAnimation) animation = NULL;
  g_autoptr(GError) error = NULL;
  VignetteItem *item;

  /* The builder makes real animations */
  {
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (small);
    animation = gdk_pixbuf_animation_new_from_stream (stream, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (gdk_pixbuf_animation_is_static_image (animation));
  }

  g_test_message ("3000 frames in %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (gif));
  g_object_set (f->run, "keep-thumbnails", TRUE, NULL);
  item = run_image (f, "/many.gif", "image/gif", gif);

  /* The first frame (red) makes the thumbnail */
  hostile_assert_done (item);
  if (item != NULL && vignette_item_get_thumbnails (item) != NULL)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_lookup (vignette_item_get_thumbnails (item), 50);
      g_autoptr(GdkPixbuf) first = NULL;

      g_assert_nonnull (thumbnail);
      first = vignette_test_decode (thumbnail->bytes, &error);
      g_assert_no_error (error);
      g_assert_true (vignette_test_pixel_is (first, 16, 16, VIGNETTE_TEST_RED, 24));
    }
}

/* inotify, to prove that nothing opened the files an SVG points at */
typedef struct {
  int fd;
} Watch;

static Watch
watch_folder (const char *folder)
{
  Watch watch;

  watch.fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  g_assert_cmpint (watch.fd, >=, 0);
  g_assert_cmpint (inotify_add_watch (watch.fd, folder, IN_OPEN | IN_ACCESS), >=, 0);

  return watch;
}

static guint
watch_count_events (Watch *watch)
{
  guint n = 0;
  char buffer[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  ssize_t length;

  while ((length = read (watch->fd, buffer, sizeof buffer)) > 0)
    for (char *p = buffer; p < buffer + length; )
      {
        struct inotify_event *event = (struct inotify_event *) p;

        g_test_message ("opened or read: %s", event->len ? event->name : "(the folder)");
        n++;
        p += sizeof (struct inotify_event) + event->len;
      }

  g_assert_true (length < 0 && errno == EAGAIN);
  close (watch->fd);
  return n;
}

/* Everything an SVG can point at, but entities */
static char *
nosy_svg (const char *secrets,
          const char *server)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<?xml-stylesheet href=\"%2$s/svg/sheet.css\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"\n"
    "     xmlns:xi=\"http://www.w3.org/2001/XInclude\" width=\"200\" height=\"100\">\n"
    "  <style>@import url(\"%2$s/svg/style.css\"); circle { fill: url(file://%1$s/paint.svg#g); }</style>\n"
    "  <defs><filter id=\"f\"><feImage xlink:href=\"%2$s/svg/filter.png\"/></filter></defs>\n"
    "  <rect width=\"200\" height=\"100\" fill=\"#c33\"/>\n"
    "  <image href=\"file://%1$s/secret.png\" width=\"40\" height=\"40\"/>\n"
    "  <image xlink:href=\"%2$s/svg/remote.png\" x=\"40\" width=\"40\" height=\"40\"/>\n"
    "  <image xlink:href=\"secret.png\" x=\"80\" width=\"40\" height=\"40\"/>\n"
    "  <image xlink:href=\"../../../..%1$s/secret.png\" x=\"120\" width=\"40\" height=\"40\"/>\n"
    "  <use xlink:href=\"file://%1$s/other.svg#shape\"/>\n"
    "  <use xlink:href=\"%2$s/svg/other.svg#shape\"/>\n"
    "  <circle cx=\"180\" cy=\"80\" r=\"10\" filter=\"url(#f)\"/>\n"
    "  <xi:include href=\"file://%1$s/secret.txt\" parse=\"text\"/>\n"
    "  <xi:include href=\"%2$s/svg/include.svg\"/>\n"
    "</svg>\n", secrets, server);
}

/* External entities: the XXE of SVG */
static char *
entity_svg (const char *secrets,
            const char *server)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE svg [\n"
    "  <!ENTITY xxe SYSTEM \"file://%1$s/secret.txt\">\n"
    "  <!ENTITY remote SYSTEM \"%2$s/svg/entity.txt\">\n"
    "  <!ENTITY %% dtd SYSTEM \"%2$s/svg/entity.dtd\"> %%dtd;\n"
    "]>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\">\n"
    "  <rect width=\"200\" height=\"100\" fill=\"#3c3\"/>\n"
    "  <text x=\"10\" y=\"50\">&xxe;&remote;</text>\n"
    "</svg>\n", secrets, server);
}

static void
write_secrets (const char *folder)
{
  static const char * const texts[][2] = {
    { "secret.txt", "the secret" },
    { "other.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect id=\"shape\" width=\"9\" height=\"9\"/></svg>" },
    { "paint.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><linearGradient id=\"g\"/></svg>" },
  };
  g_autoptr(GBytes) png = vignette_test_make_image (16, 16, "png", FALSE);
  g_autofree char *png_path = g_build_filename (folder, "secret.png", NULL);

  vignette_test_write_file (png_path, png);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *path = g_build_filename (folder, texts[i][0], NULL);
      g_autoptr(GBytes) bytes = g_bytes_new_static (texts[i][1], strlen (texts[i][1]));

      vignette_test_write_file (path, bytes);
    }
}

static void
check_svg_reached_nothing (Fixture    *f,
                           Watch      *watch)
{
  static const char * const remote[] = {
    "/svg/entity.txt", "/svg/entity.dtd", "/svg/style.css", "/svg/sheet.css", "/svg/filter.png", "/svg/remote.png",
    "/svg/other.svg", "/svg/include.svg",
  };

  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    {
      if (vignette_test_server_get_n_requests (f->server, remote[i]) != 0)
        g_test_fail_printf ("The SVG renderer fetched %s", remote[i]);
    }
  if (watch_count_events (watch) != 0)
    g_test_fail_printf ("The SVG renderer opened local files");
}

static void
test_svg_external_web (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *secrets = vignette_test_make_temp_dir ();
  g_autofree char *server = vignette_test_server_get_uri (f->server, "");
  g_autofree char *svg = NULL;
  g_autofree char *entities = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) entity_bytes = NULL;
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/nosy.html");
  g_autoptr(GError) error = NULL;
  Watch watch;

  /* No trailing slash on the server's address */
  server[strlen (server) - 1] = '\0';
  write_secrets (secrets);
  svg = nosy_svg (secrets, server);
  entities = entity_svg (secrets, server);
  bytes = g_bytes_new (svg, strlen (svg));
  entity_bytes = g_bytes_new (entities, strlen (entities));

  vignette_test_server_add (f->server, "/nosy.svg", 200, "image/svg+xml", bytes);
  vignette_test_server_add (f->server, "/entities.svg", 200, "image/svg+xml", entity_bytes);
  vignette_test_server_add_html (f->server, "/nosy.html",
                                 "<img src=nosy.svg><img src=entities.svg><img src=good.png>");

  watch = watch_folder (secrets);
  hostile_run_source (f->run, page);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);
  hostile_assert_all_finished (f->run);

  /* Drawn without what it points at: the red background is there */
  hostile_assert_done (hostile_find_item (f->run, "/nosy.svg"));
  /* Refused, or drawn without the entities */
  assert_thumbnails_or_sentence (hostile_find_item (f->run, "/entities.svg"), "/entities.svg");
  hostile_assert_done (hostile_find_item (f->run, "/good.png"));
  /* And nothing was fetched or opened on its behalf */
  check_svg_reached_nothing (f, &watch);

  vignette_test_remove_tree (secrets);
}

static void
test_svg_external_local (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *secrets = vignette_test_make_temp_dir ();
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *server = vignette_test_server_get_uri (f->server, "");
  g_autofree char *svg = NULL;
  g_autofree char *entities = NULL;
  g_autofree char *svg_path = g_build_filename (folder, "nosy.svg", NULL);
  g_autofree char *entity_path = g_build_filename (folder, "entities.svg", NULL);
  g_autofree char *png_path = g_build_filename (folder, "fine.png", NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) entity_bytes = NULL;
  g_autoptr(GBytes) png = vignette_test_make_image (30, 20, "png", FALSE);
  g_autoptr(GError) error = NULL;
  Watch watch;

  server[strlen (server) - 1] = '\0';
  write_secrets (secrets);
  svg = nosy_svg (secrets, server);
  entities = entity_svg (secrets, server);
  bytes = g_bytes_new (svg, strlen (svg));
  entity_bytes = g_bytes_new (entities, strlen (entities));
  vignette_test_write_file (svg_path, bytes);
  vignette_test_write_file (entity_path, entity_bytes);
  vignette_test_write_file (png_path, png);

  /* From a local folder the SVG has a place on disk: still no access
   * beyond its own bytes, relative references included */
  watch = watch_folder (secrets);
  hostile_run_source (f->run, folder);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);

  hostile_assert_all_finished (f->run);
  hostile_assert_done (hostile_find_item (f->run, "/nosy.svg"));
  assert_thumbnails_or_sentence (hostile_find_item (f->run, "/entities.svg"), "entities.svg");
  hostile_assert_done (hostile_find_item (f->run, "/fine.png"));
  check_svg_reached_nothing (f, &watch);

  vignette_test_remove_tree (secrets);
  vignette_test_remove_tree (folder);
}

static void
test_svg_huge (Fixture       *f,
               gconstpointer  data)
{
  static const char huge[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000000\" height=\"800000\">"
    "<rect width=\"1000000\" height=\"800000\" fill=\"#36c\"/></svg>";
  g_autoptr(GBytes) bytes = g_bytes_new_static (huge, sizeof huge - 1);
  VignetteItem *item;

  /* A vector image is drawn at the size asked for, whatever it declares */
  item = run_image (f, "/huge.svg", "image/svg+xml", bytes);
  hostile_assert_done (item);
  if (item != NULL)
    {
      g_assert_cmpint (vignette_item_get_width (item), >, 0);
      g_assert_cmpint (vignette_item_get_height (item), >, 0);
    }
}

static void
test_svg_use_bomb (Fixture       *f,
                   gconstpointer  data)
{
  GString *uses = g_string_new ("<svg xmlns=\"http://www.w3.org/2000/svg\" "
                                "xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"100\" height=\"100\">"
                                "<defs><rect id=\"l0\" width=\"1\" height=\"1\"/>");
  g_autoptr(GBytes) bomb = NULL;

  /* A "billion laughs" of <use>: 10 levels of 10 references, 10^10
   * rectangles. librsvg gives up at its own limit (after ~2 s of work). */
  for (guint level = 1; level <= 10; level++)
    {
      g_string_append_printf (uses, "<g id=\"l%u\">", level);
      for (guint i = 0; i < 10; i++)
        g_string_append_printf (uses, "<use xlink:href=\"#l%u\"/>", level - 1);
      g_string_append (uses, "</g>");
    }
  g_string_append (uses, "</defs><use xlink:href=\"#l10\"/></svg>");
  bomb = g_string_free_to_bytes (uses);

  /* Cut short by the renderer, or drawn: the point is that the run ends */
  assert_thumbnails_or_sentence (run_image (f, "/uses.svg", "image/svg+xml", bomb), "/uses.svg");
}

static void
test_lying_extension (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GBytes) png = vignette_test_make_image (40, 30, "png", TRUE);
  g_autoptr(GBytes) jpeg = vignette_test_make_image (40, 30, "jpeg", FALSE);
  g_autoptr(GBytes) text = g_bytes_new_static ("just words, not a picture\n", 26);
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/lies.html");
  g_autoptr(GError) error = NULL;
  const char *files[] = { "png-named.jpg", "jpeg-named.png", "text-named.jpg", "jpeg-named.gif" };
  GBytes *contents[] = { png, jpeg, text, jpeg };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (folder, files[i], NULL);
      g_autofree char *web = g_strdup_printf ("/%s", files[i]);

      vignette_test_write_file (path, contents[i]);
      /* On the web, the name and the Content-Type both lie */
      vignette_test_server_add (f->server, web, 200,
                                g_str_has_suffix (web, ".png") ? "image/png" :
                                g_str_has_suffix (web, ".gif") ? "image/gif" : "image/jpeg",
                                contents[i]);
    }
  vignette_test_server_add_html (f->server, "/lies.html",
                                 "<img src=png-named.jpg><img src=jpeg-named.png>"
                                 "<img src=text-named.jpg><img src=jpeg-named.gif>");

  hostile_run_source (f->run, page);
  hostile_run_source (f->run, folder);
  error = hostile_run_execute (f->run, NULL, 60000);
  g_assert_no_error (error);
  hostile_assert_all_finished (f->run);

  /* The bytes decide, on the web and on disk alike */
  for (guint origin = 0; origin < 2; origin++)
    {
      GListModel *items = vignette_run_get_items (f->run);

      for (guint i = 0; i < g_list_model_get_n_items (items); i++)
        {
          g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
          const char *uri = vignette_item_get_uri (item);

          if (g_str_has_prefix (uri, "file:") != (origin == 1))
            continue;
          if (g_str_has_suffix (uri, "/text-named.jpg"))
            hostile_assert_failed (item, "text-named.jpg");
          else
            {
              hostile_assert_done (item);
              g_assert_cmpint (vignette_item_get_width (item), ==, 40);
            }
        }
    }
  g_assert_cmpuint (vignette_run_get_n_items (f->run), ==, 8);

  vignette_test_remove_tree (folder);
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/hostile/images/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  /* First, so that its memory check is not hidden by another test's peak */
  ADD ("pixel-bomb", test_pixel_bomb);
  ADD ("pixel-bomb-thumbnailer", test_pixel_bomb_thumbnailer);
  ADD ("truncated", test_truncated);
  ADD ("corrupted-jpeg", test_corrupted_jpeg);
  ADD ("zero-size", test_zero_size);
  ADD ("gif-thousands-of-frames", test_gif_thousands_of_frames);
  ADD ("svg-external-web", test_svg_external_web);
  ADD ("svg-external-local", test_svg_external_local);
  ADD ("svg-huge", test_svg_huge);
  ADD ("svg-use-bomb", test_svg_use_bomb);
  ADD ("lying-extension", test_lying_extension);

#undef ADD

  return g_test_run ();
}
