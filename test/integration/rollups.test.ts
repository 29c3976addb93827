// The rollups behind `stats` follow the facts in every way the facts change: messages recorded
// and analyzed (many at once, on the same rollup rows, without deadlock), an exchange relabeled,
// a message's analysis replaced, a message deleted; `rollups check` proves agreement, finds a
// difference made behind the triggers' back, and `rollups rebuild` repairs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../src/analyze/message.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { clearAnalysis, writeAnalysis, writeAnalysisIn } from '../../src/db/facts.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { checkRollups } from '../../src/db/rollups.js';
import { buildDirectory } from '../../src/domain/directory.js';
import type { DirectoryIndex } from '../../src/domain/types.js';
import { sha256Hex } from '../../src/store/raw-store.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv } from '../helpers/env.js';

const AGENCIES = ['000.00.02.H30', '000.00.04.H30', '000.00.05.H30'];

function mail(n: number, to: string, day: number): Buffer {
  return Buffer.from(
    [
      'From: Sở Tài chính <stc@sonminh.gov.vn>',
      `To: ${to}`,
      `Subject: Công văn số ${n}/STC-NS`,
      `Message-ID: <rollup-${n}@stc.sonminh.gov.vn>`,
      // 23:30 +07 on the last day of September is still Q3 in Asia/Ho_Chi_Minh (16:30 UTC).
      `Date: ${day === 30 ? 'Wed, 30 Sep 2026 23:30:00 +0700' : `Mon, ${String(day).padStart(2, '0')} Aug 2026 09:00:00 +0700`}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Sở Tài chính gửi Công văn số ${n}/STC-NS.`,
      '',
    ].join('\r\n'),
  );
}

describe('rollups', () => {
  let pool: Pool;
  let directory: DirectoryIndex;
  let mailbox: number;
  const stats = async () => JSON.parse((await cli('stats', '--period', '2026-Q3', '--json')).stdout) as {
    messages: Record<string, number>;
    province: Record<string, { numerator: number; denominator: number }>;
  };

  beforeAll(async () => {
    const t = await createTestEnv('rollups');
    useEnv(t);
    pool = createPool(t.databaseUrl, 12);
    const dir = await loadDirectoryFile('config/agencies.yaml');
    await upsertAgencies(pool, dir);
    directory = buildDirectory(dir);
    mailbox = await insertMailbox(pool, { agencyCode: '000.00.03.H30', host: '127.0.0.1', port: 1, security: 'none', username: 'stc', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
  });

  afterAll(async () => {
    await pool?.end();
  });

  async function record(n: number, raw: Buffer): Promise<number> {
    const [rec] = await withTransaction(pool, (tx) =>
      recordFetchedBatch(tx, [{ mailboxId: mailbox, folder: 'Sent', uidvalidity: 1, uid: n, sha256: sha256Hex(raw), size: raw.length, messageId: `<rollup-${n}@stc.sonminh.gov.vn>`, internalDate: null, state: 'pending', stateReason: null }]),
    );
    return rec?.id as number;
  }

  it('stays equal to the facts while 40 messages are analyzed at once onto the same rollup rows', async () => {
    const raws = Array.from({ length: 40 }, (_, k) => mail(k + 1, AGENCIES.map((a) => `vanthu@${a === '000.00.02.H30' ? 'snv' : a === '000.00.04.H30' ? 'skhdt' : 'sct'}.sonminh.gov.vn`).join(', '), k % 2 === 0 ? 30 : 10));
    const ids = await Promise.all(raws.map((raw, k) => record(k + 1, raw)));
    expect((await checkRollups(pool)).differences).toEqual([]);
    await Promise.all(
      ids.map(async (id, k) => {
        const a = await analyzeMessage(raws[k] as Buffer, { directory, monitored: '000.00.03.H30', internalDate: null, receivedAt: new Date() });
        await writeAnalysis(pool, id, a);
      }),
    );
    const check = await checkRollups(pool);
    expect(check.differences).toEqual([]);
    expect(check.messageRows).toBeGreaterThan(0);
    expect(check.exchangeRows).toBeGreaterThan(0);
    const s = await stats();
    expect(s.messages).toMatchObject({ total: 40, analyzed: 40, pending: 0 });
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM exchanges`);
    expect(rows[0]?.n).toBeGreaterThanOrEqual(40);
    // The mail of 30 September 23:30 (+07) is in Q3 though it is 16:30 UTC: the rollup day is local.
    const day = await pool.query<{ day: string }>(`SELECT DISTINCT day::text FROM message_rollup WHERE n > 0 ORDER BY 1`);
    expect(day.rows.map((r) => r.day)).toEqual(['2026-08-10', '2026-09-30']);
  });

  it('follows a relabeled exchange, a replaced analysis and a deleted message', async () => {
    const before = await stats();
    await pool.query(`UPDATE exchanges SET signed = true WHERE id = (SELECT min(id) FROM exchanges)`);
    expect((await checkRollups(pool)).differences).toEqual([]);
    const after = await stats();
    expect(after.province.K6?.numerator).toBe((before.province.K6?.numerator ?? 0) + 1);

    const { rows } = await pool.query<{ id: number }>('SELECT id FROM messages ORDER BY id LIMIT 1');
    const id = rows[0]?.id as number;
    await withTransaction(pool, async (tx) => {
      await clearAnalysis(tx, id);
      await writeAnalysisIn(tx, id, await analyzeMessage(mail(1, 'vanthu@snv.sonminh.gov.vn', 30), { directory, monitored: '000.00.03.H30', internalDate: null, receivedAt: new Date() }));
    });
    expect((await checkRollups(pool)).differences).toEqual([]);

    await pool.query('DELETE FROM messages WHERE id = $1', [id]);
    expect((await checkRollups(pool)).differences).toEqual([]);
    expect((await stats()).messages.total).toBe(39);
  });

  it('finds a change made behind the triggers, and a rebuild repairs it', async () => {
    await pool.query('ALTER TABLE exchanges DISABLE TRIGGER exchanges_rollup_update');
    try {
      await pool.query(`UPDATE exchanges SET form = 'hybrid' WHERE id = (SELECT max(id) FROM exchanges)`);
    } finally {
      await pool.query('ALTER TABLE exchanges ENABLE TRIGGER exchanges_rollup_update');
    }
    const check = await cli('rollups', 'check', '--json');
    expect(check.code).toBe(1);
    const r = JSON.parse(check.stdout) as { ok: boolean; differences: Array<{ table: string; stored: number; expected: number }> };
    expect(r.ok).toBe(false);
    expect(r.differences.map((d) => [d.table, d.stored - d.expected]).sort()).toEqual([['exchange_rollup', -1], ['exchange_rollup', 1]]);

    const rebuild = await cli('rollups', 'rebuild');
    expect(rebuild.code).toBe(0);
    expect(rebuild.stdout).toMatch(/in agreement with the facts/);
    expect((await cli('rollups', 'check')).code).toBe(0);
  });
});
