// Summarizes V8 .cpuprofile files (node --cpu-prof): self time grouped by where the code lives
// (an npm package, a file of ours, Node internals, GC), so the benchmark can name the top costs.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}
interface CpuProfile {
  nodes: CpuNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface CostLine {
  where: string;
  ms: number;
  share: number;
}

/** Where a frame's code lives: `pkg:<name>`, `src/<file>`, `node:<internal>` or a V8 pseudo-frame. */
export function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : `(native) ${fn || 'anonymous'}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `pkg:${nm[1]}`;
  const ours = /\/dist\/((?:src|bench)\/.+?)\.js$/.exec(url) ?? /\/((?:src|bench)\/.+?)\.[jt]s$/.exec(url);
  if (ours) return ours[1] as string;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

/** Self time per bucket over every profile in dir whose name matches, biggest first; idle excluded. */
export async function summarizeProfiles(dir: string, match: (file: string) => boolean = () => true): Promise<{ totalMs: number; lines: CostLine[]; functions: CostLine[] }> {
  const byBucket = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.cpuprofile') && match(x))) {
    const prof = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as CpuProfile;
    const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
    const samples = prof.samples ?? [];
    const deltas = prof.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const n = nodes.get(samples[i] as number);
      if (!n) continue;
      const ms = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
      const { functionName, url } = n.callFrame;
      if (functionName === '(idle)') continue;
      totalMs += ms;
      const b = bucketOf(url, functionName);
      byBucket.set(b, (byBucket.get(b) ?? 0) + ms);
      const fnKey = `${functionName || '(anonymous)'} [${b}]`;
      byFunction.set(fnKey, (byFunction.get(fnKey) ?? 0) + ms);
    }
  }
  const lines = (m: Map<string, number>): CostLine[] =>
    [...m.entries()].map(([where, ms]) => ({ where, ms, share: totalMs > 0 ? ms / totalMs : 0 })).sort((a, b) => b.ms - a.ms);
  return { totalMs, lines: lines(byBucket), functions: lines(byFunction).slice(0, 25) };
}
