/**
 * The shape of a tenant file (tenants/*.json). One file describes one simulated Entra tenant:
 * the objects Graph returns, the apps that may call it and what they were granted.
 */

export interface AssignedPlanDefinition {
  assignedDateTime: string;
  capabilityStatus: 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut';
  service: string;
  servicePlanId: string;
}

export interface UserDefinition {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  businessPhones?: string[];
  mobilePhone?: string | null;
  officeLocation?: string | null;
  preferredLanguage?: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  employeeId?: string | null;
  employeeHireDate?: string | null;
  usageLocation?: string | null;
  /** Directory object id of the manager; null or absent = none (GET …/manager answers 404). */
  managerId?: string | null;
  assignedPlans: AssignedPlanDefinition[];
  /** sendActivityNotification needs the Teams app installed for the recipient (default true). */
  teamsAppInstalled?: boolean;
}

export interface GroupDefinition {
  id: string;
  displayName: string;
  description?: string | null;
  mailEnabled: boolean;
  mailNickname: string;
  securityEnabled: boolean;
  /** ['DynamicMembership'] makes the membership read-only, as in Entra. */
  groupTypes: string[];
  membershipRule?: string | null;
  membershipRuleProcessingState?: string | null;
  isAssignableToRole?: boolean;
  /** Directory object ids (users, devices or groups: nesting is followed by checkMemberGroups and TAP targets). */
  members: string[];
}

export interface DeviceDefinition {
  id: string;
  deviceId: string;
  displayName: string;
  operatingSystem: string;
  operatingSystemVersion: string;
  trustType: 'AzureAd' | 'ServerAd' | 'Workplace';
  accountEnabled: boolean;
  registeredOwnerId?: string | null;
  isManaged?: boolean | null;
  isCompliant?: boolean | null;
  approximateLastSignInDateTime?: string | null;
}

export interface ManagedDeviceDefinition {
  id: string;
  azureADDeviceId: string;
  deviceName: string;
  operatingSystem: string;
  osVersion: string;
  userPrincipalName?: string | null;
  managedDeviceOwnerType?: string;
  complianceState?: string;
  managementAgent?: string;
  enrolledDateTime?: string;
  lastSyncDateTime?: string;
}

export interface AppDefinition {
  appId: string;
  servicePrincipalId: string;
  displayName: string;
  clientSecret: string;
  /** Granted application permissions (app roles on Microsoft Graph), e.g. 'User.Read.All'. */
  roles: string[];
}

export interface FederationConfigurationDefinition {
  id: string;
  displayName?: string;
  issuerUri?: string;
  federatedIdpMfaBehavior: 'acceptIfMfaDoneByFederatedIdp' | 'enforceMfaByFederatedIdp' | 'rejectMfaByFederatedIdp';
  [property: string]: unknown;
}

export interface DomainDefinition {
  id: string;
  authenticationType: 'Managed' | 'Federated';
  isDefault: boolean;
  isInitial: boolean;
  isVerified: boolean;
  supportedServices: string[];
  federationConfiguration: FederationConfigurationDefinition[];
}

export interface TapPolicyTarget {
  targetType: 'group';
  /** A group id, or 'all_users'. */
  id: string;
  isRegistrationRequired?: boolean;
}

export interface TapPolicyDefinition {
  state: 'enabled' | 'disabled';
  defaultLifetimeInMinutes: number;
  defaultLength: number;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  isUsableOnce: boolean;
  includeTargets: TapPolicyTarget[];
  excludeTargets: Array<{ targetType: 'group'; id: string }>;
}

export interface ConfigurationPolicyAssignmentDefinition {
  id: string;
  source?: string;
  sourceId?: string;
  target: { '@odata.type': string; groupId?: string; [property: string]: unknown };
}

export interface ConfigurationPolicyDefinition {
  id: string;
  name: string;
  description?: string;
  platforms: string;
  technologies: string;
  roleScopeTagIds: string[];
  createdDateTime: string;
  lastModifiedDateTime: string;
  templateReference?: Record<string, unknown>;
  settings: Array<Record<string, unknown>>;
  assignments: ConfigurationPolicyAssignmentDefinition[];
}

/** Where Graph's real behaviour is unverified (graph.md), the tenant file decides. */
export interface BehaviourDefinition {
  /** Status of a TAP creation refused by the policy ("Converged UserCredentialPolicy …"); default 400. */
  tapPolicyRefusalStatus?: number;
  /** Its error code; default 'badRequest'. */
  tapPolicyRefusalCode?: string;
  /** Policy isUsableOnce true and a request for a multi-use pass: 'reject' (400, the default, as Microsoft documents) or 'coerce' (create one-time). */
  oneTimePolicy?: 'coerce' | 'reject';
  /** How far in the past a TAP's startDateTime may be before the create is refused (400); default 0. */
  tapStartPastToleranceMs?: number;
}

export interface TenantDefinition {
  $comment?: string;
  tenantId: string;
  displayName: string;
  defaultDomain: string;
  /** What hirepass is configured with against this tenant (printed in connection.json). */
  hirepass: { clientId: string; tapPilotGroupId: string; webSignInDeviceGroupId: string; noticeSenderUpn: string };
  apps: AppDefinition[];
  domains: DomainDefinition[];
  users: UserDefinition[];
  groups: GroupDefinition[];
  devices: DeviceDefinition[];
  managedDevices: ManagedDeviceDefinition[];
  tapPolicy: TapPolicyDefinition;
  configurationPolicies: ConfigurationPolicyDefinition[];
  behaviour?: BehaviourDefinition;
}
