/* vignette-extractor.c: image addresses out of an HTML page, with libxml2 and XPath
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here runs on a worker thread: parsing a large page takes tens of
 * milliseconds, which the main loop cannot spare. libxml2 is thread-safe for
 * separate documents once xmlInitParser() has run on the main thread.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "vignette-error.h"
#include "vignette-extractor.h"

typedef struct {
  char       *base_uri;
  gboolean    allow_file;
  GHashTable *seen;
  GPtrArray  *uris;
  GHashTable *consumed;  /* <img> elements already given by an enclosing <a> or <picture> */
} Extraction;

static void
silent_generic_error (void       *ctx,
                      const char *msg,
                      ...)
{
}

static void
silent_structured_error (void        *ctx,
                         xmlErrorPtr  error)
{
}

/* libxml2 keeps its error handlers per thread */
static void
quiet_libxml (void)
{
  xmlSetGenericErrorFunc (NULL, silent_generic_error);
  xmlSetStructuredErrorFunc (NULL, silent_structured_error);
}

void
vignette_extractor_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      xmlInitParser ();
      g_once_init_leave (&initialized, 1);
    }
}

static gboolean
is_uri_char (guchar c)
{
  return g_ascii_isalnum (c) || strchr ("-._~:/?#[]@!$&'()*+,;=", c) != NULL;
}

/* Percent-encodes what may not appear in a URI (spaces, non-ASCII bytes,
 * quotes…) and drops tabs and newlines, as browsers do with attribute values. */
static char *
escape_reference (const char *reference)
{
  GString *out = g_string_sized_new (strlen (reference) + 8);

  for (const guchar *p = (const guchar *) reference; *p != '\0'; p++)
    {
      if (*p == '\t' || *p == '\n' || *p == '\r')
        continue;
      if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        g_string_append_c (out, '%');
      else if (is_uri_char (*p))
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }

  return g_string_free (out, FALSE);
}

/**
 * vignette_resolve_uri:
 *
 * Returns: (nullable): @reference made absolute against @base_uri, without
 *   its fragment, or %NULL when it cannot be
 */
char *
vignette_resolve_uri (const char *base_uri,
                      const char *reference)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *resolved = NULL;
  g_autoptr(GUri) uri = NULL;
  char *hash;

  if (reference == NULL)
    return NULL;

  trimmed = g_strstrip (g_strdup (reference));
  if (*trimmed == '\0' || !g_utf8_validate (trimmed, -1, NULL))
    return NULL;

  escaped = escape_reference (trimmed);
  resolved = g_uri_resolve_relative (base_uri, escaped,
                                     G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED,
                                     NULL);
  if (resolved == NULL)
    return NULL;

  hash = strchr (resolved, '#');
  if (hash != NULL)
    *hash = '\0';

  uri = g_uri_parse (resolved, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri == NULL)
    return NULL;

  /* GUri decodes the host whatever the flags: an international name goes to
   * its ASCII form, and anything that is not a host name is refused rather
   * than written back raw */
  if (g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0')
    {
      const char *host = g_uri_get_host (uri);
      g_autofree char *ascii = g_hostname_is_non_ascii (host) ? g_hostname_to_ascii (host) : NULL;
      const char *checked = ascii ? ascii : host;

      if (ascii == NULL && g_hostname_is_non_ascii (host))
        return NULL;

      for (const char *p = checked; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && strchr ("-._~:[]", *p) == NULL)
          return NULL;

      if (ascii != NULL)
        {
          GUri *rebuilt = g_uri_build (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                                       ascii, g_uri_get_port (uri), g_uri_get_path (uri),
                                       g_uri_get_query (uri), NULL);
          g_uri_unref (uri);
          uri = rebuilt;
        }
    }

  return g_uri_to_string (uri);
}

static gboolean
has_image_extension (const char *uri)
{
  static const char * const extensions[] = {
    ".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff",
    ".svg", ".avif", ".ico", ".jxl", ".heic",
  };
  g_autofree char *path = NULL;
  const char *end;

  end = strpbrk (uri, "?#");
  path = g_ascii_strdown (uri, end ? end - uri : -1);

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (path, extensions[i]))
      return TRUE;

  return FALSE;
}

/* A spacer GIF or an inline placeholder stands in for the real image that a
 * lazy-loading script will put in place. */
static gboolean
is_placeholder (const char *value)
{
  static const char * const hints[] = {
    "spacer", "blank.", "pixel.", "1x1", "placeholder", "transparent.", "lazy.", "loading.",
  };
  g_autofree char *lower = NULL;
  const char *slash;

  while (g_ascii_isspace (*value))
    value++;
  if (g_ascii_strncasecmp (value, "data:", 5) == 0 || *value == '\0')
    return TRUE;

  lower = g_ascii_strdown (value, -1);
  slash = strrchr (lower, '/');
  for (guint i = 0; i < G_N_ELEMENTS (hints); i++)
    if (strstr (slash ? slash : lower, hints[i]) != NULL)
      return TRUE;

  return FALSE;
}

static gboolean
is_html_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/**
 * vignette_srcset_pick_best:
 *
 * Parses a `srcset` as the HTML standard does and picks the candidate with
 * the largest width descriptor, else the largest density.
 *
 * Returns: (nullable): the URL of the best candidate, still relative
 */
char *
vignette_srcset_pick_best (const char *srcset)
{
  g_autofree char *best = NULL;
  double best_w = -1, best_x = -1;
  const char *p = srcset;

  if (srcset == NULL)
    return NULL;

  while (*p != '\0')
    {
      const char *url_start, *url_end, *desc_start;
      g_autofree char *url = NULL;
      g_autofree char *descriptors = NULL;
      double w = -1, x = 1;
      int depth = 0;

      while (*p != '\0' && (is_html_space (*p) || *p == ','))
        p++;
      if (*p == '\0')
        break;

      url_start = p;
      while (*p != '\0' && !is_html_space (*p))
        p++;
      url_end = p;

      /* A URL that ends with commas has no descriptors */
      if (url_end > url_start && url_end[-1] == ',')
        {
          while (url_end > url_start && url_end[-1] == ',')
            url_end--;
          desc_start = p;
        }
      else
        {
          desc_start = p;
          while (*p != '\0' && (depth > 0 || *p != ','))
            {
              if (*p == '(')
                depth++;
              else if (*p == ')' && depth > 0)
                depth--;
              p++;
            }
        }

      url = g_strndup (url_start, (gsize) (url_end - url_start));
      descriptors = g_strndup (desc_start, (gsize) (p - desc_start));

      {
        g_auto(GStrv) tokens = g_strsplit_set (g_strstrip (descriptors), " \t\n\r\f", -1);

        for (guint i = 0; tokens[i] != NULL; i++)
          {
            gsize len = strlen (tokens[i]);
            char *end = NULL;
            double value;

            if (len < 2)
              continue;
            value = g_ascii_strtod (tokens[i], &end);
            if (end == NULL || end != tokens[i] + len - 1 || value <= 0)
              continue;
            if (tokens[i][len - 1] == 'w')
              w = value;
            else if (tokens[i][len - 1] == 'x')
              x = value;
          }
      }

      if (*url == '\0' || g_ascii_strncasecmp (url, "data:", 5) == 0)
        continue;

      if (w > best_w || (w == best_w && x > best_x))
        {
          best_w = w;
          best_x = x;
          g_free (best);
          best = g_steal_pointer (&url);
        }
    }

  return g_steal_pointer (&best);
}

static char *
get_attr (xmlNode    *node,
          const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *copy;

  if (value == NULL)
    return NULL;

  copy = g_strdup ((const char *) value);
  xmlFree (value);

  if (!g_utf8_validate (copy, -1, NULL))
    {
      char *valid = g_utf8_make_valid (copy, -1);
      g_free (copy);
      copy = valid;
    }

  return copy;
}

static gboolean
node_is (xmlNode    *node,
         const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->name != NULL &&
         g_ascii_strcasecmp ((const char *) node->name, name) == 0;
}

static void
add_candidate (Extraction *ex,
               const char *value)
{
  g_autofree char *uri = NULL;

  if (value == NULL || ex->uris->len >= VIGNETTE_MAX_IMAGES_PER_PAGE)
    return;

  uri = vignette_resolve_uri (ex->base_uri, value);
  if (uri == NULL)
    return;

  if (!(g_ascii_strncasecmp (uri, "http://", 7) == 0 ||
        g_ascii_strncasecmp (uri, "https://", 8) == 0 ||
        (ex->allow_file && g_ascii_strncasecmp (uri, "file:", 5) == 0)))
    return;

  if (g_hash_table_contains (ex->seen, uri))
    return;

  g_hash_table_add (ex->seen, g_strdup (uri));
  g_ptr_array_add (ex->uris, g_steal_pointer (&uri));
}

static char *
best_from_srcset_attr (xmlNode    *node,
                       const char *name)
{
  g_autofree char *srcset = get_attr (node, name);

  return srcset ? vignette_srcset_pick_best (srcset) : NULL;
}

/* One <img> is one item: the best of its attributes gives the address */
static char *
img_best_uri (xmlNode *img)
{
  static const char * const lazy_attrs[] = {
    "data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-hi-res",
  };
  g_autofree char *src = NULL;
  g_autofree char *width = NULL;
  g_autofree char *height = NULL;
  char *best;

  if ((best = best_from_srcset_attr (img, "srcset")) != NULL)
    return best;
  if ((best = best_from_srcset_attr (img, "data-srcset")) != NULL)
    return best;

  for (guint i = 0; i < G_N_ELEMENTS (lazy_attrs); i++)
    {
      g_autofree char *value = get_attr (img, lazy_attrs[i]);

      if (value != NULL && !is_placeholder (value))
        return g_steal_pointer (&value);
    }

  src = get_attr (img, "src");
  if (src == NULL || is_placeholder (src))
    return NULL;

  /* A 1×1 image is a tracking pixel, not a picture */
  width = get_attr (img, "width");
  height = get_attr (img, "height");
  if (g_strcmp0 (width, "1") == 0 && g_strcmp0 (height, "1") == 0)
    return NULL;

  return g_steal_pointer (&src);
}

static gboolean
source_type_is_readable (xmlNode *source)
{
  g_autofree char *type = get_attr (source, "type");

  if (type == NULL)
    return TRUE;

  return g_ascii_strncasecmp (type, "image/avif", 10) != 0 &&
         g_ascii_strncasecmp (type, "image/jxl", 9) != 0 &&
         g_ascii_strncasecmp (type, "image/heic", 10) != 0;
}

/* The node after @node and its descendants, within @root (NULL: the document) */
static xmlNode *
next_after_subtree (xmlNode *node,
                    xmlNode *root)
{
  while (node != NULL && node != root)
    {
      if (node->next != NULL)
        return node->next;
      node = node->parent;
    }

  return NULL;
}

/* Document order within @root */
static xmlNode *
next_in_subtree (xmlNode *node,
                 xmlNode *root)
{
  if (node->children != NULL && node->type == XML_ELEMENT_NODE)
    return node->children;

  return next_after_subtree (node, root);
}

/* Document order within @root, passing over a nested <a> or <picture>: it
 * answers for its own images, and not descending into it keeps a walk
 * linear on a page of thousands of nested links. */
static xmlNode *
next_own_node (xmlNode *node,
               xmlNode *root)
{
  if (node->children != NULL && node->type == XML_ELEMENT_NODE &&
      !node_is (node, "a") && !node_is (node, "picture"))
    return node->children;

  return next_after_subtree (node, root);
}

/* Marks the <img> and <source> elements under @root as given by it. The
 * HTML 4 parser of libxml2 does not know that <source> is empty, so a
 * <picture>'s sources and img may nest inside each other: look at every
 * descendant, not only at the children. */
static void
consume_images (Extraction *ex,
                xmlNode    *root,
                xmlNode   **first_img)
{
  for (xmlNode *node = root->children; node != NULL; node = next_own_node (node, root))
    {
      if (node_is (node, "img") || node_is (node, "source"))
        {
          if (first_img != NULL && *first_img == NULL && node_is (node, "img"))
            *first_img = node;
          g_hash_table_add (ex->consumed, node);
        }
    }
}

static char *
picture_best_uri (Extraction *ex,
                  xmlNode    *picture)
{
  xmlNode *img = NULL;

  consume_images (ex, picture, &img);

  for (xmlNode *node = picture->children; node != NULL; node = next_own_node (node, picture))
    {
      char *best;

      if (node_is (node, "source") && source_type_is_readable (node) &&
          ((best = best_from_srcset_attr (node, "srcset")) != NULL ||
           (best = best_from_srcset_attr (node, "data-srcset")) != NULL))
        return best;
    }

  return img ? img_best_uri (img) : NULL;
}

static gboolean
is_image_meta (xmlNode *meta)
{
  static const char * const names[] = {
    "og:image", "og:image:url", "og:image:secure_url", "twitter:image",
  };
  g_autofree char *property = get_attr (meta, "property");
  g_autofree char *name = get_attr (meta, "name");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if ((property && g_ascii_strcasecmp (property, names[i]) == 0) ||
        (name && g_ascii_strcasecmp (name, names[i]) == 0))
      return TRUE;

  return FALSE;
}

/* What an element stands for. The default walk meets every element and
 * only takes what shows an image; a selector chose its elements, so any of
 * them with a src or href counts. */
static void
add_element (Extraction *ex,
             xmlNode    *node,
             gboolean    selected)
{
  g_autofree char *value = NULL;

  if (node_is (node, "img"))
    {
      if (!g_hash_table_contains (ex->consumed, node))
        value = img_best_uri (node);
    }
  else if (node_is (node, "picture"))
    {
      value = picture_best_uri (ex, node);
    }
  else if (node_is (node, "a"))
    {
      g_autofree char *href = get_attr (node, "href");
      g_autofree char *resolved = href ? vignette_resolve_uri (ex->base_uri, href) : NULL;

      /* A link to the full-size image around its preview is one item, the larger one */
      if (resolved != NULL && has_image_extension (resolved))
        {
          consume_images (ex, node, NULL);
          value = g_steal_pointer (&href);
        }
    }
  else if (node_is (node, "meta"))
    {
      if (is_image_meta (node))
        value = get_attr (node, "content");
    }
  else if (node_is (node, "link"))
    {
      g_autofree char *rel = get_attr (node, "rel");

      if (rel != NULL && g_ascii_strcasecmp (rel, "image_src") == 0)
        value = get_attr (node, "href");
    }
  else if (node_is (node, "source"))
    {
      /* Outside a <picture>, a source belongs to a <video> or an <audio> */
      if (selected && !g_hash_table_contains (ex->consumed, node) &&
          (value = best_from_srcset_attr (node, "srcset")) == NULL)
        value = get_attr (node, "src");
    }
  else if (selected && node->type == XML_ELEMENT_NODE)
    {
      if ((value = get_attr (node, "src")) == NULL)
        value = get_attr (node, "href");
    }

  add_candidate (ex, value);
}

static void
walk_default (Extraction *ex,
              xmlDoc     *doc)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  /* Iterative, so that a page of 50 000 nested elements cannot exhaust the stack */
  for (xmlNode *node = root; node != NULL; node = next_in_subtree (node, NULL))
    if (node->type == XML_ELEMENT_NODE)
      add_element (ex, node, FALSE);
}

static void
add_xpath_node (Extraction *ex,
                xmlNode    *node)
{
  switch ((int) node->type)
    {
    case XML_ATTRIBUTE_NODE:
      {
        xmlChar *content = xmlNodeGetContent (node);
        const char *name = (const char *) node->name;

        if (content == NULL)
          return;
        if (g_ascii_strcasecmp (name, "srcset") == 0 || g_ascii_strcasecmp (name, "data-srcset") == 0)
          {
            g_autofree char *best = vignette_srcset_pick_best ((const char *) content);
            add_candidate (ex, best);
          }
        else
          {
            add_candidate (ex, (const char *) content);
          }
        xmlFree (content);
      }
      break;

    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      {
        xmlChar *content = xmlNodeGetContent (node);

        if (content != NULL)
          add_candidate (ex, (const char *) content);
        xmlFree (content);
      }
      break;

    case XML_ELEMENT_NODE:
      add_element (ex, node, TRUE);
      break;

    default:
      break;
    }
}

static gboolean
walk_selector (Extraction  *ex,
               xmlDoc      *doc,
               const char  *selector,
               GError     **error)
{
  xmlXPathContext *context;
  xmlXPathCompExpr *compiled;
  xmlXPathObject *result;
  gboolean ret = TRUE;

  context = xmlXPathNewContext (doc);
  compiled = xmlXPathCtxtCompile (context, (const xmlChar *) selector);
  if (compiled == NULL)
    {
      xmlXPathFreeContext (context);
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR,
                   _("“%s” is not a valid XPath expression."), selector);
      return FALSE;
    }

  result = xmlXPathCompiledEval (compiled, context);
  if (result == NULL)
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR,
                   _("The XPath expression “%s” could not be evaluated on this page."), selector);
      ret = FALSE;
    }
  else if (result->type == XPATH_NODESET)
    {
      if (result->nodesetval != NULL)
        for (int i = 0; i < result->nodesetval->nodeNr; i++)
          add_xpath_node (ex, result->nodesetval->nodeTab[i]);
    }
  else if (result->type == XPATH_STRING)
    {
      add_candidate (ex, (const char *) result->stringval);
    }
  else
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR,
                   _("The XPath expression “%s” must select attributes, text or elements, not a number or a truth value."),
                   selector);
      ret = FALSE;
    }

  xmlXPathFreeObject (result);
  xmlXPathFreeCompExpr (compiled);
  xmlXPathFreeContext (context);

  return ret;
}

gboolean
vignette_selector_check (const char  *selector,
                         GError     **error)
{
  xmlXPathCompExpr *compiled;

  if (selector == NULL || *selector == '\0')
    return TRUE;

  vignette_extractor_init ();
  quiet_libxml ();

  compiled = xmlXPathCompile ((const xmlChar *) selector);
  if (compiled == NULL)
    {
      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR,
                   _("“%s” is not a valid XPath expression."), selector);
      return FALSE;
    }

  xmlXPathFreeCompExpr (compiled);
  return TRUE;
}

static char *
find_base_href (xmlDoc     *doc,
                const char *page_uri)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  for (xmlNode *node = root; node != NULL; node = next_in_subtree (node, NULL))
    if (node_is (node, "base"))
      {
        g_autofree char *href = get_attr (node, "href");

        if (href != NULL)
          {
            char *resolved = vignette_resolve_uri (page_uri, href);

            if (resolved != NULL)
              return resolved;
          }
      }

  return g_strdup (page_uri);
}

/**
 * vignette_extract_image_uris:
 * @charset: (nullable): the charset the server declared
 * @selector: (nullable): an XPath expression, or %NULL for the built-in rules
 *
 * Thread-safe; runs on a worker thread.
 *
 * Returns: (transfer full): absolute, de-duplicated addresses in page order
 */
GStrv
vignette_extract_image_uris (const char  *data,
                             gsize        length,
                             const char  *charset,
                             const char  *page_uri,
                             const char  *selector,
                             GError     **error)
{
  Extraction ex = { 0 };
  xmlDoc *doc;
  const char *encoding = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (page_uri != NULL, NULL);

  vignette_extractor_init ();
  quiet_libxml ();

  if (length > G_MAXINT)
    length = G_MAXINT;

  if (charset != NULL && xmlFindCharEncodingHandler (charset) != NULL)
    encoding = charset;

  ex.uris = g_ptr_array_new_with_free_func (g_free);
  ex.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ex.consumed = g_hash_table_new (NULL, NULL);
  ex.allow_file = g_ascii_strncasecmp (page_uri, "file:", 5) == 0;

  doc = htmlReadMemory (length > 0 ? data : "", (int) length, page_uri, encoding,
                        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                        HTML_PARSE_NONET | HTML_PARSE_COMPACT |
                        /* Past 256 levels of nesting libxml2 would stop parsing and
                         * lose the rest of the page; the page size is bounded by
                         * the fetcher and the walk here is iterative. */
                        XML_PARSE_HUGE);

  if (doc != NULL && xmlDocGetRootElement (doc) != NULL)
    {
      ex.base_uri = find_base_href (doc, page_uri);

      if (selector != NULL && *selector != '\0')
        ok = walk_selector (&ex, doc, selector, error);
      else
        walk_default (&ex, doc);
    }

  if (doc != NULL)
    xmlFreeDoc (doc);

  g_free (ex.base_uri);
  g_hash_table_unref (ex.seen);
  g_hash_table_unref (ex.consumed);

  if (!ok)
    {
      g_ptr_array_unref (ex.uris);
      return NULL;
    }

  g_ptr_array_add (ex.uris, NULL);
  return (GStrv) g_ptr_array_free (ex.uris, FALSE);
}

typedef struct {
  GBytes *html;
  char   *charset;
  char   *page_uri;
  char   *selector;
} ExtractData;

static void
extract_data_free (gpointer data)
{
  ExtractData *ed = data;

  g_bytes_unref (ed->html);
  g_free (ed->charset);
  g_free (ed->page_uri);
  g_free (ed->selector);
  g_free (ed);
}

static void
extract_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ExtractData *ed = task_data;
  GError *error = NULL;
  GStrv uris;
  gsize length;
  const char *data;

  if (g_task_return_error_if_cancelled (task))
    return;

  data = g_bytes_get_data (ed->html, &length);
  uris = vignette_extract_image_uris (data, length, ed->charset, ed->page_uri, ed->selector, &error);

  if (uris == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, uris, (GDestroyNotify) g_strfreev);
}

static char *
charset_from_content_type (const char *content_type)
{
  const char *charset;
  const char *end;

  if (content_type == NULL || (charset = strstr (content_type, "charset=")) == NULL)
    return NULL;

  charset += strlen ("charset=");
  if (*charset == '"')
    charset++;
  end = charset + strcspn (charset, "\";, \t");

  return end > charset ? g_strndup (charset, (gsize) (end - charset)) : NULL;
}

void
vignette_extract_image_uris_async (VignetteWorkers     *workers,
                                   GBytes              *html,
                                   const char          *content_type,
                                   const char          *page_uri,
                                   const char          *selector,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExtractData *ed;

  g_return_if_fail (VIGNETTE_IS_WORKERS (workers));
  g_return_if_fail (html != NULL);

  vignette_extractor_init ();

  ed = g_new0 (ExtractData, 1);
  ed->html = g_bytes_ref (html);
  ed->charset = charset_from_content_type (content_type);
  ed->page_uri = g_strdup (page_uri);
  ed->selector = g_strdup (selector);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vignette_extract_image_uris_async);
  g_task_set_task_data (task, ed, extract_data_free);
  vignette_workers_run (workers, task, extract_thread);
}

GStrv
vignette_extract_image_uris_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
