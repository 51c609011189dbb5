/* vignette-start-page.c: what to fetch: an address, a template, a folder, or the demo
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The entry takes what vignette-cli takes. While the user types, the page
 * only decides whether the text is a template (to show the page range);
 * mistakes are reported under the entry, in one sentence, when the user
 * asks to fetch. A local path is checked with an asynchronous query, so a
 * slow or absent disk never freezes the window.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <adwaita.h>

#include "vignette-error.h"
#include "vignette-extractor.h"
#include "vignette-source.h"
#include "vignette-start-page.h"
#include "vignette-ui.h"

#define MAX_RECENT 5

struct _VignetteStartPage
{
  GtkWidget      parent_instance;

  AdwStatusPage *status_page;
  AdwEntryRow   *source_row;
  AdwEntryRow   *pages_row;
  AdwExpanderRow *advanced_row;
  AdwEntryRow   *selector_row;
  GtkLabel      *error_label;
  GtkButton     *fetch_button;
  GtkButton     *open_folder_button;
  GtkButton     *demo_button;
  GtkWidget     *recent_box;
  GtkListBox    *recent_list;

  GSettings     *settings;
  GCancellable  *check;        /* the query of a local path, while it runs */
};

G_DEFINE_FINAL_TYPE (VignetteStartPage, vignette_start_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ERROR,
  PROP_CHECKING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  OPEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
cancel_check (VignetteStartPage *self)
{
  if (self->check == NULL)
    return;

  g_cancellable_cancel (self->check);
  g_clear_object (&self->check);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKING]);
}

void
vignette_start_page_show_error (VignetteStartPage *self,
                                const char        *message)
{
  g_return_if_fail (VIGNETTE_IS_START_PAGE (self));

  if (message == NULL && !gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return;

  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->source_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->source_row), "error");

  /* A screen reader says the field is invalid, and why, when it is focused */
  if (message != NULL)
    {
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->source_row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (self->source_row),
                                      GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->error_label, NULL,
                                      GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE, self->error_label,
                                      -1);
    }
  else
    {
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->source_row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->source_row), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY);
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->source_row), GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
on_source_changed (VignetteStartPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->source_row));

  cancel_check (self);
  vignette_start_page_show_error (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->pages_row), vignette_source_is_template (text));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "start.fetch", *text != '\0');
}

static void
on_field_changed (VignetteStartPage *self)
{
  cancel_check (self);
  vignette_start_page_show_error (self, NULL);
}

static void
on_entry_activated (VignetteStartPage *self)
{
  vignette_start_page_submit (self);
}

/* Newest first, without duplicates */
static void
remember (VignetteStartPage *self,
          const char        *source)
{
  g_auto(GStrv) old = g_settings_get_strv (self->settings, "recent-sources");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recent = NULL;
  guint n = 1;

  g_strv_builder_add (builder, source);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT; i++)
    if (g_strcmp0 (old[i], source) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }

  recent = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-sources", (const char * const *) recent);
}

static void
emit_open (VignetteStartPage *self,
           const char        *source,
           int                first,
           int                last,
           const char        *selector)
{
  remember (self, source);
  g_signal_emit (self, signals[OPEN], 0, source, first, last, selector);
}

typedef struct {
  VignetteStartPage *page;
  char              *source;
  int                first;
  int                last;
  char              *selector;
} Check;

static void
check_free (Check *check)
{
  g_object_unref (check->page);
  g_free (check->source);
  g_free (check->selector);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Check, check_free)

static void
on_local_checked (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(Check) check = data;
  VignetteStartPage *self = check->page;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->check);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKING]);

  if (info == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (G_FILE (source));
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        message = g_strdup_printf (_("There is no file or folder at %s. Type a web address "
                                     "(https://…) or the path of a folder."), name);
      else
        message = g_strdup_printf (_("%s cannot be opened: %s"), name, error->message);
      vignette_start_page_show_error (self, message);
      return;
    }

  emit_open (self, check->source, check->first, check->last, check->selector);
}

/* Fetch: the whole check, then the "open" signal, or an error under the entry */
void
vignette_start_page_submit (VignetteStartPage *self)
{
  g_autofree char *text = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *selector = NULL;
  g_autoptr(GError) error = NULL;
  VignetteSourceType type;
  int first = 1, last = 1;

  g_return_if_fail (VIGNETTE_IS_START_PAGE (self));

  cancel_check (self);

  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->source_row))));
  selector = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->selector_row))));

  if (!vignette_source_classify (text, &type, &normalized, &error) ||
      (type == VIGNETTE_SOURCE_TEMPLATE &&
       !vignette_page_range_parse (gtk_editable_get_text (GTK_EDITABLE (self->pages_row)),
                                   &first, &last, &error)) ||
      (*selector != '\0' && !vignette_selector_check (selector, &error)))
    {
      if (g_error_matches (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR))
        adw_expander_row_set_expanded (self->advanced_row, TRUE);
      vignette_start_page_show_error (self, error->message);
      return;
    }

  vignette_start_page_show_error (self, NULL);

  if (type == VIGNETTE_SOURCE_LOCAL)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (normalized);
      Check *check = g_new0 (Check, 1);

      check->page = g_object_ref (self);
      check->source = g_file_get_path (file);
      check->first = first;
      check->last = last;
      check->selector = g_steal_pointer (&selector);
      if (check->source == NULL)
        check->source = g_strdup (normalized);

      self->check = g_cancellable_new ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKING]);
      g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                               G_PRIORITY_DEFAULT, self->check, on_local_checked, check);
      return;
    }

  emit_open (self, type == VIGNETTE_SOURCE_TEMPLATE ? text : normalized, first, last, selector);
}

static void
fetch_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  vignette_start_page_submit (VIGNETTE_START_PAGE (widget));
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(VignetteStartPage) self = data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  if (text == NULL)
    return;

  g_strstrip (text);
  /* Only the first line of what was copied */
  text[strcspn (text, "\r\n")] = '\0';
  vignette_start_page_set_text (self, text);
  vignette_start_page_focus (self);
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);

  gdk_clipboard_read_text_async (clipboard, NULL, on_clipboard_text, g_object_ref (widget));
}

static void
on_recent_activated (VignetteStartPage *self,
                     GtkListBoxRow     *row)
{
  vignette_start_page_set_text (self, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  vignette_start_page_submit (self);
}

static void
update_recent (VignetteStartPage *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-sources");
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);

  for (guint i = 0; recent[i] != NULL && i < MAX_RECENT; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("document-open-recent-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), recent[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_accessible_update_state (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, recent[i], -1);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_list_box_append (self->recent_list, row);
    }

  gtk_widget_set_visible (self->recent_box, recent[0] != NULL);
}

static void
vignette_start_page_constructed (GObject *object)
{
  VignetteStartPage *self = VIGNETTE_START_PAGE (object);
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));

  G_OBJECT_CLASS (vignette_start_page_parent_class)->constructed (object);

  /* The app icon once it is installed (or in the uninstalled build's data) */
  if (gtk_icon_theme_has_icon (theme, APP_ID))
    adw_status_page_set_icon_name (self->status_page, APP_ID);
}

static void
vignette_start_page_dispose (GObject *object)
{
  VignetteStartPage *self = VIGNETTE_START_PAGE (object);

  cancel_check (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), VIGNETTE_TYPE_START_PAGE);
  vignette_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (vignette_start_page_parent_class)->dispose (object);
}

static void
vignette_start_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  VignetteStartPage *self = VIGNETTE_START_PAGE (object);

  switch (prop_id)
    {
    case PROP_ERROR:
      g_value_set_string (value, vignette_start_page_get_error (self));
      break;
    case PROP_CHECKING:
      g_value_set_boolean (value, self->check != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_start_page_class_init (VignetteStartPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = vignette_start_page_constructed;
  object_class->dispose = vignette_start_page_dispose;
  object_class->get_property = vignette_start_page_get_property;

  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHECKING] =
    g_param_spec_boolean ("checking", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * VignetteStartPage::open:
   * @source: an http(s) address, a template, or a local path
   * @first: the first page of a template
   * @last: the last page of a template
   * @selector: an XPath, or ""
   */
  signals[OPEN] =
    g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/vignette-start-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, source_row);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, pages_row);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, selector_row);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, fetch_button);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, open_folder_button);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, recent_box);
  gtk_widget_class_bind_template_child (widget_class, VignetteStartPage, recent_list);
  gtk_widget_class_bind_template_callback (widget_class, on_source_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_recent_activated);

  gtk_widget_class_install_action (widget_class, "start.fetch", NULL, fetch_action);
  gtk_widget_class_install_action (widget_class, "start.paste", NULL, paste_action);

  /* Only when the entry does not have the focus: it pastes by itself */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "start.paste", NULL);
}

static void
vignette_start_page_init (VignetteStartPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  vignette_accessible_label_from_mnemonic (self->fetch_button);
  vignette_accessible_label_from_mnemonic (self->open_folder_button);
  vignette_accessible_label_from_mnemonic (self->demo_button);
  vignette_accessible_hide_icons (GTK_WIDGET (self->source_row));
  vignette_accessible_hide_icons (GTK_WIDGET (self->pages_row));
  vignette_accessible_hide_icons (GTK_WIDGET (self->advanced_row));
  vignette_accessible_hide_icons (GTK_WIDGET (self->status_page));
  /* The expander is a row around a row: both say "Advanced" */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->advanced_row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->advanced_row)), -1);

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "page-range", self->pages_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "selector", self->selector_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::recent-sources",
                           G_CALLBACK (update_recent), self, G_CONNECT_SWAPPED);
  update_recent (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "start.fetch", FALSE);
}

GtkWidget *
vignette_start_page_new (void)
{
  return g_object_new (VIGNETTE_TYPE_START_PAGE, NULL);
}

const char *
vignette_start_page_get_text (VignetteStartPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_START_PAGE (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->source_row));
}

void
vignette_start_page_set_text (VignetteStartPage *self,
                              const char        *text)
{
  g_return_if_fail (VIGNETTE_IS_START_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->source_row), text ? text : "");
}

void
vignette_start_page_set_page_range (VignetteStartPage *self,
                                    const char        *range)
{
  g_return_if_fail (VIGNETTE_IS_START_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->pages_row), range ? range : "");
}

/* The error shown under the entry, or NULL */
const char *
vignette_start_page_get_error (VignetteStartPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_START_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

/* Whether the page range row is shown */
gboolean
vignette_start_page_get_is_template (VignetteStartPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_START_PAGE (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->pages_row));
}

/* Whether a local path is being looked at */
gboolean
vignette_start_page_get_checking (VignetteStartPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_START_PAGE (self), FALSE);
  return self->check != NULL;
}

void
vignette_start_page_focus (VignetteStartPage *self)
{
  g_return_if_fail (VIGNETTE_IS_START_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->source_row));
  gtk_editable_set_position (GTK_EDITABLE (self->source_row), -1);
}
