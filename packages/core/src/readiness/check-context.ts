import { isWorkflowError } from '../errors';
import type { TapPolicy, TenantGateway } from '../graph/graph.port';
import { CRITICAL_CHECKS, type CheckId, type CheckResult, type CheckStatus } from './doctor-report';
import { readIntuneFindings, type IntuneFindings } from './intune-policies';

/** What the checks compare the tenant with: the worker's configuration. */
export interface ReadinessTarget {
  tenantId: string;
  tapPilotGroupId: string;
  webSignInDeviceGroupId: string;
  noticeSenderUpn: string;
}

/** One doctor run's reads, shared between checks so each Graph object is read once. */
export class CheckContext {
  #policy?: Promise<TapPolicy>;
  #intune?: Promise<IntuneFindings>;
  constructor(
    readonly tenant: TenantGateway,
    readonly target: ReadinessTarget,
  ) {}
  tapPolicy(): Promise<TapPolicy> {
    return (this.#policy ??= this.tenant.getTapPolicy());
  }
  intune(): Promise<IntuneFindings> {
    return (this.#intune ??= readIntuneFindings(this.tenant));
  }
}

export interface CheckDefinition {
  id: CheckId;
  title: string;
  /** The permission the check's reads need, named in the fix when Graph says 403. */
  readPermission: string;
  run(ctx: CheckContext): Promise<Omit<CheckResult, 'id' | 'title' | 'critical'>>;
}

export const pass = (detail: string) => ({ status: 'pass' as const, detail, fix: null });
export const warn = (detail: string, fix: string) => ({ status: 'warn' as const, detail, fix });
export const fail = (detail: string, fix: string) => ({ status: 'fail' as const, detail, fix });

/** Runs one check; a check that throws becomes an unverified failure that says why. */
export async function runCheck(def: CheckDefinition, ctx: CheckContext): Promise<CheckResult> {
  const head = { id: def.id, title: def.title, critical: CRITICAL_CHECKS.has(def.id) };
  try {
    return { ...head, ...(await def.run(ctx)) };
  } catch (err) {
    const status = isWorkflowError(err) ? err.graph?.status : undefined;
    const reason = isWorkflowError(err) ? err.reason : err instanceof Error ? err.message : String(err);
    const fix =
      status === 403 || status === 401
        ? `Grant the app the ${def.readPermission} application permission (Entra admin center → App registrations → API permissions → Grant admin consent), then run doctor again.`
        : 'Graph did not answer the check; make sure the worker can reach it with its credentials, then run doctor again.';
    const result: CheckStatus = 'fail';
    return { ...head, status: result, detail: `could not check: ${reason}`, fix, unverified: true };
  }
}
