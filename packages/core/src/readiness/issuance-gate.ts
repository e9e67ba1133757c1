import type { Clock } from '../clock';
import type { TenantGateway } from '../graph/graph.port';
import type { AuditTrail } from '../store/audit-trail';
import type { OnboardingRef, WorkflowLog } from '../workflow/ports';
import type { ReadinessTarget } from './check-context';
import { runDoctor } from './doctor';
import { blockingFailures, type DoctorReport } from './doctor-report';
import type { BrakeState, IssuanceControl } from './issuance-control';
import { ISSUANCE_CONDITIONS, type IssuanceBlock, type IssuanceGuardPort } from './issuance-guard';
import type { ReadinessConfig } from './readiness-config';

/** Audit entries about the tenant as a whole are filed under this id, which no employeeId can be. */
export const TENANT_AUDIT_ID = '(tenant)';

export interface IssuanceGateDeps {
  tenant: TenantGateway;
  target: ReadinessTarget;
  control: IssuanceControl;
  config: ReadinessConfig;
  clock: Clock;
  log: WorkflowLog;
  audit: AuditTrail;
  workerId: string;
}

/**
 * The worker's side of tenant readiness (issue 9 "Worker start-up"): runs `doctor` at start
 * and every READINESS_RECHECK_SECONDS, publishes the report to Redis (for /api/doctor,
 * /readyz and the dashboard), logs each change, and answers the TAP step's guard: no TAP while
 * a critical check fails, while ops paused issuance, or while the brake is tripped.
 */
export class IssuanceGate implements IssuanceGuardPort {
  readonly #d: IssuanceGateDeps;
  #report: DoctorReport | null = null;
  #first: Promise<void> | null = null;
  #running: Promise<DoctorReport> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #blockedBefore: string | null = null;

  constructor(deps: IssuanceGateDeps) {
    this.#d = deps;
  }

  get dryRun(): boolean {
    return this.#d.config.dryRun;
  }

  get report(): DoctorReport | null {
    return this.#report;
  }

  /** Starts the first check without waiting for it (the guard waits); then re-checks periodically. */
  start(): void {
    if (this.#first) return;
    if (this.dryRun) this.#d.log.warn({ dryRun: true }, 'DRY_RUN is on: every Graph write is logged and skipped, no passcode is created');
    const failed = (err: unknown) => this.#d.log.error({ err: String(err) }, 'tenant readiness check crashed');
    this.#first = this.recheck().then(() => undefined, failed);
    this.#timer = setInterval(() => void this.recheck().catch(failed), this.#d.config.recheckMs);
    this.#timer.unref();
  }

  /** Resolves once the start-up check has finished (whatever it found). */
  async ready(): Promise<void> {
    await this.#first;
  }

  stop(): Promise<unknown> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    return this.#running ?? Promise.resolve();
  }

  /** Runs the checks now (concurrent callers share one run) and publishes the report. */
  recheck(): Promise<DoctorReport> {
    this.#running ??= this.#check().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #check(): Promise<DoctorReport> {
    const { tenant, target, clock, control, log } = this.#d;
    const report = await runDoctor(tenant, target, clock);
    this.#report = report;
    const blocking = blockingFailures(report);
    const summary = blocking.map((c) => `${c.title}: ${c.detail}`).join('; ') || null;
    if (summary && summary !== this.#blockedBefore) {
      log.error({ checks: blocking.map((c) => ({ id: c.id, detail: c.detail, fix: c.fix })) }, 'tenant not ready: TAP issuance waits until these checks pass');
      await this.#auditTenant('readiness.blocked', 'failure', summary);
    } else if (!summary && this.#blockedBefore) {
      log.info({}, 'tenant ready again: TAP issuance resumes');
      await this.#auditTenant('readiness.cleared', 'success', 'the critical tenant checks pass again');
    }
    const unverified = report.checks.filter((c) => c.unverified);
    if (unverified.length) log.warn({ checks: unverified.map((c) => ({ id: c.id, detail: c.detail })) }, 'some tenant checks could not run');
    this.#blockedBefore = summary;
    await control.publishReport({ ...report, source: this.#d.workerId, dryRun: this.dryRun }).catch((err: unknown) => {
      log.warn({ err: String(err) }, 'could not publish the readiness report');
    });
    return report;
  }

  async admit(ref: OnboardingRef): Promise<IssuanceBlock | null> {
    // The start-up check finishes before the first TAP: a broken tenant never gets one through.
    await this.ready();
    const blocking = this.#report ? blockingFailures(this.#report) : [];
    if (blocking.length > 0) {
      return {
        condition: ISSUANCE_CONDITIONS.notReady,
        message: `the tenant is not ready for TAP issuance: ${blocking.map((c) => `${c.title} (${c.detail})`).join('; ')}`,
      };
    }
    const a = await this.#d.control.admit(`${ref.onboardingId}:${ref.generation}`, this.#d.config.brake);
    if (a.kind === 'ok') return null;
    if (a.kind === 'paused') {
      return { condition: ISSUANCE_CONDITIONS.paused, message: `TAP issuance is paused by ${a.paused.by} since ${a.paused.at}${a.paused.reason ? ` (${a.paused.reason})` : ''}` };
    }
    if (a.kind === 'tripped') await this.#tripped(a.brake, ref.employeeId);
    return { condition: ISSUANCE_CONDITIONS.brake, message: `TAP issuance is paused by the blast-radius brake since ${a.brake.at}: ${a.brake.reason}` };
  }

  /**
   * Whether a TAP could be admitted now, counting nothing: this worker's last check found the
   * tenant ready, and neither the pause switch nor the brake holds issuance. What wakes the
   * onboardings the guard held (IssuanceHolds) asks this.
   */
  async isOpen(): Promise<boolean> {
    if (!this.#report || blockingFailures(this.#report).length > 0) return false;
    return !(await this.#d.control.held());
  }

  /** Called with the outcome of every TAP create (readiness/issuance-accounting.ts). */
  async recordTapOutcome(failed: boolean): Promise<void> {
    const tripped = await this.#d.control.recordOutcome(failed, this.#d.config.brake).catch((err: unknown) => {
      this.#d.log.warn({ err: String(err) }, 'could not record a TAP outcome for the brake');
      return null;
    });
    if (tripped) await this.#tripped(tripped, null);
  }

  async #tripped(brake: BrakeState, employeeId: string | null): Promise<void> {
    this.#d.log.error({ brake, employeeId }, 'blast-radius brake tripped: TAP issuance paused until ops resume it (POST /api/brake/resume)');
    await this.#auditTenant('issuance.brake-tripped', 'failure', `${brake.reason}${employeeId ? `; tripped at ${employeeId}` : ''}`);
  }

  async #auditTenant(action: string, outcome: 'success' | 'failure', detail: string): Promise<void> {
    await this.#d.audit
      .append({ at: this.#d.clock.now().toISOString(), employeeId: TENANT_AUDIT_ID, actor: 'worker', action, outcome, detail })
      .catch((err: unknown) => this.#d.log.warn({ err: String(err) }, 'could not audit a readiness change'));
  }
}
