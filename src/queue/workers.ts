// BullMQ workers: each queue's job names mapped to their processors once; an unknown job name fails
// loudly. Processors are the (payload, deps) functions of src/jobs.
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { EdocError, ServiceError } from '../errors.js';
import { redactUrl } from '../logger.js';
import { analyzeStoredMessage, markFailed } from '../jobs/analyze.js';
import { syncMailbox } from '../jobs/sync.js';
import type { Runtime } from '../runtime.js';
import { redisConnection, type AnalyzePayload, type QueueName, type SyncPayload } from './queues.js';

/** Sync failures that waiting cannot cure. */
const NO_RETRY = new Set(['E_IMAP_AUTH', 'E_IMAP_OAUTH', 'E_SECRET_KEY', 'E_NOT_FOUND', 'E_IMAP_TLS']);

export interface WorkerSet {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(rt: Runtime, names: readonly QueueName[], opts: { analyzeConcurrency?: number } = {}): WorkerSet {
  const connection = redisConnection(rt.config.redisUrl);
  const common = {
    connection,
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
            });
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
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) void markFailed(rt.pool, job.data.messageId, err.message).catch(() => undefined);
    });
    workers.push(w);
  }
  for (const w of workers) {
    w.on('error', (err) => rt.log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

/** Fails fast with one clear line when Redis is not reachable. */
export async function checkRedis(rt: Runtime): Promise<void> {
  // A throwaway client that gives up at once: BullMQ's own connections retry forever by design.
  const probe = new Redis(rt.config.redisUrl, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
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
