/* vignette-srcset.c: the HTML standard's srcset attribute, parsed and chosen from
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Parse a srcset attribute" (HTML Living Standard, 4.8.4.3.10) step by
 * step: a candidate whose descriptors break any rule is dropped, and only
 * that candidate. The Web Platform Tests' cases check it (tests/test-srcset.c).
 * Everything works on UTF-8 bytes: every character the algorithm looks at
 * is ASCII, and no byte of a multi-byte character is ever ASCII.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "vignette-srcset.h"

void
vignette_srcset_candidate_free (VignetteSrcsetCandidate *candidate)
{
  if (candidate == NULL)
    return;

  g_free (candidate->url);
  g_free (candidate);
}

/* ASCII whitespace as the standard means it: U+000B and U+00A0 are not */
static gboolean
is_ascii_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

/* "A valid non-negative integer": one or more ASCII digits, nothing else.
 * Its value saturates rather than overflows. */
static gboolean
parse_non_negative_integer (const char *s,
                            gsize       length,
                            guint64    *value)
{
  guint64 v = 0;

  if (length == 0)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!is_digit (s[i]))
        return FALSE;
      if (v > (G_MAXUINT64 - 9) / 10)
        v = G_MAXUINT64;
      else
        v = v * 10 + (guint64) (s[i] - '0');
    }

  *value = v;
  return TRUE;
}

/* "A valid floating-point number": -? (D+ | D+ . D+ | . D+) ([eE] [+-]? D+)?
 * and, by the rules for parsing it, a finite value (-0 counts as 0). */
static gboolean
parse_floating_point (const char *s,
                      gsize       length,
                      double     *value)
{
  g_autofree char *copy = NULL;
  gsize i = 0;
  gsize digits = 0;
  double v;

  if (i < length && s[i] == '-')
    i++;

  while (i < length && is_digit (s[i]))
    i++, digits++;

  if (i < length && s[i] == '.')
    {
      gsize fraction = 0;

      i++;
      while (i < length && is_digit (s[i]))
        i++, fraction++;
      if (fraction == 0)
        return FALSE;
      digits += fraction;
    }

  if (digits == 0)
    return FALSE;

  if (i < length && (s[i] == 'e' || s[i] == 'E'))
    {
      gsize exponent = 0;

      i++;
      if (i < length && (s[i] == '-' || s[i] == '+'))
        i++;
      while (i < length && is_digit (s[i]))
        i++, exponent++;
      if (exponent == 0)
        return FALSE;
    }

  if (i != length)
    return FALSE;

  /* The text is now plain ASCII that g_ascii_strtod reads as the standard does */
  copy = g_strndup (s, length);
  v = g_ascii_strtod (copy, NULL);
  if (!isfinite (v))
    return FALSE;

  *value = v == 0 ? 0 : v;
  return TRUE;
}

/* Steps 8 to 12: the descriptor parser. Returns FALSE for "error is yes". */
static gboolean
parse_descriptors (GPtrArray               *descriptors,
                   VignetteSrcsetCandidate *candidate)
{
  gboolean has_width = FALSE, has_height = FALSE, has_density = FALSE;

  for (guint i = 0; i < descriptors->len; i++)
    {
      const char *d = g_ptr_array_index (descriptors, i);
      gsize length = strlen (d);
      char last = length > 0 ? d[length - 1] : '\0';
      guint64 integer = 0;
      double number = 0;

      if (last == 'w' && parse_non_negative_integer (d, length - 1, &integer))
        {
          if (has_width || has_density || integer == 0)
            return FALSE;
          has_width = TRUE;
          candidate->width = integer;
        }
      else if (last == 'x' && parse_floating_point (d, length - 1, &number))
        {
          if (has_width || has_density || has_height || number < 0)
            return FALSE;
          has_density = TRUE;
          candidate->density = number;
        }
      else if (last == 'h' && parse_non_negative_integer (d, length - 1, &integer))
        {
          if (has_height || has_density || integer == 0)
            return FALSE;
          has_height = TRUE;
          candidate->height = integer;
        }
      else
        {
          return FALSE;
        }
    }

  /* An h descriptor is only for the future, alongside a w */
  if (has_height && !has_width)
    return FALSE;

  candidate->has_density = has_density;
  return TRUE;
}

typedef enum {
  IN_DESCRIPTOR,
  IN_PARENS,
  AFTER_DESCRIPTOR,
} TokenizerState;

/* Step 7's descriptor tokenizer, from @p; returns where it stopped */
static const char *
tokenize_descriptors (const char *p,
                      GPtrArray  *descriptors)
{
  g_autoptr(GString) current = g_string_new (NULL);
  TokenizerState state = IN_DESCRIPTOR;

  while (is_ascii_space (*p))
    p++;

  for (;; p++)
    {
      char c = *p;

      switch (state)
        {
        case IN_DESCRIPTOR:
          if (is_ascii_space (c))
            {
              if (current->len > 0)
                g_ptr_array_add (descriptors, g_strdup (current->str));
              g_string_truncate (current, 0);
              state = AFTER_DESCRIPTOR;
            }
          else if (c == ',')
            {
              if (current->len > 0)
                g_ptr_array_add (descriptors, g_strdup (current->str));
              return p + 1;
            }
          else if (c == '(')
            {
              g_string_append_c (current, c);
              state = IN_PARENS;
            }
          else if (c == '\0')
            {
              if (current->len > 0)
                g_ptr_array_add (descriptors, g_strdup (current->str));
              return p;
            }
          else
            {
              g_string_append_c (current, c);
            }
          break;

        case IN_PARENS:
          if (c == ')')
            {
              g_string_append_c (current, c);
              state = IN_DESCRIPTOR;
            }
          else if (c == '\0')
            {
              g_ptr_array_add (descriptors, g_strdup (current->str));
              return p;
            }
          else
            {
              g_string_append_c (current, c);
            }
          break;

        case AFTER_DESCRIPTOR:
          if (c == '\0')
            return p;
          if (!is_ascii_space (c))
            {
              /* Reconsume this character in the descriptor state */
              state = IN_DESCRIPTOR;
              p--;
            }
          break;

        default:
          g_assert_not_reached ();
        }
    }
}

/**
 * vignette_srcset_parse:
 * @srcset: (nullable): the attribute's value, character references decoded
 *
 * Returns: (transfer full) (element-type VignetteSrcsetCandidate): the
 *   valid candidates in their order; empty when there is none
 */
GPtrArray *
vignette_srcset_parse (const char *srcset)
{
  GPtrArray *candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) vignette_srcset_candidate_free);
  const char *p = srcset;

  if (srcset == NULL)
    return candidates;

  for (;;)
    {
      g_autoptr(GPtrArray) descriptors = g_ptr_array_new_with_free_func (g_free);
      VignetteSrcsetCandidate *candidate;
      const char *url_start, *url_end;

      /* Splitting loop */
      while (is_ascii_space (*p) || *p == ',')
        p++;
      if (*p == '\0')
        break;

      url_start = p;
      while (*p != '\0' && !is_ascii_space (*p))
        p++;
      url_end = p;

      /* A URL that ends with a comma has no descriptors: the comma ends it */
      if (url_end[-1] == ',')
        {
          while (url_end > url_start && url_end[-1] == ',')
            url_end--;
        }
      else
        {
          p = tokenize_descriptors (p, descriptors);
        }

      candidate = g_new0 (VignetteSrcsetCandidate, 1);
      if (!parse_descriptors (descriptors, candidate))
        {
          vignette_srcset_candidate_free (candidate);
          continue;
        }
      candidate->url = g_strndup (url_start, (gsize) (url_end - url_start));
      g_ptr_array_add (candidates, candidate);
    }

  return candidates;
}

/**
 * vignette_srcset_effective_density:
 * @sizes_px: the width the image is laid out at, from the sizes attribute
 *
 * Returns: the pixel density the standard gives @candidate: its x
 *   descriptor, its w descriptor over @sizes_px, or 1
 */
double
vignette_srcset_effective_density (const VignetteSrcsetCandidate *candidate,
                                   double                         sizes_px)
{
  if (candidate->width > 0)
    return sizes_px > 0 ? (double) candidate->width / sizes_px : INFINITY;
  if (candidate->has_density)
    return candidate->density;

  return 1;
}

/**
 * vignette_srcset_select:
 * @candidates: (element-type VignetteSrcsetCandidate): from vignette_srcset_parse()
 * @sizes_px: the layout width, for w descriptors
 * @device_pixel_ratio: the screen's, such as 1
 *
 * Chooses as a browser does ("select an image source"): of the candidates
 * of one density only the first counts, then the smallest density that
 * covers the screen, else the largest there is.
 *
 * Returns: (transfer none) (nullable): the chosen candidate
 */
const VignetteSrcsetCandidate *
vignette_srcset_select (GPtrArray *candidates,
                        double     sizes_px,
                        double     device_pixel_ratio)
{
  const VignetteSrcsetCandidate *covering = NULL;
  const VignetteSrcsetCandidate *largest = NULL;
  double covering_density = INFINITY;
  double largest_density = -INFINITY;

  g_return_val_if_fail (candidates != NULL, NULL);

  /* Strict comparisons keep the first of equal densities */
  for (guint i = 0; i < candidates->len; i++)
    {
      const VignetteSrcsetCandidate *candidate = g_ptr_array_index (candidates, i);
      double density = vignette_srcset_effective_density (candidate, sizes_px);

      if (density >= device_pixel_ratio && density < covering_density)
        {
          covering = candidate;
          covering_density = density;
        }
      if (density > largest_density)
        {
          largest = candidate;
          largest_density = density;
        }
    }

  return covering != NULL ? covering : largest;
}

/**
 * vignette_srcset_largest:
 * @candidates: (element-type VignetteSrcsetCandidate): from vignette_srcset_parse()
 *
 * What a gallery wants is the biggest picture, not the screen's: the
 * largest w descriptor when there is one, else the largest density. Of
 * equal candidates the first wins, as in the standard.
 *
 * Returns: (transfer none) (nullable): that candidate
 */
const VignetteSrcsetCandidate *
vignette_srcset_largest (GPtrArray *candidates)
{
  const VignetteSrcsetCandidate *best = NULL;

  g_return_val_if_fail (candidates != NULL, NULL);

  for (guint i = 0; i < candidates->len; i++)
    {
      const VignetteSrcsetCandidate *candidate = g_ptr_array_index (candidates, i);

      if (best == NULL ||
          candidate->width > best->width ||
          (candidate->width == best->width && best->width == 0 &&
           vignette_srcset_effective_density (candidate, 0) > vignette_srcset_effective_density (best, 0)))
        best = candidate;
    }

  return best;
}

/**
 * vignette_srcset_pick_largest:
 * @srcset: (nullable): the attribute's value
 *
 * Returns: (transfer full) (nullable): the URL of vignette_srcset_largest(),
 *   still relative; %NULL when the standard drops every candidate
 */
char *
vignette_srcset_pick_largest (const char *srcset)
{
  g_autoptr(GPtrArray) candidates = vignette_srcset_parse (srcset);
  const VignetteSrcsetCandidate *best = vignette_srcset_largest (candidates);

  return best != NULL ? g_strdup (best->url) : NULL;
}
