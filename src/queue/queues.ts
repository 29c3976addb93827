// Queue names, job names, payloads and job ids: defined once here (DESIGN.md "The pipeline").
// BullMQ refuses all-digit custom ids and ids with ':', so ids are `mailbox-<id>` and `msg-<id>`.
import { Queue, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import { Cluster, Redis } from 'ioredis';

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
  /** Which schedule fired: the report is on the quarter or year that just ended. */
  kind: 'quarter' | 'year';
  /** A period given explicitly, instead of the one the firing time implies. */
  period?: string;
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

export interface RedisTarget {
  redisUrl: string;
  /** Seed nodes of a Redis Cluster; empty for a single Redis. */
  redisCluster: string[];
}

/** A connection for BullMQ: plain options (BullMQ opens and closes its own), or a cluster client we close. */
export interface RedisHandle {
  connection: ConnectionOptions;
  close(): Promise<void>;
}

function urlOptions(redisUrl: string) {
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

/** "host:port" → ioredis cluster node. Pure. */
export function clusterNode(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)) };
}

/**
 * Connects BullMQ to the single Redis of `redisUrl`, or to a Redis Cluster seeded by
 * `redisCluster` (every queue key carries the prefix's hash tag, so a queue lives on one slot).
 */
export function redisConnection(t: RedisTarget): RedisHandle {
  const base = urlOptions(t.redisUrl);
  if (t.redisCluster.length === 0) return { connection: base, close: async () => undefined };
  const { host: _h, port: _p, db: _db, ...redisOptions } = base;
  const cluster = new Cluster(t.redisCluster.map(clusterNode), { redisOptions, enableReadyCheck: true });
  cluster.on('error', () => undefined);
  return {
    connection: cluster as unknown as ConnectionOptions,
    close: async () => {
      await cluster.quit().catch(() => cluster.disconnect());
    },
  };
}

/** A one-off client (not for BullMQ): status probes and checks. */
export function redisClient(t: RedisTarget, opts: { failFast?: boolean } = {}): Redis | Cluster {
  const fail = opts.failFast ? { connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null } : {};
  const base = urlOptions(t.redisUrl);
  if (t.redisCluster.length === 0) return new Redis({ ...base, ...fail, lazyConnect: true });
  const { host: _h, port: _p, db: _db, ...redisOptions } = base;
  return new Cluster(t.redisCluster.map(clusterNode), {
    redisOptions: { ...redisOptions, ...fail },
    lazyConnect: true,
    ...(opts.failFast ? { clusterRetryStrategy: () => null } : {}),
  });
}

export interface Queues {
  sync: Queue<SyncPayload>;
  analyze: Queue<AnalyzePayload>;
  report: Queue<ReportPayload>;
  close(): Promise<void>;
}

export function createQueues(target: RedisTarget, prefix: string): Queues {
  const handle = redisConnection(target);
  const opts = { connection: handle.connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS };
  const sync = new Queue<SyncPayload>('sync', opts);
  const analyze = new Queue<AnalyzePayload>('analyze', opts);
  const report = new Queue<ReportPayload>('report', opts);
  return {
    sync,
    analyze,
    report,
    async close() {
      await Promise.all([sync.close(), analyze.close(), report.close()]);
      await handle.close();
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

/**
 * addOnce for many jobs of one queue, with the same rule for each (a job waiting or running under
 * its id is left as it is; a finished or failed one is removed and added again), but the Redis
 * round trips of a chunk overlapped and the new jobs added in one addBulk, instead of three round
 * trips one job after another. A job's state is asked for alone (one script call), without reading
 * the job itself: at the start of a pass every pending message is checked this way, and most are
 * still waiting. Returns how many jobs were added.
 */
export async function addManyOnce<T>(queue: Queue<T>, name: string, jobs: Array<{ data: T; jobId: string }>, chunk = 500): Promise<number> {
  let added = 0;
  for (let i = 0; i < jobs.length; i += chunk) {
    const part = jobs.slice(i, i + chunk);
    const states = await Promise.all(part.map((j) => queue.getJobState(j.jobId)));
    const again = (k: number): boolean => states[k] === 'unknown' || states[k] === 'failed' || states[k] === 'completed';
    await Promise.all(part.map(async (j, k) => (states[k] === 'failed' || states[k] === 'completed' ? queue.remove(j.jobId).catch(() => undefined) : undefined)));
    const add = part.filter((_, k) => again(k));
    // A job another process added meanwhile under the same id is kept as it is by BullMQ.
    if (add.length > 0) await (queue as Queue).addBulk(add.map((j) => ({ name, data: j.data, opts: { jobId: j.jobId } })));
    added += add.length;
  }
  return added;
}
