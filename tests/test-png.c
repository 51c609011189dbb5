/* test-png.c: the fast PNG writer must give back exactly the pixels it was given
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "vignette-png.h"

static GdkPixbuf *
make_noise (int      width,
            int      height,
            gboolean alpha,
            guint32  seed)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  GRand *rand = g_rand_new_with_seed (seed);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width * channels; x++)
      pixels[y * stride + x] = (guint8) (x < width * channels / 2 ? g_rand_int (rand) : (guint32) ((x + y) * 7));

  g_rand_free (rand);
  return pixbuf;
}

static GdkPixbuf *
decode (GBytes *bytes)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("png", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, bytes, &error));
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);

  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

static void
assert_same_pixels (GdkPixbuf *a,
                    GdkPixbuf *b)
{
  int width = gdk_pixbuf_get_width (a);
  int height = gdk_pixbuf_get_height (a);
  int row_bytes = width * gdk_pixbuf_get_n_channels (a);

  g_assert_cmpint (gdk_pixbuf_get_width (b), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (b), ==, height);
  g_assert_cmpint (gdk_pixbuf_get_has_alpha (b), ==, gdk_pixbuf_get_has_alpha (a));

  for (int y = 0; y < height; y++)
    g_assert_cmpmem (gdk_pixbuf_read_pixels (a) + (gsize) y * gdk_pixbuf_get_rowstride (a), row_bytes,
                     gdk_pixbuf_read_pixels (b) + (gsize) y * gdk_pixbuf_get_rowstride (b), row_bytes);
}

static void
test_round_trip (void)
{
  static const struct { int w, h; gboolean alpha; } cases[] = {
    { 1, 1, FALSE }, { 1, 1, TRUE }, { 2, 3, FALSE }, { 500, 375, FALSE },
    { 375, 500, TRUE }, { 999, 1, FALSE }, { 1, 999, TRUE }, { 333, 77, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GdkPixbuf) original = make_noise (cases[i].w, cases[i].h, cases[i].alpha, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) png = vignette_png_encode (original, NULL, NULL, &error);
      g_autoptr(GdkPixbuf) decoded = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (png);
      decoded = decode (png);
      assert_same_pixels (original, decoded);
    }
}

static void
test_text_chunks (void)
{
  g_autoptr(GdkPixbuf) original = make_noise (16, 16, FALSE, 42);
  const char * const keys[] = { "Thumb::URI", "Thumb::MTime", "Comment", NULL };
  const char * const values[] = { "file:///tmp/a%20b.jpg", "1700000000", "Vue d’été ☀", NULL };
  g_autoptr(GBytes) png = vignette_png_encode (original, keys, values, NULL);
  g_autoptr(GdkPixbuf) decoded = decode (png);

  g_assert_cmpstr (gdk_pixbuf_get_option (decoded, "tEXt::Thumb::URI"), ==, "file:///tmp/a%20b.jpg");
  g_assert_cmpstr (gdk_pixbuf_get_option (decoded, "tEXt::Thumb::MTime"), ==, "1700000000");
  /* Not Latin-1: written as iTXt, read back as UTF-8 */
  g_assert_cmpstr (gdk_pixbuf_get_option (decoded, "tEXt::Comment"), ==, "Vue d’été ☀");
}

/* The point of the writer: smaller than gdk-pixbuf's level-1 output on a
 * photo-like image (the time is measured by the benchmarks, not here) */
static void
test_compresses (void)
{
  g_autoptr(GBytes) jpeg = vignette_test_make_image (500, 375, "jpeg", FALSE);
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("jpeg", NULL);
  GdkPixbuf *photo;
  g_autoptr(GBytes) ours = NULL;
  gsize raw;

  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, jpeg, NULL));
  g_assert_true (gdk_pixbuf_loader_close (loader, NULL));
  photo = gdk_pixbuf_loader_get_pixbuf (loader);
  ours = vignette_png_encode (photo, NULL, NULL, NULL);
  raw = (gsize) gdk_pixbuf_get_width (photo) * gdk_pixbuf_get_height (photo) * 3;

  g_assert_cmpuint (g_bytes_get_size (ours), <, raw);
}

int
main (int   argc,
      char *argv[])
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/png/round-trip", test_round_trip);
  g_test_add_func ("/core/png/text-chunks", test_text_chunks);
  g_test_add_func ("/core/png/compresses", test_compresses);

  return g_test_run ();
}
