// XML signatures (XML-DSig, W3C xmldsig-core): the enveloped signature of an edXML package or of
// any .xml attachment. For each ds:Signature: every Reference's digest and the SignatureValue over
// the canonical SignedInfo, checked by xml-crypto with the certificate the signature's KeyInfo
// carries; then that certificate's validity at the XAdES SigningTime (when the signature states
// one) and its chain to a trust anchor (trust.ts), the other KeyInfo certificates serving as
// intermediates. Bounded: document size and signatures per document. Pure; no I/O.

import { X509Certificate } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { SignatureFacts } from '../../domain/types.js';
import { cmsFacts, type CheckedSigner } from './cms.js';
import { NO_CHECKS, type SignatureChecks } from './status.js';
import { certificateFacts, chainToAnchor, parseCertificate, subjectLine, validityAt, type TrustAnchors } from './trust.js';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
/** Larger documents are not parsed for their signatures. */
export const MAX_SIGNED_XML_CHARS = 32 * 1024 * 1024;
/** Signatures checked per document. */
const MAX_XML_SIGNATURES = 8;

/** Whether the text has an XML-DSig signature worth parsing for (cheap: before any DOM is built). */
export function hasXmlSignature(xml: string): boolean {
  return xml.includes(DSIG_NS) && /<(?:[\w.-]+:)?Signature[\s>]/.test(xml);
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 160);
}

function certificatesIn(signature: Element): Buffer[] {
  const nodes = signature.getElementsByTagNameNS(DSIG_NS, 'X509Certificate');
  const out: Buffer[] = [];
  for (let i = 0; i < nodes.length && i < 16; i++) {
    const text = nodes.item(i)?.textContent?.replace(/\s+/g, '') ?? '';
    if (text) out.push(Buffer.from(text, 'base64'));
  }
  return out;
}

function toPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

function firstText(signature: Element, localName: string): string | null {
  const all = signature.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const e = all.item(i);
    if (e?.localName === localName) return e.textContent?.trim() ?? null;
  }
  return null;
}

function attrOfFirst(signature: Element, ns: string, localName: string, attr: string): string | null {
  return signature.getElementsByTagNameNS(ns, localName).item(0)?.getAttribute(attr) ?? null;
}

function checkOne(xml: string, signature: Element, anchors: TrustAnchors): CheckedSigner {
  const checks: SignatureChecks = { ...NO_CHECKS, chain: anchors.certs.length === 0 ? 'no_anchors' : 'not_anchored' };
  const out: CheckedSigner = { checks, signer: null, signingTime: null, digestAlgorithm: null, chain: [] };
  const digestUri = attrOfFirst(signature, DSIG_NS, 'DigestMethod', 'Algorithm');
  out.digestAlgorithm = digestUri ? (digestUri.split('#').pop() ?? digestUri) : null;
  const time = firstText(signature, 'SigningTime');
  const at = time && !Number.isNaN(Date.parse(time)) ? new Date(time) : null;
  out.signingTime = at;
  const ders = certificatesIn(signature);
  const first = ders[0];
  if (!first) {
    checks.unsupported = 'chữ ký XML không kèm chứng thư X.509 trong KeyInfo';
    return out;
  }
  let signerCert: X509Certificate;
  try {
    signerCert = new X509Certificate(first);
    out.signer = certificateFacts(parseCertificate(first));
  } catch (err) {
    checks.malformed = `chứng thư trong KeyInfo không đọc được: ${oneLine(err)}`;
    return out;
  }
  const pem = toPem(first);
  try {
    const sig = new SignedXml({ getCertFromKeyInfo: () => pem });
    sig.loadSignature(signature);
    // false: a Reference's digest does not match; a throw naming the signature value: bad signature.
    const ok = sig.checkSignature(xml);
    checks.digest = ok;
    checks.signature = ok ? true : null;
    if (!ok) return out;
  } catch (err) {
    const msg = oneLine(err);
    if (err instanceof Error && /^invalid signature: the signature value [\s\S]* is incorrect$/.test(err.message)) {
      checks.digest = true;
      checks.signature = false;
    } else checks.malformed = msg;
    return out;
  }
  const pool = ders.slice(1).flatMap((d) => {
    try {
      return [new X509Certificate(d)];
    } catch {
      return [];
    }
  });
  checks.certificateTime = at ? validityAt(signerCert, at) : null;
  const chain = chainToAnchor(signerCert, pool, anchors, at);
  checks.chain = chain.status;
  out.chain = chain.path.map((c) => subjectLine(c));
  return out;
}

/** The XML signatures of a document, each checked. Never throws. */
export function xmlSignatures(xml: string, anchors: TrustAnchors): SignatureFacts[] {
  if (!hasXmlSignature(xml)) return [];
  const single = (checks: Partial<typeof NO_CHECKS>): SignatureFacts[] =>
    cmsFacts([{ checks: { ...NO_CHECKS, ...checks }, signer: null, signingTime: null, digestAlgorithm: null, chain: [] }], {
      kind: 'xmldsig',
      format: null,
      covers: null,
    });
  if (xml.length > MAX_SIGNED_XML_CHARS) return single({ overLimit: `${xml.length} ký tự > ${MAX_SIGNED_XML_CHARS}` });
  let signatures: Element[];
  try {
    const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
    const list = doc.getElementsByTagNameNS(DSIG_NS, 'Signature');
    signatures = [];
    for (let i = 0; i < list.length && i < MAX_XML_SIGNATURES; i++) {
      const e = list.item(i);
      if (e) signatures.push(e);
    }
  } catch (err) {
    return single({ malformed: `XML không đọc được: ${oneLine(err)}` });
  }
  if (signatures.length === 0) return [];
  return signatures.flatMap((signature) => {
    const enveloped = Array.from({ length: signature.getElementsByTagNameNS(DSIG_NS, 'Transform').length }, (_, i) =>
      signature.getElementsByTagNameNS(DSIG_NS, 'Transform').item(i)?.getAttribute('Algorithm'),
    ).includes('http://www.w3.org/2000/09/xmldsig#enveloped-signature');
    const checked = checkOne(xml, signature, anchors);
    const refs = signature.getElementsByTagNameNS(DSIG_NS, 'Reference');
    const uris = Array.from({ length: Math.min(refs.length, 8) }, (_, i) => refs.item(i)?.getAttribute('URI') ?? '');
    return cmsFacts([checked], {
      kind: 'xmldsig',
      format: enveloped ? 'enveloped' : 'enveloping',
      covers: uris.map((u) => (u === '' ? 'toàn bộ tài liệu' : u)).join(', ') || null,
    }).map((f) => ({ ...f, signingTimeSource: checked.signingTime ? ('signed_attribute' as const) : null }));
  });
}
