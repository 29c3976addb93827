// What the benchmark sets up for its contenders: a fresh edocwatch (database edocwatch_bench
// re-created with migrate(), the sample agency directory, one mailbox row, a fresh raw store and
// queue prefix) and a fresh mbsync (+ notmuch) configuration pulling INBOX and Sent.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { loadDirectoryFile } from '../src/config/directory-file.js';
import { seal } from '../src/crypto/secrets.js';
import { upsertAgencies } from '../src/db/agencies.js';
import { insertMailbox } from '../src/db/mailboxes.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, pgSettings, withTransaction, type Pool } from '../src/db/pool.js';
import { createQueues, type Queues } from '../src/queue/queues.js';
import { scanPack } from '../src/store/raw-store.js';
import { BenchError, ENTRY, ROOT, figures, measured, requireTool, say, type StageFigures } from './common.js';
import type { ImapAccount } from './mailbox.js';
import { busyCores, machineCpu, runMeasured, startBackground, type ProcStats, type RunResult } from './measure.js';

export const EDOCWATCH_BIN = path.join(ROOT, 'bin', 'edocwatch.js');

import { BENCH_DB } from './result.js';

export { BENCH_DB };

export interface Edocwatch {
  /** The environment of every edocwatch process of this instance. */
  env: NodeJS.ProcessEnv;
  pool: Pool;
  queues: Queues;
  rawStore: string;
  prefix: string;
}

/**
 * A fresh edocwatch for one contender run: database BENCH_DB dropped and migrated, agencies
 * imported, one mailbox row for the account (password sealed with a random key), raw store
 * .tmp/bench/raw-<tag> emptied, queue prefix {edocwatch-bench-<tag>}. Afterwards the queues are
 * obliterated, the pool closed and the raw store removed.
 */
export async function withFreshEdocwatch<T>(agency: string, imap: ImapAccount, tag: string, fn: (e: Edocwatch) => Promise<T>, extraEnv: NodeJS.ProcessEnv = {}): Promise<T> {
  const base = new URL(process.env['DATABASE_URL'] ?? 'postgres://127.0.0.1:5432/edocwatch');
  base.pathname = `/${BENCH_DB}`;
  const databaseUrl = base.toString();
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client(pgSettings(admin.toString()));
  try {
    await client.connect();
  } catch (err) {
    throw new BenchError(`cannot reach PostgreSQL at ${admin.host}: ${(err as Error).message} (run: bash scripts/services.sh up)`);
  }
  try {
    await client.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await migrate(databaseUrl);
  const key = randomBytes(32);
  const pool = createPool(databaseUrl, 4);
  const rawStore = path.join(ROOT, '.tmp', 'bench', `raw-${tag}`);
  await rm(rawStore, { recursive: true, force: true });
  const prefix = `{edocwatch-bench-${tag}}`;
  // The Redis (or Redis Cluster) the edocwatch children will use: the same configuration they load.
  const { redisUrl, redisCluster } = loadConfig();
  const queues = createQueues({ redisUrl, redisCluster }, prefix);
  try {
    await withTransaction(pool, async (tx) => upsertAgencies(tx, await loadDirectoryFile(path.join(ROOT, 'config', 'agencies.yaml'))));
    await insertMailbox(pool, {
      agencyCode: agency,
      host: imap.host,
      port: imap.port,
      security: 'none',
      username: imap.user,
      secretEnc: seal(imap.pass, key),
      folders: ['INBOX'],
      tlsInsecure: false,
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      RAW_STORE: rawStore,
      EDOCWATCH_QUEUE_PREFIX: prefix,
      EDOCWATCH_SECRET_KEY: key.toString('base64'),
      LOG_LEVEL: 'warn',
      ...extraEnv,
    };
    return await fn({ env, pool, queues, rawStore, prefix });
  } finally {
    await queues.analyze.obliterate({ force: true }).catch(() => undefined);
    await queues.sync.obliterate({ force: true }).catch(() => undefined);
    await queues.report.obliterate({ force: true }).catch(() => undefined);
    await queues.close().catch(() => undefined);
    await pool.end();
    await rm(rawStore, { recursive: true, force: true });
  }
}

/** Message states in Postgres and their total, with the sum of sizes and the distinct sha256s. */
export async function messageCounts(pool: Pool): Promise<{ states: Record<string, number>; total: number; bytes: number; shas: Set<string> }> {
  const { rows } = await pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM messages GROUP BY state');
  const { rows: b } = await pool.query<{ b: string }>('SELECT coalesce(sum(size), 0)::bigint AS b FROM messages');
  const { rows: s } = await pool.query<{ sha256: string }>('SELECT sha256 FROM messages');
  return {
    states: Object.fromEntries(rows.map((r) => [r.state, r.n])),
    total: rows.reduce((t, r) => t + r.n, 0),
    bytes: Number(b[0]?.b ?? 0),
    shas: new Set(s.map((r) => r.sha256)),
  };
}

/**
 * Every object in a raw store's pack files, each read back and its sha256 computed from its bytes
 * (scanPack): distinct objects with their lengths, records in all (a duplicate counts twice),
 * packs whose tail is torn, and any other file (a temporary file, a file-per-message object).
 */
export async function rawStoreObjects(root: string): Promise<{ objects: Map<string, { length: number; pack: string; offset: number }>; records: number; packs: number; torn: string[]; other: number }> {
  const objects = new Map<string, { length: number; pack: string; offset: number }>();
  const torn: string[] = [];
  let records = 0;
  let packs = 0;
  let other = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (path.basename(dir) === 'packs' && path.dirname(dir) === root && d.name.endsWith('.pack')) {
        packs++;
        const scan = await scanPack(p);
        if (scan.torn) torn.push(`${d.name} at ${scan.torn.offset}: ${scan.torn.reason}`);
        for (const r of scan.records) {
          records++;
          if (!objects.has(r.sha256)) objects.set(r.sha256, { length: r.length, pack: d.name, offset: r.offset });
        }
      } else other++;
    }
  };
  if (existsSync(root)) await walk(root);
  return { objects, records, packs, torn, other };
}

// ---------------------------------------------------------------------------------------------
// edocwatch as a contender

export interface SyncOnlyOutcome {
  run: RunResult;
  cores: number;
  states: Record<string, number>;
  /** Sum of the messages' sizes (RFC822.SIZE) recorded in Postgres. */
  bytes: number;
  rawFiles: number;
  rawPacks: number;
  rawBytes: number;
  analyzeJobsQueued: number;
  /** A second `sync --no-analyze` right after, with nothing new: the fixed cost of a pass. */
  again: { run: RunResult; cores: number };
}

/**
 * `node bin/edocwatch.js sync --no-analyze` on a fresh edocwatch, measured from spawn to exit.
 * Checked afterwards: the command succeeded; Postgres holds exactly the n messages, all pending;
 * the raw store's packs hold exactly n records, none torn, each read back and hashed, whose sha256s are the
 * corpus messages' (every byte stored as delivered, each once) and the rows' sha256s; raw_objects has n
 * rows, each pointing at its record; no other file is left; n analyze jobs wait in the queue.
 * Then the same command once more, which finds nothing new (checked: still n messages, n jobs):
 * its time is what a pass costs before it moves any mail (start-up, connect, folder checks).
 * `firstPassNodeArgs` (e.g. --cpu-prof) go to the first pass only.
 */
export async function runSyncOnly(agency: string, imap: ImapAccount, expected: { n: number; hashes: Set<string> }, useTime: boolean, tag: string, firstPassNodeArgs: string[] = []): Promise<SyncOnlyOutcome> {
  const { n, hashes } = expected;
  return withFreshEdocwatch(agency, imap, tag, async (e) => {
    const { run, cores } = await measured(process.execPath, [...firstPassNodeArgs, EDOCWATCH_BIN, 'sync', '--no-analyze'], { env: e.env, timeoutMs: Math.max(600_000, n * 400), useTime });
    if (run.code !== 0) throw new BenchError(`edocwatch sync --no-analyze failed (exit ${run.code ?? run.signal}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-3000)}`);
    const db = await messageCounts(e.pool);
    if (db.total !== n || (db.states['pending'] ?? 0) !== n) throw new BenchError(`sync --no-analyze: Postgres holds ${db.total} messages (${JSON.stringify(db.states)}), expected ${n}, all pending`);
    const raw = await rawStoreObjects(e.rawStore);
    const rawBytes = [...raw.objects.values()].reduce((a, b) => a + b.length, 0);
    if (raw.torn.length > 0) throw new BenchError(`sync --no-analyze: torn pack files in the raw store: ${raw.torn.join('; ')}`);
    if (raw.objects.size !== n || raw.records !== n) throw new BenchError(`sync --no-analyze: the raw store holds ${raw.objects.size} objects in ${raw.records} records, expected ${n} and ${n}`);
    const missing = [...hashes].filter((h) => !raw.objects.has(h));
    if (missing.length > 0) throw new BenchError(`sync --no-analyze: ${missing.length} delivered messages are not in the raw store byte for byte (e.g. ${missing[0]})`);
    const unmatched = [...db.shas].filter((h) => !raw.objects.has(h));
    if (unmatched.length > 0) throw new BenchError(`sync --no-analyze: ${unmatched.length} rows point at no raw object (e.g. ${unmatched[0]})`);
    // The index: one row per object, pointing at the record that holds it.
    const { rows: index } = await e.pool.query<{ sha256: string; size: number; pack: string | null; pack_offset: string | null }>('SELECT sha256, size, pack, pack_offset FROM raw_objects');
    const misplaced = index.filter((r) => {
      const o = raw.objects.get(r.sha256);
      return !o || o.pack !== r.pack || o.offset !== Number(r.pack_offset) || o.length !== r.size;
    });
    if (index.length !== n || misplaced.length > 0) throw new BenchError(`sync --no-analyze: raw_objects holds ${index.length} rows (expected ${n}), ${misplaced.length} not pointing at their record (e.g. ${misplaced[0]?.sha256})`);
    if (raw.other > 0) throw new BenchError(`sync --no-analyze: ${raw.other} files other than pack files in the raw store`);
    const counts = await e.queues.analyze.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    const queued = Object.values(counts).reduce((a, b) => a + b, 0);
    if (queued !== n) throw new BenchError(`sync --no-analyze: ${queued} analyze jobs queued (${JSON.stringify(counts)}), expected ${n}`);
    const again = await measured(process.execPath, [EDOCWATCH_BIN, 'sync', '--no-analyze'], { env: e.env, timeoutMs: Math.max(600_000, n * 400), useTime });
    if (again.run.code !== 0) throw new BenchError(`a second edocwatch sync --no-analyze failed (exit ${again.run.code ?? again.run.signal}):\n${again.run.stderr.slice(-3000)}`);
    const after = await messageCounts(e.pool);
    const queuedAfter = Object.values(await e.queues.analyze.getJobCounts('waiting', 'prioritized', 'delayed', 'active')).reduce((a, b) => a + b, 0);
    if (after.total !== n || queuedAfter !== n) throw new BenchError(`a second sync --no-analyze changed the counts: ${after.total} messages, ${queuedAfter} jobs, expected ${n} and ${n}`);
    return { run, cores, states: db.states, bytes: db.bytes, rawFiles: raw.objects.size, rawPacks: raw.packs, rawBytes, analyzeJobsQueued: queued, again };
  });
}

export interface PipelineOutcome {
  figures: StageFigures;
  sync: ProcStats;
  worker: ProcStats;
  states: Record<string, number>;
  sql: Array<{ role: string; counts: Record<string, number> }>;
}

/**
 * The whole pipeline on a fresh edocwatch: `worker --queues analyze` started (and waited for), then
 * `sync` timed from spawn to exit (it syncs, analyzes in-process and in its own helper processes, and
 * waits until analysis drains); the worker stopped with SIGTERM. Checked: Postgres holds n
 * messages, none pending (and, with `strict`, none failed). With profileDir: --cpu-prof on both
 * processes and SQL statements counted by bench/sql-counter.ts.
 */
export async function runPipeline(o: { agency: string; imap: ImapAccount; n: number; useTime: boolean; tag: string; profileDir: string | null; strict: boolean; label: string }): Promise<PipelineOutcome> {
  const { n, profileDir } = o;
  say(`${o.label}: fresh database ${BENCH_DB}, migrate, agency import, mailbox ...`);
  return withFreshEdocwatch(
    o.agency,
    o.imap,
    o.tag,
    async (e) => {
      const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', pathToFileURL(path.join(path.dirname(ENTRY), 'sql-counter.js')).href] : [];
      say(`${o.label}: starting \`edocwatch worker --queues analyze\` ...`);
      let worker: Awaited<ReturnType<typeof startBackground>> | null = await startBackground(process.execPath, [...nodeArgs, EDOCWATCH_BIN, 'worker', '--queues', 'analyze'], e.env, /edocwatch worker:/, 60_000);
      try {
        say(`${o.label}: running \`edocwatch sync\` over ${n} messages ...`);
        const ticker = setInterval(() => {
          void e.pool
            .query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM messages GROUP BY state ORDER BY state')
            .then(({ rows }) => say(`${o.label}: ${rows.map((r) => `${r.state} ${r.n}`).join(', ') || 'listing ...'}`))
            .catch(() => undefined);
        }, 15_000);
        const c0 = machineCpu();
        let run;
        try {
          run = await runMeasured(process.execPath, [...nodeArgs, EDOCWATCH_BIN, 'sync'], { env: e.env, timeoutMs: Math.max(900_000, n * 600), useTime: o.useTime });
        } finally {
          clearInterval(ticker);
        }
        const cores = busyCores(c0, machineCpu(), run.wallS);
        const stopped = await worker.stop(30_000);
        worker = null;
        if (run.code !== 0) throw new BenchError(`edocwatch sync failed (exit ${run.code ?? run.signal}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-3000)}`);
        const db = await messageCounts(e.pool);
        if (db.total !== n || (db.states['pending'] ?? 0) > 0 || (o.strict && (db.states['failed'] ?? 0) > 0))
          throw new BenchError(`${o.label}: Postgres holds ${db.total} messages (${JSON.stringify(db.states)}), expected ${n} with none pending${o.strict ? ' or failed' : ''}`);
        const sql: PipelineOutcome['sql'] = [];
        if (profileDir) {
          for (const f of (await readdir(profileDir)).filter((x) => /^sql-\d+\.json$/.test(x))) {
            const j = JSON.parse(await readFile(path.join(profileDir, f), 'utf8')) as { pid: number; argv: string[]; counts: Record<string, number> };
            sql.push({ role: `${j.argv[0] ?? '?'} (pid ${j.pid})`, counts: j.counts });
          }
        }
        const combined: ProcStats = { peakRssMb: run.stats.peakRssMb + stopped.stats.peakRssMb, userS: run.stats.userS + stopped.stats.userS, sysS: run.stats.sysS + stopped.stats.sysS };
        return {
          figures: figures('edocwatch pipeline (sync + 1 analyze worker)', { messages: n, bytes: db.bytes, seconds: run.wallS }, combined, cores, `peak RSS: sync ${run.stats.peakRssMb.toFixed(0)} MB + worker ${stopped.stats.peakRssMb.toFixed(0)} MB`),
          sync: run.stats,
          worker: stopped.stats,
          states: db.states,
          sql,
        };
      } finally {
        if (worker) await worker.stop(5_000).catch(() => undefined);
      }
    },
    profileDir ? { BENCH_SQL_DIR: profileDir } : {},
  );
}

// ---------------------------------------------------------------------------------------------
// mbsync (Debian isync) and notmuch

export interface Mbsync {
  work: string;
  /** The Maildir it pulls into (INBOX/ and Sent/). */
  mail: string;
  rc: string;
  notmuchConfig: string;
}

/**
 * A throwaway mbsync setup in .tmp/bench/mbsync-<tag>: IMAPAccount on the dev Dovecot (no TLS,
 * LOGIN), a MaildirStore, Channel `Patterns INBOX Sent`, `Create Near`, `Sync Pull`; and a
 * notmuch config over the same Maildir.
 */
export async function mbsyncSetup(imap: ImapAccount, tag: string): Promise<Mbsync> {
  const work = path.join(ROOT, '.tmp', 'bench', `mbsync-${tag}`);
  await rm(work, { recursive: true, force: true });
  const mail = path.join(work, 'mail');
  await mkdir(path.join(work, 'state'), { recursive: true });
  await mkdir(mail, { recursive: true });
  const rc = path.join(work, 'mbsyncrc');
  await writeFile(
    rc,
    [
      'IMAPAccount bench',
      `Host ${imap.host}`,
      `Port ${imap.port}`,
      `User ${imap.user}`,
      `Pass ${imap.pass}`,
      'SSLType None',
      'AuthMechs LOGIN',
      '',
      'IMAPStore bench-remote',
      'Account bench',
      '',
      'MaildirStore bench-local',
      `Path ${mail}/`,
      `Inbox ${mail}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel bench',
      'Far :bench-remote:',
      'Near :bench-local:',
      'Patterns INBOX Sent',
      'Create Near',
      'Sync Pull',
      `SyncState ${path.join(work, 'state')}/`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const notmuchConfig = path.join(work, 'notmuch-config');
  await writeFile(
    notmuchConfig,
    ['[database]', `path=${mail}`, '', '[user]', 'name=bench', 'primary_email=bench@example.invalid', '', '[new]', 'tags=unread;inbox;', 'ignore=.uidvalidity;.mbsyncstate', '', '[maildir]', 'synchronize_flags=true', ''].join('\n'),
  );
  return { work, mail, rc, notmuchConfig };
}

/** `mbsync -c RC -q bench`, measured; checks that exactly n messages arrived; returns their bytes. */
export async function mbsyncPull(m: Mbsync, n: number, useTime: boolean, timeoutMs: number): Promise<{ run: RunResult; cores: number; bytes: number }> {
  const { run, cores } = await measured(requireTool('mbsync'), ['-c', m.rc, '-q', 'bench'], { timeoutMs, useTime, env: { ...process.env, HOME: m.work } });
  if (run.code !== 0) throw new BenchError(`mbsync failed (exit ${run.code ?? run.signal}):\n${run.stderr.slice(-3000)}`);
  let pulled = 0;
  let bytes = 0;
  for (const folder of ['INBOX', 'Sent'])
    for (const sub of ['cur', 'new']) {
      const d = path.join(m.mail, folder, sub);
      if (!existsSync(d)) continue;
      for (const f of await readdir(d)) {
        pulled++;
        bytes += (await stat(path.join(d, f))).size;
      }
    }
  if (pulled !== n) throw new BenchError(`mbsync pulled ${pulled} messages into ${m.mail}, expected ${n}`);
  return { run, cores, bytes };
}
