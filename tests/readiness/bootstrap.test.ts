import { afterEach, describe, expect, it } from 'vitest';
import { startGraphSim, type GraphSim, type TenantDefinition } from '@hirepass/graph-sim';
import { HIREPASS_WEB_SIGN_IN_POLICY_NAME, applyBootstrap, planBootstrap, runDoctor, systemClock } from '@hirepass/core';
import { runCli } from './run-cli';
import { DYNAMIC_GROUP, gatewayFor, targetOf, tenantWith, webSignInPolicy, workerEnvFor } from './tenants';

/** Issue 9: bootstrap creates what is missing, idempotently, keeps existing assignments, never touches the TAP policy. */

const sims: GraphSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
async function simWith(tenant: TenantDefinition): Promise<GraphSim> {
  const sim = await startGraphSim({ port: 0, tenant });
  sims.push(sim);
  return sim;
}

const writes = (sim: GraphSim) => sim.control.requests().filter((r) => r.method !== 'GET' && r.operation !== 'token' && r.operation !== 'batch' && r.operation !== 'directoryObjects.checkMemberGroups');
const withoutWebSignIn = (t: TenantDefinition) => void (t.configurationPolicies = t.configurationPolicies.filter((p) => p.name !== 'Enable Web Sign In'));

async function bootstrapTwice(sim: GraphSim, opts = {}) {
  const tenant = gatewayFor(sim);
  const first = await planBootstrap(tenant, targetOf(sim), systemClock, opts);
  const applied = await applyBootstrap(tenant, first);
  const writesAfterFirst = writes(sim).length;
  const second = await planBootstrap(tenant, targetOf(sim), systemClock, opts);
  await applyBootstrap(tenant, second);
  return { first, applied, second, writesAfterFirst, writesAfterSecond: writes(sim).length, tenant };
}

describe('bootstrap', () => {
  it('creates the Web Sign-in policy and assigns it; a second run changes nothing', async () => {
    const sim = await simWith(tenantWith(withoutWebSignIn));
    const run = await bootstrapTwice(sim);
    expect(run.first.actions).toMatchObject([{ kind: 'create-policy', policy: 'web-sign-in', assignTo: sim.webSignInDeviceGroupId }]);
    expect(run.applied).toMatchObject([{ outcome: 'created-and-assigned' }]);
    expect(run.second.actions).toEqual([]);
    expect(run.writesAfterSecond).toBe(run.writesAfterFirst);
    expect(writes(sim).map((r) => r.operation)).toEqual(['intune.policies.create', 'intune.policies.assign']);

    const created = sim.control.state().configurationPolicies.find((p) => p.name === HIREPASS_WEB_SIGN_IN_POLICY_NAME)!;
    expect(created.assignments.map((a) => a.target.groupId)).toEqual([sim.webSignInDeviceGroupId]);
    const report = await runDoctor(run.tenant, targetOf(sim), systemClock);
    expect(report.checks.filter((c) => c.id.startsWith('web-sign-in')).map((c) => c.status)).toEqual(['pass', 'pass']);
  });

  it('adds the device group to an existing policy and keeps its other assignments', async () => {
    const sim = await simWith(
      tenantWith((t) => {
        webSignInPolicy(t).assignments = [
          { id: 'a1', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: DYNAMIC_GROUP, deviceAndAppManagementAssignmentFilterType: 'none' } },
        ];
      }),
    );
    const run = await bootstrapTwice(sim);
    expect(run.first.actions).toMatchObject([{ kind: 'assign-policy', name: 'Enable Web Sign In', keeps: `group ${DYNAMIC_GROUP}` }]);
    expect(run.second.actions).toEqual([]);
    expect(writes(sim).map((r) => r.operation)).toEqual(['intune.policies.assign']);
    const targets = sim.control.state().configurationPolicies.find((p) => p.name === 'Enable Web Sign In')!.assignments.map((a) => a.target.groupId);
    expect(targets.sort()).toEqual([DYNAMIC_GROUP, sim.webSignInDeviceGroupId].sort());
  });

  it('never changes the TAP policy: it prints the change to make instead', async () => {
    const sim = await simWith(tenantWith((t) => void (t.tapPolicy.state = 'disabled')));
    const tenant = gatewayFor(sim);
    const plan = await planBootstrap(tenant, targetOf(sim), systemClock);
    expect(plan.actions).toEqual([]);
    expect(plan.manual).toMatchObject([{ check: 'tap-policy-enabled', fix: expect.stringContaining('Enable: On') }]);
    await applyBootstrap(tenant, plan);
    expect(writes(sim)).toEqual([]);
    expect(sim.control.state().tapPolicy.state).toBe('disabled');
  });

  it('optionally creates the default credential provider policy (seed advice)', async () => {
    const sim = await simWith(tenantWith((t) => void (t.configurationPolicies = t.configurationPolicies.filter((p) => p.name === 'Enable Web Sign In'))));
    const run = await bootstrapTwice(sim, { defaultCredentialProvider: 'password' });
    expect(run.first.actions).toMatchObject([{ kind: 'create-policy', policy: 'default-credential-provider', provider: 'password' }]);
    expect(run.second.actions).toEqual([]);
    const report = await runDoctor(run.tenant, targetOf(sim), systemClock);
    expect(report.checks.find((c) => c.id === 'default-credential-provider')?.status).toBe('pass');
  });

  it('as a CLI: asks first (no terminal, no --yes: nothing changes, exit 1); --yes applies (exit 0)', async () => {
    const [declinedSim, appliedSim] = await Promise.all([simWith(tenantWith(withoutWebSignIn)), simWith(tenantWith(withoutWebSignIn))]);
    const [declined, applied] = await Promise.all([runCli('bootstrap', [], workerEnvFor(declinedSim)), runCli('bootstrap', ['--yes'], workerEnvFor(appliedSim))]);
    expect(declined.code, declined.stderr).toBe(1);
    expect(declined.stdout).toContain(`1. create the settings-catalog policy "${HIREPASS_WEB_SIGN_IN_POLICY_NAME}"`);
    expect(declined.stdout).toContain('run again with --yes');
    expect(writes(declinedSim)).toEqual([]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/✓ hirepass - Enable Web Sign In: created and assigned/);
    expect(writes(appliedSim).map((r) => r.operation)).toEqual(['intune.policies.create', 'intune.policies.assign']);
  });
});
