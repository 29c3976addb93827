// K7 end to end against the real Postgres: an agency's CSV account list imported, mail analyzed
// into facts, `stats --json` counting official and active accounts; a re-import that changes and
// removes accounts keeps the history (the past quarter is unchanged, the next one follows);
// --by-domain places accounts by the directory and refuses addresses of no agency; a bad file
// writes nothing; `rollups check` covers the address rollup.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../src/analyze/message.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { writeAnalysis } from '../../src/db/facts.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { checkRollups } from '../../src/db/rollups.js';
import { buildDirectory } from '../../src/domain/directory.js';
import type { DirectoryIndex } from '../../src/domain/types.js';
import { sha256Hex } from '../../src/store/raw-store.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv } from '../helpers/env.js';

const STC = '000.00.03.H30';
const SNV = '000.00.02.H30';
const dir = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-accounts-'));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

function mail(n: number, from: string, to: string, date: string): Buffer {
  return Buffer.from(
    [`From: ${from}`, `To: ${to}`, `Subject: Công văn số ${n}/STC-NS`, `Message-ID: <acc-${n}@stc.sonminh.gov.vn>`, `Date: ${date}`,
      'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `Sở Tài chính gửi Công văn số ${n}/STC-NS.`, ''].join('\r\n'),
  );
}

interface K7 { accounts: number; activeAccounts: number; sent: number; received: number }
interface Stats { k7: { province: K7; agencies: Record<string, K7> }; province: Record<string, { numerator: number; denominator: number }> }

describe('accounts import (CSV) and K7', () => {
  let pool: Pool;
  let directory: DirectoryIndex;
  let mailbox: number;
  const stats = async (period: string): Promise<Stats> => {
    const r = await cli('stats', '--period', period, '--json');
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as Stats;
  };

  beforeAll(async () => {
    const t = await createTestEnv('accounts_csv');
    useEnv(t);
    pool = createPool(t.databaseUrl, 4);
    const agencies = await loadDirectoryFile('config/agencies.yaml');
    await upsertAgencies(pool, agencies);
    directory = buildDirectory(agencies);
    mailbox = await insertMailbox(pool, { agencyCode: STC, host: '127.0.0.1', port: 1, security: 'none', username: 'vanthu', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
  });

  afterAll(async () => {
    await pool?.end();
  });

  async function analyzed(n: number, raw: Buffer): Promise<void> {
    const [rec] = await withTransaction(pool, (tx) =>
      recordFetchedBatch(tx, [{ mailboxId: mailbox, folder: 'Sent', uidvalidity: 1, uid: n, sha256: sha256Hex(raw), size: raw.length, messageId: `<acc-${n}@stc.sonminh.gov.vn>`, internalDate: null, state: 'pending', stateReason: null }]),
    );
    await writeAnalysis(pool, rec?.id as number, await analyzeMessage(raw, { directory, monitored: STC, internalDate: null, receivedAt: new Date() }));
  }

  it('imports an agency list and counts K7 accounts, active accounts and messages in stats --json', async () => {
    const csv = file('stc.csv', [
      '\uFEFFĐịa chỉ thư;Họ và tên;Trạng thái;Ngày tạo;Đăng nhập lần cuối',
      'vanthu@stc.sonminh.gov.vn;Văn thư Sở Tài chính;Hoạt động;01/03/2020;20/06/2026 08:00',
      'ketoan@stc.sonminh.gov.vn;Kế toán;Hoạt động;01/03/2020;',
      'khoa@stc.sonminh.gov.vn;Tài khoản khóa;Khóa;01/03/2020;',
      'moi@stc.sonminh.gov.vn;Tài khoản mới;Hoạt động;15/08/2026;',
      '',
    ].join('\r\n'));
    const r = await cli('accounts', 'import', csv, '--agency', STC, '--as-of', '2026-09-01', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: `csv:agency:${STC}`, accounts: 4, added: 4, changed: 0, removed: 0, unchanged: 0 });

    // vanthu@ sends to SNV in August; ketoan@ sends nothing; moi@ is created mid-quarter.
    await analyzed(1, mail(1, 'Văn thư <vanthu@stc.sonminh.gov.vn>', 'vanthu@snv.sonminh.gov.vn', 'Mon, 10 Aug 2026 09:00:00 +0700'));
    await analyzed(2, mail(2, 'Văn thư <vanthu@stc.sonminh.gov.vn>', 'vanthu@snv.sonminh.gov.vn', 'Thu, 01 Oct 2026 09:00:00 +0700'));
    const q3 = await stats('2026-Q3');
    // Accounts in Q3: vanthu, ketoan, moi (khoa is disabled); active: vanthu.
    expect(q3.k7.agencies[STC]).toEqual({ accounts: 3, activeAccounts: 1, sent: 1, received: 0, messages: 1 });
    expect(q3.province.K7).toMatchObject({ numerator: 1, denominator: 3 });
    // Created 15 August 2026: not an account in 2025 (the list's other accounts were, from 2020).
    expect((await stats('2025')).k7.agencies[STC]).toMatchObject({ accounts: 2, activeAccounts: 0 });
    expect((await checkRollups(pool)).differences).toEqual([]);
  });

  it('re-imports with history: a removed and a locked account stay in the past quarter and leave the next', async () => {
    const csv = file('stc-2.csv', [
      'Email,Display name,Status',
      'vanthu@stc.sonminh.gov.vn,Văn thư Sở Tài chính,active',
      'moi@stc.sonminh.gov.vn,Tài khoản mới,locked',
      'khoa@stc.sonminh.gov.vn,Tài khoản khóa,closed',
      '',
    ].join('\n'));
    const r = await cli('accounts', 'import', csv, '--agency', STC, '--as-of', '2026-10-15', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ accounts: 3, added: 0, changed: 1, removed: 1, unchanged: 2 });
    const list = await cli('accounts', 'list', '--agency', STC, '--history', '--json');
    const rows = JSON.parse(list.stdout) as Array<{ address: string; enabled: boolean; valid_from: string; valid_to: string | null }>;
    expect(rows.map((x) => [x.address, x.enabled, x.valid_from.slice(0, 10), x.valid_to?.slice(0, 10) ?? null])).toEqual([
      ['ketoan@stc.sonminh.gov.vn', true, '2020-03-01', '2026-10-15'],
      ['khoa@stc.sonminh.gov.vn', false, '2020-03-01', null],
      ['moi@stc.sonminh.gov.vn', true, '2026-08-15', '2026-10-15'],
      ['moi@stc.sonminh.gov.vn', false, '2026-10-15', null],
      ['vanthu@stc.sonminh.gov.vn', true, '2020-03-01', null],
    ]);
    expect((await stats('2026-Q3')).k7.agencies[STC]).toMatchObject({ accounts: 3, activeAccounts: 1 });
    // Q4: ketoan and moi are enabled until 15 October, so they still count; vanthu sent on 1 October.
    expect((await stats('2026-Q4')).k7.agencies[STC]).toMatchObject({ accounts: 3, activeAccounts: 1, sent: 1 });
    expect((await stats('2027-Q1')).k7.agencies[STC]).toMatchObject({ accounts: 1, activeAccounts: 0 });
  });

  it('places accounts by domain, refuses addresses of no agency unless told to skip them', async () => {
    const csv = file('province.csv', 'email,name,status\nchanhvp@snv.sonminh.gov.vn,Chánh Văn phòng,active\nai.do@example.org,Ai đó,active\n');
    const refused = await cli('accounts', 'import', csv, '--by-domain', '--as-of', '2026-11-01');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/accounts of no agency in the directory: ai\.do@example\.org/);
    expect((await pool.query('SELECT 1 FROM accounts WHERE address = $1', ['chanhvp@snv.sonminh.gov.vn'])).rowCount).toBe(0);
    const ok = await cli('accounts', 'import', csv, '--by-domain', '--skip-unmatched', '--as-of', '2026-11-01', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ source: 'csv:by-domain', added: 1, skipped: ['ai.do@example.org'] });
    const { rows } = await pool.query<{ agency_code: string }>('SELECT agency_code FROM accounts WHERE address = $1', ['chanhvp@snv.sonminh.gov.vn']);
    expect(rows).toEqual([{ agency_code: SNV }]);
    // A by-domain re-import does not close the accounts of an agency's own list.
    expect((await pool.query('SELECT 1 FROM accounts WHERE source = $1 AND valid_to IS NULL', [`csv:agency:${STC}`])).rowCount).toBe(3);
  });

  it('refuses a bad file or a wrong agency with a clear message, exit 2 or 1, no stack trace, nothing written', async () => {
    const before = (await pool.query('SELECT count(*)::int AS n FROM accounts')).rows[0] as { n: number };
    const bad = file('bad.csv', 'Email,Status\nvanthu@stc.sonminh.gov.vn,active\nkhông phải địa chỉ,active\nx@stc.sonminh.gov.vn,có lẽ\n');
    const r = await cli('accounts', 'import', bad, '--agency', STC);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/danh sách tài khoản không hợp lệ \/ invalid account list \(2 problems\)/);
    expect(r.stderr).toMatch(/row 3: .*not an email address/);
    expect(r.stderr).toMatch(/row 4: .*unknown status value "có lẽ"/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    const noAddress = await cli('accounts', 'import', file('no-address.csv', 'Họ tên,Trạng thái\nA,active\n'), '--agency', STC);
    expect(noAddress.code).toBe(2);
    expect(noAddress.stderr).toMatch(/no address column/);
    const unknown = await cli('accounts', 'import', file('ok.csv', 'email\na@stc.sonminh.gov.vn\n'), '--agency', 'H99.999');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown agency code H99\.999/);
    const both = await cli('accounts', 'import', file('ok2.csv', 'email\na@stc.sonminh.gov.vn\n'), '--agency', STC, '--by-domain');
    expect(both.code).toBe(2);
    const latin1 = path.join(dir, 'latin1.csv');
    writeFileSync(latin1, Buffer.from([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xe9, 0x40, 0x78, 0x2e, 0x76, 0x6e, 0x0a]));
    expect((await cli('accounts', 'import', latin1, '--agency', STC)).stderr).toMatch(/not UTF-8/);
    expect((await pool.query('SELECT count(*)::int AS n FROM accounts')).rows[0]).toEqual(before);
  });
});
