// A test PKI made by the tests themselves: a root CA, an intermediate and signers (one valid, one
// whose certificate had expired when it signed, one under an untrusted root), with RSA keys from
// Node's crypto and certificates from node-forge. Builders on top: CMS signatures (node-forge),
// signed PDFs (@signpdf with a placeholder, incremental updates with @signpdf/placeholder-plain),
// S/MIME messages, detached .p7s and enveloping .p7m (the openssl CLI, an implementation
// independent of ours), and enveloped XML signatures (xml-crypto).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import signpdfModule from '@signpdf/signpdf';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { Signer } from '@signpdf/utils';
import { SignedXml } from 'xml-crypto';
import { issueCertificate, rsaPair, type Identity } from '../../src/demo/signing.js';

export type TestIdentity = Identity;

const YEAR = 365 * 24 * 3600 * 1000;

let serial = 0x1000;

/**
 * A certificate for `subject`, issued by `issuer` (self-signed without one), on a new RSA key or
 * the one given (src/demo/signing.ts builds it, as for the demo's signatures).
 */
export function issue(opts: {
  cn: string;
  o: string;
  issuer?: TestIdentity;
  ca: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse a key pair (a second certificate for the same holder): key generation is the slow part. */
  keyOf?: TestIdentity;
}): TestIdentity {
  const pair = opts.keyOf ? { keyPem: opts.keyOf.keyPem, publicPem: forge.pki.publicKeyToPem(opts.keyOf.cert.publicKey) } : rsaPair();
  return issueCertificate({
    cn: opts.cn,
    org: opts.o,
    issuer: opts.issuer ?? null,
    ca: opts.ca,
    pair,
    serialHex: (0x10000000 + serial++).toString(16), // DER: no leading zero byte
    notBefore: opts.notBefore ?? new Date(Date.now() - YEAR),
    notAfter: opts.notAfter ?? new Date(Date.now() + 5 * YEAR),
  });
}

export interface TestPki {
  root: TestIdentity;
  intermediate: TestIdentity;
  /** Nguyễn Văn An of UBND tỉnh Sơn Minh, issued by the intermediate, valid now. */
  signer: TestIdentity;
  /** Issued by the intermediate (on the signer's key); expired a month ago (before anything the tests sign). */
  expired: TestIdentity;
  otherRoot: TestIdentity;
  /** Issued by `otherRoot` (on the signer's key), which no test configures as an anchor. */
  stranger: TestIdentity;
}

let cached: TestPki | null = null;

/** The test PKI, made once per test file. */
export function testPki(): TestPki {
  if (cached) return cached;
  const root = issue({ cn: 'Test Root CA Chính phủ', o: 'Ban Cơ yếu Chính phủ (thử nghiệm)', ca: true, notBefore: new Date(Date.now() - 10 * YEAR), notAfter: new Date(Date.now() + 20 * YEAR) });
  const intermediate = issue({ cn: 'Test CA cấp 2', o: 'Ban Cơ yếu Chính phủ (thử nghiệm)', ca: true, issuer: root, notBefore: new Date(Date.now() - 5 * YEAR), notAfter: new Date(Date.now() + 10 * YEAR) });
  const signer = issue({ cn: 'Nguyễn Văn An', o: 'UBND tỉnh Sơn Minh', ca: false, issuer: intermediate });
  const expired = issue({
    cn: 'Trần Thị Bình',
    o: 'Sở Tài chính',
    ca: false,
    issuer: intermediate,
    notBefore: new Date(Date.now() - 2 * YEAR),
    notAfter: new Date(Date.now() - 30 * 24 * 3600 * 1000),
    keyOf: signer,
  });
  const otherRoot = issue({ cn: 'Untrusted Root', o: 'Nobody', ca: true });
  const stranger = issue({ cn: 'Mallory', o: 'Không rõ', ca: false, issuer: otherRoot, keyOf: signer });
  cached = { root, intermediate, signer, expired, otherRoot, stranger };
  return cached;
}

/** A CMS SignedData by `signer` over `data` with node-forge: detached or enveloping, with a signing time. */
export function cmsSign(
  data: Buffer,
  signer: TestIdentity,
  opts: { detached: boolean; extraCerts?: TestIdentity[]; signingTime?: Date | null },
): Buffer {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(data.toString('binary'));
  p7.addCertificate(signer.cert);
  for (const c of opts.extraCerts ?? []) p7.addCertificate(c.cert);
  p7.addSigner({
    key: signer.key,
    certificate: signer.cert,
    digestAlgorithm: forge.pki.oids.sha256 as string,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType as string, value: forge.pki.oids.data as string },
      { type: forge.pki.oids.messageDigest as string },
      // null: no signing-time attribute (a PDF reader then falls back to the dictionary's /M).
      ...(opts.signingTime === null ? [] : [{ type: forge.pki.oids.signingTime as string, value: (opts.signingTime ?? new Date()) as unknown as string }]),
    ],
  });
  p7.sign({ detached: opts.detached });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

class ForgeSigner extends Signer {
  constructor(
    private readonly id: TestIdentity,
    private readonly chain: TestIdentity[],
    private readonly time?: Date | null,
  ) {
    super();
  }
  /** adbe.pkcs7.sha1: the CMS carries the SHA-1 digest of the byte ranges instead of signing them detached. */
  sha1 = false;
  override sign(pdfBuffer: Buffer): Promise<Buffer> {
    const signingTime = this.time === undefined ? new Date() : this.time;
    if (this.sha1) return Promise.resolve(cmsSign(createHash('sha1').update(pdfBuffer).digest(), this.id, { detached: false, extraCerts: this.chain, signingTime }));
    return Promise.resolve(cmsSign(pdfBuffer, this.id, { detached: true, extraCerts: this.chain, signingTime }));
  }
}

/** A one-page born-digital PDF (pdf-lib, classic xref so later revisions can be appended). */
export async function plainPdf(text = 'Cong van so 125/UBND-VX ve viec bao cao so lieu'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle('Cong van 125/UBND-VX');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText(text, { x: 50, y: 780, size: 12, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

// A CommonJS module whose default export is the SignPdf instance.
const signpdf = ((signpdfModule as unknown as { default?: unknown }).default ?? signpdfModule) as { sign(pdf: Buffer, signer: Signer): Promise<Buffer> };

/**
 * Signs a PDF: a signature field and placeholder appended as an incremental update, then the CMS
 * over the byte ranges. Signing an already signed PDF adds a second signature in a new revision.
 */
export async function signPdf(
  pdf: Buffer,
  signer: TestIdentity,
  opts: { chain?: TestIdentity[]; subFilter?: string; signingTime?: Date; omitSigningTime?: boolean } = {},
): Promise<Buffer> {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: pdf,
    reason: 'Ký số văn bản',
    contactInfo: 'vanthu@sonminh.gov.vn',
    name: 'Nguyen Van An',
    location: 'Son Minh',
    signatureLength: 8192,
    ...(opts.subFilter ? { subFilter: opts.subFilter } : {}),
    ...(opts.signingTime ? { signingTime: opts.signingTime } : {}),
  });
  const forgeSigner = new ForgeSigner(signer, opts.chain ?? [], opts.omitSigningTime ? null : opts.signingTime);
  forgeSigner.sha1 = opts.subFilter === 'adbe.pkcs7.sha1';
  return signpdf.sign(withPlaceholder, forgeSigner);
}

/** Appends an incremental update (a new Info dictionary) to a PDF: a revision after signing. */
export function appendRevision(pdf: Buffer, title = 'Đã sửa sau khi ký'): Buffer {
  const text = pdf.toString('latin1');
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  const size = Math.max(...[...text.matchAll(/\/Size\s+(\d+)/g)].map((m) => Number(m[1])));
  const root = [...text.matchAll(/\/Root\s+(\d+\s+\d+\s+R)/g)].pop()?.[1];
  const objOffset = pdf.length + 1;
  const obj = `\n${size} 0 obj\n<< /Title (${Buffer.from(title, 'utf8').toString('latin1').replace(/[()\\]/g, '')}) >>\nendobj\n`;
  const xrefOffset = pdf.length + Buffer.byteLength(obj, 'latin1');
  const tail = `xref\n${size} 1\n${String(objOffset).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size + 1} /Root ${root} /Info ${size} 0 R /Prev ${prev} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(obj + tail, 'latin1')]);
}

/** The same bytes with one occurrence of `from` replaced by `to` (same length): a tampered file. */
export function tamper(bytes: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('tamper keeps the length');
  const at = bytes.indexOf(from, 0, 'latin1');
  if (at < 0) throw new Error(`"${from}" not found`);
  const out = Buffer.from(bytes);
  out.write(to, at, 'latin1');
  return out;
}

/** Runs openssl with the identity's files in a scratch folder; returns its standard output. */
function openssl(args: (dir: string) => string[], files: Record<string, string | Buffer>): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'edocwatch-pki-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
    execFileSync('openssl', args(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    return readFileSync(path.join(dir, 'out'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function signerFiles(signer: TestIdentity, chain: TestIdentity[]): Record<string, string> {
  return { 'signer.pem': signer.certPem, 'key.pem': signer.keyPem, 'chain.pem': chain.map((c) => c.certPem).join('') || signer.certPem };
}

/**
 * An S/MIME message signed with `openssl cms -sign`: `multipart/signed` (detached, the default)
 * or `application/pkcs7-mime; smime-type=signed-data` (opaque). `entity` is the MIME entity
 * signed (headers, blank line, body); `headers` go on top (From, To, Subject, Date).
 */
export function smimeMessage(entity: string, signer: TestIdentity, opts: { chain?: TestIdentity[]; opaque?: boolean; headers: string }): Buffer {
  const out = openssl(
    (d) => [
      'cms', '-sign', '-in', path.join(d, 'entity'), '-signer', path.join(d, 'signer.pem'), '-inkey', path.join(d, 'key.pem'),
      '-certfile', path.join(d, 'chain.pem'), '-md', 'sha256', ...(opts.opaque ? ['-nodetach'] : []), '-out', path.join(d, 'out'),
    ],
    { entity, ...signerFiles(signer, opts.chain ?? []) },
  );
  return Buffer.concat([Buffer.from(opts.headers.replace(/\r?\n/g, '\r\n'), 'utf8'), out]);
}

/** A detached (.p7s) or enveloping (.p7m) DER signature of a file, by `openssl cms -sign -binary`. */
export function opensslSignFile(file: Buffer, signer: TestIdentity, opts: { detached: boolean; chain?: TestIdentity[] }): Buffer {
  return openssl(
    (d) => [
      'cms', '-sign', '-binary', '-in', path.join(d, 'file'), '-signer', path.join(d, 'signer.pem'), '-inkey', path.join(d, 'key.pem'),
      '-certfile', path.join(d, 'chain.pem'), '-md', 'sha256', '-outform', 'DER', ...(opts.detached ? [] : ['-nodetach']), '-out', path.join(d, 'out'),
    ],
    { file, ...signerFiles(signer, opts.chain ?? []) },
  );
}

/** An XML document with an enveloped XML-DSig signature (RSA-SHA256, exclusive C14N, the certificate in KeyInfo). */
export function signXml(xml: string, signer: TestIdentity): string {
  const sig = new SignedXml({
    privateKey: signer.keyPem,
    publicCert: signer.certPem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: '/*',
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    isEmptyUri: true,
  });
  sig.computeSignature(xml);
  return sig.getSignedXml();
}

/** A multipart/mixed mail carrying `files`, as a mail client would send it. */
export function mailWith(files: Array<{ name: string; type: string; content: Buffer }>, subject = 'Gửi công văn số 125/UBND-VX'): Buffer {
  const boundary = '=_edocwatch_pki';
  const parts = files.map(
    (f) =>
      `--${boundary}\r\nContent-Type: ${f.type}; name="${f.name}"\r\nContent-Disposition: attachment; filename="${f.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${f.content.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`,
  );
  return Buffer.from(
    `From: vanthu@stc.sonminh.gov.vn\r\nTo: vanthu@ubnd.sonminh.gov.vn\r\nSubject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=\r\nDate: Tue, 10 Nov 2026 09:00:00 +0700\r\nMessage-ID: <pki-${Math.random().toString(36).slice(2)}@stc.sonminh.gov.vn>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nKính gửi UBND tỉnh.\r\n${parts.join('')}--${boundary}--\r\n`,
  );
}
