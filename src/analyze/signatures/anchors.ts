// The configured trust anchors as a value: the certificates and an id for the set. Apart from
// trust.ts (chains, pkijs) so that loading the configuration does not load the ASN.1 libraries.
import { createHash, type X509Certificate } from 'node:crypto';

/** The configured anchors, parsed once at start. */
export interface TrustAnchors {
  certs: X509Certificate[];
  /** Identifies the set (facts are cached per anchor set): a hash of their fingerprints, `none` when empty. */
  id: string;
}

export const NO_ANCHORS: TrustAnchors = { certs: [], id: 'none' };

export function trustAnchors(certs: X509Certificate[]): TrustAnchors {
  if (certs.length === 0) return NO_ANCHORS;
  const id = createHash('sha256')
    .update(certs.map((c) => c.fingerprint256).sort().join(','))
    .digest('hex')
    .slice(0, 16);
  return { certs, id };
}
