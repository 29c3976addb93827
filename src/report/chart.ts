// The report's charts as PNG images (inline in the email, embedded in the PDF): a KPI's trend over
// the last quarters or years against its target, and agencies ranked by a KPI. Drawn with pureimage
// (pure JavaScript, no native canvas). Text is drawn from DejaVu Sans outlines (fontkit), each glyph
// rasterized once per size with 4×4 supersampling and stamped in: pureimage's own fillText fills
// each contour of a glyph on its own (the counters of o, a, ư close up) and stops its curves short,
// which loses Vietnamese tone marks. No I/O beyond the font files (fonts.ts).
import * as PImage from 'pureimage';
import UPNG from 'upng-js';
import type { Font, Glyph } from '@pdf-lib/fontkit';
import { fontkitFont } from './fonts.js';
import { formatInt, formatPercent, formatTarget, type ReportLang } from './format.js';
import type { ChartSpec } from './model.js';
import { rt } from './i18n.js';
import { rasterizeGlyph, type GlyphMask } from '../render/glyph-mask.js';

type Bitmap = ReturnType<typeof PImage.make>;
type Rgb = [number, number, number];

const INK: Rgb = [0x1b, 0x1f, 0x24];
const MUTED: Rgb = [0x5f, 0x6b, 0x7a];
const GRID = '#e1e5ea';
const AXIS = '#9aa4b1';
const BLUE = '#0b4f8a';
const RED = '#b3261e';
const RED_RGB: Rgb = [0xb3, 0x26, 0x1e];
const BAR_OK = '#4f7fb0';
const BAR_BELOW = '#d9776f';

export const CHART_WIDTH = 640;

// ---------------------------------------------------------------------------------------------
// Text

type Mask = GlyphMask;

const SS = 4;
const masks = new Map<string, Mask | null>();

function glyphMask(font: Font, fontKey: string, cp: number, size: number): Mask | null {
  const key = `${fontKey}|${size}|${cp}`;
  const hit = masks.get(key);
  if (hit !== undefined) return hit;
  const glyph: Glyph = font.glyphForCodePoint(cp);
  const mask = rasterizeGlyph(glyph, font.unitsPerEm, size, SS);
  if (masks.size > 5000) masks.clear();
  masks.set(key, mask);
  return mask;
}

interface TextStyle {
  size: number;
  bold?: boolean;
  color?: Rgb;
  align?: 'left' | 'center' | 'right';
}

function fontOf(bold: boolean | undefined): { font: Font; key: string } {
  return bold ? { font: fontkitFont('sansBold'), key: 'sansBold' } : { font: fontkitFont('sans'), key: 'sans' };
}

/** Width of a string in pixels at `size` (advances, no kerning). */
export function textWidth(text: string, size: number, bold = false): number {
  const { font } = fontOf(bold);
  let units = 0;
  for (const ch of text.normalize('NFC')) units += font.glyphForCodePoint(ch.codePointAt(0) ?? 32).advanceWidth;
  return (units * size) / font.unitsPerEm;
}

/** The longest prefix of `text` that fits `max` pixels, with an ellipsis when cut. */
export function fitText(text: string, max: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= max) return text;
  const chars = [...text.normalize('NFC')];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, size, bold) > max) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

function drawText(bmp: Bitmap, text: string, x: number, baseline: number, st: TextStyle): void {
  const { font, key } = fontOf(st.bold);
  const s = st.size / font.unitsPerEm;
  const str = text.normalize('NFC');
  const width = textWidth(str, st.size, st.bold);
  let pen = st.align === 'center' ? x - width / 2 : st.align === 'right' ? x - width : x;
  const [r, g, b] = st.color ?? INK;
  const data = bmp.data;
  const W = bmp.width;
  const H = bmp.height;
  const by = Math.round(baseline);
  for (const ch of str) {
    const cp = ch.codePointAt(0) ?? 32;
    const m = glyphMask(font, key, cp, st.size);
    if (m) {
      const ox = Math.round(pen) + m.dx;
      const oy = by + m.dy;
      for (let yy = 0; yy < m.h; yy++) {
        const py = oy + yy;
        if (py < 0 || py >= H) continue;
        for (let xx = 0; xx < m.w; xx++) {
          const a = m.alpha[yy * m.w + xx] ?? 0;
          const px = ox + xx;
          if (a === 0 || px < 0 || px >= W) continue;
          const i = (py * W + px) * 4;
          const f = a / 255;
          data[i] = Math.round((data[i] ?? 255) * (1 - f) + r * f);
          data[i + 1] = Math.round((data[i + 1] ?? 255) * (1 - f) + g * f);
          data[i + 2] = Math.round((data[i + 2] ?? 255) * (1 - f) + b * f);
          data[i + 3] = 255;
        }
      }
    }
    pen += font.glyphForCodePoint(cp).advanceWidth * s;
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes

function rect(bmp: Bitmap, x: number, y: number, w: number, h: number, color: string): void {
  const ctx = bmp.getContext('2d');
  ctx.fillStyle = color;
  ctx.fillRect(Math.round(x), Math.round(y), Math.max(1, Math.round(w)), Math.max(1, Math.round(h)));
}

function hDashed(bmp: Bitmap, x0: number, x1: number, y: number, color: string): void {
  for (let x = x0; x < x1; x += 9) rect(bmp, x, y - 1, Math.min(5, x1 - x), 2, color);
}

function vDashed(bmp: Bitmap, x: number, y0: number, y1: number, color: string): void {
  for (let y = y0; y < y1; y += 7) rect(bmp, x - 1, y, 2, Math.min(4, y1 - y), color);
}

function dot(bmp: Bitmap, x: number, y: number, r: number, color: string): void {
  const ctx = bmp.getContext('2d');
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2, false);
  ctx.closePath();
  ctx.fill();
}

function segment(bmp: Bitmap, ax: number, ay: number, bx: number, by: number, width: number, color: string): void {
  // A thick segment as a filled quadrilateral: pureimage's stroke() joins badly at sharp turns.
  const len = Math.hypot(bx - ax, by - ay);
  if (len === 0) return;
  const nx = (-(by - ay) / len) * (width / 2);
  const ny = ((bx - ax) / len) * (width / 2);
  const ctx = bmp.getContext('2d');
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(ax + nx, ay + ny);
  ctx.lineTo(bx + nx, by + ny);
  ctx.lineTo(bx - nx, by - ny);
  ctx.lineTo(ax - nx, ay - ny);
  ctx.closePath();
  ctx.fill();
}

/** A round upper bound for the y axis: 10%, 20%, 25%, 50% or 100%. */
export function axisMax(values: Array<number | null>, target: number | null): number {
  const top = Math.max(0, ...values.filter((v): v is number => v !== null), target ?? 0);
  for (const m of [0.1, 0.2, 0.25, 0.5]) if (top * 1.15 <= m) return m;
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Charts

function lineChart(spec: Extract<ChartSpec, { kind: 'line' }>, lang: ReportLang): Bitmap {
  const W = CHART_WIDTH;
  const H = 250;
  const bmp = PImage.make(W, H);
  rect(bmp, 0, 0, W, H, '#ffffff');
  const left = 52;
  const right = 20;
  const top = 40;
  const bottom = 34;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  // The title, and on its right the target's legend (a dashed red line).
  const legend = spec.target === null ? '' : `${rt(lang, 'target')} ${formatTarget(spec.targetOp ?? '>=', spec.target, lang)}`;
  const legendW = legend ? textWidth(legend, 10) + 28 : 0;
  drawText(bmp, fitText(spec.title, W - 24 - legendW, 13, true), 12, 20, { size: 13, bold: true });
  if (legend) {
    hDashed(bmp, W - 12 - legendW, W - 12 - legendW + 20, 16, RED);
    drawText(bmp, legend, W - 12, 20, { size: 10, color: RED_RGB, align: 'right' });
  }
  const max = axisMax(spec.values, spec.target);
  const n = spec.xLabels.length;
  const x = (i: number) => left + (n <= 1 ? plotW / 2 : 14 + (i * (plotW - 28)) / (n - 1));
  const y = (v: number) => top + plotH - (Math.max(0, Math.min(max, v)) / max) * plotH;
  for (let g = 0; g <= 4; g++) {
    const v = (max * g) / 4;
    rect(bmp, left, y(v), plotW, 1, g === 0 ? AXIS : GRID);
    drawText(bmp, `${formatInt(v * 100, lang)}%`, left - 6, y(v) + 4, { size: 10, color: MUTED, align: 'right' });
  }
  spec.xLabels.forEach((l, i) => drawText(bmp, l, x(i), H - 12, { size: 10, color: MUTED, align: 'center' }));
  if (spec.target !== null && spec.target <= max) hDashed(bmp, left, left + plotW, y(spec.target), RED);
  // Consecutive values form a line; a period without a value breaks it.
  for (let i = 1; i < n; i++) {
    const a = spec.values[i - 1];
    const b = spec.values[i];
    if (a !== null && a !== undefined && b !== null && b !== undefined) segment(bmp, x(i - 1), y(a), x(i), y(b), 2.5, BLUE);
  }
  spec.values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    dot(bmp, x(i), y(v), 3.5, BLUE);
    drawText(bmp, formatPercent(v, lang), x(i), y(v) - 8, { size: 10, color: INK, align: 'center' });
  });
  return bmp;
}

const BAR_ROW = 18;

function barChart(spec: Extract<ChartSpec, { kind: 'bars' }>, lang: ReportLang): Bitmap {
  const W = CHART_WIDTH;
  // Room under the title for the target's label above the bars.
  const top = 46;
  const rows = spec.bars.length + (spec.gapAfter === null ? 0 : 1);
  const H = top + rows * BAR_ROW + 26;
  const bmp = PImage.make(W, H);
  rect(bmp, 0, 0, W, H, '#ffffff');
  drawText(bmp, fitText(spec.title, W - 24, 13, true), 12, 20, { size: 13, bold: true });
  const labelW = 250;
  const left = 12 + labelW + 8;
  const plotW = W - left - 56;
  const x = (v: number) => left + Math.max(0, Math.min(1, v)) * plotW;
  const axisY = top + rows * BAR_ROW + 2;
  // The target first: bars and their figures are drawn over it.
  if (spec.target !== null) {
    vDashed(bmp, x(spec.target), top - 4, axisY, RED);
    drawText(bmp, `${rt(lang, 'target')} ${formatTarget(spec.targetOp ?? '>=', spec.target, lang)}`, Math.min(x(spec.target), W - 60), top - 8, { size: 10, color: RED_RGB, align: 'center' });
  }
  let row = 0;
  spec.bars.forEach((b, i) => {
    const y0 = top + row * BAR_ROW;
    drawText(bmp, fitText(b.label, labelW, 11), 12, y0 + 13, { size: 11 });
    rect(bmp, left, y0 + 3, Math.max(1, x(b.value) - left), BAR_ROW - 6, b.below ? BAR_BELOW : BAR_OK);
    drawText(bmp, formatPercent(b.value, lang), x(b.value) + 4, y0 + 13, { size: 10, color: MUTED });
    row++;
    if (spec.gapAfter === i) {
      drawText(bmp, '…', left + plotW / 2, top + row * BAR_ROW + 13, { size: 12, color: MUTED, align: 'center' });
      row++;
    }
  });
  rect(bmp, left, top - 2, 1, axisY - top + 2, AXIS);
  for (const v of [0, 0.25, 0.5, 0.75, 1]) drawText(bmp, `${formatInt(v * 100, lang)}%`, x(v), axisY + 14, { size: 10, color: MUTED, align: 'center' });
  return bmp;
}

/**
 * PNG with a palette of at most 256 colours (upng-js quantizes): flat colours and anti-aliased text
 * lose nothing visible, and a chart is 5–17 kB instead of the 15–105 kB of a true-colour PNG
 * (measured on the ranking chart of 30 agencies), which matters in an email sent to every leader.
 */
function encodePng(bmp: Bitmap): Buffer {
  const d = bmp.data;
  const rgba = d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) as ArrayBuffer;
  return Buffer.from(UPNG.encode([rgba], bmp.width, bmp.height, 256));
}

export interface ChartImage {
  id: string;
  title: string;
  /** `chart-trend-K1.png` */
  filename: string;
  /** Content-ID of the inline image in the email (without angle brackets). */
  cid: string;
  width: number;
  height: number;
  png: Buffer;
}

/** One chart as a PNG. */
export async function renderChart(spec: ChartSpec, lang: ReportLang): Promise<ChartImage> {
  const bmp = spec.kind === 'line' ? lineChart(spec, lang) : barChart(spec, lang);
  return { id: spec.id, title: spec.title, filename: `chart-${spec.id}.png`, cid: `chart-${spec.id}@edocwatch`, width: bmp.width, height: bmp.height, png: encodePng(bmp) };
}

/** Every chart of a report model, in its order. */
export async function renderCharts(specs: ChartSpec[], lang: ReportLang): Promise<ChartImage[]> {
  const out: ChartImage[] = [];
  for (const s of specs) out.push(await renderChart(s, lang));
  return out;
}
