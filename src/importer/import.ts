// `edocwatch import`: mail from exported archives (mbox, .eml folders, Maildir) into the same
// pipeline as synced mail. Each message is stored in the raw store, recorded as pending in
// batches (folder `import:<name>`, uidvalidity 0, uid = its 1-based position in that folder), and
// its analyze job enqueued; then analysis runs in this process until it drains, as in `sync`.
// Importing the same archive again adds nothing: its locations and Message-IDs are known.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { addLocations, dedupKey, knownMessageIds, recordFetchedBatch, unfinishedMessageIds, type FetchedMessage } from '../db/messages.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { drainAnalyze, startAnalyzeWorkers } from '../pipeline/sync-pass.js';
import { addManyOnce, analyzeJobId, type Queues } from '../queue/queues.js';
import { checkRedis } from '../queue/workers.js';
import type { Runtime } from '../runtime.js';
import { sha256Hex, type RawStore } from '../store/raw-store.js';
import { messageIdOf, readArchive, type ArchiveKind, type ArchivedMessage } from './sources.js';

export interface ImportDeps {
  pool: Pool;
  store: RawStore;
  queues: Pick<Queues, 'analyze'>;
  config: Config;
  log: Logger;
  onProgress?: (p: { path: string; read: number }) => void;
}

export interface ImportResult {
  path: string;
  kind: ArchiveKind;
  /** The folders recorded in message_locations, in order of first message. */
  folders: string[];
  read: number;
  /** Mails this mailbox did not hold yet (a mail twice in one archive is new once). */
  new: number;
  /** Mails it already held (by Message-ID, else by content hash): only their location is recorded. */
  known: number;
  overLimit: number;
}

/** The folder name an archive's messages are recorded under: `import:<name>`, `import:<name>/<Sub>` for a Maildir++ sub-folder. */
export function importFolder(archivePath: string, sub: string | null): string {
  const base = path.basename(path.resolve(archivePath));
  return sub ? `import:${base}/${sub}` : `import:${base}`;
}

/** A batch is recorded at this many messages, or earlier once it holds this many bytes. */
const BATCH_BYTES = 64 * 1024 * 1024;

interface Pending {
  msg: ArchivedMessage;
  folder: string;
  uid: number;
  sha: string;
  key: string;
  messageId: string | null;
}

/** Imports one archive into a mailbox (store, record, enqueue); analysis is left to the analyze workers. */
export async function importArchive(mailboxId: number, archivePath: string, kind: ArchiveKind, deps: ImportDeps): Promise<ImportResult> {
  const { config } = deps;
  const result: ImportResult = { path: archivePath, kind, folders: [], read: 0, new: 0, known: 0, overLimit: 0 };
  const uids = new Map<string, number>();
  const maxBatch = Math.max(1, config.sync.fetchBatch);
  let batch: Pending[] = [];
  let bytes = 0;
  for await (const msg of readArchive(archivePath, kind, { maxMessageBytes: config.sync.maxMessageBytes })) {
    const folder = importFolder(archivePath, msg.folder);
    const uid = (uids.get(folder) ?? 0) + 1;
    if (uid === 1) result.folders.push(folder);
    uids.set(folder, uid);
    const sha = sha256Hex(msg.raw);
    const messageId = messageIdOf(msg.raw);
    batch.push({ msg, folder, uid, sha, messageId, key: dedupKey(messageId, sha) });
    bytes += msg.raw.length;
    result.read++;
    if (batch.length >= maxBatch || bytes >= BATCH_BYTES) {
      await recordBatch(mailboxId, batch, result, deps);
      deps.onProgress?.({ path: archivePath, read: result.read });
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) await recordBatch(mailboxId, batch, result, deps);
  deps.onProgress?.({ path: archivePath, read: result.read });
  deps.log.info({ mailboxId, path: archivePath, kind, read: result.read, new: result.new, known: result.known }, 'archive imported');
  return result;
}

async function recordBatch(mailboxId: number, batch: Pending[], result: ImportResult, deps: ImportDeps): Promise<void> {
  const { pool, store, queues, config } = deps;
  // Mail this mailbox already holds (an earlier import, a sync, another folder): a new location
  // only, its bytes are not stored again, as sync does for a known Message-ID.
  const held = await knownMessageIds(pool, mailboxId, [...new Set(batch.map((b) => b.key))]);
  const fresh = batch.filter((b) => !held.has(b.key));
  const seen = new Set<string>();
  for (const b of batch) {
    if (held.has(b.key) || seen.has(b.key)) result.known++;
    else result.new++;
    seen.add(b.key);
  }
  // Raw bytes first (appended to this process's pack, fsync'd once), then the rows that point at
  // them and say where they are, in one transaction.
  const raw = store.batch();
  await Promise.all(fresh.map((b) => raw.put(b.msg.raw)));
  await raw.commit();
  const recorded = await withTransaction(pool, async (tx) => {
    const rows = await recordFetchedBatch(
      tx,
      fresh.map(
        (b): FetchedMessage => ({
          mailboxId,
          folder: b.folder,
          uidvalidity: 0,
          uid: b.uid,
          sha256: b.sha,
          size: b.msg.size,
          storedBytes: b.msg.raw.length,
          messageId: b.messageId,
          internalDate: b.msg.internalDate,
          state: b.msg.overLimit ? 'over_limit' : 'pending',
          stateReason: b.msg.overLimit ? `size ${b.msg.size} > max_message_bytes ${config.sync.maxMessageBytes}: headers only` : null,
        }),
      ),
      raw.locations,
    );
    // Locations of held mail, one statement per folder.
    for (const folder of new Set(batch.map((b) => b.folder))) {
      const at = batch.flatMap((b) => {
        const id = b.folder === folder ? held.get(b.key) : undefined;
        return id !== undefined ? [{ uid: b.uid, messageId: id }] : [];
      });
      await addLocations(tx, mailboxId, folder, 0, at);
    }
    return rows;
  });
  for (const b of fresh) if (b.msg.overLimit) result.overLimit++;
  const enqueue = recorded.filter((r) => r.needsAnalysis).map((r) => r.id);
  await addManyOnce(queues.analyze, 'analyze', enqueue.map((id) => ({ data: { messageId: id }, jobId: analyzeJobId(id) })));
}

export interface ImportRunOptions {
  analyzeConcurrency?: number;
  extraProcesses?: number;
  onProgress?: (p: { phase: 'import' | 'analyze'; done: number; total: number; path?: string }) => void;
}

/**
 * The whole `import` command after its checks: analyze workers in this process (and the usual
 * child processes), each archive in turn, then wait until the mailbox has nothing pending — the
 * same drain as `sync`. Messages of the mailbox left pending or failed are enqueued again first.
 */
export async function runImport(rt: Runtime, mailboxId: number, archives: Array<{ path: string; kind: ArchiveKind }>, opts: ImportRunOptions = {}): Promise<ImportResult[]> {
  await checkRedis(rt);
  const queues = rt.queues();
  const workers = startAnalyzeWorkers(rt, { analyzeConcurrency: opts.analyzeConcurrency, extraProcesses: opts.extraProcesses });
  try {
    const unfinished = await unfinishedMessageIds(rt.pool, mailboxId);
    await addManyOnce(queues.analyze, 'analyze', unfinished.map((id) => ({ data: { messageId: id }, jobId: analyzeJobId(id) })));
    const results: ImportResult[] = [];
    for (const a of archives) {
      results.push(
        await importArchive(mailboxId, a.path, a.kind, {
          pool: rt.pool,
          store: rt.store,
          queues,
          config: rt.config,
          log: rt.log,
          onProgress: (p) => opts.onProgress?.({ phase: 'import', done: p.read, total: p.read, path: p.path }),
        }),
      );
    }
    await drainAnalyze(rt, [mailboxId], (p) => opts.onProgress?.({ phase: 'analyze', done: p.done, total: p.total }));
    return results;
  } finally {
    await workers.close();
  }
}
