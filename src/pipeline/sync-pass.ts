// One pass of the pipeline over some mailboxes, in this process: sync jobs through the `sync` queue,
// analysis through the `analyze` queue, until both drain. Used by `edocwatch sync` and the demo.
// Before syncing it re-enqueues messages left pending or failed, so losing Redis loses nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { QueueEvents, type Job } from 'bullmq';
import type { Config } from '../config/config.js';
import { repoRoot } from '../config/paths.js';
import { listMailboxes } from '../db/mailboxes.js';
import { databaseError } from '../db/pool.js';
import { unfinishedMessageIds } from '../db/messages.js';
import { NotFoundError } from '../errors.js';
import { addManyOnce, addOnce, analyzeJobId, backfillJobId, redisConnection, syncJobId, type SyncPayload } from '../queue/queues.js';
import { checkRedis, startWorkers } from '../queue/workers.js';
import type { Runtime } from '../runtime.js';

export interface MailboxPassResult {
  mailboxId: number;
  agency: string;
  user: string;
  ok: boolean;
  newMessages: number;
  error: string | null;
}

export interface PassProgress {
  /** sync: mailboxes done; fetch: messages of one folder fetched (from the job's progress); analyze: messages analyzed. */
  phase: 'sync' | 'fetch' | 'analyze';
  done: number;
  total: number;
  folder?: string;
  mailboxId?: number;
}

export interface PassOptions {
  mailboxId?: number;
  analyzeConcurrency?: number;
  /** Extra analyze worker processes (default: the configured analyze.extra_processes). */
  extraProcesses?: number;
  /** false: sync only; the fetched messages stay pending for the analyze workers (default true). */
  analyze?: boolean;
  /** A backfill of INTERNALDATE days [since, before) (YYYY-MM-DD) instead of the incremental pass. */
  backfill?: { since?: string; before?: string };
  onProgress?: (p: PassProgress) => void;
}

export async function runSyncPass(rt: Runtime, opts: PassOptions = {}): Promise<MailboxPassResult[]> {
  await checkRedis(rt);
  const all = await listMailboxes(rt.pool, { enabledOnly: opts.mailboxId === undefined });
  const mailboxes = opts.mailboxId === undefined ? all : all.filter((m) => m.id === opts.mailboxId);
  if (opts.mailboxId !== undefined && mailboxes.length === 0) throw new NotFoundError(`không có hộp thư / no mailbox with id ${opts.mailboxId}`);
  const queues = rt.queues();
  const analyze = opts.analyze !== false;
  const workers = startWorkers(rt, analyze ? ['sync', 'analyze'] : ['sync'], { analyzeConcurrency: opts.analyzeConcurrency });
  const helpers = analyze ? startAnalyzeProcesses(rt.config, opts.extraProcesses ?? rt.config.analyze.extraProcesses) : [];
  const eventsRedis = redisConnection(rt.config);
  const events = new QueueEvents('sync', { connection: eventsRedis.connection, prefix: rt.config.queuePrefix });
  try {
    await events.waitUntilReady();
    for (const mb of mailboxes) {
      const ids = await unfinishedMessageIds(rt.pool, mb.id);
      await addManyOnce(queues.analyze, 'analyze', ids.map((id) => ({ data: { messageId: id }, jobId: analyzeJobId(id) })));
    }
    const bf = opts.backfill;
    const jobs = await Promise.all(
      mailboxes.map((mb) =>
        bf
          ? addOnce<SyncPayload>(queues.sync, 'backfill', { mailboxId: mb.id, ...bf }, backfillJobId(mb.id, bf.since, bf.before))
          : addOnce<SyncPayload>(queues.sync, 'sync', { mailboxId: mb.id }, syncJobId(mb.id)),
      ),
    );
    const jobMailbox = new Map(jobs.map((j, i) => [j.id, mailboxes[i]?.id]));
    events.on('progress', ({ jobId, data }) => {
      const d = data as { folder?: string; done?: number; total?: number } | undefined;
      if (!jobMailbox.has(jobId) || typeof d?.done !== 'number' || typeof d.total !== 'number') return;
      opts.onProgress?.({ phase: 'fetch', done: d.done, total: d.total, folder: d.folder, mailboxId: jobMailbox.get(jobId) });
    });
    let done = 0;
    const results = await Promise.all(
      mailboxes.map(async (mb, i): Promise<MailboxPassResult> => {
        const base = { mailboxId: mb.id, agency: mb.agency_code, user: mb.username };
        try {
          const r = (await (jobs[i] as Job).waitUntilFinished(events)) as { newMessages: number };
          return { ...base, ok: true, newMessages: r?.newMessages ?? 0, error: null };
        } catch (err) {
          return { ...base, ok: false, newMessages: 0, error: (err as Error).message };
        } finally {
          opts.onProgress?.({ phase: 'sync', done: ++done, total: mailboxes.length });
        }
      }),
    );
    if (analyze) await drainAnalyze(rt, mailboxes.map((m) => m.id), opts.onProgress);
    return results;
  } finally {
    await events.close();
    await eventsRedis.close();
    await workers.close();
    await stopProcesses(helpers);
  }
}

/**
 * Analysis is CPU-bound (MIME parsing, PDF reading) and one Node process uses one core: `sync`
 * starts `edocwatch worker --queues analyze` children on the same queues. They get the settings of
 * this run through the environment — but not the secret key, which analysis never needs.
 */
function startAnalyzeProcesses(config: Config, n: number): ChildProcess[] {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    REDIS_CLUSTER: config.redisCluster.join(','),
    RAW_STORE: config.rawStore,
    EDOCWATCH_QUEUE_PREFIX: config.queuePrefix,
    EDOCWATCH_ANALYZE_CONCURRENCY: String(config.analyze.concurrency),
    EDOCWATCH_TRUST_ANCHORS: config.analyze.trustAnchorPaths.join(','),
    LOG_LEVEL: config.logLevel,
  };
  delete env.EDOCWATCH_SECRET_KEY;
  const bin = path.join(repoRoot(), 'bin', 'edocwatch.js');
  return Array.from({ length: n }, () => spawn(process.execPath, [bin, 'worker', '--queues', 'analyze'], { env, stdio: ['ignore', 'ignore', 'ignore'] }));
}

async function stopProcesses(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          // SIGTERM lets a worker finish the job in hand; a stuck one is killed after 30 s.
          const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * Analyze workers as `sync` runs them, for other one-pass commands (`import`): in this process plus
 * the extra child processes; close() stops both.
 */
export function startAnalyzeWorkers(rt: Runtime, opts: Pick<PassOptions, 'analyzeConcurrency' | 'extraProcesses'> = {}): { close(): Promise<void> } {
  const workers = startWorkers(rt, ['analyze'], { analyzeConcurrency: opts.analyzeConcurrency });
  const helpers = startAnalyzeProcesses(rt.config, opts.extraProcesses ?? rt.config.analyze.extraProcesses);
  return {
    async close() {
      await workers.close();
      await stopProcesses(helpers);
    },
  };
}

/** Waits until no analyze job is queued or running and no message of these mailboxes is pending. */
export async function drainAnalyze(rt: Runtime, mailboxIds: number[], onProgress: PassOptions['onProgress']): Promise<void> {
  const q = rt.queues().analyze;
  let total = -1;
  for (;;) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    const queued = Object.values(c).reduce((a, b) => a + b, 0);
    const { rows } = await rt.pool
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE state = 'pending' AND mailbox_id = ANY($1::bigint[])`, [mailboxIds])
      .catch((err: unknown) => {
        throw databaseError(err, rt.config.databaseUrl);
      });
    const pending = rows[0]?.n ?? 0;
    if (total < pending) total = pending;
    onProgress?.({ phase: 'analyze', done: total - pending, total });
    if (queued === 0 && pending === 0) return;
    if (queued === 0 && pending > 0) {
      // Pending rows with no job (Redis lost them, or a crash between commit and enqueue): enqueue again.
      const ids = await unfinishedMessageIds(rt.pool);
      await addManyOnce(q, 'analyze', ids.map((id) => ({ data: { messageId: id }, jobId: analyzeJobId(id) })));
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
