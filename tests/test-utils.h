/* test-utils.h: what every test needs: a loopback server, images, a bounded wait
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* g_test_init, a private home and XDG user folders (for us and for the
 * processes we start; the system's data folders stay visible), the C locale
 * and the extractor's libxml2 set-up. */
void      vignette_test_init              (int          *argc,
                                           char       ***argv);

/* A private home and XDG user folders (XDG_RUNTIME_DIR too when
 * @with_runtime_dir) under a new temporary folder named @prefix-XXXXXX,
 * removed at exit: for vignette_test_init() and the UI tests' set-up. */
void      vignette_test_use_private_home  (const char   *prefix,
                                           gboolean      with_runtime_dir);

/* A non-uniform picture (gradients and a pattern, so that encoders and
 * scalers have real work), encoded as "png" or "jpeg" (JPEG never has
 * alpha: @alpha is ignored for it). */
GBytes   *vignette_test_make_image        (int           width,
                                           int           height,
                                           const char   *format,
                                           gboolean      alpha);

/* Iterate the default main context until *@done (or @cond returns TRUE);
 * on timeout the test fails with a message and FALSE is returned. */
void      vignette_test_spin_until        (gboolean     *done,
                                           guint         timeout_ms);
gboolean  vignette_test_spin_until_cond   (gboolean    (*cond) (gpointer user_data),
                                           gpointer      user_data,
                                           guint         timeout_ms,
                                           const char   *what);
/* Until *@pointer is NULL: a weak pointer on an object that must be
 * finalized once the loop has run the idles that still hold it */
gboolean  vignette_test_spin_until_null   (gpointer     *pointer,
                                           guint         timeout_ms,
                                           const char   *what);
/* Iterate the default main context for @ms milliseconds: only to check that
 * nothing more happens (a late callback), never to wait for something. */
void      vignette_test_spin_for          (guint         ms);

/* A real SoupServer on 127.0.0.1, on a random port */
typedef struct _VignetteTestServer VignetteTestServer;

/* Called for a request on a path registered with
 * vignette_test_server_add_handler(); @n is how many requests that path has
 * had, this one included (1 for the first). Set the response on @msg and
 * do not pause it: the server's latency applies after the handler returns. */
typedef void (*VignetteTestHandler) (VignetteTestServer *server,
                                     SoupServerMessage  *msg,
                                     const char         *path,
                                     guint               n,
                                     gpointer            user_data);

VignetteTestServer *vignette_test_server_new              (void);
void        vignette_test_server_free                     (VignetteTestServer *server);
SoupServer *vignette_test_server_get_soup_server          (VignetteTestServer *server);
guint       vignette_test_server_get_port                 (VignetteTestServer *server);
char       *vignette_test_server_get_uri                  (VignetteTestServer *server,
                                                           const char         *path);

/* Responses. Paths are matched exactly, without the query; an unknown path
 * gets 404. Adding a path again replaces its response. */
void        vignette_test_server_add                      (VignetteTestServer *server,
                                                           const char         *path,
                                                           guint               status,
                                                           const char         *content_type,
                                                           GBytes             *body);
void        vignette_test_server_add_html                 (VignetteTestServer *server,
                                                           const char         *path,
                                                           const char         *html);
/* Makes the image with vignette_test_make_image() and serves it with
 * Content-Type image/png or image/jpeg; returns the bytes served (owned by
 * the server). */
GBytes     *vignette_test_server_add_image                (VignetteTestServer *server,
                                                           const char         *path,
                                                           int                 width,
                                                           int                 height,
                                                           const char         *format);
/* A page listing @n_images <img src="PREFIXi.png"> (i from 1) and serving
 * each of those images (@width × @height PNG, the same bytes for all). */
void        vignette_test_server_add_gallery              (VignetteTestServer *server,
                                                           const char         *page_path,
                                                           const char         *image_prefix,
                                                           guint               n_images,
                                                           int                 width,
                                                           int                 height);
void        vignette_test_server_add_redirect             (VignetteTestServer *server,
                                                           const char         *path,
                                                           guint               status,
                                                           const char         *location);
/* An extra response header on @path's normal response (e.g. Retry-After) */
void        vignette_test_server_add_header               (VignetteTestServer *server,
                                                           const char         *path,
                                                           const char         *name,
                                                           const char         *value);
/* The first @n_failures requests to @path get @status (with a small text
 * body, and `Retry-After: @retry_after` when @retry_after is not NULL);
 * the following ones get the path's normal response. */
void        vignette_test_server_add_failures             (VignetteTestServer *server,
                                                           const char         *path,
                                                           guint               n_failures,
                                                           guint               status,
                                                           const char         *retry_after);
/* The body is sent in pieces of @chunk_size every @interval_ms, after a
 * Content-Length header (or without one, chunked, when @announce_length is
 * FALSE). */
void        vignette_test_server_set_trickle              (VignetteTestServer *server,
                                                           const char         *path,
                                                           gsize               chunk_size,
                                                           guint               interval_ms,
                                                           gboolean            announce_length);
void        vignette_test_server_add_handler              (VignetteTestServer *server,
                                                           const char         *path,
                                                           VignetteTestHandler handler,
                                                           gpointer            user_data,
                                                           GDestroyNotify      destroy);

/* Every response waits this long before it is sent (the message is paused,
 * the loop never blocks); a path's own latency wins over the server's.
 * G_MAXUINT means never: the request hangs until the client gives up or the
 * server is freed. */
void        vignette_test_server_set_latency              (VignetteTestServer *server,
                                                           guint               latency_ms);
void        vignette_test_server_set_path_latency         (VignetteTestServer *server,
                                                           const char         *path,
                                                           guint               latency_ms);

/* What the server saw. A request is in flight from the moment the server
 * handler sees it until its message is finished or disconnected. */
guint       vignette_test_server_get_peak_concurrency     (VignetteTestServer *server);
guint       vignette_test_server_get_in_flight            (VignetteTestServer *server);
/* Make @server count its requests in flight together with @other (two
 * ports are two hosts): the shared peak is the peak over both. Call it
 * before any request. */
void        vignette_test_server_share_concurrency        (VignetteTestServer *server,
                                                           VignetteTestServer *other);
guint       vignette_test_server_get_shared_peak_concurrency (VignetteTestServer *server);
/* A one-shot barrier that makes "the peak reaches the limit" hold on a busy
 * machine, where a fixed latency may let the first answers finish before the
 * last requests of a wave arrive: requests whose path starts with @prefix
 * get no answer until @n of them are in flight at once (counted across the
 * servers that share concurrency); then they are answered after the usual
 * latency, which is also the window in which a client that allows more than
 * @n shows it. A client that never gets to @n (a limit that is too low) is
 * released after @max_wait_ms, and its peak tells. */
void        vignette_test_server_hold_until_concurrent    (VignetteTestServer *server,
                                                           const char         *prefix,
                                                           guint               n,
                                                           guint               max_wait_ms);
/* Whether the barrier opened because @n requests were in flight at once
 * (not because @max_wait_ms ran out) */
gboolean    vignette_test_server_hold_was_reached         (VignetteTestServer *server);
guint       vignette_test_server_get_n_requests           (VignetteTestServer *server,
                                                           const char         *path);
/* Arrival times (g_get_monotonic_time(), µs) of the requests to @path, in
 * order; owned by the server; NULL when there were none. */
GArray     *vignette_test_server_get_request_times        (VignetteTestServer *server,
                                                           const char         *path);
/* A header of the last request to @path, or NULL */
char       *vignette_test_server_get_request_header       (VignetteTestServer *server,
                                                           const char         *path,
                                                           const char         *name);
/* Forget counts, peak and times (not the responses) */
void        vignette_test_server_reset_stats              (VignetteTestServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteTestServer, vignette_test_server_free)

/* vignette-cli (path in $VIGNETTE_CLI) as a subprocess, while the default
 * main context spins (so a server in this process can answer it). */
typedef struct {
  int   status;   /* the exit status, or 128 + signal when killed */
  char *out;      /* stdout, never NULL */
  char *err;      /* stderr, never NULL */
} VignetteTestCliResult;

/* $VIGNETTE_CLI, or the vignette-cli of the build tree the test is in */
const char *vignette_test_get_cli_path                    (void);
VignetteTestCliResult *vignette_test_run_cli              (const char         *first_arg,
                                                           ...) G_GNUC_NULL_TERMINATED;
VignetteTestCliResult *vignette_test_run_cliv             (const char * const *args,
                                                           guint               timeout_ms);
void        vignette_test_cli_result_free                 (VignetteTestCliResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteTestCliResult, vignette_test_cli_result_free)

/* A temporary folder for one test, deleted with its contents by
 * vignette_test_remove_tree() */
char       *vignette_test_make_temp_dir                   (void);
char       *vignette_test_get_testdata_dir                (const char *subdir);
void        vignette_test_remove_tree                     (const char         *path);
void        vignette_test_write_file                      (const char         *path,
                                                           GBytes             *bytes);

G_END_DECLS
