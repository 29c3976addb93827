// Emailing a period's report (nodemailer over SMTP_URL): one message per recipient, each with a row
// of report_deliveries. A scheduled send claims its row first, under a unique index, so that a
// recipient gets a period's report at most once however many workers fire or retry; a manual
// resend (`report send --force`) is a row of its own. The HTML body is the report itself.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../config/config.js';
import { listAgencies } from '../db/agencies.js';
import type { Queryable } from '../db/pool.js';
import { parsePeriod } from '../domain/period.js';
import { EdocError, UsageError } from '../errors.js';
import { redactUrl } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { periodTitle, renderReportHtml } from './html.js';
import { periodStats } from './stats.js';

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
}

/** The subject line, as Vietnamese administrative reports title themselves. Pure. */
export function reportSubject(periodId: string, scopeName: string | null): string {
  const t = `Báo cáo tình hình sử dụng thư điện tử công vụ ${periodTitle(periodId)}`;
  return scopeName ? `${t} — ${scopeName}` : t;
}

/** A Message-ID that names the period, scope and recipient: a duplicate is recognizable. Pure. */
export function reportMessageId(periodId: string, scope: string, recipient: string, kind: 'scheduled' | 'manual', n = 0): string {
  const h = createHash('sha256').update(`${periodId}|${scope}|${recipient.toLowerCase()}|${kind}|${n}`).digest('hex').slice(0, 24);
  return `<report.${periodId}.${scope}.${h}@edocwatch>`;
}

export function recipientsOf(config: Pick<Config, 'reports'>, scope: string): string[] {
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

export async function sendReport(rt: Runtime, periodId: string, opts: SendOptions = {}): Promise<DeliveryResult[]> {
  const period = parsePeriod(periodId).id;
  const scope = opts.scope ?? 'province';
  const { config, pool } = rt;
  if (!config.smtpUrl) throw new EdocError('E_SMTP_CONFIG', 'chưa cấu hình SMTP / SMTP_URL is not set: cannot send reports', 2);
  if (!config.reports.from) throw new EdocError('E_SMTP_CONFIG', 'chưa cấu hình người gửi / reports.from is not set: cannot send reports', 2);
  const recipients = [...new Set((opts.to ?? recipientsOf(config, scope)).map((r) => r.trim()).filter(Boolean))];
  if (recipients.length === 0)
    throw new UsageError(`không có người nhận / no recipients for ${scope}: set reports.recipients in the configuration, or give --to`);

  const agencies = await listAgencies(pool);
  const scopeAgency = scope === 'province' ? null : agencies.find((a) => a.code === scope);
  if (scope !== 'province' && !scopeAgency) throw new UsageError(`--agency: không có cơ quan / unknown agency code ${scope}`);
  const stats = await periodStats(pool, config, period, scopeAgency?.code);
  const province = agencies.find((a) => a.level === 'province_pc');
  const html = renderReportHtml(stats, agencies, {
    province: province?.name ?? 'Ủy ban nhân dân tỉnh',
    issuer: scopeAgency?.name ?? province?.name ?? 'Ủy ban nhân dân tỉnh',
    issuedOn: opts.now ?? new Date(),
  });
  const subject = reportSubject(period, scopeAgency?.name ?? null);
  const text = `${subject}\n\n${html.replace(/<style[^]*?<\/style>/, '').replace(/<br>/g, '\n').replace(/<\/(p|tr|h1|h2|div)>/g, '\n').replace(/<[^>]+>/g, ' ').replace(/[ \t]+/g, ' ').replace(/\n\s+/g, '\n').trim()}\n`;

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
  const results: DeliveryResult[] = [];
  try {
    for (const recipient of recipients) {
      let rowId: number;
      let messageId: string;
      if (opts.force) {
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
      try {
        const info = await transport.sendMail({ from: config.reports.from, to: recipient, subject, html, text, messageId, headers: { 'X-Edocwatch-Period': period, 'X-Edocwatch-Scope': scope } });
        await pool.query(`UPDATE report_deliveries SET status = 'sent', sent_at = now(), message_id = $2, smtp_response = $3 WHERE id = $1`, [rowId, messageId, String(info.response ?? '').slice(0, 500)]);
        results.push({ scope, recipient, status: 'sent', messageId, error: null });
      } catch (err) {
        const msg = smtpErrorText(err, config.smtpUrl);
        await pool.query(`UPDATE report_deliveries SET status = 'failed', error = $2 WHERE id = $1`, [rowId, msg]);
        results.push({ scope, recipient, status: 'failed', messageId: null, error: msg });
      }
    }
  } finally {
    transport.close();
  }
  return results;
}

function smtpErrorText(err: unknown, smtpUrl: string): string {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  if (e.code === 'ECONNREFUSED' || e.code === 'ESOCKET' || e.code === 'ETIMEDOUT' || e.code === 'ECONNECTION')
    return `không kết nối được máy chủ SMTP / cannot reach the SMTP server at ${redactUrl(smtpUrl)} (${e.code})`;
  if (e.code === 'EAUTH') return `đăng nhập SMTP bị từ chối / SMTP login refused at ${redactUrl(smtpUrl)}`;
  return `máy chủ SMTP từ chối / the SMTP server refused: ${(e.response ?? e.message ?? String(err)).slice(0, 300)}`;
}
