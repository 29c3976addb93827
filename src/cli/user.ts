// `edocwatch user add|list|disable`: local accounts of the dashboard. The password comes from an
// environment variable or standard input, never the command line (where `ps` and shell history
// would show it), and is stored as an Argon2id hash only. Adding and disabling are audited.
import Table from 'cli-table3';
import { getAgency } from '../db/agencies.js';
import { audit } from '../db/audit.js';
import { withTransaction } from '../db/pool.js';
import { disableUser, findUserByName, insertUser, listUsers } from '../db/users.js';
import { isRole } from '../domain/access.js';
import { NotFoundError, UsageError } from '../errors.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../http/passwords.js';
import { json, withRuntime, tableStyle } from './context.js';
import type { Out } from './main.js';

const NAME_RE = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function readPassword(o: Record<string, unknown>): Promise<string> {
  if (o.passwordEnv !== undefined && o.passwordStdin) throw new UsageError('dùng một trong / use one of --password-env or --password-stdin');
  let pw: string | undefined;
  if (typeof o.passwordEnv === 'string') {
    pw = process.env[o.passwordEnv];
    if (!pw) throw new UsageError(`biến môi trường trống / environment variable ${o.passwordEnv} is not set`);
  } else if (o.passwordStdin) {
    pw = await readStdin();
    if (!pw) throw new UsageError('không có mật khẩu trên stdin / no password on standard input');
  } else {
    throw new UsageError('cần mật khẩu / a password is needed: --password-env VAR or --password-stdin');
  }
  if ([...pw].length < MIN_PASSWORD_LENGTH) throw new UsageError(`mật khẩu quá ngắn / the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  return pw;
}

export async function runUserAdd(io: Out, o: Record<string, unknown>): Promise<number> {
  const name = String(o.name ?? '');
  const role = String(o.role ?? '');
  if (!NAME_RE.test(name)) throw new UsageError(`--name: chữ thường, số và . _ @ - (2–64 ký tự) / lower case letters, digits and . _ @ - (2-64 characters), got ${JSON.stringify(name)}`);
  if (!isRole(role)) throw new UsageError('--role: admin, analyst hoặc agency / must be admin, analyst or agency');
  const agency = typeof o.agency === 'string' ? o.agency : null;
  if (role === 'agency' && !agency) throw new UsageError('--role agency cần / needs --agency CODE');
  if (role !== 'agency' && agency) throw new UsageError(`--agency chỉ dùng với / only with --role agency (${role} users see every agency)`);
  const password = await readPassword(o);
  return withRuntime(async (rt) => {
    if (agency && !(await getAgency(rt.pool, agency)))
      throw new NotFoundError(`không có cơ quan / unknown agency code ${agency}: import the directory first (edocwatch agency import)`);
    if (await findUserByName(rt.pool, name)) throw new UsageError(`tài khoản đã có / user ${name} already exists`);
    const passwordHash = await hashPassword(password);
    const id = await withTransaction(rt.pool, async (tx) => {
      const newId = await insertUser(tx, { name, role, agencyCode: agency, passwordHash });
      await audit(tx, { actor: 'cli', action: 'user_add', target: name, detail: { role, agency } });
      return newId;
    });
    io.out(String(id));
    return 0;
  });
}

export async function runUserList(io: Out, asJson: boolean): Promise<number> {
  return withRuntime(async (rt) => {
    const users = (await listUsers(rt.pool)).map((u) => ({
      id: u.id,
      name: u.name,
      role: u.role,
      agency: u.agency_code,
      enabled: u.enabled,
      created_at: u.created_at.toISOString(),
      last_login_at: u.last_login_at?.toISOString() ?? null,
    }));
    if (asJson) {
      io.out(json(users));
      return 0;
    }
    const t = new Table({ head: ['id', 'Tên / name', 'Vai trò / role', 'Cơ quan / agency', 'Hoạt động / enabled', 'Đăng nhập / last sign-in'], ...tableStyle() });
    for (const u of users) t.push([u.id, u.name, u.role, u.agency ?? '—', u.enabled ? 'có / yes' : 'không / no', u.last_login_at ?? '—']);
    io.out(t.toString());
    return 0;
  });
}

export async function runUserDisable(io: Out, name: string): Promise<number> {
  return withRuntime(async (rt) => {
    const done = await withTransaction(rt.pool, async (tx) => {
      if (!(await disableUser(tx, name))) return false;
      await audit(tx, { actor: 'cli', action: 'user_disable', target: name });
      return true;
    });
    if (!done) throw new NotFoundError(`không có tài khoản / no user named ${name}`);
    io.out(`đã khóa / disabled ${name}; its sessions are ended`);
    return 0;
  });
}
