/* vignette-window-actions.c: the window's actions ("win.*") and when they are enabled
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GActionEntry on the window rather than gtk_widget_class_install_action():
 * a GtkApplicationWindow exports its action group on the session bus
 * (/io/github/vignette/Vignette/window/N), which is what the end-to-end test
 * and the screenshot script drive, and g_action_group_get_action_enabled()
 * lets the widget tests check the enabled states the header follows.
 * Accelerators are set once, in the application.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "vignette-ui.h"
#include "vignette-window-private.h"

static void
new_gallery_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  _vignette_window_show_page (VIGNETTE_WINDOW (data), "start");
}

static void
on_folder_chosen (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  VignetteWindow *self = VIGNETTE_WINDOW (source);
  g_autoptr(GFile) folder = vignette_choose_file_finish (result, NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (folder == NULL)
    return;

  path = g_file_get_path (folder);
  {
    const char *sources[] = { path ? path : "", NULL };

    if (path == NULL ||
        !vignette_window_open_sources (self, sources, 1, 1, NULL, &error))
      vignette_window_show_toast (self, error ? error->message : _("This folder cannot be read."));
  }
}

static void
open_folder_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  vignette_choose_folder_async (GTK_WINDOW (data), _("Open Folder"), _("_Open"), NULL,
                                on_folder_chosen, NULL);
}

static void
demo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  VignetteWindow *self = VIGNETTE_WINDOW (data);
  g_autoptr(GError) error = NULL;

  if (!vignette_window_start_demo (self, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The demo gallery could not start: %s"), error->message);
      vignette_window_show_toast (self, message);
    }
}

static void
cancel_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  _vignette_window_cancel (VIGNETTE_WINDOW (data));
}

static void
on_save_folder_chosen (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  g_autoptr(GFile) folder = vignette_choose_file_finish (result, NULL);

  if (folder != NULL)
    vignette_window_save_to (VIGNETTE_WINDOW (source), folder);
}

static void
save_thumbnails_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       data)
{
  vignette_choose_folder_async (GTK_WINDOW (data), _("Save Thumbnails"), _("_Save Here"), NULL,
                                on_save_folder_chosen, NULL);
}

static void
retry_failed_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       data)
{
  _vignette_window_retry_failed (VIGNETTE_WINDOW (data));
}

static void
zoom_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  VignetteWindow *self = VIGNETTE_WINDOW (data);
  const char *name = g_action_get_name (G_ACTION (action));
  int size = (int) vignette_gallery_page_get_zoom_size (self->gallery_page);

  if (g_str_equal (name, "zoom-in"))
    size += VIGNETTE_ZOOM_STEP;
  else if (g_str_equal (name, "zoom-out"))
    size -= VIGNETTE_ZOOM_STEP;
  else
    size = 200;

  vignette_gallery_page_set_zoom_size (self->gallery_page, vignette_zoom_clamp (size));
}

static void
search_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  VignetteWindow *self = VIGNETTE_WINDOW (data);

  _vignette_window_show_page (self, "gallery");
  vignette_gallery_page_start_search (self->gallery_page);
}

/* What activating a card does, for the keyboard and the session bus */
static void
open_image_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       data)
{
  VignetteWindow *self = VIGNETTE_WINDOW (data);
  guint position = g_variant_get_uint32 (parameter);

  if (position < g_list_model_get_n_items (vignette_gallery_page_get_visible_items (self->gallery_page)))
    g_signal_emit_by_name (self->gallery_page, "item-activated", position);
}

static void
only_failed_changed (GSimpleAction *action,
                     GVariant      *value,
                     gpointer       data)
{
  VignetteWindow *self = VIGNETTE_WINDOW (data);

  g_simple_action_set_state (action, value);
  vignette_gallery_page_set_only_failed (self->gallery_page, g_variant_get_boolean (value));
}

static const GActionEntry entries[] = {
  { "new-gallery", new_gallery_activated },
  { "open-folder", open_folder_activated },
  { "demo", demo_activated },
  { "cancel", cancel_activated },
  { "save-thumbnails", save_thumbnails_activated },
  { "retry-failed", retry_failed_activated },
  { "zoom-in", zoom_activated },
  { "zoom-out", zoom_activated },
  { "zoom-reset", zoom_activated },
  { "search", search_activated },
  { "open-image", open_image_activated, "u" },
  { "only-failed", NULL, NULL, "false", only_failed_changed },
};

static void
set_enabled (VignetteWindow *self,
             const char     *name,
             gboolean        enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

/* Cancel only while something runs, Save only when some thumbnails exist,
 * Retry only when something failed and nothing runs */
void
_vignette_window_update_actions (VignetteWindow *self)
{
  VignetteRun *run = self->run;
  gboolean running = run != NULL && vignette_run_get_running (run);
  gboolean saving = vignette_window_get_saving (self);
  guint n_done = run ? vignette_run_get_n_done (run) : 0;
  guint n_retryable = run ? vignette_run_get_n_failed (run) + vignette_run_get_n_cancelled (run) : 0;
  guint zoom = vignette_gallery_page_get_zoom_size (self->gallery_page);

  set_enabled (self, "cancel", running || saving);
  set_enabled (self, "save-thumbnails", n_done > 0 && !saving);
  set_enabled (self, "retry-failed", !running && n_retryable > 0);
  set_enabled (self, "zoom-in", zoom < VIGNETTE_ZOOM_MAX);
  set_enabled (self, "zoom-out", zoom > VIGNETTE_ZOOM_MIN);
  set_enabled (self, "search", run != NULL);
  set_enabled (self, "only-failed", run != NULL);
  set_enabled (self, "open-image", run != NULL);
}

void
_vignette_window_add_actions (VignetteWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect_object (self->gallery_page, "notify::zoom-size",
                           G_CALLBACK (_vignette_window_update_actions), self, G_CONNECT_SWAPPED);
}
