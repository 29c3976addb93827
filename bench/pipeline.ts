// `npm run bench`: edocwatch against bare imapflow, bare mailparser and the off-the-shelf mbsync
// (+ notmuch), on one generated mailbox, in one run. See docs/benchmarks.md.
//
//   node dist/bench/pipeline.js [--only sync|analyze|pipeline|stats] [--count N] [--seed S] [--agency CODE]
//       [--sync-rounds R] [--large-count M] [--large-mb MB] [--no-large-pipeline] [--profile] [--fresh-corpus]
//
// N (default 5000, or BENCH_COUNT) messages of one monitored agency are generated with the demo's
// corpus generator (cached under .tmp/bench/corpus/), written straight into a fresh Dovecot
// maildir, then read by each contender. Three sections by default:
//   sync      `edocwatch sync --no-analyze` against bare imapflow and mbsync (bench/sync.ts), and
//             peak memory on a second mailbox of large attachments;
//   analyze   the analysis alone and the analyze worker against bare mailparser, beside notmuch new
//             (bench/analyze.ts);
//   pipeline  the whole pipeline (sync + analysis) against bare imapflow, bare mailparser and
//             mbsync + notmuch.
// Every stage runs as a child process, measured for wall time, CPU time and peak RSS. Results go
// to stdout (a table per section) and out/bench/bench-<ts>.json. Any stage that cannot run, or
// whose result does not check out, fails the whole benchmark with a non-zero exit.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { devDovecot, waitForImap } from '../src/devenv/dovecot.js';
import { BenchError, ROOT, SECTIONS, childStage, figures, measured, requireTool, say, table, type Options, type SectionName, type SectionResult, type StageFigures } from './common.js';
import { mbsyncPull, mbsyncSetup, runPipeline } from './contenders.js';
import { summarizeProfiles, type CostLine } from './cpuprofile.js';
import { deliverMailbox, describeCorpus, mainCorpus, type Corpus, type DeliveredMailbox } from './mailbox.js';
import { ensureGnuTime, killAllChildren } from './measure.js';
import { runChildStage } from './stages.js';
import { runApiSection } from './api.js';
import { datasetDbName, openDataset } from './dataset.js';
import { runStatsSection } from './stats.js';
import { runReportSection } from './report.js';
import { runSyncSection } from './sync.js';
import { runAnalyzeSection } from './analyze.js';

const USAGE =
  'usage: [--only sync|analyze|pipeline|stats|api|dataset|report] [--count N] [--seed S] [--agency CODE] [--sync-rounds R] [--analyze-rounds R] [--large-count M] [--large-mb MB] [--no-large-pipeline] [--profile] [--fresh-corpus] [--stats-sizes 1000000,10000000] [--stats-runs R] [--stats-fact-runs R] [--keep-db] [--facts-only] [--api-duration S] [--api-connections N] [--report-messages N] [--report-runs R]';

function parseArgs(argv: string[]): Options {
  const o: Options = {
    count: Number(process.env['BENCH_COUNT'] ?? '5000'),
    seed: 2026,
    agency: '000.00.03.H30',
    profile: false,
    freshCorpus: false,
    sections: ['sync', 'analyze', 'pipeline'],
    syncRounds: 3,
    analyzeRounds: 3,
    largeCount: 12,
    largeMb: 25,
    largePipeline: true,
    statsSizes: [1_000_000, 10_000_000],
    statsRuns: 9,
    statsFactRuns: 3,
    keepDb: false,
    reportMessages: 300_000,
    reportRuns: 3,
    factsOnly: false,
    apiDuration: 10,
    apiConnections: 4,
  };
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
    else if (a === '--only') {
      const v = value();
      if (!(SECTIONS as readonly string[]).includes(v)) throw new BenchError(`--only takes ${SECTIONS.join(' or ')} (got ${v})`);
      o.sections = [v as SectionName];
    } else if (a === '--sync-rounds') o.syncRounds = Number(value());
    else if (a === '--analyze-rounds') o.analyzeRounds = Number(value());
    else if (a === '--large-count') o.largeCount = Number(value());
    else if (a === '--large-mb') o.largeMb = Number(value());
    else if (a === '--no-large-pipeline') o.largePipeline = false;
    else if (a === '--stats-sizes') o.statsSizes = value().split(',').map((x) => Number(x.replace(/_/g, '')));
    else if (a === '--stats-runs') o.statsRuns = Number(value());
    else if (a === '--stats-fact-runs') o.statsFactRuns = Number(value());
    else if (a === '--keep-db') o.keepDb = true;
    else if (a === '--report-messages') o.reportMessages = Number(value());
    else if (a === '--report-runs') o.reportRuns = Number(value());
    else if (a === '--facts-only') o.factsOnly = true;
    else if (a === '--api-duration') o.apiDuration = Number(value());
    else if (a === '--api-connections') o.apiConnections = Number(value());
    else throw new BenchError(`unknown argument ${a}; ${USAGE}`);
  }
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 200_000) throw new BenchError(`--count must be a whole number from 1 to 200000 (got ${o.count})`);
  if (o.statsSizes.length === 0 || o.statsSizes.some((x) => !Number.isInteger(x) || x < 1000 || x > 50_000_000)) throw new BenchError('--stats-sizes takes message counts from 1000 to 50000000, comma-separated');
  if (!Number.isInteger(o.statsRuns) || o.statsRuns < 1 || !Number.isInteger(o.statsFactRuns) || o.statsFactRuns < 1) throw new BenchError('--stats-runs and --stats-fact-runs must be whole numbers ≥ 1');
  if (!Number.isInteger(o.apiDuration) || o.apiDuration < 1 || o.apiDuration > 600) throw new BenchError('--api-duration must be a whole number of seconds from 1 to 600');
  if (!Number.isInteger(o.apiConnections) || o.apiConnections < 1 || o.apiConnections > 64) throw new BenchError('--api-connections must be a whole number from 1 to 64');
  if (!Number.isInteger(o.seed)) throw new BenchError('--seed must be a whole number');
  if (!Number.isInteger(o.reportMessages) || o.reportMessages < 1000 || o.reportMessages > 50_000_000) throw new BenchError('--report-messages takes a message count from 1000 to 50000000');
  if (!Number.isInteger(o.reportRuns) || o.reportRuns < 1 || o.reportRuns > 20) throw new BenchError('--report-runs must be a whole number from 1 to 20');
  if (!Number.isInteger(o.syncRounds) || o.syncRounds < 1 || o.syncRounds > 15) throw new BenchError(`--sync-rounds must be a whole number from 1 to 15 (got ${o.syncRounds})`);
  if (!Number.isInteger(o.analyzeRounds) || o.analyzeRounds < 1 || o.analyzeRounds > 15) throw new BenchError(`--analyze-rounds must be a whole number from 1 to 15 (got ${o.analyzeRounds})`);
  if (!Number.isInteger(o.largeCount) || o.largeCount < 0 || o.largeCount > 200) throw new BenchError(`--large-count must be a whole number from 0 (skip) to 200 (got ${o.largeCount})`);
  if (!(o.largeMb >= 1 && o.largeMb <= 45)) throw new BenchError(`--large-mb must be from 1 to 45: a larger message would pass sync.max_message_bytes (got ${o.largeMb})`);
  return o;
}

function costTable(lines: CostLine[], top: number): string {
  return lines
    .slice(0, top)
    .map((l) => `  ${(l.share * 100).toFixed(1).padStart(5)}%  ${(l.ms / 1000).toFixed(1).padStart(7)} s  ${l.where}`)
    .join('\n');
}

/** The pipeline section: the whole pipeline against bare imapflow, bare mailparser and mbsync + notmuch. */
async function runPipelineSection(o: Options, corpus: Corpus, mailbox: DeliveredMailbox, useTime: boolean, stamp: string): Promise<SectionResult> {
  const n = corpus.entries.length;
  const loadBefore = loadavg();
  const rows: StageFigures[] = [];
  const slow = Math.max(600_000, n * 400);

  say('pipeline section: imapflow fetching every source ...');
  const imapEnv = { BENCH_IMAP_PORT: String(mailbox.port), BENCH_IMAP_USER: mailbox.user, BENCH_IMAP_PASS: mailbox.pass, BENCH_BATCH: '200' };
  const f1 = await childStage('imap-fetch', imapEnv, useTime, slow);
  if (f1.r.messages !== n) throw new BenchError(`imapflow fetched ${f1.r.messages} messages, expected ${n}`);
  const imapRow = figures('bare imapflow fetch', f1.r, f1.stats, f1.cores);
  rows.push(imapRow);

  say('pipeline section: mailparser parsing every message ...');
  const f2 = await childStage('parse', { BENCH_CORPUS_DIR: corpus.dir }, useTime, slow);
  const parseRow = figures('bare mailparser simpleParser', f2.r, f2.stats, f2.cores, `parse only ${Number(f2.r.extra?.['parseOnlySeconds']).toFixed(1)} s`);
  rows.push(parseRow);

  const profileDir = o.profile ? path.join(ROOT, 'out', 'bench', `prof-${stamp}`) : null;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const pipe = await runPipeline({ agency: o.agency, imap: mailbox, n, useTime, tag: `${stamp}-pipeline`, profileDir, strict: true, label: 'pipeline' });
  rows.push(pipe.figures);

  const notmuch = requireTool('notmuch');
  const mb = await mbsyncSetup(mailbox, `${stamp}-pipeline`);
  say('mbsync: pulling INBOX and Sent into a fresh Maildir ...');
  const pulled = await mbsyncPull(mb, n, useTime, Math.max(600_000, n * 200));
  say('notmuch: indexing the Maildir (notmuch new) ...');
  const nmEnv = { ...process.env, HOME: mb.work, NOTMUCH_CONFIG: mb.notmuchConfig };
  const nm = await measured(notmuch, ['new', '--quiet'], { timeoutMs: Math.max(600_000, n * 200), useTime, env: nmEnv });
  if (nm.run.code !== 0) throw new BenchError(`notmuch new failed (exit ${nm.run.code ?? nm.run.signal}):\n${nm.run.stderr.slice(-3000)}`);
  const count = spawnSync(notmuch, ['count', '--output=files', '*'], { env: nmEnv, encoding: 'utf8', timeout: 120_000 });
  const indexed = Number(count.stdout.trim());
  if (count.status !== 0 || indexed !== n) throw new BenchError(`notmuch indexed ${count.stdout.trim() || '?'} files, expected ${n}: ${count.stderr}`);
  await rm(mb.work, { recursive: true, force: true });
  const m = pulled.run;
  const mbRow = figures('mbsync (isync) pull', { messages: n, bytes: pulled.bytes, seconds: m.wallS }, m.stats, pulled.cores);
  const nmRow = figures('notmuch new (index)', { messages: n, bytes: pulled.bytes, seconds: nm.run.wallS }, nm.run.stats, nm.cores);
  const sumRow = figures(
    'mbsync + notmuch',
    { messages: n, bytes: pulled.bytes, seconds: m.wallS + nm.run.wallS },
    { peakRssMb: Math.max(m.stats.peakRssMb, nm.run.stats.peakRssMb), userS: m.stats.userS + nm.run.stats.userS, sysS: m.stats.sysS + nm.run.stats.sysS },
    (pulled.cores * m.wallS + nm.cores * nm.run.wallS) / (m.wallS + nm.run.wallS),
    'peak RSS: the larger of the two (they run one after the other)',
  );
  rows.push(mbRow, nmRow, sumRow);

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
    if (profileDir) profile = await summarizeProfiles(profileDir);
    diagnostics['pipelineProfile'] = profile;
    diagnostics['sqlStatements'] = pipe.sql;
  }

  const ratios = {
    pipelineOverMbsyncNotmuch: pipe.figures.msgPerS / sumRow.msgPerS,
    pipelineOverMailparser: pipe.figures.msgPerS / parseRow.msgPerS,
    pipelineOverImapflow: pipe.figures.msgPerS / imapRow.msgPerS,
    target: 1.5,
  };
  const lines: string[] = [];
  for (const r of rows) if (r.note) lines.push(`  ${r.stage}: ${r.note}`);
  lines.push(
    '',
    `pipeline ÷ (mbsync + notmuch): ${ratios.pipelineOverMbsyncNotmuch.toFixed(2)}× (target ≥ ${ratios.target}: ${ratios.pipelineOverMbsyncNotmuch >= ratios.target ? 'met' : 'NOT met'})`,
    `pipeline ÷ bare mailparser:    ${ratios.pipelineOverMailparser.toFixed(2)}×`,
    `pipeline ÷ bare imapflow:      ${ratios.pipelineOverImapflow.toFixed(2)}×`,
    `final states in Postgres: ${JSON.stringify(pipe.states)}`,
  );
  if (o.profile) {
    const rs = diagnostics['rawStore'] as Record<string, number> | undefined;
    if (rs) lines.push(`raw store put ×${n}: ${Number(rs['withFsyncSeconds']).toFixed(1)} s with fsync, ${Number(rs['withoutFsyncSeconds']).toFixed(1)} s without`);
    for (const s of pipe.sql) {
      const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
      lines.push(`SQL statements, ${s.role}: ${total} (${(total / n).toFixed(1)} per message) ${JSON.stringify(s.counts)}`);
    }
    if (profile) lines.push(`pipeline CPU profile (sync + worker, self time, ${(profile.totalMs / 1000).toFixed(1)} s non-idle):`, costTable(profile.lines, 15));
    const ao = diagnostics['analyzeOnly'] as { profile: Awaited<ReturnType<typeof summarizeProfiles>> } | undefined;
    if (ao) lines.push(`analyzeMessage-only CPU profile (${(ao.profile.totalMs / 1000).toFixed(1)} s):`, costTable(ao.profile.lines, 12), 'top functions:', costTable(ao.profile.functions, 12));
  }
  return {
    title: `Pipeline: sync + analysis, ${n} messages`,
    rows,
    lines,
    json: {
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
      stages: rows,
      pipeline: { states: pipe.states, sync: pipe.sync, worker: pipe.worker },
      notmuchIndexed: indexed,
      ratios,
      diagnostics,
    },
  };
}

/** The commit and the changed files under src/ and config/ the run measured (null outside a git checkout). */
function sourceState(): { commit: string; changed: string[] } | null {
  const head = spawnSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return null;
  const st = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'config'], { encoding: 'utf8' });
  return { commit: head.stdout.trim(), changed: st.stdout.split('\n').filter((l) => l.trim() !== '') };
}

async function main(argv: string[]): Promise<number> {
  const stageAt = argv.indexOf('--stage');
  if (stageAt >= 0) return runChildStage(argv[stageAt + 1] ?? '');
  const o = parseArgs(argv);
  if (o.sections.length === 1 && o.sections[0] === 'dataset') return runDatasetOnly(o);
  if (o.sections.length === 1 && o.sections[0] === 'report') return runPostgresOnly(o);
  if (o.sections.every((s) => s === 'stats' || s === 'api')) return runPostgresOnly(o);
  if (o.sections.some((s) => s === 'stats' || s === 'api' || s === 'dataset' || s === 'report')) throw new BenchError('--only stats, api, dataset and report run on their own (Postgres only)');
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
  if (o.sections.includes('pipeline') || o.sections.includes('analyze')) requireTool('notmuch');
  const useTime = ensureGnuTime(say);

  const corpus = await mainCorpus(o);
  const n = corpus.entries.length;
  say(`corpus: ${describeCorpus(corpus)}`);
  const mailbox = await deliverMailbox(corpus, `bench-${o.agency.toLowerCase().replace(/\./g, '-')}`);

  const sections: SectionResult[] = [];
  const json: Record<string, unknown> = {};
  for (const name of o.sections) {
    const r =
      name === 'sync'
        ? await runSyncSection(o, corpus, mailbox, useTime, stamp)
        : name === 'analyze'
          ? await runAnalyzeSection(o, corpus, mailbox, useTime, stamp)
          : await runPipelineSection(o, corpus, mailbox, useTime, stamp);
    sections.push(r);
    json[name] = r.json;
  }

  const cpuModel = (await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown';
  const memMb = Number((await readFile('/proc/meminfo', 'utf8').catch(() => '')).match(/MemTotal:\s+(\d+)/)?.[1] ?? 0) / 1024;
  const withAtt = corpus.entries.filter((e) => e.attachments).length;
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpuModel,
      cores: availableParallelism(),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
      memMb: Math.round(memMb),
      node: process.version,
      mbsync: spawnSync('mbsync', ['--version'], { encoding: 'utf8' }).stdout.trim(),
      notmuch: spawnSync('notmuch', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    },
    source: sourceState(),
    options: o,
    corpus: { messages: n, bytes: corpus.bytes, avgKb: corpus.bytes / n / 1000, withAttachments: withAtt / n, generatedSeconds: corpus.generatedS, deliverSeconds: mailbox.deliverS, warmUpSeconds: mailbox.warmUpS },
    ...json,
    peakMemory: useTime ? '/usr/bin/time %M' : '/proc/<pid>/status VmHWM',
  };
  await mkdir(path.join(ROOT, 'out', 'bench'), { recursive: true });
  const outFile = path.join(ROOT, 'out', 'bench', `bench-${stamp}.json`);
  await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);

  const out: string[] = [
    '',
    `edocwatch bench — ${n} messages, ${(corpus.bytes / n / 1000).toFixed(0)} kB average, ${((100 * withAtt) / n).toFixed(0)}% with attachments; ${cpuModel}, ${result.machine.cores} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${result.machine.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')} after`,
  ];
  for (const s of sections) out.push('', `== ${s.title}`, '', table(s.rows), ...s.lines);
  out.push('', `results: ${path.relative(ROOT, outFile)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** `--only dataset`: writes the generated databases of --stats-sizes and keeps them. */
async function runDatasetOnly(o: Options): Promise<number> {
  for (const size of o.statsSizes) {
    const { pool, generated } = await openDataset(size, { factsOnly: o.factsOnly });
    await pool.end();
    process.stdout.write(`${JSON.stringify({ database: datasetDbName(size), ...generated })}\n`);
  }
  return 0;
}

const POSTGRES_SECTION_TITLES = { stats: 'statistics', api: 'API', report: 'report' } as const;

/** `--only stats`, `--only api` or `--only report`: Postgres alone (no Dovecot, no corpus). */
async function runPostgresOnly(o: Options): Promise<number> {
  const loadBefore = loadavg();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const name = o.sections[0] as keyof typeof POSTGRES_SECTION_TITLES;
  const useTime = name === 'report' ? ensureGnuTime(say) : false;
  const r =
    name === 'stats'
      ? await runStatsSection({ sizes: o.statsSizes, runs: o.statsRuns, factRuns: o.statsFactRuns, keepDb: o.keepDb })
      : name === 'api'
        ? await runApiSection({ sizes: o.statsSizes, keepDb: o.keepDb, duration: o.apiDuration, connections: o.apiConnections })
        : await runReportSection({ messages: o.reportMessages, runs: o.reportRuns, keepDb: o.keepDb, useTime });
  const cpuModel = (await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown';
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: cpuModel, cores: availableParallelism(), loadAverageBefore: loadBefore, loadAverageAfter: loadavg(), node: process.version },
    source: sourceState(),
    options: o,
    [name]: r.json,
    ...(name === 'report' ? { peakMemory: useTime ? '/usr/bin/time %M' : '/proc/<pid>/status VmHWM' } : {}),
  };
  await mkdir(path.join(ROOT, 'out', 'bench'), { recursive: true });
  const outFile = path.join(ROOT, 'out', 'bench', `bench-${name}-${stamp}.json`);
  await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
  const out = [
    '',
    `edocwatch bench — ${POSTGRES_SECTION_TITLES[name]}; ${cpuModel}, ${availableParallelism()} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadavg().map((l) => l.toFixed(2)).join(' ')} after`,
    '',
    `== ${r.title}`,
    ...(r.rows.length > 0 ? ['', table(r.rows)] : []),
    ...r.lines,
    '',
    `results: ${path.relative(ROOT, outFile)}`,
  ];
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
