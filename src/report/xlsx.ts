// The report as an XLSX workbook (exceljs), from the report model: a summary sheet (heading, title,
// totals, every KPI province-wide), one sheet per KPI (the scope's row, each level, then every
// agency, with the trend), the agencies below target, and K7's accounts. Numbers are numbers and
// ratios are fractions formatted as percentages, so the figures can be summed and re-charted; the
// sheet's labels are in the report's language. Pure: model in, bytes out.
import ExcelJS from 'exceljs';
import { KPI_IDS, type KpiValue } from '../domain/kpi.js';
import { rt } from './i18n.js';
import type { ReportModel } from './model.js';

const PCT = '0.0%';
const INT = '#,##0';

function statusText(v: { needsPaperRegister?: boolean; met: boolean | null }, lang: ReportModel['lang']): string {
  if (v.needsPaperRegister) return rt(lang, 'paper');
  if (v.met === true) return rt(lang, 'met');
  if (v.met === false) return rt(lang, 'below');
  return '';
}

function header(ws: ExcelJS.Worksheet, values: string[]): void {
  const r = ws.addRow(values);
  r.font = { bold: true };
  r.alignment = { vertical: 'middle', wrapText: true };
  r.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EDF3' } };
    c.border = { bottom: { style: 'thin', color: { argb: 'FF9AA4B1' } } };
  });
}

/** A ratio cell: the fraction (formatted as a percentage), or empty when there is none. */
const ratio = (v: KpiValue | { ratio: number | null; needsPaperRegister?: boolean }) => (v.needsPaperRegister ? null : v.ratio);

/** The report as an XLSX workbook. */
export async function renderReportXlsx(m: ReportModel): Promise<Buffer> {
  const lang = m.lang;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'edocwatch';
  wb.title = m.title;
  const issued = new Date(`${m.heading.issuedOn}T00:00:00+07:00`);
  wb.created = issued;
  wb.modified = issued;

  const sum = wb.addWorksheet(rt(lang, 'summarySheet'));
  sum.columns = [{ width: 12 }, { width: 58 }, { width: 14 }, { width: 14 }, { width: 12 }, { width: 12 }, { width: 22 }];
  const hd = m.heading;
  for (const l of [hd.parentIssuer, hd.issuer, `${rt(lang, 'number')}: ${hd.number}`, hd.nation, hd.motto, hd.placeDate]) if (l) sum.addRow([l]);
  sum.addRow([]);
  const t = sum.addRow([m.subtitle ? `${m.title} — ${m.subtitle}` : m.title]);
  t.font = { bold: true, size: 13 };
  sum.addRow([]);
  for (const p of m.summary) {
    const r = sum.addRow([p]);
    sum.mergeCells(r.number, 1, r.number, 7);
    r.alignment = { wrapText: true, vertical: 'top' };
    r.height = Math.max(15, Math.ceil(p.length / 110) * 15);
  }
  sum.addRow([]);
  header(sum, [rt(lang, 'messages'), '', '']);
  const totals: Array<[string, number]> = [
    [rt(lang, 'messages'), m.totals.messages],
    ...Object.entries(m.totals.byState).map(([k, v]): [string, number] => [`  ${k}`, v]),
    [lang === 'vi' ? 'Lượt trao đổi' : 'Exchanges', m.totals.exchanges],
    [lang === 'vi' ? 'Văn bản' : 'Documents', m.totals.documents],
    [rt(lang, 'accounts'), m.totals.k7.accounts],
    [rt(lang, 'activeAccounts'), m.totals.k7.activeAccounts],
    [rt(lang, 'sent'), m.totals.k7.sent],
    [rt(lang, 'received'), m.totals.k7.received],
  ];
  for (const [label, n] of totals) {
    const r = sum.addRow(['', label, n]);
    r.getCell(3).numFmt = INT;
  }
  sum.addRow([]);
  header(sum, [rt(lang, 'kpi'), rt(lang, 'kpi'), rt(lang, 'numerator'), rt(lang, 'denominator'), rt(lang, 'ratio'), rt(lang, 'target'), rt(lang, 'status')]);
  for (const k of m.kpis) {
    const r0 = k.rows[0];
    if (!r0) continue;
    const r = sum.addRow([k.id, k.name, r0.numerator, r0.denominator, ratio(r0), k.target?.value ?? null, k.statusText]);
    r.getCell(3).numFmt = INT;
    r.getCell(4).numFmt = INT;
    r.getCell(5).numFmt = PCT;
    r.getCell(6).numFmt = PCT;
  }

  for (const k of m.kpis) {
    const ws = wb.addWorksheet(k.id);
    ws.columns = [{ width: 16 }, { width: 46 }, { width: 20 }, { width: 13 }, { width: 13 }, { width: 11 }, { width: 11 }, { width: 20 }, { width: 12 }, { width: 12 }];
    const title = ws.addRow([`${k.id}. ${k.name}`]);
    title.font = { bold: true, size: 12 };
    ws.addRow([k.measure]).font = { italic: true };
    ws.addRow([`${rt(lang, 'target')}: ${k.target?.text ?? '—'}`]);
    for (const tp of k.trend) {
      const r = ws.addRow([`${rt(lang, tp.kind)} (${tp.label})`, null, null, null, null, tp.ratio, tp.delta]);
      r.getCell(6).numFmt = PCT;
      r.getCell(7).numFmt = '+0.0%;-0.0%;0.0%';
    }
    ws.addRow([]);
    header(ws, [rt(lang, 'code'), rt(lang, 'scope'), rt(lang, 'level'), rt(lang, 'numerator'), rt(lang, 'denominator'), rt(lang, 'ratio'), rt(lang, 'target'), rt(lang, 'status'), rt(lang, 'previous'), rt(lang, 'change')]);
    const prev = k.trend.find((x) => x.kind === 'previous');
    const add = (code: string, label: string, level: string, v: { numerator: number; denominator: number; ratio: number | null; met: boolean | null; needsPaperRegister?: boolean }, previous: number | null, change: number | null) => {
      const r = ws.addRow([code, label, level, v.numerator, v.denominator, ratio(v), k.target?.value ?? null, statusText(v, lang), previous, change]);
      r.getCell(4).numFmt = INT;
      r.getCell(5).numFmt = INT;
      r.getCell(6).numFmt = PCT;
      r.getCell(7).numFmt = PCT;
      r.getCell(9).numFmt = PCT;
      r.getCell(10).numFmt = '+0.0%;-0.0%;0.0%';
      if (v.met === false) r.getCell(8).font = { color: { argb: 'FFB3261E' }, bold: true };
    };
    k.rows.forEach((r, i) => add(r.key, r.label, i === 0 ? '' : r.key, r, i === 0 ? (prev?.ratio ?? null) : null, i === 0 ? (prev?.delta ?? null) : null));
    for (const a of m.agencies) add(a.code, a.name, a.levelName, { ...a.kpis[k.id], needsPaperRegister: a.kpis[k.id].needsPaperRegister === true }, null, null);
    ws.views = [{ state: 'frozen', ySplit: 5 + k.trend.length }];
  }

  if (m.scope.kind === 'province') {
    const ws = wb.addWorksheet(rt(lang, 'belowSheet'));
    ws.columns = [{ width: 16 }, { width: 50 }, { width: 30 }];
    header(ws, [rt(lang, 'code'), rt(lang, 'agency'), rt(lang, 'belowKpis')]);
    for (const b of m.belowTarget) ws.addRow([b.code, b.name, b.kpis.join(', ')]);

    const ag = wb.addWorksheet(rt(lang, 'agenciesSheet'));
    ag.columns = [{ width: 16 }, { width: 46 }, { width: 20 }, ...KPI_IDS.map(() => ({ width: 9 })), { width: 11 }, { width: 11 }, { width: 11 }, { width: 11 }];
    header(ag, [rt(lang, 'code'), rt(lang, 'agency'), rt(lang, 'level'), ...KPI_IDS, rt(lang, 'accounts'), rt(lang, 'activeAccounts'), rt(lang, 'sent'), rt(lang, 'received')]);
    for (const a of m.agencies) {
      const r = ag.addRow([a.code, a.name, a.levelName, ...KPI_IDS.map((k) => ratio(a.kpis[k])), a.k7.accounts, a.k7.activeAccounts, a.k7.sent, a.k7.received]);
      KPI_IDS.forEach((_, i) => {
        r.getCell(4 + i).numFmt = PCT;
      });
    }
    ag.views = [{ state: 'frozen', ySplit: 1, xSplit: 2 }];
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
