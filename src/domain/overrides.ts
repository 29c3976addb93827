// Corrections by an administrator (DESIGN.md "The domain": every label can be overridden, every
// override audited): which labels and links can be overridden, what values each accepts, and the
// effective labels of an exchange — override ?? computed — with the flow following a corrected
// party. Pure: the directory is passed in; src/db/overrides.ts does the I/O.
import { normalizeAgencyCode } from './directory.js';
import { flowOf } from './flow.js';
import { extractRefs } from './refs.js';
import {
  DIGITIZATIONS,
  FLOWS,
  FORMS,
  type AgencyLevel,
  type Digitization,
  type DirectoryIndex,
  type Evidence,
  type Flow,
  type Form,
  type Labels,
  type PartyKind,
} from './types.js';

export const OVERRIDE_LABELS = ['form', 'digitization', 'signed', 'flow', 'secret', 'document', 'sender', 'receiver'] as const;
export type OverrideLabel = (typeof OVERRIDE_LABELS)[number];

/** Party kinds an administrator may give a side that is not a directory agency. */
const NON_AGENCY_KINDS = ['enterprise', 'organization', 'individual', 'unknown'] as const satisfies readonly PartyKind[];

/** One side of an exchange as the labels see it. */
export interface ExchangeSide {
  kind: PartyKind;
  agencyCode: string | null;
}

/** The labels and links of an exchange: computed by the analysis, or effective after overrides. */
export interface ExchangeLabelSet {
  form: Form | null;
  digitization: Digitization;
  signed: boolean;
  flow: Flow;
  secret: boolean;
  /** Canonical reference of the transmitted document; null for a message without one. */
  document: string | null;
  sender: ExchangeSide;
  receiver: ExchangeSide;
}

/** A value checked against its label's domain, in its stored text form. */
export type OverrideValue =
  | { label: 'form'; value: Form }
  | { label: 'digitization'; value: Digitization }
  | { label: 'flow'; value: Flow }
  | { label: 'signed' | 'secret'; value: boolean }
  | { label: 'document'; value: string | null }
  | { label: 'sender' | 'receiver'; value: ExchangeSide };

export class OverrideValueError extends Error {}

const TRUE_WORDS = new Set(['true', 'yes', 'co', 'có', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'khong', 'không', '0']);

export function isOverrideLabel(s: string): s is OverrideLabel {
  return (OVERRIDE_LABELS as readonly string[]).includes(s);
}

/** What `--value` may be for a label, for error messages and `--help`. */
export function valueDomain(label: OverrideLabel): string {
  switch (label) {
    case 'form':
      return FORMS.join('|');
    case 'digitization':
      return DIGITIZATIONS.join('|');
    case 'flow':
      return FLOWS.join('|');
    case 'signed':
    case 'secret':
      return 'true|false';
    case 'document':
      return 'a document reference such as 2888/UBND-VX, or none';
    case 'sender':
    case 'receiver':
      return `an agency code of the directory, or ${NON_AGENCY_KINDS.join('|')}`;
  }
}

/**
 * Checks `raw` against the domain of `label` and returns it canonical: a reference canonicalized by
 * src/domain/refs.ts, an agency code in its directory form. Throws OverrideValueError otherwise.
 */
export function parseOverrideValue(label: string, raw: string, directory: DirectoryIndex): OverrideValue {
  if (!isOverrideLabel(label)) {
    throw new OverrideValueError(`nhãn không hợp lệ / unknown label ${JSON.stringify(label)}: one of ${OVERRIDE_LABELS.join(', ')}`);
  }
  const v = raw.normalize('NFC').trim();
  const bad = (): never => {
    throw new OverrideValueError(`giá trị không hợp lệ cho nhãn ${label} / invalid value ${JSON.stringify(raw)} for ${label}: ${valueDomain(label)}`);
  };
  switch (label) {
    case 'form':
      return (FORMS as readonly string[]).includes(v) ? { label, value: v as Form } : bad();
    case 'digitization':
      return (DIGITIZATIONS as readonly string[]).includes(v) ? { label, value: v as Digitization } : bad();
    case 'flow':
      return (FLOWS as readonly string[]).includes(v) ? { label, value: v as Flow } : bad();
    case 'signed':
    case 'secret': {
      const w = v.toLowerCase();
      if (TRUE_WORDS.has(w)) return { label, value: true };
      if (FALSE_WORDS.has(w)) return { label, value: false };
      return bad();
    }
    case 'document': {
      if (/^(none|không|khong)$/i.test(v)) return { label, value: null };
      const refs = extractRefs(v);
      // The whole value must be one reference (an optional "số" or type word before it is fine).
      if (refs.length !== 1) return bad();
      return { label, value: (refs[0] as { ref: string }).ref };
    }
    case 'sender':
    case 'receiver': {
      if ((NON_AGENCY_KINDS as readonly string[]).includes(v)) return { label, value: { kind: v as PartyKind, agencyCode: null } };
      const code = normalizeAgencyCode(v) ?? v;
      const agency = directory.agencies.get(code) ?? directory.agencies.get(v);
      if (!agency) {
        throw new OverrideValueError(`không có cơ quan / unknown agency code ${JSON.stringify(raw)} for ${label}: ${valueDomain(label)}`);
      }
      return { label, value: { kind: 'agency', agencyCode: agency.code } };
    }
  }
}

/** The stored text form of a checked value (exchange_overrides.value). */
export function serializeOverrideValue(v: OverrideValue): string {
  switch (v.label) {
    case 'signed':
    case 'secret':
      return String(v.value);
    case 'document':
      return v.value ?? 'none';
    case 'sender':
    case 'receiver':
      return v.value.kind === 'agency' ? (v.value.agencyCode as string) : v.value.kind;
    default:
      return v.value;
  }
}

export interface ActiveOverride {
  id: number;
  label: OverrideLabel;
  value: OverrideValue;
  reason: string;
  by: string;
  at: string;
}

/**
 * Who corrected a label, when, why, and the value the analysis gives it (what it would be without
 * the override). The `detail` of an override's evidence entry: the entry keeps the
 * `{ label, value, rule, detail }` shape of every evidence entry (DESIGN.md, `inspect`).
 */
export interface OverrideDetail {
  by: string;
  at: string;
  reason: string;
  before: string | boolean | null;
}

export interface OverrideEvidence {
  label: OverrideLabel;
  value: string | boolean | null;
  rule: 'override';
  detail: OverrideDetail;
}

/** An evidence entry of the analysis, or of an override. */
export type LabelEvidence = Evidence | OverrideEvidence;

export function isOverrideEvidence(e: { rule: string; detail: unknown }): e is OverrideEvidence {
  return e.rule === 'override' && typeof e.detail === 'object' && e.detail !== null;
}

export interface EffectiveLabels {
  labels: ExchangeLabelSet;
  /** Labels an override decides (`flow` too when a corrected party decides it). */
  pinned: OverrideLabel[];
  /** One entry per override, and the flow's rule when a corrected party decides the flow. */
  evidence: LabelEvidence[];
}

function levelOf(side: ExchangeSide, directory: DirectoryIndex): AgencyLevel | null {
  return side.agencyCode ? (directory.agencies.get(side.agencyCode)?.level ?? null) : null;
}

function describeSide(s: ExchangeSide): string {
  return s.kind === 'agency' ? (s.agencyCode ?? '?') : s.kind;
}

/**
 * The effective labels of an exchange: each overridden label takes the override's value, the
 * others keep the computed one. A corrected sender or receiver changes the flow as the flow rules
 * say (unless the flow itself is overridden), so statistics follow a corrected party.
 */
export function resolveEffective(computed: ExchangeLabelSet, overrides: ActiveOverride[], directory: DirectoryIndex): EffectiveLabels {
  const labels: ExchangeLabelSet = { ...computed, sender: { ...computed.sender }, receiver: { ...computed.receiver } };
  const pinned = new Set<OverrideLabel>();
  const evidence: LabelEvidence[] = [];
  const byLabel = new Map(overrides.map((o) => [o.label, o]));
  for (const label of OVERRIDE_LABELS) {
    const o = byLabel.get(label);
    if (!o) continue;
    const v = o.value;
    switch (v.label) {
      case 'form':
        labels.form = v.value;
        break;
      case 'digitization':
        labels.digitization = v.value;
        break;
      case 'flow':
        labels.flow = v.value;
        break;
      case 'signed':
        labels.signed = v.value;
        break;
      case 'secret':
        labels.secret = v.value;
        break;
      case 'document':
        labels.document = v.value;
        break;
      case 'sender':
        labels.sender = { ...v.value };
        break;
      case 'receiver':
        labels.receiver = { ...v.value };
        break;
    }
    pinned.add(label);
    evidence.push({
      label,
      value: typeof v.value === 'object' && v.value !== null ? describeSide(v.value) : v.value,
      rule: 'override',
      detail: { by: o.by, at: o.at, reason: o.reason, before: labelValue(computed, label) },
    });
  }
  if (!pinned.has('flow') && (pinned.has('sender') || pinned.has('receiver'))) {
    const side = (s: ExchangeSide) => ({ kind: s.kind, agencyCode: s.agencyCode, agencyLevel: levelOf(s, directory) });
    const { flow, rule } = flowOf(side(labels.sender), side(labels.receiver));
    labels.flow = flow;
    pinned.add('flow');
    evidence.push({
      label: 'flow',
      value: flow,
      rule,
      detail: `Theo bên gửi/nhận đã sửa / from the corrected parties: ${describeSide(labels.sender)} → ${describeSide(labels.receiver)}`,
    });
  }
  return { labels, pinned: OVERRIDE_LABELS.filter((l) => pinned.has(l)), evidence };
}

/** The value of one label in a label set, as JSON for the audit trail. */
export function labelValue(set: ExchangeLabelSet, label: OverrideLabel): string | boolean | null {
  switch (label) {
    case 'sender':
    case 'receiver':
      return describeSide(set[label]);
    default:
      return set[label];
  }
}

/** Labels whose values differ between two label sets. */
export function changedLabels(a: ExchangeLabelSet, b: ExchangeLabelSet): OverrideLabel[] {
  return OVERRIDE_LABELS.filter((l) => labelValue(a, l) !== labelValue(b, l));
}

/**
 * The evidence of an exchange as shown (API, pages, `inspect --message`): the analysis's entries,
 * with those of every pinned label replaced, in place, by the overrides' (and a corrected party's
 * flow rule); pinned labels the analysis gives no entry for (document, sender, receiver) follow at
 * the end. Entries of labels no override touches are kept as they are.
 */
export function mergeEvidence(computed: readonly Evidence[], overlay: readonly LabelEvidence[], pinned: readonly string[]): LabelEvidence[] {
  const pinnedSet = new Set(pinned);
  const placed = new Set<string>();
  const out: LabelEvidence[] = [];
  for (const e of computed) {
    if (!pinnedSet.has(e.label)) {
      out.push(e);
      continue;
    }
    if (placed.has(e.label)) continue;
    placed.add(e.label);
    out.push(...overlay.filter((o) => o.label === e.label));
  }
  for (const label of pinned) if (!placed.has(label)) out.push(...overlay.filter((o) => o.label === label));
  return out;
}

/** One exchange of an analysis (`inspect`): its labels, evidence, document and sides. */
export interface AnalyzedExchange {
  labels: Labels;
  evidence: Evidence[];
  documentRef: string | null;
  sender: ExchangeSide;
  receiver: ExchangeSide;
}

/**
 * An exchange of a fresh analysis with the active overrides of the stored exchange applied:
 * `inspect --message` shows what the statistics count. The analysis's labels are the computed
 * ones (an override's `before`); without overrides the exchange comes back as it is.
 */
export function applyOverrides(e: AnalyzedExchange, overrides: ActiveOverride[], directory: DirectoryIndex): { labels: Labels; evidence: LabelEvidence[]; documentRef: string | null } {
  if (overrides.length === 0) return { labels: e.labels, evidence: e.evidence, documentRef: e.documentRef };
  const computed: ExchangeLabelSet = { ...e.labels, document: e.documentRef, sender: { kind: e.sender.kind, agencyCode: e.sender.agencyCode }, receiver: { kind: e.receiver.kind, agencyCode: e.receiver.agencyCode } };
  const eff = resolveEffective(computed, overrides, directory);
  const l = eff.labels;
  return {
    labels: { form: l.form, digitization: l.digitization, signed: l.signed, flow: l.flow, secret: l.secret },
    evidence: mergeEvidence(e.evidence, eff.evidence, eff.pinned),
    documentRef: l.document,
  };
}
