/* test-host-queue.c: the scheduler's rules, with a fake clock and no network
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VignetteHostQueue has no I/O and no clock of its own, so every rule is
 * checked here by passing `now` by hand: what starts, in which order, and
 * what each waiting item costs (nothing: only items that were popped and
 * not yet released hold a slot).
 */
#include "config.h"

#include <string.h>

#include "vignette-host-queue.h"

#define HOST_A "http://a.example:80"
#define HOST_B "http://b.example:80"
#define HOST_C "http://c.example:80"
#define MS     ((gint64) 1000)   /* the queue's clock is in microseconds */
#define SECOND ((gint64) 1000000)

/* Items are strings (g_free); a counter shows what the queue freed itself */
static guint n_freed;

static void
item_free (gpointer item)
{
  n_freed++;
  g_free (item);
}

static VignetteHostQueue *
queue_new (guint max_total,
           guint max_per_host,
           guint max_decoding)
{
  n_freed = 0;
  return vignette_host_queue_new (max_total, max_per_host, max_decoding, item_free);
}

static void
push (VignetteHostQueue  *queue,
      const char         *host,
      VignetteQueueClass  klass,
      const char         *name)
{
  vignette_host_queue_push (queue, host, klass, g_strdup (name));
}

/* Pops one item and checks it is @expected (NULL: nothing may start); the
 * popped item's host is checked against the name's first letter when the
 * name is "a…", "b…" or "c…" */
static void
assert_pop (VignetteHostQueue *queue,
            gint64             now,
            const char        *expected)
{
  g_autofree char *key = NULL;
  g_autofree char *item = vignette_host_queue_pop (queue, now, &key);

  g_assert_cmpstr (item, ==, expected);
  if (item == NULL)
    {
      g_assert_null (key);
      return;
    }

  g_assert_nonnull (key);
  switch (item[0])
    {
    case 'a': g_assert_cmpstr (key, ==, HOST_A); break;
    case 'b': g_assert_cmpstr (key, ==, HOST_B); break;
    case 'c': g_assert_cmpstr (key, ==, HOST_C); break;
    default: break;
    }
}

/* Pops until nothing may start; returns how many started */
static guint
pop_all (VignetteHostQueue *queue,
         gint64             now)
{
  guint n = 0;
  gpointer item;

  while ((item = vignette_host_queue_pop (queue, now, NULL)) != NULL)
    {
      g_free (item);
      n++;
    }

  return n;
}

static void
test_fifo (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (16, 8, 4);

  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("a%u", i);

      push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, name);
    }
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 5);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 0);

  /* In the order they came, whatever else happens between pops */
  assert_pop (queue, 0, "a1");
  assert_pop (queue, 0, "a2");
  vignette_host_queue_release (queue, HOST_A);
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a6");
  assert_pop (queue, 0, "a3");
  assert_pop (queue, 0, "a4");
  assert_pop (queue, 0, "a5");
  assert_pop (queue, 0, "a6");
  assert_pop (queue, 0, NULL);

  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 0);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 5);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 5);
  for (guint i = 0; i < 5; i++)
    vignette_host_queue_release (queue, HOST_A);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 0);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 0);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 0), ==, -1);
}

static void
test_images_before_pages (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (16, 8, 4);

  /* On one host: the pages came first, the images still go first */
  push (queue, HOST_A, VIGNETTE_QUEUE_PAGE, "a-page1");
  push (queue, HOST_A, VIGNETTE_QUEUE_PAGE, "a-page2");
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a-img1");
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a-img2");
  /* Across hosts too: a page of B does not go before an image of C */
  push (queue, HOST_B, VIGNETTE_QUEUE_PAGE, "b-page1");
  push (queue, HOST_C, VIGNETTE_QUEUE_IMAGE, "c-img1");

  assert_pop (queue, 0, "a-img1");
  assert_pop (queue, 0, "c-img1");
  assert_pop (queue, 0, "a-img2");
  /* Then pages, hosts taking turns (A went last) */
  assert_pop (queue, 0, "b-page1");
  assert_pop (queue, 0, "a-page1");
  assert_pop (queue, 0, "a-page2");
  assert_pop (queue, 0, NULL);

  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 6);
  for (guint i = 0; i < 4; i++)
    vignette_host_queue_release (queue, HOST_A);
  vignette_host_queue_release (queue, HOST_B);
  vignette_host_queue_release (queue, HOST_C);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 0);
}

static void
test_per_host_limit (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (8, 2, 100);

  for (guint i = 0; i < 10; i++)
    push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a");

  /* Exactly the per-host limit, though the total would allow 8 */
  g_assert_cmpuint (pop_all (queue, 0), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 8);

  /* One released: exactly one more */
  vignette_host_queue_release (queue, HOST_A);
  g_assert_cmpuint (pop_all (queue, 0), ==, 1);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 2);

  /* Another host is not held up by A's full slots */
  push (queue, HOST_B, VIGNETTE_QUEUE_IMAGE, "b");
  assert_pop (queue, 0, "b");
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 3);

  /* Lower limits apply to what starts next, not to what runs */
  vignette_host_queue_set_limits (queue, 8, 1, 100);
  vignette_host_queue_release (queue, HOST_A);
  g_assert_cmpuint (pop_all (queue, 0), ==, 0);
  vignette_host_queue_release (queue, HOST_A);
  g_assert_cmpuint (pop_all (queue, 0), ==, 1);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 1);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 6);

  /* The queue frees what is left */
  g_clear_pointer (&queue, vignette_host_queue_free);
  g_assert_cmpuint (n_freed, ==, 6);
}

static void
test_total_limit (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (5, 2, 100);
  g_autoptr(GQueue) flights = g_queue_new ();  /* keys in flight, oldest first */
  const char *hosts[] = { HOST_A, HOST_B, HOST_C };
  guint waiting[3] = { 4, 4, 4 };
  guint active[3] = { 0 };

  for (guint h = 0; h < G_N_ELEMENTS (hosts); h++)
    for (guint i = 0; i < waiting[h]; i++)
      push (queue, hosts[h], VIGNETTE_QUEUE_IMAGE, "x");

  /* Requests end oldest first; after each, what may start is exactly what
   * both limits allow, as a model of the rules predicts */
  while (TRUE)
    {
      guint expected = 0, started = 0;
      g_autofree char *done = NULL;
      char *key;
      gpointer item;

      for (guint h = 0; h < G_N_ELEMENTS (hosts); h++)
        {
          guint n_active = active[0] + active[1] + active[2];

          expected += MIN (waiting[h], MIN (2 - active[h], 5 - n_active - expected));
        }

      while ((item = vignette_host_queue_pop (queue, 0, &key)) != NULL)
        {
          for (guint h = 0; h < G_N_ELEMENTS (hosts); h++)
            if (g_str_equal (key, hosts[h]))
              {
                g_assert_cmpuint (waiting[h], >, 0);
                waiting[h]--;
                active[h]++;
              }
          g_queue_push_tail (flights, key);
          g_free (item);
          started++;
        }

      g_assert_cmpuint (started, ==, expected);
      g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, g_queue_get_length (flights));
      g_assert_cmpuint (vignette_host_queue_get_n_active (queue), <=, 5);
      for (guint h = 0; h < G_N_ELEMENTS (hosts); h++)
        {
          g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, hosts[h]), ==, active[h]);
          g_assert_cmpuint (active[h], <=, 2);
        }
      g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, waiting[0] + waiting[1] + waiting[2]);

      done = g_queue_pop_head (flights);
      if (done == NULL)
        break;
      vignette_host_queue_release (queue, done);
      for (guint h = 0; h < G_N_ELEMENTS (hosts); h++)
        if (g_str_equal (done, hosts[h]))
          active[h]--;
    }

  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 0);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 0);
  g_assert_cmpuint (pop_all (queue, 0), ==, 0);
}

/* The two limits at once, with the numbers spelt out */
static void
test_total_limit_exact (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (5, 2, 100);

  for (guint i = 0; i < 4; i++)
    {
      push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a");
      push (queue, HOST_B, VIGNETTE_QUEUE_IMAGE, "b");
      push (queue, HOST_C, VIGNETTE_QUEUE_IMAGE, "c");
    }

  /* 3 hosts × 2 would be 6: the total stops at 5 */
  g_assert_cmpuint (pop_all (queue, 0), ==, 5);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 5);

  /* Turns went A, B, C, A, B: A and B are at their own limit */
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_B), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_C), ==, 1);

  /* A frees a slot of the total: C's turn comes before A's */
  vignette_host_queue_release (queue, HOST_A);
  g_assert_cmpuint (pop_all (queue, 0), ==, 1);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 1);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_C), ==, 2);
  g_assert_cmpuint (pop_all (queue, 0), ==, 0);

  /* A larger total: only A has room of its own left, for one */
  vignette_host_queue_set_limits (queue, 8, 2, 100);
  g_assert_cmpuint (pop_all (queue, 0), ==, 1);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 6);
}

static void
test_http2_host (void)
{
  const char *h2 = "https://h2.example:443";
  const char *h1 = "https://h1.example:443";
  g_autoptr(VignetteHostQueue) queue = queue_new (6, 2, 100);

  for (guint i = 0; i < 10; i++)
    {
      vignette_host_queue_push (queue, h2, VIGNETTE_QUEUE_IMAGE, g_strdup ("h2"));
      vignette_host_queue_push (queue, h1, VIGNETTE_QUEUE_IMAGE, g_strdup ("h1"));
    }

  /* Unknown yet (no handshake told): the per-host limit */
  g_assert_cmpuint (pop_all (queue, 0), ==, 4);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h2), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h1), ==, 2);

  /* HTTP/2: every request is a stream on one connection, the total applies */
  vignette_host_queue_set_protocol (queue, h2, VIGNETTE_PROTOCOL_HTTP2);
  vignette_host_queue_set_protocol (queue, h1, VIGNETTE_PROTOCOL_HTTP1);
  g_assert_cmpuint (pop_all (queue, 0), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h2), ==, 4);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h1), ==, 2);

  /* h1 done: h2 alone fills the whole total */
  {
    g_autoptr(GPtrArray) left = vignette_host_queue_take_host (queue, h1);

    g_assert_cmpuint (left->len, ==, 8);
    g_ptr_array_foreach (left, (GFunc) (void (*) (void)) g_free, NULL);
  }
  vignette_host_queue_release (queue, h1);
  vignette_host_queue_release (queue, h1);
  g_assert_cmpuint (pop_all (queue, 0), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h2), ==, 6);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h1), ==, 0);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 6);

  /* Told HTTP/1.x after all: back to the per-host limit */
  vignette_host_queue_set_protocol (queue, h2, VIGNETTE_PROTOCOL_HTTP1);
  for (guint i = 0; i < 4; i++)
    vignette_host_queue_release (queue, h2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h2), ==, 2);
  g_assert_cmpuint (pop_all (queue, 0), ==, 0);
  vignette_host_queue_release (queue, h2);
  g_assert_cmpuint (pop_all (queue, 0), ==, 1);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, h2), ==, 2);
}

static void
test_local_host (void)
{
  g_autofree char *key = vignette_host_key_for_uri ("file:///home/me/Pictures/a.png");
  g_autoptr(VignetteHostQueue) queue = queue_new (6, 2, 100);

  g_assert_cmpstr (key, ==, "file:");
  for (guint i = 0; i < 10; i++)
    vignette_host_queue_push (queue, key, VIGNETTE_QUEUE_IMAGE, g_strdup ("file"));

  /* Local reads have no server to spare: the total applies */
  g_assert_cmpuint (pop_all (queue, 0), ==, 6);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, key), ==, 6);
  vignette_host_queue_release (queue, key);
  g_assert_cmpuint (pop_all (queue, 0), ==, 1);
}

static void
test_round_robin (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (4, 4, 100);
  g_autoptr(GString) order = g_string_new (NULL);
  guint n_b_popped = 0;
  guint last_b = 0;

  /* A has a backlog of 100 and came first; B has 3 */
  for (guint i = 0; i < 100; i++)
    push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a");
  for (guint i = 0; i < 3; i++)
    push (queue, HOST_B, VIGNETTE_QUEUE_IMAGE, "b");

  /* The total binds (per-host is as large): every release starts one more */
  for (guint n = 1; vignette_host_queue_get_n_queued (queue) > 0; n++)
    {
      g_autofree char *key = NULL;
      g_autofree char *item = NULL;

      if (vignette_host_queue_get_n_active (queue) == 4)
        vignette_host_queue_release (queue, vignette_host_queue_get_n_active_for (queue, HOST_A) > 0
                                            ? HOST_A : HOST_B);
      item = vignette_host_queue_pop (queue, 0, &key);
      g_assert_nonnull (item);
      g_string_append (order, item);
      if (item[0] == 'b')
        {
          n_b_popped++;
          last_b = n;
        }
    }

  g_test_message ("order: %.12s...", order->str);
  /* While both wait, the hosts take turns: A, B, A, B, A, B */
  g_assert_true (g_str_has_prefix (order->str, "ababab"));
  g_assert_cmpuint (n_b_popped, ==, 3);
  g_assert_cmpuint (last_b, ==, 6);
}

static void
test_decode_backpressure (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (16, 8, 2);

  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a-img1");
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a-img2");
  push (queue, HOST_A, VIGNETTE_QUEUE_PAGE, "a-page1");

  /* Two originals wait for a worker: no more images start, pages still do */
  vignette_host_queue_decode_started (queue);
  vignette_host_queue_decode_started (queue);
  g_assert_cmpuint (vignette_host_queue_get_n_decoding (queue), ==, 2);
  assert_pop (queue, 0, "a-page1");
  assert_pop (queue, 0, NULL);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 2);
  /* A wait for workers is not a wait for time */
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 0), ==, -1);

  /* One decoded: exactly one image may start */
  vignette_host_queue_decode_finished (queue);
  assert_pop (queue, 0, "a-img1");
  vignette_host_queue_decode_started (queue);
  assert_pop (queue, 0, NULL);
  vignette_host_queue_decode_finished (queue);
  vignette_host_queue_decode_finished (queue);
  assert_pop (queue, 0, "a-img2");
  g_assert_cmpuint (vignette_host_queue_get_n_decoding (queue), ==, 0);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 3);
}

static void
test_defer (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (4, 1, 100);
  g_autofree char *first = NULL;
  g_autofree char *key = NULL;

  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a1");
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a2");
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a3");

  /* a1 starts, fails, and is to be tried again in a second */
  first = vignette_host_queue_pop (queue, 0, &key);
  g_assert_cmpstr (first, ==, "a1");
  vignette_host_queue_release (queue, key);
  vignette_host_queue_defer (queue, key, VIGNETTE_QUEUE_IMAGE, g_steal_pointer (&first), 1 * SECOND);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 3);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 0);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 10 * MS), ==, 1 * SECOND);

  /* It holds no slot (the host's one slot goes to a2) and blocks nothing */
  assert_pop (queue, 10 * MS, "a2");
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 1);
  assert_pop (queue, 10 * MS, NULL);
  vignette_host_queue_release (queue, HOST_A);
  assert_pop (queue, 20 * MS, "a3");
  vignette_host_queue_release (queue, HOST_A);

  /* Not a moment before its time; then at once, before anything pushed later */
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a4");
  assert_pop (queue, 1 * SECOND - 1, "a4");
  vignette_host_queue_release (queue, HOST_A);
  assert_pop (queue, 1 * SECOND - 1, NULL);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 1 * SECOND - 1), ==, 1 * SECOND);
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a5");
  assert_pop (queue, 1 * SECOND, "a1");
  vignette_host_queue_release (queue, HOST_A);
  assert_pop (queue, 1 * SECOND, "a5");
  vignette_host_queue_release (queue, HOST_A);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 0);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 1 * SECOND), ==, -1);
}

static void
test_pause_host (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (8, 4, 100);

  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a1");
  push (queue, HOST_A, VIGNETTE_QUEUE_PAGE, "a-page");
  push (queue, HOST_B, VIGNETTE_QUEUE_IMAGE, "b1");
  push (queue, HOST_B, VIGNETTE_QUEUE_PAGE, "b-page");

  /* A asked for five seconds; B goes on meanwhile, pages and all */
  vignette_host_queue_pause_host (queue, HOST_A, 5 * SECOND);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 0), ==, 5 * SECOND);
  assert_pop (queue, 0, "b1");
  assert_pop (queue, 0, "b-page");
  assert_pop (queue, 0, NULL);
  assert_pop (queue, 5 * SECOND - 1, NULL);

  /* A shorter pause asked later does not cut the longer one short */
  vignette_host_queue_pause_host (queue, HOST_A, 2 * SECOND);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 3 * SECOND), ==, 5 * SECOND);
  assert_pop (queue, 3 * SECOND, NULL);

  assert_pop (queue, 5 * SECOND, "a1");
  assert_pop (queue, 5 * SECOND, "a-page");
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 5 * SECOND), ==, -1);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_B), ==, 2);
}

/* Issue 11: host A answers every request with 429 Retry-After: 6 twice
 * before it gives the image; host B has 40 images and answers at once. A
 * discrete-event simulation drives the queue as the run does (on a 429:
 * release, pause the host, defer the item) with a fake clock. B must never
 * wait for A: whenever B has items waiting, every slot that neither the
 * per-host limit nor A's requests really in flight take is B's; and A's
 * waiting items never hold a slot. */
typedef struct {
  char   *name;
  guint   attempts;
  gint64  last_failure;
} SimItem;

typedef struct {
  SimItem *item;
  char    *key;
  gint64   ends_at;
} InFlight;

static void
sim_item_free (gpointer data)
{
  SimItem *item = data;

  g_free (item->name);
  g_free (item);
}

static void
run_throttled_scenario (guint max_total,
                        guint max_per_host)
{
  const gint64 retry_after = 6 * SECOND;
  const gint64 a_latency = 50 * MS;
  const gint64 b_latency = 100 * MS;
  const guint n_a = 20, n_b = 40;
  g_autoptr(VignetteHostQueue) queue = vignette_host_queue_new (max_total, max_per_host, 100, sim_item_free);
  g_autoptr(GArray) in_flight = g_array_new (FALSE, FALSE, sizeof (InFlight));
  g_autoptr(GPtrArray) finished = g_ptr_array_new_with_free_func (sim_item_free);
  gint64 now = 0, last_b_pop = -1, last_b_done = -1;
  guint n_b_popped = 0, steps = 0;

  g_test_message ("throttled host: total %u, per host %u", max_total, max_per_host);

  /* A first, so that A takes its turns from the start */
  for (guint i = 0; i < n_a; i++)
    {
      SimItem *item = g_new0 (SimItem, 1);

      item->name = g_strdup_printf ("a%u", i);
      vignette_host_queue_push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, item);
    }
  for (guint i = 0; i < n_b; i++)
    {
      SimItem *item = g_new0 (SimItem, 1);

      item->name = g_strdup_printf ("b%u", i);
      vignette_host_queue_push (queue, HOST_B, VIGNETTE_QUEUE_IMAGE, item);
    }

  while (vignette_host_queue_get_n_queued (queue) > 0 || in_flight->len > 0)
    {
      guint a_in_flight = 0, b_in_flight = 0;
      gint64 next = G_MAXINT64, wakeup;
      SimItem *item;
      char *key;

      g_assert_cmpuint (++steps, <, 10000);

      /* Start everything that may start now */
      while ((item = vignette_host_queue_pop (queue, now, &key)) != NULL)
        {
          InFlight flight = { item, key, 0 };

          item->attempts++;
          if (item->name[0] == 'a')
            {
              /* Never before the server said */
              g_assert_cmpuint (item->attempts, <=, 3);
              if (item->attempts > 1)
                g_assert_cmpint (now, >=, item->last_failure + retry_after);
              flight.ends_at = now + a_latency;
            }
          else
            {
              g_assert_cmpuint (item->attempts, ==, 1);
              n_b_popped++;
              last_b_pop = now;
              flight.ends_at = now + b_latency;
            }
          g_array_append_val (in_flight, flight);
        }

      /* The queue's counts are the requests really in flight, nothing more */
      for (guint i = 0; i < in_flight->len; i++)
        {
          if (g_array_index (in_flight, InFlight, i).item->name[0] == 'a')
            a_in_flight++;
          else
            b_in_flight++;
        }
      g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, a_in_flight);
      g_assert_cmpuint (a_in_flight, <=, max_per_host);
      g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_B), ==, b_in_flight);
      g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, in_flight->len);
      g_assert_cmpuint (in_flight->len, <=, max_total);

      /* B waits for nothing but its own limit and A's real requests */
      if (n_b_popped < n_b)
        g_assert_cmpuint (b_in_flight, ==, MIN (max_per_host, max_total - a_in_flight));

      /* The next event: a response, or the end of a wait */
      for (guint i = 0; i < in_flight->len; i++)
        next = MIN (next, g_array_index (in_flight, InFlight, i).ends_at);
      wakeup = vignette_host_queue_get_next_wakeup (queue, now);
      if (wakeup >= 0)
        {
          g_assert_cmpint (wakeup, >, now);
          next = MIN (next, wakeup);
        }
      g_assert_cmpint (next, !=, G_MAXINT64);  /* never stuck with work left */
      now = next;

      for (guint i = 0; i < in_flight->len; )
        {
          InFlight flight = g_array_index (in_flight, InFlight, i);

          if (flight.ends_at > now)
            {
              i++;
              continue;
            }
          g_array_remove_index (in_flight, i);
          vignette_host_queue_release (queue, flight.key);

          if (flight.item->name[0] == 'a' && flight.item->attempts < 3)
            {
              /* 429 Retry-After: 6, as the run handles a host_asked hint */
              flight.item->last_failure = now;
              vignette_host_queue_pause_host (queue, flight.key, now + retry_after);
              vignette_host_queue_defer (queue, flight.key, VIGNETTE_QUEUE_IMAGE, flight.item,
                                         now + retry_after);
            }
          else
            {
              if (flight.item->name[0] == 'b')
                last_b_done = now;
              g_ptr_array_add (finished, flight.item);
            }
          g_free (flight.key);
        }
    }

  g_test_message ("last B item popped at %" G_GINT64_FORMAT " ms, done at %" G_GINT64_FORMAT
                  " ms; everything done at %" G_GINT64_FORMAT " ms",
                  last_b_pop / MS, last_b_done / MS, now / MS);

  g_assert_cmpuint (finished->len, ==, n_a + n_b);
  g_assert_cmpuint (n_b_popped, ==, n_b);
  /* B is done within its own capacity's rounds, long before A's first
   * Retry-After is over: ceil (40 / per-host) rounds of B's latency, plus
   * A's first answers, which held slots while they were really in flight */
  g_assert_cmpint (last_b_done, <=, (gint64) ((n_b + max_per_host - 1) / max_per_host) * b_latency + a_latency);
  g_assert_cmpint (last_b_pop, <, retry_after);
  for (guint i = 0; i < finished->len; i++)
    {
      SimItem *item = g_ptr_array_index (finished, i);

      g_assert_cmpuint (item->attempts, ==, item->name[0] == 'a' ? 3 : 1);
    }
  /* Two Retry-After waits at least; and A is not starved either: its 3 × 20
   * attempts go in batches of its per-host limit, one batch per wait (a
   * batch of third attempts succeeds and sets no pause) */
  g_assert_cmpint (now, >=, 2 * retry_after);
  g_assert_cmpint (now, <=, (gint64) ((3 * n_a + max_per_host - 1) / max_per_host + 1) * (retry_after + a_latency));
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 0);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 0);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, now), ==, -1);
}

static void
test_throttled_host (void)
{
  /* The run's defaults, then a total that A's waiting items would eat */
  run_throttled_scenario (16, 8);
  run_throttled_scenario (8, 8);
  run_throttled_scenario (4, 4);
}

static void
assert_items (GPtrArray  *items,
              const char *expected)
{
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (got, "%s%s", i ? " " : "", (char *) g_ptr_array_index (items, i));
  g_assert_cmpstr (got->str, ==, expected);
}

static void
test_take (void)
{
  g_autoptr(VignetteHostQueue) queue = queue_new (8, 1, 100);
  g_autoptr(GPtrArray) from_a = NULL;
  g_autoptr(GPtrArray) from_nowhere = NULL;
  g_autoptr(GPtrArray) rest = NULL;
  g_autoptr(GPtrArray) nothing = NULL;

  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a1");
  push (queue, HOST_A, VIGNETTE_QUEUE_PAGE, "a-page");
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a2");
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a3");
  push (queue, HOST_B, VIGNETTE_QUEUE_IMAGE, "b1");
  push (queue, HOST_B, VIGNETTE_QUEUE_PAGE, "b-page");
  push (queue, HOST_C, VIGNETTE_QUEUE_IMAGE, "c1");

  assert_pop (queue, 0, "a1");
  assert_pop (queue, 0, "b1");
  /* A deferred item waits too, and is taken with the rest */
  vignette_host_queue_defer (queue, HOST_C, VIGNETTE_QUEUE_IMAGE, g_strdup ("c0"), 10 * SECOND);
  vignette_host_queue_pause_host (queue, HOST_C, 10 * SECOND);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 6);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 2);

  /* A cannot be reached: what waits for it comes back, in order, and nothing else */
  from_a = vignette_host_queue_take_host (queue, HOST_A);
  assert_items (from_a, "a2 a3 a-page");
  g_ptr_array_foreach (from_a, (GFunc) (void (*) (void)) g_free, NULL);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 3);
  /* The one in flight still holds its slot until it ends */
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 2);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 1);
  vignette_host_queue_release (queue, HOST_A);
  g_assert_cmpuint (vignette_host_queue_get_n_active_for (queue, HOST_A), ==, 0);
  assert_pop (queue, 0, NULL);

  from_nowhere = vignette_host_queue_take_host (queue, "http://nowhere.example:80");
  g_assert_cmpuint (from_nowhere->len, ==, 0);

  /* Cancelled: everything left */
  rest = vignette_host_queue_take_all (queue);
  g_assert_cmpuint (rest->len, ==, 3);
  g_assert_true (g_ptr_array_find_with_equal_func (rest, "b-page", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (rest, "c0", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (rest, "c1", g_str_equal, NULL));
  g_ptr_array_foreach (rest, (GFunc) (void (*) (void)) g_free, NULL);
  g_assert_cmpuint (vignette_host_queue_get_n_queued (queue), ==, 0);
  g_assert_cmpint (vignette_host_queue_get_next_wakeup (queue, 0), ==, -1);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 1);
  vignette_host_queue_release (queue, HOST_B);
  g_assert_cmpuint (vignette_host_queue_get_n_active (queue), ==, 0);

  nothing = vignette_host_queue_take_all (queue);
  g_assert_cmpuint (nothing->len, ==, 0);
  assert_pop (queue, 20 * SECOND, NULL);

  /* The queue keeps working afterwards */
  push (queue, HOST_A, VIGNETTE_QUEUE_IMAGE, "a9");
  assert_pop (queue, 0, "a9");
  vignette_host_queue_release (queue, HOST_A);

  g_clear_pointer (&queue, vignette_host_queue_free);
  g_assert_cmpuint (n_freed, ==, 0);  /* everything was taken: nothing left to free */
}

static void
assert_same_key (const char *a,
                 const char *b)
{
  g_autofree char *key_a = vignette_host_key_for_uri (a);
  g_autofree char *key_b = vignette_host_key_for_uri (b);

  g_test_message ("%s -> %s; %s -> %s", a, key_a, b, key_b);
  g_assert_cmpstr (key_a, ==, key_b);
}

static void
assert_different_keys (const char *a,
                       const char *b)
{
  g_autofree char *key_a = vignette_host_key_for_uri (a);
  g_autofree char *key_b = vignette_host_key_for_uri (b);

  g_test_message ("%s -> %s; %s -> %s", a, key_a, b, key_b);
  g_assert_cmpstr (key_a, !=, key_b);
}

/* The key checks are independent: each says what it found, and one wrong
 * key does not hide the others (these tests run last) */
static void
test_host_key_normal_form (void)
{
  g_autofree char *key = vignette_host_key_for_uri ("https://example.com:443/b");

  g_test_set_nonfatal_assertions ();

  /* As documented: scheme, host and port, lower case */
  g_assert_cmpstr (key, ==, "https://example.com:443");

  /* Case and the default port do not make another host */
  assert_same_key ("HTTPS://Example.COM/a", "https://example.com:443/b");
  assert_same_key ("https://example.com/a", "https://example.com:443/b");
  assert_same_key ("http://Example.com/a?x=1", "http://example.com:80/b#c");
}

static void
test_host_key_different (void)
{
  g_test_set_nonfatal_assertions ();

  /* The path, the query and a user name do not make another host */
  assert_same_key ("HTTPS://Example.COM/a", "https://example.com/b?c#d");
  assert_same_key ("https://user@example.com/a", "https://example.com/b");

  /* Another scheme or port is another server */
  assert_different_keys ("http://example.com/a", "https://example.com/a");
  assert_different_keys ("http://example.com:80/a", "https://example.com:443/a");
  assert_different_keys ("http://example.com:8080/a", "http://example.com/a");
  assert_different_keys ("https://example.com/a", "https://www.example.com/a");
}

static void
test_host_key_local (void)
{
  g_autofree char *file = vignette_host_key_for_uri ("file:///home/me/a.png");

  g_test_set_nonfatal_assertions ();

  /* Everything local is one host */
  g_assert_cmpstr (file, ==, "file:");
  assert_same_key ("file:///home/me/a.png", "file:///srv/b.png");
  assert_same_key ("file:///home/me/a.png", "/home/me/Pictures");
  assert_different_keys ("file:///home/me/a.png", "http://localhost/a.png");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/host-queue/fifo", test_fifo);
  g_test_add_func ("/core/host-queue/images-before-pages", test_images_before_pages);
  g_test_add_func ("/core/host-queue/per-host-limit", test_per_host_limit);
  g_test_add_func ("/core/host-queue/total-limit", test_total_limit);
  g_test_add_func ("/core/host-queue/total-limit-exact", test_total_limit_exact);
  g_test_add_func ("/core/host-queue/http2-host", test_http2_host);
  g_test_add_func ("/core/host-queue/local-host", test_local_host);
  g_test_add_func ("/core/host-queue/round-robin", test_round_robin);
  g_test_add_func ("/core/host-queue/decode-backpressure", test_decode_backpressure);
  g_test_add_func ("/core/host-queue/defer", test_defer);
  g_test_add_func ("/core/host-queue/pause-host", test_pause_host);
  g_test_add_func ("/core/host-queue/throttled-host", test_throttled_host);
  g_test_add_func ("/core/host-queue/take", test_take);
  g_test_add_func ("/core/host-queue/host-key/normal-form", test_host_key_normal_form);
  g_test_add_func ("/core/host-queue/host-key/different", test_host_key_different);
  g_test_add_func ("/core/host-queue/host-key/local", test_host_key_local);

  return g_test_run ();
}
