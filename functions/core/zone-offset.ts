/**
 * A time zone's UTC offset at an instant, read from the runtime's own tz database through
 * Intl.DateTimeFormat: the method luxon's IANAZone uses (format the instant in the zone, read the
 * wall-clock fields back as if they were UTC, subtract), without loading luxon (71 KB minified, a
 * cost at every cold start of every function). Tested against luxon over every zone the runtime
 * knows (test/unit/zone-offset.test.ts).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per valid zone (a few hundred at most: only zones Intl accepts are kept). */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Does the runtime know this IANA zone (as luxon's IANAZone.isValidZone: whatever Intl accepts)? */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `ms` (epoch milliseconds), in minutes (east positive). Throws for an unknown zone. */
export function zoneOffsetMinutes(timeZone: string, ms: number): number {
  // The formatter's numeric parts by type (year, month, day, hour, minute, second); the era apart.
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  let beforeChrist = false;
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type === 'era') beforeChrist = p.value.startsWith('B');
    else if (p.type !== 'literal') part[p.type] = Number(p.value);
  }
  let year = part.year ?? 0;
  const month = part.month ?? 1;
  const day = part.day ?? 1;
  const hour = (part.hour ?? 0) % 24; // some engines write midnight as 24
  const minute = part.minute ?? 0;
  const second = part.second ?? 0;
  if (beforeChrist) year = 1 - year;
  const wall = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  wall.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0-99 as 1900-1999
  // The formatter shows whole seconds: compare with the instant truncated to its second.
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  return (wall.getTime() - whole) / 60_000;
}
