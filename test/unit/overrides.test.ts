import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';
import {
  applyOverrides,
  changedLabels,
  isOverrideEvidence,
  mergeEvidence,
  OverrideValueError,
  parseOverrideValue,
  resolveEffective,
  serializeOverrideValue,
  type ActiveOverride,
  type ExchangeLabelSet,
} from '../../src/domain/overrides.js';

const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.resolve(import.meta.dirname, '../../config/agencies.yaml'), 'utf8'))));
const STC = '000.00.03.H30';
const SNV = '000.00.02.H30';
const UBND = '000.00.00.H30';
const XA = '000.32.01.H30';

const computed: ExchangeLabelSet = {
  form: 'electronic',
  digitization: 'born_digital',
  signed: false,
  flow: 'inter_agency',
  secret: false,
  document: '12/STC-NS',
  sender: { kind: 'agency', agencyCode: STC },
  receiver: { kind: 'agency', agencyCode: SNV },
};

function ov(label: string, value: string, id = 1): ActiveOverride {
  const v = parseOverrideValue(label, value, directory);
  return { id, label: v.label, value: v, reason: 'kiểm tra lại bản giấy', by: 'admin', at: '2026-11-26T00:00:00.000Z' };
}

describe('parseOverrideValue', () => {
  it.each([
    ['form', 'hybrid', 'hybrid'],
    ['form', ' electronic ', 'electronic'],
    ['digitization', 'scanned', 'scanned'],
    ['flow', 'commune_level', 'commune_level'],
    ['signed', 'true', 'true'],
    ['signed', 'có', 'true'],
    ['signed', 'KHÔNG', 'false'],
    ['secret', '0', 'false'],
    ['secret', 'yes', 'true'],
    ['document', '2888/UBND-VX', '2888/UBND-VX'],
    ['document', 'Công văn số 2888/UBND-VX', '2888/UBND-VX'],
    ['document', '43/2011/NĐ-CP', '43/2011/NĐ-CP'],
    ['document', 'none', 'none'],
    ['sender', STC, STC],
    ['receiver', ` ${XA.toLowerCase()} `, XA],
    ['receiver', 'enterprise', 'enterprise'],
    ['receiver', 'individual', 'individual'],
  ])('accepts %s = %j as %j', (label, value, stored) => {
    expect(serializeOverrideValue(parseOverrideValue(label, value, directory))).toBe(stored);
  });

  it.each([
    ['form', 'paper'],
    ['form', ''],
    ['digitization', 'digital'],
    ['flow', 'to_ministry'],
    ['signed', 'maybe'],
    ['secret', 'mật'],
    ['document', 'không có số'],
    ['document', '12/STC-NS và 13/STC-NS'],
    ['sender', '999.99.99.H99'],
    ['receiver', 'ministry'],
    ['colour', 'red'],
  ])('refuses %s = %j with a message naming the domain', (label, value) => {
    expect(() => parseOverrideValue(label, value, directory)).toThrow(OverrideValueError);
  });

  it('names the accepted values in the error', () => {
    expect(() => parseOverrideValue('form', 'paper', directory)).toThrow(/electronic\|hybrid/);
  });
});

describe('resolveEffective', () => {
  it('keeps the computed labels without overrides', () => {
    const e = resolveEffective(computed, [], directory);
    expect(e.labels).toEqual(computed);
    expect(e.pinned).toEqual([]);
    expect(e.evidence).toEqual([]);
  });

  it('takes the override of a label and pins it, with evidence naming the override', () => {
    const e = resolveEffective(computed, [ov('form', 'hybrid', 7)], directory);
    expect(e.labels.form).toBe('hybrid');
    expect(e.labels.flow).toBe('inter_agency');
    expect(e.pinned).toEqual(['form']);
    expect(e.evidence).toEqual([
      { label: 'form', value: 'hybrid', rule: 'override', detail: { by: 'admin', at: '2026-11-26T00:00:00.000Z', reason: 'kiểm tra lại bản giấy', before: 'electronic' } },
    ]);
  });

  it('derives the flow from a corrected receiver', () => {
    const e = resolveEffective(computed, [ov('receiver', UBND)], directory);
    expect(e.labels.receiver).toEqual({ kind: 'agency', agencyCode: UBND });
    expect(e.labels.flow).toBe('to_province_pc');
    expect(e.pinned).toEqual(['flow', 'receiver']);
  });

  it('derives the flow from a sender corrected to a commune', () => {
    expect(resolveEffective(computed, [ov('sender', XA)], directory).labels.flow).toBe('to_department_or_district');
  });

  it('derives with_enterprise when a side is corrected to an enterprise', () => {
    expect(resolveEffective(computed, [ov('receiver', 'enterprise')], directory).labels.flow).toBe('with_enterprise');
  });

  it('lets an explicit flow override win over the flow a corrected party implies', () => {
    const e = resolveEffective(computed, [ov('receiver', UBND, 1), ov('flow', 'internal', 2)], directory);
    expect(e.labels.flow).toBe('internal');
  });

  it('sets the document to none', () => {
    expect(resolveEffective(computed, [ov('document', 'none')], directory).labels.document).toBeNull();
  });

  it('applies several overrides at once and lists what changed', () => {
    const e = resolveEffective(computed, [ov('signed', 'true', 1), ov('secret', 'true', 2), ov('digitization', 'scanned', 3)], directory);
    expect(changedLabels(computed, e.labels).sort()).toEqual(['digitization', 'secret', 'signed']);
  });
});

describe('mergeEvidence', () => {
  const analysis = [
    { label: 'form', value: 'electronic', rule: 'form.default_electronic', detail: 'Không thấy dấu hiệu gửi kèm bản giấy' },
    { label: 'digitization', value: 'born_digital', rule: 'digitization.born_digital', detail: 'PDF có lớp chữ' },
    { label: 'signed', value: false, rule: 'signed.none', detail: 'Không thấy chữ ký số' },
    { label: 'signed', value: true, rule: 'signed.smime', detail: 'Thư được ký số (multipart/signed)' },
    { label: 'flow', value: 'inter_agency', rule: 'flow.inter_agency', detail: 'STC → SNV' },
    { label: 'secret', value: false, rule: 'secret.none', detail: 'Không thấy dấu độ mật' },
    { label: 'document', value: '12/STC-NS', rule: 'edxml.document', detail: 'Gói edXML' },
  ];

  it('keeps the analysis as it is without overrides', () => {
    expect(mergeEvidence(analysis, [], [])).toEqual(analysis);
  });

  it("puts an override's entry in place of every entry of its label", () => {
    const e = resolveEffective(computed, [ov('signed', 'false', 4)], directory);
    const merged = mergeEvidence(analysis, e.evidence, e.pinned);
    expect(merged.map((x) => x.rule)).toEqual(['form.default_electronic', 'digitization.born_digital', 'override', 'flow.inter_agency', 'secret.none', 'edxml.document']);
    expect(merged[2]).toEqual({ label: 'signed', value: false, rule: 'override', detail: { by: 'admin', at: '2026-11-26T00:00:00.000Z', reason: 'kiểm tra lại bản giấy', before: false } });
    expect(merged.filter(isOverrideEvidence)).toHaveLength(1);
  });

  it("replaces the flow by a corrected party's flow rule and adds the party's override at the end", () => {
    const e = resolveEffective(computed, [ov('receiver', UBND, 9)], directory);
    const merged = mergeEvidence(analysis, e.evidence, e.pinned);
    const flow = merged.filter((x) => x.label === 'flow');
    expect(flow).toHaveLength(1);
    expect(flow[0]).toMatchObject({ value: 'to_province_pc', rule: expect.stringMatching(/^flow\./) });
    expect(isOverrideEvidence(flow[0] as never)).toBe(false);
    expect(merged.at(-1)).toEqual({ label: 'receiver', value: UBND, rule: 'override', detail: expect.objectContaining({ before: SNV }) });
  });

  it('replaces a document stated by edXML with the corrected one, and says the analysis had none', () => {
    const none = resolveEffective({ ...computed, document: null }, [ov('document', '2888/UBND-VX', 2)], directory);
    expect(none.evidence).toEqual([{ label: 'document', value: '2888/UBND-VX', rule: 'override', detail: expect.objectContaining({ before: null }) }]);
    const merged = mergeEvidence(analysis, none.evidence, none.pinned);
    expect(merged.filter((x) => x.label === 'document').map((x) => x.rule)).toEqual(['override']);
  });

  it('tells override entries from analysis entries', () => {
    expect(isOverrideEvidence({ rule: 'override', detail: { by: 'a' } })).toBe(true);
    expect(isOverrideEvidence({ rule: 'override', detail: 'text' })).toBe(false);
    expect(isOverrideEvidence({ rule: 'form.hybrid_phrase', detail: 'x' })).toBe(false);
  });
});

describe('applyOverrides (inspect --message)', () => {
  const analyzed = {
    labels: { form: 'electronic' as const, digitization: 'born_digital' as const, signed: false, flow: 'inter_agency' as const, secret: false },
    evidence: [
      { label: 'form', value: 'electronic', rule: 'form.default_electronic', detail: 'Không thấy dấu hiệu gửi kèm bản giấy' },
      { label: 'flow', value: 'inter_agency', rule: 'flow.inter_agency', detail: 'STC → SNV' },
    ],
    documentRef: '12/STC-NS',
    sender: { kind: 'agency' as const, agencyCode: STC },
    receiver: { kind: 'agency' as const, agencyCode: SNV },
  };

  it('gives the analysis back untouched without overrides', () => {
    const r = applyOverrides(analyzed, [], directory);
    expect(r).toEqual({ labels: analyzed.labels, evidence: analyzed.evidence, documentRef: '12/STC-NS' });
  });

  it('shows the overridden labels, the document and the flow a corrected party implies, keeping the five label keys', () => {
    const r = applyOverrides(analyzed, [ov('form', 'hybrid', 1), ov('receiver', UBND, 2), ov('document', '13/STC-NS', 3)], directory);
    expect(Object.keys(r.labels)).toEqual(['form', 'digitization', 'signed', 'flow', 'secret']);
    expect(r.labels).toEqual({ form: 'hybrid', digitization: 'born_digital', signed: false, flow: 'to_province_pc', secret: false });
    expect(r.documentRef).toBe('13/STC-NS');
    expect(r.evidence.map((e) => [e.label, e.rule])).toEqual([
      ['form', 'override'],
      ['flow', expect.stringMatching(/^flow\./)],
      ['document', 'override'],
      ['receiver', 'override'],
    ]);
    expect(r.evidence[0]?.detail).toEqual({ by: 'admin', at: '2026-11-26T00:00:00.000Z', reason: 'kiểm tra lại bản giấy', before: 'electronic' });
    for (const e of r.evidence) expect(Object.keys(e).sort()).toEqual(['detail', 'label', 'rule', 'value']);
  });
});
