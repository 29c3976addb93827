// inspectAttachment on real files made by the demo renderer: what each attachment is, whether it
// was born digital or scanned, its text, and how it fails without throwing.

import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { PDFDocument, StandardFonts, TextRenderingMode, setTextRenderingMode } from 'pdf-lib';
import {
  renderDocx,
  renderJpegScan,
  renderMixedPdf,
  renderScannedPdf,
  renderTextPdf,
  type DocSpec,
} from '../../src/demo/documents.js';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment } from '../../src/analyze/attachment.js';

const spec: DocSpec = {
  issuer: 'Sở Khoa học và Công nghệ',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number: '412/SKHCN-CĐS',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2026, 8, 14)),
  kind: 'Công văn',
  title: 'V/v báo cáo tình hình sử dụng thư điện tử công vụ quý III năm 2026',
  recipients: ['Các sở, ban, ngành tỉnh'],
  paragraphs: [
    'Thực hiện Chỉ thị số 15/CT-TTg của Thủ tướng Chính phủ, Sở Khoa học và Công nghệ đề nghị các cơ quan báo cáo tình hình gửi, nhận văn bản điện tử.',
    'Báo cáo gửi về Sở trước ngày 05 tháng 10 năm 2026 để tổng hợp.',
  ],
  signerTitle: 'GIÁM ĐỐC',
  signer: 'Lê Thị Hoa',
};

const longSpec: DocSpec = {
  ...spec,
  number: '413/SKHCN-CĐS',
  paragraphs: Array.from(
    { length: 14 },
    (_, i) =>
      `${i + 1}. Các cơ quan, đơn vị sử dụng thư điện tử công vụ trong trao đổi văn bản, bảo đảm tỷ lệ văn bản điện tử theo chỉ tiêu của tỉnh và báo cáo kết quả hằng quý về Sở Khoa học và Công nghệ để tổng hợp.`,
  ),
};

const files: Record<string, Buffer> = {};

beforeAll(async () => {
  files.text = await renderTextPdf(spec);
  files.scanned = await renderScannedPdf(spec);
  files.longScanned = await renderScannedPdf(longSpec);
  files.mixed = await renderMixedPdf(spec);
  files.jpeg = await renderJpegScan(spec);
  files.docx = await renderDocx(spec);
});

function file(name: string): Buffer {
  const f = files[name];
  if (!f) throw new Error(`fixture ${name} missing`);
  return f;
}

const asPdf = { filename: 'van-ban.pdf', declaredType: 'application/pdf' };

/** A scanned page with an invisible OCR text layer on top, as OCR software writes it. */
async function ocrScanPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const image = await pdf.embedJpg(file('jpeg'));
  const page = pdf.addPage([595.28, 841.89]);
  page.drawImage(image, { x: 0, y: 0, width: 595.28, height: 841.89 });
  page.pushOperators(setTextRenderingMode(TextRenderingMode.Invisible));
  page.drawText('So: 412/SKHCN-CDS ngay 14 thang 9 nam 2026', { x: 150, y: 700, size: 11, font });
  return Buffer.from(await pdf.save());
}

/** A scan of `pages` pages, each painting the same JPEG. */
async function manyPageScan(pages: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const image = await pdf.embedJpg(file('jpeg'));
  for (let i = 0; i < pages; i++) pdf.addPage([595.28, 841.89]).drawImage(image, { x: 0, y: 0, width: 595.28, height: 841.89 });
  return Buffer.from(await pdf.save());
}

/** A one-entry zip archive (stored), built by hand so the test needs no zip library. */
function zipOf(name: string, data: Buffer): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralOffset = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
}

describe('inspectAttachment on PDFs', () => {
  it('labels a PDF with a text layer as born-digital and keeps its Vietnamese text in NFC', async () => {
    const facts = await inspectAttachment(file('text'), asPdf);
    expect(facts.sniffedType).toBe('application/pdf');
    expect(facts.kind).toBe('pdf');
    expect(facts.digitization).toBe('born_digital');
    expect(facts.pages).toBe(1);
    expect(facts.textPages).toBe(1);
    expect(facts.text).toContain('Số: 412/SKHCN-CĐS');
    expect(facts.text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(facts.text).toBe(facts.text.normalize('NFC'));
    expect(facts.problem).toBeNull();
    expect(facts.size).toBe(file('text').length);
    expect(facts.sha256).toBe(createHash('sha256').update(file('text')).digest('hex'));
  });

  it('labels an image-only PDF as scanned, with no text pages', async () => {
    const facts = await inspectAttachment(file('scanned'), asPdf);
    expect(facts.kind).toBe('pdf');
    expect(facts.digitization).toBe('scanned');
    expect(facts.pages).toBe(1);
    expect(facts.textPages).toBe(0);
    expect(facts.text.trim()).toBe('');
    expect(facts.problem).toBeNull();
  });

  it('labels a PDF with a text page and a scanned page as mixed', async () => {
    const facts = await inspectAttachment(file('mixed'), asPdf);
    expect(facts.digitization).toBe('mixed');
    expect(facts.pages).toBe(2);
    expect(facts.textPages).toBe(1);
    expect(facts.text).toContain('412/SKHCN-CĐS');
  });

  it('labels a scan under an invisible OCR text layer as scanned, yet keeps the OCR text', async () => {
    const facts = await inspectAttachment(await ocrScanPdf(), asPdf);
    expect(facts.textPages).toBe(1);
    expect(facts.digitization).toBe('scanned');
    expect(facts.text).toContain('412/SKHCN-CDS');
  });

  it('reports a truncated PDF as unreadable instead of throwing', async () => {
    const broken = file('text').subarray(0, 4000);
    const facts = await inspectAttachment(broken, asPdf);
    expect(facts.kind).toBe('pdf');
    expect(facts.problem).toMatch(/^unreadable:pdf: /);
    expect(facts.digitization).toBe('none');
    expect(facts.size).toBe(4000);
  });

  it('reads only up to the page limit and says so', async () => {
    const facts = await inspectAttachment(file('longScanned'), asPdf, { ...DEFAULT_ATTACHMENT_LIMITS, maxPages: 1 });
    expect(facts.problem).toBe('over_limit:pages');
    expect(facts.pages).toBeGreaterThan(1);
    expect(facts.digitization).toBe('scanned');
  });

  it('truncates the text to the limit without calling it a problem', async () => {
    const facts = await inspectAttachment(file('text'), asPdf, { ...DEFAULT_ATTACHMENT_LIMITS, maxTextChars: 40 });
    expect(facts.text.length).toBe(40);
    expect(facts.problem).toBeNull();
  });

  it('answers "timeout" with what it knew when the time limit passes', async () => {
    // 400 scanned pages: PDFium reads a page in a fraction of a millisecond, a few pages can beat 1 ms.
    const facts = await inspectAttachment(await manyPageScan(400), asPdf, { ...DEFAULT_ATTACHMENT_LIMITS, timeoutMs: 1 });
    expect(facts.problem).toBe('timeout');
    expect(facts.kind).toBe('pdf');
    expect(facts.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a file over the size limit without reading it', async () => {
    const facts = await inspectAttachment(file('text'), asPdf, { ...DEFAULT_ATTACHMENT_LIMITS, maxBytes: 1000 });
    expect(facts.problem).toBe('over_limit:size');
    expect(facts.kind).toBe('pdf');
    expect(facts.text).toBe('');
    expect(facts.pages).toBeNull();
  });
});

describe('inspectAttachment on other kinds', () => {
  it('labels a JPEG as a scanned image of one page', async () => {
    const facts = await inspectAttachment(file('jpeg'), { filename: 'scan.jpg', declaredType: 'image/jpeg' });
    expect(facts.sniffedType).toBe('image/jpeg');
    expect(facts.kind).toBe('image');
    expect(facts.digitization).toBe('scanned');
    expect(facts.pages).toBe(1);
  });

  it('believes the bytes over the name: a JPEG named .pdf is a JPEG', async () => {
    const facts = await inspectAttachment(file('jpeg'), { filename: 'cong-van.pdf', declaredType: 'application/pdf' });
    expect(facts.declaredType).toBe('application/pdf');
    expect(facts.sniffedType).toBe('image/jpeg');
    expect(facts.kind).toBe('image');
    expect(facts.digitization).toBe('scanned');
    expect(facts.problem).toBeNull();
  });

  it('labels a DOCX as a born-digital office document and extracts its text', async () => {
    const facts = await inspectAttachment(file('docx'), { filename: 'cong-van.docx', declaredType: 'application/octet-stream' });
    expect(facts.sniffedType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(facts.kind).toBe('office');
    expect(facts.digitization).toBe('born_digital');
    expect(facts.text).toContain('Số: 412/SKHCN-CĐS');
    expect(facts.text).toContain('Lê Thị Hoa');
  });

  it('decodes a plain-text attachment as UTF-8 and labels it text, not a document', async () => {
    const body = 'Kính gửi: Sở Tài chính\nĐề nghị xem xét Công văn số 2888/UBND-VX.\n';
    const facts = await inspectAttachment(Buffer.from(body, 'utf8'), { filename: 'ghi-chu.txt', declaredType: null });
    expect(facts.sniffedType).toBe('text/plain');
    expect(facts.kind).toBe('text');
    expect(facts.digitization).toBe('none');
    expect(facts.text).toBe(body);
  });

  it('reads the visible text of an HTML attachment', async () => {
    const html = '<html><head><style>p{}</style></head><body><p>Công văn số <b>59-CV/TU</b> &amp; phụ lục</p></body></html>';
    const facts = await inspectAttachment(Buffer.from(html, 'utf8'), { filename: 'thu.html', declaredType: 'text/html; charset=utf-8' });
    expect(facts.sniffedType).toBe('text/html');
    expect(facts.text).toContain('Công văn số 59-CV/TU & phụ lục');
    expect(facts.text).not.toContain('<');
  });

  it('labels a zip that is not an Office file as an archive, and looks inside it', async () => {
    const facts = await inspectAttachment(zipOf('ho-so/van-ban.pdf', file('text')), { filename: 'ho-so.zip', declaredType: null });
    expect(facts.sniffedType).toBe('application/zip');
    expect(facts.kind).toBe('archive');
    // What it holds decides: one born-digital PDF (container.test.ts has the rest).
    expect(facts.digitization).toBe('born_digital');
    expect(facts.children?.map((c) => [c.path, c.kind, c.digitization])).toEqual([['ho-so/van-ban.pdf', 'pdf', 'born_digital']]);
  });

  it('recognises a detached PKCS #7 signature by its signedData header', async () => {
    const der = Buffer.concat([
      Buffer.from([0x30, 0x82, 0x01, 0x20, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0]),
      Buffer.alloc(280, 0x41),
    ]);
    const facts = await inspectAttachment(der, { filename: 'cong-van.pdf.p7s', declaredType: 'application/octet-stream' });
    expect(facts.sniffedType).toBe('application/pkcs7-signature');
    expect(facts.kind).toBe('signature');
  });

  it('calls unknown binary bytes other, with the generic type', async () => {
    const facts = await inspectAttachment(Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0x00, 0x7f, 0x10]), {
      filename: null,
      declaredType: null,
    });
    expect(facts.sniffedType).toBe('application/octet-stream');
    expect(facts.kind).toBe('other');
    expect(facts.problem).toBeNull();
  });

  it('gives the same facts for the same bytes under another name, with that name', async () => {
    const first = await inspectAttachment(file('mixed'), { filename: 'a.pdf', declaredType: 'application/pdf' });
    const again = await inspectAttachment(file('mixed'), { filename: 'b.pdf', declaredType: 'application/pdf' });
    expect(again.filename).toBe('b.pdf');
    expect({ ...again, filename: 'a.pdf' }).toEqual(first);
  });
});

describe('finding images in a PDF without decoding them', () => {
  it('tells text pages from image pages for born-digital, scanned and mixed PDFs', async () => {
    const { pagesWithImages } = await import('../../src/analyze/attachment.js');
    expect(await pagesWithImages(await renderTextPdf(spec))).toEqual([false]);
    expect(await pagesWithImages(await renderScannedPdf(spec))).toEqual([true]);
    expect(await pagesWithImages(await renderMixedPdf(spec))).toEqual([false, true]);
  });

  it('gives null for bytes that are not a PDF, so the operator list decides', async () => {
    const { pagesWithImages } = await import('../../src/analyze/attachment.js');
    expect(await pagesWithImages(Buffer.from('not a pdf at all'))).toBeNull();
  });
});
