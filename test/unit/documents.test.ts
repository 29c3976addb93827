// The demo documents are real files: PDFs pdfjs opens, JPEGs that decode to a page with ink on
// it, DOCX files that are Word zips. These tests open them the way a reader would.

import { describe, it, expect, beforeAll } from 'vitest';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
import {
  renderDocx,
  renderJpegScan,
  renderMixedPdf,
  renderPageImage,
  renderScannedPdf,
  renderTextPdf,
  type DocSpec,
} from '../../src/demo/documents.js';

const shortDoc: DocSpec = {
  issuer: 'Sở Tài chính',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number: '125/STC-NS',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 7, 5)),
  kind: 'Công văn',
  title: 'V/v triển khai dự toán ngân sách nhà nước năm 2027',
  recipients: ['Các sở, ban, ngành tỉnh', 'Ủy ban nhân dân các xã, phường'],
  paragraphs: [
    'Thực hiện Chỉ thị số 15/CT-TTg ngày 22 tháng 5 năm 2012 của Thủ tướng Chính phủ, Sở Tài chính đề nghị các cơ quan, đơn vị gửi, nhận văn bản qua hệ thống thư điện tử công vụ.',
    'Trong quá trình thực hiện, nếu có vướng mắc, đề nghị phản ánh về Sở Tài chính để tổng hợp.',
  ],
  signerTitle: 'KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC',
  signer: 'Nguyễn Văn An',
};

const longDoc: DocSpec = {
  ...shortDoc,
  number: '88/KH-UBND',
  issuer: 'Ủy ban nhân dân tỉnh Sơn Minh',
  parentIssuer: undefined,
  kind: 'Kế hoạch',
  title: 'Ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước năm 2027',
  recipients: [],
  paragraphs: Array.from(
    { length: 14 },
    (_, i) =>
      `${i + 1}. Các sở, ban, ngành và Ủy ban nhân dân cấp xã sử dụng thư điện tử công vụ trong trao đổi văn bản, bảo đảm tỷ lệ văn bản điện tử theo chỉ tiêu của tỉnh; định kỳ hằng quý báo cáo kết quả thực hiện về Sở Khoa học và Công nghệ để tổng hợp, báo cáo Ủy ban nhân dân tỉnh.`,
  ),
};

async function openPdf(bytes: Buffer): Promise<pdfjs.PDFDocumentProxy> {
  return pdfjs.getDocument({ data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false }).promise;
}

async function pageText(doc: pdfjs.PDFDocumentProxy, n: number): Promise<string> {
  const content = await (await doc.getPage(n)).getTextContent();
  return content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join('');
}

/** The entries of a zip file by name (stored or deflated), enough to look inside a DOCX. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let p = buf.readUInt32LE(eocd + 16);
  const count = buf.readUInt16LE(eocd + 10);
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

beforeAll(() => {
  const require = createRequire(import.meta.url);
  pdfjs.GlobalWorkerOptions.workerSrc = pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.worker.mjs')).href;
});

describe('renderTextPdf', () => {
  it('writes a one-page PDF whose text layer holds the number, heading and date in NFC Vietnamese', async () => {
    const doc = await openPdf(await renderTextPdf(shortDoc));
    expect(doc.numPages).toBe(1);
    const text = await pageText(doc, 1);
    expect(text).toContain('Số: 125/STC-NS');
    expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(text).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(text).toContain('Sơn Minh, ngày 5 tháng 8 năm 2026');
    expect(text).toContain('Nguyễn Văn An');
    expect(text).toBe(text.normalize('NFC'));
    await doc.destroy();
  });

  it('flows a long document onto further pages, numbered from page 2', async () => {
    const doc = await openPdf(await renderTextPdf(longDoc));
    expect(doc.numPages).toBeGreaterThanOrEqual(2);
    expect(doc.numPages).toBeLessThanOrEqual(3);
    expect(await pageText(doc, 1)).toContain('KẾ HOẠCH');
    const last = await pageText(doc, doc.numPages);
    expect(last.trimStart().startsWith(String(doc.numPages))).toBe(true);
    expect(last).toContain('Nguyễn Văn An');
    await doc.destroy();
  });

  it('prints the secret mark when the document is secret', async () => {
    const doc = await openPdf(await renderTextPdf({ ...shortDoc, secret: 'Tối mật' }));
    expect(await pageText(doc, 1)).toContain('TỐI MẬT');
    await doc.destroy();
  });

  it('renders the same bytes for the same DocSpec', async () => {
    const a = await renderTextPdf(shortDoc);
    const b = await renderTextPdf({ ...shortDoc });
    expect(a.equals(b)).toBe(true);
  });
});

describe('renderJpegScan', () => {
  it('is an A4 page at 100 dpi, of a scan-like size, with ink where the heading is and blank margins', async () => {
    const bytes = await renderJpegScan(shortDoc);
    expect(bytes.length).toBeGreaterThan(60_000);
    expect(bytes.length).toBeLessThan(200_000);
    const img = jpeg.decode(bytes, { useTArray: true });
    expect([img.width, img.height]).toEqual([827, 1169]);
    const darkIn = (x0: number, y0: number, x1: number, y1: number): number => {
      let n = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) if ((img.data[(y * img.width + x) * 4] ?? 255) < 100) n++;
      }
      return n;
    };
    // The national heading sits in the top right, about 80–130 px down at 100 dpi.
    expect(darkIn(420, 70, 780, 130)).toBeGreaterThan(500);
    // The bottom margin carries only a little speckle.
    expect(darkIn(120, 1100, 780, 1160)).toBeLessThan(200);
  });

  it('is deterministic per document and differs between documents', async () => {
    const a = await renderJpegScan(shortDoc);
    expect(a.equals(await renderJpegScan({ ...shortDoc }))).toBe(true);
    expect(a.equals(await renderJpegScan({ ...shortDoc, number: '126/STC-NS' }))).toBe(false);
  });
});

describe('renderPageImage', () => {
  it('paints white paper without noise and toned, speckled paper with it', async () => {
    const clean = await renderPageImage(shortDoc, { width: 600 });
    expect(clean.width).toBe(600);
    expect(clean.rgba.length).toBe(clean.width * clean.height * 4);
    expect(Array.from(clean.rgba.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    const noisy = await renderPageImage(shortDoc, { width: 600, noise: true });
    expect(noisy.rgba[(10 * 600 + 300) * 4]).toBeLessThan(255);
  });
});

describe('renderScannedPdf', () => {
  it('has one image-only page per page of the document and no text at all', async () => {
    const textPages = (await openPdf(await renderTextPdf(longDoc))).numPages;
    const doc = await openPdf(await renderScannedPdf(longDoc));
    expect(doc.numPages).toBe(textPages);
    for (let n = 1; n <= doc.numPages; n++) {
      expect((await pageText(doc, n)).trim()).toBe('');
      const ops = await (await doc.getPage(n)).getOperatorList();
      expect(ops.fnArray).toContain(pdfjs.OPS.paintImageXObject);
      expect(ops.fnArray).not.toContain(pdfjs.OPS.showText);
    }
    await doc.destroy();
  });
});

describe('renderMixedPdf', () => {
  it('has a text page followed by a scanned page', async () => {
    const doc = await openPdf(await renderMixedPdf(shortDoc));
    expect(doc.numPages).toBe(2);
    expect(await pageText(doc, 1)).toContain('125/STC-NS');
    expect((await pageText(doc, 2)).trim()).toBe('');
    await doc.destroy();
  });
});

describe('renderDocx', () => {
  it('is a Word zip whose document.xml holds the number and the Vietnamese text', async () => {
    const bytes = await renderDocx(shortDoc);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const entries = unzip(bytes);
    expect(entries.has('[Content_Types].xml')).toBe(true);
    const xml = entries.get('word/document.xml')?.toString('utf8') ?? '';
    expect(xml).toContain('Số: 125/STC-NS');
    expect(xml).toContain('Kính gửi:');
    expect(xml).toContain('Nguyễn Văn An');
  });

  it('dates its properties with the document date, not the time it was rendered', async () => {
    const core = unzip(await renderDocx(shortDoc)).get('docProps/core.xml')?.toString('utf8') ?? '';
    expect(core).toContain('<dcterms:created xsi:type="dcterms:W3CDTF">2026-08-05T00:00:00Z</dcterms:created>');
    expect(core).toContain('<dc:title>Công văn 125/STC-NS</dc:title>');
  });
});
