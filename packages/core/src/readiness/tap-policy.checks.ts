import type { TapPolicy } from '../graph/graph.port';
import { fail, pass, warn, type CheckContext, type CheckDefinition } from './check-context';

/**
 * The TAP policy checks (graph.md "TAP policy"). hirepass never changes this policy: each fix
 * names the exact change an admin makes in the Entra admin center.
 */
const WHERE = 'Entra admin center → Protection → Authentication methods → Policies → Temporary Access Pass';
const ALL_USERS = 'all_users';

function groupIds(targets: TapPolicy['includeTargets']): string[] {
  return targets.filter((t) => t.id.toLowerCase() !== ALL_USERS).map((t) => t.id);
}

/** Which of `groups` the pilot group sits in (transitively): membership of a group passes through its nested groups. */
async function groupsHoldingPilot(ctx: CheckContext, groups: string[]): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < groups.length; i += 20) {
    found.push(...(await ctx.tenant.checkMemberGroups(ctx.target.tapPilotGroupId, groups.slice(i, i + 20))));
  }
  return found;
}

export const tapPolicyChecks: CheckDefinition[] = [
  {
    id: 'tap-policy-enabled',
    title: 'TAP policy enabled',
    readPermission: 'Policy.Read.All',
    async run(ctx) {
      const p = await ctx.tapPolicy();
      if (p.state === 'enabled') return pass('the Temporary Access Pass policy is enabled');
      return fail(
        'the Temporary Access Pass policy is disabled: Graph refuses every pass',
        `${WHERE} → Enable: On, target the pilot group ${ctx.target.tapPilotGroupId} under Include, Save. (hirepass never changes this policy.)`,
      );
    },
  },
  {
    id: 'tap-policy-pilot-targeted',
    title: 'TAP policy includes the pilot group',
    readPermission: 'Policy.Read.All',
    async run(ctx) {
      const p = await ctx.tapPolicy();
      const pilot = ctx.target.tapPilotGroupId.toLowerCase();
      if (p.includeTargets.some((t) => t.id.toLowerCase() === ALL_USERS)) return pass('the policy targets all users');
      const included = groupIds(p.includeTargets);
      if (included.some((g) => g.toLowerCase() === pilot)) return pass(`the policy includes the pilot group ${ctx.target.tapPilotGroupId}`);
      const nesting = await groupsHoldingPilot(ctx, included);
      if (nesting.length > 0) return pass(`the pilot group is nested in included group ${nesting.join(', ')}`);
      return fail(
        `the policy includes ${included.length ? included.join(', ') : 'no group'} but not the pilot group TAP_PILOT_GROUP_ID=${ctx.target.tapPilotGroupId}: hires added to it cannot get a pass`,
        `${WHERE} → Enable and target → Include → Add groups → ${ctx.target.tapPilotGroupId}, Save. (hirepass never changes this policy.)`,
      );
    },
  },
  {
    id: 'tap-policy-pilot-not-excluded',
    title: 'TAP policy does not exclude the pilot group',
    readPermission: 'Policy.Read.All',
    async run(ctx) {
      const p = await ctx.tapPolicy();
      const pilot = ctx.target.tapPilotGroupId.toLowerCase();
      const excluded = groupIds(p.excludeTargets);
      const direct = excluded.filter((g) => g.toLowerCase() === pilot);
      const nesting = direct.length ? [] : await groupsHoldingPilot(ctx, excluded);
      const culprits = [...direct, ...nesting];
      if (culprits.length === 0) return pass(excluded.length ? `the excluded groups (${excluded.join(', ')}) do not hold the pilot group` : 'the policy excludes no group');
      return fail(
        `the policy excludes ${culprits.join(', ')}, which ${direct.length ? 'is' : 'holds'} the pilot group: exclusion wins over inclusion, so no hire can get a pass`,
        `${WHERE} → Enable and target → Exclude → remove ${culprits.join(', ')}, Save. (hirepass never changes this policy.)`,
      );
    },
  },
  {
    id: 'tap-policy-lifetime',
    title: 'TAP lifetime bounds fit hirepass’s default',
    readPermission: 'Policy.Read.All',
    async run(ctx) {
      const p = await ctx.tapPolicy();
      const { minimumLifetimeInMinutes: min, maximumLifetimeInMinutes: max, defaultLifetimeInMinutes: def } = p;
      if (min > max || def < min || def > max) {
        return fail(
          `hirepass asks for the policy's default lifetime (${def} min) when the hire names none, and it lies outside the policy's bounds ${min}–${max} min: Graph refuses every such pass`,
          `${WHERE} → Configure → set Minimum lifetime ≤ Default lifetime (${def} min) ≤ Maximum lifetime, Save; or have HR send tap.lifetimeMinutes within ${min}–${max}. (hirepass never changes this policy.)`,
        );
      }
      return pass(`passes last ${def} min unless the hire asks otherwise; requests must lie within ${min}–${max} min`);
    },
  },
  {
    id: 'tap-policy-one-time',
    title: 'TAP policy allows multi-use passes',
    readPermission: 'Policy.Read.All',
    async run(ctx) {
      const p = await ctx.tapPolicy();
      if (!p.isUsableOnce) return pass('multi-use passes are allowed (hirepass asks for them unless the hire says otherwise)');
      return warn(
        'the policy makes every pass one-time, but hirepass asks for multi-use passes by default: a device that reboots during setup needs the pass a second time',
        `${WHERE} → Configure → One-time use: No (recommended by the walkthrough when devices may reboot during setup). Keep Yes only if hires never need the pass twice.`,
      );
    },
  },
];
