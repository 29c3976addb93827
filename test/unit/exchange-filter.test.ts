// The exchange list's query parameters and keyset cursor (src/domain/exchange-filter.ts).
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, filterQuery, FilterError, parseExchangeFilter } from '../../src/domain/exchange-filter.js';

describe('parseExchangeFilter', () => {
  it('defaults to the given period, no filters, 50 a page', () => {
    const f = parseExchangeFilter({}, '2026-Q3');
    expect(f.period.id).toBe('2026-Q3');
    expect(f).toMatchObject({ agency: null, flow: null, form: null, signed: null, scanned: null, party: null, cursor: null, limit: 50 });
  });

  it('reads every filter', () => {
    const f = parseExchangeFilter({ period: '2026', agency: '000.00.03.H30', flow: 'inter_agency', form: 'hybrid', signed: 'true', scanned: '0', party: ' VanThu@SNV.SonMinh.gov.vn ', limit: '200' }, '2026-Q3');
    expect(f.period.id).toBe('2026');
    expect(f).toMatchObject({ agency: '000.00.03.H30', flow: 'inter_agency', form: 'hybrid', signed: true, scanned: false, party: 'vanthu@snv.sonminh.gov.vn', limit: 200 });
  });

  it('keeps an agency code as the party as written', () => {
    expect(parseExchangeFilter({ party: '000.00.02.H30' }, '2026-Q3').party).toBe('000.00.02.H30');
  });

  it.each([
    [{ period: '2026-Q5' }, 'period'],
    [{ flow: 'sideways' }, 'flow'],
    [{ form: 'paper' }, 'form'],
    [{ signed: 'maybe' }, 'signed'],
    [{ scanned: '2' }, 'scanned'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '501' }, 'limit'],
    [{ limit: '1e2' }, 'limit'],
    [{ cursor: 'abc!' }, 'cursor'],
    [{ cursor: Buffer.from('2026-01-01|1').toString('base64url') }, 'cursor'],
    [{ party: 'x'.repeat(321) }, 'party'],
  ])('refuses %o naming the parameter %s', (q, param) => {
    try {
      parseExchangeFilter(q, '2026-Q3');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FilterError);
      expect((err as FilterError).param).toBe(param);
      expect((err as Error).message).toContain(' / ');
    }
  });

  it('ignores empty parameters, as an empty form field sends them', () => {
    expect(parseExchangeFilter({ flow: '', signed: '', agency: '  ' }, '2026-Q3')).toMatchObject({ flow: null, signed: null, agency: null });
  });
});

describe('cursor', () => {
  it('round-trips a position', () => {
    const c = { date: new Date('2026-08-01T02:03:04.005Z'), id: 123456789 };
    const s = encodeCursor(c);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(s)).toEqual(c);
  });
});

describe('filterQuery', () => {
  it('writes the filter back as a query, with extra parameters', () => {
    const f = parseExchangeFilter({ period: '2026-Q3', flow: 'internal', signed: 'false', limit: '20' }, '2026-Q1');
    expect(filterQuery(f, { format: 'csv' })).toBe('period=2026-Q3&flow=internal&signed=false&limit=20&format=csv');
    expect(parseExchangeFilter(Object.fromEntries(new URLSearchParams(filterQuery(f))), '2026-Q1')).toEqual(f);
  });
});
