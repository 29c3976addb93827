// Messages as fetched: the raw object index, one message per mailbox and mail, and where it sits
// on the server. Written by the sync job before its analyze job is enqueued.
import type { Queryable } from './pool.js';
import type { MessageState } from '../domain/types.js';
import type { RawLocation } from '../store/raw-store.js';

export interface FetchedMessage {
  mailboxId: number;
  folder: string;
  uidvalidity: number;
  uid: number;
  sha256: string;
  /** The mail's size on the server (RFC822.SIZE). */
  size: number;
  /** Bytes in the raw store, when not the whole mail (headers only, over the size cap). */
  storedBytes?: number;
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
 * Records a batch of fetched messages (raw objects, messages, locations) with one statement per
 * table, not three per message. Call inside a transaction. Returns, per input, the message id,
 * whether it needs analysis, and whether this call created its message row (true for one input
 * per new row: a second copy in the batch, or a mail already held, is not new).
 * `locations` (RawBatch.locations, after its commit) says where the raw store put the objects it
 * wrote: their raw_objects rows are written here, in the caller's transaction.
 */
export async function recordFetchedBatch(
  db: Queryable,
  ms: FetchedMessage[],
  locations: ReadonlyMap<string, RawLocation> = new Map(),
): Promise<Array<{ id: number; needsAnalysis: boolean; created: boolean }>> {
  if (ms.length === 0) return [];
  const raw = [...new Map(ms.map((m) => [m.sha256, locations.get(m.sha256)?.length ?? m.storedBytes ?? m.size])).entries()].sort(([a], [b]) => a.localeCompare(b));
  // A row of the file-per-message layout whose object was written again into a pack (its file was
  // gone) now points at the pack; a row with a pack keeps it.
  await db.query(
    `INSERT INTO raw_objects (sha256, size, pack, pack_offset)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[]) ORDER BY 1
     ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size, pack = EXCLUDED.pack, pack_offset = EXCLUDED.pack_offset
      WHERE raw_objects.pack IS NULL AND EXCLUDED.pack IS NOT NULL`,
    [raw.map(([s]) => s), raw.map(([, n]) => n), raw.map(([s]) => locations.get(s)?.pack ?? null), raw.map(([s]) => locations.get(s)?.offset ?? null)],
  );
  // One row per dedup key (the same mail twice in one batch is one message); the first wins.
  const keys = ms.map((m) => dedupKey(m.messageId, m.sha256));
  const first = new Map<string, FetchedMessage>();
  ms.forEach((m, i) => {
    const k = keys[i] as string;
    if (!first.has(k)) first.set(k, m);
  });
  const uniq = [...first.entries()].sort(([a], [b]) => a.localeCompare(b));
  const mailboxId = (ms[0] as FetchedMessage).mailboxId;
  // xmax = 0 tells a row this statement inserted from one the ON CONFLICT branch updated.
  const { rows } = await db.query<{ id: number; dedup_key: string; state: MessageState; inserted: boolean }>(
    `INSERT INTO messages (mailbox_id, dedup_key, sha256, message_id, internal_date, size, state, state_reason)
     SELECT $1, x.k, x.sha, x.mid, x.idate, x.size, x.state, x.reason
       FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::text[], $8::text[])
            AS x(k, sha, mid, idate, size, state, reason)
      ORDER BY x.k
     ON CONFLICT (mailbox_id, dedup_key) DO UPDATE SET mailbox_id = EXCLUDED.mailbox_id
     RETURNING id, dedup_key, state, (xmax = 0) AS inserted`,
    [mailboxId, uniq.map(([k]) => k), uniq.map(([, m]) => m.sha256), uniq.map(([, m]) => m.messageId), uniq.map(([, m]) => m.internalDate),
      uniq.map(([, m]) => m.size), uniq.map(([, m]) => m.state), uniq.map(([, m]) => m.stateReason)],
  );
  const byKey = new Map(rows.map((r) => [r.dedup_key, r]));
  await db.query(
    `INSERT INTO message_locations (mailbox_id, folder, uidvalidity, uid, message_id)
     SELECT $1, x.folder, x.uv, x.uid, x.mid FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS x(folder, uv, uid, mid)
     ON CONFLICT DO NOTHING`,
    [mailboxId, ms.map((m) => m.folder), ms.map((m) => m.uidvalidity), ms.map((m) => m.uid), keys.map((k) => byKey.get(k)?.id)],
  );
  const reported = new Set<string>();
  return keys.map((k) => {
    const r = byKey.get(k) as { id: number; state: MessageState; inserted: boolean };
    // A mail twice in one batch needs one analysis, not two, and is one new message.
    const firstInBatch = !reported.has(k);
    const needsAnalysis = firstInBatch && (r.state === 'pending' || r.state === 'failed');
    reported.add(k);
    return { id: r.id, needsAnalysis, created: firstInBatch && r.inserted };
  });
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

/** Locations of mail already held (found again under other UIDs), in one statement. */
export async function addLocations(db: Queryable, mailboxId: number, folder: string, uidvalidity: number, at: Array<{ uid: number; messageId: number }>): Promise<void> {
  if (at.length === 0) return;
  await db.query(
    `INSERT INTO message_locations (mailbox_id, folder, uidvalidity, uid, message_id)
     SELECT $1, $2, $3, x.uid, x.mid FROM unnest($4::bigint[], $5::bigint[]) AS x(uid, mid)
     ON CONFLICT DO NOTHING`,
    [mailboxId, folder, uidvalidity, at.map((a) => a.uid), at.map((a) => a.messageId)],
  );
}

/**
 * Marks locations whose UIDs the server reported expunged (moved or deleted there). The message
 * and every exchange it counted stay: a statistic never shrinks because mail was filed away.
 */
export async function markLocationsGone(db: Queryable, mailboxId: number, folder: string, uidvalidity: number, uids: number[]): Promise<number> {
  if (uids.length === 0) return 0;
  const r = await db.query(
    `UPDATE message_locations SET gone_at = now()
      WHERE mailbox_id = $1 AND folder = $2 AND uidvalidity = $3 AND uid = ANY($4::bigint[]) AND gone_at IS NULL`,
    [mailboxId, folder, uidvalidity, uids],
  );
  return r.rowCount ?? 0;
}

/** Messages left pending or failed (e.g. after Redis lost its jobs), for re-enqueueing. */
export async function unfinishedMessageIds(db: Queryable, mailboxId?: number, states: Array<'pending' | 'failed'> = ['pending', 'failed']): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM messages WHERE state = ANY($2::text[]) AND ($1::bigint IS NULL OR mailbox_id = $1) ORDER BY id`,
    [mailboxId ?? null, states],
  );
  return rows.map((r) => r.id);
}

/** What analyzing a stored message again needs: its raw object, dates and the mailbox's agency. */
export interface StoredMessage {
  id: number;
  sha256: string;
  internal_date: Date | null;
  fetched_at: Date;
  agency_code: string;
}

export async function findStoredMessage(db: Queryable, id: number): Promise<StoredMessage | null> {
  const { rows } = await db.query<StoredMessage>(
    `SELECT m.id, m.sha256, m.internal_date, m.fetched_at, b.agency_code FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
