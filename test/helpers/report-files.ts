// Reading a report back as a reader would: the PDF's text with pdfjs-dist (what a viewer's search or
// copy gives), the XLSX's cells with exceljs, a PNG's size and colours with upng-js.
import ExcelJS from 'exceljs';
import UPNG from 'upng-js';
import { openPdf, type PdfJs } from '../../src/analyze/pdfjs.js';

/** The text of every page, lines joined by newlines, pages by form feeds. */
export async function pdfText(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const pdfjs: PdfJs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await openPdf(pdfjs, pdf).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    let s = '';
    let lastY: number | null = null;
    for (const item of content.items) {
      if (!('str' in item)) continue;
      const y = item.transform[5] as number;
      if (lastY !== null && Math.abs(y - lastY) > 2) s += '\n';
      else if (s && !s.endsWith(' ') && item.str && !item.str.startsWith(' ')) s += ' ';
      s += item.str;
      lastY = y;
    }
    pages.push(s);
  }
  await doc.destroy();
  return { pages: pages.length, text: pages.join('\f') };
}

/** Every text run of the PDF with its page (1-based), left x, baseline y and width, in points. */
export async function pdfRuns(pdf: Buffer): Promise<{ pageWidth: number; runs: Array<{ page: number; x: number; y: number; width: number; str: string }> }> {
  const pdfjs: PdfJs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await openPdf(pdfjs, pdf).promise;
  const runs: Array<{ page: number; x: number; y: number; width: number; str: string }> = [];
  let pageWidth = 0;
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    pageWidth = page.view[2] as number;
    for (const item of (await page.getTextContent()).items) {
      if (!('str' in item) || !item.str.trim()) continue;
      runs.push({ page: i, x: item.transform[4] as number, y: item.transform[5] as number, width: item.width, str: item.str });
    }
  }
  await doc.destroy();
  return { pageWidth, runs };
}

export interface SheetCells {
  name: string;
  /** Row values (1-based columns as 0-based array), formulas and rich text flattened. */
  rows: Array<Array<string | number | boolean | null>>;
  /** Number formats by "row:col" (1-based). */
  numFmt: Map<string, string>;
}

export async function xlsxSheets(xlsx: Buffer): Promise<SheetCells[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  return wb.worksheets.map((ws) => {
    const rows: SheetCells['rows'] = [];
    const numFmt = new Map<string, string>();
    ws.eachRow({ includeEmpty: true }, (row, r) => {
      const values: Array<string | number | boolean | null> = [];
      row.eachCell({ includeEmpty: true }, (cell, c) => {
        const v = cell.value as unknown;
        values[c - 1] = v === null || v === undefined ? null : typeof v === 'object' ? (((v as { richText?: Array<{ text: string }> }).richText?.map((t) => t.text).join('') ?? String((v as { result?: unknown }).result ?? '')) as string) : (v as string | number | boolean);
        if (cell.numFmt) numFmt.set(`${r}:${c}`, cell.numFmt);
      });
      rows[r - 1] = values;
    });
    return { name: ws.name, rows, numFmt };
  });
}

export function pngInfo(png: Buffer): { width: number; height: number; colors: number } {
  const img = UPNG.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
  const rgba = new Uint8Array(UPNG.toRGBA8(img)[0] as ArrayBuffer);
  const colors = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4) colors.add(((rgba[i] as number) << 16) | ((rgba[i + 1] as number) << 8) | (rgba[i + 2] as number));
  return { width: img.width, height: img.height, colors: colors.size };
}
