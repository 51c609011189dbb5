/* test-e2e.c: `vignette --demo` in a real window, watched through its own interfaces
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under `dbus-run-session -- xvfb-run -a` (see meson.build): the
 * program is started as a user would, and the test waits for what it says
 * (its --stats line when a run finishes, on standard output) and asks the
 * window what it shows through the actions it exports on the session bus.
 * No fixed sleep: every wait is on an event, bounded by a timeout.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"

#define APP_PATH    "/io/github/vignette/Vignette"
#define WINDOW_PATH APP_PATH "/window/1"
#define TIMEOUT_MS  180000

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  GPtrArray        *lines;      /* what the program printed, line by line */
  gboolean          eof;
  gboolean          exited;
  int               status;
} App;

static void read_next_line (App *app);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);

  if (line == NULL)
    {
      app->eof = TRUE;
      return;
    }

  g_test_message ("vignette: %s", line);
  g_ptr_array_add (app->lines, line);
  read_next_line (app);
}

static void
read_next_line (App *app)
{
  g_data_input_stream_read_line_async (app->out, G_PRIORITY_DEFAULT, NULL, on_line, app);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  App *app = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  app->status = g_subprocess_get_if_exited (G_SUBPROCESS (source))
    ? g_subprocess_get_exit_status (G_SUBPROCESS (source)) : 128;
  app->exited = TRUE;
}

static App *
app_start (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  App *app = g_new0 (App, 1);

  /* A quick demo with its two faulty images, for the error cards */
  g_subprocess_launcher_setenv (launcher, "VIGNETTE_DEMO_FAULTS", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "VIGNETTE_DEMO_LATENCY", "50", TRUE);

  app->lines = g_ptr_array_new_with_free_func (g_free);
  app->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  app->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (app->process));
  read_next_line (app);
  g_subprocess_wait_async (app->process, NULL, on_exited, app);

  return app;
}

static void
app_free (App *app)
{
  if (!app->exited)
    g_subprocess_force_exit (app->process);
  g_object_unref (app->process);
  g_object_unref (app->out);
  g_ptr_array_unref (app->lines);
  g_free (app);
}

typedef struct {
  App        *app;
  const char *event;
  guint       n;       /* wait for the n-th such line (from 1) */
} LineWait;

static const char *
find_line (App        *app,
           const char *event,
           guint       n)
{
  g_autofree char *needle = g_strdup_printf ("\"event\": \"%s\"", event);
  guint seen = 0;

  for (guint i = 0; i < app->lines->len; i++)
    if (strstr (app->lines->pdata[i], needle) != NULL && ++seen == n)
      return app->lines->pdata[i];

  return NULL;
}

static gboolean
line_arrived (gpointer data)
{
  LineWait *w = data;
  return find_line (w->app, w->event, w->n) != NULL || w->app->eof;
}

static const char *
wait_for_line (App        *app,
               const char *event,
               guint       n)
{
  LineWait w = { app, event, n };

  g_assert_true (vignette_test_spin_until_cond (line_arrived, &w, TIMEOUT_MS, event));
  return find_line (app, event, n);
}

/* One number of a flat JSON object */
static double
json_number (const char *json,
             const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\": ", key);
  const char *at = strstr (json, needle);

  g_assert_nonnull (at);
  return g_ascii_strtod (at + strlen (needle), NULL);
}

static char *
json_string (const char *json,
             const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\": \"", key);
  const char *at = strstr (json, needle);
  const char *end;

  g_assert_nonnull (at);
  at += strlen (needle);
  end = strchr (at, '"');
  g_assert_nonnull (end);
  return g_strndup (at, end - at);
}

/* The window's actions and whether each is enabled, over D-Bus */
static GHashTable *
describe_window_actions (GDBusConnection *bus)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  GHashTable *enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;
  gboolean is_enabled;

  reply = g_dbus_connection_call_sync (bus, APP_ID, WINDOW_PATH, "org.gtk.Actions", "DescribeAll",
                                       NULL, G_VARIANT_TYPE ("(a{s(bgav)})"), G_DBUS_CALL_FLAGS_NONE,
                                       10000, NULL, &error);
  g_assert_no_error (error);

  g_variant_get (reply, "(a{s(bgav)})", &iter);
  while (g_variant_iter_loop (iter, "{&s(b@g@av)}", &name, &is_enabled, NULL, NULL))
    g_hash_table_insert (enabled, g_strdup (name), GINT_TO_POINTER (is_enabled ? 1 : 2));

  return enabled;
}

static gboolean
action_enabled (GHashTable *actions,
                const char *name)
{
  int value = GPOINTER_TO_INT (g_hash_table_lookup (actions, name));

  g_assert_cmpint (value, !=, 0);  /* the window has it */
  return value == 1;
}

static gboolean
has_exited (gpointer data)
{
  return ((App *) data)->exited;
}

static void
test_demo (void)
{
  const char *gui = g_getenv ("VIGNETTE_GUI");
  const char *argv[] = { gui, "--demo", "--stats", NULL };
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) actions = NULL;
  g_autoptr(VignetteTestServer) server = NULL;
  g_autofree char *page = NULL;
  g_autofree char *gallery = NULL;
  g_autofree char *progress = NULL;
  const char *line;
  App *app;

  g_assert_nonnull (gui);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  app = app_start (argv);

  /* The demo: 6 pages of 4 images, and a missing and a damaged one */
  line = wait_for_line (app, "run-finished", 1);
  g_assert_nonnull (line);
  g_assert_cmpfloat (json_number (line, "items"), ==, 26);
  g_assert_cmpfloat (json_number (line, "items_ok"), ==, 24);
  g_assert_cmpfloat (json_number (line, "items_failed"), ==, 2);
  g_assert_cmpfloat (json_number (line, "visible_items"), ==, 26);
  page = json_string (line, "page");
  g_assert_cmpstr (page, ==, "gallery");
  progress = json_string (line, "progress");
  g_assert_cmpstr (progress, ==, "24 of 26 · 2 failed");

  /* What the window offers now that the gallery is complete */
  actions = describe_window_actions (bus);
  g_assert_false (action_enabled (actions, "cancel"));
  g_assert_true (action_enabled (actions, "save-thumbnails"));
  g_assert_true (action_enabled (actions, "retry-failed"));
  g_assert_true (action_enabled (actions, "zoom-in"));

  /* A second `vignette URL` hands its URL to the running window and exits */
  server = vignette_test_server_new ();
  vignette_test_server_add_gallery (server, "/more.html", "/more/", 3, 200, 150);
  gallery = vignette_test_server_get_uri (server, "/more.html");
  {
    const char *second_argv[] = { gui, gallery, NULL };
    App *second = app_start (second_argv);

    g_assert_true (vignette_test_spin_until_cond (has_exited, second, TIMEOUT_MS, "the second instance"));
    g_assert_cmpint (second->status, ==, 0);
    app_free (second);
  }
  line = wait_for_line (app, "run-finished", 2);
  g_assert_nonnull (line);
  g_assert_cmpfloat (json_number (line, "items"), ==, 3);
  g_assert_cmpfloat (json_number (line, "items_ok"), ==, 3);

  /* Quit through the application's action; the last line has the figures */
  {
    g_autoptr(GVariant) reply = g_dbus_connection_call_sync (bus, APP_ID, APP_PATH, "org.gtk.Actions", "Activate",
                                                             g_variant_new ("(sava{sv})", "quit", NULL, NULL),
                                                             NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (vignette_test_spin_until_cond (has_exited, app, TIMEOUT_MS, "the exit"));
  g_assert_cmpint (app->status, ==, 0);

  line = wait_for_line (app, "exit", 1);
  g_assert_nonnull (line);
  g_assert_cmpfloat (json_number (line, "runs"), ==, 2);
  g_assert_cmpfloat (json_number (line, "max_main_loop_stall_ms"), >, 0);
  g_assert_cmpfloat (json_number (line, "max_frame_interval_ms"), >, 0);

  app_free (app);
}

static void
test_version (void)
{
  const char *gui = g_getenv ("VIGNETTE_GUI");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status;
  g_autofree char *command = g_strdup_printf ("'%s' --version", gui);

  g_assert_true (g_spawn_command_line_sync (command, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, "vignette " PACKAGE_VERSION "\n");
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/ui/e2e/version", test_version);
  g_test_add_func ("/ui/e2e/demo", test_demo);

  return g_test_run ();
}
