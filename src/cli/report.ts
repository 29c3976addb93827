// `edocwatch report build --period P --out DIR`: the HTML report of a period.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listAgencies } from '../db/agencies.js';
import { parsePeriod, PeriodError } from '../domain/period.js';
import { UsageError } from '../errors.js';
import { renderReportHtml } from '../report/html.js';
import { periodStats } from '../report/stats.js';
import type { Runtime } from '../runtime.js';
import { withRuntime } from './context.js';
import type { Out } from './main.js';

/** Builds the report; the issuing body is an agency code (the Department is a role, not a name). */
export async function buildReport(rt: Runtime, periodId: string, outDir: string, opts: { issuer?: string; now?: Date } = {}): Promise<string> {
  const stats = await periodStats(rt.pool, rt.config, periodId);
  const agencies = await listAgencies(rt.pool);
  const province = agencies.find((a) => a.level === 'province_pc');
  const issuer = opts.issuer ? agencies.find((a) => a.code === opts.issuer) : province;
  if (opts.issuer && !issuer) throw new UsageError(`--issuer: không có cơ quan / unknown agency code ${opts.issuer}`);
  const html = renderReportHtml(stats, agencies, {
    province: province?.name ?? 'Ủy ban nhân dân tỉnh',
    issuer: issuer?.name ?? 'Ủy ban nhân dân tỉnh',
    issuedOn: opts.now ?? new Date(),
  });
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `bao-cao-thu-cong-vu-${stats.period}.html`);
  await writeFile(file, html);
  return file;
}

export async function runReportBuild(io: Out, o: { period: string; out: string; issuer?: string }): Promise<number> {
  try {
    parsePeriod(o.period);
  } catch (err) {
    if (err instanceof PeriodError) throw new UsageError(err.message);
    throw err;
  }
  return withRuntime(async (rt) => {
    io.out(await buildReport(rt, o.period, o.out, { issuer: o.issuer }));
    return 0;
  });
}
