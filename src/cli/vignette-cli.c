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

static gboolean
parse_count (const char  *option,
             const char  *value,
             guint64      min,
             guint64      max,
             guint64     *out,
             GError     **error)
{
  if (!g_ascii_string_to_unsigned (value, 10, min, max, out, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* Translators: "--jobs must be a whole number from 1 to 256, not “x”." */
                   _("%s must be a whole number from %" PRIu64 " to %" PRIu64 ", not “%s”."),
                   option, (uint64_t) min, (uint64_t) max, value);
      return FALSE;
    }

  return TRUE;
}

/* "64M", "200k", "1G" or bytes */
static gboolean
parse_byte_size (const char  *value,
                 guint64     *out,
                 GError     **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (value));
  gsize length = strlen (copy);
  guint64 multiplier = 1;
  guint64 number;

  if (length > 0)
    switch (g_ascii_toupper (copy[length - 1]))
      {
      case 'K': multiplier = 1024; break;
      case 'M': multiplier = 1024 * 1024; break;
      case 'G': multiplier = 1024 * 1024 * 1024; break;
      default: break;
      }
  if (multiplier != 1)
    copy[length - 1] = '\0';

  if (!g_ascii_string_to_unsigned (copy, 10, 1, G_MAXUINT32 / multiplier, &number, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--max-bytes must be a size such as 64M, 500K or 1G, not “%s”."), value);
      return FALSE;
    }

  *out = number * multiplier;
  return TRUE;
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
  gboolean sequential = FALSE, stats = FALSE, quiet = FALSE, demo_mode = FALSE;
  gboolean recursive = FALSE, no_cache = FALSE, version = FALSE;
  guint64 jobs = VIGNETTE_DEFAULT_JOBS, per_host = VIGNETTE_DEFAULT_PER_HOST;
  guint64 retries = VIGNETTE_DEFAULT_RETRIES, threads = 0, timeout = VIGNETTE_DEFAULT_TIMEOUT;
  guint64 max_pixels = VIGNETTE_DEFAULT_MAX_PIXELS, max_bytes = VIGNETTE_DEFAULT_MAX_BYTES;
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

  if ((jobs_text && !parse_count ("--jobs", jobs_text, 1, 256, &jobs, &error)) ||
      (per_host_text && !parse_count ("--per-host", per_host_text, 1, 256, &per_host, &error)) ||
      (retries_text && !parse_count ("--retries", retries_text, 0, 100, &retries, &error)) ||
      (threads_text && !parse_count ("--threads", threads_text, 1, 64, &threads, &error)) ||
      (timeout_text && !parse_count ("--timeout", timeout_text, 1, 3600, &timeout, &error)) ||
      (max_pixels_text && !parse_count ("--max-pixels", max_pixels_text, 1, G_MAXUINT64, &max_pixels, &error)) ||
      (max_bytes_text && !parse_byte_size (max_bytes_text, &max_bytes, &error)) ||
      (pages && !vignette_page_range_parse (pages, &first_page, &last_page, &error)) ||
      (sizes_text && !vignette_sizes_parse (sizes_text, &sizes, &error)) ||
      (format_text && !vignette_format_parse (format_text, &format, &error)) ||
      (selector && !vignette_selector_check (selector, &error)))
    goto usage_error;

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
                "selector", selector,
                "threads", (guint) threads,
                "max-pixels", max_pixels,
                "max-bytes", max_bytes,
                "timeout", (guint) timeout,
                "recursive", recursive,
                "use-cache", !no_cache,
                "format", format,
                NULL);
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
