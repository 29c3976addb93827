// Label corrections from the web app and the API (issue 5 "Corrections"; issue 7 "label correction
// for those allowed"): set or remove an override of an exchange's label or link, read its history,
// and the exchange page that shows every label with its evidence and correction form. The change
// itself is src/db/overrides.ts — the same function `edocwatch override` calls, so the override
// wins over re-analysis, goes to override_audit, and the rollups follow in the same transaction —
// with an audit_log row added to that transaction. Admins and analysts may correct (403 for agency
// users, whatever the exchange); reading follows the exchange's scope (404 outside it).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { listAgencies } from '../db/agencies.js';
import { audit } from '../db/audit.js';
import { exchangeSides } from '../db/exchange-list.js';
import { listOverrides, overrideAudit, removeOverride, setOverride, type AuditRecord, type OverrideChange, type OverrideRecord } from '../db/overrides.js';
import type { Pool } from '../db/pool.js';
import { canCorrect, canSeeAgencies, type WebUser } from '../domain/access.js';
import { OVERRIDE_LABELS } from '../domain/overrides.js';
import { EdocError, ForbiddenError, NotFoundError, WebInputError } from '../errors.js';
import { DirectoryCache } from '../jobs/directory-cache.js';
import type { RouteOptions } from './api.js';
import { exchangeDetail } from './dashboard.js';
import { layout } from './views/html.js';
import { t } from './views/i18n.js';
import { exchangeBody } from './views/exchange.js';

export interface CorrectionDeps {
  pool: Pool;
  config: Config;
  directory: DirectoryCache;
}

export interface CorrectionInput {
  label: string;
  value: string;
  reason: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

/**
 * Reads a correction from a JSON body or a form: `label`, `value` (a JSON true/false is taken as
 * the word, null as `none` for the document), `reason`. The value's domain and the reason are
 * checked by src/db/overrides.ts (400 with the accepted values named).
 */
export function parseCorrection(b: Record<string, unknown>): CorrectionInput {
  const label = text(b.label).trim();
  if (!label) throw new WebInputError(`label: cần tên nhãn / a label is needed: ${OVERRIDE_LABELS.join(', ')}`);
  if (b.value === undefined) throw new WebInputError('value: cần giá trị mới / the new value is needed');
  const value = b.value === null ? 'none' : text(b.value);
  return { label, value, reason: text(b.reason) };
}

/** The reason of a removal, from the body (JSON or form) or, for DELETE clients that send no body, the query. */
export function parseRemoval(body: unknown, query: unknown): { reason: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const q = (query ?? {}) as Record<string, unknown>;
  return { reason: text(b.reason) || text(q.reason) };
}

function requireCorrector(user: WebUser): void {
  if (!canCorrect(user)) throw new ForbiddenError('chỉ quản trị và chuyên viên Sở được sửa nhãn / only admins and analysts may correct labels');
}

function auditDetail(c: OverrideChange, reason: string | null): Record<string, unknown> {
  return { override: c.override.id, label: c.override.label, value: c.override.value, reason, before: c.before, after: c.after };
}

/** Sets (or replaces) the override of one label; audited in override_audit and audit_log together. */
export async function correctLabel(d: CorrectionDeps, user: WebUser, exchangeId: number, input: CorrectionInput, ip: string | null): Promise<OverrideChange> {
  requireCorrector(user);
  return setOverride(d.pool, await d.directory.get(), { exchangeId, label: input.label, value: input.value, reason: input.reason, by: user.name }, (tx, c) =>
    audit(tx, { actor: user.name, action: 'override_set', target: `exchange:${exchangeId}`, ip, detail: auditDetail(c, c.override.reason) }),
  );
}

/** Removes an active override of the exchange (the label goes back to the analysis's value). */
export async function removeCorrection(d: CorrectionDeps, user: WebUser, exchangeId: number, overrideId: number, reason: string, ip: string | null): Promise<OverrideChange> {
  requireCorrector(user);
  return removeOverride(d.pool, await d.directory.get(), { id: overrideId, exchangeId, reason, by: user.name }, (tx, c) =>
    audit(tx, { actor: user.name, action: 'override_remove', target: `exchange:${exchangeId}`, ip, detail: auditDetail(c, c.override.removedReason) }),
  );
}

export interface CorrectionHistory {
  exchange: number;
  /** Active overrides, newest first. */
  active: OverrideRecord[];
  /** Every set, replace and remove, oldest first: who, when, before, after, why. */
  history: AuditRecord[];
}

/** The overrides and audit trail of an exchange, within the user's scope (404 outside it). */
export async function correctionHistory(d: Pick<CorrectionDeps, 'pool'>, user: WebUser, exchangeId: number): Promise<CorrectionHistory> {
  const sides = await exchangeSides(d.pool, exchangeId);
  if (!sides || !canSeeAgencies(user, [sides.sender_agency, sides.receiver_agency])) throw new NotFoundError(`không có lượt trao đổi / no exchange ${exchangeId}`);
  const [active, history] = await Promise.all([listOverrides(d.pool, { exchangeId }), overrideAudit(d.pool, { exchangeId })]);
  return { exchange: exchangeId, active, history };
}

const idPattern = '^[0-9]{1,15}$';
const exchangeParams = { type: 'object', properties: { id: { type: 'string', pattern: idPattern } }, required: ['id'] } as const;
const overrideParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: idPattern }, overrideId: { type: 'string', pattern: idPattern } },
  required: ['id', 'overrideId'],
} as const;

const overrideSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    exchangeId: { type: 'integer' },
    label: { type: 'string', enum: [...OVERRIDE_LABELS] },
    value: { type: 'string' },
    reason: { type: 'string' },
    by: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    removedAt: { type: ['string', 'null'] },
    removedBy: { type: ['string', 'null'] },
    removedReason: { type: ['string', 'null'] },
  },
} as const;
const changeSchema = {
  type: 'object',
  description: 'The override, and the effective values before and after of its label and of every label it moved (the flow of a corrected party)',
  properties: { override: overrideSchema, before: { type: 'object', additionalProperties: true }, after: { type: 'object', additionalProperties: true } },
} as const;
const auditSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    overrideId: { type: 'integer' },
    exchangeId: { type: 'integer' },
    action: { type: 'string', enum: ['set', 'replace', 'remove'] },
    label: { type: 'string' },
    before: { type: 'object', additionalProperties: true },
    after: { type: 'object', additionalProperties: true },
    reason: { type: 'string' },
    actor: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
} as const;
const errorSchema = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } } as const;

export function registerCorrections(app: FastifyInstance, deps: { pool: Pool; config: Config }, _o: RouteOptions): void {
  const d: CorrectionDeps = { pool: deps.pool, config: deps.config, directory: new DirectoryCache(deps.pool) };
  const user = (req: FastifyRequest) => req.user as NonNullable<FastifyRequest['user']>;
  const idOf = (req: FastifyRequest) => Number((req.params as { id: string }).id);
  const overrideIdOf = (req: FastifyRequest) => Number((req.params as { overrideId: string }).overrideId);

  app.post('/api/exchanges/:id/overrides', {
    schema: {
      tags: ['exchanges'],
      summary: 'Correct a label or link of an exchange (admin, analyst); replaces an active override of the same label',
      description: `Labels: ${OVERRIDE_LABELS.join(', ')}. Values as \`edocwatch override set --value\` takes them (docs/cli.md). The override wins over every re-analysis, is audited, and the statistics follow at once. Needs x-csrf-token.`,
      params: exchangeParams,
      body: {
        type: 'object',
        required: ['label', 'value', 'reason'],
        properties: {
          label: { type: 'string', enum: [...OVERRIDE_LABELS] },
          value: { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'null' }], description: 'form: electronic|hybrid; digitization: born_digital|scanned|mixed|none; signed, secret: true|false; flow: one of the flows; document: a reference such as 2888/UBND-VX, or none (null); sender, receiver: an agency code, or enterprise|organization|individual|unknown' },
          reason: { type: 'string', description: 'why (required; kept in the audit trail)' },
        },
      },
      response: { 201: changeSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (req, reply) => {
    const c = await correctLabel(d, user(req), idOf(req), parseCorrection(req.body as Record<string, unknown>), req.ip);
    return reply.code(201).send(c);
  });

  app.delete('/api/exchanges/:id/overrides/:overrideId', {
    schema: {
      tags: ['exchanges'],
      summary: 'Remove an active override (admin, analyst): the label goes back to the analysis',
      // No body schema: a DELETE without a body is allowed (the reason then comes in the query).
      description: 'The reason is required: JSON body `{"reason": "…"}`, or `?reason=` for clients that send no body with DELETE. Needs x-csrf-token.',
      params: overrideParams,
      querystring: { type: 'object', properties: { reason: { type: 'string' } } },
      response: { 200: changeSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (req) => removeCorrection(d, user(req), idOf(req), overrideIdOf(req), parseRemoval(req.body, req.query).reason, req.ip));

  app.get('/api/exchanges/:id/overrides', {
    schema: {
      tags: ['exchanges'],
      summary: "An exchange's active overrides and its correction history: who, when, before, after, why (all roles; agency: own exchanges)",
      params: exchangeParams,
      response: { 200: { type: 'object', properties: { exchange: { type: 'integer' }, active: { type: 'array', items: overrideSchema }, history: { type: 'array', items: auditSchema } } }, 404: errorSchema },
    },
  }, async (req) => correctionHistory(d, user(req), idOf(req)));

  // The page of one exchange, with a correction form per label for those allowed.
  const exchangePage = async (req: FastifyRequest, reply: FastifyReply, notice: { ok: boolean; text: string } | null, status = 200) => {
    const u = user(req);
    const id = idOf(req);
    const e = await exchangeDetail(d, u, id);
    const csrf = reply.generateCsrf();
    const [history, agencies] = await Promise.all([overrideAudit(d.pool, { exchangeId: id }), canCorrect(u) ? listAgencies(d.pool) : Promise.resolve(null)]);
    const body = exchangeBody({ exchange: e, history, notice, correct: agencies ? { csrf, agencies: agencies.map((a) => ({ code: a.code, name: a.name })) } : null }, req.lang);
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(layout({ lang: req.lang, title: `${t(req.lang, 'nav.exchanges')} #${e.id}${e.document ? ` — ${e.document}` : ''}`, user: u, path: req.url, body, csrf }));
  };

  const hidden = { hide: true, params: exchangeParams };
  app.get('/exchanges/:id', { schema: hidden }, async (req, reply) => {
    const done = (req.query as Record<string, unknown>).done;
    const notice = done === 'corrected' ? { ok: true, text: t(req.lang, 'ex.corrected') } : done === 'removed' ? { ok: true, text: t(req.lang, 'ex.removed') } : null;
    return exchangePage(req, reply, notice);
  });

  // Form posts redirect after the change; a refused value or a missing reason shows the page again
  // with the message (403 and 404 go to the error page).
  const orShowError = async (req: FastifyRequest, reply: FastifyReply, fn: () => Promise<string>) => {
    try {
      return reply.redirect(await fn(), 303);
    } catch (err) {
      if (err instanceof EdocError && !(err instanceof ForbiddenError) && !(err instanceof NotFoundError)) return exchangePage(req, reply, { ok: false, text: err.message }, 400);
      throw err;
    }
  };

  app.post('/exchanges/:id/overrides', { schema: hidden }, async (req, reply) =>
    orShowError(req, reply, async () => {
      await correctLabel(d, user(req), idOf(req), parseCorrection((req.body ?? {}) as Record<string, unknown>), req.ip);
      return `/exchanges/${idOf(req)}?done=corrected`;
    }),
  );

  app.post('/exchanges/:id/overrides/:overrideId/remove', { schema: { hide: true, params: overrideParams } }, async (req, reply) =>
    orShowError(req, reply, async () => {
      await removeCorrection(d, user(req), idOf(req), overrideIdOf(req), parseRemoval(req.body, null).reason, req.ip);
      return `/exchanges/${idOf(req)}?done=removed`;
    }),
  );
}
