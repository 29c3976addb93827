// The wiring of one edocwatch process: configuration, logger, Postgres pool, raw store and queues,
// created once and passed down as dependencies (nothing else opens connections).
import { loadConfig, type Config } from './config/config.js';
import { createLogger, type Logger } from './logger.js';
import { checkDatabase, createPool, type Pool } from './db/pool.js';
import type { Queues } from './queue/queues.js';
import { RawStore } from './store/raw-store.js';
import { DirectoryCache } from './jobs/directory-cache.js';

export interface Runtime {
  config: Config;
  log: Logger;
  pool: Pool;
  store: RawStore;
  directory: DirectoryCache;
  queues(): Queues;
  close(): Promise<void>;
}

/**
 * `queues: false` (for commands that never queue a job): BullMQ and ioredis are not loaded, which
 * spares such a command about 150 ms of start-up; `queues()` then fails.
 */
export async function createRuntime(opts: { config?: Config; log?: Logger; checkDb?: boolean; queues?: boolean } = {}): Promise<Runtime> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger(config.logLevel);
  const pool = createPool(config.databaseUrl, Math.max(10, config.analyze.concurrency + 4));
  if (opts.checkDb !== false) {
    try {
      await checkDatabase(pool, config.databaseUrl);
    } catch (err) {
      await pool.end();
      throw err;
    }
  }
  const queueModule = opts.queues === false ? null : await import('./queue/queues.js');
  let queues: Queues | null = null;
  const store = new RawStore(config.rawStore, pool);
  return {
    config,
    log,
    pool,
    store,
    directory: new DirectoryCache(pool),
    // Queues open Redis connections: only commands that use them pay for them.
    queues() {
      if (!queueModule) throw new Error('edocwatch: this command runs without queues (createRuntime({ queues: false })) and cannot queue a job');
      queues ??= queueModule.createQueues(config, config.queuePrefix);
      return queues;
    },
    async close() {
      if (queues) await queues.close();
      await store.close().catch(() => undefined);
      await pool.end();
    },
  };
}
