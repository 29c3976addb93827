// The statistics cache of `edocwatch serve` on a real Postgres: served from memory until a change
// of what the KPIs read is committed (migration 0012 notifies at commit), never for a change
// rolled back nor for a sync's bookkeeping, and computed on every call while it cannot listen
// (the listening connection killed), until it has listened again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../src/db/pool.js';
import { cachedPeriodStats } from '../../src/http/dashboard.js';
import { StatsCache } from '../../src/http/stats-cache.js';
import { periodStats } from '../../src/report/stats.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const AGENCY = 'T01.H30';

/** Waits (bounded) until `ok` holds; fails with `what` otherwise. */
async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('statistics cache', () => {
  let t: TestEnv;
  let pool: Pool;
  let cache: StatsCache;

  beforeAll(async () => {
    t = await createTestEnv('statscache');
    useEnv(t);
    pool = createPool(t.databaseUrl);
    await pool.query(`INSERT INTO agencies (code, name, level, parent, domains) VALUES ($1, 'Sở Thử', 'department', NULL, ARRAY['thu.gov.vn'])`, [AGENCY]);
    await pool.query(
      `INSERT INTO mailboxes (agency_code, host, port, security, username, secret_enc, folders) VALUES ($1, '127.0.0.1', 993, 'tls', 'vanthu@thu.gov.vn', '\\x00'::bytea, '{INBOX}')`,
      [AGENCY],
    );
    cache = new StatsCache(t.databaseUrl);
    await cache.start();
  });

  afterAll(async () => {
    await cache?.close();
    await pool?.end();
  });

  it('serves period statistics from memory until a committed change, then the new figures', async () => {
    const d = { pool, config: t.config, cache };
    let computed = 0;
    const key = 'probe';
    const probe = () => cache.get(key, async () => ++computed);
    expect(await probe()).toBe(1);
    expect(await probe()).toBe(1);

    const before = await cachedPeriodStats(d, '2026-Q3');
    expect(before.k7.agencies[AGENCY]?.accounts ?? 0).toBe(0);
    expect(await cachedPeriodStats(d, '2026-Q3')).toBe(before);

    // A rolled-back change and a sync's bookkeeping notify nothing; a committed account does.
    const version = cache.version;
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`INSERT INTO accounts (address, agency_code, enabled, source, valid_from) VALUES ('x@thu.gov.vn', $1, true, 'csv:by-domain', '2026-01-01')`, [AGENCY]);
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
    await pool.query('UPDATE mailboxes SET last_sync_at = now() WHERE agency_code = $1', [AGENCY]);
    await pool.query(`INSERT INTO accounts (address, agency_code, enabled, source, valid_from) VALUES ('vanthu@thu.gov.vn', $1, true, 'csv:by-domain', '2026-01-01')`, [AGENCY]);
    await until('the notification of the committed account', () => cache.version !== version);
    expect(cache.version).toBe(version + 1);

    const after = await cachedPeriodStats(d, '2026-Q3');
    expect(after).not.toBe(before);
    expect(after.k7.agencies[AGENCY]?.accounts).toBe(1);
    expect(after).toEqual(await periodStats(pool, t.config, '2026-Q3'));
    expect(await probe()).toBe(2);
  });

  it('computes every call while the listening connection is down, and caches again once it listens', async () => {
    let computed = 0;
    const probe = () => cache.get('down', async () => ++computed);
    await probe();
    expect(await probe()).toBe(1);
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN edocwatch_stats' AND pid <> pg_backend_pid()`,
    );
    expect(rows).toHaveLength(1);
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await until('the lost connection to be seen', () => !cache.active);
    expect(await probe()).toBe(2);
    expect(await probe()).toBe(3);
    await until('listening again', () => cache.active);
    const n = await probe();
    expect(await probe()).toBe(n);
  });
});
