// `edocwatch status [--json]`: mailboxes (last sync, lag, last error), messages by terminal state,
// queue depths. Works without Redis (queue depths are then null, with the reason).
import Table from 'cli-table3';
import { listMailboxes } from '../db/mailboxes.js';
import { messageTotals } from '../db/stats.js';
import { checkRedis } from '../queue/workers.js';
import { QUEUE_NAMES } from '../queue/queues.js';
import { json, withRuntime, tableStyle } from './context.js';
import { mailboxJson } from './mailbox.js';
import type { Out } from './main.js';

export async function runStatus(io: Out, asJson: boolean): Promise<number> {
  return withRuntime(async (rt) => {
    const mailboxes = (await listMailboxes(rt.pool)).map((m) => mailboxJson(m));
    const totals = await messageTotals(rt.pool, null, null);
    let queues: Record<string, Record<string, number>> | null = null;
    let queueError: string | null = null;
    try {
      await checkRedis(rt);
      const q = rt.queues();
      queues = {};
      for (const name of QUEUE_NAMES) queues[name] = await q[name].getJobCounts('waiting', 'active', 'delayed', 'failed');
    } catch (err) {
      queueError = (err as Error).message;
    }
    const status = {
      mailboxes,
      messages: { total: totals.total, ...totals.byState },
      exchanges: totals.exchanges,
      documents: totals.documents,
      queues,
      queue_error: queueError,
    };
    if (asJson) {
      io.out(json(status));
      return 0;
    }
    const t = new Table({ head: ['id', 'Cơ quan / agency', 'Tài khoản / user', 'Đồng bộ / last sync', 'Trễ / lag (s)', 'Lỗi / last error'], ...tableStyle() });
    for (const m of mailboxes) t.push([m.id, m.agency, m.user, m.last_sync ?? '—', m.lag_seconds ?? '—', m.last_error ?? '']);
    io.out(t.toString());
    io.out(`Thư / messages: ${totals.total} — ${Object.entries(totals.byState).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    io.out(`Lượt trao đổi / exchanges: ${totals.exchanges}; văn bản / documents: ${totals.documents}`);
    if (queues) io.out(`Hàng đợi / queues: ${Object.entries(queues).map(([k, c]) => `${k} ${JSON.stringify(c)}`).join('; ')}`);
    else io.out(`Hàng đợi / queues: không đọc được / unavailable (${queueError})`);
    return 0;
  }, { queues: true });
}
