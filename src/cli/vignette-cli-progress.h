/* vignette-cli-progress.h: what vignette-cli shows on stderr while a run goes on
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "vignette-run.h"

G_BEGIN_DECLS

#define VIGNETTE_TYPE_CLI_PROGRESS (vignette_cli_progress_get_type ())

G_DECLARE_FINAL_TYPE (VignetteCliProgress, vignette_cli_progress, VIGNETTE, CLI_PROGRESS, GObject)

VignetteCliProgress *vignette_cli_progress_new          (VignetteRun         *run,
                                                         gboolean             quiet);
void                 vignette_cli_progress_finish       (VignetteCliProgress *self);
void                 vignette_cli_progress_print_summary (VignetteCliProgress *self);

G_END_DECLS
