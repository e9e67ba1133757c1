import { PermanentError, WaitingError, isWorkflowError } from '../../errors';
import type { TapMethod } from '../../graph/graph.port';
import type { OnboardingRecord } from '../../domain/onboarding';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { addWarning, auditFor, doneWaiting, loadCurrent, stepDone, updateCurrent, waitOn } from '../record-ops';
import { planTap } from '../tap-plan';

/** This onboarding holds a usable pass for its current generation (or it was already handed over). */
async function alreadyIssued(ports: WorkflowPorts, r: OnboardingRecord, ref: OnboardingRef): Promise<boolean> {
  if (!r.tap || r.tap.generation !== ref.generation) return false;
  if (r.reveal?.state === 'revealed' || r.expiry?.tapId === r.tap.id) return true;
  return ports.links.hasSealedPasscode(r.employeeId, r.tap.id);
}

/**
 * Step 5 (spec/workflow.md), at the activation instant. The passcode exists only in Graph's
 * create answer: it is sealed at once and the plaintext dropped. A user holds one TAP, so an
 * older one is deleted first. `tapCreateInFlight` brackets the create: found set, it means an
 * earlier attempt may have created a pass whose passcode we never received, so that pass is
 * deleted deliberately (and audited) before creating anew; never a second pass silently.
 */
export async function issueTap(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  if (await alreadyIssued(ports, r, ref)) return;

  const userId = r.entra.userId;
  if (!userId) throw new PermanentError('TAP step ran before the user was resolved');
  const plan = planTap(r.hire, await ports.graph.getTapPolicy());
  if (plan.problem) throw new PermanentError(plan.problem.message);

  const interrupted = r.tapCreateInFlight?.generation === ref.generation;
  for (const existing of await ports.graph.listTemporaryAccessPasses(userId)) {
    await deleteExisting(ports, ref, userId, existing, interrupted);
  }

  const now = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    x.tapCreateInFlight = { generation: ref.generation, startedAt: now.toISOString() };
  });
  const activationAt = new Date(r.activationAt);
  const start = activationAt.getTime() > now.getTime() ? activationAt : now;

  let issued;
  try {
    issued = await ports.graph.createTemporaryAccessPass(userId, {
      startDateTime: start.toISOString(),
      lifetimeInMinutes: plan.lifetimeInMinutes,
      isUsableOnce: plan.isUsableOnce,
    });
  } catch (err) {
    // An answer from Graph (any status) means nothing was created: clear the bracket. Without
    // one (timeout, reset) the outcome is unknown and the bracket stays for the next attempt.
    if (isWorkflowError(err) && err.graph?.status) {
      await updateCurrent(ports, ref, (x) => {
        x.tapCreateInFlight = null;
      });
    }
    if (err instanceof WaitingError) return waitOn(ports, ref, 'tap', err.condition, err.message, err.graph);
    throw err;
  }

  const tapId = issued.id;
  const startDateTime = issued.startDateTime || start.toISOString();
  const lifetime = issued.lifetimeInMinutes || plan.lifetimeInMinutes;
  const expiresAt = new Date(Date.parse(startDateTime) + lifetime * 60_000);
  const sealed = ports.cipher.encrypt(issued.temporaryAccessPass, { employeeId: ref.employeeId, tapId });
  // Drop the plaintext reference at once; only `sealed` leaves this function.
  (issued as { temporaryAccessPass?: string }).temporaryAccessPass = undefined;
  await ports.links.sealPasscode(ref.employeeId, tapId, sealed, expiresAt);

  const done = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    doneWaiting(x, 'tap');
    x.tap = {
      id: tapId,
      startDateTime,
      lifetimeInMinutes: lifetime,
      isUsableOnce: issued.isUsableOnce,
      expiresAt: expiresAt.toISOString(),
      createdAt: issued.createdDateTime || done.toISOString(),
      generation: ref.generation,
    };
    x.tapCreateInFlight = null;
    x.expiry = null;
    if (issued.isUsableOnce && !plan.isUsableOnce) addWarning(x, 'the pass was issued one-time although multi-use was asked for');
    x.steps.tap = stepDone(done, `TAP ${tapId} valid ${startDateTime} for ${lifetime} min`);
  });
  await auditFor(ports, ref, 'tap.issued', 'success', {
    detail: `TAP ${tapId}: start ${startDateTime}, ${lifetime} min, ${issued.isUsableOnce ? 'one-time' : 'multi-use'}, expires ${expiresAt.toISOString()}`,
    graphRequestId: issued.requestId,
  });
}

async function deleteExisting(ports: WorkflowPorts, ref: OnboardingRef, userId: string, existing: TapMethod, interrupted: boolean): Promise<void> {
  const res = await ports.graph.deleteTemporaryAccessPass(userId, existing.id);
  // A sealed copy may exist if we crashed after sealing it: it can never be revealed now.
  await ports.links.dropPasscode(ref.employeeId, existing.id);
  await auditFor(ports, ref, interrupted ? 'tap.replaced-unknown' : 'tap.deleted-previous', 'success', {
    detail: interrupted
      ? `TAP ${existing.id} deleted: an earlier create was interrupted and its passcode was never received (${res.outcome})`
      : `TAP ${existing.id} (created ${existing.createdDateTime}) deleted before issuing: a user holds one pass (${res.outcome})`,
    graphRequestId: res.requestId,
  });
}
