// IMAP adapter over imapflow: connect with a mailbox's settings, find the folders to watch, and read
// messages without changing anything (EXAMINE, BODY.PEEK). It makes no business decisions; errors
// come out as one clear ServiceError line (wrong password, refused, timeout, TLS).
import { ImapFlow, type FetchMessageObject, type ImapFlowOptions, type ListResponse } from 'imapflow';
import { ServiceError } from '../errors.js';

export type Security = 'tls' | 'starttls' | 'none';

export interface ImapSettings {
  host: string;
  port: number;
  security: Security;
  user: string;
  password: string;
  /** SASL XOAUTH2 with this bearer token instead of the password (OAuth2 mailboxes, src/oauth2/). */
  accessToken?: string;
  tlsInsecure: boolean;
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
}

/** Names servers really give the sent folder, for servers without SPECIAL-USE. */
export const SENT_FALLBACK_NAMES = ['Sent', 'Sent Items', 'Sent Messages', 'Thư đã gửi', 'INBOX.Sent', 'INBOX/Sent'];

export function imapError(err: unknown, s: Pick<ImapSettings, 'host' | 'port' | 'user'> & { accessToken?: string }): ServiceError {
  const e = err as { code?: string; authenticationFailed?: boolean; message?: string; responseText?: string };
  const where = `${s.host}:${s.port}`;
  if (e.authenticationFailed)
    return new ServiceError('E_IMAP_AUTH', `đăng nhập IMAP bị từ chối / IMAP login refused for ${s.user} at ${where}: ${s.accessToken !== undefined ? 'the OAuth2 access token was not accepted (XOAUTH2)' : 'wrong user name or password'}`);
  switch (e.code) {
    case 'ECONNREFUSED':
      return new ServiceError('E_IMAP_UNREACHABLE', `không kết nối được / connection refused by ${where}: is the IMAP server running on that port?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ServiceError('E_IMAP_UNREACHABLE', `không tìm thấy máy chủ / host not found: ${s.host}`);
    case 'CONNECT_TIMEOUT':
    case 'GREETING_TIMEOUT':
    case 'ETIMEOUT':
    case 'ETIMEDOUT':
    case 'UPGRADE_TIMEOUT':
      return new ServiceError('E_IMAP_TIMEOUT', `hết thời gian chờ / timed out talking to ${where} (${e.code})`);
    default:
      break;
  }
  if (e.code?.startsWith('ERR_TLS') || e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || e.code === 'SELF_SIGNED_CERT_IN_CHAIN' || /certificate|SSL|TLS/i.test(e.message ?? ''))
    return new ServiceError('E_IMAP_TLS', `lỗi TLS / TLS failed with ${where}: ${e.message ?? e.code ?? 'unknown'}`);
  return new ServiceError('E_IMAP', `lỗi IMAP / IMAP error with ${where}: ${e.responseText ?? e.message ?? String(err)}`);
}

/** imapflow options for a mailbox: TLS mode, verification (on unless the named exception), timeouts. */
export function imapFlowOptions(s: ImapSettings, extra: Partial<ImapFlowOptions> = {}): ImapFlowOptions {
  return {
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    doSTARTTLS: s.security === 'starttls' ? true : s.security === 'none' ? false : undefined,
    auth: s.accessToken !== undefined ? { user: s.user, accessToken: s.accessToken } : { user: s.user, pass: s.password },
    tls: { rejectUnauthorized: !s.tlsInsecure },
    logger: false,
    connectionTimeout: s.connectionTimeoutMs,
    greetingTimeout: s.greetingTimeoutMs,
    socketTimeout: s.socketTimeoutMs,
    emitLogs: false,
    ...extra,
  };
}

export async function connectImap(s: ImapSettings): Promise<ImapFlow> {
  const client = new ImapFlow(imapFlowOptions(s, { disableAutoIdle: true }));
  // Socket errors after connect surface through the failing command; an unhandled 'error' event
  // would otherwise kill the worker.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw imapError(err, s);
  }
  return client;
}

export interface WatchedFolder {
  path: string;
  specialUse: string | null;
}

/**
 * The folders to watch: INBOX, the special-use \Sent folder (by attribute, else by a known name),
 * and the configured extra folders that exist. Pure: takes the LIST response.
 */
export function chooseFolders(list: Array<Pick<ListResponse, 'path' | 'specialUse' | 'flags'>>, configured: string[]): WatchedFolder[] {
  const out: WatchedFolder[] = [];
  const seen = new Set<string>();
  const add = (path: string, specialUse: string | null) => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, specialUse });
  };
  const byPath = new Map(list.map((f) => [f.path, f]));
  const inbox = list.find((f) => f.path.toUpperCase() === 'INBOX');
  if (inbox) add(inbox.path, null);
  const sent =
    list.find((f) => f.specialUse === '\\Sent' || f.flags?.has?.('\\Sent')) ??
    SENT_FALLBACK_NAMES.map((n) => byPath.get(n)).find((f) => f !== undefined);
  if (sent) add(sent.path, '\\Sent');
  for (const name of configured) {
    const f = byPath.get(name) ?? list.find((x) => x.path.toLowerCase() === name.toLowerCase());
    if (f) add(f.path, f.specialUse ?? null);
  }
  return out;
}

export interface MessageMeta {
  uid: number;
  size: number;
  internalDate: Date | null;
  messageId: string | null;
}

function toMeta(m: FetchMessageObject): MessageMeta {
  const d = m.internalDate;
  return {
    uid: m.uid,
    size: m.size ?? 0,
    internalDate: d instanceof Date ? d : typeof d === 'string' ? new Date(d) : null,
    messageId: m.envelope?.messageId ?? null,
  };
}

/** UIDs above `afterUid` with size, INTERNALDATE and Message-ID: no bodies yet. */
export async function listNewMessages(client: ImapFlow, afterUid: number): Promise<MessageMeta[]> {
  const out: MessageMeta[] = [];
  // `n:*` also returns the highest message when it is below n, hence the filter.
  for await (const m of client.fetch(`${afterUid + 1}:*`, { uid: true, size: true, internalDate: true, envelope: true }, { uid: true })) {
    if (m.uid > afterUid) out.push(toMeta(m));
  }
  out.sort((a, b) => a.uid - b.uid);
  return out;
}

/** Full sources for the given UIDs (BODY.PEEK[]: the \Seen flag is never set). */
export async function fetchSources(client: ImapFlow, uids: number[]): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  if (uids.length === 0) return out;
  for await (const m of client.fetch(uids.join(','), { uid: true, source: true }, { uid: true })) {
    if (m.source) out.set(m.uid, m.source);
  }
  return out;
}

/** Only the header block, for messages over the size cap. */
export async function fetchHeaders(client: ImapFlow, uid: number): Promise<Buffer | null> {
  for await (const m of client.fetch(String(uid), { uid: true, headers: true }, { uid: true })) {
    if (m.headers) return m.headers;
  }
  return null;
}
