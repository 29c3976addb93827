// The demo's account list (K7): every agency address its mail uses is an account, each agency with a
// domain has unused accounts too, the CSV is what `accounts import` reads, and the list is seeded.
import { describe, expect, it } from 'vitest';
import { demoAccounts, demoAccountsCsv, DEMO_ACCOUNT_HEADERS } from '../../src/demo/accounts.js';
import { loadSampleAgencies } from '../../src/demo/corpus.js';
import { parseAccountList } from '../../src/domain/accounts.js';

const agencies = loadSampleAgencies();
const start = new Date('2026-06-30T17:00:00Z'); // 2026-07-01 00:00 in Asia/Ho_Chi_Minh
const withDomain = agencies.find((a) => a.domains.length > 0 && a.validTo === null)!;
const used = [
  { address: `nguyenvanan@${withDomain.domains[0]}`, agency: withDomain.code, name: 'Nguyễn Văn An' },
  { address: `vanthu@${withDomain.domains[0]}`, agency: withDomain.code, name: 'Văn thư' },
  { address: `vanthu@${withDomain.domains[0]}`, agency: withDomain.code, name: 'Văn thư' },
  { address: 'someone@unknown.example', agency: 'NO.SUCH.CODE', name: 'Ai đó' },
];

describe('demo account list', () => {
  const list = demoAccounts(agencies, used, start, 2026);

  it('holds every address the mail uses once, under its agency, and none of an unknown agency', () => {
    const staff = list.filter((a) => a.address === used[0]!.address);
    expect(staff).toHaveLength(1);
    expect(staff[0]).toMatchObject({ agencyCode: withDomain.code, enabled: true, displayName: 'Nguyễn Văn An' });
    expect(list.find((a) => a.address === used[1]!.address)?.displayName).toBe(withDomain.name);
    expect(staff[0]!.lastLogin).not.toBeNull();
    expect(list.filter((a) => a.address === used[1]!.address)).toHaveLength(1);
    expect(list.some((a) => a.address === 'someone@unknown.example')).toBe(false);
    expect(new Set(list.map((a) => a.address)).size).toBe(list.length);
  });

  it('gives every current agency with a domain its official address and 1–4 unused staff accounts, some locked', () => {
    for (const a of agencies.filter((x) => x.validTo === null && x.domains.length > 0)) {
      const mine = list.filter((x) => x.agencyCode === a.code);
      expect(mine.some((x) => x.address === (a.addresses[0] ?? `vanthu@${a.domains[0]}`).toLowerCase()), a.code).toBe(true);
      expect(mine.length, a.code).toBeGreaterThanOrEqual(2);
      expect(mine.length, a.code).toBeLessThanOrEqual(5 + used.filter((u) => u.agency === a.code).length);
    }
    for (const a of agencies.filter((x) => x.validTo !== null)) expect(list.filter((x) => x.agencyCode === a.code && !used.some((u) => u.address === x.address))).toEqual([]);
    const locked = list.filter((a) => !a.enabled).length;
    expect(locked).toBeGreaterThan(0);
    expect(locked).toBeLessThan(list.length * 0.15);
  });

  it('creates every account before the period', () => {
    for (const a of list) expect(a.created < '2026-07-01', a.address).toBe(true);
  });

  it('is the same for a seed and differs between seeds', () => {
    expect(demoAccounts(agencies, used, start, 2026)).toEqual(list);
    expect(demoAccounts(agencies, used, start, 7)).not.toEqual(list);
  });

  it('writes a CSV that the account import reads back whole', () => {
    const csv = demoAccountsCsv(list);
    expect(csv.startsWith(`\ufeff${DEMO_ACCOUNT_HEADERS.join(',')}\r\n`)).toBe(true);
    const read = parseAccountList(csv);
    expect(read.ignoredColumns).toEqual([]);
    expect(read.accounts.map((a) => a.address)).toEqual(list.map((a) => a.address));
    expect(read.accounts.map((a) => a.enabled)).toEqual(list.map((a) => a.enabled));
    expect(read.accounts.map((a) => a.displayName)).toEqual(list.map((a) => a.displayName));
    const first = list.find((a) => a.lastLogin !== null)!;
    const back = read.accounts.find((a) => a.address === first.address)!;
    // Local times (Asia/Ho_Chi_Minh) in the file, instants after reading.
    expect(new Date(back.lastLogin!.getTime() + 7 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')).toBe(first.lastLogin);
  });
});
