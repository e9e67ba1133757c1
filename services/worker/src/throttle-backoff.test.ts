import { describe, expect, it } from 'vitest';
import { THROTTLE_MAX_MS, ThrottleBackoff } from './throttle-backoff';

describe('throttle backoff without Retry-After', () => {
  it('doubles per throttle in a row up to the cap, with jitter in the upper half, and starts over after a success', () => {
    const top = new ThrottleBackoff(() => 1);
    expect([1, 2, 3, 4].map(() => top.next())).toEqual([2_000, 4_000, 8_000, 16_000]);
    for (let i = 0; i < 20; i++) top.next();
    expect(top.next()).toBe(THROTTLE_MAX_MS);
    top.reset();
    expect(top.next()).toBe(2_000);
    const bottom = new ThrottleBackoff(() => 0);
    expect([bottom.next(), bottom.next()]).toEqual([1_000, 2_000]);
  });
});
