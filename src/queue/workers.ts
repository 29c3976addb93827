// BullMQ workers: each queue's job names mapped to their processors once; an unknown job name fails
// loudly. Processors are the (payload, deps) functions of src/jobs.
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { EdocError, ServiceError } from '../errors.js';
import { redactUrl } from '../logger.js';
import { syncMailbox } from '../jobs/sync.js';
import type { Runtime } from '../runtime.js';
import { redisClient, redisConnection, type AnalyzePayload, type QueueName, type ReportPayload, type SyncPayload } from './queues.js';

/** A backfill job's days as dates (IMAP compares the date part only). */
function backfillRange(p: SyncPayload): { since?: Date; before?: Date } {
  return {
    since: p.since !== undefined ? new Date(`${p.since}T00:00:00Z`) : undefined,
    before: p.before !== undefined ? new Date(`${p.before}T00:00:00Z`) : undefined,
  };
}

/** Sync failures that waiting cannot cure. */
const NO_RETRY = new Set(['E_IMAP_AUTH', 'E_IMAP_OAUTH', 'E_SECRET_KEY', 'E_NOT_FOUND', 'E_IMAP_TLS']);

export interface WorkerSet {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(rt: Runtime, names: readonly QueueName[], opts: { analyzeConcurrency?: number } = {}): WorkerSet {
  const redis = redisConnection(rt.config);
  const common = {
    connection: redis.connection,
    prefix: rt.config.queuePrefix,
    autorun: true,
    lockDuration: rt.config.queueLockMs,
    stalledInterval: rt.config.queueStalledIntervalMs,
  };
  const workers: Worker[] = [];
  if (names.includes('sync')) {
    workers.push(
      new Worker<SyncPayload>(
        'sync',
        async (job: Job<SyncPayload>) => {
          try {
            const res = await syncMailbox(job.data.mailboxId, {
              pool: rt.pool,
              store: rt.store,
              queues: rt.queues(),
              config: rt.config,
              log: rt.log,
              onProgress: (p) => void job.updateProgress({ folder: p.folder, done: p.done, total: p.total }).catch(() => undefined),
            }, job.data.since !== undefined || job.data.before !== undefined ? backfillRange(job.data) : undefined);
            return { newMessages: res.newMessages, folders: res.folders.map((f) => ({ folder: f.folder, stored: f.stored })) };
          } catch (err) {
            // Retrying a refused password only locks the account on strict servers; a missing
            // mailbox or key will not appear by waiting. Other failures (network, timeouts) retry.
            if (err instanceof EdocError && NO_RETRY.has(err.code)) throw new UnrecoverableError(err.message);
            throw err;
          }
        },
        // Several mailboxes at once; each mailbox is one job id, so never twice at once.
        { ...common, concurrency: 4 },
      ),
    );
  }
  if (names.includes('analyze')) {
    const w = new Worker<AnalyzePayload>(
      'analyze',
      async (job: Job<AnalyzePayload>) => {
        // Loaded on the first job: a sync-only process never loads the attachment readers.
        const { analyzeStoredMessage } = await import('../jobs/analyze.js');
        const outcome = await analyzeStoredMessage(job.data.messageId, {
          pool: rt.pool,
          store: rt.store,
          config: rt.config,
          log: rt.log,
          directory: rt.directory,
        });
        return { outcome };
      },
      { ...common, concurrency: opts.analyzeConcurrency ?? rt.config.analyze.concurrency },
    );
    w.on('failed', (job, err) => {
      if (!job) return;
      rt.log.warn({ messageId: job.data.messageId, attempt: job.attemptsMade, err: err.message }, 'analyze failed');
      if (job.attemptsMade >= (job.opts.attempts ?? 1))
        void import('../jobs/analyze.js').then(({ markFailed }) => markFailed(rt.pool, job.data.messageId, err.message)).catch(() => undefined);
    });
    workers.push(w);
  }
  if (names.includes('report')) {
    workers.push(
      new Worker<ReportPayload>(
        'report',
        async (job: Job<ReportPayload>) => {
          const { runReportJob } = await import('../report/schedule.js');
          const results = await runReportJob(rt, job);
          return { sent: results.filter((r) => r.status === 'sent').length, skipped: results.filter((r) => r.status !== 'sent').length };
        },
        // One report at a time: they share the SMTP server and are few.
        { ...common, concurrency: 1 },
      ),
    );
  }
  for (const w of workers) {
    w.on('error', (err) => rt.log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await redis.close();
    },
  };
}

/** Fails fast with one clear line when Redis is not reachable. */
export async function checkRedis(rt: Runtime): Promise<void> {
  // A throwaway client that gives up at once: BullMQ's own connections retry forever by design.
  const probe = redisClient(rt.config, { failFast: true });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new ServiceError('E_REDIS_UNREACHABLE', `không kết nối được Redis / cannot reach Redis at ${redactUrl(rt.config.redisUrl)}: ${(err as Error).message}`);
  } finally {
    probe.disconnect();
  }
}
