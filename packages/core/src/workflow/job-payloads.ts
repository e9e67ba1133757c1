import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isKnownTimeZone, isRealDate } from '../domain/calendar';
import { EMPLOYEE_ID_PATTERN, HireEventSchema } from '../domain/hire-event.schema';
import type { ApplyHireEventJob, JobName } from '../jobs/job-catalog';

/**
 * Job payloads are checked before any work: a payload that does not match its schema (a job
 * added by hand, an old format, tampering) is poison. It fails that one job with a clear
 * reason and never blocks the queue or burns 30 attempts. The schemas follow JobPayloads in
 * jobs/job-catalog.ts.
 */
export class InvalidJobError extends Error {
  constructor(name: string, why: string) {
    super(`job "${name}" has an invalid payload: ${why}`);
    this.name = 'InvalidJobError';
  }
}

const OnboardingJobFields = {
  employeeId: Type.String({ pattern: EMPLOYEE_ID_PATTERN }),
  onboardingId: Type.String({ minLength: 1, maxLength: 64 }),
  generation: Type.Integer({ minimum: 1 }),
};
const OnboardingJobSchema = Type.Object(OnboardingJobFields);
const OpsActionJobSchema = Type.Object({ ...OnboardingJobFields, actor: Type.String({ minLength: 1 }), requestedAt: Type.String({ minLength: 1 }) });
const CancelJobSchema = Type.Object({ ...OnboardingJobFields, eventId: Type.String({ minLength: 1 }), reason: Type.Optional(Type.String()) });
const ApplyHireEventJobSchema = Type.Object({
  eventId: Type.String({ minLength: 1 }),
  seq: Type.Integer({ minimum: 0 }),
  receivedAt: Type.String({ minLength: 1 }),
  event: HireEventSchema,
});

const SCHEMAS: { [N in JobName]: TSchema } = {
  'apply-hire-event': ApplyHireEventJobSchema,
  prepare: OnboardingJobSchema,
  activate: OnboardingJobSchema,
  cancel: CancelJobSchema,
  expire: OnboardingJobSchema,
  retry: OpsActionJobSchema,
  reissue: OpsActionJobSchema,
};

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(SCHEMAS, name);
}

/** Returns the job's name once its payload matches its schema; InvalidJobError names the first problem. */
export function checkJobPayload(name: string, data: unknown): JobName {
  if (!isJobName(name)) throw new InvalidJobError(name, 'unknown job name');
  const schema = SCHEMAS[name];
  if (!Value.Check(schema, data)) {
    const first = Value.Errors(schema, data).First();
    throw new InvalidJobError(name, first ? `${first.path || '/'} ${first.message}` : 'does not match its schema');
  }
  if (name === 'apply-hire-event') {
    // What the schema's patterns cannot say (spec/hr-webhook.md), checked again: the API did,
    // but a job is data at rest.
    const { event } = data as ApplyHireEventJob;
    if (event.type !== 'hire.cancelled') {
      if (!isRealDate(event.data.startDate)) throw new InvalidJobError(name, `/event/data/startDate ${event.data.startDate} is not a real date`);
      if (!isKnownTimeZone(event.data.timeZone)) throw new InvalidJobError(name, `/event/data/timeZone is not a known time zone`);
    }
    if (Number.isNaN(Date.parse(event.timestamp))) throw new InvalidJobError(name, '/event/timestamp is not a date-time');
  }
  return name;
}
