import { formatInZone } from '../domain/calendar';

/**
 * The manager's notice (spec/workflow.md step 6): who, when the passcode is valid (the hire's
 * local time and UTC), the sign-in steps of the seed walkthrough, the device status and the
 * one-time reveal link. Never the passcode: mail is not a secure channel.
 */
export interface NoticeInput {
  managerName?: string;
  hireName: string;
  userPrincipalName: string;
  timeZone: string;
  validFrom: Date;
  expiresAt: Date;
  isUsableOnce: boolean;
  /**
   * 'ready' when the device joined the Web Sign-in group; otherwise why not. `notInEntra`: HR
   * named a device Entra did not know by the activation instant (a new one may join only during
   * its setup, where the pass works too).
   */
  device: { state: 'ready'; name?: string } | { state: 'unavailable'; reason: string; notInEntra?: boolean };
  revealUrl: string;
}

export interface RenderedNotice {
  subject: string;
  html: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function utc(instant: Date): string {
  return formatInZone(instant, 'UTC');
}

export function renderNoticeMail(n: NoticeInput): RenderedNotice {
  const e = escapeHtml;
  const greeting = n.managerName ? `Hello ${e(n.managerName)},` : 'Hello,';
  const device =
    n.device.state === 'ready'
      ? `<p><strong>Device:</strong> ready for Web Sign-in${n.device.name ? ` (${e(n.device.name)})` : ''}.</p>`
      : n.device.notInEntra
        ? `<p><strong>Device:</strong> Web Sign-in could not be prepared: ${e(n.device.reason)}. ` +
          'If the computer is still to be set up, the passcode can be used where Windows setup asks for the work account. ' +
          'At the lock screen of a computer that is already set up, the globe icon may be missing; ask IT.</p>'
        : `<p><strong>Device:</strong> Web Sign-in is not available: ${e(n.device.reason)}. ` +
          'The passcode cannot be used at the Windows lock screen of this device; it can only be used to ' +
          'register Windows Hello after another sign-in (password, smart card or FIDO2 key).</p>';
  const html = [
    '<!DOCTYPE html><html><body style="font-family:Segoe UI,Arial,sans-serif">',
    `<p>${greeting}</p>`,
    `<p>A Temporary Access Pass has been prepared for <strong>${e(n.hireName)}</strong> (${e(n.userPrincipalName)}) for their first sign-in.</p>`,
    '<p><strong>Valid</strong><br>',
    `from ${e(formatInZone(n.validFrom, n.timeZone))}<br>`,
    `until ${e(formatInZone(n.expiresAt, n.timeZone))}<br>`,
    `(UTC: ${e(utc(n.validFrom))} to ${e(utc(n.expiresAt))})<br>`,
    n.isUsableOnce ? 'It can be used once.' : 'It can be used several times until it expires.',
    '</p>',
    `<p><a href="${e(n.revealUrl)}">Open the passcode page</a> on the first day and press the button to see the passcode. ` +
      'It is shown once; give it to the new colleague in person or by phone, never by mail or chat.</p>',
    '<p><strong>Signing in on the Windows lock screen</strong></p><ol>',
    '<li>Select <em>Sign-in options</em> below the password field.</li>',
    '<li>Select the globe icon (Web Sign-in).</li>',
    '<li>Select <em>Sign in</em>.</li>',
    `<li>Enter ${e(n.userPrincipalName)} and select <em>Next</em>.</li>`,
    '<li>Enter the Temporary Access Pass when asked.</li>',
    '</ol>',
    device,
    '<p>The device needs an internet connection for this sign-in.</p>',
    '<p style="color:#666">Sent by hirepass. This message does not contain the passcode.</p>',
    '</body></html>',
  ].join('\n');
  return { subject: `First-day sign-in for ${n.hireName}`, html };
}
