/**
 * What a fired follow-up timer does (issue 12). Pure: the worker's service
 * (core/services/follow-ups.ts) reads the ticket, asks here, and carries it out.
 */
import { delayUntil } from '../sla.ts';
import type { Ticket } from '../types.ts';
import type { FollowUpSettings } from './settings.ts';
import { surveyText } from './surveys.ts';
import { timerApplies, type FollowUpJob } from './timers.ts';

export type TimerAction =
  /** The ticket moved on (or is gone): nothing to do. */
  | { readonly kind: 'stale' }
  /** Not due yet (SQS delays stop at 15 minutes): wait again. */
  | { readonly kind: 'wait'; readonly delaySeconds: number }
  /** Change the status by automation. */
  | { readonly kind: 'status'; readonly to: 'resolved' | 'closed' }
  /** Send an automated message (subject to the channel rules, decided at send time). */
  | { readonly kind: 'message'; readonly purpose: 'survey' | 'reminder'; readonly text: string };

export function planTimer(ticket: Ticket | undefined, job: FollowUpJob, s: FollowUpSettings, now: Date): TimerAction {
  if (!ticket || !timerApplies(ticket, job)) return { kind: 'stale' };
  const wait = delayUntil(now, job.dueAt);
  if (wait > 0) return { kind: 'wait', delaySeconds: wait };
  switch (job.purpose) {
    case 'auto-resolve':
      return { kind: 'status', to: 'resolved' };
    case 'auto-close':
      return { kind: 'status', to: 'closed' };
    case 'reminder':
      return { kind: 'message', purpose: 'reminder', text: s.reminder.text };
    case 'survey':
      return s.survey.enabled ? { kind: 'message', purpose: 'survey', text: surveyText(s.survey.kind, s.survey.text) } : { kind: 'stale' };
  }
}
