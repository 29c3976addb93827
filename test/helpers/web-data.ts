// Data for the web tests, made by the demo generator (src/demo/corpus.ts) and stored through the
// real analysis and fact writers, without IMAP or queues: the sample directory, one mailbox per
// demo-monitored agency, and `count` generated messages of a period analyzed into Postgres.
import { analyzeMessage } from '../../src/analyze/message.js';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { writeAnalysis } from '../../src/db/facts.js';
import { insertMailbox } from '../../src/db/mailboxes.js';
import { recordFetchedBatch } from '../../src/db/messages.js';
import { withTransaction, type Pool } from '../../src/db/pool.js';
import { generateCorpusArray } from '../../src/demo/corpus.js';
import { DEMO_MONITORED, imapUserOf } from '../../src/demo/run-demo.js';
import { buildDirectory } from '../../src/domain/directory.js';
import { parsePeriod } from '../../src/domain/period.js';
import { sha256Hex } from '../../src/store/raw-store.js';

export async function loadDemoData(pool: Pool, o: { count: number; period: string; seed?: number; attachmentShare?: number }): Promise<Map<string, number>> {
  const agencies = await loadDirectoryFile('config/agencies.yaml');
  await upsertAgencies(pool, agencies);
  const directory = buildDirectory(agencies);
  const mailboxes = new Map<string, number>();
  for (const code of DEMO_MONITORED) {
    mailboxes.set(code, await insertMailbox(pool, { agencyCode: code, host: '127.0.0.1', port: 1, security: 'none', username: imapUserOf(code), secretEnc: Buffer.alloc(40), folders: ['INBOX'], tlsInsecure: false }));
  }
  const period = parsePeriod(o.period);
  const msgs = await generateCorpusArray({
    count: o.count,
    seed: o.seed ?? 7,
    period: { start: period.start, end: period.end },
    agencies,
    monitored: DEMO_MONITORED,
    attachmentShare: o.attachmentShare ?? 0.3,
    targetSize: 20_000,
    poolSize: 6,
  });
  let uid = 0;
  for (const m of msgs) {
    const mailboxId = mailboxes.get(m.mailbox) as number;
    const [rec] = await withTransaction(pool, (tx) =>
      recordFetchedBatch(tx, [{ mailboxId, folder: m.folder, uidvalidity: 1, uid: ++uid, sha256: sha256Hex(m.raw), size: m.raw.length, messageId: null, internalDate: m.internalDate, state: 'pending', stateReason: null }]),
    );
    const a = await analyzeMessage(m.raw, { directory, monitored: m.mailbox, internalDate: m.internalDate, receivedAt: m.internalDate });
    await writeAnalysis(pool, rec?.id as number, a);
  }
  return mailboxes;
}
