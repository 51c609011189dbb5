/* test-hostile-common.c: what every hostile test needs beyond test-utils
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Running a VignetteRun to its end, finding its items, checking that an
 * error is one sentence, looking through an output folder for what should
 * not be there, running vignette-cli, and the images no library writes.
 */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "test-hostile-common.h"

guint
hostile_scaled_ms (guint ms)
{
  const char *factor = g_getenv ("VIGNETTE_TEST_TIMEOUT_FACTOR");
  guint64 value = 1;

  if (factor != NULL)
    g_ascii_string_to_unsigned (factor, 10, 1, 100, &value, NULL);

  return (guint) MIN ((guint64) ms * value, (guint64) G_MAXUINT / 2);
}

const guint hostile_test_sizes[2] = { 100, 50 };

void
hostile_test_init (int    *argc,
                   char ***argv)
{
  vignette_test_init (argc, argv);
  g_test_set_nonfatal_assertions ();
}

/* A run set up for tests: fast retries, two workers, no desktop cache */
VignetteRun *
hostile_run_new (void)
{
  VignetteRun *run = vignette_run_new ();

  g_object_set (run,
                "retries", 1,
                "retry-delay", 10,
                "threads", 2,
                "use-cache", FALSE,
                "timeout", 20,
                NULL);
  vignette_run_set_sizes (run, hostile_test_sizes, G_N_ELEMENTS (hostile_test_sizes));

  return run;
}

void
hostile_on_run_executed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  HostileCompletion *completion = data;

  g_assert_false (completion->done);
  completion->ok = vignette_run_execute_finish (VIGNETTE_RUN (source), result, &completion->error);
  completion->done = TRUE;
}

/* Executes @run and waits until it completes; returns its error, if any */
GError *
hostile_run_execute (VignetteRun  *run,
                     GCancellable *cancellable,
                     guint         timeout_ms)
{
  HostileCompletion completion = { 0 };

  vignette_run_execute_async (run, cancellable, hostile_on_run_executed, &completion);
  vignette_test_spin_until (&completion.done, hostile_scaled_ms (timeout_ms));
  if (!completion.done)
    g_error ("The run did not complete: giving up on this test");

  g_assert_true (completion.ok == (completion.error == NULL));
  return completion.error;
}

void
hostile_run_source (VignetteRun *run,
                    const char  *source)
{
  g_autoptr(GError) error = NULL;

  vignette_run_add_source (run, source, 1, 1, &error);
  g_assert_no_error (error);
}

VignetteItem *
hostile_find_item (VignetteRun *run,
                   const char  *suffix)
{
  GListModel *items = vignette_run_get_items (run);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);

      if (g_str_has_suffix (vignette_item_get_uri (item), suffix))
        return item;  /* the model keeps it alive */
    }

  g_test_fail_printf ("No item ends with %s", suffix);
  return NULL;
}

/* What the user reads: one sentence, in one line, that says what and why */
void
hostile_assert_one_sentence (const char *message)
{
  g_assert_nonnull (message);
  g_assert_cmpuint (strlen (message), >, 10);
  g_assert_cmpuint (strlen (message), <, 1000);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_null (strchr (message, '\n'));
  g_assert_null (strstr (message, "(null)"));
}

void
hostile_assert_failed (VignetteItem *item,
                       const char   *expected)
{
  const char *message;

  if (item == NULL)
    return;

  message = vignette_item_get_error_message (item);
  g_test_message ("%s: %s", vignette_item_get_uri (item), message ? message : "(no message)");
  if (vignette_item_get_state (item) != VIGNETTE_ITEM_STATE_FAILED)
    {
      g_test_fail_printf ("%s is %s, not failed", vignette_item_get_uri (item),
                          vignette_item_state_to_string (vignette_item_get_state (item)));
      return;
    }
  hostile_assert_one_sentence (message);
  if (expected != NULL && message != NULL && strstr (message, expected) == NULL)
    g_test_fail_printf ("“%s” does not say “%s”", message, expected);
}

void
hostile_assert_done (VignetteItem *item)
{
  if (item == NULL)
    return;

  g_test_message ("%s: %s", vignette_item_get_uri (item),
                  vignette_item_get_error_message (item) ? vignette_item_get_error_message (item) : "done");
  if (vignette_item_get_state (item) != VIGNETTE_ITEM_STATE_DONE)
    g_test_fail_printf ("%s is %s, not done", vignette_item_get_uri (item),
                        vignette_item_state_to_string (vignette_item_get_state (item)));
}

/* Every item has reached an end, and the run's counts agree with the items */
void
hostile_assert_all_finished (VignetteRun *run)
{
  GListModel *items = vignette_run_get_items (run);
  guint n_done = 0, n_failed = 0, n_cancelled = 0;

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(VignetteItem) item = g_list_model_get_item (items, i);

      switch (vignette_item_get_state (item))
        {
        case VIGNETTE_ITEM_STATE_DONE:
          n_done++;
          break;
        case VIGNETTE_ITEM_STATE_FAILED:
          hostile_assert_one_sentence (vignette_item_get_error_message (item));
          n_failed++;
          break;
        case VIGNETTE_ITEM_STATE_CANCELLED:
          n_cancelled++;
          break;
        default:
          g_test_fail_printf ("%s is still %s after the run", vignette_item_get_uri (item),
                              vignette_item_state_to_string (vignette_item_get_state (item)));
        }
    }

  g_assert_cmpuint (vignette_run_get_n_done (run), ==, n_done);
  g_assert_cmpuint (vignette_run_get_n_failed (run), ==, n_failed);
  g_assert_cmpuint (vignette_run_get_n_cancelled (run), ==, n_cancelled);
}

/* Relative paths of everything below @dir, folders included, sorted */
static void
hostile_list_tree_into (const char *dir,
                        const char *prefix,
                        GPtrArray  *out)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *relative = prefix ? g_build_filename (prefix, name, NULL) : g_strdup (name);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        hostile_list_tree_into (path, relative, out);
      g_ptr_array_add (out, g_steal_pointer (&relative));
    }
}

static int
hostile_compare_strings (gconstpointer a,
                         gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
hostile_list_tree (const char *dir)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  hostile_list_tree_into (dir, NULL, out);
  g_ptr_array_sort (out, hostile_compare_strings);
  return out;
}

/* The saver's temporary files are ".vignette-XXXXXXXXXXXXXXXX.tmp" */
guint
hostile_count_temp_files (const char *dir)
{
  g_autoptr(GPtrArray) tree = hostile_list_tree (dir);
  guint n = 0;

  for (guint i = 0; i < tree->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (tree, i));

      if (g_str_has_prefix (base, ".vignette-") || g_str_has_suffix (base, ".tmp"))
        {
          g_test_message ("temporary file left: %s/%s", dir, (char *) g_ptr_array_index (tree, i));
          n++;
        }
    }

  return n;
}

/* Every file below @dir is a whole image that decodes */
guint
hostile_assert_files_decode (const char *dir)
{
  g_autoptr(GPtrArray) tree = hostile_list_tree (dir);
  guint n = 0;

  for (guint i = 0; i < tree->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (tree, i), NULL);
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GError) error = NULL;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;

      pixbuf = gdk_pixbuf_new_from_file (path, &error);
      if (pixbuf == NULL)
        g_error ("%s is not a whole image: %s", path, error->message);
      n++;
    }

  return n;
}


static void
on_cli_communicated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  HostileCli *cli = data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &cli->out, &cli->err, &error);
  g_assert_no_error (error);

  if (g_subprocess_get_if_exited (cli->process))
    cli->status = g_subprocess_get_exit_status (cli->process);
  else
    cli->status = 128 + g_subprocess_get_term_sig (cli->process);
  cli->done = TRUE;
}

HostileCli *
hostile_cli_start_full (const char         *cwd,
                        const char * const *prefix,
                        const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("VIGNETTE_CLI");
  const char *wrapper = g_getenv ("VIGNETTE_CLI_WRAPPER");
  g_auto(GStrv) wrapper_argv = NULL;
  HostileCli *cli = g_new0 (HostileCli, 1);

  g_assert_nonnull (path);
  for (guint i = 0; prefix != NULL && prefix[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) prefix[i]);
  if (wrapper != NULL && *wrapper != '\0')
    {
      g_shell_parse_argv (wrapper, NULL, &wrapper_argv, &error);
      g_assert_no_error (error);
      for (guint i = 0; wrapper_argv[i] != NULL; i++)
        g_ptr_array_add (argv, wrapper_argv[i]);
    }
  g_ptr_array_add (argv, (char *) path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  cli->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (cli->process, NULL, NULL, on_cli_communicated, cli);

  return cli;
}

HostileCli *
hostile_cli_start (const char         *cwd,
                   const char * const *args)
{
  return hostile_cli_start_full (cwd, NULL, args);
}

void
hostile_cli_wait (HostileCli *cli,
                  guint       timeout_ms)
{
  vignette_test_spin_until (&cli->done, hostile_scaled_ms (timeout_ms));
  if (!cli->done)
    {
      g_subprocess_force_exit (cli->process);
      while (!cli->done)
        g_main_context_iteration (NULL, TRUE);
    }

  g_test_message ("vignette-cli exited with %d\n--- stdout:\n%s--- stderr:\n%s---",
                  cli->status, cli->out ? cli->out : "", cli->err ? cli->err : "");
}

void
hostile_cli_free (HostileCli *cli)
{
  g_clear_object (&cli->process);
  g_free (cli->out);
  g_free (cli->err);
  g_free (cli);
}

guint
hostile_stats_field (const char *out,
                     const char *field)
{
  g_autofree char *key = g_strdup_printf ("\"%s\": ", field);
  const char *p = strstr (out, key);

  g_assert_nonnull (p);
  return (guint) g_ascii_strtoull (p + strlen (key), NULL, 10);
}


HostileCli *
hostile_cli_run (const char         *cwd,
                 const char * const *args,
                 guint               timeout_ms)
{
  HostileCli *cli = hostile_cli_start (cwd, args);

  hostile_cli_wait (cli, timeout_ms);
  return cli;
}

/* Images no library writes ------------------------------------------------ */

/* A valid PNG, 1 bit per pixel, all black, of any size: its zlib stream is
 * one piece of deflated zero rows repeated, so that even 40 000 × 40 000
 * (200 MB of rows) takes about 200 KB and a moment to build. */
GBytes *
hostile_make_black_png (guint32 width,
                guint32 height)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, 9);
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GByteArray) idat = g_byte_array_new ();
  g_autofree guint8 *rows = NULL;
  gsize row_bytes = 1 + (width + 7) / 8;
  guint rows_per_piece = MAX (1u, MIN (height, (guint) (256 * 1024 / row_bytes)));
  gsize piece = rows_per_piece * row_bytes;
  guint64 total = (guint64) row_bytes * height;
  guint64 done = 0;
  g_autoptr(GBytes) repeat = NULL;
  guint8 header[13];
  guint32 adler;

  rows = g_malloc0 (piece);

  /* zlib header: deflate, 32 KB window, best compression */
  g_byte_array_append (idat, (const guint8 *) "\x78\xda", 2);

  while (done < total)
    {
      gsize length = (gsize) MIN ((guint64) piece, total - done);
      g_autoptr(GBytes) out = NULL;

      /* Pieces after the second are all the same bytes: reuse them */
      if (repeat != NULL && length == piece)
        out = g_bytes_ref (repeat);
      else
        {
          g_autoptr(GByteArray) buffer = g_byte_array_new ();
          const guint8 *input = rows;
          gsize left = length;
          guint8 chunk[65536];

          for (;;)
            {
              g_autoptr(GError) error = NULL;
              gsize read = 0, written = 0;
              GConverterResult result;

              result = g_converter_convert (G_CONVERTER (compressor), input, left, chunk, sizeof chunk,
                                            G_CONVERTER_FLUSH, &read, &written, &error);
              g_assert_no_error (error);
              g_byte_array_append (buffer, chunk, (guint) written);
              input += read;
              left -= read;
              if (left == 0 && result == G_CONVERTER_FLUSHED)
                break;
            }
          out = g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
          if (done > 0 && length == piece && repeat == NULL)
            repeat = g_bytes_ref (out);
        }

      g_byte_array_append (idat, g_bytes_get_data (out, NULL), (guint) g_bytes_get_size (out));
      done += length;
    }

  /* The last block, empty and final */
  g_byte_array_append (idat, (const guint8 *) "\x03\x00", 2);
  /* Adler-32 of zeros: a stays 1, b grows by 1 per byte */
  adler = (guint32) ((total % 65521) << 16) | 1;
  {
    guint8 be[4] = { adler >> 24, adler >> 16, adler >> 8, adler };
    g_byte_array_append (idat, be, 4);
  }

  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  header[0] = width >> 24; header[1] = width >> 16; header[2] = width >> 8; header[3] = width;
  header[4] = height >> 24; header[5] = height >> 16; header[6] = height >> 8; header[7] = height;
  header[8] = 1;   /* bit depth */
  header[9] = 0;   /* greyscale */
  header[10] = header[11] = header[12] = 0;

  {
    const struct { const char *type; const guint8 *data; gsize length; } chunks[] = {
      { "IHDR", header, sizeof header },
      { "IDAT", idat->data, idat->len },
      { "IEND", NULL, 0 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
      {
        g_autoptr(GByteArray) typed = g_byte_array_new ();
        guint32 length = (guint32) chunks[i].length;
        guint8 be_length[4] = { length >> 24, length >> 16, length >> 8, length };
        guint32 crc;
        guint8 be_crc[4];

        g_byte_array_append (typed, (const guint8 *) chunks[i].type, 4);
        if (chunks[i].length > 0)
          g_byte_array_append (typed, chunks[i].data, (guint) chunks[i].length);
        crc = vignette_test_crc32 (typed->data, typed->len);
        be_crc[0] = crc >> 24; be_crc[1] = crc >> 16; be_crc[2] = crc >> 8; be_crc[3] = crc;

        g_byte_array_append (png, be_length, 4);
        g_byte_array_append (png, typed->data, typed->len);
        g_byte_array_append (png, be_crc, 4);
      }
  }

  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

typedef struct {
  GByteArray *out;
  guint32     bits;
  guint       n_bits;
} BitWriter;

static void
bits_put (BitWriter *w,
          guint      code,
          guint      width)
{
  w->bits |= (guint32) code << w->n_bits;
  w->n_bits += width;
  while (w->n_bits >= 8)
    {
      guint8 byte = (guint8) (w->bits & 0xff);

      g_byte_array_append (w->out, &byte, 1);
      w->bits >>= 8;
      w->n_bits -= 8;
    }
}

/* A GIF89a of @n_frames frames, each @size × @size, alternately red and blue.
 * Its LZW data is as plain as LZW gets: a clear code before every two
 * pixels, so that the code width never grows (3 bits) in any decoder. */
GBytes *
hostile_make_gif_frames (guint size,
                      guint n_frames)
{
  GByteArray *gif = g_byte_array_new ();
  static const guint8 head[] = {
    'G', 'I', 'F', '8', '9', 'a',
    0, 0, 0, 0,        /* the canvas size, set below */
    0x81, 0, 0,        /* a global table of 4 colours */
    255, 0, 0,   0, 0, 255,   255, 255, 255,   0, 0, 0,
    0x21, 0xff, 11, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0', 3, 1, 0, 0, 0,
  };

  g_byte_array_append (gif, head, sizeof head);
  gif->data[6] = size & 0xff;
  gif->data[7] = size >> 8;
  gif->data[8] = size & 0xff;
  gif->data[9] = size >> 8;

  for (guint frame = 0; frame < n_frames; frame++)
    {
      const guint8 control[] = { 0x21, 0xf9, 4, 0x04, 2, 0, 0, 0 };  /* 20 ms, keep */
      guint8 descriptor[] = { 0x2c, 0, 0, 0, 0, size & 0xff, size >> 8, size & 0xff, size >> 8, 0 };
      g_autoptr(GByteArray) data = g_byte_array_new ();
      BitWriter w = { data, 0, 0 };
      guint colour = frame % 2;

      for (guint pixel = 0; pixel < size * size; pixel += 2)
        {
          bits_put (&w, 4, 3);                 /* clear */
          bits_put (&w, colour, 3);
          if (pixel + 1 < size * size)
            bits_put (&w, colour, 3);
        }
      bits_put (&w, 5, 3);                     /* end of information */
      if (w.n_bits > 0)
        bits_put (&w, 0, 8 - w.n_bits);

      g_byte_array_append (gif, control, sizeof control);
      g_byte_array_append (gif, descriptor, sizeof descriptor);
      g_byte_array_append (gif, (const guint8 *) "\x02", 1);  /* minimum code size */
      for (guint offset = 0; offset < data->len; offset += 255)
        {
          guint8 n = (guint8) MIN (255u, data->len - offset);

          g_byte_array_append (gif, &n, 1);
          g_byte_array_append (gif, data->data + offset, n);
        }
      g_byte_array_append (gif, (const guint8 *) "\x00", 1);
    }

  g_byte_array_append (gif, (const guint8 *) "\x3b", 1);
  return g_byte_array_free_to_bytes (gif);
}


/* A key and a self-signed certificate for 127.0.0.1, made now */
GTlsCertificate *
hostile_make_certificate (const char *dir)
{
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autoptr(GError) error = NULL;
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    NULL
  };
  g_autofree char *err = NULL;
  int status = -1;

  /* Before anything runs on the loop: nothing waits on it meanwhile */
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("openssl: %s", error ? error->message : err);
      return NULL;
    }

  return g_tls_certificate_new_from_files (cert, key, &error);
}
