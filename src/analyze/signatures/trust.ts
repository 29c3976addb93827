// Certificates of a signature: their facts (subject, issuer, serial, validity) and the chain from a
// signer to a configured trust anchor (the government CA roots, src/config/trust-anchors.ts),
// through the intermediates the signature itself carries. Chains are checked at the signing time
// when one is known (a certificate expired today still made a good signature last year). No
// revocation (CRL/OCSP would need the network). Pure: Node's X509Certificate and pkijs, no I/O.

import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { Certificate, type RelativeDistinguishedNames } from 'pkijs';
import type { CertificateFacts } from '../../domain/types.js';

import type { TrustAnchors } from './anchors.js';

export { NO_ANCHORS, trustAnchors, type TrustAnchors } from './anchors.js';

/** Longest chain built (signer, intermediates, anchor): real ones have three or four. */
const MAX_CHAIN = 10;

const NAME_KEYS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

function stringValue(v: unknown): string {
  const block = (v as { valueBlock?: { value?: unknown; valueHexView?: Uint8Array } } | null)?.valueBlock;
  if (block && typeof block.value === 'string') return block.value;
  if (block?.valueHexView) return `#${Buffer.from(block.valueHexView).toString('hex')}`;
  return '';
}

/** `CN=…, O=…, C=VN` (most specific first, as RFC 4514 writes names), and its CN and O. */
export function nameFacts(name: RelativeDistinguishedNames): { text: string; cn: string | null; o: string | null } {
  const parts: string[] = [];
  let cn: string | null = null;
  let o: string | null = null;
  for (const tv of name.typesAndValues) {
    const key = NAME_KEYS[tv.type] ?? tv.type;
    const value = stringValue(tv.value).normalize('NFC');
    if (key === 'CN' && cn === null) cn = value;
    if (key === 'O' && o === null) o = value;
    parts.push(`${key}=${value.replace(/([,+"\\<>;])/g, '\\$1')}`);
  }
  return { text: parts.reverse().join(', '), cn, o };
}

/** Certificate facts from a pkijs certificate. */
export function certificateFacts(cert: Certificate): CertificateFacts {
  const subject = nameFacts(cert.subject);
  return {
    subject: subject.text,
    commonName: subject.cn,
    organization: subject.o,
    issuer: nameFacts(cert.issuer).text,
    serialNumber: Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex').replace(/^(00)+(?=.)/, ''),
    notBefore: cert.notBefore.value.toISOString(),
    notAfter: cert.notAfter.value.toISOString(),
  };
}

/** A pkijs certificate from DER; throws on bytes that are not one. */
export function parseCertificate(der: Uint8Array): Certificate {
  const asn = asn1js.fromBER(der);
  if (asn.offset === -1) throw new Error('not DER');
  return new Certificate({ schema: asn.result });
}

/** Whether `cert` was valid at `at`. */
export function validityAt(cert: X509Certificate, at: Date): 'valid' | 'expired' | 'not_yet_valid' {
  if (at.getTime() < new Date(cert.validFrom).getTime()) return 'not_yet_valid';
  if (at.getTime() > new Date(cert.validTo).getTime()) return 'expired';
  return 'valid';
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export interface ChainResult {
  status: 'anchored' | 'not_anchored' | 'no_anchors';
  /** From the signer up: as far as it could be built. */
  path: X509Certificate[];
}

/**
 * Builds the chain from `signer` through `pool` (the certificates the signature carries) to an
 * anchor. Each link's signature is verified; issuers must be CA certificates and, when `at` is
 * known, valid at that time. The anchors are trusted as configured (their own validity is the
 * operator's choice).
 */
export function chainToAnchor(signer: X509Certificate, pool: X509Certificate[], anchors: TrustAnchors, at: Date | null): ChainResult {
  const path: X509Certificate[] = [signer];
  const isAnchor = (c: X509Certificate) => anchors.certs.some((a) => a.fingerprint256 === c.fingerprint256);
  let cur = signer;
  for (let i = 0; i < MAX_CHAIN; i++) {
    if (isAnchor(cur)) return { status: 'anchored', path };
    const anchor = anchors.certs.find((a) => issuedBy(cur, a));
    if (anchor) {
      path.push(anchor);
      return { status: 'anchored', path };
    }
    const next = pool.find(
      (c) => !path.some((p) => p.fingerprint256 === c.fingerprint256) && c.ca && (at === null || validityAt(c, at) === 'valid') && issuedBy(cur, c),
    );
    if (!next) break;
    path.push(next);
    cur = next;
  }
  return { status: anchors.certs.length === 0 ? 'no_anchors' : 'not_anchored', path };
}

/**
 * RFC 4514-like subject of a Node certificate, most specific first (for `chain`). `known` maps
 * fingerprints to subjects already read (the signature's own certificates): parsing is the slow part.
 */
export function subjectLine(cert: X509Certificate, known?: Map<string, string>): string {
  const hit = known?.get(cert.fingerprint256);
  if (hit !== undefined) return hit;
  try {
    return nameFacts(parseCertificate(new Uint8Array(cert.raw)).subject).text;
  } catch {
    return cert.subject.split('\n').reverse().join(', ');
  }
}
