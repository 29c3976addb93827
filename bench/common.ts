// What every section of `npm run bench` shares: the figures of one measured stage, the error that
// fails the run, progress on stderr, the result table, and running a bench stage or a tool as a
// measured child process.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/config/paths.js';
import { busyCores, machineCpu, runMeasured, type ProcStats, type RunResult } from './measure.js';
import { RESULT_MARK, type StageResult } from './stages.js';

export const ROOT = repoRoot();
/** The benchmark's entry script (dist/bench/pipeline.js): child stages run as `node ENTRY --stage NAME`. */
export const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pipeline.js');

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

export class BenchError extends Error {}

export const say = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

export function figures(stage: string, r: { messages: number; bytes: number; seconds: number }, stats: ProcStats, cores: number, note?: string): StageFigures {
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

export function table(rows: StageFigures[]): string {
  const head = ['stage', 'msgs', 'wall s', 'msg/s', 'MB/s', 'peak RSS MB', 'CPU s', 'busy cores'];
  const body = rows.map((r) => [r.stage, String(r.messages), r.seconds.toFixed(1), r.msgPerS.toFixed(1), r.mbPerS.toFixed(1), r.peakRssMb.toFixed(0), r.cpuS.toFixed(1), r.busyCores.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function requireTool(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  if (r.status !== 0 || !p) throw new BenchError(`${name} is not installed: run \`bash scripts/services.sh up --bench\` (npm run bench does, via prebench)`);
  return p;
}

/** Runs a command measured, with the machine's busy cores over it. */
export async function measured(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; useTime: boolean }): Promise<{ run: RunResult; cores: number }> {
  const c0 = machineCpu();
  const run = await runMeasured(cmd, args, opts);
  return { run, cores: busyCores(c0, machineCpu(), run.wallS) };
}

/** The BENCH_RESULT line a bench child printed, or a BenchError with its stderr. */
export function stageResult(name: string, run: RunResult): StageResult {
  const line = run.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (run.code !== 0 || !line) throw new BenchError(`stage ${name} failed (exit ${run.code ?? run.signal}):\n${run.stderr.slice(-3000)}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as StageResult;
}

/** A stage of bench/stages.ts in a child process (`node ENTRY --stage NAME`), measured. */
export async function childStage(name: string, env: NodeJS.ProcessEnv, useTime: boolean, timeoutMs: number, nodeArgs: string[] = []): Promise<{ r: StageResult; stats: ProcStats; cores: number; wallS: number }> {
  const { run, cores } = await measured(process.execPath, [...nodeArgs, ENTRY, '--stage', name], { env: { ...process.env, ...env }, timeoutMs, useTime });
  return { r: stageResult(name, run), stats: run.stats, cores, wallS: run.wallS };
}

/**
 * Sections: sync, analyze and pipeline run by default; stats and api (1 and 10 million rows, slow)
 * and report only when named with --only; dataset only writes (and keeps) the generated databases
 * of --stats-sizes.
 */
export const SECTIONS = ['sync', 'analyze', 'pipeline', 'stats', 'api', 'dataset', 'report'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface Options {
  count: number;
  seed: number;
  agency: string;
  profile: boolean;
  freshCorpus: boolean;
  /** The sections to run, in this order. */
  sections: SectionName[];
  /** Sync section: interleaved rounds of (bare imapflow, edocwatch sync --no-analyze, mbsync). */
  syncRounds: number;
  /** Analyze section: interleaved rounds of (bare mailparser, analyzeMessage, analyze worker, notmuch new). */
  analyzeRounds: number;
  /** Sync section: the large-attachment mailbox (0 messages: skipped). */
  largeCount: number;
  largeMb: number;
  /** Sync section: also the whole pipeline (with analysis) on the large-attachment mailbox. */
  largePipeline: boolean;
  /** Stats section: message rows generated, one database per size. */
  statsSizes: number[];
  statsRuns: number;
  statsFactRuns: number;
  keepDb: boolean;
  /** Report section: message rows of the generated province, and builds measured. */
  reportMessages: number;
  reportRuns: number;
  /** API section: seconds of load per endpoint, and concurrent connections. */
  apiDuration: number;
  apiConnections: number;
  /** Dataset section: stop after writing the facts (rollups and VACUUM ANALYZE on the next run). */
  factsOnly: boolean;
}

/** What a section hands back: its table, the lines printed under it, and its part of the JSON file. */
export interface SectionResult {
  title: string;
  rows: StageFigures[];
  lines: string[];
  json: Record<string, unknown>;
}
