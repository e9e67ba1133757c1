import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/stack';
import { waitFor } from './helpers/wait-for';
import { dumpRedis } from './helpers/redis-dump';
import { unescapeHtml } from './helpers/html';

/**
 * Issue 3's walk: a signed webhook → the real API → Redis → the real worker → the simulated
 * tenant over HTTPS (real Graph client, real client-credentials token) → the manager's mail →
 * the reveal page. The passcode read from the reveal POST must be the one the simulator
 * issued, and must appear nowhere else: not in the mail, the GET page, the logs or Redis.
 */
describe('the walking product', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('takes a hire from webhook to a revealed passcode, and keeps the passcode secret', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const employeeId = 'E-10042';
    const event = {
      type: 'hire.created',
      timestamp: new Date().toISOString(),
      data: {
        employeeId,
        userPrincipalName: 'jane.doe@contoso.com',
        startDate: today,
        timeZone: 'UTC',
        activationTime: '00:00', // already passed today: the passcode step runs at once
        deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44',
        tap: { lifetimeMinutes: 120, isUsableOnce: false },
      },
    };
    const accepted = await stack.postEvent(event, { id: 'evt-walk-1' });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ eventId: 'evt-walk-1', employeeId, status: 'accepted' });
    const again = await stack.postEvent(event, { id: 'evt-walk-1' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ eventId: 'evt-walk-1', employeeId, status: 'duplicate' });

    // The manager's notice arrives (captured by the simulator instead of delivered).
    const mail = await waitFor('the manager notice', () => stack.sim.control.mails()[0]);
    expect(mail.to).toEqual(['sam.lee@contoso.com']);
    expect(mail.from.toLowerCase()).toBe(stack.sim.noticeSenderUpn.toLowerCase());
    const link = /https?:\/\/[^\s"'<>]+\/reveal\/([A-Za-z0-9_-]{43})/.exec(mail.content);
    expect(link, 'the notice carries a reveal link').not.toBeNull();
    const token = link![1]!;

    // Graph really did the work: group memberships and exactly one current TAP.
    const user = stack.sim.control.state().users.find((u) => u.userPrincipalName === 'jane.doe@contoso.com');
    expect(stack.sim.control.groupMembers(stack.sim.tapPilotGroupId)).toContain(user!.id);
    const taps = stack.sim.control.taps().filter((t) => t.userPrincipalName === 'jane.doe@contoso.com');
    expect(taps).toHaveLength(1);
    const issued = taps[0]!;
    expect(issued.current).toBe(true);
    expect(issued.lifetimeInMinutes).toBe(120);

    const onboarding = await waitFor('status notified', async () => {
      const res = await stack.ops(`/api/onboardings/${employeeId}`);
      const body = (await res.json()) as { status: string };
      return body.status === 'notified' ? body : null;
    });
    expect(onboarding).toMatchObject({
      employeeId,
      userPrincipalName: 'jane.doe@contoso.com',
      timeZone: 'UTC',
      steps: { user: { state: 'done' }, membership: { state: 'done' }, device: { state: 'done' }, tap: { state: 'done' }, notice: { state: 'done' } },
      tap: { id: issued.id, lifetimeInMinutes: 120, isUsableOnce: false },
      warnings: [],
    });

    // GET shows who and a button, reveals nothing; it can be opened again (mail scanners do).
    const page = await fetch(`${stack.apiUrl}/reveal/${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('jane.doe@contoso.com');
    expect(unescapeHtml(html)).not.toContain(issued.passcode);
    expect((await fetch(`${stack.apiUrl}/reveal/${token}`)).status).toBe(200);

    // POST with the form's nonce and its cookie reveals the passcode once.
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const hidden = [...html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)];
    const form = new URLSearchParams(hidden.map((m): [string, string] => [m[1]!, m[2]!]));
    const post = () =>
      fetch(`${stack.apiUrl}/reveal/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: form.toString(),
      });
    const revealed = await post();
    expect(revealed.status).toBe(200);
    const shown = /<output class="passcode"[^>]*>([^<]*)<\/output>/.exec(await revealed.text());
    expect(shown, 'the passcode is shown in its own element').not.toBeNull();
    expect(unescapeHtml(shown![1]!)).toBe(issued.passcode);
    const second = await post();
    expect(second.status).toBe(410);
    expect(unescapeHtml(await second.text())).not.toContain(issued.passcode);

    const after = (await (await stack.ops(`/api/onboardings/${employeeId}`)).json()) as { status: string };
    expect(after.status).toBe('revealed');

    // The passcode appears nowhere else.
    expect(unescapeHtml(mail.content)).not.toContain(issued.passcode);
    expect(mail.subject).not.toContain(issued.passcode);
    expect(stack.logs.lines.length).toBeGreaterThan(10);
    expect(stack.logs.text()).not.toContain(issued.passcode);
    expect(stack.logs.text()).not.toContain(token);
    const dump = await dumpRedis(stack.redis, stack.prefix);
    expect(dump.length).toBeGreaterThan(100);
    expect(dump).not.toContain(issued.passcode);
    expect(dump).not.toContain(token);
  });
});
