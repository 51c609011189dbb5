/* vignette-export.c: "Save Thumbnails…": the thumbnails a run keeps, written to a folder
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The run keeps each image's thumbnails encoded in memory; an export writes
 * the sizes asked for, re-encoded on the workers when the format differs,
 * as DIR/<size>/<name>.<ext> through the saver (safe names, atomic writes).
 * A few images are in flight at once (twice the workers), so the disk and
 * the CPU overlap and memory stays flat. Its properties say how far it is.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "vignette-error.h"
#include "vignette-export.h"
#include "vignette-item.h"
#include "vignette-saver.h"

struct _VignetteExport
{
  GObject              parent_instance;

  VignetteThumbnailer *thumbnailer;
  VignetteSaver       *saver;
  VignetteFormat       format;
  GArray              *sizes;
  GPtrArray           *items;   /* VignetteItem with thumbnails, taken when made */
  guint                next;
  guint                in_flight;
  guint                n_saved;
  guint                n_failed;
  GError              *first_error;
  GTask               *task;
};

G_DEFINE_FINAL_TYPE (VignetteExport, vignette_export, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_N_SAVED,
  PROP_N_TO_SAVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pump (VignetteExport *self);

static void
item_done (VignetteExport *self,
           const GError   *error)
{
  self->in_flight--;
  if (error == NULL)
    {
      self->n_saved++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SAVED]);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->n_failed++;
      if (self->first_error == NULL)
        self->first_error = g_error_copy (error);
    }

  pump (self);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(VignetteExport) self = data;
  g_autoptr(GError) error = NULL;

  vignette_saver_save_finish (VIGNETTE_SAVER (source), result, &error);
  item_done (self, error);
}

typedef struct {
  VignetteExport *self;
  VignetteItem   *item;
} Pending;

static void
on_reencoded (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Pending *pending = data;
  g_autoptr(VignetteExport) self = pending->self;
  g_autoptr(VignetteItem) item = pending->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;

  g_free (pending);

  thumbnails = vignette_thumbnailer_reencode_finish (VIGNETTE_THUMBNAILER (source), result, &error);
  if (thumbnails == NULL)
    {
      item_done (self, error);
      return;
    }

  vignette_saver_save_async (self->saver, thumbnails, vignette_item_get_save_name (item),
                             g_task_get_cancellable (self->task), on_saved, g_object_ref (self));
}

/* Keeps only the sizes the user asked to save */
static VignetteThumbnails *
filter_sizes (VignetteThumbnails *in,
              GArray             *sizes)
{
  VignetteThumbnails *out = vignette_thumbnails_new (vignette_thumbnails_get_original_width (in),
                                                     vignette_thumbnails_get_original_height (in),
                                                     vignette_thumbnails_get_format_name (in),
                                                     vignette_thumbnails_get_mime_type (in),
                                                     vignette_thumbnails_get_encoding (in));

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (in); i++)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (in, i);

      for (guint j = 0; j < sizes->len; j++)
        if (g_array_index (sizes, guint, j) == thumbnail->size)
          vignette_thumbnails_add (out, thumbnail->size, thumbnail->width, thumbnail->height,
                                   thumbnail->bytes);
    }

  return out;
}

static void
pump (VignetteExport *self)
{
  GCancellable *cancellable = g_task_get_cancellable (self->task);
  guint limit = 2 * vignette_workers_get_n_threads (vignette_thumbnailer_get_workers (self->thumbnailer));
  g_autoptr(GTask) task = NULL;

  while (self->in_flight < limit && self->next < self->items->len &&
         !g_cancellable_is_cancelled (cancellable))
    {
      VignetteItem *item = g_ptr_array_index (self->items, self->next++);
      VignetteThumbnails *kept = vignette_item_get_thumbnails (item);
      g_autoptr(VignetteThumbnails) filtered = NULL;
      Pending *pending;

      if (kept == NULL)
        continue;

      filtered = filter_sizes (kept, self->sizes);
      if (vignette_thumbnails_get_n_sizes (filtered) == 0)
        continue;

      self->in_flight++;
      pending = g_new0 (Pending, 1);
      pending->self = g_object_ref (self);
      pending->item = g_object_ref (item);
      vignette_thumbnailer_reencode_async (self->thumbnailer, filtered, self->format,
                                           cancellable, on_reencoded, pending);
    }

  if (self->in_flight > 0)
    return;

  task = g_steal_pointer (&self->task);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  if (g_cancellable_is_cancelled (cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Saving was cancelled."));
  else if (self->first_error != NULL)
    g_task_return_new_error (task, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE,
                             g_dngettext (GETTEXT_PACKAGE,
                                          "%u image could not be saved: %s",
                                          "%u images could not be saved: %s",
                                          self->n_failed),
                             self->n_failed, self->first_error->message);
  else
    g_task_return_int (task, self->n_saved);
}

static void
vignette_export_dispose (GObject *object)
{
  VignetteExport *self = VIGNETTE_EXPORT (object);

  g_assert (self->task == NULL);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->saver);

  G_OBJECT_CLASS (vignette_export_parent_class)->dispose (object);
}

static void
vignette_export_finalize (GObject *object)
{
  VignetteExport *self = VIGNETTE_EXPORT (object);

  g_array_unref (self->sizes);
  g_ptr_array_unref (self->items);
  g_clear_error (&self->first_error);

  G_OBJECT_CLASS (vignette_export_parent_class)->finalize (object);
}

static void
vignette_export_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  VignetteExport *self = VIGNETTE_EXPORT (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->task != NULL);
      break;
    case PROP_N_SAVED:
      g_value_set_uint (value, self->n_saved);
      break;
    case PROP_N_TO_SAVE:
      g_value_set_uint (value, self->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_export_class_init (VignetteExportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = vignette_export_dispose;
  object_class->finalize = vignette_export_finalize;
  object_class->get_property = vignette_export_get_property;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_N_SAVED] = g_param_spec_uint ("n-saved", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_TO_SAVE] = g_param_spec_uint ("n-to-save", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vignette_export_init (VignetteExport *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->sizes = g_array_new (FALSE, FALSE, sizeof (guint));
}

/**
 * vignette_export_new:
 * @items: a #GListModel of #VignetteItem; those that hold thumbnails now are saved
 * @sizes: which of the kept sizes to save
 */
VignetteExport *
vignette_export_new (GListModel          *items,
                     VignetteThumbnailer *thumbnailer,
                     GFile               *directory,
                     VignetteFormat       format,
                     const guint         *sizes,
                     guint                n_sizes)
{
  VignetteExport *self = g_object_new (VIGNETTE_TYPE_EXPORT, NULL);
  guint n_items = g_list_model_get_n_items (items);

  self->thumbnailer = g_object_ref (thumbnailer);
  self->saver = vignette_saver_new (directory);
  self->format = format;
  g_array_append_vals (self->sizes, sizes, n_sizes);

  for (guint i = 0; i < n_items; i++)
    {
      VignetteItem *item = g_list_model_get_item (items, i);

      if (vignette_item_get_thumbnails (item) != NULL)
        g_ptr_array_add (self->items, item);
      else
        g_object_unref (item);
    }

  return self;
}

gboolean
vignette_export_get_running (VignetteExport *self)
{
  g_return_val_if_fail (VIGNETTE_IS_EXPORT (self), FALSE);
  return self->task != NULL;
}

guint
vignette_export_get_n_saved (VignetteExport *self)
{
  g_return_val_if_fail (VIGNETTE_IS_EXPORT (self), 0);
  return self->n_saved;
}

guint
vignette_export_get_n_to_save (VignetteExport *self)
{
  g_return_val_if_fail (VIGNETTE_IS_EXPORT (self), 0);
  return self->items->len;
}

void
vignette_export_run_async (VignetteExport      *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (VIGNETTE_IS_EXPORT (self));
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, vignette_export_run_async);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  pump (self);
}

/**
 * vignette_export_run_finish:
 *
 * Returns: how many images were saved
 */
guint
vignette_export_run_finish (VignetteExport  *self,
                            GAsyncResult    *result,
                            GError         **error)
{
  gssize n_saved;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  /* Not inside MAX (), which would evaluate it twice */
  n_saved = g_task_propagate_int (G_TASK (result), error);
  return n_saved > 0 ? (guint) n_saved : 0;
}
