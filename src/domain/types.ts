// The vocabulary of edocwatch's domain (DESIGN.md, "The domain"): pure types, no I/O.
// Every other module speaks in these names; the database columns and the JSON of `inspect` and
// `stats` use the same string values.

export const AGENCY_LEVELS = [
  'province_pc',
  'department',
  'provincial_org',
  'district_pc',
  'commune_pc',
  'unit',
] as const;
export type AgencyLevel = (typeof AGENCY_LEVELS)[number];

/** One entry of the agency directory (config/agencies.yaml, `agency import`). */
export interface Agency {
  /** Identifier code (mã định danh), e.g. `000.00.00.H30` or `H30.21`. */
  code: string;
  name: string;
  level: AgencyLevel;
  parent: string | null;
  /** Email domains owned by this agency alone (lower case). */
  domains: string[];
  /** Individual addresses (lower case): used where many agencies share one domain. */
  addresses: string[];
  /** ISO dates (YYYY-MM-DD) or null. */
  validFrom: string | null;
  validTo: string | null;
  successor: string | null;
}

export const PARTY_KINDS = ['agency', 'enterprise', 'organization', 'individual', 'unknown'] as const;
export type PartyKind = (typeof PARTY_KINDS)[number];

/** One address seen in a message, resolved against the directory. */
export interface Party {
  address: string;
  name: string | null;
  kind: PartyKind;
  /** Agency code when kind = 'agency'. */
  agencyCode: string | null;
  agencyLevel: AgencyLevel | null;
  /** Which rule resolved it: `address`, `domain`, `free_mail`, `gov_domain`, `enterprise_domain`, `none`. */
  matchedBy: string;
  /** Header roles this address appears in. */
  roles: Array<'from' | 'to' | 'cc' | 'bcc' | 'reply_to' | 'sender'>;
}

export const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const FORMS = ['electronic', 'hybrid'] as const;
export type Form = (typeof FORMS)[number];

export const DIGITIZATIONS = ['born_digital', 'scanned', 'mixed', 'none'] as const;
export type Digitization = (typeof DIGITIZATIONS)[number];

export const FLOWS = [
  'internal',
  'to_province_pc',
  'inter_agency',
  'to_department_or_district',
  'commune_level',
  'with_enterprise',
  'with_organization',
  'with_individual',
  'unknown',
] as const;
export type Flow = (typeof FLOWS)[number];

export const MESSAGE_STATES = ['pending', 'analyzed', 'skipped', 'malformed', 'over_limit', 'failed'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** What an attachment is, as far as the labels care. */
export const ATTACHMENT_KINDS = ['pdf', 'image', 'office', 'archive', 'text', 'signature', 'other', 'message'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** Legacy Vietnamese encodings whose text is converted to Unicode (src/domain/vn-legacy.ts). */
export const LEGACY_ENCODINGS = ['tcvn3', 'vni', 'windows-1258'] as const;
export type LegacyEncoding = (typeof LEGACY_ENCODINGS)[number];

export interface AttachmentFacts {
  filename: string | null;
  declaredType: string | null;
  /** MIME type sniffed from the content; falls back to the declared type only for plain text. */
  sniffedType: string;
  size: number;
  sha256: string;
  kind: AttachmentKind;
  /** For documents: born-digital, scanned, mixed; `none` for what is not a document. */
  digitization: Digitization;
  pages: number | null;
  /** Pages with a text layer (PDF). */
  textPages: number | null;
  /** Extracted text (for reference finding), truncated to a limit. */
  text: string;
  /** The legacy encoding (TCVN3, VNI, windows-1258) its text was converted from; null if none. */
  encoding: LegacyEncoding | null;
  /** A limit this attachment hit, or an error reading it; null when read whole. */
  problem: string | null;
  /** Pixel size of an image (the first page of a multi-page TIFF); absent for other kinds. */
  image?: { width: number; height: number } | null;
  /** Text recognized by OCR (analyze.ocr), kept apart from `text`; absent when OCR did not run. */
  ocr?: OcrFacts | null;
  /** The envelope of an edXML package (QCVN 102:2016); absent for other files. */
  edxml?: EdxmlEnvelope | null;
  /** Files carried inside this one (an edXML package's attachments), inspected like attachments. */
  parts?: AttachmentFacts[];
  /** Inside a container: the entry's path there (`ho-so/cong-van.pdf`); absent for a mail's own attachment. */
  path?: string;
  /**
   * A container's contents (archive entries; a forwarded message's or a winmail.dat's attachments),
   * each analyzed like an attachment, nested containers with their own `children`; absent for
   * anything that is not a container. See src/analyze/container.ts.
   */
  children?: AttachmentFacts[];
  /** For containers: the format, the entries it declares (null when unknown) and the bytes unpacked from it. */
  container?: { format: string; entries: number | null; unpackedBytes: number };
  /**
   * Digital signatures found in the file (PDF /ByteRange signatures, CMS .p7s/.p7m, XML-DSig), each
   * verified (src/analyze/signatures/); absent or empty when there is none.
   */
  signatures?: SignatureFacts[];
}

export const SIGNATURE_KINDS = ['pdf', 'cms', 'smime', 'xmldsig', 'openpgp'] as const;
export type SignatureKind = (typeof SIGNATURE_KINDS)[number];

export const SIGNATURE_STATUSES = ['valid', 'invalid', 'unverified'] as const;
export type SignatureStatus = (typeof SIGNATURE_STATUSES)[number];

/**
 * Why a signature is not `valid`. `invalid`: digest_mismatch (the signed bytes changed),
 * bad_signature (the signature value does not verify with the signer's key), modified_after_signing
 * (a PDF revised after its last signature), certificate_expired / certificate_not_yet_valid (at the
 * signing time), untrusted_chain (anchors are configured and none is reached), malformed.
 * `unverified`: no_trust_anchor (intact, but no anchor is configured), content_missing (a detached
 * signature whose signed file is not there), unsupported (a format or algorithm not verified here),
 * over_limit (larger than the signature limits).
 */
export const SIGNATURE_REASONS = [
  'digest_mismatch',
  'bad_signature',
  'modified_after_signing',
  'certificate_expired',
  'certificate_not_yet_valid',
  'untrusted_chain',
  'malformed',
  'no_trust_anchor',
  'content_missing',
  'unsupported',
  'over_limit',
] as const;
export type SignatureReason = (typeof SIGNATURE_REASONS)[number];

/** An X.509 certificate as a signature shows it. Names are RFC 4514-like strings, most specific first. */
export interface CertificateFacts {
  subject: string;
  commonName: string | null;
  organization: string | null;
  issuer: string;
  /** Serial number, lower-case hex. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
}

/** One digital signature and what checking it gave (src/analyze/signatures/). */
export interface SignatureFacts {
  kind: SignatureKind;
  /**
   * pdf: its /SubFilter (`adbe.pkcs7.detached`, `ETSI.CAdES.detached`…); cms: `detached` or
   * `enveloping`; smime: `multipart/signed` or `signed-data`; xmldsig: `enveloped` or `enveloping`.
   */
  format: string | null;
  status: SignatureStatus;
  /** Null when valid. */
  reason: SignatureReason | null;
  /** What was found, in Vietnamese, for people reading the analysis. */
  detail: string;
  signer: CertificateFacts | null;
  /** ISO time the signature states (the CMS signing-time attribute, else the PDF /M entry), else null. */
  signingTime: string | null;
  signingTimeSource: 'signed_attribute' | 'pdf_m' | null;
  digestAlgorithm: string | null;
  /** Each check: true passed, false failed, null not made (not applicable, or an earlier check failed). */
  checks: {
    /** The digest of the signed bytes equals the one the signature carries (messageDigest, XML DigestValue). */
    digest: boolean | null;
    /** The signature value verifies with the signer certificate's public key. */
    signature: boolean | null;
    /** PDF: the /ByteRange covers the whole file but the signature itself. */
    wholeFile: boolean | null;
    /** The signer certificate was valid at the signing time. */
    certificateTime: boolean | null;
    /** The chain reaches a configured trust anchor (null: none configured). */
    chain: boolean | null;
  };
  /** Subjects from the signer up to the anchor (or as far as the chain was built). */
  chain: string[];
  /** What the signature covers: `bytes 0-840, 960-2048 of 2048`, the file a .p7s signs, `message`… */
  covers: string | null;
}

/** What OCR of a scanned attachment gave (src/analyze/ocr.ts). */
export interface OcrFacts {
  engine: 'tesseract';
  /** Tesseract languages used, e.g. `vie+eng`. */
  languages: string;
  /** Pages recognized. */
  pages: number;
  /** Length of `text`. */
  chars: number;
  /** The recognized text, NFC, truncated to the text limit. */
  text: string;
  /** Limits hit and failures (`unavailable:ocr: tesseract not installed`, `timeout:ocr`, `over_limit:pixels`…). */
  problems: string[];
}

/** An organization named in an edXML envelope by its identifier code (OrganId). */
export interface EdxmlOrgan {
  code: string;
  name: string | null;
}

/** The envelope (edXMLHeader/MessageHeader) of an edXML package: ground truth about the document it carries. */
export interface EdxmlEnvelope {
  /** The namespace the package declares: `http://www.mic.gov.vn/TBT/QCVN_102_2016`, or the older `http://www.go.vn/eDoc`. */
  namespace: string | null;
  from: EdxmlOrgan | null;
  to: EdxmlOrgan[];
  /** CodeNumber/CodeNotation as canonical reference (`2888/UBND-VX`), null when absent. */
  code: string | null;
  codeNumber: string | null;
  codeNotation: string | null;
  /** DocumentType/TypeName, e.g. `Công văn`. */
  type: string | null;
  place: string | null;
  /** PromulgationDate as ISO YYYY-MM-DD, null when absent or unreadable. */
  date: string | null;
  subject: string | null;
  signer: { competence: string | null; position: string | null; fullName: string | null } | null;
  /** The DocumentId of the exchange platform, when present. */
  documentId: string | null;
  /** Attachments the package carries (names as stated in it). */
  attachments: Array<{ name: string | null; contentType: string | null; size: number }>;
  /** An XML signature element is present (not verified here). */
  signaturePresent: boolean;
}

/** A document reference (số/ký hiệu) found in text. The JSON contract of `edocwatch refs`. */
export interface DocRef {
  /** Canonical form: `2888/UBND-VX`, `43/2011/NĐ-CP`, `59-CV/TU`. */
  ref: string;
  number: string;
  year: number | null;
  symbol: string;
  kind: string | null;
  /** ISO date YYYY-MM-DD or null. */
  date: string | null;
  /** [start, end) UTF-16 indices into the input. */
  span: [number, number];
}

export interface Evidence {
  label: string;
  value: string | boolean | null;
  rule: string;
  detail: string;
}

export interface Labels {
  form: Form | null;
  digitization: Digitization;
  signed: boolean;
  flow: Flow;
  secret: boolean;
}

export interface DirectoryIndex {
  agencies: Map<string, Agency>;
  byAddress: Map<string, Agency>;
  byDomain: Map<string, Agency>;
}
