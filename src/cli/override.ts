// `edocwatch override set|remove|list|history`: an administrator's corrections of an exchange's
// labels and links (src/db/overrides.ts, the same functions the HTTP API calls).
import os from 'node:os';
import Table from 'cli-table3';
import { listOverrides, overrideAudit, removeOverride, setOverride, type OverrideChange } from '../db/overrides.js';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

/** Who makes the change: --by, else EDOCWATCH_ACTOR, else the OS user. */
export function actorOf(by: string | undefined): string {
  if (by !== undefined) return by;
  if (process.env.EDOCWATCH_ACTOR) return process.env.EDOCWATCH_ACTOR;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function describe(c: OverrideChange): string[] {
  return Object.keys(c.after).map((k) => `  ${k}: ${JSON.stringify(c.before[k])} → ${JSON.stringify(c.after[k])}`);
}

export async function runOverrideSet(
  io: Out,
  o: { exchange: number; label: string; value: string; reason: string; by?: string; json?: boolean },
): Promise<number> {
  return withRuntime(async (rt) => {
    const c = await setOverride(rt.pool, await rt.directory.get(), { exchangeId: o.exchange, label: o.label, value: o.value, reason: o.reason, by: actorOf(o.by) });
    if (o.json) io.out(json(c));
    else io.out([`đã sửa / override #${c.override.id} set on exchange ${c.override.exchangeId} (${c.override.label} = ${c.override.value}) by ${c.override.by}`, ...describe(c)].join('\n'));
    return 0;
  });
}

export async function runOverrideRemove(io: Out, id: number, o: { reason: string; by?: string; json?: boolean }): Promise<number> {
  return withRuntime(async (rt) => {
    const c = await removeOverride(rt.pool, await rt.directory.get(), { id, reason: o.reason, by: actorOf(o.by) });
    if (o.json) io.out(json(c));
    else io.out([`đã gỡ / override #${id} removed from exchange ${c.override.exchangeId} (${c.override.label})`, ...describe(c)].join('\n'));
    return 0;
  });
}

export async function runOverrideList(io: Out, o: { exchange?: number; all?: boolean; json?: boolean }): Promise<number> {
  return withRuntime(async (rt) => {
    const list = await listOverrides(rt.pool, { exchangeId: o.exchange, all: o.all });
    if (o.json) {
      io.out(json(list));
      return 0;
    }
    if (list.length === 0) {
      io.out('không có sửa đổi nào / no overrides');
      return 0;
    }
    const t = new Table({ head: ['#', 'Lượt / exchange', 'Nhãn / label', 'Giá trị / value', 'Người sửa / by', 'Lúc / at', 'Lý do / reason', 'Gỡ / removed'], ...tableStyle() });
    for (const r of list) t.push([r.id, r.exchangeId, r.label, r.value, r.by, r.at, r.reason, r.removedAt ? `${r.removedAt} (${r.removedBy ?? ''})` : '']);
    io.out(t.toString());
    return 0;
  });
}

export async function runOverrideHistory(io: Out, o: { exchange?: number; json?: boolean }): Promise<number> {
  return withRuntime(async (rt) => {
    const list = await overrideAudit(rt.pool, { exchangeId: o.exchange });
    if (o.json) {
      io.out(json(list));
      return 0;
    }
    if (list.length === 0) {
      io.out('nhật ký trống / the audit trail is empty');
      return 0;
    }
    const t = new Table({ head: ['#', 'Lúc / at', 'Người / actor', 'Việc / action', 'Lượt / exchange', 'Trước / before', 'Sau / after', 'Lý do / reason'], ...tableStyle() });
    for (const a of list) t.push([a.id, a.at, a.actor, `${a.action} ${a.label} (#${a.overrideId})`, a.exchangeId, JSON.stringify(a.before), JSON.stringify(a.after), a.reason]);
    io.out(t.toString());
    return 0;
  });
}
