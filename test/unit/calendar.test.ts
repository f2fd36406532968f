import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  buildCalendar,
  CalendarError,
  parseCalendars,
  type CalendarSpec,
  type Weekday,
} from '../../functions/core/calendar.ts';

const H = 3600;
const DAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** Epoch ms of a local wall-clock time in a zone. */
const at = (iso: string, zone: string): number => {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad test time ${iso}`);
  return dt.toMillis();
};
const everyDay = (windows: ReadonlyArray<readonly [string, string]>): CalendarSpec['week'] =>
  Object.fromEntries(DAYS.map((d) => [d, windows]));
const officeWeek = { mon: [['09:00', '17:30']], tue: [['09:00', '17:30']], wed: [['09:00', '17:30']], thu: [['09:00', '17:30']], fri: [['09:00', '17:30']] } as const;

describe('business calendar: counting', () => {
  const office = buildCalendar('office', { timeZone: 'Europe/Berlin', week: officeWeek });
  const z = 'Europe/Berlin';

  it('weekday window counting: counts only time inside the weekday window', () => {
    // 2026-06-01 is a Monday.
    expect(office.businessSecondsBetween(at('2026-06-01T00:00', z), at('2026-06-02T00:00', z))).toBe(8.5 * H);
    expect(office.businessSecondsBetween(at('2026-06-01T08:00', z), at('2026-06-01T10:15', z))).toBe(1.25 * H);
    expect(office.businessSecondsBetween(at('2026-06-01T17:00', z), at('2026-06-02T09:30', z))).toBe(1 * H);
    expect(office.businessSecondsBetween(at('2026-06-01T00:00', z), at('2026-06-08T00:00', z))).toBe(5 * 8.5 * H);
    expect(office.businessSecondsBetween(at('2026-06-02T00:00', z), at('2026-06-01T00:00', z))).toBe(0);
    expect(office.isOpen(at('2026-06-01T09:00', z))).toBe(true);
    expect(office.isOpen(at('2026-06-01T17:30', z))).toBe(false);
    expect(office.isOpen(at('2026-06-01T08:59:59.999', z))).toBe(false);
  });

  it('is exact to the millisecond (fractional seconds)', () => {
    const from = at('2026-06-01T08:59:59.750', z);
    expect(office.businessSecondsBetween(from, from + 1000)).toBeCloseTo(0.75, 9);
    expect(office.businessSecondsBetween(from + 250, from + 251)).toBeCloseTo(0.001, 9);
    expect(office.addBusinessSeconds(from, 0.001)).toBe(at('2026-06-01T09:00:00.001', z));
  });

  it('several windows a day: sums every window and skips the gaps', () => {
    const split = buildCalendar('split', {
      timeZone: 'Asia/Tokyo',
      week: { wed: [['13:00', '17:00'], ['08:00', '12:00'], ['20:00', '24:00']] },
    });
    const tz = 'Asia/Tokyo';
    expect(split.businessSecondsBetween(at('2026-06-03T00:00', tz), at('2026-06-04T00:00', tz))).toBe(12 * H);
    expect(split.businessSecondsBetween(at('2026-06-03T11:00', tz), at('2026-06-03T14:00', tz))).toBe(2 * H);
    expect(split.isOpen(at('2026-06-03T12:30', tz))).toBe(false);
    expect(split.addBusinessSeconds(at('2026-06-03T11:30', tz), H)).toBe(at('2026-06-03T13:30', tz));
    // "24:00" runs to the next midnight; the next open time is a week later.
    expect(split.addBusinessSeconds(at('2026-06-03T23:00', tz), H)).toBe(at('2026-06-04T00:00', tz));
    expect(split.addBusinessSeconds(at('2026-06-03T23:00', tz), H + 1)).toBe(at('2026-06-10T08:00:01', tz));
  });

  it('closed days: days left out (or empty) contribute nothing and are skipped by addBusinessSeconds', () => {
    const cal = buildCalendar('weekdays', { timeZone: 'UTC', week: { ...officeWeek, sat: [] } });
    // Fri 2026-06-05 17:00 -> Mon 2026-06-08 10:00: half an hour on Friday, one hour on Monday.
    expect(cal.businessSecondsBetween(Date.UTC(2026, 5, 5, 17), Date.UTC(2026, 5, 8, 10))).toBe(1.5 * H);
    expect(cal.businessSecondsBetween(Date.UTC(2026, 5, 6), Date.UTC(2026, 5, 8))).toBe(0);
    expect(cal.isOpen(Date.UTC(2026, 5, 6, 12))).toBe(false);
    expect(cal.addBusinessSeconds(Date.UTC(2026, 5, 5, 17), H)).toBe(Date.UTC(2026, 5, 8, 9, 30));
    expect(cal.addBusinessSeconds(Date.UTC(2026, 5, 6, 12), 0)).toBe(Date.UTC(2026, 5, 8, 9));
  });

  it('holidays: close the whole local day, and only that day', () => {
    const tz = 'America/New_York';
    const cal = buildCalendar('ny', {
      timeZone: tz,
      week: { ...everyDay([['09:00', '17:00'], ['22:00', '24:00']]), fri: [['00:00', '02:00'], ['09:00', '17:00']] },
      holidays: ['2026-12-25', '2026-12-25', '2027-01-01'],
    });
    // Thu 2026-12-24 keeps its 22:00-24:00 shift; Fri 2026-12-25 (holiday) loses its 00:00-02:00 and 09:00-17:00.
    expect(cal.businessSecondsBetween(at('2026-12-24T00:00', tz), at('2026-12-25T00:00', tz))).toBe(10 * H);
    expect(cal.businessSecondsBetween(at('2026-12-25T00:00', tz), at('2026-12-26T00:00', tz))).toBe(0);
    expect(cal.isOpen(at('2026-12-25T01:00', tz))).toBe(false);
    expect(cal.isOpen(at('2026-12-24T23:59', tz))).toBe(true);
    // The holiday is the local date: 2026-12-25T03:00Z is still the 24th in New York.
    expect(cal.isOpen(Date.UTC(2026, 11, 25, 3, 30))).toBe(true);
    expect(cal.addBusinessSeconds(at('2026-12-24T23:00', tz), 2 * H)).toBe(at('2026-12-26T10:00', tz));
    // 2026-12-31 is a Thursday; 2027-01-01 (Friday) is a holiday.
    expect(cal.addBusinessSeconds(at('2026-12-31T23:30', tz), H)).toBe(at('2027-01-02T09:30', tz));
  });
});

describe('business calendar: DST', () => {
  const transitions = [
    { zone: 'Europe/London', springForward: '2026-03-29', fallBack: '2026-10-25' },
    { zone: 'America/New_York', springForward: '2026-03-08', fallBack: '2026-11-01' },
  ];
  for (const { zone, springForward, fallBack } of transitions) {
    const dayLength = (cal: ReturnType<typeof buildCalendar>, date: string): number =>
      cal.businessSecondsBetween(at(`${date}T00:00`, zone), DateTime.fromISO(date, { zone }).plus({ days: 1 }).toMillis());

    it(`${zone}: a 09:00-17:00 day is always 8 h, across both transitions`, () => {
      const cal = buildCalendar('nine-five', { timeZone: zone, week: everyDay([['09:00', '17:00']]) });
      for (const date of [springForward, fallBack, '2026-01-15', '2026-07-15']) expect(dayLength(cal, date)).toBe(8 * H);
      // A week spanning each transition is still 7 x 8 h.
      for (const date of [springForward, fallBack]) {
        const from = DateTime.fromISO(date, { zone }).minus({ days: 3 });
        expect(cal.businessSecondsBetween(from.toMillis(), from.plus({ days: 7 }).toMillis())).toBe(56 * H);
      }
    });

    it(`${zone}: a 00:00-24:00 day is 23 h on spring-forward and 25 h on fall-back`, () => {
      const cal = buildCalendar('all-day', { timeZone: zone, week: everyDay([['00:00', '24:00']]) });
      expect(dayLength(cal, springForward)).toBe(23 * H);
      expect(dayLength(cal, fallBack)).toBe(25 * H);
      expect(dayLength(cal, '2026-07-15')).toBe(24 * H);
      // Open all the time: counts plain elapsed time.
      const from = at(`${springForward}T00:00`, zone) - 5 * 86_400_000;
      expect(cal.businessSecondsBetween(from, from + 10 * 86_400_000)).toBe(10 * 24 * H);
    });

    it(`${zone}: addBusinessSeconds lands on the right local time across both transitions`, () => {
      const cal = buildCalendar('nine-five', { timeZone: zone, week: everyDay([['09:00', '17:00']]) });
      for (const date of [springForward, fallBack]) {
        const before = DateTime.fromISO(`${date}T16:00`, { zone }).minus({ days: 1 });
        // 1 h on the day before, 7 h on the transition day.
        expect(cal.addBusinessSeconds(before.toMillis(), 8 * H)).toBe(at(`${date}T16:00`, zone));
        expect(cal.addBusinessSeconds(before.toMillis(), 10 * H)).toBe(before.plus({ days: 2 }).set({ hour: 10 }).toMillis());
      }
    });
  }

  it('a window crossing the spring-forward gap counts only real elapsed open time', () => {
    // London: 01:00 GMT -> 02:00 BST. A 01:30-03:30 window is open from the jump to 03:30 BST.
    const london = buildCalendar('gap', { timeZone: 'Europe/London', week: { sun: [['01:30', '03:30']] } });
    const day = Date.UTC(2026, 2, 29);
    expect(london.businessSecondsBetween(day, day + 86_400_000)).toBe(1.5 * H);
    expect(london.addBusinessSeconds(day, 0)).toBe(Date.UTC(2026, 2, 29, 1));
    expect(london.addBusinessSeconds(day, 1.5 * H)).toBe(Date.UTC(2026, 2, 29, 2, 30));
    expect(london.isOpen(Date.UTC(2026, 2, 29, 0, 59))).toBe(false);
    // New York: 02:00 EST -> 03:00 EDT. 01:30-03:30 shows 01:30-02:00 EST then 03:00-03:30 EDT.
    const ny = buildCalendar('gap', { timeZone: 'America/New_York', week: { sun: [['01:30', '03:30']] } });
    const nyDay = at('2026-03-08T00:00', 'America/New_York');
    expect(ny.businessSecondsBetween(nyDay, nyDay + 86_400_000)).toBe(1 * H);
    expect(ny.addBusinessSeconds(nyDay, 0.5 * H)).toBe(Date.UTC(2026, 2, 8, 7)); // 02:00 EST = 03:00 EDT
  });

  it('transitions at midnight (America/Santiago): the repeated hour belongs to the earlier date, the skipped hour to none', () => {
    const cal = buildCalendar('santiago', {
      timeZone: 'America/Santiago',
      week: { sat: [['00:00', '24:00']], sun: [['00:00', '01:30']] },
    });
    // 2026-04-05 00:00 -> 2026-04-04 23:00: Saturday lasts 25 h, then Sunday 00:00-01:30.
    expect(cal.businessSecondsBetween(Date.UTC(2026, 3, 3), Date.UTC(2026, 3, 7))).toBe(26.5 * H);
    // 2026-09-06 00:00 -> 01:00: Saturday lasts 24 h, Sunday shows only 01:00-01:30.
    expect(cal.businessSecondsBetween(Date.UTC(2026, 8, 4), Date.UTC(2026, 8, 8))).toBe(24.5 * H);
  });

  it('a window inside the repeated fall-back hour is open both times the clock shows it', () => {
    const ny = buildCalendar('repeat', { timeZone: 'America/New_York', week: { sun: [['01:30', '02:30']] } });
    const day = at('2026-11-01T00:00', 'America/New_York');
    // 01:30-02:00 EDT (05:30-06:00Z), then 01:30-02:30 EST (06:30-07:30Z).
    expect(ny.businessSecondsBetween(day, day + 86_400_000)).toBe(1.5 * H);
    expect(ny.isOpen(Date.UTC(2026, 10, 1, 5, 45))).toBe(true);
    expect(ny.isOpen(Date.UTC(2026, 10, 1, 6, 15))).toBe(false); // 01:15 EST
    expect(ny.addBusinessSeconds(day, 0.5 * H)).toBe(Date.UTC(2026, 10, 1, 6, 0));
    expect(ny.addBusinessSeconds(day, 0.5 * H + 1)).toBe(Date.UTC(2026, 10, 1, 6, 30, 1));
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ZONES = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham', 'Asia/Kolkata', 'UTC'];
/** Dates with DST changes in at least one of ZONES (2026), and a quiet one. */
const ANCHORS = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-09-06', '2026-09-27', '2026-10-04', '2026-10-25', '2026-11-01', '2026-07-15'];
const HOLIDAY_POOL = ANCHORS.flatMap((a) => [-2, -1, 0, 1, 3].map((d) => DateTime.fromISO(a, { zone: 'UTC' }).plus({ days: d }).toISODate()!));

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
/** Non-overlapping windows of one day, on half hours (to meet DST transitions) or any minute. */
const dayArb = fc
  .uniqueArray(fc.oneof(fc.integer({ min: 0, max: 48 }).map((x) => x * 30), fc.integer({ min: 0, max: 1440 })), { maxLength: 6 })
  .map((ms) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const windows: Array<[string, string]> = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) windows.push([hhmm(sorted[i]!), hhmm(sorted[i + 1]!)]);
    return windows;
  });
const specArb: fc.Arbitrary<CalendarSpec> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    week: fc.record(Object.fromEntries(DAYS.map((d) => [d, dayArb])) as Record<Weekday, typeof dayArb>, { requiredKeys: [] }),
    holidays: fc.subarray(HOLIDAY_POOL),
  })
  .filter((s) => Object.values(s.week).some((w) => w.length > 0));
/** An instant within 10 days of an anchor date (local midnight in the zone), on a whole minute. */
const minuteNear = (zone: string): fc.Arbitrary<number> =>
  fc
    .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -10 * 1440, max: 10 * 1440 }))
    .map(([a, m]) => at(`${a}T00:00`, zone) + m * 60_000);

/** Reference: decide openness of one instant from luxon's local date and time. */
function referenceOpen(spec: CalendarSpec, ms: number): boolean {
  const local = DateTime.fromMillis(ms, { zone: spec.timeZone });
  if (spec.holidays?.includes(local.toISODate()!)) return false;
  const minute = local.hour * 60 + local.minute;
  const minutesOf = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  return (spec.week[DAYS[local.weekday - 1]!] ?? []).some(([s, e]) => minutesOf(s) <= minute && minute < minutesOf(e));
}

describe('business calendar: properties', () => {
  it('brute-force reference (minute by minute, luxon) agrees with businessSecondsBetween and isOpen', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => fc.tuple(fc.constant(spec), minuteNear(spec.timeZone), fc.integer({ min: 0, max: 20 * 1440 }))),
        ([spec, from, minutes]) => {
          const cal = buildCalendar('random', spec);
          let open = 0;
          for (let i = 0; i < minutes; i++) {
            const t = from + i * 60_000;
            const isOpen = referenceOpen(spec, t);
            if (isOpen) open++;
            if (i % 97 === 0) expect(cal.isOpen(t)).toBe(isOpen);
          }
          expect(cal.businessSecondsBetween(from, from + minutes * 60_000)).toBe(open * 60);
        },
      ),
      { numRuns: 30 },
    );
  }, 30_000);

  it('addBusinessSeconds is the inverse of businessSecondsBetween, minimal, and monotone in seconds', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) =>
          fc.tuple(
            fc.constant(spec),
            minuteNear(spec.timeZone).chain((m) => fc.double({ min: m - 86_400_000, max: m + 86_400_000, noNaN: true })),
            fc.double({ min: 0, max: 30 * 86_400, noNaN: true }),
            fc.double({ min: 0, max: 30 * 86_400, noNaN: true }),
          ),
        ),
        ([spec, from, s1, s2]) => {
          const cal = buildCalendar('random', spec);
          const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1];
          const tLo = cal.addBusinessSeconds(from, lo);
          const tHi = cal.addBusinessSeconds(from, hi);
          expect(Math.abs(cal.businessSecondsBetween(from, tLo) - lo)).toBeLessThanOrEqual(0.001);
          expect(Math.abs(cal.businessSecondsBetween(from, tHi) - hi)).toBeLessThanOrEqual(0.001);
          expect(tLo).toBeGreaterThanOrEqual(from);
          expect(tHi).toBeGreaterThanOrEqual(tLo);
          // Minimal: a millisecond earlier, less open time has elapsed.
          if (hi > 0.001) expect(cal.businessSecondsBetween(from, tHi - 1)).toBeLessThan(hi);
          // seconds = 0 gives the first open instant at or after from.
          const first = cal.addBusinessSeconds(from, 0);
          expect(cal.isOpen(first)).toBe(true);
          expect(cal.businessSecondsBetween(from, first)).toBe(0);
        },
      ),
      { numRuns: 120 },
    );
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// Validation

describe('business calendar: invalid specs', () => {
  const mon = { mon: [['09:00', '17:00']] };
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ['invalid time zone', { timeZone: 'Mars/Olympus_Mons', week: mon }, 'invalid time zone "Mars/Olympus_Mons"'],
    ['empty time zone', { timeZone: '', week: mon }, 'invalid time zone ""'],
    ['overlapping windows', { timeZone: 'UTC', week: { mon: [['09:00', '12:00'], ['11:00', '13:00']] } }, 'overlapping windows on mon'],
    ['overlapping windows (unsorted)', { timeZone: 'UTC', week: { tue: [['13:00', '18:00'], ['09:00', '13:30']] } }, 'overlapping windows on tue'],
    ['end before start', { timeZone: 'UTC', week: { mon: [['17:00', '09:00']] } }, 'window 17:00-09:00 on mon must end after it starts'],
    ['end equal to start', { timeZone: 'UTC', week: { wed: [['09:00', '09:00']] } }, 'window 09:00-09:00 on wed must end after it starts'],
    ['time without two-digit hour', { timeZone: 'UTC', week: { mon: [['9:00', '17:00']] } }, 'invalid time "9:00" on mon'],
    ['time past 24:00', { timeZone: 'UTC', week: { mon: [['09:00', '24:30']] } }, 'invalid time "24:30" on mon'],
    ['minute 60', { timeZone: 'UTC', week: { mon: [['12:60', '13:00']] } }, 'invalid time "12:60" on mon'],
    ['hour 25', { timeZone: 'UTC', week: { mon: [['09:00', '25:00']] } }, 'invalid time "25:00" on mon'],
    ['seconds given', { timeZone: 'UTC', week: { mon: [['09:00:00', '17:00']] } }, 'invalid time "09:00:00" on mon'],
    ['unknown day name', { timeZone: 'UTC', week: { ...mon, monday: [['09:00', '17:00']] } }, 'unknown day name "monday"'],
    ['impossible holiday date', { timeZone: 'UTC', week: mon, holidays: ['2026-02-30'] }, 'invalid holiday date "2026-02-30"'],
    ['holiday in another format', { timeZone: 'UTC', week: mon, holidays: ['2026/12/25'] }, 'invalid holiday date "2026/12/25"'],
    ['holiday with a time', { timeZone: 'UTC', week: mon, holidays: ['2026-12-25T00:00'] }, 'invalid holiday date'],
    ['no open time (empty week)', { timeZone: 'UTC', week: {} }, 'no open time at all'],
    ['no open time (only empty days)', { timeZone: 'UTC', week: { mon: [], sat: [] } }, 'no open time at all'],
    ['spec not an object', 'UTC 9-5', 'invalid calendar'],
    ['spec null', null, 'invalid calendar'],
    ['week missing', { timeZone: 'UTC' }, 'invalid calendar at week'],
    ['time zone missing', { week: mon }, 'invalid calendar at timeZone'],
    ['window not a pair', { timeZone: 'UTC', week: { mon: [['09:00']] } }, 'invalid calendar at week.mon.0'],
    ['window with three times', { timeZone: 'UTC', week: { mon: [['09:00', '10:00', '11:00']] } }, 'invalid calendar at week.mon.0'],
    ['holidays not a list', { timeZone: 'UTC', week: mon, holidays: '2026-12-25' }, 'invalid calendar at holidays'],
    ['misspelt key', { timeZone: 'UTC', week: mon, holiday: ['2026-12-25'] }, 'invalid calendar'],
  ];
  for (const [what, spec, problem] of cases) {
    it(`every invalid-spec case throws naming the calendar and problem: ${what}`, () => {
      let error: unknown;
      try {
        buildCalendar('ops', spec);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CalendarError);
      expect((error as Error).message).toContain(`"ops": ${problem}`);
    });
  }

  it('parseCalendars reports every problem of every calendar, each naming its calendar', () => {
    const result = parseCalendars({
      good: { timeZone: 'UTC', week: mon },
      zoneAndHoliday: { timeZone: 'Nowhere/Land', week: mon, holidays: ['2026-13-01'] },
      overlap: { timeZone: 'UTC', week: { fri: [['09:00', '12:00'], ['10:00', '11:00']] } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(3);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"zoneAndHoliday": invalid time zone'),
        expect.stringContaining('"zoneAndHoliday": invalid holiday date "2026-13-01"'),
        expect.stringContaining('"overlap": overlapping windows on fri'),
      ]),
    );
    for (const bad of [null, [], 'x', 42]) expect(parseCalendars(bad).ok).toBe(false);
  });

  it('parseCalendars returns every calendar by name when all are valid', () => {
    const result = parseCalendars({ support: { timeZone: 'Europe/London', week: officeWeek, holidays: ['2026-12-25'] }, night: { timeZone: 'UTC', week: { sun: [['22:00', '24:00']] } } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.calendars).sort()).toEqual(['night', 'support']);
    expect(result.calendars.support!.name).toBe('support');
    expect(result.calendars.night!.businessSecondsBetween(Date.UTC(2026, 5, 7), Date.UTC(2026, 5, 8))).toBe(2 * H);
  });

  it('addBusinessSeconds gives up (CalendarError) when every open day for 5 years is a holiday', () => {
    const mondays: string[] = [];
    for (let d = DateTime.fromISO('2026-01-05', { zone: 'UTC' }); d.year < 2033; d = d.plus({ weeks: 1 })) mondays.push(d.toISODate()!);
    const cal = buildCalendar('mondays', { timeZone: 'UTC', week: mon, holidays: mondays });
    expect(() => cal.addBusinessSeconds(Date.UTC(2026, 0, 1), 1)).toThrow(/"mondays": no open time for 5 years/);
    expect(cal.businessSecondsBetween(Date.UTC(2026, 0, 1), Date.UTC(2033, 0, 1))).toBe(0);
    // Large amounts of open time are fine: it is only a long closed stretch that stops the search.
    const office = buildCalendar('office', { timeZone: 'UTC', week: mon });
    const t = office.addBusinessSeconds(Date.UTC(2026, 0, 1), 8 * H * 600);
    expect(office.businessSecondsBetween(Date.UTC(2026, 0, 1), t)).toBe(8 * H * 600);
  });

  it('rejects non-finite instants and negative seconds', () => {
    const cal = buildCalendar('ops', { timeZone: 'UTC', week: mon });
    expect(() => cal.businessSecondsBetween(Number.NaN, 0)).toThrow(RangeError);
    expect(() => cal.addBusinessSeconds(0, -1)).toThrow(RangeError);
    expect(() => ALWAYS_OPEN.addBusinessSeconds(0, -1)).toThrow(RangeError);
  });
});

describe('ALWAYS_OPEN', () => {
  it('ALWAYS_OPEN behaves as plain elapsed seconds', () => {
    expect(ALWAYS_OPEN.name).toBe('24/7');
    const from = Date.UTC(2026, 2, 29, 0, 30, 0, 250);
    expect(ALWAYS_OPEN.businessSecondsBetween(from, from + 86_400_123)).toBe(86_400.123);
    expect(ALWAYS_OPEN.businessSecondsBetween(from, from - 5)).toBe(0);
    expect(ALWAYS_OPEN.addBusinessSeconds(from, 1.5)).toBe(from + 1500);
    expect(ALWAYS_OPEN.addBusinessSeconds(from, 0)).toBe(from);
    expect(ALWAYS_OPEN.isOpen(from)).toBe(true);
  });
});
