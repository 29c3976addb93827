// K7's account lists: header mapping of real exports (Zimbra, Microsoft 365, Google Workspace,
// Vietnamese spreadsheets), status and date cells, whole-file validation, the plan of a re-import,
// and K7 per agency on hand-computed cases.
import { describe, expect, it } from 'vitest';
import {
  AccountListError,
  foldHeader,
  k7Counts,
  k7Rows,
  mapAccountHeaders,
  parseAccountDate,
  parseAccountList,
  parseEnabled,
  planAccountImport,
  type AccountVersion,
  type CurrentAccount,
  type PlacedAccount,
} from '../../src/domain/accounts.js';
import { parsePeriod } from '../../src/domain/period.js';
import type { AgencyLevel } from '../../src/domain/types.js';

const local = (s: string): Date => new Date(`${s}+07:00`);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof AccountListError) return err.problems.map((p) => `${p.row ?? '-'}: ${p.message}`);
    throw err;
  }
  throw new Error('expected an AccountListError');
}

describe('account list headers', () => {
  it('folds Vietnamese marks, đ, case, brackets and punctuation', () => {
    expect(foldHeader('Ngày tạo')).toBe('ngaytao');
    expect(foldHeader('Địa chỉ thư')).toBe('diachithu');
    expect(foldHeader('Email Address [Required]')).toBe('emailaddress');
    expect(foldHeader('  Last Sign-In  ')).toBe('lastsignin');
  });

  it('maps a Vietnamese spreadsheet', () => {
    const m = mapAccountHeaders(['STT', 'Họ và tên', 'Địa chỉ thư điện tử', 'Trạng thái', 'Ngày tạo', 'Đăng nhập lần cuối']);
    expect(m.columns).toEqual({ displayName: 1, address: 2, status: 3, created: 4, lastLogin: 5 });
    expect(m.ignored).toEqual(['STT']);
  });

  it('maps a Microsoft 365 active-users export (Block credential is the inverse of enabled)', () => {
    const m = mapAccountHeaders(['Block credential', 'City', 'Display name', 'User principal name', 'When created']);
    expect(m.columns).toEqual({ disabled: 0, displayName: 2, address: 3, created: 4 });
  });

  it('maps a Google Workspace export with first and last names', () => {
    const m = mapAccountHeaders(['First Name [Required]', 'Last Name [Required]', 'Email Address [Required]', 'Status [READ ONLY]', 'Last Sign In [READ ONLY]']);
    expect(m.columns).toEqual({ firstName: 0, lastName: 1, address: 2, status: 3, lastLogin: 4 });
  });

  it('takes Zimbra\'s "name" as the address when no other column holds it', () => {
    expect(mapAccountHeaders(['name', 'displayName', 'zimbraAccountStatus', 'zimbraCreateTimestamp']).columns).toEqual({ address: 0, displayName: 1, status: 2, created: 3 });
    expect(mapAccountHeaders(['name', 'email']).columns).toEqual({ displayName: 0, address: 1 });
  });

  it('refuses a header without an address column, or with a field named twice', () => {
    expect(problemsOf(() => mapAccountHeaders(['Họ tên', 'Trạng thái']))[0]).toMatch(/no address column/);
    expect(problemsOf(() => mapAccountHeaders(['Email', 'Mail']))[0]).toMatch(/names the same field \(address\)/);
  });
});

describe('status and date cells', () => {
  it.each([
    ['active', true], ['Hoạt động', true], ['ĐANG HOẠT ĐỘNG', true], ['TRUE', true], ['1', true], ['maintenance', true],
    ['locked', false], ['closed', false], ['Khóa', false], ['đã khoá', false], ['Không hoạt động', false], ['FALSE', false], ['pending', false],
    ['maybe', null], ['', null],
  ])('%j is %j', (v, e) => {
    expect(parseEnabled(v)).toBe(e);
  });

  it.each([
    ['2024-01-15', '2024-01-14T17:00:00.000Z'],
    ['2024-01-15 08:30', '2024-01-15T01:30:00.000Z'],
    ['2024-01-15T08:30:00Z', '2024-01-15T08:30:00.000Z'],
    ['2024-01-15T08:30:00+09:00', '2024-01-14T23:30:00.000Z'],
    ['20240115083000Z', '2024-01-15T08:30:00.000Z'],
    ['15/01/2024', '2024-01-14T17:00:00.000Z'],
    ['05/01/2024 14:05:06', '2024-01-05T07:05:06.000Z'],
    ['1/15/2024 8:30:00 PM', '2024-01-15T13:30:00.000Z'],
    ['12/1/2024 12:00:00 AM', '2024-11-30T17:00:00.000Z'],
  ])('reads %j', (v, iso) => {
    expect(parseAccountDate(v)?.toISOString()).toBe(iso);
  });

  it('reads empty and "never" as no date, and rejects what is not a date', () => {
    expect(parseAccountDate('')).toBeNull();
    expect(parseAccountDate('Never')).toBeNull();
    expect(parseAccountDate('chưa đăng nhập')).toBeNull();
    expect(parseAccountDate('31/02/2024')).toBeUndefined();
    expect(parseAccountDate('2024-13-01')).toBeUndefined();
    expect(parseAccountDate('yesterday')).toBeUndefined();
  });
});

describe('parseAccountList', () => {
  it('reads a semicolon-separated Vietnamese export with BOM, quotes and blank lines', () => {
    const csv = '\uFEFFĐịa chỉ thư;Họ và tên;Trạng thái;Ngày tạo\r\nVanThu@STC.sonminh.gov.vn;"Nguyễn Văn; A";Hoạt động;15/01/2024\r\n\r\nketoan@stc.sonminh.gov.vn;Trần Thị B;Khóa;\r\n';
    const { accounts } = parseAccountList(csv);
    expect(accounts).toEqual([
      { address: 'vanthu@stc.sonminh.gov.vn', displayName: 'Nguyễn Văn; A', enabled: true, created: local('2024-01-15T00:00:00'), lastLogin: null, row: 2 },
      { address: 'ketoan@stc.sonminh.gov.vn', displayName: 'Trần Thị B', enabled: false, created: null, lastLogin: null, row: 4 },
    ]);
  });

  it('reads a Microsoft 365 export (comma, Block credential) and a Google export (family name first)', () => {
    const m365 = parseAccountList('Block credential,Display name,User principal name,When created\nFalse,Lê Văn C,lvc@snv.sonminh.gov.vn,3/2/2023 9:00:00 AM\nTrue,Old,old@snv.sonminh.gov.vn,\n');
    expect(m365.accounts.map((a) => [a.address, a.enabled, a.created?.toISOString() ?? null])).toEqual([
      ['lvc@snv.sonminh.gov.vn', true, '2023-03-02T02:00:00.000Z'],
      ['old@snv.sonminh.gov.vn', false, null],
    ]);
    const google = parseAccountList('First Name [Required],Last Name [Required],Email Address [Required],Status [READ ONLY]\nAn,Phạm Văn,an@sct.sonminh.gov.vn,Active\n');
    expect(google.accounts[0]).toMatchObject({ displayName: 'Phạm Văn An', enabled: true });
  });

  it('reads a tab-separated Zimbra listing', () => {
    const { accounts } = parseAccountList('name\tzimbraAccountStatus\tzimbraCreateTimestamp\nadmin@ubnd.sonminh.gov.vn\tactive\t20190301020304Z\nx@ubnd.sonminh.gov.vn\tclosed\t20200101000000Z\n');
    expect(accounts.map((a) => [a.address, a.enabled, a.created?.toISOString()])).toEqual([
      ['admin@ubnd.sonminh.gov.vn', true, '2019-03-01T02:03:04.000Z'],
      ['x@ubnd.sonminh.gov.vn', false, '2020-01-01T00:00:00.000Z'],
    ]);
  });

  it('lists every problem of a bad file with its row, and imports nothing', () => {
    const csv = 'email,status,created\nok@stc.sonminh.gov.vn,active,2024-01-01\nnot-an-address,active,\nOK@stc.sonminh.gov.vn,active,\nb@stc.sonminh.gov.vn,sometimes,\nc@stc.sonminh.gov.vn,active,32/01/2024\n';
    expect(problemsOf(() => parseAccountList(csv))).toEqual([
      expect.stringMatching(/^3: .*not an email address: "not-an-address"/),
      expect.stringMatching(/^4: .*listed twice \(first on row 2\)/),
      expect.stringMatching(/^5: .*unknown status value "sometimes"/),
      expect.stringMatching(/^6: .*invalid created date "32\/01\/2024"/),
    ]);
  });

  it('refuses an empty file and an unterminated quote', () => {
    expect(problemsOf(() => parseAccountList('\n\n'))[0]).toMatch(/empty/);
    expect(problemsOf(() => parseAccountList('email,name\n"a@b.vn,x\n'))[0]).toMatch(/unreadable CSV/);
  });
});

describe('planAccountImport', () => {
  const at = local('2026-07-01T00:00:00');
  const cur = (id: number, address: string, o: Partial<CurrentAccount> = {}): CurrentAccount => ({
    id, address, agencyCode: 'STC', displayName: null, enabled: true, source: 'csv:agency:STC', validFrom: local('2025-01-01T00:00:00'), ...o,
  });
  const acc = (address: string, o: Partial<PlacedAccount> = {}): PlacedAccount => ({ address, agencyCode: 'STC', displayName: null, enabled: true, created: null, lastLogin: null, ...o });

  it('opens new accounts from their creation date, changed ones at the import, and closes the missing ones of the same source', () => {
    const current = [cur(1, 'same@x.vn'), cur(2, 'locked@x.vn'), cur(3, 'gone@x.vn'), cur(4, 'other-source@x.vn', { source: 'ldap' })];
    const incoming = [
      acc('same@x.vn', { lastLogin: local('2026-06-30T10:00:00') }),
      acc('locked@x.vn', { enabled: false }),
      acc('new@x.vn', { created: local('2026-05-10T00:00:00') }),
      acc('new-no-date@x.vn'),
    ];
    const plan = planAccountImport(current, incoming, 'csv:agency:STC', at, new Set(['same@x.vn', 'locked@x.vn', 'gone@x.vn', 'other-source@x.vn']));
    expect(plan.counts).toEqual({ added: 2, changed: 1, removed: 1, unchanged: 1 });
    expect(plan.close.sort()).toEqual([2, 3]);
    expect(plan.open.map((o) => [o.address, o.enabled, o.validFrom.toISOString()])).toEqual([
      ['locked@x.vn', false, at.toISOString()],
      ['new@x.vn', true, local('2026-05-10T00:00:00').toISOString()],
      ['new-no-date@x.vn', true, at.toISOString()],
    ]);
    expect(plan.refresh).toEqual([{ id: 1, created: null, lastLogin: local('2026-06-30T10:00:00') }]);
  });

  it('re-opens a removed account from the import date, not from its creation date (history is not rewritten)', () => {
    const plan = planAccountImport([], [acc('back@x.vn', { created: local('2020-01-01T00:00:00') })], 'csv:agency:STC', at, new Set(['back@x.vn']));
    expect(plan.open[0]?.validFrom).toEqual(at);
  });

  it('moves an account to another agency as a new version', () => {
    const plan = planAccountImport([cur(7, 'moved@x.vn')], [acc('moved@x.vn', { agencyCode: 'SNV' })], 'csv:by-domain', at, new Set(['moved@x.vn']));
    expect(plan.close).toEqual([7]);
    expect(plan.open[0]).toMatchObject({ address: 'moved@x.vn', agencyCode: 'SNV', validFrom: at });
  });

  it('refuses an import dated before the current version it would change', () => {
    const late = cur(1, 'a@x.vn', { validFrom: local('2026-08-01T00:00:00') });
    expect(problemsOf(() => planAccountImport([late], [acc('a@x.vn', { enabled: false })], 'csv:agency:STC', at, new Set(['a@x.vn'])))[0]).toMatch(/not before the import date/);
    expect(problemsOf(() => planAccountImport([late], [], 'csv:agency:STC', at, new Set(['a@x.vn'])))[0]).toMatch(/not before the import date/);
  });
});

describe('k7Counts', () => {
  const levels = new Map<string, AgencyLevel>([['STC', 'department'], ['SNV', 'department'], ['XA', 'commune_pc']]);
  const q3 = parsePeriod('2026-Q3');
  const v = (address: string, agencyCode: string, from: string, to: string | null = null, enabled = true): AccountVersion => ({
    address, agencyCode, enabled, validFrom: local(`${from}T00:00:00`), validTo: to === null ? null : local(`${to}T00:00:00`),
  });

  it('counts accounts existing in the period and those active in it, per agency, with messages beside', () => {
    const versions = [
      v('a@stc', 'STC', '2025-01-01'), // existing all along, active
      v('b@stc', 'STC', '2026-08-15'), // created mid-period: counts
      v('c@stc', 'STC', '2026-10-01'), // created after the period: does not
      v('d@stc', 'STC', '2025-01-01', '2026-07-01'), // removed at the period's start: does not
      v('e@stc', 'STC', '2025-01-01', '2026-08-01'), // removed mid-period: counts, active
      v('f@stc', 'STC', '2025-01-01', null, false), // disabled throughout: does not
      v('g@snv', 'SNV', '2025-01-01', '2026-09-01'), // disabled mid-period: the enabled version counts
      v('g@snv', 'SNV', '2026-09-01', null, false),
      v('h@xa', 'XA', '2025-01-01'),
    ];
    const active = new Set(['a@stc', 'e@stc', 'f@stc', 'h@xa', 'stranger@gmail.com']);
    const rows = k7Counts(versions, active, [{ agencyCode: 'STC', level: 'department', sent: 12, received: 30 }], levels, q3.start, q3.end);
    expect(rows).toEqual([
      { agencyCode: 'SNV', level: 'department', accounts: 1, activeAccounts: 0, sent: 0, received: 0 },
      { agencyCode: 'STC', level: 'department', accounts: 3, activeAccounts: 2, sent: 12, received: 30 },
      { agencyCode: 'XA', level: 'commune_pc', accounts: 1, activeAccounts: 1, sent: 0, received: 0 },
    ]);
  });

  it('counts an account that moved agency mid-period once, under its latest agency', () => {
    const rows = k7Counts([v('m@x', 'STC', '2025-01-01', '2026-08-01'), v('m@x', 'SNV', '2026-08-01')], new Set(['m@x']), [], levels, q3.start, q3.end);
    expect(rows).toEqual([{ agencyCode: 'SNV', level: 'department', accounts: 1, activeAccounts: 1, sent: 0, received: 0 }]);
  });

  it('gives nothing for an empty period, and 0 accounts beside messages for an agency without a list', () => {
    expect(k7Counts([], new Set(), [], levels, q3.start, q3.end)).toEqual([]);
    const year = parsePeriod('2024');
    expect(k7Counts([v('a@stc', 'STC', '2025-01-01')], new Set(['a@stc']), [], levels, year.start, year.end)).toEqual([]);
    expect(k7Counts([], new Set(), [{ agencyCode: 'XA', level: 'commune_pc', sent: 1, received: 0 }], levels, q3.start, q3.end)).toEqual([
      { agencyCode: 'XA', level: 'commune_pc', accounts: 0, activeAccounts: 0, sent: 1, received: 0 },
    ]);
  });

  it('k7Rows joins per-agency account counts (as SQL gives them) with messages, ordered by agency code', () => {
    const rows = k7Rows(
      [
        { agencyCode: 'XA', level: 'commune_pc', accounts: 4, activeAccounts: 1 },
        { agencyCode: 'STC', level: 'department', accounts: 3, activeAccounts: 2 },
      ],
      [
        { agencyCode: 'STC', level: 'department', sent: 12, received: 30 },
        { agencyCode: 'SNV', level: 'department', sent: 1, received: 0 },
      ],
    );
    expect(rows).toEqual([
      { agencyCode: 'SNV', level: 'department', accounts: 0, activeAccounts: 0, sent: 1, received: 0 },
      { agencyCode: 'STC', level: 'department', accounts: 3, activeAccounts: 2, sent: 12, received: 30 },
      { agencyCode: 'XA', level: 'commune_pc', accounts: 4, activeAccounts: 1, sent: 0, received: 0 },
    ]);
    expect(k7Rows([], [])).toEqual([]);
  });

  it('honours period boundaries in Asia/Ho_Chi_Minh: an account created at 00:00 local on 1 October is not in Q3', () => {
    const rows = k7Counts([v('late@stc', 'STC', '2026-10-01'), v('early@stc', 'STC', '2026-09-30')], new Set(), [], levels, q3.start, q3.end);
    expect(rows).toEqual([{ agencyCode: 'STC', level: 'department', accounts: 1, activeAccounts: 0, sent: 0, received: 0 }]);
  });
});
