import { Temporal } from '@js-temporal/polyfill';

const DAY_MS = 86_400_000;
const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Days since 1970-01-01 of a `yyyy-mm-dd` date from year 100 on, or null for anything else
 * (then Temporal decides). Every webhook checks two dates, and Temporal's polyfill takes tens
 * of microseconds for what is integer arithmetic in the common case.
 */
function plainEpochDay(value: string): number | null {
  const m = PLAIN_DATE.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC maps years 0–99 to 1900–1999: those go the slow way.
  if (year < 100) return null;
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return t / DAY_MS;
}

/** True when `yyyy-mm-dd` names a day that exists (2026-02-30 does not). */
export function isRealDate(value: string): boolean {
  if (plainEpochDay(value) !== null) return true;
  try {
    Temporal.PlainDate.from(value, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

// Building an Intl.DateTimeFormat loads the zone's rules (tens of microseconds), and every
// webhook needs one: kept per zone name. Bounded, because zone names are case-insensitive
// and so have many accepted spellings.
const MAX_CACHED_ZONES = 1_000;
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** A formatter of the calendar date in `zone`, or null when the runtime does not know the zone. */
function dayFormatIn(zone: string): Intl.DateTimeFormat | null {
  const cached = dayFormats.get(zone);
  if (cached) return cached;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    return null;
  }
  if (dayFormats.size < MAX_CACHED_ZONES) dayFormats.set(zone, format);
  return format;
}

/** True when the runtime's Intl knows the IANA zone name. */
export function isKnownTimeZone(zone: string): boolean {
  return dayFormatIn(zone) !== null;
}

/**
 * The calendar date it is now in `zone`, as yyyy-mm-dd. Every webhook asks (is the start date
 * in the past?) and formatToParts costs ~30 µs, so the answer is kept per zone for the current
 * UTC minute: today's zones are all offset from UTC by whole minutes, so a local date only ever
 * changes on a UTC minute boundary and the cached answer is exact.
 */
export function todayIn(zone: string, now: Date): string {
  const minute = Math.floor(now.getTime() / 60_000);
  const cached = todayCache.get(zone);
  if (cached?.minute === minute) return cached.day;
  const day = todayInUncached(zone, now);
  // Only known zones get here (an unknown one throws), so the cache is bounded by IANA's list.
  todayCache.set(zone, { minute, day });
  return day;
}

const todayCache = new Map<string, { minute: number; day: string }>();

/** todayIn without the cache (for tests that check the cache against it). */
export function todayInUncached(zone: string, now: Date): string {
  const format = dayFormatIn(zone);
  if (!format) throw new RangeError(`unknown time zone: ${zone}`);
  let year = '';
  let month = '';
  let day = '';
  for (const part of format.formatToParts(now)) {
    if (part.type === 'year') year = part.value.padStart(4, '0');
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year}-${month}-${day}`;
}

/** Whole days from `a` to `b` (both yyyy-mm-dd); positive when b is later. */
export function daysBetween(a: string, b: string): number {
  const [dayA, dayB] = [plainEpochDay(a), plainEpochDay(b)];
  if (dayA !== null && dayB !== null) return dayB - dayA;
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

// Every notice formats three instants (issue 8 found a new formatter per call in the worker's
// profile): kept per zone, as the day formats above.
const noticeFormats = new Map<string, Intl.DateTimeFormat>();

function noticeFormatIn(zone: string): Intl.DateTimeFormat {
  const cached = noticeFormats.get(zone);
  if (cached) return cached;
  const format = new Intl.DateTimeFormat('en-GB', {
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
  if (noticeFormats.size < MAX_CACHED_ZONES) noticeFormats.set(zone, format);
  return format;
}

/** `instant` shown in `zone`, e.g. "Tue 1 Dec 2026, 08:00 (America/New_York, UTC−05:00)". */
export function formatInZone(instant: Date, zone: string): string {
  const fmt = noticeFormatIn(zone);
  const parts = fmt.formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('weekday')} ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} (${zone}, ${get('timeZoneName')})`;
}
