/* vignette-window-private.h: what the window and its actions share
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "vignette-demo-site.h"
#include "vignette-window.h"

G_BEGIN_DECLS

struct _VignetteWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  VignetteStartPage    *start_page;
  VignetteGalleryPage  *gallery_page;
  VignetteDetailView   *detail_view;

  GSettings            *settings;
  VignetteRun          *run;
  GSignalGroup         *run_signals;
  GCancellable         *cancellable;       /* the run's */
  GCancellable         *save_cancellable;  /* "Save Thumbnails…", while it runs */
  VignetteDemoSite     *demo;
  char                 *title;
};

void _vignette_window_add_actions    (VignetteWindow *self);
void _vignette_window_update_actions (VignetteWindow *self);
void _vignette_window_show_page      (VignetteWindow *self,
                                      const char     *name);
void _vignette_window_cancel         (VignetteWindow *self);
void _vignette_window_retry_failed   (VignetteWindow *self);
void _vignette_window_notify_saving  (VignetteWindow *self);
gboolean _vignette_window_open_dropped (VignetteWindow *self,
                                        const GValue   *value);

G_END_DECLS
