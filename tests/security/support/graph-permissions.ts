/**
 * The Microsoft Graph application permissions the worker needs, each with the calls that need
 * it: the least-privileged one Microsoft's API reference names for each call. The onboarding
 * itself needs the first six; the worker's tenant checks at start-up and the Intune device
 * sync (issue 9) need the other four. least-privilege.test.ts runs everything with exactly
 * this set and shows each permission is used. (`bootstrap`, a one-off admin tool, needs
 * DeviceManagementConfiguration.ReadWrite.All to create the Intune policy: not the worker.)
 */
export const WORKFLOW_PERMISSIONS = [
  {
    permission: 'User.Read.All',
    calls: ['GET /users/{upn}?$select=…,accountEnabled,assignedPlans&$expand=manager($select=…)', 'GET /users/{id}/manager'],
    why: 'find the hire, check the account is enabled and has Entra ID P1; find the manager and their mail',
  },
  {
    permission: 'GroupMember.ReadWrite.All',
    calls: ['POST /groups/{id}/members/$ref', 'DELETE /groups/{id}/members/{id}/$ref', 'POST /directoryObjects/{id}/checkMemberGroups'],
    why: 'add the hire to the TAP pilot group and the device to the Web Sign-in group; undo it on cancel',
  },
  {
    permission: 'Device.ReadWrite.All',
    calls: ["GET /devices?$filter=deviceId eq '…'", 'POST /groups/{id}/members/$ref for a device', 'DELETE …/members/{device id}/$ref'],
    why: 'check the device is Entra joined Windows with a recent enough build; with GroupMember.ReadWrite.All, add the device to the Web Sign-in group (Graph asks for both)',
  },
  {
    permission: 'UserAuthMethod-TAP.ReadWrite.All',
    calls: ['GET|POST /users/{id}/authentication/temporaryAccessPassMethods', 'DELETE …/temporaryAccessPassMethods/{id}'],
    why: 'issue, find and delete the Temporary Access Pass (only TAPs: not the broader UserAuthenticationMethod.ReadWrite.All)',
  },
  {
    permission: 'Policy.Read.AuthenticationMethod',
    calls: ['GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass'],
    why: "read the tenant's TAP policy (enabled, lifetime bounds) before scheduling and issuing",
  },
  {
    permission: 'Mail.Send',
    calls: ['POST /users/{NOTICE_SENDER_UPN}/sendMail'],
    why: "send the manager's notice (limit it to that one mailbox with an Exchange application access policy)",
  },
] as const;

export const READINESS_PERMISSIONS = [
  {
    permission: 'DeviceManagementConfiguration.Read.All',
    calls: ['GET /beta/deviceManagement/configurationPolicies[/{id}/settings|/assignments]'],
    why: 'start-up check: the "Enable Web Sign In" policy exists and is assigned to WEB_SIGNIN_DEVICE_GROUP_ID',
    operations: ['intune.policies.list', 'intune.policies.get', 'intune.policies.settings', 'intune.policies.assignments'],
  },
  {
    permission: 'Domain.Read.All',
    calls: ['GET /domains', 'GET /domains/{name}/federationConfiguration'],
    why: 'start-up check: no federated domain sends hires to its IdP instead of the TAP',
    operations: ['domains.list', 'domains.get', 'domains.federationConfiguration'],
  },
  {
    permission: 'DeviceManagementManagedDevices.Read.All',
    calls: ["GET /deviceManagement/managedDevices?$filter=azureADDeviceId eq '…'"],
    why: "find the device's Intune record",
    operations: ['intune.managedDevices.list', 'intune.managedDevices.get'],
  },
  {
    permission: 'DeviceManagementManagedDevices.PrivilegedOperations.All',
    calls: ['POST /deviceManagement/managedDevices/{id}/syncDevice'],
    why: 'ask Intune to sync the device once it is in the Web Sign-in group',
    operations: ['intune.managedDevices.sync'],
  },
] as const;

export const WORKFLOW_ROLES: string[] = WORKFLOW_PERMISSIONS.map((p) => p.permission);
export const WORKER_ROLES: string[] = [...WORKFLOW_ROLES, ...READINESS_PERMISSIONS.map((p) => p.permission)];
