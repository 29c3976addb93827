// Where text enters the analysis — a mail's subject and body, an attachment's text — legacy
// Vietnamese encodings (TCVN3, VNI, windows-1258) are converted to Unicode, and the conversion is
// recorded (the `encoding` facts and evidence). Pure: the raw message bytes are passed in.
//
// mailparser decodes what is declared: a subject or body declared iso-8859-1 or windows-1252
// comes out as TCVN3/VNI mojibake, which src/domain/vn-legacy.ts recognises. What is not declared
// (8-bit bytes without a charset, or under `charset=us-ascii`) mailparser reads as UTF-8 and turns
// into U+FFFD; for a subject, and for the body of a single-part message, the bytes are read again
// here from the raw message as windows-1252 before the detector looks at them. A single-part body
// that declares a legacy charset but is UTF-8 throughout is read as UTF-8.

import libmime from 'libmime';
import libqp from 'libqp';
import type { AttachmentFacts, Evidence, LegacyEncoding } from '../domain/types.js';
import { encodingDetail, repairVietnamese } from '../domain/vn-legacy.js';
import { blankLine } from './structure.js';

export interface TextRepair {
  text: string;
  encoding: LegacyEncoding | null;
  confidence: number;
  /** How the encoding was known: found by the detector, or declared (charset=windows-1258). */
  how: 'detected' | 'declared' | null;
  /** The text was read again from the raw bytes: mailparser had lost undeclared 8-bit characters. */
  recovered: boolean;
}

const REPLACEMENT = '\ufffd';
/** Raw headers and charset declarations are looked for in this much of a message. */
const SCAN_BYTES = 4 * 1024 * 1024;

interface RawParts {
  headers: Record<string, string[]>;
  bodyStart: number;
}

function splitRaw(raw: Buffer): RawParts | null {
  const head = raw.subarray(0, Math.min(raw.length, SCAN_BYTES));
  const blank = blankLine(head);
  const end = blank.at;
  const sep = blank.crlf ? 4 : 2;
  if (end < 0) return null;
  return { headers: libmime.decodeHeaders(head.toString('latin1', 0, end + sep / 2)), bodyStart: end + sep };
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** 8-bit bytes with no charset to read them by, as windows-1252: what legacy Vietnamese survives in. */
function asWindows1252(bytes: Buffer): string {
  return new TextDecoder('windows-1252').decode(bytes);
}

/** Whether the message declares windows-1258 for some part (its text is then decoded by mailparser). */
export function declaresWindows1258(raw: Buffer): boolean {
  // Every spelling the expression accepts contains "1258": without it, no copy of the bytes is made.
  const limit = Math.min(raw.length, SCAN_BYTES);
  if (raw.subarray(0, limit).indexOf('1258') === -1) return false;
  const scan = raw.toString('latin1', 0, limit);
  return /charset\s*=\s*["']?(?:windows-1258|cp-?1258|x-cp1258)\b/i.test(scan);
}

/** The Subject header's bytes when mailparser could not decode them (undeclared 8-bit). */
function rawSubject(raw: Buffer): string | null {
  const parts = splitRaw(raw);
  const value = parts?.headers['subject']?.[0];
  if (value === undefined || /=\?[^?]+\?[bq]\?/i.test(value)) return null;
  const bytes = Buffer.from(value.replace(/^\s+/, ''), 'latin1');
  return isUtf8(bytes) ? null : asWindows1252(bytes);
}

interface SinglePartBody {
  type: 'text/plain' | 'text/html';
  /** The declared charset, lower case, letters and digits only ('' when none). */
  charset: string;
  /** The body's bytes, transfer encoding undone. */
  bytes: Buffer;
}

/** The body of a single-part text message, as bytes; null for anything else. */
function singlePartBody(raw: Buffer): SinglePartBody | null {
  const parts = splitRaw(raw);
  if (!parts) return null;
  const ct = libmime.parseHeaderValue(parts.headers['content-type']?.[0] ?? 'text/plain');
  const type = ct.value.toLowerCase();
  if (type !== 'text/plain' && type !== 'text/html') return null;
  const charset = String(ct.params['charset'] ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  const cte = (parts.headers['content-transfer-encoding']?.[0] ?? '').trim().toLowerCase();
  const body = raw.subarray(parts.bodyStart);
  let bytes: Buffer;
  if (cte === 'base64') bytes = Buffer.from(body.toString('latin1'), 'base64');
  else if (cte === 'quoted-printable') bytes = libqp.decode(body.toString('latin1'));
  else bytes = body;
  return { type, charset, bytes };
}

function asText(type: SinglePartBody['type'], text: string): string {
  const t = text.replace(/\r\n/g, '\n');
  return type === 'text/html' ? t.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<[^>]+>/g, ' ') : t;
}

const UNICODE_OR_ASCII = new Set(['', 'usascii', 'ascii', 'utf8']);

/** The body of a single-part text message whose 8-bit bytes mailparser could not decode. */
function rawBody(raw: Buffer): string | null {
  const b = singlePartBody(raw);
  if (!b || !UNICODE_OR_ASCII.has(b.charset) || isUtf8(b.bytes)) return null;
  return asText(b.type, asWindows1252(b.bytes));
}

/**
 * The body of a single-part text message that declares a legacy charset (GB2312, windows-1252 …)
 * but is UTF-8: mail programs that re-encode without rewriting the header send it. Two multi-byte
 * UTF-8 sequences in text that is valid UTF-8 throughout do not happen by chance in those charsets.
 */
function misdeclaredUtf8Body(raw: Buffer): string | null {
  const b = singlePartBody(raw);
  if (!b || UNICODE_OR_ASCII.has(b.charset) || !isUtf8(b.bytes)) return null;
  const multiByte = [...b.bytes.toString('utf8')].filter((c) => (c.codePointAt(0) as number) > 0xff).length;
  return multiByte >= 2 ? asText(b.type, b.bytes.toString('utf8')) : null;
}

function repair(text: string, recovered: boolean): TextRepair {
  const r = repairVietnamese(text);
  return { text: r.text, encoding: r.encoding, confidence: r.confidence, how: r.encoding ? 'detected' : null, recovered };
}

/** The subject as Unicode NFC, legacy encodings converted. */
export function repairSubject(raw: Buffer, parsed: string): TextRepair {
  const recovered = parsed.includes(REPLACEMENT) ? rawSubject(raw) : null;
  return repair((recovered ?? parsed).normalize('NFC'), recovered !== null);
}

/** The body text as Unicode NFC, legacy encodings converted; windows-1258 when the message declares it. */
export function repairBody(raw: Buffer, parsed: string): TextRepair {
  const recovered = misdeclaredUtf8Body(raw) ?? (parsed.includes(REPLACEMENT) ? rawBody(raw) : null);
  const r = repair((recovered ?? parsed).normalize('NFC'), recovered !== null);
  // mailparser already decoded a declared windows-1258 body (tone marks composed by NFC): record it.
  if (r.encoding === null && /[^\t\n\r -~]/.test(r.text) && declaresWindows1258(raw)) {
    return { ...r, encoding: 'windows-1258', confidence: 1, how: 'declared' };
  }
  return r;
}

/** Converts an attachment's text in place when the detector finds a legacy encoding (and no font said so). */
export function repairAttachmentText(facts: AttachmentFacts, maxChars: number): void {
  if (!facts.text || facts.encoding !== null) return;
  const r = repairVietnamese(facts.text);
  if (r.encoding === null) return;
  facts.text = r.text.slice(0, maxChars);
  facts.encoding = r.encoding;
}

/** The message's encoding fact: the body's, else the subject's, else an attachment's. */
export function messageEncoding(subject: TextRepair, body: TextRepair): LegacyEncoding | null {
  return body.encoding ?? subject.encoding;
}

/** Evidence of every conversion, for the exchanges' evidence lists. */
export function encodingEvidence(
  subject: TextRepair,
  body: TextRepair,
  attachments: Array<Pick<AttachmentFacts, 'filename' | 'encoding'>>,
): Evidence[] {
  const out: Evidence[] = [];
  const item = (enc: LegacyEncoding, where: string, how: string, confidence: number | null): Evidence => ({
    label: 'encoding',
    value: enc,
    rule: `encoding.${enc}.${how}`,
    detail: encodingDetail(enc, where, confidence),
  });
  if (subject.encoding) out.push(item(subject.encoding, 'Tiêu đề / Subject', subject.how ?? 'detected', subject.confidence));
  if (body.encoding) out.push(item(body.encoding, 'Nội dung thư / Body', body.how ?? 'detected', body.how === 'declared' ? null : body.confidence));
  attachments.forEach((a, i) => {
    if (a.encoding) out.push(item(a.encoding, `Tệp đính kèm / Attachment ${i} (${a.filename ?? '-'})`, 'attachment', null));
  });
  return out;
}
