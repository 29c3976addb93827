// `npm run bench`: edocwatch's whole pipeline against bare imapflow, bare mailparser and the
// off-the-shelf mbsync + notmuch, on one generated mailbox, in one run. See docs/benchmarks.md.
//
//   node dist/bench/pipeline.js [--count N] [--seed S] [--agency CODE] [--profile] [--fresh-corpus]
//
// N (default 5000, or BENCH_COUNT) messages of one monitored agency are generated with the demo's
// corpus generator (cached under .tmp/bench/corpus/), written straight into a fresh Dovecot
// maildir, then read by each contender. Every stage runs as a child process, measured for wall
// time, CPU time and peak RSS. Results go to stdout (a table) and out/bench/pipeline-<ts>.json.
// Any stage that cannot run fails the whole benchmark with a non-zero exit.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, copyFile, mkdir, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { loadDirectoryFile } from '../src/config/directory-file.js';
import { repoRoot } from '../src/config/paths.js';
import { seal } from '../src/crypto/secrets.js';
import { upsertAgencies } from '../src/db/agencies.js';
import { insertMailbox } from '../src/db/mailboxes.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, pgSettings, withTransaction } from '../src/db/pool.js';
import { generateCorpus, loadSampleAgencies } from '../src/demo/corpus.js';
import { devDovecot, ensureImapUser, waitForImap } from '../src/devenv/dovecot.js';
import { createQueues } from '../src/queue/queues.js';
import { summarizeProfiles, type CostLine } from './cpuprofile.js';
import { busyCores, ensureGnuTime, killAllChildren, machineCpu, runMeasured, startBackground, type ProcStats } from './measure.js';
import { RESULT_MARK, runChildStage, type CorpusEntry, type StageResult } from './stages.js';

const ROOT = repoRoot();
const SELF = fileURLToPath(import.meta.url);
const MAIL_UID = 5000;
const MAIL_GID = 5000;
const PERIOD = { start: new Date('2026-07-01T00:00:00+07:00'), end: new Date('2026-10-01T00:00:00+07:00') };

interface Options {
  count: number;
  seed: number;
  agency: string;
  profile: boolean;
  freshCorpus: boolean;
}

export interface StageFigures {
  stage: string;
  messages: number;
  seconds: number;
  msgPerS: number;
  mbPerS: number;
  peakRssMb: number;
  cpuS: number;
  busyCores: number;
  note?: string;
}

const say = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

class BenchError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { count: Number(process.env['BENCH_COUNT'] ?? '5000'), seed: 2026, agency: '000.00.03.H30', profile: false, freshCorpus: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new BenchError(`${a} needs a value`);
      return v;
    };
    if (a === '--count') o.count = Number(value());
    else if (a === '--seed') o.seed = Number(value());
    else if (a === '--agency') o.agency = value();
    else if (a === '--profile') o.profile = true;
    else if (a === '--fresh-corpus') o.freshCorpus = true;
    else throw new BenchError(`unknown argument ${a}; usage: [--count N] [--seed S] [--agency CODE] [--profile] [--fresh-corpus]`);
  }
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 200_000) throw new BenchError(`--count must be a whole number from 1 to 200000 (got ${o.count})`);
  if (!Number.isInteger(o.seed)) throw new BenchError('--seed must be a whole number');
  return o;
}

function figures(stage: string, r: { messages: number; bytes: number; seconds: number }, stats: ProcStats, cores: number, note?: string): StageFigures {
  return {
    stage,
    messages: r.messages,
    seconds: r.seconds,
    msgPerS: r.messages / r.seconds,
    mbPerS: r.bytes / 1e6 / r.seconds,
    peakRssMb: stats.peakRssMb,
    cpuS: stats.userS + stats.sysS,
    busyCores: cores,
    ...(note ? { note } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Corpus: generated once per (count, seed, agency, generator code) and cached as .eml files

async function corpusDir(o: Options): Promise<{ dir: string; entries: CorpusEntry[]; generatedS: number | null }> {
  const gen = createHash('sha256');
  for (const f of ['corpus.js', 'documents.js', 'vocabulary.js']) gen.update(await readFile(path.join(ROOT, 'dist', 'src', 'demo', f)));
  const key = createHash('sha256').update(JSON.stringify([o.count, o.seed, o.agency, PERIOD.start.toISOString(), gen.digest('hex')])).digest('hex').slice(0, 16);
  const dir = path.join(ROOT, '.tmp', 'bench', 'corpus', `${o.count}-${key}`);
  const manifest = path.join(dir, 'manifest.json');
  if (!o.freshCorpus && existsSync(manifest)) {
    say(`corpus: reusing ${path.relative(ROOT, dir)}`);
    return { dir, entries: JSON.parse(await readFile(manifest, 'utf8')) as CorpusEntry[], generatedS: null };
  }
  const agencies = loadSampleAgencies();
  if (!agencies.some((a) => a.code === o.agency)) throw new BenchError(`--agency ${o.agency} is not in config/agencies.yaml`);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  say(`corpus: generating ${o.count} messages for ${o.agency} (seed ${o.seed}) ...`);
  const t0 = Date.now();
  const entries: CorpusEntry[] = [];
  for await (const m of generateCorpus({ count: o.count, seed: o.seed, period: PERIOD, agencies, monitored: [o.agency] })) {
    if (m.mailbox !== o.agency) throw new BenchError(`generator delivered to ${m.mailbox}, not the one monitored agency ${o.agency}`);
    const file = `${String(entries.length + 1).padStart(6, '0')}.eml`;
    await writeFile(path.join(tmp, file), m.raw);
    entries.push({ file, folder: m.folder, internalDate: m.internalDate.toISOString(), size: m.raw.length, attachments: m.truth.digitization !== 'none' });
    if (entries.length % 500 === 0) say(`corpus: ${entries.length}/${o.count}`);
  }
  await writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(entries));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, entries, generatedS: (Date.now() - t0) / 1000 };
}

/** Writes the corpus straight into the user's maildir (INBOX and .Sent), mtime = INTERNALDATE. */
async function deliver(corpus: string, entries: CorpusEntry[], maildir: string): Promise<void> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const stamp = Math.floor(Date.now() / 1000);
  for (const [i, e] of entries.entries()) {
    const folder = e.folder === 'Sent' ? path.join(maildir, '.Sent') : maildir;
    const target = path.join(folder, 'new', `${stamp}.M${i}P${process.pid}.edocwatch-bench`);
    await copyFile(path.join(corpus, e.file), target);
    const when = new Date(e.internalDate);
    await utimes(target, when, when);
    if (root) await chown(target, MAIL_UID, MAIL_GID);
  }
}

/** SELECT each folder and fetch sizes once, so Dovecot's first indexing is charged to no contender. */
async function warmUp(user: string, pass: string, port: number): Promise<Record<string, number>> {
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false, disableAutoIdle: true });
  c.on('error', () => undefined);
  await c.connect();
  const exists: Record<string, number> = {};
  try {
    for (const folder of ['INBOX', 'Sent']) {
      const box = await c.mailboxOpen(folder);
      exists[folder] = box.exists;
      if (box.exists > 0) for await (const m of c.fetch('1:*', { uid: true, size: true, internalDate: true })) void m;
    }
  } finally {
    await c.logout().catch(() => c.close());
  }
  return exists;
}

// ---------------------------------------------------------------------------------------------
// Stages

async function childStage(name: string, env: NodeJS.ProcessEnv, useTime: boolean, timeoutMs: number, nodeArgs: string[] = []): Promise<{ r: StageResult; stats: ProcStats; cores: number }> {
  const c0 = machineCpu();
  const run = await runMeasured(process.execPath, [...nodeArgs, SELF, '--stage', name], { env: { ...process.env, ...env }, timeoutMs, useTime });
  const line = run.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (run.code !== 0 || !line) throw new BenchError(`stage ${name} failed (exit ${run.code ?? run.signal}):\n${run.stderr.slice(-3000)}`);
  return { r: JSON.parse(line.slice(RESULT_MARK.length)) as StageResult, stats: run.stats, cores: busyCores(c0, machineCpu(), run.wallS) };
}

interface PipelineOutcome {
  figures: StageFigures;
  sync: ProcStats;
  worker: ProcStats;
  states: Record<string, number>;
  profileDir: string | null;
  sql: Array<{ role: string; counts: Record<string, number> }>;
}

async function pipelineStage(o: Options, n: number, imap: { user: string; pass: string; host: string; port: number }, useTime: boolean, stamp: string): Promise<PipelineOutcome> {
  const base = new URL(process.env['DATABASE_URL'] ?? 'postgres://127.0.0.1:5432/edocwatch');
  base.pathname = '/edocwatch_bench';
  const databaseUrl = base.toString();
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  say('pipeline: fresh database edocwatch_bench, migrate, agency import, mailbox ...');
  const client = new pg.Client(pgSettings(admin.toString()));
  try {
    await client.connect();
  } catch (err) {
    throw new BenchError(`cannot reach PostgreSQL at ${admin.host}: ${(err as Error).message} (run: bash scripts/services.sh up)`);
  }
  try {
    await client.query('DROP DATABASE IF EXISTS edocwatch_bench WITH (FORCE)');
  } finally {
    await client.end();
  }
  await migrate(databaseUrl);
  const key = randomBytes(32);
  const pool = createPool(databaseUrl, 4);
  const rawStore = path.join(ROOT, '.tmp', 'bench', 'raw');
  await rm(rawStore, { recursive: true, force: true });
  const prefix = `{edocwatch-bench-${stamp}}`;
  const profileDir = o.profile ? path.join(ROOT, 'out', 'bench', `prof-${stamp}`) : null;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  let worker: Awaited<ReturnType<typeof startBackground>> | null = null;
  const queues = createQueues(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', prefix);
  try {
    await withTransaction(pool, async (tx) => upsertAgencies(tx, await loadDirectoryFile(path.join(ROOT, 'config', 'agencies.yaml'))));
    await insertMailbox(pool, {
      agencyCode: o.agency,
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
      ...(profileDir ? { BENCH_SQL_DIR: profileDir } : {}),
    };
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', pathToFileURL(path.join(path.dirname(SELF), 'sql-counter.js')).href] : [];
    const bin = path.join(ROOT, 'bin', 'edocwatch.js');
    say('pipeline: starting `edocwatch worker --queues analyze` ...');
    worker = await startBackground(process.execPath, [...nodeArgs, bin, 'worker', '--queues', 'analyze'], env, /edocwatch worker:/, 60_000);
    say(`pipeline: running \`edocwatch sync\` over ${n} messages ...`);
    const ticker = setInterval(() => {
      void pool
        .query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM messages GROUP BY state ORDER BY state')
        .then(({ rows }) => say(`pipeline: ${rows.map((r) => `${r.state} ${r.n}`).join(', ') || 'listing ...'}`))
        .catch(() => undefined);
    }, 15_000);
    const c0 = machineCpu();
    let run;
    try {
      run = await runMeasured(process.execPath, [...nodeArgs, bin, 'sync'], { env, timeoutMs: Math.max(900_000, n * 600), useTime });
    } finally {
      clearInterval(ticker);
    }
    const cores = busyCores(c0, machineCpu(), run.wallS);
    const stopped = await worker.stop(30_000);
    worker = null;
    if (run.code !== 0) throw new BenchError(`edocwatch sync failed (exit ${run.code ?? run.signal}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-3000)}`);
    const { rows } = await pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM messages GROUP BY state');
    const states = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    const total = rows.reduce((s, r) => s + r.n, 0);
    if (total !== n || (states['pending'] ?? 0) > 0 || (states['failed'] ?? 0) > 0)
      throw new BenchError(`pipeline: Postgres holds ${total} messages (${JSON.stringify(states)}), expected ${n} with none pending or failed`);
    const { rows: bytesRow } = await pool.query<{ b: number }>('SELECT coalesce(sum(size), 0)::bigint AS b FROM messages');
    const bytes = Number(bytesRow[0]?.b ?? 0);
    const sql: PipelineOutcome['sql'] = [];
    if (profileDir) {
      for (const f of (await readdir(profileDir)).filter((x) => /^sql-\d+\.json$/.test(x))) {
        const j = JSON.parse(await readFile(path.join(profileDir, f), 'utf8')) as { pid: number; argv: string[]; counts: Record<string, number> };
        sql.push({ role: `${j.argv[0] ?? '?'} (pid ${j.pid})`, counts: j.counts });
      }
    }
    const combined: ProcStats = { peakRssMb: run.stats.peakRssMb + stopped.stats.peakRssMb, userS: run.stats.userS + stopped.stats.userS, sysS: run.stats.sysS + stopped.stats.sysS };
    return {
      figures: figures('edocwatch pipeline (sync + 1 analyze worker)', { messages: n, bytes, seconds: run.wallS }, combined, cores, `peak RSS: sync ${run.stats.peakRssMb.toFixed(0)} MB + worker ${stopped.stats.peakRssMb.toFixed(0)} MB`),
      sync: run.stats,
      worker: stopped.stats,
      states,
      profileDir,
      sql,
    };
  } finally {
    if (worker) await worker.stop(5_000).catch(() => undefined);
    await queues.analyze.obliterate({ force: true }).catch(() => undefined);
    await queues.sync.obliterate({ force: true }).catch(() => undefined);
    await queues.report.obliterate({ force: true }).catch(() => undefined);
    await queues.close().catch(() => undefined);
    await pool.end();
  }
}

function requireTool(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  if (r.status !== 0 || !p) throw new BenchError(`${name} is not installed: run \`bash scripts/services.sh up --bench\` (npm run bench does, via prebench)`);
  return p;
}

async function mbsyncNotmuch(n: number, imap: { user: string; pass: string; port: number }, useTime: boolean, stamp: string): Promise<{ mbsync: StageFigures; notmuch: StageFigures; sum: StageFigures; indexed: number }> {
  const mbsync = requireTool('mbsync');
  const notmuch = requireTool('notmuch');
  const work = path.join(ROOT, '.tmp', 'bench', `mbsync-${stamp}`);
  await rm(work, { recursive: true, force: true });
  const mail = path.join(work, 'mail');
  await mkdir(path.join(work, 'state'), { recursive: true });
  await mkdir(mail, { recursive: true });
  const rc = path.join(work, 'mbsyncrc');
  await writeFile(
    rc,
    [
      'IMAPAccount bench',
      'Host 127.0.0.1',
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
  const nmConfig = path.join(work, 'notmuch-config');
  await writeFile(
    nmConfig,
    ['[database]', `path=${mail}`, '', '[user]', 'name=bench', 'primary_email=bench@example.invalid', '', '[new]', 'tags=unread;inbox;', 'ignore=.uidvalidity;.mbsyncstate', '', '[maildir]', 'synchronize_flags=true', ''].join('\n'),
  );
  const timeout = Math.max(600_000, n * 200);
  say('mbsync: pulling INBOX and Sent into a fresh Maildir ...');
  let c0 = machineCpu();
  const m = await runMeasured(mbsync, ['-c', rc, '-q', 'bench'], { timeoutMs: timeout, useTime, env: { ...process.env, HOME: work } });
  const mCores = busyCores(c0, machineCpu(), m.wallS);
  if (m.code !== 0) throw new BenchError(`mbsync failed (exit ${m.code ?? m.signal}):\n${m.stderr.slice(-3000)}`);
  let pulled = 0;
  let bytes = 0;
  for (const folder of ['INBOX', 'Sent'])
    for (const sub of ['cur', 'new']) {
      const d = path.join(mail, folder, sub);
      if (!existsSync(d)) continue;
      for (const f of await readdir(d)) {
        pulled++;
        bytes += (await readFile(path.join(d, f))).length;
      }
    }
  if (pulled !== n) throw new BenchError(`mbsync pulled ${pulled} messages into ${mail}, expected ${n}`);
  say('notmuch: indexing the Maildir (notmuch new) ...');
  const nmEnv = { ...process.env, HOME: work, NOTMUCH_CONFIG: nmConfig };
  c0 = machineCpu();
  const nm = await runMeasured(notmuch, ['new', '--quiet'], { timeoutMs: timeout, useTime, env: nmEnv });
  const nCores = busyCores(c0, machineCpu(), nm.wallS);
  if (nm.code !== 0) throw new BenchError(`notmuch new failed (exit ${nm.code ?? nm.signal}):\n${nm.stderr.slice(-3000)}`);
  const count = spawnSync(notmuch, ['count', '--output=files', '*'], { env: nmEnv, encoding: 'utf8', timeout: 120_000 });
  const indexed = Number(count.stdout.trim());
  if (count.status !== 0 || indexed !== n) throw new BenchError(`notmuch indexed ${count.stdout.trim() || '?'} files, expected ${n}: ${count.stderr}`);
  const mb = figures('mbsync (isync) pull', { messages: n, bytes, seconds: m.wallS }, m.stats, mCores);
  const nmF = figures('notmuch new (index)', { messages: n, bytes, seconds: nm.wallS }, nm.stats, nCores);
  const sum = figures(
    'mbsync + notmuch',
    { messages: n, bytes, seconds: m.wallS + nm.wallS },
    { peakRssMb: Math.max(m.stats.peakRssMb, nm.stats.peakRssMb), userS: m.stats.userS + nm.stats.userS, sysS: m.stats.sysS + nm.stats.sysS },
    (mCores * m.wallS + nCores * nm.wallS) / (m.wallS + nm.wallS),
    'peak RSS: the larger of the two (they run one after the other)',
  );
  await rm(work, { recursive: true, force: true });
  return { mbsync: mb, notmuch: nmF, sum, indexed };
}

// ---------------------------------------------------------------------------------------------

function table(rows: StageFigures[]): string {
  const head = ['stage', 'msgs', 'wall s', 'msg/s', 'MB/s', 'peak RSS MB', 'CPU s', 'busy cores'];
  const body = rows.map((r) => [r.stage, String(r.messages), r.seconds.toFixed(1), r.msgPerS.toFixed(1), r.mbPerS.toFixed(1), r.peakRssMb.toFixed(0), r.cpuS.toFixed(1), r.busyCores.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function costTable(lines: CostLine[], top: number): string {
  return lines
    .slice(0, top)
    .map((l) => `  ${(l.share * 100).toFixed(1).padStart(5)}%  ${(l.ms / 1000).toFixed(1).padStart(7)} s  ${l.where}`)
    .join('\n');
}

async function main(argv: string[]): Promise<number> {
  const stageAt = argv.indexOf('--stage');
  if (stageAt >= 0) return runChildStage(argv[stageAt + 1] ?? '');
  const o = parseArgs(argv);
  const loadBefore = loadavg();
  if ((loadBefore[0] ?? 0) > availableParallelism() * 0.5)
    say(`warning: load average ${(loadBefore[0] ?? 0).toFixed(2)} on ${availableParallelism()} cores before the start: other work will slow every stage`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dd = devDovecot();
  try {
    await waitForImap(dd.port, 5_000);
  } catch {
    throw new BenchError(`the local Dovecot is not answering on ${dd.host}:${dd.port}: run \`bash scripts/services.sh up --bench\` (npm run bench does, via prebench)`);
  }
  requireTool('mbsync');
  requireTool('notmuch');
  const useTime = ensureGnuTime(say);

  const corpus = await corpusDir(o);
  const n = corpus.entries.length;
  const corpusBytes = corpus.entries.reduce((s, e) => s + e.size, 0);
  const withAtt = corpus.entries.filter((e) => e.attachments).length;
  say(`corpus: ${n} messages, ${(corpusBytes / n / 1000).toFixed(1)} kB average, ${((100 * withAtt) / n).toFixed(0)}% with attachments, ${corpus.entries.filter((e) => e.folder === 'Sent').length} in Sent`);

  const user = `bench-${o.agency.toLowerCase().replace(/\./g, '-')}`;
  const pass = randomBytes(12).toString('base64url');
  await ensureImapUser(user, pass, { reset: true });
  const maildir = path.join(dd.dir, 'mail', user, 'Maildir');
  let t0 = Date.now();
  await deliver(corpus.dir, corpus.entries, maildir);
  const deliverS = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const exists = await warmUp(user, pass, dd.port);
  const warmS = (Date.now() - t0) / 1000;
  if ((exists['INBOX'] ?? 0) + (exists['Sent'] ?? 0) !== n) throw new BenchError(`Dovecot sees ${JSON.stringify(exists)} after delivery, expected ${n} in all`);
  say(`dovecot: delivered into ${maildir} in ${deliverS.toFixed(1)} s, first SELECT + sizes ${warmS.toFixed(1)} s`);

  const rows: StageFigures[] = [];
  const slow = Math.max(600_000, n * 400);

  say('imapflow: fetching every source ...');
  const imapEnv = { BENCH_IMAP_PORT: String(dd.port), BENCH_IMAP_USER: user, BENCH_IMAP_PASS: pass, BENCH_BATCH: '200' };
  const f1 = await childStage('imap-fetch', imapEnv, useTime, slow);
  if (f1.r.messages !== n) throw new BenchError(`imapflow fetched ${f1.r.messages} messages, expected ${n}`);
  rows.push(figures('bare imapflow fetch', f1.r, f1.stats, f1.cores));

  say('mailparser: parsing every message ...');
  const f2 = await childStage('parse', { BENCH_CORPUS_DIR: corpus.dir }, useTime, slow);
  rows.push(figures('bare mailparser simpleParser', f2.r, f2.stats, f2.cores, `parse only ${Number(f2.r.extra?.['parseOnlySeconds']).toFixed(1)} s`));

  const pipe = await pipelineStage(o, n, { user, pass, host: dd.host, port: dd.port }, useTime, stamp);
  rows.push(pipe.figures);

  const off = await mbsyncNotmuch(n, { user, pass, port: dd.port }, useTime, stamp);
  rows.push(off.mbsync, off.notmuch, off.sum);

  const diagnostics: Record<string, unknown> = {};
  let profile: Awaited<ReturnType<typeof summarizeProfiles>> | null = null;
  if (o.profile) {
    say('profile: analysis alone (src/analyze, no database, no queue) under --cpu-prof ...');
    const profDir = path.join(ROOT, 'out', 'bench', `prof-${stamp}`, 'analyze-only');
    await mkdir(profDir, { recursive: true });
    const a = await childStage('analyze-only', { BENCH_CORPUS_DIR: corpus.dir, BENCH_AGENCY: o.agency }, useTime, slow, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    rows.push(figures('diag: analyzeMessage only (1 process)', a.r, a.stats, a.cores, 'under --cpu-prof'));
    diagnostics['analyzeOnly'] = { ...a.r, profile: await summarizeProfiles(profDir) };
    say('profile: raw store writes with and without fsync ...');
    const rs = await childStage('raw-store', { BENCH_CORPUS_DIR: corpus.dir, BENCH_SCRATCH_DIR: path.join(ROOT, '.tmp', 'bench', `rawstore-${stamp}`) }, useTime, slow);
    diagnostics['rawStore'] = rs.r.extra;
    if (pipe.profileDir) profile = await summarizeProfiles(pipe.profileDir);
    diagnostics['pipelineProfile'] = profile;
    diagnostics['sqlStatements'] = pipe.sql;
  }

  const offRate = off.sum.msgPerS;
  const ratios = {
    pipelineOverMbsyncNotmuch: pipe.figures.msgPerS / offRate,
    pipelineOverMailparser: pipe.figures.msgPerS / (rows[1] as StageFigures).msgPerS,
    pipelineOverImapflow: pipe.figures.msgPerS / (rows[0] as StageFigures).msgPerS,
    target: 1.5,
  };
  const cpuModel = (await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown';
  const memMb = Number((await readFile('/proc/meminfo', 'utf8').catch(() => '')).match(/MemTotal:\s+(\d+)/)?.[1] ?? 0) / 1024;
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: cpuModel, cores: availableParallelism(), loadAverageBefore: loadBefore, loadAverageAfter: loadavg(), memMb: Math.round(memMb), node: process.version, mbsync: spawnSync('mbsync', ['--version'], { encoding: 'utf8' }).stdout.trim(), notmuch: spawnSync('notmuch', ['--version'], { encoding: 'utf8' }).stdout.trim() },
    options: o,
    corpus: { messages: n, bytes: corpusBytes, avgKb: corpusBytes / n / 1000, withAttachments: withAtt / n, generatedSeconds: corpus.generatedS, deliverSeconds: deliverS, warmUpSeconds: warmS },
    stages: rows,
    pipeline: { states: pipe.states, sync: pipe.sync, worker: pipe.worker },
    ratios,
    peakMemory: useTime ? '/usr/bin/time %M' : '/proc/<pid>/status VmHWM',
    diagnostics,
  };
  await mkdir(path.join(ROOT, 'out', 'bench'), { recursive: true });
  const outFile = path.join(ROOT, 'out', 'bench', `pipeline-${stamp}.json`);
  await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);

  const out: string[] = ['', `edocwatch bench — ${n} messages, ${(corpusBytes / n / 1000).toFixed(0)} kB average, ${((100 * withAtt) / n).toFixed(0)}% with attachments; ${cpuModel}, ${result.machine.cores} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${result.machine.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')} after`, '', table(rows), ''];
  for (const r of rows) if (r.note) out.push(`  ${r.stage}: ${r.note}`);
  out.push(
    '',
    `pipeline ÷ (mbsync + notmuch): ${ratios.pipelineOverMbsyncNotmuch.toFixed(2)}× (target ≥ ${ratios.target}: ${ratios.pipelineOverMbsyncNotmuch >= ratios.target ? 'met' : 'NOT met'})`,
    `pipeline ÷ bare mailparser:    ${ratios.pipelineOverMailparser.toFixed(2)}×`,
    `pipeline ÷ bare imapflow:      ${ratios.pipelineOverImapflow.toFixed(2)}×`,
    `final states in Postgres: ${JSON.stringify(pipe.states)}`,
  );
  if (o.profile) {
    const rs = diagnostics['rawStore'] as Record<string, number> | undefined;
    if (rs) out.push(`raw store put ×${n}: ${Number(rs['withFsyncSeconds']).toFixed(1)} s with fsync, ${Number(rs['withoutFsyncSeconds']).toFixed(1)} s without`);
    for (const s of pipe.sql) {
      const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
      out.push(`SQL statements, ${s.role}: ${total} (${(total / n).toFixed(1)} per message) ${JSON.stringify(s.counts)}`);
    }
    if (profile) out.push(`pipeline CPU profile (sync + worker, self time, ${(profile.totalMs / 1000).toFixed(1)} s non-idle):`, costTable(profile.lines, 15));
    const ao = diagnostics['analyzeOnly'] as { profile: Awaited<ReturnType<typeof summarizeProfiles>> } | undefined;
    if (ao) out.push(`analyzeMessage-only CPU profile (${(ao.profile.totalMs / 1000).toFixed(1)} s):`, costTable(ao.profile.lines, 12), 'top functions:', costTable(ao.profile.functions, 12));
  }
  out.push('', `results: ${path.relative(ROOT, outFile)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAllChildren();
    process.stderr.write(`bench: ${sig}: child processes stopped\n`);
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    killAllChildren();
    process.stderr.write(`bench: FAILED: ${err instanceof BenchError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
