// RAR (4 and 5) entries with node-unrar-js, RARLAB's own unrar compiled to WebAssembly.
//
// Two properties of that library shape this reader:
// - It unpacks an entry whole into memory (no stream to count on). What bounds the bytes is
//   unrar itself: its unpacker writes at most the unpacked size the file header declares
//   (Unpack::UnpWriteData stops at DestUnpSize), so the walker's checks of the declared sizes
//   against the limits are hard bounds here, and each extraction is checked again after.
//   In a solid archive, reaching an entry unpacks every entry before it, so the declared sizes of
//   those count too.
// - One WebAssembly instance serves the whole process, and it calls back the extractor created
//   last. Every use is therefore serialized here, and the unpacking runs in one synchronous block
//   (`prepare`), so two analyses never interleave inside it.

import { createExtractorFromData, type FileHeader } from 'node-unrar-js';
import { CapExceeded, type ContainerReader, type ListedEntry } from './reader.js';
import { cleanPath } from '../entry-names.js';

interface RarEntry extends ListedEntry {
  /** Position among the archive's file headers (folders included): names may repeat. */
  index: number;
  name: string;
  /** Unpacked sizes of the entries before it, which a solid archive unpacks to reach it. */
  before: number;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `fn` when no other use of the unrar instance is in progress. */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

function arrayBufferOf(content: Buffer): ArrayBuffer {
  return content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength) as ArrayBuffer;
}

function isMissingPassword(err: unknown): boolean {
  const reason = (err as { reason?: unknown } | null)?.reason;
  return reason === 'ERAR_MISSING_PASSWORD' || reason === 'ERAR_BAD_PASSWORD';
}

export function rarReader(content: Buffer): ContainerReader<RarEntry> {
  let solid = false;
  const unpacked = new Map<number, Buffer>();
  const refused = new Map<number, CapExceeded>();
  return {
    format: 'rar',
    list(maxListed) {
      return exclusive(async () => {
        let extractor;
        let headers: FileHeader[];
        try {
          extractor = await createExtractorFromData({ data: arrayBufferOf(content) });
          const list = extractor.getFileList();
          solid = list.arcHeader.flags.solid;
          // The iterator must be run to its end: it frees unrar's archive object there.
          headers = [...list.fileHeaders];
        } catch (err) {
          // Encrypted headers (rar -hp): nothing can be listed without the password.
          if (isMissingPassword(err)) return { entries: [], total: null, text: '', problem: 'encrypted' };
          throw err;
        }
        const entries: RarEntry[] = [];
        let files = 0;
        let before = 0;
        headers.forEach((h, index) => {
          if (h.flags.directory) return;
          files++;
          if (entries.length < maxListed) {
            entries.push({
              path: cleanPath(h.name),
              declaredType: null,
              declaredSize: h.unpSize,
              compressedSize: h.packSize,
              encrypted: h.flags.encrypted,
              unreadable: null,
              index,
              name: h.name,
              before,
            });
          }
          before += h.unpSize;
        });
        return { entries, total: files, text: '', problem: null };
      });
    },
    prepare(selected, budgetBytes) {
      return exclusive(async () => {
        const wanted = new Map<number, number>();
        let planned = 0;
        for (const { entry, cap } of selected) {
          // Solid: unrar unpacks everything before the entry to reach it.
          const cost = solid ? entry.before + (entry.declaredSize ?? 0) : planned + (entry.declaredSize ?? 0);
          if (cost > budgetBytes) {
            refused.set(entry.index, new CapExceeded('total'));
            continue;
          }
          planned += entry.declaredSize ?? 0;
          wanted.set(entry.index, cap);
        }
        if (wanted.size === 0) return;
        const extractor = await createExtractorFromData({ data: arrayBufferOf(content) });
        let index = -1;
        const files = extractor.extract({
          files: () => {
            index++;
            return wanted.has(index);
          },
        }).files;
        // Run to the end (frees unrar's archive object); the filter above sees every header in order.
        const order = [...wanted.keys()].sort((a, b) => a - b);
        let i = 0;
        for (const f of files) {
          const at = order[i++];
          if (at === undefined || !f.extraction) continue;
          const cap = wanted.get(at) ?? 0;
          if (f.extraction.length > cap || f.extraction.length > (f.fileHeader.unpSize ?? 0)) {
            refused.set(at, new CapExceeded(null));
            continue;
          }
          unpacked.set(at, Buffer.from(f.extraction.buffer, f.extraction.byteOffset, f.extraction.byteLength));
        }
      });
    },
    read(entry, cap) {
      const no = refused.get(entry.index);
      if (no) return Promise.reject(no);
      const bytes = unpacked.get(entry.index);
      unpacked.delete(entry.index);
      if (!bytes) return Promise.reject(new Error('entry not unpacked'));
      if (bytes.length > cap) return Promise.reject(new CapExceeded(null));
      return Promise.resolve(bytes);
    },
  };
}
