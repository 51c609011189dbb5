/* vignette-source.c: what the user typed, turned into the items a run starts from
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "vignette-error.h"
#include "vignette-source.h"

static gboolean
parse_page_number (const char  *text,
                   const char  *end,
                   int         *page)
{
  guint64 value = 0;

  if (text == end)
    return FALSE;

  for (const char *p = text; p < end; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
      if (value > G_MAXINT)
        return FALSE;
    }

  *page = (int) value;
  return TRUE;
}

/* "3" or "1-10"; pages are numbered from 0 or 1, as the site does */
gboolean
vignette_page_range_parse (const char  *text,
                           int         *first,
                           int         *last,
                           GError     **error)
{
  g_autofree char *stripped = NULL;
  const char *dash;
  const char *end;
  int a, b;

  g_return_val_if_fail (text != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  end = stripped + strlen (stripped);
  dash = strchr (stripped, '-');

  if (dash == NULL)
    {
      if (!parse_page_number (stripped, end, &a))
        goto invalid;
      b = a;
    }
  else
    {
      const char *second = dash + 1;
      const char *first_end = dash;

      while (first_end > stripped && g_ascii_isspace (first_end[-1]))
        first_end--;
      while (*second != '\0' && g_ascii_isspace (*second))
        second++;

      if (!parse_page_number (stripped, first_end, &a) ||
          !parse_page_number (second, end, &b))
        goto invalid;
    }

  if (a > b)
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE,
                   _("The page range “%s” is backwards: the first page comes after the last."),
                   stripped);
      return FALSE;
    }

  if ((gint64) b - (gint64) a + 1 > VIGNETTE_MAX_PAGES)
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE,
                   _("The page range “%s” has more than %d pages."),
                   stripped, VIGNETTE_MAX_PAGES);
      return FALSE;
    }

  *first = a;
  *last = b;
  return TRUE;

invalid:
  g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE,
               _("“%s” is not a page range: write a page number or FIRST-LAST, such as 1-10."),
               stripped);
  return FALSE;
}

gboolean
vignette_source_is_template (const char *text)
{
  return text != NULL && strstr (text, "{}") != NULL;
}

char *
vignette_source_expand_template (const char *template_text,
                                 int         page)
{
  g_autoptr(GString) str = g_string_new (template_text);
  g_autofree char *number = g_strdup_printf ("%d", page);

  g_string_replace (str, "{}", number, 0);
  return g_string_free (g_steal_pointer (&str), FALSE);
}

gboolean
vignette_uri_is_http (const char *uri)
{
  return uri != NULL &&
         (g_ascii_strncasecmp (uri, "http://", 7) == 0 ||
          g_ascii_strncasecmp (uri, "https://", 8) == 0);
}

/* "example.com/gallery" is meant as a web address, as in a browser's
 * address bar; "photos" or "./example.com" are local paths. */
static gboolean
looks_like_host (const char *text)
{
  const char *end = strchr (text, '/');
  const char *dot = NULL;
  gsize len = end ? (gsize) (end - text) : strlen (text);

  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '.')
        dot = text + i;
      else if (c == ':' && i > 0)
        break;
      else if (!g_ascii_isalnum (c) && c != '-')
        return FALSE;
    }

  if (dot == NULL || dot == text || !g_ascii_isalpha (dot[1]))
    return FALSE;

  /* "holiday.jpg" is a file in the current folder: no top-level domain is
   * an image or page extension */
  {
    static const char * const extensions[] = {
      "jpg", "jpeg", "jpe", "png", "gif", "webp", "bmp", "tif", "tiff", "svg", "svgz", "avif",
      "heic", "jxl", "ico", "htm", "html", "xhtml",
    };
    g_autofree char *last = g_ascii_strdown (dot + 1, (gssize) (text + len - dot - 1));

    for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
      if (strcmp (last, extensions[i]) == 0)
        return FALSE;
  }

  return TRUE;
}

static char *
normalize_http (const char  *text,
                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;

  uri = g_uri_parse (text, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                   _("“%s” is not a valid web address."), text);
      return NULL;
    }

  return g_uri_to_string (uri);
}

/**
 * vignette_source_classify:
 * @text: what the user typed
 * @type: (out): what it is
 * @normalized: (out): an absolute http(s) address, a template, or a file:// URI
 *
 * Decides without touching the disk or the network what @text is; whether a
 * local path is a folder or a file is found out later, asynchronously.
 */
gboolean
vignette_source_classify (const char          *text,
                          VignetteSourceType  *type,
                          char               **normalized,
                          GError             **error)
{
  g_autofree char *stripped = NULL;
  const char *scheme = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  if (*stripped == '\0')
    {
      g_set_error_literal (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                           _("Type a web address, a URL template with {} or a folder."));
      return FALSE;
    }

  if (!g_utf8_validate (stripped, -1, NULL))
    {
      g_set_error_literal (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                           _("The address is not valid text (UTF-8)."));
      return FALSE;
    }

  scheme = g_uri_peek_scheme (stripped);

  if (scheme == NULL && stripped[0] != '/' && stripped[0] != '.' && stripped[0] != '~' &&
      looks_like_host (stripped))
    {
      char *with_scheme = g_strconcat ("https://", stripped, NULL);

      g_free (stripped);
      stripped = with_scheme;
      scheme = "https";
    }

  if (g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0)
    {
      if (vignette_source_is_template (stripped))
        {
          g_autofree char *sample = vignette_source_expand_template (stripped, 1);
          g_autofree char *checked = normalize_http (sample, error);

          if (checked == NULL)
            return FALSE;

          *type = VIGNETTE_SOURCE_TEMPLATE;
          *normalized = g_steal_pointer (&stripped);
          return TRUE;
        }

      *normalized = normalize_http (stripped, error);
      if (*normalized == NULL)
        return FALSE;
      *type = VIGNETTE_SOURCE_URL;
      return TRUE;
    }

  if (g_strcmp0 (scheme, "file") == 0)
    {
      g_autofree char *path = g_filename_from_uri (stripped, NULL, NULL);

      if (path == NULL)
        {
          g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                       _("“%s” is not a valid file address."), stripped);
          return FALSE;
        }
      *type = VIGNETTE_SOURCE_LOCAL;
      *normalized = g_filename_to_uri (path, NULL, NULL);
      return TRUE;
    }

  /* Windows drive letters ("C:\…") are not schemes, but this is a Unix app */
  if (scheme != NULL)
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                   _("“%s:” addresses are not supported: use http, https, or a local file or folder."),
                   scheme);
      return FALSE;
    }

  {
    g_autofree char *path = NULL;
    g_autoptr(GFile) file = NULL;

    if (stripped[0] == '~' && (stripped[1] == '/' || stripped[1] == '\0'))
      path = g_build_filename (g_get_home_dir (), stripped + 1, NULL);
    else
      path = g_filename_from_utf8 (stripped, -1, NULL, NULL, NULL);

    if (path == NULL)
      {
        g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SOURCE,
                     _("“%s” is not a valid file name."), stripped);
        return FALSE;
      }

    file = g_file_new_for_commandline_arg (path);
    *type = VIGNETTE_SOURCE_LOCAL;
    *normalized = g_file_get_uri (file);
    return TRUE;
  }
}

/**
 * vignette_source_expand:
 *
 * Returns: (transfer full) (element-type VignetteItem): the first items of a
 *   run, one per address, per page of a template, or per local path
 */
GPtrArray *
vignette_source_expand (const char  *text,
                        int          first_page,
                        int          last_page,
                        GError     **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *normalized = NULL;
  VignetteSourceType type;

  if (!vignette_source_classify (text, &type, &normalized, error))
    return NULL;

  switch (type)
    {
    case VIGNETTE_SOURCE_URL:
      g_ptr_array_add (items, vignette_item_new (VIGNETTE_ITEM_KIND_URL, normalized, NULL));
      break;

    case VIGNETTE_SOURCE_TEMPLATE:
      if (first_page > last_page || (gint64) last_page - first_page + 1 > VIGNETTE_MAX_PAGES)
        {
          g_set_error_literal (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_RANGE,
                               _("The page range is empty or too long."));
          return NULL;
        }
      for (int page = first_page; page <= last_page; page++)
        {
          g_autofree char *expanded = vignette_source_expand_template (normalized, page);
          g_autofree char *uri = normalize_http (expanded, error);

          if (uri == NULL)
            return NULL;
          g_ptr_array_add (items, vignette_item_new (VIGNETTE_ITEM_KIND_URL, uri, NULL));
        }
      break;

    case VIGNETTE_SOURCE_LOCAL:
      g_ptr_array_add (items, vignette_item_new (VIGNETTE_ITEM_KIND_LOCAL, normalized, NULL));
      break;

    default:
      g_assert_not_reached ();
    }

  return g_steal_pointer (&items);
}
