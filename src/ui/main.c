/* main.c: vignette, the desktop application
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "vignette-application.h"
#include "vignette-stats.h"
#include "vignette-ui.h"

/* g_settings_new() aborts on a missing schema; an uninstalled build needs
 * GSETTINGS_SCHEMA_DIR=<build>/data, which `meson devenv` sets */
static gboolean
check_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

  if (schema != NULL)
    return TRUE;

  g_printerr (_("vignette: the settings schema %s is not installed. Install Vignette, or run it "
                "from its build folder with “meson devenv -C BUILD-FOLDER vignette”.\n"), APP_ID);
  return FALSE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(VignetteApplication) application = NULL;

  vignette_tune_allocator ();
  vignette_ui_init_locale ();
  g_set_prgname ("vignette");

  application = vignette_application_new ();
  /* --version and --help need no settings */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--version") || g_str_equal (argv[i], "-h") || g_str_has_prefix (argv[i], "--help"))
      return g_application_run (G_APPLICATION (application), argc, argv);

  if (!check_schema ())
    return 1;

  return g_application_run (G_APPLICATION (application), argc, argv);
}
