// How edocwatch opens a PDF with pdfjs-dist: the same hardened options for text reading
// (attachment.ts) and for decoding page images for OCR (ocr.ts). No I/O.
export type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

/** A loading task for untrusted bytes: no eval, no fonts or streams fetched, errors tolerated. */
export function openPdf(pdfjs: PdfJs, content: Buffer): ReturnType<PdfJs['getDocument']> {
  return pdfjs.getDocument({
    // pdfjs transfers (detaches) the array it is given: hand it a copy, never the caller's Buffer.
    data: new Uint8Array(content),
    verbosity: 0,
    disableFontFace: true,
    useSystemFonts: false,
    isEvalSupported: false,
    disableAutoFetch: true,
    disableStream: true,
    stopAtErrors: false,
  });
}
