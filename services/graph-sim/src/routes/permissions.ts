/**
 * Application permissions per operation, as Microsoft's API reference lists them ("least
 * privileged" first, then the higher privileged ones); any one of a list suffices.
 */
export const P = {
  userRead: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  userReadFull: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  groupRead: ['GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  groupMemberWrite: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  objectDelete: ['User.ReadWrite.All', 'Device.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  deviceRead: ['Device.Read.All', 'Device.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  /**
   * Adding a device to a group, or removing it, takes this as well as groupMemberWrite: the
   * "add member" and "remove member" references list "GroupMember.ReadWrite.All and
   * Device.ReadWrite.All" for a device member.
   */
  deviceMemberWrite: ['Device.ReadWrite.All', 'Directory.ReadWrite.All'],
  tapRead: ['UserAuthMethod-TAP.Read.All', 'UserAuthMethod-TAP.ReadWrite.All', 'UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  tapWrite: ['UserAuthMethod-TAP.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All'],
  authPolicyRead: ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod', 'Policy.Read.AuthenticationMethod'],
  authPolicyWrite: ['Policy.ReadWrite.AuthenticationMethod'],
  intuneConfigRead: ['DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All'],
  intuneConfigWrite: ['DeviceManagementConfiguration.ReadWrite.All'],
  managedDeviceRead: ['DeviceManagementManagedDevices.Read.All', 'DeviceManagementManagedDevices.ReadWrite.All'],
  managedDeviceSync: ['DeviceManagementManagedDevices.PrivilegedOperations.All'],
  mailSend: ['Mail.Send'],
  teamsActivity: ['TeamsActivity.Send'],
  domainRead: ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  federationRead: ['Domain.Read.All', 'Domain.ReadWrite.All', 'Domain-InternalFederation.ReadWrite.All'],
  roleAssignableGroupWrite: ['RoleManagement.ReadWrite.Directory'],
} as const;
