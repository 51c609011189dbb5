#!/usr/bin/python3
# data/check-validator.py: run a validator and fail on anything it reports that is not explicitly accepted
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-validator.py [--package DEBIAN-PACKAGE] [--allow REGEX]... -- COMMAND [ARG]...
#
# desktop-file-validate exits 0 on warnings and hints, and appstreamcli exits 0
# on infos: a test built on the exit status alone would let new problems in.
# Here every diagnostic line (desktop-file-validate's "error:", "warning:",
# "hint:", appstreamcli's "E:", "W:", "I:", "P:") must match an --allow
# pattern, each of which is a problem we looked at and accepted (see the
# comments where the test is declared).

import argparse
import os
import re
import shutil
import subprocess
import sys

DIAGNOSTIC = re.compile(r'(: (error|warning|hint): )|(^[EWIP]: )')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--allow', action='append', default=[], metavar='REGEX')
    parser.add_argument('--package', help='the Debian package that has the validator')
    parser.add_argument('command', nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        parser.error('no command given')

    if shutil.which(command[0]) is None:
        print(f'SKIP: {command[0]} is not installed (Debian package {args.package or "?"}; tools/dev deps)')
        return 77

    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    print('$ ' + ' '.join(command))
    print(result.stdout, end='')

    allowed = [re.compile(pattern) for pattern in args.allow]
    unexpected = [line for line in result.stdout.splitlines()
                  if DIAGNOSTIC.search(line) and not any(a.search(line) for a in allowed)]

    if result.returncode != 0:
        print(f'FAIL: {command[0]} exited with status {result.returncode}')
        return 1
    if unexpected:
        print(f'FAIL: {len(unexpected)} diagnostic(s) not accepted:')
        for line in unexpected:
            print('  ' + line)
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
