/** SLA rules: due times, delayed-check hops, and the first-response verdict. Pure. */
import { MAX_SQS_DELAY_SECONDS } from '../spec.ts';
import type { Channel, Ticket } from './types.ts';

export const addSeconds = (iso: string, s: number): string => new Date(Date.parse(iso) + s * 1000).toISOString();

export const secondsBetween = (fromIso: string, toIso: string): number =>
  Math.max(0, (Date.parse(toIso) - Date.parse(fromIso)) / 1000);

export const firstResponseDueAt = (createdAt: string, channel: Channel, targets: Readonly<Record<Channel, number>>): string =>
  addSeconds(createdAt, targets[channel]);

/**
 * SQS delays stop at 15 minutes: a check due later is sent with the longest delay allowed and
 * re-delayed by the worker until it is due.
 */
export const delayUntil = (now: Date, dueAt: string): number => {
  const remaining = Math.ceil((Date.parse(dueAt) - now.getTime()) / 1000);
  return Math.max(0, Math.min(MAX_SQS_DELAY_SECONDS, remaining));
};

export type FirstResponseVerdict =
  | { readonly kind: 'not-due'; readonly delaySeconds: number }
  | { readonly kind: 'met' }
  | { readonly kind: 'not-applicable' }
  | { readonly kind: 'already-breached' }
  | { readonly kind: 'breached'; readonly overdueSeconds: number };

export function evaluateFirstResponse(ticket: Ticket, dueAt: string, now: Date): FirstResponseVerdict {
  if (ticket.firstResponseAt) return { kind: 'met' };
  if (ticket.slaBreachedAt) return { kind: 'already-breached' };
  if (ticket.status === 'resolved' || ticket.status === 'closed') return { kind: 'not-applicable' };
  const delay = delayUntil(now, dueAt);
  if (delay > 0) return { kind: 'not-due', delaySeconds: delay };
  return { kind: 'breached', overdueSeconds: secondsBetween(dueAt, now.toISOString()) };
}
