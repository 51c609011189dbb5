/* test-srcset.c: the srcset parser against the HTML standard and the Web Platform Tests
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "vignette-extractor.h"
#include "vignette-srcset.h"

#include "test-utils.h"

/* The WPT table is JSON. GLib has no JSON reader and the project takes no
 * library for one test: this small reader turns it into a GVariant (object
 * a{sv}, array av, string s, number d, true/false b, null mv). */
typedef struct {
  const char *p;
  const char *end;
} JsonReader;

static GVariant *json_value (JsonReader *r);

static void
json_skip_space (JsonReader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static gboolean
json_hex4 (JsonReader *r,
           gunichar   *value)
{
  *value = 0;
  if (r->end - r->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++, r->p++)
    {
      if (!g_ascii_isxdigit (*r->p))
        return FALSE;
      *value = *value * 16 + (gunichar) g_ascii_xdigit_value (*r->p);
    }
  return TRUE;
}

static char *
json_string (JsonReader *r)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (r->p >= r->end || *r->p != '"')
    return NULL;
  r->p++;

  while (r->p < r->end && *r->p != '"')
    {
      gunichar c;

      if (*r->p != '\\')
        {
          g_string_append_c (out, *r->p++);
          continue;
        }

      r->p++;
      if (r->p >= r->end)
        return NULL;
      switch (*r->p++)
        {
        case '"': g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '/': g_string_append_c (out, '/'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          if (!json_hex4 (r, &c))
            return NULL;
          if (c >= 0xd800 && c < 0xdc00)
            {
              gunichar low;

              if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
                return NULL;
              r->p += 2;
              if (!json_hex4 (r, &low) || low < 0xdc00 || low > 0xdfff)
                return NULL;
              c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
            }
          if (c == 0 || (c >= 0xdc00 && c < 0xe000))
            return NULL;
          g_string_append_unichar (out, c);
          break;
        default:
          return NULL;
        }
    }

  if (r->p >= r->end)
    return NULL;
  r->p++;

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GVariant *
json_object (JsonReader *r)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  r->p++;
  json_skip_space (r);
  if (r->p < r->end && *r->p == '}')
    {
      r->p++;
      return g_variant_builder_end (&builder);
    }

  for (;;)
    {
      g_autofree char *key = NULL;
      GVariant *value;

      json_skip_space (r);
      if ((key = json_string (r)) == NULL)
        return NULL;
      json_skip_space (r);
      if (r->p >= r->end || *r->p++ != ':')
        return NULL;
      if ((value = json_value (r)) == NULL)
        return NULL;
      g_variant_builder_add (&builder, "{sv}", key, value);
      json_skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == '}')
        {
          r->p++;
          return g_variant_builder_end (&builder);
        }
      return NULL;
    }
}

static GVariant *
json_array (JsonReader *r)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));

  r->p++;
  json_skip_space (r);
  if (r->p < r->end && *r->p == ']')
    {
      r->p++;
      return g_variant_builder_end (&builder);
    }

  for (;;)
    {
      GVariant *value = json_value (r);

      if (value == NULL)
        return NULL;
      g_variant_builder_add (&builder, "v", value);
      json_skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == ']')
        {
          r->p++;
          return g_variant_builder_end (&builder);
        }
      return NULL;
    }
}

static gboolean
json_literal (JsonReader *r,
              const char *word)
{
  gsize length = strlen (word);

  if ((gsize) (r->end - r->p) < length || strncmp (r->p, word, length) != 0)
    return FALSE;
  r->p += length;
  return TRUE;
}

static GVariant *
json_value (JsonReader *r)
{
  json_skip_space (r);
  if (r->p >= r->end)
    return NULL;

  switch (*r->p)
    {
    case '{':
      return json_object (r);
    case '[':
      return json_array (r);
    case '"':
      {
        char *s = json_string (r);

        return s ? g_variant_new_take_string (s) : NULL;
      }
    case 't':
      return json_literal (r, "true") ? g_variant_new_boolean (TRUE) : NULL;
    case 'f':
      return json_literal (r, "false") ? g_variant_new_boolean (FALSE) : NULL;
    case 'n':
      return json_literal (r, "null") ? g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL) : NULL;
    default:
      {
        g_autofree char *copy = g_strndup (r->p, (gsize) MIN (r->end - r->p, 64));
        char *end = NULL;
        double d = g_ascii_strtod (copy, &end);

        if (end == copy)
          return NULL;
        r->p += end - copy;
        return g_variant_new_double (d);
      }
    }
}

static GVariant *
json_parse (const char *text,
            gsize       length)
{
  JsonReader r = { text, text + length };
  GVariant *value = json_value (&r);

  if (value == NULL)
    return NULL;
  json_skip_space (&r);
  if (r.p != r.end)
    {
      g_variant_unref (g_variant_ref_sink (value));
      return NULL;
    }

  return g_variant_ref_sink (value);
}

/* A string member, or NULL when absent or null */
static const char *
lookup_string (GVariant   *object,
               const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (object, key, NULL);

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;

  /* The string lives as long as @object, which holds the value */
  return g_variant_get_string (value, NULL);
}

/* "1px", "0.5px": what the cases' sizes attributes hold */
static double
parse_sizes (const char *sizes)
{
  char *end = NULL;
  double px;

  if (sizes == NULL)
    return 0;

  px = g_ascii_strtod (sizes, &end);
  g_assert_cmpstr (end, ==, "px");
  return px;
}

/* The viewport WPT lays an image out in when no sizes attribute is given:
 * only cases where every w candidate is alike need it */
#define DEFAULT_SIZES_PX 800.0

typedef struct {
  guint total;
  guint strict;   /* chose what a browser chooses at density 1 */
  guint largest;  /* the gallery's pick: no URL where there is none, the one where there is one */
} Score;

static void
check_case (GVariant   *c,
            guint       index,
            Score      *score)
{
  const char *srcset = lookup_string (c, "srcset");
  const char *expect = lookup_string (c, "expect");
  const char *sizes = lookup_string (c, "sizes");
  g_autoptr(GVariant) sources = g_variant_lookup_value (c, "picture_sources", G_VARIANT_TYPE ("av"));
  g_autoptr(GPtrArray) candidates = NULL;
  g_autofree char *largest = NULL;
  const VignetteSrcsetCandidate *chosen = NULL;
  double sizes_px = sizes ? parse_sizes (sizes) : DEFAULT_SIZES_PX;
  gboolean strict_ok, largest_ok;

  g_assert_nonnull (expect);

  if (sources != NULL)
    {
      /* A <picture>: the first source with a candidate, as a browser reads them */
      for (gsize i = 0; i < g_variant_n_children (sources) && chosen == NULL; i++)
        {
          g_autoptr(GVariant) boxed = g_variant_get_child_value (sources, i);
          g_autoptr(GVariant) source = g_variant_get_variant (boxed);

          g_clear_pointer (&candidates, g_ptr_array_unref);
          candidates = vignette_srcset_parse (lookup_string (source, "srcset"));
          chosen = vignette_srcset_select (candidates, sizes_px, 1.0);
          g_clear_pointer (&largest, g_free);
          largest = vignette_srcset_pick_largest (lookup_string (source, "srcset"));
        }
    }
  else
    {
      g_assert_nonnull (srcset);
      candidates = vignette_srcset_parse (srcset);
      chosen = vignette_srcset_select (candidates, sizes_px, 1.0);
      largest = vignette_srcset_pick_largest (srcset);
    }

  if (*expect == '\0')
    strict_ok = chosen == NULL;
  else
    strict_ok = chosen != NULL && strcmp (chosen->url, expect) == 0;

  if (*expect == '\0')
    largest_ok = largest == NULL;
  else if (candidates != NULL && candidates->len == 1)
    largest_ok = g_strcmp0 (largest, expect) == 0;
  else
    largest_ok = largest != NULL;

  score->total++;
  score->strict += strict_ok;
  score->largest += largest_ok;

  if (!strict_ok || !largest_ok)
    {
      g_autofree char *shown = g_strescape (srcset ? srcset : "<picture>", NULL);
      g_autofree char *got = g_strescape (chosen ? chosen->url : "(none)", NULL);
      g_autofree char *wanted = g_strescape (expect, NULL);

      g_test_message ("case %u “%s”: chose “%s”, largest “%s”, the standard says “%s”",
                      index, shown, got, largest ? largest : "(none)", wanted);
    }
}

static void
test_wpt (void)
{
  g_autofree char *dir = vignette_test_get_testdata_dir (NULL);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) root = NULL;
  g_autoptr(GVariant) cases = NULL;
  Score score = { 0 };
  gsize length;

  if (dir == NULL)
    {
      g_test_skip ("the shared conformance data is absent");
      return;
    }

  path = g_build_filename (dir, "srcset-cases.json", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("srcset-cases.json is absent");
      return;
    }

  g_file_get_contents (path, &text, &length, &error);
  g_assert_no_error (error);
  root = json_parse (text, length);
  g_assert_nonnull (root);
  cases = g_variant_lookup_value (root, "cases", G_VARIANT_TYPE ("av"));
  g_assert_nonnull (cases);

  for (gsize i = 0; i < g_variant_n_children (cases); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (cases, i);
      g_autoptr(GVariant) c = g_variant_get_variant (boxed);

      check_case (c, (guint) i, &score);
    }

  g_test_message ("WPT srcset: %u of %u cases as the standard chooses, %u of %u right for the largest pick",
                  score.strict, score.total, score.largest, score.total);

  g_assert_cmpuint (score.total, ==, 250);
  g_assert_cmpuint (score.strict, ==, score.total);
  g_assert_cmpuint (score.largest, ==, score.total);
}

static void
assert_parsed (const char *srcset,
               const char *expected)
{
  g_autoptr(GPtrArray) candidates = vignette_srcset_parse (srcset);
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < candidates->len; i++)
    {
      const VignetteSrcsetCandidate *c = g_ptr_array_index (candidates, i);

      if (i > 0)
        g_string_append (got, " | ");
      g_string_append (got, c->url);
      if (c->width > 0)
        g_string_append_printf (got, " %" G_GUINT64_FORMAT "w", c->width);
      if (c->height > 0)
        g_string_append_printf (got, " %" G_GUINT64_FORMAT "h", c->height);
      if (c->has_density)
        g_string_append_printf (got, " %gx", c->density);
    }

  g_test_message ("srcset “%s”", srcset);
  g_assert_cmpstr (got->str, ==, expected);
}

static void
test_parse (void)
{
  /* Each candidate with what the standard keeps of it */
  assert_parsed ("a.jpg 100w, b.jpg 300w 200h, c.jpg", "a.jpg 100w | b.jpg 300w 200h | c.jpg");
  assert_parsed ("a.jpg 1x,b.jpg 2.5x", "a.jpg 1x | b.jpg 2.5x");
  /* Commas inside a URL stay; a comma at its end ends it */
  assert_parsed ("/w_320,h_200/cat.jpg 320w, /x/cat.jpg,", "/w_320,h_200/cat.jpg 320w | /x/cat.jpg");
  /* Invalid descriptors drop their candidate and only it */
  assert_parsed ("a foo, b 1x 1x, c 0w, d 1.0w, e +1w, f 2w", "f 2w");
  assert_parsed ("a 1h, b 1x 1w, c -1x, d 1.x, e .5x, f -0x", "e 0.5x | f 0x");
  /* Parentheses keep commas inside one descriptor */
  assert_parsed ("a ( , b 1x, ), c", "c");
  assert_parsed ("a.jpg 100w (min-width: 3px), b.jpg 50w", "b.jpg 50w");
  assert_parsed ("", "");
  assert_parsed (" , ,, ", "");
  assert_parsed (NULL, "");
}

static void
test_largest (void)
{
  const struct {
    const char *srcset;
    const char *largest;
  } cases[] = {
    { "a.jpg 100w, b.jpg 300w, c.jpg 200w", "b.jpg" },
    { "a.jpg 1x, b.jpg 2x", "b.jpg" },
    { "a.jpg, a@3x.jpg 3x, a@2x.jpg 2x", "a@3x.jpg" },
    { "a.jpg 300w, b.jpg 300w", "a.jpg" },
    { "a.jpg 2x, b.jpg 1200w", "b.jpg" },
    { "big.jpg 9000w foo, small.jpg 10w", "small.jpg" },
    { "a.jpg 1x 1x", NULL },
    { "", NULL },
  };

  /* Not the screen's choice: the biggest picture there is */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *largest = vignette_srcset_pick_largest (cases[i].srcset);

      g_test_message ("srcset “%s”", cases[i].srcset);
      g_assert_cmpstr (largest, ==, cases[i].largest);
    }
}

static void
test_select (void)
{
  g_autoptr(GPtrArray) densities = vignette_srcset_parse ("a 1x, b 2x, c 3x, d 2x");
  g_autoptr(GPtrArray) widths = vignette_srcset_parse ("s 400w, m 800w, l 1600w");

  /* A browser takes the smallest that covers the screen */
  g_assert_cmpstr (vignette_srcset_select (densities, 0, 1.0)->url, ==, "a");
  g_assert_cmpstr (vignette_srcset_select (densities, 0, 1.5)->url, ==, "b");
  g_assert_cmpstr (vignette_srcset_select (densities, 0, 4.0)->url, ==, "c");
  g_assert_cmpstr (vignette_srcset_select (widths, 800, 1.0)->url, ==, "m");
  g_assert_cmpstr (vignette_srcset_select (widths, 500, 2.0)->url, ==, "l");
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/srcset/parse", test_parse);
  g_test_add_func ("/core/srcset/largest", test_largest);
  g_test_add_func ("/core/srcset/select", test_select);
  g_test_add_func ("/core/srcset/wpt", test_wpt);

  return g_test_run ();
}
