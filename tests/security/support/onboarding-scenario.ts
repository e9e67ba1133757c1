import { Queue } from 'bullmq';
import { QUEUES } from '@hirepass/core';
import type { Stack } from '../../helpers/stack';
import { waitFor } from '../../helpers/wait-for';

/**
 * A day in the life, for the secret-hygiene and audit tests: four hires activated at once,
 * two passcodes revealed by their manager, one re-issued by ops, one cancelled by HR.
 */
export const HIRES = [
  { employeeId: 'E-sec-1', upn: 'hire01@contoso.com', deviceId: '656bc94d-85eb-4f2c-9d5a-4ec11c13f3e2' },
  { employeeId: 'E-sec-2', upn: 'hire02@contoso.com', deviceId: '59437a5c-3729-4156-8f75-e985f9467489' },
  { employeeId: 'E-sec-3', upn: 'hire03@contoso.com', deviceId: 'd9052022-a4f2-4e27-9bce-805fd4fbf50a' },
  { employeeId: 'E-sec-4', upn: 'hire04@contoso.com', deviceId: '5cd4b980-b076-4700-831b-fc80d6d536c4' },
] as const;
export const [REVEALED_1, REVEALED_2, REISSUED, CANCELLED] = HIRES;

export interface ScenarioResult {
  /** Every reveal token mailed, by employee (the re-issued one has two). */
  tokens: Map<string, string[]>;
  /** The reveal POST answers (the one place a passcode may appear), by employee. */
  revealAnswers: Map<string, string>;
}

interface AuditItem {
  action: string;
}

const REVEAL_LINK = /\/reveal\/([A-Za-z0-9_-]{43})/g;

export function tokensIn(content: string): string[] {
  return [...content.matchAll(REVEAL_LINK)].map((m) => m[1]!);
}

async function auditActions(stack: Stack, employeeId: string): Promise<string[]> {
  const res = await stack.ops(`/api/onboardings/${employeeId}/audit`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { items: AuditItem[] }).items.map((e) => e.action);
}

function mailsFor(stack: Stack, upn: string) {
  return stack.sim.control.mails().filter((m) => m.content.includes(upn));
}

/** GET the page as a browser does, then press the button: the answer with the passcode. */
export async function reveal(apiUrl: string, token: string): Promise<Response> {
  const page = await fetch(`${apiUrl}/reveal/${token}`);
  const html = await page.text();
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const nonce = /name="nonce" value="([^"]+)"/.exec(html)![1]!;
  return fetch(`${apiUrl}/reveal/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ nonce }).toString(),
  });
}

export async function runScenario(stack: Stack): Promise<ScenarioResult> {
  const today = new Date().toISOString().slice(0, 10);
  for (const h of HIRES) {
    const res = await stack.postEvent({
      type: 'hire.created',
      timestamp: new Date().toISOString(),
      data: {
        employeeId: h.employeeId,
        userPrincipalName: h.upn,
        startDate: today,
        timeZone: 'UTC',
        activationTime: '00:00', // passed already: the passcode is issued at once
        deviceId: h.deviceId,
        tap: { lifetimeMinutes: 120 },
      },
    });
    if (res.status !== 202) throw new Error(`hire ${h.employeeId} not accepted: ${res.status}`);
  }
  await waitFor('a notice per hire', () => HIRES.every((h) => mailsFor(stack, h.upn).length === 1), 30_000);

  const tokens = new Map<string, string[]>();
  for (const h of HIRES) tokens.set(h.employeeId, tokensIn(mailsFor(stack, h.upn)[0]!.content));

  const revealAnswers = new Map<string, string>();
  for (const h of [REVEALED_1, REVEALED_2]) {
    const res = await reveal(stack.apiUrl, tokens.get(h.employeeId)![0]!);
    if (res.status !== 200) throw new Error(`reveal of ${h.employeeId} answered ${res.status}`);
    revealAnswers.set(h.employeeId, await res.text());
  }

  const reissue = await stack.ops(`/api/onboardings/${REISSUED.employeeId}/reissue`, { method: 'POST' });
  if (reissue.status !== 202) throw new Error(`reissue answered ${reissue.status}`);
  await waitFor('the re-issued notice', () => mailsFor(stack, REISSUED.upn).length === 2, 30_000);
  tokens.get(REISSUED.employeeId)!.push(...tokensIn(mailsFor(stack, REISSUED.upn)[1]!.content));

  const cancel = await stack.postEvent({ type: 'hire.cancelled', timestamp: new Date().toISOString(), data: { employeeId: CANCELLED.employeeId, reason: 'offer withdrawn' } });
  if (cancel.status !== 202) throw new Error(`cancel answered ${cancel.status}`);
  await waitFor('the cancellation to be carried out', async () => (await auditActions(stack, CANCELLED.employeeId)).includes('onboarding.cancel-completed'), 30_000);
  await waitFor('the reissue to be complete', async () => (await auditActions(stack, REISSUED.employeeId)).filter((a) => a === 'notice.sent').length === 2, 30_000);
  await waitForIdleQueues(stack);
  return { tokens, revealAnswers };
}

/** Nothing waiting or running: only the delayed follow-ups (expiry) remain. */
export async function waitForIdleQueues(stack: Stack): Promise<void> {
  const queues = Object.values(QUEUES).map((q) => new Queue(q, { connection: stack.redis, prefix: stack.prefix }));
  try {
    await waitFor('idle queues', async () => {
      for (const q of queues) if ((await q.getJobCountByTypes('waiting', 'active', 'prioritized')) > 0) return false;
      return true;
    });
  } finally {
    for (const q of queues) await q.close();
  }
}
