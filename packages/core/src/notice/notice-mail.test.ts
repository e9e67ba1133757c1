import { describe, expect, it } from 'vitest';
import { escapeHtml, renderNoticeMail } from './notice-mail';

const base = {
  managerName: 'Sam <b>Lee</b>',
  hireName: 'Jane "J" Doe & co',
  userPrincipalName: 'jane.doe@contoso.com',
  timeZone: 'America/New_York',
  validFrom: new Date('2026-12-01T13:00:00Z'),
  expiresAt: new Date('2026-12-01T21:00:00Z'),
  isUsableOnce: false,
  device: { state: 'ready' as const },
  revealUrl: 'http://localhost:3000/reveal/abc',
};

describe('notice mail', () => {
  it('escapes everything it interpolates', () => {
    const { html } = renderNoticeMail(base);
    expect(html).toContain('Sam &lt;b&gt;Lee&lt;/b&gt;');
    expect(html).toContain('Jane &quot;J&quot; Doe &amp; co');
    expect(html).not.toContain('<b>Lee</b>');
    expect(escapeHtml(`<'">&`)).toBe('&lt;&#39;&quot;&gt;&amp;');
  });

  it('gives the validity in the hire\'s local time and in UTC, the sign-in steps and the link', () => {
    const { html, subject } = renderNoticeMail(base);
    expect(subject).toBe('First-day sign-in for Jane "J" Doe & co');
    expect(html).toContain('Tue 1 Dec 2026, 08:00 (America/New_York');
    expect(html).toContain('Tue 1 Dec 2026, 13:00 (UTC');
    for (const s of ['Sign-in options', 'globe icon', 'Sign in', 'jane.doe@contoso.com', 'Temporary Access Pass']) expect(html).toContain(s);
    expect(html).toContain('href="http://localhost:3000/reveal/abc"');
  });

  it('explains a device without Web Sign-in', () => {
    const { html } = renderNoticeMail({ ...base, device: { state: 'unavailable', reason: 'device is hybrid joined (trustType ServerAd)' } });
    expect(html).toContain('device is hybrid joined (trustType ServerAd)');
    expect(html).toContain('register Windows Hello');
  });

  it('does not tell the manager the pass is useless on a device Entra did not know yet: it may join during its setup', () => {
    const { html } = renderNoticeMail({ ...base, device: { state: 'unavailable', reason: 'device X was not registered in Entra by the activation instant', notInEntra: true } });
    expect(html).toContain('Web Sign-in could not be prepared: device X was not registered in Entra by the activation instant');
    expect(html).toContain('where Windows setup asks for the work account');
    expect(html).not.toContain('cannot be used at the Windows lock screen');
  });
});
