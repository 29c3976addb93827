// Messages as fetched: the raw object index, one message per mailbox and mail, and where it sits
// on the server. Written by the sync job before its analyze job is enqueued.
import type { Queryable } from './pool.js';
import type { MessageState } from '../domain/types.js';

export interface FetchedMessage {
  mailboxId: number;
  folder: string;
  uidvalidity: number;
  uid: number;
  sha256: string;
  size: number;
  messageId: string | null;
  internalDate: Date | null;
  /** over_limit when only the headers were stored; otherwise pending. */
  state: 'pending' | 'over_limit';
  stateReason: string | null;
}

/** The key that makes a mail one message within a mailbox (DESIGN.md "Message"). */
export function dedupKey(messageId: string | null, sha256: string): string {
  const mid = messageId?.trim().replace(/^<|>$/g, '').toLowerCase();
  return mid ? `mid:${mid}` : `sha:${sha256}`;
}

/**
 * Records a fetched message (raw object, message, location) in one statement batch; call inside a
 * transaction. Returns the message's id and whether it still needs analysis (a message already
 * analyzed under another folder or UIDVALIDITY is not analyzed again).
 */
export async function recordFetched(db: Queryable, m: FetchedMessage): Promise<{ id: number; needsAnalysis: boolean }> {
  await db.query('INSERT INTO raw_objects (sha256, size) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING', [m.sha256, m.size]);
  const { rows } = await db.query<{ id: number; state: MessageState }>(
    `INSERT INTO messages (mailbox_id, dedup_key, sha256, message_id, internal_date, size, state, state_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (mailbox_id, dedup_key) DO UPDATE SET mailbox_id = EXCLUDED.mailbox_id
     RETURNING id, state`,
    [m.mailboxId, dedupKey(m.messageId, m.sha256), m.sha256, m.messageId, m.internalDate, m.size, m.state, m.stateReason],
  );
  const row = rows[0] as { id: number; state: MessageState };
  await db.query(
    `INSERT INTO message_locations (mailbox_id, folder, uidvalidity, uid, message_id)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [m.mailboxId, m.folder, m.uidvalidity, m.uid, row.id],
  );
  return { id: row.id, needsAnalysis: row.state === 'pending' || row.state === 'failed' };
}

/** UIDs of a folder that are already recorded (so a re-scan after a UIDVALIDITY change fetches no body twice). */
export async function knownUids(db: Queryable, mailboxId: number, folder: string, uidvalidity: number, uids: number[]): Promise<Set<number>> {
  if (uids.length === 0) return new Set();
  const { rows } = await db.query<{ uid: number }>(
    `SELECT uid FROM message_locations WHERE mailbox_id = $1 AND folder = $2 AND uidvalidity = $3 AND uid = ANY($4::bigint[])`,
    [mailboxId, folder, uidvalidity, uids],
  );
  return new Set(rows.map((r) => r.uid));
}

/** Message keys already recorded for this mailbox (matched by Message-ID), to skip bodies we have. */
export async function knownMessageIds(db: Queryable, mailboxId: number, keys: string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ dedup_key: string; id: number }>(
    `SELECT dedup_key, id FROM messages WHERE mailbox_id = $1 AND dedup_key = ANY($2::text[])`,
    [mailboxId, keys],
  );
  return new Map(rows.map((r) => [r.dedup_key, r.id]));
}

export async function addLocation(db: Queryable, mailboxId: number, folder: string, uidvalidity: number, uid: number, messageId: number): Promise<void> {
  await db.query(
    `INSERT INTO message_locations (mailbox_id, folder, uidvalidity, uid, message_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [mailboxId, folder, uidvalidity, uid, messageId],
  );
}

/** Messages left pending or failed (e.g. after Redis lost its jobs), for re-enqueueing. */
export async function unfinishedMessageIds(db: Queryable, mailboxId?: number, states: Array<'pending' | 'failed'> = ['pending', 'failed']): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM messages WHERE state = ANY($2::text[]) AND ($1::bigint IS NULL OR mailbox_id = $1) ORDER BY id`,
    [mailboxId ?? null, states],
  );
  return rows.map((r) => r.id);
}
