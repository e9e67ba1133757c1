import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock';
import { PermanentError, WaitingError } from '../../errors';
import type { OnboardingJob } from '../../jobs/job-catalog';
import type { WorkflowPorts } from '../ports';
import { hireFor, JANE, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { ensureMembership } from './ensure-membership.step';
import { issueTap } from './issue-tap.step';
import { resolveUser } from './resolve-user.step';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

async function prepared(ports: WorkflowPorts, overrides = {}): Promise<OnboardingJob> {
  const ref = await seedOnboarding(ports, hireFor(overrides));
  await resolveUser(ports, ref);
  await ensureMembership(ports, ref);
  return ref;
}

const creates = (h: Harness) =>
  h.sim.control.requests().filter((r) => r.method === 'POST' && r.path.includes('temporaryAccessPassMethods')).length;

describe('issue-tap step', () => {
  it('sends no startDateTime for a pass due now (Graph refuses one in the past), and the activation instant for one ahead', async () => {
    // The worker's clock 30 s behind Graph's: a "now" it sent would be in the past on arrival.
    const behind = h.ports({ clock: new ManualClock(Date.now() - 30_000) });
    const due = await prepared(behind);
    await issueTap(behind, due);
    expect((await behind.store.get(due.employeeId))!.steps.tap.state).toBe('done');

    const soon = new Date(Date.now() + 10 * 60_000);
    const ahead = h.ports({ clock: new ManualClock(Date.now()) });
    const later = await prepared(ahead, { userPrincipalName: 'priya.patel@contoso.com', startDate: soon.toISOString().slice(0, 10), activationTime: soon.toISOString().slice(11, 16) });
    await issueTap(ahead, later);
    const r = (await ahead.store.get(later.employeeId))!;
    expect(r.tap!.startDateTime).toBe(r.activationAt);
    expect(h.sim.control.taps('priya.patel@contoso.com').find((t) => t.id === r.tap!.id)?.startDateTime).toBe(r.activationAt);
  });

  it('issues one TAP, sealed, however often it runs', async () => {
    const ports = h.ports();
    const ref = await prepared(ports);
    await issueTap(ports, ref);
    await issueTap(ports, ref);
    expect(creates(h)).toBe(1);
    const taps = h.sim.control.taps(JANE.id);
    expect(taps).toHaveLength(1);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.tap.state).toBe('done');
    expect(r!.tap).toMatchObject({ id: taps[0]!.id, lifetimeInMinutes: 60, isUsableOnce: false, generation: 1 });
    expect(r!.tapCreateInFlight).toBeNull();
    const sealed = await h.redis.get(`${h.prefix}:passcode:${ref.employeeId}:${taps[0]!.id}`);
    expect(ports.cipher.decrypt(sealed!, { employeeId: ref.employeeId, tapId: taps[0]!.id })).toBe(taps[0]!.passcode);
    expect(JSON.stringify(r)).not.toContain(taps[0]!.passcode);
    const audit = await ports.audit.forEmployee(ref.employeeId);
    const issued = audit.filter((a) => a.action === 'tap.issued');
    expect(issued).toHaveLength(1);
    expect(issued[0]!.graphRequestId).toBeTruthy();
    expect(JSON.stringify(audit)).not.toContain(taps[0]!.passcode);
  });

  it('after a crash mid-create, deletes the unknown pass once and issues anew', async () => {
    const ports = h.ports();
    const ref = await prepared(ports);
    // The earlier attempt: bracket set, pass created at Graph, answer lost.
    await ports.store.update(ref.employeeId, (r) => ({ ...r, tapCreateInFlight: { generation: ref.generation, startedAt: new Date().toISOString() } }));
    const lost = await h.graph.createTemporaryAccessPass(JANE.id, { lifetimeInMinutes: 60, isUsableOnce: false });

    await issueTap(ports, ref);
    await issueTap(ports, ref);
    const taps = h.sim.control.taps(JANE.id);
    expect(taps).toHaveLength(2);
    const current = taps.filter((t) => t.current);
    expect(current).toHaveLength(1);
    expect(current[0]!.id).not.toBe(lost.id);
    const audit = await ports.audit.forEmployee(ref.employeeId);
    const replaced = audit.filter((a) => a.action === 'tap.replaced-unknown');
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.detail).toContain(lost.id);
    expect((await ports.store.get(ref.employeeId))!.tap!.id).toBe(current[0]!.id);
  });

  it('deletes a pass it did not issue before creating its own', async () => {
    const ports = h.ports();
    const ref = await prepared(ports);
    const other = await h.graph.createTemporaryAccessPass(JANE.id, { lifetimeInMinutes: 60, isUsableOnce: false });
    await issueTap(ports, ref);
    const audit = await ports.audit.forEmployee(ref.employeeId);
    expect(audit.filter((a) => a.action === 'tap.deleted-previous').map((a) => a.detail)).toEqual([expect.stringContaining(other.id)]);
  });

  it('waits on the policy refusal of replication lag', async () => {
    const ports = h.ports();
    h.sim.control.setReplicationLag(60 * 60_000);
    const ref = await prepared(ports);
    const err = await issueTap(ports, ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    expect((err as WaitingError).condition).toBe('tap-policy-replication');
    const r = await ports.store.get(ref.employeeId);
    expect(r!.steps.tap).toMatchObject({ state: 'pending', waitingFor: 'tap-policy-replication' });
    expect(r!.tapCreateInFlight).toBeNull();
  });

  it('refuses a lifetime outside the policy permanently', async () => {
    const ports = h.ports();
    const ref = await prepared(ports, { tap: { lifetimeMinutes: 900 } });
    await expect(issueTap(ports, ref)).rejects.toBeInstanceOf(PermanentError);
    expect(creates(h)).toBe(0);
  });

  it('a 500 after the create keeps the bracket; the next attempt looks first and replaces the unknown pass once', async () => {
    const ports = h.ports();
    const ref = await prepared(ports);
    h.sim.control.setFaults([{ kind: 'commitThenFail', method: 'POST', pathPattern: 'temporaryAccessPassMethods$', count: 1 }]);
    const err = await issueTap(ports, ref).catch((e: unknown) => e);
    expect((err as { kind?: string }).kind).toBe('transient');
    const mid = (await ports.store.get(ref.employeeId))!;
    expect(mid.tapCreateInFlight).toMatchObject({ generation: ref.generation });
    const unknown = h.sim.control.taps(JANE.id).filter((t) => t.current);
    expect(unknown).toHaveLength(1);

    await issueTap(ports, ref);
    await issueTap(ports, ref);
    const current = h.sim.control.taps(JANE.id).filter((t) => t.current);
    expect(current).toHaveLength(1);
    expect(current[0]!.id).not.toBe(unknown[0]!.id);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.tap!.id).toBe(current[0]!.id);
    const actions = (await ports.audit.forEmployee(ref.employeeId)).map((a) => a.action);
    expect(actions.filter((a) => a === 'tap.create-ambiguous')).toHaveLength(1);
    expect(actions.filter((a) => a === 'tap.replaced-unknown')).toHaveLength(1);
  });

  it('adopts a pass an earlier attempt created and sealed but did not record', async () => {
    const ports = h.ports();
    const ref = await prepared(ports);
    await ports.store.update(ref.employeeId, (r) => ({ ...r, tapCreateInFlight: { generation: ref.generation, startedAt: new Date().toISOString() } }));
    const made = await h.graph.createTemporaryAccessPass(JANE.id, { lifetimeInMinutes: 60, isUsableOnce: false });
    await ports.links.sealPasscode(ref.employeeId, made.id, ports.cipher.encrypt(made.temporaryAccessPass, { employeeId: ref.employeeId, tapId: made.id }), new Date(Date.now() + 3_600_000));
    await issueTap(ports, ref);
    expect(creates(h)).toBe(1); // the earlier attempt's, none since
    expect(h.sim.control.taps(JANE.id).filter((t) => t.current).map((t) => t.id)).toEqual([made.id]);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.tap).toMatchObject({ id: made.id, generation: ref.generation });
    expect(r.tapCreateInFlight).toBeNull();
    expect((await ports.audit.forEmployee(ref.employeeId)).map((a) => a.action)).toContain('tap.adopted');
  });

  it('a 404 for the user just resolved is replication lag: waited on', async () => {
    const ports = h.ports();
    const ref = await prepared(ports);
    h.sim.control.setFaults([{ kind: 'status', status: 404, method: 'POST', pathPattern: 'temporaryAccessPassMethods$', count: 1 }]);
    const err = await issueTap(ports, ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    expect((err as WaitingError).condition).toBe('object-replication');
    expect((await ports.store.get(ref.employeeId))!.tapCreateInFlight).toBeNull();
    await issueTap(ports, ref);
    expect(h.sim.control.taps(JANE.id).filter((t) => t.current)).toHaveLength(1);
  });
});
