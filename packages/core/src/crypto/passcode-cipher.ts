import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for passcodes at rest (spec/workflow.md step 5). The first key encrypts, every
 * key decrypts, so keys rotate without losing pending passcodes. The employee and TAP id are
 * bound as associated data: a ciphertext moved to another onboarding does not decrypt.
 *
 * Format: "v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>", where keyId is the first
 * 8 hex digits of SHA-256(key), so decryption picks the right key without trying them all.
 */

export interface PasscodeContext {
  employeeId: string;
  tapId: string;
}

export class PasscodeCipher {
  readonly #keys: { id: string; key: Buffer }[];

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('PasscodeCipher needs at least one key');
    for (const k of keys) if (k.length !== 32) throw new Error('PasscodeCipher keys must be 32 bytes');
    this.#keys = keys.map((key) => ({ id: createHash('sha256').update(key).digest('hex').slice(0, 8), key }));
  }

  encrypt(passcode: string, ctx: PasscodeContext): string {
    const { id, key } = this.#keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(ctx));
    const ct = Buffer.concat([cipher.update(passcode, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(sealed: string, ctx: PasscodeContext): string {
    const [version, keyId, iv, tag, ct] = sealed.split('.');
    if (version !== 'v1' || !keyId || !iv || !tag || ct === undefined) throw new Error('unrecognised passcode ciphertext');
    const entry = this.#keys.find((k) => k.id === keyId);
    if (!entry) throw new Error('passcode was encrypted with a key that is no longer configured');
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(ctx));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}

function aad(ctx: PasscodeContext): Buffer {
  return Buffer.from(JSON.stringify(['hirepass-passcode', ctx.employeeId, ctx.tapId]), 'utf8');
}
