import type { Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

/** A few hires that between them show every kind of row the dashboard has (sample tenant users). */

const day = 86_400_000;
const dateIn = (days: number) => new Date(Date.now() + days * day).toISOString().slice(0, 10);
/** Today's date in a zone (en-CA formats as yyyy-mm-dd). */
const todayIn = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());

export interface SeededHire {
  employeeId: string;
  upn: string;
  /** The status the onboarding settles in. */
  settles: string;
  data: Record<string, unknown>;
}

export const HIRES: SeededHire[] = [
  {
    employeeId: 'E-10042',
    upn: 'jane.doe@contoso.com',
    settles: 'notified',
    // Activation already passed today: the pass and the notice go out at once.
    data: { startDate: todayIn('Europe/Berlin'), timeZone: 'Europe/Berlin', activationTime: '00:00', deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44', tap: { lifetimeMinutes: 480 } },
  },
  {
    employeeId: 'E-10043',
    upn: 'priya.patel@contoso.com',
    settles: 'scheduled',
    data: { startDate: dateIn(9), timeZone: 'Europe/Berlin', activationTime: '09:00', deviceId: 'a9b25db9-de23-4993-afec-b962e9d92c87' },
  },
  {
    employeeId: 'E-10044',
    upn: 'omar.haddad@contoso.com',
    settles: 'scheduled',
    // A hybrid-joined device: no Web Sign-in, the device step is skipped with the reason.
    data: { startDate: dateIn(4), timeZone: 'America/New_York', managerUserPrincipalName: 'sam.lee@contoso.com', deviceId: 'bfbdc9c3-effb-44be-9a84-8f370dd820b5' },
  },
  {
    employeeId: 'E-10045',
    upn: 'new.starter@contoso.com',
    settles: 'needs_attention',
    // Not provisioned in Entra (yet): with USER_LOOKUP_WINDOW_MINUTES=0 ops see it at once.
    data: { startDate: dateIn(6), timeZone: 'Asia/Tokyo', managerUserPrincipalName: 'sam.lee@contoso.com' },
  },
  {
    employeeId: 'E-10046',
    upn: 'mia.wong@contoso.com',
    settles: 'cancelled',
    data: { startDate: dateIn(12), timeZone: 'Australia/Sydney' },
  },
];

export async function seedHires(stack: Stack): Promise<void> {
  for (const h of HIRES) {
    const res = await stack.postEvent({ type: 'hire.created', timestamp: new Date().toISOString(), data: { employeeId: h.employeeId, userPrincipalName: h.upn, ...h.data } });
    if (res.status !== 202) throw new Error(`seeding ${h.employeeId}: ${res.status} ${await res.text()}`);
  }
  const cancelled = HIRES.find((h) => h.settles === 'cancelled')!;
  await waitFor(`${cancelled.employeeId} created before it is cancelled`, async () => (await stack.ops(`/api/onboardings/${cancelled.employeeId}`)).status === 200);
  const res = await stack.postEvent({ type: 'hire.cancelled', timestamp: new Date().toISOString(), data: { employeeId: cancelled.employeeId, reason: 'offer withdrawn' } });
  if (res.status !== 202) throw new Error(`cancelling: ${res.status} ${await res.text()}`);
  for (const h of HIRES) await waitFor(`${h.employeeId} ${h.settles}`, () => statusIs(stack, h.employeeId, h.settles));
}

export async function statusIs(stack: Stack, employeeId: string, status: string): Promise<boolean> {
  const res = await stack.ops(`/api/onboardings/${employeeId}`);
  if (res.status !== 200) return false;
  return ((await res.json()) as { status: string }).status === status;
}
