import { z } from 'zod';

/**
 * Building blocks for environment variables. Every value arrives as a string; each helper
 * says what it accepts in words, because the message is what an operator reads when the
 * process refuses to start. Messages never echo the value: some variables are secrets.
 */

export const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM between 00:00 and 23:59');

export const redisUrl = z
  .string()
  .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL');

export const httpUrl = z
  .string()
  .url('must be an absolute URL')
  .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
  .transform((u) => u.replace(/\/+$/, ''));

export const httpsUrl = z
  .string()
  .url('must be an absolute URL')
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL (Entra and MSAL refuse anything else)')
  .transform((u) => u.replace(/\/+$/, ''));

export const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID (8-4-4-4-12 hex digits)')
  .transform((g) => g.toLowerCase());

export const upn = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be a user principal name such as notices@contoso.com');

export function intInRange(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);
}

export const nonEmptySecret = z.string().min(16, 'must be at least 16 characters');

/** Comma-separated `whsec_<base64>` secrets (Standard Webhooks); several at once during rotation. */
export const webhookSecrets = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .refine((list) => list.length > 0, 'must hold at least one whsec_ secret')
  .refine(
    (list) => list.every((s) => /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s.slice(6), 'base64').length >= 24),
    'must be comma-separated whsec_<base64> secrets of at least 24 bytes each',
  );

/** Comma-separated base64 AES-256 keys: the first encrypts, all decrypt. */
export const encryptionKeys = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .refine((list) => list.length > 0, 'must hold at least one key')
  .refine(
    (list) => list.every((k) => /^[A-Za-z0-9+/]+={0,2}$/.test(k) && Buffer.from(k, 'base64').length === 32),
    'must be comma-separated base64 keys of exactly 32 bytes each (e.g. `openssl rand -base64 32`)',
  )
  .transform((list) => list.map((k) => Buffer.from(k, 'base64')));

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const queuePrefix = z
  .string()
  .regex(/^[A-Za-z0-9{}_.-]{1,64}$/, 'must be 1–64 characters of letters, digits, { } _ . -');
