/* vignette-decoder.c: bytes in, one upright picture out, fed as the bytes arrive
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A decoder is made for one image, written to piece by piece, then
 * finished. It chooses the gdk-pixbuf loader from the first bytes, refuses
 * what would make a loader allocate without bound, asks the loader for the
 * smallest size that covers the largest thumbnail (and no more than the
 * pixel limit), applies the EXIF orientation, and turns what went wrong
 * into one sentence: a damaged file says what is damaged, a valid file in a
 * variant the loaders lack says what it is.
 *
 * Small parsers watch the bytes on their way to the loader, so that nothing
 * needs the whole file at once: the JPEG markers (the frame's kind and
 * precision, and whether the stream reaches its end), the PNG chunks (their
 * order, their CRC, the header's values) and the WebP chunks (the EXIF
 * orientation, which the WebP loader ignores). The formats that are read by
 * random access (ICO, TIFF) and arithmetic-coded JPEG, which libjpeg cannot
 * suspend in, are held and given to the loader at once when finished.
 *
 * Thread-safe as long as one decoder is used by one thread at a time.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <zlib.h>

#include "vignette-decoder.h"
#include "vignette-error.h"

/* The header of every format we read fits in this; the size-prepared
 * signal comes from within it, before a bomb can inflate */
#define FIRST_WRITE 4096
/* A WebP EXIF chunk larger than this is not a camera's */
#define MAX_EXIF (64 * 1024)

static const guchar png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

typedef enum {
  KIND_UNKNOWN,   /* not sniffed yet */
  KIND_JPEG,
  KIND_PNG,
  KIND_GIF,
  KIND_WEBP,
  KIND_BMP,
  KIND_TIFF,
  KIND_ICO,
  KIND_SVG,
} Kind;

typedef enum {
  SNIFF_MORE,     /* too few bytes to tell */
  SNIFF_OK,
  SNIFF_FAILED,   /* an error is set */
} Sniff;

/* The JPEG marker walk: the first frame header's kind and precision, and
 * whether the stream reaches its end-of-image marker */
typedef enum {
  JPEG_MARKER,      /* expecting 0xFF and a marker */
  JPEG_LENGTH,      /* the segment's two length bytes */
  JPEG_PRECISION,   /* the first byte of a frame header */
  JPEG_SKIP,        /* through a segment's data */
  JPEG_ENTROPY,     /* a scan's entropy-coded data */
  JPEG_END,         /* EOI seen */
  JPEG_UNKNOWN,     /* not a structure we understand: the loader judges */
} JpegState;

typedef struct {
  JpegState state;
  JpegState after_skip;
  gboolean  have_ff;
  guchar    marker;
  guchar    length[2];
  guint     n_length;
  guint32   remaining;
  int       sof;        /* the first frame's marker, or -1 */
  int       precision;
} JpegWalk;

/* The PNG chunk walk */
typedef enum {
  PNG_SIGNATURE,
  PNG_HEADER,
  PNG_DATA,
  PNG_CRC,
  PNG_END,          /* IEND read */
  PNG_STOP,         /* a fault found */
} PngState;

typedef enum {
  PNG_FAULT_NONE,
  PNG_FAULT_SIGNATURE,
  PNG_FAULT_FIRST_CHUNK,
  PNG_FAULT_CHUNK,
  PNG_FAULT_CRC,
  PNG_FAULT_HEADER,
  PNG_FAULT_COLOUR_TYPE,
  PNG_FAULT_BIT_DEPTH,
  PNG_FAULT_NO_IDAT,
} PngFault;

typedef struct {
  PngState  state;
  guchar    buf[8];
  guint     n_buf;
  guchar    ihdr[13];
  guint32   length;
  guint32   remaining;
  guint32   crc;
  char      type[5];
  guint     n_chunks;
  gboolean  seen_idat;
  PngFault  fault;
  char      fault_chunk[5];
  guint     fault_value;
  guint     fault_value2;
} PngWalk;

/* The WebP (RIFF) chunk walk, for the EXIF chunk */
typedef struct {
  guint64     pos;        /* bytes seen */
  guint64     next;       /* where the next chunk header starts */
  guchar      header[8];
  guint       n_header;
  guint64     exif_end;
  GByteArray *exif;       /* the EXIF chunk being read, or read */
  gboolean    in_exif;
} RiffWalk;

struct _VignetteDecoder
{
  GObject          parent_instance;

  char            *name;
  guint            box;             /* largest output, which the decode must cover */
  guint64          max_pixels;
  gboolean         reduced_decode;

  Kind             kind;
  GByteArray      *held;            /* bytes not yet given to the loader */
  gboolean         hold_all;        /* give everything to the loader when finished */
  guint64          n_written;
  GdkPixbufLoader *loader;
  gboolean         loader_closed;
  GError          *error;           /* the first failure, reported ever after */
  char            *held_variant;    /* what describe_held() said */
  gboolean         finished;

  /* What size-prepared and area-updated said */
  int              width;
  int              height;
  char            *format_name;
  char            *mime_type;
  gboolean         scalable;
  gboolean         too_many_pixels;
  gboolean         empty_size;
  gboolean         tracks_rows;
  int              rows_decoded;

  JpegWalk         jpeg;
  PngWalk          png;
  RiffWalk         riff;
};

G_DEFINE_FINAL_TYPE (VignetteDecoder, vignette_decoder, G_TYPE_OBJECT)

static guint32
be32 (const guchar *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint32
le32 (const guchar *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static guint16
le16 (const guchar *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
get32 (const guchar *p,
       gboolean      little)
{
  return little ? le32 (p) : be32 (p);
}

static guint16
get16 (const guchar *p,
       gboolean      little)
{
  return little ? le16 (p) : (guint16) ((p[0] << 8) | p[1]);
}

/* libjpeg pads a stream that ends early with grey rows and only warns, so
 * follow the segments, skip through each scan's entropy-coded data, and
 * note whether EOI comes. Data appended after EOI (a motion photo's video)
 * does not matter. */
static void
jpeg_walk (JpegWalk     *w,
           const guchar *data,
           gsize         length)
{
  gsize i = 0;

  while (i < length && w->state != JPEG_END && w->state != JPEG_UNKNOWN)
    {
      switch (w->state)
        {
        case JPEG_MARKER:
          {
            guchar c = data[i++];

            if (!w->have_ff)
              {
                if (c != 0xff)
                  w->state = JPEG_UNKNOWN;
                w->have_ff = TRUE;
                break;
              }
            if (c == 0xff)
              break;  /* fill byte */

            w->have_ff = FALSE;
            if (c == 0xd9)
              w->state = JPEG_END;
            else if (c == 0xd8 || c == 0x01 || (c >= 0xd0 && c <= 0xd7))
              ;  /* markers without a segment */
            else
              {
                w->marker = c;
                w->n_length = 0;
                w->state = JPEG_LENGTH;
              }
          }
          break;

        case JPEG_LENGTH:
          w->length[w->n_length++] = data[i++];
          if (w->n_length == 2)
            {
              guint32 segment = ((guint32) w->length[0] << 8) | w->length[1];
              gboolean frame = w->marker >= 0xc0 && w->marker <= 0xcf &&
                               w->marker != 0xc4 && w->marker != 0xc8 && w->marker != 0xcc;

              if (segment < 2)
                {
                  w->state = JPEG_UNKNOWN;
                  break;
                }
              w->remaining = segment - 2;
              w->after_skip = w->marker == 0xda ? JPEG_ENTROPY : JPEG_MARKER;
              if (frame && w->sof < 0 && w->remaining > 0)
                w->state = JPEG_PRECISION;
              else
                w->state = w->remaining > 0 ? JPEG_SKIP : w->after_skip;
            }
          break;

        case JPEG_PRECISION:
          w->sof = w->marker;
          w->precision = data[i++];
          w->remaining--;
          w->state = w->remaining > 0 ? JPEG_SKIP : w->after_skip;
          break;

        case JPEG_SKIP:
          {
            gsize take = MIN ((gsize) w->remaining, length - i);

            i += take;
            w->remaining -= (guint32) take;
            if (w->remaining == 0)
              w->state = w->after_skip;
          }
          break;

        case JPEG_ENTROPY:
          /* 0xFF is followed by 0x00 (a stuffed byte) or a restart marker
           * inside a scan; anything else ends the scan */
          if (w->have_ff)
            {
              guchar c = data[i];

              if (c == 0x00 || (c >= 0xd0 && c <= 0xd7))
                {
                  w->have_ff = FALSE;
                  i++;
                }
              else if (c == 0xff)
                i++;
              else
                w->state = JPEG_MARKER;  /* which reads c as the marker */
            }
          else
            {
              const guchar *ff = memchr (data + i, 0xff, length - i);

              if (ff == NULL)
                i = length;
              else
                {
                  i = (gsize) (ff - data) + 1;
                  w->have_ff = TRUE;
                }
            }
          break;

        case JPEG_END:
        case JPEG_UNKNOWN:
        default:
          g_assert_not_reached ();
        }
    }
}

static gboolean
jpeg_is_complete (const JpegWalk *w)
{
  return w->state == JPEG_END || w->state == JPEG_UNKNOWN;
}

static gboolean
png_chunk_type_is_valid (const char *type)
{
  for (int k = 0; k < 4; k++)
    if (!g_ascii_isalpha (type[k]))
      return FALSE;
  return TRUE;
}

static void
png_fault (PngWalk    *w,
           PngFault    fault,
           guint       value,
           guint       value2)
{
  w->fault = fault;
  w->fault_value = value;
  w->fault_value2 = value2;
  memcpy (w->fault_chunk, w->type, sizeof w->fault_chunk);
  w->state = PNG_STOP;
}

/* The values libpng accepts in IHDR */
static void
png_check_header (PngWalk *w)
{
  guint32 width = be32 (w->ihdr), height = be32 (w->ihdr + 4);
  guint depth = w->ihdr[8], colour = w->ihdr[9];
  gboolean depth_ok;

  if (w->length != 13 || width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff ||
      w->ihdr[10] != 0 || w->ihdr[11] != 0 || w->ihdr[12] > 1)
    {
      png_fault (w, PNG_FAULT_HEADER, 0, 0);
      return;
    }

  switch (colour)
    {
    case 0:
      depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
      break;
    case 3:
      depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8;
      break;
    case 2:
    case 4:
    case 6:
      depth_ok = depth == 8 || depth == 16;
      break;
    default:
      png_fault (w, PNG_FAULT_COLOUR_TYPE, colour, 0);
      return;
    }

  if (!depth_ok)
    png_fault (w, PNG_FAULT_BIT_DEPTH, depth, colour);
}

static void
png_walk (PngWalk      *w,
          const guchar *data,
          gsize         length)
{
  gsize i = 0;

  while (i < length && w->state != PNG_END && w->state != PNG_STOP)
    {
      switch (w->state)
        {
        case PNG_SIGNATURE:
          w->buf[w->n_buf++] = data[i++];
          if (w->n_buf == 8)
            {
              w->n_buf = 0;
              if (memcmp (w->buf, png_signature, 8) != 0)
                png_fault (w, PNG_FAULT_SIGNATURE, 0, 0);
              else
                w->state = PNG_HEADER;
            }
          break;

        case PNG_HEADER:
          w->buf[w->n_buf++] = data[i++];
          if (w->n_buf < 8)
            break;
          w->n_buf = 0;
          w->length = be32 (w->buf);
          memcpy (w->type, w->buf + 4, 4);
          w->type[4] = '\0';

          if (!png_chunk_type_is_valid (w->type) || w->length > 0x7fffffff)
            {
              png_fault (w, PNG_FAULT_CHUNK, 0, 0);
              break;
            }
          if (w->n_chunks == 0 && strcmp (w->type, "IHDR") != 0)
            {
              png_fault (w, PNG_FAULT_FIRST_CHUNK, 0, 0);
              break;
            }
          if (strcmp (w->type, "IEND") == 0 && !w->seen_idat)
            {
              png_fault (w, PNG_FAULT_NO_IDAT, 0, 0);
              break;
            }
          w->seen_idat |= strcmp (w->type, "IDAT") == 0;
          w->n_chunks++;
          w->crc = (guint32) crc32 (0, (const Bytef *) w->type, 4);
          w->remaining = w->length;
          w->state = w->remaining > 0 ? PNG_DATA : PNG_CRC;
          break;

        case PNG_DATA:
          {
            gsize take = MIN ((gsize) w->remaining, length - i);

            if (w->n_chunks == 1)
              for (gsize k = 0; k < take; k++)
                {
                  gsize at = w->length - w->remaining + k;

                  if (at < sizeof w->ihdr)
                    w->ihdr[at] = data[i + k];
                }
            if (g_ascii_isupper (w->type[0]))
              w->crc = (guint32) crc32_z (w->crc, data + i, take);
            i += take;
            w->remaining -= (guint32) take;
            if (w->remaining == 0)
              w->state = PNG_CRC;
          }
          break;

        case PNG_CRC:
          w->buf[w->n_buf++] = data[i++];
          if (w->n_buf < 4)
            break;
          w->n_buf = 0;
          /* libpng only warns about an ancillary chunk's CRC, and checks
           * the header's before its values. zlib's CRC costs about 15 ms
           * a 64 MiB file here: the loader does far more. */
          if (g_ascii_isupper (w->type[0]) && be32 (w->buf) != w->crc)
            png_fault (w, PNG_FAULT_CRC, 0, 0);
          else if (w->n_chunks == 1)
            png_check_header (w);
          if (w->state == PNG_STOP)
            break;
          w->state = strcmp (w->type, "IEND") == 0 ? PNG_END : PNG_HEADER;
          break;

        case PNG_END:
        case PNG_STOP:
        default:
          g_assert_not_reached ();
        }
    }
}

static void
riff_walk (RiffWalk     *w,
           const guchar *data,
           gsize         length)
{
  gsize i = 0;

  while (i < length)
    {
      if (w->in_exif)
        {
          gsize take = (gsize) MIN ((guint64) (length - i), w->exif_end - w->pos);

          g_byte_array_append (w->exif, data + i, (guint) take);
          i += take;
          w->pos += take;
          w->in_exif = w->pos < w->exif_end;
          continue;
        }

      if (w->pos < w->next)
        {
          gsize take = (gsize) MIN ((guint64) (length - i), w->next - w->pos);

          i += take;
          w->pos += take;
          continue;
        }

      w->header[w->n_header++] = data[i++];
      w->pos++;
      if (w->n_header == 8)
        {
          guint32 size = le32 (w->header + 4);

          w->n_header = 0;
          w->next = w->pos + size + (size & 1);
          if (memcmp (w->header, "EXIF", 4) == 0 && size <= MAX_EXIF && w->exif == NULL)
            {
              w->exif = g_byte_array_sized_new (size);
              w->exif_end = w->pos + size;
              w->in_exif = size > 0;
            }
        }
    }
}

/* The Orientation tag of an EXIF block (a TIFF structure), or 0 */
static int
exif_orientation (const guchar *data,
                  gsize         length)
{
  gboolean little;
  guint32 ifd;
  guint count;

  if (length >= 6 && memcmp (data, "Exif\0\0", 6) == 0)
    {
      data += 6;
      length -= 6;
    }
  if (length < 8)
    return 0;
  if (memcmp (data, "II*\0", 4) == 0)
    little = TRUE;
  else if (memcmp (data, "MM\0*", 4) == 0)
    little = FALSE;
  else
    return 0;

  ifd = get32 (data + 4, little);
  if ((guint64) ifd + 2 > length)
    return 0;
  count = get16 (data + ifd, little);
  for (guint k = 0; k < count; k++)
    {
      guint64 entry = (guint64) ifd + 2 + 12 * (guint64) k;

      if (entry + 12 > length)
        break;
      if (get16 (data + entry, little) == 0x0112 && get16 (data + entry + 2, little) == 3)
        return get16 (data + entry + 8, little);
    }

  return 0;
}

/* A TIFF IFD0 field's first value (SHORT or LONG), or @fallback */
static guint32
tiff_field (const guchar *data,
            gsize         length,
            guint16       tag,
            guint32       fallback)
{
  gboolean little = data[0] == 'I';
  guint32 ifd = get32 (data + 4, little);
  guint count;

  if ((guint64) ifd + 2 > length)
    return fallback;
  count = get16 (data + ifd, little);
  for (guint k = 0; k < count; k++)
    {
      guint64 entry = (guint64) ifd + 2 + 12 * (guint64) k;
      guint16 type;
      guint32 n;
      guint64 at;

      if (entry + 12 > length)
        break;
      if (get16 (data + entry, little) != tag)
        continue;

      type = get16 (data + entry + 2, little);
      n = get32 (data + entry + 4, little);
      if (type != 3 && type != 4)
        return fallback;
      at = (type == 3 ? 2 : 4) * (guint64) n <= 4 ? entry + 8 : get32 (data + entry + 8, little);
      if (at + (type == 3 ? 2 : 4) > length)
        return fallback;
      return type == 3 ? get16 (data + at, little) : get32 (data + at, little);
    }

  return fallback;
}

/* io-bmp sizes buffers from the header before any size is known: the header
 * size, the colour map (a 150-byte file can ask for gigabytes). Accept only
 * headers whose fields have values that exist. */
static gboolean
bmp_header_is_sane (const guchar *data,
                    gsize         length)
{
  guint32 offset, header;

  if (length < 26)
    return FALSE;

  offset = le32 (data + 10);
  header = le32 (data + 14);

  if (offset > length)
    return FALSE;

  if (header == 12)
    {
      guint16 bpp = le16 (data + 24);

      return bpp == 1 || bpp == 4 || bpp == 8 || bpp == 24;
    }

  if (header == 16 || header == 40 || header == 52 || header == 56 || header == 64 ||
      header == 108 || header == 124)
    {
      gint32 width, height;
      guint16 bpp;
      guint32 compression, colours;

      if (length < 50)
        return FALSE;

      width = (gint32) le32 (data + 18);
      height = (gint32) le32 (data + 22);
      bpp = le16 (data + 28);
      compression = header >= 40 ? le32 (data + 30) : 0;
      colours = header >= 40 ? le32 (data + 46) : 0;

      return width != G_MININT32 && height != G_MININT32 &&
             ABS (width) <= 65535 && ABS (height) <= 65535 &&
             (bpp == 1 || bpp == 4 || bpp == 8 || bpp == 16 || bpp == 24 || bpp == 32) &&
             compression <= 6 &&
             colours <= 256 && (bpp > 8 || colours <= (1u << bpp));
    }

  return FALSE;
}

/* Whether @data, @length bytes and not NUL-terminated, starts with @prefix, in any case */
static gboolean
starts_with_ci (const guchar *data,
                gsize         length,
                const char   *prefix)
{
  gsize n = strlen (prefix);

  return length >= n && g_ascii_strncasecmp ((const char *) data, prefix, n) == 0;
}

/* What an ISO media file (ftyp box) holds, by its brands, or NULL */
static const char *
describe_ftyp (const guchar *data,
               gsize         length)
{
  static const char *heif[] = { "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs",
                                "mif1", "msf1" };
  gsize end = MIN ((gsize) be32 (data), length);
  gboolean is_heif = FALSE;

  for (gsize at = 8; at + 4 <= end; at += at == 8 ? 8 : 4)
    {
      if (memcmp (data + at, "avif", 4) == 0 || memcmp (data + at, "avis", 4) == 0)
        return _("an AVIF image");
      for (guint k = 0; k < G_N_ELEMENTS (heif); k++)
        is_heif |= memcmp (data + at, heif[k], 4) == 0;
    }

  return is_heif ? _("a HEIF image") : NULL;
}

static char *
describe_content (const guchar *data,
                  gsize         length)
{
  g_autofree char *type = g_content_type_guess (NULL, data, MIN (length, FIRST_WRITE), NULL);
  g_autofree char *mime = g_content_type_get_mime_type (type);

  return g_strdup (mime ? mime : type);
}

static void
set_unsupported (VignetteDecoder  *self,
                 const char       *what,
                 GError          **error)
{
  /* Translators: "photo.jpg is a 12-bit JPEG, which Vignette cannot decode." */
  g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_UNSUPPORTED_FORMAT,
               _("%s is %s, which Vignette cannot decode."), self->name, what);
}

static void
set_png_fault (VignetteDecoder  *self,
               const char       *fault,
               GError          **error)
{
  /* Translators: the second %s says what is wrong, as in "its IDAT chunk is damaged (bad CRC)" */
  g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE,
               _("%s is not a valid PNG file: %s."), self->name, fault);
}

/* Chooses the loader from the first bytes. Only the formats a web page or
 * a photo folder holds are read: the other loaders (ani, icns, qtif, tga,
 * xpm, xbm, pnm…) are old code that strangers' files should not reach.
 * This also spares gdk-pixbuf's sniffing through GIO's MIME database,
 * which is slower and absent in some sandboxes. */
static Sniff
sniff (VignetteDecoder  *self,
       gboolean          final,
       GError          **error)
{
  const guchar *data = self->held->data;
  gsize length = self->held->len;
  gsize skip = 0;

  if (length < 16 && !final)
    return SNIFF_MORE;

  if (length >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    self->kind = KIND_JPEG;
  else if (length >= 8 && memcmp (data, png_signature, 8) == 0)
    self->kind = KIND_PNG;
  else if (length >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    self->kind = KIND_GIF;
  else if (length >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    self->kind = KIND_WEBP;
  else if (length >= 2 && data[0] == 'B' && data[1] == 'M')
    self->kind = KIND_BMP;
  else if (length >= 4 && (memcmp (data, "II*\0", 4) == 0 || memcmp (data, "MM\0*", 4) == 0))
    self->kind = KIND_TIFF;
  else if (length >= 6 && data[0] == 0 && data[1] == 0 && (data[2] == 1 || data[2] == 2) && data[3] == 0)
    self->kind = KIND_ICO;

  switch (self->kind)
    {
    case KIND_BMP:
      {
        guint32 offset = length >= 14 ? le32 (data + 10) : 0;

        /* The header, and the colour map up to the pixels, must be there */
        if (!final && (length < 50 || length < offset) && offset < 64 * 1024 * 1024)
          {
            self->kind = KIND_UNKNOWN;
            return SNIFF_MORE;
          }
        /* BI_JPEG and BI_PNG: meant for printers, read by no loader of ours */
        if (length >= 34 && le32 (data + 14) >= 40 && (le32 (data + 30) == 4 || le32 (data + 30) == 5))
          {
            set_unsupported (self, le32 (data + 30) == 4 ? _("a BMP wrapping a JPEG image")
                                                         : _("a BMP wrapping a PNG image"), error);
            return SNIFF_FAILED;
          }
        if (!bmp_header_is_sane (data, length))
          {
            g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE,
                         /* Translators: the second %s is the decoder's own explanation */
                         _("%s is damaged or incomplete (%s)."),
                         self->name, _("its BMP header is invalid"));
            return SNIFF_FAILED;
          }
      }
      return SNIFF_OK;

    case KIND_ICO:
    case KIND_TIFF:
      self->hold_all = TRUE;
      return SNIFF_OK;

    case KIND_UNKNOWN:
      break;

    case KIND_JPEG:
    case KIND_PNG:
    case KIND_GIF:
    case KIND_WEBP:
    case KIND_SVG:
    default:
      return SNIFF_OK;
    }

  /* Valid images of formats we have no loader for */
  if (length >= 12 && memcmp (data + 4, "ftyp", 4) == 0 && describe_ftyp (data, length) != NULL)
    {
      set_unsupported (self, describe_ftyp (data, length), error);
      return SNIFF_FAILED;
    }
  if ((length >= 2 && data[0] == 0xff && data[1] == 0x0a) ||
      (length >= 12 && memcmp (data, "\0\0\0\x0cJXL \r\n\x87\n", 12) == 0))
    {
      set_unsupported (self, _("a JPEG XL image"), error);
      return SNIFF_FAILED;
    }
  if ((length >= 12 && memcmp (data, "\0\0\0\x0cjP  \r\n\x87\n", 12) == 0) ||
      (length >= 4 && memcmp (data, "\xff\x4f\xff\x51", 4) == 0))
    {
      set_unsupported (self, _("a JPEG 2000 image"), error);
      return SNIFF_FAILED;
    }

  /* A PNG whose signature was damaged, by a text-mode transfer or otherwise */
  if (length >= 16 && (memcmp (data + 1, "PNG", 3) == 0 || memcmp (data + 12, "IHDR", 4) == 0))
    {
      set_png_fault (self, _("its signature is damaged"), error);
      return SNIFF_FAILED;
    }

  /* SVG: XML whose root is <svg>, after a byte-order mark and blanks */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    skip = 3;
  while (skip < length && g_ascii_isspace (data[skip]))
    skip++;
  if (skip < length && data[skip] == '<' && length < FIRST_WRITE && !final)
    return SNIFF_MORE;
  if (starts_with_ci (data + skip, length - skip, "<svg") ||
      starts_with_ci (data + skip, length - skip, "<?xml") ||
      starts_with_ci (data + skip, length - skip, "<!DOCTYPE svg"))
    {
      if (g_strstr_len ((const char *) data + skip, MIN (length - skip, (gsize) FIRST_WRITE), "<svg") != NULL)
        {
          self->kind = KIND_SVG;
          return SNIFF_OK;
        }
    }

  {
    g_autofree char *what = describe_content (data, length);

    if (g_str_has_prefix (what, "text/") || g_str_has_prefix (what, "application/xhtml"))
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_NOT_AN_IMAGE,
                   _("%s is not an image: its content is %s."), self->name, what);
    else
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_UNSUPPORTED_FORMAT,
                   _("%s is in a format Vignette cannot read (%s)."), self->name, what);
  }
  return SNIFF_FAILED;
}

static const char *
loader_type (Kind kind)
{
  switch (kind)
    {
    case KIND_JPEG:
      return "jpeg";
    case KIND_PNG:
      return "png";
    case KIND_GIF:
      return "gif";
    case KIND_WEBP:
      return "webp";
    case KIND_BMP:
      return "bmp";
    case KIND_TIFF:
      return "tiff";
    case KIND_ICO:
      return "ico";
    case KIND_SVG:
      return "svg";
    case KIND_UNKNOWN:
    default:
      g_return_val_if_reached ("png");
    }
}

static const char *
kind_mime_type (Kind kind)
{
  switch (kind)
    {
    case KIND_JPEG:
      return "image/jpeg";
    case KIND_PNG:
      return "image/png";
    case KIND_GIF:
      return "image/gif";
    case KIND_WEBP:
      return "image/webp";
    case KIND_BMP:
      return "image/bmp";
    case KIND_TIFF:
      return "image/tiff";
    case KIND_ICO:
      return "image/x-icon";
    case KIND_SVG:
      return "image/svg+xml";
    case KIND_UNKNOWN:
    default:
      return "application/octet-stream";
    }
}

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         data)
{
  VignetteDecoder *self = data;
  GdkPixbufFormat *format = gdk_pixbuf_loader_get_format (loader);
  g_autofree char *name = format ? gdk_pixbuf_format_get_name (format) : NULL;

  self->width = width;
  self->height = height;
  if (format != NULL)
    {
      g_auto(GStrv) mime_types = gdk_pixbuf_format_get_mime_types (format);

      g_free (self->format_name);
      self->format_name = g_ascii_strup (name ? name : "", -1);
      g_free (self->mime_type);
      self->mime_type = g_strdup (mime_types && mime_types[0] ? mime_types[0] : NULL);
      self->scalable = gdk_pixbuf_format_is_scalable (format);
      /* Not GIF: a first frame may rightly cover only part of the canvas */
      self->tracks_rows = g_strcmp0 (name, "jpeg") == 0 || g_strcmp0 (name, "png") == 0;
    }

  if (width <= 0 || height <= 0)
    {
      self->empty_size = TRUE;
      /* Zero asks the loader to stop before it allocates anything */
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }

  /* A vector image is drawn at the size we ask for, whatever it declares */
  if (self->scalable && g_strcmp0 (name, "svg") == 0)
    {
      int w, h;
      double scale = (double) self->box / MAX (width, height);

      w = MAX (1, (int) (width * scale + 0.5));
      h = MAX (1, (int) (height * scale + 0.5));
      if (!self->reduced_decode)
        {
          w = MAX (w, width);
          h = MAX (h, height);
        }
      if ((guint64) w * (guint64) h > self->max_pixels)
        {
          self->too_many_pixels = TRUE;
          gdk_pixbuf_loader_set_size (loader, 0, 0);
          return;
        }
      gdk_pixbuf_loader_set_size (loader, w, h);
      return;
    }

  if ((guint64) width * (guint64) height > self->max_pixels)
    {
      self->too_many_pixels = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }

  /* libjpeg can decode at 1/2, 1/4 or 1/8 scale by dropping DCT
   * coefficients, several times faster than a full decode. Ask for exactly
   * the largest such scale that still covers the box, so that the loader
   * does not rescale afterwards and we do the one quality resize ourselves. */
  if (self->reduced_decode && g_strcmp0 (name, "jpeg") == 0)
    {
      guint longest = (guint) MAX (width, height);
      guint denom = 1;

      while (denom < 8 && (longest + denom * 2 - 1) / (denom * 2) >= self->box)
        denom *= 2;

      if (denom > 1)
        gdk_pixbuf_loader_set_size (loader,
                                    (int) (((guint) width + denom - 1) / denom),
                                    (int) (((guint) height + denom - 1) / denom));
    }
}

/* gdk-pixbuf's incremental loaders do not report a stream that ends early
 * once the image is allocated (libjpeg pads with grey), so count the rows
 * they say they decoded: a download cut short is a failure, not half a picture. */
static void
on_area_updated (GdkPixbufLoader *loader,
                 int              x,
                 int              y,
                 int              width,
                 int              height,
                 gpointer         data)
{
  VignetteDecoder *self = data;

  self->rows_decoded = MAX (self->rows_decoded, y + height);
}

static gboolean ico_find_largest (const guchar *data,
                                  gsize         length,
                                  gsize        *offset,
                                  gsize        *size);

/* The same for the formats held whole, worked out before the bytes go to
 * the loader, so that they need not be kept while it decodes */
static char *
describe_held (VignetteDecoder *self)
{
  if (self->kind == KIND_TIFF && self->held->len >= 8)
    {
      const guchar *data = self->held->data;
      gsize length = self->held->len;
      guint32 bits = tiff_field (data, length, 258, 1);
      guint32 sample_format = tiff_field (data, length, 339, 1);

      if (sample_format == 3)
        return g_strdup (_("a TIFF with floating-point samples"));
      if (bits != 1 && bits != 2 && bits != 4 && bits != 8 && bits != 16)
        return g_strdup_printf (_("a %u-bit TIFF"), (guint) bits);
    }

  /* gdk-pixbuf reads icons of uncompressed bitmaps only */
  if (self->kind == KIND_ICO)
    {
      gsize offset, size;

      if (ico_find_largest (self->held->data, self->held->len, &offset, &size) &&
          size >= 20 && le32 (self->held->data + offset) >= 40 &&
          (le32 (self->held->data + offset + 16) == 1 || le32 (self->held->data + offset + 16) == 2))
        return g_strdup (_("an icon of RLE-compressed bitmaps"));
    }

  return NULL;
}


/* A valid file in a variant the loaders may lack, said in a few words
 * ("a 12-bit JPEG"), or NULL: used only once the loader has failed */
static char *
describe_variant (VignetteDecoder *self,
                  const GError    *error)
{
  /* Only where libjpeg refused the variant: a truncated or damaged file
   * of a kind it reads (libjpeg-turbo decodes arithmetic coding) is not
   * unsupported. Its words for that: "Unsupported JPEG data precision 12",
   * "Unsupported JPEG process", "Sorry, arithmetic code not supported",
   * and "Suspension not allowed here" from the arithmetic decoder fed in
   * pieces larger than what the loader buffers (but also when the data
   * ends early). */
  if (self->kind == KIND_JPEG && self->jpeg.sof >= 0 && error != NULL &&
      (strstr (error->message, "Unsupported") != NULL || strstr (error->message, "Sorry") != NULL ||
       strstr (error->message, "not supported") != NULL ||
       (strstr (error->message, "Suspension") != NULL && jpeg_is_complete (&self->jpeg))))
    {
      int sof = self->jpeg.sof;

      if (self->jpeg.precision != 8 && self->jpeg.precision > 0)
        return g_strdup_printf (_("a %d-bit JPEG"), self->jpeg.precision);
      if (sof == 0xc3 || sof == 0xc7 || sof == 0xcb || sof == 0xcf)
        return g_strdup (_("a lossless JPEG"));
      if (sof == 0xc5 || sof == 0xc6 || sof == 0xcd || sof == 0xce)
        return g_strdup (_("a hierarchical JPEG"));
      if (sof == 0xc9 || sof == 0xca)
        return g_strdup (_("an arithmetic-coded JPEG"));
    }

  if (self->held_variant != NULL)
    return g_strdup (self->held_variant);

  return NULL;
}

/* The loader's own words without its wrapper around them */
static char *
loader_reason (const GError *error)
{
  static const char *wrappers[] = {
    "Fatal error reading PNG image file: ",
    "Fatal error in PNG image file: ",
    "Error interpreting JPEG image file (",
  };
  const char *message = error->message;
  g_autofree char *inner = NULL;

  for (guint k = 0; k < G_N_ELEMENTS (wrappers); k++)
    if (g_str_has_prefix (message, wrappers[k]))
      {
        gsize n = strlen (wrappers[k]);

        inner = g_strdup (message + n);
        if (wrappers[k][n - 1] == '(' && g_str_has_suffix (inner, ")"))
          inner[strlen (inner) - 1] = '\0';
        break;
      }

  return vignette_clean_message (inner ? inner : message);
}

/* libjpeg's messages about its own state, which say nothing about the file */
static gboolean
is_libjpeg_internal (const char *reason)
{
  static const char *internal[] = {
    "Improper call", "Suspension not allowed", "Wrong JPEG library", "Application transferred",
    "Backing store", "Buffer passed", "Requested features", "Bogus virtual array",
    "Bogus buffer control", "JPEG parameter struct mismatch", "Bogus message code",
  };

  for (guint k = 0; k < G_N_ELEMENTS (internal); k++)
    if (g_str_has_prefix (reason, internal[k]))
      return TRUE;
  return FALSE;
}

static GError *
png_error (VignetteDecoder *self)
{
  const PngWalk *w = &self->png;
  g_autofree char *fault = NULL;
  GError *error = NULL;

  switch (w->fault)
    {
    case PNG_FAULT_SIGNATURE:
      fault = g_strdup (_("its signature is damaged"));
      break;
    case PNG_FAULT_FIRST_CHUNK:
      fault = g_strdup (_("it does not start with its IHDR header"));
      break;
    case PNG_FAULT_CHUNK:
      fault = g_strdup (_("a chunk has an invalid name or length"));
      break;
    case PNG_FAULT_CRC:
      /* Translators: %s is a PNG chunk's name, such as IDAT */
      fault = g_strdup_printf (_("its %s chunk is damaged (bad CRC)"), w->fault_chunk);
      break;
    case PNG_FAULT_HEADER:
      fault = g_strdup (_("its IHDR header holds invalid values"));
      break;
    case PNG_FAULT_COLOUR_TYPE:
      fault = g_strdup_printf (_("its header declares colour type %u, which does not exist"),
                               w->fault_value);
      break;
    case PNG_FAULT_BIT_DEPTH:
      fault = g_strdup_printf (_("its header declares a bit depth of %u, invalid for colour type %u"),
                               w->fault_value, w->fault_value2);
      break;
    case PNG_FAULT_NO_IDAT:
      fault = g_strdup (_("it has no image data (no IDAT chunk)"));
      break;
    case PNG_FAULT_NONE:
    default:
      return NULL;
    }

  set_png_fault (self, fault, &error);
  return error;
}

static GError *
decode_error (VignetteDecoder *self,
              GError          *error)
{
  const char *name = self->name;
  g_autofree char *variant = NULL;
  GError *result = NULL;

  if (self->too_many_pixels && self->max_pixels % 1000000 == 0)
    result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS,
                          /* Translators: "photo.png is 40000 × 40000 pixels, more than the limit of 100 megapixels." */
                          _("%s is %d × %d pixels, more than the limit of %u megapixels."),
                          name, self->width, self->height, (guint) (self->max_pixels / 1000000));
  else if (self->too_many_pixels)
    result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS,
                          /* Translators: "photo.png is 200 × 100 pixels, more than the limit of 19999 pixels." */
                          _("%s is %d × %d pixels, more than the limit of %" PRIu64 " pixels."),
                          name, self->width, self->height, (uint64_t) self->max_pixels);
  else if (self->empty_size)
    result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE,
                          _("%s declares an empty size (%d × %d pixels)."),
                          name, self->width, self->height);
  else if (error != NULL && g_error_matches (error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE))
    /* No loader for it on this system (webp-pixbuf-loader, librsvg) */
    result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_UNSUPPORTED_FORMAT,
                          _("%s is in a format Vignette cannot read (%s)."), name, kind_mime_type (self->kind));
  else if (error != NULL && g_error_matches (error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY))
    result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS,
                          _("%s could not be decoded: not enough memory."), name);
  else if ((variant = describe_variant (self, error)) != NULL)
    set_unsupported (self, variant, &result);
  else if (self->kind == KIND_PNG && (result = png_error (self)) != NULL)
    ;
  else if (self->kind == KIND_PNG && self->png.state == PNG_END && error == NULL)
    set_png_fault (self, _("its compressed image data is damaged"), &result);
  else if ((self->kind == KIND_PNG && self->png.state != PNG_END) ||
           (self->kind == KIND_JPEG && !jpeg_is_complete (&self->jpeg)) ||
           error == NULL)
    result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE,
                          _("%s is incomplete: the data ends before the image does."),
                          name);
  else
    {
      g_autofree char *why = loader_reason (error);

      if (self->kind == KIND_PNG && strlen (why) == 15 && g_str_has_suffix (why, ": CRC error"))
        {
          /* libpng's "IDAT: CRC error" */
          g_autofree char *chunk = g_strndup (why, 4);
          g_autofree char *fault = g_strdup_printf (_("its %s chunk is damaged (bad CRC)"), chunk);

          set_png_fault (self, fault, &result);
        }
      else if (self->kind == KIND_PNG)
        set_png_fault (self, why, &result);
      else if (self->kind == KIND_JPEG && is_libjpeg_internal (why))
        result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE,
                              _("%s is a damaged JPEG file."), name);
      else
        result = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_CORRUPT_IMAGE,
                              /* Translators: the second %s is the decoder's own explanation */
                              _("%s is damaged or incomplete (%s)."),
                              name, why);
    }

  g_clear_error (&error);
  return result;
}

static gboolean
fail (VignetteDecoder  *self,
      GError           *local_error,
      GError          **error)
{
  if (self->error == NULL)
    self->error = decode_error (self, local_error);
  else
    g_clear_error (&local_error);

  if (self->loader != NULL && !self->loader_closed)
    {
      gdk_pixbuf_loader_close (self->loader, NULL);
      self->loader_closed = TRUE;
    }

  if (error != NULL)
    *error = g_error_copy (self->error);
  return FALSE;
}

static gboolean
feed_loader (VignetteDecoder  *self,
             const guchar     *data,
             gsize             length,
             GError          **error)
{
  GError *local_error = NULL;

  if (length == 0)
    return TRUE;

  if (self->loader == NULL)
    {
      self->loader = gdk_pixbuf_loader_new_with_type (loader_type (self->kind), &local_error);
      if (self->loader == NULL)
        return fail (self, local_error, error);
      g_signal_connect (self->loader, "size-prepared", G_CALLBACK (on_size_prepared), self);
      g_signal_connect (self->loader, "area-updated", G_CALLBACK (on_area_updated), self);
    }

  if (!gdk_pixbuf_loader_write (self->loader, data, length, &local_error) ||
      self->too_many_pixels || self->empty_size)
    return fail (self, local_error, error);

  return TRUE;
}

/* Bytes whose format is known: past the walkers, then to the loader or held */
static gboolean
feed (VignetteDecoder  *self,
      const guchar     *data,
      gsize             length,
      GError          **error)
{
  switch (self->kind)
    {
    case KIND_JPEG:
      jpeg_walk (&self->jpeg, data, length);
      /* libjpeg's arithmetic decoder cannot suspend when the data runs
       * out: give it the whole stream at once (the frame header comes
       * before any scan, so the loader has nothing to decode yet) */
      if (self->jpeg.sof >= 0xc9 && self->jpeg.sof != 0xcc)
        self->hold_all = TRUE;
      break;
    case KIND_PNG:
      png_walk (&self->png, data, length);
      break;
    case KIND_WEBP:
      riff_walk (&self->riff, data, length);
      break;
    case KIND_GIF:
    case KIND_BMP:
    case KIND_TIFF:
    case KIND_ICO:
    case KIND_SVG:
    case KIND_UNKNOWN:
    default:
      break;
    }

  if (self->hold_all)
    {
      g_byte_array_append (self->held, data, (guint) length);
      return TRUE;
    }

  return feed_loader (self, data, length, error);
}

/**
 * vignette_decoder_new:
 * @display_name: how errors name the image
 * @box: the largest thumbnail wanted: a reduced decode still covers it
 * @max_pixels: the most pixels an image may declare (0: the default)
 * @reduced_decode: let the loader scale down (JPEG DCT scaling, SVG)
 */
VignetteDecoder *
vignette_decoder_new (const char *display_name,
                      guint       box,
                      guint64     max_pixels,
                      gboolean    reduced_decode)
{
  VignetteDecoder *self = g_object_new (VIGNETTE_TYPE_DECODER, NULL);

  self->name = g_strdup (display_name);
  self->box = box;
  self->max_pixels = max_pixels > 0 ? max_pixels : G_GUINT64_CONSTANT (100) * 1000 * 1000;
  self->reduced_decode = reduced_decode;

  return self;
}

/**
 * vignette_decoder_write:
 *
 * Gives the decoder the next @length bytes of the image. The first write
 * should be small (a few KiB): the loader learns the size from the header
 * and refuses it before it inflates the rest.
 *
 * Returns: %FALSE with a one-sentence @error once the image is known to be unusable
 */
gboolean
vignette_decoder_write (VignetteDecoder  *self,
                        const guchar     *data,
                        gsize             length,
                        GError          **error)
{
  g_autoptr(GByteArray) head = NULL;

  g_return_val_if_fail (VIGNETTE_IS_DECODER (self), FALSE);
  g_return_val_if_fail (!self->finished, FALSE);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }

  self->n_written += length;
  if (self->kind != KIND_UNKNOWN)
    return feed (self, data, length, error);

  g_byte_array_append (self->held, data, (guint) length);
  switch (sniff (self, FALSE, &self->error))
    {
    case SNIFF_MORE:
      return TRUE;
    case SNIFF_FAILED:
      return fail (self, NULL, error);
    case SNIFF_OK:
    default:
      break;
    }

  head = g_steal_pointer (&self->held);
  self->held = g_byte_array_new ();
  return feed (self, head->data, head->len, error);
}

/* Where an ICO's largest icon is: the one gdk-pixbuf would choose too */
static gboolean
ico_find_largest (const guchar *data,
                  gsize         length,
                  gsize        *offset,
                  gsize        *size)
{
  guint count;
  guint best_area = 0, best_bpp = 0;
  gsize best_offset = 0, best_size = 0;
  gboolean found = FALSE;

  if (length < 6)
    return FALSE;

  count = le16 (data + 4);
  for (guint k = 0; k < count; k++)
    {
      const guchar *entry = data + 6 + 16 * (gsize) k;
      guint w, h, area, bpp;

      if (6 + 16 * (gsize) (k + 1) > length)
        break;
      w = entry[0] ? entry[0] : 256;
      h = entry[1] ? entry[1] : 256;
      area = w * h;
      bpp = le16 (entry + 6);
      if (!found || area > best_area || (area == best_area && bpp > best_bpp))
        {
          found = TRUE;
          best_area = area;
          best_bpp = bpp;
          best_size = le32 (entry + 8);
          best_offset = le32 (entry + 12);
        }
    }

  if (!found || best_offset >= length || length - best_offset < 8)
    return FALSE;

  *offset = best_offset;
  *size = MIN (best_size, length - best_offset);
  return TRUE;
}

/* An ICO whose largest icon is a PNG (every favicon since Windows Vista),
 * which gdk-pixbuf 2.42 does not read: where that PNG is */
static gboolean
ico_find_png (const guchar *data,
              gsize         length,
              gsize        *offset,
              gsize        *size)
{
  return ico_find_largest (data, length, offset, size) &&
         memcmp (data + *offset, png_signature, 8) == 0;
}

static GdkPixbuf *
finish_ico_png (VignetteDecoder  *self,
                gsize             offset,
                gsize             size,
                GError          **error)
{
  g_autoptr(VignetteDecoder) inner = vignette_decoder_new (self->name, self->box,
                                                           self->max_pixels, self->reduced_decode);
  g_autoptr(GBytes) png = g_bytes_new (self->held->data + offset, size);
  GdkPixbuf *pixbuf;

  pixbuf = vignette_decoder_decode_bytes (inner, png, NULL, &self->error);
  if (pixbuf == NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;
    }

  self->width = inner->width;
  self->height = inner->height;
  self->scalable = FALSE;
  g_free (self->format_name);
  self->format_name = g_strdup ("ICO");
  g_free (self->mime_type);
  self->mime_type = g_strdup (kind_mime_type (KIND_ICO));

  return pixbuf;
}

/* A phone photo taken upright is stored sideways with an EXIF tag */
static GdkPixbuf *
orient (VignetteDecoder *self,
        GdkPixbuf       *pixbuf)
{
  GdkPixbuf *oriented;
  const char *orientation;

  /* The WebP loader does not read EXIF: tell gdk-pixbuf what the chunk says */
  if (self->kind == KIND_WEBP && self->riff.exif != NULL && !self->riff.in_exif &&
      gdk_pixbuf_get_option (pixbuf, "orientation") == NULL)
    {
      int value = exif_orientation (self->riff.exif->data, self->riff.exif->len);

      if (value >= 2 && value <= 8)
        {
          char text[2] = { (char) ('0' + value), '\0' };

          gdk_pixbuf_set_option (pixbuf, "orientation", text);
        }
    }

  oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  orientation = gdk_pixbuf_get_option (pixbuf, "orientation");

  /* Orientations 5 to 8 swap the sides */
  if (oriented != pixbuf && orientation != NULL && orientation[0] >= '5' && orientation[0] <= '8')
    {
      int swap = self->width;
      self->width = self->height;
      self->height = swap;
    }

  return oriented;
}

/**
 * vignette_decoder_finish:
 *
 * Ends the data and returns the picture, upright. Call it once.
 *
 * Returns: (transfer full): the picture, or %NULL with a one-sentence @error
 */
GdkPixbuf *
vignette_decoder_finish (VignetteDecoder  *self,
                         GError          **error)
{
  GError *local_error = NULL;
  GdkPixbuf *pixbuf;
  gsize offset, size;

  g_return_val_if_fail (VIGNETTE_IS_DECODER (self), NULL);
  g_return_val_if_fail (!self->finished, NULL);

  self->finished = TRUE;

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return NULL;
    }

  if (self->n_written == 0)
    {
      g_set_error (&self->error, VIGNETTE_ERROR, VIGNETTE_ERROR_EMPTY,
                   _("%s is empty (0 bytes)."), self->name);
      fail (self, NULL, error);
      return NULL;
    }

  if (self->kind == KIND_UNKNOWN)
    {
      g_autoptr(GByteArray) head = NULL;

      if (sniff (self, TRUE, &self->error) != SNIFF_OK)
        {
          fail (self, NULL, error);
          return NULL;
        }
      head = g_steal_pointer (&self->held);
      self->held = g_byte_array_new ();
      if (!feed (self, head->data, head->len, error))
        return NULL;
    }

  if (self->hold_all)
    {
      if (self->kind == KIND_ICO && ico_find_png (self->held->data, self->held->len, &offset, &size))
        {
          pixbuf = finish_ico_png (self, offset, size, error);
          g_clear_pointer (&self->held, g_byte_array_unref);
          return pixbuf;
        }

      gboolean ok;

      self->held_variant = describe_held (self);
      ok = feed_loader (self, self->held->data, self->held->len, error);
      g_clear_pointer (&self->held, g_byte_array_unref);
      if (!ok)
        return NULL;
    }

  if (self->loader == NULL)
    {
      fail (self, NULL, error);
      return NULL;
    }

  self->loader_closed = TRUE;
  if (!gdk_pixbuf_loader_close (self->loader, &local_error) ||
      self->too_many_pixels || self->empty_size ||
      gdk_pixbuf_loader_get_pixbuf (self->loader) == NULL)
    {
      fail (self, local_error, error);
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (self->loader);

  if ((self->tracks_rows && self->rows_decoded < gdk_pixbuf_get_height (pixbuf)) ||
      (self->kind == KIND_JPEG && !jpeg_is_complete (&self->jpeg)))
    {
      fail (self, NULL, error);
      return NULL;
    }

  return orient (self, pixbuf);
}

/**
 * vignette_decoder_decode_bytes:
 *
 * The whole image at once: a small first write, then the rest, then finish.
 *
 * Returns: (transfer full): the picture, or %NULL with a one-sentence @error
 */
GdkPixbuf *
vignette_decoder_decode_bytes (VignetteDecoder  *self,
                               GBytes           *data,
                               GCancellable     *cancellable,
                               GError          **error)
{
  gsize length;
  const guchar *bytes = g_bytes_get_data (data, &length);

  /* The first write is small: the header declares the size, and a loader
   * goes on inflating the rest of a write even after size-prepared refused
   * it (a 1-bit PNG bomb inflates a thousandfold). The rest goes in one
   * write: libjpeg suspends and restarts its current row each time the data
   * runs out, and 256 KiB pieces cost 15 % more than one buffer. */
  for (gsize offset = 0, chunk = FIRST_WRITE; offset < length; offset += chunk, chunk = length)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !vignette_decoder_write (self, bytes + offset, MIN (chunk, length - offset), error))
        return NULL;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  return vignette_decoder_finish (self, error);
}

/* The original's size, as it is shown (after the EXIF orientation) */
void
vignette_decoder_get_size (VignetteDecoder *self,
                           int             *width,
                           int             *height)
{
  g_return_if_fail (VIGNETTE_IS_DECODER (self));

  *width = self->width;
  *height = self->height;
}

/* "JPEG", "PNG"…: gdk-pixbuf's name of the format, in capitals */
const char *
vignette_decoder_get_format_name (VignetteDecoder *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DECODER (self), NULL);
  return self->format_name;
}

const char *
vignette_decoder_get_mime_type (VignetteDecoder *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DECODER (self), NULL);
  return self->mime_type;
}

/* A vector image, drawn at the size asked for */
gboolean
vignette_decoder_is_scalable (VignetteDecoder *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DECODER (self), FALSE);
  return self->scalable;
}

static void
vignette_decoder_dispose (GObject *object)
{
  VignetteDecoder *self = (VignetteDecoder *)object;

  if (self->loader != NULL && !self->loader_closed)
    gdk_pixbuf_loader_close (self->loader, NULL);
  self->loader_closed = TRUE;
  if (self->loader != NULL)
    g_signal_handlers_disconnect_by_data (self->loader, self);
  g_clear_object (&self->loader);

  G_OBJECT_CLASS (vignette_decoder_parent_class)->dispose (object);
}

static void
vignette_decoder_finalize (GObject *object)
{
  VignetteDecoder *self = (VignetteDecoder *)object;

  g_free (self->name);
  g_free (self->format_name);
  g_free (self->mime_type);
  g_free (self->held_variant);
  g_clear_pointer (&self->held, g_byte_array_unref);
  g_clear_pointer (&self->riff.exif, g_byte_array_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (vignette_decoder_parent_class)->finalize (object);
}

static void
vignette_decoder_class_init (VignetteDecoderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vignette_decoder_dispose;
  object_class->finalize = vignette_decoder_finalize;
}

static void
vignette_decoder_init (VignetteDecoder *self)
{
  self->held = g_byte_array_new ();
  self->jpeg.sof = -1;
  self->riff.next = 12;  /* after "RIFF", the size and "WEBP" */
}
