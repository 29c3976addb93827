// The raw store: every fetched message's bytes, content-addressed by sha256, in a folder (one host,
// or a volume shared by several). Writes are atomic (temporary file, fsync, rename), so a reader
// never sees half a message and a crash leaves at most a stray temporary file; a write is durable
// once the directories that gained an entry are fsync'd too — per batch (`RawBatch.commit`), not
// per message, since messages of one batch share that cost.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
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

/** Every directory from `first` (the first one mkdir created) down to `leaf`, and first's parent. Pure. */
export function dirsToSync(first: string, leaf: string): string[] {
  const out = [path.dirname(first)];
  for (let d = leaf; ; d = path.dirname(d)) {
    out.push(d);
    if (d === first || d === path.dirname(d)) break;
  }
  return out;
}

/**
 * Writes of one batch: each `put` writes and fsyncs its file and renames it into place; `commit`
 * fsyncs every directory that gained an entry, once. The batch's objects are durable when
 * commit() resolves — not before: a caller records nothing that points at them until then.
 */
export class RawBatch {
  private readonly dirs = new Set<string>();
  constructor(private readonly store: RawStore) {}

  /** Stores the bytes; returns their sha256. Storing the same bytes twice writes once. */
  async put(data: Buffer): Promise<string> {
    return this.store.write(data, this.dirs);
  }

  /** Stores a stream without holding it in memory (see RawStore.putStream). */
  async putStream(input: Readable): Promise<{ sha256: string; bytes: number }> {
    return this.store.writeStream(input, this.dirs);
  }

  /** Makes every put of this batch durable: one fsync per directory that changed. */
  async commit(): Promise<void> {
    const dirs = [...this.dirs];
    this.dirs.clear();
    if (this.store.fsync) await Promise.all(dirs.map(syncDir));
  }
}

export class RawStore {
  /** Leaf directories known to exist (created or seen by this process): no mkdir per message. */
  private readonly known = new Set<string>();

  constructor(
    readonly root: string,
    readonly fsync = true,
  ) {}

  pathOf(sha: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`not a sha256: ${sha}`);
    return path.join(this.root, sha.slice(0, 2), sha.slice(2, 4), `${sha}.eml`);
  }

  /** A batch of writes made durable together by its commit(). */
  batch(): RawBatch {
    return new RawBatch(this);
  }

  /** Stores the bytes, durably; returns their sha256. Storing the same bytes twice writes once. */
  async put(data: Buffer): Promise<string> {
    const b = this.batch();
    const sha = await b.put(data);
    await b.commit();
    return sha;
  }

  /**
   * Stores a stream without holding it in memory, durably: written to a temporary file while
   * hashed, then fsync'd and renamed to its sha256 (or dropped when those bytes are already stored).
   */
  async putStream(input: Readable): Promise<{ sha256: string; bytes: number }> {
    const b = this.batch();
    const r = await b.putStream(input);
    await b.commit();
    return r;
  }

  async get(sha: string): Promise<Buffer> {
    return readFile(this.pathOf(sha));
  }

  /** Creates `dir` if needed; the directories that gained an entry go into `dirs`. */
  /** Creates `dir` if needed; true when this call created it (so it holds no file yet). */
  private async ensureDir(dir: string, dirs: Set<string>): Promise<boolean> {
    if (this.known.has(dir)) return false;
    const first = await mkdir(dir, { recursive: true });
    this.known.add(dir);
    if (first === undefined) return false;
    for (const d of dirsToSync(first, dir)) dirs.add(d);
    return true;
  }

  /** Opens a new temporary file in `dir`, creating the directory first when it is missing. */
  private async openTemp(dir: string, name: string, dirs: Set<string>) {
    await this.ensureDir(dir, dirs);
    try {
      return await open(path.join(dir, name), 'w');
    } catch (err) {
      // Removed behind our back (a store emptied by hand): forget what we knew, create it again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.known.clear();
      await this.ensureDir(dir, dirs);
      return open(path.join(dir, name), 'w');
    }
  }

  /** @internal RawBatch.put: the file written, fsync'd and renamed; its directory noted in `dirs`. */
  async write(data: Buffer, dirs: Set<string>): Promise<string> {
    const sha = sha256Hex(data);
    const file = this.pathOf(sha);
    const dir = path.dirname(file);
    // A directory this call just created holds no object yet; otherwise look before writing.
    if (!(await this.ensureDir(dir, dirs))) {
      try {
        const s = await stat(file);
        if (s.size === data.length) return sha;
      } catch {
        // not stored yet
      }
    }
    const tmpName = `${sha}.eml.${randomBytes(6).toString('hex')}.tmp`;
    const tmp = path.join(dir, tmpName);
    const fh = await this.openTemp(dir, tmpName, dirs);
    try {
      await fh.writeFile(data);
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    dirs.add(dir);
    return sha;
  }

  /** @internal RawBatch.putStream. */
  async writeStream(input: Readable, dirs: Set<string>): Promise<{ sha256: string; bytes: number }> {
    const tmpName = `incoming.${randomBytes(8).toString('hex')}.tmp`;
    const tmp = path.join(this.root, tmpName);
    const hash = createHash('sha256');
    let bytes = 0;
    const fh = await this.openTemp(this.root, tmpName, dirs);
    let moved = false;
    try {
      try {
        for await (const chunk of input) {
          const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
          hash.update(buf);
          bytes += buf.length;
          await fh.write(buf);
        }
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      const sha = hash.digest('hex');
      const file = this.pathOf(sha);
      const existing = await stat(file).catch(() => null);
      if (existing?.size !== bytes) {
        await this.ensureDir(path.dirname(file), dirs);
        await rename(tmp, file);
        moved = true;
        // The rename removed the entry from the root and added one to the leaf.
        dirs.add(path.dirname(file));
        dirs.add(this.root);
      }
      return { sha256: sha, bytes };
    } finally {
      if (!moved) await unlink(tmp).catch(() => undefined);
    }
  }
}
