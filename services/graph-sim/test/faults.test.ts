import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphSim } from '@hirepass/graph-sim';
import { JANE, graphClient, graphError, noRetry, raw, token, userId, withSim } from './helpers';

const PRIYA = 'priya.patel@contoso.com';

describe('fault injection, throttle and the control API', () => {
  let sim: GraphSim;
  let bearer: string;
  const addRef = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
  beforeAll(async () => {
    sim = await withSim();
    bearer = await token(sim);
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  it('injects 429 with Retry-After for the next N matching requests, then lets them through', async () => {
    sim.control.setFaults([{ kind: 'throttle', method: 'GET', pathPattern: '^/users/[^/]+$', retryAfterSeconds: 7, count: 1 }]);
    const res = await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: bearer });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body.error.code).toBe('TooManyRequests');
    expect((await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: bearer })).status).toBe(200);
  });

  it('is survived by the Graph client, which honours Retry-After', async () => {
    sim.control.setFaults([{ kind: 'throttle', pathPattern: '^/users/[^/]+$', retryAfterSeconds: 1, count: 1 }]);
    const c = graphClient(sim);
    const started = Date.now();
    expect((await c.api(`/users/${JANE}`).get()).userPrincipalName).toBe(JANE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.control.requests().filter((r) => r.operation === 'users.get').map((r) => r.status)).toEqual([429, 200]);
  });

  it('injects 503 and 504, raw to a client without retries', async () => {
    sim.control.setFaults([
      { kind: 'status', status: 503, pathPattern: '/manager$', retryAfterSeconds: 2 },
      { kind: 'status', status: 504, pathPattern: '^/devices' },
    ]);
    const c = graphClient(sim);
    const e503 = await graphError(noRetry(c.api(`/users/${JANE}/manager`)).get());
    expect(e503.statusCode).toBe(503);
    const e504 = await graphError(noRetry(c.api('/devices')).get());
    expect(e504.statusCode).toBe(504);
    expect((await c.api(`/users/${JANE}`).get()).userPrincipalName).toBe(JANE);
  });

  it('adds latency', async () => {
    sim.control.setFaults([{ kind: 'latency', latencyMs: 250, pathPattern: '^/users/' }]);
    const started = Date.now();
    expect((await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: bearer })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('holds a request without answering (timeout) until the client gives up', async () => {
    sim.control.setFaults([{ kind: 'timeout', count: 1 }]);
    await expect(raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: bearer, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: bearer })).status).toBe(200);
  });

  it('commit-then-fail: the write happens, then a 500', async () => {
    const jane = userId(sim, JANE);
    sim.control.setFaults([{ kind: 'commitThenFail', method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);
    const c = graphClient(sim);
    const err = await graphError(noRetry(c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`)).post(addRef(jane)));
    expect(err.statusCode).toBe(500);
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).toContain(jane);
    // The caller's retry now meets "already a member".
    expect((await graphError(c.api(`/groups/${sim.tapPilotGroupId}/members/$ref`).post(addRef(jane)))).statusCode).toBe(400);
  });

  it('commit-then-fail with a dropped connection: the TAP exists though the caller saw no answer', async () => {
    sim.control.setFaults([{ kind: 'commitThenFail', method: 'POST', pathPattern: 'temporaryAccessPassMethods$', dropConnection: true, count: 1 }]);
    await expect(raw(sim, 'POST', `/v1.0/users/${PRIYA}/authentication/temporaryAccessPassMethods`, { token: bearer, body: {} })).rejects.toThrow();
    expect(sim.control.taps(PRIYA)).toEqual([expect.objectContaining({ current: true })]);
    expect(sim.control.requests().at(-1)).toMatchObject({ operation: 'tap.create', status: 0 });
  });

  it('throttles writes with a token bucket: 429, Retry-After from the refill, x-ms-throttle-scope', async () => {
    sim.control.setThrottle({ writesPerWindow: 2, windowMs: 10_000 });
    const post = (upn: string) => raw(sim, 'POST', `/v1.0/groups/${sim.tapPilotGroupId}/members/$ref`, { token: bearer, body: addRef(userId(sim, upn)) });
    expect((await post('hire01@contoso.com')).status).toBe(204);
    expect((await post('hire02@contoso.com')).status).toBe(204);
    const third = await post('hire03@contoso.com');
    expect(third.status).toBe(429);
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(4);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expect(third.headers.get('x-ms-throttle-scope')).toContain(sim.clientId);
    expect(third.body.error.code).toBe('TooManyRequests');
    // Reads are not writes.
    expect((await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: bearer })).status).toBe(200);
    // The bucket refills on the simulator clock.
    sim.control.setClockOffset(5_000);
    expect((await post('hire03@contoso.com')).status).toBe(204);
    sim.control.setThrottle(null);
  });

  it('throttles by resource units when configured', async () => {
    sim.control.setThrottle({ writesPerWindow: 100, windowMs: 10_000, resourceUnitsPerWindow: 3 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await raw(sim, 'GET', '/v1.0/devices', { token: bearer })).status);
    expect(statuses).toEqual([200, 429, 429]);
  });

  it('never faults /_sim, and faults the token endpoint only when a pattern names it', async () => {
    sim.control.setFaults([{ kind: 'status', status: 503 }]);
    expect((await raw(sim, 'GET', '/_sim/mails')).status).toBe(200);
    expect(await token(sim)).toBeTruthy();
    sim.control.setFaults([{ kind: 'status', status: 503, pathPattern: 'oauth2/v2\\.0/token$' }]);
    const res = await raw(sim, 'POST', `/${sim.tenantId}/oauth2/v2.0/token`, { body: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(503);
  });

  it('offers the same things over HTTP under /_sim/', async () => {
    const put = await raw(sim, 'PUT', '/_sim/faults', { body: [{ kind: 'status', status: 503, pathPattern: '^/devices', count: 2 }] });
    expect(put.status).toBe(200);
    expect(sim.control.faults()).toHaveLength(1);
    expect((await raw(sim, 'GET', '/v1.0/devices', { token: bearer })).status).toBe(503);
    expect((await raw(sim, 'PUT', '/_sim/faults', { body: [{ kind: 'nonsense' }] })).status).toBe(400);
    await raw(sim, 'DELETE', '/_sim/faults');
    await graphClient(sim).api(`/users/${PRIYA}/authentication/temporaryAccessPassMethods`).post({});
    const taps = await raw(sim, 'GET', `/_sim/taps?user=${PRIYA}`);
    expect(taps.body[0].passcode).toHaveLength(8);
    const counts = await raw(sim, 'GET', '/_sim/counts');
    expect(counts.body['tap.create']).toBe(1);
    const requests = await raw(sim, 'GET', '/_sim/requests');
    expect(requests.body.at(-1)).toMatchObject({ method: 'POST', status: 201, operation: 'tap.create', appId: sim.clientId });
    expect(requests.body.at(-1).requestId).toMatch(/^[0-9a-f-]{36}$/);
    await raw(sim, 'DELETE', '/_sim/requests');
    expect(sim.control.requests()).toEqual([]);
    expect((await raw(sim, 'PUT', '/_sim/clock', { body: { offsetMs: 1234 } })).body.offsetMs).toBe(1234);
    expect((await raw(sim, 'PUT', '/_sim/throttle', { body: { writesPerWindow: 5, windowMs: 1000 } })).status).toBe(200);
    const state = await raw(sim, 'GET', '/_sim/state');
    expect(state.body.tenantId).toBe(sim.tenantId);
    expect(state.body.taps).toHaveLength(1);
    await raw(sim, 'POST', '/_sim/reset');
    expect(sim.control.taps()).toEqual([]);
    expect(sim.control.clockOffset()).toBe(0);
    expect(sim.control.counts()).toEqual({});
    const added = await raw(sim, 'POST', `/_sim/groups/${sim.tapPilotGroupId}/members`, { body: { objectId: userId(sim, JANE) } });
    expect(added.body).toContain(userId(sim, JANE));
  });
});
