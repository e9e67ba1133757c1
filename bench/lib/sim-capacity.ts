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

/**
 * The simulator's capacity for the mix one onboarding makes: one "onboarding" is the sequence of
 * operations in the proportions the simulator counted during a drain of `hires` hires (rounded
 * per onboarding), each sequence for the next hire of the pool (bench hires `from` to
 * `from + count - 1`; all `hires` by default), one pass through the pool at most. `connections`
 * callers at once, bounded in count and time. Run with no worker against the simulator, so it
 * has the machine to itself, as the bound the drain is compared with.
 */
export async function measureSimCapacity(
  sim: SimProcess,
  hires: number,
  counts: Record<string, number>,
  connections: number,
  maxSeconds: number,
  poolSpec: { from: number; count: number } = { from: 0, count: hires },
): Promise<SimCapacity> {
  const state = await sim.call<{ users: Array<{ id: string; userPrincipalName: string }>; devices: Array<{ id: string; deviceId: string }>; managedDevices: Array<{ id: string; azureADDeviceId: string }> }>('GET', '/_sim/state');
  const managedIds = new Map(state.managedDevices.map((m) => [m.azureADDeviceId, m.id]));
  const userIds = new Map(state.users.map((u) => [u.userPrincipalName, u.id]));
  const deviceIds = new Map(state.devices.map((d) => [d.deviceId, d.id]));
  const pool: Hire[] = Array.from({ length: poolSpec.count }, (_, k) => {
    const i = poolSpec.from + k;
    return {
      upn: benchUpn(i),
      userId: userIds.get(benchUpn(i)) ?? '',
      deviceId: benchDeviceId(i),
      deviceObjectId: deviceIds.get(benchDeviceId(i)) ?? '',
      managedDeviceId: managedIds.get(benchDeviceId(i)) ?? '',
    };
  });
  const mix: Record<string, number> = {};
  const unmodelled: string[] = [];
  const sequence: string[] = [];
  for (const [op, n] of Object.entries(counts)) {
    if (op === 'token') continue;
    const perOnboarding = Math.round(n / hires);
    if (perOnboarding === 0) continue;
    if (!requestFor(op, pool[0]!, sim, 0)) {
      unmodelled.push(op);
      continue;
    }
    mix[op] = perOnboarding;
    for (let k = 0; k < perOnboarding; k++) sequence.push(op);
  }
  const token = await sim.token();
  let next = 0;
  const requests = sequence.map((op, k) => ({
    setupRequest: (req: Record<string, unknown>, context: { hire?: Hire }) => {
      if (k === 0 || !context.hire) context.hire = pool[next++ % pool.length];
      const r = requestFor(op, context.hire!, sim, sequence.slice(0, k).filter((x) => x === op).length)!;
      // autocannon writes content-length into the headers it is given: a fresh object each time.
      return { ...req, method: r.method, path: r.path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(r.body ? { body: r.body } : {}) };
    },
  }));
  const run = await load({ url: sim.info.url, connections, amount: sequence.length * pool.length, requests }, maxSeconds);
  return { ...run, mix, unmodelled };
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
    await measureSimCapacity(sim, hires, counts, connections, warmSeconds, { from: measured, count: spare });
    return await measureSimCapacity(sim, hires, counts, connections, maxSeconds, { from: 0, count: measured });
  } finally {
    await sim.stop();
  }
}
