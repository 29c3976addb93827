// The JSON API under /api: everything the pages show, with the same role scoping (the functions of
// src/http/dashboard.ts do the scoping for both). Lists also answer as CSV or XLSX with
// `format=csv|xlsx`. Described for OpenAPI by the route schemas (served at /api/docs).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { listAgencies } from '../db/agencies.js';
import { listAudit } from '../db/audit.js';
import { listMailboxes } from '../db/mailboxes.js';
import { messageTotals } from '../db/stats.js';
import type { Pool } from '../db/pool.js';
import { agencyScope, canAdminister, canSeeProvince } from '../domain/access.js';
import { parseExchangeFilter, type ExchangeFilter } from '../domain/exchange-filter.js';
import { KPI_IDS, type KpiId } from '../domain/kpi.js';
import { parsePeriod, quarterOf } from '../domain/period.js';
import { isKpiId } from '../domain/ranking.js';
import { ForbiddenError, WebInputError } from '../errors.js';
import type { Queues } from '../queue/queues.js';
import { chartRefs, reportModel } from '../report/build.js';
import { renderCharts } from '../report/chart.js';
import { renderReportHtml } from '../report/html.js';
import { mailboxJson } from '../cli/mailbox.js';
import { agencyPage, cachedPeriodStats, exchangeDetail, exchangePage, mailboxesFor, overview, queueHealth } from './dashboard.js';
import { EXPORT_FORMATS, renderExport, type ExportFormat, type ExportTable } from './export.js';
import type { StatsCache } from './stats-cache.js';
import { addMailbox, changeMailbox, parseMailboxChange, parseNewMailbox, syncNow } from './mailbox-admin.js';

export interface RouteOptions {
  now: () => Date;
  queues?: () => Queues;
  /** The statistics cache of `edocwatch serve` (absent in tests that build the app bare). */
  statsCache?: StatsCache;
}

/** Rows an export of the exchange list may hold; past it the file says it was cut. */
export const EXPORT_MAX_ROWS = 100_000;

type Query = Record<string, unknown>;

export function periodParam(q: Query, now: () => Date): string {
  const p = typeof q.period === 'string' && q.period.trim() ? q.period : quarterOf(now());
  return parsePeriod(p).id;
}

export function rankParam(q: Query): KpiId {
  if (q.rank === undefined || q.rank === '') return 'K1';
  if (!isKpiId(q.rank) || q.rank === 'K7') throw new WebInputError(`rank: một chỉ tiêu / must be one of ${KPI_IDS.filter((k) => k !== 'K7').join(', ')}`);
  return q.rank;
}

export function formatParam(q: Query): ExportFormat | null {
  if (q.format === undefined || q.format === '' || q.format === 'json') return null;
  if (!(EXPORT_FORMATS as readonly string[]).includes(String(q.format))) throw new WebInputError('format: json, csv hoặc xlsx / must be json, csv or xlsx');
  return q.format as ExportFormat;
}

export async function sendExport(reply: FastifyReply, table: ExportTable, format: ExportFormat): Promise<FastifyReply> {
  const file = await renderExport(table, format);
  return reply.type(file.contentType).header('Content-Disposition', `attachment; filename="${file.filename}"`).send(file.body);
}

const kpiColumns = KPI_IDS.flatMap((k) => [
  { key: `${k}_ratio`, header: `${k} ratio` },
  { key: `${k}_num`, header: `${k} numerator` },
  { key: `${k}_den`, header: `${k} denominator` },
  { key: `${k}_met`, header: `${k} met` },
]);

function kpiCells(kpis: Record<string, { ratio: number | null; numerator: number; denominator: number; met: boolean | null }> | null) {
  const out: Record<string, string | number | boolean | null> = {};
  for (const k of KPI_IDS) {
    const v = kpis?.[k];
    out[`${k}_ratio`] = v?.ratio ?? null;
    out[`${k}_num`] = v?.numerator ?? null;
    out[`${k}_den`] = v?.denominator ?? null;
    out[`${k}_met`] = v?.met ?? null;
  }
  return out;
}

const exchangeColumns = [
  { key: 'id', header: 'id' },
  { key: 'msg_date', header: 'date' },
  { key: 'document', header: 'document' },
  { key: 'sender_address', header: 'sender' },
  { key: 'sender_agency', header: 'sender agency' },
  { key: 'receiver_address', header: 'receiver' },
  { key: 'receiver_agency', header: 'receiver agency' },
  { key: 'flow', header: 'flow' },
  { key: 'form', header: 'form' },
  { key: 'digitization', header: 'digitization' },
  { key: 'signed', header: 'signed' },
  { key: 'secret', header: 'secret' },
];

const mailboxColumns = ['id', 'agency', 'host', 'port', 'security', 'user', 'auth', 'folders', 'enabled', 'max_messages_per_second', 'last_sync', 'last_success', 'lag_seconds', 'last_error'].map((k) => ({ key: k, header: k }));

const periodQuery = { type: 'object', properties: { period: { type: 'string', description: 'YYYY-Qn or YYYY (default: the current quarter in Asia/Ho_Chi_Minh)' }, format: { type: 'string', enum: ['json', 'csv', 'xlsx'] } } } as const;
const exchangeQuery = {
  type: 'object',
  properties: {
    period: { type: 'string' },
    agency: { type: 'string', description: 'either side is this agency (agency users: their own only)' },
    flow: { type: 'string' },
    form: { type: 'string', enum: ['electronic', 'hybrid'] },
    signed: { type: 'string', enum: ['true', 'false'] },
    scanned: { type: 'string', enum: ['true', 'false'] },
    party: { type: 'string', description: 'an address or agency code on either side' },
    cursor: { type: 'string', description: 'the `next` of the previous page' },
    limit: { type: 'string', description: '1..500, default 50' },
    format: { type: 'string', enum: ['json', 'csv', 'xlsx'] },
  },
} as const;
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } }, required: ['id'] } as const;

export function registerApi(app: FastifyInstance, deps: { pool: Pool; config: Config }, o: RouteOptions): void {
  const d = { pool: deps.pool, config: deps.config, cache: o.statsCache };
  const admin = { pool: deps.pool, config: deps.config, queues: o.queues };
  const user = (req: FastifyRequest) => req.user as NonNullable<FastifyRequest['user']>;

  app.get('/api/me', { schema: { tags: ['session'], summary: 'The signed-in user and a CSRF token for state changes' } }, async (req, reply) => ({
    user: req.user,
    csrf: reply.generateCsrf(),
  }));

  app.get('/api/overview', { schema: { tags: ['statistics'], summary: 'Province KPIs against targets, agencies ranked, trend (admin, analyst)', querystring: { ...periodQuery, properties: { ...periodQuery.properties, rank: { type: 'string', description: 'KPI to rank by (default K1)' } } } } }, async (req, reply) => {
    const q = req.query as Query;
    const format = formatParam(q);
    const ov = await overview(d, user(req), periodParam(q, o.now), rankParam(q));
    if (!format) return ov;
    return sendExport(reply, {
      name: `overview-${ov.period}`,
      columns: [{ key: 'rank', header: 'rank' }, { key: 'code', header: 'agency code' }, { key: 'name', header: 'agency' }, { key: 'level', header: 'level' }, { key: 'below', header: 'below target' }, ...kpiColumns],
      rows: [
        { rank: null, code: 'province', name: 'Toàn tỉnh / province', level: '', below: '', ...kpiCells(ov.province) },
        ...ov.agencies.map((a) => ({ rank: a.rank, code: a.code, name: a.name, level: a.level, below: a.below.join(' '), ...kpiCells(a.kpis) })),
      ],
    }, format);
  });

  app.get('/api/agencies/:code', { schema: { tags: ['statistics'], summary: "One agency's KPIs, trend, counterparties and mailboxes (agency users: their own only)", params: { type: 'object', properties: { code: { type: 'string' } } }, querystring: periodQuery } }, async (req, reply) => {
    const q = req.query as Query;
    const format = formatParam(q);
    const page = await agencyPage(d, user(req), (req.params as { code: string }).code, periodParam(q, o.now));
    if (!format) return page;
    return sendExport(reply, {
      name: `agency-${page.agency.code}-${page.period}`,
      columns: [{ key: 'code', header: 'agency code' }, { key: 'name', header: 'agency' }, ...kpiColumns],
      rows: [{ code: page.agency.code, name: page.agency.name, ...kpiCells(page.kpis) }],
    }, format);
  });

  app.get('/api/agencies', { schema: { tags: ['statistics'], summary: 'The agency directory (agency users: their own agency)' } }, async (req) => {
    const u = user(req);
    const all = await listAgencies(deps.pool);
    return u.role === 'agency' ? all.filter((a) => a.code === u.agencyCode) : all;
  });

  app.get('/api/exchanges', { schema: { tags: ['exchanges'], summary: 'Exchanges, newest first, keyset-paginated (`next` cursor)', querystring: exchangeQuery } }, async (req, reply) => {
    const q = req.query as Query;
    const format = formatParam(q);
    const filter = parseExchangeFilter(q, quarterOf(o.now()));
    if (!format) {
      const page = await exchangePage(d, user(req), filter);
      return { period: page.filter.period.id, agency: page.filter.agency, items: page.items, next: page.next };
    }
    // An export walks the pages (1,000 rows each) up to EXPORT_MAX_ROWS.
    const rows: Array<Record<string, string | number | boolean | null | Date>> = [];
    let f: ExchangeFilter = { ...filter, limit: 1000, cursor: null };
    for (;;) {
      const page = await exchangePage(d, user(req), f);
      for (const r of page.items) rows.push({ ...r });
      if (!page.next || rows.length >= EXPORT_MAX_ROWS) break;
      f = parseExchangeFilter({ ...q, cursor: page.next, limit: '500' }, quarterOf(o.now()));
      f = { ...f, limit: 1000 };
    }
    return sendExport(reply, { name: `exchanges-${filter.period.id}`, columns: exchangeColumns, rows: rows.slice(0, EXPORT_MAX_ROWS) }, format);
  });

  app.get('/api/exchanges/:id', { schema: { tags: ['exchanges'], summary: 'One exchange with its evidence and the messages it was seen in', params: idParams } }, async (req) =>
    exchangeDetail(d, user(req), Number((req.params as { id: string }).id)),
  );

  app.get('/api/mailboxes', { schema: { tags: ['mailboxes'], summary: 'Mailboxes with last sync, lag and last error (admin)', querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'csv', 'xlsx'] } } } } }, async (req, reply) => {
    const format = formatParam(req.query as Query);
    const list = await mailboxesFor(d, user(req));
    if (!format) return list;
    return sendExport(reply, { name: 'mailboxes', columns: mailboxColumns, rows: list.map((m) => ({ ...m, folders: m.folders.join(',') })) }, format);
  });

  app.post('/api/mailboxes', {
    schema: {
      tags: ['mailboxes'],
      summary: 'Add a mailbox after a connection test (admin)',
      body: { type: 'object', required: ['agency', 'host', 'user', 'password'], properties: { agency: { type: 'string' }, host: { type: 'string' }, port: { type: 'integer' }, security: { type: 'string', enum: ['tls', 'starttls', 'none'] }, user: { type: 'string' }, password: { type: 'string' }, folders: { type: 'array', items: { type: 'string' } } } },
    },
  }, async (req, reply) => {
    const r = await addMailbox(admin, user(req), parseNewMailbox(req.body as Record<string, unknown>), req.ip);
    return reply.code(201).send(r);
  });

  app.patch('/api/mailboxes/:id', {
    schema: { tags: ['mailboxes'], summary: 'Change folders, rate limit, enabled (admin)', params: idParams, body: { type: 'object', properties: { folders: { type: 'array', items: { type: 'string' } }, rate: { type: ['number', 'null'] }, enabled: { type: 'boolean' } } } },
  }, async (req) => {
    const id = Number((req.params as { id: string }).id);
    await changeMailbox(admin, user(req), id, parseMailboxChange((req.body ?? {}) as Record<string, unknown>), req.ip);
    const mb = (await listMailboxes(deps.pool)).find((m) => m.id === id);
    return mb ? mailboxJson(mb) : null;
  });

  app.post('/api/mailboxes/:id/sync', { schema: { tags: ['mailboxes'], summary: 'Enqueue a sync of the mailbox now (admin)', params: idParams } }, async (req, reply) => {
    const r = await syncNow(admin, user(req), Number((req.params as { id: string }).id), req.ip);
    return reply.code(202).send(r);
  });

  app.get('/api/queues', { schema: { tags: ['ops'], summary: 'BullMQ job counts per queue (admin)', querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'csv', 'xlsx'] } } } } }, async (req, reply) => {
    const format = formatParam(req.query as Query);
    const q = await queueHealth(user(req), o.queues);
    if (!format) return q;
    const states = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'];
    return sendExport(reply, { name: 'queues', columns: [{ key: 'queue', header: 'queue' }, ...states.map((s) => ({ key: s, header: s }))], rows: Object.entries(q.queues ?? {}).map(([queue, c]) => ({ queue, ...c })) }, format);
  });

  app.get('/api/audit', { schema: { tags: ['ops'], summary: 'The audit log: sign-ins, mailbox and user changes (admin)', querystring: { type: 'object', properties: { limit: { type: 'string' }, format: { type: 'string', enum: ['json', 'csv', 'xlsx'] } } } } }, async (req, reply) => {
    if (!canAdminister(user(req))) throw new ForbiddenError('chỉ quản trị / admins only');
    const q = req.query as Query;
    const limit = q.limit === undefined ? 200 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new WebInputError('limit: 1..10000');
    const format = formatParam(q);
    const rows = await listAudit(deps.pool, limit);
    if (!format) return rows;
    return sendExport(reply, { name: 'audit', columns: ['id', 'at', 'actor', 'action', 'target', 'ip', 'detail'].map((k) => ({ key: k, header: k })), rows: rows.map((r) => ({ ...r, detail: JSON.stringify(r.detail) })) }, format);
  });

  // The first slice's endpoints, now scoped: statistics of a period (an agency user gets its own
  // agency's), and the status of every mailbox (admins).
  app.get('/api/stats', { schema: { tags: ['statistics'], summary: 'The JSON of `edocwatch stats` (agency users: their own agency)', querystring: { type: 'object', properties: { period: { type: 'string' }, agency: { type: 'string' } } } } }, async (req) => {
    const q = req.query as Query;
    const decision = agencyScope(user(req), typeof q.agency === 'string' ? q.agency : null);
    if (!decision.ok) throw new ForbiddenError();
    return cachedPeriodStats(d, periodParam(q, o.now), decision.scope.kind === 'one' ? decision.scope.agency : undefined);
  });

  app.get('/api/status', { schema: { tags: ['ops'], summary: 'Mailboxes and messages by state (admin)' } }, async (req) => {
    if (!canAdminister(user(req))) throw new ForbiddenError('chỉ quản trị / admins only');
    const totals = await messageTotals(deps.pool, null, null);
    return {
      mailboxes: (await listMailboxes(deps.pool)).map((m) => mailboxJson(m)),
      messages: { total: totals.total, ...totals.byState },
      exchanges: totals.exchanges,
      documents: totals.documents,
    };
  });

  app.get('/report/:period', { schema: { hide: true } }, async (req, reply) => {
    if (!canSeeProvince(user(req))) throw new ForbiddenError();
    const id = parsePeriod((req.params as { period: string }).period).id;
    // A preview of the province report (no number taken, nothing archived), charts as data: URIs.
    const { model } = await reportModel(deps, id, { preview: true, now: o.now(), lang: req.lang, builtBy: `web:${user(req).name}` });
    const html = renderReportHtml(model, chartRefs(await renderCharts(model.charts, model.lang), 'data'));
    // The report is a standalone document with inline styles only (and no script).
    return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:").send(html);
  });
}
