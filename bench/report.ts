// The report section of `npm run bench -- --only report` (`npm run bench:report`, issue 6): the
// province-wide report of a province of ~300 agencies (the statistics section's generated province:
// every level, ~4,000 accounts, mail over 2024–2026), built by the real command
// (`edocwatch report build --period 2026-Q3`) in a child process measured for wall time and peak RSS,
// several times; then, in this process, where the time goes (statistics and trend from the rollups,
// model, charts, PDF, XLSX, archive) and the size of the email `report send` would send (HTML with
// inline charts, PDF and XLSX attached), composed by nodemailer without sending it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { PDFDocument } from 'pdf-lib';
import { loadConfig } from '../src/config/config.js';
import { getReportFiles } from '../src/db/report-archive.js';
import { historyTables, renderReport, reportModel } from '../src/report/build.js';
import { renderCharts } from '../src/report/chart.js';
import { renderReportPdf } from '../src/report/pdf.js';
import { periodStats } from '../src/report/stats.js';
import { renderReportXlsx } from '../src/report/xlsx.js';
import { reportBaseName, reportMessage, reportSubject } from '../src/report/send.js';
import { BenchError, measured, ROOT, say, type SectionResult, type StageFigures } from './common.js';
import { AGENCY_COUNT, datasetDbName, dropDataset, openDataset } from './dataset.js';

const PERIOD = '2026-Q3';

export interface ReportBenchOptions {
  messages: number;
  runs: number;
  keepDb: boolean;
  useTime: boolean;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

export async function runReportSection(o: ReportBenchOptions): Promise<SectionResult> {
  say(`report: database ${datasetDbName(o.messages)} (bench/dataset.ts, shared with the stats and API sections), ${o.messages.toLocaleString('en')} messages of ${AGENCY_COUNT} agencies ...`);
  const { pool, url: dbUrl, generated: g } = await openDataset(o.messages);
  const url = { db: dbUrl };
  const out = await mkdtemp(path.join(os.tmpdir(), 'edocwatch-bench-report-'));
  try {
    say(`report: ${g.messages} messages, ${g.exchanges} exchanges${g.reused ? ' (kept database reused)' : ` in ${g.generateS.toFixed(0)} s`}`);
    // The generated directory's Provincial PC is "Cơ quan 0": the date line's place is set.
    const settings = path.join(out, 'report-bench.yaml');
    // The generated mail has no internal documents (no K1): agencies are ranked by K6, which every one has.
    await writeFile(settings, 'reports:\n  place: "Sơn Minh"\n  rank_by: K6\n');
    const env = { ...process.env, DATABASE_URL: url.db, LOG_LEVEL: 'warn', EDOCWATCH_CONFIG: settings };

    // The command, as an operator runs it: a fresh process each time (config, fonts, pool, archive).
    const runs: Array<{ wallS: number; peakRssMb: number; cpuS: number }> = [];
    for (let i = 0; i < o.runs; i++) {
      const { run } = await measured(process.execPath, [path.join(ROOT, 'bin', 'edocwatch.js'), 'report', 'build', '--period', PERIOD, '--out', path.join(out, `run-${i}`), '--json'], { env, timeoutMs: 600_000, useTime: o.useTime });
      if (run.code !== 0) throw new BenchError(`report build failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
      runs.push({ wallS: run.wallS, peakRssMb: run.stats.peakRssMb, cpuS: run.stats.userS + run.stats.sysS });
      say(`report: build ${i + 1}/${o.runs}: ${run.wallS.toFixed(2)} s, peak RSS ${run.stats.peakRssMb.toFixed(0)} MB`);
    }

    // Where the time goes, in this process (fonts and glyphs already warm after the first pass).
    const config = { ...loadConfig(env), databaseUrl: url.db };
    const parts: Record<string, number> = {};
    let t = process.hrtime.bigint();
    const stats = await periodStats(pool, config, PERIOD);
    parts.statsMs = ms(t);
    t = process.hrtime.bigint();
    await historyTables(pool, config, PERIOD);
    parts.trendMs = ms(t);
    t = process.hrtime.bigint();
    const { model } = await reportModel({ pool, config }, PERIOD, { preview: true, builtBy: 'bench' });
    parts.readAndModelMs = ms(t);
    t = process.hrtime.bigint();
    const charts = await renderCharts(model.charts, model.lang);
    parts.chartsMs = ms(t);
    t = process.hrtime.bigint();
    const pdf = await renderReportPdf(model, charts);
    parts.pdfMs = ms(t);
    t = process.hrtime.bigint();
    const xlsx = await renderReportXlsx(model);
    parts.xlsxMs = ms(t);
    t = process.hrtime.bigint();
    await renderReport(model);
    parts.renderAllWarmMs = ms(t);

    // The email of the last build, composed as `report send` composes it.
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM report_builds ORDER BY id DESC LIMIT 1`);
    const files = await getReportFiles(pool, Number(rows[0]?.id));
    const msg = reportMessage(files, reportBaseName(PERIOD, 'province'));
    const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = (await composer.sendMail({ from: 'baocao@example.gov.vn', to: 'lanhdao@example.gov.vn', subject: reportSubject(PERIOD, null), ...msg })) as unknown as { message: Buffer };
    const size = (role: string) => files.filter((f) => f.role === role).reduce((s, f) => s + f.content.length, 0);
    const sizes = { emailBytes: info.message.length, htmlBytes: size('html'), chartBytes: size('chart'), charts: files.filter((f) => f.role === 'chart').length, pdfBytes: size('pdf'), xlsxBytes: size('xlsx'), pdfPages: (await PDFDocument.load(pdf)).getPageCount() };
    void stats;
    void xlsx;

    const wall = median(runs.map((r) => r.wallS));
    const peak = Math.max(...runs.map((r) => r.peakRssMb));
    const row: StageFigures = { stage: `report build ${PERIOD} (province, ${model.agencies.length} agencies)`, messages: g.messages, seconds: wall, msgPerS: g.messages / wall, mbPerS: 0, peakRssMb: peak, cpuS: median(runs.map((r) => r.cpuS)), busyCores: 0, note: `median of ${o.runs}` };
    const kb = (b: number) => `${(b / 1024).toFixed(0)} kB`;
    const lines = [
      '',
      `${g.messages.toLocaleString('en')} messages, ${g.exchanges.toLocaleString('en')} exchanges, ${AGENCY_COUNT} agencies (${model.agencies.length} with figures in ${PERIOD}, ${model.belowTarget.length} below target), ${g.accounts} accounts`,
      `report build: ${runs.map((r) => `${r.wallS.toFixed(2)} s / ${r.peakRssMb.toFixed(0)} MB`).join(', ')} (wall / peak RSS per run)`,
      `in-process: statistics ${parts.statsMs?.toFixed(0)} ms, trend (7 earlier quarters) ${parts.trendMs?.toFixed(0)} ms, read + model ${parts.readAndModelMs?.toFixed(0)} ms, ${sizes.charts} charts ${parts.chartsMs?.toFixed(0)} ms, PDF ${parts.pdfMs?.toFixed(0)} ms (${sizes.pdfPages} pages), XLSX ${parts.xlsxMs?.toFixed(0)} ms; all formats again (warm) ${parts.renderAllWarmMs?.toFixed(0)} ms`,
      `email: ${kb(sizes.emailBytes)} (HTML ${kb(sizes.htmlBytes)}, ${sizes.charts} charts ${kb(sizes.chartBytes)}, PDF ${kb(sizes.pdfBytes)}, XLSX ${kb(sizes.xlsxBytes)}; base64 adds a third to the attachments)`,
    ];
    return { title: 'report: the province report (issue 6)', rows: [row], lines, json: { generated: g, runs, parts, sizes, agencies: model.agencies.length } };
  } finally {
    await pool.end();
    await rm(out, { recursive: true, force: true });
    if (!o.keepDb) await dropDataset(o.messages);
  }
}
