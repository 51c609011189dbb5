/* vignette-demo-site.c: a gallery served on loopback, with pictures drawn on the fly
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What `--demo` fetches: a few pages shaped like a real gallery (figures,
 * srcset, a lazy-loaded image, a <picture>) whose images are landscapes drawn
 * procedurally, from 640×480 to 4000×3000, as JPEG and PNG. No binary file
 * ships with the app, nothing leaves the machine, and every response waits
 * about 300 ms, as a distant server would, so that the whole asynchronous
 * pipeline has something to overlap.
 *
 * The server runs on the caller's main loop; drawing and encoding an image
 * is CPU work and runs in a GTask thread, and each image is drawn once.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "vignette-demo-site.h"

struct _VignetteDemoSite
{
  GObject     parent_instance;

  SoupServer *server;
  guint       port;
  guint       n_pages;
  guint       per_page;
  guint       latency_ms;
  gboolean    with_faults;
  GHashTable *images;    /* index → GBytes, once drawn */
  GHashTable *drawing;   /* index → GPtrArray of waiting SoupServerMessage */
  GPtrArray  *timeouts;  /* of GSource, removed on dispose */
};

G_DEFINE_FINAL_TYPE (VignetteDemoSite, vignette_demo_site, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_PAGES,
  PROP_PER_PAGE,
  PROP_LATENCY,
  PROP_WITH_FAULTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  int         width;
  int         height;
  gboolean    png;
  const char *title;
} Picture;

/* Varied on purpose: landscape, portrait, square, panorama; large and small */
static const Picture pictures[] = {
  { 4000, 3000, FALSE, N_("Dawn over the ridges") },
  { 1200, 1800, FALSE, N_("Tall pines") },
  { 2400, 1600, FALSE, N_("Valley at noon") },
  { 1024, 1024, TRUE,  N_("Square summit") },
  { 3200, 1400, FALSE, N_("Panorama") },
  { 1600, 1200, FALSE, N_("Evening haze") },
  { 3000, 4000, FALSE, N_("North face") },
  {  800,  600, TRUE,  N_("Small lake") },
  { 1920, 1080, FALSE, N_("Wide pass") },
  { 1500, 2000, FALSE, N_("Waterfall path") },
  { 2048, 1365, FALSE, N_("Blue hour") },
  {  640,  480, TRUE,  N_("Little hill") },
};

static void
vignette_demo_site_dispose (GObject *object)
{
  VignetteDemoSite *self = VIGNETTE_DEMO_SITE (object);

  if (self->timeouts != NULL)
    {
      for (guint i = 0; i < self->timeouts->len; i++)
        g_source_destroy (g_ptr_array_index (self->timeouts, i));
      g_clear_pointer (&self->timeouts, g_ptr_array_unref);
    }

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (vignette_demo_site_parent_class)->dispose (object);
}

static void
vignette_demo_site_finalize (GObject *object)
{
  VignetteDemoSite *self = VIGNETTE_DEMO_SITE (object);

  g_hash_table_unref (self->images);
  g_hash_table_unref (self->drawing);

  G_OBJECT_CLASS (vignette_demo_site_parent_class)->finalize (object);
}

static void
vignette_demo_site_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  VignetteDemoSite *self = VIGNETTE_DEMO_SITE (object);

  switch (prop_id)
    {
    case PROP_N_PAGES:
      g_value_set_uint (value, self->n_pages);
      break;
    case PROP_PER_PAGE:
      g_value_set_uint (value, self->per_page);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_WITH_FAULTS:
      g_value_set_boolean (value, self->with_faults);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_demo_site_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  VignetteDemoSite *self = VIGNETTE_DEMO_SITE (object);

  switch (prop_id)
    {
    case PROP_N_PAGES:
      self->n_pages = g_value_get_uint (value);
      break;
    case PROP_PER_PAGE:
      self->per_page = g_value_get_uint (value);
      break;
    case PROP_LATENCY:
      self->latency_ms = g_value_get_uint (value);
      break;
    case PROP_WITH_FAULTS:
      self->with_faults = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_demo_site_class_init (VignetteDemoSiteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vignette_demo_site_dispose;
  object_class->finalize = vignette_demo_site_finalize;
  object_class->get_property = vignette_demo_site_get_property;
  object_class->set_property = vignette_demo_site_set_property;

  properties[PROP_N_PAGES] =
    g_param_spec_uint ("n-pages", NULL, NULL, 1, 1000, 6,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_PER_PAGE] =
    g_param_spec_uint ("per-page", NULL, NULL, 1, 100, 4,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_LATENCY] =
    g_param_spec_uint ("latency", NULL, NULL, 0, 60000, 300,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  /**
   * VignetteDemoSite:with-faults:
   *
   * Adds a missing image and a damaged one to the last page, to show what
   * failures look like.
   */
  properties[PROP_WITH_FAULTS] =
    g_param_spec_boolean ("with-faults", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vignette_demo_site_init (VignetteDemoSite *self)
{
  self->images = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
  self->drawing = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->timeouts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
}

VignetteDemoSite *
vignette_demo_site_new (void)
{
  return g_object_new (VIGNETTE_TYPE_DEMO_SITE, NULL);
}

guint
vignette_demo_site_get_n_pages (VignetteDemoSite *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DEMO_SITE (self), 0);
  return self->n_pages;
}

guint
vignette_demo_site_get_n_images (VignetteDemoSite *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DEMO_SITE (self), 0);
  return self->n_pages * self->per_page;
}

char *
vignette_demo_site_get_template (VignetteDemoSite *self)
{
  g_return_val_if_fail (VIGNETTE_IS_DEMO_SITE (self), NULL);

  return g_strdup_printf ("http://127.0.0.1:%u/page/{}", self->port);
}

/* Drawing ------------------------------------------------------------------- */

typedef struct { double r, g, b; } Rgb;

static guint32
hash32 (guint32 x)
{
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

static Rgb
mix (Rgb a, Rgb b, double t)
{
  Rgb c = { a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
  return c;
}

static Rgb
hsv (double h, double s, double v)
{
  double c = v * s, x, m = v - c;
  Rgb rgb;

  h = fmod (h, 360.0);
  if (h < 0)
    h += 360.0;
  x = c * (1 - fabs (fmod (h / 60.0, 2) - 1));

  if (h < 60) rgb = (Rgb) { c, x, 0 };
  else if (h < 120) rgb = (Rgb) { x, c, 0 };
  else if (h < 180) rgb = (Rgb) { 0, c, x };
  else if (h < 240) rgb = (Rgb) { 0, x, c };
  else if (h < 300) rgb = (Rgb) { x, 0, c };
  else rgb = (Rgb) { c, 0, x };

  rgb.r += m;
  rgb.g += m;
  rgb.b += m;
  return rgb;
}

/* Smooth 1-D value noise in [0, 1] */
static double
noise1 (guint32 seed,
        double  x)
{
  double i = floor (x), f = x - i;
  double a = (hash32 (seed ^ (guint32) (gint64) i) & 0xffff) / 65535.0;
  double b = (hash32 (seed ^ (guint32) ((gint64) i + 1)) & 0xffff) / 65535.0;
  double t = f * f * (3 - 2 * f);

  return a + (b - a) * t;
}

/**
 * vignette_demo_render_landscape:
 *
 * Draws a landscape (sky, sun, ridges fading into haze, fine grain so that
 * it compresses like a photograph). The same seed draws the same picture.
 * Thread-safe.
 */
GdkPixbuf *
vignette_demo_render_landscape (guint seed,
                                int   width,
                                int   height)
{
  enum { LAYERS = 4 };
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  /* Skies from deep blue to violet over horizons from peach to rose, as at
   * dawn and dusk; hills in cool greens and blues */
  double top_hue = 200 + (hash32 (seed * 7919 + 1) % 80);
  double low_hue = 345 + (hash32 (seed * 104729 + 3) % 50);
  double warmth = (hash32 (seed * 15485863 + 5) % 1000) / 1000.0;
  Rgb sky_top = hsv (top_hue, 0.55, 0.55 + 0.3 * warmth);
  Rgb sky_low = hsv (low_hue, 0.30 + 0.3 * warmth, 0.97);
  Rgb sun = hsv (low_hue + 15, 0.15, 1.0);
  Rgb near = hsv (top_hue - 50 + 60 * warmth, 0.45, 0.16);
  double sun_x = width * (0.2 + 0.6 * ((hash32 (seed + 11) % 1000) / 1000.0));
  double sun_y = height * (0.25 + 0.2 * ((hash32 (seed + 13) % 1000) / 1000.0));
  double sun_r = MIN (width, height) * 0.07;
  double *ridges = g_new (double, (gsize) width * LAYERS);
  Rgb layer_colors[LAYERS];

  for (int l = 0; l < LAYERS; l++)
    {
      double depth = (double) l / (LAYERS - 1);  /* 0 far, 1 near */
      double base = height * (0.45 + 0.14 * l);
      double amplitude = height * (0.10 + 0.05 * (LAYERS - l));
      double scale = 2.5 + 2.0 * l;
      guint32 layer_seed = hash32 (seed * 31 + (guint32) l);

      layer_colors[l] = mix (sky_low, near, 0.25 + 0.75 * depth);

      for (int x = 0; x < width; x++)
        {
          double u = (double) x / width * scale;
          double h = noise1 (layer_seed, u) * 0.6 + noise1 (layer_seed + 1, u * 3.1) * 0.3 +
                     noise1 (layer_seed + 2, u * 9.7) * 0.1;
          ridges[(gsize) l * width + x] = base - amplitude * h;
        }
    }

  for (int y = 0; y < height; y++)
    {
      guchar *row = pixels + (gsize) y * stride;
      double sky_t = (double) y / height;
      Rgb sky = mix (sky_top, sky_low, MIN (1.0, sky_t * 1.6));

      for (int x = 0; x < width; x++)
        {
          Rgb c = sky;
          guint32 grain = hash32 ((guint32) (y * 65521 + x) ^ seed);
          double n = ((grain & 0xff) / 255.0 - 0.5) * 0.035;
          int layer = -1;

          for (int l = LAYERS - 1; l >= 0; l--)
            if (y >= ridges[(gsize) l * width + x])
              {
                layer = l;
                break;
              }

          if (layer >= 0)
            {
              double below = (y - ridges[(gsize) layer * width + x]) / (double) height;
              c = mix (layer_colors[layer], near, MIN (1.0, below * 1.5));
            }
          else
            {
              double dx = x - sun_x, dy = y - sun_y;
              double d = sqrt (dx * dx + dy * dy);

              if (d < sun_r)
                c = sun;
              else
                c = mix (c, sun, 0.55 * exp (-(d - sun_r) / (sun_r * 2.5)));
            }

          row[x * 3 + 0] = (guchar) CLAMP ((c.r + n) * 255.0, 0, 255);
          row[x * 3 + 1] = (guchar) CLAMP ((c.g + n) * 255.0, 0, 255);
          row[x * 3 + 2] = (guchar) CLAMP ((c.b + n) * 255.0, 0, 255);
        }
    }

  g_free (ridges);
  return pixbuf;
}

static void
draw_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  guint index = GPOINTER_TO_UINT (task_data);
  const Picture *picture = &pictures[index % G_N_ELEMENTS (pictures)];
  g_autoptr(GdkPixbuf) pixbuf = vignette_demo_render_landscape (index + 1, picture->width, picture->height);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;
  gboolean ok;

  if (picture->png)
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error, "compression", "3", NULL);
  else
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "jpeg", &error, "quality", "88", NULL);

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_bytes_new_take (buffer, length), (GDestroyNotify) g_bytes_unref);
}

/* Serving ------------------------------------------------------------------- */

static void
respond_image (SoupServerMessage *msg,
               guint              index,
               GBytes            *bytes)
{
  const Picture *picture = &pictures[index % G_N_ELEMENTS (pictures)];

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, picture->png ? "image/png" : "image/jpeg",
                                    SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
on_drawn (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  VignetteDemoSite *self = VIGNETTE_DEMO_SITE (source);
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr(GBytes) bytes = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autoptr(GPtrArray) waiting = NULL;

  g_hash_table_steal_extended (self->drawing, GUINT_TO_POINTER (index), NULL, (gpointer *) &waiting);
  if (bytes != NULL)
    g_hash_table_insert (self->images, GUINT_TO_POINTER (index), g_bytes_ref (bytes));

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (waiting, i);

      if (bytes != NULL)
        respond_image (msg, index, bytes);
      else
        soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_unpause (msg);
    }
}

static void
serve_image (VignetteDemoSite  *self,
             SoupServerMessage *msg,
             guint              index)
{
  GBytes *bytes = g_hash_table_lookup (self->images, GUINT_TO_POINTER (index));
  GPtrArray *waiting;

  if (bytes != NULL)
    {
      respond_image (msg, index, bytes);
      soup_server_message_unpause (msg);
      return;
    }

  waiting = g_hash_table_lookup (self->drawing, GUINT_TO_POINTER (index));
  if (waiting == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, NULL, on_drawn, GUINT_TO_POINTER (index));

      waiting = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->drawing, GUINT_TO_POINTER (index), waiting);
      g_task_set_task_data (task, GUINT_TO_POINTER (index), NULL);
      g_task_run_in_thread (task, draw_thread);
    }

  g_ptr_array_add (waiting, g_object_ref (msg));
}

static void
append_figure (VignetteDemoSite *self,
               GString          *html,
               guint             index)
{
  const Picture *picture = &pictures[index % G_N_ELEMENTS (pictures)];
  const char *extension = picture->png ? "png" : "jpg";
  const char *title = g_dgettext (GETTEXT_PACKAGE, picture->title);

  g_string_append (html, "  <figure>\n");

  /* The shapes a real gallery uses, so that the default extraction is exercised */
  switch (index % 4)
    {
    case 1:
      g_string_append_printf (html,
                              "    <img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" "
                              "data-src=\"/img/%u.%s\" alt=\"%s\" loading=\"lazy\">\n",
                              index, extension, title);
      break;
    case 2:
      g_string_append_printf (html,
                              "    <img src=\"../img/%u.%s?w=320\" srcset=\"/img/%u.%s?w=320 320w, "
                              "/img/%u.%s %dw\" alt=\"%s\">\n",
                              index, extension, index, extension, index, extension,
                              picture->width, title);
      break;
    case 3:
      g_string_append_printf (html,
                              "    <picture><source srcset=\"/img/%u.%s\">"
                              "<img src=\"/img/%u.%s?small\" alt=\"%s\"></picture>\n",
                              index, extension, index, extension, title);
      break;
    default:
      g_string_append_printf (html, "    <img src=\"/img/%u.%s\" alt=\"%s\">\n",
                              index, extension, title);
      break;
    }

  g_string_append_printf (html, "    <figcaption>%s (%d × %d)</figcaption>\n  </figure>\n",
                          title, picture->width, picture->height);
}

static char *
render_page (VignetteDemoSite *self,
             guint             page)
{
  GString *html = g_string_new (NULL);

  g_string_append_printf (html,
                          "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<title>Vignette demo gallery, page %u</title>\n</head>\n<body>\n"
                          "<header><a href=\"/\">Vignette demo</a></header>\n<main>\n", page);

  for (guint i = 0; i < self->per_page; i++)
    append_figure (self, html, (page - 1) * self->per_page + i);

  if (self->with_faults && page == self->n_pages)
    g_string_append (html,
                     "  <figure><img src=\"/img/missing.jpg\" alt=\"missing\"></figure>\n"
                     "  <figure><img src=\"/img/damaged.jpg\" alt=\"damaged\"></figure>\n");

  g_string_append_printf (html, "</main>\n<nav>");
  if (page > 1)
    g_string_append_printf (html, "<a href=\"/page/%u\">previous</a> ", page - 1);
  if (page < self->n_pages)
    g_string_append_printf (html, "<a href=\"/page/%u\">next</a>", page + 1);
  g_string_append (html, "</nav>\n</body>\n</html>\n");

  return g_string_free (html, FALSE);
}

static void
respond (VignetteDemoSite  *self,
         SoupServerMessage *msg)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  guint64 number;

  if (g_str_has_prefix (path, "/page/") &&
      g_ascii_string_to_unsigned (path + strlen ("/page/"), 10, 1, self->n_pages, &number, NULL))
    {
      char *html = render_page (self, (guint) number);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                        html, strlen (html));
    }
  else if (g_strcmp0 (path, "/img/damaged.jpg") == 0 && self->with_faults)
    {
      static const char damaged[] = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb";

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/jpeg", SOUP_MEMORY_STATIC,
                                        damaged, sizeof damaged - 1);
    }
  else if (g_str_has_prefix (path, "/img/"))
    {
      const char *name = path + strlen ("/img/");
      const char *dot = strchr (name, '.');
      g_autofree char *digits = dot ? g_strndup (name, (gsize) (dot - name)) : NULL;

      if (digits != NULL &&
          g_ascii_string_to_unsigned (digits, 10, 0, vignette_demo_site_get_n_images (self) - 1,
                                      &number, NULL))
        {
          serve_image (self, msg, (guint) number);
          return;
        }
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    }
  else if (g_strcmp0 (path, "/") == 0)
    {
      GString *html = g_string_new ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                                    "<title>Vignette demo gallery</title></head><body><ul>");

      for (guint page = 1; page <= self->n_pages; page++)
        g_string_append_printf (html, "<li><a href=\"/page/%u\">Page %u</a></li>", page, page);
      g_string_append (html, "</ul></body></html>");

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                        html->str, html->len);
      g_string_free (html, TRUE);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    }

  soup_server_message_unpause (msg);
}

typedef struct {
  VignetteDemoSite  *self;
  SoupServerMessage *msg;
  GSource           *source;
} Delayed;

static gboolean
on_latency_elapsed (gpointer data)
{
  Delayed *delayed = data;

  g_ptr_array_remove (delayed->self->timeouts, delayed->source);
  respond (delayed->self, delayed->msg);

  return G_SOURCE_REMOVE;
}

static void
delayed_free (gpointer data)
{
  Delayed *delayed = data;

  g_object_unref (delayed->msg);
  g_free (delayed);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           data)
{
  VignetteDemoSite *self = data;
  Delayed *delayed;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_GET) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  soup_server_message_pause (msg);

  delayed = g_new0 (Delayed, 1);
  delayed->self = self;
  delayed->msg = g_object_ref (msg);
  delayed->source = g_timeout_source_new (self->latency_ms);
  g_source_set_callback (delayed->source, on_latency_elapsed, delayed, delayed_free);
  g_source_set_static_name (delayed->source, "[vignette] demo latency");
  g_source_attach (delayed->source, NULL);
  g_ptr_array_add (self->timeouts, delayed->source);
}

gboolean
vignette_demo_site_start (VignetteDemoSite  *self,
                          GError           **error)
{
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (VIGNETTE_IS_DEMO_SITE (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  self->server = soup_server_new ("server-header", "vignette-demo ", NULL);
  soup_server_add_handler (self->server, NULL, handle_request, self, NULL);

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  if (!soup_server_listen (self->server, address, 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->server);
  self->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  return TRUE;
}
