// Scan facts of image attachments: pixel size, the pages of a multi-page TIFF (read from its
// directory chain, bounded against hostile files), and icons or logos that are no page.
import { describe, expect, it } from 'vitest';
import * as UTIF from 'utif2';
import { inspectAttachment } from '../../src/analyze/attachment.js';
import { imageInfo, isPageSized, MIN_PAGE_SIDE_PX, tiffInfo } from '../../src/analyze/image.js';
import { jpegOf, pngOf, tiffOf, type Gray } from '../helpers/scans.js';

/** A grey test card: a dark frame and stripes, enough for any reader to see a picture. */
function card(width: number, height: number): Gray {
  const data = new Uint8Array(width * height).fill(240);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x < 4 || y < 4 || x >= width - 4 || y >= height - 4 || (y % 40 < 6 && x % 3 === 0)) data[y * width + x] = 20;
    }
  }
  return { width, height, data };
}

describe('multi-page TIFF', () => {
  const pages = [card(620, 877), card(640, 900), card(600, 850)];
  const tiff = tiffOf(pages);

  it('counts every page and reads each size, as utif2 reads the same file', () => {
    const info = tiffInfo(tiff, 10);
    expect(info).toEqual({ width: 620, height: 877, pageCount: 3, pages: pages.map((p) => ({ width: p.width, height: p.height })), problem: null });
    const ifds = UTIF.decode(tiff);
    expect(ifds.map((d) => [(d.t256 as number[])[0], (d.t257 as number[])[0]])).toEqual(pages.map((p) => [p.width, p.height]));
  });

  it('does not count a reduced-resolution copy (a thumbnail) as a page', () => {
    const info = tiffInfo(tiffOf(pages.slice(0, 2), { thumbnailFirst: card(62, 88) }), 10);
    expect('pageCount' in info && info.pageCount).toBe(2);
    expect('width' in info && [info.width, info.height]).toEqual([620, 877]);
  });

  it('counts past the page limit, reads sizes up to it, and says so', () => {
    const info = tiffInfo(tiff, 2);
    expect(info).toMatchObject({ pageCount: 3, problem: 'over_limit:pages' });
    expect('pages' in info && info.pages).toHaveLength(2);
  });

  it('stops on a directory chain that loops instead of walking it forever', () => {
    const looped = Buffer.from(tiff);
    // The last directory's "next" pointer sent back to the first directory.
    const first = looped.readUInt32BE(4);
    let ifd = first;
    for (;;) {
      const next = ifd + 2 + looped.readUInt16BE(ifd) * 12;
      if (looped.readUInt32BE(next) === 0) {
        looped.writeUInt32BE(first, next);
        break;
      }
      ifd = looped.readUInt32BE(next);
    }
    expect(tiffInfo(looped, 10)).toMatchObject({ pageCount: 3, problem: 'unreadable:image: TIFF directory chain loops' });
  });

  it('keeps what it read when a directory points past the end', () => {
    const cut = Buffer.from(tiff);
    cut.writeUInt32BE(cut.length + 1000, cut.readUInt32BE(4) + 2 + cut.readUInt16BE(cut.readUInt32BE(4)) * 12);
    expect(tiffInfo(cut, 10)).toMatchObject({ pageCount: 1, problem: 'unreadable:image: TIFF directory past the end of the file' });
  });

  it('reads a little-endian BigTIFF', () => {
    // Header (16 bytes), one directory at 16: two LONG8-free entries (SHORT width, LONG height), next 0.
    const b = Buffer.alloc(16 + 8 + 2 * 20 + 8);
    b.write('II', 0, 'latin1');
    b.writeUInt16LE(43, 2);
    b.writeUInt16LE(8, 4);
    b.writeBigUInt64LE(16n, 8);
    b.writeBigUInt64LE(2n, 16);
    const e = 24;
    b.writeUInt16LE(256, e);
    b.writeUInt16LE(3, e + 2);
    b.writeBigUInt64LE(1n, e + 4);
    b.writeUInt16LE(2480, e + 12);
    b.writeUInt16LE(257, e + 20);
    b.writeUInt16LE(4, e + 22);
    b.writeBigUInt64LE(1n, e + 24);
    b.writeUInt32LE(3508, e + 32);
    expect(tiffInfo(b, 10)).toEqual({ width: 2480, height: 3508, pageCount: 1, pages: [{ width: 2480, height: 3508 }], problem: null });
  });

  it('refuses bytes that are no TIFF', () => {
    expect(tiffInfo(Buffer.from('MM\u0000\u0029xxxxxxxx', 'latin1'), 10)).toEqual({ problem: 'unreadable:image: not a TIFF (magic number)' });
    expect(tiffInfo(Buffer.from('II'), 10)).toEqual({ problem: 'unreadable:image: TIFF header truncated' });
  });

  it('makes a multi-page TIFF attachment a scanned document of that many pages', async () => {
    const facts = await inspectAttachment(tiff, { filename: 'ho-so.tif', declaredType: 'image/tiff' });
    expect(facts).toMatchObject({ sniffedType: 'image/tiff', kind: 'image', digitization: 'scanned', pages: 3, textPages: 0, image: { width: 620, height: 877 }, problem: null });
  });
});

describe('what is a page', () => {
  it('takes an image as a page from a shorter side of MIN_PAGE_SIDE_PX pixels', () => {
    expect(MIN_PAGE_SIDE_PX).toBe(300);
    expect(isPageSized(827, 1169)).toBe(true);
    expect(isPageSized(300, 400)).toBe(true);
    expect(isPageSized(600, 120)).toBe(false);
    expect(isPageSized(64, 64)).toBe(false);
  });

  it('sizes PNG and JPEG from their headers', async () => {
    expect(imageInfo(await pngOf(card(420, 594)), 'image/png', 10)).toEqual({ width: 420, height: 594, pageCount: 1, pages: [{ width: 420, height: 594 }], problem: null });
    expect(imageInfo(jpegOf(card(420, 594)), 'image/jpeg', 10)).toMatchObject({ width: 420, height: 594, pageCount: 1 });
    expect(imageInfo(Buffer.from([0xff, 0xd8, 0xff, 0x00]), 'image/jpeg', 10)).toMatchObject({ problem: expect.stringMatching(/^unreadable:image: /) });
  });

  it('does not count a logo as a scanned page, so it never makes a mail scanned', async () => {
    const facts = await inspectAttachment(await pngOf(card(200, 80)), { filename: 'logo.png', declaredType: 'image/png' });
    expect(facts).toMatchObject({ kind: 'image', digitization: 'none', pages: 0, image: { width: 200, height: 80 }, problem: null });
  });

  it('keeps a page-sized photo of a document as a one-page scan', async () => {
    const facts = await inspectAttachment(jpegOf(card(827, 1169)), { filename: 'chup.jpg', declaredType: 'image/jpeg' });
    expect(facts).toMatchObject({ kind: 'image', digitization: 'scanned', pages: 1, image: { width: 827, height: 1169 } });
  });
});
