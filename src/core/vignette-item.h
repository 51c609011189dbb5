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
gboolean            vignette_item_is_finished        (VignetteItem      *self);
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

/* Setters are the run's business; they only ever run on the main thread. */
void                vignette_item_set_state          (VignetteItem      *self,
                                                      VignetteItemState  state);
void                vignette_item_set_kind           (VignetteItem      *self,
                                                      VignetteItemKind   kind);
void                vignette_item_set_progress       (VignetteItem      *self,
                                                      guint64            received,
                                                      guint64            total);
void                vignette_item_fail               (VignetteItem      *self,
                                                      const GError      *error);
void                vignette_item_set_thumbnails     (VignetteItem      *self,
                                                      VignetteThumbnails *thumbnails);
void                vignette_item_set_file_size      (VignetteItem      *self,
                                                      guint64            file_size);
void                vignette_item_set_attempts       (VignetteItem      *self,
                                                      guint              attempts);
void                vignette_item_set_save_name      (VignetteItem      *self,
                                                      const char        *save_name);
guint64             vignette_item_get_mtime          (VignetteItem      *self);
void                vignette_item_set_mtime          (VignetteItem      *self,
                                                      guint64            mtime);
void                vignette_item_reset              (VignetteItem      *self);

const char         *vignette_item_state_to_string    (VignetteItemState  state);

G_END_DECLS
