import type { ConfigurationPolicySummary, ConfigurationSetting, NewConfigurationPolicy, PolicyAssignment, TenantGateway } from '../graph/graph.port';

/** graph.md "Intune 'Enable Web Sign In' (beta only)": the settings-catalog ids (observed). */
export const WEB_SIGN_IN_SETTING_ID = 'device_vendor_msft_policy_config_authentication_enablewebsignin';
export const WEB_SIGN_IN_ENABLED = 'device_vendor_msft_policy_config_authentication_enablewebsignin_1';
/** The ADMX "Assign a default credential provider" setting (Administrative Templates → System → Logon). */
export const DEFAULT_CREDENTIAL_PROVIDER_SETTING_ID = 'device_vendor_msft_policy_config_admx_credentialproviders_defaultcredentialprovider';
export const DEFAULT_CREDENTIAL_PROVIDER_ENABLED = `${DEFAULT_CREDENTIAL_PROVIDER_SETTING_ID}_1`;
const DEFAULT_CREDENTIAL_PROVIDER_VALUE_ID = `${DEFAULT_CREDENTIAL_PROVIDER_SETTING_ID}_defaultcredentialprovider_message`;
/** Windows credential provider CLSIDs. */
export const CREDENTIAL_PROVIDERS = {
  password: '{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}',
  pin: '{D6886603-9D2F-4EB2-B667-1971041FA96B}',
} as const;
export type CredentialProviderChoice = keyof typeof CREDENTIAL_PROVIDERS;

export const HIREPASS_WEB_SIGN_IN_POLICY_NAME = 'hirepass - Enable Web Sign In';
export const HIREPASS_CREDENTIAL_PROVIDER_POLICY_NAME = 'hirepass - Default credential provider';

export const GROUP_TARGET = '#microsoft.graph.groupAssignmentTarget';
export const EXCLUSION_TARGET = '#microsoft.graph.exclusionGroupAssignmentTarget';
export const ALL_DEVICES_TARGET = '#microsoft.graph.allDevicesAssignmentTarget';

export function findSetting(settings: ConfigurationSetting[], id: string): ConfigurationSetting | undefined {
  for (const s of settings) {
    if (s.settingDefinitionId === id) return s;
    const inner = findSetting(s.children, id);
    if (inner) return inner;
  }
  return undefined;
}

export interface PolicyWithAssignments {
  policy: ConfigurationPolicySummary;
  /** The setting's chosen option, e.g. `…_1` (enabled). */
  choice: string | undefined;
  assignments: PolicyAssignment[];
}

export interface IntuneFindings {
  webSignIn: PolicyWithAssignments[];
  credentialProvider: PolicyWithAssignments[];
}

const isWindowsMdm = (p: ConfigurationPolicySummary) => /windows10/i.test(p.platforms) && /mdm/i.test(p.technologies);

/**
 * The Windows settings-catalog policies that carry the Web Sign-in or the default credential
 * provider setting, with their assignments. One settings read per Windows MDM policy: Graph
 * cannot filter policies by the settings they hold.
 */
export async function readIntuneFindings(tenant: TenantGateway): Promise<IntuneFindings> {
  const out: IntuneFindings = { webSignIn: [], credentialProvider: [] };
  for (const policy of (await tenant.listConfigurationPolicies()).filter(isWindowsMdm)) {
    const settings = await tenant.getConfigurationPolicySettings(policy.id);
    const web = findSetting(settings, WEB_SIGN_IN_SETTING_ID);
    const provider = findSetting(settings, DEFAULT_CREDENTIAL_PROVIDER_SETTING_ID);
    if (!web && !provider) continue;
    const assignments = await tenant.getConfigurationPolicyAssignments(policy.id);
    if (web) out.webSignIn.push({ policy, choice: web.choiceValue, assignments });
    if (provider) out.credentialProvider.push({ policy, choice: provider.choiceValue, assignments });
  }
  return out;
}

/** How an assignment set reaches a device group: excluded wins over included, as in Intune. */
export function reachOf(assignments: PolicyAssignment[], groupId: string): 'group' | 'all-devices' | 'excluded' | 'none' {
  const g = groupId.toLowerCase();
  const targets = assignments.map((a) => a.target);
  if (targets.some((t) => t['@odata.type'] === EXCLUSION_TARGET && t.groupId?.toLowerCase() === g)) return 'excluded';
  if (targets.some((t) => t['@odata.type'] === GROUP_TARGET && t.groupId?.toLowerCase() === g)) return 'group';
  if (targets.some((t) => t['@odata.type'] === ALL_DEVICES_TARGET)) return 'all-devices';
  return 'none';
}

export function describeAssignments(assignments: PolicyAssignment[]): string {
  if (assignments.length === 0) return 'no assignments';
  return assignments
    .map((a) => {
      const type = a.target['@odata.type'].replace('#microsoft.graph.', '').replace('AssignmentTarget', '');
      return a.target.groupId ? `${type} ${a.target.groupId}` : type;
    })
    .join(', ');
}

/** The existing set plus the device group: assign replaces the whole set (graph.md), so all are sent. */
export function withGroupAssignment(existing: PolicyAssignment[], groupId: string): PolicyAssignment[] {
  return [...existing, { target: { '@odata.type': GROUP_TARGET, groupId } }];
}

export function webSignInPolicyBody(): NewConfigurationPolicy {
  return {
    name: HIREPASS_WEB_SIGN_IN_POLICY_NAME,
    description: 'Web Sign-in at the Windows lock screen, for the first sign-in with a Temporary Access Pass. Created by hirepass bootstrap.',
    platforms: 'windows10',
    technologies: 'mdm',
    settings: [
      {
        '@odata.type': '#microsoft.graph.deviceManagementConfigurationSetting',
        settingInstance: {
          '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance',
          settingDefinitionId: WEB_SIGN_IN_SETTING_ID,
          choiceSettingValue: {
            '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingValue',
            value: WEB_SIGN_IN_ENABLED,
            children: [],
          },
        },
      },
    ],
  };
}

export function defaultCredentialProviderPolicyBody(provider: CredentialProviderChoice): NewConfigurationPolicy {
  return {
    name: HIREPASS_CREDENTIAL_PROVIDER_POLICY_NAME,
    description: `Keeps ${provider === 'pin' ? 'Windows Hello PIN' : 'Password'} the default credential provider after Web Sign-in was used once. Created by hirepass bootstrap.`,
    platforms: 'windows10',
    technologies: 'mdm',
    settings: [
      {
        '@odata.type': '#microsoft.graph.deviceManagementConfigurationSetting',
        settingInstance: {
          '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance',
          settingDefinitionId: DEFAULT_CREDENTIAL_PROVIDER_SETTING_ID,
          choiceSettingValue: {
            '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingValue',
            value: DEFAULT_CREDENTIAL_PROVIDER_ENABLED,
            children: [
              {
                '@odata.type': '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance',
                settingDefinitionId: DEFAULT_CREDENTIAL_PROVIDER_VALUE_ID,
                simpleSettingValue: { '@odata.type': '#microsoft.graph.deviceManagementConfigurationStringSettingValue', value: CREDENTIAL_PROVIDERS[provider] },
              },
            ],
          },
        },
      },
    ],
  };
}
