// The durable floor under edocwatch's sync: bare imapflow's fetch (bench/imap-fetch.ts) plus the
// least a sync that keeps what it fetches must do with each message — its sha256, appended to a
// pack file in edocwatch's record format (writevs of up to 256 records, one in flight), one fsync per batch (and one of
// the directory). No database, no queue, no dedupe, no checkpoint. The sync section runs it beside
// `sync --no-analyze` to show what durability itself costs on this machine, apart from
// edocwatch's own work. Environment: BENCH_IMAP_PORT, BENCH_IMAP_USER, BENCH_IMAP_PASS,
// BENCH_BATCH, BENCH_DURABLE_DIR (created; the pack is left for the caller to check and remove).
import { createHash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { recordHeader } from '../src/store/raw-store.js';
import { connectBenchImap } from './imap-fetch.js';
import { env, now, printResult, type StageResult } from './result.js';

export async function durableFetch(): Promise<StageResult> {
  const batch = Number(process.env['BENCH_BATCH'] ?? '200');
  const dir = env('BENCH_DURABLE_DIR');
  const t0 = now();
  const client = await connectBenchImap();
  await mkdir(dir, { recursive: true });
  const fh = await open(path.join(dir, 'floor.pack'), 'wx');
  let messages = 0;
  let bytes = 0;
  let at = 0;
  try {
    const dirFh = await open(dir, 'r');
    await dirFh.sync();
    await dirFh.close();
    const syncs: Array<Promise<void>> = [];
    let chain: Promise<void> = Promise.resolve();
    for (const folder of ['INBOX', 'Sent']) {
      const box = await client.mailboxOpen(folder, { readOnly: true });
      for (let i = 1; i <= box.exists; i += batch) {
        // Records go out in writevs of up to 256, one in flight at a time, as the raw store writes them.
        let pending: Buffer[] = [];
        let pendingAt = at;
        const flush = (): void => {
          const bufs = pending;
          const pos = pendingAt;
          pending = [];
          pendingAt = at;
          chain = chain.then(() => writeAll(fh, bufs, pos));
        };
        for await (const m of client.fetch(`${i}:${Math.min(i + batch - 1, box.exists)}`, { uid: true, source: true })) {
          const src = m.source;
          if (!src) continue;
          const sha = createHash('sha256').update(src).digest('hex');
          pending.push(recordHeader(sha, src.length), src);
          at += 48 + src.length;
          messages++;
          bytes += src.length;
          if (pending.length >= 512) flush();
        }
        if (pending.length > 0) flush();
        // The batch is durable once its records are written and fsync'd; that runs while the next
        // batch is fetched (as edocwatch's commit does), and the last one is awaited below.
        const durable = chain.then(() => fh.sync());
        durable.catch(() => undefined); // handled by the Promise.all below
        syncs.push(durable);
      }
    }
    await Promise.all(syncs);
  } finally {
    await fh.close();
    await client.logout().catch(() => client.close());
  }
  return { messages, bytes, seconds: now() - t0, extra: { packBytes: at } };
}

async function writeAll(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let bufs = buffers;
  let pos = position;
  while (bufs.length > 0) {
    const { bytesWritten } = await fh.writev(bufs, pos);
    pos += bytesWritten;
    let left = bytesWritten;
    while (bufs.length > 0 && left >= (bufs[0] as Buffer).length) {
      left -= (bufs[0] as Buffer).length;
      bufs = bufs.slice(1);
    }
    if (left > 0) bufs = [(bufs[0] as Buffer).subarray(left), ...bufs.slice(1)];
  }
}

const main = process.argv[1];
if (main !== undefined && import.meta.url === pathToFileURL(main).href) {
  durableFetch().then(printResult, (err: unknown) => {
    process.stderr.write(`bench durable-fetch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
