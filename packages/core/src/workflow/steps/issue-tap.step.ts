import { PermanentError, WaitingError, isWorkflowError } from '../../errors';
import type { IssuedTap, TapMethod } from '../../graph/graph.port';
import type { OnboardingRecord } from '../../domain/onboarding';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { StaleJobError, addWarning, auditFor, doneWaiting, loadCurrent, stepDone, updateCurrent, waitOn } from '../record-ops';
import { planTap } from '../tap-plan';
import { guardTapIssuance } from '../../readiness/issuance-guard';
import { isAmbiguousWriteFailure, isNotFoundYet } from './graph-outcomes';

/** This onboarding holds a usable pass for its current generation (or it was already handed over). */
async function alreadyIssued(ports: WorkflowPorts, r: OnboardingRecord, ref: OnboardingRef): Promise<boolean> {
  if (!r.tap || r.tap.generation !== ref.generation) return false;
  if (r.reveal?.state === 'revealed' || r.expiry?.tapId === r.tap.id) return true;
  return ports.links.hasSealedPasscode(r.employeeId, r.tap.id);
}

/** Listed passes that can no longer be signed in with are no candidates for adoption. */
const SPENT = new Set(['Expired', 'OneTimeUsed']);

/**
 * Step 5 (spec/workflow.md), at the activation instant. The passcode exists only in Graph's
 * create answer: it is sealed at once and the plaintext dropped. A user holds one TAP, so an
 * older one is deleted first. `tapCreateInFlight` brackets the create. Found set by a later
 * attempt, the outcome of that create is unknown (a crash, no answer, or a 5xx that may
 * have come after the write): the user's passes are listed first. One whose passcode we did
 * seal (a crash after sealing) is adopted; one whose passcode we never received is replaced
 * once, deliberately, and audited. Never a second pass silently.
 *
 * Concurrency: the worker runs one job per employee at a time (an employee lease), so two
 * attempts never create at once; the CAS on the record is the second line.
 */
/** A start at most this far ahead is not sent: the pass is usable at once instead. */
const START_AHEAD_MS = 60_000;

export async function issueTap(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  if (await alreadyIssued(ports, r, ref)) return;
  // Readiness gate, ops pause, blast-radius brake, dry-run mark (issue 9): before any pass is touched.
  await guardTapIssuance(ports, ref);

  const userId = r.entra.userId;
  if (!userId) throw new PermanentError('TAP step ran before the user was resolved');
  const plan = planTap(r.hire, await ports.graph.getTapPolicy());
  if (plan.problem) throw new PermanentError(plan.problem.message);

  const interrupted = r.tapCreateInFlight?.generation === ref.generation;
  const existing = await ports.graph.listTemporaryAccessPasses(userId);
  if (interrupted) {
    for (const p of existing) {
      if (!SPENT.has(p.methodUsabilityReason ?? '') && (await ports.links.hasSealedPasscode(ref.employeeId, p.id))) {
        return adopt(ports, ref, p);
      }
    }
  }
  for (const p of existing) await deleteExisting(ports, ref, userId, p, interrupted);

  const now = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    x.tapCreateInFlight = { generation: ref.generation, startedAt: now.toISOString() };
  });
  const activationAt = new Date(r.activationAt);
  const start = activationAt.getTime() > now.getTime() ? activationAt : now;
  // A start a little ahead (the job ran a moment early) or already past is left to Graph:
  // usable at once. Graph refuses a start in the past, and one sent as "now" is past on arrival.
  const sendStart = start.getTime() - now.getTime() > START_AHEAD_MS;

  let issued: IssuedTap;
  try {
    issued = await ports.graph.createTemporaryAccessPass(userId, {
      ...(sendStart ? { startDateTime: start.toISOString() } : {}),
      lifetimeInMinutes: plan.lifetimeInMinutes,
      isUsableOnce: plan.isUsableOnce,
    });
  } catch (err) {
    if (isAmbiguousWriteFailure(err)) {
      // The pass may exist (written, answer lost): the bracket stays, so the next attempt
      // lists the user's passes before it creates again.
      await auditFor(ports, ref, 'tap.create-ambiguous', 'failure', {
        detail: `TAP create got no clear answer (${isWorkflowError(err) ? err.reason : String(err)}); the next attempt looks before it creates`,
        graphRequestId: isWorkflowError(err) ? err.graph?.requestId : undefined,
      });
      throw err;
    }
    // A 4xx (or 429) answer means nothing was created.
    await updateCurrent(ports, ref, (x) => {
      x.tapCreateInFlight = null;
    });
    if (err instanceof WaitingError) return waitOn(ports, ref, 'tap', err.condition, err.message, err.graph);
    if (isNotFoundYet(err)) return waitOn(ports, ref, 'tap', 'object-replication', `user ${userId} is not visible to the TAP API yet`, err.graph);
    throw err;
  }
  await record(ports, ref, userId, issued, start, plan.lifetimeInMinutes, plan.isUsableOnce, sendStart);
}

async function record(
  ports: WorkflowPorts,
  ref: OnboardingRef,
  userId: string,
  issued: IssuedTap,
  start: Date,
  plannedLifetime: number,
  plannedOnce: boolean,
  startSent: boolean,
): Promise<void> {
  const tapId = issued.id;
  // A start we sent is Graph's too. One left to Graph ("usable at once") is its clock's now,
  // the instant this worker saw, less network time; the worker's own keeps the onboarding's
  // times on one clock (the link's expiry, the expire job).
  const startDateTime = (startSent && issued.startDateTime) || start.toISOString();
  const lifetime = issued.lifetimeInMinutes || plannedLifetime;
  const expiresAt = new Date(Date.parse(startDateTime) + lifetime * 60_000);
  const sealed = ports.cipher.encrypt(issued.temporaryAccessPass, { employeeId: ref.employeeId, tapId });
  // Drop the plaintext reference at once; only `sealed` leaves this function.
  (issued as { temporaryAccessPass?: string }).temporaryAccessPass = undefined;
  await ports.links.sealPasscode(ref.employeeId, tapId, sealed, expiresAt);

  const done = ports.clock.now();
  try {
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
      if (issued.isUsableOnce && !plannedOnce) addWarning(x, 'the pass was issued one-time although multi-use was asked for');
      x.steps.tap = stepDone(done, `TAP ${tapId} valid ${startDateTime} for ${lifetime} min`);
    }, {
      audit: {
        action: 'tap.issued',
        outcome: 'success',
        detail: `TAP ${tapId}: start ${startDateTime}, ${lifetime} min, ${issued.isUsableOnce ? 'one-time' : 'multi-use'}, expires ${expiresAt.toISOString()}`,
        graphRequestId: issued.requestId,
      },
      auditIfStale: true,
    });
  } catch (err) {
    // The plan changed while the create was out (possible only if the employee lease was
    // lost): the new pass belongs to no generation. Hand it to the next job to delete.
    if (err instanceof StaleJobError) await orphaned(ports, ref, userId, tapId);
    throw err;
  }
}

async function orphaned(ports: WorkflowPorts, ref: OnboardingRef, userId: string, tapId: string): Promise<void> {
  await ports.links.dropPasscode(ref.employeeId, tapId);
  await ports.store.update(ref.employeeId, (x) =>
    x.onboardingId === ref.onboardingId ? { ...x, tapsToRevoke: [...(x.tapsToRevoke ?? []), { id: tapId, userId, reason: 'issued for a plan that changed meanwhile' }] } : null,
  );
  await auditFor(ports, ref, 'tap.orphaned', 'info', { detail: `TAP ${tapId} was issued for generation ${ref.generation}, which changed meanwhile; it will be deleted` });
}

/** A pass we created and sealed, but whose record write was lost: take it, do not replace it. */
async function adopt(ports: WorkflowPorts, ref: OnboardingRef, p: TapMethod): Promise<void> {
  const expiresAt = new Date(Date.parse(p.startDateTime) + p.lifetimeInMinutes * 60_000);
  const done = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    doneWaiting(x, 'tap');
    x.tap = {
      id: p.id,
      startDateTime: p.startDateTime,
      lifetimeInMinutes: p.lifetimeInMinutes,
      isUsableOnce: p.isUsableOnce,
      expiresAt: expiresAt.toISOString(),
      createdAt: p.createdDateTime || done.toISOString(),
      generation: ref.generation,
    };
    x.tapCreateInFlight = null;
    x.expiry = null;
    x.steps.tap = stepDone(done, `TAP ${p.id} valid ${p.startDateTime} for ${p.lifetimeInMinutes} min`);
  });
  await auditFor(ports, ref, 'tap.adopted', 'success', {
    detail: `TAP ${p.id}: an earlier attempt created and sealed it but did not record it; kept, not replaced`,
  });
}

async function deleteExisting(ports: WorkflowPorts, ref: OnboardingRef, userId: string, existing: TapMethod, interrupted: boolean): Promise<void> {
  const res = await ports.graph.deleteTemporaryAccessPass(userId, existing.id);
  // A sealed copy may exist if we crashed after sealing it: it can never be revealed now.
  await ports.links.dropPasscode(ref.employeeId, existing.id);
  await auditFor(ports, ref, interrupted ? 'tap.replaced-unknown' : 'tap.deleted-previous', 'success', {
    detail: interrupted
      ? `TAP ${existing.id} deleted and replaced: an earlier create got no clear answer, so its passcode was never received (${res.outcome})`
      : `TAP ${existing.id} (created ${existing.createdDateTime}) deleted before issuing: a user holds one pass (${res.outcome})`,
    graphRequestId: res.requestId,
  });
}
