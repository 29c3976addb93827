// The throwaway Dovecot of the development environment, as integration tests, the demo and the
// benchmark see it: where it listens, how to add an IMAP user with a clean maildir, and how to wait
// for it. `scripts/services.sh up` starts it; this module only writes its passwd file and maildirs
// (under EDOCWATCH_DEVENV_DIR) and probes its port. Not used by the product itself.
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, open, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DevDovecot {
  host: string;
  port: number;
  dir: string;
}

// The rendered dovecot.conf runs mail processes as 5000:5000, because Dovecot refuses to touch
// mail as root; everything a mail process opens must belong to them.
const MAIL_UID = 5000;
const MAIL_GID = 5000;
// INBOX and the special-use folders of config/dovecot/dovecot.conf.template, in Maildir++ layout.
const MAILDIR_FOLDERS = ['', '.Sent', '.Drafts', '.Trash'];
// A writer holds the passwd lock for milliseconds; a lock this old was left by a crashed process.
const STALE_LOCK_MS = 30_000;
const LOCK_TIMEOUT_MS = 30_000;
const DEFAULT_PORT = 10143;

/** The repository root: the first folder above this module holding a package.json. */
function repoRoot(): string {
  // Walking up works from src/devenv (vitest, tsx) and from dist/src/devenv (compiled) alike.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('edocwatch: no package.json above src/devenv; is this a checkout?');
    dir = parent;
  }
}

/** Where the dev Dovecot listens and lives; the same defaults as scripts/services.sh. */
export function devDovecot(): DevDovecot {
  const rawPort = process.env['EDOCWATCH_IMAP_PORT'];
  const port = rawPort === undefined || rawPort === '' ? DEFAULT_PORT : Number(rawPort);
  if (!Number.isInteger(port) || port <= 0 || port >= 65536) {
    throw new Error(`edocwatch: EDOCWATCH_IMAP_PORT is not a port number: ${rawPort ?? ''}`);
  }
  const rawDir = process.env['EDOCWATCH_DEVENV_DIR'];
  // A relative dir is taken from the current directory, as the script does.
  const dir = rawDir === undefined || rawDir === '' ? join(repoRoot(), '.tmp', 'dovecot') : resolve(rawDir);
  return { host: '127.0.0.1', port, dir };
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Runs fn holding DIR/passwd.lock, the lock scripts/services.sh add-user also takes. An O_EXCL
 * create is atomic across processes, which vitest's parallel test files are.
 */
async function withPasswdLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
      const born = await stat(lockPath).then((s) => s.mtimeMs, () => undefined);
      if (born !== undefined && Date.now() - born > STALE_LOCK_MS) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`edocwatch: timed out waiting for ${lockPath}`);
      // Jitter, so that waiting test files do not retry in lockstep.
      await sleep(5 + Math.random() * 20);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/**
 * Puts the user's line into DIR/passwd; resolves once Dovecot is sure to see it. Returns without
 * writing when the line is there already (the common case when tests run again).
 */
async function writePasswdLine(dir: string, user: string, line: string): Promise<void> {
  const passwd = join(dir, 'passwd');
  const wrote = await withPasswdLock(join(dir, 'passwd.lock'), async () => {
    let current = '';
    let oldMtimeSec = 0;
    try {
      current = await readFile(passwd, 'utf8');
      oldMtimeSec = Math.floor((await stat(passwd)).mtimeMs / 1000);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
    const lines = current.split('\n').filter((l) => l !== '');
    if (lines.includes(line)) return false;
    const kept = lines.filter((l) => l.split(':')[0] !== user);
    kept.push(line);
    // Write then rename: Dovecot's auth process never reads a half-written file.
    const tmp = join(dir, `passwd.tmp.${process.pid}.${Math.random().toString(36).slice(2)}`);
    await writeFile(tmp, `${kept.join('\n')}\n`, { mode: 0o600 });
    // Dovecot rereads the passwd-file when its mtime (whole seconds) or size changed; a same-size
    // rewrite within the same second would go unseen, so the new mtime is always a later second.
    const stamp = Math.max(Math.floor(Date.now() / 1000), oldMtimeSec + 1);
    await utimes(tmp, stamp, stamp);
    await rename(tmp, passwd);
    return true;
  });
  if (!wrote) return;
  // Dovecot's auth process stats the passwd-file at most once per second of its clock
  // (db-passwd-file.c, passwd_file_sync), so a login in the second of our write may be answered
  // from the old copy. Any lookup from the next second on rereads it: wait for that second.
  const nextSecond = (Math.floor(Date.now() / 1000) + 1) * 1000;
  await sleep(nextSecond - Date.now() + 20);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Adds (or replaces) an IMAP user of the dev Dovecot and creates its maildir; Dovecot sees the new
 * user at its next login, without a restart. `reset: true` empties the maildir first, so a test
 * starts from a known state. Expects `scripts/services.sh up` to have run.
 */
export async function ensureImapUser(
  user: string,
  password: string,
  opts: { reset?: boolean } = {},
): Promise<DevDovecot> {
  // The passwd-file is colon-separated lines, and the user names a folder.
  if (!/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/.test(user)) {
    throw new Error(`edocwatch: bad IMAP user name: ${JSON.stringify(user)}`);
  }
  if (password === '' || /[:\r\n]/.test(password)) {
    throw new Error("edocwatch: an IMAP password must be non-empty, without ':' or newlines");
  }
  const dd = devDovecot();
  if (!existsSync(join(dd.dir, 'dovecot.conf'))) {
    throw new Error(`edocwatch: no dev Dovecot under ${dd.dir}: run bash scripts/services.sh up`);
  }
  const home = join(dd.dir, 'mail', user);
  await writePasswdLine(dd.dir, user, `${user}:{PLAIN}${password}:${MAIL_UID}:${MAIL_GID}::${home}`);

  // Dovecot keeps its indexes inside the Maildir, so removing it forgets the folders' UIDs too.
  if (opts.reset === true) await rm(home, { recursive: true, force: true });
  const dirs = [home, join(home, 'Maildir')];
  for (const folder of MAILDIR_FOLDERS) {
    const base = join(home, 'Maildir', folder);
    dirs.push(base, join(base, 'cur'), join(base, 'new'), join(base, 'tmp'));
  }
  for (const d of dirs) await mkdir(d, { recursive: true, mode: 0o700 });
  // The mail processes walk DIR/mail to reach the home; a restrictive umask must not block them.
  await chmod(join(dd.dir, 'mail'), 0o755);
  // Only the folders themselves: files that a caller drops in are theirs to chown. Not as root,
  // chown would fail, and the dev Dovecot (started by root) could not have been set up anyway.
  if (isRoot()) {
    for (const d of dirs) await chown(d, MAIL_UID, MAIL_GID);
  }
  return dd;
}

export interface MaildirMessage {
  raw: Buffer;
  /** The message's INTERNALDATE: Dovecot takes it from the file's mtime (whole seconds). */
  internalDate: Date;
  /** `INBOX` (the default) or a Maildir++ folder name such as `Sent`; created when missing. */
  folder?: string;
}

/**
 * Delivers messages straight into a dev Dovecot user's Maildir (made by ensureImapUser), as a
 * local delivery agent does: each written under tmp/ and renamed into new/, mtime = its
 * INTERNALDATE, owned by the mail user when we are root. For thousands of messages this takes
 * seconds where APPEND takes minutes. File names follow the given order, which is the order in
 * which Dovecot gives them UIDs at the next SELECT. Returns the number of messages written.
 */
export async function deliverToMaildir(user: string, messages: Iterable<MaildirMessage>, opts: { concurrency?: number } = {}): Promise<number> {
  const maildir = join(devDovecot().dir, 'mail', user, 'Maildir');
  if (!existsSync(maildir)) throw new Error(`edocwatch: no Maildir for ${user} under ${maildir}: ensureImapUser first`);
  const root = isRoot();
  const ready = new Map<string, string>();
  const folderDir = async (folder: string | undefined): Promise<string> => {
    const name = folder === undefined || folder.toUpperCase() === 'INBOX' ? '' : `.${folder}`;
    let dir = ready.get(name);
    if (dir === undefined) {
      dir = join(maildir, name);
      for (const sub of ['', 'cur', 'new', 'tmp']) {
        await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
        if (root) await chown(join(dir, sub), MAIL_UID, MAIL_GID);
      }
      ready.set(name, dir);
    }
    return dir;
  };
  // <seconds>.M<sequence>P<pid>.<host>: the sequence stands where Dovecot writes microseconds,
  // zero-padded so that names sort the same as numbers and as strings.
  const stamp = Math.floor(Date.now() / 1000);
  const host = hostname().replace(/[/:]/g, '_');
  const deliverOne = async (m: MaildirMessage, seq: number): Promise<void> => {
    const dir = await folderDir(m.folder);
    const name = `${stamp}.M${String(seq).padStart(7, '0')}P${process.pid}.${host}`;
    const tmp = join(dir, 'tmp', name);
    await writeFile(tmp, m.raw, { mode: 0o600 });
    await utimes(tmp, m.internalDate, m.internalDate);
    if (root) await chown(tmp, MAIL_UID, MAIL_GID);
    await rename(tmp, join(dir, 'new', name));
  };
  const width = Math.max(1, opts.concurrency ?? 32);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let seq = 0;
  for (const m of messages) {
    if (failure !== null) break;
    const p: Promise<void> = deliverOne(m, seq++)
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= width) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== null) throw failure;
  return seq;
}

/** One connection attempt: true when the server's first line is an IMAP "* OK" greeting. */
function greets(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((settle) => {
    const socket = connect({ host, port });
    let buffered = '';
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      // Swallow late errors (a reset after we are done) rather than crash the caller.
      socket.on('error', () => undefined);
      if (ok) socket.end('z LOGOUT\r\n');
      else socket.destroy();
      settle(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const eol = buffered.indexOf('\n');
      if (eol >= 0) finish(buffered.slice(0, eol).startsWith('* OK'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/** Waits until 127.0.0.1:port greets like an IMAP server ("* OK"), or throws after timeoutMs. */
export async function waitForImap(port: number, timeoutMs = 10_000): Promise<void> {
  const host = '127.0.0.1';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (await greets(host, port, Math.max(100, Math.min(left, 3_000)))) return;
    if (Date.now() >= deadline) {
      throw new Error(`edocwatch: no IMAP greeting on ${host}:${port} within ${timeoutMs} ms: run bash scripts/services.sh up`);
    }
    await sleep(100);
  }
}
