// Dovecot restarted in the middle of a sync (a private instance of this file's own, so the shared
// dev Dovecot stays up for the other test files): every Dovecot process stopped while a FETCH is
// streaming bodies, as a service restart does, and started again a moment later. The batch whose
// FETCH was cut is not recorded; the sync job's retry resumes from the checkpoint; every message is
// stored and analyzed exactly once, and a second pass downloads no body again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { appendMail } from '../helpers/mailbox.js';
import { startPrivateDovecot, type PrivateDovecot } from '../helpers/private-dovecot.js';
import { startTcpProxy, type TcpProxy } from '../helpers/proxy.js';

const USER = 'it-dovecot-restart';
const PASSWORD = 'dovecot-restart-pw';
const N = 200;
// 100 mails of ~137 KB: each FETCH answer (~14 MB, under fetch_batch_bytes) is far larger than the
// socket buffers, so a server stopped part-way through one cannot have sent the rest already.
const BATCH = 100;
const ATTACHMENT_BYTES = 100_000;

function mail(i: number): Buffer {
  // Random bytes: every attachment is distinct content, and none compresses on the wire.
  const attachment = randomBytes(ATTACHMENT_BYTES).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: vanthu@ubnd.sonminh.gov.vn',
      'To: syt@sonminh.gov.vn',
      `Subject: Cong van ${i}/UBND-VX`,
      `Message-ID: <dcr-${i}@ubnd.sonminh.gov.vn>`,
      'Date: Wed, 12 Aug 2026 09:00:00 +0700',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `UBND tỉnh gửi Công văn số ${i}/UBND-VX, kèm phụ lục.`,
      '--b',
      'Content-Type: application/octet-stream',
      `Content-Disposition: attachment; filename="phu-luc-${i}.bin"`,
      'Content-Transfer-Encoding: base64',
      '',
      attachment,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

describe('Dovecot restarted mid-sync', () => {
  let dd: PrivateDovecot | undefined;
  let restoreEnv: (() => void) | undefined;
  let proxy: TcpProxy | undefined;
  let t: TestEnv;
  let db: pg.Client;
  let mailBytes = 0;
  // Bytes the server sent through the proxy, all connections together.
  let served = 0;
  // The stop, started from inside the proxy the moment the sync's connection crossed `stopAt`.
  let stopAt = Infinity;
  let stopping: Promise<void> | null = null;
  const count = async (sql: string): Promise<number> => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;

  beforeAll(async () => {
    dd = await startPrivateDovecot();
    // devDovecot(), ensureImapUser() and appendMail() now mean the private instance.
    restoreEnv = dd.use();
    t = await createTestEnv('dovecot_restart');
    t.env.EDOCWATCH_FETCH_BATCH = String(BATCH);
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    t.env.EDOCWATCH_QUEUE_LOCK_MS = '5000';
    t.env.EDOCWATCH_QUEUE_STALLED_MS = '5000';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const mails = Array.from({ length: N }, (_, k) => mail(k + 1));
    mailBytes = mails[0]?.length ?? 0;
    await appendMail(USER, PASSWORD, 'INBOX', mails);
    // About 1 MB into the second batch's FETCH (past its envelopes), Dovecot is stopped: some 12 MB
    // of that answer are still to come, more than the server's socket buffer can have taken.
    stopAt = BATCH * mailBytes + 1_000_000;
    proxy = await startTcpProxy(dd.port, (chunk, received) => {
      served += chunk.length;
      if (stopping === null && received > stopAt && dd) stopping = dd.stop();
      return true;
    });
    expect((await spawnCli(['agency', 'import', 'config/agencies.yaml'], t.env)).code).toBe(0);
    const add = await spawnCli(
      ['mailbox', 'add', '--agency', '000.00.09.H30', '--host', '127.0.0.1', '--port', String(proxy.port), '--no-tls', '--user', USER, '--password-env', 'PW'],
      { ...t.env, PW: PASSWORD },
    );
    expect(add.code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await proxy?.close();
    restoreEnv?.();
    await dd?.cleanup();
  });

  it('stores and analyzes every message exactly once after the retry', async () => {
    expect(mailBytes).toBeGreaterThan(130_000);
    const run = spawnCli(['sync'], t.env);
    const deadline = Date.now() + 30_000;
    while (stopping === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(stopping).not.toBeNull();
    await stopping;
    // The first batch is recorded and checkpointed; nothing of the one whose FETCH was cut.
    expect(await count('SELECT count(*)::int AS n FROM messages')).toBe(BATCH);
    expect(await count(`SELECT last_uid::int AS n FROM folder_checkpoints WHERE folder = 'INBOX'`)).toBe(BATCH);
    await new Promise((r) => setTimeout(r, 500));
    await dd?.start();

    // The failed sync job is retried (2 s, 4 s …) and finishes the run.
    const first = await run;
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(first.code).toBe(0);
    const expectEachMessageOnce = async (): Promise<void> => {
      const m = await db.query<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS distinct FROM messages`);
      expect(m.rows[0]).toEqual({ n: N, distinct: N });
      const { rows: states } = await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM messages GROUP BY state`);
      expect(states).toEqual([{ state: 'analyzed', n: N }]);
      expect(await count('SELECT count(*)::int AS n FROM raw_objects')).toBe(N);
      expect(await count('SELECT count(*)::int AS n FROM message_locations')).toBe(N);
      expect(await count('SELECT count(DISTINCT uid)::int AS n FROM message_locations')).toBe(N);
      expect(await count('SELECT count(DISTINCT uidvalidity)::int AS n FROM message_locations')).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM message_attachments')).toBe(N);
      expect(await count('SELECT count(*)::int AS n FROM attachments')).toBe(N);
      expect(await count('SELECT count(*)::int AS n FROM message_documents')).toBe(N);
      expect(await count('SELECT count(*)::int AS n FROM exchanges')).toBe(N);
      expect(await count('SELECT count(*)::int AS n FROM exchange_sightings')).toBe(N);
      const cp = await db.query<{ last_uid: number }>(`SELECT last_uid FROM folder_checkpoints WHERE folder = 'INBOX'`);
      expect(cp.rows).toEqual([{ last_uid: N }]);
      const mb = await db.query<{ last_error: string | null }>('SELECT last_error FROM mailboxes');
      expect(mb.rows).toEqual([{ last_error: null }]);
    };
    await expectEachMessageOnce();

    // A second pass finds nothing new and downloads no body again.
    const before = served;
    const second = await spawnCli(['sync'], t.env);
    expect(second.code).toBe(0);
    expect(served - before).toBeLessThan(mailBytes);
    await expectEachMessageOnce();
  });
});
