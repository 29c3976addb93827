// tar entries with tar-stream (ustar, pax and GNU long names), and gzip with Node's zlib. A .tar.gz
// is a gzip container whose one entry is a tar container, opened in turn by the walker.
// A tar stores its entries as they are (no compression, no ratio); its bytes are already in memory,
// and only the entries the walker selected are copied out. gzip is inflated with a hard output
// cap (zlib's maxOutputLength), so a gzip bomb stops at the cap whatever its trailer says.

import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import tar from 'tar-stream';
import { CapExceeded, type ContainerReader, type ListedEntry } from './reader.js';
import { baseName, cleanPath, decodeLegacyName } from '../entry-names.js';
import { collect } from './stream.js';

interface TarEntry extends ListedEntry {
  index: number;
}

const FILE_TYPES = new Set<string | null | undefined>(['file', 'contiguous-file', null, undefined]);

/** tar names are bytes: pax names are UTF-8 (decoded by tar-stream); others are read as legacy bytes. */
function tarName(latin1: string): string {
  if ([...latin1].some((ch) => ch.charCodeAt(0) > 0xff)) return cleanPath(latin1);
  return cleanPath(decodeLegacyName(Buffer.from(latin1, 'latin1')));
}

/** Walks the tar's headers; `onFile` gets each file entry's index, header and stream, which it must consume. */
async function walk(content: Buffer, onFile: (index: number, header: tar.Header, stream: AsyncIterable<unknown> & { resume(): unknown }) => Promise<boolean>): Promise<void> {
  // tar-stream reads this option (extract.js) though its types do not list it.
  const options: Parameters<typeof tar.extract>[0] & { filenameEncoding?: BufferEncoding } = { filenameEncoding: 'latin1' };
  const extract = tar.extract(options);
  Readable.from([content]).pipe(extract);
  let index = -1;
  try {
    for await (const entry of extract) {
      if (!FILE_TYPES.has(entry.header.type)) {
        entry.resume();
        continue;
      }
      index++;
      if (!(await onFile(index, entry.header, entry))) break;
    }
  } finally {
    extract.destroy();
  }
}

export function tarReader(content: Buffer): ContainerReader<TarEntry> {
  const unpacked = new Map<number, Buffer | CapExceeded>();
  return {
    format: 'tar',
    async list(maxListed) {
      const entries: TarEntry[] = [];
      let complete = true;
      await walk(content, async (index, header, stream) => {
        if (entries.length >= maxListed) {
          complete = false;
          stream.resume();
          return false;
        }
        const size = header.size ?? 0;
        entries.push({ path: tarName(header.name), declaredType: null, declaredSize: size, compressedSize: null, encrypted: false, unreadable: null, index });
        stream.resume();
        return true;
      });
      return { entries, total: complete ? entries.length : null, text: '', problem: null };
    },
    async prepare(selected) {
      const caps = new Map(selected.map(({ entry, cap }) => [entry.index, cap]));
      const last = Math.max(...caps.keys());
      await walk(content, async (index, _header, stream) => {
        const cap = caps.get(index);
        if (cap === undefined) stream.resume();
        else {
          try {
            unpacked.set(index, await collect(stream, cap));
          } catch (err) {
            if (!(err instanceof CapExceeded)) throw err;
            unpacked.set(index, err);
            return false; // the entry's stream was destroyed: the walk cannot go on
          }
        }
        return index < last;
      });
    },
    read(entry) {
      const got = unpacked.get(entry.index);
      unpacked.delete(entry.index);
      if (got instanceof CapExceeded) return Promise.reject(got);
      if (!got) return Promise.reject(new Error('entry not found on the second pass'));
      return Promise.resolve(got);
    },
  };
}

/** The name a gzip member carries (FNAME, ISO 8859-1), else null. */
export function gzipOriginalName(content: Buffer): string | null {
  if (content.length < 18 || content[0] !== 0x1f || content[1] !== 0x8b) return null;
  const flags = content[3] ?? 0;
  let at = 10;
  if (flags & 0x04) at += 2 + content.readUInt16LE(at); // FEXTRA
  if (!(flags & 0x08) || at >= content.length) return null; // no FNAME
  const end = content.indexOf(0, at);
  if (end < 0) return null;
  const name = baseName(cleanPath(decodeLegacyName(content.subarray(at, Math.min(end, at + 1024)))));
  return name || null;
}

export function gzipReader(content: Buffer, filename: string | null = null): ContainerReader<ListedEntry> {
  const inflate = promisify(gunzip);
  return {
    format: 'gzip',
    list() {
      // The trailer's ISIZE is the size modulo 2^32 of the last member only: no declared size.
      // The output cap (attachment size, total budget, ratio) is what bounds the inflation.
      const fromName = filename ? filename.replace(/\.tgz$/i, '.tar').replace(/\.gz$/i, '') : null;
      const path = gzipOriginalName(content) ?? (fromName || 'data');
      return Promise.resolve({
        entries: [{ path, declaredType: null, declaredSize: null, compressedSize: content.length, encrypted: false, unreadable: null }],
        total: 1,
        text: '',
        problem: null,
      });
    },
    async read(_entry, cap) {
      try {
        return await inflate(content, { maxOutputLength: Math.max(1, Math.min(cap + 1, 2 ** 31 - 1)) }).then((out) => {
          if (out.length > cap) throw new CapExceeded(null);
          return out;
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw new CapExceeded(null);
        throw err;
      }
    },
  };
}
