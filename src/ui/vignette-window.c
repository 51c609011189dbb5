/* vignette-window.c: the main window: a run, its gallery, and the way there
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window owns one run at a time. It starts it with the settings of the
 * moment and keep-thumbnails on (the gallery shows them, "Save Thumbnails…"
 * writes them later), shows its gallery, and reacts to the run's counters
 * only through notifications: it never waits for anything.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "vignette-error.h"
#include "vignette-extractor.h"
#include "vignette-source.h"
#include "vignette-thumbnailer.h"
#include "vignette-ui.h"
#include "vignette-window-private.h"

G_DEFINE_FINAL_TYPE (VignetteWindow, vignette_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_SAVING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  RUN_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Pages ---------------------------------------------------------------------- */

void
_vignette_window_show_page (VignetteWindow *self,
                            const char     *name)
{
  const char *current = gtk_stack_get_visible_child_name (self->stack);
  GtkStackTransitionType transition = GTK_STACK_TRANSITION_TYPE_CROSSFADE;

  if (g_strcmp0 (current, name) == 0)
    return;

  /* Into the detail view and back slides, as a navigation does */
  if (g_str_equal (name, "detail"))
    transition = GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT;
  else if (g_strcmp0 (current, "detail") == 0)
    transition = GTK_STACK_TRANSITION_TYPE_SLIDE_RIGHT;

  gtk_stack_set_visible_child_full (self->stack, name, transition);

  if (g_str_equal (name, "start"))
    vignette_start_page_focus (self->start_page);
  else if (g_str_equal (name, "gallery"))
    gtk_widget_grab_focus (vignette_gallery_page_get_grid (self->gallery_page));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->detail_view));

  _vignette_window_update_actions (self);
}

static void
on_item_activated (VignetteWindow *self,
                   guint           position)
{
  vignette_detail_view_set_model (self->detail_view,
                                  vignette_gallery_page_get_visible_items (self->gallery_page),
                                  vignette_gallery_page_get_cache (self->gallery_page));
  vignette_detail_view_set_position (self->detail_view, position);
  _vignette_window_show_page (self, "detail");
}

static void
on_detail_back (VignetteWindow *self)
{
  _vignette_window_show_page (self, "gallery");
  vignette_gallery_page_focus_item (self->gallery_page,
                                    vignette_detail_view_get_position (self->detail_view));
}

/* Runs ----------------------------------------------------------------------- */

static VignetteRun *
make_run (VignetteWindow *self,
          const char     *selector)
{
  VignetteRun *run = vignette_run_new ();

  /* Display needs every size the zoom can show; saving picks among them */
  g_object_set (run,
                "jobs", g_settings_get_uint (self->settings, "jobs"),
                "per-host", g_settings_get_uint (self->settings, "per-host"),
                "retries", g_settings_get_uint (self->settings, "retries"),
                "threads", g_settings_get_uint (self->settings, "threads"),
                "low-speed-limit", g_settings_get_uint (self->settings, "low-speed-limit"),
                "low-speed-time", g_settings_get_uint (self->settings, "low-speed-time"),
                "max-pixels", (guint64) g_settings_get_uint (self->settings, "max-megapixels") * 1000000,
                "selector", selector && *selector ? selector : NULL,
                "keep-thumbnails", TRUE,
                NULL);
  vignette_run_set_output (run, NULL);

  return run;
}

static void
on_run_running (VignetteWindow *self)
{
  _vignette_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* The first failure of a run that made nothing: bad address, no images,
 * offline… said in one sentence instead of a grid of error cards */
static char *
dup_whole_run_error (VignetteRun *run)
{
  GListModel *items = vignette_run_get_items (run);
  guint n_items = g_list_model_get_n_items (items);

  if (n_items == 0 || vignette_run_get_n_done (run) > 0 || vignette_run_get_n_failed (run) != n_items)
    return NULL;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      const char *message = vignette_item_get_error_message (item);

      if (message != NULL)
        return g_strdup (message);
    }

  return NULL;
}

static void
on_run_executed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(VignetteWindow) self = data;
  VignetteRun *run = VIGNETTE_RUN (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;

  vignette_run_execute_finish (run, result, &error);

  /* A run replaced by another one finishes quietly */
  if (run != self->run)
    return;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    vignette_window_show_toast (self, _("Cancelled"));
  else if (error != NULL)
    vignette_window_show_toast (self, error->message);
  else if ((failure = dup_whole_run_error (run)) != NULL)
    vignette_gallery_page_show_error (self->gallery_page, failure);

  _vignette_window_update_actions (self);
  g_signal_emit (self, signals[RUN_FINISHED], 0);
}

static void
execute (VignetteWindow *self)
{
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  vignette_run_execute_async (self->run, self->cancellable, on_run_executed, g_object_ref (self));
  on_run_running (self);
}

static void
start_run (VignetteWindow *self,
           VignetteRun    *run,
           const char     *title)
{
  /* One gallery at a time: the previous run stops (it finishes quietly) */
  _vignette_window_cancel (self);

  g_set_object (&self->run, run);
  g_signal_group_set_target (self->run_signals, run);
  g_free (self->title);
  self->title = g_strdup (title);

  vignette_detail_view_set_model (self->detail_view, NULL, NULL);
  vignette_gallery_page_set_run (self->gallery_page, run, title);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "only-failed", g_variant_new_boolean (FALSE));
  _vignette_window_show_page (self, "gallery");

  execute (self);
}

/* What the gallery is called: the site, the folder, or the file */
static char *
title_for_source (const char *source)
{
  VignetteSourceType type;
  g_autofree char *normalized = NULL;

  if (!vignette_source_classify (source, &type, &normalized, NULL))
    return g_strdup (source);

  if (type == VIGNETTE_SOURCE_LOCAL)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (normalized);
      g_autofree char *path = g_file_get_path (file);

      return path ? g_filename_display_basename (path) : g_strdup (source);
    }
  else
    {
      g_autofree char *sample = vignette_source_expand_template (normalized, 1);
      g_autoptr(GUri) uri = g_uri_parse (sample, G_URI_FLAGS_PARSE_RELAXED, NULL);

      return g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : source);
    }
}

/**
 * vignette_window_open_sources:
 * @sources: addresses, templates or local paths, as vignette-cli takes them
 *
 * Starts a new run on @sources and shows its gallery.
 *
 * Returns: %FALSE with @error when a source is not valid (nothing started)
 */
gboolean
vignette_window_open_sources (VignetteWindow     *self,
                              const char * const *sources,
                              int                 first_page,
                              int                 last_page,
                              const char         *selector,
                              GError            **error)
{
  g_autoptr(VignetteRun) run = NULL;
  g_autofree char *title = NULL;
  guint n_sources;

  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (sources != NULL && sources[0] != NULL, FALSE);

  if (selector != NULL && *selector != '\0' && !vignette_selector_check (selector, error))
    return FALSE;

  run = make_run (self, selector);
  for (guint i = 0; sources[i] != NULL; i++)
    if (!vignette_run_add_source (run, sources[i], first_page, last_page, error))
      return FALSE;

  n_sources = g_strv_length ((char **) sources);
  title = title_for_source (sources[0]);
  if (n_sources > 1)
    {
      g_autofree char *first = g_steal_pointer (&title);

      /* Translators: a gallery made of several sources: the first one's name and how many more */
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s and %u more", "%s and %u more",
                                            n_sources - 1),
                               first, n_sources - 1);
    }

  start_run (self, run, title);
  return TRUE;
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 number;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 0, 100000, &number, NULL))
    return (guint) number;
  return fallback;
}

/**
 * vignette_window_start_demo:
 *
 * Serves the built-in demo gallery on 127.0.0.1 (from this process) and
 * fetches all its pages. For screenshots and measurements the gallery can be
 * shaped with VIGNETTE_DEMO_PAGES, VIGNETTE_DEMO_PER_PAGE,
 * VIGNETTE_DEMO_LATENCY (ms) and VIGNETTE_DEMO_FAULTS=1 (a missing and a
 * damaged image on the last page).
 */
gboolean
vignette_window_start_demo (VignetteWindow  *self,
                            GError         **error)
{
  g_autoptr(VignetteRun) run = NULL;
  g_autofree char *template_uri = NULL;

  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), FALSE);

  if (self->demo == NULL)
    {
      g_autoptr(VignetteDemoSite) demo = vignette_demo_site_new ();

      g_object_set (demo,
                    "n-pages", CLAMP (env_uint ("VIGNETTE_DEMO_PAGES", 6), 1, 1000),
                    "per-page", CLAMP (env_uint ("VIGNETTE_DEMO_PER_PAGE", 4), 1, 100),
                    "latency", env_uint ("VIGNETTE_DEMO_LATENCY", 300),
                    "with-faults", env_uint ("VIGNETTE_DEMO_FAULTS", 0) != 0,
                    NULL);
      if (!vignette_demo_site_start (demo, error))
        return FALSE;
      self->demo = g_steal_pointer (&demo);
    }

  template_uri = vignette_demo_site_get_template (self->demo);
  /* The demo shows the thumbnails of everything, whatever the selector says */
  run = make_run (self, NULL);
  if (!vignette_run_add_source (run, template_uri, 1, (int) vignette_demo_site_get_n_pages (self->demo), error))
    return FALSE;

  start_run (self, run, _("Demo Gallery"));
  return TRUE;
}

static void
on_start_page_open (VignetteWindow *self,
                    const char     *source,
                    int             first,
                    int             last,
                    const char     *selector)
{
  const char *sources[] = { source, NULL };
  g_autoptr(GError) error = NULL;

  if (!vignette_window_open_sources (self, sources, first, last, selector, &error))
    vignette_start_page_show_error (self->start_page, error->message);
}

/* Saving --------------------------------------------------------------------- */

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(GTask) task = data;
  VignetteWindow *self = g_task_get_source_object (task);
  GFile *folder = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *name = g_file_get_parse_name (folder);
  guint n_saved;

  n_saved = vignette_run_save_finish (VIGNETTE_RUN (source), result, &error);
  if (!vignette_run_get_saving (VIGNETTE_RUN (source)))
    g_clear_object (&self->save_cancellable);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    message = g_strdup (_("Saving was cancelled"));
  else if (error != NULL)
    message = g_strdup (error->message);
  else
    /* Translators: “Saved the thumbnails of 24 images in /home/ana/Pictures” */
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Saved the thumbnails of %u image in %s",
                                            "Saved the thumbnails of %u images in %s", n_saved),
                               n_saved, name);

  vignette_window_show_toast (self, message);
  g_task_return_boolean (task, error == NULL);
}

/**
 * vignette_window_save_to:
 * @folder: where DIR/<size>/<name>.<ext> go
 *
 * Saves the run's thumbnails in the sizes and format of the preferences.
 *
 * Returns: whether saving started
 */
gboolean
vignette_window_save_to (VignetteWindow *self,
                         GFile          *folder)
{
  g_autoptr(GVariant) sizes = NULL;
  g_autofree char *format_name = NULL;
  VignetteFormat format = VIGNETTE_FORMAT_PNG;
  const guint32 *values;
  gsize n_sizes;
  GTask *task;

  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (folder), FALSE);

  if (self->run == NULL || vignette_run_get_saving (self->run))
    return FALSE;

  sizes = g_settings_get_value (self->settings, "save-sizes");
  values = g_variant_get_fixed_array (sizes, &n_sizes, sizeof (guint32));
  format_name = g_settings_get_string (self->settings, "save-format");
  vignette_format_parse (format_name, &format, NULL);

  /* The header shows "Saving 12 of 24…" from the run's own counters, and
   * the window's saving state is the run's (notify::saving) */
  g_clear_object (&self->save_cancellable);
  self->save_cancellable = g_cancellable_new ();

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, vignette_window_save_to);
  g_task_set_task_data (task, g_object_ref (folder), g_object_unref);
  vignette_run_save_async (self->run, folder, format, (const guint *) values, (guint) n_sizes,
                           self->save_cancellable, on_saved, task);
  return TRUE;
}

void
_vignette_window_notify_saving (VignetteWindow *self)
{
  _vignette_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVING]);
}

/* Cancel: everything at once, the run and any saving */
void
_vignette_window_cancel (VignetteWindow *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->save_cancellable != NULL)
    g_cancellable_cancel (self->save_cancellable);
}

void
_vignette_window_retry_failed (VignetteWindow *self)
{
  if (self->run == NULL || vignette_run_get_running (self->run))
    return;

  if (vignette_run_retry_failed (self->run) == 0)
    return;

  vignette_gallery_page_show_error (self->gallery_page, NULL);
  execute (self);
}

/* Drag and drop -------------------------------------------------------------- */

/* A dropped folder, file, or address (text/uri-list or plain text) */
gboolean
_vignette_window_open_dropped (VignetteWindow *self,
                               const GValue   *value)
{
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        {
          char *path = g_file_get_path (l->data);

          g_ptr_array_add (sources, path ? path : g_file_get_uri (l->data));
        }
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_STRING) && g_value_get_string (value) != NULL)
    {
      g_auto(GStrv) lines = g_strsplit_set (g_value_get_string (value), "\r\n", -1);

      /* A text/uri-list or plain text: one address per line */
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_strstrip (lines[i]);
          if (*lines[i] != '\0' && *lines[i] != '#')
            g_ptr_array_add (sources, g_strdup (lines[i]));
        }
    }

  if (sources->len == 0)
    return FALSE;

  g_ptr_array_add (sources, NULL);
  if (!vignette_window_open_sources (self, (const char * const *) sources->pdata, 1, 1, NULL, &error))
    {
      vignette_window_show_toast (self, error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
on_drop (GtkDropTarget  *target,
         const GValue   *value,
         double          x,
         double          y,
         VignetteWindow *self)
{
  return _vignette_window_open_dropped (self, value);
}

/* GObject -------------------------------------------------------------------- */

static gboolean
vignette_window_close_request (GtkWindow *window)
{
  VignetteWindow *self = VIGNETTE_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  _vignette_window_cancel (self);

  return GTK_WINDOW_CLASS (vignette_window_parent_class)->close_request (window);
}

static void
vignette_window_dispose (GObject *object)
{
  VignetteWindow *self = VIGNETTE_WINDOW (object);

  _vignette_window_cancel (self);
  if (self->run_signals != NULL)
    g_signal_group_set_target (self->run_signals, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VIGNETTE_TYPE_WINDOW);
  g_clear_object (&self->run_signals);
  g_clear_object (&self->run);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->save_cancellable);
  g_clear_object (&self->demo);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (vignette_window_parent_class)->dispose (object);
}

static void
vignette_window_finalize (GObject *object)
{
  VignetteWindow *self = VIGNETTE_WINDOW (object);

  g_free (self->title);

  G_OBJECT_CLASS (vignette_window_parent_class)->finalize (object);
}

static void
vignette_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  VignetteWindow *self = VIGNETTE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, vignette_window_get_running (self));
      break;
    case PROP_SAVING:
      g_value_set_boolean (value, vignette_window_get_saving (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_window_class_init (VignetteWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = vignette_window_dispose;
  object_class->finalize = vignette_window_finalize;
  object_class->get_property = vignette_window_get_property;
  window_class->close_request = vignette_window_close_request;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SAVING] =
    g_param_spec_boolean ("saving", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * VignetteWindow::run-finished:
   *
   * The run has stopped: everything is done, failed or cancelled.
   */
  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (VIGNETTE_TYPE_START_PAGE);
  g_type_ensure (VIGNETTE_TYPE_GALLERY_PAGE);
  g_type_ensure (VIGNETTE_TYPE_DETAIL_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/vignette-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VignetteWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, VignetteWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, VignetteWindow, start_page);
  gtk_widget_class_bind_template_child (widget_class, VignetteWindow, gallery_page);
  gtk_widget_class_bind_template_child (widget_class, VignetteWindow, detail_view);
  gtk_widget_class_bind_template_callback (widget_class, on_start_page_open);
  gtk_widget_class_bind_template_callback (widget_class, on_item_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_detail_back);
}

static void
vignette_window_init (VignetteWindow *self)
{
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_settings_bind (self->settings, "zoom-size", self->gallery_page, "zoom-size", G_SETTINGS_BIND_DEFAULT);

  self->run_signals = g_signal_group_new (VIGNETTE_TYPE_RUN);
  g_signal_group_connect_swapped (self->run_signals, "notify::running", G_CALLBACK (on_run_running), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-done",
                                  G_CALLBACK (_vignette_window_update_actions), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-failed",
                                  G_CALLBACK (_vignette_window_update_actions), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-cancelled",
                                  G_CALLBACK (_vignette_window_update_actions), self);
  /* Saving is the engine's state ("Save Thumbnails…" is its export) */
  g_signal_group_connect_swapped (self->run_signals, "notify::saving",
                                  G_CALLBACK (_vignette_window_notify_saving), self);

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  _vignette_window_add_actions (self);
  _vignette_window_update_actions (self);

  /* Typing starts at once in the address entry */
  vignette_start_page_focus (self->start_page);
}

VignetteWindow *
vignette_window_new (GtkApplication *application)
{
  return g_object_new (VIGNETTE_TYPE_WINDOW, "application", application, NULL);
}

VignetteRun *
vignette_window_get_run (VignetteWindow *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), NULL);
  return self->run;
}

gboolean
vignette_window_get_running (VignetteWindow *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), FALSE);
  return self->run != NULL && vignette_run_get_running (self->run);
}

gboolean
vignette_window_get_saving (VignetteWindow *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), FALSE);
  return self->run != NULL && vignette_run_get_saving (self->run);
}

/* "start", "gallery" or "detail" */
const char *
vignette_window_get_page (VignetteWindow *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

void
vignette_window_show_toast (VignetteWindow *self,
                            const char     *message)
{
  g_return_if_fail (VIGNETTE_IS_WINDOW (self));

  vignette_show_toast (GTK_WIDGET (self->toast_overlay), message);
}

VignetteStartPage *
vignette_window_get_start_page (VignetteWindow *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), NULL);
  return self->start_page;
}

VignetteGalleryPage *
vignette_window_get_gallery_page (VignetteWindow *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), NULL);
  return self->gallery_page;
}

VignetteDetailView *
vignette_window_get_detail_view (VignetteWindow *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WINDOW (self), NULL);
  return self->detail_view;
}
