import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, TENANT_AUDIT_ID, applyBootstrap, planBootstrap, systemClock } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { json, postHire, recordWhen } from './hires';
import { gatewayFor, targetOf, tenantWith, webSignInPolicy } from './tenants';

/**
 * Issue 9 "Worker start-up": while a critical check fails the worker issues no TAP; the
 * onboarding waits (needs_attention, with the reason) instead of failing; /readyz, the ops API
 * and the logs say why; once the tenant is fixed, issuance resumes by itself. The case: the
 * Web Sign-in policy reaches no device group (nothing else in the workflow would notice: the
 * pass would be issued for a lock screen without the globe icon). A disabled TAP policy is
 * caught earlier still, by the schedule step (step 4), days ahead.
 */
describe('the worker start-up gate', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sim: { tenant: tenantWith((t) => void (webSignInPolicy(t).assignments = [])) },
      workerEnv: { READINESS_RECHECK_SECONDS: '1' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('holds TAP issuance while the Web Sign-in policy is not assigned, and resumes once bootstrap assigned it', async () => {
    const report = await waitFor('a published report', async () => {
      const res = await stack.ops('/api/doctor');
      return res.status === 200 ? ((await res.json()) as { status: string; checks: { id: string; status: string; fix: string | null }[] }) : null;
    });
    expect(report.status).toBe('fail');
    expect(report.checks.find((c) => c.id === 'web-sign-in-assignment')).toMatchObject({ status: 'fail', critical: true, fix: expect.stringContaining('npm run bootstrap') });

    const readyz = await json<{ issuance?: { held: boolean; reasons: string[] } }>(fetch(`${stack.apiUrl}/readyz`));
    expect(readyz.issuance).toEqual({ held: true, reasons: ['tenant not ready: Web Sign-in policy assigned to the device group'] });
    const issuance = await json<{ held: boolean; banners: { level: string; title: string }[] }>(stack.ops('/api/issuance'));
    expect(issuance.held).toBe(true);
    expect(issuance.banners[0]).toMatchObject({ level: 'error', title: 'The tenant is not ready: TAP issuance waits' });
    expect(stack.logs.text()).toContain('tenant not ready: TAP issuance waits until these checks pass');

    await postHire(stack, 'E-GATE-1', 'jane.doe@contoso.com');
    const held = await recordWhen(stack, 'E-GATE-1', 'held', (r) => r.status === 'needs_attention');
    expect(held.attention).toMatchObject({ condition: 'tenant-not-ready', message: expect.stringContaining('Web Sign-in policy assigned to the device group') });
    expect(held.steps.tap.state).toBe('pending');
    expect(stack.sim.control.taps()).toHaveLength(0);

    const tenant = gatewayFor(stack.sim);
    await applyBootstrap(tenant, await planBootstrap(tenant, targetOf(stack.sim), systemClock));
    const notified = await recordWhen(stack, 'E-GATE-1', 'notified after the fix', (r) => r.status === 'notified');
    expect(notified.attention ?? null).toBeNull();
    expect(stack.sim.control.taps()).toHaveLength(1);
    const actions = (await new AuditTrail(stack.redis, stack.prefix).forEmployee('E-GATE-1')).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['tap.held', 'tap.released', 'tap.issued']));
    const tenantAudit = (await new AuditTrail(stack.redis, stack.prefix).forEmployee(TENANT_AUDIT_ID)).map((e) => e.action);
    expect(tenantAudit).toEqual(expect.arrayContaining(['readiness.blocked', 'readiness.cleared']));
    const after = await json<{ issuance?: unknown }>(fetch(`${stack.apiUrl}/readyz`));
    expect(after.issuance).toBeUndefined();
  });
});
