// Many small, realistic official mails for volume tests, fast and deterministic for a seed: one
// monitored agency's INBOX and Sent over 2026-Q3, written with string templates (no MIME library).
// Parties come from config/agencies.yaml (agencies' addresses and domains), enterprises and citizens
// on free mail; subjects and bodies carry document references ("Công văn số 123/SXD-QLXD") in
// Vietnamese, as 8bit UTF-8, quoted-printable or base64, with encoded-word or raw UTF-8 headers.
// Among them, in fixed numbers: replies (quoting what they answer), auto-replies, mails delivered
// twice (same Message-ID; some byte for byte, some with one more Received header), mails without a
// Message-ID (some twice, byte for byte), bodies with "From " and ">From " lines (mbox quoting).
// Text only: no attachments. Every message is RFC 5322 with CRLF line ends. Besides the bytes, the
// generator says what the pipeline must find: distinct messages, auto-replies, exchanges, documents.
import { mulberry32 } from '../../src/demo/random.js';
import { loadSampleAgencies } from '../../src/demo/corpus.js';
import {
  AUTO_REPLY_BODIES,
  AUTO_REPLY_SUBJECTS,
  CENTRAL_DOCUMENTS,
  CLOSINGS,
  DOCUMENT_KINDS,
  ELECTRONIC_NOTES,
  ENTERPRISE_FORMS,
  ENTERPRISE_NAMES,
  ENTERPRISE_SUBJECTS,
  ENTERPRISE_TRADES,
  FAMILY_NAMES,
  FREE_MAIL_DOMAINS,
  GENERIC_UNIT_CODES,
  GIVEN_NAMES_FEMALE,
  GIVEN_NAMES_MALE,
  HYBRID_PHRASES,
  MIDDLE_NAMES_FEMALE,
  MIDDLE_NAMES_MALE,
  PETITION_BODIES,
  PETITION_SUBJECTS,
  REPLY_BODIES,
  REQUESTS,
  SECRET_BODY_LINES,
  SECRET_SUBJECT_MARKS,
  TOPICS,
  UNIT_CODES,
  VILLAGES,
  issuerSymbol,
  shortAgencyName,
  slug,
  stripDiacritics,
  usesPartyNumbering,
} from '../../src/demo/vocabulary.js';
import type { Agency } from '../../src/domain/types.js';

export interface BulkMessage {
  /** The whole message, CRLF line ends. */
  raw: Buffer;
  /** INBOX for mail to the monitored agency, Sent for its own. */
  folder: 'INBOX' | 'Sent';
  /** When the server took it, in whole seconds: the mbox separator's date and the Maildir file's mtime. */
  internalDate: Date;
  /** The envelope sender, for the mbox `From ` line. */
  envelopeFrom: string;
}

export interface BulkExpectation {
  /** Messages generated (files in the Maildir, messages in the mbox). */
  count: number;
  /** Messages after dedup: count minus the second copies. */
  distinct: number;
  /** Second copies with a Message-ID seen before (byte for byte, or with one more Received header). */
  duplicates: number;
  duplicatesSameBytes: number;
  /** Distinct messages without a Message-ID (deduplicated by content hash). */
  withoutMessageId: number;
  /** Byte-for-byte second copies of mails without a Message-ID. */
  withoutMessageIdCopies: number;
  /** Distinct auto-replies: machine-generated, `skipped`, no exchange. */
  autoReplies: number;
  replies: number;
  /** Distinct messages dated in 2026-Q3 (all of them). */
  inPeriod: number;
  /**
   * Exchanges (DESIGN.md "Definitions"): one per distinct (transmitted document, sender party,
   * receiver party) — the same number sent again by the same issuer to the same party is the same
   * document and exchange — plus, for each distinct non-machine message without a document, one per
   * receiving party. Every document here is of 2026 (its date is stated with it).
   */
  exchanges: number;
  /** Sightings: Σ over distinct non-machine messages of (transmitted documents, at least 1) × receiving parties. */
  sightings: number;
  /** Distinct document references named anywhere (transmitted or cited): rows of `documents`. */
  documents: number;
  /** Distinct documents that exchanges transmit (what `status` calls documents). */
  transmittedDocuments: number;
  /** Messages whose quoted-printable or 8bit body has a line starting with "From " or ">From ". */
  fromLines: number;
  transferEncodings: Record<'8bit' | 'quoted-printable' | 'base64', number>;
}

export interface BulkCorpus {
  messages: BulkMessage[];
  expected: BulkExpectation;
  monitored: string;
}

export const PERIOD_2026_Q3 = { start: new Date('2026-07-01T00:00:00+07:00'), end: new Date('2026-10-01T00:00:00+07:00') };

type Kind = 'agency_in' | 'agency_out' | 'internal' | 'enterprise_in' | 'enterprise_out' | 'citizen_in' | 'citizen_out' | 'reply' | 'auto_reply' | 'duplicate' | 'no_mid' | 'no_mid_copy';

const BASE_KINDS: ReadonlyArray<[Kind, number]> = [
  ['agency_in', 45],
  ['agency_out', 26],
  ['internal', 3],
  ['enterprise_in', 10],
  ['enterprise_out', 4],
  ['citizen_in', 9],
  ['citizen_out', 3],
];

interface Person {
  name: string;
  address: string;
  /** `agency:<code>` or `addr:<address>`: how the analyzer keys a receiving party. */
  key: string;
}

interface Sent {
  index: number;
  kind: Kind;
  folder: 'INBOX' | 'Sent';
  raw: string;
  messageId: string | null;
  subject: string;
  from: Person;
  to: Person;
  date: Date;
  bodyText: string;
  internalDate: Date;
  envelopeFrom: string;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  weighted<T>(xs: ReadonlyArray<[T, number]>): T {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [x, w] of xs) {
      r -= w;
      if (r < 0) return x;
    }
    return (xs[xs.length - 1] as [T, number])[0];
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }
  alnum(n: number): string {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += abc[Math.floor(this.next() * abc.length)];
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Encodings

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** RFC 5322 date in Vietnam's zone: `Wed, 01 Jul 2026 08:15:00 +0700`. */
export function rfc5322Date(d: Date): string {
  const l = new Date(d.getTime() + 7 * 3600_000);
  return `${DAYS[l.getUTCDay()]}, ${pad2(l.getUTCDate())} ${MONTHS[l.getUTCMonth()]} ${l.getUTCFullYear()} ${pad2(l.getUTCHours())}:${pad2(l.getUTCMinutes())}:${pad2(l.getUTCSeconds())} +0700`;
}

/** The date of an mbox `From ` line, asctime in UTC: `Wed Jul  1 01:15:00 2026`. */
export function asctime(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** `d/m/yyyy` in Vietnam's zone, as official mail writes dates. */
function viDate(d: Date): string {
  const l = new Date(d.getTime() + 7 * 3600_000);
  return `${pad2(l.getUTCDate())}/${pad2(l.getUTCMonth() + 1)}/${l.getUTCFullYear()}`;
}

/** Splits a string into pieces of at most `maxBytes` UTF-8 bytes at character boundaries. */
function utf8Pieces(s: string, maxBytes: number): string[] {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes && cur !== '') {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** RFC 2047 B encoded-words, each at most 75 characters, folded onto continuation lines. */
function encB(s: string): string {
  return utf8Pieces(s, 45)
    .map((p) => `=?UTF-8?B?${Buffer.from(p, 'utf8').toString('base64')}?=`)
    .join('\r\n ');
}

/** RFC 2047 Q encoded-words (the phrase-safe subset left bare), at most 75 characters each. */
function encQ(s: string): string {
  const words: string[] = [];
  let cur = '';
  for (const ch of s) {
    let tok: string;
    if (/^[A-Za-z0-9!*+\-/]$/.test(ch)) tok = ch;
    else if (ch === ' ') tok = '_';
    else tok = [...Buffer.from(ch, 'utf8')].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    if (cur.length + tok.length > 75 - 12) {
      words.push(cur);
      cur = '';
    }
    cur += tok;
  }
  if (cur !== '') words.push(cur);
  return words.map((w) => `=?UTF-8?Q?${w}?=`).join('\r\n ');
}

type HeaderMode = 'b' | 'q' | 'raw';

/** Folds unstructured text at spaces so that no line passes 78 characters (raw UTF-8 mode). */
function foldAtSpaces(name: string, value: string): string {
  const words = value.split(' ');
  let line = `${name}:`;
  const lines: string[] = [];
  for (const w of words) {
    if (line.length + 1 + w.length > 78 && line.trim() !== `${name}:`) {
      lines.push(line);
      line = '';
    }
    line += ` ${w}`;
  }
  lines.push(line);
  return lines.join('\r\n');
}

function unstructured(name: string, value: string, mode: HeaderMode): string {
  if (ASCII_PRINTABLE.test(value)) return foldAtSpaces(name, value);
  if (mode === 'raw') return foldAtSpaces(name, value);
  return `${name}: ${mode === 'b' ? encB(value) : encQ(value)}`;
}

function mailbox(p: Person, mode: HeaderMode): string {
  if (p.name === '') return p.address;
  if (ASCII_PRINTABLE.test(p.name)) return /^[A-Za-z0-9 ]*$/.test(p.name) ? `${p.name} <${p.address}>` : `"${p.name.replace(/["\\]/g, '\\$&')}" <${p.address}>`;
  if (mode === 'raw') return `"${p.name.replace(/["\\]/g, '\\$&')}" <${p.address}>`;
  return `${mode === 'b' ? encB(p.name) : encQ(p.name)} <${p.address}>`;
}

function addressList(name: string, ps: Person[], mode: HeaderMode): string {
  return `${name}: ${ps.map((p) => mailbox(p, mode)).join(',\r\n ')}`;
}

/** Quoted-printable of UTF-8 text with CRLF line ends; soft breaks keep lines within 76 characters. */
function quotedPrintable(text: string): string {
  return text
    .split('\r\n')
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      const out: string[] = [];
      let cur = '';
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        const tok = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (cur.length + tok.length > 75) {
          out.push(`${cur}=`);
          cur = '';
        }
        cur += tok;
      });
      out.push(cur);
      return out.join('\r\n');
    })
    .join('\r\n');
}

function base64Lines(text: string): string {
  const b = Buffer.from(text, 'utf8').toString('base64');
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 76) out.push(b.slice(i, i + 76));
  return out.join('\r\n');
}

type Cte = '8bit' | 'quoted-printable' | 'base64';

function encodeBody(text: string, cte: Cte): string {
  return cte === 'base64' ? base64Lines(text) : cte === 'quoted-printable' ? quotedPrintable(text) : text;
}

function htmlOf(text: string): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const paras = text.split('\r\n\r\n').map((p) => `<p>${esc(p).replace(/\r\n/g, '<br>\r\n')}</p>`);
  return `<html><head><meta charset="utf-8"></head><body style="font-family:Arial">\r\n${paras.join('\r\n')}\r\n</body></html>`;
}

// ---------------------------------------------------------------------------------------------
// The generator

export interface BulkOptions {
  count: number;
  seed: number;
  /** The agency whose mailbox holds the mail (default Sở Tài chính, 000.00.03.H30). */
  monitored?: string;
  agencies?: Agency[];
}

/** The numbers of special messages for `count`: fixed shares, so the totals do not hang on luck. */
function specialCounts(count: number): Record<'reply' | 'auto_reply' | 'duplicate' | 'no_mid' | 'no_mid_copy', number> {
  return {
    reply: Math.round(count * 0.04),
    auto_reply: Math.round(count * 0.01),
    duplicate: Math.round(count * 0.004),
    no_mid: Math.round(count * 0.004),
    no_mid_copy: Math.round(count * 0.001),
  };
}

export function generateBulkMail(opts: BulkOptions): BulkCorpus {
  const rng = new Rng(opts.seed);
  const agencies = opts.agencies ?? loadSampleAgencies();
  const monitoredCode = opts.monitored ?? '000.00.03.H30';
  const province = 'Sơn Minh';
  const home = agencies.find((a) => a.code === monitoredCode);
  if (!home) throw new Error(`bulk-mail: no agency ${monitoredCode}`);
  const q3 = '2026-07-01';
  // Agencies that exist in 2026-Q3, the monitored one aside.
  const others = agencies.filter((a) => a.code !== monitoredCode && (a.validTo === null || a.validTo >= q3) && (a.validFrom === null || a.validFrom <= q3));
  const issuers = others.filter((a) => !usesPartyNumbering(issuerSymbol(a, province)));
  const homeAddress = home.addresses[0] ?? `vanthu@${home.domains[0] ?? 'example.gov.vn'}`;
  const homeDomain = home.domains[0] ?? null;

  const personName = (): string => {
    const female = rng.chance(0.5);
    return `${rng.pick(FAMILY_NAMES)} ${rng.pick(female ? MIDDLE_NAMES_FEMALE : MIDDLE_NAMES_MALE)} ${rng.pick(female ? GIVEN_NAMES_FEMALE : GIVEN_NAMES_MALE)}`;
  };
  const localPart = (name: string): string => {
    const parts = stripDiacritics(name).toLowerCase().split(/\s+/);
    const given = parts[parts.length - 1] ?? 'canbo';
    const initials = parts.slice(0, -1).map((p) => p.charAt(0)).join('');
    return `${given}${initials}`;
  };
  /** The agency's official mailbox, a clerk or a staff member on its own domain. */
  const agencyPerson = (a: Agency, staff = rng.chance(0.25)): Person => {
    const key = `agency:${a.code}`;
    const domain = a.domains.length > 0 ? rng.pick(a.domains) : null;
    if (domain && staff) {
      const n = personName();
      return { name: n, address: `${localPart(n)}@${domain}`, key };
    }
    if (a.addresses.length > 0 && (!domain || rng.chance(0.5))) return { name: a.name, address: rng.pick(a.addresses), key };
    return { name: a.name, address: `vanthu@${domain ?? 'sonminh.gov.vn'}`, key };
  };
  const homePerson = (): Person => {
    if (homeDomain && rng.chance(0.2)) {
      const n = personName();
      return { name: n, address: `${localPart(n)}@${homeDomain}`, key: `agency:${home.code}` };
    }
    return { name: home.name, address: homeAddress, key: `agency:${home.code}` };
  };
  const enterprises: Person[] = Array.from({ length: 40 }, (_, i) => {
    const form = rng.pick(ENTERPRISE_FORMS);
    const trade = rng.pick(ENTERPRISE_TRADES);
    const nm = rng.pick(ENTERPRISE_NAMES);
    const name = `${form.name} ${trade} ${nm}`;
    const domain = `${slug(nm)}${i % 3 === 0 ? slug(trade).slice(0, 6) : ''}.${rng.pick(['com.vn', 'vn', 'com'])}`;
    const address = `${rng.pick(['info', 'vanphong', 'ketoan', 'lienhe', 'admin'])}@${domain}`;
    return { name, address, key: `addr:${address}` };
  });
  const citizen = (): Person => {
    const n = personName();
    const address = `${localPart(n)}${rng.chance(0.6) ? rng.int(60, 2005) : ''}@${rng.pick(FREE_MAIL_DOMAINS)}`;
    return { name: rng.chance(0.8) ? n : '', address, key: `addr:${address}` };
  };

  // Documents: each reference keeps one kind and one issue date wherever it is named.
  const docDate = new Map<string, string>();
  const documents = new Set<string>();
  const transmittedDocs = new Set<string>();
  /** (document, sender party, receiver party) of every exchange with a document. */
  const docExchanges = new Set<string>();
  const newDoc = (issuer: Agency, date: Date, kindName?: string): { kind: string; ref: string; date: string } => {
    const kind = kindName ? (DOCUMENT_KINDS.find((k) => k.name === kindName) ?? DOCUMENT_KINDS[0]!) : rng.weighted(DOCUMENT_KINDS.filter((k) => !k.pcOnly || issuer.level.endsWith('_pc')).map((k) => [k, k.weight] as [typeof k, number]));
    const sym = issuerSymbol(issuer, province);
    const n = rng.int(1, 1800);
    const ref = kind.code === null ? (sym.includes('-') ? `${n}/${sym}` : `${n}/${sym}-${rng.pick(UNIT_CODES[sym] ?? GENERIC_UNIT_CODES)}`) : `${n}/${kind.code}-${sym}`;
    const d = docDate.get(ref) ?? viDate(new Date(date.getTime() - rng.int(0, 3) * 86400_000));
    docDate.set(ref, d);
    documents.add(ref);
    return { kind: kind.name, ref, date: d };
  };
  const citeCentral = (): string => {
    const c = rng.pick(CENTRAL_DOCUMENTS);
    documents.add(c.ref);
    const [y, m, d] = c.date.split('-');
    return `Căn cứ ${c.kind} số ${c.ref} ngày ${d}/${m}/${y} của ${c.issuer} về ${c.about};`;
  };
  // A few provincial documents that many mails cite.
  const pcAgency = agencies.find((a) => a.level === 'province_pc') ?? home;
  const provincial = Array.from({ length: 30 }, () => newDoc(pcAgency, new Date('2026-06-15T03:00:00Z')));
  const citeProvincial = (): string => {
    const p = rng.pick(provincial);
    return `Thực hiện ${p.kind} số ${p.ref} ngày ${p.date} của Ủy ban nhân dân tỉnh.`;
  };
  const topic = (): string =>
    rng.pick(TOPICS).replace('{year}', '2026').replace('{next}', '2027').replace('{prev}', '2025').replace('{period}', 'quý III năm 2026').replace('{province}', province);

  // The plan: base kinds, then the special ones at random positions past the first few hundred,
  // so that each has an earlier message to answer or repeat.
  const count = opts.count;
  const kinds: Kind[] = Array.from({ length: count }, () => rng.weighted(BASE_KINDS));
  const specials = specialCounts(count);
  const minPos = Math.min(200, Math.floor(count / 10));
  const specialList: Kind[] = (Object.entries(specials) as Array<[Kind, number]>).flatMap(([k, n]) => Array<Kind>(n).fill(k));
  const positions = new Set<number>();
  while (positions.size < specialList.length) positions.add(rng.int(minPos, count - 1));
  const sortedPos = [...positions].sort((a, b) => a - b);
  for (let i = specialList.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [specialList[i], specialList[j]] = [specialList[j] as Kind, specialList[i] as Kind];
  }
  // A byte-for-byte copy of a mail without Message-ID needs one before it.
  let noMidSoFar = 0;
  for (let i = 0; i < specialList.length; i++) {
    if (specialList[i] === 'no_mid') noMidSoFar++;
    if (specialList[i] === 'no_mid_copy' && noMidSoFar === 0) {
      const j = specialList.indexOf('no_mid', i);
      specialList[j] = 'no_mid_copy';
      specialList[i] = 'no_mid';
      noMidSoFar++;
    }
  }
  sortedPos.forEach((p, i) => (kinds[p] = specialList[i] as Kind));

  const span = PERIOD_2026_Q3.end.getTime() - PERIOD_2026_Q3.start.getTime() - 3600_000;
  const sent: Sent[] = [];
  const out: BulkMessage[] = [];
  const exp: BulkExpectation = {
    count,
    distinct: 0,
    duplicates: 0,
    duplicatesSameBytes: 0,
    withoutMessageId: 0,
    withoutMessageIdCopies: 0,
    autoReplies: 0,
    replies: 0,
    inPeriod: 0,
    exchanges: 0,
    sightings: 0,
    documents: 0,
    transmittedDocuments: 0,
    fromLines: 0,
    transferEncodings: { '8bit': 0, 'quoted-printable': 0, base64: 0 },
  };
  const originals = (pred: (s: Sent) => boolean): Sent[] => sent.filter(pred);
  let answerable: Sent[] = [];
  let lastAnswerableRefresh = -1;

  for (let i = 0; i < count; i++) {
    const kind = kinds[i] as Kind;
    const date = new Date(Math.floor((PERIOD_2026_Q3.start.getTime() + (span * (i + rng.float())) / count) / 1000) * 1000);

    if (kind === 'duplicate' || kind === 'no_mid_copy') {
      const pool = originals((s) => (kind === 'duplicate' ? s.messageId !== null : s.messageId === null && s.kind === 'no_mid'));
      const orig = rng.pick(pool);
      let raw = orig.raw;
      let internalDate = orig.internalDate;
      if (kind === 'duplicate') {
        exp.duplicates++;
        // Delivered a second time (by another list or relay): half of them with a Received line more.
        if (rng.chance(0.5)) {
          internalDate = new Date(orig.internalDate.getTime() + rng.int(60, 7200) * 1000);
          raw = `Received: from relay.sonminh.gov.vn (relay.sonminh.gov.vn [10.30.1.${rng.int(2, 250)}])\r\n\tby mail.sonminh.gov.vn (Postfix) with ESMTP id ${rng.hex(10).toUpperCase()};\r\n\t${rfc5322Date(internalDate)}\r\n${raw}`;
        } else exp.duplicatesSameBytes++;
      } else exp.withoutMessageIdCopies++;
      out.push({ raw: Buffer.from(raw, 'utf8'), folder: orig.folder, internalDate, envelopeFrom: orig.envelopeFrom });
      continue;
    }

    const mode: HeaderMode = rng.weighted<HeaderMode>([['b', 70], ['q', 20], ['raw', 10]]);
    const cte: Cte = rng.weighted<Cte>([['8bit', 40], ['quoted-printable', 35], ['base64', 25]]);
    let from: Person;
    let to: Person;
    const cc: Person[] = [];
    let subject: string;
    const body: string[] = [];
    const extra: string[] = [];
    let transmitted = 0;
    /** The documents this message transmits. */
    const carried = new Set<string>();
    let machine = false;
    let baseKind: Kind = kind;
    if (kind === 'no_mid') baseKind = rng.pick<Kind>(['agency_in', 'agency_out', 'citizen_in', 'enterprise_in']);
    let folder: 'INBOX' | 'Sent' = 'INBOX';

    if (kind === 'reply' || kind === 'auto_reply') {
      if (lastAnswerableRefresh < 0 || i - lastAnswerableRefresh > 50) {
        answerable = originals((s) => s.messageId !== null && (s.kind === 'agency_in' || s.kind === 'agency_out'));
        lastAnswerableRefresh = i;
      }
      const orig = kind === 'auto_reply' ? rng.pick(answerable.filter((s) => s.kind === 'agency_out')) : rng.pick(answerable);
      const outbound = orig.folder === 'INBOX';
      if (kind === 'auto_reply') {
        machine = true;
        exp.autoReplies++;
        const agency = agencies.find((a) => `agency:${a.code}` === orig.to.key) ?? pcAgency;
        from = agency.domains.length > 0 ? agencyPerson(agency, true) : { ...orig.to, name: personName() };
        to = orig.from;
        subject = `${rng.pick(AUTO_REPLY_SUBJECTS)}${orig.subject}`;
        const back = new Date(date.getTime() + rng.int(2, 10) * 86400_000);
        body.push(rng.pick(AUTO_REPLY_BODIES).replace('{from}', viDate(date)).replace('{to}', viDate(back)));
        extra.push(rng.chance(0.7) ? 'Auto-Submitted: auto-replied' : 'X-Autoreply: yes', 'X-Auto-Response-Suppress: All');
      } else {
        exp.replies++;
        from = outbound ? homePerson() : { ...orig.to, name: orig.to.name };
        to = orig.from;
        folder = outbound ? 'Sent' : 'INBOX';
        subject = `${rng.pick(['Re: ', 'RE: ', 'Trả lời: ', 'TL: '])}${orig.subject}`;
        body.push(rng.pick(REPLY_BODIES).replace('{to}', outbound ? home.name : shortAgencyName(from.name)).replace('{from}', outbound ? home.name : shortAgencyName(from.name)));
        body.push('', `Vào ngày ${viDate(orig.date)}, ${orig.from.name || orig.from.address} <${orig.from.address}> đã viết:`);
        for (const line of orig.bodyText.split('\r\n')) body.push(line === '' ? '>' : `> ${line}`);
      }
      extra.push(`In-Reply-To: <${orig.messageId}>`, `References: <${orig.messageId}>`);
      if (!machine) {
        exp.exchanges += 1;
        exp.sightings += 1;
      }
    } else if (baseKind === 'agency_in' || baseKind === 'agency_out') {
      const outbound = baseKind === 'agency_out';
      folder = outbound ? 'Sent' : 'INBOX';
      const other = rng.pick(outbound ? others : issuers);
      from = outbound ? homePerson() : agencyPerson(other);
      to = outbound ? agencyPerson(other, false) : { name: home.name, address: homeAddress, key: `agency:${home.code}` };
      if (rng.chance(0.2)) {
        const c = rng.pick(others.filter((a) => a.code !== other.code));
        cc.push(agencyPerson(c, false));
      }
      const issuer = outbound ? home : other;
      const doc = newDoc(issuer, date);
      const second = outbound && rng.chance(0.06) ? newDoc(issuer, date, 'Kế hoạch') : null;
      transmitted = second && second.ref !== doc.ref ? 2 : 1;
      transmittedDocs.add(doc.ref);
      carried.add(doc.ref);
      if (second) {
        transmittedDocs.add(second.ref);
        carried.add(second.ref);
      }
      const t = topic();
      const secret = rng.chance(0.006);
      const inSubject = rng.chance(0.7);
      subject = `${secret ? rng.pick(SECRET_SUBJECT_MARKS) : ''}${inSubject ? `${doc.kind} số ${doc.ref} ` : ''}V/v ${t}`;
      const sender = outbound ? home : other;
      const recipient = outbound ? other : home;
      body.push(`Kính gửi: ${recipient.name}`, '');
      if (rng.chance(0.35)) body.push(rng.chance(0.5) ? citeCentral() : citeProvincial());
      body.push(
        `${shortAgencyName(sender.name)} gửi ${doc.kind} số ${doc.ref} ngày ${doc.date}${second && transmitted === 2 ? ` và ${second.kind} số ${second.ref} ngày ${second.date}` : ''} về việc ${t}.`,
      );
      body.push(rng.pick(REQUESTS).replace('{deadline}', viDate(new Date(date.getTime() + 14 * 86400_000))));
      if (secret) body.push(rng.pick(SECRET_BODY_LINES));
      if (rng.chance(0.08)) body.push(rng.pick(HYBRID_PHRASES));
      else if (rng.chance(0.5)) body.push(rng.pick(ELECTRONIC_NOTES));
      body.push('', rng.pick(CLOSINGS), '--', from.name === sender.name ? `Văn thư ${shortAgencyName(sender.name)}` : `${from.name}\r\n${shortAgencyName(sender.name)}`);
    } else if (baseKind === 'internal') {
      // Within the agency: the clerk's mailbox and a staff member's, both on the agency's side.
      const n = personName();
      const staff: Person = { name: n, address: homeDomain ? `${localPart(n)}@${homeDomain}` : homeAddress, key: `agency:${home.code}` };
      const clerk: Person = { name: home.name, address: homeAddress, key: `agency:${home.code}` };
      const outbound = rng.chance(0.5);
      folder = outbound ? 'Sent' : 'INBOX';
      from = outbound ? clerk : staff;
      to = outbound ? staff : clerk;
      const doc = newDoc(home, date, rng.pick(['Tờ trình', 'Báo cáo', 'Công văn']));
      transmitted = 1;
      transmittedDocs.add(doc.ref);
      carried.add(doc.ref);
      const t = topic();
      subject = `${outbound ? 'Chuyển' : 'Trình'} ${doc.kind} số ${doc.ref} V/v ${t}`;
      body.push(`Kính gửi: ${outbound ? to.name : 'Lãnh đạo Sở'}`, '', `${from.name} gửi ${doc.kind} số ${doc.ref} ngày ${doc.date} về việc ${t}.`, 'Kính đề nghị xem xét, cho ý kiến.', '', rng.pick(CLOSINGS));
    } else if (baseKind === 'enterprise_in' || baseKind === 'enterprise_out') {
      const ent = rng.pick(enterprises);
      const outbound = baseKind === 'enterprise_out';
      folder = outbound ? 'Sent' : 'INBOX';
      from = outbound ? homePerson() : ent;
      to = outbound ? ent : { name: home.name, address: homeAddress, key: `agency:${home.code}` };
      const s = rng.pick(ENTERPRISE_SUBJECTS).replace('{year}', '2026');
      if (outbound) {
        const doc = newDoc(home, date, 'Công văn');
        transmitted = 1;
        transmittedDocs.add(doc.ref);
        carried.add(doc.ref);
        subject = `Công văn số ${doc.ref} V/v trả lời ${s.charAt(0).toLowerCase()}${s.slice(1)}`;
        body.push(`Kính gửi: ${ent.name}`, '', `${home.name} gửi Công văn số ${doc.ref} ngày ${doc.date} trả lời đề nghị của Quý Công ty.`, rng.pick(ELECTRONIC_NOTES), '', rng.pick(CLOSINGS));
      } else {
        subject = s;
        body.push(`Kính gửi: ${home.name}`, '');
        if (rng.chance(0.5)) body.push(citeCentral());
        body.push(`${ent.name} kính gửi Quý Sở hồ sơ như tiêu đề, kính đề nghị Quý Sở xem xét, giải quyết.`, '', rng.pick(CLOSINGS), '--', ent.name, `Mã số thuế: 0${rng.int(100000000, 999999999)}`);
      }
    } else {
      // Citizens on free mail, and the agency's answers to them.
      const c = citizen();
      const outbound = baseKind === 'citizen_out';
      folder = outbound ? 'Sent' : 'INBOX';
      from = outbound ? homePerson() : c;
      to = outbound ? c : { name: home.name, address: homeAddress, key: `agency:${home.code}` };
      const village = rng.pick(VILLAGES);
      const s = rng.pick(PETITION_SUBJECTS).replace('{village}', village);
      subject = outbound ? `Re: ${s}` : s;
      if (outbound) {
        body.push(`Chào ông/bà ${c.name || c.address},`, '', `${home.name} đã nhận được thư của ông/bà và đã chuyển bộ phận chuyên môn xem xét, giải quyết theo quy định.`, '', rng.pick(CLOSINGS));
      } else {
        const name = c.name || personName();
        body.push(
          `Kính gửi: ${home.name}`,
          '',
          rng.pick(PETITION_BODIES).replace('{name}', name).replace('{born}', String(rng.int(1950, 2000))).replace('{village}', village).replace('{commune}', 'xã Tân Lập'),
          '',
          'Tôi xin chân thành cảm ơn.',
          name,
        );
      }
    }
    if (!machine && kind !== 'reply') {
      exp.sightings += Math.max(1, carried.size) * (1 + cc.length);
      if (carried.size === 0) exp.exchanges += 1 + cc.length;
      for (const ref of carried) for (const r of [to, ...cc]) docExchanges.add(`${ref}\u0000${from.key}\u0000${r.key}`);
    }

    // mbox quoting: some bodies have lines that start with "From " or ">From ".
    if (cte !== 'base64' && rng.chance(0.015)) {
      body.push('', 'From now on, please use the reporting template of the Department.', '>From the previous thread: the deadline stays the same.');
      if (rng.chance(0.3)) body.push('>>From an older message, quoted twice.');
      exp.fromLines++;
    }

    const text = `${body.join('\r\n')}\r\n`;
    const hasMid = kind !== 'no_mid';
    const senderDomain = from.address.split('@')[1] ?? 'example.vn';
    const messageId = !hasMid
      ? null
      : senderDomain.endsWith('gmail.com')
        ? `CA${rng.alnum(2)}+${rng.alnum(30)}@mail.gmail.com`
        : senderDomain.endsWith('outlook.com') || baseKind === 'enterprise_in'
          ? `${rng.alnum(6).toUpperCase()}PR0${rng.int(1, 9)}MB${rng.int(1000, 9999)}${rng.hex(8).toUpperCase()}@${rng.alnum(6).toUpperCase()}.apcprd0${rng.int(1, 6)}.prod.outlook.com`
          : `${date.getTime().toString(36)}.${rng.hex(12)}@${senderDomain.endsWith('sonminh.gov.vn') ? 'mail.sonminh.gov.vn' : senderDomain}`;
    const internalDate = new Date(date.getTime() + (folder === 'Sent' ? rng.int(1, 5) : rng.int(5, 600)) * 1000);

    const h: string[] = [];
    if (folder === 'INBOX' && rng.chance(0.7))
      h.push(`Received: from mail.${senderDomain} (mail.${senderDomain} [10.${rng.int(1, 250)}.${rng.int(1, 250)}.${rng.int(1, 250)}])\r\n\tby mail.sonminh.gov.vn (Postfix) with ESMTPS id ${rng.hex(10).toUpperCase()}\r\n\tfor <${to.address}>; ${rfc5322Date(internalDate)}`);
    h.push(`Date: ${rfc5322Date(date)}`);
    h.push(addressList('From', [from], mode));
    h.push(addressList('To', [to], mode));
    if (cc.length > 0) h.push(addressList('Cc', cc, mode));
    h.push(unstructured('Subject', subject, mode));
    if (messageId !== null) {
      const r = rng.float();
      h.push(r < 0.03 ? `Message-ID:\r\n <${messageId}>` : r < 0.13 ? `Message-Id: <${messageId}>` : `Message-ID: <${messageId}>`);
    }
    h.push(...extra);
    h.push('MIME-Version: 1.0');
    if (rng.chance(0.3)) h.push(`X-Mailer: ${rng.pick(['Zimbra 8.8.15_GA_4545 (ZimbraWebClient - GC120 (Win)/8.8.15_GA_4545)', 'Microsoft Outlook 16.0', 'eOffice 5.0'])}`);
    let mime: string;
    if (!machine && rng.chance(0.06)) {
      const boundary = `----=_Part_${rng.int(100000, 999999)}_${rng.hex(8)}.${date.getTime()}`;
      mime =
        `Content-Type: multipart/alternative;\r\n\tboundary="${boundary}"\r\n\r\n` +
        `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(text)}\r\n` +
        `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(htmlOf(text))}\r\n` +
        `--${boundary}--\r\n`;
      exp.transferEncodings['quoted-printable']++;
    } else {
      mime = `Content-Type: text/plain; charset=${rng.pick(['utf-8', 'UTF-8', '"utf-8"'])}${cte === '8bit' && rng.chance(0.2) ? '; format=flowed' : ''}\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${encodeBody(text, cte)}`;
      if (!mime.endsWith('\r\n')) mime += '\r\n';
      exp.transferEncodings[cte]++;
    }
    const raw = `${h.join('\r\n')}\r\n${mime}`;
    if (!hasMid) exp.withoutMessageId++;
    const envelopeFrom = from.address;
    sent.push({ index: i, kind: kind === 'no_mid' ? 'no_mid' : baseKind, folder, raw, messageId, subject, from, to, date, bodyText: text.replace(/\r\n$/, ''), internalDate, envelopeFrom });
    out.push({ raw: Buffer.from(raw, 'utf8'), folder, internalDate, envelopeFrom });
  }
  exp.distinct = count - exp.duplicates - exp.withoutMessageIdCopies;
  exp.inPeriod = exp.distinct;
  exp.exchanges += docExchanges.size;
  exp.documents = documents.size;
  exp.transmittedDocuments = transmittedDocs.size;
  return { messages: out, expected: exp, monitored: monitoredCode };
}

/** The corpus as an mboxrd file: `From ` separator lines, `>From ` quoting, a blank line after each message. */
export function toMboxrd(messages: BulkMessage[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of messages) {
    parts.push(Buffer.from(`From ${m.envelopeFrom} ${asctime(m.internalDate)}\n`, 'latin1'));
    const quoted = m.raw.toString('latin1').replace(/^(>*From )/gm, '>$1');
    parts.push(Buffer.from(quoted, 'latin1'), Buffer.from('\n', 'latin1'));
  }
  return Buffer.concat(parts);
}
