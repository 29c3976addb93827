// The benchmark stages that run inside a child process of bench/pipeline.ts (so that each has its own
// peak RSS): bare imapflow fetch (bench/imap-fetch.ts), bare mailparser, and the diagnostics
// (analysis without the database, raw-store writes with and without fsync). Each prints one
// `BENCH_RESULT {json}` line.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { analyzeMessage, PARSE_OPTIONS } from '../src/analyze/message.js';
import { loadConfig } from '../src/config/config.js';
import { loadDirectoryFile } from '../src/config/directory-file.js';
import { buildDirectory } from '../src/domain/directory.js';
import { analysisLimits, preloadAnalysis } from '../src/jobs/analyze.js';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPool, pgSettings, type Pool } from '../src/db/pool.js';
import { RawStore, type RawLocation } from '../src/store/raw-store.js';
import { imapFetch } from './imap-fetch.js';
import { BENCH_DB, env, now, printResult, type StageResult } from './result.js';

export { RESULT_MARK, type StageResult } from './result.js';

export interface CorpusEntry {
  file: string;
  folder: 'INBOX' | 'Sent';
  internalDate: string;
  size: number;
  attachments: boolean;
}

async function readManifest(dir: string): Promise<CorpusEntry[]> {
  return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as CorpusEntry[];
}

/** Bare mailparser: simpleParser on each raw message, with the options of src/analyze/message.ts. */
async function parse(): Promise<StageResult> {
  const dir = env('BENCH_CORPUS_DIR');
  const entries = await readManifest(dir);
  const t0 = now();
  let parseS = 0;
  let bytes = 0;
  let attachments = 0;
  for (const e of entries) {
    const raw = await readFile(path.join(dir, e.file));
    const p0 = now();
    const parsed = await simpleParser(raw, PARSE_OPTIONS);
    parseS += now() - p0;
    attachments += parsed.attachments.length;
    bytes += raw.length;
  }
  return { messages: entries.length, bytes, seconds: now() - t0, extra: { parseOnlySeconds: parseS, attachments } };
}

/**
 * The whole analysis of src/analyze (MIME, attachments, refs, labels) as the analyze worker runs it
 * (the limits of src/jobs/analyze.ts, from the configuration), one message after another, with no
 * database or queue. OCR must be off (BENCH runs it with EDOCWATCH_OCR=false).
 */
async function analyzeOnly(): Promise<StageResult> {
  const dir = env('BENCH_CORPUS_DIR');
  const agency = env('BENCH_AGENCY');
  const entries = await readManifest(dir);
  const config = loadConfig();
  if (config.analyze.ocr.enabled) throw new Error('bench stage analyze-only: OCR is on (set EDOCWATCH_OCR=false)');
  const limits = analysisLimits(config);
  const directory = buildDirectory(await loadDirectoryFile(config.directoryFile));
  // Modules the analysis loads on first use (pdfjs) are loaded before the clock starts, as the
  // analyze worker does at start: loading code is not throughput (mailparser's is loaded before it too).
  await preloadAnalysis();
  const t0 = now();
  let bytes = 0;
  const states: Record<string, number> = {};
  for (const e of entries) {
    const raw = await readFile(path.join(dir, e.file));
    bytes += raw.length;
    const a = await analyzeMessage(raw, {
      directory,
      monitored: agency,
      internalDate: new Date(e.internalDate),
      receivedAt: new Date(),
      freeMailDomains: config.freeMailDomains,
      limits,
    });
    states[a.message.state] = (states[a.message.state] ?? 0) + 1;
  }
  return { messages: entries.length, bytes, seconds: now() - t0, extra: states };
}

/** The index rows of a batch's objects, as recordFetchedBatch writes them. */
async function recordRawObjects(pool: Pool, shas: string[], locs: ReadonlyMap<string, RawLocation>): Promise<void> {
  const objs = [...new Set(shas)].flatMap((s) => {
    const l = locs.get(s);
    return l ? [{ s, l }] : [];
  });
  await pool.query(
    `INSERT INTO raw_objects (sha256, size, pack, pack_offset) SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[]) ON CONFLICT DO NOTHING`,
    [objs.map((o) => o.s), objs.map((o) => o.l.length), objs.map((o) => o.l.pack), objs.map((o) => o.l.offset)],
  );
}

/** Diagnostic: raw-store batches of every message (written, committed, indexed), with fsync (as the product does) and without. */
async function rawStore(): Promise<StageResult> {
  const dir = env('BENCH_CORPUS_DIR');
  const scratch = env('BENCH_SCRATCH_DIR');
  const entries = await readManifest(dir);
  const raws: Buffer[] = [];
  for (const e of entries) raws.push(await readFile(path.join(dir, e.file)));
  const bytes = raws.reduce((s, r) => s + r.length, 0);
  // The pack index lives in Postgres: a scratch database of its own, re-created for each timing.
  const url = new URL(process.env['DATABASE_URL'] ?? 'postgres://127.0.0.1:5432/edocwatch');
  url.pathname = `/${BENCH_DB}_rawstore`;
  const admin = new URL(url.toString());
  admin.pathname = '/postgres';
  const timed = async (fsync: boolean): Promise<number> => {
    const root = path.join(scratch, fsync ? 'fsync' : 'nofsync');
    await rm(root, { recursive: true, force: true });
    const c = new pg.Client(pgSettings(admin.toString()));
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${BENCH_DB}_rawstore WITH (FORCE)`).finally(() => c.end());
    await migrate(url.toString());
    const pool = createPool(url.toString(), 4);
    try {
      const store = new RawStore(root, pool, { fsync });
      const t0 = now();
      // Batches of 200, as syncFolder stores one fetch batch: written side by side, one commit, indexed.
      for (let i = 0; i < raws.length; i += 200) {
        const b = store.batch();
        const shas = await Promise.all(raws.slice(i, i + 200).map((r) => b.put(r)));
        await b.commit();
        await recordRawObjects(pool, shas, b.locations);
      }
      const s = now() - t0;
      await store.close();
      return s;
    } finally {
      await pool.end();
      await rm(root, { recursive: true, force: true });
    }
  };
  const withFsync = await timed(true);
  const withoutFsync = await timed(false);
  return { messages: raws.length, bytes, seconds: withFsync, extra: { withFsyncSeconds: withFsync, withoutFsyncSeconds: withoutFsync } };
}

export const CHILD_STAGES: Record<string, () => Promise<StageResult>> = {
  'imap-fetch': imapFetch,
  parse,
  'analyze-only': analyzeOnly,
  'raw-store': rawStore,
};

export async function runChildStage(name: string): Promise<number> {
  const fn = CHILD_STAGES[name];
  if (!fn) {
    process.stderr.write(`bench: unknown stage ${name}\n`);
    return 2;
  }
  printResult(await fn());
  return 0;
}
