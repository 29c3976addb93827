// Recording fetched messages in Postgres: one message per mailbox and mail, every location kept,
// one analysis per message, whatever the batch holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch, type FetchedMessage } from '../../src/db/messages.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { createTestEnv } from '../helpers/env.js';

const sha = (c: string) => c.repeat(64);

describe('recording fetched messages', () => {
  let pool: Pool;
  let mailboxId: number;
  const base = (over: Partial<FetchedMessage>): FetchedMessage => ({
    mailboxId, folder: 'INBOX', uidvalidity: 7, uid: 1, sha256: sha('a'), size: 100, messageId: null,
    internalDate: new Date('2026-08-01T00:00:00Z'), state: 'pending', stateReason: null, ...over,
  });

  beforeAll(async () => {
    const t = await createTestEnv('messages_db');
    pool = createPool(t.databaseUrl);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    mailboxId = await insertMailbox(pool, { agencyCode: '000.00.03.H30', host: '127.0.0.1', port: 1, security: 'none', username: 'u', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('keeps one message for the same mail in two folders, with both locations, analyzed once', async () => {
    const r = await withTransaction(pool, (tx) =>
      recordFetchedBatch(tx, [
        base({ uid: 1, messageId: '<X@stc.vn>', sha256: sha('b') }),
        base({ folder: 'Sent', uid: 9, messageId: '<x@stc.vn>', sha256: sha('c') }),
        base({ uid: 2, sha256: sha('d') }),
      ]),
    );
    expect(r[0]?.id).toBe(r[1]?.id);
    expect(r.map((x) => x.needsAnalysis)).toEqual([true, false, true]);
    const m = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    const l = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM message_locations');
    expect([m.rows[0]?.n, l.rows[0]?.n]).toEqual([2, 3]);
  });

  it('records the same batch again without a new row, and asks for no second analysis once analyzed', async () => {
    await pool.query(`UPDATE messages SET state = 'analyzed'`);
    const r = await withTransaction(pool, (tx) => recordFetchedBatch(tx, [base({ uid: 1, messageId: '<X@stc.vn>', sha256: sha('b') }), base({ uid: 2, sha256: sha('d') })]));
    expect(r.map((x) => x.needsAnalysis)).toEqual([false, false]);
    const m = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    expect(m.rows[0]?.n).toBe(2);
  });

  it('finds a mail again under a new UIDVALIDITY as the same message (by content hash without a Message-ID)', async () => {
    const r = await withTransaction(pool, (tx) => recordFetchedBatch(tx, [base({ uidvalidity: 8, uid: 1, sha256: sha('d') })]));
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM message_locations WHERE message_id = $1`, [r[0]?.id]);
    expect(rows[0]?.n).toBe(2);
    expect(r[0]?.needsAnalysis).toBe(false);
  });
});
