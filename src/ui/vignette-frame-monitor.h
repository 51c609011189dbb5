/* vignette-frame-monitor.h: the longest interval between two frames while a run is going
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VIGNETTE_TYPE_FRAME_MONITOR (vignette_frame_monitor_get_type ())

G_DECLARE_FINAL_TYPE (VignetteFrameMonitor, vignette_frame_monitor, VIGNETTE, FRAME_MONITOR, GObject)

VignetteFrameMonitor *vignette_frame_monitor_new              (void);
void                  vignette_frame_monitor_start            (VignetteFrameMonitor *self,
                                                               GtkWidget            *widget);
void                  vignette_frame_monitor_stop             (VignetteFrameMonitor *self);
double                vignette_frame_monitor_get_max_interval_ms (VignetteFrameMonitor *self);
guint64               vignette_frame_monitor_get_n_frames     (VignetteFrameMonitor *self);

G_END_DECLS
