import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnboardingStore, redisKeys } from '@hirepass/core';
import { bearer, makeRecord, makeTestApp, type TestApp } from './helpers';

/** Poison data: one record that no longer parses must not take the ops list down. */
describe('a corrupt onboarding record', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
    const store = new OnboardingStore(t.redis, t.prefix);
    await store.create(makeRecord('E-GOOD-1', new Date(Date.now() - 2000)));
    await store.create(makeRecord('E-POISON', new Date(Date.now() - 1000)));
    await store.create(makeRecord('E-GOOD-2', new Date()));
    await t.redis.set(redisKeys(t.prefix).onboarding('E-POISON'), '{"truncated":');
  });
  afterAll(async () => t.close());

  it('is left out of the list, which still answers, and the log names it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/onboardings', headers: bearer() });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((o: { employeeId: string }) => o.employeeId)).toEqual(['E-GOOD-2', 'E-GOOD-1']);
    expect(t.logs.lines.some((l) => l.includes('E-POISON') && l.includes('no longer parse'))).toBe(true);
    const admin = await t.app.inject({ method: 'GET', url: '/admin/', headers: bearer() });
    expect(admin.statusCode).toBe(200);
    expect(admin.body).toContain('E-GOOD-2');
  });
});
