import type { OnboardingRecord } from '../../domain/onboarding';
import { activationInstant } from '../../domain/calendar';
import type { HireData } from '../../domain/hire-event.schema';
import type { OnboardingRef, WorkflowPorts, WorkflowSettings } from '../ports';
import { GRAPH_UNAVAILABLE, addWarning, clearAttention, doneWaiting, loadCurrent, updateCurrent, type AuditNote } from '../record-ops';
import { planTap } from '../tap-plan';

export function activationFor(hire: HireData, settings: Pick<WorkflowSettings, 'defaultActivationTime'>): Date {
  return activationInstant(hire.startDate, hire.activationTime ?? settings.defaultActivationTime, hire.timeZone);
}

export interface ScheduleResult {
  activationAt: Date;
  /** False when the TAP was already issued for this generation: nothing left to schedule. */
  activate: boolean;
  /** The onboarding as this step wrote it. */
  record: OnboardingRecord;
}

/**
 * Step 4 (spec/workflow.md): the activation instant, and the TAP plan checked against the
 * tenant's policy days ahead, so a mismatch is needs_attention now rather than a failure on
 * the first day. The processor adds the delayed `activate` job from the result.
 */
export async function schedule(ports: WorkflowPorts, ref: OnboardingRef, opts: { markScheduled?: boolean } = {}): Promise<ScheduleResult> {
  const markScheduled = opts.markScheduled ?? true;
  const r = await loadCurrent(ports, ref);
  const activationAt = activationFor(r.hire, ports.settings);
  const plan = planTap(r.hire, await ports.graph.getTapPolicy());
  const before = r.attention?.condition;
  const ahead = activationAt.getTime() > ports.clock.now().getTime();

  const after = await updateCurrent(ports, ref, (x) => {
    x.activationAt = activationAt.toISOString();
    // This step's failures are the TAP step's (onboarding-jobs.ts). Before the instant the pass
    // itself is not tried yet, so a Graph outage on that step was this lookup's: it got through.
    const tap = x.steps.tap;
    if (ahead && tap.state === 'pending' && tap.waitingFor === GRAPH_UNAVAILABLE) doneWaiting(x, 'tap');
    for (const w of plan.warnings) addWarning(x, w);
    clearAttention(x, 'tap-policy-disabled');
    clearAttention(x, 'tap-lifetime-out-of-bounds');
    if (plan.problem) {
      x.status = 'needs_attention';
      x.attention = { ...plan.problem, since: ports.clock.now().toISOString() };
    } else if (markScheduled && x.status === 'in_progress' && x.steps.tap.state === 'pending') {
      x.status = 'scheduled';
    }
  }, {
    audit: (next): AuditNote | null => {
      if (plan.problem && before !== plan.problem.condition) return { action: 'onboarding.needs-attention', outcome: 'failure', detail: plan.problem.message };
      if (next.status === 'scheduled' && r.status !== 'scheduled') return { action: 'onboarding.scheduled', outcome: 'success', detail: `activation at ${activationAt.toISOString()}` };
      return null;
    },
  });
  const issued = after.steps.tap.state === 'done' && after.tap?.generation === ref.generation;
  return { activationAt, activate: !issued || after.steps.notice.state === 'pending', record: after };
}
