// Real Vietnamese official documents (văn bản hành chính) rendered as real files: born-digital PDF,
// JPEG scan, image-only PDF, mixed PDF and DOCX. Used by the demo mail generator, the benchmark
// and as test fixtures, so every output is a file a reader opens, never a stub.
// I/O: reads the DejaVu TTF files from node_modules once; everything else is in memory.
// One layout (in PDF points, origin top-left) feeds both the PDF writer and the rasterizer, so the
// scan of a document looks like its born-digital twin. Rendering is deterministic per DocSpec.

import { mulberry32 as prng } from './random.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import type { Font as FkFont, Glyph as FkGlyph } from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import jpeg from 'jpeg-js';
import { rasterizeGlyph, type GlyphMask } from '../render/glyph-mask.js';
import {
  AlignmentType,
  BorderStyle,
  Document,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';

export interface DocSpec {
  /** "ỦY BAN NHÂN DÂN TỈNH SƠN MINH" / "SỞ TÀI CHÍNH" */
  issuer: string;
  /** Line above the issuer, e.g. "UBND TỈNH SƠN MINH". */
  parentIssuer?: string;
  /** "125/STC-NS" (printed as "Số: 125/STC-NS"). */
  number: string;
  place: string;
  /** Printed "Sơn Minh, ngày 5 tháng 8 năm 2026" from the UTC fields. */
  date: Date;
  /** "Công văn", "Quyết định", "Kế hoạch", "Báo cáo", "Tờ trình", "Thông báo". */
  kind: string;
  /** "V/v triển khai ..." for a Công văn, otherwise the title printed under the kind. */
  title: string;
  recipients: string[];
  paragraphs: string[];
  /** "GIÁM ĐỐC" / "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" */
  signerTitle: string;
  signer: string;
  secret?: 'Mật' | 'Tối mật' | 'Tuyệt mật';
  /** The organisation whose certificate signs the born-digital PDF (src/demo/signing.ts); unsigned without. */
  signedBy?: string;
}

// ---------------------------------------------------------------------------------------------
// Fonts

type FontKey = 'regular' | 'bold' | 'italic' | 'boldItalic';

const FONT_FILES: Record<FontKey, string> = {
  regular: 'DejaVuSerif.ttf',
  bold: 'DejaVuSerif-Bold.ttf',
  italic: 'DejaVuSerif-Italic.ttf',
  boldItalic: 'DejaVuSerif-BoldItalic.ttf',
};

interface LoadedFont {
  bytes: Uint8Array;
  fk: FkFont;
  /** Advance widths in font units by code point: layout measures text thousands of times. */
  advances: Map<number, number>;
}

let fontCache: Record<FontKey, LoadedFont> | null = null;

function fonts(): Record<FontKey, LoadedFont> {
  if (fontCache) return fontCache;
  const require = createRequire(import.meta.url);
  const load = (file: string): LoadedFont => {
    const bytes = new Uint8Array(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)));
    return { bytes, fk: fontkit.create(bytes), advances: new Map() };
  };
  fontCache = {
    regular: load(FONT_FILES.regular),
    bold: load(FONT_FILES.bold),
    italic: load(FONT_FILES.italic),
    boldItalic: load(FONT_FILES.boldItalic),
  };
  return fontCache;
}

function glyphFor(font: LoadedFont, cp: number): FkGlyph {
  return font.fk.glyphForCodePoint(cp);
}

function advanceUnits(font: LoadedFont, cp: number): number {
  let adv = font.advances.get(cp);
  if (adv === undefined) {
    adv = glyphFor(font, cp).advanceWidth;
    font.advances.set(cp, adv);
  }
  return adv;
}

/** Width of `text` in points; the same metrics pdf-lib uses (no kerning, no ligatures). */
function textWidth(text: string, key: FontKey, size: number): number {
  const font = fonts()[key];
  let units = 0;
  for (const ch of text) units += advanceUnits(font, ch.codePointAt(0) ?? 32);
  return (units * size) / font.fk.unitsPerEm;
}

// ---------------------------------------------------------------------------------------------
// Layout: a list of drawing operations per page, in points, y down from the top of the page.

const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MARGIN_LEFT = 85; // 30 mm, as Nghị định 30/2020/NĐ-CP asks for the binding side
const MARGIN_RIGHT = 57; // 20 mm
const MARGIN_TOP = 57;
const MARGIN_BOTTOM = 57;
const CONTENT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;

interface TextOp {
  kind: 'text';
  page: number;
  x: number;
  /** Baseline. */
  y: number;
  text: string;
  font: FontKey;
  size: number;
}
interface BoxOp {
  kind: 'line' | 'rect';
  page: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Stroke width (lines are drawn as filled thin boxes). */
  stroke: number;
}
type DrawOp = TextOp | BoxOp;

interface Layout {
  pageCount: number;
  ops: DrawOp[];
}

function nfc(s: string): string {
  return s.normalize('NFC');
}

/** Greedy word wrap; a word wider than the line is cut by characters. */
function wrap(text: string, key: FontKey, size: number, width: number, firstIndent = 0): string[] {
  const words = nfc(text).split(/\s+/).filter((w) => w.length > 0);
  const lines: string[] = [];
  const space = textWidth(' ', key, size);
  let line = '';
  let lineW = 0;
  let avail = width - firstIndent;
  for (let word of words) {
    let w = textWidth(word, key, size);
    while (w > avail && line === '') {
      // Cut an over-long token (a URL, a long code) so layout never loops.
      let cut = word.length - 1;
      while (cut > 1 && textWidth(word.slice(0, cut), key, size) > avail) cut--;
      lines.push(word.slice(0, cut));
      word = word.slice(cut);
      w = textWidth(word, key, size);
      avail = width;
    }
    if (line === '') {
      line = word;
      lineW = w;
    } else if (lineW + space + w <= avail) {
      line += ' ' + word;
      lineW += space + w;
    } else {
      lines.push(line);
      line = word;
      lineW = w;
      avail = width;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The largest size ≤ max (step 0.5, floor min) at which one line of text fits the width. */
function fitSize(text: string, key: FontKey, max: number, min: number, width: number): number {
  let size = max;
  while (size > min && textWidth(text, key, size) > width) size -= 0.5;
  return size;
}

function formatDateLine(place: string, date: Date): string {
  return `${place}, ngày ${date.getUTCDate()} tháng ${date.getUTCMonth() + 1} năm ${date.getUTCFullYear()}`;
}

function layoutDocument(spec: DocSpec): Layout {
  const ops: DrawOp[] = [];
  let page = 0;
  const text = (x: number, y: number, s: string, font: FontKey, size: number): void => {
    ops.push({ kind: 'text', page, x, y, text: nfc(s), font, size });
  };
  const centered = (cx: number, y: number, s: string, font: FontKey, size: number): void => {
    text(cx - textWidth(nfc(s), font, size) / 2, y, s, font, size);
  };
  const hline = (cx: number, y: number, w: number): void => {
    ops.push({ kind: 'line', page, x: cx - w / 2, y, w, h: 0, stroke: 0.6 });
  };

  // Header: issuer block on the left, national heading on the right (Nghị định 30/2020, Phụ lục I).
  const leftW = 200;
  const rightW = CONTENT_W - leftW - 8;
  const leftCx = MARGIN_LEFT + leftW / 2;
  const rightCx = PAGE_W - MARGIN_RIGHT - rightW / 2;

  let ly = MARGIN_TOP + 10;
  if (spec.parentIssuer) {
    for (const l of wrap(spec.parentIssuer.toUpperCase(), 'regular', 10.5, leftW)) {
      centered(leftCx, ly, l, 'regular', 10.5);
      ly += 14;
    }
  }
  // A long issuer name is set a little smaller before it is broken over two lines.
  const issuer = nfc(spec.issuer.toUpperCase());
  const issuerSize = fitSize(issuer, 'bold', 10.5, 9, leftW);
  let issuerW = 0;
  for (const l of wrap(issuer, 'bold', issuerSize, leftW)) {
    centered(leftCx, ly, l, 'bold', issuerSize);
    issuerW = Math.max(issuerW, textWidth(l, 'bold', issuerSize));
    ly += 14;
  }
  hline(leftCx, ly - 9, Math.min(issuerW, leftW) / 3);
  ly += 12;
  centered(leftCx, ly, `Số: ${spec.number}`, 'regular', 11);
  ly += 16;
  if (spec.kind === 'Công văn') {
    // The gist (trích yếu) of a Công văn sits under its number, not centered on the page.
    for (const l of wrap(spec.title, 'regular', 10.5, leftW)) {
      centered(leftCx, ly, l, 'regular', 10.5);
      ly += 14;
    }
  }
  if (spec.secret) {
    const label = spec.secret.toUpperCase();
    const w = textWidth(label, 'bold', 12) + 16;
    ly += 6;
    ops.push({ kind: 'rect', page, x: leftCx - w / 2, y: ly - 13, w, h: 19, stroke: 1.2 });
    centered(leftCx, ly, label, 'bold', 12);
    ly += 14;
  }

  let ry = MARGIN_TOP + 10;
  const nation = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
  centered(rightCx, ry, nation, 'bold', fitSize(nation, 'bold', 11, 8, rightW));
  ry += 15;
  const motto = 'Độc lập - Tự do - Hạnh phúc';
  centered(rightCx, ry, motto, 'bold', 11);
  hline(rightCx, ry + 4, textWidth(motto, 'bold', 11));
  ry += 24;
  const dateLine = formatDateLine(spec.place, spec.date);
  centered(rightCx, ry, dateLine, 'italic', fitSize(dateLine, 'italic', 11, 8, rightW));
  ry += 14;

  let y = Math.max(ly, ry) + 22;
  const bottom = PAGE_H - MARGIN_BOTTOM;
  const newPage = (): void => {
    page++;
    // From page 2 on, the page number sits at the top center.
    centered(PAGE_W / 2, MARGIN_TOP - 20, String(page + 1), 'regular', 11);
    y = MARGIN_TOP + 10;
  };
  const need = (h: number): void => {
    if (y + h > bottom) newPage();
  };

  if (spec.kind !== 'Công văn') {
    centered(PAGE_W / 2, y, spec.kind.toUpperCase(), 'bold', 13);
    y += 17;
    const titleLines = wrap(spec.title, 'bold', 11.5, CONTENT_W - 60);
    let titleW = 0;
    for (const l of titleLines) {
      centered(PAGE_W / 2, y, l, 'bold', 11.5);
      titleW = Math.max(titleW, textWidth(l, 'bold', 11.5));
      y += 15;
    }
    hline(PAGE_W / 2, y - 9, Math.min(titleW, 120) * 0.8);
    y += 14;
  }

  if (spec.recipients.length === 1) {
    for (const l of wrap(`Kính gửi: ${spec.recipients[0] ?? ''}`, 'regular', 12, CONTENT_W - 60)) {
      centered(PAGE_W / 2, y, l, 'regular', 12);
      y += 17;
    }
    y += 6;
  } else if (spec.recipients.length > 1) {
    const labelX = MARGIN_LEFT + 70;
    const label = 'Kính gửi:';
    text(labelX, y, label, 'regular', 12);
    const listX = labelX + textWidth(label, 'regular', 12) + 8;
    for (const [i, r] of spec.recipients.entries()) {
      const end = i === spec.recipients.length - 1 ? '.' : ';';
      for (const l of wrap(`- ${r}${end}`, 'regular', 12, PAGE_W - MARGIN_RIGHT - listX)) {
        need(17);
        text(listX, y, l, 'regular', 12);
        y += 17;
      }
    }
    y += 6;
  }

  // Body: 12 pt, first-line indent, left aligned.
  const bodySize = 12;
  const lineH = 17;
  const indent = 28;
  for (const para of spec.paragraphs) {
    const lines = wrap(para, 'regular', bodySize, CONTENT_W, indent);
    for (const [i, l] of lines.entries()) {
      need(lineH);
      text(MARGIN_LEFT + (i === 0 ? indent : 0), y, l, 'regular', bodySize);
      y += lineH;
    }
    y += 5;
  }

  // Signature block (right) beside the distribution list (left), kept together on one page.
  const titleLines = nfc(spec.signerTitle)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const recipientsLeft = ['- Như trên;', '- Lưu: VT.'];
  const blockH = Math.max(titleLines.length * 15 + 80, 18 + recipientsLeft.length * 13) + 10;
  y += 8;
  need(blockH);
  const signCx = PAGE_W - MARGIN_RIGHT - 110;
  let sy = y;
  for (const l of titleLines) {
    centered(signCx, sy, l.toUpperCase(), 'bold', 11.5);
    sy += 15;
  }
  sy += 62; // room for the handwritten signature and the seal
  centered(signCx, sy, spec.signer, 'bold', 12);
  let ny = y;
  text(MARGIN_LEFT, ny, 'Nơi nhận:', 'boldItalic', 11);
  ny += 14;
  for (const l of recipientsLeft) {
    text(MARGIN_LEFT, ny, l, 'regular', 10);
    ny += 13;
  }

  return { pageCount: page + 1, ops };
}

// Layouts are reused across the renderers of one DocSpec (the benchmark renders each several ways).
const layoutCache = new WeakMap<DocSpec, Layout>();
function layoutOf(spec: DocSpec): Layout {
  let l = layoutCache.get(spec);
  if (!l) {
    l = layoutDocument(spec);
    layoutCache.set(spec, l);
  }
  return l;
}

// ---------------------------------------------------------------------------------------------
// PDF with a text layer

interface PdfFonts {
  byKey: Record<FontKey, PDFFont>;
}

async function embedFonts(pdf: PDFDocument, ops: DrawOp[]): Promise<PdfFonts> {
  pdf.registerFontkit(fontkit);
  const used = new Set<FontKey>(ops.filter((o): o is TextOp => o.kind === 'text').map((o) => o.font));
  const f = fonts();
  const byKey = {} as Record<FontKey, PDFFont>;
  for (const key of ['regular', 'bold', 'italic', 'boldItalic'] as const) {
    // Only the fonts a page uses are embedded; the regular face stands in for any other key.
    if (used.has(key) || key === 'regular') {
      byKey[key] = await pdf.embedFont(f[key].bytes, { subset: true, features: { liga: false } });
    }
  }
  for (const key of ['bold', 'italic', 'boldItalic'] as const) byKey[key] ??= byKey.regular;
  return { byKey };
}

function drawTextPage(page: PDFPage, ops: DrawOp[], pageIndex: number, f: PdfFonts): void {
  const ink = rgb(0, 0, 0);
  for (const op of ops) {
    if (op.page !== pageIndex) continue;
    if (op.kind === 'text') {
      page.drawText(op.text, { x: op.x, y: PAGE_H - op.y, size: op.size, font: f.byKey[op.font], color: ink });
    } else if (op.kind === 'line') {
      page.drawLine({
        start: { x: op.x, y: PAGE_H - op.y },
        end: { x: op.x + op.w, y: PAGE_H - op.y },
        thickness: op.stroke,
        color: ink,
      });
    } else {
      page.drawRectangle({
        x: op.x,
        y: PAGE_H - op.y - op.h,
        width: op.w,
        height: op.h,
        borderWidth: op.stroke,
        borderColor: ink,
      });
    }
  }
}

function setInfo(pdf: PDFDocument, spec: DocSpec): void {
  pdf.setTitle(nfc(`${spec.kind} ${spec.number}: ${spec.title}`));
  pdf.setAuthor(nfc(spec.issuer));
  pdf.setProducer('edocwatch demo');
  pdf.setCreator('edocwatch demo');
  // Fixed dates keep the bytes identical for the same DocSpec.
  pdf.setCreationDate(spec.date);
  pdf.setModificationDate(spec.date);
}

/** A born-digital PDF: every page has a real text layer in DejaVu Serif (subset, with ToUnicode). */
export async function renderTextPdf(doc: DocSpec): Promise<Buffer> {
  const layout = layoutOf(doc);
  const pdf = await PDFDocument.create();
  setInfo(pdf, doc);
  const f = await embedFonts(pdf, layout.ops);
  for (let p = 0; p < layout.pageCount; p++) {
    drawTextPage(pdf.addPage([PAGE_W, PAGE_H]), layout.ops, p, f);
  }
  if (!doc.signedBy) return Buffer.from(await pdf.save({ useObjectStreams: true }));
  const { addSignaturePlaceholder, signPdfAs } = await import('./signing.js');
  addSignaturePlaceholder(pdf, doc.signedBy, doc.place, doc.date);
  // @signpdf finds the /ByteRange placeholder in the file's text: no object streams.
  return signPdfAs(Buffer.from(await pdf.save({ useObjectStreams: false })), doc.signedBy, doc.date);
}

// ---------------------------------------------------------------------------------------------
// Raster: glyph masks drawn once with pureimage, then stamped into an ink-coverage layer.

/** Supersampling factor for glyph masks: pureimage anti-aliases only horizontally. */
const SS = 3;
const maskCache = new Map<string, GlyphMask | null>();
const MASK_CACHE_MAX = 20_000;

function glyphMask(key: FontKey, cp: number, sizePx: number): GlyphMask | null {
  const cacheKey = `${key}|${sizePx.toFixed(2)}|${cp}`;
  const hit = maskCache.get(cacheKey);
  if (hit !== undefined) return hit;
  const font = fonts()[key];
  const mask = rasterizeGlyph(glyphFor(font, cp), font.fk.unitsPerEm, sizePx, SS);
  // Bounded: callers asking for many page widths would otherwise grow it without end.
  if (maskCache.size >= MASK_CACHE_MAX) maskCache.clear();
  maskCache.set(cacheKey, mask);
  return mask;
}

/** Ink coverage (0..255) of one page at `scale` pixels per point. */
function coverage(layout: Layout, pageIndex: number, width: number, height: number, scale: number): Uint8Array {
  const cov = new Uint8Array(width * height);
  const stamp = (m: GlyphMask, px: number, py: number): void => {
    for (let my = 0; my < m.h; my++) {
      const y = py + my;
      if (y < 0 || y >= height) continue;
      const row = y * width;
      for (let mx = 0; mx < m.w; mx++) {
        const x = px + mx;
        if (x < 0 || x >= width) continue;
        const a = m.alpha[my * m.w + mx] ?? 0;
        const idx = row + x;
        if (a > (cov[idx] ?? 0)) cov[idx] = a;
      }
    }
  };
  const box = (x: number, y: number, w: number, h: number): void => {
    const x1 = Math.max(0, Math.round(x));
    const y1 = Math.max(0, Math.round(y));
    const x2 = Math.min(width, Math.max(x1 + 1, Math.round(x + w)));
    const y2 = Math.min(height, Math.max(y1 + 1, Math.round(y + h)));
    for (let yy = y1; yy < y2; yy++) cov.fill(255, yy * width + x1, yy * width + x2);
  };
  for (const op of layout.ops) {
    if (op.page !== pageIndex) continue;
    if (op.kind === 'text') {
      const f = fonts()[op.font];
      const sizePx = Math.round(op.size * scale * 4) / 4;
      const perUnit = sizePx / f.fk.unitsPerEm;
      let pen = op.x * scale;
      const base = Math.round(op.y * scale);
      for (const ch of op.text) {
        const cp = ch.codePointAt(0) ?? 32;
        const m = glyphMask(op.font, cp, sizePx);
        if (m) stamp(m, Math.round(pen) + m.dx, base + m.dy);
        pen += advanceUnits(f, cp) * perUnit;
      }
    } else if (op.kind === 'line') {
      box(op.x * scale, op.y * scale, op.w * scale, Math.max(1, op.stroke * scale));
    } else {
      const t = Math.max(1, op.stroke * scale);
      const x = op.x * scale;
      const y = op.y * scale;
      const w = op.w * scale;
      const h = op.h * scale;
      box(x, y, w, t);
      box(x, y + h - t, w, t);
      box(x, y, t, h);
      box(x + w - t, y, t, h);
    }
  }
  return cov;
}


function seedOf(spec: DocSpec, pageIndex: number): number {
  // FNV-1a over the number and the page: distinct documents get distinct speckle.
  let h = 0x811c9dc5;
  for (const ch of `${spec.number}#${pageIndex}`) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

interface PageImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

function rasterPage(spec: DocSpec, pageIndex: number, width: number, noise: boolean): PageImage {
  const layout = layoutOf(spec);
  const scale = width / PAGE_W;
  const height = Math.floor(PAGE_H * scale);
  const cov = coverage(layout, pageIndex, width, height, scale);
  const rgba = new Uint8Array(width * height * 4);
  if (!noise) {
    for (let i = 0, p = 0; i < cov.length; i++, p += 4) {
      const v = 255 - (cov[i] ?? 0);
      rgba[p] = v;
      rgba[p + 1] = v;
      rgba[p + 2] = v;
      rgba[p + 3] = 255;
    }
    return { width, height, rgba };
  }
  const rand = prng(seedOf(spec, pageIndex));
  // Paper: a warm off-white with a faint gradient and a darker binding edge, like a flatbed scan.
  const tiltX = 6 * (rand() - 0.5);
  const tiltY = 6 * (rand() - 0.5);
  const ink = 38;
  for (let y = 0; y < height; y++) {
    const gy = tiltY * (y / height);
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const edge = x < 14 ? (14 - x) * 3 : 0;
      const paper = 243 + tiltX * (x / width) + gy - edge;
      const c = (cov[i] ?? 0) / 255;
      const v = paper * (1 - c) + ink * c;
      const p = i * 4;
      rgba[p] = clamp(v + 2);
      rgba[p + 1] = clamp(v);
      rgba[p + 2] = clamp(v - 5);
      rgba[p + 3] = 255;
    }
  }
  // Grey speckle: dust and toner dots, a few hundred, one to three pixels wide.
  const dots = 250 + Math.floor(rand() * 150);
  for (let d = 0; d < dots; d++) {
    const cx = Math.floor(rand() * width);
    const cy = Math.floor(rand() * height);
    const r = rand() < 0.8 ? 1 : 2;
    const tone = 90 + Math.floor(rand() * 110);
    for (let yy = cy; yy < Math.min(height, cy + r); yy++) {
      for (let xx = cx; xx < Math.min(width, cx + r); xx++) {
        const p = (yy * width + xx) * 4;
        rgba[p] = Math.min(rgba[p] ?? 255, tone);
        rgba[p + 1] = Math.min(rgba[p + 1] ?? 255, tone);
        rgba[p + 2] = Math.min(rgba[p + 2] ?? 255, tone);
      }
    }
  }
  return { width, height, rgba };
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

const SCAN_WIDTH = 827; // A4 at 100 dpi
const SCAN_QUALITY = 60;

/** The first page rasterized (default 827 px wide, A4 at 100 dpi); `noise` adds a scan's look. */
export async function renderPageImage(
  doc: DocSpec,
  opts?: { width?: number; noise?: boolean },
): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const width = Math.max(100, Math.round(opts?.width ?? SCAN_WIDTH));
  return Promise.resolve(rasterPage(doc, 0, width, opts?.noise ?? false));
}

function jpegOfPage(doc: DocSpec, pageIndex: number): Buffer {
  const img = rasterPage(doc, pageIndex, SCAN_WIDTH, true);
  const out = jpeg.encode({ data: img.rgba, width: img.width, height: img.height }, SCAN_QUALITY);
  return Buffer.from(out.data);
}

/** A JPEG scan of the first page (827×1169, quality 60). */
export async function renderJpegScan(doc: DocSpec): Promise<Buffer> {
  return Promise.resolve(jpegOfPage(doc, 0));
}

async function addScannedPage(pdf: PDFDocument, jpg: Buffer): Promise<void> {
  const image = await pdf.embedJpg(jpg);
  const page = pdf.addPage([PAGE_W, PAGE_H]);
  page.drawImage(image, { x: 0, y: 0, width: PAGE_W, height: PAGE_H });
}

/** An image-only PDF: every page of the document is an embedded JPEG scan, no text operators. */
export async function renderScannedPdf(doc: DocSpec): Promise<Buffer> {
  const layout = layoutOf(doc);
  const pdf = await PDFDocument.create();
  setInfo(pdf, doc);
  for (let p = 0; p < layout.pageCount; p++) await addScannedPage(pdf, jpegOfPage(doc, p));
  return Buffer.from(await pdf.save({ useObjectStreams: true }));
}

/**
 * Two pages: page 1 born-digital (text layer), page 2 image-only — a scan of the signed first
 * page appended as an annex, the way agencies attach the signed original beside the typed text.
 */
export async function renderMixedPdf(doc: DocSpec): Promise<Buffer> {
  const layout = layoutOf(doc);
  const pdf = await PDFDocument.create();
  setInfo(pdf, doc);
  const f = await embedFonts(
    pdf,
    layout.ops.filter((o) => o.page === 0),
  );
  drawTextPage(pdf.addPage([PAGE_W, PAGE_H]), layout.ops, 0, f);
  await addScannedPage(pdf, jpegOfPage(doc, 0));
  return Buffer.from(await pdf.save({ useObjectStreams: true }));
}

// ---------------------------------------------------------------------------------------------
// DOCX

/** A Word document with the same parts, in Times New Roman as agencies type them. */
export async function renderDocx(doc: DocSpec): Promise<Buffer> {
  const FONT = 'Times New Roman';
  const run = (t: string, o: { bold?: boolean; italics?: boolean; size?: number } = {}): TextRun =>
    new TextRun({ text: nfc(t), font: FONT, size: (o.size ?? 13) * 2, bold: o.bold, italics: o.italics });
  const centeredPara = (runs: TextRun[], after = 0): Paragraph =>
    new Paragraph({ alignment: AlignmentType.CENTER, children: runs, spacing: { after } });
  const none = { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' };
  const noBorders = { top: none, bottom: none, left: none, right: none };

  const left: Paragraph[] = [];
  if (doc.parentIssuer) left.push(centeredPara([run(doc.parentIssuer.toUpperCase(), { size: 12 })]));
  left.push(centeredPara([run(doc.issuer.toUpperCase(), { bold: true, size: 12 })], 120));
  left.push(centeredPara([run(`Số: ${doc.number}`)]));
  if (doc.kind === 'Công văn') left.push(centeredPara([run(doc.title, { size: 12 })]));
  if (doc.secret) left.push(centeredPara([run(doc.secret.toUpperCase(), { bold: true })]));
  const right = [
    centeredPara([run('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { bold: true, size: 12 })]),
    centeredPara([run('Độc lập - Tự do - Hạnh phúc', { bold: true })], 200),
    centeredPara([run(formatDateLine(doc.place, doc.date), { italics: true })]),
  ];
  const header = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: { ...noBorders, insideHorizontal: none, insideVertical: none },
    rows: [
      new TableRow({
        children: [
          new TableCell({ width: { size: 40, type: WidthType.PERCENTAGE }, borders: noBorders, children: left }),
          new TableCell({ width: { size: 60, type: WidthType.PERCENTAGE }, borders: noBorders, children: right }),
        ],
      }),
    ],
  });

  const body: Paragraph[] = [new Paragraph({ children: [], spacing: { after: 240 } })];
  if (doc.kind !== 'Công văn') {
    body.push(centeredPara([run(doc.kind.toUpperCase(), { bold: true, size: 14 })]));
    body.push(centeredPara([run(doc.title, { bold: true, size: 14 })], 240));
  }
  if (doc.recipients.length === 1) {
    body.push(centeredPara([run(`Kính gửi: ${doc.recipients[0] ?? ''}`, { size: 14 })], 200));
  } else if (doc.recipients.length > 1) {
    body.push(new Paragraph({ indent: { left: 1200 }, children: [run('Kính gửi:', { size: 14 })] }));
    for (const [i, r] of doc.recipients.entries()) {
      const end = i === doc.recipients.length - 1 ? '.' : ';';
      body.push(new Paragraph({ indent: { left: 2400 }, children: [run(`- ${r}${end}`, { size: 14 })] }));
    }
    body.push(new Paragraph({ children: [], spacing: { after: 120 } }));
  }
  for (const p of doc.paragraphs) {
    body.push(
      new Paragraph({
        alignment: AlignmentType.JUSTIFIED,
        indent: { firstLine: 567 },
        spacing: { after: 120, line: 300 },
        children: [run(p, { size: 14 })],
      }),
    );
  }
  const signLines = doc.signerTitle
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const signCell = [
    ...signLines.map((l) => centeredPara([run(l.toUpperCase(), { bold: true })])),
    new Paragraph({ children: [], spacing: { after: 1200 } }),
    centeredPara([run(doc.signer, { bold: true, size: 14 })]),
  ];
  const placesCell = [
    new Paragraph({ children: [run('Nơi nhận:', { bold: true, italics: true, size: 12 })] }),
    new Paragraph({ children: [run('- Như trên;', { size: 11 })] }),
    new Paragraph({ children: [run('- Lưu: VT.', { size: 11 })] }),
  ];
  const footer = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: { ...noBorders, insideHorizontal: none, insideVertical: none },
    rows: [
      new TableRow({
        children: [
          new TableCell({ width: { size: 50, type: WidthType.PERCENTAGE }, borders: noBorders, children: placesCell }),
          new TableCell({ width: { size: 50, type: WidthType.PERCENTAGE }, borders: noBorders, children: signCell }),
        ],
      }),
    ],
  });

  const document = new Document({
    creator: nfc(doc.issuer),
    title: nfc(`${doc.kind} ${doc.number}`),
    description: nfc(doc.title),
    sections: [
      {
        properties: {
          page: {
            size: { width: 11906, height: 16838 }, // A4 in twentieths of a point
            margin: { top: 1134, bottom: 1134, left: 1701, right: 1134 },
          },
        },
        children: [header, ...body, new Paragraph({ children: [] }), footer],
      },
    ],
  });
  // docx stamps core.xml and every zip entry with the current time; both are pinned to the
  // document's date so the same DocSpec gives the same bytes.
  const core = coreXml(doc);
  const bytes = await Packer.toBuffer(document, false, [{ path: 'docProps/core.xml', data: core }]);
  return pinZipTimes(bytes, doc.date);
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function coreXml(doc: DocSpec): string {
  const when = doc.date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"' +
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"' +
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<dc:title>${xmlEscape(nfc(`${doc.kind} ${doc.number}`))}</dc:title>` +
    `<dc:creator>${xmlEscape(nfc(doc.issuer))}</dc:creator>` +
    `<dc:description>${xmlEscape(nfc(doc.title))}</dc:description>` +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created>` +
    `<dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified>` +
    '</cp:coreProperties>'
  );
}

/** Rewrites the MS-DOS modification time of every zip entry (central and local headers). */
function pinZipTimes(zip: Buffer, date: Date): Buffer {
  const out = Buffer.from(zip);
  const dosTime = 0; // midnight
  const dosDate = ((Math.max(1980, date.getUTCFullYear()) - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  const eocd = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return out;
  const count = out.readUInt16LE(eocd + 10);
  let p = out.readUInt32LE(eocd + 16);
  for (let i = 0; i < count && p + 46 <= out.length && out.readUInt32LE(p) === 0x02014b50; i++) {
    out.writeUInt16LE(dosTime, p + 12);
    out.writeUInt16LE(dosDate, p + 14);
    const local = out.readUInt32LE(p + 42);
    if (local + 30 <= out.length && out.readUInt32LE(local) === 0x04034b50) {
      out.writeUInt16LE(dosTime, local + 10);
      out.writeUInt16LE(dosDate, local + 12);
    }
    p += 46 + out.readUInt16LE(p + 28) + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
  }
  return out;
}
