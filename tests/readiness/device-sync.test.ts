import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, SYNC_WARNING_PREFIX } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { postHire, recordWhen } from './hires';
import { cleanTenant } from './tenants';

const JANE_DEVICE = '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44';

/** Issue 9 "Device sync": once the device is in the Web Sign-in group, Intune is asked to sync it, once. */
describe('device sync', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sim: { tenant: cleanTenant() } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('syncs the managed device found by azureADDeviceId, once although the device step runs at prepare and at activation', async () => {
    await postHire(stack, 'E-SYNC-1', 'jane.doe@contoso.com', JANE_DEVICE);
    const r = await recordWhen(stack, 'E-SYNC-1', 'notified', (x) => x.status === 'notified');
    const managed = stack.sim.control.state().managedDevices.find((m) => m.azureADDeviceId === JANE_DEVICE)!;
    expect(stack.sim.control.syncs()).toMatchObject([{ managedDeviceId: managed.id, azureADDeviceId: JANE_DEVICE }]);
    expect(r.deviceSync).toMatchObject({ deviceId: JANE_DEVICE, outcome: 'synced', managedDeviceId: managed.id });
    const synced = (await new AuditTrail(stack.redis, stack.prefix).forEmployee('E-SYNC-1')).find((e) => e.action === 'device.synced');
    expect(synced?.graphRequestId).toBe(stack.sim.control.syncs()[0]!.requestId);
  });

  it('a device Entra reports as not managed is a warning, not a failure, and costs no Intune lookup', async () => {
    const device = stack.sim.control.addDevice({ displayName: 'NEW-LAPTOP' });
    const lookups = () => stack.sim.control.counts()['intune.managedDevices.list'] ?? 0;
    const before = lookups();
    await postHire(stack, 'E-SYNC-2', 'hire05@contoso.com', device.deviceId);
    const r = await recordWhen(stack, 'E-SYNC-2', 'notified', (x) => x.status === 'notified');
    expect(r.steps.device.state).toBe('done');
    expect(r.entra.deviceIsManaged).toBe(false);
    expect(r.deviceSync).toMatchObject({ outcome: 'not-enrolled' });
    expect(r.warnings.filter((w) => w.startsWith(SYNC_WARNING_PREFIX))).toEqual([
      `${SYNC_WARNING_PREFIX} ${device.deviceId} skipped: Entra reports it is not managed by an MDM (isManaged false), so the Web Sign-in profile arrives when it enrols in Intune`,
    ]);
    expect(lookups()).toBe(before);
    expect(stack.sim.control.syncs().filter((s) => s.azureADDeviceId === device.deviceId)).toEqual([]);
  });

  it('a device managed by another MDM is looked up in Intune, found missing, and is a warning', async () => {
    const device = stack.sim.control.addDevice({ displayName: 'OTHER-MDM', isManaged: true });
    const lookups = () => stack.sim.control.counts()['intune.managedDevices.list'] ?? 0;
    const before = lookups();
    await postHire(stack, 'E-SYNC-3', 'hire06@contoso.com', device.deviceId);
    const r = await recordWhen(stack, 'E-SYNC-3', 'notified', (x) => x.status === 'notified');
    expect(r.deviceSync).toMatchObject({ outcome: 'not-enrolled' });
    expect(r.warnings.filter((w) => w.startsWith(SYNC_WARNING_PREFIX))).toEqual([`${SYNC_WARNING_PREFIX} ${device.deviceId} skipped: it is not enrolled in Intune yet, so the Web Sign-in profile arrives when it enrols`]);
    expect(lookups()).toBe(before + 1);
  });
});
