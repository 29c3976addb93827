// `edocwatch demo`, the main job of a fresh machine, through the built binary on the real services:
// generated mail appended to the dev Dovecot over IMAP, synced and analyzed through the queues into
// a database of its own (`<DATABASE_URL's name>_demo`), the account list imported for K7, the
// summary, the KPIs, the agreement with the generator's intent and the report. A small count keeps
// it short; the default run is 600 messages.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDatabaseUrl, demoQueuePrefix } from '../../src/demo/run-demo.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestEnv, dropDatabase, type TestEnv } from '../helpers/env.js';

const COUNT = 60;

describe('edocwatch demo', () => {
  let t: TestEnv;
  let out: string;
  let run: CliResult;
  let db: pg.Client;

  beforeAll(async () => {
    t = await createTestEnv('demo_run', { migrate: false });
    out = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-demo-out-'));
    run = await spawnCli(['demo', '--count', String(COUNT), '--out', out], t.env);
    db = new pg.Client({ connectionString: demoDatabaseUrl(t.databaseUrl) });
    await db.connect();
  }, 300_000);

  afterAll(async () => {
    await db?.end();
    await dropDatabase(demoDatabaseUrl(t.databaseUrl));
  });

  it('exits 0 and prints the summary, the KPIs with K7, full agreement on storage and the report', () => {
    expect(run.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/); // no stack trace
    expect(run.code, run.stderr).toBe(0);
    const stdout = stripVTControlCharacters(run.stdout);
    expect(stdout).toContain('Cơ quan / agency');
    expect(stdout).toMatch(/Kỳ \/ period 2026-Q3: \d+ thư \/ messages \(pending 0, analyzed \d+/);
    // K7: active accounts over accounts, from the imported list (never "0/0").
    const k7 = /│ K7\s+│ ([\d.]+)% \((\d+)\/(\d+)\)/.exec(stdout);
    expect(k7, stdout).not.toBeNull();
    expect(Number(k7![2])).toBeGreaterThan(0);
    expect(Number(k7![3])).toBeGreaterThan(Number(k7![2]));
    expect(stdout).toMatch(/stored 100\.0% \((\d+)\/\1\); state 100\.0%/);
    // K6: signed documents, their signatures made by the demo CA.
    const k6 = /│ K6\s+│ ([\d.]+)% \((\d+)\/(\d+)\)/.exec(stdout);
    expect(Number(k6?.[2])).toBeGreaterThan(0);
    expect(stdout).toMatch(/signed 100\.0% \((\d+)\/\1\)/);
    expect(stdout).toMatch(/Báo cáo \/ report: .+/);
  });

  it('stores every generated message in a terminal state in its own database, with nothing queued', async () => {
    const { rows } = await db.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM messages GROUP BY state');
    const byState = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    expect(Object.values(byState).reduce((a, b) => a + b, 0)).toBe(COUNT);
    expect(Object.keys(byState).every((s) => ['analyzed', 'skipped', 'malformed', 'over_limit'].includes(s)), JSON.stringify(byState)).toBe(true);
    expect(byState['analyzed']).toBeGreaterThan(COUNT / 2);
    const ex = await db.query<{ n: string }>('SELECT count(*) AS n FROM exchanges');
    expect(Number(ex.rows[0]!.n)).toBeGreaterThan(0);
    // The queues of the demo's own prefix, derived from the test's: drained.
    const redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const prefix = demoQueuePrefix(t.config.queuePrefix);
      expect(prefix).toBe(`{edocwatch-test-${t.name}-demo}`);
      const waiting = await redis.llen(`${prefix}:analyze:wait`);
      const active = await redis.llen(`${prefix}:analyze:active`);
      expect(waiting + active).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('stores signatures that check as valid against the demo CA it trusts', async () => {
    // The signed label's evidence names each signed file with the status of its signatures.
    const { rows } = await db.query<{ detail: string }>(
      `SELECT el->>'detail' AS detail FROM exchanges e, jsonb_array_elements(e.evidence) el
        WHERE el->>'label' = 'signed' AND (el->>'value')::boolean`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.detail).toMatch(/^Có chữ ký số: .+\(hợp lệ\)/);
      expect(r.detail).not.toMatch(/không hợp lệ|chưa xác minh/);
    }
    // Each signed PDF keeps its signatures (migration 0010): valid, by the issuing agency, at its date.
    const sigs = await db.query<{ status: string; subject: string; signing_time: string | null; n: string }>(
      `SELECT s->>'status' AS status, s->'signer'->>'subject' AS subject, s->>'signingTime' AS signing_time, count(*) AS n
         FROM attachments a, jsonb_array_elements(a.signatures) s GROUP BY 1, 2, 3`,
    );
    expect(sigs.rows.length).toBeGreaterThan(0);
    for (const r of sigs.rows) {
      expect(r.status).toBe('valid');
      expect(r.subject).toMatch(/^CN=[^,]+, O=[^,]+, C=VN$/u);
      expect(r.signing_time).not.toBeNull();
    }
  });

  it('imports the account list it writes, every account under an agency of the directory', async () => {
    const file = path.join(out, 'tai-khoan-thu-cong-vu.csv');
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Địa chỉ thư,Họ và tên,Trạng thái,Ngày tạo,Đăng nhập lần cuối');
    const { rows } = await db.query<{ n: string; agencies: string; orphans: string }>(
      `SELECT count(*) AS n, count(DISTINCT a.agency_code) AS agencies,
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM agencies g WHERE g.code = a.agency_code)) AS orphans
         FROM accounts a WHERE a.valid_to IS NULL`,
    );
    expect(Number(rows[0]!.n)).toBe(lines.length - 1);
    expect(Number(rows[0]!.agencies)).toBeGreaterThan(10);
    expect(Number(rows[0]!.orphans)).toBe(0);
  });

  it('writes the report of the quarter', () => {
    const file = /Báo cáo \/ report: (.+)/.exec(stripVTControlCharacters(run.stdout))![1]!.trim();
    const html = readFileSync(path.isAbsolute(file) ? file : path.resolve(file), 'utf8');
    expect(html).toContain('quý III năm 2026');
  });
});
