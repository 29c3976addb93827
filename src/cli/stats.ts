// `edocwatch stats --period 2026-Q3|2026 [--agency CODE] [--json]`.
import Table from 'cli-table3';
import { getAgency } from '../db/agencies.js';
import { KPI_IDS, type KpiValue } from '../domain/kpi.js';
import { parsePeriod, PeriodError } from '../domain/period.js';
import { NotFoundError, UsageError } from '../errors.js';
import { periodStats } from '../report/stats.js';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

export function formatKpi(v: KpiValue): string {
  if (v.needsPaperRegister) return `cần sổ văn bản giấy / needs a paper register (${v.numerator} seen)`;
  if (v.ratio === null) return `— (${v.numerator}/${v.denominator})`;
  const pct = `${(v.ratio * 100).toFixed(1)}%`;
  const target = v.target !== null ? ` ${v.targetOp ?? ''}${(v.target * 100).toFixed(0)}% ${v.met ? '✓' : '✗'}` : '';
  return `${pct} (${v.numerator}/${v.denominator})${target}`;
}

export async function runStats(io: Out, o: { period: string; agency?: string; json?: boolean }): Promise<number> {
  try {
    parsePeriod(o.period);
  } catch (err) {
    if (err instanceof PeriodError) throw new UsageError(err.message);
    throw err;
  }
  return withRuntime(async (rt) => {
    if (o.agency && !(await getAgency(rt.pool, o.agency))) throw new NotFoundError(`không có cơ quan / unknown agency code ${o.agency}`);
    const s = await periodStats(rt.pool, rt.config, o.period, o.agency);
    if (o.json) {
      io.out(json(s));
      return 0;
    }
    io.out(`Kỳ / period ${s.period}: ${s.messages.total} thư / messages, ${s.exchanges} lượt trao đổi / exchanges, ${s.documents} văn bản / documents`);
    const t = new Table({ head: ['KPI', o.agency ? o.agency : 'Toàn tỉnh / province'], ...tableStyle() });
    const scope = o.agency ? s.agencies[o.agency] : s.province;
    for (const id of KPI_IDS) t.push([id, scope ? formatKpi(scope[id]) : '—']);
    io.out(t.toString());
    return 0;
  });
}
