// The raw store on a real file system and a real Postgres: objects appended to this process's pack
// and found again by their sha256 through raw_objects, one fsync per batch, each object stored
// once (across batches, mailboxes and store instances), streamed objects never whole in memory, a
// torn pack tail detected and never served, bytes read back verified, two processes writing into
// one store side by side, and stores of the file-per-message layout still read.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, appendFileSync, openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch, type FetchedMessage } from '../../src/db/messages.js';
import { createPool, withTransaction, type Pool } from '../../src/db/pool.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { RECORD_HEADER_BYTES, RawStore, dirsToSync, parseRecordHeader, recordHeader, scanPack, sha256Hex } from '../../src/store/raw-store.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

let t: TestEnv;
let pool: Pool;
const roots: string[] = [];
function freshRoot(): string {
  const r = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-raw-store-'));
  roots.push(r);
  return r;
}

beforeAll(async () => {
  t = await createTestEnv('raw_store');
  pool = createPool(t.databaseUrl);
});
afterAll(async () => {
  await pool?.end();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Every file under root, relative. */
function files(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; name: string; parentPath?: string; path?: string }>)
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath ?? d.path ?? root, d.name)))
    .sort();
}
const packs = (root: string) => files(root).filter((f) => f.startsWith('packs/'));
const mail = (tag: string) => Buffer.from(`Message-ID: <${tag}@raw-store.test>\r\nSubject: ${tag}\r\n\r\nbody of ${tag} ${'x'.repeat(tag.length * 37)}\r\n`);
async function indexRows(shas: string[]) {
  const { rows } = await pool.query<{ sha256: string; size: number; pack: string | null; pack_offset: string | null }>(
    'SELECT sha256, size, pack, pack_offset FROM raw_objects WHERE sha256 = ANY($1::text[]) ORDER BY sha256',
    [shas],
  );
  return rows;
}
/** A batch as sync records it: bytes written and committed, then the messages and their index rows in one transaction. */
async function syncLike(store: RawStore, mailboxId: number, raws: Buffer[], uid0: number): Promise<string[]> {
  const b = store.batch();
  const shas = await Promise.all(raws.map((r) => b.put(r)));
  await b.commit();
  await withTransaction(pool, (tx) =>
    recordFetchedBatch(
      tx,
      raws.map(
        (r, i): FetchedMessage => ({ mailboxId, folder: 'INBOX', uidvalidity: 1, uid: uid0 + i, sha256: shas[i] as string, size: r.length, messageId: null, internalDate: null, state: 'pending', stateReason: null }),
      ),
      b.locations,
    ),
  );
  return shas;
}

describe('record headers and dirsToSync', () => {
  it('round-trips a header and rejects what is not one', () => {
    const sha = sha256Hex(Buffer.from('x'));
    const h = recordHeader(sha, 123_456_789_012);
    expect(h).toHaveLength(RECORD_HEADER_BYTES);
    expect(parseRecordHeader(h)).toEqual({ sha256: sha, length: 123_456_789_012 });
    expect(parseRecordHeader(Buffer.alloc(RECORD_HEADER_BYTES))).toBeNull();
    expect(parseRecordHeader(h.subarray(0, 40))).toBeNull();
    const bad = Buffer.from(h);
    bad[5] = 1;
    expect(parseRecordHeader(bad)).toBeNull();
    expect(() => recordHeader('nope', 1)).toThrow(/not a sha256/);
  });

  it('names the parent of the first created directory and every directory down to the leaf', () => {
    expect(dirsToSync('/r/ab', '/r/ab/cd')).toEqual(['/r', '/r/ab/cd', '/r/ab']);
    expect(dirsToSync('/r/ab/cd', '/r/ab/cd')).toEqual(['/r/ab', '/r/ab/cd']);
    expect(dirsToSync('/r', '/r/ab/cd')).toEqual(['/', '/r/ab/cd', '/r/ab', '/r']);
  });
});

describe('RawStore (packs)', () => {
  let mailboxA: number;
  let mailboxB: number;
  beforeAll(async () => {
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    const mb = (username: string) => insertMailbox(pool, { agencyCode: '000.00.03.H30', host: '127.0.0.1', port: 1, security: 'none', username, secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false });
    mailboxA = await mb('raw-a');
    mailboxB = await mb('raw-b');
  });

  it('appends a batch to one pack, indexes each object with the batch, and reads each back byte for byte', async () => {
    const root = freshRoot();
    const store = new RawStore(root, pool);
    const msgs = Array.from({ length: 50 }, (_, i) => mail(`batch-${i}`));
    const shas = await syncLike(store, mailboxA, [...msgs, msgs[0] as Buffer], 1);
    expect(shas.slice(0, 50)).toEqual(msgs.map(sha256Hex));
    expect(shas[50]).toBe(shas[0]);
    // One pack file, nothing else: no per-message file, no temporary file.
    expect(files(root)).toHaveLength(1);
    expect(packs(root)).toHaveLength(1);
    const scan = await scanPack(path.join(root, packs(root)[0] as string));
    expect(scan.torn).toBeNull();
    expect(scan.records.map((r) => r.sha256)).toEqual(msgs.map(sha256Hex));
    const rows = await indexRows(shas);
    expect(rows).toHaveLength(50);
    for (const r of rows) {
      const rec = scan.records.find((x) => x.sha256 === r.sha256);
      expect({ pack: r.pack, offset: Number(r.pack_offset), size: r.size }).toEqual({ pack: path.basename(packs(root)[0] as string), offset: rec?.offset, size: rec?.length });
    }
    // A reader in another process: a store instance of its own, finding objects through the index.
    const reader = new RawStore(root, pool);
    for (const [i, m] of msgs.entries()) expect((await reader.get(shas[i] as string)).equals(m)).toBe(true);
    await store.close();
  });

  it('stores the same bytes once across batches, mailboxes and store instances', async () => {
    const root = freshRoot();
    const first = new RawStore(root, pool);
    const raws = [mail('dup-1'), mail('dup-2'), mail('dup-3')];
    await syncLike(first, mailboxA, raws.slice(0, 2), 100);
    const pack = path.join(root, packs(root)[0] as string);
    const size = statSync(pack).size;
    // The same process, a later batch, another mailbox: only the new message is appended.
    await syncLike(first, mailboxB, raws, 100);
    expect(statSync(pack).size).toBe(size + RECORD_HEADER_BYTES + (raws[2] as Buffer).length);
    await first.close();
    // Another process (a new instance): what the index holds is not written again, not even a pack.
    const second = new RawStore(root, pool);
    await syncLike(second, mailboxB, raws, 200);
    expect(await second.put(raws[1] as Buffer)).toBe(sha256Hex(raws[1] as Buffer));
    expect(packs(root)).toHaveLength(1);
    // Two messages rows per mailbox pair, one raw object each.
    const { rows } = await pool.query<{ n: number; objects: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT sha256)::int AS objects FROM messages WHERE sha256 = ANY($1::text[])',
      [raws.map(sha256Hex)],
    );
    expect(rows[0]).toEqual({ n: 5, objects: 3 });
    expect((await scanPack(pack)).records).toHaveLength(3);
  });

  it('streams a message into the pack, and cuts the pack back when the streamed bytes are held already', async () => {
    const root = freshRoot();
    const store = new RawStore(root, pool);
    const body = Buffer.alloc(3 << 20, 'a');
    body.write('streamed', 0);
    const chunks = () => Readable.from([body.subarray(0, 1 << 20), body.subarray(1 << 20, 2 << 20), body.subarray(2 << 20)]);
    const r = await store.putStream(chunks());
    expect(r).toEqual({ sha256: sha256Hex(body), bytes: body.length });
    const pack = path.join(root, packs(root)[0] as string);
    expect(statSync(pack).size).toBe(RECORD_HEADER_BYTES + body.length);
    expect((await store.get(r.sha256)).equals(body)).toBe(true);
    // Again, in this process and in another: nothing more stored.
    expect(await store.putStream(chunks())).toEqual(r);
    const other = new RawStore(root, pool);
    expect(await other.putStream(chunks())).toEqual(r);
    await other.close();
    expect(statSync(pack).size).toBe(RECORD_HEADER_BYTES + body.length);
    // The other instance streamed into a pack of its own, cut back to nothing.
    const others = packs(root).filter((p) => path.join(root, p) !== pack);
    expect(others.map((p) => statSync(path.join(root, p)).size)).toEqual([0]);
    // A small message after it lands right behind it.
    const small = mail('after-stream');
    await store.put(small);
    expect((await scanPack(pack)).records.map((x) => x.sha256)).toEqual([r.sha256, sha256Hex(small)]);
    expect(files(root)).toEqual([path.relative(root, pack), ...others].sort());
    await store.close();
  });

  it('a stream that fails midway leaves no record and the pack keeps taking writes', async () => {
    const root = freshRoot();
    const store = new RawStore(root, pool);
    const before = mail('before-failed-stream');
    await store.put(before);
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(100_000, 'z');
        throw new Error('connection dropped');
      })(),
    );
    await expect(store.putStream(failing)).rejects.toThrow(/connection dropped/);
    const after = mail('after-failed-stream');
    await store.put(after);
    const pack = path.join(root, packs(root)[0] as string);
    const scan = await scanPack(pack);
    expect(scan.torn).toBeNull();
    expect(scan.records.map((x) => x.sha256)).toEqual([sha256Hex(before), sha256Hex(after)]);
    expect((await store.get(sha256Hex(after))).equals(after)).toBe(true);
    await store.close();
  });

  it('detects a torn pack tail after a crash, never serves a torn or damaged record, and writes on in a new pack', async () => {
    const root = freshRoot();
    const store = new RawStore(root, pool);
    const kept = [mail('torn-1'), mail('torn-2')];
    const shas = await syncLike(store, mailboxA, kept, 300);
    await store.close();
    const pack = path.join(root, packs(root)[0] as string);
    const whole = statSync(pack).size;
    // A crash while a record was appended: its header and part of its bytes reached the disk.
    const lost = mail('torn-lost');
    appendFileSync(pack, Buffer.concat([recordHeader(sha256Hex(lost), lost.length), lost.subarray(0, 10)]));
    let scan = await scanPack(pack);
    expect(scan.validBytes).toBe(whole);
    expect(scan.torn).toEqual({ offset: whole, reason: expect.stringMatching(/partial record/) });
    expect(scan.records.map((r) => r.sha256)).toEqual(shas);
    // Only a partial header.
    truncateSync(pack, whole + 20);
    scan = await scanPack(pack);
    expect(scan.torn).toEqual({ offset: whole, reason: 'partial header' });
    // The indexed objects are still served; the torn bytes have no row and are not held.
    for (const [i, s] of shas.entries()) expect((await store.get(s)).equals(kept[i] as Buffer)).toBe(true);
    await expect(store.get(sha256Hex(lost))).rejects.toThrow(/ENOENT/);
    // A process after the crash writes into a pack of its own, never behind a torn tail.
    const next = new RawStore(root, pool);
    await syncLike(next, mailboxA, [lost], 310);
    expect(packs(root)).toHaveLength(2);
    expect((await next.get(sha256Hex(lost))).equals(lost)).toBe(true);
    expect(statSync(pack).size).toBe(whole + 20);
    await next.close();

    // An indexed record damaged on disk (a byte flipped, or cut short): an error, never the bytes.
    const fd = openSync(pack, 'r+');
    writeSync(fd, Buffer.from('#'), 0, 1, RECORD_HEADER_BYTES + 5);
    closeSync(fd);
    await expect(store.get(shas[0] as string)).rejects.toMatchObject({ code: 'E_RAW_CORRUPT' });
    expect((await scanPack(pack)).torn).toEqual({ offset: 0, reason: 'bytes do not match their sha256' });
    truncateSync(pack, whole - 3);
    await expect(store.get(shas[1] as string)).rejects.toMatchObject({ code: 'E_RAW_CORRUPT', message: expect.stringMatching(/cut short/) });
  });

  it('fails the commit of a batch whose pack was removed behind its back, then writes a new pack', async () => {
    const root = freshRoot();
    const store = new RawStore(root, pool);
    await store.put(mail('gone-1'));
    rmSync(path.join(root, 'packs'), { recursive: true, force: true });
    const b = store.batch();
    await b.put(mail('gone-2'));
    await expect(b.commit()).rejects.toMatchObject({ code: 'E_RAW_STORE' });
    // Nothing was recorded for it; the next write goes into a new pack and is durable.
    expect(await indexRows([sha256Hex(mail('gone-2'))])).toEqual([]);
    const sha = await store.put(mail('gone-2'));
    expect(packs(root)).toHaveLength(1);
    expect((await store.get(sha)).equals(mail('gone-2'))).toBe(true);
    await store.close();
  });

  it('writes many puts in flight at once as whole, contiguous records in the order space was reserved', async () => {
    // Puts waiting for the pack's write in flight go into one writev together, up to 256 records or
    // 32 MiB: 700 puts here (three of 12 MiB among them) cross both bounds several times.
    const root = freshRoot();
    const store = new RawStore(root, pool);
    const raws = Array.from({ length: 700 }, (_, i) =>
      i % 250 === 125 ? Buffer.alloc(12 << 20, i % 251) : Buffer.concat([mail(`many-${i}`), Buffer.alloc((i * 7919) % 40_000, i % 253)]),
    );
    const shas = await syncLike(store, mailboxB, raws, 10_000);
    expect(shas).toEqual(raws.map(sha256Hex));
    const scan = await scanPack(path.join(root, packs(root)[0] as string));
    expect(scan.torn).toBeNull();
    expect(scan.records.map((r) => r.sha256)).toEqual(shas);
    // No gap and no overlap: each record begins where the one before ends, and the file ends with the last.
    let at = 0;
    for (const r of scan.records) {
      expect(r.offset).toBe(at);
      at += RECORD_HEADER_BYTES + r.length;
    }
    expect(scan.size).toBe(at);
    expect(scan.validBytes).toBe(at);
    for (const [i, r] of raws.entries()) expect((await store.get(shas[i] as string)).equals(r)).toBe(true);
    await store.close();
  });

  it('starts a new pack once the current one is full', async () => {
    const root = freshRoot();
    const store = new RawStore(root, pool, { packBytes: 4096 });
    const raws = Array.from({ length: 12 }, (_, i) => Buffer.alloc(1000, String.fromCharCode(65 + i)));
    for (const r of raws) await store.put(r);
    const ps = packs(root);
    expect(ps.length).toBeGreaterThanOrEqual(3);
    for (const p of ps) expect(statSync(path.join(root, p)).size).toBeLessThanOrEqual(4096);
    for (const r of raws) expect((await store.get(sha256Hex(r))).equals(r)).toBe(true);
    await store.close();
  });

  it('reads a store of the file-per-message layout, and does not store its objects again', async () => {
    const root = freshRoot();
    const store = new RawStore(root, pool);
    const old = mail('legacy-1');
    const sha = sha256Hex(old);
    // As the store before packs wrote it, with its row as recordFetchedBatch wrote it then.
    mkdirSync(path.dirname(store.pathOf(sha)), { recursive: true });
    writeFileSync(store.pathOf(sha), old);
    await pool.query('INSERT INTO raw_objects (sha256, size) VALUES ($1, $2)', [sha, old.length]);
    expect((await store.get(sha)).equals(old)).toBe(true);
    expect(await store.put(old)).toBe(sha);
    expect(packs(root)).toEqual([]);
    expect(await indexRows([sha])).toEqual([{ sha256: sha, size: old.length, pack: null, pack_offset: null }]);
    // Damaged there: an error, not the bytes.
    writeFileSync(store.pathOf(sha), Buffer.concat([old.subarray(0, 10), Buffer.from('!'), old.subarray(11)]));
    await expect(store.get(sha)).rejects.toMatchObject({ code: 'E_RAW_CORRUPT' });
    // Its file lost: stored again, into a pack, and the row now says so.
    const lostOld = mail('legacy-2');
    const lostSha = sha256Hex(lostOld);
    await pool.query('INSERT INTO raw_objects (sha256, size) VALUES ($1, $2)', [lostSha, lostOld.length]);
    await syncLike(store, mailboxA, [lostOld], 400);
    const [row] = await indexRows([lostSha]);
    expect(row?.pack).toBe(path.basename(packs(root)[0] as string));
    expect((await new RawStore(root, pool).get(lostSha)).equals(lostOld)).toBe(true);
    await store.close();
  });

  it('two processes writing into one store at once: packs of their own, every object indexed once and readable', async () => {
    const root = freshRoot();
    const mod = pathToFileURL(path.resolve('dist/src/store/raw-store.js')).href;
    const pg = pathToFileURL(path.resolve('node_modules/pg/lib/index.js')).href;
    // Each child writes 300 messages in batches of 25 (half of them the other child's too) and one streamed message both share.
    const script = `
      const { RawStore } = await import(${JSON.stringify(mod)});
      const { default: pg } = await import(${JSON.stringify(pg)});
      const { Readable } = await import('node:stream');
      const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
      const store = new RawStore(process.env.ROOT, pool);
      const k = Number(process.env.K);
      const raw = (i) => Buffer.from('Message-ID: <two-' + i + '@raw-store.test>\\r\\n\\r\\n' + 'y'.repeat(2000 + i) + '\\r\\n');
      for (let i = k * 150; i < k * 150 + 300; i += 25) {
        const b = store.batch();
        const shas = await Promise.all(Array.from({ length: 25 }, (_, j) => b.put(raw(i + j))));
        await b.commit();
        const objs = [...b.locations.entries()].sort(([x], [y]) => x.localeCompare(y));
        await pool.query('INSERT INTO raw_objects (sha256, size, pack, pack_offset) SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[]) ORDER BY 1 ON CONFLICT DO NOTHING',
          [objs.map(([s]) => s), objs.map(([, l]) => l.length), objs.map(([, l]) => l.pack), objs.map(([, l]) => l.offset)]);
        if (shas.length !== 25) throw new Error('short batch');
      }
      await store.putStream(Readable.from([Buffer.alloc(500000, 's'), Buffer.alloc(500000, 't')]));
      await store.close();
      await pool.end();
    `;
    const run = (k: number) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, DATABASE_URL: t.databaseUrl, ROOT: root, K: String(k) }, stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`child ${k} exited ${code}: ${err}`))));
      });
    await Promise.all([run(0), run(1)]);
    const ps = packs(root);
    expect(ps).toHaveLength(2);
    const raw = (i: number) => Buffer.from(`Message-ID: <two-${i}@raw-store.test>\r\n\r\n${'y'.repeat(2000 + i)}\r\n`);
    const expected = [...Array.from({ length: 450 }, (_, i) => raw(i)), Buffer.concat([Buffer.alloc(500000, 's'), Buffer.alloc(500000, 't')])];
    const shas = expected.map(sha256Hex);
    const rows = await indexRows(shas);
    expect(rows).toHaveLength(451);
    const scans = new Map(await Promise.all(ps.map(async (p) => [path.basename(p), await scanPack(path.join(root, p))] as const)));
    let records = 0;
    for (const s of scans.values()) {
      expect(s.torn).toBeNull();
      records += s.records.length;
    }
    // Each process wrote what it did not find; a race can store an object twice, never lose one.
    expect(records).toBeGreaterThanOrEqual(451);
    expect(records).toBeLessThanOrEqual(602);
    for (const r of rows) expect(scans.get(r.pack as string)?.records.some((x) => x.sha256 === r.sha256 && x.offset === Number(r.pack_offset))).toBe(true);
    const reader = new RawStore(root, pool);
    for (const [i, s] of shas.entries()) expect((await reader.get(s)).equals(expected[i] as Buffer)).toBe(true);
  });
});
