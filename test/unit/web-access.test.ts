// Role scoping of the web app (src/domain/access.ts): what each role may query.
import { describe, expect, it } from 'vitest';
import { agencyScope, canAdminister, canCorrect, canSeeAgencies, canSeeProvince, canSeeReport, homePath, isRole, reportScope, type WebUser } from '../../src/domain/access.js';

const admin: WebUser = { id: 1, name: 'a', role: 'admin', agencyCode: null };
const analyst: WebUser = { id: 2, name: 'b', role: 'analyst', agencyCode: null };
const agency: WebUser = { id: 3, name: 'c', role: 'agency', agencyCode: '000.00.03.H30' };
const orphan: WebUser = { id: 4, name: 'd', role: 'agency', agencyCode: null };

describe('agencyScope', () => {
  it.each([
    [admin, null, { kind: 'all' }],
    [admin, '', { kind: 'all' }],
    [admin, 'X', { kind: 'one', agency: 'X' }],
    [analyst, undefined, { kind: 'all' }],
    [analyst, '000.00.02.H30', { kind: 'one', agency: '000.00.02.H30' }],
    [agency, null, { kind: 'one', agency: '000.00.03.H30' }],
    [agency, '', { kind: 'one', agency: '000.00.03.H30' }],
    [agency, '000.00.03.H30', { kind: 'one', agency: '000.00.03.H30' }],
  ] as const)('gives %o asking for %o the scope %o', (user, requested, scope) => {
    expect(agencyScope(user, requested)).toEqual({ ok: true, scope });
  });

  it.each(['000.00.02.H30', '000.00.03.h30', '000.00.03.H30 ', '%', "' OR 1=1"])('forbids an agency user another agency %j', (other) => {
    expect(agencyScope(agency, other)).toEqual({ ok: false, reason: 'forbidden' });
  });

  it('forbids everything to an agency user without an agency', () => {
    expect(agencyScope(orphan, null)).toEqual({ ok: false, reason: 'forbidden' });
  });
});

describe('record visibility and role rights', () => {
  it('shows an agency user records that touch its agency on either side only', () => {
    expect(canSeeAgencies(agency, ['000.00.03.H30', null])).toBe(true);
    expect(canSeeAgencies(agency, [null, '000.00.03.H30'])).toBe(true);
    expect(canSeeAgencies(agency, ['000.00.02.H30', null])).toBe(false);
    expect(canSeeAgencies(agency, [null, null])).toBe(false);
    expect(canSeeAgencies(orphan, [null, null])).toBe(false);
    expect(canSeeAgencies(analyst, ['000.00.02.H30', null])).toBe(true);
  });

  it('keeps the province for admins and analysts, administration for admins', () => {
    expect([admin, analyst, agency].map(canSeeProvince)).toEqual([true, true, false]);
    expect([admin, analyst, agency].map(canAdminister)).toEqual([true, false, false]);
  });

  it('lets admins and analysts correct labels, never an agency user', () => {
    expect([admin, analyst, agency, orphan].map(canCorrect)).toEqual([true, true, false, false]);
  });

  it("lists every archived report for admins and analysts, an agency's own reports only for its users", () => {
    expect([admin, analyst, agency, orphan].map(reportScope)).toEqual([{ kind: 'all' }, { kind: 'all' }, { kind: 'one', agency: '000.00.03.H30' }, null]);
    expect(['province', '000.00.03.H30', '000.00.02.H30'].map((s) => canSeeReport(agency, s))).toEqual([false, true, false]);
    expect(['province', '000.00.02.H30'].map((s) => canSeeReport(analyst, s))).toEqual([true, true]);
    expect(canSeeReport(orphan, '000.00.03.H30')).toBe(false);
  });

  it('lands each role on its home', () => {
    expect(homePath(admin)).toBe('/overview');
    expect(homePath(agency)).toBe('/agencies/000.00.03.H30');
  });

  it('knows the roles', () => {
    expect(['admin', 'analyst', 'agency', 'root', ''].map(isRole)).toEqual([true, true, true, false, false]);
  });
});
