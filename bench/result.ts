// The line a bench child process prints with its result, and the helpers each child stage uses.
// Kept free of heavy imports: bench/imap-fetch.ts runs as its own light child.

export interface StageResult {
  messages: number;
  bytes: number;
  seconds: number;
  extra?: Record<string, number | string>;
}

export const RESULT_MARK = 'BENCH_RESULT ';

export function printResult(r: StageResult): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(r)}\n`);
}

/** A required environment variable of a child stage. */
export function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`bench stage: ${name} is not set`);
  return v;
}

/** Monotonic seconds. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/**
 * The database each contender run re-creates: edocwatch_bench, or edocwatch_bench_<suffix> with
 * EDOCWATCH_TEST_SUFFIX (as the tests do), so two checkouts benchmarking on one machine never drop
 * each other's database.
 */
export const BENCH_DB = (() => {
  const suffix = (process.env['EDOCWATCH_TEST_SUFFIX'] ?? '').replace(/[^a-z0-9_]/gi, '').toLowerCase();
  return suffix ? `edocwatch_bench_${suffix}` : 'edocwatch_bench';
})();
