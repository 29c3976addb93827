// Scores of the evaluation set (eval/README.md): precision, recall and F1 of document references,
// clean and noisy apart, exactness of their fields, accuracy of each label, the failing cases with
// what differs, and whether the targets of issue 5 are met. Pure: the caller runs the extractor and
// the analysis and hands over what they found.

import type { ExpectedLabels, ExpectedRef, LabelCase, RefCase } from './cases.js';
import type { DocRef, Labels } from '../domain/types.js';

export interface Targets {
  refsF1Clean: number;
  refsF1Noisy: number;
  formAccuracy: number;
  flowAccuracy: number;
}

/** Issue 5: references F1 ≥ 0.97 on clean text and ≥ 0.90 on noisy text; flow and form ≥ 0.95. */
export const TARGETS: Targets = { refsF1Clean: 0.97, refsF1Noisy: 0.9, formAccuracy: 0.95, flowAccuracy: 0.95 };

export interface PrecisionRecall {
  cases: number;
  expected: number;
  found: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface FieldExactness {
  /** References found with the right number and symbol: the fields below are compared on these. */
  located: number;
  kind: number;
  date: number;
  year: number;
}

export interface RefGroupScore extends PrecisionRecall {
  fields: FieldExactness;
  /** Transmitted-vs-cited, on the expected references that state a role and were found. */
  role: { cases: number; correct: number; accuracy: number };
}

export type RefDiff =
  | { kind: 'missing'; expected: ExpectedRef }
  | { kind: 'extra'; found: FoundRefLite }
  | { kind: 'field'; ref: string; field: 'ref' | 'kind' | 'date' | 'year'; expected: string | number | null; found: string | number | null }
  | { kind: 'role'; ref: string; expected: 'transmitted' | 'cited'; found: 'transmitted' | 'cited' };

/** A reference as the extractor found it, without its span. */
export interface FoundRefLite extends Omit<DocRef, 'span'> {
  role?: 'transmitted' | 'cited';
}

export interface CaseFailure {
  id: string;
  source: string;
  text: string;
  diffs: RefDiff[];
}

export interface RefRun {
  case: RefCase;
  found: FoundRefLite[];
}

const safeDiv = (a: number, b: number): number => (b === 0 ? 1 : a / b);

function f1Of(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** Number and symbol without the year: the identity used to compare fields of a near miss. */
function locKey(r: { number: string; symbol: string }): string {
  return `${r.number}|${r.symbol}`;
}

export function toFoundRef(r: DocRef, role?: 'transmitted' | 'cited'): FoundRefLite {
  return { ref: r.ref, number: r.number, year: r.year, symbol: r.symbol, kind: r.kind, date: r.date, ...(role ? { role } : {}) };
}

/** What differs between the expected references of one case and those found. */
export function diffCase(expected: ExpectedRef[], found: FoundRefLite[]): RefDiff[] {
  const diffs: RefDiff[] = [];
  const foundByRef = new Map(found.map((f) => [f.ref, f]));
  const foundByLoc = new Map(found.map((f) => [locKey(f), f]));
  const expectedRefs = new Set(expected.map((e) => e.ref));
  const expectedLocs = new Set(expected.map((e) => locKey(e)));
  for (const e of expected) {
    const exact = foundByRef.get(e.ref);
    const near = exact ?? foundByLoc.get(locKey(e));
    if (near === undefined) {
      diffs.push({ kind: 'missing', expected: e });
      continue;
    }
    if (exact === undefined) diffs.push({ kind: 'field', ref: e.ref, field: 'ref', expected: e.ref, found: near.ref });
    if (near.kind !== e.kind) diffs.push({ kind: 'field', ref: e.ref, field: 'kind', expected: e.kind, found: near.kind });
    if (near.date !== e.date) diffs.push({ kind: 'field', ref: e.ref, field: 'date', expected: e.date, found: near.date });
    if (near.year !== e.year) diffs.push({ kind: 'field', ref: e.ref, field: 'year', expected: e.year, found: near.year });
    if (e.role !== null && near.role !== undefined && near.role !== e.role) diffs.push({ kind: 'role', ref: e.ref, expected: e.role, found: near.role });
  }
  for (const f of found) {
    if (!expectedRefs.has(f.ref) && !expectedLocs.has(locKey(f))) diffs.push({ kind: 'extra', found: f });
  }
  return diffs;
}

export function scoreRefGroup(runs: RefRun[]): RefGroupScore {
  let expected = 0;
  let foundN = 0;
  let correct = 0;
  const fields: FieldExactness = { located: 0, kind: 0, date: 0, year: 0 };
  const role = { cases: 0, correct: 0, accuracy: 1 };
  for (const { case: c, found } of runs) {
    expected += c.refs.length;
    foundN += found.length;
    const byRef = new Map(found.map((f) => [f.ref, f]));
    const byLoc = new Map(found.map((f) => [locKey(f), f]));
    for (const e of c.refs) {
      const exact = byRef.get(e.ref);
      if (exact) correct += 1;
      const near = exact ?? byLoc.get(locKey(e));
      if (!near) continue;
      fields.located += 1;
      if (near.kind === e.kind) fields.kind += 1;
      if (near.date === e.date) fields.date += 1;
      if (near.year === e.year) fields.year += 1;
      if (e.role !== null && near.role !== undefined) {
        role.cases += 1;
        if (near.role === e.role) role.correct += 1;
      }
    }
  }
  role.accuracy = safeDiv(role.correct, role.cases);
  const precision = safeDiv(correct, foundN);
  const recall = safeDiv(correct, expected);
  return { cases: runs.length, expected, found: foundN, correct, precision, recall, f1: f1Of(precision, recall), fields, role };
}

export function refFailures(runs: RefRun[]): CaseFailure[] {
  const out: CaseFailure[] = [];
  for (const { case: c, found } of runs) {
    const diffs = diffCase(c.refs, found);
    if (diffs.length > 0) out.push({ id: c.id, source: c.source, text: c.text, diffs });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Labels

export const LABEL_NAMES = ['form', 'flow', 'digitization', 'signed', 'secret'] as const;
export type LabelName = (typeof LABEL_NAMES)[number];

export interface LabelRun {
  case: LabelCase;
  labels: Labels;
  /** The evidence of each label as `inspect` prints it, for the failure listing. */
  evidence: Array<{ label: string; rule: string; detail: string }>;
}

export interface LabelFailure {
  id: string;
  source: string;
  label: LabelName;
  expected: unknown;
  found: unknown;
  rule: string | null;
  detail: string | null;
}

export type LabelScores = Record<LabelName, { cases: number; correct: number; accuracy: number }>;

export function scoreLabels(runs: LabelRun[]): { scores: LabelScores; failures: LabelFailure[] } {
  const scores = Object.fromEntries(LABEL_NAMES.map((n) => [n, { cases: 0, correct: 0, accuracy: 1 }])) as LabelScores;
  const failures: LabelFailure[] = [];
  for (const run of runs) {
    for (const name of LABEL_NAMES) {
      const want = (run.case.expect as ExpectedLabels)[name];
      if (want === undefined) continue;
      const got = run.labels[name];
      const s = scores[name];
      s.cases += 1;
      if (got === want) {
        s.correct += 1;
        continue;
      }
      const ev = run.evidence.find((e) => e.label === name);
      failures.push({ id: run.case.id, source: run.case.source, label: name, expected: want, found: got, rule: ev?.rule ?? null, detail: ev?.detail ?? null });
    }
  }
  for (const name of LABEL_NAMES) scores[name].accuracy = safeDiv(scores[name].correct, scores[name].cases);
  return { scores, failures };
}

// ---------------------------------------------------------------------------------------------
// Targets

export interface TargetCheck {
  name: string;
  value: number;
  target: number;
  met: boolean;
}

export function checkTargets(s: { clean: PrecisionRecall; noisy: PrecisionRecall; labels: LabelScores }, t: Targets = TARGETS): TargetCheck[] {
  const check = (name: string, value: number, target: number): TargetCheck => ({ name, value, target, met: value >= target });
  return [
    check('refs.clean.f1', s.clean.f1, t.refsF1Clean),
    check('refs.noisy.f1', s.noisy.f1, t.refsF1Noisy),
    check('labels.form.accuracy', s.labels.form.accuracy, t.formAccuracy),
    check('labels.flow.accuracy', s.labels.flow.accuracy, t.flowAccuracy),
  ];
}
