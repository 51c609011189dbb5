/* vignette-detail-view.c: one image, as large as the window allows, with what is known about it
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The view walks the gallery's filtered model, so the arrow keys go through
 * what the grid shows. The picture is the largest stored thumbnail that fits
 * the room it has; the texture a card already holds (from the cache) shows
 * at once while the larger one is decoded.
 *
 * "Save Image…" writes that largest thumbnail, as the run stored it (JPEG,
 * or PNG when the image has transparency): the engine does not keep
 * originals (a 4000 × 3000 photo would be tens of megabytes per image in
 * memory), fetching it again would mean a second download the user did not
 * ask for, and "Open Original in Browser" is there for the original.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <adwaita.h>

#include "vignette-backed-paintable.h"
#include "vignette-detail-view.h"
#include "vignette-file-launcher.h"
#include "vignette-thumbnailer.h"
#include "vignette-ui.h"

struct _VignetteDetailView
{
  GtkWidget             parent_instance;

  AdwWindowTitle       *window_title;
  GtkButton            *open_button;
  GtkStack             *image_stack;
  GtkPicture           *picture;
  AdwStatusPage        *placeholder;
  GtkLabel             *source_title;
  GtkLabel             *source_value;
  GtkLabel             *page_title;
  GtkLabel             *page_value;
  GtkLabel             *dimensions_title;
  GtkLabel             *dimensions_value;
  GtkLabel             *file_size_title;
  GtkLabel             *file_size_value;
  GtkLabel             *format_title;
  GtkLabel             *format_value;
  GtkLabel             *state_title;
  GtkLabel             *state_value;

  GListModel           *model;
  VignetteTextureCache *cache;
  guint                 position;
  VignetteItem         *item;
  gulong                notify_id;
  gulong                items_changed_id;

  int                   area_width;
  int                   area_height;
  GCancellable         *load;
  guint                 shown_size;
  guint                 loading_size;
};

G_DEFINE_FINAL_TYPE (VignetteDetailView, vignette_detail_view, GTK_TYPE_WIDGET)

enum {
  BACK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Transparent images over a checkerboard, as on the cards */
static void
set_texture (VignetteDetailView *self,
             GdkTexture         *texture)
{
  VignetteThumbnails *thumbnails = self->item ? vignette_item_get_thumbnails (self->item) : NULL;

  if (texture != NULL && thumbnails != NULL &&
      vignette_thumbnails_get_encoding (thumbnails) == VIGNETTE_FORMAT_PNG)
    {
      g_autoptr(GdkPaintable) backed = vignette_backed_paintable_new (GDK_PAINTABLE (texture));

      gtk_picture_set_paintable (self->picture, backed);
    }
  else
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
}

static void
cancel_load (VignetteDetailView *self)
{
  if (self->load != NULL)
    {
      g_cancellable_cancel (self->load);
      g_clear_object (&self->load);
    }
  self->loading_size = 0;
}

typedef struct {
  VignetteDetailView *view;
  GCancellable       *load;
  guint               size;
} Load;

static void
on_texture_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Load *load = data;
  VignetteDetailView *self = load->view;
  g_autoptr(GdkTexture) texture = vignette_texture_cache_load_finish (VIGNETTE_TEXTURE_CACHE (source),
                                                                       result, NULL);

  if (self->load == load->load)
    {
      g_clear_object (&self->load);
      self->loading_size = 0;
      if (texture != NULL)
        {
          set_texture (self, texture);
          self->shown_size = load->size;
        }
    }

  g_object_unref (load->view);
  g_object_unref (load->load);
  g_free (load);
}

static void
update_picture (VignetteDetailView *self)
{
  VignetteThumbnails *thumbnails = self->item ? vignette_item_get_thumbnails (self->item) : NULL;
  const VignetteThumbnail *wanted;
  g_autoptr(GdkTexture) texture = NULL;
  Load *load;

  if (thumbnails == NULL || vignette_thumbnails_get_n_sizes (thumbnails) == 0 ||
      vignette_item_get_state (self->item) != VIGNETTE_ITEM_STATE_DONE)
    {
      cancel_load (self);
      gtk_picture_set_paintable (self->picture, NULL);
      self->shown_size = 0;
      return;
    }

  /* Before the first allocation, the largest: it is the likeliest to fit */
  wanted = self->area_width > 0
    ? vignette_thumbnails_pick_fitting (thumbnails, self->area_width - 24, self->area_height - 24)
    : vignette_thumbnails_lookup (thumbnails, VIGNETTE_ZOOM_MAX);

  if (wanted->size == self->shown_size || wanted->size == self->loading_size)
    return;

  cancel_load (self);

  texture = vignette_texture_cache_lookup (self->cache, wanted);
  if (texture != NULL)
    {
      set_texture (self, texture);
      self->shown_size = wanted->size;
      return;
    }

  /* Meanwhile, any size the cache has (the card's) rather than nothing */
  if (self->shown_size == 0)
    for (guint i = 0; i < vignette_thumbnails_get_n_sizes (thumbnails); i++)
      {
        const VignetteThumbnail *t = vignette_thumbnails_get_nth (thumbnails, i);
        g_autoptr(GdkTexture) cached = vignette_texture_cache_lookup (self->cache, t);

        if (cached != NULL)
          {
            set_texture (self, cached);
            self->shown_size = t->size;
            break;
          }
      }

  load = g_new0 (Load, 1);
  load->view = g_object_ref (self);
  load->load = g_cancellable_new ();
  load->size = wanted->size;
  self->load = g_object_ref (load->load);
  self->loading_size = wanted->size;
  vignette_texture_cache_load_async (self->cache, wanted, load->load, on_texture_loaded, load);
}

static void
set_row (GtkLabel   *title,
         GtkLabel   *label,
         const char *value)
{
  gboolean visible = value != NULL && *value != '\0';

  gtk_label_set_label (label, value ? value : "");
  gtk_widget_set_visible (GTK_WIDGET (label), visible);
  gtk_widget_set_visible (GTK_WIDGET (title), visible);
}

/* "JPEG", "PNG"…: what the decoder said; or, when the thumbnails came
 * from the desktop's thumbnail cache (a folder opened again: nothing was
 * decoded), what the type of the file says */
static char *
dup_format_name (VignetteItem *item)
{
  const char *name = vignette_item_get_format_name (item);
  const char *mime_type = vignette_item_get_mime_type (item);
  g_autofree char *guessed = NULL;
  GSList *formats;
  char *found = NULL;

  if (name != NULL && *name != '\0')
    return g_strdup (name);

  if (mime_type == NULL || *mime_type == '\0')
    {
      g_autofree char *content_type = g_content_type_guess (vignette_item_get_name (item), NULL, 0, NULL);

      guessed = g_content_type_get_mime_type (content_type);
      mime_type = guessed;
    }
  if (mime_type == NULL || !g_str_has_prefix (mime_type, "image/"))
    return NULL;

  /* The formats are gdk-pixbuf's own: only the list is freed */
  formats = gdk_pixbuf_get_formats ();
  for (GSList *l = formats; l != NULL && found == NULL; l = l->next)
    {
      g_auto(GStrv) mime_types = gdk_pixbuf_format_get_mime_types (l->data);

      if (g_strv_contains ((const char * const *) mime_types, mime_type))
        {
          g_autofree char *format_name = gdk_pixbuf_format_get_name (l->data);

          found = g_ascii_strup (format_name, -1);
        }
    }
  g_slist_free (formats);

  return found;
}

static void
update_actions (VignetteDetailView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n_items = self->model ? g_list_model_get_n_items (self->model) : 0;
  gboolean done = self->item != NULL && vignette_item_get_thumbnails (self->item) != NULL &&
                  vignette_item_get_state (self->item) == VIGNETTE_ITEM_STATE_DONE;
  gboolean local = self->item != NULL && vignette_uri_is_local (vignette_item_get_uri (self->item));

  gtk_widget_action_set_enabled (widget, "detail.previous", self->item != NULL && self->position > 0);
  gtk_widget_action_set_enabled (widget, "detail.next", self->position + 1 < n_items);
  /* A download opens in the browser; a file in another application or the file manager */
  gtk_widget_action_set_enabled (widget, "detail.open-original", self->item != NULL && !local);
  gtk_widget_action_set_enabled (widget, "detail.open-with", local);
  gtk_widget_action_set_enabled (widget, "detail.show-in-files", local);
  gtk_widget_action_set_enabled (widget, "detail.copy-link", self->item != NULL);
  gtk_widget_action_set_enabled (widget, "detail.copy-image", done);
  gtk_widget_action_set_enabled (widget, "detail.save-image", done);
}

static void
update (VignetteDetailView *self)
{
  VignetteItem *item = self->item;
  guint n_items = self->model ? g_list_model_get_n_items (self->model) : 0;
  g_autofree char *counter = NULL;
  g_autofree char *dimensions = NULL;
  g_autofree char *file_size = NULL;
  g_autofree char *source = NULL;
  g_autofree char *page = NULL;
  g_autofree char *format = NULL;
  VignetteItemState state;
  const char *state_text;
  const char *open_label;
  gboolean local;

  update_actions (self);

  if (item == NULL)
    {
      adw_window_title_set_title (self->window_title, "");
      adw_window_title_set_subtitle (self->window_title, "");
      update_picture (self);
      return;
    }

  state = vignette_item_get_state (item);

  /* Translators: the position of the image shown in the gallery, as in “3 of 24” */
  counter = g_strdup_printf (C_("image position", "%u of %u"), self->position + 1, n_items);
  adw_window_title_set_title (self->window_title, vignette_item_get_name (item));
  adw_window_title_set_subtitle (self->window_title, counter);

  if (vignette_item_get_width (item) > 0)
    /* Translators: the size of the original image in pixels, as in “4000 × 3000 pixels” */
    dimensions = g_strdup_printf (_("%d × %d pixels"), vignette_item_get_width (item),
                                  vignette_item_get_height (item));
  if (vignette_item_get_file_size (item) > 0)
    file_size = g_format_size (vignette_item_get_file_size (item));

  /* A local file by its path, not file:///… */
  source = vignette_dup_display_address (vignette_item_get_uri (item));
  page = vignette_dup_display_address (vignette_item_get_page_uri (item));
  format = dup_format_name (item);
  set_row (self->source_title, self->source_value, source);
  set_row (self->page_title, self->page_value, page);
  set_row (self->dimensions_title, self->dimensions_value, dimensions);
  set_row (self->file_size_title, self->file_size_value, file_size);
  set_row (self->format_title, self->format_value, format);

  state_text = state == VIGNETTE_ITEM_STATE_FAILED && vignette_item_get_error_message (item)
    ? vignette_item_get_error_message (item)
    : vignette_describe_item_state (item);
  set_row (self->state_title, self->state_value, state_text);

  /* The header's button: the browser for a download, the file manager for a file */
  local = vignette_uri_is_local (vignette_item_get_uri (item));
  gtk_button_set_icon_name (self->open_button, local ? "folder-open-symbolic" : "web-browser-symbolic");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->open_button),
                                  local ? "detail.show-in-files" : "detail.open-original");
  open_label = local ? _("Show in Files") : _("Open Original in Browser");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->open_button), open_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, open_label, -1);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, vignette_item_get_name (item),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, dimensions ? dimensions : "",
                                  -1);

  if (state == VIGNETTE_ITEM_STATE_DONE && vignette_item_get_thumbnails (item) != NULL)
    {
      gtk_stack_set_visible_child_name (self->image_stack, "picture");
    }
  else
    {
      adw_status_page_set_icon_name (self->placeholder,
                                     state == VIGNETTE_ITEM_STATE_FAILED ? "dialog-error-symbolic"
                                     : state == VIGNETTE_ITEM_STATE_CANCELLED ? "process-stop-symbolic"
                                     : "image-x-generic-symbolic");
      adw_status_page_set_title (self->placeholder, vignette_describe_item_state (item));
      if (state == VIGNETTE_ITEM_STATE_FAILED && vignette_item_get_error_message (item) != NULL)
        {
          /* The description is markup */
          g_autofree char *escaped = g_markup_escape_text (vignette_item_get_error_message (item), -1);
          adw_status_page_set_description (self->placeholder, escaped);
        }
      else
        adw_status_page_set_description (self->placeholder, NULL);
      gtk_stack_set_visible_child_name (self->image_stack, "placeholder");
    }

  update_picture (self);
}

static void
set_item (VignetteDetailView *self,
          VignetteItem       *item)
{
  if (self->item == item)
    return;

  if (self->item != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->item);
      g_clear_object (&self->item);
    }

  cancel_load (self);
  gtk_picture_set_paintable (self->picture, NULL);
  self->shown_size = 0;

  if (item != NULL)
    {
      self->item = g_object_ref (item);
      self->notify_id = g_signal_connect_object (item, "notify", G_CALLBACK (update), self,
                                                 G_CONNECT_SWAPPED);
    }
}

static void
on_items_changed (VignetteDetailView *self,
                  guint               position,
                  guint               removed,
                  guint               added)
{
  guint n_items = g_list_model_get_n_items (self->model);
  g_autoptr(VignetteItem) item = NULL;

  /* Where the item shown is now when the change left it alone (most
   * changes: pages expanded after it, or before it) */
  if (self->item != NULL && (position > self->position || position + removed <= self->position))
    {
      guint now = position > self->position ? self->position : self->position - removed + added;
      g_autoptr(VignetteItem) candidate = now < n_items ? g_list_model_get_item (self->model, now) : NULL;

      if (candidate == self->item)
        {
          self->position = now;
          update (self);
          return;
        }
    }

  /* Follow the item shown if it moved (a page before it was expanded) */
  for (guint i = 0; self->item != NULL && i < n_items; i++)
    {
      g_autoptr(VignetteItem) candidate = g_list_model_get_item (self->model, i);

      if (candidate == self->item)
        {
          self->position = i;
          update (self);
          return;
        }
    }

  if (n_items == 0)
    {
      set_item (self, NULL);
      update (self);
      return;
    }

  self->position = MIN (self->position, n_items - 1);
  item = g_list_model_get_item (self->model, self->position);
  set_item (self, item);
  update (self);
}

static void
on_area_resize (VignetteDetailView *self,
                int                 width,
                int                 height)
{
  self->area_width = width;
  self->area_height = height;
  update_picture (self);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  g_signal_emit (widget, signals[BACK], 0);
}

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (widget);

  if (g_str_equal (action_name, "detail.previous") && self->position > 0)
    vignette_detail_view_set_position (self, self->position - 1);
  else if (g_str_equal (action_name, "detail.next"))
    vignette_detail_view_set_position (self, self->position + 1);
}

static void
open_original_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (widget);

  if (self->item != NULL)
    vignette_open_uri (GTK_WINDOW (gtk_widget_get_root (widget)), vignette_item_get_uri (self->item));
}

static void
open_with_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (widget);
  g_autoptr(GFile) file = NULL;

  if (self->item == NULL || !vignette_uri_is_local (vignette_item_get_uri (self->item)))
    return;

  file = g_file_new_for_uri (vignette_item_get_uri (self->item));
  if (g_str_equal (action_name, "detail.open-with"))
    vignette_file_open_with (GTK_WINDOW (gtk_widget_get_root (widget)), file);
  else
    vignette_file_show_in_folder (GTK_WINDOW (gtk_widget_get_root (widget)), file);
}

/* Ctrl+Shift+O: the original in the browser, or a local file in another application */
static gboolean
open_binding (GtkWidget *widget,
              GVariant  *args,
              gpointer   data)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (widget);

  if (self->item == NULL)
    return FALSE;

  return gtk_widget_activate_action (widget, vignette_uri_is_local (vignette_item_get_uri (self->item))
                                             ? "detail.open-with" : "detail.open-original", NULL);
}

static void
copy_link_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (widget);

  if (self->item == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), vignette_item_get_uri (self->item));
  vignette_show_toast (widget, _("Link copied"));
}

static void
on_copy_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(VignetteDetailView) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = vignette_texture_cache_load_finish (VIGNETTE_TEXTURE_CACHE (source),
                                                                       result, &error);

  if (texture == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The image could not be copied: %s"), error->message);
      vignette_show_toast (GTK_WIDGET (self), message);
      return;
    }

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (self)), texture);
  vignette_show_toast (GTK_WIDGET (self), _("Image copied"));
}

/* The largest stored size, whatever the window shows */
static void
copy_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (widget);
  VignetteThumbnails *thumbnails = self->item ? vignette_item_get_thumbnails (self->item) : NULL;

  if (thumbnails == NULL || vignette_thumbnails_get_n_sizes (thumbnails) == 0)
    return;

  vignette_texture_cache_load_async (self->cache, vignette_thumbnails_lookup (thumbnails, VIGNETTE_ZOOM_MAX),
                                     NULL, on_copy_loaded, g_object_ref (self));
}

static void
on_image_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(VignetteDetailView) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name (G_FILE (source));
  g_autofree char *message = NULL;

  if (g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    /* Translators: %s is a file name */
    message = g_strdup_printf (_("Saved %s"), name);
  else
    message = g_strdup_printf (_("%s could not be saved: %s"), name, error->message);

  vignette_show_toast (GTK_WIDGET (self), message);
}

typedef struct {
  VignetteDetailView *view;
  GBytes             *bytes;
} SaveImage;

static void
on_save_file_chosen (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  SaveImage *save = data;
  g_autoptr(GFile) file = vignette_choose_file_finish (result, NULL);

  if (file != NULL)
    g_file_replace_contents_bytes_async (file, save->bytes, NULL, FALSE,
                                         G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                         on_image_written, g_object_ref (save->view));

  g_object_unref (save->view);
  g_bytes_unref (save->bytes);
  g_free (save);
}

static void
save_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (widget);
  VignetteThumbnails *thumbnails = self->item ? vignette_item_get_thumbnails (self->item) : NULL;
  const VignetteThumbnail *largest;
  const char *base;
  g_autofree char *stem = NULL;
  g_autofree char *suggested = NULL;
  SaveImage *save;
  char *dot;

  if (thumbnails == NULL || vignette_thumbnails_get_n_sizes (thumbnails) == 0)
    return;

  largest = vignette_thumbnails_lookup (thumbnails, VIGNETTE_ZOOM_MAX);
  base = vignette_item_get_save_name (self->item) ? vignette_item_get_save_name (self->item)
                                                  : vignette_item_get_name (self->item);
  stem = g_strdup (base);
  if ((dot = strrchr (stem, '.')) != NULL && dot != stem)
    *dot = '\0';
  suggested = g_strdup_printf ("%s.%s", stem,
                               vignette_format_get_extension (vignette_thumbnails_get_encoding (thumbnails)));

  save = g_new0 (SaveImage, 1);
  save->view = g_object_ref (self);
  save->bytes = g_bytes_ref (largest->bytes);
  vignette_choose_save_file_async (GTK_WINDOW (gtk_widget_get_root (widget)), _("Save Image"),
                                   suggested, NULL, on_save_file_chosen, save);
}

static void
vignette_detail_view_dispose (GObject *object)
{
  VignetteDetailView *self = VIGNETTE_DETAIL_VIEW (object);

  cancel_load (self);
  set_item (self, NULL);
  if (self->model != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->model);
  g_clear_object (&self->model);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), VIGNETTE_TYPE_DETAIL_VIEW);
  vignette_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (vignette_detail_view_parent_class)->dispose (object);
}

static void
vignette_detail_view_class_init (VignetteDetailViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vignette_detail_view_dispose;

  signals[BACK] =
    g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/vignette-detail-view.ui");
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, window_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, open_button);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, image_stack);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, picture);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, placeholder);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, source_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, source_value);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, page_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, page_value);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, dimensions_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, dimensions_value);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, file_size_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, file_size_value);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, format_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, format_value);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, state_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteDetailView, state_value);
  gtk_widget_class_bind_template_callback (widget_class, on_area_resize);

  gtk_widget_class_install_action (widget_class, "detail.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "detail.previous", NULL, move_action);
  gtk_widget_class_install_action (widget_class, "detail.next", NULL, move_action);
  gtk_widget_class_install_action (widget_class, "detail.open-original", NULL, open_original_action);
  gtk_widget_class_install_action (widget_class, "detail.open-with", NULL, open_with_action);
  gtk_widget_class_install_action (widget_class, "detail.show-in-files", NULL, open_with_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-image", NULL, copy_image_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-link", NULL, copy_link_action);
  gtk_widget_class_install_action (widget_class, "detail.save-image", NULL, save_image_action);

  /* Local to the view (it has no text entry to take these keys from); the
   * window-wide ones are application accelerators */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "detail.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "detail.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "detail.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "detail.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "detail.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "detail.next", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                open_binding, NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "detail.copy-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "detail.copy-link", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "detail.save-image", NULL);
}

static void
vignette_detail_view_init (VignetteDetailView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  vignette_accessible_hide_icons (GTK_WIDGET (self->placeholder));
  update_actions (self);
}

GtkWidget *
vignette_detail_view_new (void)
{
  return g_object_new (VIGNETTE_TYPE_DETAIL_VIEW, NULL);
}

void
vignette_detail_view_set_model (VignetteDetailView   *self,
                                GListModel           *model,
                                VignetteTextureCache *cache)
{
  g_return_if_fail (VIGNETTE_IS_DETAIL_VIEW (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  g_set_object (&self->cache, cache);

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->model);
  g_set_object (&self->model, model);
  if (model != NULL)
    self->items_changed_id = g_signal_connect_swapped (model, "items-changed",
                                                       G_CALLBACK (on_items_changed), self);

  set_item (self, NULL);
  self->position = 0;
  update (self);
}

void
vignette_detail_view_set_position (VignetteDetailView *self,
                                   guint               position)
{
  g_autoptr(VignetteItem) item = NULL;

  g_return_if_fail (VIGNETTE_IS_DETAIL_VIEW (self));

  if (self->model == NULL || position >= g_list_model_get_n_items (self->model))
    return;

  item = g_list_model_get_item (self->model, position);
  self->position = position;
  set_item (self, item);
  update (self);
}

guint
vignette_detail_view_get_position (VignetteDetailView *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DETAIL_VIEW (self), 0);
  return self->position;
}

VignetteItem *
vignette_detail_view_get_item (VignetteDetailView *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DETAIL_VIEW (self), NULL);
  return self->item;
}

/* The stored size of the texture shown, or 0 */
guint
vignette_detail_view_get_shown_size (VignetteDetailView *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DETAIL_VIEW (self), 0);
  return self->shown_size;
}

/* What a row of the table says, or NULL when it is hidden; @row is
 * "source", "page", "dimensions", "file-size", "format" or "state" */
const char *
vignette_detail_view_get_row (VignetteDetailView *self,
                              const char         *row)
{
  GtkLabel *label = NULL;

  g_return_val_if_fail (VIGNETTE_IS_DETAIL_VIEW (self), NULL);

  if (g_str_equal (row, "source"))
    label = self->source_value;
  else if (g_str_equal (row, "page"))
    label = self->page_value;
  else if (g_str_equal (row, "dimensions"))
    label = self->dimensions_value;
  else if (g_str_equal (row, "file-size"))
    label = self->file_size_value;
  else if (g_str_equal (row, "format"))
    label = self->format_value;
  else if (g_str_equal (row, "state"))
    label = self->state_value;
  g_return_val_if_fail (label != NULL, NULL);

  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_label (label) : NULL;
}
