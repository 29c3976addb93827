// Scans made at test time: a Vietnamese administrative page rendered with pureimage and the
// DejaVu fonts (src/demo/documents.ts), cropped to its head (the part that carries the số/ký
// hiệu), at 200 dpi, and written as PNG (pureimage), JPEG (jpeg-js), multi-page TIFF (utif2's
// directory writer, Deflate strips) and image-only PDF (pdf-lib).
import { PassThrough } from 'node:stream';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PDFDocument } from 'pdf-lib';
import * as PImage from 'pureimage';
import * as UTIF from 'utif2';
import { renderPageImage, type DocSpec } from '../../src/demo/documents.js';

/** A4 at 200 dpi: tesseract reads 13-pt text at this size reliably. */
export const SCAN_WIDTH = 1654;

export interface Gray {
  width: number;
  height: number;
  /** One byte per pixel, 0 = black. */
  data: Uint8Array;
}

export function adminPage(number: string, title: string): DocSpec {
  return {
    issuer: 'Ủy ban nhân dân tỉnh Sơn Minh',
    number,
    place: 'Sơn Minh',
    date: new Date(Date.UTC(2026, 7, 5)),
    kind: 'Công văn',
    title,
    recipients: ['Các sở, ban, ngành tỉnh'],
    paragraphs: ['Ủy ban nhân dân tỉnh đề nghị các cơ quan gửi văn bản điện tử qua hệ thống thư công vụ.'],
    signerTitle: 'CHỦ TỊCH',
    signer: 'Nguyễn Văn An',
  };
}

/** The head of the page (a third of A4: issuer, số/ký hiệu, V/v, date) as a grey image. */
export async function renderHead(spec: DocSpec, width = SCAN_WIDTH): Promise<Gray> {
  const img = await renderPageImage(spec, { width });
  const height = Math.round(img.height * 0.34);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = img.rgba[i * 4] ?? 255;
  return { width, height, data };
}

function rgbaOf(g: Gray): Uint8Array {
  const out = new Uint8Array(g.width * g.height * 4);
  for (let i = 0; i < g.data.length; i++) {
    const v = g.data[i] ?? 255;
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}

export async function pngOf(g: Gray): Promise<Buffer> {
  const bmp = PImage.make(g.width, g.height);
  bmp.data.set(rgbaOf(g));
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await PImage.encodePNGToStream(bmp, sink);
  return Buffer.concat(chunks);
}

export function jpegOf(g: Gray, quality = 85): Buffer {
  return Buffer.from(jpeg.encode({ data: rgbaOf(g), width: g.width, height: g.height }, quality).data);
}

/**
 * A TIFF with one directory per page: 8-bit grey (BlackIsZero), one Deflate strip per page, 200
 * dpi. The directories are written by utif2; the strips follow them.
 */
export function tiffOf(pages: Gray[], opts: { thumbnailFirst?: Gray } = {}): Buffer {
  const all = opts.thumbnailFirst ? [{ g: opts.thumbnailFirst, thumb: true }, ...pages.map((g) => ({ g, thumb: false }))] : pages.map((g) => ({ g, thumb: false }));
  const strips = all.map(({ g }) => deflateSync(Buffer.from(g.data)));
  const ifds = (offsets: number[]): UTIF.IFD[] =>
    all.map(({ g, thumb }, i) => ({
      t254: [thumb ? 1 : 2],
      t256: [g.width],
      t257: [g.height],
      t258: [8],
      t259: [8],
      t262: [1],
      t273: [offsets[i] ?? 0],
      t277: [1],
      t278: [g.height],
      t279: [strips[i]?.length ?? 0],
      t282: [[200, 1]],
      t283: [[200, 1]],
      t296: [2],
    }) as unknown as UTIF.IFD);
  // Written once to learn the directories' length, then again with the strips' offsets after them.
  const head = Buffer.from(UTIF.encode(ifds(all.map(() => 0))));
  let at = head.length + ((4 - (head.length % 4)) % 4);
  const offsets = strips.map((s) => {
    const o = at;
    at += s.length;
    return o;
  });
  const dirs = Buffer.from(UTIF.encode(ifds(offsets)));
  const out = Buffer.alloc(at);
  dirs.copy(out, 0);
  strips.forEach((s, i) => s.copy(out, offsets[i] ?? 0));
  return out;
}

/** An image-only PDF: each page one embedded image (JPEG as DCTDecode, PNG as FlateDecode). */
export async function imagePdf(images: Array<{ jpeg?: Buffer; png?: Buffer }>): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  for (const im of images) {
    const img = im.jpeg ? await pdf.embedJpg(im.jpeg) : await pdf.embedPng(im.png as Buffer);
    const w = 595.28;
    const h = (img.height / img.width) * w;
    const page = pdf.addPage([w, h]);
    page.drawImage(img, { x: 0, y: 0, width: w, height: h });
  }
  return Buffer.from(await pdf.save());
}
