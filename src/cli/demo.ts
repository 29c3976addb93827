// `edocwatch demo`: the whole pipeline on generated sample mail, ending with a summary table and the
// quarter's report (HTML with charts, PDF, XLSX; see src/demo/run-demo.ts).
import Table from 'cli-table3';
import { tableStyle } from './context.js';
import { loadConfig } from '../config/config.js';
import { prepareDemo, storedFacts, syncDemo } from '../demo/run-demo.js';
import { compareWithTruth } from '../demo/accuracy.js';
import { periodStats } from '../report/stats.js';
import { writeReport } from './report.js';
import { formatKpi } from './stats.js';
import type { Out } from './main.js';

export async function runDemo(io: Out, o: { count: number; out: string; period?: string }): Promise<number> {
  const period = o.period ?? '2026-Q3';
  const started = Date.now();
  const say = (s: string) => io.err(s);
  const { rt, agencies, generated, truths } = await prepareDemo(loadConfig(), { count: o.count, out: o.out, period, log: say });
  try {
    say(`Đã nạp / appended ${generated} messages (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const t0 = Date.now();
    const results = await syncDemo(rt, say);
    say(`Đồng bộ + phân tích / sync + analysis: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const names = new Map(agencies.map((a) => [a.code, a.name]));
    const stats = await periodStats(rt.pool, rt.config, period);
    const t = new Table({ head: ['Cơ quan / agency', 'Thư mới / new', 'Gửi / sent', 'Nhận / received', 'K1', 'K4e', 'K5', 'K6'], ...tableStyle() });
    for (const r of results) {
      const k = stats.agencies[r.agency];
      const k7 = stats.k7.agencies[r.agency];
      t.push([
        names.get(r.agency) ?? r.agency,
        r.ok ? r.newMessages : `LỖI: ${r.error}`,
        k7?.sent ?? 0,
        k7?.received ?? 0,
        k ? formatKpi(k.K1) : '—',
        k ? formatKpi(k.K4e) : '—',
        k ? formatKpi(k.K5) : '—',
        k ? formatKpi(k.K6) : '—',
      ]);
    }
    io.out(t.toString());
    const m = stats.messages;
    io.out(`Kỳ / period ${period}: ${m.total} thư / messages (${Object.entries(m).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v}`).join(', ')}), ${stats.exchanges} lượt trao đổi / exchanges, ${stats.documents} văn bản / documents`);
    const p = new Table({ head: ['KPI', 'Toàn tỉnh / province'], ...tableStyle() });
    for (const [id, v] of Object.entries(stats.province)) p.push([id, formatKpi(v)]);
    io.out(p.toString());
    const agreement = compareWithTruth(truths, await storedFacts(rt));
    io.out(
      `Khớp với dữ liệu sinh / agreement with the generator's intent: ${agreement
        .map((a) => `${a.label} ${((100 * a.agree) / Math.max(1, a.total)).toFixed(1)}% (${a.agree}/${a.total})`)
        .join('; ')}`,
    );
    const report = await writeReport(rt, period, o.out);
    // One path on the report line (scripts read it), the PDF and XLSX on the next.
    io.out(`Báo cáo / report: ${report.files[0] ?? ''}`);
    io.out(`PDF, XLSX: ${report.files.slice(1, 3).join(', ')}`);
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    await rt.close();
  }
}
