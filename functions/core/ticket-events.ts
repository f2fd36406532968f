/**
 * The ticket event log: every change to a ticket appends one immutable event, written in the same
 * DynamoDB transaction as the change. Events are the source of response-time metrics, SLA state,
 * reports and (later) outbound webhooks. Pure types, no I/O.
 */
import type { Channel, Priority, TicketStatus } from './types.ts';

/** Who caused a change: the customer, an agent (`agent:<author>`), automation, or an API key (`api:<key name>`). */
export type Actor = 'customer' | 'automation' | `agent:${string}` | `api:${string}` | `rule:${string}`;

export type SlaTarget = 'firstReply' | 'nextReply' | 'resolution';

interface Base {
  readonly id: string;
  readonly ticketId: string;
  /** ISO time the change happened (for messages: when we received them). */
  readonly at: string;
  readonly actor: Actor;
  /** The API key a change came through (`api:<key name>`); absent for webhooks and the worker. */
  readonly via?: `api:${string}`;
}

export type TicketEvent = Base &
  (
    | {
        /** A message from the customer. `countsAsCustomerMessage` is false for reactions, read receipts,
         * postback echoes and automated mail (auto-replies, bounces): those never reopen or start a clock. */
        readonly type: 'message.received';
        readonly messageId: string;
        readonly channel: Channel;
        readonly countsAsCustomerMessage: boolean;
      }
    | { readonly type: 'reply.queued'; readonly messageId: string }
    /** The provider accepted (sent), delivered or read an agent reply; only these count as a response. */
    | { readonly type: 'reply.sent' | 'reply.delivered' | 'reply.read'; readonly messageId: string }
    | { readonly type: 'reply.failed'; readonly messageId: string; readonly error?: string }
    | { readonly type: 'note.added'; readonly messageId: string }
    /** An automated message (acknowledgement, later surveys and reminders): never a response. */
    | { readonly type: 'automated.queued' | 'automated.sent' | 'automated.failed'; readonly messageId: string }
    | { readonly type: 'status.changed'; readonly from: TicketStatus; readonly to: TicketStatus }
    | { readonly type: 'ticket.reopened'; readonly by: 'message' | 'patch' }
    | { readonly type: 'priority.changed'; readonly from: Priority; readonly to: Priority }
    | { readonly type: 'assignee.changed'; readonly from: string | null; readonly to: string | null }
    | { readonly type: 'tags.changed'; readonly from: readonly string[]; readonly to: readonly string[] }
    /** The SLA policy was (re-)matched; due times recomputed from each target's start. */
    | { readonly type: 'sla.policy'; readonly policy: string | null; readonly calendar: string | null }
    | { readonly type: 'sla.warning'; readonly target: SlaTarget; readonly dueAt: string }
    /** `at` of a breach is the due time itself, never the time a check ran. */
    | { readonly type: 'sla.breached'; readonly target: SlaTarget; readonly dueAt: string }
    | { readonly type: 'sla.fulfilled'; readonly target: SlaTarget; readonly dueAt: string | null; readonly withinTarget: boolean }
    /** The ticket's contact was merged into another (POST /v1/contacts/{id}/merge): `from` -> `to`. */
    | { readonly type: 'contact.merged'; readonly from: string; readonly to: string }
    /** The ticket's contact was erased (DELETE /v1/contacts/{id}): its personal data is gone, its timing stays. */
    | { readonly type: 'contact.erased'; readonly contactId: string }
    /** A satisfaction survey was asked (its automated message is `messageId`). */
    | { readonly type: 'survey.requested'; readonly messageId: string; readonly kind: 'csat' | 'ces' | 'nps' }
    /** The customer rated (a later rating replaces the earlier one: `replaces` is its score). */
    | { readonly type: 'survey.rated'; readonly kind: 'csat' | 'ces' | 'nps'; readonly score: number; readonly comment?: string; readonly channel: Channel | 'web'; readonly replaces?: number }
    /** A pending ticket's reminder was asked (its automated message is `messageId`). */
    | { readonly type: 'reminder.requested'; readonly messageId: string }
    /** A voice ticket's reply was refused (VOICE_REPLY_BY_SMS off): the caller is to be called back; the ticket is tagged `callback`. */
    | { readonly type: 'callback.requested'; readonly number: string }
    /** The customer opted out of (STOP) or back into (START) automated messages on this channel and address. */
    | { readonly type: 'contact.opted_out' | 'contact.opted_in'; readonly channel: Channel; readonly address: string }
    /** Triage rules fired on one message (core/rules), one event for all: each rule, its version, the conditions that held, what it did and did not do (bounded: core/rules/apply.ts summarizeFired). */
    | { readonly type: 'rule.applied'; readonly rules: readonly import('./rules/apply.ts').FiredSummary[] }
    /** A rule's round-robin could not assign anyone (no member available, no such team, a person assigned it): the ticket stays as it is. */
    | { readonly type: 'assignment.skipped'; readonly rule: string; readonly team: string; readonly reason: string }
  );

export type TicketEventType = TicketEvent['type'];

/** A new event without its id and ticket (the store or the planner fills them). */
export type EventDraft = TicketEvent extends infer E ? (E extends TicketEvent ? Omit<E, 'id' | 'ticketId'> : never) : never;
