// Mailbox administration from the web (admins only): add with a connection test — the same test
// and sealing as `edocwatch mailbox add` — edit folders and rate, disable or enable, and sync now
// (one sync job under the mailbox's job id, so never two at once). Every change is audited; the
// password is sealed with EDOCWATCH_SECRET_KEY at once and never logged or echoed back.
import type { Config } from '../config/config.js';
import { requireKey, seal } from '../crypto/secrets.js';
import { getAgency } from '../db/agencies.js';
import { audit } from '../db/audit.js';
import { findMailbox, getMailbox, insertMailbox, setMailboxEnabled, setMailboxRate } from '../db/mailboxes.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { canAdminister, type WebUser } from '../domain/access.js';
import { ForbiddenError, NotFoundError, WebInputError } from '../errors.js';
import type { Security } from '../imap/client.js';
import { addOnce, syncJobId, type Queues, type SyncPayload } from '../queue/queues.js';
import { settingsFrom, testConnection } from '../cli/mailbox.js';

export interface AdminDeps {
  pool: Pool;
  config: Config;
  queues?: () => Queues;
}

export interface NewMailboxInput {
  agency: string;
  host: string;
  port: number;
  security: Security;
  user: string;
  password: string;
  folders: string[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

export function parseFolders(v: unknown): string[] {
  const list = (Array.isArray(v) ? v.map(str) : str(v).split(',')).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new WebInputError('folders: ít nhất một thư mục / at least one folder');
  if (list.some((f) => f.length > 200)) throw new WebInputError('folders: tên quá dài / a folder name is too long');
  return list;
}

/** Validates the add form or API body; throws WebInputError naming the first bad field. */
export function parseNewMailbox(b: Record<string, unknown>): NewMailboxInput {
  const agency = str(b.agency);
  const host = str(b.host);
  const user = str(b.user);
  const password = typeof b.password === 'string' ? b.password : '';
  const security = str(b.security) || 'tls';
  if (!agency) throw new WebInputError('agency: cần mã cơ quan / an agency code is needed');
  if (!host || host.length > 253 || /[\s/]/.test(host)) throw new WebInputError('host: tên máy chủ không hợp lệ / not a host name');
  if (!user || user.length > 320) throw new WebInputError('user: cần tài khoản / a user name is needed');
  if (!password) throw new WebInputError('password: cần mật khẩu / a password is needed');
  if (security !== 'tls' && security !== 'starttls' && security !== 'none') throw new WebInputError('security: tls, starttls hoặc none / must be tls, starttls or none');
  const portRaw = str(b.port);
  const port = portRaw === '' ? (security === 'tls' ? 993 : 143) : Number(portRaw);
  if (!/^\d{1,5}$/.test(portRaw || String(port)) || port < 1 || port > 65535) throw new WebInputError(`port: ${portRaw} không phải cổng TCP / is not a TCP port`);
  return { agency, host, port, security, user, password, folders: parseFolders(b.folders ?? 'INBOX') };
}

function requireAdmin(user: WebUser): void {
  if (!canAdminister(user)) throw new ForbiddenError('chỉ quản trị / admins only');
}

/** Tests the connection, then saves; returns the new id and the folders that will be watched. */
export async function addMailbox(d: AdminDeps, user: WebUser, m: NewMailboxInput, ip: string | null): Promise<{ id: number; folders: string[] }> {
  requireAdmin(user);
  const key = requireKey(d.config.secretKey);
  if (!(await getAgency(d.pool, m.agency))) throw new NotFoundError(`không có cơ quan / unknown agency code ${m.agency}`);
  if (await findMailbox(d.pool, m.host, m.port, m.user)) throw new WebInputError(`hộp thư đã có / mailbox ${m.user} at ${m.host}:${m.port} already exists`);
  const watched = await testConnection(
    settingsFrom({ host: m.host, port: m.port, security: m.security, user: m.user, password: m.password, tlsInsecure: false }, d.config),
    [...d.config.sync.folders, ...m.folders],
  );
  const id = await withTransaction(d.pool, async (tx) => {
    const newId = await insertMailbox(tx, { agencyCode: m.agency, host: m.host, port: m.port, security: m.security, username: m.user, secretEnc: seal(m.password, key), folders: m.folders, tlsInsecure: false });
    await audit(tx, { actor: user.name, action: 'mailbox_add', target: `mailbox:${newId}`, ip, detail: { agency: m.agency, host: m.host, port: m.port, security: m.security, user: m.user, folders: m.folders } });
    return newId;
  });
  return { id, folders: watched };
}

export interface MailboxChange {
  folders?: string[];
  /** Messages a second; null: the configured default. */
  rate?: number | null;
  enabled?: boolean;
}

export function parseMailboxChange(b: Record<string, unknown>): MailboxChange {
  const c: MailboxChange = {};
  if (b.folders !== undefined) c.folders = parseFolders(b.folders);
  if (b.rate !== undefined) {
    const r = str(b.rate);
    if (r === '' || r === 'default' || b.rate === null) c.rate = null;
    else if (/^\d+(\.\d+)?$/.test(r) && Number(r) <= 10_000) c.rate = Number(r);
    else throw new WebInputError('rate: số >= 0 hoặc để trống / a number >= 0, or empty for the default');
  }
  if (b.enabled !== undefined) {
    if (b.enabled === true || b.enabled === 'true') c.enabled = true;
    else if (b.enabled === false || b.enabled === 'false') c.enabled = false;
    else throw new WebInputError('enabled: true hoặc false / must be true or false');
  }
  return c;
}

export async function changeMailbox(d: AdminDeps, user: WebUser, id: number, c: MailboxChange, ip: string | null): Promise<void> {
  requireAdmin(user);
  const found = await withTransaction(d.pool, async (tx) => {
    if (!(await getMailbox(tx, id))) return false;
    if (c.rate !== undefined) await setMailboxRate(tx, id, c.rate);
    if (c.folders !== undefined) await tx.query('UPDATE mailboxes SET folders = $2::text[] WHERE id = $1', [id, c.folders]);
    if (c.enabled !== undefined) await setMailboxEnabled(tx, id, c.enabled);
    const action = c.enabled === false ? 'mailbox_disable' : c.enabled === true && c.folders === undefined && c.rate === undefined ? 'mailbox_enable' : 'mailbox_edit';
    await audit(tx, { actor: user.name, action, target: `mailbox:${id}`, ip, detail: { ...c } });
    return true;
  });
  if (!found) throw new NotFoundError(`không có hộp thư / no mailbox with id ${id}`);
}

/** Enqueues one sync of the mailbox (a job already waiting or running under its id is kept). */
export async function syncNow(d: AdminDeps, user: WebUser, id: number, ip: string | null): Promise<{ jobId: string }> {
  requireAdmin(user);
  if (!(await getMailbox(d.pool, id))) throw new NotFoundError(`không có hộp thư / no mailbox with id ${id}`);
  if (!d.queues) throw new WebInputError('không có hàng đợi / this server has no queue connection');
  const job = await addOnce<SyncPayload>(d.queues().sync, 'sync', { mailboxId: id }, syncJobId(id));
  await audit(d.pool, { actor: user.name, action: 'mailbox_sync', target: `mailbox:${id}`, ip, detail: { job: job.id } });
  return { jobId: String(job.id) };
}
