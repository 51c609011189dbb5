#!/usr/bin/python3
# data/check-man.py: the manual pages format without warnings and document exactly the options the programs have
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-man.py --groff GROFF --version VERSION --page PAGE.1 [EXECUTABLE] ...
#
# With an EXECUTABLE, its --help is compared with the page in both
# directions: every option it shows is documented, and every option the page
# documents still exists (in --help-all, which also lists GApplication's).

import argparse
import os
import re
import shutil
import subprocess
import sys

OPTION_IN_HELP = re.compile(r'^\s{2,}(?:-\w, )?--([a-z][\w-]*)', re.MULTILINE)
HELP_OPTIONS = {'help', 'help-all', 'help-gapplication'}


def documented_options(source):
    """The long options that the OPTIONS section describes in its .TP tags"""
    match = re.search(r'^\.SH OPTIONS\n(.*?)(?=^\.SH )', source, re.MULTILINE | re.DOTALL)
    if not match:
        return None
    options = set()
    lines = match.group(1).splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith('.TP'):
            tag = lines[i + 1].replace('\\-', '-')
            options.update(re.findall(r'--([a-z][\w-]*)', tag))
    return options


def help_options(executable, flag):
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')
    # The GUI must answer --help without a display
    env.pop('DISPLAY', None)
    env.pop('WAYLAND_DISPLAY', None)
    result = subprocess.run([executable, flag], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f'{executable} {flag} exited with status {result.returncode}: {result.stderr.strip()}')
    return set(OPTION_IN_HELP.findall(result.stdout))


def check_page(page, executable, groff, version, failures):
    name = os.path.basename(page)
    source = open(page, encoding='utf-8').read()

    result = subprocess.run([groff, '-man', '-ww', '-z', '-Kutf8', page],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0 or result.stdout.strip():
        failures.append(f'{name}: groff -ww reports: {result.stdout.strip() or result.returncode}')

    th = re.search(r'^\.TH (\S+) (\d)\b(.*)$', source, re.MULTILINE)
    if not th:
        failures.append(f'{name}: no .TH line')
    elif f'Vignette {version}' not in th.group(3):
        failures.append(f'{name}: the .TH line does not say "Vignette {version}"')
    for section in ('NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'SEE ALSO'):
        if not re.search(rf'^\.SH "?{section}"?$', source, re.MULTILINE):
            failures.append(f'{name}: no {section} section')

    documented = documented_options(source)
    if documented is None:
        return
    print(f'{name}: documents --' + ', --'.join(sorted(documented)))
    if not executable:
        print(f'{name}: no executable built, options not compared')
        return
    try:
        shown = help_options(executable, '--help') - HELP_OPTIONS
        existing = help_options(executable, '--help-all')
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        failures.append(f'{name}: {error}')
        return
    for option in sorted(shown - documented):
        failures.append(f'{name}: --{option} is in {os.path.basename(executable)} --help but not documented')
    for option in sorted(documented - existing - HELP_OPTIONS):
        failures.append(f'{name}: documents --{option}, which {os.path.basename(executable)} does not have')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--groff', required=True)
    parser.add_argument('--version', required=True)
    parser.add_argument('--page', nargs='+', action='append', required=True, metavar=('PAGE', 'EXECUTABLE'))
    args = parser.parse_args()

    if shutil.which(args.groff) is None:
        print(f'SKIP: {args.groff} is not installed (Debian package groff-base; tools/dev deps)')
        return 77
    failures = []
    for page, *rest in args.page:
        check_page(page, rest[0] if rest else '', args.groff, args.version, failures)
    for failure in failures:
        print('FAIL: ' + failure)
    if not failures:
        print('PASS')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
