/* vignette-fetcher.c: every HTTP request of a run, through one SoupSession with set limits
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup would queue requests beyond its connection limits by itself, but a
 * request waiting there already runs its timeouts, and we could not tell how
 * many requests are really on the wire. So the fetcher keeps its own queue,
 * starts a request only when both the total and the per-host limits allow it
 * (libsoup's own limits are set to the same numbers), gives images priority
 * over pages, follows redirects itself so that it can refuse non-web schemes,
 * reads every body as a stream with a size limit, and retries transient
 * failures with exponential backoff and jitter, honouring Retry-After.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "vignette-error.h"
#include "vignette-fetcher.h"
#include "vignette-source.h"

#define READ_CHUNK (64 * 1024)

/* The system's trust store is parsed on first use, synchronously: a
 * stall of tens of milliseconds (seconds under sanitizers) if libsoup's first
 * https connection did it on the main thread. */
typedef enum {
  TLS_COLD,
  TLS_WARMING,
  TLS_READY,
} TlsState;

struct _VignetteFetcher
{
  GObject      parent_instance;

  SoupSession *session;
  guint        max_connections;
  guint        max_per_host;
  guint        retries;
  guint64      max_bytes;
  guint64      max_page_bytes;
  guint        timeout;
  guint        idle_timeout;
  guint        retry_delay_ms;
  guint        max_retry_wait;
  char        *user_agent;

  GQueue       queue;          /* of Request, images first */
  GQueue       waiting;        /* of Request, between a failed attempt and the next */
  gboolean     dispatching;
  gboolean     dispatch_again;
  TlsState     tls_state;
  GHashTable  *per_host;       /* host key → active count */
  guint        n_active;
  guint        peak_active;
  guint64      bytes_received;
  guint        n_retries;
  gboolean     disposed;
};

G_DEFINE_FINAL_TYPE (VignetteFetcher, vignette_fetcher, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (VignetteResponse, vignette_response, vignette_response_copy, vignette_response_free)

enum {
  PROP_0,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_PER_HOST,
  PROP_RETRIES,
  PROP_MAX_BYTES,
  PROP_MAX_PAGE_BYTES,
  PROP_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  PROP_RETRY_DELAY,
  PROP_MAX_RETRY_WAIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum {
  PHASE_QUEUED,
  PHASE_ACTIVE,
  PHASE_WAITING,
  PHASE_DONE,
} Phase;

typedef struct {
  VignetteFetcher       *self;     /* the task's source object keeps it alive */
  GTask                 *task;     /* not a reference: the request lives in the task's data */
  char                  *uri;
  char                  *original_uri;
  char                  *referer;
  char                  *host_key;
  VignetteFetchFlags     flags;
  guint64                max_bytes;
  Phase                  phase;
  guint                  attempt;
  guint                  redirects;
  GCancellable          *cancellable;          /* the caller's */
  gulong                 cancelled_id;
  GCancellable          *attempt_cancellable;  /* this attempt's, cancelled on timeout too */
  guint                  timeout_id;
  guint                  retry_id;
  gboolean               timed_out;
  SoupMessage           *msg;
  GInputStream          *stream;
  GByteArray            *body;
  guint64                content_length;
  guint                  status;
  char                  *content_type;
  VignetteFetchProgress  progress;
  GObject               *progress_target;
} Request;

static void dispatch (VignetteFetcher *self);
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

  copy->body = response->body ? g_bytes_ref (response->body) : NULL;
  copy->content_type = g_strdup (response->content_type);
  copy->mime_type = g_strdup (response->mime_type);
  copy->final_uri = g_strdup (response->final_uri);
  copy->status = response->status;
  copy->attempts = response->attempts;

  return copy;
}

static void
request_free (gpointer data)
{
  Request *req = data;

  g_assert (req->timeout_id == 0);
  g_assert (req->retry_id == 0);
  g_assert (req->cancelled_id == 0);

  g_free (req->uri);
  g_free (req->original_uri);
  g_free (req->referer);
  g_free (req->host_key);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->attempt_cancellable);
  g_clear_object (&req->msg);
  g_clear_object (&req->stream);
  g_clear_pointer (&req->body, g_byte_array_unref);
  g_free (req->content_type);
  g_clear_object (&req->progress_target);
  g_free (req);
}

static char *
host_key_for (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);

  if (parsed == NULL || g_uri_get_host (parsed) == NULL)
    return g_strdup ("");

  return g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (parsed),
                          g_uri_get_host (parsed), g_uri_get_port (parsed));
}

static void
release_slot (Request *req)
{
  VignetteFetcher *self = req->self;
  guint count;

  if (req->phase != PHASE_ACTIVE)
    return;

  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_host, req->host_key));
  g_assert (count > 0);
  if (count == 1)
    g_hash_table_remove (self->per_host, req->host_key);
  else
    g_hash_table_insert (self->per_host, g_strdup (req->host_key), GUINT_TO_POINTER (count - 1));

  g_assert (self->n_active > 0);
  self->n_active--;
}

static void
clear_attempt (Request *req)
{
  g_clear_handle_id (&req->timeout_id, g_source_remove);
  g_clear_object (&req->msg);
  g_clear_object (&req->stream);
  g_clear_pointer (&req->body, g_byte_array_unref);
  g_clear_pointer (&req->content_type, g_free);
  req->content_length = 0;
  req->timed_out = FALSE;
}

/* Hands the result to the caller exactly once and frees the slot for the next request */
static void
request_complete (Request          *req,
                  VignetteResponse *response,
                  GError           *error)
{
  /* The caller's callback may drop the last reference to whoever owns the
   * fetcher, and the task's reference goes below: keep it alive until the
   * next requests are dispatched */
  g_autoptr(VignetteFetcher) self = g_object_ref (req->self);
  GTask *task = req->task;

  g_assert (req->phase != PHASE_DONE);
  g_assert ((response == NULL) != (error == NULL));

  release_slot (req);
  if (req->phase == PHASE_QUEUED)
    g_queue_remove (&self->queue, req);
  else if (req->phase == PHASE_WAITING)
    g_queue_remove (&self->waiting, req);
  req->phase = PHASE_DONE;

  g_clear_handle_id (&req->retry_id, g_source_remove);
  clear_attempt (req);
  if (req->cancelled_id != 0)
    {
      /* Not from within the handler: that only schedules a sweep */
      g_cancellable_disconnect (req->cancellable, req->cancelled_id);
      req->cancelled_id = 0;
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) vignette_response_free);

  /* The reference the fetcher held while the request was in its hands */
  g_object_unref (task);

  dispatch (self);
}

static void
collect_cancelled (GQueue  *queue,
                   GList  **cancelled)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      Request *req = l->data;

      if (g_cancellable_is_cancelled (req->cancellable))
        *cancelled = g_list_prepend (*cancelled, req);
    }
}

/* Completes the requests that were cancelled while they held no connection */
static gboolean
sweep_cb (gpointer data)
{
  VignetteFetcher *self = data;
  GList *cancelled = NULL;

  collect_cancelled (&self->queue, &cancelled);
  collect_cancelled (&self->waiting, &cancelled);

  for (GList *l = cancelled; l != NULL; l = l->next)
    request_complete (l->data, NULL,
                      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           _("The operation was cancelled.")));
  g_list_free (cancelled);

  return G_SOURCE_REMOVE;
}

/* Runs in whichever thread cancelled, so it only schedules the sweep: never
 * synchronously, since the handler may not disconnect itself. */
static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  Request *req = data;
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, sweep_cb, g_object_ref (req->self), g_object_unref);
  g_source_set_static_name (source, "[vignette] fetcher sweep");
  g_source_attach (source, g_task_get_context (req->task));
  g_source_unref (source);
}

static gboolean
retry_ready_cb (gpointer data)
{
  Request *req = data;

  req->retry_id = 0;

  if (g_cancellable_is_cancelled (req->cancellable))
    {
      request_complete (req, NULL,
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _("The operation was cancelled.")));
      return G_SOURCE_REMOVE;
    }

  g_queue_remove (&req->self->waiting, req);
  req->phase = PHASE_QUEUED;
  g_queue_push_head (&req->self->queue, req);
  dispatch (req->self);

  return G_SOURCE_REMOVE;
}

/* Seconds from a Retry-After header: a number, or an HTTP date; -1 when absent */
static gint64
parse_retry_after (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) now = NULL;
  char *end = NULL;
  gint64 seconds;

  if (value == NULL)
    return -1;

  while (g_ascii_isspace (*value))
    value++;

  if (g_ascii_isdigit (*value))
    {
      seconds = g_ascii_strtoll (value, &end, 10);
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
static guint
backoff_ms (VignetteFetcher *self,
            guint            attempt)
{
  guint64 delay = (guint64) self->retry_delay_ms << MIN (attempt - 1, 16u);

  delay = MIN (delay, (guint64) 30000);
  return (guint) (delay / 2 + (guint64) g_random_int_range (0, (gint32) (delay / 2) + 1));
}

/* Either schedules another attempt or gives up with @error */
static void
retry_or_fail (Request *req,
               GError  *error,
               gint64   retry_after)
{
  VignetteFetcher *self = req->self;
  guint delay_ms;

  if (req->attempt > self->retries)
    {
      request_complete (req, NULL, error);
      return;
    }

  if (retry_after > (gint64) self->max_retry_wait)
    {
      GError *longer = g_error_new (error->domain, error->code,
                                    /* Translators: the first %s is an error message */
                                    g_dngettext (GETTEXT_PACKAGE,
                                                 "%s (the server asked to wait %u second)",
                                                 "%s (the server asked to wait %u seconds)",
                                                 (gulong) retry_after),
                                    error->message, (guint) retry_after);
      g_error_free (error);
      request_complete (req, NULL, longer);
      return;
    }

  delay_ms = retry_after >= 0 ? (guint) retry_after * 1000 : backoff_ms (self, req->attempt);

  g_debug ("Retrying %s in %u ms after attempt %u: %s", req->uri, delay_ms, req->attempt, error->message);
  g_error_free (error);

  self->n_retries++;
  release_slot (req);
  clear_attempt (req);
  req->phase = PHASE_WAITING;
  g_queue_push_tail (&self->waiting, req);
  req->retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, retry_ready_cb, req, NULL);

  dispatch (self);
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

static GError *
tls_error_for (Request      *req,
               const GError *error)
{
  g_autofree char *host = NULL;
  g_autoptr(GUri) parsed = g_uri_parse (req->uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  GTlsCertificateFlags flags = req->msg ? soup_message_get_tls_peer_certificate_errors (req->msg) : 0;
  const char *why;

  host = g_strdup (parsed && g_uri_get_host (parsed) ? g_uri_get_host (parsed) : req->uri);

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
  VignetteFetcher *self = req->self;

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
                                                      self->timeout),
                                         req->original_uri, self->timeout));
          return;
        }
      request_complete (req, NULL, error);
      return;
    }

  if (error->domain == G_TLS_ERROR ||
      (req->msg && soup_message_get_tls_peer_certificate_errors (req->msg) != 0))
    {
      GError *tls = tls_error_for (req, error);

      g_error_free (error);
      request_complete (req, NULL, tls);
      return;
    }

  {
    gboolean transient = is_transient_io_error (error);
    g_autofree char *why = vignette_clean_message (error->message);
    GError *wrapped = g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_NETWORK,
                                   /* Translators: "Could not fetch https://…: Connection refused" */
                                   _("Could not fetch %s: %s"), req->original_uri, why);

    g_error_free (error);
    if (transient)
      retry_or_fail (req, wrapped, -1);
    else
      request_complete (req, NULL, wrapped);
  }
}

static void
report_progress (Request *req)
{
  guint64 total = req->content_length;
  guint64 received = req->body ? req->body->len : 0;

  if (req->progress == NULL)
    return;

  /* A compressed body grows past its Content-Length once decoded */
  if (total != 0 && received > total)
    total = 0;

  req->progress (req->progress_target, received, total, req->attempt);
}

static void
finish_body (Request *req)
{
  VignetteResponse *response = g_new0 (VignetteResponse, 1);

  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&req->body));
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
  response->attempts = req->attempt;

  request_complete (req, response, NULL);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Request *req = data;
  VignetteFetcher *self = req->self;
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;
  gsize length;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      attempt_failed (req, error);
      return;
    }

  length = g_bytes_get_size (chunk);
  if (length == 0)
    {
      /* libsoup ends the stream quietly when the connection closes early */
      if (req->content_length != 0 && req->body->len < req->content_length)
        {
          g_autofree char *got = g_format_size (req->body->len);
          g_autofree char *expected = g_format_size (req->content_length);

          attempt_failed (req, g_error_new (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                            _("the connection closed after %s of %s"),
                                            got, expected));
          return;
        }

      finish_body (req);
      return;
    }

  if ((guint64) req->body->len + length > req->max_bytes)
    {
      g_autofree char *limit = g_format_size (req->max_bytes);

      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_TOO_LARGE,
                                     _("%s is larger than the limit of %s."),
                                     req->original_uri, limit));
      return;
    }

  g_byte_array_append (req->body, g_bytes_get_data (chunk, NULL), (guint) length);
  self->bytes_received += length;
  report_progress (req);
  read_more (req);
}

static void
read_more (Request *req)
{
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   req->attempt_cancellable, on_read, req);
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
                                     req->original_uri));
      return;
    }

  scheme = g_uri_peek_scheme (target);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    {
      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT,
                                     _("%s redirects to “%s”, which is not a web address; the redirect was refused."),
                                     req->original_uri, target));
      return;
    }

  if (++req->redirects > VIGNETTE_MAX_REDIRECTS)
    {
      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_REDIRECT,
                                     _("%s redirects more than %d times (a redirect loop?)."),
                                     req->original_uri, VIGNETTE_MAX_REDIRECTS));
      return;
    }

  g_free (req->uri);
  req->uri = g_steal_pointer (&target);

  /* The same attempt goes on, perhaps towards another host: queue it again */
  release_slot (req);
  clear_attempt (req);
  g_free (req->host_key);
  req->host_key = host_key_for (req->uri);
  req->phase = PHASE_QUEUED;
  g_queue_push_head (&req->self->queue, req);
  dispatch (req->self);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Request *req = data;
  VignetteFetcher *self = req->self;
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
        retry_or_fail (req, http, parse_retry_after (req->msg));
      else
        request_complete (req, NULL, http);
      return;
    }

  req->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));

  /* An address fetched as a page that turns out to be an image is an image
   * download, with the image limit */
  if (req->content_type != NULL && g_ascii_strncasecmp (req->content_type, "image/", 6) == 0)
    req->max_bytes = MIN (req->max_bytes, self->max_bytes);
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
                                     req->original_uri, size, limit));
      return;
    }

  req->body = g_byte_array_sized_new ((guint) MIN (req->content_length, (guint64) 4 * 1024 * 1024));
  report_progress (req);
  read_more (req);
}

static gboolean
on_timeout (gpointer data)
{
  Request *req = data;

  req->timeout_id = 0;
  req->timed_out = TRUE;
  g_cancellable_cancel (req->attempt_cancellable);

  return G_SOURCE_REMOVE;
}

static void
start_attempt (Request *req)
{
  VignetteFetcher *self = req->self;
  SoupMessageHeaders *headers;
  guint count;

  g_assert (req->phase == PHASE_QUEUED);

  req->msg = soup_message_new (SOUP_METHOD_GET, req->uri);
  if (req->msg == NULL)
    {
      request_complete (req, NULL,
                        g_error_new (VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                                     _("“%s” is not a valid web address."), req->uri));
      return;
    }

  req->phase = PHASE_ACTIVE;
  self->n_active++;
  self->peak_active = MAX (self->peak_active, self->n_active);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_host, req->host_key));
  g_hash_table_insert (self->per_host, g_strdup (req->host_key), GUINT_TO_POINTER (count + 1));

  if (req->redirects == 0)
    {
      req->attempt++;
      report_progress (req);
    }

  soup_message_set_flags (req->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (req->msg);
  if (req->flags & VIGNETTE_FETCH_IMAGE)
    soup_message_headers_replace (headers, "Accept",
                                  "image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8,*/*;q=0.5");
  else
    soup_message_headers_replace (headers, "Accept",
                                  "text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.8");
  if (req->referer != NULL && vignette_uri_is_http (req->referer))
    soup_message_headers_replace (headers, "Referer", req->referer);

  g_clear_object (&req->attempt_cancellable);
  req->attempt_cancellable = g_cancellable_new ();
  if (g_cancellable_is_cancelled (req->cancellable))
    g_cancellable_cancel (req->attempt_cancellable);

  req->timeout_id = g_timeout_add_seconds (self->timeout, on_timeout, req);

  soup_session_send_async (self->session, req->msg, G_PRIORITY_DEFAULT,
                           req->attempt_cancellable, on_sent, req);
}

static guint
host_count (VignetteFetcher *self,
            const char      *host_key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->per_host, host_key));
}

static void
load_tls_database_thread (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  GTlsBackend *backend = g_tls_backend_get_default ();
  GTlsDatabase *database = backend ? g_tls_backend_get_default_database (backend) : NULL;

  g_task_return_pointer (task, database, g_object_unref);
}

static void
on_tls_database_loaded (GObject      *source,
                        GAsyncResult *result,
                        gpointer      data)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (source);
  g_autoptr(GTlsDatabase) database = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Still the system's store: certificates are checked as before */
  if (database != NULL && self->session != NULL)
    soup_session_set_tls_database (self->session, database);

  self->tls_state = TLS_READY;
  dispatch (self);
}

static gboolean
is_https (const Request *req)
{
  return g_str_has_prefix (req->host_key, "https:");
}

/* Starts queued requests while the limits allow. Starting one may complete
 * another at once (and so run a caller's callback that queues more), so the
 * walk starts over from the head after each start and never re-enters. */
static void
dispatch (VignetteFetcher *self)
{
  if (self->dispatching)
    {
      self->dispatch_again = TRUE;
      return;
    }

  self->dispatching = TRUE;
  do
    {
      GList *l;

      self->dispatch_again = FALSE;

      for (l = self->queue.head; l != NULL && self->n_active < self->max_connections; l = l->next)
        {
          Request *req = l->data;

          /* A cancelled request waits for the sweep, which completes it */
          if (g_cancellable_is_cancelled (req->cancellable))
            continue;

          /* https waits until the trust store is loaded off the main thread */
          if (is_https (req) && self->tls_state != TLS_READY)
            {
              if (self->tls_state == TLS_COLD)
                {
                  g_autoptr(GTask) task = g_task_new (self, NULL, on_tls_database_loaded, NULL);

                  self->tls_state = TLS_WARMING;
                  g_task_set_source_tag (task, load_tls_database_thread);
                  g_task_run_in_thread (task, load_tls_database_thread);
                }
              continue;
            }

          if (host_count (self, req->host_key) < self->max_per_host)
            {
              g_queue_delete_link (&self->queue, l);
              start_attempt (req);
              self->dispatch_again = TRUE;
              break;
            }
        }
    }
  while (self->dispatch_again && !self->disposed);
  self->dispatching = FALSE;
}

static void
user_cancel_forward (GCancellable *cancellable,
                     gpointer      data)
{
  Request *req = data;

  /* The attempt's own cancellable stops libsoup at once; a queued or waiting
   * request is swept from the main thread. */
  if (req->attempt_cancellable != NULL && req->phase == PHASE_ACTIVE)
    g_cancellable_cancel (req->attempt_cancellable);
  on_cancelled (cancellable, req);
}

static void
vignette_fetcher_constructed (GObject *object)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (object);

  G_OBJECT_CLASS (vignette_fetcher_parent_class)->constructed (object);

  self->user_agent = g_strdup_printf ("Vignette/%s (GNOME; +https://github.com/vignette/vignette)",
                                      PACKAGE_VERSION);
  self->session = soup_session_new_with_options ("max-conns", (int) self->max_connections,
                                                 "max-conns-per-host", (int) self->max_per_host,
                                                 "timeout", self->idle_timeout,
                                                 "idle-timeout", 60,
                                                 "user-agent", self->user_agent,
                                                 "accept-language-auto", TRUE,
                                                 NULL);
}

static void
vignette_fetcher_dispose (GObject *object)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (object);

  /* Requests hold a reference to the fetcher through their task, so none is left here */
  g_assert (self->queue.length == 0);
  g_assert (self->waiting.length == 0);
  self->disposed = TRUE;
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (vignette_fetcher_parent_class)->dispose (object);
}

static void
vignette_fetcher_finalize (GObject *object)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (object);

  g_hash_table_unref (self->per_host);
  g_free (self->user_agent);

  G_OBJECT_CLASS (vignette_fetcher_parent_class)->finalize (object);
}

static void
vignette_fetcher_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (object);

  switch (prop_id)
    {
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_MAX_PER_HOST:
      g_value_set_uint (value, self->max_per_host);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, self->retries);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->max_bytes);
      break;
    case PROP_MAX_PAGE_BYTES:
      g_value_set_uint64 (value, self->max_page_bytes);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay_ms);
      break;
    case PROP_MAX_RETRY_WAIT:
      g_value_set_uint (value, self->max_retry_wait);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_fetcher_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  VignetteFetcher *self = VIGNETTE_FETCHER (object);

  switch (prop_id)
    {
    case PROP_MAX_CONNECTIONS:
      self->max_connections = g_value_get_uint (value);
      break;
    case PROP_MAX_PER_HOST:
      self->max_per_host = g_value_get_uint (value);
      break;
    case PROP_RETRIES:
      self->retries = g_value_get_uint (value);
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_MAX_PAGE_BYTES:
      self->max_page_bytes = g_value_get_uint64 (value);
      break;
    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint (value);
      break;
    case PROP_IDLE_TIMEOUT:
      self->idle_timeout = g_value_get_uint (value);
      break;
    case PROP_RETRY_DELAY:
      self->retry_delay_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_RETRY_WAIT:
      self->max_retry_wait = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_fetcher_class_init (VignetteFetcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = vignette_fetcher_constructed;
  object_class->dispose = vignette_fetcher_dispose;
  object_class->finalize = vignette_fetcher_finalize;
  object_class->get_property = vignette_fetcher_get_property;
  object_class->set_property = vignette_fetcher_set_property;

  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, 256, VIGNETTE_DEFAULT_JOBS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_PER_HOST] =
    g_param_spec_uint ("max-per-host", NULL, NULL, 1, 256, VIGNETTE_DEFAULT_PER_HOST,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRIES] =
    g_param_spec_uint ("retries", NULL, NULL, 0, 100, VIGNETTE_DEFAULT_RETRIES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_BYTES] =
    g_param_spec_uint64 ("max-bytes", NULL, NULL, 1, G_MAXUINT32, VIGNETTE_DEFAULT_MAX_BYTES,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_PAGE_BYTES] =
    g_param_spec_uint64 ("max-page-bytes", NULL, NULL, 1, G_MAXUINT32, VIGNETTE_DEFAULT_MAX_PAGE_BYTES,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, VIGNETTE_DEFAULT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 1, 3600, VIGNETTE_DEFAULT_IDLE_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, 60000, 500,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_RETRY_WAIT] =
    g_param_spec_uint ("max-retry-wait", NULL, NULL, 0, 3600, 60,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vignette_fetcher_init (VignetteFetcher *self)
{
  g_queue_init (&self->queue);
  g_queue_init (&self->waiting);
  self->per_host = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

VignetteFetcher *
vignette_fetcher_new (guint max_connections,
                      guint max_per_host)
{
  return g_object_new (VIGNETTE_TYPE_FETCHER,
                       "max-connections", MAX (max_connections, 1u),
                       "max-per-host", MAX (MIN (max_per_host, max_connections), 1u),
                       NULL);
}

guint
vignette_fetcher_get_max_connections (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return self->max_connections;
}

guint
vignette_fetcher_get_max_per_host (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return self->max_per_host;
}

static void
enqueue (VignetteFetcher *self,
         Request         *req)
{
  if (req->flags & VIGNETTE_FETCH_IMAGE)
    {
      /* After the other images, before any page */
      GList *l;

      for (l = self->queue.head; l != NULL; l = l->next)
        if (!(((Request *) l->data)->flags & VIGNETTE_FETCH_IMAGE))
          break;

      if (l != NULL)
        g_queue_insert_before (&self->queue, l, req);
      else
        g_queue_push_tail (&self->queue, req);
    }
  else
    {
      g_queue_push_tail (&self->queue, req);
    }
}

/**
 * vignette_fetcher_fetch_async:
 * @referer: (nullable): the page an image comes from
 * @progress: (nullable): called as bytes arrive, with @progress_target
 *
 * Fetches @uri whole into memory, within the size limit for pages or images.
 */
void
vignette_fetcher_fetch_async (VignetteFetcher       *self,
                              const char            *uri,
                              const char            *referer,
                              VignetteFetchFlags     flags,
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

  req = g_new0 (Request, 1);
  req->self = self;
  req->task = task;
  req->uri = g_strdup (uri);
  req->original_uri = g_strdup (uri);
  req->referer = g_strdup (referer);
  req->host_key = host_key_for (uri);
  req->flags = flags;
  req->max_bytes = (flags & VIGNETTE_FETCH_IMAGE) ? self->max_bytes : MAX (self->max_page_bytes, self->max_bytes);
  req->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  req->progress = progress;
  req->progress_target = progress_target ? g_object_ref (progress_target) : NULL;
  req->phase = PHASE_QUEUED;
  g_task_set_task_data (task, req, request_free);

  enqueue (self, req);

  /* Connected last: it may call back at once when already cancelled */
  req->cancelled_id = g_cancellable_connect (req->cancellable, G_CALLBACK (user_cancel_forward), req, NULL);

  dispatch (self);
}

VignetteResponse *
vignette_fetcher_fetch_finish (VignetteFetcher  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * vignette_fetcher_can_start:
 *
 * Whether a request for @uri made now would start at once, rather than wait
 * in the queue for a connection: the run uses it so that the requests it
 * hands over are never stuck behind another host's.
 */
gboolean
vignette_fetcher_can_start (VignetteFetcher *self,
                            const char      *uri)
{
  g_autofree char *host_key = NULL;
  guint host_busy;

  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), FALSE);

  if (self->n_active + self->queue.length >= self->max_connections)
    return FALSE;

  host_key = host_key_for (uri);
  host_busy = host_count (self, host_key);
  for (GList *l = self->queue.head; l != NULL; l = l->next)
    if (g_str_equal (((Request *) l->data)->host_key, host_key))
      host_busy++;

  return host_busy < self->max_per_host;
}

guint
vignette_fetcher_get_n_active (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return self->n_active;
}

guint
vignette_fetcher_get_n_queued (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return self->queue.length;
}

guint
vignette_fetcher_get_peak_active (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return self->peak_active;
}

guint64
vignette_fetcher_get_bytes_received (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return self->bytes_received;
}

guint
vignette_fetcher_get_n_retries (VignetteFetcher *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FETCHER (self), 0);
  return self->n_retries;
}
