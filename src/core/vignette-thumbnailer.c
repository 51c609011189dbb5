/* vignette-thumbnailer.c: decode once at reduced size, scale to every size, encode; on worker threads
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CPU-bound half of the app; decoding itself is vignette-decoder.c's.
 * The functions that take bytes and give thumbnails touch nothing but their
 * arguments, so they run on the workers (and in the fuzzers) as they are;
 * the GTask wrappers at the bottom carry the results back to the main thread.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "vignette-decoder.h"
#include "vignette-error.h"
#include "vignette-png.h"
#include "vignette-resample.h"
#include "vignette-thumbnail-cache.h"
#include "vignette-thumbnailer.h"

#define MAX_SIZE 4096

struct _VignetteThumbnailer
{
  GObject          parent_instance;

  VignetteWorkers *workers;
  GArray          *sizes;
  VignetteFormat   format;
  gboolean         compact;
  guint64          max_pixels;
  gboolean         reduced_decode;
  VignetteScaleStrategy strategy;
};

G_DEFINE_FINAL_TYPE (VignetteThumbnailer, vignette_thumbnailer, G_TYPE_OBJECT)

static const guint default_sizes[] = { 100, 200, 300, 400, 500 };

const char *
vignette_format_get_extension (VignetteFormat format)
{
  switch (format)
    {
    case VIGNETTE_FORMAT_PNG:
      return "png";
    case VIGNETTE_FORMAT_JPEG:
      return "jpg";
    case VIGNETTE_FORMAT_WEBP:
      return "webp";
    default:
      g_return_val_if_reached ("png");
    }
}

static const char *
format_saver_name (VignetteFormat format)
{
  switch (format)
    {
    case VIGNETTE_FORMAT_PNG:
      return "png";
    case VIGNETTE_FORMAT_JPEG:
      return "jpeg";
    case VIGNETTE_FORMAT_WEBP:
      return "webp";
    default:
      g_return_val_if_reached ("png");
    }
}

gboolean
vignette_format_is_writable (VignetteFormat format)
{
  const char *name = format_saver_name (format);
  GSList *formats = gdk_pixbuf_get_formats ();
  gboolean writable = FALSE;

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *format_name = gdk_pixbuf_format_get_name (l->data);

      if (g_strcmp0 (format_name, name) == 0)
        writable = gdk_pixbuf_format_is_writable (l->data);
    }

  g_slist_free (formats);
  return writable;
}

gboolean
vignette_format_parse (const char      *text,
                       VignetteFormat  *format,
                       GError         **error)
{
  if (g_ascii_strcasecmp (text, "png") == 0)
    *format = VIGNETTE_FORMAT_PNG;
  else if (g_ascii_strcasecmp (text, "jpeg") == 0 || g_ascii_strcasecmp (text, "jpg") == 0)
    *format = VIGNETTE_FORMAT_JPEG;
  else if (g_ascii_strcasecmp (text, "webp") == 0)
    *format = VIGNETTE_FORMAT_WEBP;
  else
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION,
                   _("“%s” is not an output format: choose png, jpeg or webp."), text);
      return FALSE;
    }

  if (!vignette_format_is_writable (*format))
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION,
                   _("This system cannot write %s images (is its gdk-pixbuf loader installed?)."),
                   text);
      return FALSE;
    }

  return TRUE;
}

static int
compare_uint_desc (gconstpointer a,
                   gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return (x < y) - (x > y);
}

/* "100,200,300" → sorted from the largest, without repeats */
gboolean
vignette_sizes_parse (const char  *text,
                      GArray     **sizes,
                      GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GArray) result = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 value;
      gboolean seen = FALSE;

      g_strstrip (parts[i]);
      if (!g_ascii_string_to_unsigned (parts[i], 10, 1, MAX_SIZE, &value, NULL))
        {
          g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION,
                       _("“%s” is not a thumbnail size: sizes are whole numbers of pixels from 1 to %d, separated by commas."),
                       parts[i], MAX_SIZE);
          return FALSE;
        }

      for (guint j = 0; j < result->len; j++)
        seen |= g_array_index (result, guint, j) == value;
      if (!seen)
        g_array_append_val (result, value);
    }

  if (result->len == 0)
    {
      g_set_error_literal (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION,
                           _("At least one thumbnail size is needed."));
      return FALSE;
    }

  g_array_sort (result, compare_uint_desc);
  *sizes = g_steal_pointer (&result);
  return TRUE;
}

/* The thumbnail of a W×H image in a box of @box pixels: aspect kept, never upscaled */
static void
fit_in_box (int   width,
            int   height,
            guint box,
            int  *out_width,
            int  *out_height)
{
  double scale;

  if ((guint) MAX (width, height) <= box)
    {
      *out_width = width;
      *out_height = height;
      return;
    }

  scale = (double) box / MAX (width, height);
  *out_width = MAX (1, (int) (width * scale + 0.5));
  *out_height = MAX (1, (int) (height * scale + 0.5));
  if ((guint) *out_width > box)
    *out_width = (int) box;
  if ((guint) *out_height > box)
    *out_height = (int) box;
}

/* What the decoder learnt of the original */
typedef struct {
  int         width;          /* as shown, after the EXIF orientation */
  int         height;
  char       *format_name;
  char       *mime_type;
  gboolean    scalable;
} Prepare;

/* JPEG has no alpha: composite over white rather than let transparent
 * pixels turn into whatever colour they hide. */
static GdkPixbuf *
flatten (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  GdkPixbuf *flat;

  if (!gdk_pixbuf_get_has_alpha (pixbuf))
    return g_object_ref (pixbuf);

  flat = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  gdk_pixbuf_fill (flat, 0xffffffff);
  gdk_pixbuf_composite (pixbuf, flat, 0, 0, width, height, 0, 0, 1, 1, GDK_INTERP_NEAREST, 255);

  return flat;
}

GBytes *
vignette_encode_pixbuf (GdkPixbuf       *pixbuf,
                        VignetteFormat   format,
                        GError         **error)
{
  char *buffer = NULL;
  gsize length = 0;
  gboolean ok;

  switch (format)
    {
    case VIGNETTE_FORMAT_PNG:
      return vignette_png_encode (pixbuf, NULL, NULL, error);

    case VIGNETTE_FORMAT_JPEG:
      {
        g_autoptr(GdkPixbuf) flat = flatten (pixbuf);

        ok = gdk_pixbuf_save_to_buffer (flat, &buffer, &length, "jpeg", error,
                                        "quality", "90", NULL);
      }
      break;

    case VIGNETTE_FORMAT_WEBP:
      ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "webp", error,
                                      "quality", "90", NULL);
      break;

    default:
      g_assert_not_reached ();
    }

  if (!ok)
    return NULL;

  return g_bytes_new_take (buffer, length);
}

typedef struct {
  guint       size;
  gboolean    is_cache;
  const char *flavor;
  GdkPixbuf  *pixbuf;
} Target;

static int
compare_target_desc (gconstpointer a,
                     gconstpointer b)
{
  const Target *x = a, *y = b;

  if (x->size != y->size)
    return (x->size < y->size) - (x->size > y->size);
  return x->is_cache - y->is_cache;
}

/* The image to scale a target from: with the "previous" strategy the
 * smallest one made so far that is still at least as large. Measured with
 * Lanczos on real photographs (tests/bench/results/QUALITY.md), scaling
 * each size from the decode instead gains 0.3 to 0.5 dB on the worst photo
 * and under 2 dB of median, for 1.4 to 2.6 times the resampling time. */
static GdkPixbuf *
pick_source (GArray                *targets,
             guint                  index,
             GdkPixbuf             *decoded,
             VignetteScaleStrategy  strategy)
{
  if (strategy == VIGNETTE_SCALE_FROM_DECODED)
    return decoded;

  for (guint j = index; j > 0; j--)
    {
      Target *previous = &g_array_index (targets, Target, j - 1);

      if (previous->pixbuf != NULL)
        return previous->pixbuf;
    }

  return decoded;
}

static void
clear_target (gpointer data)
{
  Target *target = data;

  g_clear_object (&target->pixbuf);
}

/**
 * vignette_make_thumbnails:
 * @display_name: how errors name the image
 *
 * Thread-safe: decodes @data once and makes every size of @params from it.
 *
 * Returns: (transfer full): the thumbnails, or %NULL with a one-sentence @error
 */
VignetteThumbnails *
vignette_make_thumbnails (GBytes                        *data,
                          const VignetteThumbnailParams *params,
                          const char                    *display_name,
                          GCancellable                  *cancellable,
                          GError                       **error)
{
  g_autoptr(GArray) targets = g_array_new (FALSE, TRUE, sizeof (Target));
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(VignetteThumbnails) thumbnails = NULL;
  g_autoptr(VignetteDecoder) decoder = NULL;
  Prepare prep = { 0 };
  VignetteFormat encoding;
  int width, height;
  guint box = 0;

  g_return_val_if_fail (data != NULL || params->decoder != NULL, NULL);
  g_return_val_if_fail (params != NULL && params->n_sizes > 0, NULL);

  g_array_set_clear_func (targets, clear_target);

  for (guint i = 0; i < params->n_sizes; i++)
    {
      Target target = { params->sizes[i], FALSE, NULL, NULL };
      g_array_append_val (targets, target);
      box = MAX (box, params->sizes[i]);
    }

  if (params->cache_uri != NULL && !params->from_cache)
    {
      const VignetteCacheFlavor *seen[4] = { NULL, };
      guint n_seen = 0;

      for (guint i = 0; i < params->n_sizes; i++)
        {
          const VignetteCacheFlavor *flavor = vignette_cache_flavor_for_size (params->sizes[i]);
          gboolean known = FALSE;

          for (guint j = 0; j < n_seen; j++)
            known |= seen[j] == flavor;
          if (flavor == NULL || known)
            continue;

          seen[n_seen++] = flavor;
          {
            Target target = { flavor->size, TRUE, flavor->name, NULL };
            g_array_append_val (targets, target);
            box = MAX (box, flavor->size);
          }
        }
    }

  g_array_sort (targets, compare_target_desc);

  if (params->decoder != NULL)
    {
      decoder = g_object_ref (params->decoder);
      decoded = vignette_decoder_finish (decoder, error);
    }
  else
    {
      decoder = vignette_decoder_new (display_name, box,
                                      params->max_pixels > 0 ? params->max_pixels : VIGNETTE_DEFAULT_MAX_PIXELS,
                                      params->reduced_decode);
      decoded = vignette_decoder_decode_bytes (decoder, data, cancellable, error);
    }
  if (decoded == NULL)
    return NULL;

  vignette_decoder_get_size (decoder, &prep.width, &prep.height);
  prep.scalable = vignette_decoder_is_scalable (decoder);
  prep.format_name = g_strdup (vignette_decoder_get_format_name (decoder));
  prep.mime_type = g_strdup (vignette_decoder_get_mime_type (decoder));
  g_clear_object (&decoder);

  if (params->from_cache)
    {
      const char *w = gdk_pixbuf_get_option (decoded, "tEXt::Thumb::Image::Width");
      const char *h = gdk_pixbuf_get_option (decoded, "tEXt::Thumb::Image::Height");
      guint64 value;

      if (!vignette_cache_pixbuf_is_valid (decoded, params->cache_uri, params->cache_mtime))
        {
          g_free (prep.format_name);
          g_free (prep.mime_type);
          g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_CACHE_STALE,
                       _("The cached thumbnail of %s is out of date."), display_name);
          return NULL;
        }

      /* The cache entry stands in for the original, whose size it records */
      prep.scalable = FALSE;
      prep.width = gdk_pixbuf_get_width (decoded);
      prep.height = gdk_pixbuf_get_height (decoded);
      g_clear_pointer (&prep.format_name, g_free);
      g_clear_pointer (&prep.mime_type, g_free);
      if (w != NULL && h != NULL &&
          g_ascii_string_to_unsigned (w, 10, 1, G_MAXINT, &value, NULL))
        {
          prep.width = (int) value;
          if (g_ascii_string_to_unsigned (h, 10, 1, G_MAXINT, &value, NULL))
            prep.height = (int) value;
        }
    }

  encoding = params->format;
  if (params->compact)
    encoding = gdk_pixbuf_get_has_alpha (decoded) ? VIGNETTE_FORMAT_PNG : VIGNETTE_FORMAT_JPEG;

  thumbnails = vignette_thumbnails_new (prep.width, prep.height, prep.format_name, prep.mime_type, encoding);
  g_free (prep.format_name);
  g_free (prep.mime_type);

  vignette_thumbnails_set_from_cache (thumbnails, params->from_cache);

  /* What the thumbnails are fitted from: the original's size in the
   * orientation it is shown in; a vector image or a cache entry is as
   * large as it was drawn */
  width = (prep.scalable || params->from_cache) ? gdk_pixbuf_get_width (decoded) : prep.width;
  height = (prep.scalable || params->from_cache) ? gdk_pixbuf_get_height (decoded) : prep.height;

  for (guint i = 0; i < targets->len; i++)
    {
      Target *target = &g_array_index (targets, Target, i);
      GdkPixbuf *source;
      int tw, th;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      fit_in_box (width, height, target->size, &tw, &th);
      source = pick_source (targets, i, decoded, params->strategy);

      if (gdk_pixbuf_get_width (source) == tw && gdk_pixbuf_get_height (source) == th)
        target->pixbuf = g_object_ref (source);
      else
        target->pixbuf = vignette_resample (source, tw, th);

      if (target->pixbuf == NULL)
        {
          g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_MANY_PIXELS,
                       _("%s could not be scaled: not enough memory."), display_name);
          return NULL;
        }
    }

  /* The decoded image is no longer needed: free it before encoding */
  g_clear_object (&decoded);

  for (guint i = 0; i < targets->len; i++)
    {
      Target *target = &g_array_index (targets, Target, i);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) local_error = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      if (target->is_cache)
        bytes = vignette_cache_encode (target->pixbuf, params->cache_uri, params->cache_mtime,
                                       prep.width, prep.height, &local_error);
      else
        bytes = vignette_encode_pixbuf (target->pixbuf, encoding, &local_error);

      if (bytes == NULL)
        {
          g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_SAVE,
                       _("The thumbnail of %s could not be encoded: %s"),
                       display_name, local_error->message);
          return NULL;
        }

      if (target->is_cache)
        vignette_thumbnails_add_cache_entry (thumbnails, target->flavor, target->size, bytes);
      else
        vignette_thumbnails_add (thumbnails, target->size,
                                 gdk_pixbuf_get_width (target->pixbuf),
                                 gdk_pixbuf_get_height (target->pixbuf),
                                 bytes);
      g_clear_object (&target->pixbuf);
    }

  return g_steal_pointer (&thumbnails);
}

static void
vignette_thumbnailer_finalize (GObject *object)
{
  VignetteThumbnailer *self = (VignetteThumbnailer *)object;

  g_clear_object (&self->workers);
  g_clear_pointer (&self->sizes, g_array_unref);

  G_OBJECT_CLASS (vignette_thumbnailer_parent_class)->finalize (object);
}

static void
vignette_thumbnailer_class_init (VignetteThumbnailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vignette_thumbnailer_finalize;
}

static void
vignette_thumbnailer_init (VignetteThumbnailer *self)
{
  const char *strategy = g_getenv ("VIGNETTE_SCALE_FROM");
  const char *reduced = g_getenv ("VIGNETTE_REDUCED_DECODE");

  self->sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (self->sizes, default_sizes, G_N_ELEMENTS (default_sizes));
  g_array_sort (self->sizes, compare_uint_desc);
  self->format = VIGNETTE_FORMAT_PNG;
  self->max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS;

  /* Knobs for the benchmarks, which compare the paths side by side */
  self->reduced_decode = g_strcmp0 (reduced, "0") != 0;
  self->strategy = g_strcmp0 (strategy, "decoded") == 0 ? VIGNETTE_SCALE_FROM_DECODED
                                                        : VIGNETTE_SCALE_FROM_PREVIOUS;
}

VignetteThumbnailer *
vignette_thumbnailer_new (VignetteWorkers *workers)
{
  VignetteThumbnailer *self;

  g_return_val_if_fail (VIGNETTE_IS_WORKERS (workers), NULL);

  self = g_object_new (VIGNETTE_TYPE_THUMBNAILER, NULL);
  self->workers = g_object_ref (workers);

  return self;
}

VignetteWorkers *
vignette_thumbnailer_get_workers (VignetteThumbnailer *self)
{
  g_return_val_if_fail (VIGNETTE_IS_THUMBNAILER (self), NULL);
  return self->workers;
}

void
vignette_thumbnailer_set_sizes (VignetteThumbnailer *self,
                                const guint         *sizes,
                                guint                n_sizes)
{
  g_return_if_fail (VIGNETTE_IS_THUMBNAILER (self));
  g_return_if_fail (n_sizes > 0);

  g_array_set_size (self->sizes, 0);
  g_array_append_vals (self->sizes, sizes, n_sizes);
  g_array_sort (self->sizes, compare_uint_desc);
}

void
vignette_thumbnailer_set_format (VignetteThumbnailer *self,
                                 VignetteFormat       format,
                                 gboolean             compact)
{
  g_return_if_fail (VIGNETTE_IS_THUMBNAILER (self));

  self->format = format;
  self->compact = compact;
}

void
vignette_thumbnailer_set_max_pixels (VignetteThumbnailer *self,
                                     guint64              max_pixels)
{
  g_return_if_fail (VIGNETTE_IS_THUMBNAILER (self));

  self->max_pixels = max_pixels > 0 ? max_pixels : VIGNETTE_DEFAULT_MAX_PIXELS;
}

/* A snapshot of the settings, owned by the task: the worker never reads the
 * thumbnailer, whose settings may change on the main thread meanwhile. */
typedef struct {
  GBytes                  *data;
  char                    *display_name;
  char                    *cache_uri;
  guint                   *sizes;
  VignetteThumbnailParams  params;
} ProcessData;

static void
process_data_free (gpointer data)
{
  ProcessData *pd = data;

  g_clear_object (&pd->params.decoder);
  g_clear_pointer (&pd->data, g_bytes_unref);
  g_free (pd->display_name);
  g_free (pd->cache_uri);
  g_free (pd->sizes);
  g_free (pd);
}

static void
process_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ProcessData *pd = task_data;
  GError *error = NULL;
  VignetteThumbnails *thumbnails;

  if (g_task_return_error_if_cancelled (task))
    return;

  thumbnails = vignette_make_thumbnails (pd->data, &pd->params, pd->display_name, cancellable, &error);

  /* The original is not needed any more, whatever the task's lifetime */
  g_clear_pointer (&pd->data, g_bytes_unref);

  if (thumbnails == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, thumbnails, (GDestroyNotify) vignette_thumbnails_unref);
}

/* A snapshot of the settings for one image */
static ProcessData *
process_data_new (VignetteThumbnailer *self,
                  const char          *display_name,
                  const char          *cache_uri,
                  guint64              cache_mtime,
                  gboolean             from_cache)
{
  ProcessData *pd = g_new0 (ProcessData, 1);

  pd->display_name = g_strdup (display_name);
  pd->cache_uri = g_strdup (cache_uri);
  pd->sizes = g_memdup2 (self->sizes->data, self->sizes->len * sizeof (guint));
  pd->params.sizes = pd->sizes;
  pd->params.n_sizes = self->sizes->len;
  pd->params.format = self->format;
  pd->params.compact = self->compact;
  pd->params.max_pixels = self->max_pixels;
  pd->params.reduced_decode = self->reduced_decode;
  pd->params.strategy = self->strategy;
  pd->params.cache_uri = pd->cache_uri;
  pd->params.cache_mtime = cache_mtime;
  pd->params.from_cache = from_cache;

  return pd;
}

/**
 * vignette_thumbnailer_process_async:
 * @data: the original image; released as soon as the thumbnails exist
 * @cache_uri: (nullable): also make freedesktop cache entries for this local file
 * @from_cache: @data is the cache entry of @cache_uri, to be checked against @cache_mtime
 */
void
vignette_thumbnailer_process_async (VignetteThumbnailer *self,
                                    GBytes              *data,
                                    const char          *display_name,
                                    const char          *cache_uri,
                                    guint64              cache_mtime,
                                    gboolean             from_cache,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ProcessData *pd;

  g_return_if_fail (VIGNETTE_IS_THUMBNAILER (self));
  g_return_if_fail (data != NULL);

  pd = process_data_new (self, display_name, cache_uri, cache_mtime, from_cache);
  pd->data = g_bytes_ref (data);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_thumbnailer_process_async);
  g_task_set_task_data (task, pd, process_data_free);
  vignette_workers_run (self->workers, task, process_thread);
}

VignetteThumbnails *
vignette_thumbnailer_process_finish (VignetteThumbnailer  *self,
                                     GAsyncResult         *result,
                                     GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * vignette_thumbnailer_stream_new:
 *
 * For an image that is still downloading: write its body into the stream
 * as it arrives (from any one thread at a time) and close it at the end;
 * the workers decode it meanwhile, and @callback gets the thumbnails, as
 * from vignette_thumbnailer_process_async(). Never for the desktop cache's
 * local files.
 *
 * Returns: (transfer full): the stream to write to
 */
VignetteDecodeStream *
vignette_thumbnailer_stream_new (VignetteThumbnailer *self,
                                 const char          *display_name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(VignetteDecoder) decoder = NULL;
  ProcessData *pd;

  g_return_val_if_fail (VIGNETTE_IS_THUMBNAILER (self), NULL);

  pd = process_data_new (self, display_name, NULL, 0, FALSE);
  /* The sizes are sorted from the largest: the decode must cover it */
  decoder = vignette_decoder_new (display_name, g_array_index (self->sizes, guint, 0),
                                  self->max_pixels, self->reduced_decode);
  pd->params.decoder = g_object_ref (decoder);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_thumbnailer_process_async);
  g_task_set_task_data (task, pd, process_data_free);

  return vignette_decode_stream_new (self->workers, decoder, task, process_thread);
}

static GdkPixbuf *
load_encoded (GBytes  *encoded,
              GError **error)
{
  g_autoptr(VignetteDecoder) decoder = vignette_decoder_new (_("The thumbnail"), MAX_SIZE, 0, FALSE);

  return vignette_decoder_decode_bytes (decoder, encoded, NULL, error);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GdkPixbuf *pixbuf;

  if (g_task_return_error_if_cancelled (task))
    return;

  pixbuf = load_encoded (task_data, &error);
  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

/* Decodes one stored thumbnail for display, off the main thread */
void
vignette_thumbnailer_load_async (VignetteThumbnailer *self,
                                 GBytes              *encoded,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VIGNETTE_IS_THUMBNAILER (self));
  g_return_if_fail (encoded != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_thumbnailer_load_async);
  g_task_set_task_data (task, g_bytes_ref (encoded), (GDestroyNotify) g_bytes_unref);
  vignette_workers_run (self->workers, task, load_thread);
}

GdkPixbuf *
vignette_thumbnailer_load_finish (VignetteThumbnailer  *self,
                                  GAsyncResult         *result,
                                  GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  VignetteThumbnails *thumbnails;
  VignetteFormat      format;
} ReencodeData;

static void
reencode_data_free (gpointer data)
{
  ReencodeData *rd = data;

  vignette_thumbnails_unref (rd->thumbnails);
  g_free (rd);
}

static void
reencode_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ReencodeData *rd = task_data;
  VignetteThumbnails *in = rd->thumbnails;
  g_autoptr(VignetteThumbnails) out = NULL;

  out = vignette_thumbnails_new (vignette_thumbnails_get_original_width (in),
                                 vignette_thumbnails_get_original_height (in),
                                 vignette_thumbnails_get_format_name (in),
                                 vignette_thumbnails_get_mime_type (in),
                                 rd->format);

  for (guint i = 0; i < vignette_thumbnails_get_n_sizes (in); i++)
    {
      const VignetteThumbnail *thumbnail = vignette_thumbnails_get_nth (in, i);
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GBytes) bytes = NULL;
      GError *error = NULL;

      if (g_task_return_error_if_cancelled (task))
        return;

      if (vignette_thumbnails_get_encoding (in) == rd->format)
        {
          vignette_thumbnails_add (out, thumbnail->size, thumbnail->width, thumbnail->height,
                                   thumbnail->bytes);
          continue;
        }

      if ((pixbuf = load_encoded (thumbnail->bytes, &error)) == NULL ||
          (bytes = vignette_encode_pixbuf (pixbuf, rd->format, &error)) == NULL)
        {
          g_task_return_error (task, error);
          return;
        }

      vignette_thumbnails_add (out, thumbnail->size, thumbnail->width, thumbnail->height, bytes);
    }

  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) vignette_thumbnails_unref);
}

/* The thumbnails kept in memory, in another format, for saving them later */
void
vignette_thumbnailer_reencode_async (VignetteThumbnailer *self,
                                     VignetteThumbnails  *thumbnails,
                                     VignetteFormat       format,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReencodeData *rd;

  g_return_if_fail (VIGNETTE_IS_THUMBNAILER (self));
  g_return_if_fail (thumbnails != NULL);

  rd = g_new0 (ReencodeData, 1);
  rd->thumbnails = vignette_thumbnails_ref (thumbnails);
  rd->format = format;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_thumbnailer_reencode_async);
  g_task_set_task_data (task, rd, reencode_data_free);
  vignette_workers_run (self->workers, task, reencode_thread);
}

VignetteThumbnails *
vignette_thumbnailer_reencode_finish (VignetteThumbnailer  *self,
                                      GAsyncResult         *result,
                                      GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
