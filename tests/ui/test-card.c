/* test-card.c: a card follows its item: state, progress, error, thumbnail, zoom, recycling
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ui-test-utils.h"
#include "vignette-card.h"
#include "vignette-error.h"
#include "vignette-item-private.h"
#include "vignette-texture-cache.h"
#include "vignette-thumbnailer.h"

typedef struct {
  VignetteTextureCache *cache;
  VignetteCard         *card;
  GtkWindow            *window;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->cache = vignette_texture_cache_new (VIGNETTE_TEXTURE_CACHE_DEFAULT_BYTES);
  f->card = VIGNETTE_CARD (vignette_card_new (f->cache));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->card));
  gtk_window_present (f->window);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->cache);
}

static gboolean
card_shows_picture (gpointer data)
{
  return g_strcmp0 (vignette_card_get_page (data), "picture") == 0 &&
         !vignette_card_get_loading (data);
}

static gboolean
card_idle (gpointer data)
{
  return !vignette_card_get_loading (data);
}

static void
test_queued (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_ui_test_make_item ("queued.jpg", VIGNETTE_ITEM_STATE_QUEUED);

  vignette_card_set_item (f->card, item);

  g_assert_cmpstr (vignette_card_get_page (f->card), ==, "placeholder");
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, "Waiting");
  g_assert_cmpstr (vignette_card_get_icon_name (f->card), ==, "image-x-generic-symbolic");
  g_assert_false (vignette_card_get_busy (f->card));
  g_assert_cmpfloat (vignette_card_get_fraction (f->card), <, 0.0);
  g_assert_null (vignette_card_get_paintable (f->card));
}

static void
test_fetching_page (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_item_new (VIGNETTE_ITEM_KIND_URL, "https://example.com/page/1", NULL);

  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_FETCHING_PAGE);
  vignette_card_set_item (f->card, item);

  g_assert_true (vignette_card_get_busy (f->card));
  g_assert_null (vignette_card_get_icon_name (f->card));
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, "Fetching page…");
}

/* Known total: a bar that follows the bytes; unknown: a spinner */
static void
test_downloading_progress (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_ui_test_make_item ("big.jpg", VIGNETTE_ITEM_STATE_DOWNLOADING);

  vignette_card_set_item (f->card, item);
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, "Downloading…");
  g_assert_true (vignette_card_get_busy (f->card));
  g_assert_cmpfloat (vignette_card_get_fraction (f->card), <, 0.0);

  /* Bytes of a total not known yet (chunked, compressed): still the spinner */
  vignette_item_set_progress (item, 4096, 0);
  vignette_item_set_progress (item, 8192, 0);
  g_assert_true (vignette_card_get_busy (f->card));
  g_assert_cmpfloat (vignette_card_get_fraction (f->card), <, 0.0);
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, "Downloading…");

  vignette_item_set_progress (item, 250, 1000);
  g_assert_false (vignette_card_get_busy (f->card));
  g_assert_cmpfloat_with_epsilon (vignette_card_get_fraction (f->card), 0.25, 0.001);

  vignette_item_set_progress (item, 750, 1000);
  g_assert_cmpfloat_with_epsilon (vignette_card_get_fraction (f->card), 0.75, 0.001);

  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_PROCESSING);
  g_assert_cmpfloat (vignette_card_get_fraction (f->card), <, 0.0);
  g_assert_true (vignette_card_get_busy (f->card));
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, "Making thumbnails…");
}

static void
test_failed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_ui_test_make_item ("missing.jpg", VIGNETTE_ITEM_STATE_DOWNLOADING);
  g_autoptr(GError) error = g_error_new_literal (VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP,
                                                 "HTTP 404 Not Found for https://example.com/gallery/missing.jpg");
  g_autofree char *tooltip = NULL;

  vignette_card_set_item (f->card, item);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (f->card), "failed"));

  vignette_item_fail (item, error);

  g_assert_cmpstr (vignette_card_get_page (f->card), ==, "placeholder");
  g_assert_cmpstr (vignette_card_get_icon_name (f->card), ==, "dialog-error-symbolic");
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, error->message);
  g_assert_false (vignette_card_get_busy (f->card));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (f->card), "failed"));
  g_assert_true (gtk_widget_get_has_tooltip (GTK_WIDGET (f->card)));
  tooltip = vignette_card_dup_tooltip_text (f->card);
  g_assert_cmpstr (tooltip, ==, error->message);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_ui_test_make_item ("later.jpg", VIGNETTE_ITEM_STATE_CANCELLED);
  g_autofree char *tooltip = NULL;

  vignette_card_set_item (f->card, item);
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, "Cancelled");
  g_assert_cmpstr (vignette_card_get_icon_name (f->card), ==, "process-stop-symbolic");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (f->card), "cancelled"));
  tooltip = vignette_card_dup_tooltip_text (f->card);
  g_assert_cmpstr (tooltip, ==, "later.jpg");
}

/* Done: the thumbnail of the zoom size, decoded off the main thread */
static void
test_done_shows_thumbnail (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_ui_test_make_item ("photo.jpg", VIGNETTE_ITEM_STATE_PROCESSING);
  g_autoptr(VignetteThumbnails) thumbnails = vignette_ui_test_make_thumbnails (800, 600);
  const VignetteThumbnail *stored = vignette_thumbnails_lookup (thumbnails, 200);
  GdkPaintable *paintable;

  vignette_card_set_size (f->card, 200);
  vignette_card_set_item (f->card, item);
  g_assert_true (vignette_card_get_busy (f->card));

  /* As the run does it: thumbnails, then the state */
  vignette_item_set_thumbnails (item, thumbnails);
  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DONE);
  g_assert_true (vignette_card_get_loading (f->card));

  g_assert_true (vignette_ui_test_wait (card_shows_picture, f->card, "the thumbnail"));
  paintable = vignette_card_get_paintable (f->card);
  g_assert_true (GDK_IS_TEXTURE (paintable));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (paintable)), ==, stored->width);
  g_assert_cmpint (gdk_texture_get_height (GDK_TEXTURE (paintable)), ==, stored->height);
  g_assert_cmpint (stored->width, ==, 200);
  g_assert_cmpuint (vignette_card_get_shown_size (f->card), ==, 200);
  g_assert_cmpuint (vignette_texture_cache_get_n_decoded (f->cache), ==, 1);
}

/* Zoom loads another stored size: the item's thumbnails are the same
 * object (nothing was made again from the original), one small decode per
 * new size, and none when going back to a size seen before */
static void
test_zoom_levels (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_ui_test_make_item ("photo.jpg", VIGNETTE_ITEM_STATE_DONE);
  VignetteThumbnails *before = vignette_item_get_thumbnails (item);

  vignette_card_set_size (f->card, 200);
  vignette_card_set_item (f->card, item);
  g_assert_true (vignette_ui_test_wait (card_shows_picture, f->card, "the thumbnail"));

  for (guint size = 100; size <= 500; size += 100)
    {
      const VignetteThumbnail *stored = vignette_thumbnails_lookup (before, size);
      GdkTexture *texture;

      vignette_card_set_size (f->card, size);
      g_assert_true (vignette_ui_test_wait (card_idle, f->card, "the zoomed thumbnail"));

      g_assert_cmpuint (vignette_card_get_shown_size (f->card), ==, size);
      texture = GDK_TEXTURE (vignette_card_get_paintable (f->card));
      g_assert_cmpint (gdk_texture_get_width (texture), ==, stored->width);
      g_assert_cmpint (gdk_texture_get_height (texture), ==, stored->height);
      g_assert_true (vignette_item_get_thumbnails (item) == before);
    }
  g_assert_cmpuint (vignette_texture_cache_get_n_decoded (f->cache), ==, 5);

  vignette_card_set_size (f->card, 300);
  g_assert_false (vignette_card_get_loading (f->card));
  g_assert_cmpuint (vignette_card_get_shown_size (f->card), ==, 300);
  g_assert_cmpuint (vignette_texture_cache_get_n_decoded (f->cache), ==, 5);

  /* Between sizes, the slider rounds */
  vignette_card_set_size (f->card, 340);
  g_assert_cmpuint (vignette_card_get_size (f->card), ==, 300);
}

/* Recycling: the card drops its texture and its decode for the next item */
static void
test_rebind_drops_texture (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(VignetteItem) done = vignette_ui_test_make_item ("one.jpg", VIGNETTE_ITEM_STATE_DONE);
  g_autoptr(VignetteItem) failed = vignette_ui_test_make_item ("two.jpg", VIGNETTE_ITEM_STATE_FAILED);
  g_autoptr(VignetteItem) other = vignette_ui_test_make_item ("three.jpg", VIGNETTE_ITEM_STATE_DONE);

  vignette_card_set_item (f->card, done);
  g_assert_true (vignette_ui_test_wait (card_shows_picture, f->card, "the thumbnail"));

  vignette_card_set_item (f->card, failed);
  g_assert_null (vignette_card_get_paintable (f->card));
  g_assert_cmpuint (vignette_card_get_shown_size (f->card), ==, 0);
  g_assert_cmpstr (vignette_card_get_page (f->card), ==, "placeholder");

  /* A decode in flight is abandoned when the card is unbound */
  vignette_card_set_item (f->card, other);
  g_assert_true (vignette_card_get_loading (f->card));
  vignette_card_set_item (f->card, NULL);
  g_assert_false (vignette_card_get_loading (f->card));
  g_assert_null (vignette_card_get_paintable (f->card));
  vignette_test_spin_for (200);
  g_assert_null (vignette_card_get_paintable (f->card));

  /* Back to the first: from the cache, without a decode */
  {
    guint n_decoded = vignette_texture_cache_get_n_decoded (f->cache);

    vignette_card_set_item (f->card, done);
    g_assert_cmpstr (vignette_card_get_page (f->card), ==, "picture");
    g_assert_cmpuint (vignette_texture_cache_get_n_decoded (f->cache), ==, n_decoded);
  }

  /* Signal handlers went with the item: changes to an unbound item do nothing */
  vignette_card_set_item (f->card, failed);
  vignette_item_set_state (done, VIGNETTE_ITEM_STATE_QUEUED);
  g_assert_cmpstr (vignette_card_get_icon_name (f->card), ==, "dialog-error-symbolic");
}

/* Never a blank card: a done image whose texture is still being decoded
 * shows the placeholder with a spinner, and the name under it */
static void
test_placeholder_until_texture (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_ui_test_make_item ("late.jpg", VIGNETTE_ITEM_STATE_DONE);

  vignette_card_set_item (f->card, item);
  g_assert_true (vignette_card_get_loading (f->card));
  g_assert_cmpstr (vignette_card_get_page (f->card), ==, "placeholder");
  g_assert_true (vignette_card_get_busy (f->card));

  g_assert_true (vignette_ui_test_wait (card_shows_picture, f->card, "the thumbnail"));
  g_assert_nonnull (vignette_card_get_paintable (f->card));

  /* Unmapped, the texture goes; mapped again, the spinner shows until it is back */
  gtk_widget_set_visible (GTK_WIDGET (f->card), FALSE);
  g_assert_null (vignette_card_get_paintable (f->card));
  vignette_texture_cache_clear (f->cache);
  gtk_widget_set_visible (GTK_WIDGET (f->card), TRUE);
  g_assert_cmpstr (vignette_card_get_page (f->card), ==, "placeholder");
  g_assert_true (vignette_card_get_busy (f->card));
  g_assert_true (vignette_ui_test_wait (card_shows_picture, f->card, "the thumbnail again"));
}

static VignetteItem *
make_item_with_alpha (void)
{
  static const guint sizes[] = { 500, 400, 300, 200, 100 };
  g_autoptr(GBytes) original = vignette_test_make_image (300, 200, "png", TRUE);
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  g_autoptr(GError) error = NULL;
  VignetteThumbnailParams params = {
    .sizes = sizes,
    .n_sizes = G_N_ELEMENTS (sizes),
    .format = VIGNETTE_FORMAT_PNG,
    .compact = TRUE,
    .max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS,
    .reduced_decode = TRUE,
    .strategy = VIGNETTE_SCALE_FROM_PREVIOUS,
  };
  VignetteItem *item = vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, "https://example.com/logo.png", NULL);

  thumbnails = vignette_make_thumbnails (original, &params, "logo.png", NULL, &error);
  g_assert_no_error (error);
  vignette_item_set_thumbnails (item, thumbnails);
  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DONE);
  return item;
}

/* An image with transparency is drawn over a checkerboard; an opaque one,
 * which would hide it anyway, is not */
static void
test_checkerboard_for_alpha (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(VignetteItem) logo = make_item_with_alpha ();
  g_autoptr(VignetteItem) photo = vignette_ui_test_make_item ("photo.jpg", VIGNETTE_ITEM_STATE_DONE);

  g_assert_cmpint (vignette_thumbnails_get_encoding (vignette_item_get_thumbnails (logo)), ==, VIGNETTE_FORMAT_PNG);
  vignette_card_set_item (f->card, logo);
  g_assert_true (vignette_ui_test_wait (card_shows_picture, f->card, "the logo"));
  g_assert_true (vignette_card_get_backed (f->card));
  g_assert_true (GDK_IS_TEXTURE (vignette_card_get_paintable (f->card)));

  vignette_card_set_item (f->card, photo);
  g_assert_true (vignette_ui_test_wait (card_shows_picture, f->card, "the photo"));
  g_assert_false (vignette_card_get_backed (f->card));
}

/* A local file is read, not downloaded */
static void
test_local_file_reading (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(VignetteItem) item = vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, "file:///home/ana/Pictures/cat.jpg",
                                                    "file:///home/ana/Pictures/");

  vignette_item_set_state (item, VIGNETTE_ITEM_STATE_DOWNLOADING);
  vignette_card_set_item (f->card, item);
  g_assert_cmpstr (vignette_card_get_status_text (f->card), ==, "Reading…");
}

static void
on_cache_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = vignette_texture_cache_load_finish (VIGNETTE_TEXTURE_CACHE (source),
                                                                       result, &error);
  guint *n_loaded = data;

  g_assert_no_error (error);
  g_assert_nonnull (texture);
  (*n_loaded)++;
}

static gboolean
all_loaded (gpointer data)
{
  return *(guint *) data == 5;
}

/* The LRU never holds more pixels than its budget: 500 × 500 × 4 = 1 MB and
 * 400 × 400 × 4 = 640 KB cannot both stay in 1 MB */
static void
test_cache_bounded (void)
{
  g_autoptr(VignetteTextureCache) cache = vignette_texture_cache_new (1024 * 1024);
  g_autoptr(VignetteThumbnails) thumbnails = vignette_ui_test_make_thumbnails (1000, 1000);
  guint n_loaded = 0;

  for (guint size = 100; size <= 500; size += 100)
    vignette_texture_cache_load_async (cache, vignette_thumbnails_lookup (thumbnails, size), NULL,
                                       on_cache_loaded, &n_loaded);

  g_assert_true (vignette_ui_test_wait (all_loaded, &n_loaded, "five decodes"));
  g_assert_cmpuint (vignette_texture_cache_get_n_decoded (cache), ==, 5);
  g_assert_cmpuint (vignette_texture_cache_get_bytes (cache), <=, 1024 * 1024);
  g_assert_cmpuint (vignette_texture_cache_get_n_entries (cache), <, 5);

  vignette_texture_cache_clear (cache);
  g_assert_cmpuint (vignette_texture_cache_get_bytes (cache), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  vignette_ui_test_init (&argc, &argv);

  g_test_add ("/ui/card/queued", Fixture, NULL, fixture_set_up, test_queued, fixture_tear_down);
  g_test_add ("/ui/card/fetching-page", Fixture, NULL, fixture_set_up, test_fetching_page, fixture_tear_down);
  g_test_add ("/ui/card/downloading-progress", Fixture, NULL, fixture_set_up, test_downloading_progress,
              fixture_tear_down);
  g_test_add ("/ui/card/failed", Fixture, NULL, fixture_set_up, test_failed, fixture_tear_down);
  g_test_add ("/ui/card/cancelled", Fixture, NULL, fixture_set_up, test_cancelled, fixture_tear_down);
  g_test_add ("/ui/card/done-shows-thumbnail", Fixture, NULL, fixture_set_up, test_done_shows_thumbnail,
              fixture_tear_down);
  g_test_add ("/ui/card/zoom-levels", Fixture, NULL, fixture_set_up, test_zoom_levels, fixture_tear_down);
  g_test_add ("/ui/card/rebind-drops-texture", Fixture, NULL, fixture_set_up, test_rebind_drops_texture,
              fixture_tear_down);
  g_test_add ("/ui/card/placeholder-until-texture", Fixture, NULL, fixture_set_up,
              test_placeholder_until_texture, fixture_tear_down);
  g_test_add ("/ui/card/checkerboard-for-alpha", Fixture, NULL, fixture_set_up, test_checkerboard_for_alpha,
              fixture_tear_down);
  g_test_add ("/ui/card/local-file-reading", Fixture, NULL, fixture_set_up, test_local_file_reading,
              fixture_tear_down);
  g_test_add_func ("/ui/texture-cache/bounded", test_cache_bounded);

  return g_test_run ();
}
