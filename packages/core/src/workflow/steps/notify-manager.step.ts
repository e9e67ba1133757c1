import { newRevealToken } from '../../crypto/reveal-token';
import { PermanentError, isWorkflowError } from '../../errors';
import type { OnboardingRecord } from '../../domain/onboarding';
import { renderNoticeMail, type NoticeInput } from '../../notice/notice-mail';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { addWarning, auditFor, loadCurrent, stepDone, updateCurrent } from '../record-ops';

export const NOTICE_UNKNOWN_ATTENTION = 'notice may not have been sent; re-issue to send a new link';
export const NO_MANAGER_ATTENTION = 'no manager to notify: set managerUserPrincipalName or the manager in Entra, then retry';

function deviceStatus(r: OnboardingRecord): NoticeInput['device'] {
  const s = r.steps.device;
  if (s.state === 'done') return { state: 'ready' };
  if (s.state === 'skipped') return { state: 'unavailable', reason: s.reason };
  return { state: 'unavailable', reason: 'the device could not be prepared' };
}

/**
 * Step 6 (spec/workflow.md): mail the manager a one-time reveal link. `notice.state` brackets
 * the send: found 'sending' for this generation, an earlier attempt died mid-send and the mail
 * may be out, so it is not sent twice; ops re-issue (new link) instead. The token lives only
 * in this function and in the mail; the record keeps its hash.
 */
export async function notifyManager(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  const sameGen = r.notice.generation === ref.generation;
  if (sameGen && r.notice.state === 'sent') return;
  if (sameGen && r.notice.state === 'unknown') return;
  if (sameGen && r.notice.state === 'sending') {
    await updateCurrent(ports, ref, (x) => {
      x.notice = { ...x.notice, state: 'unknown' };
      addWarning(x, NOTICE_UNKNOWN_ATTENTION);
      x.status = 'needs_attention';
      x.attention = { condition: 'notice-unknown', message: NOTICE_UNKNOWN_ATTENTION, since: ports.clock.now().toISOString() };
    });
    await auditFor(ports, ref, 'notice.unknown', 'failure', { detail: 'an earlier send was interrupted; not sent again' });
    return;
  }

  const tap = r.tap;
  if (!tap || tap.generation !== ref.generation) throw new PermanentError('notice step ran before the TAP was issued');
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
  await updateCurrent(ports, ref, (x) => {
    x.reveal = { tokenHash, state: 'active' };
    x.notice = { state: 'sending', to, generation: ref.generation };
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

  let res;
  try {
    res = await ports.graph.sendMail(ports.settings.noticeSenderUpn, { to, subject: mail.subject, html: mail.html });
  } catch (err) {
    // Graph answered (throttled, refused, 5xx): not sent. End this link and try afresh later.
    // No answer at all: the mail may be out, so 'sending' stays and the retry reports it.
    if (isWorkflowError(err) && err.graph?.status) {
      await ports.links.end(tokenHash, 'revoked', ports.clock.now());
      await updateCurrent(ports, ref, (x) => {
        x.reveal = null;
        x.notice = { state: 'pending' };
      });
    }
    throw err;
  }

  const sentAt = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    x.notice = { state: 'sent', to, sentAt: sentAt.toISOString(), generation: ref.generation };
    x.steps.notice = stepDone(sentAt, `sent to ${to}`);
    // Sent is the end of the plan: whatever waited before has resolved.
    x.status = 'notified';
    x.attention = null;
  });
  await auditFor(ports, ref, 'notice.sent', 'success', { detail: `notice to ${to}`, graphRequestId: res.requestId });
}
