/**
 * Business calendars for response-time metrics: open hours per weekday in an IANA time zone, minus
 * holidays. Pure (no I/O); the zone offsets come from the runtime's tz database (zone-offset.ts).
 *
 * Semantics (wall clock): an instant is open when its local date (in the calendar's zone) is not a
 * holiday and its local time of day falls inside one of that weekday's windows [start, end) — "24:00"
 * meaning the following midnight. So every elapsed open millisecond is counted exactly once, however
 * the clocks move:
 *  - a 00:00-24:00 day lasts 23 h on spring-forward and 25 h on fall-back; 09:00-17:00 is always 8 h
 *    in zones whose transitions happen at night;
 *  - a window crossing a gap counts only the real time the clock showed a time inside it
 *    (Europe/London 01:30-03:30 on spring-forward: the clock jumps 01:00 GMT -> 02:00 BST, open from
 *    the jump to 03:30 BST = 1.5 h);
 *  - a window inside a repeated hour is open both times the clock shows it (America/New_York
 *    01:00-02:00 on fall-back = 2 h).
 * Windows never cross midnight (end <= 24:00); write "22:00-24:00" on one day and "00:00-02:00" on the
 * next for an overnight shift. A holiday closes exactly the instants whose local date is the
 * holiday, so an overnight shift ending on a holiday loses only its after-midnight part.
 *
 * Cost: both computations walk the range one offset segment at a time, and each segment one local
 * day at a time: O(days spanned). Offset transitions are located by probing the offset once per UTC day
 * and bisecting to the millisecond, cached per zone and UTC day.
 */
import * as z from 'zod';
import { isValidTimeZone, zoneOffsetMinutes } from './zone-offset.ts';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface CalendarSpec {
  readonly timeZone: string;
  readonly week: Readonly<Partial<Record<Weekday, ReadonlyArray<readonly [string, string]>>>>;
  readonly holidays?: readonly string[];
}

export interface Calendar {
  readonly name: string; // '24/7' for ALWAYS_OPEN
  /** Open seconds in [fromMs, toMs) (0 when toMs <= fromMs). Exact to the millisecond (return fractional seconds). */
  businessSecondsBetween(fromMs: number, toMs: number): number;
  /** The instant (epoch ms) at which `seconds` of open time have elapsed after fromMs. seconds=0 -> the first open instant at or after fromMs. */
  addBusinessSeconds(fromMs: number, seconds: number): number;
  isOpen(ms: number): boolean;
}

/** A calendar spec that cannot be used; `problems` lists each thing wrong (the message joins them). */
export class CalendarError extends Error {
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.name = 'CalendarError';
    this.problems = problems;
  }
}

const DAY_MS = 86_400_000;
/** addBusinessSeconds gives up after scanning this long without open time (a calendar whose open days are all holidays). */
const MAX_CLOSED_MS = 5 * 366 * DAY_MS;
/** How far ahead addBusinessSeconds looks for an offset change before treating the stretch as one segment. */
const SEGMENT_HORIZON_MS = 32 * DAY_MS;
/** Index 0 = Monday; day number 0 (1970-01-01) was a Thursday. */
const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const weekdayIndex = (dayNumber: number): number => (((dayNumber + 3) % 7) + 7) % 7;

const checkFinite = (what: string, n: number): void => {
  if (!Number.isFinite(n)) throw new RangeError(`${what} must be a finite number, got ${n}`);
};

// ---------------------------------------------------------------------------------------------
// Zone offsets and transitions

interface ZoneClock {
  /** UTC offset in ms at the instant. */
  offsetMs(ms: number): number;
  /** The first instant after `ms` and before `bound` at which the offset changes, or Infinity. */
  nextTransition(ms: number, bound: number): number;
}

/** Per zone: at most this many UTC days of transitions (and as many day-boundary offsets) are cached. */
const MAX_CACHED_DAYS = 1 << 16;
const NO_TRANSITIONS: readonly number[] = Object.freeze([]);
const zoneClocks = new Map<string, ZoneClock>();

/** A Map that forgets its oldest entry once full. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= MAX_CACHED_DAYS) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
  return value;
}

function zoneClock(timeZone: string): ZoneClock {
  const existing = zoneClocks.get(timeZone);
  if (existing) return existing;
  const offsetMs = (ms: number): number => Math.round(zoneOffsetMinutes(timeZone, ms) * 60_000);
  const boundaryOffsets = new Map<number, number>();
  const offsetAtDayStart = (k: number): number => boundaryOffsets.get(k) ?? remember(boundaryOffsets, k, offsetMs(k * DAY_MS));
  /**
   * Offset changes in (k*DAY, (k+1)*DAY] for UTC day k, ascending: found by comparing the offsets at
   * the day's two ends and bisecting to the millisecond. (Two changes cancelling out within one UTC
   * day would go unseen; no zone does that.)
   */
  const transitionsByDay = new Map<number, readonly number[]>();
  const transitions = (k: number): readonly number[] => {
    const cached = transitionsByDay.get(k);
    if (cached) return cached;
    const right = (k + 1) * DAY_MS;
    const rightOffset = offsetAtDayStart(k + 1);
    let left = k * DAY_MS;
    let leftOffset = offsetAtDayStart(k);
    if (leftOffset === rightOffset) return remember(transitionsByDay, k, NO_TRANSITIONS);
    const found: number[] = [];
    // Several changes in one day are found one after the other.
    while (leftOffset !== rightOffset) {
      let lo = left; // offset(lo) === leftOffset
      let hi = right; // offset(hi) !== leftOffset
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMs(mid) === leftOffset) lo = mid;
        else hi = mid;
      }
      found.push(hi);
      left = hi;
      leftOffset = offsetMs(hi);
    }
    return remember(transitionsByDay, k, found);
  };
  const clock: ZoneClock = {
    offsetMs,
    nextTransition(ms, bound) {
      for (let k = Math.floor(ms / DAY_MS); k * DAY_MS < bound; k++) {
        for (const p of transitions(k)) if (p > ms) return p < bound ? p : Infinity;
      }
      return Infinity;
    },
  };
  zoneClocks.set(timeZone, clock);
  return clock;
}

// ---------------------------------------------------------------------------------------------
// Calendars

/** Windows as [startMs, endMs) offsets from local midnight, sorted, per weekday index (0 = mon). */
type CompiledWeek = ReadonlyArray<ReadonlyArray<readonly [number, number]>>;

function makeCalendar(name: string, timeZone: string, week: CompiledWeek, holidays: ReadonlySet<number>): Calendar {
  const clock = zoneClock(timeZone);
  const windowsOn = (dayNumber: number): ReadonlyArray<readonly [number, number]> =>
    holidays.has(dayNumber) ? [] : week[weekdayIndex(dayNumber)]!;

  /**
   * Visits the open stretches of [fromMs, toMs) in order, as instants [lo, hi), until `visit`
   * returns a value (which is then returned). Gives up (undefined) after `maxClosedMs` without any
   * open time; segments are at most `horizon` long.
   */
  function walk<T>(
    fromMs: number,
    toMs: number,
    horizon: number,
    maxClosedMs: number,
    visit: (lo: number, hi: number) => T | undefined,
  ): T | undefined {
    let cur = fromMs;
    let lastOpen = fromMs;
    while (cur < toMs) {
      if (cur - lastOpen > maxClosedMs) return undefined;
      const segEnd = Math.min(toMs, clock.nextTransition(cur, Math.min(toMs, cur + horizon)), cur + horizon);
      const o = clock.offsetMs(cur);
      // Within [cur, segEnd) local wall time is instant + o.
      const localFrom = cur + o;
      const localTo = segEnd + o;
      for (let d = Math.floor(localFrom / DAY_MS); d * DAY_MS < localTo; d++) {
        const midnight = d * DAY_MS;
        for (const [s, e] of windowsOn(d)) {
          const lo = Math.max(localFrom, midnight + s);
          const hi = Math.min(localTo, midnight + e);
          if (hi > lo) {
            lastOpen = hi - o;
            const r = visit(lo - o, hi - o);
            if (r !== undefined) return r;
          }
        }
      }
      cur = segEnd;
    }
    return undefined;
  }

  return Object.freeze({
    name,
    businessSecondsBetween(fromMs: number, toMs: number): number {
      checkFinite('fromMs', fromMs);
      checkFinite('toMs', toMs);
      let total = 0;
      walk(fromMs, toMs, Infinity, Infinity, (lo, hi) => {
        total += hi - lo;
        return undefined;
      });
      return total / 1000;
    },
    addBusinessSeconds(fromMs: number, seconds: number): number {
      checkFinite('fromMs', fromMs);
      checkFinite('seconds', seconds);
      if (seconds < 0) throw new RangeError(`seconds must be >= 0, got ${seconds}`);
      let remaining = seconds * 1000;
      const found = walk(fromMs, Infinity, SEGMENT_HORIZON_MS, MAX_CLOSED_MS, (lo, hi) => {
        if (remaining <= hi - lo) return lo + remaining;
        remaining -= hi - lo;
        return undefined;
      });
      if (found === undefined) {
        throw new CalendarError(
          `${JSON.stringify(name)}: no open time for 5 years (are all open days holidays?) while adding ${seconds} s after ${new Date(fromMs).toISOString()}`,
        );
      }
      return found;
    },
    isOpen(ms: number): boolean {
      checkFinite('ms', ms);
      const local = ms + clock.offsetMs(ms);
      const d = Math.floor(local / DAY_MS);
      const t = local - d * DAY_MS;
      return windowsOn(d).some(([s, e]) => s <= t && t < e);
    },
  });
}

export const ALWAYS_OPEN: Calendar = Object.freeze({
  name: '24/7',
  businessSecondsBetween(fromMs: number, toMs: number): number {
    checkFinite('fromMs', fromMs);
    checkFinite('toMs', toMs);
    return Math.max(0, toMs - fromMs) / 1000;
  },
  addBusinessSeconds(fromMs: number, seconds: number): number {
    checkFinite('fromMs', fromMs);
    checkFinite('seconds', seconds);
    if (seconds < 0) throw new RangeError(`seconds must be >= 0, got ${seconds}`);
    return fromMs + seconds * 1000;
  },
  isOpen(ms: number): boolean {
    checkFinite('ms', ms);
    return true;
  },
});

// ---------------------------------------------------------------------------------------------
// Validation

const specSchema = z.strictObject({
  timeZone: z.string(),
  week: z.record(z.string(), z.array(z.tuple([z.string(), z.string()]))),
  holidays: z.array(z.string()).optional(),
});

const TIME = /^(\d{2}):(\d{2})$/;
/** "HH:MM" in 00:00-24:00 -> ms after midnight, or undefined. */
function parseTime(s: string): number | undefined {
  const m = TIME.exec(s);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return (h * 60 + min) * 60_000;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** "YYYY-MM-DD" (a real date) -> days since 1970-01-01, or undefined. */
function parseDate(s: string): number | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return Math.round(date.getTime() / DAY_MS);
}

const isWeekday = (s: string): s is Weekday => (WEEKDAYS as readonly string[]).includes(s);

function compile(name: string, spec: unknown): { calendar: Calendar; problems?: never } | { problems: string[] } {
  const label = JSON.stringify(name);
  const parsed = specSchema.safeParse(spec);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => {
        const where = i.path.length ? ` at ${i.path.map(String).join('.')}` : '';
        return `${label}: invalid calendar${where}: ${i.message}`;
      }),
    };
  }
  const { timeZone, week, holidays = [] } = parsed.data;
  const problems: string[] = [];

  if (!isValidTimeZone(timeZone)) problems.push(`${label}: invalid time zone ${JSON.stringify(timeZone)}`);

  const compiled: Array<Array<readonly [number, number]>> = WEEKDAYS.map(() => []);
  for (const [day, windows] of Object.entries(week)) {
    if (!isWeekday(day)) {
      problems.push(`${label}: unknown day name ${JSON.stringify(day)} (expected one of ${WEEKDAYS.join(' ')})`);
      continue;
    }
    const list: Array<readonly [number, number]> = [];
    for (const [startText, endText] of windows) {
      const start = parseTime(startText);
      const end = parseTime(endText);
      if (start === undefined || end === undefined) {
        const bad = start === undefined ? startText : endText;
        problems.push(`${label}: invalid time ${JSON.stringify(bad)} on ${day} (expected HH:MM from 00:00 to 24:00)`);
      } else if (end <= start) {
        problems.push(`${label}: window ${startText}-${endText} on ${day} must end after it starts`);
      } else {
        list.push([start, end]);
      }
    }
    list.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < list.length; i++) {
      if (list[i]![0] < list[i - 1]![1]) {
        problems.push(`${label}: overlapping windows on ${day}`);
        break;
      }
    }
    compiled[WEEKDAYS.indexOf(day)] = list;
  }

  const holidayDays = new Set<number>();
  for (const h of holidays) {
    const d = parseDate(h);
    if (d === undefined) problems.push(`${label}: invalid holiday date ${JSON.stringify(h)} (expected YYYY-MM-DD)`);
    else holidayDays.add(d);
  }

  if (problems.length === 0 && compiled.every((l) => l.length === 0)) {
    problems.push(`${label}: no open time at all (every day is closed or left out)`);
  }
  if (problems.length > 0) return { problems };
  return { calendar: makeCalendar(name, timeZone, compiled, holidayDays) };
}

/** Build one calendar; throws CalendarError with a message naming what is wrong (e.g. `"ops": overlapping windows on mon`). */
export function buildCalendar(name: string, spec: unknown): Calendar {
  const result = compile(name, spec);
  if (result.problems) throw new CalendarError(result.problems.join('; '), result.problems);
  return result.calendar;
}

/** Parse the BUSINESS_CALENDARS JSON value (already JSON.parsed): all calendars, or every problem found (each message names the calendar). */
export function parseCalendars(
  value: unknown,
): { ok: true; calendars: Readonly<Record<string, Calendar>> } | { ok: false; problems: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: ['BUSINESS_CALENDARS must be a JSON object mapping calendar names to calendars'] };
  }
  const problems: string[] = [];
  const calendars: Array<[string, Calendar]> = [];
  for (const [name, spec] of Object.entries(value)) {
    const result = compile(name, spec);
    if (result.problems) problems.push(...result.problems);
    else calendars.push([name, result.calendar]);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, calendars: Object.freeze(Object.fromEntries(calendars)) };
}
