// edXML packages (QCVN 102:2016/BTTTT, the standard for exchanging electronic documents between
// state agencies; namespace http://www.mic.gov.vn/TBT/QCVN_102_2016, and the older
// http://www.go.vn/eDoc): the envelope states outright who sends the document to whom (by
// identifier code, OrganId), its số/ký hiệu (CodeNumber/CodeNotation), kind, date, subject and
// signer, and carries the document files base64-encoded. Pure: parsing only, no I/O.
//
//   <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
//     <edXML:edXMLEnvelope xmlns:edXML="…">
//       <edXML:edXMLHeader>
//         <edXML:MessageHeader>
//           <edXML:From><edXML:OrganId>…</edXML:OrganId><edXML:OrganName>…</edXML:OrganName></edXML:From>
//           <edXML:To>…</edXML:To> (one or more)
//           <edXML:Code><edXML:CodeNumber>2888</edXML:CodeNumber><edXML:CodeNotation>UBND-VX</edXML:CodeNotation></edXML:Code>
//           <edXML:PromulgationInfo><edXML:Place/><edXML:PromulgationDate>2026/08/05</edXML:PromulgationDate></edXML:PromulgationInfo>
//           <edXML:DocumentType><edXML:Type/><edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>
//           <edXML:Subject/> <edXML:Content/>
//           <edXML:SignerInfo><edXML:Competence/><edXML:Position/><edXML:FullName/></edXML:SignerInfo>
//           <edXML:DocumentId/> …
//         </edXML:MessageHeader>
//         <edXML:TraceHeaderList/> <edXML:Signature/>
//       </edXML:edXMLHeader>
//       <edXML:edXMLBody><edXML:edXMLManifest><edXML:Reference>ContentId, ContentType, AttachmentName</edXML:Reference></edXML:edXMLManifest></edXML:edXMLBody>
//     </edXML:edXMLEnvelope>
//     <AttachmentEncoded><Attachment>ContentId, AttachmentName, ContentType, ContentTransferEncoded (base64)</Attachment></AttachmentEncoded>
//   </edXML>

import { XMLParser } from 'fast-xml-parser';
import { agencyAt } from '../domain/parties.js';
import { extractRefs } from '../domain/refs.js';
import type { Agency, DirectoryIndex, DocRef, EdxmlEnvelope, EdxmlOrgan, Evidence, Party } from '../domain/types.js';

export const EDXML_NAMESPACES = ['http://www.mic.gov.vn/TBT/QCVN_102_2016', 'http://www.go.vn/eDoc'] as const;

/** Files taken out of one package at most; the rest are counted and reported. */
export const EDXML_MAX_FILES = 50;

/** A file the package carries, decoded. */
export interface EdxmlFile {
  name: string | null;
  contentType: string | null;
  content: Buffer;
}

export interface EdxmlPackage {
  envelope: EdxmlEnvelope;
  files: EdxmlFile[];
  /** The envelope's words (type, code, subject, content), for reference finding and labels. */
  text: string;
  problem: string | null;
}

/** Whether the start of an XML document is an edXML package (its root, envelope or namespace). */
export function looksLikeEdxml(head: string): boolean {
  const h = head.slice(0, 4096);
  return /<(?:[\w.-]+:)?edXML(?:Envelope)?[\s>]/.test(h) || EDXML_NAMESPACES.some((ns) => h.includes(ns));
}

const ARRAY_TAGS = new Set(['To', 'Attachment', 'Reference', 'Place', 'Appendix', 'TraceHeader']);

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Codes stay strings: "000.00.03.H30", a CodeNumber "0288".
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ARRAY_TAGS.has(name),
  // Base64 bodies are taken as they are, never scanned for entities or tags.
  stopNodes: ['*.ContentTransferEncoded'],
  processEntities: { enabled: true, maxEntityCount: 100, maxExpandedLength: 100_000 },
});

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(n: unknown, name: string): Node | null {
  if (!isNode(n)) return null;
  const v = n[name];
  if (Array.isArray(v)) return isNode(v[0]) ? v[0] : null;
  return isNode(v) ? v : null;
}

function children(n: unknown, name: string): Node[] {
  if (!isNode(n)) return [];
  const v = n[name];
  return (Array.isArray(v) ? v : [v]).filter(isNode);
}

/** The text of an element: a string, or the `#text` of one that has attributes; null when empty. */
function text(n: unknown, name: string): string | null {
  if (!isNode(n)) return null;
  let v = n[name];
  if (Array.isArray(v)) v = v[0];
  if (isNode(v)) v = v['#text'];
  if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
  if (typeof v !== 'string') return null;
  const t = v.replace(/\s+/g, ' ').trim().normalize('NFC');
  return t === '' ? null : t;
}

/** PromulgationDate as ISO: `2026/08/05`, `2026-08-05T…`, or the Vietnamese order `05/08/2026`. */
export function edxmlDate(s: string | null): string | null {
  if (!s) return null;
  let y: number;
  let m: number;
  let d: number;
  const ymd = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/.exec(s.trim());
  const dmy = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})/.exec(s.trim());
  if (ymd) [y, m, d] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
  else if (dmy) [y, m, d] = [Number(dmy[3]), Number(dmy[2]), Number(dmy[1])];
  else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * The reference a Code element states: CodeNumber `2888` and CodeNotation `UBND-VX` make
 * `2888/UBND-VX`, in the canonical form of src/domain/refs.ts when it reads as one. Senders that
 * put the whole số/ký hiệu in CodeNumber, or repeat it, are taken as they wrote it.
 */
export function edxmlCode(number: string | null, notation: string | null): string | null {
  const n = number?.trim() ?? '';
  const s = notation?.trim().replace(/^\//, '') ?? '';
  let raw: string;
  if (!n && !s) return null;
  if (!s || n.endsWith(s)) raw = n;
  else if (!n || s.startsWith(`${n}/`)) raw = s;
  else raw = `${n}/${s}`;
  const found = extractRefs(raw)[0];
  // Only a reference that spans the whole code is the code; a fragment is not.
  if (found && found.span[0] === 0 && found.span[1] >= raw.replace(/\s+$/, '').length - 1) return found.ref;
  return raw;
}

function organ(n: Node | null): EdxmlOrgan | null {
  const code = text(n, 'OrganId');
  if (!code) return null;
  return { code, name: text(n, 'OrganName') ?? text(n, 'OrganizationInCharge') };
}

function stripCid(s: string | null): string | null {
  return s ? s.replace(/^cid:/i, '').replace(/^<|>$/g, '') : null;
}

/** Decoded base64, or null when the text is not base64 at all. */
function decodeBase64(s: string): Buffer | null {
  const clean = s.replace(/\s+/g, '');
  if (clean.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(clean)) return null;
  return Buffer.from(clean, 'base64');
}

/**
 * Reads an edXML package. Answers a problem when the XML cannot be read or holds no envelope;
 * the files it carries are decoded (up to EDXML_MAX_FILES).
 */
export function parseEdxml(xml: string): EdxmlPackage | { problem: string } {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    return { problem: `unreadable:edxml: ${(err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 160)}` };
  }
  const root = child(doc, 'edXML');
  const envelope = child(root, 'edXMLEnvelope') ?? child(doc, 'edXMLEnvelope');
  const header = child(envelope, 'edXMLHeader');
  const mh = child(header, 'MessageHeader');
  if (!mh) return { problem: 'unreadable:edxml: no edXMLEnvelope/edXMLHeader/MessageHeader' };

  const code = child(mh, 'Code');
  const prom = child(mh, 'PromulgationInfo');
  const signerNode = child(mh, 'SignerInfo');
  const codeNumber = text(code, 'CodeNumber');
  const codeNotation = text(code, 'CodeNotation');
  const signer = signerNode
    ? { competence: text(signerNode, 'Competence'), position: text(signerNode, 'Position'), fullName: text(signerNode, 'FullName') }
    : null;

  // The manifest names each file by ContentId; the encoded attachments may repeat or omit the name.
  const manifest = new Map<string, { name: string | null; contentType: string | null }>();
  for (const ref of children(child(child(envelope, 'edXMLBody'), 'edXMLManifest'), 'Reference')) {
    const id = stripCid(text(ref, 'ContentId'));
    if (id) manifest.set(id, { name: text(ref, 'AttachmentName'), contentType: text(ref, 'ContentType') });
  }
  const encoded = [...children(child(root, 'AttachmentEncoded'), 'Attachment'), ...children(child(envelope, 'AttachmentEncoded'), 'Attachment')];
  const files: EdxmlFile[] = [];
  let problem: string | null = null;
  for (const a of encoded) {
    if (files.length >= EDXML_MAX_FILES) {
      problem = 'over_limit:edxml_files';
      break;
    }
    // Taken raw: a base64 body may be tens of megabytes, not worth normalizing as text.
    const bodyNode = a['ContentTransferEncoded'];
    const bodyValue = Array.isArray(bodyNode) ? bodyNode[0] : bodyNode;
    const body = typeof bodyValue === 'string' ? bodyValue : isNode(bodyValue) && typeof bodyValue['#text'] === 'string' ? bodyValue['#text'] : null;
    const content = body ? decodeBase64(body) : null;
    const listed = manifest.get(stripCid(text(a, 'ContentId')) ?? '');
    if (!content) {
      problem ??= 'unreadable:edxml: an attachment is not base64';
      continue;
    }
    files.push({ name: text(a, 'AttachmentName') ?? listed?.name ?? null, contentType: text(a, 'ContentType') ?? listed?.contentType ?? null, content });
  }

  const ns = new RegExp(`xmlns(?::[\\w.-]+)?\\s*=\\s*["'](${EDXML_NAMESPACES.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})[^"']*["']`).exec(
    xml.slice(0, 8192),
  );
  const env: EdxmlEnvelope = {
    namespace: ns?.[1] ?? null,
    from: organ(child(mh, 'From')),
    to: children(mh, 'To').map(organ).filter((o): o is EdxmlOrgan => o !== null),
    code: edxmlCode(codeNumber, codeNotation),
    codeNumber,
    codeNotation,
    type: text(child(mh, 'DocumentType'), 'TypeName'),
    place: text(prom, 'Place'),
    date: edxmlDate(text(prom, 'PromulgationDate')),
    subject: text(mh, 'Subject'),
    signer,
    documentId: text(mh, 'DocumentId'),
    attachments: files.map((f) => ({ name: f.name, contentType: f.contentType, size: f.content.length })),
    signaturePresent: /<(?:[\w.-]+:)?SignatureValue\b[^>]*>\s*[A-Za-z0-9+/=]/.test(xml),
  };
  const words = [env.subject, text(mh, 'Content')].filter((s): s is string => s !== null);
  return { envelope: env, files, text: words.join('\n'), problem };
}

// ---------------------------------------------------------------------------------------------
// Ground truth for the message analysis

/** The document an envelope transmits, as a reference with its kind and date from the envelope. */
export function edxmlDocRef(env: EdxmlEnvelope): DocRef | null {
  if (!env.code) return null;
  const parsed = extractRefs(env.code)[0];
  const base: DocRef = parsed && parsed.ref === env.code
    ? parsed
    : { ref: env.code, number: env.codeNumber ?? env.code, year: null, symbol: env.codeNotation ?? '', kind: null, date: null, span: [0, env.code.length] };
  return { ...base, kind: env.type ?? base.kind, date: env.date ?? base.date };
}

/**
 * The agencies of the directory that an envelope's OrganId codes name, as they stood at `at`
 * (a dissolved agency's successor), and the codes the directory does not know.
 */
export function edxmlAgencies(
  env: EdxmlEnvelope,
  dir: DirectoryIndex,
  at: Date,
): { sender: Agency | null; receivers: Agency[]; unknownCodes: string[] } {
  const unknownCodes: string[] = [];
  const resolve = (o: EdxmlOrgan | null): Agency | null => {
    if (!o) return null;
    const a = dir.agencies.get(o.code.trim());
    if (!a) {
      unknownCodes.push(o.code);
      return null;
    }
    return agencyAt(a, dir, at);
  };
  const sender = resolve(env.from);
  const receivers: Agency[] = [];
  for (const o of env.to) {
    const a = resolve(o);
    if (a && !receivers.some((r) => r.code === a.code)) receivers.push(a);
  }
  return { sender, receivers, unknownCodes };
}

/**
 * The parties of a message's exchanges when it carries an envelope: the sender is the agency of
 * the envelope's From OrganId (kept as the From address, now `matchedBy: edxml`), and the receivers
 * are the agencies of its To OrganIds — a recipient already resolved to that agency keeps its
 * address — followed by the other receivers that resolved to someone (an agency, an enterprise, a
 * person sent a copy). Receivers nobody could resolve are the envelope's receivers under unlisted
 * addresses, so they are dropped. Null where the envelope names no agency of the directory.
 */
export function edxmlParties(
  env: EdxmlEnvelope,
  dir: DirectoryIndex,
  at: Date,
  from: Party | null,
  receivers: Party[],
): { sender: Party | null; receivers: Party[] | null; evidence: Evidence } | null {
  const found = edxmlAgencies(env, dir, at);
  if (!found.sender && found.receivers.length === 0) return null;
  const asParty = (a: Agency, base: Party | null, roles: Party['roles']): Party => ({
    address: base?.address ?? a.addresses[0] ?? `(${a.code})`,
    name: base?.name ?? a.name,
    kind: 'agency',
    agencyCode: a.code,
    agencyLevel: a.level,
    matchedBy: 'edxml',
    roles: base?.roles ?? roles,
  });
  const sender = found.sender && from && from.agencyCode !== found.sender.code ? asParty(found.sender, from, ['from']) : from;
  let out: Party[] | null = null;
  if (found.receivers.length > 0) {
    out = found.receivers.map((a) => {
      const same = receivers.find((p) => p.agencyCode === a.code);
      return same ?? asParty(a, null, ['to']);
    });
    for (const p of receivers) {
      if (p.kind === 'unknown' || out.includes(p) || (p.agencyCode && out.some((q) => q.agencyCode === p.agencyCode))) continue;
      out.push(p);
    }
  }
  const names = (o: EdxmlOrgan | null): string => (o ? `${o.code}${o.name ? ` (${o.name})` : ''}` : '?');
  const unknown = found.unknownCodes.length > 0 ? `; mã không có trong danh mục: ${found.unknownCodes.join(', ')}` : '';
  return {
    sender,
    receivers: out,
    evidence: {
      label: 'parties',
      value: [found.sender?.code ?? '?', ...found.receivers.map((a) => a.code)].join(' → '),
      rule: 'edxml',
      detail: `Gói edXML: nơi gửi ${names(env.from)}, nơi nhận ${env.to.map(names).join(', ') || '?'}${unknown}`,
    },
  };
}

/** The evidence that an envelope states the transmitted document. */
export function edxmlDocumentEvidence(env: EdxmlEnvelope): Evidence {
  const parts = [env.type, env.code ? `số ${env.code}` : null, env.date ? `ngày ${env.date}` : null, env.subject ? `«${env.subject}»` : null];
  return {
    label: 'document',
    value: env.code,
    rule: 'edxml',
    detail: `Gói edXML (QCVN 102:2016) ghi văn bản: ${parts.filter(Boolean).join(' ')}`,
  };
}
