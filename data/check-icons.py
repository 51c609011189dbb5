#!/usr/bin/python3
# data/check-icons.py: the app icons are self-contained SVGs that render, at the sizes and in the colours the HIG asks
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-icons.py ICON.svg...
#
# A full-colour icon draws on a 128 px canvas; a "-symbolic" icon on 16 px in
# one colour (#241f31, or currentColor) that GTK recolours to match the theme.

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

skipped = []  # what could not be checked here

SVG = '{http://www.w3.org/2000/svg}'
XLINK_HREF = '{http://www.w3.org/1999/xlink}href'
SYMBOLIC_COLOURS = {'#241f31', 'currentcolor', 'none'}
COLOUR_ATTRIBUTES = ('fill', 'stroke', 'stop-color', 'color', 'flood-color')


def colours_of(element):
    """Every colour an element sets, by attribute or inline style"""
    found = [element.get(a) for a in COLOUR_ATTRIBUTES if element.get(a)]
    for declaration in (element.get('style') or '').split(';'):
        if ':' in declaration:
            name, value = (part.strip() for part in declaration.split(':', 1))
            if name in COLOUR_ATTRIBUTES:
                found.append(value)
    return [c.lower() for c in found]


def check_icon(path, failures):
    name = os.path.basename(path)
    symbolic = name.endswith('-symbolic.svg')
    size = 16 if symbolic else 128
    root = ET.parse(path).getroot()

    # gdk-pixbuf (through shared-mime-info's magic) only recognises an SVG
    # whose <svg start tag comes early: a long comment before it made GTK
    # show a broken image instead of the icon
    with open(path, 'rb') as f:
        if b'<svg' not in f.read(256):
            failures.append(f'{name}: "<svg" must appear in the first 256 bytes, or GTK cannot recognise the file')

    if root.tag != SVG + 'svg':
        failures.append(f'{name}: the root element is not an SVG <svg>')
        return
    if root.get('width') != str(size) or root.get('height') != str(size) or \
       re.split(r'[\s,]+', (root.get('viewBox') or '').strip()) != ['0', '0', str(size), str(size)]:
        failures.append(f'{name}: the canvas is not {size}×{size} (width, height and viewBox)')

    for element in root.iter():
        tag = element.tag.replace(SVG, '')
        if tag in ('text', 'image', 'script', 'foreignObject'):
            failures.append(f'{name}: <{tag}> does not belong in an icon (fonts and bitmaps differ per system)')
        href = element.get(XLINK_HREF) or element.get('href')
        if href is not None and not href.startswith('#'):
            failures.append(f'{name}: reference to an outside resource {href!r}')
        if symbolic:
            if tag in ('linearGradient', 'radialGradient', 'filter', 'pattern'):
                failures.append(f'{name}: <{tag}> in a symbolic icon, which must be flat')
            for colour in colours_of(element):
                if colour not in SYMBOLIC_COLOURS:
                    failures.append(f'{name}: colour {colour} in a symbolic icon (only #241f31 or currentColor)')

    render(path, name, size, symbolic, failures)


def render(path, name, size, symbolic, failures):
    rsvg = shutil.which('rsvg-convert')
    if rsvg is None:
        skipped.append('rsvg-convert is not installed (Debian package librsvg2-bin; tools/dev deps): icons not rendered')
        return
    from PIL import Image  # python3-pil, in tools/dev's PACKAGES

    for scale in (1, 2):
        pixels = size * scale
        with tempfile.TemporaryDirectory() as scratch:
            png = os.path.join(scratch, 'icon.png')
            result = subprocess.run([rsvg, '-w', str(pixels), '-h', str(pixels), path, '-o', png],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if result.returncode != 0 or result.stdout.strip():
                failures.append(f'{name}: rsvg-convert failed at {pixels} px: {result.stdout.strip()}')
                continue
            image = Image.open(png).convert('RGBA')
        alpha = image.getchannel('A')
        box = alpha.getbbox()
        covered = sum(1 for a in alpha.getdata() if a > 0) / (pixels * pixels)
        if box is None or covered < 0.25:
            failures.append(f'{name}: at {pixels} px only {covered:.0%} of the canvas is drawn')
            continue
        if symbolic:
            # Anti-aliased edges come back from premultiplied alpha a unit or two off
            strays = {tuple(rgb) for (*rgb, a) in image.getdata()
                      if a > 128 and max(abs(c - t) for c, t in zip(rgb, (0x24, 0x1f, 0x31))) > 4}
            if strays:
                failures.append(f'{name}: at {pixels} px it renders colours other than #241f31: {sorted(strays)[:3]}')
        else:
            colours = {tuple(rgb) for (*rgb, a) in image.getdata() if a == 255}
            if len(colours) < 16:
                failures.append(f'{name}: a full-colour icon renders only {len(colours)} colours')
        print(f'{name}: {pixels} px, {covered:.0%} of the canvas drawn, bounding box {box}')


def main():
    failures = []
    if len(sys.argv) < 2:
        failures.append('no icon given')
    for path in sys.argv[1:]:
        check_icon(path, failures)
    for failure in failures:
        print('FAIL: ' + failure)
    for skip in skipped:
        print('SKIP: ' + skip)
    if failures:
        return 1
    if skipped:
        return 77
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
