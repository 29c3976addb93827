// K7's official email accounts (directive §2.7): reading the account lists that mail systems export
// (CSV with English or Vietnamese headers: Zimbra, Microsoft 365, Google Workspace, hand-made
// spreadsheets), planning how a re-import changes the versioned accounts table, and counting the
// accounts that existed and were active in a period. Pure: no I/O, no clock; every instant is
// passed in. The database side is src/db/accounts.ts, the commands src/cli/accounts.ts.
import { parse as parseCsv } from 'csv-parse/sync';
import { normalizeAddress } from './parties.js';
import { VN_UTC_OFFSET_MS } from './period.js';
import type { AccountCount } from './kpi.js';
import type { AgencyLevel } from './types.js';

export const ACCOUNT_FIELDS = ['address', 'displayName', 'firstName', 'lastName', 'status', 'enabled', 'disabled', 'created', 'lastLogin'] as const;
export type AccountField = (typeof ACCOUNT_FIELDS)[number];

/** One account as the mail system lists it. */
export interface ImportedAccount {
  address: string;
  displayName: string | null;
  enabled: boolean;
  created: Date | null;
  lastLogin: Date | null;
  /** The row of the file (1 = the header), for messages. */
  row: number;
}

export interface AccountProblem {
  row: number | null;
  message: string;
}

export class AccountListError extends Error {
  constructor(public readonly problems: AccountProblem[]) {
    super(problems.map((p) => (p.row === null ? p.message : `row ${p.row}: ${p.message}`)).join('; '));
    this.name = 'AccountListError';
  }
}

/** Lower case, Vietnamese marks and đ folded, every non-alphanumeric dropped: "Ngày tạo" → "ngaytao". */
export function foldHeader(h: string): string {
  return h
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\[[^\]]*\]/g, '') // Google Workspace: "Email Address [Required]", "Status [READ ONLY]"
    .replace(/[^a-z0-9]/g, '');
}

// Folded header names per field, as seen in real exports and Vietnamese spreadsheets.
const SYNONYMS: Record<AccountField, string[]> = {
  address: [
    'email', 'emailaddress', 'mail', 'address', 'primaryemail', 'primarysmtpaddress', 'userprincipalname', 'upn',
    'account', 'accountname', 'username', 'login', 'diachithu', 'diachiemail', 'diachithudientu', 'thudientu',
    'email', 'taikhoan', 'taikhoanthu', 'tendangnhap', 'hopthu', 'diachi',
  ],
  displayName: ['displayname', 'fullname', 'cn', 'hoten', 'hovaten', 'tenhienthi', 'tennguoidung', 'nguoisudung', 'chusohuu'],
  firstName: ['firstname', 'givenname', 'ten'],
  lastName: ['lastname', 'surname', 'familyname', 'sn', 'ho', 'hovatendem'],
  status: ['status', 'accountstatus', 'zimbraaccountstatus', 'state', 'trangthai', 'tinhtrang', 'trangthaitaikhoan'],
  enabled: ['enabled', 'active', 'accountenabled', 'isactive', 'kichhoat', 'hoatdong', 'dangsudung'],
  disabled: ['disabled', 'blockcredential', 'blocked', 'suspended', 'locked', 'khoa', 'dakhoa', 'bikhoa'],
  created: [
    'created', 'createdat', 'createdon', 'whencreated', 'creationdate', 'datecreated', 'createtimestamp',
    'zimbracreatetimestamp', 'ngaytao', 'ngaykhoitao', 'thoigiantao', 'ngaycap', 'ngaytaotaikhoan',
  ],
  lastLogin: [
    'lastlogin', 'lastlogon', 'lastsignin', 'lastlogintime', 'lastlogontimestamp', 'zimbralastlogontimestamp',
    'lastsignindate', 'dangnhapcuoi', 'landangnhapcuoi', 'dangnhaplancuoi', 'lancuoidangnhap', 'truycapcuoi',
  ],
};

const FIELD_BY_HEADER: Map<string, AccountField> = (() => {
  const m = new Map<string, AccountField>();
  for (const f of ACCOUNT_FIELDS) for (const s of SYNONYMS[f]) if (!m.has(s)) m.set(s, f);
  return m;
})();

export interface HeaderMapping {
  /** Column index of each field found. */
  columns: Partial<Record<AccountField, number>>;
  /** Headers that name no field (kept out of the import, shown to the operator). */
  ignored: string[];
}

/**
 * Maps a header row to account fields. `name` is the display name, except where no other column
 * holds the address (Zimbra's `zmprov` lists: `name` is the account). Throws AccountListError when
 * no address column is found or a field is named twice.
 */
export function mapAccountHeaders(headers: string[]): HeaderMapping {
  const columns: Partial<Record<AccountField, number>> = {};
  const ignored: string[] = [];
  const problems: AccountProblem[] = [];
  let nameColumn: number | null = null;
  headers.forEach((h, i) => {
    const folded = foldHeader(h);
    const field = FIELD_BY_HEADER.get(folded);
    if (folded === 'name') {
      nameColumn = i;
      return;
    }
    if (!field) {
      if (h.trim() !== '') ignored.push(h.trim());
      return;
    }
    if (columns[field] !== undefined) {
      problems.push({ row: 1, message: `cột «${h.trim()}» trùng với cột «${headers[columns[field]]?.trim()}» / column "${h.trim()}" names the same field (${field}) as "${headers[columns[field]]?.trim()}"` });
      return;
    }
    columns[field] = i;
  });
  if (nameColumn !== null) {
    if (columns.address === undefined) columns.address = nameColumn;
    else if (columns.displayName === undefined) columns.displayName = nameColumn;
    else ignored.push(headers[nameColumn]?.trim() ?? 'name');
  }
  if (columns.address === undefined) {
    problems.push({
      row: 1,
      message: `không thấy cột địa chỉ thư / no address column (expected one of: email, mail, địa chỉ thư, tài khoản, userPrincipalName…; found: ${headers.map((h) => JSON.stringify(h.trim())).join(', ')})`,
    });
  }
  if (problems.length > 0) throw new AccountListError(problems);
  return { columns, ignored };
}

const ENABLED_VALUES = new Set([
  'active', 'enabled', 'enable', 'true', 'yes', 'y', '1', 'on', 'ok', 'normal', 'maintenance',
  'co', 'hoatdong', 'danghoatdong', 'kichhoat', 'dakichhoat', 'dangsudung', 'sudung', 'binhthuong', 'mo',
]);
const DISABLED_VALUES = new Set([
  'disabled', 'disable', 'inactive', 'false', 'no', 'n', '0', 'off', 'locked', 'lockout', 'closed', 'suspended',
  'blocked', 'pending', 'deleted', 'khong', 'khoa', 'dakhoa', 'bikhoa', 'tamkhoa', 'khonghoatdong', 'ngunghoatdong',
  'ngungsudung', 'vohieuhoa', 'davohieuhoa', 'chuakichhoat', 'dong', 'dadong', 'huy', 'dahuy', 'xoa', 'daxoa',
]);

/** A status or yes/no cell: true (enabled), false (disabled), or null when it says neither. */
export function parseEnabled(value: string): boolean | null {
  const v = foldHeader(value);
  if (ENABLED_VALUES.has(v)) return true;
  if (DISABLED_VALUES.has(v)) return false;
  return null;
}

function localInstant(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return new Date(t - VN_UTC_OFFSET_MS);
}

/**
 * A date cell as exports write them: ISO (`2024-01-15`, `2024-01-15T08:30:00Z`), LDAP generalized
 * time (`20240115083000Z`, Zimbra and OpenLDAP), Vietnamese day-first `15/01/2024 [08:30[:00]]`,
 * or US month-first with AM/PM (`1/15/2024 8:30:00 AM`, Microsoft 365). A date without a zone is
 * local time (Asia/Ho_Chi_Minh). Empty or "never" is null; anything else is `undefined` (invalid).
 */
export function parseAccountDate(value: string): Date | null | undefined {
  const v = value.trim();
  if (v === '' || /^(never|n\/a|none|-+|chua|chưa.*|không|khong)$/i.test(v)) return null;
  let m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(v);
  if (m) {
    const local = localInstant(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    return local ? new Date(local.getTime() + VN_UTC_OFFSET_MS) : undefined;
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) return localInstant(+m[1]!, +m[2]!, +m[3]!) ?? undefined;
  m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  if (m) {
    const local = localInstant(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
    if (!local) return undefined;
    if (!m[7]) return local;
    const utc = local.getTime() + VN_UTC_OFFSET_MS;
    if (m[7] === 'Z') return new Date(utc);
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(m[7])!;
    const off = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    return new Date(utc - off);
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/.exec(v);
  if (m) {
    let h = m[4] ? +m[4] : 0;
    const ampm = m[7]?.toUpperCase();
    if (ampm) {
      if (h < 1 || h > 12) return undefined;
      h = (h % 12) + (ampm === 'PM' ? 12 : 0);
      // Month first: the US form, which only exports with AM/PM write.
      return localInstant(+m[3]!, +m[1]!, +m[2]!, h, +(m[5] ?? 0), +(m[6] ?? 0)) ?? undefined;
    }
    return localInstant(+m[3]!, +m[2]!, +m[1]!, h, +(m[5] ?? 0), +(m[6] ?? 0)) ?? undefined;
  }
  return undefined;
}

const ADDRESS_RE = /^[^\s@"<>(),;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** The CSV text as records: the delimiter (`,` `;` or tab) is the one the header row uses most. */
export function readAccountCsv(text: string): string[][] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const outside = firstLine.replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((d) => [d, outside.split(d).length - 1] as const);
  const delimiter = counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  try {
    return parseCsv(body, { delimiter, relax_column_count: true, skip_empty_lines: false, trim: false }) as string[][];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new AccountListError([{ row: e.lines ?? null, message: `CSV không đọc được / unreadable CSV: ${e.message}` }]);
  }
}

/**
 * The accounts of a CSV account list. Every problem of the file is collected (invalid address,
 * unknown status, invalid date, duplicate address) and thrown together: a bad file imports nothing.
 */
export function parseAccountList(text: string): { accounts: ImportedAccount[]; ignoredColumns: string[] } {
  return parseAccountRecords(readAccountCsv(text));
}

/** The accounts of records whose first non-blank one is the header (a CSV file, or LDAP entries laid out as rows). */
export function parseAccountRecords(records: string[][]): { accounts: ImportedAccount[]; ignoredColumns: string[] } {
  const headerIndex = records.findIndex((r) => r.some((c) => c.trim() !== ''));
  if (headerIndex < 0) throw new AccountListError([{ row: null, message: 'tệp rỗng / the file is empty' }]);
  const header = records[headerIndex]!;
  const { columns, ignored } = mapAccountHeaders(header);
  const problems: AccountProblem[] = [];
  const accounts: ImportedAccount[] = [];
  const seen = new Map<string, number>();
  const cell = (r: string[], f: AccountField): string => (columns[f] === undefined ? '' : (r[columns[f]] ?? '').trim());
  for (let i = headerIndex + 1; i < records.length; i++) {
    const r = records[i]!;
    const row = i + 1;
    if (r.every((c) => c.trim() === '')) continue;
    const raw = cell(r, 'address');
    const address = normalizeAddress(raw.replace(/^mailto:/i, ''));
    if (!ADDRESS_RE.test(address)) {
      problems.push({ row, message: `địa chỉ thư không hợp lệ / not an email address: ${JSON.stringify(raw)}` });
      continue;
    }
    const first = seen.get(address);
    if (first !== undefined) {
      problems.push({ row, message: `${address} đã có ở dòng ${first} / listed twice (first on row ${first})` });
      continue;
    }
    seen.set(address, row);
    let enabled = true;
    for (const f of ['status', 'enabled', 'disabled'] as const) {
      const v = cell(r, f);
      if (columns[f] === undefined || v === '') continue;
      const e = parseEnabled(v);
      if (e === null) {
        problems.push({ row, message: `trạng thái không rõ / unknown ${f} value ${JSON.stringify(v)} (expected e.g. active, locked, closed, hoạt động, khóa, true, false)` });
        continue;
      }
      // "Block credential: True" means disabled.
      enabled = enabled && (f === 'disabled' ? !e : e);
    }
    const dates: Partial<Record<'created' | 'lastLogin', Date | null>> = {};
    for (const f of ['created', 'lastLogin'] as const) {
      const v = cell(r, f);
      const d = parseAccountDate(v);
      if (d === undefined) problems.push({ row, message: `ngày không hợp lệ / invalid ${f} date ${JSON.stringify(v)} (expected 2024-01-15, 15/01/2024 or 20240115083000Z)` });
      else dates[f] = d;
    }
    const given = cell(r, 'firstName');
    const family = cell(r, 'lastName');
    // Vietnamese names are written family name first.
    const displayName = cell(r, 'displayName') || [family, given].filter(Boolean).join(' ') || null;
    accounts.push({ address, displayName, enabled, created: dates.created ?? null, lastLogin: dates.lastLogin ?? null, row });
  }
  if (problems.length > 0) throw new AccountListError(problems);
  return { accounts, ignoredColumns: ignored };
}

// ---------------------------------------------------------------------------------------------
// Re-imports: versions opened, changed, closed

/** The current (open) version of an account in the database. */
export interface CurrentAccount {
  id: number;
  address: string;
  agencyCode: string;
  displayName: string | null;
  enabled: boolean;
  source: string;
  validFrom: Date;
}

/** An account of the new list with the agency it belongs to. */
export interface PlacedAccount {
  address: string;
  agencyCode: string;
  displayName: string | null;
  enabled: boolean;
  created: Date | null;
  lastLogin: Date | null;
}

export interface NewVersion extends PlacedAccount {
  validFrom: Date;
}

export interface ImportPlan {
  /** Ids of current versions to close at `at`. */
  close: number[];
  /** Versions to open. */
  open: NewVersion[];
  /** Current versions unchanged in what K7 counts: only their last login, creation date and source are refreshed. */
  refresh: Array<{ id: number; created: Date | null; lastLogin: Date | null }>;
  counts: { added: number; changed: number; removed: number; unchanged: number };
}

/**
 * What an import of `incoming` (the whole list of `source`) at instant `at` does to the current
 * versions: a new address opens a version (from its creation date when the address has no
 * history, so earlier periods count it, else from `at`); a changed agency, status or name closes
 * the current version and opens one at `at`; an address of the same source missing from the list
 * is closed at `at`. `hadHistory` holds the addresses with any version, closed ones included.
 */
export function planAccountImport(current: CurrentAccount[], incoming: PlacedAccount[], source: string, at: Date, hadHistory: ReadonlySet<string>): ImportPlan {
  const byAddress = new Map(current.map((c) => [c.address, c]));
  const plan: ImportPlan = { close: [], open: [], refresh: [], counts: { added: 0, changed: 0, removed: 0, unchanged: 0 } };
  const listed = new Set<string>();
  for (const a of incoming) {
    listed.add(a.address);
    const c = byAddress.get(a.address);
    if (!c) {
      const fromCreation = !hadHistory.has(a.address) && a.created !== null && a.created.getTime() < at.getTime();
      plan.open.push({ ...a, validFrom: fromCreation ? (a.created as Date) : at });
      plan.counts.added++;
    } else if (c.agencyCode !== a.agencyCode || c.enabled !== a.enabled || (c.displayName ?? null) !== (a.displayName ?? null)) {
      if (c.validFrom.getTime() >= at.getTime()) {
        throw new AccountListError([{ row: null, message: `${a.address}: phiên bản hiện có bắt đầu ${c.validFrom.toISOString()}, không sớm hơn ngày nhập / its current version starts at ${c.validFrom.toISOString()}, not before the import date ${at.toISOString()}` }]);
      }
      plan.close.push(c.id);
      plan.open.push({ ...a, validFrom: at });
      plan.counts.changed++;
    } else {
      plan.refresh.push({ id: c.id, created: a.created, lastLogin: a.lastLogin });
      plan.counts.unchanged++;
    }
  }
  for (const c of current) {
    if (c.source !== source || listed.has(c.address)) continue;
    if (c.validFrom.getTime() >= at.getTime()) {
      throw new AccountListError([{ row: null, message: `${c.address}: phiên bản hiện có bắt đầu sau ngày nhập / its current version starts at ${c.validFrom.toISOString()}, not before the import date ${at.toISOString()}` }]);
    }
    plan.close.push(c.id);
    plan.counts.removed++;
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// K7 for a period

/** One version of an account, as stored. */
export interface AccountVersion {
  address: string;
  agencyCode: string;
  enabled: boolean;
  validFrom: Date;
  /** Exclusive; null while current. */
  validTo: Date | null;
}

/** What K7 needs of an agency besides its accounts. */
export interface AgencyMessages {
  agencyCode: string;
  level: AgencyLevel;
  /** Messages sent and received in the period, one per monitored mailbox (DESIGN.md "Message"). */
  sent: number;
  received: number;
}

/** One agency's K7 counts: the input of computeKpis (src/domain/kpi.ts). */
export type K7Row = AccountCount;

/**
 * K7 per agency for the period [start, end): official accounts = addresses with an enabled
 * version overlapping the period (an account created, disabled or removed mid-period counts; one
 * disabled or absent throughout does not), each under the agency of its latest such version;
 * active accounts = those of them with at least one exchange sent or received in the period
 * (`activeAddresses`). Agencies with messages but no accounts are listed too (0 accounts).
 */
export function k7Counts(
  versions: AccountVersion[],
  activeAddresses: ReadonlySet<string>,
  messages: AgencyMessages[],
  levels: ReadonlyMap<string, AgencyLevel>,
  start: Date,
  end: Date,
): K7Row[] {
  const latest = new Map<string, AccountVersion>();
  for (const v of versions) {
    if (!v.enabled) continue;
    if (v.validFrom.getTime() >= end.getTime()) continue;
    if (v.validTo !== null && v.validTo.getTime() <= start.getTime()) continue;
    const prev = latest.get(v.address);
    if (!prev || v.validFrom.getTime() > prev.validFrom.getTime()) latest.set(v.address, v);
  }
  const perAgency = new Map<string, AgencyAccounts>();
  for (const v of latest.values()) {
    const level = levels.get(v.agencyCode);
    if (!level) continue;
    let r = perAgency.get(v.agencyCode);
    if (!r) {
      r = { agencyCode: v.agencyCode, level, accounts: 0, activeAccounts: 0 };
      perAgency.set(v.agencyCode, r);
    }
    r.accounts++;
    if (activeAddresses.has(v.address)) r.activeAccounts++;
  }
  return k7Rows([...perAgency.values()], messages);
}

/** An agency's official accounts in a period and how many of them were active (k7Counts's first half, also computed in SQL by src/db/accounts.ts). */
export interface AgencyAccounts {
  agencyCode: string;
  level: AgencyLevel;
  accounts: number;
  activeAccounts: number;
}

/**
 * K7 rows from the per-agency account counts and the messages per agency: one row per agency in
 * either, ordered by agency code. An agency listed twice in `accounts` adds up.
 */
export function k7Rows(accounts: AgencyAccounts[], messages: AgencyMessages[]): K7Row[] {
  const rows = new Map<string, K7Row>();
  const rowOf = (code: string, level: AgencyLevel): K7Row => {
    let r = rows.get(code);
    if (!r) {
      r = { agencyCode: code, level, accounts: 0, activeAccounts: 0, sent: 0, received: 0 };
      rows.set(code, r);
    }
    return r;
  };
  for (const a of accounts) {
    const r = rowOf(a.agencyCode, a.level);
    r.accounts += a.accounts;
    r.activeAccounts += a.activeAccounts;
  }
  for (const m of messages) {
    const r = rowOf(m.agencyCode, m.level);
    r.sent += m.sent;
    r.received += m.received;
  }
  return [...rows.values()].sort((a, b) => a.agencyCode.localeCompare(b.agencyCode));
}
