/* vignette-srcset.h: the HTML standard's srcset attribute, parsed and chosen from
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One image candidate of a srcset, as the standard's parser keeps it */
typedef struct {
  char     *url;          /* as written, still relative */
  guint64   width;        /* the w descriptor, 0 when absent */
  guint64   height;       /* the h descriptor, 0 when absent */
  double    density;      /* the x descriptor, when has_density */
  gboolean  has_density;
} VignetteSrcsetCandidate;

void                            vignette_srcset_candidate_free (VignetteSrcsetCandidate *candidate);

GPtrArray                      *vignette_srcset_parse          (const char              *srcset);
double                          vignette_srcset_effective_density (const VignetteSrcsetCandidate *candidate,
                                                                   double                         sizes_px);
const VignetteSrcsetCandidate  *vignette_srcset_select         (GPtrArray               *candidates,
                                                                double                   sizes_px,
                                                                double                   device_pixel_ratio);
const VignetteSrcsetCandidate  *vignette_srcset_largest        (GPtrArray               *candidates);
char                           *vignette_srcset_pick_largest   (const char              *srcset);

G_END_DECLS
