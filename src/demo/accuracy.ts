// How well the pipeline's labels agree with what the demo generator intended: a first, honest
// check shown at the end of the demo (the labeled evaluation set is separate work). Pure: the
// generator's truth and the stored facts in, agreement counts out.
import type { GeneratedTruth } from './corpus.js';

export interface StoredFacts {
  state: string;
  /** Labels of the exchanges the message produced. */
  forms: Array<string | null>;
  digitizations: string[];
  secrets: boolean[];
  /** The signed label of each exchange. */
  signed: boolean[];
  transmitted: string[];
}

export interface Agreement {
  label: string;
  agree: number;
  total: number;
}

/** Compares each generated message (by Message-ID) with what was stored for it. */
export function compareWithTruth(truths: GeneratedTruth[], stored: Map<string, StoredFacts>): Agreement[] {
  const tally = new Map<string, Agreement>();
  const add = (label: string, ok: boolean) => {
    const t = tally.get(label) ?? { label, agree: 0, total: 0 };
    t.total++;
    if (ok) t.agree++;
    tally.set(label, t);
  };
  const seen = new Set<string>();
  for (const t of truths) {
    const id = t.messageId.replace(/^<|>$/g, '').toLowerCase();
    if (seen.has(id)) continue; // a mail between two watched agencies is generated twice
    seen.add(id);
    const s = stored.get(id);
    if (!s) {
      add('stored', false);
      continue;
    }
    add('stored', true);
    const expectedState = t.machineGenerated ? 'skipped' : t.malformed ? 'malformed' : 'analyzed';
    add('state', s.state === expectedState);
    if (t.machineGenerated || t.malformed || s.forms.length === 0) continue;
    add('form', s.forms.every((f) => f === t.form));
    add('digitization', s.digitizations.every((d) => d === t.digitization));
    add('secret', s.secrets.every((x) => x === t.secret));
    add('signed', s.signed.every((x) => x === t.signed));
    add('transmitted document', t.documentRef === null ? s.transmitted.length === 0 : s.transmitted.includes(t.documentRef));
  }
  return [...tally.values()];
}
