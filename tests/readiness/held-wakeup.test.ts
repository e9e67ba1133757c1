import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack';
import { json, postHire, recordWhen } from './hires';

/**
 * A pass held by the pause switch (or the brake, or a tenant not ready) re-checks on a backoff
 * that grows to every 5 minutes. Ops who resume expect the waiting hires to get their passes
 * now: the worker wakes the held jobs as soon as issuance is open.
 */
describe('resuming issuance wakes the held onboardings at once', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: { heldWakeMs: 250 } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('issues a held pass within seconds of the resume, not at its next re-check', async () => {
    await json(stack.ops('/api/issuance/pause', { method: 'POST' }));
    await postHire(stack, 'E-WAKE-1', 'hire01@contoso.com');
    // The fourth hold re-delays the job by 8–16 s (capped exponential backoff, jittered).
    const held = await recordWhen(
      stack,
      'E-WAKE-1',
      'held four times',
      (r) => r.status === 'needs_attention' && r.steps.tap.state === 'pending' && (r.steps.tap.attempts ?? 0) >= 4,
      40_000,
    );
    expect(held.attention?.condition).toBe('issuance-paused');
    expect(stack.sim.control.taps()).toHaveLength(0);

    const resumedAt = Date.now();
    await json(stack.ops('/api/issuance/resume', { method: 'POST' }));
    const r = await recordWhen(stack, 'E-WAKE-1', 'pass issued', (x) => x.steps.tap.state === 'done', 20_000);
    const afterMs = Date.now() - resumedAt;
    expect(afterMs).toBeLessThan(4_000);
    expect(r.attention).toBeNull();
    expect(stack.sim.control.taps()).toHaveLength(1);
    const lines = stack.logs.lines.map((l) => JSON.parse(l) as { msg?: string; woken?: number });
    expect(lines.find((l) => l.msg === 'TAP issuance open again: held onboardings woken')?.woken).toBe(1);
    await recordWhen(stack, 'E-WAKE-1', 'notified', (x) => x.status === 'notified');
  }, 90_000);
});
