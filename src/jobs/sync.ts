// The `sync` job: one pass over one mailbox. For each watched folder: check UIDVALIDITY and (with
// CONDSTORE) HIGHESTMODSEQ, skip the folder when nothing changed, else SEARCH the UIDs above the
// checkpoint (or, for a backfill, in a date range), fetch their sizes, dates and Message-IDs batch by batch, fetch the
// bodies not yet stored (bounded by count and bytes; big messages streamed in chunks), write each
// raw message to the raw store, record the batch as pending in Postgres, enqueue the analyze jobs,
// and only then advance the checkpoint. Never changes the mailbox (EXAMINE, BODY.PEEK).
import { hostname } from 'node:os';
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { getCheckpoint, getMailbox, recordSyncOutcome, saveCheckpoint, type MailboxRow } from '../db/mailboxes.js';
import { addLocations, dedupKey, knownMessageIds, knownUids, markLocationsGone, recordFetchedBatch } from '../db/messages.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { EdocError, NotFoundError, ServiceError } from '../errors.js';
import {
  chooseFolders,
  connectImap,
  fetchHeaders,
  eachSource,
  fetchMetas,
  imapError,
  searchUids,
  streamSource,
  type ExpungeNotice,
  type ImapSettings,
  type MessageMeta,
} from '../imap/client.js';
import { Pacer } from './pacer.js';
import { forgetAccessToken, mailboxCredentials } from '../oauth2/access-token.js';
import { analyzeJobId, type Queues } from '../queue/queues.js';
import type { RawBatch, RawStore } from '../store/raw-store.js';

export interface SyncDeps {
  pool: Pool;
  store: RawStore;
  queues: Pick<Queues, 'analyze'>;
  config: Config;
  log: Logger;
  onProgress?: (p: SyncProgress) => void;
}

/** A backfill: only mail whose INTERNALDATE is in [since, before), checkpoints left alone. */
export interface BackfillRange {
  since?: Date;
  before?: Date;
}

export interface FolderResult {
  folder: string;
  uidvalidity: number;
  listed: number;
  fetched: number;
  stored: number;
  overLimit: number;
  rescanned: boolean;
  /** Nothing changed since the last pass (same UIDVALIDITY and HIGHESTMODSEQ, or no new UID): no listing. */
  unchanged: boolean;
  /** Locations the server reported expunged (QRESYNC VANISHED): moved or deleted there, still counted. */
  gone: number;
}

export interface SyncResult {
  mailboxId: number;
  folders: FolderResult[];
  newMessages: number;
}

export interface SyncProgress {
  mailboxId: number;
  folder: string;
  done: number;
  total: number;
}

/** Connection settings of a mailbox; for an OAuth2 mailbox this gets a valid access token (may refresh). */
export async function imapSettingsOf(mb: MailboxRow, config: Config, key: Buffer, pool: Pool): Promise<ImapSettings> {
  return {
    host: mb.host,
    port: mb.port,
    security: mb.security,
    user: mb.username,
    ...(await mailboxCredentials(pool, mb, key)),
    tlsInsecure: mb.tls_insecure,
    connectionTimeoutMs: config.sync.connectionTimeoutMs,
    greetingTimeoutMs: config.sync.greetingTimeoutMs,
    socketTimeoutMs: config.sync.socketTimeoutMs,
  };
}

const SYNC_LOCK_CLASS = 0x6564_6f63; // "edoc": advisory-lock namespace for per-mailbox sync
const BACKFILL_LOCK_WAIT_MS = 10 * 60_000;

const WORKER = `${hostname()}:${process.pid}`;

/** A run begins, under the mailbox's lock, on the lock's own session. */
async function startRun(db: Pick<Pool, 'query'>, mailboxId: number, kind: 'sync' | 'backfill'): Promise<number> {
  const { rows } = await db.query<{ id: number }>('INSERT INTO sync_runs (mailbox_id, kind, worker) VALUES ($1, $2, $3) RETURNING id', [mailboxId, kind, WORKER]);
  return (rows[0] as { id: number }).id;
}

/** A run ends before the lock is let go; the mailbox's runs older than 30 days go. */
async function finishRun(db: Pick<Pool, 'query'>, runId: number, mailboxId: number, newMessages: number | null, error: string | null): Promise<void> {
  await db.query('UPDATE sync_runs SET finished_at = clock_timestamp(), new_messages = $2, error = $3 WHERE id = $1', [runId, newMessages, error]);
  await db.query(`DELETE FROM sync_runs WHERE mailbox_id = $1 AND started_at < now() - interval '30 days'`, [mailboxId]);
}

/**
 * The per-mailbox sync lock. A scheduled pass skips a mailbox that is busy (the next poll comes
 * soon); a backfill, asked for by a person, waits for the running pass to end.
 */
async function takeSyncLock(db: Pick<Pool, 'query'>, mailboxId: number, wait: boolean): Promise<boolean> {
  const deadline = Date.now() + (wait ? BACKFILL_LOCK_WAIT_MS : 0);
  for (;;) {
    const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [SYNC_LOCK_CLASS, mailboxId]);
    if (rows[0]?.ok) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function syncMailbox(mailboxId: number, deps: SyncDeps, backfill?: BackfillRange): Promise<SyncResult> {
  const { pool, config, log } = deps;
  const mb = await getMailbox(pool, mailboxId);
  if (!mb) throw new NotFoundError(`không có hộp thư / no mailbox with id ${mailboxId}`);
  if (!config.secretKey) throw new EdocError('E_SECRET_KEY', 'EDOCWATCH_SECRET_KEY is not set: cannot read mailbox credentials');

  // One sync at a time per mailbox across every process and host: the BullMQ job id already
  // serializes jobs; the advisory lock also covers a `sync` run beside long-running workers.
  const lockClient = await pool.connect();
  // The lock lives in this session: if Postgres ends it (a restart), the lock is gone with it and
  // the sync must stop before its next batch rather than go on unprotected.
  let lockLost: Error | null = null;
  const onLockError = (err: Error) => {
    lockLost = err;
  };
  lockClient.on('error', onLockError);
  let client: ImapFlow | null = null;
  let runId: number | null = null;
  try {
    if (!(await takeSyncLock(lockClient, mailboxId, backfill !== undefined))) {
      log.info({ mailboxId }, 'sync already running elsewhere for this mailbox; skipped');
      return { mailboxId, folders: [], newMessages: 0 };
    }
    runId = await startRun(lockClient, mailboxId, backfill ? 'backfill' : 'sync');
    const settings = await imapSettingsOf(mb, config, config.secretKey, pool);
    const expunged: ExpungeNotice[] = [];
    client = await connectImap(settings, { onExpunge: (n) => expunged.push(n) });
    const folders = chooseFolders(await client.list(), [...config.sync.folders, ...mb.folders]);
    const pacer = new Pacer(mb.max_messages_per_second ?? config.sync.maxMessagesPerSecond);
    const results: FolderResult[] = [];
    for (const f of folders) {
      expunged.length = 0;
      results.push(await syncFolder(client, mb, f.path, f.specialUse, { ...deps, pacer, expunged, backfill, lockHeld: () => lockLost === null }));
    }
    await recordSyncOutcome(pool, mailboxId, null);
    const newMessages = results.reduce((s, r) => s + r.stored, 0);
    await finishRun(lockClient, runId, mailboxId, newMessages, null);
    return { mailboxId, folders: results, newMessages };
  } catch (err) {
    const e = err instanceof EdocError ? err : imapError(err, { host: mb.host, port: mb.port, user: mb.username });
    await recordSyncOutcome(pool, mailboxId, e.message).catch(() => undefined);
    if (runId !== null) await finishRun(lockClient, runId, mailboxId, null, e.message).catch(() => undefined);
    // An access token the server refused is not presented again: the next attempt refreshes.
    if (e.code === 'E_IMAP_AUTH' && mb.auth_kind === 'oauth2') await forgetAccessToken(pool, mailboxId, config.secretKey).catch(() => undefined);
    throw e;
  } finally {
    if (client) await client.logout().catch(() => client?.close());
    if (lockLost === null) await lockClient.query('SELECT pg_advisory_unlock($1, $2)', [SYNC_LOCK_CLASS, mailboxId]).catch(() => undefined);
    lockClient.off('error', onLockError);
    // A session that lost its server is not given back to the pool.
    lockClient.release(lockLost ?? undefined);
  }
}

interface FolderDeps extends SyncDeps {
  pacer: Pacer;
  /** Filled by the connection while the folder is opened (QRESYNC VANISHED). */
  expunged: ExpungeNotice[];
  backfill: BackfillRange | undefined;
  /** False once the session holding the mailbox's advisory lock has died. */
  lockHeld: () => boolean;
}

interface StoredRaw {
  uid: number;
  sha256: string;
  storedBytes: number;
  state: 'pending' | 'over_limit';
  reason: string | null;
}

async function syncFolder(client: ImapFlow, mb: MailboxRow, folder: string, specialUse: string | null, deps: FolderDeps): Promise<FolderResult> {
  const { pool, log, backfill } = deps;
  const cp = await getCheckpoint(pool, mb.id, folder);
  // With QRESYNC, EXAMINE with what we knew reports the UIDs expunged since (VANISHED (EARLIER)).
  const qresync = cp?.highest_modseq ? { uidValidity: cp.uidvalidity, changedSince: cp.highest_modseq } : {};
  const box = await client.mailboxOpen(folder, { readOnly: true, ...qresync });
  const uidvalidity = Number(box.uidValidity);
  const modseq = box.highestModseq !== undefined && !box.noModseq ? box.highestModseq.toString() : null;
  // A new UIDVALIDITY means the UIDs we hold mean nothing now: scan the whole folder again and let
  // Message-ID and content hash keep every mail counted once.
  const rescanned = cp !== null && cp.uidvalidity !== uidvalidity;
  const after = cp && !rescanned ? cp.last_uid : 0;
  const result: FolderResult = { folder, uidvalidity, listed: 0, fetched: 0, stored: 0, overLimit: 0, rescanned, unchanged: false, gone: 0 };
  if (rescanned) log.warn({ mailboxId: mb.id, folder, old: cp?.uidvalidity, now: uidvalidity }, 'UIDVALIDITY changed: full re-scan');

  if (!rescanned && cp) {
    const gone = deps.expunged.filter((n) => n.path === folder && n.uid !== undefined).map((n) => n.uid as number);
    result.gone = await markLocationsGone(pool, mb.id, folder, uidvalidity, gone);
    if (result.gone > 0) log.info({ mailboxId: mb.id, folder, gone: result.gone }, 'messages moved or deleted on the server; their exchanges stay counted');
  }
  if (backfill) return backfillFolder(client, mb, folder, uidvalidity, result, deps);

  // Nothing new: the same HIGHESTMODSEQ (CONDSTORE), or no UID above the checkpoint (UIDNEXT).
  const sameModseq = !rescanned && cp !== null && modseq !== null && cp.highest_modseq === modseq;
  const noNewUid = !rescanned && cp !== null && box.uidNext !== undefined && box.uidNext <= cp.last_uid + 1;
  if (box.exists === 0 || sameModseq || noNewUid) {
    result.unchanged = box.exists !== 0;
    await saveCheckpoint(pool, mb.id, folder, specialUse, uidvalidity, after, modseq);
    return result;
  }
  const uids = await searchUids(client, { afterUid: after });
  result.listed = uids.length;
  await fetchUids(client, mb, folder, uidvalidity, uids, result, deps, async (lastUid) =>
    saveCheckpoint(pool, mb.id, folder, specialUse, uidvalidity, lastUid, null),
  );
  // The mod-sequence is saved only once the whole folder is through: an interrupted pass must not
  // look "unchanged" to the next one.
  await saveCheckpoint(pool, mb.id, folder, specialUse, uidvalidity, uids.length > 0 ? (uids[uids.length - 1] as number) : after, modseq);
  return result;
}

/** A date-range backfill of one folder: the same fetch path, and no checkpoint moved. */
async function backfillFolder(client: ImapFlow, mb: MailboxRow, folder: string, uidvalidity: number, result: FolderResult, deps: FolderDeps): Promise<FolderResult> {
  const { since, before } = deps.backfill ?? {};
  const uids = await searchUids(client, { afterUid: 0, since, before });
  result.listed = uids.length;
  await fetchUids(client, mb, folder, uidvalidity, uids, result, deps, async () => undefined);
  return result;
}

/**
 * Fetches and records the given UIDs in batches of `fetch_batch`: sizes, dates and Message-IDs first, then the bodies
 * of mail not already held, appended to the raw store's pack; then the batch is committed — the
 * pack fsync'd (one fsync per batch), rows recorded in Postgres, analyze jobs queued, and only
 * then `advance` moves the checkpoint. Batch k's commit runs while batch k+1 is fetched (the
 * disk, the IMAP connection and Postgres/Redis work side by side); commits stay in order, one at a time.
 * Re-running after an interruption skips what was recorded.
 */
async function fetchUids(
  client: ImapFlow,
  mb: MailboxRow,
  folder: string,
  uidvalidity: number,
  uids: number[],
  result: FolderResult,
  deps: FolderDeps,
  advance: (lastUid: number) => Promise<void>,
): Promise<void> {
  const batch = deps.config.sync.fetchBatch;
  const lockCheck = () => {
    if (!deps.lockHeld())
      throw new ServiceError('E_DB_UNREACHABLE', 'mất khóa đồng bộ / lost the mailbox sync lock (the database connection ended); the job will be retried');
  };
  let committing: Promise<void> | null = null;
  const settle = async (): Promise<void> => {
    const c = committing;
    committing = null;
    if (c) await c;
  };
  try {
    for (let i = 0; i < uids.length; i += batch) {
      lockCheck();
      const chunkUids = uids.slice(i, i + batch);
      const fetched = await fetchBatch(client, mb, folder, uidvalidity, chunkUids, deps);
      await settle();
      lockCheck();
      const done = Math.min(i + batch, uids.length);
      const c: Promise<void> = commitBatch(mb, folder, uidvalidity, fetched, result, deps).then(async () => {
        await advance(chunkUids[chunkUids.length - 1] as number);
        deps.onProgress?.({ mailboxId: mb.id, folder, done, total: uids.length });
      });
      // Handled when awaited (settle); until then a failure must not count as unhandled.
      c.catch(() => undefined);
      committing = c;
    }
    await settle();
  } catch (err) {
    // A batch already fetched is still committed when it can be; the first error is the one thrown.
    const c = committing as Promise<void> | null;
    if (c) await c.catch(() => undefined);
    throw err;
  }
}

interface FetchedBatch {
  metas: MessageMeta[];
  /** Mail already held under another UID: only its new location is recorded. */
  located: Array<{ uid: number; messageId: number }>;
  /** Raw objects written (durable once commitBatch has fsync'd `raw`). */
  stored: StoredRaw[];
  /** The batch's raw writes, settled but not yet durable: commitBatch fsyncs them first. */
  raw: RawBatch;
}

/** One batch's IMAP work: sizes, dates and Message-IDs, then the bodies not already held, written to the raw store. */
async function fetchBatch(client: ImapFlow, mb: MailboxRow, folder: string, uidvalidity: number, chunkUids: number[], deps: FolderDeps): Promise<FetchedBatch> {
  const { pool, config } = deps;
  const known = await knownUids(pool, mb.id, folder, uidvalidity, chunkUids);
  const metas = await fetchMetas(
    client,
    chunkUids.filter((u) => !known.has(u)),
  );
  // Mail we already hold under another UID (re-scan, or the same mail in two folders): record the
  // new location without fetching the body again.
  const byKey = await knownMessageIds(
    pool,
    mb.id,
    metas.filter((m) => m.messageId).map((m) => dedupKey(m.messageId, '')),
  );
  const located: FetchedBatch['located'] = [];
  const toFetch: MessageMeta[] = [];
  const overLimit: MessageMeta[] = [];
  for (const m of metas) {
    const existing = m.messageId ? byKey.get(dedupKey(m.messageId, '')) : undefined;
    if (existing !== undefined) located.push({ uid: m.uid, messageId: existing });
    else if (m.size > config.sync.maxMessageBytes) overLimit.push(m);
    else toFetch.push(m);
  }
  await deps.pacer.take(toFetch.length + overLimit.length);
  const raw = deps.store.batch();
  const stored = await fetchAndStore(client, toFetch, raw, config);
  for (const m of overLimit) {
    const headers = (await fetchHeaders(client, m.uid)) ?? Buffer.from('\r\n');
    const sha256 = await raw.put(headers);
    stored.push({ uid: m.uid, sha256, storedBytes: headers.length, state: 'over_limit', reason: `size ${m.size} > max_message_bytes ${config.sync.maxMessageBytes}: headers only` });
  }
  // Made durable (fsync'd) by commitBatch, while the next batch is fetched: nothing points at
  // these bytes before that.
  return { metas, located, stored, raw };
}

/** One batch's records: locations and fetched messages in one transaction, then their analyze jobs. */
async function commitBatch(mb: MailboxRow, folder: string, uidvalidity: number, b: FetchedBatch, result: FolderResult, deps: FolderDeps): Promise<void> {
  const { pool, queues } = deps;
  const { stored } = b;
  // The batch's pack bytes fsync'd (and a new pack's directory) before any row points at them.
  await b.raw.commit();
  result.fetched += stored.length;
  const metaByUid = new Map(b.metas.map((m) => [m.uid, m]));
  const recorded = await withTransaction(pool, async (tx) => {
    await addLocations(tx, mb.id, folder, uidvalidity, b.located);
    return recordFetchedBatch(
      tx,
      stored.map((s) => {
        const meta = metaByUid.get(s.uid);
        return {
          mailboxId: mb.id,
          folder,
          uidvalidity,
          uid: s.uid,
          sha256: s.sha256,
          size: meta?.size ?? s.storedBytes,
          storedBytes: s.storedBytes,
          messageId: meta?.messageId ?? null,
          internalDate: meta?.internalDate ?? null,
          state: s.state,
          stateReason: s.reason,
        };
      }),
      b.raw.locations,
    );
  });
  const enqueue: number[] = [];
  for (const [k, r] of recorded.entries()) {
    if (stored[k]?.state === 'over_limit') result.overLimit++;
    if (r.needsAnalysis) enqueue.push(r.id);
    if (r.created) result.stored++;
  }
  if (enqueue.length > 0)
    await queues.analyze.addBulk(enqueue.map((id) => ({ name: 'analyze', data: { messageId: id }, opts: { jobId: analyzeJobId(id) } })));
}

/**
 * Bodies to the raw store with bounded memory: small messages in FETCHes of at most
 * `fetch_batch_bytes`, each message written as soon as it arrives (its write overlaps the rest of
 * the FETCH); messages above `stream_above_bytes` streamed one at a time in chunks, never whole in
 * memory. Durable only once the caller commits `raw`.
 */
async function fetchAndStore(client: ImapFlow, metas: MessageMeta[], raw: RawBatch, config: Config): Promise<StoredRaw[]> {
  const out: StoredRaw[] = [];
  const small = metas.filter((m) => m.size <= config.sync.streamAboveBytes);
  const large = metas.filter((m) => m.size > config.sync.streamAboveBytes);
  for (const group of byBytes(small, config.sync.fetchBatchBytes)) {
    const writes = new Map<number, Promise<{ sha256: string; bytes: number }>>();
    let fetchError: unknown = null;
    try {
      await eachSource(
        client,
        group.map((m) => m.uid),
        (uid, source) => {
          const w = raw.put(source).then((sha256) => ({ sha256, bytes: source.length }));
          w.catch(() => undefined);
          writes.set(uid, w);
        },
      );
    } catch (err) {
      fetchError = err;
    }
    // Every write started settles before this returns or throws.
    const settled = await Promise.allSettled(writes.values());
    if (fetchError !== null) throw fetchError;
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // The server listed it but returned no body (expunged meanwhile): the next pass sees it or not.
    for (const m of group) {
      const w = writes.get(m.uid);
      if (!w) continue;
      const { sha256, bytes } = await w;
      out.push({ uid: m.uid, sha256, storedBytes: bytes, state: 'pending', reason: null });
    }
  }
  for (const m of large) {
    const content = await streamSource(client, m.uid);
    if (!content) continue;
    const { sha256, bytes } = await raw.putStream(content);
    out.push({ uid: m.uid, sha256, storedBytes: bytes, state: 'pending', reason: null });
  }
  return out;
}

/** Groups messages in order so that each group's sizes sum to at most `maxBytes` (a bigger one alone). Pure. */
export function byBytes<T extends { size: number }>(items: T[], maxBytes: number): T[][] {
  const groups: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    if (cur.length > 0 && bytes + it.size > maxBytes) {
      groups.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += it.size;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}
