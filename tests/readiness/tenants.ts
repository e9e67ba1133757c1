import { loadSampleTenant, startGraphSim, type GraphSim, type TenantDefinition } from '@hirepass/graph-sim';
import { createMsGraphGateway, runDoctor, systemClock, type DoctorReport, type ReadinessTarget, type TenantGateway } from '@hirepass/core';

/**
 * Simulated tenants for each misconfiguration of issue 9, built from the sample tenant with one
 * mutation each (no tenant files to drift), plus a clean one that passes every check.
 */
export const NESTED_GROUP = '1484525c-942b-4fd6-b2ee-789b5d0b849f';
export const DYNAMIC_GROUP = '6e776571-dd40-42a6-ac9a-8c07b1942207';
export const LIMITED_APP = { appId: '0b6f0a4e-2c1d-4d7e-9f3a-5b8c7d6e4f21', clientSecret: 'sim~limitedAppSecret.0123456789abcdef' };

/** The sample's one fault (a federated domain that enforces MFA at its IdP) fixed, and a default credential provider assigned. */
export function cleanTenant(): TenantDefinition {
  const t = loadSampleTenant();
  for (const d of t.domains) for (const f of d.federationConfiguration) f.federatedIdpMfaBehavior = 'acceptIfMfaDoneByFederatedIdp';
  t.configurationPolicies.push({
    id: '7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    name: 'Default credential provider: Password',
    platforms: 'windows10',
    technologies: 'mdm',
    roleScopeTagIds: ['0'],
    createdDateTime: '2025-07-01T09:00:00Z',
    lastModifiedDateTime: '2025-07-01T09:00:00Z',
    settings: [
      {
        id: '0',
        settingInstance: {
          '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance',
          settingDefinitionId: 'device_vendor_msft_policy_config_admx_credentialproviders_defaultcredentialprovider',
          choiceSettingValue: { value: 'device_vendor_msft_policy_config_admx_credentialproviders_defaultcredentialprovider_1', children: [] },
        },
      },
    ],
    assignments: [{ id: 'a', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
  });
  return t;
}

export function tenantWith(mutate: (t: TenantDefinition) => void): TenantDefinition {
  const t = cleanTenant();
  mutate(t);
  return t;
}

export const webSignInPolicy = (t: TenantDefinition) => t.configurationPolicies.find((p) => p.name === 'Enable Web Sign In')!;

/** The sample app's roles minus `drop`, as a second app the tenant's hirepass config uses. */
export function withLimitedApp(t: TenantDefinition, drop: string[]): void {
  const sample = t.apps[0]!;
  t.apps.push({ ...LIMITED_APP, servicePrincipalId: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a', displayName: 'hirepass (fewer permissions)', roles: sample.roles.filter((r) => !drop.includes(r)) });
  t.hirepass.clientId = LIMITED_APP.appId;
}

export function targetOf(sim: GraphSim): ReadinessTarget {
  return { tenantId: sim.tenantId, tapPilotGroupId: sim.tapPilotGroupId, webSignInDeviceGroupId: sim.webSignInDeviceGroupId, noticeSenderUpn: sim.noticeSenderUpn };
}

export function gatewayFor(sim: GraphSim): TenantGateway {
  return createMsGraphGateway({ tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, authorityHost: sim.url, graphBaseUrl: sim.url });
}

/** The worker's environment against `sim` (kept here too: the readiness tests import it from this file). */
export { workerEnvFor } from '@hirepass/graph-sim';

export async function doctorOn(tenant: TenantDefinition): Promise<DoctorReport> {
  const sim = await startGraphSim({ port: 0, tenant });
  try {
    return await runDoctor(gatewayFor(sim), targetOf(sim), systemClock);
  } finally {
    await sim.close();
  }
}
