/* test-trace.c: --trace writes Chrome trace-event JSON that a viewer accepts and that tells the truth
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "vignette-run.h"
#include "vignette-trace.h"

#include "test-utils.h"

typedef struct {
  gint64 ts;
  gint64 end;
} Span;

static int
compare_spans (gconstpointer a,
               gconstpointer b)
{
  const Span *x = a, *y = b;

  return (x->ts > y->ts) - (x->ts < y->ts);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_assert_true (vignette_run_execute_finish (VIGNETTE_RUN (source), result, NULL));
  *(gboolean *) data = TRUE;
}

static void
test_trace_of_a_run (void)
{
  g_autoptr(VignetteTestServer) server = vignette_test_server_new ();
  g_autoptr(VignetteRun) run = vignette_run_new ();
  g_autofree char *dir = vignette_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "run.json", NULL);
  g_autofree char *page = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) tracks = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
  g_autoptr(GHashTable) item_phases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  JsonArray *events;
  gboolean done = FALSE;
  guint n_slices = 0, n_network = 0, n_decode = 0;
  GHashTableIter iter;
  gpointer key, value;

  vignette_test_server_add_gallery (server, "/gallery", "/img/", 8, 40, 30);
  vignette_test_server_set_latency (server, 30);
  page = vignette_test_server_get_uri (server, "/gallery");
  g_object_set (run, "threads", 2, "use-cache", FALSE, NULL);
  g_assert_true (vignette_run_add_source (run, page, 1, 1, &error));
  vignette_run_execute_async (run, NULL, on_done, &done);
  vignette_test_spin_until (&done, 60000);
  g_assert_cmpuint (vignette_run_get_n_done (run), ==, 8);

  g_assert_true (vignette_trace_write (vignette_run_get_items (run), path, &error));
  g_assert_no_error (error);
  {
    g_autofree char *partial = g_strconcat (path, ".part", NULL);

    g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  }

  /* Valid JSON, in the object form with a traceEvents array */
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "traceEvents");
  g_assert_nonnull (events);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *ph = json_object_get_string_member (event, "ph");
      Span span;
      GArray *spans;
      guint tid;

      /* What every event needs for the viewers */
      g_assert_nonnull (ph);
      g_assert_true (json_object_has_member (event, "name"));
      g_assert_true (json_object_has_member (event, "pid"));
      if (g_str_equal (ph, "M"))
        continue;

      g_assert_cmpstr (ph, ==, "X");
      g_assert_true (json_object_has_member (event, "tid"));
      g_assert_true (json_object_has_member (event, "ts"));
      g_assert_true (json_object_has_member (event, "dur"));
      span.ts = json_object_get_int_member (event, "ts");
      span.end = span.ts + json_object_get_int_member (event, "dur");
      g_assert_cmpint (span.ts, >=, 0);
      g_assert_cmpint (span.end, >=, span.ts);
      n_slices++;

      tid = (guint) json_object_get_int_member (event, "tid");
      spans = g_hash_table_lookup (tracks, GUINT_TO_POINTER (tid));
      if (spans == NULL)
        {
          spans = g_array_new (FALSE, FALSE, sizeof (Span));
          g_hash_table_insert (tracks, GUINT_TO_POINTER (tid), spans);
        }

      if (g_str_equal (json_object_get_string_member (event, "cat"), "network"))
        {
          n_network++;
          g_array_append_val (spans, span);
        }
      else if (g_str_equal (json_object_get_string_member (event, "cat"), "decode") &&
               tid >= 3000000)
        {
          n_decode++;
          g_array_append_val (spans, span);
        }
      else
        {
          /* An item's phases: summed per item */
          const char *uri = json_object_get_string_member (json_object_get_object_member (event, "args"), "uri");
          gint64 *sum = g_hash_table_lookup (item_phases, uri);

          if (sum == NULL)
            {
              sum = g_new0 (gint64, 2);
              sum[0] = span.ts;
              g_hash_table_insert (item_phases, g_strdup (uri), sum);
            }
          /* Back to back: each phase starts where the one before ended */
          g_assert_cmpint (span.ts, ==, sum[0] + sum[1]);
          sum[1] += span.end - span.ts;
          g_array_append_val (spans, span);
        }
    }

  /* Slices never overlap on one track: every track nests */
  g_hash_table_iter_init (&iter, tracks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *spans = value;

      g_array_sort (spans, compare_spans);
      for (guint i = 1; i < spans->len; i++)
        g_assert_cmpint (g_array_index (spans, Span, i).ts, >=, g_array_index (spans, Span, i - 1).end);
    }

  /* Each image's phases add up to its whole time, queued to finished */
  for (guint i = 0; i < vignette_run_get_n_items (run); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (vignette_run_get_items (run), i);
      const VignetteTimeline *timeline = vignette_item_get_timeline (item);
      gint64 *sum = g_hash_table_lookup (item_phases, vignette_item_get_uri (item));

      g_assert_nonnull (sum);
      g_assert_cmpint (sum[1], ==, timeline->marks[VIGNETTE_MARK_FINISHED] - timeline->marks[VIGNETTE_MARK_QUEUED]);
    }

  g_test_message ("%u slices on %u tracks: %u requests, %u decodes", n_slices,
                  g_hash_table_size (tracks), n_network, n_decode);
  g_assert_cmpuint (n_network, ==, 8);
  g_assert_cmpuint (n_decode, ==, 8);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/trace/run", test_trace_of_a_run);

  return g_test_run ();
}
