// The fonts of the report: DejaVu (the `dejavu-fonts-ttf` package), which has every Vietnamese letter
// precomposed. Serif faces for the PDF (the nearest free match to the Times New Roman that Nghị định
// 30/2020/NĐ-CP asks of administrative documents), Sans for the charts. The only I/O here: each
// file is read from node_modules once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import type { Font } from '@pdf-lib/fontkit';

export const FONT_FILES = {
  serif: 'DejaVuSerif.ttf',
  serifBold: 'DejaVuSerif-Bold.ttf',
  serifItalic: 'DejaVuSerif-Italic.ttf',
  sans: 'DejaVuSans.ttf',
  sansBold: 'DejaVuSans-Bold.ttf',
} as const;

export type FontName = keyof typeof FONT_FILES;

const bytesCache = new Map<FontName, Uint8Array>();
const fontCache = new Map<FontName, Font>();

/** The TTF file's bytes. */
export function fontBytes(name: FontName): Uint8Array {
  let b = bytesCache.get(name);
  if (!b) {
    const require = createRequire(import.meta.url);
    b = new Uint8Array(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FONT_FILES[name]}`)));
    bytesCache.set(name, b);
  }
  return b;
}

/** The font parsed by fontkit (outlines and metrics). */
export function fontkitFont(name: FontName): Font {
  let f = fontCache.get(name);
  if (!f) {
    f = fontkit.create(fontBytes(name));
    fontCache.set(name, f);
  }
  return f;
}
