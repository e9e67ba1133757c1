import { formatInZone, type RevealLink } from '@hirepass/core';
import { html } from './html';
import { formatUtc, page } from './layout';

/**
 * The manager's pages (spec/workflow.md "The reveal page"). Calm, plain words; the sign-in
 * steps are the seed walkthrough's "Step 4". Only the POST answer ever holds the passcode.
 */

type LinkFacts = Pick<RevealLink, 'displayName' | 'userPrincipalName' | 'timeZone' | 'validFrom' | 'expiresAt'>;

function when(iso: string, zone: string) {
  let local: string;
  try {
    local = formatInZone(new Date(iso), zone);
  } catch {
    local = formatUtc(iso);
  }
  return html`${local}<br><span class="muted">${formatUtc(iso)}</span>`;
}

function who(link: LinkFacts) {
  return link.displayName ? html`${link.displayName} (<code>${link.userPrincipalName}</code>)` : html`<code>${link.userPrincipalName}</code>`;
}

function signInSteps(upn: string) {
  return html`<h2>How to sign in on the first day</h2>
<p>On the new Windows computer, at the lock screen:</p>
<ol class="steps">
<li>Select <strong>Sign-in options</strong> below the password field.</li>
<li>Select the <strong>globe icon</strong> (Web Sign-in).</li>
<li>Select <strong>Sign in</strong>.</li>
<li>Enter <code>${upn}</code> and select <strong>Next</strong>.</li>
<li>When asked, enter the passcode (Temporary Access Pass).</li>
</ol>
<p class="muted">The computer needs an internet connection for this sign-in.</p>`;
}

const REISSUE_HINT = html`<p>If the passcode is still needed, ask your IT or operations team to <strong>re-issue</strong> it: you will receive a new message with a new link.</p>`;

export function revealLandingPage(link: LinkFacts, nonce: string): string {
  return page({
    title: 'First-day passcode',
    body: html`<div class="card">
<h1>First-day passcode for ${link.displayName || link.userPrincipalName}</h1>
<dl class="facts">
<dt>For</dt><dd>${who(link)}</dd>
<dt>Valid from</dt><dd>${when(link.validFrom, link.timeZone)}</dd>
<dt>Valid until</dt><dd>${when(link.expiresAt, link.timeZone)}</dd>
</dl>
<p class="notice">The passcode is shown <strong>only once</strong>. Open it when you are with the new colleague or about to call them, then give it to them in person or by phone. Please do not forward it by email or chat.</p>
<form method="post">
<input type="hidden" name="nonce" value="${nonce}">
<p><button type="submit">Show the passcode</button></p>
</form>
</div>
<div class="card">${signInSteps(link.userPrincipalName)}</div>`,
  });
}

export function passcodePage(link: LinkFacts, passcode: string): string {
  return page({
    title: 'First-day passcode',
    body: html`<div class="card">
<h1>Passcode for ${link.displayName || link.userPrincipalName}</h1>
<p>Give this passcode to ${who(link)} in person or by phone.</p>
<output class="passcode" aria-label="Temporary Access Pass">${passcode}</output>
<p class="notice warn">This page will not show the passcode again. Keep it until the sign-in works, then discard it.</p>
<dl class="facts">
<dt>Valid from</dt><dd>${when(link.validFrom, link.timeZone)}</dd>
<dt>Valid until</dt><dd>${when(link.expiresAt, link.timeZone)}</dd>
</dl>
</div>
<div class="card">${signInSteps(link.userPrincipalName)}</div>`,
  });
}

export function goneReason(link: RevealLink): 'revealed' | 'expired' | 'revoked' {
  return link.state === 'active' ? 'expired' : link.state;
}

export function linkGonePage(link: RevealLink): string {
  const reason = goneReason(link);
  const at = link.endedAt ?? link.expiresAt;
  const text = {
    revealed: html`<h1>This passcode has already been shown</h1>
<p>The passcode for ${who(link)} was revealed on:</p><p>${when(at, link.timeZone)}</p>
<p>It can be shown only once. If that was not you, please tell your IT or operations team right away.</p>`,
    expired: html`<h1>This link has expired</h1>
<p>The passcode for ${who(link)} expired on:</p><p>${when(at, link.timeZone)}</p>${REISSUE_HINT}`,
    revoked: html`<h1>This link is no longer valid</h1>
<p>The passcode for ${who(link)} was withdrawn on:</p><p>${when(at, link.timeZone)}</p>
<p>This happens when the start date changes, the hire is cancelled, or a new passcode is issued. If a new one was issued, you will receive a new message with its own link.</p>${REISSUE_HINT}`,
  }[reason];
  return page({ title: 'Passcode link', body: html`<div class="card">${text}</div>` });
}

export function unknownLinkPage(): string {
  return page({
    title: 'Link not found',
    body: html`<div class="card"><h1>We could not find this link</h1>
<p>Please check that the whole address from the message was opened (some mail programs break long links).</p>
${REISSUE_HINT}</div>`,
  });
}

export function nonceMismatchPage(): string {
  return page({
    title: 'Please try again',
    body: html`<div class="card"><h1>Please open the link again</h1>
<p>For your protection the passcode is only shown from the page the link opens. Nothing was revealed, and the link still works.</p>
<p>Open the link from the message again (or reload that page) and press <strong>Show the passcode</strong>.</p></div>`,
  });
}

export function revealErrorPage(): string {
  return page({
    title: 'Something went wrong',
    body: html`<div class="card"><h1>Something went wrong</h1>
<p>The passcode could not be shown right now. Please try again in a few minutes.</p>
${REISSUE_HINT}</div>`,
  });
}

export function tooManyAttemptsPage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return page({
    title: 'Please wait',
    body: html`<div class="card"><h1>Too many attempts</h1>
<p>This link, or this network address, has been used too often in a short time, so it is paused for about ${String(minutes)} minute(s). Nothing was revealed.</p>
<p>Open the link from the message again after that and press <strong>Show the passcode</strong> once.</p>
${REISSUE_HINT}</div>`,
  });
}
