import { html, type SafeHtml } from './html';

export const STYLESHEET_PATH = '/assets/hirepass.css';

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
${opts.header ?? ''}
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
