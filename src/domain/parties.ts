// Parties (DESIGN.md, "The domain": Party; "Definitions": parties are matched by address first,
// then by domain): who an address belongs to — an agency of the directory (followed to its
// successor when it was dissolved), an enterprise, another organization, an individual on a
// free-mail service, or unknown — and Vietnamese tax codes (mã số thuế) that name an enterprise in
// the text. Pure: the directory and the date of the message are passed in.

import { localDateString } from './period.js';
import type { Agency, DirectoryIndex, Party } from './types.js';

/** Free-mail services: an address there is a person, whatever name it shows. */
export const DEFAULT_FREE_MAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.com.vn',
  'ymail.com',
  'rocketmail.com',
  'outlook.com',
  'outlook.com.vn',
  'hotmail.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'mail.com',
  'yandex.com',
  'zoho.com',
  'zing.vn',
  'vnn.vn',
  'fpt.vn',
];

// Second-level zones whose holders are organizations (schools, associations, research bodies).
const ORGANIZATION_SUFFIXES = ['edu.vn', 'org.vn', 'ac.vn', 'health.vn', 'int.vn', 'org', 'edu', 'int'];
// Commercial zones; `vn` alone (a plain .vn name) is almost always a business.
const ENTERPRISE_SUFFIXES = [
  'com.vn',
  'net.vn',
  'biz.vn',
  'info.vn',
  'pro.vn',
  'com',
  'net',
  'biz',
  'info',
  'co',
  'io',
  'asia',
  'shop',
  'store',
  'vn',
];
// Zones under .vn that are neither businesses nor ours to guess about (military, personal names).
const NEITHER_SUFFIXES = ['mil.vn', 'name.vn'];

export type Addr = { address: string; name: string | null };
export type PartyRole = Party['roles'][number];
export type ResolvedParty = Omit<Party, 'roles'>;

export interface ResolveOptions {
  /** Replaces DEFAULT_FREE_MAIL_DOMAINS (spread the default to extend it). */
  freeMailDomains?: readonly string[];
}

function hasSuffix(domain: string, suffix: string): boolean {
  return domain === suffix || domain.endsWith(`.${suffix}`);
}

/** `a.stc.sonminh.gov.vn` → itself, `stc.sonminh.gov.vn`, `sonminh.gov.vn`, `gov.vn` (never the bare TLD). */
function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  const out: string[] = [];
  for (let i = 0; i < labels.length - 1; i += 1) out.push(labels.slice(i).join('.'));
  return out;
}

/**
 * The agency that stands for `agency` at the given date: a dissolved one (valid_to before that
 * day, in Asia/Ho_Chi_Minh) hands over to its successor, and so on down the chain.
 */
export function agencyAt(agency: Agency, dir: DirectoryIndex, at: Date): Agency {
  const day = localDateString(at);
  let cur = agency;
  const seen = new Set<string>([cur.code]);
  while (cur.validTo !== null && cur.validTo < day && cur.successor !== null) {
    const next = dir.agencies.get(cur.successor);
    // A missing successor or a loop (parseDirectory rejects both) stops at the last known agency.
    if (!next || seen.has(next.code)) break;
    seen.add(next.code);
    cur = next;
  }
  return cur;
}

/** Trimmed, lower-case, without the angle brackets some headers keep. */
export function normalizeAddress(address: string): string {
  return address.trim().replace(/^<(.*)>$/, '$1').trim().toLowerCase();
}

/** Resolves one address seen at date `at` (the message's date) against the directory. */
export function resolveParty(
  address: string,
  name: string | null,
  dir: DirectoryIndex,
  at: Date,
  opts: ResolveOptions = {},
): ResolvedParty {
  const addr = normalizeAddress(address);
  const displayName = name !== null && name.trim() !== '' ? name.trim() : null;
  const base = { address: addr, name: displayName };
  const asAgency = (agency: Agency, matchedBy: string): ResolvedParty => {
    const current = agencyAt(agency, dir, at);
    return { ...base, kind: 'agency', agencyCode: current.code, agencyLevel: current.level, matchedBy };
  };
  const other = (kind: Party['kind'], matchedBy: string): ResolvedParty => ({
    ...base,
    kind,
    agencyCode: null,
    agencyLevel: null,
    matchedBy,
  });

  const byAddress = dir.byAddress.get(addr);
  if (byAddress) return asAgency(byAddress, 'address');

  const at_ = addr.lastIndexOf('@');
  const domain = at_ >= 0 ? addr.slice(at_ + 1).replace(/\.$/, '') : '';
  if (domain === '' || !domain.includes('.')) return other('unknown', 'none');

  // Only domains listed under an agency count: a shared domain like sonminh.gov.vn is not listed,
  // so an unlisted address on it stays unknown instead of being pinned on the province.
  for (const d of domainAndParents(domain)) {
    const agency = dir.byDomain.get(d);
    if (agency) return asAgency(agency, 'domain');
  }

  const freeMail = opts.freeMailDomains ?? DEFAULT_FREE_MAIL_DOMAINS;
  if (freeMail.some((f) => hasSuffix(domain, f.toLowerCase()))) return other('individual', 'free_mail');
  // A state body missing from the directory: unknown, and worth proposing for the directory.
  if (hasSuffix(domain, 'gov.vn')) return other('unknown', 'gov_domain');
  if (ORGANIZATION_SUFFIXES.some((s) => hasSuffix(domain, s))) return other('organization', 'organization_domain');
  if (NEITHER_SUFFIXES.some((s) => hasSuffix(domain, s))) return other('unknown', 'none');
  if (ENTERPRISE_SUFFIXES.some((s) => hasSuffix(domain, s))) return other('enterprise', 'enterprise_domain');
  return other('unknown', 'none');
}

export interface HeaderAddresses {
  from: Addr[];
  to: Addr[];
  cc: Addr[];
  bcc: Addr[];
  replyTo: Addr[];
  sender: Addr[];
}

const ROLE_OF: Array<[keyof HeaderAddresses, PartyRole]> = [
  ['from', 'from'],
  ['to', 'to'],
  ['cc', 'cc'],
  ['bcc', 'bcc'],
  ['replyTo', 'reply_to'],
  ['sender', 'sender'],
];

/**
 * Every distinct address of a message's headers, resolved once, with all the roles it plays.
 * Order: first appearance through From, To, Cc, Bcc, Reply-To, Sender; the first non-empty display
 * name wins.
 */
export function collectParties(
  headers: HeaderAddresses,
  dir: DirectoryIndex,
  at: Date,
  opts: ResolveOptions = {},
): Party[] {
  const byAddress = new Map<string, { name: string | null; roles: PartyRole[] }>();
  for (const [key, role] of ROLE_OF) {
    for (const a of headers[key]) {
      const addr = normalizeAddress(a.address);
      if (addr === '') continue;
      const name = a.name !== null && a.name.trim() !== '' ? a.name.trim() : null;
      const entry = byAddress.get(addr);
      if (!entry) {
        byAddress.set(addr, { name, roles: [role] });
      } else {
        if (!entry.roles.includes(role)) entry.roles.push(role);
        if (entry.name === null) entry.name = name;
      }
    }
  }
  return [...byAddress].map(([addr, e]) => ({ ...resolveParty(addr, e.name, dir, at, opts), roles: e.roles }));
}

// ---------------------------------------------------------------------------------------------
// Tax codes (mã số thuế)

const TAX_WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/**
 * A Vietnamese tax code: 10 digits whose last is the check digit 10 − (Σ dᵢ·wᵢ mod 11) over the first
 * nine (weights 31, 29, 23, 19, 17, 13, 7, 5, 3; a result of 10 is never issued), or the 13-digit
 * branch form `##########-NNN` (NNN from 001) whose first ten are valid.
 */
export function isValidTaxCode(s: string): boolean {
  const m = /^(\d{10})(?:-(\d{3}))?$/.exec(s.trim());
  if (!m) return false;
  if (m[2] === '000') return false;
  const digits = [...(m[1] ?? '')].map(Number);
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += (digits[i] ?? 0) * (TAX_WEIGHTS[i] ?? 0);
  const check = 10 - (sum % 11);
  return check !== 10 && check === digits[9];
}

// A bare 10-digit number is as likely a phone number (0912345678) as a tax code, so it needs a
// label before it; the 13-digit branch form is distinctive enough alone.
const TAX_CANDIDATE = /(?<![\d-])(\d{10})(-\d{3})?(?![\d]|-\d)/g;
const TAX_LABEL = /(?:\bmst\b|ma so thue|ma so doanh nghiep|ma so dn|tax code|tax id|tax number|vat)[^\n\d]{0,20}$/;

/** Diacritics off, đ → d, lower case: the label may be typed with or without accents. */
function foldForLabel(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase();
}

/** Valid tax codes in the text (labelled by MST / mã số thuế, or in the 13-digit form), distinct, in order. */
export function findTaxCodes(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(TAX_CANDIDATE)) {
    const code = `${m[1] ?? ''}${m[2] ?? ''}`;
    if (!isValidTaxCode(code) || found.includes(code)) continue;
    const before = foldForLabel(text.slice(Math.max(0, (m.index ?? 0) - 40), m.index));
    if (m[2] !== undefined || TAX_LABEL.test(before)) found.push(code);
  }
  return found;
}
