// Reads the official accounts from an LDAP directory (config `accounts.ldap`) with ldapts: bind,
// one paged search, unbind. The entries come back as rows under canonical headers so that the pure
// src/domain/accounts.ts reads them exactly like a CSV export (same status and date rules). The
// bind password is read from the environment variable the configuration names and never logged.
import { Client, InvalidCredentialsError, NoSuchObjectError, ResultCodeError, SizeLimitExceededError, type Entry } from 'ldapts';
import type { LdapConfig } from '../config/config.js';
import { EdocError, LdapConfigError, ServiceError } from '../errors.js';

/** Where the entries came from, for messages (no credentials). */
export function ldapSourceName(c: LdapConfig): string {
  return `${c.url ?? 'ldap'} (${c.baseDn ?? ''})`;
}

function firstValue(v: Entry[string] | undefined): string {
  if (v === undefined) return '';
  const x = Array.isArray(v) ? v[0] : v;
  if (x === undefined) return '';
  return Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
}

function ldapError(err: unknown, c: LdapConfig): EdocError {
  const where = c.url ?? '';
  if (err instanceof InvalidCredentialsError) return new ServiceError('E_LDAP_AUTH', `đăng nhập LDAP bị từ chối / LDAP bind refused for ${c.bindDn ?? 'anonymous'} at ${where}: check bind_dn and the password in $${c.passwordEnv}`);
  if (err instanceof NoSuchObjectError) return new ServiceError('E_LDAP', `lỗi LDAP / LDAP error at ${where}: base DN ${c.baseDn ?? ''} does not exist`);
  // A partial list would close every account it misses: refuse it whole.
  if (err instanceof SizeLimitExceededError) return new ServiceError('E_LDAP', `lỗi LDAP / LDAP error at ${where}: the server stopped at its size limit before the last account; let ${c.bindDn ?? 'the bind DN'} read without a size limit (OpenLDAP: limits dn.exact="…" size=unlimited; Active Directory pages through at any size)`);
  if (err instanceof ResultCodeError) return new ServiceError('E_LDAP', `lỗi LDAP / LDAP error at ${where}: ${err.message} (result code ${err.code})`);
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'EHOSTUNREACH' || /timeout|timed out/i.test(e?.message ?? '')) {
    return new ServiceError('E_LDAP_UNREACHABLE', `không kết nối được LDAP / cannot reach LDAP at ${where}: ${e.code ?? e.message}`);
  }
  return new ServiceError('E_LDAP', `lỗi LDAP / LDAP error at ${where}: ${e?.message ?? String(err)}`);
}

/**
 * The accounts of the directory as records: a header row (email, display name, status, created,
 * last login; only the configured ones) and one row per entry, in DN order.
 */
export async function readLdapAccounts(c: LdapConfig, env: NodeJS.ProcessEnv = process.env): Promise<string[][]> {
  if (!c.url) throw new LdapConfigError('accounts.ldap.url (EDOCWATCH_LDAP_URL) is not set');
  if (!c.baseDn) throw new LdapConfigError('accounts.ldap.base_dn (EDOCWATCH_LDAP_BASE_DN) is not set');
  const password = env[c.passwordEnv];
  if (c.bindDn && (password === undefined || password === '')) throw new LdapConfigError(`accounts.ldap.bind_dn is set but $${c.passwordEnv} holds no password`);
  const columns: Array<[string, string]> = [['email', c.attributes.address]];
  if (c.attributes.displayName) columns.push(['display name', c.attributes.displayName]);
  if (c.attributes.status) columns.push(['status', c.attributes.status]);
  if (c.attributes.created) columns.push(['created', c.attributes.created]);
  if (c.attributes.lastLogin) columns.push(['last login', c.attributes.lastLogin]);
  const client = new Client({ url: c.url, timeout: c.timeoutMs, connectTimeout: c.timeoutMs });
  try {
    if (c.bindDn) await client.bind(c.bindDn, password as string);
    const { searchEntries } = await client.search(c.baseDn, {
      scope: c.scope,
      filter: c.filter,
      // Operational attributes (createTimestamp) are only returned when asked for by name.
      attributes: columns.map(([, a]) => a),
      paged: { pageSize: c.pageSize },
    });
    const rows = searchEntries
      .map((e) => ({ dn: e.dn, cells: columns.map(([, a]) => firstValue(e[a] ?? Object.entries(e).find(([k]) => k.toLowerCase() === a.toLowerCase())?.[1])) }))
      // Entries without an address (service objects the filter let through) are no mail accounts.
      .filter((r) => r.cells[0] !== '')
      .sort((a, b) => a.dn.localeCompare(b.dn));
    return [columns.map(([h]) => h), ...rows.map((r) => r.cells)];
  } catch (err) {
    if (err instanceof EdocError) throw err;
    throw ldapError(err, c);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
