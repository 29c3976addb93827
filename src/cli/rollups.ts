// `edocwatch rollups check [--json]` compares the rollups behind `stats` with the facts (exit 0
// when they agree, 1 with the differences when not); `edocwatch rollups rebuild` recomputes them.
import { checkRollups, rebuildRollups } from '../db/rollups.js';
import { json, withRuntime } from './context.js';
import type { Out } from './main.js';

export async function runRollupsCheck(io: Out, asJson: boolean): Promise<number> {
  return withRuntime(async (rt) => {
    const r = await checkRollups(rt.pool);
    const ok = r.differences.length === 0;
    if (asJson) io.out(json({ ok, ...r }));
    else if (ok)
      io.out(`khớp / in agreement: ${r.exchangeRows} exchange, ${r.messageRows} message and ${r.periodRows} period rollup rows equal the facts`);
    else {
      io.out(`KHÔNG KHỚP / DIFFERENT: ${r.differences.length} row(s) (first 50 shown); run \`edocwatch rollups rebuild\``);
      for (const d of r.differences) io.out(`  ${d.table}${d.counter ? `.${d.counter}` : ''} ${JSON.stringify(d.key)}: stored ${d.stored}, facts ${d.expected}`);
    }
    return ok ? 0 : 1;
  });
}

export async function runRollupsRebuild(io: Out): Promise<number> {
  return withRuntime(async (rt) => {
    const t0 = Date.now();
    const r = await rebuildRollups(rt.pool);
    const check = await checkRollups(rt.pool);
    io.out(`đã tính lại / rebuilt: ${r.exchangeRows} exchange, ${r.messageRows} message and ${r.periodRows} period rollup rows in ${Date.now() - t0} ms; ${check.differences.length === 0 ? 'in agreement with the facts' : `${check.differences.length} difference(s) remain (facts changed meanwhile?)`}`);
    return check.differences.length === 0 ? 0 : 1;
  });
}
