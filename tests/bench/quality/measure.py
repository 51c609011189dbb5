#!/usr/bin/python3
# measure.py: sharpness of thumbnails on real photographs, against a Lanczos resize of the full decode
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   tests/bench/quality/measure.py [--cli PATH] [--baseline-cli PATH] [--time] [--crop PNG]
#
# The photographs come from tests/bench/quality/fetch-photos (run first; it
# is run for you when the photos are missing). For every photo and every
# size, each path's thumbnail is compared with ImageMagick's Lanczos resize
# of the whole, full-size decode to the same width and height (the
# reference), by PSNR over R, G and B. The paths:
#
#   bilinear   vignette-cli before issue 12 (--baseline-cli): DCT-scaled
#              decode, then gdk_pixbuf_scale_simple BILINEAR
#   lanczos    vignette-cli (--cli): DCT-scaled decode, then Lanczos-3
#              (vignette-resample.c), each size from the previous one
#   lanczos-Mx-decode, lanczos-full-decode  the same from a decode that
#              covers M times the largest size (--margins), or from the full decode
#   NAME       any other build given with --other-cli NAME=PATH (QUALITY.md:
#              pixman, the first version of vignette-resample.c)
#   lanczos-decoded  the same, each size from the decode (VIGNETTE_SCALE_FROM=decoded)
#   pillow     tests/bench/bench_pil_thumbs.py: Pillow draft + LANCZOS
#   vips-reduce  libvips (the vips command): shrink-on-load, then
#              vips_reduce lanczos3, each size from the decode
#   vips-resize  the same with vips_resize (box pre-shrink, then lanczos3)
#   linear     ImageMagick's Lanczos in linear light (not a thumbnailer:
#              how far linear-light filtering is from the sRGB reference)
#
# --time runs vignette-cli (new and baseline) and the Pillow program twice
# each on the photos, one process per core for Pillow, and prints wall and
# CPU times (on a shared machine the CPU time is the steadier figure).
# --crop writes a 3x crop of the worst photo for `lanczos` at 500 px:
# ours | Pillow's | the reference.

import argparse
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image, ImageChops

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
SIZES = [100, 200, 300, 400, 500]


def psnr(a, b):
    """PSNR in dB over R, G, B of two images of one size."""
    diff = ImageChops.difference(a.convert('RGB'), b.convert('RGB'))
    hist = diff.histogram()
    total = 0
    for channel in range(3):
        h = hist[channel * 256:(channel + 1) * 256]
        total += sum(count * value * value for value, count in enumerate(h))
    mse = total / (3 * a.size[0] * a.size[1])
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def dct_shrink(width, height, box):
    """The libjpeg scale vignette-cli and Pillow's draft pick: 1, 2, 4 or 8."""
    longest, denom = max(width, height), 1
    while denom < 8 and (longest + denom * 2 - 1) // (denom * 2) >= box:
        denom *= 2
    return denom


def margin_sizes(margin):
    """vignette-cli options that make the decode cover margin × the largest size."""
    return ('--sizes', f'{round(max(SIZES) * margin)},' + ','.join(map(str, SIZES)))


def run_cli(cli, photos, out, env=None, extra=()):
    subprocess.run([cli, '--no-cache', *extra, '-o', out, photos], check=True,
                   stderr=subprocess.DEVNULL, env=env)


def run_pillow(photos, out, processes, level=1):
    options = [] if level is None else ['--compress-level', str(level)]
    subprocess.run([sys.executable, os.path.join(ROOT, 'tests', 'bench', 'bench_pil_thumbs.py'),
                    *options, '--processes', str(processes), '-o', out, photos],
                   check=True, stderr=subprocess.DEVNULL)


def run_vips(photos, out, operation):
    for size in SIZES:
        os.makedirs(os.path.join(out, str(size)), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(photos)):
            path = os.path.join(photos, name)
            stem = os.path.splitext(name)[0]
            with Image.open(path) as im:
                width, height = im.size
            decoded = os.path.join(tmp, 'decoded.v')
            subprocess.run(['vips', 'copy', f'{path}[shrink={dct_shrink(width, height, 500)}]', decoded],
                           check=True)
            dw, dh = (int(subprocess.run(['vipsheader', '-f', field, decoded], check=True,
                                         capture_output=True, text=True).stdout)
                      for field in ('width', 'height'))
            for size in SIZES:
                scale = size / max(width, height)
                tw = min(size, max(1, int(width * scale + 0.5)))
                th = min(size, max(1, int(height * scale + 0.5)))
                target = os.path.join(out, str(size), stem + '.png')
                if operation == 'reduce':
                    subprocess.run(['vips', 'reduce', decoded, target, str(dw / tw), str(dh / th),
                                    '--kernel', 'lanczos3'], check=True)
                else:
                    subprocess.run(['vips', 'resize', decoded, target, str(tw / dw),
                                    '--vscale', str(th / dh), '--kernel', 'lanczos3'], check=True)


def make_references(photos, refs, wanted, linear=False):
    """ImageMagick Lanczos of the full decode, at every (width, height) in wanted[stem]."""
    os.makedirs(refs, exist_ok=True)
    for name in sorted(os.listdir(photos)):
        stem = os.path.splitext(name)[0]
        missing = [(w, h) for (w, h) in sorted(wanted.get(stem, ()))
                   if not os.path.exists(ref_path(refs, stem, w, h, linear))]
        if not missing:
            continue
        command = ['nice', 'convert', os.path.join(photos, name), '-auto-orient']
        if linear:
            command += ['-colorspace', 'RGB']
        for w, h in missing:
            command += ['(', '+clone', '-filter', 'Lanczos', '-resize', f'{w}x{h}!']
            if linear:
                command += ['-colorspace', 'sRGB']
            command += ['-depth', '8', '-write', ref_path(refs, stem, w, h, linear), '+delete', ')']
        command += ['null:']
        subprocess.run(command, check=True)


def ref_path(refs, stem, w, h, linear=False):
    return os.path.join(refs, f'{stem}-{w}x{h}{"-linear" if linear else ""}.png')


def thumbnails_of(out):
    """{(stem, size): path} of a DIR/<size>/<name>.png tree."""
    found = {}
    for size in SIZES:
        folder = os.path.join(out, str(size))
        for name in os.listdir(folder):
            found[(os.path.splitext(name)[0], size)] = os.path.join(folder, name)
    return found


def timed(label, function):
    """Runs function(out) twice; prints wall and CPU (user + sys) seconds of each run."""
    cells, best = [], None
    for _ in range(2):
        out = tempfile.mkdtemp(prefix='vignette-quality-')
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        function(out)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        shutil.rmtree(out)
        cells.append(f'{wall:.2f} s ({cpu:.2f} s CPU)')
        best = cpu if best is None else min(best, cpu)
    print(f'| {label} | {cells[0]} | {cells[1]} |', flush=True)
    return best


def main():
    parser = argparse.ArgumentParser(description='Thumbnail sharpness on real photographs')
    cache = os.path.join(os.environ.get('XDG_CACHE_HOME', os.path.expanduser('~/.cache')), 'vignette-quality')
    parser.add_argument('--cache', default=cache)
    parser.add_argument('--cli', default=os.path.join(ROOT, '_build-release', 'src', 'cli', 'vignette-cli'))
    parser.add_argument('--baseline-cli', help='vignette-cli built from before the Lanczos change')
    parser.add_argument('--other-cli', action='append', default=[], metavar='NAME=PATH',
                        help='another vignette-cli build to measure, e.g. pixman=DIR/vignette-cli')
    parser.add_argument('--no-vips', action='store_true')
    parser.add_argument('--time', action='store_true', help='also time the thumbnail programs, twice each')
    parser.add_argument('--margins', default='1.5,2',
                        help='also decode to cover these multiples of the largest size (e.g. 1.5,2)')
    parser.add_argument('--time-only', action='store_true', help='only the times')
    parser.add_argument('--crop', help='write a 3x crop of the worst photo at 500 px to this PNG')
    parser.add_argument('--tsv', help='write every figure to this file')
    args = parser.parse_args()

    margins = [float(m) for m in args.margins.split(',') if m]
    photos = os.path.join(args.cache, 'photos')
    if not os.path.isdir(photos) or len(os.listdir(photos)) < 30:
        subprocess.run([os.path.join(HERE, 'fetch-photos'), args.cache], check=True)
    processes = os.cpu_count()

    if args.time:
        print(f'{len(os.listdir(photos))} photos, sizes {SIZES}, PNG out; wall time of two runs\n')
        print('| program | run 1: wall (CPU) | run 2: wall (CPU) |\n|---|---|---|')
        new = timed('vignette-cli (Lanczos)', lambda out: run_cli(args.cli, photos, out))
        for margin in margins:
            timed(f'vignette-cli, decode covering {margin:g} x the largest size',
                  lambda out: run_cli(args.cli, photos, out, extra=margin_sizes(margin)))
        timed('vignette-cli, full decode (VIGNETTE_REDUCED_DECODE=0)',
              lambda out: run_cli(args.cli, photos, out, dict(os.environ, VIGNETTE_REDUCED_DECODE='0')))
        for other in args.other_cli:
            name, path = other.split('=', 1)
            timed(f'vignette-cli {name}', lambda out: run_cli(path, photos, out))
        if args.baseline_cli:
            timed('vignette-cli before (BILINEAR)', lambda out: run_cli(args.baseline_cli, photos, out))
        pillow = timed(f'Pillow draft + LANCZOS, {processes} processes, PNG level 1',
                       lambda out: run_pillow(photos, out, processes))
        pillow_default = timed(f'Pillow draft + LANCZOS, {processes} processes, Pillow\'s PNG default',
                               lambda out: run_pillow(photos, out, processes, None))
        print(f'\nCPU time, vignette-cli / Pillow (best of two each): {new / pillow_default:.2f} '
              f'(Pillow\'s PNG default), {new / pillow:.2f} (PNG level 1)\n')
        if args.time_only:
            return 0

    work = tempfile.mkdtemp(prefix='vignette-quality-')
    outputs = {}
    outputs['lanczos'] = os.path.join(work, 'lanczos')
    run_cli(args.cli, photos, outputs['lanczos'])
    outputs['lanczos-decoded'] = os.path.join(work, 'lanczos-decoded')
    run_cli(args.cli, photos, outputs['lanczos-decoded'], dict(os.environ, VIGNETTE_SCALE_FROM='decoded'))
    # Where the rest of the loss is: the DCT-scaled decode. A decode that
    # covers 1.5 or 2 times the largest size (made here by asking for a
    # 750 or 1000 px size too: it is made, written and not scored), and the
    # full decode
    for margin in margins:
        name = f'lanczos-{margin:g}x-decode'
        outputs[name] = os.path.join(work, name)
        run_cli(args.cli, photos, outputs[name], extra=margin_sizes(margin))
    outputs['lanczos-full-decode'] = os.path.join(work, 'lanczos-full-decode')
    run_cli(args.cli, photos, outputs['lanczos-full-decode'], dict(os.environ, VIGNETTE_REDUCED_DECODE='0'))
    for other in args.other_cli:
        name, path = other.split('=', 1)
        outputs[name] = os.path.join(work, name)
        run_cli(path, photos, outputs[name])
    if args.baseline_cli:
        outputs['bilinear'] = os.path.join(work, 'bilinear')
        run_cli(args.baseline_cli, photos, outputs['bilinear'])
    outputs['pillow'] = os.path.join(work, 'pillow')
    run_pillow(photos, outputs['pillow'], processes)
    if not args.no_vips and shutil.which('vips'):
        for operation in ('reduce', 'resize'):
            outputs['vips-' + operation] = os.path.join(work, 'vips-' + operation)
            run_vips(photos, outputs['vips-' + operation], operation)

    thumbs = {path: thumbnails_of(out) for path, out in outputs.items()}
    wanted = {}
    for found in thumbs.values():
        for (stem, size), file in found.items():
            with Image.open(file) as im:
                wanted.setdefault(stem, set()).add(im.size)
    refs = os.path.join(args.cache, 'references')
    make_references(photos, refs, wanted)

    scores = {}  # path → size → [(psnr, stem)]
    for path, found in thumbs.items():
        for (stem, size), file in sorted(found.items()):
            with Image.open(file) as im, Image.open(ref_path(refs, stem, *im.size)) as ref:
                scores.setdefault(path, {}).setdefault(size, []).append((psnr(im, ref), stem))

    # Linear light: ImageMagick's own Lanczos in linear light, against the sRGB one
    lanczos_sizes = {}
    for (stem, size), file in thumbs['lanczos'].items():
        with Image.open(file) as im:
            lanczos_sizes[(stem, size)] = im.size
    linear_wanted = {}
    for (stem, size), dims in lanczos_sizes.items():
        linear_wanted.setdefault(stem, set()).add(dims)
    make_references(photos, refs, linear_wanted, linear=True)
    for (stem, size), (w, h) in sorted(lanczos_sizes.items()):
        with Image.open(ref_path(refs, stem, w, h, True)) as im, Image.open(ref_path(refs, stem, w, h)) as ref:
            scores.setdefault('linear', {}).setdefault(size, []).append((psnr(im, ref), stem))

    print('PSNR against ImageMagick Lanczos of the full decode (dB): min / median (worst photo)\n')
    print('| path | ' + ' | '.join(f'{s} px' for s in SIZES) + ' |')
    print('|---|' + '---|' * len(SIZES))
    for path, by_size in scores.items():
        cells = []
        for size in SIZES:
            values = sorted(by_size.get(size, []))
            if not values:
                cells.append('')
                continue
            cells.append(f'{values[0][0]:.1f} / {statistics.median(v for v, _ in values):.1f} ({values[0][1].split("--")[-1]})')
        print(f'| {path} | ' + ' | '.join(cells) + ' |')

    if args.tsv:
        with open(args.tsv, 'w') as f:
            f.write('path\tsize\tphoto\tpsnr\n')
            for path, by_size in scores.items():
                for size, values in sorted(by_size.items()):
                    for value, stem in sorted(values, key=lambda v: v[1]):
                        f.write(f'{path}\t{size}\t{stem}\t{value:.2f}\n')

    if args.crop:
        worst = min(scores['lanczos'][500])[1]
        ours = Image.open(thumbs['lanczos'][(worst, 500)]).convert('RGB')
        pillow = Image.open(thumbs['pillow'][(worst, 500)]).convert('RGB')
        ref = Image.open(ref_path(refs, worst, *ours.size)).convert('RGB')
        # The 120 × 90 window where ours departs most from the reference
        diff = ImageChops.difference(ours, ref).convert('L')
        best, where = -1, (0, 0)
        for y in range(0, max(1, ours.size[1] - 90), 10):
            for x in range(0, max(1, ours.size[0] - 120), 10):
                total = sum(v * c for v, c in enumerate(diff.crop((x, y, x + 120, y + 90)).histogram()))
                if total > best:
                    best, where = total, (x, y)
        box = (where[0], where[1], where[0] + 120, where[1] + 90)
        print(f'\ncrop: {worst} at 500 px, window {box}, ours | Pillow | reference, 3x nearest')
        window = f'120x90+{box[0]}+{box[1]}'
        command = ['convert']
        for file in (thumbs['lanczos'][(worst, 500)], thumbs['pillow'][(worst, 500)],
                     ref_path(refs, worst, *ours.size)):
            command += ['(', file, '-crop', window, '+repage', '-filter', 'point', '-resize', '300%',
                        '-bordercolor', 'white', '-border', '4', ')']
        subprocess.run(command + ['+append', args.crop], check=True)

    shutil.rmtree(work)
    return 0


if __name__ == '__main__':
    sys.exit(main())
