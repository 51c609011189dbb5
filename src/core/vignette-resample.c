/* vignette-resample.c: downscale a pixbuf with a Lanczos-3 filter, for thumbnails
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gdk_pixbuf_scale_simple() with BILINEAR blurs fine texture and aliases
 * (28 dB against a Lanczos reference on moss and foliage, see
 * tests/bench/results/QUALITY.md). This is the filter every careful
 * thumbnailer uses instead: Lanczos-3, its support stretched by the
 * reduction ratio so that a 4:1 reduction weighs 24 source pixels per
 * output pixel, not 6.
 *
 * The library is pixman, through its separable-convolution filter (what
 * cairo uses for its GOOD and BEST filters). We compared it with libvips
 * (vips_reduce with the lanczos3 kernel, and vips_resize) on the benchmark's
 * photographs: both reach the same sharpness (QUALITY.md gives the figures),
 * but libvips would pull some forty libraries into the engine and into the
 * Flatpak (it is not in the GNOME runtime), and its threading and caching
 * machinery fights ours (VignetteWorkers already gives each core one image).
 * pixman is small, in every desktop already (cairo needs it), in the GNOME
 * runtime, and thread-safe for separate images.
 *
 * pixman computes a "separable" filter as one 2D sum per output pixel, which
 * costs width × height taps; we run it twice, once per axis (the other axis
 * a one-tap filter), so that each output pixel costs width + height taps:
 * 5 to 10 times faster at the ratios thumbnails use. The intermediate image
 * is 8-bit, which costs less than 0.1 dB against a float intermediate.
 *
 * Filtering is done on the sRGB values as stored, not in linear light. The
 * reference every user compares with (Pillow, ImageMagick's -resize, libvips,
 * browsers, GNOME's thumbnailers) filters sRGB values; linear light would
 * need 16 bits per channel to keep the shadows from banding, at twice the
 * memory traffic, and changes the picture visibly only on high-contrast
 * fine detail (a black-and-white line pattern comes out lighter): QUALITY.md
 * measures the difference on the photographs.
 *
 * Alpha: colours are premultiplied before filtering, so that a transparent
 * pixel's colour (often black) does not bleed into its opaque neighbours as
 * a dark fringe, and divided again afterwards.
 */
#include "config.h"

#include <stdlib.h>

#include <pixman.h>

#include "vignette-resample.h"

/* 64 filter phases per pixel: positions are rounded to 1/128 pixel */
#define SUBSAMPLE_BITS 6

/* Our pixels are the bytes R, G, B, A. Read as 32-bit words, pixman sees
 * alpha where it expects it; on little-endian machines it takes R for B and
 * B for R, which a filter that treats every colour alike does not mind. */
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
# define PIXEL_FORMAT PIXMAN_a8r8g8b8
#else
# define PIXEL_FORMAT PIXMAN_r8g8b8a8
#endif

static inline guint8
multiply (guint c,
          guint a)
{
  guint t = c * a + 128;

  return (guint8) ((t + (t >> 8)) >> 8);
}

static pixman_image_t *
import_premultiplied (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  gboolean has_alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  pixman_image_t *image;
  guint8 *data;
  int stride;

  image = pixman_image_create_bits (PIXEL_FORMAT, width, height, NULL, 0);
  if (image == NULL)
    return NULL;

  data = (guint8 *) pixman_image_get_data (image);
  stride = pixman_image_get_stride (image);

  for (int y = 0; y < height; y++)
    {
      const guint8 *s = pixels + (gsize) y * rowstride;
      guint8 *d = data + (gsize) y * stride;

      if (has_alpha)
        for (int x = 0; x < width; x++, s += n_channels, d += 4)
          {
            d[0] = multiply (s[0], s[3]);
            d[1] = multiply (s[1], s[3]);
            d[2] = multiply (s[2], s[3]);
            d[3] = s[3];
          }
      else
        for (int x = 0; x < width; x++, s += n_channels, d += 4)
          {
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
            d[3] = 0xff;
          }
    }

  return image;
}

static GdkPixbuf *
export_unpremultiplied (pixman_image_t *image,
                        gboolean        has_alpha)
{
  int width = pixman_image_get_width (image);
  int height = pixman_image_get_height (image);
  const guint8 *data = (const guint8 *) pixman_image_get_data (image);
  int stride = pixman_image_get_stride (image);
  GdkPixbuf *pixbuf;
  guint8 *pixels;
  int n_channels, rowstride;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, has_alpha, 8, width, height);
  if (pixbuf == NULL)
    return NULL;

  pixels = gdk_pixbuf_get_pixels (pixbuf);
  n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    {
      const guint8 *s = data + (gsize) y * stride;
      guint8 *d = pixels + (gsize) y * rowstride;

      if (has_alpha)
        for (int x = 0; x < width; x++, s += 4, d += n_channels)
          {
            guint a = s[3];

            /* Lanczos's negative lobes can leave a colour above its alpha
             * once each channel is clipped on its own: clip it to white */
            for (int c = 0; c < 3; c++)
              d[c] = a == 0 ? 0 : (guint8) MIN (255u, (s[c] * 255u + a / 2) / a);
            d[3] = (guint8) a;
          }
      else
        for (int x = 0; x < width; x++, s += 4, d += n_channels)
          {
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
          }
    }

  return pixbuf;
}

/* A reduction (ratio > 1) gets Lanczos-3 stretched by the ratio; an axis
 * left alone a one-tap filter; an enlargement plain Lanczos-3 interpolation */
static pixman_kernel_t
kernel_for_ratio (double ratio)
{
  return ratio == 1.0 ? PIXMAN_KERNEL_BOX : PIXMAN_KERNEL_LANCZOS3;
}

/* @source filtered and resampled to @width × @height, or NULL without memory */
static pixman_image_t *
convolve (pixman_image_t *source,
          int             width,
          int             height)
{
  double ratio_x = (double) pixman_image_get_width (source) / width;
  double ratio_y = (double) pixman_image_get_height (source) / height;
  pixman_transform_t transform;
  pixman_fixed_t *params;
  pixman_image_t *dest;
  int n_params;
  gboolean ok;

  dest = pixman_image_create_bits (PIXEL_FORMAT, width, height, NULL, 0);
  if (dest == NULL)
    return NULL;

  /* IMPULSE as the reconstruction filter: the kernel is sampled at each
   * source pixel's centre, as ImageMagick and Pillow do */
  params = pixman_filter_create_separable_convolution (&n_params,
                                                       pixman_double_to_fixed (MAX (ratio_x, 1.0)),
                                                       pixman_double_to_fixed (MAX (ratio_y, 1.0)),
                                                       PIXMAN_KERNEL_IMPULSE,
                                                       PIXMAN_KERNEL_IMPULSE,
                                                       kernel_for_ratio (ratio_x),
                                                       kernel_for_ratio (ratio_y),
                                                       SUBSAMPLE_BITS,
                                                       SUBSAMPLE_BITS);
  if (params == NULL)
    {
      pixman_image_unref (dest);
      return NULL;
    }

  /* The transform maps output pixel centres onto the source */
  pixman_transform_init_scale (&transform,
                               pixman_double_to_fixed (ratio_x),
                               pixman_double_to_fixed (ratio_y));
  ok = pixman_image_set_transform (source, &transform) &&
       pixman_image_set_filter (source, PIXMAN_FILTER_SEPARABLE_CONVOLUTION, params, n_params);
  free (params);
  if (!ok)
    {
      pixman_image_unref (dest);
      return NULL;
    }

  /* Beyond the edges, the edge pixels repeated: no dark or clear border */
  pixman_image_set_repeat (source, PIXMAN_REPEAT_PAD);
  pixman_image_composite32 (PIXMAN_OP_SRC, source, NULL, dest, 0, 0, 0, 0, 0, 0, width, height);

  return dest;
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
  pixman_image_t *image;
  GdkPixbuf *result;
  int source_width, source_height;

  g_return_val_if_fail (GDK_IS_PIXBUF (source), NULL);
  g_return_val_if_fail (gdk_pixbuf_get_bits_per_sample (source) == 8, NULL);
  g_return_val_if_fail (gdk_pixbuf_get_colorspace (source) == GDK_COLORSPACE_RGB, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  source_width = gdk_pixbuf_get_width (source);
  source_height = gdk_pixbuf_get_height (source);
  if (source_width == width && source_height == height)
    return g_object_ref (source);

  image = import_premultiplied (source);

  /* One axis at a time, the widths first */
  if (image != NULL && width != source_width)
    {
      pixman_image_t *next = convolve (image, width, source_height);

      pixman_image_unref (image);
      image = next;
    }

  if (image != NULL && height != source_height)
    {
      pixman_image_t *next = convolve (image, width, height);

      pixman_image_unref (image);
      image = next;
    }

  if (image == NULL)
    return NULL;

  result = export_unpremultiplied (image, gdk_pixbuf_get_has_alpha (source));
  pixman_image_unref (image);

  return result;
}
