/* fuzz-replay.c: runs a fuzz harness over saved inputs, without libFuzzer
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linked with one harness in ordinary builds (gcc, the sanitizer build, valgrind),
 * so that the seed corpus and every input that once crashed stay regression
 * tests of `meson test`. Arguments are files or folders of inputs; a harness
 * reports a broken invariant by aborting, which fails the test.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint n_inputs;

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);

  printf ("replaying %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  fflush (stdout);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  n_inputs++;
}

static void
replay_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  /* Git keeps no empty folder: a harness may have no hand-made seeds */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      printf ("no inputs at %s\n", path);
      return;
    }

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      replay_file (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    g_error ("cannot open %s", path);

  /* In a stable order, so that a failure names the same input every time */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);

      replay_file (child);
    }
}

int
main (int    argc,
      char **argv)
{
  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    {
      /* GLib test options that a runner passes to every test of a suite
       * (tools/test-valgrind skips one with -s PATH): not inputs */
      if (g_str_equal (argv[i], "-s") || g_str_equal (argv[i], "-p"))
        {
          i++;
          continue;
        }
      if (argv[i][0] == '-')
        continue;
      replay_path (argv[i]);
    }

  printf ("%u inputs replayed\n", n_inputs);
  return n_inputs > 0 ? 0 : 1;
}
