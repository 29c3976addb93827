// PostgreSQL restarted in the middle of a run (a private throwaway cluster of this file's own, so the
// machine's shared server is never touched), once while the sync is fetching and once while the
// analysis drains: the `sync` that was running either finishes or stops with one clear line, and
// after a second pass every message is stored and analyzed exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { migrate } from '../../src/db/migrate.js';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox, appendMail } from '../helpers/mailbox.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';

const USER = 'it-pg-restart';
const PASSWORD = 'pg-restart-pw';
// Mails per round; round 2 adds as many again.
const N = 150;

/** stderr without pino's JSON log records: what the command itself said. */
const saidLines = (r: CliResult): string[] =>
  r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));

const mail = (i: number): Buffer =>
  Buffer.from(
    `From: sct@sonminh.gov.vn\r\nTo: snv@sonminh.gov.vn\r\nSubject: Cong van ${i}/SCT-KH\r\nMessage-ID: <pgr-${i}@sct.sonminh.gov.vn>\r\nDate: Tue, 11 Aug 2026 09:00:00 +0700\r\n\r\nSo Cong Thuong gui Cong van so ${i}/SCT-KH.\r\n${'x'.repeat(2000)}\r\n`,
  );

/** The command in progress at the restart either finished or stopped with one line, no stack trace. */
function expectFinishedOrOneLine(r: CliResult): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (r.code === 0) return;
  expect(saidLines(r)).toHaveLength(1);
  expect(saidLines(r)[0]).toMatch(/^edocwatch: .*(PostgreSQL|database|terminat|ECONN)/i);
}

describe('Postgres restarted mid-run', () => {
  let pp: PrivatePostgres | undefined;
  let t: TestEnv;
  let db: pg.Pool;
  const count = async (sql: string): Promise<number> => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
  const until = async (sql: string, atLeast: number): Promise<number> => {
    const deadline = Date.now() + 30_000;
    let n = await count(sql);
    while (n < atLeast && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      n = await count(sql);
    }
    return n;
  };

  /** Every one of `total` mails stored once, analyzed once, with one exchange each and nothing left over. */
  const expectEachMessageOnce = async (total: number): Promise<void> => {
    const m = await db.query<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS distinct FROM messages`);
    expect(m.rows[0]).toEqual({ n: total, distinct: total });
    const { rows: states } = await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM messages GROUP BY state`);
    expect(states).toEqual([{ state: 'analyzed', n: total }]);
    expect(await count('SELECT count(*)::int AS n FROM raw_objects')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM message_locations')).toBe(total);
    expect(await count('SELECT count(DISTINCT (folder, uid))::int AS n FROM message_locations')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM message_documents')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM documents')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM exchanges')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM exchange_sightings')).toBe(total);
    const cp = await db.query<{ last_uid: number }>(`SELECT last_uid FROM folder_checkpoints WHERE folder = 'INBOX'`);
    expect(cp.rows).toEqual([{ last_uid: total }]);
    const mb = await db.query<{ last_error: string | null }>('SELECT last_error FROM mailboxes');
    expect(mb.rows).toEqual([{ last_error: null }]);
  };

  beforeAll(async () => {
    pp = await startPrivatePostgres();
    t = await createTestEnv('pg_restart', { migrate: false });
    t.databaseUrl = pp.url('edocwatch_test_pg_restart');
    t.env.DATABASE_URL = t.databaseUrl;
    t.env.EDOCWATCH_FETCH_BATCH = '10';
    // Analysis in the command's own process only (a child analyze worker would outlive a crash),
    // one message at a time: slower than the sync, so round 2 can catch it draining.
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    t.env.EDOCWATCH_ANALYZE_CONCURRENCY = '1';
    // Jobs a dead process held come back within seconds, not the default minute.
    t.env.EDOCWATCH_QUEUE_LOCK_MS = '5000';
    t.env.EDOCWATCH_QUEUE_STALLED_MS = '5000';
    t.config = loadConfig(t.env);
    await migrate(t.databaseUrl);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    await appendMail(USER, PASSWORD, 'INBOX', Array.from({ length: N }, (_, k) => mail(k + 1)));
    await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.02.H30' });
    db = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
    // The restarts terminate this pool's idle connections too; the next query opens a new one.
    db.on('error', () => undefined);
  });

  afterAll(async () => {
    await db?.end();
    await pp?.cleanup();
  });

  it('while the sync is fetching: every message stored and analyzed exactly once', async () => {
    const run = spawnCli(['sync'], t.env);
    // Some messages recorded, most still on the server.
    const stored = await until('SELECT count(*)::int AS n FROM messages', 20);
    const doneAtRestart = await count(`SELECT count(*)::int AS n FROM messages WHERE state <> 'pending'`);
    await pp?.restart({ downMs: 1_500 });
    expect(stored).toBeGreaterThanOrEqual(20);
    expect(stored).toBeLessThan(N);
    expect(doneAtRestart).toBeLessThan(N);

    const first = await run;
    expectFinishedOrOneLine(first);
    // A run that says it succeeded has done all the work.
    if (first.code === 0) await expectEachMessageOnce(N);

    const second = await spawnCli(['sync'], t.env);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(second.code).toBe(0);
    await expectEachMessageOnce(N);
  }, 45_000);

  it('while the analysis drains: every message stored and analyzed exactly once', async () => {
    await appendMail(USER, PASSWORD, 'INBOX', Array.from({ length: N }, (_, k) => mail(N + k + 1)));
    const run = spawnCli(['sync'], t.env);
    // The sync has recorded every new mail; the analysis has not caught up.
    await until(`SELECT count(*)::int AS n FROM folder_checkpoints WHERE folder = 'INBOX' AND last_uid = ${2 * N}`, 1);
    const doneAtRestart = await count(`SELECT count(*)::int AS n FROM messages WHERE state <> 'pending'`);
    await pp?.restart({ downMs: 1_500 });
    expect(await count('SELECT count(*)::int AS n FROM messages')).toBe(2 * N);
    expect(doneAtRestart).toBeLessThan(2 * N);

    const first = await run;
    expectFinishedOrOneLine(first);
    if (first.code === 0) await expectEachMessageOnce(2 * N);

    const second = await spawnCli(['sync'], t.env);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(second.code).toBe(0);
    await expectEachMessageOnce(2 * N);
  }, 45_000);
});
