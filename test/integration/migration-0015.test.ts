// Migration 0015 on a database written by the code before it: a document row that mails of 2025 and
// 2026 shared (`2888/UBND-VX`, no year of its own, no issue date) is split per year, and the 2026
// mail, its exchange and a 2026 register row move to the new row; each sighting gets its exchange's
// labels and evidence naming its mail; the rollups follow (checked against the facts).
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { ensureDatabase, migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { createPool, pgSettings, withTransaction, type Pool } from '../../src/db/pool.js';
import { checkRollups } from '../../src/db/rollups.js';
import { setOverride } from '../../src/db/overrides.js';
import { buildDirectory } from '../../src/domain/directory.js';
import { reanalyze } from '../../src/jobs/reanalyze.js';
import { createLogger } from '../../src/logger.js';
import { RawStore } from '../../src/store/raw-store.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

const UBND = '000.00.00.H30';
const STC = '000.00.03.H30';

/** A test database with the schema before 0015: the earlier migrations only. */
async function databaseBefore0015(name: string): Promise<{ t: TestEnv; pool: Pool }> {
  const t = await createTestEnv(name, { migrate: false });
  await ensureDatabase(t.databaseUrl);
  const before = readdirSync(MIGRATIONS_DIR()).filter((f) => f.endsWith('.sql') && f < '0015').length;
  const admin = new pg.Client(pgSettings(t.databaseUrl));
  await admin.connect();
  await runner({ dbClient: admin, dir: MIGRATIONS_DIR(), direction: 'up', migrationsTable: 'schema_migrations', count: before, singleTransaction: true, checkOrder: true, log: () => undefined });
  await admin.end();
  return { t, pool: createPool(t.databaseUrl, 4) };
}

describe('migration 0015 (documents per year, sightings with labels)', () => {
  let t: TestEnv;
  let pool: Pool;

  beforeAll(async () => {
    ({ t, pool } = await databaseBefore0015('migration_0015'));
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('splits a shared document per year and fills the sightings', async () => {
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    const mb = await insertMailbox(pool, { agencyCode: STC, host: '127.0.0.1', port: 1, security: 'none', username: 'stc', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    const mails = [
      { uid: 1, id: '<CV-2025@stc.sonminh.gov.vn>', date: '2025-12-10T03:00:00Z' },
      { uid: 2, id: '<CV-2026@stc.sonminh.gov.vn>', date: '2026-03-04T03:00:00Z' },
    ];
    const recs = await withTransaction(pool, (tx) =>
      recordFetchedBatch(tx, mails.map((m) => ({ mailboxId: mb, folder: 'Sent', uidvalidity: 1, uid: m.uid, sha256: `${m.uid}`.padStart(64, '0'), size: 100, messageId: m.id, internalDate: null, state: 'pending' as const, stateReason: null }))),
    );
    const ids = recs.map((r) => r.id);
    for (const [k, m] of mails.entries()) {
      await pool.query(`UPDATE messages SET state = 'analyzed', msg_date = $2, direction = 'outbound' WHERE id = $1`, [ids[k], m.date]);
    }
    // As the code before 0015 wrote them: one document row for both years, one exchange per mail.
    const doc = await pool.query<{ id: number }>(`INSERT INTO documents (ref, number, year, symbol, kind) VALUES ('2888/UBND-VX', '2888', NULL, 'UBND-VX', 'Công văn') RETURNING id`);
    const docId = doc.rows[0]?.id as number;
    const exIds: number[] = [];
    for (const [k, m] of mails.entries()) {
      await pool.query(`INSERT INTO message_documents (message_id, document_id, role, source) VALUES ($1, $2, 'transmitted', 'body')`, [ids[k], docId]);
      const ev = [{ label: 'form', value: 'electronic', rule: 'form.default_electronic', detail: 'mặc định' }];
      const computed = { flow: 'to_province_pc', form: 'electronic', digitization: 'none', signed: false, secret: false, document_id: docId, has_document: true, sender_agency: STC, sender_kind: 'agency', receiver_agency: UBND, receiver_kind: 'agency' };
      const x = await pool.query<{ id: number }>(
        `INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency, receiver_agency,
                                msg_date, has_document, flow, form, digitization, signed, secret, evidence, computed)
         VALUES ($1, $2, 'stc@sonminh.gov.vn', 'ubnd@sonminh.gov.vn', 'agency', 'agency', $3, $4, $5, true, 'to_province_pc', 'electronic', 'none', false, false, $6::jsonb, $7::jsonb)
         RETURNING id`,
        [`old-key-${k}`, docId, STC, UBND, m.date, JSON.stringify(ev), JSON.stringify(computed)],
      );
      exIds.push(x.rows[0]?.id as number);
      await pool.query(`INSERT INTO exchange_sightings (exchange_id, message_id) VALUES ($1, $2)`, [x.rows[0]?.id, ids[k]]);
    }
    const imp = await pool.query<{ id: number }>(
      `INSERT INTO register_imports (agency_code, direction, file_name, sha256, rows_read, rows_skipped, imported_by) VALUES ($1, 'in', 'so-den.csv', 'x', 1, 0, 't') RETURNING id`,
      [UBND],
    );
    await pool.query(
      `INSERT INTO register_entries (import_id, agency_code, direction, line, document_id, doc_date, day, sender_kind, receiver_kind, flow)
       VALUES ($1, $2, 'in', 2, $3, NULL, '2026-03-05', 'agency', 'agency', 'to_province_pc')`,
      [imp.rows[0]?.id, UBND, docId],
    );
    expect((await checkRollups(pool)).differences).toEqual([]);

    const r = await migrate(t.databaseUrl);
    // 0015 first, then those after it.
    expect(r.applied).toEqual(readdirSync(MIGRATIONS_DIR()).filter((f) => f.endsWith('.sql') && f >= '0015').sort().map((f) => f.replace(/\.sql$/, '')));
    expect(r.applied[0]).toBe('0015_exchange_sightings_merge_document_year');

    const docs = await pool.query<{ id: number; doc_year: number }>(`SELECT id, doc_year FROM documents WHERE ref = '2888/UBND-VX' ORDER BY doc_year`);
    expect(docs.rows.map((d) => d.doc_year)).toEqual([2025, 2026]);
    expect(docs.rows[0]?.id).toBe(docId);
    const newId = docs.rows[1]?.id as number;
    const md = await pool.query<{ message_id: number; document_id: number }>(`SELECT message_id, document_id FROM message_documents ORDER BY message_id`);
    expect(md.rows).toEqual([{ message_id: ids[0], document_id: docId }, { message_id: ids[1], document_id: newId }]);
    const ex = await pool.query<{ id: number; document_id: number; computed: { document_id: number }; evidence: Array<{ message: string }> }>(`SELECT id, document_id, computed, evidence FROM exchanges ORDER BY id`);
    expect(ex.rows.map((x) => [x.document_id, x.computed.document_id])).toEqual([[docId, docId], [newId, newId]]);
    expect(ex.rows.map((x) => x.evidence.map((e) => e.message))).toEqual([['cv-2025@stc.sonminh.gov.vn'], ['cv-2026@stc.sonminh.gov.vn']]);
    const reg = await pool.query<{ document_id: number }>(`SELECT document_id FROM register_entries`);
    expect(reg.rows).toEqual([{ document_id: newId }]);
    const s = await pool.query(
      `SELECT exchange_id, mail_key, msg_date, form, digitization, signed, secret, flow, document_id, sender_agency, receiver_agency, evidence
         FROM exchange_sightings ORDER BY exchange_id`,
    );
    expect(s.rows).toEqual([
      { exchange_id: exIds[0], mail_key: 'cv-2025@stc.sonminh.gov.vn', msg_date: new Date(mails[0]?.date as string), form: 'electronic', digitization: 'none', signed: false, secret: false, flow: 'to_province_pc', document_id: docId, sender_agency: STC, receiver_agency: UBND, evidence: [{ label: 'form', value: 'electronic', rule: 'form.default_electronic', detail: 'mặc định', message: 'cv-2025@stc.sonminh.gov.vn' }] },
      { exchange_id: exIds[1], mail_key: 'cv-2026@stc.sonminh.gov.vn', msg_date: new Date(mails[1]?.date as string), form: 'electronic', digitization: 'none', signed: false, secret: false, flow: 'to_province_pc', document_id: newId, sender_agency: STC, receiver_agency: UBND, evidence: [{ label: 'form', value: 'electronic', rule: 'form.default_electronic', detail: 'mặc định', message: 'cv-2026@stc.sonminh.gov.vn' }] },
    ]);
    // The period rollup of documents moved with the exchange: each year has its own document.
    const per = await pool.query<{ period: string; document_id: number }>(`SELECT period, document_id FROM period_document_rollup WHERE agency_code = '' AND n > 0 ORDER BY period`);
    expect(per.rows).toEqual([
      { period: '2025', document_id: docId },
      { period: '2025-Q4', document_id: docId },
      { period: '2026', document_id: newId },
      { period: '2026-Q1', document_id: newId },
    ]);
    expect((await checkRollups(pool)).differences).toEqual([]);
  });
});

describe('after migration 0015, reanalyze re-keys the exchanges stored before', () => {
  let t: TestEnv;
  let pool: Pool;

  beforeAll(async () => {
    ({ t, pool } = await databaseBefore0015('migration_0015_rekey'));
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('merges the mails of one document to one receiver into one exchange, keeps a corrected one', async () => {
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    const store = new RawStore(t.rawStore, pool, { fsync: false });
    const mb = await insertMailbox(pool, { agencyCode: STC, host: '127.0.0.1', port: 1, security: 'none', username: 'stc', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    const mail = (id: string, date: string, body: string) =>
      Buffer.from(
        [
          'From: Sở Tài chính <stc@sonminh.gov.vn>',
          'To: ubnd@sonminh.gov.vn',
          `Subject: =?UTF-8?B?${Buffer.from('Gửi văn bản').toString('base64')}?=`,
          `Message-ID: <${id}@stc.sonminh.gov.vn>`,
          `Date: ${date}`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from(body).toString('base64'),
          '',
        ].join('\r\n'),
      );
    const mails = [
      { uid: 1, id: 'tt21-a', date: '2026-08-03T02:00:00.000Z', raw: mail('tt21-a', 'Mon, 03 Aug 2026 09:00:00 +0700', 'Sở Tài chính gửi Tờ trình số 21/TTr-STC về dự toán.') },
      { uid: 2, id: 'tt21-b', date: '2026-08-10T02:00:00.000Z', raw: mail('tt21-b', 'Mon, 10 Aug 2026 09:00:00 +0700', 'Sở Tài chính gửi lại Tờ trình số 21/TTr-STC. Bản giấy gửi qua đường bưu điện.') },
      { uid: 3, id: 'tb5', date: '2026-08-11T02:00:00.000Z', raw: mail('tb5', 'Tue, 11 Aug 2026 09:00:00 +0700', 'Sở Tài chính gửi Thông báo số 5/TB-STC.') },
    ];
    const recs = await withTransaction(pool, async (tx) =>
      recordFetchedBatch(tx, await Promise.all(mails.map(async (m) => ({ mailboxId: mb, folder: 'Sent', uidvalidity: 1, uid: m.uid, sha256: await store.put(m.raw), size: m.raw.length, messageId: `<${m.id}@stc.sonminh.gov.vn>`, internalDate: null, state: 'pending' as const, stateReason: null })))),
    );
    const ids = recs.map((r) => r.id);
    // As the code before 0015 wrote them: one exchange per mail (keys derived from the mail).
    const docs = new Map<string, number>();
    for (const ref of ['21/TTr-STC', '5/TB-STC']) {
      const d = await pool.query<{ id: number }>(`INSERT INTO documents (ref, number, year, symbol, kind) VALUES ($1, $2, NULL, $3, NULL) RETURNING id`, [ref, ref.split('/')[0], ref.split('/')[1]]);
      docs.set(ref, d.rows[0]?.id as number);
    }
    const old: number[] = [];
    for (const [k, m] of mails.entries()) {
      const ref = m.id === 'tb5' ? '5/TB-STC' : '21/TTr-STC';
      const docId = docs.get(ref) as number;
      await pool.query(`UPDATE messages SET state = 'analyzed', msg_date = $2, direction = 'outbound', analyzed_at = now() WHERE id = $1`, [ids[k], m.date]);
      await pool.query(`INSERT INTO message_documents (message_id, document_id, role, source) VALUES ($1, $2, 'transmitted', 'body')`, [ids[k], docId]);
      const computed = { flow: 'to_province_pc', form: 'electronic', digitization: 'none', signed: false, secret: false, document_id: docId, has_document: true, sender_agency: STC, sender_kind: 'agency', receiver_agency: UBND, receiver_kind: 'agency' };
      const x = await pool.query<{ id: number }>(
        `INSERT INTO exchanges (exchange_key, document_id, sender_address, receiver_address, sender_kind, receiver_kind, sender_agency, receiver_agency,
                                msg_date, has_document, flow, form, digitization, signed, secret, evidence, computed)
         VALUES ($1, $2, 'stc@sonminh.gov.vn', 'ubnd@sonminh.gov.vn', 'agency', 'agency', $3, $4, $5, true, 'to_province_pc', 'electronic', 'none', false, false, '[]'::jsonb, $6::jsonb)
         RETURNING id`,
        [`old-key-${m.id}`, docId, STC, UBND, m.date, JSON.stringify(computed)],
      );
      old.push(x.rows[0]?.id as number);
      await pool.query(`INSERT INTO exchange_sightings (exchange_id, message_id) VALUES ($1, $2)`, [x.rows[0]?.id, ids[k]]);
    }
    await migrate(t.databaseUrl);
    // An administrator corrected the exchange of Thông báo 5/TB-STC before the upgrade's reanalyze.
    const directory = buildDirectory(await loadDirectoryFile('config/agencies.yaml'));
    await setOverride(pool, directory, { exchangeId: old[2] as number, label: 'signed', value: 'true', reason: 'bản ký số gửi riêng', by: 'admin' });
    const before = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM exchanges`);
    expect(before.rows[0]?.n).toBe(3);

    const summary = await reanalyze({ pool, store, config: t.config, log: createLogger('warn') }, { concurrency: 2 });
    expect(summary.failed).toEqual([]);
    // The two exchanges of 21/TTr-STC become one (new key); the old ones go, the corrected old one stays.
    expect(summary.exchanges).toMatchObject({ removed: 2, keptForOverride: 1 });
    const ex = await pool.query<{ id: number; exchange_key: string; ref: string; form: string; msg_date: Date; sightings: number }>(
      `SELECT x.id, x.exchange_key, d.ref, x.form, x.msg_date, (SELECT count(*)::int FROM exchange_sightings s WHERE s.exchange_id = x.id) AS sightings
         FROM exchanges x JOIN documents d ON d.id = x.document_id ORDER BY d.ref, x.id`,
    );
    const rows = ex.rows.map((r) => ({ ref: r.ref, old: r.exchange_key.startsWith('old-key-'), form: r.form, sightings: r.sightings, date: r.msg_date.toISOString() }));
    expect(rows).toEqual([
      { ref: '21/TTr-STC', old: false, form: 'hybrid', sightings: 2, date: '2026-08-03T02:00:00.000Z' },
      { ref: '5/TB-STC', old: true, form: 'electronic', sightings: 0, date: '2026-08-11T02:00:00.000Z' },
      { ref: '5/TB-STC', old: false, form: 'electronic', sightings: 1, date: '2026-08-11T02:00:00.000Z' },
    ]);
    expect((await checkRollups(pool)).differences).toEqual([]);
    // Idempotent: a second run changes nothing.
    const again = await reanalyze({ pool, store, config: t.config, log: createLogger('warn') });
    expect(again.exchanges).toMatchObject({ added: 0, removed: 0, changed: 0 });
    expect((await checkRollups(pool)).differences).toEqual([]);
  });
});
