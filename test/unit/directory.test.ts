import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  DirectoryError,
  buildDirectory,
  findAgencyCodesInText,
  normalizeAgencyCode,
  parseDirectory,
  parseDirectoryCsv,
  readCsv,
} from '../../src/domain/directory.js';

const sampleYaml = readFileSync(new URL('../../config/agencies.yaml', import.meta.url), 'utf8');
const sample = (): unknown => parseYaml(sampleYaml) as unknown;

/** A valid YAML-shaped row, to be spoiled one field at a time. */
function row(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: '000.00.02.H30',
    name: 'Sở Nội vụ',
    level: 'department',
    parent: null,
    domains: ['snv.sonminh.gov.vn'],
    addresses: ['snv@sonminh.gov.vn'],
    valid_from: null,
    valid_to: null,
    successor: null,
    ...overrides,
  };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof DirectoryError) return err.message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''));
    throw err;
  }
  throw new Error('expected a DirectoryError');
}

describe('parseDirectory on the sample directory', () => {
  const agencies = parseDirectory(sample());

  it('reads every agency of config/agencies.yaml', () => {
    const listed = (sample() as { agencies: unknown[] }).agencies.length;
    expect(listed).toBeGreaterThan(30);
    expect(agencies).toHaveLength(listed);
    expect(new Set(agencies.map((a) => a.code)).size).toBe(listed);
  });

  it('maps snake_case fields to camelCase', () => {
    const stttt = agencies.find((a) => a.code === '000.00.14.H30');
    expect(stttt).toEqual({
      code: '000.00.14.H30',
      name: 'Sở Thông tin và Truyền thông',
      level: 'department',
      parent: '000.00.00.H30',
      domains: ['stttt.sonminh.gov.vn'],
      addresses: ['stttt@sonminh.gov.vn'],
      validFrom: null,
      validTo: '2025-02-28',
      successor: '000.00.10.H30',
    });
  });

  it('keeps the Provincial PC with addresses on the shared domain and no domain of its own', () => {
    const ppc = agencies.find((a) => a.level === 'province_pc');
    expect(ppc?.domains).toEqual([]);
    expect(ppc?.addresses).toContain('vanthu.ubnd@sonminh.gov.vn');
  });
});

describe('parseDirectory normalisation', () => {
  it('lower-cases domains and addresses and upper-cases codes', () => {
    const [a] = parseDirectory({
      agencies: [row({ code: ' 000.00.02.h30 ', domains: ['SNV.SonMinh.gov.vn'], addresses: [' SNV@SonMinh.Gov.VN '] })],
    });
    expect(a?.code).toBe('000.00.02.H30');
    expect(a?.domains).toEqual(['snv.sonminh.gov.vn']);
    expect(a?.addresses).toEqual(['snv@sonminh.gov.vn']);
  });

  it('accepts a plain array of rows whose lists are ;-separated strings, as CSV gives them', () => {
    const [a] = parseDirectory([
      {
        code: 'H30.21',
        name: 'Sở Nội vụ',
        level: 'department',
        parent: '',
        domains: 'snv.sonminh.gov.vn; noivu.sonminh.gov.vn',
        addresses: '',
        valid_from: '2020-01-01',
        valid_to: '',
        successor: '',
      },
    ]);
    expect(a).toEqual({
      code: 'H30.21',
      name: 'Sở Nội vụ',
      level: 'department',
      parent: null,
      domains: ['snv.sonminh.gov.vn', 'noivu.sonminh.gov.vn'],
      addresses: [],
      validFrom: '2020-01-01',
      validTo: null,
      successor: null,
    });
  });

  it('accepts a Date object for a validity date (YAML 1.1 timestamps)', () => {
    const [a] = parseDirectory({ agencies: [row({ valid_from: new Date('2025-07-01T00:00:00Z') })] });
    expect(a?.validFrom).toBe('2025-07-01');
  });

  it('treats missing optional fields as empty', () => {
    const [a] = parseDirectory({ agencies: [{ code: '000.00.00.H30', name: 'UBND tỉnh', level: 'province_pc' }] });
    expect(a).toMatchObject({ parent: null, domains: [], addresses: [], validFrom: null, validTo: null, successor: null });
  });
});

describe('parseDirectory errors', () => {
  it('names the row, the code and the field of a bad level', () => {
    const rows = sample() as { agencies: Array<Record<string, unknown>> };
    const third = rows.agencies[2];
    if (third) third.level = 'ministry';
    expect(problemsOf(() => parseDirectory(rows))).toEqual([
      'row 3 (code 000.00.02.H30): level: must be one of province_pc, department, provincial_org, district_pc, commune_pc, unit (got "ministry")',
    ]);
  });

  it('lists every problem of every row at once', () => {
    const problems = problemsOf(() =>
      parseDirectory({
        agencies: [
          row({ code: '000.00.00.H30', name: 'UBND tỉnh', level: 'province_pc', domains: [], addresses: [] }),
          row({ code: 'not-a-code', level: 'sở' }),
          row({ code: '000.00.03.H30', valid_from: '2025-02-30', domains: ['bad domain'] }),
          row({ code: '000.00.04.H30', parent: '000.00.99.H30', domains: [], addresses: ['stp-at-sonminh'] }),
        ],
      }),
    );
    expect(problems).toEqual([
      'row 2 (code not-a-code): code: "not-a-code" is not an identifier code (expected 000.00.00.H30 or H30.21)',
      'row 2 (code not-a-code): level: must be one of province_pc, department, provincial_org, district_pc, commune_pc, unit (got "sở")',
      'row 3 (code 000.00.03.H30): domains: "bad domain" is not a domain name',
      'row 3 (code 000.00.03.H30): valid_from: "2025-02-30" is not a valid date YYYY-MM-DD',
      'row 4 (code 000.00.04.H30): addresses: "stp-at-sonminh" is not an email address',
    ]);
  });

  it('reports a missing name and a wrongly typed list', () => {
    const problems = problemsOf(() => parseDirectory({ agencies: [row({ name: '  ', domains: 42 })] }));
    expect(problems).toContain('row 1 (code 000.00.02.H30): name: is required');
    expect(problems.some((p) => p.startsWith('row 1 (code 000.00.02.H30): domains:'))).toBe(true);
  });

  it('reports an unknown field, which is usually a typo', () => {
    expect(problemsOf(() => parseDirectory({ agencies: [row({ valid_form: '2020-01-01' })] }))).toEqual([
      'row 1 (code 000.00.02.H30): valid_form: unknown field (expected code, name, level, parent, domains, addresses, valid_from, valid_to, successor)',
    ]);
  });

  it('reports duplicate codes, domains and addresses', () => {
    const problems = problemsOf(() =>
      parseDirectory({
        agencies: [row(), row({ name: 'Bản sao' }), row({ code: '000.00.03.H30', addresses: [] })],
      }),
    );
    expect(problems).toEqual([
      'row 2 (code 000.00.02.H30): code: duplicate: also used by row 1',
      'row 2 (code 000.00.02.H30): domains: snv.sonminh.gov.vn is also listed under row 1 (code 000.00.02.H30)',
      'row 2 (code 000.00.02.H30): addresses: snv@sonminh.gov.vn is also listed under row 1 (code 000.00.02.H30)',
      'row 3 (code 000.00.03.H30): domains: snv.sonminh.gov.vn is also listed under row 1 (code 000.00.02.H30)',
    ]);
  });

  it('reports parents and successors that are not in the directory', () => {
    const problems = problemsOf(() =>
      parseDirectory({ agencies: [row({ parent: '000.00.00.H30', successor: 'H30.99', valid_to: '2025-06-30' })] }),
    );
    expect(problems).toEqual([
      'row 1 (code 000.00.02.H30): parent: 000.00.00.H30 is not a code of this directory',
      'row 1 (code 000.00.02.H30): successor: H30.99 is not a code of this directory',
    ]);
  });

  it('reports an agency that is its own successor', () => {
    expect(problemsOf(() => parseDirectory({ agencies: [row({ successor: '000.00.02.H30' })] }))).toEqual([
      'row 1 (code 000.00.02.H30): successor: an agency cannot be its own successor',
    ]);
  });

  it('reports a successor chain that loops', () => {
    const problems = problemsOf(() =>
      parseDirectory({
        agencies: [
          row({ successor: '000.00.03.H30' }),
          row({ code: '000.00.03.H30', domains: [], addresses: [], successor: '000.00.02.H30' }),
        ],
      }),
    );
    expect(problems).toEqual([
      'row 1 (code 000.00.02.H30): successor: the successor chain loops: 000.00.02.H30 → 000.00.03.H30 → 000.00.02.H30',
    ]);
  });

  it('reports validity that ends before it starts', () => {
    expect(problemsOf(() => parseDirectory({ agencies: [row({ valid_from: '2025-07-01', valid_to: '2025-06-30' })] }))).toEqual([
      'row 1 (code 000.00.02.H30): valid_to: 2025-06-30 is before valid_from 2025-07-01',
    ]);
  });

  it('rejects input that is neither { agencies } nor a list, and an empty list', () => {
    expect(() => parseDirectory({ agency: [] })).toThrow(/the directory must be \{ agencies: \[\.\.\.\] \} or a list of rows/);
    expect(() => parseDirectory('agencies')).toThrow(DirectoryError);
    expect(() => parseDirectory({ agencies: [] })).toThrow(/lists no agency/);
  });

  it('keeps the problems as data for the CLI and the API', () => {
    try {
      parseDirectory({ agencies: [row({ level: 'x' })] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DirectoryError);
      expect((err as DirectoryError).problems).toEqual([
        { row: 1, code: '000.00.02.H30', field: 'level', message: expect.stringContaining('must be one of') as unknown },
      ]);
    }
  });
});

describe('readCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(readCsv('a,b,c\r\n"x, y","say ""hi""","line 1\nline 2"\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'line 1\nline 2'],
    ]);
  });

  it('keeps empty fields and a last line without a line break', () => {
    expect(readCsv('a,,c\n,,')).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
    ]);
  });

  it('drops a UTF-8 byte-order mark', () => {
    expect(readCsv('\uFEFFcode,name\n')).toEqual([['code', 'name']]);
  });

  it('rejects a quote that is never closed', () => {
    expect(() => readCsv('a,b\n"open,b\n')).toThrow(/quoted field is not closed/);
  });
});

describe('parseDirectoryCsv', () => {
  const header = 'code,name,level,parent,domains,addresses,valid_from,valid_to,successor';

  it('parses rows with ;-separated lists and quoted names', () => {
    const csv = [
      header,
      '000.00.00.H30,"Ủy ban nhân dân tỉnh Sơn Minh",province_pc,,,ubnd@sonminh.gov.vn;vanthu.ubnd@sonminh.gov.vn,,,',
      '000.00.11.H30,"Sở Văn hóa, Thể thao và Du lịch",department,000.00.00.H30,svhttdl.sonminh.gov.vn,svhttdl@sonminh.gov.vn,,,',
    ].join('\r\n');
    const agencies = parseDirectoryCsv(csv);
    expect(agencies.map((a) => a.name)).toEqual(['Ủy ban nhân dân tỉnh Sơn Minh', 'Sở Văn hóa, Thể thao và Du lịch']);
    expect(agencies[0]?.addresses).toEqual(['ubnd@sonminh.gov.vn', 'vanthu.ubnd@sonminh.gov.vn']);
    expect(agencies[1]?.parent).toBe('000.00.00.H30');
  });

  it('accepts a name with a line break inside quotes', () => {
    const [a] = parseDirectoryCsv(`${header}\n000.00.00.H30,"UBND tỉnh\nSơn Minh",province_pc,,,,,,\n`);
    expect(a?.name).toBe('UBND tỉnh\nSơn Minh');
  });

  it('accepts columns in any order and only the required ones', () => {
    const [a] = parseDirectoryCsv('Level,Name,Code\nprovince_pc,UBND tỉnh,000.00.00.H30\n');
    expect(a).toMatchObject({ code: '000.00.00.H30', level: 'province_pc', domains: [] });
  });

  it('numbers problems as spreadsheet rows, the header being row 1', () => {
    const csv = `${header}\n000.00.00.H30,UBND tỉnh,province_pc,,,,,,\n000.00.02.H30,Sở Nội vụ,ministry,000.00.00.H30,,,,,\n`;
    expect(problemsOf(() => parseDirectoryCsv(csv))).toEqual([
      'row 3 (code 000.00.02.H30): level: must be one of province_pc, department, provincial_org, district_pc, commune_pc, unit (got "ministry")',
    ]);
  });

  it('reports a row with the wrong number of fields together with other problems', () => {
    const csv = `${header}\n000.00.00.H30,UBND tỉnh,province_pc,,,,,\n000.00.02.H30,Sở Nội vụ,department,000.00.77.H30,,,,,\n`;
    expect(problemsOf(() => parseDirectoryCsv(csv))).toEqual([
      'row 2 (code 000.00.00.H30): has 8 fields where the header has 9',
      'row 3 (code 000.00.02.H30): parent: 000.00.77.H30 is not a code of this directory',
    ]);
  });

  it('reports missing required columns', () => {
    expect(problemsOf(() => parseDirectoryCsv('code,name\n000.00.00.H30,UBND\n'))).toEqual(['row 1: level: missing column']);
  });

  it('rejects an empty file', () => {
    expect(() => parseDirectoryCsv('')).toThrow(/CSV file is empty/);
  });

  it('gives the same agencies as the YAML sample once written as CSV', () => {
    const fromYaml = parseDirectory(sample());
    const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
    const lines = fromYaml.map((a) =>
      [a.code, a.name, a.level, a.parent ?? '', a.domains.join(';'), a.addresses.join(';'), a.validFrom ?? '', a.validTo ?? '', a.successor ?? '']
        .map(quote)
        .join(','),
    );
    expect(parseDirectoryCsv([header, ...lines].join('\n'))).toEqual(fromYaml);
  });
});

describe('normalizeAgencyCode', () => {
  it.each([
    ['000.00.00.H30', '000.00.00.H30'],
    [' 000.00.02.h30 ', '000.00.02.H30'],
    ['H30.21', 'H30.21'],
    ['h55.242', 'H55.242'],
    ['H55.242.1', 'H55.242.1'],
    ['001.00.09.H30', '001.00.09.H30'],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeAgencyCode(input)).toBe(expected);
  });

  it.each(['', 'H30', '000.00.00', '00.00.00.H30', '000.00.00.H3', '000.00.00.HH0', 'H30-21', '2888/UBND-VX', 'H30.1234'])(
    'rejects %j',
    (input) => {
      expect(normalizeAgencyCode(input)).toBeNull();
    },
  );
});

describe('buildDirectory', () => {
  const dir = buildDirectory(parseDirectory(sample()));

  it('indexes agencies by code, address and domain', () => {
    expect(dir.agencies.get('000.00.03.H30')?.name).toBe('Sở Tài chính');
    expect(dir.byAddress.get('vanthu.ubnd@sonminh.gov.vn')?.code).toBe('000.00.00.H30');
    expect(dir.byDomain.get('stc.sonminh.gov.vn')?.code).toBe('000.00.03.H30');
  });

  it('does not index the shared provincial domain', () => {
    expect(dir.byDomain.has('sonminh.gov.vn')).toBe(false);
  });

  it('keeps the first agency when a hand-built list repeats a key', () => {
    const a = parseDirectory({ agencies: [row()] })[0];
    if (!a) throw new Error('no agency');
    const other = { ...a, code: '000.00.99.H30', name: 'Khác' };
    const d = buildDirectory([a, other]);
    expect(d.byDomain.get('snv.sonminh.gov.vn')?.code).toBe('000.00.02.H30');
    expect(d.agencies.size).toBe(2);
  });
});

describe('findAgencyCodesInText', () => {
  const dir = buildDirectory(parseDirectory(sample()));

  it('finds codes of the directory in running text, in order and once each', () => {
    const text = 'Mã định danh: 000.00.03.H30. Nơi nhận: 000.00.00.H30; 000.00.03.H30 (lưu).';
    expect(findAgencyCodesInText(text, dir)).toEqual(['000.00.03.H30', '000.00.00.H30']);
  });

  it('ignores codes that are not in the directory', () => {
    expect(findAgencyCodesInText('Gửi 000.00.99.H30 và 000.00.02.G01', dir)).toEqual([]);
  });

  it('finds the short form when the directory uses it', () => {
    const d = buildDirectory(parseDirectory({ agencies: [row({ code: 'H30.21' })] }));
    expect(findAgencyCodesInText('Đơn vị nhận: h30.21, H30.22', d)).toEqual(['H30.21']);
  });

  it('does not read a code out of a longer number', () => {
    expect(findAgencyCodesInText('1000.00.03.H301 và 9.000.00.03.H30', dir)).toEqual([]);
  });
});
