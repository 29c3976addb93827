// A connection cut in the middle of a FETCH (a loopback TCP proxy of the test's own drops it): the
// sync fails, is retried, and in the end every message is stored and counted exactly once.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const USER = 'it-fetch-cut';
const PASSWORD = 'fetch-cut-pw';
const N = 30;

/** Forwards to Dovecot; while armed, cuts the first connection after `cutAfter` bytes from the server. */
function startProxy(target: number, cutAfter: number): Promise<{ server: Server; port: number; cuts: () => number }> {
  let armed = true;
  let cuts = 0;
  const server = createServer((client: Socket) => {
    const upstream = connect(target, '127.0.0.1');
    let sent = 0;
    const cutHere = armed;
    upstream.on('data', (d: Buffer) => {
      sent += d.length;
      if (cutHere && sent > cutAfter) {
        armed = false;
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    client.on('data', (d: Buffer) => upstream.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, cuts: () => cuts })),
  );
}

describe('a connection cut in the middle of a FETCH', () => {
  let t: TestEnv;
  let db: pg.Client;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    t = await createTestEnv('fetch_cut');
    // Small batches: several are committed before the cut, the rest after the retry.
    t.env.EDOCWATCH_FETCH_BATCH = '5';
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await c.connect();
    for (let i = 1; i <= N; i++) {
      const body = `Sở Y tế gửi Công văn số ${i}/SYT-VP.\r\n${'Nội dung văn bản. '.repeat(400)}\r\n`;
      await c.append('INBOX', Buffer.from(
        `From: syt@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${i}/SYT-VP\r\nMessage-ID: <cut-${i}@syt.sonminh.gov.vn>\r\nDate: Fri, 07 Aug 2026 09:00:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
      ));
    }
    await c.logout();
    // About 10 messages' worth of bytes in, the first connection is cut.
    proxy = await startProxy(dd.port, 10 * 8_000);
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_FETCH_CUT_PW = PASSWORD;
    const add = await cli('mailbox', 'add', '--agency', '000.00.03.H30', '--host', '127.0.0.1', '--port', String(proxy.port), '--no-tls', '--user', USER, '--password-env', 'IT_FETCH_CUT_PW', '--no-test');
    expect(add.code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await new Promise<void>((r) => proxy?.server.close(() => r()));
  });

  it('stores and counts every message exactly once after the retry', async () => {
    const r = await cli('sync');
    expect(proxy.cuts()).toBe(1);
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
