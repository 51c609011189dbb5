/* vignette-card.c: one image in the gallery grid; made once, rebound as the grid scrolls
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The grid's factory makes a few dozen cards and hands them item after item
 * as the user scrolls. A card follows its item through the item's
 * properties (it never polls), shows a placeholder with the state while the
 * image is on its way, and asks the texture cache for the stored thumbnail
 * of the zoom size once it is done. Binding another item cancels the
 * decode in flight and drops the texture, so only the cards on screen (and
 * the cache's bounded LRU) hold pixels.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "vignette-backed-paintable.h"
#include "vignette-card.h"
#include "vignette-thumb-frame.h"
#include "vignette-ui.h"

struct _VignetteCard
{
  GtkWidget             parent_instance;

  VignetteThumbFrame   *frame;
  GtkStack             *stack;
  GtkImage             *state_icon;
  GtkSpinner           *spinner;
  GtkProgressBar       *progress_bar;
  GtkLabel             *status_label;
  GtkPicture           *picture;
  GtkLabel             *name_label;

  VignetteTextureCache *cache;
  VignetteItem         *item;
  gulong                notify_id;
  guint                 size;

  GCancellable         *load;         /* the decode in flight, if any */
  guint                 loading_size; /* the stored size being decoded */
  guint                 shown_size;   /* the stored size of the texture shown, 0 for none */
};

G_DEFINE_FINAL_TYPE (VignetteCard, vignette_card, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CACHE,
  PROP_ITEM,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_page (VignetteCard *self,
           const char   *name,
           gboolean      animate)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), name) == 0)
    return;

  /* A recycled card showing a cached texture should not fade; a thumbnail
   * that arrives should */
  gtk_stack_set_visible_child_full (self->stack, name,
                                    animate ? GTK_STACK_TRANSITION_TYPE_CROSSFADE
                                            : GTK_STACK_TRANSITION_TYPE_NONE);
}

static void
cancel_load (VignetteCard *self)
{
  if (self->load != NULL)
    {
      g_cancellable_cancel (self->load);
      g_clear_object (&self->load);
    }
  self->loading_size = 0;
}

/* The spinner of a card whose image is done but whose texture is not ready
 * (decoded on a worker, or dropped while the card was off screen) */
static void
show_busy_placeholder (VignetteCard *self,
                       gboolean      busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->state_icon), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
}

/* Never a blank card: without a texture the placeholder shows, with the
 * spinner when the image is done and only its texture is on its way */
static void
drop_texture (VignetteCard *self)
{
  cancel_load (self);
  gtk_picture_set_paintable (self->picture, NULL);
  self->shown_size = 0;

  if (self->item != NULL && vignette_item_get_state (self->item) == VIGNETTE_ITEM_STATE_DONE)
    {
      show_busy_placeholder (self, TRUE);
      show_page (self, "placeholder", FALSE);
    }
}

static void
show_texture (VignetteCard *self,
              GdkTexture   *texture,
              guint         size,
              gboolean      animate)
{
  VignetteThumbnails *thumbnails = vignette_item_get_thumbnails (self->item);

  /* A PNG thumbnail is what the engine makes of an image with transparency:
   * drawn over a checkerboard, it does not vanish into the card */
  if (thumbnails != NULL && vignette_thumbnails_get_encoding (thumbnails) == VIGNETTE_FORMAT_PNG)
    {
      g_autoptr(GdkPaintable) backed = vignette_backed_paintable_new (GDK_PAINTABLE (texture));

      gtk_picture_set_paintable (self->picture, backed);
    }
  else
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));

  /* The spinner keeps turning while the placeholder fades out (a stopped
   * one draws nothing: the card would flash blank); once its page is
   * hidden it is unmapped and costs nothing */
  self->shown_size = size;
  show_page (self, "picture", animate);
}

typedef struct {
  VignetteCard *card;   /* a weak pointer: the card may go first */
  GCancellable *load;
  guint         size;
} Load;

static void
load_free (Load *load)
{
  g_clear_weak_pointer (&load->card);
  g_object_unref (load->load);
  g_free (load);
}

static void
on_texture_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Load *load = data;
  VignetteCard *self = load->card;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  texture = vignette_texture_cache_load_finish (VIGNETTE_TEXTURE_CACHE (source), result, &error);

  /* Only the load this card still waits for may change it */
  if (self != NULL && self->load == load->load)
    {
      g_clear_object (&self->load);
      self->loading_size = 0;

      if (texture != NULL)
        show_texture (self, texture, load->size, TRUE);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* The thumbnail exists but cannot be shown: say so on the card */
          g_warning ("A thumbnail of %s could not be decoded: %s",
                     vignette_item_get_uri (self->item), error->message);
          gtk_image_set_from_icon_name (self->state_icon, "image-missing-symbolic");
          show_busy_placeholder (self, FALSE);
          show_page (self, "placeholder", FALSE);
        }
    }

  load_free (load);
}

/* The texture for the zoom size: at once from the cache, or decoded on a
 * worker. A texture of another size stays on screen meanwhile, so zooming
 * does not flash placeholders. */
static void
update_texture (VignetteCard *self)
{
  VignetteThumbnails *thumbnails = vignette_item_get_thumbnails (self->item);
  const VignetteThumbnail *thumbnail;
  g_autoptr(GdkTexture) texture = NULL;
  Load *load;

  if (thumbnails == NULL || vignette_thumbnails_get_n_sizes (thumbnails) == 0)
    {
      drop_texture (self);
      return;
    }

  /* Off screen: GtkGridView keeps unmapped cards bound to items around
   * the visible ones; they get pixels when they are mapped */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      drop_texture (self);
      return;
    }

  thumbnail = vignette_thumbnails_lookup (thumbnails, self->size);
  if (thumbnail->size == self->shown_size || thumbnail->size == self->loading_size)
    return;

  cancel_load (self);

  texture = vignette_texture_cache_lookup (self->cache, thumbnail);
  if (texture != NULL)
    {
      show_texture (self, texture, thumbnail->size, FALSE);
      return;
    }

  /* Nothing of another size to show meanwhile: the spinner */
  if (self->shown_size == 0)
    {
      show_busy_placeholder (self, TRUE);
      show_page (self, "placeholder", FALSE);
    }

  load = g_new0 (Load, 1);
  g_set_weak_pointer (&load->card, self);
  load->load = g_cancellable_new ();
  load->size = thumbnail->size;

  self->load = g_object_ref (load->load);
  self->loading_size = thumbnail->size;

  vignette_texture_cache_load_async (self->cache, thumbnail, load->load, on_texture_loaded, load);
}

static void
update_sizes (VignetteCard *self)
{
  vignette_thumb_frame_set_size (self->frame, self->size);
  gtk_image_set_pixel_size (self->state_icon, self->size >= 200 ? 48 : 24);
  gtk_label_set_lines (self->status_label, self->size >= 300 ? 4 : self->size >= 200 ? 3 : 2);
}

/* What a screen reader says of the card: "photo.jpg, Downloading…". The
 * grid cell around the card is what has the focus: it says the same (GTK
 * 4.8 has no gtk_list_item_set_accessible_label(), 4.12 has). */
static void
update_accessible (VignetteCard *self)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));
  g_autofree char *label = NULL;
  g_autofree char *dimensions = NULL;
  const char *description = NULL;
  const char *name = "";

  if (self->item != NULL)
    {
      VignetteItemState state = vignette_item_get_state (self->item);

      name = vignette_item_get_name (self->item);
      /* Translators: a card as a screen reader reads it: the image's name, then its state */
      label = g_strdup_printf (C_("card", "%s, %s"), name, vignette_describe_item_state (self->item));
      if (state == VIGNETTE_ITEM_STATE_FAILED)
        description = vignette_item_get_error_message (self->item);
      if (vignette_item_get_width (self->item) > 0)
        /* Translators: the size of the original image in pixels, as in “4000 × 3000 pixels” */
        dimensions = g_strdup_printf (_("%d × %d pixels"), vignette_item_get_width (self->item),
                                      vignette_item_get_height (self->item));
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label ? label : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description ? description : "",
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, dimensions ? dimensions : "",
                                  -1);

  if (parent != NULL && g_str_equal (G_OBJECT_TYPE_NAME (parent), "GtkListItemWidget"))
    gtk_accessible_update_property (GTK_ACCESSIBLE (parent),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label ? label : "",
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description ? description : "",
                                    -1);
}

static void
update (VignetteCard *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  VignetteItemState state;
  VignetteItemKind kind;
  const char *icon = NULL;
  const char *status;
  gboolean busy = FALSE;
  gboolean local;
  double progress = -1.0;

  update_accessible (self);

  if (self->item == NULL)
    {
      drop_texture (self);
      gtk_label_set_label (self->name_label, "");
      show_page (self, "placeholder", FALSE);
      return;
    }

  state = vignette_item_get_state (self->item);
  kind = vignette_item_get_kind (self->item);
  status = vignette_describe_item_state (self->item);
  local = vignette_uri_is_local (vignette_item_get_uri (self->item));

  gtk_label_set_label (self->name_label, vignette_item_get_name (self->item));
  gtk_widget_remove_css_class (widget, "failed");
  gtk_widget_remove_css_class (widget, "cancelled");

  switch (state)
    {
    case VIGNETTE_ITEM_STATE_QUEUED:
      icon = "image-x-generic-symbolic";
      break;

    case VIGNETTE_ITEM_STATE_FETCHING_PAGE:
      icon = kind == VIGNETTE_ITEM_KIND_FOLDER ? "folder-symbolic" : "web-browser-symbolic";
      busy = TRUE;
      break;

    case VIGNETTE_ITEM_STATE_DOWNLOADING:
      icon = local ? "document-open-symbolic" : "folder-download-symbolic";
      progress = vignette_item_get_progress (self->item);
      busy = progress < 0.0;
      break;

    case VIGNETTE_ITEM_STATE_PROCESSING:
      icon = "image-x-generic-symbolic";
      busy = TRUE;
      break;

    case VIGNETTE_ITEM_STATE_DONE:
      /* Only seen while the thumbnail's texture is on its way: the spinner
       * says so, the name is under the card */
      icon = vignette_item_get_thumbnails (self->item) != NULL ? "image-x-generic-symbolic"
                                                              : "image-missing-symbolic";
      busy = vignette_item_get_thumbnails (self->item) != NULL;
      status = "";
      break;

    case VIGNETTE_ITEM_STATE_FAILED:
      icon = "dialog-error-symbolic";
      if (vignette_item_get_error_message (self->item) != NULL)
        status = vignette_item_get_error_message (self->item);
      gtk_widget_add_css_class (widget, "failed");
      break;

    case VIGNETTE_ITEM_STATE_CANCELLED:
      icon = "process-stop-symbolic";
      gtk_widget_add_css_class (widget, "cancelled");
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  vignette_describe_item_state (self->item), -1);
  gtk_widget_set_visible (GTK_WIDGET (self->state_icon), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), progress >= 0.0);
  if (progress >= 0.0)
    gtk_progress_bar_set_fraction (self->progress_bar, progress);
  gtk_label_set_label (self->status_label, status);

  if (state == VIGNETTE_ITEM_STATE_DONE && vignette_item_get_thumbnails (self->item) != NULL)
    update_texture (self);
  else
    {
      drop_texture (self);
      show_page (self, "placeholder", FALSE);
    }
}

/* What the tooltip would say now, for the tests */
char *
vignette_card_dup_tooltip_text (VignetteCard *self)
{
  const char *message;

  g_return_val_if_fail (VIGNETTE_IS_CARD (self), NULL);

  if (self->item == NULL)
    return NULL;

  message = vignette_item_get_error_message (self->item);
  if (vignette_item_get_state (self->item) == VIGNETTE_ITEM_STATE_FAILED && message != NULL)
    return g_strdup (message);
  return g_strdup (vignette_item_get_name (self->item));
}

/* The reason of a failure is in the card, cut to a few lines, and whole in
 * the tooltip; other cards show their full name there. Asked for when the
 * pointer rests on the card: setting a tooltip on every change of state
 * would make GTK query the pointer (an X server round trip) each time. */
static gboolean
on_query_tooltip (VignetteCard *self,
                  int           x,
                  int           y,
                  gboolean      keyboard,
                  GtkTooltip   *tooltip)
{
  g_autofree char *text = vignette_card_dup_tooltip_text (self);

  if (text == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_item_notify (VignetteCard *self,
                GParamSpec   *pspec,
                VignetteItem *item)
{
  const char *name = g_param_spec_get_name (pspec);

  /* Progress arrives often while a download runs: only touch the bar */
  if (g_str_equal (name, "progress") || g_str_equal (name, "bytes-received") ||
      g_str_equal (name, "bytes-total"))
    {
      double progress = vignette_item_get_progress (item);

      if (vignette_item_get_state (item) != VIGNETTE_ITEM_STATE_DOWNLOADING)
        return;  /* a change of state comes with its own notification */

      if (progress >= 0.0 && gtk_widget_get_visible (GTK_WIDGET (self->progress_bar)))
        {
          gtk_progress_bar_set_fraction (self->progress_bar, progress);
          return;
        }

      /* Size unknown (chunked, compressed): the spinner already says it all */
      if (progress < 0.0 && gtk_widget_get_visible (GTK_WIDGET (self->spinner)) &&
          !gtk_widget_get_visible (GTK_WIDGET (self->progress_bar)))
        return;
    }
  else if (!g_str_equal (name, "state") && !g_str_equal (name, "thumbnails") &&
           !g_str_equal (name, "error-message") && !g_str_equal (name, "name") &&
           !g_str_equal (name, "kind"))
    return;

  update (self);
}

static void
vignette_card_map (GtkWidget *widget)
{
  VignetteCard *self = VIGNETTE_CARD (widget);

  GTK_WIDGET_CLASS (vignette_card_parent_class)->map (widget);

  if (self->item != NULL && vignette_item_get_state (self->item) == VIGNETTE_ITEM_STATE_DONE)
    update_texture (self);
}

/* Scrolled out of view: the texture goes back to the cache's bounded LRU
 * only, so scrolling back is instant and memory follows the screen */
static void
vignette_card_unmap (GtkWidget *widget)
{
  drop_texture (VIGNETTE_CARD (widget));

  GTK_WIDGET_CLASS (vignette_card_parent_class)->unmap (widget);
}

static void
vignette_card_dispose (GObject *object)
{
  VignetteCard *self = VIGNETTE_CARD (object);

  vignette_card_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VIGNETTE_TYPE_CARD);
  vignette_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (vignette_card_parent_class)->dispose (object);
}

static void
vignette_card_finalize (GObject *object)
{
  VignetteCard *self = VIGNETTE_CARD (object);

  g_clear_object (&self->cache);

  G_OBJECT_CLASS (vignette_card_parent_class)->finalize (object);
}

static void
vignette_card_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  VignetteCard *self = VIGNETTE_CARD (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    case PROP_SIZE:
      g_value_set_uint (value, self->size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_card_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  VignetteCard *self = VIGNETTE_CARD (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      self->cache = g_value_dup_object (value);
      break;
    case PROP_ITEM:
      vignette_card_set_item (self, g_value_get_object (value));
      break;
    case PROP_SIZE:
      vignette_card_set_size (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_card_class_init (VignetteCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vignette_card_dispose;
  object_class->finalize = vignette_card_finalize;
  object_class->get_property = vignette_card_get_property;
  object_class->set_property = vignette_card_set_property;
  widget_class->map = vignette_card_map;
  widget_class->unmap = vignette_card_unmap;

  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, VIGNETTE_TYPE_TEXTURE_CACHE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, VIGNETTE_TYPE_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] =
    g_param_spec_uint ("size", NULL, NULL, VIGNETTE_ZOOM_MIN, VIGNETTE_ZOOM_MAX, 200,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (VIGNETTE_TYPE_THUMB_FRAME);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/vignette-card.ui");
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, frame);
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, stack);
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, state_icon);
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, spinner);
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, status_label);
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, picture);
  gtk_widget_class_bind_template_child (widget_class, VignetteCard, name_label);
  gtk_widget_class_set_css_name (widget_class, "vignettecard");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
vignette_card_init (VignetteCard *self)
{
  self->size = 200;
  gtk_widget_init_template (GTK_WIDGET (self));
  update_sizes (self);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
  /* The grid cell is the parent once the card is in the grid */
  g_signal_connect (self, "notify::parent", G_CALLBACK (update_accessible), NULL);
}

GtkWidget *
vignette_card_new (VignetteTextureCache *cache)
{
  g_return_val_if_fail (VIGNETTE_IS_TEXTURE_CACHE (cache), NULL);

  return g_object_new (VIGNETTE_TYPE_CARD, "cache", cache, NULL);
}

VignetteItem *
vignette_card_get_item (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), NULL);
  return self->item;
}

/* Bind (an item) or unbind (NULL) */
void
vignette_card_set_item (VignetteCard *self,
                        VignetteItem *item)
{
  g_return_if_fail (VIGNETTE_IS_CARD (self));
  g_return_if_fail (item == NULL || VIGNETTE_IS_ITEM (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->item);
      g_clear_object (&self->item);
    }

  /* The texture belonged to the previous item */
  drop_texture (self);

  if (item != NULL)
    {
      self->item = g_object_ref (item);
      self->notify_id = g_signal_connect_object (item, "notify", G_CALLBACK (on_item_notify),
                                                 self, G_CONNECT_SWAPPED);
    }

  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

guint
vignette_card_get_size (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), 0);
  return self->size;
}

void
vignette_card_set_size (VignetteCard *self,
                        guint         size)
{
  g_return_if_fail (VIGNETTE_IS_CARD (self));

  size = vignette_zoom_clamp ((int) size);
  if (self->size == size)
    return;

  self->size = size;
  update_sizes (self);
  if (self->item != NULL && vignette_item_get_state (self->item) == VIGNETTE_ITEM_STATE_DONE)
    update_texture (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
}

/* The texture shown, without the checkerboard under it */
GdkPaintable *
vignette_card_get_paintable (VignetteCard *self)
{
  GdkPaintable *paintable;

  g_return_val_if_fail (VIGNETTE_IS_CARD (self), NULL);

  paintable = gtk_picture_get_paintable (self->picture);
  if (VIGNETTE_IS_BACKED_PAINTABLE (paintable))
    return vignette_backed_paintable_get_image (VIGNETTE_BACKED_PAINTABLE (paintable));
  return paintable;
}

/* The stored thumbnail size whose texture is on screen, or 0 */
guint
vignette_card_get_shown_size (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), 0);
  return self->shown_size;
}

/* "placeholder" or "picture" */
const char *
vignette_card_get_page (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
vignette_card_get_status_text (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), NULL);
  return gtk_label_get_label (self->status_label);
}

const char *
vignette_card_get_icon_name (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->state_icon)))
    return NULL;
  return gtk_image_get_icon_name (self->state_icon);
}

/* Whether the card shows a spinner */
gboolean
vignette_card_get_busy (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->spinner));
}

/* The progress bar's fraction, or -1 when it is hidden */
double
vignette_card_get_fraction (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), -1.0);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->progress_bar)))
    return -1.0;
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

/* Whether a thumbnail is being decoded for the card */
gboolean
vignette_card_get_loading (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), FALSE);
  return self->load != NULL;
}

/* Whether the picture draws the texture over a checkerboard */
gboolean
vignette_card_get_backed (VignetteCard *self)
{
  g_return_val_if_fail (VIGNETTE_IS_CARD (self), FALSE);
  return VIGNETTE_IS_BACKED_PAINTABLE (gtk_picture_get_paintable (self->picture));
}
