/* vignette-folder.h: the images (and subfolders) of a local folder, listed without blocking
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void       vignette_folder_list_async  (const char           *uri,
                                        gboolean              recursive,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
GPtrArray *vignette_folder_list_finish (GAsyncResult         *result,
                                        GError              **error);

G_END_DECLS
