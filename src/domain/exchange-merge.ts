// One exchange, many sightings (DESIGN.md "Definitions": an exchange is one per document transmitted
// and receiving party). The same document from the same sender to the same receiver may come in
// several mails — a scan first and the signed born-digital PDF later, a resend, the sender's Sent
// copy and the receiver's INBOX copy — and each mail that carries it is a sighting with the labels
// its own analysis gave. The exchange's labels are the merge of ALL its sightings, computed here so
// that the result depends only on the set of sightings, never on the order they were analyzed in:
//
// - the sightings are put in a canonical order first: earliest `msgDate`, then the mail's key
//   (normalized Message-ID, or `sha:` and the content hash), then the whole sighting as JSON, so
//   that two sightings that compare equal on everything give the same result whichever comes first;
// - the earliest sighting (the first of that order) gives the period (`msgDate`: the exchange
//   belongs to the period in which the document was first sent), the addresses, the party kinds
//   and agencies, the document and the flow (the flow follows from the parties, the same for every
//   sighting of one key);
// - form: `hybrid` when any sighting is hybrid (a paper original exists once any mail says so, or a
//   paper register does), else `electronic` when any is, else null;
// - signed: when any sighting is signed (a signed copy was delivered); secret: when any is;
// - digitization: the join of the sightings' values in the lattice none < born_digital, scanned <
//   mixed, that is the digitization of all the document files the receiver got, as one mail
//   carrying all of them would be labelled: `none` adds nothing, born_digital and scanned copies of
//   one document make it `mixed`. K1s counts `scanned` only, so a document of which a born-digital
//   copy was also sent does not count as a scan-only one; a document only ever scanned stays scanned;
// - evidence: the union of the sightings' evidence in the canonical order, each item naming the
//   mail it came from (`message`: the mail's key), an item already given by an earlier sighting
//   (same mail key too: the same mail seen in two mailboxes) left out; when the merge gives a value
//   no single sighting had (digitization `mixed`), an item with rule `merge.sightings` says why.
//
// Pure: no I/O. src/db/facts.ts stores each sighting's labels and writes the merge onto the
// exchange (under the labels an active override pins).
import type { Digitization, Evidence, Flow, Form, PartyKind } from './types.js';

/** What one mail's analysis says about one exchange. */
export interface Sighting {
  /** The mail: normalized Message-ID, or `sha:<sha256>` without one. */
  mailKey: string;
  /** The mail's date (ISO 8601). */
  msgDate: string;
  senderAddress: string | null;
  receiverAddress: string | null;
  senderKind: PartyKind;
  receiverKind: PartyKind;
  senderAgency: string | null;
  receiverAgency: string | null;
  documentId: number | null;
  flow: Flow;
  form: Form | null;
  digitization: Digitization;
  signed: boolean;
  secret: boolean;
  evidence: Evidence[];
}

/** An evidence item of a merged exchange: the mail it came from (its key) beside it. */
export interface SightingEvidence extends Evidence {
  message: string;
}

export interface MergedExchange {
  msgDate: string;
  senderAddress: string | null;
  receiverAddress: string | null;
  senderKind: PartyKind;
  receiverKind: PartyKind;
  senderAgency: string | null;
  receiverAgency: string | null;
  documentId: number | null;
  hasDocument: boolean;
  flow: Flow;
  form: Form | null;
  digitization: Digitization;
  signed: boolean;
  secret: boolean;
  evidence: SightingEvidence[];
  /** How many distinct mails (mail keys) carry the exchange. */
  mails: number;
}

export class EmptyMergeError extends Error {
  constructor() {
    super('an exchange without a sighting has no labels to merge');
  }
}

/** The join of two digitizations (none < born_digital, scanned < mixed). */
export function joinDigitization(a: Digitization, b: Digitization): Digitization {
  if (a === b || b === 'none') return a;
  if (a === 'none') return b;
  return 'mixed';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A canonical JSON form of a sighting: keys sorted, so the same sighting always gives the same text. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** Sightings in the canonical order: date, mail key, then everything else. */
export function orderSightings(sightings: readonly Sighting[]): Sighting[] {
  const keyed = sightings.map((s) => ({ s, t: Date.parse(s.msgDate), c: canonical(s) }));
  keyed.sort((a, b) => {
    if (a.t !== b.t) return Number.isNaN(a.t) ? 1 : Number.isNaN(b.t) ? -1 : a.t - b.t;
    return compareText(a.s.mailKey, b.s.mailKey) || compareText(a.c, b.c);
  });
  return keyed.map((k) => k.s);
}

const DIGITIZATION_VI: Record<Digitization, string> = {
  born_digital: 'văn bản điện tử gốc',
  scanned: 'bản quét',
  mixed: 'cả bản gốc điện tử và bản quét',
  none: 'không có tệp văn bản',
};

/** The exchange's labels from all its sightings (at least one); independent of their order. */
export function mergeSightings(sightings: readonly Sighting[]): MergedExchange {
  const ordered = orderSightings(sightings);
  const first = ordered[0];
  if (!first) throw new EmptyMergeError();
  let form: Form | null = null;
  let digitization: Digitization = 'none';
  let signed = false;
  let secret = false;
  const evidence: SightingEvidence[] = [];
  const given = new Set<string>();
  const mails = new Set<string>();
  for (const [i, s] of ordered.entries()) {
    if (s.form === 'hybrid' || (s.form === 'electronic' && form === null)) form = s.form;
    digitization = joinDigitization(digitization, s.digitization);
    signed ||= s.signed;
    secret ||= s.secret;
    mails.add(s.mailKey);
    // Items of one sighting stay as its analysis gave them; only what an earlier sighting already gave is left out.
    const own: SightingEvidence[] = s.evidence.map((e) => ({ label: e.label, value: e.value, rule: e.rule, detail: e.detail, message: s.mailKey }));
    const fresh = i === 0 ? own : own.filter((e) => !given.has(canonical(e)));
    for (const e of own) given.add(canonical(e));
    evidence.push(...fresh);
  }
  if (!ordered.some((s) => s.digitization === digitization)) {
    const seen = [...new Set(ordered.map((s) => s.digitization).filter((d) => d !== 'none'))].map((d) => DIGITIZATION_VI[d]);
    evidence.push({
      label: 'digitization',
      value: digitization,
      rule: 'merge.sightings',
      detail: `Cùng văn bản gửi trong ${mails.size} thư: ${seen.join(', ')} / the same document in ${mails.size} mails`,
      message: first.mailKey,
    });
  }
  return {
    msgDate: first.msgDate,
    senderAddress: first.senderAddress,
    receiverAddress: first.receiverAddress,
    senderKind: first.senderKind,
    receiverKind: first.receiverKind,
    senderAgency: first.senderAgency,
    receiverAgency: first.receiverAgency,
    documentId: first.documentId,
    hasDocument: first.documentId !== null,
    flow: first.flow,
    form,
    digitization,
    signed,
    secret,
    evidence,
    mails: mails.size,
  };
}
