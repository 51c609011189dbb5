/* vignette-trace.h: a run's timeline as Chrome trace-event JSON, for Perfetto and chrome://tracing
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean vignette_trace_write (GListModel  *items,
                               const char  *path,
                               GError     **error);

G_END_DECLS
