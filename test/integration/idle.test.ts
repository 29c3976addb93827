// Near-real-time: with the scheduled poll an hour away, new mail is synced and analyzed within
// seconds because a worker keeps an IMAP IDLE connection on the mailbox.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { BIN } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox, appendMail, untilAnalyzed } from '../helpers/mailbox.js';

const USER = 'it-idle';
const PASSWORD = 'idle-pw';

const append = (i: number) =>
  appendMail(USER, PASSWORD, 'INBOX', [
    Buffer.from(`From: stp@sonminh.gov.vn\r\nTo: snv@sonminh.gov.vn\r\nSubject: Cong van ${i}/STP-VP\r\nMessage-ID: <idle-${i}@stp.sonminh.gov.vn>\r\nDate: Fri, 14 Aug 2026 09:00:00 +0700\r\n\r\nSo Tu phap gui Cong van so ${i}/STP-VP.\r\n`),
  ]);

describe('IMAP IDLE beside the scheduled poll', () => {
  let t: TestEnv;
  let db: pg.Client;
  const waitFor = (n: number, ms: number) => untilAnalyzed(db, n, ms);

  beforeAll(async () => {
    t = await createTestEnv('idle');
    await ensureImapUser(USER, PASSWORD, { reset: true });
    await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.02.H30' });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
  });

  it('syncs mail that arrives while the worker idles, long before the next poll', async () => {
    await append(1);
    const child = spawn(process.execPath, [BIN, 'worker', '--queues', 'sync,analyze'], {
      env: { ...t.env, EDOCWATCH_POLL_SECONDS: '3600', EDOCWATCH_IDLE: 'true' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // On connecting, the watcher catches up with what is already there.
      expect(await waitFor(1, 30_000)).toBe(1);
      await append(2);
      await append(3);
      expect(await waitFor(3, 20_000)).toBe(3);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
