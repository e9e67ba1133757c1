import { formatInZone } from '@hirepass/core';
import { html, type SafeHtml } from './html';

export const STYLESHEET_PATH = '/assets/hirepass.css';

// The manager's pages get a quiet brand bar; the ops pages pass their own navigation.
const BRAND_BAR = html`<header class="brand"><span class="logo" aria-hidden="true">◆</span> hirepass <span class="muted">· first-day sign-in</span></header>`;

export function page(opts: { title: string; body: SafeHtml; header?: SafeHtml; wide?: boolean }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${opts.title}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
${opts.header ?? BRAND_BAR}
<main${opts.wide ? html` class="wide"` : ''}>
${opts.body}
</main>
</body>
</html>
`.value;
}

/** "2026-12-01 13:00 UTC" */
export function formatUtc(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The instant in the hire's zone, with UTC underneath; an unknown zone still shows UTC. */
export function inZone(iso: string | undefined, zone: string): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  let local = formatUtc(iso);
  try {
    local = formatInZone(new Date(iso), zone);
  } catch {
    // An old record with a zone this runtime does not know.
  }
  return html`${local}<br><span class="muted">${formatUtc(iso)}</span>`;
}

/** "in 3 days", "5 min ago": how far an instant is from now, for ops reading a list. */
export function relative(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  if (Number.isNaN(ms)) return '';
  const abs = Math.abs(ms);
  const [n, unit] =
    abs < 60_000 ? [0, 'now'] : abs < 3_600_000 ? [Math.round(abs / 60_000), 'min'] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), 'h'] : [Math.round(abs / 86_400_000), 'day'];
  if (unit === 'now') return 'now';
  const label = unit === 'day' && n !== 1 ? 'days' : unit;
  return ms > 0 ? `in ${n} ${label}` : `${n} ${label} ago`;
}
