/** Ticket rules: how an inbound message lands, how agents reply, how status moves. Pure. */
import { ClientError } from './errors.ts';
import { METRIC, count, seconds, type MetricEvent } from './metrics.ts';
import type { CoreSettings, IngestContext, IngestWrite } from './ports.ts';
import { outboundEmailInfo } from './email.ts';
import { delayUntil, firstResponseDueAt, secondsBetween } from './sla.ts';
import type { InboundMessage, Message, Priority, QueuedJob, Ticket, TicketStatus } from './types.ts';

/**
 * Provider, channel (Meta's WhatsApp and Messenger ids are separate namespaces) and the provider's
 * id; email by its RFC Message-ID whichever provider delivered it, so one mail routed through two
 * providers is still one message.
 */
export const dedupeKeyOf = (msg: Pick<InboundMessage, 'provider' | 'channel' | 'providerMessageId' | 'dedupeId' | 'email'>): string =>
  msg.channel === 'email' && msg.email?.messageId
    ? `email#${msg.email.messageId.toLowerCase()}`
    : `${msg.provider}#${msg.channel}#${msg.dedupeId ?? msg.providerMessageId}`;

export const dimsOf = (t: { channel: string; provider: string }): Record<string, string> => ({
  Channel: t.channel,
  Provider: t.provider,
});

export interface IngestPlan {
  readonly write: IngestWrite;
  readonly jobs: readonly QueuedJob[];
  readonly metrics: readonly MetricEvent[];
  readonly outcome: { readonly ticketId: string; readonly messageId: string; readonly newTicket: boolean; readonly reopened: boolean };
}

export interface NewIds {
  readonly ticketId: string;
  readonly contactId: string;
  readonly messageId: string;
}

/**
 * Decide what one verified inbound message does: append to the thread's ticket unless that
 * ticket is closed (reopening resolved or pending ones), or open a new ticket.
 */
export function planIngest(msg: InboundMessage, ctx: IngestContext, ids: NewIds, now: Date, settings: CoreSettings): IngestPlan {
  const dims = dimsOf(msg);
  const metrics: MetricEvent[] = [count(METRIC.MessagesReceived, dims)];
  const jobs: QueuedJob[] = [];

  const newContact: IngestWrite['newContact'] = ctx.contact
    ? undefined
    : {
        contact: {
          id: ids.contactId,
          ...(msg.displayName ? { name: msg.displayName } : {}),
          identities: [msg.identity],
          createdAt: now.toISOString(),
        },
        identity: {
          ...msg.identity,
          contactId: ids.contactId,
          linkedAt: now.toISOString(),
          linkedVia: { provider: msg.provider, providerMessageId: msg.providerMessageId, channel: msg.channel },
        },
      };
  const contactId = ctx.contact?.id ?? ids.contactId;

  const current = ctx.threadTicket;
  // Auto-replies, bounces and list mail are stored but never reopen, acknowledge or start an SLA.
  const automated = msg.email?.autoSubmitted !== undefined;
  let ticket: Ticket;
  let reopened = false;
  let newTicket = false;
  let thread: IngestWrite['thread'];

  if (current && current.status !== 'closed') {
    reopened = current.status === 'resolved' && !automated;
    const { resolvedAt: _dropped, ...rest } = current;
    const participants = mergeParticipants(current, msg);
    ticket = {
      ...(reopened ? rest : current),
      status: automated ? current.status : 'open',
      lastMessageAt: maxIso(current.lastMessageAt, msg.receivedAt),
      messageCount: current.messageCount + 1,
      reopenCount: current.reopenCount + (reopened ? 1 : 0),
      ...(participants.length ? { participants } : {}),
      version: current.version + 1,
    };
    if (reopened) metrics.push(count(METRIC.TicketsReopened, dims));
  } else {
    newTicket = true;
    const createdAt = msg.receivedAt;
    const dueAt = firstResponseDueAt(createdAt, msg.channel, settings.slaFirstResponseSeconds);
    ticket = {
      id: ids.ticketId,
      status: 'open',
      priority: 'normal',
      channel: msg.channel,
      provider: msg.provider,
      contactId,
      threadKey: msg.threadKey,
      inboxAddress: msg.to,
      customerAddress: msg.from,
      ...(msg.providerAccount ? { providerAccount: msg.providerAccount } : {}),
      ...(msg.email ? { subject: msg.email.subject } : {}),
      ...(msg.email?.cc.length ? { participants: ccParticipants(msg) } : {}),
      tags: automated ? ['auto-submitted'] : [],
      createdAt,
      lastMessageAt: createdAt,
      messageCount: 1,
      ...(automated ? {} : { slaFirstResponseDueAt: dueAt }),
      reopenCount: 0,
      version: 1,
    };
    thread = {
      key: msg.threadKey,
      channel: msg.channel,
      ticketId: ticket.id,
      ...(ctx.threadPointer ? { expectedPrevious: ctx.threadPointer } : {}),
    };
    metrics.push(count(METRIC.TicketsCreated, dims));
    if (!automated) {
      // Never acknowledge a sender the provider could not authenticate: a spoofed From would make us a relay.
      if (settings.autoAck.enabled && !msg.email?.senderAuthFailed) jobs.push({ job: { kind: 'ack', ticketId: ticket.id }, delaySeconds: 0 });
      if (settings.autoAck.enabled && msg.email?.senderAuthFailed) metrics.push(count(METRIC.AutomationSuppressed, { ...dims, Reason: 'sender_auth_failed' }));
      jobs.push({
        job: { kind: 'sla-check', ticketId: ticket.id, check: 'first-response', dueAt },
        delaySeconds: delayUntil(now, dueAt),
      });
    }
  }

  const message: Message = {
    id: ids.messageId,
    ticketId: ticket.id,
    direction: 'inbound',
    automated: false,
    text: msg.text,
    attachments: msg.attachments,
    providerMessageId: msg.providerMessageId,
    from: msg.from,
    to: msg.to,
    createdAt: msg.receivedAt,
    ...(msg.sentAt ? { sentAt: msg.sentAt } : {}),
    ...(msg.inReplyTo ? { inReplyTo: msg.inReplyTo } : {}),
    ...(msg.email ? { email: msg.email } : {}),
    ...(msg.fullTextKey ? { fullTextKey: msg.fullTextKey } : {}),
    threadedBy: newTicket ? 'new-ticket' : (ctx.threadedBy ?? 'thread-key'),
  };

  return {
    write: {
      provider: msg.provider,
      message,
      ticket,
      ...(newTicket ? {} : { expectedTicketVersion: current!.version }),
      ...(thread ? { thread } : {}),
      ...(newContact ? { newContact } : {}),
      dedupeKey: dedupeKeyOf(msg),
      indexMessageId: message.email?.messageId !== undefined && !ctx.messageIdTaken,
      indexProviderId: !ctx.providerIdTaken,
      pendingJobs: jobs,
    },
    jobs,
    metrics,
    outcome: { ticketId: ticket.id, messageId: message.id, newTicket, reopened },
  };
}

/** Email: a sender other than the ticket's customer, and anyone cc'd, join as participants. */
function mergeParticipants(t: Ticket, msg: InboundMessage): string[] {
  const set = new Set(t.participants ?? []);
  if (msg.channel === 'email') {
    const sender = msg.from.toLowerCase();
    if (sender !== t.customerAddress.toLowerCase()) set.add(sender);
    for (const a of ccParticipants(msg)) set.add(a);
    set.delete(t.customerAddress.toLowerCase());
  }
  return [...set];
}

const ccParticipants = (msg: InboundMessage): string[] =>
  (msg.email?.cc ?? []).map((a) => a.toLowerCase()).filter((a) => a !== msg.to.toLowerCase() && a !== msg.from.toLowerCase());

const maxIso = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

export interface ReplyPlan {
  readonly ticket: Ticket;
  readonly message: Message;
  readonly jobs: readonly QueuedJob[];
  readonly metrics: readonly MetricEvent[];
}

/** An agent's reply: an outbound message, the first response recorded once, delivery queued. */
export function planReply(
  ticket: Ticket,
  input: { text: string; author?: string | undefined },
  messageId: string,
  now: Date,
  /** Random token for our email Message-ID (IdSource.token). */
  emailToken: string,
): ReplyPlan {
  if (ticket.status === 'closed') {
    throw new ClientError(409, 'ticket_closed', 'This ticket is closed; a new message from the customer opens a new ticket.');
  }
  const at = now.toISOString();
  const first = !ticket.firstResponseAt;
  const message: Message = {
    id: messageId,
    ticketId: ticket.id,
    direction: 'outbound',
    automated: false,
    ...(input.author ? { author: input.author } : {}),
    text: input.text,
    attachments: [],
    from: ticket.inboxAddress,
    to: ticket.customerAddress,
    createdAt: at,
    deliveryStatus: 'queued',
    ...(ticket.channel === 'email' ? { email: outboundEmailInfo(ticket, emailToken, input.text) } : {}),
  };
  const next: Ticket = {
    ...ticket,
    ...(first ? { firstResponseAt: at } : {}),
    // An agent reply hands the conversation to the customer.
    status: ticket.status === 'open' ? 'pending' : ticket.status,
    lastMessageAt: maxIso(ticket.lastMessageAt, at),
    messageCount: ticket.messageCount + 1,
    version: ticket.version + 1,
  };
  const metrics = first ? [seconds(METRIC.FirstResponseTime, dimsOf(ticket), secondsBetween(ticket.createdAt, at))] : [];
  return {
    ticket: next,
    message,
    jobs: [{ job: { kind: 'deliver', ticketId: ticket.id, messageId, createdAt: at }, delaySeconds: 0 }],
    metrics,
  };
}

/** An internal note: stored on the ticket for agents, never sent, not a response. */
export function planNote(ticket: Ticket, input: { text: string; author?: string | undefined }, messageId: string, now: Date): { ticket: Ticket; message: Message } {
  const at = now.toISOString();
  return {
    message: {
      id: messageId,
      ticketId: ticket.id,
      direction: 'note',
      automated: false,
      ...(input.author ? { author: input.author } : {}),
      text: input.text,
      attachments: [],
      from: input.author ?? 'agent',
      to: ticket.id,
      createdAt: at,
    },
    ticket: { ...ticket, messageCount: ticket.messageCount + 1, version: ticket.version + 1 },
  };
}

export interface TicketPatch {
  readonly status?: TicketStatus | undefined;
  readonly priority?: Priority | undefined;
  readonly assignee?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
}

/** Apply an agent's change of status, priority, assignee or tags. Resolving records resolution time. */
export function planPatch(ticket: Ticket, patch: TicketPatch, now: Date): { ticket: Ticket; metrics: MetricEvent[] } {
  const at = now.toISOString();
  const metrics: MetricEvent[] = [];
  let next: Ticket = { ...ticket, version: ticket.version + 1 };
  if (patch.status && patch.status !== ticket.status) {
    if (ticket.status === 'closed') {
      throw new ClientError(409, 'ticket_closed', 'A closed ticket cannot change status.');
    }
    const resolving = (patch.status === 'resolved' || patch.status === 'closed') && !ticket.resolvedAt;
    if (resolving) {
      next = { ...next, resolvedAt: at };
      metrics.push(seconds(METRIC.ResolutionTime, dimsOf(ticket), secondsBetween(ticket.createdAt, at)));
    }
    if (patch.status === 'open' || patch.status === 'pending') {
      const { resolvedAt: _r, ...rest } = next;
      next = rest;
    }
    next = { ...next, status: patch.status };
  }
  if (patch.priority) next = { ...next, priority: patch.priority };
  if (patch.assignee === null) {
    const { assignee: _a, ...rest } = next;
    next = rest;
  } else if (patch.assignee !== undefined) {
    next = { ...next, assignee: patch.assignee };
  }
  if (patch.tags) next = { ...next, tags: [...new Set(patch.tags)] };
  return { ticket: next, metrics };
}
