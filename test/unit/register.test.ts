import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';
import {
  foldHeader,
  mapHeader,
  parseRegister,
  parseRegisterDate,
  RegisterFormatError,
  resolveAgencyName,
  splitReceivers,
  type RegisterGrid,
} from '../../src/domain/register.js';
import type { Agency } from '../../src/domain/types.js';
import { readRegisterCsv, sniffDelimiter } from '../../src/importer/register-file.js';

const directory = buildDirectory(parseDirectory(parseYaml(readFileSync(path.resolve(import.meta.dirname, '../../config/agencies.yaml'), 'utf8'))));
const STC = directory.agencies.get('000.00.03.H30') as Agency;
const UBND = directory.agencies.get('000.00.00.H30') as Agency;

describe('mapHeader', () => {
  it.each([
    ['Số, ký hiệu', 'ref'],
    ['Số/Ký hiệu', 'ref'],
    ['So ky hieu', 'ref'],
    ['SỐ, KÝ HIỆU VĂN BẢN', 'ref'],
    ['Số và ký hiệu văn bản', 'ref'],
    ['Số', 'number'],
    ['Ký hiệu', 'symbol'],
    ['Số đến', 'arrivalNumber'],
    ['So den', 'arrivalNumber'],
    ['STT', 'seq'],
    ['Ngày văn bản', 'docDate'],
    ['Ngay van ban', 'docDate'],
    ['Ngày ban hành', 'docDate'],
    ['Ngày tháng văn bản', 'docDate'],
    ['Trích yếu', 'summary'],
    ['Trích yếu nội dung', 'summary'],
    ['Nơi gửi', 'sender'],
    ['Noi gui', 'sender'],
    ['Cơ quan ban hành', 'sender'],
    ['Nơi nhận', 'receiver'],
    ['Ngày đến', 'arrivalDate'],
    ['Ngày nhận', 'arrivalDate'],
    ['Ngày gửi', 'sentDate'],
    ['Hình thức', 'form'],
    ['Hình thức gửi', 'form'],
    ['Độ mật', 'secret'],
    ['Loại văn bản', 'kind'],
  ])('%j → %s', (header, field) => {
    expect(mapHeader(header)).toBe(field);
  });

  it.each(['', 'Ghi chú', 'Người ký', 'Số lượng bản', 'Đơn vị xử lý'])('ignores %j', (header) => {
    expect(mapHeader(header)).toBeNull();
  });

  it('folds diacritics, đ and punctuation', () => {
    expect(foldHeader(' Số, Ký hiệu  (VB) ')).toBe('so ky hieu vb');
    expect(foldHeader('Ngày đến'.normalize('NFD'))).toBe('ngay den');
  });
});

describe('parseRegisterDate', () => {
  it.each<[string | number | Date | null, string | null]>([
    ['22/05/2026', '2026-05-22'],
    ['2/5/2026', '2026-05-02'],
    ['22-5-2026', '2026-05-22'],
    ['22.05.2026', '2026-05-22'],
    ['2026-05-22', '2026-05-22'],
    ['ngày 22 tháng 5 năm 2026', '2026-05-22'],
    ['22/05/2026 08:30', '2026-05-22'],
    [new Date(Date.UTC(2026, 4, 22)), '2026-05-22'],
    [46164, '2026-05-22'],
    ['31/02/2026', null],
    ['13/13/2026', null],
    ['hôm qua', null],
    ['', null],
    [null, null],
    [12, null],
  ])('%j → %j', (input, expected) => {
    expect(parseRegisterDate(input)).toBe(expected);
  });
});

describe('resolveAgencyName', () => {
  it.each([
    ['Sở Tài chính', '000.00.03.H30'],
    ['SỞ TÀI CHÍNH', '000.00.03.H30'],
    ['So Tai chinh', '000.00.03.H30'],
    ['Sở Tài chính tỉnh Sơn Minh', '000.00.03.H30'],
    ['UBND tỉnh', '000.00.00.H30'],
    ['UBND tỉnh Sơn Minh', '000.00.00.H30'],
    ['Uỷ ban nhân dân xã Tân Lập', '000.32.01.H30'],
    ['UBND xã Tân Lập', '000.32.01.H30'],
    ['Mã 000.00.02.H30 - Sở Nội vụ', '000.00.02.H30'],
  ])('%j → %s', (name, code) => {
    expect(resolveAgencyName(name, directory)?.code).toBe(code);
  });

  it.each(['Công ty TNHH ABC', 'Bộ Tài chính', 'UBND', ''])('finds no agency for %j', (name) => {
    expect(resolveAgencyName(name, directory)).toBeNull();
  });
});

describe('splitReceivers', () => {
  it('splits on semicolons, commas and lines, and drops "Như trên" and "Lưu"', () => {
    expect(splitReceivers('- Sở Tài chính;\n- Sở Nội vụ, Sở Tư pháp\n- Lưu: VT')).toEqual(['Sở Tài chính', 'Sở Nội vụ', 'Sở Tư pháp']);
  });
});

function grid(rows: Array<Array<string | number | Date | null>>, first = 1): RegisterGrid {
  return { rows: rows.map((cells, i) => ({ line: first + i, cells })) };
}

describe('parseRegister', () => {
  it('reads an incoming register with a title above the header, reporting unreadable rows by line', () => {
    const g = grid([
      ['SỔ ĐĂNG KÝ VĂN BẢN ĐẾN', '', '', '', '', ''],
      ['Từ ngày 01/07/2026 đến ngày 30/09/2026'],
      ['STT', 'Số đến', 'Số, ký hiệu', 'Ngày văn bản', 'Nơi gửi', 'Trích yếu', 'Ngày đến', 'Độ mật'],
      ['1', '101', '12/STC-NS', '05/08/2026', 'Sở Tài chính', 'V/v dự toán', '06/08/2026', ''],
      ['2', '102', 'Công văn số 2888/UBND-VX', '2026-08-07', 'UBND tỉnh', 'V/v văn hóa', '', 'Mật'],
      ['3', '103', 'không số', '07/08/2026', 'Sở Nội vụ', '', '', ''],
      ['', '', '', '', '', '', '', ''],
      ['4', '104', '15/SNV-TCCB', 'hôm qua', 'Sở Nội vụ', '', '', ''],
    ]);
    const r = parseRegister(g, STC, 'in', directory);
    expect(r.headerLine).toBe(3);
    expect(r.entries.map((e) => [e.line, e.ref, e.day, e.docDate, e.sender.agencyCode, e.receiver.agencyCode, e.flow, e.secret])).toEqual([
      [4, '12/STC-NS', '2026-08-06', '2026-08-05', '000.00.03.H30', '000.00.03.H30', 'internal', false],
      [5, '2888/UBND-VX', '2026-08-07', '2026-08-07', '000.00.00.H30', '000.00.03.H30', 'inter_agency', true],
    ]);
    expect(r.problems).toEqual([
      { line: 6, message: expect.stringContaining('"không số"') },
      { line: 8, message: expect.stringContaining('"hôm qua"') },
    ]);
  });

  it('reads number and symbol from two columns, and one outgoing entry per receiver', () => {
    const r = parseRegister(
      grid([
        ['Số', 'Ký hiệu', 'Ngày ban hành', 'Nơi nhận', 'Trích yếu'],
        [45, 'UBND-VP', new Date(Date.UTC(2026, 6, 15)), 'Sở Tài chính; Sở Nội vụ; Công ty ABC', 'V/v tổ chức hội nghị'],
      ]),
      UBND,
      'out',
      directory,
    );
    expect(r.entries.map((e) => [e.ref, e.day, e.receiver.agencyCode, e.counterpartyKey, e.flow])).toEqual([
      ['45/UBND-VP', '2026-07-15', '000.00.03.H30', '000.00.03.H30', 'inter_agency'],
      ['45/UBND-VP', '2026-07-15', '000.00.02.H30', '000.00.02.H30', 'inter_agency'],
      ['45/UBND-VP', '2026-07-15', null, 'cong ty abc', 'unknown'],
    ]);
  });

  it('keeps one entry for a document listed twice', () => {
    const r = parseRegister(
      grid([
        ['So ky hieu', 'Ngay van ban', 'Noi gui'],
        ['12/STC-NS', '05/08/2026', 'So Tai chinh'],
        ['12/STC-NS', '05/08/2026', 'So Tai chinh'],
      ]),
      UBND,
      'in',
      directory,
    );
    expect(r.entries).toHaveLength(1);
    expect(r.entries[0]?.flow).toBe('to_province_pc');
  });

  it('refuses a grid without a document number column', () => {
    expect(() => parseRegister(grid([['Tên', 'Ngày'], ['a', '01/01/2026']]), STC, 'in', directory)).toThrow(RegisterFormatError);
  });
});

describe('CSV reading', () => {
  it('detects ; and tab delimiters', () => {
    expect(sniffDelimiter('Số, ký hiệu;Ngày văn bản;Nơi gửi\n1;2;3')).toBe(';');
    expect(sniffDelimiter('a\tb\tc\n1\t2\t3')).toBe('\t');
    expect(sniffDelimiter('"Số, ký hiệu",Ngày\n1,2')).toBe(',');
  });

  it('numbers a record by the line it starts on, across quoted line breaks, with a BOM', () => {
    const g = readRegisterCsv('\uFEFFSố, ký hiệu;Trích yếu\n12/STC-NS;"dòng một\ndòng hai"\n13/STC-NS;x\n');
    expect(g.rows.map((r) => [r.line, r.cells[0]])).toEqual([
      [1, 'Số, ký hiệu'],
      [2, '12/STC-NS'],
      [4, '13/STC-NS'],
    ]);
  });
});
