// What a sync keeps track of between passes, against the real Dovecot: a folder that has not changed
// is not listed again (CONDSTORE, UIDNEXT); a mail moved to another folder keeps the exchanges it
// counted (QRESYNC reports it gone from INBOX, the watched target folder finds it by Message-ID,
// nothing is fetched twice); a folder with a non-ASCII name (modified UTF-7 on the wire) is synced;
// a message above `stream_above_bytes` is streamed to the raw store byte for byte; a backfill takes
// only the mail of its date range and leaves the checkpoint alone.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { devDovecot, ensureImapUser } from '../../src/devenv/dovecot.js';
import { syncMailbox, type SyncProgress } from '../../src/jobs/sync.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox } from '../helpers/mailbox.js';

const USER = 'it-sync-state';
const PASSWORD = 'sync-state-pw';
const ARCHIVE = 'Lưu trữ'; // "&AEw-u tr&Hu8-" on the wire

function mail(n: number, date = 'Mon, 17 Aug 2026 09:00:00 +0700', body = `Sở Xây dựng gửi Công văn số ${n}/SXD-QH.`): Buffer {
  return Buffer.from(
    `From: sxd@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${n}/SXD-QH\r\nMessage-ID: <ss-${n}@sxd.sonminh.gov.vn>\r\n` +
      `Date: ${date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`,
  );
}

describe('sync state between passes', () => {
  let t: TestEnv;
  let rt: Runtime;
  let db: pg.Client;
  let imap: ImapFlow;
  let mailboxId: number;
  const progress: SyncProgress[] = [];

  const sync = async (backfill?: { since?: Date; before?: Date }) =>
    syncMailbox(mailboxId, { pool: rt.pool, store: rt.store, queues: rt.queues(), config: rt.config, log: rt.log, onProgress: (p) => progress.push(p) }, backfill);
  const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(sql, params)).rows[0]?.n ?? -1;

  beforeAll(async () => {
    t = await createTestEnv('sync_state');
    const override = path.join(t.rawStore, 'sync.yaml');
    // Small thresholds so that a ~300 kB message is streamed and a batch holds two messages.
    writeFileSync(override, 'sync:\n  fetch_batch: 2\n  fetch_batch_bytes: 65536\n  stream_above_bytes: 65536\n  max_messages_per_second: 1000\n');
    t.env.EDOCWATCH_CONFIG = override;
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '0';
    t.config = loadConfig(t.env);
    useEnv(t);
    await ensureImapUser(USER, PASSWORD, { reset: true });
    const dd = devDovecot();
    imap = new ImapFlow({ host: dd.host, port: dd.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await imap.connect();
    await imap.mailboxCreate(ARCHIVE);
    for (let n = 1; n <= 5; n++) await imap.append('INBOX', mail(n));
    mailboxId = await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.03.H30' });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    await db.query('UPDATE mailboxes SET folders = $2::text[] WHERE id = $1', [mailboxId, ['INBOX', ARCHIVE]]);
    rt = await createRuntime({ config: t.config });
  });

  afterAll(async () => {
    await imap?.logout().catch(() => undefined);
    if (rt) {
      await rt.queues().analyze.obliterate({ force: true }).catch(() => undefined);
      await rt.close();
    }
    await db?.end();
  });

  it('syncs every folder once, in batches, with progress, and then skips the unchanged folders', async () => {
    const first = await sync();
    const inbox = first.folders.find((f) => f.folder === 'INBOX');
    expect(inbox).toMatchObject({ listed: 5, fetched: 5, stored: 5, unchanged: false });
    expect(first.folders.map((f) => f.folder).sort()).toEqual(['INBOX', 'Sent', ARCHIVE].sort());
    expect(progress.filter((p) => p.folder === 'INBOX').map((p) => [p.done, p.total])).toEqual([[2, 5], [4, 5], [5, 5]]);

    const second = await sync();
    expect(second.newMessages).toBe(0);
    // INBOX has mail and the same HIGHESTMODSEQ: not listed at all.
    expect(second.folders.find((f) => f.folder === 'INBOX')).toMatchObject({ unchanged: true, listed: 0, fetched: 0 });
    const cp = await db.query<{ highest_modseq: string | null }>(`SELECT highest_modseq::text FROM folder_checkpoints WHERE mailbox_id = $1 AND folder = 'INBOX'`, [mailboxId]);
    expect(Number(cp.rows[0]?.highest_modseq)).toBeGreaterThan(0);

    // A flag set by the user changes the mod-sequence but adds no UID: still nothing listed.
    await imap.mailboxOpen('INBOX');
    await imap.messageFlagsAdd({ uid: '1' }, ['\\Flagged'], { uid: true });
    const third = await sync();
    expect(third.folders.find((f) => f.folder === 'INBOX')).toMatchObject({ unchanged: true, listed: 0 });
    expect(await count('SELECT count(*)::int AS n FROM messages WHERE mailbox_id = $1', [mailboxId])).toBe(5);
  });

  it('keeps a moved mail counted once: gone from INBOX, found in the watched archive without a second download', async () => {
    // Analyze what is there, so that the exchanges exist before the move.
    expect((await cli('sync')).code).toBe(0);
    const exchangesBefore = await count('SELECT count(*)::int AS n FROM exchanges');
    expect(exchangesBefore).toBeGreaterThan(0);
    const rawBefore = await count('SELECT count(*)::int AS n FROM raw_objects');

    await imap.mailboxOpen('INBOX');
    await imap.messageMove({ uid: '2' }, ARCHIVE, { uid: true });
    await imap.messageMove({ uid: '3' }, 'Trash', { uid: true }); // not watched
    const r = await sync();
    const inbox = r.folders.find((f) => f.folder === 'INBOX');
    expect(inbox?.gone).toBe(2);
    const archive = r.folders.find((f) => f.folder === ARCHIVE);
    expect(archive).toMatchObject({ listed: 1, fetched: 0, stored: 0 });
    expect(r.newMessages).toBe(0);

    expect(await count('SELECT count(*)::int AS n FROM messages WHERE mailbox_id = $1', [mailboxId])).toBe(5);
    expect(await count('SELECT count(*)::int AS n FROM raw_objects')).toBe(rawBefore);
    expect(await count('SELECT count(*)::int AS n FROM exchanges')).toBe(exchangesBefore);
    const locs = await db.query<{ mid: string; folder: string; gone: boolean }>(
      `SELECT m.message_id AS mid, l.folder, l.gone_at IS NOT NULL AS gone FROM message_locations l JOIN messages m ON m.id = l.message_id
        WHERE m.message_id IN ('<ss-2@sxd.sonminh.gov.vn>', '<ss-3@sxd.sonminh.gov.vn>') ORDER BY 1, 2`,
    );
    expect(locs.rows).toEqual([
      { mid: '<ss-2@sxd.sonminh.gov.vn>', folder: 'INBOX', gone: true },
      { mid: '<ss-2@sxd.sonminh.gov.vn>', folder: ARCHIVE, gone: false },
      { mid: '<ss-3@sxd.sonminh.gov.vn>', folder: 'INBOX', gone: true },
    ]);
    // The statistics do not shrink: the quarter still counts five messages.
    const stats = JSON.parse((await cli('stats', '--period', '2026-Q3', '--json')).stdout) as { messages: Record<string, number> };
    expect(stats.messages.total).toBe(5);
  });

  it('streams a message above stream_above_bytes to the raw store byte for byte', async () => {
    const big = mail(6, 'Tue, 18 Aug 2026 09:00:00 +0700', `Phụ lục kèm Công văn số 6/SXD-QH.\r\n${'Bảng tổng hợp số liệu. '.repeat(12_000)}`);
    expect(big.length).toBeGreaterThan(200_000);
    await imap.append('INBOX', big);
    const r = await sync();
    expect(r.folders.find((f) => f.folder === 'INBOX')).toMatchObject({ listed: 1, fetched: 1, stored: 1 });
    const row = await db.query<{ sha256: string; size: number }>(`SELECT sha256, size FROM messages WHERE message_id = '<ss-6@sxd.sonminh.gov.vn>'`);
    const sha = createHash('sha256').update(big).digest('hex');
    expect(row.rows[0]).toEqual({ sha256: sha, size: big.length });
    expect((await rt.store.get(sha)).equals(big)).toBe(true);
  });

  it('backfills only the mail of a date range, and moves no checkpoint', async () => {
    // Three mails of 2025 and one of 2024 in Sent, appended with their INTERNALDATE: the backfill
    // of the first half of 2025 takes the three, by date alone.
    const old = [
      { n: 7, d: new Date('2025-03-10T02:00:00Z') },
      { n: 8, d: new Date('2025-05-20T02:00:00Z') },
      { n: 9, d: new Date('2025-06-29T02:00:00Z') },
      { n: 10, d: new Date('2024-11-02T02:00:00Z') },
    ];
    for (const o of old) await imap.append('Sent', mail(o.n, o.d.toUTCString()), [], o.d);
    const cpBefore = await db.query(`SELECT folder, uidvalidity, last_uid FROM folder_checkpoints WHERE mailbox_id = $1 ORDER BY folder`, [mailboxId]);

    progress.length = 0;
    const r = await sync({ since: new Date('2025-01-01T00:00:00Z'), before: new Date('2025-07-01T00:00:00Z') });
    const sent = r.folders.find((f) => f.folder === 'Sent');
    expect(sent).toMatchObject({ listed: 3, fetched: 3, stored: 3 });
    expect(r.newMessages).toBe(3);
    expect(progress.filter((p) => p.folder === 'Sent').at(-1)).toMatchObject({ done: 3, total: 3 });
    const got = await db.query<{ mid: string }>(`SELECT message_id AS mid FROM messages WHERE message_id IN ('<ss-7@sxd.sonminh.gov.vn>','<ss-8@sxd.sonminh.gov.vn>','<ss-9@sxd.sonminh.gov.vn>','<ss-10@sxd.sonminh.gov.vn>') ORDER BY 1`);
    expect(got.rows.map((x) => x.mid)).toEqual(['<ss-7@sxd.sonminh.gov.vn>', '<ss-8@sxd.sonminh.gov.vn>', '<ss-9@sxd.sonminh.gov.vn>']);
    const cpAfter = await db.query(`SELECT folder, uidvalidity, last_uid FROM folder_checkpoints WHERE mailbox_id = $1 ORDER BY folder`, [mailboxId]);
    expect(cpAfter.rows).toEqual(cpBefore.rows);

    // Run again (as after an interruption): nothing is fetched twice.
    const again = await sync({ since: new Date('2025-01-01T00:00:00Z'), before: new Date('2025-07-01T00:00:00Z') });
    expect(again.folders.find((f) => f.folder === 'Sent')).toMatchObject({ listed: 3, fetched: 0, stored: 0 });

    // The incremental pass then takes the 2024 mail (above its checkpoint) and nothing else again.
    const inc = await sync();
    expect(inc.folders.find((f) => f.folder === 'Sent')).toMatchObject({ listed: 4, fetched: 1, stored: 1 });
    expect(await count('SELECT count(*)::int AS n FROM messages WHERE mailbox_id = $1', [mailboxId])).toBe(10);
  });
});
