/* vignette-settings.h: every tunable of a run, with its range and default, defined once
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * VignetteSettingId:
 *
 * The numeric settings that the command line, the preferences (through the
 * GSettings schema, which a test holds to the same ranges) and the run's
 * properties share.
 */
typedef enum {
  VIGNETTE_SETTING_JOBS,
  VIGNETTE_SETTING_PER_HOST,
  VIGNETTE_SETTING_RETRIES,
  VIGNETTE_SETTING_THREADS,
  VIGNETTE_SETTING_TIMEOUT,
  VIGNETTE_SETTING_LOW_SPEED_LIMIT,
  VIGNETTE_SETTING_LOW_SPEED_TIME,
  VIGNETTE_SETTING_MAX_PIXELS,
  VIGNETTE_SETTING_MAX_BYTES,
  VIGNETTE_N_SETTINGS
} VignetteSettingId;

typedef struct {
  const char *name;      /* the property, GSettings key and --option name */
  guint64     min;
  guint64     max;
  guint64     value;     /* the default */
} VignetteSettingRange;

#define VIGNETTE_DEFAULT_JOBS            16
#define VIGNETTE_DEFAULT_PER_HOST         8
#define VIGNETTE_DEFAULT_RETRIES          3
#define VIGNETTE_DEFAULT_TIMEOUT        120
#define VIGNETTE_DEFAULT_IDLE_TIMEOUT    30
#define VIGNETTE_DEFAULT_LOW_SPEED_LIMIT 100
#define VIGNETTE_DEFAULT_LOW_SPEED_TIME  30
#define VIGNETTE_DEFAULT_MAX_PIXELS     (G_GUINT64_CONSTANT (100) * 1000 * 1000)
#define VIGNETTE_DEFAULT_MAX_BYTES      (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define VIGNETTE_DEFAULT_MAX_PAGE_BYTES (G_GUINT64_CONSTANT (16) * 1024 * 1024)
#define VIGNETTE_MAX_REDIRECTS           10

/* What the network side of a run needs, copied when a run starts */
typedef struct {
  guint    jobs;
  guint    per_host;
  guint    retries;
  guint    timeout;          /* seconds for a whole request */
  guint    idle_timeout;     /* seconds without any data */
  guint    retry_delay_ms;   /* the first backoff; doubles with each retry */
  guint    max_retry_wait;   /* seconds of Retry-After that are still worth waiting */
  guint    low_speed_limit;  /* bytes a second… */
  guint    low_speed_time;   /* …under which, for this many seconds, an attempt fails; 0 turns it off */
  guint64  max_bytes;
  guint64  max_page_bytes;
  char    *ca_file;          /* PEM certificates to trust instead of the system's, or NULL */
} VignetteSettings;

const VignetteSettingRange *vignette_setting_get_range     (VignetteSettingId  id);
gboolean                    vignette_setting_parse         (VignetteSettingId  id,
                                                            const char        *text,
                                                            guint64           *value,
                                                            GError           **error);
void                        vignette_settings_init         (VignetteSettings  *settings);
void                        vignette_settings_copy         (VignetteSettings  *dest,
                                                            const VignetteSettings *src);
void                        vignette_settings_clear        (VignetteSettings  *settings);

G_END_DECLS
