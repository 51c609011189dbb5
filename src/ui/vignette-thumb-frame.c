/* vignette-thumb-frame.c: the square area of a card, as wide as the zoom asks or as the window allows
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A fixed size request would make a 500 px card overflow a 360 px window.
 * This frame asks for the zoom size as its natural width but accepts less,
 * and is as tall as it is wide (height-for-width), so the grid can give a
 * narrow window one column of smaller cards and the same code gives a wide
 * window many columns of full-size ones.
 */
#include "config.h"

#include "vignette-thumb-frame.h"

/* Below this a card stops shrinking: a thumbnail this small says nothing */
#define MIN_SIZE 64

struct _VignetteThumbFrame
{
  GtkWidget  parent_instance;

  GtkWidget *child;
  guint      size;
};

static void vignette_thumb_frame_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VignetteThumbFrame, vignette_thumb_frame, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE,
                                                      vignette_thumb_frame_buildable_init))

enum {
  PROP_0,
  PROP_SIZE,
  PROP_CHILD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static GtkBuildableIface *parent_buildable_iface;

static GtkSizeRequestMode
vignette_thumb_frame_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
vignette_thumb_frame_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  VignetteThumbFrame *self = VIGNETTE_THUMB_FRAME (widget);
  int size = (int) self->size;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN (size, MIN_SIZE);
      *natural = size;
    }
  else
    {
      int side = for_size >= 0 ? CLAMP (for_size, MIN (size, MIN_SIZE), size) : size;

      *minimum = side;
      *natural = side;
    }
}

static void
vignette_thumb_frame_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  VignetteThumbFrame *self = VIGNETTE_THUMB_FRAME (widget);

  if (self->child != NULL && gtk_widget_should_layout (self->child))
    gtk_widget_allocate (self->child, width, height, -1, NULL);
}

static void
vignette_thumb_frame_dispose (GObject *object)
{
  VignetteThumbFrame *self = VIGNETTE_THUMB_FRAME (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);

  G_OBJECT_CLASS (vignette_thumb_frame_parent_class)->dispose (object);
}

static void
vignette_thumb_frame_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  VignetteThumbFrame *self = VIGNETTE_THUMB_FRAME (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      g_value_set_uint (value, self->size);
      break;
    case PROP_CHILD:
      g_value_set_object (value, self->child);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_thumb_frame_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  VignetteThumbFrame *self = VIGNETTE_THUMB_FRAME (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      vignette_thumb_frame_set_size (self, g_value_get_uint (value));
      break;
    case PROP_CHILD:
      vignette_thumb_frame_set_child (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_thumb_frame_add_child (GtkBuildable *buildable,
                                GtkBuilder   *builder,
                                GObject      *child,
                                const char   *type)
{
  if (GTK_IS_WIDGET (child))
    vignette_thumb_frame_set_child (VIGNETTE_THUMB_FRAME (buildable), GTK_WIDGET (child));
  else
    parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
vignette_thumb_frame_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = vignette_thumb_frame_add_child;
}

static void
vignette_thumb_frame_class_init (VignetteThumbFrameClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vignette_thumb_frame_dispose;
  object_class->get_property = vignette_thumb_frame_get_property;
  object_class->set_property = vignette_thumb_frame_set_property;

  widget_class->get_request_mode = vignette_thumb_frame_get_request_mode;
  widget_class->measure = vignette_thumb_frame_measure;
  widget_class->size_allocate = vignette_thumb_frame_size_allocate;

  properties[PROP_SIZE] =
    g_param_spec_uint ("size", NULL, NULL, 1, 4096, 200,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHILD] =
    g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "thumbframe");
}

static void
vignette_thumb_frame_init (VignetteThumbFrame *self)
{
  self->size = 200;
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
vignette_thumb_frame_new (void)
{
  return g_object_new (VIGNETTE_TYPE_THUMB_FRAME, NULL);
}

void
vignette_thumb_frame_set_child (VignetteThumbFrame *self,
                                GtkWidget          *child)
{
  g_return_if_fail (VIGNETTE_IS_THUMB_FRAME (self));
  g_return_if_fail (child == NULL || GTK_IS_WIDGET (child));

  if (self->child == child)
    return;

  g_clear_pointer (&self->child, gtk_widget_unparent);
  if (child != NULL)
    {
      self->child = child;
      gtk_widget_set_parent (child, GTK_WIDGET (self));
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHILD]);
}

GtkWidget *
vignette_thumb_frame_get_child (VignetteThumbFrame *self)
{
  g_return_val_if_fail (VIGNETTE_IS_THUMB_FRAME (self), NULL);
  return self->child;
}

void
vignette_thumb_frame_set_size (VignetteThumbFrame *self,
                               guint               size)
{
  g_return_if_fail (VIGNETTE_IS_THUMB_FRAME (self));

  if (self->size == size)
    return;

  self->size = size;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
}

guint
vignette_thumb_frame_get_size (VignetteThumbFrame *self)
{
  g_return_val_if_fail (VIGNETTE_IS_THUMB_FRAME (self), 0);
  return self->size;
}
