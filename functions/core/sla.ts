/** Time helpers for SLA timers: delayed-check hops (SQS delays stop at 15 minutes). Pure. */
import { MAX_SQS_DELAY_SECONDS } from '../spec.ts';

export const addSeconds = (iso: string, s: number): string => new Date(Date.parse(iso) + s * 1000).toISOString();

export const secondsBetween = (fromIso: string, toIso: string): number =>
  Math.max(0, (Date.parse(toIso) - Date.parse(fromIso)) / 1000);

/**
 * SQS delays stop at 15 minutes: a check due later is sent with the longest delay allowed and
 * re-delayed by the worker until it is due.
 */
export const delayUntil = (now: Date, dueAt: string): number => {
  const remaining = Math.ceil((Date.parse(dueAt) - now.getTime()) / 1000);
  return Math.max(0, Math.min(MAX_SQS_DELAY_SECONDS, remaining));
};
