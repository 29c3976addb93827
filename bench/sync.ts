// The sync section of `npm run bench` (issue 3): `edocwatch sync --no-analyze` — fetch, store raw
// with fsync, record pending, enqueue analysis — against a bare imapflow fetch of the same folders
// (target ≥ 0.5×) and against mbsync pulling them into a Maildir (target ≥ 2.0×), in interleaved
// rounds, beside the durable floor (bench/durable-fetch.ts: the bare fetch plus sha256, pack
// append and fsync, what keeping the mail costs before any of edocwatch's own work); then peak memory on a second mailbox whose messages each carry a ~25 MB scanned PDF
// (target: sync under 300 MB peak RSS). Every contender is one child process timed from spawn to
// exit, so each pays its own start-up.
import { loadavg } from 'node:os';
import path from 'node:path';
import { mkdir, rm, stat } from 'node:fs/promises';
import { BenchError, ENTRY, ROOT, figures, measured, say, stageResult, table, type Options, type SectionResult, type StageFigures } from './common.js';
import { summarizeProfiles, type CostLine } from './cpuprofile.js';
import { mbsyncPull, mbsyncSetup, runPipeline, runSyncOnly, type PipelineOutcome } from './contenders.js';
import { corpusHashes, deliverMailbox, describeCorpus, largeCorpus, type Corpus, type DeliveredMailbox } from './mailbox.js';

const IMAP_FETCH = path.join(path.dirname(ENTRY), 'imap-fetch.js');
const DURABLE_FETCH = path.join(path.dirname(ENTRY), 'durable-fetch.js');
const CONTENDERS = ['imapflow', 'floor', 'edocwatch', 'mbsync'] as const;
type Contender = (typeof CONTENDERS)[number];
const LABEL: Record<Contender, string> = {
  imapflow: 'bare imapflow fetch',
  floor: 'imapflow + sha256 + pack + fsync',
  edocwatch: 'edocwatch sync --no-analyze',
  mbsync: 'mbsync (isync) pull',
};
export const TARGETS = { syncOverImapflow: 0.5, syncOverMbsync: 2.0, largePeakRssMb: 300 };

interface Measured {
  contender: Contender;
  round: number;
  figures: StageFigures;
  detail: Record<string, unknown>;
}

/** One run of one contender over a delivered mailbox, checked; figures are of the whole process. */
async function runContender(c: Contender, corpus: Corpus, hashes: Set<string>, mailbox: DeliveredMailbox, agency: string, useTime: boolean, tag: string): Promise<Measured['figures'] & { detail: Record<string, unknown> }> {
  const n = corpus.entries.length;
  const timeoutMs = Math.max(600_000, n * 400);
  if (c === 'imapflow') {
    const env = { ...process.env, BENCH_IMAP_PORT: String(mailbox.port), BENCH_IMAP_USER: mailbox.user, BENCH_IMAP_PASS: mailbox.pass, BENCH_BATCH: '200' };
    const { run, cores } = await measured(process.execPath, [IMAP_FETCH], { env, timeoutMs, useTime });
    const r = stageResult('imap-fetch', run);
    if (r.messages !== n || r.bytes !== corpus.bytes) throw new BenchError(`imapflow fetched ${r.messages} messages, ${r.bytes} bytes; expected ${n}, ${corpus.bytes}`);
    return { ...figures(LABEL.imapflow, { messages: n, bytes: r.bytes, seconds: run.wallS }, run.stats, cores), detail: { inProcessSeconds: r.seconds, largestBytes: r.extra?.['largestBytes'] } };
  }
  if (c === 'floor') {
    // The durable floor (bench/durable-fetch.ts): what keeping each message costs, without edocwatch.
    const dir = path.join(ROOT, '.tmp', 'bench', `floor-${tag}-${process.pid}`);
    await rm(dir, { recursive: true, force: true });
    const env = { ...process.env, BENCH_IMAP_PORT: String(mailbox.port), BENCH_IMAP_USER: mailbox.user, BENCH_IMAP_PASS: mailbox.pass, BENCH_BATCH: '200', BENCH_DURABLE_DIR: dir };
    try {
      const { run, cores } = await measured(process.execPath, [DURABLE_FETCH], { env, timeoutMs, useTime });
      const r = stageResult('durable-fetch', run);
      const packBytes = (await stat(path.join(dir, 'floor.pack'))).size;
      if (r.messages !== n || r.bytes !== corpus.bytes || packBytes !== corpus.bytes + 48 * n)
        throw new BenchError(`the durable floor fetched ${r.messages} messages, ${r.bytes} bytes, and wrote a ${packBytes}-byte pack; expected ${n}, ${corpus.bytes}, ${corpus.bytes + 48 * n}`);
      return { ...figures(LABEL.floor, { messages: n, bytes: r.bytes, seconds: run.wallS }, run.stats, cores), detail: { inProcessSeconds: r.seconds, packBytes } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (c === 'edocwatch') {
    const s = await runSyncOnly(agency, mailbox, { n, hashes }, useTime, tag);
    if (s.bytes !== corpus.bytes) throw new BenchError(`sync --no-analyze recorded ${s.bytes} bytes of messages, expected ${corpus.bytes}`);
    return { ...figures(LABEL.edocwatch, { messages: n, bytes: s.bytes, seconds: s.run.wallS }, s.run.stats, s.cores), detail: {
        states: s.states,
        rawObjects: s.rawFiles,
        rawPacks: s.rawPacks,
        rawBytes: s.rawBytes,
        analyzeJobsQueued: s.analyzeJobsQueued,
        secondPass: { seconds: s.again.run.wallS, peakRssMb: s.again.run.stats.peakRssMb, cpuS: s.again.run.stats.userS + s.again.run.stats.sysS },
      },
    };
  }
  const m = await mbsyncSetup(mailbox, tag);
  try {
    const p = await mbsyncPull(m, n, useTime, timeoutMs);
    // The same messages crossed IMAP; mbsync writes them with LF line ends, so its Maildir is smaller.
    return { ...figures(LABEL.mbsync, { messages: n, bytes: corpus.bytes, seconds: p.run.wallS }, p.run.stats, p.cores), detail: { maildirBytes: p.bytes } };
  } finally {
    await rm(m.work, { recursive: true, force: true });
  }
}

/** The round whose wall time is the median, with the range of all rounds in its note. */
function medianRound(all: Measured[], c: Contender): { row: StageFigures; rates: number[] } {
  const mine = all.filter((m) => m.contender === c).sort((a, b) => a.figures.seconds - b.figures.seconds);
  const mid = mine[Math.floor((mine.length - 1) / 2)] as Measured;
  const rates = mine.map((m) => m.figures.msgPerS);
  const rss = Math.max(...mine.map((m) => m.figures.peakRssMb));
  const note = mine.length > 1 ? `median of ${mine.length} rounds; msg/s ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}; peak RSS at most ${rss.toFixed(0)} MB` : undefined;
  return { row: { ...mid.figures, ...(note ? { note } : {}) }, rates };
}

const fmt = (x: number): string => `${x.toFixed(2)}×`;
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

export async function runSyncSection(o: Options, corpus: Corpus, mailbox: DeliveredMailbox, useTime: boolean, stamp: string): Promise<SectionResult> {
  const n = corpus.entries.length;
  const loadBefore = loadavg();
  const hashes = await corpusHashes(corpus);
  if (hashes.size !== n) throw new BenchError(`the corpus holds ${n - hashes.size} byte-identical duplicates: the raw-store count check needs distinct messages`);

  // Interleaved rounds, each starting with the next contender, so that drift in the machine's load
  // spreads over all three instead of landing on one.
  const all: Measured[] = [];
  for (let round = 0; round < o.syncRounds; round++) {
    for (let k = 0; k < CONTENDERS.length; k++) {
      const c = CONTENDERS[(round + k) % CONTENDERS.length] as Contender;
      say(`sync section: round ${round + 1}/${o.syncRounds}, ${LABEL[c]} (${n} messages) ...`);
      const { detail, ...f } = await runContender(c, corpus, hashes, mailbox, o.agency, useTime, `${stamp}-sync-${round}`);
      say(`sync section: ${LABEL[c]}: ${f.seconds.toFixed(1)} s, ${f.msgPerS.toFixed(0)} msg/s, ${f.mbPerS.toFixed(1)} MB/s, peak RSS ${f.peakRssMb.toFixed(0)} MB`);
      all.push({ contender: c, round, figures: f, detail });
    }
  }
  const med = Object.fromEntries(CONTENDERS.map((c) => [c, medianRound(all, c)])) as Record<Contender, ReturnType<typeof medianRound>>;
  const perRound = (a: Contender, b: Contender): number[] =>
    Array.from({ length: o.syncRounds }, (_, r) => {
      const x = all.find((m) => m.contender === a && m.round === r) as Measured;
      const y = all.find((m) => m.contender === b && m.round === r) as Measured;
      return x.figures.msgPerS / y.figures.msgPerS;
    });
  const ratios = {
    syncOverImapflow: med.edocwatch.row.msgPerS / med.imapflow.row.msgPerS,
    syncOverMbsync: med.edocwatch.row.msgPerS / med.mbsync.row.msgPerS,
    syncOverImapflowPerRound: perRound('edocwatch', 'imapflow'),
    syncOverMbsyncPerRound: perRound('edocwatch', 'mbsync'),
    floorOverImapflow: med.floor.row.msgPerS / med.imapflow.row.msgPerS,
    syncOverFloor: med.edocwatch.row.msgPerS / med.floor.row.msgPerS,
    floorOverImapflowPerRound: perRound('floor', 'imapflow'),
    targets: TARGETS,
  };
  const rows = CONTENDERS.map((c) => med[c].row);
  const seconds = all.filter((m) => m.contender === 'edocwatch').map((m) => (m.detail['secondPass'] as { seconds: number }).seconds).sort((a, b) => a - b);
  const secondS = seconds[Math.floor((seconds.length - 1) / 2)] as number;
  const netRate = n / (med.edocwatch.row.seconds - secondS);
  const syncRss = Math.max(...all.filter((m) => m.contender === 'edocwatch').map((m) => m.figures.peakRssMb));
  const lines: string[] = [];
  for (const r of rows) if (r.note) lines.push(`  ${r.stage}: ${r.note}`);
  const rounds = (xs: number[]): string => (xs.length > 1 ? `; per round ${xs.map((x) => x.toFixed(2)).join(', ')}` : '');
  lines.push(
    '',
    `sync ÷ bare imapflow: ${fmt(ratios.syncOverImapflow)} (target ≥ ${TARGETS.syncOverImapflow}: ${verdict(ratios.syncOverImapflow >= TARGETS.syncOverImapflow)})${rounds(ratios.syncOverImapflowPerRound)}`,
    `sync ÷ mbsync:        ${fmt(ratios.syncOverMbsync)} (target ≥ ${TARGETS.syncOverMbsync}: ${verdict(ratios.syncOverMbsync >= TARGETS.syncOverMbsync)})${rounds(ratios.syncOverMbsyncPerRound)}`,
    `durable floor ÷ bare imapflow: ${fmt(ratios.floorOverImapflow)}${rounds(ratios.floorOverImapflowPerRound)} — imapflow's fetch plus each message's sha256, appended to a pack, one fsync per batch (bench/durable-fetch.ts); sync ÷ floor: ${fmt(ratios.syncOverFloor)}`,
    '(ratios of msg/s and of MB/s are the same: all four fetch the same messages, the same bytes over IMAP)',
    `a second sync --no-analyze with nothing new takes ${secondS.toFixed(2)} s (median; start-up, connect, folder checks)${
      med.edocwatch.row.seconds > 2 * secondS ? `: the first pass less that is ${netRate.toFixed(0)} msg/s, ${fmt(netRate / med.imapflow.row.msgPerS)} bare imapflow` : ''
    }`,
    `checked each round: imapflow ${n} sources, the corpus' bytes; the floor the same, and a pack of exactly their records; edocwatch ${n} messages in Postgres, all pending, ${n} raw objects in pack files, read back, byte-identical to the delivered mail, each stored once and indexed, ${n} analyze jobs queued, nothing added by the second pass; mbsync ${n} files`,
  );
  const json: Record<string, unknown> = {
    loadAverageBefore: loadBefore,
    rounds: all.map((m) => ({ contender: m.contender, round: m.round, ...m.figures, detail: m.detail })),
    stages: rows,
    ratios,
    secondPassSeconds: secondS,
    firstPassLessSecondMsgPerS: med.edocwatch.row.seconds > 2 * secondS ? netRate : null,
    syncPeakRssMb: syncRss,
  };

  if (o.profile) {
    // One more first pass, under --cpu-prof (a little slower: not one of the rounds above).
    const dir = path.join(ROOT, 'out', 'bench', `prof-${stamp}`, 'sync');
    await mkdir(dir, { recursive: true });
    say('profile: one more sync --no-analyze under --cpu-prof ...');
    const p = await runSyncOnly(o.agency, mailbox, { n, hashes }, useTime, `${stamp}-sync-prof`, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const prof = await summarizeProfiles(dir);
    json['profile'] = { seconds: p.run.wallS, cpuS: p.run.stats.userS + p.run.stats.sysS, ...prof };
    const top = (lines: CostLine[], k: number): string =>
      lines
        .slice(0, k)
        .map((l) => `  ${(l.share * 100).toFixed(1).padStart(5)}%  ${(l.ms / 1000).toFixed(2).padStart(6)} s  ${l.where}`)
        .join('\n');
    lines.push(
      '',
      `sync --no-analyze CPU profile (main thread, self time, ${(prof.totalMs / 1000).toFixed(1)} s sampled; the process used ${(p.run.stats.userS + p.run.stats.sysS).toFixed(1)} s of CPU in all threads, file I/O on libuv's pool included):`,
      top(prof.lines, 14),
      'top functions:',
      top(prof.functions, 14),
    );
  }

  if (o.largeCount > 0) {
    const large = await runLarge(o, useTime, stamp);
    lines.push('', `Large attachments — ${large.description}:`, '', table(large.rows));
    for (const r of large.rows) if (r.note) lines.push(`  ${r.stage}: ${r.note}`);
    const rss = large.syncRow.peakRssMb;
    lines.push(
      '',
      `peak RSS of edocwatch sync --no-analyze: ${rss.toFixed(0)} MB (target < ${TARGETS.largePeakRssMb} MB: ${verdict(rss < TARGETS.largePeakRssMb)}); on the main mailbox ${syncRss.toFixed(0)} MB`,
    );
    if (large.pipeline) lines.push(`pipeline on it: final states ${JSON.stringify(large.pipeline.states)}`);
    json['large'] = {
      corpus: large.corpus,
      stages: large.rows,
      detail: large.detail,
      syncPeakRssMb: rss,
      target: TARGETS.largePeakRssMb,
      met: rss < TARGETS.largePeakRssMb,
      ...(large.pipeline ? { pipeline: { states: large.pipeline.states, sync: large.pipeline.sync, worker: large.pipeline.worker } } : {}),
    };
  }
  json['loadAverageAfter'] = loadavg();
  return { title: `Sync stage: fetch + raw store + record, ${n} messages, ${o.syncRounds} interleaved round${o.syncRounds > 1 ? 's' : ''}`, rows, lines, json };
}

/** The large-attachment mailbox: each contender once (memory is the point), then the pipeline if asked. */
async function runLarge(o: Options, useTime: boolean, stamp: string): Promise<{ description: string; corpus: Record<string, unknown>; rows: StageFigures[]; syncRow: StageFigures; detail: Record<string, unknown>; pipeline: PipelineOutcome | null }> {
  const corpus = await largeCorpus(o);
  const n = corpus.entries.length;
  const description = describeCorpus(corpus);
  say(`large corpus: ${description}`);
  const hashes = await corpusHashes(corpus);
  const mailbox = await deliverMailbox(corpus, `bench-large-${o.agency.toLowerCase().replace(/\./g, '-')}`);
  const rows: StageFigures[] = [];
  const detail: Record<string, unknown> = {};
  let syncRow: StageFigures | null = null;
  for (const c of CONTENDERS) {
    say(`large: ${LABEL[c]} (${n} messages, ${(corpus.bytes / 1e6).toFixed(0)} MB) ...`);
    const { detail: d, ...f } = await runContender(c, corpus, hashes, mailbox, o.agency, useTime, `${stamp}-large`);
    say(`large: ${LABEL[c]}: ${f.seconds.toFixed(1)} s, ${f.mbPerS.toFixed(1)} MB/s, peak RSS ${f.peakRssMb.toFixed(0)} MB`);
    rows.push(f);
    detail[c] = d;
    if (c === 'edocwatch') syncRow = f;
  }
  let pipeline: PipelineOutcome | null = null;
  if (o.largePipeline) {
    pipeline = await runPipeline({ agency: o.agency, imap: mailbox, n, useTime, tag: `${stamp}-large-pipeline`, profileDir: null, strict: false, label: 'large pipeline' });
    rows.push(pipeline.figures);
  }
  const largest = Math.max(...corpus.entries.map((e) => e.size));
  return {
    description,
    corpus: { messages: n, bytes: corpus.bytes, largestBytes: largest, generatedSeconds: corpus.generatedS, deliverSeconds: mailbox.deliverS, warmUpSeconds: mailbox.warmUpS },
    rows,
    syncRow: syncRow as StageFigures,
    detail,
    pipeline,
  };
}
