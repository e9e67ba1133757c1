import type { Clock } from '../clock';
import type { TenantGateway } from '../graph/graph.port';
import { CheckContext, runCheck, type ReadinessTarget } from './check-context';
import { CHECK_IDS, summarize, type CheckId, type DoctorReport } from './doctor-report';
import { tapPolicyChecks } from './tap-policy.checks';
import { tenantChecks } from './tenant.checks';

const ALL = [...tapPolicyChecks, ...tenantChecks].sort((a, b) => CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id));

/**
 * `doctor`: every tenant prerequisite the walkthrough lists, checked read-only against the
 * configured tenant. Checks run one after another (a handful of reads; Intune's write limits
 * do not apply, but its read limits are low too). `only` narrows the run (the worker's gate).
 */
export async function runDoctor(tenant: TenantGateway, target: ReadinessTarget, clock: Clock, only?: ReadonlySet<CheckId>): Promise<DoctorReport> {
  const ctx = new CheckContext(tenant, target);
  const checks = [];
  for (const def of ALL) if (!only || only.has(def.id)) checks.push(await runCheck(def, ctx));
  return summarize(checks, target.tenantId, clock.now());
}
