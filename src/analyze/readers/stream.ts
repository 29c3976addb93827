// Reading an entry's stream into memory through a byte counter: as soon as it has yielded more
// than the cap, the read stops (leaving the loop destroys the stream) and rejects with
// CapExceeded, whatever the entry's size was declared to be. Works for Node streams (yauzl) and
// streamx streams (tar-stream): both are async iterables of chunks.

import { CapExceeded, type CapLimit } from './reader.js';

export async function collect(source: AsyncIterable<unknown>, cap: number, limit: CapLimit | null = null): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    length += bytes.length;
    if (length > cap) throw new CapExceeded(limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, length);
}
