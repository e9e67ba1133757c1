import type { CheckStatus, DoctorReport } from './doctor-report';

const LABEL: Record<CheckStatus, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL' };

/** Wraps `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The `npm run doctor` table: one row per check, its fix under it when it does not pass. */
export function formatDoctorReport(report: DoctorReport, columns = 110): string {
  const titleWidth = Math.max(...report.checks.map((c) => c.title.length), 5);
  const indent = 2 + 6 + titleWidth + 2;
  const width = Math.max(40, columns - indent);
  const out = [`hirepass doctor · tenant ${report.tenantId} · ${report.generatedAt}`, '', `  ${'STATUS'.padEnd(6)}${'CHECK'.padEnd(titleWidth + 2)}DETAIL`];
  for (const c of report.checks) {
    const mark = c.critical ? '*' : ' ';
    out.push(`${mark} ${LABEL[c.status].padEnd(6)}${c.title.padEnd(titleWidth + 2)}${wrap(c.detail, width, indent)}`);
    if (c.fix) out.push(`${' '.repeat(indent)}${wrap(`fix: ${c.fix}`, width, indent)}`);
  }
  const fails = report.checks.filter((c) => c.status === 'fail').length;
  const warns = report.checks.filter((c) => c.status === 'warn').length;
  out.push('', '* critical: the worker issues no TAP while it fails', `Result: ${report.status.toUpperCase()} (${fails} failing, ${warns} warning${warns === 1 ? '' : 's'}, ${report.checks.length - fails - warns} passing) · exit code ${report.exitCode}`);
  return out.join('\n');
}
