/** Ticket rules: how an inbound message lands on a ticket (agents' actions are in agent-actions.ts). Pure. */
import { optCommand, KEYWORD_CHANNELS } from './follow-ups/opt-out.ts';
import { ratingCounters, ratingOf, surveyStatsPartition } from './follow-ups/ratings.ts';
import { shardOf } from './listing.ts';
import { METRIC, count, value, type MetricEvent } from './metrics.ts';
import type { CoreSettings, IngestContext, IngestWrite, StatsWrite } from './ports.ts';
import { policyDraft, resolverOf } from './sla-settings.ts';
import { EMAIL_LIMITS } from '../spec.ts';
import { applyRules, type Triage } from './rules/apply.ts';
import type { EventDraft } from './ticket-events.ts';
import { recordEvents } from './timeline.ts';
import type { InboundMessage, Message, QueuedJob, Ticket } from './types.ts';

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
  /** Ids for the change's events. */
  readonly newId: () => string;
}

/**
 * Decide what one verified inbound message does: append to the thread's ticket unless that
 * ticket is closed (reopening resolved or pending ones), or open a new ticket. `triage`: the
 * message's signals, and the rules to run (core/rules) when it is a counted customer message.
 */
export function planIngest(msg: InboundMessage, ctx: IngestContext, ids: NewIds, now: Date, settings: CoreSettings, triage?: Triage): IngestPlan {
  const dims = dimsOf(msg);
  const metrics: MetricEvent[] = [count(METRIC.MessagesReceived, dims)];
  const jobs: QueuedJob[] = [];

  const newContact: IngestWrite['newContact'] = ctx.contactId
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
  const contactId = ctx.contactId ?? ids.contactId;

  const current = ctx.threadTicket;
  // STOP / START on SMS and WhatsApp: recorded on the sender's address, never a request for help.
  const command = (KEYWORD_CHANNELS as readonly string[]).includes(msg.channel) && !msg.signal ? optCommand(msg.text) : undefined;
  // A score answering the survey on the thread's ticket (even if it closed since): a rating, not a message.
  const rating = command ? undefined : ratingOf(current, msg, settings.followUps, ids.messageId);
  // Auto-replies, bounces and list mail are stored but never reopen, acknowledge or start an SLA;
  // reactions, read receipts and postbacks (`signal`) neither reopen nor start a clock; nor do
  // opt-out keywords and ratings.
  const automated = msg.email?.autoSubmitted !== undefined;
  const counts = !automated && !msg.signal && !command && !rating;
  const at = msg.receivedAt;
  let base: Ticket;
  let reopened = false;
  let newTicket = false;
  let thread: IngestWrite['thread'];
  const drafts: EventDraft[] = [];

  if (current && (current.status !== 'closed' || rating)) {
    base = current;
    reopened = current.status === 'resolved' && counts;
    if (counts && current.status !== 'open') {
      drafts.push({ type: 'status.changed', at, actor: 'customer', from: current.status, to: 'open' });
      if (reopened) drafts.push({ type: 'ticket.reopened', at, actor: 'customer', by: 'message' });
    }
  } else {
    newTicket = true;
    base = {
      id: ids.ticketId,
      // A keyword (STOP, START) on a new thread is recorded on a ticket that is closed at once: nothing
      // waits in the queue for it, and the next message opens a new ticket.
      status: command ? 'closed' : 'open',
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
      createdAt: at,
      lastMessageAt: at,
      messageCount: 0,
      reopenCount: 0,
      version: 0,
    };
    drafts.push(policyDraft(settings.sla, base, at, 'automation'));
    thread = {
      key: msg.threadKey,
      channel: msg.channel,
      ticketId: base.id,
      ...(ctx.threadPointer ? { expectedPrevious: ctx.threadPointer } : {}),
    };
    metrics.push(count(METRIC.TicketsCreated, dims));
    if (counts) {
      // Never acknowledge a sender the provider could not authenticate: a spoofed From would make us a relay.
      if (settings.autoAck.enabled && !msg.email?.senderAuthFailed) jobs.push({ job: { kind: 'ack', ticketId: base.id }, delaySeconds: 0 });
      if (settings.autoAck.enabled && msg.email?.senderAuthFailed) metrics.push(count(METRIC.AutomationSuppressed, { ...dims, Reason: 'sender_auth_failed' }));
    }
  }
  drafts.push({ type: 'message.received', at, actor: 'customer', messageId: ids.messageId, channel: msg.channel, countsAsCustomerMessage: counts });
  const extraStats: StatsWrite[] = [];
  if (command) {
    drafts.push({ type: command === 'opt-out' ? 'contact.opted_out' : 'contact.opted_in', at, actor: 'customer', channel: msg.channel, address: msg.from });
    metrics.push(count(command === 'opt-out' ? METRIC.OptOuts : METRIC.OptIns, { Channel: msg.channel }));
  }
  if (rating) {
    const previous = base.survey;
    drafts.push({ type: 'survey.rated', at, actor: 'customer', kind: rating.kind, score: rating.score, ...(rating.comment ? { comment: rating.comment } : {}), channel: rating.channel, ...(previous ? { replaces: previous.score } : {}) });
    // The metrics count a ticket's first rating only; the report reflects the latest.
    if (!previous) metrics.push(value(METRIC.SurveyScore, { Channel: base.channel, Kind: rating.kind }, rating.score), count(METRIC.SurveyResponses, { Channel: base.channel, Kind: rating.kind }));
    const shard = shardOf(base.id);
    for (const c of ratingCounters(previous, rating)) extraStats.push({ pk: surveyStatsPartition(base.channel), sk: `${c.day}#${shard}`, add: c.add });
  }

  const participants = newTicket ? (base.participants ?? []) : mergeParticipants(base, msg);
  const { resolvedAt: _dropped, ...open } = base;
  const changed: Ticket = {
    ...(reopened ? open : base),
    ...(rating ? { survey: rating } : {}),
    status: counts ? 'open' : base.status,
    lastMessageAt: maxIso(base.lastMessageAt, at),
    ...(automated ? {} : { lastInboundAt: base.lastInboundAt ? maxIso(base.lastInboundAt, at) : at }),
    messageCount: base.messageCount + 1,
    reopenCount: base.reopenCount + (reopened ? 1 : 0),
    ...(participants.length ? { participants } : {}),
    // The ticket's language is its first customer message's.
    ...(triage && counts && !base.language ? { language: triage.signals.language } : {}),
  };
  // Rules change the ticket in this same transaction; their notes and round-robin are worker jobs.
  const ruled = triage && counts ? applyRules(msg, changed, newTicket, triage, { settings, newId: ids.newId }) : undefined;
  if (ruled) {
    drafts.push(...ruled.drafts);
    jobs.push(...ruled.jobs);
    metrics.push(...ruled.metrics);
  }
  const recorded = recordEvents(ruled?.ticket ?? changed, drafts, { resolve: resolverOf(settings.sla), newId: ids.newId, now, followUps: settings.followUps });
  const ticket = recorded.ticket;
  metrics.push(...recorded.metrics);
  jobs.push(...recorded.jobs);
  const dedupeKey = dedupeKeyOf(msg);
  const followUps = jobs.map((j) => (j.job.kind === 'ack' || j.job.kind === 'sla-check' ? { ...j, job: { ...j.job, origin: dedupeKey } } : j));

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
    ...(triage ? { signals: triage.signals } : {}),
    ...(msg.voice ? { voice: msg.voice } : {}),
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
      dedupeKey,
      indexMessageId: message.email?.messageId !== undefined && !ctx.messageIdTaken,
      indexProviderId: !ctx.providerIdTaken,
      pendingJobs: followUps,
      change: extraStats.length ? { ...recorded.change, stats: [...recorded.change.stats, ...extraStats] } : recorded.change,
      ...(command ? { optOut: { channel: msg.channel, address: msg.from, optedOut: command === 'opt-out', at } } : {}),
    },
    jobs: followUps,
    metrics,
    outcome: { ticketId: ticket.id, messageId: message.id, newTicket, reopened },
  };
}

/**
 * Email: a sender other than the ticket's customer, and anyone cc'd, join as participants (copied
 * on agent replies), up to EMAIL_LIMITS.maxCc; those who joined first stay.
 */
function mergeParticipants(t: Ticket, msg: InboundMessage): string[] {
  const set = new Set(t.participants ?? []);
  if (msg.channel === 'email') {
    const customer = t.customerAddress.toLowerCase();
    for (const a of [msg.from.toLowerCase(), ...ccParticipants(msg)]) {
      if (set.size >= EMAIL_LIMITS.maxCc) break;
      if (a !== customer) set.add(a);
    }
  }
  return [...set];
}

const ccParticipants = (msg: InboundMessage): string[] =>
  (msg.email?.cc ?? []).map((a) => a.toLowerCase()).filter((a) => a !== msg.to.toLowerCase() && a !== msg.from.toLowerCase());

export const maxIso = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);
