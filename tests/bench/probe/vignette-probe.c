/* vignette-probe.c: how long each main-loop iteration holds the main thread, seen from outside the program
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loaded with LD_PRELOAD into vignette-cli or vignette (or any program),
 * this library interposes poll() and ppoll(). On the main thread only
 * (gettid () == getpid ()), the time between returning from one poll and
 * entering the next is one iteration of the main loop: what it dispatched.
 * For each iteration it records the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID: what the program computed) and the wall time
 * (CLOCK_MONOTONIC: that, plus waiting for a core or for a blocking call).
 *
 * It does not trust the program: it links nothing but libc (no GLib), so the
 * engine's own figure (--stats max_main_loop_busy_ms) can be checked against
 * it. tests/bench/probe/probe-check.c checks it against known stalls.
 *
 *   VIGNETTE_PROBE_OUTPUT=FILE   where the JSON goes at exit ("%p" is the
 *                                pid); nothing is written without it, nor by
 *                                a process whose main thread never polled
 *   VIGNETTE_PROBE_LIST_MS=MS    list every iteration that took at least MS
 *                                of CPU or wall time (default 1), with when
 *                                it started: a runner can then take the
 *                                largest over a part of the process's life
 *                                (the window's run, not its start-up)
 *   VIGNETTE_PROBE_IGNORE=A,B    polls called from a shared object whose
 *                                path contains A or B do not bound an
 *                                iteration: they are a library waiting
 *                                inside one (libxcb waiting for the X
 *                                server's reply in the window), not the
 *                                main loop's poll. Which object called is
 *                                told by the return address; GLib's g_poll
 *                                ends in a tail call, so the main loop's
 *                                poll seems to come from whoever called
 *                                g_poll (GLib, or the engine's --stats
 *                                wrapper): naming what to ignore is the
 *                                sturdy way round
 *
 * The JSON is written at exit, and also on SIGTERM, SIGINT or SIGHUP when
 * the program has not installed its own handler (the window is ended that
 * way by the GUI benchmark); it holds the iteration count, the largest CPU
 * and wall time of one iteration, histograms of both and the 10 iterations
 * that took the most CPU time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROBE_EXPORT __attribute__((visibility ("default")))

#define N_TOP 10
#define N_LISTED 8192
#define N_CALLERS 32

typedef int (*PollFunc) (struct pollfd *, nfds_t, int);
typedef int (*PpollFunc) (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);

typedef struct
{
  int64_t cpu_ns;
  int64_t wall_ns;
  int64_t at_ns;     /* when the iteration started, from the library's load */
} Iteration;

/* Bucket upper bounds in microseconds; the last bucket is open */
static const int64_t bucket_us[] = { 100, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000 };
#define N_BUCKETS (sizeof bucket_us / sizeof bucket_us[0] + 1)

static PollFunc real_poll;
static PpollFunc real_ppoll;
static pid_t main_pid;
static const char *output_pattern;
static const char *ignored_callers;

static int64_t load_ns;
static int in_iteration;           /* a poll has returned, the next has not started */
static int64_t iteration_start_ns;
static int64_t iteration_start_cpu_ns;

static uint64_t n_iterations;
static uint64_t n_polls_ignored;    /* main-thread polls left out by VIGNETTE_PROBE_IGNORE */
static int64_t max_cpu_ns;
static int64_t max_wall_ns;
static int64_t total_cpu_ns;
static int64_t total_wall_ns;
static uint64_t cpu_hist[N_BUCKETS];
static uint64_t wall_hist[N_BUCKETS];
static Iteration top[N_TOP];        /* by CPU time, largest first */
static int n_top;
static int64_t list_ns = 1000000;
static Iteration listed[N_LISTED];  /* in order */
static uint64_t n_listed;           /* may pass N_LISTED: the rest are dropped */

static struct
{
  void       *address;
  const char *object;   /* from dladdr: the link map's own strings */
  const char *symbol;
  int         counted;  /* not in VIGNETTE_PROBE_IGNORE */
  uint64_t    count;
} callers[N_CALLERS];

static volatile sig_atomic_t written;
static struct sigaction previous_actions[3];
static const int handled_signals[3] = { SIGTERM, SIGINT, SIGHUP };

static int64_t
clock_ns (clockid_t clock)
{
  struct timespec ts;

  if (clock_gettime (clock, &ts) != 0)
    return 0;
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
on_main_thread (void)
{
  return main_pid != 0 && gettid () == main_pid;
}

static unsigned
bucket_of (int64_t ns)
{
  unsigned i;

  for (i = 0; i < N_BUCKETS - 1; i++)
    if (ns < bucket_us[i] * 1000)
      return i;
  return N_BUCKETS - 1;
}

static void
record (int64_t cpu_ns,
        int64_t wall_ns,
        int64_t at_ns)
{
  int i;

  n_iterations++;
  total_cpu_ns += cpu_ns;
  total_wall_ns += wall_ns;
  if (cpu_ns > max_cpu_ns)
    max_cpu_ns = cpu_ns;
  if (wall_ns > max_wall_ns)
    max_wall_ns = wall_ns;
  cpu_hist[bucket_of (cpu_ns)]++;
  wall_hist[bucket_of (wall_ns)]++;
  if (cpu_ns >= list_ns || wall_ns >= list_ns)
    {
      if (n_listed < N_LISTED)
        listed[n_listed] = (Iteration) { cpu_ns, wall_ns, at_ns };
      n_listed++;
    }

  if (n_top == N_TOP && cpu_ns <= top[N_TOP - 1].cpu_ns)
    return;
  i = n_top < N_TOP ? n_top++ : N_TOP - 1;
  while (i > 0 && top[i - 1].cpu_ns < cpu_ns)
    {
      top[i] = top[i - 1];
      i--;
    }
  top[i] = (Iteration) { cpu_ns, wall_ns, at_ns };
}

/* Whether @object is named in VIGNETTE_PROBE_IGNORE (a comma-separated list) */
static int
is_ignored (const char *object)
{
  const char *p = ignored_callers;

  if (p == NULL || object == NULL)
    return 0;
  while (*p != '\0')
    {
      const char *end = strchr (p, ',');
      size_t len = end != NULL ? (size_t) (end - p) : strlen (p);
      const char *o;

      for (o = object; len > 0 && *o != '\0'; o++)
        if (strncmp (o, p, len) == 0)
          return 1;
      p += len;
      if (*p == ',')
        p++;
    }
  return 0;
}

/* Which code called poll: a few distinct return addresses in practice,
 * each named with dladdr once, the first time it is seen (dladdr is not
 * safe in a signal handler, where the report may be written) */
static int
count_caller (void *address)
{
  int i;

  for (i = 0; i < N_CALLERS; i++)
    {
      if (callers[i].address == address)
        break;
      if (callers[i].address == NULL)
        {
          Dl_info info;

          callers[i].address = address;
          if (dladdr (address, &info) != 0)
            {
              callers[i].object = info.dli_fname;
              callers[i].symbol = info.dli_sname;
            }
          callers[i].counted = !is_ignored (callers[i].object);
          break;
        }
    }
  if (i == N_CALLERS)
    return 1;  /* too many callers to tell: the plain definition */
  callers[i].count++;
  return callers[i].counted;
}

static void
before_poll (void)
{
  int64_t wall = clock_ns (CLOCK_MONOTONIC);
  int64_t cpu = clock_ns (CLOCK_THREAD_CPUTIME_ID);

  if (in_iteration)
    record (cpu - iteration_start_cpu_ns, wall - iteration_start_ns, iteration_start_ns - load_ns);
  in_iteration = 0;
}

static void
after_poll (void)
{
  iteration_start_ns = clock_ns (CLOCK_MONOTONIC);
  iteration_start_cpu_ns = clock_ns (CLOCK_THREAD_CPUTIME_ID);
  in_iteration = 1;
}

/* Whether this poll bounds an iteration: a main-thread poll from a caller
 * not named in VIGNETTE_PROBE_IGNORE */
static int
bounds_iteration (void *caller)
{
  if (!on_main_thread ())
    return 0;
  if (!count_caller (caller))
    {
      n_polls_ignored++;
      return 0;
    }
  return 1;
}

PROBE_EXPORT int
poll (struct pollfd *fds,
      nfds_t         nfds,
      int            timeout)
{
  int bounds = bounds_iteration (__builtin_return_address (0));
  int ret, saved_errno;

  if (real_poll == NULL)
    real_poll = (PollFunc) dlsym (RTLD_NEXT, "poll");
  if (bounds)
    before_poll ();
  ret = real_poll (fds, nfds, timeout);
  saved_errno = errno;
  if (bounds)
    after_poll ();
  errno = saved_errno;
  return ret;
}

PROBE_EXPORT int
ppoll (struct pollfd         *fds,
       nfds_t                 nfds,
       const struct timespec *timeout,
       const sigset_t        *sigmask)
{
  int bounds = bounds_iteration (__builtin_return_address (0));
  int ret, saved_errno;

  if (real_ppoll == NULL)
    real_ppoll = (PpollFunc) dlsym (RTLD_NEXT, "ppoll");
  if (bounds)
    before_poll ();
  ret = real_ppoll (fds, nfds, timeout, sigmask);
  saved_errno = errno;
  if (bounds)
    after_poll ();
  errno = saved_errno;
  return ret;
}

/* Writing: no stdio, no allocation, so that it is safe from a signal
 * handler too */

typedef struct
{
  char   *data;
  size_t  size;
  size_t  len;
} Buffer;

static void
put (Buffer     *b,
     const char *s)
{
  size_t room = b->size - 1 - b->len;  /* len never passes it */
  size_t n = 0;

  while (n < room && s[n] != '\0')
    n++;

  memcpy (b->data + b->len, s, n);
  b->len += n;
}

static void
put_u64 (Buffer   *b,
         uint64_t  v)
{
  char digits[24];
  int i = sizeof digits - 1;

  digits[i] = '\0';
  do
    {
      digits[--i] = '0' + v % 10;
      v /= 10;
    }
  while (v > 0);
  put (b, digits + i);
}

/* Nanoseconds as milliseconds with three decimals */
static void
put_ms (Buffer  *b,
        int64_t  ns)
{
  uint64_t us;
  char frac[5];

  if (ns < 0)
    {
      put (b, "-");
      ns = -ns;
    }
  us = (uint64_t) (ns + 500) / 1000;
  put_u64 (b, us / 1000);
  frac[0] = '.';
  frac[1] = '0' + us / 100 % 10;
  frac[2] = '0' + us / 10 % 10;
  frac[3] = '0' + us % 10;
  frac[4] = '\0';
  put (b, frac);
}

static void
put_string (Buffer     *b,
            const char *s)
{
  char one[2] = { 0, 0 };

  put (b, "\"");
  for (; s != NULL && *s != '\0'; s++)
    {
      if (*s == '"' || *s == '\\')
        put (b, "\\");
      one[0] = (unsigned char) *s < 0x20 ? '?' : *s;
      put (b, one);
    }
  put (b, "\"");
}

static void
put_histogram (Buffer         *b,
               const uint64_t *hist)
{
  unsigned i;

  put (b, "[");
  for (i = 0; i < N_BUCKETS; i++)
    {
      put (b, i > 0 ? ", {\"below_ms\": " : "{\"below_ms\": ");
      if (i < N_BUCKETS - 1)
        put_ms (b, bucket_us[i] * 1000);
      else
        put (b, "null");
      put (b, ", \"count\": ");
      put_u64 (b, hist[i]);
      put (b, "}");
    }
  put (b, "]");
}

static void
put_callers (Buffer *b)
{
  int i;

  put (b, "[");
  for (i = 0; i < N_CALLERS && callers[i].address != NULL; i++)
    {
      put (b, i > 0 ? ", {\"object\": " : "{\"object\": ");
      put_string (b, callers[i].object != NULL ? callers[i].object : "?");
      put (b, ", \"symbol\": ");
      put_string (b, callers[i].symbol != NULL ? callers[i].symbol : "?");
      put (b, ", \"counted\": ");
      put (b, callers[i].counted ? "true" : "false");
      put (b, ", \"polls\": ");
      put_u64 (b, callers[i].count);
      put (b, "}");
    }
  put (b, "]");
}

static void
write_report (int from_signal)
{
  /* Room for every listed iteration */
  static char data[65536 + N_LISTED * 40];
  Buffer b = { data, sizeof data, 0 };
  char path[4096];
  const char *p;
  size_t n = 0;
  int fd, i;

  if (written || output_pattern == NULL || (n_iterations == 0 && !in_iteration))
    return;
  written = 1;

  /* The iteration going on now (the program is exiting from it) counts too */
  if (in_iteration && !from_signal)
    {
      record (clock_ns (CLOCK_THREAD_CPUTIME_ID) - iteration_start_cpu_ns,
              clock_ns (CLOCK_MONOTONIC) - iteration_start_ns, iteration_start_ns - load_ns);
      in_iteration = 0;
    }

  for (p = output_pattern; *p != '\0' && n < sizeof path - 24; p++)
    {
      if (p[0] == '%' && p[1] == 'p')
        {
          char digits[24];
          Buffer pid = { digits, sizeof digits, 0 };

          put_u64 (&pid, (uint64_t) main_pid);
          memcpy (path + n, pid.data, pid.len);
          n += pid.len;
          p++;
        }
      else
        path[n++] = *p;
    }
  path[n] = '\0';

  put (&b, "{\"pid\": ");
  put_u64 (&b, (uint64_t) main_pid);
  put (&b, ", \"iterations\": ");
  put_u64 (&b, n_iterations);
  put (&b, ", \"max_cpu_ms\": ");
  put_ms (&b, max_cpu_ns);
  put (&b, ", \"max_wall_ms\": ");
  put_ms (&b, max_wall_ns);
  put (&b, ", \"total_cpu_ms\": ");
  put_ms (&b, total_cpu_ns);
  put (&b, ", \"total_wall_ms\": ");
  put_ms (&b, total_wall_ns);
  put (&b, ", \"lifetime_ms\": ");
  put_ms (&b, clock_ns (CLOCK_MONOTONIC) - load_ns);
  put (&b, ", \"loaded_at_monotonic_ms\": ");
  put_ms (&b, load_ns);
  put (&b, ", \"ended_by\": ");
  put (&b, from_signal ? "\"signal\"" : "\"exit\"");
  put (&b, ", \"ignored_callers\": ");
  if (ignored_callers != NULL)
    put_string (&b, ignored_callers);
  else
    put (&b, "null");
  put (&b, ", \"polls_ignored\": ");
  put_u64 (&b, n_polls_ignored);
  put (&b, ",\n \"cpu_histogram\": ");
  put_histogram (&b, cpu_hist);
  put (&b, ",\n \"wall_histogram\": ");
  put_histogram (&b, wall_hist);
  put (&b, ",\n \"top_cpu\": [");
  for (i = 0; i < n_top; i++)
    {
      put (&b, i > 0 ? ", {\"cpu_ms\": " : "{\"cpu_ms\": ");
      put_ms (&b, top[i].cpu_ns);
      put (&b, ", \"wall_ms\": ");
      put_ms (&b, top[i].wall_ns);
      put (&b, ", \"at_ms\": ");
      put_ms (&b, top[i].at_ns);
      put (&b, "}");
    }
  put (&b, "],\n \"list_ms\": ");
  put_ms (&b, list_ns);
  put (&b, ", \"listed_dropped\": ");
  put_u64 (&b, n_listed > N_LISTED ? n_listed - N_LISTED : 0);
  put (&b, ",\n \"listed\": [");
  for (uint64_t j = 0; j < n_listed && j < N_LISTED; j++)
    {
      /* [at_ms, cpu_ms, wall_ms]: compact, there may be thousands */
      put (&b, j > 0 ? ", [" : "[");
      put_ms (&b, listed[j].at_ns);
      put (&b, ", ");
      put_ms (&b, listed[j].cpu_ns);
      put (&b, ", ");
      put_ms (&b, listed[j].wall_ns);
      put (&b, "]");
    }
  put (&b, "],\n \"poll_callers\": ");
  put_callers (&b);
  put (&b, "}\n");

  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  for (size_t done = 0; done < b.len;)
    {
      ssize_t w = write (fd, b.data + done, b.len - done);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        break;
      done += (size_t) w;
    }
  close (fd);
}

static void
on_signal (int signum)
{
  int saved_errno = errno;
  unsigned i;

  if (on_main_thread ())
    write_report (1);
  /* Then what would have happened without the probe */
  for (i = 0; i < sizeof handled_signals / sizeof handled_signals[0]; i++)
    if (handled_signals[i] == signum)
      sigaction (signum, &previous_actions[i], NULL);
  errno = saved_errno;
  raise (signum);
}

__attribute__((constructor)) static void
probe_init (void)
{
  unsigned i;

  main_pid = getpid ();
  load_ns = clock_ns (CLOCK_MONOTONIC);
  output_pattern = getenv ("VIGNETTE_PROBE_OUTPUT");
  ignored_callers = getenv ("VIGNETTE_PROBE_IGNORE");
  if (getenv ("VIGNETTE_PROBE_LIST_MS") != NULL)
    list_ns = (int64_t) (atof (getenv ("VIGNETTE_PROBE_LIST_MS")) * 1e6);
  real_poll = (PollFunc) dlsym (RTLD_NEXT, "poll");
  real_ppoll = (PpollFunc) dlsym (RTLD_NEXT, "ppoll");

  if (output_pattern == NULL)
    return;
  /* Only where the program keeps the default action: its own handler (the
   * CLI's clean Ctrl+C) replaces ours anyway and ends in exit() */
  for (i = 0; i < sizeof handled_signals / sizeof handled_signals[0]; i++)
    {
      struct sigaction action;

      if (sigaction (handled_signals[i], NULL, &previous_actions[i]) != 0 ||
          previous_actions[i].sa_handler != SIG_DFL)
        continue;
      memset (&action, 0, sizeof action);
      action.sa_handler = on_signal;
      sigemptyset (&action.sa_mask);
      action.sa_flags = SA_RESTART;
      sigaction (handled_signals[i], &action, NULL);
    }
}

__attribute__((destructor)) static void
probe_fini (void)
{
  if (on_main_thread ())
    write_report (0);
}
