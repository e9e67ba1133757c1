import { describe, expect, it } from 'vitest';
import { loadSampleTenant, type TenantDefinition } from '@hirepass/graph-sim';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { reveal, tokensIn } from './support/onboarding-scenario';
import { READINESS_PERMISSIONS, WORKER_ROLES, WORKFLOW_PERMISSIONS, WORKFLOW_ROLES } from './support/graph-permissions';

/**
 * Issue 6, "Least privilege": the worker runs end to end (start-up checks, notice, reveal,
 * re-issue, cancel) with an app registration granted exactly WORKER_ROLES, so a new call that
 * needs more fails here; without any one of the six onboarding permissions the onboarding
 * fails with Authorization_RequestDenied, and without any one of the other four the call that
 * needs it is denied: none is granted for nothing. The simulator enforces Graph's documented
 * permissions per route.
 */
function tenantWithRoles(roles: string[]): TenantDefinition {
  const tenant = loadSampleTenant();
  const app = tenant.apps.find((a) => a.appId === tenant.hirepass.clientId)!;
  app.roles = [...roles];
  return tenant;
}

const HIRE = { userPrincipalName: 'hire05@contoso.com', deviceId: 'c8346cff-fd59-439a-b102-61153a9dce2d' };

function hireEvent(employeeId: string) {
  return {
    type: 'hire.created',
    timestamp: new Date().toISOString(),
    data: { employeeId, ...HIRE, startDate: new Date().toISOString().slice(0, 10), timeZone: 'UTC', activationTime: '00:00' },
  };
}

interface View {
  status: string;
  steps: Record<string, { state: string; reason?: string }>;
}

async function onboarding(stack: Stack, employeeId: string): Promise<View | null> {
  const res = await stack.ops(`/api/onboardings/${employeeId}`);
  return res.status === 200 ? ((await res.json()) as View) : null;
}

async function withStack<T>(roles: string[], run: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack({ sim: { tenant: tenantWithRoles(roles) } });
  try {
    return await run(stack);
  } finally {
    await stack.stop();
  }
}

describe('least privilege', () => {
  it('lists ten permissions, each with the calls that need it', () => {
    expect(WORKFLOW_ROLES).toHaveLength(6);
    expect(new Set(WORKER_ROLES).size).toBe(10);
    for (const p of [...WORKFLOW_PERMISSIONS, ...READINESS_PERMISSIONS]) expect(p.calls.length).toBeGreaterThan(0);
  });

  it('runs the whole workflow with exactly these permissions and is never denied', async () => {
    await withStack(WORKER_ROLES, async (stack) => {
      expect((await stack.postEvent(hireEvent('E-lp'))).status).toBe(202);
      await waitFor('notified', async () => (await onboarding(stack, 'E-lp'))?.status === 'notified', 30_000);
      const token = tokensIn(stack.sim.control.mails()[0]!.content)[0]!;
      expect((await reveal(stack.apiUrl, token)).status).toBe(200);
      expect((await stack.ops('/api/onboardings/E-lp/reissue', { method: 'POST' })).status).toBe(202);
      await waitFor('the re-issued notice', () => stack.sim.control.mails().length === 2, 30_000);
      await stack.postEvent({ type: 'hire.cancelled', timestamp: new Date().toISOString(), data: { employeeId: 'E-lp' } });
      await waitFor('cancelled, memberships undone', async () => {
        const v = await onboarding(stack, 'E-lp');
        return v?.status === 'cancelled' && stack.sim.control.groupMembers(stack.sim.tapPilotGroupId).every((id) => !stack.sim.control.state().users.some((u) => u.id === id && u.userPrincipalName === HIRE.userPrincipalName));
      }, 30_000);
      const denied = stack.sim.control.requests().filter((r) => r.status === 401 || r.status === 403);
      expect(denied).toEqual([]);
      const ops = new Set(stack.sim.control.requests().map((r) => r.operation));
      // The manager comes with the user ($expand=manager): no separate users.manager call (issue 8).
      for (const op of ['users.get', 'devices.list', 'groups.members.add', 'groups.members.remove', 'tapPolicy.get', 'tap.create', 'tap.delete', 'sendMail']) expect(ops).toContain(op);
    });
  }, 60_000);

  it.each(WORKFLOW_ROLES.map((r) => [r]))('without %s the onboarding fails with Authorization_RequestDenied', async (missing) => {
    await withStack(WORKER_ROLES.filter((r) => r !== missing), async (stack) => {
      expect((await stack.postEvent(hireEvent('E-lp-deny'))).status).toBe(202);
      const failed = await waitFor('a failed step', async () => {
        const v = await onboarding(stack, 'E-lp-deny');
        return v && Object.values(v.steps).some((s) => s.state === 'failed') ? v : null;
      }, 30_000);
      const reasons = Object.values(failed.steps).map((s) => s.reason ?? '').join(' | ');
      expect(reasons).toContain('Authorization_RequestDenied');
      expect(stack.sim.control.requests().some((r) => r.status === 403)).toBe(true);
      expect(stack.sim.control.mails()).toEqual([]);
    });
  }, 60_000);

  it.each(READINESS_PERMISSIONS.map((p) => [p.permission, p] as const))('without %s the call that needs it is denied', async (missing, p) => {
    await withStack(WORKER_ROLES.filter((r) => r !== missing), async (stack) => {
      expect((await stack.postEvent(hireEvent('E-lp-check'))).status).toBe(202);
      const denied = await waitFor('a denied call', () => stack.sim.control.requests().filter((r) => r.status === 403).length > 0 && stack.sim.control.requests().filter((r) => r.status === 403), 30_000);
      for (const r of denied) expect(p.operations as readonly string[]).toContain(r.operation);
    });
  }, 60_000);
});
