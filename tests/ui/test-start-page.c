/* test-start-page.c: what the start page makes of what the user types
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ui-test-utils.h"
#include "vignette-start-page.h"

typedef struct {
  VignetteStartPage *page;
  GtkWindow         *window;
  char              *source;
  int                first;
  int                last;
  char              *selector;
  guint              n_opened;
} Fixture;

static void
on_open (VignetteStartPage *page,
         const char        *source,
         int                first,
         int                last,
         const char        *selector,
         Fixture           *f)
{
  g_free (f->source);
  g_free (f->selector);
  f->source = g_strdup (source);
  f->first = first;
  f->last = last;
  f->selector = g_strdup (selector);
  f->n_opened++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->page = VIGNETTE_START_PAGE (vignette_start_page_new ());
  g_signal_connect (f->page, "open", G_CALLBACK (on_open), f);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_free (f->source);
  g_free (f->selector);
}

static gboolean
fetch_enabled (Fixture *f)
{
  return vignette_ui_test_action_enabled (GTK_WIDGET (f->page), "start.fetch");
}

static void
test_url (Fixture       *f,
          gconstpointer  data)
{
  vignette_start_page_set_text (f->page, "  https://example.com/gallery?id=3  ");
  g_assert_false (vignette_start_page_get_is_template (f->page));

  vignette_start_page_submit (f->page);
  g_assert_null (vignette_start_page_get_error (f->page));
  g_assert_cmpuint (f->n_opened, ==, 1);
  g_assert_cmpstr (f->source, ==, "https://example.com/gallery?id=3");
  g_assert_cmpstr (f->selector, ==, "");

  /* As in a browser's address bar, a host is enough */
  vignette_start_page_set_text (f->page, "example.org/photos");
  vignette_start_page_submit (f->page);
  g_assert_cmpuint (f->n_opened, ==, 2);
  g_assert_cmpstr (f->source, ==, "https://example.org/photos");
}

static void
test_template_shows_pages (Fixture       *f,
                           gconstpointer  data)
{
  vignette_start_page_set_text (f->page, "https://example.com/page/");
  g_assert_false (vignette_start_page_get_is_template (f->page));

  vignette_start_page_set_text (f->page, "https://example.com/page/{}");
  g_assert_true (vignette_start_page_get_is_template (f->page));

  vignette_start_page_set_page_range (f->page, "2-5");
  vignette_start_page_submit (f->page);
  g_assert_cmpuint (f->n_opened, ==, 1);
  g_assert_cmpstr (f->source, ==, "https://example.com/page/{}");
  g_assert_cmpint (f->first, ==, 2);
  g_assert_cmpint (f->last, ==, 5);

  /* A backwards range is said under the entry, and nothing opens */
  vignette_start_page_set_page_range (f->page, "9-3");
  vignette_start_page_submit (f->page);
  g_assert_cmpuint (f->n_opened, ==, 1);
  g_assert_nonnull (vignette_start_page_get_error (f->page));
  g_assert_true (strstr (vignette_start_page_get_error (f->page), "backwards") != NULL);

  /* Editing clears the error */
  vignette_start_page_set_page_range (f->page, "3-9");
  g_assert_null (vignette_start_page_get_error (f->page));
}

static gboolean
not_checking (gpointer data)
{
  return !vignette_start_page_get_checking (data);
}

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *folder = vignette_test_make_temp_dir ();

  vignette_start_page_set_text (f->page, folder);
  vignette_start_page_submit (f->page);

  /* The disk is asked asynchronously */
  g_assert_true (vignette_start_page_get_checking (f->page));
  g_assert_cmpuint (f->n_opened, ==, 0);
  g_assert_true (vignette_ui_test_wait (not_checking, f->page, "the folder check"));

  g_assert_null (vignette_start_page_get_error (f->page));
  g_assert_cmpuint (f->n_opened, ==, 1);
  g_assert_cmpstr (f->source, ==, folder);

  vignette_test_remove_tree (folder);
}

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  const char *error;

  /* Nothing typed: nothing to fetch */
  vignette_start_page_set_text (f->page, "x");
  g_assert_true (fetch_enabled (f));
  vignette_start_page_set_text (f->page, "");
  g_assert_false (fetch_enabled (f));

  vignette_start_page_set_text (f->page, "ftp://example.com/pictures");
  vignette_start_page_submit (f->page);
  error = vignette_start_page_get_error (f->page);
  g_assert_nonnull (error);
  g_assert_true (strstr (error, "ftp:") != NULL);

  vignette_start_page_set_text (f->page, "https://");
  vignette_start_page_submit (f->page);
  g_assert_nonnull (vignette_start_page_get_error (f->page));
  g_assert_true (strstr (vignette_start_page_get_error (f->page), "not a valid web address") != NULL);

  /* Words that are no address end as a path, which does not exist */
  vignette_start_page_set_text (f->page, "show me some cats");
  vignette_start_page_submit (f->page);
  g_assert_true (vignette_ui_test_wait (not_checking, f->page, "the path check"));
  g_assert_nonnull (vignette_start_page_get_error (f->page));
  g_assert_true (strstr (vignette_start_page_get_error (f->page), "There is no file or folder") != NULL);

  g_assert_cmpuint (f->n_opened, ==, 0);
}

static void
test_selector (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  /* The selector field is bound to the settings */
  g_settings_set_string (settings, "selector", "//img[");
  vignette_start_page_set_text (f->page, "https://example.com/");
  vignette_start_page_submit (f->page);
  g_assert_nonnull (vignette_start_page_get_error (f->page));
  g_assert_cmpuint (f->n_opened, ==, 0);

  g_settings_set_string (settings, "selector", "//a/@href");
  vignette_start_page_submit (f->page);
  g_assert_null (vignette_start_page_get_error (f->page));
  g_assert_cmpuint (f->n_opened, ==, 1);
  g_assert_cmpstr (f->selector, ==, "//a/@href");
  g_settings_reset (settings, "selector");
}

static void
test_recent (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_auto(GStrv) recent = NULL;

  g_settings_reset (settings, "recent-sources");
  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *uri = g_strdup_printf ("https://example.com/%u", i);

      vignette_start_page_set_text (f->page, uri);
      vignette_start_page_submit (f->page);
    }
  vignette_start_page_set_text (f->page, "https://example.com/3");
  vignette_start_page_submit (f->page);

  /* Newest first, no duplicate, at most five */
  recent = g_settings_get_strv (settings, "recent-sources");
  g_assert_cmpuint (g_strv_length (recent), ==, 5);
  g_assert_cmpstr (recent[0], ==, "https://example.com/3");
  g_assert_cmpstr (recent[1], ==, "https://example.com/6");
  g_assert_cmpstr (recent[4], ==, "https://example.com/2");
}

static gboolean
text_is (gpointer data)
{
  return g_strcmp0 (vignette_start_page_get_text (data), "https://example.net/pasted") == 0;
}

/* Ctrl+V on the page (not in the entry) pastes the first line of the clipboard */
static void
test_paste (Fixture       *f,
            gconstpointer  data)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->page));

  gdk_clipboard_set_text (clipboard, "  https://example.net/pasted\nsecond line");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "start.paste", NULL));
  g_assert_true (vignette_ui_test_wait (text_is, f->page, "the pasted address"));
  g_assert_false (vignette_start_page_get_is_template (f->page));
}

int
main (int    argc,
      char **argv)
{
  vignette_ui_test_init (&argc, &argv);

  g_test_add ("/ui/start-page/url", Fixture, NULL, fixture_set_up, test_url, fixture_tear_down);
  g_test_add ("/ui/start-page/template-shows-pages", Fixture, NULL, fixture_set_up,
              test_template_shows_pages, fixture_tear_down);
  g_test_add ("/ui/start-page/folder", Fixture, NULL, fixture_set_up, test_folder, fixture_tear_down);
  g_test_add ("/ui/start-page/garbage", Fixture, NULL, fixture_set_up, test_garbage, fixture_tear_down);
  g_test_add ("/ui/start-page/selector", Fixture, NULL, fixture_set_up, test_selector, fixture_tear_down);
  g_test_add ("/ui/start-page/recent", Fixture, NULL, fixture_set_up, test_recent, fixture_tear_down);
  g_test_add ("/ui/start-page/paste", Fixture, NULL, fixture_set_up, test_paste, fixture_tear_down);

  return g_test_run ();
}
