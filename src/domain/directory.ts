// The agency directory (DESIGN.md, "The domain": Agency): validation of the file format that
// `agency import` and `inspect --directory` read (YAML `{ agencies: [...] }` or CSV rows), the
// lookup index that party resolution uses, and identifier codes (mã định danh). Pure: callers read
// the file and hand over its text or parsed value.

import { z } from 'zod';
import { AGENCY_LEVELS, type Agency, type DirectoryIndex } from './types.js';

export const DIRECTORY_FIELDS = [
  'code',
  'name',
  'level',
  'parent',
  'domains',
  'addresses',
  'valid_from',
  'valid_to',
  'successor',
] as const;

export interface DirectoryProblem {
  /** Row number as the user sees it (YAML: entry number from 1; CSV: spreadsheet row, header = 1). */
  row: number | null;
  code: string | null;
  field: string | null;
  message: string;
}

/** Every problem of a directory file at once, so that one import run is enough to fix them all. */
export class DirectoryError extends Error {
  readonly code = 'DIRECTORY_INVALID';
  readonly problems: DirectoryProblem[];

  constructor(problems: DirectoryProblem[]) {
    const lines = problems.map(formatProblem);
    super(
      `Danh bạ cơ quan không hợp lệ / Invalid agency directory (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        lines.map((l) => `  - ${l}`).join('\n'),
    );
    this.name = 'DirectoryError';
    this.problems = problems;
  }
}

function formatProblem(p: DirectoryProblem): string {
  const where = p.row === null ? '' : `row ${p.row}${p.code ? ` (code ${p.code})` : ''}: `;
  return `${where}${p.field ? `${p.field}: ` : ''}${p.message}`;
}

// ---------------------------------------------------------------------------------------------
// Identifier codes

/** `000.00.00.H30` (Decision 20/2020/QĐ-TTg): three numeric groups, then a letter and two digits. */
const LONG_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;
/** The older short form `H30.21`, `H55.242`, `H55.242.1`: a province code, then numeric groups. */
const SHORT_CODE = /^[A-Z]\d{2}(?:\.\d{1,3}){1,3}$/;

/** Canonical (trimmed, upper-case) identifier code, or null when `s` does not have a code's shape. */
export function normalizeAgencyCode(s: string): string | null {
  const c = s.trim().toUpperCase();
  return LONG_CODE.test(c) || SHORT_CODE.test(c) ? c : null;
}

// Codes in running text: not glued to other letters, digits or dotted groups around them, so that
// `1000.00.00.H301` or a version number like `H30.21.5.7.9` is not read as a code.
const CODE_IN_TEXT =
  /(?<![\p{L}\p{N}_.])(\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2}|[A-Za-z]\d{2}(?:\.\d{1,3}){1,3})(?![\p{L}\p{N}_]|\.\d)/gu;

/** Identifier codes written in the text that name an agency of the directory, in order, distinct. */
export function findAgencyCodesInText(text: string, dir: DirectoryIndex): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(CODE_IN_TEXT)) {
    const code = normalizeAgencyCode(m[1] ?? '');
    if (code !== null && dir.agencies.has(code) && !found.includes(code)) found.push(code);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Row validation

const LEVEL_MESSAGE = `must be one of ${AGENCY_LEVELS.join(', ')}`;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ADDRESS = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(.+)$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Empty CSV cells and blank YAML strings both mean "no value". */
const optionalText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
  z.string({ error: 'must be text' }).trim().nullable().optional(),
);

/** Lists are YAML arrays or, in CSV, one cell with `;` between items. */
const textList = z.preprocess(
  (v) => {
    if (v === null || v === undefined) return [];
    if (typeof v === 'string') return v.split(';');
    return v;
  },
  z.array(z.string({ error: 'must be a list of text items' }), { error: 'must be a list (or text with ; between items)' }),
);

/** YAML 1.1 parsers may turn an unquoted 2025-07-01 into a Date; take it back as that date. */
const dateText = z.preprocess((v) => {
  if (v instanceof Date && Number.isFinite(v.getTime())) return v.toISOString().slice(0, 10);
  if (typeof v === 'string' && v.trim() === '') return null;
  return v;
}, z.string({ error: 'must be a date YYYY-MM-DD' }).trim().nullable().optional());

const rowSchema = z.strictObject(
  {
    code: z.string({ error: 'is required (an identifier code such as 000.00.00.H30)' }).trim(),
    name: z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }),
    level: z.string({ error: `is required: ${LEVEL_MESSAGE}` }).trim(),
    parent: optionalText,
    domains: textList,
    addresses: textList,
    valid_from: dateText,
    valid_to: dateText,
    successor: optionalText,
  },
  { error: 'must be a mapping of the fields ' + DIRECTORY_FIELDS.join(', ') },
);

function isRealDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

interface RowContext {
  row: number;
  agency: Agency;
}

/**
 * Validates a parsed directory: `{ agencies: [...] }` (YAML, snake_case keys) or an array of rows
 * (CSV, list fields `;`-separated). Returns agencies with canonical codes and lower-case domains and
 * addresses; throws DirectoryError listing every problem found.
 */
export function parseDirectory(input: unknown): Agency[] {
  return parseRows(input, (i) => i + 1);
}

function parseRows(input: unknown, rowNumber: (index: number) => number): Agency[] {
  let rows: unknown;
  if (Array.isArray(input)) rows = input;
  else if (typeof input === 'object' && input !== null && 'agencies' in input) rows = (input as { agencies: unknown }).agencies;
  if (!Array.isArray(rows)) {
    throw new DirectoryError([
      { row: null, code: null, field: null, message: 'the directory must be { agencies: [...] } or a list of rows' },
    ]);
  }
  if (rows.length === 0) {
    throw new DirectoryError([{ row: null, code: null, field: null, message: 'the directory lists no agency' }]);
  }

  const problems: DirectoryProblem[] = [];
  const parsed: RowContext[] = [];
  rows.forEach((raw: unknown, i) => {
    const row = rowNumber(i);
    const agency = parseRow(raw, row, problems);
    if (agency) parsed.push({ row, agency });
  });
  crossCheck(parsed, problems);
  if (problems.length > 0) throw new DirectoryError(problems);
  return parsed.map((p) => p.agency);
}

/** One row on its own: shape, code, level, domains, addresses, dates. Cross-row checks come later. */
function parseRow(raw: unknown, row: number, problems: DirectoryProblem[]): Agency | null {
  const rawCode =
    typeof raw === 'object' && raw !== null && typeof (raw as { code?: unknown }).code === 'string'
      ? ((raw as { code: string }).code.trim() || null)
      : null;
  const add = (field: string | null, message: string): void => {
    problems.push({ row, code: rawCode, field, message });
  };

  const result = rowSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) add(key, `unknown field (expected ${DIRECTORY_FIELDS.join(', ')})`);
      } else {
        const field = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
        add(field, issue.message);
      }
    }
    return null;
  }
  const r = result.data;
  let ok = true;
  const fail = (field: string, message: string): void => {
    ok = false;
    add(field, message);
  };

  const code = normalizeAgencyCode(r.code);
  if (code === null) fail('code', `"${r.code}" is not an identifier code (expected 000.00.00.H30 or H30.21)`);
  const level = AGENCY_LEVELS.find((l) => l === r.level);
  if (level === undefined) fail('level', `${LEVEL_MESSAGE} (got "${r.level}")`);

  const codeField = (field: string, value: string | null | undefined): string | null => {
    if (value === null || value === undefined) return null;
    const c = normalizeAgencyCode(value);
    if (c === null) fail(field, `"${value}" is not an identifier code (expected 000.00.00.H30 or H30.21)`);
    return c;
  };
  const parent = codeField('parent', r.parent);
  const successor = codeField('successor', r.successor);

  const domains: string[] = [];
  for (const d of r.domains.map((x) => x.trim().toLowerCase()).filter((x) => x !== '')) {
    if (!DOMAIN.test(d)) fail('domains', `"${d}" is not a domain name`);
    else if (!domains.includes(d)) domains.push(d);
  }
  const addresses: string[] = [];
  for (const a of r.addresses.map((x) => x.trim().toLowerCase()).filter((x) => x !== '')) {
    const m = ADDRESS.exec(a);
    if (!m || !DOMAIN.test(m[1] ?? '')) fail('addresses', `"${a}" is not an email address`);
    else if (!addresses.includes(a)) addresses.push(a);
  }

  const dateField = (field: string, value: string | null | undefined): string | null => {
    if (value === null || value === undefined) return null;
    if (!isRealDate(value)) {
      fail(field, `"${value}" is not a valid date YYYY-MM-DD`);
      return null;
    }
    return value;
  };
  const validFrom = dateField('valid_from', r.valid_from);
  const validTo = dateField('valid_to', r.valid_to);
  if (validFrom !== null && validTo !== null && validTo < validFrom) {
    fail('valid_to', `${validTo} is before valid_from ${validFrom}`);
  }

  if (!ok || code === null || level === undefined) return null;
  if (parent === code) fail('parent', 'an agency cannot be its own parent');
  if (successor === code) fail('successor', 'an agency cannot be its own successor');
  if (!ok) return null;
  return { code, name: r.name, level, parent, domains, addresses, validFrom, validTo, successor };
}

/** Checks across rows: unique codes, domains and addresses; references to existing codes; no cycles. */
function crossCheck(parsed: RowContext[], problems: DirectoryProblem[]): void {
  const byCode = new Map<string, RowContext>();
  const domainOwner = new Map<string, RowContext>();
  const addressOwner = new Map<string, RowContext>();
  const add = (ctx: RowContext, field: string, message: string): void => {
    problems.push({ row: ctx.row, code: ctx.agency.code, field, message });
  };

  for (const ctx of parsed) {
    const first = byCode.get(ctx.agency.code);
    if (first) add(ctx, 'code', `duplicate: also used by row ${first.row}`);
    else byCode.set(ctx.agency.code, ctx);
    // One domain or address must name one agency, or mail to it could not be attributed.
    for (const d of ctx.agency.domains) {
      const owner = domainOwner.get(d);
      if (owner) add(ctx, 'domains', `${d} is also listed under row ${owner.row} (code ${owner.agency.code})`);
      else domainOwner.set(d, ctx);
    }
    for (const a of ctx.agency.addresses) {
      const owner = addressOwner.get(a);
      if (owner) add(ctx, 'addresses', `${a} is also listed under row ${owner.row} (code ${owner.agency.code})`);
      else addressOwner.set(a, ctx);
    }
  }
  // Reference checks need the whole set of codes, which rows with errors of their own do not join.
  for (const ctx of parsed) {
    const { parent, successor } = ctx.agency;
    if (parent !== null && !byCode.has(parent)) add(ctx, 'parent', `${parent} is not a code of this directory`);
    if (successor !== null && !byCode.has(successor)) add(ctx, 'successor', `${successor} is not a code of this directory`);
  }
  reportCycles(parsed, byCode, 'parent', problems);
  reportCycles(parsed, byCode, 'successor', problems);
}

/** A parent or successor chain that loops would send resolution round for ever. */
function reportCycles(
  parsed: RowContext[],
  byCode: Map<string, RowContext>,
  field: 'parent' | 'successor',
  problems: DirectoryProblem[],
): void {
  const reported = new Set<string>();
  for (const start of parsed) {
    const seen = new Set<string>();
    let cur: RowContext | undefined = start;
    while (cur && !seen.has(cur.agency.code)) {
      seen.add(cur.agency.code);
      const next: string | null = cur.agency[field];
      cur = next === null ? undefined : byCode.get(next);
    }
    if (cur && cur.agency.code === start.agency.code && !reported.has(start.agency.code)) {
      for (const code of seen) reported.add(code);
      problems.push({
        row: start.row,
        code: start.agency.code,
        field,
        message: `the ${field} chain loops: ${[...seen, start.agency.code].join(' → ')}`,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * A small RFC 4180 reader: `,` between fields, `"` quoting with `""` for a quote, CR LF or LF line
 * ends, line breaks allowed inside quotes, an optional UTF-8 BOM. A library (csv-parse) would do
 * the same; the format we accept is small enough that owning 40 lines beats another dependency.
 * Returns every record, blank lines included (as one empty field), so callers can number rows.
 */
export function readCsv(text: string): string[][] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let i = 0;
  const endField = (): void => {
    record.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRecord = (): void => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < src.length) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i += 1;
    } else if (ch === ',') {
      endField();
      i += 1;
    } else if (ch === '\r' && src[i + 1] === '\n') {
      endRecord();
      i += 2;
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
      i += 1;
    } else {
      // Text after a closing quote (`"a"b`) is kept as written rather than rejected: lenient, as
      // spreadsheet exports sometimes are.
      field += ch;
      fieldStarted = true;
      i += 1;
    }
  }
  if (quoted) {
    throw new DirectoryError([
      { row: records.length + 1, code: null, field: null, message: 'a quoted field is not closed before the end of the file' },
    ]);
  }
  if (fieldStarted || record.length > 0 || field !== '') endRecord();
  return records;
}

/** Parses the directory in CSV form: a header row naming the fields, then one agency a row. */
export function parseDirectoryCsv(text: string): Agency[] {
  // Blank lines are skipped but keep their place in the row numbering, as a spreadsheet shows them.
  const records = readCsv(text)
    .map((cells, i) => ({ cells, row: i + 1 }))
    .filter((r) => !(r.cells.length === 1 && r.cells[0]?.trim() === ''));
  const [header, ...body] = records;
  if (!header) throw new DirectoryError([{ row: null, code: null, field: null, message: 'the CSV file is empty' }]);
  const columns = header.cells.map((h) => h.trim().toLowerCase());
  const problems: DirectoryProblem[] = [];
  for (const required of ['code', 'name', 'level']) {
    if (!columns.includes(required)) problems.push({ row: header.row, code: null, field: required, message: 'missing column' });
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) problems.push({ row: header.row, code: null, field: c, message: 'column named twice' });
    seen.add(c);
  }
  if (problems.length > 0) throw new DirectoryError(problems);

  const rows = body.map(({ cells, row }) => {
    if (cells.length !== columns.length) {
      const code = cells[columns.indexOf('code')]?.trim() || null;
      problems.push({ row, code, field: null, message: `has ${cells.length} fields where the header has ${columns.length}` });
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => {
      values[c] = cells[j] ?? '';
    });
    return values;
  });
  let agencies: Agency[] = [];
  try {
    agencies = parseRows(rows, (i) => body[i]?.row ?? i + 2);
  } catch (err) {
    if (!(err instanceof DirectoryError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw new DirectoryError(problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)));
  return agencies;
}

// ---------------------------------------------------------------------------------------------
// Index

/**
 * The lookup index of a validated directory. Keys are lower case (addresses, domains) and canonical
 * codes. parseDirectory rejects duplicates; should a hand-built list have some, the first wins.
 */
export function buildDirectory(agencies: Agency[]): DirectoryIndex {
  const index: DirectoryIndex = { agencies: new Map(), byAddress: new Map(), byDomain: new Map() };
  for (const a of agencies) {
    if (!index.agencies.has(a.code)) index.agencies.set(a.code, a);
    for (const addr of a.addresses) {
      const key = addr.trim().toLowerCase();
      if (!index.byAddress.has(key)) index.byAddress.set(key, a);
    }
    for (const d of a.domains) {
      const key = d.trim().toLowerCase();
      if (!index.byDomain.has(key)) index.byDomain.set(key, a);
    }
  }
  return index;
}
