import { STEP_NAMES, type AuditEntry, type IssuanceBanner, type OnboardingRecord } from '@hirepass/core';
import { html, type SafeHtml } from './html';
import { ATTENTION_STATUSES, issuanceBannersHtml, opsHeader, statusBadge, stepChip } from './admin.views';
import { formatUtc, inZone, page, relative } from './layout';

/**
 * One onboarding for ops (spec/ops-api.md "Pages"): facts, steps, the audit timeline with
 * Graph request-ids, and the two actions. An action is a link to a confirmation page whose
 * form posts (the CSP allows no script, so no confirm() dialog); the post redirects back here
 * with the outcome shown.
 */

export type AdminAction = 'retry' | 'reissue';

const FLASH: Record<string, { text: string; tone: string }> = {
  retry: { text: 'Retry requested. The worker re-runs the step that failed or waits, from where it stopped; the timeline below shows the outcome within seconds (reload).', tone: 'ok' },
  reissue: { text: 'Re-issue requested. The current pass is replaced by a new one and the manager gets a new notice with a new link; the timeline below shows each step (reload).', tone: 'ok' },
  cancelled: { text: 'This onboarding is cancelled; nothing was requested.', tone: 'warn' },
};

const ACTIONS: Record<AdminAction, { button: string; question: (who: string) => string; explain: SafeHtml }> = {
  retry: {
    button: 'Retry failed step',
    question: (who) => `Retry the failed or waiting step for ${who}?`,
    explain: html`<p>The worker runs the onboarding again from where it stopped. Steps that are done are not repeated, and a pass that was already issued is kept.</p>`,
  },
  reissue: {
    button: 'Re-issue pass',
    question: (who) => `Re-issue the passcode for ${who}?`,
    explain: html`<p>This replaces the current pass and sends a new link. The current Temporary Access Pass is deleted in Entra, its link stops working, and the manager receives a new notice with a new link.</p>
<p class="muted">Use it when the manager lost the message, the pass expired unused, or a notice may not have been sent.</p>`,
  },
};

const who = (r: OnboardingRecord) => `${r.entra.displayName ?? r.hire.userPrincipalName} (${r.employeeId})`;
const base = (r: OnboardingRecord) => `/admin/onboardings/${encodeURIComponent(r.employeeId)}`;

function stepDetail(s: OnboardingRecord['steps'][keyof OnboardingRecord['steps']]): SafeHtml {
  if ('reason' in s) return html`${s.reason}`;
  if (s.state === 'pending' && s.waitingFor) return html`waiting for <code>${s.waitingFor}</code>${s.waitingSince ? html` since ${formatUtc(s.waitingSince)}` : ''}`;
  if (s.state === 'pending' && s.lastError) return html`<span class="muted">last error:</span> ${s.lastError}`;
  if (s.state === 'done' && s.detail) return html`${s.detail}`;
  return html``;
}

function device(r: OnboardingRecord): SafeHtml {
  if (!r.hire.deviceId) return html`<span class="muted">not known yet (the HR event named no device)</span>`;
  const facts = [r.entra.deviceTrustType ? `trust type ${r.entra.deviceTrustType}` : '', r.entra.deviceOsVersion ? `Windows ${r.entra.deviceOsVersion}` : ''].filter(Boolean).join(' · ');
  const s = r.steps.device;
  const verdict =
    s.state === 'done' ? html`<span class="ok-text">ready for Web Sign-in</span>` : s.state === 'skipped' ? html`<span class="warn-text">no Web Sign-in:</span> ${s.reason}` : s.state === 'failed' ? html`<span class="bad-text">failed:</span> ${s.reason}` : html`<span class="muted">not checked yet</span>`;
  return html`<code>${r.hire.deviceId}</code>${facts ? html` <span class="muted">${facts}</span>` : ''}<br>${verdict}`;
}

export function onboardingDetailPage(
  r: OnboardingRecord,
  audit: AuditEntry[],
  flash: string | undefined,
  now: Date,
  banners: readonly IssuanceBanner[] = [],
): string {
  const zone = r.hire.timeZone;
  const f = flash ? FLASH[flash] : undefined;
  const steps = STEP_NAMES.map((n) => {
    const s = r.steps[n];
    const when = [('at' in s ? formatUtc(s.at) : ''), ('attempts' in s && s.attempts ? `${s.attempts} tries` : '')].filter(Boolean).join(' · ');
    return html`<li>${stepChip(n, s)}<div>${stepDetail(s)}${when ? html`<div class="muted small">${when}</div>` : ''}</div></li>`;
  });
  const timeline = audit.map(
    (e) => html`<tr class="${e.outcome}"><td class="nowrap">${formatUtc(e.at)}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td><span class="outcome ${e.outcome}">${e.outcome}</span></td><td>${e.detail ?? ''}</td><td>${e.graphRequestId ? html`<code class="small">${e.graphRequestId}</code>` : ''}</td></tr>`,
  );
  const needsPerson = ATTENTION_STATUSES.includes(r.status);
  const actionLink = (a: AdminAction, cls: string) => html`<a class="button ${cls}" href="${base(r)}/${a}">${ACTIONS[a].button}…</a>`;
  const actions =
    r.status === 'cancelled'
      ? html`<p class="muted">Cancelled ${r.cancelledAt ? formatUtc(r.cancelledAt) : ''}: no actions.</p>`
      : html`<div class="actions">${actionLink('retry', needsPerson ? '' : 'secondary')}${actionLink('reissue', 'secondary')}</div>
<p class="muted small">Each asks for confirmation first. Retry re-runs what failed or waits; re-issue replaces the pass and sends a new link.</p>`;
  return page({
    title: `hirepass · ${r.employeeId}`,
    header: opsHeader('onboardings'),
    wide: true,
    body: html`${issuanceBannersHtml(banners)}<p class="crumbs"><a href="/admin/">Onboardings</a> › ${r.employeeId}</p>
${f ? html`<p class="notice ${f.tone}" role="status">${f.text}</p>` : ''}
<div class="page-head"><h1>${r.entra.displayName ?? r.hire.userPrincipalName} ${statusBadge(r.status)}</h1>
<p class="muted"><code>${r.hire.userPrincipalName}</code> · employee ${r.employeeId} · updated ${relative(r.updatedAt, now)}</p></div>
${r.attention ? html`<p class="notice bad"><strong>Needs attention:</strong> ${r.attention.message} <span class="muted">(since ${formatUtc(r.attention.since)})</span></p>` : ''}
${r.warnings.map((w) => html`<p class="notice warn"><strong>Warning:</strong> ${w}</p>`)}
<div class="grid">
<section class="card">
<h2>Facts</h2>
<dl class="facts">
<dt>Activation</dt><dd>${inZone(r.activationAt, zone)} <span class="muted">· ${relative(r.activationAt, now)}</span></dd>
<dt>Start date</dt><dd>${r.hire.startDate} <span class="muted">in ${zone}</span></dd>
<dt>User</dt><dd>${r.entra.userId ? html`<span class="muted">object id</span> <code class="small">${r.entra.userId}</code>` : html`<span class="muted">not resolved yet</span>`}</dd>
<dt>Manager</dt><dd>${r.entra.managerName ?? r.hire.managerUserPrincipalName ?? html`<span class="muted">from Entra</span>`}${r.entra.managerAddress ? html`<br><code class="small">${r.entra.managerAddress}</code>` : ''}</dd>
<dt>Device</dt><dd>${device(r)}</dd>
<dt>TAP</dt><dd>${r.tap ? html`<code class="small">${r.tap.id}</code> · ${r.tap.lifetimeInMinutes} min · ${r.tap.isUsableOnce ? 'one-time' : 'reusable'}<br><span class="muted">valid from</span> ${inZone(r.tap.startDateTime, zone)}<br><span class="muted">until</span> ${inZone(r.tap.expiresAt, zone)}` : html`<span class="muted">not issued yet</span>`}</dd>
<dt>Notice</dt><dd>${r.notice.state}${r.notice.sentAt ? html` <span class="muted">· ${formatUtc(r.notice.sentAt)}</span>` : ''}</dd>
<dt>Reveal link</dt><dd>${r.reveal ? html`${r.reveal.state}${r.reveal.revealedAt ? html` <span class="muted">· ${formatUtc(r.reveal.revealedAt)}</span>` : ''}` : html`<span class="muted">none</span>`}</dd>
</dl>
</section>
<section class="card">
<h2>Actions</h2>
${actions}
<h2>Steps</h2>
<ul class="step-list">${steps}</ul>
<p class="muted small">JSON: <a href="/api/onboardings/${encodeURIComponent(r.employeeId)}">onboarding</a> · <a href="/api/onboardings/${encodeURIComponent(r.employeeId)}/audit">audit</a></p>
</section>
</div>
<h2>Timeline <span class="muted small">(audit trail, oldest first)</span></h2>
<table class="timeline"><thead><tr><th>At</th><th>Actor</th><th>Action</th><th>Outcome</th><th>Detail</th><th>Graph request-id</th></tr></thead>
<tbody>${timeline.length ? timeline : html`<tr><td colspan="6" class="muted">No entries.</td></tr>`}</tbody></table>`,
  });
}

export function confirmActionPage(r: OnboardingRecord, action: AdminAction): string {
  const a = ACTIONS[action];
  return page({
    title: `hirepass · ${a.button} · ${r.employeeId}`,
    header: opsHeader('onboardings'),
    body: html`<p class="crumbs"><a href="/admin/">Onboardings</a> › <a href="${base(r)}">${r.employeeId}</a> › ${a.button.toLowerCase()}</p>
<div class="card confirm">
<h1>${a.question(who(r))}</h1>
${a.explain}
<dl class="facts">
<dt>Status</dt><dd>${statusBadge(r.status)}</dd>
<dt>Steps</dt><dd class="chips">${STEP_NAMES.map((n) => stepChip(n, r.steps[n]))}</dd>
${r.tap ? html`<dt>Current pass</dt><dd><code class="small">${r.tap.id}</code> <span class="muted">until ${formatUtc(r.tap.expiresAt)}</span></dd>` : ''}
</dl>
<form method="post" action="${base(r)}/${action}" class="actions">
<button type="submit">${action === 'retry' ? 'Yes, retry' : 'Yes, re-issue'}</button>
<a class="button secondary" href="${base(r)}">Cancel</a>
</form>
</div>`,
  });
}
