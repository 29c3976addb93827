// PDF pages read with PDFium (src/analyze/pdfium.ts): text per page, painted images and visible
// text, against pdfjs on the same files (the reader the analysis used before, and still its
// fallback), on born-digital, scanned, mixed and OCR'd-scan PDFs made here with pdf-lib.
import { beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts, TextRenderingMode, setTextRenderingMode } from 'pdf-lib';
import { renderJpegScan, renderMixedPdf, renderScannedPdf, renderTextPdf, type DocSpec } from '../../src/demo/documents.js';
import { loadPdfium, pdfiumHeap, PdfiumLoadError, pdfiumPages } from '../../src/analyze/pdfium.js';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment, loadPdfJs } from '../../src/analyze/attachment.js';
import { openPdf } from '../../src/analyze/pdfjs.js';

const spec: DocSpec = {
  issuer: 'Sở Tài chính',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number: '707/QĐ-STC',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 9, 2)),
  kind: 'Quyết định',
  title: 'Về việc giao dự toán ngân sách năm 2027',
  recipients: ['Các sở, ban, ngành tỉnh'],
  paragraphs: Array.from({ length: 12 }, (_, i) => `Điều ${i + 1}. Giao dự toán thu, chi ngân sách nhà nước năm 2027 cho các cơ quan, đơn vị theo phụ lục kèm theo Quyết định này; thủ trưởng đơn vị chịu trách nhiệm.`),
  signerTitle: 'GIÁM ĐỐC',
  signer: 'Trần Văn Bình',
};

// Node's own, before pdfjs (whose legacy build carries core-js polyfills) is loaded.
const nativePush = Array.prototype.push;
const nativeJsonParse = JSON.parse;
const nativeToString = Function.prototype.toString;

const files: Record<string, Buffer> = {};
beforeAll(async () => {
  files.text = await renderTextPdf(spec);
  files.scanned = await renderScannedPdf(spec);
  files.mixed = await renderMixedPdf(spec);
  // A scan under an invisible OCR text layer, and a page that draws the scan through a form XObject.
  const jpeg = await renderJpegScan(spec);
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const image = await pdf.embedJpg(jpeg);
  const page = pdf.addPage([595.28, 841.89]);
  page.drawImage(image, { x: 0, y: 0, width: 595.28, height: 841.89 });
  page.pushOperators(setTextRenderingMode(TextRenderingMode.Invisible));
  page.drawText('So: 707/QD-STC', { x: 150, y: 700, size: 11, font });
  const form = await pdf.embedPage(pdf.getPage(0));
  pdf.addPage([595.28, 841.89]).drawPage(form);
  files.ocr = Buffer.from(await pdf.save());
}, 60_000);

const file = (name: string): Buffer => {
  const f = files[name];
  if (!f) throw new Error(`fixture ${name} missing`);
  return f;
};
const nothingBetween = () => Promise.resolve();

/** Each page's text as pdfjs gives it (items joined, a newline at each end of line). */
async function pdfjsTexts(content: Buffer): Promise<string[]> {
  const task = openPdf(await loadPdfJs(), content);
  try {
    const doc = await task.promise;
    const out: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const items = (await (await doc.getPage(i)).getTextContent()).items;
      out.push(items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
    }
    return out;
  } finally {
    await task.destroy();
  }
}

describe('pdfiumPages', () => {
  it('reads a born-digital PDF page by page: the same text as pdfjs, visible text, no image', async () => {
    const read = await pdfiumPages(file('text'), 100, nothingBetween);
    expect(read.pageCount).toBeGreaterThan(1);
    expect(read.pages).toHaveLength(read.pageCount);
    expect(read.pages.map((p) => p.text.normalize('NFC'))).toEqual((await pdfjsTexts(file('text'))).map((t) => t.normalize('NFC')));
    expect(read.pages[0]?.text.normalize('NFC')).toContain('Số: 707/QĐ-STC');
    expect(read.pages.every((p) => p.visibleText && !p.paintsImage && !p.text.includes('\r'))).toBe(true);
  });

  it('sees the painted image and no text on a scan, and both on a mixed PDF', async () => {
    const scanned = await pdfiumPages(file('scanned'), 100, nothingBetween);
    expect(scanned.pages.every((p) => p.paintsImage && !p.visibleText && p.text === '')).toBe(true);
    const mixed = await pdfiumPages(file('mixed'), 100, nothingBetween);
    expect(mixed.pages.map((p) => [p.paintsImage, p.visibleText])).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  it('tells invisible OCR text from visible text, and finds an image drawn inside a form XObject', async () => {
    const read = await pdfiumPages(file('ocr'), 100, nothingBetween);
    expect(read.pages.map((p) => [p.paintsImage, p.visibleText])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(read.pages[0]?.text).toContain('707/QD-STC');
  });

  it('reads no more than the page limit, and runs `between` before each page', async () => {
    let calls = 0;
    const read = await pdfiumPages(file('text'), 1, () => {
      calls++;
      return Promise.resolve();
    });
    expect(read.pageCount).toBeGreaterThan(1);
    expect(read.pages).toHaveLength(1);
    expect(calls).toBe(1);
  });

  it('stops when `between` throws, and reads the next document as usual', async () => {
    await expect(pdfiumPages(file('text'), 100, () => Promise.reject(new Error('deadline')))).rejects.toThrow('deadline');
    expect((await pdfiumPages(file('mixed'), 100, nothingBetween)).pages).toHaveLength(2);
  });

  it('loads the module again once a document has grown its memory past the bound, and reads on', async () => {
    const none = async () => undefined;
    const first = await pdfiumPages(files.text as Buffer, 10, none);
    const kept = await loadPdfium();
    // Under the bound the module is kept from one document to the next.
    await pdfiumPages(files.scanned as Buffer, 10, none);
    expect(await loadPdfium()).toBe(kept);
    const bound = pdfiumHeap.maxKeptBytes;
    pdfiumHeap.maxKeptBytes = 1;
    try {
      await pdfiumPages(files.scanned as Buffer, 10, none);
    } finally {
      pdfiumHeap.maxKeptBytes = bound;
    }
    const fresh = await loadPdfium();
    expect(fresh).not.toBe(kept);
    // The new instance reads as the first did.
    expect(await pdfiumPages(files.text as Buffer, 10, none)).toEqual(first);
    expect(await loadPdfium()).toBe(fresh);
  });

  it('says why it cannot open a file that is not a PDF, or one cut short', async () => {
    await expect(pdfiumPages(Buffer.from('not a pdf at all'), 100, nothingBetween)).rejects.toBeInstanceOf(PdfiumLoadError);
    await expect(pdfiumPages(file('text').subarray(0, 4000), 100, nothingBetween)).rejects.toThrow(/not in PDF format or corrupted/);
  });
});

describe('loading pdfjs (the fallback and OCR reader)', () => {
  it("leaves Node's own Array.prototype.push, JSON.parse and Function.prototype.toString in place, and pdfjs working", async () => {
    const pdfjs = await loadPdfJs();
    expect(Array.prototype.push).toBe(nativePush);
    expect(JSON.parse).toBe(nativeJsonParse);
    expect(Function.prototype.toString).toBe(nativeToString);
    // What the polyfills add and pdfjs needs stays.
    expect(typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers).toBe('function');
    expect(typeof pdfjs.getDocument).toBe('function');
    expect((await pdfjsTexts(file('mixed')))[0]).toContain('707/QĐ-STC');
  });
});

describe('inspectAttachment with PDFium', () => {
  it('labels the OCR’d scan scanned (its text kept) and the mixed PDF mixed', async () => {
    const ocr = await inspectAttachment(file('ocr'), { filename: 'scan.pdf', declaredType: 'application/pdf' });
    expect(ocr).toMatchObject({ kind: 'pdf', digitization: 'scanned', pages: 2, textPages: 2, problem: null });
    expect(ocr.text).toContain('707/QD-STC');
    const mixed = await inspectAttachment(file('mixed'), { filename: 'hon-hop.pdf', declaredType: 'application/pdf' });
    expect(mixed).toMatchObject({ digitization: 'mixed', pages: 2, textPages: 1, problem: null });
  });

  it('keeps the page limit: pages counted, text of the pages read, over_limit:pages', async () => {
    const facts = await inspectAttachment(file('text'), { filename: 'qd.pdf', declaredType: null }, { ...DEFAULT_ATTACHMENT_LIMITS, maxPages: 1 });
    expect(facts.problem).toBe('over_limit:pages');
    expect(facts.pages).toBeGreaterThan(1);
    expect(facts.textPages).toBe(1);
    expect(facts.text).toContain('707/QĐ-STC');
    expect(facts.text).not.toContain('Điều 12.');
  });
});
