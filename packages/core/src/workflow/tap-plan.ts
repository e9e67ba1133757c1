import type { HireData } from '../domain/hire-event.schema';
import type { TapPolicy } from '../graph/graph.port';

export interface TapPlan {
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  /** Why this plan cannot be issued under the tenant's policy; null when it can. */
  problem: { condition: string; message: string } | null;
  /** Conditions that do not stop issuing but that ops should see. */
  warnings: string[];
}

/**
 * The TAP the hire asked for, checked against the tenant's policy (spec/workflow.md steps 4
 * and 5): lifetime requested, else the policy default, inside the policy's bounds; the policy
 * enabled; a one-time policy against a multi-use request is a warning.
 */
export function planTap(hire: HireData, policy: TapPolicy): TapPlan {
  const lifetime = hire.tap?.lifetimeMinutes ?? policy.defaultLifetimeInMinutes;
  const wantsOnce = hire.tap?.isUsableOnce ?? false;
  const warnings: string[] = [];
  if (policy.isUsableOnce && !wantsOnce) {
    warnings.push("the tenant's TAP policy makes every pass one-time, but a multi-use pass was asked for (the device may reboot during setup)");
  }
  let problem: TapPlan['problem'] = null;
  if (policy.state !== 'enabled') {
    problem = { condition: 'tap-policy-disabled', message: "the tenant's Temporary Access Pass policy is disabled" };
  } else if (lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
    problem = {
      condition: 'tap-lifetime-out-of-bounds',
      message: `requested lifetime ${lifetime} is outside the tenant's TAP policy bounds ${policy.minimumLifetimeInMinutes}–${policy.maximumLifetimeInMinutes}`,
    };
  }
  return { lifetimeInMinutes: lifetime, isUsableOnce: wantsOnce || policy.isUsableOnce, problem, warnings };
}
