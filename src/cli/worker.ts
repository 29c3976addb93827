// `edocwatch worker [--queues sync,analyze]`: long-running workers (src/queue/run-workers.ts).
import { parseQueues, runWorkersUntilSignal } from '../queue/run-workers.js';
import type { Out } from './main.js';

export async function runWorker(io: Out, list: string): Promise<number> {
  return runWorkersUntilSignal(parseQueues(list), io.err);
}
