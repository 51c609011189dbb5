/* fuzz-names.c: libFuzzer harness for the file-name sanitiser and unique names
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whatever a server calls its image, the name we save it under must be one
 * safe path component. The invariants are asserted here, so a violation is a
 * crash that libFuzzer saves and minimises, like any memory error.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vignette-names.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
fail (const char *what,
      const char *name,
      const char *input)
{
  g_printerr ("fuzz-names: %s\n  name:  \"%s\"\n  input: \"%s\"\n", what, name, input);
  abort ();
}

static void
check_name (const char *name,
            const char *input)
{
  const char *p;

  if (name == NULL || *name == '\0')
    fail ("empty name", "", input);
  if (!g_utf8_validate (name, -1, NULL))
    fail ("not valid UTF-8", name, input);
  if (strlen (name) > VIGNETTE_MAX_NAME_BYTES)
    fail ("longer than VIGNETTE_MAX_NAME_BYTES", name, input);
  if (name[0] == '.')
    fail ("leading dot", name, input);
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    fail ("a relative path component", name, input);

  for (p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\')
        fail ("a path separator", name, input);
      if (g_unichar_iscntrl (c))
        fail ("a control character", name, input);
    }
}

static char *
nul_terminated (const uint8_t *data,
                size_t         size)
{
  char *text = g_malloc (size + 1);

  memcpy (text, data, size);
  text[size] = '\0';
  return text;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = NULL;
  g_autofree char *escaped_input = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(VignetteNames) names = NULL;
  g_autoptr(GHashTable) claimed = NULL;

  if (size > 4096)
    return 0;

  /* The input stops at its first NUL byte, as a C string from a server would */
  input = nul_terminated (data, size);
  escaped_input = g_strescape (input, NULL);

  {
    g_autofree char *name = vignette_name_sanitize (input);
    check_name (name, escaped_input);
  }

  /* The same bytes as a whole address, as a path below a web server, and as a file */
  {
    g_autofree char *name = vignette_name_from_uri (input);
    check_name (name, escaped_input);
  }
  {
    g_autofree char *uri = g_strconcat ("http://example.com/a/", input, NULL);
    g_autofree char *name = vignette_name_from_uri (uri);
    check_name (name, escaped_input);
  }
  {
    g_autofree char *uri = g_strconcat ("file:///tmp/", input, NULL);
    g_autofree char *name = vignette_name_from_uri (uri);
    check_name (name, escaped_input);
  }

  /* One address per line, claimed in a run: every name unique, case ignored,
   * and within the same limits as a single name (a "-2" suffix included) */
  names = vignette_names_new ();
  claimed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (input, "\n", 64);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *name = vignette_names_claim (names, lines[i]);
      g_autofree char *name_again = vignette_names_claim (names, lines[i]);
      g_autofree char *folded = NULL;
      g_autofree char *folded_again = NULL;

      check_name (name, escaped_input);
      check_name (name_again, escaped_input);

      folded = g_utf8_casefold (name, -1);
      folded_again = g_utf8_casefold (name_again, -1);
      if (!g_hash_table_add (claimed, g_steal_pointer (&folded)))
        fail ("a name claimed twice", name, escaped_input);
      if (!g_hash_table_add (claimed, g_steal_pointer (&folded_again)))
        fail ("a name claimed twice", name_again, escaped_input);
    }

  return 0;
}
