import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { presentedToken, tokenMatches } from './ops-auth';

const TOKEN = 'ops-token-0123456789abcdef';
const DIGEST = createHash('sha256').update(TOKEN).digest();
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('ops credential', () => {
  it('reads Bearer and Basic (any user, token as password)', () => {
    expect(presentedToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(presentedToken(`bearer ${TOKEN}`)).toBe(TOKEN);
    expect(presentedToken(basic('anyone', TOKEN))).toBe(TOKEN);
    expect(presentedToken(basic('', 'with:colon'))).toBe('with:colon');
  });

  it('finds nothing in other schemes or malformed headers', () => {
    expect(presentedToken(undefined)).toBeNull();
    expect(presentedToken('Token abc')).toBeNull();
    expect(presentedToken('Bearer')).toBeNull();
    expect(presentedToken(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeNull();
  });

  it('matches only the exact token', () => {
    expect(tokenMatches(TOKEN, DIGEST)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, DIGEST)).toBe(false);
    expect(tokenMatches('', DIGEST)).toBe(false);
    expect(tokenMatches(null, DIGEST)).toBe(false);
  });
});
