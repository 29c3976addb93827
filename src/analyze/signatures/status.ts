// The verdict on one signature from the checks made on it: `valid`, `invalid` with the first thing
// that failed, or `unverified` with why it could not be decided. Pure: the checks come from cms.ts,
// pdf.ts and xmldsig.ts; no I/O, no clock.

import type { SignatureReason, SignatureStatus } from '../../domain/types.js';

/** What the verifiers found; null means "not checked". */
export interface SignatureChecks {
  /** The structure could not be read (why, for the detail). */
  malformed: string | null;
  /** Over a signature limit (size, count): not parsed. */
  overLimit: string | null;
  /** A format or algorithm not verified here (which). */
  unsupported: string | null;
  /** A detached signature whose signed content is not at hand. */
  contentMissing: boolean;
  digest: boolean | null;
  signature: boolean | null;
  /** PDF only: the /ByteRange reaches the end of the file (no revision after the signature). */
  wholeFile: boolean | null;
  /** The signer certificate at the signing time: null when there is no signing time. */
  certificateTime: 'valid' | 'expired' | 'not_yet_valid' | null;
  /** `no_anchors`: none configured; `anchored`: the chain reaches one; `not_anchored`: it does not. */
  chain: 'anchored' | 'not_anchored' | 'no_anchors';
}

export const NO_CHECKS: SignatureChecks = {
  malformed: null,
  overLimit: null,
  unsupported: null,
  contentMissing: false,
  digest: null,
  signature: null,
  wholeFile: null,
  certificateTime: null,
  chain: 'no_anchors',
};

const DETAIL: Record<SignatureReason | 'valid', string> = {
  valid: 'Chữ ký số hợp lệ: dữ liệu không bị thay đổi, chứng thư hợp lệ lúc ký và chuỗi chứng thực tới tổ chức tin cậy',
  digest_mismatch: 'Chữ ký số không hợp lệ: dữ liệu đã bị thay đổi sau khi ký (giá trị băm không khớp)',
  bad_signature: 'Chữ ký số không hợp lệ: giá trị chữ ký không khớp với khóa công khai của chứng thư người ký',
  modified_after_signing: 'Chữ ký số không hợp lệ: tệp PDF đã bị sửa đổi (thêm phiên bản) sau khi ký',
  certificate_expired: 'Chữ ký số không hợp lệ: chứng thư số đã hết hạn tại thời điểm ký',
  certificate_not_yet_valid: 'Chữ ký số không hợp lệ: chứng thư số chưa có hiệu lực tại thời điểm ký',
  untrusted_chain: 'Chữ ký số không hợp lệ: chuỗi chứng thực không tới tổ chức chứng thực tin cậy nào đã cấu hình',
  malformed: 'Chữ ký số không hợp lệ: cấu trúc chữ ký bị hỏng, không đọc được',
  no_trust_anchor: 'Chữ ký số còn nguyên vẹn nhưng chưa xác minh được: chưa cấu hình chứng thư gốc tin cậy (analyze.trust_anchors)',
  content_missing: 'Chữ ký số tách rời chưa xác minh được: không có tệp dữ liệu được ký kèm theo',
  unsupported: 'Chữ ký số chưa xác minh được: định dạng hoặc thuật toán chưa được hỗ trợ',
  over_limit: 'Chữ ký số chưa xác minh được: vượt giới hạn kích thước chữ ký',
};

/**
 * The verdict. Order matters: a broken structure first, then what cannot be checked at all, then
 * the integrity of the signed bytes, the signature value, later revisions, the certificate's time,
 * and last the trust in its chain.
 */
export function signatureVerdict(c: SignatureChecks): { status: SignatureStatus; reason: SignatureReason | null; detail: string } {
  const out = (status: SignatureStatus, reason: SignatureReason | null, extra?: string | null) => ({
    status,
    reason,
    detail: extra ? `${DETAIL[reason ?? 'valid']} (${extra})` : DETAIL[reason ?? 'valid'],
  });
  if (c.malformed !== null) return out('invalid', 'malformed', c.malformed);
  if (c.overLimit !== null) return out('unverified', 'over_limit', c.overLimit);
  if (c.unsupported !== null) return out('unverified', 'unsupported', c.unsupported);
  if (c.digest === false) return out('invalid', 'digest_mismatch');
  if (c.signature === false) return out('invalid', 'bad_signature');
  if (c.contentMissing) return out('unverified', 'content_missing');
  if (c.signature !== true) return out('invalid', 'malformed', 'không kiểm tra được giá trị chữ ký');
  if (c.digest !== true) return out('invalid', 'malformed', 'không kiểm tra được giá trị băm');
  if (c.wholeFile === false) return out('invalid', 'modified_after_signing');
  if (c.certificateTime === 'expired') return out('invalid', 'certificate_expired');
  if (c.certificateTime === 'not_yet_valid') return out('invalid', 'certificate_not_yet_valid');
  if (c.chain === 'not_anchored') return out('invalid', 'untrusted_chain');
  if (c.chain === 'no_anchors') return out('unverified', 'no_trust_anchor');
  return out('valid', null);
}
