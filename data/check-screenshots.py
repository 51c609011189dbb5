#!/usr/bin/python3
# data/check-screenshots.py: every screenshot the metainfo names is in the tree, as a PNG a software centre can show
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-screenshots.py METAINFO.xml.in SOURCE-ROOT
#
# The metainfo points at raw.githubusercontent.com/vignette/vignette/main/PATH;
# PATH must exist here (the UI's screenshot script writes data/screenshots/),
# or the store shows a broken image once the release is tagged.

import os
import struct
import sys
import xml.etree.ElementTree as ET

PREFIX = 'https://raw.githubusercontent.com/vignette/vignette/main/'


def png_size(path):
    with open(path, 'rb') as handle:
        header = handle.read(24)
    if len(header) < 24 or header[:8] != b'\x89PNG\r\n\x1a\n' or header[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', header[16:24])


def main():
    metainfo, root = sys.argv[1:3]
    failures = []
    screenshots = ET.parse(metainfo).getroot().findall('screenshots/screenshot')
    if not screenshots:
        failures.append('the metainfo has no screenshots')
    defaults = [s for s in screenshots if s.get('type') == 'default']
    if len(defaults) != 1:
        failures.append(f'{len(defaults)} screenshots are type="default"; a store wants exactly one')

    for screenshot in screenshots:
        caption = screenshot.findtext('caption')
        if not caption:
            failures.append('a screenshot has no caption')
        for image in screenshot.findall('image'):
            url = (image.text or '').strip()
            if not url.startswith(PREFIX):
                failures.append(f'{url}: not an address in this repository ({PREFIX}…)')
                continue
            path = os.path.join(root, url[len(PREFIX):])
            if not os.path.isfile(path):
                failures.append(f'{url[len(PREFIX):]} is not in the tree (the GUI screenshot script writes it)')
                continue
            size = png_size(path)
            if size is None:
                failures.append(f'{url[len(PREFIX):]} is not a PNG')
            elif size[0] < 360 or size[1] < 360:
                failures.append(f'{url[len(PREFIX):]} is {size[0]}×{size[1]}: too small to show')
            else:
                print(f'{url[len(PREFIX):]}: {size[0]}×{size[1]}, “{caption}”')

    for failure in failures:
        print('FAIL: ' + failure)
    if not failures:
        print('PASS')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
