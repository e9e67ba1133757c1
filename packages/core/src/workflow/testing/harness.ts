import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import { systemClock, type Clock } from '../../clock';
import { PasscodeCipher } from '../../crypto/passcode-cipher';
import type { HireData, HireEvent } from '../../domain/hire-event.schema';
import { withTapPolicyCache } from '../../graph/cached-tap-policy';
import type { GraphGateway } from '../../graph/graph.port';
import { createMsGraphGateway } from '../../graph/msgraph.adapter';
import type { ApplyHireEventJob, OnboardingJob } from '../../jobs/job-catalog';
import { AuditTrail } from '../../store/audit-trail';
import { OnboardingStore } from '../../store/onboarding-store';
import { RevealLinks } from '../../store/reveal-links';
import { applyHireEvent } from '../apply-hire-event';
import { silentLog, type WorkflowPorts, type WorkflowSettings } from '../ports';

/**
 * Test support for workflow tests: the real simulator, real Redis under a unique prefix, the
 * real Graph adapter. Not a test file itself (vitest picks up *.test.ts only).
 */

export const JANE = {
  upn: 'jane.doe@contoso.com',
  id: '45ea88bc-afac-4073-96e9-6bc0d019cf22',
  deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44',
  deviceObjectId: 'd4ed7c2d-3a4f-48c6-b61a-a13b68c31954',
  managerUpn: 'sam.lee@contoso.com',
};

export interface Harness {
  sim: GraphSim;
  redis: Redis;
  prefix: string;
  graph: GraphGateway;
  ports: (overrides?: Partial<WorkflowPorts>) => WorkflowPorts;
  settings: WorkflowSettings;
  keys: Buffer[];
  close(): Promise<void>;
}

export async function startHarness(opts: { replicationLagMs?: number } = {}): Promise<Harness> {
  const sim = await startGraphSim({ port: 0, replicationLagMs: opts.replicationLagMs ?? 0 });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `t-${randomUUID()}`;
  const keys = [randomBytes(32)];
  const raw = createMsGraphGateway({
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    authorityHost: sim.url,
    graphBaseUrl: sim.url,
    timeoutMs: 5_000,
  });
  const settings: WorkflowSettings = {
    tapPilotGroupId: sim.tapPilotGroupId,
    webSignInDeviceGroupId: sim.webSignInDeviceGroupId,
    noticeSenderUpn: sim.noticeSenderUpn,
    publicBaseUrl: 'http://localhost:3000',
    defaultActivationTime: '08:00',
    userLookupWindowMs: 60 * 60_000,
    replicationWindowMs: 30 * 60_000,
    tapPolicyCacheMs: 0,
  };
  const ports = (overrides: Partial<WorkflowPorts> = {}): WorkflowPorts => {
    const clock: Clock = overrides.clock ?? systemClock;
    const s = { ...settings, ...(overrides.settings ?? {}) };
    return {
      graph: overrides.graph ?? withTapPolicyCache(raw, s.tapPolicyCacheMs, clock),
      store: new OnboardingStore(redis, prefix),
      audit: new AuditTrail(redis, prefix),
      links: new RevealLinks(redis, prefix),
      cipher: new PasscodeCipher(keys),
      clock,
      settings: s,
      log: silentLog,
      ...overrides,
    };
  };
  return {
    sim,
    redis,
    prefix,
    graph: raw,
    ports,
    settings,
    keys,
    async close() {
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await sim.close();
    },
  };
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
}

let seq = 0;

export function hireFor(overrides: Partial<HireData> = {}): HireData {
  const today = new Date().toISOString().slice(0, 10);
  return {
    employeeId: `E-${randomUUID().slice(0, 8)}`,
    userPrincipalName: JANE.upn,
    managerUserPrincipalName: JANE.managerUpn,
    startDate: today,
    timeZone: 'UTC',
    activationTime: '00:00',
    deviceId: JANE.deviceId,
    ...overrides,
  };
}

export function eventJob(event: HireEvent, eventId = `evt-${randomUUID()}`): ApplyHireEventJob {
  return { eventId, seq: ++seq, receivedAt: new Date().toISOString(), event };
}

export function created(hire: HireData, timestamp = new Date().toISOString()): ApplyHireEventJob {
  return eventJob({ type: 'hire.created', timestamp, data: hire });
}

/** Applies hire.created and returns the job reference of the new onboarding. */
export async function seedOnboarding(ports: WorkflowPorts, hire: HireData): Promise<OnboardingJob> {
  await applyHireEvent(ports, created(hire));
  const r = await ports.store.get(hire.employeeId);
  if (!r) throw new Error('seed failed');
  return { employeeId: r.employeeId, onboardingId: r.onboardingId, generation: r.generation };
}
