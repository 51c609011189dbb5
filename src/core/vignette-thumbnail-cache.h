/* vignette-thumbnail-cache.h: the freedesktop.org Thumbnail Managing Standard cache
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

#include "vignette-thumbnails.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;  /* folder name under thumbnails/ */
  guint       size;
} VignetteCacheFlavor;

const VignetteCacheFlavor *vignette_cache_flavor_for_size   (guint        size);
char                      *vignette_cache_get_path          (const char  *flavor,
                                                             const char  *uri);
char                      *vignette_cache_get_fail_path     (const char  *uri);
gboolean                   vignette_cache_pixbuf_is_valid   (GdkPixbuf   *pixbuf,
                                                             const char  *uri,
                                                             guint64      mtime);
GBytes                    *vignette_cache_encode            (GdkPixbuf   *pixbuf,
                                                             const char  *uri,
                                                             guint64      mtime,
                                                             int          original_width,
                                                             int          original_height,
                                                             GError     **error);

void                       vignette_cache_store_async       (VignetteThumbnails  *thumbnails,
                                                             const char          *uri,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
void                       vignette_cache_mark_failed_async (const char          *uri,
                                                             guint64              mtime,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
void                       vignette_cache_write_finish      (GAsyncResult        *result);

G_END_DECLS
