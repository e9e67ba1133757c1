import type { OnboardingRef, WorkflowPorts } from '../ports';
import { addWarning, clearAttention, doneWaiting, isSettled, loadCurrent, stepDone, stepSkipped, updateCurrent, waitOn } from '../record-ops';
import { ensureGroupMember } from './ensure-membership.step';

/** Web Sign-in with a TAP needs Windows 11 22H2 with KB5030310 (graph.md "Devices"). */
export const MIN_WEB_SIGNIN_BUILD = '10.0.22621.2361';

/** Compares dotted version strings part by part, numerically ("10.0.9" < "10.0.10"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function oldBuildWarning(version: string): string {
  return `device runs Windows ${version}; Web Sign-in needs Windows 11 22H2 with KB5030310 or later`;
}

export function notRegisteredReason(deviceId: string): string {
  return `device ${deviceId} was not registered in Entra by the activation instant`;
}

/**
 * Step 3 (spec/workflow.md): an Entra-joined Windows device joins the group the Intune
 * "Enable Web Sign In" policy is assigned to. Hybrid-joined and registered devices cannot use
 * a TAP at the lock screen: skipped with the reason, which the manager's notice repeats.
 */
export async function ensureDevice(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  if (isSettled(r.steps.device)) return;
  const now = () => ports.clock.now();
  const skip = (reason: string, extra?: (x: typeof r) => void) =>
    updateCurrent(ports, ref, (x) => {
      clearAttention(x, 'device-not-found');
      extra?.(x);
      x.steps.device = stepSkipped(now(), reason);
    });

  const deviceId = r.hire.deviceId;
  if (!deviceId) return void (await skip('no deviceId yet'));

  const device = await ports.graph.findDeviceByDeviceId(deviceId);
  if (!device) {
    // Only Web Sign-in needs the device; the pass is the product. With Autopilot a new device
    // may join Entra only during the first sign-in, with this very pass. So the device is
    // waited for up to the activation instant (the failure policy caps the wait there), then
    // the pass goes ahead without it and the notice says why.
    if (now().getTime() >= Date.parse(r.activationAt)) return void (await skip(notRegisteredReason(deviceId)));
    return waitOn(ports, ref, 'device', 'device-not-found', `device ${deviceId} is not registered in Entra yet`);
  }
  const record = (x: typeof r) => {
    x.entra.deviceObjectId = device.id;
    x.entra.deviceTrustType = device.trustType ?? undefined;
    x.entra.deviceOsVersion = device.operatingSystemVersion ?? undefined;
    x.entra.deviceIsManaged = device.isManaged ?? undefined;
  };
  if (device.trustType === 'ServerAd') return void (await skip('device is hybrid joined (trustType ServerAd)', record));
  if (device.trustType === 'Workplace') return void (await skip('device is registered, not joined (trustType Workplace)', record));
  if (device.trustType !== 'AzureAd') return void (await skip(`device is not Entra joined (trustType ${device.trustType ?? 'none'})`, record));
  if ((device.operatingSystem ?? '').toLowerCase() !== 'windows') {
    return void (await skip(`device is not a Windows device (operatingSystem ${device.operatingSystem ?? 'unknown'})`, record));
  }

  const { settle, audit } = await ensureGroupMember(ports, ref, r, ports.settings.webSignInDeviceGroupId, device.id, 'device');
  const version = device.operatingSystemVersion ?? '';
  await updateCurrent(ports, ref, (x) => {
    record(x);
    settle(x);
    doneWaiting(x, 'device');
    clearAttention(x, 'device-not-found');
    if (version && compareVersions(version, MIN_WEB_SIGNIN_BUILD) < 0) addWarning(x, oldBuildWarning(version));
    x.steps.device = stepDone(now(), `device ${device.id} in Web Sign-in group ${ports.settings.webSignInDeviceGroupId}`);
  }, { audit, auditIfStale: true });
}
