// What an attachment really is, from its bytes: sniffed type, kind, whether a document is
// born-digital, scanned or mixed (PDF text layer and painted images, page by page), and its text
// for reference finding. Never throws: limits, timeouts and unreadable files come back as facts
// with `problem` set. No I/O besides pdfjs-dist's lazy loading of its own worker module.

import { openPdf, type PdfJs } from './pdfjs.js';
import { pdfiumPages } from './pdfium.js';
import { SHARED_FACTS_MIN_BYTES } from './shared-facts.js';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PDFDict, PDFDocument, PDFName, PDFStream } from 'pdf-lib';
import type { AttachmentFacts, Digitization } from '../domain/types.js';
import { bareType, decodeText, extensionOf, sniffType } from './sniff.js';
import { inspectImage } from './image.js';
import { ocrAttachment, type OcrOptions } from './ocr.js';
import { looksLikeEdxml, parseEdxml, type EdxmlFile } from './edxml.js';
import { containerFormat, inspectContainer, type ArchiveLimits, type ContainerScope } from './container.js';
import { inspectOffice } from './office.js';
import { repairAttachmentText } from './legacy-text.js';
import { NO_ANCHORS, type TrustAnchors } from './signatures/trust.js';
import { pdfSignatures } from './signatures/pdf.js';
import { cmsSignatures, encapsulatedContent } from './signatures/cms.js';
import { hasXmlSignature, xmlSignatures } from './signatures/xmldsig.js';
import { envelopedName } from './readers/cms.js';

export interface AttachmentLimits {
  maxBytes: number;
  maxPages: number;
  maxTextChars: number;
  timeoutMs: number;
  /** Optional OCR of scans (analyze.ocr); off when absent. */
  ocr?: OcrOptions;
  /** Looking inside archives, forwarded mail and TNEF (container.ts); DEFAULT_ARCHIVE_LIMITS when absent. */
  archive?: ArchiveLimits;
  /** Trust anchors signatures are checked against (analyze.trust_anchors); none when absent. */
  anchors?: TrustAnchors;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxPages: 500,
  maxTextChars: 200_000,
  timeoutMs: 20_000,
};


let pdfjsPromise: Promise<PdfJs> | null = null;

/**
 * Built-ins that the core-js polyfills bundled in pdfjs' legacy build replace in the whole process
 * on Node 20 (for corner cases: a read-only array length, JSON.parse's source-text access), with
 * JavaScript versions many times slower — Array.prototype.push is on every path of the analysis,
 * mailparser's included. Node's own are put back once pdfjs is loaded; what the polyfills add
 * (Promise.withResolvers, Set methods…) stays, pdfjs needs it.
 */
const KEPT_NATIVE: ReadonlyArray<readonly [object, string]> = [
  [Array.prototype, 'push'],
  [JSON, 'parse'],
  [Function.prototype, 'toString'],
];

function nativeBuiltins(): Array<[object, string, PropertyDescriptor | undefined]> {
  return KEPT_NATIVE.map(([o, k]) => [o, k, Object.getOwnPropertyDescriptor(o, k)]);
}

function restoreBuiltins(saved: Array<[object, string, PropertyDescriptor | undefined]>): void {
  for (const [o, k, d] of saved) if (d && Object.getOwnPropertyDescriptor(o, k)?.value !== d.value) Object.defineProperty(o, k, d);
}

/**
 * pdfjs-dist, loaded once. Node has no web workers, so pdfjs runs its "fake worker" in this
 * thread; registering the worker module on globalThis spares it a dynamic import per document.
 */
export function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= (async () => {
    const natives = nativeBuiltins();
    try {
      const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
      const workerUrl = pathToFileURL(
        createRequire(import.meta.url).resolve('pdfjs-dist/legacy/build/pdf.worker.mjs'),
      ).href;
      const g = globalThis as { pdfjsWorker?: unknown };
      if (!g.pdfjsWorker) g.pdfjsWorker = (await import(workerUrl)) as unknown;
      pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;
      return pdfjs;
    } finally {
      restoreBuiltins(natives);
    }
  })();
  // A failed load is not remembered: the next attachment tries again.
  pdfjsPromise.catch(() => {
    pdfjsPromise = null;
  });
  return pdfjsPromise;
}

/** Thrown inside the analysis when the deadline passed; turned into `problem: "timeout"`. */
class DeadlineExceeded extends Error {
  constructor() {
    super('timeout');
    this.name = 'DeadlineExceeded';
  }
}

interface Run {
  deadline: number;
  /** Set when the caller has already answered with a timeout: stop working, free resources. */
  abandoned: boolean;
}

function checkDeadline(run: Run): void {
  if (run.abandoned || Date.now() > run.deadline) throw new DeadlineExceeded();
}

/** Give timers a turn: pdfjs's fake worker runs on microtasks and would otherwise starve them. */
function yieldToTimers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 200);
}

// ---------------------------------------------------------------------------------------------
// PDF

interface PageFacts {
  /** getTextContent has a non-whitespace item. */
  hasText: boolean;
  /** Some text is drawn in a visible rendering mode (not 3 = invisible, not 7 = clip only). */
  visibleText: boolean;
  paintsImage: boolean;
}

/**
 * Per-page digitization: born-digital when every page has a text layer, scanned when no page has
 * one and pages paint images, mixed otherwise. A page whose only text is invisible over a
 * painted image is an OCR'd scan and counts as scanned: it was digitized from paper.
 */
export function digitizationOfPages(pages: PageFacts[]): Digitization {
  if (pages.length === 0) return 'none';
  const scannedLike = (p: PageFacts): boolean => !p.hasText || (p.paintsImage && !p.visibleText);
  const textual = pages.filter((p) => !scannedLike(p)).length;
  if (textual === pages.length) return 'born_digital';
  if (textual === 0 && pages.some((p) => p.paintsImage)) return 'scanned';
  return 'mixed';
}

/**
 * A PDF's pages, text and digitization. PDFium reads it (src/analyze/pdfium.ts): text and painted
 * objects of each page in one pass. A file PDFium cannot open goes to pdfjs, which forgives more.
 */
async function inspectPdf(content: Buffer, facts: AttachmentFacts, limits: AttachmentLimits, run: Run): Promise<void> {
  let read: Awaited<ReturnType<typeof pdfiumPages>>;
  try {
    read = await pdfiumPages(content, limits.maxPages, async () => {
      checkDeadline(run);
      await yieldToTimers();
    });
  } catch (err) {
    if (err instanceof DeadlineExceeded) throw err;
    await inspectPdfWithPdfjs(content, facts, limits, run);
    return;
  }
  facts.pages = read.pageCount;
  if (read.pageCount > limits.maxPages) facts.problem = 'over_limit:pages';
  const pages: PageFacts[] = [];
  const texts: string[] = [];
  let textLen = 0;
  for (const page of read.pages) {
    pages.push({ hasText: /\S/.test(page.text), visibleText: page.visibleText, paintsImage: page.paintsImage });
    if (textLen < limits.maxTextChars) {
      texts.push(page.text.normalize('NFC'));
      textLen += page.text.length + 1;
    }
  }
  facts.textPages = pages.filter((p) => p.hasText).length;
  facts.digitization = digitizationOfPages(pages);
  facts.text = texts.join('\n').slice(0, limits.maxTextChars);
}

/** The same facts read with pdfjs (and pdf-lib's look at the page resources), for the PDFs PDFium cannot open. */
async function inspectPdfWithPdfjs(content: Buffer, facts: AttachmentFacts, limits: AttachmentLimits, run: Run): Promise<void> {
  const pdfjs = await loadPdfJs();
  checkDeadline(run);
  const { OPS } = pdfjs;
  const imageOps = new Set<number>([
    OPS.paintImageXObject,
    OPS.paintInlineImageXObject,
    OPS.paintImageMaskXObject,
    OPS.paintImageXObjectRepeat,
    OPS.paintImageMaskXObjectRepeat,
    OPS.paintImageMaskXObjectGroup,
    OPS.paintInlineImageXObjectGroup,
    OPS.paintSolidColorImageMask,
  ]);
  const textOps = new Set<number>([
    OPS.showText,
    OPS.showSpacedText,
    OPS.nextLineShowText,
    OPS.nextLineSetSpacingShowText,
  ]);
  const task = openPdf(pdfjs, content);
  try {
    const imagePages = await pagesWithImages(content);
    const doc = await task.promise;
    facts.pages = doc.numPages;
    if (doc.numPages > limits.maxPages) facts.problem = 'over_limit:pages';
    const count = Math.min(doc.numPages, limits.maxPages);
    const pages: PageFacts[] = [];
    const texts: string[] = [];
    let textLen = 0;
    for (let i = 1; i <= count; i++) {
      checkDeadline(run);
      const page = await doc.getPage(i);
      const content = await page.getTextContent();
      let pageText = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        pageText += item.str;
        if (item.hasEOL) pageText += '\n';
      }
      const hasText = /\S/.test(pageText);
      const hasImageXObject = imagePages?.[i - 1];
      if (hasImageXObject === false && hasText) {
        // Text and no image: born-digital, without building the operator list.
        pages.push({ hasText, visibleText: true, paintsImage: false });
      } else if (hasImageXObject === true && !hasText) {
        // An image and no text: a scanned page. pdfjs would decode every image to list the operators.
        pages.push({ hasText, visibleText: false, paintsImage: true });
      } else {
        const ops = await page.getOperatorList({ annotationMode: pdfjs.AnnotationMode.DISABLE });
        pages.push({ hasText, ...scanOperators(ops.fnArray, ops.argsArray, OPS.save, OPS.restore, OPS.setTextRenderingMode, textOps, imageOps) });
      }
      page.cleanup();
      if (textLen < limits.maxTextChars) {
        texts.push(pageText.normalize('NFC'));
        textLen += pageText.length + 1;
      }
      facts.textPages = pages.filter((p) => p.hasText).length;
      facts.digitization = digitizationOfPages(pages);
      facts.text = texts.join('\n').slice(0, limits.maxTextChars);
      await yieldToTimers();
    }
    facts.textPages = pages.filter((p) => p.hasText).length;
    facts.digitization = digitizationOfPages(pages);
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

/**
 * Which pages have image XObjects in their resources (directly or in a form XObject), read from
 * the PDF's structure with pdf-lib without decoding any image: pdfjs' operator list decodes every
 * image it meets, which is most of the cost of reading a scan. Null when pdf-lib cannot read the
 * file or its page count disagrees; the caller then falls back to the operator list.
 * Inline images (BI … EI inside a content stream) are not seen here: pages with text and no image
 * XObject are taken as born-digital.
 */
export async function pagesWithImages(content: Buffer): Promise<boolean[] | null> {
  try {
    // throwOnInvalidObject: a damaged PDF goes to the operator-list path instead of pdf-lib's console warnings.
    const doc = await PDFDocument.load(content, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: true });
    const XOBJECT = PDFName.of('XObject');
    const RESOURCES = PDFName.of('Resources');
    const SUBTYPE = PDFName.of('Subtype');
    const IMAGE = PDFName.of('Image');
    const FORM = PDFName.of('Form');
    const hasImage = (resources: PDFDict | undefined, depth: number): boolean => {
      if (!resources || depth > 4) return false;
      const xobjects = resources.lookupMaybe(XOBJECT, PDFDict);
      if (!xobjects) return false;
      for (const [, ref] of xobjects.entries()) {
        const obj = doc.context.lookup(ref);
        const dict = obj instanceof PDFStream ? obj.dict : obj instanceof PDFDict ? obj : null;
        if (!dict) continue;
        const subtype = dict.get(SUBTYPE);
        if (subtype === IMAGE) return true;
        if (subtype === FORM && hasImage(dict.lookupMaybe(RESOURCES, PDFDict), depth + 1)) return true;
      }
      return false;
    };
    return doc.getPages().map((p) => hasImage(p.node.Resources(), 0));
  } catch {
    return null;
  }
}

/** Walks an operator list once: does it paint images, and does it draw visible text? */
function scanOperators(
  fnArray: number[],
  argsArray: unknown[],
  saveOp: number,
  restoreOp: number,
  renderModeOp: number,
  textOps: Set<number>,
  imageOps: Set<number>,
): { visibleText: boolean; paintsImage: boolean } {
  let paintsImage = false;
  let visibleText = false;
  let mode = 0;
  const stack: number[] = [];
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    if (fn === undefined) continue;
    if (imageOps.has(fn)) paintsImage = true;
    else if (fn === saveOp) stack.push(mode);
    else if (fn === restoreOp) mode = stack.pop() ?? 0;
    else if (fn === renderModeOp) {
      const args = argsArray[i];
      const m = Array.isArray(args) ? Number(args[0]) : 0;
      mode = Number.isFinite(m) ? m : 0;
    } else if (textOps.has(fn) && (mode & 3) !== 3) {
      // Modes 3 and 7 draw nothing (invisible; clip only): the signature of an OCR layer.
      visibleText = true;
    }
    if (paintsImage && visibleText) break;
  }
  return { visibleText, paintsImage };
}

// ---------------------------------------------------------------------------------------------
// Other kinds

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Visible text of an HTML attachment: references live in the text, not in the markup. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|\/p|\/div|\/tr|\/li|\/h[1-6])\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&#(\d{1,7});/g, (m, d: string) => safeCodePoint(Number(d)) ?? m)
    .replace(/&#x([0-9a-f]{1,6});/gi, (m, h: string) => safeCodePoint(parseInt(h, 16)) ?? m)
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .trim();
}

function safeCodePoint(cp: number): string | null {
  return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : null;
}

function inspectText(content: Buffer, facts: AttachmentFacts, limits: AttachmentLimits): void {
  // Decode a little more than the limit only: a 40 MB log need not be decoded whole.
  const slice = content.subarray(0, limits.maxTextChars * 4 + 4);
  let text = decodeText(slice);
  if (facts.sniffedType === 'text/html') text = htmlToText(text);
  facts.text = text.normalize('NFC').slice(0, limits.maxTextChars);
}

// ---------------------------------------------------------------------------------------------

// The same attachment arrives many times (the sender's Sent folder, every recipient's INBOX, a
// document sent to ten agencies): its facts are remembered by content hash, within bounds.
const CACHE_MAX_ENTRIES = 512;
const CACHE_MAX_TEXT_CHARS = 8_000_000;
const factsCache = new Map<string, AttachmentFacts>();
const SHA256_HEX = /^[0-9a-f]{64}$/;
let cachedTextChars = 0;

function cacheKey(sha256: string, meta: { filename: string | null; declaredType: string | null }, limits: AttachmentLimits): string {
  // The name and declared type take part: they refine the sniffed type of OLE and text files.
  const l = limits;
  const ocr = l.ocr?.enabled ? `|ocr:${l.ocr.command}:${l.ocr.languages}:${l.ocr.maxPages}:${l.ocr.maxPixels}` : '';
  const a = l.archive ? `${l.archive.maxDepth}|${l.archive.maxEntries}|${l.archive.maxTotalBytes}|${l.archive.maxRatio}` : '';
  // Signatures are checked against the anchors: another set, other verdicts.
  return `${sha256}|${extensionOf(meta.filename) ?? ''}|${bareType(meta.declaredType) ?? ''}|${l.maxBytes}|${l.maxPages}|${l.maxTextChars}|${a}|${l.anchors?.id ?? 'none'}${ocr}`;
}

/** Characters a cached entry holds: its text, its OCR text, those of the files it carries and of a container's contents. */
function textChars(f: AttachmentFacts): number {
  return (
    f.text.length +
    (f.ocr?.text.length ?? 0) +
    (f.parts ?? []).reduce((n, p) => n + textChars(p), 0) +
    (f.children ?? []).reduce((n, c) => n + textChars(c), 0)
  );
}

function remember(key: string, facts: AttachmentFacts): void {
  const old = factsCache.get(key);
  if (old) cachedTextChars -= textChars(old);
  factsCache.set(key, facts);
  cachedTextChars += textChars(facts);
  for (const [k, v] of factsCache) {
    if (factsCache.size <= CACHE_MAX_ENTRIES && cachedTextChars <= CACHE_MAX_TEXT_CHARS) break;
    factsCache.delete(k);
    cachedTextChars -= textChars(v);
  }
}

/**
 * The key under which the facts of a mail's own attachment (not an entry inside a container) are
 * shared between processes (src/analyze/shared-facts.ts): its cache key — its sha256 with everything
 * besides the bytes that its facts depend on (name, declared type, limits, trust anchors, OCR
 * settings) — when it is large enough to be worth a lookup and its sha256 is at hand (mailparser's
 * checksum); else null.
 */
export function sharedFactsKey(content: Buffer, meta: { filename: string | null; declaredType: string | null; sha256?: string }, limits: AttachmentLimits): string | null {
  if (content.length < SHARED_FACTS_MIN_BYTES || meta.sha256 === undefined || !SHA256_HEX.test(meta.sha256)) return null;
  return cacheKey(meta.sha256, meta, limits);
}

/** Facts this process holds for the key (see sharedFactsKey), or undefined. */
export function cachedAttachmentFacts(key: string): AttachmentFacts | undefined {
  return factsCache.get(key);
}

/** Facts read elsewhere (another process, an earlier run) for the key: the next inspectAttachment of it reads nothing. */
export function seedAttachmentFacts(key: string, facts: AttachmentFacts): void {
  if (!factsCache.has(key)) remember(key, facts);
}

/** How many files this process has read (cache misses of inspectAttachment), for tests and diagnostics. */
export function attachmentReadings(): number {
  return readings;
}

/** Empties this process's cache (tests: a fresh process without starting one). */
export function forgetAttachmentFacts(): void {
  factsCache.clear();
  cachedTextChars = 0;
}

let readings = 0;

/** OCR that could not run (no tesseract, a timeout) may do better later: such facts are not cached. */
function transient(f: AttachmentFacts): boolean {
  const bad = (p: string): boolean => p.startsWith('unavailable:') || p.startsWith('timeout');
  return (f.ocr?.problems.some(bad) ?? false) || (f.parts ?? []).some(transient) || (f.children ?? []).some(transient);
}

/**
 * What an attachment is. Never throws; a limit hit or a read error is reported in `problem`.
 * `scope` is given for an entry of a container (container.ts): the depth and the budget left.
 */
export async function inspectAttachment(
  content: Buffer,
  /** `sha256`: the content's sha256 (hex) when the caller has it already (mailparser's checksum). */
  meta: { filename: string | null; declaredType: string | null; sha256?: string },
  limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
  scope?: ContainerScope,
  /** 1 for a file carried inside another (an edXML package's): its own packages are not opened. */
  nested = 0,
): Promise<AttachmentFacts> {
  const sha256 = meta.sha256 !== undefined && SHA256_HEX.test(meta.sha256) ? meta.sha256 : createHash('sha256').update(content).digest('hex');
  const key = `${cacheKey(sha256, meta, limits)}${nested ? '|nested' : ''}`;
  const hit = factsCache.get(key);
  // A container's facts depend on the budget it was opened with: only a mail's own attachment reuses them.
  if (hit && !(scope && hit.children)) {
    factsCache.delete(key); // re-inserted last: least recently used goes first
    factsCache.set(key, hit);
    return { ...hit, filename: meta.filename, declaredType: meta.declaredType };
  }
  readings += 1;
  const facts: AttachmentFacts = {
    filename: meta.filename,
    declaredType: meta.declaredType,
    sniffedType: 'application/octet-stream',
    size: content.length,
    sha256,
    kind: 'other',
    digitization: 'none',
    pages: null,
    textPages: null,
    text: '',
    encoding: null,
    problem: null,
  };
  const run: Run = { deadline: Date.now() + limits.timeoutMs, abandoned: false };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.timeoutMs);
  });
  const carried: EdxmlFile[] = [];
  const work = analyze(content, meta, facts, limits, run, scope, nested, carried).then(
    () => 'done' as const,
    (err: unknown) => {
      if (err instanceof DeadlineExceeded) return 'timeout' as const;
      facts.problem = `unreadable:${facts.kind === 'other' ? 'file' : kindLabel(facts)}: ${errorMessage(err)}`;
      return 'done' as const;
    },
  );
  const outcome = await Promise.race([work, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    run.abandoned = true;
    // A copy: the abandoned analysis may still write into `facts` before it notices.
    return { ...facts, ...(facts.children ? { children: [...facts.children] } : {}), problem: 'timeout' };
  }
  // The files an edXML package carries, inspected like attachments (src/analyze/edxml.ts).
  if (carried.length > 0) {
    facts.parts = [];
    for (const f of carried) facts.parts.push(await inspectAttachment(f.content, { filename: f.name, declaredType: f.contentType }, limits, undefined, nested + 1));
  }
  // Optional OCR of scans (src/analyze/ocr.ts): after the file is read, each page under its own time limit.
  if (limits.ocr?.enabled) await ocrAttachment(content, facts, limits.ocr, limits.maxTextChars, { loadPdfJs });
  // A timeout depends on the machine's load, so only complete answers are remembered.
  if (!transient(facts) && !(scope && facts.children)) remember(key, { ...facts });
  return facts;
}

function kindLabel(facts: AttachmentFacts): string {
  if (facts.sniffedType === DOCX_TYPE) return 'docx';
  return facts.kind;
}

async function analyze(
  content: Buffer,
  meta: { filename: string | null; declaredType: string | null },
  facts: AttachmentFacts,
  limits: AttachmentLimits,
  run: Run,
  scope?: ContainerScope,
  nested = 0,
  carried: EdxmlFile[] = [],
): Promise<void> {
  const sniffed = await sniffType(content, meta);
  facts.sniffedType = sniffed.mime;
  facts.kind = sniffed.kind;
  // What the type alone tells, before (and whether or not) the content is read.
  if (sniffed.kind === 'image') {
    facts.digitization = 'scanned';
    facts.pages = 1;
    facts.textPages = 0;
  } else if (sniffed.kind === 'office') {
    facts.digitization = 'born_digital';
  }
  if (content.length > limits.maxBytes) {
    facts.problem = 'over_limit:size';
    return;
  }
  checkDeadline(run);
  await inspectSignatures(content, facts, limits, run);
  if (sniffed.kind === 'pdf') await inspectPdf(content, facts, limits, run);
  else if (sniffed.kind === 'image') inspectImage(content, facts, limits.maxPages);
  else if (sniffed.kind === 'text' && nested === 0 && /xml/.test(sniffed.mime) && looksLikeEdxml(decodeText(content.subarray(0, 4096)))) {
    inspectEdxml(content, facts, limits, carried);
  } else if (sniffed.kind === 'text') inspectText(content, facts, limits);
  else if (containerFormat(facts.sniffedType)) {
    await inspectContainer<AttachmentLimits>(content, facts, limits, {
      scope,
      remainingMs: () => (run.abandoned ? 0 : run.deadline - Date.now()),
      inspect: inspectAttachment,
    });
  }
  // Office formats, DOCX included (src/analyze/office.ts); then legacy Vietnamese encodings.
  if (sniffed.kind === 'office') await inspectOffice(content, facts, { maxTextChars: limits.maxTextChars, check: () => checkDeadline(run) });
  repairAttachmentText(facts, limits.maxTextChars);
}

/**
 * Digital signatures the file carries (src/analyze/signatures/): a PDF's /ByteRange signatures, a
 * CMS .p7s (detached: paired with the file it signs by the caller) or .p7m (enveloping: its content
 * is then opened as a container entry), an XML document's XML-DSig. Sets `signatures`; an
 * enveloping CMS also gets the sniffed type `application/pkcs7-mime`.
 */
async function inspectSignatures(content: Buffer, facts: AttachmentFacts, limits: AttachmentLimits, run: Run): Promise<void> {
  const anchors = limits.anchors ?? NO_ANCHORS;
  if (facts.kind === 'pdf') {
    const found = pdfSignatures(content, anchors, () => checkDeadline(run));
    if (found.length > 0) facts.signatures = found;
  } else if (facts.kind === 'signature') {
    const enveloping = encapsulatedContent(content) !== null;
    if (enveloping) facts.sniffedType = 'application/pkcs7-mime';
    facts.signatures = cmsSignatures(content, null, anchors, {
      kind: 'cms',
      format: enveloping ? 'enveloping' : 'detached',
      covers: enveloping ? (envelopedName(facts.filename) ?? 'nội dung bọc bên trong') : null,
    });
  } else if (facts.kind === 'text' && /xml/.test(facts.sniffedType)) {
    const xml = decodeText(content);
    if (hasXmlSignature(xml)) facts.signatures = xmlSignatures(xml, anchors);
  }
  await yieldToTimers();
}

/** An edXML package: its envelope as facts, its words as text, its files handed back to be inspected. */
function inspectEdxml(content: Buffer, facts: AttachmentFacts, limits: AttachmentLimits, carried: EdxmlFile[]): void {
  const pkg = parseEdxml(decodeText(content));
  if ('envelope' in pkg) {
    facts.edxml = pkg.envelope;
    facts.text = pkg.text.slice(0, limits.maxTextChars);
    facts.problem = pkg.problem;
    carried.push(...pkg.files);
  } else {
    // Not readable as a package: still text, searched like any XML attachment.
    inspectText(content, facts, limits);
    facts.problem = pkg.problem;
  }
}
