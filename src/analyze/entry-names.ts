// File names inside archives, as Unicode. A ZIP entry's name is UTF-8 when the writer says so
// (general purpose bit 11, or an Info-ZIP Unicode Path extra field); otherwise the spec says
// CP437, but what Vietnamese agencies really send is written by Windows in its default code page
// (CP1258 on a Vietnamese Windows: `Công văn số` with combining tone marks), or by tools that
// write UTF-8 without setting the flag. Pure functions, no I/O.

import iconv from 'iconv-lite';

/** Letters of the Vietnamese alphabet that are not ASCII, precomposed (NFC), lower and upper case. */
const VIETNAMESE_LETTERS = new Set(
  [
    ...'àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ',
    ...'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ',
  ],
);

/**
 * How much a decoded name reads like a file name a person typed: Vietnamese (or plain Latin
 * accented) letters score, the box-drawing, Greek and math symbols that wrong code pages produce
 * cost, and so do C1 controls and replacement characters.
 */
export function plausibility(name: string): number {
  let score = 0;
  for (const ch of name.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) continue;
    if (VIETNAMESE_LETTERS.has(ch)) score += 2;
    else if (cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7) score += 1; // Latin letters with diacritics
    else if (cp === 0xfffd || (cp >= 0x80 && cp < 0xa0)) score -= 3;
    else if (cp >= 0x300 && cp <= 0x36f) score -= 1; // a combining mark left over after NFC
    else score -= 2; // symbols, box drawing, Greek, math: what CP437 makes of other code pages
  }
  return score;
}

function isAscii(raw: Uint8Array): boolean {
  for (const b of raw) if (b >= 0x80) return false;
  return true;
}

/** UTF-8 decoding that fails (null) rather than inventing replacement characters. */
export function strictUtf8(raw: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return null;
  }
}

/**
 * A legacy 8-bit name as Unicode: valid UTF-8 (tools that do not set the flag), else whichever of
 * CP437 (the ZIP spec's default, DOS and English Windows) and CP1258 (Vietnamese Windows' default
 * code page) reads most like a name; CP437 on a tie, as the spec says.
 */
export function decodeLegacyName(raw: Uint8Array): string {
  if (isAscii(raw)) return Buffer.from(raw).toString('latin1');
  const utf8 = strictUtf8(raw);
  if (utf8 !== null) return utf8.normalize('NFC');
  const cp437 = iconv.decode(Buffer.from(raw), 'cp437').normalize('NFC');
  const cp1258 = iconv.decode(Buffer.from(raw), 'cp1258').normalize('NFC');
  return plausibility(cp1258) > plausibility(cp437) ? cp1258 : cp437;
}

/** ZIP extra field 0x7075: version 1, CRC-32 of the header's name bytes, then the name in UTF-8. */
export const UNICODE_PATH_EXTRA = 0x7075;

/**
 * The name of a ZIP entry from its raw bytes, flags and extra fields. The Unicode Path field is
 * used only when its CRC matches the raw name (otherwise another tool renamed the entry since).
 */
export function zipEntryName(raw: Buffer, generalPurposeBitFlag: number, extraFields: Array<{ id: number; data: Buffer }>, crc32: (b: Buffer) => number): string {
  const unicode = extraFields.find((f) => f.id === UNICODE_PATH_EXTRA);
  if (unicode && unicode.data.length >= 5 && unicode.data[0] === 1 && unicode.data.readUInt32LE(1) === crc32(raw) >>> 0) {
    const name = strictUtf8(unicode.data.subarray(5));
    if (name !== null) return cleanPath(name);
  }
  if ((generalPurposeBitFlag & 0x800) !== 0) {
    return cleanPath(strictUtf8(raw) ?? new TextDecoder('utf-8').decode(raw));
  }
  return cleanPath(decodeLegacyName(raw));
}

/**
 * A path inside an archive as shown and searched: `/` separators (Windows tools write `\`), no
 * leading `/` or `./`, NFC. Nothing is ever written to disk, so `..` is harmless and kept as is.
 */
export function cleanPath(name: string): string {
  return name
    .replace(/\\/g, '/')
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\0.*$/s, '')
    .normalize('NFC');
}

/** The last segment of a path: `ho-so/cong-van.pdf` -> `cong-van.pdf`. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}
