// `edocwatch worker [--queues sync,analyze,report]`: long-running workers until SIGINT/SIGTERM, then
// a graceful shutdown (running jobs finish, nothing new is taken).
import { UsageError } from '../errors.js';
import { QUEUE_NAMES, type QueueName } from '../queue/queues.js';
import { checkRedis, startWorkers } from '../queue/workers.js';
import { createRuntime } from '../runtime.js';
import type { Out } from './main.js';

export function parseQueues(list: string): QueueName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(QUEUE_NAMES as readonly string[]).includes(n));
  if (bad.length || names.length === 0)
    throw new UsageError(`--queues: unknown queue ${bad.join(', ') || '(none)'}; choose from ${QUEUE_NAMES.join(', ')}`);
  return names as QueueName[];
}

export async function runWorker(io: Out, list: string): Promise<number> {
  const names = parseQueues(list);
  const rt = await createRuntime();
  try {
    await checkRedis(rt);
    const set = startWorkers(rt, names);
    rt.log.info({ queues: names }, 'workers started');
    io.err(`edocwatch worker: ${names.join(', ')} — Ctrl-C để dừng / to stop`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    rt.log.info('stopping workers');
    await set.close();
    return 0;
  } finally {
    await rt.close();
  }
}
