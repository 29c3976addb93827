// The demo's official email accounts (K7): the account list a province's mail system would export,
// made from the directory and the generated mail. Every agency address the mail uses is an account;
// each agency also has accounts that sent and received nothing this quarter (K7's inactive ones),
// and a few are locked. Pure and seeded: the same directory, mail and seed give the same list.
// The list is written as the CSV an administrator would hand to `edocwatch accounts import`
// (Vietnamese headers, as the province's spreadsheets have them) and read back by that command's
// parser, so the demo goes through the same path.
import type { Agency } from '../domain/types.js';
import { mulberry32 } from './random.js';
import { FAMILY_NAMES, GIVEN_NAMES_FEMALE, GIVEN_NAMES_MALE, MIDDLE_NAMES_FEMALE, MIDDLE_NAMES_MALE, slug } from './vocabulary.js';

export interface DemoAccount {
  address: string;
  agencyCode: string;
  displayName: string;
  enabled: boolean;
  /** YYYY-MM-DD (local). */
  created: string;
  /** YYYY-MM-DD HH:mm (local), or null: never signed in. */
  lastLogin: string | null;
}

export const DEMO_ACCOUNT_HEADERS = ['Địa chỉ thư', 'Họ và tên', 'Trạng thái', 'Ngày tạo', 'Đăng nhập lần cuối'] as const;

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The account list: every agency address on the mail (the agency's own, or the staff member's),
 * named as the mail names them, plus 1–4 unused staff accounts per agency with a domain, one in twenty of those locked.
 * `periodStart` dates the accounts' creation before the period (so the period counts them).
 */
export function demoAccounts(
  agencies: readonly Agency[],
  used: ReadonlyArray<{ address: string; agency: string; name: string }>,
  periodStart: Date,
  seed: number,
): DemoAccount[] {
  const rand = mulberry32(seed ^ 0x4b37);
  const int = (min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const person = (): string => {
    const female = rand() < 0.5;
    return `${pick(FAMILY_NAMES)} ${pick(female ? MIDDLE_NAMES_FEMALE : MIDDLE_NAMES_MALE)} ${pick(female ? GIVEN_NAMES_FEMALE : GIVEN_NAMES_MALE)}`;
  };
  const startYear = Number(new Date(periodStart.getTime() + 7 * 3600_000).toISOString().slice(0, 4));
  const created = (): string => `${int(startYear - 6, startYear - 1)}-${pad(int(1, 12))}-${pad(int(1, 28))}`;
  const login = (): string => {
    const d = new Date(periodStart.getTime() + int(0, 88) * 86_400_000 + 7 * 3600_000);
    return `${d.toISOString().slice(0, 10)} ${pad(int(7, 17))}:${pad(int(0, 59))}`;
  };
  const byCode = new Map(agencies.map((a) => [a.code, a]));
  const out = new Map<string, DemoAccount>();
  const add = (a: DemoAccount): void => {
    if (!out.has(a.address)) out.set(a.address, a);
  };
  for (const u of [...used].sort((x, y) => x.address.localeCompare(y.address))) {
    const agency = byCode.get(u.agency);
    if (!agency) continue;
    const official = agency.addresses.includes(u.address) || u.address.startsWith('vanthu@');
    add({ address: u.address, agencyCode: u.agency, displayName: official ? agency.name : u.name, enabled: true, created: created(), lastLogin: login() });
  }
  for (const a of [...agencies].sort((x, y) => x.code.localeCompare(y.code))) {
    if (a.validTo !== null) continue; // a dissolved agency's accounts are closed
    const domain = a.domains[0];
    const officialAddress = a.addresses[0] ?? (domain ? `vanthu@${domain}` : null);
    if (officialAddress) add({ address: officialAddress.toLowerCase(), agencyCode: a.code, displayName: a.name, enabled: true, created: created(), lastLogin: null });
    if (!domain) continue;
    for (let i = int(1, 4); i > 0; i--) {
      const name = person();
      const enabled = rand() >= 0.05;
      add({ address: `${slug(name)}${int(1, 99)}@${domain}`, agencyCode: a.code, displayName: name, enabled, created: created(), lastLogin: enabled && rand() < 0.3 ? login() : null });
    }
  }
  return [...out.values()];
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const field = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** The list as a CSV export (UTF-8 with BOM and CRLF, as Excel writes "CSV UTF-8"). */
export function demoAccountsCsv(accounts: readonly DemoAccount[]): string {
  const rows = accounts.map((a) => [a.address, a.displayName, a.enabled ? 'Hoạt động' : 'Đã khóa', a.created, a.lastLogin ?? '']);
  return `\ufeff${[[...DEMO_ACCOUNT_HEADERS], ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}
