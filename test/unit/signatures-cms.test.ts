// CMS signatures as files: a detached .p7s beside the file it signs (in a mail, in a ZIP), an
// enveloping .p7m whose content is analyzed like any attachment, and broken ones. The signatures
// are made by the openssl CLI (`openssl cms -sign`) with the test CA of test/helpers/pki.ts.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeMessage, type AnalyzeContext } from '../../src/analyze/message.js';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment } from '../../src/analyze/attachment.js';
import { checkCms, cmsSignatures, encapsulatedContent } from '../../src/analyze/signatures/cms.js';
import { NO_ANCHORS, trustAnchors, type TrustAnchors } from '../../src/analyze/signatures/trust.js';
import { buildDirectory } from '../../src/domain/directory.js';
import { makeZip } from '../helpers/archives.js';
import { cmsSign, mailWith, opensslSignFile, plainPdf, testPki, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
let anchors: TrustAnchors;
let pdf: Buffer;
let p7s: Buffer;
let p7m: Buffer;

const ctx = (a: TrustAnchors): AnalyzeContext => ({
  directory: buildDirectory([]),
  monitored: null,
  internalDate: null,
  receivedAt: new Date('2026-11-10T03:00:00Z'),
  limits: { ...DEFAULT_ATTACHMENT_LIMITS, anchors: a },
});

beforeAll(async () => {
  pki = testPki();
  anchors = trustAnchors([new X509Certificate(pki.root.der)]);
  pdf = await plainPdf('Quyet dinh so 43/QD-UBND ve viec phe duyet ke hoach');
  p7s = opensslSignFile(pdf, pki.signer, { detached: true, chain: [pki.intermediate] });
  p7m = opensslSignFile(pdf, pki.signer, { detached: false, chain: [pki.intermediate] });
}, 60_000);

describe('a detached .p7s', () => {
  it('is checked against the attachment it signs, and the mail is signed', async () => {
    const mail = mailWith([
      { name: 'quyet-dinh-43.pdf', type: 'application/pdf', content: pdf },
      { name: 'quyet-dinh-43.pdf.p7s', type: 'application/pkcs7-signature', content: p7s },
    ]);
    const a = await analyzeMessage(mail, ctx(anchors));
    const sig = a.attachments[1];
    expect(sig).toMatchObject({ kind: 'signature', sniffedType: 'application/pkcs7-signature' });
    expect(sig?.signatures).toEqual([
      expect.objectContaining({ kind: 'cms', format: 'detached', status: 'valid', reason: null, covers: 'quyet-dinh-43.pdf', signingTimeSource: 'signed_attribute' }),
    ]);
    expect(sig?.signatures[0]?.signer?.commonName).toBe('Nguyễn Văn An');
    expect(a.attachments[0]?.signatures).toEqual([]);
    expect(a.message.signatures).toEqual([]);
    expect(a.labels.signed).toBe(true);
    expect(a.evidence).toContainEqual(expect.objectContaining({ label: 'signed', value: true, rule: 'signed.attachment', detail: 'Có chữ ký số: quyet-dinh-43.pdf.p7s (hợp lệ)' }));
  });

  it('does not match another file of the same name (digest mismatch)', async () => {
    const other = await plainPdf('Quyet dinh so 44/QD-UBND');
    const a = await analyzeMessage(
      mailWith([
        { name: 'quyet-dinh-43.pdf', type: 'application/pdf', content: other },
        { name: 'quyet-dinh-43.pdf.p7s', type: 'application/pkcs7-signature', content: p7s },
      ]),
      ctx(anchors),
    );
    expect(a.attachments[1]?.signatures[0]).toMatchObject({ status: 'invalid', reason: 'digest_mismatch', checks: { digest: false, signature: true } });
  });

  it('is unverified without the file it signs', async () => {
    const a = await analyzeMessage(mailWith([{ name: 'chu-ky.p7s', type: 'application/pkcs7-signature', content: p7s }]), ctx(anchors));
    expect(a.attachments[0]?.signatures[0]).toMatchObject({ status: 'unverified', reason: 'content_missing', checks: { digest: null, signature: true } });
    expect(a.labels.signed).toBe(true);
  });

  it('is checked against its file inside a ZIP', async () => {
    const zip = await makeZip([
      { name: 'ho-so/quyet-dinh-43.pdf', data: pdf },
      { name: 'ho-so/quyet-dinh-43.pdf.p7s', data: p7s },
    ]);
    const facts = await inspectAttachment(zip, { filename: 'ho-so.zip', declaredType: 'application/zip' }, { ...DEFAULT_ATTACHMENT_LIMITS, anchors });
    const sig = facts.children?.find((c) => c.path === 'ho-so/quyet-dinh-43.pdf.p7s');
    expect(sig?.signatures).toEqual([expect.objectContaining({ status: 'valid', covers: 'ho-so/quyet-dinh-43.pdf' })]);
    const a = await analyzeMessage(mailWith([{ name: 'ho-so.zip', type: 'application/zip', content: zip }]), ctx(anchors));
    expect(a.labels.signed).toBe(true);
  });
});

describe('an enveloping .p7m', () => {
  it('is verified over the file it carries, and that file is analyzed like an attachment', async () => {
    const a = await analyzeMessage(mailWith([{ name: 'quyet-dinh-43.pdf.p7m', type: 'application/pkcs7-mime', content: p7m }]), ctx(anchors));
    const att = a.attachments[0];
    expect(att).toMatchObject({ kind: 'signature', sniffedType: 'application/pkcs7-mime', container: { format: 'cms', entries: 1 } });
    expect(att?.signatures).toEqual([expect.objectContaining({ kind: 'cms', format: 'enveloping', status: 'valid', covers: 'quyet-dinh-43.pdf' })]);
    expect(att?.children?.[0]).toMatchObject({ path: 'quyet-dinh-43.pdf', kind: 'pdf', digitization: 'born_digital', sha256: expect.any(String) });
    expect(att?.children?.[0]?.text).toContain('43/QD-UBND');
    expect(a.refs).toContainEqual(expect.objectContaining({ ref: '43/QĐ-UBND', source: 'attachment:0/quyet-dinh-43.pdf' }));
    expect(a.labels).toMatchObject({ signed: true, digitization: 'born_digital' });
  });

  it('gives back exactly the signed bytes', () => {
    expect(encapsulatedContent(p7m)?.equals(pdf)).toBe(true);
    expect(encapsulatedContent(p7s)).toBeNull();
    expect(encapsulatedContent(Buffer.from('not cms'))).toBeNull();
  });
});

describe('CMS checks', () => {
  it('accepts the PEM form', () => {
    const pem = Buffer.from(`-----BEGIN PKCS7-----\n${p7m.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PKCS7-----\n`);
    expect(cmsSignatures(pem, null, anchors, { kind: 'cms', format: null, covers: null })[0]?.status).toBe('valid');
  });

  it('reads a signature made by another implementation (node-forge) the same way', () => {
    const der = cmsSign(Buffer.from('nội dung'), pki.signer, { detached: false, extraCerts: [pki.intermediate], signingTime: new Date('2026-01-02T03:04:05Z') });
    const [s] = cmsSignatures(der, null, anchors, { kind: 'cms', format: 'enveloping', covers: null });
    expect(s).toMatchObject({ status: 'valid', signingTime: '2026-01-02T03:04:05.000Z' });
  });

  it('finds a signature made before the signer certificate was valid', () => {
    const der = cmsSign(Buffer.from('x'), pki.signer, { detached: false, extraCerts: [pki.intermediate], signingTime: new Date('2001-01-01T00:00:00Z') });
    expect(cmsSignatures(der, null, anchors, { kind: 'cms', format: null, covers: null })[0]?.reason).toBe('certificate_not_yet_valid');
  });

  it.each<[string, () => Buffer]>([
    ['garbage', () => Buffer.from('MIAGCSqGSIb3DQEHAqCAMIACAQEx', 'base64')],
    ['an empty buffer', () => Buffer.alloc(0)],
    ['a certificate instead of a signature', () => pki.signer.der],
    ['a truncated signature', () => p7s.subarray(0, p7s.length - 40)],
  ])('records %s as malformed, never throwing', (_name, bytes) => {
    const [s, ...rest] = cmsSignatures(bytes(), null, anchors, { kind: 'cms', format: null, covers: null });
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ status: 'invalid', reason: 'malformed', signer: null });
  });

  it('does not parse a signature over the size limit', () => {
    const big = Buffer.concat([p7s, Buffer.alloc(3 * 1024 * 1024)]);
    expect(checkCms(big, null, NO_ANCHORS).signers[0]?.checks.overLimit).toMatch(/byte/);
  });
});
