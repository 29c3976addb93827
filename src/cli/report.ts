// `edocwatch report build|send|log`: build a period's report into a folder (HTML with its chart
// images, PDF, XLSX; archived like every report), email it, and read the delivery log.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parsePeriod, PeriodError } from '../domain/period.js';
import { UsageError } from '../errors.js';
import { buildReport, chartRefs } from '../report/build.js';
import { REPORT_LANGS, type ReportLang } from '../report/format.js';
import { renderReportHtml } from '../report/html.js';
import type { Runtime } from '../runtime.js';
import Table from 'cli-table3';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

/** Who builds from the command line, for the archive. */
export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export function langOption(v: string | undefined): ReportLang | undefined {
  if (v === undefined) return undefined;
  if (!(REPORT_LANGS as readonly string[]).includes(v)) throw new UsageError(`--lang: vi hoặc en / must be vi or en (got ${JSON.stringify(v)})`);
  return v as ReportLang;
}

/**
 * Builds and archives the report, and writes report.html (its charts as chart-*.png beside it),
 * report.pdf and report.xlsx into `outDir`. Returns the files written, report.html first.
 */
export async function writeReport(rt: Runtime, periodId: string, outDir: string, opts: { agency?: string; issuer?: string; lang?: ReportLang; now?: Date } = {}): Promise<{ buildId: number; files: string[] }> {
  const b = await buildReport({ pool: rt.pool, config: rt.config }, periodId, { scope: opts.agency ?? 'province', issuer: opts.issuer, lang: opts.lang, now: opts.now, builtBy: cliActor() });
  await mkdir(outDir, { recursive: true });
  const files: Array<[string, string | Buffer]> = [
    ['report.html', renderReportHtml(b.model, chartRefs(b.charts, 'file'))],
    ['report.pdf', b.pdf],
    ['report.xlsx', b.xlsx],
    ...b.charts.map((c): [string, Buffer] => [c.filename, c.png]),
  ];
  const written: string[] = [];
  for (const [name, content] of files) {
    const file = path.join(outDir, name);
    await writeFile(file, content);
    written.push(file);
  }
  return { buildId: b.buildId, files: written };
}

export async function runReportBuild(io: Out, o: { period: string; out: string; agency?: string; issuer?: string; lang?: string; json?: boolean }): Promise<number> {
  try {
    parsePeriod(o.period);
  } catch (err) {
    if (err instanceof PeriodError) throw new UsageError(err.message);
    throw err;
  }
  const lang = langOption(o.lang);
  return withRuntime(async (rt) => {
    const r = await writeReport(rt, o.period, o.out, { agency: o.agency, issuer: o.issuer, lang });
    if (o.json) io.out(json({ build: r.buildId, files: r.files }));
    else for (const f of r.files) io.out(f);
    return 0;
  });
}

/** `edocwatch report send --period P [--agency CODE] [--to LIST] [--force] [--json]`. */
export async function runReportSend(io: Out, o: { period: string; agency?: string; to?: string; force?: boolean; json?: boolean; lang?: string }): Promise<number> {
  try {
    parsePeriod(o.period);
  } catch (err) {
    if (err instanceof PeriodError) throw new UsageError(err.message);
    throw err;
  }
  const to = o.to === undefined ? undefined : o.to.split(',').map((s) => s.trim()).filter(Boolean);
  if (to !== undefined && (to.length === 0 || to.some((a) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a))))
    throw new UsageError(`--to: địa chỉ không hợp lệ / not a list of email addresses: ${JSON.stringify(o.to)}`);
  const lang = langOption(o.lang);
  return withRuntime(async (rt) => {
    const { sendReport } = await import('../report/send.js');
    const results = await sendReport(rt, o.period, { scope: o.agency ?? 'province', to, force: Boolean(o.force), lang, builtBy: cliActor() });
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
