#!/usr/bin/python3
# data/check-flatpak.py: the Flatpak manifest parses and asks for nothing more than Vignette uses
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-flatpak.py FLATPAK-BUILDER MANIFEST APP-ID
#
# flatpak-builder --show-manifest parses the manifest as flatpak-builder
# itself does; the rest checks the decisions written in its x-comment keys.

import json
import os
import shutil
import subprocess
import sys
import tempfile

# Each permission is explained in the manifest's x-comment-finish-args
EXPECTED_FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
}
# Libraries the GNOME runtime ships: a module for any of them is a mistake
RUNTIME_LIBRARIES = ('glib', 'gtk', 'libadwaita', 'libsoup', 'libxml', 'gdk-pixbuf',
                     'glib-networking', 'webp-pixbuf-loader', 'librsvg')


def main():
    builder, manifest, app_id = sys.argv[1:4]
    failures = []
    if shutil.which(builder) is None:
        print(f'SKIP: {builder} is not installed (Debian package flatpak-builder; tools/dev deps)')
        return 77

    def check(condition, message):
        if not condition:
            failures.append(message)

    with tempfile.TemporaryDirectory() as scratch:
        # flatpak-builder may want a state folder: keep it out of the source tree
        result = subprocess.run([builder, '--show-manifest', os.path.abspath(manifest)],
                                cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    if result.returncode != 0:
        print(result.stderr)
        print(f'FAIL: flatpak-builder --show-manifest exited with status {result.returncode}')
        return 1
    if result.stderr.strip():
        print(result.stderr)
        failures.append('flatpak-builder printed warnings')

    data = json.loads(result.stdout)
    check(data.get('id') == app_id, f'id is {data.get("id")!r}, not {app_id!r}')
    check(data.get('runtime') == 'org.gnome.Platform', 'runtime is not org.gnome.Platform')
    check(data.get('sdk') == 'org.gnome.Sdk', 'sdk is not org.gnome.Sdk')
    version = str(data.get('runtime-version', ''))
    check(version.isdigit() and int(version) >= 47, f'runtime-version {version!r} is not a current GNOME runtime')
    check(data.get('command') == 'vignette', 'command is not vignette')

    finish_args = data.get('finish-args', [])
    extra = sorted(set(finish_args) - EXPECTED_FINISH_ARGS)
    missing = sorted(EXPECTED_FINISH_ARGS - set(finish_args))
    check(not extra, f'finish-args asks for more than Vignette uses: {extra}')
    check(not missing, f'finish-args lacks what Vignette needs: {missing}')
    check(len(finish_args) == len(set(finish_args)), 'finish-args has duplicates')
    for key in ('x-comment-runtime', 'x-comment-finish-args'):
        check(len(data.get(key, '')) > 40, f'{key} does not explain the decision')

    modules = data.get('modules', [])
    check(len(modules) == 1, f'{len(modules)} modules: the runtime has every library, only Vignette is built')
    for module in modules:
        name = module.get('name', '') if isinstance(module, dict) else str(module)
        check(not name.startswith(RUNTIME_LIBRARIES), f'module {name!r} is already in the runtime')
    if modules and isinstance(modules[-1], dict):
        app = modules[-1]
        check(app.get('buildsystem') == 'meson', 'the Vignette module does not build with meson')
        check('-Dtests=false' in app.get('config-opts', []), 'the Vignette module builds the tests')
        sources = app.get('sources', [])
        check(len(sources) == 1 and sources[0].get('type') == 'dir' and sources[0].get('path') == '..',
              'the Vignette module does not build this source tree (type dir, path ..)')
        check(os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(manifest)), '..', 'meson.build')),
              'the source path does not hold meson.build')

    print(json.dumps({k: data[k] for k in ('id', 'runtime', 'runtime-version', 'command', 'finish-args') if k in data},
                     indent=2))
    if failures:
        for failure in failures:
            print('FAIL: ' + failure)
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
