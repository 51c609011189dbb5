/* vignette-cli.c: the headless front-end, for batch jobs and benchmarks
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit status:
 *   0    every item succeeded
 *   1    some items failed (the others are saved)
 *   2    a usage error, or nothing could be processed
 *   130  interrupted (Ctrl+C): the run was cancelled cleanly
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "vignette-cli-progress.h"
#include "vignette-demo-site.h"
#include "vignette-error.h"
#include "vignette-extractor.h"
#include "vignette-fetcher.h"
#include "vignette-settings.h"
#include "vignette-run.h"
#include "vignette-source.h"
#include "vignette-stats.h"
#include "vignette-thumbnailer.h"
#include "vignette-workers.h"

#define EXIT_SOME_FAILED  1
#define EXIT_USAGE        2
#define EXIT_INTERRUPTED  130

typedef struct {
  GMainLoop    *loop;
  GCancellable *cancellable;
  gboolean      done;
  gboolean      interrupted;
  GError       *error;
} Context;

static gboolean
on_sigint (gpointer data)
{
  Context *ctx = data;

  if (ctx->interrupted)
    {
      /* A second Ctrl+C: the user does not want to wait for the clean-up */
      g_printerr ("\n");
      exit (EXIT_INTERRUPTED);
    }

  ctx->interrupted = TRUE;
  g_printerr ("\n%s\n", _("Cancelling… (press Ctrl+C again to quit at once)"));
  g_cancellable_cancel (ctx->cancellable);

  return G_SOURCE_CONTINUE;
}

static void
on_run_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Context *ctx = data;

  vignette_run_execute_finish (VIGNETTE_RUN (source), result, &ctx->error);
  ctx->done = TRUE;
  g_main_loop_quit (ctx->loop);
}

static void
print_stats (VignetteRun *run,
             guint        jobs,
             guint        per_host,
             gboolean     sequential)
{
  VignetteRunStats stats;
  guint n_sizes;

  vignette_run_get_stats (run, &stats);
  vignette_run_get_sizes (run, &n_sizes);

  /* One JSON object on stdout */
  vignette_stats_printf (stdout, "{\"wall_seconds\": %.3f, \"items_ok\": %u, \"items_failed\": %u, \"items_cancelled\": %u, "
          "\"pages\": %u, \"bytes\": %" G_GUINT64_FORMAT ", \"peak_concurrent_requests\": %u, "
          "\"max_main_loop_stall_ms\": %.2f, \"max_main_loop_stall_cpu_ms\": %.2f, "
          "\"max_main_loop_busy_ms\": %.2f, \"decode_seconds\": %.3f, \"images_per_second\": %.2f, "
          "\"peak_rss_bytes\": %" G_GUINT64_FORMAT ", \"cpu_seconds\": %.3f, \"threads\": %u, "
          "\"peak_busy_workers\": %u, \"jobs\": %u, \"per_host\": %u, \"sequential\": %s, "
          "\"retries\": %u, \"files_written\": %u, \"from_cache\": %u, \"sizes\": %u, \"version\": ",
          stats.wall_seconds, stats.n_done, stats.n_failed, stats.n_cancelled,
          stats.n_pages, stats.bytes_received, stats.peak_requests,
          vignette_stall_monitor_get_max_ms (), vignette_stall_monitor_get_max_stall_cpu_ms (),
          vignette_stall_monitor_get_max_busy_ms (), stats.worker_seconds,
          stats.wall_seconds > 0 ? stats.n_done / stats.wall_seconds : 0.0,
          vignette_get_peak_rss (), vignette_get_cpu_seconds (), stats.threads,
          stats.peak_workers, jobs, per_host, sequential ? "true" : "false",
          stats.n_retries, stats.n_files_written, stats.n_from_cache, n_sizes);
  vignette_stats_print_json_string (stdout, PACKAGE_VERSION);
  printf ("}\n");
  fflush (stdout);
}

static void
set_up_locale (void)
{
  const char *localedir = g_getenv ("VIGNETTE_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VignetteRun) run = NULL;
  g_autoptr(VignetteDemoSite) demo = NULL;
  g_autoptr(VignetteCliProgress) progress = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GFile) output = NULL;
  g_autoptr(GArray) sizes = NULL;
  g_auto(GStrv) sources = NULL;
  g_autofree char *pages = NULL;
  g_autofree char *selector = NULL;
  g_autofree char *output_path = NULL;
  g_autofree char *jobs_text = NULL;
  g_autofree char *per_host_text = NULL;
  g_autofree char *retries_text = NULL;
  g_autofree char *sizes_text = NULL;
  g_autofree char *format_text = NULL;
  g_autofree char *threads_text = NULL;
  g_autofree char *max_pixels_text = NULL;
  g_autofree char *max_bytes_text = NULL;
  g_autofree char *timeout_text = NULL;
  g_autofree char *low_speed_limit_text = NULL;
  g_autofree char *low_speed_time_text = NULL;
  g_autofree char *ca_file = NULL;
  gboolean sequential = FALSE, stats = FALSE, quiet = FALSE, demo_mode = FALSE;
  gboolean recursive = FALSE, no_cache = FALSE, version = FALSE;
  guint64 jobs = VIGNETTE_DEFAULT_JOBS, per_host = VIGNETTE_DEFAULT_PER_HOST;
  guint64 retries = VIGNETTE_DEFAULT_RETRIES, threads = 0, timeout = VIGNETTE_DEFAULT_TIMEOUT;
  guint64 max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS, max_bytes = VIGNETTE_DEFAULT_MAX_BYTES;
  guint64 low_speed_limit = VIGNETTE_DEFAULT_LOW_SPEED_LIMIT, low_speed_time = VIGNETTE_DEFAULT_LOW_SPEED_TIME;
  VignetteFormat format = VIGNETTE_FORMAT_PNG;
  int first_page = 1, last_page = 1;
  Context ctx = { 0 };
  int status;

  const GOptionEntry entries[] = {
    { "pages", 'p', 0, G_OPTION_ARG_STRING, &pages,
      N_("Range for {} in URL templates (default 1-1)"), N_("FIRST-LAST") },
    { "selector", 's', 0, G_OPTION_ARG_STRING, &selector,
      N_("XPath that selects image addresses (default: built-in rules)"), N_("XPATH") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output_path,
      N_("Save thumbnails into DIR/<size>/<name>.<ext> (created if missing)"), N_("DIR") },
    { "jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_text,
      N_("Maximum concurrent connections in total (default 16)"), N_("N") },
    { "per-host", 0, 0, G_OPTION_ARG_STRING, &per_host_text,
      N_("Maximum concurrent connections per host (default 8)"), N_("N") },
    { "retries", 0, 0, G_OPTION_ARG_STRING, &retries_text,
      N_("Retries for transient failures (default 3)"), N_("N") },
    { "sequential", 0, 0, G_OPTION_ARG_NONE, &sequential,
      N_("One item at a time through the whole pipeline (the baseline, for comparison)"), NULL },
    { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes_text,
      N_("Thumbnail bounding boxes in pixels (default 100,200,300,400,500)"), N_("LIST") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_text,
      N_("Output format: png, jpeg or webp (default png)"), N_("FORMAT") },
    { "threads", 't', 0, G_OPTION_ARG_STRING, &threads_text,
      N_("Decoding threads (default: one per CPU)"), N_("N") },
    { "max-pixels", 0, 0, G_OPTION_ARG_STRING, &max_pixels_text,
      N_("Refuse images larger than N pixels (default 100000000)"), N_("N") },
    { "max-bytes", 0, 0, G_OPTION_ARG_STRING, &max_bytes_text,
      N_("Refuse downloads larger than SIZE (default 64M)"), N_("SIZE") },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
      N_("Give up on a request after N seconds (default 120)"), N_("N") },
    { "low-speed-limit", 0, 0, G_OPTION_ARG_STRING, &low_speed_limit_text,
      N_("Give up on a download slower than N bytes a second for --low-speed-time seconds (default 100; 0: never)"), N_("N") },
    { "low-speed-time", 0, 0, G_OPTION_ARG_STRING, &low_speed_time_text,
      N_("Seconds under --low-speed-limit before a download is given up (default 30; 0: never)"), N_("N") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the certificate authorities in FILE (PEM) instead of the system’s"), N_("FILE") },
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &recursive,
      N_("Look into subfolders of local folders"), NULL },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache,
      N_("Neither read nor write the desktop's thumbnail cache for local files"), NULL },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &stats,
      N_("At the end, print figures about the run as one JSON object on standard output"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_("No progress output"), NULL },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo_mode,
      N_("Serve a built-in demo gallery on 127.0.0.1 and fetch it"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Show the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &sources, NULL, N_("SOURCE…") },
    { NULL }
  };

  vignette_tune_allocator ();
  set_up_locale ();
  g_set_prgname ("vignette-cli");

  context = g_option_context_new (_("— make thumbnails of the images of web pages, URLs or folders"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
    _("A SOURCE is a web page address, an image address, a URL template with {} "
      "(expanded over --pages), or a local file or folder.\n\n"
      "Exit status: 0 when every item succeeded, 1 when some failed (the others are "
      "saved), 2 on a usage error or when nothing could be processed, 130 when "
      "interrupted."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto usage_error;

  if (version)
    {
      g_print ("vignette-cli %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if ((jobs_text && !vignette_setting_parse (VIGNETTE_SETTING_JOBS, jobs_text, &jobs, &error)) ||
      (per_host_text && !vignette_setting_parse (VIGNETTE_SETTING_PER_HOST, per_host_text, &per_host, &error)) ||
      (retries_text && !vignette_setting_parse (VIGNETTE_SETTING_RETRIES, retries_text, &retries, &error)) ||
      (threads_text && !vignette_setting_parse (VIGNETTE_SETTING_THREADS, threads_text, &threads, &error)) ||
      (timeout_text && !vignette_setting_parse (VIGNETTE_SETTING_TIMEOUT, timeout_text, &timeout, &error)) ||
      (low_speed_limit_text &&
       !vignette_setting_parse (VIGNETTE_SETTING_LOW_SPEED_LIMIT, low_speed_limit_text, &low_speed_limit, &error)) ||
      (low_speed_time_text &&
       !vignette_setting_parse (VIGNETTE_SETTING_LOW_SPEED_TIME, low_speed_time_text, &low_speed_time, &error)) ||
      (max_pixels_text && !vignette_setting_parse (VIGNETTE_SETTING_MAX_PIXELS, max_pixels_text, &max_pixels, &error)) ||
      (max_bytes_text && !vignette_setting_parse (VIGNETTE_SETTING_MAX_BYTES, max_bytes_text, &max_bytes, &error)) ||
      (pages && !vignette_page_range_parse (pages, &first_page, &last_page, &error)) ||
      (sizes_text && !vignette_sizes_parse (sizes_text, &sizes, &error)) ||
      (format_text && !vignette_format_parse (format_text, &format, &error)))
    goto usage_error;

  if (ca_file != NULL && !g_file_test (ca_file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--ca-file %s is not a readable file."), ca_file);
      goto usage_error;
    }

  if ((sources == NULL || sources[0] == NULL) && !demo_mode)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("Give at least one SOURCE, or --demo."));
      goto usage_error;
    }

  if (output_path != NULL)
    {
      /* Before the main loop starts: a folder that cannot be made is a usage error */
      if (g_mkdir_with_parents (output_path, 0755) != 0)
        {
          int saved_errno = errno;

          g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("The output folder %s cannot be created: %s"),
                       output_path, g_strerror (saved_errno));
          goto usage_error;
        }
      output = g_file_new_for_commandline_arg (output_path);
    }

  run = vignette_run_new ();
  g_object_set (run,
                "jobs", (guint) jobs,
                "per-host", (guint) per_host,
                "retries", (guint) retries,
                "sequential", sequential,
                "threads", (guint) threads,
                "max-pixels", max_pixels,
                "max-bytes", max_bytes,
                "timeout", (guint) timeout,
                "low-speed-limit", (guint) low_speed_limit,
                "low-speed-time", (guint) low_speed_time,
                "ca-file", ca_file,
                "recursive", recursive,
                "use-cache", !no_cache,
                "format", format,
                NULL);
  if (!vignette_run_set_selector (run, selector, &error))
    goto usage_error;
  if (sizes != NULL)
    vignette_run_set_sizes (run, (const guint *) (gpointer) sizes->data, sizes->len);
  vignette_run_set_output (run, output);

  if (demo_mode)
    {
      g_autofree char *template_uri = NULL;

      demo = vignette_demo_site_new ();
      if (!vignette_demo_site_start (demo, &error))
        {
          g_printerr (_("The demo gallery could not start: %s\n"), error->message);
          return EXIT_USAGE;
        }
      template_uri = vignette_demo_site_get_template (demo);
      if (!quiet)
        g_printerr (_("Demo gallery: %s, pages 1 to %u\n"), template_uri,
                    vignette_demo_site_get_n_pages (demo));
      if (!vignette_run_add_source (run, template_uri, 1, (int) vignette_demo_site_get_n_pages (demo), &error))
        goto usage_error;
    }

  for (guint i = 0; sources != NULL && sources[i] != NULL; i++)
    if (!vignette_run_add_source (run, sources[i], first_page, last_page, &error))
      goto usage_error;

  loop = g_main_loop_new (NULL, FALSE);
  cancellable = g_cancellable_new ();
  ctx.loop = loop;
  ctx.cancellable = cancellable;

  vignette_stall_monitor_install (NULL);
  g_unix_signal_add (SIGINT, on_sigint, &ctx);
  g_unix_signal_add (SIGTERM, on_sigint, &ctx);

  progress = vignette_cli_progress_new (run, quiet);
  vignette_run_execute_async (run, cancellable, on_run_done, &ctx);

  if (!ctx.done)
    g_main_loop_run (loop);

  vignette_cli_progress_finish (progress);
  vignette_cli_progress_print_summary (progress);

  if (stats)
    print_stats (run, (guint) jobs, (guint) per_host, sequential);

  if (ctx.interrupted)
    status = EXIT_INTERRUPTED;
  else if (vignette_run_get_n_done (run) == 0)
    status = EXIT_USAGE;
  else if (vignette_run_get_n_failed (run) > 0 || vignette_run_get_n_cancelled (run) > 0)
    status = EXIT_SOME_FAILED;
  else
    status = EXIT_SUCCESS;

  g_clear_error (&ctx.error);
  return status;

usage_error:
  /* Translators: the program's name, then one error sentence */
  g_printerr (_("vignette-cli: %s\n"), error->message);
  g_printerr (_("Try “vignette-cli --help” for more information.\n"));
  return EXIT_USAGE;
}
