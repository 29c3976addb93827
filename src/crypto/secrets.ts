// Mailbox credentials at rest: AES-256-GCM with EDOCWATCH_SECRET_KEY. Layout of a sealed value:
// version (1 byte) | IV (12) | auth tag (16) | ciphertext, with a fixed associated-data label so a
// value sealed for another purpose cannot be passed off as a credential.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EdocError } from '../errors.js';

const VERSION = 1;
const AAD = Buffer.from('edocwatch mailbox credential v1');

export class SecretKeyError extends EdocError {
  constructor(message: string) {
    super('E_SECRET_KEY', message);
  }
}

export function requireKey(key: Buffer | null): Buffer {
  if (!key)
    throw new SecretKeyError(
      'thiếu khóa mã hóa / EDOCWATCH_SECRET_KEY is not set: generate one with `openssl rand -base64 32` and keep it safe',
    );
  return key;
}

export function seal(plaintext: string, key: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

export function unseal(sealed: Buffer, key: Buffer): string {
  if (sealed.length < 29 || sealed[0] !== VERSION) throw new SecretKeyError('stored credential has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
  decipher.setAAD(AAD);
  decipher.setAuthTag(sealed.subarray(13, 29));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError('không giải mã được mật khẩu hộp thư / cannot decrypt a mailbox credential: EDOCWATCH_SECRET_KEY is not the key it was saved with');
  }
}
