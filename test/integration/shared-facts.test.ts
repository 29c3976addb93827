// Attachment facts shared between analyzing processes (src/analyze/shared-facts.ts, migration 0017):
// a document read by one process is not read again by another, nor by `reanalyze`; facts made by
// other analysis code, or with other trust anchors, are never used; and `reanalyze` checks
// signatures against the configured anchors, as the analyze job does.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentReadings, forgetAttachmentFacts } from '../../src/analyze/attachment.js';
import { analysisFingerprint } from '../../src/analyze/shared-facts.js';
import { loadConfig } from '../../src/config/config.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { PgSharedFacts, pruneSharedFacts } from '../../src/db/attachment-facts.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import type { AttachmentFacts } from '../../src/domain/types.js';
import { analyzeStoredMessage, DirectoryCache } from '../../src/jobs/analyze.js';
import { reanalyze } from '../../src/jobs/reanalyze.js';
import { createLogger } from '../../src/logger.js';
import { RawStore, sha256Hex } from '../../src/store/raw-store.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { mailWith, plainPdf, signPdf, testPki } from '../helpers/pki.js';

describe('attachment facts shared between processes', () => {
  let t: TestEnv;
  let pool: Pool;
  let pdf: Buffer;
  const ids: number[] = [];
  let deps: Parameters<typeof analyzeStoredMessage>[1];

  const statusesOf = async (sha: string) =>
    (await pool.query<{ s: string }>(`SELECT x->>'status' AS s FROM attachments a, jsonb_array_elements(a.signatures) x WHERE a.sha256 = $1`, [sha])).rows.map((r) => r.s);

  beforeAll(async () => {
    t = await createTestEnv('shared_facts');
    pool = createPool(t.databaseUrl);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    const pki = testPki();
    const anchors = path.join(mkdtempSync(path.join(os.tmpdir(), 'edocwatch-anchors-')), 'root.pem');
    writeFileSync(anchors, pki.root.certPem);
    const config = loadConfig({ ...t.env, EDOCWATCH_TRUST_ANCHORS: anchors });
    // A signed one-page decision: larger than the lookup threshold (the signature's placeholder alone is 16 kB).
    pdf = await signPdf(await plainPdf('Quyet dinh so 41/QD-UBND. Can cu Cong van so 2888/UBND-VX cua UBND tinh.'), pki.signer, { chain: [pki.intermediate] });
    const store = new RawStore(t.rawStore, pool, { fsync: false });
    const mailbox = await insertMailbox(pool, { agencyCode: '000.00.02.H30', host: '127.0.0.1', port: 1, security: 'none', username: 'snv', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    // The same decision in two mails (sent, then sent again with another subject).
    const raws = [
      mailWith([{ name: 'qd41.pdf', type: 'application/pdf', content: pdf }], 'Gửi Quyết định số 41/QĐ-UBND'),
      mailWith([{ name: 'QD-41-UBND.pdf', type: 'application/pdf', content: pdf }], 'Gửi lại Quyết định số 41/QĐ-UBND (bản ký số)'),
    ];
    const recorded = await withTransaction(pool, async (tx) =>
      recordFetchedBatch(
        tx,
        await Promise.all(
          raws.map(async (raw, k) => ({
            mailboxId: mailbox, folder: 'INBOX', uidvalidity: 1, uid: k + 1, sha256: await store.put(raw), size: raw.length,
            messageId: null, internalDate: null, state: 'pending' as const, stateReason: null,
          })),
        ),
      ),
    );
    ids.push(...recorded.map((r) => r.id));
    deps = { pool, store, config, log: createLogger('warn'), directory: new DirectoryCache(pool) };
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('reads a document once: a second process takes its facts from Postgres', async () => {
    expect(pdf.length).toBeGreaterThan(16 * 1024);
    forgetAttachmentFacts();
    const r0 = attachmentReadings();
    expect(await analyzeStoredMessage(ids[0] as number, deps)).toBe('analyzed');
    expect(attachmentReadings() - r0).toBe(1);
    const { rows } = await pool.query<{ sha256: string; fingerprint: string }>('SELECT sha256, fingerprint FROM attachment_facts');
    expect(rows).toEqual([{ sha256: sha256Hex(pdf), fingerprint: analysisFingerprint() }]);

    // Another process: nothing in its own cache.
    forgetAttachmentFacts();
    const r1 = attachmentReadings();
    expect(await analyzeStoredMessage(ids[1] as number, deps)).toBe('analyzed');
    expect(attachmentReadings() - r1).toBe(0);
    // The facts it used are those read the first time: the signature checked against the anchors.
    expect(await statusesOf(sha256Hex(pdf))).toEqual(['valid']);
    const kinds = await pool.query<{ kind: string; digitization: string; pages: number; text_pages: number }>(
      'SELECT kind, digitization, pages, text_pages FROM attachments WHERE sha256 = $1',
      [sha256Hex(pdf)],
    );
    expect(kinds.rows).toEqual([{ kind: 'pdf', digitization: 'born_digital', pages: 1, text_pages: 1 }]);
    // The PDF's text was used by both: the document it alone cites is found in each message.
    const docs = await pool.query<{ message_id: number; ref: string; source: string }>(
      `SELECT md.message_id, d.ref, md.source FROM message_documents md JOIN documents d ON d.id = md.document_id
        WHERE md.message_id = ANY($1::bigint[]) AND d.ref = '2888/UBND-VX' ORDER BY md.message_id`,
      [ids],
    );
    expect(docs.rows).toEqual([...ids].sort((a, b) => a - b).map((id) => ({ message_id: id, ref: '2888/UBND-VX', source: 'attachment:0' })));
  });

  it('reanalyze reads nothing again, and checks signatures against the configured anchors', async () => {
    forgetAttachmentFacts();
    const r0 = attachmentReadings();
    const summary = await reanalyze({ pool, store: deps.store, config: deps.config, log: deps.log }, {});
    expect(summary.messages).toBe(2);
    expect(summary.failed).toEqual([]);
    expect(attachmentReadings() - r0).toBe(0);
    expect(await statusesOf(sha256Hex(pdf))).toEqual(['valid']);
  });

  it('never uses facts made by other analysis code, and prunes them after a day', async () => {
    const other = new PgSharedFacts(pool, undefined, 'other-code');
    const key = (await pool.query<{ key: string }>('SELECT key FROM attachment_facts')).rows[0]?.key as string;
    expect((await other.get([key])).size).toBe(0);
    expect((await new PgSharedFacts(pool).get([key])).size).toBe(1);
    // Facts whose text holds a NUL (jsonb would refuse it) round-trip whole.
    const facts: AttachmentFacts = { filename: 'x.doc', declaredType: null, sniffedType: 'application/msword', size: 3, sha256: 'f'.repeat(64), kind: 'office', digitization: 'born_digital', pages: null, textPages: null, text: 'Số\u000041/QĐ-UBND', encoding: null, problem: null };
    other.put(`${'f'.repeat(64)}|doc`, facts);
    expect(await other.flush()).toBe(1);
    expect((await other.get([`${'f'.repeat(64)}|doc`])).get(`${'f'.repeat(64)}|doc`)).toEqual(facts);
    // A rolling upgrade keeps the other version's rows for a day; then they go.
    expect(await pruneSharedFacts(pool)).toBe(0);
    await pool.query(`UPDATE attachment_facts SET created_at = now() - interval '25 hours' WHERE fingerprint = 'other-code'`);
    expect(await pruneSharedFacts(pool)).toBe(1);
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM attachment_facts')).rows[0]?.n).toBe(1);
  });
});
