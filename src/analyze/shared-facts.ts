// Facts of attachments shared between processes. A document is mailed many times (the sender's
// Sent, every recipient's INBOX, resent, forwarded) and analysis runs in several processes on
// several hosts, each with its own in-process cache (src/analyze/attachment.ts): without sharing,
// every process reads every document again (PDF text layers, office text, signatures), and
// `reanalyze` reads them all again after a rule change. The analysis asks a SharedFacts for the
// facts of a message's larger attachments once it has parsed the mail, and hands it the facts it
// had to read; where they are kept (Postgres, src/db/attachment-facts.ts) is the caller's business.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttachmentFacts } from '../domain/types.js';

/** Attachments smaller than this are read again rather than looked up (a round trip costs more). */
export const SHARED_FACTS_MIN_BYTES = 16 * 1024;

export interface SharedFacts {
  /** The facts known for these keys (src/analyze/attachment.ts sharedFactsKey); absent keys are unknown. */
  get(keys: string[]): Promise<Map<string, AttachmentFacts>>;
  /** Facts this analysis read, to be kept once its results are stored (no I/O here). */
  put(key: string, facts: AttachmentFacts): void;
}

/**
 * What the facts of a file depend on besides its bytes and settings: the code that reads files and
 * the libraries it uses. The hash of every file of the analysis code (this directory), of the domain
 * code the file readers use (legacy Vietnamese encodings, the fact types) and of the dependency lock
 * files (the repository's and npm's own in node_modules). Facts kept under
 * another fingerprint are never used: an upgrade reads documents again instead of trusting what an
 * older reader made of them. Pure of the caller; reads the files once per process.
 */
export function analysisFingerprint(dirs: string[] = defaultDirs(), extra: string[] = defaultExtra()): string {
  const key = JSON.stringify([dirs, extra]);
  const cached = fingerprints.get(key);
  if (cached) return cached;
  const h = createHash('sha256');
  const files: string[] = [];
  for (const d of dirs) walk(d, files);
  for (const f of extra) files.push(f);
  for (const f of files.sort()) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch {
      continue; // a lock file absent from an installed copy: the rest still tells versions apart
    }
    h.update(path.basename(f)).update('\0').update(bytes).update('\0');
  }
  const out = h.digest('hex').slice(0, 16);
  fingerprints.set(key, out);
  return out;
}

const fingerprints = new Map<string, string>();

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const f = path.join(dir, name);
    if (statSync(f).isDirectory()) walk(f, out);
    else if (/\.(js|ts|mjs|cjs|json)$/.test(name) && !name.endsWith('.map') && !name.endsWith('.d.ts')) out.push(f);
  }
}

function defaultDirs(): string[] {
  return [path.dirname(fileURLToPath(import.meta.url))];
}

function defaultExtra(): string[] {
  // src/analyze → the repository root, from src/ (tests) and from dist/src/ (the built code).
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.basename(path.resolve(here, '..', '..')) === 'dist' ? path.resolve(here, '..', '..', '..') : path.resolve(here, '..', '..');
  const domain = path.join(here, '..', 'domain');
  // .ts under vitest, .js once built: whichever is there.
  const used = ['vn-legacy', 'types'].flatMap((m) => [path.join(domain, `${m}.ts`), path.join(domain, `${m}.js`)]);
  // The lock file, and npm's record of what node_modules holds (present where the repository's
  // lock file was not copied, as in a container image).
  return [...used, path.join(root, 'package-lock.json'), path.join(root, 'node_modules', '.package-lock.json')];
}
