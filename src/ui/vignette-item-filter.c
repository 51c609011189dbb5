/* vignette-item-filter.c: which items the gallery shows: a name search and "only failed"
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkFilterListModel does not watch its items, so when items fail (or are
 * retried) while "only failed" is on, the gallery calls
 * vignette_item_filter_states_changed(); that costs one pass over the model
 * and happens at most once per progress refresh of the gallery page.
 */
#include "config.h"

#include <string.h>

#include "vignette-item.h"
#include "vignette-item-filter.h"

struct _VignetteItemFilter
{
  GtkFilter  parent_instance;

  char      *search;      /* as typed */
  char      *folded;      /* normalized and case-folded, NULL when empty */
  gboolean   only_failed;
};

G_DEFINE_FINAL_TYPE (VignetteItemFilter, vignette_item_filter, GTK_TYPE_FILTER)

enum {
  PROP_0,
  PROP_SEARCH,
  PROP_ONLY_FAILED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
fold (const char *text)
{
  g_autofree char *normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);

  return normalized ? g_utf8_casefold (normalized, -1) : NULL;
}

/* An item's name never changes (it comes from its address): folded once,
 * not on every keystroke of a search over the whole gallery */
static const char *
folded_name (VignetteItem *item)
{
  static GQuark quark;
  char *name;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("vignette-folded-name");

  name = g_object_get_qdata (G_OBJECT (item), quark);
  if (name == NULL)
    {
      name = fold (vignette_item_get_name (item));
      if (name == NULL)
        name = g_strdup ("");
      g_object_set_qdata_full (G_OBJECT (item), quark, name, g_free);
    }

  return name;
}

static gboolean
vignette_item_filter_match (GtkFilter *filter,
                            gpointer   object)
{
  VignetteItemFilter *self = VIGNETTE_ITEM_FILTER (filter);
  VignetteItem *item = object;

  if (self->only_failed && vignette_item_get_state (item) != VIGNETTE_ITEM_STATE_FAILED)
    return FALSE;

  if (self->folded != NULL)
    {
      const char *name = folded_name (item);

      if (name == NULL || strstr (name, self->folded) == NULL)
        return FALSE;
    }

  return TRUE;
}

static GtkFilterMatch
vignette_item_filter_get_strictness (GtkFilter *filter)
{
  VignetteItemFilter *self = VIGNETTE_ITEM_FILTER (filter);

  if (self->folded == NULL && !self->only_failed)
    return GTK_FILTER_MATCH_ALL;

  return GTK_FILTER_MATCH_SOME;
}

static void
vignette_item_filter_finalize (GObject *object)
{
  VignetteItemFilter *self = VIGNETTE_ITEM_FILTER (object);

  g_free (self->search);
  g_free (self->folded);

  G_OBJECT_CLASS (vignette_item_filter_parent_class)->finalize (object);
}

static void
vignette_item_filter_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  VignetteItemFilter *self = VIGNETTE_ITEM_FILTER (object);

  switch (prop_id)
    {
    case PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    case PROP_ONLY_FAILED:
      g_value_set_boolean (value, self->only_failed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_item_filter_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  VignetteItemFilter *self = VIGNETTE_ITEM_FILTER (object);

  switch (prop_id)
    {
    case PROP_SEARCH:
      vignette_item_filter_set_search (self, g_value_get_string (value));
      break;
    case PROP_ONLY_FAILED:
      vignette_item_filter_set_only_failed (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vignette_item_filter_class_init (VignetteItemFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);

  object_class->finalize = vignette_item_filter_finalize;
  object_class->get_property = vignette_item_filter_get_property;
  object_class->set_property = vignette_item_filter_set_property;

  filter_class->match = vignette_item_filter_match;
  filter_class->get_strictness = vignette_item_filter_get_strictness;

  properties[PROP_SEARCH] =
    g_param_spec_string ("search", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ONLY_FAILED] =
    g_param_spec_boolean ("only-failed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vignette_item_filter_init (VignetteItemFilter *self)
{
}

VignetteItemFilter *
vignette_item_filter_new (void)
{
  return g_object_new (VIGNETTE_TYPE_ITEM_FILTER, NULL);
}

const char *
vignette_item_filter_get_search (VignetteItemFilter *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM_FILTER (self), NULL);
  return self->search;
}

void
vignette_item_filter_set_search (VignetteItemFilter *self,
                                 const char         *search)
{
  g_autofree char *stripped = NULL;
  g_autofree char *folded = NULL;
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  g_return_if_fail (VIGNETTE_IS_ITEM_FILTER (self));

  if (g_strcmp0 (self->search, search) == 0)
    return;

  stripped = g_strstrip (g_strdup (search ? search : ""));
  if (*stripped != '\0')
    folded = fold (stripped);

  /* Typing more letters only hides items; deleting some only shows more */
  if (self->folded == NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (folded == NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else if (strstr (folded, self->folded) != NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (strstr (self->folded, folded) != NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;

  g_free (self->search);
  self->search = g_strdup (search);

  if (g_strcmp0 (self->folded, folded) != 0)
    {
      g_free (self->folded);
      self->folded = g_steal_pointer (&folded);
      gtk_filter_changed (GTK_FILTER (self), change);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}

gboolean
vignette_item_filter_get_only_failed (VignetteItemFilter *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM_FILTER (self), FALSE);
  return self->only_failed;
}

void
vignette_item_filter_set_only_failed (VignetteItemFilter *self,
                                      gboolean            only_failed)
{
  g_return_if_fail (VIGNETTE_IS_ITEM_FILTER (self));

  only_failed = !!only_failed;
  if (self->only_failed == only_failed)
    return;

  self->only_failed = only_failed;
  gtk_filter_changed (GTK_FILTER (self),
                      only_failed ? GTK_FILTER_CHANGE_MORE_STRICT : GTK_FILTER_CHANGE_LESS_STRICT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLY_FAILED]);
}

/* Whether the filter hides anything at all */
gboolean
vignette_item_filter_is_active (VignetteItemFilter *self)
{
  g_return_val_if_fail (VIGNETTE_IS_ITEM_FILTER (self), FALSE);
  return self->folded != NULL || self->only_failed;
}

/* Items changed state: only matters while "only failed" is on */
void
vignette_item_filter_states_changed (VignetteItemFilter *self)
{
  g_return_if_fail (VIGNETTE_IS_ITEM_FILTER (self));

  if (self->only_failed)
    gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_DIFFERENT);
}
