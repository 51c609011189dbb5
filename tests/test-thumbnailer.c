/* test-thumbnailer.c: sizes, orientation, formats, limits and errors of the thumbnail engine
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mostly vignette_make_thumbnails() called directly (it is the pure,
 * thread-safe function the workers run), plus the VignetteThumbnailer
 * wrappers on real worker threads, and the decoder (VignetteDecoder) fed
 * in pieces. Every image is made here, with gdk-pixbuf
 * or by hand (tests/test-images.c).
 */
#include "config.h"

#if defined(__SANITIZE_ADDRESS__)
# define VIGNETTE_TEST_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define VIGNETTE_TEST_ASAN 1
# endif
#endif
#ifndef VIGNETTE_TEST_ASAN
# define VIGNETTE_TEST_ASAN 0
#endif

#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-images.h"
#include "test-utils.h"
#include "vignette-decoder.h"
#include "vignette-error.h"
#include "vignette-run.h"
#include "vignette-thumbnailer.h"

static const guint all_sizes[] = { 500, 400, 300, 200, 100 };

typedef struct {
  guint size;
  int   width;
  int   height;
} Expected;

static VignetteThumbnailParams
params_for (const guint   *sizes,
            guint          n_sizes,
            VignetteFormat format)
{
  VignetteThumbnailParams params = { 0 };

  params.sizes = sizes;
  params.n_sizes = n_sizes;
  params.format = format;
  params.max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
  params.reduced_decode = TRUE;
  params.strategy = VIGNETTE_SCALE_FROM_PREVIOUS;

  return params;
}

static VignetteThumbnails *
make_all (GBytes        *data,
          VignetteFormat format)
{
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), format);
  g_autoptr(GError) error = NULL;
  VignetteThumbnails *thumbnails;

  thumbnails = vignette_make_thumbnails (data, &params, "image.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (thumbnails);

  return thumbnails;
}

static const VignetteThumbnail *
find_size (VignetteThumbnails *thumbnails,
           guint               size)
{
  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (thumbnails, i);

      if (thumbnail->size == size)
        return thumbnail;
    }

  g_error ("no thumbnail of size %u", size);

}

static GdkPixbuf *
decode_size (VignetteThumbnails *thumbnails,
             guint               size)
{
  const VignetteThumbnail *thumbnail = find_size (thumbnails, size);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf;

  g_assert_nonnull (thumbnail);
  pixbuf = vignette_test_decode (thumbnail->bytes, &error);
  g_assert_no_error (error);

  return pixbuf;
}

/* The recorded size and the size of the encoded image both match */
static void
assert_sizes (VignetteThumbnails *thumbnails,
              const Expected     *expected,
              guint               n_expected)
{
  g_assert_cmpuint (vignette_thumbnails_get_n_sizes (thumbnails), ==, n_expected);

  for (guint i = 0; i < n_expected; i++)
    {
      const VignetteThumbnail *thumbnail = find_size (thumbnails, expected[i].size);
      g_autoptr(GdkPixbuf) pixbuf = NULL;

      g_assert_nonnull (thumbnail);
      g_test_message ("size %u: %d × %d", thumbnail->size, thumbnail->width, thumbnail->height);
      g_assert_cmpint (thumbnail->width, ==, expected[i].width);
      g_assert_cmpint (thumbnail->height, ==, expected[i].height);

      pixbuf = decode_size (thumbnails, expected[i].size);
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, expected[i].width);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, expected[i].height);
    }
}

static void
assert_original (VignetteThumbnails *thumbnails,
                 int                 width,
                 int                 height)
{
  g_assert_cmpint (vignette_thumbnails_get_original_width (thumbnails), ==, width);
  g_assert_cmpint (vignette_thumbnails_get_original_height (thumbnails), ==, height);
}

/* Dimensions ------------------------------------------------------------- */

static void
test_landscape (void)
{
  g_autoptr(GBytes) data = vignette_test_make_image (4000, 3000, "jpeg", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  static const Expected expected[] = {
    { 500, 500, 375 }, { 400, 400, 300 }, { 300, 300, 225 }, { 200, 200, 150 }, { 100, 100, 75 },
  };

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 4000, 3000);
  g_assert_false (vignette_thumbnails_is_upscale_limited (thumbnails));
  g_assert_cmpstr (vignette_thumbnails_get_format_name (thumbnails), ==, "JPEG");
  g_assert_cmpstr (vignette_thumbnails_get_mime_type (thumbnails), ==, "image/jpeg");
}

static void
test_portrait (void)
{
  g_autoptr(GBytes) data = vignette_test_make_image (3000, 4000, "png", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  static const Expected expected[] = {
    { 500, 375, 500 }, { 400, 300, 400 }, { 300, 225, 300 }, { 200, 150, 200 }, { 100, 75, 100 },
  };

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 3000, 4000);
  g_assert_false (vignette_thumbnails_is_upscale_limited (thumbnails));
  g_assert_cmpstr (vignette_thumbnails_get_format_name (thumbnails), ==, "PNG");
}

static void
test_square (void)
{
  g_autoptr(GBytes) data = vignette_test_make_image (1000, 1000, "jpeg", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_JPEG);
  static const Expected expected[] = {
    { 500, 500, 500 }, { 400, 400, 400 }, { 300, 300, 300 }, { 200, 200, 200 }, { 100, 100, 100 },
  };

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 1000, 1000);
}

/* A panorama one pixel high must still give a one-pixel-high thumbnail,
 * never zero */
static void
test_extreme_aspect (void)
{
  g_autoptr(GBytes) wide = vignette_test_make_image (3000, 7, "png", FALSE);
  g_autoptr(GBytes) tall = vignette_test_make_image (7, 3000, "png", FALSE);
  g_autoptr(VignetteThumbnails) w = make_all (wide, VIGNETTE_FORMAT_PNG);
  g_autoptr(VignetteThumbnails) t = make_all (tall, VIGNETTE_FORMAT_PNG);
  static const Expected expected_wide[] = {
    { 500, 500, 1 }, { 400, 400, 1 }, { 300, 300, 1 }, { 200, 200, 1 }, { 100, 100, 1 },
  };
  static const Expected expected_tall[] = {
    { 500, 1, 500 }, { 400, 1, 400 }, { 300, 1, 300 }, { 200, 1, 200 }, { 100, 1, 100 },
  };

  assert_sizes (w, expected_wide, G_N_ELEMENTS (expected_wide));
  assert_sizes (t, expected_tall, G_N_ELEMENTS (expected_tall));
}

static void
test_tiny (void)
{
  g_autoptr(GBytes) data = vignette_test_make_image (16, 16, "png", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  static const Expected expected[] = {
    { 500, 16, 16 }, { 400, 16, 16 }, { 300, 16, 16 }, { 200, 16, 16 }, { 100, 16, 16 },
  };

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 16, 16);
  g_assert_true (vignette_thumbnails_is_upscale_limited (thumbnails));
}

/* 300×200 fits in the boxes 300 to 500 as it is: it is kept, not blown up,
 * and the set says so */
static void
test_no_upscale (void)
{
  g_autoptr(GBytes) data = vignette_test_make_image (300, 200, "jpeg", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  static const Expected expected[] = {
    { 500, 300, 200 }, { 400, 300, 200 }, { 300, 300, 200 }, { 200, 200, 133 }, { 100, 100, 67 },
  };

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 300, 200);
  g_assert_true (vignette_thumbnails_is_upscale_limited (thumbnails));
}

/* Exactly as large as the largest box: nothing is limited */
static void
test_exact_fit_not_limited (void)
{
  g_autoptr(GBytes) data = vignette_test_make_image (500, 375, "png", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  static const Expected expected[] = {
    { 500, 500, 375 }, { 400, 400, 300 }, { 300, 300, 225 }, { 200, 200, 150 }, { 100, 100, 75 },
  };

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  g_assert_false (vignette_thumbnails_is_upscale_limited (thumbnails));
}

/* Sizes in any order come back in ascending order, without repeats lost */
static void
test_unsorted_sizes (void)
{
  static const guint sizes[] = { 100, 500, 333 };
  VignetteThumbnailParams params = params_for (sizes, G_N_ELEMENTS (sizes), VIGNETTE_FORMAT_PNG);
  g_autoptr(GBytes) data = vignette_test_make_image (1200, 900, "jpeg", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  static const Expected expected[] = { { 100, 100, 75 }, { 333, 333, 250 }, { 500, 500, 375 } };

  thumbnails = vignette_make_thumbnails (data, &params, "image.test", NULL, &error);
  g_assert_no_error (error);

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpuint (vignette_thumbnails_get_nth (thumbnails, i)->size, ==, expected[i].size);
  g_assert_cmpuint (vignette_thumbnails_lookup (thumbnails, 200)->size, ==, 333);
  g_assert_cmpuint (vignette_thumbnails_lookup (thumbnails, 600)->size, ==, 500);
}

/* JPEG decoding at 1/2, 1/4 or 1/8 rounds the decoded size up: whatever the
 * original's odd dimensions, the longest side of every thumbnail is the box
 * and the aspect ratio is kept to the pixel. A property over many sizes,
 * with a fixed seed (or --seed). */
static void
test_reduced_decode_dimensions (void)
{
  for (guint round = 0; round < 12; round++)
    {
      int width = g_test_rand_int_range (501, 4100);
      int height = g_test_rand_int_range (501, 4100);
      g_autoptr(GBytes) data = vignette_test_make_solid_image (width, height, "jpeg", 0x336699ff);
      g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_JPEG);

      g_test_message ("%d × %d", width, height);
      assert_original (thumbnails, width, height);

      for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
        {
          const VignetteThumbnail *t = vignette_thumbnails_get_nth (thumbnails, i);
          double ideal_w = (double) width * t->size / MAX (width, height);
          double ideal_h = (double) height * t->size / MAX (width, height);

          g_assert_cmpint (MAX (t->width, t->height), ==, t->size);
          g_assert_cmpfloat (ABS (t->width - ideal_w), <=, 1.0);
          g_assert_cmpfloat (ABS (t->height - ideal_h), <=, 1.0);
        }
    }
}

/* Huge input and the DCT-scaled decode ----------------------------------- */

static char *
huge_path (pid_t owner,
           const char *suffix)
{
  return g_strdup_printf ("%s/vignette-test-huge-%d.%s", g_get_tmp_dir (), (int) owner, suffix);
}

/* In a child process, so that ru_maxrss (a high-water mark) starts low:
 * the parent has drawn the 48-megapixel original and holds its JPEG. The
 * reduced decode must stay far below the 144 MB a full decode of 8000×6000
 * RGB needs; the full decode, measured right after, must need it (which
 * shows that the measure can see a full decode at all). */
static void
huge_child (void)
{
  g_autofree char *path = huge_path (getppid (), "jpg");
  g_autofree char *report = huge_path (getppid (), "txt");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(VignetteThumbnails) reduced = NULL;
  g_autoptr(VignetteThumbnails) full = NULL;
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_PNG);
  char *contents = NULL;
  gsize length = 0;
  guint64 before, after_reduced, after_full;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  data = g_bytes_new_take (contents, length);

  before = vignette_test_get_peak_rss ();
  reduced = vignette_make_thumbnails (data, &params, "huge.jpg", NULL, &error);
  g_assert_no_error (error);
  after_reduced = vignette_test_get_peak_rss ();

  params.reduced_decode = FALSE;
  full = vignette_make_thumbnails (data, &params, "huge.jpg", NULL, &error);
  g_assert_no_error (error);
  after_full = vignette_test_get_peak_rss ();

  text = g_strdup_printf ("peak RSS: %.1f MB before, +%.1f MB with the reduced decode, +%.1f MB more with a full decode",
                          before / 1e6, (after_reduced - before) / 1e6, (after_full - after_reduced) / 1e6);
  g_file_set_contents (report, text, -1, NULL);

  g_assert_cmpuint (after_reduced - before, <, 40 * 1000 * 1000);
#if VIGNETTE_TEST_ASAN
  /* AddressSanitizer's allocator (quarantine, shadow memory) hides the
   * difference in peak RSS that this measures */
  g_test_message ("under AddressSanitizer: the full-decode RSS bound is not checked");
#else
  g_assert_cmpuint (after_full - after_reduced, >, 100 * 1000 * 1000);
#endif
}

static void
test_huge_jpeg (void)
{
  g_autoptr(GdkPixbuf) photo = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) reduced = NULL;
  g_autoptr(VignetteThumbnails) full = NULL;
  g_autofree char *path = NULL;
  g_autofree char *report = NULL;
  g_autofree char *figures = NULL;
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_PNG);
  static const Expected expected[] = {
    { 500, 500, 375 }, { 400, 400, 300 }, { 300, 300, 225 }, { 200, 200, 150 }, { 100, 100, 75 },
  };

  if (g_test_subprocess ())
    {
      huge_child ();
      return;
    }

  photo = vignette_test_pixbuf_new_photo (7, 8000, 6000, FALSE);
  data = vignette_test_encode (photo, "jpeg");
  g_clear_object (&photo);

  path = huge_path (getpid (), "jpg");
  report = huge_path (getpid (), "txt");
  vignette_test_write_file (path, data);

  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unlink (path);
  if (g_file_get_contents (report, &figures, NULL, NULL))
    g_test_message ("%s", figures);
  g_unlink (report);
  g_test_trap_assert_passed ();

  /* The quality of the fast path: each size compared with the one made
   * from a full decode */
  reduced = vignette_make_thumbnails (data, &params, "huge.jpg", NULL, &error);
  g_assert_no_error (error);
  params.reduced_decode = FALSE;
  full = vignette_make_thumbnails (data, &params, "huge.jpg", NULL, &error);
  g_assert_no_error (error);

  assert_sizes (reduced, expected, G_N_ELEMENTS (expected));
  assert_sizes (full, expected, G_N_ELEMENTS (expected));
  assert_original (reduced, 8000, 6000);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GdkPixbuf) a = decode_size (reduced, expected[i].size);
      g_autoptr(GdkPixbuf) b = decode_size (full, expected[i].size);
      double difference = vignette_test_mean_difference (a, b);
      double psnr = vignette_test_psnr (a, b);

      g_test_message ("size %u: mean difference %.2f, PSNR %.1f dB", expected[i].size, difference, psnr);
      g_assert_cmpfloat (difference, <, 4.0);
      g_assert_cmpfloat (psnr, >, 30.0);
    }
}

/* Both ways to make the smaller sizes give the same dimensions, and
 * pictures that differ by little */
static void
test_scale_strategies (void)
{
  g_autoptr(GdkPixbuf) photo = vignette_test_pixbuf_new_photo (3, 2400, 1600, FALSE);
  g_autoptr(GBytes) data = vignette_test_encode (photo, "jpeg");
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_PNG);
  g_autoptr(VignetteThumbnails) previous = NULL;
  g_autoptr(VignetteThumbnails) decoded = NULL;
  g_autoptr(GError) error = NULL;
  static const Expected expected[] = {
    { 500, 500, 333 }, { 400, 400, 267 }, { 300, 300, 200 }, { 200, 200, 133 }, { 100, 100, 67 },
  };

  params.strategy = VIGNETTE_SCALE_FROM_PREVIOUS;
  previous = vignette_make_thumbnails (data, &params, "photo.jpg", NULL, &error);
  g_assert_no_error (error);
  params.strategy = VIGNETTE_SCALE_FROM_DECODED;
  decoded = vignette_make_thumbnails (data, &params, "photo.jpg", NULL, &error);
  g_assert_no_error (error);

  assert_sizes (previous, expected, G_N_ELEMENTS (expected));
  assert_sizes (decoded, expected, G_N_ELEMENTS (expected));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GdkPixbuf) a = decode_size (previous, expected[i].size);
      g_autoptr(GdkPixbuf) b = decode_size (decoded, expected[i].size);
      double psnr = vignette_test_psnr (a, b);

      g_test_message ("size %u: PSNR between the strategies %.1f dB", expected[i].size, psnr);
      g_assert_cmpfloat (psnr, >, 30.0);
    }
}

/* EXIF orientation -------------------------------------------------------- */

/* Stored 400×200, left half red, right half blue, with an Orientation tag.
 * 6 means "rotate 90° clockwise to show": the left edge becomes the top. */
static void
check_orientation (guint    orientation,
                   int      shown_width,
                   int      shown_height,
                   guint32  top_left_colour,
                   guint32  bottom_right_colour)
{
  g_autoptr(GdkPixbuf) stored = vignette_test_pixbuf_new_halves (400, 200, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  g_autoptr(GBytes) plain = vignette_test_encode (stored, "jpeg");
  g_autoptr(GBytes) data = vignette_test_jpeg_add_orientation (plain, orientation);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  g_autoptr(GdkPixbuf) check = NULL;
  g_autoptr(GdkPixbuf) verify = NULL;
  char tag[8];
  int w, h;

  /* The bytes are a JPEG that gdk-pixbuf itself reads with that tag */
  verify = vignette_test_decode (data, NULL);
  g_assert_nonnull (verify);
  g_snprintf (tag, sizeof tag, "%u", orientation);
  g_assert_cmpstr (gdk_pixbuf_get_option (verify, "orientation"), ==, tag);

  g_test_message ("orientation %u", orientation);
  assert_original (thumbnails, shown_width, shown_height);

  /* Every size has the shown shape: for 200, 200 on the long side */
  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
    {
      const VignetteThumbnail *t = vignette_thumbnails_get_nth (thumbnails, i);
      guint box = MIN (t->size, (guint) MAX (shown_width, shown_height));

      if (shown_width > shown_height)
        {
          g_assert_cmpint (t->width, ==, (int) box);
          g_assert_cmpint (t->height, ==, (int) box / 2);
        }
      else
        {
          g_assert_cmpint (t->height, ==, (int) box);
          g_assert_cmpint (t->width, ==, (int) box / 2);
        }
    }

  check = decode_size (thumbnails, 200);
  w = gdk_pixbuf_get_width (check);
  h = gdk_pixbuf_get_height (check);
  g_assert_true (vignette_test_pixel_is (check, w / 8, h / 8, top_left_colour, 40));
  g_assert_true (vignette_test_pixel_is (check, w - 1 - w / 8, h - 1 - h / 8, bottom_right_colour, 40));
}

static void
test_exif_orientation (void)
{
  /* 1: as stored */
  check_orientation (1, 400, 200, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  /* 3: upside down: the halves swap */
  check_orientation (3, 400, 200, VIGNETTE_TEST_BLUE, VIGNETTE_TEST_RED);
  /* 6: a phone held upright: portrait, the red left edge on top */
  check_orientation (6, 200, 400, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  /* 8: turned the other way: portrait, red at the bottom */
  check_orientation (8, 200, 400, VIGNETTE_TEST_BLUE, VIGNETTE_TEST_RED);
}

/* The portrait shape with the defaults the brief names: 400×200 stored,
 * orientation 6, the 200 box gives 100×200 */
static void
test_exif_portrait_200 (void)
{
  g_autoptr(GdkPixbuf) stored = vignette_test_pixbuf_new_halves (400, 200, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  g_autoptr(GBytes) plain = vignette_test_encode (stored, "jpeg");
  g_autoptr(GBytes) data = vignette_test_jpeg_add_orientation (plain, 6);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_JPEG);
  static const Expected expected[] = {
    { 500, 200, 400 }, { 400, 200, 400 }, { 300, 150, 300 }, { 200, 100, 200 }, { 100, 50, 100 },
  };

  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 200, 400);
  g_assert_true (vignette_thumbnails_is_upscale_limited (thumbnails));
}

/* Alpha ------------------------------------------------------------------ */

static void
test_alpha (void)
{
  g_autoptr(GdkPixbuf) photo = vignette_test_pixbuf_new_photo (5, 800, 600, TRUE);
  g_autoptr(GBytes) data = vignette_test_encode (photo, "png");
  g_autoptr(VignetteThumbnails) png = make_all (data, VIGNETTE_FORMAT_PNG);
  g_autoptr(VignetteThumbnails) jpeg = make_all (data, VIGNETTE_FORMAT_JPEG);
  g_autoptr(GdkPixbuf) png_200 = decode_size (png, 200);
  g_autoptr(GdkPixbuf) jpeg_200 = decode_size (jpeg, 200);
  guint32 left;

  /* PNG keeps the transparency: the right half stays clear */
  g_assert_true (gdk_pixbuf_get_has_alpha (png_200));
  g_assert_cmphex (vignette_test_get_pixel (png_200, 150, 75) & 0xff, ==, 0);
  g_assert_cmphex (vignette_test_get_pixel (png_200, 50, 75) & 0xff, ==, 0xff);

  /* JPEG has none: flattened on white, not on whatever the clear pixels hid */
  g_assert_false (gdk_pixbuf_get_has_alpha (jpeg_200));
  g_assert_true (vignette_test_pixel_is (jpeg_200, 150, 75, VIGNETTE_TEST_WHITE, 6));
  left = vignette_test_get_pixel (png_200, 50, 75);
  g_assert_true (vignette_test_pixel_is (jpeg_200, 50, 75, left, 24));
}

/* Kept in memory, thumbnails are JPEG unless the image has alpha */
static void
test_compact_encoding (void)
{
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_WEBP);
  g_autoptr(GBytes) opaque = vignette_test_make_image (640, 480, "png", FALSE);
  g_autoptr(GBytes) clear = vignette_test_make_image (640, 480, "png", TRUE);
  g_autoptr(VignetteThumbnails) a = NULL;
  g_autoptr(VignetteThumbnails) b = NULL;
  g_autoptr(GError) error = NULL;
  const VignetteThumbnail *t;

  params.compact = TRUE;
  a = vignette_make_thumbnails (opaque, &params, "opaque.png", NULL, &error);
  g_assert_no_error (error);
  b = vignette_make_thumbnails (clear, &params, "clear.png", NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (vignette_thumbnails_get_encoding (a), ==, VIGNETTE_FORMAT_JPEG);
  t = find_size (a, 100);
  g_assert_cmpmem (g_bytes_get_data (t->bytes, NULL), 3, "\xff\xd8\xff", 3);

  g_assert_cmpint (vignette_thumbnails_get_encoding (b), ==, VIGNETTE_FORMAT_PNG);
  t = find_size (b, 100);
  g_assert_cmpmem (g_bytes_get_data (t->bytes, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
}

/* Input formats ----------------------------------------------------------- */

static void
check_format (const char *saver,
              const char *format_name)
{
  g_autoptr(GdkPixbuf) halves = vignette_test_pixbuf_new_halves (600, 400, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  g_autoptr(GdkPixbuf) check = NULL;
  static const Expected expected[] = {
    { 500, 500, 333 }, { 400, 400, 267 }, { 300, 300, 200 }, { 200, 200, 133 }, { 100, 100, 67 },
  };

  if (!vignette_test_have_loader (saver) || !vignette_test_have_saver (saver))
    {
      g_test_skip_printf ("gdk-pixbuf cannot read and write %s here", saver);
      return;
    }

  data = vignette_test_encode (halves, saver);
  thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 600, 400);
  g_assert_cmpstr (vignette_thumbnails_get_format_name (thumbnails), ==, format_name);
  g_assert_nonnull (vignette_thumbnails_get_mime_type (thumbnails));

  check = decode_size (thumbnails, 300);
  g_assert_true (vignette_test_pixel_is (check, 30, 100, VIGNETTE_TEST_RED, 24));
  g_assert_true (vignette_test_pixel_is (check, 270, 100, VIGNETTE_TEST_BLUE, 24));
}

static void
test_format_bmp (void)
{
  check_format ("bmp", "BMP");
}

static void
test_format_tiff (void)
{
  check_format ("tiff", "TIFF");
}

static void
test_format_webp (void)
{
  check_format ("webp", "WEBP");
}

static void
test_format_ico (void)
{
  /* ICO holds at most 256×256 */
  g_autoptr(GdkPixbuf) halves = vignette_test_pixbuf_new_halves (256, 128, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  static const Expected expected[] = {
    { 500, 256, 128 }, { 400, 256, 128 }, { 300, 256, 128 }, { 200, 200, 100 }, { 100, 100, 50 },
  };

  if (!vignette_test_have_loader ("ico") || !vignette_test_have_saver ("ico"))
    {
      g_test_skip ("gdk-pixbuf cannot read and write ICO here");
      return;
    }

  data = vignette_test_encode (halves, "ico");
  thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  g_assert_true (vignette_thumbnails_is_upscale_limited (thumbnails));
}

/* Interlaced PNGs are common on the web: decoded whole, and not taken for
 * truncated ones (their passes report rows out of order) */
static void
test_format_png_interlaced (void)
{
  g_autoptr(GdkPixbuf) halves = vignette_test_pixbuf_new_halves (601, 403, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  g_autoptr(GBytes) data = vignette_test_encode_png_interlaced (halves);
  g_autoptr(GdkPixbuf) reference = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  g_autoptr(GdkPixbuf) check = NULL;
  g_autoptr(GError) error = NULL;
  static const Expected expected[] = {
    { 500, 500, 335 }, { 400, 400, 268 }, { 300, 300, 201 }, { 200, 200, 134 }, { 100, 100, 67 },
  };

  /* The hand-built bytes are a PNG that gdk-pixbuf reads back exactly */
  reference = vignette_test_decode (data, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (vignette_test_mean_difference (reference, halves), ==, 0.0);

  thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  assert_original (thumbnails, 601, 403);

  check = decode_size (thumbnails, 300);
  g_assert_true (vignette_test_pixel_is (check, 30, 100, VIGNETTE_TEST_RED, 8));
  g_assert_true (vignette_test_pixel_is (check, 270, 100, VIGNETTE_TEST_BLUE, 8));
  g_assert_true (vignette_test_pixel_is (check, 270, 200, VIGNETTE_TEST_BLUE, 8));
}

/* An animation gives its first frame */
static void
test_format_gif_first_frame (void)
{
  static const guint32 colours[] = { VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE, VIGNETTE_TEST_GREEN };
  g_autoptr(GBytes) data = vignette_test_make_gif_animation (640, 480, colours, G_N_ELEMENTS (colours));
  g_autoptr(GdkPixbufAnimation) animation = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  static const Expected expected[] = {
    { 500, 500, 375 }, { 400, 400, 300 }, { 300, 300, 225 }, { 200, 200, 150 }, { 100, 100, 75 },
  };

  /* The hand-built bytes are a real animation for gdk-pixbuf */
  stream = g_memory_input_stream_new_from_bytes (data);
  animation = gdk_pixbuf_animation_new_from_stream (stream, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (gdk_pixbuf_animation_is_static_image (animation));

  thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));
  g_assert_cmpstr (vignette_thumbnails_get_format_name (thumbnails), ==, "GIF");

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GdkPixbuf) check = decode_size (thumbnails, expected[i].size);

      g_assert_true (vignette_test_pixel_is (check, expected[i].width / 2, expected[i].height / 2,
                                             VIGNETTE_TEST_RED, 8));
    }
}

/* A vector image is drawn at the size asked for, not scaled up from its
 * declared 10×10: the 500 thumbnail is 500 wide and not "limited" */
static void
test_format_svg (void)
{
  g_autoptr(GBytes) square = vignette_test_make_svg (10, 10, VIGNETTE_TEST_GREEN);
  g_autoptr(GBytes) wide = vignette_test_make_svg (20, 10, VIGNETTE_TEST_BLUE);
  g_autoptr(VignetteThumbnails) a = NULL;
  g_autoptr(VignetteThumbnails) b = NULL;
  g_autoptr(GdkPixbuf) check = NULL;
  static const Expected expected_square[] = {
    { 500, 500, 500 }, { 400, 400, 400 }, { 300, 300, 300 }, { 200, 200, 200 }, { 100, 100, 100 },
  };
  static const Expected expected_wide[] = {
    { 500, 500, 250 }, { 400, 400, 200 }, { 300, 300, 150 }, { 200, 200, 100 }, { 100, 100, 50 },
  };

  if (!vignette_test_have_loader ("svg"))
    {
      g_test_skip ("no SVG loader (librsvg2-common) here");
      return;
    }

  a = make_all (square, VIGNETTE_FORMAT_PNG);
  assert_sizes (a, expected_square, G_N_ELEMENTS (expected_square));
  g_assert_false (vignette_thumbnails_is_upscale_limited (a));
  g_assert_cmpstr (vignette_thumbnails_get_format_name (a), ==, "SVG");

  check = decode_size (a, 500);
  g_assert_true (vignette_test_pixel_is (check, 250, 250, VIGNETTE_TEST_GREEN, 4));
  g_assert_true (vignette_test_pixel_is (check, 2, 2, VIGNETTE_TEST_GREEN, 4));

  b = make_all (wide, VIGNETTE_FORMAT_PNG);
  assert_sizes (b, expected_wide, G_N_ELEMENTS (expected_wide));
}

/* Errors ------------------------------------------------------------------ */

/* One human sentence that names the image */
static void
assert_sentence_naming (const GError *error,
                        const char   *name)
{
  gsize length = strlen (error->message);

  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpuint (length, >, strlen (name) + 8);
  g_assert_true (error->message[length - 1] == '.');
}

static void
check_refused (GBytes     *data,
               const char *name,
               int         code)
{
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;

  thumbnails = vignette_make_thumbnails (data, &params, name, NULL, &error);
  if (thumbnails != NULL)
    {
      /* Not fatal: the other cases of the test still run and are reported */
      g_test_fail_printf ("%s (%" G_GSIZE_FORMAT " bytes) was accepted; expected VignetteError %d",
                          name, g_bytes_get_size (data), code);
      return;
    }
  g_assert_error (error, VIGNETTE_ERROR, code);
  assert_sentence_naming (error, name);
}

static void
test_unsupported (void)
{
  g_autofree guint8 *noise = g_malloc (4096);
  g_autoptr(GBytes) random_bytes = NULL;
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(GBytes) html = NULL;
  g_autoptr(GBytes) text = NULL;
  static const char page[] =
    "<!DOCTYPE html>\n<html><head><title>Not found</title></head>"
    "<body><h1>404</h1><p>The image you asked for is not here.</p></body></html>\n";
  static const char plain[] = "This is a plain text file, not a picture at all.\n";

  for (guint i = 0; i < 4096; i++)
    noise[i] = (guint8) g_test_rand_int ();
  /* Bytes that start like no format at all */
  noise[0] = 0x00;
  noise[1] = 0x13;
  noise[2] = 0x37;
  random_bytes = g_bytes_new (noise, 4096);
  check_refused (random_bytes, "https://example.com/noise.jpg", VIGNETTE_ERROR_UNSUPPORTED_FORMAT);

  memcpy (noise, "PK\x03\x04", 4);
  zip = g_bytes_new (noise, 4096);
  check_refused (zip, "archive.png", VIGNETTE_ERROR_UNSUPPORTED_FORMAT);

  html = g_bytes_new_static (page, sizeof page - 1);
  check_refused (html, "https://example.com/photo.jpg", VIGNETTE_ERROR_NOT_AN_IMAGE);

  text = g_bytes_new_static (plain, sizeof plain - 1);
  check_refused (text, "notes.jpg", VIGNETTE_ERROR_NOT_AN_IMAGE);

  /* Bodies that stop inside the start of an SVG or XML prologue, in
   * buffers of exactly their size: the sniffer must not read past the end
   * (tools/test-valgrind runs this test: the reads would be inside GLib,
   * where AddressSanitizer does not look) */
  for (const char * const *prefix = (const char * const[]) { "<?xml", "<!DOCTYPE svg", NULL }; *prefix; prefix++)
    for (gsize n = 1; n < strlen (*prefix); n++)
      {
        g_autoptr(GBytes) cut = g_bytes_new (*prefix, n);

        check_refused (cut, "cut.svg", VIGNETTE_ERROR_NOT_AN_IMAGE);
      }
}

static void
test_empty (void)
{
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_PNG);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;

  thumbnails = vignette_make_thumbnails (empty, &params, "empty.png", NULL, &error);
  g_assert_null (thumbnails);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_EMPTY);
  assert_sentence_naming (error, "empty.png");
}

static void
test_truncated (void)
{
  g_autoptr(GdkPixbuf) photo = vignette_test_pixbuf_new_photo (9, 800, 600, FALSE);
  g_autoptr(GBytes) jpeg = vignette_test_encode (photo, "jpeg");
  g_autoptr(GBytes) png = vignette_test_encode (photo, "png");
  gsize jpeg_length = g_bytes_get_size (jpeg), png_length = g_bytes_get_size (png);
  const gsize cuts[] = { 200, 0 /* half */, 1 /* all but the last 64 bytes */ };

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      gsize jpeg_cut = cuts[i] == 0 ? jpeg_length / 2 : cuts[i] == 1 ? jpeg_length - 64 : cuts[i];
      gsize png_cut = cuts[i] == 0 ? png_length / 2 : cuts[i] == 1 ? png_length - 64 : cuts[i];
      g_autoptr(GBytes) short_jpeg = vignette_test_truncate (jpeg, jpeg_cut);
      g_autoptr(GBytes) short_png = vignette_test_truncate (png, png_cut);

      g_test_message ("JPEG cut at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT, jpeg_cut, jpeg_length);
      check_refused (short_jpeg, "cut.jpg", VIGNETTE_ERROR_CORRUPT_IMAGE);
      g_test_message ("PNG cut at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT, png_cut, png_length);
      check_refused (short_png, "cut.png", VIGNETTE_ERROR_CORRUPT_IMAGE);
    }
}

/* The pixel limit ---------------------------------------------------------- */

static guint64
current_address_space (void)
{
  g_autofree char *statm = NULL;
  guint64 pages = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  pages = g_ascii_strtoull (statm, NULL, 10);

  return pages * (guint64) sysconf (_SC_PAGESIZE);
}

/* In a child with its address space capped at 512 MB above what it uses:
 * allocating the 4.8 GB a 40000×40000 RGB image needs is impossible there,
 * so the limit must be enforced before any allocation. The same bytes
 * without a limit then fail for lack of memory, which shows that the cap
 * would catch an allocation. */
static void
declared_size_child (void)
{
  g_autoptr(GBytes) png = vignette_test_make_png_declaring (40000, 40000);
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) unlimited_error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  struct rlimit limit;
  guint64 before, after;

  /* gdk-pixbuf's loaders are registered before the cap */
  g_assert_true (vignette_test_have_loader ("png"));

  limit.rlim_cur = limit.rlim_max = current_address_space () + 512 * 1024 * 1024;
  g_assert_cmpint (setrlimit (RLIMIT_AS, &limit), ==, 0);

  before = vignette_test_get_peak_rss ();
  thumbnails = vignette_make_thumbnails (png, &params, "bomb.png", NULL, &error);
  after = vignette_test_get_peak_rss ();

  /* On stderr, which the parent passes on into the test log */
  g_printerr ("# peak RSS grew by %.1f MB (the image would need %.1f MB)\n",
              (after - before) / 1e6, 40000.0 * 40000.0 * 3 / 1e6);
  g_assert_null (thumbnails);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS);
  assert_sentence_naming (error, "bomb.png");
  g_assert_nonnull (strstr (error->message, "40000"));
  g_assert_cmpuint (after - before, <, 16 * 1000 * 1000);

  params.max_pixels = G_MAXUINT64;
  thumbnails = vignette_make_thumbnails (png, &params, "bomb.png", NULL, &unlimited_error);
  g_assert_null (thumbnails);
  g_assert_nonnull (unlimited_error);
  g_printerr ("# without a limit, under the cap: %s\n", unlimited_error->message);
  g_assert_null (strstr (unlimited_error->message, "more than the limit"));
}

static void
test_pixel_limit_declared (void)
{
  if (g_test_subprocess ())
    {
      declared_size_child ();
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The SOF0 frame header of a real JPEG rewritten to claim 60000×60000 */
static void
test_pixel_limit_jpeg (void)
{
  g_autoptr(GBytes) small = vignette_test_make_image (64, 48, "jpeg", FALSE);
  gsize length;
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (small, &length), g_bytes_get_size (small));
  g_autoptr(GBytes) bomb = NULL;
  gboolean patched = FALSE;

  for (gsize i = 2; i + 9 < length && !patched; )
    {
      guint segment;

      g_assert_cmphex (data[i], ==, 0xff);
      segment = (guint) data[i + 2] << 8 | data[i + 3];
      if (data[i + 1] == 0xc0 || data[i + 1] == 0xc2)
        {
          /* length (2), precision (1), height (2), width (2) */
          data[i + 5] = 60000 >> 8;
          data[i + 6] = 60000 & 0xff;
          data[i + 7] = 60000 >> 8;
          data[i + 8] = 60000 & 0xff;
          patched = TRUE;
        }
      i += 2 + segment;
    }
  g_assert_true (patched);

  bomb = g_bytes_new (data, length);
  check_refused (bomb, "bomb.jpg", VIGNETTE_ERROR_TOO_MANY_PIXELS);
}

/* --max-pixels lowered: the limit is "more than", so exactly at it passes */
static void
test_max_pixels_lowered (void)
{
  g_autoptr(GBytes) data = vignette_test_make_image (200, 100, "png", FALSE);
  VignetteThumbnailParams params = params_for (all_sizes, G_N_ELEMENTS (all_sizes), VIGNETTE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) refused = NULL;
  g_autoptr(VignetteThumbnails) accepted = NULL;

  params.max_pixels = 19999;
  refused = vignette_make_thumbnails (data, &params, "normal.png", NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS);
  assert_sentence_naming (error, "normal.png");
  /* The limit the message gives must be the one in force, not rounded to nothing */
  g_assert_null (strstr (error->message, "limit of 0 "));
  g_clear_error (&error);

  params.max_pixels = 20000;
  accepted = vignette_make_thumbnails (data, &params, "normal.png", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (accepted);
}

/* Output formats ------------------------------------------------------------ */

static void
check_output (VignetteFormat  format,
              const char     *magic,
              gsize           magic_length,
              gsize           magic_offset)
{
  g_autoptr(GBytes) data = vignette_test_make_image (1600, 1200, "jpeg", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, format);
  static const Expected expected[] = {
    { 500, 500, 375 }, { 400, 400, 300 }, { 300, 300, 225 }, { 200, 200, 150 }, { 100, 100, 75 },
  };

  g_assert_cmpint (vignette_thumbnails_get_encoding (thumbnails), ==, format);
  assert_sizes (thumbnails, expected, G_N_ELEMENTS (expected));

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
    {
      const VignetteThumbnail *t = vignette_thumbnails_get_nth (thumbnails, i);
      const guint8 *bytes = g_bytes_get_data (t->bytes, NULL);

      g_assert_cmpuint (g_bytes_get_size (t->bytes), >, magic_offset + magic_length);
      g_assert_cmpmem (bytes + magic_offset, magic_length, magic, magic_length);
    }
}

static void
test_output_formats (void)
{
  check_output (VIGNETTE_FORMAT_PNG, "\x89PNG\r\n\x1a\n", 8, 0);
  check_output (VIGNETTE_FORMAT_JPEG, "\xff\xd8\xff", 3, 0);
  if (vignette_format_is_writable (VIGNETTE_FORMAT_WEBP))
    check_output (VIGNETTE_FORMAT_WEBP, "WEBP", 4, 8);
  else
    g_test_message ("no WebP saver: WebP output not checked");

  g_assert_cmpstr (vignette_format_get_extension (VIGNETTE_FORMAT_PNG), ==, "png");
  g_assert_cmpstr (vignette_format_get_extension (VIGNETTE_FORMAT_JPEG), ==, "jpg");
  g_assert_cmpstr (vignette_format_get_extension (VIGNETTE_FORMAT_WEBP), ==, "webp");
}

/* Option parsing ------------------------------------------------------------ */

static void
assert_sizes_parse (const char  *text,
                    const guint *expected,
                    guint        n_expected)
{
  g_autoptr(GArray) sizes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (vignette_sizes_parse (text, &sizes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sizes->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpuint (g_array_index (sizes, guint, i), ==, expected[i]);
}

static void
test_sizes_parse (void)
{
  static const char * const bad[] = {
    "", ",", "0", "-5", "abc", "100,,200", "100;200", "4097", "1e3", "0x64", "100px",
    "99999999999999999999", "100, 200, x", "+100",
  };

  assert_sizes_parse ("100,200,300,400,500", (const guint[]) { 500, 400, 300, 200, 100 }, 5);
  assert_sizes_parse ("300,100,200", (const guint[]) { 300, 200, 100 }, 3);
  assert_sizes_parse (" 128 , 64 ", (const guint[]) { 128, 64 }, 2);
  assert_sizes_parse ("100,100,50,100", (const guint[]) { 100, 50 }, 2);
  assert_sizes_parse ("1", (const guint[]) { 1 }, 1);
  assert_sizes_parse ("4096", (const guint[]) { 4096 }, 1);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GArray) sizes = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("sizes “%s”", bad[i]);
      g_assert_false (vignette_sizes_parse (bad[i], &sizes, &error));
      g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION);
      g_assert_null (sizes);
    }
}

static void
test_format_parse (void)
{
  static const struct { const char *text; VignetteFormat format; } good[] = {
    { "png", VIGNETTE_FORMAT_PNG }, { "PNG", VIGNETTE_FORMAT_PNG },
    { "jpeg", VIGNETTE_FORMAT_JPEG }, { "jpg", VIGNETTE_FORMAT_JPEG }, { "JPEG", VIGNETTE_FORMAT_JPEG },
  };
  static const char * const bad[] = { "", "gif", "bmp", "png ", "image/png", ".png", "jpe" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      VignetteFormat format = 99;
      g_autoptr(GError) error = NULL;

      g_assert_true (vignette_format_parse (good[i].text, &format, &error));
      g_assert_no_error (error);
      g_assert_cmpint (format, ==, good[i].format);
    }

  if (vignette_test_have_saver ("webp"))
    {
      VignetteFormat format = 99;

      g_assert_true (vignette_format_parse ("webp", &format, NULL));
      g_assert_cmpint (format, ==, VIGNETTE_FORMAT_WEBP);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      VignetteFormat format = 99;
      g_autoptr(GError) error = NULL;

      g_assert_false (vignette_format_parse (bad[i], &format, &error));
      g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

/* Through VignetteThumbnailer, on its worker threads ------------------------ */

typedef struct {
  GThread            *main_thread;
  guint               n_pending;
  guint               n_wrong_thread;
  GPtrArray          *results;   /* VignetteThumbnails or NULL */
  GPtrArray          *errors;    /* GError or NULL */
  GdkPixbuf          *pixbuf;
} AsyncState;

static void
async_state_clear (AsyncState *state)
{
  g_clear_pointer (&state->results, g_ptr_array_unref);
  g_clear_pointer (&state->errors, g_ptr_array_unref);
  g_clear_object (&state->pixbuf);
}

static void
free_error (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

static void
async_state_init (AsyncState *state)
{
  state->main_thread = g_thread_self ();
  state->n_pending = 0;
  state->n_wrong_thread = 0;
  state->results = g_ptr_array_new_with_free_func ((GDestroyNotify) vignette_thumbnails_unref);
  state->errors = g_ptr_array_new_with_free_func (free_error);
  state->pixbuf = NULL;
}

static gboolean
nothing_pending (gpointer data)
{
  return ((AsyncState *) data)->n_pending == 0;
}

static void
on_processed (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  AsyncState *state = data;
  GError *error = NULL;
  VignetteThumbnails *thumbnails;

  if (g_thread_self () != state->main_thread)
    state->n_wrong_thread++;

  thumbnails = vignette_thumbnailer_process_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  if (thumbnails != NULL)
    g_ptr_array_add (state->results, thumbnails);
  g_ptr_array_add (state->errors, error);
  state->n_pending--;
}

static void
test_async_process (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (2);
  g_autoptr(VignetteThumbnailer) thumbnailer = vignette_thumbnailer_new (workers);
  static const guint sizes[] = { 300, 150 };
  AsyncState state;

  async_state_init (&state);
  vignette_thumbnailer_set_sizes (thumbnailer, sizes, G_N_ELEMENTS (sizes));
  vignette_thumbnailer_set_format (thumbnailer, VIGNETTE_FORMAT_PNG, FALSE);

  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(GBytes) data = vignette_test_make_image (600 + (int) i * 100, 600, "jpeg", FALSE);

      state.n_pending++;
      vignette_thumbnailer_process_async (thumbnailer, data, "image.jpg", NULL, 0, FALSE, NULL,
                                          on_processed, &state);
    }

  vignette_test_spin_until_cond (nothing_pending, &state, 60000, "the thumbnails");
  g_assert_cmpuint (state.n_wrong_thread, ==, 0);
  g_assert_cmpuint (state.results->len, ==, 8);

  for (guint i = 0; i < state.results->len; i++)
    {
      VignetteThumbnails *t = g_ptr_array_index (state.results, i);
      int width = vignette_thumbnails_get_original_width (t);
      const VignetteThumbnail *large = find_size (t, 300);
      const VignetteThumbnail *small = find_size (t, 150);

      g_assert_cmpuint (vignette_thumbnails_get_n_sizes (t), ==, 2);
      g_assert_cmpint (large->width, ==, 300);
      g_assert_cmpint (large->height, ==, (int) (600.0 * 300 / width + 0.5));
      g_assert_cmpint (small->width, ==, 150);
      g_assert_cmpint (vignette_thumbnails_get_n_cache_entries (t), ==, 0);
    }

  async_state_clear (&state);
}

static void
test_async_max_pixels (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (1);
  g_autoptr(VignetteThumbnailer) thumbnailer = vignette_thumbnailer_new (workers);
  g_autoptr(GBytes) data = vignette_test_make_image (200, 100, "png", FALSE);
  AsyncState state;
  GError *error;

  async_state_init (&state);
  vignette_thumbnailer_set_max_pixels (thumbnailer, 10000);

  state.n_pending = 1;
  vignette_thumbnailer_process_async (thumbnailer, data, "normal.png", NULL, 0, FALSE, NULL,
                                      on_processed, &state);
  vignette_test_spin_until_cond (nothing_pending, &state, 30000, "the refusal");

  g_assert_cmpuint (state.results->len, ==, 0);
  error = g_ptr_array_index (state.errors, 0);
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS);
  assert_sentence_naming (error, "normal.png");

  async_state_clear (&state);
}

static void
test_async_cancelled (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (1);
  g_autoptr(VignetteThumbnailer) thumbnailer = vignette_thumbnailer_new (workers);
  g_autoptr(GBytes) data = vignette_test_make_image (800, 600, "jpeg", FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncState state;

  async_state_init (&state);
  g_cancellable_cancel (cancellable);

  state.n_pending = 1;
  vignette_thumbnailer_process_async (thumbnailer, data, "image.jpg", NULL, 0, FALSE, cancellable,
                                      on_processed, &state);
  vignette_test_spin_until_cond (nothing_pending, &state, 30000, "the cancellation");

  g_assert_cmpuint (state.results->len, ==, 0);
  g_assert_error ((GError *) g_ptr_array_index (state.errors, 0), G_IO_ERROR, G_IO_ERROR_CANCELLED);

  async_state_clear (&state);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  AsyncState *state = data;
  GError *error = NULL;

  if (g_thread_self () != state->main_thread)
    state->n_wrong_thread++;

  state->pixbuf = vignette_thumbnailer_load_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  g_ptr_array_add (state->errors, error);
  state->n_pending--;
}

/* Decoding a stored thumbnail for display, and re-encoding kept ones */
static void
test_async_load (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (2);
  g_autoptr(VignetteThumbnailer) thumbnailer = vignette_thumbnailer_new (workers);
  g_autoptr(GBytes) data = vignette_test_make_image (1000, 800, "jpeg", FALSE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_JPEG);
  const VignetteThumbnail *t = find_size (thumbnails, 200);
  AsyncState state;

  async_state_init (&state);
  state.n_pending = 1;
  vignette_thumbnailer_load_async (thumbnailer, t->bytes, NULL, on_loaded, &state);
  vignette_test_spin_until_cond (nothing_pending, &state, 30000, "the decoded thumbnail");

  g_assert_no_error ((GError *) g_ptr_array_index (state.errors, 0));
  g_assert_cmpuint (state.n_wrong_thread, ==, 0);
  g_assert_nonnull (state.pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_width (state.pixbuf), ==, 200);
  g_assert_cmpint (gdk_pixbuf_get_height (state.pixbuf), ==, 160);

  async_state_clear (&state);
}

static void
on_reencoded (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  AsyncState *state = data;
  GError *error = NULL;
  VignetteThumbnails *thumbnails;

  thumbnails = vignette_thumbnailer_reencode_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  if (thumbnails != NULL)
    g_ptr_array_add (state->results, thumbnails);
  g_ptr_array_add (state->errors, error);
  state->n_pending--;
}

static void
test_async_reencode (void)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (2);
  g_autoptr(VignetteThumbnailer) thumbnailer = vignette_thumbnailer_new (workers);
  g_autoptr(GBytes) data = vignette_test_make_image (1000, 800, "png", TRUE);
  g_autoptr(VignetteThumbnails) thumbnails = make_all (data, VIGNETTE_FORMAT_PNG);
  static const Expected expected[] = {
    { 500, 500, 400 }, { 400, 400, 320 }, { 300, 300, 240 }, { 200, 200, 160 }, { 100, 100, 80 },
  };
  AsyncState state;
  VignetteThumbnails *jpeg;

  async_state_init (&state);
  state.n_pending = 1;
  vignette_thumbnailer_reencode_async (thumbnailer, thumbnails, VIGNETTE_FORMAT_JPEG, NULL,
                                       on_reencoded, &state);
  vignette_test_spin_until_cond (nothing_pending, &state, 30000, "the re-encoded thumbnails");

  g_assert_no_error ((GError *) g_ptr_array_index (state.errors, 0));
  jpeg = g_ptr_array_index (state.results, 0);
  g_assert_cmpint (vignette_thumbnails_get_encoding (jpeg), ==, VIGNETTE_FORMAT_JPEG);
  assert_sizes (jpeg, expected, G_N_ELEMENTS (expected));
  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (jpeg); i++)
    g_assert_cmpmem (g_bytes_get_data (vignette_thumbnails_get_nth (jpeg, i)->bytes, NULL), 3,
                     "\xff\xd8\xff", 3);
  assert_original (jpeg, 1000, 800);

  async_state_clear (&state);
}

/* Through a whole run: what the items report ---------------------------- */

static void
on_run_executed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;

  vignette_run_execute_finish (VIGNETTE_RUN (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static VignetteItem *
item_named (GListModel *items,
            const char *suffix)
{
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);

      if (g_str_has_suffix (vignette_item_get_uri (item), suffix))
        return item;
    }

  g_error ("no item ending in %s", suffix);
}

/* An item says when its image was too small for some sizes, and gives the
 * original's size the way it is shown (rotated by its EXIF tag) */
static void
test_run_reports (void)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();
  g_autofree char *small_path = g_build_filename (folder, "small.jpg", NULL);
  g_autofree char *big_path = g_build_filename (folder, "big.jpg", NULL);
  g_autofree char *phone_path = g_build_filename (folder, "phone.jpg", NULL);
  g_autoptr(GBytes) small = vignette_test_make_image (300, 200, "jpeg", FALSE);
  g_autoptr(GBytes) big = vignette_test_make_image (800, 600, "jpeg", FALSE);
  g_autoptr(GdkPixbuf) halves = vignette_test_pixbuf_new_halves (400, 200, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  g_autoptr(GBytes) stored = vignette_test_encode (halves, "jpeg");
  g_autoptr(GBytes) phone = vignette_test_jpeg_add_orientation (stored, 6);
  g_autoptr(VignetteRun) run = vignette_run_new ();
  g_autoptr(GError) error = NULL;
  GListModel *items;
  VignetteItem *item;
  gboolean done = FALSE;

  vignette_test_write_file (small_path, small);
  vignette_test_write_file (big_path, big);
  vignette_test_write_file (phone_path, phone);

  g_object_set (run, "use-cache", FALSE, "keep-thumbnails", TRUE, NULL);
  g_assert_true (vignette_run_add_source (run, folder, 1, 1, &error));
  g_assert_no_error (error);
  vignette_run_execute_async (run, NULL, on_run_executed, &done);
  vignette_test_spin_until (&done, 60000);

  items = vignette_run_get_items (run);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 3);

  item = item_named (items, "/small.jpg");
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_DONE);
  g_assert_true (vignette_item_get_upscale_limited (item));
  g_assert_cmpint (vignette_item_get_width (item), ==, 300);
  g_assert_cmpint (vignette_item_get_height (item), ==, 200);
  g_assert_cmpstr (vignette_item_get_format_name (item), ==, "JPEG");
  g_assert_cmpstr (vignette_item_get_mime_type (item), ==, "image/jpeg");
  g_assert_cmpint (vignette_thumbnails_lookup (vignette_item_get_thumbnails (item), 500)->width, ==, 300);

  item = item_named (items, "/big.jpg");
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_DONE);
  g_assert_false (vignette_item_get_upscale_limited (item));

  item = item_named (items, "/phone.jpg");
  g_assert_cmpint (vignette_item_get_state (item), ==, VIGNETTE_ITEM_STATE_DONE);
  g_assert_cmpint (vignette_item_get_width (item), ==, 200);
  g_assert_cmpint (vignette_item_get_height (item), ==, 400);
  g_assert_cmpint (vignette_thumbnails_lookup (vignette_item_get_thumbnails (item), 200)->width, ==, 100);
  g_assert_cmpint (vignette_thumbnails_lookup (vignette_item_get_thumbnails (item), 200)->height, ==, 200);

  vignette_test_remove_tree (folder);
}

/* The decoder fed as a download feeds it: pieces of any size give the same
 * picture as the whole buffer, and the parsers that watch the bytes
 * (JPEG markers, PNG chunks) keep their place across pieces */
static GdkPixbuf *
decode_in_pieces (GBytes   *data,
                  gsize     piece,
                  GError  **error)
{
  g_autoptr(VignetteDecoder) decoder = vignette_decoder_new ("pieces.img", 4096, 0, FALSE);
  gsize length;
  const guchar *bytes = g_bytes_get_data (data, &length);

  for (gsize offset = 0; offset < length; offset += piece)
    if (!vignette_decoder_write (decoder, bytes + offset, MIN (piece, length - offset), error))
      return NULL;

  return vignette_decoder_finish (decoder, error);
}

static void
test_decoder_pieces (void)
{
  const char *formats[] = { "jpeg", "png" };
  const gsize pieces[] = { 1, 7, 4096, G_MAXSIZE };

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autoptr(GBytes) data = vignette_test_make_image (120, 80, formats[f], TRUE);
      g_autoptr(GdkPixbuf) whole = NULL;
      g_autoptr(VignetteDecoder) decoder = vignette_decoder_new ("whole.img", 4096, 0, FALSE);
      g_autoptr(GError) error = NULL;

      whole = vignette_decoder_decode_bytes (decoder, data, NULL, &error);
      g_assert_no_error (error);

      for (guint p = 0; p < G_N_ELEMENTS (pieces); p++)
        {
          g_autoptr(GdkPixbuf) pixbuf = decode_in_pieces (data, pieces[p], &error);
          gsize size = (gsize) gdk_pixbuf_get_rowstride (whole) * (gsize) (gdk_pixbuf_get_height (whole) - 1) +
                       (gsize) gdk_pixbuf_get_width (whole) * (gsize) gdk_pixbuf_get_n_channels (whole);

          g_assert_no_error (error);
          g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 120);
          g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 80);
          g_assert_cmpint (gdk_pixbuf_get_rowstride (pixbuf), ==, gdk_pixbuf_get_rowstride (whole));
          g_assert_cmpmem (gdk_pixbuf_read_pixels (pixbuf), size, gdk_pixbuf_read_pixels (whole), size);
        }

      /* Cut short, in pieces: the JPEG walk and the PNG walk both see it */
      {
        g_autoptr(GBytes) cut = g_bytes_new_from_bytes (data, 0, g_bytes_get_size (data) * 2 / 3);
        g_autoptr(GdkPixbuf) pixbuf = decode_in_pieces (cut, 7, &error);

        g_assert_null (pixbuf);
        g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE);
        g_assert_nonnull (strstr (error->message, "incomplete"));
        g_assert_null (strstr (error->message, "Improper call"));
        g_clear_error (&error);
      }
    }
}

static GBytes *
bytes_with (GBytes *data,
            gsize   offset,
            guchar  value)
{
  gsize length;
  guchar *copy = g_memdup2 (g_bytes_get_data (data, &length), g_bytes_get_size (data));

  copy[offset] = value;
  return g_bytes_new_take (copy, length);
}

static GError *
decode_error (GBytes     *data,
              const char *name)
{
  g_autoptr(VignetteDecoder) decoder = vignette_decoder_new (name, 256, 0, TRUE);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GError *error = NULL;

  pixbuf = vignette_decoder_decode_bytes (decoder, data, NULL, &error);
  g_assert_null (pixbuf);
  g_assert_nonnull (error);
  return error;
}

/* A damaged PNG says what is damaged, not that PNG cannot be read */
static void
test_decoder_png_faults (void)
{
  g_autoptr(GBytes) png = vignette_test_make_image (40, 30, "png", FALSE);
  const guchar *bytes = g_bytes_get_data (png, NULL);
  g_autoptr(GBytes) signature = bytes_with (png, 3, 'g');
  g_autoptr(GBytes) idat = NULL;
  g_autoptr(GBytes) colour = NULL;
  g_autoptr(GError) error = NULL;
  gsize data_at = 0;

  /* The first IDAT chunk's first data byte */
  for (gsize at = 8; at + 8 < g_bytes_get_size (png); )
    {
      guint32 length = ((guint32) bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];

      if (memcmp (bytes + at + 4, "IDAT", 4) == 0)
        {
          data_at = at + 8;
          break;
        }
      at += 12 + length;
    }
  g_assert_cmpuint (data_at, >, 0);
  idat = bytes_with (png, data_at + 2, bytes[data_at + 2] ^ 0x55);
  colour = bytes_with (png, 8 + 8 + 9, 5);   /* IHDR's colour type */

  error = decode_error (signature, "sig.png");
  g_assert_cmpstr (error->message, ==, "sig.png is not a valid PNG file: its signature is damaged.");
  g_clear_error (&error);

  error = decode_error (idat, "crc.png");
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE);
  g_assert_cmpstr (error->message, ==, "crc.png is not a valid PNG file: its IDAT chunk is damaged (bad CRC).");
  g_clear_error (&error);

  /* The CRC is checked first, as libpng does: this one is wrong too */
  error = decode_error (colour, "colour.png");
  g_assert_cmpstr (error->message, ==, "colour.png is not a valid PNG file: its IHDR chunk is damaged (bad CRC).");
}

static GBytes *
jpeg_with_precision (GBytes *jpeg,
                     guchar  precision)
{
  gsize length;
  const guchar *bytes = g_bytes_get_data (jpeg, &length);

  for (gsize at = 2; at + 4 < length; )
    {
      guint segment = (bytes[at + 2] << 8) | bytes[at + 3];

      g_assert_cmpint (bytes[at], ==, 0xff);
      if (bytes[at + 1] == 0xc0)
        return bytes_with (jpeg, at + 4, precision);
      at += 2 + segment;
    }

  g_assert_not_reached ();
}

/* A valid JPEG of a variant libjpeg was not built for says what it is */
static void
test_decoder_jpeg_variant (void)
{
  g_autoptr(GBytes) jpeg = vignette_test_make_image (64, 48, "jpeg", FALSE);
  g_autoptr(GBytes) twelve = jpeg_with_precision (jpeg, 12);
  g_autoptr(GError) error = decode_error (twelve, "photo.jpg");

  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_UNSUPPORTED_FORMAT);
  g_assert_cmpstr (error->message, ==, "photo.jpg is a 12-bit JPEG, which Vignette cannot decode.");
}

static void
append_le32 (GByteArray *array,
             guint32     value)
{
  guchar bytes[4] = { value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >> 24 };

  g_byte_array_append (array, bytes, 4);
}

/* gdk-pixbuf's WebP loader ignores EXIF: the decoder reads the chunk */
static void
test_decoder_webp_orientation (void)
{
  g_autoptr(GdkPixbuf) halves = vignette_test_pixbuf_new_halves (60, 30, VIGNETTE_TEST_RED, VIGNETTE_TEST_BLUE);
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GByteArray) webp = g_byte_array_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(VignetteDecoder) decoder = vignette_decoder_new ("turned.webp", 256, 0, TRUE);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  /* Little-endian TIFF, one IFD of one entry: Orientation (SHORT) = 6 */
  static const guchar exif[] = { 'I', 'I', 42, 0, 8, 0, 0, 0,
                                 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,
                                 0, 0, 0, 0 };
  static const guchar vp8x[] = { 'V', 'P', '8', 'X', 10, 0, 0, 0,
                                 0x08, 0, 0, 0, 59, 0, 0, 29, 0, 0 };
  const guchar *p;
  int width, height;
  gsize length;

  if (!vignette_test_have_saver ("webp"))
    {
      g_test_skip ("no WebP saver");
      return;
    }

  plain = vignette_test_encode (halves, "webp");
  p = g_bytes_get_data (plain, &length);
  g_assert_cmpmem (p + 8, 4, "WEBP", 4);

  g_byte_array_append (webp, (const guchar *) "RIFF\0\0\0\0WEBP", 12);
  g_byte_array_append (webp, vp8x, sizeof vp8x);
  g_byte_array_append (webp, p + 12, (guint) (length - 12));
  g_byte_array_append (webp, (const guchar *) "EXIF", 4);
  append_le32 (webp, sizeof exif);
  g_byte_array_append (webp, exif, sizeof exif);
  webp->data[4] = (guchar) ((webp->len - 8) & 0xff);
  webp->data[5] = (guchar) (((webp->len - 8) >> 8) & 0xff);
  webp->data[6] = (guchar) (((webp->len - 8) >> 16) & 0xff);
  data = g_byte_array_free_to_bytes (g_steal_pointer (&webp));

  pixbuf = vignette_decoder_decode_bytes (decoder, data, NULL, &error);
  g_assert_no_error (error);

  /* Turned a quarter clockwise: the left (red) half is now on top */
  vignette_decoder_get_size (decoder, &width, &height);
  g_assert_cmpint (width, ==, 30);
  g_assert_cmpint (height, ==, 60);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 30);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 60);
  p = gdk_pixbuf_read_pixels (pixbuf);
  g_assert_cmpint (p[0], >, 200);
  g_assert_cmpint (p[2], <, 60);
  p += (gsize) gdk_pixbuf_get_rowstride (pixbuf) * 59;
  g_assert_cmpint (p[0], <, 60);
  g_assert_cmpint (p[2], >, 200);
}

/* A favicon: an ICO whose icons are PNG; the largest is taken */
static void
test_decoder_ico_png (void)
{
  g_autoptr(GBytes) small = vignette_test_make_solid_image (16, 16, "png", VIGNETTE_TEST_RED);
  g_autoptr(GBytes) large = vignette_test_make_solid_image (48, 24, "png", VIGNETTE_TEST_BLUE);
  GBytes *entries[2] = { small, large };
  g_autoptr(GByteArray) ico = g_byte_array_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(VignetteDecoder) decoder = vignette_decoder_new ("favicon.ico", 256, 0, TRUE);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  guint32 offset = 6 + 2 * 16;
  int width, height;

  g_byte_array_append (ico, (const guchar *) "\0\0\1\0\2\0", 6);
  for (guint i = 0; i < 2; i++)
    {
      guchar entry[8] = { i == 0 ? 16 : 48, i == 0 ? 16 : 24, 0, 0, 1, 0, 32, 0 };

      g_byte_array_append (ico, entry, sizeof entry);
      append_le32 (ico, (guint32) g_bytes_get_size (entries[i]));
      append_le32 (ico, offset);
      offset += (guint32) g_bytes_get_size (entries[i]);
    }
  for (guint i = 0; i < 2; i++)
    g_byte_array_append (ico, g_bytes_get_data (entries[i], NULL), (guint) g_bytes_get_size (entries[i]));
  data = g_byte_array_free_to_bytes (g_steal_pointer (&ico));

  pixbuf = vignette_decoder_decode_bytes (decoder, data, NULL, &error);
  g_assert_no_error (error);
  vignette_decoder_get_size (decoder, &width, &height);
  g_assert_cmpint (width, ==, 48);
  g_assert_cmpint (height, ==, 24);
  g_assert_cmpstr (vignette_decoder_get_format_name (decoder), ==, "ICO");
  g_assert_cmpint (gdk_pixbuf_read_pixels (pixbuf)[2], ==, 0xff);
}

int
main (int   argc,
      char *argv[])
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/thumbnailer/landscape", test_landscape);
  g_test_add_func ("/core/thumbnailer/portrait", test_portrait);
  g_test_add_func ("/core/thumbnailer/square", test_square);
  g_test_add_func ("/core/thumbnailer/extreme-aspect", test_extreme_aspect);
  g_test_add_func ("/core/thumbnailer/tiny", test_tiny);
  g_test_add_func ("/core/thumbnailer/no-upscale", test_no_upscale);
  g_test_add_func ("/core/thumbnailer/exact-fit-not-limited", test_exact_fit_not_limited);
  g_test_add_func ("/core/thumbnailer/unsorted-sizes", test_unsorted_sizes);
  g_test_add_func ("/core/thumbnailer/reduced-decode-dimensions", test_reduced_decode_dimensions);
  g_test_add_func ("/core/thumbnailer/huge-jpeg", test_huge_jpeg);
  g_test_add_func ("/core/thumbnailer/scale-strategies", test_scale_strategies);
  g_test_add_func ("/core/thumbnailer/exif-orientation", test_exif_orientation);
  g_test_add_func ("/core/thumbnailer/exif-portrait", test_exif_portrait_200);
  g_test_add_func ("/core/thumbnailer/alpha", test_alpha);
  g_test_add_func ("/core/thumbnailer/compact-encoding", test_compact_encoding);
  g_test_add_func ("/core/thumbnailer/format/bmp", test_format_bmp);
  g_test_add_func ("/core/thumbnailer/format/tiff", test_format_tiff);
  g_test_add_func ("/core/thumbnailer/format/webp", test_format_webp);
  g_test_add_func ("/core/thumbnailer/format/ico", test_format_ico);
  g_test_add_func ("/core/thumbnailer/format/png-interlaced", test_format_png_interlaced);
  g_test_add_func ("/core/thumbnailer/format/gif-first-frame", test_format_gif_first_frame);
  g_test_add_func ("/core/thumbnailer/format/svg", test_format_svg);
  g_test_add_func ("/core/thumbnailer/error/unsupported", test_unsupported);
  g_test_add_func ("/core/thumbnailer/error/empty", test_empty);
  g_test_add_func ("/core/thumbnailer/error/truncated", test_truncated);
  g_test_add_func ("/core/thumbnailer/pixel-limit/declared-png", test_pixel_limit_declared);
  g_test_add_func ("/core/thumbnailer/pixel-limit/declared-jpeg", test_pixel_limit_jpeg);
  g_test_add_func ("/core/thumbnailer/pixel-limit/lowered", test_max_pixels_lowered);
  g_test_add_func ("/core/thumbnailer/output-formats", test_output_formats);
  g_test_add_func ("/core/thumbnailer/sizes-parse", test_sizes_parse);
  g_test_add_func ("/core/thumbnailer/format-parse", test_format_parse);
  g_test_add_func ("/core/thumbnailer/async/process", test_async_process);
  g_test_add_func ("/core/thumbnailer/async/max-pixels", test_async_max_pixels);
  g_test_add_func ("/core/thumbnailer/async/cancelled", test_async_cancelled);
  g_test_add_func ("/core/thumbnailer/async/load", test_async_load);
  g_test_add_func ("/core/thumbnailer/async/reencode", test_async_reencode);
  g_test_add_func ("/core/thumbnailer/run-reports", test_run_reports);
  g_test_add_func ("/core/decoder/pieces", test_decoder_pieces);
  g_test_add_func ("/core/decoder/png-faults", test_decoder_png_faults);
  g_test_add_func ("/core/decoder/jpeg-variant", test_decoder_jpeg_variant);
  g_test_add_func ("/core/decoder/webp-orientation", test_decoder_webp_orientation);
  g_test_add_func ("/core/decoder/ico-png", test_decoder_ico_png);

  return g_test_run ();
}
