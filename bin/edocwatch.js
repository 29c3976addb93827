#!/usr/bin/env node
// The edocwatch command: a thin launcher for the compiled CLI (npm run build writes dist/).
//
// CommonJS on purpose (bin/package.json), so that it runs before any ES module is read: libuv sizes
// its thread pool at the first asynchronous file operation (reading an ES module is one) and keeps
// that size for the life of the process. The raw store's writes and fsyncs run on that pool (a
// fetched batch's messages are written into the pack side by side, then fsync'd once), as do the
// analysis' file reads; 16 threads keep them from queuing behind each other (docs/benchmarks.md,
// "Sync stage"). An explicit setting wins.
process.env.UV_THREADPOOL_SIZE ??= '16';

import('../dist/src/cli/main.js')
  .then(({ main }) => main(process.argv))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`edocwatch: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
