// XML signatures (XML-DSig, enveloped): a signed XML document and a signed edXML package, made by
// xml-crypto with the test CA's signer; tampered content, an altered signature value, a broken
// signature, and the XAdES signing time.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ATTACHMENT_LIMITS, inspectAttachment } from '../../src/analyze/attachment.js';
import { hasXmlSignature, xmlSignatures } from '../../src/analyze/signatures/xmldsig.js';
import { NO_ANCHORS, trustAnchors, type TrustAnchors } from '../../src/analyze/signatures/trust.js';
import { signXml, testPki, type TestPki } from '../helpers/pki.js';

const NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
let pki: TestPki;
let anchors: TrustAnchors;
let intermediateAnchor: TrustAnchors;

const report = '<BaoCao xmlns="urn:sonminh:baocao"><SoHieu>125/STC-NS</SoHieu><NoiDung>Dự toán ngân sách năm 2027</NoiDung></BaoCao>';

const edxml = `<?xml version="1.0" encoding="utf-8"?><edXML xmlns="${NS}"><edXML:edXMLEnvelope xmlns:edXML="${NS}"><edXML:edXMLHeader><edXML:MessageHeader>` +
  '<edXML:From><edXML:OrganId>000.00.03.H30</edXML:OrganId><edXML:OrganName>Sở Tài chính</edXML:OrganName></edXML:From>' +
  '<edXML:To><edXML:OrganId>000.00.00.H30</edXML:OrganId><edXML:OrganName>UBND tỉnh Sơn Minh</edXML:OrganName></edXML:To>' +
  '<edXML:Code><edXML:CodeNumber>125</edXML:CodeNumber><edXML:CodeNotation>STC-NS</edXML:CodeNotation></edXML:Code>' +
  '<edXML:PromulgationInfo><edXML:Place>Sơn Minh</edXML:Place><edXML:PromulgationDate>2026-11-05</edXML:PromulgationDate></edXML:PromulgationInfo>' +
  '<edXML:DocumentType><edXML:Type>1</edXML:Type><edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>' +
  '<edXML:Subject>Dự toán ngân sách</edXML:Subject></edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>';

beforeAll(() => {
  pki = testPki();
  anchors = trustAnchors([new X509Certificate(pki.root.der)]);
  intermediateAnchor = trustAnchors([new X509Certificate(pki.intermediate.der)]);
}, 60_000);

describe('an enveloped XML signature', () => {
  it('is valid: digest and signature checked, the signer from KeyInfo chained to the anchor', () => {
    const signed = signXml(report, pki.signer);
    expect(hasXmlSignature(signed)).toBe(true);
    const [s, ...rest] = xmlSignatures(signed, intermediateAnchor);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      kind: 'xmldsig',
      format: 'enveloped',
      status: 'valid',
      digestAlgorithm: 'sha256',
      covers: 'toàn bộ tài liệu',
      checks: { digest: true, signature: true, chain: true },
      signer: { commonName: 'Nguyễn Văn An', organization: 'UBND tỉnh Sơn Minh' },
    });
  });

  it('is invalid when its chain does not reach the anchor (KeyInfo carries the signer alone)', () => {
    expect(xmlSignatures(signXml(report, pki.signer), anchors)[0]).toMatchObject({ status: 'invalid', reason: 'untrusted_chain' });
  });

  it('is unverified without anchors', () => {
    expect(xmlSignatures(signXml(report, pki.signer), NO_ANCHORS)[0]).toMatchObject({ status: 'unverified', reason: 'no_trust_anchor' });
  });

  it('is invalid when the signed content changed (digest mismatch)', () => {
    const changed = signXml(report, pki.signer).replace('125/STC-NS', '126/STC-NS');
    expect(xmlSignatures(changed, intermediateAnchor)[0]).toMatchObject({ status: 'invalid', reason: 'digest_mismatch', checks: { digest: false } });
  });

  it('is invalid when the signature value was altered (bad signature)', () => {
    const signed = signXml(report, pki.signer);
    const altered = signed.replace(/<SignatureValue>(.)/, (_m, c: string) => `<SignatureValue>${c === 'A' ? 'B' : 'A'}`);
    expect(altered).not.toBe(signed);
    expect(xmlSignatures(altered, intermediateAnchor)[0]).toMatchObject({ status: 'invalid', reason: 'bad_signature', checks: { digest: true, signature: false } });
  });

  it('uses a XAdES SigningTime to check the certificate', () => {
    const signed = signXml(report, pki.expired);
    const [s] = xmlSignatures(signed, intermediateAnchor);
    // No signing time: the expired certificate cannot be judged at signing.
    expect(s).toMatchObject({ status: 'valid', signingTime: null, checks: { certificateTime: null } });
    const withTime = signed.replace('</SignedInfo>', '</SignedInfo><Object><QualifyingProperties xmlns="http://uri.etsi.org/01903/v1.3.2#"><SigningTime>2026-11-01T08:00:00+07:00</SigningTime></QualifyingProperties></Object>');
    // The Object is not among the signed references, so the signature still verifies; the time is read.
    expect(xmlSignatures(withTime, intermediateAnchor)[0]).toMatchObject({ status: 'invalid', reason: 'certificate_expired', signingTime: '2026-11-01T01:00:00.000Z' });
  });

  it('records a signature without a certificate as unsupported, and a broken one as malformed', () => {
    const signed = signXml(report, pki.signer);
    const noCert = signed.replace(/<KeyInfo>[\s\S]*<\/KeyInfo>/, '');
    expect(xmlSignatures(noCert, anchors)[0]).toMatchObject({ status: 'unverified', reason: 'unsupported' });
    const broken = signed.replace(/<SignedInfo>[\s\S]*<\/SignedInfo>/, '<SignedInfo/>');
    expect(xmlSignatures(broken, anchors)[0]).toMatchObject({ status: 'invalid', reason: 'malformed' });
    const badCert = signed.replace(/<X509Certificate>[^<]{20}/, '<X509Certificate>AAAAAAAAAAAAAAAAAAAA');
    expect(xmlSignatures(badCert, anchors)[0]).toMatchObject({ status: 'invalid', reason: 'malformed' });
  });

  it('finds nothing in XML without a signature', () => {
    expect(xmlSignatures(report, anchors)).toEqual([]);
    expect(xmlSignatures('<a>not closed', anchors)).toEqual([]);
  });
});

describe('inspectAttachment', () => {
  it('checks the signature of an .xml attachment', async () => {
    const facts = await inspectAttachment(Buffer.from(signXml(report, pki.signer)), { filename: 'bao-cao.xml', declaredType: 'text/xml' }, { ...DEFAULT_ATTACHMENT_LIMITS, anchors: intermediateAnchor });
    expect(facts.kind).toBe('text');
    expect(facts.signatures?.map((s) => [s.kind, s.status])).toEqual([['xmldsig', 'valid']]);
  });

  it('checks the signature of a signed edXML package and still reads its envelope', async () => {
    const facts = await inspectAttachment(Buffer.from(signXml(edxml, pki.signer)), { filename: 'goi-tin.edxml', declaredType: 'application/xml' }, { ...DEFAULT_ATTACHMENT_LIMITS, anchors: intermediateAnchor });
    expect(facts.edxml).toMatchObject({ code: '125/STC-NS', signaturePresent: true, from: { code: '000.00.03.H30' } });
    expect(facts.signatures).toEqual([expect.objectContaining({ kind: 'xmldsig', status: 'valid' })]);
  });
});
