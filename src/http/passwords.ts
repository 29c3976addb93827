// Password hashing for local accounts: Argon2id through @node-rs/argon2 (docs/dependencies.md says
// why), with the library's defaults (OWASP's m=19 MiB, t=2, p=1). The PHC string keeps the
// parameters, so raising them later still verifies old hashes.
import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** True when the password matches; false for a wrong one or a malformed stored hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// A valid hash of a random password: a sign-in with an unknown name spends the same time verifying
// against it as a known name does, so response times do not tell which names exist.
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hash(`decoy-${Math.random()}-${Date.now()}`);
  return decoy;
}
