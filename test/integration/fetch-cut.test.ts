// A connection cut in the middle of a FETCH (a loopback TCP proxy of the test's own drops it): the
// sync fails, is retried, and in the end every message is stored and counted exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { appendMail } from '../helpers/mailbox.js';
import { startTcpProxy, type TcpProxy } from '../helpers/proxy.js';

const USER = 'it-fetch-cut';
const PASSWORD = 'fetch-cut-pw';
const N = 30;

describe('a connection cut in the middle of a FETCH', () => {
  let t: TestEnv;
  let db: pg.Client;
  let proxy: TcpProxy;
  let cuts = 0;

  beforeAll(async () => {
    t = await createTestEnv('fetch_cut');
    // Small batches: several are committed before the cut, the rest after the retry.
    t.env.EDOCWATCH_FETCH_BATCH = '5';
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    const mails: Buffer[] = [];
    for (let i = 1; i <= N; i++) {
      const body = `Sở Y tế gửi Công văn số ${i}/SYT-VP.\r\n${'Nội dung văn bản. '.repeat(400)}\r\n`;
      mails.push(Buffer.from(
        `From: syt@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${i}/SYT-VP\r\nMessage-ID: <cut-${i}@syt.sonminh.gov.vn>\r\nDate: Fri, 07 Aug 2026 09:00:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
      ));
    }
    await appendMail(USER, PASSWORD, 'INBOX', mails);
    // About 10 messages' worth of bytes in, the first connection is cut.
    // Only the first connection is cut; the retry's goes through.
    proxy = await startTcpProxy(dd.port, (_chunk, received) => {
      if (cuts > 0 || received <= 10 * 8_000) return true;
      cuts++;
      return false;
    });
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_FETCH_CUT_PW = PASSWORD;
    const add = await cli('mailbox', 'add', '--agency', '000.00.03.H30', '--host', '127.0.0.1', '--port', String(proxy.port), '--no-tls', '--user', USER, '--password-env', 'IT_FETCH_CUT_PW', '--no-test');
    expect(add.code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await proxy?.close();
  });

  it('stores and counts every message exactly once after the retry', async () => {
    const r = await cli('sync');
    expect(cuts).toBe(1);
    expect(r.code).toBe(0);
    const m = await db.query<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS distinct FROM messages`);
    expect(m.rows[0]).toEqual({ n: N, distinct: N });
    const l = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM message_locations`);
    expect(l.rows[0]?.n).toBe(N);
    const a = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`);
    expect(a.rows[0]?.n).toBe(N);
    const cp = await db.query<{ last_uid: number }>(`SELECT last_uid FROM folder_checkpoints WHERE folder = 'INBOX'`);
    expect(cp.rows[0]?.last_uid).toBe(N);
    const s = await cli('status', '--json');
    expect((JSON.parse(s.stdout) as { mailboxes: Array<{ last_error: string | null }> }).mailboxes[0]?.last_error).toBeNull();
  });
});
