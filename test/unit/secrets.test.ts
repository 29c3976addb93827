import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requireKey, seal, SecretKeyError, unseal } from '../../src/crypto/secrets.js';

describe('credentials at rest (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('round-trips a Vietnamese password and never stores it in clear', () => {
    const sealed = seal('mật-khẩu bí mật', key);
    expect(sealed.includes(Buffer.from('mật-khẩu'))).toBe(false);
    expect(unseal(sealed, key)).toBe('mật-khẩu bí mật');
  });

  it('uses a fresh IV each time', () => {
    expect(seal('x', key).equals(seal('x', key))).toBe(false);
  });

  it('refuses the wrong key and tampered ciphertext with a clear error', () => {
    const sealed = seal('secret', key);
    expect(() => unseal(sealed, randomBytes(32))).toThrow(SecretKeyError);
    const tampered = Buffer.from(sealed);
    tampered.writeUInt8((tampered.readUInt8(tampered.length - 1) ^ 1), tampered.length - 1);
    expect(() => unseal(tampered, key)).toThrow(/cannot decrypt/);
  });

  it('explains how to make a key when none is set', () => {
    expect(() => requireKey(null)).toThrow(/openssl rand -base64 32/);
  });
});
