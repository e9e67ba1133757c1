import { randomUUID } from 'node:crypto';
import { Temporal } from '@js-temporal/polyfill';
import { activationInstant, type HireData, type OnboardingRecord } from '@hirepass/core';
import type { ClockedStack } from '../helpers/clocked-stack';
import { waitFor } from '../helpers/wait-for';

/** Helpers shared by the lifecycle tests (not a test file). */

export const SAM = 'sam.lee@contoso.com';

let nextHire = 0;
/** A distinct sample-tenant hire (hire01…hire30: P1, manager sam.lee) per call, so tests never share a user's one TAP. */
export function nextHireUpn(): string {
  nextHire = (nextHire % 30) + 1;
  return `hire${String(nextHire).padStart(2, '0')}@contoso.com`;
}

export function userId(stack: ClockedStack, upn: string): string {
  const u = stack.sim.control.state().users.find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase());
  if (!u) throw new Error(`no user ${upn}`);
  return u.id;
}

export function newDevice(stack: ClockedStack, name: string): { deviceId: string; objectId: string } {
  const d = stack.sim.control.addDevice({ displayName: name });
  return { deviceId: d.deviceId, objectId: d.id };
}

export function addDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

export function hire(overrides: Partial<HireData> & Pick<HireData, 'startDate' | 'timeZone'>): HireData {
  return {
    employeeId: `E-${randomUUID().slice(0, 8)}`,
    userPrincipalName: nextHireUpn(),
    activationTime: '08:00',
    ...overrides,
  };
}

export function instantOf(h: HireData): Date {
  return activationInstant(h.startDate, h.activationTime ?? '08:00', h.timeZone);
}

/** Posts an event signed with the stack's clock and expects it accepted. */
export async function send(stack: ClockedStack, type: 'hire.created' | 'hire.updated' | 'hire.cancelled', data: object, timestamp = stack.clock.now()): Promise<string> {
  const id = `msg_${randomUUID()}`;
  const res = await stack.postEvent({ type, timestamp: timestamp.toISOString(), data }, { id });
  if (res.status !== 202) throw new Error(`event not accepted: ${res.status} ${await res.text()}`);
  return id;
}

export const settled = (r: OnboardingRecord) => r.status === 'notified' || r.status === 'revealed';

/** GET the reveal page, then POST its form with the cookie: what a manager's browser does. */
export async function reveal(apiUrl: string, token: string): Promise<{ status: number; body: string }> {
  const page = await fetch(`${apiUrl}/reveal/${token}`);
  if (page.status !== 200) return { status: page.status, body: await page.text() };
  const html = await page.text();
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const hidden = [...html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)];
  const form = new URLSearchParams(hidden.map((m): [string, string] => [m[1]!, m[2]!]));
  const res = await fetch(`${apiUrl}/reveal/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: form.toString(),
  });
  return { status: res.status, body: unescapeHtml(await res.text()) };
}

/** Passcodes may hold & < > " ': the page shows them escaped. */
function unescapeHtml(html: string): string {
  return html.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e]!);
}

/**
 * The employee's delayed/waiting onboarding jobs once the activate job of `generation` is
 * among them (the record says "scheduled" a moment before the worker adds the job).
 */
export async function jobsOnceActivateQueued(stack: ClockedStack, employeeId: string, generation: number) {
  return waitFor(`activate job of generation ${generation}`, async () => {
    const jobs = await stack.pendingJobs(employeeId);
    return jobs.some((j) => j.name === 'activate' && j.data.generation === generation) ? jobs : null;
  });
}

export function mailsTo(stack: ClockedStack, upn: string) {
  return stack.sim.control.mails().filter((m) => m.content.includes(upn));
}

export function currentTaps(stack: ClockedStack, upn: string) {
  return stack.sim.control.taps(upn).filter((t) => t.current);
}

export async function auditActions(stack: ClockedStack, employeeId: string): Promise<string[]> {
  return (await stack.audit.forEmployee(employeeId)).map((a) => a.action);
}
