import { describe, expect, it } from 'vitest';
import { EmptyMergeError, joinDigitization, mergeSightings, orderSightings, type Sighting } from '../../src/domain/exchange-merge.js';
import { DIGITIZATIONS, type Digitization } from '../../src/domain/types.js';

function sighting(over: Partial<Sighting> = {}): Sighting {
  return {
    mailKey: 'a@mail',
    msgDate: '2026-08-03T02:00:00.000Z',
    senderAddress: 'vanthu@stc.sonminh.gov.vn',
    receiverAddress: 'vanthu@snv.sonminh.gov.vn',
    senderKind: 'agency',
    receiverKind: 'agency',
    senderAgency: '000.00.02.H30',
    receiverAgency: '000.00.03.H30',
    documentId: 7,
    flow: 'inter_agency',
    form: 'electronic',
    digitization: 'born_digital',
    signed: false,
    secret: false,
    evidence: [
      { label: 'form', value: 'electronic', rule: 'form.default_electronic', detail: 'mặc định' },
      { label: 'digitization', value: 'born_digital', rule: 'digitization.born_digital', detail: 'cv.pdf' },
    ],
    ...over,
  };
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('joinDigitization', () => {
  it('is the join of none < born_digital, scanned < mixed', () => {
    expect(joinDigitization('none', 'none')).toBe('none');
    expect(joinDigitization('none', 'scanned')).toBe('scanned');
    expect(joinDigitization('born_digital', 'none')).toBe('born_digital');
    expect(joinDigitization('born_digital', 'born_digital')).toBe('born_digital');
    expect(joinDigitization('born_digital', 'scanned')).toBe('mixed');
    expect(joinDigitization('scanned', 'born_digital')).toBe('mixed');
    expect(joinDigitization('mixed', 'none')).toBe('mixed');
    expect(joinDigitization('scanned', 'mixed')).toBe('mixed');
  });

  it('is commutative, associative and idempotent over every value', () => {
    const all = [...DIGITIZATIONS] as Digitization[];
    for (const a of all) {
      expect(joinDigitization(a, a)).toBe(a);
      for (const b of all) {
        expect(joinDigitization(a, b)).toBe(joinDigitization(b, a));
        for (const c of all) expect(joinDigitization(joinDigitization(a, b), c)).toBe(joinDigitization(a, joinDigitization(b, c)));
      }
    }
  });
});

describe('mergeSightings', () => {
  it('refuses an empty list', () => {
    expect(() => mergeSightings([])).toThrow(EmptyMergeError);
  });

  it('gives one sighting its own labels, its evidence naming its mail', () => {
    const s = sighting({ signed: true, secret: true, form: 'hybrid', digitization: 'scanned' });
    const m = mergeSightings([s]);
    expect(m).toMatchObject({ msgDate: s.msgDate, form: 'hybrid', digitization: 'scanned', signed: true, secret: true, flow: 'inter_agency', documentId: 7, hasDocument: true, mails: 1 });
    expect(m.evidence).toEqual(s.evidence.map((e) => ({ ...e, message: 'a@mail' })));
  });

  it('a scan first, the signed born-digital PDF later: mixed, signed, dated by the scan', () => {
    const scan = sighting({ mailKey: 'scan@x', msgDate: '2026-08-01T01:00:00.000Z', digitization: 'scanned', evidence: [{ label: 'digitization', value: 'scanned', rule: 'digitization.scanned', detail: 'scan.pdf' }] });
    const pdf = sighting({ mailKey: 'pdf@x', msgDate: '2026-08-05T01:00:00.000Z', digitization: 'born_digital', signed: true, evidence: [{ label: 'signed', value: true, rule: 'signed.attachment', detail: 'cv.pdf' }] });
    const m = mergeSightings([pdf, scan]);
    expect(m).toMatchObject({ msgDate: scan.msgDate, digitization: 'mixed', signed: true, form: 'electronic', mails: 2 });
    expect(m.evidence.map((e) => [e.rule, e.message])).toEqual([
      ['digitization.scanned', 'scan@x'],
      ['signed.attachment', 'pdf@x'],
      ['merge.sightings', 'scan@x'],
    ]);
    expect(m.evidence[2]?.value).toBe('mixed');
  });

  it('hybrid when any sighting is hybrid (a later mail says the paper copy goes by post)', () => {
    const m = mergeSightings([sighting({ mailKey: 'b', form: 'electronic' }), sighting({ mailKey: 'c', msgDate: '2026-09-01T00:00:00.000Z', form: 'hybrid' })]);
    expect(m.form).toBe('hybrid');
    expect(m.msgDate).toBe('2026-08-03T02:00:00.000Z');
  });

  it('form null only when no sighting has a form', () => {
    expect(mergeSightings([sighting({ form: null }), sighting({ mailKey: 'z', form: null })]).form).toBeNull();
    expect(mergeSightings([sighting({ form: null }), sighting({ mailKey: 'z', form: 'electronic' })]).form).toBe('electronic');
    expect(mergeSightings([sighting({ form: 'hybrid' }), sighting({ mailKey: 'z', form: null })]).form).toBe('hybrid');
  });

  it('secret when any sighting is secret; signed when any is', () => {
    const m = mergeSightings([sighting({ mailKey: 'a', secret: true }), sighting({ mailKey: 'b', signed: true })]);
    expect(m.secret).toBe(true);
    expect(m.signed).toBe(true);
    const n = mergeSightings([sighting({ mailKey: 'a' }), sighting({ mailKey: 'b' })]);
    expect([n.secret, n.signed]).toEqual([false, false]);
  });

  it('a cover mail without the file adds nothing to the digitization', () => {
    const m = mergeSightings([sighting({ mailKey: 'a', digitization: 'none' }), sighting({ mailKey: 'b', msgDate: '2026-08-04T00:00:00.000Z', digitization: 'scanned' })]);
    expect(m.digitization).toBe('scanned');
    expect(m.evidence.some((e) => e.rule === 'merge.sightings')).toBe(false);
  });

  it('the earliest sighting gives the period, the addresses, the parties and the flow', () => {
    const late = sighting({ mailKey: 'late', msgDate: '2026-10-02T00:00:00.000Z', senderAddress: 'giamdoc@stc.sonminh.gov.vn' });
    const early = sighting({ mailKey: 'early', msgDate: '2026-09-29T00:00:00.000Z', senderAddress: 'vanthu@stc.sonminh.gov.vn' });
    const m = mergeSightings([late, early]);
    expect(m.msgDate).toBe(early.msgDate);
    expect(m.senderAddress).toBe('vanthu@stc.sonminh.gov.vn');
  });

  it('the same mail in two mailboxes gives its evidence once', () => {
    const a = sighting();
    const b = sighting();
    const m = mergeSightings([a, b]);
    expect(m.evidence).toHaveLength(a.evidence.length);
    expect(m.mails).toBe(1);
  });

  it('keeps repeated items inside one sighting as its analysis gave them', () => {
    const item = { label: 'encoding', value: 'tcvn3', rule: 'encoding.tcvn3', detail: 'x' };
    const m = mergeSightings([sighting({ evidence: [item, item] })]);
    expect(m.evidence).toHaveLength(2);
  });

  it('equal evidence from two different mails is kept for each, naming each mail', () => {
    const m = mergeSightings([sighting({ mailKey: 'a' }), sighting({ mailKey: 'b' })]);
    expect(m.evidence.map((e) => e.message)).toEqual(['a', 'a', 'b', 'b']);
  });

  it('ties on date are broken by the mail key, then by the whole sighting', () => {
    const a = sighting({ mailKey: 'a', senderAddress: 'z@stc.sonminh.gov.vn' });
    const b = sighting({ mailKey: 'b', senderAddress: 'a@stc.sonminh.gov.vn' });
    expect(mergeSightings([b, a]).senderAddress).toBe('z@stc.sonminh.gov.vn');
    const c = sighting({ receiverAddress: 'x@snv.sonminh.gov.vn' });
    const d = sighting({ receiverAddress: 'y@snv.sonminh.gov.vn' });
    expect(mergeSightings([d, c]).receiverAddress).toBe(mergeSightings([c, d]).receiverAddress);
  });

  it('does not depend on the order of its input (every permutation of a varied set)', () => {
    const set = [
      sighting({ mailKey: 'm1', msgDate: '2026-08-03T02:00:00.000Z', digitization: 'scanned', evidence: [{ label: 'digitization', value: 'scanned', rule: 'digitization.scanned', detail: 's' }] }),
      sighting({ mailKey: 'm2', msgDate: '2026-08-03T02:00:00.000Z', form: 'hybrid', evidence: [{ label: 'form', value: 'hybrid', rule: 'form.hybrid_phrase', detail: 'bản giấy' }] }),
      sighting({ mailKey: 'm3', msgDate: '2026-07-30T02:00:00.000Z', digitization: 'none', signed: true }),
      sighting({ mailKey: 'm2', msgDate: '2026-08-03T02:00:00.000Z', form: 'hybrid', receiverAddress: 'alias@snv.sonminh.gov.vn', evidence: [{ label: 'form', value: 'hybrid', rule: 'form.hybrid_phrase', detail: 'bản giấy' }] }),
      sighting({ mailKey: 'm4', msgDate: '2026-12-31T16:59:59.000Z', secret: true, digitization: 'born_digital' }),
    ];
    const expected = JSON.stringify(mergeSightings(set));
    for (const p of permutations(set)) expect(JSON.stringify(mergeSightings(p))).toBe(expected);
    const m = mergeSightings(set);
    expect(m).toMatchObject({ msgDate: '2026-07-30T02:00:00.000Z', form: 'hybrid', digitization: 'mixed', signed: true, secret: true, mails: 4 });
  });

  it('does not depend on the order for random sets either', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const forms = ['electronic', 'hybrid', null] as const;
    for (let round = 0; round < 200; round += 1) {
      const n = 1 + rnd(5);
      const set = Array.from({ length: n }, () =>
        sighting({
          mailKey: `k${rnd(3)}`,
          msgDate: new Date(Date.UTC(2026, 7, 1 + rnd(3))).toISOString(),
          form: forms[rnd(3)] ?? null,
          digitization: DIGITIZATIONS[rnd(DIGITIZATIONS.length)] as Digitization,
          signed: rnd(2) === 1,
          secret: rnd(5) === 0,
          receiverAddress: `r${rnd(2)}@snv.sonminh.gov.vn`,
          evidence: [{ label: 'form', value: 'x', rule: `r${rnd(3)}`, detail: 'd' }],
        }),
      );
      const expected = JSON.stringify(mergeSightings(set));
      const reversed = [...set].reverse();
      const rotated = [...set.slice(1), ...set.slice(0, 1)];
      expect(JSON.stringify(mergeSightings(reversed))).toBe(expected);
      expect(JSON.stringify(mergeSightings(rotated))).toBe(expected);
      // The merge of merges: adding a sighting already there changes nothing but nothing is lost.
      const m = mergeSightings(set);
      expect(m.signed).toBe(set.some((s) => s.signed));
      expect(m.secret).toBe(set.some((s) => s.secret));
      expect(m.form).toBe(set.some((s) => s.form === 'hybrid') ? 'hybrid' : set.some((s) => s.form === 'electronic') ? 'electronic' : null);
      expect(m.digitization).toBe(set.map((s) => s.digitization).reduce(joinDigitization, 'none'));
      expect(m.msgDate).toBe(set.map((s) => s.msgDate).sort()[0]);
    }
  });

  it('a message without a document keeps has_document false', () => {
    expect(mergeSightings([sighting({ documentId: null })])).toMatchObject({ documentId: null, hasDocument: false });
  });

  it('orderSightings puts an unreadable date last', () => {
    const bad = sighting({ mailKey: 'bad', msgDate: 'not a date' });
    const good = sighting({ mailKey: 'good' });
    expect(orderSightings([bad, good]).map((s) => s.mailKey)).toEqual(['good', 'bad']);
  });
});
