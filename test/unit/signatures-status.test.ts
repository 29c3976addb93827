// The pure parts of signature checking: the verdict from the checks, PDF dates, which file a
// detached signature signs, and cutting multipart/signed parts out of raw bytes.
import { describe, expect, it } from 'vitest';
import { NO_CHECKS, signatureVerdict, type SignatureChecks } from '../../src/analyze/signatures/status.js';
import { parsePdfDate } from '../../src/analyze/signatures/pdf.js';
import { pairDetached } from '../../src/analyze/signatures/detached.js';
import { envelopedName } from '../../src/analyze/readers/cms.js';
import { splitMultipart, toCrlf } from '../../src/analyze/signatures/smime.js';

const intact: SignatureChecks = { ...NO_CHECKS, digest: true, signature: true, certificateTime: 'valid', chain: 'anchored' };

describe('signatureVerdict', () => {
  it.each<[string, Partial<SignatureChecks>, string, string | null]>([
    ['everything checked and anchored', {}, 'valid', null],
    ['a PDF signature reaching the end of the file', { wholeFile: true }, 'valid', null],
    ['no signing time to check the certificate at', { certificateTime: null }, 'valid', null],
    ['intact but no anchor configured', { chain: 'no_anchors' }, 'unverified', 'no_trust_anchor'],
    ['a chain that reaches no configured anchor', { chain: 'not_anchored' }, 'invalid', 'untrusted_chain'],
    ['a digest that does not match', { digest: false }, 'invalid', 'digest_mismatch'],
    ['a signature value that does not verify', { signature: false }, 'invalid', 'bad_signature'],
    ['a PDF revised after signing', { wholeFile: false }, 'invalid', 'modified_after_signing'],
    ['a certificate expired at the signing time', { certificateTime: 'expired' }, 'invalid', 'certificate_expired'],
    ['a certificate not yet valid at the signing time', { certificateTime: 'not_yet_valid' }, 'invalid', 'certificate_not_yet_valid'],
    ['a structure that does not parse', { malformed: 'not ASN.1', digest: null, signature: null }, 'invalid', 'malformed'],
    ['a detached signature without its file', { contentMissing: true, digest: null }, 'unverified', 'content_missing'],
    ['an algorithm not supported', { unsupported: 'GOST', digest: null, signature: null }, 'unverified', 'unsupported'],
    ['a signature over the size limit', { overLimit: '3 MB', digest: null, signature: null }, 'unverified', 'over_limit'],
    ['a signature value never checked', { signature: null }, 'invalid', 'malformed'],
    ['a digest never checked', { digest: null }, 'invalid', 'malformed'],
  ])('%s', (_name, over, status, reason) => {
    const v = signatureVerdict({ ...intact, ...over });
    expect(v.status).toBe(status);
    expect(v.reason).toBe(reason);
    expect(v.detail).toMatch(/^Chữ ký số /);
  });

  it('reports the first failure: tampered bytes outrank an untrusted chain and an expired certificate', () => {
    expect(signatureVerdict({ ...intact, digest: false, chain: 'not_anchored', certificateTime: 'expired' }).reason).toBe('digest_mismatch');
    expect(signatureVerdict({ ...intact, wholeFile: false, certificateTime: 'expired' }).reason).toBe('modified_after_signing');
    expect(signatureVerdict({ ...intact, certificateTime: 'expired', chain: 'not_anchored' }).reason).toBe('certificate_expired');
    // A missing file cannot be vouched for even with anchors; a bad signature value still shows.
    expect(signatureVerdict({ ...intact, digest: null, contentMissing: true }).reason).toBe('content_missing');
    expect(signatureVerdict({ ...intact, digest: null, contentMissing: true, signature: false }).reason).toBe('bad_signature');
  });

  it('keeps the why of a malformed signature in the detail', () => {
    expect(signatureVerdict({ ...NO_CHECKS, malformed: 'không có SignerInfo' }).detail).toContain('(không có SignerInfo)');
  });
});

describe('parsePdfDate', () => {
  it.each([
    ["D:20240315093000+07'00'", '2024-03-15T02:30:00.000Z'],
    ["D:20240315093000+07'00", '2024-03-15T02:30:00.000Z'],
    ['D:20240315093000Z', '2024-03-15T09:30:00.000Z'],
    ["D:20240315093000-05'30'", '2024-03-15T15:00:00.000Z'],
    ['D:20240315', '2024-03-15T00:00:00.000Z'],
    ['20240315093000', '2024-03-15T09:30:00.000Z'],
  ])('reads %s', (s, iso) => {
    expect(parsePdfDate(s)?.toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', 'D:2024139', 'D:20241399'])('gives null for %j', (s) => {
    expect(parsePdfDate(s)).toBeNull();
  });
});

describe('pairDetached', () => {
  it('pairs x.pdf.p7s with x.pdf, whatever the order and case', () => {
    expect([...pairDetached(['Cong-van.PDF.p7s', 'ghi-chu.txt', 'cong-van.pdf'])]).toEqual([[0, 2]]);
  });

  it('pairs x.p7s with the only other x.*', () => {
    expect([...pairDetached(['quyet-dinh.docx', 'quyet-dinh.p7s'])]).toEqual([[1, 0]]);
  });

  it('leaves x.p7s unpaired when two files share its stem, or none does', () => {
    expect(pairDetached(['a.pdf', 'a.docx', 'a.p7s']).size).toBe(0);
    expect(pairDetached(['smime.p7s', 'thu.txt']).size).toBe(0);
    expect(pairDetached([null, 'x.p7s']).size).toBe(0);
  });

  it('compares Vietnamese names in NFC', () => {
    const nfd = 'Công văn.pdf'.normalize('NFD');
    expect([...pairDetached([nfd, 'Công văn.pdf.p7s'])]).toEqual([[1, 0]]);
  });
});

describe('envelopedName', () => {
  it.each([
    ['cong-van.pdf.p7m', 'cong-van.pdf'],
    ['BAO CAO.docx.P7S', 'BAO CAO.docx'],
    ['smime.p7m', null],
    ['cong-van.pdf', null],
    [null, null],
  ])('%s → %s', (name, inner) => {
    expect(envelopedName(name)).toBe(inner);
  });
});

describe('splitMultipart', () => {
  it('cuts each part exactly as transmitted, the line break before a delimiter left out', () => {
    const body = Buffer.from('preamble\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n\r\n--b\r\nsig\r\n--b--\r\nepilogue');
    const parts = splitMultipart(body, 'b');
    expect(parts.map((p) => p.toString())).toEqual(['Content-Type: text/plain\r\n\r\nhello\r\n', 'sig']);
  });

  it('reads LF-only messages and a truncated last part', () => {
    const parts = splitMultipart(Buffer.from('--b\nA: 1\n\nx\n--b\nrest without end'), 'b');
    expect(parts.map((p) => p.toString())).toEqual(['A: 1\n\nx', 'rest without end']);
  });

  it('does not take a longer boundary for its own', () => {
    const parts = splitMultipart(Buffer.from('--b\r\none\r\n--bb\r\nstill one\r\n--b--'), 'b');
    expect(parts).toHaveLength(1);
    expect(parts[0]?.toString()).toBe('one\r\n--bb\r\nstill one');
  });

  it('makes every line ending CRLF for the canonical form', () => {
    expect(toCrlf(Buffer.from('a\nb\r\nc\n')).toString()).toBe('a\r\nb\r\nc\r\n');
  });
});
