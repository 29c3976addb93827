// `edocwatch import --mailbox ID PATH...`: exported archives (mbox, folders of .eml, Maildir) of
// mail no server holds any more, into the same pipeline as synced mail. Every path is checked
// before anything is written; then a summary per path: messages read, new, already known.
import Table from 'cli-table3';
import { getMailbox } from '../db/mailboxes.js';
import { NotFoundError, UsageError } from '../errors.js';
import { runImport } from '../importer/import.js';
import { detectArchive, type ArchiveKind } from '../importer/sources.js';
import { withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

export async function runImportCommand(io: Out, o: { mailbox: number }, paths: string[]): Promise<number> {
  if (paths.length === 0) throw new UsageError('cần ít nhất một đường dẫn / at least one PATH is needed');
  return withRuntime(async (rt) => {
    const mb = await getMailbox(rt.pool, o.mailbox);
    if (!mb) throw new NotFoundError(`không có hộp thư / no mailbox with id ${o.mailbox}`);
    const archives: Array<{ path: string; kind: ArchiveKind }> = [];
    for (const p of paths) archives.push({ path: p, kind: await detectArchive(p) });
    const tty = process.stderr.isTTY;
    const results = await runImport(rt, mb.id, archives, {
      onProgress: tty
        ? (p) => process.stderr.write(`\r${p.phase === 'import' ? `Nhập / importing ${p.path ?? ''}: ${p.done}` : `Phân tích / analyzing ${p.done}/${p.total}`}   `)
        : undefined,
    });
    if (tty) process.stderr.write('\n');
    const t = new Table({ head: ['Đường dẫn / path', 'Loại / kind', 'Thư mục / folder', 'Đã đọc / read', 'Mới / new', 'Đã có / already known', 'Quá cỡ / over limit'], ...tableStyle() });
    for (const r of results) t.push([r.path, r.kind, r.folders.join('\n') || '—', r.read, r.new, r.known, r.overLimit]);
    io.out(t.toString());
    return 0;
  }, { queues: true });
}
