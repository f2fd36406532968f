/**
 * Follow-up timers (issue 12): which timers a change to a ticket starts, and whether a timer that
 * fires still applies. Every timer carries the instant the state it was started for began
 * (`since`): when the ticket has moved on (a customer message, any status change), the stamp no
 * longer matches and the timer does nothing. Pure.
 *
 * | status becomes | timers (each only when its setting is not 0 / disabled)                  |
 * |----------------|---------------------------------------------------------------------------|
 * | pending        | reminder at +PENDING_REMINDER_SECONDS, auto-resolve at +PENDING_AUTO_RESOLVE_SECONDS |
 * | resolved       | survey at +SURVEY_DELAY_SECONDS (once per ticket), auto-close at +AUTO_CLOSE_SECONDS |
 */
import { addSeconds, delayUntil } from '../sla.ts';
import type { TicketEvent } from '../ticket-events.ts';
import type { Job, QueuedJob, Ticket } from '../types.ts';
import type { FollowUpSettings } from './settings.ts';

export const FOLLOW_UP_PURPOSES = ['survey', 'reminder', 'auto-resolve', 'auto-close'] as const;
export type FollowUpPurpose = (typeof FOLLOW_UP_PURPOSES)[number];

/** `since`: pendingSince (reminder, auto-resolve) or resolvedAt (survey, auto-close) when it was started. */
export type FollowUpJob = Extract<Job, { kind: 'follow-up' }>;

/** The ticket's follow-up stamps after a change: `pendingSince` follows the last status change. */
export function stampStatus(ticket: Ticket, events: readonly TicketEvent[]): Ticket {
  let last: Extract<TicketEvent, { type: 'status.changed' }> | undefined;
  for (const e of events) if (e.type === 'status.changed') last = e;
  if (!last) return ticket;
  const { pendingSince: _p, ...rest } = ticket;
  return last.to === 'pending' ? { ...rest, pendingSince: last.at } : rest;
}

/** Timers started by a change (`ticket` is the state after it, stamped by stampStatus). */
export function followUpTimers(ticket: Ticket, events: readonly TicketEvent[], s: FollowUpSettings, now: Date): QueuedJob[] {
  const changed = events.filter((e): e is Extract<TicketEvent, { type: 'status.changed' }> => e.type === 'status.changed');
  const last = changed.at(-1);
  if (!last || last.to !== ticket.status) return [];
  const jobs: FollowUpJob[] = [];
  const timer = (purpose: FollowUpPurpose, since: string, after: number) => jobs.push({ kind: 'follow-up', ticketId: ticket.id, purpose, since, dueAt: addSeconds(since, after) });
  if (ticket.status === 'pending' && ticket.pendingSince) {
    const { afterSeconds } = s.reminder;
    if (afterSeconds > 0 && (s.autoResolveSeconds === 0 || afterSeconds < s.autoResolveSeconds)) timer('reminder', ticket.pendingSince, afterSeconds);
    if (s.autoResolveSeconds > 0) timer('auto-resolve', ticket.pendingSince, s.autoResolveSeconds);
  }
  if (ticket.status === 'resolved' && ticket.resolvedAt) {
    if (s.survey.enabled && !ticket.surveyRequest) timer('survey', ticket.resolvedAt, s.survey.delaySeconds);
    if (s.autoCloseSeconds > 0) timer('auto-close', ticket.resolvedAt, s.autoCloseSeconds);
  }
  return jobs.map((job) => ({ job, delaySeconds: delayUntil(now, job.dueAt) }));
}

/** Does a fired timer still apply to the ticket as it is now? */
export function timerApplies(ticket: Ticket, job: FollowUpJob): boolean {
  // An erased contact gets nothing more from automation (its address is gone).
  if (ticket.erasedAt && (job.purpose === 'reminder' || job.purpose === 'survey')) return false;
  switch (job.purpose) {
    // Whether the reminder or survey was already recorded is the sender's question (it then only
    // finishes an interrupted delivery, at most once).
    case 'reminder':
      return ticket.status === 'pending' && ticket.pendingSince === job.since;
    case 'auto-resolve':
      return ticket.status === 'pending' && ticket.pendingSince === job.since;
    case 'survey':
      // Closing keeps resolvedAt (the survey still goes out); reopening drops it.
      return (ticket.status === 'resolved' || ticket.status === 'closed') && ticket.resolvedAt === job.since;
    case 'auto-close':
      return ticket.status === 'resolved' && ticket.resolvedAt === job.since;
  }
}
