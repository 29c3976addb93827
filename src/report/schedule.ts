// The quarterly and yearly report on job schedulers of the `report` queue, in Asia/Ho_Chi_Minh: at
// 07:00 on the first day of each quarter the previous quarter's report goes out, at 07:30 on
// 1 January the previous year's. A firing sends the province-wide report and every agency's own
// to their configured recipients; sendReport's claims make a second firing (a retry, a second
// worker) send nothing again.
import type { Job } from 'bullmq';
import type { Config } from '../config/config.js';
import { previousPeriod, periodOf } from '../domain/period.js';
import type { ReportPayload } from '../queue/queues.js';
import type { Runtime } from '../runtime.js';
import { recipientsOf, sendReport, type DeliveryResult } from './send.js';

export const REPORT_TZ = 'Asia/Ho_Chi_Minh';

export const REPORT_SCHEDULES = [
  { id: 'report-quarterly', kind: 'quarter', pattern: '0 0 7 1 1,4,7,10 *' },
  { id: 'report-yearly', kind: 'year', pattern: '0 30 7 1 1 *' },
] as const;

/** The period a firing at `firedAt` reports on: the quarter or year that just ended, locally. Pure. */
export function reportPeriodFor(kind: 'quarter' | 'year', firedAt: Date): string {
  return previousPeriod(periodOf(firedAt, kind));
}

/** When a scheduled job was due (its scheduler's millis), else when it was made. */
export function firedAtOf(job: Pick<Job, 'id' | 'opts' | 'timestamp'>): Date {
  const prev = (job.opts as { prevMillis?: number }).prevMillis;
  if (typeof prev === 'number' && Number.isFinite(prev)) return new Date(prev);
  const m = /^repeat:[^:]+:(\d+)$/.exec(job.id ?? '');
  return new Date(m ? Number(m[1]) : job.timestamp);
}

/** The scopes with recipients: the province, then agencies in code order. Pure. */
export function scopesToSend(config: { reports: Pick<Config['reports'], 'from' | 'recipients'> }): string[] {
  const out: string[] = [];
  if (recipientsOf(config, 'province').length > 0) out.push('province');
  for (const code of Object.keys(config.reports.recipients.agencies).sort()) if (recipientsOf(config, code).length > 0) out.push(code);
  return out;
}

/** Upserts both schedulers when reports have recipients and a sender; removes them otherwise. */
export async function scheduleReports(rt: Runtime): Promise<boolean> {
  const q = rt.queues().report;
  const wanted = scopesToSend(rt.config).length > 0 && rt.config.reports.from !== null && rt.config.smtpUrl !== null;
  for (const s of REPORT_SCHEDULES) {
    if (wanted) await q.upsertJobScheduler(s.id, { pattern: s.pattern, tz: REPORT_TZ }, { name: s.id, data: { kind: s.kind } });
    else await q.removeJobScheduler(s.id);
  }
  return wanted;
}

/** One firing: every scope's report for the period; throws (so the job retries) if a delivery failed. */
export async function runReportJob(rt: Runtime, job: Job<ReportPayload>): Promise<DeliveryResult[]> {
  const period = job.data.period ?? reportPeriodFor(job.data.kind, firedAtOf(job));
  const results: DeliveryResult[] = [];
  for (const scope of scopesToSend(rt.config)) results.push(...(await sendReport(rt, period, { scope, builtBy: 'scheduler' })));
  const failed = results.filter((r) => r.status === 'failed');
  rt.log.info({ period, sent: results.filter((r) => r.status === 'sent').length, failed: failed.length }, 'report job done');
  if (failed.length > 0) throw new Error(`report ${period}: ${failed.length} delivery(ies) failed: ${failed.map((f) => `${f.recipient}: ${f.error ?? ''}`).join('; ')}`);
  return results;
}
