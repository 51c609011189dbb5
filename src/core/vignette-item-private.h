/* vignette-item-private.h: what changes an item: the engine's business, on the main thread only
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Front-ends read items and bind to their properties; only the run and its
 * item jobs (and tests that stage an item) include this.
 */
#pragma once

#include "vignette-item.h"

G_BEGIN_DECLS

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
void                vignette_item_set_mtime          (VignetteItem      *self,
                                                      guint64            mtime);
void                vignette_item_reset              (VignetteItem      *self);

void                vignette_item_mark               (VignetteItem      *self,
                                                      VignetteMark       mark,
                                                      gint64             when);
VignetteTimeline   *vignette_item_edit_timeline      (VignetteItem      *self);

G_END_DECLS
