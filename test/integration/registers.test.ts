// Paper registers against the real Postgres: an XLSX incoming register (Vietnamese headers under a
// title, spreadsheet dates) and a CSV outgoing register (`;`, headers without diacritics), both
// written here with exceljs and by hand. A registered document seen in mail turns its exchange
// hybrid with evidence naming the register row; registered documents never seen in mail enter the
// K2a/K2b denominators, so `stats` gives a ratio where it said "needs a paper register"; a document
// in two registers counts once; importing again changes nothing; mail that arrives later carrying
// a registered document is hybrid at once and stops being paper-only; rollups stay in agreement.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
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
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';

const STC = '000.00.03.H30';
const UBND = '000.00.00.H30';

function mail(n: number, to: string, body: string, day: number): Buffer {
  return Buffer.from(
    [
      'From: Sở Tài chính <stc@sonminh.gov.vn>',
      `To: ${to}`,
      `Subject: =?UTF-8?B?${Buffer.from(`Gửi văn bản ${n}`).toString('base64')}?=`,
      `Message-ID: <reg-${n}@stc.sonminh.gov.vn>`,
      `Date: Mon, ${String(day).padStart(2, '0')} Aug 2026 09:00:00 +0700`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

type Kpi = { numerator: number; denominator: number; ratio: number | null; needsPaperRegister?: boolean };
type Stats = { province: Record<string, Kpi>; agencies: Record<string, Record<string, Kpi>> };

describe('paper registers', () => {
  let t: TestEnv;
  let pool: Pool;
  let dir: string;
  let mailbox: number;
  let store: RawStore;
  const stats = async (): Promise<Stats> => JSON.parse((await cli('stats', '--period', '2026-Q3', '--json')).stdout) as Stats;
  const exchangeFor = async (ref: string) =>
    (
      await pool.query<{ form: string; computed: { form: string }; evidence: Array<{ label: string; rule: string; detail: string }> }>(
        `SELECT x.form, x.computed, x.evidence FROM exchanges x JOIN documents d ON d.id = x.document_id WHERE d.ref = $1`,
        [ref],
      )
    ).rows;

  async function deliver(n: number, raw: Buffer): Promise<void> {
    const [rec] = await withTransaction(pool, async (tx) =>
      recordFetchedBatch(tx, [{ mailboxId: mailbox, folder: 'Sent', uidvalidity: 1, uid: n, sha256: await store.put(raw), size: raw.length, messageId: `<reg-${n}@stc.sonminh.gov.vn>`, internalDate: null, state: 'pending', stateReason: null }]),
    );
    const deps = { pool, store, config: t.config, log: createLogger('warn'), directory: new DirectoryCache(pool) };
    expect(await analyzeStoredMessage(rec?.id as number, deps)).toBe('analyzed');
  }

  beforeAll(async () => {
    t = await createTestEnv('registers');
    useEnv(t);
    pool = createPool(t.databaseUrl);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    mailbox = await insertMailbox(pool, { agencyCode: STC, host: '127.0.0.1', port: 1, security: 'none', username: 'stc', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    store = new RawStore(t.rawStore, pool, { fsync: false });
    dir = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-registers-'));
    await deliver(1, mail(1, 'ubnd@sonminh.gov.vn', 'Sở Tài chính trình Tờ trình số 21/TTr-STC về dự toán.', 3));
    await deliver(2, mail(2, 'snv@sonminh.gov.vn', 'Sở Tài chính gửi Công văn số 41/STC-NS.', 4));

    // The Provincial PC's incoming register, as an e-office system exports it to Excel.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('So den');
    ws.addRow(['SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - UBND TỈNH SƠN MINH']);
    ws.addRow(['Quý III năm 2026']);
    ws.addRow(['STT', 'Số đến', 'Ngày đến', 'Số, ký hiệu', 'Ngày văn bản', 'Nơi gửi', 'Trích yếu', 'Hình thức']);
    ws.addRow([1, 501, new Date(Date.UTC(2026, 7, 4)), '21/TTr-STC', new Date(Date.UTC(2026, 7, 3)), 'Sở Tài chính', 'Tờ trình dự toán', 'Giấy']);
    ws.addRow([2, 502, new Date(Date.UTC(2026, 7, 10)), '22/TTr-STC', new Date(Date.UTC(2026, 7, 9)), 'Sở Tài chính', 'Tờ trình mua sắm', 'Giấy']);
    ws.addRow([3, 503, new Date(Date.UTC(2026, 7, 12)), '30/TTr-SNV', '11/08/2026', 'SỞ NỘI VỤ', 'Tờ trình biên chế', 'Giấy']);
    ws.addRow([4, 504, '', 'chưa ghi số', '', 'Sở Y tế', 'Thiếu số', 'Giấy']);
    await wb.xlsx.writeFile(path.join(dir, 'so-den-ubnd.xlsx'));

    // The Department of Finance's outgoing register, CSV with ';' and headers without diacritics.
    writeFileSync(
      path.join(dir, 'so-di-stc.csv'),
      [
        'So ky hieu;Ngay van ban;Noi nhan;Trich yeu',
        '21/TTr-STC;03/08/2026;UBND tinh;To trinh du toan',
        '22/TTr-STC;09/08/2026;UBND tinh;To trinh mua sam',
        '40/STC-NS;15/08/2026;So Noi vu;"Cong van\nhai dong"',
        '42/STC-NS;ngay mai;So Noi vu;Ngay sai',
        '',
      ].join('\r\n'),
    );
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('needs a paper register before one is imported', async () => {
    const s = await stats();
    expect(s.province.K2a).toMatchObject({ numerator: 1, ratio: null, needsPaperRegister: true });
    expect(s.province.K2b).toMatchObject({ numerator: 1, ratio: null, needsPaperRegister: true });
  });

  it('imports an XLSX incoming register: hybrid for mail it lists, paper-only documents in the K2a denominator', async () => {
    const r = await cli('register', 'import', path.join(dir, 'so-den-ubnd.xlsx'), '--agency', UBND, '--direction', 'in', '--by', 'vanthu.ubnd', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { entries: number; inserted: number; hybrid: number; paperOnly: number; headerLine: number; problems: Array<{ line: number }> };
    expect(out).toMatchObject({ entries: 3, inserted: 3, hybrid: 1, paperOnly: 2, headerLine: 3 });
    expect(out.problems).toEqual([{ line: 7, message: expect.stringContaining('chưa ghi số') }]);

    const exchanges = await exchangeFor('21/TTr-STC');
    expect(exchanges).toHaveLength(1);
    const [ex] = exchanges;
    expect(ex?.form).toBe('hybrid');
    // Seen in mail and in a register: one document.
    expect((await pool.query(`SELECT id FROM documents WHERE ref = '21/TTr-STC'`)).rowCount).toBe(1);
    expect(ex?.computed.form).toBe('hybrid');
    expect(ex?.evidence.filter((e) => e.label === 'form')).toEqual([
      // Each item of a merged exchange's evidence names the mail it came from (src/domain/exchange-merge.ts).
      { label: 'form', value: 'hybrid', rule: 'form.paper_register', detail: expect.stringMatching(/Sổ văn bản đến của 000\.00\.00\.H30, dòng 4 \(tệp so-den-ubnd\.xlsx/), message: 'reg-1@stc.sonminh.gov.vn' },
    ]);

    const s = await stats();
    // The mail (21) and two paper-only dossiers (22 from STC, 30 from SNV) reached the Provincial PC.
    expect(s.province.K2a).toMatchObject({ numerator: 1, denominator: 3 });
    expect(s.province.K2a?.ratio).toBeCloseTo(1 / 3);
    expect(s.agencies[UBND]?.K2a).toMatchObject({ numerator: 1, denominator: 3 });
    expect(s.agencies[STC]?.K2a).toMatchObject({ numerator: 1, denominator: 2, ratio: 0.5 });
    // K2b: no register of either side covers the STC → SNV mail yet.
    expect(s.province.K2b).toMatchObject({ ratio: null, needsPaperRegister: true });
    expect((await checkRollups(pool)).differences).toEqual([]);
  });

  it('imports a CSV outgoing register, reports unreadable rows by line, and counts a document in two registers once', async () => {
    const r = await cli('register', 'import', path.join(dir, 'so-di-stc.csv'), '--agency', STC, '--direction', 'out', '--by', 'vanthu.stc');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 mục / entries');
    // Line 6: the record of 40/STC-NS spans lines 4 and 5.
    expect(r.stderr).toContain('dòng / line 6');
    expect(r.stderr).toContain('"ngay mai"');
    const s = await stats();
    expect(s.province.K2a).toMatchObject({ numerator: 1, denominator: 3 });
    // The mail to SNV (41) and the paper-only 40: the register of STC covers K2b now.
    expect(s.province.K2b).toMatchObject({ numerator: 1, denominator: 2, ratio: 0.5 });
    expect((await checkRollups(pool)).differences).toEqual([]);
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await stats();
    const r = await cli('register', 'import', path.join(dir, 'so-den-ubnd.xlsx'), '--agency', UBND, '--direction', 'in', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ inserted: 0, alreadyKnown: 3, hybrid: 0 });
    expect(await stats()).toEqual(before);
    const list = JSON.parse((await cli('register', 'list', '--json')).stdout) as Array<{ agency: string; from: string | null; to: string | null }>;
    expect(list[0]).toMatchObject({ agency: UBND, from: '2026-08-04', to: '2026-08-12' });
  });

  it('labels later mail carrying a registered document hybrid, which then is no longer paper-only', async () => {
    await deliver(3, mail(3, 'ubnd@sonminh.gov.vn', 'Sở Tài chính gửi bản điện tử Tờ trình số 22/TTr-STC.', 11));
    const [ex] = await exchangeFor('22/TTr-STC');
    expect(ex?.form).toBe('hybrid');
    expect(ex?.evidence.find((e) => e.label === 'form')?.rule).toBe('form.paper_register');
    const s = await stats();
    expect(s.province.K2a).toMatchObject({ numerator: 2, denominator: 3 });
    expect((await checkRollups(pool)).differences).toEqual([]);
  });

  it('refuses files it cannot import, with exit 2 and no stack trace', async () => {
    writeFileSync(path.join(dir, 'bad.csv'), 'Ten;Ngay\nabc;01/08/2026\n');
    const noColumn = await cli('register', 'import', path.join(dir, 'bad.csv'), '--agency', STC, '--direction', 'in');
    expect(noColumn.code).toBe(2);
    expect(noColumn.stderr).toMatch(/^edocwatch: .*Số, ký hiệu/);
    const missing = await cli('register', 'import', path.join(dir, 'nope.xlsx'), '--agency', STC, '--direction', 'in');
    expect(missing.code).toBe(2);
    const direction = await cli('register', 'import', path.join(dir, 'bad.csv'), '--agency', STC, '--direction', 'sideways');
    expect(direction.code).toBe(2);
    const agency = await cli('register', 'import', path.join(dir, 'so-di-stc.csv'), '--agency', '999.99.99.H99', '--direction', 'out');
    expect(agency.code).toBe(1);
    for (const r of [noColumn, missing, direction, agency]) expect(r.stderr).not.toMatch(/\n\s+at /);
    const n = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM register_imports`)).rows[0]?.n;
    expect(n).toBe(3);
  });
});
