/* vignette-item.h: one image (or a page or folder still to be expanded) in a run
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-enums.h"
#include "vignette-thumbnails.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_ITEM (vignette_item_get_type ())

G_DECLARE_FINAL_TYPE (VignetteItem, vignette_item, VIGNETTE, ITEM, GObject)

VignetteItem       *vignette_item_new                (VignetteItemKind   kind,
                                                      const char        *uri,
                                                      const char        *page_uri);
const char         *vignette_item_get_uri            (VignetteItem      *self);
const char         *vignette_item_get_page_uri       (VignetteItem      *self);
const char         *vignette_item_get_name           (VignetteItem      *self);
VignetteItemKind    vignette_item_get_kind           (VignetteItem      *self);
VignetteItemState   vignette_item_get_state          (VignetteItem      *self);
guint64             vignette_item_get_bytes_received (VignetteItem      *self);
guint64             vignette_item_get_bytes_total    (VignetteItem      *self);
double              vignette_item_get_progress       (VignetteItem      *self);
const char         *vignette_item_get_error_message  (VignetteItem      *self);
int                 vignette_item_get_width          (VignetteItem      *self);
int                 vignette_item_get_height         (VignetteItem      *self);
const char         *vignette_item_get_format_name    (VignetteItem      *self);
const char         *vignette_item_get_mime_type      (VignetteItem      *self);
guint64             vignette_item_get_file_size      (VignetteItem      *self);
guint               vignette_item_get_attempts       (VignetteItem      *self);
VignetteThumbnails *vignette_item_get_thumbnails     (VignetteItem      *self);
gboolean            vignette_item_get_upscale_limited (VignetteItem     *self);
const char         *vignette_item_get_save_name      (VignetteItem      *self);

/**
 * VignetteMark:
 *
 * The moments of an item's life that its timeline records, each once (the
 * last attempt's, for the network ones).
 */
typedef enum {
  VIGNETTE_MARK_QUEUED,        /* waits for the host queue */
  VIGNETTE_MARK_STARTED,       /* the host queue let it start */
  VIGNETTE_MARK_REQUEST_SENT,  /* the request went to a connection, or the file was opened */
  VIGNETTE_MARK_FIRST_BYTE,    /* the response's headers arrived */
  VIGNETTE_MARK_LOADED,        /* the whole body is here */
  VIGNETTE_MARK_DECODE_QUEUED, /* waits for a worker */
  VIGNETTE_MARK_DECODE_START,
  VIGNETTE_MARK_DECODE_END,
  VIGNETTE_MARK_SAVE_START,
  VIGNETTE_MARK_SAVE_END,
  VIGNETTE_MARK_FINISHED,      /* done, failed or cancelled */
  VIGNETTE_N_MARKS
} VignetteMark;

typedef struct {
  gint64   marks[VIGNETTE_N_MARKS];  /* g_get_monotonic_time () microseconds; 0: not reached */
  guint    worker;                   /* the worker thread that decoded it, from 1; 0: none */
  guint    retries;                  /* attempts that failed and were tried again */
  guint64  connection_id;            /* libsoup's connection, for web images */
  gboolean http2;                    /* the response came over HTTP/2 */
} VignetteTimeline;

const VignetteTimeline *vignette_item_get_timeline   (VignetteItem      *self);
guint64             vignette_item_get_mtime          (VignetteItem      *self);

const char         *vignette_item_state_to_string    (VignetteItemState  state);

G_END_DECLS
