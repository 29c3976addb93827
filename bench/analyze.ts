// The analyze section of `npm run bench` (issue 4): edocwatch's analysis of every message of the
// generated corpus against bare mailparser parsing the same messages (target ≥ 0.5×, OCR off), and
// beside it `notmuch new` indexing the same messages as a Maildir, for scale. In interleaved rounds:
//   bare mailparser     simpleParser on each message, one after another, in one process;
//   analyzeMessage      what the analyze worker runs per message (src/jobs/analyze.ts limits, OCR
//                       off), one after another, in one process, no database, no queue;
//   analyze worker      `edocwatch worker --queues analyze`, one process, end to end: the messages
//                       synced first (`sync --no-analyze`, untimed), then timed from the worker's
//                       ready line until none is pending (raw store read, analysis, facts written);
//   notmuch new         a fresh index of a Maildir holding the same files, timed spawn to exit.
// The two in-process contenders are timed from their first read to their last result (module
// loading excluded: a worker is long-lived); their CPU columns are the whole process's.
import { spawnSync } from 'node:child_process';
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { summarizeProfiles, type CostLine } from './cpuprofile.js';
import { BenchError, ROOT, childStage, figures, measured, requireTool, say, type Options, type SectionResult, type StageFigures } from './common.js';
import { EDOCWATCH_BIN, messageCounts, withFreshEdocwatch } from './contenders.js';
import type { Corpus, DeliveredMailbox } from './mailbox.js';
import { busyCores, machineCpu, procStats, runMeasured, startBackground, type ProcStats } from './measure.js';
import { now } from './result.js';

const CONTENDERS = ['mailparser', 'analyze', 'worker', 'notmuch'] as const;
type Contender = (typeof CONTENDERS)[number];
const LABEL: Record<Contender, string> = {
  mailparser: 'bare mailparser simpleParser',
  analyze: 'edocwatch analyzeMessage (1 process)',
  worker: 'edocwatch analyze worker (1 process, DB)',
  notmuch: 'notmuch new (index)',
};
export const TARGETS = { analyzeOverMailparser: 0.5 };
/** No OCR in any contender: the target is stated without it. */
const NO_OCR = { EDOCWATCH_OCR: 'false' };

interface Measured {
  contender: Contender;
  round: number;
  figures: StageFigures;
  detail: Record<string, unknown>;
}

const fmt = (x: number): string => `${x.toFixed(2)}×`;

/** Hard links (or copies) of the corpus files in a fresh Maildir's cur/, and a notmuch config over it. */
async function notmuchMaildir(corpus: Corpus, tag: string): Promise<{ work: string; mail: string; env: NodeJS.ProcessEnv }> {
  const work = path.join(ROOT, '.tmp', 'bench', `notmuch-${tag}`);
  await rm(work, { recursive: true, force: true });
  const mail = path.join(work, 'mail');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(mail, sub), { recursive: true });
  for (const e of corpus.entries) {
    const target = path.join(mail, 'cur', `${e.file.replace(/\.eml$/, '')}.bench:2,S`);
    await link(path.join(corpus.dir, e.file), target).catch(async () => copyFile(path.join(corpus.dir, e.file), target));
  }
  const config = path.join(work, 'notmuch-config');
  await writeFile(config, ['[database]', `path=${mail}`, '', '[user]', 'name=bench', 'primary_email=bench@example.invalid', '', '[new]', 'tags=unread;inbox;', '', '[maildir]', 'synchronize_flags=true', ''].join('\n'));
  return { work, mail, env: { ...process.env, HOME: work, NOTMUCH_CONFIG: config } };
}

/** The analyze worker, one process, over n messages synced (untimed) into a fresh edocwatch. */
async function runWorker(o: Options, mailbox: DeliveredMailbox, n: number, useTime: boolean, tag: string, expected: Record<string, number> | null): Promise<Omit<Measured, 'contender' | 'round'>> {
  return withFreshEdocwatch(
    o.agency,
    mailbox,
    tag,
    async (e) => {
      const fill = await runMeasured(process.execPath, [EDOCWATCH_BIN, 'sync', '--no-analyze'], { env: e.env, timeoutMs: Math.max(600_000, n * 400), useTime });
      if (fill.code !== 0) throw new BenchError(`analyze section: sync --no-analyze failed (exit ${fill.code ?? fill.signal}):\n${fill.stderr.slice(-3000)}`);
      const filled = await messageCounts(e.pool);
      if (filled.total !== n || (filled.states['pending'] ?? 0) !== n) throw new BenchError(`analyze section: ${filled.total} messages after sync --no-analyze (${JSON.stringify(filled.states)}), expected ${n} pending`);
      const worker = await startBackground(process.execPath, [EDOCWATCH_BIN, 'worker', '--queues', 'analyze'], e.env, /edocwatch worker:/, 120_000);
      let stats: ProcStats | null = null;
      try {
        const pid = worker.child.pid as number;
        const before = procStats(pid) ?? { peakRssMb: 0, userS: 0, sysS: 0 };
        const c0 = machineCpu();
        const t0 = now();
        const deadline = t0 + Math.max(900, n * 0.6);
        for (;;) {
          const { rows } = await e.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE state = 'pending'`);
          if ((rows[0]?.n ?? 0) === 0) break;
          if (now() > deadline) throw new BenchError(`analyze worker: ${rows[0]?.n} messages still pending after ${Math.round(now() - t0)} s`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const seconds = now() - t0;
        const cores = busyCores(c0, machineCpu(), seconds);
        const after = procStats(pid) ?? before;
        stats = { peakRssMb: after.peakRssMb, userS: after.userS - before.userS, sysS: after.sysS - before.sysS };
        const db = await messageCounts(e.pool);
        if (db.total !== n || (db.states['failed'] ?? 0) > 0) throw new BenchError(`analyze worker: Postgres holds ${db.total} messages (${JSON.stringify(db.states)}), expected ${n} with none failed`);
        if (expected && JSON.stringify(sorted(db.states)) !== JSON.stringify(sorted(expected)))
          throw new BenchError(`analyze worker: final states ${JSON.stringify(db.states)} differ from analyzeMessage alone ${JSON.stringify(expected)}`);
        return {
          figures: figures(LABEL.worker, { messages: n, bytes: db.bytes, seconds }, stats, cores, 'ready line to none pending; CPU: the worker process over that time (Postgres apart)'),
          detail: { states: db.states },
        };
      } finally {
        await worker.stop(30_000);
      }
    },
    NO_OCR,
  );
}

function sorted(states: Record<string, number>): Array<[string, number]> {
  return Object.entries(states).sort(([a], [b]) => a.localeCompare(b));
}

/** The round whose time is the median, with the range of all rounds in its note. */
function medianRound(all: Measured[], c: Contender): StageFigures {
  const mine = all.filter((m) => m.contender === c).sort((a, b) => a.figures.seconds - b.figures.seconds);
  const mid = mine[Math.floor((mine.length - 1) / 2)] as Measured;
  const rates = mine.map((m) => m.figures.msgPerS);
  const extra = mid.figures.note ? `; ${mid.figures.note}` : '';
  return { ...mid.figures, note: mine.length > 1 ? `median of ${mine.length} rounds; msg/s ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}${extra}` : mid.figures.note };
}

function costTable(lines: CostLine[], top: number): string {
  return lines
    .slice(0, top)
    .map((l) => `  ${(l.share * 100).toFixed(1).padStart(5)}%  ${(l.ms / 1000).toFixed(1).padStart(7)} s  ${l.where}`)
    .join('\n');
}

export async function runAnalyzeSection(o: Options, corpus: Corpus, mailbox: DeliveredMailbox, useTime: boolean, stamp: string): Promise<SectionResult> {
  const n = corpus.entries.length;
  const loadBefore = loadavg();
  const notmuch = requireTool('notmuch');
  const slow = Math.max(600_000, n * 400);
  const stageEnv = { BENCH_CORPUS_DIR: corpus.dir, BENCH_AGENCY: o.agency, ...NO_OCR };
  const maildir = await notmuchMaildir(corpus, `${stamp}-analyze`);
  const all: Measured[] = [];
  let analyzedStates: Record<string, number> | null = null;
  const loads: number[] = [];
  try {
    for (let round = 0; round < o.analyzeRounds; round++) {
      for (let k = 0; k < CONTENDERS.length; k++) {
        const c = CONTENDERS[(round + k) % CONTENDERS.length] as Contender;
        say(`analyze section: round ${round + 1}/${o.analyzeRounds}, ${LABEL[c]} (${n} messages) ...`);
        loads.push(loadavg()[0] ?? 0);
        let m: Omit<Measured, 'contender' | 'round'>;
        if (c === 'mailparser' || c === 'analyze') {
          const s = await childStage(c === 'mailparser' ? 'parse' : 'analyze-only', stageEnv, useTime, slow);
          if (s.r.messages !== n || s.r.bytes !== corpus.bytes) throw new BenchError(`${LABEL[c]}: read ${s.r.messages} messages, ${s.r.bytes} bytes; expected ${n}, ${corpus.bytes}`);
          const note = `process ${s.wallS.toFixed(1)} s from spawn`;
          m = { figures: figures(LABEL[c], s.r, s.stats, s.cores, note), detail: { ...s.r.extra, processSeconds: s.wallS } };
          if (c === 'analyze') {
            const states = Object.fromEntries(Object.entries(s.r.extra ?? {}).map(([k2, v]) => [k2, Number(v)]));
            if (analyzedStates && JSON.stringify(sorted(states)) !== JSON.stringify(sorted(analyzedStates))) throw new BenchError(`analyzeMessage gave ${JSON.stringify(states)} in one round, ${JSON.stringify(analyzedStates)} in another`);
            analyzedStates = states;
          }
        } else if (c === 'worker') {
          m = await runWorker(o, mailbox, n, useTime, `${stamp}-analyze-${round}`, analyzedStates);
        } else {
          await rm(path.join(maildir.mail, '.notmuch'), { recursive: true, force: true });
          const nm = await measured(notmuch, ['new', '--quiet'], { timeoutMs: slow, useTime, env: maildir.env });
          if (nm.run.code !== 0) throw new BenchError(`notmuch new failed (exit ${nm.run.code ?? nm.run.signal}):\n${nm.run.stderr.slice(-3000)}`);
          const count = spawnSync(notmuch, ['count', '--output=files', '*'], { env: maildir.env, encoding: 'utf8', timeout: 120_000 });
          if (count.status !== 0 || Number(count.stdout.trim()) !== n) throw new BenchError(`notmuch indexed ${count.stdout.trim() || '?'} files, expected ${n}: ${count.stderr}`);
          m = { figures: figures(LABEL.notmuch, { messages: n, bytes: corpus.bytes, seconds: nm.run.wallS }, nm.run.stats, nm.cores, 'spawn to exit'), detail: {} };
        }
        say(`analyze section: ${LABEL[c]}: ${m.figures.seconds.toFixed(1)} s, ${m.figures.msgPerS.toFixed(0)} msg/s, CPU ${m.figures.cpuS.toFixed(1)} s`);
        all.push({ contender: c, round, ...m });
      }
    }
  } finally {
    await rm(maildir.work, { recursive: true, force: true });
  }

  const med = Object.fromEntries(CONTENDERS.map((c) => [c, medianRound(all, c)])) as Record<Contender, StageFigures>;
  const perRound = (a: Contender, b: Contender): number[] =>
    Array.from({ length: o.analyzeRounds }, (_, r) => {
      const x = all.find((m) => m.contender === a && m.round === r) as Measured;
      const y = all.find((m) => m.contender === b && m.round === r) as Measured;
      return x.figures.msgPerS / y.figures.msgPerS;
    });
  const ratios = {
    analyzeOverMailparser: med.analyze.msgPerS / med.mailparser.msgPerS,
    workerOverMailparser: med.worker.msgPerS / med.mailparser.msgPerS,
    analyzeOverNotmuch: med.analyze.msgPerS / med.notmuch.msgPerS,
    workerOverNotmuch: med.worker.msgPerS / med.notmuch.msgPerS,
    analyzeOverMailparserPerRound: perRound('analyze', 'mailparser'),
    workerOverMailparserPerRound: perRound('worker', 'mailparser'),
    targets: TARGETS,
  };
  const rows = CONTENDERS.map((c) => med[c]);
  const cpuMs = (c: Contender): string => ((1000 * med[c].cpuS) / n).toFixed(2);
  const rounds = (xs: number[]): string => (xs.length > 1 ? `; per round ${xs.map((x) => x.toFixed(2)).join(', ')}` : '');
  const lines: string[] = [];
  for (const r of rows) if (r.note) lines.push(`  ${r.stage}: ${r.note}`);
  lines.push(
    '',
    `analyzeMessage ÷ bare mailparser: ${fmt(ratios.analyzeOverMailparser)} (target ≥ ${TARGETS.analyzeOverMailparser}, OCR off: ${ratios.analyzeOverMailparser >= TARGETS.analyzeOverMailparser ? 'met' : 'NOT met'})${rounds(ratios.analyzeOverMailparserPerRound)}`,
    `analyze worker ÷ bare mailparser: ${fmt(ratios.workerOverMailparser)}${rounds(ratios.workerOverMailparserPerRound)}`,
    `beside notmuch new: analyzeMessage ${fmt(ratios.analyzeOverNotmuch)}, analyze worker ${fmt(ratios.workerOverNotmuch)}`,
    `CPU per message (whole process): mailparser ${cpuMs('mailparser')} ms, analyzeMessage ${cpuMs('analyze')} ms, worker ${cpuMs('worker')} ms (+ Postgres), notmuch ${cpuMs('notmuch')} ms`,
    `load average (1 min) at the start of each run: ${loads.map((l) => l.toFixed(1)).join(', ')}`,
    `checked each round: every message read by each contender; analyzeMessage's states ${JSON.stringify(analyzedStates)} the same in every round and in the worker's Postgres (none pending or failed); notmuch indexed ${n} files`,
  );

  const json: Record<string, unknown> = {
    loadAverageBefore: loadBefore,
    loadAtEachRun: loads,
    rounds: all.map((m) => ({ contender: m.contender, round: m.round, ...m.figures, detail: m.detail })),
    stages: rows,
    ratios,
    states: analyzedStates,
  };
  if (o.profile) {
    const profDir = path.join(ROOT, 'out', 'bench', `prof-${stamp}`);
    for (const [stage, sub] of [['analyze-only', 'analyze-only'], ['parse', 'parse']] as const) {
      const dir = path.join(profDir, sub);
      await mkdir(dir, { recursive: true });
      say(`profile: ${stage} under --cpu-prof ...`);
      await childStage(stage, stageEnv, useTime, slow, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      const p = await summarizeProfiles(dir);
      json[`profile:${stage}`] = p;
      lines.push(`${stage} CPU profile (self time, ${(p.totalMs / 1000).toFixed(1)} s):`, costTable(p.lines, 14), 'top functions:', costTable(p.functions, 14));
    }
  }
  json['loadAverageAfter'] = loadavg();
  return { title: `Analyze stage: ${n} messages, ${o.analyzeRounds} interleaved round${o.analyzeRounds > 1 ? 's' : ''} (OCR off)`, rows, lines, json };
}
