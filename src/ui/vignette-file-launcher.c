/* vignette-file-launcher.c: a local image handed to other applications: Open With…, Show in Files
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outside a sandbox, "Open With…" is GTK's application chooser and "Show
 * in Files" asks the file manager (Nautilus, Dolphin, Nemo…) through the
 * org.freedesktop.FileManager1 interface to open the folder with the file
 * selected. Inside Flatpak neither the host's applications nor its file
 * manager are reachable: the OpenURI portal does both (OpenFile with "ask",
 * OpenDirectory), given a file descriptor of the file. Every call is
 * asynchronous; a failure is said in a toast.
 */
#include "config.h"

#include <fcntl.h>

#include <glib/gi18n.h>
#include <gio/gunixfdlist.h>

#include "vignette-file-launcher.h"
#include "vignette-ui.h"

gboolean
vignette_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

static void
report_failure (GtkWindow  *parent,
                GError     *error)
{
  g_autofree char *message = NULL;

  if (parent == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Translators: %s says why, from the system */
  message = g_strdup_printf (_("The file could not be opened: %s"), error->message);
  vignette_show_toast (GTK_WIDGET (parent), message);
}

static void
on_portal_called (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GtkWindow) parent = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), NULL, result, &error);
  if (reply == NULL)
    report_failure (parent, error);
}

/* org.freedesktop.portal.OpenURI.OpenFile or .OpenDirectory on @file */
static void
call_portal (GtkWindow  *parent,
             GFile      *file,
             const char *method,
             gboolean    ask)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  GVariantBuilder options;
  int fd;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL || path == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("The file is not a local file."));
      report_failure (parent, error);
      return;
    }

  fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error_literal (&error, G_IO_ERROR, g_io_error_from_errno (saved), g_strerror (saved));
      report_failure (parent, error);
      return;
    }
  fds = g_unix_fd_list_new_from_array (&fd, 1);  /* takes the descriptor */

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (ask)
    g_variant_builder_add (&options, "{sv}", "ask", g_variant_new_boolean (TRUE));

  g_dbus_connection_call_with_unix_fd_list (bus, "org.freedesktop.portal.Desktop",
                                            "/org/freedesktop/portal/desktop",
                                            "org.freedesktop.portal.OpenURI", method,
                                            g_variant_new ("(sha{sv})", "", 0, &options),
                                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, fds, NULL,
                                            on_portal_called, parent ? g_object_ref (parent) : NULL);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS  /* GtkAppChooserDialog: 4.10 has no replacement */

static void
on_app_chosen (GtkDialog *dialog,
               int        response,
               gpointer   data)
{
  g_autoptr(GFile) file = data;
  g_autoptr(GAppInfo) app = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  if (response == GTK_RESPONSE_OK)
    app = gtk_app_chooser_get_app_info (GTK_APP_CHOOSER (dialog));

  if (app != NULL)
    {
      g_autoptr(GdkAppLaunchContext) context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (dialog)));
      GList files = { file, NULL, NULL };

      if (!g_app_info_launch (app, &files, G_APP_LAUNCH_CONTEXT (context), &error))
        report_failure (parent, error);
    }

  gtk_window_destroy (GTK_WINDOW (dialog));
}

void
vignette_file_open_with (GtkWindow *parent,
                         GFile     *file)
{
  GtkWidget *dialog;

  g_return_if_fail (G_IS_FILE (file));

  if (vignette_is_sandboxed ())
    {
      call_portal (parent, file, "OpenFile", TRUE);
      return;
    }

  dialog = gtk_app_chooser_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, file);
  g_signal_connect (dialog, "response", G_CALLBACK (on_app_chosen), g_object_ref (file));
  gtk_window_present (GTK_WINDOW (dialog));
}

G_GNUC_END_IGNORE_DEPRECATIONS

typedef struct {
  GtkWindow *parent;
  GFile     *file;
} ShowItem;

static void
show_item_free (ShowItem *show)
{
  g_clear_object (&show->parent);
  g_object_unref (show->file);
  g_free (show);
}

static void
on_show_items (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  ShowItem *show = data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  /* No file manager on the bus: open the folder itself */
  if (reply == NULL)
    {
      g_autoptr(GFile) folder = g_file_get_parent (show->file);
      g_autofree char *uri = g_file_get_uri (folder ? folder : show->file);

      vignette_open_uri (show->parent, uri);
    }

  show_item_free (show);
}

void
vignette_file_show_in_folder (GtkWindow *parent,
                              GFile     *file)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree char *uri = NULL;
  const char *uris[2] = { NULL, NULL };
  ShowItem *show;

  g_return_if_fail (G_IS_FILE (file));

  if (vignette_is_sandboxed ())
    {
      call_portal (parent, file, "OpenDirectory", FALSE);
      return;
    }

  show = g_new0 (ShowItem, 1);
  show->parent = parent ? g_object_ref (parent) : NULL;
  show->file = g_object_ref (file);

  /* The application holds the session bus already: this returns it at once */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    {
      g_autoptr(GFile) folder = g_file_get_parent (file);
      g_autofree char *folder_uri = g_file_get_uri (folder ? folder : file);

      vignette_open_uri (parent, folder_uri);
      show_item_free (show);
      return;
    }

  uri = g_file_get_uri (file);
  uris[0] = uri;
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, on_show_items, show);
}
