// The raw store: every fetched message's bytes, content-addressed by sha256, in a folder (one host,
// or a volume shared by several). Since migration 0014 objects are appended to pack files
// (<root>/packs/<stamp>-<host>-<pid>-<random>.pack): each process appends only to packs it created
// itself (a unique name, opened with O_EXCL), so several processes and hosts on one volume never
// write the same file. A batch of writes is made durable by ONE fsync per pack it touched (plus
// one directory fsync when a pack is created), not one per message. Where each object lives is
// the `raw_objects` row of its sha256 (pack, offset, size), written by the caller in the same
// Postgres transaction as the messages that point at it, and only after the batch's fsync: a
// crash between the two leaves bytes nothing points at, never a row pointing at lost bytes.
//
// Each record in a pack is self-describing: a 48-byte header (magic "EWR1", 4 reserved bytes, the
// length as a big-endian uint64, the sha256) and the bytes. A read checks the header against the
// index and the sha256 of the bytes read back, so a torn or damaged record is never served;
// scanPack() walks a pack and says where its valid records end (a torn tail after a crash).
//
// Stores written before migration 0014 (one file per message, <root>/ab/cd/<sha256>.eml) stay
// readable: a raw_objects row without a pack is read from there.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Queryable } from '../db/pool.js';
import { EdocError } from '../errors.js';

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Where an object lives: `length` bytes after the record header at `offset` in pack `pack`. */
export interface RawLocation {
  pack: string;
  offset: number;
  length: number;
}

export const RECORD_HEADER_BYTES = 48;
const MAGIC = Buffer.from('EWR1', 'latin1');
const PACK_NAME = /^[A-Za-z0-9._-]+\.pack$/;
const SHA = /^[0-9a-f]{64}$/;
/** A pack is closed and a new one started once it holds this much (objects are never split). */
const DEFAULT_PACK_BYTES = 1 << 30;
/** Objects this process wrote, remembered for dedupe until indexed; forgotten past this many. */
const LOCAL_MEMORY = 100_000;

/** A record's header. Pure. */
export function recordHeader(sha: string, length: number): Buffer {
  if (!SHA.test(sha)) throw new Error(`not a sha256: ${sha}`);
  const h = Buffer.alloc(RECORD_HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeBigUInt64BE(BigInt(length), 8);
  h.write(sha, 16, 'hex');
  return h;
}

/** The sha256 and length a record header announces; null when the bytes are not a header. Pure. */
export function parseRecordHeader(h: Buffer): { sha256: string; length: number } | null {
  if (h.length < RECORD_HEADER_BYTES || !h.subarray(0, 4).equals(MAGIC) || h.readUInt32BE(4) !== 0) return null;
  const length = h.readBigUInt64BE(8);
  if (length > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { sha256: h.subarray(16, 48).toString('hex'), length: Number(length) };
}

/** Every directory from `first` (the first one mkdir created) down to `leaf`, and first's parent. Pure. */
export function dirsToSync(first: string, leaf: string): string[] {
  const out = [path.dirname(first)];
  for (let d = leaf; ; d = path.dirname(d)) {
    out.push(d);
    if (d === first || d === path.dirname(d)) break;
  }
  return out;
}

/** fsync of a directory: makes the entries created or renamed in it durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes every buffer at `position` onwards, however many calls the kernel needs. */
async function writeFully(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  const bufs = buffers.filter((b) => b.length > 0);
  let pos = position;
  while (bufs.length > 0) {
    const { bytesWritten } = await fh.writev(bufs, pos);
    pos += bytesWritten;
    let left = bytesWritten;
    while (bufs.length > 0 && left >= (bufs[0] as Buffer).length) left -= (bufs.shift() as Buffer).length;
    if (left > 0) bufs[0] = (bufs[0] as Buffer).subarray(left);
  }
}

export interface PackScan {
  /** Records whose header is whole and whose bytes hash to the sha256 it names, in order. */
  records: Array<{ sha256: string; offset: number; length: number }>;
  size: number;
  /** Where the valid records end: the pack's size when nothing is torn. */
  validBytes: number;
  /** The first record that is not whole (a crash while it was written) or not what it says. */
  torn: { offset: number; reason: string } | null;
}

/** Walks a pack file record by record, verifying every sha256 (a repair or audit tool, not the read path). */
export async function scanPack(file: string): Promise<PackScan> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const records: PackScan['records'] = [];
    let offset = 0;
    const stop = (reason: string): PackScan => ({ records, size, validBytes: offset, torn: { offset, reason } });
    while (offset < size) {
      if (size - offset < RECORD_HEADER_BYTES) return stop('partial header');
      const h = Buffer.alloc(RECORD_HEADER_BYTES);
      await fh.read(h, 0, RECORD_HEADER_BYTES, offset);
      const rec = parseRecordHeader(h);
      if (!rec) return stop('not a record header');
      if (offset + RECORD_HEADER_BYTES + rec.length > size) return stop(`partial record: ${rec.length} bytes announced, ${size - offset - RECORD_HEADER_BYTES} present`);
      const data = Buffer.alloc(rec.length);
      if (rec.length > 0) await fh.read(data, 0, rec.length, offset + RECORD_HEADER_BYTES);
      if (sha256Hex(data) !== rec.sha256) return stop('bytes do not match their sha256');
      records.push({ sha256: rec.sha256, offset, length: rec.length });
      offset += RECORD_HEADER_BYTES + rec.length;
    }
    return { records, size, validBytes: offset, torn: null };
  } finally {
    await fh.close();
  }
}

/** A pack file this process created and appends to. */
interface Pack {
  name: string;
  fh: FileHandle;
  /** Bytes reserved so far: the next record goes here. */
  size: number;
  /** Directories that gained an entry when it was created (made durable once, by the first commit). */
  newDirs: string[];
  dirSynced: Promise<void> | null;
  /** Set when it is retired: its last fsync and close. */
  closed: Promise<void> | null;
  /** Writes started and not yet settled (a retired pack is closed only after them). */
  writes: Set<Promise<void>>;
  /** Records waiting for the pack's one write in flight; written together by appendRecord. */
  queue: QueuedWrite[];
  draining: boolean;
  /** A write failed: nothing more is appended. */
  broken: boolean;
  /** An fsync failed: what was written may be lost, so no batch that touched it can commit. */
  syncFailed: boolean;
}

interface QueuedWrite {
  bufs: Buffer[];
  at: number;
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** At most this many records (two buffers each: header, bytes) or bytes go into one writev. */
const COALESCE_RECORDS = 256;
const COALESCE_BYTES = 32 << 20;

/**
 * Writes a record at its reserved offset. A pack has one write in flight at a time, and the records
 * reserved meanwhile (contiguous, as space is reserved in order) go into the next writev together:
 * many writers on one file contend for its inode lock in the kernel, and one write of many records
 * costs a fraction of the CPU of as many concurrent writes.
 */
function appendRecord(pk: Pack, bufs: Buffer[], at: number): Promise<void> {
  const bytes = bufs.reduce((n, b) => n + b.length, 0);
  const w = new Promise<void>((resolve, reject) => pk.queue.push({ bufs, at, bytes, resolve, reject }));
  if (!pk.draining) void drainWrites(pk);
  return w;
}

async function drainWrites(pk: Pack): Promise<void> {
  pk.draining = true;
  try {
    while (pk.queue.length > 0) {
      const first = pk.queue.shift() as QueuedWrite;
      const run = [first];
      let end = first.at + first.bytes;
      let bytes = first.bytes;
      for (let next = pk.queue[0]; next && next.at === end && run.length < COALESCE_RECORDS && bytes < COALESCE_BYTES; next = pk.queue[0]) {
        pk.queue.shift();
        run.push(next);
        end += next.bytes;
        bytes += next.bytes;
      }
      try {
        await writeFully(pk.fh, run.flatMap((r) => r.bufs), first.at);
        for (const r of run) r.resolve();
      } catch (err) {
        for (const r of run) r.reject(err);
      }
    }
  } finally {
    pk.draining = false;
  }
}

interface OwnObject {
  loc: RawLocation;
  pack: Pack;
}

export interface IndexRow {
  sha256: string;
  size: number;
  pack: string | null;
  pack_offset: string | null;
}

/**
 * Index look-ups gathered into one `= ANY` query: a look-up waits up to `lingerMs` for others (the
 * messages of a FETCH arrive one after another, a fraction of a millisecond apart), or until
 * `maxPending` are waiting, so that a batch of 200 messages costs a handful of queries, not 200.
 */
class IndexLookup {
  private waiting = new Map<string, Array<{ resolve: (r: IndexRow | undefined) => void; reject: (e: unknown) => void }>>();
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly db: Queryable,
    private readonly lingerMs = 10,
    private readonly maxPending = 256,
  ) {}

  get(sha: string): Promise<IndexRow | undefined> {
    return new Promise((resolve, reject) => {
      const w = this.waiting.get(sha);
      if (w) w.push({ resolve, reject });
      else this.waiting.set(sha, [{ resolve, reject }]);
      if (this.running) return;
      if (this.waiting.size >= this.maxPending) this.start();
      else this.timer ??= setTimeout(() => this.start(), this.lingerMs);
    });
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) return;
    this.running = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    const batch = this.waiting;
    this.waiting = new Map();
    try {
      const { rows } = await this.db.query<IndexRow>('SELECT sha256, size, pack, pack_offset FROM raw_objects WHERE sha256 = ANY($1::text[])', [[...batch.keys()]]);
      const by = new Map(rows.map((r) => [r.sha256, r]));
      for (const [sha, ws] of batch) for (const w of ws) w.resolve(by.get(sha));
    } catch (err) {
      for (const ws of batch.values()) for (const w of ws) w.reject(err);
    }
    this.running = false;
    // What came meanwhile waits its own linger (or goes now, when enough are waiting).
    if (this.waiting.size >= this.maxPending) this.start();
    else if (this.waiting.size > 0) this.timer ??= setTimeout(() => this.start(), this.lingerMs);
  }

  /** One object's row, at once (a read: nothing to wait for). */
  async one(sha: string): Promise<IndexRow | undefined> {
    const { rows } = await this.db.query<IndexRow>('SELECT sha256, size, pack, pack_offset FROM raw_objects WHERE sha256 = $1', [sha]);
    return rows[0];
  }
}

/**
 * Writes of one batch: `put` and `putStream` append to this process's pack; `commit` fsyncs every
 * pack the batch touched, once. The batch's objects are durable when commit() resolves — not
 * before — and are found by others once `locations` are recorded in raw_objects (recordFetchedBatch
 * does, in the transaction that records the messages).
 */
export class RawBatch {
  /** Objects of this batch that live in this process's packs and may not be indexed yet. */
  readonly locations = new Map<string, RawLocation>();
  /** @internal */
  readonly packs = new Set<Pack>();
  constructor(private readonly store: RawStore) {}

  /** Stores the bytes; returns their sha256. Storing the same bytes twice writes once. */
  async put(data: Buffer): Promise<string> {
    return this.store.write(this, data);
  }

  /** Stores a stream without holding it in memory (see RawStore.putStream). */
  async putStream(input: Readable): Promise<{ sha256: string; bytes: number }> {
    return this.store.writeStream(this, input);
  }

  /** Makes every put of this batch durable: one fsync per pack it touched (and a new pack's directory). */
  async commit(): Promise<void> {
    await this.store.sync(this);
  }

  /** @internal */
  note(sha: string, own: OwnObject): void {
    this.locations.set(sha, own.loc);
    this.packs.add(own.pack);
  }
}

export interface RawStoreOptions {
  /** fsync packs and directories (default true; false only for tests and diagnostics). */
  fsync?: boolean;
  /** A new pack is started once the current one holds this many bytes (default 1 GiB). */
  packBytes?: number;
}

type Found = { own: OwnObject } | { indexed: true };

export class RawStore {
  readonly fsync: boolean;
  readonly packBytes: number;
  private current: Pack | null = null;
  /** Pack creation, space reservation and streamed writes, one after another. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly own = new Map<string, OwnObject>();
  private readonly inflight = new Map<string, Promise<Found>>();
  private readonly lookup: IndexLookup;

  constructor(
    readonly root: string,
    private readonly db: Queryable,
    opts: RawStoreOptions = {},
  ) {
    this.fsync = opts.fsync ?? true;
    this.packBytes = opts.packBytes ?? DEFAULT_PACK_BYTES;
    this.lookup = new IndexLookup(db);
  }

  get packDir(): string {
    return path.join(this.root, 'packs');
  }

  /** Where the file-per-message layout (before migration 0014) kept an object. */
  pathOf(sha: string): string {
    if (!SHA.test(sha)) throw new Error(`not a sha256: ${sha}`);
    return path.join(this.root, sha.slice(0, 2), sha.slice(2, 4), `${sha}.eml`);
  }

  /** A batch of writes made durable together by its commit(). */
  batch(): RawBatch {
    return new RawBatch(this);
  }

  /** Stores the bytes, durably and indexed; returns their sha256. Storing the same bytes twice writes once. */
  async put(data: Buffer): Promise<string> {
    const b = this.batch();
    const sha = await b.put(data);
    await this.commitAndIndex(b);
    return sha;
  }

  /** Stores a stream without holding it in memory, durably and indexed. */
  async putStream(input: Readable): Promise<{ sha256: string; bytes: number }> {
    const b = this.batch();
    const r = await b.putStream(input);
    await this.commitAndIndex(b);
    return r;
  }

  /** The object's bytes, checked against its sha256 (a damaged or torn record is an error, never served). */
  async get(sha: string): Promise<Buffer> {
    if (!SHA.test(sha)) throw new Error(`not a sha256: ${sha}`);
    return this.readIndexed(sha, await this.lookup.one(sha));
  }

  /** The bytes an index row (or, without one, the old layout's file) leads to, checked against the sha256. */
  async readIndexed(sha: string, row: Pick<IndexRow, 'size' | 'pack' | 'pack_offset'> | undefined): Promise<Buffer> {
    let data: Buffer;
    if (row?.pack) {
      data = await this.readRecord(sha, { pack: row.pack, offset: Number(row.pack_offset), length: row.size });
    } else {
      data = await readFile(this.pathOf(sha));
    }
    if (sha256Hex(data) !== sha) throw corrupt(sha, row?.pack ? `pack ${row.pack}` : this.pathOf(sha), 'the bytes read back do not hash to it');
    return data;
  }

  /** Closes the pack this process appends to (a later write starts a new one). */
  async close(): Promise<void> {
    await this.serial(async () => {
      const cur = this.current;
      this.current = null;
      if (cur) await this.retire(cur);
    });
  }

  private async readRecord(sha: string, loc: RawLocation): Promise<Buffer> {
    if (!PACK_NAME.test(loc.pack)) throw corrupt(sha, loc.pack, 'not a pack file name');
    const file = path.join(this.packDir, loc.pack);
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(RECORD_HEADER_BYTES + loc.length);
      const { bytesRead } = await fh.read(buf, 0, buf.length, loc.offset);
      if (bytesRead !== buf.length) throw corrupt(sha, file, `record at ${loc.offset} is cut short (${bytesRead} of ${buf.length} bytes)`);
      const h = parseRecordHeader(buf);
      if (!h || h.sha256 !== sha || h.length !== loc.length) throw corrupt(sha, file, `no record of it at ${loc.offset}`);
      return buf.subarray(RECORD_HEADER_BYTES);
    } finally {
      await fh.close();
    }
  }

  private async commitAndIndex(b: RawBatch): Promise<void> {
    await b.commit();
    const objs = [...b.locations.entries()].sort(([x], [y]) => x.localeCompare(y));
    if (objs.length === 0) return;
    await this.db.query(
      `INSERT INTO raw_objects (sha256, size, pack, pack_offset)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[]) ORDER BY 1
       ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size, pack = EXCLUDED.pack, pack_offset = EXCLUDED.pack_offset
        WHERE raw_objects.pack IS NULL`,
      [objs.map(([s]) => s), objs.map(([, l]) => l.length), objs.map(([, l]) => l.pack), objs.map(([, l]) => l.offset)],
    );
  }

  /** Runs `fn` after every earlier pack operation (creation, reservation, streamed write). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The pack to append `bytes` to: the current one, or a new one when it is full or broken. */
  private async packFor(bytes: number): Promise<Pack> {
    const cur = this.current;
    if (cur && !cur.broken && (cur.size === 0 || cur.size + bytes <= this.packBytes)) return cur;
    if (cur) {
      this.current = null;
      void this.retire(cur).catch(() => undefined);
    }
    const dir = this.packDir;
    const first = await mkdir(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 40) || 'host';
    const name = `${stamp}-${host}-${process.pid}-${randomBytes(6).toString('hex')}.pack`;
    const fh = await open(path.join(dir, name), 'wx');
    const pack: Pack = { name, fh, size: 0, newDirs: first === undefined ? [dir] : dirsToSync(first, dir), dirSynced: null, closed: null, writes: new Set(), queue: [], draining: false, broken: false, syncFailed: false };
    this.current = pack;
    return pack;
  }

  /** No more appends: its last fsync (for the batches that touched it) and close. */
  private retire(p: Pack): Promise<void> {
    p.broken = true;
    p.closed ??= (async () => {
      await Promise.allSettled([...p.writes]);
      try {
        if (this.fsync) await this.syncPack(p);
      } finally {
        await p.fh.close();
      }
    })();
    return p.closed;
  }

  private async syncPack(p: Pack): Promise<void> {
    try {
      await p.fh.sync();
    } catch (err) {
      // After a failed fsync the kernel may have dropped the pages: nothing written there counts.
      this.lose(p);
      throw err;
    }
  }

  /** Nothing written to this pack counts any more (its fsync failed, or it was removed). */
  private lose(p: Pack): void {
    p.broken = true;
    p.syncFailed = true;
    for (const [sha, o] of this.own) if (o.pack === p) this.own.delete(sha);
  }

  /** The pack's name still leads to the file this process wrote (not removed or replaced behind its back). */
  private async checkInPlace(p: Pack): Promise<void> {
    const there = await stat(path.join(this.packDir, p.name)).catch(() => null);
    const mine = p.closed ? null : await p.fh.stat().catch(() => null);
    if (there && (!mine || (mine.ino === there.ino && mine.dev === there.dev))) return;
    this.lose(p);
    throw new EdocError('E_RAW_STORE', `kho thô / raw store: pack ${p.name} was removed from ${this.packDir} while being written; this batch is not recorded and will be fetched again`);
  }

  /** @internal RawBatch.commit. */
  async sync(b: RawBatch): Promise<void> {
    const packs = [...b.packs];
    b.packs.clear();
    await Promise.all(
      packs.map(async (p) => {
        if (!this.fsync) return this.checkInPlace(p);
        if (p.syncFailed) throw new Error(`raw store pack ${p.name}: an earlier fsync failed, its objects are written again next time`);
        if (p.closed) await p.closed;
        else await this.syncPack(p);
        p.dirSynced ??= Promise.all(p.newDirs.map(syncDir)).then(
          () => undefined,
          (err: unknown) => {
            p.dirSynced = null;
            throw err;
          },
        );
        await p.dirSynced;
        await this.checkInPlace(p);
      }),
    );
  }

  /** Held already? This process's own packs, then the index (a legacy row only if its file is there). */
  private async find(sha: string, length: number): Promise<Found | null> {
    const own = this.own.get(sha);
    if (own) return { own };
    const row = await this.lookup.get(sha);
    if (!row) return null;
    if (row.pack) return { indexed: true };
    const s = await stat(this.pathOf(sha)).catch(() => null);
    return s?.size === length ? { indexed: true } : null;
  }

  private remember(sha: string, own: OwnObject): void {
    if (this.own.size >= LOCAL_MEMORY) this.own.clear();
    this.own.set(sha, own);
  }

  /** @internal RawBatch.put. */
  async write(b: RawBatch, data: Buffer): Promise<string> {
    const sha = sha256Hex(data);
    if (b.locations.has(sha)) return sha;
    let p = this.inflight.get(sha);
    if (!p) {
      p = this.storeOnce(sha, data);
      this.inflight.set(sha, p);
      const done = () => this.inflight.delete(sha);
      p.then(done, done);
    }
    const r = await p;
    if ('own' in r) b.note(sha, r.own);
    return sha;
  }

  private async storeOnce(sha: string, data: Buffer): Promise<Found> {
    const found = await this.find(sha, data.length);
    if (found) return found;
    const n = RECORD_HEADER_BYTES + data.length;
    // Space is reserved one caller after another; the writes themselves run side by side.
    const { pack, offset, written } = await this.serial(async () => {
      const pk = await this.packFor(n);
      const at = pk.size;
      pk.size += n;
      const w = appendRecord(pk, [recordHeader(sha, data.length), data], at);
      pk.writes.add(w);
      const settled = () => pk.writes.delete(w);
      w.then(settled, settled);
      return { pack: pk, offset: at, written: w };
    });
    try {
      await written;
    } catch (err) {
      pack.broken = true;
      throw err;
    }
    const own: OwnObject = { loc: { pack: pack.name, offset, length: data.length }, pack };
    this.remember(sha, own);
    return { own };
  }

  /**
   * @internal RawBatch.putStream: the bytes appended to the pack as they arrive while hashed (never
   * whole in memory), the header written last; when those bytes turn out to be held already, the
   * pack is cut back to where the record began.
   */
  async writeStream(b: RawBatch, input: Readable): Promise<{ sha256: string; bytes: number }> {
    return this.serial(async () => {
      const pack = await this.packFor(RECORD_HEADER_BYTES);
      const offset = pack.size;
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        for await (const chunk of input) {
          const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
          hash.update(buf);
          await writeFully(pack.fh, [buf], offset + RECORD_HEADER_BYTES + bytes);
          bytes += buf.length;
        }
        const sha = hash.digest('hex');
        const found = b.locations.has(sha) ? { indexed: true as const } : await this.find(sha, bytes);
        if (found) {
          await pack.fh.truncate(offset);
          if ('own' in found) b.note(sha, found.own);
          return { sha256: sha, bytes };
        }
        await writeFully(pack.fh, [recordHeader(sha, bytes)], offset);
        pack.size = offset + RECORD_HEADER_BYTES + bytes;
        const own: OwnObject = { loc: { pack: pack.name, offset, length: bytes }, pack };
        this.remember(sha, own);
        b.note(sha, own);
        return { sha256: sha, bytes };
      } catch (err) {
        // Cut back the partial record; when even that fails, the pack takes no more.
        await pack.fh.truncate(offset).catch(() => {
          pack.broken = true;
        });
        throw err;
      }
    });
  }
}

/** A stored object that cannot be served: `why` says what is wrong with it (`store verify` lists it). */
export class RawCorruptError extends EdocError {
  constructor(
    readonly sha256: string,
    readonly where: string,
    readonly why: string,
  ) {
    super('E_RAW_CORRUPT', `đối tượng thô hỏng / raw object ${sha256} in ${where}: ${why}; it is not served (restore the raw store from backup, or sync the mail again)`);
  }
}

function corrupt(sha: string, where: string, why: string): RawCorruptError {
  return new RawCorruptError(sha, where, why);
}
