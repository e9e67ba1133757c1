import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayIn } from '@hirepass/core';
import { startClockedStack, type ClockedStack } from '../helpers/clocked-stack';
import { currentTaps, hire, instantOf, mailsTo, send, settled } from './fixtures';

/**
 * spec/workflow.md steps 3–5: only Web Sign-in depends on the device. A deviceId Entra does
 * not know (yet: with Autopilot the device may join only at the first sign-in, with the pass)
 * is waited for up to the activation instant, and then the pass and the notice go ahead.
 */
let stack: ClockedStack;
beforeAll(async () => {
  stack = await startClockedStack();
});
afterAll(async () => {
  await stack?.stop();
});

const reasonFor = (deviceId: string) => `device ${deviceId} was not registered in Entra by the activation instant`;

describe('a device not registered in Entra', () => {
  it('does not hold back a pass that is due now: the device step is skipped, the notice says why', async () => {
    stack.clock.setNow(new Date());
    const deviceId = randomUUID();
    const h = hire({ startDate: todayIn('Pacific/Kiritimati', stack.clock.now()), timeZone: 'Pacific/Kiritimati', activationTime: '00:00', deviceId });
    await send(stack, 'hire.created', h);
    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    expect(r.status).toBe('notified');
    expect(r.steps.device).toMatchObject({ state: 'skipped', reason: reasonFor(deviceId) });
    expect(r.attention ?? null).toBeNull();
    expect(currentTaps(stack, h.userPrincipalName).map((t) => t.id)).toEqual([r.tap!.id]);
    const mails = mailsTo(stack, h.userPrincipalName);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.content).toContain(reasonFor(deviceId));
  });

  it('is waited for until the instant, and no longer: the pass is valid from the instant', async () => {
    const deviceId = randomUUID();
    const h = hire({ startDate: '2026-12-03', timeZone: 'Europe/Berlin', deviceId });
    const at = instantOf(h);
    stack.clock.setNow(at.getTime() - 1_500);
    await send(stack, 'hire.created', h);
    await stack.waitForRecord('waiting for the device', h.employeeId, (x) => x.steps.device.state === 'pending' && x.steps.device.waitingFor === 'device-not-found');

    const r = await stack.waitForRecord('notified', h.employeeId, settled);
    expect(r.steps.device).toMatchObject({ state: 'skipped', reason: reasonFor(deviceId) });
    // The waiting job re-checked at the instant itself, not at its next backoff step.
    const late = Date.parse(r.tap!.startDateTime) - at.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1_000);
    expect(mailsTo(stack, h.userPrincipalName)).toHaveLength(1);
  });
});
