// Reading a PDF's pages with PDFium (the PDF engine of Chrome, compiled to WebAssembly by
// @embedpdf/pdfium): per page its text (PDFium's text page, as a reader copies it) and what it
// paints — image objects, and text objects in a visible rendering mode — in one pass over the
// page's content, without building fonts for display or decoding images. Used by attachment.ts
// for the text layer and the born-digital / scanned decision; pdfjs-dist stays for the files
// PDFium cannot open and for OCR's page images. No I/O besides reading the .wasm file once.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { WrappedPdfiumModule } from '@embedpdf/pdfium';

/** What one page holds, as PDFium reads it. */
export interface PdfiumPage {
  /** The page's text, line ends as \n (PDFium writes \r\n). */
  text: string;
  /** An image object is painted on the page (directly or in a form XObject). */
  paintsImage: boolean;
  /** A text object is drawn in a visible rendering mode (not 3 = invisible, not 7 = clip only). */
  visibleText: boolean;
}

const PAGEOBJ_TEXT = 1;
const PAGEOBJ_IMAGE = 3;
const PAGEOBJ_FORM = 5;
/** Form XObjects nest at most this deep for the image and text search; deeper ones are not looked into. */
const MAX_FORM_DEPTH = 8;
/**
 * WebAssembly memory only grows: once a document has taken the heap past this, the module is
 * dropped (the garbage collector frees its memory) and loaded again for the next document.
 * (An object so that a test can lower the bound.)
 */
export const pdfiumHeap = { maxKeptBytes: 256 * 1024 * 1024 };

const LOAD_ERRORS: Readonly<Record<number, string>> = {
  1: 'unknown error',
  2: 'file not found or could not be opened',
  3: 'file not in PDF format or corrupted',
  4: 'password required or incorrect password',
  5: 'unsupported security scheme',
  6: 'page not found or content error',
};

/** The module's memory (the package's types leave Emscripten's heap views out). The view is replaced when memory grows: read it each time. */
interface Heap {
  HEAPU8: Uint8Array;
}

let modulePromise: Promise<WrappedPdfiumModule> | null = null;
let openDocuments = 0;

/** The PDFium module, instantiated once (again after a document grew its heap past the bound). */
export function loadPdfium(): Promise<WrappedPdfiumModule> {
  modulePromise ??= (async () => {
    const { init } = await import('@embedpdf/pdfium');
    const wasmBinary = await readFile(createRequire(import.meta.url).resolve('@embedpdf/pdfium/pdfium.wasm'));
    const m = await init({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer });
    m.PDFiumExt_Init();
    return m;
  })();
  // A failed load is not remembered: the next document tries again.
  modulePromise.catch(() => {
    modulePromise = null;
  });
  return modulePromise;
}

/** The document PDFium could not open, with its reason (the caller falls back to pdfjs). */
export class PdfiumLoadError extends Error {
  constructor(readonly code: number) {
    super(LOAD_ERRORS[code] ?? `error ${code}`);
    this.name = 'PdfiumLoadError';
  }
}

/**
 * Reads the first `maxPages` pages of a PDF. `between` runs before each page (a deadline check
 * that throws, a turn for the timers). Throws PdfiumLoadError when PDFium cannot open the file.
 */
export async function pdfiumPages(
  content: Uint8Array,
  maxPages: number,
  between: () => Promise<void>,
): Promise<{ pageCount: number; pages: PdfiumPage[] }> {
  const m = await loadPdfium();
  const heap = m.pdfium as unknown as Heap;
  const { malloc, free } = m.pdfium.wasmExports;
  const data = malloc(content.length);
  if (!data) throw new Error('out of memory for the document');
  let doc = 0;
  openDocuments++;
  try {
    heap.HEAPU8.set(content, data);
    doc = m.FPDF_LoadMemDocument(data, content.length, '');
    if (!doc) throw new PdfiumLoadError(m.FPDF_GetLastError());
    const pageCount = m.FPDF_GetPageCount(doc);
    const pages: PdfiumPage[] = [];
    for (let i = 0; i < Math.min(pageCount, maxPages); i++) {
      await between();
      pages.push(readPage(m, doc, i));
    }
    return { pageCount, pages };
  } finally {
    if (doc) m.FPDF_CloseDocument(doc);
    free(data);
    openDocuments--;
    if (openDocuments === 0 && heap.HEAPU8.length > pdfiumHeap.maxKeptBytes && modulePromise) modulePromise = null;
  }
}

function readPage(m: WrappedPdfiumModule, doc: number, index: number): PdfiumPage {
  const page = m.FPDF_LoadPage(doc, index);
  // A page PDFium cannot load has nothing it can read.
  if (!page) return { text: '', paintsImage: false, visibleText: false };
  try {
    let text = '';
    const textPage = m.FPDFText_LoadPage(page);
    if (textPage) {
      try {
        const chars = m.FPDFText_CountChars(textPage);
        if (chars > 0) {
          const buf = m.pdfium.wasmExports.malloc((chars + 1) * 2);
          try {
            // The count written includes the terminating NUL.
            const written = m.FPDFText_GetText(textPage, 0, chars, buf);
            if (written > 1) text = m.pdfium.UTF16ToString(buf, (written - 1) * 2);
          } finally {
            m.pdfium.wasmExports.free(buf);
          }
        }
      } finally {
        m.FPDFText_ClosePage(textPage);
      }
    }
    const found = { paintsImage: false, visibleText: false };
    scanObjects(m, m.FPDFPage_CountObjects(page), (k) => m.FPDFPage_GetObject(page, k), found, 0);
    return { text: text.replace(/\r\n?/g, '\n'), ...found };
  } finally {
    m.FPDF_ClosePage(page);
  }
}

function scanObjects(
  m: WrappedPdfiumModule,
  count: number,
  get: (k: number) => number,
  found: { paintsImage: boolean; visibleText: boolean },
  depth: number,
): void {
  for (let k = 0; k < count && !(found.paintsImage && found.visibleText); k++) {
    const obj = get(k);
    if (!obj) continue;
    const type = m.FPDFPageObj_GetType(obj);
    if (type === PAGEOBJ_IMAGE) found.paintsImage = true;
    else if (type === PAGEOBJ_TEXT) {
      // Modes 3 and 7 draw nothing (invisible; clip only): the signature of an OCR layer.
      if ((m.FPDFTextObj_GetTextRenderMode(obj) & 3) !== 3) found.visibleText = true;
    } else if (type === PAGEOBJ_FORM && depth < MAX_FORM_DEPTH) {
      scanObjects(m, m.FPDFFormObj_CountObjects(obj), (j) => m.FPDFFormObj_GetObject(obj, j), found, depth + 1);
    }
  }
}
