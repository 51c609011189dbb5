/* probe-check.c: the probe library measured against stalls whose length is known
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   probe-check PROBE.so
 *
 * Runs itself again with the probe preloaded. That child's main loop holds
 * the main thread in three known ways: an idle callback that computes for
 * 50 ms of its thread's CPU time, one that computes for 20 ms, and a
 * timeout that sleeps 80 ms (wall time, no CPU). Meanwhile a second thread
 * runs a main loop of its own whose callback computes for 200 ms: the probe
 * must leave it out. The stalls are defined in CPU time, not wall time, so a
 * busy machine changes none of the figures checked: the probe must report
 * 50 ms then 20 ms of CPU in the busiest iterations, at least 80 ms of wall
 * time in the longest one, and nothing from the other thread. A second
 * child is ended by SIGTERM, as the GUI benchmark ends the window: the
 * probe must still write what it saw. A third child polls in the middle of
 * a 50 ms computation, as Xlib does when it waits for the X server inside
 * one iteration: every poll splits it in two, but with
 * VIGNETTE_PROBE_IGNORE naming this program, only the main loop's own
 * polls count.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <glib/gstdio.h>

static const char *probe_path;

static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
compute_for (gint64 usec)
{
  gint64 end = thread_cpu_usec () + usec;
  volatile guint64 sink = 0;

  while (thread_cpu_usec () < end)
    for (int i = 0; i < 1000; i++)
      sink += i;
}

/* The child ------------------------------------------------------------------ */

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* The stalls of run_child, each scheduling the next: a source added while
 * another is dispatched runs in a later iteration, so that even on a busy
 * machine no two stalls share one */
static gboolean
sleep_80 (gpointer data)
{
  g_usleep (80 * 1000);
  g_timeout_add (20, quit, data);
  return G_SOURCE_REMOVE;
}

static gboolean
compute_20 (gpointer data)
{
  compute_for (20 * 1000);
  g_timeout_add (20, sleep_80, data);
  return G_SOURCE_REMOVE;
}

static gboolean
compute_50_then_more (gpointer data)
{
  compute_for (50 * 1000);
  g_timeout_add (20, compute_20, data);
  return G_SOURCE_REMOVE;
}

static gboolean
compute_200_then_quit (gpointer data)
{
  compute_for (200 * 1000);
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* A main loop on another thread: its polls are not the main thread's */
static gpointer
other_thread (gpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(GSource) source = g_timeout_source_new (10);

  g_main_context_push_thread_default (context);
  g_source_set_callback (source, compute_200_then_quit, loop, NULL);
  g_source_attach (source, context);
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static gboolean
compute_50_with_a_poll (gpointer data)
{
  compute_for (25 * 1000);
  poll (NULL, 0, 0);
  compute_for (25 * 1000);
  g_timeout_add (20, quit, data);
  return G_SOURCE_REMOVE;
}

static int
run_child_nested (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (20, compute_50_with_a_poll, loop);
  g_main_loop_run (loop);
  return 0;
}

static gboolean
terminate (gpointer data)
{
  raise (SIGTERM);
  return G_SOURCE_REMOVE;
}

static gboolean
compute_50_then_terminate (gpointer data)
{
  compute_for (50 * 1000);
  g_timeout_add (20, terminate, NULL);
  return G_SOURCE_REMOVE;
}

static int
run_child_terminated (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (20, compute_50_then_terminate, NULL);
  g_main_loop_run (loop);
  return 0;
}

static int
run_child (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GThread) thread = g_thread_new ("probe-check-other", other_thread, NULL);

  g_timeout_add (20, compute_50_then_more, loop);
  g_main_loop_run (loop);
  g_thread_join (g_steal_pointer (&thread));
  return 0;
}

/* The check ------------------------------------------------------------------ */

/* The probe writes flat JSON that the runner reads with json.loads; here a
 * field by name is enough */
static double
field (const char *json,
       const char *name,
       guint       nth)
{
  g_autofree char *key = g_strdup_printf ("\"%s\": ", name);
  const char *p = json;

  for (guint i = 0; i <= nth; i++)
    {
      p = strstr (p, key);
      g_assert_nonnull (p);
      p += strlen (key);
    }
  return g_ascii_strtod (p, NULL);
}

/* Runs this program again as @mode with the probe; returns what it wrote */
static char *
run_probed (const char *mode,
            const char *ignore,
            int        *status)
{
  g_autofree char *dir = g_dir_make_tmp ("probe-check-XXXXXX", NULL);
  g_autofree char *output = g_build_filename (dir, "probe.json", NULL);
  g_autoptr(GError) error = NULL;
  /* This program again, by its real path: the probe names callers by it */
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  char *argv[] = { self, (char *) mode, NULL };
  g_auto(GStrv) envp = g_get_environ ();
  char *json = NULL;

  g_assert_nonnull (dir);
  envp = g_environ_setenv (envp, "LD_PRELOAD", probe_path, TRUE);
  envp = g_environ_setenv (envp, "VIGNETTE_PROBE_OUTPUT", output, TRUE);
  if (ignore != NULL)
    envp = g_environ_setenv (envp, "VIGNETTE_PROBE_IGNORE", ignore, TRUE);
  else
    envp = g_environ_unsetenv (envp, "VIGNETTE_PROBE_IGNORE");
  g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, status, &error);
  g_assert_no_error (error);

  g_file_get_contents (output, &json, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s", json);
  g_unlink (output);
  g_rmdir (dir);
  return json;
}

static void
test_known_stalls (void)
{
  int status;
  g_autofree char *json = run_probed ("--child", NULL, &status);

  g_assert_true (g_spawn_check_wait_status (status, NULL));

  /* The busiest iteration is the 50 ms computation, the next the 20 ms one:
   * the 200 ms on the other thread is not there, nor the 80 ms sleep */
  g_assert_cmpfloat (field (json, "max_cpu_ms", 0), >=, 50.0);
  g_assert_cmpfloat (field (json, "max_cpu_ms", 0), <, 75.0);
  g_assert_cmpfloat (field (json, "cpu_ms", 0), ==, field (json, "max_cpu_ms", 0));
  g_assert_cmpfloat (field (json, "cpu_ms", 1), >=, 20.0);
  g_assert_cmpfloat (field (json, "cpu_ms", 1), <, 45.0);
  g_assert_cmpfloat (field (json, "wall_ms", 0), >=, 50.0);
  /* The sleep held the loop (wall time) without computing */
  g_assert_cmpfloat (field (json, "max_wall_ms", 0), >=, 80.0);
  g_assert_cmpfloat (field (json, "iterations", 0), >=, 4);
  g_assert_nonnull (strstr (json, "\"ended_by\": \"exit\""));
}

static void
test_terminated (void)
{
  int status;
  g_autofree char *json = run_probed ("--child-terminated", NULL, &status);

  /* Ended by the signal, as without the probe */
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGTERM);
  g_assert_nonnull (strstr (json, "\"ended_by\": \"signal\""));
  g_assert_cmpfloat (field (json, "max_cpu_ms", 0), >=, 50.0);
  g_assert_cmpfloat (field (json, "max_cpu_ms", 0), <, 75.0);
}

static void
test_nested_poll (void)
{
  int status;
  g_autofree char *every_poll = run_probed ("--child-nested", NULL, &status);
  g_autofree char *main_loop = run_probed ("--child-nested", "libnothing,probe-check", &status);

  /* Every poll: two halves of 25 ms */
  g_assert_cmpfloat (field (every_poll, "max_cpu_ms", 0), >=, 25.0);
  g_assert_cmpfloat (field (every_poll, "max_cpu_ms", 0), <, 45.0);
  /* The main loop's polls only: the whole iteration */
  g_assert_cmpfloat (field (main_loop, "max_cpu_ms", 0), >=, 50.0);
  g_assert_cmpfloat (field (main_loop, "max_cpu_ms", 0), <, 75.0);
  g_assert_cmpfloat (field (main_loop, "polls_ignored", 0), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && strcmp (argv[1], "--child") == 0)
    return run_child ();
  if (argc == 2 && strcmp (argv[1], "--child-terminated") == 0)
    return run_child_terminated ();
  if (argc == 2 && strcmp (argv[1], "--child-nested") == 0)
    return run_child_nested ();

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    {
      g_printerr ("usage: probe-check PROBE.so\n");
      return 2;
    }
  probe_path = argv[1];
  g_test_add_func ("/probe/known-stalls", test_known_stalls);
  g_test_add_func ("/probe/terminated", test_terminated);
  g_test_add_func ("/probe/nested-poll", test_nested_poll);
  return g_test_run ();
}
