// Real archives made at test time with @zip.js/zip.js (ZIP: names in any code page, ZIP64,
// ZipCrypto and AES encryption, pre-compressed data) and tar-stream + zlib (tar, gzip), and zip
// bombs that are small on disk: a raw deflate stream of N zero bytes is one ~1 KB segment (1 MiB
// of zeros, ended by a full flush so every segment is the same bytes) repeated, so a bomb that
// expands to 10 GiB takes ~10 MB and no CPU to make. Its CRC-32 is computed with zlib's
// crc32_combine arithmetic instead of running over 10 GiB.

import { constants, crc32, createDeflateRaw, gzipSync } from 'node:zlib';
import { configure, Uint8ArrayReader, Uint8ArrayWriter, ZipWriter, type ZipWriterAddDataOptions, type ZipWriterConstructorOptions } from '@zip.js/zip.js';
import tar from 'tar-stream';

configure({ useWebWorkers: false });

export interface ZipItem {
  name: string;
  data: Uint8Array;
  options?: ZipWriterAddDataOptions;
}

/** A ZIP file of the items, in order. */
export async function makeZip(items: ZipItem[], options: ZipWriterConstructorOptions = {}): Promise<Buffer> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), options);
  for (const item of items) await writer.add(item.name, new Uint8ArrayReader(item.data), item.options);
  return Buffer.from(await writer.close());
}

/** `inner` wrapped in `levels` ZIPs, each holding the one below as `level-N.zip` (the innermost holds `inner`). */
export async function nestZip(levels: number, inner: ZipItem): Promise<Buffer> {
  let current = await makeZip([inner]);
  for (let level = levels - 1; level >= 1; level--) current = await makeZip([{ name: `level-${level + 1}.zip`, data: current }]);
  return current;
}

/** A tar of the files, as tar-stream packs it (ustar; pax headers for long or non-ASCII names). */
export async function makeTar(files: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, size: f.data.length }, f.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export const gzip = (data: Buffer): Buffer => gzipSync(data);

// ---------------------------------------------------------------------------------------------
// Zeros, compressed, without compressing them

const MiB = 1024 * 1024;
let segment: Promise<Buffer> | null = null;

/** Raw deflate of 1 MiB of zeros, ended by a full flush: self-contained, so it can be repeated. */
function zeroSegment(): Promise<Buffer> {
  segment ??= new Promise((resolve, reject) => {
    const deflate = createDeflateRaw({ level: 9 });
    const chunks: Buffer[] = [];
    deflate.on('data', (c: Buffer) => chunks.push(c));
    deflate.on('error', reject);
    deflate.write(Buffer.alloc(MiB));
    deflate.flush(constants.Z_FULL_FLUSH, () => {
      resolve(Buffer.concat(chunks));
      deflate.destroy();
    });
  });
  return segment;
}

/** zlib's crc32_combine: the CRC-32 of A‖B from the CRCs of A and B and the length of B. */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  const times = (mat: Uint32Array, vec: number): number => {
    let sum = 0;
    for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i] as number;
    return sum >>> 0;
  };
  const square = (out: Uint32Array, mat: Uint32Array) => {
    for (let n = 0; n < 32; n++) out[n] = times(mat, mat[n] as number);
  };
  if (len2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  square(even, odd); // two zero bits
  square(odd, even); // four zero bits
  let c = crc1 >>> 0;
  let len = len2;
  do {
    square(even, odd);
    if (len % 2 === 1) c = times(even, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
    square(odd, even);
    if (len % 2 === 1) c = times(odd, c);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (c ^ crc2) >>> 0;
}

/** CRC-32 of `mebibytes` MiB of zeros. */
export function crc32OfZeros(mebibytes: number): number {
  const one = crc32(Buffer.alloc(MiB));
  let result = 0;
  let block = one; // CRC of 2^k MiB of zeros
  let blockLen = MiB;
  let remaining = mebibytes;
  let first = true;
  while (remaining > 0) {
    if (remaining % 2 === 1) {
      result = first ? block : crc32Combine(result, block, blockLen);
      first = false;
    }
    remaining = Math.floor(remaining / 2);
    if (remaining > 0) {
      block = crc32Combine(block, block, blockLen);
      blockLen *= 2;
    }
  }
  return result;
}

/** Raw deflate data of `mebibytes` MiB of zeros (about 1 KB per MiB). */
export async function deflatedZeros(mebibytes: number): Promise<Buffer> {
  const seg = await zeroSegment();
  const out = Buffer.allocUnsafe(seg.length * mebibytes + 2);
  for (let i = 0; i < mebibytes; i++) seg.copy(out, i * seg.length);
  // A final, empty fixed-Huffman block ends the stream.
  out[seg.length * mebibytes] = 0x03;
  out[seg.length * mebibytes + 1] = 0x00;
  return out;
}

/**
 * A ZIP whose one entry `name` inflates to `mebibytes` MiB of zeros (ZIP64 past 4 GiB). With
 * `declaredBytes`, the headers lie about the uncompressed size, as bombs that fool size checks do.
 */
export async function zipBomb(name: string, mebibytes: number, declaredBytes?: number): Promise<Buffer> {
  const raw = await deflatedZeros(mebibytes);
  const size = mebibytes * MiB;
  const writer = new ZipWriter(new Uint8ArrayWriter());
  await writer.add(name, new Uint8ArrayReader(raw), {
    passThrough: true,
    compressionMethod: 8,
    uncompressedSize: declaredBytes ?? size,
    crc32: crc32OfZeros(mebibytes),
    zip64: size >= 0xffffffff,
  });
  return Buffer.from(await writer.close());
}

/** A gzip file (one member, RFC 1952) of `mebibytes` MiB of zeros, named `name` in its header. */
export async function gzipBomb(name: string, mebibytes: number): Promise<Buffer> {
  const header = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0x02, 0xff]), Buffer.from(`${name}\0`, 'latin1')]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32OfZeros(mebibytes), 0);
  trailer.writeUInt32LE((mebibytes * MiB) % 2 ** 32, 4); // ISIZE: the size modulo 2^32
  return Buffer.concat([header, await deflatedZeros(mebibytes), trailer]);
}
