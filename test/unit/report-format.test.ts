import { describe, expect, it } from 'vitest';
import {
  formatDecimal,
  formatInt,
  formatPercent,
  formatPoints,
  formatTarget,
  issuerSymbol,
  periodShort,
  periodTitle,
  placeDate,
} from '../../src/report/format.js';
import { formatReportNumber, numberPatternProblems, parentHeading } from '../../src/report/model.js';

describe('report number formatting', () => {
  it('groups thousands with dots in Vietnamese and commas in English', () => {
    expect(formatInt(0, 'vi')).toBe('0');
    expect(formatInt(999, 'vi')).toBe('999');
    expect(formatInt(1234, 'vi')).toBe('1.234');
    expect(formatInt(1234567, 'vi')).toBe('1.234.567');
    expect(formatInt(1234567, 'en')).toBe('1,234,567');
    expect(formatInt(-4321, 'vi')).toBe('-4.321');
    expect(formatInt(Number.NaN, 'vi')).toBe('—');
  });

  it('writes a decimal comma in Vietnamese, rounding on the decimal digits', () => {
    expect(formatDecimal(12.5, 1, 'vi')).toBe('12,5');
    expect(formatDecimal(12.5, 1, 'en')).toBe('12.5');
    expect(formatDecimal(1.005, 2, 'en')).toBe('1.01');
    expect(formatDecimal(12.345, 2, 'vi')).toBe('12,35');
    expect(formatDecimal(1234.56, 1, 'vi')).toBe('1.234,6');
    expect(formatDecimal(-0.04, 1, 'vi')).toBe('0,0');
    expect(formatDecimal(-2.25, 1, 'vi')).toBe('-2,3');
  });

  it('writes ratios as percentages with one decimal, and nothing to divide as a dash', () => {
    expect(formatPercent(0.125, 'vi')).toBe('12,5%');
    expect(formatPercent(0.125, 'en')).toBe('12.5%');
    expect(formatPercent(1, 'vi')).toBe('100,0%');
    expect(formatPercent(0, 'vi')).toBe('0,0%');
    expect(formatPercent(2 / 3, 'vi')).toBe('66,7%');
    expect(formatPercent(0.00049, 'vi')).toBe('0,0%');
    expect(formatPercent(null, 'vi')).toBe('—');
  });

  it('writes targets with their comparison, whole percentages without decimals', () => {
    expect(formatTarget('>=', 0.8, 'vi')).toBe('≥ 80%');
    expect(formatTarget('<', 0.5, 'vi')).toBe('< 50%');
    expect(formatTarget('>', 0.8, 'en')).toBe('> 80%');
    expect(formatTarget('>=', 0.355, 'vi')).toBe('≥ 35,5%');
    expect(formatTarget(undefined, null, 'vi')).toBe('—');
  });

  it('writes changes in percentage points with a sign', () => {
    expect(formatPoints(0.025, 'vi')).toBe('+2,5 điểm %');
    expect(formatPoints(-0.15, 'vi')).toBe('-15,0 điểm %');
    expect(formatPoints(0, 'vi')).toBe('0,0 điểm %');
    expect(formatPoints(0.0001, 'en')).toBe('0.0 pp');
    expect(formatPoints(0.1, 'en')).toBe('+10.0 pp');
    expect(formatPoints(null, 'vi')).toBe('—');
  });
});

describe('report dates, periods and numbers', () => {
  it('writes the place and date line with leading zeros for days below 10 and for January and February', () => {
    // 2026-10-01 07:00 in Asia/Ho_Chi_Minh is 2026-10-01 00:00 UTC.
    expect(placeDate('Sơn Minh', new Date('2026-10-01T00:00:00Z'), 'vi')).toBe('Sơn Minh, ngày 01 tháng 10 năm 2026');
    expect(placeDate('Sơn Minh', new Date('2026-02-05T03:00:00Z'), 'vi')).toBe('Sơn Minh, ngày 05 tháng 02 năm 2026');
    expect(placeDate('Sơn Minh', new Date('2026-03-15T03:00:00Z'), 'vi')).toBe('Sơn Minh, ngày 15 tháng 3 năm 2026');
    expect(placeDate('Sơn Minh', new Date('2026-10-01T00:00:00Z'), 'en')).toBe('Sơn Minh, 1 October 2026');
  });

  it('takes the date in Asia/Ho_Chi_Minh whatever the instant says in UTC', () => {
    // 31 December 2026 18:00 UTC is already 1 January 2027 in Hà Nội.
    expect(placeDate('Sơn Minh', new Date('2026-12-31T18:00:00Z'), 'vi')).toBe('Sơn Minh, ngày 01 tháng 01 năm 2027');
  });

  it('titles quarters with Roman numerals and years plainly', () => {
    expect(periodTitle('2026-Q3', 'vi')).toBe('quý III năm 2026');
    expect(periodTitle('2026-Q1', 'vi')).toBe('quý I năm 2026');
    expect(periodTitle('2026', 'vi')).toBe('năm 2026');
    expect(periodTitle('2026-Q4', 'en')).toBe('Q4 2026');
    expect(periodTitle('2025', 'en')).toBe('the year 2025');
    expect(periodShort('2026-Q3', 'vi')).toBe('Q3/2026');
    expect(periodShort('2026', 'en')).toBe('2026');
  });

  it('abbreviates issuing bodies as document symbols do', () => {
    expect(issuerSymbol('Sở Khoa học và Công nghệ')).toBe('SKHCN');
    expect(issuerSymbol('Ủy ban nhân dân tỉnh Sơn Minh')).toBe('UBND');
    expect(issuerSymbol('Sở Tài chính')).toBe('STC');
    expect(issuerSymbol('Sở Nông nghiệp và Môi trường')).toBe('SNNMT');
    expect(issuerSymbol('Đài Phát thanh và Truyền hình')).toBe('ĐPTTH');
  });

  it('composes numbers from the pattern, with a leading zero below 10 and dots when there is no sequence', () => {
    expect(formatReportNumber('{seq}/BC-{issuer}', { seq: 7, issuer: 'SKHCN', year: 2026, period: '2026-Q3' })).toBe('07/BC-SKHCN');
    expect(formatReportNumber('{seq}/BC-{issuer}', { seq: 123, issuer: 'UBND', year: 2026, period: '2026-Q3' })).toBe('123/BC-UBND');
    expect(formatReportNumber('{seq}/{year}/BC-{issuer} ({period})', { seq: 1, issuer: 'STC', year: 2027, period: '2026-Q4' })).toBe('01/2027/BC-STC (2026-Q4)');
    expect(formatReportNumber('/BC-{issuer}', { seq: null, issuer: 'STC', year: 2027, period: '2026' })).toBe('/BC-STC');
    expect(formatReportNumber('{seq}/BC-{issuer}', { seq: null, issuer: 'STC', year: 2027, period: '2026' })).toBe('....../BC-STC');
  });

  it('names what is wrong with a number pattern', () => {
    expect(numberPatternProblems('{seq}/BC-{issuer}')).toEqual([]);
    expect(numberPatternProblems('{seq}/BC-{org}')).toEqual(['unknown placeholder {org} (use {seq}, {issuer}, {year}, {period})']);
    expect(numberPatternProblems('{seq/BC')).toEqual(['has an unmatched brace']);
    expect(numberPatternProblems('  ')).toEqual(['must not be empty']);
  });

  it('heads a department with its Provincial PC abbreviated', () => {
    expect(parentHeading('Ủy ban nhân dân tỉnh Sơn Minh')).toBe('UBND TỈNH SƠN MINH');
    expect(parentHeading('Bộ Khoa học và Công nghệ')).toBe('BỘ KHOA HỌC VÀ CÔNG NGHỆ');
  });
});
