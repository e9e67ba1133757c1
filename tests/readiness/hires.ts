import { OnboardingStore, type OnboardingRecord } from '@hirepass/core';
import type { Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

/** A hire whose activation instant has passed today, so the TAP step runs at once. */
export function hireNow(employeeId: string, userPrincipalName: string, deviceId?: string) {
  return {
    type: 'hire.created',
    timestamp: new Date().toISOString(),
    data: {
      employeeId,
      userPrincipalName,
      startDate: new Date().toISOString().slice(0, 10),
      timeZone: 'UTC',
      activationTime: '00:00',
      ...(deviceId ? { deviceId } : {}),
      tap: { lifetimeMinutes: 120, isUsableOnce: false },
    },
  };
}

export async function postHire(stack: Stack, employeeId: string, upn: string, deviceId?: string): Promise<void> {
  const res = await stack.postEvent(hireNow(employeeId, upn, deviceId));
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
}

export function recordWhen(stack: Stack, employeeId: string, what: string, ok: (r: OnboardingRecord) => boolean, timeoutMs = 25_000): Promise<OnboardingRecord> {
  const store = new OnboardingStore(stack.redis, stack.prefix);
  return waitFor(`${employeeId}: ${what}`, async () => {
    const r = await store.get(employeeId);
    return r && ok(r) ? r : null;
  }, timeoutMs);
}

export async function json<T = Record<string, unknown>>(res: Promise<Response> | Response): Promise<T> {
  const r = await res;
  if (!r.ok) throw new Error(`${r.url} answered ${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}
