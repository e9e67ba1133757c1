/**
 * The narrow port through which the workflow talks to Microsoft Graph (STYLE habit 7).
 * One adapter (msgraph.adapter.ts) implements it with the real SDK and maps its errors to
 * the WorkflowError kinds in ../errors.ts: a method either returns its documented outcome or
 * throws ThrottledError / TransientError / WaitingError / PermanentError.
 * Every write returns Graph's request-id for the audit trail.
 */

/** servicePlanId of Entra ID P1 (also inside P2, EMS, M365 E3/E5, Business Premium). */
export const ENTRA_ID_P1_SERVICE_PLAN_ID = '41781fb2-bc02-4b7c-bd55-b576c07bb09d';

export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName?: string;
  mail?: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest' | string;
  /** An enabled service plan with the Entra ID P1 id is present. */
  hasEntraIdP1: boolean;
}

export interface UserWithManager {
  user: DirectoryUser;
  manager: DirectoryUser | null;
}

export interface DirectoryDevice {
  /** Directory object id, used in group $ref calls. */
  id: string;
  /** Registration id that Windows and asset systems know. */
  deviceId: string;
  displayName?: string;
  trustType: 'AzureAd' | 'ServerAd' | 'Workplace' | string | null;
  operatingSystem: string | null;
  operatingSystemVersion: string | null;
  accountEnabled: boolean;
  /**
   * Entra's own flag for a device managed by an MDM (Intune sets it at enrolment). false means
   * there is no Intune managed device to sync; null when Graph did not say.
   */
  isManaged: boolean | null;
}

export interface TapPolicy {
  state: 'enabled' | 'disabled';
  defaultLifetimeInMinutes: number;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  isUsableOnce: boolean;
  defaultLength: number;
  includeTargets: { targetType: string; id: string }[];
  excludeTargets: { targetType: string; id: string }[];
}

export interface TapMethod {
  id: string;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  isUsable: boolean;
  methodUsabilityReason: string | null;
}

export interface IssuedTap extends TapMethod {
  /** Plaintext: exists only in this object, which the caller must encrypt and drop at once. */
  temporaryAccessPass: string;
  requestId?: string;
}

export interface CreateTapRequest {
  /**
   * Left out for a pass usable at once: Graph refuses a start in the past ("Invalid
   * StartDateTime specified. It can not be a time in the past."), and "now" as the worker sees
   * it is already past when the request arrives.
   */
  startDateTime?: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
}

export interface MailMessage {
  to: string;
  subject: string;
  html: string;
}

export interface WriteResult<T extends string> {
  outcome: T;
  requestId?: string;
}

export interface GraphGateway extends DeviceSyncGateway {
  /** null when Graph answers 404 (not provisioned yet, or a typo). */
  getUser(idOrUpn: string): Promise<DirectoryUser | null>;
  /**
   * The user and the manager set in Entra, in one call (`$expand=manager`); null on 404.
   * `manager` is null when none is set. Saves the workflow the separate getManager call.
   */
  getUserWithManager(idOrUpn: string): Promise<UserWithManager | null>;
  /** null when the user has no manager set. */
  getManager(userId: string): Promise<DirectoryUser | null>;
  findDeviceByDeviceId(deviceId: string): Promise<DirectoryDevice | null>;
  /** The subset of groupIds that objectId is a member of (transitively). */
  checkMemberGroups(objectId: string, groupIds: string[]): Promise<string[]>;
  /** "already a member" is success: outcome 'already-member'. */
  addGroupMember(groupId: string, objectId: string): Promise<WriteResult<'added' | 'already-member'>>;
  removeGroupMember(groupId: string, objectId: string): Promise<WriteResult<'removed' | 'not-member'>>;
  getTapPolicy(): Promise<TapPolicy>;
  listTemporaryAccessPasses(userId: string): Promise<TapMethod[]>;
  createTemporaryAccessPass(userId: string, req: CreateTapRequest): Promise<IssuedTap>;
  deleteTemporaryAccessPass(userId: string, methodId: string): Promise<WriteResult<'deleted' | 'not-found'>>;
  sendMail(senderUpn: string, message: MailMessage): Promise<WriteResult<'sent'>>;
}

// ---------------------------------------------------------------------------------------------
// Tenant readiness (issue 9): Intune device sync for the workflow, and the reads and the few
// writes that `doctor` and `bootstrap` make. Added after the workflow's calls, additively.
// ---------------------------------------------------------------------------------------------

/** An Intune managed-device record (not the directory device): `id` is what syncDevice takes. */
export interface ManagedDevice {
  id: string;
  azureADDeviceId: string;
  deviceName?: string;
  lastSyncDateTime?: string;
}

/** The device-sync calls the workflow makes after a device joins the Web Sign-in group. */
export interface DeviceSyncGateway {
  /** `GET /deviceManagement/managedDevices?$filter=azureADDeviceId eq '…'`; null when not enrolled. */
  findManagedDevice(azureAdDeviceId: string): Promise<ManagedDevice | null>;
  /** `POST /deviceManagement/managedDevices/{id}/syncDevice` → 204; 404 is 'not-found'. */
  syncManagedDevice(managedDeviceId: string): Promise<WriteResult<'synced' | 'not-found'>>;
}

export interface DirectoryGroup {
  id: string;
  displayName: string;
  groupTypes: string[];
  membershipRule: string | null;
}

/** A settings-catalog policy (beta `deviceManagement/configurationPolicies`), without settings. */
export interface ConfigurationPolicySummary {
  id: string;
  name: string;
  platforms: string;
  technologies: string;
}

/** One setting instance of a settings-catalog policy, flattened to what readiness compares. */
export interface ConfigurationSetting {
  settingDefinitionId: string;
  /** The chosen option id of a choice setting, e.g. `…_enablewebsignin_1`. */
  choiceValue?: string;
  /** Child settings of a choice (ADMX settings carry their values there). */
  children: ConfigurationSetting[];
}

export interface PolicyAssignment {
  id?: string;
  /** `@odata.type` is e.g. `#microsoft.graph.groupAssignmentTarget`; other properties are kept as read. */
  target: { '@odata.type': string; groupId?: string; [property: string]: unknown };
}

export interface NewConfigurationPolicy {
  name: string;
  description: string;
  platforms: string;
  technologies: string;
  /** Raw `deviceManagementConfigurationSetting` bodies (graph.md "Intune"). */
  settings: Record<string, unknown>[];
}

export interface TenantDomain {
  id: string;
  authenticationType: string;
  isVerified: boolean;
}

export interface FederationConfiguration {
  id: string;
  federatedIdpMfaBehavior: string | null;
}

/**
 * What `doctor` reads and `bootstrap` writes. Separate from GraphGateway because the workflow
 * never needs it; the msgraph adapter implements both.
 */
export interface TenantGateway extends Pick<GraphGateway, 'getTapPolicy' | 'getUser' | 'checkMemberGroups'> {
  /** null on 404. */
  getGroup(groupId: string): Promise<DirectoryGroup | null>;
  listConfigurationPolicies(): Promise<ConfigurationPolicySummary[]>;
  getConfigurationPolicySettings(policyId: string): Promise<ConfigurationSetting[]>;
  getConfigurationPolicyAssignments(policyId: string): Promise<PolicyAssignment[]>;
  createConfigurationPolicy(policy: NewConfigurationPolicy): Promise<{ id: string; requestId?: string }>;
  /** Replaces the policy's whole assignment set (graph.md, observed): send every one to keep. */
  assignConfigurationPolicy(policyId: string, assignments: PolicyAssignment[]): Promise<WriteResult<'assigned'>>;
  listDomains(): Promise<TenantDomain[]>;
  /** null when the domain is not federated (Graph answers 404). */
  getFederationConfiguration(domain: string): Promise<FederationConfiguration[] | null>;
  /** The application permissions in our own access token's `roles` claim. */
  getGrantedRoles(): Promise<string[]>;
}
