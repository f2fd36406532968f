/** Channel-neutral domain types. Pure: no AWS, no I/O. */
import type { MetricsState } from './response-metrics.ts';
import type { CallEvent } from './voice/types.ts';
import type { VoiceInfo } from './voice/state.ts';

export const CHANNELS = ['sms', 'whatsapp', 'email', 'messenger', 'instagram', 'telegram', 'x', 'viber', 'api', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

export const TICKET_STATUSES = ['open', 'pending', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** How a sender is recognised across messages: `phone` is always E.164; `external` is `<source>:<id>` (API channel). */
export type IdentityKind = 'phone' | 'sms-sender' | 'email' | 'wa' | 'psid' | 'igsid' | 'telegram' | 'x' | 'external';
export const IDENTITY_KINDS = ['phone', 'sms-sender', 'email', 'wa', 'psid', 'igsid', 'telegram', 'x', 'external'] as const satisfies readonly IdentityKind[];

export interface Identity {
  readonly kind: IdentityKind;
  readonly value: string;
}

/** How an identity was first linked to its contact: by which message, when. */
export interface IdentityLink extends Identity {
  readonly contactId: string;
  readonly linkedAt: string;
  readonly linkedVia: { readonly provider: string; readonly providerMessageId: string; readonly channel: Channel };
}

export interface Attachment {
  readonly url?: string;
  readonly contentType?: string;
  readonly name?: string;
  readonly size?: number;
  readonly providerMediaId?: string;
  /** Object key in the attachments bucket (email attachments we store ourselves). */
  readonly key?: string;
  readonly contentId?: string;
}

/** Email-specific parts of a message. */
export interface EmailInfo {
  readonly subject: string;
  /** The RFC 5322 Message-ID, without angle brackets. */
  readonly messageId?: string;
  readonly inReplyTo?: string;
  readonly references: readonly string[];
  readonly cc: readonly string[];
  /** The HTML body as received (untrusted: render only sandboxed); absent when too large, see htmlKey. */
  readonly html?: string;
  /** Object key of the full HTML body when it was too large to keep inline. */
  readonly htmlKey?: string;
  /** The new part of the reply, quoted history stripped, for previews. */
  readonly preview: string;
  /** Why this looks automated (auto-reply, bounce, list mail), if it does. */
  readonly autoSubmitted?: string;
  /**
   * Sender-authentication verdicts the provider passed along (SES receipt verdicts, SendGrid `SPF`
   * and `dkim` fields, Mailgun `X-Mailgun-Spf`/`X-Mailgun-Dkim-Check-Result`, Authentication-Results),
   * lower-cased (`pass`, `fail`, `softfail`, `none`, ...). Absent when the provider said nothing.
   */
  readonly senderAuth?: { readonly spf?: string; readonly dkim?: string; readonly dmarc?: string };
  /** True when a verdict above says the From was not authenticated: automation never answers it. */
  readonly senderAuthFailed?: boolean;
  /** What was cut to make the message fit one item (e.g. `subject`, `cc`, `references`), if anything. */
  readonly truncated?: readonly string[];
  /**
   * Outbound automated email (survey, reminder): the one-click unsubscribe URL, sent as
   * `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
   */
  readonly listUnsubscribe?: string;
}

/** Why an inbound message landed on its ticket. */
export type ThreadedBy = 'in-reply-to' | 'references' | 'subject-token' | 'thread-key' | 'new-ticket';

/** What every channel normalizes a verified inbound webhook into. */
export interface InboundMessage {
  readonly provider: string;
  readonly channel: Channel;
  /** The provider's id for the message (what status callbacks and edits refer to). */
  readonly providerMessageId: string;
  /** The provider's redelivery key when it is not the message id (Telegram's update_id). */
  readonly dedupeId?: string;
  /** When the provider says the customer sent it (ISO), if it says. */
  readonly sentAt?: string;
  /** The provider message id this one replies to (WhatsApp context.id, Messenger reply_to.mid). */
  readonly inReplyTo?: string;
  /** Identifies the conversation within the channel, e.g. our number + the customer's number. */
  readonly threadKey: string;
  /** The customer's address as the provider gave it (e.g. `whatsapp:+14155550100`). */
  readonly from: string;
  /** Our address the customer wrote to. */
  readonly to: string;
  readonly identity: Identity;
  readonly displayName?: string;
  readonly text: string;
  readonly attachments: readonly Attachment[];
  /** ISO time we received it (providers like Twilio send no timestamp). */
  readonly receivedAt: string;
  /** Provider account the message arrived on (Twilio AccountSid), for replying. */
  readonly providerAccount?: string;
  readonly email?: EmailInfo;
  /** Object key of the full text when `text` was truncated to fit. */
  readonly fullTextKey?: string;
  /** A reaction, read receipt or postback: stored, but it neither reopens a ticket nor starts a clock. */
  readonly signal?: 'reaction' | 'postback' | 'read';
  /** The payload of a button or quick reply the customer tapped (our survey buttons: `survey:<score>`). */
  readonly buttonPayload?: string;
  /** A phone call (channel `voice`): its merged state (core/voice/state.ts). */
  readonly voice?: VoiceInfo;
}

export type Direction = 'inbound' | 'outbound' | 'note';
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'not_sent' | 'failed';

/** Delivery statuses only move forward: a late "sent" never overwrites "read". */
export const DELIVERY_RANK: Readonly<Record<DeliveryStatus, number>> = {
  queued: 0,
  not_sent: 1,
  sent: 1,
  delivered: 2,
  failed: 3,
  read: 4,
};

export interface Message {
  readonly id: string;
  readonly ticketId: string;
  readonly direction: Direction;
  /** Sent by the system (auto-acknowledgement), not by an agent. */
  readonly automated: boolean;
  readonly author?: string;
  /** Who wrote it (outbound and notes): `agent:<author>`, `api:<key name>` or `automation`. */
  readonly actor?: string;
  readonly text: string;
  readonly attachments: readonly Attachment[];
  readonly providerMessageId?: string;
  readonly from: string;
  readonly to: string;
  readonly createdAt: string;
  readonly deliveryStatus?: DeliveryStatus;
  readonly deliveryError?: string;
  readonly sentAt?: string;
  readonly inReplyTo?: string;
  /** Set when the customer edited or unsent the message; `originalText` keeps the first version. */
  readonly editedAt?: string;
  readonly originalText?: string;
  readonly deleted?: boolean;
  readonly email?: EmailInfo;
  readonly threadedBy?: ThreadedBy;
  readonly fullTextKey?: string;
  /** Automated messages: what for (ack, survey, reminder). */
  readonly purpose?: 'ack' | 'survey' | 'reminder';
  /** Buttons offered with the text (survey scores), where the channel has them; `id` comes back as the payload. */
  readonly choices?: ReadonlyArray<{ readonly id: string; readonly title: string }>;
  /** WhatsApp outside the 24-hour window: the approved template sent instead of free text. */
  readonly template?: { readonly name: string; readonly language: string };
  /** Inbound messages: language, sentiment and abuse, detected once on arrival (core/signals). */
  readonly signals?: import('./signals/index.ts').Signals;
  /** A phone call (channel `voice`): outcome, recordings, transcripts (core/voice/state.ts). */
  readonly voice?: VoiceInfo;
}

export interface Ticket {
  readonly id: string;
  readonly status: TicketStatus;
  readonly priority: Priority;
  readonly channel: Channel;
  readonly provider: string;
  readonly contactId: string;
  readonly threadKey: string;
  /** Our address on the channel (the number the customer texted). */
  readonly inboxAddress: string;
  /** The customer's address on the channel, where replies go. */
  readonly customerAddress: string;
  readonly providerAccount?: string;
  readonly subject?: string;
  readonly assignee?: string;
  /** Who made the current assignment: `agent:`/`api:` (a person: rules never override it) or `rule:<id>`. */
  readonly assignedBy?: string;
  /** The team a rule routed the ticket to (core/rules). */
  readonly team?: string;
  /** A round-robin job assigning this ticket (core/services/teams.ts): one turn per assignment. */
  readonly rrClaim?: { readonly run: string; readonly at: string };
  /** The language of the ticket's first customer message (core/signals). */
  readonly language?: string;
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly lastMessageAt: string;
  readonly messageCount: number;
  readonly firstResponseAt?: string;
  readonly resolvedAt?: string;
  readonly autoAckMessageId?: string;
  readonly reopenCount: number;
  /** Other people on an email thread (cc'd, or replying from another address); never the contact. */
  readonly participants?: readonly string[];
  /** Response-time state (core/response-metrics.ts), advanced one event at a time. */
  readonly clock?: MetricsState;
  /** Nearest active SLA due time, for sorting and the list view. */
  readonly slaDueAt?: string;
  /**
   * When the ticket last changed (any message, status, assignee, tags, priority, SLA record), from
   * the clock of the write; what sync (`sort=updatedAt`) orders by. Absent on tickets stored before
   * it existed: read it as `lastMessageAt`.
   */
  readonly updatedAt?: string;
  /** When the customer last wrote (any inbound message): WhatsApp's 24-hour window runs from it. */
  readonly lastInboundAt?: string;
  /** When the ticket last became `pending` (follow-up timers are stamped with it); absent otherwise. */
  readonly pendingSince?: string;
  /** The pendingSince a reminder was sent (or refused) for: one reminder per pending spell. */
  readonly reminderSentFor?: string;
  /** That reminder's message. */
  readonly reminderMessageId?: string;
  /** The satisfaction survey asked on this ticket (at most one), and how it went. */
  readonly surveyRequest?: SurveyRequest;
  /** The customer's latest rating (a second rating replaces the first; the event log keeps both). */
  readonly survey?: SurveyRating;
  /** Set when the contact was erased: no personal data left, nothing is sent to it any more. */
  readonly erasedAt?: string;
  /** Optimistic-concurrency version, incremented on every write. */
  readonly version: number;
}

export interface SurveyRequest {
  readonly kind: 'csat' | 'ces' | 'nps';
  readonly at: string;
  readonly channel: Channel;
  readonly messageId: string;
  /** `sent` when a provider accepted it; otherwise why not (opted_out, outside_window, rate_limited, …). */
  readonly outcome: 'queued' | 'sent' | 'not_sent';
}

export interface SurveyRating {
  readonly kind: 'csat' | 'ces' | 'nps';
  readonly score: number;
  readonly comment?: string;
  readonly at: string;
  readonly channel: Channel | 'web';
  /** The inbound message that carried it (absent for ratings from the survey page). */
  readonly messageId?: string;
}

export interface Contact {
  readonly id: string;
  readonly name?: string;
  readonly identities: readonly Identity[];
  readonly createdAt: string;
}

/** Work queued for the worker. */
export type Job =
  /**
   * `origin` (on the follow-ups of an ingest): the dedupe key whose pending follow-ups this job is
   * one of; the worker clears them there, off the webhook's path.
   */
  | { readonly kind: 'ack'; readonly ticketId: string; readonly origin?: string }
  /** Round-robin within a team (core/services/teams.ts), queued by rule `rule` at `version`. */
  | { readonly kind: 'assign'; readonly ticketId: string; readonly team: string; readonly rule: string; readonly version: number }
  /** A rule's internal note (`noteId` makes a redelivery write it once), for the message received at `at`. */
  | { readonly kind: 'rule-note'; readonly ticketId: string; readonly rule: string; readonly version: number; readonly action: number; readonly noteId: string; readonly at: string }
  /** An SLA timer: at `dueAt`, record whatever is due (warnings, breaches). `check` is from older deployments. */
  | { readonly kind: 'sla-check'; readonly ticketId: string; readonly dueAt: string; readonly check?: string; readonly origin?: string }
  | { readonly kind: 'deliver'; readonly ticketId: string; readonly messageId: string; readonly createdAt: string }
  | { readonly kind: 'ingest'; readonly message: InboundMessage }
  | { readonly kind: 'status'; readonly update: StatusUpdate }
  | { readonly kind: 'edit'; readonly edit: MessageEdit }
  /** A follow-up timer (core/follow-ups/timers.ts): does nothing unless the ticket is still in the state stamped `since`. */
  | { readonly kind: 'follow-up'; readonly ticketId: string; readonly purpose: 'survey' | 'reminder' | 'auto-resolve' | 'auto-close'; readonly dueAt: string; readonly since: string }
  /** A verified voice callback to merge into its call's message (core/services/voice.ts), parked. */
  | { readonly kind: 'call'; readonly call: CallEvent }
  /** A call reached a terminal status: after the settle delay, no recording means a missed call. */
  | { readonly kind: 'voice-settle'; readonly provider: 'twilio' | 'vonage'; readonly callId: string }
  /** Download a call's recording from the provider into the attachments bucket. */
  | { readonly kind: 'voice-recording'; readonly provider: 'twilio' | 'vonage'; readonly callId: string; readonly recordingId: string }
  /** Read a call's transcript file (Vonage) into its transcript's text. */
  | { readonly kind: 'voice-transcript'; readonly provider: 'twilio' | 'vonage'; readonly callId: string; readonly transcriptId: string };

/** A provider's delivery report for one of our outbound messages. */
export interface StatusUpdate {
  readonly provider: string;
  readonly providerMessageId: string;
  readonly status: 'sent' | 'delivered' | 'read' | 'failed';
  readonly at: string;
  readonly error?: string;
}

/** A customer's edit (or unsend) of a message they sent earlier. */
export interface MessageEdit {
  readonly provider: string;
  readonly providerMessageId: string;
  readonly text?: string;
  readonly deleted?: boolean;
  readonly at: string;
}

/** What a verified webhook carries, item by item. */
export type ChannelEvent =
  /** `contents` are the attachments' bytes (same order), stored before the message is ingested. */
  | { readonly kind: 'message'; readonly message: InboundMessage; readonly contents?: readonly Uint8Array[] }
  | { readonly kind: 'status'; readonly update: StatusUpdate }
  | { readonly kind: 'edit'; readonly edit: MessageEdit }
  /** A voice callback (answer, status, recording, transcription), merged into its call's message. */
  | { readonly kind: 'call'; readonly call: CallEvent }
  /** Not for us (echoes of our own sends, unsupported event kinds) or an item that failed validation. */
  | { readonly kind: 'skipped'; readonly reason: string; readonly detail?: string };

export interface QueuedJob {
  readonly job: Job;
  readonly delaySeconds: number;
}
