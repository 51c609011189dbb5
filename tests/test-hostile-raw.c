/* test-hostile-raw.c: a raw HTTP server for what a SoupServer will not send
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A well-behaved SoupServer cannot reset a connection before the first
 * byte, stop short of its Content-Length, send a body that never ends or a
 * gzip body that expands without end; this one can. It is a GSocketService
 * on 127.0.0.1 driven by the test's main loop: every read, write and pause
 * is asynchronous, nothing blocks.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "test-hostile-raw.h"

typedef struct {
  gatomicrefcount    ref;
  HostileRawServer  *server;      /* only while not closed */
  GSocketConnection *connection;
  GCancellable      *cancellable;
  GByteArray        *request;
  guint8             buffer[4096];
  HostileRawRoute   *route;
  GBytes            *chunk;       /* what the endless writers repeat */
  gsize              sent;
  guint              timeout_id;
  gboolean           closed;
} RawConnection;


/* A raw deflate stream of zeros, cut so that one piece can be repeated for
 * ever: the first piece starts the stream, and every later piece decodes to
 * the same zeros whatever came before (the window is all zeros by then). */
static GBytes *gzip_head;
static GBytes *gzip_repeat;
#define GZIP_PIECE_ZEROS (1024 * 1024)

static GBytes *
compress_piece (GConverter   *compressor,
                const guint8 *input,
                gsize         length,
                gboolean      at_end)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 buffer[16384];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (compressor, input, length, buffer, sizeof buffer,
                                    at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_FLUSH,
                                    &read, &written, &error);
      g_assert_no_error (error);
      g_byte_array_append (out, buffer, (guint) written);
      input += read;
      length -= read;

      if (length == 0 && (result == G_CONVERTER_FLUSHED || result == G_CONVERTER_FINISHED))
        break;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
make_gzip_pieces (void)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autofree guint8 *zeros = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) third = NULL;

  if (gzip_head != NULL)
    return;

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  zeros = g_malloc0 (GZIP_PIECE_ZEROS);
  first = compress_piece (G_CONVERTER (compressor), zeros, GZIP_PIECE_ZEROS, FALSE);
  second = compress_piece (G_CONVERTER (compressor), zeros, GZIP_PIECE_ZEROS, FALSE);
  third = compress_piece (G_CONVERTER (compressor), zeros, GZIP_PIECE_ZEROS, FALSE);

  /* The compressor's output settles after the first piece: check it, since
   * the bomb is only a valid stream if it does */
  g_assert_true (g_bytes_equal (second, third));

  gzip_head = g_bytes_ref (first);
  gzip_repeat = g_bytes_ref (second);
}

void
hostile_raw_check_gzip (guint n_pieces)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autofree guint8 *out = g_malloc (GZIP_PIECE_ZEROS);
  const guint8 *input;
  gsize length;
  guint64 total = 0;

  make_gzip_pieces ();
  g_byte_array_append (stream, g_bytes_get_data (gzip_head, NULL), (guint) g_bytes_get_size (gzip_head));
  for (guint i = 1; i < n_pieces; i++)
    g_byte_array_append (stream, g_bytes_get_data (gzip_repeat, NULL), (guint) g_bytes_get_size (gzip_repeat));

  input = stream->data;
  length = stream->len;
  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gsize read = 0, written = 0;

      g_converter_convert (G_CONVERTER (decompressor), input, length, out, GZIP_PIECE_ZEROS,
                           G_CONVERTER_NO_FLAGS, &read, &written, &error);
      g_assert_no_error (error);
      for (gsize i = 0; i < written; i++)
        g_assert_cmpuint (out[i], ==, 0);
      total += written;
      input += read;
      length -= read;
      if (read == 0 && written == 0)
        break;
    }

  /* All but what the decompressor keeps for its next call */
  g_assert_cmpuint (total + 64 * 1024, >=, (guint64) n_pieces * GZIP_PIECE_ZEROS);
}

static void
raw_route_free (gpointer data)
{
  HostileRawRoute *route = data;

  g_free (route->content_type);
  g_clear_pointer (&route->canned, g_bytes_unref);
  g_free (route);
}

static RawConnection *
raw_connection_ref (RawConnection *conn)
{
  g_atomic_ref_count_inc (&conn->ref);
  return conn;
}

static void
raw_connection_unref (RawConnection *conn)
{
  if (!g_atomic_ref_count_dec (&conn->ref))
    return;

  g_assert_true (conn->closed);
  g_object_unref (conn->connection);
  g_object_unref (conn->cancellable);
  g_byte_array_unref (conn->request);
  g_clear_pointer (&conn->chunk, g_bytes_unref);
  g_free (conn);
}

/* Every asynchronous step holds a reference and, once called back, goes on
 * only while the connection is open: the server may have closed it (or been
 * freed) meanwhile. */
static void
raw_connection_close (RawConnection *conn)
{
  if (conn->closed)
    return;

  conn->closed = TRUE;
  conn->server = NULL;
  g_clear_handle_id (&conn->timeout_id, g_source_remove);
  g_cancellable_cancel (conn->cancellable);
  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
}

static void
raw_connection_drop (gpointer data)
{
  RawConnection *conn = data;

  raw_connection_close (conn);
  raw_connection_unref (conn);
}

static void
raw_connection_finish (RawConnection *conn)
{
  HostileRawServer *server = conn->server;

  if (conn->closed)
    return;

  /* The array's reference goes last */
  raw_connection_ref (conn);
  raw_connection_close (conn);
  g_ptr_array_remove (server->connections, conn);
  raw_connection_unref (conn);
}

static GOutputStream *
raw_output (RawConnection *conn)
{
  return g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));
}

typedef void (*RawNext) (RawConnection *conn);

typedef struct {
  RawConnection *conn;
  GBytes        *bytes;
  RawNext        next;
  gsize          body_bytes;
} RawWrite;

static void
on_raw_written (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  RawWrite *write = data;
  RawConnection *conn = write->conn;
  RawNext next = write->next;
  gsize body_bytes = write->body_bytes;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  g_bytes_unref (write->bytes);
  g_free (write);

  if (conn->closed)
    ;
  else if (!ok)
    raw_connection_finish (conn);  /* the client went away: how the endless bodies end */
  else
    {
      conn->route->bytes_sent += body_bytes;
      if (next != NULL)
        next (conn);
      else
        raw_connection_finish (conn);
    }

  raw_connection_unref (conn);
}

static void
raw_write (RawConnection *conn,
           GBytes        *bytes,
           gboolean       is_body,
           RawNext        next)
{
  RawWrite *write = g_new0 (RawWrite, 1);
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  write->conn = raw_connection_ref (conn);
  write->bytes = g_bytes_ref (bytes);  /* alive until the write is over, whatever happens */
  write->next = next;
  write->body_bytes = is_body ? length : 0;

  g_output_stream_write_all_async (raw_output (conn), data, length, G_PRIORITY_DEFAULT,
                                   conn->cancellable, on_raw_written, write);
}

static void
raw_write_text (RawConnection *conn,
                char          *text,    /* taken */
                RawNext        next)
{
  g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

  raw_write (conn, bytes, FALSE, next);
}

static void
raw_endless_next (RawConnection *conn)
{
  HostileRawServer *server = conn->server;

  if (conn->sent >= server->endless_cap)
    {
      raw_connection_finish (conn);
      return;
    }

  conn->sent += g_bytes_get_size (conn->chunk);
  raw_write (conn, conn->chunk, TRUE, raw_endless_next);
}

static void
raw_short_rest (RawConnection *conn)
{
  /* Half the declared body (of `canned` when set), then the connection closes */
  gsize half = conn->route->length / 2;
  g_autoptr(GBytes) bytes = NULL;

  if (conn->route->canned != NULL)
    bytes = g_bytes_new_from_bytes (conn->route->canned, 0, MIN (half, g_bytes_get_size (conn->route->canned)));
  else
    bytes = g_bytes_new_take (g_malloc0 (half), half);

  raw_write (conn, bytes, TRUE, NULL);
}

static void raw_trickle_next (RawConnection *conn);

static gboolean
on_trickle_tick (gpointer data)
{
  RawConnection *conn = data;
  g_autoptr(GBytes) byte = g_bytes_new_static ("x", 1);

  conn->timeout_id = 0;
  if (conn->sent >= conn->route->length)
    {
      raw_connection_finish (conn);
      return G_SOURCE_REMOVE;
    }

  conn->sent++;
  raw_write (conn, byte, TRUE, raw_trickle_next);
  return G_SOURCE_REMOVE;
}

/* The source is removed when the connection closes, so it holds no reference */
static void
raw_trickle_next (RawConnection *conn)
{
  conn->timeout_id = g_timeout_add (conn->route->interval_ms, on_trickle_tick, conn);
}

static void
raw_gzip_next (RawConnection *conn)
{
  if (conn->chunk == NULL)
    {
      conn->chunk = g_bytes_ref (gzip_repeat);
      raw_write (conn, gzip_head, TRUE, raw_gzip_next);
      return;
    }

  raw_endless_next (conn);
}

static void
raw_reset (RawConnection *conn)
{
  GSocket *socket = g_socket_connection_get_socket (conn->connection);
  struct linger linger = { 1, 0 };

  /* SO_LINGER with a zero timeout: close() sends RST, not FIN */
  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  raw_connection_finish (conn);
}

static void
raw_respond (RawConnection *conn)
{
  HostileRawRoute *route = conn->route;
  const char *type = route->content_type ? route->content_type : "application/octet-stream";

  switch (route->behaviour)
    {
    case HOSTILE_RAW_RESET:
      raw_reset (conn);
      break;

    case HOSTILE_RAW_CLOSE:
      raw_connection_finish (conn);
      break;

    case HOSTILE_RAW_SHORT_BODY:
      raw_write_text (conn,
                      g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
                                       "Content-Length: %" G_GSIZE_FORMAT "\r\n%s\r\n",
                                       type, route->length,
                                       route->connection_close ? "Connection: close\r\n" : ""),
                      raw_short_rest);
      break;

    case HOSTILE_RAW_ENDLESS:
      {
        g_autofree guint8 *block = g_malloc (64 * 1024);

        /* Not zeros: a body that compresses would not be what the test means */
        for (guint i = 0; i < 64 * 1024; i++)
          block[i] = (guint8) (i * 7 + (i >> 8));
        conn->chunk = g_bytes_new_take (g_steal_pointer (&block), 64 * 1024);
        raw_write_text (conn,
                        g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
                                         "Connection: close\r\n\r\n", type),
                        raw_endless_next);
      }
      break;

    case HOSTILE_RAW_TRICKLE:
      raw_write_text (conn,
                      g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
                                       "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                                       type, route->length),
                      raw_trickle_next);
      break;

    case HOSTILE_RAW_GZIP_BOMB:
      make_gzip_pieces ();
      raw_write_text (conn,
                      g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
                                       "Content-Encoding: gzip\r\nConnection: close\r\n\r\n", type),
                      raw_gzip_next);
      break;

    case HOSTILE_RAW_CANNED:
      raw_write (conn, route->canned, FALSE, NULL);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void on_raw_read (GObject *source, GAsyncResult *result, gpointer data);
static void raw_handle_request (RawConnection *conn, gsize n);

static void
raw_read_more (RawConnection *conn)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (conn->connection));

  g_input_stream_read_async (input, conn->buffer, sizeof conn->buffer, G_PRIORITY_DEFAULT,
                             conn->cancellable, on_raw_read, raw_connection_ref (conn));
}

static void
raw_not_found (RawConnection *conn)
{
  raw_write_text (conn,
                  g_strdup ("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                            "Content-Length: 10\r\nConnection: close\r\n\r\nnot found\n"),
                  NULL);
}

static void
on_raw_read (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  RawConnection *conn = data;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  if (!conn->closed)
    {
      if (n <= 0)
        raw_connection_finish (conn);
      else
        raw_handle_request (conn, (gsize) n);
    }

  raw_connection_unref (conn);
}

static void
raw_handle_request (RawConnection *conn,
                    gsize          n)
{
  HostileRawServer *server = conn->server;
  const char *end;
  g_auto(GStrv) words = NULL;
  g_autofree char *line = NULL;
  char *query;

  g_byte_array_append (conn->request, conn->buffer, (guint) n);
  g_byte_array_append (conn->request, (const guint8 *) "", 1);
  conn->request->len--;  /* NUL-terminated, for the string functions below */

  end = strstr ((const char *) conn->request->data, "\r\n\r\n");
  if (end == NULL)
    {
      if (conn->request->len > 64 * 1024)
        raw_connection_finish (conn);
      else
        raw_read_more (conn);
      return;
    }

  /* "GET /path?query HTTP/1.1" */
  line = g_strndup ((const char *) conn->request->data,
                    strcspn ((const char *) conn->request->data, "\r\n"));
  words = g_strsplit (line, " ", 3);
  if (g_strv_length (words) < 2)
    {
      raw_connection_finish (conn);
      return;
    }
  query = strchr (words[1], '?');
  if (query != NULL)
    *query = '\0';

  g_ptr_array_add (server->paths, g_strdup (words[1]));
  conn->route = g_hash_table_lookup (server->routes, words[1]);
  if (conn->route == NULL)
    conn->route = server->fallback;
  if (conn->route == NULL)
    {
      static HostileRawRoute not_found = { HOSTILE_RAW_CANNED, };

      conn->route = &not_found;
      raw_not_found (conn);
      return;
    }

  conn->route->n_requests++;
  raw_respond (conn);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           data)
{
  HostileRawServer *server = data;
  RawConnection *conn = g_new0 (RawConnection, 1);

  g_atomic_ref_count_init (&conn->ref);
  conn->server = server;
  conn->connection = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  conn->request = g_byte_array_new ();
  g_ptr_array_add (server->connections, conn);

  raw_read_more (conn);
  return TRUE;
}

HostileRawServer *
hostile_raw_server_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  HostileRawServer *server = g_new0 (HostileRawServer, 1);

  server->service = g_socket_service_new ();
  server->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, raw_route_free);
  server->connections = g_ptr_array_new_with_free_func (raw_connection_drop);
  server->paths = g_ptr_array_new_with_free_func (g_free);
  server->endless_cap = G_GUINT64_CONSTANT (512) * 1024 * 1024;

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, &error))
    g_error ("Could not start the raw test server: %s", error->message);

  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);

  return server;
}

void
hostile_raw_server_free (HostileRawServer *server)
{
  if (server == NULL)
    return;

  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_clear_pointer (&server->connections, g_ptr_array_unref);
  g_object_unref (server->service);
  g_hash_table_unref (server->routes);
  g_clear_pointer (&server->fallback, raw_route_free);
  g_ptr_array_unref (server->paths);
  g_free (server);
}


HostileRawRoute *
hostile_raw_server_add (HostileRawServer    *server,
                const char   *path,
                HostileRawBehaviour  behaviour,
                const char   *content_type,
                gsize         length)
{
  HostileRawRoute *route = g_new0 (HostileRawRoute, 1);

  route->behaviour = behaviour;
  route->content_type = g_strdup (content_type);
  route->length = length;
  route->interval_ms = 1000;
  if (path == NULL)
    {
      g_clear_pointer (&server->fallback, raw_route_free);
      server->fallback = route;
    }
  else
    g_hash_table_replace (server->routes, g_strdup (path), route);

  return route;
}

GBytes *
hostile_raw_answer (const char *content_type,
            GBytes     *body)
{
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                                           content_type, g_bytes_get_size (body));

  g_byte_array_append (answer, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (answer, g_bytes_get_data (body, NULL), (guint) g_bytes_get_size (body));
  return g_byte_array_free_to_bytes (g_steal_pointer (&answer));
}

HostileRawRoute *
hostile_raw_server_get_route (HostileRawServer  *server,
                      const char *path)
{
  HostileRawRoute *route = g_hash_table_lookup (server->routes, path);

  g_assert_nonnull (route);
  return route;
}

char *
hostile_raw_server_get_uri (HostileRawServer  *server,
                    const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
}
