// Shared plumbing of the commands: open a runtime for the command's duration and always close it.
import { createRuntime, type Runtime } from '../runtime.js';

/** A command queues jobs only with `queues: true` (else BullMQ is not even loaded: see createRuntime). */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, opts: { checkDb?: boolean; queues?: boolean } = {}): Promise<T> {
  const rt = await createRuntime({ checkDb: opts.checkDb, queues: opts.queues ?? false });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * cli-table3 options: colours on a terminal only. Piped or redirected output stays plain text, and
 * does not pay for loading the colour library (50–150 ms, more than a short command's own work).
 */
export function tableStyle(): { style?: { head: string[]; border: string[] } } {
  return process.stdout.isTTY ? {} : { style: { head: [], border: [] } };
}
