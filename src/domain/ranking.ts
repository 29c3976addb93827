// The province overview's ranking and trend axis. Pure: KPI tables in, ordered rows out.
import { KPI_IDS, type KpiId, type KpiValue } from './kpi.js';
import { parsePeriod, previousPeriod } from './period.js';

export interface RankedAgency {
  code: string;
  name: string;
  level: string;
  rank: number | null;
  kpis: Record<KpiId, KpiValue>;
  /** KPIs with a target that the agency did not meet this period. */
  below: KpiId[];
}

export function isKpiId(s: unknown): s is KpiId {
  return typeof s === 'string' && (KPI_IDS as readonly string[]).includes(s);
}

/** KPIs whose target is an upper bound (K1s: the scanned share must stay below 50%) rank ascending. */
function lowerIsBetter(v: KpiValue | undefined): boolean {
  return v?.targetOp === '<' || v?.targetOp === '<=';
}

/**
 * Agencies ordered by one KPI's ratio (best first; agencies without a ratio last, by code), each
 * with the KPIs it is below target on. Ties share a rank (1, 2, 2, 4); no ratio, no rank.
 */
export function rankAgencies(
  tables: Record<string, Record<KpiId, KpiValue>>,
  names: Map<string, { name: string; level: string }>,
  by: KpiId,
): RankedAgency[] {
  const rows = Object.entries(tables).map(([code, kpis]) => ({
    code,
    name: names.get(code)?.name ?? code,
    level: names.get(code)?.level ?? '',
    kpis,
    below: KPI_IDS.filter((k) => kpis[k]?.met === false),
    ratio: kpis[by]?.ratio ?? null,
  }));
  const asc = rows.some((r) => lowerIsBetter(r.kpis[by]));
  rows.sort((a, b) => {
    if (a.ratio === null && b.ratio === null) return a.code.localeCompare(b.code);
    if (a.ratio === null) return 1;
    if (b.ratio === null) return -1;
    if (a.ratio !== b.ratio) return asc ? a.ratio - b.ratio : b.ratio - a.ratio;
    return a.code.localeCompare(b.code);
  });
  let rank = 0;
  let prev: number | null = null;
  return rows.map((r, i) => {
    if (r.ratio !== null && r.ratio !== prev) rank = i + 1;
    prev = r.ratio;
    return { code: r.code, name: r.name, level: r.level, kpis: r.kpis, below: r.below, rank: r.ratio === null ? null : rank };
  });
}

/** The periods a trend chart shows, oldest first, ending with `periodId`: n quarters, or n years. */
export function trendPeriods(periodId: string, n: number): string[] {
  const out = [parsePeriod(periodId).id];
  while (out.length < n) {
    const first = out[0] as string;
    if (parsePeriod(first).year <= 1995 && (parsePeriod(first).quarter ?? 1) === 1) break;
    out.unshift(previousPeriod(first));
  }
  return out;
}
