import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { activationInstant, daysBetween, isKnownTimeZone, isRealDate, todayIn, todayInUncached } from './calendar';

// Expected instants worked out by hand from the zones' published rules (2026 transitions).
const cases: [zone: string, date: string, time: string, expectedUtc: string, why: string][] = [
  ['America/New_York', '2026-12-01', '08:00', '2026-12-01T13:00:00.000Z', 'EST, UTC−5'],
  ['America/New_York', '2026-03-08', '08:00', '2026-03-08T12:00:00.000Z', 'transition day, after the jump: EDT'],
  ['America/New_York', '2026-03-08', '02:30', '2026-03-08T07:30:00.000Z', 'in the spring gap: moves to 03:30 EDT'],
  ['America/New_York', '2026-03-08', '01:59', '2026-03-08T06:59:00.000Z', 'just before the gap: EST'],
  ['America/New_York', '2026-11-01', '01:30', '2026-11-01T05:30:00.000Z', 'repeated hour: the earlier (EDT) instant'],
  ['America/New_York', '2026-11-01', '08:00', '2026-11-01T13:00:00.000Z', 'transition day, after fall-back: EST'],
  ['Europe/London', '2026-03-29', '01:30', '2026-03-29T01:30:00.000Z', 'in the gap: moves to 02:30 BST'],
  ['Europe/London', '2026-03-29', '08:00', '2026-03-29T07:00:00.000Z', 'transition day: BST'],
  ['Europe/London', '2026-10-25', '01:30', '2026-10-25T00:30:00.000Z', 'repeated hour: the earlier (BST) instant'],
  ['Europe/London', '2026-10-25', '08:00', '2026-10-25T08:00:00.000Z', 'transition day: GMT'],
  ['Australia/Sydney', '2026-10-04', '02:30', '2026-10-03T16:30:00.000Z', 'in the gap: moves to 03:30 AEDT'],
  ['Australia/Sydney', '2026-10-04', '08:00', '2026-10-03T21:00:00.000Z', 'transition day: AEDT'],
  ['Australia/Sydney', '2026-04-05', '02:30', '2026-04-04T15:30:00.000Z', 'repeated hour: the earlier (AEDT) instant'],
  ['Australia/Sydney', '2026-04-05', '08:00', '2026-04-04T22:00:00.000Z', 'transition day: AEST'],
  ['Asia/Kolkata', '2026-12-01', '08:00', '2026-12-01T02:30:00.000Z', 'UTC+5:30'],
  ['Asia/Kathmandu', '2026-12-01', '08:00', '2026-12-01T02:15:00.000Z', 'UTC+5:45'],
  ['Australia/Lord_Howe', '2026-10-04', '02:15', '2026-10-03T15:45:00.000Z', '30-minute gap: moves to 02:45 (+11)'],
  ['Australia/Lord_Howe', '2026-04-05', '01:45', '2026-04-04T14:45:00.000Z', '30-minute repeat: the earlier (+11) instant'],
  ['Australia/Lord_Howe', '2026-07-01', '08:00', '2026-06-30T21:30:00.000Z', 'standard time +10:30'],
  ['Pacific/Chatham', '2026-09-27', '03:00', '2026-09-26T14:15:00.000Z', 'gap 02:45–03:45: moves to 04:00 (+13:45)'],
  ['Pacific/Chatham', '2026-12-01', '08:00', '2026-11-30T18:15:00.000Z', 'DST +13:45'],
  ['Pacific/Kiritimati', '2026-12-01', '08:00', '2026-11-30T18:00:00.000Z', 'UTC+14: the previous UTC day'],
  ['Pacific/Apia', '2026-12-01', '08:00', '2026-11-30T19:00:00.000Z', 'UTC+13, no DST since 2021'],
  ['UTC', '2026-12-01', '00:00', '2026-12-01T00:00:00.000Z', 'midnight'],
  // Samoa crossed the date line: 2011-12-30 never happened in Apia (a 24-hour gap).
  ['Pacific/Apia', '2011-12-30', '08:00', '2011-12-30T18:00:00.000Z', 'a skipped day: moves forward 24 h to 31 Dec 08:00 (+14)'],
  ['Pacific/Apia', '2011-12-29', '08:00', '2011-12-29T18:00:00.000Z', 'the day before the jump (−10)'],
  ['Pacific/Kiritimati', '2026-12-31', '23:30', '2026-12-31T09:30:00.000Z', 'UTC+14, late evening: still the same UTC day'],
];

describe('activationInstant', () => {
  it.each(cases)('%s %s %s → %s (%s)', (zone, date, time, expected) => {
    expect(activationInstant(date, time, zone).toISOString()).toBe(expected);
  });

  it('refuses a date that does not exist', () => {
    expect(() => activationInstant('2026-02-30', '08:00', 'UTC')).toThrow();
  });

  const zones = [
    'America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe',
    'Asia/Kolkata', 'Asia/Kathmandu', 'Pacific/Chatham', 'Pacific/Kiritimati', 'Pacific/Apia',
    'America/Sao_Paulo', 'America/St_Johns', 'Africa/Casablanca', 'Asia/Tehran', 'UTC',
  ];

  it('renders back in its zone as the requested local time whenever that time exists', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom(...zones),
        (day, hour, minute, zone) => {
          const date = day.toISOString().slice(0, 10);
          const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          const instant = activationInstant(date, time, zone);
          const shown = localParts(instant, zone);
          if (shown.date === date && shown.time === time) {
            // A repeated (fall-back) time takes the earlier instant: the same wall time never
            // showed an overlap's length (30 or 60 minutes) before it.
            for (const overlap of [30, 60]) {
              const earlier = localParts(new Date(instant.getTime() - overlap * 60_000), zone);
              if (earlier.date === date && earlier.time === time) return false;
            }
            return true;
          }
          // Otherwise the requested time must not exist: it lies in a gap, and the instant is
          // the requested wall time moved forward by exactly the gap's length.
          const before = offsetMinutes(new Date(instant.getTime() - 6 * 3600_000), zone);
          const after = offsetMinutes(new Date(instant.getTime() + 6 * 3600_000), zone);
          const gap = after - before;
          const requestedMinutes = hour * 60 + minute;
          const shownMinutes = Number(shown.time.slice(0, 2)) * 60 + Number(shown.time.slice(3));
          return gap > 0 && shown.date === date && shownMinutes - requestedMinutes === gap;
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('calendar helpers', () => {
  it('knows real dates', () => {
    expect(isRealDate('2028-02-29')).toBe(true);
    expect(isRealDate('2026-02-29')).toBe(false);
    expect(isRealDate('2026-13-01')).toBe(false);
  });
  it('knows IANA zones', () => {
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
  it('computes today in a zone', () => {
    const now = new Date('2026-11-28T23:30:00Z');
    expect(todayIn('UTC', now)).toBe('2026-11-28');
    expect(todayIn('Pacific/Kiritimati', now)).toBe('2026-11-29');
    expect(todayIn('America/Los_Angeles', now)).toBe('2026-11-28');
    expect(daysBetween('2026-11-28', '2026-12-01')).toBe(3);
  });
  it('caches today per zone and UTC minute without ever being wrong, across local midnight in every zone', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      for (const date of ['2026-03-29', '2026-11-01', '2027-01-01']) {
        const midnight = activationInstant(date, '00:00', zone).getTime();
        for (let t = midnight - 150_000; t <= midnight + 150_000; t += 7_000) {
          const now = new Date(t);
          expect(todayIn(zone, now), `${zone} at ${now.toISOString()}`).toBe(todayInUncached(zone, now));
        }
      }
    }
  });
});

function localParts(instant: Date, zone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

function offsetMinutes(instant: Date, zone: string): number {
  const name = new Intl.DateTimeFormat('en', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')!.value; // "GMT+05:45" or "GMT"
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}
