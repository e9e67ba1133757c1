import { newRevealToken } from '../../crypto/reveal-token';
import { PermanentError, ThrottledError, isWorkflowError } from '../../errors';
import type { OnboardingRecord } from '../../domain/onboarding';
import { renderNoticeMail, type NoticeInput } from '../../notice/notice-mail';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { addWarning, auditFor, clearAttention, loadCurrent, removeWarningsStartingWith, stepDone, updateCurrent } from '../record-ops';
import { isAmbiguousWriteFailure } from './graph-outcomes';
import { NAMED_MANAGER_MISSING_PREFIX, NO_MANAGER_WARNING, namedManager, namedManagerMissingWarning } from './resolve-user.step';

export const NOTICE_UNKNOWN_ATTENTION = 'notice may not have been sent; re-issue to send a new link';
export const NO_MANAGER_ATTENTION = 'no manager to notify: set managerUserPrincipalName or the manager in Entra, then retry';

function deviceStatus(r: OnboardingRecord): NoticeInput['device'] {
  const s = r.steps.device;
  if (s.state === 'done') return { state: 'ready' };
  if (s.state === 'skipped') return { state: 'unavailable', reason: s.reason, notInEntra: !!r.hire.deviceId && !r.entra.deviceObjectId };
  return { state: 'unavailable', reason: 'the device could not be prepared' };
}

/**
 * Step 6 (spec/workflow.md): mail the manager a one-time reveal link. sendMail is not
 * idempotent, so `notice.state` brackets the send and a duplicate notice is treated as worse
 * than a missing one that ops see flagged (issue 5):
 * - found 'sending' for this generation: an earlier attempt died mid-send and the mail may be
 *   out; it is not sent again, the onboarding needs attention (ops re-issue for a new link);
 * - a refusal (4xx, 429, 503: nothing sent) ends this link and the send is tried afresh;
 * - no answer, or 500/502/504 (Graph may have sent it, as the simulator's commit-then-fail
 *   does): the same as an interrupted send. The link stays usable: the manager may have it.
 * The token lives only in this function and in the mail; the record keeps its hash.
 */
export async function notifyManager(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  let r = await loadCurrent(ports, ref);
  const sameGen = r.notice.generation === ref.generation;
  if (sameGen && r.notice.state === 'sent') return;
  if (sameGen && r.notice.state === 'unknown') return;
  if (sameGen && r.notice.state === 'sending') {
    return markUnknown(ports, ref, 'an earlier send was interrupted; not sent again');
  }

  const tap = r.tap;
  if (!tap || tap.generation !== ref.generation) throw new PermanentError('notice step ran before the TAP was issued');
  if (!r.entra.managerAddress || r.warnings.some((w) => w.startsWith(NAMED_MANAGER_MISSING_PREFIX))) r = await lookUpManagerAgain(ports, ref, r);
  const to = r.entra.managerAddress;
  if (!to) {
    await updateCurrent(ports, ref, (x) => {
      x.status = 'needs_attention';
      x.attention = { condition: 'no-manager', message: NO_MANAGER_ATTENTION, since: ports.clock.now().toISOString() };
    });
    await auditFor(ports, ref, 'onboarding.needs-attention', 'failure', { detail: NO_MANAGER_ATTENTION });
    return;
  }

  const now = ports.clock.now();
  const { token, tokenHash } = newRevealToken();
  const displayName = r.entra.displayName ?? r.hire.userPrincipalName;
  await ports.links.create({
    tokenHash,
    employeeId: r.employeeId,
    onboardingId: r.onboardingId,
    generation: ref.generation,
    tapId: tap.id,
    displayName,
    userPrincipalName: r.hire.userPrincipalName,
    timeZone: r.hire.timeZone,
    validFrom: tap.startDateTime,
    expiresAt: tap.expiresAt,
    createdAt: now.toISOString(),
  });
  const mail = renderNoticeMail({
    managerName: r.entra.managerName,
    hireName: displayName,
    userPrincipalName: r.hire.userPrincipalName,
    timeZone: r.hire.timeZone,
    validFrom: new Date(tap.startDateTime),
    expiresAt: new Date(tap.expiresAt),
    isUsableOnce: tap.isUsableOnce,
    device: deviceStatus(r),
    revealUrl: `${ports.settings.publicBaseUrl}/reveal/${token}`,
  });

  // A slot of the sender mailbox (Outlook's concurrency limit), taken before the record says
  // 'sending': a crash while waiting for one must not look like an interrupted send.
  const slot = await ports.mailboxSlots?.acquire(ports.settings.noticeSenderUpn);
  let res;
  try {
    await updateCurrent(ports, ref, (x) => {
      x.reveal = { tokenHash, state: 'active' };
      x.notice = { state: 'sending', to, generation: ref.generation };
    });
    try {
      res = await ports.graph.sendMail(ports.settings.noticeSenderUpn, { to, subject: mail.subject, html: mail.html });
    } catch (err) {
      if (isAmbiguousWriteFailure(err)) {
        const why = isWorkflowError(err) ? err.reason : String(err);
        return markUnknown(ports, ref, `sendMail got no clear answer (${why}); it may have been sent, so it is not sent again`, isWorkflowError(err) ? err.graph?.requestId : undefined);
      }
      // Refused: nothing was sent. End this link and try afresh later (BullMQ's retry).
      await ports.links.end(tokenHash, 'revoked', ports.clock.now());
      await updateCurrent(ports, ref, (x) => {
        x.reveal = null;
        x.notice = { state: 'pending' };
      });
      // Outlook throttled the mailbox: every sender holds off for the Retry-After (MailboxSlots).
      // Best effort: without the pause each sender learns it from its own 429.
      if (err instanceof ThrottledError && err.scope === 'mailbox') {
        await ports.mailboxSlots?.pause(ports.settings.noticeSenderUpn, err.retryAfterMs).catch((e: unknown) => {
          ports.log.warn({ err: { message: (e as Error).message } }, 'could not pause the sender mailbox');
        });
      }
      throw err;
    }
  } finally {
    await slot?.release();
  }

  const sentAt = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    x.notice = { state: 'sent', to, sentAt: sentAt.toISOString(), generation: ref.generation };
    x.steps.notice = stepDone(sentAt, `sent to ${to}`);
    // Sent is the end of the plan: whatever waited before has resolved (a reveal that came first stays).
    if (x.status !== 'revealed') x.status = 'notified';
    x.attention = null;
  }, { audit: { action: 'notice.sent', outcome: 'success', detail: `notice to ${to}`, graphRequestId: res.requestId }, auditIfStale: true });
}

/** The mail may be out: never sent twice; flagged for ops, whose remedy is a re-issue. */
async function markUnknown(ports: WorkflowPorts, ref: OnboardingRef, why: string, graphRequestId?: string): Promise<void> {
  await updateCurrent(ports, ref, (x) => {
    x.notice = { ...x.notice, state: 'unknown' };
    const s = x.steps.notice;
    if (s.state === 'pending') x.steps.notice = { ...s, lastError: why };
    addWarning(x, NOTICE_UNKNOWN_ATTENTION);
    // A manager who already revealed the passcode evidently got the mail.
    if (x.reveal?.state !== 'revealed') {
      x.status = 'needs_attention';
      x.attention = { condition: 'notice-unknown', message: NOTICE_UNKNOWN_ATTENTION, since: ports.clock.now().toISOString() };
    }
  });
  await auditFor(ports, ref, 'notice.unknown', 'failure', { detail: why, graphRequestId });
}

/**
 * No manager was found when the user was resolved, or HR named one Entra did not know then:
 * look again now (the account may exist by now, or ops set a manager in Entra), rather than
 * making a retry resolve the user all over. The named manager, once found, takes over from
 * the Entra fallback.
 */
async function lookUpManagerAgain(ports: WorkflowPorts, ref: OnboardingRef, r: OnboardingRecord): Promise<OnboardingRecord> {
  if (!r.entra.userId) return r;
  const namedUpn = r.hire.managerUserPrincipalName;
  const named = await namedManager(ports, namedUpn);
  if (!named && r.entra.managerAddress) return r;
  const manager = named ?? (await ports.graph.getManager(r.entra.userId));
  if (!manager) return r;
  const updated = await updateCurrent(ports, ref, (x) => {
    x.entra = {
      ...x.entra,
      managerId: manager.id,
      managerName: manager.displayName ?? manager.userPrincipalName,
      managerAddress: manager.mail || manager.userPrincipalName,
    };
    x.warnings = x.warnings.filter((w) => w !== NO_MANAGER_WARNING);
    removeWarningsStartingWith(x, NAMED_MANAGER_MISSING_PREFIX);
    if (namedUpn && !named) addWarning(x, namedManagerMissingWarning(namedUpn, manager));
    clearAttention(x, 'no-manager');
  });
  await auditFor(ports, ref, 'manager.resolved', 'success', { detail: `manager ${manager.userPrincipalName} found when the notice was due` });
  return updated;
}
