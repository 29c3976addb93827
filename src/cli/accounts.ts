// `edocwatch accounts import FILE (--agency CODE | --by-domain)`, `accounts sync-ldap` and
// `accounts list`: K7's official email accounts. The list is read and checked whole before the
// database is touched; the import is one transaction (a bad row, an unknown agency or an address of
// no agency imports nothing). Re-imports keep history: see src/domain/accounts.ts.
import { readFile } from 'node:fs/promises';
import Table from 'cli-table3';
import { currentAccounts, addressesWithHistory, applyAccountPlan, listAccounts, lockAccounts } from '../db/accounts.js';
import { getAgency, listAgencies } from '../db/agencies.js';
import { withTransaction } from '../db/pool.js';
import { AccountListError, parseAccountList, parseAccountRecords, planAccountImport, type ImportedAccount, type PlacedAccount } from '../domain/accounts.js';
import { buildDirectory } from '../domain/directory.js';
import { resolveParty } from '../domain/parties.js';
import { AccountListInvalidError, AccountsUnmatchedError, NotFoundError, UsageError } from '../errors.js';
import { ldapSourceName, readLdapAccounts } from '../ldap/accounts.js';
import type { Runtime } from '../runtime.js';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

export interface ImportOptions {
  agency?: string;
  byDomain?: boolean;
  skipUnmatched?: boolean;
  /** YYYY-MM-DD or an ISO instant: when the list was exported (default now). */
  asOf?: string;
  json?: boolean;
}

/** The text of an account file: UTF-8 (with or without BOM) or UTF-16 with BOM (Excel "Unicode text"). */
async function readAccountFile(file: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new UsageError(`không đọc được tệp / cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return Buffer.from(buf.subarray(2)).swap16().toString('utf16le');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new AccountListInvalidError(file, ['tệp không phải UTF-8 / the file is not UTF-8 (save it as "CSV UTF-8", or UTF-16 "Unicode text")']);
  }
}

function parseAsOf(v: string | undefined): Date {
  if (v === undefined) return new Date();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  // A day is its local midnight (Asia/Ho_Chi_Minh).
  const d = day ? new Date(`${v}T00:00:00+07:00`) : new Date(v);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw new UsageError(`--as-of: ngày không hợp lệ / not a date (YYYY-MM-DD or an ISO instant): ${JSON.stringify(v)}`);
  return d;
}

function listProblems(err: AccountListError): string[] {
  return err.problems.map((p) => (p.row === null ? p.message : `dòng / row ${p.row}: ${p.message}`));
}

/** Places each account under its agency: the one named, or by address then domain in the directory. */
async function placeAccounts(rt: Runtime, accounts: ImportedAccount[], o: { agency?: string; skipUnmatched?: boolean }, at: Date): Promise<{ placed: PlacedAccount[]; skipped: string[] }> {
  if (o.agency) return { placed: accounts.map((a) => ({ ...a, agencyCode: o.agency as string })), skipped: [] };
  const dir = buildDirectory(await listAgencies(rt.pool));
  const placed: PlacedAccount[] = [];
  const unmatched: string[] = [];
  for (const a of accounts) {
    const p = resolveParty(a.address, a.displayName, dir, at, { freeMailDomains: rt.config.freeMailDomains });
    if (p.kind === 'agency' && p.agencyCode) placed.push({ ...a, agencyCode: p.agencyCode });
    else unmatched.push(a.address);
  }
  if (unmatched.length > 0 && !o.skipUnmatched) throw new AccountsUnmatchedError(unmatched);
  return { placed, skipped: unmatched };
}

interface ImportSummary {
  source: string;
  accounts: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  skipped: string[];
  ignoredColumns: string[];
  asOf: string;
}

async function importAccounts(rt: Runtime, accounts: ImportedAccount[], ignoredColumns: string[], source: string, o: ImportOptions, at: Date): Promise<ImportSummary> {
  const { placed, skipped } = await placeAccounts(rt, accounts, o, at);
  const counts = await withTransaction(rt.pool, async (tx) => {
    await lockAccounts(tx);
    const current = await currentAccounts(tx);
    const history = await addressesWithHistory(tx, placed.map((a) => a.address));
    let plan;
    try {
      plan = planAccountImport(current, placed, source, at, history);
    } catch (err) {
      if (err instanceof AccountListError) throw new UsageError(listProblems(err).join('; '));
      throw err;
    }
    await applyAccountPlan(tx, plan, source, at);
    return plan.counts;
  });
  return { source, accounts: placed.length, ...counts, skipped, ignoredColumns, asOf: at.toISOString() };
}

function printSummary(io: Out, s: ImportSummary, asJson: boolean | undefined): void {
  if (asJson) {
    io.out(json(s));
    return;
  }
  io.out(
    `đã nhập ${s.accounts} tài khoản (mới ${s.added}, thay đổi ${s.changed}, ngừng ${s.removed}, không đổi ${s.unchanged}) / ` +
      `imported ${s.accounts} accounts (${s.added} new, ${s.changed} changed, ${s.removed} removed, ${s.unchanged} unchanged) from ${s.source}`,
  );
  if (s.skipped.length > 0) io.out(`bỏ qua ${s.skipped.length} tài khoản không thuộc cơ quan nào / skipped ${s.skipped.length} accounts of no agency: ${s.skipped.slice(0, 20).join(', ')}${s.skipped.length > 20 ? ', …' : ''}`);
  if (s.ignoredColumns.length > 0) io.out(`cột không dùng / columns not used: ${s.ignoredColumns.join(', ')}`);
}

export async function runAccountsImport(io: Out, file: string, o: ImportOptions): Promise<number> {
  if (Boolean(o.agency) === Boolean(o.byDomain)) throw new UsageError('cần đúng một trong --agency CODE hoặc --by-domain / give exactly one of --agency CODE or --by-domain');
  if (o.skipUnmatched && !o.byDomain) throw new UsageError('--skip-unmatched chỉ dùng với --by-domain / --skip-unmatched goes with --by-domain');
  const at = parseAsOf(o.asOf);
  const text = await readAccountFile(file);
  let parsed;
  try {
    parsed = parseAccountList(text);
  } catch (err) {
    if (err instanceof AccountListError) throw new AccountListInvalidError(file, listProblems(err));
    throw err;
  }
  return withRuntime(async (rt) => {
    if (o.agency && !(await getAgency(rt.pool, o.agency))) throw new NotFoundError(`không có cơ quan / unknown agency code ${o.agency}`);
    const source = o.agency ? `csv:agency:${o.agency}` : 'csv:by-domain';
    printSummary(io, await importAccounts(rt, parsed.accounts, parsed.ignoredColumns, source, o, at), o.json);
    return 0;
  });
}

export async function runAccountsSyncLdap(io: Out, o: { skipUnmatched?: boolean; asOf?: string; json?: boolean }): Promise<number> {
  const at = parseAsOf(o.asOf);
  return withRuntime(async (rt) => {
    const c = rt.config.accounts.ldap;
    const records = await readLdapAccounts(c);
    let parsed;
    try {
      parsed = parseAccountRecords(records);
    } catch (err) {
      if (err instanceof AccountListError) throw new AccountListInvalidError(ldapSourceName(c), listProblems(err));
      throw err;
    }
    printSummary(io, await importAccounts(rt, parsed.accounts, [], 'ldap', { byDomain: true, skipUnmatched: o.skipUnmatched }, at), o.json);
    return 0;
  });
}

export async function runAccountsList(io: Out, o: { agency?: string; history?: boolean; json?: boolean }): Promise<number> {
  return withRuntime(async (rt) => {
    const rows = await listAccounts(rt.pool, o);
    if (o.json) {
      io.out(json(rows));
      return 0;
    }
    const t = new Table({ head: ['Địa chỉ / address', 'Cơ quan / agency', 'Tên / name', 'Hoạt động / enabled', 'Từ / from', 'Đến / to', 'Nguồn / source'], ...tableStyle() });
    for (const r of rows) t.push([r.address, r.agency_code, r.display_name ?? '', r.enabled ? 'có / yes' : 'khóa / no', r.valid_from.slice(0, 10), r.valid_to?.slice(0, 10) ?? '', r.source]);
    io.out(t.toString());
    return 0;
  });
}
