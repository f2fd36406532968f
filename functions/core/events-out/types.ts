/**
 * Outbound webhooks (issue 13): subscriptions, delivery jobs, recorded attempts, and the ports the
 * delivery service runs on. Pure types; the DynamoDB, SQS and HTTPS adapters implement the ports.
 */
import type { Channel } from '../types.ts';
import type { TicketEvent } from '../ticket-events.ts';
import type { Message, Ticket } from '../types.ts';

export interface WebhookSecret {
  /** `whsec_…`; never logged, returned only once (on create or rotate). */
  readonly secret: string;
  readonly createdAt: string;
  /** A rotated-out secret still signs until then (24 h after the rotation). */
  readonly expiresAt?: string;
}

export interface WebhookSubscription {
  readonly id: string;
  readonly url: string;
  /** Event types (`ticket.created`, `message.received`, …) or `*`. */
  readonly events: readonly string[];
  /** Only tickets of these channels; absent = all. */
  readonly channels?: readonly Channel[];
  readonly description?: string;
  readonly enabled: boolean;
  /** Why it was disabled by the system (the receiver answered 410). */
  readonly disabledReason?: string;
  /** Newest first. */
  readonly secrets: readonly WebhookSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly version: number;
}

/** One delivery of one event to one subscription, on the delivery queue. Carries keys, never content. */
export interface DeliveryJob {
  readonly kind: 'webhook-delivery';
  readonly subscriptionId: string;
  readonly ticketId: string;
  /** The event item's sort key (`EVT#<at>#<id>`), or `TICKET` for the synthetic `ticket.created`. */
  readonly eventKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** A wait longer than SQS's 15 min is re-delayed in hops until this time. */
  readonly notBefore?: string;
  /** Set on replays (the attempts list shows it). */
  readonly replay?: boolean;
}

export type AttemptOutcome = 'delivered' | 'failed' | 'gone' | 'exhausted' | 'refused';

export interface DeliveryAttempt {
  readonly id: string;
  readonly subscriptionId: string;
  readonly webhookId: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly ticketId: string;
  readonly attempt: number;
  readonly at: string;
  readonly outcome: AttemptOutcome;
  /** The receiver's HTTP status; null when there was no answer (timeout, refused, connection error). */
  readonly status: number | null;
  readonly latencyMs: number;
  /** The first bytes of the answer (at most 256 characters). */
  readonly responseExcerpt?: string;
  readonly error?: string;
  /** When the next attempt is due; absent when none follows. */
  readonly nextRetryAt?: string;
  readonly replay?: boolean;
}

/** An event as delivered: from the log, or the synthetic `ticket.created` made from a new ticket. */
export interface OutboundEvent {
  readonly id: string;
  readonly type: string;
  readonly at: string;
  readonly ticketId: string;
  /** The logged event (absent for `ticket.created`). */
  readonly event?: TicketEvent;
}

export interface WebhookStore {
  listSubscriptions(): Promise<WebhookSubscription[]>;
  getSubscription(id: string): Promise<WebhookSubscription | undefined>;
  /** Create (expectedVersion undefined: must not exist) or replace at that version; false on a conflict. */
  putSubscription(sub: WebhookSubscription, expectedVersion?: number): Promise<boolean>;
  deleteSubscription(id: string): Promise<boolean>;
  /** Turn a subscription off (410 from the receiver); idempotent. */
  disableSubscription(id: string, reason: string, at: string): Promise<void>;
  recordAttempt(a: DeliveryAttempt): Promise<void>;
  /** Newest first; `before` is the cursor of the previous page. */
  listAttempts(subscriptionId: string, limit: number, before?: string): Promise<{ attempts: DeliveryAttempt[]; last?: string }>;
  /** The event behind a job, with the ticket as it is now. */
  loadEvent(ticketId: string, eventKey: string): Promise<{ event?: OutboundEvent; ticket?: Ticket }>;
  /** The message an event names (a reply, a customer message, a note), as it is now (redacted once erased). */
  loadMessage(ticketId: string, messageId: string): Promise<Message | undefined>;
  /** Every event (and ticket.created) logged at or after `since`, in pages. */
  eventsSince(since: string, cursor?: string): Promise<{ events: Array<OutboundEvent & { readonly eventKey: string; readonly channel?: Channel }>; cursor?: string }>;
}

export interface DeliveryQueue {
  /** Enqueue jobs, each with its delay (≤ 900 s). */
  send(jobs: ReadonlyArray<{ readonly job: DeliveryJob; readonly delaySeconds: number }>): Promise<void>;
  /** The job can never be delivered (schedule spent, event gone, not a job at all: its raw body): to the DLQ with the reason. */
  deadLetter(job: DeliveryJob | string, reason: string, error: string): Promise<void>;
}

export type PostResult =
  | { readonly ok: true; readonly status: number; readonly retryAfter?: string; readonly excerpt: string; readonly latencyMs: number }
  | { readonly ok: false; readonly error: string; readonly latencyMs: number };

export interface WebhookPoster {
  /** POST `body` to `url`, connecting only to `addresses` when given (the SSRF-checked ones). */
  post(url: URL, addresses: readonly string[], headers: Readonly<Record<string, string>>, body: string, timeoutMs: number): Promise<PostResult>;
}

export interface WebhookSettings {
  /** STAGE=local: http to localhost allowed, private targets too. */
  readonly local: boolean;
  readonly retrySchedule: readonly number[];
}

export interface WebhookPorts {
  readonly store: WebhookStore;
  readonly queue: DeliveryQueue;
  readonly poster: WebhookPoster;
  readonly resolve: (host: string) => Promise<readonly string[]>;
  readonly settings: WebhookSettings;
  /** The ticket in its public (REST API) shape: functions/api/views.ts ticketView. */
  readonly publicTicket: (t: Ticket) => Readonly<Record<string, unknown>>;
  /** A message in its public shape: functions/api/views.ts messageView. */
  readonly publicMessage: (m: Message) => Readonly<Record<string, unknown>>;
  /** 32 random bytes (new secrets). */
  readonly randomBytes: () => Uint8Array;
}
