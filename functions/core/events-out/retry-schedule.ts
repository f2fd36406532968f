/**
 * When to try a webhook delivery again (issue 13): `WEBHOOK_RETRY_SCHEDULE` lists the seconds
 * between attempts (default about 24 hours in 10 retries); each wait gets ±10 % jitter and is
 * never shorter than the receiver's Retry-After. Pure.
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800];
const MAX_ENTRIES = 30;
const MAX_WAIT_SECONDS = 7 * 86400;

/** Parse the setting; throws a message naming what is wrong. */
export function parseRetrySchedule(raw: string | undefined): readonly number[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RETRY_SCHEDULE;
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.length > MAX_ENTRIES) throw new Error(`WEBHOOK_RETRY_SCHEDULE: at most ${MAX_ENTRIES} retries`);
  return parts.map((p, i) => {
    if (!/^\d{1,7}$/.test(p) || Number(p) < 1 || Number(p) > MAX_WAIT_SECONDS) {
      throw new Error(`WEBHOOK_RETRY_SCHEDULE: entry ${i + 1} ("${p.slice(0, 20)}") must be whole seconds from 1 to ${MAX_WAIT_SECONDS}`);
    }
    return Number(p);
  });
}

/**
 * Seconds to wait before attempt `failedAttempts + 1`, or undefined when the schedule is spent
 * (the delivery goes to the DLQ). `retryAfterSeconds` from the receiver's Retry-After (if any);
 * `random` in [0, 1).
 */
export function nextRetryDelay(schedule: readonly number[], failedAttempts: number, retryAfterSeconds: number | undefined, random: number): number | undefined {
  const base = schedule[failedAttempts - 1];
  if (base === undefined || failedAttempts < 1) return undefined;
  const jittered = Math.max(1, Math.round(base * (0.9 + 0.2 * random)));
  return Math.min(MAX_WAIT_SECONDS, Math.max(jittered, Math.ceil(retryAfterSeconds ?? 0)));
}

/** A Retry-After header (delta-seconds or HTTP date) as seconds from `now`, if it is one. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isFinite(at) && /[a-z]/i.test(v) ? Math.max(0, Math.ceil((at - now.getTime()) / 1000)) : undefined;
}
