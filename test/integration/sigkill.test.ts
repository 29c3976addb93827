// A worker process killed with SIGKILL in the middle of its work: nothing it committed is lost or
// doubled, and the next pass (stalled jobs recovered, pending messages re-enqueued) finishes it.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox } from '../helpers/mailbox.js';

const USER = 'it-sigkill';
const PASSWORD = 'sigkill-pw';
const N = 80;

describe('a worker killed with SIGKILL mid-run', () => {
  let t: TestEnv;
  let db: pg.Client;
  const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;

  beforeAll(async () => {
    t = await createTestEnv('sigkill');
    t.env.EDOCWATCH_FETCH_BATCH = '10';
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    // The killed worker's jobs come back once their lock lapses and the stalled check runs.
    t.env.EDOCWATCH_QUEUE_LOCK_MS = '5000';
    t.env.EDOCWATCH_QUEUE_STALLED_MS = '5000';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await c.connect();
    for (let i = 1; i <= N; i++) {
      await c.append('INBOX', Buffer.from(
        `From: sct@sonminh.gov.vn\r\nTo: snv@sonminh.gov.vn\r\nSubject: Cong van ${i}/SCT-KH\r\nMessage-ID: <kill-${i}@sct.sonminh.gov.vn>\r\nDate: Tue, 11 Aug 2026 09:00:00 +0700\r\n\r\nSo Cong Thuong gui Cong van so ${i}/SCT-KH.\r\n${'x'.repeat(2000)}\r\n`,
      ));
    }
    await c.logout();
    await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.02.H30' });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
  });

  it('ends with every message stored and analyzed exactly once', async () => {
    const child = spawn(process.execPath, [BIN, 'worker', '--queues', 'sync,analyze'], { env: { ...t.env, EDOCWATCH_POLL_SECONDS: '1' }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it once it is part-way: some messages fetched, some analyzed.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await count(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`)) < 5) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const analyzedAtKill = await count(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`);
    expect(analyzedAtKill).toBeGreaterThanOrEqual(5);

    const r = await spawnCli(['sync'], t.env);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM messages')).toBe(N);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`)).toBe(N);
    expect(await count('SELECT count(*)::int AS n FROM message_locations')).toBe(N);
    expect(await count('SELECT count(*)::int AS n FROM exchanges')).toBe(N);
    expect(await count('SELECT count(*)::int AS n FROM exchange_sightings')).toBe(N);
  }, 180_000);
});
