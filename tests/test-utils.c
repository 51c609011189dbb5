/* test-utils.c: what every test needs: a loopback server, images, a bounded wait
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-utils.h"

void
vignette_test_init (int    *argc,
                    char ***argv)
{
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
}
