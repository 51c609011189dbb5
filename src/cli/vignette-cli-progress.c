/* vignette-cli-progress.c: what vignette-cli shows on stderr while a run goes on
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On a terminal, one line redrawn ten times a second; otherwise (a log, a
 * pipe) one plain line per finished item. Either way a summary at the end
 * that lists every failure with its reason.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "vignette-cli-progress.h"

struct _VignetteCliProgress
{
  GObject      parent_instance;

  VignetteRun *run;
  gboolean     quiet;
  gboolean     tty;
  guint        redraw_id;
  gboolean     line_shown;
  GHashTable  *watched;  /* items with a notify::state handler */
};

G_DEFINE_FINAL_TYPE (VignetteCliProgress, vignette_cli_progress, G_TYPE_OBJECT)

static guint
terminal_width (void)
{
  struct winsize size;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20)
    return size.ws_col;
  return 80;
}

static void
clear_line (VignetteCliProgress *self)
{
  if (self->tty && self->line_shown)
    {
      fputs ("\r\033[K", stderr);
      self->line_shown = FALSE;
    }
}

static void
draw_line (VignetteCliProgress *self)
{
  VignetteRunStats stats;
  g_autofree char *bytes = NULL;
  g_autofree char *line = NULL;
  g_autofree char *bar = NULL;
  guint width = terminal_width ();
  guint bar_width = MIN (30u, width / 4);
  double fraction = vignette_run_get_fraction (self->run);
  guint filled = (guint) (fraction * bar_width + 0.5);
  glong length;

  vignette_run_get_stats (self->run, &stats);
  bytes = g_format_size (stats.bytes_received);

  bar = g_malloc (bar_width + 1);
  for (guint i = 0; i < bar_width; i++)
    bar[i] = i < filled ? '#' : '-';
  bar[bar_width] = '\0';

  /* Translators: a live progress line: "[###---] 37 of 120 · 2 failed · 4.2 MB · 1.3 s" */
  line = g_strdup_printf (_("[%s] %u of %u · %u failed · %s · %.1f s"),
                          bar,
                          stats.n_done + stats.n_failed + stats.n_cancelled, stats.n_items,
                          stats.n_failed, bytes, stats.wall_seconds);

  length = g_utf8_strlen (line, -1);
  if ((guint) length >= width)
    {
      char *cut = g_utf8_offset_to_pointer (line, width - 1);
      *cut = '\0';
    }

  fprintf (stderr, "\r%s\033[K", line);
  fflush (stderr);
  self->line_shown = TRUE;
}

static gboolean
on_redraw (gpointer data)
{
  draw_line (data);
  return G_SOURCE_CONTINUE;
}

static void
on_item_state (VignetteItem        *item,
               GParamSpec          *pspec,
               VignetteCliProgress *self)
{
  VignetteItemState state = vignette_item_get_state (item);

  if (self->quiet || self->tty)
    return;

  if (state == VIGNETTE_ITEM_STATE_DONE)
    {
      /* Translators: a line of the log of a run: "done  https://…/1.jpg (4000 × 3000)" */
      g_printerr (_("done    %s (%d × %d)\n"), vignette_item_get_uri (item),
                  vignette_item_get_width (item), vignette_item_get_height (item));
    }
  else if (state == VIGNETTE_ITEM_STATE_FAILED)
    {
      /* Translators: a line of the log of a run; the %s is the reason */
      g_printerr (_("failed  %s\n"), vignette_item_get_error_message (item));
    }
}

static void
watch_item (VignetteCliProgress *self,
            VignetteItem        *item)
{
  if (g_hash_table_contains (self->watched, item))
    return;

  g_signal_connect_object (item, "notify::state", G_CALLBACK (on_item_state), self, 0);
  g_hash_table_add (self->watched, g_object_ref (item));
}

static void
on_items_changed (GListModel          *model,
                  guint                position,
                  guint                removed,
                  guint                added,
                  VignetteCliProgress *self)
{
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (model, position + i);
      watch_item (self, item);
    }
}

static void
vignette_cli_progress_dispose (GObject *object)
{
  VignetteCliProgress *self = VIGNETTE_CLI_PROGRESS (object);

  g_clear_handle_id (&self->redraw_id, g_source_remove);
  g_clear_pointer (&self->watched, g_hash_table_unref);
  g_clear_object (&self->run);

  G_OBJECT_CLASS (vignette_cli_progress_parent_class)->dispose (object);
}

static void
vignette_cli_progress_class_init (VignetteCliProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vignette_cli_progress_dispose;
}

static void
vignette_cli_progress_init (VignetteCliProgress *self)
{
  self->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

VignetteCliProgress *
vignette_cli_progress_new (VignetteRun *run,
                           gboolean     quiet)
{
  VignetteCliProgress *self = g_object_new (VIGNETTE_TYPE_CLI_PROGRESS, NULL);
  GListModel *items = vignette_run_get_items (run);

  self->run = g_object_ref (run);
  self->quiet = quiet;
  self->tty = !quiet && isatty (STDERR_FILENO) && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;

  g_signal_connect_object (items, "items-changed", G_CALLBACK (on_items_changed), self, 0);
  on_items_changed (items, 0, 0, g_list_model_get_n_items (items), self);

  if (self->tty)
    self->redraw_id = g_timeout_add (100, on_redraw, self);

  return self;
}

void
vignette_cli_progress_finish (VignetteCliProgress *self)
{
  g_clear_handle_id (&self->redraw_id, g_source_remove);
  clear_line (self);
}

void
vignette_cli_progress_print_summary (VignetteCliProgress *self)
{
  GListModel *items = vignette_run_get_items (self->run);
  guint n_items = g_list_model_get_n_items (items);
  VignetteRunStats stats;
  guint n_limited = 0;
  g_autofree char *bytes = NULL;
  g_autofree char *done = NULL;
  g_autofree char *failed = NULL;

  if (self->quiet)
    return;

  vignette_run_get_stats (self->run, &stats);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);

      if (vignette_item_get_state (item) == VIGNETTE_ITEM_STATE_FAILED)
        g_printerr ("  ✗ %s\n", vignette_item_get_error_message (item));
      else if (vignette_item_get_upscale_limited (item))
        n_limited++;
    }

  bytes = g_format_size (stats.bytes_received);
  done = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image done", "%u images done", stats.n_done),
                          stats.n_done);
  failed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", stats.n_failed),
                            stats.n_failed);

  /* Translators: "24 images done, 2 failed in 2.3 s (3.1 MB received)." */
  g_printerr (_("%s, %s in %.1f s (%s received).\n"), done, failed, stats.wall_seconds, bytes);

  if (stats.n_cancelled > 0)
    g_printerr (g_dngettext (GETTEXT_PACKAGE,
                             "%u item was cancelled.\n",
                             "%u items were cancelled.\n",
                             stats.n_cancelled),
                stats.n_cancelled);

  if (n_limited > 0)
    g_printerr (g_dngettext (GETTEXT_PACKAGE,
                             "%u image is smaller than some of the sizes asked for: those sizes keep its original dimensions.\n",
                             "%u images are smaller than some of the sizes asked for: those sizes keep their original dimensions.\n",
                             n_limited),
                n_limited);

  if (stats.n_from_cache > 0)
    g_printerr (g_dngettext (GETTEXT_PACKAGE,
                             "%u image came from the thumbnail cache.\n",
                             "%u images came from the thumbnail cache.\n",
                             stats.n_from_cache),
                stats.n_from_cache);

  if (vignette_run_get_output (self->run) != NULL && stats.n_files_written > 0)
    {
      g_autofree char *folder = g_file_get_parse_name (vignette_run_get_output (self->run));

      /* Translators: %s is a folder; the layout is explained in the manual */
      g_printerr (_("Thumbnails saved in %s, one folder per size.\n"), folder);
    }
}
