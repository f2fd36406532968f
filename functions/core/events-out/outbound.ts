/**
 * Outbound webhooks, the pure part: which event types exist, which subscriptions an event goes to,
 * the stable `webhook-id`, the body, which secrets sign, and when the next attempt is due.
 */
import { createHash } from 'node:crypto';
import type { TicketEventType } from '../ticket-events.ts';
import type { Channel, Ticket } from '../types.ts';
import { nextRetryDelay } from './retry-schedule.ts';
import type { DeliveryJob, OutboundEvent, WebhookSecret, WebhookSubscription } from './types.ts';
import { MAX_SQS_DELAY_SECONDS } from '../../spec.ts';

/** Every event the log writes, `<noun>.<verb>`; exhaustive (the Record fails to compile if one is missing). */
const LOG_TYPES: Record<TicketEventType, string> = {
  'message.received': 'a customer message arrived',
  'reply.queued': 'an agent reply was queued',
  'reply.sent': 'the provider accepted an agent reply',
  'reply.delivered': 'the provider delivered an agent reply',
  'reply.read': 'the customer read an agent reply',
  'reply.failed': 'an agent reply failed',
  'note.added': 'an internal note was added',
  'automated.queued': 'an automated message was queued',
  'automated.sent': 'an automated message was sent',
  'automated.failed': 'an automated message failed',
  'status.changed': 'the status changed',
  'ticket.reopened': 'a resolved ticket reopened',
  'priority.changed': 'the priority changed',
  'assignee.changed': 'the assignee changed',
  'tags.changed': 'the tags changed',
  'sla.policy': 'the SLA policy was matched',
  'sla.warning': 'an SLA target is close',
  'sla.breached': 'an SLA target was missed',
  'sla.fulfilled': 'an SLA target was met (or missed) when answered',
  'contact.merged': "the ticket's contact was merged into another",
  'contact.erased': "the ticket's contact was erased",
  'survey.requested': 'a satisfaction survey was sent',
  'survey.rated': 'the customer rated',
  'reminder.requested': 'a pending-ticket reminder was sent',
  'callback.requested': 'an agent is to call the customer back (a reply on a voice ticket while VOICE_REPLY_BY_SMS is off)',
  'contact.opted_out': 'the customer opted out of automated messages',
  'contact.opted_in': 'the customer opted back in',
  'rule.applied': 'triage rules fired on a message (one event listing each rule, its version, the conditions that held, what it did)',
  'assignment.skipped': "a rule's round-robin could not assign anyone (and why)",
};

/** `ticket.created` is synthetic: sent when the ticket item is first written (it is not in the log). */
export const EVENT_TYPES: Readonly<Record<string, string>> = { 'ticket.created': 'a new ticket was created', ...LOG_TYPES };
export const isEventType = (t: string): boolean => Object.hasOwn(EVENT_TYPES, t);
export const TICKET_CREATED_KEY = 'TICKET';

/** Does this subscription want this event (of a ticket on `channel`)? */
export function matches(sub: Pick<WebhookSubscription, 'enabled' | 'events' | 'channels'>, type: string, channel: Channel | undefined): boolean {
  if (!sub.enabled) return false;
  if (!sub.events.includes('*') && !sub.events.includes(type)) return false;
  return !sub.channels || (channel !== undefined && sub.channels.includes(channel));
}

/** Stable per (event, subscription): the receiver dedupes on it across retries, redrives and replays. */
export const webhookId = (eventId: string, subscriptionId: string): string =>
  `msg_${createHash('sha256').update(`${eventId}\u0000${subscriptionId}`).digest('base64url').slice(0, 32)}`;

/** Stable event id of the synthetic ticket.created: the ticket's own id. */
export const createdEvent = (ticket: Pick<Ticket, 'id' | 'createdAt'>): OutboundEvent => ({ id: `created_${ticket.id}`, type: 'ticket.created', at: ticket.createdAt, ticketId: ticket.id });

/**
 * The Standard Webhooks body: `{type, timestamp, data: {event, ticket, message?}}`; the ticket (and,
 * for an event about a message, the message) in its public (API) shape, as they are at delivery.
 */
export function payload(event: OutboundEvent, ticket: Readonly<Record<string, unknown>> | undefined, message?: Readonly<Record<string, unknown>>): string {
  const { id, ticketId, at, type, ...fields } = (event.event ?? { id: event.id, ticketId: event.ticketId, at: event.at, type: event.type }) as unknown as Record<string, unknown> & {
    id: string;
    ticketId: string;
    at: string;
    type: string;
  };
  return JSON.stringify({ type: event.type, timestamp: event.at, data: { event: { id, type, at, ticketId, ...fields }, ticket: ticket ?? null, ...(message ? { message } : {}) } });
}

/** Secrets that sign now, newest first: the current one and any rotated-out one not yet expired. */
export const signingSecrets = (secrets: readonly WebhookSecret[], now: Date): string[] =>
  secrets.filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now.getTime()).map((s) => s.secret);

/** What follows a failed attempt: a retry in `seconds` (at `at`), or nothing (the schedule is spent). */
export function planRetry(schedule: readonly number[], attempt: number, retryAfterSeconds: number | undefined, random: number, now: Date): { seconds: number; at: string } | undefined {
  const seconds = nextRetryDelay(schedule, attempt, retryAfterSeconds, random);
  return seconds === undefined ? undefined : { seconds, at: new Date(now.getTime() + seconds * 1000).toISOString() };
}

/** A delayed enqueue: waits past SQS's 15 min cap are re-hopped until `notBefore`. */
export function hop(job: DeliveryJob, dueAt: string, now: Date): { job: DeliveryJob; delaySeconds: number } {
  const wait = Math.max(0, Math.ceil((Date.parse(dueAt) - now.getTime()) / 1000));
  if (wait <= MAX_SQS_DELAY_SECONDS) {
    const { notBefore: _drop, ...rest } = job;
    return { job: rest, delaySeconds: wait };
  }
  return { job: { ...job, notBefore: dueAt }, delaySeconds: MAX_SQS_DELAY_SECONDS };
}
