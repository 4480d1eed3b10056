import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// API tokens: 256 random bits, shown once, stored only as a SHA-256 hash. A fast hash is enough for secrets this
// long (nothing to brute-force); the prefix lets people and secret scanners recognise a token.

export const TOKEN_PREFIX = 'itk_';

export const newToken = (): string => `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Compares two hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a, 'hex'), Buffer.from(b, 'hex')];
  return x.length === y.length && timingSafeEqual(x, y);
}
