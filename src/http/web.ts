// The dashboard's pages (server-rendered HTML, Vietnamese first): province overview, agency page,
// exchange list and one exchange, mailbox administration and queue health. The data comes from
// src/http/dashboard.ts, scoped there by role; forms post with a CSRF token and redirect after.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { listAgencies } from '../db/agencies.js';
import type { Pool } from '../db/pool.js';
import { homePath } from '../domain/access.js';
import { parseExchangeFilter } from '../domain/exchange-filter.js';
import { quarterOf } from '../domain/period.js';
import { EdocError } from '../errors.js';
import { periodParam, rankParam, type RouteOptions } from './api.js';
import { agencyPage, exchangePage, mailboxesFor, overview, queueHealth } from './dashboard.js';
import { addMailbox, changeMailbox, parseMailboxChange, parseNewMailbox, syncNow } from './mailbox-admin.js';
import { layout, type Html } from './views/html.js';
import { t } from './views/i18n.js';
import { agencyBody, exchangesBody, mailboxesBody, overviewBody, queuesBody } from './views/pages.js';

type Query = Record<string, unknown>;

export function registerPages(app: FastifyInstance, deps: { pool: Pool; config: Config }, o: RouteOptions): void {
  const d = { pool: deps.pool, config: deps.config, cache: o.statsCache };
  const admin = { ...d, queues: o.queues };
  const user = (req: FastifyRequest) => req.user as NonNullable<FastifyRequest['user']>;
  const page = (req: FastifyRequest, reply: FastifyReply, title: string, body: Html) =>
    reply.type('text/html; charset=utf-8').send(layout({ lang: req.lang, title, user: req.user, path: req.url, body, csrf: reply.generateCsrf() }));

  app.get('/', { schema: { hide: true } }, async (req, reply) => reply.redirect(homePath(user(req))));

  app.get('/overview', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as Query;
    const ov = await overview(d, user(req), periodParam(q, o.now), rankParam(q));
    return page(req, reply, `${t(req.lang, 'overview.title')} — ${ov.period}`, overviewBody(ov, req.lang));
  });

  app.get('/agencies/:code', { schema: { hide: true } }, async (req, reply) => {
    const a = await agencyPage(d, user(req), (req.params as { code: string }).code, periodParam(req.query as Query, o.now));
    return page(req, reply, `${a.agency.name} — ${a.period}`, agencyBody(a, req.lang));
  });

  app.get('/exchanges', { schema: { hide: true } }, async (req, reply) => {
    const p = await exchangePage(d, user(req), parseExchangeFilter(req.query as Query, quarterOf(o.now())));
    return page(req, reply, `${t(req.lang, 'nav.exchanges')} — ${p.filter.period.id}`, exchangesBody(p, req.lang, user(req).role === 'agency'));
  });

  // One exchange (GET /exchanges/:id) and its corrections: src/http/corrections.ts.

  const mailboxesPage = async (req: FastifyRequest, reply: FastifyReply, notice: { ok: boolean; text: string } | null, status = 200) => {
    const [list, agencies] = await Promise.all([mailboxesFor(d, user(req)), listAgencies(deps.pool)]);
    reply.code(status);
    return page(req, reply, t(req.lang, 'mb.title'), mailboxesBody(list, agencies, req.lang, reply.generateCsrf(), notice));
  };

  app.get('/admin/mailboxes', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as Query;
    const notice = q.done === 'added' ? { ok: true, text: `${t(req.lang, 'mb.added')} (#${String(q.id ?? '')})` } : q.done === 'saved' ? { ok: true, text: t(req.lang, 'mb.saved') } : q.done === 'queued' ? { ok: true, text: t(req.lang, 'mb.queued') } : null;
    return mailboxesPage(req, reply, notice);
  });

  // A failed connection test or a bad field shows the page again with the reason (the password is
  // not put back into the form).
  const orShowError = async (req: FastifyRequest, reply: FastifyReply, fn: () => Promise<string>) => {
    try {
      return reply.redirect(await fn(), 303);
    } catch (err) {
      if (err instanceof EdocError && err.code !== 'E_WEB_FORBIDDEN') return mailboxesPage(req, reply, { ok: false, text: err.message }, err.code.startsWith('E_IMAP') ? 502 : 400);
      throw err;
    }
  };

  app.post('/admin/mailboxes', { schema: { hide: true } }, async (req, reply) =>
    orShowError(req, reply, async () => {
      const r = await addMailbox(admin, user(req), parseNewMailbox(req.body as Record<string, unknown>), req.ip);
      return `/admin/mailboxes?done=added&id=${r.id}`;
    }),
  );

  const idOf = (req: FastifyRequest) => Number((req.params as { id: string }).id);
  const idSchema = { hide: true, params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } } } };

  app.post('/admin/mailboxes/:id', { schema: idSchema }, async (req, reply) =>
    orShowError(req, reply, async () => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      await changeMailbox(admin, user(req), idOf(req), parseMailboxChange({ folders: b.folders, rate: b.rate ?? '' }), req.ip);
      return '/admin/mailboxes?done=saved';
    }),
  );
  for (const [action, enabled] of [['disable', false], ['enable', true]] as const) {
    app.post(`/admin/mailboxes/:id/${action}`, { schema: idSchema }, async (req, reply) =>
      orShowError(req, reply, async () => {
        await changeMailbox(admin, user(req), idOf(req), { enabled }, req.ip);
        return '/admin/mailboxes?done=saved';
      }),
    );
  }
  app.post('/admin/mailboxes/:id/sync', { schema: idSchema }, async (req, reply) =>
    orShowError(req, reply, async () => {
      await syncNow(admin, user(req), idOf(req), req.ip);
      return '/admin/mailboxes?done=queued';
    }),
  );

  app.get('/admin/queues', { schema: { hide: true } }, async (req, reply) => {
    const q = await queueHealth(user(req), o.queues);
    return page(req, reply, t(req.lang, 'q.title'), queuesBody(q, req.lang));
  });
}
