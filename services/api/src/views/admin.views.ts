import { STEP_NAMES, type IssuanceBanner, type OnboardingRecord, type OnboardingStatus, type StepRecord } from '@hirepass/core';
import { html, type SafeHtml } from './html';
import { inZone, page, relative } from './layout';

/** Server-rendered ops pages (spec/ops-api.md "Pages"): the list, and what every ops page shares. No script. */

export const ATTENTION_STATUSES: readonly OnboardingStatus[] = ['needs_attention', 'failed'];
/** The filter tabs, in the order ops read them: what wants a person first, then the normal flow. */
const FILTER_ORDER: readonly OnboardingStatus[] = ['needs_attention', 'failed', 'in_progress', 'scheduled', 'notified', 'revealed', 'cancelled'];

export function sortForOps(records: OnboardingRecord[]): OnboardingRecord[] {
  const rank = (r: OnboardingRecord) => (ATTENTION_STATUSES.includes(r.status) ? 0 : 1);
  return [...records].sort(
    (a, b) => rank(a) - rank(b) || Date.parse(a.activationAt) - Date.parse(b.activationAt) || a.employeeId.localeCompare(b.employeeId),
  );
}

export type AdminSection = 'onboardings' | 'queues';

export function opsHeader(current: AdminSection): SafeHtml {
  const link = (href: string, label: string, section?: AdminSection) =>
    html`<a href="${href}"${section === current ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<header class="top"><span class="brand-name"><span class="logo" aria-hidden="true">◆</span> hirepass <span class="tag">ops</span></span>
<nav>${link('/admin/', 'Onboardings', 'onboardings')}${link('/admin/queues', 'Queues', 'queues')}${link('/docs', 'API docs')}${link('/metrics', 'Metrics')}</nav></header>`;
}

export const statusLabel = (s: string) => s.replace(/_/g, ' ');
export const statusBadge = (s: string) => html`<span class="status ${s}">${statusLabel(s)}</span>`;

const STEP_MARK: Record<StepRecord['state'], string> = { done: '✓', skipped: '↷', failed: '✕', pending: '•' };

/** One step as a small chip: its name, coloured by state; the title says why. */
export function stepChip(name: string, s: StepRecord): SafeHtml {
  const waiting = s.state === 'pending' && s.waitingFor ? 'waiting' : '';
  const why = 'reason' in s ? `: ${s.reason}` : waiting ? `: waiting for ${s.state === 'pending' ? s.waitingFor : ''}` : '';
  return html`<span class="chip ${s.state} ${waiting}" title="${name}: ${s.state}${why}">${STEP_MARK[s.state]} ${name}</span>`;
}

/** Tenant-wide holds on TAP issuance (brake, pause, tenant not ready, dry run), most severe first. */
export function issuanceBannersHtml(banners: readonly IssuanceBanner[]): SafeHtml | string {
  if (banners.length === 0) return '';
  const tone = { error: 'bad', warning: 'warn', info: '' } as const;
  return html`${banners.map((b) => html`<p class="notice ${tone[b.level]}" role="status"><strong>${b.title}.</strong> ${b.text}</p>`)}`;
}

function listHref(status: OnboardingStatus | undefined, cursor?: string): string {
  const q = new URLSearchParams();
  if (status) q.set('status', status);
  if (cursor) q.set('cursor', cursor);
  const s = q.toString();
  return s ? `/admin/?${s}` : '/admin/';
}

export function onboardingListPage(opts: {
  banners?: readonly IssuanceBanner[];
  records: OnboardingRecord[];
  counts: Record<string, number>;
  status?: OnboardingStatus;
  /** How many a page holds; `nextCursor` opens the next, older one. */
  pageSize: number;
  /** This page is not the newest. */
  older?: boolean;
  nextCursor: string | null;
  now: Date;
}): string {
  const { counts, status, now } = opts;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const tab = (href: string, label: string, n: number, selected: boolean, tone = '') =>
    html`<a href="${href}" class="${[selected ? 'current' : '', tone, n === 0 ? 'empty' : ''].join(' ').trim()}"${selected ? html` aria-current="page"` : ''}>${label} (${n})</a>`;
  const filters = [
    tab('/admin/', 'all', total, !status),
    ...FILTER_ORDER.map((s) => tab(`/admin/?status=${s}`, statusLabel(s), counts[s] ?? 0, status === s, ATTENTION_STATUSES.includes(s) && (counts[s] ?? 0) > 0 ? 'alert' : '')),
  ];
  const attention = ATTENTION_STATUSES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const rows = sortForOps(opts.records).map(
    (r) => html`<tr class="${ATTENTION_STATUSES.includes(r.status) ? 'attention' : ''}">
<td><a class="id" href="/admin/onboardings/${encodeURIComponent(r.employeeId)}">${r.employeeId}</a></td>
<td>${r.entra.displayName ?? html`<span class="muted">not resolved yet</span>`}<br><code class="small">${r.hire.userPrincipalName}</code></td>
<td>${statusBadge(r.status)}${r.attention ? html`<div class="why">${r.attention.message}</div>` : ''}${r.warnings.length ? html`<div class="muted small">${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''}</div>` : ''}</td>
<td>${inZone(r.activationAt, r.hire.timeZone)}<div class="muted small">${relative(r.activationAt, now)}</div></td>
<td class="chips">${STEP_NAMES.map((n) => stepChip(n, r.steps[n]))}</td>
</tr>`,
  );
  const heading = status ? html`${statusLabel(status)} <span class="muted">(${counts[status] ?? 0})</span>` : 'All onboardings';
  return page({
    title: 'hirepass · onboardings',
    header: opsHeader('onboardings'),
    wide: true,
    body: html`${issuanceBannersHtml(opts.banners ?? [])}<div class="page-head"><h1>Onboardings</h1><p class="muted">${total} in total · as of ${now.toISOString().slice(11, 16)} UTC</p></div>
${attention > 0 ? html`<p class="notice bad"><strong>${attention} onboarding${attention > 1 ? 's need' : ' needs'} a person</strong> (${counts.needs_attention ?? 0} needs attention, ${counts.failed ?? 0} failed). They are listed first; open one to see why and to retry.</p>` : ''}
<nav class="filters" aria-label="Filter by status">${filters}</nav>
<h2 class="list-title">${heading}</h2>
<form class="find" method="get" action="/admin/find"><label>Open by employee id <input name="employeeId" required maxlength="64" autocomplete="off"></label> <button type="submit">Open</button></form>
<p class="muted small">Needing attention first, then by activation time (soonest first).${opts.older ? html` Older onboardings, ${opts.pageSize} at a time by creation. <a href="${listHref(status)}">Newest</a>` : opts.nextCursor ? html` Showing the newest ${opts.pageSize}.` : ''}${opts.nextCursor ? html` <a href="${listHref(status, opts.nextCursor)}">Older onboardings</a>` : ''}</p>
<table class="list">
<thead><tr><th>Employee</th><th>Hire</th><th>Status</th><th>Activation (hire's time, UTC)</th><th>Steps</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="5" class="muted empty-row">No onboardings here.</td></tr>`}</tbody>
</table>`,
  });
}
