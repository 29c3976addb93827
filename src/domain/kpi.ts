// The KPIs of the directive (DESIGN.md, "The KPIs" and "Definitions") computed from exchange counts
// that SQL has already grouped, so the database does the counting and this pure code the arithmetic,
// the exclusions and the targets — per agency, per level and province-wide.
//
// Counting conventions (the SQL that feeds this must follow them):
// - An exchange between two monitored agencies is one row group under each agency (DESIGN.md:
//   "counted in both agencies' tables"). `provinceWeight` says which copy counts province-wide:
//   1 (the default) for the copy that counts, 0 for the mirror. We suggest the sender's copy.
// - A level's figures are the sum of its agencies' tables, without weights, so that a level row
//   always equals the sum of the agency rows under it.
// - `paperOnly` rows come from an imported paper register: dossiers never seen in email. They only
//   enter the denominators of K2a, K2b and K3, the KPIs that email alone cannot complete.

import type { AgencyLevel, Digitization, Direction, Flow, Form } from './types.js';

export interface ExchangeCount {
  agencyCode: string;
  level: AgencyLevel;
  flow: Flow;
  form: Form | null;
  digitization: Digitization;
  signed: boolean;
  secret: boolean;
  hasDocument: boolean;
  direction: Direction;
  count: number;
  /** Share of this row in province-wide totals: 1 (default) for the copy that counts, 0 for a mirror. */
  provinceWeight?: number;
  /** Dossiers known only from the paper register (no electronic copy seen). */
  paperOnly?: boolean;
  /**
   * A side of the row's exchanges (sender or receiver) has a paper register imported for the
   * period, so the paper-only dossiers among them are known and K2a, K2b, K3 can have a ratio.
   */
  paperRegister?: boolean;
}

export interface AccountCount {
  agencyCode: string;
  level: AgencyLevel;
  accounts: number;
  activeAccounts: number;
  sent: number;
  received: number;
}

export type TargetOp = '>=' | '>' | '<' | '<=';

export interface KpiValue {
  numerator: number;
  denominator: number;
  /** numerator / denominator in 0..1; null when the denominator is 0 or a paper register is needed. */
  ratio: number | null;
  target: number | null;
  /** How `target` compares; present when `target` is. */
  targetOp?: TargetOp;
  met: boolean | null;
  /** K2a, K2b, K3 without a paper register: email cannot show their denominator. */
  needsPaperRegister?: boolean;
}

export const KPI_IDS = ['K1', 'K1s', 'K2a', 'K2b', 'K3', 'K4e', 'K4h', 'K5', 'K6', 'K7'] as const;
export type KpiId = (typeof KPI_IDS)[number];

/**
 * Targets by year. For each KPI the latest year not after the period's year applies, so a target
 * carries forward; a target "from 2014-07-01" is given under 2014.
 */
export interface Targets {
  [year: string]: Partial<Record<KpiId, { op: TargetOp; value: number }>>;
}

/** The provincial directive's targets (directive §2, DESIGN.md "The KPIs"). K5, K6, K7 have none. */
export const DEFAULT_TARGETS: Targets = {
  '2014': {
    K1: { op: '>=', value: 0.55 },
    K1s: { op: '<', value: 0.5 },
    K2a: { op: '>=', value: 0.5 },
    K2b: { op: '>=', value: 0.3 },
    K4e: { op: '>=', value: 0.3 },
    K4h: { op: '>=', value: 0.35 },
  },
  '2015': {
    K1: { op: '>=', value: 0.8 },
    K3: { op: '>', value: 0.8 },
    K4h: { op: '>=', value: 0.5 },
  },
};

const PAPER_REGISTER_KPIS: ReadonlySet<KpiId> = new Set<KpiId>(['K2a', 'K2b', 'K3']);
const NON_STATE_FLOWS: ReadonlySet<Flow> = new Set<Flow>(['with_enterprise', 'with_organization', 'with_individual']);

/** The target of a KPI for a year: from the latest year ≤ `year` that sets one. */
export function targetFor(targets: Targets, year: number, kpi: KpiId): { op: TargetOp; value: number } | null {
  const years = Object.keys(targets)
    .map(Number)
    .filter((y) => Number.isInteger(y) && y <= year)
    .sort((a, b) => b - a);
  for (const y of years) {
    const t = targets[String(y)]?.[kpi];
    if (t) return t;
  }
  return null;
}

function meets(ratio: number, t: { op: TargetOp; value: number }): boolean {
  switch (t.op) {
    case '>=':
      return ratio >= t.value;
    case '>':
      return ratio > t.value;
    case '<':
      return ratio < t.value;
    case '<=':
      return ratio <= t.value;
  }
}

/** Per KPI: the counts, and whether rows of agencies without a paper register entered it. */
type Tally = Record<KpiId, { num: number; den: number; unregistered: boolean }> & { registered: boolean };

function emptyTally(): Tally {
  const t = { registered: false } as Tally;
  for (const id of KPI_IDS) t[id] = { num: 0, den: 0, unregistered: false };
  return t;
}

const REGISTER_FLOW_KPI: Partial<Record<Flow, KpiId>> = {
  to_province_pc: 'K2a',
  inter_agency: 'K2b',
  to_department_or_district: 'K3',
};

/**
 * Register coverage of a scope: it has one when some row of it comes from an agency with a paper
 * register, and a KPI needing one stays "needs a paper register" while any of its rows comes from
 * an agency without one (a ratio over a denominator missing that agency's paper dossiers would
 * flatter it).
 */
function markRegister(t: Tally, r: ExchangeCount, n: number): void {
  if (r.paperRegister === true) {
    t.registered = true;
    return;
  }
  if (n === 0 || r.secret || !r.hasDocument) return;
  const kpi = REGISTER_FLOW_KPI[r.flow];
  if (kpi) t[kpi].unregistered = true;
}

/** Adds `n` exchanges of one row to a tally, applying the KPI definitions. */
function addRow(t: Tally, r: ExchangeCount, n: number): void {
  // Secret documents are kept out of every ratio (directive §2.2: "trừ các loại văn bản có quy định mật").
  if (r.secret || n === 0) return;
  if (r.paperOnly === true) {
    if (!r.hasDocument) return;
    if (r.flow === 'to_province_pc') t.K2a.den += n;
    else if (r.flow === 'inter_agency') t.K2b.den += n;
    else if (r.flow === 'to_department_or_district') t.K3.den += n;
    return;
  }
  // K5: every exchange by email, with or without a document.
  t.K5.den += n;
  if (NON_STATE_FLOWS.has(r.flow)) t.K5.num += n;
  // Messages without a document, and anything without a form (machine mail), stop here.
  if (!r.hasDocument || r.form === null) return;

  const electronic = r.form === 'electronic';
  switch (r.flow) {
    case 'internal':
      t.K1.den += n;
      if (electronic) {
        t.K1.num += n;
        t.K1s.den += n;
        if (r.digitization === 'scanned') t.K1s.num += n;
      }
      break;
    // Seen in email means an electronic copy was sent (hybrid included: paper original plus copy).
    case 'to_province_pc':
      t.K2a.num += n;
      t.K2a.den += n;
      break;
    case 'inter_agency':
      t.K2b.num += n;
      t.K2b.den += n;
      break;
    case 'to_department_or_district':
      t.K3.num += n;
      t.K3.den += n;
      break;
    case 'commune_level':
      t.K4e.den += n;
      t.K4h.den += n;
      if (electronic) t.K4e.num += n;
      else t.K4h.num += n;
      break;
    default:
      break;
  }
  if (electronic) {
    t.K6.den += n;
    if (r.signed) t.K6.num += n;
  }
}

function addAccounts(t: Tally, a: AccountCount): void {
  t.K7.num += a.activeAccounts;
  t.K7.den += a.accounts;
}

function finish(t: Tally, opts: { year: number; targets: Targets; paperRegister: boolean }): Record<KpiId, KpiValue> {
  const out = {} as Record<KpiId, KpiValue>;
  for (const id of KPI_IDS) {
    const { num, den } = t[id];
    const target = targetFor(opts.targets, opts.year, id);
    const needsRegister = PAPER_REGISTER_KPIS.has(id) && !opts.paperRegister && (!t.registered || t[id].unregistered);
    // Without a register the denominator (all dossiers, paper-only included) is unknown: report
    // what email saw and no ratio, never a 100% made of email over email.
    const denominator = needsRegister ? 0 : den;
    const ratio = needsRegister || denominator === 0 ? null : num / denominator;
    const value: KpiValue = {
      numerator: num,
      denominator,
      ratio,
      target: target?.value ?? null,
      met: target && ratio !== null ? meets(ratio, target) : null,
    };
    if (target) value.targetOp = target.op;
    if (needsRegister) value.needsPaperRegister = true;
    out[id] = value;
  }
  return out;
}

function tallyOf<K extends string>(map: Map<K, Tally>, key: K): Tally {
  let t = map.get(key);
  if (!t) {
    t = emptyTally();
    map.set(key, t);
  }
  return t;
}

/**
 * All KPIs for one period (its `year` picks the targets): province-wide (mirror rows weighted 0),
 * per level and per agency (every row of theirs). `paperRegister: true` declares a paper register
 * for every agency; otherwise coverage comes from the rows' own `paperRegister` (markRegister).
 * K2a, K2b and K3 need it.
 */
export function computeKpis(
  rows: ExchangeCount[],
  accounts: AccountCount[],
  opts: { year: number; targets: Targets; paperRegister: boolean },
): {
  province: Record<KpiId, KpiValue>;
  levels: Record<string, Record<KpiId, KpiValue>>;
  agencies: Record<string, Record<KpiId, KpiValue>>;
} {
  const province = emptyTally();
  const levels = new Map<string, Tally>();
  const agencies = new Map<string, Tally>();
  for (const r of rows) {
    const weight = r.provinceWeight ?? 1;
    addRow(province, r, r.count * weight);
    addRow(tallyOf(levels, r.level), r, r.count);
    addRow(tallyOf(agencies, r.agencyCode), r, r.count);
    markRegister(province, r, r.count * weight);
    markRegister(tallyOf(levels, r.level), r, r.count);
    markRegister(tallyOf(agencies, r.agencyCode), r, r.count);
  }
  for (const a of accounts) {
    addAccounts(province, a);
    addAccounts(tallyOf(levels, a.level), a);
    addAccounts(tallyOf(agencies, a.agencyCode), a);
  }
  const finishAll = (m: Map<string, Tally>): Record<string, Record<KpiId, KpiValue>> =>
    Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => [k, finish(t, opts)]));
  return { province: finish(province, opts), levels: finishAll(levels), agencies: finishAll(agencies) };
}

export interface K7Details {
  accounts: number;
  activeAccounts: number;
  sent: number;
  received: number;
  /** sent + received: one message per mailbox, so a mail between two monitored agencies is two. */
  messages: number;
}

function emptyK7(): K7Details {
  return { accounts: 0, activeAccounts: 0, sent: 0, received: 0, messages: 0 };
}

function addK7(d: K7Details, a: AccountCount): void {
  d.accounts += a.accounts;
  d.activeAccounts += a.activeAccounts;
  d.sent += a.sent;
  d.received += a.received;
  d.messages += a.sent + a.received;
}

/** K7's figures beside its ratio (directive §2.7: accounts, active accounts, messages sent and received). */
export function k7Details(accounts: AccountCount[]): {
  province: K7Details;
  levels: Record<string, K7Details>;
  agencies: Record<string, K7Details>;
} {
  const province = emptyK7();
  const levels: Record<string, K7Details> = {};
  const agencies: Record<string, K7Details> = {};
  for (const a of accounts) {
    addK7(province, a);
    addK7((levels[a.level] ??= emptyK7()), a);
    addK7((agencies[a.agencyCode] ??= emptyK7()), a);
  }
  return { province, levels, agencies };
}
