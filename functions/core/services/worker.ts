/** The worker's jobs: auto-acknowledgement, SLA checks, outbound delivery, re-ingest of parked events. */
import { ConflictError } from '../errors.ts';
import { METRIC, count } from '../metrics.ts';
import { PermanentSendError, type CoreDeps } from '../ports.ts';
import { evaluateFirstResponse } from '../sla.ts';
import { outboundEmailInfo } from '../email.ts';
import { dimsOf } from '../tickets.ts';
import type { Job, Message, Ticket } from '../types.ts';
import { applyEvent } from './events.ts';
import { ingestMessage, sleep } from './ingest.ts';

const MAX_ATTEMPTS = 5;

export async function runJob(deps: CoreDeps, job: Job): Promise<void> {
  switch (job.kind) {
    case 'ingest':
      await ingestMessage(deps, job.message);
      return;
    case 'status':
      await applyEvent(deps, { kind: 'status', update: job.update });
      return;
    case 'edit':
      await applyEvent(deps, { kind: 'edit', edit: job.edit });
      return;
    case 'ack':
      await acknowledge(deps, job.ticketId);
      return;
    case 'deliver':
      await deliver(deps, job.ticketId, job.messageId, job.createdAt);
      return;
    case 'sla-check':
      await checkFirstResponse(deps, job.ticketId, job.dueAt);
      return;
  }
}

export const ackText = (template: string, ticket: Ticket): string => template.replaceAll('{ticket}', ticket.id);

/** Record the automated acknowledgement once per ticket, then deliver it. */
async function acknowledge(deps: CoreDeps, ticketId: string): Promise<void> {
  let allowed: boolean | undefined;
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket) {
      deps.log.warn('ack for a missing ticket', { ticketId });
      return;
    }
    if (ticket.autoAckMessageId) {
      const msgs = await deps.store.getMessages(ticketId);
      const ack = msgs.find((m) => m.id === ticket.autoAckMessageId);
      if (ack && (await deliverMessage(deps, ticket, ack)) === 'sent') deps.metrics.emit([count(METRIC.AutoAcksSent, dimsOf(ticket))]);
      return;
    }
    const now = deps.clock.now();
    const at = now.toISOString();
    // Automated messages are rate-limited per address, decided once per job (not again on a lost race).
    allowed ??= await deps.store.consumeRateLimit(
      `automated#${ticket.channel}#${ticket.customerAddress.toLowerCase()}`,
      hourWindow(now),
      3600,
      deps.settings.automationRateLimitPerHour,
    );
    const id = deps.ids.newId();
    const text = ackText(deps.settings.autoAck.text, ticket);
    const message: Message = {
      id,
      ticketId,
      direction: 'outbound',
      automated: true,
      text,
      attachments: [],
      from: ticket.inboxAddress,
      to: ticket.customerAddress,
      createdAt: at,
      ...(allowed
        ? { deliveryStatus: 'queued' as const }
        : { deliveryStatus: 'not_sent' as const, deliveryError: `rate_limited: more than ${deps.settings.automationRateLimitPerHour} automated messages to this address in an hour` }),
      ...(ticket.channel === 'email' ? { email: outboundEmailInfo(ticket, deps.ids.token(), text, true) } : {}),
    };
    const next: Ticket = { ...ticket, autoAckMessageId: message.id, messageCount: ticket.messageCount + 1, version: ticket.version + 1 };
    try {
      await deps.store.appendMessage({ ticket: next, expectedVersion: ticket.version, message });
    } catch (e) {
      if (e instanceof ConflictError && attempt < MAX_ATTEMPTS) {
        await sleep(Math.random() * 20 * attempt);
        continue;
      }
      throw e;
    }
    if (!allowed) {
      deps.metrics.emit([count(METRIC.AutomationSuppressed, { ...dimsOf(ticket), Reason: 'rate_limited' })]);
      deps.log.warn('automated message rate-limited', { ticketId, messageId: id });
      return;
    }
    if ((await deliverMessage(deps, next, message)) === 'sent') deps.metrics.emit([count(METRIC.AutoAcksSent, dimsOf(ticket))]);
    return;
  }
}

/** The start of the hour `now` is in (ISO), the window of the automation rate limit. */
const hourWindow = (now: Date): string => new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000).toISOString();

async function deliver(deps: CoreDeps, ticketId: string, messageId: string, createdAt: string): Promise<void> {
  const ticket = await deps.store.getTicket(ticketId);
  const message = await deps.store.getMessage(ticketId, messageId, createdAt);
  if (!ticket || !message) {
    deps.log.warn('delivery for a missing ticket or message', { ticketId, messageId });
    return;
  }
  await deliverMessage(deps, ticket, message);
}

/**
 * Send a queued outbound message through the ticket's provider; idempotent on delivery status.
 * Returns what it recorded, or 'already' when the message had left the queue before.
 */
async function deliverMessage(deps: CoreDeps, ticket: Ticket, message: Message): Promise<'sent' | 'not_sent' | 'failed' | 'already'> {
  if (message.deliveryStatus !== 'queued') return 'already';
  const sender = deps.senders[ticket.provider];
  if (!sender) {
    await deps.store.updateMessageDelivery(ticket, message.id, message.createdAt, {
      status: 'not_sent',
      error: `no sender for provider "${ticket.provider}"`,
    });
    return 'not_sent';
  }
  try {
    const history = ticket.channel === 'email' ? await deps.store.getMessages(ticket.id) : undefined;
    const result = await sender.send(ticket, message, history);
    await deps.store.updateMessageDelivery(
      ticket,
      message.id,
      message.createdAt,
      result.status === 'sent' ? { status: 'sent', providerMessageId: result.providerMessageId } : { status: 'not_sent', error: result.reason },
    );
    return result.status;
  } catch (e) {
    if (e instanceof PermanentSendError) {
      deps.metrics.emit([count(METRIC.OutboundFailed, dimsOf(ticket))]);
      await deps.store.updateMessageDelivery(ticket, message.id, message.createdAt, { status: 'failed', error: e.message });
      return 'failed';
    }
    throw e; // transient: the queue retries, then the DLQ keeps it
  }
}

async function checkFirstResponse(deps: CoreDeps, ticketId: string, dueAt: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket) return;
    const now = deps.clock.now();
    const verdict = evaluateFirstResponse(ticket, dueAt, now);
    switch (verdict.kind) {
      case 'not-due':
        await deps.jobs.enqueue([{ job: { kind: 'sla-check', ticketId, check: 'first-response', dueAt }, delaySeconds: verdict.delaySeconds }]);
        return;
      case 'met':
      case 'not-applicable':
      case 'already-breached':
        return;
      case 'breached': {
        const next: Ticket = { ...ticket, slaBreachedAt: now.toISOString(), version: ticket.version + 1 };
        try {
          await deps.store.updateTicket(next, ticket.version);
        } catch (e) {
          if (e instanceof ConflictError && attempt < MAX_ATTEMPTS) {
            await sleep(Math.random() * 20 * attempt);
            continue;
          }
          throw e;
        }
        deps.metrics.emit([count(METRIC.SlaBreached, { ...dimsOf(ticket), Sla: 'FirstResponse' })]);
        deps.log.info('first-response SLA breached', { ticketId, dueAt });
        return;
      }
    }
  }
}
