// Looking inside containers: archives (ZIP, RAR, tar, gzip), forwarded mail (message/rfc822),
// Outlook's winmail.dat (TNEF) and enveloping signatures (.p7m). Each entry is analyzed like an
// attachment (by the caller's inspectAttachment, so a ZIP in a ZIP is opened again; a detached
// .p7s entry is checked against the entry it signs) within limits shared by the whole tree of
// one attachment: nesting depth, entries, uncompressed bytes, and the compression ratio of each
// entry. A limit hit is recorded, never unpacked: the declared sizes are checked first, then every
// entry is read through a byte counter that stops at the cap whatever the archive declared, so
// memory stays bounded by the limits. Never throws. No I/O.

import type { AttachmentFacts, AttachmentKind, Digitization } from '../domain/types.js';
import { baseName } from './entry-names.js';
import { CapExceeded, type CapLimit, type ContainerReader, type ListedEntry, type Listing } from './readers/reader.js';
import { gzipReader, tarReader } from './readers/tar.js';
import { rarReader } from './readers/rar.js';
import { rfc822Reader } from './readers/rfc822.js';
import { tnefReader } from './readers/tnef.js';
import { cmsReader } from './readers/cms.js';
import { cmsSignatures } from './signatures/cms.js';
import { pairDetached } from './signatures/detached.js';
import { NO_ANCHORS, type TrustAnchors } from './signatures/trust.js';
import { zipReader } from './readers/zip.js';

/** Limits on looking inside containers, shared by everything one attachment holds. */
export interface ArchiveLimits {
  /** Containers nested deeper than this are not opened (a mail's own attachment is depth 1). */
  maxDepth: number;
  /** Entries examined in all (files, not folders); the rest are not listed. */
  maxEntries: number;
  /** Uncompressed bytes unpacked in all. */
  maxTotalBytes: number;
  /** An entry that expands more than this many times its compressed size is not unpacked. */
  maxRatio: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxDepth: 5,
  maxEntries: 1000,
  maxTotalBytes: 200 * 1024 * 1024,
  maxRatio: 100,
};

/**
 * Below this many uncompressed bytes an entry is never called a bomb for its ratio alone: a blank
 * page or a short repetitive text compresses more than 100:1 honestly. (Apache POI's zip-bomb
 * guard has the same grace idea.)
 */
export const RATIO_GRACE_BYTES = 1024 * 1024;

/** The part of AttachmentLimits the walker reads (a type only: no import cycle with attachment.ts). */
export interface WalkLimits {
  maxBytes: number;
  maxTextChars: number;
  timeoutMs: number;
  archive?: ArchiveLimits;
  anchors?: TrustAnchors;
}

/** Where a container sits in the tree of one attachment, and what is left of the shared budget. */
export interface ContainerScope {
  /** Depth of the container being opened: 1 for a mail's own attachment. */
  depth: number;
  budget: { entries: number; bytes: number };
}

/** What the walker needs from attachment.ts. */
export interface WalkHooks<L extends WalkLimits> {
  /** The scope this container was found in; undefined for a mail's own attachment. */
  scope: ContainerScope | undefined;
  /** Milliseconds left of the attachment's time (≤ 0: stop). */
  remainingMs(): number;
  /** inspectAttachment, for each entry. */
  inspect(content: Buffer, meta: { filename: string | null; declaredType: string | null }, limits: L, scope: ContainerScope): Promise<AttachmentFacts>;
}

// ---------------------------------------------------------------------------------------------
// Formats

const FORMAT_BY_TYPE: Record<string, string> = {
  'application/zip': 'zip',
  'application/x-rar-compressed': 'rar',
  'application/vnd.rar': 'rar',
  'application/x-7z-compressed': '7z',
  'application/gzip': 'gzip',
  'application/x-tar': 'tar',
  'application/x-bzip2': 'bzip2',
  'application/x-xz': 'xz',
  'application/zstd': 'zstd',
  'application/x-lzip': 'lzip',
  'application/x-lzh-compressed': 'lzh',
  'application/x-arj': 'arj',
  'application/vnd.ms-cab-compressed': 'cab',
  'message/rfc822': 'rfc822',
  'application/vnd.ms-tnef': 'tnef',
  // An enveloping signature (.p7m, S/MIME signed-data): the signed file inside (readers/cms.ts).
  'application/pkcs7-mime': 'cms',
};

/** Formats whose entries are read; the others are recorded `unsupported:<format>`. */
const READABLE = new Set(['zip', 'rar', 'gzip', 'tar', 'rfc822', 'tnef', 'cms']);

/** The container format of a sniffed type, or null when it is not a container. */
export function containerFormat(sniffedType: string): string | null {
  return FORMAT_BY_TYPE[sniffedType] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Readers: one per format, all with the shape of readers/reader.ts.

export { CapExceeded, type CapLimit, type ContainerReader, type ListedEntry, type Listing };

function readerFor(format: string, content: Buffer, filename: string | null): ContainerReader<ListedEntry> | null {
  switch (format) {
    case 'zip':
      return zipReader(content);
    case 'rar':
      return rarReader(content);
    case 'tar':
      return tarReader(content);
    case 'gzip':
      return gzipReader(content, filename);
    case 'rfc822':
      return rfc822Reader(content);
    case 'tnef':
      return tnefReader(content);
    case 'cms':
      return cmsReader(content, filename);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The walk

function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Facts of an entry that was listed but not unpacked. */
function unreadEntry(entry: ListedEntry, problem: string): AttachmentFacts {
  return {
    filename: baseName(entry.path) || null,
    declaredType: entry.declaredType,
    sniffedType: 'application/octet-stream',
    size: entry.declaredSize ?? 0,
    sha256: '',
    kind: 'other',
    digitization: 'none',
    encoding: null,
    pages: null,
    textPages: null,
    text: '',
    problem,
    path: entry.path,
  };
}

/** Whether a limit found inside an entry is also the container's problem. */
function propagates(problem: string | null): problem is string {
  return problem !== null && (problem.startsWith('over_limit:') || problem === 'encrypted');
}

const DOCUMENT_KINDS: ReadonlySet<AttachmentKind> = new Set<AttachmentKind>(['pdf', 'image', 'office']);

/**
 * A container's digitization from what it holds, by the rule of the labels: born-digital when
 * every document in it is, scanned when every one is, mixed otherwise, none without documents.
 * Nested containers count by their own summary.
 */
export function containedDigitization(children: AttachmentFacts[]): Digitization {
  const values = children
    .filter((c) => (DOCUMENT_KINDS.has(c.kind) || c.children !== undefined) && c.digitization !== 'none')
    .map((c) => c.digitization);
  if (values.length === 0) return 'none';
  if (values.every((v) => v === 'born_digital')) return 'born_digital';
  if (values.every((v) => v === 'scanned')) return 'scanned';
  return 'mixed';
}

/**
 * Opens a container whose type is already in `facts` and fills `children`, `container`,
 * `digitization`, `text` (its own, for forwarded mail and TNEF) and `problem`. Never throws.
 */
export async function inspectContainer<L extends WalkLimits>(content: Buffer, facts: AttachmentFacts, limits: L, hooks: WalkHooks<L>): Promise<void> {
  const format = containerFormat(facts.sniffedType);
  if (!format) return;
  const archive = limits.archive ?? DEFAULT_ARCHIVE_LIMITS;
  const scope: ContainerScope = hooks.scope ?? { depth: 1, budget: { entries: archive.maxEntries, bytes: archive.maxTotalBytes } };
  const children: AttachmentFacts[] = [];
  facts.children = children;
  facts.container = { format, entries: null, unpackedBytes: 0 };
  const setProblem = (p: string) => {
    facts.problem ??= p;
  };

  if (!READABLE.has(format)) return setProblem(`unsupported:${format}`);
  if (scope.depth > archive.maxDepth) return setProblem('over_limit:depth');
  const reader = readerFor(format, content, facts.filename);
  if (!reader) return setProblem(`unsupported:${format}`);

  let listing: Listing<ListedEntry>;
  try {
    listing = await reader.list(Math.max(0, scope.budget.entries) + 1);
  } catch (err) {
    return setProblem(`unreadable:${format}: ${errorText(err)}`);
  }
  facts.container.entries = listing.total;
  if (listing.text) facts.text = listing.text.normalize('NFC').slice(0, limits.maxTextChars);
  if (listing.problem) setProblem(listing.problem);

  // Plan from the declared sizes: what is refused is never unpacked.
  type Plan = { entry: ListedEntry; refused: string | null; cap: number };
  const plans: Plan[] = [];
  let plannedBytes = 0;
  for (const entry of listing.entries) {
    if (scope.budget.entries <= 0) {
      setProblem('over_limit:entries');
      break;
    }
    scope.budget.entries--;
    const declared = entry.declaredSize;
    let refused: string | null = null;
    if (entry.encrypted) refused = 'encrypted';
    else if (entry.unreadable) refused = entry.unreadable;
    // The ratio first: a bomb is better called a bomb than merely too large.
    else if (declared !== null && entry.compressedSize !== null && declared > RATIO_GRACE_BYTES && declared > entry.compressedSize * archive.maxRatio)
      refused = 'over_limit:ratio';
    else if (declared !== null && declared > limits.maxBytes) refused = 'over_limit:size';
    else if (declared !== null && plannedBytes + declared > scope.budget.bytes) refused = 'over_limit:total';
    if (!refused && declared !== null) plannedBytes += declared;
    plans.push({ entry, refused, cap: Math.min(limits.maxBytes, scope.budget.bytes) });
  }
  if (listing.total !== null && listing.total > plans.length && scope.budget.entries <= 0) setProblem('over_limit:entries');

  const selected = plans.filter((p) => !p.refused);
  if (reader.prepare && selected.length > 0) {
    try {
      await reader.prepare(
        selected.map((p) => ({ entry: p.entry, cap: p.cap })),
        scope.budget.bytes,
      );
    } catch (err) {
      return setProblem(`unreadable:${format}: ${errorText(err)}`);
    }
  }

  // Detached signatures (x.pdf.p7s) and the entries they sign: both kept to check them together.
  const pairs = pairDetached(plans.map((p) => p.entry.path));
  const paired = new Set([...pairs.keys(), ...pairs.values()]);
  const kept = new Map<number, { bytes: Buffer; child: AttachmentFacts }>();

  for (const [index, plan] of plans.entries()) {
    if (hooks.remainingMs() <= 0) {
      setProblem('timeout');
      break;
    }
    const { entry } = plan;
    if (plan.refused) {
      children.push(unreadEntry(entry, plan.refused));
      if (propagates(plan.refused)) setProblem(plan.refused);
      continue;
    }
    // The cap at read time: the budget may have shrunk since (nested containers use it too).
    const ratioCap = entry.compressedSize !== null ? Math.max(RATIO_GRACE_BYTES, entry.compressedSize * archive.maxRatio) : Infinity;
    const caps: Array<[CapLimit, number]> = [
      ['size', limits.maxBytes],
      ['total', scope.budget.bytes],
      ['ratio', ratioCap],
    ];
    const [limitName, limitCap] = caps.reduce((a, b) => (b[1] < a[1] ? b : a));
    if (entry.declaredSize !== null && entry.declaredSize > limitCap) {
      const problem = `over_limit:${limitName}`;
      children.push(unreadEntry(entry, problem));
      setProblem(problem);
      continue;
    }
    // Never more than the entry said it holds, either.
    const [capName, cap]: [CapLimit, number] = entry.declaredSize !== null && entry.declaredSize < limitCap ? ['declared_size', entry.declaredSize] : [limitName, limitCap];
    let bytes: Buffer;
    try {
      bytes = await reader.read(entry, cap);
      if (entry.declaredSize !== null && bytes.length !== entry.declaredSize) throw new Error(`${bytes.length} bytes where ${entry.declaredSize} were declared`);
    } catch (err) {
      const problem = err instanceof CapExceeded ? `over_limit:${err.limit ?? capName}` : `unreadable:${format}: ${errorText(err)}`;
      children.push(unreadEntry(entry, problem));
      if (propagates(problem)) setProblem(problem);
      continue;
    }
    scope.budget.bytes -= bytes.length;
    facts.container.unpackedBytes += bytes.length;
    const child = await hooks.inspect(
      bytes,
      { filename: baseName(entry.path) || null, declaredType: entry.declaredType },
      { ...limits, timeoutMs: Math.max(1, hooks.remainingMs()) },
      { depth: scope.depth + 1, budget: scope.budget },
    );
    child.path = entry.path;
    children.push(child);
    if (paired.has(index)) kept.set(index, { bytes, child });
    if (propagates(child.problem)) setProblem(child.problem);
  }
  for (const [sig, file] of pairs) {
    const s = kept.get(sig);
    const f = kept.get(file);
    if (s && f && s.child.kind === 'signature' && s.child.sniffedType === 'application/pkcs7-signature') {
      s.child.signatures = cmsSignatures(s.bytes, { chunks: [f.bytes] }, limits.anchors ?? NO_ANCHORS, { kind: 'cms', format: 'detached', covers: f.child.path ?? null });
    }
  }
  facts.digitization = containedDigitization(children);
}

// ---------------------------------------------------------------------------------------------
// For the message: everything a container holds, flattened.

export interface ContainedFacts {
  facts: AttachmentFacts;
  /** Path from the mail's attachment down: `ho-so.zip/van-ban/cong-van.pdf`. */
  path: string;
  /** The same without the attachment's name: `van-ban/cong-van.pdf`. */
  inner: string;
}

/** Every entry inside an attachment, depth first, with its full path; the attachment itself excluded. */
export function containedEntries(attachment: AttachmentFacts): ContainedFacts[] {
  const out: ContainedFacts[] = [];
  const walk = (node: AttachmentFacts, prefix: string) => {
    for (const child of node.children ?? []) {
      const inner = `${prefix}${child.path ?? child.filename ?? ''}`;
      out.push({ facts: child, path: `${attachment.filename ?? '(không tên)'}/${inner}`, inner });
      walk(child, `${inner}/`);
    }
  };
  walk(attachment, '');
  return out;
}
