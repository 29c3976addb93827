// `edocwatch report build --period P --out DIR`: the HTML report of a period.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listAgencies } from '../db/agencies.js';
import { parsePeriod, PeriodError } from '../domain/period.js';
import { UsageError } from '../errors.js';
import { renderReportHtml } from '../report/html.js';
import { periodStats } from '../report/stats.js';
import type { Runtime } from '../runtime.js';
import Table from 'cli-table3';
import { json, withRuntime, tableStyle } from './context.js';
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

/** `edocwatch report send --period P [--agency CODE] [--to LIST] [--force] [--json]`. */
export async function runReportSend(io: Out, o: { period: string; agency?: string; to?: string; force?: boolean; json?: boolean }): Promise<number> {
  try {
    parsePeriod(o.period);
  } catch (err) {
    if (err instanceof PeriodError) throw new UsageError(err.message);
    throw err;
  }
  const to = o.to === undefined ? undefined : o.to.split(',').map((s) => s.trim()).filter(Boolean);
  if (to !== undefined && (to.length === 0 || to.some((a) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a))))
    throw new UsageError(`--to: địa chỉ không hợp lệ / not a list of email addresses: ${JSON.stringify(o.to)}`);
  return withRuntime(async (rt) => {
    const { sendReport } = await import('../report/send.js');
    const results = await sendReport(rt, o.period, { scope: o.agency ?? 'province', to, force: Boolean(o.force) });
    if (o.json) io.out(json(results));
    else {
      const t = new Table({ head: ['Người nhận / recipient', 'Kết quả / result'], ...tableStyle() });
      const label: Record<string, string> = { sent: 'đã gửi / sent', already_sent: 'đã gửi trước đó / sent before', in_progress: 'đang gửi / being sent elsewhere', failed: 'LỖI / FAILED' };
      for (const r of results) t.push([r.recipient, `${label[r.status] ?? r.status}${r.error ? `: ${r.error}` : ''}`]);
      io.out(t.toString());
    }
    const failed = results.filter((r) => r.status === 'failed');
    if (failed.length > 0) {
      io.err(`edocwatch: ${failed.length} người nhận lỗi / recipient(s) failed: ${failed.map((f) => f.recipient).join(', ')} — ${failed[0]?.error ?? ''}`);
      return 3;
    }
    return 0;
  });
}

/** `edocwatch report log [--period P] [--json]`: the delivery log, newest first. */
export async function runReportLog(io: Out, o: { period?: string; json?: boolean }): Promise<number> {
  if (o.period !== undefined) {
    try {
      parsePeriod(o.period);
    } catch (err) {
      if (err instanceof PeriodError) throw new UsageError(err.message);
      throw err;
    }
  }
  return withRuntime(async (rt) => {
    const { rows } = await rt.pool.query<{ period: string; scope: string; recipient: string; kind: string; status: string; attempts: number; message_id: string | null; error: string | null; claimed_at: Date; sent_at: Date | null }>(
      `SELECT period, scope, recipient, kind, status, attempts, message_id, error, claimed_at, sent_at FROM report_deliveries
        WHERE ($1::text IS NULL OR period = $1) ORDER BY claimed_at DESC, id DESC LIMIT 1000`,
      [o.period ? parsePeriod(o.period).id : null],
    );
    if (o.json) {
      io.out(json(rows.map((r) => ({ ...r, claimed_at: r.claimed_at.toISOString(), sent_at: r.sent_at?.toISOString() ?? null }))));
      return 0;
    }
    const t = new Table({ head: ['Kỳ / period', 'Phạm vi / scope', 'Người nhận / recipient', 'Loại / kind', 'Trạng thái / status', 'Gửi lúc / sent at', 'Lỗi / error'], ...tableStyle() });
    for (const r of rows) t.push([r.period, r.scope, r.recipient, r.kind, r.status, r.sent_at?.toISOString() ?? '—', r.error ?? '']);
    io.out(t.toString());
    return 0;
  });
}
