// Per-test-file isolation on the shared services: a database, a queue prefix, a raw store folder and
// IMAP users of its own, named after the file, so test files run in parallel without meeting.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config/config.js';
import { migrate } from '../../src/db/migrate.js';

export const PG_BASE = process.env.TEST_DATABASE_BASE ?? 'postgres://root@127.0.0.1:5432';

export interface TestEnv {
  name: string;
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  config: Config;
  rawStore: string;
}

export async function dropDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database and an environment pointing every edocwatch setting at it. */
export async function createTestEnv(base: string, opts: { migrate?: boolean } = {}): Promise<TestEnv> {
  // EDOCWATCH_TEST_SUFFIX keeps two checkouts testing at once on one machine (a worktree, a CI
  // rehearsal) out of each other's databases and queues.
  const suffix = (process.env.EDOCWATCH_TEST_SUFFIX ?? '').replace(/[^a-z0-9_]/gi, '');
  const name = suffix ? `${base}_${suffix}` : base;
  const databaseUrl = `${PG_BASE}/edocwatch_test_${name}`;
  await dropDatabase(databaseUrl);
  if (opts.migrate !== false) await migrate(databaseUrl);
  const rawStore = mkdtempSync(path.join(os.tmpdir(), `edocwatch-${name}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    RAW_STORE: rawStore,
    EDOCWATCH_QUEUE_PREFIX: `{edocwatch-test-${name}}`,
    EDOCWATCH_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  return { name, databaseUrl, env, config: loadConfig(env), rawStore };
}

/** Applies a test env to this process (vitest runs each file in its own process). */
export function useEnv(t: TestEnv): void {
  for (const [k, v] of Object.entries(t.env)) if (v !== undefined) process.env[k] = v;
}
