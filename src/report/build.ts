// Building a report: read the period's statistics and the trend's earlier periods (rollups only),
// resolve the issuing body, number, place and language from the configuration and the directory,
// build the model (model.ts, pure), render the charts, HTML, text, PDF and XLSX, and keep it all in
// the archive (src/db/report-archive.ts). Used by `report build`, `report send`, the scheduled job
// and the web app alike, so every report sent is one that can be downloaded again.
import type { Config } from '../config/config.js';
import { listAgencies } from '../db/agencies.js';
import type { Pool, Queryable } from '../db/pool.js';
import { allocateReportNumber, insertReportBuild, peekReportNumber, type ReportFile } from '../db/report-archive.js';
import { accountCounts, exchangeCounts } from '../db/stats.js';
import { computeKpis, type Targets } from '../domain/kpi.js';
import { parsePeriod } from '../domain/period.js';
import { trendPeriods } from '../domain/ranking.js';
import type { Agency } from '../domain/types.js';
import { EdocError, UsageError } from '../errors.js';
import { renderCharts, type ChartImage } from './chart.js';
import { issuerSymbol, localDate, type ReportLang } from './format.js';
import { renderReportHtml, renderReportText, type ImageRef } from './html.js';
import { buildReportModel, formatReportNumber, type KpiTables, type ReportModel, type ReportSettings } from './model.js';
import { renderReportPdf } from './pdf.js';
import { periodStats } from './stats.js';
import { renderReportXlsx } from './xlsx.js';

/** The report's settings are wrong for this directory (exit 2): an unknown issuer, no place. */
export class ReportConfigError extends EdocError {
  constructor(message: string) {
    super('E_REPORT_CONFIG', `cấu hình báo cáo không hợp lệ / invalid report settings: ${message}`, 2);
  }
}

/** Quarters (8) or years (5) drawn in the trend charts, the period itself included. */
export function trendLength(periodId: string): number {
  return parsePeriod(periodId).quarter === null ? 5 : 8;
}

/** The KPI tables of the trend's earlier periods, from the rollups, scoped like periodStats. */
export async function historyTables(db: Queryable, config: Pick<Config, 'targets'>, periodId: string, agency?: string): Promise<Record<string, KpiTables>> {
  const ids = trendPeriods(periodId, trendLength(periodId)).filter((p) => p !== parsePeriod(periodId).id);
  const out: Record<string, KpiTables> = {};
  for (const id of ids) {
    const p = parsePeriod(id);
    let [rows, accounts] = await Promise.all([exchangeCounts(db, p.start, p.end), accountCounts(db, p.start, p.end)]);
    if (agency) {
      rows = rows.filter((r) => r.agencyCode === agency).map((r) => ({ ...r, provinceWeight: 1 }));
      accounts = accounts.filter((a) => a.agencyCode === agency);
    }
    out[id] = computeKpis(rows, accounts, { year: p.year, targets: config.targets as Targets, paperRegister: false });
  }
  return out;
}

export interface BuildOptions {
  /** 'province' (default) or an agency code. */
  scope?: string;
  /** Agency code of the issuing body instead of reports.issuer. */
  issuer?: string;
  lang?: ReportLang;
  now?: Date;
  builtBy: string;
  /** A preview: the number the report already has (else dots), none taken; nothing archived. */
  preview?: boolean;
}

/** The provincial name of the directory's Provincial PC: "Ủy ban nhân dân tỉnh Sơn Minh" → "Sơn Minh". */
export function provinceName(agencies: Agency[]): string | null {
  const pc = agencies.find((a) => a.level === 'province_pc');
  const m = pc ? /(?:tỉnh|thành phố)\s+(.+)$/iu.exec(pc.name) : null;
  return m?.[1]?.trim() ?? null;
}

/** Issuer, number, place, language of a report; allocates its number when the pattern has {seq}. */
export async function resolveSettings(pool: Pool, config: Pick<Config, 'reports'>, agencies: Agency[], period: string, scope: string, o: BuildOptions): Promise<ReportSettings> {
  const r = config.reports;
  const byCode = new Map(agencies.map((a) => [a.code, a]));
  const wanted = o.issuer ?? r.issuer;
  let issuer: Agency | undefined;
  if (wanted) {
    issuer = byCode.get(wanted);
    if (!issuer) {
      if (o.issuer) throw new UsageError(`--issuer: không có cơ quan / unknown agency code ${o.issuer}`);
      throw new ReportConfigError(`reports.issuer (EDOCWATCH_REPORT_ISSUER): không có cơ quan mã ${wanted} trong danh bạ / no agency with code ${wanted} in the directory`);
    }
  } else {
    issuer = agencies.find((a) => a.level === 'province_pc');
    if (!issuer) throw new ReportConfigError('danh bạ không có UBND tỉnh; hãy đặt reports.issuer / the directory has no Provincial PC: set reports.issuer to the issuing agency code');
  }
  const place = r.place ?? provinceName(agencies);
  if (!place) throw new ReportConfigError('không suy ra được địa danh; hãy đặt reports.place / cannot tell the place of the date line: set reports.place (e.g. "Sơn Minh")');
  const now = o.now ?? new Date();
  const symbol = r.issuerSymbol ?? issuerSymbol(issuer.name);
  const seq = !r.numberPattern.includes('{seq}')
    ? null
    : o.preview
      ? await peekReportNumber(pool, issuer.code, period, scope)
      : await allocateReportNumber(pool, issuer.code, localDate(now).year, period, scope);
  const parent = issuer.parent ? byCode.get(issuer.parent) : undefined;
  return {
    lang: o.lang ?? r.lang,
    issuer: { code: issuer.code, name: issuer.name, parentName: issuer.level === 'province_pc' ? null : (parent?.name ?? null) },
    number: formatReportNumber(r.numberPattern, { seq, issuer: symbol, year: localDate(now).year, period }),
    place,
    issuedOn: now,
    rankBy: r.rankBy,
    signer: r.signer,
  };
}

export interface RenderedReport {
  model: ReportModel;
  charts: ChartImage[];
  /** The email body: charts as `cid:` references. */
  html: string;
  text: string;
  pdf: Buffer;
  xlsx: Buffer;
}

/** The image references of the charts, as cid:, file names or data: URIs. */
export function chartRefs(charts: Array<Pick<ChartImage, 'id' | 'title' | 'filename' | 'cid' | 'width' | 'height'> & { png?: Buffer }>, mode: 'cid' | 'file' | 'data'): Map<string, ImageRef> {
  return new Map(
    charts.map((c) => [
      c.id,
      { src: mode === 'cid' ? `cid:${c.cid}` : mode === 'file' ? c.filename : `data:image/png;base64,${(c.png ?? Buffer.alloc(0)).toString('base64')}`, width: c.width, height: c.height, alt: c.title },
    ]),
  );
}

/** Every format of a model. */
export async function renderReport(model: ReportModel): Promise<RenderedReport> {
  const charts = await renderCharts(model.charts, model.lang);
  const html = renderReportHtml(model, chartRefs(charts, 'cid'));
  const [pdf, xlsx] = [await renderReportPdf(model, charts), await renderReportXlsx(model)];
  return { model, charts, html, text: renderReportText(model), pdf, xlsx };
}

/** The archive's files of a rendered report. */
export function reportFiles(r: RenderedReport): ReportFile[] {
  return [
    { name: 'report.html', role: 'html', contentType: 'text/html; charset=utf-8', cid: null, content: Buffer.from(r.html) },
    { name: 'report.txt', role: 'text', contentType: 'text/plain; charset=utf-8', cid: null, content: Buffer.from(r.text) },
    { name: 'report.pdf', role: 'pdf', contentType: 'application/pdf', cid: null, content: r.pdf },
    { name: 'report.xlsx', role: 'xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', cid: null, content: r.xlsx },
    ...r.charts.map((c): ReportFile => ({ name: c.filename, role: 'chart', contentType: 'image/png', cid: c.cid, content: c.png })),
  ];
}

export interface BuiltReport extends RenderedReport {
  buildId: number;
}

/** Reads the statistics and builds the model of one report (a preview takes no number). */
export async function reportModel(deps: { pool: Pool; config: Pick<Config, 'reports' | 'targets'> }, periodId: string, o: BuildOptions): Promise<{ model: ReportModel; settings: ReportSettings }> {
  const period = parsePeriod(periodId).id;
  const scope = o.scope ?? 'province';
  const agencies = await listAgencies(deps.pool);
  if (scope !== 'province' && !agencies.some((a) => a.code === scope)) throw new UsageError(`--agency: không có cơ quan / unknown agency code ${scope}`);
  const agency = scope === 'province' ? undefined : scope;
  const settings = await resolveSettings(deps.pool, deps.config, agencies, period, scope, o);
  const [stats, history] = [await periodStats(deps.pool, deps.config, period, agency), await historyTables(deps.pool, deps.config, period, agency)];
  return { model: buildReportModel({ stats, scope, agencies, history }, settings), settings };
}

/** Reads, builds, renders and archives one report. */
export async function buildReport(deps: { pool: Pool; config: Pick<Config, 'reports' | 'targets'> }, periodId: string, o: BuildOptions): Promise<BuiltReport> {
  const period = parsePeriod(periodId).id;
  const scope = o.scope ?? 'province';
  const { model, settings } = await reportModel(deps, period, { ...o, preview: false });
  const rendered = await renderReport(model);
  const buildId = await insertReportBuild(
    deps.pool,
    { period, scope, lang: model.lang, issuer: settings.issuer.code, number: settings.number, issuedOn: model.heading.issuedOn, title: model.subtitle ? `${model.title} — ${model.subtitle}` : model.title, builtBy: o.builtBy },
    reportFiles(rendered),
  );
  return { ...rendered, buildId };
}
