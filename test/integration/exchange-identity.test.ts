// Exchange identity across mails (DESIGN.md "Definitions": one exchange per document transmitted and
// receiving party) against the real Postgres: the same document mailed twice from the same sender
// to the same receiver — first a scan, later the signed born-digital PDF with "bản giấy gửi qua
// đường bưu điện" — is ONE exchange whose labels are the merge of both mails (hybrid, mixed,
// signed, dated by the first); the merge does not depend on the order the mails are analyzed in;
// re-analysis and removal recompute it from the sightings left, an override surviving both; the
// same number in two years is two documents; `stats` counts the exchange once and the rollups stay
// exact through all of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { clearAnalysis } from '../../src/db/facts.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { setOverride } from '../../src/db/overrides.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { checkRollups } from '../../src/db/rollups.js';
import { buildDirectory } from '../../src/domain/directory.js';
import type { DirectoryIndex } from '../../src/domain/types.js';
import { analyzeStoredMessage, DirectoryCache } from '../../src/jobs/analyze.js';
import { reanalyze } from '../../src/jobs/reanalyze.js';
import { createLogger } from '../../src/logger.js';
import { RawStore } from '../../src/store/raw-store.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv, type TestEnv } from '../helpers/env.js';
import { plainPdf, signPdf, testPki } from '../helpers/pki.js';
import { adminPage, imagePdf, jpegOf, renderHead } from '../helpers/scans.js';

const UBND = '000.00.00.H30';
const SNV = '000.00.02.H30';
const STC = '000.00.03.H30';

interface MailSpec {
  id: string;
  date: string;
  to: string[];
  subject: string;
  body: string;
  files?: Array<{ name: string; type: string; content: Buffer }>;
}

function mime(m: MailSpec): Buffer {
  const b = '=_edocwatch_exchange';
  const head = [
    'From: Sở Tài chính <stc@sonminh.gov.vn>',
    `To: ${m.to.join(', ')}`,
    `Subject: =?UTF-8?B?${Buffer.from(m.subject).toString('base64')}?=`,
    `Message-ID: <${m.id}@stc.sonminh.gov.vn>`,
    `Date: ${m.date}`,
    'MIME-Version: 1.0',
  ];
  const text = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(m.body).toString('base64')}\r\n`;
  if (!m.files?.length) return Buffer.from([...head, text].join('\r\n'));
  const parts = m.files.map(
    (f) => `--${b}\r\nContent-Type: ${f.type}; name="${f.name}"\r\nContent-Disposition: attachment; filename="${f.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${f.content.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`,
  );
  return Buffer.from([...head, `Content-Type: multipart/mixed; boundary="${b}"`, '', `--${b}`, text + parts.join('') + `--${b}--`, ''].join('\r\n'));
}

type Kpi = { numerator: number; denominator: number };
type Stats = { exchanges: number; documents: number; province: Record<string, Kpi> };

describe('exchange identity across mails', () => {
  let t: TestEnv;
  let pool: Pool;
  let store: RawStore;
  let directory: DirectoryIndex;
  const mailboxes = new Map<string, number>();
  /** Message row ids by name (`A@stc` is mail A in the Sent folder of STC, `A@ubnd` its copy in UBND's INBOX). */
  const ids = new Map<string, number>();
  let uid = 0;
  const stats = async (period: string): Promise<Stats> => JSON.parse((await cli('stats', '--period', period, '--json')).stdout) as Stats;
  const deps = () => ({ pool, store, config: t.config, log: createLogger('warn'), directory: new DirectoryCache(pool) });

  async function record(name: string, mailbox: string, raw: Buffer, messageId: string): Promise<void> {
    uid += 1;
    const [rec] = await withTransaction(pool, async (tx) =>
      recordFetchedBatch(tx, [{ mailboxId: mailboxes.get(mailbox) as number, folder: mailbox === 'stc' ? 'Sent' : 'INBOX', uidvalidity: 1, uid, sha256: await store.put(raw), size: raw.length, messageId: `<${messageId}@stc.sonminh.gov.vn>`, internalDate: null, state: 'pending', stateReason: null }]),
    );
    ids.set(name, rec?.id as number);
  }

  async function analyze(names: string[], concurrently = false): Promise<void> {
    const one = async (n: string) => expect(await analyzeStoredMessage(ids.get(n) as number, deps())).toBe('analyzed');
    if (concurrently) await Promise.all(names.map(one));
    else for (const n of names) await one(n);
  }

  /** Removes the mails' facts; they wait for analysis again (pending), as after a fresh fetch. */
  async function clear(names: string[]): Promise<void> {
    for (const n of names) {
      await withTransaction(pool, async (tx) => {
        await clearAnalysis(tx, ids.get(n) as number);
        await tx.query(`UPDATE messages SET state = 'pending' WHERE id = $1`, [ids.get(n)]);
      });
    }
  }

  /** Everything about the exchanges that must not depend on the order of analysis (row ids left out). */
  async function dump(): Promise<string> {
    const ex = await pool.query<{ line: string }>(
      `SELECT concat_ws(' | ', x.exchange_key, d.ref, d.doc_year, x.msg_date, x.sender_address, x.receiver_address, x.sender_agency,
                        x.receiver_agency, x.flow, x.form, x.digitization, x.signed, x.secret, x.has_document,
                        (x.computed - 'document_id')::text, x.evidence::text) AS line
         FROM exchanges x LEFT JOIN documents d ON d.id = x.document_id ORDER BY x.exchange_key`,
    );
    const seen = await pool.query<{ line: string }>(
      `SELECT concat_ws(' | ', x.exchange_key, s.message_id, s.mail_key, s.msg_date, s.form, s.digitization, s.signed, s.evidence::text) AS line
         FROM exchange_sightings s JOIN exchanges x ON x.id = s.exchange_id ORDER BY x.exchange_key, s.message_id`,
    );
    return [...ex.rows, ...seen.rows].map((r) => r.line).join('\n');
  }

  async function exchangesOf(ref: string) {
    return (
      await pool.query<{
        id: number; exchange_key: string; doc_year: number; receiver_agency: string; msg_date: Date; form: string; digitization: string;
        signed: boolean; computed: Record<string, unknown>; evidence: Array<{ label: string; rule: string; message: string; value: unknown }>; sightings: number;
      }>(
        `SELECT x.id, x.exchange_key, d.doc_year, x.receiver_agency, x.msg_date, x.form, x.digitization, x.signed, x.computed, x.evidence,
                (SELECT count(*)::int FROM exchange_sightings s WHERE s.exchange_id = x.id) AS sightings
           FROM exchanges x JOIN documents d ON d.id = x.document_id WHERE d.ref = $1 ORDER BY d.doc_year, x.receiver_agency`,
        [ref],
      )
    ).rows;
  }

  const mailA: MailSpec = {
    id: 'tt21-scan',
    date: 'Mon, 03 Aug 2026 09:00:00 +0700',
    to: ['ubnd@sonminh.gov.vn', 'snv@sonminh.gov.vn'],
    subject: 'Gửi Tờ trình số 21/TTr-STC',
    body: 'Sở Tài chính gửi Tờ trình số 21/TTr-STC về dự toán ngân sách (bản chụp).',
  };
  const mailB: MailSpec = {
    id: 'tt21-signed',
    date: 'Mon, 10 Aug 2026 15:30:00 +0700',
    to: ['ubnd@sonminh.gov.vn'],
    subject: 'Gửi bản ký số Tờ trình số 21/TTr-STC',
    body: 'Sở Tài chính gửi bản điện tử có ký số Tờ trình số 21/TTr-STC. Bản giấy gửi qua đường bưu điện.',
  };
  const mailC: MailSpec = { id: 'no-doc', date: 'Tue, 11 Aug 2026 08:00:00 +0700', to: ['ubnd@sonminh.gov.vn'], subject: 'Lịch họp tuần', body: 'Kính gửi UBND tỉnh lịch họp tuần sau.' };
  const ALL = ['A@stc', 'A@ubnd', 'B@stc', 'B@ubnd', 'C@stc'];

  beforeAll(async () => {
    t = await createTestEnv('exchange_identity');
    useEnv(t);
    pool = createPool(t.databaseUrl, 8);
    const agencies = await loadDirectoryFile('config/agencies.yaml');
    await upsertAgencies(pool, agencies);
    directory = buildDirectory(agencies);
    store = new RawStore(t.rawStore, pool, { fsync: false });
    for (const [name, agency] of [['stc', STC], ['ubnd', UBND]] as const) {
      mailboxes.set(name, await insertMailbox(pool, { agencyCode: agency, host: '127.0.0.1', port: 1, security: 'none', username: name, secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false }));
    }
    const scan = await imagePdf([{ jpeg: jpegOf(await renderHead(adminPage('21/TTr-STC', 'TỜ TRÌNH Về dự toán ngân sách'))) }]);
    const pki = testPki();
    const signed = await signPdf(await plainPdf('To trinh so 21/TTr-STC ve du toan ngan sach'), pki.signer, { chain: [pki.intermediate] });
    const a = mime({ ...mailA, files: [{ name: 'to-trinh-scan.pdf', type: 'application/pdf', content: scan }] });
    const b = mime({ ...mailB, files: [{ name: 'to-trinh-ky-so.pdf', type: 'application/pdf', content: signed }] });
    // Each mail in the sender's Sent folder and in the Provincial PC's INBOX.
    await record('A@stc', 'stc', a, mailA.id);
    await record('A@ubnd', 'ubnd', a, mailA.id);
    await record('B@stc', 'stc', b, mailB.id);
    await record('B@ubnd', 'ubnd', b, mailB.id);
    await record('C@stc', 'stc', mime(mailC), mailC.id);
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('the same document mailed twice to the same receiver is one exchange with the merged labels', async () => {
    await analyze(ALL);
    const [toUbnd, toSnv, ...rest] = await exchangesOf('21/TTr-STC');
    expect(rest).toEqual([]);
    // To the Provincial PC: a scan on 3 August, the signed born-digital PDF and a paper copy by post on 10 August.
    expect(toUbnd).toMatchObject({ receiver_agency: UBND, form: 'hybrid', digitization: 'mixed', signed: true, sightings: 4, doc_year: 2026 });
    expect(toUbnd?.msg_date.toISOString()).toBe('2026-08-03T02:00:00.000Z');
    expect(toUbnd?.computed).toMatchObject({ form: 'hybrid', digitization: 'mixed', signed: true, flow: 'to_province_pc' });
    // Evidence: the union, each item naming its mail, the same mail's items once though two mailboxes hold it.
    const ev = toUbnd?.evidence ?? [];
    expect(new Set(ev.map((e) => e.message))).toEqual(new Set(['tt21-scan@stc.sonminh.gov.vn', 'tt21-signed@stc.sonminh.gov.vn']));
    expect(ev.find((e) => e.rule === 'digitization.scanned')?.message).toBe('tt21-scan@stc.sonminh.gov.vn');
    expect(ev.find((e) => e.rule === 'form.hybrid_phrase')?.message).toBe('tt21-signed@stc.sonminh.gov.vn');
    expect(ev.find((e) => e.rule === 'signed.attachment')?.message).toBe('tt21-signed@stc.sonminh.gov.vn');
    expect(ev.find((e) => e.rule === 'merge.sightings')).toMatchObject({ label: 'digitization', value: 'mixed' });
    expect(ev.filter((e) => e.rule === 'digitization.scanned')).toHaveLength(1);
    // To the Department of Home Affairs: only the scan.
    expect(toSnv).toMatchObject({ receiver_agency: SNV, form: 'electronic', digitization: 'scanned', signed: false, sightings: 2 });
    // A mail without a document stays an exchange of its own.
    const noDoc = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM exchanges WHERE document_id IS NULL`);
    expect(noDoc.rows[0]?.n).toBe(1);
    expect((await checkRollups(pool)).differences).toEqual([]);
  });

  it('stats count the document and its exchange once', async () => {
    const s = await stats('2026-Q3');
    expect(s.exchanges).toBe(3);
    expect(s.documents).toBe(1);
    // One dossier to the Provincial PC (not two: the second mail is the same exchange), one to a department.
    expect(s.province.K2a?.numerator).toBe(1);
    expect(s.province.K2b?.numerator).toBe(1);
    // K6 counts electronic documents: the hybrid one is not; the scan to SNV is, unsigned.
    expect(s.province.K6).toMatchObject({ numerator: 0, denominator: 1 });
    expect(s.province.K5?.denominator).toBe(3);
  });

  it('gives byte-identical exchanges whatever the order the mails are analyzed in', async () => {
    const forward = await dump();
    for (const order of [[...ALL].reverse(), ['B@ubnd', 'C@stc', 'A@stc', 'B@stc', 'A@ubnd']]) {
      await clear(ALL);
      expect((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM exchanges`)).rows[0]?.n).toBe(0);
      expect((await checkRollups(pool)).differences).toEqual([]);
      await analyze(order);
      expect(await dump()).toBe(forward);
    }
    // And all at once, on the same exchange rows.
    await clear(ALL);
    await analyze(ALL, true);
    expect(await dump()).toBe(forward);
    expect((await checkRollups(pool)).differences).toEqual([]);
  });

  it('re-analysis and removal recompute the exchange from the mails left; an override survives both', async () => {
    const [toUbnd] = await exchangesOf('21/TTr-STC');
    const id = Number(toUbnd?.id);
    await setOverride(pool, directory, { exchangeId: id, label: 'signed', value: 'false', reason: 'chữ ký số của người không có thẩm quyền', by: 'admin' });
    const before = await dump();
    const summary = await reanalyze(deps());
    expect(summary.failed).toEqual([]);
    expect(summary.messages).toBe(5);
    expect(summary.exchanges).toMatchObject({ added: 0, removed: 0, changed: 0 });
    expect(await dump()).toBe(before);
    const [again] = await exchangesOf('21/TTr-STC');
    expect(again).toMatchObject({ id, signed: false, form: 'hybrid', digitization: 'mixed' });
    expect(again?.computed.signed).toBe(true);

    // The signed PDF mail is removed (both copies): the exchange is the scan's again, the override still pinned.
    await clear(['B@stc', 'B@ubnd']);
    const [scanOnly] = await exchangesOf('21/TTr-STC');
    expect(scanOnly).toMatchObject({ id, form: 'electronic', digitization: 'scanned', signed: false, sightings: 2 });
    expect(scanOnly?.computed).toMatchObject({ form: 'electronic', digitization: 'scanned', signed: false });
    expect(scanOnly?.msg_date.toISOString()).toBe('2026-08-03T02:00:00.000Z');
    expect(scanOnly?.evidence.every((e) => e.message === 'tt21-scan@stc.sonminh.gov.vn')).toBe(true);
    expect((await checkRollups(pool)).differences).toEqual([]);

    // The scan removed too: the corrected exchange stays (its override and audit refer to it), the other goes.
    await clear(['A@stc', 'A@ubnd']);
    const left = await exchangesOf('21/TTr-STC');
    expect(left.map((x) => [x.id, x.sightings])).toEqual([[id, 0]]);
    expect((await checkRollups(pool)).differences).toEqual([]);

    // Analyzed again, in another order: the same exchange (same id) gets its sightings back, the override still wins.
    await analyze(['B@ubnd', 'A@ubnd', 'B@stc', 'A@stc']);
    const [back, snv] = await exchangesOf('21/TTr-STC');
    expect(back).toMatchObject({ id, signed: false, form: 'hybrid', digitization: 'mixed', sightings: 4 });
    expect(back?.computed.signed).toBe(true);
    expect(snv).toMatchObject({ receiver_agency: SNV, sightings: 2 });
    expect(await dump()).toBe(before);
    expect((await checkRollups(pool)).differences).toEqual([]);
  });

  it('the same number in two years is two documents and two exchanges; a resend naming the issue date joins the first', async () => {
    const y2025 = mime({ id: 'cv77-2025', date: 'Sat, 20 Dec 2025 10:00:00 +0700', to: ['ubnd@sonminh.gov.vn'], subject: 'Gửi Công văn số 77/STC-VP', body: 'Sở Tài chính gửi Công văn số 77/STC-VP về việc quyết toán.' });
    const y2026 = mime({ id: 'cv77-2026', date: 'Tue, 06 Jan 2026 10:00:00 +0700', to: ['ubnd@sonminh.gov.vn'], subject: 'Gửi Công văn số 77/STC-VP', body: 'Sở Tài chính gửi Công văn số 77/STC-VP về việc kế hoạch năm 2026.' });
    const resend = mime({ id: 'cv77-resend', date: 'Thu, 08 Jan 2026 10:00:00 +0700', to: ['ubnd@sonminh.gov.vn'], subject: 'Gửi lại công văn', body: 'Sở Tài chính gửi lại Công văn số 77/STC-VP ngày 20/12/2025 về việc quyết toán. Bản giấy gửi qua bưu điện.' });
    await record('Y1', 'stc', y2025, 'cv77-2025');
    await record('Y2', 'stc', y2026, 'cv77-2026');
    await record('Y3', 'stc', resend, 'cv77-resend');
    await analyze(['Y3', 'Y2', 'Y1']);
    const docs = await pool.query<{ doc_year: number }>(`SELECT doc_year FROM documents WHERE ref = '77/STC-VP' ORDER BY doc_year`);
    expect(docs.rows.map((r) => r.doc_year)).toEqual([2025, 2026]);
    const [of2025, of2026, ...rest] = await exchangesOf('77/STC-VP');
    expect(rest).toEqual([]);
    // The resend of January 2026 is the 2025 document: one exchange, of December 2025 (its first mail), hybrid by the resend.
    expect(of2025).toMatchObject({ doc_year: 2025, sightings: 2, form: 'hybrid' });
    expect(of2025?.msg_date.toISOString()).toBe('2025-12-20T03:00:00.000Z');
    expect(of2026).toMatchObject({ doc_year: 2026, sightings: 1, form: 'electronic' });
    expect((await stats('2025')).documents).toBe(1);
    const q1 = await stats('2026-Q1');
    expect([q1.exchanges, q1.documents]).toEqual([1, 1]);
    expect((await checkRollups(pool)).differences).toEqual([]);
    const check = await cli('rollups', 'check', '--json');
    expect(check.code).toBe(0);
    expect((JSON.parse(check.stdout) as { differences: unknown[] }).differences).toEqual([]);
  });

  it('a paper register resolves its documents by year as mail does', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-exchange-register-'));
    // The Provincial PC's incoming register lists 77/STC-VP of 20/12/2025 (not the one of 2026).
    writeFileSync(path.join(dir, 'so-den.csv'), ['So ky hieu;Ngay van ban;Ngay den;Noi gui', '77/STC-VP;20/12/2025;22/12/2025;So Tai chinh', ''].join('\r\n'));
    const r = await cli('register', 'import', path.join(dir, 'so-den.csv'), '--agency', UBND, '--direction', 'in', '--by', 'vanthu.ubnd', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ entries: 1, inserted: 1, paperOnly: 0 });
    const entry = await pool.query<{ doc_year: number }>(`SELECT d.doc_year FROM register_entries r JOIN documents d ON d.id = r.document_id`);
    expect(entry.rows).toEqual([{ doc_year: 2025 }]);
    const [of2025, of2026] = await exchangesOf('77/STC-VP');
    // The 2025 mail's sighting is hybrid by the register now; the 2026 document is untouched.
    const sightings = await pool.query<{ mail_key: string; form: string }>(
      `SELECT s.mail_key, s.form FROM exchange_sightings s WHERE s.exchange_id = $1 ORDER BY s.mail_key`,
      [of2025?.id],
    );
    expect(sightings.rows).toEqual([
      { mail_key: 'cv77-2025@stc.sonminh.gov.vn', form: 'hybrid' },
      { mail_key: 'cv77-resend@stc.sonminh.gov.vn', form: 'hybrid' },
    ]);
    expect(of2026?.form).toBe('electronic');
    expect((await checkRollups(pool)).differences).toEqual([]);
  });
});
