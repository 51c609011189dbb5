/* vignette-gallery-page.c: the grid of cards, its progress and its filters
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The grid shows the run's item model through a filter (name and "only
 * failed"). It adds nothing that blocks: the model changes in batches on the
 * main thread, the cards bind to item properties, and the header follows the
 * run's counters through notifications.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "vignette-card.h"
#include "vignette-gallery-page.h"
#include "vignette-ui.h"

struct _VignetteGalleryPage
{
  GtkWidget             parent_instance;

  AdwHeaderBar         *header_bar;
  AdwWindowTitle       *window_title;
  GtkWidget            *cancel_button;
  GtkWidget            *retry_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkStack             *view_stack;
  GtkScrolledWindow    *scroller;
  GtkGridView          *grid_view;
  AdwStatusPage        *empty_page;
  AdwStatusPage        *error_page;
  GtkProgressBar       *progress_bar;
  GtkLabel             *narrow_progress_label;
  GtkWidget            *try_again_button;
  GtkScale             *zoom_scale;
  GtkAdjustment        *zoom_adjustment;

  VignetteRun          *run;
  GSignalGroup         *run_signals;
  VignetteItemFilter   *filter;
  GtkFilterListModel   *filtered;
  VignetteTextureCache *cache;
  char                 *progress_text;
  guint                 progress_timeout;
  gboolean              has_error;
  guint                 zoom_size;
  guint                 columns_idle;
  gboolean              failures_changed;  /* the only-failed filter must look again */
  gboolean              narrow;            /* the counts go under the header bar */
  guint                 focus_tick;        /* waits for the cell to focus after a scroll */
  guint                 focus_position;
  guint                 focus_frames;
};

/* Below this width the header bar's subtitle is cut ("26 of …"): the counts
 * go to a line of their own under it */
#define NARROW_WIDTH 560

G_DEFINE_FINAL_TYPE (VignetteGalleryPage, vignette_gallery_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ZOOM_SIZE,
  PROP_ONLY_FAILED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ITEM_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_view (VignetteGalleryPage *self)
{
  guint n_visible = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint n_items = self->run ? vignette_run_get_n_items (self->run) : 0;
  const char *view = "grid";

  if (self->has_error)
    view = "error";
  else if (n_visible == 0 && n_items > 0)
    {
      view = "empty";
      if (vignette_item_filter_get_only_failed (self->filter) &&
          (vignette_item_filter_get_search (self->filter) == NULL ||
           *vignette_item_filter_get_search (self->filter) == '\0'))
        {
          adw_status_page_set_icon_name (self->empty_page, "emblem-ok-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Failures"));
          adw_status_page_set_description (self->empty_page, _("Every image so far was fetched and made into thumbnails."));
        }
      else
        {
          adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Matching Images"));
          adw_status_page_set_description (self->empty_page, _("Try another name."));
        }
    }

  gtk_stack_set_visible_child_name (self->view_stack, view);
}

static void
refresh_progress (VignetteGalleryPage *self)
{
  guint n_items = 0, n_done = 0, n_failed = 0, n_cancelled = 0;
  gboolean running = FALSE, saving = FALSE;
  double fraction = 0.0;

  if (self->run != NULL)
    {
      n_items = vignette_run_get_n_items (self->run);
      n_done = vignette_run_get_n_done (self->run);
      n_failed = vignette_run_get_n_failed (self->run);
      n_cancelled = vignette_run_get_n_cancelled (self->run);
      running = vignette_run_get_running (self->run);
      fraction = vignette_run_get_fraction (self->run);
      saving = vignette_run_get_saving (self->run);
    }

  /* One pass of the only-failed filter over the gallery per refresh, not
   * one per failed item */
  if (self->failures_changed)
    {
      self->failures_changed = FALSE;
      vignette_item_filter_states_changed (self->filter);
    }

  g_free (self->progress_text);
  self->progress_text = vignette_format_progress (n_done, n_items, n_failed, n_cancelled);

  /* Filtered, the header says how many cards the grid shows, too */
  if (self->run != NULL && vignette_item_filter_is_active (self->filter))
    {
      guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
      g_autofree char *counts = g_steal_pointer (&self->progress_text);

      /* Translators: the number of images the filter lets through, then the
       * counts of the whole gallery, as in “3 shown · 13 of 24” */
      self->progress_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shown · %s", "%u shown · %s", n_shown),
                                             n_shown, counts);
    }

  /* "Save Thumbnails…" has the header while it writes */
  if (saving && !running)
    {
      guint n_saved = vignette_run_get_n_saved (self->run);
      guint n_to_save = vignette_run_get_n_to_save (self->run);
      g_autofree char *text = NULL;

      /* Translators: thumbnails being written to disk, as in “Saving 12 of 24…” */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saving %u of %u…", "Saving %u of %u…", n_to_save),
                              n_saved, n_to_save);
      adw_window_title_set_subtitle (self->window_title, text);
      fraction = n_to_save > 0 ? (double) n_saved / n_to_save : 0.0;
    }
  else
    adw_window_title_set_subtitle (self->window_title, self->progress_text);

  /* In a narrow window the subtitle is cut: the line under the header says it */
  gtk_label_set_label (self->narrow_progress_label, adw_window_title_get_subtitle (self->window_title));
  gtk_widget_set_visible (GTK_WIDGET (self->narrow_progress_label), self->narrow && self->run != NULL);
  if (self->narrow)
    adw_window_title_set_subtitle (self->window_title, NULL);

  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running || saving);
  gtk_widget_set_visible (self->cancel_button, running);
  gtk_widget_set_visible (self->retry_button, !running && n_failed + n_cancelled > 0);

  /* The retry button says what it retries */
  if (!running && n_failed + n_cancelled > 0)
    {
      g_autofree char *retry = vignette_format_retry (n_failed, n_cancelled);

      gtk_widget_set_tooltip_text (self->retry_button, retry);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->retry_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, retry, -1);
    }
}

static gboolean
on_progress_timeout (gpointer data)
{
  VignetteGalleryPage *self = data;

  self->progress_timeout = 0;
  refresh_progress (self);
  return G_SOURCE_REMOVE;
}

/* The counters change several times per image; the header follows them at
 * most ten times a second, since each new text is a new layout of the
 * window. Starting and stopping show at once. */
static void
update_progress (VignetteGalleryPage *self)
{
  if (self->progress_timeout == 0)
    self->progress_timeout = g_timeout_add (100, on_progress_timeout, self);
}

static void
flush_progress (VignetteGalleryPage *self)
{
  g_clear_handle_id (&self->progress_timeout, g_source_remove);
  refresh_progress (self);
}

static void
on_run_failed_changed (VignetteGalleryPage *self)
{
  self->failures_changed = TRUE;
  update_progress (self);
}

static void
on_run_running (VignetteGalleryPage *self)
{
  flush_progress (self);
}

static void
on_filtered_changed (VignetteGalleryPage *self)
{
  update_view (self);
  /* "3 shown · …" follows the filter */
  if (vignette_item_filter_is_active (self->filter))
    update_progress (self);
}

/* A new filter shows other cards: the grid starts again from its top, not
 * from where the previous cards were */
static void
filter_changed (VignetteGalleryPage *self)
{
  /* Through the grid, which moves its anchor: setting the adjustment
   * itself before the grid's next layout finds no item there */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", 0);
  flush_progress (self);
}

static void
on_search_changed (VignetteGalleryPage *self)
{
  vignette_item_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  filter_changed (self);
}

static void
on_stop_search (VignetteGalleryPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

static void
on_grid_activate (VignetteGalleryPage *self,
                  guint                position)
{
  g_signal_emit (self, signals[ITEM_ACTIVATED], 0, position);
}

static gboolean
on_zoom_change_value (VignetteGalleryPage *self,
                      GtkScrollType        scroll,
                      double               value)
{
  /* The slider stops only on the sizes a run makes */
  vignette_gallery_page_set_zoom_size (self, vignette_zoom_clamp ((int) (value + 0.5)));
  return TRUE;
}

/* Ctrl + wheel zooms, as in a file manager */
static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           VignetteGalleryPage      *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if ((state & GDK_CONTROL_MASK) == 0 || dy == 0.0)
    return FALSE;

  vignette_gallery_page_set_zoom_size (self, vignette_zoom_clamp ((int) self->zoom_size +
                                                                   (dy < 0 ? VIGNETTE_ZOOM_STEP
                                                                           : -VIGNETTE_ZOOM_STEP)));
  return TRUE;
}

/* How many cards exist. GtkGridView keeps widgets for max-columns × 30 rows
 * (GTK_GRID_VIEW_MAX_VISIBLE_ROWS in GTK 4.8 to 4.10), whatever the number
 * of columns that fit: a fixed cap high enough for 100 px cards on a wide
 * screen would keep a card, and its texture, for every item of a gallery of
 * a thousand images (measured: 1000 cards and 800 MB). So the cap follows
 * the columns that fit the width at the zoom size. A card is at least the
 * zoom size wide, so width / zoom never caps the columns the view would
 * choose itself. */
static guint
wanted_max_columns (VignetteGalleryPage *self)
{
  GtkAdjustment *hadjustment = gtk_scrolled_window_get_hadjustment (self->scroller);
  double width = gtk_adjustment_get_page_size (hadjustment);

  if (width <= 0)
    width = gtk_widget_get_width (GTK_WIDGET (self));
  if (width <= 0)  /* not allocated yet: the first allocation will tell */
    return gtk_grid_view_get_max_columns (self->grid_view);

  return CLAMP ((guint) (width / self->zoom_size), 1, 64);
}

static void
update_narrow (VignetteGalleryPage *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  gboolean narrow = width > 0 && width < NARROW_WIDTH;

  if (narrow == self->narrow)
    return;

  self->narrow = narrow;
  flush_progress (self);
}

static gboolean
update_max_columns (gpointer data)
{
  VignetteGalleryPage *self = data;
  guint wanted = wanted_max_columns (self);

  self->columns_idle = 0;
  update_narrow (self);
  if (gtk_grid_view_get_max_columns (self->grid_view) != wanted)
    gtk_grid_view_set_max_columns (self->grid_view, wanted);

  return G_SOURCE_REMOVE;
}

/* The width is known during the grid's own allocation, where a resize must
 * not be queued: the new cap applies from the next frame */
static void
on_hadjustment_changed (VignetteGalleryPage *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  if (self->columns_idle == 0 &&
      (gtk_grid_view_get_max_columns (self->grid_view) != wanted_max_columns (self) ||
       self->narrow != (width > 0 && width < NARROW_WIDTH)))
    self->columns_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_max_columns, self, NULL);
}

/* The factory: a card per visible cell, recycled */

static void
setup_card (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            VignetteGalleryPage      *self)
{
  GtkWidget *card = vignette_card_new (self->cache);

  g_object_bind_property (self, "zoom-size", card, "size", G_BINDING_SYNC_CREATE);
  gtk_list_item_set_child (list_item, card);
}

static void
bind_card (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           VignetteGalleryPage      *self)
{
  vignette_card_set_item (VIGNETTE_CARD (gtk_list_item_get_child (list_item)),
                          gtk_list_item_get_item (list_item));
}

static void
unbind_card (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             VignetteGalleryPage      *self)
{
  vignette_card_set_item (VIGNETTE_CARD (gtk_list_item_get_child (list_item)), NULL);
}

static void
vignette_gallery_page_dispose (GObject *object)
{
  VignetteGalleryPage *self = VIGNETTE_GALLERY_PAGE (object);

  if (self->run_signals != NULL)
    g_signal_group_set_target (self->run_signals, NULL);
  g_clear_handle_id (&self->progress_timeout, g_source_remove);
  g_clear_handle_id (&self->columns_idle, g_source_remove);
  if (self->focus_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid_view), self->focus_tick);
      self->focus_tick = 0;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), VIGNETTE_TYPE_GALLERY_PAGE);
  vignette_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->run_signals);
  g_clear_object (&self->run);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->cache);

  G_OBJECT_CLASS (vignette_gallery_page_parent_class)->dispose (object);
}

static void
vignette_gallery_page_finalize (GObject *object)
{
  VignetteGalleryPage *self = VIGNETTE_GALLERY_PAGE (object);

  g_free (self->progress_text);

  G_OBJECT_CLASS (vignette_gallery_page_parent_class)->finalize (object);
}

static void
vignette_gallery_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  VignetteGalleryPage *self = VIGNETTE_GALLERY_PAGE (object);

  switch (prop_id)
    {
    case PROP_ZOOM_SIZE:
      g_value_set_uint (value, self->zoom_size);
      break;
    case PROP_ONLY_FAILED:
      g_value_set_boolean (value, vignette_item_filter_get_only_failed (self->filter));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_gallery_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  VignetteGalleryPage *self = VIGNETTE_GALLERY_PAGE (object);

  switch (prop_id)
    {
    case PROP_ZOOM_SIZE:
      vignette_gallery_page_set_zoom_size (self, g_value_get_uint (value));
      break;
    case PROP_ONLY_FAILED:
      vignette_gallery_page_set_only_failed (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_gallery_page_class_init (VignetteGalleryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vignette_gallery_page_dispose;
  object_class->finalize = vignette_gallery_page_finalize;
  object_class->get_property = vignette_gallery_page_get_property;
  object_class->set_property = vignette_gallery_page_set_property;

  properties[PROP_ZOOM_SIZE] =
    g_param_spec_uint ("zoom-size", NULL, NULL, VIGNETTE_ZOOM_MIN, VIGNETTE_ZOOM_MAX, 200,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ONLY_FAILED] =
    g_param_spec_boolean ("only-failed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * VignetteGalleryPage::item-activated:
   * @position: in vignette_gallery_page_get_visible_items()
   */
  signals[ITEM_ACTIVATED] =
    g_signal_new ("item-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/vignette-gallery-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, header_bar);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, grid_view);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, narrow_progress_label);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, try_again_button);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, zoom_scale);
  gtk_widget_class_bind_template_child (widget_class, VignetteGalleryPage, zoom_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_zoom_change_value);
}

static void
vignette_gallery_page_init (VignetteGalleryPage *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;
  GtkEventController *scroll;

  self->zoom_size = 200;

  gtk_widget_init_template (GTK_WIDGET (self));
  vignette_accessible_label_from_mnemonic (GTK_BUTTON (self->try_again_button));
  vignette_accessible_hide_icons (GTK_WIDGET (self->empty_page));
  vignette_accessible_hide_icons (GTK_WIDGET (self->error_page));

  self->cache = vignette_texture_cache_new (VIGNETTE_TEXTURE_CACHE_DEFAULT_BYTES);
  self->filter = vignette_item_filter_new ();
  self->filtered = gtk_filter_list_model_new (NULL, g_object_ref (GTK_FILTER (self->filter)));
  g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (on_filtered_changed),
                           self, G_CONNECT_SWAPPED);

  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (selection));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_card), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_card), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_card), self);
  gtk_grid_view_set_factory (self->grid_view, factory);

  for (guint size = VIGNETTE_ZOOM_MIN; size <= VIGNETTE_ZOOM_MAX; size += VIGNETTE_ZOOM_STEP)
    gtk_scale_add_mark (self->zoom_scale, size, GTK_POS_BOTTOM, NULL);

  g_signal_connect_object (gtk_scrolled_window_get_hadjustment (self->scroller), "changed",
                           G_CALLBACK (on_hadjustment_changed), self, G_CONNECT_SWAPPED);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL |
                                            GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), scroll);

  /* Typing anywhere in the gallery starts filtering */
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));

  self->run_signals = g_signal_group_new (VIGNETTE_TYPE_RUN);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-items", G_CALLBACK (update_progress), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-done", G_CALLBACK (update_progress), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-failed", G_CALLBACK (on_run_failed_changed), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-cancelled", G_CALLBACK (update_progress), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::fraction", G_CALLBACK (update_progress), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::running", G_CALLBACK (on_run_running), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::saving", G_CALLBACK (on_run_running), self);
  g_signal_group_connect_swapped (self->run_signals, "notify::n-saved", G_CALLBACK (update_progress), self);

  refresh_progress (self);
}

GtkWidget *
vignette_gallery_page_new (void)
{
  return g_object_new (VIGNETTE_TYPE_GALLERY_PAGE, NULL);
}

void
vignette_gallery_page_set_run (VignetteGalleryPage *self,
                               VignetteRun         *run,
                               const char          *title)
{
  g_return_if_fail (VIGNETTE_IS_GALLERY_PAGE (self));
  g_return_if_fail (run == NULL || VIGNETTE_IS_RUN (run));

  g_set_object (&self->run, run);
  g_signal_group_set_target (self->run_signals, run);
  self->has_error = FALSE;

  /* The previous run's textures are of no more use */
  vignette_texture_cache_clear (self->cache);
  gtk_filter_list_model_set_model (self->filtered, run ? vignette_run_get_items (run) : NULL);

  adw_window_title_set_title (self->window_title, title ? title : "");
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);

  flush_progress (self);
  update_view (self);
}

VignetteRun *
vignette_gallery_page_get_run (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);
  return self->run;
}

guint
vignette_gallery_page_get_zoom_size (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), 0);
  return self->zoom_size;
}

void
vignette_gallery_page_set_zoom_size (VignetteGalleryPage *self,
                                     guint                size)
{
  g_return_if_fail (VIGNETTE_IS_GALLERY_PAGE (self));

  size = vignette_zoom_clamp ((int) size);
  gtk_adjustment_set_value (self->zoom_adjustment, size);
  if (self->zoom_size == size)
    return;

  self->zoom_size = size;
  update_max_columns (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM_SIZE]);
}

gboolean
vignette_gallery_page_get_only_failed (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), FALSE);
  return vignette_item_filter_get_only_failed (self->filter);
}

void
vignette_gallery_page_set_only_failed (VignetteGalleryPage *self,
                                       gboolean             only_failed)
{
  g_return_if_fail (VIGNETTE_IS_GALLERY_PAGE (self));

  if (vignette_item_filter_get_only_failed (self->filter) == !!only_failed)
    return;

  vignette_item_filter_set_only_failed (self->filter, only_failed);
  update_view (self);
  filter_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLY_FAILED]);
}

void
vignette_gallery_page_set_search (VignetteGalleryPage *self,
                                  const char          *text)
{
  g_return_if_fail (VIGNETTE_IS_GALLERY_PAGE (self));

  gtk_search_bar_set_search_mode (self->search_bar, text != NULL && *text != '\0');
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
  /* Not only after the entry's delay: the caller asked for it now */
  vignette_item_filter_set_search (self->filter, text);
  filter_changed (self);
}

void
vignette_gallery_page_start_search (VignetteGalleryPage *self)
{
  g_return_if_fail (VIGNETTE_IS_GALLERY_PAGE (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* A failure of the whole run (nothing could be fetched): one sentence in a
 * status page instead of the grid; NULL goes back to the grid. */
void
vignette_gallery_page_show_error (VignetteGalleryPage *self,
                                  const char          *message)
{
  g_autofree char *escaped = message ? g_markup_escape_text (message, -1) : NULL;

  g_return_if_fail (VIGNETTE_IS_GALLERY_PAGE (self));

  /* The description is markup */
  self->has_error = message != NULL;
  adw_status_page_set_description (self->error_page, escaped);
  update_view (self);
}

/**
 * vignette_gallery_page_get_visible_items:
 *
 * Returns: (transfer none): the items the grid shows, filtered
 */
GListModel *
vignette_gallery_page_get_visible_items (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);
  return G_LIST_MODEL (self->filtered);
}

VignetteTextureCache *
vignette_gallery_page_get_cache (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);
  return self->cache;
}

GtkWidget *
vignette_gallery_page_get_grid (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);
  return GTK_WIDGET (self->grid_view);
}

/* "grid", "empty" or "error" */
const char *
vignette_gallery_page_get_view (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->view_stack);
}

const char *
vignette_gallery_page_get_progress_text (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);

  if (self->progress_timeout != 0)
    flush_progress (self);
  return self->progress_text;
}

/* What the header says under the title now */
const char *
vignette_gallery_page_get_subtitle (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);

  if (self->progress_timeout != 0)
    flush_progress (self);
  return adw_window_title_get_subtitle (self->window_title);
}

/* The cell of the card showing @item, if the grid has made it */
static GtkWidget *
find_cell (VignetteGalleryPage *self,
           VignetteItem        *item)
{
  for (GtkWidget *cell = gtk_widget_get_first_child (GTK_WIDGET (self->grid_view));
       cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    {
      GtkWidget *card = gtk_widget_get_first_child (cell);

      if (VIGNETTE_IS_CARD (card) && vignette_card_get_item (VIGNETTE_CARD (card)) == item &&
          gtk_widget_get_mapped (cell))
        return cell;
    }

  return NULL;
}

/* GTK 4.8 has no gtk_grid_view_scroll_to (…, GTK_LIST_SCROLL_FOCUS): the
 * grid scrolls to the item, and its cell, made at the next layout, takes
 * the focus, which the grid then remembers */
static gboolean
on_focus_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       data)
{
  VignetteGalleryPage *self = data;
  g_autoptr(VignetteItem) item = NULL;
  GtkWidget *cell = NULL;

  if (self->focus_position < g_list_model_get_n_items (G_LIST_MODEL (self->filtered)))
    {
      item = g_list_model_get_item (G_LIST_MODEL (self->filtered), self->focus_position);
      cell = find_cell (self, item);
    }

  if (cell == NULL && item != NULL && ++self->focus_frames < 30)
    return G_SOURCE_CONTINUE;

  if (cell != NULL)
    gtk_widget_grab_focus (cell);
  self->focus_tick = 0;
  return G_SOURCE_REMOVE;
}

/* Back from the detail view: the grid shows and focuses the image seen last */
void
vignette_gallery_page_focus_item (VignetteGalleryPage *self,
                                  guint                position)
{
  g_return_if_fail (VIGNETTE_IS_GALLERY_PAGE (self));

  if (position >= g_list_model_get_n_items (G_LIST_MODEL (self->filtered)))
    return;

  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", position);

  self->focus_position = position;
  self->focus_frames = 0;
  if (self->focus_tick == 0)
    self->focus_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->grid_view), on_focus_tick, self, NULL);
}

/* The item whose cell has the keyboard focus, or NULL */
VignetteItem *
vignette_gallery_page_get_focus_item (VignetteGalleryPage *self)
{
  GtkWidget *cell;
  GtkWidget *card;

  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);

  cell = gtk_widget_get_focus_child (GTK_WIDGET (self->grid_view));
  if (cell == NULL || !gtk_widget_has_focus (cell))
    return NULL;

  card = gtk_widget_get_first_child (cell);
  return VIGNETTE_IS_CARD (card) ? vignette_card_get_item (VIGNETTE_CARD (card)) : NULL;
}

/* Whether a focus move waits for the grid's next layout */
gboolean
vignette_gallery_page_get_focus_pending (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), FALSE);
  return self->focus_tick != 0;
}

/* Where the grid is scrolled to, in pixels from its top */
double
vignette_gallery_page_get_scroll_offset (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), 0.0);
  return gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (self->scroller));
}

/* What the line under the header bar says in a narrow window, or NULL */
const char *
vignette_gallery_page_get_narrow_text (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);

  if (self->progress_timeout != 0)
    flush_progress (self);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->narrow_progress_label)))
    return NULL;
  return gtk_label_get_label (self->narrow_progress_label);
}

/* The retry button's tooltip, which says what it retries */
const char *
vignette_gallery_page_get_retry_text (VignetteGalleryPage *self)
{
  g_return_val_if_fail (VIGNETTE_IS_GALLERY_PAGE (self), NULL);

  if (self->progress_timeout != 0)
    flush_progress (self);
  return gtk_widget_get_tooltip_text (self->retry_button);
}
