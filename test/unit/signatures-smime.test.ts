// S/MIME signatures of a message, made with `openssl cms -sign` by the test CA, and those of the
// real-world corpus (../shared/corpus/mime). The outcomes asserted for the corpus were established
// by hand with openssl: `openssl smime -verify -noverify` succeeds on flanker__signed.eml (a
// self-signed certificate, valid 2009-06-20..2010-06-20, signed 2009-06-22) and on
// mimekit__smime-thunderbird-signed.eml (StartCom, valid 2013-10-31..2014-11-01, signed 2013-11-02:
// LF line endings on disk, signed in canonical CRLF); it cannot read the smime.p7s of
// mail-rb__raw_email_with_nested_attachment.eml ("asn1 encoding routines: not enough data": the
// fixture's signature is cut short); mail-rb__raw_email2.eml is a multipart/mixed that only
// carries an smime.p7s with nothing it signs.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeMessage, type AnalyzeContext } from '../../src/analyze/message.js';
import { DEFAULT_ATTACHMENT_LIMITS } from '../../src/analyze/attachment.js';
import { messageSignatures } from '../../src/analyze/signatures/smime.js';
import { NO_ANCHORS, trustAnchors, type TrustAnchors } from '../../src/analyze/signatures/trust.js';
import { buildDirectory } from '../../src/domain/directory.js';
import { plainPdf, smimeMessage, testPki, type TestPki } from '../helpers/pki.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/mime');
let pki: TestPki;
let anchors: TrustAnchors;
let entity: string;

const HEADERS = 'From: vanthu@stc.sonminh.gov.vn\nTo: vanthu@ubnd.sonminh.gov.vn\nSubject: =?UTF-8?B?' +
  Buffer.from('Công văn số 125/STC-NS').toString('base64') +
  '?=\nDate: Tue, 10 Nov 2026 09:00:00 +0700\nMessage-ID: <smime-test@stc.sonminh.gov.vn>\n';

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
  const pdf = await plainPdf('Cong van so 125/STC-NS ve du toan ngan sach');
  entity = [
    'Content-Type: multipart/mixed; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Kính gửi UBND tỉnh, Sở Tài chính gửi Công văn số 125/STC-NS.',
    '--inner',
    'Content-Type: application/pdf; name="125-STC-NS.pdf"',
    'Content-Disposition: attachment; filename="125-STC-NS.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    pdf.toString('base64').replace(/.{76}/g, '$&\r\n'),
    '--inner--',
    '',
  ].join('\r\n');
}, 60_000);

describe('multipart/signed', () => {
  it('is verified over the raw bytes of its first part', async () => {
    const mail = smimeMessage(entity, pki.signer, { chain: [pki.intermediate], headers: HEADERS });
    const a = await analyzeMessage(mail, ctx(anchors));
    expect(a.message.signatures).toEqual([
      expect.objectContaining({ kind: 'smime', format: 'multipart/signed', status: 'valid', reason: null, digestAlgorithm: 'sha256' }),
    ]);
    expect(a.message.signatures[0]?.signer).toMatchObject({ commonName: 'Nguyễn Văn An', organization: 'UBND tỉnh Sơn Minh' });
    // The smime.p7s attachment is that signature; the PDF it carries is analyzed as usual (and
    // counts as signed: the signature covers it).
    const p7s = a.attachments.find((x) => x.filename === 'smime.p7s');
    expect(p7s?.signatures).toEqual(a.message.signatures);
    expect(a.attachments.find((x) => x.filename === '125-STC-NS.pdf')).toMatchObject({ kind: 'pdf', digitization: 'born_digital' });
    expect(a.labels).toMatchObject({ signed: true, digitization: 'born_digital' });
    expect(a.refs.map((r) => r.ref)).toContain('125/STC-NS');
  });

  it('is verified when the message was stored with LF line endings (canonical form is CRLF)', async () => {
    const mail = Buffer.from(smimeMessage(entity, pki.signer, { chain: [pki.intermediate], headers: HEADERS }).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    expect(mail.includes('\r\n')).toBe(false);
    expect((await analyzeMessage(mail, ctx(anchors))).message.signatures.map((s) => s.status)).toEqual(['valid']);
  });

  it('is invalid when the signed text was changed on the way', async () => {
    const mail = smimeMessage(entity, pki.signer, { chain: [pki.intermediate], headers: HEADERS });
    const changed = Buffer.from(mail.toString('latin1').replace('125/STC-NS.', '126/STC-NS.'), 'latin1');
    const [s] = messageSignatures(changed, anchors);
    expect(s?.signatures[0]).toMatchObject({ status: 'invalid', reason: 'digest_mismatch' });
  });

  it('is unverified without anchors, and says so in the evidence', async () => {
    const a = await analyzeMessage(smimeMessage(entity, pki.signer, { chain: [pki.intermediate], headers: HEADERS }), ctx(NO_ANCHORS));
    expect(a.message.signatures[0]).toMatchObject({ status: 'unverified', reason: 'no_trust_anchor' });
    expect(a.evidence).toContainEqual(expect.objectContaining({ label: 'signed', value: true, detail: 'Có chữ ký số: 125-STC-NS.pdf, smime.p7s (chưa xác minh)' }));
  });

  it('is invalid when signed with an expired certificate, or by an untrusted CA', () => {
    const expired = smimeMessage(entity, pki.expired, { chain: [pki.intermediate], headers: HEADERS });
    expect(messageSignatures(expired, anchors)[0]?.signatures[0]?.reason).toBe('certificate_expired');
    const stranger = smimeMessage(entity, pki.stranger, { chain: [pki.otherRoot], headers: HEADERS });
    expect(messageSignatures(stranger, anchors)[0]?.signatures[0]?.reason).toBe('untrusted_chain');
  });
});

describe('hostile S/MIME', () => {
  it('checks at most 16 signatures of a message, each broken one malformed, without throwing', () => {
    const signedPart = (i: number) =>
      `--outer\r\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="s${i}"\r\n\r\n` +
      `--s${i}\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n--s${i}\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCA\r\n--s${i}--\r\n`;
    const raw = Buffer.from(`From: a@b.vn\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n${Array.from({ length: 40 }, (_, i) => signedPart(i)).join('')}--outer--\r\n`);
    const found = messageSignatures(raw, anchors);
    expect(found).toHaveLength(16);
    expect(found.flatMap((f) => f.signatures.map((x) => x.reason))).toEqual(Array(16).fill('malformed'));
  });
});

describe('application/pkcs7-mime signed-data (opaque)', () => {
  it('is verified, and the message it wraps is analyzed: its text, references and attachments', async () => {
    const mail = smimeMessage(entity, pki.signer, { chain: [pki.intermediate], headers: HEADERS, opaque: true });
    expect(mail.toString('latin1')).toMatch(/Content-Type: application\/(x-)?pkcs7-mime; smime-type=signed-data/);
    const a = await analyzeMessage(mail, ctx(anchors));
    expect(a.message.signatures).toEqual([expect.objectContaining({ kind: 'smime', format: 'signed-data', status: 'valid' })]);
    const p7m = a.attachments[0];
    expect(p7m).toMatchObject({ sniffedType: 'application/pkcs7-mime', container: { format: 'cms' } });
    const inner = p7m?.children?.[0];
    expect(inner).toMatchObject({ path: 'smime.eml', kind: 'message' });
    expect(inner?.children?.map((c) => [c.filename, c.kind, c.digitization])).toEqual([['125-STC-NS.pdf', 'pdf', 'born_digital']]);
    expect(a.refs.map((r) => r.ref)).toContain('125/STC-NS');
    expect(a.labels).toMatchObject({ signed: true, digitization: 'born_digital' });
  });
});

describe('the real-world corpus', () => {
  const analyze = (f: string, a: TrustAnchors) => analyzeMessage(readFileSync(path.join(CORPUS, f)), ctx(a));

  it.each([
    ['flanker__signed.eml', 'Zed A. Shaw', 'Lamson Mail Server Project', '2009-06-22T03:22:53.000Z'],
    ['mimekit__smime-thunderbird-signed.eml', 'fejj@gnome.org', null, '2013-11-02T20:28:04.000Z'],
  ])('%s: intact, unverified without anchors, untrusted with ours', async (f, cn, o, time) => {
    const a = await analyze(f, NO_ANCHORS);
    expect(a.message.signatures).toHaveLength(1);
    expect(a.message.signatures[0]).toMatchObject({
      kind: 'smime',
      format: 'multipart/signed',
      status: 'unverified',
      reason: 'no_trust_anchor',
      signingTime: time,
      checks: { digest: true, signature: true, certificateTime: true, chain: null },
      signer: { commonName: cn, organization: o },
    });
    expect(a.labels.signed).toBe(true);
    expect((await analyze(f, anchors)).message.signatures[0]).toMatchObject({ status: 'invalid', reason: 'untrusted_chain' });
  });

  it('mail-rb__raw_email_with_nested_attachment.eml: a signature cut short is malformed', async () => {
    const a = await analyze('mail-rb__raw_email_with_nested_attachment.eml', NO_ANCHORS);
    expect(a.message.signatures).toEqual([expect.objectContaining({ kind: 'smime', status: 'invalid', reason: 'malformed' })]);
    expect(a.labels.signed).toBe(true);
  });

  it('mail-rb__raw_email2.eml: an smime.p7s with nothing it signs is unverified', async () => {
    const a = await analyze('mail-rb__raw_email2.eml', NO_ANCHORS);
    expect(a.message.signatures).toEqual([]);
    expect(a.attachments.find((x) => x.filename === 'smime.p7s')?.signatures).toEqual([
      expect.objectContaining({ kind: 'cms', format: 'detached', status: 'unverified', reason: 'content_missing', signingTime: '2005-05-08T18:17:46.000Z' }),
    ]);
    expect(a.labels.signed).toBe(true);
  });

  it.each(['zbateson__m4001.eml', 'zbateson__m4008.eml', 'stalwart__malformed-015.eml'])('%s: an OpenPGP signature is recorded, unverified', async (f) => {
    const a = await analyze(f, anchors);
    expect(a.message.signatures).toEqual([expect.objectContaining({ kind: 'openpgp', status: 'unverified', reason: 'unsupported' })]);
    expect(a.labels.signed).toBe(true);
  });
});
