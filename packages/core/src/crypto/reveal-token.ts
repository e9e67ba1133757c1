import { createHash, randomBytes } from 'node:crypto';

/**
 * Reveal-link tokens: 256 bits from the CSPRNG, base64url in the link; only the SHA-256 is
 * stored, so a Redis dump cannot be turned into working links. Looking a link up by its hash
 * is a keyed Redis read, which does not compare secrets byte by byte in our code.
 */
export function newRevealToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashRevealToken(token) };
}

export function hashRevealToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Tokens are 43 base64url characters; anything else is not worth a Redis round trip. */
export function looksLikeRevealToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
