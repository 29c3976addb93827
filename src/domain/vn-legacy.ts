// Vietnamese text in the legacy encodings agencies still send — TCVN3 (ABC, fonts `.VnTime`,
// `.VnArial`; `.VnTimeH` for capitals), VNI (fonts `VNI-Times`, …) and windows-1258 — recognised
// and converted to Unicode NFC. Pure: no I/O.
//
// Such text reaches us as a JavaScript string already decoded with the wrong 8-bit table (Latin-1
// or windows-1252: a mail declared iso-8859-1, a text file that is not UTF-8, a Word document
// whose font was `.VnTime`), so it reads as mojibake: TCVN3 "C«ng v¨n sè" is "Công văn số", VNI
// "Coâng vaên soá" is the same, windows-1258 "Viêòt Nam" is "Việt Nam". The decoders take such a
// string back to its bytes (Latin-1, windows-1252 for 0x80–0x9F, the symbol-font private-use
// area U+F0xx) and read them with the right table.
//
// Detection scores each candidate decoding on the words it changes: a word that becomes a valid
// Vietnamese syllable (a grammar of onsets, rimes and tones), better a frequent one, votes for the
// encoding; a word that was valid as given and is broken by the decoding votes against it. Text
// with Unicode Vietnamese letters, English, French, German or other Latin-1 text gets no positive
// score and is left alone.

import iconv from 'iconv-lite';
import { LEGACY_ENCODINGS, type LegacyEncoding } from './types.js';

export { LEGACY_ENCODINGS, type LegacyEncoding };

// ---------------------------------------------------------------------------------------------
// The Vietnamese letters

/** The twelve vowels, then the tones in the order of every table below. */
const VOWELS = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'] as const;
/** No tone, huyền (grave), sắc (acute), hỏi (hook above), ngã (tilde), nặng (dot below). */
const TONE_MARKS = ['', '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'] as const;

/** The five tone marks, combining. */
const TONE_RE = /[\u0300\u0301\u0303\u0309\u0323]/g;

/** `vowelForms('ô')` → ['ô', 'ồ', 'ố', 'ổ', 'ỗ', 'ộ'] (NFC). */
function vowelForms(v: string): string[] {
  return TONE_MARKS.map((t) => (v + t).normalize('NFC'));
}

/**
 * The 134 Vietnamese letters outside ASCII, lower then upper case: the 12 vowels with each tone
 * (less the 6 toneless ASCII vowels a e i o u y), and đ / Đ.
 */
export const VIETNAMESE_LETTERS: readonly string[] = (() => {
  const lower = VOWELS.flatMap((v) => vowelForms(v)).filter((c) => !/^[a-z]$/.test(c));
  lower.push('đ');
  return [...lower, ...lower.map((c) => c.toUpperCase())];
})();

// ---------------------------------------------------------------------------------------------
// TCVN3 (TCVN 5712:1993, VN3)

// Byte codes per vowel in the order of TONE_MARKS; 0 means the ASCII letter itself.
const TCVN3_CODES: Readonly<Record<(typeof VOWELS)[number], readonly number[]>> = {
  a: [0, 0xb5, 0xb8, 0xb6, 0xb7, 0xb9],
  ă: [0xa8, 0xbb, 0xbe, 0xbc, 0xbd, 0xc6],
  â: [0xa9, 0xc7, 0xca, 0xc8, 0xc9, 0xcb],
  e: [0, 0xcc, 0xd0, 0xce, 0xcf, 0xd1],
  ê: [0xaa, 0xd2, 0xd5, 0xd3, 0xd4, 0xd6],
  i: [0, 0xd7, 0xdd, 0xd8, 0xdc, 0xde],
  o: [0, 0xdf, 0xe3, 0xe1, 0xe2, 0xe4],
  ô: [0xab, 0xe5, 0xe8, 0xe6, 0xe7, 0xe9],
  ơ: [0xac, 0xea, 0xed, 0xeb, 0xec, 0xee],
  u: [0, 0xef, 0xf3, 0xf1, 0xf2, 0xf4],
  ư: [0xad, 0xf5, 0xf8, 0xf6, 0xf7, 0xf9],
  y: [0, 0xfa, 0xfd, 0xfb, 0xfc, 0xfe],
};
/** VN3 has capitals of its own only for these; other capitals share the small letter's code. */
const TCVN3_CAPITALS: Readonly<Record<string, number>> = { Ă: 0xa1, Â: 0xa2, Ê: 0xa3, Ô: 0xa4, Ơ: 0xa5, Ư: 0xa6, Đ: 0xa7 };

/**
 * Capitals that VN1, the full TCVN 5712 table, puts in the positions VN3 leaves free. Decoding
 * only: they never clash with VN3. VN1's capitals in 0x80–0x9F (where windows-1252 has its quotes
 * and dashes) and its combining marks at 0xB0–0xB4 (°, ±, ² …) are left alone on purpose.
 */
const TCVN1_EXTRA: Readonly<Record<number, string>> = {
  0xaf: 'Ằ', 0xba: 'Ẳ', 0xbf: 'Ẵ', 0xc0: 'Ắ', 0xc1: 'Ầ', 0xc2: 'Ẩ', 0xc3: 'Ẫ', 0xc4: 'Ấ', 0xc5: 'Ề',
  0xcd: 'Ể', 0xd9: 'Ễ', 0xda: 'Ế', 0xdb: 'Ồ', 0xe0: 'Ổ', 0xf0: 'Ỗ', 0xff: 'Ố',
};

/** Unicode letter → TCVN3 byte (small letters, đ and the seven capitals). */
const TCVN3_ENCODE = new Map<string, number>();
/** TCVN3 byte → Unicode letter. */
const TCVN3_DECODE = new Map<number, string>();
for (const v of VOWELS) {
  const forms = vowelForms(v);
  TCVN3_CODES[v].forEach((code, tone) => {
    const letter = forms[tone] as string;
    if (code === 0) return;
    TCVN3_ENCODE.set(letter, code);
    TCVN3_DECODE.set(code, letter);
  });
}
TCVN3_ENCODE.set('đ', 0xae);
TCVN3_DECODE.set(0xae, 'đ');
for (const [letter, code] of Object.entries(TCVN3_CAPITALS)) {
  TCVN3_ENCODE.set(letter, code);
  TCVN3_DECODE.set(code, letter);
}
for (const [code, letter] of Object.entries(TCVN1_EXTRA)) TCVN3_DECODE.set(Number(code), letter);

// ---------------------------------------------------------------------------------------------
// VNI (VNI-Windows): a base letter followed by a mark letter, a few letters of their own

/** Small-letter VNI spellings per vowel, in the order of TONE_MARKS. */
const VNI_FORMS: Readonly<Record<(typeof VOWELS)[number], readonly string[]>> = {
  a: ['a', 'aø', 'aù', 'aû', 'aõ', 'aï'],
  ă: ['aê', 'aè', 'aé', 'aú', 'aü', 'aë'],
  â: ['aâ', 'aà', 'aá', 'aå', 'aã', 'aä'],
  e: ['e', 'eø', 'eù', 'eû', 'eõ', 'eï'],
  ê: ['eâ', 'eà', 'eá', 'eå', 'eã', 'eä'],
  i: ['i', 'ì', 'í', 'æ', 'ó', 'ò'],
  o: ['o', 'oø', 'où', 'oû', 'oõ', 'oï'],
  ô: ['oâ', 'oà', 'oá', 'oå', 'oã', 'oä'],
  ơ: ['ô', 'ôø', 'ôù', 'ôû', 'ôõ', 'ôï'],
  u: ['u', 'uø', 'uù', 'uû', 'uõ', 'uï'],
  ư: ['ö', 'öø', 'öù', 'öû', 'öõ', 'öï'],
  y: ['y', 'yø', 'yù', 'yû', 'yõ', 'î'],
};

/** Unicode letter → VNI spelling (small and capital: VNI capitals are the small spelling upper-cased). */
const VNI_ENCODE = new Map<string, string>();
/** VNI spelling (one or two characters, any case mix) → Unicode letter. */
const VNI_DECODE = new Map<string, string>();
for (const v of VOWELS) {
  const forms = vowelForms(v);
  VNI_FORMS[v].forEach((vni, tone) => {
    const letter = forms[tone] as string;
    if (letter.charCodeAt(0) < 0x80) return;
    VNI_ENCODE.set(letter, vni);
    VNI_ENCODE.set(letter.toUpperCase(), vni.toUpperCase());
    // The base letter's case decides: "Aù" and "AÙ" are both "Á" (typists mix them).
    const base = vni.charAt(0);
    const mark = vni.slice(1);
    for (const b of [base, base.toUpperCase()]) {
      for (const m of mark ? [mark, mark.toUpperCase()] : ['']) {
        VNI_DECODE.set(b + m, b === base ? letter : letter.toUpperCase());
      }
    }
  });
}
VNI_ENCODE.set('đ', 'ñ');
VNI_ENCODE.set('Đ', 'Ñ');
VNI_DECODE.set('ñ', 'đ');
VNI_DECODE.set('Ñ', 'Đ');
// Lenient spellings seen in the wild: ỵ written with the ordinary dot-below mark.
VNI_DECODE.set('yï', 'ỵ');
VNI_DECODE.set('YÏ', 'Ỵ');
VNI_DECODE.set('Yï', 'Ỵ');

// ---------------------------------------------------------------------------------------------
// From a mis-decoded string back to its bytes

/** windows-1252's characters in 0x80–0x9F. */
const CP1252_HIGH: Readonly<Record<number, number>> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};

/**
 * The byte a character stood for when 8-bit text was read as Latin-1 or windows-1252 (or as a
 * symbol font's private-use code U+F0xx); null for characters no 8-bit table gives.
 */
function byteOf(code: number): number | null {
  if (code <= 0xff) return code;
  if (code >= 0xf000 && code <= 0xf0ff) return code - 0xf000;
  return CP1252_HIGH[code] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Decoders and encoders

export interface DecodeOptions {
  /**
   * The text was set in an upper-case-only font (`.VnTimeH`, `.VnArialH`): every letter shows as a
   * capital whatever its code, so the decoded text is upper-cased.
   */
  upper?: boolean;
}

/** TCVN3 text (as mis-decoded 8-bit characters) → Unicode NFC. Characters outside the table pass. */
export function decodeTcvn3(text: string, opts: DecodeOptions = {}): string {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xa0 || (code > 0xff && (code < 0xf0a0 || code > 0xf0ff))) continue;
    const b = code & 0xff;
    const letter = TCVN3_DECODE.get(b) ?? (code >= 0xf000 ? String.fromCharCode(b) : undefined);
    if (letter === undefined) continue;
    parts.push(text.slice(from, i), letter);
    from = i + 1;
  }
  parts.push(text.slice(from));
  const out = parts.join('').normalize('NFC');
  return opts.upper ? out.toLocaleUpperCase('vi') : out;
}

/**
 * Unicode → TCVN3 (one character per byte, as Latin-1 reads them). Capitals without a VN3 code
 * take the small letter's code, as typists did: pass `upper` to write for a `.VnTimeH` font, where
 * every letter is written small and shows as a capital. Characters with no TCVN3 code become `?`.
 */
export function encodeTcvn3(text: string, opts: DecodeOptions = {}): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const c = opts.upper ? ch.toLocaleLowerCase('vi') : ch;
    if (c.charCodeAt(0) < 0x80) {
      out += c;
      continue;
    }
    const code = TCVN3_ENCODE.get(c) ?? TCVN3_ENCODE.get(c.toLocaleLowerCase('vi'));
    out += code === undefined ? '?' : String.fromCharCode(code);
  }
  return out;
}

/** VNI text (as mis-decoded 8-bit characters) → Unicode NFC. */
export function decodeVni(text: string, opts: DecodeOptions = {}): string {
  // Back to the characters of the bytes first (private-use symbol codes, windows-1252 specials).
  let bytes = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code >= 0xf000 && code <= 0xf0ff ? String.fromCharCode(code - 0xf000) : ch;
  }
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const two = VNI_DECODE.get(bytes.slice(i, i + 2));
    if (two !== undefined && i + 1 < bytes.length && bytes.charCodeAt(i + 1) >= 0xa0) {
      out += two;
      i++;
      continue;
    }
    const c = bytes.charAt(i);
    const one = c.charCodeAt(0) >= 0xa0 ? VNI_DECODE.get(c) : undefined;
    out += one ?? c;
  }
  out = out.normalize('NFC');
  return opts.upper ? out.toLocaleUpperCase('vi') : out;
}

/** Unicode → VNI (as Latin-1 reads its bytes). Characters with no VNI spelling become `?`. */
export function encodeVni(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else out += VNI_ENCODE.get(ch) ?? '?';
  }
  return out;
}

/** windows-1258 bytes → Unicode NFC (iconv-lite reads the code page; its tone marks are combining). */
export function decodeWindows1258(bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'windows-1258').normalize('NFC');
}

/** Unicode → windows-1258 bytes: letters it lacks are written as base letter + combining tone. */
export function encodeWindows1258(text: string): Buffer {
  // windows-1258 has à, á, â, ê, ơ … precomposed but not ạ, ả, ấ, ệ …: for those, the letter
  // without its tone (â, ê, ơ … are in the code page) followed by the combining tone mark.
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (ch === '?' || iconv.encode(ch, 'windows-1258')[0] !== 0x3f) {
      out += ch;
      continue;
    }
    const nfd = ch.normalize('NFD');
    const tone = nfd.match(TONE_RE)?.[0] ?? '';
    out += nfd.replace(TONE_RE, '').normalize('NFC') + tone;
  }
  return iconv.encode(out, 'windows-1258');
}

/** A string that is windows-1258 bytes read as windows-1252 (or Latin-1) → Unicode NFC. */
export function decodeWindows1258Misread(text: string): string {
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    if (bytes.length) out += decodeWindows1258(Uint8Array.from(bytes));
    bytes.length = 0;
  };
  for (const ch of text) {
    const b = byteOf(ch.codePointAt(0) ?? 0);
    if (b === null || (ch.codePointAt(0) ?? 0) >= 0xf000) {
      flush();
      out += ch;
    } else bytes.push(b);
  }
  flush();
  return out.normalize('NFC');
}

/** The encoding a font name implies: `.VnTime` → TCVN3, `.VnTimeH` → TCVN3 in capitals, `VNI-Times` → VNI. */
export function fontEncoding(font: string | null | undefined): { encoding: 'tcvn3' | 'vni'; upper: boolean } | null {
  if (!font) return null;
  const name = font.trim().replace(/^['"]|['"]$/g, '');
  if (/^vni[-_ ]/i.test(name)) return { encoding: 'vni', upper: false };
  // ABC fonts: `.VnTime`, `.VnArial`, `.VnTimeH`, `.VnArial NarrowH`: the `H` ones are capitals only.
  if (/^\.vn/i.test(name)) return { encoding: 'tcvn3', upper: /H$/.test(name) };
  return null;
}

/**
 * Decodes text set in a given font; text in any other font is returned unchanged (NFC). Text that
 * already holds Unicode Vietnamese letters was converted without its font being changed: kept.
 */
export function decodeByFont(text: string, font: string | null | undefined): string {
  const f = fontEncoding(font);
  if (f === null || UNICODE_VN_RE.test(text)) return text.normalize('NFC');
  return f.encoding === 'tcvn3' ? decodeTcvn3(text, { upper: f.upper }) : decodeVni(text, { upper: f.upper });
}

// ---------------------------------------------------------------------------------------------
// Vietnamese syllables

const ONSETS = ['ngh', 'ng', 'gh', 'gi', 'kh', 'nh', 'ph', 'th', 'tr', 'ch', 'qu', 'b', 'c', 'd', 'đ', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'x', ''];
/** Rimes without a final consonant. */
const OPEN_RIMES = new Set(
  'a e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iu oa oe oi ôi ơi ua ui uy ưa ưi ưu iêu yêu oai oao oay oeo uây uôi ươi ươu uya uyu uơ'.split(' '),
);
/** Vowel nuclei that take a final consonant. */
const CLOSED_NUCLEI = new Set('a ă â e ê i o ô ơ u ư iê yê oa oă oe uâ uê uô ươ uy uyê oo'.split(' '));
const CODAS = ['ng', 'nh', 'ch', 'c', 'm', 'n', 'p', 't'];

/**
 * Whether a word is one well-formed Vietnamese syllable: an onset, a rime from the language's
 * inventory, at most one tone, and a stop ending (p, t, c, ch) only with the sắc or nặng tone.
 */
export function isVietnameseSyllable(word: string): boolean {
  const nfd = word.toLocaleLowerCase('vi').normalize('NFD');
  const tones = nfd.match(TONE_RE) ?? [];
  if (tones.length > 1) return false;
  const tone = tones[0] ?? '';
  const bare = nfd.replace(TONE_RE, '').normalize('NFC');
  if (!/^[a-zđăâêôơư]+$/.test(bare) || /[fjwz]/.test(bare)) return false;
  for (const onset of ONSETS) {
    if (!bare.startsWith(onset)) continue;
    let rime = bare.slice(onset.length);
    // "gì", "gìn": the i of gi is the vowel when nothing else is.
    if (onset === 'gi' && (rime === '' || /^[nmcptg]/.test(rime))) rime = 'i' + rime;
    if (rime === '') continue;
    if (onset === 'qu' && /^[uư]/.test(rime)) continue;
    if (isRime(rime, tone) && onsetFits(onset, rime)) return true;
  }
  return false;
}

function isRime(rime: string, tone: string): boolean {
  if (OPEN_RIMES.has(rime)) return true;
  for (const coda of CODAS) {
    if (!rime.endsWith(coda)) continue;
    const nucleus = rime.slice(0, rime.length - coda.length);
    if (!CLOSED_NUCLEI.has(nucleus)) continue;
    if ((coda === 'ch' || coda === 'nh') && !['a', 'ê', 'i', 'oa', 'uê', 'uy'].includes(nucleus)) continue;
    if ((coda === 'c' || coda === 'ng') && ['ê', 'i', 'uy', 'uê'].includes(nucleus)) continue;
    if (nucleus === 'uyê' && coda !== 'n' && coda !== 't') continue;
    if (/^(p|t|c|ch)$/.test(coda) && tone !== '' && tone !== '\u0301' && tone !== '\u0323') return false;
    return true;
  }
  return false;
}

function onsetFits(onset: string, rime: string): boolean {
  const front = /^(i|e|ê|y)/.test(rime);
  if (onset === 'k' || onset === 'gh' || onset === 'ngh') return front;
  if (onset === 'c' || onset === 'ng' || onset === 'g') return !front;
  return true;
}

// Frequent syllables of administrative Vietnamese: a decoding that yields them is very likely right.
const COMMON_SYLLABLES = new Set(
  (
    'của và các có được cho với không những này là trong một người đã theo về việc văn bản công số ' +
    'quyết định nhân dân ủy uỷ ban tỉnh huyện xã phường thành phố sở báo cáo kế hoạch thông tư nghị ' +
    'chỉ thị ngày tháng năm đề thực hiện kính gửi cơ quan đơn vị tổ chức cộng hòa hoà hội chủ nghĩa ' +
    'việt độc lập tự do hạnh phúc giám đốc chủ tịch phó trưởng phòng nội vụ tài chính giáo dục đào tạo ' +
    'khoa học công nghệ y tế lao động thương binh xã hội nông nghiệp phát triển tài nguyên môi trường ' +
    'giao vận tải xây dựng văn hóa hoá thể thao du lịch tư pháp thanh tra điện tử thư nhận gửi đến ' +
    'đã để đó khi nếu thì sẽ phải cần tại trên dưới sau trước như vậy bảo đảm quy hướng dẫn tình hình ' +
    'kết quả nội dung yêu cầu đề nghị xem xét giải quyết trình duyệt ký ban hành căn cứ luật điều khoản ' +
    'mục phần chương lệnh hợp đồng giấy mời tờ biên kèm theo lưu nơi tiếp sử dụng quản lý hành chính ' +
    'cấp trung ương địa phương lãnh đạo chương trình dự án đề án kinh phí ngân sách nhà nước toàn ' +
    'các ông bà anh chị em trân trọng cảm ơn vì sự kiện họp mới thời gian đầu tư hỗ trợ bổ sung ' +
    'điều chỉnh sửa đổi thay thế hiệu lực kể từ'
  ).split(/\s+/),
);

function syllableValue(word: string): number {
  if (!isVietnameseSyllable(word)) return 0;
  return COMMON_SYLLABLES.has(word.toLocaleLowerCase('vi')) ? 2 : 1;
}

// ---------------------------------------------------------------------------------------------
// Detection

/** Letters only Unicode Vietnamese has (never the product of reading 8-bit text as Latin-1). */
const UNICODE_VN_RE = /[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]/u;
/** Words as 8-bit mojibake has them: letters, marks and the Latin-1 symbols legacy codes turn into. */
const WORD_RE = /[\p{L}\p{M}\u00a1-\u00ff\uf0a1-\uf0ff]+/gu;
const LEGACY_CHAR_RE = /[\u00a1-\u00ff\uf0a1-\uf0ff]/u;
/** Detection reads at most this much of a text: enough to decide, bounded in time. */
const SAMPLE_CHARS = 40_000;

const DECODERS: Readonly<Record<LegacyEncoding, (s: string) => string>> = {
  tcvn3: (s) => decodeTcvn3(s),
  vni: (s) => decodeVni(s),
  'windows-1258': decodeWindows1258Misread,
};

export interface EncodingScore {
  encoding: LegacyEncoding;
  /** 0..1: how sure the text is in this encoding. */
  confidence: number;
  /** Words the decoding changes (of more than one character). */
  changed: number;
  /** Sum of the votes: syllable value after decoding minus before. */
  net: number;
}

export interface LegacyDetection {
  /** The encoding the text is in; null when it is not legacy-encoded Vietnamese (or not sure enough). */
  encoding: LegacyEncoding | null;
  confidence: number;
  /** Every candidate's score, best first (for evidence and tests). */
  scores: EncodingScore[];
}

/** Confidence needed to convert. */
export const MIN_CONFIDENCE = 0.5;

interface Tally {
  changed: number;
  net: number;
  positive: number;
}

function tally(text: string, decode: (s: string) => string): Tally & { unicode: number } {
  const t = { changed: 0, net: 0, positive: 0, unicode: 0 };
  for (const m of text.matchAll(WORD_RE)) {
    const word = m[0];
    if (UNICODE_VN_RE.test(word)) {
      t.unicode++;
      continue;
    }
    if (!LEGACY_CHAR_RE.test(word)) continue;
    const decoded = decode(word);
    if (decoded === word || [...word].length < 2) continue;
    t.changed++;
    const vote = syllableValue(decoded) - syllableValue(word);
    t.net += vote;
    if (vote > 0) t.positive += vote;
  }
  return t;
}

function confidenceOf(t: Tally): number {
  if (t.changed === 0 || t.net <= 0) return 0;
  const ratio = t.net / (2 * t.changed);
  const support = Math.min(1, t.net / 4);
  return Math.max(0, Math.min(1, ratio * support));
}

/** Which legacy encoding, if any, a string of Vietnamese text is in. */
export function detectLegacyEncoding(text: string): LegacyDetection {
  let sample = text.slice(0, SAMPLE_CHARS).normalize('NFC');
  if (!LEGACY_CHAR_RE.test(sample)) return { encoding: null, confidence: 0, scores: [] };
  // Lines typed in Unicode Vietnamese (a quoted reply, a signature) say nothing about the others:
  // judge the rest. When there is no rest, the text is Unicode Vietnamese: nothing to convert.
  const rest = sample.split('\n').filter((l) => !UNICODE_VN_RE.test(l)).join('\n');
  if (!LEGACY_CHAR_RE.test(rest)) return { encoding: null, confidence: 0, scores: [] };
  sample = rest;
  const scores: EncodingScore[] = LEGACY_ENCODINGS.map((encoding) => {
    const t = tally(sample, DECODERS[encoding]);
    return { encoding, confidence: confidenceOf(t), changed: t.changed, net: t.net };
  }).sort((a, b) => b.confidence - a.confidence || b.net - a.net);
  const best = scores[0];
  if (!best || best.confidence < MIN_CONFIDENCE) return { encoding: null, confidence: best?.confidence ?? 0, scores };
  return { encoding: best.encoding, confidence: best.confidence, scores };
}

export interface RepairResult {
  text: string;
  encoding: LegacyEncoding | null;
  confidence: number;
}

/**
 * A string as Unicode NFC: legacy-encoded Vietnamese converted, anything else returned as given
 * (NFC). In a text found to be legacy-encoded, a line that holds Unicode Vietnamese and that the
 * decoding does not improve is kept: a quoted reply or a signature typed in Unicode stays intact.
 */
export function repairVietnamese(text: string): RepairResult {
  const nfc = text.normalize('NFC');
  const found = detectLegacyEncoding(nfc);
  if (found.encoding === null) return { text: nfc, encoding: null, confidence: found.confidence };
  const decode = DECODERS[found.encoding];
  const out = nfc
    .split(/(\r?\n)/)
    .map((line) => {
      if (!LEGACY_CHAR_RE.test(line)) return line;
      if (UNICODE_VN_RE.test(line)) {
        const t = tally(line, decode);
        if (t.net <= 0 || t.positive <= t.unicode) return line;
      }
      return decode(line);
    })
    .join('');
  return { text: out, encoding: found.encoding, confidence: found.confidence };
}

/** Bilingual evidence detail for a conversion. */
export function encodingDetail(encoding: LegacyEncoding, where: string, confidence: number | null): string {
  const name = encoding === 'tcvn3' ? 'TCVN3 (ABC)' : encoding === 'vni' ? 'VNI' : 'windows-1258';
  const conf = confidence === null ? '' : ` (${Math.round(confidence * 100)}%)`;
  return `${where}: văn bản mã ${name} đã chuyển sang Unicode / ${name} text converted to Unicode${conf}`;
}
