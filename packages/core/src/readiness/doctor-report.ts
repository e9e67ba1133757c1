/**
 * The result of `doctor`: one row per tenant prerequisite (spec: issue 9), each pass / warn /
 * fail with what was found and the exact fix. The same JSON is printed by `npm run doctor --
 * --json`, published to Redis by the worker and served by `GET /api/doctor`.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export const CHECK_IDS = [
  'tap-policy-enabled',
  'tap-policy-pilot-targeted',
  'tap-policy-pilot-not-excluded',
  'tap-policy-lifetime',
  'tap-policy-one-time',
  'pilot-group',
  'device-group',
  'web-sign-in-policy',
  'web-sign-in-assignment',
  'app-permissions',
  'sender-mailbox',
  'federated-domains',
  'default-credential-provider',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** The checks the worker will not issue a TAP without (issue 9 "Worker start-up"). */
export const CRITICAL_CHECKS: ReadonlySet<CheckId> = new Set<CheckId>([
  'tap-policy-enabled',
  'tap-policy-pilot-targeted',
  'tap-policy-pilot-not-excluded',
  'web-sign-in-policy',
  'web-sign-in-assignment',
]);

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was found. Ids and names only: never a token or secret. */
  detail: string;
  /** The exact change that makes it pass; null when it passes. */
  fix: string | null;
  critical: boolean;
  /** The check could not run (Graph refused or did not answer): a failure to verify, not a finding. */
  unverified?: boolean;
}

export interface DoctorReport {
  generatedAt: string;
  tenantId: string;
  status: CheckStatus;
  /** 0 all pass, 1 warnings, 2 failures (the CLI's exit code). */
  exitCode: 0 | 1 | 2;
  checks: CheckResult[];
}

export function summarize(checks: CheckResult[], tenantId: string, at: Date): DoctorReport {
  const status: CheckStatus = checks.some((c) => c.status === 'fail') ? 'fail' : checks.some((c) => c.status === 'warn') ? 'warn' : 'pass';
  return { generatedAt: at.toISOString(), tenantId, status, exitCode: status === 'fail' ? 2 : status === 'warn' ? 1 : 0, checks };
}

/**
 * Critical checks that found a misconfiguration. A critical check that could not run does
 * not count: the worker does not stop issuing because Graph hiccuped during a check, only
 * because the tenant is known to be wrong.
 */
export function blockingFailures(report: Pick<DoctorReport, 'checks'>): CheckResult[] {
  return report.checks.filter((c) => c.critical && c.status === 'fail' && !c.unverified);
}
