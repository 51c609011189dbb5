#!/usr/bin/python3
# bench_pil_thumbs.py: the thumbnails-only job as a user would write it with Pillow, for comparison
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The best effort a careful Python user would make, as issue 7 describes it:
# Pillow's draft mode (libjpeg's DCT scaling: decode at 1/2, 1/4 or 1/8 of the
# size when that still covers the largest thumbnail), EXIF orientation
# applied, sizes made largest first (each from the previous one, with
# Lanczos), one process per core (multiprocessing.Pool), PNG out with zlib
# level 1 as vignette-cli writes them, in the same layout DIR/<size>/<name>.png.
#
#   bench_pil_thumbs.py [--sizes 100,200,300,400,500] [--processes N] -o OUT FOLDER

import argparse
import multiprocessing
import os
import sys

from PIL import Image, ImageOps

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp')


def fit_in_box(width, height, box):
    """The size of a width × height image in a box: aspect kept, never upscaled."""
    if max(width, height) <= box:
        return width, height
    scale = box / max(width, height)
    return (min(box, max(1, round(width * scale))),
            min(box, max(1, round(height * scale))))


def make_thumbnails(image, name, output, sizes, save_options):
    """Makes every size of one opened image; returns the original size."""
    sizes = sorted(sizes, reverse=True)
    original = image.size
    # Draft mode lets libjpeg decode at reduced size, as large as the
    # largest thumbnail still needs
    image.draft('RGB', fit_in_box(original[0], original[1], sizes[0]))
    # Orientations 5 to 8 swap the sides
    width, height = original if image.getexif().get(0x0112, 1) < 5 else original[::-1]
    image = ImageOps.exif_transpose(image)
    if image.mode not in ('RGB', 'RGBA'):
        image = image.convert('RGBA' if 'A' in image.getbands() else 'RGB')
    previous = image
    for size in sizes:
        target = fit_in_box(width, height, size)
        thumbnail = previous if previous.size == target else previous.resize(target, Image.LANCZOS)
        thumbnail.save(os.path.join(output, str(size), name + '.png'), **save_options)
        previous = thumbnail
    return original


def thumbnail_file(job):
    path, output, sizes, save_options = job
    name = os.path.splitext(os.path.basename(path))[0]
    try:
        with Image.open(path) as image:
            make_thumbnails(image, name, output, sizes, save_options)
        return None
    except Exception as error:  # one bad file must not stop the others
        return f'{path}: {error}'


def main():
    parser = argparse.ArgumentParser(description='Thumbnails of a folder with Pillow, a process per core')
    parser.add_argument('folder')
    parser.add_argument('-o', '--output', required=True)
    parser.add_argument('--sizes', default='100,200,300,400,500')
    parser.add_argument('--processes', type=int, default=os.cpu_count())
    # Without it, Pillow's own default (zlib level 6), as `image.save(path)` writes
    parser.add_argument('--compress-level', type=int, default=None)
    args = parser.parse_args()
    save_options = {} if args.compress_level is None else {'compress_level': args.compress_level}

    sizes = sorted({int(s) for s in args.sizes.split(',')}, reverse=True)
    for size in sizes:
        os.makedirs(os.path.join(args.output, str(size)), exist_ok=True)
    paths = sorted(os.path.join(args.folder, f) for f in os.listdir(args.folder)
                   if f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith('.'))

    failed = 0
    with multiprocessing.Pool(args.processes) as pool:
        for error in pool.imap_unordered(thumbnail_file, [(p, args.output, sizes, save_options) for p in paths]):
            if error is not None:
                failed += 1
                print(error, file=sys.stderr)
    print(f'{len(paths) - failed} images done, {failed} failed', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
