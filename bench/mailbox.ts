// The benchmark's mailboxes: corpora generated once and cached as .eml files with a manifest, and
// delivered straight into a fresh user's Maildir of the dev Dovecot (INBOX and .Sent, mtime =
// INTERNALDATE), then warmed up so that Dovecot's first indexing is charged to no contender.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, copyFile, mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { generateCorpus, loadSampleAgencies } from '../src/demo/corpus.js';
import { devDovecot, ensureImapUser } from '../src/devenv/dovecot.js';
import { BenchError, ROOT, say } from './common.js';
import { generateLargeMail } from './large-mail.js';
import type { CorpusEntry } from './stages.js';

const MAIL_UID = 5000;
const MAIL_GID = 5000;
export const PERIOD = { start: new Date('2026-07-01T00:00:00+07:00'), end: new Date('2026-10-01T00:00:00+07:00') };

export interface Corpus {
  dir: string;
  entries: CorpusEntry[];
  /** Seconds spent generating it in this run; null when it came from the cache. */
  generatedS: number | null;
  bytes: number;
}

export interface GeneratedMail {
  raw: Buffer;
  folder: 'INBOX' | 'Sent';
  internalDate: Date;
  attachments: boolean;
}

/**
 * A corpus cached under .tmp/bench/corpus/<name>-<key>/ where key hashes `keyParts` and the compiled
 * generator files (so a changed generator makes a new corpus); generated when missing or `fresh`.
 */
async function cachedCorpus(name: string, keyParts: unknown[], generatorFiles: string[], fresh: boolean, total: number, generate: () => AsyncIterable<GeneratedMail>): Promise<Corpus> {
  const gen = createHash('sha256');
  for (const f of generatorFiles) gen.update(await readFile(path.join(ROOT, 'dist', f)));
  const key = createHash('sha256').update(JSON.stringify([...keyParts, gen.digest('hex')])).digest('hex').slice(0, 16);
  const dir = path.join(ROOT, '.tmp', 'bench', 'corpus', `${name}-${key}`);
  const manifest = path.join(dir, 'manifest.json');
  const withBytes = (c: Omit<Corpus, 'bytes'>): Corpus => ({ ...c, bytes: c.entries.reduce((s, e) => s + e.size, 0) });
  if (!fresh && existsSync(manifest)) {
    say(`corpus: reusing ${path.relative(ROOT, dir)}`);
    return withBytes({ dir, entries: JSON.parse(await readFile(manifest, 'utf8')) as CorpusEntry[], generatedS: null });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const t0 = Date.now();
  const entries: CorpusEntry[] = [];
  const every = Math.max(1, Math.min(500, Math.round(total / 10)));
  for await (const m of generate()) {
    const file = `${String(entries.length + 1).padStart(6, '0')}.eml`;
    await writeFile(path.join(tmp, file), m.raw);
    entries.push({ file, folder: m.folder, internalDate: m.internalDate.toISOString(), size: m.raw.length, attachments: m.attachments });
    if (entries.length % every === 0) say(`corpus ${name}: ${entries.length}/${total}`);
  }
  await writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(entries));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return withBytes({ dir, entries, generatedS: (Date.now() - t0) / 1000 });
}

/** The main corpus: the demo's generator, N messages of one monitored agency, period 2026-Q3. */
export async function mainCorpus(o: { count: number; seed: number; agency: string; freshCorpus: boolean }): Promise<Corpus> {
  const agencies = loadSampleAgencies();
  if (!agencies.some((a) => a.code === o.agency)) throw new BenchError(`--agency ${o.agency} is not in config/agencies.yaml`);
  const files = ['corpus.js', 'documents.js', 'vocabulary.js'].map((f) => path.join('src', 'demo', f));
  // The name and key of the corpora cached before the sync section existed, so they stay valid.
  return cachedCorpus(String(o.count), [o.count, o.seed, o.agency, PERIOD.start.toISOString()], files, o.freshCorpus, o.count, async function* () {
    say(`corpus: generating ${o.count} messages for ${o.agency} (seed ${o.seed}) ...`);
    for await (const m of generateCorpus({ count: o.count, seed: o.seed, period: PERIOD, agencies, monitored: [o.agency] })) {
      if (m.mailbox !== o.agency) throw new BenchError(`generator delivered to ${m.mailbox}, not the one monitored agency ${o.agency}`);
      yield { raw: m.raw, folder: m.folder, internalDate: m.internalDate, attachments: m.truth.digitization !== 'none' };
    }
  });
}

/** The large-attachment corpus: `count` messages, each carrying one scanned PDF of about `attachmentMb` MB. */
export async function largeCorpus(o: { largeCount: number; largeMb: number; seed: number; agency: string; freshCorpus: boolean }): Promise<Corpus> {
  const agencies = loadSampleAgencies();
  const files = [path.join('bench', 'large-mail.js'), path.join('src', 'demo', 'documents.js')];
  return cachedCorpus(`large-${o.largeCount}x${o.largeMb}MB`, [o.largeCount, o.largeMb, o.seed, o.agency, PERIOD.start.toISOString()], files, o.freshCorpus, o.largeCount, async function* () {
    say(`corpus: generating ${o.largeCount} messages with a ~${o.largeMb} MB scanned PDF each (300 dpi JPEG pages; about 20 s per message) ...`);
    yield* generateLargeMail({ count: o.largeCount, attachmentBytes: o.largeMb * 1e6, seed: o.seed, agency: o.agency, agencies, period: PERIOD });
  });
}

export function describeCorpus(c: Corpus): string {
  const n = c.entries.length;
  const withAtt = c.entries.filter((e) => e.attachments).length;
  const largest = Math.max(...c.entries.map((e) => e.size));
  return `${n} message${n === 1 ? '' : 's'}, ${(c.bytes / 1e6).toFixed(1)} MB, ${(c.bytes / n / 1000).toFixed(1)} kB average (largest ${(largest / 1e6).toFixed(1)} MB), ${((100 * withAtt) / n).toFixed(0)}% with attachments, ${c.entries.filter((e) => e.folder === 'Sent').length} in Sent`;
}

/** Writes the corpus straight into the user's maildir (INBOX and .Sent), mtime = INTERNALDATE. */
async function deliver(corpus: Corpus, maildir: string): Promise<void> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const stamp = Math.floor(Date.now() / 1000);
  for (const [i, e] of corpus.entries.entries()) {
    const folder = e.folder === 'Sent' ? path.join(maildir, '.Sent') : maildir;
    const target = path.join(folder, 'new', `${stamp}.M${i}P${process.pid}.edocwatch-bench`);
    await copyFile(path.join(corpus.dir, e.file), target);
    const when = new Date(e.internalDate);
    await utimes(target, when, when);
    if (root) await chown(target, MAIL_UID, MAIL_GID);
  }
}

/** SELECT each folder and fetch sizes once, so Dovecot's first indexing is charged to no contender. */
async function warmUp(user: string, pass: string, port: number): Promise<Record<string, number>> {
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false, disableAutoIdle: true });
  c.on('error', () => undefined);
  await c.connect();
  const exists: Record<string, number> = {};
  try {
    for (const folder of ['INBOX', 'Sent']) {
      const box = await c.mailboxOpen(folder);
      exists[folder] = box.exists;
      if (box.exists > 0) for await (const m of c.fetch('1:*', { uid: true, size: true, internalDate: true })) void m;
    }
  } finally {
    await c.logout().catch(() => c.close());
  }
  return exists;
}

export interface ImapAccount {
  host: string;
  port: number;
  user: string;
  pass: string;
}

export interface DeliveredMailbox extends ImapAccount {
  maildir: string;
  deliverS: number;
  warmUpS: number;
}

/** A fresh Dovecot user `user` (random password) holding exactly the corpus, warmed up. */
export async function deliverMailbox(corpus: Corpus, user: string): Promise<DeliveredMailbox> {
  const dd = devDovecot();
  const pass = randomBytes(12).toString('base64url');
  await ensureImapUser(user, pass, { reset: true });
  const maildir = path.join(dd.dir, 'mail', user, 'Maildir');
  let t0 = Date.now();
  await deliver(corpus, maildir);
  const deliverS = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const exists = await warmUp(user, pass, dd.port);
  const warmUpS = (Date.now() - t0) / 1000;
  const n = corpus.entries.length;
  if ((exists['INBOX'] ?? 0) + (exists['Sent'] ?? 0) !== n) throw new BenchError(`Dovecot sees ${JSON.stringify(exists)} for ${user} after delivery, expected ${n} in all`);
  say(`dovecot: ${n} messages delivered into ${maildir} in ${deliverS.toFixed(1)} s, first SELECT + sizes ${warmUpS.toFixed(1)} s`);
  return { host: dd.host, port: dd.port, user, pass, maildir, deliverS, warmUpS };
}

/** sha256 of every corpus message: what a contender must have stored, byte for byte. */
export async function corpusHashes(c: Corpus): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of c.entries) out.add(createHash('sha256').update(await readFile(path.join(c.dir, e.file))).digest('hex'));
  return out;
}
