/* vignette-application.c: the vignette program: one instance, its windows, its command line
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `vignette SOURCE…`, `vignette --demo` and a file manager's "Open With"
 * all end in the primary instance: a second `vignette URL` forwards its
 * command line over D-Bus and the running window opens the URL.
 *
 * --stats (or VIGNETTE_STATS=1) measures what "never blocks" means while a
 * run is going: the longest main-loop iteration (vignette-stats.c) and the
 * longest interval between two frames (vignette-frame-monitor.c). A JSON
 * line goes to standard output when each run finishes, and one on exit.
 */
#include "config.h"

#include <locale.h>

#include <stdio.h>

#include <glib/gi18n.h>

#include "vignette-application.h"
#include "vignette-frame-monitor.h"
#include "vignette-preferences-window.h"
#include "vignette-source.h"
#include "vignette-stats.h"
#include "vignette-ui.h"
#include "vignette-window.h"

#define EXIT_USAGE 2

/* A run shorter than this is watched to its end: no notification */
#define NOTIFY_AFTER_SECONDS 5.0

struct _VignetteApplication
{
  AdwApplication        parent_instance;

  gboolean              stats;
  VignetteFrameMonitor *frames;
  double                max_stall_ms;     /* over every run so far */
  double                max_frame_ms;
  guint                 n_runs;
};

G_DEFINE_FINAL_TYPE (VignetteApplication, vignette_application, ADW_TYPE_APPLICATION)

/* Statistics ----------------------------------------------------------------- */

static void
on_window_running (VignetteApplication *self,
                   GParamSpec          *pspec,
                   VignetteWindow      *window)
{
  /* A window closed in the middle of a run cancels it; the process stays
   * until the run has stopped, so that its workers end cleanly */
  if (vignette_window_get_running (window))
    {
      if (!g_object_get_data (G_OBJECT (window), "vignette-hold"))
        {
          g_application_hold (G_APPLICATION (self));
          g_object_set_data (G_OBJECT (window), "vignette-hold", GINT_TO_POINTER (1));
        }
    }

  if (!self->stats || !vignette_window_get_running (window))
    return;

  /* Only what happens while a run is going counts */
  vignette_stall_monitor_reset ();
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    vignette_frame_monitor_start (self->frames, GTK_WIDGET (window));
}

static void
print_run_stats (VignetteApplication *self,
                 VignetteWindow      *window,
                 double               stall_ms,
                 double               frame_ms)
{
  VignetteRun *run = vignette_window_get_run (window);
  VignetteRunStats stats;

  vignette_run_get_stats (run, &stats);
  vignette_stats_printf (stdout, "{\"event\": \"run-finished\", \"items\": %u, \"items_ok\": %u, \"items_failed\": %u, "
          "\"items_cancelled\": %u, \"wall_seconds\": %.3f, \"max_main_loop_stall_ms\": %.2f, "
          "\"max_main_loop_stall_cpu_ms\": %.2f, \"max_main_loop_busy_ms\": %.2f, "
          "\"max_frame_interval_ms\": %.2f, \"frames\": %" G_GUINT64_FORMAT ", "
          "\"visible_items\": %u, \"page\": ",
          stats.n_items, stats.n_done, stats.n_failed, stats.n_cancelled, stats.wall_seconds,
          stall_ms, vignette_stall_monitor_get_max_stall_cpu_ms (), vignette_stall_monitor_get_max_busy_ms (),
          frame_ms, vignette_frame_monitor_get_n_frames (self->frames),
          g_list_model_get_n_items (vignette_gallery_page_get_visible_items (
                                      vignette_window_get_gallery_page (window))));
  vignette_stats_print_json_string (stdout, vignette_window_get_page (window));
  printf (", \"progress\": ");
  vignette_stats_print_json_string (stdout, vignette_gallery_page_get_progress_text (vignette_window_get_gallery_page (window)));
  printf ("}\n");
  fflush (stdout);
}

/* Notifications -------------------------------------------------------------- */

static void
notify_finished (VignetteApplication *self,
                 VignetteWindow      *window)
{
  VignetteRun *run = vignette_window_get_run (window);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *body = NULL;
  guint n_done = vignette_run_get_n_done (run);
  guint n_failed = vignette_run_get_n_failed (run);

  VignetteRunStats stats;

  /* Only news worth an interruption: a long run, finished rather than
   * cancelled, that the user is not watching; and without a session bus
   * there is no one to tell */
  vignette_run_get_stats (run, &stats);
  if (gtk_window_is_active (GTK_WINDOW (window)) || !gtk_widget_get_visible (GTK_WIDGET (window)) ||
      stats.wall_seconds < NOTIFY_AFTER_SECONDS || vignette_run_get_n_cancelled (run) > 0 ||
      g_application_get_dbus_connection (G_APPLICATION (self)) == NULL)
    return;

  if (n_failed > 0)
    /* Translators: “24 thumbnails made, 2 images failed” */
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u thumbnail made, %u failed",
                                         "%u thumbnails made, %u failed", n_done),
                            n_done, n_failed);
  else
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u thumbnail made",
                                         "%u thumbnails made", n_done),
                            n_done);

  notification = g_notification_new (_("The gallery is ready"));
  g_notification_set_body (notification, body);
  /* No default action: clicking it activates the application, which
   * presents the window */
  g_application_send_notification (G_APPLICATION (self), "run-finished", notification);
}

static void
on_window_active (VignetteApplication *self,
                  GParamSpec          *pspec,
                  GtkWindow           *window)
{
  if (gtk_window_is_active (window))
    g_application_withdraw_notification (G_APPLICATION (self), "run-finished");
}

static void
on_run_finished (VignetteApplication *self,
                 VignetteWindow      *window)
{
  if (self->stats)
    {
      double stall_ms = vignette_stall_monitor_get_max_ms ();
      double frame_ms;

      vignette_frame_monitor_stop (self->frames);
      frame_ms = vignette_frame_monitor_get_max_interval_ms (self->frames);
      self->max_stall_ms = MAX (self->max_stall_ms, stall_ms);
      self->max_frame_ms = MAX (self->max_frame_ms, frame_ms);
      self->n_runs++;
      print_run_stats (self, window, stall_ms, frame_ms);
    }

  notify_finished (self, window);

  if (g_object_get_data (G_OBJECT (window), "vignette-hold"))
    {
      g_object_set_data (G_OBJECT (window), "vignette-hold", NULL);
      g_application_release (G_APPLICATION (self));
    }
}

/* Windows -------------------------------------------------------------------- */

static VignetteWindow *
get_window (VignetteApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
  VignetteWindow *window;

  if (VIGNETTE_IS_WINDOW (active))
    return VIGNETTE_WINDOW (active);

  window = vignette_window_new (GTK_APPLICATION (self));
  g_signal_connect_object (window, "notify::running", G_CALLBACK (on_window_running), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (window, "run-finished", G_CALLBACK (on_run_finished), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (window, "notify::is-active", G_CALLBACK (on_window_active), self,
                           G_CONNECT_SWAPPED);
  return window;
}

static void
vignette_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (get_window (VIGNETTE_APPLICATION (application))));
}

/* "Open With" and D-Bus activation: files and URLs */
static void
vignette_application_open (GApplication  *application,
                           GFile        **files,
                           int            n_files,
                           const char    *hint)
{
  VignetteWindow *window = get_window (VIGNETTE_APPLICATION (application));
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);

      g_ptr_array_add (sources, path ? path : g_file_get_uri (files[i]));
    }
  g_ptr_array_add (sources, NULL);

  gtk_window_present (GTK_WINDOW (window));
  if (n_files > 0 &&
      !vignette_window_open_sources (window, (const char * const *) sources->pdata, 1, 1, NULL, &error))
    vignette_window_show_toast (window, error->message);
}

/* A relative path is relative to where the command ran, which for a
 * forwarded command line is not where the primary instance runs */
static char *
resolve_source (GApplicationCommandLine *command_line,
                const char              *arg)
{
  VignetteSourceType type;
  g_autofree char *normalized = NULL;

  if (vignette_source_classify (arg, &type, &normalized, NULL) && type == VIGNETTE_SOURCE_LOCAL &&
      !g_path_is_absolute (arg) && arg[0] != '~' && g_uri_peek_scheme (arg) == NULL)
    return g_build_filename (g_application_command_line_get_cwd (command_line), arg, NULL);

  return g_strdup (arg);
}

static int
vignette_application_command_line (GApplication            *application,
                                   GApplicationCommandLine *command_line)
{
  VignetteApplication *self = VIGNETTE_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  const char *pages = NULL;
  const char *selector = NULL;
  gboolean demo = FALSE;
  int first = 1, last = 1;
  int argc;
  VignetteWindow *window;

  argv = g_application_command_line_get_arguments (command_line, &argc);
  g_variant_dict_lookup (options, "demo", "b", &demo);
  g_variant_dict_lookup (options, "pages", "&s", &pages);
  g_variant_dict_lookup (options, "selector", "&s", &selector);

  if (pages != NULL && !vignette_page_range_parse (pages, &first, &last, &error))
    {
      g_application_command_line_printerr (command_line, "vignette: %s\n", error->message);
      return EXIT_USAGE;
    }

  for (int i = 1; i < argc; i++)
    g_ptr_array_add (sources, resolve_source (command_line, argv[i]));
  g_ptr_array_add (sources, NULL);

  window = get_window (self);
  gtk_window_present (GTK_WINDOW (window));

  if (demo)
    vignette_window_start_demo (window, &error);
  else if (argc > 1)
    vignette_window_open_sources (window, (const char * const *) sources->pdata, first, last, selector, &error);

  if (error != NULL)
    {
      g_application_command_line_printerr (command_line, "vignette: %s\n", error->message);
      vignette_window_show_toast (window, error->message);
      return EXIT_USAGE;
    }

  return EXIT_SUCCESS;
}

static int
vignette_application_handle_local_options (GApplication *application,
                                           GVariantDict *options)
{
  VignetteApplication *self = VIGNETTE_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("vignette %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  /* Only the instance that runs the windows measures anything */
  if (g_variant_dict_contains (options, "stats") || g_strcmp0 (g_getenv ("VIGNETTE_STATS"), "1") == 0)
    self->stats = TRUE;

  return G_APPLICATION_CLASS (vignette_application_parent_class)->handle_local_options (application, options);
}

/* Application actions ---------------------------------------------------------- */

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  GtkApplication *application = GTK_APPLICATION (data);
  GList *windows = gtk_application_get_windows (application);

  /* Through close-request, so the windows remember their size */
  while (windows != NULL)
    {
      GList *next = windows->next;

      gtk_window_close (windows->data);
      windows = next;
    }
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (data));

  gtk_window_present (GTK_WINDOW (vignette_preferences_window_new (parent)));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       data)
{
  static const char *developers[] = { "The Vignette authors", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (data));
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-name", _("Vignette"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Vignette authors"),
                        "comments", _("Thumbnails of the images of web pages, URL templates and folders, "
                                      "made in parallel while the gallery fills in."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/vignette/vignette",
                        "issue-url", "https://github.com/vignette/vignette/issues",
                        "developers", developers,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        "copyright", "© 2025 The Vignette authors",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_entries[] = {
  { "quit", quit_activated },
  { "preferences", preferences_activated },
  { "about", about_activated },
};

static void
set_accels (GtkApplication *application,
            const char     *action,
            ...)
{
  g_autoptr(GPtrArray) accels = g_ptr_array_new ();
  const char *accel;
  va_list args;

  va_start (args, action);
  while ((accel = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (accels, (gpointer) accel);
  va_end (args);
  g_ptr_array_add (accels, NULL);

  gtk_application_set_accels_for_action (application, action, (const char * const *) accels->pdata);
}

static void
vignette_application_startup (GApplication *application)
{
  VignetteApplication *self = VIGNETTE_APPLICATION (application);
  GtkApplication *app = GTK_APPLICATION (application);

  G_APPLICATION_CLASS (vignette_application_parent_class)->startup (application);

  if (self->stats)
    {
      vignette_stall_monitor_install (NULL);
      self->frames = vignette_frame_monitor_new ();
    }

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);

  /* Every action has a key; the shortcuts window (Ctrl+?) lists them */
  set_accels (app, "app.quit", "<Primary>q", NULL);
  set_accels (app, "app.preferences", "<Primary>comma", NULL);
  set_accels (app, "window.close", "<Primary>w", NULL);
  set_accels (app, "win.new-gallery", "<Primary>n", NULL);
  set_accels (app, "win.open-folder", "<Primary>o", NULL);
  set_accels (app, "win.demo", "<Primary>d", NULL);
  set_accels (app, "win.cancel", "<Primary>period", NULL);
  set_accels (app, "win.save-thumbnails", "<Primary>s", NULL);
  set_accels (app, "win.retry-failed", "<Primary>r", NULL);
  set_accels (app, "win.zoom-in", "<Primary>plus", "<Primary>equal", "<Primary>KP_Add", NULL);
  set_accels (app, "win.zoom-out", "<Primary>minus", "<Primary>KP_Subtract", NULL);
  set_accels (app, "win.zoom-reset", "<Primary>0", "<Primary>KP_0", NULL);
  set_accels (app, "win.search", "<Primary>f", NULL);
  set_accels (app, "win.only-failed", "<Primary><Shift>f", NULL);
}

static void
vignette_application_shutdown (GApplication *application)
{
  VignetteApplication *self = VIGNETTE_APPLICATION (application);

  if (self->stats)
    {
      vignette_frame_monitor_stop (self->frames);
      vignette_stats_printf (stdout, "{\"event\": \"exit\", \"runs\": %u, \"max_main_loop_stall_ms\": %.2f, "
              "\"max_frame_interval_ms\": %.2f, \"peak_rss_bytes\": %" G_GUINT64_FORMAT ", "
              "\"cpu_seconds\": %.3f, \"version\": ",
              self->n_runs, self->max_stall_ms, self->max_frame_ms, vignette_get_peak_rss (),
              vignette_get_cpu_seconds ());
      vignette_stats_print_json_string (stdout, PACKAGE_VERSION);
      printf ("}\n");
      fflush (stdout);
    }

  G_APPLICATION_CLASS (vignette_application_parent_class)->shutdown (application);
}

static void
vignette_application_dispose (GObject *object)
{
  VignetteApplication *self = VIGNETTE_APPLICATION (object);

  g_clear_object (&self->frames);

  G_OBJECT_CLASS (vignette_application_parent_class)->dispose (object);
}

static void
vignette_application_class_init (VignetteApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = vignette_application_dispose;
  application_class->startup = vignette_application_startup;
  application_class->shutdown = vignette_application_shutdown;
  application_class->activate = vignette_application_activate;
  application_class->open = vignette_application_open;
  application_class->command_line = vignette_application_command_line;
  application_class->handle_local_options = vignette_application_handle_local_options;

  vignette_ui_init ();
}

static void
vignette_application_init (VignetteApplication *self)
{
  static const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Serve the built-in demo gallery on 127.0.0.1 and open it"), NULL },
    { "pages", 'p', 0, G_OPTION_ARG_STRING, NULL,
      N_("Range for {} in URL templates (default 1-1)"), N_("FIRST-LAST") },
    { "selector", 's', 0, G_OPTION_ARG_STRING, NULL,
      N_("XPath that selects image addresses (default: built-in rules)"), N_("XPATH") },
    { "stats", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Print the longest main-loop stall and frame interval of each run as JSON on standard output"),
      NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[SOURCE…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Make thumbnails of the images of web pages, URL templates with {}, image addresses or folders, "
      "and show them in a gallery."));
}

VignetteApplication *
vignette_application_new (void)
{
  return g_object_new (VIGNETTE_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}
