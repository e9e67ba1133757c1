import type { Clock } from '../clock';
import type { PolicyAssignment, TenantGateway } from '../graph/graph.port';
import type { ReadinessTarget } from './check-context';
import { runDoctor } from './doctor';
import type { CheckId, CheckResult } from './doctor-report';
import {
  DEFAULT_CREDENTIAL_PROVIDER_ENABLED,
  HIREPASS_CREDENTIAL_PROVIDER_POLICY_NAME,
  HIREPASS_WEB_SIGN_IN_POLICY_NAME,
  WEB_SIGN_IN_ENABLED,
  defaultCredentialProviderPolicyBody,
  describeAssignments,
  readIntuneFindings,
  reachOf,
  webSignInPolicyBody,
  withGroupAssignment,
  type CredentialProviderChoice,
  type PolicyWithAssignments,
} from './intune-policies';

/**
 * `bootstrap`: creates what is missing and safe to create (issue 9), after the caller has
 * shown the plan and had it confirmed. Only Intune settings-catalog policies and their
 * assignments; never the TAP policy, for which it hands back the exact change to make.
 * Planning reads only; applying re-reads each assignment set right before writing, so a run
 * twice, or a run racing an admin, keeps every assignment and adds nothing twice.
 */
export type BootstrapAction =
  | { kind: 'create-policy'; policy: 'web-sign-in' | 'default-credential-provider'; name: string; assignTo: string; provider?: CredentialProviderChoice; description: string }
  | { kind: 'assign-policy'; policy: 'web-sign-in' | 'default-credential-provider'; policyId: string; name: string; assignTo: string; keeps: string; description: string };

export interface BootstrapPlan {
  actions: BootstrapAction[];
  /** TAP policy changes an admin must make by hand: hirepass never changes that policy. */
  manual: { check: CheckId; detail: string; fix: string }[];
}

export interface BootstrapOptions {
  /** Also create "Assign a default credential provider" (seed advice), with this provider. */
  defaultCredentialProvider?: CredentialProviderChoice | null;
}

const TAP_CHECKS = new Set<CheckId>(['tap-policy-enabled', 'tap-policy-pilot-targeted', 'tap-policy-pilot-not-excluded', 'tap-policy-lifetime', 'tap-policy-one-time']);

function assignOrCreate(
  kind: 'web-sign-in' | 'default-credential-provider',
  candidates: PolicyWithAssignments[],
  group: string,
  create: () => BootstrapAction,
): BootstrapAction | null {
  if (candidates.some((c) => ['group', 'all-devices'].includes(reachOf(c.assignments, group)))) return null;
  // An exclusion of the device group is a decision someone made: reported by doctor, not overridden.
  const usable = candidates.filter((c) => reachOf(c.assignments, group) === 'none');
  if (candidates.length > 0 && usable.length === 0) return null;
  const pick = usable.find((c) => c.policy.name === HIREPASS_WEB_SIGN_IN_POLICY_NAME || c.policy.name === HIREPASS_CREDENTIAL_PROVIDER_POLICY_NAME) ?? usable[0];
  if (!pick) return create();
  return {
    kind: 'assign-policy',
    policy: kind,
    policyId: pick.policy.id,
    name: pick.policy.name,
    assignTo: group,
    keeps: describeAssignments(pick.assignments),
    description: `assign the existing policy "${pick.policy.name}" to the device group ${group}, keeping its current assignments (${describeAssignments(pick.assignments)})`,
  };
}

export async function planBootstrap(tenant: TenantGateway, target: ReadinessTarget, clock: Clock, opts: BootstrapOptions = {}): Promise<BootstrapPlan> {
  const group = target.webSignInDeviceGroupId;
  const intune = await readIntuneFindings(tenant);
  const actions: BootstrapAction[] = [];
  const web = assignOrCreate('web-sign-in', intune.webSignIn.filter((p) => p.choice === WEB_SIGN_IN_ENABLED), group, () => ({
    kind: 'create-policy',
    policy: 'web-sign-in',
    name: HIREPASS_WEB_SIGN_IN_POLICY_NAME,
    assignTo: group,
    description: `create the settings-catalog policy "${HIREPASS_WEB_SIGN_IN_POLICY_NAME}" (Authentication → Enable Web Sign In = Enabled, beta API) and assign it to the device group ${group}`,
  }));
  if (web) actions.push(web);
  const provider = opts.defaultCredentialProvider;
  if (provider) {
    const cp = assignOrCreate('default-credential-provider', intune.credentialProvider.filter((p) => p.choice === DEFAULT_CREDENTIAL_PROVIDER_ENABLED), group, () => ({
      kind: 'create-policy',
      policy: 'default-credential-provider',
      name: HIREPASS_CREDENTIAL_PROVIDER_POLICY_NAME,
      assignTo: group,
      provider,
      description: `create the settings-catalog policy "${HIREPASS_CREDENTIAL_PROVIDER_POLICY_NAME}" (Administrative Templates → System → Logon → Assign a default credential provider = ${provider === 'pin' ? 'Windows Hello PIN' : 'Password'}) and assign it to the device group ${group}`,
    }));
    if (cp) actions.push(cp);
  }
  const tap = await runDoctor(tenant, target, clock, TAP_CHECKS);
  const manual = tap.checks.filter((c): c is CheckResult & { fix: string } => c.status !== 'pass' && c.fix !== null).map((c) => ({ check: c.id, detail: c.detail, fix: c.fix }));
  return { actions, manual };
}

export interface AppliedAction {
  action: BootstrapAction;
  outcome: 'created-and-assigned' | 'assigned' | 'already-assigned';
  policyId: string;
  requestId?: string;
}

/** Adds the group to the policy's current assignments, unless it is already there. */
async function ensureAssigned(tenant: TenantGateway, policyId: string, group: string): Promise<{ outcome: 'assigned' | 'already-assigned'; requestId?: string }> {
  const current: PolicyAssignment[] = await tenant.getConfigurationPolicyAssignments(policyId);
  const reach = reachOf(current, group);
  if (reach === 'group' || reach === 'all-devices' || reach === 'excluded') return { outcome: 'already-assigned' };
  const res = await tenant.assignConfigurationPolicy(policyId, withGroupAssignment(current, group));
  return { outcome: 'assigned', ...(res.requestId ? { requestId: res.requestId } : {}) };
}

export async function applyBootstrap(tenant: TenantGateway, plan: BootstrapPlan): Promise<AppliedAction[]> {
  const done: AppliedAction[] = [];
  for (const action of plan.actions) {
    if (action.kind === 'assign-policy') {
      const r = await ensureAssigned(tenant, action.policyId, action.assignTo);
      done.push({ action, policyId: action.policyId, ...r });
      continue;
    }
    // Created by an earlier run that stopped before assigning: reuse it rather than make a twin.
    const existing = (await tenant.listConfigurationPolicies()).find((p) => p.name === action.name);
    const body = action.policy === 'web-sign-in' ? webSignInPolicyBody() : defaultCredentialProviderPolicyBody(action.provider ?? 'password');
    const created = existing ? { id: existing.id } : await tenant.createConfigurationPolicy(body);
    const r = await ensureAssigned(tenant, created.id, action.assignTo);
    done.push({ action, policyId: created.id, outcome: existing && r.outcome === 'already-assigned' ? 'already-assigned' : existing ? 'assigned' : 'created-and-assigned', ...(r.requestId ? { requestId: r.requestId } : {}) });
  }
  return done;
}
