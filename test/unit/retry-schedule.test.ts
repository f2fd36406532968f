import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, nextRetryDelay, parseRetrySchedule, parseRetryAfter } from '../../functions/core/events-out/retry-schedule.ts';

describe('webhook retry schedule', () => {
  it('defaults to about 24 hours over 10 retries', () => {
    expect(parseRetrySchedule(undefined)).toBe(DEFAULT_RETRY_SCHEDULE);
    const total = DEFAULT_RETRY_SCHEDULE.reduce((a, b) => a + b, 0);
    expect(total / 3600).toBeGreaterThan(23);
    expect(total / 3600).toBeLessThan(25);
  });

  it('parses seconds and names a bad entry', () => {
    expect(parseRetrySchedule('1, 2,3')).toEqual([1, 2, 3]);
    expect(() => parseRetrySchedule('5,abc')).toThrow(/entry 2 \("abc"\)/);
    expect(() => parseRetrySchedule('0')).toThrow(/entry 1/);
    expect(() => parseRetrySchedule('5,,6')).toThrow(/entry 2/);
    expect(() => parseRetrySchedule(Array(31).fill('1').join(','))).toThrow(/at most 30/);
  });

  it('jitters ±10 %, honours Retry-After, ends after the last entry', () => {
    expect(nextRetryDelay([100], 1, undefined, 0)).toBe(90);
    expect(nextRetryDelay([100], 1, undefined, 0.999999)).toBe(110);
    expect(nextRetryDelay([100], 1, 500, 0.5)).toBe(500);
    expect(nextRetryDelay([100], 2, undefined, 0.5)).toBeUndefined();
    expect(nextRetryDelay([100], 0, undefined, 0.5)).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
