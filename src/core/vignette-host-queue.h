/* vignette-host-queue.h: the one place that decides which item starts next
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "vignette-fetcher.h"

G_BEGIN_DECLS

/**
 * VignetteQueueClass:
 * @VIGNETTE_QUEUE_IMAGE: images go first: the user waits for them, and
 *   finishing them frees memory
 * @VIGNETTE_QUEUE_PAGE: pages and folders: each only adds more work
 */
typedef enum {
  VIGNETTE_QUEUE_IMAGE,
  VIGNETTE_QUEUE_PAGE,
  VIGNETTE_QUEUE_N_CLASSES
} VignetteQueueClass;

typedef struct _VignetteHostQueue VignetteHostQueue;

char              *vignette_host_key_for_uri         (const char        *uri);

VignetteHostQueue *vignette_host_queue_new           (guint              max_total,
                                                      guint              max_per_host,
                                                      guint              max_decoding,
                                                      GDestroyNotify     item_free);
void               vignette_host_queue_free          (VignetteHostQueue *self);
void               vignette_host_queue_set_limits    (VignetteHostQueue *self,
                                                      guint              max_total,
                                                      guint              max_per_host,
                                                      guint              max_decoding);
void               vignette_host_queue_push          (VignetteHostQueue *self,
                                                      const char        *host_key,
                                                      VignetteQueueClass klass,
                                                      gpointer           item);
void               vignette_host_queue_defer         (VignetteHostQueue *self,
                                                      const char        *host_key,
                                                      VignetteQueueClass klass,
                                                      gpointer           item,
                                                      gint64             not_before);
void               vignette_host_queue_pause_host    (VignetteHostQueue *self,
                                                      const char        *host_key,
                                                      gint64             until);
void               vignette_host_queue_set_protocol  (VignetteHostQueue *self,
                                                      const char        *host_key,
                                                      VignetteProtocol   protocol);
gpointer           vignette_host_queue_pop           (VignetteHostQueue *self,
                                                      gint64             now,
                                                      char             **host_key);
void               vignette_host_queue_release       (VignetteHostQueue *self,
                                                      const char        *host_key);
void               vignette_host_queue_decode_started (VignetteHostQueue *self);
void               vignette_host_queue_decode_finished (VignetteHostQueue *self);
gint64             vignette_host_queue_get_next_wakeup (VignetteHostQueue *self,
                                                      gint64             now);
GPtrArray         *vignette_host_queue_take_host     (VignetteHostQueue *self,
                                                      const char        *host_key);
GPtrArray         *vignette_host_queue_take_all      (VignetteHostQueue *self);
guint              vignette_host_queue_get_n_queued  (VignetteHostQueue *self);
guint              vignette_host_queue_get_n_active  (VignetteHostQueue *self);
guint              vignette_host_queue_get_n_active_for (VignetteHostQueue *self,
                                                      const char        *host_key);
guint              vignette_host_queue_get_n_decoding (VignetteHostQueue *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VignetteHostQueue, vignette_host_queue_free)

G_END_DECLS
