// ZIP entries with yauzl: the central directory is read first (sizes, flags, names), then each
// entry is inflated as a stream through a byte counter. ZIP64 is yauzl's; names are decoded by
// entry-names.ts (UTF-8 flag, Info-ZIP Unicode Path, else CP437 or Windows' CP1258). The walker
// caps each read at the entry's declared size too, and checks the size after (what yauzl's
// `validateEntrySizes` would do, but reported as the limit it is: `over_limit:declared_size`).

import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { ContainerReader, ListedEntry } from './reader.js';
import { zipEntryName } from '../entry-names.js';
import { collect } from './stream.js';

interface ZipEntry extends ListedEntry {
  raw: yauzl.Entry;
}

/** Compression methods yauzl inflates: stored and deflated. */
const READABLE_METHODS = new Set([0, 8]);

export function zipReader(content: Buffer): ContainerReader<ZipEntry> {
  let zip: yauzl.ZipFile | null = null;
  return {
    format: 'zip',
    async list(maxListed) {
      zip = await yauzl.fromBufferPromise(content, { decodeStrings: false, validateEntrySizes: false, strictFileNames: false });
      const entries: ZipEntry[] = [];
      let folders = 0;
      for await (const e of zip.eachEntry()) {
        const path = zipEntryName(e.fileNameRaw, e.generalPurposeBitFlag, e.extraFields, (b) => crc32(b));
        if (path.endsWith('/')) {
          folders++;
          continue;
        }
        const encrypted = e.isEncrypted();
        entries.push({
          path,
          declaredType: null,
          declaredSize: e.uncompressedSize,
          compressedSize: e.compressedSize,
          encrypted,
          unreadable: !encrypted && !READABLE_METHODS.has(e.compressionMethod) ? `unsupported:zip-method-${e.compressionMethod}` : null,
          raw: e,
        });
        if (entries.length >= maxListed) break;
      }
      // The end record counts folders too; those seen are taken off (the rest are unknown).
      return { entries, total: Math.max(entries.length, zip.entryCount - folders), text: '', problem: null };
    },
    async read(entry, cap) {
      if (!zip) throw new Error('zip not listed');
      const stream = await zip.openReadStreamPromise(entry.raw);
      return collect(stream, cap);
    },
  };
}
