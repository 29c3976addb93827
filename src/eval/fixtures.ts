// The attachment files that label cases name by kind (`as: pdf_text`, `pdf_scan`, …): real files
// made here with the demo's document renderer (a PDF a PDF reader opens, a JPEG scan, a Word file),
// a ZIP of them, a PNG logo, and the detached signature that eval/fixtures/make-signature.sh made
// with a test CA (its bytes are handed in). Each kind is made once per process.

import { PassThrough } from 'node:stream';
import { zipSync } from 'fflate';
import * as PImage from 'pureimage';
import { renderDocx, renderJpegScan, renderScannedPdf, renderTextPdf, type DocSpec } from '../demo/documents.js';
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

export type FixtureFiles = Record<AttachmentFixture, { content: Buffer; contentType: string }>;

/** Every attachment kind, made once; `signature` is the committed `.p7s` (eval/fixtures/). */
export async function makeFixtures(signature: Buffer): Promise<FixtureFiles> {
  const [pdfText, pdfScan, jpgScan, docx, logo] = await Promise.all([
    renderTextPdf(LETTER),
    renderScannedPdf(LETTER),
    renderJpegScan(LETTER),
    renderDocx(LETTER),
    pngLogo(),
  ]);
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
