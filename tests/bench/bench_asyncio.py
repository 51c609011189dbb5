#!/usr/bin/python3
# bench_asyncio.py: vignette-cli's job for a /page/{} template, written the idiomatic Python way, for comparison
# SPDX-License-Identifier: GPL-3.0-or-later
#
# asyncio + aiohttp for the pages and the images, lxml for the addresses
# (//figure//img/@src), Pillow in a ProcessPoolExecutor (one process per
# core, through run_in_executor) for the thumbnails, made exactly as
# bench_pil_thumbs.py makes them (draft-mode decode, largest size first, PNG
# with Pillow's defaults unless --compress-level is given, as vignette-cli's
# level 1, DIR/<size>/<name>.png). A careful user's limits: the
# connector allows 16 connections, 8 per host (vignette-cli's defaults), and a
# semaphore bounds the images in flight (downloading or being thumbnailed) so
# that memory does not grow with the gallery.
#
#   bench_asyncio.py [--pages 1-10] [--sizes LIST] [--jobs 16] [--per-host 8]
#                    [--compress-level N] -o OUT TEMPLATE

import argparse
import asyncio
import io
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urljoin, urlsplit

import aiohttp
import lxml.html
from PIL import Image

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_pil_thumbs import make_thumbnails  # noqa: E402  the same thumbnails as the PIL program


def thumbnail_bytes(data, name, output, sizes, save_options):
    """Runs in a worker process."""
    with Image.open(io.BytesIO(data)) as image:
        make_thumbnails(image, name, output, sizes, save_options)


class Job:
    def __init__(self, args):
        self.args = args
        self.sizes = sorted({int(s) for s in args.sizes.split(',')}, reverse=True)
        self.save_options = {} if args.compress_level is None else {'compress_level': args.compress_level}
        self.pool = ProcessPoolExecutor(os.cpu_count())
        self.in_flight = asyncio.Semaphore(args.jobs)
        self.names = set()
        self.done = 0
        self.failed = 0

    def claim_name(self, url):
        stem = os.path.splitext(os.path.basename(urlsplit(url).path))[0] or 'image'
        name, n = stem, 1
        while name in self.names:
            n += 1
            name = f'{stem}-{n}'
        self.names.add(name)
        return name

    async def image(self, session, url, referer):
        name = self.claim_name(url)
        async with self.in_flight:
            try:
                async with session.get(url, headers={'Referer': referer}) as response:
                    response.raise_for_status()
                    data = await response.read()
                await asyncio.get_running_loop().run_in_executor(
                    self.pool, thumbnail_bytes, data, name, self.args.output, self.sizes, self.save_options)
                self.done += 1
            except Exception as error:
                self.failed += 1
                print(f'{url}: {error}', file=sys.stderr)

    async def page(self, session, url):
        try:
            async with session.get(url) as response:
                response.raise_for_status()
                html = await response.text()
        except Exception as error:
            self.failed += 1
            print(f'{url}: {error}', file=sys.stderr)
            return
        document = lxml.html.fromstring(html)
        urls = [urljoin(url, src) for src in document.xpath('//figure//img/@src')]
        await asyncio.gather(*(self.image(session, u, url) for u in urls))

    async def run(self, template, first, last):
        connector = aiohttp.TCPConnector(limit=self.args.jobs, limit_per_host=self.args.per_host)
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await asyncio.gather(*(self.page(session, template.replace('{}', str(n)))
                                   for n in range(first, last + 1)))
        self.pool.shutdown()


def main():
    parser = argparse.ArgumentParser(description='Thumbnails of the images of a range of pages, with asyncio')
    parser.add_argument('template')
    parser.add_argument('-o', '--output', required=True)
    parser.add_argument('-p', '--pages', default='1-1')
    parser.add_argument('--sizes', default='100,200,300,400,500')
    parser.add_argument('--jobs', type=int, default=16)
    parser.add_argument('--per-host', type=int, default=8)
    parser.add_argument('--compress-level', type=int, choices=range(10), metavar='0-9',
                        help="PNG zlib level (default: Pillow's, 6)")
    args = parser.parse_args()

    first, _, last = args.pages.partition('-')
    job = Job(args)
    for size in job.sizes:
        os.makedirs(os.path.join(args.output, str(size)), exist_ok=True)
    asyncio.run(job.run(args.template, int(first), int(last or first)))
    print(f'{job.done} images done, {job.failed} failed', file=sys.stderr)
    return 1 if job.failed else 0


if __name__ == '__main__':
    sys.exit(main())
