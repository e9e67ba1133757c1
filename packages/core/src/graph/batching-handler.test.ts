import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import { ThrottledError, TransientError } from '../errors';
import type { GraphGateway } from './graph.port';
import { simGateway } from '../testing/sim-gateway';
import type { MsGraphGatewayOptions } from './msgraph.adapter';

const JANE_ID = '45ea88bc-afac-4073-96e9-6bc0d019cf22';
const JANE_DEVICE = '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44';

let sim: GraphSim;
let graph: GraphGateway;
let batchSizes: number[];

const gateway = (extra: Partial<MsGraphGatewayOptions> = {}) => simGateway(sim, { timeoutMs: 2_000, onBatch: (n) => batchSizes.push(n), ...extra });

/** The simulator's log without the token calls: what reached Graph's front door. */
const graphRequests = () => sim.control.requests().filter((r) => r.operation !== 'token' && r.operation !== 'openid-configuration');
const envelopes = () => graphRequests().filter((r) => r.operation === 'batch');

beforeAll(async () => {
  sim = await startGraphSim({ port: 0 });
  batchSizes = [];
  graph = gateway();
  await graph.getTapPolicy(); // the token, fetched once, outside the tests' counts
  sim.control.reset();
});
afterAll(async () => {
  await sim?.close();
});
afterEach(() => {
  sim.control.clearFaults();
  sim.control.reset();
  batchSizes = [];
});

describe('Graph calls made at one moment share a $batch', () => {
  it('sends concurrent calls as one $batch and gives each call its own outcome', async () => {
    const [jane, nobody, added, device, policy] = await Promise.all([
      graph.getUserWithManager('jane.doe@contoso.com'),
      graph.getUser('nobody@contoso.com'),
      graph.addGroupMember(sim.tapPilotGroupId, JANE_ID),
      graph.findDeviceByDeviceId(JANE_DEVICE),
      graph.getTapPolicy(),
    ]);
    expect(jane?.manager?.userPrincipalName).toBe('sam.lee@contoso.com');
    expect(nobody).toBeNull();
    expect(added.outcome).toBe('added');
    expect(device?.trustType).toBe('AzureAd');
    expect(policy.state).toBe('enabled');
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).toContain(JANE_ID);

    // One HTTP request carried all five: the items name the envelope, nothing went alone.
    const [batch] = envelopes();
    expect(envelopes()).toHaveLength(1);
    expect(batchSizes).toEqual([5]);
    const items = graphRequests().filter((r) => r.batchRequestId);
    expect(items).toHaveLength(5);
    expect(new Set(items.map((r) => r.batchRequestId))).toEqual(new Set([batch!.requestId]));
    expect(graphRequests()).toHaveLength(6);
    // A write cites the request-id Graph support can trace: the envelope's.
    expect(added.requestId).toBe(batch!.requestId);
  });

  it('keeps the write outcomes inside a batch: "already a member" is success, one pass stands', async () => {
    await graph.addGroupMember(sim.tapPilotGroupId, JANE_ID);
    const [again, taps] = await Promise.all([graph.addGroupMember(sim.tapPilotGroupId, JANE_ID), graph.listTemporaryAccessPasses(JANE_ID)]);
    expect(again.outcome).toBe('already-member');
    expect(taps).toEqual([]);
    const req = { lifetimeInMinutes: 60, isUsableOnce: false };
    const both = await Promise.all([graph.createTemporaryAccessPass(JANE_ID, req), graph.createTemporaryAccessPass(JANE_ID, req)]);
    // One TAP per user, a new one replacing the old (graph.md): each call got its own item's
    // answer, with its own passcode, and the one that stands is one of them.
    expect(both[0].id).not.toBe(both[1].id);
    const standing = sim.control.taps(JANE_ID).filter((t) => t.current);
    expect(standing).toHaveLength(1);
    expect(both.map((t) => t.temporaryAccessPass)).toContain(standing[0]?.passcode);
    expect(batchSizes).toEqual([2, 2]);
  });

  it('fails a throttled item alone, with its own Retry-After; the others in the batch go through', async () => {
    sim.control.setFaults([{ kind: 'throttle', retryAfterSeconds: 2.5, pathPattern: 'members', count: 1 }]);
    const [add, user] = await Promise.allSettled([graph.addGroupMember(sim.tapPilotGroupId, JANE_ID), graph.getUser('jane.doe@contoso.com')]);
    expect(add.status).toBe('rejected');
    const err = (add as PromiseRejectedResult).reason as ThrottledError;
    expect(err).toBeInstanceOf(ThrottledError);
    expect(err.retryAfterMs).toBe(2500);
    expect(user).toMatchObject({ status: 'fulfilled', value: { id: JANE_ID } });
    expect(envelopes()).toHaveLength(1);
  });

  it('gives a failed envelope to every call in it', async () => {
    sim.control.setFaults([{ kind: 'status', status: 503, pathPattern: '^/\\$batch', count: 1 }]);
    const results = await Promise.allSettled([graph.getUser('jane.doe@contoso.com'), graph.findDeviceByDeviceId(JANE_DEVICE)]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TransientError);
      expect(((r as PromiseRejectedResult).reason as TransientError).graph?.status).toBe(503);
    }
    expect(graphRequests().filter((r) => r.batchRequestId)).toEqual([]);
  });

  it('fails every call in a batch whose answer outlives the call timeout, as a timeout', async () => {
    const quick = gateway({ timeoutMs: 500 });
    sim.control.setFaults([{ kind: 'latency', latencyMs: 1_500, pathPattern: '^/devices', count: 1 }]);
    const results = await Promise.allSettled([quick.getUser('jane.doe@contoso.com'), quick.findDeviceByDeviceId(JANE_DEVICE)]);
    // The batch answers when its slowest item does: batching trades that for one round trip.
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(((r as PromiseRejectedResult).reason as TransientError).message).toMatch(/timed out/);
    }
  });

  it('sends a call alone when nothing else is made at that moment, with no envelope', async () => {
    expect((await graph.getUser('jane.doe@contoso.com'))?.id).toBe(JANE_ID);
    expect((await graph.addGroupMember(sim.tapPilotGroupId, JANE_ID)).outcome).toBe('added');
    expect(envelopes()).toEqual([]);
    expect(graphRequests().map((r) => r.operation)).toEqual(['users.get', 'groups.members.add']);
  });

  it('sends mail on its own, never in a batch', async () => {
    const [user, sent] = await Promise.all([
      graph.getUser('jane.doe@contoso.com'),
      graph.sendMail(sim.noticeSenderUpn, { to: 'sam.lee@contoso.com', subject: 'Hello', html: '<p>hi</p>' }),
      graph.findDeviceByDeviceId(JANE_DEVICE),
    ]);
    expect(user?.id).toBe(JANE_ID);
    expect(sent.outcome).toBe('sent');
    expect(batchSizes).toEqual([2]);
    const mail = graphRequests().find((r) => r.operation === 'sendMail');
    expect(mail?.batchRequestId).toBeUndefined();
  });

  it('puts at most 20 calls in one $batch', async () => {
    const users = await Promise.all(Array.from({ length: 45 }, () => graph.getUser('jane.doe@contoso.com')));
    expect(users.every((u) => u?.id === JANE_ID)).toBe(true);
    expect(batchSizes).toEqual([20, 20, 5]);
    expect(graphRequests().filter((r) => r.batchRequestId)).toHaveLength(45);
  });

  it('sends every call on its own with batchMaxRequests 1', async () => {
    const alone = gateway({ batchMaxRequests: 1 });
    await Promise.all([alone.getUser('jane.doe@contoso.com'), alone.findDeviceByDeviceId(JANE_DEVICE), alone.getTapPolicy()]);
    expect(envelopes()).toEqual([]);
    expect(batchSizes).toEqual([]);
    expect(graphRequests().filter((r) => r.operation !== 'token')).toHaveLength(3);
  });
});
