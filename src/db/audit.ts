// The audit log (audit_log, migration 0009): sign-ins that worked and those that did not, sign-outs,
// mailbox and user changes, label corrections made from the web (src/http/corrections.ts; the
// override trail itself is override_audit). Append-only; `detail` never carries a password or token.
import type { Queryable } from './pool.js';

export type AuditAction =
  | 'login'
  | 'login_failed'
  | 'logout'
  | 'mailbox_add'
  | 'mailbox_edit'
  | 'mailbox_disable'
  | 'mailbox_enable'
  | 'mailbox_sync'
  | 'user_add'
  | 'user_disable'
  | 'override_set'
  | 'override_remove'
  | 'report_resend'
  | 'report_build';

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string | null;
  action: AuditAction;
  target: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

export async function audit(
  db: Queryable,
  e: { actor: string | null; action: AuditAction; target?: string | null; ip?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  await db.query(`INSERT INTO audit_log (actor, action, target, ip, detail) VALUES ($1, $2, $3, $4, $5::jsonb)`, [
    e.actor,
    e.action,
    e.target ?? null,
    e.ip ?? null,
    JSON.stringify(e.detail ?? {}),
  ]);
}

/** Failed sign-ins for an account name within the last `seconds` (the per-account limit). */
export async function recentLoginFailures(db: Queryable, name: string, seconds: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_log WHERE action = 'login_failed' AND target = $1 AND at > now() - make_interval(secs => $2)`,
    [name, seconds],
  );
  return rows[0]?.n ?? 0;
}

export async function listAudit(db: Queryable, limit: number): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditEntry>(`SELECT id, at, actor, action, target, ip, detail FROM audit_log ORDER BY at DESC, id DESC LIMIT $1`, [limit]);
  return rows;
}
