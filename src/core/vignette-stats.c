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

#include <locale.h>
#include <malloc.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <time.h>

#include "vignette-stats.h"

static GPollFunc real_poll;
static gint64 last_wakeup;
static gint64 last_wakeup_cpu;
static gint64 max_stall_usec;
static gint64 max_stall_cpu_usec;
static gint64 max_busy_usec;
static guint64 n_iterations;
static gboolean enabled;

/* CPU time of the calling thread: telling a stall the main thread spent
 * computing from one where it waited for a core */
static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int
monitored_poll (GPollFD *fds,
                guint    nfds,
                int      timeout)
{
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_usec ();
  int ret;

  if (last_wakeup != 0)
    {
      if (now - last_wakeup > max_stall_usec)
        {
          max_stall_usec = now - last_wakeup;
          max_stall_cpu_usec = cpu - last_wakeup_cpu;
        }
      max_busy_usec = MAX (max_busy_usec, cpu - last_wakeup_cpu);
    }

  /* A thread blocked in poll uses no CPU: the time read before it is the
   * time after it, one system call fewer per iteration */
  last_wakeup_cpu = cpu;
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

/* How much of the longest stall the main thread spent on a CPU */
double
vignette_stall_monitor_get_max_stall_cpu_ms (void)
{
  return max_stall_cpu_usec / 1000.0;
}

/* The most CPU time one iteration took, whether or not it was the longest */
double
vignette_stall_monitor_get_max_busy_ms (void)
{
  return max_busy_usec / 1000.0;
}

void
vignette_stall_monitor_reset (void)
{
  max_stall_usec = 0;
  max_stall_cpu_usec = 0;
  max_busy_usec = 0;
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

/* Originals and decoded images are megabytes each and short-lived. glibc
 * raises its mmap threshold after the first such buffer is freed, so later
 * ones come from the heap, where they fragment it and the resident size
 * creeps up with the number of images (66 MB after 1000 photos against 44 MB
 * after 100 in the benchmark). A fixed threshold keeps every large buffer in
 * its own mapping, given back to the system when freed. Call once, early,
 * from main(). */
void
vignette_tune_allocator (void)
{
#ifdef M_MMAP_THRESHOLD
  mallopt (M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

/* @text as a JSON string, quoted and escaped, for the one-line JSON objects
 * that both front-ends print with --stats (no JSON library for so little) */
void
vignette_stats_print_json_string (FILE       *out,
                                  const char *text)
{
  fputc ('"', out);
  for (const char *p = text; p && *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fprintf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        fprintf (out, "\\u%04x", (guchar) *p);
      else
        fputc (*p, out);
    }
  fputc ('"', out);
}

/* printf for the --stats JSON: decimal points whatever the user's locale
 * (a French one would write commas and break the JSON) */
void
vignette_stats_printf (FILE       *out,
                       const char *format,
                       ...)
{
  locale_t c_numeric = newlocale (LC_NUMERIC_MASK, "C", (locale_t) 0);
  locale_t previous = c_numeric != (locale_t) 0 ? uselocale (c_numeric) : (locale_t) 0;
  va_list args;

  va_start (args, format);
  vfprintf (out, format, args);
  va_end (args);

  if (c_numeric != (locale_t) 0)
    {
      uselocale (previous);
      freelocale (c_numeric);
    }
}
