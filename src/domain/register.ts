// Paper registers (sổ văn bản đến / sổ văn bản đi) as e-office systems export them: a grid of cells
// (from CSV or XLSX, read in src/importer/register-file.ts) turned into register entries — the
// document's canonical reference (src/domain/refs.ts), its date, the day it belongs to, the other
// side resolved against the directory, and the flow. Pure: no file, no database.
//
// Exports differ between systems and versions: title rows above the header, headers with or without
// diacritics ("Số, ký hiệu", "So ky hieu", "Số/Ký hiệu"), the number and the symbol in one column
// or two, dates as text (22/05/2026, 22-5-2026, 2026-05-22) or as spreadsheet dates. Headers are
// mapped by their folded form; a row that cannot be read is reported with its line number.
import { findAgencyCodesInText } from './directory.js';
import { flowOf } from './flow.js';
import { documentYear, extractRefs } from './refs.js';
import type { Agency, DirectoryIndex, Flow, PartyKind } from './types.js';

export type RegisterDirection = 'in' | 'out';

export const REGISTER_FIELDS = [
  'ref',
  'number',
  'symbol',
  'docDate',
  'summary',
  'sender',
  'receiver',
  'arrivalDate',
  'sentDate',
  'form',
  'secret',
  'kind',
  'arrivalNumber',
  'seq',
] as const;
export type RegisterField = (typeof REGISTER_FIELDS)[number];

/** Lower case, no diacritics (đ → d), punctuation as spaces, spaces collapsed. */
export function foldHeader(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐÐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

// Folded header texts per field, most specific first. A header equal to one of them maps at once;
// otherwise one that starts with one of them (the longest wins), so "Số, ký hiệu văn bản" finds
// `ref`. "Số đến" (the register's own running number) must never be taken for the document number.
const HEADER_NAMES: Array<[RegisterField, string[]]> = [
  ['arrivalNumber', ['so den', 'so vao so', 'so dang ky', 'so thu tu den']],
  ['seq', ['stt', 'tt', 'so thu tu']],
  ['ref', ['so ky hieu', 'so va ky hieu', 'so ky hieu van ban', 'so hieu van ban', 'so hieu', 'so van ban', 'so vb', 'so kh', 'ky hieu so', 'so ky hieu vb']],
  ['symbol', ['ky hieu', 'ky hieu van ban', 'ky hieu vb']],
  ['number', ['so']],
  ['docDate', ['ngay van ban', 'ngay vb', 'ngay ban hanh', 'ngay thang van ban', 'ngay thang vb', 'ngay ky', 'ngay thang nam van ban']],
  ['arrivalDate', ['ngay den', 'ngay nhan', 'ngay vao so', 'ngay thang den']],
  ['sentDate', ['ngay gui', 'ngay chuyen', 'ngay phat hanh']],
  ['summary', ['trich yeu', 'trich yeu noi dung', 'noi dung', 'ten loai va trich yeu noi dung']],
  ['sender', ['noi gui', 'co quan ban hanh', 'noi ban hanh', 'don vi gui', 'co quan gui', 'tac gia', 'noi phat hanh']],
  ['receiver', ['noi nhan', 'don vi nhan', 'co quan nhan', 'noi nhan van ban']],
  ['form', ['hinh thuc', 'hinh thuc gui', 'hinh thuc nhan', 'phuong thuc', 'phuong thuc gui', 'phuong thuc nhan']],
  ['secret', ['do mat', 'muc do mat', 'do mat van ban']],
  ['kind', ['loai van ban', 'loai vb', 'the loai']],
];

/** The field a header names, or null. */
export function mapHeader(header: string): RegisterField | null {
  const h = foldHeader(header);
  if (!h) return null;
  for (const [field, names] of HEADER_NAMES) if (names.includes(h)) return field;
  let best: { field: RegisterField; len: number } | null = null;
  for (const [field, names] of HEADER_NAMES) {
    for (const n of names) {
      // Prefixes only from two words on: a lone "so" must not claim "so den" or "so luong".
      if (n.includes(' ') && (h.startsWith(`${n} `) || h === n) && (!best || n.length > best.len)) best = { field, len: n.length };
    }
  }
  return best?.field ?? null;
}

/** Column index per field for one header row; the first column wins when two map to one field. */
export function mapHeaderRow(cells: string[]): Partial<Record<RegisterField, number>> {
  const out: Partial<Record<RegisterField, number>> = {};
  cells.forEach((c, i) => {
    const f = mapHeader(c);
    if (f && out[f] === undefined) out[f] = i;
  });
  return out;
}

/** A cell as read from CSV (text) or XLSX (text, number, or a date). */
export type RegisterCell = string | number | Date | null;

export interface RegisterGrid {
  /** Rows with their line (CSV record or spreadsheet row number, 1-based). */
  rows: Array<{ line: number; cells: RegisterCell[] }>;
}

export interface RegisterRow {
  line: number;
  ref: string;
  number: string;
  year: number | null;
  symbol: string;
  kind: string | null;
  docDate: string | null;
  /**
   * With `ref`, the document's identity, as mail resolves it (src/domain/refs.ts documentYear): the
   * year in the number, else of the document date (`docDate`), else of the row's day.
   */
  docYear: number;
  /** The day the entry belongs to (arrival for an incoming register, else the document date). */
  day: string;
  summary: string | null;
  /** The other side, as written: the sender of an incoming document, a receiver of an outgoing one. */
  counterparty: string | null;
  counterpartyKey: string;
  counterpartyAgency: string | null;
  sender: { kind: PartyKind; agencyCode: string | null };
  receiver: { kind: PartyKind; agencyCode: string | null };
  flow: Flow;
  formNote: string | null;
  secret: boolean;
}

export interface RegisterProblem {
  line: number;
  message: string;
}

export interface ParsedRegister {
  headerLine: number;
  columns: Partial<Record<RegisterField, number>>;
  entries: RegisterRow[];
  problems: RegisterProblem[];
}

export class RegisterFormatError extends Error {}

function cellText(c: RegisterCell | undefined): string {
  if (c === null || c === undefined) return '';
  if (c instanceof Date) return isoDay(c);
  return String(c).normalize('NFC').replace(/\s+/g, ' ').trim();
}

function isoDay(d: Date): string {
  // Spreadsheet dates are calendar days stored as UTC midnight: take the UTC date.
  return d.toISOString().slice(0, 10);
}

function validDay(y: number, m: number, d: number): string | null {
  if (y < 1945 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCMonth() !== m - 1) return null;
  return t.toISOString().slice(0, 10);
}

/**
 * A date in a register cell: a spreadsheet date, a serial day number (1900 system), `dd/mm/yyyy`,
 * `d-m-yyyy`, `dd.mm.yyyy`, `yyyy-mm-dd`, "ngày 22 tháng 5 năm 2026". Null when it is none of them.
 */
export function parseRegisterDate(c: RegisterCell | undefined): string | null {
  if (c === null || c === undefined) return null;
  if (c instanceof Date) return Number.isNaN(c.getTime()) ? null : isoDay(c);
  if (typeof c === 'number') {
    if (!Number.isFinite(c) || c < 20000 || c > 120000) return null;
    return isoDay(new Date(Date.UTC(1899, 11, 30) + Math.floor(c) * 86_400_000));
  }
  const s = foldHeader(c);
  let m = /^(\d{4}) (\d{1,2}) (\d{1,2})(?: |$)/.exec(s);
  if (m) return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(?:ngay )?(\d{1,2}) (?:thang )?(\d{1,2}) (?:nam )?(\d{4})(?: |$)/.exec(s);
  if (m) return validDay(Number(m[3]), Number(m[2]), Number(m[1]));
  return null;
}

// Name folding for matching "Nơi gửi" against the directory: the abbreviations registers use.
const ABBREVIATIONS: Array<[RegExp, string]> = [
  [/\bubnd\b/g, 'uy ban nhan dan'],
  [/\bhdnd\b/g, 'hoi dong nhan dan'],
  [/\bvp\b/g, 'van phong'],
  [/\btp\b/g, 'thanh pho'],
  [/\bs\b/g, 'so'],
];

export function foldName(s: string): string {
  let f = foldHeader(s);
  for (const [re, to] of ABBREVIATIONS) f = f.replace(re, to);
  return f.replace(/\s+/g, ' ').trim();
}

/**
 * The directory agency a register names: by an identifier code in the text, else by name (folded,
 * abbreviations expanded; a name may leave off or add the place: "Sở Tài chính" for "Sở Tài chính
 * tỉnh Sơn Minh"). Null when no agency, or more than one, fits.
 */
export function resolveAgencyName(name: string, directory: DirectoryIndex, on: string | null = null): Agency | null {
  const codes = findAgencyCodesInText(name, directory);
  if (codes.length === 1) return directory.agencies.get(codes[0] as string) ?? null;
  const f = foldName(name);
  if (!f) return null;
  const valid = (a: Agency) => on === null || ((a.validFrom === null || a.validFrom <= on) && (a.validTo === null || a.validTo > on));
  const all = [...directory.agencies.values()].filter(valid);
  const exact = all.filter((a) => foldName(a.name) === f);
  if (exact.length === 1) return exact[0] as Agency;
  const near = all.filter((a) => {
    const n = foldName(a.name);
    return n.startsWith(`${f} `) || f.startsWith(`${n} `);
  });
  return near.length === 1 ? (near[0] as Agency) : null;
}

const SECRET = /\b(tuyet mat|toi mat|mat)\b/;

/** Splits a "Nơi nhận" cell listing several receivers ("Sở Tài chính; Sở Nội vụ", one a line). */
export function splitReceivers(s: string): string[] {
  return s
    .split(/[;\n]|,(?![^()]*\))|\s-\s/)
    .map((x) => x.replace(/^[\s\-–•+]+/, '').trim())
    .filter((x) => x.length > 0 && !/^(nhu tren|như trên|luu|lưu)\b/i.test(x));
}

function findHeader(grid: RegisterGrid): { index: number; columns: Partial<Record<RegisterField, number>> } {
  const limit = Math.min(grid.rows.length, 30);
  for (let i = 0; i < limit; i += 1) {
    const columns = mapHeaderRow((grid.rows[i]?.cells ?? []).map(cellText));
    if (columns.ref !== undefined || (columns.number !== undefined && columns.symbol !== undefined)) return { index: i, columns };
  }
  throw new RegisterFormatError(
    'không thấy dòng tiêu đề có cột "Số, ký hiệu" / no header row with a document number column ("Số, ký hiệu", or "Số" and "Ký hiệu") in the first 30 rows',
  );
}

function refOf(cells: RegisterCell[], cols: Partial<Record<RegisterField, number>>): ReturnType<typeof extractRefs>[number] | null {
  const get = (f: RegisterField) => (cols[f] === undefined ? '' : cellText(cells[cols[f] as number]));
  const kind = get('kind');
  const candidates: string[] = [];
  if (cols.ref !== undefined) candidates.push(get('ref'));
  if (cols.number !== undefined && cols.symbol !== undefined) {
    const sym = get('symbol').replace(/^\/+/, '');
    candidates.push(sym ? `${get('number')}/${sym}` : get('number'));
  }
  for (const c of candidates) {
    if (!c) continue;
    // "Số" before the number, and the kind, help the reader as they do in running text.
    const refs = extractRefs(/^(số|so)\b/i.test(c) ? c : `số ${c}`);
    const r = refs[0] ?? (kind ? extractRefs(`${kind} số ${c}`)[0] : undefined);
    if (r) return r;
  }
  return null;
}

/**
 * Reads a register grid kept by `agency` in `direction`. Throws RegisterFormatError when there is
 * no header row; rows that cannot be read are returned as problems, blank rows are skipped.
 */
export function parseRegister(grid: RegisterGrid, agency: Agency, direction: RegisterDirection, directory: DirectoryIndex): ParsedRegister {
  const { index, columns } = findHeader(grid);
  const headerLine = grid.rows[index]?.line ?? 1;
  const entries: RegisterRow[] = [];
  const problems: RegisterProblem[] = [];
  const self = { kind: 'agency' as const, agencyCode: agency.code, agencyLevel: agency.level };
  for (const { line, cells } of grid.rows.slice(index + 1)) {
    const texts = cells.map(cellText);
    if (texts.every((t) => t === '')) continue;
    const get = (f: RegisterField) => (columns[f] === undefined ? '' : (texts[columns[f] as number] ?? ''));
    const raw = (f: RegisterField) => (columns[f] === undefined ? null : (cells[columns[f] as number] ?? null));
    const ref = refOf(cells, columns);
    if (!ref) {
      const shown = get('ref') || [get('number'), get('symbol')].filter(Boolean).join('/');
      problems.push({ line, message: shown ? `không đọc được số, ký hiệu / cannot read the document number ${JSON.stringify(shown)}` : 'thiếu số, ký hiệu / no document number' });
      continue;
    }
    const docDate = parseRegisterDate(raw('docDate'));
    const second = direction === 'in' ? parseRegisterDate(raw('arrivalDate')) : parseRegisterDate(raw('sentDate'));
    const day = (direction === 'in' ? second ?? docDate : docDate ?? second) ?? null;
    if (!day) {
      const shown = get('docDate') || get(direction === 'in' ? 'arrivalDate' : 'sentDate');
      problems.push({ line, message: shown ? `không đọc được ngày / cannot read the date ${JSON.stringify(shown)}` : 'thiếu ngày văn bản / no date' });
      continue;
    }
    const secretText = foldHeader(get('secret'));
    const secret = secretText !== '' && SECRET.test(secretText) && !/\b(khong|thuong)\b/.test(secretText);
    const others = direction === 'in' ? [get('sender')] : splitReceivers(get('receiver'));
    for (const name of others.length > 0 ? others : ['']) {
      const other = name ? resolveAgencyName(name, directory, day) : null;
      const otherSide = other
        ? { kind: 'agency' as const, agencyCode: other.code, agencyLevel: other.level }
        : { kind: 'unknown' as const, agencyCode: null, agencyLevel: null };
      const [sender, receiver] = direction === 'in' ? [otherSide, self] : [self, otherSide];
      entries.push({
        line,
        ref: ref.ref,
        number: ref.number,
        year: ref.year,
        symbol: ref.symbol,
        kind: ref.kind ?? (get('kind') || null),
        docDate,
        docYear: documentYear({ year: ref.year, date: docDate ?? ref.date }, Number(day.slice(0, 4))),
        day,
        summary: get('summary') || null,
        counterparty: name || null,
        counterpartyKey: other ? other.code : foldName(name),
        counterpartyAgency: other?.code ?? null,
        sender: { kind: sender.kind, agencyCode: sender.agencyCode },
        receiver: { kind: receiver.kind, agencyCode: receiver.agencyCode },
        flow: flowOf(sender, receiver).flow,
        formNote: get('form') || null,
        secret,
      });
    }
  }
  // One entry per document, day and other side: a document listed twice is registered once.
  const seen = new Set<string>();
  const distinct = entries.filter((e) => {
    const k = `${e.ref}\u0000${e.docYear}\u0000${e.day}\u0000${e.counterpartyKey}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { headerLine, columns, entries: distinct, problems };
}
