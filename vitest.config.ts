import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests share one Postgres server, one Redis and one Dovecot; each file uses its own
    // database, queue prefix and IMAP users (restart tests their own private servers), so files
    // may run in parallel. Vitest's default (one worker fewer than the cores) ran them one at a
    // time on two cores: 655 s on 2026-11-26, against 389 s with two workers — most files wait on
    // servers, timers and child processes far more than they compute.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
  },
});
