import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import { PermanentError, ThrottledError, TransientError, WaitingError } from '../errors';
import type { GraphGateway } from './graph.port';
import { classifyGraphFailure, parseRetryAfterMs } from './graph-errors';
import { simGateway } from '../testing/sim-gateway';

const JANE_ID = '45ea88bc-afac-4073-96e9-6bc0d019cf22';
const JANE_DEVICE = '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44';

let sim: GraphSim;
let graph: GraphGateway;

beforeAll(async () => {
  sim = await startGraphSim({ port: 0 });
  graph = simGateway(sim, { timeoutMs: 2_000 });
});
afterAll(async () => {
  await sim?.close();
});
afterEach(() => {
  sim.control.clearFaults();
  sim.control.reset();
});

describe('msgraph adapter against the simulator', () => {
  it('reads users with the P1 check, and null for unknown ones', async () => {
    const jane = await graph.getUser('jane.doe@contoso.com');
    expect(jane).toMatchObject({ id: JANE_ID, accountEnabled: true, userType: 'Member', hasEntraIdP1: true, mail: 'jane.doe@contoso.com' });
    expect((await graph.getUser('ben.carter@contoso.com'))?.hasEntraIdP1).toBe(false);
    expect((await graph.getUser('dana.white@contoso.com'))?.accountEnabled).toBe(false);
    expect((await graph.getUser('guest_fabrikam.com#EXT#@contoso.com'))?.userType).toBe('Guest');
    expect(await graph.getUser('nobody@contoso.com')).toBeNull();
    const q = sim.control.requests().find((r) => r.path?.includes('jane.doe'));
    expect(JSON.stringify(q)).toContain('assignedPlans');
  });

  it('reads the manager, null when none is set', async () => {
    expect((await graph.getManager(JANE_ID))?.userPrincipalName).toBe('sam.lee@contoso.com');
    const omar = await graph.getUser('omar.haddad@contoso.com');
    expect(await graph.getManager(omar!.id)).toBeNull();
  });

  it('reads the user and the Entra manager in one call ($expand=manager), manager null when none is set', async () => {
    const jane = await graph.getUserWithManager('jane.doe@contoso.com');
    expect(jane?.user).toMatchObject({ id: JANE_ID, hasEntraIdP1: true, accountEnabled: true });
    expect(jane?.manager).toMatchObject({ userPrincipalName: 'sam.lee@contoso.com', mail: 'sam.lee@contoso.com', displayName: 'Sam Lee' });
    expect(await graph.getUserWithManager('omar.haddad@contoso.com')).toMatchObject({ user: { userPrincipalName: 'omar.haddad@contoso.com' }, manager: null });
    expect(await graph.getUserWithManager('nobody@contoso.com')).toBeNull();
    const ops = sim.control.requests().map((r) => r.operation);
    expect(ops.filter((o) => o === 'users.get')).toHaveLength(3);
    expect(ops).not.toContain('users.manager');
  });

  it('asks the authority for a token once, not on every call, and shares it between concurrent calls', async () => {
    const fresh = simGateway(sim, { timeoutMs: 2_000 });
    await Promise.all([1, 2, 3].map(() => fresh.getUser('jane.doe@contoso.com')));
    await fresh.getTapPolicy();
    await fresh.findDeviceByDeviceId(JANE_DEVICE);
    const ops = sim.control.requests().map((r) => r.operation);
    expect(ops.filter((o) => o === 'token')).toHaveLength(1);
    expect(ops.filter((o) => o === 'users.get')).toHaveLength(3);
  });

  it('finds devices by deviceId', async () => {
    expect(await graph.findDeviceByDeviceId(JANE_DEVICE)).toMatchObject({ trustType: 'AzureAd', operatingSystem: 'Windows' });
    expect(await graph.findDeviceByDeviceId('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('adds, detects and removes group members; already-member is success', async () => {
    expect(await graph.checkMemberGroups(JANE_ID, [sim.tapPilotGroupId])).toEqual([]);
    const added = await graph.addGroupMember(sim.tapPilotGroupId, JANE_ID);
    expect(added.outcome).toBe('added');
    expect(added.requestId).toBeTruthy();
    expect((await graph.addGroupMember(sim.tapPilotGroupId, JANE_ID)).outcome).toBe('already-member');
    expect(await graph.checkMemberGroups(JANE_ID, [sim.tapPilotGroupId])).toEqual([sim.tapPilotGroupId]);
    expect((await graph.removeGroupMember(sim.tapPilotGroupId, JANE_ID)).outcome).toBe('removed');
    expect((await graph.removeGroupMember(sim.tapPilotGroupId, JANE_ID)).outcome).toBe('not-member');
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).not.toContain(JANE_ID);
  });

  it('creates, lists and deletes a TAP; only the create answer holds the passcode', async () => {
    await graph.addGroupMember(sim.tapPilotGroupId, JANE_ID);
    expect((await graph.getTapPolicy()).state).toBe('enabled');
    const tap = await graph.createTemporaryAccessPass(JANE_ID, { lifetimeInMinutes: 60, isUsableOnce: false });
    expect(tap.temporaryAccessPass).toBe(sim.control.taps(JANE_ID).find((t) => t.id === tap.id)?.passcode);
    expect(tap.requestId).toBeTruthy();
    const listed = await graph.listTemporaryAccessPasses(JANE_ID);
    expect(listed.map((t) => t.id)).toEqual([tap.id]);
    expect(JSON.stringify(listed)).not.toContain(tap.temporaryAccessPass);
    expect((await graph.deleteTemporaryAccessPass(JANE_ID, tap.id)).outcome).toBe('deleted');
    expect((await graph.deleteTemporaryAccessPass(JANE_ID, tap.id)).outcome).toBe('not-found');
  });

  it('sends mail', async () => {
    const res = await graph.sendMail(sim.noticeSenderUpn, { to: 'sam.lee@contoso.com', subject: 'Hello', html: '<p>hi</p>' });
    expect(res.outcome).toBe('sent');
    expect(sim.control.mails()).toHaveLength(1);
    expect(sim.control.mails()[0]).toMatchObject({ to: ['sam.lee@contoso.com'], subject: 'Hello' });
  });

  it('maps 429 with Retry-After to ThrottledError with the right delay', async () => {
    sim.control.setFaults([{ kind: 'throttle', retryAfterSeconds: 2.5, pathPattern: 'members', count: 1 }]);
    const err = await graph.addGroupMember(sim.tapPilotGroupId, JANE_ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect((err as ThrottledError).retryAfterMs).toBe(2500);
    expect((err as ThrottledError).graph?.status).toBe(429);
  });

  it('maps 503 to TransientError', async () => {
    sim.control.setFaults([{ kind: 'status', status: 503, count: 1 }]);
    const err = await graph.getUser('jane.doe@contoso.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).graph?.requestId).toBeTruthy();
  });

  it('maps 403 to PermanentError with code and request-id', async () => {
    sim.control.setFaults([{ kind: 'status', status: 403, pathPattern: 'members', count: 1 }]);
    const err = await graph.addGroupMember(sim.tapPilotGroupId, JANE_ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    const e = err as PermanentError;
    expect(e.graph?.status).toBe(403);
    expect(e.graph?.code).toBeTruthy();
    expect(e.graph?.requestId).toBeTruthy();
    expect(e.reason).toContain(e.graph!.requestId!);
  });

  it('maps a timeout to TransientError', async () => {
    sim.control.setFaults([{ kind: 'latency', latencyMs: 4_000, pathPattern: '^/users', count: 1 }]);
    const err = await graph.getUser('jane.doe@contoso.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).message).toMatch(/timed out/);
  });

  it('maps Graph being unreachable to TransientError (network error)', async () => {
    const away = simGateway(sim, { graphBaseUrl: 'https://127.0.0.1:1', timeoutMs: 2_000 });
    const err = await away.getUser('jane.doe@contoso.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).message).toBe('get user: network error (fetch failed)');
  });

  it('maps the TAP policy refusal to WaitingError(tap-policy-replication)', async () => {
    // Jane is not in the pilot group the policy targets.
    const err = await graph
      .createTemporaryAccessPass(JANE_ID, { lifetimeInMinutes: 60, isUsableOnce: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    expect((err as WaitingError).condition).toBe('tap-policy-replication');
  });

  it('maps a wrong client secret to PermanentError', async () => {
    const bad = simGateway({ ...sim, clientSecret: 'wrong' });
    const err = await bad.getUser('jane.doe@contoso.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
  });
});

describe('graph error mapping', () => {
  it('parses Retry-After seconds, fractional or not', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(parseRetryAfterMs('0.25')).toBe(250);
    expect(parseRetryAfterMs(undefined)).toBeNull();
  });
  it('falls back to exponential backoff when a 429 has no Retry-After', () => {
    const e = classifyGraphFailure({ status: 429, message: 'slow down' }, 'x', 3) as ThrottledError;
    expect(e).toBeInstanceOf(ThrottledError);
    expect(e.retryAfterMs).toBe(8000);
  });
  it('treats 400 as permanent and network failures as transient', () => {
    expect(classifyGraphFailure({ status: 400, code: 'Request_BadRequest', message: 'bad' }, 'x')).toBeInstanceOf(PermanentError);
    expect(classifyGraphFailure({ status: -1, message: 'fetch failed', name: 'TypeError' }, 'x')).toBeInstanceOf(TransientError);
  });
});
