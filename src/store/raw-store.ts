// The raw store: every fetched message's bytes, content-addressed by sha256, in a folder (one host,
// or a volume shared by several). Writes are atomic (temporary file, fsync, rename), so a reader
// never sees half a message and a crash leaves at most a stray temporary file.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export class RawStore {
  constructor(
    readonly root: string,
    private readonly fsync = true,
  ) {}

  pathOf(sha: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`not a sha256: ${sha}`);
    return path.join(this.root, sha.slice(0, 2), sha.slice(2, 4), `${sha}.eml`);
  }

  /** Stores the bytes; returns their sha256. Storing the same bytes twice writes once. */
  async put(data: Buffer): Promise<string> {
    const sha = sha256Hex(data);
    const file = this.pathOf(sha);
    try {
      const s = await stat(file);
      if (s.size === data.length) return sha;
    } catch {
      // not stored yet
    }
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w');
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
    return sha;
  }

  /**
   * Stores a stream without holding it in memory: written to a temporary file while hashed, then
   * fsync'd and renamed to its sha256 (or dropped when those bytes are already stored).
   */
  async putStream(input: Readable): Promise<{ sha256: string; bytes: number }> {
    await mkdir(this.root, { recursive: true });
    const tmp = path.join(this.root, `incoming.${randomBytes(8).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    let bytes = 0;
    const fh = await open(tmp, 'w');
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
        await mkdir(path.dirname(file), { recursive: true });
        await rename(tmp, file);
        moved = true;
      }
      return { sha256: sha, bytes };
    } finally {
      if (!moved) await unlink(tmp).catch(() => undefined);
    }
  }

  async get(sha: string): Promise<Buffer> {
    return readFile(this.pathOf(sha));
  }
}
