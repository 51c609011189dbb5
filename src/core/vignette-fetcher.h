/* vignette-fetcher.h: one HTTP GET, with its redirects and limits, on the network thread
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-settings.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_FETCHER  (vignette_fetcher_get_type ())
#define VIGNETTE_TYPE_RESPONSE (vignette_response_get_type ())

G_DECLARE_FINAL_TYPE (VignetteFetcher, vignette_fetcher, VIGNETTE, FETCHER, GObject)

typedef enum {
  VIGNETTE_FETCH_PAGE  = 0,       /* a page, or an address not known to be an image yet */
  VIGNETTE_FETCH_IMAGE = 1 << 0,  /* the image size limit and Accept header */
} VignetteFetchFlags;

/**
 * VignetteProtocol:
 * @VIGNETTE_PROTOCOL_UNKNOWN: no connection to the host has told yet
 * @VIGNETTE_PROTOCOL_HTTP1: HTTP/1.x: one request per connection at a time
 * @VIGNETTE_PROTOCOL_HTTP2: HTTP/2: every request shares one connection
 */
typedef enum {
  VIGNETTE_PROTOCOL_UNKNOWN,
  VIGNETTE_PROTOCOL_HTTP1,
  VIGNETTE_PROTOCOL_HTTP2,
} VignetteProtocol;

/* When each step of a GET happened, in g_get_monotonic_time() microseconds; 0 if it did not */
typedef struct {
  gint64  request_sent;   /* the request is handed to the connection */
  gint64  first_byte;     /* the response's headers arrived */
  gint64  done;           /* the whole body arrived */
  guint64 connection_id;  /* libsoup's id of the connection that carried it */
} VignetteFetchTimes;

typedef struct {
  GBytes            *body;          /* empty when the body went into a decode stream */
  guint64            streamed_length; /* then: how long it was */
  char              *content_type;  /* the header as sent, parameters included; may be NULL */
  char              *mime_type;     /* its type alone, lower case; may be NULL */
  char              *final_uri;     /* after redirects */
  guint              status;
  VignetteProtocol   protocol;
  VignetteFetchTimes times;
} VignetteResponse;

/**
 * VignetteRetryHint:
 * @delay_ms: how long to wait before the next attempt, or -1 when the
 *   failure is final (not transient, or the retries are used up)
 * @host_asked: the server asked for the wait (429 or 503 with Retry-After):
 *   the whole host should wait, not only this request
 */
typedef struct {
  gint64   delay_ms;
  gboolean host_asked;
} VignetteRetryHint;

/* Called on the thread that made the fetcher, in batches, as bytes arrive;
 * @total is 0 while unknown */
typedef void (*VignetteFetchProgress) (GObject  *target,
                                       guint64   received,
                                       guint64   total);

GType             vignette_response_get_type        (void) G_GNUC_CONST;
void              vignette_response_free            (VignetteResponse      *response);
VignetteResponse *vignette_response_copy            (VignetteResponse      *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteResponse, vignette_response_free)

VignetteFetcher  *vignette_fetcher_new              (const VignetteSettings *settings);
void              vignette_fetcher_fetch_async      (VignetteFetcher       *self,
                                                     const char            *uri,
                                                     const char            *referer,
                                                     VignetteFetchFlags     flags,
                                                     guint                  attempt,
                                                     VignetteFetchProgress  progress,
                                                     GObject               *progress_target,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
typedef struct _VignetteDecodeStream VignetteDecodeStream;

void              vignette_fetcher_fetch_into_async (VignetteFetcher       *self,
                                                     const char            *uri,
                                                     const char            *referer,
                                                     VignetteFetchFlags     flags,
                                                     guint                  attempt,
                                                     VignetteDecodeStream  *sink,
                                                     VignetteFetchProgress  progress,
                                                     GObject               *progress_target,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
VignetteResponse *vignette_fetcher_fetch_finish     (VignetteFetcher       *self,
                                                     GAsyncResult          *result,
                                                     VignetteRetryHint     *hint,
                                                     GError               **error);
guint             vignette_fetcher_get_n_active     (VignetteFetcher       *self);
guint             vignette_fetcher_get_peak_active  (VignetteFetcher       *self);
guint64           vignette_fetcher_get_bytes_received (VignetteFetcher     *self);
GThread          *vignette_fetcher_get_thread       (VignetteFetcher       *self);

G_END_DECLS
