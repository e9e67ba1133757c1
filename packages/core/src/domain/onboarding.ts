import type { HireData } from './hire-event.schema';

/**
 * One onboarding per employeeId (spec/workflow.md). This is the record kept in Redis; the
 * ops API shows `toOnboardingView(record)`. Never holds the passcode or the reveal token.
 */

export const STEP_NAMES = ['user', 'membership', 'device', 'tap', 'notice'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type StepRecord =
  | { state: 'pending'; attempts?: number; waitingFor?: string; waitingSince?: string; lastError?: string }
  | { state: 'done'; at: string; detail?: string }
  | { state: 'skipped'; reason: string; at: string }
  | { state: 'failed'; reason: string; attempts: number; at: string };

export type OnboardingStatus =
  | 'in_progress'
  | 'scheduled'
  | 'notified'
  | 'revealed'
  | 'cancelled'
  | 'needs_attention'
  | 'failed';

export const ONBOARDING_STATUSES: readonly OnboardingStatus[] = [
  'in_progress',
  'scheduled',
  'notified',
  'revealed',
  'cancelled',
  'needs_attention',
  'failed',
];

export interface TapMetadata {
  id: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  expiresAt: string;
  createdAt: string;
  /** The onboarding generation this pass was issued for; an older one is revoked or replaced. */
  generation?: number;
}

/**
 * A pass to delete at Graph. `unknown`: an interrupted create (no answer, or a 5xx) may have
 * made a pass whose id we never learned; the user's passes are listed and deleted instead.
 * Safe because the TAP step deletes every pass the user holds before it creates one, so any
 * pass found afterwards came from that create.
 */
export interface TapToRevoke {
  id: string;
  userId: string;
  reason: string;
  unknown?: boolean;
}

/** A group membership this onboarding ensured, and whether it was there before (cancel undoes only ours). */
export interface MembershipRecord {
  groupId: string;
  objectId: string;
  addedByUs: boolean;
  /**
   * The add was sent (or about to be) and its answer is not recorded yet: an earlier attempt
   * died or got no clear answer. The next attempt asks Graph first (ensure-membership.step.ts).
   */
  pending?: boolean;
  /**
   * With `addedByUs: false`: an add of ours got no answer and the object was a member
   * afterwards, so whether it was there before this onboarding cannot be told. Not claimed: a
   * cancellation leaves it, and a warning on the onboarding leaves the call to ops.
   */
  ownershipUnproven?: true;
  /** Set when a cancellation removed it again, or found that an add in doubt never took effect. */
  removedAt?: string;
}

export interface OnboardingRecord {
  employeeId: string;
  /** A new id per (re)hire; jobs carry it so work for an older onboarding is recognised as stale. */
  onboardingId: string;
  /** Bumped whenever the activation plan changes (new instant, re-issue, revoke); jobs carry it. */
  generation: number;
  /** Compare-and-set revision of this record in Redis. */
  rev: number;
  hire: HireData;
  lastEvent: { eventId: string; timestamp: string; seq: number };
  status: OnboardingStatus;
  activationAt: string;
  createdAt: string;
  updatedAt: string;
  entra: {
    userId?: string;
    userPrincipalName?: string;
    displayName?: string;
    managerId?: string;
    managerName?: string;
    /** Where the notice goes: the manager's mail, else their UPN. */
    managerAddress?: string;
    deviceObjectId?: string;
    deviceTrustType?: string;
    deviceOsVersion?: string;
    /** Entra's isManaged for the device: false means Intune has no managed device to sync. */
    deviceIsManaged?: boolean;
  };
  steps: Record<StepName, StepRecord>;
  memberships: MembershipRecord[];
  tap: TapMetadata | null;
  /**
   * Set right before a TAP create is sent and cleared when its answer is recorded: if a
   * retry finds it set, the outcome of that create is unknown and must be looked up first.
   */
  tapCreateInFlight?: { generation: number; startedAt: string } | null;
  notice: {
    state: 'pending' | 'sending' | 'sent' | 'unknown' | 'failed';
    to?: string;
    sentAt?: string;
    generation?: number;
  };
  reveal: {
    /** SHA-256 of the token, hex; also the key of the link in Redis. */
    tokenHash: string;
    state: 'active' | 'revealed' | 'expired' | 'revoked';
    revealedAt?: string;
  } | null;
  warnings: string[];
  /** Why the onboarding waits (status needs_attention), and since when. */
  attention?: { condition: string; message: string; since: string } | null;
  cancelledAt?: string;
  cancelReason?: string;
  /**
   * Passes to delete at Graph (a change after issue, a cancellation): recorded in the same
   * write that drops them from `tap`, deleted by the next job, so a crash in between loses none.
   */
  tapsToRevoke?: TapToRevoke[];
  /** The last ops re-issue carried out, so a re-run of its job (a crash before its follow-up) resumes instead of being stale. */
  lastReissue?: { requestedAt: string; generation: number } | null;
  /** What the follow-up at the TAP's expiry found. */
  expiry?: { at: string; tapId: string; revealed: boolean; methodUsabilityReason?: string | null } | null;
  /** The Intune sync asked for once the device joined the Web Sign-in group (issue 9, steps/sync-device.step.ts). */
  deviceSync?: { deviceId: string; outcome: 'synced' | 'not-enrolled' | 'failed'; at: string; managedDeviceId?: string } | null;
}

/** The `Onboarding` of spec/ops-api.md: fixed fields first, a few more that ops find useful. */
export interface OnboardingView {
  employeeId: string;
  userPrincipalName: string;
  status: OnboardingStatus;
  activationAt: string;
  timeZone: string;
  steps: Record<StepName, { state: StepRecord['state']; reason?: string; attempts?: number; at?: string }>;
  tap: Omit<TapMetadata, 'createdAt'> | null;
  warnings: string[];
  updatedAt: string;
  onboardingId: string;
  startDate: string;
  activationTime?: string;
  managerUserPrincipalName?: string;
  deviceId?: string;
  notice: { state: OnboardingRecord['notice']['state']; sentAt?: string };
  reveal: { state: NonNullable<OnboardingRecord['reveal']>['state']; revealedAt?: string } | null;
  attention: OnboardingRecord['attention'] | null;
  createdAt: string;
}

export function toOnboardingView(r: OnboardingRecord): OnboardingView {
  const steps = {} as OnboardingView['steps'];
  for (const name of STEP_NAMES) {
    const s = r.steps[name];
    steps[name] = {
      state: s.state,
      ...('reason' in s ? { reason: s.reason } : {}),
      ...('attempts' in s && s.attempts ? { attempts: s.attempts } : {}),
      ...('at' in s ? { at: s.at } : {}),
    };
  }
  return {
    employeeId: r.employeeId,
    userPrincipalName: r.hire.userPrincipalName,
    status: r.status,
    activationAt: r.activationAt,
    timeZone: r.hire.timeZone,
    steps,
    tap: r.tap
      ? {
          id: r.tap.id,
          startDateTime: r.tap.startDateTime,
          lifetimeInMinutes: r.tap.lifetimeInMinutes,
          isUsableOnce: r.tap.isUsableOnce,
          expiresAt: r.tap.expiresAt,
        }
      : null,
    warnings: [...r.warnings],
    updatedAt: r.updatedAt,
    onboardingId: r.onboardingId,
    startDate: r.hire.startDate,
    activationTime: r.hire.activationTime,
    managerUserPrincipalName: r.hire.managerUserPrincipalName,
    deviceId: r.hire.deviceId,
    notice: { state: r.notice.state, ...(r.notice.sentAt ? { sentAt: r.notice.sentAt } : {}) },
    reveal: r.reveal
      ? { state: r.reveal.state, ...(r.reveal.revealedAt ? { revealedAt: r.reveal.revealedAt } : {}) }
      : null,
    attention: r.attention ?? null,
    createdAt: r.createdAt,
  };
}

export function pendingSteps(): Record<StepName, StepRecord> {
  return { user: { state: 'pending' }, membership: { state: 'pending' }, device: { state: 'pending' }, tap: { state: 'pending' }, notice: { state: 'pending' } };
}
