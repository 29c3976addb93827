// `edocwatch sync [--mailbox ID]`: one pass, then a summary per mailbox; exit 0 only if every
// mailbox synced. A progress line on a TTY.
import Table from 'cli-table3';
import { UsageError } from '../errors.js';
import { runSyncPass, type PassProgress } from '../pipeline/sync-pass.js';
import { withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD day that exists, else a usage error naming the option. Pure. */
export function parseDay(option: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = DAY_RE.exec(v);
  const d = m ? new Date(`${v}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v)
    throw new UsageError(`${option} phải là ngày YYYY-MM-DD / must be a day as YYYY-MM-DD (got ${JSON.stringify(v)})`);
  return v;
}

/** The backfill range of --since/--before, checked; undefined for an incremental pass. Pure. */
export function backfillOf(o: { since?: string; before?: string }): { since?: string; before?: string } | undefined {
  const since = parseDay('--since', o.since);
  const before = parseDay('--before', o.before);
  if (since === undefined && before === undefined) return undefined;
  if (since !== undefined && before !== undefined && since >= before)
    throw new UsageError(`--since phải trước --before / --since must be before --before (${since} >= ${before})`);
  return { since, before };
}

/** One progress line: the phase, and a bar when the total is known. Pure. */
export function progressLine(p: PassProgress, width = 30): string {
  const name = p.phase === 'sync' ? 'Hộp thư / mailboxes' : p.phase === 'fetch' ? `Tải / fetching ${p.folder ?? ''}`.trimEnd() : 'Phân tích / analyzing';
  const share = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(share * width);
  return `${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}`;
}

export async function runSync(io: Out, o: { mailbox?: number; analyze?: boolean; since?: string; before?: string }): Promise<number> {
  const backfill = backfillOf(o);
  return withRuntime(async (rt) => {
    const tty = process.stderr.isTTY;
    const results = await runSyncPass(rt, {
      mailboxId: o.mailbox,
      analyze: o.analyze !== false,
      backfill,
      onProgress: tty ? (p) => process.stderr.write(`\r${progressLine(p)}\x1b[K`) : undefined,
    });
    if (tty) process.stderr.write('\n');
    const t = new Table({ head: ['id', 'Cơ quan / agency', 'Tài khoản / user', 'Thư mới / new', 'Kết quả / result'], ...tableStyle() });
    for (const r of results) t.push([r.mailboxId, r.agency, r.user, r.newMessages, r.ok ? 'OK' : `LỖI / ERROR: ${r.error}`]);
    io.out(t.toString());
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      io.err(`edocwatch: ${failed.length} hộp thư lỗi / mailbox(es) failed: ${failed.map((f) => `${f.mailboxId}: ${f.error}`).join('; ')}`);
      return 1;
    }
    return 0;
  }, { queues: true });
}
