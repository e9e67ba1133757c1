import { Temporal } from '@js-temporal/polyfill';

/** True when `yyyy-mm-dd` names a day that exists (2026-02-30 does not). */
export function isRealDate(value: string): boolean {
  try {
    Temporal.PlainDate.from(value, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

/** True when the runtime's Intl knows the IANA zone name. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date it is now in `zone`, as yyyy-mm-dd. */
export function todayIn(zone: string, now: Date): string {
  return Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone).toPlainDate().toString();
}

/** Whole days from `a` to `b` (both yyyy-mm-dd); positive when b is later. */
export function daysBetween(a: string, b: string): number {
  return Temporal.PlainDate.from(a).until(Temporal.PlainDate.from(b), { largestUnit: 'days' }).days;
}

/**
 * The instant at which local wall-clock `time` (HH:MM) on `date` happens in `zone`
 * (spec/workflow.md step 4). Temporal's 'compatible' disambiguation is exactly the rule
 * the spec fixes: a time skipped by a DST gap moves forward by the gap's length, and a
 * repeated time (fall-back) takes the earlier instant.
 */
export function activationInstant(date: string, time: string, zone: string): Date {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const local = Temporal.PlainDate.from(date, { overflow: 'reject' }).toPlainDateTime({ hour, minute });
  const zoned = local.toZonedDateTime(zone, { disambiguation: 'compatible' });
  return new Date(zoned.epochMilliseconds);
}

/** `instant` shown in `zone`, e.g. "Tue 1 Dec 2026, 08:00 (America/New_York, UTC−05:00)". */
export function formatInZone(instant: Date, zone: string): string {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZoneName: 'longOffset',
  });
  const parts = fmt.formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('weekday')} ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} (${zone}, ${get('timeZoneName')})`;
}
