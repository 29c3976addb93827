// Sign-in, sign-out and the session of each request. The session cookie holds a random token
// (src/db/sessions.ts), httpOnly, SameSite=Lax (a link from an email still opens the signed-in
// page; every state change also needs a CSRF token), Secure per `web.cookie_secure`. Sign-in is
// limited per client address (@fastify/rate-limit on the route) and per account (failures in
// the audit log within a window, so the limit holds across processes and restarts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { audit, recentLoginFailures } from '../db/audit.js';
import type { Pool } from '../db/pool.js';
import { createSession, deleteSession, sessionUser } from '../db/sessions.js';
import { findUserByName, recordLogin, toWebUser } from '../db/users.js';
import { homePath } from '../domain/access.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { layout } from './views/html.js';
import { loginBody } from './views/pages.js';
import { t } from './views/i18n.js';

export const SESSION_COOKIE = 'edocwatch_session';

/** Paths anyone may open: health, metrics, sign-in, the stylesheet and the API description. */
export function isPublicPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === '/health' || path === '/metrics' || path === '/login' || path.startsWith('/assets/') || path === '/api/docs' || path.startsWith('/api/docs/');
}

/** A redirect target after sign-in: a local path only (no scheme, no //host), else the user's home. */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 2000) return null;
  if (next.startsWith('/login') || next.startsWith('/logout')) return null;
  return next;
}

export function cookieOptions(c: Config['web'], maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: c.cookieSecure, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

export function registerAuth(app: FastifyInstance, deps: { pool: Pool; config: Config }): void {
  const web = deps.config.web;

  app.addHook('onRequest', async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    req.user = token ? await sessionUser(deps.pool, token) : null;
    if (req.user || isPublicPath(req.url)) return;
    if (req.url.startsWith('/api/')) return reply.code(401).send({ error: 'unauthenticated', message: 'cần đăng nhập / sign in first (POST /login)' });
    return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`);
  });

  const loginPage = async (req: FastifyRequest, reply: FastifyReply, error: string | null, status = 200) => {
    const csrf = reply.generateCsrf();
    const next = safeNext((req.query as Record<string, unknown>)?.next ?? (req.body as Record<string, unknown> | undefined)?.next) ?? '';
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(layout({ lang: req.lang, title: t(req.lang, 'login.title'), user: null, path: req.url, body: loginBody(req.lang, csrf, error, next) }));
  };

  app.get('/login', { schema: { hide: true } }, async (req, reply) => {
    if (req.user) return reply.redirect(homePath(req.user));
    return loginPage(req, reply, null);
  });

  app.post(
    '/login',
    {
      schema: { hide: true },
      config: { rateLimit: { max: web.loginPerIpPerMinute, timeWindow: 60_000 } },
    },
    async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const name = typeof body.name === 'string' ? body.name.trim().toLowerCase().slice(0, 64) : '';
      const password = typeof body.password === 'string' ? body.password : '';
      const json = req.headers.accept?.includes('application/json') ?? false;
      const fail = async (reason: string, limited = false) => {
        await audit(deps.pool, { actor: null, action: 'login_failed', target: name || null, ip: req.ip, detail: { reason } });
        const message = t(req.lang, limited ? 'login.limited' : 'login.failed');
        if (json) return reply.code(limited ? 429 : 401).send({ error: limited ? 'rate_limited' : 'bad_credentials', message });
        return loginPage(req, reply, message, limited ? 429 : 401);
      };
      if (!name || !password) return fail('missing');
      if ((await recentLoginFailures(deps.pool, name, web.loginFailureWindowSeconds)) >= web.loginFailuresPerAccount) return fail('account_limited', true);
      const row = await findUserByName(deps.pool, name);
      // An unknown name costs the same Argon2 verification as a known one.
      const ok = await verifyPassword(row?.password_hash ?? (await decoyHash()), password);
      if (!row || !ok) return fail(row ? 'password' : 'unknown_user');
      if (!row.enabled) return fail('disabled');
      const token = await createSession(deps.pool, row.id, web.sessionHours * 3600, req.ip);
      await recordLogin(deps.pool, row.id);
      await audit(deps.pool, { actor: row.name, action: 'login', target: row.name, ip: req.ip });
      reply.setCookie(SESSION_COOKIE, token, cookieOptions(web, web.sessionHours * 3600));
      const user = toWebUser(row);
      if (json) return reply.send({ user });
      return reply.redirect(safeNext(body.next) ?? homePath(user), 303);
    },
  );

  app.post('/logout', { schema: { hide: true } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await deleteSession(deps.pool, token);
    if (req.user) await audit(deps.pool, { actor: req.user.name, action: 'logout', target: req.user.name, ip: req.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
}
