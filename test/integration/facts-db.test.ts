// Writing a message's facts: one exchange for a mail seen in the sender's Sent and the recipient's
// INBOX, and analyzing again replaces the facts without adding any.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../src/analyze/message.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { clearAnalysis, writeAnalysis, writeAnalysisIn } from '../../src/db/facts.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { buildDirectory } from '../../src/domain/directory.js';
import { sha256Hex } from '../../src/store/raw-store.js';
import { createTestEnv } from '../helpers/env.js';
import { DEFAULT_ATTACHMENT_LIMITS } from '../../src/analyze/attachment.js';
import { trustAnchors } from '../../src/analyze/signatures/trust.js';
import { X509Certificate } from 'node:crypto';
import { mailWith, plainPdf, signPdf, tamper, testPki } from '../helpers/pki.js';

const RAW = Buffer.from(
  [
    'From: Sở Tài chính <stc@sonminh.gov.vn>',
    'To: snv@sonminh.gov.vn, sct@sonminh.gov.vn',
    'Subject: =?UTF-8?B?' + Buffer.from('Gửi Công văn số 125/STC-NS').toString('base64') + '?=',
    'Message-ID: <facts-1@stc.sonminh.gov.vn>',
    'Date: Wed, 05 Aug 2026 09:00:00 +0700',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Sở Tài chính gửi Công văn số 125/STC-NS. Thực hiện Công văn số 2888/UBND-VX của UBND tỉnh.',
    '',
  ].join('\r\n'),
);

describe('writing the facts of a message', () => {
  let pool: Pool;
  const count = async (table: string) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n;

  beforeAll(async () => {
    const t = await createTestEnv('facts_db');
    pool = createPool(t.databaseUrl);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('counts a mail seen in the sender Sent and a recipient INBOX as the same exchanges', async () => {
    const directory = buildDirectory(await loadDirectoryFile('config/agencies.yaml'));
    const ids: number[] = [];
    for (const [agency, folder] of [['000.00.03.H30', 'Sent'], ['000.00.02.H30', 'INBOX']] as const) {
      const mb = await insertMailbox(pool, { agencyCode: agency, host: '127.0.0.1', port: 1, security: 'none', username: agency, secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
      const [rec] = await withTransaction(pool, (tx) =>
        recordFetchedBatch(tx, [{ mailboxId: mb, folder, uidvalidity: 1, uid: 1, sha256: sha256Hex(RAW), size: RAW.length, messageId: '<facts-1@stc.sonminh.gov.vn>', internalDate: null, state: 'pending', stateReason: null }]),
      );
      const a = await analyzeMessage(RAW, { directory, monitored: agency, internalDate: null, receivedAt: new Date() });
      await writeAnalysis(pool, rec?.id as number, a);
      ids.push(rec?.id as number);
    }
    // Two messages (one per mailbox), one document transmitted to two agencies: two exchanges, each seen twice.
    expect(await count('messages')).toBe(2);
    expect(await count('exchanges')).toBe(2);
    expect(await count('exchange_sightings')).toBe(4);
    const { rows } = await pool.query<{ ref: string; role: string }>(
      `SELECT d.ref, md.role FROM message_documents md JOIN documents d ON d.id = md.document_id WHERE md.message_id = $1 ORDER BY d.ref`,
      [ids[0]],
    );
    expect(rows).toEqual([{ ref: '125/STC-NS', role: 'transmitted' }, { ref: '2888/UBND-VX', role: 'cited' }]);
  });

  it('analyzing a message again replaces its facts and adds nothing', async () => {
    const directory = buildDirectory(await loadDirectoryFile('config/agencies.yaml'));
    const before = await Promise.all(['message_parties', 'message_documents', 'exchanges', 'exchange_sightings', 'documents'].map(count));
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM messages ORDER BY id LIMIT 1');
    const a = await analyzeMessage(RAW, { directory, monitored: '000.00.03.H30', internalDate: null, receivedAt: new Date() });
    await withTransaction(pool, async (tx) => {
      await clearAnalysis(tx, rows[0]?.id as number);
      await writeAnalysisIn(tx, rows[0]?.id as number, a);
    });
    const after = await Promise.all(['message_parties', 'message_documents', 'exchanges', 'exchange_sightings', 'documents'].map(count));
    expect(after).toEqual(before);
  });

  it('stores the signed label from the checked signatures: a signed PDF, a tampered one, an unsigned one', async () => {
    const directory = buildDirectory(await loadDirectoryFile('config/agencies.yaml'));
    const pki = testPki();
    const pdf = await plainPdf();
    const signed = await signPdf(pdf, pki.signer, { chain: [pki.intermediate] });
    const limits = { ...DEFAULT_ATTACHMENT_LIMITS, anchors: trustAnchors([new X509Certificate(pki.root.der)]) };
    const cases = [
      ['signed', signed, true, ['valid']],
      // Any signature found counts for the label (DESIGN.md); its validity stays in the analysis.
      ['tampered', tamper(signed, ' 595 ', ' 596 '), true, ['invalid']],
      ['unsigned', pdf, false, []],
    ] as const;
    for (const [name, content, label, statuses] of cases) {
      const raw = mailWith([{ name: `${name}.pdf`, type: 'application/pdf', content }]);
      const mb = await insertMailbox(pool, { agencyCode: '000.00.02.H30', host: '127.0.0.1', port: 1, security: 'none', username: `sig-${name}`, secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
      const [rec] = await withTransaction(pool, (tx) =>
        recordFetchedBatch(tx, [{ mailboxId: mb, folder: 'INBOX', uidvalidity: 1, uid: 1, sha256: sha256Hex(raw), size: raw.length, messageId: null, internalDate: null, state: 'pending', stateReason: null }]),
      );
      const a = await analyzeMessage(raw, { directory, monitored: '000.00.02.H30', internalDate: null, receivedAt: new Date(), limits });
      expect(a.attachments[0]?.signatures.map((x) => x.status)).toEqual(statuses);
      await writeAnalysis(pool, rec?.id as number, a);
      // The three mails carry the same document (125/UBND-VX) from STC to UBND: one exchange with
      // three sightings. Each sighting keeps its own mail's label; the exchange is signed once any is.
      const { rows } = await pool.query<{ signed: boolean; merged: boolean; kind: string; statuses: string[]; signers: Array<string | null> }>(
        `SELECT s.signed, e.signed AS merged, at.kind, ARRAY(SELECT x->>'status' FROM jsonb_array_elements(at.signatures) x) AS statuses,
                ARRAY(SELECT x->'signer'->>'commonName' FROM jsonb_array_elements(at.signatures) x) AS signers
           FROM exchange_sightings s JOIN exchanges e ON e.id = s.exchange_id
           JOIN message_attachments ma ON ma.message_id = s.message_id JOIN attachments at ON at.sha256 = ma.sha256
          WHERE s.message_id = $1`,
        [rec?.id],
      );
      // The checked signatures are kept with the file (0010), not only in the label's evidence.
      expect(rows).toEqual([{ signed: label, merged: true, kind: 'pdf', statuses: [...statuses], signers: statuses.map(() => 'Nguyễn Văn An') }]);
    }
  });

  it("rewrites a file's signatures when it is analyzed again with other trust anchors", async () => {
    const directory = buildDirectory(await loadDirectoryFile('config/agencies.yaml'));
    const pki = testPki();
    const signed = await signPdf(await plainPdf('Quyet dinh so 7/QD-SNV'), pki.signer, { chain: [pki.intermediate] });
    const raw = mailWith([{ name: 'qd7.pdf', type: 'application/pdf', content: signed }]);
    const statusOf = async (): Promise<string[]> =>
      (await pool.query<{ s: string }>(`SELECT x->>'status' AS s FROM attachments a, jsonb_array_elements(a.signatures) x WHERE a.sha256 = $1`, [sha256Hex(signed)])).rows.map((r) => r.s);
    const mb = await insertMailbox(pool, { agencyCode: '000.00.02.H30', host: '127.0.0.1', port: 1, security: 'none', username: 'sig-anchors', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    const store = async (uid: number, anchors: ReturnType<typeof trustAnchors>) => {
      const [rec] = await withTransaction(pool, (tx) =>
        recordFetchedBatch(tx, [{ mailboxId: mb, folder: 'INBOX', uidvalidity: 1, uid, sha256: sha256Hex(Buffer.from(`anchors-${uid}`)), size: raw.length, messageId: null, internalDate: null, state: 'pending', stateReason: null }]),
      );
      await writeAnalysis(pool, rec?.id as number, await analyzeMessage(raw, { directory, monitored: '000.00.02.H30', internalDate: null, receivedAt: new Date(), limits: { ...DEFAULT_ATTACHMENT_LIMITS, anchors } }));
    };
    await store(1, trustAnchors([]));
    expect(await statusOf()).toEqual(['unverified']);
    await store(2, trustAnchors([new X509Certificate(pki.root.der)]));
    expect(await statusOf()).toEqual(['valid']);
  });
});
