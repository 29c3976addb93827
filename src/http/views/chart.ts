// Trend charts as inline SVG rendered on the server: no client script, and nothing the page's
// Content-Security-Policy has to allow (presentation attributes only, no style attributes).
// Pure: series in, markup out.
import { esc } from './html.js';

export interface Series {
  label: string;
  /** One value per x label, as a ratio 0..1; null where there is nothing to divide. */
  values: Array<number | null>;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  /** A horizontal target line (ratio), drawn dashed. */
  target?: number | null;
  title: string;
}

const COLORS = ['#0b4f8a', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490'];

/** A line chart of ratios over periods; gaps where a value is null. */
export function lineChartSvg(xLabels: string[], series: Series[], o: ChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 240;
  const left = 44;
  const right = 150;
  const top = 16;
  const bottom = 34;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = xLabels.length;
  const x = (i: number) => left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number) => top + plotH - Math.max(0, Math.min(1, v)) * plotH;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  parts.push(`<title>${esc(o.title)}</title>`);
  for (const g of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${f(y(g))}" y2="${f(y(g))}" stroke="#e1e5ea" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${f(y(g) + 4)}" font-size="11" text-anchor="end" fill="#5f6b7a">${g * 100}%</text>`);
  }
  xLabels.forEach((l, i) => parts.push(`<text x="${f(x(i))}" y="${height - 12}" font-size="11" text-anchor="middle" fill="#5f6b7a">${esc(l)}</text>`));
  if (o.target !== undefined && o.target !== null) {
    parts.push(`<line class="target" x1="${left}" x2="${left + plotW}" y1="${f(y(o.target))}" y2="${f(y(o.target))}" stroke="#b3261e" stroke-dasharray="5 4" stroke-width="1.5"/>`);
  }
  series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length] as string;
    // Consecutive non-null points form one segment; a null breaks the line.
    let seg: string[] = [];
    const flush = () => {
      if (seg.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${seg.join(' ')}"/>`);
      seg = [];
    };
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        flush();
        return;
      }
      seg.push(`${f(x(i))},${f(y(v))}`);
      parts.push(`<circle cx="${f(x(i))}" cy="${f(y(v))}" r="3" fill="${color}"><title>${esc(`${s.label} ${xLabels[i] ?? ''}: ${(v * 100).toFixed(1)}%`)}</title></circle>`);
    });
    flush();
    const ly = top + 14 + si * 18;
    parts.push(`<rect x="${left + plotW + 12}" y="${ly - 9}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${left + plotW + 27}" y="${ly}" font-size="12" fill="#1b1f24">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
