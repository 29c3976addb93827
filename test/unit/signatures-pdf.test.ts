// PDF signatures (/ByteRange, PAdES) on PDFs signed by the tests with a test CA (test/helpers/pki.ts):
// valid, unverified without anchors, tampered, revised after signing, signed twice, an expired
// certificate, an untrusted CA, broken and oversized /Contents.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { pdfSignatures, findPdfSignatures } from '../../src/analyze/signatures/pdf.js';
import { NO_ANCHORS, trustAnchors, type TrustAnchors } from '../../src/analyze/signatures/trust.js';
import { inspectAttachment, DEFAULT_ATTACHMENT_LIMITS } from '../../src/analyze/attachment.js';
import { appendRevision, plainPdf, signPdf, tamper, testPki, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
let anchors: TrustAnchors;
let unsigned: Buffer;
let signed: Buffer;
const signingTime = new Date('2026-11-20T03:00:00Z');

beforeAll(async () => {
  pki = testPki();
  anchors = trustAnchors([new X509Certificate(pki.root.der)]);
  unsigned = await plainPdf();
  signed = await signPdf(unsigned, pki.signer, { chain: [pki.intermediate], signingTime });
}, 60_000);

/** The hex of the first signature's /Contents, trailing zero padding left out, and where it starts. */
function contentsHex(pdf: Buffer): { at: number; hex: string } {
  const at = pdf.indexOf('/Contents <', 0, 'latin1') + '/Contents <'.length;
  const end = pdf.indexOf('>', at, 'latin1');
  return { at, hex: pdf.subarray(at, end).toString('latin1').replace(/(00)+$/, '') };
}

describe('a PDF signed with the test CA', () => {
  it('is valid when the root is a trust anchor, with the signer, issuer, serial and time', () => {
    const [s, ...rest] = pdfSignatures(signed, anchors);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      kind: 'pdf',
      format: 'adbe.pkcs7.detached',
      status: 'valid',
      reason: null,
      signingTime: signingTime.toISOString(),
      signingTimeSource: 'signed_attribute',
      digestAlgorithm: 'sha256',
      checks: { digest: true, signature: true, wholeFile: true, certificateTime: true, chain: true },
    });
    expect(s?.signer).toMatchObject({
      commonName: 'Nguyễn Văn An',
      organization: 'UBND tỉnh Sơn Minh',
      subject: 'CN=Nguyễn Văn An, O=UBND tỉnh Sơn Minh, C=VN',
      issuer: 'CN=Test CA cấp 2, O=Ban Cơ yếu Chính phủ (thử nghiệm), C=VN',
      serialNumber: pki.signer.cert.serialNumber,
    });
    expect(s?.chain).toEqual([
      'CN=Nguyễn Văn An, O=UBND tỉnh Sơn Minh, C=VN',
      'CN=Test CA cấp 2, O=Ban Cơ yếu Chính phủ (thử nghiệm), C=VN',
      'CN=Test Root CA Chính phủ, O=Ban Cơ yếu Chính phủ (thử nghiệm), C=VN',
    ]);
    expect(s?.covers).toMatch(new RegExp(`^byte 0–\\d+, \\d+–${signed.length - 1} / ${signed.length}$`));
  });

  it('is valid with the intermediate as the anchor', () => {
    expect(pdfSignatures(signed, trustAnchors([new X509Certificate(pki.intermediate.der)]))[0]?.status).toBe('valid');
  });

  it('is unverified, intact, when no anchor is configured', () => {
    const [s] = pdfSignatures(signed, NO_ANCHORS);
    expect(s).toMatchObject({ status: 'unverified', reason: 'no_trust_anchor', checks: { digest: true, signature: true, wholeFile: true, chain: null } });
  });

  it('is invalid when a signed byte changed (digest mismatch)', () => {
    const changed = tamper(signed, ' 595 ', ' 596 ');
    expect(pdfSignatures(changed, anchors)[0]).toMatchObject({ status: 'invalid', reason: 'digest_mismatch', checks: { digest: false } });
  });

  it('is invalid when the signature value is altered (bad signature)', () => {
    const { at, hex } = contentsHex(signed);
    // The RSA signature value is the last field of the SignerInfo: change one of its last bytes.
    const pos = at + hex.length - 6;
    const flipped = Buffer.from(signed);
    const digit = parseInt(String.fromCharCode(signed[pos] as number), 16);
    flipped.write(((digit + 1) % 16).toString(16), pos, 'latin1');
    expect(pdfSignatures(flipped, anchors)[0]).toMatchObject({ status: 'invalid', reason: 'bad_signature', checks: { digest: true, signature: false } });
  });

  it('is invalid when a revision was appended after signing', () => {
    const revised = appendRevision(signed);
    const [s] = pdfSignatures(revised, anchors);
    expect(s).toMatchObject({ status: 'invalid', reason: 'modified_after_signing', checks: { digest: true, signature: true, wholeFile: false } });
    expect(s?.covers).toMatch(/byte thêm sau khi ký$/);
  });

  it('falls back to /M for the signing time when the CMS has no signing-time attribute', async () => {
    const pdf = await signPdf(unsigned, pki.signer, { chain: [pki.intermediate], signingTime, omitSigningTime: true });
    const [s] = pdfSignatures(pdf, anchors);
    expect(s).toMatchObject({ status: 'valid', signingTime: signingTime.toISOString(), signingTimeSource: 'pdf_m' });
  });

  it('reads the adbe.pkcs7.sha1 sub-filter: the CMS carries the SHA-1 of the ranges', async () => {
    const pdf = await signPdf(unsigned, pki.signer, { chain: [pki.intermediate], subFilter: 'adbe.pkcs7.sha1' });
    expect(pdfSignatures(pdf, anchors)[0]).toMatchObject({ format: 'adbe.pkcs7.sha1', status: 'valid', checks: { digest: true } });
    expect(pdfSignatures(tamper(pdf, ' 595 ', ' 596 '), anchors)[0]).toMatchObject({ status: 'invalid', reason: 'digest_mismatch' });
  });

  it('reads the CAdES sub-filter (PAdES baseline)', async () => {
    const pdf = await signPdf(unsigned, pki.signer, { chain: [pki.intermediate], subFilter: 'ETSI.CAdES.detached' });
    expect(pdfSignatures(pdf, anchors)[0]).toMatchObject({ format: 'ETSI.CAdES.detached', status: 'valid' });
  });
});

describe('a CMS whose last byte is 0x00', () => {
  it('is read whole: the zero padding of /Contents is told apart from the DER ending in zero', async () => {
    // About one signature in 256 ends in a zero byte (the last byte of the RSA signature value).
    // Sign with successive signing times until one does; the /Contents DER's own length says where it ends.
    let found: Buffer | null = null;
    for (let i = 0; i < 3000 && !found; i++) {
      const pdf = await signPdf(unsigned, pki.signer, { chain: [pki.intermediate], signingTime: new Date(signingTime.getTime() + i * 1000) });
      const at = pdf.indexOf('/Contents <', 0, 'latin1') + '/Contents <'.length;
      const der = Buffer.from(pdf.subarray(at, pdf.indexOf('>', at, 'latin1')).toString('latin1'), 'hex');
      // DER SEQUENCE with a long-form length: 0x30 0x82 hi lo.
      expect(der[0]).toBe(0x30);
      expect(der[1]).toBe(0x82);
      const end = 4 + (((der[2] as number) << 8) | (der[3] as number));
      if (der[end - 1] === 0x00) found = pdf;
    }
    expect(found, 'a signature ending in 0x00 within 3,000 signing times').not.toBeNull();
    const [s] = pdfSignatures(found as Buffer, anchors);
    expect(s).toMatchObject({ status: 'valid', reason: null });
  }, 120_000);
});

describe('a PDF signed twice', () => {
  it('has both signatures valid: the first one is followed only by a signed revision', async () => {
    const twice = await signPdf(signed, pki.signer, { chain: [pki.intermediate] });
    const sigs = pdfSignatures(twice, anchors);
    expect(sigs.map((s) => [s.status, s.checks.wholeFile])).toEqual([
      ['valid', false],
      ['valid', true],
    ]);
    expect(sigs[0]?.covers).toMatch(/các phiên bản sau được ký bởi chữ ký sau$/);
  });

  it('has both invalid when an unsigned revision follows the last one', async () => {
    const twice = appendRevision(await signPdf(signed, pki.signer, { chain: [pki.intermediate] }));
    expect(pdfSignatures(twice, anchors).map((s) => s.reason)).toEqual(['modified_after_signing', 'modified_after_signing']);
  });
});

describe('certificates', () => {
  it('an expired signer certificate makes the signature invalid, even without anchors', async () => {
    const pdf = await signPdf(unsigned, pki.expired, { chain: [pki.intermediate] });
    expect(pdfSignatures(pdf, anchors)[0]).toMatchObject({ status: 'invalid', reason: 'certificate_expired', checks: { certificateTime: false } });
    expect(pdfSignatures(pdf, NO_ANCHORS)[0]?.reason).toBe('certificate_expired');
  });

  it('a certificate of an untrusted CA: invalid with anchors, unverified without', async () => {
    const pdf = await signPdf(unsigned, pki.stranger, { chain: [pki.otherRoot] });
    expect(pdfSignatures(pdf, anchors)[0]).toMatchObject({ status: 'invalid', reason: 'untrusted_chain', checks: { chain: false } });
    expect(pdfSignatures(pdf, anchors)[0]?.signer?.commonName).toBe('Mallory');
    expect(pdfSignatures(pdf, NO_ANCHORS)[0]?.reason).toBe('no_trust_anchor');
  });

  it('an intermediate missing from the signature leaves the chain short of the root', async () => {
    const pdf = await signPdf(unsigned, pki.signer, {});
    const [s] = pdfSignatures(pdf, anchors);
    expect(s).toMatchObject({ status: 'invalid', reason: 'untrusted_chain' });
    expect(s?.chain).toHaveLength(1);
  });
});

describe('broken and hostile signatures', () => {
  it('records /Contents that are not CMS as malformed', () => {
    const { at } = contentsHex(signed);
    const broken = Buffer.from(signed);
    broken.write('FFFF', at, 'latin1');
    expect(pdfSignatures(broken, anchors)[0]).toMatchObject({ status: 'invalid', reason: 'malformed' });
  });

  it('records a /ByteRange beyond the end of the file as malformed', () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Sig /SubFilter /adbe.pkcs7.detached /ByteRange [0 10 40 99999] /Contents <3082> >>\nendobj\n%%EOF\n', 'latin1');
    expect(pdfSignatures(pdf, anchors)).toEqual([expect.objectContaining({ status: 'invalid', reason: 'malformed', format: 'adbe.pkcs7.detached' })]);
  });

  it('does not take an unsigned placeholder or a stray /ByteRange for a signature', () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Sig /ByteRange [0 /********** /********** /**********] /Contents <0000> >>\nendobj\n(/ByteRange is a word)\n', 'latin1');
    expect(pdfSignatures(pdf, anchors)).toEqual([]);
    expect(pdfSignatures(unsigned, anchors)).toEqual([]);
  });

  it('does not parse /Contents over the size limit', () => {
    const hex = '30'.repeat(2 * 1024 * 1024 + 16);
    const head = '%PDF-1.4\n1 0 obj\n<< /Type /Sig /SubFilter /adbe.pkcs7.detached /ByteRange [0 AAAAAAAAAA BBBBBBBBBB 20] /Contents <';
    const tailText = '> >>\nendobj\n%%EOF\n%%EOF\n%%EOF\n';
    const a = head.length;
    const c = head.length + hex.length + 1;
    const text = head.replace('AAAAAAAAAA', String(a - 1).padStart(10, ' ')).replace('BBBBBBBBBB', String(c).padStart(10, ' ')) + hex + tailText;
    const pdf = Buffer.from(text.slice(0, c + 20), 'latin1');
    expect(pdfSignatures(pdf, anchors)[0]).toMatchObject({ status: 'unverified', reason: 'over_limit' });
  });

  it('reads at most 32 signature dictionaries', () => {
    const one = (i: number) => `<< /Type /Sig /ByteRange [0 ${i + 1} ${i + 3} 1] /Contents <> >>\n`;
    const pdf = Buffer.from(Array.from({ length: 40 }, (_, i) => one(i)).join(''), 'latin1');
    const found = findPdfSignatures(pdf);
    expect(found.fields).toHaveLength(32);
    expect(found.more).toBe(true);
  });

  it('stops between signatures when the deadline passes', () => {
    expect(() =>
      pdfSignatures(signed, anchors, () => {
        throw new Error('deadline');
      }),
    ).toThrow('deadline');
  });
});

describe('inspectAttachment', () => {
  it('keeps reading a signed PDF as a born-digital document and adds its signatures', async () => {
    const facts = await inspectAttachment(signed, { filename: 'cong-van-125.pdf', declaredType: 'application/pdf' }, { ...DEFAULT_ATTACHMENT_LIMITS, anchors });
    expect(facts).toMatchObject({ kind: 'pdf', digitization: 'born_digital', pages: 1, problem: null });
    expect(facts.text).toContain('Cong van so 125/UBND-VX');
    expect(facts.signatures?.map((s) => s.status)).toEqual(['valid']);
    // Another anchor set is another verdict: the cache does not mix them.
    const without = await inspectAttachment(signed, { filename: 'cong-van-125.pdf', declaredType: 'application/pdf' }, DEFAULT_ATTACHMENT_LIMITS);
    expect(without.signatures?.map((s) => s.status)).toEqual(['unverified']);
  });

  it('gives an unsigned PDF no signatures', async () => {
    const facts = await inspectAttachment(unsigned, { filename: 'a.pdf', declaredType: null }, DEFAULT_ATTACHMENT_LIMITS);
    expect(facts.signatures).toBeUndefined();
  });
});
