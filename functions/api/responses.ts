/**
 * The REST API's response shapes as zod schemas: what functions/api/views.ts and the route handlers
 * build, written once so the OpenAPI document (functions/api/openapi.ts) and the contract test
 * (test/helpers/contract.ts) both read them. Objects are closed (a field views.ts adds and this file
 * lacks fails the contract test). Loose on purpose, and only there: `error.details` (each error code
 * carries its own shape), and the provider's own ids and addresses (plain strings).
 * Each component carries an `example`, checked against its schema by test/unit/openapi.test.ts.
 */
import * as z from 'zod';
import { SURVEY_KINDS } from '../core/follow-ups/surveys.ts';
import { REPORT_TARGETS } from '../core/reports.ts';
import { CHANNELS, PRIORITIES, TICKET_STATUSES } from '../core/types.ts';
import { FiredRuleSummaryView, SignalsSchema } from './rule-responses.ts';
import { VoiceCallSchema } from './voice-view.ts';

export const Timestamp = z.iso.datetime().meta({ id: 'Timestamp', description: 'ISO 8601, UTC.', example: '2026-11-25T09:30:00.000Z' });
const Ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/).meta({ id: 'Ulid', description: 'A ULID.', example: '01JDQ5G7Y8Z9A0B1C2D3E4F5G6' });
const time = () => Timestamp;
const id = () => Ulid;
const nullable = <T extends z.ZodType>(s: T) => s.nullable();

const T = '2026-11-25T09:30:00.000Z';
const TICKET_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5G6';
const CONTACT_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5H7';
const MESSAGE_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5J8';

// ---- errors ---------------------------------------------------------------------------------------

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, machine-readable: `invalid_body`, `not_found`, `version_mismatch`, …', example: 'invalid_body' }),
      message: z.string().meta({ description: 'For people; may change.' }),
      details: z.unknown().optional().meta({ description: 'Validation errors carry `[{path, message}]`; other codes may carry their own detail.' }),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every error the API answers (4xx and 5xx).',
    example: { error: { code: 'invalid_body', message: 'The body is not valid.', details: [{ path: 'text', message: 'text must not be empty' }] } },
  });

// ---- tickets --------------------------------------------------------------------------------------

const ticketFields = {
  id: id(),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(PRIORITIES),
  channel: z.enum(CHANNELS),
  provider: z.string().meta({ example: 'twilio' }),
  contactId: id(),
  customerAddress: z.string().meta({ description: "The customer's address on the channel (where replies go).", example: '+15551230000' }),
  inboxAddress: z.string().meta({ description: 'Our address the customer wrote to.', example: '+15550001111' }),
  subject: nullable(z.string()),
  assignee: nullable(z.string()),
  assignedBy: nullable(z.string()).meta({ description: 'Who made the assignment: `agent:<name>`/`api:<key>` (a person: rules never override it) or `rule:<id>`.' }),
  team: nullable(z.string()).meta({ description: 'The team a rule routed the ticket to.' }),
  language: nullable(z.string()).meta({ description: "The language of the ticket's first customer message (ISO 639-1, else 639-3, `und` when unsure)." }),
  tags: z.array(z.string()),
  createdAt: time(),
  lastMessageAt: time(),
  updatedAt: time().meta({ description: 'Last change of any kind (tickets stored before it existed: their last message).' }),
  messageCount: z.int().min(0),
  firstResponseAt: nullable(time()),
  resolvedAt: nullable(time()),
  slaDueAt: nullable(time()).meta({ description: 'The nearest active SLA due time.' }),
  reopenCount: z.int().min(0),
  participants: z.array(z.string()).meta({ description: 'Other people on an email thread; never the contact.' }),
  version: z.int().min(1).meta({ description: 'Optimistic-concurrency version; the ETag of GET and PATCH.' }),
};

export const EXAMPLE_TICKET = {
  id: TICKET_ID,
  status: 'open',
  priority: 'normal',
  channel: 'sms',
  provider: 'twilio',
  contactId: CONTACT_ID,
  customerAddress: '+15551230000',
  inboxAddress: '+15550001111',
  subject: null,
  assignee: null,
  assignedBy: null,
  team: null,
  language: 'en',
  tags: [],
  createdAt: T,
  lastMessageAt: T,
  updatedAt: T,
  messageCount: 1,
  firstResponseAt: null,
  resolvedAt: null,
  slaDueAt: '2026-11-25T10:30:00.000Z',
  reopenCount: 0,
  participants: [],
  version: 2,
} as const;

export const TicketSchema = z.object(ticketFields).meta({ id: 'Ticket', example: EXAMPLE_TICKET });

const measure = z.object({ calendar: z.number().meta({ description: 'Seconds.' }), business: nullable(z.number()).meta({ description: 'Seconds within business hours; null without a calendar.' }) }).meta({ id: 'Measure' });
const target = z.object({
  status: z.enum(['active', 'paused', 'fulfilled', 'breached', 'cancelled', 'none']),
  dueAt: nullable(time()),
  fulfilledAt: nullable(time()),
  breachedAt: nullable(time()),
}).meta({ id: 'SlaTargetState' });
const noTarget = { status: 'none', dueAt: null, fulfilledAt: null, breachedAt: null } as const;

export const TicketDetailSchema = z
  .object({
    ...ticketFields,
    sla: z.object({
      policy: nullable(z.string()),
      calendar: nullable(z.string()),
      targets: z.object({ firstReply: target, nextReply: target, resolution: target }),
    }),
    metrics: z.object({
      firstReply: nullable(measure),
      nextReplies: z.array(measure),
      requesterWait: nullable(measure),
      agentWait: nullable(measure),
      firstResolution: nullable(measure),
      fullResolution: nullable(measure),
      reopens: z.int().min(0),
    }),
    surveyRequest: nullable(
      z.object({ kind: z.enum(SURVEY_KINDS), at: time(), channel: z.enum(CHANNELS), messageId: id(), outcome: z.enum(['queued', 'sent', 'not_sent']) }).meta({ id: 'SurveyRequest', description: 'The satisfaction survey asked on this ticket (at most one).' }),
    ),
    survey: nullable(
      z
        .object({ kind: z.enum(SURVEY_KINDS), score: z.int().min(0).max(10), comment: z.string().optional(), at: time(), channel: z.enum([...CHANNELS, 'web']), messageId: id().optional() })
        .meta({ id: 'SurveyRating', description: "The customer's latest rating (a second one replaces the first; the event log keeps both)." }),
    ),
    pendingSince: nullable(time()).meta({ description: 'When the ticket last became pending (reminder and auto-resolve timers count from it).' }),
    lastInboundAt: nullable(time()).meta({ description: "The customer's last message (WhatsApp's 24-hour window runs from it)." }),
  })
  .meta({
    id: 'TicketDetail',
    description: 'A ticket with its SLA targets and response-time measures.',
    example: {
      ...EXAMPLE_TICKET,
      sla: { policy: 'sms', calendar: null, targets: { firstReply: { ...noTarget, status: 'active', dueAt: '2026-11-25T10:30:00.000Z' }, nextReply: noTarget, resolution: noTarget } },
      metrics: { firstReply: null, nextReplies: [], requesterWait: { calendar: 0, business: null }, agentWait: { calendar: 0, business: null }, firstResolution: null, fullResolution: null, reopens: 0 },
      surveyRequest: null,
      survey: null,
      pendingSince: null,
      lastInboundAt: EXAMPLE_TICKET.createdAt,
    },
  });

// ---- messages -------------------------------------------------------------------------------------

const attachmentFields = {
  url: z.string().optional().meta({ description: "The provider's media URL, when it gave one." }),
  contentType: z.string().optional(),
  name: z.string().optional(),
  size: z.int().min(0).optional(),
  providerMediaId: z.string().optional(),
  contentId: z.string().optional(),
};

const emailFields = {
  subject: z.string(),
  messageId: nullable(z.string()),
  inReplyTo: nullable(z.string()),
  references: z.array(z.string()),
  cc: z.array(z.string()),
  html: nullable(z.string()).meta({ description: 'As received: untrusted, render sandboxed.' }),
  preview: z.string().meta({ description: 'The new part, quoted history stripped.' }),
  autoSubmitted: nullable(z.string()),
  senderAuth: nullable(z.object({ spf: z.string().optional(), dkim: z.string().optional(), dmarc: z.string().optional() })),
  senderAuthFailed: z.boolean(),
  truncated: z.array(z.string()).meta({ description: 'What was cut to fit one item (`subject`, `cc`, `references`, …).' }),
};

const messageFields = {
  id: id(),
  ticketId: id(),
  direction: z.enum(['inbound', 'outbound', 'note']),
  automated: z.boolean(),
  purpose: nullable(z.enum(['ack', 'survey', 'reminder'])).meta({ description: 'Automated messages: what for.' }),
  author: nullable(z.string()),
  text: z.string(),
  attachments: z.array(z.object(attachmentFields)),
  providerMessageId: nullable(z.string()),
  from: z.string(),
  to: z.string(),
  createdAt: time(),
  deliveryStatus: nullable(z.enum(['queued', 'sent', 'delivered', 'read', 'not_sent', 'failed'])),
  deliveryError: nullable(z.string()),
  sentAt: nullable(time()).meta({ description: "The provider's time, when it gave one." }),
  inReplyTo: nullable(z.string()),
  editedAt: nullable(time()),
  originalText: nullable(z.string()),
  deleted: z.boolean(),
  threadedBy: nullable(z.enum(['in-reply-to', 'references', 'subject-token', 'thread-key', 'new-ticket'])),
  email: nullable(z.object(emailFields)),
  signals: nullable(SignalsSchema).meta({ description: 'Inbound messages: language, sentiment and abuse, detected on arrival.' }),
  voice: nullable(VoiceCallSchema),
};

export const EXAMPLE_MESSAGE = {
  id: MESSAGE_ID,
  ticketId: TICKET_ID,
  direction: 'outbound',
  automated: false,
  purpose: null,
  author: 'Ana',
  text: 'Thanks, we are on it.',
  attachments: [],
  providerMessageId: null,
  from: '+15550001111',
  to: '+15551230000',
  createdAt: T,
  deliveryStatus: 'queued',
  deliveryError: null,
  sentAt: null,
  inReplyTo: null,
  editedAt: null,
  originalText: null,
  deleted: false,
  threadedBy: null,
  email: null,
  signals: null,
  voice: null,
} as const;

export const MessageSchema = z.object(messageFields).meta({ id: 'Message', example: EXAMPLE_MESSAGE });

/** A message as GET /v1/tickets/{id} gives it: download links for stored bytes. */
export const MessageDetailSchema = z
  .object({
    ...messageFields,
    attachments: z.array(z.object({ ...attachmentFields, downloadUrl: z.string().optional().meta({ description: 'When we stored the bytes: a link valid for 5 minutes.' }) })),
    fullTextUrl: nullable(z.string()).meta({ description: 'When `text` was truncated: a link to the full text, valid for 5 minutes.' }),
    email: nullable(z.object({ ...emailFields, htmlUrl: nullable(z.string()).meta({ description: 'When the HTML was too large to keep inline.' }) })),
  })
  .meta({ id: 'MessageDetail', example: { ...EXAMPLE_MESSAGE, direction: 'inbound', author: null, text: 'My parcel has not arrived', from: '+15551230000', to: '+15550001111', deliveryStatus: null, threadedBy: 'new-ticket', fullTextUrl: null } });

// ---- events ---------------------------------------------------------------------------------------

const actor = z.string().meta({ description: '`customer`, `automation`, `agent:<author>`, `api:<key name>` or `rule:<rule id>`.', example: 'api:agent' });
const base = {
  id: id(),
  ticketId: id(),
  at: time(),
  actor,
  via: z.string().optional().meta({ description: 'The API key a change came through (`api:<key name>`); absent for webhooks and the worker.' }),
};
const slaTarget = z.enum(REPORT_TARGETS);
const ev = <T extends string, S extends z.core.$ZodLooseShape>(type: T | readonly [T, ...T[]], fields: S) =>
  z.object({ ...base, type: typeof type === 'string' ? z.literal(type) : z.enum(type as readonly [T, ...T[]]), ...fields });

export const EventSchema = z
  .discriminatedUnion('type', [
    ev('message.received', { messageId: id(), channel: z.enum(CHANNELS), countsAsCustomerMessage: z.boolean() }),
    ev(['reply.queued', 'reply.sent', 'reply.delivered', 'reply.read', 'note.added', 'automated.queued', 'automated.sent', 'automated.failed'], { messageId: id() }),
    ev('reply.failed', { messageId: id(), error: z.string().optional() }),
    ev('status.changed', { from: z.enum(TICKET_STATUSES), to: z.enum(TICKET_STATUSES) }),
    ev('ticket.reopened', { by: z.enum(['message', 'patch']) }),
    ev('priority.changed', { from: z.enum(PRIORITIES), to: z.enum(PRIORITIES) }),
    ev('assignee.changed', { from: nullable(z.string()), to: nullable(z.string()) }),
    ev('tags.changed', { from: z.array(z.string()), to: z.array(z.string()) }),
    ev('sla.policy', { policy: nullable(z.string()), calendar: nullable(z.string()) }),
    ev(['sla.warning', 'sla.breached'], { target: slaTarget, dueAt: time() }),
    ev('sla.fulfilled', { target: slaTarget, dueAt: nullable(time()), withinTarget: z.boolean() }),
    ev('contact.merged', { from: id(), to: id() }),
    ev('contact.erased', { contactId: id() }),
    ev('survey.requested', { messageId: id(), kind: z.enum(SURVEY_KINDS) }),
    ev('survey.rated', { kind: z.enum(SURVEY_KINDS), score: z.int().min(0).max(10), comment: z.string().optional(), channel: z.enum([...CHANNELS, 'web']), replaces: z.int().min(0).max(10).optional() }),
    ev('reminder.requested', { messageId: id() }),
    ev('callback.requested', { number: z.string() }),
    ev(['contact.opted_out', 'contact.opted_in'], { channel: z.enum(CHANNELS), address: z.string() }),
    ev('rule.applied', { rules: z.array(FiredRuleSummaryView) }),
    ev('assignment.skipped', { rule: z.string(), team: z.string(), reason: z.string() }),
  ])
  .meta({
    id: 'Event',
    description: 'One immutable change to a ticket: `id`, `ticketId`, `type`, `at`, `actor`, then the fields of its type.',
    example: { id: '01JDQ5G7Y8Z9A0B1C2D3E4F5K9', ticketId: TICKET_ID, type: 'status.changed', at: T, actor: 'api:agent', from: 'open', to: 'pending' },
  });

// ---- contacts -------------------------------------------------------------------------------------

export const IdentitySchema = z
  .object({
    kind: z.enum(['phone', 'sms-sender', 'email', 'wa', 'psid', 'igsid', 'telegram', 'x', 'external']),
    value: z.string(),
    linkedAt: time(),
    linkedVia: z.object({ provider: z.string(), providerMessageId: z.string(), channel: z.enum(CHANNELS) }).meta({ description: 'The message that first linked it.' }),
  })
  .meta({ id: 'Identity', example: { kind: 'phone', value: '+15551230000', linkedAt: T, linkedVia: { provider: 'twilio', providerMessageId: 'SM0123', channel: 'sms' } } });

export const ContactSchema = z
  .object({
    id: id(),
    name: nullable(z.string()),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).meta({ description: 'Custom attributes set through PATCH.' }),
    createdAt: time(),
    updatedAt: nullable(time()),
    identities: z.array(IdentitySchema),
    erasedAt: nullable(time()).meta({ description: 'Set once the contact was erased: no personal data is left.' }),
    version: z.int().min(1),
  })
  .meta({
    id: 'Contact',
    example: {
      id: CONTACT_ID,
      name: 'Sam',
      attributes: { plan: 'pro' },
      createdAt: T,
      updatedAt: null,
      identities: [{ kind: 'phone', value: '+15551230000', linkedAt: T, linkedVia: { provider: 'twilio', providerMessageId: 'SM0123', channel: 'sms' } }],
      erasedAt: null,
      version: 1,
    },
  });

// ---- envelopes (what each route answers) ------------------------------------------------------------

const cursor = nullable(z.string()).meta({ description: 'Pass as `cursor` for the next page; null on the last one. Opaque.' });

const example = (s: z.ZodType): unknown => s.meta()?.['example'];

export const TicketListSchema = z
  .object({ tickets: z.array(TicketSchema), nextCursor: cursor })
  .meta({ id: 'TicketList', example: { tickets: [EXAMPLE_TICKET], nextCursor: 'eyJrIjoi…' } });
export const TicketWithMessagesSchema = z
  .object({ ticket: TicketDetailSchema, messages: z.array(MessageDetailSchema).meta({ description: 'Oldest first, up to 1000.' }) })
  .meta({ id: 'TicketWithMessages', example: { ticket: example(TicketDetailSchema), messages: [example(MessageDetailSchema)] } });
export const TicketEnvelopeSchema = z.object({ ticket: TicketSchema }).meta({ id: 'TicketEnvelope', example: { ticket: EXAMPLE_TICKET } });
export const MessageEnvelopeSchema = z.object({ message: MessageSchema }).meta({ id: 'MessageEnvelope', example: { message: EXAMPLE_MESSAGE } });
export const EventListSchema = z.object({ events: z.array(EventSchema), nextCursor: cursor }).meta({ id: 'EventList', example: { events: [example(EventSchema)], nextCursor: null } });
