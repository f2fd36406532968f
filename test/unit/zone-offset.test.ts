/**
 * zone-offset.ts against luxon's IANAZone (the library it replaces at runtime, kept as the reference
 * here) and against offsets published in the IANA tz database for well-known transitions.
 */
import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isValidTimeZone, zoneOffsetMinutes } from '../../functions/core/zone-offset.ts';

const ZONES = Intl.supportedValuesOf('timeZone');

describe('zoneOffsetMinutes', () => {
  it('is luxon IANAZone.offset for every zone the runtime knows, at random instants 1850-2150', () => {
    const min = Date.UTC(1850, 0, 1);
    const max = Date.UTC(2150, 0, 1);
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min, max }), (zone, ms) => {
        expect(zoneOffsetMinutes(zone, ms)).toBe(IANAZone.create(zone).offset(ms));
      }),
      { numRuns: 20_000 },
    );
  });

  it('is luxon at every hour of 2026 in zones with unusual rules', () => {
    for (const zone of ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'Africa/Casablanca', 'Antarctica/Troll', 'Pacific/Kiritimati', 'Etc/GMT+12']) {
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3_600_000 - 1) {
        expect(zoneOffsetMinutes(zone, ms), `${zone} ${new Date(ms).toISOString()}`).toBe(IANAZone.create(zone).offset(ms));
      }
    }
  });

  it('matches the tz database at published transitions (to the millisecond)', () => {
    // Europe/London: BST from 2026-03-29 01:00 UTC, GMT from 2026-10-25 01:00 UTC.
    expect(zoneOffsetMinutes('Europe/London', Date.UTC(2026, 2, 29, 0, 59, 59, 999))).toBe(0);
    expect(zoneOffsetMinutes('Europe/London', Date.UTC(2026, 2, 29, 1))).toBe(60);
    expect(zoneOffsetMinutes('Europe/London', Date.UTC(2026, 9, 25, 0, 59, 59, 999))).toBe(60);
    expect(zoneOffsetMinutes('Europe/London', Date.UTC(2026, 9, 25, 1))).toBe(0);
    // America/New_York: EDT from 2026-03-08 07:00 UTC.
    expect(zoneOffsetMinutes('America/New_York', Date.UTC(2026, 2, 8, 6, 59, 59, 999))).toBe(-300);
    expect(zoneOffsetMinutes('America/New_York', Date.UTC(2026, 2, 8, 7))).toBe(-240);
    // Half-hour and quarter-hour zones and a half-hour DST step.
    expect(zoneOffsetMinutes('Asia/Kathmandu', Date.UTC(2026, 5, 1))).toBe(345);
    expect(zoneOffsetMinutes('Australia/Lord_Howe', Date.UTC(2026, 0, 15))).toBe(660);
    expect(zoneOffsetMinutes('Australia/Lord_Howe', Date.UTC(2026, 6, 15))).toBe(630);
    expect(zoneOffsetMinutes('Pacific/Chatham', Date.UTC(2026, 6, 15))).toBe(765);
    // Instants before 1970 and within a second (the formatter shows whole seconds).
    expect(zoneOffsetMinutes('Europe/Paris', Date.UTC(1950, 0, 1, 12, 0, 0, 1))).toBe(60);
    expect(zoneOffsetMinutes('UTC', -1)).toBe(0);
  });
});

describe('isValidTimeZone', () => {
  it('is luxon IANAZone.isValidZone on real zones, aliases, case variants and garbage', () => {
    const samples = [...ZONES.slice(0, 50), 'europe/london', 'US/Eastern', 'Etc/UTC', 'UTC', '', 'Mars/Olympus', 'Europe/London ', '../../etc/passwd', 'x'.repeat(300), 'Europe/Lon\u0000don'];
    for (const z of samples) expect(isValidTimeZone(z), JSON.stringify(z)).toBe(IANAZone.isValidZone(z));
  });
});
