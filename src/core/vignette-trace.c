/* vignette-trace.c: a run's timeline as Chrome trace-event JSON, for Perfetto and chrome://tracing
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three kinds of track (trace "threads"), each a lane where slices never
 * overlap, so that every track nests as the viewers expect:
 *
 *   items      one slice per phase of each item, back to back from queued
 *              to finished: waiting, network, decode (with its wait for a
 *              worker), save; their durations add up to the item's time
 *   network    each request, from sent to its last byte, on the track of
 *              the connection that carried it (HTTP/2 streams share a
 *              connection, so a connection has as many lanes as it had
 *              streams at once)
 *   workers    each decode on the worker that ran it (an image decoded as
 *              it downloads spans from its first piece to its thumbnails,
 *              and may interleave with another on the same worker: lanes
 *              again)
 *
 * Times are microseconds from the first item queued.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include <glib/gstdio.h>

#include "vignette-item.h"
#include "vignette-stats.h"
#include "vignette-trace.h"

#define PID 1
#define ITEM_TRACKS 1000000
#define NETWORK_TRACKS 2000000
#define WORKER_TRACKS 3000000

/* One group of tracks: lanes, each ending at the end of its last slice */
typedef struct {
  GArray *lane_ends;  /* gint64 */
} Lanes;

static guint
lanes_place (Lanes  *lanes,
             gint64  start,
             gint64  end)
{
  for (guint i = 0; i < lanes->lane_ends->len; i++)
    if (g_array_index (lanes->lane_ends, gint64, i) <= start)
      {
        g_array_index (lanes->lane_ends, gint64, i) = end;
        return i;
      }

  g_array_append_val (lanes->lane_ends, end);
  return lanes->lane_ends->len - 1;
}

typedef struct {
  FILE       *out;
  gboolean    first;
  gint64      origin;
  GHashTable *groups;   /* group key → Lanes */
  GHashTable *named;    /* track ids already named */
} Writer;

static void
lanes_free (gpointer data)
{
  Lanes *lanes = data;

  g_array_unref (lanes->lane_ends);
  g_free (lanes);
}

static void
separator (Writer *w)
{
  fputs (w->first ? "\n" : ",\n", w->out);
  w->first = FALSE;
}

static void
name_track (Writer     *w,
            guint       tid,
            const char *name,
            guint       sort_index)
{
  if (g_hash_table_contains (w->named, GUINT_TO_POINTER (tid)))
    return;
  g_hash_table_add (w->named, GUINT_TO_POINTER (tid));

  separator (w);
  fprintf (w->out, "{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %d, \"tid\": %u, \"args\": {\"name\": ", PID, tid);
  vignette_stats_print_json_string (w->out, name);
  fputs ("}}", w->out);
  separator (w);
  fprintf (w->out, "{\"ph\": \"M\", \"name\": \"thread_sort_index\", \"pid\": %d, \"tid\": %u, \"args\": {\"sort_index\": %u}}",
           PID, tid, sort_index);
}

/* A slice on lane of the group @key; returns the track id */
static guint
place (Writer     *w,
       const char *key,
       guint       base,
       gint64      start,
       gint64      end)
{
  Lanes *lanes = g_hash_table_lookup (w->groups, key);
  guint lane;

  if (lanes == NULL)
    {
      lanes = g_new0 (Lanes, 1);
      lanes->lane_ends = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (w->groups, g_strdup (key), lanes);
    }

  lane = lanes_place (lanes, start, end);
  return base + lane;
}

static void
slice (Writer     *w,
       guint       tid,
       const char *name,
       const char *category,
       gint64      start,
       gint64      end,
       const char *uri)
{
  separator (w);
  vignette_stats_printf (w->out, "{\"ph\": \"X\", \"pid\": %d, \"tid\": %u, \"ts\": %" G_GINT64_FORMAT
                         ", \"dur\": %" G_GINT64_FORMAT ", \"cat\": \"%s\", \"name\": ",
                         PID, tid, start - w->origin, MAX (end - start, 0), category);
  vignette_stats_print_json_string (w->out, name);
  fputs (", \"args\": {\"uri\": ", w->out);
  vignette_stats_print_json_string (w->out, uri);
  fputs ("}}", w->out);
}

static void
write_item (Writer       *w,
            VignetteItem *item)
{
  const VignetteTimeline *t = vignette_item_get_timeline (item);
  const gint64 *m = t->marks;
  const char *name = vignette_item_get_name (item);
  const char *uri = vignette_item_get_uri (item);
  /* The phases, back to back: each ends where the next begins */
  const struct {
    const char *name;
    gint64      end;
  } phases[] = {
    { "waiting", m[VIGNETTE_MARK_STARTED] },
    { "network", m[VIGNETTE_MARK_LOADED] },
    { "decode", m[VIGNETTE_MARK_DECODE_END] },
    { "save", m[VIGNETTE_MARK_SAVE_END] },
    { vignette_item_get_state (item) == VIGNETTE_ITEM_STATE_FAILED ? "failed" : "finishing",
      m[VIGNETTE_MARK_FINISHED] },
  };
  gint64 at = m[VIGNETTE_MARK_QUEUED];
  guint tid;

  if (at == 0 || m[VIGNETTE_MARK_FINISHED] == 0)
    return;

  tid = place (w, "items", ITEM_TRACKS, at, m[VIGNETTE_MARK_FINISHED]);
  name_track (w, tid, "items", 0);
  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      gint64 end = phases[i].end;

      /* A phase the item never reached (a page, a failure, no saving) */
      if (end == 0 || end < at)
        continue;
      {
        g_autofree char *label = g_strdup_printf ("%s · %s", name, phases[i].name);

        slice (w, tid, label, "item", at, end, uri);
      }
      at = end;
    }

  if (m[VIGNETTE_MARK_REQUEST_SENT] != 0 && m[VIGNETTE_MARK_LOADED] >= m[VIGNETTE_MARK_REQUEST_SENT])
    {
      g_autofree char *key = g_strdup_printf ("connection %" G_GUINT64_FORMAT, t->connection_id);
      g_autofree char *track = t->connection_id != 0
        ? g_strdup_printf ("connection %" G_GUINT64_FORMAT "%s", t->connection_id, t->http2 ? " (HTTP/2)" : "")
        : g_strdup ("files");

      tid = place (w, key, NETWORK_TRACKS + (guint) (t->connection_id % 1000) * 100,
                   m[VIGNETTE_MARK_REQUEST_SENT], m[VIGNETTE_MARK_LOADED]);
      name_track (w, tid, track, 1);
      slice (w, tid, name, "network", m[VIGNETTE_MARK_REQUEST_SENT], m[VIGNETTE_MARK_LOADED], uri);
    }

  if (t->worker != 0 && m[VIGNETTE_MARK_DECODE_START] != 0)
    {
      g_autofree char *key = g_strdup_printf ("worker %u", t->worker);

      tid = place (w, key, WORKER_TRACKS + t->worker * 100,
                   m[VIGNETTE_MARK_DECODE_START], m[VIGNETTE_MARK_DECODE_END]);
      name_track (w, tid, key, 2);
      slice (w, tid, name, "decode", m[VIGNETTE_MARK_DECODE_START], m[VIGNETTE_MARK_DECODE_END], uri);
    }
}

static int
compare_queued (gconstpointer a,
                gconstpointer b)
{
  gint64 x = vignette_item_get_timeline (*(VignetteItem * const *) a)->marks[VIGNETTE_MARK_QUEUED];
  gint64 y = vignette_item_get_timeline (*(VignetteItem * const *) b)->marks[VIGNETTE_MARK_QUEUED];

  return (x > y) - (x < y);
}

/**
 * vignette_trace_write:
 * @items: a #GListModel of #VignetteItem (a run's)
 *
 * Writes the items' timelines to @path as Chrome trace-event JSON.
 */
gboolean
vignette_trace_write (GListModel  *items,
                      const char  *path,
                      GError     **error)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *temporary = g_strconcat (path, ".part", NULL);
  Writer w = { 0 };
  int saved_errno;

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      VignetteItem *item = g_list_model_get_item (items, i);

      if (vignette_item_get_timeline (item)->marks[VIGNETTE_MARK_QUEUED] != 0)
        g_ptr_array_add (sorted, item);
      else
        g_object_unref (item);
    }
  g_ptr_array_sort (sorted, compare_queued);

  w.out = g_fopen (temporary, "w");
  if (w.out == NULL)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: %s", temporary, g_strerror (saved_errno));
      return FALSE;
    }

  w.first = TRUE;
  w.origin = sorted->len > 0 ? vignette_item_get_timeline (g_ptr_array_index (sorted, 0))->marks[VIGNETTE_MARK_QUEUED] : 0;
  w.groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, lanes_free);
  w.named = g_hash_table_new (NULL, NULL);

  fputs ("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [", w.out);
  separator (&w);
  fprintf (w.out, "{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": %d, \"args\": {\"name\": \"vignette\"}}", PID);
  for (guint i = 0; i < sorted->len; i++)
    write_item (&w, g_ptr_array_index (sorted, i));
  fputs ("\n]}\n", w.out);

  g_hash_table_unref (w.groups);
  g_hash_table_unref (w.named);

  if (fclose (w.out) != 0 || g_rename (temporary, path) != 0)
    {
      saved_errno = errno;
      g_unlink (temporary);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}
