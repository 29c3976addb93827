import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildDirectory, parseDirectory } from '../../src/domain/directory.js';
import {
  DEFAULT_FREE_MAIL_DOMAINS,
  agencyAt,
  collectParties,
  findTaxCodes,
  isValidTaxCode,
  resolveParty,
} from '../../src/domain/parties.js';

const dir = buildDirectory(
  parseDirectory(parseYaml(readFileSync(new URL('../../config/agencies.yaml', import.meta.url), 'utf8')) as unknown),
);
/** Mid-2026: after the 2025 reorganisation. */
const now = new Date('2026-08-15T03:00:00Z');
/** Early 2025: the districts and the Department of Information and Communications still exist. */
const before = new Date('2025-01-15T03:00:00Z');

describe('resolveParty against the directory', () => {
  it('matches an address listed under an agency', () => {
    expect(resolveParty('vanthu.ubnd@sonminh.gov.vn', 'Văn thư UBND tỉnh', dir, now)).toEqual({
      address: 'vanthu.ubnd@sonminh.gov.vn',
      name: 'Văn thư UBND tỉnh',
      kind: 'agency',
      agencyCode: '000.00.00.H30',
      agencyLevel: 'province_pc',
      matchedBy: 'address',
    });
  });

  it('matches addresses whatever their case and surrounding brackets', () => {
    const p = resolveParty(' <SNV@SonMinh.gov.vn> ', null, dir, now);
    expect(p.address).toBe('snv@sonminh.gov.vn');
    expect(p.agencyCode).toBe('000.00.02.H30');
    expect(p.matchedBy).toBe('address');
  });

  it('matches a domain listed under an agency', () => {
    const p = resolveParty('nguyenvana@stc.sonminh.gov.vn', 'Nguyễn Văn A', dir, now);
    expect(p).toMatchObject({ kind: 'agency', agencyCode: '000.00.03.H30', agencyLevel: 'department', matchedBy: 'domain' });
  });

  it('matches a sub-domain through its parent domain', () => {
    const p = resolveParty('ketoan@a.stc.sonminh.gov.vn', null, dir, now);
    expect(p).toMatchObject({ kind: 'agency', agencyCode: '000.00.03.H30', matchedBy: 'domain' });
  });

  it('resolves a unit on its own domain to the unit, not to its parent department', () => {
    expect(resolveParty('khoanoi@bvdk.sonminh.gov.vn', null, dir, now)).toMatchObject({
      agencyCode: '001.00.09.H30',
      agencyLevel: 'unit',
    });
  });

  it('does not pin an unlisted address on the shared provincial domain to any agency', () => {
    expect(resolveParty('nguoila@sonminh.gov.vn', null, dir, now)).toMatchObject({
      kind: 'unknown',
      agencyCode: null,
      agencyLevel: null,
      matchedBy: 'gov_domain',
    });
  });

  it('prefers the address to the domain', () => {
    // thptchuyen@ is listed under the school; the shared domain names nobody.
    expect(resolveParty('thptchuyen@sonminh.gov.vn', null, dir, now)).toMatchObject({
      agencyCode: '001.00.08.H30',
      matchedBy: 'address',
    });
  });
});

describe('resolveParty over time', () => {
  it('keeps a district PC as itself before it was dissolved', () => {
    expect(resolveParty('vanthu@tanlap.sonminh.gov.vn', null, dir, before)).toMatchObject({
      agencyCode: '000.00.32.H30',
      agencyLevel: 'district_pc',
    });
  });

  it('resolves a dissolved district PC to its successor commune', () => {
    expect(resolveParty('vanthu@tanlap.sonminh.gov.vn', null, dir, now)).toMatchObject({
      agencyCode: '000.32.01.H30',
      agencyLevel: 'commune_pc',
      matchedBy: 'domain',
    });
  });

  it('treats valid_to as the last valid day, in Vietnamese time', () => {
    // 2025-06-30 23:30 in Hà Nội: still valid. 2025-07-01 00:30: dissolved.
    expect(resolveParty('a@tanlap.sonminh.gov.vn', null, dir, new Date('2025-06-30T16:30:00Z')).agencyCode).toBe('000.00.32.H30');
    expect(resolveParty('a@tanlap.sonminh.gov.vn', null, dir, new Date('2025-06-30T17:30:00Z')).agencyCode).toBe('000.32.01.H30');
  });

  it('resolves the Department of Information and Communications to Science and Technology after the merger', () => {
    expect(resolveParty('stttt@sonminh.gov.vn', null, dir, now)).toMatchObject({ agencyCode: '000.00.10.H30', matchedBy: 'address' });
    expect(resolveParty('stttt@sonminh.gov.vn', null, dir, before)).toMatchObject({ agencyCode: '000.00.14.H30' });
  });

  it('follows a successor chain of several steps', () => {
    const chain = buildDirectory(
      parseDirectory({
        agencies: [
          { code: '000.00.01.H30', name: 'A', level: 'department', domains: ['a.gov.vn'], valid_to: '2020-12-31', successor: '000.00.02.H30' },
          { code: '000.00.02.H30', name: 'B', level: 'department', domains: ['b.gov.vn'], valid_to: '2023-12-31', successor: '000.00.03.H30' },
          { code: '000.00.03.H30', name: 'C', level: 'department' },
        ],
      }),
    );
    expect(resolveParty('x@a.gov.vn', null, chain, now).agencyCode).toBe('000.00.03.H30');
    expect(resolveParty('x@a.gov.vn', null, chain, new Date('2022-01-01T00:00:00Z')).agencyCode).toBe('000.00.02.H30');
  });

  it('stays on a dissolved agency that has no successor', () => {
    const a = { code: '000.00.01.H30', name: 'A', level: 'department' as const, parent: null, domains: [], addresses: [], validFrom: null, validTo: '2020-01-01', successor: null };
    expect(agencyAt(a, buildDirectory([a]), now).code).toBe('000.00.01.H30');
  });
});

describe('resolveParty outside the directory', () => {
  it.each(['gmail.com', 'yahoo.com', 'yahoo.com.vn', 'outlook.com', 'hotmail.com', 'icloud.com', 'zing.vn'])(
    'takes an address at %s for an individual',
    (domain) => {
      expect(resolveParty(`tranthib@${domain}`, 'Trần Thị B', dir, now)).toMatchObject({
        kind: 'individual',
        agencyCode: null,
        matchedBy: 'free_mail',
      });
    },
  );

  it('lets the caller replace the free-mail list', () => {
    expect(resolveParty('a@gmail.com', null, dir, now, { freeMailDomains: ['mail.example.vn'] }).kind).toBe('enterprise');
    expect(resolveParty('a@mail.example.vn', null, dir, now, { freeMailDomains: [...DEFAULT_FREE_MAIL_DOMAINS, 'mail.example.vn'] }).kind).toBe(
      'individual',
    );
  });

  it('marks an unknown government domain as unknown, to propose for the directory', () => {
    expect(resolveParty('vanthu@hanoi.gov.vn', null, dir, now)).toMatchObject({ kind: 'unknown', matchedBy: 'gov_domain' });
    expect(resolveParty('vanthu@mic.gov.vn', null, dir, now)).toMatchObject({ kind: 'unknown', matchedBy: 'gov_domain' });
  });

  it.each(['hust.edu.vn', 'vusta.org.vn', 'unicef.org', 'vast.ac.vn'])('takes %s for an organization', (domain) => {
    expect(resolveParty(`info@${domain}`, null, dir, now)).toMatchObject({ kind: 'organization', matchedBy: 'organization_domain' });
  });

  it.each(['viettel.com.vn', 'fpt.com', 'congtyabc.vn', 'vnpt.net', 'abc.net.vn', 'shop.biz'])('takes %s for an enterprise', (domain) => {
    expect(resolveParty(`lienhe@${domain}`, null, dir, now)).toMatchObject({ kind: 'enterprise', matchedBy: 'enterprise_domain' });
  });

  it('leaves other domains unknown', () => {
    expect(resolveParty('a@example.de', null, dir, now)).toMatchObject({ kind: 'unknown', matchedBy: 'none' });
    expect(resolveParty('a@bqp.mil.vn', null, dir, now)).toMatchObject({ kind: 'unknown', matchedBy: 'none' });
  });

  it('leaves an address without a domain unknown', () => {
    expect(resolveParty('undisclosed-recipients', null, dir, now)).toMatchObject({ kind: 'unknown', matchedBy: 'none' });
    expect(resolveParty('root@localhost', null, dir, now)).toMatchObject({ kind: 'unknown', matchedBy: 'none' });
  });

  it('drops an empty display name', () => {
    expect(resolveParty('a@gmail.com', '   ', dir, now).name).toBeNull();
  });
});

describe('collectParties', () => {
  it('merges the roles of an address that appears in several headers', () => {
    const parties = collectParties(
      {
        from: [{ address: 'vanthu@stc.sonminh.gov.vn', name: 'Sở Tài chính' }],
        to: [
          { address: 'ubnd@sonminh.gov.vn', name: null },
          { address: 'snv@sonminh.gov.vn', name: 'Sở Nội vụ' },
        ],
        cc: [{ address: 'UBND@sonminh.gov.vn', name: 'UBND tỉnh' }],
        bcc: [],
        replyTo: [{ address: 'vanthu@stc.sonminh.gov.vn', name: null }],
        sender: [],
      },
      dir,
      now,
    );
    expect(parties.map((p) => [p.address, p.roles, p.agencyCode, p.name])).toEqual([
      ['vanthu@stc.sonminh.gov.vn', ['from', 'reply_to'], '000.00.03.H30', 'Sở Tài chính'],
      ['ubnd@sonminh.gov.vn', ['to', 'cc'], '000.00.00.H30', 'UBND tỉnh'],
      ['snv@sonminh.gov.vn', ['to'], '000.00.02.H30', 'Sở Nội vụ'],
    ]);
  });

  it('lists bcc and sender roles and skips empty addresses', () => {
    const parties = collectParties(
      {
        from: [{ address: 'a@gmail.com', name: null }],
        to: [{ address: '', name: 'nobody' }],
        cc: [],
        bcc: [{ address: 'sxd@sonminh.gov.vn', name: null }],
        replyTo: [],
        sender: [{ address: 'a@gmail.com', name: null }],
      },
      dir,
      now,
    );
    expect(parties.map((p) => [p.address, p.roles, p.kind])).toEqual([
      ['a@gmail.com', ['from', 'sender'], 'individual'],
      ['sxd@sonminh.gov.vn', ['bcc'], 'agency'],
    ]);
  });

  it('resolves every party at the date given', () => {
    const headers = { from: [{ address: 'x@longphu.sonminh.gov.vn', name: null }], to: [], cc: [], bcc: [], replyTo: [], sender: [] };
    expect(collectParties(headers, dir, before)[0]?.agencyCode).toBe('000.00.35.H30');
    expect(collectParties(headers, dir, now)[0]?.agencyCode).toBe('000.35.01.H30');
  });
});

describe('isValidTaxCode', () => {
  it.each(['0100109106', '0101248141', '0100109106-001', ' 0101248141 '])('accepts %j', (s) => {
    expect(isValidTaxCode(s)).toBe(true);
  });

  it.each([
    ['0100109107', 'wrong check digit'],
    ['010010910', 'nine digits'],
    ['01001091060', 'eleven digits'],
    ['0100109106-000', 'branch 000'],
    ['0100109107-001', 'branch of an invalid code'],
    ['0100109106-01', 'short branch'],
    ['01001O9106', 'a letter'],
    ['0000000000', 'a check of 10'],
  ])('rejects %j (%s)', (s) => {
    expect(isValidTaxCode(s)).toBe(false);
  });

  it('rejects every code whose weighted sum leaves a check of 10, whatever its last digit', () => {
    // 1·5 + 2·3 = 11 ≡ 0 (mod 11) → check 10, which is never issued.
    for (let last = 0; last <= 9; last += 1) expect(isValidTaxCode(`000000012${last}`)).toBe(false);
    // 1·31 + 1·29 = 60 ≡ 5 → check 5.
    expect(isValidTaxCode('1100000005')).toBe(true);
  });
});

describe('findTaxCodes', () => {
  it('finds a code labelled MST', () => {
    expect(findTaxCodes('Công ty TNHH ABC, MST: 0101248141, địa chỉ …')).toEqual(['0101248141']);
  });

  it('finds a code labelled mã số thuế, with or without accents', () => {
    expect(findTaxCodes('Mã số thuế 0100109106')).toEqual(['0100109106']);
    expect(findTaxCodes('ma so thue: 0100109106')).toEqual(['0100109106']);
  });

  it('finds the 13-digit branch form without a label', () => {
    expect(findTaxCodes('Chi nhánh 0100109106-001 tại Sơn Minh')).toEqual(['0100109106-001']);
  });

  it('ignores a bare 10-digit number such as a phone number', () => {
    expect(findTaxCodes('Điện thoại: 0100109106')).toEqual([]);
    expect(findTaxCodes('Liên hệ 0912345678')).toEqual([]);
  });

  it('ignores a labelled number whose check digit is wrong', () => {
    expect(findTaxCodes('MST: 0100109107')).toEqual([]);
  });

  it('lists each code once, in order', () => {
    expect(findTaxCodes('MST 0101248141 … MST 0100109106 … MST: 0101248141')).toEqual(['0101248141', '0100109106']);
  });

  it('does not take ten digits out of a longer number', () => {
    expect(findTaxCodes('MST: 01001091061234')).toEqual([]);
  });
});
