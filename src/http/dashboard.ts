// What the dashboard pages and the JSON API show, computed once for both: the province overview,
// an agency's page, the exchange list and one exchange, mailboxes and queue health. Every function
// takes the signed-in user and applies its scope (src/domain/access.ts) before it queries.
import { listAgencies, getAgency } from '../db/agencies.js';
import { counterparties, getExchange, listExchanges, type Counterparty, type ExchangeDetail, type ExchangeListRow } from '../db/exchange-list.js';
import { listMailboxes } from '../db/mailboxes.js';
import type { Queryable } from '../db/pool.js';
import { agencyScope, canAdminister, canSeeAgencies, canSeeProvince, type WebUser } from '../domain/access.js';
import { encodeCursor, type ExchangeFilter } from '../domain/exchange-filter.js';
import { computeKpis, type KpiId, type KpiValue, type Targets } from '../domain/kpi.js';
import { accountCounts, exchangeCounts, provinceExchangeCounts } from '../db/stats.js';
import { parsePeriod } from '../domain/period.js';
import { rankAgencies, trendPeriods, type RankedAgency } from '../domain/ranking.js';
import type { Agency } from '../domain/types.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { QUEUE_NAMES, type Queues } from '../queue/queues.js';
import { periodStats, type PeriodStats } from '../report/stats.js';
import type { StatsCache } from './stats-cache.js';
import type { Config } from '../config/config.js';
import { mailboxJson } from '../cli/mailbox.js';

export interface Deps {
  pool: Queryable;
  config: Pick<Config, 'targets'>;
  /** `edocwatch serve`'s statistics cache (src/http/stats-cache.ts); absent: everything is computed per call. */
  cache?: StatsCache;
}

/** periodStats through the cache when there is one. The result is shared: read it, never change it. */
export function cachedPeriodStats(d: Deps, periodId: string, agency?: string): Promise<PeriodStats> {
  const compute = () => periodStats(d.pool, d.config, periodId, agency);
  return d.cache ? d.cache.get(`stats|${periodId}|${agency ?? ''}`, compute) : compute();
}

/** KPIs drawn in the trend charts. */
export const TREND_KPIS: KpiId[] = ['K1', 'K4e', 'K6'];

export interface Trend {
  periods: string[];
  series: Array<{ kpi: KpiId; values: Array<number | null> }>;
}

/**
 * KPI ratios of each period of the chart, from the rollups only (exchange and account counts; not
 * the message and document totals of periodStats, which read the facts): a chart of 8 quarters
 * costs 16 rollup queries whatever the size of the facts.
 */
async function trend(d: Deps, periodId: string, agency?: string): Promise<Trend> {
  const periods = trendPeriods(periodId, parsePeriod(periodId).quarter === null ? 5 : 8);
  const tables = await Promise.all(
    periods.map((id) => {
      const compute = async () => {
        const p = parsePeriod(id);
        // The province's line reads the rows folded to the province (provinceExchangeCounts).
        let [rows, accounts] = await Promise.all([
          agency ? exchangeCounts(d.pool, p.start, p.end) : provinceExchangeCounts(d.pool, p.start, p.end),
          accountCounts(d.pool, p.start, p.end),
        ]);
        if (agency) {
          // As periodStats does for one agency: every exchange on its side counts for it.
          rows = rows.filter((r) => r.agencyCode === agency).map((r) => ({ ...r, provinceWeight: 1 }));
          accounts = accounts.filter((a) => a.agencyCode === agency);
        }
        const k = computeKpis(rows, accounts, { year: p.year, targets: d.config.targets as Targets, paperRegister: false });
        return agency ? k.agencies[agency] : k.province;
      };
      return d.cache ? d.cache.get(`trend|${id}|${agency ?? ''}`, compute) : compute();
    }),
  );
  return { periods, series: TREND_KPIS.map((kpi) => ({ kpi, values: tables.map((t) => t?.[kpi]?.ratio ?? null) })) };
}

export interface Overview {
  period: string;
  rankBy: KpiId;
  province: Record<KpiId, KpiValue>;
  messages: Record<string, number>;
  exchanges: number;
  agencies: RankedAgency[];
  trend: Trend;
}

export async function overview(d: Deps, user: WebUser, periodId: string, rankBy: KpiId): Promise<Overview> {
  if (!canSeeProvince(user)) throw new ForbiddenError('chỉ quản trị và chuyên viên Sở xem toàn tỉnh / the province overview is for admins and analysts');
  const [stats, agencies] = await Promise.all([cachedPeriodStats(d, periodId), listAgencies(d.pool)]);
  const names = new Map(agencies.map((a) => [a.code, { name: a.name, level: a.level }]));
  return {
    period: stats.period,
    rankBy,
    province: stats.province,
    messages: stats.messages,
    exchanges: stats.exchanges,
    agencies: rankAgencies(stats.agencies, names, rankBy),
    trend: await trend(d, stats.period),
  };
}

export interface AgencyPage {
  period: string;
  agency: Agency;
  kpis: Record<KpiId, KpiValue> | null;
  k7: unknown;
  exchanges: number;
  trend: Trend;
  counterparties: Counterparty[];
  mailboxes: Array<ReturnType<typeof mailboxJson>>;
}

/** Resolves the agency a request names, within the user's scope: 403 outside it, 404 if unknown. */
export async function scopedAgency(d: Deps, user: WebUser, code: string): Promise<Agency> {
  const decision = agencyScope(user, code);
  if (!decision.ok) throw new ForbiddenError();
  const agency = await getAgency(d.pool, code);
  if (!agency) throw new NotFoundError(`không có cơ quan / unknown agency code ${code}`);
  return agency;
}

export async function agencyPage(d: Deps, user: WebUser, code: string, periodId: string): Promise<AgencyPage> {
  const agency = await scopedAgency(d, user, code);
  const period = parsePeriod(periodId);
  const [stats, cps, mbs, tr] = await Promise.all([
    cachedPeriodStats(d, period.id, agency.code),
    counterparties(d.pool, agency.code, period.start, period.end),
    listMailboxes(d.pool),
    trend(d, period.id, agency.code),
  ]);
  return {
    period: period.id,
    agency,
    kpis: stats.agencies[agency.code] ?? null,
    k7: stats.k7.agencies[agency.code] ?? null,
    exchanges: stats.exchanges,
    trend: tr,
    counterparties: cps,
    mailboxes: mbs.filter((m) => m.agency_code === agency.code).map((m) => mailboxJson(m)),
  };
}

export interface ExchangePage {
  filter: ExchangeFilter;
  items: ExchangeListRow[];
  next: string | null;
}

/** The exchange list; an agency user's filter is pinned to its agency (naming another is 403). */
export async function exchangePage(d: Deps, user: WebUser, f: ExchangeFilter): Promise<ExchangePage> {
  const decision = agencyScope(user, f.agency);
  if (!decision.ok) throw new ForbiddenError();
  const filter = { ...f, agency: decision.scope.kind === 'one' ? decision.scope.agency : null };
  const { rows, hasMore } = await listExchanges(d.pool, filter);
  const last = rows[rows.length - 1];
  return { filter, items: rows, next: hasMore && last ? encodeCursor({ date: last.msg_date, id: last.id }) : null };
}

/** One exchange and its evidence; outside the user's scope it does not exist (404). */
export async function exchangeDetail(d: Deps, user: WebUser, id: number): Promise<ExchangeDetail> {
  const e = await getExchange(d.pool, id);
  if (!e || !canSeeAgencies(user, [e.sender_agency, e.receiver_agency])) throw new NotFoundError(`không có lượt trao đổi / no exchange ${id}`);
  // An agency user sees the messages of its own mailboxes only.
  if (user.role === 'agency') {
    e.messages = e.messages.filter((m) => m.mailbox_agency === user.agencyCode);
    const seen = new Set(e.messages.map((m) => m.id));
    e.attachments = e.attachments.filter((a) => seen.has(a.message_id));
  }
  return e;
}

export async function mailboxesFor(d: Deps, user: WebUser): Promise<Array<ReturnType<typeof mailboxJson>>> {
  if (!canAdminister(user)) throw new ForbiddenError('chỉ quản trị / admins only');
  return (await listMailboxes(d.pool)).map((m) => mailboxJson(m));
}

export type QueueHealth = { queues: Record<string, Record<string, number>> | null; error: string | null };

export async function queueHealth(user: WebUser, queues: (() => Queues) | undefined): Promise<QueueHealth> {
  if (!canAdminister(user)) throw new ForbiddenError('chỉ quản trị / admins only');
  if (!queues) return { queues: null, error: 'no queue connection in this process' };
  try {
    const q = queues();
    const out: Record<string, Record<string, number>> = {};
    for (const name of QUEUE_NAMES) out[name] = await withTimeout(q[name].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'), 5_000);
    return { queues: out, error: null };
  } catch (err) {
    return { queues: null, error: (err as Error).message };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}
