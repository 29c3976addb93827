// Behaviour of the document-reference extractor (src/domain/refs.ts) and the kind table
// (src/domain/doc-kinds.ts): shapes, normalization, OCR noise, dates, kinds, spans, roles.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { documentYear, extractRefs, isCitation, splitRefs } from '../../src/domain/refs.js';
import { canonicalCode, codeForKind, isTypeCode, kindForCode } from '../../src/domain/doc-kinds.js';
import type { DocRef } from '../../src/domain/types.js';

function refsOf(text: string): string[] {
  return extractRefs(text).map((r) => r.ref);
}

function only(text: string): DocRef {
  const refs = extractRefs(text);
  expect(refs).toHaveLength(1);
  const [first] = refs;
  if (first === undefined) throw new Error('no reference found');
  return first;
}

function spanText(text: string, ref: DocRef): string {
  return text.slice(ref.span[0], ref.span[1]);
}

// The directive's own first paragraph, OCR noise and all (directive.vi.txt beside DESIGN.md).
const PARAGRAPH_1 =
  '1.    Tiếp tục thực hiện nghiêm túc, có hiệu quả Chỉ thị số 15/CT-TTg ngày 22/5/2012 của Thủ tướng ' +
  'Chính phủ và các văn bản chỉ đạo của ƯBND tỉnh về tăng cường sử dụng vãn bản điện tử trong hoạt động ' +
  'của cơ quan nhà nước (Cong vãn sế 2888/ƯBND-VX ngày ỉ 2/12/2013, Công văn số ỈỈ17/UBND-VX ngày ' +
  '07/6/20ỉ3 của úy ban nhân dân tỉnh …).';

describe('extractRefs: shapes', () => {
  it.each([
    ['Công văn số 2888/UBND-VX', '2888/UBND-VX', '2888', null, 'UBND-VX'],
    ['theo văn bản 125/SNV-TCBC', '125/SNV-TCBC', '125', null, 'SNV-TCBC'],
    ['Chỉ thị 15/CT-TTg', '15/CT-TTg', '15', null, 'CT-TTg'],
    ['Nghị định số 43/2011/NĐ-CP', '43/2011/NĐ-CP', '43', 2011, 'NĐ-CP'],
    ['Thông tư liên tịch 01/2014/TTLT-BNV-BTC', '01/2014/TTLT-BNV-BTC', '01', 2014, 'TTLT-BNV-BTC'],
    ['Luật số 67/2006/QH11', '67/2006/QH11', '67', 2006, 'QH11'],
    ['Công văn 59-CV/TU của Tỉnh ủy', '59-CV/TU', '59', null, 'CV/TU'],
    ['Nghị quyết số 36-NQ/TW', '36-NQ/TW', '36', null, 'NQ/TW'],
    ['tệp 02-2023-QD-KTNN.pdf', '02/2023/QĐ-KTNN', '02', 2023, 'QĐ-KTNN'],
    ['tệp 43_2011_ND-CP.pdf', '43/2011/NĐ-CP', '43', 2011, 'NĐ-CP'],
    ['Tờ trình số 45/TTr-SNV', '45/TTr-SNV', '45', null, 'TTr-SNV'],
    ['Quyết định 1234/QĐ-UBND', '1234/QĐ-UBND', '1234', null, 'QĐ-UBND'],
    ['Kế hoạch 12/KH-UBND-VX-TH-KT', '12/KH-UBND-VX-TH-KT', '12', null, 'KH-UBND-VX-TH-KT'],
    ['Thông tư 32/2017/TT-BTTTT', '32/2017/TT-BTTTT', '32', 2017, 'TT-BTTTT'],
    ['Công văn số 717/SGDĐT-GDTrH ngày 26/08/2026', '717/SGDĐT-GDTrH', '717', null, 'SGDĐT-GDTrH'],
    ['Công văn số 88/SGDĐT-GDTrH về việc thi', '88/SGDĐT-GDTrH', '88', null, 'SGDĐT-GDTrH'],
  ])('reads %j as %s', (text, ref, number, year, symbol) => {
    const r = only(text);
    expect(r).toMatchObject({ ref, number, year, symbol });
  });

  it('reads a reference without "số", with "Số:" and with "số" on the line before', () => {
    expect(refsOf('2888/UBND-VX')).toEqual(['2888/UBND-VX']);
    expect(refsOf('Số: 125/STC-NS')).toEqual(['125/STC-NS']);
    expect(refsOf('Số:125/STC-NS')).toEqual(['125/STC-NS']);
    expect(refsOf('Công văn số\n2888/UBND-VX')).toEqual(['2888/UBND-VX']);
  });

  it('joins a symbol broken across lines after a hyphen', () => {
    const text = 'Công văn số 2888/UBND-\nVX ngày 12/12/2013';
    const r = only(text);
    expect(r.ref).toBe('2888/UBND-VX');
    expect(r.date).toBe('2013-12-12');
    expect(spanText(text, r)).toBe('2888/UBND-\nVX');
  });

  it('does not take the first word of the next line as part of a symbol', () => {
    const text = 'Công văn số 2888/UBND-\nvề việc tăng cường';
    const r = only(text);
    expect(r.ref).toBe('2888/UBND');
    expect(spanText(text, r)).toBe('2888/UBND');
  });

  it('accepts a lone segment only when words say it is a document', () => {
    expect(refsOf('Số: 12/BC')).toEqual(['12/BC']);
    expect(refsOf('Công văn số 45/UBND gửi các xã')).toEqual(['45/UBND']);
    expect(refsOf('Kính gửi: 1/UBND tỉnh')).toEqual([]);
    expect(refsOf('nhà số 5/A Lê Lợi')).toEqual([]);
  });

  it('keeps a Party symbol whole and rejects a Party-like form without a type code', () => {
    expect(only('Kết luận 15-KL/TW').symbol).toBe('KL/TW');
    expect(refsOf('mã 12-AB/CD')).toEqual([]);
  });

  it('reads references with word-processor dashes and a space after the hyphen', () => {
    expect(refsOf('Công văn 2888/UBND–VX')).toEqual(['2888/UBND-VX']);
    expect(refsOf('Chỉ thị 15/CT- TTg')).toEqual(['15/CT-TTg']);
  });
});

describe('extractRefs: canonical forms', () => {
  it.each([
    ['Quyết định 12/QD-UBND', '12/QĐ-UBND'],
    ['Quyết định 12/QÐ-UBND', '12/QĐ-UBND'],
    ['Nghị định 14/2010/ND-CP', '14/2010/NĐ-CP'],
    ['Nghị định 14/2010/N§-CP', '14/2010/NĐ-CP'],
    ['Quyết định 15/QÑ-UBND', '15/QĐ-UBND'],
    ['Nghị quyết 5/NQ-HDND', '5/NQ-HĐND'],
    ['Chỉ thị 15/CT-TTG', '15/CT-TTg'],
    ['Tờ trình 7/TTR-SNV', '7/TTr-SNV'],
    ['Thông tư 32/2017/TT-BTTTT', '32/2017/TT-BTTTT'],
    ['Hướng dẫn 3/HD-SNV', '3/HD-SNV'],
    ['Công văn 16/UBND-VХ', '16/UBND-VX'], // Cyrillic Х
    ['Công văn 16/УBND-VX', '16/YBND-VX'], // Cyrillic У is a Latin Y to the eye
    ['Công văn 2888/ƯBND-VX', '2888/UBND-VX'],
    ['Nghị định 43/2011/nđ-cp', '43/2011/NĐ-CP'],
    ['tệp 02-2023-qd-ktnn.pdf', '02/2023/QĐ-KTNN'],
  ])('canonicalizes %j to %s', (text, ref) => {
    expect(refsOf(text)).toEqual([ref]);
  });

  it('composes decomposed (NFD) text and keeps spans on the input as given', () => {
    const text = 'Nghị định số 43/2011/NĐ-CP ngày 13/6/2011'.normalize('NFD');
    const r = only(text);
    expect(r.ref).toBe('43/2011/NĐ-CP');
    expect(r.kind).toBe('Nghị định');
    expect(r.date).toBe('2011-06-13');
    expect(spanText(text, r)).toBe('43/2011/NĐ-CP'.normalize('NFD'));
  });

  it('stops a symbol at lower-case words after an upper-case filename slug', () => {
    expect(refsOf('02-2023-QD-KTNN-ban-chinh.pdf')).toEqual(['02/2023/QĐ-KTNN']);
  });
});

describe('extractRefs: OCR noise (directive.vi.txt)', () => {
  it('reads "Cong vãn sế 2888/ƯBND-VX ngày ỉ 2/12/2013"', () => {
    const r = only('Cong vãn sế 2888/ƯBND-VX ngày ỉ 2/12/2013');
    expect(r).toMatchObject({ ref: '2888/UBND-VX', kind: 'Công văn', date: '2013-12-12' });
  });

  it('reads "Công văn số ỈỈ17/UBND-VX ngày 07/6/20ỉ3"', () => {
    const r = only('Công văn số ỈỈ17/UBND-VX ngày 07/6/20ỉ3');
    expect(r).toMatchObject({ ref: '1117/UBND-VX', number: '1117', date: '2013-06-07' });
  });

  it('reads l, I, O and o as digits inside a number and year', () => {
    expect(refsOf('Quyết định số lO/QĐ-UBND')).toEqual(['10/QĐ-UBND']);
    expect(refsOf('Nghị định 43/2O1l/NĐ-CP')).toEqual(['43/2011/NĐ-CP']);
    expect(refsOf('Quyết định số ỉ 25/QĐ-UBND')).toEqual(['125/QĐ-UBND']);
  });

  it('does not read a word or a roman numeral as a number', () => {
    expect(refsOf('Phần II/UBND-VX')).toEqual([]);
    expect(refsOf('Hello/UBND-VX')).toEqual([]);
  });

  it('finds the references of the directive paragraph 1 with kinds, dates and spans', () => {
    const refs = extractRefs(PARAGRAPH_1);
    expect(refs.map(({ ref, kind, date }) => ({ ref, kind, date }))).toEqual([
      { ref: '15/CT-TTg', kind: 'Chỉ thị', date: '2012-05-22' },
      { ref: '2888/UBND-VX', kind: 'Công văn', date: '2013-12-12' },
      { ref: '1117/UBND-VX', kind: 'Công văn', date: '2013-06-07' },
    ]);
    expect(refs.map((r) => spanText(PARAGRAPH_1, r))).toEqual(['15/CT-TTg', '2888/ƯBND-VX', 'ỈỈ17/UBND-VX']);
  });

  it('finds exactly the four references of the whole directive, all cited', () => {
    const path = fileURLToPath(new URL('../../../shared/directive.vi.txt', import.meta.url));
    const text = readFileSync(path, 'utf8');
    const { transmitted, cited } = splitRefs(text);
    expect(transmitted).toEqual([]);
    expect(cited.map((r) => [r.ref, r.date])).toEqual([
      ['15/CT-TTg', '2012-05-22'],
      ['2888/UBND-VX', '2013-12-12'],
      ['1117/UBND-VX', '2013-06-07'],
      ['43/2011/NĐ-CP', '2011-06-13'],
    ]);
  });
});

describe('extractRefs: kinds', () => {
  it.each([
    ['Công văn số 2888/UBND-VX', 'Công văn'],
    ['2888/UBND-VX', null],
    ['125/SNV-TCBC', null],
    ['43/2011/NĐ-CP', 'Nghị định'],
    ['12/QĐ-UBND', 'Quyết định'],
    ['15/CT-TTg', 'Chỉ thị'],
    ['32/2017/TT-BTTTT', 'Thông tư'],
    ['01/2014/TTLT-BNV-BTC', 'Thông tư liên tịch'],
    ['5/NQ-HĐND', 'Nghị quyết'],
    ['12/KH-UBND', 'Kế hoạch'],
    ['3/BC-STC', 'Báo cáo'],
    ['45/TTr-SNV', 'Tờ trình'],
    ['9/TB-VP', 'Thông báo'],
    ['59-CV/TU', 'Công văn'],
    ['67/2006/QH11', 'Luật'],
    ['3/HD-SNV', 'Hướng dẫn'],
    ['8/GM-UBND', 'Giấy mời'],
    ['Quyết dinh so 12/QD-UBND', 'Quyết định'],
    ['Kế hoạch số 12/UBND-VX', 'Kế hoạch'],
    ['Thông tư liên tịch số 01/2014/TTLT-BNV-BTC', 'Thông tư liên tịch'],
  ])('gives %j the kind %s', (text, kind) => {
    expect(only(text).kind).toBe(kind);
  });

  it('prefers a kind word from a later mention over the one the code implies', () => {
    const refs = extractRefs('Xem 12/UBND-VX. Công văn số 12/UBND-VX đã gửi.');
    expect(refs).toHaveLength(1);
    expect(refs[0]?.kind).toBe('Công văn');
  });
});

describe('extractRefs: dates', () => {
  it.each([
    ['Chỉ thị số 15/CT-TTg ngày 22/5/2012', '2012-05-22'],
    ['Chỉ thị số 15/CT-TTg ngày 22 tháng 5 năm 2012', '2012-05-22'],
    ['Công văn 2888/UBND-VX ngày 07/6/2013', '2013-06-07'],
    ['Nghị định 43/2011/NĐ-CP ngày 13/6/ 2011', '2011-06-13'],
    ['Công văn 2888/UBND-VX, ngày 1.2.2014', '2014-02-01'],
    ['Công văn 2888/UBND-VX (ngày 01-02-2014)', '2014-02-01'],
    ['Cong van so 2888/UBND-VX ngay 3/4/2014', '2014-04-03'],
    ['Số: 15/CT-TTg   Hà Nội, ngày 22 tháng 5 năm 2012', '2012-05-22'],
    ['Số: 125/STC-NS\nTP. Hồ Chí Minh, ngày 3 tháng 4 năm 2024', '2024-04-03'],
    ['Quyết định 12/QĐ-UBND ban hành ngày 5/1/2015', '2015-01-05'],
  ])('reads the date of %j as %s', (text, date) => {
    expect(only(text).date).toBe(date);
  });

  it.each([
    ['Công văn 2888/UBND-VX về việc, ngày 3/4/2014'],
    ['Công văn 2888/UBND-VX ngày 31/2/2014'],
    ['Công văn 2888/UBND-VX ngày 12/13/2014'],
    ['Công văn 2888/UBND-VX gửi ngày mai'],
    ['Công văn 2888/UBND-VX'],
  ])('gives %j no date', (text) => {
    expect(only(text).date).toBeNull();
  });
});

describe('extractRefs: what is not a reference', () => {
  it.each([
    ['a date', 'ngày 22/5/2012'],
    ['a month and year', 'tháng 12/2013'],
    ['a street address', '12/3 Nguyễn Trãi'],
    ['an address with "số"', 'số 12/3 đường Lê Lợi'],
    ['a fraction', '1/2 số phiếu'],
    ['a fraction before "số phiếu"', '3/4 số phiếu'],
    ['a phone number', 'ĐT: 0236.3822.123/Fax: 0236.3822.124'],
    ['a mobile number', 'Di động 0912 345 678'],
    ['a URL', 'https://vanban.gov.vn/2013/QD-UBND/123/QĐ-UBND'],
    ['a URL without scheme', 'www.example.vn/12/QĐ-UBND'],
    ['a time', 'lúc 10:30, 14h30'],
    ['a unit rate', '60 km/h, 5/ngày'],
    ['a standard number', 'QCVN 102:2016/BTTTT'],
    ['a number glued to a word', 'COVID-19/BYT-KCB'],
    ['a six-digit number', '123456/UBND-VX'],
    ['a name after a year', '2023/Nguyễn Văn A'],
    ['a lower-case symbol without a year', '15/ct-ttg'],
    ['a decimal', 'giá 1.234/UBND-VX'],
  ])('ignores %s', (_what, text) => {
    expect(refsOf(text)).toEqual([]);
  });

  it('finds the reference among decoys', () => {
    const text = 'Ngày 22/5/2012, tại số 12/3 Lê Lợi (ĐT 0236.3822.123), 3/4 số phiếu thông qua Công văn 2888/UBND-VX.';
    expect(refsOf(text)).toEqual(['2888/UBND-VX']);
  });
});

describe('extractRefs: spans and dedupe', () => {
  it('spans the raw number and symbol as UTF-16 indices, end exclusive', () => {
    const text = 'Quyết định số 12/QD-UBND ngày 1/2/2013; 🙂 Công văn 2888/ƯBND-VX';
    const refs = extractRefs(text);
    expect(refs.map((r) => spanText(text, r))).toEqual(['12/QD-UBND', '2888/ƯBND-VX']);
    expect(refs[1]?.span).toEqual([text.indexOf('2888'), text.indexOf('2888') + '2888/ƯBND-VX'.length]);
  });

  it('keeps one entry per canonical ref, at its first appearance, filling the date from later', () => {
    const text = 'Quyết định 12/QD-UBND. Sau đó Quyết định số 12/QĐ-UBND ngày 5/1/2015 và 13/QĐ-UBND.';
    const refs = extractRefs(text);
    expect(refs.map((r) => r.ref)).toEqual(['12/QĐ-UBND', '13/QĐ-UBND']);
    expect(refs[0]?.span).toEqual([11, 21]);
    expect(refs[0]?.date).toBe('2015-01-05');
  });

  it('returns nothing for empty text', () => {
    expect(extractRefs('')).toEqual([]);
  });

  it('gets through 1 MB of random text', () => {
    const alphabet = 'abcUBNDQĐTTg0123456789/--_ \n.,:ỉlIOoăơưếệ§ÑÐ';
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let text = '';
    const chunk: string[] = [];
    for (let i = 0; i < 1_000_000; i++) chunk.push(alphabet.charAt(Math.floor(rand() * alphabet.length)));
    text = chunk.join('') + ' Công văn số 2888/UBND-VX';
    const refs = extractRefs(text);
    expect(refs.at(-1)?.ref).toBe('2888/UBND-VX');
    for (const r of refs) expect(r.span[1]).toBeGreaterThan(r.span[0]);
  });
});

describe('splitRefs and isCitation', () => {
  it('transmits the sender\'s document and cites the one it implements', () => {
    const text =
      'Sở Tài chính gửi Công văn số 125/STC-NS về việc phân bổ kinh phí. ' +
      'Thực hiện Công văn số 2888/UBND-VX ngày 12/12/2013 của UBND tỉnh, đề nghị các đơn vị triển khai.';
    const { transmitted, cited } = splitRefs(text);
    expect(transmitted.map((r) => r.ref)).toEqual(['125/STC-NS']);
    expect(cited.map((r) => r.ref)).toEqual(['2888/UBND-VX']);
  });

  it('reads a message with a subject, "Kính gửi" and a body', () => {
    const text = [
      'SỞ TÀI CHÍNH',
      'Số: 125/STC-NS',
      'V/v hướng dẫn thực hiện Công văn số 2888/UBND-VX',
      '',
      'Kính gửi: Các sở, ban, ngành',
      '',
      'Căn cứ Nghị định số 43/2011/NĐ-CP ngày 13/6/2011 của Chính phủ; thực hiện Chỉ thị số 15/CT-TTg,',
      'Sở Tài chính ban hành Kế hoạch số 12/KH-STC (gửi kèm theo).',
    ].join('\n');
    const { transmitted, cited } = splitRefs(text);
    expect(transmitted.map((r) => r.ref)).toEqual(['125/STC-NS', '12/KH-STC']);
    expect(cited.map((r) => r.ref)).toEqual(['2888/UBND-VX', '43/2011/NĐ-CP', '15/CT-TTg']);
  });

  it('keeps every reference of a cited list cited', () => {
    const text = 'Thực hiện Công văn số 1/UBND-VX, Công văn số 2/UBND-VX; Công văn số 3/UBND-VX, Sở gửi Báo cáo số 4/BC-STC.';
    const { transmitted, cited } = splitRefs(text);
    expect(cited.map((r) => r.ref)).toEqual(['1/UBND-VX', '2/UBND-VX', '3/UBND-VX']);
    expect(transmitted.map((r) => r.ref)).toEqual(['4/BC-STC']);
  });

  it.each([
    ['Căn cứ Quyết định số 12/QĐ-UBND', '12/QĐ-UBND', true],
    ['Theo Kế hoạch số 12/KH-UBND, các đơn vị báo cáo', '12/KH-UBND', true],
    ['như quy định tại Thông tư 32/2017/TT-BTTTT', '32/2017/TT-BTTTT', true],
    ['nội dung của Công văn số 2888/UBND-VX', '2888/UBND-VX', true],
    ['Phúc đáp Công văn số 2888/UBND-VX', '2888/UBND-VX', true],
    ['Xét Tờ trình số 45/TTr-SNV', '45/TTr-SNV', true],
    ['Thuc hien Cong van so 2888/UBND-VX', '2888/UBND-VX', true],
    ['Chỉ thị số 15/CT-TTg ngày 22/5/2012 của Thủ tướng Chính phủ', '15/CT-TTg', true],
    ['Sở Tài chính gửi Công văn số 125/STC-NS', '125/STC-NS', false],
    ['Sở Tài chính gửi kèm theo Công văn số 125/STC-NS', '125/STC-NS', false],
    ['Căn cứ Luật 67/2006/QH11, Sở ban hành Kế hoạch 12/KH-STC', '12/KH-STC', false],
    ['Thực hiện Chương trình số 7/CTr-UBND', '7/CTr-UBND', true],
    ['Sở Tài chính trả lời. Công văn số 125/STC-NS', '125/STC-NS', false],
    ['Số: 125/STC-NS ngày 3/4/2024 của Sở Tài chính', '125/STC-NS', false],
    ['Quyết định số 12/QĐ-UBND về việc phân bổ', '12/QĐ-UBND', false],
  ])('in %j, %s is cited: %s', (text, ref, cited) => {
    const r = extractRefs(text).find((x) => x.ref === ref);
    if (r === undefined) throw new Error(`${ref} not found`);
    expect(isCitation(text, r.span)).toBe(cited);
  });

  it('gives each reference the role of its first mention', () => {
    const text = 'Căn cứ Chỉ thị 15/CT-TTg. Chỉ thị 15/CT-TTg yêu cầu tăng cường.';
    expect(splitRefs(text)).toEqual({ transmitted: [], cited: extractRefs(text) });
  });
});

describe('doc-kinds', () => {
  it('maps type codes to kinds and back', () => {
    expect(kindForCode('NĐ')).toBe('Nghị định');
    expect(kindForCode('QH13')).toBe('Luật');
    expect(kindForCode('UBND')).toBeNull();
    expect(codeForKind('Tờ trình')).toBe('TTr');
    expect(codeForKind('Tờ trình'.normalize('NFD'))).toBe('TTr');
    expect(codeForKind('Pháp lệnh')).toBeNull();
    expect(isTypeCode('TTLT')).toBe(true);
    expect(isTypeCode('STC')).toBe(false);
  });

  it('restores Đ and mixed case in known codes only', () => {
    expect(canonicalCode('QD')).toBe('QĐ');
    expect(canonicalCode('HD')).toBe('HD');
    expect(canonicalCode('DA')).toBe('DA');
    expect(canonicalCode('TTG')).toBe('TTg');
    expect(canonicalCode('BTTTT')).toBe('BTTTT');
    expect(canonicalCode('QYD')).toBe('QyĐ');
  });
});

// Each case below was missed before the evaluation set (eval/, `npm run eval`) showed it.
describe('extractRefs: shapes the evaluation set found missing', () => {
  it('reads kind words and dates in TCVN3 text read as Latin-1, spans on the input as given', () => {
    const text = 'Thùc hiÖn C«ng v¨n sè 2888/UBND-VX ngµy 12/12/2013 cña UBND tØnh';
    const r = only(text);
    expect(r).toMatchObject({ ref: '2888/UBND-VX', kind: 'Công văn', date: '2013-12-12' });
    expect(spanText(text, r)).toBe('2888/UBND-VX');
    expect(only('C¨n cø NghÞ ®Þnh sè 30/2020/N§-CP ngµy 05/3/2020 cña ChÝnh phñ')).toMatchObject({ ref: '30/2020/NĐ-CP', kind: 'Nghị định', date: '2020-03-05' });
  });

  it('reads kind words, dates and roles in VNI text read as Latin-1', () => {
    const text = 'Quyeát ñònh soá 1234/QÑ-UBND ngaøy 15/8/2025 cuûa UBND tænh';
    const r = only(text);
    expect(r).toMatchObject({ ref: '1234/QĐ-UBND', kind: 'Quyết định', date: '2025-08-15' });
    expect(spanText(text, r)).toBe('1234/QÑ-UBND');
    const split = splitRefs('Sôû Y teá göûi keøm theo ñaây Keá hoaïch soá 45/KH-SYT');
    expect(split.transmitted.map((x) => x.ref)).toEqual(['45/KH-SYT']);
  });

  it('leaves Unicode Vietnamese and Latin-1 punctuation as they are', () => {
    expect(only('Công văn số 88/SNV-CCVC ngày 14/02/2026 «khẩn» – giá 25°')).toMatchObject({ ref: '88/SNV-CCVC', kind: 'Công văn', date: '2026-02-14' });
  });

  it('takes a lone issuer after a header "Số:", not after a bare "số"', () => {
    expect(only('UBND XÃ TÂN LẬP\nSố: 25/UBND\nV/v đăng ký')).toMatchObject({ ref: '25/UBND', kind: null });
    expect(refsOf('Số: 36/ƯBND')).toEqual(['36/UBND']);
    expect(refsOf('So: 25/UBND - V/v dang ky')).toEqual(['25/UBND']);
    expect(refsOf('tại số 25/UBND Lê Lợi')).toEqual([]);
    expect(refsOf('Số: 5/A Lê Lợi')).toEqual([]);
  });

  it('joins a number grouped with a space after "số", and only there', () => {
    expect(only('Công văn số 1 532/BTTTT-THH ngày 15/5/2020')).toMatchObject({ ref: '1532/BTTTT-THH', number: '1532', date: '2020-05-15' });
    expect(only('Quyết định số 2 150/QĐ-UBND')).toMatchObject({ ref: '2150/QĐ-UBND' });
    // Two numbers side by side without "số": the second is still read.
    expect(refsOf('khoản 2 150/QĐ-UBND')).toEqual(['150/QĐ-UBND']);
  });

  it('reads a space before or after the slash after "số" or a kind word, and only there', () => {
    expect(only('Chỉ thị số 15 /CT-TTg ngày 22/5/2012')).toMatchObject({ ref: '15/CT-TTg', date: '2012-05-22' });
    expect(only('Công văn số 2888/ UBND-VX')).toMatchObject({ ref: '2888/UBND-VX', kind: 'Công văn' });
    expect(refsOf('Tỷ lệ 15 /CT-TTg')).toEqual([]);
    expect(refsOf('Tỷ lệ 1 /2 kinh phí; 3/ 4 chỉ tiêu')).toEqual([]);
  });

  it('reads a Party reference written with an en dash', () => {
    expect(only('Kết luận số 126–KL/TW ngày 14/02/2025')).toMatchObject({ ref: '126-KL/TW', number: '126', symbol: 'KL/TW', kind: 'Kết luận' });
  });

  it('reads a filename slug that follows a word and a hyphen', () => {
    expect(only('Luat-20-2023-QH15')).toMatchObject({ ref: '20/2023/QH15', kind: 'Luật' });
    expect(refsOf('QD_15_2024_QD-UBND')).toEqual(['15/2024/QĐ-UBND']);
    expect(refsOf('COVID-19-2021-ABC')).toEqual([]);
  });

  it('gives the kind word of a list to every reference in it, unless a type code says otherwise', () => {
    const kinds = (t: string) => extractRefs(t).map((r) => [r.ref, r.kind]);
    expect(kinds('Thực hiện các Công văn số 2888/UBND-VX và số 1117/UBND-VX của UBND tỉnh')).toEqual([
      ['2888/UBND-VX', 'Công văn'],
      ['1117/UBND-VX', 'Công văn'],
    ]);
    expect(kinds('Công văn số 2888/UBND-VX ngày 12/12/2013, 1117/UBND-VX')).toEqual([
      ['2888/UBND-VX', 'Công văn'],
      ['1117/UBND-VX', 'Công văn'],
    ]);
    expect(kinds('Quyết định số 12/QĐ-UBND, 45/KH-UBND')).toEqual([
      ['12/QĐ-UBND', 'Quyết định'],
      ['45/KH-UBND', 'Kế hoạch'],
    ]);
    expect(kinds('Công văn số 2888/UBND-VX. UBND tỉnh đề nghị 1117/UBND-VX')).toEqual([
      ['2888/UBND-VX', 'Công văn'],
      ['1117/UBND-VX', null],
    ]);
  });

  it('reads the kind word before "của <issuer> số"', () => {
    expect(only('Công văn của Sở Tài chính số 125/STC-NS về hướng dẫn')).toMatchObject({ ref: '125/STC-NS', kind: 'Công văn' });
    expect(only('Thực hiện Quyết định của UBND tỉnh, Sở ban hành văn bản số 12/STC-NS')).toMatchObject({ kind: null });
  });

  it('reads a date token made only of misread digits when the date has real ones', () => {
    expect(only('Quyết định số 2l5O/QĐ-UBND ngày 2l/lO/2O25')).toMatchObject({ ref: '2150/QĐ-UBND', date: '2025-10-21' });
    expect(only('Quyết định số 12/QĐ-UBND ngày lo/il/olio')).toMatchObject({ date: null });
  });

  it('takes a lower-case symbol when "Công văn số" introduces it', () => {
    expect(only('gui kem cong van so 125/stc-ns')).toMatchObject({ ref: '125/STC-NS', kind: 'Công văn' });
    expect(refsOf('Công văn số 5/các đơn vị')).toEqual([]);
    expect(refsOf('số 15/ct-ttg')).toEqual([]);
  });
});

describe('extractRefs: filename slugs of administrative documents', () => {
  it('drops the issue year from the slug of a kind that never has a year in its number', () => {
    expect(only('ke-hoach-132-2025-kh-ubnd')).toMatchObject({ ref: '132/KH-UBND', year: null, symbol: 'KH-UBND', kind: 'Kế hoạch' });
    expect(refsOf('BC_58_2025_BC-UBND')).toEqual(['58/BC-UBND']);
    // Normative kinds keep it: 02/2023/QĐ-KTNN is the number of a State Audit decision.
    expect(refsOf('02-2023-QD-KTNN')).toEqual(['02/2023/QĐ-KTNN']);
    // What the text writes out in full is kept as written.
    expect(refsOf('Kế hoạch số 132/2025/KH-UBND')).toEqual(['132/2025/KH-UBND']);
  });
});

describe('documentYear: a document is (ref, year)', () => {
  it('takes the year written in the number first', () => {
    expect(documentYear({ year: 2011, date: '2011-06-13' }, 2026)).toBe(2011);
    expect(documentYear({ year: 2011, date: null }, 2026)).toBe(2011);
  });

  it('else the year of the issue date', () => {
    expect(documentYear({ year: null, date: '2025-12-20' }, 2026)).toBe(2025);
  });

  it('else the year of the mail or register row that carries it', () => {
    expect(documentYear({ year: null, date: null }, 2026)).toBe(2026);
  });

  it('resolves the references the extractor finds', () => {
    const [a, b] = extractRefs('Thực hiện Nghị định số 43/2011/NĐ-CP, Công văn số 2888/UBND-VX ngày 22/5/2012 của UBND tỉnh');
    expect(a && documentYear(a, 2026)).toBe(2011);
    expect(b && documentYear(b, 2026)).toBe(2012);
    const [c] = extractRefs('Công văn số 2888/UBND-VX của UBND tỉnh');
    expect(c && documentYear(c, 2026)).toBe(2026);
  });
});
