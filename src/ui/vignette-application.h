/* vignette-application.h: the vignette program: one instance, its windows, its command line
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_APPLICATION (vignette_application_get_type ())

G_DECLARE_FINAL_TYPE (VignetteApplication, vignette_application, VIGNETTE, APPLICATION, AdwApplication)

VignetteApplication *vignette_application_new (void);

G_END_DECLS
