import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashRevealToken } from '../../crypto/reveal-token';
import type { OnboardingJob } from '../../jobs/job-catalog';
import type { WorkflowPorts } from '../ports';
import { hireFor, seedOnboarding, startHarness, type Harness } from '../testing/harness';
import { ensureDevice } from './ensure-device.step';
import { ensureMembership } from './ensure-membership.step';
import { issueTap } from './issue-tap.step';
import { NOTICE_UNKNOWN_ATTENTION, notifyManager } from './notify-manager.step';
import { resolveUser } from './resolve-user.step';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => h.sim.control.reset());

async function issued(ports: WorkflowPorts, overrides = {}): Promise<OnboardingJob> {
  const ref = await seedOnboarding(ports, hireFor(overrides));
  await resolveUser(ports, ref);
  await ensureMembership(ports, ref);
  await ensureDevice(ports, ref);
  await issueTap(ports, ref);
  return ref;
}

describe('notify-manager step', () => {
  it('sends one notice with a working link and no passcode, however often it runs', async () => {
    const ports = h.ports();
    const ref = await issued(ports);
    await notifyManager(ports, ref);
    await notifyManager(ports, ref);
    const mails = h.sim.control.mails();
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual(['sam.lee@contoso.com']);
    expect(mail.from.toLowerCase()).toContain(h.settings.noticeSenderUpn.split('@')[0]);
    const token = /http:\/\/localhost:3000\/reveal\/([A-Za-z0-9_-]{43})/.exec(mail.content)?.[1];
    expect(token).toBeTruthy();
    const r = await ports.store.get(ref.employeeId);
    expect(r!.reveal).toEqual({ tokenHash: hashRevealToken(token!), state: 'active' });
    expect(r!.notice).toMatchObject({ state: 'sent', to: 'sam.lee@contoso.com', generation: 1 });
    expect(r!.status).toBe('notified');
    expect(mail.content).not.toContain(h.sim.control.taps()[0]!.passcode);
    expect(mail.content).toContain('globe icon');
    expect(mail.content).toContain('UTC');
    expect(mail.content).toContain('ready for Web Sign-in');
    expect(JSON.stringify(r)).not.toContain(token!);
  });

  it('says when the device cannot use Web Sign-in', async () => {
    const ports = h.ports();
    const ref = await issued(ports, { deviceId: 'bfbdc9c3-effb-44be-9a84-8f370dd820b5' });
    await notifyManager(ports, ref);
    expect(h.sim.control.mails()[0]!.content).toContain('device is hybrid joined (trustType ServerAd)');
  });

  it('does not send again after a crash mid-send: needs attention instead', async () => {
    const ports = h.ports();
    const ref = await issued(ports);
    await ports.store.update(ref.employeeId, (r) => ({ ...r, notice: { state: 'sending', to: 'sam.lee@contoso.com', generation: ref.generation } }));
    await notifyManager(ports, ref);
    await notifyManager(ports, ref);
    expect(h.sim.control.mails()).toHaveLength(0);
    const r = await ports.store.get(ref.employeeId);
    expect(r!.notice.state).toBe('unknown');
    expect(r!.status).toBe('needs_attention');
    expect(r!.attention?.message).toBe(NOTICE_UNKNOWN_ATTENTION);
    expect((await ports.audit.forEmployee(ref.employeeId)).filter((a) => a.action === 'notice.unknown')).toHaveLength(1);
  });

  it('a refused send is tried afresh, with a new link', async () => {
    const ports = h.ports();
    const ref = await issued(ports);
    h.sim.control.setFaults([{ kind: 'status', status: 503, pathPattern: 'sendMail', count: 1 }]);
    await expect(notifyManager(ports, ref)).rejects.toThrow();
    const mid = await ports.store.get(ref.employeeId);
    expect(mid!.notice.state).toBe('pending');
    await notifyManager(ports, ref);
    expect(h.sim.control.mails()).toHaveLength(1);
  });

  it('a 500 after the mail was sent (commit-then-fail) is not resent: flagged, and the link stays usable', async () => {
    const ports = h.ports();
    const ref = await issued(ports);
    h.sim.control.setFaults([{ kind: 'commitThenFail', pathPattern: 'sendMail', count: 1 }]);
    await notifyManager(ports, ref);
    await notifyManager(ports, ref);
    expect(h.sim.control.mails()).toHaveLength(1);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.notice.state).toBe('unknown');
    expect(r.status).toBe('needs_attention');
    expect(r.attention?.condition).toBe('notice-unknown');
    expect(r.steps.notice).toMatchObject({ state: 'pending', lastError: expect.stringContaining('status 500') });
    expect((await ports.links.peek(r.reveal!.tokenHash, new Date()))?.state).toBe('active');
    const token = /\/reveal\/([A-Za-z0-9_-]{43})/.exec(h.sim.control.mails()[0]!.content)![1]!;
    expect(hashRevealToken(token)).toBe(r.reveal!.tokenHash);
  });

  it('a manager missing at resolve time is looked up again when the notice is due', async () => {
    const ports = h.ports();
    const ref = await issued(ports, { userPrincipalName: 'omar.haddad@contoso.com', managerUserPrincipalName: undefined, deviceId: undefined });
    await notifyManager(ports, ref);
    expect((await ports.store.get(ref.employeeId))!.attention?.condition).toBe('no-manager');
    expect(h.sim.control.mails()).toHaveLength(0);
    // Ops fix the HR data's gap by naming a manager in Entra's stead: the record learns it on the next run.
    await ports.store.update(ref.employeeId, (x) => ({ ...x, hire: { ...x.hire, managerUserPrincipalName: 'sam.lee@contoso.com' } }));
    await notifyManager(ports, ref);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.notice).toMatchObject({ state: 'sent', to: 'sam.lee@contoso.com' });
    expect(r.attention).toBeNull();
    expect(r.status).toBe('notified');
  });

  it('a manager HR named but Entra did not know is warned about, and takes over from the Entra manager once the account exists', async () => {
    const ports = h.ports();
    const ref = await issued(ports, { managerUserPrincipalName: 'kim.new@contoso.com' });
    const before = (await ports.store.get(ref.employeeId))!;
    expect(before.entra.managerAddress).toBe('sam.lee@contoso.com');
    expect(before.warnings).toContain(
      'the manager named in the HR event (kim.new@contoso.com) does not exist in Entra; the notice goes to the manager set in Entra (sam.lee@contoso.com)',
    );
    const resolved = (await ports.audit.forEmployee(ref.employeeId)).find((a) => a.action === 'user.resolved');
    expect(resolved?.detail).toContain('(kim.new@contoso.com) does not exist in Entra');

    h.sim.control.addUser({ userPrincipalName: 'kim.new@contoso.com', displayName: 'Kim New', mail: 'kim.new@contoso.com' });
    await notifyManager(ports, ref);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.notice).toMatchObject({ state: 'sent', to: 'kim.new@contoso.com' });
    expect(r.warnings.filter((w) => w.startsWith('the manager named in the HR event'))).toEqual([]);
    expect(h.sim.control.mails().map((m) => m.to)).toEqual([['kim.new@contoso.com']]);
  });

  it('a named manager still missing when the notice is due leaves the Entra manager and the warning in place', async () => {
    const ports = h.ports();
    const ref = await issued(ports, { managerUserPrincipalName: 'nobody.here@contoso.com' });
    await notifyManager(ports, ref);
    const r = (await ports.store.get(ref.employeeId))!;
    expect(r.notice).toMatchObject({ state: 'sent', to: 'sam.lee@contoso.com' });
    expect(r.warnings.some((w) => w.startsWith('the manager named in the HR event (nobody.here@contoso.com)'))).toBe(true);
  });
});
