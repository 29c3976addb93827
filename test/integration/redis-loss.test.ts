// Losing Redis loses nothing: messages synced and recorded `pending`, whose analyze jobs are then
// wiped from Redis, are all analyzed by the next pass, each exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { syncMailbox } from '../../src/jobs/sync.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const USER = 'it-redis-loss';
const PASSWORD = 'redis-loss-pw';
const N = 12;

describe('when Redis loses the queued jobs', () => {
  let t: TestEnv;
  let db: pg.Client;
  let rt: Runtime;
  let mailboxId: number;

  beforeAll(async () => {
    t = await createTestEnv('redis_loss');
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_REDIS_LOSS_PW = PASSWORD;
    const dd = devDovecot();
    const add = await cli('mailbox', 'add', '--agency', '000.00.09.H30', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', USER, '--password-env', 'IT_REDIS_LOSS_PW');
    expect(add.code).toBe(0);
    mailboxId = Number(add.stdout.trim());
    const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await c.connect();
    for (let i = 1; i <= N; i++) {
      await c.append('INBOX', Buffer.from(
        `From: vanthu@xatanlap.sonminh.gov.vn\r\nTo: syt@sonminh.gov.vn\r\nSubject: Bao cao so ${i}/BC-UBND\r\nMessage-ID: <loss-${i}@xatanlap.sonminh.gov.vn>\r\nDate: Thu, 06 Aug 2026 09:00:00 +0700\r\n\r\nUBND xa Tan Lap gui Bao cao so ${i}/BC-UBND.\r\n`,
      ));
    }
    await c.logout();
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    rt = await createRuntime({ config: t.config });
  });

  afterAll(async () => {
    await rt?.close();
    await db?.end();
  });

  it('re-derives the lost work from Postgres and analyzes every message once', async () => {
    // Sync with no analyze worker running: messages recorded pending, jobs queued in Redis.
    const r = await syncMailbox(mailboxId, { pool: rt.pool, store: rt.store, queues: rt.queues(), config: rt.config, log: rt.log });
    expect(r.newMessages).toBe(N);
    expect(await rt.queues().analyze.getJobCountByTypes('waiting')).toBe(N);
    // Redis loses them.
    await rt.queues().analyze.obliterate({ force: true });
    expect(await rt.queues().analyze.getJobCountByTypes('waiting')).toBe(0);
    const pending = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE state = 'pending'`);
    expect(pending.rows[0]?.n).toBe(N);

    const s = await cli('sync');
    expect(s.code).toBe(0);
    const { rows } = await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM messages GROUP BY state`);
    expect(rows).toEqual([{ state: 'analyzed', n: N }]);
    const ex = await db.query<{ n: number; docs: number }>(`SELECT count(*)::int AS n, count(DISTINCT document_id)::int AS docs FROM exchanges`);
    expect(ex.rows[0]).toEqual({ n: N, docs: N });
  });
});
