#!/usr/bin/python3
# data/check-install.py: `meson install` into a scratch DESTDIR yields the tree a distribution expects, and it runs
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Called by `meson test` with the build folder and the configured install
# folders; installs with --no-rebuild (meson test has just built everything).

import argparse
import gettext
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def main():
    parser = argparse.ArgumentParser()
    for option in ('meson', 'build-dir', 'prefix', 'bindir', 'datadir', 'mandir', 'localedir',
                   'app-id', 'version', 'gui'):
        parser.add_argument('--' + option, required=True)
    parser.add_argument('--keep', action='store_true', help='keep the DESTDIR and print where it is')
    args = parser.parse_args()
    gui = args.gui == 'true'
    app_id = args.app_id

    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)
        return condition

    destdir = tempfile.mkdtemp(prefix='vignette-install-')
    try:
        result = subprocess.run([args.meson, 'install', '-C', args.build_dir, '--no-rebuild',
                                 '--destdir', destdir],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            print(result.stdout)
            print(f'FAIL: meson install exited with status {result.returncode}')
            return 1

        def installed(absolute):
            return os.path.join(destdir, absolute.lstrip('/'))

        bindir, datadir = installed(args.bindir), installed(args.datadir)
        mandir, localedir = installed(args.mandir), installed(args.localedir)

        # What every configuration installs
        expected = {
            os.path.join(bindir, 'vignette-cli'): True,
            os.path.join(mandir, 'man1', 'vignette-cli.1'): True,
            os.path.join(localedir, 'fr', 'LC_MESSAGES', 'vignette.mo'): True,
        }
        # What only the desktop application installs: without it they would
        # point at a binary that is not there
        desktop_files = [
            os.path.join(bindir, 'vignette'),
            os.path.join(datadir, 'applications', app_id + '.desktop'),
            os.path.join(datadir, 'metainfo', app_id + '.metainfo.xml'),
            os.path.join(datadir, 'glib-2.0', 'schemas', app_id + '.gschema.xml'),
            os.path.join(datadir, 'icons', 'hicolor', 'scalable', 'apps', app_id + '.svg'),
            os.path.join(datadir, 'icons', 'hicolor', 'symbolic', 'apps', app_id + '-symbolic.svg'),
            os.path.join(datadir, 'dbus-1', 'services', app_id + '.service'),
            os.path.join(mandir, 'man1', 'vignette.1'),
        ]
        for path in desktop_files:
            expected[path] = gui

        for path, wanted in expected.items():
            shown = os.path.relpath(path, destdir)
            if wanted:
                check(os.path.isfile(path), f'/{shown} is not installed')
            else:
                check(not os.path.exists(path), f'/{shown} is installed without the GUI')

        # Nothing lands outside the prefix, and nothing of the build leaks in
        prefix = installed(args.prefix)
        for folder, _, files in os.walk(destdir):
            for name in files:
                path = os.path.join(folder, name)
                check(path.startswith(prefix + os.sep), f'/{os.path.relpath(path, destdir)} is outside the prefix')
                check(not name.startswith('test-') and not name.endswith(('.a', '.o', '.h', '.pc')),
                      f'/{os.path.relpath(path, destdir)} is a build or test file')

        env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')
        env.pop('DISPLAY', None)
        env.pop('WAYLAND_DISPLAY', None)

        # The installed programs run and say their version
        programs = ['vignette-cli'] + (['vignette'] if gui else [])
        for program in programs:
            path = os.path.join(bindir, program)
            if not os.path.isfile(path):
                continue
            check(os.stat(path).st_mode & stat.S_IXUSR, f'{program} is not executable')
            run = subprocess.run([path, '--version'], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, timeout=60)
            check(run.returncode == 0 and args.version in run.stdout,
                  f'installed {program} --version: status {run.returncode}, output {run.stdout.strip()!r} '
                  f'{run.stderr.strip()!r}, expected the version {args.version}')
            print(f'{program} --version: {run.stdout.strip()}')

        # The French catalogue is valid and the installed CLI speaks it
        mo = os.path.join(localedir, 'fr', 'LC_MESSAGES', 'vignette.mo')
        cli = os.path.join(bindir, 'vignette-cli')
        if os.path.isfile(mo) and os.path.isfile(cli):
            with open(mo, 'rb') as handle:
                catalogue = gettext.GNUTranslations(handle)
            english = 'Show the version and exit'
            french = catalogue.gettext(english)
            if check(french != english, f'vignette.mo has no translation for {english!r}'):
                run = subprocess.run([cli, '--help'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=dict(env, LANGUAGE='fr', VIGNETTE_LOCALEDIR=localedir), timeout=60)
                check(french in run.stdout, f'LANGUAGE=fr vignette-cli --help does not show {french!r}')

        if gui:
            check_desktop_integration(datadir, args, app_id, check)

        print(f'Installed into {destdir}{args.prefix}:')
        for folder, _, files in sorted(os.walk(destdir)):
            for name in sorted(files):
                print('  /' + os.path.relpath(os.path.join(folder, name), destdir))
    finally:
        if args.keep:
            print(f'DESTDIR kept: {destdir}')
        else:
            shutil.rmtree(destdir, ignore_errors=True)

    for failure in failures:
        print('FAIL: ' + failure)
    if not failures:
        print('PASS')
    return 1 if failures else 0


def check_desktop_integration(datadir, args, app_id, check):
    """The installed files agree with one another and carry their French translation"""
    desktop = os.path.join(datadir, 'applications', app_id + '.desktop')
    if os.path.isfile(desktop):
        text = open(desktop, encoding='utf-8').read()
        check('Name[fr]=' in text or 'Comment[fr]=' in text, 'the installed desktop file has no French translation')
        check(f'Icon={app_id}\n' in text, 'the desktop file does not name the installed icon')

    service = os.path.join(datadir, 'dbus-1', 'services', app_id + '.service')
    if os.path.isfile(service):
        text = open(service, encoding='utf-8').read()
        check(f'Name={app_id}\n' in text, 'the D-Bus service does not own the application ID')
        check(f'Exec={os.path.join(args.bindir, "vignette")} --gapplication-service' in text,
              'the D-Bus service does not start the installed vignette')

    metainfo = os.path.join(datadir, 'metainfo', app_id + '.metainfo.xml')
    if os.path.isfile(metainfo):
        root = ET.parse(metainfo).getroot()
        check(root.findtext('id') == app_id, 'the metainfo ID is not the application ID')
        langs = {e.get('{http://www.w3.org/XML/1998/namespace}lang') for e in root.iter()}
        check('fr' in langs, 'the installed metainfo has no French translation')
        releases = [r.get('version') for r in root.iter('release')]
        check(releases[:1] == [args.version], f'the newest release in the metainfo is {releases[:1]}, '
                                              f'the project is {args.version}')
        # As a software centre would see the installed tree: metainfo, desktop file and icon together
        appstreamcli = shutil.which('appstreamcli')
        if appstreamcli:
            run = subprocess.run([appstreamcli, 'validate-tree', '--no-net', os.path.dirname(datadir.rstrip('/'))],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            print(run.stdout.strip())
            check(run.returncode == 0, 'appstreamcli validate-tree fails on the installed tree')

    schemas = os.path.join(datadir, 'glib-2.0', 'schemas')
    compiler = shutil.which('glib-compile-schemas')
    if os.path.isdir(schemas) and compiler:
        with tempfile.TemporaryDirectory() as target:
            run = subprocess.run([compiler, '--strict', '--targetdir', target, schemas],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            check(run.returncode == 0, f'the installed schemas do not compile: {run.stdout.strip()}')


if __name__ == '__main__':
    sys.exit(main())
