/* vignette-thumbnail-cache.c: the freedesktop.org Thumbnail Managing Standard cache
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * https://specifications.freedesktop.org/thumbnail-spec/latest/: PNG files
 * named after the MD5 of the file's URI, in one folder per size, carrying the
 * URI and the modification time in tEXt chunks so that a stale entry is seen.
 * Nautilus and the file chooser read and write the same files.
 */
#include "config.h"

#include "vignette-png.h"
#include "vignette-thumbnail-cache.h"

static const VignetteCacheFlavor flavors[] = {
  { "normal", 128 },
  { "large", 256 },
  { "x-large", 512 },
  { "xx-large", 1024 },
};

/* The smallest flavor whose images are at least @size, or NULL past 1024 */
const VignetteCacheFlavor *
vignette_cache_flavor_for_size (guint size)
{
  for (guint i = 0; i < G_N_ELEMENTS (flavors); i++)
    if (flavors[i].size >= size)
      return &flavors[i];

  return NULL;
}

static char *
cache_basename (const char *uri)
{
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, uri, -1);

  return g_strconcat (md5, ".png", NULL);
}

char *
vignette_cache_get_path (const char *flavor,
                         const char *uri)
{
  g_autofree char *basename = cache_basename (uri);

  return g_build_filename (g_get_user_cache_dir (), "thumbnails", flavor, basename, NULL);
}

char *
vignette_cache_get_fail_path (const char *uri)
{
  g_autofree char *basename = cache_basename (uri);
  g_autofree char *folder = g_strconcat ("vignette-", PACKAGE_VERSION, NULL);

  return g_build_filename (g_get_user_cache_dir (), "thumbnails", "fail", folder, basename, NULL);
}

gboolean
vignette_cache_pixbuf_is_valid (GdkPixbuf  *pixbuf,
                                const char *uri,
                                guint64     mtime)
{
  const char *thumb_uri = gdk_pixbuf_get_option (pixbuf, "tEXt::Thumb::URI");
  const char *thumb_mtime = gdk_pixbuf_get_option (pixbuf, "tEXt::Thumb::MTime");
  guint64 value;

  if (g_strcmp0 (thumb_uri, uri) != 0 || thumb_mtime == NULL)
    return FALSE;

  if (!g_ascii_string_to_unsigned (thumb_mtime, 10, 0, G_MAXUINT64, &value, NULL))
    return FALSE;

  return value == mtime;
}

GBytes *
vignette_cache_encode (GdkPixbuf   *pixbuf,
                       const char  *uri,
                       guint64      mtime,
                       int          original_width,
                       int          original_height,
                       GError     **error)
{
  g_autofree char *mtime_text = g_strdup_printf ("%" G_GUINT64_FORMAT, mtime);
  g_autofree char *width_text = g_strdup_printf ("%d", original_width);
  g_autofree char *height_text = g_strdup_printf ("%d", original_height);
  g_autofree char *software = g_strconcat ("Vignette ", PACKAGE_VERSION, NULL);
  const char * const keys[] = {
    "Thumb::URI", "Thumb::MTime", "Thumb::Image::Width", "Thumb::Image::Height", "Software", NULL
  };
  const char * const values[] = { uri, mtime_text, width_text, height_text, software, NULL };

  return vignette_png_encode (pixbuf, keys, values, error);
}
