// The `sync` job: one pass over one mailbox. For each watched folder: check UIDVALIDITY, list the
// UIDs above the checkpoint (envelopes first), fetch the bodies not yet stored, write each raw
// message to the raw store, record it as pending in Postgres, enqueue its analyze job, and only
// then advance the checkpoint. Never changes the mailbox (EXAMINE, BODY.PEEK).
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { getCheckpoint, getMailbox, recordSyncOutcome, saveCheckpoint, type MailboxRow } from '../db/mailboxes.js';
import { addLocation, dedupKey, knownMessageIds, knownUids, recordFetchedBatch } from '../db/messages.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { EdocError, NotFoundError } from '../errors.js';
import { chooseFolders, connectImap, fetchHeaders, fetchSources, imapError, listNewMessages, type ImapSettings } from '../imap/client.js';
import { forgetAccessToken, mailboxCredentials } from '../oauth2/access-token.js';
import { analyzeJobId, type Queues } from '../queue/queues.js';
import type { RawStore } from '../store/raw-store.js';

export interface SyncDeps {
  pool: Pool;
  store: RawStore;
  queues: Pick<Queues, 'analyze'>;
  config: Config;
  log: Logger;
  onProgress?: (p: SyncProgress) => void;
}

export interface FolderResult {
  folder: string;
  uidvalidity: number;
  listed: number;
  fetched: number;
  stored: number;
  overLimit: number;
  rescanned: boolean;
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

export async function syncMailbox(mailboxId: number, deps: SyncDeps): Promise<SyncResult> {
  const { pool, config, log } = deps;
  const mb = await getMailbox(pool, mailboxId);
  if (!mb) throw new NotFoundError(`không có hộp thư / no mailbox with id ${mailboxId}`);
  if (!config.secretKey) throw new EdocError('E_SECRET_KEY', 'EDOCWATCH_SECRET_KEY is not set: cannot read mailbox credentials');

  // One sync at a time per mailbox across every process and host: the BullMQ job id already
  // serializes jobs; the advisory lock also covers a `sync` run beside long-running workers.
  const lockClient = await pool.connect();
  let client: ImapFlow | null = null;
  try {
    const { rows } = await lockClient.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [SYNC_LOCK_CLASS, mailboxId]);
    if (!rows[0]?.ok) {
      log.info({ mailboxId }, 'sync already running elsewhere for this mailbox; skipped');
      return { mailboxId, folders: [], newMessages: 0 };
    }
    const settings = await imapSettingsOf(mb, config, config.secretKey, pool);
    client = await connectImap(settings);
    const folders = chooseFolders(await client.list(), [...config.sync.folders, ...mb.folders]);
    const results: FolderResult[] = [];
    for (const f of folders) results.push(await syncFolder(client, mb, f.path, f.specialUse, deps));
    await recordSyncOutcome(pool, mailboxId, null);
    return { mailboxId, folders: results, newMessages: results.reduce((s, r) => s + r.stored, 0) };
  } catch (err) {
    const e = err instanceof EdocError ? err : imapError(err, { host: mb.host, port: mb.port, user: mb.username });
    await recordSyncOutcome(pool, mailboxId, e.message).catch(() => undefined);
    // An access token the server refused is not presented again: the next attempt refreshes.
    if (e.code === 'E_IMAP_AUTH' && mb.auth_kind === 'oauth2') await forgetAccessToken(pool, mailboxId, config.secretKey).catch(() => undefined);
    throw e;
  } finally {
    if (client) await client.logout().catch(() => client?.close());
    await lockClient.query('SELECT pg_advisory_unlock($1, $2)', [SYNC_LOCK_CLASS, mailboxId]).catch(() => undefined);
    lockClient.release();
  }
}

async function syncFolder(client: ImapFlow, mb: MailboxRow, folder: string, specialUse: string | null, deps: SyncDeps): Promise<FolderResult> {
  const { pool, store, queues, config, log } = deps;
  const box = await client.mailboxOpen(folder, { readOnly: true });
  const uidvalidity = Number(box.uidValidity);
  const highestModseq = box.highestModseq !== undefined ? Number(box.highestModseq) : null;
  const cp = await getCheckpoint(pool, mb.id, folder);
  // A new UIDVALIDITY means the UIDs we hold mean nothing now: scan the whole folder again and let
  // Message-ID and content hash keep every mail counted once.
  const rescanned = cp !== null && cp.uidvalidity !== uidvalidity;
  const after = cp && !rescanned ? cp.last_uid : 0;
  const result: FolderResult = { folder, uidvalidity, listed: 0, fetched: 0, stored: 0, overLimit: 0, rescanned };
  if (rescanned) log.warn({ mailboxId: mb.id, folder, old: cp?.uidvalidity, now: uidvalidity }, 'UIDVALIDITY changed: full re-scan');

  if (box.exists === 0) {
    await saveCheckpoint(pool, mb.id, folder, specialUse, uidvalidity, after, highestModseq);
    return result;
  }
  const metas = await listNewMessages(client, after);
  result.listed = metas.length;
  const batch = config.sync.fetchBatch;
  for (let i = 0; i < metas.length; i += batch) {
    const chunk = metas.slice(i, i + batch);
    const known = await knownUids(pool, mb.id, folder, uidvalidity, chunk.map((m) => m.uid));
    // Mail we already hold under another UID (re-scan, or the same mail in two folders): record the
    // new location without fetching the body again.
    const byKey = await knownMessageIds(
      pool,
      mb.id,
      chunk.filter((m) => m.messageId).map((m) => dedupKey(m.messageId, '')),
    );
    const toFetch: number[] = [];
    const overLimit: number[] = [];
    for (const m of chunk) {
      if (known.has(m.uid)) continue;
      const existing = m.messageId ? byKey.get(dedupKey(m.messageId, '')) : undefined;
      if (existing !== undefined) {
        await addLocation(pool, mb.id, folder, uidvalidity, m.uid, existing);
        continue;
      }
      if (m.size > config.sync.maxMessageBytes) overLimit.push(m.uid);
      else toFetch.push(m.uid);
    }
    const sources = await fetchSources(client, toFetch);
    const enqueue: number[] = [];
    const metaByUid = new Map(chunk.map((m) => [m.uid, m]));
    const stored: Array<{ uid: number; raw: Buffer; state: 'pending' | 'over_limit'; reason: string | null }> = [];
    for (const uid of toFetch) {
      const raw = sources.get(uid);
      // The server listed it but returned no body (expunged meanwhile): the next pass sees it or not.
      if (raw) stored.push({ uid, raw, state: 'pending', reason: null });
    }
    for (const uid of overLimit) {
      const headers = (await fetchHeaders(client, uid)) ?? Buffer.from('\r\n');
      const size = metaByUid.get(uid)?.size ?? 0;
      stored.push({ uid, raw: headers, state: 'over_limit', reason: `size ${size} > max_message_bytes ${config.sync.maxMessageBytes}: headers only` });
    }
    result.fetched += stored.length;
    // Raw bytes first (atomic files), then the rows that point at them, in one transaction.
    const shas = await Promise.all(stored.map((s) => store.put(s.raw)));
    const recorded = await withTransaction(pool, (tx) =>
      recordFetchedBatch(
        tx,
        stored.map((s, k) => {
          const meta = metaByUid.get(s.uid);
          return {
            mailboxId: mb.id,
            folder,
            uidvalidity,
            uid: s.uid,
            sha256: shas[k] as string,
            size: meta?.size ?? s.raw.length,
            storedBytes: s.raw.length,
            messageId: meta?.messageId ?? null,
            internalDate: meta?.internalDate ?? null,
            state: s.state,
            stateReason: s.reason,
          };
        }),
      ),
    );
    for (const [k, r] of recorded.entries()) {
      if (stored[k]?.state === 'over_limit') result.overLimit++;
      if (r.needsAnalysis) enqueue.push(r.id);
      result.stored++;
    }
    if (enqueue.length > 0)
      await queues.analyze.addBulk(enqueue.map((id) => ({ name: 'analyze', data: { messageId: id }, opts: { jobId: analyzeJobId(id) } })));
    const lastUid = (chunk[chunk.length - 1] as { uid: number }).uid;
    await saveCheckpoint(pool, mb.id, folder, specialUse, uidvalidity, lastUid, highestModseq);
    deps.onProgress?.({ mailboxId: mb.id, folder, done: Math.min(i + batch, metas.length), total: metas.length });
  }
  if (metas.length === 0) await saveCheckpoint(pool, mb.id, folder, specialUse, uidvalidity, after, highestModseq);
  return result;
}

