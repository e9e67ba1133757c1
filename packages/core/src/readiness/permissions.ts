/**
 * Every Microsoft Graph application permission hirepass needs, with the calls that need it and
 * why: the one list the `doctor` token check, the README and the app registration follow.
 * `acceptedInstead` are the higher-privileged (or narrower, where Microsoft offers one)
 * permissions that also grant the calls, as Microsoft's API reference lists them.
 */
export interface RequiredPermission {
  permission: string;
  acceptedInstead: string[];
  /** Which part of hirepass makes the calls. */
  usedBy: ('worker' | 'doctor' | 'bootstrap')[];
  calls: string[];
  why: string;
}

export const REQUIRED_PERMISSIONS: readonly RequiredPermission[] = [
  {
    permission: 'User.Read.All',
    acceptedInstead: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    usedBy: ['worker', 'doctor'],
    calls: ['GET /users/{upn}?$select=…,assignedPlans&$expand=manager($select=…)', 'GET /users/{id}/manager'],
    why: 'resolve the hire, check the Entra ID P1 plan, find the manager, check the sender mailbox',
  },
  {
    permission: 'GroupMember.ReadWrite.All',
    acceptedInstead: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    usedBy: ['worker', 'doctor'],
    calls: ['POST /groups/{id}/members/$ref', 'DELETE /groups/{id}/members/{id}/$ref', 'POST /directoryObjects/{id}/checkMemberGroups', 'GET /groups/{id}'],
    why: 'add the hire to the TAP pilot group and the device to the Web Sign-in group (and undo it on cancel)',
  },
  {
    // Not Device.Read.All: adding a device to a group, and removing it, takes a device write
    // permission besides GroupMember.ReadWrite.All (the add/remove member references list
    // "GroupMember.ReadWrite.All and Device.ReadWrite.All" for a device member).
    permission: 'Device.ReadWrite.All',
    acceptedInstead: ['Directory.ReadWrite.All'],
    usedBy: ['worker'],
    calls: ["GET /devices?$filter=deviceId eq '…'", 'POST /groups/{id}/members/$ref (a device)', 'DELETE /groups/{id}/members/{device id}/$ref'],
    why: 'find the hire’s device and check it is Entra joined and runs a Web Sign-in capable Windows build; with GroupMember.ReadWrite.All, add it to the Web Sign-in group (and remove it on cancel)',
  },
  {
    // The narrower permission first: the broader one could change every method of every user.
    permission: 'UserAuthMethod-TAP.ReadWrite.All',
    acceptedInstead: ['UserAuthenticationMethod.ReadWrite.All'],
    usedBy: ['worker'],
    calls: ['POST/GET/DELETE /users/{id}/authentication/temporaryAccessPassMethods'],
    why: 'issue the Temporary Access Pass, replace an older one, delete it on cancel',
  },
  {
    permission: 'Policy.Read.AuthenticationMethod',
    acceptedInstead: ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod'],
    usedBy: ['worker', 'doctor'],
    calls: ['GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass'],
    why: 'read the TAP policy: enabled, targets, lifetime bounds, one-time setting',
  },
  {
    permission: 'Mail.Send',
    acceptedInstead: [],
    usedBy: ['worker'],
    calls: ['POST /users/{sender}/sendMail'],
    why: 'mail the manager the one-time reveal link (limit it to the sender mailbox with an Exchange application access policy)',
  },
  {
    // Read is all the worker's start-up check and doctor need; only the one-off bootstrap
    // (run by an admin) needs ReadWrite.All, and says so when it is refused.
    permission: 'DeviceManagementConfiguration.Read.All',
    acceptedInstead: ['DeviceManagementConfiguration.ReadWrite.All'],
    usedBy: ['doctor', 'bootstrap'],
    calls: ['GET /beta/deviceManagement/configurationPolicies[/{id}/settings|/assignments]', 'POST /beta/deviceManagement/configurationPolicies', 'POST /beta/deviceManagement/configurationPolicies/{id}/assign'],
    why: 'doctor reads the "Enable Web Sign In" policy and its assignment (DeviceManagementConfiguration.Read.All would do for doctor alone); bootstrap creates and assigns it',
  },
  {
    permission: 'DeviceManagementManagedDevices.PrivilegedOperations.All',
    acceptedInstead: [],
    usedBy: ['worker'],
    calls: ['POST /deviceManagement/managedDevices/{id}/syncDevice'],
    why: 'ask Intune to sync the device once it joins the Web Sign-in group, so the profile arrives before the first day',
  },
  {
    permission: 'DeviceManagementManagedDevices.Read.All',
    acceptedInstead: ['DeviceManagementManagedDevices.ReadWrite.All'],
    usedBy: ['worker'],
    calls: ["GET /deviceManagement/managedDevices?$filter=azureADDeviceId eq '…'"],
    why: 'find the Intune record of the device to sync',
  },
  {
    permission: 'Domain.Read.All',
    acceptedInstead: ['Domain.ReadWrite.All'],
    usedBy: ['doctor'],
    calls: ['GET /domains', 'GET /domains/{name}/federationConfiguration'],
    why: 'find federated domains whose federatedIdpMfaBehavior would send hires to the federated IdP instead of the TAP',
  },
];

/** Required permissions that none of `granted` covers. */
export function missingPermissions(granted: readonly string[]): RequiredPermission[] {
  const have = new Set(granted.map((g) => g.toLowerCase()));
  return REQUIRED_PERMISSIONS.filter((p) => ![p.permission, ...p.acceptedInstead].some((name) => have.has(name.toLowerCase())));
}
