import type { SimControlClient } from './sim-control';

const P1_PLAN = { assignedDateTime: '2024-01-15T09:00:00Z', capabilityStatus: 'Enabled', service: 'AADPremiumService', servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d' };
const MANAGER_UPN = 'sam.lee@contoso.com';

export interface Hire {
  employeeId: string;
  userPrincipalName: string;
  deviceId: string;
  /** When the passcode becomes usable (the activation instant). */
  activationAt: Date;
}

/**
 * N distinct users with a P1 plan, the sample manager and an Entra-joined Windows 11 device
 * each: the sample tenant's hire01…hire30 first, then users added through the control API
 * (one TAP per user, so N hires need N users).
 */
export async function prepareHires(sim: SimControlClient, n: number, runTag: string): Promise<Omit<Hire, 'activationAt'>[]> {
  const state = (await sim.state()) as unknown as {
    users: Array<{ id: string; userPrincipalName: string }>;
    devices: Array<{ deviceId: string; registeredOwnerId?: string; trustType?: string }>;
  };
  const manager = state.users.find((u) => u.userPrincipalName === MANAGER_UPN);
  if (!manager) throw new Error(`the sample tenant has no ${MANAGER_UPN}`);
  const out: Omit<Hire, 'activationAt'>[] = [];
  for (let i = 1; i <= Math.min(n, 30); i++) {
    const upn = `hire${String(i).padStart(2, '0')}@contoso.com`;
    const user = state.users.find((u) => u.userPrincipalName === upn);
    const device = user && state.devices.find((d) => d.registeredOwnerId === user.id && d.trustType === 'AzureAd');
    if (!user || !device) throw new Error(`the sample tenant has no ${upn} with an Entra-joined device`);
    out.push({ employeeId: `C-${runTag}-${String(i).padStart(4, '0')}`, userPrincipalName: upn, deviceId: device.deviceId });
  }
  const extra: Promise<Omit<Hire, 'activationAt'>>[] = [];
  for (let i = 31; i <= n; i++) {
    const upn = `chaos${String(i).padStart(4, '0')}@contoso.com`;
    extra.push(
      (async () => {
        const user = await sim.addUser({ userPrincipalName: upn, displayName: `Chaos ${i}`, mail: upn, managerId: manager.id, assignedPlans: [P1_PLAN] });
        const device = await sim.addDevice({ displayName: `CHAOS-${i}`, registeredOwnerId: user.id, trustType: 'AzureAd', operatingSystem: 'Windows', operatingSystemVersion: '10.0.26100.2314' });
        return { employeeId: `C-${runTag}-${String(i).padStart(4, '0')}`, userPrincipalName: upn, deviceId: device.deviceId };
      })(),
    );
  }
  return [...out, ...(await Promise.all(extra))];
}

/**
 * The activation instant is `HH:MM` on a local date (spec/hr-webhook.md), so instants fall on
 * whole minutes; UTC keeps the arithmetic plain. `minutesAhead` 0 is the current minute, which
 * has already begun: the passcode step runs at once.
 */
export function activationMinute(now: Date, minutesAhead: number): Date {
  const t = new Date(now);
  t.setUTCSeconds(0, 0);
  return new Date(t.getTime() + minutesAhead * 60_000);
}

export function hireCreatedEvent(h: Hire, now: Date) {
  const iso = h.activationAt.toISOString();
  return {
    type: 'hire.created',
    timestamp: now.toISOString(),
    data: {
      employeeId: h.employeeId,
      userPrincipalName: h.userPrincipalName,
      managerUserPrincipalName: MANAGER_UPN,
      startDate: iso.slice(0, 10),
      timeZone: 'UTC',
      activationTime: iso.slice(11, 16),
      deviceId: h.deviceId,
      tap: { lifetimeMinutes: 120, isUsableOnce: false },
    },
  };
}
