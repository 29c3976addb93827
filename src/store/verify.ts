// `edocwatch store verify`: every object the index (raw_objects) names is read back and checked —
// its record header, its length and the sha256 of its bytes — as `get` would read it for
// analysis. A row whose bytes are missing, cut short or damaged is reported with the messages
// that point at it (their mail must be synced or imported again, or the store restored). It also
// measures what no row points at: pack bytes left by a crash between a batch's fsync and its
// commit, by two processes storing the same new bytes at once, or written by a sync still running.
// Reads the whole store once, pack by pack in offset order.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from '../db/pool.js';
import { EdocError } from '../errors.js';
import { RECORD_HEADER_BYTES, RawCorruptError, type IndexRow, type RawStore } from './raw-store.js';

export interface DamagedObject {
  sha256: string;
  /** `pack <name> @ <offset>`, or the old layout's file. */
  where: string;
  why: string;
  /** Messages (id) whose raw mail this is; the first 20. */
  messages: number[];
}

export interface VerifyReport {
  /** raw_objects rows checked, and how many of them live in packs. */
  objects: number;
  packedObjects: number;
  /** Bytes of mail checked. */
  bytes: number;
  damaged: DamagedObject[];
  /** Pack files on disk, and their bytes that no index row points at. */
  packs: number;
  packBytes: number;
  unreferencedBytes: number;
  /** Pack files no index row points at (a crashed batch's, or one a running sync is writing). */
  unindexedPacks: string[];
}

/** At most this many damaged objects are listed (all are counted in `damagedCount`). */
const LIST_DAMAGED = 200;

export async function verifyStore(store: RawStore, pool: Pool, onProgress?: (done: number, total: number) => void): Promise<VerifyReport & { damagedCount: number }> {
  const onDisk = new Map<string, number>();
  const names = await readdir(store.packDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw new EdocError('E_RAW_STORE', `kho thô / raw store: cannot list ${store.packDir}: ${err.message}`);
  });
  for (const n of names.filter((x) => x.endsWith('.pack'))) onDisk.set(n, (await stat(path.join(store.packDir, n))).size);
  const report: VerifyReport & { damagedCount: number } = {
    objects: 0,
    packedObjects: 0,
    bytes: 0,
    damaged: [],
    damagedCount: 0,
    packs: onDisk.size,
    packBytes: [...onDisk.values()].reduce((a, b) => a + b, 0),
    unreferencedBytes: 0,
    unindexedPacks: [],
  };
  const { rows: count } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_objects');
  const total = count[0]?.n ?? 0;
  const indexedBytes = new Map<string, number>();
  const damagedShas: DamagedObject[] = [];

  // A cursor, in pack and offset order: the store is read sequentially and never listed whole in memory.
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('DECLARE raw_verify NO SCROLL CURSOR FOR SELECT sha256, size, pack, pack_offset FROM raw_objects ORDER BY pack NULLS LAST, pack_offset');
    for (;;) {
      const { rows } = await client.query<IndexRow>('FETCH 1000 FROM raw_verify');
      if (rows.length === 0) break;
      for (const r of rows) {
        report.objects++;
        report.bytes += r.size;
        if (r.pack) {
          report.packedObjects++;
          indexedBytes.set(r.pack, (indexedBytes.get(r.pack) ?? 0) + RECORD_HEADER_BYTES + r.size);
        }
        const where = r.pack ? `pack ${r.pack} @ ${r.pack_offset}` : store.pathOf(r.sha256);
        if (r.pack && !onDisk.has(r.pack)) {
          damagedShas.push({ sha256: r.sha256, where, why: 'its pack file is missing', messages: [] });
          continue;
        }
        try {
          await store.readIndexed(r.sha256, r);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          const why = e instanceof RawCorruptError ? e.why : e.code === 'ENOENT' ? 'its file is missing' : (e.message ?? String(err));
          damagedShas.push({ sha256: r.sha256, where, why, messages: [] });
        }
      }
      onProgress?.(report.objects, total);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }

  for (const [name, size] of onDisk) {
    const used = indexedBytes.get(name);
    if (used === undefined) report.unindexedPacks.push(name);
    report.unreferencedBytes += Math.max(0, size - (used ?? 0));
  }
  report.damagedCount = damagedShas.length;
  report.damaged = damagedShas.slice(0, LIST_DAMAGED);
  if (report.damaged.length > 0) {
    const { rows } = await pool.query<{ sha256: string; ids: number[] }>(
      `SELECT sha256, (array_agg(id ORDER BY id))[1:20] AS ids FROM messages WHERE sha256 = ANY($1::text[]) GROUP BY sha256`,
      [report.damaged.map((d) => d.sha256)],
    );
    const by = new Map(rows.map((r) => [r.sha256, r.ids.map(Number)]));
    for (const d of report.damaged) d.messages = by.get(d.sha256) ?? [];
  }
  return report;
}
