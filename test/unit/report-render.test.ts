// Every format rendered from one report model and read back as a reader would: the PDF's text with
// pdfjs-dist (Vietnamese extractable, each KPI row's figures), the XLSX's cells with exceljs
// (numbers as numbers, ratios as percentages), the HTML email (inline styles, no script, charts by
// cid), and the chart PNGs (palette images that decode).
import { beforeAll, describe, expect, it } from 'vitest';
import { computeKpis, DEFAULT_TARGETS, k7Details, type AccountCount, type ExchangeCount } from '../../src/domain/kpi.js';
import { parsePeriod } from '../../src/domain/period.js';
import type { Agency } from '../../src/domain/types.js';
import { chartRefs, renderReport, type RenderedReport } from '../../src/report/build.js';
import { formatInt } from '../../src/report/format.js';
import { buildReportModel, type KpiTables, type ReportModel } from '../../src/report/model.js';
import type { PeriodStats } from '../../src/report/stats.js';
import { renderReportHtml } from '../../src/report/html.js';
import { pdfRuns, pdfText, pngInfo, xlsxSheets } from '../helpers/report-files.js';

const agency = (code: string, name: string, level: Agency['level']): Agency => ({ code, name, level, parent: 'P', domains: [], addresses: [], validFrom: null, validTo: null, successor: null });
const AGENCIES: Agency[] = [
  { ...agency('P', 'Ủy ban nhân dân tỉnh Sơn Minh', 'province_pc'), parent: null },
  agency('000.00.03.H30', 'Sở Tài chính', 'department'),
  agency('000.00.02.H30', 'Sở Nội vụ', 'department'),
  agency('000.01.10.H30', 'Ủy ban nhân dân xã Hòa An', 'commune_pc'),
  agency('S', 'Sở Khoa học và Công nghệ', 'department'),
];

function ex(agencyCode: string, level: Agency['level'], count: number, o: Partial<ExchangeCount> = {}): ExchangeCount {
  return { agencyCode, level, flow: 'internal', form: 'electronic', digitization: 'born_digital', signed: false, secret: false, hasDocument: true, direction: 'internal', count, ...o };
}

const ROWS: ExchangeCount[] = [
  ex('000.00.03.H30', 'department', 1234, { signed: true }),
  ex('000.00.03.H30', 'department', 266, { form: 'hybrid' }),
  ex('000.00.03.H30', 'department', 40, { digitization: 'scanned' }),
  ex('000.00.02.H30', 'department', 310),
  ex('000.00.02.H30', 'department', 190, { form: 'hybrid' }),
  ex('000.00.03.H30', 'department', 75, { flow: 'with_enterprise', direction: 'outbound', hasDocument: false }),
  ex('000.01.10.H30', 'commune_pc', 12, { flow: 'commune_level', direction: 'outbound' }),
  ex('000.01.10.H30', 'commune_pc', 30, { flow: 'commune_level', direction: 'outbound', form: 'hybrid' }),
  ex('000.00.03.H30', 'department', 9, { secret: true }),
];
const ACCOUNTS: AccountCount[] = [
  { agencyCode: '000.00.03.H30', level: 'department', accounts: 42, activeAccounts: 37, sent: 2104, received: 3310 },
  { agencyCode: '000.00.02.H30', level: 'department', accounts: 35, activeAccounts: 20, sent: 804, received: 1200 },
];

function statsOf(period: string): PeriodStats {
  const p = parsePeriod(period);
  const k = computeKpis(ROWS, ACCOUNTS, { year: p.year, targets: DEFAULT_TARGETS, paperRegister: false });
  return { period: p.id, start: p.start.toISOString(), end: p.end.toISOString(), messages: { total: 8418, analyzed: 8400, skipped: 15, malformed: 3 }, exchanges: 2166, documents: 1701, ...k, k7: k7Details(ACCOUNTS) };
}

const history: Record<string, KpiTables> = {
  '2026-Q2': computeKpis([ex('000.00.03.H30', 'department', 700), ex('000.00.03.H30', 'department', 300, { form: 'hybrid' })], [], { year: 2026, targets: DEFAULT_TARGETS, paperRegister: false }),
  '2025-Q3': computeKpis([ex('000.00.03.H30', 'department', 500), ex('000.00.03.H30', 'department', 500, { form: 'hybrid' })], [], { year: 2025, targets: DEFAULT_TARGETS, paperRegister: false }),
};

function model(lang: 'vi' | 'en'): ReportModel {
  return buildReportModel(
    { stats: statsOf('2026-Q3'), scope: 'province', agencies: AGENCIES, history },
    { lang, issuer: { code: 'S', name: 'Sở Khoa học và Công nghệ', parentName: 'Ủy ban nhân dân tỉnh Sơn Minh' }, number: '07/BC-SKHCN', place: 'Sơn Minh', issuedOn: new Date('2026-10-01T00:00:00Z'), rankBy: 'K1', signer: { title: 'KT. Giám đốc', name: 'Nguyễn Văn Ánh' } },
  );
}

/** The part of the PDF's text under one KPI's heading. */
function kpiPart(text: string, m: ReportModel, i: number): string {
  const k = m.kpis[i]!;
  const start = text.indexOf(`${k.id}. ${k.name}`);
  const next = m.kpis[i + 1];
  const end = next ? text.indexOf(`${next.id}. ${next.name}`, start + 1) : text.length;
  expect(start, `heading of ${k.id}`).toBeGreaterThanOrEqual(0);
  return text.slice(start, end);
}

describe('report rendering', () => {
  let vi: RenderedReport;
  let pdf: string;

  beforeAll(async () => {
    vi = await renderReport(model('vi'));
    // Lines wrap where the layout needs: compare with runs of white space as one space.
    pdf = (await pdfText(vi.pdf)).text.replace(/\s+/g, ' ');
  });

  it('writes a PDF whose Vietnamese text is extractable: heading, number, date, title', async () => {
    const { pages } = await pdfText(vi.pdf);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(pdf).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(pdf).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(pdf).toContain('UBND TỈNH SƠN MINH');
    expect(pdf).toContain('SỞ KHOA HỌC VÀ CÔNG NGHỆ');
    expect(pdf).toContain('Số: 07/BC-SKHCN');
    expect(pdf).toContain('Sơn Minh, ngày 01 tháng 10 năm 2026');
    expect(pdf).toContain('BÁO CÁO TÌNH HÌNH SỬ DỤNG THƯ ĐIỆN TỬ CÔNG VỤ');
    expect(pdf).toContain('quý III năm 2026');
    expect(pdf).toContain('Trang 1/');
    expect(pdf).toContain('Nguyễn Văn Ánh');
    // Fonts are embedded as subsets: a whole DejaVu Serif is 700 kB.
    expect(vi.pdf.length).toBeLessThan(400_000);
  });

  it('sets every line inside the margins, and the two heading columns apart, even for a long name', async () => {
    // The province's own report (no parent body above the issuer): the national heading is wider
    // than its column in DejaVu Serif Bold and must not run into the issuer's first line, which
    // fills its column (the demo's province), nor into a longer name's.
    const own = (name: string, place: string) =>
      buildReportModel(
        { stats: statsOf('2026-Q3'), scope: 'province', agencies: AGENCIES, history },
        { lang: 'vi', issuer: { code: 'P', name, parentName: null }, number: '01/BC-UBND', place, issuedOn: new Date('2026-10-01T00:00:00Z'), rankBy: 'K1', signer: null },
      );
    for (const m of [model('vi'), own('Ủy ban nhân dân tỉnh Sơn Minh', 'Sơn Minh'), own('Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu', 'Bà Rịa - Vũng Tàu')]) {
      const { pageWidth, runs } = await pdfRuns((await renderReport(m)).pdf);
      expect(runs.length).toBeGreaterThan(50);
      for (const r of runs) {
        expect(r.x, `"${r.str}" (page ${r.page}) starts inside the left margin`).toBeGreaterThanOrEqual(56);
        expect(r.x + r.width, `"${r.str}" (page ${r.page}) ends inside the right margin`).toBeLessThanOrEqual(pageWidth - 40);
      }
      // Runs sharing a baseline on the first page never overlap (the heading's two columns).
      const first = runs.filter((r) => r.page === 1).sort((a, b) => a.y - b.y || a.x - b.x);
      for (let i = 1; i < first.length; i++) {
        const a = first[i - 1]!;
        const b = first[i]!;
        if (Math.abs(a.y - b.y) < 1) expect(a.x + a.width, `"${a.str}" runs into "${b.str}"`).toBeLessThanOrEqual(b.x + 0.5);
      }
      const nation = runs.find((r) => r.str.includes('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'));
      const issuer = runs.find((r) => r.page === 1 && r.y === nation?.y && r.x < (nation?.x ?? 0));
      expect(nation, 'national heading').toBeDefined();
      expect(issuer, 'issuer on the national heading line').toBeDefined();
    }
  });

  it("holds every KPI row's numerator, denominator, ratio, target and assessment in the PDF", () => {
    const m = vi.model;
    m.kpis.forEach((k, i) => {
      const part = kpiPart(pdf, m, i);
      for (const r of k.rows) {
        const line = [r.label, formatInt(r.numerator, 'vi'), formatInt(r.denominator, 'vi'), r.display, k.target?.text ?? '—'].join(' ');
        expect(part, `${k.id} ${r.key}`).toContain(line);
      }
    });
    // Hand-computed: K1 = (1234 + 40 + 310) electronic / (1234 + 266 + 40 + 310 + 190) internal = 1584 / 2040.
    expect(kpiPart(pdf, m, 0)).toContain('Toàn tỉnh 1.584 2.040 77,6% ≥ 80% Chưa đạt');
    expect(kpiPart(pdf, m, 0)).toContain('Kỳ trước (quý II năm 2026): 70,0% (+7,6 điểm %)');
    expect(kpiPart(pdf, m, 0)).toContain('Cùng kỳ năm trước (quý III năm 2025): 50,0% (+27,6 điểm %)');
    expect(pdf).toContain('Tài khoản thư công vụ: 77; Tài khoản có sử dụng: 57; Thư gửi: 2.908; Thư nhận: 4.510.');
    expect(pdf).toContain('hệ thống ghi nhận 8.418 thư công vụ');
    // The appendix has each agency's figures.
    expect(pdf).toContain('PHỤ LỤC');
    expect(pdf).toMatch(/Sở Nội vụ \(000\.00\.02\.H30\)/);
  });

  it('writes an XLSX with numbers as numbers and ratios formatted as percentages', async () => {
    const sheets = await xlsxSheets(vi.xlsx);
    expect(sheets.map((s) => s.name)).toEqual(['Tóm tắt', 'K1', 'K1s', 'K2a', 'K2b', 'K3', 'K4e', 'K4h', 'K5', 'K6', 'K7', 'Chưa đạt', 'Theo cơ quan']);
    const sum = sheets[0]!;
    const m = vi.model;
    for (const k of m.kpis) {
      const i = sum.rows.findIndex((r) => r?.[0] === k.id);
      const r = sum.rows[i]!;
      const own = k.rows[0]!;
      expect(r.slice(0, 6), k.id).toEqual([k.id, k.name, own.numerator, own.denominator, own.needsPaperRegister ? null : own.ratio, k.target?.value ?? null]);
      expect(sum.numFmt.get(`${i + 1}:5`)).toBe('0.0%');
    }
    const k1 = sheets.find((s) => s.name === 'K1')!;
    const province = k1.rows.find((r) => r?.[0] === 'province')!;
    expect(province.slice(0, 8)).toEqual(['province', 'Toàn tỉnh', '', 1584, 2040, 1584 / 2040, 0.8, 'Chưa đạt']);
    expect(province.slice(8)).toEqual([0.7, 1584 / 2040 - 0.7]);
    const stc = k1.rows.find((r) => r?.[0] === '000.00.03.H30')!;
    expect(stc.slice(0, 7)).toEqual(['000.00.03.H30', 'Sở Tài chính', 'Sở, ban, ngành', 1274, 1540, 1274 / 1540, 0.8]);
    const row = k1.rows.indexOf(stc) + 1;
    expect([k1.numFmt.get(`${row}:4`), k1.numFmt.get(`${row}:6`)]).toEqual(['#,##0', '0.0%']);
    const below = sheets.find((s) => s.name === 'Chưa đạt')!;
    expect(below.rows.slice(1).map((r) => r?.slice(0, 3))).toEqual(m.belowTarget.map((b) => [b.code, b.name, b.kpis.join(', ')]));
    const k2a = sheets.find((s) => s.name === 'K2a')!;
    expect(k2a.rows.find((r) => r?.[0] === 'province')?.slice(5, 8)).toEqual([null, 0.5, 'Cần sổ văn bản giấy']);
    expect(pdf).toContain('Toàn tỉnh 0 0 Cần sổ văn bản giấy ≥ 50% —');
  });

  it('writes an HTML email with inline styles, no script or stylesheet, and the charts as cid images', () => {
    const html = vi.html;
    expect(html).not.toMatch(/<script|<style|<link/i);
    expect(html).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(html).toContain('Số: 07/BC-SKHCN');
    for (const k of vi.model.kpis)
      for (const r of k.rows)
        expect(html).toContain(`<tr data-kpi="${k.id}" data-row="${r.key}"><td style="border:1px solid #9aa4b1;padding:4px 6px;vertical-align:top">${r.label}</td><td style="border:1px solid #9aa4b1;padding:4px 6px;vertical-align:top;text-align:right;white-space:nowrap">${formatInt(r.numerator, 'vi')}</td>`);
    const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((x) => x[1]);
    expect(cids.sort()).toEqual(vi.charts.map((c) => c.cid).sort());
    expect(vi.charts.map((c) => c.id)).toEqual(['trend-K1', 'trend-K1s', 'trend-K4e', 'trend-K4h', 'trend-K5', 'trend-K6', 'trend-K7', 'ranking']);
    // As files beside report.html, and as data: URIs for the web.
    expect(renderReportHtml(vi.model, chartRefs(vi.charts, 'file'))).toContain('src="chart-trend-K1.png"');
    expect(renderReportHtml(vi.model, chartRefs(vi.charts, 'data'))).toContain('src="data:image/png;base64,iVBOR');
    expect(vi.text).toContain('K1. Văn bản nội bộ trao đổi hoàn toàn điện tử (Mục tiêu: ≥ 80%)');
    expect(vi.text).toContain('  Toàn tỉnh: 77,6% (1.584/2.040) — Chưa đạt');
  });

  it('draws each chart as a small palette PNG', () => {
    for (const c of vi.charts) {
      const info = pngInfo(c.png);
      expect([info.width, info.height]).toEqual([c.width, c.height]);
      expect(info.width).toBe(640);
      expect(info.colors).toBeGreaterThan(4);
      expect(info.colors).toBeLessThanOrEqual(256);
      expect(c.png.length).toBeLessThan(40_000);
    }
  });

  it('renders the English version with English labels and number formats', async () => {
    const en = await renderReport(model('en'));
    const text = (await pdfText(en.pdf)).text.replace(/\s+/g, ' ');
    expect(text).toContain('SOCIALIST REPUBLIC OF VIET NAM');
    expect(text).toContain('Province-wide 1,584 2,040 77.6% ≥ 80% Below target');
    expect(en.html).toContain('Report on the use of official email');
    const sheets = await xlsxSheets(en.xlsx);
    expect(sheets[0]?.name).toBe('Summary');
  });
});
