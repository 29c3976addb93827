// Corrections against the real Postgres: an override changes the effective label, the rollups and
// `stats --json` with it, and removing it brings them back; it survives `reanalyze` from the raw
// store; the audit trail records who, when, before, after and why and refuses to be rewritten; a
// bad value is refused with exit 2 and writes nothing. Re-analysis after a directory change
// relabels and reports what changed; threads join replies by In-Reply-To and by subject;
// `inspect --message` shows a stored message's labels with its overrides applied.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { checkRollups } from '../../src/db/rollups.js';
import { analyzeStoredMessage, DirectoryCache } from '../../src/jobs/analyze.js';
import { createLogger } from '../../src/logger.js';
import { RawStore } from '../../src/store/raw-store.js';
import type { Agency } from '../../src/domain/types.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const STC = '000.00.03.H30';

function mail(o: { n: number; to: string; subject: string; body: string; day: number; inReplyTo?: string }): Buffer {
  return Buffer.from(
    [
      'From: Sở Tài chính <stc@sonminh.gov.vn>',
      `To: ${o.to}`,
      `Subject: =?UTF-8?B?${Buffer.from(o.subject).toString('base64')}?=`,
      `Message-ID: <corr-${o.n}@stc.sonminh.gov.vn>`,
      ...(o.inReplyTo ? [`In-Reply-To: <${o.inReplyTo}>`, `References: <${o.inReplyTo}>`] : []),
      `Date: Mon, ${String(o.day).padStart(2, '0')} Aug 2026 09:00:00 +0700`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      o.body,
      '',
    ].join('\r\n'),
  );
}

type Kpi = { numerator: number; denominator: number; ratio: number | null };
type Stats = { province: Record<string, Kpi>; agencies: Record<string, Record<string, Kpi>> };

describe('corrections, re-analysis and threads', () => {
  let t: TestEnv;
  let pool: Pool;
  let directory: Agency[];
  const ids: number[] = [];
  const stats = async (): Promise<Stats> => {
    const r = await cli('stats', '--period', '2026-Q3', '--json');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Stats;
  };
  const exchangeOf = async (messageId: number) =>
    (
      await pool.query<{ id: string; flow: string; form: string; receiver_agency: string | null; computed: Record<string, unknown>; pinned: string[] }>(
        `SELECT x.id, x.flow, x.form, x.receiver_agency, x.computed, x.pinned FROM exchanges x JOIN exchange_sightings s ON s.exchange_id = x.id
          WHERE s.message_id = $1 ORDER BY x.id`,
        [messageId],
      )
    ).rows;
  const rollupsAgree = async () => expect((await checkRollups(pool)).differences).toEqual([]);

  beforeAll(async () => {
    t = await createTestEnv('corrections');
    useEnv(t);
    pool = createPool(t.databaseUrl);
    directory = await loadDirectoryFile('config/agencies.yaml');
    await upsertAgencies(pool, directory);
    const mailbox = await insertMailbox(pool, { agencyCode: STC, host: '127.0.0.1', port: 1, security: 'none', username: 'stc', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    const store = new RawStore(t.rawStore, pool, { fsync: false });
    const raws = [
      mail({ n: 1, to: 'snv@sonminh.gov.vn', subject: 'V/v góp ý dự thảo quy chế quản lý tài chính', body: 'Sở Tài chính gửi Công văn số 12/STC-NS để góp ý.', day: 3 }),
      mail({ n: 2, to: 'vanthu@sotuphap-moi.vn', subject: 'V/v thẩm định hồ sơ mua sắm tập trung', body: 'Sở Tài chính gửi Công văn số 13/STC-NS đề nghị thẩm định.', day: 4 }),
      mail({ n: 3, to: 'snv@sonminh.gov.vn', subject: 'Re: V/v góp ý dự thảo quy chế quản lý tài chính', body: 'Bổ sung ý kiến.', day: 5, inReplyTo: 'corr-1@stc.sonminh.gov.vn' }),
      mail({ n: 4, to: 'snv@sonminh.gov.vn', subject: 'TL: V/v góp ý dự thảo quy chế quản lý tài chính', body: 'Ý kiến cuối cùng.', day: 6 }),
      // Same subject to another department: it shares only the mailbox's own address, so a thread of its own.
      mail({ n: 5, to: 'sct@sonminh.gov.vn', subject: 'V/v góp ý dự thảo quy chế quản lý tài chính', body: 'Đề nghị Sở Công Thương góp ý.', day: 2 }),
    ];
    const recorded = await withTransaction(pool, async (tx) =>
      recordFetchedBatch(
        tx,
        await Promise.all(
          raws.map(async (raw, k) => ({
            mailboxId: mailbox, folder: 'Sent', uidvalidity: 1, uid: k + 1, sha256: await store.put(raw), size: raw.length,
            messageId: `<corr-${k + 1}@stc.sonminh.gov.vn>`, internalDate: null, state: 'pending' as const, stateReason: null,
          })),
        ),
      ),
    );
    const deps = { pool, store, config: t.config, log: createLogger('warn'), directory: new DirectoryCache(pool) };
    for (const r of recorded) {
      ids.push(r.id);
      expect(await analyzeStoredMessage(r.id, deps)).toBe('analyzed');
    }
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('threads a reply by In-Reply-To and a reply without headers by its subject, not mail to someone else', async () => {
    const { rows } = await pool.query<{ id: string; thread_id: string; subject_key: string | null }>(
      `SELECT id, thread_id, subject_key FROM messages WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );
    const [m1, m2, m3, m4, m5] = rows;
    expect(m1?.thread_id).toBe(m1?.id);
    expect(m2?.thread_id).toBe(m2?.id);
    expect(m3?.thread_id).toBe(m1?.id);
    expect(m4?.thread_id).toBe(m1?.id);
    expect(m4?.subject_key).toBe('góp ý dự thảo quy chế quản lý tài chính');
    expect(m5?.thread_id).toBe(m5?.id);
  });

  it('changes the effective flow, the rollups and stats with an override, and back when removed', async () => {
    const before = await stats();
    const [ex] = await exchangeOf(ids[0] as number);
    expect(ex?.flow).toBe('inter_agency');

    const set = await cli('override', 'set', '--exchange', String(ex?.id), '--label', 'receiver', '--value', '000.00.00.H30', '--reason', 'Gửi nhầm địa chỉ, thực tế trình UBND tỉnh', '--by', 'nguyenvana', '--json');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    const change = JSON.parse(set.stdout) as { override: { id: number }; before: Record<string, unknown>; after: Record<string, unknown> };
    expect(change.before).toEqual({ receiver: '000.00.02.H30', flow: 'inter_agency' });
    expect(change.after).toEqual({ receiver: '000.00.00.H30', flow: 'to_province_pc' });

    const [after] = await exchangeOf(ids[0] as number);
    expect(after).toMatchObject({ flow: 'to_province_pc', receiver_agency: '000.00.00.H30', pinned: ['flow', 'receiver'] });
    expect(after?.computed).toMatchObject({ flow: 'inter_agency', receiver_agency: '000.00.02.H30' });
    await rollupsAgree();
    const during = await stats();
    expect(during.agencies[STC]?.K2a?.numerator).toBe((before.agencies[STC]?.K2a?.numerator ?? 0) + 1);
    expect(during.agencies[STC]?.K2b?.numerator).toBe((before.agencies[STC]?.K2b?.numerator ?? 0) - 1);
    expect(during.agencies['000.00.00.H30']?.K2a?.numerator).toBe(1);

    const removed = await cli('override', 'remove', String(change.override.id), '--reason', 'Kiểm tra lại: đúng là gửi Sở Nội vụ', '--by', 'tranthib');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('to_province_pc');
    await rollupsAgree();
    expect(await stats()).toEqual(before);
    expect((await exchangeOf(ids[0] as number))[0]).toMatchObject({ flow: 'inter_agency', pinned: [] });
  });

  it('keeps an override through reanalyze, which changes nothing the second time', async () => {
    const [ex] = await exchangeOf(ids[0] as number);
    const set = await cli('override', 'set', '--exchange', String(ex?.id), '--label', 'form', '--value', 'hybrid', '--reason', 'Có bản giấy gửi kèm qua bưu điện', '--by', 'nguyenvana');
    expect(set.code).toBe(0);
    const withOverride = await stats();

    for (let run = 0; run < 2; run += 1) {
      const r = await cli('reanalyze', '--all', '--json');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as { messages: number; exchanges: { changed: number; added: number; removed: number }; labelChanges: Record<string, number> };
      expect(s.messages).toBe(5);
      expect(s.exchanges).toMatchObject({ changed: 0, added: 0, removed: 0 });
      expect(Object.values(s.labelChanges).every((n) => n === 0)).toBe(true);
      const [again] = await exchangeOf(ids[0] as number);
      expect(again).toMatchObject({ form: 'hybrid', pinned: ['form'] });
      expect(again?.computed).toMatchObject({ form: 'electronic' });
      await rollupsAgree();
      expect(await stats()).toEqual(withOverride);
    }
    const list = await cli('override', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ exchangeId: Number(ex?.id), label: 'form', value: 'hybrid', by: 'nguyenvana', removedAt: null })]);
  });

  it('relabels after a directory change and reports how many labels changed', async () => {
    const [old] = await exchangeOf(ids[1] as number);
    // An address on a domain the directory does not know yet (so not an agency).
    expect(old).toMatchObject({ receiver_agency: null });
    expect(old?.flow).not.toBe('inter_agency');
    const stp = directory.find((a) => a.code === '000.00.04.H30') as Agency;
    await upsertAgencies(pool, [{ ...stp, domains: [...stp.domains, 'sotuphap-moi.vn'] }]);
    const r = await cli('reanalyze', '--since', '2026-08-04', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { messages: number; exchanges: { added: number; removed: number } };
    // Messages 2, 3 and 4 are dated on or after 4 August (Asia/Ho_Chi_Minh).
    expect(s.messages).toBe(3);
    // The receiver is now an agency: its exchange key changes, so the old exchange goes and a new one comes.
    expect(s.exchanges).toMatchObject({ added: 1, removed: 1 });
    const [now] = await exchangeOf(ids[1] as number);
    expect(now).toMatchObject({ flow: 'inter_agency', receiver_agency: '000.00.04.H30' });
    await rollupsAgree();
  });

  it('audits every change with who, when, before, after and why, append-only', async () => {
    const h = await cli('override', 'history', '--json');
    expect(h.code).toBe(0);
    const trail = JSON.parse(h.stdout) as Array<{ action: string; label: string; actor: string; reason: string; before: unknown; after: unknown; at: string }>;
    expect(trail.map((a) => [a.action, a.label, a.actor])).toEqual([
      ['set', 'receiver', 'nguyenvana'],
      ['remove', 'receiver', 'tranthib'],
      ['set', 'form', 'nguyenvana'],
    ]);
    expect(trail[1]).toMatchObject({ reason: 'Kiểm tra lại: đúng là gửi Sở Nội vụ', before: { receiver: '000.00.00.H30', flow: 'to_province_pc' }, after: { receiver: '000.00.02.H30', flow: 'inter_agency' } });
    expect(trail[2]).toMatchObject({ before: { form: 'electronic' }, after: { form: 'hybrid' } });
    expect(Number.isNaN(Date.parse(trail[0]?.at ?? ''))).toBe(false);
    await expect(pool.query(`UPDATE override_audit SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM override_audit`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`TRUNCATE override_audit CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('refuses a value outside the label domain, and reanalyze without a scope, with exit 2, writing nothing', async () => {
    const [ex] = await exchangeOf(ids[0] as number);
    const count = async () => (await pool.query<{ n: number }>(`SELECT (SELECT count(*) FROM exchange_overrides) + (SELECT count(*) FROM override_audit) AS n`)).rows[0]?.n;
    const n = await count();
    const cases: string[][] = [
      ['--label', 'flow', '--value', 'to_ministry', '--reason', 'x'],
      ['--label', 'colour', '--value', 'red', '--reason', 'x'],
      ['--label', 'receiver', '--value', '999.99.99.H99', '--reason', 'x'],
      ['--label', 'form', '--value', 'hybrid', '--reason', '   '],
    ];
    for (const c of cases) {
      const r = await cli('override', 'set', '--exchange', String(ex?.id), ...c);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^edocwatch: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const unbounded = await cli('reanalyze');
    expect(unbounded.code).toBe(2);
    expect(unbounded.stderr).toContain('--all');
    const missing = await cli('override', 'set', '--exchange', '999999', '--label', 'form', '--value', 'hybrid', '--reason', 'x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('999999');
    expect(await count()).toBe(n);
    expect((await cli('override', 'remove', '999999', '--reason', 'x')).code).toBe(1);
  });

  it('inspect --message shows what the statistics count: the overridden labels with who, when, why and the analysis value', async () => {
    type Inspected = { labels: Record<string, unknown>; evidence: Array<Record<string, unknown>>; exchanges: Array<{ document: string | null; labels: Record<string, unknown> }> };
    const [ex] = await exchangeOf(ids[0] as number);
    const receiver = await cli('override', 'set', '--exchange', String(ex?.id), '--label', 'receiver', '--value', '000.00.00.H30', '--reason', 'Thực tế trình UBND tỉnh', '--by', 'tranthib');
    expect(receiver.code).toBe(0);
    const r = await cli('inspect', '--message', String(ids[0]));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Inspected;
    // The contract of DESIGN.md holds: the same keys, every evidence entry { label, value, rule, detail }.
    expect(Object.keys(j).sort()).toEqual(['attachments', 'evidence', 'exchanges', 'labels', 'message', 'parties', 'refs']);
    expect(Object.keys(j.labels)).toEqual(['form', 'digitization', 'signed', 'flow', 'secret']);
    for (const e of j.evidence) expect(Object.keys(e).sort()).toEqual(['detail', 'label', 'rule', 'value']);
    expect(j.labels).toMatchObject({ form: 'hybrid', flow: 'to_province_pc' });
    expect(j.exchanges[0]?.labels).toEqual(j.labels);
    expect(j.evidence.filter((e) => e.label === 'form')).toEqual([
      { label: 'form', value: 'hybrid', rule: 'override', detail: { by: 'nguyenvana', at: expect.stringMatching(/^2\d{3}-/), reason: 'Có bản giấy gửi kèm qua bưu điện', before: 'electronic' } },
    ]);
    expect(j.evidence.filter((e) => e.label === 'receiver')).toEqual([
      { label: 'receiver', value: '000.00.00.H30', rule: 'override', detail: expect.objectContaining({ by: 'tranthib', before: '000.00.02.H30' }) },
    ]);
    // The flow follows the corrected receiver, by the flow rules.
    expect(j.evidence.filter((e) => e.label === 'flow')).toEqual([{ label: 'flow', value: 'to_province_pc', rule: expect.stringMatching(/^flow\./), detail: expect.stringContaining('000.00.00.H30') }]);

    // The same mail as a file: the analysis alone, as before.
    const { rows } = await pool.query<{ sha256: string }>(`SELECT sha256 FROM messages WHERE id = $1`, [ids[0]]);
    const file = path.join(t.rawStore, 'inspect-me.eml');
    writeFileSync(file, await new RawStore(t.rawStore, pool, { fsync: false }).get(rows[0]?.sha256 as string));
    const plain = JSON.parse((await cli('inspect', file, '--agency', STC)).stdout) as Inspected;
    expect(plain.labels).toMatchObject({ form: 'electronic', flow: 'inter_agency' });
    expect(plain.evidence.some((e) => e.rule === 'override')).toBe(false);

    const missing = await cli('inspect', '--message', '999999');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('999999');
    for (const args of [['inspect'], ['inspect', file, '--message', String(ids[0])], ['inspect', '--message', String(ids[0]), '--agency', STC]]) {
      const bad = await cli(...args);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^edocwatch: .*--message/);
    }
  });
});
