// `edocwatch reanalyze [--mailbox ID] [--since DAY] [--all]`: analyzes stored raw messages again
// (src/jobs/reanalyze.ts) after a rule or directory change, with progress on a TTY and a summary of
// what changed.
import { getMailbox } from '../db/mailboxes.js';
import { VN_UTC_OFFSET_MS } from '../domain/period.js';
import { NotFoundError, UsageError } from '../errors.js';
import { reanalyze } from '../jobs/reanalyze.js';
import { json, withRuntime } from './context.js';
import type { Out } from './main.js';
import { parseDay } from './sync.js';

/** The local (Asia/Ho_Chi_Minh) midnight starting DAY. */
function localDayStart(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) - VN_UTC_OFFSET_MS);
}

export async function runReanalyze(io: Out, o: { mailbox?: number; since?: string; all?: boolean; json?: boolean }): Promise<number> {
  const since = parseDay('--since', o.since);
  if (o.mailbox === undefined && since === undefined && !o.all) {
    throw new UsageError('cần --mailbox, --since hoặc --all / say what to re-analyze: --mailbox ID, --since YYYY-MM-DD, or --all for every stored message');
  }
  return withRuntime(async (rt) => {
    if (o.mailbox !== undefined && !(await getMailbox(rt.pool, o.mailbox))) throw new NotFoundError(`không có hộp thư / no mailbox with id ${o.mailbox}`);
    const tty = process.stderr.isTTY === true && !o.json;
    const t0 = Date.now();
    const s = await reanalyze(rt, {
      mailboxId: o.mailbox,
      since: since ? localDayStart(since) : undefined,
      concurrency: Math.max(1, Math.min(rt.config.analyze.concurrency, 4)),
      onProgress: tty ? (p) => void process.stderr.write(`\rPhân tích lại / re-analyzing ${p.done}/${p.total}`) : undefined,
    });
    if (tty) process.stderr.write('\n');
    if (o.json) {
      io.out(json({ ...s, ms: Date.now() - t0 }));
    } else {
      const changes = Object.entries(s.labelChanges).filter(([, n]) => n > 0).map(([l, n]) => `${l} ${n}`).join(', ') || 'không / none';
      io.out(
        [
          `đã phân tích lại ${s.messages} thư / re-analyzed ${s.messages} messages in ${Date.now() - t0} ms (${Object.entries(s.byState).map(([k, n]) => `${k} ${n}`).join(', ') || '—'})`,
          `lượt trao đổi / exchanges: ${s.exchanges.changed} đổi nhãn / relabeled, ${s.exchanges.added} mới / new, ${s.exchanges.removed} bỏ / removed` +
            (s.exchanges.keptForOverride ? `, ${s.exchanges.keptForOverride} giữ vì đã sửa tay / kept for their override` : ''),
          `nhãn thay đổi / labels changed: ${changes}`,
          `sửa đổi còn hiệu lực / overrides kept; ${s.overridesRefreshed} lượt có nhãn hiệu lực đổi / exchanges with overrides re-resolved`,
        ].join('\n'),
      );
      for (const f of s.failed) io.err(`  thư / message ${f.id}: ${f.reason}`);
    }
    return s.failed.length === 0 ? 0 : 1;
  }, { queues: true });
}
