/** Optimistic concurrency: every write is guarded by a version; a write that lost a race re-reads and re-plans. */
import { ConflictError } from '../errors.ts';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Tries of one write before a lost race is given up (and surfaces as the caller decides). */
export const MAX_ATTEMPTS = 5;

/**
 * After a failed write: true (having waited a little, with jitter) when it lost a race and should
 * be re-read and re-planned; false when it should be thrown.
 */
export async function lostRace(e: unknown, attempt: number, isRace: (e: unknown) => boolean = (x) => x instanceof ConflictError, maxAttempts = MAX_ATTEMPTS): Promise<boolean> {
  if (!isRace(e) || attempt >= maxAttempts) return false;
  await sleep(Math.random() * 20 * attempt);
  return true;
}
