// S/MIME signatures of a message itself (RFC 8551), read from its RAW bytes: mailparser decodes and
// normalizes parts, and a `multipart/signed` signature covers the first part exactly as it was
// transmitted (headers, body, line breaks), so that part is cut out of the raw message here.
// - multipart/signed; protocol=application/pkcs7-signature: the CMS in the second part checked
//   over the first part's bytes (as stored, else with every line ending made CRLF, the canonical
//   form RFC 8551 signs: a mailbox on disk often keeps LF);
// - application/pkcs7-mime; smime-type=signed-data (opaque: the message body, or a part named
//   smime.p7m): the CMS checked over the content it carries (that content is analyzed as an
//   attachment's, see readers/cms.ts);
// - multipart/signed with an OpenPGP protocol: recorded, `unverified` (unsupported).
// The walk is bounded (depth, parts, signatures) and skips forwarded messages (they are attachments, opened by
// container.ts). Pure: bytes in, facts out; no I/O.

import { createHash } from 'node:crypto';
import libmime from 'libmime';
import libqp from 'libqp';
import type { SignatureFacts } from '../../domain/types.js';
import { blankLine } from '../structure.js';
import { cmsFacts, cmsSignatures, encapsulatedContent } from './cms.js';
import { NO_CHECKS } from './status.js';
import type { TrustAnchors } from './trust.js';

const MAX_DEPTH = 12;
const MAX_PARTS = 1000;
/** Signatures checked per message (a hostile one could nest hundreds). */
const MAX_SIGNATURES = 16;

/** A signature of the message and the part that carries it (to find the attachment mailparser made of it). */
export interface MessageSignature {
  /** sha256 (hex) of the signature part's decoded bytes: the smime.p7s / smime.p7m attachment's. */
  partSha256: string;
  signatures: SignatureFacts[];
}

interface Entity {
  headers: Map<string, string>;
  body: Buffer;
}

function splitEntity(raw: Buffer): Entity {
  const blank = blankLine(raw);
  let end: number;
  let sep: number;
  if (blank.at >= 0) [end, sep] = [blank.at, blank.crlf ? 4 : 2];
  else [end, sep] = [raw.length, 0];
  // A part that starts with its blank line has no headers.
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) [end, sep] = [0, raw[0] === 0x0a ? 1 : 2];
  const block = raw.subarray(0, Math.min(end, 256 * 1024)).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined && !headers.has(m[1].toLowerCase())) headers.set(m[1].toLowerCase(), m[2].trim());
  }
  return { headers, body: raw.subarray(Math.min(raw.length, end + sep)) };
}

/** The parts of a multipart body, each exactly as transmitted (the line break before a delimiter belongs to it). */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const nlDelim = Buffer.concat([Buffer.from('\n'), delim]);
  // A delimiter line is the boundary then `--`, white space or the line end: `--bb` is not `--b`.
  const isDelimiter = (at: number): boolean => {
    const c = body[at + delim.length];
    return c === undefined || c === 0x2d || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
  };
  const nextDelimiter = (from: number): number => {
    if (from === 0 && body.subarray(0, delim.length).equals(delim) && isDelimiter(0)) return 0;
    let i = body.indexOf(nlDelim, from);
    while (i >= 0 && !isDelimiter(i + 1)) i = body.indexOf(nlDelim, i + 1);
    return i < 0 ? -1 : i + 1;
  };
  const starts: Array<{ at: number; contentStart: number; closing: boolean }> = [];
  let i = nextDelimiter(0);
  while (i >= 0 && starts.length <= MAX_PARTS) {
    const after = i + delim.length;
    const closing = body[after] === 0x2d && body[after + 1] === 0x2d;
    const eol = body.indexOf(0x0a, after);
    starts.push({ at: i, contentStart: eol < 0 ? body.length : eol + 1, closing });
    if (closing || eol < 0) break;
    i = nextDelimiter(eol);
  }
  const parts: Buffer[] = [];
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k] as (typeof starts)[number];
    if (s.closing) break;
    const next = starts[k + 1];
    // Without a further delimiter (a truncated message) the part runs to the end.
    let end = next ? next.at : body.length;
    if (next) end -= body[end - 2] === 0x0d ? 2 : 1;
    parts.push(body.subarray(s.contentStart, Math.max(s.contentStart, end)));
  }
  return parts;
}

function decodeBody(e: Entity): Buffer {
  const cte = (e.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (cte === 'base64') return Buffer.from(e.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') return libqp.decode(e.body.toString('latin1'));
  return e.body;
}

/** Every bare LF made CRLF: the canonical form S/MIME signs. */
export function toCrlf(b: Buffer): Buffer {
  return Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The S/MIME (and OpenPGP) signatures of a raw message. Never throws. */
export function messageSignatures(raw: Buffer, anchors: TrustAnchors): MessageSignature[] {
  const found: MessageSignature[] = [];
  let parts = 0;
  const walk = (bytes: Buffer, depth: number): void => {
    if (depth > MAX_DEPTH || ++parts > MAX_PARTS || found.length >= MAX_SIGNATURES) return;
    const e = splitEntity(bytes);
    const ct = libmime.parseHeaderValue(e.headers.get('content-type') ?? 'text/plain');
    const type = ct.value.toLowerCase();
    const params = Object.fromEntries(Object.entries(ct.params).map(([k, v]) => [k.toLowerCase(), v]));
    if (type === 'multipart/signed' && params.boundary) {
      const [content, sigPart] = splitMultipart(e.body, params.boundary);
      const protocol = (params.protocol ?? '').toLowerCase();
      if (content && sigPart) {
        const der = decodeBody(splitEntity(sigPart));
        if (/^application\/(x-)?pkcs7-signature$/.test(protocol)) {
          const meta = { kind: 'smime' as const, format: 'multipart/signed', covers: 'nội dung thư (phần đầu của multipart/signed)' };
          let signatures = cmsSignatures(der, { chunks: [content] }, anchors, meta);
          const crlf = toCrlf(content);
          if (signatures.some((s) => s.reason === 'digest_mismatch') && !crlf.equals(content)) {
            const canonical = cmsSignatures(der, { chunks: [crlf] }, anchors, meta);
            if (!canonical.some((s) => s.reason === 'digest_mismatch')) signatures = canonical;
          }
          found.push({ partSha256: sha256(der), signatures });
        } else if (/pgp-signature/.test(protocol)) {
          found.push({
            partSha256: sha256(der),
            signatures: cmsFacts([{ checks: { ...NO_CHECKS, unsupported: `chữ ký OpenPGP (${protocol})` }, signer: null, signingTime: null, digestAlgorithm: null, chain: [] }], {
              kind: 'openpgp',
              format: 'multipart/signed',
              covers: 'nội dung thư (phần đầu của multipart/signed)',
            }),
          });
        }
      }
      if (content) walk(content, depth + 1);
      return;
    }
    if (type.startsWith('multipart/') && params.boundary) {
      for (const p of splitMultipart(e.body, params.boundary)) {
        if (parts > MAX_PARTS) return;
        walk(p, depth + 1);
      }
      return;
    }
    // The message's own signed-data is its body, or a part named smime.p7m; a `cong-van.pdf.p7m`
    // attachment is a signed file (checked as an attachment, src/analyze/attachment.ts).
    const disposition = libmime.parseHeaderValue(e.headers.get('content-disposition') ?? 'inline');
    const name = params.name ?? disposition.params.filename ?? null;
    const own = depth === 0 || (name !== null && /^smime\.p7m$/i.test(name.trim()));
    if (own && /^application\/(x-)?pkcs7-mime$/.test(type) && (params['smime-type'] ?? 'signed-data').toLowerCase() === 'signed-data') {
      const der = decodeBody(e);
      const inner = encapsulatedContent(der);
      // Enveloped (encrypted) data is not a signature: only SignedData is read.
      if (inner === null && (params['smime-type'] ?? '').toLowerCase() !== 'signed-data') return;
      found.push({
        partSha256: sha256(der),
        signatures: cmsSignatures(der, null, anchors, { kind: 'smime', format: 'signed-data', covers: 'nội dung thư (bọc trong signed-data)' }),
      });
      if (inner) walk(inner, depth + 1);
    }
  };
  try {
    walk(raw, 0);
  } catch {
    // The walk reads untrusted bytes: whatever it found before an unexpected error stands.
  }
  return found;
}
