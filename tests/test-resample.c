/* test-resample.c: the Lanczos resampler against analytic answers: no aliasing, exact sizes, clean alpha
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each picture is made here with a known formula, so that the right answer
 * is known too: detail finer than the output can hold must average out to
 * its mean (a box or bilinear filter leaves a beat pattern instead), detail
 * the output can hold must stay where it was, a flat colour must stay
 * exactly that colour.
 */
#include "config.h"

#include <math.h>

#include "test-images.h"
#include "test-utils.h"
#include "vignette-resample.h"
#include "vignette-thumbnailer.h"

/* An opaque grey picture whose value is f(x, y) */
static GdkPixbuf *
pixbuf_from_function (int      width,
                      int      height,
                      double (*f) (double x, double y))
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        /* Sampled at the pixel's centre */
        double v = f (x + 0.5, y + 0.5);
        guint8 *p = pixels + y * rowstride + x * 3;

        p[0] = p[1] = p[2] = (guint8) CLAMP (lround (v), 0, 255);
      }

  return pixbuf;
}

static int
channel (GdkPixbuf *pixbuf,
         int        x,
         int        y,
         int        c)
{
  return gdk_pixbuf_read_pixels (pixbuf)[y * gdk_pixbuf_get_rowstride (pixbuf) +
                                         x * gdk_pixbuf_get_n_channels (pixbuf) + c];
}

/* Vertical stripes 2.5 pixels apart: 0.4 cycles per pixel, far above what
 * an 8 × smaller picture can hold (1/16 cycle per source pixel) */
static double
fine_stripes (double x,
              double y)
{
  return 127.5 + 120.0 * cos (2 * G_PI * x / 2.5);
}

static void
test_fine_detail_does_not_alias (void)
{
  g_autoptr(GdkPixbuf) source = pixbuf_from_function (800, 64, fine_stripes);
  g_autoptr(GdkPixbuf) small = vignette_resample (source, 100, 8);
  int worst = 0;

  g_assert_nonnull (small);

  /* The exact answer is the mean, 127.5, everywhere. Bilinear (a box of 8
   * pixels here) leaves stripes of ± 9 levels that beat across the image. */
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 100; x++)
      worst = MAX (worst, abs (2 * channel (small, x, y, 0) - 255));

  g_assert_cmpint (worst, <=, 2 * 2);
}

/* A zone plate: rings whose frequency grows from 0 at the centre to 0.45
 * cycles per pixel at radius 256 (beyond, in the corners, the source
 * itself can no longer hold them) */
static double
zone_plate (double x,
            double y)
{
  double dx = x - 256.0, dy = y - 256.0;

  return 127.5 + 120.0 * cos (G_PI * 0.45 * (dx * dx + dy * dy) / 256.0);
}

static void
test_zone_plate_keeps_no_false_rings (void)
{
  g_autoptr(GdkPixbuf) source = pixbuf_from_function (512, 512, zone_plate);
  g_autoptr(GdkPixbuf) small = vignette_resample (source, 64, 64);
  int worst = 0;

  g_assert_nonnull (small);

  /* From radius 160 to 250 the rings are 0.28 to 0.44 cycles per pixel,
   * four to seven times what a 64-pixel picture holds (1/16 cycle per source
   * pixel): a correct filter leaves the mean there; an aliasing one paints
   * false rings */
  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64; x++)
      {
        double dx = (x + 0.5) * 8 - 256.0, dy = (y + 0.5) * 8 - 256.0;

        if (dx * dx + dy * dy >= 160.0 * 160.0 && dx * dx + dy * dy <= 250.0 * 250.0)
          worst = MAX (worst, abs (2 * channel (small, x, y, 0) - 255));
      }

  g_assert_cmpint (worst, <=, 2 * 3);
}

/* Slow waves: 64 source pixels per cycle, 8 once reduced 8 × */
static double
slow_waves (double x,
            double y)
{
  return 127.5 + 100.0 * sin (2 * G_PI * x / 64.0);
}

static void
test_coarse_detail_stays_in_place (void)
{
  g_autoptr(GdkPixbuf) source = pixbuf_from_function (1024, 16, slow_waves);
  g_autoptr(GdkPixbuf) small = vignette_resample (source, 128, 2);

  g_assert_nonnull (small);

  /* Output pixel x covers source pixels 8x … 8x + 8: its centre is at 8x + 4.
   * Lanczos-3 keeps 98 % of a wave this slow; a half-pixel shift would be
   * off by up to 39 levels. */
  for (int x = 0; x < 128; x++)
    {
      double expected = 127.5 + 0.98 * 100.0 * sin (2 * G_PI * (x + 0.5) * 8.0 / 64.0);

      g_assert_cmpfloat (fabs (channel (small, x, 1, 0) - expected), <=, 3.0);
    }
}

static void
test_flat_colour_stays_exact (void)
{
  const guint32 colours[] = { 0x000000ff, 0xffffffff, 0x3c8dd2ff, 0x01fe7fff, 0xc0104080 };
  const int sizes[][4] = {
    { 997, 631, 101, 64 },   /* uneven ratios */
    { 640, 480, 500, 375 },  /* a small reduction */
    { 300, 200, 7, 5 },      /* a large one */
    { 50, 40, 120, 96 },     /* an enlargement */
  };

  for (guint i = 0; i < G_N_ELEMENTS (colours); i++)
    for (guint j = 0; j < G_N_ELEMENTS (sizes); j++)
      {
        gboolean alpha = (colours[i] & 0xff) != 0xff;
        g_autoptr(GdkPixbuf) source = vignette_test_pixbuf_new_solid (sizes[j][0], sizes[j][1], alpha, colours[i]);
        g_autoptr(GdkPixbuf) result = vignette_resample (source, sizes[j][2], sizes[j][3]);
        /* Filtered premultiplied in 8 bits: a half-transparent colour comes
         * back to within 255 / alpha / 2 of itself */
        guint tolerance = alpha ? 1 : 0;

        for (int y = 0; y < sizes[j][3]; y++)
          for (int x = 0; x < sizes[j][2]; x++)
            if (!vignette_test_pixel_is (result, x, y, colours[i], tolerance))
              g_error ("colour %08x, %d × %d → %d × %d: pixel %d,%d is %08x",
                       colours[i], sizes[j][0], sizes[j][1], sizes[j][2], sizes[j][3],
                       x, y, vignette_test_get_pixel (result, x, y));
      }
}

static void
test_alpha_edges_have_no_dark_fringe (void)
{
  /* Opaque orange beside transparent black: averaging the colours without
   * weighing them by alpha darkens the edge pixels towards black */
  g_autoptr(GdkPixbuf) source = vignette_test_pixbuf_new_solid (403, 200, TRUE, 0xff8000ff);
  g_autoptr(GdkPixbuf) right = gdk_pixbuf_new_subpixbuf (source, 201, 0, 202, 200);
  g_autoptr(GdkPixbuf) small = NULL;
  gboolean seen_partial = FALSE;

  gdk_pixbuf_fill (right, 0x00000000);
  small = vignette_resample (source, 57, 28);

  g_assert_true (gdk_pixbuf_get_has_alpha (small));

  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 57; x++)
      {
        int a = channel (small, x, y, 3);

        if (a == 0)
          continue;
        seen_partial |= a < 250;
        /* Lanczos's ringing may brighten an edge a little, never darken it */
        g_assert_cmpint (channel (small, x, y, 0), >=, 0xff - 2);
        g_assert_cmpint (abs (channel (small, x, y, 1) - 0x80), <=, 2 + (a < 32 ? 8 : 0));
        g_assert_cmpint (channel (small, x, y, 2), <=, 2 + (a < 32 ? 8 : 0));
      }

  g_assert_true (seen_partial);
}

static void
test_sizes_are_exact (void)
{
  const int cases[][4] = {
    { 1, 1, 1, 1 },
    { 5000, 1, 100, 1 },    /* one row */
    { 1, 5000, 1, 100 },    /* one column */
    { 4000, 3, 500, 1 },    /* a sliver */
    { 3, 4000, 1, 500 },
    { 2, 2, 1, 1 },
    { 640, 480, 500, 375 },
    { 333, 777, 1, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int alpha = 0; alpha <= 1; alpha++)
      {
        g_autoptr(GdkPixbuf) source = vignette_test_pixbuf_new_solid (cases[i][0], cases[i][1], alpha, 0x336699ff);
        g_autoptr(GdkPixbuf) result = vignette_resample (source, cases[i][2], cases[i][3]);

        g_assert_nonnull (result);
        g_assert_cmpint (gdk_pixbuf_get_width (result), ==, cases[i][2]);
        g_assert_cmpint (gdk_pixbuf_get_height (result), ==, cases[i][3]);
        g_assert_cmpint (gdk_pixbuf_get_has_alpha (result), ==, alpha);
        g_assert_true (vignette_test_pixel_is (result, cases[i][2] - 1, cases[i][3] - 1, 0x336699ff, 0));
      }
}

/* A one-pixel-wide ramp reduced 10 ×: each output pixel is the mean of its
 * ten source pixels, which for a straight ramp is the value at its centre */
static void
test_thin_ramp_is_area_average (void)
{
  g_autoptr(GdkPixbuf) column = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1, 2000);
  g_autoptr(GdkPixbuf) small = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (column);
  int rowstride = gdk_pixbuf_get_rowstride (column);

  for (int y = 0; y < 2000; y++)
    pixels[y * rowstride] = pixels[y * rowstride + 1] = pixels[y * rowstride + 2] = (guint8) (20 + y / 10);

  small = vignette_resample (column, 1, 200);
  /* Away from the ends, where the ramp stops */
  for (int y = 3; y < 197; y++)
    g_assert_cmpint (abs (channel (small, 0, y, 0) - (20 + y)), <=, 1);
}

static void
test_thumbnails_are_never_enlarged (void)
{
  const guint sizes[] = { 500, 400, 300, 200, 100, 40 };
  g_autoptr(GdkPixbuf) source = vignette_test_pixbuf_new_photo (7, 60, 45, FALSE);
  g_autoptr(GBytes) png = vignette_test_encode (source, "png");
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  g_autoptr(GError) error = NULL;
  VignetteThumbnailParams params = { 0 };

  params.sizes = sizes;
  params.n_sizes = G_N_ELEMENTS (sizes);
  params.format = VIGNETTE_FORMAT_PNG;
  params.max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
  params.reduced_decode = TRUE;
  params.strategy = VIGNETTE_SCALE_FROM_PREVIOUS;

  thumbnails = vignette_make_thumbnails (png, &params, "small.png", NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (thumbnails, i);
      g_autoptr(GdkPixbuf) decoded = vignette_test_decode (thumbnail->bytes, &error);

      g_assert_no_error (error);
      if (thumbnail->size >= 60)
        {
          /* The original's own pixels, untouched */
          g_assert_cmpint (thumbnail->width, ==, 60);
          g_assert_cmpint (thumbnail->height, ==, 45);
          g_assert_cmpfloat (vignette_test_psnr (decoded, source), >=, 99.0);
        }
      else
        {
          g_assert_cmpint (thumbnail->width, ==, 40);
          g_assert_cmpint (thumbnail->height, ==, 30);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/resample/fine-detail-does-not-alias", test_fine_detail_does_not_alias);
  g_test_add_func ("/core/resample/zone-plate-keeps-no-false-rings", test_zone_plate_keeps_no_false_rings);
  g_test_add_func ("/core/resample/coarse-detail-stays-in-place", test_coarse_detail_stays_in_place);
  g_test_add_func ("/core/resample/flat-colour-stays-exact", test_flat_colour_stays_exact);
  g_test_add_func ("/core/resample/alpha-edges-have-no-dark-fringe", test_alpha_edges_have_no_dark_fringe);
  g_test_add_func ("/core/resample/sizes-are-exact", test_sizes_are_exact);
  g_test_add_func ("/core/resample/thin-ramp-is-area-average", test_thin_ramp_is_area_average);
  g_test_add_func ("/core/resample/thumbnails-are-never-enlarged", test_thumbnails_are_never_enlarged);

  return g_test_run ();
}
