// The HTTP app (Fastify): health, the JSON statistics and status behind the dashboard, and the HTML
// report of a period. A first slice: sign-in, roles and the dashboard pages come with issue #7, so
// `serve` listens on loopback by default. Built by a factory so tests use `inject`, no port.
import Fastify, { type FastifyInstance } from 'fastify';
import { listAgencies } from '../db/agencies.js';
import { listMailboxes } from '../db/mailboxes.js';
import { messageTotals } from '../db/stats.js';
import { parsePeriod, PeriodError, quarterOf } from '../domain/period.js';
import { renderReportHtml } from '../report/html.js';
import { periodStats } from '../report/stats.js';
import type { Runtime } from '../runtime.js';
import { mailboxJson } from '../cli/mailbox.js';
import { metricsRegistry } from './metrics.js';

export function buildApp(rt: Pick<Runtime, 'pool' | 'config'>, opts: { now?: () => Date } = {}): FastifyInstance {
  const now = opts.now ?? (() => new Date());
  const app = Fastify({ logger: false });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:");
    reply.header('Referrer-Policy', 'no-referrer');
  });

  const period = (p: unknown): string => {
    const id = typeof p === 'string' && p ? p : quarterOf(now());
    parsePeriod(id);
    return id;
  };

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof PeriodError) return reply.code(400).send({ error: 'bad_period', message: err.message });
    const e = err as { statusCode?: number; message: string };
    if (e.statusCode && e.statusCode < 500) return reply.code(e.statusCode).send({ error: 'bad_request', message: e.message });
    return reply.code(500).send({ error: 'internal', message: 'lỗi máy chủ / internal error' });
  });

  app.get('/health', async (_req, reply) => {
    try {
      await rt.pool.query('SELECT 1');
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, database: 'unreachable' });
    }
  });

  const metrics = metricsRegistry(rt.pool, now);
  app.get('/metrics', async (_req, reply) => {
    await metrics.refresh();
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });

  app.get('/api/status', async () => {
    const totals = await messageTotals(rt.pool, null, null);
    return {
      mailboxes: (await listMailboxes(rt.pool)).map((m) => mailboxJson(m)),
      messages: { total: totals.total, ...totals.byState },
      exchanges: totals.exchanges,
      documents: totals.documents,
    };
  });

  app.get<{ Querystring: { period?: string; agency?: string } }>('/api/stats', async (req) =>
    periodStats(rt.pool, rt.config, period(req.query.period), req.query.agency || undefined),
  );

  app.get<{ Params: { period: string } }>('/report/:period', async (req, reply) => {
    const id = period(req.params.period);
    const [stats, agencies] = await Promise.all([periodStats(rt.pool, rt.config, id), listAgencies(rt.pool)]);
    const province = agencies.find((a) => a.level === 'province_pc');
    const html = renderReportHtml(stats, agencies, { province: province?.name ?? '', issuer: province?.name ?? '', issuedOn: now() });
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get('/', async (_req, reply) => reply.redirect(`/report/${quarterOf(now())}`));
  return app;
}
