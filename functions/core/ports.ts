/**
 * Ports: what the core needs from the outside world. Adapters (functions/adapters) implement
 * them with the AWS SDK; tests implement them in memory or point the real adapters at local engines.
 */
import type { ContactStore } from './contact-ports.ts';
import type { FeedQuery, FeedRead } from './event-feed.ts';
import type { DeadLetterQueues } from './redrive.ts';
import type { FollowUpSettings } from './follow-ups/settings.ts';
import type { MetricEvent } from './metrics.ts';
import type { TicketEvent } from './ticket-events.ts';
import type { SlaSettings } from './sla-settings.ts';
import type { IndexName, TicketFilter } from './ticket-query.ts';
import type { Channel, Contact, ThreadedBy, IdentityLink, InboundMessage, Job, Message, MessageEdit, QueuedJob, StatusUpdate, Ticket } from './types.ts';

/** Counters to ADD on one report aggregate item (see core/reports.ts), in the same transaction as the change. */
export interface StatsWrite {
  readonly pk: string;
  readonly sk: string;
  readonly add: Readonly<Record<string, number>>;
}

/** What every change to a ticket also writes, atomically with it: its events, and report counters. */
export interface ChangeRecord {
  readonly events: readonly TicketEvent[];
  readonly stats: readonly StatsWrite[];
}

/** What the store knows before an inbound message is ingested. */
export interface IngestContext {
  /** The dedupe record, if this provider message was already ingested. */
  readonly duplicateOf?: { readonly ticketId: string; readonly messageId: string; readonly pendingJobs: readonly QueuedJob[] };
  /** The ticket the message belongs to, and how that was decided. */
  readonly threadTicket?: Ticket;
  readonly threadedBy?: ThreadedBy;
  /** The ticket id the thread pointer holds, if the pointer exists (even if its ticket is gone). */
  readonly threadPointer?: string;
  /** The contact the sender's identity already belongs to. */
  readonly contactId?: string;
  /** The message's email Message-ID already points at a ticket (ours or an earlier mail): never re-point it. */
  readonly messageIdTaken?: boolean;
  /** The provider message id already indexes a message (for statuses and edits): never re-point it. */
  readonly providerIdTaken?: boolean;
}

/** Everything one ingest writes, committed atomically. */
export interface IngestWrite {
  readonly provider: string;
  readonly message: Message;
  readonly ticket: Ticket;
  /** The version the ticket had when read; undefined when the ticket is new. */
  readonly expectedTicketVersion?: number;
  /** Thread pointer: set when a new ticket is opened. `expectedPrevious` guards against races. */
  readonly thread?: { readonly key: string; readonly channel: Channel; readonly ticketId: string; readonly expectedPrevious?: string };
  /** A contact and its first identity, created for a first-time sender, with how they were linked. */
  readonly newContact?: { readonly contact: Contact; readonly identity: IdentityLink };
  readonly dedupeKey: string;
  /** Map the message's email Message-ID to its ticket (first writer wins: the write is conditional). */
  readonly indexMessageId: boolean;
  /** Index the provider's message id for statuses and edits (conditional: first writer wins). */
  readonly indexProviderId: boolean;
  /** Follow-ups kept on the dedupe record until they are enqueued, so a retry can finish them. */
  readonly pendingJobs: readonly QueuedJob[];
  readonly change: ChangeRecord;
  /** STOP / START: the sender's address on this channel opts out of (or back into) automated messages. */
  readonly optOut?: { readonly channel: Channel; readonly address: string; readonly optedOut: boolean; readonly at: string };
}

/** STOP / START, or a one-click unsubscribe: one address on one channel, in or out of automated messages. */
export interface OptOutRecord {
  readonly channel: Channel;
  readonly address: string;
  readonly optedOut: boolean;
  readonly at: string;
}

/** One Query on one partition of a list index (core/ticket-query.ts plans them, core/listing.ts merges them). */
export interface ListQuery {
  readonly index: IndexName;
  readonly partition: string;
  readonly descending: boolean;
  /** Exclusive bounds on the index sort key (`<time>#<id>`, or a bare time). */
  readonly after?: string;
  readonly before?: string;
  /** Applied to the items read (a FilterExpression): they count against `limit` whether they match or not. */
  readonly filter: TicketFilter;
  /** Index items to evaluate at most (DynamoDB's Limit). */
  readonly limit: number;
}

export interface ListRead {
  /** The matching tickets, in index order. */
  readonly tickets: Ticket[];
  /** The sort key of the last item evaluated, when the partition may hold more (LastEvaluatedKey). */
  readonly last?: string;
  /** Items evaluated (ScannedCount). */
  readonly read: number;
}

export interface TicketStore {
  getIngestContext(msg: InboundMessage, dedupeKey: string): Promise<IngestContext>;
  /** Throws DuplicateError when the dedupe record exists, ConflictError on any other lost race. */
  commitIngest(write: IngestWrite): Promise<void>;
  markFollowUpsEnqueued(dedupeKey: string): Promise<void>;

  getTicket(id: string): Promise<Ticket | undefined>;
  getMessages(ticketId: string): Promise<Message[]>;
  getMessage(ticketId: string, messageId: string, createdAt: string): Promise<Message | undefined>;
  listTickets(q: ListQuery): Promise<ListRead>;

  /** Store a new message and the ticket's new state in one transaction guarded by version. */
  appendMessage(args: {
    ticket: Ticket;
    expectedVersion: number;
    message: Message;
    /** An API Idempotency-Key and a hash of the request it names (a reuse with another body is refused). */
    idempotency?: { readonly key: string; readonly requestHash: string };
    change: ChangeRecord;
  }): Promise<void>;
  /** Update a ticket's fields guarded by version, with the change's events. */
  updateTicket(ticket: Ticket, expectedVersion: number, change: ChangeRecord): Promise<void>;
  /** Record our own send's outcome; a provider message id is indexed for later status callbacks. */
  updateMessageDelivery(
    ticket: Pick<Ticket, 'id' | 'provider'>,
    messageId: string,
    createdAt: string,
    update: { status: 'sent' | 'not_sent' | 'failed'; providerMessageId?: string; error?: string; automated?: boolean },
    /** The ticket's new state (guarded by version) and the change's events, in the same transaction. */
    ticketChange: { ticket: Ticket; expectedVersion: number; change: ChangeRecord },
  ): Promise<void>;
  /**
   * A provider's status callback; statuses only move forward. When applied to an agent reply, the
   * event `reply.<status>` (id `eventId`) is written with it.
   */
  applyDeliveryStatus(update: StatusUpdate, eventId: string, now: string): Promise<'applied' | 'unknown' | 'stale'>;
  /**
   * Record the intent to send a queued message (before calling the provider); false when an earlier
   * attempt already did, so an automated message is never sent twice.
   */
  claimSend(ticketId: string, createdAt: string, messageId: string): Promise<boolean>;
  /** One Query on one partition of the change feed index (core/event-feed.ts). */
  readEventFeed(q: FeedQuery): Promise<FeedRead>;
  /** A ticket's events, oldest first, `limit` at most, after the event key `after` (from a previous page). */
  listEvents(ticketId: string, limit: number, after?: string): Promise<{ events: TicketEvent[]; last?: string }>;
  /** Report aggregate items of one partition for days `from`..`to` (YYYY-MM-DD, inclusive). */
  queryStats(pk: string, fromDay: string, toDay: string): Promise<Array<Record<string, unknown>>>;
  /** A customer's edit or unsend; the first text is kept as `originalText`. */
  applyEdit(edit: MessageEdit, now: string): Promise<'applied' | 'unknown' | 'stale'>;
  /** Did this address opt out (STOP) of automated messages on this channel? */
  isOptedOut(channel: Channel, address: string): Promise<boolean>;
  /**
   * Record an opt-out (or opt-in) of one address on one channel, and the ticket change that records
   * it (guarded by version: ConflictError on a lost race), in one transaction.
   */
  setOptOut(o: OptOutRecord, ticketChange: { ticket: Ticket; expectedVersion: number; change: ChangeRecord }): Promise<void>;
  /** The opt-out records of these addresses, where one exists (an address never opted out has none). */
  getOptOuts(addresses: ReadonlyArray<{ readonly channel: Channel; readonly address: string }>): Promise<OptOutRecord[]>;
    getContact(id: string): Promise<{ contact: Contact; identities: IdentityLink[] } | undefined>;
  listTicketsByContact(contactId: string, limit: number): Promise<Ticket[]>;
  /**
   * Record a one-time value (a webhook token) bound to what it signed; true the first time and for a
   * retry of the same delivery (same binding), false for a replay with anything else.
   */
  claimNonce(scope: string, value: string, ttlSeconds: number, binding: string): Promise<boolean>;
  /**
   * Take one unit from a fixed-window counter (`key` within the window starting at `windowStart`);
   * false when `limit` units were already taken in that window.
   */
  consumeRateLimit(key: string, windowStart: string, windowSeconds: number, limit: number): Promise<boolean>;
  /** Look up an API idempotency key: the message it created, if any. */
  getIdempotentResult(key: string): Promise<{ ticketId: string; messageId: string; requestHash?: string } | undefined>;
}

export class DuplicateError extends Error {
  constructor() {
    super('duplicate delivery');
    this.name = 'DuplicateError';
  }
}

/**
 * A failure that no retry can fix (an item or key the store can never accept, a job that is not
 * valid): the work goes to the dead-letter queue at once, with this reason, instead of being retried.
 */
export class PermanentError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'PermanentError';
    this.reason = reason;
  }
}

/** The DLQs: where work that can never succeed is kept, with why, for an operator. */
export interface DeadLetters {
  /** False when no DLQ is configured for that queue (the work is then retried until SQS moves it). */
  send(queue: 'followUp' | 'ingest', body: string | Job, reason: string, error: string): Promise<boolean>;
}

/** Make a failed queue record visible again after `seconds` (quick, increasing retries). */
export interface Retries {
  retryIn(queue: 'followUp' | 'ingest', receiptHandle: string, seconds: number): Promise<void>;
}

export interface JobQueue {
  enqueue(jobs: readonly QueuedJob[]): Promise<void>;
}

export interface ParkingQueue {
  /** Park verified work (inbound messages, statuses, edits) for the worker to apply later; throws unless all are queued. */
  parkAll(jobs: readonly Job[]): Promise<void>;
}

/** Where email attachments' bytes live. */
export interface AttachmentStore {
  put(key: string, body: Uint8Array, contentType: string | undefined): Promise<void>;
  /** A short-lived download URL. */
  downloadUrl(key: string, filename: string | undefined): Promise<string>;
  /** Raw MIME an SES S3 action stored. */
  getObject(bucket: string, key: string): Promise<Buffer>;
}

export interface MetricsSink {
  emit(events: readonly MetricEvent[]): void;
}

export type SendResult =
  | { readonly status: 'sent'; readonly providerMessageId: string }
  | { readonly status: 'not_sent'; readonly reason: string };

/** Delivers an outbound message through the ticket's provider. Throws on transient failure. */
export interface Sender {
  /** `history` (the ticket's messages) is given to senders that thread, like email. */
  send(ticket: Ticket, message: Message, history?: readonly Message[]): Promise<SendResult>;
}

/** A permanent send failure (4xx from the provider): retrying will not help. */
export class PermanentSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentSendError';
  }
}

export interface Clock {
  now(): Date;
}

export interface IdSource {
  newId(): string;
  /** An unguessable random token (128 bits, hex), e.g. for our outbound Message-IDs. */
  token(): string;
}

export interface Logger {
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}

/** Outbound HTTP GET for small text resources (SNS certificates, subscription confirmations). */
export interface HttpFetcher {
  getText(url: string): Promise<string>;
}

/**
 * The server answered a GET with a definite 4xx (404, 403, ...: the resource does not exist or is
 * refused), so retrying will not help. Network failures, 5xx, 408 and 429 are plain Errors.
 */
export class HttpNotFoundError extends Error {
  readonly status: number;
  constructor(host: string, status: number) {
    super(`GET ${host} answered ${status}`);
    this.name = 'HttpNotFoundError';
    this.status = status;
  }
}

export interface CoreDeps {
  readonly store: TicketStore;
  /** The contact lifecycle (api function only). */
  readonly contacts: ContactStore;
  readonly jobs: JobQueue;
  readonly parking: ParkingQueue;
  readonly deadLetters: DeadLetters;
  readonly retries: Retries;
  readonly metrics: MetricsSink;
  readonly senders: Readonly<Record<string, Sender>>;
  readonly attachments: AttachmentStore;
  readonly http: HttpFetcher;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly log: Logger;
  readonly settings: CoreSettings;
  /** Outbound webhook subscriptions, attempts and deliveries (api and webhook-delivery functions; core/events-out/types.ts). */
  readonly webhooks?: import('./events-out/types.ts').WebhookPorts;
  /** Triage rules, teams and round-robin (core/rules; functions/wiring/rules.ts): absent, ingest runs no rules. */
  readonly rules?: import('./rules/ports.ts').RulesPorts;
  /** Every queue's DLQ, for redrive (api function; absent elsewhere). */
  readonly deadLetterQueues?: DeadLetterQueues;
  /** Voice calls: the call store, recording downloads, settings (core/voice/ports.ts). */
  readonly voice?: import('./voice/ports.ts').VoiceDeps;
}

export interface CoreSettings {
  /** SLA policies (first match wins) and business calendars. */
  readonly sla: SlaSettings;
  readonly autoAck: { readonly enabled: boolean; readonly text: string };
  readonly automationRateLimitPerHour: number;
  readonly dedupeTtlDays: number;
  /** Key for signing API cursors (tamper-evident, stable per deployment). */
  readonly cursorKey: string;
  /**
   * Key for survey and unsubscribe links in emails (core/follow-ups/survey-token.ts), and the public
   * base URL they point at. Absent (unit-test deps): email surveys carry no links.
   */
  readonly surveyKey?: string;
  readonly publicBaseUrl?: string;
  /** Surveys, pending reminders, auto-resolve and auto-close, WhatsApp templates, quiet hours. */
  readonly followUps: FollowUpSettings;
}

export type { Job };
