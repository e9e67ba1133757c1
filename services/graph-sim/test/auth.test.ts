import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphSim, type GraphSim } from '@hirepass/graph-sim';
import { JANE, SCOPE, graphClient, graphError, noRetry, raw, tenantWithApp, token } from './helpers';

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8'));

describe('token authority', () => {
  let sim: GraphSim;
  let second: ReturnType<typeof tenantWithApp>;
  beforeAll(async () => {
    second = tenantWithApp(['User.Read.All']);
    sim = await startGraphSim({ tenant: second.tenant, tokenLifetimeSeconds: 600 });
  });
  afterAll(() => sim.close());

  it('serves openid-configuration whose issuer shares scheme, host and port with the authority', async () => {
    const res = await raw(sim, 'GET', `/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(`${sim.url}/${sim.tenantId}/v2.0`);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'end_session_endpoint', 'jwks_uri']) {
      expect(res.body[k]).toMatch(new RegExp(`^${sim.url.replace(/\./g, '\\.')}/`));
    }
  });

  it('issues a signed JWT to a real ClientSecretCredential, with roles from the tenant file', async () => {
    const credential = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, { authorityHost: sim.url, disableInstanceDiscovery: true });
    const t = await credential.getToken(SCOPE);
    const claims = decode(t.token);
    expect(claims.aud).toBe('https://graph.microsoft.com');
    expect(claims.tid).toBe(sim.tenantId);
    expect(claims.appid).toBe(sim.clientId);
    expect(claims.roles).toEqual(expect.arrayContaining(['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All', 'Mail.Send']));
    expect(claims.roles).toHaveLength(10);
    expect(claims.exp - claims.iat).toBe(600);
    const header = JSON.parse(Buffer.from(t.token.split('.')[0] as string, 'base64url').toString('utf8'));
    expect(header.alg).toBe('RS256');
    const jwks = await raw(sim, 'GET', `/${sim.tenantId}/discovery/v2.0/keys`);
    expect(jwks.body.keys[0].kid).toBe(header.kid);
  });

  it('refuses a wrong secret with AADSTS7000215 in the AADSTS error shape', async () => {
    const credential = new ClientSecretCredential(sim.tenantId, sim.clientId, 'wrong', { authorityHost: sim.url, disableInstanceDiscovery: true });
    await expect(credential.getToken(SCOPE)).rejects.toThrow(/AADSTS7000215/);
    const res = await raw(sim, 'POST', `/${sim.tenantId}/oauth2/v2.0/token`, {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: 'wrong', scope: SCOPE }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'corr-1' },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215], correlation_id: 'corr-1' });
    expect(res.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(res.body.trace_id).toBe(res.headers.get('request-id'));
    expect(res.headers.get('client-request-id')).toBe('corr-1');
  });

  it('refuses an unknown app (AADSTS700016) and an unknown tenant (AADSTS90002)', async () => {
    const form = (clientId: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'x', scope: SCOPE }).toString();
    const ct = { 'content-type': 'application/x-www-form-urlencoded' };
    const app = await raw(sim, 'POST', `/${sim.tenantId}/oauth2/v2.0/token`, { body: form('00000000-1111-2222-3333-444444444444'), headers: ct });
    expect(app.status).toBe(400);
    expect(app.body.error_codes).toEqual([700016]);
    const tenant = await raw(sim, 'POST', '/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token', { body: form(sim.clientId), headers: ct });
    expect(tenant.status).toBe(400);
    expect(tenant.body.error_codes).toEqual([90002]);
    const credential = new ClientSecretCredential('11111111-2222-3333-4444-555555555555', sim.clientId, sim.clientSecret, { authorityHost: sim.url, disableInstanceDiscovery: true });
    await expect(credential.getToken(SCOPE)).rejects.toThrow();
  });

  it('refuses a scope without /.default (AADSTS1002012)', async () => {
    const res = await raw(sim, 'POST', `/${sim.tenantId}/oauth2/v2.0/token`, {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret, scope: 'User.Read' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error_codes).toEqual([1002012]);
  });

  it('answers 401 InvalidAuthenticationToken without a token or with a bad one', async () => {
    const none = await raw(sim, 'GET', `/v1.0/users/${JANE}`);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('InvalidAuthenticationToken');
    expect(none.body.error.message).toBe('Access token is empty.');
    const good = await token(sim);
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${Buffer.from('not a signature').toString('base64url')}`;
    const bad = await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: forged });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('InvalidAuthenticationToken');
    const garbage = await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: 'abc' });
    expect(garbage.status).toBe(401);
  });

  it('lets tokens expire on the simulator clock', async () => {
    const t = await token(sim);
    expect((await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: t })).status).toBe(200);
    sim.control.setClockOffset(601_000);
    try {
      const res = await raw(sim, 'GET', `/v1.0/users/${JANE}`, { token: t });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/expired/);
    } finally {
      sim.control.setClockOffset(0);
    }
  });

  it('answers 403 Authorization_RequestDenied when the app lacks the permission the route needs', async () => {
    const limited = graphClient(sim, second.appId, second.secret);
    expect((await limited.api(`/users/${JANE}`).get()).userPrincipalName).toBe(JANE);
    const err = await graphError(noRetry(limited.api(`/users/${JANE}/authentication/temporaryAccessPassMethods`)).post({}));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('Authorization_RequestDenied');
    expect(err.message).toBe('Insufficient privileges to complete the operation.');
    // The sample app holds UserAuthenticationMethod.ReadWrite.All but not Policy.ReadWrite.AuthenticationMethod.
    const sample = graphClient(sim);
    const patch = await graphError(sample.api('/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass').patch({ state: 'disabled' }));
    expect(patch.statusCode).toBe(403);
  });

  it('accepts the narrower UserAuthMethod-TAP.ReadWrite.All for TAP creation', async () => {
    const tenant = tenantWithApp(['UserAuthMethod-TAP.ReadWrite.All'], '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d');
    const other = await startGraphSim({ tenant: tenant.tenant });
    try {
      const c = graphClient(other, tenant.appId, tenant.secret);
      const priya = await c.api('/users/priya.patel@contoso.com/authentication/temporaryAccessPassMethods').post({});
      expect(priya.temporaryAccessPass).toBeTruthy();
    } finally {
      await other.close();
    }
  });
});
