// Readers of exported mail archives for `edocwatch import`: an mbox file (mboxrd or mboxo), a folder
// of .eml files (recursive), a Maildir (cur/ and new/, and its Maildir++ `.Sub` folders), or one
// message file. Each yields its raw messages in a fixed order; nothing here touches the database.
// An mbox is read in chunks with a bounded line buffer, so a multi-GB file never sits in memory; a
// message over `maxMessageBytes` is kept as its header section only (the importer records it as
// `over_limit`, as sync does), so no single message can exhaust memory either.
import { createReadStream, type Dirent } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { HEAD_CAP, headerSection } from '../domain/message-id.js';

export { headerSection, messageIdOf } from '../domain/message-id.js';

export type ArchiveKind = 'mbox' | 'eml' | 'eml-dir' | 'maildir';

export interface ArchivedMessage {
  /** Where it came from, for people: `archive.mbox#12`, `dir/a.eml`, `Maildir/cur/123:2,S`. */
  source: string;
  /** The Maildir++ sub-folder (`Sent`, `Archive.2024`), or null for the archive itself. */
  folder: string | null;
  /** The message's bytes (mbox separator removed, `>From ` unquoted); only its header section when overLimit. */
  raw: Buffer;
  /** mbox: the separator line's date; Maildir: the file's mtime; else null. */
  internalDate: Date | null;
  /** The whole message's size in bytes (raw.length unless overLimit). */
  size: number;
  overLimit: boolean;
}

export interface ReadOptions {
  /** Larger messages yield their header section only (overLimit). Default: no limit. */
  maxMessageBytes?: number;
  /** Read size for mbox files (tests use tiny ones to cross every boundary). */
  chunkBytes?: number;
}

/** A line longer than this is passed through in pieces: the line buffer never grows past it. */
const MAX_LINE = 64 * 1024;
/** At most this much of a message is read to find its header section. */

const byCodepoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ENOENT' ? 'không tồn tại / does not exist' : e.code === 'EACCES' ? 'không có quyền đọc / permission denied' : e.message;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function hasCurOrNew(dir: string): Promise<boolean> {
  return (await isDir(path.join(dir, 'cur'))) || (await isDir(path.join(dir, 'new')));
}

async function maildirSubfolders(root: string): Promise<Dirent[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const subs: Dirent[] = [];
  for (const d of entries) {
    if (!d.name.startsWith('.') || d.name === '.' || d.name === '..' || d.name.length < 2) continue;
    if ((d.isDirectory() || d.isSymbolicLink()) && (await hasCurOrNew(path.join(root, d.name)))) subs.push(d);
  }
  return subs.sort((a, b) => byCodepoint(a.name, b.name));
}

/** Relative paths (with `/`) of the .eml files under dir, sorted; dot files and dot folders are skipped. */
async function listEml(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const d of entries) {
      if (d.name.startsWith('.')) continue; // macOS `._x.eml`, `.git`, …
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(r);
      else if (d.isFile() && /\.eml$/i.test(d.name)) out.push(r);
    }
  };
  await walk('');
  return out.sort(byCodepoint);
}

/**
 * What kind of archive a path is; a UsageError (exit 2) when it cannot be read or is none of them.
 * A folder with `cur/` or `new/` (or Maildir++ `.Sub` folders) is a Maildir, another folder must
 * hold .eml files; a file is an mbox when it starts with a `From ` line (or is empty), one message
 * when it is named `.eml` or starts with a header field.
 */
export async function detectArchive(p: string): Promise<ArchiveKind> {
  let st;
  try {
    st = await stat(p);
  } catch (err) {
    throw new UsageError(`không đọc được / cannot read ${p}: ${fsReason(err)}`);
  }
  if (st.isDirectory()) {
    try {
      if ((await hasCurOrNew(p)) || (await maildirSubfolders(p)).length > 0) return 'maildir';
      if ((await listEml(p)).length > 0) return 'eml-dir';
    } catch (err) {
      throw new UsageError(`không đọc được / cannot read ${p}: ${fsReason(err)}`);
    }
    throw new UsageError(`${p}: không phải Maildir, không có tệp .eml / neither a Maildir nor a folder of .eml files`);
  }
  if (!st.isFile()) throw new UsageError(`${p}: không phải tệp hay thư mục / not a file or folder`);
  let head: Buffer;
  try {
    const fh = await open(p, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new UsageError(`không đọc được / cannot read ${p}: ${fsReason(err)}`);
  }
  if (/\.eml$/i.test(p)) return 'eml';
  const text = head.toString('latin1').replace(/^(?:\r?\n)+/, '');
  if (text.length === 0 || text.startsWith('From ')) return 'mbox';
  if (/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(text)) return 'eml';
  throw new UsageError(`${p}: không nhận ra định dạng (mbox, .eml, Maildir) / unknown archive kind (expected mbox, .eml, a folder of .eml or a Maildir)`);
}

/** The messages of an archive, in a fixed order (the order that numbers them). */
export async function* readArchive(p: string, kind: ArchiveKind, opts: ReadOptions = {}): AsyncGenerator<ArchivedMessage> {
  const max = opts.maxMessageBytes ?? Number.POSITIVE_INFINITY;
  const base = path.basename(path.resolve(p));
  switch (kind) {
    case 'mbox':
      yield* readMbox(p, opts);
      return;
    case 'eml': {
      const m = await readMessageFile(p, max);
      yield { source: base, folder: null, raw: m.raw, internalDate: null, size: m.size, overLimit: m.overLimit };
      return;
    }
    case 'eml-dir':
      for (const rel of await listEml(p)) {
        const m = await readMessageFile(path.join(p, ...rel.split('/')), max);
        yield { source: `${base}/${rel}`, folder: null, raw: m.raw, internalDate: null, size: m.size, overLimit: m.overLimit };
      }
      return;
    case 'maildir':
      yield* readMaildir(p, max);
      return;
  }
}

/** The part of a Maildir file name that stays when the flags change (`…:2,S`) or it moves new → cur. */
function maildirKey(name: string): string {
  return name.replace(/[:;!]2,[^/]*$/, '');
}

async function* readMaildir(root: string, max: number): AsyncGenerator<ArchivedMessage> {
  const base = path.basename(path.resolve(root));
  const folders: Array<{ name: string | null; rel: string }> = [{ name: null, rel: '' }];
  for (const d of await maildirSubfolders(root)) folders.push({ name: d.name.slice(1), rel: d.name });
  for (const f of folders) {
    const files: Array<{ sub: string; name: string }> = [];
    for (const sub of ['cur', 'new']) {
      let entries: Dirent[];
      try {
        entries = await readdir(path.join(root, f.rel, sub), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      for (const e of entries) if (e.isFile() && !e.name.startsWith('.')) files.push({ sub, name: e.name });
    }
    // Delivery order, as far as names tell (they start with the delivery time), stable across
    // flag changes; the full name breaks ties.
    files.sort((a, b) => byCodepoint(maildirKey(a.name), maildirKey(b.name)) || byCodepoint(`${a.sub}/${a.name}`, `${b.sub}/${b.name}`));
    for (const file of files) {
      const full = path.join(root, f.rel, file.sub, file.name);
      const m = await readMessageFile(full, max);
      yield {
        source: [base, f.rel, file.sub, file.name].filter(Boolean).join('/'),
        folder: f.name,
        raw: m.raw,
        internalDate: m.mtime,
        size: m.size,
        overLimit: m.overLimit,
      };
    }
  }
}

async function readMessageFile(file: string, max: number): Promise<{ raw: Buffer; size: number; overLimit: boolean; mtime: Date }> {
  const st = await stat(file);
  if (st.size <= max) {
    const raw = await readFile(file);
    return { raw, size: raw.length, overLimit: false, mtime: st.mtime };
  }
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(HEAD_CAP, st.size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { raw: headerSection(buf.subarray(0, bytesRead)), size: st.size, overLimit: true, mtime: st.mtime };
  } finally {
    await fh.close();
  }
}

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
const ZONES: Record<string, number> = { ut: 0, utc: 0, gmt: 0, z: 0, est: -5, edt: -4, cst: -6, cdt: -5, mst: -7, mdt: -6, pst: -8, pdt: -7 };

/**
 * The date of an mbox separator line (`From sender Mon Feb  8 02:53:47 PST 1993`, asctime with an
 * optional zone before or after the year, as mutt, Thunderbird, Gmail and procmail write it);
 * without a zone the time is taken as UTC. Null when there is none or it is not a real date.
 */
export function parseSeparatorDate(line: string): Date | null {
  const m =
    /\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+([a-z]{3})[a-z]*\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s+([a-z]{1,5}|[+-]\d{4}))?\s+(\d{4})(?:\s+([+-]\d{4}))?/i.exec(line);
  if (!m) return null;
  const month = MONTHS[(m[1] ?? '').toLowerCase()];
  const [day, hour, minute, second, year] = [m[2], m[3], m[4], m[5] ?? '0', m[7]].map(Number) as [number, number, number, number, number];
  if (month === undefined || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const local = new Date(Date.UTC(year, month, day, hour, minute, Math.min(second, 59)));
  if (local.getUTCDate() !== day || local.getUTCMonth() !== month || year < 1970) return null; // "Feb 31"
  const zone = m[8] ?? m[6];
  let offsetMin = 0;
  if (zone && /^[+-]\d{4}$/.test(zone)) offsetMin = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  else if (zone) offsetMin = (ZONES[zone.toLowerCase()] ?? 0) * 60;
  return new Date(local.getTime() - offsetMin * 60_000);
}

const FROM_ = Buffer.from('From ');

function startsWithFrom(data: Buffer, at: number, end: number): boolean {
  return end - at >= 5 && data[at] === 0x46 && data.compare(FROM_, 0, 5, at, at + 5) === 0;
}

/** `>From `, `>>From `, …: quoted by the writer (mboxrd; mboxo quotes only the first level). */
function isQuotedFrom(data: Buffer, at: number, end: number): boolean {
  let i = at;
  while (i < end && data[i] === 0x3e) i++;
  return i > at && startsWithFrom(data, i, end);
}

interface OpenMessage {
  index: number;
  separator: string;
  parts: Buffer[];
  kept: number;
  size: number;
  head: Buffer | null;
}

export interface MboxEntry {
  /** 1-based position in the file. */
  index: number;
  /** The separator line without its line ending. */
  separator: string;
  raw: Buffer;
  size: number;
  overLimit: boolean;
}

/**
 * Splits an mbox fed in chunks. A separator is a line starting with `From ` at the start of the
 * file or after a blank line; that blank line (the writer's) is removed from the message before
 * it, and one `>` is removed from body lines `>From `, `>>From `, … (mboxrd; for mboxo this undoes
 * its one level). A last message cut short is returned as it is. Memory: the current message (or
 * its head, once over the limit) and one line of at most MAX_LINE bytes.
 */
export class MboxSplitter {
  private carry: Buffer | null = null;
  /** The previous piece ended mid-line: what follows is not at a line start. */
  private midLine = false;
  /** Length of the previous line when it was blank (1 for LF, 2 for CRLF), else 0; the file start counts as blank. */
  private prevBlank = 1;
  private cur: OpenMessage | null = null;
  private count = 0;
  private out: MboxEntry[] = [];

  constructor(private readonly maxMessageBytes = Number.POSITIVE_INFINITY) {}

  push(chunk: Buffer): MboxEntry[] {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    let pos = 0;
    let run = 0; // start of the bytes not yet appended: whole lines are appended in runs, not one by one
    for (;;) {
      const nl = data.indexOf(0x0a, pos);
      if (nl === -1) break;
      const end = nl + 1;
      const atStart = !this.midLine;
      this.midLine = false;
      if (atStart && this.prevBlank > 0 && startsWithFrom(data, pos, end)) {
        this.append(data.subarray(run, pos));
        this.finish(this.prevBlank);
        this.count++;
        this.cur = { index: this.count, separator: data.toString('latin1', pos, end).replace(/\r?\n$/, ''), parts: [], kept: 0, size: 0, head: null };
        run = end;
      } else if (atStart && data[pos] === 0x3e && isQuotedFrom(data, pos, end)) {
        this.append(data.subarray(run, pos));
        this.append(data.subarray(pos + 1, end));
        run = end;
      }
      const len = end - pos;
      this.prevBlank = atStart && (len === 1 || (len === 2 && data[pos] === 0x0d)) ? len : 0;
      pos = end;
    }
    this.append(data.subarray(run, pos));
    const rest = data.subarray(pos);
    if (rest.length > MAX_LINE) {
      // A very long line: passed on now (unquoted if it is a quoted From) instead of growing the buffer.
      this.appendPartialLine(rest);
    } else if (rest.length > 0) {
      this.carry = Buffer.from(rest);
    }
    return this.drain();
  }

  /** End of file: the last line (even without a line ending) and the last message. */
  end(): MboxEntry[] {
    if (this.carry) {
      const rest = this.carry;
      this.carry = null;
      this.appendPartialLine(rest);
    }
    this.finish(this.prevBlank);
    return this.drain();
  }

  private appendPartialLine(b: Buffer): void {
    const quoted = !this.midLine && b[0] === 0x3e && isQuotedFrom(b, 0, b.length);
    this.append(b.subarray(quoted ? 1 : 0));
    this.midLine = true;
    this.prevBlank = 0;
  }

  private drain(): MboxEntry[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private append(b: Buffer): void {
    const m = this.cur;
    if (!m || b.length === 0) return; // blank lines before the first separator
    m.size += b.length;
    if (m.head) return;
    m.parts.push(b);
    m.kept += b.length;
    // +2: the writer's blank line, removed at the end, does not count.
    if (m.kept > this.maxMessageBytes + 2) this.keepHeadOnly(m);
  }

  private keepHeadOnly(m: OpenMessage): void {
    m.head = headerSection(Buffer.concat(m.parts, m.kept));
    m.parts = [];
    m.kept = 0;
  }

  /** Closes the open message, removing its last `blank` bytes (the writer's blank line). */
  private finish(blank: number): void {
    const m = this.cur;
    this.cur = null;
    if (!m) return;
    let n = Math.min(blank, m.size);
    m.size -= n;
    while (n > 0 && m.parts.length > 0) {
      const last = m.parts[m.parts.length - 1] as Buffer;
      const cut = Math.min(n, last.length);
      if (cut === last.length) m.parts.pop();
      else m.parts[m.parts.length - 1] = last.subarray(0, last.length - cut);
      m.kept -= cut;
      n -= cut;
    }
    if (!m.head && m.size > this.maxMessageBytes) this.keepHeadOnly(m);
    this.out.push({ index: m.index, separator: m.separator, raw: m.head ?? Buffer.concat(m.parts, m.kept), size: m.size, overLimit: m.head !== null });
  }
}

async function* readMbox(file: string, opts: ReadOptions): AsyncGenerator<ArchivedMessage> {
  const base = path.basename(path.resolve(file));
  const splitter = new MboxSplitter(opts.maxMessageBytes);
  const stream = createReadStream(file, { highWaterMark: opts.chunkBytes ?? 1024 * 1024 });
  const toMessage = (m: MboxEntry): ArchivedMessage => ({
    source: `${base}#${m.index}`,
    folder: null,
    raw: m.raw,
    internalDate: parseSeparatorDate(m.separator),
    size: m.size,
    overLimit: m.overLimit,
  });
  for await (const chunk of stream) for (const m of splitter.push(chunk as Buffer)) yield toMessage(m);
  for (const m of splitter.end()) yield toMessage(m);
}
