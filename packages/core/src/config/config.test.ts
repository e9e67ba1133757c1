import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadApiConfig, loadWorkerConfig } from './config';
import { ConfigError } from './parse-config';

const key = randomBytes(32).toString('base64');
const whsec = `whsec_${randomBytes(32).toString('base64')}`;
const apiEnv = { HR_WEBHOOK_SECRETS: whsec, PASSCODE_ENCRYPTION_KEYS: key, OPS_TOKEN: 'an-ops-token-of-some-length' };
const workerEnv = {
  PASSCODE_ENCRYPTION_KEYS: key,
  AZURE_TENANT_ID: 'tenant',
  AZURE_CLIENT_ID: 'client',
  AZURE_CLIENT_SECRET: 'very-secret-value',
  TAP_PILOT_GROUP_ID: '11111111-1111-1111-1111-111111111111',
  WEB_SIGNIN_DEVICE_GROUP_ID: '22222222-2222-2222-2222-222222222222',
  NOTICE_SENDER_UPN: 'notices@contoso.com',
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadApiConfig(apiEnv);
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'hirepass',
      host: '127.0.0.1',
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      webhookToleranceSeconds: 300,
      webhookRateLimitPerMinute: 600,
      lateStartGraceDays: 0,
      defaultActivationTime: '08:00',
      logLevel: 'info',
    });
    expect(c.passcodeKeys[0]).toHaveLength(32);
    expect(Object.isFrozen(c)).toBe(true);
    const w = loadWorkerConfig(workerEnv);
    expect(w.azure.authorityHost).toBe('https://login.microsoftonline.com');
    expect(w.graphBaseUrl).toBe('https://graph.microsoft.com');
  });

  it.each([
    [{ ...apiEnv, OPS_TOKEN: undefined }, /^OPS_TOKEN is required/],
    [{ ...apiEnv, HR_WEBHOOK_SECRETS: 'not-a-secret' }, /^HR_WEBHOOK_SECRETS must be/],
    [{ ...apiEnv, PASSCODE_ENCRYPTION_KEYS: 'c2hvcnQ=' }, /^PASSCODE_ENCRYPTION_KEYS must be/],
    [{ ...apiEnv, PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ ...apiEnv, REDIS_URL: 'localhost:6379' }, /^REDIS_URL must be/],
    [{ ...apiEnv, DEFAULT_ACTIVATION_TIME: '8am' }, /^DEFAULT_ACTIVATION_TIME must be/],
  ])('stops with one line naming the variable (%#)', (env, message) => {
    expect(() => loadApiConfig(env)).toThrow(ConfigError);
    expect(() => loadApiConfig(env)).toThrow(message);
  });

  it('requires https for the token authority and a GUID for groups', () => {
    expect(() => loadWorkerConfig({ ...workerEnv, AZURE_AUTHORITY_HOST: 'http://127.0.0.1:4443' })).toThrow(/^AZURE_AUTHORITY_HOST must be an https/);
    expect(() => loadWorkerConfig({ ...workerEnv, TAP_PILOT_GROUP_ID: 'pilot' })).toThrow(/^TAP_PILOT_GROUP_ID must be a GUID/);
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'whsec_!!!-leaky-secret-value';
    try {
      loadApiConfig({ ...apiEnv, HR_WEBHOOK_SECRETS: secret });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('leaky');
      expect((err as Error).message.split('\n')).toHaveLength(1);
    }
  });
});
