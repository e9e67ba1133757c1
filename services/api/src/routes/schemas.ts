import { Type } from '@sinclair/typebox';
import { ONBOARDING_STATUSES } from '@hirepass/core';

/** Response and parameter schemas of the JSON routes: validation, serialisation and /docs in one. */

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details (application/problem+json)' },
);

export const EMPLOYEE_ID_PARAM = Type.Object({
  employeeId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: "HR's employee id" }),
});

const StepState = Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('skipped'), Type.Literal('failed')]);
const StepView = Type.Object({
  state: StepState,
  reason: Type.Optional(Type.String()),
  attempts: Type.Optional(Type.Integer()),
  at: Type.Optional(Type.String()),
});

export const OnboardingStatusSchema = Type.Union(ONBOARDING_STATUSES.map((s) => Type.Literal(s)));

const Nullable = <T extends ReturnType<typeof Type.Object>>(t: T) => Type.Union([t, Type.Null()]);

/** spec/ops-api.md `Onboarding`: the fixed fields, then the extra ones core's view adds. */
export const OnboardingViewSchema = Type.Object(
  {
    employeeId: Type.String(),
    userPrincipalName: Type.String(),
    status: OnboardingStatusSchema,
    activationAt: Type.String({ description: 'UTC instant the passcode becomes usable' }),
    timeZone: Type.String(),
    steps: Type.Object({ user: StepView, membership: StepView, device: StepView, tap: StepView, notice: StepView }),
    tap: Nullable(
      Type.Object({
        id: Type.String(),
        startDateTime: Type.String(),
        lifetimeInMinutes: Type.Integer(),
        isUsableOnce: Type.Boolean(),
        expiresAt: Type.String(),
      }),
    ),
    warnings: Type.Array(Type.String()),
    updatedAt: Type.String(),
    onboardingId: Type.String(),
    startDate: Type.String(),
    activationTime: Type.Optional(Type.String()),
    managerUserPrincipalName: Type.Optional(Type.String()),
    deviceId: Type.Optional(Type.String()),
    notice: Type.Object({ state: Type.String(), sentAt: Type.Optional(Type.String()) }),
    reveal: Nullable(Type.Object({ state: Type.String(), revealedAt: Type.Optional(Type.String()) })),
    attention: Nullable(Type.Object({ condition: Type.String(), message: Type.String(), since: Type.String() })),
    createdAt: Type.String(),
  },
  { description: 'One onboarding; never holds the passcode or the reveal token' },
);

export const AuditEntrySchema = Type.Object({
  id: Type.Optional(Type.String()),
  at: Type.String(),
  employeeId: Type.String(),
  onboardingId: Type.Optional(Type.String()),
  actor: Type.String(),
  action: Type.String(),
  outcome: Type.String(),
  detail: Type.Optional(Type.String()),
  graphRequestId: Type.Optional(Type.String()),
  eventId: Type.Optional(Type.String()),
});

export const EventAnswerSchema = Type.Object({
  eventId: Type.String(),
  employeeId: Type.String(),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate')]),
});

export const OpsActionAnswerSchema = Type.Object({
  employeeId: Type.String(),
  action: Type.Union([Type.Literal('retry'), Type.Literal('reissue')]),
  status: Type.Literal('accepted'),
});
