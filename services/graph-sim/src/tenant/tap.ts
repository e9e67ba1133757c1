import { randomInt, randomUUID } from 'node:crypto';
import { GraphError } from '../graph/errors';
import type { TapRecord, TenantState } from './state';
import type { UserDefinition } from './types';

/** Observed messages (graph.md). Status and code of the policy refusal come from the tenant's behaviour section. */
export const POLICY_REFUSAL_MESSAGE =
  'Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].';
export const lifetimeMessage = (min: number, max: number): string =>
  `Invalid LifetimeInMinutes specified. The valid range between ${min} and ${max}.`;

const PASSCODE_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+-=?@^~';

function passcode(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSCODE_CHARS[randomInt(PASSCODE_CHARS.length)];
  return out;
}

export type Usability = 'EnabledByPolicy' | 'DisabledByPolicy' | 'Expired' | 'NotYetValid' | 'OneTimeUsed';

export function usability(state: TenantState, tap: TapRecord): Usability {
  const now = state.clock.now();
  const start = Date.parse(tap.startDateTime);
  if (tap.isUsableOnce && tap.usedAt) return 'OneTimeUsed';
  if (now < start) return 'NotYetValid';
  if (now >= start + tap.lifetimeInMinutes * 60_000) return 'Expired';
  if (state.tapPolicy.state !== 'enabled') return 'DisabledByPolicy';
  return 'EnabledByPolicy';
}

/** The Graph object. The passcode is filled in only for the 201 of the create (graph.md). */
export function tapEntity(state: TenantState, tap: TapRecord, reveal: boolean): Record<string, unknown> {
  const reason = usability(state, tap);
  return {
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
    id: tap.id,
    temporaryAccessPass: reveal ? tap.passcode : null,
    createdDateTime: tap.createdDateTime,
    startDateTime: tap.startDateTime,
    lifetimeInMinutes: tap.lifetimeInMinutes,
    isUsableOnce: tap.isUsableOnce,
    isUsable: reason === 'EnabledByPolicy',
    methodUsabilityReason: reason,
  };
}

export function currentTap(state: TenantState, userId: string): TapRecord | undefined {
  return state.currentTaps.get(userId);
}

/** Whether the TAP policy lets this user have a pass, as policy evaluation sees membership (lagged). */
export function policyAllows(state: TenantState, user: UserDefinition): boolean {
  const p = state.tapPolicy;
  if (p.state !== 'enabled') return false;
  const inTarget = (id: string) => id === 'all_users' || state.isMemberOf(id, user.id, true);
  if (!p.includeTargets.some((t) => inTarget(t.id))) return false;
  return !p.excludeTargets.some((t) => inTarget(t.id));
}

export interface TapRequest {
  startDateTime?: string;
  lifetimeInMinutes?: number;
  isUsableOnce?: boolean;
}

export const TAP_START_IN_PAST_MESSAGE = 'Invalid StartDateTime specified. It can not be a time in the past.';

export function createTap(state: TenantState, user: UserDefinition, req: TapRequest): TapRecord {
  const behaviour = state.def.behaviour ?? {};
  if (user.userType === 'Guest') {
    // graph.md: external guests cannot get a TAP (exact message unverified).
    throw new GraphError(400, 'badRequest', 'Temporary Access Pass is not supported for external (guest) users.');
  }
  if (!policyAllows(state, user)) {
    throw new GraphError(behaviour.tapPolicyRefusalStatus ?? 400, behaviour.tapPolicyRefusalCode ?? 'badRequest', POLICY_REFUSAL_MESSAGE);
  }
  const p = state.tapPolicy;
  const lifetime = req.lifetimeInMinutes ?? p.defaultLifetimeInMinutes;
  if (lifetime < p.minimumLifetimeInMinutes || lifetime > p.maximumLifetimeInMinutes) {
    throw new GraphError(400, 'badRequest', lifetimeMessage(p.minimumLifetimeInMinutes, p.maximumLifetimeInMinutes));
  }
  let isUsableOnce = req.isUsableOnce ?? p.isUsableOnce;
  if (p.isUsableOnce && !isUsableOnce) {
    // Microsoft's create reference: a multi-use pass "can only be created … if it is allowed by
    // the policy". Coercing stays available to a tenant file, but is not the default.
    if ((behaviour.oneTimePolicy ?? 'reject') === 'reject') {
      throw new GraphError(400, 'badRequest', 'The authentication method policy requires a one-time use Temporary Access Pass.');
    }
    isUsableOnce = true;
  }
  const now = state.clock.iso();
  if (req.startDateTime !== undefined && Date.parse(req.startDateTime) < Date.parse(now) - (behaviour.tapStartPastToleranceMs ?? 0)) {
    // Observed answer (msgraph-sdk-dotnet#2724); how much slack Entra allows is unverified.
    throw new GraphError(400, 'badRequest', TAP_START_IN_PAST_MESSAGE);
  }
  const previous = currentTap(state, user.id);
  if (previous) {
    previous.current = false;
    previous.replacedAt = now;
  }
  const tap: TapRecord = {
    id: randomUUID(),
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    passcode: passcode(p.defaultLength),
    createdDateTime: now,
    startDateTime: req.startDateTime ? new Date(req.startDateTime).toISOString() : now,
    lifetimeInMinutes: lifetime,
    isUsableOnce,
    current: true,
  };
  state.taps.push(tap);
  state.currentTaps.set(user.id, tap);
  return tap;
}
