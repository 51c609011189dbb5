/* test-resources.c: the shortcuts window, the preferences and the styles load and work
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ui-test-utils.h"
#include "vignette-preferences-window.h"

/* GtkApplication builds it on Ctrl+?; a mistake in it would abort there */
static void
test_help_overlay (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (RESOURCE_PREFIX "/gtk/help-overlay.ui");
  GObject *window = gtk_builder_get_object (builder, "help_overlay");

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_style (void)
{
  g_autoptr(GBytes) css = g_resources_lookup_data (RESOURCE_PREFIX "/style.css", 0, NULL);
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
  const char *text;

  g_assert_nonnull (css);
  text = g_bytes_get_data (css, NULL);
  gtk_css_provider_load_from_data (provider, text, g_bytes_get_size (css));

  /* Colours by name only, so that dark and high-contrast styles apply */
  g_assert_null (strstr (text, "#"));
  g_assert_null (strstr (text, "rgb("));
}

static GtkWidget *
find_spin (GtkWidget *widget,
           double     lower,
           double     upper)
{
  if (GTK_IS_SPIN_BUTTON (widget))
    {
      GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (widget));

      if (gtk_adjustment_get_lower (adjustment) == lower && gtk_adjustment_get_upper (adjustment) == upper)
        return widget;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_spin (child, lower, upper);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
collect_checks (GtkWidget *widget,
                GPtrArray *checks)
{
  if (GTK_IS_CHECK_BUTTON (widget))
    g_ptr_array_add (checks, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_checks (child, checks);
}

/* The rows write GSettings; the sizes to save never become empty */
static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *window = vignette_preferences_window_new (NULL);
  g_autoptr(GPtrArray) checks = g_ptr_array_new ();
  g_autoptr(GVariant) sizes = NULL;
  GtkWidget *megapixels;

  gtk_window_present (GTK_WINDOW (window));

  megapixels = find_spin (window, 1, 1000);
  g_assert_nonnull (megapixels);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (megapixels)), ==, 100);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (megapixels), 250);
  g_assert_cmpuint (g_settings_get_uint (settings, "max-megapixels"), ==, 250);

  collect_checks (window, checks);
  g_assert_cmpuint (checks->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_true (gtk_check_button_get_active (checks->pdata[i]));

  /* Untick 100, 300, 400, 500: only 200 is left, and it cannot go */
  for (guint i = 0; i < 5; i++)
    if (i != 1)
      gtk_check_button_set_active (checks->pdata[i], FALSE);
  sizes = g_settings_get_value (settings, "save-sizes");
  g_assert_cmpuint (g_variant_n_children (sizes), ==, 1);
  gtk_check_button_set_active (checks->pdata[1], FALSE);
  g_assert_true (gtk_check_button_get_active (checks->pdata[1]));
  g_clear_pointer (&sizes, g_variant_unref);
  sizes = g_settings_get_value (settings, "save-sizes");
  g_assert_cmpuint (g_variant_n_children (sizes), ==, 1);

  /* The format row and the setting agree both ways */
  g_settings_set_string (settings, "save-format", "webp");
  g_settings_reset (settings, "save-sizes");
  g_assert_true (gtk_check_button_get_active (checks->pdata[4]));

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "max-megapixels");
  g_settings_reset (settings, "save-format");
}

int
main (int    argc,
      char **argv)
{
  vignette_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/resources/help-overlay", test_help_overlay);
  g_test_add_func ("/ui/resources/style", test_style);
  g_test_add_func ("/ui/preferences/bindings", test_preferences);

  return g_test_run ();
}
