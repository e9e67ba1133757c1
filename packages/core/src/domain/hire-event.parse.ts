import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Type } from '@sinclair/typebox';
import { parseStrictJson } from './strict-json';
import { CancelDataSchema, HireDataSchema, type HireEvent } from './hire-event.schema';
import { daysBetween, isKnownTimeZone, isRealDate, todayIn } from './calendar';

export interface FieldError {
  /** JSON pointer of the offending field, e.g. "/data/startDate" ("/" for the body). */
  field: string;
  message: string;
}

export type ParseResult =
  | { ok: true; event: HireEvent }
  | { ok: false; detail: string; errors: FieldError[] };

export interface ParseOptions {
  now: Date;
  lateStartGraceDays: number;
}

// The deepest valid body is body → data → tap (3 objects); one spare level for good measure.
const MAX_DEPTH = 4;
const EVENT_TYPES = ['hire.created', 'hire.updated', 'hire.cancelled'] as const;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const envelope = (data: typeof HireDataSchema | typeof CancelDataSchema) =>
  Type.Object(
    {
      type: Type.String(),
      timestamp: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$' }),
      data,
    },
    { additionalProperties: false },
  );
const validators: Record<(typeof EVENT_TYPES)[number], ValidateFunction> = {
  'hire.created': ajv.compile(envelope(HireDataSchema)),
  'hire.updated': ajv.compile(envelope(HireDataSchema)),
  'hire.cancelled': ajv.compile(envelope(CancelDataSchema)),
};

/**
 * Turns the raw webhook bytes into a HireEvent, or says every way in which they are not one.
 * Signature checks happen before this (they need the same raw bytes).
 */
export function parseHireEvent(raw: Uint8Array, opts: ParseOptions): ParseResult {
  const json = parseStrictJson(raw, MAX_DEPTH);
  if (!json.ok) return { ok: false, detail: json.message, errors: [{ field: json.pointer ?? '/', message: json.message }] };
  const body = json.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail([{ field: '/', message: 'must be a JSON object' }]);
  }
  const type = (body as { type?: unknown }).type;
  if (!EVENT_TYPES.includes(type as never)) {
    return fail([{ field: '/type', message: `must be one of ${EVENT_TYPES.join(', ')}` }]);
  }
  const validate = validators[type as (typeof EVENT_TYPES)[number]];
  if (!validate(body)) return fail(toFieldErrors(validate.errors ?? []));

  const event = body as HireEvent;
  const errors: FieldError[] = [];
  if (Number.isNaN(Date.parse(event.timestamp))) {
    errors.push({ field: '/timestamp', message: 'is not a real date-time' });
  }
  if (event.type !== 'hire.cancelled') {
    const d = event.data;
    const realDate = isRealDate(d.startDate);
    const knownZone = isKnownTimeZone(d.timeZone);
    if (!realDate) errors.push({ field: '/data/startDate', message: `${d.startDate} is not a real calendar date` });
    if (!knownZone) errors.push({ field: '/data/timeZone', message: `${d.timeZone} is not a known IANA time zone` });
    if (realDate && knownZone) {
      const late = daysBetween(d.startDate, todayIn(d.timeZone, opts.now));
      if (late > opts.lateStartGraceDays) {
        errors.push({
          field: '/data/startDate',
          message: `${d.startDate} is ${late} day(s) in the past in ${d.timeZone}; at most ${opts.lateStartGraceDays} allowed (LATE_START_GRACE_DAYS)`,
        });
      }
    }
  }
  return errors.length ? fail(errors) : { ok: true, event };
}

function fail(errors: FieldError[]): ParseResult {
  const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
  return { ok: false, detail, errors };
}

function toFieldErrors(errs: ErrorObject[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errs) {
    let field = e.instancePath || '/';
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      field = `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not a known field';
    } else if (e.keyword === 'required') {
      field = `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'pattern') {
      message = `does not have the required format (${describePattern(e.instancePath)})`;
    }
    const key = `${field} ${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, message });
    }
  }
  return out;
}

function describePattern(path: string): string {
  if (path.endsWith('employeeId')) return '1–64 characters of A–Z a–z 0–9 . _ -';
  if (path.endsWith('PrincipalName')) return 'local@domain.tld, no spaces';
  if (path.endsWith('startDate')) return 'YYYY-MM-DD';
  if (path.endsWith('activationTime')) return 'HH:MM, 00:00–23:59';
  if (path.endsWith('deviceId')) return 'a GUID, 8-4-4-4-12 hex digits';
  if (path.endsWith('timestamp')) return 'RFC 3339 date-time';
  return 'see the schema';
}
