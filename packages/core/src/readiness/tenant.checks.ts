import { fail, pass, warn, type CheckContext, type CheckDefinition } from './check-context';
import { WEB_SIGN_IN_ENABLED, DEFAULT_CREDENTIAL_PROVIDER_ENABLED, describeAssignments, reachOf } from './intune-policies';
import { missingPermissions } from './permissions';

/** Directory, Intune, app and domain checks (issue 9 "Must work"; graph.md). */

const INTUNE_WEB_SIGN_IN = 'Intune admin center → Devices → Configuration → Create → Settings catalog → Authentication → Enable Web Sign In → Enabled';
const ENFORCE = 'enforceMfaByFederatedIdp';

function groupCheck(id: 'pilot-group' | 'device-group', title: string, variable: string, pick: (ctx: CheckContext) => string, members: string): CheckDefinition {
  return {
    id,
    title,
    readPermission: 'GroupMember.ReadWrite.All',
    async run(ctx) {
      const groupId = pick(ctx);
      const g = await ctx.tenant.getGroup(groupId);
      if (!g) return fail(`${variable}=${groupId} does not exist in the tenant`, `Create a security group with assigned membership for ${members} and set ${variable} to its object id.`);
      if (g.groupTypes.some((t) => t.toLowerCase() === 'dynamicmembership')) {
        return fail(
          `${variable} "${g.displayName}" has dynamic membership (${g.membershipRule ?? 'a rule'}): hirepass cannot add ${members} to it`,
          `Use a security group with assigned membership for ${variable} (or change this group's membership type to Assigned).`,
        );
      }
      return pass(`"${g.displayName}" (${groupId}) exists with assigned membership`);
    },
  };
}

export const tenantChecks: CheckDefinition[] = [
  groupCheck('pilot-group', 'Pilot group exists, assigned', 'TAP_PILOT_GROUP_ID', (ctx) => ctx.target.tapPilotGroupId, 'hires'),
  groupCheck('device-group', 'Device group exists, assigned', 'WEB_SIGNIN_DEVICE_GROUP_ID', (ctx) => ctx.target.webSignInDeviceGroupId, 'devices'),
  {
    id: 'web-sign-in-policy',
    title: 'Intune "Enable Web Sign In" policy',
    readPermission: 'DeviceManagementConfiguration.Read.All',
    async run(ctx) {
      const { webSignIn } = await ctx.intune();
      const enabled = webSignIn.filter((p) => p.choice === WEB_SIGN_IN_ENABLED);
      if (enabled.length > 0) return pass(`settings-catalog policy ${enabled.map((p) => `"${p.policy.name}"`).join(', ')} enables Web Sign-in`);
      const other = webSignIn.map((p) => `"${p.policy.name}" (${p.choice ?? 'no value'})`);
      return fail(
        other.length ? `policies ${other.join(', ')} hold the Web Sign-in setting but none sets it to Enabled` : 'no settings-catalog policy enables Web Sign-in: devices show no globe icon at the lock screen',
        `Run \`npm run bootstrap\` (creates "hirepass - Enable Web Sign In" and assigns it to the device group), or ${INTUNE_WEB_SIGN_IN}.`,
      );
    },
  },
  {
    id: 'web-sign-in-assignment',
    title: 'Web Sign-in policy assigned to the device group',
    readPermission: 'DeviceManagementConfiguration.Read.All',
    async run(ctx) {
      const group = ctx.target.webSignInDeviceGroupId;
      const enabled = (await ctx.intune()).webSignIn.filter((p) => p.choice === WEB_SIGN_IN_ENABLED);
      const fixAssign = `Run \`npm run bootstrap\` (assigns it, keeping its existing assignments), or Intune admin center → the policy → Assignments → Included groups → add ${group}.`;
      if (enabled.length === 0) return fail('there is no enabled Web Sign-in policy to assign (see the check above)', fixAssign);
      const reached = enabled.map((p) => ({ p, reach: reachOf(p.assignments, group) }));
      const ok = reached.find((x) => x.reach === 'group' || x.reach === 'all-devices');
      const excluded = reached.filter((x) => x.reach === 'excluded');
      if (excluded.length > 0) {
        return fail(
          `policy ${excluded.map((x) => `"${x.p.policy.name}"`).join(', ')} excludes the device group ${group}: exclusion wins, its devices never get Web Sign-in`,
          `Intune admin center → ${excluded.map((x) => `"${x.p.policy.name}"`).join(', ')} → Assignments → Excluded groups → remove ${group}.`,
        );
      }
      if (ok) return pass(`"${ok.p.policy.name}" is assigned to ${ok.reach === 'group' ? `the device group ${group}` : 'all devices'}`);
      return fail(
        `the Web Sign-in policy is assigned to ${reached.map((x) => `"${x.p.policy.name}": ${describeAssignments(x.p.assignments)}`).join('; ')}, not to WEB_SIGNIN_DEVICE_GROUP_ID=${group}`,
        fixAssign,
      );
    },
  },
  {
    id: 'app-permissions',
    title: 'App permissions (token roles)',
    readPermission: 'a working client secret',
    async run(ctx) {
      const roles = await ctx.tenant.getGrantedRoles();
      const missing = missingPermissions(roles);
      if (missing.length === 0) return pass(`the token carries every permission hirepass needs (${roles.length} roles)`);
      return fail(
        `the token lacks ${missing.map((m) => `${m.permission} (${m.why})`).join('; ')}`,
        `Entra admin center → App registrations → the hirepass app → API permissions → Add a permission → Microsoft Graph → Application permissions → ${missing.map((m) => m.permission).join(', ')} → Grant admin consent. New tokens carry them at once.`,
      );
    },
  },
  {
    id: 'sender-mailbox',
    title: 'Sender mailbox exists',
    readPermission: 'User.Read.All',
    async run(ctx) {
      const upn = ctx.target.noticeSenderUpn;
      const u = await ctx.tenant.getUser(upn);
      if (!u) return fail(`NOTICE_SENDER_UPN=${upn} is not a user in the tenant`, `Create a (shared) mailbox ${upn}, or set NOTICE_SENDER_UPN to one that exists.`);
      if (!u.mail) return fail(`${upn} exists but has no mailbox (no mail address)`, `Give ${upn} an Exchange Online mailbox (a shared mailbox needs no licence), or set NOTICE_SENDER_UPN to one that has one.`);
      return pass(`${upn} exists with mailbox ${u.mail}`);
    },
  },
  {
    id: 'federated-domains',
    title: 'Federated domains accept the TAP',
    readPermission: 'Domain.Read.All',
    async run(ctx) {
      const federated = (await ctx.tenant.listDomains()).filter((d) => d.isVerified && d.authenticationType.toLowerCase() === 'federated');
      if (federated.length === 0) return pass('no verified domain is federated');
      const enforcing: string[] = [];
      const fixes: string[] = [];
      for (const d of federated) {
        for (const f of (await ctx.tenant.getFederationConfiguration(d.id)) ?? []) {
          if (f.federatedIdpMfaBehavior === ENFORCE) {
            enforcing.push(d.id);
            fixes.push(`Update-MgDomainFederationConfiguration -DomainId ${d.id} -InternalDomainFederationId ${f.id} -FederatedIdpMfaBehavior acceptIfMfaDoneByFederatedIdp`);
          }
        }
      }
      if (enforcing.length === 0) return pass(`federated domains ${federated.map((d) => d.id).join(', ')} do not enforce MFA at the federated IdP`);
      return fail(
        `${enforcing.join(', ')} ${enforcing.length > 1 ? 'have' : 'has'} federatedIdpMfaBehavior = ${ENFORCE}: hires on ${enforcing.length > 1 ? 'these domains' : 'this domain'} are sent to the federated IdP instead of being asked for the TAP`,
        `Set federatedIdpMfaBehavior to acceptIfMfaDoneByFederatedIdp (Microsoft Graph PowerShell): ${fixes.join('; ')}`,
      );
    },
  },
  {
    id: 'default-credential-provider',
    title: 'Default credential provider policy',
    readPermission: 'DeviceManagementConfiguration.Read.All',
    async run(ctx) {
      const assigned = (await ctx.intune()).credentialProvider.filter((p) => p.choice === DEFAULT_CREDENTIAL_PROVIDER_ENABLED && p.assignments.length > 0);
      if (assigned.length > 0) return pass(`"${assigned[0]!.policy.name}" assigns a default credential provider (${describeAssignments(assigned[0]!.assignments)})`);
      return warn(
        'no assigned policy sets a default credential provider: once Web Sign-in is used it becomes the default, which confuses users on later sign-ins',
        'Run `npm run bootstrap -- --default-credential-provider password` (or pin), or Intune admin center → Settings catalog → Administrative Templates → System → Logon → Assign a default credential provider → Password (or Windows Hello).',
      );
    },
  },
];
