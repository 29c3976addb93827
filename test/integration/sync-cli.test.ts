// The command line of the sync stage: `mailbox set` (rate limit, folders, enabled) and the date-range
// backfill `sync --since … --before …`, through the built binary, with their bad input refused in
// one line and exit 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox } from '../helpers/mailbox.js';
import { ImapFlow } from 'imapflow';
import { devDovecot } from '../../src/devenv/dovecot.js';

const USER = 'it-sync-cli';
const PASSWORD = 'sync-cli-pw';

function mail(n: number, d: Date): Buffer {
  return Buffer.from(
    `From: snv@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${n}/SNV-TCBC\r\nMessage-ID: <cli-${n}@snv.sonminh.gov.vn>\r\n` +
      `Date: ${d.toUTCString()}\r\n\r\nSo Noi vu gui Cong van so ${n}/SNV-TCBC.\r\n`,
  );
}

describe('sync on the command line', () => {
  let t: TestEnv;
  let db: pg.Client;
  let id: number;

  beforeAll(async () => {
    t = await createTestEnv('sync_cli');
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    const c = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await c.connect();
    const dates = ['2025-02-03', '2025-04-15', '2025-09-09', '2026-01-05'].map((s) => new Date(`${s}T03:00:00Z`));
    for (const [k, d] of dates.entries()) await c.append('INBOX', mail(k + 1, d), [], d);
    await c.logout();
    id = await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.03.H30' });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
  });

  it('sets and clears the rate limit, changes folders, disables and enables a mailbox', async () => {
    const rate = await spawnCli(['mailbox', 'set', String(id), '--rate', '5', '--folders', 'INBOX,Lưu trữ'], t.env);
    expect(rate.code).toBe(0);
    expect(JSON.parse(rate.stdout)).toMatchObject({ id, max_messages_per_second: 5, folders: ['INBOX', 'Lưu trữ'], enabled: true });
    const off = await spawnCli(['mailbox', 'set', String(id), '--rate', 'default', '--disable', '--folders', 'INBOX'], t.env);
    expect(JSON.parse(off.stdout)).toMatchObject({ max_messages_per_second: null, enabled: false, folders: ['INBOX'] });
    const list = JSON.parse((await spawnCli(['mailbox', 'list', '--json'], t.env)).stdout) as Array<{ id: number; enabled: boolean }>;
    expect(list.find((m) => m.id === id)?.enabled).toBe(false);
    expect(JSON.parse((await spawnCli(['mailbox', 'set', String(id), '--enable'], t.env)).stdout)).toMatchObject({ enabled: true });
  });

  it.each([
    [['mailbox', 'set', '1', '--rate', 'fast'], /--rate must be a number >= 0 or "default"/],
    [['mailbox', 'set', '1', '--enable', '--disable'], /exclude each other/],
    [['mailbox', 'set', '1'], /nothing to change/],
    [['sync', '--since', '2025-13-01'], /--since phải là ngày YYYY-MM-DD \/ must be a day as YYYY-MM-DD/],
    [['sync', '--before', '2025-02-30'], /--before phải là ngày YYYY-MM-DD \/ must be a day as YYYY-MM-DD/],
    [['sync', '--since', '2025-07-01', '--before', '2025-01-01'], /--since must be before --before/],
  ])('refuses %j in one line with exit 2', async (args, message) => {
    const r = await spawnCli(args, t.env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('says which mailbox does not exist', async () => {
    const r = await spawnCli(['mailbox', 'set', '999', '--rate', '1'], t.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no mailbox with id 999/);
  });

  it('backfills the first half of 2025 only, analyzes it, and an incremental pass takes the rest', async () => {
    const bf = await spawnCli(['sync', '--mailbox', String(id), '--since', '2025-01-01', '--before', '2025-07-01'], t.env);
    expect(bf.code).toBe(0);
    const got = await db.query<{ mid: string; state: string }>('SELECT message_id AS mid, state FROM messages ORDER BY message_id');
    expect(got.rows).toEqual([
      { mid: '<cli-1@snv.sonminh.gov.vn>', state: 'analyzed' },
      { mid: '<cli-2@snv.sonminh.gov.vn>', state: 'analyzed' },
    ]);
    const cp = await db.query('SELECT count(*)::int AS n FROM folder_checkpoints WHERE last_uid > 0');
    expect(cp.rows[0]).toEqual({ n: 0 });
    const inc = await spawnCli(['sync', '--mailbox', String(id)], t.env);
    expect(inc.code).toBe(0);
    const all = await db.query<{ n: number; analyzed: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE state = 'analyzed')::int AS analyzed FROM messages`);
    expect(all.rows[0]).toEqual({ n: 4, analyzed: 4 });
  });
});
