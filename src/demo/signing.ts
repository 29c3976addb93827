// Digital signatures for the demo's born-digital documents: a demo CA in the manner of the
// Government's specialised CA (Cơ quan chứng thực số chuyên dùng Chính phủ) issues each signing
// agency an organisation certificate, and the issuing agency's certificate signs its PDF as Vietnamese
// e-office systems do (a signature field, adbe.pkcs7.detached over the /ByteRange, signing time =
// the document's date). The keys are made once per process (RSA from Node's crypto), never stored
// in the repository; the CA certificate is written where the demo's configuration trusts it, so
// the demo's signatures check as `valid`. Certificates and CMS are built with node-forge and the
// PDF signature with @signpdf, the libraries the signature tests use.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import forge from 'node-forge';
import signpdfModule from '@signpdf/signpdf';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { Signer } from '@signpdf/utils';
import type { PDFDocument } from 'pdf-lib';

export interface Identity {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  keyPem: string;
  certPem: string;
  der: Buffer;
}

// Fixed validity: the same organisation gets the same certificate bytes for the whole process.
const NOT_BEFORE = new Date('2020-01-01T00:00:00Z');
const NOT_AFTER = new Date('2040-01-01T00:00:00Z');

export const DEMO_CA_NAME = 'Cơ quan chứng thực số chuyên dùng Chính phủ (DEMO)';

function utf8(value: string) {
  return { valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class, value };
}

/** A new RSA-2048 key pair (PEM), from Node's crypto. */
export function rsaPair(): { keyPem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyPem: privateKey, publicPem: publicKey };
}

/**
 * An X.509 certificate for `cn` of `org` (C=VN, UTF8String names), issued by `issuer` (self-signed
 * without one) on the given key pair: a CA (keyCertSign) or a signer (digitalSignature,
 * nonRepudiation). Signed with Node's crypto (forge's JavaScript RSA is slow). Shared with the test
 * PKI (test/helpers/pki.ts), which chooses other validity periods.
 */
export function issueCertificate(o: {
  cn: string;
  org: string;
  issuer: Identity | null;
  ca: boolean;
  pair: { keyPem: string; publicPem: string };
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
}): Identity {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(o.pair.publicPem);
  cert.serialNumber = o.serialHex;
  cert.validity.notBefore = o.notBefore;
  cert.validity.notAfter = o.notAfter;
  const subject = [
    { shortName: 'C', value: 'VN' },
    { shortName: 'O', ...utf8(o.org) },
    { shortName: 'CN', ...utf8(o.cn) },
  ] as forge.pki.CertificateField[];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: o.ca, critical: true },
    o.ca ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true } : { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (o.issuer) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: o.issuer.cert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(extensions);
  // What forge's cert.sign does, with the signature from Node's crypto.
  const oid = forge.pki.oids.sha256WithRSAEncryption as string;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // getTBSCertificate is public in forge, missing from its types.
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  cert.tbsCertificate = tbs;
  cert.signature = sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), o.issuer?.keyPem ?? o.pair.keyPem).toString('binary');
  return {
    cert,
    key: forge.pki.privateKeyFromPem(o.pair.keyPem),
    keyPem: o.pair.keyPem,
    certPem: forge.pki.certificateToPem(cert),
    der: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary'),
  };
}

/** A demo certificate: fixed validity, serial derived from the name (DER: positive, no leading zero byte). */
function issue(o: { cn: string; org: string; issuer: Identity | null; ca: boolean; pair: { keyPem: string; publicPem: string } }): Identity {
  return issueCertificate({ ...o, serialHex: `4${createHash('sha256').update(o.cn).digest('hex').slice(0, 15)}`, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
}

let ca: Identity | null = null;
let holderPair: { keyPem: string; publicPem: string } | null = null;
const holders = new Map<string, Identity>();

function demoCa(): Identity {
  ca ??= issue({ cn: DEMO_CA_NAME, org: 'Ban Cơ yếu Chính phủ (DEMO)', issuer: null, ca: true, pair: rsaPair() });
  return ca;
}

/** The demo CA's certificate (PEM): the trust anchor of the demo's configuration. */
export function demoCaPem(): string {
  return demoCa().certPem;
}

/** The organisation certificate of an agency (one key pair for every holder: key generation is the slow part). */
function holder(org: string): Identity {
  let h = holders.get(org);
  if (!h) {
    holderPair ??= rsaPair();
    h = issue({ cn: org, org, issuer: demoCa(), ca: false, pair: holderPair });
    holders.set(org, h);
  }
  return h;
}

class ForgeSigner extends Signer {
  constructor(
    private readonly id: Identity,
    private readonly signingTime: Date,
  ) {
    super();
  }
  override sign(signedBytes: Buffer): Promise<Buffer> {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(signedBytes.toString('binary'));
    p7.addCertificate(this.id.cert);
    p7.addCertificate(demoCa().cert);
    p7.addSigner({
      key: this.id.key,
      certificate: this.id.cert,
      digestAlgorithm: forge.pki.oids.sha256 as string,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType as string, value: forge.pki.oids.data as string },
        { type: forge.pki.oids.messageDigest as string },
        { type: forge.pki.oids.signingTime as string, value: this.signingTime as unknown as string },
      ],
    });
    p7.sign({ detached: true });
    return Promise.resolve(Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary'));
  }
}

// A CommonJS module whose default export is the SignPdf instance.
const signpdf = ((signpdfModule as unknown as { default?: unknown }).default ?? signpdfModule) as { sign(pdf: Buffer, signer: Signer): Promise<Buffer> };

/** Adds the signature field to a document being built (before `save`). */
export function addSignaturePlaceholder(pdf: PDFDocument, org: string, place: string, at: Date): void {
  pdflibAddPlaceholder({
    pdfDoc: pdf,
    reason: 'Ký số văn bản phát hành',
    contactInfo: org,
    name: org,
    location: place,
    signingTime: at,
    signatureLength: 8192,
  });
}

/** Signs a saved PDF that has the placeholder: `org`'s certificate, signing time `at`. */
export function signPdfAs(pdf: Buffer, org: string, at: Date): Promise<Buffer> {
  return signpdf.sign(pdf, new ForgeSigner(holder(org), at));
}
