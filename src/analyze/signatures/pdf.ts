// PDF signatures (ISO 32000 §12.8, PAdES): every signature dictionary with a /ByteRange, found in
// the file's bytes (a signature dictionary is never inside a compressed object stream: its
// /Contents must sit in the file as written for the byte ranges to exclude it). For each: the CMS
// in /Contents checked over the two byte ranges (cms.ts), its /SubFilter, the signing time (the
// signed attribute, else /M), and whether the ranges reach the end of the file. Bytes appended
// after the last signature (an incremental update nobody signed) make every signature
// `modified_after_signing`; an earlier signature followed only by revisions that a later, intact
// signature covers (a document signed twice) is judged on its own bytes. Bounded: signatures per
// file, /Contents size, and the caller's deadline between signatures. Pure; no I/O.

import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { TSTInfo } from 'pkijs';
import type { SignatureFacts } from '../../domain/types.js';
import { checkCms, cmsFacts, MAX_CMS_BYTES, type CheckedSigner } from './cms.js';
import { NO_CHECKS } from './status.js';
import type { TrustAnchors } from './trust.js';

/** Signature dictionaries read per file. */
export const MAX_PDF_SIGNATURES = 32;

const BYTE_RANGE = Buffer.from('/ByteRange');
const RANGE_RE = /^\/ByteRange\s*\[\s*(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s*\]/;

/** `D:20240315093000+07'00'` → a Date; null when it does not read as one. Pure. */
export function parsePdfDate(s: string): Date | null {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz])|([+-])(\d{2})'?(?:(\d{2})'?)?)?/.exec(s.trim());
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', , sign, oh = '00', om = '00'] = m;
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)) - offset * 60_000;
  const date = new Date(t);
  return Number.isNaN(date.getTime()) || Number(mo) > 12 || Number(d) > 31 ? null : date;
}

/** A signature dictionary as found in the bytes. */
export interface PdfSignatureField {
  range: [number, number, number, number];
  subFilter: string | null;
  /** The /M entry, raw. */
  m: string | null;
  type: string | null;
  /** The /Contents bytes (hex decoded), or why they could not be taken. */
  contents: Buffer | null;
  problem: string | null;
}

function entry(dict: string, key: string): string | null {
  const name = new RegExp(`/${key}\\s*/([^\\s/<>\\[\\]()]+)`).exec(dict);
  if (name?.[1]) return name[1];
  const str = new RegExp(`/${key}\\s*\\(((?:\\\\.|[^\\\\)])*)\\)`).exec(dict);
  return str?.[1] ?? null;
}

/** Every /ByteRange signature dictionary in the file, in file order, at most MAX_PDF_SIGNATURES. Pure. */
export function findPdfSignatures(content: Buffer): { fields: PdfSignatureField[]; more: boolean } {
  const fields: PdfSignatureField[] = [];
  const seen = new Set<string>();
  let pos = content.indexOf(BYTE_RANGE);
  while (pos >= 0) {
    const m = RANGE_RE.exec(content.subarray(pos, pos + 120).toString('latin1'));
    // A placeholder (`[0 /********** …]`) or a stray word: not a signature.
    if (m) {
      const range = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number];
      const key = range.join(' ');
      if (!seen.has(key)) {
        seen.add(key);
        if (fields.length === MAX_PDF_SIGNATURES) return { fields, more: true };
        fields.push(readField(content, pos, range));
      }
    }
    pos = content.indexOf(BYTE_RANGE, pos + BYTE_RANGE.length);
  }
  return { fields, more: false };
}

function readField(content: Buffer, pos: number, range: [number, number, number, number]): PdfSignatureField {
  const [a, b, c, d] = range;
  const gapStart = a + b;
  // The dictionary's text without the (large) /Contents string: from its `obj` to its `endobj`.
  // Both searches stay within a window: a hostile file must not make each of them scan it whole.
  const back = Math.max(0, pos - 64 * 1024);
  const objAt = content.subarray(back, pos).lastIndexOf('obj');
  const objStart = objAt < 0 ? back : back + objAt;
  const endAt = content.subarray(pos, pos + 64 * 1024 + 2 * MAX_CMS_BYTES + 16).indexOf('endobj');
  const objEnd = endAt < 0 ? Math.min(content.length, pos + 64 * 1024) : pos + endAt;
  const around =
    gapStart > objStart && c < objEnd
      ? Buffer.concat([content.subarray(objStart, gapStart), content.subarray(c, objEnd)])
      : content.subarray(objStart, Math.min(objEnd, objStart + 128 * 1024));
  const dict = around.toString('latin1');
  const field: PdfSignatureField = { range, subFilter: entry(dict, 'SubFilter'), m: entry(dict, 'M'), type: entry(dict, 'Type'), contents: null, problem: null };
  if (a !== 0 || b <= 0 || c <= gapStart || c + d > content.length) {
    field.problem = `/ByteRange [${range.join(' ')}] không hợp lệ với tệp ${content.length} byte`;
    return field;
  }
  if (content[gapStart] !== 0x3c || content[c - 1] !== 0x3e) {
    field.problem = 'khoảng trống của /ByteRange không phải chuỗi /Contents <…>';
    return field;
  }
  const hexLength = c - 1 - (gapStart + 1);
  if (hexLength / 2 > MAX_CMS_BYTES) {
    field.problem = `over_limit: /Contents ${Math.round(hexLength / 2)} byte`;
    return field;
  }
  const hex = content.subarray(gapStart + 1, c - 1).toString('latin1').replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    field.problem = '/Contents không phải chuỗi hex';
    return field;
  }
  // The placeholder is padded with zeros past the DER. Where the DER ends is what its own length
  // says (the first BER element): stripping trailing zeros would also cut a CMS whose last byte is
  // 0x00 — one signature in 256, whose signature value ends in a zero byte.
  const stripped = hex.replace(/(00)+$/, '');
  if (stripped.length === 0) {
    field.contents = Buffer.alloc(0);
    field.problem = '/Contents rỗng (chưa ký)';
    return field;
  }
  const padded = Buffer.from(hex, 'hex');
  const first = asn1js.fromBER(padded);
  field.contents = first.offset > 0 && first.offset <= padded.length ? padded.subarray(0, first.offset) : Buffer.from(stripped, 'hex');
  return field;
}

function sha(hash: string, chunks: Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const c of chunks) h.update(c);
  return h.digest();
}

const HASH_BY_OID: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Checks one field's CMS the way its /SubFilter says the bytes are signed. */
function checkField(content: Buffer, f: PdfSignatureField, anchors: TrustAnchors, fallback: Date | null): CheckedSigner[] {
  const single = (checks: Partial<typeof NO_CHECKS>): CheckedSigner[] => [
    { checks: { ...NO_CHECKS, ...checks }, signer: null, signingTime: null, digestAlgorithm: null, chain: [] },
  ];
  if (f.problem?.startsWith('over_limit')) return single({ overLimit: f.problem.slice('over_limit: '.length) });
  if (f.problem || !f.contents) return single({ malformed: f.problem ?? 'không có /Contents' });
  const [a, b, c, d] = f.range;
  const chunks = [content.subarray(a, a + b), content.subarray(c, c + d)];
  switch (f.subFilter) {
    case 'adbe.x509.rsa_sha1':
      return single({ unsupported: '/SubFilter adbe.x509.rsa_sha1 (chữ ký RSA thô, không phải CMS)' });
    case 'adbe.pkcs7.sha1': {
      // The CMS signs the SHA-1 digest of the ranges, which it carries as its content.
      const r = checkCms(f.contents, null, anchors, fallback);
      const expected = sha('sha1', chunks);
      for (const s of r.signers) if (s.checks.digest === true && r.content && !r.content.equals(expected)) s.checks.digest = false;
      return r.signers;
    }
    case 'ETSI.RFC3161': {
      // A document timestamp: a timestamp token whose message imprint is the digest of the ranges.
      const r = checkCms(f.contents, null, anchors, fallback);
      let imprintOk: boolean | null = null;
      let genTime: Date | null = null;
      try {
        const tst = new TSTInfo({ schema: asn1js.fromBER(r.content ?? new Uint8Array()).result });
        const hash = HASH_BY_OID[tst.messageImprint.hashAlgorithm.algorithmId];
        genTime = tst.genTime;
        imprintOk = hash ? sha(hash, chunks).equals(Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView)) : null;
      } catch {
        imprintOk = null;
      }
      for (const s of r.signers) {
        s.signingTime ??= genTime;
        if (s.checks.digest === true && imprintOk !== true) {
          if (imprintOk === false) s.checks.digest = false;
          else s.checks.malformed ??= 'không đọc được TSTInfo của dấu thời gian';
        }
      }
      return r.signers;
    }
    default:
      // adbe.pkcs7.detached, ETSI.CAdES.detached, and anything else that is a detached CMS.
      return checkCms(f.contents, { chunks }, anchors, fallback).signers;
  }
}

/**
 * The signatures of a PDF. `check` is called between signatures (the attachment's deadline: it
 * throws to stop). Never throws otherwise.
 */
export function pdfSignatures(content: Buffer, anchors: TrustAnchors, check: () => void = () => undefined): SignatureFacts[] {
  const { fields, more } = findPdfSignatures(content);
  // A tail of whitespace after the last signed byte is not a revision.
  let end = content.length;
  while (end > 0 && (content[end - 1] === 0x0a || content[end - 1] === 0x0d || content[end - 1] === 0x20 || content[end - 1] === 0x00)) end--;
  const reach = (f: PdfSignatureField) => f.range[2] + f.range[3];
  const checked = fields.map((f) => {
    check();
    const fallback = f.m ? parsePdfDate(f.m) : null;
    return { f, fallback, signers: checkField(content, f, anchors, fallback) };
  });
  const intact = (s: CheckedSigner) => s.checks.digest === true && s.checks.signature === true;
  const out: SignatureFacts[] = [];
  for (const { f, fallback, signers } of checked) {
    const whole = reach(f) >= end;
    // Revisions after this one are all signed when a later, intact signature reaches the end.
    const laterSigned = !whole && checked.some((o) => reach(o.f) > reach(f) && reach(o.f) >= end && o.signers.some(intact));
    for (const s of signers) if (s.checks.digest !== null) s.checks.wholeFile = whole || laterSigned;
    const [a, b, c, d] = f.range;
    const covers =
      `byte ${a}–${a + b - 1}, ${c}–${c + d - 1} / ${content.length}` +
      (whole ? '' : laterSigned ? '; các phiên bản sau được ký bởi chữ ký sau' : `; ${content.length - reach(f)} byte thêm sau khi ký`);
    const facts = cmsFacts(signers, { kind: 'pdf', format: f.subFilter, covers, fallbackTime: fallback });
    for (const x of facts) x.checks.wholeFile = signers[0]?.checks.digest === null ? null : whole;
    out.push(...facts);
  }
  if (more) {
    const last = out[out.length - 1];
    if (last) last.detail += ` (chỉ đọc ${MAX_PDF_SIGNATURES} chữ ký đầu tiên)`;
  }
  return out;
}
