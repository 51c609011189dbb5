/* vignette-preferences-window.c: the settings that apply to the next run
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every row is bound to GSettings; nothing here touches a run. The window
 * reads the settings when it starts the next one.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "vignette-preferences-window.h"
#include "vignette-ui.h"

static const char * const formats[] = { "png", "jpeg", "webp" };

struct _VignettePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GtkAdjustment        *jobs_adjustment;
  GtkAdjustment        *per_host_adjustment;
  GtkAdjustment        *retries_adjustment;
  GtkAdjustment        *threads_adjustment;
  GtkAdjustment        *megapixels_adjustment;
  AdwPreferencesGroup  *saving_group;
  AdwComboRow          *format_row;
  GtkWidget            *size_checks[5];

  GSettings            *settings;
  gboolean              updating_sizes;
};

G_DEFINE_FINAL_TYPE (VignettePreferencesWindow, vignette_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
format_from_setting (GValue   *value,
                     GVariant *variant,
                     gpointer  data)
{
  const char *format = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (format, formats[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
format_to_setting (const GValue       *value,
                   const GVariantType *type,
                   gpointer            data)
{
  guint i = g_value_get_uint (value);

  return g_variant_new_string (formats[MIN (i, G_N_ELEMENTS (formats) - 1)]);
}

static guint
size_of_check (guint i)
{
  return VIGNETTE_ZOOM_MIN + i * VIGNETTE_ZOOM_STEP;
}

static void
sizes_from_settings (VignettePreferencesWindow *self)
{
  g_autoptr(GVariant) sizes = g_settings_get_value (self->settings, "save-sizes");
  gsize n_sizes;
  const guint32 *values = g_variant_get_fixed_array (sizes, &n_sizes, sizeof (guint32));

  self->updating_sizes = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (self->size_checks); i++)
    {
      gboolean on = FALSE;

      for (gsize j = 0; j < n_sizes; j++)
        on |= values[j] == size_of_check (i);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->size_checks[i]), on);
    }
  self->updating_sizes = FALSE;
}

static void
on_size_toggled (VignettePreferencesWindow *self)
{
  g_autoptr(GArray) sizes = NULL;

  if (self->updating_sizes)
    return;

  sizes = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < G_N_ELEMENTS (self->size_checks); i++)
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->size_checks[i])))
      {
        guint32 size = size_of_check (i);
        g_array_append_val (sizes, size);
      }

  /* At least one size: saving nothing is not a choice */
  if (sizes->len == 0)
    {
      sizes_from_settings (self);
      return;
    }

  g_settings_set_value (self->settings, "save-sizes",
                        g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, sizes->data, sizes->len,
                                                   sizeof (guint32)));
}

static void
vignette_preferences_window_dispose (GObject *object)
{
  VignettePreferencesWindow *self = VIGNETTE_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), VIGNETTE_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (vignette_preferences_window_parent_class)->dispose (object);
}

static void
vignette_preferences_window_class_init (VignettePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vignette_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/vignette-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VignettePreferencesWindow, jobs_adjustment);
  gtk_widget_class_bind_template_child (widget_class, VignettePreferencesWindow, per_host_adjustment);
  gtk_widget_class_bind_template_child (widget_class, VignettePreferencesWindow, retries_adjustment);
  gtk_widget_class_bind_template_child (widget_class, VignettePreferencesWindow, threads_adjustment);
  gtk_widget_class_bind_template_child (widget_class, VignettePreferencesWindow, megapixels_adjustment);
  gtk_widget_class_bind_template_child (widget_class, VignettePreferencesWindow, saving_group);
  gtk_widget_class_bind_template_child (widget_class, VignettePreferencesWindow, format_row);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
hide_search_entries (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SEARCH_ENTRY (child))
        gtk_accessible_update_state (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      else
        hide_search_entries (child);
    }
}

static void
vignette_preferences_window_init (VignettePreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The page's icon and the rows' are decoration; the window's search
   * entry is never shown (search-enabled is off) */
  vignette_accessible_hide_icons (GTK_WIDGET (self));
  hide_search_entries (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "jobs", self->jobs_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "per-host", self->per_host_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "retries", self->retries_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "threads", self->threads_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "max-megapixels", self->megapixels_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "save-format", self->format_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, format_from_setting, format_to_setting,
                                NULL, NULL);

  /* One check per size; the "au" key has no one-to-one binding */
  for (guint i = 0; i < G_N_ELEMENTS (self->size_checks); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = NULL;

      self->size_checks[i] = gtk_check_button_new ();
      gtk_widget_set_valign (self->size_checks[i], GTK_ALIGN_CENTER);
      /* Translators: a thumbnail size, as in “200 × 200 pixels” */
      title = g_strdup_printf (_("%u × %u pixels"), size_of_check (i), size_of_check (i));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), self->size_checks[i]);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), self->size_checks[i]);
      adw_preferences_group_add (self->saving_group, row);
    }

  sizes_from_settings (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->size_checks); i++)
    g_signal_connect_swapped (self->size_checks[i], "toggled", G_CALLBACK (on_size_toggled), self);
  g_signal_connect_object (self->settings, "changed::save-sizes", G_CALLBACK (sizes_from_settings),
                           self, G_CONNECT_SWAPPED);
}

GtkWidget *
vignette_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (VIGNETTE_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
}
