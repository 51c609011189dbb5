/* vignette-settings.c: every tunable of a run, with its range and default, defined once
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "vignette-error.h"
#include "vignette-settings.h"

/* The low-speed limit follows curl's --speed-limit/--speed-time: an
 * attempt whose body arrives at under 100 bytes a second for 30 seconds
 * fails. A real download on the slowest mobile link shared by 16 requests
 * still moves several hundred bytes a second per request; a server that
 * trickles a byte a second is cut after 30 s instead of the 120 s total
 * timeout. */
static const VignetteSettingRange ranges[VIGNETTE_N_SETTINGS] = {
  [VIGNETTE_SETTING_JOBS]            = { "jobs", 1, 256, VIGNETTE_DEFAULT_JOBS },
  [VIGNETTE_SETTING_PER_HOST]        = { "per-host", 1, 256, VIGNETTE_DEFAULT_PER_HOST },
  [VIGNETTE_SETTING_RETRIES]         = { "retries", 0, 100, VIGNETTE_DEFAULT_RETRIES },
  [VIGNETTE_SETTING_THREADS]         = { "threads", 0, 64, 0 },
  [VIGNETTE_SETTING_TIMEOUT]         = { "timeout", 1, 3600, VIGNETTE_DEFAULT_TIMEOUT },
  [VIGNETTE_SETTING_LOW_SPEED_LIMIT] = { "low-speed-limit", 0, 1024 * 1024, VIGNETTE_DEFAULT_LOW_SPEED_LIMIT },
  [VIGNETTE_SETTING_LOW_SPEED_TIME]  = { "low-speed-time", 0, 3600, VIGNETTE_DEFAULT_LOW_SPEED_TIME },
  [VIGNETTE_SETTING_MAX_PIXELS]      = { "max-pixels", 1, G_MAXUINT64, VIGNETTE_DEFAULT_MAX_PIXELS },
  [VIGNETTE_SETTING_MAX_BYTES]       = { "max-bytes", 1, G_MAXUINT32, VIGNETTE_DEFAULT_MAX_BYTES },
};

const VignetteSettingRange *
vignette_setting_get_range (VignetteSettingId id)
{
  g_return_val_if_fail (id < VIGNETTE_N_SETTINGS, NULL);
  return &ranges[id];
}

/**
 * vignette_setting_parse:
 *
 * Reads a value as the command line gives it: a whole number within the
 * setting's range; --max-bytes also takes K, M and G suffixes.
 */
gboolean
vignette_setting_parse (VignetteSettingId   id,
                        const char         *text,
                        guint64            *value,
                        GError            **error)
{
  const VignetteSettingRange *range = vignette_setting_get_range (id);
  g_autofree char *copy = g_strstrip (g_strdup (text));
  guint64 multiplier = 1;
  gsize length = strlen (copy);

  if (id == VIGNETTE_SETTING_MAX_BYTES && length > 0)
    {
      switch (g_ascii_toupper (copy[length - 1]))
        {
        case 'K': multiplier = 1024; break;
        case 'M': multiplier = 1024 * 1024; break;
        case 'G': multiplier = 1024 * 1024 * 1024; break;
        default: break;
        }
      if (multiplier != 1)
        copy[length - 1] = '\0';

      if (!g_ascii_string_to_unsigned (copy, 10, 1, range->max / multiplier, value, NULL))
        {
          g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION,
                       _("--max-bytes must be a size such as 64M, 500K or 1G, not “%s”."), text);
          return FALSE;
        }
      *value *= multiplier;
      return TRUE;
    }

  if (!g_ascii_string_to_unsigned (copy, 10, range->min, range->max, value, NULL))
    {
      g_autofree char *option = g_strconcat ("--", range->name, NULL);

      g_set_error (error, VIGNETTE_ERROR, VIGNETTE_ERROR_INVALID_OPTION,
                   /* Translators: "--jobs must be a whole number from 1 to 256, not “x”." */
                   _("%s must be a whole number from %" PRIu64 " to %" PRIu64 ", not “%s”."),
                   option, (uint64_t) range->min, (uint64_t) range->max, text);
      return FALSE;
    }

  return TRUE;
}

void
vignette_settings_init (VignetteSettings *settings)
{
  memset (settings, 0, sizeof *settings);
  settings->jobs = VIGNETTE_DEFAULT_JOBS;
  settings->per_host = VIGNETTE_DEFAULT_PER_HOST;
  settings->retries = VIGNETTE_DEFAULT_RETRIES;
  settings->timeout = VIGNETTE_DEFAULT_TIMEOUT;
  settings->idle_timeout = VIGNETTE_DEFAULT_IDLE_TIMEOUT;
  settings->retry_delay_ms = 500;
  settings->max_retry_wait = 60;
  settings->low_speed_limit = VIGNETTE_DEFAULT_LOW_SPEED_LIMIT;
  settings->low_speed_time = VIGNETTE_DEFAULT_LOW_SPEED_TIME;
  settings->max_bytes = VIGNETTE_DEFAULT_MAX_BYTES;
  settings->max_page_bytes = VIGNETTE_DEFAULT_MAX_PAGE_BYTES;
}

void
vignette_settings_copy (VignetteSettings       *dest,
                        const VignetteSettings *src)
{
  *dest = *src;
  dest->ca_file = g_strdup (src->ca_file);
}

void
vignette_settings_clear (VignetteSettings *settings)
{
  g_clear_pointer (&settings->ca_file, g_free);
}
