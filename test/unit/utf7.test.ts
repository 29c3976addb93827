import { describe, expect, it } from 'vitest';
import { declaresUtf7Text, decodeUtf7, subjectWithUtf7 } from '../../src/analyze/utf7.js';

describe('UTF-7, which mailparser leaves undecoded', () => {
  it('decodes Q and B encoded words of the subject, beside words in other charsets', () => {
    expect(subjectWithUtf7('=?utf-7?Q?Die_Hasen_und_die_Fr+APY-sche?=', 'Die Hasen und die Fr+APY-sche')).toBe('Die Hasen und die Frösche');
    const b = Buffer.from('C+APQ-ng v+AQM-n').toString('base64');
    expect(subjectWithUtf7(`=?UTF-7?B?${b}?= =?utf-8?Q?_s=E1=BB=91_5?=`, 'x')).toBe('Công văn số 5');
    expect(subjectWithUtf7('=?utf-7?Q?a?=\r\n =?utf-7?Q?_b?=', 'x')).toBe('a b');
  });
  it('leaves a subject without UTF-7 words as mailparser gave it', () => {
    expect(subjectWithUtf7('=?utf-8?Q?C=C3=B4ng_v=C4=83n?=', 'Công văn')).toBe('Công văn');
    expect(subjectWithUtf7(null, 'A+B-')).toBe('A+B-');
  });
  it('finds a text part declared UTF-7, and only that', () => {
    expect(declaresUtf7Text('Content-Type: text/plain;\r\n\tcharset="utf-7"\r\n')).toBe(true);
    expect(declaresUtf7Text('Content-Type: text/html; charset=UNICODE-1-1-UTF-7\r\n')).toBe(true);
    expect(declaresUtf7Text('Content-Type: text/plain; charset=utf-8\r\nX-Note: utf-7\r\n')).toBe(false);
  });
  it('decodes UTF-7 body text, Vietnamese included', () => {
    expect(decodeUtf7('+ARA-o+AOA-n, C+APQ-ng v+AQM-n s+HtE- 12/UBND-VX')).toBe('Đoàn, Công văn số 12/UBND-VX');
  });
});
