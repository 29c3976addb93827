#!/usr/bin/env node
// The edocwatch command: a thin launcher for the compiled CLI (npm run build writes dist/).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`edocwatch: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
