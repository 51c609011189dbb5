/* vignette-fetcher.h: every HTTP request of a run, through one SoupSession with set limits
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_FETCHER  (vignette_fetcher_get_type ())
#define VIGNETTE_TYPE_RESPONSE (vignette_response_get_type ())

G_DECLARE_FINAL_TYPE (VignetteFetcher, vignette_fetcher, VIGNETTE, FETCHER, GObject)

#define VIGNETTE_DEFAULT_JOBS          16
#define VIGNETTE_DEFAULT_PER_HOST       8
#define VIGNETTE_DEFAULT_RETRIES        3
#define VIGNETTE_DEFAULT_MAX_BYTES     (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define VIGNETTE_DEFAULT_MAX_PAGE_BYTES (G_GUINT64_CONSTANT (16) * 1024 * 1024)
#define VIGNETTE_DEFAULT_TIMEOUT      120
#define VIGNETTE_DEFAULT_IDLE_TIMEOUT  30
#define VIGNETTE_MAX_REDIRECTS         10

typedef enum {
  VIGNETTE_FETCH_PAGE  = 0,       /* a page, or an address not known to be an image yet */
  VIGNETTE_FETCH_IMAGE = 1 << 0,  /* goes before pages in the queue */
} VignetteFetchFlags;

typedef struct {
  GBytes *body;
  char   *content_type;  /* the header as sent, parameters included; may be NULL */
  char   *mime_type;     /* its type alone, lower case; may be NULL */
  char   *final_uri;     /* after redirects */
  guint   status;
  guint   attempts;
} VignetteResponse;

/* Called on the main thread as bytes arrive; @total is 0 while unknown */
typedef void (*VignetteFetchProgress) (GObject  *target,
                                       guint64   received,
                                       guint64   total,
                                       guint     attempt);

GType             vignette_response_get_type        (void) G_GNUC_CONST;
void              vignette_response_free            (VignetteResponse      *response);
VignetteResponse *vignette_response_copy            (VignetteResponse      *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteResponse, vignette_response_free)

VignetteFetcher  *vignette_fetcher_new              (guint                  max_connections,
                                                     guint                  max_per_host);
guint             vignette_fetcher_get_max_connections (VignetteFetcher    *self);
guint             vignette_fetcher_get_max_per_host (VignetteFetcher       *self);
void              vignette_fetcher_fetch_async      (VignetteFetcher       *self,
                                                     const char            *uri,
                                                     const char            *referer,
                                                     VignetteFetchFlags     flags,
                                                     VignetteFetchProgress  progress,
                                                     GObject               *progress_target,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
VignetteResponse *vignette_fetcher_fetch_finish     (VignetteFetcher       *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
gboolean          vignette_fetcher_can_start        (VignetteFetcher       *self,
                                                     const char            *uri);
guint             vignette_fetcher_get_n_active     (VignetteFetcher       *self);
guint             vignette_fetcher_get_n_queued     (VignetteFetcher       *self);
guint             vignette_fetcher_get_peak_active  (VignetteFetcher       *self);
guint64           vignette_fetcher_get_bytes_received (VignetteFetcher     *self);
guint             vignette_fetcher_get_n_retries    (VignetteFetcher       *self);

G_END_DECLS
