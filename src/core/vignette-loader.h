/* vignette-loader.h: an item's bytes, from the web or from a file, with one set of limits and words
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-fetcher.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_LOADER (vignette_loader_get_type ())

G_DECLARE_FINAL_TYPE (VignetteLoader, vignette_loader, VIGNETTE, LOADER, GObject)

typedef enum {
  VIGNETTE_LOAD_IMAGE,
  VIGNETTE_LOAD_PAGE,
  VIGNETTE_LOAD_FOLDER,
} VignetteLoadKind;

typedef struct {
  VignetteLoadKind   kind;
  GBytes            *bytes;         /* NULL for a folder; empty when it went to a decode stream */
  guint64            streamed;      /* the bytes that went to the decode stream */
  char              *content_type;  /* a page's Content-Type header, for its charset; may be NULL */
  char              *final_uri;     /* after redirects */
  guint64            mtime;         /* a local file's modification time, in seconds; 0 otherwise */
  VignetteProtocol   protocol;
  VignetteFetchTimes times;
} VignetteLoad;

void            vignette_load_free            (VignetteLoad          *load);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteLoad, vignette_load_free)

char           *vignette_display_name_for_uri (const char            *uri);

VignetteLoader *vignette_loader_new           (VignetteFetcher       *fetcher,
                                               guint64                max_bytes,
                                               guint64                max_page_bytes);
void            vignette_loader_load_async    (VignetteLoader        *self,
                                               const char            *uri,
                                               const char            *referer,
                                               gboolean               expect_image,
                                               guint                  attempt,
                                               VignetteDecodeStream  *sink,
                                               VignetteFetchProgress  progress,
                                               GObject               *progress_target,
                                               GCancellable          *cancellable,
                                               GAsyncReadyCallback    callback,
                                               gpointer               user_data);
VignetteLoad   *vignette_loader_load_finish   (VignetteLoader        *self,
                                               GAsyncResult          *result,
                                               VignetteRetryHint     *hint,
                                               GError               **error);

G_END_DECLS
