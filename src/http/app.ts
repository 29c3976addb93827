// The HTTP app (Fastify): the dashboard pages, the JSON API under /api with its OpenAPI
// description at /api/docs, /health, Prometheus /metrics and the HTML report of a period. Sign-in
// with local accounts and roles (docs/web.md): every route resolves the user's scope on the server
// (src/domain/access.ts) before it queries. Built by a factory so tests use `inject`, no port.
import type { StatsCache } from './stats-cache.js';
import { randomBytes, createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Config } from '../config/config.js';
import type { Pool } from '../db/pool.js';
import type { WebUser } from '../domain/access.js';
import { FilterError } from '../domain/exchange-filter.js';
import { PeriodError } from '../domain/period.js';
import { EdocError, ForbiddenError, NotFoundError, WebInputError } from '../errors.js';
import type { Queues } from '../queue/queues.js';
import { registerApi } from './api.js';
import { registerAuth } from './auth.js';
import { registerCorrections } from './corrections.js';
import { metricsRegistry } from './metrics.js';
import { registerPages } from './web.js';
import { registerReports } from './reports.js';
import { layout, STYLESHEET } from './views/html.js';
import { errorBody } from './views/pages.js';
import { pickLang, t, type Lang } from './views/i18n.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: WebUser | null;
    lang: Lang;
  }
}

export interface AppOptions {
  now?: () => Date;
  /** BullMQ queues for "sync now" and queue health; absent: those answer that there are none. */
  queues?: () => Queues;
  /** The statistics cache (src/http/stats-cache.ts): `edocwatch serve` starts one. */
  statsCache?: StatsCache;
}

export interface AppDeps {
  pool: Pool;
  config: Config;
}

/** The status and body of an error, for the API (JSON) and the pages (HTML) alike. */
export function errorResponse(err: unknown): { status: number; error: string; message: string } {
  if (err instanceof PeriodError) return { status: 400, error: 'bad_period', message: err.message };
  if (err instanceof FilterError || err instanceof WebInputError) return { status: 400, error: 'bad_request', message: err.message };
  if (err instanceof ForbiddenError) return { status: 403, error: 'forbidden', message: err.message };
  if (err instanceof NotFoundError) return { status: 404, error: 'not_found', message: err.message };
  if (err instanceof EdocError) {
    // A connection test that failed, a missing secret key: the operator's message, as a 400/502.
    const status = err.code.startsWith('E_IMAP') ? 502 : 400;
    return { status, error: err.code.toLowerCase(), message: err.message };
  }
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_CSRF_MISSING_SECRET' || e.code === 'FST_CSRF_INVALID_TOKEN')
    return { status: 403, error: 'csrf', message: 'mã chống giả mạo không hợp lệ, hãy tải lại trang / invalid CSRF token: reload the page' };
  if (e.statusCode === 429) return { status: 429, error: 'rate_limited', message: 'quá nhiều yêu cầu, thử lại sau / too many requests: try again later' };
  if (e.statusCode && e.statusCode < 500) return { status: e.statusCode, error: 'bad_request', message: e.message ?? 'bad request' };
  return { status: 500, error: 'internal', message: 'lỗi máy chủ / internal error' };
}

export function buildApp(rt: AppDeps, opts: AppOptions = {}): FastifyInstance {
  const now = opts.now ?? (() => new Date());
  const web = rt.config.web;
  const app = Fastify({ logger: false, trustProxy: web.trustProxy });
  // Cookies are signed (the CSRF secret cookie) with a key derived from EDOCWATCH_SECRET_KEY, or
  // a random one per process when there is none (CSRF cookies then last until a restart).
  const cookieSecret = rt.config.secretKey ? createHmac('sha256', rt.config.secretKey).update('edocwatch-cookie').digest('base64') : randomBytes(32).toString('base64');

  app.decorateRequest('user', null);
  app.decorateRequest('lang', 'vi');
  void app.register(fastifyCookie, { secret: cookieSecret });
  void app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  void app.register(fastifyHelmet, {
    // HSTS only over https (below); a plain-http loopback answer must not pin the host to https.
    hsts: false,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });
  void app.register(fastifyRateLimit, { global: false });
  void app.register(fastifyCsrf, {
    cookieKey: 'edocwatch_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: web.cookieSecure, signed: true },
    // Forms send `_csrf`; API clients the header (the token is in GET /api/me).
    getToken: (req: FastifyRequest) => ((req.body as Record<string, unknown> | undefined)?._csrf as string | undefined) ?? (req.headers['x-csrf-token'] as string | undefined),
  });
  void app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'edocwatch API',
        description: 'Số liệu trao đổi văn bản điện tử / official document exchange statistics. Sign in with POST /login (JSON: Accept: application/json); the session cookie then authorizes every call; state changes need the x-csrf-token header from GET /api/me. Every list takes format=csv|xlsx.',
        version: '0.1.0',
      },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'edocwatch_session' } } },
      security: [{ session: [] }],
    },
  });
  void app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // Plain http on loopback is the default: an upgrade to https would break the page's assets.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, '').replace(' validator.swagger.io', ''),
    // No call to the public validator service: the page loads nothing from outside.
    uiConfig: { validatorUrl: null },
  });

  app.addHook('onRequest', async (req, reply) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    req.lang = pickLang(q.lang, req.cookies?.lang);
    if ((q.lang === 'en' || q.lang === 'vi') && req.cookies?.lang !== q.lang) reply.setCookie('lang', q.lang, { path: '/', sameSite: 'lax', httpOnly: true, secure: web.cookieSecure, maxAge: 365 * 86400 });
  });
  app.addHook('onSend', async (req, reply) => {
    if (req.protocol === 'https') reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (req.user) reply.header('Cache-Control', 'no-store');
  });
  // Every state change needs the CSRF token (sign-in included: no login CSRF).
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return done();
    return app.csrfProtection(req, reply, done);
  });

  app.setErrorHandler((err, req, reply) => {
    const r = errorResponse(err);
    if (r.status >= 500) rtLog(err);
    if (req.url.startsWith('/api/') || !(req.headers.accept ?? '').includes('text/html')) return reply.code(r.status).send({ error: r.error, message: r.message });
    return reply
      .code(r.status)
      .type('text/html; charset=utf-8')
      .send(layout({ lang: req.lang, title: t(req.lang, 'err.title'), user: req.user, path: req.url, body: errorBody(r.message) }));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `không có / not found: ${req.method} ${req.url.split('?')[0]}` }));

  app.get('/health', { schema: { tags: ['ops'], summary: 'Database reachable' } }, async (_req, reply) => {
    try {
      await rt.pool.query('SELECT 1');
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, database: 'unreachable' });
    }
  });

  const metrics = metricsRegistry(rt.pool, now);
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    await metrics.refresh();
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });

  app.get('/assets/app.css', { schema: { hide: true } }, async (_req, reply) => reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(STYLESHEET));

  void app.register(async (scope) => {
    registerAuth(scope, rt);
    registerApi(scope, rt, { now, queues: opts.queues, statsCache: opts.statsCache });
    registerPages(scope, rt, { now, queues: opts.queues, statsCache: opts.statsCache });
    registerCorrections(scope, rt, { now, queues: opts.queues });
    registerReports(scope, rt, { now, queues: opts.queues });
  });
  return app;
}

function rtLog(err: unknown): void {
  if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`edocwatch serve: ${(err as Error)?.stack ?? String(err)}\n`);
}

export type { FastifyReply };
