// One glyph rasterized from its font outline into an ink-coverage mask, for drawing text with
// pureimage where its own fillText falls short: pureimage closes only the first contour of a path,
// fills each contour on its own (the counters of o, a, ư close up) and stops its curve flattening
// short of the end point, which loses stems (the i of "Minh") and Vietnamese tone marks. Here every
// contour goes into one path, flattened and closed by us, filled once (even-odd), at `ss`×`ss`
// supersampling, then averaged down. Used by the report's charts (src/report/chart.ts) and the
// demo's scanned pages (src/demo/documents.ts). Pure: no I/O; callers cache the masks.
import * as PImage from 'pureimage';

export interface GlyphMask {
  w: number;
  h: number;
  /** Offset of the mask's top-left from the pen position (baseline). */
  dx: number;
  dy: number;
  /** Coverage 0..255, row by row. */
  alpha: Uint8Array;
}

interface PathSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void;
  bezierCurveTo(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number): void;
  closePath(): void;
}

/** What is needed of a fontkit glyph: its outline and bounding box, in font units (y up). */
export interface OutlineGlyph {
  path: { bbox: { minX: number; minY: number; maxX: number; maxY: number }; toFunction(): unknown };
}

/** The glyph at `sizePx` pixels per em; null for a glyph without ink (a space). */
export function rasterizeGlyph(glyph: OutlineGlyph, unitsPerEm: number, sizePx: number, ss: number): GlyphMask | null {
  const box = glyph.path.bbox;
  if (!(Number.isFinite(box.minX) && box.maxX > box.minX && box.maxY > box.minY)) return null;
  const s = sizePx / unitsPerEm;
  const x0 = Math.floor(box.minX * s) - 1;
  const y0 = Math.floor(-box.maxY * s) - 1;
  const w = Math.ceil(box.maxX * s) - x0 + 1;
  const h = Math.ceil(-box.minY * s) - y0 + 1;
  const bmp = PImage.make(w * ss, h * ss);
  const ctx = bmp.getContext('2d');
  // A new pureimage bitmap is opaque black: paint it white, fill the glyph black, read the ink.
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w * ss, h * ss);
  ctx.fillStyle = '#000000';
  ctx.beginPath();
  // Font units (y up) -> supersampled mask pixels (y down).
  const k = s * ss;
  const X = (x: number): number => x * k - x0 * ss;
  const Y = (y: number): number => -y * k - y0 * ss;
  let cx = 0;
  let cy = 0;
  let sx = 0;
  let sy = 0;
  let open = false;
  const line = (x: number, y: number): void => {
    ctx.lineTo(X(x), Y(y));
    cx = x;
    cy = y;
  };
  const close = (): void => {
    if (open && (cx !== sx || cy !== sy)) line(sx, sy);
    open = false;
  };
  const steps = (len: number): number => Math.min(16, Math.max(2, Math.ceil((len * k) / 3)));
  const sink: PathSink = {
    moveTo: (x, y) => {
      close();
      ctx.moveTo(X(x), Y(y));
      sx = cx = x;
      sy = cy = y;
      open = true;
    },
    lineTo: line,
    quadraticCurveTo: (qx, qy, x, y) => {
      const ax = cx;
      const ay = cy;
      const n = steps(Math.hypot(qx - ax, qy - ay) + Math.hypot(x - qx, y - qy));
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        line(u * u * ax + 2 * u * t * qx + t * t * x, u * u * ay + 2 * u * t * qy + t * t * y);
      }
    },
    bezierCurveTo: (c1x, c1y, c2x, c2y, x, y) => {
      const ax = cx;
      const ay = cy;
      const n = steps(Math.hypot(c1x - ax, c1y - ay) + Math.hypot(c2x - c1x, c2y - c1y) + Math.hypot(x - c2x, y - c2y));
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        line(u * u * u * ax + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t * t * t * x, u * u * u * ay + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t * t * t * y);
      }
    },
    closePath: close,
  };
  (glyph.path.toFunction() as (sink: PathSink) => void)(sink);
  close();
  ctx.fill();
  const alpha = new Uint8Array(w * h);
  const src = bmp.data;
  const rowBytes = w * ss * 4;
  for (let my = 0; my < h; my++) {
    for (let mx = 0; mx < w; mx++) {
      let sum = 0;
      for (let yy = 0; yy < ss; yy++) {
        let i = (my * ss + yy) * rowBytes + mx * ss * 4;
        for (let xx = 0; xx < ss; xx++, i += 4) sum += 255 - (src[i] ?? 255);
      }
      alpha[my * w + mx] = Math.round(sum / (ss * ss));
    }
  }
  return { w, h, dx: x0, dy: y0, alpha };
}
