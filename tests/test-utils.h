/* test-utils.h: what every test needs: a loopback server, images, a bounded wait
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void vignette_test_init (int    *argc,
                         char ***argv);

G_END_DECLS
