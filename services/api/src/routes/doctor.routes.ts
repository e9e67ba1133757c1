import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { IssuanceControl, TENANT_AUDIT_ID, blockingFailures, issuanceBanners, type IssuanceState } from '@hirepass/core';
import type { ApiContext } from '../context';
import { ProblemError } from '../problem';
import { ProblemSchema } from './schemas';

/**
 * Tenant readiness for ops (issue 9). The API holds no Graph credentials: `GET /api/doctor`
 * serves the report a worker published to Redis at start-up and after every re-check. The
 * issuance switches write the shared state every worker reads before a TAP, and are audited
 * under TENANT_AUDIT_ID. Auth is the global ops hook (everything under /api/).
 */

const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { basic: [] }];
const ERRORS = { 401: ProblemSchema, 503: ProblemSchema };

const CheckSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  detail: Type.String(),
  fix: Type.Union([Type.String(), Type.Null()]),
  critical: Type.Boolean(),
  unverified: Type.Optional(Type.Boolean()),
});
const ReportSchema = Type.Object({
  generatedAt: Type.String(),
  tenantId: Type.String(),
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  exitCode: Type.Integer(),
  checks: Type.Array(CheckSchema),
  source: Type.String(),
  dryRun: Type.Boolean(),
});
const PauseSchema = Type.Object({ by: Type.String(), at: Type.String(), reason: Type.Optional(Type.String()) });
const BrakeSchema = Type.Object({ at: Type.String(), rule: Type.String(), reason: Type.String() });
const IssuanceSchema = Type.Object({
  /** True when no TAP is issued right now, for any of the reasons below. */
  held: Type.Boolean(),
  paused: Type.Union([PauseSchema, Type.Null()]),
  brake: Type.Union([BrakeSchema, Type.Null()]),
  readiness: Type.Union([
    Type.Object({ status: Type.String(), generatedAt: Type.String(), blocking: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), detail: Type.String(), fix: Type.Union([Type.String(), Type.Null()]) })) }),
    Type.Null(),
  ]),
  dryRun: Type.Boolean(),
  banners: Type.Array(Type.Object({ level: Type.String(), title: Type.String(), text: Type.String() })),
});
const ChangeSchema = Type.Object({ changed: Type.Boolean(), issuance: IssuanceSchema });
const PauseBody = Type.Union([Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }), Type.Null()]);

/** The issuance state as ops see it (also what /readyz and the dashboard banner need). */
export function issuanceView(state: IssuanceState) {
  const blocking = state.report ? blockingFailures(state.report) : [];
  return {
    held: Boolean(state.paused || state.brake || blocking.length),
    paused: state.paused,
    brake: state.brake,
    readiness: state.report
      ? { status: state.report.status, generatedAt: state.report.generatedAt, blocking: blocking.map((c) => ({ id: c.id, title: c.title, detail: c.detail, fix: c.fix })) }
      : null,
    dryRun: state.report?.dryRun ?? false,
    banners: issuanceBanners(state),
  };
}

/** For the dashboard layout (the lead wires it): the banners to show, most severe first. */
export async function readinessBanner(ctx: ApiContext) {
  return issuanceBanners(await new IssuanceControl(ctx.redis, ctx.config.queuePrefix, ctx.clock).state());
}

export async function doctorRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;
  const control = new IssuanceControl(ctx.redis, ctx.config.queuePrefix, ctx.clock);
  const audit = (action: string, detail: string) =>
    ctx.audit.append({ at: ctx.clock.now().toISOString(), employeeId: TENANT_AUDIT_ID, actor: 'ops', action, outcome: 'info', detail });

  // Read from Redis on scrape, like the queue gauges: one series per reason, 1 while it holds issuance.
  new Gauge({
    name: 'hirepass_tap_issuance_held',
    help: 'TAP issuance is held (1) by the ops pause, the blast-radius brake or a failing critical tenant check',
    labelNames: ['reason'] as const,
    registers: [ctx.metrics.registry],
    async collect() {
      const s = await control.state().catch(() => null);
      if (!s) return;
      this.set({ reason: 'paused' }, s.paused ? 1 : 0);
      this.set({ reason: 'brake' }, s.brake ? 1 : 0);
      this.set({ reason: 'tenant_not_ready' }, s.report && blockingFailures(s.report).length ? 1 : 0);
    },
  });

  app.get(
    '/api/doctor',
    { schema: { summary: 'The latest tenant readiness report a worker published', tags: ['readiness'], security, response: { 200: ReportSchema, 404: ProblemSchema, ...ERRORS } } },
    async () => {
      const { report } = await control.state();
      if (!report) throw new ProblemError(404, 'doctor-report-missing', 'No worker has published a readiness report yet: start a worker, or run `npm run doctor`.');
      return report;
    },
  );

  app.get(
    '/api/issuance',
    { schema: { summary: 'Whether TAP issuance is held, and why', tags: ['readiness'], security, response: { 200: IssuanceSchema, ...ERRORS } } },
    async () => issuanceView(await control.state()),
  );

  app.post<{ Body: { reason?: string } | null }>(
    '/api/issuance/pause',
    { schema: { summary: 'Pause TAP issuance everywhere (onboardings wait, needs attention)', tags: ['readiness'], security, body: PauseBody, response: { 200: ChangeSchema, 400: ProblemSchema, ...ERRORS } } },
    async (request) => {
      const reason = request.body?.reason;
      const changed = await control.pause('ops', reason);
      if (changed) await audit('ops.issuance.paused', reason ? `TAP issuance paused: ${reason}` : 'TAP issuance paused');
      return { changed, issuance: issuanceView(await control.state()) };
    },
  );

  app.post(
    '/api/issuance/resume',
    { schema: { summary: 'Resume TAP issuance after an ops pause', tags: ['readiness'], security, response: { 200: ChangeSchema, ...ERRORS } } },
    async () => {
      const changed = await control.resume();
      if (changed) await audit('ops.issuance.resumed', 'TAP issuance resumed');
      return { changed, issuance: issuanceView(await control.state()) };
    },
  );

  app.post(
    '/api/brake/resume',
    { schema: { summary: 'Release a tripped blast-radius brake (its window starts afresh)', tags: ['readiness'], security, response: { 200: ChangeSchema, ...ERRORS } } },
    async () => {
      const released = await control.releaseBrake();
      if (released) await audit('ops.brake.resumed', `brake released (it tripped at ${released.at}: ${released.reason})`);
      return { changed: Boolean(released), issuance: issuanceView(await control.state()) };
    },
  );
}

/**
 * The `/readyz` detail (no credential there): whether TAP issuance is held and by what, in
 * generic words (check titles, never tenant ids or reasons typed by ops).
 */
export const ReadyzIssuanceSchema = Type.Object({ held: Type.Boolean(), reasons: Type.Array(Type.String()) });

export async function readyzIssuance(ctx: ApiContext): Promise<{ held: boolean; reasons: string[] }> {
  const s = await new IssuanceControl(ctx.redis, ctx.config.queuePrefix, ctx.clock).state();
  const reasons = [
    ...(s.paused ? ['paused by ops'] : []),
    ...(s.brake ? ['blast-radius brake tripped'] : []),
    ...(s.report ? blockingFailures(s.report).map((c) => `tenant not ready: ${c.title}`) : []),
  ];
  return { held: reasons.length > 0, reasons };
}
