// What type an attachment's bytes really are, whatever its name and declared Content-Type say
// (a `.pdf` that is a JPEG is a JPEG), and which AttachmentKind that type is. Also decodes text
// attachments. Pure apart from file-type's header reading; no I/O.

import { fileTypeFromBuffer } from 'file-type';
import type { AttachmentKind } from '../domain/types.js';
import { sniffMessage } from './sniff-message.js';

export interface SniffResult {
  /** MIME type from the content (or, for text and detached signatures, from what the content allows). */
  mime: string;
  kind: AttachmentKind;
}

const OCTET = 'application/octet-stream';

const OFFICE_TYPES = new Set([
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.presentationml.slideshow',
  'application/vnd.openxmlformats-officedocument.presentationml.template',
  'application/vnd.ms-powerpoint.slideshow.macroenabled.12',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/rtf',
]);

const ARCHIVE_TYPES = new Set([
  'application/zip',
  'application/x-rar-compressed',
  'application/x-7z-compressed',
  'application/gzip',
  'application/x-tar',
  'application/x-bzip2',
  'application/x-xz',
  'application/zstd',
  'application/x-lzip',
  'application/x-lzh-compressed',
  'application/x-arj',
  'application/vnd.ms-cab-compressed',
]);

const SIGNATURE_TYPES = new Set([
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
  'application/pkcs7-mime',
  'application/x-pkcs7-mime',
]);

/** Icons and camera-raw/design formats are images but never a page of a document. */
const NOT_PAGE_IMAGES = new Set(['image/x-icon', 'image/icns', 'image/vnd.adobe.photoshop', 'image/x-xcf']);

/** Legacy Office files are all OLE compound files (CFB); only the name or the declared type tells them apart. */
const CFB_BY_EXT: Record<string, string> = {
  doc: 'application/msword',
  dot: 'application/msword',
  xls: 'application/vnd.ms-excel',
  xlt: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  pps: 'application/vnd.ms-powerpoint',
};

const TEXT_BY_EXT: Record<string, string> = {
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  htm: 'text/html',
  html: 'text/html',
  xml: 'application/xml',
  edxml: 'application/xml',
  json: 'application/json',
};

export function kindOfType(mime: string): AttachmentKind {
  if (mime === 'application/pdf') return 'pdf';
  if (mime.startsWith('image/') && !NOT_PAGE_IMAGES.has(mime) && mime !== 'image/svg+xml') return 'image';
  if (OFFICE_TYPES.has(mime)) return 'office';
  if (ARCHIVE_TYPES.has(mime)) return 'archive';
  if (SIGNATURE_TYPES.has(mime)) return 'signature';
  if (isTextType(mime)) return 'text';
  if (mime === 'message/rfc822' || mime === 'application/vnd.ms-tnef') return 'message';
  return 'other';
}

export function isTextType(mime: string): boolean {
  return (
    mime.startsWith('text/') ||
    mime === 'application/xml' ||
    mime.endsWith('+xml') ||
    mime === 'application/json'
  );
}

/** Lower-cased extension of a filename, without the dot; null when there is none. */
export function extensionOf(filename: string | null): string | null {
  if (!filename) return null;
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(filename.trim());
  return m?.[1] ? m[1].toLowerCase() : null;
}

/** `Text/HTML; charset=utf-8` -> `text/html`. */
export function bareType(declared: string | null): string | null {
  if (!declared) return null;
  const t = declared.split(';')[0]?.trim().toLowerCase();
  return t ? t : null;
}

// DER of the OID 1.2.840.113549.1.7.2 (PKCS #7 signedData), which opens every .p7s / .p7m.
const SIGNED_DATA_OID = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);

function looksLikePkcs7(content: Buffer): boolean {
  if (content.length > 16 && content[0] === 0x30) {
    return content.subarray(0, 64).includes(SIGNED_DATA_OID);
  }
  const head = content.subarray(0, 64).toString('latin1');
  return head.startsWith('-----BEGIN PKCS7-----') || head.startsWith('-----BEGIN CMS-----');
}

/**
 * Whether the bytes read as text: no NUL (unless UTF-16 with a BOM) and almost no C0 control
 * characters in the first 8 KB. Legacy 8-bit Vietnamese encodings (TCVN3, VNI) pass, as they should.
 */
export function looksLikeText(content: Buffer): boolean {
  if (content.length === 0) return true;
  if (hasUtf16Bom(content)) return true;
  const sample = content.subarray(0, 8192);
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  return control <= sample.length / 100;
}

function hasUtf16Bom(content: Buffer): boolean {
  return content.length >= 2 && ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff));
}

/**
 * Text attachment bytes as a string: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252,
 * which keeps TCVN3/VNI bytes as the mojibake the reference finder recognises.
 */
export function decodeText(content: Buffer): string {
  if (content.length >= 3 && content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf) {
    return new TextDecoder('utf-8').decode(content.subarray(3));
  }
  if (content.length >= 2 && content[0] === 0xff && content[1] === 0xfe) {
    return new TextDecoder('utf-16le').decode(content.subarray(2));
  }
  if (content.length >= 2 && content[0] === 0xfe && content[1] === 0xff) {
    // TextDecoder has no UTF-16BE in every Node build: swap to LE first.
    const le = Buffer.from(content.subarray(2));
    le.swap16();
    return new TextDecoder('utf-16le').decode(le.subarray(0, le.length - (le.length % 2)));
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return new TextDecoder('windows-1252').decode(content);
  }
}

function textSubtype(content: Buffer, declared: string | null, ext: string | null): string {
  if (declared && isTextType(declared)) return declared;
  if (ext && TEXT_BY_EXT[ext]) return TEXT_BY_EXT[ext];
  const head = decodeText(content.subarray(0, 512)).trimStart().slice(0, 100).toLowerCase();
  if (head.startsWith('<?xml')) return 'application/xml';
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'text/html';
  return 'text/plain';
}

/** The type of the content, from its bytes first; the name and declared type only refine. */
export async function sniffType(
  content: Buffer,
  meta: { filename: string | null; declaredType: string | null },
): Promise<SniffResult> {
  const declared = bareType(meta.declaredType);
  const ext = extensionOf(meta.filename);
  const ft = content.length > 0 ? await fileTypeFromBuffer(content) : undefined;
  if (ft) {
    let mime = ft.mime;
    if (mime === 'application/x-cfb') {
      const byDeclared = declared && Object.values(CFB_BY_EXT).includes(declared) ? declared : null;
      mime = byDeclared ?? (ext ? CFB_BY_EXT[ext] : undefined) ?? mime;
    }
    return { mime, kind: kindOfType(mime) };
  }
  if (looksLikePkcs7(content)) return { mime: 'application/pkcs7-signature', kind: 'signature' };
  const message = sniffMessage(content, declared, ext);
  if (message) return { mime: message, kind: 'message' };
  if (looksLikeText(content)) {
    const mime = textSubtype(content, declared, ext);
    return { mime, kind: 'text' };
  }
  return { mime: OCTET, kind: 'other' };
}
