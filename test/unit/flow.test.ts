import { describe, it, expect } from 'vitest';
import { directionOf, flowOf } from '../../src/domain/flow.js';
import type { AgencyLevel, Party } from '../../src/domain/types.js';

function agency(code: string, level: AgencyLevel): Party {
  return { address: `vanthu@${code}.example`, name: null, kind: 'agency', agencyCode: code, agencyLevel: level, matchedBy: 'domain', roles: [] };
}

function other(kind: Exclude<Party['kind'], 'agency'>, address = 'a@example.com'): Party {
  return { address, name: null, kind, agencyCode: null, agencyLevel: null, matchedBy: 'none', roles: [] };
}

// Codes from config/agencies.yaml.
const ppc = agency('000.00.00.H30', 'province_pc');
const snv = agency('000.00.02.H30', 'department');
const stc = agency('000.00.03.H30', 'department');
const mttq = agency('000.00.20.H30', 'provincial_org');
const tanlap = agency('000.00.32.H30', 'district_pc');
const phuong = agency('000.31.01.H30', 'commune_pc');
const xa = agency('000.32.01.H30', 'commune_pc');
const bvdk = agency('001.00.09.H30', 'unit');
const thpt = agency('001.00.08.H30', 'unit');

describe('flowOf: parties that are not state agencies', () => {
  it('gives with_enterprise for an agency writing to an enterprise', () => {
    expect(flowOf(stc, other('enterprise'))).toEqual({ flow: 'with_enterprise', rule: 'flow.non_state' });
  });

  it('gives with_organization for an organization writing to an agency', () => {
    expect(flowOf(other('organization'), snv)).toEqual({ flow: 'with_organization', rule: 'flow.non_state' });
  });

  it('gives with_individual for a citizen on free mail, even when writing to the Provincial PC', () => {
    expect(flowOf(other('individual'), ppc)).toEqual({ flow: 'with_individual', rule: 'flow.non_state' });
  });

  it('gives unknown when the other party is unknown', () => {
    expect(flowOf(snv, other('unknown'))).toEqual({ flow: 'unknown', rule: 'flow.unknown' });
  });

  it('gives unknown when both parties are unknown', () => {
    expect(flowOf(other('unknown'), other('unknown'))).toEqual({ flow: 'unknown', rule: 'flow.unknown' });
  });

  it('gives unknown when neither party is a state agency', () => {
    expect(flowOf(other('enterprise'), other('individual'))).toEqual({ flow: 'unknown', rule: 'flow.unknown' });
  });

  it('treats an agency party without a code as not an agency', () => {
    const broken: Party = { ...snv, agencyCode: null };
    expect(flowOf(broken, other('enterprise')).flow).toBe('unknown');
  });
});

describe('flowOf: between agencies', () => {
  it('gives internal for both sides in the same agency', () => {
    const colleague: Party = { ...stc, address: 'ketoan@stc.sonminh.gov.vn' };
    expect(flowOf(stc, colleague)).toEqual({ flow: 'internal', rule: 'flow.same_agency' });
  });

  it('gives internal inside a commune before any other rule', () => {
    expect(flowOf(xa, xa).flow).toBe('internal');
  });

  it.each([
    ['a department', snv],
    ['a district PC', tanlap],
    ['a commune PC', xa],
    ['a unit', bvdk],
    ['a provincial organization', mttq],
  ])('gives to_province_pc for %s writing to the Provincial PC', (_name, sender) => {
    expect(flowOf(sender, ppc)).toEqual({ flow: 'to_province_pc', rule: 'flow.to_province_pc' });
  });

  it.each([
    ['Provincial PC → department', ppc, snv],
    ['department → department', snv, stc],
    ['department → district PC', stc, tanlap],
    ['district PC → department', tanlap, snv],
    ['Provincial PC → district PC', ppc, tanlap],
    ['provincial organization → department', mttq, snv],
    ['department → provincial organization', snv, mttq],
  ])('gives inter_agency for %s', (_name, sender, receiver) => {
    expect(flowOf(sender, receiver)).toEqual({ flow: 'inter_agency', rule: 'flow.inter_agency' });
  });

  it.each([
    ['commune PC → department', xa, snv],
    ['commune PC → district PC', xa, tanlap],
    ['unit → department', bvdk, stc],
    ['unit → provincial organization', thpt, mttq],
  ])('gives to_department_or_district for %s', (_name, sender, receiver) => {
    expect(flowOf(sender, receiver)).toEqual({ flow: 'to_department_or_district', rule: 'flow.to_department_or_district' });
  });

  it.each([
    ['department → commune PC', snv, xa],
    ['Provincial PC → commune PC', ppc, phuong],
    ['district PC → unit', tanlap, bvdk],
    ['commune PC → commune PC', xa, phuong],
    ['unit → unit', bvdk, thpt],
    ['commune PC → unit', phuong, bvdk],
    ['provincial organization → commune PC', mttq, xa],
  ])('gives commune_level for %s', (_name, sender, receiver) => {
    expect(flowOf(sender, receiver)).toEqual({ flow: 'commune_level', rule: 'flow.commune_level' });
  });
});

describe('directionOf', () => {
  it('is outbound when the monitored agency writes to another', () => {
    expect(directionOf(stc.agencyCode ?? '', stc, [snv])).toBe('outbound');
  });

  it('is outbound when some recipients are the agency itself and some are not', () => {
    expect(directionOf('000.00.03.H30', stc, [stc, ppc])).toBe('outbound');
  });

  it('is internal when every recipient is the monitored agency too', () => {
    expect(directionOf('000.00.03.H30', stc, [stc, { ...stc, address: 'ketoan@stc.sonminh.gov.vn' }])).toBe('internal');
  });

  it('is inbound when another party writes to the monitored agency', () => {
    expect(directionOf('000.00.03.H30', snv, [stc])).toBe('inbound');
    expect(directionOf('000.00.03.H30', other('enterprise'), [stc])).toBe('inbound');
  });

  it('is inbound when the monitored agency is only copied', () => {
    expect(directionOf('000.00.03.H30', ppc, [snv, tanlap])).toBe('inbound');
  });

  it('is outbound when the message from the agency shows no recipient (a Bcc-only copy in Sent)', () => {
    expect(directionOf('000.00.03.H30', stc, [])).toBe('outbound');
  });

  it('does not count an unknown party with no code as the monitored agency', () => {
    expect(directionOf('000.00.03.H30', other('unknown'), [])).toBe('inbound');
  });
});
