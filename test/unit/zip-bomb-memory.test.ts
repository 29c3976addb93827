// A zip bomb that would expand to 10 GiB is analyzed to a flag, and the process's memory hardly
// moves: the honest bomb is refused from its declared sizes, the lying one is stopped by the byte
// counter at the size it declared. The bombs are ~10 MB ZIP64 files made at test time
// (test/helpers/archives.ts). Memory is measured as resident set growth; no timing is asserted.

import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment } from '../../src/analyze/attachment.js';
import { crc32Combine, crc32OfZeros, gzipBomb, makeZip, zipBomb } from '../helpers/archives.js';
import { gunzipSync } from 'node:zlib';
import { crc32 } from 'node:zlib';

const MiB = 1024 * 1024;
const TEN_GIB_IN_MIB = 10 * 1024;
const asZip = { filename: 'bao-cao-tong-hop.zip', declaredType: 'application/zip' };

/** Resident set growth while `fn` runs, in bytes (sampled around it and every 5 ms during it). */
async function rssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

describe('the bomb helper', () => {
  it('computes CRC-32s of zeros as zlib does, without reading them', () => {
    expect(crc32OfZeros(3)).toBe(crc32(Buffer.alloc(3 * MiB)));
    const a = Buffer.from('Công văn số 125/STC-NS');
    const b = Buffer.from(' ngày 20 tháng 8 năm 2026');
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
  });

  it('makes gzip bombs zlib inflates, CRC and size checked', async () => {
    expect(gunzipSync(await gzipBomb('x.csv', 3)).equals(Buffer.alloc(3 * MiB))).toBe(true);
  });
});

describe('a 10 GiB zip bomb', () => {
  it('is flagged over_limit:ratio from its declared sizes, and memory stays flat', async () => {
    const bomb = await zipBomb('so-lieu.csv', TEN_GIB_IN_MIB);
    expect(bomb.length).toBeLessThan(12 * MiB);
    // Warm up the ZIP reader so its loading is not counted.
    await inspectAttachment(await makeZip([{ name: 'a.txt', data: Buffer.from('a') }]), asZip);
    const { result: facts, growth } = await rssGrowth(() => inspectAttachment(bomb, asZip));
    expect(facts.problem).toBe('over_limit:ratio');
    expect(facts.children?.[0]).toMatchObject({ path: 'so-lieu.csv', size: TEN_GIB_IN_MIB * MiB, problem: 'over_limit:ratio' });
    expect(facts.container?.unpackedBytes).toBe(0);
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('that lies about its size (declares 8 MiB) is stopped at 8 MiB by the byte counter, and memory stays flat', async () => {
    const liar = await zipBomb('so-lieu.csv', TEN_GIB_IN_MIB, 8 * MiB);
    const { result: facts, growth } = await rssGrowth(() => inspectAttachment(liar, asZip));
    expect(facts.problem).toBe('over_limit:declared_size');
    expect(facts.children?.[0]).toMatchObject({ path: 'so-lieu.csv', size: 8 * MiB, problem: 'over_limit:declared_size' });
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('as a .gz (no size declared at all) is inflated only up to the cap, and memory stays within it', async () => {
    const bomb = await gzipBomb('so-lieu.csv', TEN_GIB_IN_MIB);
    // ISIZE says 2 GiB: 10 GiB modulo 2^32. Nothing in a gzip tells its real size.
    expect(bomb.readUInt32LE(bomb.length - 4)).toBe(2 ** 31);
    const limits = { ...DEFAULT_ATTACHMENT_LIMITS, maxBytes: 16 * MiB };
    const { result: facts, growth } = await rssGrowth(() => inspectAttachment(bomb, { filename: 'so-lieu.csv.gz', declaredType: null }, limits));
    expect(facts.sniffedType).toBe('application/gzip');
    expect(facts.children?.[0]).toMatchObject({ path: 'so-lieu.csv', problem: 'over_limit:size' });
    expect(growth).toBeLessThan(64 * MiB);
    // The measure does see an inflation when the limits allow one (here up to 256 MiB).
    const loose = { ...limits, maxBytes: 256 * MiB, archive: { maxDepth: 5, maxEntries: 1000, maxTotalBytes: 1024 * MiB, maxRatio: 1_000_000 } };
    const control = await rssGrowth(() => inspectAttachment(bomb, { filename: 'so-lieu-2.csv.gz', declaredType: null }, loose));
    expect(control.result.children?.[0]?.problem).toBe('over_limit:size');
    expect(control.growth).toBeGreaterThan(128 * MiB);
  });
});
