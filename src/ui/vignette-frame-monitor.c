/* vignette-frame-monitor.c: the longest interval between two frames while a run is going
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main-loop stall monitor (vignette-stats.c) says how long one
 * iteration took; this says what a user sees: how long the window went
 * without a new frame. While a run is going the monitor keeps the frame
 * clock updating (as an animation does), so consecutive "update" signals
 * are consecutive frames and a long gap between two of them is a frame the
 * window missed. The clock's own frame times are predictions, so the real
 * time of each update is taken instead.
 */
#include "config.h"

#include "vignette-frame-monitor.h"

struct _VignetteFrameMonitor
{
  GObject        parent_instance;

  GdkFrameClock *clock;
  gulong         update_id;
  GtkWidget     *widget;      /* weak: its unrealization stops the monitor */
  gulong         unrealize_id;
  gint64         last_update;
  gint64         max_interval;
  guint64        n_frames;
};

G_DEFINE_FINAL_TYPE (VignetteFrameMonitor, vignette_frame_monitor, G_TYPE_OBJECT)

static void
on_update (GdkFrameClock        *clock,
           VignetteFrameMonitor *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->last_update != 0 && now - self->last_update > self->max_interval)
    self->max_interval = now - self->last_update;
  self->last_update = now;
  self->n_frames++;
}

static void
vignette_frame_monitor_dispose (GObject *object)
{
  vignette_frame_monitor_stop (VIGNETTE_FRAME_MONITOR (object));

  G_OBJECT_CLASS (vignette_frame_monitor_parent_class)->dispose (object);
}

static void
vignette_frame_monitor_class_init (VignetteFrameMonitorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vignette_frame_monitor_dispose;
}

static void
vignette_frame_monitor_init (VignetteFrameMonitor *self)
{
}

VignetteFrameMonitor *
vignette_frame_monitor_new (void)
{
  return g_object_new (VIGNETTE_TYPE_FRAME_MONITOR, NULL);
}

/* @widget must be realized (it has a frame clock) */
void
vignette_frame_monitor_start (VignetteFrameMonitor *self,
                              GtkWidget            *widget)
{
  GdkFrameClock *clock;

  g_return_if_fail (VIGNETTE_IS_FRAME_MONITOR (self));

  clock = gtk_widget_get_frame_clock (widget);
  if (clock == NULL || clock == self->clock)
    return;

  vignette_frame_monitor_stop (self);

  self->clock = g_object_ref (clock);
  self->last_update = 0;
  self->update_id = g_signal_connect (clock, "update", G_CALLBACK (on_update), self);
  gdk_frame_clock_begin_updating (clock);

  /* A window closed in the middle of a run takes its frame clock with it */
  g_set_weak_pointer (&self->widget, widget);
  self->unrealize_id = g_signal_connect_swapped (widget, "unrealize",
                                                 G_CALLBACK (vignette_frame_monitor_stop), self);
}

void
vignette_frame_monitor_stop (VignetteFrameMonitor *self)
{
  g_return_if_fail (VIGNETTE_IS_FRAME_MONITOR (self));

  if (self->widget != NULL)
    g_clear_signal_handler (&self->unrealize_id, self->widget);
  g_clear_weak_pointer (&self->widget);
  self->unrealize_id = 0;

  if (self->clock == NULL)
    return;

  gdk_frame_clock_end_updating (self->clock);
  g_clear_signal_handler (&self->update_id, self->clock);
  g_clear_object (&self->clock);
}

double
vignette_frame_monitor_get_max_interval_ms (VignetteFrameMonitor *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FRAME_MONITOR (self), 0.0);
  return self->max_interval / 1000.0;
}

guint64
vignette_frame_monitor_get_n_frames (VignetteFrameMonitor *self)
{
  g_return_val_if_fail (VIGNETTE_IS_FRAME_MONITOR (self), 0);
  return self->n_frames;
}
