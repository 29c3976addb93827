import { describe, it, expect } from 'vitest';
import {
  PeriodError,
  localDateString,
  messageDate,
  parsePeriod,
  periodContains,
  periodOf,
  previousPeriod,
  quarterOf,
} from '../../src/domain/period.js';

const d = (iso: string): Date => new Date(iso);

describe('parsePeriod', () => {
  it('parses a quarter into its Asia/Ho_Chi_Minh bounds', () => {
    const p = parsePeriod('2026-Q3');
    expect(p).toEqual({
      id: '2026-Q3',
      kind: 'quarter',
      year: 2026,
      quarter: 3,
      start: d('2026-06-30T17:00:00.000Z'),
      end: d('2026-09-30T17:00:00.000Z'),
    });
  });

  it('parses a year into its Asia/Ho_Chi_Minh bounds', () => {
    const p = parsePeriod('2026');
    expect(p.kind).toBe('year');
    expect(p.quarter).toBeNull();
    expect(p.start.toISOString()).toBe('2025-12-31T17:00:00.000Z');
    expect(p.end.toISOString()).toBe('2026-12-31T17:00:00.000Z');
  });

  it('ends the fourth quarter at the start of the next year', () => {
    const p = parsePeriod('2025-Q4');
    expect(p.start.toISOString()).toBe('2025-09-30T17:00:00.000Z');
    expect(p.end.toISOString()).toBe('2025-12-31T17:00:00.000Z');
  });

  it('forgives surrounding spaces and a lower-case q, and returns the canonical id', () => {
    expect(parsePeriod(' 2026-q1 ').id).toBe('2026-Q1');
  });

  it.each(['2026-Q5', '2026-Q0', '26-Q1', '2026Q1', '2026-Q', 'Q1-2026', '', '2026-Q12', '2026-01', 'abcd', '0202'])(
    'rejects %j with a PeriodError',
    (input) => {
      expect(() => parsePeriod(input)).toThrow(PeriodError);
    },
  );

  it('explains the expected shape in Vietnamese and English', () => {
    let caught: unknown;
    try {
      parsePeriod('2026-Q5');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PeriodError);
    const e = caught as PeriodError;
    expect(e.message).toContain('Kỳ báo cáo không hợp lệ');
    expect(e.message).toContain('Invalid period "2026-Q5"');
    expect(e.message).toContain('quarter must be 1, 2, 3 or 4');
    expect(e.code).toBe('PERIOD_INVALID');
    expect(e.input).toBe('2026-Q5');
  });
});

describe('periodOf and quarterOf', () => {
  it('puts an instant just after local midnight of 1 July into Q3, though it is still 30 June in UTC', () => {
    expect(quarterOf(d('2026-06-30T17:30:00Z'))).toBe('2026-Q3');
  });

  it('puts an instant just before local midnight of 1 July into Q2', () => {
    expect(quarterOf(d('2026-06-30T16:59:59Z'))).toBe('2026-Q2');
  });

  it('puts New Year local time into the new year though UTC is still in the old one', () => {
    expect(periodOf(d('2025-12-31T18:00:00Z'), 'year')).toBe('2026');
    expect(periodOf(d('2025-12-31T18:00:00Z'), 'quarter')).toBe('2026-Q1');
  });

  it('names each quarter of the year', () => {
    expect(quarterOf(d('2026-02-15T05:00:00Z'))).toBe('2026-Q1');
    expect(quarterOf(d('2026-05-15T05:00:00Z'))).toBe('2026-Q2');
    expect(quarterOf(d('2026-08-15T05:00:00Z'))).toBe('2026-Q3');
    expect(quarterOf(d('2026-11-15T05:00:00Z'))).toBe('2026-Q4');
  });

  it('does not depend on the process time zone', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'America/Los_Angeles';
      expect(quarterOf(d('2026-06-30T17:30:00Z'))).toBe('2026-Q3');
      expect(parsePeriod('2026-Q3').start.toISOString()).toBe('2026-06-30T17:00:00.000Z');
      expect(localDateString(d('2026-06-30T17:30:00Z'))).toBe('2026-07-01');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('agrees with the bounds of parsePeriod', () => {
    const p = parsePeriod('2026-Q2');
    expect(periodContains(p, p.start)).toBe(true);
    expect(periodContains(p, new Date(p.end.getTime() - 1))).toBe(true);
    expect(periodContains(p, p.end)).toBe(false);
    expect(quarterOf(p.start)).toBe('2026-Q2');
    expect(quarterOf(p.end)).toBe('2026-Q3');
  });
});

describe('previousPeriod', () => {
  it('goes from the first quarter back to the last quarter of the year before', () => {
    expect(previousPeriod('2026-Q1')).toBe('2025-Q4');
  });

  it('goes back one quarter within a year', () => {
    expect(previousPeriod('2026-Q3')).toBe('2026-Q2');
  });

  it('goes back one year for a year', () => {
    expect(previousPeriod('2026')).toBe('2025');
  });

  it('rejects a bad period', () => {
    expect(() => previousPeriod('2026-Q9')).toThrow(PeriodError);
  });
});

describe('localDateString', () => {
  it('gives the Vietnamese calendar date, which may be a day after the UTC date', () => {
    expect(localDateString(d('2025-06-30T17:00:00Z'))).toBe('2025-07-01');
    expect(localDateString(d('2025-06-30T16:59:59Z'))).toBe('2025-06-30');
  });

  it('pads months and days', () => {
    expect(localDateString(d('2026-03-04T01:00:00Z'))).toBe('2026-03-04');
  });
});

describe('messageDate', () => {
  const received = d('2026-07-10T03:00:00Z');
  const internal = d('2026-07-09T02:00:00Z');

  it('uses the Date header when it is plausible', () => {
    const header = d('2026-07-09T01:59:00Z');
    expect(messageDate(header, internal, received)).toBe(header);
  });

  it('falls back to INTERNALDATE when the header is missing', () => {
    expect(messageDate(null, internal, received)).toBe(internal);
  });

  it('falls back to INTERNALDATE when the header is before 1995', () => {
    expect(messageDate(d('1970-01-01T00:00:00Z'), internal, received)).toBe(internal);
  });

  it('falls back to INTERNALDATE when the header is more than two days after it', () => {
    expect(messageDate(d('2026-07-11T02:00:01Z'), internal, received)).toBe(internal);
  });

  it('accepts a header up to two days after INTERNALDATE (clock skew, wrong zone)', () => {
    const header = d('2026-07-11T01:59:59Z');
    expect(messageDate(header, internal, received)).toBe(header);
  });

  it('falls back to INTERNALDATE when the header is an invalid date', () => {
    expect(messageDate(new Date('not a date'), internal, received)).toBe(internal);
  });

  it('falls back to receivedAt when neither date is there', () => {
    expect(messageDate(null, null, received)).toBe(received);
  });

  it('judges the header against receivedAt when INTERNALDATE is missing', () => {
    const header = d('2026-07-01T00:00:00Z');
    expect(messageDate(header, null, received)).toBe(header);
    expect(messageDate(d('2030-01-01T00:00:00Z'), null, received)).toBe(received);
  });

  it('skips an absurd INTERNALDATE too', () => {
    expect(messageDate(null, d('1980-01-01T00:00:00Z'), received)).toBe(received);
  });

  it('accepts an old but plausible header (mail from 2014)', () => {
    const header = d('2014-09-01T02:00:00Z');
    expect(messageDate(header, internal, received)).toBe(header);
  });
});

describe('the period a scheduled report covers', async () => {
  const { reportPeriodFor, firedAtOf, scopesToSend } = await import('../../src/report/schedule.js');
  it('is the quarter or year that just ended, in Asia/Ho_Chi_Minh', () => {
    // 07:00 +07 on 1 October is 00:00 UTC: the quarter that ended is Q3.
    expect(reportPeriodFor('quarter', new Date('2026-10-01T00:00:00Z'))).toBe('2026-Q3');
    // 23:30 UTC on 31 December is already 1 January locally.
    expect(reportPeriodFor('quarter', new Date('2026-12-31T23:30:00Z'))).toBe('2026-Q4');
    expect(reportPeriodFor('year', new Date('2027-01-01T00:30:00Z'))).toBe('2026');
    expect(reportPeriodFor('quarter', new Date('2027-01-01T00:00:00Z'))).toBe('2026-Q4');
  });
  it('takes the firing time from the scheduler, else from the job id, else from the job', () => {
    expect(firedAtOf({ id: 'x', opts: { prevMillis: 1000 } as never, timestamp: 5 }).getTime()).toBe(1000);
    expect(firedAtOf({ id: 'repeat:report-quarterly:1798761600000', opts: {}, timestamp: 5 }).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(firedAtOf({ id: 'manual-1', opts: {}, timestamp: 7 }).getTime()).toBe(7);
  });
  it('sends to the province and to the agencies that have recipients, in code order', () => {
    expect(scopesToSend({ reports: { from: 'x', recipients: { province: ['a@b.vn'], agencies: { '000.00.05.H30': ['c@d.vn'], '000.00.02.H30': ['e@f.vn'], '000.00.09.H30': [] } } } })).toEqual(['province', '000.00.02.H30', '000.00.05.H30']);
    expect(scopesToSend({ reports: { from: 'x', recipients: { province: [], agencies: {} } } })).toEqual([]);
  });
});
