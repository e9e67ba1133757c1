import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphSim } from '@hirepass/graph-sim';
import { JANE, raw, token, withSim } from './helpers';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request-id, client-request-id and the error shape', () => {
  let sim: GraphSim;
  let bearer: string;
  beforeAll(async () => {
    sim = await withSim();
    bearer = await token(sim);
  });
  afterAll(() => sim.close());

  const cases: Array<[string, string, string, boolean, number]> = [
    ['a success', 'GET', `/v1.0/users/${JANE}`, true, 200],
    ['a 404', 'GET', '/v1.0/users/nobody@contoso.com', true, 404],
    ['a 401', 'GET', `/v1.0/users/${JANE}`, false, 401],
    ['an unknown segment', 'GET', '/v1.0/nothingHere', true, 400],
    ['an unknown route outside Graph', 'GET', '/nowhere', false, 404],
    ['the openid configuration', 'GET', '/contoso.com/v2.0/.well-known/openid-configuration', false, 200],
  ];

  for (const [name, method, path, auth, status] of cases) {
    it(`carries request-id and echoes client-request-id on ${name}`, async () => {
      const res = await raw(sim, method, path, { ...(auth ? { token: bearer } : {}), headers: { 'client-request-id': 'abc-123' } });
      expect(res.status).toBe(status);
      expect(res.headers.get('request-id')).toMatch(GUID);
      expect(res.headers.get('client-request-id')).toBe('abc-123');
      if (status >= 400 && path.startsWith('/v1.0')) {
        expect(res.body).toEqual({
          error: {
            code: expect.any(String),
            message: expect.any(String),
            innerError: { date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), 'request-id': res.headers.get('request-id'), 'client-request-id': 'abc-123' },
          },
        });
      }
    });
  }

  it('makes up a client-request-id when the caller sends none', async () => {
    const res = await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: bearer });
    expect(res.headers.get('client-request-id')).toMatch(GUID);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const res = await raw(sim, 'POST', '/v1.0/users/priya.patel@contoso.com/authentication/temporaryAccessPassMethods', { token: bearer, body: '{not json' });
    expect(res.status).toBe(400);
    expect(res.headers.get('request-id')).toMatch(GUID);
  });

  it('answers 405 for a known path with another verb', async () => {
    const res = await raw(sim, 'PUT', `/v1.0/users/${JANE}/manager`, { token: bearer, body: {} });
    expect(res.status).toBe(405);
  });
});
