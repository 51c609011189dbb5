/* vignette-backed-paintable.c: an image drawn over a checkerboard, so that transparency shows
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PNG logo with a transparent background vanishes on a white card (and a
 * black one in a dark one). Image viewers draw such images over a
 * checkerboard; this paintable does the same, under the image only (a
 * GtkPicture gives a paintable the rectangle the image fills, not the
 * card's). The squares are grey with some transparency, so they read as
 * a checkerboard over the light card of the light style and over the dark
 * one of the dark style alike.
 */
#include "config.h"

#include "vignette-backed-paintable.h"

#define SQUARE 8

struct _VignetteBackedPaintable
{
  GObject       parent_instance;

  GdkPaintable *image;
};

static void vignette_backed_paintable_paintable_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VignetteBackedPaintable, vignette_backed_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      vignette_backed_paintable_paintable_init))

static void
vignette_backed_paintable_snapshot (GdkPaintable *paintable,
                                    GdkSnapshot  *snapshot,
                                    double        width,
                                    double        height)
{
  VignetteBackedPaintable *self = VIGNETTE_BACKED_PAINTABLE (paintable);
  GtkSnapshot *gtk_snapshot = GTK_SNAPSHOT (snapshot);
  const GdkRGBA light = { 0.5f, 0.5f, 0.5f, 0.10f };
  const GdkRGBA dark = { 0.5f, 0.5f, 0.5f, 0.30f };
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height);
  graphene_rect_t tile = GRAPHENE_RECT_INIT (0, 0, 2 * SQUARE, 2 * SQUARE);

  gtk_snapshot_append_color (gtk_snapshot, &light, &bounds);
  gtk_snapshot_push_repeat (gtk_snapshot, &bounds, &tile);
  gtk_snapshot_append_color (gtk_snapshot, &dark, &GRAPHENE_RECT_INIT (0, 0, SQUARE, SQUARE));
  gtk_snapshot_append_color (gtk_snapshot, &dark, &GRAPHENE_RECT_INIT (SQUARE, SQUARE, SQUARE, SQUARE));
  gtk_snapshot_pop (gtk_snapshot);

  gdk_paintable_snapshot (self->image, snapshot, width, height);
}

static int
vignette_backed_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return gdk_paintable_get_intrinsic_width (VIGNETTE_BACKED_PAINTABLE (paintable)->image);
}

static int
vignette_backed_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return gdk_paintable_get_intrinsic_height (VIGNETTE_BACKED_PAINTABLE (paintable)->image);
}

static double
vignette_backed_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  return gdk_paintable_get_intrinsic_aspect_ratio (VIGNETTE_BACKED_PAINTABLE (paintable)->image);
}

static GdkPaintableFlags
vignette_backed_paintable_get_flags (GdkPaintable *paintable)
{
  /* Only textures are wrapped: they never change */
  return GDK_PAINTABLE_STATIC_SIZE | GDK_PAINTABLE_STATIC_CONTENTS;
}

static void
vignette_backed_paintable_paintable_init (GdkPaintableInterface *iface)
{
  iface->snapshot = vignette_backed_paintable_snapshot;
  iface->get_intrinsic_width = vignette_backed_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = vignette_backed_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = vignette_backed_paintable_get_intrinsic_aspect_ratio;
  iface->get_flags = vignette_backed_paintable_get_flags;
}

static void
vignette_backed_paintable_dispose (GObject *object)
{
  g_clear_object (&VIGNETTE_BACKED_PAINTABLE (object)->image);

  G_OBJECT_CLASS (vignette_backed_paintable_parent_class)->dispose (object);
}

static void
vignette_backed_paintable_class_init (VignetteBackedPaintableClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vignette_backed_paintable_dispose;
}

static void
vignette_backed_paintable_init (VignetteBackedPaintable *self)
{
}

/* @image: a paintable of static size and contents, such as a texture */
GdkPaintable *
vignette_backed_paintable_new (GdkPaintable *image)
{
  VignetteBackedPaintable *self;

  g_return_val_if_fail (GDK_IS_PAINTABLE (image), NULL);

  self = g_object_new (VIGNETTE_TYPE_BACKED_PAINTABLE, NULL);
  self->image = g_object_ref (image);
  return GDK_PAINTABLE (self);
}

GdkPaintable *
vignette_backed_paintable_get_image (VignetteBackedPaintable *self)
{
  g_return_val_if_fail (VIGNETTE_IS_BACKED_PAINTABLE (self), NULL);
  return self->image;
}
