import { describe, it, expect } from 'vitest';
import {
  DEFAULT_TARGETS,
  KPI_IDS,
  computeKpis,
  k7Details,
  targetFor,
  type AccountCount,
  type ExchangeCount,
  type Targets,
} from '../../src/domain/kpi.js';

const STC = '000.00.03.H30';
const SNV = '000.00.02.H30';
const XA = '000.32.01.H30';

function row(overrides: Partial<ExchangeCount> = {}): ExchangeCount {
  return {
    agencyCode: STC,
    level: 'department',
    flow: 'internal',
    form: 'electronic',
    digitization: 'born_digital',
    signed: false,
    secret: false,
    hasDocument: true,
    direction: 'outbound',
    count: 1,
    ...overrides,
  };
}

function account(overrides: Partial<AccountCount> = {}): AccountCount {
  return { agencyCode: STC, level: 'department', accounts: 10, activeAccounts: 7, sent: 120, received: 300, ...overrides };
}

const opts2014 = { year: 2014, targets: DEFAULT_TARGETS, paperRegister: false };
const opts2026 = { year: 2026, targets: DEFAULT_TARGETS, paperRegister: false };

describe('K1 and K1s: internal documents', () => {
  const rows = [
    row({ count: 4 }),
    row({ digitization: 'scanned', count: 2 }),
    row({ form: 'hybrid', count: 3 }),
    row({ form: 'hybrid', digitization: 'scanned', count: 1 }),
  ];

  it('divides electronic internal documents by all internal documents', () => {
    expect(computeKpis(rows, [], opts2014).province.K1).toEqual({
      numerator: 6,
      denominator: 10,
      ratio: 0.6,
      target: 0.55,
      targetOp: '>=',
      met: true,
    });
  });

  it('misses the 2015 target of 80% with the same figures', () => {
    expect(computeKpis(rows, [], { ...opts2014, year: 2015 }).province.K1).toMatchObject({ ratio: 0.6, target: 0.8, met: false });
  });

  it('divides scanned electronic internal documents by electronic internal documents, against a target below 50%', () => {
    expect(computeKpis(rows, [], opts2014).province.K1s).toEqual({
      numerator: 2,
      denominator: 6,
      ratio: 2 / 6,
      target: 0.5,
      targetOp: '<',
      met: true,
    });
  });

  it('misses a strict "< 50%" target at exactly 50%', () => {
    const k = computeKpis([row({ count: 1 }), row({ digitization: 'scanned', count: 1 })], [], opts2014).province.K1s;
    expect(k).toMatchObject({ ratio: 0.5, met: false });
  });

  it('does not count mixed digitization as scanned', () => {
    expect(computeKpis([row({ digitization: 'mixed', count: 3 })], [], opts2014).province.K1s).toMatchObject({ numerator: 0, denominator: 3 });
  });
});

describe('K2a, K2b, K3: dossiers that need a paper register', () => {
  const rows = [
    row({ flow: 'to_province_pc', count: 3 }),
    row({ flow: 'to_province_pc', form: 'hybrid', count: 1 }),
    row({ flow: 'inter_agency', count: 2 }),
    row({ agencyCode: XA, level: 'commune_pc', flow: 'to_department_or_district', count: 5 }),
  ];

  it('reports what email saw and no ratio without a register', () => {
    const p = computeKpis(rows, [], opts2026).province;
    expect(p.K2a).toEqual({ numerator: 4, denominator: 0, ratio: null, target: 0.5, targetOp: '>=', met: null, needsPaperRegister: true });
    expect(p.K2b).toEqual({ numerator: 2, denominator: 0, ratio: null, target: 0.3, targetOp: '>=', met: null, needsPaperRegister: true });
    expect(p.K3).toEqual({ numerator: 5, denominator: 0, ratio: null, target: 0.8, targetOp: '>', met: null, needsPaperRegister: true });
  });

  it('never reports 100% made of email over email', () => {
    const p = computeKpis(rows, [], opts2026).province;
    for (const id of ['K2a', 'K2b', 'K3'] as const) expect(p[id].ratio).toBeNull();
  });

  it('divides by all dossiers, paper-only ones included, once a register is imported', () => {
    const withRegister = [
      ...rows,
      row({ flow: 'to_province_pc', form: null, paperOnly: true, count: 4 }),
      row({ flow: 'inter_agency', form: null, paperOnly: true, count: 8 }),
      row({ agencyCode: XA, level: 'commune_pc', flow: 'to_department_or_district', form: null, paperOnly: true, count: 1 }),
    ];
    const p = computeKpis(withRegister, [], { ...opts2026, paperRegister: true }).province;
    expect(p.K2a).toEqual({ numerator: 4, denominator: 8, ratio: 0.5, target: 0.5, targetOp: '>=', met: true });
    expect(p.K2b).toEqual({ numerator: 2, denominator: 10, ratio: 0.2, target: 0.3, targetOp: '>=', met: false });
    expect(p.K3).toMatchObject({ numerator: 5, denominator: 6, met: true });
    expect(p.K3.ratio).toBeCloseTo(5 / 6);
  });

  it('keeps paper-only dossiers out of every other KPI', () => {
    const p = computeKpis([row({ flow: 'internal', form: null, paperOnly: true, count: 9 })], [], { ...opts2026, paperRegister: true }).province;
    expect(p.K1.denominator).toBe(0);
    expect(p.K5.denominator).toBe(0);
    expect(p.K6.denominator).toBe(0);
  });

  it('misses a strict "> 80%" target at exactly 80%', () => {
    const rows3 = [
      row({ flow: 'to_department_or_district', count: 4 }),
      row({ flow: 'to_department_or_district', form: null, paperOnly: true, count: 1 }),
    ];
    expect(computeKpis(rows3, [], { ...opts2026, paperRegister: true }).province.K3).toMatchObject({ ratio: 0.8, met: false });
  });
});

describe('K4e and K4h: commune-level documents', () => {
  const rows = [
    row({ agencyCode: XA, level: 'commune_pc', flow: 'commune_level', count: 3 }),
    row({ agencyCode: XA, level: 'commune_pc', flow: 'commune_level', form: 'hybrid', count: 7 }),
  ];

  it('divides electronic and hybrid commune-level documents by all of them', () => {
    const p = computeKpis(rows, [], opts2014).province;
    expect(p.K4e).toEqual({ numerator: 3, denominator: 10, ratio: 0.3, target: 0.3, targetOp: '>=', met: true });
    expect(p.K4h).toEqual({ numerator: 7, denominator: 10, ratio: 0.7, target: 0.35, targetOp: '>=', met: true });
  });

  it('raises the hybrid target to 50% from 2015', () => {
    expect(computeKpis(rows, [], { ...opts2014, year: 2015 }).province.K4h.target).toBe(0.5);
  });
});

describe('K5: exchanges with enterprises, organizations and individuals', () => {
  it('counts every exchange outside the state, with or without a document, as a share of all exchanges', () => {
    const rows = [
      row({ flow: 'with_enterprise', count: 2 }),
      row({ flow: 'with_organization', count: 1 }),
      row({ flow: 'with_individual', hasDocument: false, form: 'electronic', digitization: 'none', count: 1 }),
      row({ flow: 'internal', count: 5 }),
      row({ flow: 'unknown', hasDocument: false, count: 1 }),
    ];
    expect(computeKpis(rows, [], opts2026).province.K5).toEqual({ numerator: 4, denominator: 10, ratio: 0.4, target: null, met: null });
  });
});

describe('K6: electronic documents digitally signed', () => {
  it('divides signed electronic documents by electronic documents of every flow', () => {
    const rows = [
      row({ signed: true, count: 2 }),
      row({ flow: 'with_enterprise', signed: true, count: 2 }),
      row({ flow: 'inter_agency', count: 6 }),
      row({ form: 'hybrid', signed: true, count: 5 }),
    ];
    expect(computeKpis(rows, [], opts2026).province.K6).toEqual({ numerator: 4, denominator: 10, ratio: 0.4, target: null, met: null });
  });
});

describe('K7: official email accounts', () => {
  it('divides active accounts by accounts', () => {
    const accounts = [account(), account({ agencyCode: XA, level: 'commune_pc', accounts: 10, activeAccounts: 1 })];
    const k = computeKpis([], accounts, opts2026);
    expect(k.province.K7).toEqual({ numerator: 8, denominator: 20, ratio: 0.4, target: null, met: null });
    expect(k.levels.commune_pc?.K7).toMatchObject({ numerator: 1, denominator: 10, ratio: 0.1 });
    expect(k.agencies[STC]?.K7).toMatchObject({ numerator: 7, denominator: 10, ratio: 0.7 });
  });

  it('reports accounts and messages sent and received beside the ratio', () => {
    const details = k7Details([account(), account({ agencyCode: SNV, accounts: 5, activeAccounts: 5, sent: 10, received: 20 })]);
    expect(details.province).toEqual({ accounts: 15, activeAccounts: 12, sent: 130, received: 320, messages: 450 });
    expect(details.levels.department).toEqual(details.province);
    expect(details.agencies[SNV]).toEqual({ accounts: 5, activeAccounts: 5, sent: 10, received: 20, messages: 30 });
  });

  it('reports nothing for no accounts', () => {
    expect(k7Details([])).toEqual({ province: { accounts: 0, activeAccounts: 0, sent: 0, received: 0, messages: 0 }, levels: {}, agencies: {} });
  });
});

describe('exclusions', () => {
  it('keeps secret documents out of every ratio', () => {
    const plain = [
      row({ count: 2 }),
      row({ flow: 'with_enterprise', count: 1 }),
      row({ agencyCode: XA, level: 'commune_pc', flow: 'commune_level', count: 1 }),
    ];
    const secret = [
      row({ secret: true, form: 'hybrid', count: 50 }),
      row({ secret: true, flow: 'with_enterprise', count: 50 }),
      row({ secret: true, agencyCode: XA, level: 'commune_pc', flow: 'commune_level', form: 'hybrid', count: 50 }),
      row({ secret: true, flow: 'to_province_pc', count: 50 }),
      row({ secret: true, signed: true, count: 50 }),
    ];
    expect(computeKpis([...plain, ...secret], [], opts2026)).toEqual(computeKpis(plain, [], opts2026));
  });

  it('counts messages without a document only in K5', () => {
    const noDoc = [
      row({ hasDocument: false, count: 3 }),
      row({ hasDocument: false, flow: 'to_province_pc', count: 3 }),
      row({ hasDocument: false, agencyCode: XA, level: 'commune_pc', flow: 'commune_level', count: 3 }),
      row({ hasDocument: false, signed: true, count: 3 }),
    ];
    const p = computeKpis(noDoc, [], opts2026).province;
    for (const id of ['K1', 'K1s', 'K4e', 'K4h', 'K6'] as const) expect(p[id]).toMatchObject({ numerator: 0, denominator: 0, ratio: null });
    expect(p.K2a.numerator).toBe(0);
    expect(p.K5).toMatchObject({ numerator: 0, denominator: 12, ratio: 0 });
  });
});

describe('empty periods', () => {
  it('gives null ratios and null met for every KPI', () => {
    const k = computeKpis([], [], opts2026);
    for (const id of KPI_IDS) {
      expect(k.province[id].ratio).toBeNull();
      expect(k.province[id].met).toBeNull();
      expect(k.province[id].numerator).toBe(0);
      expect(k.province[id].denominator).toBe(0);
    }
    expect(k.levels).toEqual({});
    expect(k.agencies).toEqual({});
  });

  it('still shows the targets that apply', () => {
    const k = computeKpis([], [], opts2026);
    expect(k.province.K1.target).toBe(0.8);
    expect(k.province.K2a.needsPaperRegister).toBe(true);
  });
});

describe('targets', () => {
  it('carries the latest year forward: 2026 uses 2015 and, where 2015 is silent, 2014', () => {
    const p = computeKpis([], [], opts2026).province;
    expect([p.K1.target, p.K1s.target, p.K2a.target, p.K2b.target, p.K3.target, p.K4e.target, p.K4h.target]).toEqual([
      0.8, 0.5, 0.5, 0.3, 0.8, 0.3, 0.5,
    ]);
    expect([p.K5.target, p.K6.target, p.K7.target]).toEqual([null, null, null]);
  });

  it('has no K3 target in 2014 and none at all before 2014', () => {
    expect(computeKpis([], [], opts2014).province.K3.target).toBeNull();
    const p2013 = computeKpis([row({ count: 1 })], [], { ...opts2014, year: 2013 }).province;
    expect(p2013.K1).toMatchObject({ ratio: 1, target: null, met: null });
  });

  it('takes a target from a custom table, per KPI', () => {
    const targets: Targets = { '2020': { K6: { op: '>=', value: 0.9 } }, '2024': { K6: { op: '<=', value: 0.2 } }, '2030': { K6: { op: '>', value: 0.99 } } };
    expect(targetFor(targets, 2019, 'K6')).toBeNull();
    expect(targetFor(targets, 2023, 'K6')).toEqual({ op: '>=', value: 0.9 });
    expect(targetFor(targets, 2026, 'K6')).toEqual({ op: '<=', value: 0.2 });
    const k = computeKpis([row({ signed: true, count: 1 }), row({ count: 4 })], [], { year: 2026, targets, paperRegister: false });
    expect(k.province.K6).toMatchObject({ ratio: 0.2, target: 0.2, targetOp: '<=', met: true });
  });
});

describe('per agency, per level and province-wide', () => {
  // Sở Tài chính sends 5 documents to Sở Nội vụ: one exchange, seen from both sides.
  const rows = [
    row({ agencyCode: STC, flow: 'inter_agency', direction: 'outbound', signed: true, count: 5, provinceWeight: 1 }),
    row({ agencyCode: SNV, flow: 'inter_agency', direction: 'inbound', signed: true, count: 5, provinceWeight: 0 }),
    row({ agencyCode: XA, level: 'commune_pc', flow: 'to_department_or_district', count: 2 }),
  ];
  const k = computeKpis(rows, [], { ...opts2026, paperRegister: true });

  it('counts an exchange between two monitored agencies once province-wide', () => {
    expect(k.province.K2b).toMatchObject({ numerator: 5, denominator: 5 });
    expect(k.province.K6).toMatchObject({ numerator: 5, denominator: 7 });
    expect(k.province.K5.denominator).toBe(7);
  });

  it('counts it in both agencies’ tables', () => {
    expect(k.agencies[STC]?.K2b).toMatchObject({ numerator: 5, denominator: 5, ratio: 1 });
    expect(k.agencies[SNV]?.K2b).toMatchObject({ numerator: 5, denominator: 5, ratio: 1 });
    expect(k.agencies[XA]?.K3).toMatchObject({ numerator: 2, denominator: 2 });
  });

  it('sums a level from its agencies’ tables', () => {
    expect(k.levels.department?.K2b).toMatchObject({ numerator: 10, denominator: 10 });
    expect(k.levels.commune_pc?.K3).toMatchObject({ numerator: 2, denominator: 2 });
    expect(Object.keys(k.levels)).toEqual(['commune_pc', 'department']);
    expect(Object.keys(k.agencies)).toEqual([SNV, STC, XA]);
  });

  it('gives every KPI in every table', () => {
    for (const table of [k.province, ...Object.values(k.levels), ...Object.values(k.agencies)]) {
      expect(Object.keys(table).sort()).toEqual([...KPI_IDS].sort());
    }
  });
});

describe('paper register coverage from the rows', () => {
  const opts = { year: 2026, targets: DEFAULT_TARGETS, paperRegister: false };

  it('gives K2a a ratio for an agency whose rows carry a register, paper-only dossiers in the denominator', () => {
    const k = computeKpis(
      [
        row({ agencyCode: SNV, flow: 'to_province_pc', count: 3, paperRegister: true }),
        row({ agencyCode: SNV, flow: 'to_province_pc', form: null, digitization: 'none', paperOnly: true, count: 1, paperRegister: true }),
      ],
      [],
      opts,
    );
    expect(k.agencies[SNV]?.K2a).toEqual({ numerator: 3, denominator: 4, ratio: 0.75, target: 0.5, targetOp: '>=', met: true });
    expect(k.province.K2a.ratio).toBe(0.75);
  });

  it('keeps "needs a paper register" where an agency without a register contributes to the KPI', () => {
    const k = computeKpis(
      [
        row({ agencyCode: SNV, flow: 'to_province_pc', count: 3, paperRegister: true }),
        row({ agencyCode: STC, flow: 'to_province_pc', count: 2 }),
      ],
      [],
      opts,
    );
    expect(k.agencies[SNV]?.K2a.ratio).toBe(1);
    expect(k.agencies[STC]?.K2a.needsPaperRegister).toBe(true);
    expect(k.province.K2a.needsPaperRegister).toBe(true);
    expect(k.levels.department?.K2a.needsPaperRegister).toBe(true);
  });

  it('does not let a register of one KPI speak for another', () => {
    const k = computeKpis(
      [
        row({ agencyCode: SNV, flow: 'to_province_pc', count: 3, paperRegister: true }),
        row({ agencyCode: STC, flow: 'inter_agency', count: 2 }),
      ],
      [],
      opts,
    );
    expect(k.province.K2a.ratio).toBe(1);
    expect(k.province.K2b.needsPaperRegister).toBe(true);
  });

  it('ignores secret rows and rows without a document when deciding coverage', () => {
    const k = computeKpis(
      [
        row({ agencyCode: SNV, flow: 'to_province_pc', count: 3, paperRegister: true }),
        row({ agencyCode: STC, flow: 'to_province_pc', count: 2, secret: true }),
        row({ agencyCode: STC, flow: 'to_province_pc', count: 2, hasDocument: false }),
      ],
      [],
      opts,
    );
    expect(k.province.K2a).toMatchObject({ numerator: 3, denominator: 3, ratio: 1 });
  });

  it('still needs a register when no row carries one', () => {
    const k = computeKpis([row({ flow: 'to_department_or_district', count: 2 })], [], opts);
    expect(k.province.K3.needsPaperRegister).toBe(true);
  });
});
