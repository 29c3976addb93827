// A large mailbox is not downloaded again on every run: the second sync lists what is new and
// fetches no body it already has, even after the checkpoint is lost. Bytes are counted by a
// loopback TCP proxy of the test's own in front of the dev Dovecot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { appendMail } from '../helpers/mailbox.js';
import { startTcpProxy, type TcpProxy } from '../helpers/proxy.js';

const USER = 'it-no-refetch';
const PASSWORD = 'no-refetch-pw';
const N = 20;
const BODY = 'Nội dung văn bản dài. '.repeat(1500); // ~35 KB a message

describe('a second sync of a large mailbox', () => {
  let t: TestEnv;
  let db: pg.Client;
  let proxy: TcpProxy;
  let bytes = 0;

  beforeAll(async () => {
    t = await createTestEnv('no_refetch');
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    const mails = Array.from({ length: N }, (_, k) => Buffer.from(
      `From: sxd@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${k + 1}/SXD-QH\r\nMessage-ID: <nr-${k + 1}@sxd.sonminh.gov.vn>\r\nDate: Mon, 17 Aug 2026 09:00:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${BODY}\r\n`,
    ));
    await appendMail(USER, PASSWORD, 'INBOX', mails);
    proxy = await startTcpProxy(dd.port, (chunk) => {
      bytes += chunk.length;
      return true;
    });
    const port = proxy.port;
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_NR_PW = PASSWORD;
    expect((await cli('mailbox', 'add', '--agency', '000.00.03.H30', '--host', '127.0.0.1', '--port', String(port), '--no-tls', '--user', USER, '--password-env', 'IT_NR_PW')).code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await proxy?.close();
  });

  it('downloads the bodies once; later runs, even without a checkpoint, fetch envelopes only', async () => {
    bytes = 0;
    expect((await cli('sync')).code).toBe(0);
    const first = bytes;
    const mailBytes = N * Buffer.byteLength(BODY);
    expect(first).toBeGreaterThan(mailBytes);

    bytes = 0;
    expect((await cli('sync')).code).toBe(0);
    expect(bytes).toBeLessThan(mailBytes / 50);

    // The checkpoint lost (as after a UIDVALIDITY re-scan): envelopes again, still no body.
    await db.query('DELETE FROM folder_checkpoints');
    bytes = 0;
    expect((await cli('sync')).code).toBe(0);
    expect(bytes).toBeLessThan(mailBytes / 20);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    expect(rows[0]?.n).toBe(N);
  });
});
