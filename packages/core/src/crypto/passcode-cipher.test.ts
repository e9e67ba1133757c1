import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PasscodeCipher } from './passcode-cipher';
import { hashRevealToken, looksLikeRevealToken, newRevealToken } from './reveal-token';

const ctx = { employeeId: 'E-1', tapId: 'tap-1' };

describe('PasscodeCipher', () => {
  it('round-trips and never shows the passcode in the ciphertext', () => {
    const c = new PasscodeCipher([randomBytes(32)]);
    const sealed = c.encrypt('Secret-Pass-123', ctx);
    expect(sealed).not.toContain('Secret-Pass-123');
    expect(c.decrypt(sealed, ctx)).toBe('Secret-Pass-123');
  });

  it('uses a fresh IV each time', () => {
    const c = new PasscodeCipher([randomBytes(32)]);
    expect(c.encrypt('x', ctx)).not.toBe(c.encrypt('x', ctx));
  });

  it('binds the employee and TAP id as associated data', () => {
    const c = new PasscodeCipher([randomBytes(32)]);
    const sealed = c.encrypt('p', ctx);
    expect(() => c.decrypt(sealed, { ...ctx, employeeId: 'E-2' })).toThrow();
    expect(() => c.decrypt(sealed, { ...ctx, tapId: 'tap-2' })).toThrow();
  });

  it('detects tampering', () => {
    const c = new PasscodeCipher([randomBytes(32)]);
    const parts = c.encrypt('passcode', ctx).split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString('base64url');
    expect(() => c.decrypt(parts.join('.'), ctx)).toThrow();
  });

  it('rotates: the new first key encrypts, the old key still decrypts', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new PasscodeCipher([oldKey]).encrypt('pending', ctx);
    const rotated = new PasscodeCipher([newKey, oldKey]);
    expect(rotated.decrypt(before, ctx)).toBe('pending');
    const after = rotated.encrypt('fresh', ctx);
    expect(new PasscodeCipher([newKey]).decrypt(after, ctx)).toBe('fresh');
    expect(() => new PasscodeCipher([oldKey]).decrypt(after, ctx)).toThrow(/no longer configured/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new PasscodeCipher([randomBytes(16)])).toThrow();
    expect(() => new PasscodeCipher([])).toThrow();
  });
});

describe('reveal tokens', () => {
  it('are 256-bit, base64url, and stored only as their SHA-256', () => {
    const { token, tokenHash } = newRevealToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(looksLikeRevealToken(token)).toBe(true);
    expect(tokenHash).toBe(hashRevealToken(token));
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash).not.toContain(token);
    expect(newRevealToken().token).not.toBe(token);
  });
  it('rejects shapes that cannot be tokens', () => {
    expect(looksLikeRevealToken('short')).toBe(false);
    expect(looksLikeRevealToken(`${'a'.repeat(42)}/`)).toBe(false);
  });
});
