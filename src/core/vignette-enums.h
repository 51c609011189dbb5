/* vignette-enums.h: enumerations shared by the engine and its front-ends
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * VignetteItemState:
 * @VIGNETTE_ITEM_STATE_QUEUED: waiting for a free connection or worker
 * @VIGNETTE_ITEM_STATE_FETCHING_PAGE: a page or folder is being fetched or listed;
 *   the item will be replaced by the images it contains
 * @VIGNETTE_ITEM_STATE_DOWNLOADING: the image bytes are arriving
 * @VIGNETTE_ITEM_STATE_PROCESSING: a worker thread decodes and scales the image,
 *   or its thumbnails are being written
 * @VIGNETTE_ITEM_STATE_DONE: thumbnails exist (and are saved when asked)
 * @VIGNETTE_ITEM_STATE_FAILED: see the item's error message
 * @VIGNETTE_ITEM_STATE_CANCELLED: the run was cancelled before the item finished
 */
typedef enum {
  VIGNETTE_ITEM_STATE_QUEUED,
  VIGNETTE_ITEM_STATE_FETCHING_PAGE,
  VIGNETTE_ITEM_STATE_DOWNLOADING,
  VIGNETTE_ITEM_STATE_PROCESSING,
  VIGNETTE_ITEM_STATE_DONE,
  VIGNETTE_ITEM_STATE_FAILED,
  VIGNETTE_ITEM_STATE_CANCELLED,
} VignetteItemState;

/**
 * VignetteItemKind:
 * @VIGNETTE_ITEM_KIND_URL: an http(s) address that may turn out to be a page or an image
 * @VIGNETTE_ITEM_KIND_LOCAL: a local path that may turn out to be a folder, a page or an image
 * @VIGNETTE_ITEM_KIND_FOLDER: a local folder being listed
 * @VIGNETTE_ITEM_KIND_PAGE: a web or local HTML page
 * @VIGNETTE_ITEM_KIND_IMAGE: an image
 */
typedef enum {
  VIGNETTE_ITEM_KIND_URL,
  VIGNETTE_ITEM_KIND_LOCAL,
  VIGNETTE_ITEM_KIND_FOLDER,
  VIGNETTE_ITEM_KIND_PAGE,
  VIGNETTE_ITEM_KIND_IMAGE,
} VignetteItemKind;

typedef enum {
  VIGNETTE_FORMAT_PNG,
  VIGNETTE_FORMAT_JPEG,
  VIGNETTE_FORMAT_WEBP,
} VignetteFormat;

G_END_DECLS
