// Corrections of an exchange's labels and links, the one place both the CLI (`edocwatch override`)
// and the HTTP API call. Each change runs in one transaction: the override row, the effective labels
// written onto the exchange (the rollup triggers of 0004 move the statistics in the same
// transaction) and an append-only audit row. The value checks and the override ?? computed
// resolution are the pure src/domain/overrides.ts.
import { InvalidOverrideError, NotFoundError } from '../errors.js';
import {
  changedLabels,
  labelValue,
  OverrideValueError,
  parseOverrideValue,
  resolveEffective,
  serializeOverrideValue,
  type ActiveOverride,
  type ExchangeLabelSet,
  type OverrideLabel,
} from '../domain/overrides.js';
import { localYear } from '../domain/period.js';
import { documentYear, extractRefs } from '../domain/refs.js';
import type { DirectoryIndex, Digitization, Flow, Form, PartyKind } from '../domain/types.js';
import { withTransaction, type Pool, type Queryable } from './pool.js';

interface ExchangeRow {
  id: string;
  computed: {
    flow: Flow; form: Form | null; digitization: Digitization; signed: boolean; secret: boolean;
    document_id: number | null; has_document: boolean; sender_agency: string | null; sender_kind: PartyKind;
    receiver_agency: string | null; receiver_kind: PartyKind;
  };
  computed_ref: string | null;
}

interface OverrideRow {
  id: string;
  exchange_id: string;
  label: OverrideLabel;
  value: string;
  reason: string;
  created_by: string;
  created_at: Date;
  removed_at: Date | null;
  removed_by: string | null;
  removed_reason: string | null;
}

export interface OverrideRecord {
  id: number;
  exchangeId: number;
  label: OverrideLabel;
  value: string;
  reason: string;
  by: string;
  at: string;
  removedAt: string | null;
  removedBy: string | null;
  removedReason: string | null;
}

export interface AuditRecord {
  id: number;
  overrideId: number;
  exchangeId: number;
  action: 'set' | 'replace' | 'remove';
  label: OverrideLabel;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  reason: string;
  actor: string;
  at: string;
}

export interface OverrideChange {
  override: OverrideRecord;
  /** Effective values before and after, for the label and every label it changed (the flow). */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

function toRecord(r: OverrideRow): OverrideRecord {
  return {
    id: Number(r.id),
    exchangeId: Number(r.exchange_id),
    label: r.label,
    value: r.value,
    reason: r.reason,
    by: r.created_by,
    at: r.created_at.toISOString(),
    removedAt: r.removed_at?.toISOString() ?? null,
    removedBy: r.removed_by,
    removedReason: r.removed_reason,
  };
}

function computedSet(row: ExchangeRow): ExchangeLabelSet {
  const c = row.computed;
  return {
    form: c.form,
    digitization: c.digitization,
    signed: c.signed,
    flow: c.flow,
    secret: c.secret,
    document: row.computed_ref,
    sender: { kind: c.sender_kind, agencyCode: c.sender_agency },
    receiver: { kind: c.receiver_kind, agencyCode: c.receiver_agency },
  };
}

async function lockExchange(db: Queryable, exchangeId: number): Promise<ExchangeRow> {
  const { rows } = await db.query<ExchangeRow>(
    `SELECT e.id, e.computed, d.ref AS computed_ref
       FROM exchanges e LEFT JOIN documents d ON d.id = (e.computed->>'document_id')::bigint
      WHERE e.id = $1 FOR UPDATE OF e`,
    [exchangeId],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError(`không có lượt trao đổi / no exchange with id ${exchangeId}`);
  return row;
}

/** The active overrides of an exchange, checked against the directory, oldest first. */
export async function activeOverrides(db: Queryable, exchangeId: number, directory: DirectoryIndex): Promise<ActiveOverride[]> {
  const { rows } = await db.query<OverrideRow>(
    `SELECT * FROM exchange_overrides WHERE exchange_id = $1 AND removed_at IS NULL ORDER BY id`,
    [exchangeId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    label: r.label,
    // Stored values were checked when set; a party whose agency has since left the directory keeps its code.
    value: safeParse(r, directory),
    reason: r.reason,
    by: r.created_by,
    at: r.created_at.toISOString(),
  }));
}

function safeParse(r: OverrideRow, directory: DirectoryIndex): ActiveOverride['value'] {
  try {
    return parseOverrideValue(r.label, r.value, directory);
  } catch {
    if (r.label === 'sender' || r.label === 'receiver') return { label: r.label, value: { kind: 'agency', agencyCode: r.value } };
    throw new InvalidOverrideError(`override ${r.id}: stored value ${JSON.stringify(r.value)} is no longer valid for ${r.label}`);
  }
}

/**
 * The document row an override names by its reference: the exchange's own computed document when
 * the reference is its, else (ref, year) resolved as mail resolves it (src/domain/refs.ts
 * documentYear: the year in the number, else the exchange's year in Asia/Ho_Chi_Minh).
 */
async function documentId(db: Queryable, ref: string | null, exchangeId: number, computed: ExchangeLabelSet, computedId: number | null): Promise<number | null> {
  if (ref === null) return null;
  if (computedId !== null && ref === computed.document) return computedId;
  const d = extractRefs(ref)[0];
  if (!d) throw new InvalidOverrideError(`không đọc được số/ký hiệu / cannot read the reference ${JSON.stringify(ref)}`);
  const when = await db.query<{ msg_date: Date }>(`SELECT msg_date FROM exchanges WHERE id = $1`, [exchangeId]);
  const fallback = localYear(when.rows[0]?.msg_date ?? new Date());
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO documents (ref, number, year, symbol, kind, issued_on, doc_year) VALUES ($1, $2, $3, $4, $5, $6::date, $7)
     ON CONFLICT (ref, doc_year) DO UPDATE SET ref = EXCLUDED.ref RETURNING id`,
    [d.ref, d.number, d.year, d.symbol, d.kind, d.date, documentYear(d, fallback)],
  );
  return Number(rows[0]?.id);
}

/** Writes the effective labels onto the exchange (the rollup triggers see an UPDATE). */
async function applyEffective(db: Queryable, exchangeId: number, computed: ExchangeLabelSet, overrides: ActiveOverride[], directory: DirectoryIndex, computedDocumentId: number | null): Promise<ExchangeLabelSet> {
  const eff = resolveEffective(computed, overrides, directory);
  const l = eff.labels;
  await db.query(
    `UPDATE exchanges SET form = $2, digitization = $3, signed = $4, flow = $5, secret = $6, document_id = $7,
            has_document = $7::bigint IS NOT NULL, sender_agency = $8, sender_kind = $9, receiver_agency = $10, receiver_kind = $11,
            pinned = $12::text[], override_evidence = $13::jsonb, updated_at = now()
      WHERE id = $1`,
    [
      exchangeId, l.form, l.digitization, l.signed, l.flow, l.secret, await documentId(db, l.document, exchangeId, computed, computedDocumentId),
      l.sender.agencyCode, l.sender.kind, l.receiver.agencyCode, l.receiver.kind, eff.pinned, JSON.stringify(eff.evidence),
    ],
  );
  return l;
}

function snapshot(set: ExchangeLabelSet, labels: OverrideLabel[]): Record<string, unknown> {
  return Object.fromEntries(labels.map((k) => [k, labelValue(set, k)]));
}

async function audit(db: Queryable, a: Omit<AuditRecord, 'id' | 'at'>): Promise<void> {
  await db.query(
    `INSERT INTO override_audit (override_id, exchange_id, action, label, before, after, reason, actor)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)`,
    [a.overrideId, a.exchangeId, a.action, a.label, JSON.stringify(a.before), JSON.stringify(a.after), a.reason, a.actor],
  );
}

function checkReason(reason: string | undefined): string {
  const r = (reason ?? '').trim();
  if (!r) throw new InvalidOverrideError('cần lý do / a reason is required (--reason "…")');
  return r.slice(0, 2000);
}

function checkActor(by: string | undefined): string {
  const b = (by ?? '').trim();
  if (!b) throw new InvalidOverrideError('cần tên người sửa / who makes the change is required (--by NAME)');
  return b.slice(0, 200);
}

/**
 * Work a caller adds to the transaction of a change (the web app's audit_log row), run after the
 * change is written and before it commits: if it throws, nothing of the change is kept.
 */
export type AlsoInTransaction = (tx: Queryable, change: OverrideChange) => Promise<void>;

/**
 * Sets (or replaces) the override of one label of an exchange. The value is checked against the
 * label's domain first (InvalidOverrideError, nothing written).
 */
export async function setOverride(
  pool: Pool,
  directory: DirectoryIndex,
  o: { exchangeId: number; label: string; value: string; reason: string; by: string },
  also?: AlsoInTransaction,
): Promise<OverrideChange> {
  let parsed;
  try {
    parsed = parseOverrideValue(o.label, o.value, directory);
  } catch (err) {
    if (err instanceof OverrideValueError) throw new InvalidOverrideError(err.message);
    throw err;
  }
  const reason = checkReason(o.reason);
  const by = checkActor(o.by);
  return withTransaction(pool, async (tx) => {
    const ex = await lockExchange(tx, o.exchangeId);
    const computed = computedSet(ex);
    const active = await activeOverrides(tx, o.exchangeId, directory);
    const before = resolveEffective(computed, active, directory).labels;
    const previous = active.find((a) => a.label === parsed.label);
    const { rows } = await tx.query<OverrideRow>(
      `INSERT INTO exchange_overrides (exchange_id, label, value, reason, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [o.exchangeId, parsed.label, serializeOverrideValue(parsed), reason, by],
    );
    const row = rows[0] as OverrideRow;
    if (previous) {
      // The partial unique index allows one active override per label: retire the old one first.
      await tx.query(`UPDATE exchange_overrides SET removed_at = now(), removed_by = $2, removed_reason = $3 WHERE id = $1`, [
        previous.id,
        by,
        `thay bằng / replaced by #${row.id}: ${reason}`,
      ]);
    }
    const next: ActiveOverride[] = [
      ...active.filter((a) => a.label !== parsed.label),
      { id: Number(row.id), label: parsed.label, value: parsed, reason, by, at: row.created_at.toISOString() },
    ];
    const after = await applyEffective(tx, o.exchangeId, computed, next, directory, ex.computed.document_id);
    const labels = [...new Set<OverrideLabel>([parsed.label, ...changedLabels(before, after)])];
    const change = { before: snapshot(before, labels), after: snapshot(after, labels) };
    await audit(tx, { overrideId: Number(row.id), exchangeId: o.exchangeId, action: previous ? 'replace' : 'set', label: parsed.label, ...change, reason, actor: by });
    const result = { override: toRecord(row), ...change };
    await also?.(tx, result);
    return result;
  });
}

/** Removes an active override: the label goes back to the computed value (or another override's). */
export async function removeOverride(
  pool: Pool,
  directory: DirectoryIndex,
  o: { id: number; reason: string; by: string; exchangeId?: number },
  also?: AlsoInTransaction,
): Promise<OverrideChange> {
  const reason = checkReason(o.reason);
  const by = checkActor(o.by);
  return withTransaction(pool, async (tx) => {
    const found = await tx.query<OverrideRow>(`SELECT * FROM exchange_overrides WHERE id = $1`, [o.id]);
    const target = found.rows[0];
    // With `exchangeId` (the web app's URL names both), an override of another exchange is not found.
    if (!target || (o.exchangeId !== undefined && Number(target.exchange_id) !== o.exchangeId)) throw new NotFoundError(`không có sửa đổi / no override with id ${o.id}`);
    if (target.removed_at) throw new NotFoundError(`sửa đổi ${o.id} đã bị gỡ / override ${o.id} was already removed at ${target.removed_at.toISOString()}`);
    const exchangeId = Number(target.exchange_id);
    const ex = await lockExchange(tx, exchangeId);
    const computed = computedSet(ex);
    const active = await activeOverrides(tx, exchangeId, directory);
    const before = resolveEffective(computed, active, directory).labels;
    const { rows } = await tx.query<OverrideRow>(
      `UPDATE exchange_overrides SET removed_at = now(), removed_by = $2, removed_reason = $3 WHERE id = $1 AND removed_at IS NULL RETURNING *`,
      [o.id, by, reason],
    );
    if (!rows[0]) throw new NotFoundError(`sửa đổi ${o.id} đã bị gỡ / override ${o.id} was already removed`);
    const after = await applyEffective(tx, exchangeId, computed, active.filter((a) => a.id !== o.id), directory, ex.computed.document_id);
    const labels = [...new Set<OverrideLabel>([target.label, ...changedLabels(before, after)])];
    const change = { before: snapshot(before, labels), after: snapshot(after, labels) };
    await audit(tx, { overrideId: o.id, exchangeId, action: 'remove', label: target.label, ...change, reason, actor: by });
    const result = { override: toRecord(rows[0]), ...change };
    await also?.(tx, result);
    return result;
  });
}

/**
 * The active overrides of the stored exchanges with these keys (exchange_key, as an analysis plans
 * them), by key; exchanges without an active override are left out.
 */
export async function activeOverridesByKey(db: Queryable, keys: string[], directory: DirectoryIndex): Promise<Map<string, ActiveOverride[]>> {
  const { rows } = await db.query<{ id: string; exchange_key: string }>(
    `SELECT DISTINCT x.id, x.exchange_key FROM exchanges x JOIN exchange_overrides o ON o.exchange_id = x.id AND o.removed_at IS NULL
      WHERE x.exchange_key = ANY($1::text[])`,
    [keys],
  );
  const out = new Map<string, ActiveOverride[]>();
  for (const r of rows) out.set(r.exchange_key, await activeOverrides(db, Number(r.id), directory));
  return out;
}

/** Overrides, newest first: the active ones, or all with `all`. */
export async function listOverrides(db: Queryable, o: { exchangeId?: number; all?: boolean } = {}): Promise<OverrideRecord[]> {
  const { rows } = await db.query<OverrideRow>(
    `SELECT * FROM exchange_overrides
      WHERE ($1::bigint IS NULL OR exchange_id = $1) AND ($2::boolean OR removed_at IS NULL)
      ORDER BY id DESC`,
    [o.exchangeId ?? null, o.all === true],
  );
  return rows.map(toRecord);
}

/** The audit trail, oldest first. */
export async function overrideAudit(db: Queryable, o: { exchangeId?: number } = {}): Promise<AuditRecord[]> {
  const { rows } = await db.query<{
    id: string; override_id: string; exchange_id: string; action: AuditRecord['action']; label: OverrideLabel;
    before: Record<string, unknown>; after: Record<string, unknown>; reason: string; actor: string; at: Date;
  }>(`SELECT * FROM override_audit WHERE ($1::bigint IS NULL OR exchange_id = $1) ORDER BY id`, [o.exchangeId ?? null]);
  return rows.map((r) => ({
    id: Number(r.id),
    overrideId: Number(r.override_id),
    exchangeId: Number(r.exchange_id),
    action: r.action,
    label: r.label,
    before: r.before,
    after: r.after,
    reason: r.reason,
    actor: r.actor,
    at: r.at.toISOString(),
  }));
}

/**
 * Re-resolves the effective labels of overridden exchanges (all, or those given) after a
 * re-analysis or a directory change: the override values stay, the computed labels under them and
 * a corrected party's flow may have moved. Returns how many exchanges changed.
 */
export async function refreshOverridden(pool: Pool, directory: DirectoryIndex, exchangeIds?: number[]): Promise<number> {
  const { rows } = await pool.query<{ exchange_id: string }>(
    `SELECT DISTINCT exchange_id FROM exchange_overrides WHERE removed_at IS NULL AND ($1::bigint[] IS NULL OR exchange_id = ANY($1)) ORDER BY 1`,
    [exchangeIds ?? null],
  );
  let changed = 0;
  for (const r of rows) {
    const id = Number(r.exchange_id);
    changed += await withTransaction(pool, async (tx) => {
      const ex = await lockExchange(tx, id);
      const cur = await tx.query<{ flow: string; form: string | null; digitization: string; signed: boolean; secret: boolean; document_id: string | null; sender_agency: string | null; receiver_agency: string | null }>(
        `SELECT flow, form, digitization, signed, secret, document_id, sender_agency, receiver_agency FROM exchanges WHERE id = $1`,
        [id],
      );
      const before = JSON.stringify(cur.rows[0]);
      await applyEffective(tx, id, computedSet(ex), await activeOverrides(tx, id, directory), directory, ex.computed.document_id);
      const now = await tx.query(`SELECT flow, form, digitization, signed, secret, document_id, sender_agency, receiver_agency FROM exchanges WHERE id = $1`, [id]);
      return JSON.stringify(now.rows[0]) === before ? 0 : 1;
    });
  }
  return changed;
}
