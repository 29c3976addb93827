import { describe, expect, it } from 'vitest';
import { normalizeMessageId, normalizeSubject, subjectKey, threadLinks } from '../../src/domain/thread.js';
import { computedChanges } from '../../src/jobs/reanalyze.js';

describe('normalizeSubject', () => {
  it.each([
    ['V/v báo cáo tình hình sử dụng thư công vụ quý III', 'báo cáo tình hình sử dụng thư công vụ quý iii'],
    ['Re: V/v báo cáo tình hình sử dụng thư công vụ quý III', 'báo cáo tình hình sử dụng thư công vụ quý iii'],
    ['RE: Fw: V/v báo cáo tình hình sử dụng thư công vụ quý III.', 'báo cáo tình hình sử dụng thư công vụ quý iii'],
    ['TL: V/V báo cáo tình hình sử dụng thư công vụ quý III', 'báo cáo tình hình sử dụng thư công vụ quý iii'],
    ['Trả lời: Về việc báo cáo tình hình sử dụng thư công vụ quý III', 'báo cáo tình hình sử dụng thư công vụ quý iii'],
    ['Chuyển tiếp: v/v báo cáo tình hình sử dụng thư công vụ quý III', 'báo cáo tình hình sử dụng thư công vụ quý iii'],
    ['Fwd: Re[2]: Báo cáo   tình hình', 'báo cáo tình hình'],
    ['tra loi: ve viec cap kinh phi', 'cap kinh phi'],
    ['Re : Kế hoạch số 12/KH-UBND', 'kế hoạch số 12/kh-ubnd'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeSubject(input)).toBe(expected);
  });

  it('keeps a word that only starts like a prefix', () => {
    expect(normalizeSubject('Trả lương tháng 10')).toBe('trả lương tháng 10');
    expect(normalizeSubject('Review kế hoạch')).toBe('review kế hoạch');
    expect(normalizeSubject('Trường THPT chuyên')).toBe('trường thpt chuyên');
  });

  it('gives decomposed and precomposed Vietnamese the same key', () => {
    expect(normalizeSubject('Re: Báo cáo quý'.normalize('NFD'))).toBe(normalizeSubject('Báo cáo quý'));
  });
});

describe('subjectKey', () => {
  it('is null for subjects too short to group mail by', () => {
    expect(subjectKey('Re: Báo cáo')).toBeNull();
    expect(subjectKey('')).toBeNull();
    expect(subjectKey('Fw:')).toBeNull();
  });
  it('is the normalized subject otherwise', () => {
    expect(subjectKey('Re: V/v cấp kinh phí năm 2026')).toBe('cấp kinh phí năm 2026');
  });
});

describe('threadLinks', () => {
  it('collects its own id, In-Reply-To and References, normalized and distinct', () => {
    expect(threadLinks('<B@x.vn>', '<a@x.vn>', ['<a@x.vn>', '<root@x.vn>'])).toEqual(['b@x.vn', 'a@x.vn', 'root@x.vn']);
  });
  it('splits a References header that holds several ids', () => {
    expect(threadLinks(null, null, ['<r1@x> <r2@x>'])).toEqual(['r1@x', 'r2@x']);
  });
  it('is empty without ids', () => {
    expect(threadLinks(null, null, [])).toEqual([]);
    expect(normalizeMessageId('  ')).toBeNull();
  });
});

describe('computedChanges (re-analysis summary)', () => {
  it('lists the labels whose computed values differ', () => {
    const a = { flow: 'inter_agency', form: 'electronic', digitization: 'none', signed: false, secret: false, document_id: 1, sender_agency: 'A', receiver_agency: 'B' };
    expect(computedChanges(a, { ...a })).toEqual([]);
    expect(computedChanges(a, { ...a, flow: 'to_province_pc', receiver_agency: 'C' })).toEqual(['flow', 'receiver_agency']);
    expect(computedChanges(a, { ...a, document_id: null })).toEqual(['document_id']);
  });
});
