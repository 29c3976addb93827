// The statistics of one period (the JSON of `stats --json`, and what the report shows): KPIs per
// agency, per level and province-wide, with numerators, denominators, targets, and message totals.
import type { Config } from '../config/config.js';
import { accountCounts, exchangeCounts, messageTotals } from '../db/stats.js';
import type { Queryable } from '../db/pool.js';
import { computeKpis, k7Details, type KpiId, type KpiValue, type Targets } from '../domain/kpi.js';
import { parsePeriod, type Period } from '../domain/period.js';

export interface AgencyStats {
  kpis: Record<KpiId, KpiValue>;
  k7: ReturnType<typeof k7Details>['province'];
}

export interface PeriodStats {
  period: string;
  start: string;
  end: string;
  /** Same shape as `status --json`: total and one count per state. */
  messages: { total: number } & Record<string, number>;
  exchanges: number;
  documents: number;
  province: Record<KpiId, KpiValue>;
  levels: Record<string, Record<KpiId, KpiValue>>;
  agencies: Record<string, Record<KpiId, KpiValue>>;
  k7: ReturnType<typeof k7Details>;
}

export async function periodStats(db: Queryable, config: Pick<Config, 'targets'>, periodId: string, agency?: string): Promise<PeriodStats> {
  const period: Period = parsePeriod(periodId);
  // The three reads are independent: run at once (a pool spreads them over connections).
  const [allRows, allAccounts, totals] = await Promise.all([
    exchangeCounts(db, period.start, period.end),
    accountCounts(db, period.start, period.end),
    messageTotals(db, period.start, period.end, agency),
  ]);
  let rows = allRows;
  let accounts = allAccounts;
  if (agency) {
    // One agency's table: every exchange on its side counts for it.
    rows = rows.filter((r) => r.agencyCode === agency).map((r) => ({ ...r, provinceWeight: 1 }));
    accounts = accounts.filter((a) => a.agencyCode === agency);
  }
  const k = computeKpis(rows, accounts, { year: period.year, targets: config.targets as Targets, paperRegister: false });
  return {
    period: period.id,
    start: period.start.toISOString(),
    end: period.end.toISOString(),
    messages: { total: totals.total, ...totals.byState },
    exchanges: totals.exchanges,
    documents: totals.documents,
    province: k.province,
    levels: k.levels,
    agencies: k.agencies,
    k7: k7Details(accounts),
  };
}
