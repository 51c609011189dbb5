/* vignette-workers.c: the threads that do the CPU-bound work
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dedicated GThreadPool fed with GTasks rather than g_task_run_in_thread():
 * GLib's shared GTask pool also runs GIO's own blocking calls (file writes,
 * folder listings, DNS on some set-ups), and filling it with seconds of
 * decoding would make those wait behind us; it also grows past the number of
 * cores when it thinks tasks are starving. Here the number of threads is
 * exactly --threads, and the queue length is what the run looks at to apply
 * backpressure on downloads. The GTask still carries the result back to the
 * main context of whoever created it, so callbacks run on the main thread.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vignette-workers.h"

struct _VignetteWorkers
{
  GObject      parent_instance;

  GThreadPool *pool;
  guint        n_threads;

  GMutex       stats_lock;
  guint        n_named;     /* worker threads numbered so far */
  gint64       busy_usec;
  guint        n_busy;
  guint        peak_busy;
};

G_DEFINE_FINAL_TYPE (VignetteWorkers, vignette_workers, G_TYPE_OBJECT)

typedef struct {
  GTask           *task;   /* or NULL for a plain function */
  GTaskThreadFunc  func;
  GFunc            plain;
  gpointer         data;
} Job;

typedef struct {
  gint64 start;
  gint64 end;
  guint  worker;
} JobTimes;

static G_DEFINE_QUARK (vignette-worker-times, job_times)

/* Which worker this thread is, from 1, for timelines and traces */
static guint
worker_number (VignetteWorkers *self)
{
  static __thread guint number;
  static __thread gpointer numbered_by;

  if (numbered_by != self)
    {
      g_mutex_lock (&self->stats_lock);
      number = ++self->n_named;
      g_mutex_unlock (&self->stats_lock);
      numbered_by = self;
    }

  return number;
}

/* Workers yield to the main thread. With as many workers as cores, a main
 * loop that wakes up for a network event would otherwise wait for a time
 * slice: the stall monitor showed iterations of 16 ms (and 340 ms under
 * load) of which the main thread ran 0.2 ms. SCHED_BATCH and a higher nice
 * value make the scheduler prefer the main thread whenever it is runnable,
 * while the workers still take every core that nothing else wants. Per
 * thread, so Linux only (there a thread id is a process id for
 * setpriority). */
static void
lower_thread_priority (void)
{
#ifdef __linux__
  static __thread gboolean lowered;

  if (lowered)
    return;
  lowered = TRUE;

  {
    struct sched_param param = { 0 };
    pid_t tid = gettid ();
    int nice;

    sched_setscheduler (tid, SCHED_BATCH, &param);
    errno = 0;
    nice = getpriority (PRIO_PROCESS, (id_t) tid);
    if (errno == 0)
      setpriority (PRIO_PROCESS, (id_t) tid, MIN (nice + 10, 19));
  }
#endif
}

/* Set on the pool's own threads: a pool cannot wait for itself */
static __thread gboolean in_pool_thread;

static void
run_job (gpointer data,
         gpointer user_data)
{
  VignetteWorkers *self = user_data;
  Job *job = data;
  JobTimes *times = g_new0 (JobTimes, 1);
  gint64 begin;

  lower_thread_priority ();
  begin = g_get_monotonic_time ();
  times->start = begin;
  times->worker = worker_number (self);

  in_pool_thread = TRUE;

  if (job->task == NULL)
    {
      /* Ours, for the figures below: the function may drop the last
       * reference anyone else held (a decode stream's) */
      g_object_ref (self);
      g_free (times);
      g_mutex_lock (&self->stats_lock);
      self->n_busy++;
      self->peak_busy = MAX (self->peak_busy, self->n_busy);
      g_mutex_unlock (&self->stats_lock);

      job->plain (job->data, self);

      g_mutex_lock (&self->stats_lock);
      self->n_busy--;
      self->busy_usec += g_get_monotonic_time () - begin;
      g_mutex_unlock (&self->stats_lock);
      g_free (job);
      g_object_unref (self);
      return;
    }

  /* Before the function runs: once it returns a result, the task may be
   * handed to its callback at any moment */
  g_object_set_qdata_full (G_OBJECT (job->task), job_times_quark (), times, g_free);

  g_mutex_lock (&self->stats_lock);
  self->n_busy++;
  self->peak_busy = MAX (self->peak_busy, self->n_busy);
  g_mutex_unlock (&self->stats_lock);

  job->func (job->task,
             g_task_get_source_object (job->task),
             g_task_get_task_data (job->task),
             g_task_get_cancellable (job->task));

  times->end = g_get_monotonic_time ();

  g_mutex_lock (&self->stats_lock);
  self->n_busy--;
  self->busy_usec += times->end - begin;
  g_mutex_unlock (&self->stats_lock);

  /* The last reference may be dropped here; GTask then defers the callback
   * to its main context, and only the task's own data is freed here. */
  g_object_unref (job->task);
  g_free (job);
}

static void
vignette_workers_finalize (GObject *object)
{
  VignetteWorkers *self = (VignetteWorkers *)object;

  /* Wait for running jobs: every queued task holds a reference to its
   * source object, so none of them can outlive what they point to. The last
   * reference may go on one of the pool's own threads (a decode stream's,
   * at the end of a drain), which cannot wait for itself: the pool then
   * ends its threads on its own. */
  g_thread_pool_free (self->pool, FALSE, !in_pool_thread);
  g_mutex_clear (&self->stats_lock);

  G_OBJECT_CLASS (vignette_workers_parent_class)->finalize (object);
}

static void
vignette_workers_class_init (VignetteWorkersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vignette_workers_finalize;
}

static void
vignette_workers_init (VignetteWorkers *self)
{
  g_mutex_init (&self->stats_lock);
}

guint
vignette_default_n_threads (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);

  return n > 0 ? (guint) MIN (n, 64) : 1;
}

VignetteWorkers *
vignette_workers_new (guint n_threads)
{
  VignetteWorkers *self = g_object_new (VIGNETTE_TYPE_WORKERS, NULL);

  self->n_threads = n_threads > 0 ? n_threads : vignette_default_n_threads ();
  /* Exclusive: the threads are lowered for good (lower_thread_priority),
   * and a non-exclusive pool hands an idle thread back to GLib's spare
   * threads, from which GTask's shared pool (the saver, GIO's blocking
   * calls) would take it at batch priority */
  self->pool = g_thread_pool_new (run_job, self, (int) self->n_threads, TRUE, NULL);

  return self;
}

guint
vignette_workers_get_n_threads (VignetteWorkers *self)
{
  g_return_val_if_fail (VIGNETTE_IS_WORKERS (self), 0);
  return self->n_threads;
}

void
vignette_workers_set_n_threads (VignetteWorkers *self,
                                guint            n_threads)
{
  g_return_if_fail (VIGNETTE_IS_WORKERS (self));

  if (n_threads == 0)
    n_threads = vignette_default_n_threads ();
  if (n_threads == self->n_threads)
    return;

  self->n_threads = n_threads;
  g_thread_pool_set_max_threads (self->pool, (int) n_threads, NULL);
}

/**
 * vignette_workers_run:
 * @task: a task made on the main thread; the pool takes its own reference
 * @func: runs on a worker thread and must only touch the task's data
 *
 * Like g_task_run_in_thread(), on this pool.
 */
void
vignette_workers_run (VignetteWorkers *self,
                      GTask           *task,
                      GTaskThreadFunc  func)
{
  Job *job;

  g_return_if_fail (VIGNETTE_IS_WORKERS (self));
  g_return_if_fail (G_IS_TASK (task));

  job = g_new0 (Job, 1);
  job->task = g_object_ref (task);
  job->func = func;
  g_thread_pool_push (self->pool, job, NULL);
}

double
vignette_workers_get_busy_seconds (VignetteWorkers *self)
{
  gint64 usec;

  g_return_val_if_fail (VIGNETTE_IS_WORKERS (self), 0.0);

  g_mutex_lock (&self->stats_lock);
  usec = self->busy_usec;
  g_mutex_unlock (&self->stats_lock);

  return usec / (double) G_USEC_PER_SEC;
}

guint
vignette_workers_get_peak_busy (VignetteWorkers *self)
{
  guint peak;

  g_return_val_if_fail (VIGNETTE_IS_WORKERS (self), 0);

  g_mutex_lock (&self->stats_lock);
  peak = self->peak_busy;
  g_mutex_unlock (&self->stats_lock);

  return peak;
}

/**
 * vignette_workers_get_times:
 * @result: a task that ran on the workers, in its callback
 * @start: (out): when a worker took it
 * @end: (out): when the worker was done with it; the callback may run a
 *   moment before the worker records that, and then gets the time of the
 *   call
 * @worker: (out): which worker, from 1
 *
 * Returns: whether the task ran on a worker
 */
gboolean
vignette_workers_get_times (GAsyncResult *result,
                            gint64       *start,
                            gint64       *end,
                            guint        *worker)
{
  JobTimes *times = g_object_get_qdata (G_OBJECT (result), job_times_quark ());

  if (times == NULL)
    return FALSE;

  *start = times->start;
  *end = times->end ? times->end : g_get_monotonic_time ();
  *worker = times->worker;
  return TRUE;
}

/**
 * vignette_workers_run_func:
 * @func: called on a worker thread with @data and the workers
 *
 * Runs a plain function on the pool, for work that keeps its own state
 * between calls (an image decoded as it downloads); it counts in the
 * workers' figures like a task.
 */
void
vignette_workers_run_func (VignetteWorkers *self,
                           GFunc            func,
                           gpointer         data)
{
  Job *job;

  g_return_if_fail (VIGNETTE_IS_WORKERS (self));

  job = g_new0 (Job, 1);
  job->plain = func;
  job->data = data;
  g_thread_pool_push (self->pool, job, NULL);
}

/**
 * vignette_workers_record_times:
 *
 * From a worker thread: says that @task's work ran from @start to now on
 * this worker, for vignette_workers_get_times(); for work done in pieces
 * by vignette_workers_run_func().
 */
void
vignette_workers_record_times (VignetteWorkers *self,
                               GTask           *task,
                               gint64           start)
{
  JobTimes *times = g_new0 (JobTimes, 1);

  times->start = start;
  times->end = g_get_monotonic_time ();
  times->worker = worker_number (self);
  g_object_set_qdata_full (G_OBJECT (task), job_times_quark (), times, g_free);
}
