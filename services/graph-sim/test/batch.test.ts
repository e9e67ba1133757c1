import { BatchRequestContent, BatchResponseContent } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphSim } from '@hirepass/graph-sim';
import { JANE, SAM, graphClient, graphError, raw, token, userId, withSim } from './helpers';

describe('$batch', () => {
  let sim: GraphSim;
  let bearer: string;
  beforeAll(async () => {
    sim = await withSim();
    bearer = await token(sim);
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  it('runs the Graph client batch helper (version-prefixed URLs) and answers 200', async () => {
    const c = graphClient(sim);
    const content = new BatchRequestContent([
      { id: '1', request: new Request(`${sim.url}/v1.0/users/${JANE}`, { method: 'GET' }) },
      { id: '2', request: new Request(`${sim.url}/v1.0/users/${JANE}/manager`, { method: 'GET' }) },
    ]);
    const res = new BatchResponseContent(await c.api('/$batch').post(await content.getContent()));
    expect(res.getResponseById('1')?.status).toBe(200);
    const manager = (await res.getResponseById('2')?.json()) as { userPrincipalName: string };
    expect(manager.userPrincipalName).toBe(SAM);
    expect(sim.control.requests().filter((r) => r.batchRequestId).map((r) => r.path)).toEqual([`/v1.0/users/${JANE}`, `/v1.0/users/${JANE}/manager`]);
  });

  it('accepts relative item URLs, runs writes and reports per-item statuses', async () => {
    const jane = userId(sim, JANE);
    const res = await raw(sim, 'POST', '/v1.0/$batch', {
      token: bearer,
      body: {
        requests: [
          { id: 'a', method: 'POST', url: `/groups/${sim.tapPilotGroupId}/members/$ref`, headers: { 'Content-Type': 'application/json' }, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${jane}` } },
          { id: 'b', method: 'GET', url: '/users/nobody@contoso.com' },
        ],
      },
    });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.responses.map((r: { id: string }) => [r.id, r]));
    expect(byId.a.status).toBe(204);
    expect(byId.b.status).toBe(404);
    expect(byId.b.body.error.code).toBe('Request_ResourceNotFound');
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).toContain(jane);
  });

  it('answers 424 for items whose dependency failed', async () => {
    const res = await raw(sim, 'POST', '/v1.0/$batch', {
      token: bearer,
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/users/nobody@contoso.com' },
          { id: '2', method: 'GET', url: `/users/${JANE}`, dependsOn: ['1'] },
          { id: '3', method: 'GET', url: `/users/${SAM}` },
          { id: '4', method: 'GET', url: `/users/${SAM}/manager`, dependsOn: ['3'] },
        ],
      },
    });
    const statuses = Object.fromEntries(res.body.responses.map((r: { id: string; status: number }) => [r.id, r.status]));
    expect(statuses).toEqual({ '1': 404, '2': 424, '3': 200, '4': 200 });
  });

  it('runs items concurrently, an item with dependsOn after its dependency; latency delays items, not the envelope', async () => {
    sim.control.setFaults([{ kind: 'latency', latencyMs: 150 }]);
    const res = await raw(sim, 'POST', '/v1.0/$batch', {
      token: bearer,
      body: {
        requests: [
          { id: 'a', method: 'GET', url: `/users/${JANE}` },
          { id: 'b', method: 'GET', url: `/users/${SAM}` },
          { id: 'c', method: 'GET', url: `/users/${JANE}/manager`, dependsOn: ['a'] },
        ],
      },
    });
    expect(res.body.responses.map((r: { id: string; status: number }) => [r.id, r.status])).toEqual([['a', 200], ['b', 200], ['c', 200]]);
    const log = sim.control.requests();
    const item = (path: string) => {
      const r = log.find((x) => x.batchRequestId && x.path === path)!;
      return { start: Date.parse(r.at), end: Date.parse(r.at) + (r.durationMs ?? 0) };
    };
    const [a, b, c] = [item(`/users/${JANE}`), item(`/users/${SAM}`), item(`/users/${JANE}/manager`)];
    // a and b overlap (b starts before a ends); c starts only once a has ended.
    expect(b.start).toBeLessThan(a.end);
    expect(c.start).toBeGreaterThanOrEqual(a.end);
    // The envelope did not sleep first: its items started in the same synchronous stretch
    // (a sleep would put 150 ms between them).
    const envelope = log.find((x) => x.operation === 'batch')!;
    expect(a.start - Date.parse(envelope.at)).toBeLessThan(150);
  });

  it('answers a per-item 429 with its own Retry-After when the throttle bucket is empty', async () => {
    sim.control.setThrottle({ writesPerWindow: 2, windowMs: 60_000 });
    const users = ['hire01', 'hire02', 'hire03'].map((u) => userId(sim, `${u}@contoso.com`));
    const res = await raw(sim, 'POST', '/v1.0/$batch', {
      token: bearer,
      body: {
        requests: users.map((id, i) => ({
          id: String(i + 1), method: 'POST', url: `/groups/${sim.tapPilotGroupId}/members/$ref`,
          headers: { 'content-type': 'application/json' }, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` },
        })),
      },
    });
    expect(res.status).toBe(200);
    const third = res.body.responses.find((r: { id: string }) => r.id === '3');
    expect(res.body.responses.map((r: { status: number }) => r.status)).toEqual([204, 204, 429]);
    expect(Number(third.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(third.body.error.code).toBe('TooManyRequests');
    expect(sim.control.groupMembers(sim.tapPilotGroupId)).not.toContain(users[2]);
  });

  it('refuses more than 20 items, duplicate ids, unknown dependencies and a body without Content-Type', async () => {
    const item = (id: string) => ({ id, method: 'GET', url: `/users/${JANE}` });
    const tooMany = await raw(sim, 'POST', '/v1.0/$batch', { token: bearer, body: { requests: Array.from({ length: 21 }, (_, i) => item(String(i))) } });
    expect(tooMany.status).toBe(400);
    const twenty = await raw(sim, 'POST', '/v1.0/$batch', { token: bearer, body: { requests: Array.from({ length: 20 }, (_, i) => item(String(i))) } });
    expect(twenty.status).toBe(200);
    const dup = await raw(sim, 'POST', '/v1.0/$batch', { token: bearer, body: { requests: [item('1'), item('1')] } });
    expect(dup.status).toBe(400);
    const dep = await raw(sim, 'POST', '/v1.0/$batch', { token: bearer, body: { requests: [{ ...item('1'), dependsOn: ['9'] }] } });
    expect(dep.status).toBe(400);
    const noType = await raw(sim, 'POST', '/v1.0/$batch', { token: bearer, body: { requests: [{ id: '1', method: 'POST', url: `/users/${JANE}/checkMemberGroups`, body: { groupIds: [] } }] } });
    expect(noType.status).toBe(400);
    expect(noType.body.error.message).toContain('Content-Type');
  });

  it('needs a token for the batch itself, and applies permissions per item', async () => {
    expect((await raw(sim, 'POST', '/v1.0/$batch', { body: { requests: [] } })).status).toBe(401);
    const res = await raw(sim, 'POST', '/v1.0/$batch', {
      token: bearer,
      body: { requests: [{ id: '1', method: 'PATCH', url: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass', headers: { 'content-type': 'application/json' }, body: { state: 'disabled' } }] },
    });
    expect(res.body.responses[0].status).toBe(403);
    expect((await graphError(graphClient(sim).api('/$batch').post({ requests: 'x' }))).statusCode).toBe(400);
  });
});
