// The demo and benchmark mail generator: realistic official mail of a province as raw RFC 5322
// messages, each with the truth the generator intended (parties, transmitted and cited documents,
// form, digitization, secret, machine-generated, malformed) so the pipeline can be scored against it.
// Pure apart from rendering attachments (documents.ts, in memory) and the optional
// loadSampleAgencies(), which reads config/agencies.yaml. Deterministic for a seed: every random
// choice comes from one seeded PRNG, and boundaries, Message-IDs and dates are drawn from it too.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailComposerOptions } from 'nodemailer/lib/mail-composer/index.js';
import { parse as parseYaml } from 'yaml';
import { AGENCY_LEVELS, type Agency, type AgencyLevel } from '../domain/types.js';
import {
  renderDocx,
  renderJpegScan,
  renderMixedPdf,
  renderScannedPdf,
  renderTextPdf,
  type DocSpec,
} from './documents.js';
import {
  AUTO_REPLY_BODIES,
  AUTO_REPLY_SUBJECTS,
  CENTRAL_DOCUMENTS,
  CLOSINGS,
  DEPARTMENT_UNITS,
  DOCUMENT_KINDS,
  ELECTRONIC_NOTES,
  ENTERPRISE_FORMS,
  ENTERPRISE_NAMES,
  ENTERPRISE_SUBJECTS,
  ENTERPRISE_TRADES,
  FAMILY_NAMES,
  FORWARD_PREFIXES,
  FREE_MAIL_DOMAINS,
  GENERIC_UNIT_CODES,
  GIVEN_NAMES_FEMALE,
  GIVEN_NAMES_MALE,
  HYBRID_PHRASES,
  MAILERS,
  MIDDLE_NAMES_FEMALE,
  MIDDLE_NAMES_MALE,
  OFFICE_TITLES,
  ORGANIZATIONS,
  PETITION_BODIES,
  PETITION_SUBJECTS,
  PLAIN_BODIES,
  PLAIN_SUBJECTS,
  READ_RECEIPT_SUBJECTS,
  REPLY_BODIES,
  REPLY_PREFIXES,
  REQUESTS,
  SECRET_BODY_LINES,
  SECRET_SUBJECT_MARKS,
  STAFF_TITLES,
  TITLE_PATTERNS,
  TOPICS,
  UNIT_CODES,
  VILLAGES,
  collectiveSignPrefix,
  headTitle,
  issuerSymbol,
  periodPhrase,
  placeOf,
  shortAgencyName,
  slug,
  stripDiacritics,
  taxCodeCheckDigit,
  usesPartyNumbering,
  type DocumentKind,
} from './vocabulary.js';

// ---------------------------------------------------------------------------------------------
// Public API

export type Counterparty = 'agency' | 'enterprise' | 'individual' | 'organization';

export interface GeneratedTruth {
  messageId: string;
  fromAgency: string | null;
  toAgency: string | null;
  /** The document the message transmits (its attachment), canonical form; null without one. */
  documentRef: string | null;
  /** Documents the message or its attachment cites without transmitting them. */
  citedRefs: string[];
  /** null for machine-generated mail (no exchange). */
  form: 'electronic' | 'hybrid' | null;
  digitization: 'born_digital' | 'scanned' | 'mixed' | 'none';
  secret: boolean;
  counterparty: Counterparty;
  machineGenerated: boolean;
  /** The bytes were corrupted after composing; the other fields say what was intended. */
  malformed: boolean;
  /** The transmitted document's PDF is attached with its digital signature. */
  signed: boolean;
  /** The agencies' addresses on the mail (sender, recipients, copies), for the demo's account list. */
  agencyAddresses: Array<{ address: string; agency: string; name: string }>;
}

export interface GeneratedMessage {
  /** Full RFC 5322 message, CRLF line ends. */
  raw: Buffer;
  /** Agency code of the monitored mailbox it is delivered to. */
  mailbox: string;
  folder: 'INBOX' | 'Sent';
  internalDate: Date;
  truth: GeneratedTruth;
}

export interface CorpusOptions {
  /** Number of messages to yield (mailbox copies: a mail between two monitored agencies counts twice). */
  count: number;
  seed?: number;
  period: { start: Date; end: Date };
  agencies: Agency[];
  /** Agency codes whose mailboxes are watched; every mail involves at least one of them. */
  monitored: string[];
  /** Share of mails with attachments, default 0.6. */
  attachmentShare?: number;
  /** Average raw size in bytes the document choice steers toward, default 120,000. */
  targetSize?: number;
  /** Documents in the rendered pool, default 48 (a third of them also rendered as scans). */
  poolSize?: number;
}

/** Mails (distinct Message-IDs) are yielded in date order; each is yielded once per mailbox holding it. */
export async function* generateCorpus(opts: CorpusOptions): AsyncGenerator<GeneratedMessage> {
  const ctx = createContext(opts);
  let emitted = 0;
  let sizeSum = 0;
  let mails = 0;
  while (emitted < opts.count) {
    const remaining = opts.count - emitted;
    const date = ctx.dateAt((emitted + ctx.rng.next()) / opts.count);
    // Steer toward the target size by choosing heavier or lighter documents, never by changing
    // the shares of attachments or scans.
    const heavy = mails === 0 || sizeSum / mails < ctx.targetSize;
    const plan = planMail(ctx, date, remaining, heavy);
    const mail = await composeMail(ctx, plan);
    sizeSum += mail.raw.length;
    mails++;
    rememberMail(ctx, plan, mail);
    for (const d of deliveries(plan)) {
      yield {
        raw: mail.raw,
        mailbox: d.mailbox,
        folder: d.folder,
        internalDate: new Date(plan.date.getTime() + (d.folder === 'Sent' ? ctx.rng.int(1, 5) : ctx.rng.int(6, 180)) * 1000),
        truth: mail.truth,
      };
      emitted++;
    }
  }
}

export async function generateCorpusArray(opts: CorpusOptions): Promise<GeneratedMessage[]> {
  const out: GeneratedMessage[] = [];
  for await (const m of generateCorpus(opts)) out.push(m);
  return out;
}

/**
 * The sample directory config/agencies.yaml, mapped to Agency. The repository root is found by
 * walking up from this module to package.json, since it also runs compiled from dist/src/demo/.
 */
export function loadSampleAgencies(): Agency[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config', 'agencies.yaml'))) break;
    const up = dirname(dir);
    if (up === dir) throw new Error('config/agencies.yaml not found above ' + dirname(fileURLToPath(import.meta.url)));
    dir = up;
  }
  const doc: unknown = parseYaml(readFileSync(join(dir, 'config', 'agencies.yaml'), 'utf8'));
  const list = isRecord(doc) && Array.isArray(doc['agencies']) ? (doc['agencies'] as unknown[]) : [];
  return list.filter(isRecord).map((r) => {
    const level = String(r['level']);
    if (!(AGENCY_LEVELS as readonly string[]).includes(level)) throw new Error(`unknown agency level ${level}`);
    return {
      code: String(r['code']),
      name: String(r['name']),
      level: level as AgencyLevel,
      parent: optString(r['parent']),
      domains: stringList(r['domains']).map((s) => s.toLowerCase()),
      addresses: stringList(r['addresses']).map((s) => s.toLowerCase()),
      validFrom: optString(r['valid_from']),
      validTo: optString(r['valid_to']),
      successor: optString(r['successor']),
    };
  });
}

/** A valid 10-digit tax code (mã số thuế) drawn from `rand` (values in [0, 1)). */
export function makeTaxCode(rand: () => number): string {
  for (;;) {
    let first9 = '0';
    for (let i = 0; i < 8; i++) first9 += String(Math.floor(rand() * 10));
    const check = taxCodeCheckDigit(first9);
    if (check !== null) return first9 + String(check);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function optString(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
}
function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => String(x)) : [];
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32): Math.random would make the corpus unrepeatable.

interface Rng {
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  hex(n: number): string;
}

function createRng(seed: number): Rng {
  let a = seed >>> 0;
  let b = 0x9e3779b9;
  let c = 0x243f6a88;
  let d = (0xb7e15162 ^ seed) >>> 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 20; i++) next();
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    chance: (p) => next() < p,
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      const total = items.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [item, w] of items) {
        r -= w;
        if (r < 0) return item;
      }
      const last = items[items.length - 1];
      if (!last) throw new Error('weighted pick from an empty list');
      return last[0];
    },
    hex: (n) => {
      let s = '';
      for (let i = 0; i < n; i++) s += Math.floor(next() * 16).toString(16);
      return s;
    },
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// Context: the directory, the external parties and the document pool of one corpus

type Mailer = 'zimbra' | 'outlook' | 'eoffice' | 'gmail' | 'yahoo';

interface Endpoint {
  address: string;
  name: string;
  agency: Agency | null;
  kind: Counterparty;
  /** The monitored agency whose mailbox holds this address's mail; null when not watched. */
  mailbox: string | null;
  mailer: Mailer;
  /** Lines under the name in the signature (title, agency, phone, tax code). */
  signature: string[];
}

interface Enterprise {
  name: string;
  abbr: string;
  address: string;
  taxCode: string;
  street: string;
}

type RenderFormat = 'text_pdf' | 'scanned_pdf' | 'jpeg' | 'mixed_pdf' | 'docx';

interface CitedDoc {
  kind: string;
  ref: string;
  date: Date;
  issuer: string;
  about: string;
}

interface PoolDoc {
  id: number;
  spec: DocSpec;
  ref: string;
  kind: DocumentKind;
  /** Short name of the issuer as written in running text ("Sở Tài chính", "UBND tỉnh"). */
  issuerShort: string;
  issuerCode: string | null;
  enterprise: Enterprise | null;
  date: Date;
  cited: CitedDoc[];
  /** Estimated size (characters of text): more text, more pages, bigger scans. */
  weight: number;
  formats: ReadonlySet<RenderFormat>;
  /** A citizen's petition: no number, transmitted by no reference. */
  petition: boolean;
}

interface Context {
  rng: Rng;
  seed: number;
  start: Date;
  end: Date;
  agencies: Agency[];
  monitored: Set<string>;
  province: string;
  provincePc: Agency | null;
  attachmentShare: number;
  targetSize: number;
  enterprises: Enterprise[];
  pool: PoolDoc[];
  petitions: PoolDoc[];
  ring: RingEntry[];
  sequence: number;
  dateAt(u: number): Date;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving). */
const VN_OFFSET = 7 * HOUR;

function createContext(opts: CorpusOptions): Context {
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new Error('count must be a non-negative integer');
  const start = opts.period.start;
  const end = opts.period.end;
  if (!(start.getTime() < end.getTime())) throw new Error('period.start must be before period.end');
  const byCode = new Map(opts.agencies.map((a) => [a.code, a]));
  for (const code of opts.monitored) {
    const a = byCode.get(code);
    if (!a) throw new Error(`monitored agency ${code} is not in the directory`);
    if (!officialAddress(a)) throw new Error(`monitored agency ${code} has no address or domain`);
  }
  if (opts.count > 0 && opts.monitored.length === 0) throw new Error('monitored must name at least one agency');
  const seed = (opts.seed ?? 1) >>> 0;
  const rng = createRng(seed);
  const poolRng = createRng((seed * 7919 + 104_729) >>> 0);
  const provincePc = opts.agencies.find((a) => a.level === 'province_pc') ?? null;
  const province = provincePc ? placeOf(provincePc.name) : 'Sơn Minh';
  const agencies = opts.agencies.filter((a) => officialAddress(a) !== null);
  const enterprises = makeEnterprises(poolRng, province);
  const ctx: Context = {
    rng,
    seed,
    start,
    end,
    agencies,
    monitored: new Set(opts.monitored),
    province,
    provincePc,
    attachmentShare: Math.min(1, Math.max(0, opts.attachmentShare ?? 0.6)),
    targetSize: opts.targetSize ?? 120_000,
    enterprises,
    pool: [],
    petitions: [],
    ring: [],
    sequence: 0,
    dateAt: makeDateScale(start, end),
  };
  ctx.pool = makePool(ctx, poolRng, Math.max(8, opts.poolSize ?? 48));
  ctx.petitions = makePetitions(ctx, poolRng);
  return ctx;
}

function officialAddress(a: Agency): string | null {
  const first = a.addresses[0];
  if (first) return first;
  const domain = a.domains[0];
  return domain ? `vanthu@${domain}` : null;
}

function isActive(a: Agency, day: string): boolean {
  return (a.validFrom === null || a.validFrom <= day) && (a.validTo === null || a.validTo >= day);
}

/** YYYY-MM-DD of an instant in Vietnam. */
function localDay(d: Date): string {
  return new Date(d.getTime() + VN_OFFSET).toISOString().slice(0, 10);
}

/**
 * Maps u in [0, 1) to an instant of the period, increasing with u: mostly weekdays in office hours
 * (07:30–11:30, 13:30–17:00, Vietnam time), a few weekends and evenings.
 */
function makeDateScale(start: Date, end: Date): (u: number) => Date {
  const firstDay = Math.floor((start.getTime() + VN_OFFSET) / DAY);
  const lastDay = Math.floor((end.getTime() - 1 + VN_OFFSET) / DAY);
  const days: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = new Date(day * DAY).getUTCDay();
    total += weekday === 0 ? 0.02 : weekday === 6 ? 0.06 : 1;
    days.push(day);
    cumulative.push(total);
  }
  return (u: number): Date => {
    const target = Math.min(Math.max(u, 0), 0.999999) * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    const day = days[lo] ?? firstDay;
    const before = lo > 0 ? (cumulative[lo - 1] ?? 0) : 0;
    const frac = (target - before) / ((cumulative[lo] ?? total) - before || 1);
    const minutes = frac * 450; // 7.5 office hours
    const localMinutes = minutes < 240 ? 450 + minutes : 810 + (minutes - 240);
    // Every 29th minute-slot falls in the evening: officials do answer mail at night.
    const evening = Math.floor(frac * 1000) % 29 === 0;
    const local = day * DAY + (evening ? 19 * 60 + frac * 180 : localMinutes) * 60_000;
    const t = Math.min(Math.max(local - VN_OFFSET, start.getTime()), end.getTime() - 1000);
    return new Date(Math.floor(t / 1000) * 1000);
  };
}

function makeEnterprises(rng: Rng, province: string): Enterprise[] {
  const out: Enterprise[] = [];
  const used = new Set<string>();
  for (let i = 0; i < 14; i++) {
    const form = rng.pick(ENTERPRISE_FORMS);
    const trade = rng.pick(ENTERPRISE_TRADES);
    const base = rng.pick(ENTERPRISE_NAMES);
    const name = `${form.name} ${trade} ${base}`;
    if (used.has(name)) continue;
    used.add(name);
    const abbr = base
      .split(' ')
      .map((w) => w.charAt(0).toUpperCase())
      .join('');
    const style = rng.int(0, 9);
    const domain =
      style < 5 ? `${form.slug}${slug(trade)}${slug(base)}.com.vn` : style < 8 ? `${slug(base)}${slug(trade).slice(0, 6)}.vn` : null;
    // Small firms write from free mail; their tax code in the signature is what identifies them.
    const address = domain ? rng.pick(['info', 'vanphong', 'ketoan', 'lienhe']) + '@' + domain : `${slug(base)}${rng.int(68, 99)}@gmail.com`;
    let taxCode = makeTaxCode(rng.next);
    if (rng.chance(0.1)) taxCode += `-00${rng.int(1, 9)}`;
    const street = `Số ${rng.int(2, 250)} đường ${rng.pick(['Lê Lợi', 'Trần Hưng Đạo', 'Nguyễn Trãi', 'Hùng Vương', 'Quang Trung'])}, tỉnh ${province}`;
    out.push({ name, abbr, address, taxCode, street });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// People and addresses

function personName(rng: Rng): string {
  const female = rng.chance(0.5);
  return `${rng.pick(FAMILY_NAMES)} ${rng.pick(female ? MIDDLE_NAMES_FEMALE : MIDDLE_NAMES_MALE)} ${rng.pick(female ? GIVEN_NAMES_FEMALE : GIVEN_NAMES_MALE)}`;
}

function phone(rng: Rng): string {
  return `02${rng.int(10, 99)}.${rng.int(3_500, 3_899)}.${String(rng.int(0, 999)).padStart(3, '0')}`;
}

function mobile(rng: Rng): string {
  return `09${rng.int(10, 98)}.${String(rng.int(0, 999)).padStart(3, '0')}.${String(rng.int(0, 999)).padStart(3, '0')}`;
}

function stableHash(s: string): number {
  return createHash('sha1').update(s).digest().readUInt32BE(0);
}

/** Each agency keeps one mail system, so its headers look alike across messages. */
function agencyMailer(a: Agency): Mailer {
  const h = stableHash(a.code) % 20;
  return h < 12 ? 'zimbra' : h < 17 ? 'outlook' : 'eoffice';
}

function withProvince(name: string, province: string): string {
  return /tỉnh|xã|phường|huyện|thị xã|thành phố/u.test(name) ? name : `${name} tỉnh ${province}`;
}

function agencyEndpoint(ctx: Context, a: Agency, staff?: string): Endpoint {
  const official = officialAddress(a) ?? '';
  const address = staff ?? official;
  const person = personName(ctx.rng);
  const unit = a.level === 'commune_pc' ? 'Văn phòng HĐND và UBND' : ctx.rng.pick(DEPARTMENT_UNITS);
  const title = ctx.rng.pick(unit.startsWith('Văn phòng') ? OFFICE_TITLES : STAFF_TITLES);
  return {
    address,
    name: staff ? person : shortAgencyName(a.name),
    agency: a,
    kind: 'agency',
    mailbox: address === official && ctx.monitored.has(a.code) ? a.code : null,
    mailer: agencyMailer(a),
    signature: [
      person,
      `${title} - ${unit}`,
      withProvince(a.name, ctx.province),
      `ĐT: ${phone(ctx.rng)}${ctx.rng.chance(0.5) ? ` - DĐ: ${mobile(ctx.rng)}` : ''}`,
    ],
  };
}

/** A second address of the same agency, for internal mail: a staff mailbox on its own domain. */
function staffAddress(ctx: Context, a: Agency): string | null {
  const domain = a.domains[0];
  if (domain) {
    const n = slug(personName(ctx.rng));
    return `${n}@${domain}`;
  }
  const other = a.addresses.slice(1);
  return other.length > 0 ? ctx.rng.pick(other) : null;
}

function enterpriseEndpoint(ctx: Context, e: Enterprise): Endpoint {
  return {
    address: e.address,
    name: e.name,
    agency: null,
    kind: 'enterprise',
    mailbox: null,
    mailer: e.address.endsWith('@gmail.com') ? 'gmail' : 'outlook',
    signature: [personName(ctx.rng), ctx.rng.pick(['Phòng Hành chính', 'Kế toán', 'Giám đốc']), e.name, `MST: ${e.taxCode}`, `Địa chỉ: ${e.street}`, `ĐT: ${mobile(ctx.rng)}`],
  };
}

function individualEndpoint(ctx: Context): Endpoint {
  const name = personName(ctx.rng);
  const parts = slug(name.split(' ').slice(-1)[0] ?? 'ban') + slug(name.split(' ').slice(0, -1).join(' '));
  const domain = ctx.rng.pick(FREE_MAIL_DOMAINS);
  const local = ctx.rng.chance(0.5) ? `${parts}${ctx.rng.int(60, 99)}` : `${slug(name)}.${ctx.rng.int(1, 999)}`;
  return {
    address: `${local}@${domain}`,
    name,
    agency: null,
    kind: 'individual',
    mailbox: null,
    mailer: domain === 'gmail.com' ? 'gmail' : domain.startsWith('yahoo') ? 'yahoo' : 'outlook',
    signature: [name, `ĐT: ${mobile(ctx.rng)}`],
  };
}

function organizationEndpoint(ctx: Context): Endpoint {
  const o = ctx.rng.pick(ORGANIZATIONS);
  const name = o.name.replace('{province}', ctx.province);
  const domain = o.domain.replace('{slug}', slug(ctx.province));
  return {
    address: `vanphong@${domain}`,
    name,
    agency: null,
    kind: 'organization',
    mailbox: null,
    mailer: 'outlook',
    signature: [personName(ctx.rng), 'Văn phòng', name, `ĐT: ${phone(ctx.rng)}`],
  };
}

// ---------------------------------------------------------------------------------------------
// The document pool: a few dozen documents rendered once and reused, since scans are slow

function fillTopic(ctx: Context, rng: Rng, template: string, date: Date): string {
  const y = date.getUTCFullYear();
  return template
    .replaceAll('{year}', String(y))
    .replaceAll('{next}', String(y + 1))
    .replaceAll('{prev}', String(y - 1))
    .replaceAll('{period}', periodPhrase(y, date.getUTCMonth() + 1, rng.int(0, 3)))
    .replaceAll('{province}', ctx.province);
}

function dmy(d: Date): string {
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
}

/** The document number an issuer gives on a date: PCs number in thousands, communes in tens. */
function documentNumber(rng: Rng, level: AgencyLevel | null, date: Date): number {
  const dayOfYear = Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY) + 1;
  const perDay = level === 'province_pc' ? 14 : level === 'department' || level === 'district_pc' ? 3 : 0.6;
  return Math.max(1, Math.round(dayOfYear * perDay) + rng.int(0, Math.max(2, Math.round(perDay * 2))));
}

function makeRef(rng: Rng, ctx: Context, agency: Agency, kind: DocumentKind, date: Date, legal: boolean): string {
  const symbol = issuerSymbol(agency, ctx.province);
  const n = documentNumber(rng, agency.level, date);
  if (legal) return `${rng.int(1, 60)}/${date.getUTCFullYear()}/QĐ-${symbol}`;
  if (usesPartyNumbering(symbol)) return `${n}-${kind.code ?? 'CV'}/${symbol}`;
  if (kind.code === null) {
    if (agency.level === 'commune_pc') return rng.chance(0.3) ? `${n}/UBND` : `${n}/UBND-VP`;
    const units = UNIT_CODES[symbol] ?? GENERIC_UNIT_CODES;
    return `${n}/${symbol}-${rng.pick(units)}`;
  }
  return `${n}/${kind.code}-${symbol}`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function citeFrom(ctx: Context, rng: Rng, earlier: PoolDoc[]): CitedDoc {
  const own = earlier.filter((d) => !d.enterprise && !d.petition);
  if (own.length > 0 && rng.chance(0.45)) {
    const d = rng.pick(own);
    return { kind: d.kind.name, ref: d.ref, date: d.date, issuer: d.issuerShort, about: aboutOf(d.spec.title) };
  }
  const c = rng.pick(CENTRAL_DOCUMENTS);
  return { kind: c.kind, ref: c.ref, date: new Date(`${c.date}T00:00:00Z`), issuer: c.issuer, about: c.about };
}

function aboutOf(title: string): string {
  return lowerFirst(title.replace(/^V\/v\s+/u, '').replace(/^Về việc\s+/u, ''));
}

function citePhrase(c: CitedDoc): string {
  return `${c.kind} số ${c.ref} ngày ${dmy(c.date)} của ${c.issuer} về ${c.about}`;
}

function paragraphsFor(rng: Rng, issuerShort: string, topic: string, cited: CitedDoc[], pages: number): string[] {
  const out: string[] = [];
  for (const c of cited) out.push(`Thực hiện ${citePhrase(c)};`);
  out.push(`Để triển khai có hiệu quả ${topic}, ${issuerShort} đề nghị các cơ quan, đơn vị tập trung thực hiện một số nội dung sau:`);
  const tasks = [
    `Quán triệt, phổ biến đến toàn thể cán bộ, công chức, viên chức các nội dung về ${topic}; phân công lãnh đạo trực tiếp phụ trách, theo dõi, đôn đốc.`,
    'Rà soát, đánh giá kết quả thực hiện thời gian qua; chỉ rõ những tồn tại, hạn chế, nguyên nhân và đề xuất giải pháp khắc phục trong thời gian tới.',
    'Bố trí kinh phí, nhân lực và các điều kiện cần thiết để bảo đảm tiến độ, chất lượng; phối hợp chặt chẽ với các cơ quan liên quan trong quá trình thực hiện.',
    'Tăng cường ứng dụng công nghệ thông tin, sử dụng văn bản điện tử và chữ ký số trong trao đổi, xử lý công việc; hạn chế tối đa việc gửi văn bản giấy không cần thiết.',
    'Định kỳ hằng quý tổng hợp, báo cáo kết quả thực hiện, những khó khăn, vướng mắc phát sinh (nếu có) gửi về cơ quan chủ trì để tổng hợp, báo cáo cấp có thẩm quyền.',
    'Chủ động tuyên truyền trên cổng thông tin điện tử, trang thông tin điện tử của cơ quan, đơn vị để cán bộ và nhân dân biết, hưởng ứng thực hiện.',
  ];
  const n = Math.min(tasks.length, 2 + pages * 2 + rng.int(0, 1));
  for (let i = 0; i < n; i++) out.push(`${i + 1}. ${tasks[i] ?? ''}`);
  if (pages > 1) {
    out.push(
      `Trong quá trình triển khai, các cơ quan, đơn vị cần bám sát mục tiêu, nhiệm vụ đã đề ra; thường xuyên kiểm tra, đôn đốc việc thực hiện ở cơ sở; kịp thời biểu dương những tập thể, cá nhân làm tốt, chấn chỉnh những nơi thực hiện chưa nghiêm. Kết quả thực hiện ${topic} là một trong những tiêu chí đánh giá, xếp loại thi đua cuối năm của cơ quan, đơn vị.`,
    );
  }
  if (pages > 2) {
    for (let i = 0; i < (pages - 2) * 6; i++) {
      out.push(
        `Phụ lục ${i + 1}: Tổng hợp số liệu ${topic} — đơn vị tính, chỉ tiêu kế hoạch, kết quả thực hiện, tỷ lệ so với cùng kỳ, ghi chú. Các đơn vị điền đầy đủ, chính xác số liệu và chịu trách nhiệm về số liệu báo cáo; số liệu tính đến hết ngày cuối cùng của kỳ báo cáo.`,
      );
    }
  }
  out.push(`Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh về ${issuerShort} để được hướng dẫn, giải quyết./.`);
  return out;
}

function makePool(ctx: Context, rng: Rng, size: number): PoolDoc[] {
  const span = ctx.end.getTime() - ctx.start.getTime();
  const scanCap = Math.max(4, Math.round(size / 3));
  const mixedCap = Math.max(3, Math.round(size / 5));
  const monitored = [...ctx.monitored].map((c) => ctx.agencies.find((a) => a.code === c)).filter((a): a is Agency => !!a);
  const pool: PoolDoc[] = [];
  for (let i = 0; i < size; i++) {
    // Low-discrepancy dates: any prefix of the pool (the scans) spans the whole period, starting
    // a month before it so early mail has documents issued before it.
    const frac = (i * 0.618_033_988_75) % 1;
    const t = ctx.start.getTime() - 30 * DAY + frac * (span + 30 * DAY);
    const localDate = new Date(Math.floor((t + VN_OFFSET) / DAY) * DAY);
    const day = localDate.toISOString().slice(0, 10);
    const active = ctx.agencies.filter((a) => isActive(a, day));
    const slot = i % 8;
    let agency: Agency | null = null;
    let enterprise: Enterprise | null = null;
    if (slot === 3 || slot === 7) {
      if (slot === 7) enterprise = ctx.enterprises[(i >> 3) % ctx.enterprises.length] ?? null;
      else agency = rng.pick(active.length > 0 ? active : ctx.agencies);
    } else if (slot % 4 === 0 && ctx.provincePc) {
      agency = ctx.provincePc;
    } else if (slot % 2 === 1 && monitored.length > 0) {
      const live = monitored.filter((a) => isActive(a, day));
      agency = rng.pick(live.length > 0 ? live : monitored);
    } else {
      agency = rng.pick(active.length > 0 ? active : ctx.agencies);
    }
    const pages = rng.weighted([
      [1, 2],
      [2, 3],
      [3, 3],
      [4, 3],
      [5, 3],
      [6, 2],
    ] as const);
    const formats = new Set<RenderFormat>(['text_pdf', 'docx']);
    if (i < scanCap) {
      formats.add('scanned_pdf');
      formats.add('jpeg');
    }
    if (i < mixedCap) formats.add('mixed_pdf');
    const doc = enterprise
      ? enterpriseDoc(ctx, rng, i, enterprise, localDate, pages, formats)
      : agencyDoc(ctx, rng, i, agency ?? ctx.agencies[0]!, localDate, pages, formats, pool);
    pool.push(doc);
  }
  return pool;
}

function agencyDoc(
  ctx: Context,
  rng: Rng,
  id: number,
  agency: Agency,
  date: Date,
  pages: number,
  formats: Set<RenderFormat>,
  earlier: PoolDoc[],
): PoolDoc {
  const isPc = /^Ủy ban nhân dân/u.test(agency.name);
  const kinds = DOCUMENT_KINDS.filter((k) => isPc || !k.pcOnly);
  const kind = rng.weighted(kinds.map((k) => [k, k.weight] as const));
  const legal = agency.level === 'province_pc' && kind.name === 'Quyết định' && rng.chance(0.3);
  const ref = makeRef(rng, ctx, agency, kind, date, legal);
  const issuerShort = agency.level === 'province_pc' ? 'UBND tỉnh' : shortAgencyName(agency.name);
  const topic = fillTopic(ctx, rng, rng.pick(TOPICS), date);
  const cited = rng.chance(0.65) ? [citeFrom(ctx, rng, earlier)] : [];
  if (cited.length > 0 && rng.chance(0.25)) {
    const second = citeFrom(ctx, rng, earlier);
    if (second.ref !== cited[0]?.ref) cited.push(second);
  }
  const firstCited = cited[0];
  let pattern = rng.pick(TITLE_PATTERNS[kind.name] ?? ['{topic}']);
  if (pattern.includes('{cited}') && !firstCited) pattern = 'V/v triển khai {topic}';
  const title = pattern
    .replace('{topic}', topic)
    .replace('{cited}', firstCited ? `${firstCited.kind} số ${firstCited.ref} của ${firstCited.issuer}` : '');
  const head = headTitle(agency);
  const collective = collectiveSignPrefix(agency);
  const deputy = rng.chance(0.6);
  const signerTitle = [collective, deputy ? `KT. ${head.full}` : null, deputy ? head.deputy : head.full].filter((s): s is string => !!s).join('\n');
  const parent = agency.parent ? ctx.agencies.find((a) => a.code === agency.parent) : undefined;
  const spec: DocSpec = {
    issuer: agency.name.toUpperCase(),
    ...(agency.level === 'department' || agency.level === 'unit'
      ? { parentIssuer: parent ? shortAgencyName(parent.name).toUpperCase() : `UBND TỈNH ${ctx.province.toUpperCase()}` }
      : {}),
    number: ref,
    place: agency.level === 'commune_pc' ? placeOf(agency.name) : ctx.province,
    date,
    kind: legal ? 'Quyết định' : kind.name,
    title,
    recipients: recipientsFor(agency),
    paragraphs: paragraphsFor(rng, issuerShort, topic, cited, pages),
    signerTitle,
    signer: personName(rng),
    // Three in five agency documents carry the agency's digital signature (its PDF; the scans and
    // the .docx of the same document do not). Chosen from the reference, not the random stream, so
    // the rest of the corpus is the same with or without signatures.
    ...(createHash('sha256').update(`signed|${ref}`).digest()[0]! < 154 ? { signedBy: agency.name } : {}),
  };
  const weight = spec.paragraphs.reduce((s, p) => s + p.length, 0);
  return { id, spec, ref, kind, issuerShort, issuerCode: agency.code, enterprise: null, date, cited, weight, formats, petition: false };
}

function recipientsFor(agency: Agency): string[] {
  switch (agency.level) {
    case 'province_pc':
      return ['Các sở, ban, ngành tỉnh', 'UBND các xã, phường'];
    case 'commune_pc':
      return ['Các cơ quan, đơn vị có liên quan'];
    default:
      return ['Các sở, ban, ngành tỉnh', 'Các cơ quan, đơn vị có liên quan'];
  }
}

function enterpriseDoc(
  ctx: Context,
  rng: Rng,
  id: number,
  e: Enterprise,
  date: Date,
  pages: number,
  formats: Set<RenderFormat>,
): PoolDoc {
  const kind = rng.pick(DOCUMENT_KINDS.filter((k) => k.name === 'Công văn' || k.name === 'Báo cáo' || k.name === 'Tờ trình'));
  const ref = `${rng.int(3, 120)}/${kind.code ?? 'CV'}-${e.abbr}`;
  const subject = fillTopic(ctx, rng, rng.pick(ENTERPRISE_SUBJECTS), date);
  const title = kind.code === null ? `V/v ${lowerFirst(subject)}` : subject;
  const spec: DocSpec = {
    issuer: e.name.toUpperCase(),
    number: ref,
    place: ctx.province,
    date,
    kind: kind.name,
    title,
    recipients: [`Sở, ngành có liên quan tỉnh ${ctx.province}`],
    paragraphs: [
      `${e.name} (MST: ${e.taxCode}), địa chỉ: ${e.street}.`,
      ...paragraphsFor(rng, e.name, lowerFirst(subject), [], pages).slice(1),
    ],
    signerTitle: 'GIÁM ĐỐC',
    signer: personName(rng),
  };
  const weight = spec.paragraphs.reduce((s, p) => s + p.length, 0);
  return { id, spec, ref, kind, issuerShort: e.name, issuerCode: null, enterprise: e, date, cited: [], weight, formats, petition: false };
}

function makePetitions(ctx: Context, rng: Rng): PoolDoc[] {
  const out: PoolDoc[] = [];
  const commune = ctx.agencies.find((a) => a.level === 'commune_pc');
  for (let i = 0; i < 4; i++) {
    const name = personName(rng);
    const village = rng.pick(VILLAGES);
    const title = PETITION_SUBJECTS[i % PETITION_SUBJECTS.length]!.replace('{village}', village);
    const date = new Date(Math.floor((ctx.start.getTime() + VN_OFFSET) / DAY) * DAY);
    const body = rng
      .pick(PETITION_BODIES)
      .replace('{name}', name)
      .replace('{born}', String(rng.int(1950, 2000)))
      .replaceAll('{village}', village)
      .replace('{commune}', commune ? shortAgencyName(commune.name) : `tỉnh ${ctx.province}`);
    const spec: DocSpec = {
      issuer: 'ĐƠN KIẾN NGHỊ',
      number: '',
      place: ctx.province,
      date,
      kind: 'Đơn',
      title,
      recipients: [commune ? shortAgencyName(commune.name) : `UBND tỉnh ${ctx.province}`],
      paragraphs: [body, 'Tôi xin cam đoan những nội dung trình bày trên là đúng sự thật. Kính mong Quý cơ quan xem xét, giải quyết.'],
      signerTitle: 'NGƯỜI LÀM ĐƠN',
      signer: name,
    };
    out.push({
      id: 1000 + i,
      spec,
      ref: '',
      kind: DOCUMENT_KINDS[0]!,
      issuerShort: name,
      issuerCode: null,
      enterprise: null,
      date,
      cited: [],
      weight: 800,
      formats: new Set<RenderFormat>(['jpeg']),
      petition: true,
    });
  }
  return out;
}

/** Rendered attachments, shared by every corpus in the process (keyed by format and spec). */
const renderCache = new Map<string, Promise<Buffer>>();
const RENDER_CACHE_LIMIT = 1_000;

function render(format: RenderFormat, spec: DocSpec): Promise<Buffer> {
  const key = format + '|' + createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  let hit = renderCache.get(key);
  if (!hit) {
    if (renderCache.size >= RENDER_CACHE_LIMIT) renderCache.clear();
    const fn =
      format === 'text_pdf'
        ? renderTextPdf
        : format === 'scanned_pdf'
          ? renderScannedPdf
          : format === 'jpeg'
            ? renderJpegScan
            : format === 'mixed_pdf'
              ? renderMixedPdf
              : renderDocx;
    hit = fn(spec);
    renderCache.set(key, hit);
    // A failed render must not stay cached: the next corpus retries it.
    hit.catch(() => renderCache.delete(key));
  }
  return hit;
}

// ---------------------------------------------------------------------------------------------
// Planning: who writes to whom, about what, with which attachments

type Style = 'document' | 'plain' | 'reply' | 'forward' | 'petition' | 'auto_reply' | 'read_receipt';

interface MailPlan {
  style: Style;
  from: Endpoint;
  to: Endpoint[];
  cc: Endpoint[];
  date: Date;
  counterparty: Counterparty;
  doc: PoolDoc | null;
  formats: RenderFormat[];
  hybrid: boolean;
  secret: boolean;
  malformed: boolean;
  original: RingEntry | null;
}

interface RingEntry {
  messageId: string;
  references: string[];
  subject: string;
  from: Endpoint;
  to: Endpoint[];
  date: Date;
  text: string;
  counterparty: Counterparty;
  doc: PoolDoc | null;
  formats: RenderFormat[];
  filenames: string[];
  documentRef: string | null;
  citedRefs: string[];
  clean: boolean;
}

const PROV: readonly AgencyLevel[] = ['province_pc'];
const DEPT: readonly AgencyLevel[] = ['department', 'provincial_org', 'district_pc'];
const COMMUNE: readonly AgencyLevel[] = ['commune_pc'];
const UNIT: readonly AgencyLevel[] = ['unit'];

type AgencyFlow = { a: readonly AgencyLevel[]; b: readonly AgencyLevel[] } | 'internal';

const AGENCY_FLOWS: readonly (readonly [AgencyFlow, number])[] = [
  [{ a: PROV, b: DEPT }, 28],
  [{ a: DEPT, b: DEPT }, 18],
  [{ a: COMMUNE, b: DEPT }, 12],
  [{ a: COMMUNE, b: PROV }, 3],
  [{ a: COMMUNE, b: COMMUNE }, 6],
  [{ a: UNIT, b: DEPT }, 4],
  ['internal', 7],
];

type Category = 'agency' | 'enterprise' | 'individual' | 'organization' | 'machine';

const CATEGORY_WEIGHTS: readonly (readonly [Category, number])[] = [
  ['agency', 78],
  ['enterprise', 10],
  ['individual', 8],
  ['organization', 2],
  ['machine', 2],
];
const MACHINE_SHARE = 0.02;
const HYBRID_SHARE = 0.1;
const SECRET_SHARE = 0.02;
const MALFORMED_SHARE = 0.01;

const FORMAT_PLANS: readonly (readonly [RenderFormat[], number])[] = [
  [['text_pdf'], 35],
  [['text_pdf', 'docx'], 9],
  [['docx'], 4],
  [['scanned_pdf'], 22],
  [['jpeg'], 9],
  [['mixed_pdf'], 9],
  [['text_pdf', 'jpeg'], 6],
  [['scanned_pdf', 'docx'], 6],
];

function planMail(ctx: Context, date: Date, remaining: number, heavy: boolean): MailPlan {
  const rng = ctx.rng;
  const day = localDay(date);
  const hasAttachment = rng.chance(ctx.attachmentShare / (1 - MACHINE_SHARE));
  const category = rng.weighted(CATEGORY_WEIGHTS);
  const malformed = rng.chance(MALFORMED_SHARE / (1 - MACHINE_SHARE));
  const hybrid = rng.chance(Math.min(0.95, HYBRID_SHARE / Math.max(0.05, ctx.attachmentShare * 0.88)));
  const secret = rng.chance(Math.min(0.5, SECRET_SHARE / Math.max(0.05, ctx.attachmentShare * 0.7)));
  const formats = pickFormats(rng);
  for (let attempt = 0; attempt < 12; attempt++) {
    const single = attempt > 0 && remaining < 4;
    const cat: Category = attempt === 0 ? category : attempt < 6 ? rng.weighted(CATEGORY_WEIGHTS) : 'individual';
    let plan: MailPlan | null = null;
    if (cat === 'machine') plan = planMachine(ctx, date);
    else if (cat === 'agency') plan = planAgency(ctx, day, hasAttachment, formats, heavy, single || remaining < 2);
    else plan = planExternal(ctx, day, cat, hasAttachment, formats, heavy);
    if (!plan) continue;
    plan.date = date;
    trimToCapacity(plan, remaining);
    if (deliveries(plan).length > remaining || deliveries(plan).length === 0) continue;
    const transmits = plan.doc !== null && !plan.doc.petition && plan.style !== 'forward';
    plan.hybrid = transmits && hybrid && (plan.from.kind === 'agency' || plan.from.kind === 'enterprise');
    plan.secret = transmits && secret && plan.counterparty === 'agency' && plan.from.agency?.code !== plan.to[0]?.agency?.code;
    plan.malformed = malformed && plan.style !== 'auto_reply' && plan.style !== 'read_receipt';
    return plan;
  }
  throw new Error(`cannot place a mail on ${day}: no monitored agency is active then`);
}

function pickFormats(rng: Rng): RenderFormat[] {
  return [...rng.weighted(FORMAT_PLANS)];
}

function trimToCapacity(plan: MailPlan, remaining: number): void {
  while (deliveries(plan).length > remaining && plan.cc.length > 0) plan.cc.pop();
  while (deliveries(plan).length > remaining && plan.to.length > 1) plan.to.pop();
}

function deliveries(plan: MailPlan): { mailbox: string; folder: 'INBOX' | 'Sent' }[] {
  const out: { mailbox: string; folder: 'INBOX' | 'Sent' }[] = [];
  if (plan.from.mailbox) out.push({ mailbox: plan.from.mailbox, folder: 'Sent' });
  const seen = new Set<string>();
  for (const r of [...plan.to, ...plan.cc]) {
    if (r.mailbox && !seen.has(r.mailbox) && r.mailbox !== plan.from.mailbox) {
      seen.add(r.mailbox);
      out.push({ mailbox: r.mailbox, folder: 'INBOX' });
    }
  }
  return out;
}

function activeOf(ctx: Context, day: string, levels: readonly AgencyLevel[]): Agency[] {
  return ctx.agencies.filter((a) => levels.includes(a.level) && isActive(a, day));
}

function monitoredOf(ctx: Context, list: Agency[]): Agency[] {
  return list.filter((a) => ctx.monitored.has(a.code));
}

/** A document for a sender: its own if the pool has one of that format, else one it forwards. */
function chooseDoc(ctx: Context, day: string, issuerCode: string | null, formats: RenderFormat[], heavy: boolean, filter: (d: PoolDoc) => boolean): PoolDoc | null {
  const fits = ctx.pool.filter((d) => filter(d) && formats.every((f) => d.formats.has(f)));
  const dated = fits.filter((d) => d.date.toISOString().slice(0, 10) <= day);
  const usable = dated.length > 0 ? dated : fits;
  const own = usable.filter((d) => d.issuerCode !== null && d.issuerCode === issuerCode);
  // Below the target size, a sender forwards someone else's longer document rather than its own
  // short one more readily: the size goal bends issuer consistency, never the format shares.
  const candidates = own.length > (heavy ? 1 : 0) ? own : usable;
  if (candidates.length === 0) return null;
  const drawn = Array.from({ length: 4 }, () => ctx.rng.pick(candidates));
  drawn.sort((x, y) => x.weight - y.weight);
  return (heavy ? drawn[drawn.length - 1] : drawn[0]) ?? null;
}

function planAgency(ctx: Context, day: string, hasAttachment: boolean, formats: RenderFormat[], heavy: boolean, single: boolean): MailPlan | null {
  const rng = ctx.rng;
  // Replies and forwards continue earlier threads.
  const threadRoll = rng.next();
  if (threadRoll < 0.14) {
    const reply = planReply(ctx, day, hasAttachment, formats, heavy, single);
    if (reply) return reply;
  } else if (hasAttachment && threadRoll < 0.2) {
    const fwd = planForward(ctx, day, single);
    if (fwd) return fwd;
  }
  const flow = rng.weighted(AGENCY_FLOWS);
  if (flow === 'internal') {
    const candidates = monitoredOf(ctx, activeOf(ctx, day, AGENCY_LEVELS)).filter((a) => a.domains.length > 0 || a.addresses.length > 1);
    if (candidates.length === 0) return null;
    const a = rng.pick(candidates);
    const staff = staffAddress(ctx, a);
    if (!staff) return null;
    const official = agencyEndpoint(ctx, a);
    const colleague = agencyEndpoint(ctx, a, staff);
    const outbound = rng.chance(0.6);
    return finishAgencyPlan(ctx, day, outbound ? official : colleague, [outbound ? colleague : official], hasAttachment, formats, heavy);
  }
  const aSends = flow.a === PROV ? rng.chance(0.6) : rng.chance(0.5);
  const senders = activeOf(ctx, day, aSends ? flow.a : flow.b);
  const receivers = activeOf(ctx, day, aSends ? flow.b : flow.a);
  const anchorIsSender = rng.chance(0.5);
  const pickPair = (senderAnchor: boolean): [Agency, Agency] | null => {
    const anchors = monitoredOf(ctx, senderAnchor ? senders : receivers);
    if (anchors.length === 0) return null;
    const anchor = rng.pick(anchors);
    const others = (senderAnchor ? receivers : senders).filter((a) => a.code !== anchor.code && (!single || !ctx.monitored.has(a.code)));
    if (others.length === 0) return null;
    const other = rng.pick(others);
    return senderAnchor ? [anchor, other] : [other, anchor];
  };
  const pair = pickPair(anchorIsSender) ?? pickPair(!anchorIsSender);
  if (!pair) return null;
  const [from, to] = pair;
  const toList = [agencyEndpoint(ctx, to)];
  // Provincial and departmental documents often go to several agencies at once.
  if (hasAttachment && (from.level === 'province_pc' || from.level === 'department') && rng.chance(0.18)) {
    const more = receivers.filter((a) => a.code !== to.code && a.code !== from.code);
    for (let i = rng.int(1, 3); i > 0 && more.length > 0; i--) {
      const k = rng.int(0, more.length - 1);
      const [extra] = more.splice(k, 1);
      if (extra) toList.push(agencyEndpoint(ctx, extra));
    }
  }
  const plan = finishAgencyPlan(ctx, day, agencyEndpoint(ctx, from), toList, hasAttachment, formats, heavy);
  if (plan && rng.chance(0.06)) {
    const office = ctx.agencies.find((a) => /^Văn phòng Ủy ban nhân dân/u.test(a.name) && isActive(a, day));
    if (office && office.code !== from.code && office.code !== to.code) plan.cc.push(agencyEndpoint(ctx, office));
  }
  return plan;
}

function finishAgencyPlan(ctx: Context, day: string, from: Endpoint, to: Endpoint[], hasAttachment: boolean, formats: RenderFormat[], heavy: boolean): MailPlan | null {
  if (!hasAttachment) return basePlan('plain', from, to, 'agency', null, []);
  const doc = chooseDoc(ctx, day, from.agency?.code ?? null, formats, heavy, (d) => !d.enterprise && !d.petition);
  if (!doc) return basePlan('plain', from, to, 'agency', null, []);
  return basePlan('document', from, to, 'agency', doc, formats);
}

function basePlan(style: Style, from: Endpoint, to: Endpoint[], counterparty: Counterparty, doc: PoolDoc | null, formats: RenderFormat[]): MailPlan {
  return { style, from, to, cc: [], date: new Date(0), counterparty, doc, formats, hybrid: false, secret: false, malformed: false, original: null };
}

function recentThreads(ctx: Context, day: string, predicate: (e: RingEntry) => boolean): RingEntry[] {
  return ctx.ring.filter((e) => e.clean && localDay(e.date) <= day && predicate(e));
}

function planReply(ctx: Context, day: string, hasAttachment: boolean, formats: RenderFormat[], heavy: boolean, single: boolean): MailPlan | null {
  const candidates = recentThreads(
    ctx,
    day,
    (e) =>
      e.counterparty === 'agency' &&
      !!e.to[0]?.agency &&
      e.to[0].agency.code !== e.from.agency?.code &&
      (!single || !(e.from.mailbox && ctx.monitored.has(e.to[0].agency.code))),
  );
  if (candidates.length === 0) return null;
  const orig = ctx.rng.pick(candidates);
  const replier = orig.to[0]?.agency;
  const back = orig.from.agency;
  if (!replier || !back) return null;
  const from = agencyEndpoint(ctx, replier);
  const to = agencyEndpoint(ctx, back, orig.from.address === officialAddress(back) ? undefined : orig.from.address);
  let plan = basePlan('reply', from, [to], 'agency', null, []);
  if (hasAttachment) {
    const doc = chooseDoc(ctx, day, replier.code, formats, heavy, (d) => !d.enterprise && !d.petition && d.issuerCode === replier.code);
    if (doc) plan = basePlan('reply', from, [to], 'agency', doc, formats);
  }
  plan.original = orig;
  return plan;
}

function planForward(ctx: Context, day: string, single: boolean): MailPlan | null {
  const candidates = recentThreads(ctx, day, (e) => e.doc !== null && !e.doc.petition && e.to.some((t) => t.mailbox !== null));
  if (candidates.length === 0) return null;
  const orig = ctx.rng.pick(candidates);
  const holder = orig.to.find((t) => t.mailbox !== null)?.agency;
  if (!holder) return null;
  const targets = ctx.agencies.filter(
    (a) => isActive(a, day) && a.code !== holder.code && a.code !== orig.from.agency?.code && (!single || !ctx.monitored.has(a.code)),
  );
  if (targets.length === 0) return null;
  const plan = basePlan('forward', agencyEndpoint(ctx, holder), [agencyEndpoint(ctx, ctx.rng.pick(targets))], 'agency', orig.doc, orig.formats);
  plan.original = orig;
  return plan;
}

function planExternal(ctx: Context, day: string, cat: 'enterprise' | 'individual' | 'organization', hasAttachment: boolean, formats: RenderFormat[], heavy: boolean): MailPlan | null {
  const rng = ctx.rng;
  const levels: readonly AgencyLevel[] = cat === 'individual' ? ['commune_pc', 'department', 'province_pc'] : ['department', 'commune_pc', 'unit', 'province_pc'];
  const anchors = monitoredOf(ctx, activeOf(ctx, day, levels));
  const fallback = monitoredOf(ctx, activeOf(ctx, day, AGENCY_LEVELS));
  const pool = anchors.length > 0 ? anchors : fallback;
  if (pool.length === 0) return null;
  const agency = rng.pick(pool);
  const agencyEp = agencyEndpoint(ctx, agency);
  const inbound = rng.chance(cat === 'individual' ? 0.75 : cat === 'organization' ? 0.4 : 0.6);
  if (cat === 'individual') {
    const person = individualEndpoint(ctx);
    if (inbound) {
      const petition = hasAttachment ? rng.pick(ctx.petitions) : null;
      return basePlan('petition', person, [agencyEp], 'individual', petition, petition ? ['jpeg'] : []);
    }
    return agencyToExternal(ctx, day, agencyEp, person, 'individual', hasAttachment, formats, heavy);
  }
  if (cat === 'organization') {
    const org = organizationEndpoint(ctx);
    if (inbound && !hasAttachment) return basePlan('plain', org, [agencyEp], 'organization', null, []);
    return agencyToExternal(ctx, day, agencyEp, org, 'organization', hasAttachment, formats, heavy);
  }
  if (inbound) {
    if (!hasAttachment) return basePlan('plain', enterpriseEndpoint(ctx, rng.pick(ctx.enterprises)), [agencyEp], 'enterprise', null, []);
    const doc = chooseDoc(ctx, day, null, formats, heavy, (d) => d.enterprise !== null);
    if (!doc?.enterprise) return null;
    return basePlan('document', enterpriseEndpoint(ctx, doc.enterprise), [agencyEp], 'enterprise', doc, formats);
  }
  return agencyToExternal(ctx, day, agencyEp, enterpriseEndpoint(ctx, rng.pick(ctx.enterprises)), 'enterprise', hasAttachment, formats, heavy);
}

function agencyToExternal(ctx: Context, day: string, from: Endpoint, to: Endpoint, counterparty: Counterparty, hasAttachment: boolean, formats: RenderFormat[], heavy: boolean): MailPlan {
  if (!hasAttachment) return basePlan('plain', from, [to], counterparty, null, []);
  const doc = chooseDoc(ctx, day, from.agency?.code ?? null, formats, heavy, (d) => !d.enterprise && !d.petition);
  return doc ? basePlan('document', from, [to], counterparty, doc, formats) : basePlan('plain', from, [to], counterparty, null, []);
}

function planMachine(ctx: Context, date: Date): MailPlan | null {
  const day = localDay(date);
  const candidates = recentThreads(ctx, day, (e) => e.to[0] !== undefined && e.date.getTime() < date.getTime());
  if (candidates.length === 0) return null;
  const orig = ctx.rng.pick(candidates);
  const target = orig.to[0];
  if (!target) return null;
  const from: Endpoint = target.agency ? agencyEndpoint(ctx, target.agency, target.address === officialAddress(target.agency) ? undefined : target.address) : { ...target, mailbox: null };
  const to: Endpoint = orig.from.agency
    ? agencyEndpoint(ctx, orig.from.agency, orig.from.address === officialAddress(orig.from.agency) ? undefined : orig.from.address)
    : { ...orig.from, mailbox: null };
  const plan = basePlan(ctx.rng.chance(0.55) ? 'auto_reply' : 'read_receipt', from, [to], orig.counterparty, null, []);
  plan.original = orig;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Composing: subject, body, attachments, headers, then MailComposer

interface ComposedMail {
  raw: Buffer;
  truth: GeneratedTruth;
  subject: string;
  text: string;
  filenames: string[];
  messageId: string;
  references: string[];
}

const FORMAT_EXT: Record<RenderFormat, string> = { text_pdf: 'pdf', scanned_pdf: 'pdf', jpeg: 'jpg', mixed_pdf: 'pdf', docx: 'docx' };

function digitizationOf(formats: RenderFormat[]): GeneratedTruth['digitization'] {
  if (formats.length === 0) return 'none';
  const born = formats.filter((f) => f === 'text_pdf' || f === 'docx').length;
  const scanned = formats.filter((f) => f === 'scanned_pdf' || f === 'jpeg').length;
  if (born === formats.length) return 'born_digital';
  if (scanned === formats.length) return 'scanned';
  return 'mixed';
}

function refSlug(ref: string, ascii: boolean): string {
  const s = ref.replace(/\//g, '-');
  return ascii ? stripDiacritics(s) : s;
}

function attachmentNames(ctx: Context, doc: PoolDoc, formats: RenderFormat[], date: Date): string[] {
  const rng = ctx.rng;
  const local = new Date(date.getTime() + VN_OFFSET);
  const stamp = local.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '_');
  if (doc.petition) return [`IMG_${stamp}.jpg`];
  const num = doc.ref.split(/[/-]/)[0] ?? '';
  const symbol = doc.ref.slice(num.length + 1);
  const year = doc.date.getUTCFullYear();
  const style = rng.int(0, 5);
  const base =
    style <= 1
      ? refSlug(doc.ref, rng.chance(0.5))
      : style === 2
        ? `${doc.kind.abbr} ${num} ${stripDiacritics(doc.kind.code === null ? symbol : symbol.replace(`${doc.kind.code}-`, ''))}`
        : style === 3
          ? `${doc.kind.abbr}_${num}_${year}`
          : style === 4
            ? `${doc.kind.name} ${num}`
            : refSlug(doc.ref, true);
  return formats.map((f, i) => {
    if (f === 'jpeg') return rng.chance(0.6) ? `scan${String(rng.int(1, 9999)).padStart(4, '0')}.jpg` : `IMG_${stamp}${i > 0 ? `_${i}` : ''}.jpg`;
    if (f === 'scanned_pdf' && rng.chance(0.4)) return rng.chance(0.5) ? `Scan_${stamp}.pdf` : `doc${String(rng.int(100_000, 999_999))}${stamp.slice(0, 8)}.pdf`;
    if (f === 'docx' && formats.length > 1 && rng.chance(0.3)) return `Du thao ${doc.kind.abbr} ${num}.docx`;
    return `${base}.${FORMAT_EXT[f]}`;
  });
}

function rfc5322Date(d: Date): string {
  const l = new Date(d.getTime() + VN_OFFSET);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[l.getUTCDay()] ?? 'Mon'}, ${p(l.getUTCDate())} ${months[l.getUTCMonth()] ?? 'Jan'} ${l.getUTCFullYear()} ${p(l.getUTCHours())}:${p(l.getUTCMinutes())}:${p(l.getUTCSeconds())} +0700`;
}

function messageIdFor(ctx: Context, from: Endpoint, date: Date): string {
  const rng = ctx.rng;
  const seq = ++ctx.sequence;
  const domain = from.address.split('@')[1] ?? 'localhost';
  switch (from.mailer) {
    case 'zimbra':
      return `<${rng.int(100_000_000, 999_999_999)}.${seq}.${date.getTime()}.JavaMail.zimbra@${domain}>`;
    case 'outlook':
      return `<00${rng.hex(4)}01d${rng.hex(3)}$${rng.hex(8)}$${seq.toString(16).padStart(8, '0')}@${domain}>`;
    case 'eoffice':
      return `<eoffice.${localDay(date).replace(/-/g, '')}.${seq}.${rng.hex(6)}@${domain}>`;
    case 'gmail':
      return `<CA${rng.hex(24).toUpperCase()}${seq}+${rng.hex(12)}@mail.gmail.com>`;
    case 'yahoo':
      return `<${rng.int(1_000_000, 9_999_999)}.${seq}.${date.getTime()}@mail.yahoo.com>`;
  }
}

function kinhGui(to: Endpoint[]): string {
  const names = to.map((t) => (t.agency ? shortAgencyName(t.agency.name) : t.name));
  if (names.length === 1) return `Kính gửi: ${names[0] ?? ''}.`;
  return ['Kính gửi:', ...names.map((n, i) => `- ${n}${i === names.length - 1 ? '.' : ';'}`)].join('\n');
}

function senderShort(e: Endpoint, ctx: Context): string {
  if (!e.agency) return e.name;
  return e.agency.level === 'province_pc' ? `UBND tỉnh ${ctx.province}` : shortAgencyName(e.agency.name);
}

function quoteOriginal(orig: RingEntry, style: 'reply' | 'forward', mailer: Mailer): string {
  const head =
    style === 'forward'
      ? ['---------- Forwarded message ---------', `From: ${orig.from.name} <${orig.from.address}>`, `Date: ${rfc5322Date(orig.date)}`, `Subject: ${orig.subject}`, `To: ${orig.to.map((t) => t.address).join(', ')}`]
      : mailer === 'zimbra'
        ? ['----- Tin nhắn gốc -----', `Từ: "${orig.from.name}" <${orig.from.address}>`, `Gửi: ${orig.to.map((t) => t.address).join(', ')}`, `Đã gửi: ${rfc5322Date(orig.date)}`, `Chủ đề: ${orig.subject}`]
        : ['-----Original Message-----', `From: ${orig.from.name} <${orig.from.address}>`, `Sent: ${rfc5322Date(orig.date)}`, `To: ${orig.to.map((t) => t.address).join('; ')}`, `Subject: ${orig.subject}`];
  const body = style === 'reply' && mailer === 'zimbra' ? orig.text.split('\n').map((l) => `> ${l}`) : orig.text.split('\n');
  return [...head, '', ...body].join('\n');
}

function toHtml(text: string): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const lines = text.split('\n').map((l) => (l === '' ? '<div><br></div>' : `<div>${esc(l)}</div>`));
  return `<html><body><div style="font-family: 'times new roman', 'new york', times, serif; font-size: 12pt; color: #000000">${lines.join('')}</div></body></html>`;
}

async function composeMail(ctx: Context, plan: MailPlan): Promise<ComposedMail> {
  const rng = ctx.rng;
  const doc = plan.doc;
  const orig = plan.original;
  const cited = new Set<string>();
  const quoted: string[] = [];
  const lines: string[] = [];
  let subject = '';
  let filenames: string[] = [];
  let references: string[] = [];
  let inReplyTo: string | undefined;
  const headers: Record<string, string> = {};
  const from = plan.from;
  const fromShort = senderShort(from, ctx);
  const closing = rng.pick(CLOSINGS);
  const signature = ['--', ...from.signature];
  const docDate = doc ? dmy(doc.date) : '';
  const machine = plan.style === 'auto_reply' || plan.style === 'read_receipt';

  if (doc && (plan.style === 'document' || plan.style === 'reply' || plan.style === 'petition')) {
    filenames = attachmentNames(ctx, doc, plan.formats, plan.date);
  }

  switch (plan.style) {
    case 'document': {
      if (!doc) throw new Error('document mail without a document');
      const title = doc.spec.title;
      const subjectStyle = rng.int(0, 9);
      subject =
        subjectStyle <= 3
          ? doc.kind.code === null
            ? title
            : `${doc.kind.name} ${lowerFirst(title)}`
          : subjectStyle <= 5
            ? `Gửi ${doc.kind.name} số ${doc.ref}`
            : subjectStyle === 6
              ? `${doc.kind.abbr} ${doc.ref} ${doc.kind.code === null ? title : lowerFirst(title)}`
              : subjectStyle === 7
                ? `${fromShort} gửi ${doc.kind.name} số ${doc.ref} ngày ${docDate}`
                : subjectStyle === 8 && plan.to.length === 1
                  ? 'Gửi văn bản'
                  : `V/v gửi ${doc.kind.name} số ${doc.ref}`;
      const terse = rng.chance(0.15);
      if (terse) {
        lines.push('Kính gửi anh/chị,', '', `${rng.chance(0.5) ? 'Văn thư ' : ''}${fromShort} gửi ${doc.kind.name} số ${doc.ref} (file đính kèm).`);
      } else {
        lines.push(kinhGui(plan.to), '');
        const lead = doc.cited[0];
        if (lead && rng.chance(0.6)) {
          lines.push(`Thực hiện ${citePhrase(lead)};`);
          cited.add(lead.ref);
        }
        const own = doc.issuerCode !== null && doc.issuerCode === from.agency?.code;
        const ofIssuer = own || doc.enterprise ? '' : ` của ${doc.issuerShort}`;
        const verb = own || doc.enterprise ? rng.pick(['gửi kèm theo', 'trân trọng gửi', 'gửi']) : rng.pick(['sao gửi', 'gửi kèm theo', 'chuyển']);
        lines.push(`${fromShort} ${verb} ${doc.kind.name} số ${doc.ref} ngày ${docDate}${ofIssuer} về việc ${aboutOf(doc.spec.title)} (có văn bản kèm theo).`);
        if (plan.formats.includes('docx') && plan.formats.length > 1) lines.push('Gửi kèm file mềm định dạng .docx để các đơn vị tiện theo dõi, tổng hợp.');
        const request = from.kind === 'agency' ? rng.pick(REQUESTS) : 'Kính đề nghị Quý cơ quan xem xét, giải quyết.';
        lines.push(request.replace('{deadline}', dmy(new Date(plan.date.getTime() + rng.int(7, 20) * DAY))));
      }
      break;
    }
    case 'reply': {
      if (!orig) throw new Error('reply without an original');
      subject = rng.pick(REPLY_PREFIXES) + orig.subject;
      inReplyTo = orig.messageId;
      references = [...orig.references, orig.messageId].slice(-8);
      const origRef = orig.documentRef;
      if (doc) {
        lines.push(kinhGui(plan.to), '');
        if (origRef) {
          lines.push(`Phúc đáp văn bản số ${origRef} của ${senderShort(orig.from, ctx)}, ${fromShort} gửi kèm theo ${doc.kind.name} số ${doc.ref} ngày ${docDate} về việc ${aboutOf(doc.spec.title)}.`);
          cited.add(origRef);
        } else {
          lines.push(`${fromShort} gửi kèm theo ${doc.kind.name} số ${doc.ref} ngày ${docDate} về việc ${aboutOf(doc.spec.title)}.`);
        }
      } else {
        lines.push(rng.pick(REPLY_BODIES).replace('{to}', fromShort).replace('{from}', fromShort));
      }
      lines.push('', closing, '', ...signature, '', quoteOriginal(orig, 'reply', from.mailer));
      // The quote carries the original's text, not its attachment: only what it names is cited.
      for (const r of [origRef, ...orig.citedRefs]) if (r) quoted.push(r);
      break;
    }
    case 'forward': {
      if (!orig) throw new Error('forward without an original');
      subject = rng.pick(FORWARD_PREFIXES) + orig.subject;
      references = [...orig.references, orig.messageId].slice(-8);
      filenames = [...orig.filenames];
      lines.push(`Chuyển tiếp ${senderShort(plan.to[0] ?? from, ctx)} để biết, thực hiện.`, '', closing, '', ...signature, '', quoteOriginal(orig, 'forward', from.mailer));
      for (const r of orig.citedRefs) cited.add(r);
      break;
    }
    case 'plain': {
      const topic = fillTopic(ctx, rng, rng.pick(TOPICS), new Date(plan.date.getTime() + VN_OFFSET));
      if (plan.counterparty === 'individual') {
        subject = `Trả lời phản ánh, kiến nghị của công dân ${plan.to[0]?.name ?? ''}`.trim();
        lines.push(`Kính gửi: Ông/Bà ${plan.to[0]?.name ?? ''}.`, '', `${fromShort} đã nhận được phản ánh của Ông/Bà. Nội dung phản ánh đã được chuyển đến bộ phận chuyên môn xem xét, giải quyết theo quy định và sẽ thông báo kết quả đến Ông/Bà.`);
      } else if (from.kind === 'enterprise' || from.kind === 'organization') {
        subject = fillTopic(ctx, rng, rng.pick(ENTERPRISE_SUBJECTS), new Date(plan.date.getTime() + VN_OFFSET));
        lines.push(kinhGui(plan.to), '', `${from.name} kính đề nghị Quý cơ quan xem xét, hướng dẫn về ${lowerFirst(subject)}.`);
      } else {
        subject = rng.pick(PLAIN_SUBJECTS).replace('{topic}', topic);
        lines.push(kinhGui(plan.to), '');
        if (rng.chance(0.4)) {
          const c = CENTRAL_DOCUMENTS[rng.int(0, CENTRAL_DOCUMENTS.length - 1)];
          if (c) {
            lines.push(`Thực hiện ${c.kind} số ${c.ref} ngày ${dmy(new Date(`${c.date}T00:00:00Z`))} của ${c.issuer};`);
            cited.add(c.ref);
          }
        }
        lines.push(rng.pick(PLAIN_BODIES).replace('{topic}', topic).replace('{deadline}', dmy(new Date(plan.date.getTime() + rng.int(3, 10) * DAY))));
      }
      break;
    }
    case 'petition': {
      const village = rng.pick(VILLAGES);
      const agencyName = plan.to[0]?.agency ? shortAgencyName(plan.to[0].agency.name) : '';
      subject = doc ? doc.spec.title : rng.pick(PETITION_SUBJECTS).replace('{village}', village);
      lines.push(`Kính gửi: ${agencyName}.`, '');
      lines.push(
        doc?.spec.paragraphs[0] ??
        rng
          .pick(PETITION_BODIES)
          .replace('{name}', from.name)
          .replace('{born}', String(rng.int(1950, 2002)))
          .replaceAll('{village}', village)
          .replace('{commune}', agencyName.replace(/^UBND /u, '')),
      );
      if (doc) lines.push('Tôi xin gửi kèm theo đơn (ảnh chụp).');
      break;
    }
    case 'auto_reply': {
      if (!orig) throw new Error('auto-reply without an original');
      subject = rng.pick(AUTO_REPLY_SUBJECTS) + orig.subject;
      inReplyTo = orig.messageId;
      references = [orig.messageId];
      const back = new Date(plan.date.getTime() + rng.int(2, 10) * DAY);
      lines.push(rng.pick(AUTO_REPLY_BODIES).replace('{from}', dmy(new Date(plan.date.getTime() + VN_OFFSET))).replace('{to}', dmy(back)));
      // Some servers mark auto-replies, some only say so in the subject.
      if (rng.chance(0.75)) headers['Auto-Submitted'] = 'auto-replied';
      if (from.mailer === 'zimbra') headers['X-Autoreply'] = 'yes';
      if (from.mailer === 'outlook') headers['X-Auto-Response-Suppress'] = 'All';
      break;
    }
    case 'read_receipt': {
      if (!orig) throw new Error('read receipt without an original');
      subject = rng.pick(READ_RECEIPT_SUBJECTS) + orig.subject;
      references = [orig.messageId];
      lines.push(
        'Thư của anh/chị',
        '',
        `   Tới: ${from.address}`,
        `   Chủ đề: ${orig.subject}`,
        `   Đã gửi: ${rfc5322Date(orig.date)}`,
        '',
        `đã được đọc vào lúc ${rfc5322Date(plan.date)}.`,
      );
      break;
    }
  }

  if (plan.style === 'document' || plan.style === 'plain' || plan.style === 'petition') {
    if (plan.hybrid) lines.push(rng.pick(HYBRID_PHRASES));
    else if (plan.doc && !plan.doc.petition && from.kind === 'agency' && rng.chance(0.12)) lines.push(rng.pick(ELECTRONIC_NOTES));
    if (plan.secret) lines.unshift(rng.pick(SECRET_BODY_LINES), '');
    lines.push('', closing, '', ...signature);
  } else if (plan.style === 'reply' && (plan.hybrid || plan.secret)) {
    // Replies carry the label phrases above the quote, where the sender wrote them.
    const at = lines.indexOf(closing);
    if (plan.hybrid) lines.splice(at, 0, rng.pick(HYBRID_PHRASES));
    if (plan.secret) lines.unshift(rng.pick(SECRET_BODY_LINES), '');
  }
  if (plan.secret && rng.chance(0.7)) subject = rng.pick(SECRET_SUBJECT_MARKS) + subject;

  const transmittedRef = doc && !doc.petition ? doc.ref : null;
  let text = lines.join('\n');
  // The transmitted reference must be readable somewhere the analyzer looks without OCR.
  if (transmittedRef && !mentions(transmittedRef, subject, text, filenames)) {
    text = text.replace('\n', `\n(${doc?.kind.name ?? 'Văn bản'} số ${transmittedRef})\n`);
  }
  if (doc && plan.style !== 'forward') for (const c of doc.cited) cited.add(c.ref);
  // Machine mail repeats the original subject, and with it any reference the subject names.
  if (machine && orig) quoted.push(...[orig.documentRef, ...orig.citedRefs].filter((r): r is string => !!r));
  for (const r of quoted) if (subject.includes(r) || text.includes(r)) cited.add(r);
  if (transmittedRef) cited.delete(transmittedRef);

  const messageId = messageIdFor(ctx, from, plan.date);
  const spec: DocSpec | null = doc ? (plan.secret ? { ...doc.spec, secret: 'Mật' } : doc.spec) : null;
  const attachments: NonNullable<MailComposerOptions['attachments']> = [];
  if (spec) {
    for (let i = 0; i < plan.formats.length; i++) {
      const format = plan.formats[i];
      if (!format) continue;
      attachments.push({ filename: filenames[i] ?? `tep${i + 1}.${FORMAT_EXT[format]}`, content: await render(format, spec) });
    }
  }
  const mailer = MAILERS.find((m) => m.name === from.mailer);
  if (mailer?.xMailer) headers['X-Mailer'] = mailer.xMailer;
  if (!machine && from.kind === 'agency' && rng.chance(0.08)) headers['Disposition-Notification-To'] = from.address;
  const withHtml = !machine && (from.mailer === 'zimbra' || from.mailer === 'gmail' || from.mailer === 'outlook') && rng.chance(0.7);

  const options: MailComposerOptions = {
    from: { name: from.name, address: from.address },
    to: plan.to.map((t) => ({ name: t.name, address: t.address })),
    ...(plan.cc.length > 0 ? { cc: plan.cc.map((t) => ({ name: t.name, address: t.address })) } : {}),
    subject,
    date: rfc5322Date(plan.date),
    messageId,
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references.length > 0 ? { references } : {}),
    text,
    ...(withHtml ? { html: toHtml(text) } : {}),
    attachments,
    headers,
    newline: 'win',
    baseBoundary: rng.hex(16),
    boundaryPrefix: from.mailer === 'outlook' ? '----=_NextPart' : '----=_Part',
  };
  if (plan.style === 'read_receipt' && orig) {
    attachments.push({
      content: [
        `Reporting-UA: ${from.address.split('@')[1] ?? 'localhost'}; ${mailer?.xMailer ?? 'Webmail'}`,
        `Final-Recipient: rfc822;${from.address}`,
        `Original-Message-ID: ${orig.messageId}`,
        'Disposition: manual-action/MDN-sent-manually; displayed',
        '',
      ].join('\r\n'),
      contentType: 'message/disposition-notification',
      contentDisposition: 'inline',
    });
  }
  const root = new MailComposer(options).compile();
  if (plan.style === 'read_receipt') root.setHeader('Content-Type', 'multipart/report; report-type=disposition-notification');
  let raw = await root.build();
  if (plan.malformed) raw = corrupt(raw, rng);

  const truth: GeneratedTruth = {
    messageId,
    fromAgency: from.agency?.code ?? null,
    toAgency: plan.to[0]?.agency?.code ?? null,
    documentRef: transmittedRef,
    citedRefs: [...cited],
    form: machine ? null : plan.hybrid ? 'hybrid' : 'electronic',
    digitization: digitizationOf(doc ? plan.formats : []),
    secret: plan.secret,
    counterparty: plan.counterparty,
    machineGenerated: machine,
    malformed: plan.malformed,
    signed: !machine && !!spec?.signedBy && plan.formats.includes('text_pdf'),
    agencyAddresses: [from, ...plan.to, ...plan.cc].flatMap((e) => (e.agency && e.address ? [{ address: e.address.toLowerCase(), agency: e.agency.code, name: e.name }] : [])),
  };
  return { raw, truth, subject, text, filenames, messageId, references };
}

function mentions(ref: string, subject: string, text: string, filenames: string[]): boolean {
  if (subject.includes(ref) || text.includes(ref)) return true;
  const want = stripDiacritics(refSlug(ref, true)).toLowerCase();
  return filenames.some((f) => stripDiacritics(f).toLowerCase().includes(want));
}

/**
 * Breaks a composed message the ways real broken mail is broken: a multipart cut off inside an
 * attachment (no closing boundary), or a header block that runs into the body with no blank line.
 */
function corrupt(raw: Buffer, rng: Rng): Buffer {
  const text = raw.toString('latin1');
  const headerEnd = text.indexOf('\r\n\r\n');
  const multipart = /^Content-Type:\s*multipart\//im.test(text.slice(0, headerEnd));
  if (multipart && rng.chance(0.7)) {
    const cut = Math.floor(headerEnd + 4 + (raw.length - headerEnd - 4) * (0.55 + rng.next() * 0.3));
    return raw.subarray(0, cut);
  }
  return Buffer.concat([raw.subarray(0, headerEnd), Buffer.from('\r\n'), raw.subarray(headerEnd + 4)]);
}

function rememberMail(ctx: Context, plan: MailPlan, mail: ComposedMail): void {
  if (plan.style === 'auto_reply' || plan.style === 'read_receipt') return;
  ctx.ring.push({
    messageId: mail.messageId,
    references: mail.references,
    subject: mail.subject,
    from: plan.from,
    to: plan.to,
    date: plan.date,
    text: mail.text.split('\n--\n')[0] ?? mail.text,
    counterparty: plan.counterparty,
    doc: plan.doc,
    formats: plan.formats,
    filenames: mail.filenames,
    documentRef: mail.truth.documentRef,
    citedRefs: mail.truth.citedRefs,
    // Quoting a hybrid, secret or broken mail would carry its labels into the reply.
    clean: !plan.hybrid && !plan.secret && !plan.malformed && plan.style !== 'forward',
  });
  if (ctx.ring.length > 60) ctx.ring.shift();
}
