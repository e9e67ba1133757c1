import { benchDeviceId, benchUpn } from './hires';
import { load, type LoadRun } from './load';
import { SimProcess } from './sim-process';

const USER_SELECT = 'id,userPrincipalName,displayName,mail,accountEnabled,userType,assignedPlans';
const DEVICE_SELECT = 'id,deviceId,displayName,trustType,operatingSystem,operatingSystemVersion,accountEnabled,isManaged';
const TAP_POLICY = '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';

interface Hire {
  upn: string;
  userId: string;
  deviceObjectId: string;
  deviceId: string;
  /** The Intune managed device, for hires whose device is enrolled (BENCH_ENROLLED). */
  managedDeviceId: string;
}
type Req = { method: string; path: string; body?: string };

/** How the worker calls each operation the simulator counts (msgraph.adapter.ts), for hire `h`. */
function requestFor(op: string, h: Hire, sim: SimProcess, nth: number): Req | null {
  const { tapPilotGroupId: pilot, webSignInDeviceGroupId: devices, noticeSenderUpn } = sim.info;
  switch (op) {
    case 'users.get':
      // As the resolve-user step asks since issue 8: the manager expanded in the same call.
      return { method: 'GET', path: `/v1.0/users/${encodeURIComponent(h.upn)}?$select=${USER_SELECT}&$expand=manager($select=id,userPrincipalName,displayName,mail)` };
    case 'users.manager':
      return { method: 'GET', path: `/v1.0/users/${h.userId}/manager?$select=${USER_SELECT}` };
    case 'directoryObjects.checkMemberGroups':
      return { method: 'POST', path: `/v1.0/directoryObjects/${nth % 2 ? h.deviceObjectId : h.userId}/checkMemberGroups`, body: JSON.stringify({ groupIds: [nth % 2 ? devices : pilot] }) };
    case 'groups.members.add':
      // After the drain these are "already a member" answers: the same route and checks, a 400.
      return {
        method: 'POST',
        path: `/v1.0/groups/${nth % 2 ? devices : pilot}/members/$ref`,
        body: JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${nth % 2 ? h.deviceObjectId : h.userId}` }),
      };
    case 'devices.list':
      return { method: 'GET', path: `/v1.0/devices?$filter=${encodeURIComponent(`deviceId eq '${h.deviceId}'`)}&$select=${DEVICE_SELECT}` };
    case 'tap.list':
      return { method: 'GET', path: `/v1.0/users/${h.userId}/authentication/temporaryAccessPassMethods` };
    case 'tap.create':
      return { method: 'POST', path: `/v1.0/users/${h.userId}/authentication/temporaryAccessPassMethods`, body: '{"lifetimeInMinutes":60,"isUsableOnce":false}' };
    case 'intune.managedDevices.list':
      return { method: 'GET', path: `/v1.0/deviceManagement/managedDevices?$filter=${encodeURIComponent(`azureADDeviceId eq '${h.deviceId}'`)}&$select=id,azureADDeviceId,deviceName` };
    case 'intune.managedDevices.sync':
      return h.managedDeviceId ? { method: 'POST', path: `/v1.0/deviceManagement/managedDevices/${h.managedDeviceId}/syncDevice` } : null;
    case 'tapPolicy.get':
      return { method: 'GET', path: TAP_POLICY };
    case 'sendMail':
      return {
        method: 'POST',
        path: `/v1.0/users/${noticeSenderUpn}/sendMail`,
        body: JSON.stringify({ message: { subject: 'capacity', body: { contentType: 'Text', content: 'capacity run' }, toRecipients: [{ emailAddress: { address: 'sam.lee@contoso.com' } }] }, saveToSentItems: false }),
      };
    default:
      return null;
  }
}

interface TenantIds {
  users: Map<string, string>;
  devices: Map<string, string>;
  managedDevices: Map<string, string>;
}

/** The object ids of the bench hires' users and devices, read once from the simulator's state. */
async function tenantIds(sim: SimProcess): Promise<TenantIds> {
  const state = await sim.call<{ users: Array<{ id: string; userPrincipalName: string }>; devices: Array<{ id: string; deviceId: string }>; managedDevices: Array<{ id: string; azureADDeviceId: string }> }>('GET', '/_sim/state');
  return {
    users: new Map(state.users.map((u) => [u.userPrincipalName, u.id])),
    devices: new Map(state.devices.map((d) => [d.deviceId, d.id])),
    managedDevices: new Map(state.managedDevices.map((m) => [m.azureADDeviceId, m.id])),
  };
}

/** Bench hires `from` to `from + count - 1`. */
function hirePool(ids: TenantIds, from: number, count: number): Hire[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      upn: benchUpn(i),
      userId: ids.users.get(benchUpn(i)) ?? '',
      deviceId: benchDeviceId(i),
      deviceObjectId: ids.devices.get(benchDeviceId(i)) ?? '',
      managedDeviceId: ids.managedDevices.get(benchDeviceId(i)) ?? '',
    };
  });
}

/**
 * One "onboarding" for the capacity run: the operations in the proportions the simulator counted
 * during a drain of `hires` hires (rounded per onboarding), each with its rank among the same
 * operation (the second group add goes to the other group).
 */
interface MixPlan {
  mix: Record<string, number>;
  unmodelled: string[];
  sequence: Array<{ op: string; nth: number }>;
}

function planMix(counts: Record<string, number>, hires: number, sample: Hire, sim: SimProcess): MixPlan {
  const plan: MixPlan = { mix: {}, unmodelled: [], sequence: [] };
  for (const [op, n] of Object.entries(counts)) {
    if (op === 'token') continue;
    const perOnboarding = Math.round(n / hires);
    if (perOnboarding === 0) continue;
    if (!requestFor(op, sample, sim, 0)) {
      plan.unmodelled.push(op);
      continue;
    }
    plan.mix[op] = perOnboarding;
    for (let nth = 0; nth < perOnboarding; nth++) plan.sequence.push({ op, nth });
  }
  return plan;
}

/**
 * `plan`'s sequence for each hire of `pool` in turn, one pass at most, `connections` callers at
 * once, bounded in time. Run with no worker against the simulator, so it has the machine to
 * itself, as the bound the drain is compared with.
 */
async function runMix(sim: SimProcess, plan: MixPlan, pool: Hire[], enrolled: Hire[], token: string, connections: number, maxSeconds: number): Promise<LoadRun> {
  let next = 0;
  // With BENCH_ENROLLED between 0 and 1 only some hires have an Intune device, but the mix is
  // per onboarding: a hire without one borrows the sync of an enrolled hire (a sync costs the
  // same whichever device it names).
  let lent = 0;
  const requests = plan.sequence.map(({ op, nth }, k) => ({
    setupRequest: (req: Record<string, unknown>, context: { hire?: Hire }) => {
      if (k === 0 || !context.hire) context.hire = pool[next++ % pool.length];
      const r = requestFor(op, context.hire!, sim, nth) ?? requestFor(op, enrolled[lent++ % enrolled.length]!, sim, nth)!;
      // autocannon writes content-length into the headers it is given: a fresh object each time.
      return { ...req, method: r.method, path: r.path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(r.body ? { body: r.body } : {}) };
    },
  }));
  return load({ url: sim.info.url, connections, amount: plan.sequence.length * pool.length, requests }, maxSeconds);
}

export type SimCapacity = LoadRun & { mix: Record<string, number>; unmodelled: string[] };

/**
 * The simulator's capacity for a drain's mix (`counts` over `hires` hires) on a tenant as the
 * drain found it: a simulator of its own, warmed up for `warmSeconds` on spare hires (JIT, TLS
 * sessions), then measured on hires none of whose writes were made yet, so each group add,
 * pass and lookup does the work the drain's did (after a drain, every add answers "already a
 * member", which is cheaper). At least `minHires` of them, so that a small drain's bound is not
 * a second-long run still warming up (lookups go through indexes, so the tenant's size does not
 * change the cost of a call). Alone on the machine: run it when no worker runs.
 */
export async function measureFreshSimCapacity(hires: number, counts: Record<string, number>, connections: number, maxSeconds: number, warmSeconds = 3, minHires = 5_000): Promise<SimCapacity> {
  const measured = Math.max(hires, minHires);
  const spare = 2_000;
  const sim = await SimProcess.start(measured + spare);
  try {
    // The capacity of the simulator's code, not Outlook's policy: with the warm-up, a run of
    // 10,000 hires sends more mails from the one sender than Outlook allows in 10 minutes.
    await sim.setMailboxRequestLimit({ requests: 1_000_000_000, windowMs: 600_000 });
    const ids = await tenantIds(sim);
    const pool = hirePool(ids, 0, measured);
    // The simulator enrolls the first BENCH_ENROLLED share of its hires: `pool` starts with them.
    const enrolled = pool.filter((h) => h.managedDeviceId);
    const plan = planMix(counts, hires, enrolled[0] ?? pool[0]!, sim);
    const token = await sim.token();
    await runMix(sim, plan, hirePool(ids, measured, spare), enrolled, token, connections, warmSeconds);
    const run = await runMix(sim, plan, pool, enrolled, token, connections, maxSeconds);
    return { ...run, mix: plan.mix, unmodelled: plan.unmodelled };
  } finally {
    await sim.stop();
  }
}
