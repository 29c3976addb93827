// Shared plumbing of the commands: open a runtime for the command's duration and always close it.
import { createRuntime, type Runtime } from '../runtime.js';

export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, opts: { checkDb?: boolean } = {}): Promise<T> {
  const rt = await createRuntime({ checkDb: opts.checkDb });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
