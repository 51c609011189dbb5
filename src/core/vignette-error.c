/* vignette-error.c: the engine's error domain
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "vignette-error.h"

G_DEFINE_QUARK (vignette-error-quark, vignette_error)

/* Another library's message, made fit to quote inside one of our
 * sentences: one line (decoders end theirs with "\n" or hold control
 * characters), no runs of spaces, no final full stop, at most 200 bytes. */
char *
vignette_clean_message (const char *message)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = message ? message : ""; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f || *p == ' ')
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, *p);
    }

  while (out->len > 0 && out->str[out->len - 1] == '.')
    g_string_truncate (out, out->len - 1);

  if (out->len > 200)
    {
      const char *end = out->str + 200;

      while (end > out->str && (*end & 0xc0) == 0x80)
        end--;
      g_string_truncate (out, (gsize) (end - out->str));
      g_string_append (out, "…");
    }

  if (!g_utf8_validate (out->str, -1, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, -1);
      g_string_assign (out, valid);
      g_free (valid);
    }

  return g_string_free (out, FALSE);
}
