/* vignette-names.c: safe, unique file names for what strangers' servers call their images
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A name comes from the last segment of a URL path or from a file name, and
 * the server chooses it. What comes out of here is one path component that
 * cannot climb out of the output folder or hide in it: no separators, no
 * "." or "..", no leading dot, no control characters, valid UTF-8 of bounded
 * length, not a name Windows reserves (the folder may be shared), and unique
 * within a run ignoring case ("x", "x-2", "x-3"). It carries no extension:
 * the saver adds the one of the output format.
 */
#include "config.h"

#include <string.h>

#include "vignette-names.h"

struct _VignetteNames
{
  GHashTable *taken;  /* case-folded stems */
};

static gboolean
is_reserved (const char *stem)
{
  static const char * const reserved[] = { "con", "prn", "aux", "nul" };
  g_autofree char *lower = g_ascii_strdown (stem, -1);
  const char *dot = strchr (lower, '.');
  gsize len = dot ? (gsize) (dot - lower) : strlen (lower);

  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (len == 3 && strncmp (lower, reserved[i], 3) == 0)
      return TRUE;

  return len == 4 && (strncmp (lower, "com", 3) == 0 || strncmp (lower, "lpt", 3) == 0) &&
         lower[3] >= '1' && lower[3] <= '9';
}

static gboolean
is_unwanted (gunichar c)
{
  /* Control characters, separators and what Windows forbids in names */
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
         c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' ||
         c == '<' || c == '>' || c == '|' ||
         c == 0x2028 || c == 0x2029 || c == 0xfeff ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);  /* bidi overrides */
}

/* At most @max bytes, cut on a character boundary, without the trailing
 * dots and spaces that some file systems refuse */
static void
cut_to (GString *str,
        gsize    max)
{
  if (str->len > max)
    {
      const char *end = str->str + max;

      while (end > str->str && (*end & 0xc0) == 0x80)
        end--;
      g_string_truncate (str, (gsize) (end - str->str));
    }

  while (str->len > 0 && (str->str[str->len - 1] == '.' || str->str[str->len - 1] == ' '))
    g_string_truncate (str, str->len - 1);

  if (str->len == 0)
    g_string_assign (str, "image");
}

/**
 * vignette_name_sanitize:
 * @raw: a name as the server or the file system gave it, in any bytes
 *
 * Returns: (transfer full): a safe stem, without extension, never empty
 */
char *
vignette_name_sanitize (const char *raw)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) out = NULL;
  char *dot;
  gsize length;

  valid = g_utf8_make_valid (raw ? raw : "", -1);
  out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_unwanted (c))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }

  /* No extension: the output format decides it */
  dot = strrchr (out->str, '.');
  if (dot != NULL && dot != out->str)
    g_string_truncate (out, (gsize) (dot - out->str));

  /* No leading dots or spaces (hidden files, "..") and no trailing ones */
  length = 0;
  while (out->str[length] == '.' || out->str[length] == ' ' || out->str[length] == '_' ||
         out->str[length] == '-')
    length++;
  g_string_erase (out, 0, (gssize) length);

  /* One byte is kept free for the '_' that a reserved name gets */
  cut_to (out, VIGNETTE_MAX_NAME_BYTES - 1);

  if (is_reserved (out->str))
    g_string_prepend_c (out, '_');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The raw name of what @uri points at: the last path segment, unescaped */
char *
vignette_name_from_uri (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  const char *path;
  const char *last;
  gsize length;
  char *unescaped;

  if (uri == NULL)
    return vignette_name_sanitize (NULL);

  if (g_ascii_strncasecmp (uri, "file:", 5) == 0)
    {
      g_autofree char *filename = g_filename_from_uri (uri, NULL, NULL);

      if (filename != NULL)
        {
          g_autofree char *basename = g_path_get_basename (filename);
          g_autofree char *display = g_filename_display_name (basename);

          return vignette_name_sanitize (display);
        }
    }

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (parsed == NULL)
    return vignette_name_sanitize (uri);

  /* The path alone: a query string never names the file */
  path = g_uri_get_path (parsed);
  length = strlen (path);
  while (length > 0 && path[length - 1] == '/')
    length--;
  last = path + length;
  while (last > path && last[-1] != '/')
    last--;

  if (last == path + length)
    return vignette_name_sanitize (g_uri_get_host (parsed));

  {
    g_autofree char *segment = g_strndup (last, (gsize) (path + length - last));

    /* "%00" makes unescaping fail: keep the escaped text then */
    unescaped = g_uri_unescape_string (segment, NULL);
    if (unescaped == NULL)
      return vignette_name_sanitize (segment);
  }

  {
    char *sanitized = vignette_name_sanitize (unescaped);
    g_free (unescaped);
    return sanitized;
  }
}

VignetteNames *
vignette_names_new (void)
{
  VignetteNames *self = g_new0 (VignetteNames, 1);

  self->taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
vignette_names_free (VignetteNames *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->taken);
  g_free (self);
}

/* A stem that no other item of this run has, case ignored */
char *
vignette_names_claim (VignetteNames *self,
                      const char    *uri)
{
  g_autofree char *stem = vignette_name_from_uri (uri);

  for (guint n = 1; ; n++)
    {
      g_autofree char *suffix = n == 1 ? g_strdup ("") : g_strdup_printf ("-%u", n);
      g_autoptr(GString) base = g_string_new (stem);
      g_autofree char *candidate = NULL;
      char *key;

      /* The suffix must fit in the limit too */
      cut_to (base, VIGNETTE_MAX_NAME_BYTES - strlen (suffix));
      candidate = g_strconcat (base->str, suffix, NULL);
      key = g_utf8_casefold (candidate, -1);

      if (!g_hash_table_contains (self->taken, key))
        {
          g_hash_table_add (self->taken, key);
          return g_steal_pointer (&candidate);
        }
      g_free (key);
    }
}
