// `edocwatch refs [--jsonl]`: document references in standard input, as JSON (DESIGN.md contract).
import { extractRefs } from '../domain/refs.js';
import type { Out } from './main.js';

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One line of --jsonl input → one line of output. */
export function refsLine(line: string): string {
  if (line.trim() === '') return '[]';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return JSON.stringify({ error: `not JSON: ${(err as Error).message}` });
  }
  if (typeof value !== 'string') return JSON.stringify({ error: 'each line must be a JSON string' });
  return JSON.stringify(extractRefs(value));
}

export async function runRefs(io: Out, jsonl: boolean): Promise<number> {
  const input = await readAll();
  if (!jsonl) {
    io.out(JSON.stringify(extractRefs(input), null, 2));
    return 0;
  }
  const lines = input.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  io.out(lines.map((l) => refsLine(l.replace(/\r$/, ''))).join('\n'));
  return 0;
}
