// The filters of the exchange list (page, API and export) parsed from query parameters, and its
// keyset cursor. Pure: the database module turns a parsed filter into one parameterized query.
// Pages go by (msg_date, id) descending, so page N costs the same as page 1 at any table size.
import { FLOWS, FORMS, type Flow, type Form } from './types.js';
import { parsePeriod, PeriodError, type Period } from './period.js';

export interface ExchangeFilter {
  period: Period;
  /** Either side of the exchange is this agency (already scoped by role). */
  agency: string | null;
  flow: Flow | null;
  form: Form | null;
  signed: boolean | null;
  /** true: scanned or mixed; false: born digital or no attachment. */
  scanned: boolean | null;
  /** The other party: an address (lower case) or an agency code, on either side. */
  party: string | null;
  cursor: Cursor | null;
  limit: number;
}

export interface Cursor {
  date: Date;
  id: number;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** A problem with one parameter; the message is bilingual (it reaches the operator). */
export class FilterError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

function bool(name: string, v: unknown): boolean | null {
  const s = str(v);
  if (s === null) return null;
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  throw new FilterError(name, `${name}: cần true hoặc false / must be true or false (got ${JSON.stringify(s)})`);
}

function oneOf<T extends string>(name: string, v: unknown, values: readonly T[]): T | null {
  const s = str(v);
  if (s === null) return null;
  if (!(values as readonly string[]).includes(s)) throw new FilterError(name, `${name}: không hợp lệ / must be one of ${values.join(', ')} (got ${JSON.stringify(s)})`);
  return s as T;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.date.toISOString()}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  const bad = () => new FilterError('cursor', 'cursor: không hợp lệ / not a cursor this server gave');
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(s)) throw bad();
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,15})$/.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m) throw bad();
  const date = new Date(m[1] as string);
  if (!Number.isFinite(date.getTime())) throw bad();
  return { date, id: Number(m[2]) };
}

/**
 * Parses the query of the exchange list. `defaultPeriod` is used when none is given (the current
 * quarter); `agency` is taken as given — role scoping happens before the query, not here.
 */
export function parseExchangeFilter(q: Record<string, unknown>, defaultPeriod: string): ExchangeFilter {
  let period: Period;
  try {
    period = parsePeriod(str(q.period) ?? defaultPeriod);
  } catch (err) {
    if (err instanceof PeriodError) throw new FilterError('period', err.message);
    throw err;
  }
  const party = str(q.party);
  if (party !== null && party.length > 320) throw new FilterError('party', 'party: quá dài / too long');
  const limitRaw = str(q.limit);
  let limit = DEFAULT_PAGE;
  if (limitRaw !== null) {
    if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > MAX_PAGE)
      throw new FilterError('limit', `limit: từ 1 đến ${MAX_PAGE} / must be 1..${MAX_PAGE}`);
    limit = Number(limitRaw);
  }
  const cursor = str(q.cursor);
  return {
    period,
    agency: str(q.agency),
    flow: oneOf('flow', q.flow, FLOWS),
    form: oneOf('form', q.form, FORMS),
    signed: bool('signed', q.signed),
    scanned: bool('scanned', q.scanned),
    party: party === null ? null : party.toLowerCase().includes('@') ? party.toLowerCase() : party,
    cursor: cursor === null ? null : decodeCursor(cursor),
    limit,
  };
}

/** The query string of a filter (for links to the next page and to exports), without the cursor unless given. */
export function filterQuery(f: ExchangeFilter, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  p.set('period', f.period.id);
  if (f.agency) p.set('agency', f.agency);
  if (f.flow) p.set('flow', f.flow);
  if (f.form) p.set('form', f.form);
  if (f.signed !== null) p.set('signed', String(f.signed));
  if (f.scanned !== null) p.set('scanned', String(f.scanned));
  if (f.party) p.set('party', f.party);
  if (f.limit !== DEFAULT_PAGE) p.set('limit', String(f.limit));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}
