// A long-running worker process: the given queues' workers until SIGINT/SIGTERM, then a graceful
// shutdown (running jobs finish, nothing new is taken). Shared by `edocwatch worker` and the
// per-queue entry points in workers/.
import { ConfigError } from '../config/config.js';
import { EdocError, UsageError } from '../errors.js';
import { createRuntime } from '../runtime.js';
import { QUEUE_NAMES, type QueueName } from './queues.js';
import { checkRedis, startWorkers } from './workers.js';
import { serveWorkerMetrics, workerMetrics, type MetricsListener } from './worker-metrics.js';
import { IdleWatchers, requeueUnfinished, schedulePolls } from './schedule.js';
import { scheduleReports } from '../report/schedule.js';

export function parseQueues(list: string): QueueName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(QUEUE_NAMES as readonly string[]).includes(n));
  if (bad.length || names.length === 0)
    throw new UsageError(`--queues: unknown queue ${bad.join(', ') || '(none)'}; choose from ${QUEUE_NAMES.join(', ')}`);
  return names as QueueName[];
}

export async function runWorkersUntilSignal(names: QueueName[], say: (s: string) => void = () => undefined): Promise<number> {
  const rt = await createRuntime();
  try {
    await checkRedis(rt);
    // A process that analyzes loads the analysis code (and pdfjs) now, not on its first message:
    // `sync` and web processes never load it (src/queue/workers.ts imports it lazily).
    if (names.includes('analyze')) {
      await (await import('../jobs/analyze.js')).preloadAnalysis();
      // Facts of attachments that older (or newer) analysis code made, a day after the upgrade.
      const { pruneSharedFacts } = await import('../db/attachment-facts.js');
      const pruned = await pruneSharedFacts(rt.pool).catch((err: Error) => {
        rt.log.warn({ err: err.message }, 'shared attachment facts: pruning failed');
        return 0;
      });
      if (pruned > 0) rt.log.info({ pruned }, 'shared attachment facts of other analysis code removed');
    }
    const set = startWorkers(rt, names);
    let metrics: MetricsListener | null = null;
    const { port, host } = rt.config.workerMetrics;
    if (port !== null) {
      const m = workerMetrics();
      for (const w of set.workers) m.observe(w);
      try {
        metrics = await serveWorkerMetrics(m.registry, port, host);
      } catch (err) {
        await set.close();
        throw new ConfigError([`worker_metrics.port (EDOCWATCH_WORKER_METRICS_PORT): cannot listen on ${host}:${port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
      }
      rt.log.info({ host, port: metrics.port }, 'worker metrics at /metrics');
    }
    rt.log.info({ queues: names }, 'workers started');
    // Re-derive the work from Postgres: poll schedules for the mailboxes, jobs for unfinished messages.
    const idle = names.includes('sync') && rt.config.sync.idle ? new IdleWatchers(rt) : null;
    const rederive = async (atStart: boolean) => {
      if (names.includes('sync')) await schedulePolls(rt, atStart);
      if (idle) await idle.refresh();
      if (names.includes('analyze')) await requeueUnfinished(rt, atStart);
      if (names.includes('report') && atStart) await scheduleReports(rt);
    };
    await rederive(true);
    const timer = setInterval(() => void rederive(false).catch((err: Error) => rt.log.error({ err: err.message }, 're-deriving work failed')), 60_000);
    say(`edocwatch worker: ${names.join(', ')} — Ctrl-C để dừng / to stop`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    rt.log.info('stopping workers');
    clearInterval(timer);
    await idle?.stop();
    await set.close();
    await metrics?.close();
    return 0;
  } finally {
    await rt.close();
  }
}

/** Entry used by workers/*.ts: one line on stderr and an exit code, never a stack trace. */
export function workerMain(names: QueueName[]): void {
  runWorkersUntilSignal(names, (s) => process.stderr.write(`${s}\n`)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`edocwatch: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = err instanceof EdocError ? err.exitCode : 1;
    },
  );
}
