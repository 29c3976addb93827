// A large mailbox is not downloaded again on every run: the second sync lists what is new and
// fetches no body it already has, even after the checkpoint is lost. Bytes are counted by a
// loopback TCP proxy of the test's own in front of the dev Dovecot.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const USER = 'it-no-refetch';
const PASSWORD = 'no-refetch-pw';
const N = 20;
const BODY = 'Nội dung văn bản dài. '.repeat(1500); // ~35 KB a message

describe('a second sync of a large mailbox', () => {
  let t: TestEnv;
  let db: pg.Client;
  let server: Server;
  let bytes = 0;

  beforeAll(async () => {
    t = await createTestEnv('no_refetch');
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await c.connect();
    for (let i = 1; i <= N; i++) {
      await c.append('INBOX', Buffer.from(`From: sxd@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${i}/SXD-QH\r\nMessage-ID: <nr-${i}@sxd.sonminh.gov.vn>\r\nDate: Mon, 17 Aug 2026 09:00:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${BODY}\r\n`));
    }
    await c.logout();
    server = createServer((client: Socket) => {
      const upstream = connect(dd.port, '127.0.0.1');
      upstream.on('data', (d: Buffer) => {
        bytes += d.length;
        client.write(d);
      });
      client.on('data', (d: Buffer) => upstream.write(d));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_NR_PW = PASSWORD;
    expect((await cli('mailbox', 'add', '--agency', '000.00.03.H30', '--host', '127.0.0.1', '--port', String(port), '--no-tls', '--user', USER, '--password-env', 'IT_NR_PW')).code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await new Promise<void>((r) => server?.close(() => r()));
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
