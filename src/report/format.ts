// How the report writes numbers, percentages, dates and periods, in Vietnamese (`1.234`, `12,5%`,
// "ngày 01 tháng 10 năm 2026", "quý III năm 2026") or English (`1,234`, `12.5%`). Pure, and without
// Intl: its output must not depend on the ICU data a Node build ships with (src/domain/period.ts
// reads dates the same way).
import { parsePeriod, VN_UTC_OFFSET_MS } from '../domain/period.js';
import type { TargetOp } from '../domain/kpi.js';

export type ReportLang = 'vi' | 'en';
export const REPORT_LANGS: readonly ReportLang[] = ['vi', 'en'];

const SEPARATORS: Record<ReportLang, { group: string; decimal: string }> = {
  vi: { group: '.', decimal: ',' },
  en: { group: ',', decimal: '.' },
};

function groupDigits(digits: string, sep: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** A whole number with thousands grouped: `1.234.567` (vi), `1,234,567` (en). */
export function formatInt(n: number, lang: ReportLang): string {
  if (!Number.isFinite(n)) return '—';
  const r = Math.round(n);
  return `${r < 0 ? '-' : ''}${groupDigits(String(Math.abs(r)), SEPARATORS[lang].group)}`;
}

/**
 * A number with a fixed count of decimals, rounded half away from zero on its decimal digits (not on
 * its binary value: 12.345 to 2 places is 12.35, where toFixed gives 12.34).
 */
export function formatDecimal(x: number, digits: number, lang: ReportLang): string {
  if (!Number.isFinite(x)) return '—';
  const scale = 10 ** digits;
  // Rounding the decimal string form of x·scale avoids 1.005·100 = 100.49999….
  const scaled = Math.round(Number((Math.abs(x) * scale).toPrecision(15)));
  const int = Math.floor(scaled / scale);
  const frac = String(scaled - int * scale).padStart(digits, '0');
  const sign = x < 0 && scaled !== 0 ? '-' : '';
  const s = SEPARATORS[lang];
  return `${sign}${groupDigits(String(int), s.group)}${digits > 0 ? `${s.decimal}${frac}` : ''}`;
}

/** A ratio 0..1 as a percentage with one decimal: `12,5%`; null (nothing to divide) as `—`. */
export function formatPercent(ratio: number | null, lang: ReportLang): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  return `${formatDecimal(ratio * 100, 1, lang)}%`;
}

/** A target: `≥ 80%`, `< 50%`, `> 80%` (whole percentages without decimals, others with one). */
export function formatTarget(op: TargetOp | undefined, value: number | null, lang: ReportLang): string {
  if (value === null) return '—';
  const sym = { '>=': '≥', '>': '>', '<': '<', '<=': '≤' }[op ?? '>='];
  const pct = value * 100;
  const whole = Math.abs(pct - Math.round(pct)) < 1e-9;
  return `${sym} ${whole ? formatInt(pct, lang) : formatDecimal(pct, 1, lang)}%`;
}

/** A change of a ratio in percentage points: `+2,5 điểm %` / `+2.5 pp`, `0,0 điểm %`; null as `—`. */
export function formatPoints(delta: number | null, lang: ReportLang): string {
  if (delta === null || !Number.isFinite(delta)) return '—';
  const s = formatDecimal(delta * 100, 1, lang);
  const sign = s.startsWith('-') || s === formatDecimal(0, 1, lang) ? '' : '+';
  return `${sign}${s} ${lang === 'vi' ? 'điểm %' : 'pp'}`;
}

const ROMAN = ['I', 'II', 'III', 'IV'];
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `quý III năm 2026`, `năm 2026`; `Q3 2026`, `the year 2026`. */
export function periodTitle(periodId: string, lang: ReportLang): string {
  const p = parsePeriod(periodId);
  if (lang === 'en') return p.quarter === null ? `the year ${p.year}` : `Q${p.quarter} ${p.year}`;
  return p.quarter === null ? `năm ${p.year}` : `quý ${ROMAN[p.quarter - 1]} năm ${p.year}`;
}

/** A short label for chart axes: `Q3/2026` (vi), `Q3 2026` (en), `2026`. */
export function periodShort(periodId: string, lang: ReportLang): string {
  const p = parsePeriod(periodId);
  if (p.quarter === null) return String(p.year);
  return lang === 'vi' ? `Q${p.quarter}/${p.year}` : `Q${p.quarter} ${p.year}`;
}

/** The civil date of an instant in Asia/Ho_Chi_Minh. */
export function localDate(d: Date): { year: number; month: number; day: number } {
  const s = new Date(d.getTime() + VN_UTC_OFFSET_MS);
  return { year: s.getUTCFullYear(), month: s.getUTCMonth() + 1, day: s.getUTCDate() };
}

/**
 * The place and date line of an administrative document. Nghị định 30/2020/NĐ-CP: days below 10 and
 * the months 1 and 2 are written with a leading zero ("ngày 05 tháng 02 năm 2026", "ngày 15 tháng 3").
 */
export function placeDate(place: string, d: Date, lang: ReportLang): string {
  const { year, month, day } = localDate(d);
  if (lang === 'en') return `${place}, ${day} ${MONTHS_EN[month - 1]} ${year}`;
  const dd = day < 10 ? `0${day}` : String(day);
  const mm = month <= 2 ? `0${month}` : String(month);
  return `${place}, ngày ${dd} tháng ${mm} năm ${year}`;
}

/** YYYY-MM-DD of an instant in Asia/Ho_Chi_Minh. */
export function isoLocalDate(d: Date): string {
  const { year, month, day } = localDate(d);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Letters without Vietnamese diacritics, Đ kept (as document symbols write it: NĐ-CP, QĐ). */
export function stripDiacritics(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC');
}

const SYMBOL_STOP_WORDS = new Set(['và', 'của', 'tỉnh', 'thành', 'phố']);

/**
 * The abbreviation of an issuing body for document numbers, from its name: the initials of its
 * words, function words left out — "Sở Khoa học và Công nghệ" → SKHCN, "Ủy ban nhân dân tỉnh Sơn
 * Minh" → UBND (the province's or district's name is not part of the symbol). A deployment whose
 * body abbreviates otherwise sets `reports.issuer_symbol`.
 */
export function issuerSymbol(name: string): string {
  const words = name.trim().split(/\s+/);
  const out: string[] = [];
  for (const w of words) {
    const lower = w.toLowerCase();
    // "tỉnh Sơn Minh", "huyện X", "xã Y": the place name ends the body's own name.
    if (['tỉnh', 'huyện', 'xã', 'phường', 'thị', 'thành'].includes(lower) && out.length > 0) break;
    if (SYMBOL_STOP_WORDS.has(lower)) continue;
    const first = stripDiacritics(w.charAt(0)).toUpperCase();
    if (/[A-ZĐ0-9]/.test(first)) out.push(first);
  }
  return out.join('') || 'BC';
}
