import { formatDoctorReport, runDoctor, systemClock } from '@hirepass/core';
import { connect, fail, finish, readWorkerConfig } from './readiness-cli';

/**
 * `npm run doctor [-- --json]`: checks the configured tenant against every prerequisite of a
 * passwordless first day (issue 9) and prints pass / warn / fail with the fix for each.
 * Read-only. Exit code 0 all pass, 1 warnings, 2 failures (or a configuration error).
 * Configuration: the worker's variables (a .env file is read if present).
 */
const USAGE = 'usage: npm run doctor [-- --json]';
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) finish(USAGE, 0);
else {
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length) fail('doctor', `unknown argument ${unknown[0]}; ${USAGE}`);
  const config = readWorkerConfig('doctor');
  const { tenant, target } = connect(config);
  const report = await runDoctor(tenant, target, systemClock).catch((err: unknown) => fail('doctor', err instanceof Error ? err.message : String(err)));
  const columns = process.stdout.columns ?? 110;
  finish(args.includes('--json') ? JSON.stringify(report, null, 2) : formatDoctorReport(report, columns), report.exitCode);
}
