// Queue names, job names, payloads and job ids: defined once here (DESIGN.md "The pipeline").
// BullMQ refuses all-digit custom ids and ids with ':', so ids are `mailbox-<id>` and `msg-<id>`.
import { Queue, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';

export const QUEUE_NAMES = ['sync', 'analyze', 'report'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface SyncPayload {
  mailboxId: number;
  /** A backfill: INTERNALDATE in [since, before), as YYYY-MM-DD days (IMAP SINCE/BEFORE). */
  since?: string;
  before?: string;
}
export interface AnalyzePayload {
  messageId: number;
}
export interface ReportPayload {
  period: string;
}

export const syncJobId = (mailboxId: number): string => `mailbox-${mailboxId}`;
export const backfillJobId = (mailboxId: number, since?: string, before?: string): string =>
  `backfill-${mailboxId}-${since ?? 'start'}-${before ?? 'end'}`;
export const analyzeJobId = (messageId: number): string => `msg-${messageId}`;

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  // Completed jobs are dropped at once: Postgres holds the outcome. Keeping the id around would
  // also block a later re-sync of the same mailbox (same job id).
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export function redisConnection(redisUrl: string): ConnectionOptions {
  const u = new URL(redisUrl);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // BullMQ workers block on Redis; ioredis must not give up on a command while they wait.
    maxRetriesPerRequest: null,
  };
}

export interface Queues {
  sync: Queue<SyncPayload>;
  analyze: Queue<AnalyzePayload>;
  report: Queue<ReportPayload>;
  close(): Promise<void>;
}

export function createQueues(redisUrl: string, prefix: string): Queues {
  const connection = redisConnection(redisUrl);
  const opts = { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS };
  const sync = new Queue<SyncPayload>('sync', opts);
  const analyze = new Queue<AnalyzePayload>('analyze', opts);
  const report = new Queue<ReportPayload>('report', opts);
  return {
    sync,
    analyze,
    report,
    async close() {
      await Promise.all([sync.close(), analyze.close(), report.close()]);
    },
  };
}

/**
 * Adds a job under a fixed id, once: a job still waiting or running under that id is returned as
 * it is; a finished or failed one left in Redis is removed first so the work runs again.
 */
export async function addOnce<T>(queue: Queue<T>, name: string, data: T, jobId: string): Promise<Job<T>> {
  const old = await queue.getJob(jobId);
  if (old) {
    const state = await old.getState();
    if (state === 'failed' || state === 'completed') await old.remove().catch(() => undefined);
    else return old;
  }
  return (await (queue as Queue).add(name, data, { jobId })) as Job<T>;
}
