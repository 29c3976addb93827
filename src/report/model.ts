// The report of a period as data: what the HTML email, the PDF and the XLSX workbook all show, laid
// out as a Vietnamese administrative report is (Nghị định 30/2020/NĐ-CP): national heading, issuing
// body, number, place and date, title, summary, then one table per KPI with its target, the
// agencies below target, the trend against the previous period (and the same quarter last year),
// the ranking, and notes. Pure: the period's statistics, the KPI tables of earlier periods, the
// directory and the settings in; a plain object out. Renderers (html.ts, pdf.ts, xlsx.ts, chart.ts)
// only lay it out, so the three formats cannot disagree on a figure.
import { KPI_IDS, type K7Details, type KpiId, type KpiValue, type TargetOp } from '../domain/kpi.js';
import { parsePeriod } from '../domain/period.js';
import { rankAgencies } from '../domain/ranking.js';
import { AGENCY_LEVELS, type Agency } from '../domain/types.js';
import { formatInt, formatPercent, formatPoints, formatTarget, isoLocalDate, periodShort, periodTitle, placeDate, type ReportLang } from './format.js';
import { kpiClause, kpiMeasure, kpiName, levelName, rt } from './i18n.js';
import type { PeriodStats } from './stats.js';

/** KPI tables of one period, as computeKpis gives them (scoped like the report: an agency's own rows only). */
export interface KpiTables {
  province: Record<KpiId, KpiValue>;
  levels?: Record<string, Record<KpiId, KpiValue>>;
  agencies?: Record<string, Record<KpiId, KpiValue>>;
}

export interface ReportInputs {
  /** The period's statistics; for an agency's report, periodStats with that agency. */
  stats: PeriodStats;
  /** 'province' or an agency code. */
  scope: string;
  /** The agency directory (names, levels, parents). */
  agencies: Agency[];
  /** KPI tables of the earlier periods of the trend (src/domain/ranking.ts trendPeriods), by period id. */
  history: Record<string, KpiTables>;
}

export interface ReportSettings {
  lang: ReportLang;
  /** The issuing body: its name, and the name of the body above it (printed on the first line). */
  issuer: { code: string; name: string; parentName: string | null };
  /** The document number, already composed (formatReportNumber). */
  number: string;
  /** The place of the date line: "Sơn Minh". */
  place: string;
  issuedOn: Date;
  /** The KPI agencies are ranked by. */
  rankBy: KpiId;
  signer: { title: string; name: string } | null;
}

export type KpiStatus = 'met' | 'below' | 'no_target' | 'no_data' | 'needs_register';

export interface KpiRow {
  /** 'province', a level, or an agency code. */
  key: string;
  label: string;
  numerator: number;
  denominator: number;
  ratio: number | null;
  met: boolean | null;
  needsPaperRegister: boolean;
  /** The ratio as the report prints it: `12,5%`, `—`, or "Cần sổ văn bản giấy". */
  display: string;
}

export interface TrendPoint {
  kind: 'previous' | 'lastYear';
  period: string;
  label: string;
  ratio: number | null;
  /** This period's ratio minus that one's, as a ratio (0.025 = 2.5 percentage points); null if either is missing. */
  delta: number | null;
}

export interface BelowAgency {
  code: string;
  name: string;
  numerator: number;
  denominator: number;
  ratio: number | null;
}

export interface KpiSection {
  id: KpiId;
  clause: string;
  name: string;
  measure: string;
  target: { op: TargetOp; value: number; text: string } | null;
  status: KpiStatus;
  statusText: string;
  /** The scope's own row first (province-wide, or the agency), then each level present (province scope). */
  rows: KpiRow[];
  trend: TrendPoint[];
  /** Agencies below this KPI's target, furthest from it first (province scope). */
  below: BelowAgency[];
  chartId: string | null;
  /** K7's figures beside its ratio. */
  k7: K7Details | null;
}

export interface AgencyRow {
  code: string;
  name: string;
  level: string;
  levelName: string;
  kpis: Record<KpiId, KpiValue>;
  below: KpiId[];
  k7: K7Details;
}

export interface RankingRow {
  rank: number;
  code: string;
  name: string;
  ratio: number;
  met: boolean | null;
}

export type ChartSpec =
  | { id: string; kind: 'line'; title: string; xLabels: string[]; values: Array<number | null>; target: number | null; targetOp: TargetOp | null }
  | { id: string; kind: 'bars'; title: string; bars: Array<{ label: string; value: number; below: boolean }>; gapAfter: number | null; target: number | null; targetOp: TargetOp | null };

export interface ReportModel {
  lang: ReportLang;
  period: string;
  periodKind: 'quarter' | 'year';
  periodTitle: string;
  /** First and last local day of the period, YYYY-MM-DD. */
  firstDay: string;
  lastDay: string;
  scope: { kind: 'province' } | { kind: 'agency'; code: string; name: string; level: string };
  heading: { nation: string; motto: string; parentIssuer: string | null; issuer: string; number: string; placeDate: string; issuedOn: string };
  title: string;
  /** The agency the report is about (agency scope), printed under the title. */
  subtitle: string | null;
  summary: string[];
  totals: { messages: number; byState: Record<string, number>; exchanges: number; documents: number; k7: K7Details };
  kpis: KpiSection[];
  /** Agencies ranked by `rankBy` (province scope; those with a ratio). */
  ranking: { by: KpiId; name: string; rows: RankingRow[]; unranked: number } | null;
  /** Agencies below target on at least one KPI, with those KPIs (province scope). */
  belowTarget: Array<{ code: string; name: string; kpis: KpiId[] }>;
  /** Every agency with figures in the period (province scope). */
  agencies: AgencyRow[];
  charts: ChartSpec[];
  notes: string[];
  signer: { title: string; name: string } | null;
}

/** Placeholders a number pattern may use. */
export const NUMBER_PLACEHOLDERS = ['seq', 'issuer', 'year', 'period'] as const;

/** What is wrong with a number pattern (empty when nothing). Pure; the configuration uses it. */
export function numberPatternProblems(pattern: string): string[] {
  const problems: string[] = [];
  if (pattern.trim() === '') problems.push('must not be empty');
  for (const m of pattern.matchAll(/\{([^{}]*)\}/g)) {
    if (!(NUMBER_PLACEHOLDERS as readonly string[]).includes(m[1] as string)) problems.push(`unknown placeholder {${m[1]}} (use ${NUMBER_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
  }
  if (/[{}]/.test(pattern.replace(/\{[^{}]*\}/g, ''))) problems.push('has an unmatched brace');
  return problems;
}

/** The report's number from the pattern: `{seq}/BC-{issuer}` → `12/BC-SKHCN`. Pure. */
export function formatReportNumber(pattern: string, v: { seq: number | null; issuer: string; year: number; period: string }): string {
  return pattern.replace(/\{(seq|issuer|year|period)\}/g, (_, k: string) => {
    if (k === 'seq') return v.seq === null ? '......' : String(v.seq).padStart(2, '0');
    if (k === 'issuer') return v.issuer;
    if (k === 'year') return String(v.year);
    return v.period;
  });
}

/** The heading's first line: the body above the issuer, as headings abbreviate it ("UBND TỈNH SƠN MINH"). */
export function parentHeading(name: string): string {
  return name.replace(/^Ủy ban nhân dân|^Uỷ ban nhân dân/i, 'UBND').toUpperCase();
}

/** KPIs whose target is an upper bound (K1s): lower is better. */
function lowerIsBetter(v: KpiValue | undefined): boolean {
  return v?.targetOp === '<' || v?.targetOp === '<=';
}

function display(v: KpiValue, lang: ReportLang): string {
  return v.needsPaperRegister ? rt(lang, 'paper') : formatPercent(v.ratio, lang);
}

function statusOf(v: KpiValue): KpiStatus {
  if (v.needsPaperRegister) return 'needs_register';
  if (v.ratio === null) return 'no_data';
  if (v.met === null) return 'no_target';
  return v.met ? 'met' : 'below';
}

const STATUS_KEY: Record<KpiStatus, string> = { met: 'met', below: 'below', no_target: 'noTarget', no_data: 'noData', needs_register: 'paper' };

function row(key: string, label: string, v: KpiValue, lang: ReportLang): KpiRow {
  return {
    key,
    label,
    numerator: v.numerator,
    denominator: v.denominator,
    ratio: v.ratio,
    met: v.met,
    needsPaperRegister: v.needsPaperRegister === true,
    display: display(v, lang),
  };
}

function delta(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : a - b;
}

/** The same quarter a year before (quarters only). */
function sameQuarterLastYear(periodId: string): string | null {
  const p = parsePeriod(periodId);
  return p.quarter === null ? null : `${p.year - 1}-Q${p.quarter}`;
}

function previousOf(periodId: string): string {
  const p = parsePeriod(periodId);
  if (p.quarter === null) return String(p.year - 1);
  return p.quarter === 1 ? `${p.year - 1}-Q4` : `${p.year}-Q${p.quarter - 1}`;
}

const EMPTY_K7: K7Details = { accounts: 0, activeAccounts: 0, sent: 0, received: 0, messages: 0 };

/** More agencies than this in the ranking chart: the best and the lowest half of it each, with a gap. */
export const RANKING_CHART_MAX = 30;

function lastDayOf(end: Date): Date {
  return new Date(end.getTime() - 1);
}

/** Builds the report model. Pure. */
export function buildReportModel(input: ReportInputs, s: ReportSettings): ReportModel {
  const stats = input.stats;
  const lang = s.lang;
  const period = parsePeriod(stats.period);
  const byCode = new Map(input.agencies.map((a) => [a.code, a]));
  const nameOf = (code: string) => byCode.get(code)?.name ?? code;
  const scopeAgency = input.scope === 'province' ? null : (byCode.get(input.scope) ?? { code: input.scope, name: input.scope, level: 'unit' });
  const provinceScope = scopeAgency === null;
  const pTitle = periodTitle(period.id, lang);

  const prevId = previousOf(period.id);
  const lastYearId = sameQuarterLastYear(period.id);
  const trendIds = Object.keys(input.history)
    .filter((id) => id !== period.id)
    .sort((a, b) => parsePeriod(a).start.getTime() - parsePeriod(b).start.getTime());
  const chartPeriods = [...trendIds, period.id];

  const levelOrder = (l: string) => {
    const i = (AGENCY_LEVELS as readonly string[]).indexOf(l);
    return i < 0 ? AGENCY_LEVELS.length : i;
  };
  const levels = provinceScope ? Object.keys(stats.levels).sort((a, b) => levelOrder(a) - levelOrder(b)) : [];
  const ownLabel = provinceScope ? rt(lang, 'province') : (scopeAgency?.name ?? input.scope);

  const kpis: KpiSection[] = [];
  const charts: ChartSpec[] = [];
  for (const id of KPI_IDS) {
    const v = stats.province[id];
    const rows = [row(provinceScope ? 'province' : input.scope, ownLabel, v, lang)];
    for (const l of levels) {
      const lv = stats.levels[l]?.[id];
      if (lv) rows.push(row(l, levelName(lang, l), lv, lang));
    }
    const trend: TrendPoint[] = [];
    const prev = input.history[prevId]?.province[id];
    trend.push({ kind: 'previous', period: prevId, label: periodTitle(prevId, lang), ratio: prev?.ratio ?? null, delta: v.needsPaperRegister ? null : delta(v.ratio, prev?.ratio) });
    if (lastYearId) {
      const ly = input.history[lastYearId]?.province[id];
      trend.push({ kind: 'lastYear', period: lastYearId, label: periodTitle(lastYearId, lang), ratio: ly?.ratio ?? null, delta: v.needsPaperRegister ? null : delta(v.ratio, ly?.ratio) });
    }
    const below: BelowAgency[] = provinceScope
      ? Object.entries(stats.agencies)
          .filter(([, k]) => k[id]?.met === false)
          .map(([code, k]) => ({ code, name: nameOf(code), numerator: k[id].numerator, denominator: k[id].denominator, ratio: k[id].ratio }))
          .sort((a, b) => ((lowerIsBetter(v) ? (b.ratio ?? 0) - (a.ratio ?? 0) : (a.ratio ?? 0) - (b.ratio ?? 0)) || a.code.localeCompare(b.code)))
      : [];
    const values = chartPeriods.map((p) => (p === period.id ? v.ratio : (input.history[p]?.province[id]?.ratio ?? null)));
    let chartId: string | null = null;
    if (!v.needsPaperRegister && values.some((x) => x !== null)) {
      chartId = `trend-${id}`;
      charts.push({
        id: chartId,
        kind: 'line',
        title: `${rt(lang, 'chartTrend')} ${id}: ${kpiName(lang, id)}`,
        xLabels: chartPeriods.map((p) => periodShort(p, lang)),
        values,
        target: v.target,
        targetOp: v.targetOp ?? null,
      });
    }
    const status = statusOf(v);
    kpis.push({
      id,
      clause: kpiClause(id),
      name: kpiName(lang, id),
      measure: kpiMeasure(lang, id),
      target: v.target === null ? null : { op: v.targetOp ?? '>=', value: v.target, text: formatTarget(v.targetOp, v.target, lang) },
      status,
      statusText: rt(lang, STATUS_KEY[status]),
      rows,
      trend,
      below,
      chartId,
      k7: id === 'K7' ? stats.k7.province : null,
    });
  }

  // Agencies: every one with figures in the period, by level then code.
  const agencies: AgencyRow[] = provinceScope
    ? Object.entries(stats.agencies)
        .map(([code, k]) => {
          const level = byCode.get(code)?.level ?? '';
          return { code, name: nameOf(code), level, levelName: levelName(lang, level), kpis: k, below: KPI_IDS.filter((x) => k[x]?.met === false), k7: stats.k7.agencies[code] ?? EMPTY_K7 };
        })
        .sort((a, b) => levelOrder(a.level) - levelOrder(b.level) || a.code.localeCompare(b.code))
    : [];
  const belowTarget = agencies.filter((a) => a.below.length > 0).map((a) => ({ code: a.code, name: a.name, kpis: a.below }));

  let ranking: ReportModel['ranking'] = null;
  if (provinceScope) {
    const names = new Map(agencies.map((a) => [a.code, { name: a.name, level: a.level }]));
    const ranked = rankAgencies(stats.agencies, names, s.rankBy);
    const rows: RankingRow[] = ranked
      .filter((r) => r.rank !== null)
      .map((r) => ({ rank: r.rank as number, code: r.code, name: r.name, ratio: r.kpis[s.rankBy].ratio as number, met: r.kpis[s.rankBy].met }));
    ranking = { by: s.rankBy, name: kpiName(lang, s.rankBy), rows, unranked: ranked.length - rows.length };
    if (rows.length > 0) {
      const half = RANKING_CHART_MAX / 2;
      const shown = rows.length > RANKING_CHART_MAX ? [...rows.slice(0, half), ...rows.slice(-half)] : rows;
      const { target, targetOp } = stats.province[s.rankBy];
      charts.push({
        id: 'ranking',
        kind: 'bars',
        title:
          rows.length > RANKING_CHART_MAX
            ? `${rt(lang, 'chartRanking')} ${s.rankBy}: ${half} ${rt(lang, 'chartBest')}, ${half} ${rt(lang, 'chartWorst')} / ${formatInt(rows.length, lang)}`
            : `${rt(lang, 'chartRanking')} ${s.rankBy}: ${kpiName(lang, s.rankBy)}`,
        bars: shown.map((r) => ({ label: `${r.rank}. ${r.name}`, value: r.ratio, below: r.met === false })),
        gapAfter: rows.length > RANKING_CHART_MAX ? half - 1 : null,
        target,
        targetOp: targetOp ?? null,
      });
    }
  }

  const m = stats.messages;
  const byState: Record<string, number> = {};
  for (const [k, n] of Object.entries(m)) if (k !== 'total') byState[k] = n;
  const totals = { messages: m.total, byState, exchanges: stats.exchanges, documents: stats.documents, k7: stats.k7.province };

  const issuerName = s.issuer.name.toUpperCase();
  const model: ReportModel = {
    lang,
    period: period.id,
    periodKind: period.kind,
    periodTitle: pTitle,
    firstDay: isoLocalDate(period.start),
    lastDay: isoLocalDate(lastDayOf(period.end)),
    scope: scopeAgency ? { kind: 'agency', code: scopeAgency.code, name: scopeAgency.name, level: scopeAgency.level } : { kind: 'province' },
    heading: {
      nation: rt(lang, 'nation'),
      motto: rt(lang, 'motto'),
      parentIssuer: s.issuer.parentName ? parentHeading(s.issuer.parentName) : null,
      issuer: issuerName,
      number: s.number,
      placeDate: placeDate(s.place, s.issuedOn, lang),
      issuedOn: isoLocalDate(s.issuedOn),
    },
    title: `${rt(lang, 'titlePrefix')} ${pTitle}`,
    subtitle: scopeAgency ? `${rt(lang, 'of')} ${scopeAgency.name}` : null,
    summary: [],
    totals,
    kpis,
    ranking,
    belowTarget,
    agencies,
    charts,
    notes: notes(lang, kpis),
    signer: s.signer,
  };
  model.summary = summary(model, input.scope);
  return model;
}

function dmy(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** The summary paragraphs: totals, accounts, targets met and missed, the change since the previous period, agencies below target. */
function summary(m: ReportModel, scope: string): string[] {
  const { lang } = m;
  const n = (x: number) => formatInt(x, lang);
  const st = m.totals.byState;
  const out: string[] = [];
  const who = m.scope.kind === 'agency' ? m.scope.name : null;
  if (lang === 'vi') {
    out.push(
      `Trong ${m.periodTitle} (từ ngày ${dmy(m.firstDay)} đến ngày ${dmy(m.lastDay)}), hệ thống ghi nhận ${n(m.totals.messages)} thư công vụ${who ? ` của ${who}` : ''} ` +
        `(${n(st.analyzed ?? 0)} thư đã phân tích, ${n(st.skipped ?? 0)} thư tự động, ${n(st.malformed ?? 0)} thư lỗi cấu trúc, ${n(st.over_limit ?? 0)} thư vượt giới hạn), ` +
        `${n(m.totals.exchanges)} lượt trao đổi và ${n(m.totals.documents)} văn bản.`,
    );
    const k = m.totals.k7;
    out.push(
      `${who ? `${who} có` : 'Toàn tỉnh có'} ${n(k.accounts)} tài khoản thư điện tử công vụ, trong đó ${n(k.activeAccounts)} tài khoản có sử dụng trong kỳ (${formatPercent(k.accounts ? k.activeAccounts / k.accounts : null, lang)}); ${n(k.sent)} thư gửi và ${n(k.received)} thư nhận.`,
    );
  } else {
    out.push(
      `In ${m.periodTitle} (${m.firstDay} to ${m.lastDay}), ${n(m.totals.messages)} official messages were recorded${who ? ` for ${who}` : ''} ` +
        `(${n(st.analyzed ?? 0)} analyzed, ${n(st.skipped ?? 0)} automatic, ${n(st.malformed ?? 0)} malformed, ${n(st.over_limit ?? 0)} over the size limit), ` +
        `with ${n(m.totals.exchanges)} exchanges and ${n(m.totals.documents)} documents.`,
    );
    const k = m.totals.k7;
    out.push(
      `${who ?? 'The province'} has ${n(k.accounts)} official email accounts, ${n(k.activeAccounts)} of them used in the period (${formatPercent(k.accounts ? k.activeAccounts / k.accounts : null, lang)}); ${n(k.sent)} messages sent and ${n(k.received)} received.`,
    );
  }
  const met = m.kpis.filter((x) => x.status === 'met');
  const below = m.kpis.filter((x) => x.status === 'below');
  const paper = m.kpis.filter((x) => x.status === 'needs_register');
  const item = (x: KpiSection) => `${x.id} ${x.rows[0]?.display ?? ''} (${lang === 'vi' ? 'mục tiêu' : 'target'} ${x.target?.text ?? '—'})`;
  if (met.length + below.length === 0) out.push(lang === 'vi' ? 'Chưa có chỉ tiêu có mục tiêu nào đủ số liệu để đánh giá.' : 'No KPI with a target has the figures to be assessed yet.');
  else if (lang === 'vi')
    out.push(`Các chỉ tiêu có mục tiêu: đạt ${met.length} chỉ tiêu${met.length ? ` (${met.map(item).join('; ')})` : ''}; chưa đạt ${below.length} chỉ tiêu${below.length ? ` (${below.map(item).join('; ')})` : ''}.`);
  else out.push(`KPIs with a target: ${met.length} met${met.length ? ` (${met.map(item).join('; ')})` : ''}; ${below.length} below target${below.length ? ` (${below.map(item).join('; ')})` : ''}.`);
  if (paper.length > 0)
    out.push(
      lang === 'vi'
        ? `${paper.map((x) => x.id).join(', ')}: cần sổ văn bản giấy để xác định mẫu số (thư điện tử không cho biết các hồ sơ chỉ gửi bằng giấy).`
        : `${paper.map((x) => x.id).join(', ')}: a paper register is needed for the denominator (email cannot show dossiers sent on paper only).`,
    );
  const prev = m.kpis[0]?.trend.find((t) => t.kind === 'previous');
  const moves = m.kpis.flatMap((x) => {
    const d = x.trend.find((t) => t.kind === 'previous')?.delta;
    return d === null || d === undefined ? [] : [`${x.id} ${formatPoints(d, lang)}`];
  });
  if (prev && moves.length > 0) out.push(lang === 'vi' ? `So với ${prev.label}: ${moves.join('; ')}.` : `Against ${prev.label}: ${moves.join('; ')}.`);
  if (scope === 'province') {
    const nb = m.belowTarget.length;
    out.push(
      lang === 'vi'
        ? nb === 0 ? 'Không có cơ quan, đơn vị nào chưa đạt chỉ tiêu.' : `Có ${n(nb)} cơ quan, đơn vị chưa đạt ít nhất một chỉ tiêu (danh sách tại mục ${rt(lang, 'section.below')}).`
        : nb === 0 ? 'No agency is below target.' : `${n(nb)} agencies are below target on at least one KPI (listed under "${rt(lang, 'section.below')}").`,
    );
  }
  return out;
}

function notes(lang: ReportLang, kpis: KpiSection[]): string[] {
  const paper = kpis.some((k) => k.status === 'needs_register');
  if (lang === 'vi')
    return [
      'Văn bản mật không được tính vào các tỷ lệ (Chỉ thị 15/CT-TTg).',
      'Một văn bản gửi đến nhiều nơi được tính là nhiều lượt trao đổi; trao đổi giữa hai cơ quan được theo dõi được tính cho cả hai bên, và một lần cho toàn tỉnh.',
      ...(paper ? ['K2a, K2b, K3 chia cho tổng số hồ sơ, kể cả hồ sơ chỉ gửi bằng giấy mà thư điện tử không thể hiện; các chỉ tiêu này có tỷ lệ khi đã nhập sổ văn bản giấy.'] : []),
      'K7: tài khoản có sử dụng là tài khoản có gửi hoặc nhận ít nhất một thư trao đổi trong kỳ.',
      rt(lang, 'generated'),
    ];
  return [
    'Secret documents are excluded from every ratio (Directive 15/CT-TTg).',
    'A document sent to several parties is several exchanges; an exchange between two monitored agencies counts for both, and once province-wide.',
    ...(paper ? ['K2a, K2b and K3 divide by all dossiers, paper-only ones included, which email never shows; they have a ratio once a paper register is imported.'] : []),
    'K7: an account is used when it sent or received at least one exchange in the period.',
    rt(lang, 'generated'),
  ];
}
