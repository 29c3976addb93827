// `edocwatch mailbox add|list|test`: mailboxes are saved only after their connection works (unless
// --no-test), with the password sealed by EDOCWATCH_SECRET_KEY; it is never printed or logged. An
// OAuth2 mailbox (--auth oauth2) seals its refresh token and client secret the same way, read from
// the environment or standard input like a password, never from the command line.
import Table from 'cli-table3';
import { requireKey, seal, unseal } from '../crypto/secrets.js';
import { withTransaction } from '../db/pool.js';
import { getAgency } from '../db/agencies.js';
import { findMailbox, getMailbox, insertMailbox, listMailboxes, setMailboxEnabled, setMailboxRate, type MailboxRow } from '../db/mailboxes.js';
import { EdocError, NotFoundError, UsageError } from '../errors.js';
import { chooseFolders, connectImap, type ImapSettings, type Security } from '../imap/client.js';
import { imapSettingsOf } from '../jobs/sync.js';
import { defaultTokenFlow } from '../oauth2/flows.js';
import { applyGrant, newSecret, serializeSecret, tokenUrlProblem, type OAuth2Client } from '../oauth2/token.js';
import type { Config } from '../config/config.js';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Connects, lists folders and returns the ones that would be watched. */
export async function testConnection(s: ImapSettings, configured: string[]): Promise<string[]> {
  const client = await connectImap(s);
  try {
    return chooseFolders(await client.list(), configured).map((f) => f.path);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export function settingsFrom(
  o: { host: string; port: number; security: Security; user: string; password: string; accessToken?: string; tlsInsecure: boolean },
  c: Config,
): ImapSettings {
  return {
    ...o,
    connectionTimeoutMs: c.sync.connectionTimeoutMs,
    greetingTimeoutMs: c.sync.greetingTimeoutMs,
    socketTimeoutMs: c.sync.socketTimeoutMs,
  };
}

export async function runMailboxAdd(io: Out, o: Record<string, unknown>): Promise<number> {
  const security: Security = o.starttls ? 'starttls' : o.tls === false ? 'none' : 'tls';
  if (o.starttls && o.tls === true) throw new UsageError('--tls và --starttls loại trừ nhau / --tls and --starttls exclude each other');
  const port = (o.port as number | undefined) ?? (security === 'tls' ? 993 : 143);
  if (port < 1 || port > 65535) throw new UsageError(`--port: ${port} is not a TCP port`);
  const folders = String(o.folders ?? 'INBOX').split(',').map((s) => s.trim()).filter(Boolean);
  const auth = checkAuthOptions(o);
  let password = '';
  let oauth2: { client: OAuth2Client; refreshToken: string; clientSecret: string | null } | null = null;
  if (auth === 'password') {
    const pw = await readSecret(o, 'password', { vi: 'mật khẩu', en: 'password' });
    if (pw === null) throw new UsageError('cần mật khẩu / a password is needed: --password-env VAR or --password-stdin');
    password = pw;
  } else {
    const refreshToken = await readSecret(o, 'refreshToken', { vi: 'refresh token', en: 'refresh token' });
    if (refreshToken === null) throw new UsageError('cần refresh token / a refresh token is needed with --auth oauth2: --refresh-token-env VAR or --refresh-token-stdin');
    const clientSecret = await readSecret(o, 'clientSecret', { vi: 'client secret', en: 'client secret' });
    oauth2 = { client: { tokenUrl: String(o.tokenUrl), clientId: String(o.clientId), scope: typeof o.scope === 'string' ? o.scope : null }, refreshToken, clientSecret };
  }
  return withRuntime(async (rt) => {
    const key = requireKey(rt.config.secretKey);
    const agencyCode = String(o.agency);
    if (!(await getAgency(rt.pool, agencyCode)))
      throw new NotFoundError(`không có cơ quan / unknown agency code ${agencyCode}: import the directory first (edocwatch agency import)`);
    const host = String(o.host);
    const user = String(o.user);
    if (await findMailbox(rt.pool, host, port, user)) throw new UsageError(`hộp thư đã có / mailbox ${user} at ${host}:${port} already exists`);
    const tlsInsecure = Boolean(o.tlsInsecure);
    let secretEnc: Buffer;
    if (oauth2 === null) {
      if (o.test !== false) {
        const watched = await testConnection(settingsFrom({ host, port, security, user, password, tlsInsecure }, rt.config), [...rt.config.sync.folders, ...folders]);
        io.err(`kết nối tốt / connection OK; folders: ${watched.join(', ')}`);
      }
      secretEnc = seal(password, key);
    } else {
      let secret = newSecret(oauth2.refreshToken, oauth2.clientSecret);
      if (o.test !== false) {
        // The refresh first: a wrong client or a dead refresh token is named before any IMAP login.
        const grant = await defaultTokenFlow({ client: oauth2.client, secret, user });
        secret = applyGrant(secret, grant);
        try {
          const watched = await testConnection(settingsFrom({ host, port, security, user, password: '', accessToken: grant.accessToken, tlsInsecure }, rt.config), [...rt.config.sync.folders, ...folders]);
          io.err(`kết nối tốt / connection OK (XOAUTH2); folders: ${watched.join(', ')}`);
        } catch (err) {
          // Nothing is saved; say so when the provider has already replaced the refresh token given.
          if (grant.refreshToken !== null && err instanceof EdocError)
            throw new EdocError(err.code, `${err.message} (the provider rotated the refresh token during this test: the one given is no longer valid)`, err.exitCode);
          throw err;
        }
      }
      secretEnc = seal(serializeSecret(secret), key);
    }
    const id = await insertMailbox(rt.pool, {
      agencyCode,
      host,
      port,
      security,
      username: user,
      secretEnc,
      folders,
      tlsInsecure,
      ...(oauth2 ? { oauth2: oauth2.client } : {}),
    });
    io.out(String(id));
    return 0;
  });
}

const OAUTH2_OPTIONS: Array<[string, string]> = [
  ['tokenUrl', '--token-url'],
  ['clientId', '--client-id'],
  ['scope', '--scope'],
  ['refreshTokenEnv', '--refresh-token-env'],
  ['refreshTokenStdin', '--refresh-token-stdin'],
  ['clientSecretEnv', '--client-secret-env'],
  ['clientSecretStdin', '--client-secret-stdin'],
];

/** The --auth kind, after checking that only its own options are given; reads nothing yet. */
function checkAuthOptions(o: Record<string, unknown>): 'password' | 'oauth2' {
  const auth = o.auth === 'oauth2' ? 'oauth2' : 'password';
  const given = (k: string) => o[k] !== undefined && o[k] !== false;
  if (auth === 'password') {
    const stray = OAUTH2_OPTIONS.filter(([k]) => given(k)).map(([, flag]) => flag);
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')}: chỉ dùng với / only with --auth oauth2`);
    return auth;
  }
  const stray = [['passwordEnv', '--password-env'], ['passwordStdin', '--password-stdin']].filter(([k]) => given(k as string)).map(([, flag]) => flag);
  if (stray.length > 0) throw new UsageError(`${stray.join(', ')}: không dùng với / not with --auth oauth2 (it uses a refresh token)`);
  if (typeof o.tokenUrl !== 'string') throw new UsageError('--auth oauth2 cần / needs --token-url URL');
  const problem = tokenUrlProblem(o.tokenUrl);
  if (problem) throw new UsageError(`--token-url ${problem}`);
  if (typeof o.clientId !== 'string' || o.clientId === '') throw new UsageError('--auth oauth2 cần / needs --client-id ID');
  if (o.refreshTokenStdin && o.clientSecretStdin)
    throw new UsageError('chỉ một bí mật từ stdin / only one secret can come from standard input: give the other with its -env option');
  return auth;
}

/**
 * A secret from `--<name>-env VAR` or `--<name>-stdin` (one trailing newline dropped), or null when
 * neither was given. Never from the command line, where `ps` and shell history would show it.
 */
async function readSecret(o: Record<string, unknown>, name: 'password' | 'refreshToken' | 'clientSecret', what: { vi: string; en: string }): Promise<string | null> {
  const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const envVar = o[`${name}Env`];
  const fromStdin = Boolean(o[`${name}Stdin`]);
  if (envVar !== undefined && fromStdin) throw new UsageError(`dùng một trong / use one of --${flag}-env or --${flag}-stdin`);
  if (typeof envVar === 'string') {
    const v = process.env[envVar];
    if (v === undefined || v === '') throw new UsageError(`biến môi trường trống / environment variable ${envVar} is not set`);
    return v;
  }
  if (fromStdin) {
    const v = await readStdin();
    if (!v) throw new UsageError(`không có ${what.vi} trên stdin / no ${what.en} on standard input`);
    return v;
  }
  return null;
}

export function mailboxJson(m: MailboxRow, now = Date.now()) {
  return {
    id: m.id,
    agency: m.agency_code,
    host: m.host,
    port: m.port,
    security: m.security,
    user: m.username,
    auth: m.auth_kind,
    folders: m.folders,
    enabled: m.enabled,
    max_messages_per_second: m.max_messages_per_second,
    last_sync: m.last_sync_at?.toISOString() ?? null,
    last_success: m.last_success_at?.toISOString() ?? null,
    lag_seconds: m.last_success_at ? Math.round((now - m.last_success_at.getTime()) / 1000) : null,
    last_error: m.last_error,
  };
}

export async function runMailboxList(io: Out, asJson: boolean): Promise<number> {
  return withRuntime(async (rt) => {
    const list = (await listMailboxes(rt.pool)).map((m) => mailboxJson(m));
    if (asJson) {
      io.out(json(list));
      return 0;
    }
    const t = new Table({ head: ['id', 'Cơ quan / agency', 'Máy chủ / server', 'Tài khoản / user', 'Đồng bộ / last sync', 'Trễ / lag (s)', 'Lỗi / last error'], ...tableStyle() });
    for (const m of list) t.push([m.id, m.agency, `${m.host}:${m.port} (${m.security})`, m.user, m.last_sync ?? '—', m.lag_seconds ?? '—', m.last_error ?? '']);
    io.out(t.toString());
    return 0;
  });
}

export async function runMailboxTest(io: Out, id: number): Promise<number> {
  return withRuntime(async (rt) => {
    const mb = await getMailbox(rt.pool, id);
    if (!mb) throw new NotFoundError(`không có hộp thư / no mailbox with id ${id}`);
    const watched = await testConnection(await imapSettingsOf(mb, rt.config, requireKey(rt.config.secretKey), rt.pool), [...rt.config.sync.folders, ...mb.folders]);
    io.out(`kết nối tốt / connection OK: ${mb.username}@${mb.host}:${mb.port}; folders: ${watched.join(', ')}`);
    return 0;
  });
}

/**
 * `edocwatch mailbox rotate-key`: re-seals every stored credential from the old key (the variable
 * named by --old-key-env, default EDOCWATCH_OLD_SECRET_KEY) to EDOCWATCH_SECRET_KEY, all in one
 * transaction: if any credential does not open with the old key, nothing changes.
 */
export async function runMailboxRotateKey(io: Out, o: { oldKeyEnv: string }): Promise<number> {
  const oldRaw = process.env[o.oldKeyEnv];
  if (!oldRaw) throw new UsageError(`biến môi trường trống / ${o.oldKeyEnv} is not set: put the current key there, the new one in EDOCWATCH_SECRET_KEY`);
  const oldKey = Buffer.from(oldRaw, 'base64');
  if (oldKey.length !== 32) throw new UsageError(`${o.oldKeyEnv} must be 32 random bytes in base64`);
  return withRuntime(async (rt) => {
    const newKey = requireKey(rt.config.secretKey);
    const n = await withTransaction(rt.pool, async (tx) => {
      const { rows } = await tx.query<{ id: number; secret_enc: Buffer }>('SELECT id, secret_enc FROM mailboxes ORDER BY id FOR UPDATE');
      for (const r of rows) {
        const plain = unseal(r.secret_enc, oldKey);
        await tx.query('UPDATE mailboxes SET secret_enc = $2 WHERE id = $1', [r.id, seal(plain, newKey)]);
      }
      return rows.length;
    });
    io.out(`đã mã hóa lại ${n} hộp thư / re-sealed ${n} mailbox credential(s) with the new key`);
    return 0;
  });
}

/** `edocwatch mailbox set ID [--rate N|default] [--folders LIST] [--enable|--disable]`. */
export async function runMailboxSet(io: Out, id: number, o: Record<string, unknown>): Promise<number> {
  if (o.enable && o.disable) throw new UsageError('--enable và --disable không đi cùng nhau / --enable and --disable exclude each other');
  let rate: number | null | undefined;
  if (o.rate !== undefined) {
    const r = String(o.rate);
    if (r === 'default') rate = null;
    else if (/^\d+(\.\d+)?$/.test(r)) rate = Number(r);
    else throw new UsageError(`--rate phải là số >= 0 hoặc "default" / --rate must be a number >= 0 or "default" (got ${JSON.stringify(r)})`);
  }
  const folders = o.folders === undefined ? undefined : String(o.folders).split(',').map((s) => s.trim()).filter(Boolean);
  if (folders !== undefined && folders.length === 0) throw new UsageError('--folders: ít nhất một thư mục / at least one folder');
  if (rate === undefined && folders === undefined && !o.enable && !o.disable) throw new UsageError('không có gì để sửa / nothing to change: give --rate, --folders, --enable or --disable');
  return withRuntime(async (rt) => {
    const changed = await withTransaction(rt.pool, async (tx) => {
      if (!(await getMailbox(tx, id))) return false;
      if (rate !== undefined) await setMailboxRate(tx, id, rate);
      if (o.enable || o.disable) await setMailboxEnabled(tx, id, Boolean(o.enable));
      if (folders !== undefined) await tx.query('UPDATE mailboxes SET folders = $2::text[] WHERE id = $1', [id, folders]);
      return true;
    });
    if (!changed) throw new NotFoundError(`không có hộp thư / no mailbox with id ${id}`);
    const mb = await getMailbox(rt.pool, id);
    io.out(json(mailboxJson(mb as MailboxRow)));
    return 0;
  });
}
