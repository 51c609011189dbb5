/* vignette-fetcher.c: one HTTP GET, with its redirects and limits, on the network thread
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything libsoup does runs on a thread of the fetcher's own, in a
 * GMainContext of its own: DNS, connecting, TLS handshakes, certificate
 * checks, HTTP/2 framing and decryption, and the reading of bodies. Over
 * HTTPS that is most of the CPU a download costs; on the main loop it held
 * single iterations for 80 to 360 ms (nghttp2 hands libsoup every DATA frame
 * that one read of the socket decrypted, and libsoup 3.2 queues them with
 * g_slist_append). The main thread only hands requests over and receives
 * whole responses: each as one GTask completion, and the progress of every
 * request in flight as one batch per main-loop iteration.
 *
 * A fetch is one GET: redirects are followed here (so that non-web schemes
 * are refused), the size limits, the total and idle timeouts and the
 * low-speed limit apply, and a failure says whether another attempt is
 * worth it and when (VignetteRetryHint). Waiting between attempts is not the
 * fetcher's business: the host queue does it, so that a request waiting out
 * a Retry-After holds no connection slot.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "vignette-decode-stream.h"
#include "vignette-error.h"
#include "vignette-fetcher.h"
#include "vignette-source.h"

#define READ_CHUNK (256 * 1024)

struct _VignetteFetcher
{
  GObject           parent_instance;

  VignetteSettings  settings;     /* read-only once made: both threads read it */
  char             *user_agent;
  GMainContext     *main_context; /* where requests come from and results go */

  /* The network thread; only it touches the session and the requests' I/O */
  GThread          *thread;
  GMainContext     *context;
  GMainLoop        *loop;
  SoupSession      *session;
  GError           *tls_error;    /* the --ca-file could not be read */
  gboolean          tls_ready;
  GPtrArray        *active;       /* Request, for the low-speed check */
  GSource          *ticker;

  /* What the network thread hands to the main thread, in one batch */
  GMutex            lock;
  GPtrArray        *dirty;        /* Request with progress not yet reported */
  GPtrArray        *protocols;    /* ProtocolEvent: what TLS handshakes negotiated */
  GPtrArray        *completions;  /* Completion: results to hand to their callers */
  GSource          *flush_source;

  /* Figures, written on the network thread */
  guint             n_active;
  guint             peak_active;
  guint64           bytes_received;
};

G_DEFINE_FINAL_TYPE (VignetteFetcher, vignette_fetcher, G_TYPE_OBJECT)

enum {
  SIGNAL_PROTOCOL_LEARNED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  char             *uri;
  VignetteProtocol  protocol;
} ProtocolEvent;

static void
protocol_event_free (gpointer data)
{
  ProtocolEvent *event = data;

  g_free (event->uri);
  g_free (event);
}

/* A result made on the network thread; the task is returned, and released,
 * on the main thread only, so that the task (and the fetcher it holds)
 * never dies on the network thread */
typedef struct {
  GTask            *task;
  VignetteResponse *response;
  GError           *error;
  GObject          *progress_target;  /* released here, on the main thread */
} Completion;

static void
completion_free (gpointer data)
{
  Completion *completion = data;

  g_clear_object (&completion->task);
  g_clear_object (&completion->progress_target);
  vignette_response_free (completion->response);
  g_clear_error (&completion->error);
  g_free (completion);
}
G_DEFINE_BOXED_TYPE (VignetteResponse, vignette_response, vignette_response_copy, vignette_response_free)

typedef struct {
  VignetteFetcher       *self;          /* not a reference: the task's source object keeps it */
  GTask                 *task;          /* owned until it returns */
  char                  *uri;
  char                  *original_uri;
  char                  *referer;
  VignetteFetchFlags     flags;
  guint                  attempt;
  guint64                max_bytes;
  guint                  redirects;
  gboolean               finished;      /* the task returned: only the last references remain */

  GCancellable          *cancellable;   /* the caller's */
  gulong                 cancelled_id;
  GCancellable          *net_cancellable;  /* the network thread's, which libsoup sees */
  GSource               *timeout_source;
  gboolean               timed_out;
  char                  *low_speed_message;

  SoupMessage           *msg;
  GInputStream          *stream;
  guint8                *body;
  gsize                  body_length;      /* bytes of this attempt's body so far */
  gsize                  body_allocated;
  VignetteDecodeStream  *sink;             /* takes the body instead of memory, or NULL */
  GSource               *resume_source;    /* the sink was full: read again soon */
  gboolean               paused;
  guint64                content_length;
  guint                  status;
  char                  *content_type;
  VignetteProtocol       protocol;
  VignetteFetchTimes     times;

  /* Low-speed check: bytes at each of the last seconds */
  guint64               *samples;
  guint                  n_samples;

  /* Progress, read by the main thread under the fetcher's lock */
  VignetteFetchProgress  progress;
  GObject               *progress_target;
  guint64                progress_received;
  guint64                progress_total;
  gboolean               progress_dirty;
} Request;

static void start_attempt (Request *req);
static void read_more (Request *req);

void
vignette_response_free (VignetteResponse *response)
{
  if (response == NULL)
    return;

  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response->content_type);
  g_free (response->mime_type);
  g_free (response->final_uri);
  g_free (response);
}

VignetteResponse *
vignette_response_copy (VignetteResponse *response)
{
  VignetteResponse *copy = g_new0 (VignetteResponse, 1);

  *copy = *response;
  copy->body = response->body ? g_bytes_ref (response->body) : NULL;
  copy->content_type = g_strdup (response->content_type);
  copy->mime_type = g_strdup (response->mime_type);
  copy->final_uri = g_strdup (response->final_uri);

  return copy;
}

static void
request_clear (Request *req)
{
  g_free (req->uri);
  g_free (req->original_uri);
  g_free (req->referer);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->net_cancellable);
  g_clear_object (&req->msg);
  g_clear_object (&req->stream);
  g_free (req->body);
  g_free (req->content_type);
  g_free (req->low_speed_message);
  g_free (req->samples);
  g_clear_pointer (&req->sink, vignette_decode_stream_unref);
  g_clear_object (&req->progress_target);
}

static Request *
request_ref (Request *req)
{
  return g_atomic_rc_box_acquire (req);
}

static void
request_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) request_clear);
}

/* Main thread ------------------------------------------------------------- */

/* Reports the progress of every request that moved since the last batch */
static gboolean
flush_cb (gpointer data)
{
  VignetteFetcher *self = data;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) protocols = NULL;
  g_autoptr(GPtrArray) completions = NULL;

  g_mutex_lock (&self->lock);
  batch = g_steal_pointer (&self->dirty);
  self->dirty = g_ptr_array_new_with_free_func (request_unref);
  protocols = g_steal_pointer (&self->protocols);
  self->protocols = g_ptr_array_new_with_free_func (protocol_event_free);
  completions = g_steal_pointer (&self->completions);
  self->completions = g_ptr_array_new_with_free_func (completion_free);
  g_clear_pointer (&self->flush_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < protocols->len; i++)
    {
      ProtocolEvent *event = g_ptr_array_index (protocols, i);

      g_signal_emit (self, signals[SIGNAL_PROTOCOL_LEARNED], 0, event->uri, (int) event->protocol);
    }

  for (guint i = 0; i < batch->len; i++)
    {
      Request *req = g_ptr_array_index (batch, i);
      guint64 received, total;
      gboolean finished;

      g_autoptr(GObject) target = NULL;

      g_mutex_lock (&self->lock);
      received = req->progress_received;
      total = req->progress_total;
      finished = req->finished;
      req->progress_dirty = FALSE;
      target = req->progress_target ? g_object_ref (req->progress_target) : NULL;
      g_mutex_unlock (&self->lock);

      /* The result may be on its way already; it says the rest */
      if (!finished && req->progress != NULL && target != NULL)
        req->progress (target, received, total);
    }

  for (guint i = 0; i < completions->len; i++)
    {
      Completion *completion = g_ptr_array_index (completions, i);

      if (completion->error != NULL)
        g_task_return_error (completion->task, g_steal_pointer (&completion->error));
      else
        g_task_return_pointer (completion->task, g_steal_pointer (&completion->response),
                               (GDestroyNotify) vignette_response_free);
    }

  return G_SOURCE_REMOVE;
}

/* Under the lock: the batch goes out in the main thread's next iteration */
static void
schedule_flush (VignetteFetcher *self)
{
  if (self->flush_source == NULL)
    {
      self->flush_source = g_idle_source_new ();
      /* Results free slots: as urgent as any other I/O of the main loop */
      g_source_set_priority (self->flush_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->flush_source, flush_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (self->flush_source, "[vignette] fetch progress");
      g_source_attach (self->flush_source, self->main_context);
    }
}

/* Network thread: a TLS handshake told which protocol the host speaks, long
 * before the first response does; the host queue can then start every
 * request of an HTTP/2 host on the one connection */
static void
on_network_event (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            data)
{
  Request *req = data;
  VignetteFetcher *self = req->self;
  ProtocolEvent *learned;
  const char *negotiated;

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKED || !G_IS_TLS_CONNECTION (connection))
    return;

  negotiated = g_tls_connection_get_negotiated_protocol (G_TLS_CONNECTION (connection));
  learned = g_new0 (ProtocolEvent, 1);
  learned->uri = g_strdup (req->uri);
  learned->protocol = g_strcmp0 (negotiated, "h2") == 0 ? VIGNETTE_PROTOCOL_HTTP2 : VIGNETTE_PROTOCOL_HTTP1;

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->protocols, learned);
  schedule_flush (self);
  g_mutex_unlock (&self->lock);
}

/* Network thread: the next batch of progress for the main thread */
static void
post_progress (Request *req)
{
  VignetteFetcher *self = req->self;
  guint64 total = req->content_length;

  if (req->progress == NULL)
    return;

  /* A compressed body grows past its Content-Length once decoded */
  if (total != 0 && req->body_length > total)
    total = 0;

  g_mutex_lock (&self->lock);
  req->progress_received = req->body_length;
  req->progress_total = total;
  if (!req->progress_dirty)
    {
      req->progress_dirty = TRUE;
      g_ptr_array_add (self->dirty, request_ref (req));
    }
  schedule_flush (self);
  g_mutex_unlock (&self->lock);
}

/* Network thread ------------------------------------------------------------ */

/* What one request of the chain of redirects holds; the total timeout
 * outlives it, and goes in request_complete() */
static void
clear_attempt (Request *req)
{
  if (req->resume_source != NULL)
    {
      g_source_destroy (req->resume_source);
      g_clear_pointer (&req->resume_source, g_source_unref);
    }
  req->paused = FALSE;
  if (req->msg != NULL)
    g_signal_handlers_disconnect_by_data (req->msg, req);
  g_clear_object (&req->msg);
  g_clear_object (&req->stream);
  g_clear_pointer (&req->body, g_free);
  req->body_length = req->body_allocated = 0;
  g_clear_pointer (&req->content_type, g_free);
  req->content_length = 0;
}

/* Hands the result to the caller exactly once */
static void
request_complete (Request           *req,
                  VignetteResponse  *response,
                  GError            *error,
                  gint64             retry_ms,
                  gboolean           host_asked)
{
  VignetteFetcher *self = req->self;
  Completion *completion = g_new0 (Completion, 1);
  VignetteRetryHint *hint;

  g_assert ((response == NULL) != (error == NULL));
  g_assert (!req->finished);

  if (req->msg != NULL)
    g_ptr_array_remove (self->active, req);
  clear_attempt (req);
  if (req->timeout_source != NULL)
    {
      g_source_destroy (req->timeout_source);
      g_clear_pointer (&req->timeout_source, g_source_unref);
    }
  g_atomic_int_dec_and_test (&self->n_active);

  if (req->sink != NULL)
    {
      if (error != NULL)
        vignette_decode_stream_abort (req->sink);
      else
        vignette_decode_stream_close (req->sink);
    }

  hint = g_new (VignetteRetryHint, 1);
  hint->delay_ms = retry_ms;
  hint->host_asked = host_asked;
  g_object_set_data_full (G_OBJECT (req->task), "vignette-retry-hint", hint, g_free);

  completion->task = g_steal_pointer (&req->task);
  completion->response = response;
  completion->error = error;
  /* The decode stream's job holds it too; whatever else the request holds
   * may be its last reference, and dies here, not on the main thread's
   * behalf */
  g_clear_pointer (&req->sink, vignette_decode_stream_unref);

  g_mutex_lock (&self->lock);
  completion->progress_target = g_steal_pointer (&req->progress_target);
  req->finished = TRUE;
  g_ptr_array_add (self->completions, completion);
  schedule_flush (self);
  g_mutex_unlock (&self->lock);

  request_unref (req);
}

/* Seconds from a Retry-After header: a number, or an HTTP date; -1 when absent */
static gint64
parse_retry_after (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) now = NULL;
  gint64 seconds;

  if (value == NULL)
    return -1;

  while (g_ascii_isspace (*value))
    value++;

  if (g_ascii_isdigit (*value))
    {
      seconds = g_ascii_strtoll (value, NULL, 10);
      return seconds >= 0 ? seconds : -1;
    }

  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;

  now = g_date_time_new_now_utc ();
  seconds = g_date_time_difference (date, now) / G_TIME_SPAN_SECOND;
  return MAX (seconds, 0);
}

/* Exponential backoff with "equal jitter": half the delay is fixed, half random,
 * so that many clients that failed together do not all come back together. */
static gint64
backoff_ms (const VignetteSettings *settings,
            guint                   attempt)
{
  guint64 delay = (guint64) settings->retry_delay_ms << MIN (MAX (attempt, 1u) - 1, 16u);

  delay = MIN (delay, (guint64) 30000);
  return (gint64) (delay / 2 + (guint64) g_random_int_range (0, (gint32) (delay / 2) + 1));
}

/* Fails the attempt, saying whether and when another one is worth it */
static void
fail_transient (Request *req,
                GError  *error,
                gint64   retry_after)
{
  const VignetteSettings *settings = &req->self->settings;

  if (req->attempt > settings->retries)
    {
      request_complete (req, NULL, error, -1, FALSE);
      return;
    }

  if (retry_after > (gint64) settings->max_retry_wait)
    {
      GError *longer = g_error_new (error->domain, error->code,
                                    /* Translators: the first %s is an error message */
                                    g_dngettext (GETTEXT_PACKAGE,
                                                 "%s (the server asked to wait %u second)",
                                                 "%s (the server asked to wait %u seconds)",
                                                 (gulong) retry_after),
                                    error->message, (guint) retry_after);
      g_error_free (error);
      request_complete (req, NULL, longer, -1, FALSE);
      return;
    }

  g_debug ("Attempt %u of %s failed: %s", req->attempt, req->uri, error->message);
  if (retry_after >= 0)
    request_complete (req, NULL, error, retry_after * 1000, TRUE);
  else
    request_complete (req, NULL, error, backoff_ms (settings, req->attempt), FALSE);
}

static gboolean
is_transient_io_error (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_CONNECTION_CLOSED:
      case G_IO_ERROR_PARTIAL_INPUT:
      case G_IO_ERROR_TIMED_OUT:
      case G_IO_ERROR_CONNECTION_REFUSED:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_FAILED:
        return TRUE;
      default:
        return FALSE;
      }

  if (error->domain == G_RESOLVER_ERROR)
    return error->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE;

  return error->domain == SOUP_SESSION_ERROR &&
         error->code != SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS &&
         error->code != SOUP_SESSION_ERROR_REDIRECT_BAD_URI;
}

static char *
host_of (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);

  return g_strdup (parsed && g_uri_get_host (parsed) ? g_uri_get_host (parsed) : uri);
}

static GError *
tls_error_for (Request      *req,
               const GError *error)
{
  g_autofree char *host = host_of (req->uri);
  GTlsCertificateFlags flags = req->msg ? soup_message_get_tls_peer_certificate_errors (req->msg) : 0;
  const char *why;

  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    why = _("it is self-signed or signed by an unknown authority");
  else if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    why = _("it was issued for another site");
  else if (flags & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
    why = _("it has expired or is not yet valid");
  else
    why = error->message;

  return g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TLS,
                      /* Translators: "The certificate of example.com is not trusted (it is self-signed…), so https://… was not fetched." */
                      _("The certificate of %s is not trusted (%s), so %s was not fetched."),
                      host, why, req->original_uri);
}

/* Any error of an attempt: cancellation, timeout, TLS, network */
static void
attempt_failed (Request *req,
                GError  *error)
{
  const VignetteSettings *settings = &req->self->settings;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && req->low_speed_message != NULL)
    {
      /* Not retried either: the next attempt would most likely crawl as well */
      g_error_free (error);
      request_complete (req, NULL,
                        g_error_new_literal (VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT,
                                             req->low_speed_message),
                        -1, FALSE);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (req->timed_out)
        {
          g_error_free (error);
          /* A total timeout is not retried: a server that trickles would hold us for ever */
          request_complete (req, NULL,
                            g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TIMED_OUT,
                                         g_dngettext (GETTEXT_PACKAGE,
                                                      "Gave up on %s after %u second without a complete answer.",
                                                      "Gave up on %s after %u seconds without a complete answer.",
                                                      settings->timeout),
                                         req->original_uri, settings->timeout),
                            -1, FALSE);
          return;
        }
      request_complete (req, NULL, error, -1, FALSE);
      return;
    }

  if (error->domain == G_TLS_ERROR ||
      (req->msg && soup_message_get_tls_peer_certificate_errors (req->msg) != 0))
    {
      GError *tls = tls_error_for (req, error);

      g_error_free (error);
      request_complete (req, NULL, tls, -1, FALSE);
      return;
    }

  {
    gboolean transient = is_transient_io_error (error);
    g_autofree char *why = vignette_clean_message (error->message);
    GError *wrapped;

    if (error->domain == G_RESOLVER_ERROR)
      {
        g_autofree char *host = host_of (req->uri);

        wrapped = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_HOST_NOT_FOUND,
                               /* Translators: "Could not fetch https://…: the host example.com could not be found (…)" */
                               _("Could not fetch %s: the host %s could not be found (%s)"),
                               req->original_uri, host, why);
      }
    else
      wrapped = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NETWORK,
                             /* Translators: "Could not fetch https://…: Connection refused" */
                             _("Could not fetch %s: %s"), req->original_uri, why);

    g_error_free (error);
    if (transient)
      fail_transient (req, wrapped, -1);
    else
      request_complete (req, NULL, wrapped, -1, FALSE);
  }
}

static void
finish_body (Request *req)
{
  VignetteResponse *response = g_new0 (VignetteResponse, 1);
  guint8 *body = g_steal_pointer (&req->body);

  if (req->sink != NULL)
    {
      /* The decoder has it all; the response only says how much there was */
      g_free (body);
      response->body = g_bytes_new (NULL, 0);
      response->streamed_length = req->body_length;
    }
  else
    {
      /* The buffer was sized from Content-Length, or doubled: give back the slack */
      if (req->body_allocated > req->body_length + 4096)
        body = g_realloc (body, MAX (req->body_length, 1));
      response->body = g_bytes_new_take (body, req->body_length);
    }
  req->body_length = req->body_allocated = 0;

  response->content_type = g_steal_pointer (&req->content_type);
  if (response->content_type != NULL)
    {
      const char *semicolon = strchr (response->content_type, ';');
      g_autofree char *type = semicolon
        ? g_strndup (response->content_type, (gsize) (semicolon - response->content_type))
        : g_strdup (response->content_type);

      response->mime_type = g_ascii_strdown (g_strstrip (type), -1);
    }
  response->final_uri = g_strdup (req->uri);
  response->status = req->status;
  response->protocol = req->protocol;
  req->times.done = g_get_monotonic_time ();
  response->times = req->times;

  request_complete (req, response, NULL, -1, FALSE);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Request *req = data;
  VignetteFetcher *self = req->self;
  GError *error = NULL;
  gssize length;

  length = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (length < 0)
    {
      attempt_failed (req, error);
      return;
    }

  if (length == 0)
    {
      /* libsoup ends the stream quietly when the connection closes early */
      if (req->content_length != 0 && req->body_length < req->content_length)
        {
          g_autofree char *got = g_format_size (req->body_length);
          g_autofree char *expected = g_format_size (req->content_length);

          attempt_failed (req, g_error_new (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                            _("the connection closed after %s of %s"),
                                            got, expected));
          return;
        }

      finish_body (req);
      return;
    }

  if (req->sink != NULL &&
      !vignette_decode_stream_write (req->sink, req->body, (gsize) length, &error))
    {
      /* Not an image, or too many pixels: no need for the rest */
      request_complete (req, NULL, error, -1, FALSE);
      return;
    }

  req->body_length += (gsize) length;
  g_mutex_lock (&self->lock);
  self->bytes_received += (guint64) length;
  g_mutex_unlock (&self->lock);
  post_progress (req);
  read_more (req);
}

static gboolean
resume_cb (gpointer data)
{
  Request *req = data;

  g_clear_pointer (&req->resume_source, g_source_unref);
  req->paused = FALSE;

  /* No read is outstanding while paused, so nothing else sees a cancel, a
   * timeout or the low-speed limit: they end the attempt here */
  if (g_cancellable_is_cancelled (req->net_cancellable))
    {
      attempt_failed (req, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                _("The operation was cancelled.")));
      return G_SOURCE_REMOVE;
    }

  read_more (req);

  return G_SOURCE_REMOVE;
}

/* One byte more than the limit was asked for, and came: the body is larger */
static void
fail_too_large (Request *req)
{
  g_autofree char *limit = g_format_size (req->max_bytes);

  request_complete (req, NULL,
                    g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE,
                                 _("%s is larger than the limit of %s."),
                                 req->original_uri, limit),
                    -1, FALSE);
}

static void
read_more (Request *req)
{
  gsize want;

  if (req->sink != NULL)
    {
      /* Reads ask for one byte past the limit: more than it is too large */
      if (req->body_length > req->max_bytes)
        {
          fail_too_large (req);
          return;
        }

      /* The decoder is behind: let it catch up rather than queue the
       * whole body in memory (checked again every few milliseconds) */
      if (vignette_decode_stream_is_full (req->sink))
        {
          req->paused = TRUE;
          req->resume_source = g_timeout_source_new (5);
          g_source_set_callback (req->resume_source, resume_cb, req, NULL);
          g_source_set_static_name (req->resume_source, "[vignette] wait for the decoder");
          g_source_attach (req->resume_source, req->self->context);
          return;
        }

      /* One piece at a time into a buffer of our own, handed to the decoder */
      if (req->body == NULL)
        req->body = g_malloc (READ_CHUNK);
      want = (gsize) MIN ((guint64) READ_CHUNK, req->max_bytes + 1 - req->body_length);
      g_input_stream_read_async (req->stream, req->body, want, G_PRIORITY_DEFAULT,
                                 req->net_cancellable, on_read, req);
      return;
    }

  /* Read straight into the body: sized from Content-Length when the server
   * gave one, doubled otherwise; never one copy per chunk */
  if (req->body_length == req->body_allocated)
    {
      gsize grown = MAX (req->body_allocated * 2, (gsize) READ_CHUNK);

      if (req->body_length >= req->max_bytes)
        {
          fail_too_large (req);
          return;
        }
      grown = MIN (grown, (gsize) req->max_bytes + 1);
      req->body = g_realloc (req->body, grown);
      req->body_allocated = grown;
    }

  want = MIN (req->body_allocated - req->body_length, (gsize) READ_CHUNK);
  g_input_stream_read_async (req->stream, req->body + req->body_length, want,
                             G_PRIORITY_DEFAULT, req->net_cancellable, on_read, req);
}

static gboolean
is_redirect (guint status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void
follow_redirect (Request *req)
{
  const char *location;
  g_autofree char *target = NULL;
  const char *scheme = NULL;

  location = soup_message_headers_get_one (soup_message_get_response_headers (req->msg), "Location");
  if (location != NULL)
    target = g_uri_resolve_relative (req->uri, location,
                                     G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);

  if (target == NULL)
    {
      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT,
                                     _("%s redirects without a valid destination."),
                                     req->original_uri),
                        -1, FALSE);
      return;
    }

  scheme = g_uri_peek_scheme (target);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    {
      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT,
                                     _("%s redirects to “%s”, which is not a web address; the redirect was refused."),
                                     req->original_uri, target),
                        -1, FALSE);
      return;
    }

  if (++req->redirects > VIGNETTE_MAX_REDIRECTS)
    {
      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT,
                                     _("%s redirects more than %d times (a redirect loop?)."),
                                     req->original_uri, VIGNETTE_MAX_REDIRECTS),
                        -1, FALSE);
      return;
    }

  g_free (req->uri);
  req->uri = g_steal_pointer (&target);

  /* The same attempt goes on, with the same slot of the host queue: a
   * redirect to another host is rare enough not to queue again */
  g_ptr_array_remove (req->self->active, req);
  clear_attempt (req);
  start_attempt (req);
}

static VignetteProtocol
protocol_of (SoupMessage *msg)
{
  return soup_message_get_http_version (msg) == SOUP_HTTP_2_0 ? VIGNETTE_PROTOCOL_HTTP2
                                                              : VIGNETTE_PROTOCOL_HTTP1;
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Request *req = data;
  const VignetteSettings *settings = &req->self->settings;
  GError *error = NULL;
  GInputStream *stream;
  SoupMessageHeaders *headers;
  const char *reason;
  goffset length;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (stream == NULL)
    {
      attempt_failed (req, error);
      return;
    }

  req->stream = stream;
  req->status = soup_message_get_status (req->msg);
  req->protocol = protocol_of (req->msg);
  req->times.first_byte = g_get_monotonic_time ();
  req->times.connection_id = soup_message_get_connection_id (req->msg);
  headers = soup_message_get_response_headers (req->msg);
  reason = soup_message_get_reason_phrase (req->msg);
  if (reason == NULL || *reason == '\0')
    reason = soup_status_get_phrase (req->status);
  if (reason == NULL)
    reason = "";

  if (is_redirect (req->status))
    {
      follow_redirect (req);
      return;
    }

  if (req->status >= 400 || req->status < 200)
    {
      GError *http = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_HTTP,
                                  /* Translators: "HTTP 404 Not Found for https://…/7.jpg" */
                                  _("HTTP %u %s for %s"), req->status, reason, req->original_uri);

      if (req->status == 429 || req->status == 408 || req->status >= 500)
        fail_transient (req, http, parse_retry_after (req->msg));
      else
        request_complete (req, NULL, http, -1, FALSE);
      return;
    }

  req->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));

  /* An address fetched as a page that turns out to be an image is an image
   * download, with the image limit */
  if (req->content_type != NULL && g_ascii_strncasecmp (req->content_type, "image/", 6) == 0)
    req->max_bytes = MIN (req->max_bytes, settings->max_bytes);
  length = soup_message_headers_get_content_length (headers);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_one (headers, "Content-Encoding") == NULL)
    req->content_length = (guint64) length;

  if (req->content_length > req->max_bytes)
    {
      g_autofree char *size = g_format_size (req->content_length);
      g_autofree char *limit = g_format_size (req->max_bytes);

      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE,
                                     _("%s is %s, more than the limit of %s."),
                                     req->original_uri, size, limit),
                        -1, FALSE);
      return;
    }

  /* Exactly the announced size (and one byte to see the end), so that the
   * body is never copied while it grows */
  if (req->content_length > 0 && req->sink == NULL)
    {
      req->body_allocated = (gsize) req->content_length + 1;
      req->body = g_malloc (req->body_allocated);
    }

  post_progress (req);
  read_more (req);
}

static gboolean
on_timeout (gpointer data)
{
  Request *req = data;

  g_clear_pointer (&req->timeout_source, g_source_unref);
  req->timed_out = TRUE;
  g_cancellable_cancel (req->net_cancellable);

  return G_SOURCE_REMOVE;
}

/* Once a second: an attempt whose body crawls under the low-speed limit for
 * the whole of the low-speed time fails (curl's --speed-limit) */
static gboolean
on_tick (gpointer data)
{
  VignetteFetcher *self = data;
  const VignetteSettings *settings = &self->settings;
  guint window = settings->low_speed_time;

  for (guint i = 0; i < self->active->len; i++)
    {
      Request *req = g_ptr_array_index (self->active, i);
      guint64 oldest;

      if (req->stream == NULL || req->low_speed_message != NULL)
        continue;  /* still waiting for headers: the idle timeout's business */

      if (req->paused)
        {
          /* Waiting for our own decoder is no slowness of the server's */
          req->n_samples = 0;
          continue;
        }

      if (req->samples == NULL)
        req->samples = g_new0 (guint64, window + 1);
      req->samples[req->n_samples % (window + 1)] = req->body_length;
      req->n_samples++;
      if (req->n_samples <= window)
        continue;

      oldest = req->samples[req->n_samples % (window + 1)];
      if (req->body_length - oldest < (guint64) settings->low_speed_limit * window)
        {
          g_autofree char *got = g_format_size (req->body_length - oldest);

          req->low_speed_message =
            g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          /* Translators: "Gave up on https://…/a.jpg: only 12 bytes arrived in the last 30 seconds (the limit is 100 bytes a second)." */
                                          "Gave up on %s: only %s arrived in the last %u second (the limit is %u bytes a second).",
                                          "Gave up on %s: only %s arrived in the last %u seconds (the limit is %u bytes a second).",
                                          window),
                             req->original_uri, got, window, settings->low_speed_limit);
          g_cancellable_cancel (req->net_cancellable);
        }
    }

  return G_SOURCE_CONTINUE;
}

/* Network thread, before the first https request: the trust store (the
 * --ca-file, or the system's, parsed here and never on the main loop). Not
 * before: a run over plain http or local files need not load TLS at all. */
static void
ensure_tls (VignetteFetcher *self)
{
  if (self->tls_ready)
    return;
  self->tls_ready = TRUE;

  if (self->settings.ca_file != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (self->settings.ca_file, &error);

      if (database != NULL)
        soup_session_set_tls_database (self->session, database);
      else
        self->tls_error = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TLS,
                                       _("The certificates of %s cannot be read: %s"),
                                       self->settings.ca_file, error->message);
    }
  else
    {
      GTlsBackend *backend = g_tls_backend_get_default ();
      g_autoptr(GTlsDatabase) database = backend ? g_tls_backend_get_default_database (backend) : NULL;

      if (database != NULL)
        soup_session_set_tls_database (self->session, database);
    }
}

static void
start_attempt (Request *req)
{
  VignetteFetcher *self = req->self;
  SoupMessageHeaders *headers;

  if (g_str_has_prefix (req->uri, "https:"))
    ensure_tls (self);
  if (self->tls_error != NULL && g_str_has_prefix (req->uri, "https:"))
    {
      request_complete (req, NULL, g_error_copy (self->tls_error), -1, FALSE);
      return;
    }

  req->msg = soup_message_new (SOUP_METHOD_GET, req->uri);
  if (req->msg == NULL)
    {
      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                                     _("“%s” is not a valid web address."), req->uri),
                        -1, FALSE);
      return;
    }
  g_ptr_array_add (self->active, req);
  g_free (req->samples);
  req->samples = NULL;
  req->n_samples = 0;

  soup_message_set_flags (req->msg, SOUP_MESSAGE_NO_REDIRECT);
  g_signal_connect (req->msg, "network-event", G_CALLBACK (on_network_event), req);
  headers = soup_message_get_request_headers (req->msg);
  if (req->flags & VIGNETTE_FETCH_IMAGE)
    soup_message_headers_replace (headers, "Accept",
                                  "image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8,*/*;q=0.5");
  else
    soup_message_headers_replace (headers, "Accept",
                                  "text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.8");
  if (req->referer != NULL && vignette_uri_is_http (req->referer))
    soup_message_headers_replace (headers, "Referer", req->referer);

  if (req->timeout_source == NULL)
    {
      /* The total timeout covers redirects too */
      req->timeout_source = g_timeout_source_new_seconds (self->settings.timeout);
      g_source_set_callback (req->timeout_source, on_timeout, req, NULL);
      g_source_set_static_name (req->timeout_source, "[vignette] fetch timeout");
      g_source_attach (req->timeout_source, self->context);
    }

  if (req->times.request_sent == 0)
    req->times.request_sent = g_get_monotonic_time ();
  soup_session_send_async (self->session, req->msg, G_PRIORITY_DEFAULT,
                           req->net_cancellable, on_sent, req);
}

static gboolean
start_cb (gpointer data)
{
  Request *req = data;
  VignetteFetcher *self = req->self;

  {
    guint now_active = (guint) g_atomic_int_add (&self->n_active, 1) + 1;

    if (now_active > (guint) g_atomic_int_get (&self->peak_active))
      g_atomic_int_set (&self->peak_active, now_active);  /* only this thread writes it */
  }

  if (g_cancellable_is_cancelled (req->net_cancellable))
    {
      request_complete (req, NULL,
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _("The operation was cancelled.")),
                        -1, FALSE);
      return G_SOURCE_REMOVE;
    }

  start_attempt (req);
  return G_SOURCE_REMOVE;
}

/* Network thread: stops the attempt; libsoup only ever sees its own thread */
static gboolean
cancel_cb (gpointer data)
{
  Request *req = data;

  g_cancellable_cancel (req->net_cancellable);
  return G_SOURCE_REMOVE;
}

/* Runs in whichever thread cancelled: only hop to the network thread */
static void
on_user_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  Request *req = data;

  g_main_context_invoke_full (req->self->context, G_PRIORITY_DEFAULT, cancel_cb,
                              request_ref (req), request_unref);
}

static gpointer
network_thread (gpointer data)
{
  VignetteFetcher *self = data;

  g_main_context_push_thread_default (self->context);

  self->session = soup_session_new_with_options ("max-conns", (int) self->settings.jobs,
                                                 "max-conns-per-host", (int) self->settings.per_host,
                                                 "timeout", self->settings.idle_timeout,
                                                 "idle-timeout", 60,
                                                 "user-agent", self->user_agent,
                                                 "accept-language-auto", TRUE,
                                                 NULL);
  if (self->settings.low_speed_time > 0 && self->settings.low_speed_limit > 0)
    {
      self->ticker = g_timeout_source_new_seconds (1);
      g_source_set_callback (self->ticker, on_tick, self, NULL);
      g_source_set_static_name (self->ticker, "[vignette] low-speed check");
      g_source_attach (self->ticker, self->context);
    }

  g_main_loop_run (self->loop);

  if (self->ticker != NULL)
    {
      g_source_destroy (self->ticker);
      g_clear_pointer (&self->ticker, g_source_unref);
    }
  soup_session_abort (self->session);
  g_clear_object (&self->session);
  /* Let libsoup's last callbacks run here, not in another thread */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
vignette_fetcher_dispose (GObject *object)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (object);

  /* Requests hold a reference to the fetcher through their task, so none is in flight */
  if (self->thread != NULL)
    {
      g_main_context_invoke (self->context, quit_cb, self->loop);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  g_mutex_lock (&self->lock);
  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  G_OBJECT_CLASS (vignette_fetcher_parent_class)->dispose (object);
}

static void
vignette_fetcher_finalize (GObject *object)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (object);

  g_clear_pointer (&self->dirty, g_ptr_array_unref);
  g_clear_pointer (&self->protocols, g_ptr_array_unref);
  g_clear_pointer (&self->completions, g_ptr_array_unref);
  g_clear_pointer (&self->active, g_ptr_array_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_error (&self->tls_error);
  g_mutex_clear (&self->lock);
  g_free (self->user_agent);
  vignette_settings_clear (&self->settings);

  G_OBJECT_CLASS (vignette_fetcher_parent_class)->finalize (object);
}

static void
vignette_fetcher_class_init (VignetteFetcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vignette_fetcher_dispose;
  object_class->finalize = vignette_fetcher_finalize;

  /**
   * VignetteFetcher::protocol-learned:
   * @uri: an address on the host
   * @protocol: a #VignetteProtocol
   *
   * A connection to a host has negotiated its protocol (at the TLS
   * handshake); emitted on the thread that made the fetcher.
   */
  signals[SIGNAL_PROTOCOL_LEARNED] =
    g_signal_new ("protocol-learned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
}

static void
vignette_fetcher_init (VignetteFetcher *self)
{
  g_mutex_init (&self->lock);
  self->dirty = g_ptr_array_new_with_free_func (request_unref);
  self->protocols = g_ptr_array_new_with_free_func (protocol_event_free);
  self->completions = g_ptr_array_new_with_free_func (completion_free);
  self->active = g_ptr_array_new ();
}

/**
 * vignette_fetcher_new:
 *
 * Starts the network thread. The settings are copied: a new run makes a
 * new fetcher when they change.
 */
VignetteFetcher *
vignette_fetcher_new (const VignetteSettings *settings)
{
  VignetteFetcher *self = g_object_new (VIGNETTE_TYPE_FETCHER, NULL);

  vignette_settings_copy (&self->settings, settings);
  self->settings.jobs = MAX (self->settings.jobs, 1u);
  self->settings.per_host = MAX (MIN (self->settings.per_host, self->settings.jobs), 1u);
  self->user_agent = g_strdup_printf ("Vignette/%s (GNOME; +https://github.com/vignette/vignette)",
                                      PACKAGE_VERSION);
  self->main_context = g_main_context_ref_thread_default ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("vignette-net", network_thread, self);

  return self;
}

/**
 * vignette_fetcher_fetch_async:
 * @referer: (nullable): the page an image comes from
 * @attempt: which attempt this is, from 1: the retry hint depends on it
 * @progress: (nullable): called as bytes arrive, with @progress_target
 *
 * Fetches @uri whole into memory, within the size limit for pages or images,
 * at once: deciding what starts when is the host queue's business.
 */
void
vignette_fetcher_fetch_async (VignetteFetcher       *self,
                              const char            *uri,
                              const char            *referer,
                              VignetteFetchFlags     flags,
                              guint                  attempt,
                              VignetteFetchProgress  progress,
                              GObject               *progress_target,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data)
{
  vignette_fetcher_fetch_into_async (self, uri, referer, flags, attempt, NULL, progress,
                                     progress_target, cancellable, callback, user_data);
}

/**
 * vignette_fetcher_fetch_into_async:
 * @sink: (nullable): a decoder to write the body into as it arrives, from
 *   the network thread, instead of keeping it: the response's body is then
 *   empty, and the sink is closed when the body is complete and aborted when
 *   the attempt fails
 *
 * Like vignette_fetcher_fetch_async().
 */
void
vignette_fetcher_fetch_into_async (VignetteFetcher       *self,
                                   const char            *uri,
                                   const char            *referer,
                                   VignetteFetchFlags     flags,
                                   guint                  attempt,
                                   VignetteDecodeStream  *sink,
                                   VignetteFetchProgress  progress,
                                   GObject               *progress_target,
                                   GCancellable          *cancellable,
                                   GAsyncReadyCallback    callback,
                                   gpointer               user_data)
{
  GTask *task;
  Request *req;

  g_return_if_fail (VIGNETTE_IS_FETCHER (self));
  g_return_if_fail (uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_fetcher_fetch_async);
  /* The result already says "cancelled" when it is; no need for GTask to check again */
  g_task_set_check_cancellable (task, FALSE);

  req = g_atomic_rc_box_new0 (Request);
  req->self = self;
  req->task = task;
  req->uri = g_strdup (uri);
  req->original_uri = g_strdup (uri);
  req->referer = g_strdup (referer);
  req->flags = flags;
  req->attempt = MAX (attempt, 1u);
  req->max_bytes = (flags & VIGNETTE_FETCH_IMAGE)
    ? self->settings.max_bytes
    : MAX (self->settings.max_page_bytes, self->settings.max_bytes);
  req->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  req->net_cancellable = g_cancellable_new ();
  req->progress = progress;
  req->progress_target = progress_target ? g_object_ref (progress_target) : NULL;
  req->sink = sink ? vignette_decode_stream_ref (sink) : NULL;
  g_task_set_task_data (task, request_ref (req), request_unref);

  if (req->cancellable != NULL)
    req->cancelled_id = g_cancellable_connect (req->cancellable, G_CALLBACK (on_user_cancelled),
                                               request_ref (req), request_unref);

  /* The network thread owns the request's own reference from here */
  g_main_context_invoke (self->context, start_cb, req);
}

/**
 * vignette_fetcher_fetch_finish:
 * @hint: (out) (optional): whether and when another attempt is worth it
 */
VignetteResponse *
vignette_fetcher_fetch_finish (VignetteFetcher    *self,
                               GAsyncResult       *result,
                               VignetteRetryHint  *hint,
                               GError            **error)
{
  Request *req;
  VignetteRetryHint *stored;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  req = g_task_get_task_data (G_TASK (result));
  if (req->cancelled_id != 0)
    {
      g_cancellable_disconnect (req->cancellable, req->cancelled_id);
      req->cancelled_id = 0;
    }

  stored = g_object_get_data (G_OBJECT (result), "vignette-retry-hint");
  if (hint != NULL)
    {
      hint->delay_ms = stored ? stored->delay_ms : -1;
      hint->host_asked = stored ? stored->host_asked : FALSE;
    }

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
vignette_fetcher_get_n_active (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return g_atomic_int_get (&self->n_active);
}

guint
vignette_fetcher_get_peak_active (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return g_atomic_int_get (&self->peak_active);
}

guint64
vignette_fetcher_get_bytes_received (VignetteFetcher *self)
{
  guint64 received;

  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);

  g_mutex_lock (&self->lock);
  received = self->bytes_received;
  g_mutex_unlock (&self->lock);

  return received;
}

GThread *
vignette_fetcher_get_thread (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), NULL);
  return self->thread;
}
