// The report archive in the web app (issue 6): the list of archived reports, their downloads (HTML,
// PDF, XLSX), and an administrator's resend; as JSON under /api/reports and as the page /reports.
// Scoped by src/domain/access.ts reportScope: admins and analysts see every report, an agency user
// its own agency's only (not the province-wide one, which ranks every agency). A build outside the
// user's scope is answered 404, as other records by id are. Registered from app.ts in one line.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { listAgencies } from '../db/agencies.js';
import { audit } from '../db/audit.js';
import type { Pool } from '../db/pool.js';
import { getReportBuild, getReportFiles, listReportBuilds, type ReportBuildRow } from '../db/report-archive.js';
import { canAdminister, canCorrect, canSeeReport, reportScope, type WebUser } from '../domain/access.js';
import { parsePeriod } from '../domain/period.js';
import { EdocError, ForbiddenError, NotFoundError, WebInputError } from '../errors.js';
import { buildReport } from '../report/build.js';
import { reportBaseName, resendBuild, type DeliveryResult } from '../report/send.js';
import type { RouteOptions } from './api.js';
import { layout } from './views/html.js';
import { reportsBody, reportsText, type BuildForm } from './views/reports.js';

export const REPORT_FORMATS = ['html', 'pdf', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

type Query = Record<string, unknown>;

export interface ReportListItem extends Omit<ReportBuildRow, 'built_at'> {
  built_at: string;
  scope_name: string;
  downloads: Partial<Record<ReportFormat, string>>;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseRecipients(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const list = (Array.isArray(v) ? v : String(v).split(',')).map((x) => String(x).trim()).filter(Boolean);
  if (list.length === 0 || list.length > 50 || list.some((a) => !EMAIL_RE.test(a))) throw new WebInputError('to: danh sách địa chỉ thư / must be email addresses (at most 50)');
  return list;
}

async function listFor(pool: Pool, user: WebUser, q: Query): Promise<{ items: ReportListItem[]; next: string | null }> {
  const scope = reportScope(user);
  if (!scope) throw new ForbiddenError();
  const period = typeof q.period === 'string' && q.period.trim() ? parsePeriod(q.period).id : null;
  const limit = q.limit === undefined || q.limit === '' ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new WebInputError('limit: 1..500');
  const before = q.before === undefined || q.before === '' ? null : Number(q.before);
  if (before !== null && (!Number.isInteger(before) || before < 1)) throw new WebInputError('before: một mã báo cáo / must be a report id');
  const [rows, agencies] = await Promise.all([listReportBuilds(pool, { scope: scope.kind === 'all' ? null : scope.agency, period, limit: limit + 1, beforeId: before }), listAgencies(pool)]);
  const names = new Map(agencies.map((a) => [a.code, a.name]));
  const items = rows.slice(0, limit).map((r) => listItem(r, names));
  return { items, next: rows.length > limit ? String(items.at(-1)?.id ?? '') : null };
}

function listItem(r: ReportBuildRow, names: Map<string, string>): ReportListItem {
  return {
    ...r,
    built_at: r.built_at.toISOString(),
    scope_name: r.scope === 'province' ? 'Toàn tỉnh / province' : (names.get(r.scope) ?? r.scope),
    downloads: Object.fromEntries(r.formats.filter((f): f is ReportFormat => (REPORT_FORMATS as readonly string[]).includes(f)).map((f) => [f, `/api/reports/${r.id}/${f}`])),
  };
}

/**
 * Who may build a report now, and of what: admins and analysts any scope (the province or an
 * agency), an agency user its own agency's only (the scope it may read). Null: nobody's.
 */
export function buildScopes(user: WebUser): 'any' | string | null {
  if (canCorrect(user)) return 'any';
  return user.role === 'agency' && user.agencyCode !== null ? user.agencyCode : null;
}

/**
 * Builds a report now, as `report build` does: it takes the issuer's next number, is archived with
 * its files, and is audited. The period must have begun (a report of a period with no day yet
 * would be empty); a period still running gives the figures so far, as its date line says.
 */
async function buildNow(deps: { pool: Pool; config: Config }, user: WebUser, body: Query, ip: string, now: Date): Promise<ReportListItem> {
  const allowed = buildScopes(user);
  if (allowed === null) throw new ForbiddenError();
  if (typeof body.period !== 'string' || !body.period.trim()) throw new WebInputError('period: bắt buộc, dạng YYYY-Qn hoặc YYYY / required, YYYY-Qn or YYYY');
  const period = parsePeriod(body.period);
  if (period.start.getTime() > now.getTime()) throw new WebInputError(`period: kỳ ${period.id} chưa bắt đầu / ${period.id} has not begun`);
  const scope = typeof body.scope === 'string' && body.scope.trim() ? body.scope.trim() : allowed === 'any' ? 'province' : allowed;
  if (allowed !== 'any' && scope !== allowed) throw new ForbiddenError('chỉ báo cáo của cơ quan mình / your own agency only');
  const lang = body.lang === undefined || body.lang === '' ? undefined : body.lang;
  if (lang !== undefined && lang !== 'vi' && lang !== 'en') throw new WebInputError('lang: vi hoặc en / vi or en');
  const agencies = await listAgencies(deps.pool);
  if (scope !== 'province' && !agencies.some((a) => a.code === scope)) throw new WebInputError(`scope: không có cơ quan / no agency with code ${scope}`);
  const built = await buildReport(deps, period.id, { scope, lang, now, builtBy: user.name });
  await audit(deps.pool, { actor: user.name, action: 'report_build', target: `report:${built.buildId}`, ip, detail: { period: period.id, scope, lang: built.model.lang } });
  const row = await getReportBuild(deps.pool, built.buildId);
  if (!row) throw new NotFoundError(`không có báo cáo / no archived report with id ${built.buildId}`);
  return listItem(row, new Map(agencies.map((a) => [a.code, a.name])));
}

async function buildFor(pool: Pool, user: WebUser, id: number): Promise<ReportBuildRow> {
  const b = await getReportBuild(pool, id);
  // Outside the user's scope is "not found": the build's existence is not disclosed either.
  if (!b || !canSeeReport(user, b.scope)) throw new NotFoundError(`không có báo cáo / no archived report with id ${id}`);
  return b;
}

async function download(pool: Pool, user: WebUser, id: number, format: ReportFormat, reply: FastifyReply): Promise<FastifyReply> {
  const b = await buildFor(pool, user, id);
  const files = await getReportFiles(pool, id, format === 'html' ? ['html', 'chart'] : [format]);
  const f = files.find((x) => x.role === format);
  if (!f) throw new NotFoundError(`báo cáo ${id} không có tệp ${format} / report ${id} has no ${format} file`);
  const name = `${reportBaseName(b.period, b.scope)}.${format}`;
  if (format === 'html') {
    // The archived HTML is the email body: its cid: charts become data: URIs for a browser.
    let html = f.content.toString('utf8');
    for (const c of files.filter((x) => x.role === 'chart' && x.cid)) html = html.replaceAll(`src="cid:${c.cid}"`, `src="data:image/png;base64,${c.content.toString('base64')}"`);
    return reply
      .type('text/html; charset=utf-8')
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
      .header('Content-Disposition', `inline; filename="${name}"`)
      .send(html);
  }
  return reply.type(f.contentType).header('Content-Disposition', `attachment; filename="${name}"`).send(f.content);
}

async function resend(deps: { pool: Pool; config: Config }, user: WebUser, id: number, to: string[] | undefined, ip: string): Promise<DeliveryResult[]> {
  if (!canAdminister(user)) throw new ForbiddenError('chỉ quản trị / admins only');
  await buildFor(deps.pool, user, id);
  const results = await resendBuild(deps, id, { to });
  await audit(deps.pool, { actor: user.name, action: 'report_resend', target: `report:${id}`, ip, detail: { recipients: results.map((r) => ({ recipient: r.recipient, status: r.status })) } });
  return results;
}

const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } }, required: ['id'] } as const;
const buildItem = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    period: { type: 'string' },
    scope: { type: 'string', description: "'province' or an agency code" },
    scope_name: { type: 'string' },
    lang: { type: 'string', enum: ['vi', 'en'] },
    issuer: { type: 'string' },
    number: { type: 'string', description: 'the document number printed on the report, e.g. 07/BC-SKHCN' },
    issued_on: { type: 'string', format: 'date' },
    title: { type: 'string' },
    built_at: { type: 'string', format: 'date-time' },
    built_by: { type: 'string' },
    total_bytes: { type: 'integer' },
    formats: { type: 'array', items: { type: 'string' } },
    sent: { type: 'integer', description: 'deliveries sent from this build' },
    downloads: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;
const deliveryItem = {
  type: 'object',
  properties: { scope: { type: 'string' }, recipient: { type: 'string' }, status: { type: 'string', enum: ['sent', 'failed', 'already_sent', 'in_progress'] }, messageId: { type: ['string', 'null'] }, error: { type: ['string', 'null'] } },
} as const;

export function registerReports(app: FastifyInstance, deps: { pool: Pool; config: Config }, o: RouteOptions): void {
  const user = (req: FastifyRequest) => req.user as NonNullable<FastifyRequest['user']>;
  const idOf = (req: FastifyRequest) => Number((req.params as { id: string }).id);

  app.get('/api/reports', {
    schema: {
      tags: ['reports'],
      summary: "Archived reports, newest first (agency users: their agency's own reports only)",
      querystring: { type: 'object', properties: { period: { type: 'string', description: 'YYYY-Qn or YYYY' }, limit: { type: 'string', description: '1..500, default 50' }, before: { type: 'string', description: 'the `next` of the previous page' } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: buildItem }, next: { type: ['string', 'null'] } } } },
    },
  }, async (req) => listFor(deps.pool, user(req), req.query as Query));

  app.post('/api/reports', {
    schema: {
      tags: ['reports'],
      summary: "Build a report now, as `report build` does (it takes the issuer's next number and is archived): admins and analysts for the province or any agency, an agency user for its own agency",
      body: {
        type: 'object',
        required: ['period'],
        properties: {
          period: { type: 'string', description: 'YYYY-Qn or YYYY; it must have begun' },
          scope: { type: 'string', description: "'province' (default for admins and analysts) or an agency code (an agency user's own by default)" },
          lang: { type: 'string', enum: ['vi', 'en'], description: 'default: reports.lang' },
        },
      },
      response: { 201: buildItem },
    },
  }, async (req, reply) => reply.code(201).send(await buildNow(deps, user(req), (req.body ?? {}) as Query, req.ip, o.now())));

  app.get('/api/reports/:id/:format', {
    schema: {
      tags: ['reports'],
      summary: 'Download an archived report as HTML (charts inline), PDF or XLSX',
      params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' }, format: { type: 'string', enum: [...REPORT_FORMATS] } }, required: ['id', 'format'] },
    },
  }, async (req, reply) => {
    const p = req.params as { id: string; format: ReportFormat };
    return download(deps.pool, user(req), Number(p.id), p.format, reply);
  });

  app.post('/api/reports/:id/resend', {
    schema: {
      tags: ['reports'],
      summary: 'Send an archived report again, as it was, to its configured recipients or to `to` (admin; logged as manual deliveries)',
      params: idParams,
      body: { type: 'object', properties: { to: { type: 'array', items: { type: 'string' }, maxItems: 50 } } },
      response: { 200: { type: 'object', properties: { results: { type: 'array', items: deliveryItem } } } },
    },
  }, async (req) => ({ results: await resend(deps, user(req), idOf(req), parseRecipients((req.body as Query | undefined)?.to), req.ip) }));

  const page = async (req: FastifyRequest, reply: FastifyReply, notice: { ok: boolean; text: string } | null, status = 200) => {
    const list = await listFor(deps.pool, user(req), req.query as Query);
    const scopes = buildScopes(user(req));
    let form: BuildForm | null = null;
    if (scopes !== null) {
      const agencies = await listAgencies(deps.pool);
      form = {
        csrf: reply.generateCsrf(),
        scopes: scopes === 'any' ? [{ value: 'province', label: reportsText(req.lang, 'province') }, ...agencies.map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))] : [{ value: scopes, label: agencies.find((a) => a.code === scopes)?.name ?? scopes }],
        lang: deps.config.reports.lang,
      };
    }
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(layout({ lang: req.lang, title: reportsText(req.lang, 'title'), user: req.user, path: req.url, csrf: reply.generateCsrf(), body: reportsBody(list, req.lang, canAdminister(user(req)) ? reply.generateCsrf() : null, notice, typeof (req.query as Query).period === 'string' ? String((req.query as Query).period) : '', form) }));
  };

  app.get('/reports', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as Query;
    const notice =
      q.done === 'resent' ? { ok: true, text: `${reportsText(req.lang, 'resent')} (${String(q.n ?? '0')})` }
      : q.done === 'built' ? { ok: true, text: `${reportsText(req.lang, 'built.done')} ${typeof q.number === 'string' ? q.number : ''}` }
      : null;
    return page(req, reply, notice);
  });

  app.post('/reports/build', { schema: { hide: true } }, async (req, reply) => {
    try {
      const b = await buildNow(deps, user(req), (req.body ?? {}) as Query, req.ip, o.now());
      return reply.redirect(`/reports?${new URLSearchParams({ done: 'built', number: b.number, period: b.period }).toString()}`, 303);
    } catch (err) {
      // A bad period or scope, report settings the directory does not allow: shown above the list.
      if (err instanceof EdocError && !['E_WEB_FORBIDDEN', 'E_NOT_FOUND'].includes(err.code)) return page(req, reply, { ok: false, text: err.message }, 400);
      throw err;
    }
  });

  app.post('/reports/:id/resend', { schema: { hide: true, params: idParams } }, async (req, reply) => {
    try {
      const results = await resend(deps, user(req), idOf(req), parseRecipients((req.body as Query | undefined)?.to), req.ip);
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) return page(req, reply, { ok: false, text: `${reportsText(req.lang, 'failed')}: ${failed.map((f) => `${f.recipient} (${f.error ?? ''})`).join('; ')}` }, 502);
      return reply.redirect(`/reports?done=resent&n=${results.filter((r) => r.status === 'sent').length}`, 303);
    } catch (err) {
      // No SMTP, no recipients, a bad address: shown above the list (refusals and unknown ids are errors).
      if (err instanceof EdocError && !['E_WEB_FORBIDDEN', 'E_NOT_FOUND'].includes(err.code)) return page(req, reply, { ok: false, text: err.message }, 400);
      throw err;
    }
  });
}
