import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hireFor, JANE, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { ensureMembership, unprovenMembershipWarning } from './ensure-membership.step';
import { resolveUser } from './resolve-user.step';
import { undoMemberships } from './undo-memberships.step';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

const removes = (h: Harness) => h.sim.control.requests().filter((r) => r.operation === 'groups.members.remove').length;
const auditOf = async (h: Harness, employeeId: string, action: string) => (await h.ports().audit.forEmployee(employeeId)).filter((a) => a.action === action);
const ambiguousFirstAdd = () => h.sim.control.setFaults([{ kind: 'status', status: 504, method: 'POST', pathPattern: '/members/\\$ref$', count: 1 }]);

describe('undo-memberships step (cancellation)', () => {
  it('removes a membership this onboarding added', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ deviceId: undefined }));
    await resolveUser(ports, ref);
    await ensureMembership(ports, ref);
    await undoMemberships(ports, ref);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).not.toContain(JANE.id);
    expect((await ports.store.get(ref.employeeId))!.memberships[0]!.removedAt).toBeTruthy();
  });

  it('a membership that existed before, whose add got no answer before the cancellation, stays, recorded as unproven', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: undefined }));
    await resolveUser(ports, ref);
    const priya = (await ports.store.get(ref.employeeId))!.entra.userId!;
    ambiguousFirstAdd();
    await expect(ensureMembership(ports, ref)).rejects.toMatchObject({ kind: 'transient' });
    // Cancelled before any retry: the intent is still pending.
    await undoMemberships(ports, ref);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(priya);
    expect(removes(h)).toBe(0);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.memberships).toEqual([{ groupId: h.settings.tapPilotGroupId, objectId: priya, addedByUs: false, ownershipUnproven: true }]);
    expect(r.warnings).toEqual([unprovenMembershipWarning(priya, h.settings.tapPilotGroupId)]);
    const kept = await auditOf(h, ref.employeeId, 'membership.kept');
    expect(kept).toHaveLength(1);
    expect(kept[0]!.detail).toContain('may have been a member before this onboarding');
  });

  it('an add in doubt that never took effect leaves nothing to remove: no DELETE, the record settled', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ deviceId: undefined }));
    await resolveUser(ports, ref);
    ambiguousFirstAdd();
    await expect(ensureMembership(ports, ref)).rejects.toMatchObject({ kind: 'transient' });
    await undoMemberships(ports, ref);
    expect(removes(h)).toBe(0);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.memberships).toHaveLength(1);
    expect(r.memberships[0]).toMatchObject({ addedByUs: true, removedAt: expect.any(String) });
    expect(r.memberships[0]!.pending).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(await auditOf(h, ref.employeeId, 'membership.removed')).toMatchObject([{ outcome: 'skipped' }]);
  });

  it('a membership the retry recorded as unproven is left in place, and the audit says why', async () => {
    const ports = h.ports();
    const ref = await seedOnboarding(ports, hireFor({ userPrincipalName: 'priya.patel@contoso.com', deviceId: undefined }));
    await resolveUser(ports, ref);
    const priya = (await ports.store.get(ref.employeeId))!.entra.userId!;
    ambiguousFirstAdd();
    await expect(ensureMembership(ports, ref)).rejects.toMatchObject({ kind: 'transient' });
    await ensureMembership(ports, ref);
    await undoMemberships(ports, ref);
    expect(h.sim.control.groupMembers(h.settings.tapPilotGroupId)).toContain(priya);
    expect(removes(h)).toBe(0);
    const kept = await auditOf(h, ref.employeeId, 'membership.kept');
    expect(kept).toHaveLength(1);
    expect(kept[0]!.detail).toContain('may have been a member before this onboarding');
  });
});
