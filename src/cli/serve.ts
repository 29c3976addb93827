// `edocwatch serve [--port N] [--host H]`: the dashboard, the API and the HTML report (docs/web.md)
// until SIGINT/SIGTERM. Redis is opened only when a page needs the queues (sync now, queue health).
import { buildApp } from '../http/app.js';
import { createRuntime } from '../runtime.js';
import { StatsCache } from '../http/stats-cache.js';
import type { Out } from './main.js';

export async function runServe(io: Out, o: { port: number; host: string }): Promise<number> {
  const rt = await createRuntime();
  // Period statistics and trends are kept in memory until a change is committed (migration 0012).
  const statsCache = new StatsCache(rt.config.databaseUrl, rt.log);
  await statsCache.begin();
  const app = buildApp(rt, { queues: () => rt.queues(), statsCache });
  try {
    const address = await app.listen({ port: o.port, host: o.host });
    io.err(`edocwatch serve: ${address}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    await app.close();
    await statsCache.close();
    await rt.close();
  }
}
