// `edocwatch store verify` on a real raw store and Postgres: an intact store passes (exit 0); a
// flipped byte, a pack cut short, a removed pack and a missing file of the old layout are each
// reported with the messages whose mail they held (exit 1, E_RAW_CORRUPT's words, no stack trace);
// pack bytes no row points at are measured, not called damage.
import { closeSync, mkdirSync, openSync, readSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch, type FetchedMessage } from '../../src/db/messages.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { RECORD_HEADER_BYTES, RawStore, sha256Hex } from '../../src/store/raw-store.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

let t: TestEnv;
let pool: Pool;
let mailboxId: number;
let uid = 1;

beforeAll(async () => {
  t = await createTestEnv('store_verify');
  pool = createPool(t.databaseUrl);
  await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
  mailboxId = await insertMailbox(pool, { agencyCode: '000.00.03.H30', host: '127.0.0.1', port: 1, security: 'none', username: 'verify', secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
});
afterAll(async () => {
  await pool?.end();
  rmSync(t.rawStore, { recursive: true, force: true });
});

const mail = (tag: string, kb: number) => Buffer.from(`Message-ID: <${tag}@verify.test>\r\nSubject: ${tag}\r\n\r\n${'nội dung '.repeat(kb * 100)}\r\n`);

/** Stores and records messages as sync does; returns [sha256, message id] per message. */
async function syncLike(store: RawStore, raws: Buffer[]): Promise<Array<{ sha: string; id: number }>> {
  const b = store.batch();
  const shas = await Promise.all(raws.map((r) => b.put(r)));
  await b.commit();
  const recorded = await withTransaction(pool, (tx) =>
    recordFetchedBatch(
      tx,
      raws.map((r, i): FetchedMessage => ({ mailboxId, folder: 'INBOX', uidvalidity: 1, uid: uid++, sha256: shas[i] as string, size: r.length, messageId: null, internalDate: null, state: 'pending', stateReason: null })),
      b.locations,
    ),
  );
  return shas.map((sha, i) => ({ sha, id: (recorded[i] as { id: number }).id }));
}

async function packOf(sha: string): Promise<{ file: string; offset: number; size: number }> {
  const { rows } = await pool.query<{ pack: string; pack_offset: string; size: number }>('SELECT pack, pack_offset, size FROM raw_objects WHERE sha256 = $1', [sha]);
  const r = rows[0] as { pack: string; pack_offset: string; size: number };
  return { file: path.join(t.rawStore, 'packs', r.pack), offset: Number(r.pack_offset), size: r.size };
}

const verify = async () => {
  const r = await spawnCli(['store', 'verify', '--json'], t.env);
  return { ...r, report: JSON.parse(r.stdout) as { ok: boolean; objects: number; packedObjects: number; damagedCount: number; damaged: Array<{ sha256: string; why: string; messages: number[] }>; unreferencedBytes: number; unindexedPacks: string[] } };
};

describe('edocwatch store verify', () => {
  it('passes an intact store, and counts bytes no row points at without calling them damage', async () => {
    const store = new RawStore(t.rawStore, pool);
    const msgs = await syncLike(store, Array.from({ length: 30 }, (_, i) => mail(`ok-${i}`, 1 + (i % 7))));
    await store.close();
    let v = await verify();
    expect(v.code).toBe(0);
    expect(v.report).toMatchObject({ ok: true, objects: 30, packedObjects: 30, damagedCount: 0, unreferencedBytes: 0, unindexedPacks: [] });

    // A batch written and fsync'd whose commit never came (a crash between the two): its own pack, no row.
    const orphan = new RawStore(t.rawStore, pool);
    const b = orphan.batch();
    const lost = mail('crashed-batch', 3);
    await b.put(lost);
    await b.commit();
    await orphan.close();
    v = await verify();
    expect(v.code).toBe(0);
    expect(v.report.unreferencedBytes).toBe(RECORD_HEADER_BYTES + lost.length);
    expect(v.report.unindexedPacks).toHaveLength(1);

    const text = await spawnCli(['store', 'verify'], t.env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^nguyên vẹn \/ intact: 30 object\(s\)/);
    expect(msgs).toHaveLength(30);
  });

  it('reports a flipped byte, a record cut short, a removed pack and a missing old-layout file, each with its messages', async () => {
    const store = new RawStore(t.rawStore, pool);
    const [flipped] = await syncLike(store, [mail('flipped', 4)]);
    await store.close();
    const cutStore = new RawStore(t.rawStore, pool);
    const [cut] = await syncLike(cutStore, [mail('cut-short', 6)]);
    await cutStore.close();
    const goneStore = new RawStore(t.rawStore, pool);
    const [gone] = await syncLike(goneStore, [mail('pack-removed', 2)]);
    await goneStore.close();

    // One byte of the message flipped, in place.
    const f = await packOf(flipped!.sha);
    const fd = openSync(f.file, 'r+');
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, f.offset + RECORD_HEADER_BYTES + 40);
    writeSync(fd, Buffer.from([one[0]! ^ 0x20]), 0, 1, f.offset + RECORD_HEADER_BYTES + 40);
    closeSync(fd);
    // The last record of its pack cut short (a disk that lost the tail).
    const c = await packOf(cut!.sha);
    truncateSync(c.file, c.offset + RECORD_HEADER_BYTES + Math.floor(c.size / 2));
    // A whole pack removed by hand.
    rmSync((await packOf(gone!.sha)).file);
    // An object of the file-per-message layout whose file is gone.
    const legacy = mail('legacy-missing', 1);
    const legacySha = sha256Hex(legacy);
    mkdirSync(path.join(t.rawStore, legacySha.slice(0, 2), legacySha.slice(2, 4)), { recursive: true });
    await pool.query('INSERT INTO raw_objects (sha256, size) VALUES ($1, $2)', [legacySha, legacy.length]);
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO messages (mailbox_id, dedup_key, sha256, size, state) VALUES ($1, $2, $3, $4, 'pending') RETURNING id`,
      [mailboxId, `sha:${legacySha}`, legacySha, legacy.length],
    );
    // An intact legacy object beside it, read from its file.
    const kept = mail('legacy-kept', 1);
    const keptSha = sha256Hex(kept);
    mkdirSync(path.join(t.rawStore, keptSha.slice(0, 2), keptSha.slice(2, 4)), { recursive: true });
    writeFileSync(path.join(t.rawStore, keptSha.slice(0, 2), keptSha.slice(2, 4), `${keptSha}.eml`), kept);
    await pool.query('INSERT INTO raw_objects (sha256, size) VALUES ($1, $2)', [keptSha, kept.length]);

    const v = await verify();
    expect(v.code).toBe(1);
    expect(v.stderr).not.toMatch(/\n\s+at /);
    expect(v.report.ok).toBe(false);
    expect(v.report.damagedCount).toBe(4);
    const by = new Map(v.report.damaged.map((d) => [d.sha256, d]));
    expect(by.get(flipped!.sha)).toMatchObject({ messages: [flipped!.id] });
    expect(by.get(flipped!.sha)?.why).toMatch(/do not hash/);
    expect(by.get(cut!.sha)).toMatchObject({ messages: [cut!.id] });
    expect(by.get(cut!.sha)?.why).toMatch(/cut short/);
    expect(by.get(gone!.sha)).toMatchObject({ messages: [gone!.id], why: 'its pack file is missing' });
    expect(by.get(legacySha)).toMatchObject({ messages: [(rows[0] as { id: number }).id], why: 'its file is missing' });
    expect(by.has(keptSha)).toBe(false);
    expect(v.report.objects).toBe(30 + 3 + 2);

    const text = await spawnCli(['store', 'verify'], t.env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^HỎNG \/ DAMAGED: 4 of 35 object\(s\) cannot be served/);
    expect(text.stdout).toContain(`${flipped!.sha}  pack `);
    expect(text.stdout).toContain(`message(s) ${cut!.id}`);
  });

  it('an empty store passes', async () => {
    const e = await createTestEnv('store_verify_empty');
    try {
      const r = await spawnCli(['store', 'verify', '--json'], e.env);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, objects: 0, packs: 0, unreferencedBytes: 0 });
    } finally {
      rmSync(e.rawStore, { recursive: true, force: true });
    }
  });
});
