// Mailboxes and their per-folder checkpoints.
import type { Queryable } from './pool.js';
import type { Security } from '../imap/client.js';

export interface MailboxRow {
  id: number;
  agency_code: string;
  host: string;
  port: number;
  security: Security;
  username: string;
  auth_kind: 'password' | 'oauth2';
  /** The password, or for OAuth2 the sealed JSON of src/oauth2/token.ts (refresh token, access token …). */
  secret_enc: Buffer;
  /** OAuth2 only (0006_oauth2.sql): token endpoint, client id, scope sent on refresh. */
  oauth_token_url: string | null;
  oauth_client_id: string | null;
  oauth_scope: string | null;
  folders: string[];
  tls_insecure: boolean;
  enabled: boolean;
  created_at: Date;
  last_sync_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  /** Fetch rate limit (messages per second); null: the configured default. */
  max_messages_per_second: number | null;
}

export interface NewMailbox {
  agencyCode: string;
  host: string;
  port: number;
  security: Security;
  username: string;
  secretEnc: Buffer;
  folders: string[];
  tlsInsecure: boolean;
  /** Password login when absent. */
  oauth2?: { tokenUrl: string; clientId: string; scope: string | null };
}

export async function insertMailbox(db: Queryable, m: NewMailbox): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO mailboxes (agency_code, host, port, security, username, secret_enc, folders, tls_insecure,
                            auth_kind, oauth_token_url, oauth_client_id, oauth_scope)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, $11, $12) RETURNING id`,
    [
      m.agencyCode, m.host, m.port, m.security, m.username, m.secretEnc, m.folders, m.tlsInsecure,
      m.oauth2 ? 'oauth2' : 'password', m.oauth2?.tokenUrl ?? null, m.oauth2?.clientId ?? null, m.oauth2?.scope ?? null,
    ],
  );
  return (rows[0] as { id: number }).id;
}

export async function getMailbox(db: Queryable, id: number): Promise<MailboxRow | null> {
  const { rows } = await db.query<MailboxRow>('SELECT * FROM mailboxes WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export async function findMailbox(db: Queryable, host: string, port: number, username: string): Promise<MailboxRow | null> {
  const { rows } = await db.query<MailboxRow>('SELECT * FROM mailboxes WHERE host = $1 AND port = $2 AND username = $3', [host, port, username]);
  return rows[0] ?? null;
}

export async function listMailboxes(db: Queryable, opts: { enabledOnly?: boolean } = {}): Promise<MailboxRow[]> {
  const { rows } = await db.query<MailboxRow>(
    `SELECT * FROM mailboxes WHERE ($1::boolean IS NOT TRUE OR enabled) ORDER BY id`,
    [opts.enabledOnly ?? false],
  );
  return rows;
}

export async function recordSyncOutcome(db: Queryable, id: number, error: string | null): Promise<void> {
  await db.query(
    error === null
      ? `UPDATE mailboxes SET last_sync_at = now(), last_success_at = now(), last_error = NULL, last_error_at = NULL WHERE id = $1`
      : `UPDATE mailboxes SET last_sync_at = now(), last_error = $2, last_error_at = now() WHERE id = $1`,
    error === null ? [id] : [id, error],
  );
}

export interface Checkpoint {
  folder: string;
  uidvalidity: number;
  last_uid: number;
  /** HIGHESTMODSEQ as text: mod-sequences are 63-bit, beyond a JS number's exact range. */
  highest_modseq: string | null;
}

export async function getCheckpoint(db: Queryable, mailboxId: number, folder: string): Promise<Checkpoint | null> {
  const { rows } = await db.query<Checkpoint>(
    'SELECT folder, uidvalidity, last_uid, highest_modseq::text AS highest_modseq FROM folder_checkpoints WHERE mailbox_id = $1 AND folder = $2',
    [mailboxId, folder],
  );
  return rows[0] ?? null;
}

/** Moves a folder's checkpoint; never backwards within one UIDVALIDITY. */
export async function saveCheckpoint(
  db: Queryable,
  mailboxId: number,
  folder: string,
  specialUse: string | null,
  uidvalidity: number,
  lastUid: number,
  highestModseq: string | null,
): Promise<void> {
  await db.query(
    `INSERT INTO folder_checkpoints (mailbox_id, folder, special_use, uidvalidity, last_uid, highest_modseq)
     VALUES ($1, $2, $3, $4, $5, $6::numeric)
     ON CONFLICT (mailbox_id, folder) DO UPDATE SET
       special_use = EXCLUDED.special_use,
       last_uid = CASE WHEN folder_checkpoints.uidvalidity = EXCLUDED.uidvalidity
                       THEN GREATEST(folder_checkpoints.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
       uidvalidity = EXCLUDED.uidvalidity,
       highest_modseq = EXCLUDED.highest_modseq,
       updated_at = now()`,
    [mailboxId, folder, specialUse, uidvalidity, lastUid, highestModseq],
  );
}

/** Sets a mailbox's fetch rate limit (messages per second; null: the configured default). */
export async function setMailboxRate(db: Queryable, id: number, perSecond: number | null): Promise<boolean> {
  const r = await db.query('UPDATE mailboxes SET max_messages_per_second = $2 WHERE id = $1', [id, perSecond]);
  return (r.rowCount ?? 0) > 0;
}

/** Enables or disables a mailbox (a disabled one is not polled; `sync --mailbox` still syncs it). */
export async function setMailboxEnabled(db: Queryable, id: number, enabled: boolean): Promise<boolean> {
  const r = await db.query('UPDATE mailboxes SET enabled = $2 WHERE id = $1', [id, enabled]);
  return (r.rowCount ?? 0) > 0;
}
