/* test-images.h: images the thumbnail tests need beyond the basic ones, hand-built bytes, and pixel checks
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* Colours are 0xRRGGBBAA */
#define VIGNETTE_TEST_RED   0xff0000ffu
#define VIGNETTE_TEST_GREEN 0x00ff00ffu
#define VIGNETTE_TEST_BLUE  0x0000ffffu
#define VIGNETTE_TEST_WHITE 0xffffffffu
#define VIGNETTE_TEST_CLEAR 0x00000000u

/* Pixbufs */
GdkPixbuf *vignette_test_pixbuf_new_solid       (int            width,
                                                 int            height,
                                                 gboolean       alpha,
                                                 guint32        rgba);
/* A photo-like picture (the demo gallery's landscapes), with an alpha
 * channel whose left half is opaque and right half transparent when @alpha */
GdkPixbuf *vignette_test_pixbuf_new_photo       (guint          seed,
                                                 int            width,
                                                 int            height,
                                                 gboolean       alpha);
/* Left half @left, right half @right */
GdkPixbuf *vignette_test_pixbuf_new_halves      (int            width,
                                                 int            height,
                                                 guint32        left,
                                                 guint32        right);

/* Encoding with gdk-pixbuf's own savers: "png", "jpeg", "bmp", "tiff",
 * "ico", "webp" */
GBytes    *vignette_test_encode                 (GdkPixbuf     *pixbuf,
                                                 const char    *format);
GBytes    *vignette_test_make_solid_image       (int            width,
                                                 int            height,
                                                 const char    *format,
                                                 guint32        rgba);
/* Random pixels (incompressible), as PNG; the same seed gives the same bytes */
GBytes    *vignette_test_make_noise_png         (int            width,
                                                 int            height,
                                                 guint32        seed);
gboolean   vignette_test_have_loader            (const char    *format);
gboolean   vignette_test_have_saver             (const char    *format);

/* Hand-built bytes */
/* @jpeg with an EXIF APP1 segment holding one IFD entry: Orientation */
GBytes    *vignette_test_jpeg_add_orientation   (GBytes        *jpeg,
                                                 guint          orientation);
/* A valid PNG signature, an IHDR declaring @width × @height RGB, a tiny
 * IDAT (a few rows of zeros, far from the whole image) and IEND; the CRCs
 * are right, so only the size is hostile. */
GBytes    *vignette_test_make_png_declaring     (guint32        width,
                                                 guint32        height);
/* @pixbuf (RGB, no alpha) as an Adam7-interlaced PNG, which gdk-pixbuf's
 * own saver never writes */
GBytes    *vignette_test_encode_png_interlaced  (GdkPixbuf     *pixbuf);
/* A GIF89a animation: one frame per colour (0xRRGGBBAA, alpha ignored), each
 * covering the whole @width × @height canvas and shown for 0.1 s */
GBytes    *vignette_test_make_gif_animation     (int            width,
                                                 int            height,
                                                 const guint32 *colours,
                                                 guint          n_colours);
/* An SVG document declaring @width × @height, filled with @rgba */
GBytes    *vignette_test_make_svg               (int            width,
                                                 int            height,
                                                 guint32        rgba);
/* The first @length bytes of @bytes */
GBytes    *vignette_test_truncate               (GBytes        *bytes,
                                                 gsize          length);

/* PNG chunks */
guint32    vignette_test_crc32                  (const guint8  *data,
                                                 gsize          length);
/* The text of the tEXt chunk named @keyword (a real tEXt chunk, not iTXt or
 * zTXt), or NULL; the chunks' CRCs are checked on the way */
char      *vignette_test_png_get_text           (GBytes        *png,
                                                 const char    *keyword);

/* Decoding and comparing */
GdkPixbuf *vignette_test_decode                 (GBytes        *bytes,
                                                 GError       **error);
GdkPixbuf *vignette_test_decode_file            (const char    *path,
                                                 GError       **error);
guint32    vignette_test_get_pixel              (GdkPixbuf     *pixbuf,
                                                 int            x,
                                                 int            y);
/* TRUE when every channel of the pixel is within @tolerance of @rgba
 * (alpha is compared only when the pixbuf has some) */
gboolean   vignette_test_pixel_is               (GdkPixbuf     *pixbuf,
                                                 int            x,
                                                 int            y,
                                                 guint32        rgba,
                                                 guint          tolerance);
/* Mean absolute difference per colour channel (0..255) of two images of
 * the same size, and the corresponding PSNR in dB */
double     vignette_test_mean_difference        (GdkPixbuf     *a,
                                                 GdkPixbuf     *b);
double     vignette_test_psnr                   (GdkPixbuf     *a,
                                                 GdkPixbuf     *b);

/* Files */
/* Relative paths of the regular files under @folder whose names match
 * @glob (NULL: all), sorted; symbolic links are listed, never followed */
GPtrArray *vignette_test_list_files             (const char    *folder,
                                                 const char    *glob);
/* Paths of the saver's temporary files (".vignette-*.tmp") left under @folder */
GPtrArray *vignette_test_find_temporary_files   (const char    *folder);

/* Peak resident set size of this process so far, in bytes */
guint64    vignette_test_get_peak_rss           (void);

G_END_DECLS
