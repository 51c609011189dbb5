/* ui-test-utils.c: what the widget tests share: set-up, items in any state, cards on screen
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "ui-test-utils.h"
#include "vignette-error.h"
#include "vignette-item-private.h"
#include "vignette-thumbnailer.h"
#include "vignette-ui.h"

/* gtk_test_init() without G_TEST_OPTION_ISOLATE_DIRS, for the reason given
 * in tests/test-utils.c: the window needs the MIME database and the icon
 * theme. */
void
vignette_ui_test_init (int    *argc,
                       char ***argv)
{
  /* Messages are compared in English */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  vignette_test_use_private_home ("vignette-ui-test", FALSE);

  gtk_test_init (argc, argv, NULL);
  vignette_ui_init ();
}

/* Real thumbnails, as a run makes them for display (JPEG kept in memory) */
VignetteThumbnails *
vignette_ui_test_make_thumbnails (int width,
                                  int height)
{
  static const guint sizes[] = { 500, 400, 300, 200, 100 };
  g_autoptr(GBytes) original = vignette_test_make_image (width, height, "jpeg", FALSE);
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
  VignetteThumbnails *thumbnails;

  thumbnails = vignette_make_thumbnails (original, &params, "test.jpg", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (thumbnails);
  return thumbnails;
}

/* An image item in @state; a failed one says why, a done one has thumbnails */
VignetteItem *
vignette_ui_test_make_item (const char        *name,
                            VignetteItemState  state)
{
  g_autofree char *uri = g_strdup_printf ("https://example.com/gallery/%s", name);
  VignetteItem *item = vignette_item_new (VIGNETTE_ITEM_KIND_IMAGE, uri, "https://example.com/gallery/");

  if (state == VIGNETTE_ITEM_STATE_FAILED)
    {
      g_autoptr(GError) error = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP,
                                             "HTTP 404 Not Found for %s", uri);
      vignette_item_fail (item, error);
    }
  else if (state == VIGNETTE_ITEM_STATE_DONE)
    {
      g_autoptr(VignetteThumbnails) thumbnails = vignette_ui_test_make_thumbnails (800, 600);

      vignette_item_set_thumbnails (item, thumbnails);
      vignette_item_set_state (item, state);
    }
  else
    vignette_item_set_state (item, state);

  return item;
}

static void
collect_cards (GtkWidget *widget,
               GPtrArray *cards)
{
  if (VIGNETTE_IS_CARD (widget))
    {
      /* The grid keeps a few cards bound but unmapped off screen */
      if (vignette_card_get_item (VIGNETTE_CARD (widget)) != NULL && gtk_widget_get_mapped (widget))
        g_ptr_array_add (cards, widget);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_cards (child, cards);
}

/* The cards on screen (bound to an item and mapped), under @root */
GPtrArray *
vignette_ui_test_find_cards (GtkWidget *root)
{
  GPtrArray *cards = g_ptr_array_new ();

  collect_cards (root, cards);
  return cards;
}

VignetteCard *
vignette_ui_test_find_card_for (GtkWidget    *root,
                                VignetteItem *item)
{
  g_autoptr(GPtrArray) cards = vignette_ui_test_find_cards (root);

  for (guint i = 0; i < cards->len; i++)
    if (vignette_card_get_item (cards->pdata[i]) == item)
      return cards->pdata[i];

  return NULL;
}

static GtkWidget *
find_actionable (GtkWidget  *widget,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Whether a widget action is enabled, as its button shows it (GTK has no
 * public query for the enabled state of a widget class action) */
gboolean
vignette_ui_test_action_enabled (GtkWidget  *root,
                                 const char *action_name)
{
  GtkWidget *button = find_actionable (root, action_name);

  g_assert_nonnull (button);
  return gtk_widget_get_sensitive (button);
}

/* A bounded wait on a condition (30 s, for a busy 2-core machine) */
gboolean
vignette_ui_test_wait (gboolean   (*cond) (gpointer user_data),
                       gpointer     user_data,
                       const char  *what)
{
  return vignette_test_spin_until_cond (cond, user_data, 30000, what);
}
