/* test-hostile-cancel.c: stopping a run at any moment, and quitting the CLI during one
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run with everything in flight at once (pages, downloads, a slow body,
 * decodes of large images on the workers, saves on the I/O threads, local
 * files and their thumbnail-cache entries) is cancelled after N turns of the
 * main loop, for many N and for random N, and from inside its own signals.
 * Each time: no crash, execute completes with G_IO_ERROR_CANCELLED once
 * everything has stopped, every item has reached an end, no temporary file
 * is left, and the run and its items are finalized once dropped. Then the
 * same for vignette-cli and Ctrl+C: exit status 130 and nothing half-written.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "test-hostile-common.h"

typedef struct {
  VignetteTestServer *server;
  char               *top;
  char               *out;     /* top/out */
  char               *local;   /* top/local: a folder source */
  char               *cache;   /* $XDG_CACHE_HOME/thumbnails */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  GString *html = g_string_new ("<html><body>");
  g_autoptr(GBytes) big = vignette_test_make_image (1600, 1200, "jpeg", FALSE);
  g_autoptr(GBytes) small = vignette_test_make_image (120, 90, "png", TRUE);
  g_autoptr(GBytes) slow = vignette_test_make_image (200, 150, "png", FALSE);

  f->server = vignette_test_server_new ();
  f->top = vignette_test_make_temp_dir ();
  f->out = g_build_filename (f->top, "out", NULL);
  f->local = g_build_filename (f->top, "local", NULL);
  f->cache = g_build_filename (g_get_user_cache_dir (), "thumbnails", NULL);

  /* Large JPEGs keep the workers busy, small PNGs finish quickly, a few
   * answers come late, and one body trickles in */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("/big-%u.jpg", i);

      vignette_test_server_add (f->server, path, 200, "image/jpeg", big);
      g_string_append_printf (html, "<img src=\"%s\">", path);
    }
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *path = g_strdup_printf ("/small-%u.png", i);

      vignette_test_server_add (f->server, path, 200, "image/png", small);
      if (i % 3 == 0)
        vignette_test_server_set_path_latency (f->server, path, 30 * (i + 1));
      g_string_append_printf (html, "<img src=\"%s\">", path);
    }
  vignette_test_server_add (f->server, "/slow.png", 200, "image/png", slow);
  vignette_test_server_set_trickle (f->server, "/slow.png", 4096, 20, TRUE);
  g_string_append (html, "<img src=\"/slow.png\"><img src=\"/missing.png\"></body></html>");
  vignette_test_server_add_html (f->server, "/page.html", html->str);
  vignette_test_server_set_path_latency (f->server, "/page.html", 10);
  g_string_free (html, TRUE);

  /* A second page, so that a page can still be on its way when images are */
  vignette_test_server_add_html (f->server, "/page2.html", "<img src=small-1.png><img src=small-9.png><img src=other.png>");
  vignette_test_server_add_image (f->server, "/other.png", 50, 50, "png");
  vignette_test_server_set_path_latency (f->server, "/page2.html", 60);

  /* Local files: listing, reading, and thumbnail-cache writes */
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/photo-%u.png", f->local, i);
      vignette_test_write_file (path, small);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  vignette_test_remove_tree (f->top);
  vignette_test_remove_tree (f->cache);
  g_free (f->top);
  g_free (f->out);
  g_free (f->local);
  g_free (f->cache);
  g_clear_pointer (&f->server, vignette_test_server_free);
}

static VignetteRun *
make_run (Fixture *f)
{
  VignetteRun *run = hostile_run_new ();
  g_autoptr(GFile) output = g_file_new_for_path (f->out);
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  g_autofree char *page2 = vignette_test_server_get_uri (f->server, "/page2.html");

  g_object_set (run, "jobs", 4, "use-cache", TRUE, "keep-thumbnails", TRUE, NULL);
  vignette_run_set_output (run, output);
  hostile_run_source (run, page);
  hostile_run_source (run, f->local);
  hostile_run_source (run, page2);

  return run;
}

/* After a run has completed: every item at an end, nothing half-written, and
 * everything finalized once the run is dropped */
static void
check_stopped_and_drop (Fixture     *f,
                        VignetteRun *run)
{
  GListModel *items = vignette_run_get_items (run);
  g_autoptr(GPtrArray) weak_items = g_ptr_array_new_with_free_func (g_free);
  gpointer weak_run = run;

  hostile_assert_all_finished (run);
  g_assert_false (vignette_run_get_running (run));
  g_assert_cmpuint (hostile_count_temp_files (f->out), ==, 0);
  g_assert_cmpuint (hostile_count_temp_files (f->cache), ==, 0);
  hostile_assert_files_decode (f->out);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      VignetteItem *item = g_list_model_get_item (items, i);
      gpointer *slot = g_new (gpointer, 1);

      *slot = item;
      g_object_add_weak_pointer (G_OBJECT (item), slot);
      g_ptr_array_add (weak_items, slot);
      g_object_unref (item);
    }

  g_object_add_weak_pointer (G_OBJECT (run), &weak_run);
  g_object_unref (run);

  /* Idle callbacks may hold the last references for a moment */
  vignette_test_spin_until_null (&weak_run, hostile_scaled_ms (10000), "the run to be finalized");
  for (guint i = 0; i < weak_items->len; i++)
    {
      gpointer *slot = g_ptr_array_index (weak_items, i);

      vignette_test_spin_until_null (slot, hostile_scaled_ms (10000), "an item to be finalized");
      if (*slot != NULL)
        g_object_remove_weak_pointer (G_OBJECT (*slot), slot);
    }
  if (weak_run != NULL)
    g_object_remove_weak_pointer (G_OBJECT (weak_run), &weak_run);

  /* The next run starts from an empty output folder and cache */
  vignette_test_remove_tree (f->out);
  vignette_test_remove_tree (f->cache);
}

/* Runs until completion or @n turns of the loop, whichever comes first, then
 * cancels. Returns how many turns the run took when it completed first. */
static guint
cancel_after (Fixture *f,
              guint    n)
{
  VignetteRun *run = make_run (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  HostileCompletion completion = { 0 };
  guint turns = 0;

  vignette_run_execute_async (run, cancellable, hostile_on_run_executed, &completion);
  while (turns < n && !completion.done)
    {
      g_main_context_iteration (NULL, TRUE);
      turns++;
    }

  if (completion.done)
    {
      /* Finished before the cancel: a normal ending */
      g_assert_no_error (completion.error);
      g_cancellable_cancel (cancellable);
      check_stopped_and_drop (f, run);
      return turns;
    }

  g_cancellable_cancel (cancellable);
  vignette_test_spin_until (&completion.done, hostile_scaled_ms (60000));
  if (!completion.done)
    g_error ("The run did not complete after it was cancelled");
  g_assert_error (completion.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&completion.error);

  check_stopped_and_drop (f, run);
  return 0;
}

static void
test_cancel_after_n_turns (Fixture       *f,
                           gconstpointer  data)
{
  guint n = 0;

  /* 0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 14, 17… until the run ends by itself */
  for (;;)
    {
      guint finished_in = cancel_after (f, n);

      if (finished_in > 0)
        {
          g_test_message ("the run ends by itself after %u turns", finished_in);
          break;
        }
      n = n < 7 ? n + 1 : n + n / 4;
      g_assert_cmpuint (n, <, 100000);
    }
}

static void
test_cancel_at_random (Fixture       *f,
                       gconstpointer  data)
{
  guint total = cancel_after (f, G_MAXUINT);
  guint rounds = g_getenv ("VIGNETTE_TEST_TIMEOUT_FACTOR") ? 5 : 20;

  /* The seed is in the test's output: --seed replays the same points */
  g_assert_cmpuint (total, >, 0);
  for (guint i = 0; i < rounds; i++)
    {
      guint n = (guint) g_test_rand_int_range (0, (gint32) total + 1);

      g_test_message ("cancelling after %u of about %u turns", n, total);
      cancel_after (f, n);
    }
}

/* Cancelling from inside the run's own signals, at each stage */
typedef struct {
  GCancellable     *cancellable;
  VignetteItemState state;       /* cancel when an item reaches this… */
  gboolean          on_done;     /* …or when the first image is done (saved) */
  gboolean          fired;
} Trigger;

static void
on_item_state (GObject    *item,
               GParamSpec *pspec,
               gpointer    data)
{
  Trigger *trigger = data;

  if (!trigger->fired && !trigger->on_done &&
      vignette_item_get_state (VIGNETTE_ITEM (item)) == trigger->state)
    {
      trigger->fired = TRUE;
      g_cancellable_cancel (trigger->cancellable);
    }
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    data)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (model, i);

      g_signal_connect (item, "notify::state", G_CALLBACK (on_item_state), data);
      on_item_state (G_OBJECT (item), NULL, data);
    }
}

static void
on_n_done (GObject    *run,
           GParamSpec *pspec,
           gpointer    data)
{
  Trigger *trigger = data;

  if (!trigger->fired && trigger->on_done)
    {
      trigger->fired = TRUE;
      g_cancellable_cancel (trigger->cancellable);
    }
}

static void
check_cancel_on (Fixture           *f,
                 VignetteItemState  state,
                 gboolean           on_done)
{
  VignetteRun *run = make_run (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Trigger trigger = { cancellable, state, on_done, FALSE };
  HostileCompletion completion = { 0 };
  GListModel *items = vignette_run_get_items (run);

  g_signal_connect (items, "items-changed", G_CALLBACK (on_items_changed), &trigger);
  on_items_changed (items, 0, 0, g_list_model_get_n_items (items), &trigger);
  g_signal_connect (run, "notify::n-done", G_CALLBACK (on_n_done), &trigger);

  vignette_run_execute_async (run, cancellable, hostile_on_run_executed, &completion);
  vignette_test_spin_until (&completion.done, hostile_scaled_ms (60000));
  if (!completion.done)
    g_error ("The run did not complete");

  g_assert_true (trigger.fired);
  g_assert_error (completion.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&completion.error);

  g_signal_handlers_disconnect_by_data (items, &trigger);
  g_signal_handlers_disconnect_by_data (run, &trigger);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      g_signal_handlers_disconnect_by_data (item, &trigger);
    }
  check_stopped_and_drop (f, run);
}

static void
test_cancel_while_fetching_pages (Fixture       *f,
                                  gconstpointer  data)
{
  check_cancel_on (f, VIGNETTE_ITEM_STATE_FETCHING_PAGE, FALSE);
}

static void
test_cancel_while_downloading (Fixture       *f,
                               gconstpointer  data)
{
  check_cancel_on (f, VIGNETTE_ITEM_STATE_DOWNLOADING, FALSE);
}

static void
test_cancel_while_processing (Fixture       *f,
                              gconstpointer  data)
{
  check_cancel_on (f, VIGNETTE_ITEM_STATE_PROCESSING, FALSE);
}

static void
test_cancel_while_saving (Fixture       *f,
                          gconstpointer  data)
{
  check_cancel_on (f, VIGNETTE_ITEM_STATE_DONE, TRUE);
}

static void
test_cancel_before_start (Fixture       *f,
                          gconstpointer  data)
{
  VignetteRun *run = make_run (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  error = hostile_run_execute (run, cancellable, 30000);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Nothing was fetched */
  g_assert_cmpuint (vignette_test_server_get_n_requests (f->server, NULL), ==, 0);
  check_stopped_and_drop (f, run);
}

static gboolean
cancel_again (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_in_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel_then_drop_run (Fixture       *f,
                           gconstpointer  data)
{
  VignetteRun *run = make_run (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  HostileCompletion completion = { 0 };
  gpointer weak_run = run;

  /* The window closes during a run: its reference goes first, the cancel
   * comes from a thread, twice */
  vignette_run_execute_async (run, cancellable, hostile_on_run_executed, &completion);
  for (guint i = 0; i < 30 && !completion.done; i++)
    g_main_context_iteration (NULL, TRUE);
  g_object_add_weak_pointer (G_OBJECT (run), &weak_run);
  g_object_unref (run);

  {
    g_autoptr(GThread) thread = g_thread_new ("cancel", cancel_in_thread, cancellable);
    g_thread_join (g_steal_pointer (&thread));
  }
  g_idle_add (cancel_again, cancellable);

  vignette_test_spin_until (&completion.done, hostile_scaled_ms (60000));
  if (!completion.done)
    g_error ("The run did not complete");
  if (completion.error != NULL)
    g_assert_error (completion.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&completion.error);

  vignette_test_spin_until_null (&weak_run, hostile_scaled_ms (10000), "the run to be finalized");
  g_assert_cmpuint (hostile_count_temp_files (f->out), ==, 0);
}

static void
test_cancel_then_retry (Fixture       *f,
                        gconstpointer  data)
{
  VignetteRun *run = make_run (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  HostileCompletion completion = { 0 };
  g_autoptr(GError) error = NULL;

  vignette_run_execute_async (run, cancellable, hostile_on_run_executed, &completion);
  for (guint i = 0; i < 40 && !completion.done; i++)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  vignette_test_spin_until (&completion.done, hostile_scaled_ms (60000));
  g_clear_error (&completion.error);

  /* "Retry" after a cancel finishes the job: everything but the missing image */
  vignette_run_retry_failed (run);
  error = hostile_run_execute (run, NULL, 60000);
  g_assert_no_error (error);
  hostile_assert_all_finished (run);
  g_assert_cmpuint (vignette_run_get_n_cancelled (run), ==, 0);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, 1);
  hostile_assert_failed (hostile_find_item (run, "/missing.png"), "404");

  check_stopped_and_drop (f, run);
}

/* The caller drops the run from its completion callback (a window that
 * closes when its job ends): the last request to end is the one whose
 * completion ends the run, so the run, its fetcher and their requests go
 * away inside the fetcher's own code */
typedef struct {
  VignetteRun *run;
  gboolean     done;
  GError      *error;
} Dropper;

static void
on_executed_drop (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Dropper *dropper = data;

  vignette_run_execute_finish (VIGNETTE_RUN (source), result, &dropper->error);
  g_clear_object (&dropper->run);
  dropper->done = TRUE;
}

static void
check_drop_in_callback (Fixture  *f,
                        gboolean  cancel)
{
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/last.html");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Dropper dropper = { hostile_run_new (), FALSE, NULL };
  gpointer weak_run = dropper.run;

  /* The image that ends last fails in the fetcher (a late 404) */
  vignette_test_server_add_html (f->server, "/last.html", "<img src=small-1.png><img src=late-missing.png>");
  vignette_test_server_set_path_latency (f->server, "/late-missing.png", 300);

  g_object_add_weak_pointer (G_OBJECT (dropper.run), &weak_run);
  hostile_run_source (dropper.run, page);
  vignette_run_execute_async (dropper.run, cancellable, on_executed_drop, &dropper);
  if (cancel)
    {
      /* …or the cancel is what ends it, while that request is on the wire */
      while (vignette_test_server_get_n_requests (f->server, "/late-missing.png") == 0 && !dropper.done)
        g_main_context_iteration (NULL, TRUE);
      g_cancellable_cancel (cancellable);
    }

  vignette_test_spin_until (&dropper.done, hostile_scaled_ms (30000));
  if (cancel)
    g_assert_error (dropper.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  else
    g_assert_no_error (dropper.error);
  g_clear_error (&dropper.error);

  vignette_test_spin_until_null (&weak_run, hostile_scaled_ms (10000), "the run to be finalized");
}

static void
test_drop_run_in_callback (Fixture       *f,
                           gconstpointer  data)
{
  check_drop_in_callback (f, FALSE);
}

static void
test_cancel_and_drop_run_in_callback (Fixture       *f,
                                      gconstpointer  data)
{
  check_drop_in_callback (f, TRUE);
}

/* Ctrl+C during a run of vignette-cli */
typedef struct {
  const char *folder;
  guint       n_files;
} Watch;

static gboolean
has_files (gpointer data)
{
  Watch *watch = data;
  g_autoptr(GPtrArray) tree = hostile_list_tree (watch->folder);
  guint n = 0;

  for (guint i = 0; i < tree->len; i++)
    if (g_str_has_suffix (g_ptr_array_index (tree, i), ".png"))
      n++;

  return n >= watch->n_files;
}

static void
check_interrupt (Fixture *f,
                 int      signal_number)
{
  g_autofree char *page = vignette_test_server_get_uri (f->server, "/page.html");
  const char *args[] = { "--no-cache", "--jobs", "2", "--threads", "1", "--sizes", "100,50", "-o", f->out, page, NULL };
  g_autoptr(HostileCli) cli = NULL;
  Watch watch = { f->out, 2 };

  /* Slow enough that the run is far from its end when the signal comes */
  vignette_test_server_set_latency (f->server, 150);

  cli = hostile_cli_start (NULL, args);
  if (!vignette_test_spin_until_cond (has_files, &watch, hostile_scaled_ms (60000), "the first saved thumbnails"))
    return;
  g_subprocess_send_signal (cli->process, signal_number);
  hostile_cli_wait (cli, 60000);

  /* A clean exit with the documented status, after the run was cancelled */
  g_assert_true (g_subprocess_get_if_exited (cli->process));
  g_assert_cmpint (cli->status, ==, 130);
  g_assert_cmpuint (hostile_count_temp_files (f->out), ==, 0);
  g_assert_cmpuint (hostile_assert_files_decode (f->out), >=, 2);
}

static void
test_sigint_cli (Fixture       *f,
                 gconstpointer  data)
{
  check_interrupt (f, SIGINT);
}

static void
test_sigterm_cli (Fixture       *f,
                  gconstpointer  data)
{
  check_interrupt (f, SIGTERM);
}

int
main (int    argc,
      char **argv)
{
  hostile_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/hostile/cancel/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("after-n-turns", test_cancel_after_n_turns);
  ADD ("at-random", test_cancel_at_random);
  ADD ("while-fetching-pages", test_cancel_while_fetching_pages);
  ADD ("while-downloading", test_cancel_while_downloading);
  ADD ("while-processing", test_cancel_while_processing);
  ADD ("while-saving", test_cancel_while_saving);
  ADD ("before-start", test_cancel_before_start);
  ADD ("then-drop-run", test_cancel_then_drop_run);
  ADD ("then-retry", test_cancel_then_retry);
  ADD ("drop-run-in-callback", test_drop_run_in_callback);
  ADD ("cancel-and-drop-run-in-callback", test_cancel_and_drop_run_in_callback);
  ADD ("sigint-cli", test_sigint_cli);
  ADD ("sigterm-cli", test_sigterm_cli);

#undef ADD

  return g_test_run ();
}
