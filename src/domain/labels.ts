// The labels of an exchange (DESIGN.md, "The domain": Exchange) — form, digitization, signed,
// flow, secret — each with the evidence that decided it, and the test for machine-generated mail
// (bounces, read receipts, auto-replies) that is no exchange at all. Pure: the caller hands over the
// text already extracted from the body and attachments.

import { flowOf } from './flow.js';
import type { AgencyLevel, AttachmentKind, Digitization, Evidence, Form, Labels, Party, SignatureStatus } from './types.js';

// ---------------------------------------------------------------------------------------------
// Accent-insensitive matching that still respects accents when the writer typed them

/**
 * Text folded for matching: diacritics off, đ → d, lower case, every run of white space (line
 * breaks included) one space. `map[i]` is the index in the source of folded character i, so a
 * match can be taken back to the words as written.
 */
export interface Folded {
  text: string;
  /** map[i]: the index in the source of folded character i (undefined past the end). */
  at(i: number): number | undefined;
  /** Entries of the map: one per code point of `text`. */
  size: number;
  /** The source began with white space (folded to the leading ' '). */
  leadingSpace: boolean;
  /** The source ended in a run of white space; null for an empty source. */
  endsInSpace: boolean | null;
}

// Folding runs over every character of a message's text: ASCII is lower-cased inline, other
// characters are folded once and remembered (Vietnamese text uses a few hundred distinct ones).
const FOLDED = new Map<string, string>();
const SPACE = new Map<string, boolean>();

function foldChar(ch: string): string {
  if (ch.length === 1 && ch.charCodeAt(0) < 128) return ch.toLowerCase();
  let f = FOLDED.get(ch);
  if (f === undefined) {
    f = ch.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
    if (FOLDED.size < 65_536) FOLDED.set(ch, f);
  }
  return f;
}

function isSpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  let v = SPACE.get(ch);
  if (v === undefined) {
    v = /\s/u.test(ch);
    if (SPACE.size < 65_536) SPACE.set(ch, v);
  }
  return v;
}

function fold(src: string): Folded {
  // Runs of characters that fold to themselves (lower-case ASCII, digits, punctuation) are copied
  // as slices; everything else goes through foldChar. Same result as folding code point by code point.
  const parts: string[] = [];
  const map: number[] = [];
  let inSpace = false;
  let run = -1;
  const n = src.length;
  for (let i = 0; i < n; ) {
    const c = src.charCodeAt(i);
    if (c < 128 && !(c >= 65 && c <= 90) && c !== 32 && !(c >= 9 && c <= 13)) {
      if (run < 0) run = i;
      map.push(i);
      inSpace = false;
      i++;
      continue;
    }
    if (run >= 0) {
      parts.push(src.slice(run, i));
      run = -1;
    }
    const size = c >= 0xd800 && c <= 0xdbff && i + 1 < n && (src.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    const ch = size === 1 ? src.charAt(i) : src.slice(i, i + 2);
    if (isSpace(ch)) {
      if (!inSpace) {
        parts.push(' ');
        map.push(i);
      }
      inSpace = true;
    } else {
      const f = foldChar(ch);
      parts.push(f);
      // One map entry per code point of the folded character, all pointing at this character.
      if (f.length === 1) map.push(i);
      else for (const _ of f) map.push(i);
      inSpace = false;
    }
    i += size;
  }
  if (run >= 0) parts.push(src.slice(run));
  return { text: parts.join(''), at: (k) => map[k], size: map.length, leadingSpace: n > 0 && isSpace(String.fromCodePoint(src.codePointAt(0) as number)), endsInSpace: n > 0 ? inSpace : null };
}

// labelExchange searches the same subject and text several times (hybrid phrases, secrecy
// markings): the last normalization and folding are remembered, not redone for each search.
const nfcCache: Array<{ src: string; out: string }> = [];
/** s.normalize('NFC') of one of the last two strings normalized (the subject and the text) is not recomputed. */
function nfc(s: string): string {
  for (const c of nfcCache) if (c.src === s) return c.out;
  const out = s.normalize('NFC');
  rememberNfc(s, out);
  return out;
}

function rememberNfc(src: string, out: string): void {
  nfcCache.unshift({ src, out });
  if (nfcCache.length > 2) nfcCache.pop();
}

const foldedCache: Array<{ src: string; folded: Folded }> = [];
/** fold(src) of one of the last two strings folded (the subject and the text) is not recomputed. */
function foldCached(src: string): Folded {
  for (const c of foldedCache) if (c.src === src) return c.folded;
  const folded = fold(src);
  rememberFold(src, folded);
  return folded;
}

function rememberFold(src: string, folded: Folded): void {
  foldedCache.unshift({ src, folded });
  if (foldedCache.length > 2) foldedCache.pop();
}

// A message's text is its body and its attachments' texts joined by line breaks, and the same
// attachment text comes back with every mail that carries the document: each part's NFC form and
// folding are remembered (bounded), and the text's are put together from them. Exact: a line
// break composes with nothing under NFC, and folding only looks across characters to merge a run
// of white space, which joinFolded does at each seam.
const PART_MEMO_MIN_CHARS = 1_000;
const PART_MEMO_MAX_ENTRIES = 256;
const PART_MEMO_MAX_CHARS = 4_000_000;
interface PreparedPart {
  nfc: string;
  folded: Folded;
  /** The NFC form, lower-cased, holds "mật" (every secrecy grade ends in it). */
  mat: boolean;
}
const partMemo = new Map<string, PreparedPart>();
let partMemoChars = 0;

function preparedPart(part: string): PreparedPart {
  const hit = partMemo.get(part);
  if (hit) {
    partMemo.delete(part); // re-inserted last: least recently used goes first
    partMemo.set(part, hit);
    return hit;
  }
  const n = part.normalize('NFC');
  const prepared = { nfc: n, folded: fold(n), mat: n.toLowerCase().includes('mật') };
  if (part.length < PART_MEMO_MIN_CHARS) return prepared;
  partMemo.set(part, prepared);
  partMemoChars += part.length;
  for (const k of partMemo.keys()) {
    if (partMemo.size <= PART_MEMO_MAX_ENTRIES && partMemoChars <= PART_MEMO_MAX_CHARS) break;
    partMemo.delete(k);
    partMemoChars -= k.length;
  }
  return prepared;
}

/** fold(parts.join('\n')) from the parts' foldings (`starts[i]`: where part i begins in the joined string). */
export function joinFolded(folded: readonly Folded[], starts: readonly number[]): Folded {
  const texts: string[] = [];
  // Pieces of the joined map, in order: entries [from, from + length) are the part's entries
  // [skip, skip + length) (source index + shift), or the seam's one space.
  const pieces: Array<{ from: number; length: number; part: Folded | null; skip: number; shift: number }> = [];
  let length = 0;
  let inSpace = false;
  folded.forEach((f, i) => {
    const start = starts[i] as number;
    if (i > 0 && !inSpace) {
      // The line break joining the parts starts a run of white space.
      texts.push(' ');
      pieces.push({ from: length, length: 1, part: null, skip: 0, shift: start - 1 });
      length += 1;
      inSpace = true;
    }
    const skip = inSpace && f.leadingSpace ? 1 : 0; // the part's leading white space joins the run
    const t = skip === 0 ? f.text : f.text.slice(1);
    texts.push(t);
    const entries = f.size - skip;
    if (entries > 0) pieces.push({ from: length, length: entries, part: f, skip, shift: start });
    length += entries;
    if (f.endsInSpace !== null) inSpace = f.endsInSpace;
  });
  return {
    text: texts.join(''),
    size: length,
    leadingSpace: folded[0]?.leadingSpace ?? false,
    endsInSpace: folded.length === 0 ? null : inSpace,
    at: (k) => {
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const p = pieces[mid] as (typeof pieces)[number];
        if (k < p.from) hi = mid - 1;
        else if (k >= p.from + p.length) lo = mid + 1;
        else {
          if (!p.part) return p.shift;
          const v = p.part.at(k - p.from + p.skip);
          return v === undefined ? undefined : v + p.shift;
        }
      }
      return undefined;
    },
  };
}

/** fold(s), for the tests of joinFolded. */
export function foldForTest(s: string): Folded {
  return fold(s);
}

/**
 * Prepares the searches of `text` = `parts.join('\n')`: its NFC form and folding are built from
 * the parts' (remembered), and left where nfc() and foldCached() find them.
 */
function primeText(text: string, parts: readonly string[]): void {
  if (parts.length < 2 || text !== parts.join('\n')) return;
  const prepared = parts.map(preparedPart);
  const nfcText = prepared.map((p) => p.nfc).join('\n');
  const starts: number[] = [];
  let at = 0;
  for (const p of prepared) {
    starts.push(at);
    at += p.nfc.length + 1;
  }
  rememberNfc(text, nfcText);
  rememberFold(nfcText, joinFolded(prepared.map((p) => p.folded), starts));
  // "mật" holds no line break: the joined text has it when a part has it.
  lastMat = { src: nfcText, mat: prepared.some((p) => p.mat) };
}

let lastMat: { src: string; mat: boolean } | null = null;

/** src.toLowerCase().includes('mật'), answered from the parts when src is the text primeText prepared. */
function hasMat(src: string): boolean {
  return lastMat !== null && lastMat.src === src ? lastMat.mat : src.toLowerCase().includes('mật');
}

function foldString(s: string): string {
  return fold(s.normalize('NFC')).text.trim();
}

/** White space collapsed, lower case, NFC: the form the text was written in, accents kept. */
function plain(s: string): string {
  return s.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Form: electronic or hybrid

/**
 * Phrases saying that a paper original goes (or went) beside the electronic copy, most specific
 * first so that the evidence names the fullest phrase. Matched ignoring case, line breaks and extra
 * spaces, and ignoring accents when the text has none ("ban giay"); text typed with accents must
 * have these accents, so that "bàn giấy" (a desk) or "bán giấy" (selling paper) is no match.
 */
export const HYBRID_PHRASES: readonly string[] = [
  'bản chính gửi qua đường bưu điện',
  'bản chính sẽ được gửi',
  'bản gốc sẽ được gửi',
  'bản giấy sẽ được gửi',
  'gửi kèm bản giấy',
  'gửi bản giấy sau',
  'bản gốc gửi sau',
  'bản chính gửi sau',
  'văn bản giấy',
  'qua đường bưu điện',
  'qua đường bưu chính',
  'theo đường bưu điện',
  'theo đường bưu chính',
  'qua đường công văn',
  'gửi qua bưu điện',
  // "Ngoài bộ hồ sơ giấy, …" (directive §2.2): the dossier went on paper, this is its copy.
  'hồ sơ giấy',
  'bản giấy',
  // What most people write in mail: "bản cứng sẽ gửi sau", "gửi bản cứng qua văn thư" (hard copy).
  'bản cứng',
];

// "bản giấy" is also the start of "bản giấy phép" (a copy of a licence), "giấy tờ", "giấy mời"…:
// a phrase ending in "giấy" must not run into one of these words.
const GIAY_COMPOUNDS = [
  'phep',
  'to',
  'moi',
  'chung nhan',
  'chung minh',
  'de nghi',
  'xac nhan',
  'uy quyen',
  'khen',
  'bao',
  'gioi thieu',
  'bien nhan',
  'nop tien',
  'di duong',
  'khai sinh',
  'ra vien',
  'tiep nhan',
  'thong hanh',
];

interface PhraseMatcher {
  phrase: string;
  plain: string;
  /** The phrase folded: a text that does not contain it cannot match `pattern`. */
  folded: string;
  pattern: RegExp;
}

const HYBRID_MATCHERS: PhraseMatcher[] = HYBRID_PHRASES.map((phrase) => {
  const folded = foldString(phrase);
  const tail = folded.endsWith('giay') ? `(?! (?:${GIAY_COMPOUNDS.join('|')})(?![\\p{L}\\p{N}]))` : '';
  return {
    phrase,
    plain: plain(phrase),
    folded,
    pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(folded)}(?![\\p{L}\\p{N}])${tail}`, 'gu'),
  };
});

// "không gửi bản giấy", "không phải gửi kèm văn bản giấy" say the opposite of hybrid, and policy
// text about paper ("hạn chế tối đa việc gửi văn bản giấy", "thay thế văn bản giấy": common in the
// very documents that agencies exchange about e-government) says nothing about this exchange.
const NEGATION_BEFORE = /(?:^|[^\p{L}])(?:khong|chua can|han che|thay the|thay cho|tiet kiem|cat giam)(?: [\p{L}]+){0,6} ?$/u;

interface PhraseHit {
  phrase: string;
  found: string;
}

function findPhrase(source: string, matchers: PhraseMatcher[]): PhraseHit | null {
  const src = nfc(source);
  const f = foldCached(src);
  for (const m of matchers) {
    // A plain substring search first: the regular expression runs only where the phrase is.
    if (!f.text.includes(m.folded)) continue;
    for (const hit of f.text.matchAll(m.pattern)) {
      const start = hit.index;
      const end = start + hit[0].length;
      const from = f.at(start) ?? 0;
      // Up to where the next folded character starts, so that the last letter keeps its marks.
      const to = f.at(end) ?? src.length;
      const written = src.slice(from, to);
      const writtenPlain = plain(written);
      const accentless = foldString(written) === writtenPlain;
      if (writtenPlain !== m.plain && !accentless) continue;
      if (NEGATION_BEFORE.test(f.text.slice(Math.max(0, start - 40), start))) continue;
      return { phrase: m.phrase, found: written.replace(/\s+/gu, ' ').trim() };
    }
  }
  return null;
}

/** The hybrid phrase in the subject or the text, with where it was found; null when none. */
export function findHybridPhrase(subject: string, text: string): (PhraseHit & { where: 'subject' | 'text' }) | null {
  const inSubject = findPhrase(subject, HYBRID_MATCHERS);
  if (inSubject) return { ...inSubject, where: 'subject' };
  const inText = findPhrase(text, HYBRID_MATCHERS);
  return inText ? { ...inText, where: 'text' } : null;
}

// ---------------------------------------------------------------------------------------------
// Secret (mật)

/** The three secrecy grades (độ mật) of Vietnamese state-secret law, the gravest first. */
export const SECRET_MARKINGS: readonly string[] = ['Tuyệt mật', 'Tối mật', 'Mật'];

const MARKINGS_PLAIN = SECRET_MARKINGS.map(plain);
const MARKINGS_FOLDED = SECRET_MARKINGS.map(foldString);

// A stamp is upper case and stands apart. In an all-caps title the word is part of a phrase — BÍ MẬT
// (secret, as in "BẢO VỆ BÍ MẬT NHÀ NƯỚC"), BẢO MẬT (security), NUÔI ONG LẤY MẬT (honey) — so an
// upper-case word just before it rules it out; so do the words that make MẬT another word after it:
// MẬT KHẨU (password), MẬT ĐỘ (density), MẬT THIẾT (close), MẬT ONG (honey), MẬT MÃ (cipher)…
const STAMP = /(?<![\p{L}\p{N}])(TUYỆT[ \t]+MẬT|TỐI[ \t]+MẬT|MẬT)(?![\p{L}\p{N}])/gu;
const NOT_STAMP_AFTER = new Set(['KHẨU', 'ĐỘ', 'THIẾT', 'ONG', 'MÃ', 'THƯ', 'VỤ', 'BÁO', 'THÁM', 'DANH', 'NGỮ', 'LỆNH', 'ĐÀM', 'TRUYỀN']);
// "Độ mật: Mật" in a document header, accents optional.
const GRADE_LABEL = /(?<![\p{L}])do mat ?[:\-–] ?(tuyet mat|toi mat|mat)(?![\p{L}])/u;

interface SecretHit {
  marking: string;
  where: 'subject' | 'text';
}

// A grade in brackets opening a line or a subject, in any case: "[Mật] Báo cáo nhân sự", "(TỐI MẬT) …".
const BRACKETED_GRADE = /^[\s*]*[[(]\s*([^\])\n]{1,12}?)\s*[\])]/u;

function findMarking(source: string): string | null {
  const src = nfc(source);
  // Every grade ends in "mật": a line that is a grade, a bracketed grade and an upper-case stamp
  // all need it in the text (lower-cased), so without it only the accentless label is left to look for.
  if (hasMat(src)) {
    const hit = findGradeOrStamp(src);
    if (hit !== null) return hit;
  }
  const folded = foldCached(src).text;
  const label = folded.includes('do mat') ? GRADE_LABEL.exec(folded) : null;
  if (label) {
    const i = MARKINGS_FOLDED.indexOf(label[1] ?? '');
    return SECRET_MARKINGS[i] ?? null;
  }
  return null;
}

/** A line that is a grade, a bracketed grade, or an upper-case stamp standing apart. */
function findGradeOrStamp(src: string): string | null {
  for (const line of src.split(/\r\n|\r|\n/)) {
    // Both tests below need "mật" in the line.
    if (!line.toLowerCase().includes('mật')) continue;
    // A line holding nothing but the grade, maybe framed: "MẬT", "[Tối mật]", "** TUYỆT MẬT **".
    const core = plain(line.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, ''));
    const i = MARKINGS_PLAIN.indexOf(core);
    if (i >= 0) return SECRET_MARKINGS[i] ?? null;
    const bracketed = BRACKETED_GRADE.exec(line);
    // As written, so that the evidence shows the stamp the writer typed.
    if (bracketed && MARKINGS_PLAIN.includes(plain(bracketed[1] ?? ''))) return (bracketed[1] ?? '').replace(/\s+/gu, ' ');
  }
  for (const m of src.matchAll(STAMP)) {
    const before = /(\p{L}+)[ \t]+$/u.exec(src.slice(Math.max(0, m.index - 20), m.index))?.[1];
    const after = /^[ \t]+(\p{L}+)/u.exec(src.slice(m.index + m[0].length, m.index + m[0].length + 20))?.[1]?.toUpperCase();
    if (before !== undefined && before === before.toUpperCase()) continue;
    if (after !== undefined && NOT_STAMP_AFTER.has(after)) continue;
    return (m[1] ?? '').replace(/\s+/gu, ' ');
  }
  return null;
}

/** A secrecy marking in the subject or the text, or null. */
export function findSecretMarking(subject: string, text: string): SecretHit | null {
  const inSubject = findMarking(subject);
  if (inSubject !== null) return { marking: inSubject, where: 'subject' };
  const inText = findMarking(text);
  return inText !== null ? { marking: inText, where: 'text' } : null;
}

// ---------------------------------------------------------------------------------------------
// Machine-generated mail

const MACHINE_SUBJECTS: Array<[string, 'auto_reply' | 'bounce' | 'read_receipt']> = [
  ['auto:', 'auto_reply'],
  ['autoreply', 'auto_reply'],
  ['auto reply', 'auto_reply'],
  ['automatic reply', 'auto_reply'],
  ['out of office', 'auto_reply'],
  ['tu dong tra loi', 'auto_reply'],
  ['tra loi tu dong', 'auto_reply'],
  ['undeliverable:', 'bounce'],
  ['undelivered mail returned to sender', 'bounce'],
  ['delivery status notification', 'bounce'],
  ['mail delivery failed', 'bounce'],
  ['returned mail:', 'bounce'],
  ['read:', 'read_receipt'],
  ['da doc:', 'read_receipt'],
];

const BOUNCE_SENDERS = ['mailer-daemon', 'postmaster'];

function headerValue(headers: Record<string, string | undefined>, name: string): string | null {
  const v = headers[name];
  return v === undefined ? null : v.trim().toLowerCase();
}

/**
 * Whether a message was written by a machine rather than sent as an exchange: a bounce, a read
 * receipt or an auto-reply. `reason` says which signal decided it, e.g.
 * `bounce: content-type multipart/report; report-type=delivery-status`.
 */
export function isMachineGenerated(
  headers: Record<string, string | undefined>,
  subject: string,
  fromAddress: string | null,
): { machine: boolean; reason: string | null } {
  const yes = (reason: string): { machine: boolean; reason: string } => ({ machine: true, reason });
  const contentType = headerValue(headers, 'content-type') ?? '';
  if (contentType.startsWith('multipart/report')) {
    const type = /report-type\s*=\s*"?([\w-]+)/.exec(contentType)?.[1] ?? '';
    if (type === 'disposition-notification') return yes('read_receipt: content-type multipart/report; report-type=disposition-notification');
    return yes(`bounce: content-type multipart/report${type ? `; report-type=${type}` : ''}`);
  }
  if (contentType.startsWith('message/delivery-status')) return yes('bounce: content-type message/delivery-status');
  if (contentType.startsWith('message/disposition-notification')) return yes('read_receipt: content-type message/disposition-notification');

  const local = fromAddress?.trim().toLowerCase().split('@')[0] ?? '';
  if (BOUNCE_SENDERS.includes(local)) return yes(`bounce: from ${local}`);

  const autoSubmitted = headerValue(headers, 'auto-submitted');
  if (autoSubmitted !== null && autoSubmitted !== '' && autoSubmitted.split(';')[0]?.trim() !== 'no') {
    return yes(`auto_reply: auto-submitted ${autoSubmitted}`);
  }
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponse']) {
    const v = headerValue(headers, name);
    if (v !== null && v !== '' && v !== 'no' && v !== 'false') return yes(`auto_reply: ${name}`);
  }
  // Precedence: bulk is not enough: a circular mailed to every commune by a mass-mailing system
  // carries it and is an official exchange all the same.
  const precedence = headerValue(headers, 'precedence');
  if (precedence === 'auto_reply' || precedence === 'junk') {
    return yes(`auto_reply: precedence ${precedence}`);
  }

  // Only a subject that starts with the marker: "Re: Out of office schedule" is written by a person.
  const s = foldString(subject);
  for (const [prefix, kind] of MACHINE_SUBJECTS) {
    if (s.startsWith(prefix)) return yes(`${kind}: subject "${subject.trim().slice(0, 60)}"`);
  }
  return { machine: false, reason: null };
}

// ---------------------------------------------------------------------------------------------
// Labels

export interface LabelAttachment {
  filename: string | null;
  kind: AttachmentKind;
  digitization: Digitization;
  signed: boolean;
  /** The statuses of its checked signatures (valid, invalid, unverified), for the evidence. */
  signatureStatuses?: SignatureStatus[];
}

/** A signature status in Vietnamese, for evidence lines. */
export const SIGNATURE_STATUS_VI: Record<SignatureStatus, string> = { valid: 'hợp lệ', invalid: 'không hợp lệ', unverified: 'chưa xác minh' };

export interface LabelInput {
  subject: string;
  /** Body and attachment text. */
  text: string;
  /** The parts `text` was joined from with '\n' (body, each attachment's text): their folding is remembered. */
  textParts?: readonly string[];
  attachments: LabelAttachment[];
  sender: Party;
  receiver: Party;
  /** Whether a document is transmitted; it does not change the labels (the KPIs use it). */
  hasDocument: boolean;
  machineGenerated: boolean;
  /** An imported paper register records this document on paper too. */
  paperRegistered?: boolean;
}

const DOCUMENT_KINDS: ReadonlySet<AttachmentKind> = new Set<AttachmentKind>(['pdf', 'image', 'office']);

const LEVEL_VI: Record<AgencyLevel, string> = {
  province_pc: 'UBND tỉnh',
  department: 'sở, ban, ngành',
  provincial_org: 'đoàn thể cấp tỉnh',
  district_pc: 'UBND cấp huyện',
  commune_pc: 'UBND cấp xã',
  unit: 'đơn vị trực thuộc',
};

const KIND_VI: Record<Party['kind'], string> = {
  agency: 'cơ quan nhà nước',
  enterprise: 'doanh nghiệp',
  organization: 'tổ chức',
  individual: 'cá nhân',
  unknown: 'chưa xác định',
};

function describeParty(p: Party): string {
  if (p.kind === 'agency' && p.agencyLevel !== null) return `${LEVEL_VI[p.agencyLevel]} (${p.agencyCode ?? '?'})`;
  return `${KIND_VI[p.kind]} (${p.address})`;
}

function whereVi(where: 'subject' | 'text'): string {
  return where === 'subject' ? 'tiêu đề thư' : 'nội dung thư hoặc tệp đính kèm';
}

function names(atts: LabelAttachment[]): string {
  const list = atts.map((a) => a.filename ?? '(không tên)');
  return list.length > 5 ? `${list.slice(0, 5).join(', ')}, …` : list.join(', ');
}

function formLabel(input: LabelInput): { value: Form | null; evidence: Evidence } {
  if (input.machineGenerated) {
    return {
      value: null,
      evidence: {
        label: 'form',
        value: null,
        rule: 'form.machine_generated',
        detail: 'Thư tự động (báo lỗi gửi, xác nhận đã đọc, trả lời tự động): không phải trao đổi văn bản',
      },
    };
  }
  const hit = findHybridPhrase(input.subject, input.text);
  if (hit) {
    return {
      value: 'hybrid',
      evidence: { label: 'form', value: 'hybrid', rule: 'form.hybrid_phrase', detail: `Cụm từ «${hit.found}» trong ${whereVi(hit.where)}` },
    };
  }
  if (input.paperRegistered === true) {
    return {
      value: 'hybrid',
      evidence: { label: 'form', value: 'hybrid', rule: 'form.paper_register', detail: 'Văn bản có trong sổ đăng ký văn bản giấy' },
    };
  }
  return {
    value: 'electronic',
    evidence: {
      label: 'form',
      value: 'electronic',
      rule: 'form.default_electronic',
      detail: 'Không thấy dấu hiệu gửi kèm bản giấy: văn bản điện tử hoàn toàn',
    },
  };
}

function digitizationLabel(attachments: LabelAttachment[]): { value: Digitization; evidence: Evidence } {
  // Document attachments whose nature could not be read (digitization `none`) say nothing either way.
  const docs = attachments.filter((a) => DOCUMENT_KINDS.has(a.kind) && a.digitization !== 'none');
  const make = (value: Digitization, detail: string): { value: Digitization; evidence: Evidence } => ({
    value,
    evidence: { label: 'digitization', value, rule: `digitization.${value}`, detail },
  });
  if (docs.length === 0) return make('none', 'Không có tệp đính kèm là văn bản (PDF, ảnh, Office)');
  const born = docs.filter((a) => a.digitization === 'born_digital');
  const scanned = docs.filter((a) => a.digitization === 'scanned');
  if (born.length === docs.length) return make('born_digital', `Văn bản điện tử gốc (có lớp chữ): ${names(born)}`);
  if (scanned.length === docs.length) return make('scanned', `Bản quét từ văn bản giấy (ảnh, PDF không có lớp chữ): ${names(scanned)}`);
  return make('mixed', `Có cả văn bản điện tử gốc và bản quét: ${names(docs)}`);
}

function signedLabel(attachments: LabelAttachment[]): { value: boolean; evidence: Evidence } {
  const signed = attachments.filter((a) => a.signed);
  if (signed.length > 0) {
    const list = signed.slice(0, 5).map((a) => {
      const st = [...new Set(a.signatureStatuses ?? [])].map((x) => SIGNATURE_STATUS_VI[x]);
      return st.length > 0 ? `${a.filename ?? '(không tên)'} (${st.join(', ')})` : (a.filename ?? '(không tên)');
    });
    const detail = `Có chữ ký số: ${list.join(', ')}${signed.length > 5 ? ', …' : ''}`;
    return { value: true, evidence: { label: 'signed', value: true, rule: 'signed.attachment', detail } };
  }
  return { value: false, evidence: { label: 'signed', value: false, rule: 'signed.none', detail: 'Không thấy chữ ký số trong tệp đính kèm' } };
}

/** The labels of one exchange, each with the evidence that decided it. */
export function labelExchange(input: LabelInput): { labels: Labels; evidence: Evidence[] } {
  if (input.textParts) primeText(input.text, input.textParts);
  const form = formLabel(input);
  const digitization = digitizationLabel(input.attachments);
  const signed = signedLabel(input.attachments);
  const { flow, rule } = flowOf(input.sender, input.receiver);
  const secretHit = findSecretMarking(input.subject, input.text);
  const secretEvidence: Evidence = secretHit
    ? { label: 'secret', value: true, rule: 'secret.marking', detail: `Dấu độ mật «${secretHit.marking}» trong ${whereVi(secretHit.where)}` }
    : { label: 'secret', value: false, rule: 'secret.none', detail: 'Không thấy dấu độ mật (Mật, Tối mật, Tuyệt mật)' };
  return {
    labels: { form: form.value, digitization: digitization.value, signed: signed.value, flow, secret: secretHit !== null },
    evidence: [
      form.evidence,
      digitization.evidence,
      signed.evidence,
      { label: 'flow', value: flow, rule, detail: `${describeParty(input.sender)} → ${describeParty(input.receiver)}` },
      secretEvidence,
    ],
  };
}

/**
 * The labels of the same mail and document toward another receiver: only the flow depends on the
 * receiver, so the text-wide searches of `labelExchange` are not repeated for every recipient.
 */
export function relabelForReceiver(
  base: { labels: Labels; evidence: Evidence[] },
  sender: LabelInput['sender'],
  receiver: LabelInput['receiver'],
): { labels: Labels; evidence: Evidence[] } {
  const { flow, rule } = flowOf(sender, receiver);
  return {
    labels: { ...base.labels, flow },
    evidence: base.evidence.map((e) =>
      e.label === 'flow' ? { label: 'flow', value: flow, rule, detail: `${describeParty(sender)} → ${describeParty(receiver)}` } : e,
    ),
  };
}
