/** The REST API's JSON shapes (camelCase). Internal fields (version keys, thread keys) stay inside. */
import { emptyState, metricsView, slaView } from '../core/response-metrics.ts';
import type { TicketEvent } from '../core/ticket-events.ts';
import type { Message, Ticket } from '../core/types.ts';
import { voiceView } from './voice-view.ts';

export const ticketView = (t: Ticket) => ({
  id: t.id,
  status: t.status,
  priority: t.priority,
  channel: t.channel,
  provider: t.provider,
  contactId: t.contactId,
  customerAddress: t.customerAddress,
  inboxAddress: t.inboxAddress,
  subject: t.subject ?? null,
  assignee: t.assignee ?? null,
  assignedBy: t.assignedBy ?? null,
  team: t.team ?? null,
  language: t.language ?? null,
  tags: t.tags,
  createdAt: t.createdAt,
  lastMessageAt: t.lastMessageAt,
  /** Tickets stored before updatedAt existed last changed with their last message. */
  updatedAt: t.updatedAt ?? t.lastMessageAt,
  messageCount: t.messageCount,
  firstResponseAt: t.firstResponseAt ?? null,
  resolvedAt: t.resolvedAt ?? null,
  slaDueAt: t.slaDueAt ?? null,
  reopenCount: t.reopenCount,
  participants: t.participants ?? [],
  version: t.version,
});

/** A ticket with its SLA targets and response-time measures (GET /v1/tickets/{id}). */
export const ticketDetailView = (t: Ticket) => {
  const state = t.clock ?? emptyState();
  return {
    ...ticketView(t),
    sla: slaView(state),
    metrics: metricsView(state),
    // Follow-ups: the survey asked and the customer's latest rating, the pending spell, the last customer message.
    surveyRequest: t.surveyRequest ?? null,
    survey: t.survey ?? null,
    pendingSince: t.pendingSince ?? null,
    lastInboundAt: t.lastInboundAt ?? null,
  };
};

export const messageView = (m: Message) => ({
  id: m.id,
  ticketId: m.ticketId,
  direction: m.direction,
  automated: m.automated,
  purpose: m.purpose ?? null,
  author: m.author ?? null,
  text: m.text,
  attachments: m.attachments.map(({ key: _key, ...a }) => a),
  providerMessageId: m.providerMessageId ?? null,
  from: m.from,
  to: m.to,
  createdAt: m.createdAt,
  deliveryStatus: m.deliveryStatus ?? null,
  deliveryError: m.deliveryError ?? null,
  sentAt: m.sentAt ?? null,
  inReplyTo: m.inReplyTo ?? null,
  editedAt: m.editedAt ?? null,
  originalText: m.originalText ?? null,
  deleted: m.deleted ?? false,
  threadedBy: m.threadedBy ?? null,
  email: m.email
    ? {
        subject: m.email.subject,
        messageId: m.email.messageId ?? null,
        inReplyTo: m.email.inReplyTo ?? null,
        references: m.email.references,
        cc: m.email.cc,
        html: m.email.html ?? null,
        preview: m.email.preview,
        autoSubmitted: m.email.autoSubmitted ?? null,
        senderAuth: m.email.senderAuth ?? null,
        senderAuthFailed: m.email.senderAuthFailed ?? false,
        truncated: m.email.truncated ?? [],
      }
    : null,
  signals: m.signals ?? null,
  voice: voiceView(m.voice),
});

/** An event with its common fields first, then what it changed. */
export const eventView = (e: TicketEvent) => {
  const { id, ticketId, type, at, actor, ...fields } = e;
  return { id, ticketId, type, at, actor, ...fields };
};
