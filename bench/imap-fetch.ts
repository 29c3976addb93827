// Bare imapflow, the floor under edocwatch's sync: connect, EXAMINE INBOX then Sent, fetch every
// source in batches of BENCH_BATCH (default 200, the pipeline's fetch_batch), discard. Run by the
// pipeline section as `--stage imap-fetch`, and by the sync section as its own light process
// (`node dist/bench/imap-fetch.js`: imapflow is all it loads, so its startup is charged fairly).
// Environment: BENCH_IMAP_PORT, BENCH_IMAP_USER, BENCH_IMAP_PASS, BENCH_BATCH.
import { pathToFileURL } from 'node:url';
import { ImapFlow } from 'imapflow';
import { env, now, printResult, type StageResult } from './result.js';

/** A connected imapflow client for the bench mailbox (BENCH_IMAP_PORT, BENCH_IMAP_USER, BENCH_IMAP_PASS). */
export async function connectBenchImap(): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: Number(env('BENCH_IMAP_PORT')),
    secure: false,
    doSTARTTLS: false,
    auth: { user: env('BENCH_IMAP_USER'), pass: env('BENCH_IMAP_PASS') },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function imapFetch(): Promise<StageResult> {
  const batch = Number(process.env['BENCH_BATCH'] ?? '200');
  const t0 = now();
  const client = await connectBenchImap();
  let messages = 0;
  let bytes = 0;
  let largest = 0;
  try {
    for (const folder of ['INBOX', 'Sent']) {
      const box = await client.mailboxOpen(folder, { readOnly: true });
      const exists = box.exists;
      for (let i = 1; i <= exists; i += batch) {
        const range = `${i}:${Math.min(i + batch - 1, exists)}`;
        for await (const m of client.fetch(range, { uid: true, source: true })) {
          messages++;
          const n = m.source?.length ?? 0;
          bytes += n;
          if (n > largest) largest = n;
        }
      }
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return { messages, bytes, seconds: now() - t0, extra: { largestBytes: largest } };
}

const main = process.argv[1];
if (main !== undefined && import.meta.url === pathToFileURL(main).href) {
  imapFetch().then(printResult, (err: unknown) => {
    process.stderr.write(`bench imap-fetch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
