import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock';
import { WaitingError } from '../../errors';
import { decideFailure } from '../failure-policy';
import { StepError } from '../follow-ups';
import { runPrepare } from '../onboarding-jobs';
import { hireFor, JANE, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { compareVersions, ensureDevice, notRegisteredReason, oldBuildWarning } from './ensure-device.step';

/** A deviceId the simulated tenant has never seen. */
const UNKNOWN_DEVICE = '00000000-1111-2222-3333-444444444444';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

const deviceAdds = (h: Harness) =>
  h.sim.control.requests().filter((r) => r.method === 'POST' && r.path.includes(h.settings.webSignInDeviceGroupId)).length;

async function runDevice(deviceId: string | undefined) {
  const ports = h.ports();
  const ref = await seedOnboarding(ports, hireFor({ deviceId }));
  await ensureDevice(ports, ref);
  return (await ports.store.get(ref.employeeId))!;
}

describe('ensure-device step', () => {
  it('adds an Entra-joined Windows 11 device to the Web Sign-in group once', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await ensureDevice(ports, ref);
    await ensureDevice(ports, ref);
    expect(deviceAdds(h)).toBe(1);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.device.state).toBe('done');
    expect(r!.memberships).toEqual([{ groupId: h.settings.webSignInDeviceGroupId, objectId: JANE.deviceObjectId, addedByUs: true }]);
    expect(r!.warnings).toEqual([]);
  });

  it('skips without a deviceId', async () => {
    const r = await runDevice(undefined);
    expect(r.steps.device).toMatchObject({ state: 'skipped', reason: 'no deviceId yet' });
  });

  it('skips hybrid-joined and registered devices with the reason', async () => {
    expect((await runDevice('bfbdc9c3-effb-44be-9a84-8f370dd820b5')).steps.device).toMatchObject({
      state: 'skipped',
      reason: 'device is hybrid joined (trustType ServerAd)',
    });
    expect((await runDevice('445ae7bd-32ea-445f-8607-12e85c1da3f3')).steps.device).toMatchObject({
      state: 'skipped',
      reason: 'device is registered, not joined (trustType Workplace)',
    });
    expect((await runDevice('735adea5-4602-440b-943e-0856d3e66671')).steps.device.state).toBe('skipped');
    expect(deviceAdds(h)).toBe(0);
  });

  it('warns about an old Windows build but still adds the device', async () => {
    const r = await runDevice('5cf60605-fd91-43c8-b858-2ccc9ec9d733');
    expect(r.steps.device.state).toBe('done');
    expect(r.warnings).toContain(oldBuildWarning('10.0.22621.2283'));
    const w10 = await runDevice('88876a72-2ff0-4ede-a51d-dd092a2f6661');
    expect(w10.warnings).toContain(oldBuildWarning('10.0.19045.5011'));
  });

  it('waits for a device not registered yet, before the activation instant', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ deviceId: UNKNOWN_DEVICE, startDate: '2030-01-08' }));
    const err = await ensureDevice(ports, ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    expect((await ports.store.get(ref.employeeId))!.steps.device).toMatchObject({ state: 'pending', waitingFor: 'device-not-found' });
  });

  it('never waits for the device past the activation instant, even once it needs attention', async () => {
    const instant = Date.parse('2030-01-08T00:00:00.000Z');
    const clock = new ManualClock(instant - 5 * 60_000);
    const ports = h.ports({ clock, settings: { ...h.settings, userLookupWindowMs: 60_000 } });
    const ref = await seedOnboarding(ports, hireFor({ deviceId: UNKNOWN_DEVICE, startDate: '2030-01-08' }));
    const wait = async () => decideFailure(ports, ref, new StepError('device', await ensureDevice(ports, ref).catch((e: unknown) => e)), { attemptsMade: 0, attempts: 30 });

    const early = await wait();
    expect(early).toMatchObject({ kind: 'delay', condition: 'device-not-found' });
    expect((early as { delayMs: number }).delayMs).toBeLessThanOrEqual(60_000);

    clock.advance(2 * 60_000);
    expect(await wait()).toMatchObject({ kind: 'delay', delayMs: 3 * 60_000 });
    expect((await ports.store.get(ref.employeeId))!.status).toBe('needs_attention');

    clock.advance(3 * 60_000 - 1);
    expect(await wait()).toMatchObject({ kind: 'delay', delayMs: 1 });
  });

  it('at the activation instant, skips a device still not registered and clears its needs_attention', async () => {
    const instant = Date.parse('2030-01-08T00:00:00.000Z');
    const clock = new ManualClock(instant - 60_000);
    const ports = h.ports({ clock, settings: { ...h.settings, userLookupWindowMs: 0 } });
    const ref = await seedOnboarding(ports, hireFor({ deviceId: UNKNOWN_DEVICE, startDate: '2030-01-08' }));
    const err = await ensureDevice(ports, ref).catch((e: unknown) => e);
    await decideFailure(ports, ref, new StepError('device', err), { attemptsMade: 0, attempts: 30 });
    expect((await ports.store.get(ref.employeeId))!.attention?.condition).toBe('device-not-found');

    clock.set(instant);
    await ensureDevice(ports, ref);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.steps.device).toMatchObject({ state: 'skipped', reason: `device ${UNKNOWN_DEVICE} was not registered in Entra by the activation instant` });
    expect(r.attention).toBeNull();
    expect(r.status).toBe('in_progress');
    expect(deviceAdds(h)).toBe(0);
  });

  it('a hire whose device never registered still gets the pass and the notice at the instant, which says why Web Sign-in is unavailable', async () => {
    const instant = Date.parse('2030-01-08T00:00:00.000Z');
    const clock = new ManualClock(instant - 60_000);
    const ports = h.ports({ clock });
    const hire = hireFor({ deviceId: UNKNOWN_DEVICE, startDate: '2030-01-08' });
    const ref = await seedOnboarding(ports, hire);
    // Days ahead the prepare job waits on the device (and is re-delayed, never past the instant).
    expect(await runPrepare(ports, ref).catch((e: unknown) => e)).toMatchObject({ step: 'device', cause: expect.any(WaitingError) });

    clock.set(instant);
    const out = await runPrepare(ports, ref);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.status).toBe('notified');
    expect(r.steps.device).toMatchObject({ state: 'skipped', reason: notRegisteredReason(UNKNOWN_DEVICE) });
    expect(r.steps.tap.state).toBe('done');
    expect(out.followUps.map((f) => f.name)).toEqual(['expire']);
    expect(h.sim.control.taps(hire.userPrincipalName)).toHaveLength(1);
    const mails = h.sim.control.mails();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.content).toContain('Web Sign-in could not be prepared');
    expect(mails[0]!.content).toContain(notRegisteredReason(UNKNOWN_DEVICE));
  });

  it('checks the TAP plan against the policy days ahead while the device is awaited', async () => {
    const clock = new ManualClock(Date.parse('2030-01-05T00:00:00.000Z'));
    const ports = h.ports({ clock });
    const ref = await seedOnboarding(ports, hireFor({ deviceId: UNKNOWN_DEVICE, startDate: '2030-01-08', tap: { lifetimeMinutes: 43_200 } }));
    expect(await runPrepare(ports, ref).catch((e: unknown) => e)).toMatchObject({ step: 'device', cause: expect.any(WaitingError) });
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.status).toBe('needs_attention');
    expect(r.attention?.condition).toBe('tap-lifetime-out-of-bounds');
    expect(r.steps.device).toMatchObject({ state: 'pending', waitingFor: 'device-not-found' });

    // A plan within bounds: the record is not marked scheduled while a step still waits.
    const fine = await seedOnboarding(ports, hireFor({ deviceId: UNKNOWN_DEVICE, startDate: '2030-01-08' }));
    await runPrepare(ports, fine).catch(() => undefined);
    expect((await ports.store.get(fine.employeeId))!.status).toBe('in_progress');
  });

  it('compares builds numerically, part by part', () => {
    expect(compareVersions('10.0.22621.2361', '10.0.22621.2361')).toBe(0);
    expect(compareVersions('10.0.22621.999', '10.0.22621.2361')).toBe(-1);
    expect(compareVersions('10.0.22631.1', '10.0.22621.2361')).toBe(1);
    expect(compareVersions('10.0.22621', '10.0.22621.2361')).toBe(-1);
  });
});
