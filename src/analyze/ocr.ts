// Optional OCR of scans (analyze.ocr in the configuration): the text of scanned images and of the
// image pages of scanned PDFs, recognized by Tesseract run as a child process (`tesseract stdin
// stdout -l vie+eng`), one page at a time, each under a time limit past which the process is
// killed. The recognized text is kept apart from the file's own text (`facts.ocr.text`), so every
// reference found in it is known to come from OCR. Never throws: a missing tesseract, missing
// language data, a timeout or an unreadable page are recorded as problems.

import { spawn } from 'node:child_process';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, PDFStream } from 'pdf-lib';
import type { AttachmentFacts, OcrFacts } from '../domain/types.js';
import { imageInfo, isPageSized } from './image.js';
import { openPdf, type PdfJs } from './pdfjs.js';


export interface OcrOptions {
  enabled: boolean;
  /** Tesseract languages, `+`-joined: `vie+eng`. */
  languages: string;
  /** Time limit of one tesseract run (one page); the process is killed past it. */
  timeoutMs: number;
  /** Pages recognized at most per attachment. */
  maxPages: number;
  /** Pages larger than this many pixels are not recognized (memory and time). */
  maxPixels: number;
  /** The tesseract executable (a name on PATH or a path). */
  command: string;
}

export const DEFAULT_OCR_OPTIONS: OcrOptions = {
  enabled: false,
  languages: 'vie+eng',
  timeoutMs: 60_000,
  maxPages: 10,
  maxPixels: 50_000_000,
  command: 'tesseract',
};

/** Image types Tesseract (Leptonica) reads from memory. */
const OCR_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/tiff', 'image/gif', 'image/webp', 'image/bmp', 'image/jp2', 'image/x-portable-anymap']);

/** stdout kept at most per run: 4 bytes per character of the text limit. */
const MAX_OUTPUT_FACTOR = 4;

export type TesseractResult = { ok: true; text: string } | { ok: false; problem: string };

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * Runs tesseract once on an image given on its standard input and answers its text, or the
 * problem. `page` picks one page of a multi-page TIFF (tessedit_page_number, from 0). OpenMP is
 * held to one thread: analyze workers already run several jobs per core.
 */
export function runTesseract(
  image: Buffer,
  opts: Pick<OcrOptions, 'command' | 'languages' | 'timeoutMs'>,
  extra: { page?: number; maxOutputBytes?: number } = {},
): Promise<TesseractResult> {
  const args = ['stdin', 'stdout', '-l', opts.languages];
  if (extra.page !== undefined) args.push('-c', `tessedit_page_number=${extra.page}`);
  const maxOut = extra.maxOutputBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: TesseractResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(opts.command, args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, OMP_THREAD_LIMIT: '1' },
        windowsHide: true,
      });
    } catch (err) {
      resolve({ ok: false, problem: `unavailable:ocr: ${oneLine(err instanceof Error ? err.message : String(err))}` });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, problem: 'timeout:ocr' });
    }, opts.timeoutMs);
    const out: Buffer[] = [];
    let outLen = 0;
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      if (outLen < maxOut) {
        out.push(c);
        outLen += c.length;
      }
    });
    child.stderr?.on('data', (c: Buffer) => {
      if (err.length < 8192) err += c.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({
        ok: false,
        problem: e.code === 'ENOENT' ? 'unavailable:ocr: tesseract not installed' : `unavailable:ocr: ${oneLine(e.message)}`,
      });
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        finish({ ok: true, text: Buffer.concat(out).subarray(0, maxOut).toString('utf8').normalize('NFC') });
        return;
      }
      if (/Failed loading language|Error opening data file/i.test(err)) {
        finish({ ok: false, problem: `unavailable:ocr: language data missing for ${opts.languages}` });
        return;
      }
      const last = err.split('\n').map((l) => l.trim()).filter((l) => l && !/^Estimating resolution/i.test(l)).pop() ?? '';
      finish({ ok: false, problem: `unreadable:ocr: ${oneLine(last) || `tesseract exited with ${signal ?? String(code)}`}` });
    });
    // tesseract may exit before reading its input (bad arguments, missing data): EPIPE is not ours to report.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(image);
  });
}

// ---------------------------------------------------------------------------------------------
// Page images

/** One page to recognize: encoded image bytes tesseract reads, or why it cannot be read. */
export interface PageImage {
  /** 1-based page number in the document. */
  page: number;
  image: Buffer | null;
  /** For a multi-page TIFF: the page's index within `image`. */
  tiffPage?: number;
  width: number;
  height: number;
  problem: string | null;
}

const N = {
  XObject: PDFName.of('XObject'),
  Resources: PDFName.of('Resources'),
  Subtype: PDFName.of('Subtype'),
  Image: PDFName.of('Image'),
  Form: PDFName.of('Form'),
  Width: PDFName.of('Width'),
  Height: PDFName.of('Height'),
  Filter: PDFName.of('Filter'),
};

interface PdfImage {
  width: number;
  height: number;
  filters: string[];
  stream: PDFStream;
}

/** The largest image XObject a page (or a form it draws) holds, read with pdf-lib without decoding. */
function largestImage(doc: PDFDocument, resources: PDFDict | undefined, depth = 0): PdfImage | null {
  if (!resources || depth > 4) return null;
  const xobjects = resources.lookupMaybe(N.XObject, PDFDict);
  if (!xobjects) return null;
  let best: PdfImage | null = null;
  for (const [, ref] of xobjects.entries()) {
    const obj = doc.context.lookup(ref);
    if (!(obj instanceof PDFStream)) continue;
    const subtype = obj.dict.get(N.Subtype);
    let found: PdfImage | null = null;
    if (subtype === N.Image) {
      const w = obj.dict.lookupMaybe(N.Width, PDFNumber)?.asNumber() ?? 0;
      const h = obj.dict.lookupMaybe(N.Height, PDFNumber)?.asNumber() ?? 0;
      const f = obj.dict.lookup(N.Filter);
      const filters = f instanceof PDFName ? [f.decodeText()] : f instanceof PDFArray ? f.asArray().map((x) => (x instanceof PDFName ? x.decodeText() : '?')) : [];
      found = { width: w, height: h, filters, stream: obj };
    } else if (subtype === N.Form) {
      found = largestImage(doc, obj.dict.lookupMaybe(N.Resources, PDFDict), depth + 1);
    }
    if (found && (!best || found.width * found.height > best.width * best.height)) best = found;
  }
  return best;
}

/**
 * The page images of the first `maxPages` pages of a PDF that carry one: a JPEG (DCTDecode) or
 * JPEG 2000 (JPXDecode) image is handed to tesseract as it is stored, without decoding; another
 * encoding (CCITT fax, JBIG2, Flate) is decoded by pdfjs into raw pixels, written as PNM.
 */
export async function pdfPageImages(
  content: Buffer,
  maxPages: number,
  decodeWithPdfjs: (pageNumbers: number[]) => Promise<Map<number, { image: Buffer; width: number; height: number } | string>>,
): Promise<{ pages: PageImage[]; pageCount: number } | { problem: string }> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(content, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
  } catch (err) {
    return { problem: `unreadable:ocr: ${oneLine(err instanceof Error ? err.message : String(err))}` };
  }
  const all = doc.getPages();
  const pages: PageImage[] = [];
  const toDecode: number[] = [];
  for (let i = 0; i < all.length && pages.length < maxPages; i++) {
    const img = largestImage(doc, all[i]?.node.Resources());
    // A page without an image, or whose largest image is a logo, is no scan.
    if (!img || !isPageSized(img.width, img.height)) continue;
    const entry: PageImage = { page: i + 1, image: null, width: img.width, height: img.height, problem: null };
    const only = img.filters.length === 1 ? img.filters[0] : null;
    if ((only === 'DCTDecode' || only === 'JPXDecode') && img.stream instanceof PDFRawStream) entry.image = Buffer.from(img.stream.contents);
    else toDecode.push(i + 1);
    pages.push(entry);
  }
  if (toDecode.length > 0) {
    const decoded = await decodeWithPdfjs(toDecode);
    for (const p of pages) {
      if (p.image) continue;
      const d = decoded.get(p.page);
      if (d === undefined) p.problem = `unreadable:ocr: page ${p.page} image not decoded`;
      else if (typeof d === 'string') p.problem = d;
      else Object.assign(p, d);
    }
  }
  return { pages, pageCount: all.length };
}

/**
 * Raw pixels from pdfjs (`kind` 1: 1 bit per pixel, 1 = white; 2: RGB; 3: RGBA) as a binary PNM
 * file, which Leptonica reads from memory: P4 for bilevel scans, P6 otherwise.
 */
export function pnmOf(img: { width: number; height: number; kind: number; data: Uint8Array | Uint8ClampedArray }): Buffer {
  const { width, height, kind, data } = img;
  if (kind === 1) {
    const rowBytes = (width + 7) >> 3;
    const body = Buffer.alloc(rowBytes * height);
    // PBM's 1 is black, pdfjs' 1 is white.
    for (let i = 0; i < body.length; i++) body[i] = ~(data[i] ?? 0xff) & 0xff;
    return Buffer.concat([Buffer.from(`P4\n${width} ${height}\n`, 'latin1'), body]);
  }
  const channels = kind === 3 ? 4 : 3;
  const body = Buffer.alloc(width * height * 3);
  for (let p = 0, q = 0; q < body.length; p += channels, q += 3) {
    body[q] = data[p] ?? 255;
    body[q + 1] = data[p + 1] ?? 255;
    body[q + 2] = data[p + 2] ?? 255;
  }
  return Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`, 'latin1'), body]);
}

// ---------------------------------------------------------------------------------------------
// The OCR stage of an attachment

export interface OcrDeps {
  /** pdfjs-dist, as attachment.ts loads it once per process. */
  loadPdfJs: () => Promise<PdfJs>;
}

interface PdfjsImage {
  width: number;
  height: number;
  kind: number;
  data?: Uint8Array | Uint8ClampedArray;
}

/**
 * Decodes, with pdfjs, the largest image painted on each of the given pages, as PNM. Used for the
 * encodings tesseract cannot take as stored (CCITT fax, JBIG2, Flate). Bounded by `timeoutMs` as a
 * whole; pages not done by then are missing from the answer.
 */
export async function decodePdfImages(
  pdfjs: PdfJs,
  content: Buffer,
  pageNumbers: number[],
  timeoutMs: number,
): Promise<Map<number, { image: Buffer; width: number; height: number } | string>> {
  const out = new Map<number, { image: Buffer; width: number; height: number } | string>();
  const task = openPdf(pdfjs, content);
  let abandoned = false;
  const work = (async () => {
    const doc = await task.promise;
    for (const n of pageNumbers) {
      if (abandoned) return;
      const page = await doc.getPage(n);
      const ops = await page.getOperatorList({ annotationMode: pdfjs.AnnotationMode.DISABLE });
      let best: PdfjsImage | null = null;
      for (let i = 0; i < ops.fnArray.length; i++) {
        if (ops.fnArray[i] !== pdfjs.OPS.paintImageXObject) continue;
        const args = ops.argsArray[i] as unknown[] | undefined;
        const id = typeof args?.[0] === 'string' ? args[0] : null;
        if (!id) continue;
        const objs = id.startsWith('g_') ? page.commonObjs : page.objs;
        // Decoded images arrive after the operator list; the time limit bounds the wait.
        const img = (await new Promise<unknown>((resolve) => objs.get(id, resolve))) as PdfjsImage | null;
        if (img?.data && img.width > 0 && img.height > 0 && (!best || img.width * img.height > best.width * best.height)) best = img;
      }
      out.set(
        n,
        best?.data
          ? { image: pnmOf({ width: best.width, height: best.height, kind: best.kind, data: best.data }), width: best.width, height: best.height }
          : `unreadable:ocr: page ${n}: no image pdfjs could decode`,
      );
      page.cleanup();
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const r = await Promise.race([work.then(() => 'done' as const), timedOut]);
    if (r === 'timeout') {
      abandoned = true;
      for (const n of pageNumbers) if (!out.has(n)) out.set(n, 'timeout:ocr');
    }
  } catch (err) {
    for (const n of pageNumbers) if (!out.has(n)) out.set(n, `unreadable:ocr: ${oneLine(err instanceof Error ? err.message : String(err))}`);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
    await task.destroy().catch(() => undefined);
  }
  return out;
}

/** Whether OCR has anything to do for these facts: a scanned image, or a PDF with image pages lacking text. */
export function wantsOcr(facts: AttachmentFacts): boolean {
  if (facts.problem === 'timeout' || facts.problem === 'over_limit:size') return false;
  if (facts.kind === 'image') return facts.digitization === 'scanned';
  if (facts.kind === 'pdf') {
    if (facts.digitization !== 'scanned' && facts.digitization !== 'mixed') return false;
    return facts.pages === null || facts.textPages === null || facts.textPages < facts.pages;
  }
  return false;
}

/**
 * Recognizes the text of a scanned attachment into `facts.ocr`. Pages beyond `maxPages` and pages
 * above `maxPixels` are left out and recorded; the first problem also goes to `facts.problem`
 * when nothing else is there.
 */
export async function ocrAttachment(content: Buffer, facts: AttachmentFacts, opts: OcrOptions, maxTextChars: number, deps: OcrDeps): Promise<void> {
  if (!wantsOcr(facts)) return;
  const ocr: OcrFacts = { engine: 'tesseract', languages: opts.languages, pages: 0, chars: 0, text: '', problems: [] };
  try {
    let pages: PageImage[] = [];
    let total = 0;
    if (facts.kind === 'image') {
      if (!OCR_IMAGE_TYPES.has(facts.sniffedType)) {
        ocr.problems.push(`unsupported:ocr: ${facts.sniffedType}`);
      } else {
        const info = imageInfo(content, facts.sniffedType, opts.maxPages);
        if (!('width' in info)) ocr.problems.push(info.problem);
        else {
          total = info.pageCount;
          const multi = facts.sniffedType === 'image/tiff' && info.pageCount > 1;
          pages = info.pages.map((p, i) => ({ page: i + 1, image: content, ...(multi ? { tiffPage: i } : {}), width: p.width, height: p.height, problem: null }));
        }
      }
    } else {
      const got = await pdfPageImages(content, opts.maxPages, async (nums) => decodePdfImages(await deps.loadPdfJs(), content, nums, opts.timeoutMs));
      if ('problem' in got) ocr.problems.push(got.problem);
      else {
        pages = got.pages;
        // Pages past the limit that were not even looked at count as left out.
        total = got.pageCount > opts.maxPages ? got.pageCount : pages.length;
      }
    }
    if (total > opts.maxPages) ocr.problems.push('over_limit:ocr_pages');
    const texts: string[] = [];
    let chars = 0;
    for (const p of pages.slice(0, opts.maxPages)) {
      if (p.problem || !p.image) {
        ocr.problems.push(p.problem ?? `unreadable:ocr: page ${p.page}`);
        continue;
      }
      if (p.width * p.height > opts.maxPixels) {
        ocr.problems.push('over_limit:pixels');
        continue;
      }
      const extra: { page?: number; maxOutputBytes: number } = { maxOutputBytes: maxTextChars * MAX_OUTPUT_FACTOR };
      if (p.tiffPage !== undefined) extra.page = p.tiffPage;
      const r = await runTesseract(p.image, opts, extra);
      if (!r.ok) {
        ocr.problems.push(r.problem);
        // Without the program or its language data no other page will do better.
        if (r.problem.startsWith('unavailable:')) break;
        continue;
      }
      ocr.pages++;
      const text = r.text.trim();
      if (text && chars < maxTextChars) {
        texts.push(text);
        chars += text.length + 1;
      }
    }
    ocr.text = texts.join('\n').slice(0, maxTextChars);
    ocr.chars = ocr.text.length;
  } catch (err) {
    ocr.problems.push(`unreadable:ocr: ${oneLine(err instanceof Error ? err.message : String(err))}`);
  } finally {
    ocr.problems = [...new Set(ocr.problems)];
    facts.ocr = ocr;
    if (facts.problem === null && ocr.problems[0]) facts.problem = ocr.problems[0];
  }
}
