/* vignette-extractor.c: image addresses out of an HTML page, with libxml2 and XPath
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here runs on a worker thread: parsing a large page takes tens of
 * milliseconds, which the main loop cannot spare. libxml2 is thread-safe for
 * separate documents once xmlInitParser() has run on the main thread.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "vignette-error.h"
#include "vignette-extractor.h"
#include "vignette-srcset.h"

typedef struct {
  char       *page_uri;   /* without its fragment: a reference to it is no image */
  char       *base_uri;
  gboolean    allow_file;
  GHashTable *seen;
  GPtrArray  *uris;
  GHashTable *consumed;   /* <img>, <source>, <picture> already given by an enclosing element */
  GHashTable *noscripts;  /* lazy <img> → the <noscript> beside it with the same picture */
  GPtrArray  *meta_uris;  /* og:image and the like: only when the page shows no image */
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

/* The last segment of a URL's path, lower case, without query or fragment */
static char *
last_segment (const char *value)
{
  const char *end = value + strcspn (value, "?#");
  const char *start = end;

  while (start > value && start[-1] != '/')
    start--;

  return g_ascii_strdown (start, end - start);
}

/* "1x1" as a word of a name, not inside 311x113 */
static gboolean
is_pixel_size_word (const char *word)
{
  return strcmp (word, "1x1") == 0;
}

/* A spacer GIF or an inline placeholder stands in for the real image that a
 * lazy-loading script will put in place. Names are read word by word, so
 * that pixel-1x1.gif is a placeholder and logo-311x113.png or
 * pixel-art.png are pictures. (A 0x0.png is left to fail as the image it
 * claims to be.) */
static gboolean
is_placeholder (const char *value)
{
  /* Any of these words makes the name a placeholder's */
  static const char * const strong[] = {
    "placeholder", "spacer", "blank", "lazyload",
  };
  /* A name made only of these words is one too */
  static const char * const weak[] = {
    "pixel", "px", "transparent", "trans", "clear", "lazy", "loading", "loader",
    "dummy", "grey", "gray",
  };
  const char *end, *start, *stem_end;
  gboolean all_weak = TRUE;
  guint n_words = 0;

  while (g_ascii_isspace (*value))
    value++;
  if (*value == '\0' || g_ascii_strncasecmp (value, "data:", 5) == 0 ||
      g_ascii_strncasecmp (value, "about:", 6) == 0)
    return TRUE;

  /* The last path segment, without its image extension, word by word */
  end = value + strcspn (value, "?#");
  start = end;
  while (start > value && start[-1] != '/')
    start--;
  stem_end = end;
  for (const char *dot = end; dot > start; dot--)
    if (dot[-1] == '.')
      {
        g_autofree char *extension = g_ascii_strdown (dot - 1, end - dot + 1);

        if (has_image_extension (extension))
          stem_end = dot - 1;
        break;
      }

  for (const char *p = start; p < stem_end;)
    {
      const char *word_end = p;
      char word[32];
      gboolean known = FALSE;
      gsize length;

      while (word_end < stem_end && strchr ("-_.+~ ", *word_end) == NULL)
        word_end++;
      length = word_end - p;
      if (length == 0)
        {
          p++;
          continue;
        }
      if (length >= sizeof word)
        {
          all_weak = FALSE;
          p = word_end;
          continue;
        }
      for (gsize i = 0; i < length; i++)
        word[i] = g_ascii_tolower (p[i]);
      word[length] = '\0';
      n_words++;
      p = word_end;

      for (guint j = 0; j < G_N_ELEMENTS (strong); j++)
        if (strcmp (word, strong[j]) == 0)
          return TRUE;

      /* A name that says 1x1 is a pixel's */
      if (is_pixel_size_word (word))
        return TRUE;
      for (guint j = 0; j < G_N_ELEMENTS (weak) && !known; j++)
        known = strcmp (word, weak[j]) == 0;
      if (!known)
        all_weak = FALSE;
    }

  return n_words > 0 && all_weak;
}

/* A template left in the page ({{ url }}, ${src}, #{img_src}, <%= %>) is no address */
static gboolean
is_template (const char *value)
{
  static const char * const markers[] = { "{{", "}}", "${", "#{", "<%", "%>", "{%", "%}" };
  const char *open;

  for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
    if (strstr (value, markers[i]) != NULL)
      return TRUE;

  /* {width}, {id}: a placeholder that a script was to fill in */
  open = strchr (value, '{');
  return open != NULL && strchr (open, '}') != NULL;
}

/* What a lazy-loading attribute must hold to be taken for an address: a
 * script may keep JSON, a flag or a size there too. */
static gboolean
looks_like_url (const char *value)
{
  const char *p = value;
  const char *colon;
  gboolean has_letter = FALSE;
  gboolean has_path = FALSE;

  while (g_ascii_isspace (*p))
    p++;
  if (*p == '\0' || strchr ("{[(\"'<#", *p) != NULL || is_template (p))
    return FALSE;

  for (const char *q = p; *q != '\0'; q++)
    {
      if (g_ascii_isspace (*q))
        {
          /* Only trailing whitespace */
          while (g_ascii_isspace (*q))
            q++;
          if (*q != '\0')
            return FALSE;
          break;
        }
      if (g_ascii_isalpha (*q))
        has_letter = TRUE;
      if (*q == '/' || *q == '.')
        has_path = TRUE;
    }

  /* A scheme, if any, is the web's */
  colon = strchr (p, ':');
  if (colon != NULL && colon < p + strcspn (p, "/?#"))
    return g_ascii_strncasecmp (p, "http:", 5) == 0 || g_ascii_strncasecmp (p, "https:", 6) == 0 ||
           g_ascii_strncasecmp (p, "file:", 5) == 0;

  return has_letter && has_path;
}

static gboolean
host_has_label (const char *host,
                const char *label)
{
  gsize length = strlen (label);

  for (const char *p = host; p != NULL; p = strchr (p, '.'))
    {
      if (*p == '.')
        p++;
      if (strncmp (p, label, length) == 0 && (p[length] == '.' || p[length] == '\0'))
        return TRUE;
    }

  return FALSE;
}

static gboolean
host_is_or_under (const char *host,
                  const char *domain)
{
  gsize host_length = strlen (host);
  gsize length = strlen (domain);

  return g_str_has_suffix (host, domain) &&
         (host_length == length || host[host_length - length - 1] == '.');
}

/* Counters, analytics and advertising beacons. A known host is only a hint:
 * it counts with what a beacon looks like (no image file, a query of
 * parameters, or shown only without scripts), so that a real picture that
 * happens to live there is kept. */
static gboolean
is_beacon (const char *uri,
           gboolean    in_noscript)
{
  static const char * const labels[] = {
    "pixel", "pixels", "px", "beacon", "beacons", "analytics", "stats", "stat", "counter",
    "count", "track", "tracking", "tracker", "metrics", "telemetry", "collect", "collector",
    "log", "logs", "ping",
  };
  static const char * const domains[] = {
    "doubleclick.net", "google-analytics.com", "googletagmanager.com", "googlesyndication.com",
    "scorecardresearch.com", "quantserve.com", "statcounter.com", "bat.bing.com",
    "ads.linkedin.com", "analytics.twitter.com", "t.co", "mc.yandex.ru", "hotjar.com",
    "chartbeat.net", "nr-data.net", "adnxs.com", "criteo.com", "criteo.net", "taboola.com",
    "outbrain.com", "amazon-adsystem.com", "ct.pinterest.com", "alb.reddit.com",
    "tr.snapchat.com", "demdex.net", "krxd.net", "imrworldwide.com", "omtrdc.net", "2o7.net",
    "matomo.cloud", "clarity.ms",
  };
  static const char * const segments[] = {
    "tr", "collect", "pixel", "beacon", "track", "p", "b", "t", "g.gif", "__utm.gif",
    "piwik.php", "matomo.php", "pixel.gif", "b.gif", "t.gif", "p.gif", "count.gif", "ping",
  };
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  g_autofree char *host = NULL;
  g_autofree char *segment = NULL;
  gboolean hint = FALSE;

  if (parsed == NULL || g_uri_get_host (parsed) == NULL)
    return FALSE;

  host = g_ascii_strdown (g_uri_get_host (parsed), -1);
  for (guint i = 0; i < G_N_ELEMENTS (labels) && !hint; i++)
    hint = host_has_label (host, labels[i]);
  for (guint i = 0; i < G_N_ELEMENTS (domains) && !hint; i++)
    hint = host_is_or_under (host, domains[i]);

  segment = last_segment (g_uri_get_path (parsed));
  for (guint i = 0; i < G_N_ELEMENTS (segments) && !hint; i++)
    hint = strcmp (segment, segments[i]) == 0;

  return hint && (in_noscript || g_uri_get_query (parsed) != NULL || !has_image_extension (uri));
}

static gboolean
is_html_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/**
 * vignette_srcset_pick_best:
 *
 * Parses a `srcset` as the HTML standard does and picks the largest
 * candidate that is not a placeholder (see vignette_srcset_largest()).
 *
 * Returns: (nullable): the URL of the best candidate, still relative
 */
char *
vignette_srcset_pick_best (const char *srcset)
{
  g_autoptr(GPtrArray) candidates = vignette_srcset_parse (srcset);
  const VignetteSrcsetCandidate *best;

  for (guint i = candidates->len; i > 0; i--)
    {
      const VignetteSrcsetCandidate *candidate = g_ptr_array_index (candidates, i - 1);

      if (is_placeholder (candidate->url))
        g_ptr_array_remove_index (candidates, i - 1);
    }

  best = vignette_srcset_largest (candidates);
  return best != NULL ? g_strdup (best->url) : NULL;
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
has_attr (xmlNode    *node,
          const char *name)
{
  return xmlHasProp (node, (const xmlChar *) name) != NULL;
}

static gboolean
node_is (xmlNode    *node,
         const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->name != NULL &&
         g_ascii_strcasecmp ((const char *) node->name, name) == 0;
}

static gboolean
is_fragment_only (const char *value)
{
  while (is_html_space (*value))
    value++;

  return *value == '#';
}

static void
add_candidate (Extraction *ex,
               const char *value)
{
  g_autofree char *uri = NULL;

  if (value == NULL || ex->uris->len >= VIGNETTE_MAX_IMAGES_PER_PAGE)
    return;

  /* #{img_src} or #top names this page, and a page is not an image */
  if (is_fragment_only (value) || is_template (value))
    return;

  uri = vignette_resolve_uri (ex->base_uri, value);
  if (uri == NULL || strcmp (uri, ex->page_uri) == 0)
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

/* A declared size in CSS pixels: "300", "300px"; -1 when absent or unreadable */
static double
parse_length (const char *value)
{
  char *end = NULL;
  double length;

  if (value == NULL)
    return -1;

  while (is_html_space (*value))
    value++;
  length = g_ascii_strtod (value, &end);
  if (end == value || length < 0 || !isfinite (length))
    return -1;
  while (is_html_space (*end))
    end++;
  if (*end != '\0' && g_ascii_strncasecmp (end, "px", 2) != 0)
    return -1;

  return length;
}

/* The value of one property of an inline style, lower case */
static char *
style_property (const char *style,
                const char *property)
{
  g_auto(GStrv) declarations = NULL;

  if (style == NULL)
    return NULL;

  declarations = g_strsplit (style, ";", -1);
  for (guint i = 0; declarations[i] != NULL; i++)
    {
      char *colon = strchr (declarations[i], ':');
      g_autofree char *name = NULL;

      if (colon == NULL)
        continue;
      name = g_ascii_strdown (declarations[i], colon - declarations[i]);
      if (strcmp (g_strstrip (name), property) == 0)
        {
          char *value = g_ascii_strdown (colon + 1, -1);

          /* "none !important" is "none" */
          if (strchr (value, '!') != NULL)
            *strchr (value, '!') = '\0';
          return g_strstrip (value);
        }
    }

  return NULL;
}

/* The width or height an element declares, by attribute or inline style */
static double
declared_size (xmlNode    *node,
               const char *dimension)
{
  g_autofree char *attr = get_attr (node, dimension);
  g_autofree char *style = get_attr (node, "style");
  g_autofree char *css = style_property (style, dimension);
  double size = parse_length (css);

  return size >= 0 ? size : parse_length (attr);
}

/* hidden, display:none, visibility:hidden: the element and all it holds are not shown */
static gboolean
is_hidden (xmlNode *node)
{
  g_autofree char *style = NULL;
  g_autofree char *display = NULL;
  g_autofree char *visibility = NULL;

  /* A page hidden while its scripts load is still the page */
  if (node->type != XML_ELEMENT_NODE || node_is (node, "html") || node_is (node, "body") ||
      node_is (node, "head"))
    return FALSE;
  if (has_attr (node, "hidden") || node_is (node, "template"))
    return TRUE;

  style = get_attr (node, "style");
  if (style == NULL)
    return FALSE;
  display = style_property (style, "display");
  visibility = style_property (style, "visibility");

  return g_strcmp0 (display, "none") == 0 || g_strcmp0 (visibility, "hidden") == 0 ||
         g_strcmp0 (visibility, "collapse") == 0;
}

/* An image declared 0 or 1 pixel wide or high is a counter, not a picture */
static gboolean
is_pixel_sized (xmlNode *img)
{
  double width = declared_size (img, "width");
  double height = declared_size (img, "height");

  return (width >= 0 && width <= 1) || (height >= 0 && height <= 1);
}

/* Within a few dozen levels: enough for a <noscript>, and bounded on a
 * page of 50 000 nested elements */
static gboolean
is_inside (xmlNode    *node,
           const char *name)
{
  guint budget = 64;

  for (xmlNode *p = node->parent; p != NULL && budget > 0; p = p->parent, budget--)
    if (node_is (p, name))
      return TRUE;

  return FALSE;
}

static gboolean
is_alnum_at (const char *s,
             gsize       i,
             gsize       length)
{
  return i < length && g_ascii_isalnum (s[i]);
}

/* Whether @key, then an optional '=' or '_', ends just before @i, with one
 * of ?&;,/ before the key: "?w=800", "/w_800", "&width=800" */
static gboolean
has_width_key_before (const char *s,
                      gsize       i)
{
  static const char * const keys[] = { "w", "width", "wid", "imwidth", "w_", "resize=" };

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    for (guint sep = 0; sep < 2; sep++)
      {
        gsize key_length = strlen (keys[k]);
        gsize end = i - sep;

        if (sep == 1 && (i == 0 || (s[i - 1] != '=' && s[i - 1] != '_')))
          continue;
        if (end < key_length + 1 || strncmp (s + end - key_length, keys[k], key_length) != 0)
          continue;
        if (strchr ("?&;,/", s[end - key_length - 1]) != NULL)
          return TRUE;
      }

  return FALSE;
}

/* The width a URL says its picture has, in order of trust: 311x113,
 * 220px-, ?w=800 or w_800, -1600.webp. 0 when it says nothing. */
static double
url_size_hint (const char *url)
{
  g_autofree char *u = NULL;
  double found[4] = { 0, 0, 0, 0 };
  gsize length;

  length = strcspn (url, "#");
  u = g_ascii_strdown (url, length);

  for (gsize i = 0; i < length; i++)
    {
      gsize j = i;
      double value;
      gsize digits;

      if (!g_ascii_isdigit (u[i]) || (i > 0 && g_ascii_isdigit (u[i - 1])) || u[i] == '0')
        continue;
      while (j < length && g_ascii_isdigit (u[j]))
        j++;
      digits = j - i;
      if (digits < 2 || digits > 5)
        continue;
      value = g_ascii_strtod (u + i, NULL);

      /* 311x113 */
      if (found[0] == 0 && !is_alnum_at (u, i - 1, i) && u[j] == 'x' && u[j + 1] >= '1' && u[j + 1] <= '9')
        {
          gsize k = j + 1;

          while (k < length && g_ascii_isdigit (u[k]))
            k++;
          if (k - (j + 1) >= 2 && k - (j + 1) <= 5 && !is_alnum_at (u, k, length))
            found[0] = value;
        }
      /* 220px- */
      if (found[1] == 0 && !is_alnum_at (u, i - 1, i) && strncmp (u + j, "px", 2) == 0 &&
          !is_alnum_at (u, j + 2, length))
        found[1] = value;
      /* ?w=800, /w_800, /w800 */
      if (found[2] == 0 && has_width_key_before (u, i))
        found[2] = value;
      /* -1600.webp, @1024w.jpg, at the end of the path */
      if (found[3] == 0 && i > 0 && strchr ("-_@", u[i - 1]) != NULL && digits <= 4 && digits >= 3)
        {
          gsize k = j + (u[j] == 'w');

          if (u[k] == '.' && g_ascii_isalpha (u[k + 1]))
            {
              k++;
              while (k < length && g_ascii_isalpha (u[k]))
                k++;
              if (k == length || u[k] == '?')
                found[3] = value;
            }
        }
      i = j - 1;
    }

  for (guint i = 0; i < G_N_ELEMENTS (found); i++)
    if (found[i] > 0)
      return found[i];

  return 0;
}

/* One address an element offers for its picture, with what is known of its size */
typedef struct {
  char     *url;
  double    width;           /* pixels, from a w descriptor, the URL or the declared size; 0: unknown */
  double    density;
  double    declared_width;  /* of its element, -1 when none */
  guint     order;           /* the element's own first, then lazy before plain */
  gboolean  sized;           /* width is known, or was looked for */
} Candidate;

static void
candidate_clear (gpointer data)
{
  Candidate *c = data;

  g_free (c->url);
}

static GArray *
candidates_new (void)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (Candidate));

  g_array_set_clear_func (array, candidate_clear);
  return array;
}

/* What one element offers, sorted out by attribute */
typedef struct {
  GArray   *lazy_src;     /* replaces src */
  GArray   *lazy_srcset;  /* replaces srcset */
  GArray   *extra;        /* a larger version beside them (data-hi-res-src…) */
  GArray   *src;
  GArray   *srcset;
} Offer;

static void
offer_init (Offer *offer)
{
  offer->lazy_src = candidates_new ();
  offer->lazy_srcset = candidates_new ();
  offer->extra = candidates_new ();
  offer->src = candidates_new ();
  offer->srcset = candidates_new ();
}

static void
offer_clear (Offer *offer)
{
  g_array_unref (offer->lazy_src);
  g_array_unref (offer->lazy_srcset);
  g_array_unref (offer->extra);
  g_array_unref (offer->src);
  g_array_unref (offer->srcset);
}

static void
push_candidate (GArray     *array,
                const char *url,
                double      width,
                double      density,
                double      declared_width,
                guint       order)
{
  Candidate c = { 0 };

  if (url == NULL || is_placeholder (url) || is_template (url) || is_fragment_only (url))
    return;

  c.url = g_strdup (url);
  c.density = density;
  c.declared_width = declared_width;
  c.order = order;
  c.width = width;
  c.sized = width > 0;
  g_array_append_val (array, c);
}

/* Reading the URL for a size costs: only when candidates are compared */
static double
candidate_width (Candidate *c)
{
  if (!c->sized)
    {
      if ((c->width = url_size_hint (c->url)) == 0 && c->declared_width > 1)
        c->width = c->declared_width * c->density;
      c->sized = TRUE;
    }

  return c->width;
}

static void
push_srcset (GArray     *array,
             const char *srcset,
             gboolean    strict_urls,
             double      declared_width,
             guint       order)
{
  g_autoptr(GPtrArray) parsed = vignette_srcset_parse (srcset);

  for (guint i = 0; i < parsed->len; i++)
    {
      const VignetteSrcsetCandidate *sc = g_ptr_array_index (parsed, i);

      if (strict_urls && !looks_like_url (sc->url))
        continue;
      push_candidate (array, sc->url, (double) sc->width,
                      sc->has_density ? sc->density : 1, declared_width, order);
    }
}

typedef enum {
  LAZY_NONE,
  LAZY_SRC,
  LAZY_SRCSET,
  LAZY_LARGER,
  LAZY_IMAGE_FILE,  /* a generic name: only an image file counts */
} LazyKind;

/* The families of attributes that lazy loaders and carousels keep the real
 * address in: lazysizes, lozad, vanilla-lazyload (data-src, data-srcset),
 * jQuery lazyload (data-original), Slick (data-lazy), Flickity
 * (data-flickity-lazyload), Splide (data-splide-lazy), Echo (data-echo),
 * Layzr (data-normal, data-retina), unveil and Owl (data-src-retina), Nuxt
 * (data-n-src), news sites (data-source-standard, data-hi-res-src), shops
 * (data-old-hires). */
static LazyKind
lazy_kind (const char *attr_name)
{
  g_autofree char *name = g_ascii_strdown (attr_name, -1);
  const char *n;

  if (!g_str_has_prefix (name, "data-"))
    return LAZY_NONE;
  n = name + 5;

  if (strstr (n, "srcset") != NULL)
    return LAZY_SRCSET;
  if (strstr (n, "sizes") != NULL || strstr (n, "width") != NULL || strstr (n, "height") != NULL ||
      strstr (n, "title") != NULL || strstr (n, "alt") != NULL || strstr (n, "type") != NULL ||
      strstr (n, "class") != NULL || strstr (n, "effect") != NULL || strstr (n, "delay") != NULL)
    return LAZY_NONE;
  if (strstr (n, "hi-res") != NULL || strstr (n, "hires") != NULL || strstr (n, "highres") != NULL ||
      strstr (n, "retina") != NULL || strstr (n, "2x") != NULL || strstr (n, "zoom") != NULL ||
      g_str_has_prefix (n, "large") || g_str_has_prefix (n, "full") || strstr (n, "-full") != NULL)
    return LAZY_LARGER;
  if (strstr (n, "src") != NULL || g_str_has_prefix (n, "lazy") || g_str_has_prefix (n, "original") ||
      g_str_has_prefix (n, "source") || g_str_has_prefix (n, "flickity-lazyload") ||
      g_str_has_prefix (n, "splide-lazy") || strcmp (n, "echo") == 0 || strcmp (n, "normal") == 0 ||
      strcmp (n, "blazy") == 0 || strcmp (n, "bg") == 0 || strcmp (n, "background-image") == 0)
    return LAZY_SRC;
  if (strcmp (n, "url") == 0 || strcmp (n, "image") == 0 || strcmp (n, "img") == 0)
    return LAZY_IMAGE_FILE;

  return LAZY_NONE;
}

static void
offer_lazy_attribute (Offer      *offer,
                      LazyKind    kind,
                      const char *value,
                      double      declared_width,
                      guint       order)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (value));

  switch (kind)
    {
    case LAZY_SRCSET:
      push_srcset (offer->lazy_srcset, trimmed, TRUE, declared_width, order);
      break;

    case LAZY_SRC:
    case LAZY_LARGER:
      /* An address; or, in some themes, a whole srcset */
      if (looks_like_url (trimmed))
        push_candidate (kind == LAZY_SRC ? offer->lazy_src : offer->extra, trimmed, 0,
                        kind == LAZY_SRC ? 1 : 2, declared_width, order);
      else
        push_srcset (kind == LAZY_SRC ? offer->lazy_srcset : offer->extra, trimmed, TRUE,
                     declared_width, order);
      break;

    case LAZY_IMAGE_FILE:
      if (looks_like_url (trimmed) && has_image_extension (trimmed))
        push_candidate (offer->lazy_src, trimmed, 0, 1, declared_width, order);
      break;

    case LAZY_NONE:
    default:
      break;
    }
}

/* lazysizes' rias plugin (Shopify themes) writes {width} in the address
 * and the widths it may take beside it: the largest */
static char *
fill_width_template (xmlNode    *node,
                     const char *value)
{
  g_autofree char *widths = get_attr (node, "data-widths");
  g_auto(GStrv) parts = NULL;
  g_autofree char *largest = NULL;
  guint64 best = 0;

  if (widths == NULL)
    return NULL;

  parts = g_strsplit_set (widths, "[], \t\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 width;

      if (g_ascii_string_to_unsigned (parts[i], 10, 1, 100000, &width, NULL) && width > best)
        best = width;
    }
  if (best == 0)
    return NULL;

  largest = g_strdup_printf ("%" G_GUINT64_FORMAT, best);
  {
    g_auto(GStrv) pieces = g_strsplit (value, "{width}", -1);

    return g_strjoinv (largest, pieces);
  }
}

/* Everything an <img> or a <source> offers, by attribute */
static void
offer_element (Offer   *offer,
               xmlNode *node,
               guint    order)
{
  double declared_width = declared_size (node, "width");
  g_autofree char *src = get_attr (node, "src");
  g_autofree char *srcset = get_attr (node, "srcset");

  for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next)
    {
      LazyKind kind = lazy_kind ((const char *) attr->name);
      g_autofree char *value = NULL;

      if (kind == LAZY_NONE)
        continue;
      value = get_attr (node, (const char *) attr->name);
      if (value != NULL && strstr (value, "{width}") != NULL)
        {
          char *filled = fill_width_template (node, value);

          g_free (value);
          value = filled;
        }
      if (value != NULL)
        offer_lazy_attribute (offer, kind, value, declared_width, order);
    }

  push_srcset (offer->srcset, srcset, FALSE, declared_width, order);
  if (src != NULL)
    push_candidate (offer->src, g_strstrip (src), 0, 1, declared_width, order);
}

static gboolean
candidate_is_larger (Candidate *a,
                     Candidate *b)
{
  if (candidate_width (a) != candidate_width (b))
    return candidate_width (a) > candidate_width (b);
  if (a->density != b->density)
    return a->density > b->density;
  return a->order < b->order;
}

/* The largest of all an offer holds once the lazy script has run: a lazy
 * address replaces src, a lazy srcset replaces srcset */
static Candidate *
offer_pick (Offer     *offer,
            gboolean   in_noscript)
{
  GArray *groups[3];
  Candidate *best = NULL;

  groups[0] = offer->lazy_src->len > 0 ? offer->lazy_src : offer->src;
  groups[1] = offer->lazy_srcset->len > 0 ? offer->lazy_srcset : offer->srcset;
  groups[2] = offer->extra;

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint i = 0; i < groups[g]->len; i++)
      {
        Candidate *c = &g_array_index (groups[g], Candidate, i);

        if (best == NULL || candidate_is_larger (c, best))
          best = c;
      }

  /* The sizes of one picture live together: a beacon has no real one */
  if (best != NULL && is_beacon (best->url, in_noscript))
    return NULL;

  return best;
}

static char *
offer_pick_uri (Offer    *offer,
                gboolean  in_noscript)
{
  const Candidate *best = offer_pick (offer, in_noscript);

  return best != NULL ? g_strdup (best->url) : NULL;
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

/* Document order within @root, passing over a nested <a> (and a nested
 * <picture> unless @into_pictures): it answers for its own images, and not
 * descending into it keeps a walk linear on a page of thousands of nested
 * links. */
static xmlNode *
next_own_node (xmlNode  *node,
               xmlNode  *root,
               gboolean  into_pictures)
{
  if (node->children != NULL && node->type == XML_ELEMENT_NODE &&
      !node_is (node, "a") && (into_pictures || !node_is (node, "picture")))
    return node->children;

  return next_after_subtree (node, root);
}

/* Marks the <img>, <source> and <picture> elements under @root as given by
 * it. The HTML 4 parser of libxml2 does not know that <source> is empty, so
 * a <picture>'s sources and img may nest inside each other: look at every
 * descendant, not only at the children. A link to the full image gives the
 * pictures inside it too. */
static void
consume_images (Extraction *ex,
                xmlNode    *root,
                GPtrArray  *found)
{
  gboolean into_pictures = node_is (root, "a");

  for (xmlNode *node = root->children; node != NULL; node = next_own_node (node, root, into_pictures))
    {
      if (node_is (node, "img") || node_is (node, "source") || node_is (node, "picture"))
        {
          if (found != NULL)
            g_ptr_array_add (found, node);
          g_hash_table_add (ex->consumed, node);
        }
    }
}

/* The first or last <img> in @node (itself included), looking at a few
 * dozen nodes only: enough for the wrappers around a lazy image */
static xmlNode *
find_img_near (xmlNode  *node,
               gboolean  last)
{
  xmlNode *found = NULL;
  guint budget = 64;

  if (node_is (node, "img"))
    return node;

  for (xmlNode *n = node->children; n != NULL && budget > 0; n = next_in_subtree (n, node), budget--)
    if (node_is (n, "img") && !is_inside (n, "noscript"))
      {
        found = n;
        if (!last)
          break;
      }

  return found;
}

static xmlNode *
element_sibling (xmlNode  *node,
                 gboolean  previous)
{
  for (node = previous ? node->prev : node->next; node != NULL; node = previous ? node->prev : node->next)
    if (node->type == XML_ELEMENT_NODE)
      return node;

  return NULL;
}

/* Shown by a script: a lazy-loading attribute, a lazy class, a stand-in src */
static gboolean
img_is_lazy (xmlNode *img)
{
  g_autofree char *src = NULL;
  g_autofree char *class = NULL;
  g_autofree char *loading = NULL;

  for (xmlAttr *attr = img->properties; attr != NULL; attr = attr->next)
    if (lazy_kind ((const char *) attr->name) != LAZY_NONE)
      return TRUE;

  src = get_attr (img, "src");
  if (src == NULL || is_placeholder (src))
    return TRUE;
  class = get_attr (img, "class");
  if (class != NULL && strstr (class, "lazy") != NULL)
    return TRUE;
  /* Native lazy loading needs no copy, but pages add one all the same */
  loading = get_attr (img, "loading");

  return loading != NULL && g_ascii_strcasecmp (loading, "lazy") == 0;
}

/* A <noscript> beside a lazy image holds the same picture for browsers
 * without scripts: it is one picture with that image, not a second one.
 * Pairs them before the walk, which may meet either first. */
static void
pair_noscripts (Extraction *ex,
                xmlNode    *root)
{
  for (xmlNode *node = root; node != NULL; node = next_in_subtree (node, NULL))
    {
      xmlNode *partner = NULL;
      xmlNode *sibling;
      g_autoptr(GPtrArray) inside = NULL;

      if (!node_is (node, "noscript"))
        continue;

      if ((sibling = element_sibling (node, TRUE)) != NULL)
        partner = find_img_near (sibling, TRUE);
      if (partner == NULL && (sibling = element_sibling (node, FALSE)) != NULL)
        partner = find_img_near (sibling, FALSE);
      if (partner == NULL || !img_is_lazy (partner) || g_hash_table_contains (ex->noscripts, partner))
        continue;

      inside = g_ptr_array_new ();
      for (xmlNode *n = node->children; n != NULL; n = next_in_subtree (n, node))
        if (node_is (n, "img") || node_is (n, "source"))
          g_ptr_array_add (inside, n);
      if (inside->len == 0)
        continue;

      for (guint i = 0; i < inside->len; i++)
        g_hash_table_add (ex->consumed, g_ptr_array_index (inside, i));
      g_hash_table_insert (ex->noscripts, partner, node);
    }
}

/* What an <img> and the <noscript> copy beside it offer */
static void
offer_img (Extraction *ex,
           Offer      *offer,
           xmlNode    *img,
           guint       order)
{
  xmlNode *noscript;

  if (is_pixel_sized (img))
    return;

  offer_element (offer, img, order);

  noscript = g_hash_table_lookup (ex->noscripts, img);
  if (noscript != NULL)
    {
      Offer copy;
      Candidate *picked;

      /* The copy's own choice competes with the lazy image's */
      offer_init (&copy);
      for (xmlNode *n = noscript->children; n != NULL; n = next_in_subtree (n, noscript))
        if ((node_is (n, "img") && !is_pixel_sized (n)) ||
            (node_is (n, "source") && source_type_is_readable (n)))
          offer_element (&copy, n, order + 1000);
      picked = offer_pick (&copy, TRUE);
      if (picked != NULL)
        {
          Candidate c = *picked;

          /* Its size, as far as known, goes with it */
          candidate_width (&c);
          c.url = g_strdup (picked->url);
          g_array_append_val (offer->extra, c);
        }
      offer_clear (&copy);
    }
}

/* One <img> is one item: the largest of what its attributes offer */
static char *
img_best_uri (Extraction *ex,
              xmlNode    *img)
{
  Offer offer;
  char *best;

  offer_init (&offer);
  offer_img (ex, &offer, img, 0);
  best = offer_pick_uri (&offer, is_inside (img, "noscript"));
  offer_clear (&offer);

  return best;
}

/* A <picture> is one item: the largest of its readable sources and its <img> */
static char *
picture_best_uri (Extraction *ex,
                  xmlNode    *picture)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  Offer offer;
  char *best;
  guint order = 0;

  consume_images (ex, picture, found);

  offer_init (&offer);
  for (guint i = 0; i < found->len; i++)
    {
      xmlNode *node = g_ptr_array_index (found, i);

      if (node_is (node, "source") && source_type_is_readable (node))
        {
          Offer source;

          /* A source has no src: what it offers is srcsets */
          offer_init (&source);
          offer_element (&source, node, order++);
          g_array_append_vals (offer.srcset, source.srcset->data, source.srcset->len);
          g_array_append_vals (offer.lazy_srcset, source.lazy_srcset->data, source.lazy_srcset->len);
          g_array_set_clear_func (source.srcset, NULL);
          g_array_set_clear_func (source.lazy_srcset, NULL);
          offer_clear (&source);
        }
      else if (node_is (node, "img"))
        {
          offer_img (ex, &offer, node, order++);
        }
    }

  best = offer_pick_uri (&offer, is_inside (picture, "noscript"));
  offer_clear (&offer);

  return best;
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

/* A link to the full-size picture, not to a page: a wiki's File:Photo.jpg
 * is a page about the photo */
static gboolean
is_image_link (Extraction *ex,
               const char *href)
{
  g_autofree char *resolved = NULL;
  g_autofree char *segment = NULL;

  /* Resolving is dear and keeps the extension: most links are to pages */
  if (href == NULL || !has_image_extension (href) || is_fragment_only (href) || is_template (href))
    return FALSE;

  resolved = vignette_resolve_uri (ex->base_uri, href);
  if (resolved == NULL || !has_image_extension (resolved))
    return FALSE;

  segment = last_segment (resolved);
  return strchr (segment, ':') == NULL && strstr (segment, "%3a") == NULL;
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
        value = img_best_uri (ex, node);
    }
  else if (node_is (node, "amp-img"))
    {
      /* An AMP page's image, with its own <noscript> copy inside */
      consume_images (ex, node, NULL);
      value = img_best_uri (ex, node);
    }
  else if (node_is (node, "picture"))
    {
      if (!g_hash_table_contains (ex->consumed, node))
        value = picture_best_uri (ex, node);
    }
  else if (node_is (node, "a"))
    {
      g_autofree char *href = get_attr (node, "href");

      /* A link to the full-size image around its preview is one item, the larger one */
      if (is_image_link (ex, href))
        {
          consume_images (ex, node, NULL);
          value = g_steal_pointer (&href);
        }
    }
  else if (node_is (node, "meta"))
    {
      /* A picture for sharing, which a browser does not show: taken only
       * when the page shows none */
      if (is_image_meta (node))
        g_ptr_array_add (ex->meta_uris, get_attr (node, "content"));
    }
  else if (node_is (node, "link"))
    {
      g_autofree char *rel = get_attr (node, "rel");

      if (rel != NULL && g_ascii_strcasecmp (rel, "image_src") == 0)
        g_ptr_array_add (ex->meta_uris, get_attr (node, "href"));
    }
  else if (node_is (node, "source"))
    {
      /* Outside a <picture>, a source belongs to a <video> or an <audio> */
      if (selected && !g_hash_table_contains (ex->consumed, node))
        {
          g_autofree char *srcset = get_attr (node, "srcset");

          if ((value = vignette_srcset_pick_best (srcset)) == NULL)
            value = get_attr (node, "src");
        }
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
  xmlNode *node = root;

  pair_noscripts (ex, root);

  /* Iterative, so that a page of 50 000 nested elements cannot exhaust the
   * stack; a hidden element hides all it holds */
  while (node != NULL)
    {
      if (node->type == XML_ELEMENT_NODE && is_hidden (node))
        {
          node = next_after_subtree (node, NULL);
          continue;
        }
      if (node->type == XML_ELEMENT_NODE)
        add_element (ex, node, FALSE);
      node = next_in_subtree (node, NULL);
    }

  if (ex->uris->len == 0)
    for (guint i = 0; i < ex->meta_uris->len; i++)
      add_candidate (ex, g_ptr_array_index (ex->meta_uris, i));
}

static gboolean
is_srcset_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return strstr (lower, "srcset") != NULL;
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
        if (is_srcset_name (name))
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
      /* A selected <meta> is wanted, page images or not */
      for (guint i = 0; i < ex->meta_uris->len; i++)
        add_candidate (ex, g_ptr_array_index (ex->meta_uris, i));
      g_ptr_array_set_size (ex->meta_uris, 0);
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

/* The first <base> with an address gives the base URL; a data: or
 * javascript: base is ignored, as browsers do */
static char *
find_base_href (xmlDoc     *doc,
                const char *page_uri)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  for (xmlNode *node = root; node != NULL; node = next_in_subtree (node, NULL))
    if (node_is (node, "base") && has_attr (node, "href"))
      {
        g_autofree char *href = get_attr (node, "href");
        g_autofree char *resolved = href ? vignette_resolve_uri (page_uri, href) : NULL;

        if (resolved != NULL &&
            (g_ascii_strncasecmp (resolved, "http:", 5) == 0 ||
             g_ascii_strncasecmp (resolved, "https:", 6) == 0 ||
             g_ascii_strncasecmp (resolved, "file:", 5) == 0))
          return g_steal_pointer (&resolved);
        break;
      }

  return g_strdup (page_uri);
}

/* UTF-8 apart from NUL bytes, which the parser takes as they are */
static gboolean
is_utf8 (const char *data,
         gsize       length)
{
  const char *end = data + length;
  const char *stop;

  while (data < end)
    {
      if (g_utf8_validate (data, end - data, &stop))
        return TRUE;
      if (stop >= end || *stop != '\0')
        return FALSE;
      data = stop + 1;
    }

  return TRUE;
}

/* The charset a <meta> or an XML declaration names near the top of the page */
static char *
sniff_declared_charset (const char *data,
                        gsize       length)
{
  g_autofree char *head = g_ascii_strdown (data, MIN (length, 8192));
  const char *p = head;

  /* g_ascii_strdown stops at a NUL: so does the sniffing */
  while ((p = strstr (p, "<meta")) != NULL)
    {
      const char *end = strchr (p, '>');
      const char *charset = strstr (p, "charset");
      const char *name_end;

      if (end == NULL)
        break;
      if (charset != NULL && charset < end)
        {
          charset += strlen ("charset");
          while (*charset == ' ' || *charset == '\t' || *charset == '\n' || *charset == '\r')
            charset++;
          if (*charset == '=')
            {
              charset++;
              while (*charset == ' ' || *charset == '"' || *charset == '\'')
                charset++;
              name_end = charset;
              while (g_ascii_isalnum (*name_end) || strchr ("-_.:", *name_end) != NULL)
                name_end++;
              if (name_end > charset)
                return g_strndup (charset, name_end - charset);
            }
        }
      p = end;
    }

  if (g_str_has_prefix (head, "<?xml"))
    {
      const char *encoding = strstr (head, "encoding=");
      const char *end = strstr (head, "?>");

      if (encoding != NULL && end != NULL && encoding < end)
        {
          const char *name_end;

          encoding += strlen ("encoding=");
          if (*encoding == '"' || *encoding == '\'')
            encoding++;
          name_end = encoding + strcspn (encoding, "\"' ?");
          if (name_end > encoding)
            return g_strndup (encoding, name_end - encoding);
        }
    }

  return NULL;
}

/* The decoder a browser uses for a label (the WHATWG Encoding standard):
 * "gb2312" is read as GBK, "iso-8859-1" as windows-1252… */
static const char *
decoder_for_label (const char *label)
{
  static const struct {
    const char *labels;
    const char *decoder;
  } table[] = {
    { " utf-8 utf8 unicode-1-1-utf-8 ", "UTF-8" },
    { " gb2312 gbk x-gbk gb_2312 gb_2312-80 chinese csgb2312 csiso58gb231280 iso-ir-58 gb18030 ", "GB18030" },
    { " iso-8859-1 iso8859-1 iso88591 iso_8859-1 latin1 l1 ascii us-ascii windows-1252 cp1252 x-cp1252 cp819 ibm819 ", "WINDOWS-1252" },
    { " iso-8859-9 iso8859-9 latin5 windows-1254 cp1254 ", "WINDOWS-1254" },
    { " iso-8859-11 tis-620 windows-874 dos-874 ", "WINDOWS-874" },
    { " shift_jis shift-jis sjis ms_kanji x-sjis windows-31j csshiftjis ", "CP932" },
    { " euc-kr ks_c_5601-1987 windows-949 cseuckr csksc56011987 korean ", "CP949" },
    { " big5 big5-hkscs x-x-big5 cn-big5 csbig5 ", "BIG5-HKSCS" },
    { " utf-16 utf-16le ", "UTF-16LE" },
    { " utf-16be ", "UTF-16BE" },
  };
  g_autofree char *lower = NULL;
  g_autofree char *padded = NULL;

  if (label == NULL)
    return NULL;

  lower = g_ascii_strdown (label, -1);
  padded = g_strdup_printf (" %s ", g_strstrip (lower));
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (strstr (table[i].labels, padded) != NULL)
      return table[i].decoder;

  return label;
}

/* Decodes what it can and puts U+FFFD where a byte does not fit, as a
 * browser does, rather than losing the rest of the page */
static char *
decode_leniently (const char *data,
                  gsize       length,
                  const char *encoding,
                  gsize      *out_length)
{
  GIConv cd = g_iconv_open ("UTF-8", encoding);
  GString *out;
  char *in = (char *) data;
  gsize in_left = length;
  char buffer[4096];

  if (cd == (GIConv) -1)
    cd = g_iconv_open ("UTF-8", "WINDOWS-1252");
  if (cd == (GIConv) -1)
    cd = g_iconv_open ("UTF-8", "ISO-8859-1");
  if (cd == (GIConv) -1)
    {
      char *valid = g_utf8_make_valid (data, length);

      *out_length = strlen (valid);
      return valid;
    }

  out = g_string_sized_new (length + length / 2 + 16);
  while (in_left > 0)
    {
      char *o = buffer;
      gsize o_left = sizeof buffer;
      gsize r = g_iconv (cd, &in, &in_left, &o, &o_left);

      g_string_append_len (out, buffer, sizeof buffer - o_left);
      if (r == (gsize) -1)
        {
          if (errno == E2BIG)
            continue;
          /* EILSEQ, or EINVAL for a sequence cut at the end */
          g_string_append (out, "\xef\xbf\xbd");
          in++;
          in_left--;
          g_iconv (cd, NULL, NULL, NULL, NULL);
        }
    }
  g_iconv_close (cd);

  *out_length = out->len;
  return g_string_free (out, FALSE);
}

/* The page as UTF-8, whatever it says about itself: a byte order mark
 * first; then bytes that are valid UTF-8 are UTF-8 whatever the page
 * declares (a page that says gb2312 is often UTF-8); then the charset the
 * server or the page declares; else windows-1252, as browsers in the West.
 * Returns NULL when @data is already UTF-8. */
static char *
page_to_utf8 (const char *data,
              gsize       length,
              const char *server_charset,
              gsize      *out_length)
{
  g_autofree char *sniffed = NULL;
  const char *decoder;

  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    return is_utf8 (data, length) ? NULL : decode_leniently (data + 3, length - 3, "UTF-8", out_length);
  if (length >= 2 && memcmp (data, "\xff\xfe", 2) == 0)
    return decode_leniently (data + 2, length - 2, "UTF-16LE", out_length);
  if (length >= 2 && memcmp (data, "\xfe\xff", 2) == 0)
    return decode_leniently (data + 2, length - 2, "UTF-16BE", out_length);

  if (is_utf8 (data, length))
    return NULL;

  decoder = decoder_for_label (server_charset);
  if (decoder == NULL)
    decoder = decoder_for_label (sniffed = sniff_declared_charset (data, length));
  /* A page in UTF-16 says so with a byte order mark; a label in the page
   * cannot be read in the first place */
  if (decoder == NULL || (server_charset == NULL && g_str_has_prefix (decoder, "UTF-16")))
    decoder = "WINDOWS-1252";

  return decode_leniently (data, length, decoder, out_length);
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
  g_autofree char *decoded = NULL;
  gsize decoded_length = 0;
  xmlDoc *doc;
  gboolean ok = TRUE;
  char *hash;

  g_return_val_if_fail (page_uri != NULL, NULL);

  vignette_extractor_init ();
  quiet_libxml ();

  if (length > G_MAXINT)
    length = G_MAXINT;
  if (length == 0)
    data = "";

  /* libxml2 stops at the first byte its iconv cannot convert and loses the
   * rest of the page: it gets UTF-8 that it is told not to re-decode */
  decoded = page_to_utf8 (data, length, charset, &decoded_length);
  if (decoded != NULL)
    {
      data = decoded;
      length = MIN (decoded_length, G_MAXINT);
    }

  ex.uris = g_ptr_array_new_with_free_func (g_free);
  ex.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ex.consumed = g_hash_table_new (NULL, NULL);
  ex.noscripts = g_hash_table_new (NULL, NULL);
  ex.meta_uris = g_ptr_array_new_with_free_func (g_free);
  ex.allow_file = g_ascii_strncasecmp (page_uri, "file:", 5) == 0;
  ex.page_uri = vignette_resolve_uri (page_uri, page_uri);
  if (ex.page_uri == NULL)
    ex.page_uri = g_strdup (page_uri);
  if ((hash = strchr (ex.page_uri, '#')) != NULL)
    *hash = '\0';

  doc = htmlReadMemory (data, (int) length, page_uri, "UTF-8",
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

  g_free (ex.page_uri);
  g_free (ex.base_uri);
  g_hash_table_unref (ex.seen);
  g_hash_table_unref (ex.consumed);
  g_hash_table_unref (ex.noscripts);
  g_ptr_array_unref (ex.meta_uris);

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
