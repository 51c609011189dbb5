/* test-settings.c: the settings are defined once: the command line, the run and the schema agree
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "vignette-error.h"
#include "vignette-run.h"
#include "vignette-settings.h"

#include "test-utils.h"

/* The settings the preferences offer, with the key that holds each */
static const struct {
  VignetteSettingId id;
  const char       *key;
} in_schema[] = {
  { VIGNETTE_SETTING_JOBS, "jobs" },
  { VIGNETTE_SETTING_PER_HOST, "per-host" },
  { VIGNETTE_SETTING_RETRIES, "retries" },
  { VIGNETTE_SETTING_THREADS, "threads" },
  { VIGNETTE_SETTING_LOW_SPEED_LIMIT, "low-speed-limit" },
  { VIGNETTE_SETTING_LOW_SPEED_TIME, "low-speed-time" },
};

static char *
schema_value (xmlXPathContext *xpath,
              const char      *key,
              const char      *what)
{
  g_autofree char *expression = g_strdup_printf ("string(//key[@name='%s']/%s)", key, what);
  xmlXPathObject *result = xmlXPathEvalExpression ((const xmlChar *) expression, xpath);
  char *value = g_strdup (result && result->stringval ? (const char *) result->stringval : "");

  xmlXPathFreeObject (result);
  return g_strstrip (value);
}

static void
test_schema_agrees (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data",
                                                 "io.github.vignette.Vignette.gschema.xml", NULL);
  xmlDoc *doc = xmlReadFile (path, NULL, XML_PARSE_NONET);
  xmlXPathContext *xpath;

  g_assert_nonnull (doc);
  xpath = xmlXPathNewContext (doc);

  for (guint i = 0; i < G_N_ELEMENTS (in_schema); i++)
    {
      const VignetteSettingRange *range = vignette_setting_get_range (in_schema[i].id);
      g_autofree char *min = schema_value (xpath, in_schema[i].key, "range/@min");
      g_autofree char *max = schema_value (xpath, in_schema[i].key, "range/@max");
      g_autofree char *value = schema_value (xpath, in_schema[i].key, "default");

      g_test_message ("%s: schema %s…%s (%s), engine %" G_GUINT64_FORMAT "…%" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT ")",
                      in_schema[i].key, min, max, value, range->min, range->max, range->value);
      g_assert_cmpstr (range->name, ==, in_schema[i].key);
      g_assert_cmpuint (g_ascii_strtoull (min, NULL, 10), ==, range->min);
      g_assert_cmpuint (g_ascii_strtoull (max, NULL, 10), ==, range->max);
      g_assert_cmpuint (g_ascii_strtoull (value, NULL, 10), ==, range->value);
    }

  xmlXPathFreeContext (xpath);
  xmlFreeDoc (doc);
}

/* The run's properties take their ranges and defaults from the same table */
static void
test_run_properties_agree (void)
{
  g_autoptr(VignetteRun) run = vignette_run_new ();
  GObjectClass *klass = G_OBJECT_GET_CLASS (run);

  for (guint id = 0; id < VIGNETTE_N_SETTINGS; id++)
    {
      const VignetteSettingRange *range = vignette_setting_get_range (id);
      GParamSpec *pspec = g_object_class_find_property (klass, range->name);
      GValue value = G_VALUE_INIT;

      g_assert_nonnull (pspec);
      g_value_init (&value, pspec->value_type);
      g_object_get_property (G_OBJECT (run), range->name, &value);
      if (G_IS_PARAM_SPEC_UINT (pspec))
        {
          g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->minimum, ==, range->min);
          g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->maximum, ==, range->max);
          g_assert_cmpuint (g_value_get_uint (&value), ==, range->value);
        }
      else
        {
          g_assert_true (G_IS_PARAM_SPEC_UINT64 (pspec));
          g_assert_cmpuint (G_PARAM_SPEC_UINT64 (pspec)->minimum, ==, range->min);
          g_assert_cmpuint (G_PARAM_SPEC_UINT64 (pspec)->maximum, ==, range->max);
          g_assert_cmpuint (g_value_get_uint64 (&value), ==, range->value);
        }
      g_value_unset (&value);
    }
}

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  guint64 value = 0;

  g_assert_true (vignette_setting_parse (VIGNETTE_SETTING_JOBS, " 32 ", &value, &error));
  g_assert_cmpuint (value, ==, 32);

  g_assert_false (vignette_setting_parse (VIGNETTE_SETTING_JOBS, "257", &value, &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION);
  g_assert_cmpstr (error->message, ==, "--jobs must be a whole number from 1 to 256, not “257”.");
  g_clear_error (&error);

  g_assert_true (vignette_setting_parse (VIGNETTE_SETTING_LOW_SPEED_TIME, "0", &value, &error));
  g_assert_cmpuint (value, ==, 0);

  g_assert_true (vignette_setting_parse (VIGNETTE_SETTING_MAX_BYTES, "2M", &value, &error));
  g_assert_cmpuint (value, ==, 2 * 1024 * 1024);
  g_assert_false (vignette_setting_parse (VIGNETTE_SETTING_MAX_BYTES, "5T", &value, &error));
  g_assert_nonnull (strstr (error->message, "--max-bytes"));
}

/* An XPath libxml2 refuses is refused by the run, with a sentence */
static void
test_invalid_selector (void)
{
  g_autoptr(VignetteRun) run = vignette_run_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;

  g_assert_true (vignette_run_set_selector (run, "//figure//img/@src", &error));
  g_assert_no_error (error);
  g_assert_false (vignette_run_set_selector (run, "//figure[", &error));
  g_assert_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_SELECTOR);
  g_object_get (run, "selector", &kept, NULL);
  g_assert_cmpstr (kept, ==, "//figure//img/@src");
}

int
main (int    argc,
      char **argv)
{
  vignette_test_init (&argc, &argv);

  g_test_add_func ("/core/settings/schema-agrees", test_schema_agrees);
  g_test_add_func ("/core/settings/run-properties-agree", test_run_properties_agree);
  g_test_add_func ("/core/settings/parse", test_parse);
  g_test_add_func ("/core/settings/invalid-selector", test_invalid_selector);

  return g_test_run ();
}
