/* test-hostile-common.h: what every hostile test needs beyond test-utils
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vignette-error.h"
#include "vignette-fetcher.h"
#include "vignette-run.h"

#include "test-images.h"
#include "test-utils.h"

G_BEGIN_DECLS

/* How long a test may wait: @ms multiplied by $VIGNETTE_TEST_TIMEOUT_FACTOR,
 * which tools/test-valgrind and tools/test-sanitizers raise. The bounds are
 * there to fail a hang, never to time the engine. */
guint          hostile_scaled_ms            (guint               ms);

/* The thumbnail sizes of hostile_run_new() */
extern const guint hostile_test_sizes[2];

/* vignette_test_init(), with assertions that go on after a failure: one
 * engine bug must not hide the others that the following tests would find */
void           hostile_test_init            (int                *argc,
                                             char             ***argv);

/* A run set up for tests: one retry 10 ms later, two workers, no desktop
 * cache, 20 s timeout, sizes 100 and 50 */
VignetteRun   *hostile_run_new              (void);
void           hostile_run_source           (VignetteRun        *run,
                                             const char         *source);

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} HostileCompletion;

/* The callback of vignette_run_execute_async() for a HostileCompletion */
void           hostile_on_run_executed      (GObject            *source,
                                             GAsyncResult       *result,
                                             gpointer            completion);
/* Executes @run and waits until it completes; returns its error, if any */
GError        *hostile_run_execute          (VignetteRun        *run,
                                             GCancellable       *cancellable,
                                             guint               timeout_ms);

/* The item whose address ends with @suffix (transfer none), or %NULL and
 * the test fails; the assertions below accept that %NULL */
VignetteItem  *hostile_find_item            (VignetteRun        *run,
                                             const char         *suffix);
/* What the user reads: one sentence, on one line */
void           hostile_assert_one_sentence  (const char         *message);
/* FAILED, with a one-sentence message that contains @expected (if not NULL) */
void           hostile_assert_failed        (VignetteItem       *item,
                                             const char         *expected);
void           hostile_assert_done          (VignetteItem       *item);
/* Every item has reached an end, and the run's counts agree with them */
void           hostile_assert_all_finished  (VignetteRun        *run);

/* Relative paths of everything below @dir, folders included, sorted */
GPtrArray     *hostile_list_tree            (const char         *dir);
/* The saver's temporary files (".vignette-….tmp") left below @dir */
guint          hostile_count_temp_files     (const char         *dir);
/* Every file below @dir is a whole image; returns how many there are */
guint          hostile_assert_files_decode  (const char         *dir);

/* vignette-cli ($VIGNETTE_CLI) as a subprocess, in a folder of our choosing
 * and with a handle (for signals), while the main loop spins so that servers
 * in this process answer it. $VIGNETTE_CLI_WRAPPER, when set, is a command
 * to run it under (tools/test-valgrind uses it). */
typedef struct {
  GSubprocess *process;
  gboolean     done;
  char        *out;
  char        *err;
  int          status;   /* the exit status, or 128 + signal */
} HostileCli;

/* @prefix: (nullable): a command that runs the CLI, such as unshare */
HostileCli    *hostile_cli_start_full       (const char         *cwd,
                                             const char * const *prefix,
                                             const char * const *args);
HostileCli    *hostile_cli_start            (const char         *cwd,
                                             const char * const *args);
void           hostile_cli_wait             (HostileCli         *cli,
                                             guint               timeout_ms);
HostileCli    *hostile_cli_run              (const char         *cwd,
                                             const char * const *args,
                                             guint               timeout_ms);
void           hostile_cli_free             (HostileCli         *cli);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostileCli, hostile_cli_free)

/* A whole-number field of the CLI's --stats line; asserts that it is there */
guint          hostile_stats_field          (const char         *out,
                                             const char         *field);

/* Images no library writes */
/* A valid 1-bit black PNG of any size, tiny even for 100 000 × 100 000 */
GBytes        *hostile_make_black_png       (guint32             width,
                                             guint32             height);
/* A GIF of @n_frames frames of @size × @size, alternately red and blue */
GBytes        *hostile_make_gif_frames      (guint               size,
                                             guint               n_frames);
/* A key and a self-signed certificate for 127.0.0.1 made by openssl in
 * @dir, or %NULL when openssl is missing */
GTlsCertificate *hostile_make_certificate   (const char         *dir);

G_END_DECLS
