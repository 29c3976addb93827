// What an image attachment is as a scan: its pixel size, how many pages it holds (a multi-page
// TIFF is a scanned document of several pages) and whether it is a page at all (an icon, a logo
// or a signature stamp is not). Pure: reads the bytes it is given, never throws.
//
// JPEG, PNG, GIF, WebP, BMP… are sized by image-size. TIFF is read here, from its directory (IFD)
// chain: a well-formed TIFF is easy, a hostile one (a chain that loops, a million directories, a
// count that points past the end) must neither hang nor exhaust memory, which general TIFF
// decoders do not promise (see docs/dependencies.md).

import { imageSize } from 'image-size';
import type { AttachmentFacts } from '../domain/types.js';

/** An image whose shorter side is below this many pixels is no page of a document. */
export const MIN_PAGE_SIDE_PX = 300;

/** Directories walked at most when counting the pages of a TIFF (each costs a few bytes of reading). */
export const TIFF_MAX_DIRECTORIES = 100_000;

export interface ImagePage {
  width: number;
  height: number;
}

export interface ImageInfo {
  /** Pixel size of the first page. */
  width: number;
  height: number;
  /** Pages counted (a TIFF's full-resolution directories; 1 for other formats). */
  pageCount: number;
  /** Sizes of the first `maxPages` pages. */
  pages: ImagePage[];
  /** A limit or a defect met while reading; the rest is still what could be read. */
  problem: string | null;
}

/** Whether an image of this size can be a page of a document (not an icon, logo or stamp). */
export function isPageSized(width: number, height: number): boolean {
  return Math.min(width, height) >= MIN_PAGE_SIDE_PX;
}

/** Size and pages of an image; null when its header cannot be read. */
export function imageInfo(content: Buffer, mime: string, maxPages: number): ImageInfo | { problem: string } {
  if (mime === 'image/tiff') return tiffInfo(content, maxPages);
  try {
    const size = imageSize(new Uint8Array(content.buffer, content.byteOffset, content.length));
    if (!size.width || !size.height) return { problem: 'unreadable:image: no pixel size in the header' };
    // EXIF orientations 5–8 turn the picture a quarter: the page is as wide as the file is high.
    const turned = size.orientation !== undefined && size.orientation >= 5;
    const width = turned ? size.height : size.width;
    const height = turned ? size.width : size.height;
    return { width, height, pageCount: 1, pages: [{ width, height }], problem: null };
  } catch (err) {
    return { problem: `unreadable:image: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200) };
  }
}

// ---------------------------------------------------------------------------------------------
// TIFF (TIFF 6.0 and BigTIFF): the directory chain, bounded

interface Reader {
  u16(at: number): number;
  u32(at: number): number;
  /** A BigTIFF 8-byte offset; beyond 2^53 it is out of any buffer anyway. */
  u64(at: number): number;
}

function readerFor(buf: Buffer, little: boolean): Reader {
  return little
    ? { u16: (a) => buf.readUInt16LE(a), u32: (a) => buf.readUInt32LE(a), u64: (a) => Number(buf.readBigUInt64LE(a)) }
    : { u16: (a) => buf.readUInt16BE(a), u32: (a) => buf.readUInt32BE(a), u64: (a) => Number(buf.readBigUInt64BE(a)) };
}

const TAG_NEW_SUBFILE_TYPE = 254;
const TAG_WIDTH = 256;
const TAG_HEIGHT = 257;

/**
 * The pages of a TIFF: every directory of the main chain that is not a reduced-resolution copy
 * (NewSubfileType bit 0: a thumbnail). Sizes are read for the first `maxPages` pages only; the
 * rest are counted up to TIFF_MAX_DIRECTORIES. A chain that loops or runs off the end stops there,
 * with a problem, keeping what was read.
 */
export function tiffInfo(buf: Buffer, maxPages: number): ImageInfo | { problem: string } {
  if (buf.length < 8) return { problem: 'unreadable:image: TIFF header truncated' };
  const order = buf.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return { problem: 'unreadable:image: not a TIFF byte order mark' };
  const r = readerFor(buf, order === 'II');
  const magic = r.u16(2);
  const big = magic === 43;
  if (magic !== 42 && !big) return { problem: 'unreadable:image: not a TIFF (magic number)' };
  if (big && (buf.length < 16 || r.u16(4) !== 8)) return { problem: 'unreadable:image: BigTIFF header truncated' };
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const offsetSize = big ? 8 : 4;
  const readOffset = (at: number): number => (big ? r.u64(at) : r.u32(at));
  // An entry's value, when it is one SHORT, LONG or LONG8 held in the entry itself.
  const inlineValue = (entry: number): number | null => {
    const type = r.u16(entry + 2);
    const count = big ? r.u64(entry + 4) : r.u32(entry + 4);
    if (count !== 1) return null;
    const at = entry + (big ? 12 : 8);
    if (type === 3) return r.u16(at);
    if (type === 4) return r.u32(at);
    if (type === 16 && big) return r.u64(at);
    return null;
  };

  const pages: ImagePage[] = [];
  let pageCount = 0;
  let problem: string | null = null;
  const seen = new Set<number>();
  let ifd = readOffset(big ? 8 : 4);
  for (let walked = 0; ifd !== 0; walked++) {
    if (walked >= TIFF_MAX_DIRECTORIES) {
      problem = 'over_limit:pages';
      break;
    }
    if (seen.has(ifd)) {
      problem = 'unreadable:image: TIFF directory chain loops';
      break;
    }
    seen.add(ifd);
    if (ifd + countSize > buf.length) {
      problem = 'unreadable:image: TIFF directory past the end of the file';
      break;
    }
    const n = big ? r.u64(ifd) : r.u16(ifd);
    const entries = ifd + countSize;
    const next = entries + n * entrySize;
    if (next + offsetSize > buf.length) {
      problem = 'unreadable:image: TIFF directory truncated';
      break;
    }
    let width: number | null = null;
    let height: number | null = null;
    let subfile = 0;
    // Tags are sorted, but a sloppy writer may not sort them: look at every entry.
    for (let i = 0; i < n; i++) {
      const e = entries + i * entrySize;
      const tag = r.u16(e);
      if (tag === TAG_WIDTH) width = inlineValue(e);
      else if (tag === TAG_HEIGHT) height = inlineValue(e);
      else if (tag === TAG_NEW_SUBFILE_TYPE) subfile = inlineValue(e) ?? 0;
    }
    if ((subfile & 1) === 0) {
      pageCount++;
      if (pages.length < maxPages && width !== null && height !== null) pages.push({ width, height });
    }
    ifd = readOffset(next);
  }
  const first = pages[0];
  if (!first) return { problem: problem ?? 'unreadable:image: TIFF without a page of known size' };
  if (problem === null && pageCount > maxPages) problem = 'over_limit:pages';
  return { width: first.width, height: first.height, pageCount, pages, problem };
}

/**
 * The scan facts of an image attachment: pixel size, pages (a multi-page TIFF), and no page at
 * all for an icon, logo or stamp (digitization `none`, so it never makes a mail "scanned").
 */
export function inspectImage(
  content: Buffer,
  facts: AttachmentFacts,
  maxPages: number,
): void {
  const info = imageInfo(content, facts.sniffedType, maxPages);
  if (!('width' in info)) {
    facts.problem = info.problem;
    return;
  }
  facts.image = { width: info.width, height: info.height };
  facts.pages = info.pageCount;
  facts.textPages = 0;
  if (!isPageSized(info.width, info.height)) {
    facts.digitization = 'none';
    facts.pages = 0;
  }
  facts.problem = info.problem;
}
