// Emailing a period's report (nodemailer over SMTP_URL): one message per recipient, each with a row
// of report_deliveries. A scheduled send claims its row first, under a unique index, so that a
// recipient gets a period's report at most once however many workers fire or retry; a manual
// resend (`report send --force`, the web archive's resend) is a row of its own. The message is the
// HTML report with its charts as inline images (cid), a plain-text alternative, and the PDF and
// XLSX attached; the report is built (and archived) once per send, only when some recipient is
// due one, and each delivery row names the archived build it sent.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../config/config.js';
import { listAgencies } from '../db/agencies.js';
import type { Queryable } from '../db/pool.js';
import { getReportBuild, getReportFiles, type ReportFile } from '../db/report-archive.js';
import { parsePeriod } from '../domain/period.js';
import { EdocError, NotFoundError, UsageError } from '../errors.js';
import { redactUrl } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { buildReport, reportFiles } from './build.js';
import { periodTitle, type ReportLang } from './format.js';
import { rt as text } from './i18n.js';

export type DeliveryStatus = 'sent' | 'failed' | 'already_sent' | 'in_progress';

export interface DeliveryResult {
  scope: string;
  recipient: string;
  status: DeliveryStatus;
  messageId: string | null;
  error: string | null;
}

export interface SendOptions {
  /** 'province' (default) or an agency code. */
  scope?: string;
  /** Recipients instead of the configured ones. */
  to?: string[];
  /** A manual resend: sent even if already delivered, logged as 'manual'. */
  force?: boolean;
  now?: Date;
  /** Who builds the report for the archive: 'cli:<user>', 'scheduler'. */
  builtBy?: string;
  lang?: ReportLang;
}

/** The subject line, as Vietnamese administrative reports title themselves. Pure. */
export function reportSubject(periodId: string, scopeName: string | null, lang: ReportLang = 'vi'): string {
  const t = `${text(lang, 'titlePrefix')} ${periodTitle(periodId, lang)}`;
  return scopeName ? `${t} — ${scopeName}` : t;
}

/** A Message-ID that names the period, scope and recipient: a duplicate is recognizable. Pure. */
export function reportMessageId(periodId: string, scope: string, recipient: string, kind: 'scheduled' | 'manual', n = 0): string {
  const h = createHash('sha256').update(`${periodId}|${scope}|${recipient.toLowerCase()}|${kind}|${n}`).digest('hex').slice(0, 24);
  return `<report.${periodId}.${scope}.${h}@edocwatch>`;
}

export function recipientsOf(config: { reports: Pick<Config['reports'], 'from' | 'recipients'> }, scope: string): string[] {
  return scope === 'province' ? config.reports.recipients.province : (config.reports.recipients.agencies[scope] ?? []);
}

/** Claims a scheduled delivery; null when this period, scope and recipient was already claimed (sent, or being sent). */
async function claim(db: Queryable, period: string, scope: string, recipient: string): Promise<{ id: number } | { taken: 'sent' | 'sending' | 'failed' }> {
  const ins = await db.query<{ id: number }>(
    `INSERT INTO report_deliveries (period, scope, recipient, kind, status) VALUES ($1, $2, $3, 'scheduled', 'sending')
     ON CONFLICT (period, scope, recipient) WHERE kind = 'scheduled' DO NOTHING RETURNING id`,
    [period, scope, recipient],
  );
  if (ins.rows[0]) return { id: ins.rows[0].id };
  // A failed attempt (refused by the server before any data) may be tried again; take it over.
  const retry = await db.query<{ id: number }>(
    `UPDATE report_deliveries SET status = 'sending', attempts = attempts + 1, error = NULL, claimed_at = now()
      WHERE period = $1 AND scope = $2 AND recipient = $3 AND kind = 'scheduled' AND status = 'failed' RETURNING id`,
    [period, scope, recipient],
  );
  if (retry.rows[0]) return { id: retry.rows[0].id };
  const cur = await db.query<{ status: 'sent' | 'sending' }>(
    `SELECT status FROM report_deliveries WHERE period = $1 AND scope = $2 AND recipient = $3 AND kind = 'scheduled'`,
    [period, scope, recipient],
  );
  return { taken: cur.rows[0]?.status ?? 'sending' };
}

/** The attachment and file names of a report: `bao-cao-thu-cong-vu-2026-Q3[-CODE].pdf`. Pure. */
export function reportBaseName(period: string, scope: string): string {
  return `bao-cao-thu-cong-vu-${period}${scope === 'province' ? '' : `-${scope.replace(/[^A-Za-z0-9.-]/g, '_')}`}`;
}

function smtpSetup(config: Config): { transport: ReturnType<typeof nodemailer.createTransport>; from: string; smtpUrl: string } {
  if (!config.smtpUrl) throw new EdocError('E_SMTP_CONFIG', 'chưa cấu hình SMTP / SMTP_URL is not set: cannot send reports', 2);
  if (!config.reports.from) throw new EdocError('E_SMTP_CONFIG', 'chưa cấu hình người gửi / reports.from is not set: cannot send reports', 2);
  const url = new URL(config.smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return { transport, from: config.reports.from, smtpUrl: config.smtpUrl };
}

/** The email of an archived report: HTML with inline charts, text, PDF and XLSX attached. Pure. */
export function reportMessage(files: ReportFile[], baseName: string): { html: string; text: string; attachments: Array<{ filename: string; content: Buffer; contentType: string; cid?: string; contentDisposition?: 'inline' | 'attachment' }> } {
  const of = (role: ReportFile['role']) => files.find((f) => f.role === role);
  const html = of('html');
  if (!html) throw new Error('report without an HTML part');
  const attachments = [
    ...files.filter((f) => f.role === 'chart').map((f) => ({ filename: f.name, content: f.content, contentType: f.contentType, cid: f.cid ?? f.name, contentDisposition: 'inline' as const })),
    ...(['pdf', 'xlsx'] as const).flatMap((role) => {
      const f = of(role);
      return f ? [{ filename: `${baseName}.${role}`, content: f.content, contentType: f.contentType, contentDisposition: 'attachment' as const }] : [];
    }),
  ];
  return { html: html.content.toString('utf8'), text: of('text')?.content.toString('utf8') ?? '', attachments };
}

interface Delivery {
  period: string;
  scope: string;
  recipients: string[];
  subject: string;
  force: boolean;
  /** The files to send and the build they are; called once, when a first recipient is due. */
  files: () => Promise<{ buildId: number; files: ReportFile[] }>;
}

async function deliver(rt: Pick<Runtime, 'pool' | 'config'>, d: Delivery): Promise<DeliveryResult[]> {
  const { config, pool } = rt;
  const { transport, from, smtpUrl } = smtpSetup(config);
  const { period, scope } = d;
  let prepared: { buildId: number; message: ReturnType<typeof reportMessage> } | null = null;
  const results: DeliveryResult[] = [];
  try {
    for (const recipient of d.recipients) {
      let rowId: number;
      let messageId: string;
      if (d.force) {
        const { rows } = await pool.query<{ id: number; n: number }>(
          `INSERT INTO report_deliveries (period, scope, recipient, kind, status)
           VALUES ($1, $2, $3, 'manual', 'sending')
           RETURNING id, (SELECT count(*)::int FROM report_deliveries WHERE period = $1 AND scope = $2 AND recipient = $3 AND kind = 'manual') AS n`,
          [period, scope, recipient],
        );
        rowId = (rows[0] as { id: number }).id;
        messageId = reportMessageId(period, scope, recipient, 'manual', rows[0]?.n ?? 0);
      } else {
        const c = await claim(pool, period, scope, recipient);
        if ('taken' in c) {
          results.push({ scope, recipient, status: c.taken === 'sent' ? 'already_sent' : 'in_progress', messageId: null, error: null });
          continue;
        }
        rowId = c.id;
        messageId = reportMessageId(period, scope, recipient, 'scheduled');
      }
      if (!prepared) {
        try {
          const p = await d.files();
          prepared = { buildId: p.buildId, message: reportMessage(p.files, reportBaseName(period, scope)) };
        } catch (err) {
          // The report could not be built: the claim is released as failed (tried again next time).
          await pool.query(`UPDATE report_deliveries SET status = 'failed', error = $2 WHERE id = $1`, [rowId, `không dựng được báo cáo / the report could not be built: ${(err as Error).message}`.slice(0, 500)]);
          throw err;
        }
      }
      await pool.query(`UPDATE report_deliveries SET build_id = $2 WHERE id = $1`, [rowId, prepared.buildId]);
      try {
        const m = prepared.message;
        const info = await transport.sendMail({ from, to: recipient, subject: d.subject, html: m.html, text: m.text, attachments: m.attachments, messageId, headers: { 'X-Edocwatch-Period': period, 'X-Edocwatch-Scope': scope } });
        await pool.query(`UPDATE report_deliveries SET status = 'sent', sent_at = now(), message_id = $2, smtp_response = $3 WHERE id = $1`, [rowId, messageId, String(info.response ?? '').slice(0, 500)]);
        results.push({ scope, recipient, status: 'sent', messageId, error: null });
      } catch (err) {
        const msg = smtpErrorText(err, smtpUrl);
        await pool.query(`UPDATE report_deliveries SET status = 'failed', error = $2 WHERE id = $1`, [rowId, msg]);
        results.push({ scope, recipient, status: 'failed', messageId: null, error: msg });
      }
    }
  } finally {
    transport.close();
  }
  return results;
}

function recipientList(list: string[]): string[] {
  return [...new Set(list.map((r) => r.trim()).filter(Boolean))];
}

export async function sendReport(rt: Runtime, periodId: string, opts: SendOptions = {}): Promise<DeliveryResult[]> {
  const period = parsePeriod(periodId).id;
  const scope = opts.scope ?? 'province';
  const { config, pool } = rt;
  smtpSetup(config).transport.close();
  const recipients = recipientList(opts.to ?? recipientsOf(config, scope));
  if (recipients.length === 0)
    throw new UsageError(`không có người nhận / no recipients for ${scope}: set reports.recipients in the configuration, or give --to`);
  const agencies = await listAgencies(pool);
  const scopeAgency = scope === 'province' ? null : agencies.find((a) => a.code === scope);
  if (scope !== 'province' && !scopeAgency) throw new UsageError(`--agency: không có cơ quan / unknown agency code ${scope}`);
  const lang = opts.lang ?? config.reports.lang;
  return deliver(rt, {
    period,
    scope,
    recipients,
    subject: reportSubject(period, scopeAgency?.name ?? null, lang),
    force: Boolean(opts.force),
    files: async () => {
      const b = await buildReport({ pool, config }, period, { scope, lang, now: opts.now, builtBy: opts.builtBy ?? 'cli' });
      rt.log.info({ period, scope, build: b.buildId }, 'report built for sending');
      return { buildId: b.buildId, files: reportFiles(b) };
    },
  });
}

/** Sends an archived build again, as it was (manual deliveries): the web archive's resend. */
export async function resendBuild(rt: Pick<Runtime, 'pool' | 'config'>, buildId: number, opts: { to?: string[] } = {}): Promise<DeliveryResult[]> {
  const build = await getReportBuild(rt.pool, buildId);
  if (!build) throw new NotFoundError(`không có báo cáo / no archived report with id ${buildId}`);
  smtpSetup(rt.config).transport.close();
  const recipients = recipientList(opts.to ?? recipientsOf(rt.config, build.scope));
  if (recipients.length === 0) throw new UsageError(`không có người nhận / no recipients for ${build.scope}: set reports.recipients in the configuration, or name them`);
  const agencies = await listAgencies(rt.pool);
  const name = build.scope === 'province' ? null : (agencies.find((a) => a.code === build.scope)?.name ?? build.scope);
  return deliver(rt, {
    period: build.period,
    scope: build.scope,
    recipients,
    subject: reportSubject(build.period, name, build.lang),
    force: true,
    files: async () => ({ buildId, files: await getReportFiles(rt.pool, buildId) }),
  });
}

function smtpErrorText(err: unknown, smtpUrl: string): string {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  if (e.code === 'ECONNREFUSED' || e.code === 'ESOCKET' || e.code === 'ETIMEDOUT' || e.code === 'ECONNECTION')
    return `không kết nối được máy chủ SMTP / cannot reach the SMTP server at ${redactUrl(smtpUrl)} (${e.code})`;
  if (e.code === 'EAUTH') return `đăng nhập SMTP bị từ chối / SMTP login refused at ${redactUrl(smtpUrl)}`;
  return `máy chủ SMTP từ chối / the SMTP server refused: ${(e.response ?? e.message ?? String(err)).slice(0, 300)}`;
}
