// Finds document references (số/ký hiệu: `2888/UBND-VX`, `43/2011/NĐ-CP`, `59-CV/TU`) in the text
// of a message or attachment, with their kind and issue date, and tells the documents a message
// transmits from those it only cites. The JSON contract of `edocwatch refs` (DESIGN.md). Pure: no
// I/O, no clock.
//
// Text from mail and OCR is dirty, so matching runs on a working copy of the input (NFC, Cyrillic
// and Greek look-alikes mapped to Latin) with an index map back to the input, and keyword tests run
// on a "folded" copy (no diacritics, lower case, same length) so that "Cong vãn sế" reads as
// "cong van se". Text in a legacy encoding read as Latin-1 (TCVN3 "C«ng v¨n sè", VNI "Coâng vaên
// soá") is decoded in the working copy, word by word, so its kind words and dates read too. Spans
// always point into the input as given.

import type { DocRef } from './types.js';
import { KIND_NAMES, canonicalCode, isMixedCaseCode, isTypeCode, kindForCode } from './doc-kinds.js';
import { decodeTcvn3, decodeVni, detectLegacyEncoding } from './vn-legacy.js';

// ---------------------------------------------------------------------------------------------
// Working copy of the input

interface Prepared {
  text: string;
  /** NFC, look-alikes mapped; same shape as `text` apart from NFC composition. */
  work: string;
  /** work index → text index (length work.length + 1); null when the two are aligned. */
  map: number[] | null;
  /** URL ranges in `work`: nothing inside a URL is a reference. */
  urls: Array<[number, number]>;
}

// Cyrillic and Greek capitals (and the few small letters) that OCR and copy-paste put in place of
// Latin ones; a symbol like `UBND-VХ` with a Cyrillic Х must still read `UBND-VX`.
const LOOKALIKES: Readonly<Record<string, string>> = {
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X',
  Ѕ: 'S', І: 'I', Ј: 'J', а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T',
  Υ: 'Y', Χ: 'X', ο: 'o',
};
const LOOKALIKE_RE = /[\u0370-\u03ff\u0400-\u04ff]/gu;

function mapLookalikes(s: string): string {
  return s.replace(LOOKALIKE_RE, (c) => LOOKALIKES[c] ?? c);
}

function isCombining(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) ||
    (code >= 0x1ab0 && code <= 0x1aff) ||
    (code >= 0x1dc0 && code <= 0x1dff) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    (code >= 0xfe20 && code <= 0xfe2f)
  );
}

const URL_RE = /(?:\b(?:https?|ftp):\/\/|\bwww\.)[^\s<>"'()]+/giu;

function prepare(text: string): Prepared {
  let work: string;
  let map: number[] | null = null;
  if (text.normalize('NFC') === text) {
    work = mapLookalikes(text);
  } else {
    // Compose each base character with the marks that follow it, remembering where it began, so
    // a decomposed "ệ" (three code units) becomes one unit that maps back to the first of them.
    const parts: string[] = [];
    map = [];
    let i = 0;
    while (i < text.length) {
      const hi = text.charCodeAt(i);
      let j = i + (hi >= 0xd800 && hi <= 0xdbff && i + 1 < text.length ? 2 : 1);
      while (j < text.length && isCombining(text.charCodeAt(j))) j++;
      // Plain Latin code units are their own NFC; only the rest pays for normalize().
      const chunk = j - i === 1 && hi < 0x0300 ? text.charAt(i) : text.slice(i, j).normalize('NFC');
      for (let k = 0; k < chunk.length; k++) map.push(i);
      parts.push(chunk);
      i = j;
    }
    map.push(text.length);
    work = mapLookalikes(parts.join(''));
  }
  const legacy = decodeLegacy(work);
  if (legacy !== null) {
    const before = map;
    map = legacy.map.map((i) => (before === null ? i : (before[i] ?? text.length)));
    work = legacy.work;
  }
  const urls: Array<[number, number]> = [];
  for (const m of work.matchAll(URL_RE)) urls.push([m.index, m.index + m[0].length]);
  return { text, work, map, urls };
}

// Characters that TCVN3 and VNI text shows when read as Latin-1 (or a symbol font's private area).
const LEGACY_CHAR_RE = /[\u00a1-\u00ff\uf0a1-\uf0ff]/u;

/**
 * `work` decoded from TCVN3 or VNI when it is written in one (vn-legacy.ts decides, on the words it
 * changes), one word at a time so that every decoded character maps back to the word it came from:
 * a word that keeps its length (a symbol such as `Q§-UBND`, one byte per letter) maps exactly, a
 * VNI word whose tone marks were separate bytes maps to its first characters. Null when the text
 * is not legacy-encoded.
 */
function decodeLegacy(work: string): { work: string; map: number[] } | null {
  if (!LEGACY_CHAR_RE.test(work)) return null;
  const found = detectLegacyEncoding(work).encoding;
  if (found !== 'tcvn3' && found !== 'vni') return null;
  const decode = found === 'tcvn3' ? decodeTcvn3 : decodeVni;
  let out = '';
  const map: number[] = [];
  for (const m of work.matchAll(/\S+|\s+/gu)) {
    const raw = m[0];
    const decoded = LEGACY_CHAR_RE.test(raw) ? decode(raw) : raw;
    for (let k = 0; k < decoded.length; k++) map.push(m.index + (decoded.length === raw.length ? k : Math.min(k, raw.length - 1)));
    out += decoded;
  }
  map.push(work.length);
  return { work: out, map };
}

function toText(p: Prepared, workIndex: number): number {
  return p.map === null ? workIndex : (p.map[workIndex] ?? p.text.length);
}

function toWork(p: Prepared, textIndex: number): number {
  if (p.map === null) return textIndex;
  let lo = 0;
  let hi = p.map.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((p.map[mid] ?? 0) < textIndex) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const foldCache = new Map<string, string>();

/** One code unit without diacritics, lower case; `đ` → `d`. Never changes the length. */
function foldChar(c: string): string {
  let f = foldCache.get(c);
  if (f === undefined) {
    if (c === 'đ' || c === 'Đ' || c === 'Ð' || c === 'ð') f = 'd';
    else {
      const base = c.normalize('NFD').charAt(0).toLowerCase();
      f = base.length === 1 ? base : c;
    }
    foldCache.set(c, f);
  }
  return f;
}

function fold(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += foldChar(s.charAt(i));
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A folded phrase as a pattern: any run of whitespace (line breaks too) between its words. */
function phrasePattern(phrase: string): string {
  return fold(phrase)
    .split(/\s+/)
    .map(escapeRe)
    .join('[ \\t\\r\\n]+');
}

// ---------------------------------------------------------------------------------------------
// The reference pattern

// OCR reads "1" as ỉ, Ỉ, l or I and "0" as O or o; a number may also be split by a space next to
// such a misread digit ("ỉ 2" for "12").
const OCR_DIGITS: Readonly<Record<string, string>> = { ỉ: '1', Ỉ: '1', l: '1', I: '1', O: '0', o: '0' };
const D = '[0-9ỉỈlIOo]';
const OD = '[ỉỈlIOo]';
const NUM = `${D}(?:${D}|(?<=${OD}) (?=${D})| (?=${OD})){0,9}`;
// OCR and typists group thousands with a space ("số 1 532/BTTTT-THH"): accepted only where "số" or
// a kind word introduces the number (judge), so "Điều 5 12/…" stays two numbers.
const GROUPED = `[0-9]{1,2} [0-9]{3}(?=[ ]?\\/)`;
const YEAR = `${D}{4}`;
// Segments are matched permissively (any letters) and judged afterwards, so a lower-case word
// after a line-break hyphen is cut off instead of hiding the whole reference.
const SEG = '[\\p{L}§][\\p{L}\\p{M}0-9§]{0,29}';
// A hyphen (or the dashes word processors substitute) may be followed by a space or a line break.
const HY = '[-\u2010\u2011\u2013][ \\t]{0,3}(?:\\r?\\n[ \\t]{0,20})?';
const SYM = `${SEG}(?:${HY}${SEG}){0,4}`;
const PARTY_PRE = `${SEG}(?:-${SEG}){0,2}`;
const SLUG_SYM = `${SEG}(?:[-_]${SEG}){0,4}`;

// OCR puts a space on either side of the slash ("15 /CT-TTg", "2888/ UBND-VX"): accepted only where
// "số" or a kind word introduces the number (judge).
const SLASH = '(?<sp1>[ ])?\\/(?<sp2>[ ])?';
const REF_RE = new RegExp(
  // Not inside a word, a path, a number or a decimal ("1.234/…", "COVID-19/…", "/2013/…").
  '(?<![\\p{L}\\p{N}\\p{M}/_\\-\u2013])(?<!\\d[.,])' +
    `(?<num>${GROUPED}|${NUM})` +
    '(?:' +
    `${SLASH}(?:(?<year>${YEAR})\\/)?(?<sym>${SYM})` + // n/TYPE-ISSUER, n/yyyy/TYPE-ISSUER, n/yyyy/QHnn
    `|[-\u2013](?<pre>${PARTY_PRE})\\/(?<psym>${SYM})` + // Party: 59-CV/TU (a word processor's en dash too)
    `|[-_](?<syear>${YEAR})[-_](?<slug>${SLUG_SYM})` + // filename slug: 02-2023-QD-KTNN
    ')(?![\\p{L}\\p{N}§])',
  'dgu',
);

// A filename slug that follows a word and a hyphen ("Luat-20-2023-QH15", "QD_15_2024_QD-UBND"):
// the general pattern refuses a number right after a hyphen ("COVID-19/…"), a slug with its year
// and type code is distinctive enough to take.
const SLUG_AFTER_WORD_RE = new RegExp(
  `(?<=\\p{L}[-_])(?<num>[0-9]{1,5})[-_](?<syear>${YEAR})[-_](?<slug>${SLUG_SYM})(?![\\p{L}\\p{N}§])`,
  'dgu',
);

const SEG_RE = /[\p{L}§][\p{L}\p{M}0-9§]*/gu;

type SegClass = 'upper' | 'lower' | 'other';

interface Segment {
  canonical: string;
  cls: SegClass;
  /** End in work indices. */
  end: number;
}

// Đ as other encodings leave it: U+00D0 Ð, TCVN3 § (and ® for đ), VNI Ñ (and ñ for đ).
const D_VARIANTS: Readonly<Record<string, string>> = { Ð: 'Đ', '§': 'Đ', Ñ: 'Đ', ð: 'đ', ñ: 'đ', '®': 'đ' };

function segmentsOf(work: string, start: number, end: number): Segment[] {
  const out: Segment[] = [];
  for (const m of work.slice(start, end).matchAll(SEG_RE)) {
    let s = '';
    for (const c of m[0]) s += D_VARIANTS[c] ?? c;
    // Acronyms drop diacritics except Đ, so a diacritic here is OCR noise ("ƯBND" for "UBND").
    s = s.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
    let cls: SegClass = 'other';
    // Unit codes with a lower-case letter inside, written so on purpose: `GDTrH` (Giáo dục Trung
    // học) in `717/SGDĐT-GDTrH`. Upper-case at both ends, so a word ("Về", "việc") never matches.
    const innerLower = s.length >= 4 && /^[A-ZĐ]+[a-zđ]{1,2}[A-ZĐ][A-ZĐ0-9]*$/u.test(s);
    if (/^[A-ZĐ0-9]+$/u.test(s) || (/^[A-ZĐ]/u.test(s) && isMixedCaseCode(s)) || innerLower) cls = 'upper';
    else if (/^[a-zđ0-9]+$/u.test(s)) cls = 'lower';
    out.push({ canonical: innerLower ? s : canonicalCode(s.toUpperCase()), cls, end: start + m.index + m[0].length });
  }
  return out;
}

/**
 * How many leading segments belong to the reference: upper-case ones, or, where `lenient`, a run
 * of the same case as the first (a lower-case filename slug `02-2023-qd-ktnn`).
 */
function keptCount(segs: Segment[], lenient: boolean): number {
  const first = segs[0];
  if (first === undefined) return 0;
  const want: SegClass = lenient && first.cls === 'lower' ? 'lower' : 'upper';
  let k = 0;
  while (k < segs.length && segs[k]?.cls === want) k++;
  return k;
}

function ocrNumber(raw: string): string {
  let out = '';
  for (const c of raw) if (c !== ' ') out += OCR_DIGITS[c] ?? c;
  return out;
}

function parseYear(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const n = Number(ocrNumber(raw));
  return /[0-9]/.test(raw) && n >= 1900 && n <= 2099 ? n : null;
}

// Administrative kinds, never legal normative documents: their numbers have no year segment.
const YEARLESS_CODES: ReadonlySet<string> = new Set([
  'CV', 'KH', 'BC', 'TB', 'TTr', 'GM', 'GGT', 'GUQ', 'GNP', 'PG', 'PC', 'PB', 'BB', 'BGN', 'BTT', 'CĐ', 'CTr', 'PA', 'ĐA', 'HD', 'TC',
]);

function isCodeLike(canonical: string | undefined): boolean {
  return canonical !== undefined && isTypeCode(canonical);
}

// ---------------------------------------------------------------------------------------------
// What surrounds a reference: the words that introduce it, the date after it, citation cues

const KINDS_FOLDED = [...KIND_NAMES]
  .sort((a, b) => b.length - a.length)
  .map((name) => ({ name, pattern: phrasePattern(name) }));

const WS = '[ \\t\\r\\n]';
const INTRO_RE = new RegExp(
  `(?:^|[^a-z0-9])(?:(?<kind>${KINDS_FOLDED.map((k) => k.pattern).join('|')})${WS}*)?` +
    `(?<so>(?:so|se)[ \\t]*(?<colon>[:.])?)?${WS}*$`,
);
// "Công văn của Sở Tài chính số 125/STC-NS": the kind word, then its issuer, then "số".
const KIND_OF_RE = new RegExp(
  `(?:^|[^a-z0-9])(?<kind>${KINDS_FOLDED.map((k) => k.pattern).join('|')})${WS}+cua(?:[ \\t]+[a-z.]+){1,6}[ \\t]+(?:so|se)[ \\t]*[:.]?${WS}*$`,
);
const KIND_BY_FOLDED = new Map(KINDS_FOLDED.map((k) => [fold(k.name), k.name]));

interface Intro {
  /** Canonical kind name of the word right before the reference ("Cong vãn" → "Công văn"). */
  kind: string | null;
  /** "số" / "Số:" right before the number. */
  so: boolean;
  /** "Số:" with its colon, as a document's header writes it. */
  header: boolean;
  /** Where the introducing words begin (work index); the number's start when there are none. */
  start: number;
}

const INTRO_WINDOW = 60;

function introBefore(p: Prepared, start: number): Intro {
  const from = Math.max(0, start - INTRO_WINDOW);
  const folded = fold(p.work.slice(from, start));
  const m = INTRO_RE.exec(folded);
  let kindRaw = m?.groups?.kind;
  const soRaw = m?.groups?.so;
  if (m === null || (kindRaw === undefined && soRaw === undefined)) return { kind: null, so: false, header: false, start };
  let lead = m.index + Math.max(0, m[0].search(/[a-z]/));
  if (kindRaw === undefined) {
    const of = KIND_OF_RE.exec(folded);
    if (of?.groups?.kind !== undefined) {
      kindRaw = of.groups.kind;
      lead = of.index + Math.max(0, of[0].search(/[a-z]/));
    }
  }
  const kind = kindRaw === undefined ? null : (KIND_BY_FOLDED.get(kindRaw.replace(/\s+/g, ' ')) ?? null);
  return { kind, so: soRaw !== undefined, header: m.groups?.colon === ':', start: from + lead };
}

// Dates are matched on the folded text: "ngày" → "ngay", OCR digits ỉ/Ỉ/I → "i".
const FD = '[0-9ilo]';
const DN = `${FD}(?: ?${FD})?`;
const DY = `${FD}(?: ?${FD}){3}`;
const DATE_RE = new RegExp(
  `^${WS}*(?:[,(]${WS}*)?` +
    // A place before the date, as in a document header: "Số: 15/CT-TTg  Hà Nội, ngày 22 tháng 5 …".
    '(?:(?<place>[a-z][a-z.]*(?:[ \\t]+[a-z][a-z.]*){0,4}),[ \\t]*)?' +
    `(?:(?:ban${WS}+hanh|ky)${WS}+)?ngay${WS}*:?[ \\t]*` +
    `(?:(?<d1>${DN})[ ]?[/.\\-][ ]?(?<m1>${DN})[ ]?[/.\\-][ ]?(?<y1>${DY})` +
    `|(?<d2>${DN})${WS}+thang${WS}+(?<m2>${DN})${WS}+nam${WS}+(?<y2>${DY}))(?![0-9])`,
);

const DATE_WINDOW = 120;

/** A date token's digits, or null when its spaces are not next to an OCR-misread digit. */
function dateNumber(raw: string): number | null {
  for (let i = raw.indexOf(' '); i !== -1; i = raw.indexOf(' ', i + 1)) {
    if (!/[ilo]/.test(raw.charAt(i - 1)) && !/[ilo]/.test(raw.charAt(i + 1))) return null;
  }
  return Number(raw.replace(/ /g, '').replace(/[il]/g, '1').replace(/o/g, '0'));
}

function isoDate(day: number, month: number, year: number): string | null {
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return null;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > days) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The issue date stated right after a reference, and where that statement ends (work index). */
function dateAfter(p: Prepared, end: number): { date: string | null; end: number } {
  const window = p.work.slice(end, end + DATE_WINDOW);
  const m = DATE_RE.exec(fold(window));
  const g = m?.groups;
  if (m === null || g === undefined) return { date: null, end };
  const place = g.place;
  if (place !== undefined) {
    // Only a capitalized place name ("Hà Nội", "TP. Hồ Chí Minh"), never a clause of prose.
    const rawPlace = window.slice(m[0].indexOf(place), m[0].indexOf(place) + place.length);
    if (!rawPlace.split(/[ \t]+/).every((w) => /^\p{Lu}/u.test(w))) return { date: null, end };
  }
  const tokens = [g.d1 ?? g.d2 ?? '', g.m1 ?? g.m2 ?? '', g.y1 ?? g.y2 ?? ''];
  // One token may be all misread digits ("ngày 2l/lO/2O25"), not the whole date: "lo/il/oil" is no date.
  if (!/[0-9]/.test(tokens[2] ?? '') || !/[0-9]/.test(`${tokens[0] ?? ''}${tokens[1] ?? ''}`)) return { date: null, end };
  const [day, month, year] = tokens.map(dateNumber);
  if (day === undefined || month === undefined || year === undefined) return { date: null, end };
  if (day === null || month === null || year === null) return { date: null, end };
  const date = isoDate(day, month, year);
  return date === null ? { date: null, end } : { date, end: end + m[0].length };
}

type Cue = 'cite' | 'transmit' | 'neutral' | 'of';

// Cue words, each with its accented spelling; a folded match counts only when the text has that
// spelling or none at all, so "Sở Tài chính" is not "tại" and "Chương trình" is not "trình".
const CUES: ReadonlyArray<[string, Cue]> = [
  ['thực hiện', 'cite'],
  ['căn cứ', 'cite'],
  ['theo', 'cite'],
  ['tại', 'cite'],
  ['triển khai', 'cite'],
  ['phúc đáp', 'cite'],
  ['trả lời', 'cite'],
  ['tiếp theo', 'cite'],
  ['thay thế', 'cite'],
  ['sửa đổi', 'cite'],
  ['bổ sung', 'cite'],
  ['bãi bỏ', 'cite'],
  ['xét', 'cite'],
  ['đối chiếu', 'cite'],
  ['của', 'of'],
  ['gửi', 'transmit'],
  ['gửi bổ sung', 'transmit'],
  ['kèm theo', 'transmit'],
  ['theo đây', 'transmit'],
  ['đính kèm', 'transmit'],
  ['ban hành', 'transmit'],
  ['xây dựng', 'transmit'],
  ['chuyển', 'transmit'],
  ['trình', 'transmit'],
  ['phát hành', 'transmit'],
  ['theo dõi', 'neutral'],
  ['quy trình', 'neutral'],
  ['lộ trình', 'neutral'],
  ['trình độ', 'neutral'],
  // Kind names are neither: "Xét Tờ trình số …" is cited by "Xét", not sent by "trình".
  ...KIND_NAMES.map((name): [string, Cue] => [name.toLowerCase(), 'neutral']),
];

const CUE_BY_FOLDED = new Map<string, { accented: string; cue: Cue }>(
  CUES.map(([accented, cue]) => [fold(accented), { accented, cue }]),
);
const CUE_RE = new RegExp(
  '(?<![a-z0-9])(?:' +
    [...CUE_BY_FOLDED.keys()]
      .sort((a, b) => b.length - a.length)
      .map((k) => phrasePattern(k))
      .join('|') +
    ')(?![a-z0-9])' +
    // A document header's "Số:" at the start of a line introduces the document itself.
    '|(?<header>(?:^|\\n)[ \\t]*so[ \\t]*:)',
  'g',
);

// Where a sentence or paragraph begins: a blank line, or a full stop before a capital or a digit
// ("…ngày 22/5/2012. Sở …", "1.    Tiếp tục …"). A single line break is not one: mail wraps lines.
const BOUNDARY_RE = /\n[ \t]*\r?\n|[.!?](?=[ \t\r\n]+[\p{Lu}0-9])/gu;
const CLAUSE_WINDOW = 600;

function clauseStart(work: string, before: number): number {
  const from = Math.max(0, before - CLAUSE_WINDOW);
  let start = from;
  // One character past `before` so the lookahead can see the capital that opens the reference.
  for (const m of work.slice(from, before + 1).matchAll(BOUNDARY_RE)) {
    const end = from + m.index + m[0].length;
    if (end <= before) start = end;
  }
  return start;
}

function citedAt(p: Prepared, intro: Intro, numberStart: number, afterEnd: number): boolean {
  const start = clauseStart(p.work, intro.start);
  // Up to the number itself, so that a header's own "Số:" is seen; kind words are neutral.
  const raw = p.work.slice(start, numberStart);
  const folded = fold(raw);
  const introOffset = intro.start - start;
  let state: 'cite' | 'transmit' | null = null;
  for (const m of folded.matchAll(CUE_RE)) {
    if (m.groups?.header !== undefined) {
      state = 'transmit';
      continue;
    }
    const key = m[0].replace(/\s+/g, ' ');
    const entry = CUE_BY_FOLDED.get(key);
    if (entry === undefined || entry.cue === 'neutral') continue;
    const spelled = raw.slice(m.index, m.index + m[0].length).toLowerCase().replace(/\s+/g, ' ');
    if (spelled !== entry.accented && spelled !== key) continue;
    if (entry.cue === 'of') {
      // "… của Công văn số 2888/…": cited only when it directly introduces this reference.
      if (folded.slice(m.index + m[0].length, introOffset).trim() === '') state = 'cite';
      continue;
    }
    state = entry.cue;
  }
  if (state !== null) return state === 'cite';
  // No cue before it: a reference described with its issuer ("… ngày 22/5/2012 của Thủ tướng
  // Chính phủ") is one the writer refers to.
  const tail = p.work.slice(afterEnd, afterEnd + 20);
  const m = /^[ \t\r\n,]*(của|cua)(?![\p{L}\p{N}])/iu.exec(tail);
  return m !== null;
}

// ---------------------------------------------------------------------------------------------
// Extraction

interface Occurrence {
  ref: DocRef;
  /** Kind from the introducing words, as opposed to the one the type code implies. */
  kindFromText: boolean;
  /** Work indices for the citation test, which is run only when roles are asked for. */
  intro: Intro;
  start: number;
  statedEnd: number;
}

function overlapsUrl(p: Prepared, start: number, end: number): boolean {
  return p.urls.some(([a, b]) => start < b && end > a);
}

function scan(p: Prepared): Occurrence[] {
  const found: Occurrence[] = [];
  const re = new RegExp(REF_RE.source, REF_RE.flags);
  for (let m = re.exec(p.work); m !== null; m = re.exec(p.work)) {
    const occ = judge(p, m);
    if (occ !== null) found.push(occ);
    else if (/[0-9] [0-9]/.test(m.groups?.num ?? '')) {
      // "Điều 5 12/QĐ-UBND" without "số": not one number; the one after the space may still be a reference.
      re.lastIndex = m.index + (m.groups?.num ?? '').indexOf(' ') + 1;
    }
  }
  const starts = new Set(found.map((o) => o.start));
  for (const m of p.work.matchAll(SLUG_AFTER_WORD_RE)) {
    if (starts.has(m.index)) continue;
    const occ = judge(p, m);
    if (occ !== null) found.push(occ);
  }
  found.sort((a, b) => a.start - b.start);
  inheritListedKinds(p, found);
  return found;
}

// Between two references of one list: "Công văn số 2888/… và số 1117/…", "…, 1117/…".
const LIST_GAP_RE = /^[ \t\r\n]*(?:[,;]|va|hoac|cung)?[ \t\r\n]*$/;

/**
 * A reference listed right after another takes the kind word that introduced the first ("các Công
 * văn số 2888/UBND-VX và số 1117/UBND-VX": both are Công văn), unless its own type code says
 * another kind ("Quyết định số 12/QĐ-UBND, 45/KH-UBND": the second is a Kế hoạch).
 */
function inheritListedKinds(p: Prepared, occs: Occurrence[]): void {
  for (let i = 1; i < occs.length; i++) {
    const prev = occs[i - 1];
    const occ = occs[i];
    if (prev === undefined || occ === undefined || occ.kindFromText || !prev.kindFromText) continue;
    if (occ.ref.kind !== null && occ.ref.kind !== prev.ref.kind) continue;
    const gapEnd = occ.intro.so ? occ.intro.start : occ.start;
    if (gapEnd < prev.statedEnd || !LIST_GAP_RE.test(fold(p.work.slice(prev.statedEnd, gapEnd)))) continue;
    occ.ref.kind = prev.ref.kind;
    occ.kindFromText = true;
  }
}

function judge(p: Prepared, m: RegExpExecArray | RegExpMatchArray): Occurrence | null {
  const g = m.groups;
  const idx = m.indices?.groups;
  const start = m.index;
  if (g === undefined || idx === undefined || start === undefined) return null;
  const rawNum = g.num ?? '';
  const number = ocrNumber(rawNum);
  if (!/^[0-9]{1,5}$/.test(number)) return null;
  const intro0 = introBefore(p, start);
  // A space between digit groups or around the slash is OCR's or a typist's only after "số" or a kind word.
  const introduced = intro0.so || intro0.kind !== null;
  if (!introduced && (/[0-9] [0-9]/.test(rawNum) || g.sp1 !== undefined || g.sp2 !== undefined)) return null;

  let year: number | null = null;
  let symbol: string;
  let ref: string;
  let end: number;
  let typeCode: string | undefined;
  const intro = intro0;

  const symRange = idx.sym ?? idx.psym ?? idx.slug;
  if (symRange === undefined) return null;
  const segs = segmentsOf(p.work, symRange[0], symRange[1]);
  if (g.sym !== undefined) {
    const hasYear = g.year !== undefined;
    year = parseYear(g.year);
    if (hasYear && year === null) return null;
    // A symbol typed in lower case ("công văn số 125/stc-ns") counts when "Công văn số" says it is one.
    const lowerOk = intro.kind !== null && intro.so && segs[0]?.cls === 'lower';
    const k = keptCount(segs, (hasYear && isCodeLike(segs[0]?.canonical)) || lowerOk);
    if (k === 0) return null;
    const kept = segs.slice(0, k);
    typeCode = kept[0]?.canonical;
    if (lowerOk && k === 1 && !isCodeLike(typeCode)) return null;
    // A lone segment without a year ("Số: 12/BC", "Công văn số 45/UBND") needs words that say it is
    // a document; otherwise "số 5/A Lê Lợi" would be one. A document's own header "Số: 25/UBND" (a
    // commune's letter carries its issuer alone) says so with its colon.
    const headerIssuer = intro.header && /^[A-ZĐ]{2,}$/u.test(typeCode ?? '');
    if (!hasYear && k === 1 && intro.kind === null && !(intro.so && isCodeLike(typeCode)) && !headerIssuer) return null;
    symbol = kept.map((s) => s.canonical).join('-');
    ref = year === null ? `${number}/${symbol}` : `${number}/${year}/${symbol}`;
    end = kept[k - 1]?.end ?? symRange[1];
  } else if (g.psym !== undefined) {
    const preRange = idx.pre;
    if (preRange === undefined) return null;
    const pre = segmentsOf(p.work, preRange[0], preRange[1]);
    if (keptCount(pre, false) !== pre.length || !isCodeLike(pre[0]?.canonical)) return null;
    const k = keptCount(segs, false);
    if (k === 0) return null;
    const kept = segs.slice(0, k);
    typeCode = pre[0]?.canonical;
    symbol = `${pre.map((s) => s.canonical).join('-')}/${kept.map((s) => s.canonical).join('-')}`;
    ref = `${number}-${symbol}`;
    end = kept[k - 1]?.end ?? symRange[1];
  } else {
    year = parseYear(g.syear);
    if (year === null || !isCodeLike(segs[0]?.canonical)) return null;
    const k = keptCount(segs, true);
    const kept = segs.slice(0, k);
    typeCode = kept[0]?.canonical;
    symbol = kept.map((s) => s.canonical).join('-');
    // Only legal normative documents carry the year in their number (Nghị định 30/2020/NĐ-CP, Điều
    // 15): in "ke-hoach-132-2025-kh-ubnd" the year is when the plan was issued, not part of 132/KH-UBND.
    if (typeCode !== undefined && YEARLESS_CODES.has(typeCode)) year = null;
    ref = year === null ? `${number}/${symbol}` : `${number}/${year}/${symbol}`;
    end = kept[k - 1]?.end ?? symRange[1];
  }

  // A number made only of OCR look-alikes ("II/…", "lO/…") is a reference only when introduced.
  if (!/[0-9]/.test(rawNum) && intro.kind === null && !intro.so) return null;
  if (overlapsUrl(p, start, end)) return null;

  const stated = dateAfter(p, end);
  const codeKind = typeCode === undefined ? null : kindForCode(typeCode);
  return {
    ref: {
      ref,
      number,
      year,
      symbol,
      kind: intro.kind ?? codeKind,
      date: stated.date,
      span: [toText(p, start), toText(p, end)],
    },
    kindFromText: intro.kind !== null,
    intro,
    start,
    statedEnd: stated.end,
  };
}

interface Merged {
  ref: DocRef;
  kindFromText: boolean;
  first: Occurrence;
}

/** One entry per canonical ref, first appearance first; later mentions fill in kind and date. */
function merge(occurrences: Occurrence[]): Merged[] {
  const byRef = new Map<string, Merged>();
  for (const occ of occurrences) {
    const seen = byRef.get(occ.ref.ref);
    if (seen === undefined) {
      byRef.set(occ.ref.ref, { ref: { ...occ.ref }, kindFromText: occ.kindFromText, first: occ });
      continue;
    }
    if (seen.ref.date === null) seen.ref.date = occ.ref.date;
    if (!seen.kindFromText && occ.kindFromText) {
      seen.ref.kind = occ.ref.kind;
      seen.kindFromText = true;
    }
  }
  return [...byRef.values()];
}

/** Every distinct document reference in `text`, in order of first appearance. */
export function extractRefs(text: string): DocRef[] {
  return merge(scan(prepare(text))).map((m) => m.ref);
}

/**
 * True when the reference at `span` is cited ("Thực hiện Công văn số…", "Căn cứ…", "theo…",
 * "tại…", "của Công văn số…", or described with its issuer "… của Thủ tướng Chính phủ") rather than
 * the document the message transmits. The last cue of its sentence before it decides, so
 * "Thực hiện Công văn số 2888/…, Sở gửi Kế hoạch số 12/…" cites the first and transmits the second.
 */
export function isCitation(text: string, span: [number, number]): boolean {
  const p = prepare(text);
  const start = toWork(p, span[0]);
  const end = toWork(p, span[1]);
  const intro = introBefore(p, start);
  return citedAt(p, intro, start, dateAfter(p, end).end);
}

/**
 * The references of `text` split by role, each list in order of first appearance. A reference's
 * role is that of its first mention: a document cited once and named again later stays cited.
 */
export function splitRefs(text: string): { transmitted: DocRef[]; cited: DocRef[] } {
  const p = prepare(text);
  const transmitted: DocRef[] = [];
  const cited: DocRef[] = [];
  for (const m of merge(scan(p))) {
    const { intro, start, statedEnd } = m.first;
    (citedAt(p, intro, start, statedEnd) ? cited : transmitted).push(m.ref);
  }
  return { transmitted, cited };
}

/**
 * The year that, with the canonical reference, identifies a document (administrative numbers
 * restart every year: `2888/UBND-VX` of 2025 and of 2026 are two documents): the year written in
 * the number itself (`43/2011/NĐ-CP`), else the year of its issue date (`date`, YYYY-MM-DD), else
 * `fallbackYear` — the year (Asia/Ho_Chi_Minh) of the mail, or of the paper register row, that
 * carries it.
 */
export function documentYear(ref: Pick<DocRef, 'year' | 'date'>, fallbackYear: number): number {
  if (ref.year !== null) return ref.year;
  const y = ref.date === null ? Number.NaN : Number(ref.date.slice(0, 4));
  return Number.isInteger(y) && y > 0 ? y : fallbackYear;
}
