import { describe, expect, it } from 'vitest';
import { compareWithTruth, type StoredFacts } from '../../src/demo/accuracy.js';
import type { GeneratedTruth } from '../../src/demo/corpus.js';

const truth = (over: Partial<GeneratedTruth>): GeneratedTruth => ({
  messageId: '<a@x.vn>', fromAgency: null, toAgency: null, documentRef: '125/STC-NS', citedRefs: [], form: 'electronic',
  digitization: 'born_digital', secret: false, counterparty: 'agency', machineGenerated: false, malformed: false, signed: false, agencyAddresses: [], ...over,
});
const facts = (over: Partial<StoredFacts>): StoredFacts => ({
  state: 'analyzed', forms: ['electronic'], digitizations: ['born_digital'], secrets: [false], signed: [false], transmitted: ['125/STC-NS'], ...over,
});
const pct = (a: ReturnType<typeof compareWithTruth>, label: string) => a.find((x) => x.label === label);

describe('agreement of stored labels with the generator', () => {
  it('counts agreement per label and a mail seen in two mailboxes once', () => {
    const a = compareWithTruth(
      [truth({}), truth({}), truth({ messageId: '<b@x.vn>', form: 'hybrid' })],
      new Map([['a@x.vn', facts({})], ['b@x.vn', facts({})]]),
    );
    expect(pct(a, 'stored')).toEqual({ label: 'stored', agree: 2, total: 2 });
    expect(pct(a, 'form')).toEqual({ label: 'form', agree: 1, total: 2 });
    expect(pct(a, 'transmitted document')).toEqual({ label: 'transmitted document', agree: 2, total: 2 });
  });

  it('expects machine-generated mail skipped and broken mail malformed, and counts a lost message', () => {
    const a = compareWithTruth(
      [truth({ messageId: '<m@x.vn>', machineGenerated: true, form: null }), truth({ messageId: '<b@x.vn>', malformed: true }), truth({ messageId: '<lost@x.vn>' })],
      new Map([['m@x.vn', facts({ state: 'skipped', forms: [] })], ['b@x.vn', facts({ state: 'analyzed' })]]),
    );
    expect(pct(a, 'state')).toEqual({ label: 'state', agree: 1, total: 2 });
    expect(pct(a, 'stored')).toEqual({ label: 'stored', agree: 2, total: 3 });
    expect(pct(a, 'form')).toBeUndefined();
  });

  it('compares the signed label of every exchange with the document the mail transmits', () => {
    const a = compareWithTruth(
      [truth({ messageId: '<s@x.vn>', signed: true }), truth({ messageId: '<u@x.vn>', signed: false }), truth({ messageId: '<w@x.vn>', signed: true })],
      new Map([['s@x.vn', facts({ signed: [true] })], ['u@x.vn', facts({ signed: [false] })], ['w@x.vn', facts({ signed: [true, false], forms: ['electronic', 'electronic'] })]]),
    );
    expect(pct(a, 'signed')).toEqual({ label: 'signed', agree: 2, total: 3 });
  });
});
