/* vignette-stats.c: figures about the process, for --stats and the benchmarks
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stall monitor measures what "the main loop never blocks" means: the
 * time between poll() returning and the next poll(), which is how long one
 * iteration spent dispatching (and preparing and checking) sources. Wrapping
 * the poll function costs two clock reads per iteration and needs no timer
 * that would itself wake the loop.
 */
#include "config.h"

#include <sys/resource.h>

#include "vignette-stats.h"

static GPollFunc real_poll;
static gint64 last_wakeup;
static gint64 max_stall_usec;
static guint64 n_iterations;
static gboolean enabled;

static int
monitored_poll (GPollFD *fds,
                guint    nfds,
                int      timeout)
{
  gint64 now = g_get_monotonic_time ();
  int ret;

  if (last_wakeup != 0 && now - last_wakeup > max_stall_usec)
    max_stall_usec = now - last_wakeup;

  ret = real_poll (fds, nfds, timeout);

  last_wakeup = g_get_monotonic_time ();
  n_iterations++;

  return ret;
}

/* Only for the context of the main thread, once */
void
vignette_stall_monitor_install (GMainContext *context)
{
  if (enabled)
    return;

  if (context == NULL)
    context = g_main_context_default ();

  real_poll = g_main_context_get_poll_func (context);
  g_main_context_set_poll_func (context, monitored_poll);
  enabled = TRUE;
}

double
vignette_stall_monitor_get_max_ms (void)
{
  return max_stall_usec / 1000.0;
}

guint64
vignette_stall_monitor_get_n_iterations (void)
{
  return n_iterations;
}

void
vignette_stall_monitor_reset (void)
{
  max_stall_usec = 0;
  last_wakeup = 0;
  n_iterations = 0;
}

guint64
vignette_get_peak_rss (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;

  /* Linux reports kibibytes */
  return (guint64) usage.ru_maxrss * 1024;
}

double
vignette_get_cpu_seconds (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0.0;

  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}
