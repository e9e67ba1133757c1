import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WaitingError } from '../../errors';
import { hireFor, JANE, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { compareVersions, ensureDevice, oldBuildWarning } from './ensure-device.step';

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

  it('waits for a device not registered yet', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ deviceId: '00000000-1111-2222-3333-444444444444' }));
    const err = await ensureDevice(ports, ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    expect((await ports.store.get(ref.employeeId))!.steps.device).toMatchObject({ state: 'pending', waitingFor: 'device-not-found' });
  });

  it('compares builds numerically, part by part', () => {
    expect(compareVersions('10.0.22621.2361', '10.0.22621.2361')).toBe(0);
    expect(compareVersions('10.0.22621.999', '10.0.22621.2361')).toBe(-1);
    expect(compareVersions('10.0.22631.1', '10.0.22621.2361')).toBe(1);
    expect(compareVersions('10.0.22621', '10.0.22621.2361')).toBe(-1);
  });
});
