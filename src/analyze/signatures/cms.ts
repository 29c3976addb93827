// CMS / PKCS #7 SignedData (RFC 5652): the signature inside a PDF's /Contents, an S/MIME smime.p7s
// or .p7m, a detached .p7s beside the file it signs. For each SignerInfo: the signer certificate
// (found by issuer and serial, or by key identifier, among the certificates the signature carries),
// the digest of the signed bytes against its messageDigest attribute, the signature value over the
// signed attributes with the signer's public key, the signer certificate's validity at the signing
// time, and the chain to a trust anchor (trust.ts). Parsing is bounded (size, signers,
// certificates); a structure that does not parse is `malformed`, never an exception. Pure: asn1js
// and pkijs to read the structures, Node's crypto to hash and verify; no I/O.

import { createHash, createVerify, constants, verify as verifyOneShot, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { Certificate, ContentInfo, IssuerAndSerialNumber, RSASSAPSSParams, SignedData, type SignerInfo } from 'pkijs';
import type { CertificateFacts, SignatureFacts, SignatureKind } from '../../domain/types.js';
import { NO_CHECKS, signatureVerdict, type SignatureChecks } from './status.js';
import { certificateFacts, chainToAnchor, nameFacts, subjectLine, validityAt, type TrustAnchors } from './trust.js';

/** A CMS structure larger than this is not parsed (real ones, with their chain, are a few kB; PAdES-LT with CRLs some hundred). */
export const MAX_CMS_BYTES = 2 * 1024 * 1024;
/** Signers read in one SignedData. */
const MAX_SIGNERS = 16;
/** Certificates read from one SignedData. */
const MAX_CERTIFICATES = 64;

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const ATTR_SIGNING_TIME = '1.2.840.113549.1.9.5';

const HASHES: Record<string, string> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithms that name their hash; the bare key algorithms take the signer's digest algorithm. */
const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.3.14.3.2.29': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const RSA_PSS = '1.2.840.113549.1.1.10';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const ED25519 = '1.3.101.112';

/** The bytes a detached signature signs, in pieces (a PDF's two byte ranges): never copied whole. */
export interface SignedContent {
  chunks: Uint8Array[];
}

/** One SignerInfo checked; turned into SignatureFacts by `cmsFacts` once the caller added its own checks. */
export interface CheckedSigner {
  checks: SignatureChecks;
  signer: CertificateFacts | null;
  signingTime: Date | null;
  digestAlgorithm: string | null;
  chain: string[];
}

export interface CmsCheck {
  signers: CheckedSigner[];
  /** The encapsulated content (enveloping signatures: .p7m, S/MIME signed-data), null when detached. */
  content: Buffer | null;
}

function failed(checks: Partial<SignatureChecks>): CmsCheck {
  return { signers: [{ checks: { ...NO_CHECKS, ...checks }, signer: null, signingTime: null, digestAlgorithm: null, chain: [] }], content: null };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 160);
}

/** The bytes of an OCTET STRING, primitive or constructed (BER, as Outlook and Apple Mail write it). */
function octets(node: asn1js.AsnType, depth = 0): Buffer {
  if (depth > 8) throw new Error('OCTET STRING nested too deep');
  const b = node as asn1js.OctetString;
  if (b.idBlock.isConstructed) {
    const parts = (b.valueBlock.value as asn1js.AsnType[]).map((p) => octets(p, depth + 1));
    return Buffer.concat(parts);
  }
  return Buffer.from(b.valueBlock.valueHexView);
}

/** SignedData from DER/BER (or the PEM of a `-----BEGIN PKCS7-----`); throws when it is not one. */
export function parseSignedData(input: Uint8Array): SignedData {
  let der = input;
  const head = Buffer.from(input.subarray(0, 40)).toString('latin1');
  if (head.startsWith('-----BEGIN')) {
    const text = Buffer.from(input).toString('latin1');
    der = Buffer.from(text.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, ''), 'base64');
  }
  const asn = asn1js.fromBER(der);
  if (asn.offset === -1) throw new Error(`not ASN.1: ${asn.result.error}`);
  const info = new ContentInfo({ schema: asn.result });
  if (info.contentType !== SIGNED_DATA) throw new Error(`content type ${info.contentType} is not signedData`);
  return new SignedData({ schema: info.content });
}

/** The content an enveloping signature carries (.p7m, S/MIME signed-data), else null. Never throws. */
export function encapsulatedContent(der: Uint8Array): Buffer | null {
  if (der.length > MAX_CMS_BYTES * 16) return null;
  try {
    const e = parseSignedData(der).encapContentInfo.eContent;
    return e ? octets(e) : null;
  } catch {
    return null;
  }
}

function signedAttr(si: SignerInfo, oid: string): unknown {
  return si.signedAttrs?.attributes.find((a) => a.type === oid)?.values[0];
}

function findSigner(si: SignerInfo, certs: Certificate[]): Certificate | null {
  const sid = si.sid as unknown;
  if (sid instanceof IssuerAndSerialNumber) {
    return certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber)) ?? null;
  }
  // [0] SubjectKeyIdentifier: the certificate's extension, else the SHA-1 of its key (RFC 5280 §4.2.1.2).
  const node = sid as asn1js.Constructed & asn1js.OctetString;
  const keyId = Buffer.from(
    node.idBlock.isConstructed ? (node.valueBlock.value[0] as asn1js.OctetString).valueBlock.valueHexView : node.valueBlock.valueHexView,
  );
  return (
    certs.find((c) => {
      const ext = c.extensions?.find((x) => x.extnID === '2.5.29.14');
      const ski = ext ? Buffer.from((ext.parsedValue as asn1js.OctetString | undefined)?.valueBlock.valueHexView ?? new Uint8Array()) : null;
      const keyHash = createHash('sha1').update(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
      return (ski !== null && ski.equals(keyId)) || keyHash.equals(keyId);
    }) ?? null
  );
}

function digestOf(hash: string, chunks: Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const c of chunks) h.update(c);
  return h.digest();
}

class UnsupportedAlgorithm extends Error {}

/** Verifies `sig` over `data` with the signer's key, for the algorithms CMS signers use. */
export function verifyValue(sigOid: string, sigParams: unknown, digestHash: string, key: KeyObject, data: Uint8Array[], sig: Uint8Array): boolean {
  if (sigOid === ED25519) return verifyOneShot(null, Buffer.concat(data), key, sig);
  let hash = SIGNATURE_HASHES[sigOid];
  let options: Parameters<ReturnType<typeof createVerify>['verify']>[0] = key;
  if (sigOid === RSA_PSS) {
    const params = sigParams instanceof asn1js.Sequence ? new RSASSAPSSParams({ schema: sigParams }) : new RSASSAPSSParams();
    hash = HASHES[params.hashAlgorithm.algorithmId];
    options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength };
  } else if (sigOid === RSA_ENCRYPTION || sigOid === EC_PUBLIC_KEY) {
    hash = digestHash;
  }
  if (!hash) throw new UnsupportedAlgorithm(`thuật toán chữ ký ${sigOid}`);
  const v = createVerify(hash);
  for (const d of data) v.update(d);
  return v.verify(options, sig);
}

function pemless(c: Certificate): X509Certificate | null {
  try {
    return new X509Certificate(Buffer.from(c.toSchema(false).toBER(false)));
  } catch {
    return null;
  }
}

/**
 * Checks every SignerInfo of a CMS SignedData. `content` is what a detached signature signs (null
 * when it is not at hand); an enveloping signature is checked over the content it carries.
 * `fallbackTime` (a PDF's /M) stands in for a missing signing-time attribute.
 */
export function checkCms(der: Uint8Array, content: SignedContent | null, anchors: TrustAnchors, fallbackTime: Date | null = null): CmsCheck {
  if (der.length > MAX_CMS_BYTES) return failed({ overLimit: `${der.length} byte > ${MAX_CMS_BYTES}` });
  let sd: SignedData;
  let eContent: Buffer | null;
  try {
    sd = parseSignedData(der);
    eContent = sd.encapContentInfo.eContent ? octets(sd.encapContentInfo.eContent) : null;
  } catch (err) {
    return failed({ malformed: oneLine(err) });
  }
  if (sd.signerInfos.length === 0) return { ...failed({ malformed: 'không có SignerInfo' }), content: eContent };
  const certs = (sd.certificates ?? []).filter((c): c is Certificate => c instanceof Certificate).slice(0, MAX_CERTIFICATES);
  const pool: X509Certificate[] = [];
  const nodeCert = new Map<Certificate, X509Certificate>();
  const subjects = new Map<string, string>();
  for (const c of certs) {
    const x = pemless(c);
    if (!x) continue;
    pool.push(x);
    nodeCert.set(c, x);
    subjects.set(x.fingerprint256, nameFacts(c.subject).text);
  }
  const data = content?.chunks ?? (eContent ? [eContent] : null);
  const signers: CheckedSigner[] = [];
  for (const si of sd.signerInfos.slice(0, MAX_SIGNERS)) {
    const checks: SignatureChecks = { ...NO_CHECKS, chain: anchors.certs.length === 0 ? 'no_anchors' : 'not_anchored' };
    const out: CheckedSigner = { checks, signer: null, signingTime: null, digestAlgorithm: null, chain: [] };
    signers.push(out);
    try {
      const hash = HASHES[si.digestAlgorithm.algorithmId] ?? null;
      out.digestAlgorithm = hash ?? si.digestAlgorithm.algorithmId;
      const time = signedAttr(si, ATTR_SIGNING_TIME) as asn1js.UTCTime | asn1js.GeneralizedTime | undefined;
      out.signingTime = time && typeof time.toDate === 'function' ? time.toDate() : null;
      const cert = findSigner(si, certs);
      if (cert) out.signer = certificateFacts(cert);
      if (!hash) {
        checks.unsupported = `thuật toán băm ${si.digestAlgorithm.algorithmId}`;
        continue;
      }
      if (!cert) {
        checks.malformed = 'không có chứng thư người ký trong chữ ký';
        continue;
      }
      const signerCert = nodeCert.get(cert);
      if (!signerCert) {
        checks.malformed = 'chứng thư người ký không đọc được';
        continue;
      }
      let toVerify: Uint8Array[] | null;
      if (si.signedAttrs) {
        const md = signedAttr(si, ATTR_MESSAGE_DIGEST) as asn1js.OctetString | undefined;
        if (!(md instanceof asn1js.OctetString)) {
          checks.malformed = 'thiếu thuộc tính messageDigest';
          continue;
        }
        if (data) checks.digest = digestOf(hash, data).equals(Buffer.from(md.valueBlock.valueHexView));
        else checks.contentMissing = true;
        toVerify = [new Uint8Array(si.signedAttrs.encodedValue)];
      } else {
        // No signed attributes: the signature is over the content itself.
        toVerify = data;
        if (data) checks.digest = true;
        else checks.contentMissing = true;
      }
      if (toVerify) {
        checks.signature = verifyValue(
          si.signatureAlgorithm.algorithmId,
          si.signatureAlgorithm.algorithmParams,
          hash,
          signerCert.publicKey,
          toVerify,
          si.signature.valueBlock.valueHexView,
        );
      }
      const at = out.signingTime ?? fallbackTime;
      checks.certificateTime = at ? validityAt(signerCert, at) : null;
      const chain = chainToAnchor(signerCert, pool, anchors, at);
      checks.chain = chain.status;
      out.chain = chain.path.map((c) => subjectLine(c, subjects));
    } catch (err) {
      if (err instanceof UnsupportedAlgorithm) checks.unsupported = err.message;
      else checks.malformed = oneLine(err);
    }
  }
  return { signers, content: eContent };
}

/** SignatureFacts of checked signers, with the verdict on each. */
export function cmsFacts(
  signers: CheckedSigner[],
  meta: { kind: SignatureKind; format: string | null; covers: string | null; fallbackTime?: Date | null },
): SignatureFacts[] {
  return signers.map((s) => {
    const verdict = signatureVerdict(s.checks);
    const time = s.signingTime ?? meta.fallbackTime ?? null;
    return {
      kind: meta.kind,
      format: meta.format,
      ...verdict,
      signer: s.signer,
      signingTime: time ? time.toISOString() : null,
      signingTimeSource: s.signingTime ? 'signed_attribute' : time ? 'pdf_m' : null,
      digestAlgorithm: s.digestAlgorithm,
      checks: {
        digest: s.checks.digest,
        signature: s.checks.signature,
        wholeFile: s.checks.wholeFile,
        certificateTime: s.checks.certificateTime === null ? null : s.checks.certificateTime === 'valid',
        chain: s.checks.chain === 'no_anchors' ? null : s.checks.chain === 'anchored',
      },
      chain: s.chain,
      covers: meta.covers,
    };
  });
}

/** Checks a CMS signature and gives its facts in one call (a .p7s, a .p7m, an S/MIME part). */
export function cmsSignatures(
  der: Uint8Array,
  content: SignedContent | null,
  anchors: TrustAnchors,
  meta: { kind: SignatureKind; format: string | null; covers: string | null },
): SignatureFacts[] {
  return cmsFacts(checkCms(der, content, anchors).signers, meta);
}
