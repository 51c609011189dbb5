/* vignette-ui.c: what the whole window shares: set-up, limits and a few texts
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <adwaita.h>

#include "vignette-extractor.h"
#include "vignette-ui.h"
#include "vignette-ui-resources.h"

/* Both the application and the widget tests start here, once */
void
vignette_ui_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      vignette_ui_register_resource ();
      vignette_extractor_init ();
      g_once_init_leave (&initialized, 1);
    }
}

/* VIGNETTE_LOCALEDIR points an uninstalled build at its own catalogues, as
 * for vignette-cli. */
void
vignette_ui_init_locale (void)
{
  const char *localedir = g_getenv ("VIGNETTE_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/* "37 of 120", "13 of 24 · 11 cancelled", "20 of 24 · 1 failed · 3 cancelled":
 * the first count is the images made into thumbnails, so that a cancelled
 * or failing run never reads as a finished one */
char *
vignette_format_progress (guint n_done,
                          guint n_items,
                          guint n_failed,
                          guint n_cancelled)
{
  GString *text = g_string_new (NULL);

  /* Translators: images made into thumbnails out of the total, as in “37 of 120” */
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u of %u", "%u of %u", n_items),
                          n_done, n_items);
  if (n_failed > 0)
    {
      g_string_append (text, " · ");
      /* Translators: a count of images that failed, after “37 of 120 · ” */
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", n_failed),
                              n_failed);
    }
  if (n_cancelled > 0)
    {
      g_string_append (text, " · ");
      /* Translators: a count of images that were cancelled, after “37 of 120 · ” */
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u cancelled", "%u cancelled", n_cancelled),
                              n_cancelled);
    }

  return g_string_free (text, FALSE);
}

/* What the retry action does, for its tooltip and its accessible name */
char *
vignette_format_retry (guint n_failed,
                       guint n_cancelled)
{
  if (n_cancelled == 0)
    /* Translators: the retry button's tooltip */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Retry the %u Failed Image",
                                         "Retry the %u Failed Images", n_failed), n_failed);
  if (n_failed == 0)
    /* Translators: the retry button's tooltip, after a cancelled run */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Resume the %u Cancelled Image",
                                         "Resume the %u Cancelled Images", n_cancelled), n_cancelled);
  /* Translators: the retry button's tooltip; the number is failed and cancelled images together */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Retry the %u Failed or Cancelled Image",
                                       "Retry the %u Failed or Cancelled Images", n_failed + n_cancelled),
                          n_failed + n_cancelled);
}

/* A local file (or folder), as opposed to a download. The engine does not
 * say so yet: the address's scheme does. */
gboolean
vignette_uri_is_local (const char *uri)
{
  return uri != NULL && g_ascii_strncasecmp (uri, "file:", 5) == 0;
}

/* The address to show: the path of a local file (not file:///…), the URL
 * of anything else */
char *
vignette_dup_display_address (const char *uri)
{
  if (vignette_uri_is_local (uri))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uri);
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        return g_filename_display_name (path);
    }

  return g_strdup (uri);
}

const char *
vignette_describe_state (VignetteItemState state,
                         VignetteItemKind  kind)
{
  switch (state)
    {
    case VIGNETTE_ITEM_STATE_QUEUED:
      /* Translators: the state of an image that waits for a free connection */
      return C_("state", "Waiting");
    case VIGNETTE_ITEM_STATE_FETCHING_PAGE:
      return kind == VIGNETTE_ITEM_KIND_FOLDER ? _("Reading folder…") : _("Fetching page…");
    case VIGNETTE_ITEM_STATE_DOWNLOADING:
      return C_("state", "Downloading…");
    case VIGNETTE_ITEM_STATE_PROCESSING:
      /* Translators: the image is being decoded and scaled */
      return C_("state", "Making thumbnails…");
    case VIGNETTE_ITEM_STATE_DONE:
      return C_("state", "Done");
    case VIGNETTE_ITEM_STATE_FAILED:
      return C_("state", "Failed");
    case VIGNETTE_ITEM_STATE_CANCELLED:
      return C_("state", "Cancelled");
    default:
      g_return_val_if_reached ("");
    }
}

const char *
vignette_describe_item_state (VignetteItem *item)
{
  VignetteItemState state = vignette_item_get_state (item);

  /* A local file is read, not downloaded */
  if (state == VIGNETTE_ITEM_STATE_DOWNLOADING && vignette_uri_is_local (vignette_item_get_uri (item)))
    /* Translators: the state of a local image file being read from disk */
    return C_("state", "Reading…");

  return vignette_describe_state (state, vignette_item_get_kind (item));
}

/* Rounds to the nearest size a run makes */
guint
vignette_zoom_clamp (int size)
{
  int rounded = (size + VIGNETTE_ZOOM_STEP / 2) / VIGNETTE_ZOOM_STEP * VIGNETTE_ZOOM_STEP;

  return (guint) CLAMP (rounded, VIGNETTE_ZOOM_MIN, VIGNETTE_ZOOM_MAX);
}

/* Choosing files ----------------------------------------------------------- */

#if GTK_CHECK_VERSION (4, 10, 0)

static void
on_dialog_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  GtkFileDialog *dialog = GTK_FILE_DIALOG (source);
  GError *error = NULL;
  GFile *file;

  if (g_task_get_source_tag (task) == vignette_choose_folder_async)
    file = gtk_file_dialog_select_folder_finish (dialog, result, &error);
  else
    file = gtk_file_dialog_save_finish (dialog, result, &error);

  if (file == NULL)
    {
      /* Dismissing the dialog is no error worth a message */
      if (g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
        {
          g_clear_error (&error);
          error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Dismissed");
        }
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, file, g_object_unref);
}

#else

static void
on_native_response (GtkNativeDialog *native,
                    int              response,
                    gpointer         data)
{
  g_autoptr(GTask) task = data;

  if (response == GTK_RESPONSE_ACCEPT)
    g_task_return_pointer (task, gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native)), g_object_unref);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Dismissed");

  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

#endif

static void
choose_file (GtkWindow            *parent,
             gboolean              folder,
             const char           *title,
             const char           *accept_label,
             const char           *suggested_name,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data,
             gpointer              source_tag)
{
  GTask *task = g_task_new (parent, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, title);
    gtk_file_dialog_set_modal (dialog, TRUE);
    if (accept_label != NULL)
      gtk_file_dialog_set_accept_label (dialog, accept_label);
    if (folder)
      gtk_file_dialog_select_folder (dialog, parent, cancellable, on_dialog_done, task);
    else
      {
        gtk_file_dialog_set_initial_name (dialog, suggested_name);
        gtk_file_dialog_save (dialog, parent, cancellable, on_dialog_done, task);
      }
  }
#else
  {
    GtkFileChooserNative *native;

    native = gtk_file_chooser_native_new (title, parent,
                                          folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                 : GTK_FILE_CHOOSER_ACTION_SAVE,
                                          accept_label, NULL);
    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
    if (suggested_name != NULL)
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested_name);
    g_signal_connect (native, "response", G_CALLBACK (on_native_response), task);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
  }
#endif
}

void
vignette_choose_folder_async (GtkWindow           *parent,
                              const char          *title,
                              const char          *accept_label,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  choose_file (parent, TRUE, title, accept_label, NULL, cancellable, callback, user_data,
               vignette_choose_folder_async);
}

void
vignette_choose_save_file_async (GtkWindow           *parent,
                                 const char          *title,
                                 const char          *suggested_name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  choose_file (parent, FALSE, title, NULL, suggested_name, cancellable, callback, user_data,
               vignette_choose_save_file_async);
}

/**
 * vignette_choose_file_finish:
 *
 * Returns: (transfer full): the file or folder, or %NULL with
 *   %G_IO_ERROR_CANCELLED when the user closed the dialog
 */
GFile *
vignette_choose_file_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
vignette_open_uri (GtkWindow  *parent,
                   const char *uri)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  g_autoptr(GtkUriLauncher) launcher = gtk_uri_launcher_new (uri);

  gtk_uri_launcher_launch (launcher, parent, NULL, NULL, NULL);
#else
  gtk_show_uri (parent, uri, GDK_CURRENT_TIME);
#endif
}

/* A short message at the bottom of the window the widget is in */
void
vignette_show_toast (GtkWidget  *widget,
                     const char *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *escaped = NULL;

  if (overlay == NULL)
    {
      g_message ("%s", message);
      return;
    }

  /* A toast's title is markup */
  escaped = g_markup_escape_text (message, -1);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (escaped));
}

/* A text button's accessible name on GTK 4.8 is its label, underscore
 * included, followed by the text of the label inside it, which the button
 * is "labelled by": "_Fetch Thumbnails Fetch Thumbnails". This names the
 * button once, with its label without the mnemonic. */
void
vignette_accessible_label_from_mnemonic (GtkButton *button)
{
  const char *label = gtk_button_get_label (button);
  GString *plain;

  if (label == NULL)
    return;

  plain = g_string_sized_new (strlen (label));
  for (const char *p = label; *p != '\0'; p++)
    {
      if (*p == '_')
        {
          if (p[1] != '_')
            continue;
          p++;  /* "__" is a literal underscore */
        }
      g_string_append_c (plain, *p);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, plain->str, -1);
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  g_string_free (plain, TRUE);
}

static gboolean
hide_icon_once (GtkWidget *image)
{
  gtk_accessible_update_state (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  return G_SOURCE_REMOVE;
}

static void
hide_icon (GtkWidget *image)
{
  gtk_accessible_update_state (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
}

/* GTK marks a widget shown as not hidden after it notifies "visible", and
 * when it is mapped */
static void
on_icon_shown (GtkWidget *image)
{
  g_idle_add_full (G_PRIORITY_HIGH_IDLE, (GSourceFunc) G_CALLBACK (hide_icon_once),
                   g_object_ref (image), g_object_unref);
}

/* The icons inside libadwaita's rows (the pencil of an entry row, the arrow
 * of an expander row) are decoration that GTK 4.8 exposes as images named
 * "GtkImage": the row's own name says what they mean, so they are hidden
 * from screen readers. Showing a widget makes it visible to them again:
 * the icons that come and go are hidden again each time. */
void
vignette_accessible_hide_icons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_IMAGE (child))
        {
          hide_icon (child);
          g_signal_connect (child, "notify::visible", G_CALLBACK (on_icon_shown), NULL);
          g_signal_connect (child, "map", G_CALLBACK (on_icon_shown), NULL);
        }
      else
        vignette_accessible_hide_icons (child);
    }
}

/* For a widget with a layout manager: the template children without an id
 * are not unparented by gtk_widget_dispose_template() */
void
vignette_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}
