// `edocwatch store verify [--json]`: reads back every object of the raw store through its index
// and checks it (src/store/verify.ts). Exit 0 when every object is whole; 1 (E_RAW_CORRUPT) with
// the damaged objects and the messages whose mail they hold when not. A progress line on a TTY.
import { verifyStore } from '../store/verify.js';
import { json, withRuntime } from './context.js';
import type { Out } from './main.js';

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

export async function runStoreVerify(io: Out, asJson: boolean): Promise<number> {
  return withRuntime(async (rt) => {
    const tty = process.stderr.isTTY && !asJson;
    const r = await verifyStore(rt.store, rt.pool, tty ? (done, total) => process.stderr.write(`\rkiểm tra / verifying ${done}/${total}\x1b[K`) : undefined);
    if (tty) process.stderr.write('\r\x1b[K');
    const ok = r.damagedCount === 0;
    if (asJson) {
      io.out(json({ ok, ...r }));
      return ok ? 0 : 1;
    }
    const extra = `${r.packs} pack file(s), ${mb(r.packBytes)}; ${mb(r.unreferencedBytes)} that no index row points at${r.unindexedPacks.length > 0 ? ` (${r.unindexedPacks.length} pack(s) with none: a crashed batch's, or a sync still writing)` : ''}`;
    if (ok) {
      io.out(`nguyên vẹn / intact: ${r.objects} object(s), ${mb(r.bytes)} of mail (${r.packedObjects} in packs, ${r.objects - r.packedObjects} in the old file-per-message layout) read back and matching their sha256; ${extra}`);
      return 0;
    }
    if (r.packs === 0 && r.packedObjects > 0) io.out(`(không có tệp gói nào / no pack file under ${rt.store.packDir}: is RAW_STORE the store these rows were written to?)`);
    io.out(`HỎNG / DAMAGED: ${r.damagedCount} of ${r.objects} object(s) cannot be served${r.damagedCount > r.damaged.length ? ` (first ${r.damaged.length} listed)` : ''}; sync or import their mail again, or restore the raw store from backup. ${extra}`);
    for (const d of r.damaged) io.out(`  ${d.sha256}  ${d.where}: ${d.why}; message(s) ${d.messages.length > 0 ? d.messages.join(', ') : 'none'}`);
    return 1;
  });
}
