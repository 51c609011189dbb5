/* test-hostile-raw.h: a raw HTTP server for what a SoupServer will not send
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  HOSTILE_RAW_RESET,       /* read the request, then reset the connection (RST) before any byte */
  HOSTILE_RAW_CLOSE,       /* read the request, then close cleanly without answering */
  HOSTILE_RAW_SHORT_BODY,  /* Content-Length: length, then half of it, then close */
  HOSTILE_RAW_ENDLESS,     /* a body without Content-Length that never ends */
  HOSTILE_RAW_TRICKLE,     /* Content-Length: length, one byte every interval_ms */
  HOSTILE_RAW_GZIP_BOMB,   /* Content-Encoding: gzip, a deflate stream of zeros without end */
  HOSTILE_RAW_CANNED,      /* the bytes of `canned` as they are, then close */
} HostileRawBehaviour;

/* How one path answers; the tests set the fields they need after
 * hostile_raw_server_add() and read the counts afterwards */
typedef struct {
  HostileRawBehaviour behaviour;
  char               *content_type;
  gsize               length;            /* the declared Content-Length */
  guint               interval_ms;       /* HOSTILE_RAW_TRICKLE: between two bytes */
  gboolean            connection_close;  /* HOSTILE_RAW_SHORT_BODY: say "Connection: close" */
  GBytes             *canned;            /* HOSTILE_RAW_CANNED: the answer; HOSTILE_RAW_SHORT_BODY: the body */
  guint               n_requests;
  guint64             bytes_sent;        /* body bytes written, over every request */
} HostileRawRoute;

typedef struct {
  GSocketService  *service;
  guint            port;
  GHashTable      *routes;       /* path → HostileRawRoute */
  HostileRawRoute *fallback;     /* for any other path, when set */
  GPtrArray       *paths;        /* every path asked for, as sent */
  GPtrArray       *connections;  /* open connections */
  guint64          endless_cap;  /* a safety net: the endless writers stop here */
} HostileRawServer;

HostileRawServer *hostile_raw_server_new       (void);
void              hostile_raw_server_free      (HostileRawServer   *server);
/* @path NULL: the route for every path without one of its own */
HostileRawRoute  *hostile_raw_server_add       (HostileRawServer   *server,
                                                const char         *path,
                                                HostileRawBehaviour behaviour,
                                                const char         *content_type,
                                                gsize               length);
HostileRawRoute  *hostile_raw_server_get_route (HostileRawServer   *server,
                                                const char         *path);
char             *hostile_raw_server_get_uri   (HostileRawServer   *server,
                                                const char         *path);
/* A whole, well-formed answer with @body, for HOSTILE_RAW_CANNED */
GBytes           *hostile_raw_answer           (const char         *content_type,
                                                GBytes             *body);
/* Checks that the first @n_pieces of the gzip bomb decode to zeros */
void              hostile_raw_check_gzip       (guint               n_pieces);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostileRawServer, hostile_raw_server_free)

G_END_DECLS
