/* vignette-thumbnails.c: what the thumbnailer makes of one image
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain ref-counted record rather than a GObject: it is built on a worker
 * thread, handed to the main thread once, and never changes afterwards.
 */
#include "config.h"

#include "vignette-thumbnails.h"

struct _VignetteThumbnails
{
  gatomicrefcount ref_count;
  int             original_width;
  int             original_height;
  char           *format_name;
  char           *mime_type;
  VignetteFormat  encoding;
  gboolean        from_cache;
  GArray         *sizes;          /* of VignetteThumbnail, ascending by size */
  GArray         *cache_entries;  /* of VignetteCacheEntry */
};

G_DEFINE_BOXED_TYPE (VignetteThumbnails, vignette_thumbnails,
                     vignette_thumbnails_ref, vignette_thumbnails_unref)

static void
clear_thumbnail (gpointer data)
{
  VignetteThumbnail *thumbnail = data;

  g_clear_pointer (&thumbnail->bytes, g_bytes_unref);
}

static void
clear_cache_entry (gpointer data)
{
  VignetteCacheEntry *entry = data;

  g_clear_pointer (&entry->bytes, g_bytes_unref);
}

VignetteThumbnails *
vignette_thumbnails_new (int             original_width,
                         int             original_height,
                         const char     *format_name,
                         const char     *mime_type,
                         VignetteFormat  encoding)
{
  VignetteThumbnails *self = g_new0 (VignetteThumbnails, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->original_width = original_width;
  self->original_height = original_height;
  self->format_name = g_strdup (format_name);
  self->mime_type = g_strdup (mime_type);
  self->encoding = encoding;
  self->sizes = g_array_new (FALSE, TRUE, sizeof (VignetteThumbnail));
  g_array_set_clear_func (self->sizes, clear_thumbnail);
  self->cache_entries = g_array_new (FALSE, TRUE, sizeof (VignetteCacheEntry));
  g_array_set_clear_func (self->cache_entries, clear_cache_entry);

  return self;
}

VignetteThumbnails *
vignette_thumbnails_ref (VignetteThumbnails *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
vignette_thumbnails_unref (VignetteThumbnails *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->format_name);
  g_free (self->mime_type);
  g_array_unref (self->sizes);
  g_array_unref (self->cache_entries);
  g_free (self);
}

void
vignette_thumbnails_add (VignetteThumbnails *self,
                         guint               size,
                         int                 width,
                         int                 height,
                         GBytes             *bytes)
{
  VignetteThumbnail thumbnail = { size, width, height, g_bytes_ref (bytes) };
  guint i;

  for (i = 0; i < self->sizes->len; i++)
    if (g_array_index (self->sizes, VignetteThumbnail, i).size > size)
      break;

  g_array_insert_val (self->sizes, i, thumbnail);
}

void
vignette_thumbnails_add_cache_entry (VignetteThumbnails *self,
                                     const char         *flavor,
                                     guint               size,
                                     GBytes             *bytes)
{
  VignetteCacheEntry entry = { g_intern_string (flavor), size, g_bytes_ref (bytes) };

  g_array_append_val (self->cache_entries, entry);
}

int
vignette_thumbnails_get_original_width (VignetteThumbnails *self)
{
  return self->original_width;
}

int
vignette_thumbnails_get_original_height (VignetteThumbnails *self)
{
  return self->original_height;
}

const char *
vignette_thumbnails_get_format_name (VignetteThumbnails *self)
{
  return self->format_name;
}

const char *
vignette_thumbnails_get_mime_type (VignetteThumbnails *self)
{
  return self->mime_type;
}

VignetteFormat
vignette_thumbnails_get_encoding (VignetteThumbnails *self)
{
  return self->encoding;
}

guint
vignette_thumbnails_get_n_sizes (VignetteThumbnails *self)
{
  return self->sizes->len;
}

const VignetteThumbnail *
vignette_thumbnails_get_nth (VignetteThumbnails *self,
                             guint               position)
{
  g_return_val_if_fail (position < self->sizes->len, NULL);

  return &g_array_index (self->sizes, VignetteThumbnail, position);
}

/* The smallest thumbnail that is at least @size, else the largest one */
const VignetteThumbnail *
vignette_thumbnails_lookup (VignetteThumbnails *self,
                            guint               size)
{
  if (self->sizes->len == 0)
    return NULL;

  for (guint i = 0; i < self->sizes->len; i++)
    {
      const VignetteThumbnail *thumbnail = &g_array_index (self->sizes, VignetteThumbnail, i);

      if (thumbnail->size >= size)
        return thumbnail;
    }

  return &g_array_index (self->sizes, VignetteThumbnail, self->sizes->len - 1);
}

/* TRUE when the original was too small for at least one requested size, so
 * that size holds the original dimensions instead of an upscaled copy. */
gboolean
vignette_thumbnails_is_upscale_limited (VignetteThumbnails *self)
{
  for (guint i = 0; i < self->sizes->len; i++)
    {
      const VignetteThumbnail *thumbnail = &g_array_index (self->sizes, VignetteThumbnail, i);

      if ((guint) MAX (thumbnail->width, thumbnail->height) < thumbnail->size)
        return TRUE;
    }

  return FALSE;
}

guint
vignette_thumbnails_get_n_cache_entries (VignetteThumbnails *self)
{
  return self->cache_entries->len;
}

const VignetteCacheEntry *
vignette_thumbnails_get_cache_entry (VignetteThumbnails *self,
                                     guint               position)
{
  g_return_val_if_fail (position < self->cache_entries->len, NULL);

  return &g_array_index (self->cache_entries, VignetteCacheEntry, position);
}

void
vignette_thumbnails_clear_cache_entries (VignetteThumbnails *self)
{
  g_array_set_size (self->cache_entries, 0);
}

gboolean
vignette_thumbnails_get_from_cache (VignetteThumbnails *self)
{
  return self->from_cache;
}

void
vignette_thumbnails_set_from_cache (VignetteThumbnails *self,
                                    gboolean            from_cache)
{
  self->from_cache = !!from_cache;
}

