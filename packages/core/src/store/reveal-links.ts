import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from './keys';
import { redisScript, type RedisScript } from './redis-script';

/**
 * The manager's one-time reveal links (spec/workflow.md "The reveal page"). A link is a hash
 * keyed by SHA-256(token); the sealed (encrypted) passcode lives in its own key that Redis
 * expires with the TAP. Revealing is one Lua script, so of two concurrent POSTs exactly one
 * gets the ciphertext and the other sees "revealed".
 */

export type LinkState = 'active' | 'revealed' | 'expired' | 'revoked';

export interface RevealLink {
  tokenHash: string;
  employeeId: string;
  onboardingId: string;
  generation: number;
  tapId: string;
  /** Shown on the page: who the passcode is for. Not secret. */
  displayName: string;
  userPrincipalName: string;
  timeZone: string;
  validFrom: string;
  expiresAt: string;
  state: LinkState;
  createdAt: string;
  /** When it was revealed, expired or revoked. */
  endedAt?: string;
}

export type ConsumeResult =
  | { status: 'revealed'; link: RevealLink; sealed: string }
  | { status: 'gone'; link: RevealLink }
  | { status: 'unknown' };

/** Links are remembered this long after the TAP expires, so a late click gets a clear 410. */
const LINK_MEMORY_MS = 30 * 24 * 3600 * 1000;

const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'active' then return {'gone', state} end
local expires = tonumber(redis.call('HGET', KEYS[1], 'expiresAtMs'))
local sealed = redis.call('GET', KEYS[2])
if tonumber(ARGV[1]) >= expires or not sealed then
  redis.call('HSET', KEYS[1], 'state', 'expired', 'endedAt', redis.call('HGET', KEYS[1], 'expiresAt'))
  redis.call('DEL', KEYS[2])
  return {'gone', 'expired'}
end
redis.call('HSET', KEYS[1], 'state', 'revealed', 'endedAt', ARGV[2])
redis.call('DEL', KEYS[2])
return {'ok', sealed}
`;

const END = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'active' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'endedAt', ARGV[2])
return 1
`;

export class RevealLinks {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #consume: RedisScript<string[]>;
  readonly #end: RedisScript<number>;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keys = redisKeys(prefix);
    this.#consume = redisScript(redis, 'hirepassRevealConsume', 2, CONSUME);
    this.#end = redisScript(redis, 'hirepassRevealEnd', 1, END);
  }

  /** Stores the encrypted passcode of a TAP until the TAP expires. */
  async sealPasscode(employeeId: string, tapId: string, sealed: string, expiresAt: Date): Promise<void> {
    await this.#redis.set(this.#keys.sealedPasscode(employeeId, tapId), sealed, 'PXAT', expiresAt.getTime());
  }

  async hasSealedPasscode(employeeId: string, tapId: string): Promise<boolean> {
    return (await this.#redis.exists(this.#keys.sealedPasscode(employeeId, tapId))) === 1;
  }

  async dropPasscode(employeeId: string, tapId: string): Promise<void> {
    await this.#redis.del(this.#keys.sealedPasscode(employeeId, tapId));
  }

  async create(link: Omit<RevealLink, 'state' | 'endedAt'>): Promise<void> {
    const key = this.#keys.revealLink(link.tokenHash);
    const expiresAtMs = Date.parse(link.expiresAt);
    await this.#redis
      .multi()
      .hset(key, { ...link, generation: String(link.generation), state: 'active', expiresAtMs: String(expiresAtMs) })
      .pexpireat(key, expiresAtMs + LINK_MEMORY_MS)
      .exec();
  }

  async peek(tokenHash: string, now: Date): Promise<RevealLink | null> {
    const raw = await this.#redis.hgetall(this.#keys.revealLink(tokenHash));
    if (!raw.tokenHash) return null;
    const link = toLink(raw);
    if (link.state === 'active' && now.getTime() >= Date.parse(link.expiresAt)) {
      return { ...link, state: 'expired', endedAt: link.expiresAt };
    }
    return link;
  }

  async consume(tokenHash: string, now: Date): Promise<ConsumeResult> {
    const link = await this.peek(tokenHash, now);
    if (!link) return { status: 'unknown' };
    const res = await this.#consume(
      this.#keys.revealLink(tokenHash),
      this.#keys.sealedPasscode(link.employeeId, link.tapId),
      String(now.getTime()),
      now.toISOString(),
    );
    if (res[0] === 'unknown') return { status: 'unknown' };
    const after = (await this.peek(tokenHash, now)) ?? link;
    if (res[0] === 'ok') return { status: 'revealed', link: after, sealed: res[1]! };
    return { status: 'gone', link: after };
  }

  /** Ends an active link (revoked by a change or re-issue, or expired by the follow-up). */
  async end(tokenHash: string, state: 'revoked' | 'expired', now: Date): Promise<boolean> {
    return (await this.#end(this.#keys.revealLink(tokenHash), state, now.toISOString())) === 1;
  }
}

function toLink(raw: Record<string, string>): RevealLink {
  return {
    tokenHash: raw.tokenHash!,
    employeeId: raw.employeeId!,
    onboardingId: raw.onboardingId!,
    generation: Number(raw.generation),
    tapId: raw.tapId!,
    displayName: raw.displayName ?? '',
    userPrincipalName: raw.userPrincipalName!,
    timeZone: raw.timeZone!,
    validFrom: raw.validFrom!,
    expiresAt: raw.expiresAt!,
    state: raw.state as LinkState,
    createdAt: raw.createdAt!,
    ...(raw.endedAt ? { endedAt: raw.endedAt } : {}),
  };
}
