/* vignette-error.c: the engine's error domain
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "vignette-error.h"

G_DEFINE_QUARK (vignette-error-quark, vignette_error)
