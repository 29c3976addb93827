// UIDVALIDITY changes (the folder is deleted and made anew, as when a mailbox is migrated): the UIDs
// we hold mean nothing any more, the folder is scanned again, and Message-ID + content hash keep
// every mail counted once — new mail under reused UIDs is not skipped as "already processed".
// The folder has a Vietnamese name, so it travels in modified UTF-7.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const USER = 'it-uidvalidity';
const PASSWORD = 'uidvalidity-pw';
const FOLDER = 'Công văn đến';

const mail = (i: number) =>
  Buffer.from(
    `From: ubnd@sonminh.gov.vn\r\nTo: snv@sonminh.gov.vn\r\nSubject: Cong van ${i}/UBND-VP\r\nMessage-ID: <uv-${i}@sonminh.gov.vn>\r\nDate: Mon, 10 Aug 2026 09:00:00 +0700\r\n\r\nUBND tinh gui Cong van so ${i}/UBND-VP.\r\n`,
  );

async function withImap<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const dd = devDovecot();
  const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

describe('a UIDVALIDITY change', () => {
  let t: TestEnv;
  let db: pg.Client;
  const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]?.n;

  beforeAll(async () => {
    t = await createTestEnv('uidvalidity');
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    await withImap(async (c) => {
      await c.mailboxCreate(FOLDER);
      for (const i of [1, 2, 3]) await c.append(FOLDER, mail(i));
    });
    expect((await cli('agency', 'import', 'config/agencies.yaml')).code).toBe(0);
    process.env.IT_UV_PW = PASSWORD;
    const dd = devDovecot();
    const add = await cli('mailbox', 'add', '--agency', '000.00.02.H30', '--host', dd.host, '--port', String(dd.port), '--no-tls', '--user', USER, '--password-env', 'IT_UV_PW', '--folders', `INBOX,${FOLDER}`);
    expect(add.code).toBe(0);
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
  });

  it('rescans the recreated folder, keeps the three known mails once, and picks up the new one at a reused UID', async () => {
    expect((await cli('sync')).code).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM messages')).toBe(3);
    const before = (await db.query<{ uidvalidity: number }>(`SELECT uidvalidity FROM folder_checkpoints WHERE folder = $1`, [FOLDER])).rows[0]?.uidvalidity;

    // The folder is deleted and made anew: UIDs restart at 1 under a new UIDVALIDITY. Mail 4 takes
    // UID 3, which the old checkpoint had already passed.
    await withImap(async (c) => {
      await c.mailboxDelete(FOLDER);
      await c.mailboxCreate(FOLDER);
      for (const i of [2, 1, 4]) await c.append(FOLDER, mail(i));
    });
    expect((await cli('sync')).code).toBe(0);
    const after = (await db.query<{ uidvalidity: number; last_uid: number }>(`SELECT uidvalidity, last_uid FROM folder_checkpoints WHERE folder = $1`, [FOLDER])).rows[0];
    expect(after?.uidvalidity).not.toBe(before);
    expect(after?.last_uid).toBe(3);
    expect(await count('SELECT count(*)::int AS n FROM messages')).toBe(4);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`)).toBe(4);
    expect(await count('SELECT count(DISTINCT document_id)::int AS n FROM exchanges')).toBe(4);
    // Old and new locations are both kept: 3 before, 3 after.
    expect(await count('SELECT count(*)::int AS n FROM message_locations')).toBe(6);
  });
});
