// Reporting periods (`YYYY-Qn`, `YYYY`) and the date a message is counted under (DESIGN.md,
// "Definitions": Period). Pure: every instant is passed in, the clock is never read.
//
// Periods are civil periods in Asia/Ho_Chi_Minh whatever the process `TZ` says. Vietnam has kept
// UTC+7 without daylight saving since 1975, so a fixed +7 h shift is exact for every date this
// system can meet, and cheaper and more predictable than Intl (whose time-zone data depends on the
// ICU build Node ships with). We shift the instant by +7 h and read the UTC fields of the result.

/** Asia/Ho_Chi_Minh offset from UTC: fixed, no DST since 1975. */
export const VN_UTC_OFFSET_MS = 7 * 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;
/** The first year a period may name: older mail has nothing to report, and it stops typos like 0202. */
export const MIN_PERIOD_YEAR = 1995;
export const MAX_PERIOD_YEAR = 2999;

export type PeriodKind = 'quarter' | 'year';

export interface Period {
  /** Canonical id: `2026-Q3` or `2026`. */
  id: string;
  kind: PeriodKind;
  year: number;
  /** 1..4 for a quarter, null for a year. */
  quarter: number | null;
  /** First instant of the period (inclusive). */
  start: Date;
  /** First instant after the period (exclusive). */
  end: Date;
}

/** A period id that is not `YYYY-Qn` or `YYYY`; the message is bilingual because it reaches operators. */
export class PeriodError extends Error {
  readonly code = 'PERIOD_INVALID';
  readonly input: string;

  constructor(input: string, reason: string) {
    super(
      `Kỳ báo cáo không hợp lệ «${input}»: cần dạng YYYY-Qn (n từ 1 đến 4) hoặc YYYY, ví dụ 2026-Q3 hoặc 2026 / ` +
        `Invalid period "${input}": ${reason}; expected YYYY-Qn (n = 1..4) or YYYY, e.g. 2026-Q3 or 2026`,
    );
    this.name = 'PeriodError';
    this.input = input;
  }
}

/** The instant at which local (UTC+7) midnight of the given civil date begins. */
function localMidnight(year: number, monthIndex: number, day: number): Date {
  // Date.UTC rolls month 12 over into January of the next year, which `end` relies on.
  return new Date(Date.UTC(year, monthIndex, day) - VN_UTC_OFFSET_MS);
}

/** The civil (UTC+7) fields of an instant. */
function localFields(d: Date): { year: number; month: number; day: number } {
  const shifted = new Date(d.getTime() + VN_UTC_OFFSET_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth(), day: shifted.getUTCDate() };
}

function makePeriod(year: number, quarter: number | null): Period {
  if (quarter === null) {
    return { id: String(year), kind: 'year', year, quarter: null, start: localMidnight(year, 0, 1), end: localMidnight(year + 1, 0, 1) };
  }
  return {
    id: `${year}-Q${quarter}`,
    kind: 'quarter',
    year,
    quarter,
    start: localMidnight(year, (quarter - 1) * 3, 1),
    end: localMidnight(year, quarter * 3, 1),
  };
}

/** Parses `2026-Q3` or `2026` (surrounding spaces and a lower-case `q` are forgiven). */
export function parsePeriod(s: string): Period {
  const input = String(s);
  const m = /^(\d{4})(?:-[Qq](\d))?$/.exec(input.trim());
  if (!m) throw new PeriodError(input, 'not a period');
  const year = Number(m[1]);
  if (year < MIN_PERIOD_YEAR || year > MAX_PERIOD_YEAR) {
    throw new PeriodError(input, `year must be between ${MIN_PERIOD_YEAR} and ${MAX_PERIOD_YEAR}`);
  }
  if (m[2] === undefined) return makePeriod(year, null);
  const quarter = Number(m[2]);
  if (quarter < 1 || quarter > 4) throw new PeriodError(input, 'quarter must be 1, 2, 3 or 4');
  return makePeriod(year, quarter);
}

/** The id of the period (of the given kind) that contains the instant, in Asia/Ho_Chi_Minh. */
export function periodOf(date: Date, kind: PeriodKind): string {
  const { year, month } = localFields(date);
  return kind === 'year' ? String(year) : `${year}-Q${Math.floor(month / 3) + 1}`;
}

export function quarterOf(date: Date): string {
  return periodOf(date, 'quarter');
}

/** Whether the instant falls inside the period (start inclusive, end exclusive). */
export function periodContains(period: Period, date: Date): boolean {
  const t = date.getTime();
  return t >= period.start.getTime() && t < period.end.getTime();
}

/** The period of the same kind just before: 2026-Q1 → 2025-Q4, 2026 → 2025. */
export function previousPeriod(id: string): string {
  const p = parsePeriod(id);
  if (p.quarter === null) return makePeriod(p.year - 1, null).id;
  return p.quarter === 1 ? makePeriod(p.year - 1, 4).id : makePeriod(p.year, p.quarter - 1).id;
}

/** YYYY-MM-DD of the instant in Asia/Ho_Chi_Minh (the form directory validity dates use). */
export function localDateString(d: Date): string {
  const { year, month, day } = localFields(d);
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The calendar year of the instant in Asia/Ho_Chi_Minh. */
export function localYear(d: Date): number {
  return localFields(d).year;
}

/** Mail dated before this is taken as a broken clock (1970 epochs, 1980 DOS dates), not as old mail. */
const EARLIEST_PLAUSIBLE = localMidnight(1995, 0, 1).getTime();
/** Clock skew and time-zone mistakes are tolerated up to this far ahead of the server's date. */
const MAX_AHEAD_MS = 2 * DAY_MS;

function isUsable(d: Date | null): d is Date {
  return d !== null && Number.isFinite(d.getTime());
}

/**
 * The instant that decides a message's period: its `Date` header, unless that is missing, invalid
 * or absurd (before 1995, or more than two days after the server's INTERNALDATE — or our
 * `receivedAt` when the server gave none); then INTERNALDATE (if it is itself plausible); then
 * `receivedAt`, the moment we fetched it.
 */
export function messageDate(headerDate: Date | null, internalDate: Date | null, receivedAt: Date): Date {
  const internal =
    isUsable(internalDate) &&
    internalDate.getTime() >= EARLIEST_PLAUSIBLE &&
    internalDate.getTime() <= receivedAt.getTime() + MAX_AHEAD_MS
      ? internalDate
      : null;
  const reference = internal ?? receivedAt;
  if (
    isUsable(headerDate) &&
    headerDate.getTime() >= EARLIEST_PLAUSIBLE &&
    headerDate.getTime() <= reference.getTime() + MAX_AHEAD_MS
  ) {
    return headerDate;
  }
  return reference;
}
