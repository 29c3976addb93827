// IMAP adapter over imapflow: connect with a mailbox's settings, find the folders to watch, and read
// messages without changing anything (EXAMINE, BODY.PEEK). It makes no business decisions; errors
// come out as one clear ServiceError line (wrong password, refused, timeout, TLS).
import type { Readable } from 'node:stream';
import { ImapFlow, type FetchMessageObject, type ImapFlowOptions, type ListResponse, type SearchObject } from 'imapflow';
import { ServiceError } from '../errors.js';
import { messageIdOf } from '../domain/message-id.js';

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

export interface ExpungeNotice {
  path: string;
  uid?: number;
  vanished: boolean;
}

/**
 * A connection for syncing: no auto-IDLE, QRESYNC enabled where the server has it (an EXAMINE with
 * the last UIDVALIDITY and HIGHESTMODSEQ then reports the UIDs expunged since, to `onExpunge`).
 */
export async function connectImap(s: ImapSettings, opts: { onExpunge?: (n: ExpungeNotice) => void } = {}): Promise<ImapFlow> {
  const onExpunge = opts.onExpunge;
  const client = new ImapFlow(
    imapFlowOptions(s, {
      disableAutoIdle: true,
      qresync: true,
      ...(onExpunge ? { expungeHandler: async (n: ExpungeNotice) => onExpunge(n) } : {}),
    }),
  );
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
    // BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)], read as `import` reads an archived message's header.
    messageId: m.headers ? messageIdOf(m.headers) : null,
  };
}

/** What to list in a folder: UIDs above a checkpoint, and optionally INTERNALDATE bounds (backfill). */
export interface UidQuery {
  afterUid: number;
  /** INTERNALDATE on or after this day (IMAP SINCE: the date part only). */
  since?: Date;
  /** INTERNALDATE before this day (IMAP BEFORE). */
  before?: Date;
}

/**
 * The UIDs matching `q`, ascending. The criteria are ASCII only (UID ranges and dates), so servers
 * that reject non-ASCII SEARCH (or CHARSET) never see any. Cheap: one UID per few bytes.
 */
export async function searchUids(client: ImapFlow, q: UidQuery): Promise<number[]> {
  const criteria: SearchObject = { uid: `${q.afterUid + 1}:*` };
  if (q.since) criteria.since = q.since;
  if (q.before) criteria.before = q.before;
  const found = await client.search(criteria, { uid: true });
  if (!found) throw new Error('SEARCH failed: no mailbox selected');
  // `n:*` also matches the highest message when it is below n, hence the filter.
  return found.filter((u) => u > q.afterUid).sort((a, b) => a - b);
}

/** Size, INTERNALDATE and Message-ID of the given UIDs: no bodies. */
export async function fetchMetas(client: ImapFlow, uids: number[]): Promise<MessageMeta[]> {
  const out: MessageMeta[] = [];
  if (uids.length === 0) return out;
  // Only the Message-ID header field, not the ENVELOPE: the server need not build, nor imapflow
  // parse and MIME-decode, every subject and address list just to key the message.
  for await (const m of client.fetch(compactUids(uids), { uid: true, size: true, internalDate: true, headers: ['message-id'] }, { uid: true })) out.push(toMeta(m));
  out.sort((a, b) => a.uid - b.uid);
  return out;
}

/** `1,2,3,7,9,10` → `1:3,7,9:10`: keeps a FETCH line short for thousands of UIDs. Pure. */
export function compactUids(uids: number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * A whole message as a stream, fetched in chunks (BODY.PEEK[]<offset.length>), for messages too
 * large to hold in memory. `undefined` when the server no longer has it.
 */
export async function streamSource(client: ImapFlow, uid: number, chunkBytes = 1 << 20): Promise<Readable | undefined> {
  const d = await client.download(String(uid), undefined, { uid: true, chunkSize: chunkBytes });
  return d.content;
}

/** Full sources for the given UIDs (BODY.PEEK[]: the \Seen flag is never set). */
export async function fetchSources(client: ImapFlow, uids: number[]): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  await eachSource(client, uids, (uid, source) => void out.set(uid, source));
  return out;
}

/**
 * Full sources for the given UIDs, handed to `onSource` one by one as each arrives (so the caller
 * can start writing the first while the rest are still on the wire). A UID the server no longer
 * has is simply not handed over.
 */
export async function eachSource(client: ImapFlow, uids: number[], onSource: (uid: number, source: Buffer) => void): Promise<void> {
  if (uids.length === 0) return;
  for await (const m of client.fetch(compactUids(uids), { uid: true, source: true }, { uid: true })) {
    if (m.source) onSource(m.uid, m.source);
  }
}

/** Only the header block, for messages over the size cap. */
export async function fetchHeaders(client: ImapFlow, uid: number): Promise<Buffer | null> {
  for await (const m of client.fetch(String(uid), { uid: true, headers: true }, { uid: true })) {
    if (m.headers) return m.headers;
  }
  return null;
}
