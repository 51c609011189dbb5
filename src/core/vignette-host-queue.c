/* vignette-host-queue.c: the one place that decides which item starts next
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Items waiting to start sit in one FIFO per host and class (images before
 * pages). An item may start when, all at once:
 *
 *   - fewer than max-total items hold a slot (requests in flight, files
 *     being read);
 *   - its host has a free slot: max-per-host for an HTTP/1.x host (one
 *     request per connection), max-total for an HTTP/2 host (every request
 *     is a stream on one connection, which costs the server nothing more)
 *     and for local files;
 *   - its host is not paused (a server that answered Retry-After);
 *   - the item's own not-before time has passed (a retry's backoff);
 *   - for an image, fewer than max-decoding originals wait for a worker
 *     (backpressure: memory stays bounded however large the gallery).
 *
 * Hosts take turns (the host that started something goes to the back), so
 * one host with a long backlog never holds the slots another could use, and
 * an item waiting for a retry holds no slot at all. No I/O and no clock of
 * its own: the caller passes the time, so the rules are unit-tested without
 * a network (tests/test-host-queue.c).
 */
#include "config.h"

#include <string.h>

#include "vignette-host-queue.h"

typedef struct {
  gpointer item;
  gint64   not_before;
} Entry;

typedef struct {
  char             *key;
  GQueue            queued[VIGNETTE_QUEUE_N_CLASSES];  /* of Entry */
  guint             active;
  gint64            paused_until;
  VignetteProtocol  protocol;
  gboolean          local;
  GList            *link;  /* in the queue's order */
} Host;

struct _VignetteHostQueue
{
  GHashTable     *hosts;   /* key → Host */
  GQueue          order;   /* Host, the next turn first */
  guint           max_total;
  guint           max_per_host;
  guint           max_decoding;
  guint           n_active;
  guint           n_decoding;
  guint           n_queued;
  guint           n_deferred;   /* queued entries with a not-before time */
  guint           n_paused;     /* pause_host() calls: hosts that may be paused */
  GDestroyNotify  item_free;
};

/**
 * vignette_host_key_for_uri:
 *
 * "https://example.com:443" (scheme, host and port, lower case) for a web
 * address, "file:" for everything local: the one definition of a host.
 */
char *
vignette_host_key_for_uri (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *host = NULL;
  const char *scheme;

  if (uri == NULL || g_str_has_prefix (uri, "file:") || strstr (uri, "://") == NULL)
    return g_strdup ("file:");

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL)
    return g_ascii_strdown (uri, -1);

  scheme = g_uri_get_scheme (parsed);
  host = g_ascii_strdown (g_uri_get_host (parsed), -1);
  return g_strdup_printf ("%s://%s:%d", scheme, host, g_uri_get_port (parsed));
}

static void
host_free (gpointer data)
{
  Host *host = data;

  for (guint c = 0; c < VIGNETTE_QUEUE_N_CLASSES; c++)
    g_assert (g_queue_is_empty (&host->queued[c]));
  g_free (host->key);
  g_free (host);
}

static Host *
get_host (VignetteHostQueue *self,
          const char        *key)
{
  Host *host = g_hash_table_lookup (self->hosts, key);

  if (host == NULL)
    {
      host = g_new0 (Host, 1);
      host->key = g_strdup (key);
      host->local = g_str_equal (key, "file:");
      host->protocol = g_str_has_prefix (key, "http:") ? VIGNETTE_PROTOCOL_HTTP1 : VIGNETTE_PROTOCOL_UNKNOWN;
      for (guint c = 0; c < VIGNETTE_QUEUE_N_CLASSES; c++)
        g_queue_init (&host->queued[c]);
      g_queue_push_tail (&self->order, host);
      host->link = self->order.tail;
      g_hash_table_insert (self->hosts, host->key, host);
    }

  return host;
}

static guint
host_limit (VignetteHostQueue *self,
            Host              *host)
{
  if (host->local || host->protocol == VIGNETTE_PROTOCOL_HTTP2)
    return self->max_total;

  return self->max_per_host;
}

VignetteHostQueue *
vignette_host_queue_new (guint          max_total,
                         guint          max_per_host,
                         guint          max_decoding,
                         GDestroyNotify item_free)
{
  VignetteHostQueue *self = g_new0 (VignetteHostQueue, 1);

  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, host_free);
  g_queue_init (&self->order);
  self->item_free = item_free;
  vignette_host_queue_set_limits (self, max_total, max_per_host, max_decoding);

  return self;
}

void
vignette_host_queue_free (VignetteHostQueue *self)
{
  g_autoptr(GPtrArray) left = NULL;

  if (self == NULL)
    return;

  left = vignette_host_queue_take_all (self);
  if (self->item_free != NULL)
    g_ptr_array_foreach (left, (GFunc) (void (*) (void)) self->item_free, NULL);

  g_queue_clear (&self->order);
  g_hash_table_unref (self->hosts);
  g_free (self);
}

void
vignette_host_queue_set_limits (VignetteHostQueue *self,
                                guint              max_total,
                                guint              max_per_host,
                                guint              max_decoding)
{
  self->max_total = MAX (max_total, 1u);
  self->max_per_host = MAX (MIN (max_per_host, self->max_total), 1u);
  self->max_decoding = MAX (max_decoding, 1u);
}

static void
push_entry (VignetteHostQueue *self,
            const char        *host_key,
            VignetteQueueClass klass,
            gpointer           item,
            gint64             not_before,
            gboolean           at_head)
{
  Host *host = get_host (self, host_key);
  Entry *entry = g_new (Entry, 1);

  g_return_if_fail (klass < VIGNETTE_QUEUE_N_CLASSES);

  entry->item = item;
  entry->not_before = not_before;
  if (not_before != 0)
    self->n_deferred++;
  if (at_head)
    g_queue_push_head (&host->queued[klass], entry);
  else
    g_queue_push_tail (&host->queued[klass], entry);
  self->n_queued++;
}

/**
 * vignette_host_queue_push:
 * @item: (transfer full): what waits; the queue frees what is left with
 *   the item_free given to vignette_host_queue_new()
 *
 * Queues @item behind the others of its host and class.
 */
void
vignette_host_queue_push (VignetteHostQueue *self,
                          const char        *host_key,
                          VignetteQueueClass klass,
                          gpointer           item)
{
  push_entry (self, host_key, klass, item, 0, FALSE);
}

/**
 * vignette_host_queue_defer:
 * @not_before: the earliest time it may start again
 *
 * Queues @item again at the head of its host's queue, for another attempt
 * no sooner than @not_before; the host's other items go meanwhile.
 */
void
vignette_host_queue_defer (VignetteHostQueue *self,
                           const char        *host_key,
                           VignetteQueueClass klass,
                           gpointer           item,
                           gint64             not_before)
{
  push_entry (self, host_key, klass, item, not_before, TRUE);
}

/* A server asked to wait (429 or 503 with Retry-After): nothing starts on
 * that host until then, and no other host is held up */
void
vignette_host_queue_pause_host (VignetteHostQueue *self,
                                const char        *host_key,
                                gint64             until)
{
  Host *host = get_host (self, host_key);

  host->paused_until = MAX (host->paused_until, until);
  self->n_paused++;
}

void
vignette_host_queue_set_protocol (VignetteHostQueue *self,
                                  const char        *host_key,
                                  VignetteProtocol   protocol)
{
  get_host (self, host_key)->protocol = protocol;
}

/* The first entry of @queue that may start at @now */
static GList *
first_ready (GQueue *queue,
             gint64  now)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    if (((Entry *) l->data)->not_before <= now)
      return l;

  return NULL;
}

/**
 * vignette_host_queue_pop:
 * @now: the time, as g_get_monotonic_time()
 * @host_key: (out) (transfer full): the item's host, to give to
 *   vignette_host_queue_release() when its request ends
 *
 * Returns: (transfer full) (nullable): the next item that may start now;
 *   it holds a slot of its host until released
 */
gpointer
vignette_host_queue_pop (VignetteHostQueue  *self,
                         gint64              now,
                         char              **host_key)
{
  if (self->n_active >= self->max_total || self->n_queued == 0)
    return NULL;

  for (guint c = 0; c < VIGNETTE_QUEUE_N_CLASSES; c++)
    {
      if (c == VIGNETTE_QUEUE_IMAGE && self->n_decoding >= self->max_decoding)
        continue;

      for (GList *l = self->order.head; l != NULL; l = l->next)
        {
          Host *host = l->data;
          GList *ready;
          Entry *entry;
          gpointer item;

          if (g_queue_is_empty (&host->queued[c]) ||
              host->paused_until > now ||
              host->active >= host_limit (self, host) ||
              (ready = first_ready (&host->queued[c], now)) == NULL)
            continue;

          entry = ready->data;
          item = entry->item;
          if (entry->not_before != 0)
            self->n_deferred--;
          g_queue_delete_link (&host->queued[c], ready);
          g_free (entry);
          self->n_queued--;
          host->active++;
          self->n_active++;

          /* Its turn is over: the other hosts go first next time */
          g_queue_unlink (&self->order, host->link);
          g_queue_push_tail_link (&self->order, host->link);

          if (host_key != NULL)
            *host_key = g_strdup (host->key);
          return item;
        }
    }

  return NULL;
}

/* The request (or file read) of an item that vignette_host_queue_pop() gave has ended */
void
vignette_host_queue_release (VignetteHostQueue *self,
                             const char        *host_key)
{
  Host *host = g_hash_table_lookup (self->hosts, host_key);

  g_return_if_fail (host != NULL && host->active > 0);
  g_return_if_fail (self->n_active > 0);

  host->active--;
  self->n_active--;
}

/* An original waits for a worker, or is in one */
void
vignette_host_queue_decode_started (VignetteHostQueue *self)
{
  self->n_decoding++;
}

void
vignette_host_queue_decode_finished (VignetteHostQueue *self)
{
  g_return_if_fail (self->n_decoding > 0);
  self->n_decoding--;
}

/**
 * vignette_host_queue_get_next_wakeup:
 *
 * Returns: the earliest time after @now at which an item held back by a
 *   pause or a retry delay may start, or -1 when none is
 */
gint64
vignette_host_queue_get_next_wakeup (VignetteHostQueue *self,
                                     gint64             now)
{
  gint64 next = -1;

  /* Called at every pump: nothing to scan while no item or host waits on
   * the clock, which is nearly always */
  if (self->n_deferred == 0 && self->n_paused == 0)
    return -1;

  for (GList *l = self->order.head; l != NULL; l = l->next)
    {
      Host *host = l->data;

      for (guint c = 0; c < VIGNETTE_QUEUE_N_CLASSES; c++)
        for (GList *e = host->queued[c].head; e != NULL; e = e->next)
          {
            gint64 when = MAX (((Entry *) e->data)->not_before, host->paused_until);

            if (when > now && (next < 0 || when < next))
              next = when;
          }
    }

  return next;
}

static void
take_from_host (VignetteHostQueue *self,
                Host              *host,
                GPtrArray         *items)
{
  for (guint c = 0; c < VIGNETTE_QUEUE_N_CLASSES; c++)
    {
      Entry *entry;

      while ((entry = g_queue_pop_head (&host->queued[c])) != NULL)
        {
          if (entry->not_before != 0)
            self->n_deferred--;
          g_ptr_array_add (items, entry->item);
          g_free (entry);
          self->n_queued--;
        }
    }
}

/**
 * vignette_host_queue_take_host:
 *
 * Returns: (transfer full) (element-type gpointer): every item still
 *   waiting for @host_key (a host that cannot be reached), in order
 */
GPtrArray *
vignette_host_queue_take_host (VignetteHostQueue *self,
                               const char        *host_key)
{
  GPtrArray *items = g_ptr_array_new ();
  Host *host = g_hash_table_lookup (self->hosts, host_key);

  if (host != NULL)
    take_from_host (self, host, items);

  return items;
}

/**
 * vignette_host_queue_take_all:
 *
 * Returns: (transfer full) (element-type gpointer): every item still
 *   waiting, host by host (a cancelled run)
 */
GPtrArray *
vignette_host_queue_take_all (VignetteHostQueue *self)
{
  GPtrArray *items = g_ptr_array_new ();

  for (GList *l = self->order.head; l != NULL; l = l->next)
    take_from_host (self, l->data, items);

  return items;
}

guint
vignette_host_queue_get_n_queued (VignetteHostQueue *self)
{
  return self->n_queued;
}

guint
vignette_host_queue_get_n_active (VignetteHostQueue *self)
{
  return self->n_active;
}

guint
vignette_host_queue_get_n_active_for (VignetteHostQueue *self,
                                      const char        *host_key)
{
  Host *host = g_hash_table_lookup (self->hosts, host_key);

  return host ? host->active : 0;
}

guint
vignette_host_queue_get_n_decoding (VignetteHostQueue *self)
{
  return self->n_decoding;
}
