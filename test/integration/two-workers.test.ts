// Scale-out: two worker processes on the same queues poll 20 mailboxes; no message is stored or
// analyzed twice, and every one is counted.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { seal } from '../../src/crypto/secrets.js';
import { BIN } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

const MAILBOXES = 20;
const PER_MAILBOX = 3;
const AGENCIES = ['000.00.02.H30', '000.00.03.H30', '000.00.04.H30', '000.00.05.H30', '000.00.09.H30'];

describe('two worker processes on the same queues', () => {
  let t: TestEnv;
  let pool: Pool;
  let db: pg.Client;
  const children: ChildProcess[] = [];
  const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;

  beforeAll(async () => {
    t = await createTestEnv('two_workers');
    pool = createPool(t.databaseUrl);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    const dd = devDovecot();
    const key = t.config.secretKey as Buffer;
    for (let m = 1; m <= MAILBOXES; m++) {
      const user = `it-two-${m}`;
      const password = `two-pw-${m}`;
      await ensureImapUser(user, password, { reset: true });
      const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
      await c.connect();
      for (let i = 1; i <= PER_MAILBOX; i++) {
        await c.append('INBOX', Buffer.from(
          `From: ubnd@sonminh.gov.vn\r\nTo: vanthu@example.gov.vn\r\nSubject: Cong van ${m * 100 + i}/UBND-VP\r\nMessage-ID: <two-${m}-${i}@sonminh.gov.vn>\r\nDate: Wed, 12 Aug 2026 09:00:00 +0700\r\n\r\nUBND tinh gui Cong van so ${m * 100 + i}/UBND-VP.\r\n`,
        ));
      }
      await c.logout();
      await insertMailbox(pool, { agencyCode: AGENCIES[m % AGENCIES.length] as string, host: dd.host, port: dd.port, security: 'none', username: user, secretEnc: seal(password, key), folders: ['INBOX'], tlsInsecure: false });
    }
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await db?.end();
    await pool?.end();
  });

  it('stores and analyzes every message once', async () => {
    for (let w = 0; w < 2; w++) {
      children.push(spawn(process.execPath, [BIN, 'worker', '--queues', 'sync,analyze'], { env: { ...t.env, EDOCWATCH_POLL_SECONDS: '1' }, stdio: 'ignore' }));
    }
    const total = MAILBOXES * PER_MAILBOX;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && (await count(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`)) < total) {
      await new Promise((r) => setTimeout(r, 250));
    }
    // A few more polls by both workers must change nothing.
    await new Promise((r) => setTimeout(r, 2_500));
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    expect(await count('SELECT count(*)::int AS n FROM messages')).toBe(total);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE state = 'analyzed'`)).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM message_locations')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM raw_objects')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM exchanges')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM exchange_sightings')).toBe(total);
    expect(await count('SELECT count(*)::int AS n FROM mailboxes WHERE last_success_at IS NOT NULL AND last_error IS NULL')).toBe(MAILBOXES);
    // No mailbox was synced by both at once: no two runs of one mailbox overlap in time, every run
    // ended, every mailbox ran, and both workers did some of the work.
    expect(await count(`SELECT count(*)::int AS n FROM sync_runs a JOIN sync_runs b
                          ON a.mailbox_id = b.mailbox_id AND a.id < b.id
                         AND a.started_at < b.finished_at AND b.started_at < a.finished_at`)).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM sync_runs WHERE finished_at IS NULL OR error IS NOT NULL')).toBe(0);
    expect(await count('SELECT count(DISTINCT mailbox_id)::int AS n FROM sync_runs')).toBe(MAILBOXES);
    expect(await count('SELECT count(*)::int AS n FROM sync_runs')).toBeGreaterThan(MAILBOXES);
    expect(await count('SELECT count(DISTINCT worker)::int AS n FROM sync_runs')).toBe(2);
  }, 180_000);
});
