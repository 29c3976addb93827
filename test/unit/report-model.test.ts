// The report model on hand-computed cases: an empty period, secret mail kept out, agencies below
// target named, the trend against the previous quarter and the same quarter last year, the
// ranking, and the agency's own report.
import { describe, expect, it } from 'vitest';
import { computeKpis, DEFAULT_TARGETS, k7Details, type AccountCount, type ExchangeCount, type KpiId } from '../../src/domain/kpi.js';
import { parsePeriod } from '../../src/domain/period.js';
import type { Agency } from '../../src/domain/types.js';
import { buildReportModel, RANKING_CHART_MAX, type KpiTables, type ReportSettings } from '../../src/report/model.js';
import type { PeriodStats } from '../../src/report/stats.js';

const agency = (code: string, name: string, level: Agency['level']): Agency => ({ code, name, level, parent: 'P', domains: [], addresses: [], validFrom: null, validTo: null, successor: null });
const AGENCIES: Agency[] = [
  { ...agency('P', 'Ủy ban nhân dân tỉnh Sơn Minh', 'province_pc'), parent: null },
  agency('A', 'Sở Tài chính', 'department'),
  agency('B', 'Sở Nội vụ', 'department'),
  agency('C', 'UBND xã Hòa An', 'commune_pc'),
  agency('S', 'Sở Khoa học và Công nghệ', 'department'),
];

function ex(agencyCode: string, level: Agency['level'], count: number, o: Partial<ExchangeCount> = {}): ExchangeCount {
  return { agencyCode, level, flow: 'internal', form: 'electronic', digitization: 'born_digital', signed: false, secret: false, hasDocument: true, direction: 'internal', count, ...o };
}

function statsOf(period: string, rows: ExchangeCount[], accounts: AccountCount[] = [], messages = { total: 0 } as PeriodStats['messages']): PeriodStats {
  const p = parsePeriod(period);
  const k = computeKpis(rows, accounts, { year: p.year, targets: DEFAULT_TARGETS, paperRegister: false });
  return { period: p.id, start: p.start.toISOString(), end: p.end.toISOString(), messages, exchanges: rows.reduce((s, r) => s + r.count, 0), documents: 0, ...k, k7: k7Details(accounts) };
}

function tablesOf(period: string, rows: ExchangeCount[]): KpiTables {
  return computeKpis(rows, [], { year: parsePeriod(period).year, targets: DEFAULT_TARGETS, paperRegister: false });
}

const SETTINGS: ReportSettings = {
  lang: 'vi',
  issuer: { code: 'S', name: 'Sở Khoa học và Công nghệ', parentName: 'Ủy ban nhân dân tỉnh Sơn Minh' },
  number: '07/BC-SKHCN',
  place: 'Sơn Minh',
  issuedOn: new Date('2026-10-01T00:00:00Z'),
  rankBy: 'K1',
  signer: null,
};

const kpi = (m: ReturnType<typeof buildReportModel>, id: KpiId) => m.kpis.find((k) => k.id === id)!;

describe('report model', () => {
  it('lays out the administrative heading, number, place and date, and title', () => {
    const m = buildReportModel({ stats: statsOf('2026-Q3', []), scope: 'province', agencies: AGENCIES, history: {} }, SETTINGS);
    expect(m.heading).toEqual({
      nation: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      motto: 'Độc lập - Tự do - Hạnh phúc',
      parentIssuer: 'UBND TỈNH SƠN MINH',
      issuer: 'SỞ KHOA HỌC VÀ CÔNG NGHỆ',
      number: '07/BC-SKHCN',
      placeDate: 'Sơn Minh, ngày 01 tháng 10 năm 2026',
      issuedOn: '2026-10-01',
    });
    expect(m.title).toBe('Báo cáo tình hình sử dụng thư điện tử công vụ quý III năm 2026');
    expect(m.subtitle).toBeNull();
    expect([m.firstDay, m.lastDay]).toEqual(['2026-07-01', '2026-09-30']);
    const en = buildReportModel({ stats: statsOf('2026-Q3', []), scope: 'province', agencies: AGENCIES, history: {} }, { ...SETTINGS, lang: 'en' });
    expect(en.title).toBe('Report on the use of official email Q3 2026');
    expect(en.heading.nation).toBe('SOCIALIST REPUBLIC OF VIET NAM');
    expect(en.heading.placeDate).toBe('Sơn Minh, 1 October 2026');
  });

  it('reports an empty period as no data, the register KPIs as needing a paper register, and draws no chart', () => {
    const m = buildReportModel({ stats: statsOf('2026-Q3', []), scope: 'province', agencies: AGENCIES, history: {} }, SETTINGS);
    expect(m.kpis.map((k) => k.id)).toEqual(['K1', 'K1s', 'K2a', 'K2b', 'K3', 'K4e', 'K4h', 'K5', 'K6', 'K7']);
    expect(kpi(m, 'K1')).toMatchObject({ status: 'no_data', statusText: 'Chưa có số liệu', target: { op: '>=', value: 0.8, text: '≥ 80%' } });
    expect(kpi(m, 'K1').rows).toEqual([{ key: 'province', label: 'Toàn tỉnh', numerator: 0, denominator: 0, ratio: null, met: null, needsPaperRegister: false, display: '—' }]);
    for (const id of ['K2a', 'K2b', 'K3'] as const) expect(kpi(m, id)).toMatchObject({ status: 'needs_register', statusText: 'Cần sổ văn bản giấy', chartId: null });
    expect(kpi(m, 'K2a').rows[0]?.display).toBe('Cần sổ văn bản giấy');
    expect(kpi(m, 'K5')).toMatchObject({ status: 'no_data', target: null });
    expect(m.charts).toEqual([]);
    expect(m.ranking).toEqual({ by: 'K1', name: 'Văn bản nội bộ trao đổi hoàn toàn điện tử', rows: [], unranked: 0 });
    expect(m.belowTarget).toEqual([]);
    expect(m.agencies).toEqual([]);
    expect(m.summary[0]).toBe('Trong quý III năm 2026 (từ ngày 01/07/2026 đến ngày 30/09/2026), hệ thống ghi nhận 0 thư công vụ (0 thư đã phân tích, 0 thư tự động, 0 thư lỗi cấu trúc, 0 thư vượt giới hạn), 0 lượt trao đổi và 0 văn bản.');
    expect(m.summary).toContain('Chưa có chỉ tiêu có mục tiêu nào đủ số liệu để đánh giá.');
    expect(m.summary).toContain('Không có cơ quan, đơn vị nào chưa đạt chỉ tiêu.');
  });

  it('keeps secret documents out of every figure', () => {
    const rows = [
      ex('A', 'department', 6),
      ex('A', 'department', 2, { form: 'hybrid' }),
      // Ten secret internal documents and a secret commune exchange: counted nowhere.
      ex('A', 'department', 10, { secret: true, signed: true }),
      ex('C', 'commune_pc', 4, { flow: 'commune_level', secret: true }),
    ];
    const m = buildReportModel({ stats: statsOf('2026-Q3', rows), scope: 'province', agencies: AGENCIES, history: {} }, SETTINGS);
    // K1 = 6 electronic / 8 internal; K6 = 0 signed / 6 electronic; K4e has nothing.
    expect(kpi(m, 'K1').rows[0]).toMatchObject({ numerator: 6, denominator: 8, ratio: 0.75, display: '75,0%', met: false });
    expect(kpi(m, 'K6').rows[0]).toMatchObject({ numerator: 0, denominator: 6, display: '0,0%' });
    expect(kpi(m, 'K4e').rows[0]).toMatchObject({ numerator: 0, denominator: 0, display: '—' });
    expect(kpi(m, 'K5').rows[0]).toMatchObject({ numerator: 0, denominator: 8 });
    // The commune's only exchanges were secret: it is listed, with nothing counted.
    const c = m.agencies.find((a) => a.code === 'C');
    expect(Object.values(c?.kpis ?? {}).map((v) => [v.numerator, v.denominator])).toEqual(Array(10).fill([0, 0]));
    expect(c?.below).toEqual([]);
  });

  it('names the agencies below target, furthest first, per KPI and overall', () => {
    const rows = [
      ex('A', 'department', 6),
      ex('A', 'department', 4, { form: 'hybrid' }), // K1 60%
      ex('B', 'department', 9),
      ex('B', 'department', 1, { form: 'hybrid' }), // K1 90%
      ex('S', 'department', 7),
      ex('S', 'department', 3, { form: 'hybrid' }), // K1 70%
      // Commune: 1 electronic, 3 hybrid: K4e 25% (< 30%), K4h 75% (≥ 50%).
      ex('C', 'commune_pc', 1, { flow: 'commune_level', direction: 'outbound' }),
      ex('C', 'commune_pc', 3, { flow: 'commune_level', direction: 'outbound', form: 'hybrid' }),
      // K1s of B: 9 electronic internal, none scanned (< 50%: met).
    ];
    const m = buildReportModel({ stats: statsOf('2026-Q3', rows), scope: 'province', agencies: AGENCIES, history: {} }, SETTINGS);
    expect(kpi(m, 'K1').rows[0]).toMatchObject({ numerator: 22, denominator: 30, display: '73,3%', met: false });
    expect(kpi(m, 'K1').rows.map((r) => [r.key, r.label, r.numerator, r.denominator])).toEqual([
      ['province', 'Toàn tỉnh', 22, 30],
      ['department', 'Sở, ban, ngành', 22, 30],
      ['commune_pc', 'UBND cấp xã', 0, 0],
    ]);
    expect(kpi(m, 'K1').below.map((b) => [b.code, b.name, b.numerator, b.denominator])).toEqual([
      ['A', 'Sở Tài chính', 6, 10],
      ['S', 'Sở Khoa học và Công nghệ', 7, 10],
    ]);
    expect(kpi(m, 'K4e').below.map((b) => b.code)).toEqual(['C']);
    expect(kpi(m, 'K4h').below).toEqual([]);
    expect(m.belowTarget).toEqual([
      { code: 'A', name: 'Sở Tài chính', kpis: ['K1'] },
      { code: 'S', name: 'Sở Khoa học và Công nghệ', kpis: ['K1'] },
      { code: 'C', name: 'UBND xã Hòa An', kpis: ['K4e'] },
    ]);
    expect(m.agencies.map((a) => [a.code, a.levelName])).toEqual([['A', 'Sở, ban, ngành'], ['B', 'Sở, ban, ngành'], ['S', 'Sở, ban, ngành'], ['C', 'UBND cấp xã']]);
    expect(m.summary).toContain('Có 3 cơ quan, đơn vị chưa đạt ít nhất một chỉ tiêu (danh sách tại mục Cơ quan, đơn vị chưa đạt chỉ tiêu).');
    expect(m.summary).toContain('Các chỉ tiêu có mục tiêu: đạt 2 chỉ tiêu (K1s 0,0% (mục tiêu < 50%); K4h 75,0% (mục tiêu ≥ 50%)); chưa đạt 2 chỉ tiêu (K1 73,3% (mục tiêu ≥ 80%); K4e 25,0% (mục tiêu ≥ 30%)).');
    // The ranking: B 90%, S 70%, A 60% (C has no internal documents: no K1, no rank).
    expect(m.ranking?.rows.map((r) => [r.rank, r.code])).toEqual([[1, 'B'], [2, 'S'], [3, 'A']]);
    expect(m.ranking?.unranked).toBe(1);
    const bars = m.charts.find((c) => c.id === 'ranking');
    expect(bars).toMatchObject({ kind: 'bars', gapAfter: null, target: 0.8 });
    expect(bars?.kind === 'bars' && bars.bars).toEqual([
      { label: '1. Sở Nội vụ', value: 0.9, below: false },
      { label: '2. Sở Khoa học và Công nghệ', value: 0.7, below: true },
      { label: '3. Sở Tài chính', value: 0.6, below: true },
    ]);
  });

  it('gives the trend against the previous quarter and the same quarter last year, and charts it', () => {
    const now = [ex('A', 'department', 3), ex('A', 'department', 1, { form: 'hybrid' })]; // K1 75%
    const history = {
      '2026-Q2': tablesOf('2026-Q2', [ex('A', 'department', 1), ex('A', 'department', 1, { form: 'hybrid' })]), // 50%
      '2025-Q3': tablesOf('2025-Q3', [ex('A', 'department', 9), ex('A', 'department', 1, { form: 'hybrid' })]), // 90%
      '2026-Q1': tablesOf('2026-Q1', []),
    };
    const m = buildReportModel({ stats: statsOf('2026-Q3', now), scope: 'province', agencies: AGENCIES, history }, SETTINGS);
    expect(kpi(m, 'K1').trend).toEqual([
      { kind: 'previous', period: '2026-Q2', label: 'quý II năm 2026', ratio: 0.5, delta: 0.25 },
      { kind: 'lastYear', period: '2025-Q3', label: 'quý III năm 2025', ratio: 0.9, delta: 0.75 - 0.9 },
    ]);
    expect(m.summary).toContain('So với quý II năm 2026: K1 +25,0 điểm %; K1s 0,0 điểm %; K5 0,0 điểm %; K6 0,0 điểm %.');
    const chart = m.charts.find((c) => c.id === 'trend-K1');
    expect(chart).toEqual({
      id: 'trend-K1',
      kind: 'line',
      title: 'Diễn biến K1: Văn bản nội bộ trao đổi hoàn toàn điện tử',
      xLabels: ['Q3/2025', 'Q1/2026', 'Q2/2026', 'Q3/2026'],
      values: [0.9, null, 0.5, 0.75],
      target: 0.8,
      targetOp: '>=',
    });
    // A year's report compares with the year before only.
    const year = buildReportModel({ stats: statsOf('2026', now), scope: 'province', agencies: AGENCIES, history: { '2025': tablesOf('2025', []) } }, SETTINGS);
    expect(kpi(year, 'K1').trend).toEqual([{ kind: 'previous', period: '2025', label: 'năm 2025', ratio: null, delta: null }]);
  });

  it("makes an agency's own report: its figures, its name, no ranking and no other agency", () => {
    const rows = [ex('A', 'department', 6), ex('A', 'department', 4, { form: 'hybrid' })];
    const accounts: AccountCount[] = [{ agencyCode: 'A', level: 'department', accounts: 40, activeAccounts: 30, sent: 1234, received: 5678 }];
    const m = buildReportModel({ stats: statsOf('2026-Q3', rows, accounts, { total: 6912, analyzed: 6900, skipped: 12 }), scope: 'A', agencies: AGENCIES, history: {} }, SETTINGS);
    expect(m.scope).toEqual({ kind: 'agency', code: 'A', name: 'Sở Tài chính', level: 'department' });
    expect(m.subtitle).toBe('của Sở Tài chính');
    expect(kpi(m, 'K1').rows).toEqual([{ key: 'A', label: 'Sở Tài chính', numerator: 6, denominator: 10, ratio: 0.6, met: false, needsPaperRegister: false, display: '60,0%' }]);
    expect(kpi(m, 'K7')).toMatchObject({ k7: { accounts: 40, activeAccounts: 30, sent: 1234, received: 5678, messages: 6912 }, rows: [{ numerator: 30, denominator: 40, display: '75,0%' }] });
    expect(m.ranking).toBeNull();
    expect(m.agencies).toEqual([]);
    expect(m.charts.some((c) => c.kind === 'bars')).toBe(false);
    expect(m.summary[0]).toContain('hệ thống ghi nhận 6.912 thư công vụ của Sở Tài chính (6.900 thư đã phân tích, 12 thư tự động');
    expect(m.summary[1]).toBe('Sở Tài chính có 40 tài khoản thư điện tử công vụ, trong đó 30 tài khoản có sử dụng trong kỳ (75,0%); 1.234 thư gửi và 5.678 thư nhận.');
  });

  it('shows the best and the lowest agencies in the ranking chart of a large province', () => {
    const many: Agency[] = [];
    const rows: ExchangeCount[] = [];
    for (let i = 0; i < 100; i++) {
      const code = `X${String(i).padStart(3, '0')}`;
      many.push(agency(code, `Cơ quan ${i}`, 'department'));
      rows.push(ex(code, 'department', i + 1), ex(code, 'department', 100 - i, { form: 'hybrid' }));
    }
    const m = buildReportModel({ stats: statsOf('2026-Q3', rows), scope: 'province', agencies: many, history: {} }, SETTINGS);
    const bars = m.charts.find((c) => c.id === 'ranking');
    if (bars?.kind !== 'bars') throw new Error('no ranking chart');
    expect(bars.bars).toHaveLength(RANKING_CHART_MAX);
    expect(bars.gapAfter).toBe(RANKING_CHART_MAX / 2 - 1);
    expect(bars.bars[0]?.label).toBe('1. Cơ quan 99');
    expect(bars.bars.at(-1)?.label).toBe('100. Cơ quan 0');
    expect(bars.title).toBe('Xếp hạng theo K1: 15 cao nhất, 15 thấp nhất / 100');
    expect(m.ranking?.rows).toHaveLength(100);
  });
});
