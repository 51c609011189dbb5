/* vignette-resample.c: downscale a pixbuf with a Lanczos-3 filter, for thumbnails
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gdk_pixbuf_scale_simple() with BILINEAR blurs fine texture and aliases
 * (27 to 32 dB against a Lanczos reference on grass, moss and bristles: see
 * tests/bench/results/QUALITY.md). This is the filter careful thumbnailers
 * use instead: Lanczos-3, its support stretched by the reduction ratio, so
 * that a 4:1 reduction weighs 24 source pixels per output pixel, not 6.
 *
 * Why our own loops rather than a library, measured on the benchmark's 35
 * photographs (QUALITY.md):
 * - pixman's separable-convolution filter (what cairo uses for GOOD and
 *   BEST), run once per axis, is within 1 dB of Pillow's sharpness, but its generic per-pixel fetcher costs about 4 ns per tap: the whole
 *   run took 30 % more CPU time than with these loops, which cost about what
 *   BILINEAR did. (Git history: the first version of this file.)
 * - libvips (vips_reduce, lanczos3) is about as sharp, and fast, but it
 *   depends on some thirty-four other packages in Debian and is not in the
 *   GNOME runtime, so the Flatpak would have to build it: too much for a
 *   filter of a hundred lines.
 * So the kernel is the standard one (the same window, support and edge
 * renormalisation as Pillow's and ImageMagick's), and the loops are ours:
 * one pass per axis with integer weights computed once per pass, the vertical
 * pass first, as a row-at-a-time multiply-add that compilers vectorise.
 *
 * Filtering is done on the sRGB values as stored, not in linear light. The
 * reference every user compares with (Pillow, ImageMagick's -resize, libvips,
 * browsers, GNOME's thumbnailers) filters sRGB values; QUALITY.md measures
 * linear-light Lanczos against it: 24 to 32 dB on the worst photographs
 * (fine bright detail on dark comes out brighter), so it would look different
 * from every other thumbnail, and it would need 16-bit intermediates to keep
 * shadows from banding.
 *
 * Alpha: colours are premultiplied before filtering, so that a transparent
 * pixel's colour (often black) does not bleed into its opaque neighbours as
 * a dark fringe, and divided again afterwards.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "vignette-resample.h"

/* Weights are integers with this many fractional bits, as in Pillow: a sum
 * of 255 × (1 + the negative lobes) still fits in 32 bits */
#define PRECISION_BITS 22

typedef struct {
  int     n_taps;   /* the same for every output pixel; unused taps weigh 0 */
  int    *start;    /* the first source pixel of each output pixel */
  gint32 *weights;  /* n_taps per output pixel */
} Coefficients;

static void
coefficients_clear (Coefficients *c)
{
  g_free (c->start);
  g_free (c->weights);
}

static double
lanczos3 (double x)
{
  if (x == 0.0)
    return 1.0;
  if (x <= -3.0 || x >= 3.0)
    return 0.0;
  x *= G_PI;
  return 3.0 * sin (x) * sin (x / 3.0) / (x * x);
}

/* The weights that take @in_size pixels to @out_size: Lanczos-3 sampled at
 * the source pixels' centres, stretched by the ratio when reducing, and
 * normalised over the pixels inside the image (no padding at the edges) */
static gboolean
coefficients_init (Coefficients *c,
                   int           in_size,
                   int           out_size)
{
  double ratio = (double) in_size / out_size;
  double stretch = MAX (ratio, 1.0);
  double support = 3.0 * stretch;
  g_autofree double *w = NULL;

  c->n_taps = MIN (in_size, (int) ceil (support) * 2 + 1);
  c->start = g_try_new (int, out_size);
  c->weights = g_try_new0 (gint32, (gsize) out_size * c->n_taps);
  w = g_try_new (double, c->n_taps);
  if (c->start == NULL || c->weights == NULL || w == NULL)
    return FALSE;

  for (int i = 0; i < out_size; i++)
    {
      double center = (i + 0.5) * ratio;
      int first = MAX (0, (int) floor (center - support + 0.5));
      int last = MIN (in_size, (int) floor (center + support + 0.5));
      int start = MIN (first, in_size - c->n_taps);
      gint32 *weights = c->weights + (gsize) i * c->n_taps;
      double total = 0.0;

      last = MIN (last, first + c->n_taps);
      for (int x = first; x < last; x++)
        total += w[x - first] = lanczos3 ((x + 0.5 - center) / stretch);

      c->start[i] = start;
      for (int x = first; x < last; x++)
        weights[x - start] = (gint32) lround (w[x - first] / total * (1 << PRECISION_BITS));
    }

  return TRUE;
}

static inline guint8
clip (gint32 sum)
{
  sum >>= PRECISION_BITS;
  return (guint8) (sum < 0 ? 0 : sum > 255 ? 255 : sum);
}

/* A premultiplied pixel from its four sums. Where the negative lobes make
 * alpha overshoot (beside an edge, inside the opaque side), clipping alpha
 * alone would leave the colours overshooting: they are scaled down with it,
 * so that the colour stays what it was, and never exceeds alpha. */
static inline void
store_premultiplied (gint32  sum[4],
                     guint8 *out)
{
  const gint32 full = 255 << PRECISION_BITS;
  guint8 a;

  if (sum[3] > full)
    {
      for (int c = 0; c < 3; c++)
        sum[c] = (gint32) ((gint64) sum[c] * full / sum[3]);
      sum[3] = full;
    }

  out[3] = a = clip (sum[3]);
  for (int c = 0; c < 3; c++)
    out[c] = MIN (clip (sum[c]), a);
}

/* 3 or 4 channels: the compiler makes one loop of each */
static inline void
resample_rows (const guint8       *src,
               int                 src_stride,
               guint8             *dst,
               int                 dst_stride,
               int                 width,
               int                 height,
               int                 n_channels,
               const Coefficients *c)
{
  for (int y = 0; y < height; y++)
    {
      const guint8 *row = src + (gsize) y * src_stride;
      guint8 *out = dst + (gsize) y * dst_stride;

      for (int x = 0; x < width; x++, out += n_channels)
        {
          const gint32 *w = c->weights + (gsize) x * c->n_taps;
          const guint8 *p = row + (gsize) c->start[x] * n_channels;
          gint32 s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0, s3 = s0;

          for (int k = 0; k < c->n_taps; k++, p += n_channels)
            {
              s0 += p[0] * w[k];
              s1 += p[1] * w[k];
              s2 += p[2] * w[k];
              if (n_channels == 4)
                s3 += p[3] * w[k];
            }

          if (n_channels == 4)
            {
              gint32 sum[4] = { s0, s1, s2, s3 };

              store_premultiplied (sum, out);
            }
          else
            {
              out[0] = clip (s0);
              out[1] = clip (s1);
              out[2] = clip (s2);
            }
        }
    }
}

static void
resample_horizontal (const guint8       *src,
                     int                 src_stride,
                     guint8             *dst,
                     int                 dst_stride,
                     int                 width,
                     int                 height,
                     int                 n_channels,
                     const Coefficients *c)
{
  if (n_channels == 4)
    resample_rows (src, src_stride, dst, dst_stride, width, height, 4, c);
  else
    resample_rows (src, src_stride, dst, dst_stride, width, height, 3, c);
}

/* Each output row is a weighted sum of whole source rows */
static gboolean
resample_vertical (const guint8       *src,
                   int                 src_stride,
                   guint8             *dst,
                   int                 dst_stride,
                   int                 row_bytes,
                   int                 n_channels,
                   int                 height,
                   const Coefficients *c)
{
  g_autofree gint32 *sum = g_try_new (gint32, row_bytes);

  if (sum == NULL)
    return FALSE;

  for (int y = 0; y < height; y++)
    {
      const gint32 *w = c->weights + (gsize) y * c->n_taps;
      guint8 *out = dst + (gsize) y * dst_stride;

      for (int i = 0; i < row_bytes; i++)
        sum[i] = 1 << (PRECISION_BITS - 1);

      for (int k = 0; k < c->n_taps; k++)
        {
          const guint8 *row = src + (gsize) (c->start[y] + k) * src_stride;
          gint32 weight = w[k];

          if (weight == 0)
            continue;
          for (int i = 0; i < row_bytes; i++)
            sum[i] += row[i] * weight;
        }

      if (n_channels == 4)
        for (int i = 0; i < row_bytes; i += 4)
          store_premultiplied (sum + i, out + i);
      else
        for (int i = 0; i < row_bytes; i++)
          out[i] = clip (sum[i]);
    }

  return TRUE;
}

static inline guint8
multiply (guint c,
          guint a)
{
  guint t = c * a + 128;

  return (guint8) ((t + (t >> 8)) >> 8);
}

static void
premultiply (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    {
      guint8 *p = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++, p += 4)
        {
          p[0] = multiply (p[0], p[3]);
          p[1] = multiply (p[1], p[3]);
          p[2] = multiply (p[2], p[3]);
        }
    }
}

static void
unpremultiply (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    {
      guint8 *p = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++, p += 4)
        {
          guint a = p[3];

          for (int c = 0; c < 3; c++)
            p[c] = a == 0 ? 0 : (guint8) ((p[c] * 255u + a / 2) / a);
        }
    }
}

/**
 * vignette_resample:
 * @source: an 8-bit RGB or RGBA pixbuf
 * @width: the width wanted
 * @height: the height wanted
 *
 * Thread-safe. The caller chooses the size (a thumbnail is never made
 * larger than its original: see fit_in_box() in vignette-thumbnailer.c);
 * an axis that grows is interpolated with Lanczos-3.
 *
 * Returns: (transfer full) (nullable): @source at exactly @width × @height,
 *   with @source's alpha channel or lack of it; %NULL without memory
 */
GdkPixbuf *
vignette_resample (GdkPixbuf *source,
                   int        width,
                   int        height)
{
  g_autoptr(GdkPixbuf) input = NULL;
  g_autoptr(GdkPixbuf) middle = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  Coefficients c = { 0, };
  gboolean has_alpha;
  int n_channels, source_width, source_height;

  g_return_val_if_fail (GDK_IS_PIXBUF (source), NULL);
  g_return_val_if_fail (gdk_pixbuf_get_bits_per_sample (source) == 8, NULL);
  g_return_val_if_fail (gdk_pixbuf_get_colorspace (source) == GDK_COLORSPACE_RGB, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  source_width = gdk_pixbuf_get_width (source);
  source_height = gdk_pixbuf_get_height (source);
  if (source_width == width && source_height == height)
    return g_object_ref (source);

  has_alpha = gdk_pixbuf_get_has_alpha (source);
  n_channels = gdk_pixbuf_get_n_channels (source);
  g_return_val_if_fail (n_channels == (has_alpha ? 4 : 3), NULL);

  if (has_alpha)
    {
      if ((input = gdk_pixbuf_copy (source)) == NULL)
        return NULL;
      premultiply (input);
    }
  else
    input = g_object_ref (source);

  /* The heights first: that pass is a multiply-add of whole rows, which
   * compilers vectorise, and it leaves fewer rows for the horizontal one */
  if (height != source_height)
    {
      gboolean ok;

      middle = gdk_pixbuf_new (GDK_COLORSPACE_RGB, has_alpha, 8, source_width, height);
      if (middle == NULL || !coefficients_init (&c, source_height, height))
        {
          coefficients_clear (&c);
          return NULL;
        }
      ok = resample_vertical (gdk_pixbuf_read_pixels (input), gdk_pixbuf_get_rowstride (input),
                              gdk_pixbuf_get_pixels (middle), gdk_pixbuf_get_rowstride (middle),
                              source_width * n_channels, n_channels, height, &c);
      coefficients_clear (&c);
      memset (&c, 0, sizeof c);
      if (!ok)
        return NULL;
    }
  else
    middle = g_object_ref (input);
  g_clear_object (&input);

  if (width != source_width)
    {
      result = gdk_pixbuf_new (GDK_COLORSPACE_RGB, has_alpha, 8, width, height);
      if (result == NULL || !coefficients_init (&c, source_width, width))
        {
          coefficients_clear (&c);
          return NULL;
        }
      resample_horizontal (gdk_pixbuf_read_pixels (middle), gdk_pixbuf_get_rowstride (middle),
                           gdk_pixbuf_get_pixels (result), gdk_pixbuf_get_rowstride (result),
                           width, height, n_channels, &c);
      coefficients_clear (&c);
    }
  else
    result = g_object_ref (middle);  /* with alpha, our premultiplied copy */

  if (has_alpha)
    unpremultiply (result);

  return g_steal_pointer (&result);
}
