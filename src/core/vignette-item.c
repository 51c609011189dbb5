/* vignette-item.c: one image (or a page or folder still to be expanded) in a run
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "vignette-enum-types.h"
#include "vignette-item-private.h"

struct _VignetteItem
{
  GObject             parent_instance;

  char               *uri;
  char               *page_uri;
  char               *name;
  char               *save_name;
  VignetteItemKind    kind;
  VignetteItemState   state;
  guint64             bytes_received;
  guint64             bytes_total;
  char               *error_message;
  int                 width;
  int                 height;
  char               *format_name;
  char               *mime_type;
  guint64             file_size;
  guint64             mtime;
  guint               attempts;
  gboolean            upscale_limited;
  VignetteThumbnails *thumbnails;
  VignetteTimeline    timeline;
};

G_DEFINE_FINAL_TYPE (VignetteItem, vignette_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  PROP_PAGE_URI,
  PROP_NAME,
  PROP_KIND,
  PROP_STATE,
  PROP_BYTES_RECEIVED,
  PROP_BYTES_TOTAL,
  PROP_PROGRESS,
  PROP_ERROR_MESSAGE,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_FORMAT_NAME,
  PROP_MIME_TYPE,
  PROP_FILE_SIZE,
  PROP_ATTEMPTS,
  PROP_THUMBNAILS,
  PROP_UPSCALE_LIMITED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "https://example.com/a/b%20c.jpg?x=1" gives "b c.jpg"; a file URI gives its
 * display basename; an address without a path gives its host. */
static char *
name_from_uri (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *unescaped = NULL;
  const char *path;
  const char *slash;

  if (uri == NULL)
    return g_strdup ("");

  if (g_str_has_prefix (uri, "file:"))
    {
      g_autofree char *filename = g_filename_from_uri (uri, NULL, NULL);

      if (filename != NULL)
        return g_filename_display_basename (filename);
    }

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  if (parsed == NULL)
    return g_strdup (uri);

  path = g_uri_get_path (parsed);
  while (*path == '/')
    path++;
  if (*path == '\0')
    return g_strdup (g_uri_get_host (parsed) ? g_uri_get_host (parsed) : uri);

  /* Keep the page path whole for pages ("page/3"), but an image's name is its last segment */
  slash = strrchr (path, '/');
  if (slash != NULL && slash[1] != '\0')
    path = slash + 1;

  unescaped = g_uri_unescape_string (path, "/");
  if (unescaped == NULL || !g_utf8_validate (unescaped, -1, NULL))
    return g_strdup (path);

  return g_steal_pointer (&unescaped);
}

static void
vignette_item_finalize (GObject *object)
{
  VignetteItem *self = (VignetteItem *)object;

  g_clear_pointer (&self->uri, g_free);
  g_clear_pointer (&self->page_uri, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->save_name, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->format_name, g_free);
  g_clear_pointer (&self->mime_type, g_free);
  g_clear_pointer (&self->thumbnails, vignette_thumbnails_unref);

  G_OBJECT_CLASS (vignette_item_parent_class)->finalize (object);
}

static void
vignette_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  VignetteItem *self = VIGNETTE_ITEM (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_PAGE_URI:
      g_value_set_string (value, self->page_uri);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_BYTES_RECEIVED:
      g_value_set_uint64 (value, self->bytes_received);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->bytes_total);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, vignette_item_get_progress (self));
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;
    case PROP_FORMAT_NAME:
      g_value_set_string (value, self->format_name);
      break;
    case PROP_MIME_TYPE:
      g_value_set_string (value, self->mime_type);
      break;
    case PROP_FILE_SIZE:
      g_value_set_uint64 (value, self->file_size);
      break;
    case PROP_ATTEMPTS:
      g_value_set_uint (value, self->attempts);
      break;
    case PROP_THUMBNAILS:
      g_value_set_boxed (value, self->thumbnails);
      break;
    case PROP_UPSCALE_LIMITED:
      g_value_set_boolean (value, self->upscale_limited);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_item_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  VignetteItem *self = VIGNETTE_ITEM (object);

  switch (prop_id)
    {
    case PROP_URI:
      self->uri = g_value_dup_string (value);
      break;
    case PROP_PAGE_URI:
      self->page_uri = g_value_dup_string (value);
      break;
    case PROP_KIND:
      vignette_item_set_kind (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_item_constructed (GObject *object)
{
  VignetteItem *self = VIGNETTE_ITEM (object);

  G_OBJECT_CLASS (vignette_item_parent_class)->constructed (object);

  self->name = name_from_uri (self->uri);
}

static void
vignette_item_class_init (VignetteItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vignette_item_finalize;
  object_class->get_property = vignette_item_get_property;
  object_class->set_property = vignette_item_set_property;
  object_class->constructed = vignette_item_constructed;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE_URI] =
    g_param_spec_string ("page-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       VIGNETTE_TYPE_ITEM_KIND, VIGNETTE_ITEM_KIND_URL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       VIGNETTE_TYPE_ITEM_STATE, VIGNETTE_ITEM_STATE_QUEUED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_uint64 ("bytes-received", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYTES_TOTAL] =
    g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * VignetteItem:progress:
   *
   * The fraction of the bytes received, or -1 while the total is unknown.
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, -1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FORMAT_NAME] =
    g_param_spec_string ("format-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MIME_TYPE] =
    g_param_spec_string ("mime-type", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE_SIZE] =
    g_param_spec_uint64 ("file-size", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ATTEMPTS] =
    g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THUMBNAILS] =
    g_param_spec_boxed ("thumbnails", NULL, NULL, VIGNETTE_TYPE_THUMBNAILS,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UPSCALE_LIMITED] =
    g_param_spec_boolean ("upscale-limited", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vignette_item_init (VignetteItem *self)
{
  self->state = VIGNETTE_ITEM_STATE_QUEUED;
}

VignetteItem *
vignette_item_new (VignetteItemKind  kind,
                   const char       *uri,
                   const char       *page_uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return g_object_new (VIGNETTE_TYPE_ITEM,
                       "kind", kind,
                       "uri", uri,
                       "page-uri", page_uri,
                       NULL);
}

const char *
vignette_item_get_uri (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->uri;
}

const char *
vignette_item_get_page_uri (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->page_uri;
}

const char *
vignette_item_get_name (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->name;
}

VignetteItemKind
vignette_item_get_kind (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->kind;
}

VignetteItemState
vignette_item_get_state (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->state;
}

guint64
vignette_item_get_bytes_received (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->bytes_received;
}

guint64
vignette_item_get_bytes_total (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->bytes_total;
}

double
vignette_item_get_progress (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), -1.0);

  if (self->state == VIGNETTE_ITEM_STATE_DONE)
    return 1.0;
  if (self->bytes_total == 0)
    return -1.0;

  return CLAMP ((double) self->bytes_received / (double) self->bytes_total, 0.0, 1.0);
}

const char *
vignette_item_get_error_message (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->error_message;
}

int
vignette_item_get_width (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->width;
}

int
vignette_item_get_height (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->height;
}

const char *
vignette_item_get_format_name (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->format_name;
}

const char *
vignette_item_get_mime_type (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->mime_type;
}

guint64
vignette_item_get_file_size (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->file_size;
}

guint
vignette_item_get_attempts (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->attempts;
}

/**
 * vignette_item_get_thumbnails:
 *
 * Returns: (nullable) (transfer none): the thumbnails, while the run keeps
 *   them (a run that only saves to disk drops them once they are written)
 */
VignetteThumbnails *
vignette_item_get_thumbnails (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->thumbnails;
}

gboolean
vignette_item_get_upscale_limited (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), FALSE);
  return self->upscale_limited;
}

const char *
vignette_item_get_save_name (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return self->save_name;
}

void
vignette_item_set_state (VignetteItem      *self,
                         VignetteItemState  state)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  if (self->state == state)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  self->state = state;
  if (state != VIGNETTE_ITEM_STATE_FAILED && self->error_message != NULL)
    {
      g_clear_pointer (&self->error_message, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
vignette_item_set_kind (VignetteItem     *self,
                        VignetteItemKind  kind)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  if (self->kind == kind)
    return;

  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

void
vignette_item_set_progress (VignetteItem *self,
                            guint64       received,
                            guint64       total)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  if (self->bytes_received == received && self->bytes_total == total)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->bytes_received != received)
    {
      self->bytes_received = received;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_RECEIVED]);
    }
  if (self->bytes_total != total)
    {
      self->bytes_total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Cancellation is not failure: a cancelled operation marks the item
 * cancelled and keeps quiet about it. */
void
vignette_item_fail (VignetteItem *self,
                    const GError *error)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));
  g_return_if_fail (error != NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      vignette_item_set_state (self, VIGNETTE_ITEM_STATE_CANCELLED);
      return;
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->error_message, error->message) != 0)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  if (self->state != VIGNETTE_ITEM_STATE_FAILED)
    {
      self->state = VIGNETTE_ITEM_STATE_FAILED;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_string (VignetteItem  *self,
            char         **field,
            const char    *value,
            int            prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_int (VignetteItem *self,
         int          *field,
         int           value,
         int           prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Also records what the thumbnails tell about the original, which stays
 * known after a saving-only run drops the thumbnails themselves (NULL). */
void
vignette_item_set_thumbnails (VignetteItem       *self,
                              VignetteThumbnails *thumbnails)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  if (self->thumbnails == thumbnails)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  g_clear_pointer (&self->thumbnails, vignette_thumbnails_unref);
  if (thumbnails != NULL)
    {
      gboolean limited;

      self->thumbnails = vignette_thumbnails_ref (thumbnails);
      set_int (self, &self->width, vignette_thumbnails_get_original_width (thumbnails), PROP_WIDTH);
      set_int (self, &self->height, vignette_thumbnails_get_original_height (thumbnails), PROP_HEIGHT);
      set_string (self, &self->format_name, vignette_thumbnails_get_format_name (thumbnails), PROP_FORMAT_NAME);
      set_string (self, &self->mime_type, vignette_thumbnails_get_mime_type (thumbnails), PROP_MIME_TYPE);

      limited = vignette_thumbnails_is_upscale_limited (thumbnails);
      if (limited != self->upscale_limited)
        {
          self->upscale_limited = limited;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPSCALE_LIMITED]);
        }
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAILS]);

  g_object_thaw_notify (G_OBJECT (self));
}

void
vignette_item_set_file_size (VignetteItem *self,
                             guint64       file_size)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  if (self->file_size == file_size)
    return;

  self->file_size = file_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE_SIZE]);
}

void
vignette_item_set_attempts (VignetteItem *self,
                            guint         attempts)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  if (self->attempts == attempts)
    return;

  self->attempts = attempts;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPTS]);
}

void
vignette_item_set_save_name (VignetteItem *self,
                             const char   *save_name)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  g_free (self->save_name);
  self->save_name = g_strdup (save_name);
}

guint64
vignette_item_get_mtime (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), 0);
  return self->mtime;
}

void
vignette_item_set_mtime (VignetteItem *self,
                         guint64       mtime)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));
  self->mtime = mtime;
}

/**
 * vignette_item_get_timeline:
 *
 * When each phase of the item started and ended, for a timeline view or a
 * trace; recorded at the cost of a clock read.
 */
const VignetteTimeline *
vignette_item_get_timeline (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return &self->timeline;
}

VignetteTimeline *
vignette_item_edit_timeline (VignetteItem *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM (self), NULL);
  return &self->timeline;
}

void
vignette_item_mark (VignetteItem *self,
                    VignetteMark  mark,
                    gint64        when)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));
  g_return_if_fail (mark < VIGNETTE_N_MARKS);

  self->timeline.marks[mark] = when ? when : g_get_monotonic_time ();
}

/* Back to the queue, for "Retry Failed" */
void
vignette_item_reset (VignetteItem *self)
{
  g_return_if_fail (VIGNETTE_IS_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  vignette_item_set_progress (self, 0, 0);
  vignette_item_set_attempts (self, 0);
  memset (&self->timeline, 0, sizeof self->timeline);
  vignette_item_set_state (self, VIGNETTE_ITEM_STATE_QUEUED);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
vignette_item_state_to_string (VignetteItemState state)
{
  switch (state)
    {
    case VIGNETTE_ITEM_STATE_QUEUED:
      return _("Queued");
    case VIGNETTE_ITEM_STATE_FETCHING_PAGE:
      return _("Fetching page");
    case VIGNETTE_ITEM_STATE_DOWNLOADING:
      return _("Downloading");
    case VIGNETTE_ITEM_STATE_PROCESSING:
      return _("Processing");
    case VIGNETTE_ITEM_STATE_DONE:
      return _("Done");
    case VIGNETTE_ITEM_STATE_FAILED:
      return _("Failed");
    case VIGNETTE_ITEM_STATE_CANCELLED:
      return _("Cancelled");
    default:
      g_return_val_if_reached (NULL);
    }
}
