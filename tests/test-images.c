/* test-images.c: images the thumbnail tests need beyond the basic ones, hand-built bytes, and pixel checks
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Most images are drawn with gdk-pixbuf and encoded by its own savers. What
 * no saver writes (an EXIF orientation tag, a GIF animation, a PNG that lies
 * about its size) is built here byte by byte, following the formats' specs,
 * so that each test knows exactly what it feeds the engine.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "test-images.h"
#include "vignette-demo-site.h"

/* Pixbufs ----------------------------------------------------------------- */

GdkPixbuf *
vignette_test_pixbuf_new_solid (int      width,
                                int      height,
                                gboolean alpha,
                                guint32  rgba)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);

  g_assert_nonnull (pixbuf);
  gdk_pixbuf_fill (pixbuf, alpha ? rgba : (rgba | 0xff));
  return pixbuf;
}

GdkPixbuf *
vignette_test_pixbuf_new_photo (guint    seed,
                                int      width,
                                int      height,
                                gboolean alpha)
{
  g_autoptr(GdkPixbuf) photo = vignette_demo_render_landscape (seed, width, height);
  GdkPixbuf *result;
  guchar *pixels;
  int stride;

  if (!alpha)
    return g_steal_pointer (&photo);

  result = gdk_pixbuf_add_alpha (photo, FALSE, 0, 0, 0);
  pixels = gdk_pixbuf_get_pixels (result);
  stride = gdk_pixbuf_get_rowstride (result);
  for (int y = 0; y < height; y++)
    for (int x = width / 2; x < width; x++)
      pixels[(gsize) y * stride + (gsize) x * 4 + 3] = 0;

  return result;
}

GdkPixbuf *
vignette_test_pixbuf_new_halves (int     width,
                                 int     height,
                                 guint32 left,
                                 guint32 right)
{
  GdkPixbuf *pixbuf = vignette_test_pixbuf_new_solid (width, height, FALSE, left);
  g_autoptr(GdkPixbuf) half = NULL;

  if (width / 2 > 0)
    {
      half = gdk_pixbuf_new_subpixbuf (pixbuf, width / 2, 0, width - width / 2, height);
      gdk_pixbuf_fill (half, right | 0xff);
    }

  return pixbuf;
}

/* Encoding ---------------------------------------------------------------- */

GBytes *
vignette_test_encode (GdkPixbuf  *pixbuf,
                      const char *format)
{
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;
  gboolean ok;

  if (g_strcmp0 (format, "jpeg") == 0)
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, format, &error, "quality", "92", NULL);
  else
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, format, &error, NULL);

  g_assert_no_error (error);
  g_assert_true (ok);

  return g_bytes_new_take (buffer, length);
}

GBytes *
vignette_test_make_solid_image (int         width,
                                int         height,
                                const char *format,
                                guint32     rgba)
{
  gboolean alpha = (rgba & 0xff) != 0xff && g_strcmp0 (format, "jpeg") != 0;
  g_autoptr(GdkPixbuf) pixbuf = vignette_test_pixbuf_new_solid (width, height, alpha, rgba);

  return vignette_test_encode (pixbuf, format);
}

GBytes *
vignette_test_make_noise_png (int     width,
                              int     height,
                              guint32 seed)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width * 3; x++)
      pixels[(gsize) y * stride + (gsize) x] = (guchar) g_rand_int (rand);

  return vignette_test_encode (pixbuf, "png");
}

static GdkPixbufFormat *
find_format (const char *name)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *format_name = gdk_pixbuf_format_get_name (l->data);

      if (g_strcmp0 (format_name, name) == 0)
        return l->data;
    }

  return NULL;
}

gboolean
vignette_test_have_loader (const char *format)
{
  GdkPixbufFormat *found = find_format (format);

  return found != NULL && !gdk_pixbuf_format_is_disabled (found);
}

gboolean
vignette_test_have_saver (const char *format)
{
  GdkPixbufFormat *found = find_format (format);

  return found != NULL && gdk_pixbuf_format_is_writable (found);
}

/* Hand-built bytes -------------------------------------------------------- */

static void
put_be16 (GByteArray *array,
          guint       value)
{
  guint8 b[2] = { (value >> 8) & 0xff, value & 0xff };

  g_byte_array_append (array, b, 2);
}

static void
put_be32 (GByteArray *array,
          guint32     value)
{
  guint8 b[4] = { value >> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff };

  g_byte_array_append (array, b, 4);
}

static void
put_le16 (GByteArray *array,
          guint       value)
{
  guint8 b[2] = { value & 0xff, (value >> 8) & 0xff };

  g_byte_array_append (array, b, 2);
}

static void
put_byte (GByteArray *array,
          guint8      value)
{
  g_byte_array_append (array, &value, 1);
}

static void
put_string (GByteArray *array,
            const char *text,
            gsize       length)
{
  g_byte_array_append (array, (const guint8 *) text, (guint) length);
}

/* The APP1 segment goes after JFIF's APP0 when there is one: that is where
 * cameras put it, and where libjpeg's marker reader expects application
 * segments (before the frame header). */
GBytes *
vignette_test_jpeg_add_orientation (GBytes *jpeg,
                                    guint   orientation)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (jpeg, &length);
  g_autoptr(GByteArray) app1 = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize insert_at = 2;

  g_assert_cmpuint (length, >, 4);
  g_assert_true (data[0] == 0xff && data[1] == 0xd8);

  if (data[2] == 0xff && data[3] == 0xe0)
    insert_at = 4 + ((gsize) data[4] << 8 | data[5]);
  g_assert_cmpuint (insert_at, <, length);

  /* "Exif\0\0", then a big-endian TIFF header whose first IFD (at offset 8)
   * has one entry: tag 0x0112 Orientation, type 3 SHORT, count 1, the value
   * left-justified in the 4-byte field; no next IFD. */
  put_string (app1, "Exif\0\0", 6);
  put_string (app1, "MM\0\x2a", 4);
  put_be32 (app1, 8);
  put_be16 (app1, 1);
  put_be16 (app1, 0x0112);
  put_be16 (app1, 3);
  put_be32 (app1, 1);
  put_be16 (app1, orientation);
  put_be16 (app1, 0);
  put_be32 (app1, 0);

  g_byte_array_append (out, data, (guint) insert_at);
  put_byte (out, 0xff);
  put_byte (out, 0xe1);
  put_be16 (out, app1->len + 2);
  g_byte_array_append (out, app1->data, app1->len);
  g_byte_array_append (out, data + insert_at, (guint) (length - insert_at));

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

guint32
vignette_test_crc32 (const guint8 *data,
                     gsize         length)
{
  static guint32 table[256];
  static gsize initialised = 0;
  guint32 crc = 0xffffffffu;

  if (g_once_init_enter (&initialised))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;

          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
          table[n] = c;
        }
      g_once_init_leave (&initialised, 1);
    }

  for (gsize i = 0; i < length; i++)
    crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);

  return crc ^ 0xffffffffu;
}

static void
put_png_chunk (GByteArray   *out,
               const char   *type,
               const guint8 *data,
               gsize         length)
{
  g_autoptr(GByteArray) typed = g_byte_array_new ();

  put_string (typed, type, 4);
  if (length > 0)
    g_byte_array_append (typed, data, (guint) length);

  put_be32 (out, (guint32) length);
  g_byte_array_append (out, typed->data, typed->len);
  put_be32 (out, vignette_test_crc32 (typed->data, typed->len));
}

static GBytes *
zlib_compress (const guint8 *data,
               gsize         length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) stream = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (stream, data, length, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (stream, NULL, &error);
  g_assert_no_error (error);

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

GBytes *
vignette_test_make_png_declaring (guint32 width,
                                  guint32 height)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) ihdr = g_byte_array_new ();
  g_autoptr(GBytes) idat = NULL;
  gsize row = 1 + (gsize) MIN (width, 1024 * 1024) * 3;  /* filter byte + RGB */
  g_autofree guint8 *rows = g_malloc0 (row * 2);

  put_be32 (ihdr, width);
  put_be32 (ihdr, height);
  put_byte (ihdr, 8);  /* bit depth */
  put_byte (ihdr, 2);  /* colour type: RGB */
  put_byte (ihdr, 0);  /* compression */
  put_byte (ihdr, 0);  /* filter */
  put_byte (ihdr, 0);  /* no interlace */

  /* Two rows of black: a few hundred bytes once deflated */
  idat = zlib_compress (rows, row * MIN (height, 2));

  g_byte_array_append (out, signature, sizeof signature);
  put_png_chunk (out, "IHDR", ihdr->data, ihdr->len);
  put_png_chunk (out, "IDAT", g_bytes_get_data (idat, NULL), g_bytes_get_size (idat));
  put_png_chunk (out, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
vignette_test_encode_png_interlaced (GdkPixbuf *pixbuf)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  /* Adam7: first column, first row, column step, row step of each pass */
  static const int passes[7][4] = {
    { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
    { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
  };
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const guchar *pixels = gdk_pixbuf_read_pixels (pixbuf);
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GByteArray) ihdr = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GBytes) idat = NULL;

  g_assert_false (gdk_pixbuf_get_has_alpha (pixbuf));
  g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), ==, 3);

  for (guint p = 0; p < G_N_ELEMENTS (passes); p++)
    {
      /* A pass with no columns or no rows has no bytes at all, not even
       * filter bytes */
      if (passes[p][0] >= width || passes[p][1] >= height)
        continue;

      for (int y = passes[p][1]; y < height; y += passes[p][3])
        {
          put_byte (raw, 0);  /* filter: none */
          for (int x = passes[p][0]; x < width; x += passes[p][2])
            g_byte_array_append (raw, pixels + (gsize) y * stride + (gsize) x * 3, 3);
        }
    }

  put_be32 (ihdr, (guint32) width);
  put_be32 (ihdr, (guint32) height);
  put_byte (ihdr, 8);  /* bit depth */
  put_byte (ihdr, 2);  /* RGB */
  put_byte (ihdr, 0);
  put_byte (ihdr, 0);
  put_byte (ihdr, 1);  /* Adam7 */
  idat = zlib_compress (raw->data, raw->len);

  g_byte_array_append (out, signature, sizeof signature);
  put_png_chunk (out, "IHDR", ihdr->data, ihdr->len);
  put_png_chunk (out, "IDAT", g_bytes_get_data (idat, NULL), g_bytes_get_size (idat));
  put_png_chunk (out, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

typedef struct {
  GByteArray *bytes;
  guint32     accumulator;
  guint       n_bits;
} BitWriter;

static void
bits_put (BitWriter *writer,
          guint      code,
          guint      width)
{
  writer->accumulator |= (guint32) code << writer->n_bits;
  writer->n_bits += width;
  while (writer->n_bits >= 8)
    {
      put_byte (writer->bytes, writer->accumulator & 0xff);
      writer->accumulator >>= 8;
      writer->n_bits -= 8;
    }
}

/* LZW that never lets the decoder's table grow past the first code width:
 * a clear code every 200 codes (with a minimum code size of 8 the table has
 * room for 254 new entries before the width would change). Larger than real
 * LZW output, but valid, and simple enough to trust. */
static GByteArray *
gif_lzw (const guint8 *indices,
         gsize         n)
{
  enum { MIN_CODE_SIZE = 8, CLEAR = 1 << MIN_CODE_SIZE, END = CLEAR + 1, WIDTH = MIN_CODE_SIZE + 1 };
  BitWriter writer = { g_byte_array_new (), 0, 0 };

  for (gsize i = 0; i < n; i++)
    {
      if (i % 200 == 0)
        bits_put (&writer, CLEAR, WIDTH);
      bits_put (&writer, indices[i], WIDTH);
    }
  bits_put (&writer, END, WIDTH);
  if (writer.n_bits > 0)
    bits_put (&writer, 0, 8 - writer.n_bits);

  return writer.bytes;
}

GBytes *
vignette_test_make_gif_animation (int            width,
                                  int            height,
                                  const guint32 *colours,
                                  guint          n_colours)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint table_bits = 1;
  gsize n_pixels = (gsize) width * (gsize) height;
  g_autofree guint8 *indices = g_malloc (n_pixels);

  g_assert_cmpuint (n_colours, >=, 1);
  g_assert_cmpuint (n_colours, <=, 256);
  while ((1u << table_bits) < n_colours)
    table_bits++;

  put_string (out, "GIF89a", 6);
  put_le16 (out, (guint) width);
  put_le16 (out, (guint) height);
  /* Global colour table of 2^table_bits entries, 8-bit colour resolution */
  put_byte (out, 0x80 | 0x70 | (table_bits - 1));
  put_byte (out, 0);  /* background colour index */
  put_byte (out, 0);  /* aspect ratio */
  for (guint i = 0; i < (1u << table_bits); i++)
    {
      guint32 c = i < n_colours ? colours[i] : 0;

      put_byte (out, c >> 24);
      put_byte (out, (c >> 16) & 0xff);
      put_byte (out, (c >> 8) & 0xff);
    }

  /* Loop forever (the NETSCAPE2.0 application extension) */
  put_byte (out, 0x21);
  put_byte (out, 0xff);
  put_byte (out, 11);
  put_string (out, "NETSCAPE2.0", 11);
  put_byte (out, 3);
  put_byte (out, 1);
  put_le16 (out, 0);
  put_byte (out, 0);

  for (guint frame = 0; frame < n_colours; frame++)
    {
      g_autoptr(GByteArray) lzw = NULL;

      /* Graphic control: disposal "do not dispose", 10 × 1/100 s */
      put_byte (out, 0x21);
      put_byte (out, 0xf9);
      put_byte (out, 4);
      put_byte (out, 1 << 2);
      put_le16 (out, 10);
      put_byte (out, 0);
      put_byte (out, 0);

      /* Image descriptor: the whole canvas, no local table, not interlaced */
      put_byte (out, 0x2c);
      put_le16 (out, 0);
      put_le16 (out, 0);
      put_le16 (out, (guint) width);
      put_le16 (out, (guint) height);
      put_byte (out, 0);

      memset (indices, (int) frame, n_pixels);
      lzw = gif_lzw (indices, n_pixels);

      put_byte (out, 8);  /* LZW minimum code size */
      for (guint offset = 0; offset < lzw->len; offset += 255)
        {
          guint block = MIN (255u, lzw->len - offset);

          put_byte (out, (guint8) block);
          g_byte_array_append (out, lzw->data + offset, block);
        }
      put_byte (out, 0);
    }

  put_byte (out, 0x3b);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
vignette_test_make_svg (int     width,
                        int     height,
                        guint32 rgba)
{
  g_autofree char *svg = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                          "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                                          "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
                                          "  <rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#%06x\"/>\n"
                                          "</svg>\n",
                                          width, height, width, height, width, height,
                                          rgba >> 8);
  gsize length = strlen (svg);

  return g_bytes_new_take (g_steal_pointer (&svg), length);
}

GBytes *
vignette_test_truncate (GBytes *bytes,
                        gsize   length)
{
  g_assert_cmpuint (length, <=, g_bytes_get_size (bytes));

  return g_bytes_new_from_bytes (bytes, 0, length);
}

/* PNG chunks -------------------------------------------------------------- */

static guint32
get_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

char *
vignette_test_png_get_text (GBytes     *png,
                            const char *keyword)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (png, &length);
  gsize offset = 8;

  g_assert_cmpuint (length, >=, 8);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);

  while (offset + 12 <= length)
    {
      guint32 chunk_length = get_be32 (data + offset);
      const guint8 *type = data + offset + 4;
      const guint8 *body = data + offset + 8;

      g_assert_cmpuint (offset + 12 + chunk_length, <=, length);
      g_assert_cmphex (get_be32 (body + chunk_length), ==, vignette_test_crc32 (type, chunk_length + 4));

      if (memcmp (type, "tEXt", 4) == 0)
        {
          const guint8 *nul = memchr (body, '\0', chunk_length);

          g_assert_nonnull (nul);
          if (strlen (keyword) == (gsize) (nul - body) &&
              memcmp (body, keyword, (gsize) (nul - body)) == 0)
            return g_strndup ((const char *) nul + 1, chunk_length - (gsize) (nul - body) - 1);
        }
      if (memcmp (type, "IEND", 4) == 0)
        break;

      offset += 12 + chunk_length;
    }

  return NULL;
}

/* Decoding and comparing -------------------------------------------------- */

GdkPixbuf *
vignette_test_decode (GBytes  *bytes,
                      GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  GdkPixbuf *pixbuf;

  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  if (!gdk_pixbuf_loader_close (loader, error))
    return NULL;

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_FAILED, "no image");
      return NULL;
    }

  return g_object_ref (pixbuf);
}

GdkPixbuf *
vignette_test_decode_file (const char  *path,
                           GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, error);

  if (mapped == NULL)
    return NULL;

  bytes = g_mapped_file_get_bytes (mapped);
  return vignette_test_decode (bytes, error);
}

guint32
vignette_test_get_pixel (GdkPixbuf *pixbuf,
                         int        x,
                         int        y)
{
  int n = gdk_pixbuf_get_n_channels (pixbuf);
  const guchar *p;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, gdk_pixbuf_get_width (pixbuf));
  g_assert_cmpint (y, <, gdk_pixbuf_get_height (pixbuf));

  p = gdk_pixbuf_read_pixels (pixbuf) + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf) + (gsize) x * n;

  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | (n == 4 ? p[3] : 0xff);
}

gboolean
vignette_test_pixel_is (GdkPixbuf *pixbuf,
                        int        x,
                        int        y,
                        guint32    rgba,
                        guint      tolerance)
{
  guint32 pixel = vignette_test_get_pixel (pixbuf, x, y);
  int channels = gdk_pixbuf_get_has_alpha (pixbuf) ? 4 : 3;

  for (int c = 0; c < channels; c++)
    {
      int shift = 24 - 8 * c;
      int got = (pixel >> shift) & 0xff;
      int want = (rgba >> shift) & 0xff;

      if ((guint) ABS (got - want) > tolerance)
        return FALSE;
    }

  return TRUE;
}

static double
sum_of (GdkPixbuf *a,
        GdkPixbuf *b,
        gboolean   squares)
{
  int width = gdk_pixbuf_get_width (a);
  int height = gdk_pixbuf_get_height (a);
  int na = gdk_pixbuf_get_n_channels (a), nb = gdk_pixbuf_get_n_channels (b);
  const guchar *pa = gdk_pixbuf_read_pixels (a), *pb = gdk_pixbuf_read_pixels (b);
  int sa = gdk_pixbuf_get_rowstride (a), sb = gdk_pixbuf_get_rowstride (b);
  double total = 0;

  g_assert_cmpint (width, ==, gdk_pixbuf_get_width (b));
  g_assert_cmpint (height, ==, gdk_pixbuf_get_height (b));

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < 3; c++)
        {
          double d = (double) pa[(gsize) y * sa + (gsize) x * na + c] -
                     (double) pb[(gsize) y * sb + (gsize) x * nb + c];

          total += squares ? d * d : fabs (d);
        }

  return total / ((double) width * height * 3);
}

double
vignette_test_mean_difference (GdkPixbuf *a,
                               GdkPixbuf *b)
{
  return sum_of (a, b, FALSE);
}

double
vignette_test_psnr (GdkPixbuf *a,
                    GdkPixbuf *b)
{
  double mse = sum_of (a, b, TRUE);

  if (mse == 0)
    return 100.0;
  return 10.0 * log10 (255.0 * 255.0 / mse);
}

/* Files ------------------------------------------------------------------- */

static void
list_into (const char   *root,
           const char   *relative,
           GPatternSpec *pattern,
           GPtrArray    *result)
{
  g_autofree char *folder = relative ? g_build_filename (root, relative, NULL) : g_strdup (root);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree char *child = relative ? g_build_filename (relative, name, NULL) : g_strdup (name);
      struct stat st;

      if (lstat (path, &st) != 0)
        continue;

      if (S_ISDIR (st.st_mode))
        list_into (root, child, pattern, result);
      else if (pattern == NULL || g_pattern_spec_match_string (pattern, name))
        g_ptr_array_add (result, g_steal_pointer (&child));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
vignette_test_list_files (const char *folder,
                          const char *glob)
{
  g_autoptr(GPatternSpec) pattern = glob ? g_pattern_spec_new (glob) : NULL;
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  list_into (folder, NULL, pattern, result);
  g_ptr_array_sort (result, compare_strings);

  return result;
}

GPtrArray *
vignette_test_find_temporary_files (const char *folder)
{
  return vignette_test_list_files (folder, ".vignette-*.tmp");
}

guint64
vignette_test_get_peak_rss (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);

  /* Linux counts in kilobytes */
  return (guint64) usage.ru_maxrss * 1024;
}
