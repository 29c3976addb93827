import { describe, expect, it } from 'vitest';
import { isReplySubject, splitQuoted } from '../../src/analyze/quoting.js';

describe('replies and quoted originals', () => {
  it.each(['Re: Công văn số 12/UBND-VP', 'TL: V/v gửi báo cáo', 'Trả lời: Kế hoạch', 'RE: RE: x', '[Sở TC] Re: y', 'AW: z', 'Re[2]: w'])(
    'sees %j as a reply',
    (s) => expect(isReplySubject(s)).toBe(true),
  );

  it.each(['Fw: Công văn số 12/UBND-VP', 'Chuyển tiếp: V/v', 'V/v trả lời kiến nghị của công dân', 'Gửi Công văn số 2888/UBND-VX', 'Tlđ: x'])(
    'does not see %j as a reply',
    (s) => expect(isReplySubject(s)).toBe(false),
  );

  it('splits at a ">" quote, at "Vào … đã viết:" and at "-----Original Message-----"', () => {
    expect(splitQuoted('Đã nhận.\n\n> Gửi Công văn số 1/UBND\n> Trân trọng')).toEqual({ own: 'Đã nhận.\n\n', quoted: '> Gửi Công văn số 1/UBND\n> Trân trọng' });
    expect(splitQuoted('Đã nhận.\nVào 10:00 Thứ Hai, ngày 3/8/2026, Sở Tài chính đã viết:\nGửi Công văn').own).toBe('Đã nhận.\n');
    expect(splitQuoted('OK\n-----Original Message-----\nFrom: a').quoted.startsWith('-----Original')).toBe(true);
    expect(splitQuoted('OK\nFrom: Sở Tài chính\nSent: Monday\nSubject: x').own).toBe('OK\n');
  });

  it('keeps a message without a quote whole, signature included', () => {
    const body = 'Sở Tài chính gửi Công văn số 125/STC-NS.\n-- \nNguyễn Văn An';
    expect(splitQuoted(body)).toEqual({ own: body, quoted: '' });
  });
});
