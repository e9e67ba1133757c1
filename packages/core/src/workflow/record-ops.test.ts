import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaleJobError, updateCurrent } from './record-ops';
import { hireFor, seedOnboarding, startHarness, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const actionsOf = async (ports: ReturnType<Harness['ports']>, employeeId: string) => (await ports.audit.forEmployee(employeeId)).map((a) => a.action);

describe('updateCurrent with an audit entry', () => {
  it('writes the entry with the change, filled in with who, when and which onboarding', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    await updateCurrent(ports, ref, (x) => void x.warnings.push('w'), { audit: { action: 'test.changed', outcome: 'success', detail: 'd', graphRequestId: 'req-1' } });
    const entries = await ports.audit.forEmployee(ref.employeeId);
    expect(entries.map((a) => a.action)).toEqual(['onboarding.created', 'test.changed']);
    expect(entries[1]).toMatchObject({ employeeId: ref.employeeId, onboardingId: ref.onboardingId, actor: 'worker', outcome: 'success', detail: 'd', graphRequestId: 'req-1' });
    // Unchanged (mutate says false): no entry.
    await updateCurrent(ports, ref, () => false, { audit: { action: 'test.unchanged', outcome: 'info' } });
    expect(await actionsOf(ports, ref.employeeId)).toEqual(['onboarding.created', 'test.changed']);
  });

  it('a stale job writes nothing, except the entry of a tenant action when asked to (auditIfStale)', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor());
    const stale = { ...ref, generation: ref.generation + 1 };
    const mutate = (x: { warnings: string[] }) => void x.warnings.push('stale');
    await expect(updateCurrent(ports, stale, mutate, { audit: { action: 'test.record-only', outcome: 'success' } })).rejects.toBeInstanceOf(StaleJobError);
    await expect(updateCurrent(ports, stale, mutate, { audit: { action: 'membership.added', outcome: 'success' }, auditIfStale: true })).rejects.toBeInstanceOf(StaleJobError);
    expect(await actionsOf(ports, ref.employeeId)).toEqual(['onboarding.created', 'membership.added']);
    expect((await ports.store.get(ref.employeeId))!.warnings).toEqual([]);
  });
});
