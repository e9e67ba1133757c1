import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hireFor, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { schedule } from './schedule.step';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

describe('schedule step', () => {
  it('computes the activation instant in the hire\'s zone and marks the onboarding scheduled', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ startDate: '2027-03-14', activationTime: '02:30', timeZone: 'America/New_York' }));
    const res = await schedule(ports, ref);
    // 02:30 does not exist that night (DST gap): it moves forward to 03:30 EDT = 07:30Z.
    expect(res.activationAt.toISOString()).toBe('2027-03-14T07:30:00.000Z');
    expect(res.activate).toBe(true);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.status).toBe('scheduled');
    expect(r!.activationAt).toBe('2027-03-14T07:30:00.000Z');
  });

  it('flags a lifetime outside the tenant policy days ahead', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ startDate: '2027-01-04', tap: { lifetimeMinutes: 600 } }));
    await schedule(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.status).toBe('needs_attention');
    expect(r!.attention).toMatchObject({
      condition: 'tap-lifetime-out-of-bounds',
      message: "requested lifetime 600 is outside the tenant's TAP policy bounds 60–480",
    });
    // The tenant fixes its policy: the next run clears it.
    h.sim.control.setTapPolicy({ maximumLifetimeInMinutes: 720 });
    await schedule(ports, ref);
    const r2 = await ports.store.get(ref.employeeId);
    expect(r2!.attention).toBeNull();
    expect(r2!.status).toBe('scheduled');
  });

  it('flags a disabled policy and warns when the policy forces one-time passes', async () => {
    const ports = h.ports();
    h.sim.control.setTapPolicy({ state: 'disabled' });
    const ref = await seedOnboarding(ports, hireFor({ startDate: '2027-01-04' }));
    await schedule(ports, ref);
    expect((await ports.store.get(ref.employeeId))!.attention?.condition).toBe('tap-policy-disabled');

    h.sim.control.setTapPolicy({ state: 'enabled', isUsableOnce: true });
    const ref2 = await seedOnboarding(ports, hireFor({ startDate: '2027-01-04' }));
    await schedule(ports, ref2);
    const r2 = await ports.store.get(ref2.employeeId);
    expect(r2!.status).toBe('scheduled');
    expect(r2!.warnings.some((w) => w.includes('one-time'))).toBe(true);
  });
});
