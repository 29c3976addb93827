// Raw bytes + directory → the facts of one message: what `edocwatch inspect` prints and what the
// analyze job writes. No database, no network: the directory and limits are passed in.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { cachedAttachmentFacts, inspectAttachment, seedAttachmentFacts, sharedFactsKey, DEFAULT_ATTACHMENT_LIMITS, type AttachmentLimits } from './attachment.js';
import type { SharedFacts } from './shared-facts.js';
import { checkStructure, isMalformed } from './structure.js';
import { containedEntries } from './container.js';
import { isReplySubject, splitQuoted } from './quoting.js';
import { decodeUtf7, declaresUtf7Text, subjectWithUtf7 } from './utf7.js';
import { encodingEvidence, messageEncoding, repairBody, repairSubject } from './legacy-text.js';
import { collectParties } from '../domain/parties.js';
import { directionOf } from '../domain/flow.js';
import { isMachineGenerated, labelExchange, relabelForReceiver, SIGNATURE_STATUS_VI } from '../domain/labels.js';
import { localYear, messageDate } from '../domain/period.js';
import { documentYear, splitRefs } from '../domain/refs.js';
import { threadLinks } from '../domain/thread.js';
import { edxmlDocRef, edxmlDocumentEvidence, edxmlParties } from './edxml.js';
import type {
  AttachmentFacts,
  DirectoryIndex,
  DocRef,
  Direction,
  Evidence,
  Labels,
  LegacyEncoding,
  Party,
  SignatureFacts,
} from '../domain/types.js';
import { messageSignatures } from './signatures/smime.js';
import { pairDetached } from './signatures/detached.js';
import { cmsSignatures } from './signatures/cms.js';
import { NO_ANCHORS } from './signatures/trust.js';

export interface AnalyzeContext {
  directory: DirectoryIndex;
  /** The monitored agency (the mailbox's); null lets `inspect` guess from From, then To. */
  monitored: string | null;
  internalDate: Date | null;
  /** When the message was fetched: last resort for its period. */
  receivedAt: Date;
  freeMailDomains?: string[];
  limits?: AttachmentLimits;
  /** Facts of attachments read by other processes or earlier runs (src/analyze/shared-facts.ts). */
  sharedFacts?: SharedFacts;
}

/**
 * `attachment:N:ocr`: found in the OCR text of attachment N; `attachment:N:edxml`: stated by its edXML
 * envelope; `attachment:0/ho-so/cong-van.docx`: found in an entry inside attachment 0 (an archive, a
 * forwarded mail).
 */
export type RefSource =
  | 'subject'
  | 'body'
  | `attachment:${number}`
  | `attachment:${number}:ocr`
  | `attachment:${number}:edxml`
  | `attachment:${number}/${string}`;
export interface FoundRef extends DocRef {
  role: 'transmitted' | 'cited';
  source: RefSource;
  /**
   * With `ref`, the document's identity (numbers restart every year): its own year, else its issue
   * date's, else the mail's (src/domain/refs.ts documentYear).
   */
  docYear: number;
}

export interface AnalyzedAttachment extends AttachmentFacts {
  /** Its digital signatures, checked (src/analyze/signatures/); empty when it has none. */
  signatures: SignatureFacts[];
  /** Index of the attachment that carries this one (a file of an edXML package); absent for the mail's own. */
  carriedBy?: number;
}

export interface PlannedExchange {
  /**
   * With a document: from (document ref, its year, sender party, receiver party), the same for
   * every mail that carries the document from that sender to that receiver; without one: from the
   * mail (Message-ID, else content hash) and the receiver party.
   */
  key: string;
  documentRef: string | null;
  /** The document's year (its identity with `documentRef`); null without a document. */
  documentYear: number | null;
  /** The mail (normalized Message-ID, else `sha:` and its hash): names the sighting in the merged evidence. */
  mailKey: string;
  sender: Party;
  receiver: Party;
  labels: Labels;
  evidence: Evidence[];
}

export interface MessageAnalysis {
  message: {
    messageId: string | null;
    subject: string;
    date: string;
    headerDate: string | null;
    internalDate: string | null;
    from: string | null;
    to: string[];
    cc: string[];
    size: number;
    sha256: string;
    monitoredAgency: string | null;
    direction: Direction | null;
    threadKey: string;
    /** Message-IDs tying it to its thread: its own, In-Reply-To, References (normalized, distinct). */
    threadLinks: string[];
    state: 'analyzed' | 'skipped' | 'malformed';
    problems: string[];
    machineGenerated: string | null;
    /** Legacy Vietnamese encoding (TCVN3, VNI, windows-1258) the body or subject was converted from. */
    encoding: LegacyEncoding | null;
    /** The start of the body text, decoded to Unicode NFC (for people reading the analysis). */
    textPreview: string;
    /**
     * Signatures of the message itself: S/MIME multipart/signed (checked over the raw bytes of its
     * first part), S/MIME signed-data, OpenPGP multipart/signed (unverified). The smime.p7s/.p7m
     * attachment that carries one has the same entries in its `signatures`.
     */
    signatures: SignatureFacts[];
  };
  parties: Party[];
  attachments: AnalyzedAttachment[];
  refs: FoundRef[];
  labels: Labels;
  evidence: Evidence[];
  exchanges: PlannedExchange[];
}

const MAX_BODY_CHARS = 500_000;

function addrs(a: AddressObject | AddressObject[] | undefined): Array<{ address: string; name: string | null }> {
  if (!a) return [];
  const list = Array.isArray(a) ? a : [a];
  const out: Array<{ address: string; name: string | null }> = [];
  const walk = (vs: AddressObject['value']) => {
    for (const v of vs) {
      if (v.group) walk(v.group);
      else if (v.address) out.push({ address: v.address.toLowerCase(), name: v.name || null });
    }
  };
  for (const x of list) walk(x.value);
  return out;
}

function headerText(parsed: ParsedMail, name: string): string | undefined {
  const v = parsed.headers.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && 'value' in v) {
    const params = 'params' in v && v.params ? Object.entries(v.params).map(([k, p]) => `; ${k}=${String(p)}`).join('') : '';
    return `${String((v as { value: unknown }).value)}${params}`;
  }
  return String(v);
}

function normalizeMessageId(id: string | undefined | null): string | null {
  const t = id?.trim().replace(/^<|>$/g, '');
  return t ? t.toLowerCase() : null;
}

function hashKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
}

function partyKey(p: Party): string {
  return p.agencyCode ? `agency:${p.agencyCode}` : `addr:${p.address}`;
}

/** The monitored side when none is given: the first directory agency among From, then To. */
function guessMonitored(parties: Party[]): string | null {
  const from = parties.find((p) => p.roles.includes('from') && p.agencyCode);
  if (from?.agencyCode) return from.agencyCode;
  const to = parties.find((p) => p.roles.includes('to') && p.agencyCode);
  return to?.agencyCode ?? null;
}

// The same attachment text comes back with every mail that carries the document (the facts cache
// of attachment.ts hands back the same text): its references are remembered by text, within bounds.
const REFS_MEMO_MIN_CHARS = 2_000;
const REFS_MEMO_MAX_ENTRIES = 256;
const REFS_MEMO_MAX_CHARS = 4_000_000;
const refsMemo = new Map<string, ReturnType<typeof splitRefs>>();
let refsMemoChars = 0;

/** splitRefs of an attachment's text, NFC-normalized first; remembered for long texts. */
function refsOfText(text: string): ReturnType<typeof splitRefs> {
  if (text.length < REFS_MEMO_MIN_CHARS) return splitRefs(text.normalize('NFC'));
  const hit = refsMemo.get(text);
  if (hit) {
    refsMemo.delete(text); // re-inserted last: least recently used goes first
    refsMemo.set(text, hit);
    return hit;
  }
  const split = splitRefs(text.normalize('NFC'));
  // Shared by every mail that carries the text: read-only from here on.
  for (const r of [...split.transmitted, ...split.cited]) Object.freeze(Object.freeze(r).span);
  refsMemo.set(text, split);
  refsMemoChars += text.length;
  for (const k of refsMemo.keys()) {
    if (refsMemo.size <= REFS_MEMO_MAX_ENTRIES && refsMemoChars <= REFS_MEMO_MAX_CHARS) break;
    refsMemo.delete(k);
    refsMemoChars -= k.length;
  }
  return split;
}

function dedupeRefs(found: FoundRef[]): FoundRef[] {
  const seen = new Map<string, FoundRef>();
  const dated = new Set<string>();
  for (const r of found) {
    const prev = seen.get(r.ref);
    if (!prev) {
      seen.set(r.ref, r);
      if (r.date !== null) dated.add(r.ref);
      continue;
    }
    // A document cited somewhere and transmitted elsewhere is transmitted.
    let next = prev.role === 'cited' && r.role === 'transmitted' ? { ...prev, role: 'transmitted' as const } : prev;
    // Its year is that of the first issue date stated anywhere (the subject rarely states one).
    if (prev.year === null && !dated.has(r.ref) && r.date !== null) {
      next = { ...next, docYear: r.docYear };
      dated.add(r.ref);
    }
    if (next !== prev) seen.set(r.ref, next);
  }
  return [...seen.values()];
}

/**
 * mailparser options of every analysis (the benchmark's bare mailparser uses the same). Each
 * attachment's checksum is its sha256 (not mailparser's default md5): the analysis keys attachments
 * by sha256, so the hash mailparser computes while decoding is the one used, not computed again.
 */
export const PARSE_OPTIONS = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, maxHtmlLengthToParse: 2_000_000, checksumAlgo: 'sha256' } as const;
/** What is kept of each header line of a message that broke the parser's limits. */
const DEGRADED_LINE_BYTES = 16 * 1024;
const DEGRADED_HEAD_BYTES = 256 * 1024;

/**
 * mailparser refuses a message with more than 1,000 MIME parts or a header block over 1 MiB (its
 * splitter's limits, error code EMAXLEN). Such a message is recorded, not dropped: it is marked
 * malformed with the limit it hit, and analyzed from its top-level header lines alone, each cut to
 * 16 kB, so its parties, date and subject still count.
 */
async function parseWithinLimits(raw: Buffer, problems: string[]): Promise<ParsedMail> {
  try {
    return await simpleParser(raw, PARSE_OPTIONS);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== 'EMAXLEN') throw err;
    problems.push(/child nodes/i.test(e.message ?? '') ? 'limit:mime_parts' : 'limit:header_bytes');
    return simpleParser(degradedHeaders(raw), PARSE_OPTIONS);
  }
}

/** The top-level header lines, each at most DEGRADED_LINE_BYTES, then an empty body. Pure. */
export function degradedHeaders(raw: Buffer): Buffer {
  const head = raw.subarray(0, Math.min(raw.length, 8 * 1024 * 1024));
  let end = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  if (end < 0 || (lf >= 0 && lf < end)) end = lf;
  const block = (end < 0 ? head : head.subarray(0, end)).toString('latin1');
  const out: string[] = [];
  let size = 0;
  for (const line of block.split(/\r?\n/)) {
    const cut = line.length > DEGRADED_LINE_BYTES ? line.slice(0, DEGRADED_LINE_BYTES) : line;
    // Content-Type would make the parser look for the parts that broke it.
    if (/^content-(type|transfer-encoding)\s*:/i.test(cut)) continue;
    if (size + cut.length > DEGRADED_HEAD_BYTES) break;
    out.push(cut);
    size += cut.length + 2;
  }
  return Buffer.from(`${out.join('\r\n')}\r\n\r\n`, 'latin1');
}

export async function analyzeMessage(raw: Buffer, ctx: AnalyzeContext): Promise<MessageAnalysis> {
  const structure = checkStructure(raw);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const problems = [...structure.problems];
  const parsed = await parseWithinLimits(raw, problems);

  const headerDate = parsed.date instanceof Date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null;
  const date = messageDate(headerDate, ctx.internalDate, ctx.receivedAt);
  const rawSubject = parsed.headerLines.find((h) => h.key === 'subject')?.line.replace(/^subject:\s*/i, '') ?? null;
  const subjectText = repairSubject(raw, subjectWithUtf7(rawSubject, parsed.subject ?? ''));
  const subject = subjectText.text;
  const from = addrs(parsed.from);
  const to = addrs(parsed.to);
  const cc = addrs(parsed.cc);
  const bcc = addrs(parsed.bcc);
  const replyTo = addrs(parsed.replyTo);
  const senderHeader = parsed.headers.get('sender') as AddressObject | undefined;
  const partyOpts = ctx.freeMailDomains ? { freeMailDomains: ctx.freeMailDomains } : undefined;
  const parties = collectParties(
    { from, to, cc, bcc, replyTo, sender: addrs(senderHeader) },
    ctx.directory,
    date,
    partyOpts,
  );
  const monitored = ctx.monitored ?? guessMonitored(parties);

  // Attachments: every part mailparser exposes as one, read from its bytes.
  const limits = ctx.limits ?? DEFAULT_ATTACHMENT_LIMITS;
  const attachments: AnalyzedAttachment[] = [];
  const anchors = limits.anchors ?? NO_ANCHORS;
  // The message's own S/MIME signatures, from its raw bytes (mailparser normalizes the signed part).
  const ownSignatures = messageSignatures(raw, anchors);
  const bySignaturePart = new Map(ownSignatures.map((m) => [m.partSha256, m.signatures]));
  // Detached .p7s attachments and the attachments they sign, checked together.
  const pairs = pairDetached(parsed.attachments.map((a) => a.filename ?? null));
  // Inline images referenced from the HTML body (logos in signatures, "image001.png") are not
  // documents: they are kept as attachments but never make a mail "scanned".
  const inline: boolean[] = [];
  // Larger attachments' facts are asked of the shared store first, in one call for the message;
  // what this analysis has to read is handed back to it.
  const sharedKeys = ctx.sharedFacts
    ? parsed.attachments.map((a) => sharedFactsKey(a.content, { filename: a.filename ?? null, declaredType: a.contentType ?? null, sha256: a.checksum }, limits))
    : [];
  const unknown = new Set(sharedKeys.filter((k): k is string => k !== null && cachedAttachmentFacts(k) === undefined));
  if (ctx.sharedFacts && unknown.size > 0) {
    for (const [k, f] of await ctx.sharedFacts.get([...unknown])) {
      seedAttachmentFacts(k, f);
      unknown.delete(k);
    }
  }
  for (const [index, a] of parsed.attachments.entries()) {
    inline.push(Boolean(a.related) && /^image\//i.test(a.contentType ?? ''));
    const facts = await inspectAttachment(a.content, { filename: a.filename ?? null, declaredType: a.contentType ?? null, sha256: a.checksum }, limits);
    const sharedKey = sharedKeys[index];
    if (ctx.sharedFacts && sharedKey && unknown.delete(sharedKey)) {
      // Remembered only when complete (no timeout, OCR not unavailable): those alone are shared.
      const read = cachedAttachmentFacts(sharedKey);
      if (read) ctx.sharedFacts.put(sharedKey, read);
    }
    let signatures = bySignaturePart.get(facts.sha256) ?? facts.signatures ?? [];
    const signed = pairs.get(index);
    const target = signed === undefined ? undefined : parsed.attachments[signed];
    if (target && facts.sniffedType === 'application/pkcs7-signature' && !bySignaturePart.has(facts.sha256)) {
      signatures = cmsSignatures(a.content, { chunks: [target.content] }, anchors, { kind: 'cms', format: 'detached', covers: target.filename ?? null });
    }
    // The files an edXML package carries follow it in the list, as attachments of their own.
    const { parts, ...own } = facts;
    const at = attachments.push({ ...own, signatures }) - 1;
    for (const part of parts ?? []) {
      inline.push(false);
      attachments.push({ ...part, signatures: part.signatures ?? [], carriedBy: at });
    }
  }
  const messageSigs = ownSignatures.flatMap((m) => m.signatures);
  const contentType = headerText(parsed, 'content-type') ?? '';
  const smimeSigned =
    messageSigs.length > 0 || /^multipart\/signed/i.test(contentType) || /application\/(x-)?pkcs7-signature/i.test(contentType);

  // References: subject, body, then attachment text, each with its role.
  let text = parsed.text;
  if (text && declaresUtf7Text(raw.subarray(0, 65_536).toString('latin1'))) text = decodeUtf7(text);
  const bodyText = repairBody(raw, text ?? (typeof parsed.html === 'string' ? parsed.html.replace(/<[^>]+>/g, ' ') : ''));
  const body = bodyText.text.slice(0, MAX_BODY_CHARS);
  const textEvidence = encodingEvidence(subjectText, bodyText, attachments);
  const found: FoundRef[] = [];
  const mailYear = localYear(date);
  // `cited` forces the role: what a reply's subject names and what a quoted original carries is
  // the document being answered, not one transmitted again.
  const take = (text: string, source: RefSource, cited = false, normalize = false) => {
    const split = normalize ? refsOfText(text) : splitRefs(text);
    for (const r of split.transmitted) found.push({ ...r, role: cited ? 'cited' : 'transmitted', source, docYear: documentYear(r, mailYear) });
    for (const r of split.cited) found.push({ ...r, role: 'cited', source, docYear: documentYear(r, mailYear) });
  };
  const reply = isReplySubject(subject);
  const { own, quoted } = splitQuoted(body);
  take(subject, 'subject', reply);
  take(own, 'body');
  take(quoted, 'body', true);
  attachments.forEach((a, i) => {
    if (a.text) take(a.text, `attachment:${i}`, false, true);
    if (a.ocr?.text) take(a.ocr.text, `attachment:${i}:ocr`);
    // Filenames carry numbers too ("125-STC-NS.pdf", "02-2023-QD-KTNN.pdf").
    if (a.filename) take(a.filename.replace(/\.[a-z0-9]{1,5}$/i, '').replace(/_/g, ' '), `attachment:${i}`);
    // What an archive, a forwarded mail or a winmail.dat holds is transmitted like an attachment.
    for (const { facts: c, inner } of containedEntries(a)) {
      const source: RefSource = `attachment:${i}/${inner}`;
      if (c.text) take(c.text, source, false, true);
      if (c.filename) take(c.filename.replace(/\.[a-z0-9]{1,5}$/i, '').replace(/_/g, ' '), source);
    }
  });
  // edXML is ground truth: the document its envelope states is transmitted, with its kind and date.
  const envelopes = attachments.flatMap((a, i) => (a.edxml ? [{ env: a.edxml, i }] : []));
  const stated = envelopes.flatMap(({ env, i }) => {
    const r = edxmlDocRef(env);
    return r ? [{ ...r, role: 'transmitted' as const, source: `attachment:${i}:edxml` as const, docYear: documentYear(r, mailYear) }] : [];
  });
  const refs = dedupeRefs([...stated, ...found]);
  const edxml = envelopes[0]?.env ?? null;
  const edxmlSides = edxml ? edxmlParties(edxml, ctx.directory, date, parties.find((p) => p.roles.includes('from')) ?? null, []) : null;
  if (edxmlSides?.sender) {
    // The envelope's From OrganId outranks the From address.
    const k = parties.findIndex((p) => p.roles.includes('from'));
    if (k >= 0) parties[k] = edxmlSides.sender;
  }

  const headersLc: Record<string, string | undefined> = {};
  for (const k of parsed.headers.keys()) headersLc[k.toLowerCase()] = headerText(parsed, k);
  const machine = isMachineGenerated(headersLc, subject, from[0]?.address ?? null);

  const fromParty = parties.find((p) => p.roles.includes('from')) ?? null;
  const recipients = parties.filter((p) => p.roles.some((r) => r === 'to' || r === 'cc' || r === 'bcc'));
  const direction = monitored && fromParty ? directionOf(monitored, fromParty, recipients) : null;

  const state: MessageAnalysis['message']['state'] = machine.machine ? 'skipped' : isMalformed(problems) ? 'malformed' : 'analyzed';
  const messageKey = normalizeMessageId(parsed.messageId) ?? `sha:${sha256}`;

  // Exchanges: one per transmitted document (or the message) and receiving party.
  const exchanges: PlannedExchange[] = [];
  if (!machine.machine && fromParty) {
    const receivers: Party[] = [];
    const seen = new Set<string>();
    const toFirst = [...recipients].sort((a, b) => Number(b.roles.includes('to')) - Number(a.roles.includes('to')));
    for (const p of toFirst) {
      // Bcc copies are exchanges only toward the monitored agency (we cannot see other mailboxes' Bcc).
      if (p.roles.length === 1 && p.roles[0] === 'bcc' && p.agencyCode !== monitored) continue;
      const k = partyKey(p);
      if (!seen.has(k)) {
        seen.add(k);
        receivers.push(p);
      }
    }
    // Inbound mail in the monitored agency's mailbox reached that agency even when no recipient
    // address is in the directory: an unresolved recipient is the agency's own address (an alias
    // the directory does not list), else it came by Bcc or a list. Either way the agency is a
    // receiver, and an alias must not count as a second, unknown one.
    if (monitored && direction === 'inbound' && !seen.has(`agency:${monitored}`)) {
      const agency = ctx.directory.agencies.get(monitored);
      if (agency) {
        const alias = receivers.findIndex((p) => p.kind === 'unknown');
        const address = alias >= 0 ? (receivers[alias] as Party).address : (agency.addresses[0] ?? `(${agency.code})`);
        const asAgency: Party = { address, name: agency.name, kind: 'agency', agencyCode: agency.code, agencyLevel: agency.level, matchedBy: 'mailbox', roles: alias >= 0 ? (receivers[alias] as Party).roles : ['to'] };
        if (alias >= 0) receivers[alias] = asAgency;
        else receivers.push(asAgency);
      }
    }
    // The envelope's To OrganIds name the receivers (src/analyze/edxml.ts).
    const fromEnvelope = edxml ? edxmlParties(edxml, ctx.directory, date, fromParty, receivers) : null;
    if (fromEnvelope?.receivers) receivers.splice(0, receivers.length, ...fromEnvelope.receivers);
    const transmitted = refs.filter((r) => r.role === 'transmitted');
    const docs: Array<FoundRef | null> = transmitted.length > 0 ? transmitted : [null];
    const textParts = [body, ...attachments.flatMap((a) => [a.text, ...(a.ocr?.text ? [a.ocr.text] : []), ...containedEntries(a).map((c) => c.facts.text)])];
    const text = textParts.join('\n');
    const attachmentFacts = attachments.filter((_, i) => !inline[i]).flatMap((a) => [
      {
        filename: a.filename,
        kind: a.kind,
        digitization: a.digitization,
        signed: a.kind === 'signature' || a.signatures.length > 0 || smimeSigned,
        signatureStatuses: a.signatures.map((x) => x.status),
      },
      // A ZIP holding a scan is a scan: the documents inside containers count like attachments.
      ...containedEntries(a).map(({ facts: c, path }) => ({
        filename: path,
        kind: c.kind,
        digitization: c.digitization,
        signed: c.kind === 'signature' || (c.signatures?.length ?? 0) > 0 || smimeSigned,
        signatureStatuses: (c.signatures ?? []).map((x) => x.status),
      })),
    ]);
    // The text-wide label searches run once per message; only the flow differs per receiver.
    const base = receivers[0]
      ? labelExchange({ subject, text, textParts, attachments: attachmentFacts, sender: fromParty, receiver: receivers[0], hasDocument: docs[0] !== null, machineGenerated: false })
      : null;
    for (const doc of docs) {
      for (const receiver of receivers) {
        const { labels, evidence } = relabelForReceiver(base as NonNullable<typeof base>, fromParty, receiver);
        if (smimeSigned && !labels.signed) {
          labels.signed = true;
          const how = messageSigs.length > 0 ? `: ${messageSigs.map((x) => `${x.kind === 'openpgp' ? 'OpenPGP' : 'S/MIME'} ${SIGNATURE_STATUS_VI[x.status]}`).join(', ')}` : '';
          evidence.push({ label: 'signed', value: true, rule: 'signed.smime', detail: `Thư được ký số (multipart/signed)${how}` });
        }
        if (fromEnvelope) evidence.push(fromEnvelope.evidence);
        const statedBy = envelopes.find(({ env }) => doc !== null && edxmlDocRef(env)?.ref === doc.ref);
        if (statedBy) evidence.push(edxmlDocumentEvidence(statedBy.env));
        evidence.push(...textEvidence);
        // One exchange per document, sender and receiver whatever mail carries it; per mail and receiver without a document.
        const key = doc ? hashKey('doc', doc.ref, String(doc.docYear), partyKey(fromParty), partyKey(receiver)) : hashKey(messageKey, '', partyKey(receiver));
        exchanges.push({ key, documentRef: doc?.ref ?? null, documentYear: doc?.docYear ?? null, mailKey: messageKey, sender: fromParty, receiver, labels, evidence });
      }
    }
  }
  const main = exchanges[0] ?? null;
  const references = parsed.references ? (Array.isArray(parsed.references) ? parsed.references : [parsed.references]) : [];
  const threadKey = normalizeMessageId(references[0]) ?? normalizeMessageId(parsed.inReplyTo) ?? messageKey;

  return {
    message: {
      messageId: parsed.messageId ?? null,
      subject,
      date: date.toISOString(),
      headerDate: headerDate?.toISOString() ?? null,
      internalDate: ctx.internalDate?.toISOString() ?? null,
      from: from[0]?.address ?? null,
      to: to.map((a) => a.address),
      cc: cc.map((a) => a.address),
      size: raw.length,
      sha256,
      monitoredAgency: monitored,
      direction,
      threadKey,
      threadLinks: threadLinks(parsed.messageId ?? null, parsed.inReplyTo ?? null, references),
      state,
      problems,
      machineGenerated: machine.reason,
      encoding: messageEncoding(subjectText, bodyText),
      textPreview: body.slice(0, 280),
      signatures: messageSigs,
    },
    parties,
    attachments,
    refs,
    // Without an exchange (machine-generated mail, or no sender to exchange from) form is null.
    labels: main ? main.labels : { form: null, digitization: 'none', signed: false, flow: 'unknown', secret: false },
    evidence: main
      ? main.evidence
      : [
          machine.machine
            ? { label: 'form', value: null, rule: 'skip.machine_generated', detail: `Thư tự động: ${machine.reason ?? ''}` }
            : { label: 'form', value: null, rule: 'exchange.no_sender', detail: 'Thư không có người gửi (From): không có lượt trao đổi' },
        ],
    exchanges,
  };
}
