/* vignette-texture-cache.c: stored thumbnails decoded for display, off the main thread, with a bounded LRU
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run keeps every thumbnail encoded (JPEG or PNG, a few kilobytes); only
 * what is on screen needs pixels. Cards ask here for the texture of one
 * stored size: a recent one comes from the LRU at once, otherwise the bytes
 * are decoded on a worker and the texture is made back on the main thread.
 * The LRU is bounded in bytes of pixels, so memory stays flat however many
 * images a gallery has; cards drop their own reference when they are
 * recycled.
 *
 * The decoding uses its own thumbnailer on a small pool rather than the
 * run's: the run's workers are busy for hundreds of milliseconds per
 * original while a gallery fills, and a card that scrolls into view should
 * not wait behind them for a decode that takes a millisecond.
 */
#include "config.h"

#include "vignette-texture-cache.h"
#include "vignette-thumbnailer.h"
#include "vignette-workers.h"

typedef struct {
  GBytes     *key;      /* the encoded thumbnail; held, so its address stays unique */
  GdkTexture *texture;
  gsize       n_bytes;
} Entry;

struct _VignetteTextureCache
{
  GObject              parent_instance;

  VignetteThumbnailer *thumbnailer;
  GHashTable          *entries;   /* GBytes* → GList* link in lru */
  GQueue               lru;       /* of Entry, most recent first */
  gsize                max_bytes;
  gsize                n_bytes;
  guint                n_decoded;
};

G_DEFINE_FINAL_TYPE (VignetteTextureCache, vignette_texture_cache, G_TYPE_OBJECT)

static void
entry_free (Entry *entry)
{
  g_bytes_unref (entry->key);
  g_object_unref (entry->texture);
  g_free (entry);
}

static void
evict_to (VignetteTextureCache *self,
          gsize                 budget)
{
  while (self->n_bytes > budget && self->lru.tail != NULL)
    {
      Entry *entry = g_queue_pop_tail (&self->lru);

      g_hash_table_remove (self->entries, entry->key);
      self->n_bytes -= entry->n_bytes;
      entry_free (entry);
    }
}

static void
insert (VignetteTextureCache *self,
        GBytes               *key,
        GdkTexture           *texture)
{
  Entry *entry;
  GList *link = g_hash_table_lookup (self->entries, key);

  if (link != NULL)
    return;

  entry = g_new0 (Entry, 1);
  entry->key = g_bytes_ref (key);
  entry->texture = g_object_ref (texture);
  entry->n_bytes = (gsize) gdk_texture_get_width (texture) * gdk_texture_get_height (texture) * 4;

  g_queue_push_head (&self->lru, entry);
  g_hash_table_insert (self->entries, key, self->lru.head);
  self->n_bytes += entry->n_bytes;

  evict_to (self, self->max_bytes);
}

static void
vignette_texture_cache_finalize (GObject *object)
{
  VignetteTextureCache *self = VIGNETTE_TEXTURE_CACHE (object);

  vignette_texture_cache_clear (self);
  g_hash_table_unref (self->entries);
  g_clear_object (&self->thumbnailer);

  G_OBJECT_CLASS (vignette_texture_cache_parent_class)->finalize (object);
}

static void
vignette_texture_cache_class_init (VignetteTextureCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vignette_texture_cache_finalize;
}

static void
vignette_texture_cache_init (VignetteTextureCache *self)
{
  g_autoptr(VignetteWorkers) workers = vignette_workers_new (MIN (2, vignette_default_n_threads ()));

  self->thumbnailer = vignette_thumbnailer_new (workers);
  self->entries = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_queue_init (&self->lru);
}

VignetteTextureCache *
vignette_texture_cache_new (gsize max_bytes)
{
  VignetteTextureCache *self = g_object_new (VIGNETTE_TYPE_TEXTURE_CACHE, NULL);

  self->max_bytes = max_bytes;
  return self;
}

/**
 * vignette_texture_cache_lookup:
 *
 * Returns: (transfer full) (nullable): the texture when it is in the cache
 */
GdkTexture *
vignette_texture_cache_lookup (VignetteTextureCache    *self,
                               const VignetteThumbnail *thumbnail)
{
  GList *link;
  Entry *entry;

  g_return_val_if_fail (VIGNETTE_IS_TEXTURE_CACHE (self), NULL);
  g_return_val_if_fail (thumbnail != NULL, NULL);

  link = g_hash_table_lookup (self->entries, thumbnail->bytes);
  if (link == NULL)
    return NULL;

  /* Most recent first */
  g_queue_unlink (&self->lru, link);
  g_queue_push_head_link (&self->lru, link);
  g_hash_table_insert (self->entries, thumbnail->bytes, link);

  entry = link->data;
  return g_object_ref (entry->texture);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  VignetteTextureCache *self = g_task_get_source_object (task);
  GBytes *key = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  pixbuf = vignette_thumbnailer_load_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->n_decoded++;

  /* Shares the pixbuf's pixels: no copy on the main thread */
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  insert (self, key, texture);
  g_task_return_pointer (task, g_steal_pointer (&texture), g_object_unref);
}

void
vignette_texture_cache_load_async (VignetteTextureCache    *self,
                                   const VignetteThumbnail *thumbnail,
                                   GCancellable            *cancellable,
                                   GAsyncReadyCallback      callback,
                                   gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  GdkTexture *texture;

  g_return_if_fail (VIGNETTE_IS_TEXTURE_CACHE (self));
  g_return_if_fail (thumbnail != NULL && thumbnail->bytes != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_texture_cache_load_async);
  g_task_set_task_data (task, g_bytes_ref (thumbnail->bytes), (GDestroyNotify) g_bytes_unref);

  texture = vignette_texture_cache_lookup (self, thumbnail);
  if (texture != NULL)
    {
      g_task_return_pointer (task, texture, g_object_unref);
      return;
    }

  vignette_thumbnailer_load_async (self->thumbnailer, thumbnail->bytes, cancellable,
                                   on_loaded, g_steal_pointer (&task));
}

GdkTexture *
vignette_texture_cache_load_finish (VignetteTextureCache  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A new run: the old run's thumbnails are of no more use */
void
vignette_texture_cache_clear (VignetteTextureCache *self)
{
  g_return_if_fail (VIGNETTE_IS_TEXTURE_CACHE (self));

  g_hash_table_remove_all (self->entries);
  g_queue_clear_full (&self->lru, (GDestroyNotify) entry_free);
  self->n_bytes = 0;
}

gsize
vignette_texture_cache_get_bytes (VignetteTextureCache *self)
{
  g_return_val_if_fail (VIGNETTE_IS_TEXTURE_CACHE (self), 0);
  return self->n_bytes;
}

guint
vignette_texture_cache_get_n_entries (VignetteTextureCache *self)
{
  g_return_val_if_fail (VIGNETTE_IS_TEXTURE_CACHE (self), 0);
  return self->lru.length;
}

/* How many thumbnails were decoded (not found in the cache) */
guint
vignette_texture_cache_get_n_decoded (VignetteTextureCache *self)
{
  g_return_val_if_fail (VIGNETTE_IS_TEXTURE_CACHE (self), 0);
  return self->n_decoded;
}

/* The largest stored thumbnail whose real size fits in width × height, or
 * the smallest one when none fits */
const VignetteThumbnail *
vignette_thumbnails_pick_fitting (VignetteThumbnails *thumbnails,
                                  int                 width,
                                  int                 height)
{
  const VignetteThumbnail *best = NULL;
  const VignetteThumbnail *smallest = NULL;

  g_return_val_if_fail (thumbnails != NULL, NULL);

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
    {
      const VignetteThumbnail *t = vignette_thumbnails_get_nth (thumbnails, i);

      if (t->width <= width && t->height <= height && (best == NULL || t->size > best->size))
        best = t;
      if (smallest == NULL || t->size < smallest->size)
        smallest = t;
    }

  return best ? best : smallest;
}
