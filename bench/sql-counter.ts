// Preloaded into the pipeline's processes by `npm run bench -- --profile` (node --import): counts
// every SQL statement sent through pg (one round trip each) by its first keyword, and writes the
// counts to $BENCH_SQL_DIR/sql-<pid>.json at exit. Changes nothing else about the process.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const counts: Record<string, number> = {};
type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
const proto = pg.Client.prototype as unknown as { query: QueryFn };
const original = proto.query;
proto.query = function (this: pg.Client, ...args: unknown[]): unknown {
  const first = args[0];
  const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first ? String((first as { text: unknown }).text) : '';
  const verb = (/^\s*(\w+)/.exec(text)?.[1] ?? 'other').toUpperCase();
  counts[verb] = (counts[verb] ?? 0) + 1;
  return original.apply(this, args);
};

process.on('exit', () => {
  const dir = process.env['BENCH_SQL_DIR'];
  if (!dir) return;
  try {
    writeFileSync(path.join(dir, `sql-${process.pid}.json`), JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), counts }));
  } catch {
    // best effort: the benchmark reports the counts as missing
  }
});
