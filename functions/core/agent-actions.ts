/**
 * What agents (and API keys) do to a ticket: reply, note, change status/priority/assignee/tags,
 * and what a reply's delivery outcome changes. Each is a list of events recorded on the ticket
 * (core/timeline.ts), so response times follow from the log. Pure.
 */
import { outboundEmailInfo } from './email.ts';
import { ClientError } from './errors.ts';
import type { CoreSettings } from './ports.ts';
import { policyDraft, resolverOf } from './sla-settings.ts';
import type { Actor, EventDraft } from './ticket-events.ts';
import { maxIso } from './tickets.ts';
import { recordEvents, type RecordedChange } from './timeline.ts';
import type { Message, Priority, Ticket, TicketStatus } from './types.ts';

export interface ActionContext {
  readonly now: Date;
  readonly newId: () => string;
  readonly settings: Pick<CoreSettings, 'sla'> & Partial<Pick<CoreSettings, 'followUps'>>;
}

const record = (t: Ticket, drafts: readonly EventDraft[], ctx: ActionContext): RecordedChange =>
  recordEvents(t, drafts, { resolve: resolverOf(ctx.settings.sla), newId: ctx.newId, now: ctx.now, followUps: ctx.settings.followUps });

/**
 * The actor of an agent's action: the author they gave, else the API key's name. The key itself is
 * on every event the call writes either way (`via: "api:<key name>"`, core/scoped-store.ts).
 */
export const agentActor = (author: string | undefined, keyName: string): Actor => (author ? `agent:${author}` : `api:${keyName}`);

export interface ReplyPlan extends RecordedChange {
  readonly message: Message;
}

/**
 * An agent's reply: an outbound message queued for delivery. It is not a response yet: only when
 * the provider accepts it (planDeliveryOutcome) does it count, and hand the ticket to the customer.
 */
export function planReply(ticket: Ticket, input: { text: string; author?: string | undefined }, actor: Actor, messageId: string, emailToken: string, ctx: ActionContext): ReplyPlan {
  if (ticket.status === 'closed') throw new ClientError(409, 'ticket_closed', 'This ticket is closed; a new message from the customer opens a new ticket.');
  if (ticket.erasedAt) throw new ClientError(409, 'contact_erased', "This ticket's contact was erased: there is no address to reply to.");
  const at = ctx.now.toISOString();
  const message: Message = {
    id: messageId,
    ticketId: ticket.id,
    direction: 'outbound',
    automated: false,
    ...(input.author ? { author: input.author } : {}),
    actor,
    text: input.text,
    attachments: [],
    from: ticket.inboxAddress,
    to: ticket.customerAddress,
    createdAt: at,
    deliveryStatus: 'queued',
    ...(ticket.channel === 'email' ? { email: outboundEmailInfo(ticket, emailToken, input.text) } : {}),
  };
  const changed: Ticket = { ...ticket, lastMessageAt: maxIso(ticket.lastMessageAt, at), messageCount: ticket.messageCount + 1 };
  return { ...record(changed, [{ type: 'reply.queued', at, actor, messageId }], ctx), message };
}

/** An internal note: stored for agents, never sent, not a response. */
export function planNote(ticket: Ticket, input: { text: string; author?: string | undefined }, actor: Actor, messageId: string, ctx: ActionContext): ReplyPlan {
  const at = ctx.now.toISOString();
  const message: Message = {
    id: messageId,
    ticketId: ticket.id,
    direction: 'note',
    automated: false,
    ...(input.author ? { author: input.author } : {}),
    actor,
    text: input.text,
    attachments: [],
    from: input.author ?? 'agent',
    to: ticket.id,
    createdAt: at,
  };
  return { ...record({ ...ticket, messageCount: ticket.messageCount + 1 }, [{ type: 'note.added', at, actor, messageId }], ctx), message };
}

/**
 * An automated message (acknowledgement, survey, reminder) appended to the ticket, queued or
 * already refused (`not_sent` with the reason). The ticket remembers it, so each is asked once:
 * one acknowledgement and one survey per ticket, one reminder per pending spell (`pendingSince`).
 */
export function planAutomated(ticket: Ticket, message: Message, ctx: ActionContext): RecordedChange {
  const at = message.createdAt;
  const drafts: EventDraft[] = [{ type: 'automated.queued', at, actor: 'automation', messageId: message.id }];
  let changed: Ticket = { ...ticket, messageCount: ticket.messageCount + 1 };
  switch (message.purpose ?? 'ack') {
    case 'ack':
      changed = { ...changed, autoAckMessageId: message.id };
      break;
    case 'survey': {
      const kind = ctx.settings.followUps?.survey.kind ?? 'csat';
      changed = { ...changed, surveyRequest: { kind, at, channel: ticket.channel, messageId: message.id, outcome: message.deliveryStatus === 'queued' ? 'queued' : 'not_sent' } };
      drafts.push({ type: 'survey.requested', at, actor: 'automation', messageId: message.id, kind });
      break;
    }
    case 'reminder':
      changed = { ...changed, ...(ticket.pendingSince ? { reminderSentFor: ticket.pendingSince } : {}), reminderMessageId: message.id };
      drafts.push({ type: 'reminder.requested', at, actor: 'automation', messageId: message.id });
      break;
  }
  return record(changed, drafts, ctx);
}

export interface TicketPatch {
  readonly status?: TicketStatus | undefined;
  readonly priority?: Priority | undefined;
  readonly assignee?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
}

/** An agent's change of status, priority, assignee or tags; a priority or tag change re-matches the SLA policy. */
export function planPatch(ticket: Ticket, patch: TicketPatch, actor: Actor, ctx: ActionContext): RecordedChange {
  const at = ctx.now.toISOString();
  const drafts: EventDraft[] = [];
  let next: Ticket = { ...ticket };
  if (patch.status && patch.status !== ticket.status) {
    if (ticket.status === 'closed') throw new ClientError(409, 'ticket_closed', 'A closed ticket cannot change status.');
    drafts.push({ type: 'status.changed', at, actor, from: ticket.status, to: patch.status });
    if (ticket.status === 'resolved' && (patch.status === 'open' || patch.status === 'pending')) {
      drafts.push({ type: 'ticket.reopened', at, actor, by: 'patch' });
      next = { ...next, reopenCount: next.reopenCount + 1 };
    }
    if (patch.status === 'resolved' || patch.status === 'closed') next = { ...next, resolvedAt: next.resolvedAt && patch.status === 'closed' ? next.resolvedAt : at };
    if (patch.status === 'open' || patch.status === 'pending') {
      const { resolvedAt: _r, ...rest } = next;
      next = rest;
    }
    next = { ...next, status: patch.status };
  }
  if (patch.priority && patch.priority !== ticket.priority) {
    drafts.push({ type: 'priority.changed', at, actor, from: ticket.priority, to: patch.priority });
    next = { ...next, priority: patch.priority };
  }
  if (patch.assignee !== undefined && (patch.assignee ?? null) !== (ticket.assignee ?? null)) {
    drafts.push({ type: 'assignee.changed', at, actor, from: ticket.assignee ?? null, to: patch.assignee });
    // Who assigned it: a person's choice (`agent:`/`api:`) is never overridden by a rule (core/rules).
    // An unassignment is a choice too: assignedBy stays (the actor, no assignee), so rules do not assign it again.
    if (patch.assignee === null) {
      const { assignee: _a, ...rest } = next;
      next = { ...rest, assignedBy: actor };
    } else next = { ...next, assignee: patch.assignee, assignedBy: actor };
  }
  if (patch.tags) {
    const tags = [...new Set(patch.tags)];
    if (tags.join('\u0000') !== ticket.tags.join('\u0000')) {
      drafts.push({ type: 'tags.changed', at, actor, from: ticket.tags, to: tags });
      next = { ...next, tags };
    }
  }
  if (drafts.some((d) => d.type === 'priority.changed' || d.type === 'tags.changed')) drafts.push(policyDraft(ctx.settings.sla, next, at, actor));
  return record(next, drafts, ctx);
}

/**
 * What a send's outcome changes. An agent reply the provider accepted is a response: the first
 * one sets `firstResponseAt`, and an `open` ticket now waits on the customer (`pending`). A failed
 * or unsent reply changes no status and counts for nothing.
 */
export function planDeliveryOutcome(ticket: Ticket, message: Message, outcome: 'sent' | 'not_sent' | 'failed', error: string | undefined, ctx: ActionContext): RecordedChange {
  const at = ctx.now.toISOString();
  const actor = (message.automated ? 'automation' : (message.actor ?? (message.author ? `agent:${message.author}` : 'automation'))) as Actor;
  if (message.automated) {
    const req = ticket.surveyRequest;
    const next = req && req.messageId === message.id ? { ...ticket, surveyRequest: { ...req, outcome: outcome === 'sent' ? ('sent' as const) : ('not_sent' as const) } } : ticket;
    return record(next, [outcome === 'sent' ? { type: 'automated.sent', at, actor, messageId: message.id } : { type: 'automated.failed', at, actor, messageId: message.id }], ctx);
  }
  if (outcome !== 'sent') return record(ticket, [{ type: 'reply.failed', at, actor, messageId: message.id, ...(error ? { error } : {}) }], ctx);
  const drafts: EventDraft[] = [{ type: 'reply.sent', at, actor, messageId: message.id }];
  let next: Ticket = ticket.firstResponseAt ? ticket : { ...ticket, firstResponseAt: at };
  if (ticket.status === 'open') {
    drafts.push({ type: 'status.changed', at, actor, from: 'open', to: 'pending' });
    next = { ...next, status: 'pending' };
  }
  return record(next, drafts, ctx);
}
