/* test-conformance.c: the thumbnailer against public decoder test suites (PngSuite, EXIF, decoder files)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The suites live beside the clone (../shared/testdata, see its README.md)
 * with an expected.json each; every test skips where they are absent. Each
 * file goes through vignette_make_thumbnails(), as the workers run it, and
 * the thumbnails are decoded again to be measured.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "test-utils.h"
#include "vignette-error.h"
#include "vignette-thumbnailer.h"

/* PngSuite's averages are of raw samples; a resampled thumbnail keeps them
 * within rounding, and our PNG round trip is lossless */
#define COLOUR_TOLERANCE 3.0
/* Scaled down to 16 px, Lanczos-3's negative lobes overshoot at the hard
 * edges of some test patterns, and clipping to 0…255 moves the mean a
 * little (Pillow's Lanczos does the same): a little more leeway there */
#define COLOUR_TOLERANCE_REDUCED 6.0
/* The EXIF photos are JPEG, shrunk to 48 px: upright they differ from
 * *_1 by under a level, unrotated by 36 to 82 (the README's figures) */
#define EXIF_TOLERANCE 5.0

typedef struct {
  double r, g, b, a;          /* premultiplied means, 0–255 */
} Mean;

static JsonObject *
load_expected (const char  *dir,
               JsonParser **parser)
{
  g_autofree char *path = g_build_filename (dir, "expected.json", NULL);
  g_autoptr(GError) error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_file (*parser, path, &error);
  g_assert_no_error (error);

  return json_object_get_object_member (json_node_get_object (json_parser_get_root (*parser)), "files");
}

static GList *
sorted_names (JsonObject *files)
{
  return g_list_sort (json_object_get_members (files), (GCompareFunc) strcmp);
}

static VignetteThumbnails *
thumbnail_file (const char  *dir,
                const char  *name,
                guint        size,
                GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  VignetteThumbnailParams params = { 0 };
  g_autoptr(GBytes) data = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  data = g_bytes_new_take (contents, length);

  params.sizes = &size;
  params.n_sizes = 1;
  params.format = VIGNETTE_FORMAT_PNG;
  params.max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
  params.reduced_decode = TRUE;
  params.strategy = VIGNETTE_SCALE_FROM_PREVIOUS;

  return vignette_make_thumbnails (data, &params, name, NULL, error);
}

static GdkPixbuf *
decode_thumbnail (VignetteThumbnails *thumbnails)
{
  const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (thumbnails, 0);
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("png", NULL);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_loader_write_bytes (loader, thumbnail->bytes, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);

  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

static Mean
mean_of (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf), height = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf), stride = gdk_pixbuf_get_rowstride (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guchar *pixels = gdk_pixbuf_read_pixels (pixbuf);
  Mean mean = { 0, };
  double n = (double) width * height;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guchar *p = pixels + y * stride + x * channels;
        double a = alpha ? p[3] : 255.0;

        mean.r += p[0] * a / 255.0;
        mean.g += p[1] * a / 255.0;
        mean.b += p[2] * a / 255.0;
        mean.a += a;
      }

  mean.r /= n;
  mean.g /= n;
  mean.b /= n;
  mean.a /= n;
  return mean;
}

/* Mean absolute difference of two pictures of the same size, RGB, 0–255 */
static double
difference (GdkPixbuf *a,
            GdkPixbuf *b)
{
  int width = gdk_pixbuf_get_width (a), height = gdk_pixbuf_get_height (a);
  double total = 0;

  g_assert_cmpint (width, ==, gdk_pixbuf_get_width (b));
  g_assert_cmpint (height, ==, gdk_pixbuf_get_height (b));

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guchar *p = gdk_pixbuf_read_pixels (a) + y * gdk_pixbuf_get_rowstride (a) +
                          x * gdk_pixbuf_get_n_channels (a);
        const guchar *q = gdk_pixbuf_read_pixels (b) + y * gdk_pixbuf_get_rowstride (b) +
                          x * gdk_pixbuf_get_n_channels (b);

        for (int c = 0; c < 3; c++)
          total += ABS ((int) p[c] - (int) q[c]);
      }

  return total / (3.0 * width * height);
}

/* What every error of ours must be: our domain, one sentence that names
 * the file, and no decoder's internals */
static void
assert_clear_error (const GError *error,
                    const char   *name)
{
  const char *message;

  g_assert_nonnull (error);
  g_assert_true (error->domain == VIGNETTE_ERROR);
  message = error->message;
  g_assert_true (g_str_has_prefix (message, name));
  g_assert_true (g_str_has_suffix (message, "."));
  g_assert_null (strchr (message, '\n'));
  g_assert_null (strstr (message, "Improper call"));
  g_assert_null (strstr (message, " in state "));
  g_assert_null (strstr (message, "Suspension"));
  g_assert_null (strstr (message, "cannot read (image/"));
  g_assert_null (strstr (message, "Fatal error"));
}

static void
test_pngsuite_valid (void)
{
  g_autofree char *dir = vignette_test_get_testdata_dir ("pngsuite");
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *files;
  guint n_files = 0;
  double worst = 0, worst_reduced = 0;

  if (dir == NULL)
    {
      g_test_skip ("no conformance data (../shared/testdata/pngsuite)");
      return;
    }

  files = load_expected (dir, &parser);
  names = sorted_names (files);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *file = json_object_get_object_member (files, l->data);
      JsonObject *reference;
      JsonArray *rgb;

      if (g_strcmp0 (json_object_get_string_member (file, "expect"), "decode") != 0)
        continue;

      /* The suite's logo has no reference: it only has to decode */
      if (!json_object_has_member (file, "reference_rgba8"))
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(VignetteThumbnails) thumbnails = thumbnail_file (dir, l->data, 64, &error);

          g_assert_no_error (error);
          n_files++;
          continue;
        }

      reference = json_object_get_object_member (file, "reference_rgba8");
      rgb = json_object_get_array_member (reference, "mean_rgb_premultiplied");

      /* At the file's size (PngSuite's are at most 40 px) and scaled down */
      for (guint size = 64; size >= 16; size /= 4)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(VignetteThumbnails) thumbnails = thumbnail_file (dir, l->data, size, &error);
          g_autoptr(GdkPixbuf) pixbuf = NULL;
          double expected[4], got[4];
          Mean mean;

          if (thumbnails == NULL)
            g_error ("%s: %s", (const char *) l->data, error->message);

          pixbuf = decode_thumbnail (thumbnails);
          mean = mean_of (pixbuf);
          expected[0] = json_array_get_double_element (rgb, 0);
          expected[1] = json_array_get_double_element (rgb, 1);
          expected[2] = json_array_get_double_element (rgb, 2);
          expected[3] = json_object_get_double_member (reference, "mean_alpha");
          got[0] = mean.r;
          got[1] = mean.g;
          got[2] = mean.b;
          got[3] = mean.a;

          for (int c = 0; c < 4; c++)
            {
              double tolerance = size == 64 ? COLOUR_TOLERANCE : COLOUR_TOLERANCE_REDUCED;

              if (size == 64)
                worst = MAX (worst, fabs (got[c] - expected[c]));
              else
                worst_reduced = MAX (worst_reduced, fabs (got[c] - expected[c]));
              if (fabs (got[c] - expected[c]) > tolerance)
                g_error ("%s at %u px: channel %d averages %.2f, the reference %.2f",
                         (const char *) l->data, size, c, got[c], expected[c]);
            }
        }
      n_files++;
    }

  g_test_message ("PngSuite: %u valid files decode and match their reference colour, worst channel off by "
                  "%.2f levels at their size, %.2f scaled down to 16 px", n_files, worst, worst_reduced);
  g_assert_cmpuint (n_files, ==, 162);
}

/* What each corrupt PngSuite file's error must name */
static const struct {
  const char *prefix;
  const char *words;
} png_faults[] = {
  { "xs", "signature" },    /* damaged signature bytes */
  { "xcr", "signature" },   /* CR added by a text-mode transfer */
  { "xlf", "signature" },   /* LF added */
  { "xhd", "IHDR chunk is damaged (bad CRC)" },
  { "xcs", "IDAT chunk is damaged (bad CRC)" },
  { "xc1", "colour type 1" },
  { "xc9", "colour type 9" },
  { "xd0", "bit depth of 0" },
  { "xd3", "bit depth of 3" },
  { "xd9", "bit depth of 99" },
  { "xdt", "no IDAT" },
};

static void
test_pngsuite_corrupt (void)
{
  g_autofree char *dir = vignette_test_get_testdata_dir ("pngsuite");
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *files;
  guint n_files = 0;

  if (dir == NULL)
    {
      g_test_skip ("no conformance data (../shared/testdata/pngsuite)");
      return;
    }

  files = load_expected (dir, &parser);
  names = sorted_names (files);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonObject *file = json_object_get_object_member (files, name);
      g_autoptr(GError) error = NULL;
      g_autoptr(VignetteThumbnails) thumbnails = NULL;
      const char *words = NULL;

      if (g_strcmp0 (json_object_get_string_member (file, "expect"), "reject") != 0)
        continue;

      thumbnails = thumbnail_file (dir, name, 64, &error);
      if (thumbnails != NULL)
        g_error ("%s was decoded", name);

      assert_clear_error (error, name);
      g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE);
      g_assert_nonnull (strstr (error->message, "is not a valid PNG file"));

      for (guint k = 0; k < G_N_ELEMENTS (png_faults); k++)
        if (g_str_has_prefix (name, png_faults[k].prefix))
          words = png_faults[k].words;
      g_assert_nonnull (words);
      if (strstr (error->message, words) == NULL)
        g_error ("%s: “%s” does not say “%s”", name, error->message, words);
      n_files++;
    }

  g_test_message ("PngSuite: %u corrupt files each name their fault", n_files);
  g_assert_cmpuint (n_files, ==, 14);
}

static void
test_exif_upright (void)
{
  g_autofree char *dir = vignette_test_get_testdata_dir ("exif");
  guint n_files = 0;
  double worst = 0;

  if (dir == NULL)
    {
      g_test_skip ("no conformance data (../shared/testdata/exif)");
      return;
    }

  for (guint kind = 0; kind < 2; kind++)
    {
      const char *base = kind == 0 ? "Landscape" : "Portrait";
      g_autofree char *upright_name = g_strdup_printf ("%s_1.jpg", base);
      g_autoptr(GError) error = NULL;
      g_autoptr(VignetteThumbnails) upright = thumbnail_file (dir, upright_name, 48, &error);
      g_autoptr(GdkPixbuf) reference = NULL;

      g_assert_no_error (error);
      reference = decode_thumbnail (upright);

      for (guint orientation = 0; orientation <= 8; orientation++)
        {
          g_autofree char *name = g_strdup_printf ("%s_%u.jpg", base, orientation);
          g_autoptr(VignetteThumbnails) thumbnails = thumbnail_file (dir, name, 48, &error);
          g_autoptr(GdkPixbuf) pixbuf = NULL;
          double diff;

          g_assert_no_error (error);
          pixbuf = decode_thumbnail (thumbnails);

          /* Landscape 3:2, portrait 2:3, and the original's size as shown */
          g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, kind == 0 ? 48 : 32);
          g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, kind == 0 ? 32 : 48);
          g_assert_cmpint (vignette_thumbnails_get_original_width (thumbnails), ==, kind == 0 ? 1800 : 1200);
          g_assert_cmpint (vignette_thumbnails_get_original_height (thumbnails), ==, kind == 0 ? 1200 : 1800);

          diff = difference (pixbuf, reference);
          worst = MAX (worst, diff);
          if (diff >= EXIF_TOLERANCE)
            g_error ("%s differs from %s by %.2f levels", name, upright_name, diff);
          n_files++;
        }
    }

  g_test_message ("EXIF: %u files upright, worst %.2f levels from *_1 at 48 px", n_files, worst);
  g_assert_cmpuint (n_files, ==, 18);
}

/* WebP's EXIF orientation, which its loader ignores: the rotated copies of
 * a square picture look like the upright one once turned */
static void
test_webp_orientation (void)
{
  g_autofree char *dir = vignette_test_get_testdata_dir ("images");
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) upright = NULL;
  g_autoptr(GdkPixbuf) reference = NULL;

  if (dir == NULL)
    {
      g_test_skip ("no conformance data (../shared/testdata/images)");
      return;
    }

  upright = thumbnail_file (dir, "pil-hopper.webp", 48, &error);
  g_assert_no_error (error);
  reference = decode_thumbnail (upright);

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "pil-hopper_orientation_6.webp" : "pil-hopper_orientation_8.webp";
      g_autoptr(VignetteThumbnails) thumbnails = thumbnail_file (dir, name, 48, &error);
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GdkPixbuf) unturned = NULL;
      double diff, unturned_diff;

      g_assert_no_error (error);
      pixbuf = decode_thumbnail (thumbnails);
      /* As it would show without the orientation: turned back */
      unturned = gdk_pixbuf_rotate_simple (pixbuf, i == 0 ? GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE
                                                          : GDK_PIXBUF_ROTATE_CLOCKWISE);

      diff = difference (pixbuf, reference);
      unturned_diff = difference (unturned, reference);
      g_test_message ("%s: %.2f levels from the upright WebP, %.2f unturned", name, diff, unturned_diff);
      g_assert_cmpfloat (diff, <, 8.0);
      g_assert_cmpfloat (unturned_diff, >, 3 * diff);
    }
}

/* "decoded 227x149" in the observations: the size gdk-pixbuf found */
static gboolean
observed_size (JsonObject *file,
               int        *width,
               int        *height)
{
  const char *observed = json_object_get_string_member_with_default (file, "observed_gdk_pixbuf_2_42_10", "");

  return sscanf (observed, "decoded %dx%d", width, height) == 2;
}

static void
test_images_labels (void)
{
  g_autofree char *dir = vignette_test_get_testdata_dir ("images");
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GList) names = NULL;
  JsonObject *files;
  guint n_decode = 0, n_reject = 0, n_either_decoded = 0, n_either_rejected = 0;
  guint n_supported = 0, n_unsupported = 0;

  if (dir == NULL)
    {
      g_test_skip ("no conformance data (../shared/testdata/images)");
      return;
    }

  files = load_expected (dir, &parser);
  names = sorted_names (files);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonObject *file = json_object_get_object_member (files, name);
      const char *expect = json_object_get_string_member (file, "expect");
      g_autoptr(GError) error = NULL;
      g_autoptr(VignetteThumbnails) thumbnails = thumbnail_file (dir, name, 64, &error);
      int width, height;

      g_test_message ("%s (%s): %s", name, expect, thumbnails ? "thumbnail" : error->message);

      if (thumbnails != NULL)
        {
          int original_width = vignette_thumbnails_get_original_width (thumbnails);
          int original_height = vignette_thumbnails_get_original_height (thumbnails);

          g_assert_cmpuint (vignette_thumbnails_get_n_sizes (thumbnails), ==, 1);
          /* The shape gdk-pixbuf saw, turned where EXIF says so (an icon
           * may be read at another of its sizes: we take the largest) */
          if (observed_size (file, &width, &height) &&
              (gint64) original_width * height != (gint64) original_height * width &&
              (gint64) original_width * width != (gint64) original_height * height)
            g_error ("%s: %d × %d, gdk-pixbuf saw %d × %d", name, original_width, original_height,
                     width, height);
        }
      else
        assert_clear_error (error, name);

      if (g_str_equal (expect, "decode"))
        {
          if (thumbnails == NULL)
            g_error ("%s must decode: %s", name, error->message);
          n_decode++;
        }
      else if (g_str_equal (expect, "reject"))
        {
          if (thumbnails != NULL)
            g_error ("%s must be rejected", name);
          n_reject++;
        }
      else if (g_str_equal (expect, "decode-or-reject"))
        {
          if (thumbnails != NULL)
            n_either_decoded++;
          else
            n_either_rejected++;
        }
      else if (g_str_equal (expect, "decode-if-supported"))
        {
          if (thumbnails != NULL)
            n_supported++;
          else
            {
              /* A valid file: say what it is, never that it is damaged */
              g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_UNSUPPORTED_FORMAT);
              if (strstr (error->message, "which Vignette cannot decode") == NULL ||
                  strstr (error->message, "damaged") != NULL)
                g_error ("%s: “%s” does not say what is unsupported", name, error->message);
              n_unsupported++;
            }
        }
      else
        g_error ("%s: unknown label %s", name, expect);
    }

  g_test_message ("images: %u decode, %u reject, decode-or-reject %u decoded + %u rejected, "
                  "decode-if-supported %u decoded + %u unsupported",
                  n_decode, n_reject, n_either_decoded, n_either_rejected, n_supported, n_unsupported);
  g_assert_cmpuint (n_decode + n_reject + n_either_decoded + n_either_rejected + n_supported + n_unsupported,
                    ==, json_object_get_size (files));
}

/* Cut short, a variant libjpeg reads is incomplete, one it cannot read is
 * still named: the arithmetic decoder's "Suspension not allowed" at the
 * end of the data is not a lack of support */
static void
test_jpeg_variants_cut (void)
{
  g_autofree char *dir = vignette_test_get_testdata_dir ("images");
  const struct {
    const char *file;
    const char *message;
  } cases[] = {
    { "ljt-testimgari.jpg", "cut.jpg is incomplete: the data ends before the image does." },
    { "ljt-monkey12.jpg", "cut.jpg is a 12-bit JPEG, which Vignette cannot decode." },
  };

  if (dir == NULL)
    {
      g_test_skip ("no conformance data (../shared/testdata/images)");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].file, NULL);
      VignetteThumbnailParams params = { 0 };
      g_autoptr(VignetteThumbnails) thumbnails = NULL;
      g_autoptr(GBytes) cut = NULL;
      g_autoptr(GError) error = NULL;
      guint size = 64;
      char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      cut = g_bytes_new_take (contents, length * 3 / 5);

      params.sizes = &size;
      params.n_sizes = 1;
      params.format = VIGNETTE_FORMAT_PNG;
      params.max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;
      params.reduced_decode = TRUE;
      thumbnails = vignette_make_thumbnails (cut, &params, "cut.jpg", NULL, &error);
      g_assert_null (thumbnails);
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

int
main (int   argc,
      char *argv[])
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/conformance/pngsuite/valid", test_pngsuite_valid);
  g_test_add_func ("/conformance/pngsuite/corrupt", test_pngsuite_corrupt);
  g_test_add_func ("/conformance/exif/upright", test_exif_upright);
  g_test_add_func ("/conformance/images/webp-orientation", test_webp_orientation);
  g_test_add_func ("/conformance/images/labels", test_images_labels);
  g_test_add_func ("/conformance/images/jpeg-variants-cut", test_jpeg_variants_cut);

  return g_test_run ();
}
