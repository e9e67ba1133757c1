import { formatInZone, ONBOARDING_STATUSES, STEP_NAMES, type AuditEntry, type OnboardingRecord, type OnboardingStatus } from '@hirepass/core';
import { html } from './html';
import { formatUtc, page } from './layout';

/** Server-rendered ops pages (spec/ops-api.md "Pages"). No script; forms post back to /admin. */

const NEEDS_ATTENTION: ReadonlySet<OnboardingStatus> = new Set(['needs_attention', 'failed']);

export function sortForOps(records: OnboardingRecord[]): OnboardingRecord[] {
  return [...records].sort((a, b) => {
    const rank = (r: OnboardingRecord) => (NEEDS_ATTENTION.has(r.status) ? 0 : 1);
    return rank(a) - rank(b) || Date.parse(a.activationAt) - Date.parse(b.activationAt) || a.employeeId.localeCompare(b.employeeId);
  });
}

function inZone(iso: string | undefined, zone: string) {
  if (!iso) return html`<span class="muted">—</span>`;
  let local = iso;
  try {
    local = formatInZone(new Date(iso), zone);
  } catch {
    // An unknown zone in an old record still shows the UTC time.
  }
  return html`${local}<br><span class="muted">${formatUtc(iso)}</span>`;
}

const topBar = html`<header class="top"><a href="/admin/">Onboardings</a><a href="/admin/queues">Queues</a></header>`;
const statusBadge = (s: string) => html`<span class="status ${s}">${s.replace('_', ' ')}</span>`;

export function onboardingListPage(opts: { records: OnboardingRecord[]; counts: Record<string, number>; status?: OnboardingStatus; truncated: boolean }): string {
  const total = Object.values(opts.counts).reduce((a, b) => a + b, 0);
  const filters = [
    html`<a href="/admin/" class="${opts.status ? '' : 'current'}">all (${total})</a>`,
    ...ONBOARDING_STATUSES.map(
      (s) => html`<a href="/admin/?status=${s}" class="${opts.status === s ? 'current' : ''}">${s.replace('_', ' ')} (${opts.counts[s] ?? 0})</a>`,
    ),
  ];
  const rows = sortForOps(opts.records).map(
    (r) => html`<tr>
<td><a href="/admin/onboardings/${encodeURIComponent(r.employeeId)}">${r.employeeId}</a></td>
<td>${r.entra.displayName ?? ''}<br><code>${r.hire.userPrincipalName}</code></td>
<td>${statusBadge(r.status)}${r.attention ? html`<br><span class="muted">${r.attention.message}</span>` : ''}</td>
<td>${inZone(r.activationAt, r.hire.timeZone)}</td>
<td>${STEP_NAMES.map((n) => html`<span title="${n}: ${r.steps[n].state}">${stepMark(r.steps[n].state)}</span> `)}</td>
</tr>`,
  );
  return page({
    title: 'hirepass · onboardings',
    header: topBar,
    wide: true,
    body: html`<h1>Onboardings</h1>
<nav class="filters">${filters}</nav>
<p class="muted">Needing attention first, then by activation time.${opts.truncated ? ' Showing the newest 500.' : ''}</p>
<table>
<thead><tr><th>Employee</th><th>User</th><th>Status</th><th>Activation</th><th>Steps (user, membership, device, tap, notice)</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="5" class="muted">No onboardings here.</td></tr>`}</tbody>
</table>`,
  });
}

function stepMark(state: string): string {
  return { done: '✔', skipped: '↷', failed: '✖', pending: '…' }[state] ?? state;
}

const FLASH: Record<string, { text: string; tone: string }> = {
  retry: { text: 'Retry requested: the worker will re-run the failed step.', tone: 'ok' },
  reissue: { text: 'Re-issue requested: a new TAP, link and notice will follow.', tone: 'ok' },
  cancelled: { text: 'This onboarding is cancelled; nothing was requested.', tone: 'warn' },
};

export function onboardingDetailPage(r: OnboardingRecord, audit: AuditEntry[], flash: string | undefined): string {
  const zone = r.hire.timeZone;
  const f = flash ? FLASH[flash] : undefined;
  const steps = STEP_NAMES.map((n) => {
    const s = r.steps[n];
    return html`<tr><td>${n}</td><td>${s.state}</td><td>${'reason' in s ? s.reason : ''}${'waitingFor' in s && s.waitingFor ? `waiting for ${s.waitingFor}` : ''}</td><td>${'attempts' in s ? s.attempts : ''}</td><td>${'at' in s ? formatUtc(s.at) : ''}</td></tr>`;
  });
  const timeline = audit.map(
    (e) => html`<tr><td>${formatUtc(e.at)}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td>${e.outcome}</td><td>${e.detail ?? ''}</td><td>${e.graphRequestId ? html`<code>${e.graphRequestId}</code>` : ''}</td></tr>`,
  );
  const actionForm = (action: string, label: string, cls = '') =>
    html`<form class="inline" method="post" action="/admin/onboardings/${encodeURIComponent(r.employeeId)}/${action}"><button type="submit" class="${cls}">${label}</button></form>`;
  return page({
    title: `hirepass · ${r.employeeId}`,
    header: topBar,
    wide: true,
    body: html`${f ? html`<p class="notice ${f.tone}">${f.text}</p>` : ''}
<h1>${r.entra.displayName ?? r.hire.userPrincipalName} <span class="muted">(${r.employeeId})</span> ${statusBadge(r.status)}</h1>
${r.attention ? html`<p class="notice warn">${r.attention.message} <span class="muted">(since ${formatUtc(r.attention.since)})</span></p>` : ''}
${r.warnings.map((w) => html`<p class="notice warn">${w}</p>`)}
<div class="card">
<dl class="facts">
<dt>User</dt><dd><code>${r.hire.userPrincipalName}</code>${r.entra.userId ? html` <span class="muted">object id ${r.entra.userId}</span>` : ''}</dd>
<dt>Manager</dt><dd>${r.entra.managerName ?? r.hire.managerUserPrincipalName ?? html`<span class="muted">from Entra</span>`}${r.entra.managerAddress ? html` <code>${r.entra.managerAddress}</code>` : ''}</dd>
<dt>Start date</dt><dd>${r.hire.startDate} (${zone})</dd>
<dt>Activation</dt><dd>${inZone(r.activationAt, zone)}</dd>
<dt>Device</dt><dd>${r.hire.deviceId ? html`<code>${r.hire.deviceId}</code>` : html`<span class="muted">not known yet</span>`}${r.entra.deviceTrustType ? ` · trust type ${r.entra.deviceTrustType}` : ''}${r.entra.deviceOsVersion ? ` · Windows ${r.entra.deviceOsVersion}` : ''} · step ${r.steps.device.state}</dd>
<dt>TAP</dt><dd>${r.tap ? html`<code>${r.tap.id}</code> · ${r.tap.lifetimeInMinutes} min · ${r.tap.isUsableOnce ? 'one-time' : 'reusable'}<br>from ${inZone(r.tap.startDateTime, zone)}<br>until ${inZone(r.tap.expiresAt, zone)}` : html`<span class="muted">not issued</span>`}</dd>
<dt>Notice</dt><dd>${r.notice.state}${r.notice.sentAt ? ` · sent ${formatUtc(r.notice.sentAt)}` : ''}</dd>
<dt>Reveal link</dt><dd>${r.reveal ? html`${r.reveal.state}${r.reveal.revealedAt ? ` · ${formatUtc(r.reveal.revealedAt)}` : ''}` : html`<span class="muted">none</span>`}</dd>
</dl>
${r.status === 'cancelled' ? '' : html`<p>${actionForm('retry', 'Retry failed step')}${actionForm('reissue', 'Re-issue pass', 'secondary')}</p>`}
</div>
<h2>Steps</h2>
<table><thead><tr><th>Step</th><th>State</th><th>Reason</th><th>Attempts</th><th>At</th></tr></thead><tbody>${steps}</tbody></table>
<h2>Timeline</h2>
<table><thead><tr><th>At</th><th>Actor</th><th>Action</th><th>Outcome</th><th>Detail</th><th>Graph request-id</th></tr></thead>
<tbody>${timeline.length ? timeline : html`<tr><td colspan="6" class="muted">No entries.</td></tr>`}</tbody></table>`,
  });
}
