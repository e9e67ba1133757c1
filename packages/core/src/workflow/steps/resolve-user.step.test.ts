import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock';
import { PermanentError, WaitingError } from '../../errors';
import { decideFailure, SLOW_WAIT_CADENCE_MS } from '../failure-policy';
import { StepError } from '../follow-ups';
import { hireFor, JANE, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { NO_MANAGER_WARNING, NO_P1_WARNING, resolveUser } from './resolve-user.step';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

describe('resolve-user step', () => {
  it('resolves the user and the manager; running twice changes nothing', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await resolveUser(ports, ref);
    const first = await ports.store.get(ref.employeeId);
    await resolveUser(ports, ref);
    const second = await ports.store.get(ref.employeeId);
    expect(second!.rev).toBe(first!.rev);
    expect(first!.steps.user.state).toBe('done');
    expect(first!.entra).toMatchObject({ userId: JANE.id, managerAddress: 'sam.lee@contoso.com', managerName: 'Sam Lee' });
    expect(first!.warnings).toEqual([]);
  });

  it('falls back to the manager in Entra, and warns when there is none', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ managerUserPrincipalName: undefined }));
    await resolveUser(ports, ref);
    expect((await ports.store.get(ref.employeeId))!.entra.managerAddress).toBe('sam.lee@contoso.com');

    const ref2 = await seedOnboarding(ports, hireFor({ userPrincipalName: 'omar.haddad@contoso.com', managerUserPrincipalName: undefined }));
    await resolveUser(ports, ref2);
    const r2 = await ports.store.get(ref2.employeeId);
    expect(r2!.entra.managerAddress).toBeUndefined();
    expect(r2!.warnings).toContain(NO_MANAGER_WARNING);
  });

  it('warns about a missing P1 plan and continues', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'ben.carter@contoso.com' }));
    await resolveUser(ports, ref);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.user.state).toBe('done');
    expect(r!.warnings).toContain(NO_P1_WARNING);
  });

  it('refuses guests permanently', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'guest_fabrikam.com#EXT#@contoso.com' }));
    await expect(resolveUser(ports, ref)).rejects.toBeInstanceOf(PermanentError);
  });

  it('waits on a disabled account, with a warning', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'dana.white@contoso.com' }));
    const err = await resolveUser(ports, ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    expect((err as WaitingError).condition).toBe('account-disabled');
    const r = await ports.store.get(ref.employeeId);
    expect(r!.warnings.some((w) => w.startsWith('account is disabled'))).toBe(true);
  });

  it('waits for a user not provisioned yet, then needs attention after the window, still retried slowly', async () => {
    const clock = new ManualClock('2026-11-28T10:00:00Z');
    const ports = h.ports({ clock });
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'not.yet@contoso.com' }));
    const err = await resolveUser(ports, ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.user).toMatchObject({ state: 'pending', waitingFor: 'user-not-found', waitingSince: '2026-11-28T10:00:00.000Z' });

    const within = await decideFailure(ports, ref, new StepError('user', err), { attemptsMade: 0, attempts: 30 });
    expect(within.kind).toBe('delay');
    expect((await ports.store.get(ref.employeeId))!.status).toBe('in_progress');

    clock.advance(h.settings.userLookupWindowMs + 1);
    const err2 = await resolveUser(ports, ref).catch((e: unknown) => e);
    expect((await ports.store.get(ref.employeeId))!.steps.user).toMatchObject({ waitingSince: '2026-11-28T10:00:00.000Z' });
    const after = await decideFailure(ports, ref, new StepError('user', err2), { attemptsMade: 0, attempts: 30 });
    expect(after).toMatchObject({ kind: 'delay', delayMs: SLOW_WAIT_CADENCE_MS });
    const r2 = await ports.store.get(ref.employeeId);
    expect(r2!.status).toBe('needs_attention');
    expect(r2!.attention?.condition).toBe('user-not-found');

    // The account appears: the next run resolves it and the attention clears.
    h.sim.control.addUser({ userPrincipalName: 'not.yet@contoso.com', displayName: 'Not Yet' });
    await resolveUser(ports, ref);
    const r3 = await ports.store.get(ref.employeeId);
    expect(r3!.steps.user.state).toBe('done');
    expect(r3!.status).toBe('in_progress');
    expect(r3!.attention).toBeNull();
  });
});
