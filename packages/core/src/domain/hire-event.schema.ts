import { Type, type Static } from '@sinclair/typebox';

/**
 * The HR webhook body (spec/hr-webhook.md), declared once: this is the JSON Schema the API
 * validates with, the one published in /docs, and the TypeScript type. Formats are spelled
 * as patterns so any JSON Schema validator reads them the same way; what a pattern cannot
 * say (a real calendar date, a zone the runtime knows) is checked in hire-event.parse.ts.
 */

export const EMPLOYEE_ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
// local@domain: one @, non-empty local part, a dot in the domain, no spaces or control chars.
// The domain's first label excludes the dot, so "the first dot" has one place to match: a
// backtracking engine stays linear (`[^@]*\.[^@]*` was quadratic: 20,000 dots took a second,
// and patterns are tested even when maxLength has already failed).
export const UPN_PATTERN = '^[^@\\s\\u0000-\\u001f\\u007f]+@[^@.\\s\\u0000-\\u001f\\u007f]*\\.[^@\\s\\u0000-\\u001f\\u007f]*$';
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
export const HHMM_PATTERN = '^([01]\\d|2[0-3]):[0-5]\\d$';
export const GUID_PATTERN = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
export const RFC3339_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

const EmployeeId = Type.String({ pattern: EMPLOYEE_ID_PATTERN, minLength: 1, maxLength: 64 });
const Upn = Type.String({ pattern: UPN_PATTERN, maxLength: 113 });

export const TapRequestSchema = Type.Object(
  {
    lifetimeMinutes: Type.Optional(Type.Integer({ minimum: 10, maximum: 43_200 })),
    isUsableOnce: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const HireDataSchema = Type.Object(
  {
    employeeId: EmployeeId,
    userPrincipalName: Upn,
    managerUserPrincipalName: Type.Optional(Upn),
    startDate: Type.String({ pattern: DATE_PATTERN, description: 'YYYY-MM-DD, a real calendar date' }),
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone name' }),
    activationTime: Type.Optional(Type.String({ pattern: HHMM_PATTERN })),
    deviceId: Type.Optional(Type.String({ pattern: GUID_PATTERN })),
    tap: Type.Optional(TapRequestSchema),
  },
  { additionalProperties: false },
);

export const CancelDataSchema = Type.Object(
  {
    employeeId: EmployeeId,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const Timestamp = Type.String({ pattern: RFC3339_PATTERN, description: 'RFC 3339 date-time' });

export const HireEventSchema = Type.Union(
  [
    Type.Object(
      {
        type: Type.Union([Type.Literal('hire.created'), Type.Literal('hire.updated')]),
        timestamp: Timestamp,
        data: HireDataSchema,
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('hire.cancelled'), timestamp: Timestamp, data: CancelDataSchema },
      { additionalProperties: false },
    ),
  ],
  { $id: 'HireEvent', title: 'HR hire event (Standard Webhooks envelope)' },
);

export type HireData = Static<typeof HireDataSchema>;
export type CancelData = Static<typeof CancelDataSchema>;
export type HireEvent = Static<typeof HireEventSchema>;
export type HireEventType = HireEvent['type'];
