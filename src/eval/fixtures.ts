// The attachment files that label cases name by kind (`as: pdf_text`, `pdf_scan`, …): real files
// made here with the demo's document renderer (a PDF a PDF reader opens, a JPEG scan, a Word file),
// a ZIP of them, a PNG logo, and the detached signature that eval/fixtures/make-signature.sh made
// with a test CA (its bytes are handed in). Each kind is made once per process.

import { PassThrough } from 'node:stream';
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { PDFDocument } from 'pdf-lib';
import * as PImage from 'pureimage';
import { renderDocx, renderPageImage, renderTextPdf, type DocSpec } from '../demo/documents.js';
import type { AttachmentFixture } from './cases.js';

// A plain official letter: no reference beyond its own number, no paper-copy phrase, no secrecy
// marking, so the file adds to the labels only what its form says (text layer or scan).
const LETTER: DocSpec = {
  issuer: 'SỞ TÀI CHÍNH',
  parentIssuer: 'UBND TỈNH SƠN MINH',
  number: '45/TTr-STC',
  place: 'Sơn Minh',
  date: new Date(Date.UTC(2025, 8, 3)),
  kind: 'Tờ trình',
  title: 'Về việc phân bổ kinh phí chuyển đổi số năm 2026',
  recipients: ['Ủy ban nhân dân tỉnh'],
  paragraphs: [
    'Sở Tài chính kính trình Ủy ban nhân dân tỉnh xem xét, phân bổ kinh phí thực hiện nhiệm vụ chuyển đổi số năm 2026 của các cơ quan, đơn vị.',
    'Kính trình Ủy ban nhân dân tỉnh xem xét, quyết định.',
  ],
  signerTitle: 'GIÁM ĐỐC',
  signer: 'Nguyễn Văn Bình',
};

async function pngLogo(): Promise<Buffer> {
  const img = PImage.make(48, 48);
  const ctx = img.getContext('2d');
  ctx.fillStyle = '#c8102e';
  ctx.fillRect(0, 0, 48, 48);
  ctx.fillStyle = '#ffcd00';
  ctx.fillRect(16, 16, 16, 16);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await PImage.encodePNGToStream(img, sink);
  return Buffer.concat(chunks);
}

// A scan at 50 dpi: the analysis only asks whether a page has a text layer, and a smaller raster
// keeps the whole evaluation within the few seconds its unit test allows.
const SCAN_WIDTH = 414;

async function scans(): Promise<{ jpg: Buffer; pdf: Buffer }> {
  const img = await renderPageImage(LETTER, { width: SCAN_WIDTH, noise: true });
  const jpg = Buffer.from(jpeg.encode({ data: img.rgba, width: img.width, height: img.height }, 60).data);
  const pdf = await PDFDocument.create();
  const image = await pdf.embedJpg(jpg);
  // A4 in points; the image fills the page, with no text operator: an image-only PDF.
  pdf.addPage([595.28, 841.89]).drawImage(image, { x: 0, y: 0, width: 595.28, height: 841.89 });
  return { jpg, pdf: Buffer.from(await pdf.save()) };
}

export type FixtureFiles = Record<AttachmentFixture, { content: Buffer; contentType: string }>;

/** Every attachment kind, made once; `signature` is the committed `.p7s` (eval/fixtures/). */
export async function makeFixtures(signature: Buffer): Promise<FixtureFiles> {
  const [pdfText, scan, docx, logo] = await Promise.all([renderTextPdf(LETTER), scans(), renderDocx(LETTER), pngLogo()]);
  const { jpg: jpgScan, pdf: pdfScan } = scan;
  const zip = (name: string, data: Buffer): Buffer => Buffer.from(zipSync({ [name]: new Uint8Array(data) }, { level: 6, mtime: new Date('2026-03-10T00:00:00Z') }));
  return {
    pdf_text: { content: pdfText, contentType: 'application/pdf' },
    pdf_scan: { content: pdfScan, contentType: 'application/pdf' },
    jpg_scan: { content: jpgScan, contentType: 'image/jpeg' },
    docx: { content: docx, contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
    p7s: { content: signature, contentType: 'application/pkcs7-signature' },
    zip_scan: { content: zip('ho-so/ban-quet.jpg', jpgScan), contentType: 'application/zip' },
    zip_text: { content: zip('ho-so/van-ban.pdf', pdfText), contentType: 'application/zip' },
    logo: { content: logo, contentType: 'image/png' },
  };
}
