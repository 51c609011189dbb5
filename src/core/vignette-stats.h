/* vignette-stats.h: figures about the process, for --stats and the benchmarks
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdio.h>

#include <glib.h>

G_BEGIN_DECLS

void    vignette_stall_monitor_install (GMainContext *context);
double  vignette_stall_monitor_get_max_ms (void);
double  vignette_stall_monitor_get_max_stall_cpu_ms (void);
double  vignette_stall_monitor_get_max_busy_ms (void);
void    vignette_stall_monitor_reset   (void);
guint64 vignette_get_peak_rss          (void);
void    vignette_tune_allocator        (void);
double  vignette_get_cpu_seconds       (void);
void    vignette_stats_print_json_string (FILE       *out,
                                          const char *text);
void    vignette_stats_printf          (FILE       *out,
                                        const char *format,
                                        ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
