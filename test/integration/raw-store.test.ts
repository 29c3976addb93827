// The raw store on a real file system: content-addressed files written atomically, a batch's
// directories made durable by its commit, no stray temporary file, and a store emptied behind a
// running process's back written to again.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { RawStore, dirsToSync, sha256Hex } from '../../src/store/raw-store.js';

const roots: string[] = [];
function freshRoot(): string {
  const r = mkdtempSync(path.join(os.tmpdir(), 'edocwatch-raw-store-'));
  roots.push(r);
  return r;
}
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Every file under root, relative. */
function files(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; name: string; parentPath?: string; path?: string }>)
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath ?? d.path ?? root, d.name)))
    .sort();
}

describe('dirsToSync', () => {
  it('names the parent of the first created directory and every directory down to the leaf', () => {
    expect(dirsToSync('/r/ab', '/r/ab/cd')).toEqual(['/r', '/r/ab/cd', '/r/ab']);
    expect(dirsToSync('/r/ab/cd', '/r/ab/cd')).toEqual(['/r/ab', '/r/ab/cd']);
    expect(dirsToSync('/r', '/r/ab/cd')).toEqual(['/', '/r/ab/cd', '/r/ab', '/r']);
  });
});

describe('RawStore', () => {
  it('stores a batch under the sha256 of each message, byte for byte, once per content', async () => {
    const root = freshRoot();
    const store = new RawStore(root);
    const msgs = Array.from({ length: 50 }, (_, i) => Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`));
    const b = store.batch();
    const shas = await Promise.all([...msgs, msgs[0] as Buffer].map((m) => b.put(m)));
    await b.commit();
    expect(shas.slice(0, 50)).toEqual(msgs.map(sha256Hex));
    expect(shas[50]).toBe(shas[0]);
    const stored = files(root);
    expect(stored).toHaveLength(50);
    expect(stored.every((f) => /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.eml$/.test(f))).toBe(true);
    for (const [i, m] of msgs.entries()) expect(await store.get(shas[i] as string)).toEqual(m);
  });

  it('writes an object already stored no second time', async () => {
    const store = new RawStore(freshRoot());
    const m = Buffer.from('Subject: once\r\n\r\nx\r\n');
    const sha = await store.put(m);
    const before = await stat(store.pathOf(sha));
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.put(m)).toBe(sha);
    expect((await stat(store.pathOf(sha))).mtimeMs).toBe(before.mtimeMs);
  });

  it('streams a message to its sha256 and leaves no temporary file', async () => {
    const root = freshRoot();
    const store = new RawStore(root);
    const body = Buffer.alloc(3 << 20, 'a');
    const b = store.batch();
    const r = await b.putStream(Readable.from([body.subarray(0, 1 << 20), body.subarray(1 << 20)]));
    await b.commit();
    expect(r).toEqual({ sha256: sha256Hex(body), bytes: body.length });
    expect(files(root)).toEqual([path.relative(root, store.pathOf(r.sha256))]);
    expect((await readFile(store.pathOf(r.sha256))).equals(body)).toBe(true);
  });

  it('writes again into a store emptied behind its back', async () => {
    const root = freshRoot();
    const store = new RawStore(root);
    const a = await store.put(Buffer.from('first'));
    rmSync(root, { recursive: true, force: true });
    const b = await store.put(Buffer.from('second'));
    const c = await store.put(Buffer.from('first'));
    expect(c).toBe(a);
    expect(files(root).sort()).toEqual([path.relative(root, store.pathOf(a)), path.relative(root, store.pathOf(b))].sort());
  });
});
