// `edocwatch sync [--mailbox ID]`: one pass, then a summary per mailbox; exit 0 only if every
// mailbox synced. A progress line on a TTY.
import Table from 'cli-table3';
import { runSyncPass } from '../pipeline/sync-pass.js';
import { withRuntime } from './context.js';
import type { Out } from './main.js';

export async function runSync(io: Out, o: { mailbox?: number; analyze?: boolean }): Promise<number> {
  return withRuntime(async (rt) => {
    const tty = process.stderr.isTTY;
    const results = await runSyncPass(rt, {
      mailboxId: o.mailbox,
      analyze: o.analyze !== false,
      onProgress: tty
        ? (p) => process.stderr.write(`\r${p.phase === 'sync' ? 'Đồng bộ / syncing' : 'Phân tích / analyzing'} ${p.done}/${p.total}   `)
        : undefined,
    });
    if (tty) process.stderr.write('\n');
    const t = new Table({ head: ['id', 'Cơ quan / agency', 'Tài khoản / user', 'Thư mới / new', 'Kết quả / result'] });
    for (const r of results) t.push([r.mailboxId, r.agency, r.user, r.newMessages, r.ok ? 'OK' : `LỖI / ERROR: ${r.error}`]);
    io.out(t.toString());
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      io.err(`edocwatch: ${failed.length} hộp thư lỗi / mailbox(es) failed: ${failed.map((f) => `${f.mailboxId}: ${f.error}`).join('; ')}`);
      return 1;
    }
    return 0;
  });
}
