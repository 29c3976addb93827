// Running measured child processes for the benchmark: wall time, CPU time and peak RSS of each
// child (GNU time's %M when /usr/bin/time exists, else /proc/<pid>/status VmHWM polled), and the
// whole machine's busy CPU over a stage (/proc/stat), so the time spent in Postgres, Redis and
// Dovecot shows beside ours. Every child is tracked so an error or a signal stops them all.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TIME_BIN = '/usr/bin/time';
const CLK_TCK = 100; // USER_HZ on Linux

const live = new Set<ChildProcess>();

/** Kills every child still running (SIGTERM, then SIGKILL after a grace period); synchronous enough for exit paths. */
export function killAllChildren(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGTERM');
      } catch {
        // gone already
      }
    }
  }
  const stubborn = [...live];
  if (stubborn.length > 0) {
    setTimeout(() => {
      for (const c of stubborn) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, 3_000).unref();
  }
}

/** Installs GNU time when it is missing and we are root (apt package `time`); false if unavailable. */
export function ensureGnuTime(say: (s: string) => void): boolean {
  if (existsSync(TIME_BIN)) return true;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    say(`${TIME_BIN} missing and not root: peak memory from /proc/<pid>/status VmHWM instead`);
    return false;
  }
  say('installing the `time` package (GNU time) for peak-memory figures ...');
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'time'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 });
  if (r.status !== 0 || !existsSync(TIME_BIN)) {
    say('apt-get install time failed: peak memory from /proc/<pid>/status VmHWM instead');
    return false;
  }
  return true;
}

export interface ProcStats {
  /** Peak resident set size in MB. */
  peakRssMb: number;
  userS: number;
  sysS: number;
}

/** VmHWM (peak RSS) and CPU times of a running process, or null when it is gone. */
export function procStats(pid: number): ProcStats | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      peakRssMb: hwm ? Number(hwm[1]) / 1024 : 0,
      userS: Number(fields[11]) / CLK_TCK,
      sysS: Number(fields[12]) / CLK_TCK,
    };
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Average number of busy cores between two machineCpu() samples. */
export function busyCores(a: { busy: number; total: number }, b: { busy: number; total: number }, wallS: number): number {
  return wallS > 0 ? (b.busy - a.busy) / CLK_TCK / wallS : 0;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallS: number;
  stats: ProcStats;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  useTime: boolean;
  /** Called with each chunk of stderr (progress). */
  onStderr?: (s: string) => void;
}

/**
 * Runs a command to completion, measured. With GNU time, the child is `time -f "%M %U %S" -o F cmd`;
 * without, VmHWM is polled every 100 ms. A child exceeding timeoutMs is killed and reported.
 */
export async function runMeasured(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const timeFile = path.join(tmpdir(), `edocwatch-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [file, argv] = opts.useTime ? [TIME_BIN, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const child = spawn(file, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    if (stdout.length < 4_000_000) stdout += b.toString('utf8');
  });
  child.stderr?.on('data', (b: Buffer) => {
    const s = b.toString('utf8');
    if (stderr.length < 4_000_000) stderr += s;
    opts.onStderr?.(s);
  });
  let polled: ProcStats = { peakRssMb: 0, userS: 0, sysS: 0 };
  const poll = opts.useTime
    ? null
    : setInterval(() => {
        if (child.pid !== undefined) polled = procStats(child.pid) ?? polled;
      }, 100);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  }).finally(() => {
    clearTimeout(timer);
    if (poll) clearInterval(poll);
    live.delete(child);
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (timedOut) throw new Error(`${cmd} ${args.join(' ')}: no result within ${Math.round(opts.timeoutMs / 1000)} s; killed`);
  let stats = polled;
  if (opts.useTime) {
    const text = await readFile(timeFile, 'utf8').catch(() => '');
    await rm(timeFile, { force: true });
    // GNU time writes "Command exited with non-zero status N" first when the command failed.
    const last = text.trim().split('\n').pop() ?? '';
    const m = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(last.trim());
    if (m) stats = { peakRssMb: Number(m[1]) / 1024, userS: Number(m[2]), sysS: Number(m[3]) };
  }
  return { code, signal, wallS, stats, stdout, stderr };
}

export interface Background {
  child: ChildProcess;
  stderr(): string;
  /** Peak RSS and CPU so far, then SIGTERM and wait (SIGKILL after graceMs). */
  stop(graceMs: number): Promise<{ stats: ProcStats; code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running child; resolves once `ready` matches its stderr (or rejects after timeoutMs). */
export async function startBackground(cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs: number): Promise<Background> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')}: not ready within ${timeoutMs / 1000} s:\n${err.slice(-2000)}`)), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(' ')} exited before it was ready (code ${code}, signal ${signal}):\n${err.slice(-2000)}`));
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (err.length < 1_000_000) err += b.toString('utf8');
      if (ready.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    child,
    stderr: () => err,
    async stop(graceMs) {
      const stats = (child.pid !== undefined ? procStats(child.pid) : null) ?? { peakRssMb: 0, userS: 0, sysS: 0 };
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(killer);
      return { stats, ...r };
    },
  };
}
