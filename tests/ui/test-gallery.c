/* test-gallery.c: the gallery's filters (name, only failed), its zoom and its columns
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ui-test-utils.h"
#include "vignette-gallery-page.h"
#include "vignette-item-filter.h"
#include "vignette-item-private.h"
#include "vignette-run.h"

/* The filter alone ----------------------------------------------------------- */

static GListStore *
make_items (void)
{
  GListStore *store = g_list_store_new (VIGNETTE_TYPE_ITEM);
  const struct { const char *name; VignetteItemState state; } items[] = {
    { "cat.jpg", VIGNETTE_ITEM_STATE_QUEUED },
    { "Catalogue%20page.png", VIGNETTE_ITEM_STATE_FAILED },
    { "dog.jpg", VIGNETTE_ITEM_STATE_FAILED },
    { "Caf%C3%A9.JPG", VIGNETTE_ITEM_STATE_DOWNLOADING },
    { "bird.gif", VIGNETTE_ITEM_STATE_CANCELLED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(VignetteItem) item = vignette_ui_test_make_item (items[i].name, items[i].state);
      g_list_store_append (store, item);
    }

  return store;
}

static char *
visible_names (GListModel *model)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (model, i);

      g_string_append_printf (names, "%s%s", i ? " " : "", vignette_item_get_name (item));
    }

  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
test_filter_by_name (void)
{
  g_autoptr(GListStore) store = make_items ();
  g_autoptr(VignetteItemFilter) filter = vignette_item_filter_new ();
  g_autoptr(GtkFilterListModel) model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                                                   g_object_ref (GTK_FILTER (filter)));
  g_autofree char *all = NULL, *cat = NULL, *cafe = NULL, *none = NULL, *back = NULL;

  all = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (all, ==, "cat.jpg Catalogue page.png dog.jpg Café.JPG bird.gif");

  /* Case-insensitive, on the decoded name */
  vignette_item_filter_set_search (filter, "CAT");
  cat = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (cat, ==, "cat.jpg Catalogue page.png");

  vignette_item_filter_set_search (filter, "  café ");
  cafe = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (cafe, ==, "Café.JPG");

  vignette_item_filter_set_search (filter, "zebra");
  none = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (none, ==, "");

  vignette_item_filter_set_search (filter, "");
  back = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (back, ==, all);
}

static void
test_filter_only_failed (void)
{
  g_autoptr(GListStore) store = make_items ();
  g_autoptr(VignetteItemFilter) filter = vignette_item_filter_new ();
  g_autoptr(GtkFilterListModel) model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                                                   g_object_ref (GTK_FILTER (filter)));
  g_autoptr(VignetteItem) cat = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_autoptr(VignetteItem) dog = g_list_model_get_item (G_LIST_MODEL (store), 2);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "Broken.");
  g_autofree char *failed = NULL, *both = NULL, *more = NULL, *retried = NULL;

  vignette_item_filter_set_only_failed (filter, TRUE);
  failed = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (failed, ==, "Catalogue page.png dog.jpg");

  vignette_item_filter_set_search (filter, "dog");
  both = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (both, ==, "dog.jpg");
  vignette_item_filter_set_search (filter, NULL);

  /* An item that fails while the filter is on shows up once told */
  vignette_item_fail (cat, error);
  vignette_item_filter_states_changed (filter);
  more = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (more, ==, "cat.jpg Catalogue page.png dog.jpg");

  /* …and one retried goes away */
  vignette_item_reset (dog);
  vignette_item_filter_states_changed (filter);
  retried = visible_names (G_LIST_MODEL (model));
  g_assert_cmpstr (retried, ==, "cat.jpg Catalogue page.png");

  vignette_item_filter_set_only_failed (filter, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 5);
}

/* The page, on a real run over a local folder ---------------------------------- */

typedef struct {
  char                *folder;
  VignetteRun         *run;
  VignetteGalleryPage *page;
  GtkWindow           *window;
  gboolean             done;
} Fixture;

static void
on_executed (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Fixture *f = data;
  g_autoptr(GError) error = NULL;

  vignette_run_execute_finish (VIGNETTE_RUN (source), result, &error);
  g_assert_no_error (error);
  f->done = TRUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Fixture *) data)->done;
}

/* A run over f->folder in a 1024 × 720 window, at @zoom, until it is done */
static void
show_folder (Fixture    *f,
             guint       zoom,
             const char *title)
{
  g_autoptr(GError) error = NULL;

  f->run = vignette_run_new ();
  g_object_set (f->run, "keep-thumbnails", TRUE, "use-cache", FALSE, NULL);
  g_assert_true (vignette_run_add_source (f->run, f->folder, 1, 1, &error));
  g_assert_no_error (error);

  f->page = VIGNETTE_GALLERY_PAGE (vignette_gallery_page_new ());
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1024, 720);
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);

  vignette_gallery_page_set_zoom_size (f->page, zoom);
  vignette_gallery_page_set_run (f->page, f->run, title);
  vignette_run_execute_async (f->run, NULL, on_executed, f);
  g_assert_true (vignette_ui_test_wait (run_done, f, "the run"));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const char * const names[] = {
    "apple.jpg", "banana.jpg", "cherry.jpg", "date.jpg", "elder.jpg", "fig.jpg", "grape.jpg", "kiwi.jpg",
  };

  f->folder = vignette_test_make_temp_dir ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GBytes) bytes = vignette_test_make_image (640, 480, "jpeg", FALSE);
      g_autofree char *path = g_build_filename (f->folder, names[i], NULL);

      vignette_test_write_file (path, bytes);
    }

  show_folder (f, 200, "Fruit");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->run);
  vignette_test_remove_tree (f->folder);
  g_free (f->folder);
}

typedef struct {
  Fixture *f;
  guint    size;
} Expect;

/* Every card on screen shows the texture of the stored @size */
static gboolean
cards_show (gpointer data)
{
  Expect *e = data;
  g_autoptr(GPtrArray) cards = vignette_ui_test_find_cards (GTK_WIDGET (e->f->page));

  if (cards->len == 0)
    return FALSE;

  for (guint i = 0; i < cards->len; i++)
    {
      int width = gtk_widget_get_width (cards->pdata[i]);
      int height = gtk_widget_get_height (cards->pdata[i]);
      int side = MIN ((int) e->size, width);

      /* The texture, and a layout done for this size: a square frame as
       * wide as the zoom (or the column) with the name under it */
      int room = gtk_widget_get_width (GTK_WIDGET (e->f->page)) - 48;

      /* …and columns at least as wide as the zoom, or as the window */
      if (vignette_card_get_shown_size (cards->pdata[i]) != e->size || width == 0 ||
          height < side || height > side + 50 || width < MIN ((int) e->size, room))
        return FALSE;
    }

  return TRUE;
}

/* How many cards share the first card's row */
static guint
count_columns (Fixture *f)
{
  g_autoptr(GPtrArray) cards = vignette_ui_test_find_cards (GTK_WIDGET (f->page));
  GtkWidget *grid = vignette_gallery_page_get_grid (f->page);
  double first_y = G_MAXDOUBLE;
  guint n = 0;

  for (guint i = 0; i < cards->len; i++)
    {
      graphene_point_t point;

      g_assert_true (gtk_widget_compute_point (cards->pdata[i], grid, &GRAPHENE_POINT_INIT (0, 0), &point));
      first_y = MIN (first_y, point.y);
    }
  for (guint i = 0; i < cards->len; i++)
    {
      graphene_point_t point;

      g_assert_true (gtk_widget_compute_point (cards->pdata[i], grid, &GRAPHENE_POINT_INIT (0, 0), &point));
      n += G_APPROX_VALUE (point.y, first_y, 1.0);
    }

  return n;
}

static void
test_zoom (Fixture       *f,
           gconstpointer  data)
{
  Expect e = { f, 200 };
  g_autoptr(GPtrArray) thumbnails = g_ptr_array_new ();
  GListModel *items = vignette_run_get_items (f->run);
  guint columns_100, columns_400;

  g_assert_cmpuint (vignette_run_get_n_done (f->run), ==, 8);
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      g_ptr_array_add (thumbnails, vignette_item_get_thumbnails (item));
    }

  g_assert_true (vignette_ui_test_wait (cards_show, &e, "cards at 200"));

  e.size = 100;
  vignette_gallery_page_set_zoom_size (f->page, 100);
  g_assert_true (vignette_ui_test_wait (cards_show, &e, "cards at 100"));
  columns_100 = count_columns (f);

  e.size = 400;
  vignette_gallery_page_set_zoom_size (f->page, 400);
  g_assert_true (vignette_ui_test_wait (cards_show, &e, "cards at 400"));
  columns_400 = count_columns (f);

  /* The columns follow the zoom: 1024 px hold more small cards per row */
  g_assert_cmpuint (columns_100, >, columns_400);
  g_assert_cmpuint (columns_400, >=, 2);

  /* Nothing was made again: the same thumbnails, 640 × 480 scaled to 400 × 300 */
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);
      VignetteCard *card = vignette_ui_test_find_card_for (GTK_WIDGET (f->page), item);

      g_assert_true (vignette_item_get_thumbnails (item) == thumbnails->pdata[i]);
      if (card != NULL)
        {
          GdkTexture *texture = GDK_TEXTURE (vignette_card_get_paintable (card));

          g_assert_cmpint (gdk_texture_get_width (texture), ==, 400);
          g_assert_cmpint (gdk_texture_get_height (texture), ==, 300);
        }
    }
  g_assert_cmpuint (vignette_gallery_page_get_zoom_size (f->page), ==, 400);
  g_assert_cmpuint (vignette_run_get_n_done (f->run), ==, 8);
}

typedef struct {
  Fixture *f;
  int      width;
} Narrow;

static gboolean
window_is (gpointer data)
{
  Narrow *n = data;

  return gtk_widget_get_width (GTK_WIDGET (n->f->window)) == n->width &&
         count_columns (n->f) == 1;
}

/* At 360 px a 500 px card shrinks to the window, one per row */
static gboolean
shows_narrow_text (gpointer data)
{
  return vignette_gallery_page_get_narrow_text (data) != NULL;
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  Expect e = { f, 500 };
  Narrow n = { f, 360 };
  g_autoptr(GPtrArray) cards = NULL;

  vignette_gallery_page_set_zoom_size (f->page, 500);
  gtk_window_set_default_size (f->window, 360, 720);
  g_assert_true (vignette_ui_test_wait (window_is, &n, "a narrow window"));

  cards = vignette_ui_test_find_cards (GTK_WIDGET (f->page));
  g_assert_cmpuint (cards->len, >=, 1);
  g_assert_true (vignette_ui_test_wait (cards_show, &e, "cards at 500"));
  for (guint i = 0; i < cards->len; i++)
    {
      g_assert_cmpint (gtk_widget_get_width (cards->pdata[i]), <=, 360);
      g_assert_cmpint (gtk_widget_get_width (cards->pdata[i]), >=, 200);
    }
  /* Nothing wider than the window */
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->page)), ==, 360);

  /* The counts leave the cut subtitle for a line of their own */
  g_assert_true (vignette_ui_test_wait (shows_narrow_text, f->page, "the counts under the header bar"));
  g_assert_cmpstr (vignette_gallery_page_get_narrow_text (f->page), ==, "8 of 8");
  g_assert_cmpstr (vignette_gallery_page_get_subtitle (f->page), ==, "");
}

static gboolean
can_scroll (gpointer data)
{
  GtkAdjustment *adjustment = data;

  return gtk_adjustment_get_upper (adjustment) > gtk_adjustment_get_page_size (adjustment) + 100;
}

static gboolean
scrolled_to_top (gpointer data)
{
  return vignette_gallery_page_get_scroll_offset (data) == 0.0;
}

static void
test_page_filters (Fixture       *f,
                   gconstpointer  data)
{
  GListModel *visible = vignette_gallery_page_get_visible_items (f->page);

  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 8);
  g_assert_cmpstr (vignette_gallery_page_get_view (f->page), ==, "grid");
  g_assert_cmpstr (vignette_gallery_page_get_progress_text (f->page), ==, "8 of 8");

  /* Scrolled down, a filter starts again from the top, and the header
   * counts what it shows */
  {
    GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (vignette_gallery_page_get_grid (f->page),
                                                                                GTK_TYPE_SCROLLED_WINDOW));
    GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (scroller);

    vignette_gallery_page_set_zoom_size (f->page, 500);
    gtk_window_set_default_size (f->window, 600, 400);
    g_assert_true (vignette_ui_test_wait (can_scroll, vadjustment, "a gallery taller than the window"));
    gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_upper (vadjustment) -
                              gtk_adjustment_get_page_size (vadjustment));
    g_assert_cmpfloat (vignette_gallery_page_get_scroll_offset (f->page), >, 0.0);
  }

  vignette_gallery_page_set_search (f->page, "an");
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 1);  /* banana */
  g_assert_true (vignette_ui_test_wait (scrolled_to_top, f->page, "the grid back at its top"));
  g_assert_cmpstr (vignette_gallery_page_get_progress_text (f->page), ==, "1 shown · 8 of 8");

  vignette_gallery_page_set_search (f->page, "nothing like this");
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 0);
  g_assert_cmpstr (vignette_gallery_page_get_view (f->page), ==, "empty");

  vignette_gallery_page_set_search (f->page, NULL);
  vignette_gallery_page_set_only_failed (f->page, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 0);
  g_assert_cmpstr (vignette_gallery_page_get_view (f->page), ==, "empty");

  vignette_gallery_page_set_only_failed (f->page, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 8);
  g_assert_cmpstr (vignette_gallery_page_get_view (f->page), ==, "grid");
  g_assert_cmpstr (vignette_gallery_page_get_progress_text (f->page), ==, "8 of 8");
}

/* A large gallery: GtkGridView keeps a card for max-columns × 30 rows of
 * items, most of them unmapped, off screen. The page sets max-columns from
 * the width and the zoom, so that there is no card per item, and a card
 * holds a texture only while it is mapped, so that memory follows what is
 * on screen, not the gallery. */
typedef struct {
  Fixture *f;
  guint    max_cards;
  guint    max_mapped;
  guint    n_cards;       /* every card, mapped or not */
  guint    n_mapped;
  guint    n_textures;    /* cards that hold a texture */
} Census;

static void
count_cards (GtkWidget *widget,
             Census    *c)
{
  if (VIGNETTE_IS_CARD (widget))
    {
      c->n_cards++;
      c->n_mapped += gtk_widget_get_mapped (widget);
      c->n_textures += vignette_card_get_paintable (VIGNETTE_CARD (widget)) != NULL;
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    count_cards (child, c);
}

static gboolean
cards_bounded (gpointer data)
{
  Census *c = data;

  c->n_cards = c->n_mapped = c->n_textures = 0;
  count_cards (GTK_WIDGET (c->f->page), c);
  return c->n_mapped > 0 && c->n_mapped <= c->max_mapped && c->n_textures == c->n_mapped &&
         c->n_cards <= c->max_cards;
}

static void
test_cards_bounded (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GBytes) bytes = vignette_test_make_image (40, 30, "jpeg", FALSE);
  const guint n_images = 600;
  Census c = { f, 0 };

  f->folder = vignette_test_make_temp_dir ();
  for (guint i = 0; i < n_images; i++)
    {
      g_autofree char *name = g_strdup_printf ("image-%03u.jpg", i);
      g_autofree char *path = g_build_filename (f->folder, name, NULL);

      vignette_test_write_file (path, bytes);
    }

  show_folder (f, 100, "Many");
  g_assert_cmpuint (vignette_run_get_n_done (f->run), ==, n_images);

  /* 100 px cards: 1024 px hold at most 10 columns, so at most about 10 × 32
   * cards (30 rows, a row above and below, and the focus), and textures
   * only on screen */
  c.max_cards = 10 * 32 + 2;
  c.max_mapped = 10 * 6;   /* 720 px show 5 rows of ~140 px, and a part of a sixth */
  if (!vignette_ui_test_wait (cards_bounded, &c, "at most 322 cards at 100 px"))
    g_error ("%u cards, %u mapped, %u with a texture", c.n_cards, c.n_mapped, c.n_textures);
  g_test_message ("100 px: %u cards for %u items, %u on screen, %u textures",
                  c.n_cards, n_images, c.n_mapped, c.n_textures);
  g_assert_cmpuint (count_columns (f), >=, 5);

  /* 500 px cards: 2 columns at the most; the cards no longer needed go
   * away with their textures */
  vignette_gallery_page_set_zoom_size (f->page, 500);
  c.max_cards = 2 * 32 + 2;
  c.max_mapped = 2 * 2;    /* one row of ~550 px, and a part of a second */
  if (!vignette_ui_test_wait (cards_bounded, &c, "at most 66 cards at 500 px"))
    g_error ("%u cards, %u mapped, %u with a texture", c.n_cards, c.n_mapped, c.n_textures);
  g_test_message ("500 px: %u cards, %u on screen, %u textures", c.n_cards, c.n_mapped, c.n_textures);

  fixture_tear_down (f, NULL);
}

int
main (int    argc,
      char **argv)
{
  vignette_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/filter/name", test_filter_by_name);
  g_test_add_func ("/ui/filter/only-failed", test_filter_only_failed);
  g_test_add ("/ui/gallery/zoom", Fixture, NULL, fixture_set_up, test_zoom, fixture_tear_down);
  g_test_add ("/ui/gallery/narrow", Fixture, NULL, fixture_set_up, test_narrow, fixture_tear_down);
  g_test_add ("/ui/gallery/filters", Fixture, NULL, fixture_set_up, test_page_filters, fixture_tear_down);
  g_test_add_func ("/ui/gallery/cards-bounded", test_cards_bounded);

  return g_test_run ();
}
