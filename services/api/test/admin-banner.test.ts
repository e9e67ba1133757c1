import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuanceControl, OnboardingStore } from '@hirepass/core';
import { bearer, makeRecord, makeTestApp, type TestApp } from './helpers';

/** Issue 9: a hold on TAP issuance is visible on the dashboard, not only in /readyz and logs. */
describe('dashboard issuance banner', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
    await new OnboardingStore(t.redis, t.prefix).create(makeRecord('E-BANNER', new Date()));
  });
  afterAll(async () => t.close());

  it('shows no banner while issuance is open, and the pause with who and how to resume once paused', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/admin/', headers: bearer() });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('TAP issuance paused');

    await new IssuanceControl(t.redis, t.prefix, t.clock).pause('ops', 'rehearsal');
    for (const url of ['/admin/', '/admin/onboardings/E-BANNER']) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer() });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('TAP issuance paused');
      expect(res.body).toContain('rehearsal');
      expect(res.body).toContain('/api/issuance/resume');
    }
  });
});
