/* fuzz-thumbnail.c: libFuzzer harness for image decoding and thumbnailing
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bytes are an image from a stranger's server (or a thumbnail cache
 * entry that another program wrote). vignette_make_thumbnails() must either
 * give thumbnails that fit their boxes or fail with one sentence; small sizes
 * and a low pixel limit keep each input fast.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "vignette-error.h"
#include "vignette-thumbnailer.h"

#define MAX_PIXELS (G_GUINT64_CONSTANT (1000) * 1000)

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const guint sizes[] = { 64, 32, 16 };
static const char cache_uri[] = "file:///tmp/vignette-fuzz/photo.png";

static void
fail (const char *what,
      const char *detail)
{
  g_printerr ("fuzz-thumbnail: %s: %s\n", what, detail ? detail : "");
  abort ();
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  GSList *formats;

  /* gdk-pixbuf reads its loader list and shared-mime-info its database once:
   * do it before the first input so that it is not counted as a leak. */
  formats = gdk_pixbuf_get_formats ();
  g_slist_free (formats);
  g_free (g_content_type_guess (NULL, (const guchar *) "GIF89a", 6, NULL));
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  VignetteThumbnailParams params = { 0 };
  guint variant;

  if (size > 1024 * 1024)
    return 0;

  /* The settings vary with the input, but never with anything else, so
   * that a crash always reproduces from the saved input alone. */
  variant = size % 6;

  bytes = g_bytes_new (data, size);
  params.sizes = sizes;
  params.n_sizes = G_N_ELEMENTS (sizes);
  params.format = (variant % 3 == 1) ? VIGNETTE_FORMAT_JPEG : VIGNETTE_FORMAT_PNG;
  params.compact = variant % 3 == 2;
  params.max_pixels = MAX_PIXELS;
  params.reduced_decode = variant < 3;
  params.strategy = (variant % 2) ? VIGNETTE_SCALE_FROM_DECODED : VIGNETTE_SCALE_FROM_PREVIOUS;
  if (variant == 4)
    {
      /* The bytes as a freedesktop cache entry to check and reuse */
      params.cache_uri = cache_uri;
      params.cache_mtime = 1700000000;
      params.from_cache = TRUE;
    }
  else if (variant == 5)
    {
      /* Also make cache entries (128 and 256 pixels: still small) */
      params.cache_uri = cache_uri;
      params.cache_mtime = 1700000000;
    }

  thumbnails = vignette_make_thumbnails (bytes, &params, "fuzz.img", NULL, &error);
  if (thumbnails == NULL)
    {
      if (error == NULL)
        fail ("no thumbnails and no error", NULL);
      if (error->domain != VIGNETTE_ERROR)
        fail ("an error outside the Vignette domain", error->message);
      if (error->message == NULL || *error->message == '\0' || !g_utf8_validate (error->message, -1, NULL))
        fail ("an empty or invalid error message", NULL);
      return 0;
    }

  if (error != NULL)
    fail ("thumbnails and an error", error->message);
  if (vignette_thumbnails_get_n_sizes (thumbnails) != G_N_ELEMENTS (sizes))
    fail ("not one thumbnail per size", NULL);

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (thumbnails, i);

      if (thumbnail->width < 1 || thumbnail->height < 1 ||
          (guint) thumbnail->width > thumbnail->size || (guint) thumbnail->height > thumbnail->size)
        fail ("a thumbnail that does not fit its box", NULL);
      if (thumbnail->bytes == NULL || g_bytes_get_size (thumbnail->bytes) == 0)
        fail ("an empty encoded thumbnail", NULL);
    }

  if (vignette_thumbnails_get_original_width (thumbnails) < 1 ||
      vignette_thumbnails_get_original_height (thumbnails) < 1)
    fail ("an original without a size", NULL);

  return 0;
}
