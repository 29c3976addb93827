// Prometheus metrics of a worker process (`edocwatch worker`, workers/*.js), served on
// `worker_metrics.port` when it is set: jobs finished per queue and outcome, how long they took,
// and the Node process's own metrics (memory, CPU, event loop). What the workers wrote lives in
// Postgres and is exported by `serve`'s /metrics; this is the workers' own health. The only I/O is
// the small HTTP listener; the counts come from BullMQ's worker events.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job, Worker } from 'bullmq';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Job durations, seconds: a sync of a quiet mailbox is well under a second, a backfill minutes. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

export interface WorkerMetrics {
  registry: Registry;
  /** Counts the jobs a BullMQ worker finishes (completed, and each failed attempt). */
  observe(worker: Pick<Worker, 'name' | 'on'>): void;
}

export function workerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'edocwatch_' });
  const jobs = new Counter({
    name: 'edocwatch_worker_jobs_total',
    help: 'Jobs finished by this worker process, per queue and outcome (failed counts each failed attempt; retries follow).',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'edocwatch_worker_job_duration_seconds',
    help: 'Time from a job being taken to its end, per queue and outcome.',
    labelNames: ['queue', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const record = (queue: string, outcome: 'completed' | 'failed', job: Job | undefined) => {
    jobs.inc({ queue, outcome });
    if (job?.processedOn && job.finishedOn && job.finishedOn >= job.processedOn) duration.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
  };
  return {
    registry,
    observe(worker) {
      // Known before the first job, so a dashboard shows 0 rather than no series.
      for (const outcome of ['completed', 'failed'] as const) jobs.inc({ queue: worker.name, outcome }, 0);
      worker.on('completed', (job: Job) => record(worker.name, 'completed', job));
      worker.on('failed', (job: Job | undefined) => record(worker.name, 'failed', job));
    },
  };
}

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics of the registry on host:port (port 0: any free port); anything else is 404. */
export async function serveWorkerMetrics(registry: Registry, port: number, host: string): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
