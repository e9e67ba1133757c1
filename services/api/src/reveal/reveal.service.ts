import { hashRevealToken, type RevealLink } from '@hirepass/core';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context';

/**
 * Revealing a passcode: the link is consumed atomically (RevealLinks.consume, one Lua
 * script), the sealed passcode decrypted, and the onboarding and audit trail updated.
 * The passcode leaves this function only as the return value for the page.
 */
export type RevealOutcome =
  | { kind: 'revealed'; link: RevealLink; passcode: string }
  | { kind: 'gone'; link: RevealLink }
  | { kind: 'unknown' }
  | { kind: 'undecryptable'; link: RevealLink };

export async function revealPasscode(ctx: ApiContext, token: string, log: FastifyBaseLogger): Promise<RevealOutcome> {
  const now = ctx.clock.now();
  const result = await ctx.links.consume(hashRevealToken(token), now);
  if (result.status === 'unknown') return { kind: 'unknown' };
  if (result.status === 'gone') return { kind: 'gone', link: result.link };

  const { link, sealed } = result;
  let passcode: string;
  try {
    passcode = ctx.cipher.decrypt(sealed, { employeeId: link.employeeId, tapId: link.tapId });
  } catch (err) {
    // The ciphertext is gone with the consume: only a re-issue helps now.
    log.error({ err, employeeId: link.employeeId, tapId: link.tapId }, 'sealed passcode did not decrypt');
    await ctx.audit
      .append({ at: now.toISOString(), employeeId: link.employeeId, onboardingId: link.onboardingId, actor: 'manager', action: 'reveal.failed', outcome: 'failure', detail: 'the passcode could not be decrypted (was its key removed from PASSCODE_ENCRYPTION_KEYS?)' })
      .catch(() => undefined);
    return { kind: 'undecryptable', link };
  }
  // The link is spent: whatever happens to the bookkeeping below, the manager must see the
  // passcode now, or it is lost. A failure there is logged, not shown.
  await recordReveal(ctx, link, now).catch((err) => log.error({ err, employeeId: link.employeeId }, 'reveal bookkeeping failed'));
  return { kind: 'revealed', link, passcode };
}

async function recordReveal(ctx: ApiContext, link: RevealLink, now: Date): Promise<void> {
  const revealedAt = link.endedAt ?? now.toISOString();
  await ctx.onboardings.update(link.employeeId, (r) => {
    // Only the record's current link: one a re-issue or an HR change has just replaced (the
    // reveal won the race with its revocation) is audited below but does not mark the new
    // generation revealed, whose own link is still unopened.
    if (r.onboardingId !== link.onboardingId || r.generation !== link.generation) return null;
    if (r.reveal?.tokenHash !== link.tokenHash) return null;
    r.reveal = { tokenHash: link.tokenHash, state: 'revealed', revealedAt };
    if (r.status !== 'cancelled') r.status = 'revealed';
    r.updatedAt = now.toISOString();
    return r;
  });
  await ctx.audit.append({
    at: now.toISOString(),
    employeeId: link.employeeId,
    onboardingId: link.onboardingId,
    actor: 'manager',
    action: 'reveal.revealed',
    outcome: 'success',
    detail: `passcode of TAP ${link.tapId} shown on the reveal page`,
  });
}
