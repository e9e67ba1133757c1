import { describe, expect, it } from 'vitest';
import { startGraphSim, type TenantDefinition } from '@hirepass/graph-sim';
import type { CheckId, DoctorReport } from '@hirepass/core';
import { runCli } from './run-cli';
import { DYNAMIC_GROUP, NESTED_GROUP, cleanTenant, doctorOn, tenantWith, webSignInPolicy, withLimitedApp, workerEnvFor } from './tenants';

/** Issue 9 "How it is shown": one simulated tenant per misconfiguration, each reported with the right status, fix and exit code. */

const check = (r: DoctorReport, id: CheckId) => r.checks.find((c) => c.id === id)!;
const failing = (r: DoctorReport) => r.checks.filter((c) => c.status !== 'pass').map((c) => c.id);

describe('doctor', () => {
  it('passes a clean tenant: every check, exit code 0', async () => {
    const r = await doctorOn(cleanTenant());
    expect(r.checks.map((c) => [c.id, c.status])).toEqual(r.checks.map((c) => [c.id, 'pass']));
    expect(r.checks).toHaveLength(13);
    expect(r).toMatchObject({ status: 'pass', exitCode: 0 });
  });

  const cases: {
    name: string;
    mutate: (t: TenantDefinition) => void;
    id: CheckId;
    status: 'warn' | 'fail';
    detail: RegExp;
    fix: RegExp;
    /** Other checks that rightly fail along with it. */
    alsoFailing?: CheckId[];
  }[] = [
    {
      name: 'TAP policy disabled',
      mutate: (t) => void (t.tapPolicy.state = 'disabled'),
      id: 'tap-policy-enabled',
      status: 'fail',
      detail: /disabled/,
      fix: /Temporary Access Pass → Enable: On.*a1d5e0f2-3b4c-4d5e-8f90-1a2b3c4d5e6f/,
    },
    {
      name: 'pilot group not targeted',
      mutate: (t) => void (t.tapPolicy.includeTargets = [{ targetType: 'group', id: DYNAMIC_GROUP }]),
      id: 'tap-policy-pilot-targeted',
      status: 'fail',
      detail: /not the pilot group TAP_PILOT_GROUP_ID=a1d5e0f2/,
      fix: /Include → Add groups → a1d5e0f2-3b4c-4d5e-8f90-1a2b3c4d5e6f/,
    },
    {
      name: 'pilot group excluded (through a group that holds it)',
      mutate: (t) => void (t.tapPolicy.excludeTargets = [{ targetType: 'group', id: NESTED_GROUP }]),
      id: 'tap-policy-pilot-not-excluded',
      status: 'fail',
      detail: new RegExp(`excludes ${NESTED_GROUP}, which holds the pilot group`),
      fix: new RegExp(`Exclude → remove ${NESTED_GROUP}`),
    },
    {
      name: 'no Web Sign-in policy',
      mutate: (t) => void (t.configurationPolicies = t.configurationPolicies.filter((p) => p.name !== 'Enable Web Sign In')),
      id: 'web-sign-in-policy',
      status: 'fail',
      detail: /no settings-catalog policy enables Web Sign-in/,
      fix: /npm run bootstrap.*Settings catalog → Authentication → Enable Web Sign In → Enabled/,
      alsoFailing: ['web-sign-in-assignment'],
    },
    {
      name: 'Web Sign-in policy not assigned to the device group',
      mutate: (t) => void (webSignInPolicy(t).assignments = [{ id: 'x', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: DYNAMIC_GROUP } }]),
      id: 'web-sign-in-assignment',
      status: 'fail',
      detail: new RegExp(`assigned to "Enable Web Sign In": group ${DYNAMIC_GROUP}, not to WEB_SIGNIN_DEVICE_GROUP_ID=c3e7f1a2`),
      fix: /npm run bootstrap.*keeping its existing assignments/,
    },
    {
      name: 'missing permissions (a second app with fewer roles)',
      mutate: (t) => withLimitedApp(t, ['Mail.Send', 'Domain.Read.All']),
      id: 'app-permissions',
      status: 'fail',
      detail: /lacks Mail\.Send \(mail the manager.*Domain\.Read\.All/,
      fix: /Application permissions → Mail\.Send, Domain\.Read\.All → Grant admin consent/,
      // Its domain reads are refused too: reported as unverified, naming the permission.
      alsoFailing: ['federated-domains'],
    },
    {
      name: 'federated domain with enforceMfaByFederatedIdp',
      mutate: (t) => void (t.domains.find((d) => d.id === 'partners.contoso.com')!.federationConfiguration[0]!.federatedIdpMfaBehavior = 'enforceMfaByFederatedIdp'),
      id: 'federated-domains',
      status: 'fail',
      detail: /partners\.contoso\.com has federatedIdpMfaBehavior = enforceMfaByFederatedIdp/,
      fix: /Update-MgDomainFederationConfiguration -DomainId partners\.contoso\.com -InternalDomainFederationId 99675f59-cf40-40b6-9324-69de0568ce19 -FederatedIdpMfaBehavior acceptIfMfaDoneByFederatedIdp/,
    },
    {
      name: 'lifetime bounds incompatible with the default lifetime',
      mutate: (t) => Object.assign(t.tapPolicy, { minimumLifetimeInMinutes: 120, maximumLifetimeInMinutes: 480, defaultLifetimeInMinutes: 60 }),
      id: 'tap-policy-lifetime',
      status: 'fail',
      detail: /default lifetime \(60 min\).*outside the policy's bounds 120–480/,
      fix: /Minimum lifetime ≤ Default lifetime \(60 min\) ≤ Maximum lifetime/,
    },
    {
      name: 'one-time passes forced',
      mutate: (t) => void (t.tapPolicy.isUsableOnce = true),
      id: 'tap-policy-one-time',
      status: 'warn',
      detail: /one-time.*reboots during setup/,
      fix: /One-time use: No/,
    },
    {
      name: 'dynamic pilot group',
      mutate: (t) => {
        const g = t.groups.find((x) => x.id === t.hirepass.tapPilotGroupId)!;
        Object.assign(g, { groupTypes: ['DynamicMembership'], membershipRule: '(user.department -eq "New")' });
      },
      id: 'pilot-group',
      status: 'fail',
      detail: /dynamic membership/,
      fix: /assigned membership/,
    },
    {
      name: 'no default credential provider policy',
      mutate: (t) => void (t.configurationPolicies = t.configurationPolicies.filter((p) => p.name === 'Enable Web Sign In')),
      id: 'default-credential-provider',
      status: 'warn',
      detail: /becomes the default/,
      fix: /Assign a default credential provider/,
    },
  ];

  it.each(cases)('reports: $name', async ({ mutate, id, status, detail, fix, alsoFailing = [] }) => {
    const r = await doctorOn(tenantWith(mutate));
    const c = check(r, id);
    expect(c.status).toBe(status);
    expect(c.detail).toMatch(detail);
    expect(c.fix).toMatch(fix);
    expect(failing(r).sort()).toEqual([id, ...alsoFailing].sort());
    expect(r.exitCode).toBe(status === 'fail' ? 2 : 1);
  });

  it('accepts a pilot group reached through a nested included group', async () => {
    const r = await doctorOn(tenantWith((t) => void (t.tapPolicy.includeTargets = [{ targetType: 'group', id: NESTED_GROUP }])));
    expect(check(r, 'tap-policy-pilot-targeted')).toMatchObject({ status: 'pass', detail: expect.stringContaining(NESTED_GROUP) });
  });

  it('names the missing permission when a read is refused (unverified, not a finding)', async () => {
    const r = await doctorOn(tenantWith((t) => withLimitedApp(t, ['Domain.Read.All'])));
    expect(check(r, 'federated-domains')).toMatchObject({ status: 'fail', unverified: true, fix: expect.stringContaining('Domain.Read.All') });
  });

  // Two child processes only (each starts tsx): the exit code is the report's, which the cases above check for 1 and 2.
  it('as a CLI: a table and exit 2 for failures, --json and exit 0 when clean', async () => {
    const runOn = async (tenant: TenantDefinition, args: string[]) => {
      const sim = await startGraphSim({ port: 0, tenant });
      try {
        return await runCli('doctor', args, workerEnvFor(sim));
      } finally {
        await sim.close();
      }
    };
    const [broken, clean] = await Promise.all([runOn(tenantWith((t) => void (t.tapPolicy.state = 'disabled')), []), runOn(cleanTenant(), ['--json'])]);
    expect(broken.code, broken.stderr).toBe(2);
    const table = broken.stdout.replace(/\s+/g, ' ');
    expect(table).toMatch(/\* FAIL TAP policy enabled the Temporary Access Pass policy is disabled/);
    expect(table).toMatch(/fix: Entra admin center → Protection → Authentication methods/);
    expect(table).toMatch(/Result: FAIL .* exit code 2/);
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ status: 'pass', exitCode: 0, checks: expect.arrayContaining([expect.objectContaining({ id: 'app-permissions', status: 'pass' })]) });
    // The client secret never reaches the output.
    for (const out of [broken, clean]) expect(out.stdout + out.stderr).not.toContain('hirepassSampleSecret');
  });
});
