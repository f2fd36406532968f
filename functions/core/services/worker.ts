/** The worker's jobs: auto-acknowledgement, SLA timers, outbound delivery (delivery.ts), re-ingest of parked events. */
import { planAutomated } from '../agent-actions.ts';
import { canonicalMailbox, outboundEmailInfo } from '../email.ts';
import { METRIC, count } from '../metrics.ts';
import type { CoreDeps } from '../ports.ts';
import { delayUntil } from '../sla.ts';
import { resolverOf } from '../sla-settings.ts';
import { dimsOf } from '../tickets.ts';
import { recordCheck } from '../timeline.ts';
import type { Job, Message, Ticket } from '../types.ts';
import { deliverMessage } from './delivery.ts';
import { applyEvent } from './events.ts';
import { ingestMessage } from './ingest.ts';
import { lostRace } from './retry.ts';
import { actionContext } from './tickets.ts';


export async function runJob(deps: CoreDeps, job: Job): Promise<void> {
  await runOne(deps, job);
  // An ingest's follow-ups reached the queue: clear them from its dedupe record (idempotent; the
  // record may have expired).
  if ((job.kind === 'ack' || job.kind === 'sla-check') && job.origin) await deps.store.markFollowUpsEnqueued(job.origin).catch(() => undefined);
}

async function runOne(deps: CoreDeps, job: Job): Promise<void> {
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
      await checkSla(deps, job.ticketId, job.dueAt);
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
      `automated#${ticket.channel}#${ticket.channel === 'email' ? canonicalMailbox(ticket.customerAddress) : ticket.customerAddress.toLowerCase()}`,
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
    const plan = planAutomated(ticket, message, actionContext(deps));
    try {
      await deps.store.appendMessage({ ticket: plan.ticket, expectedVersion: ticket.version, message, change: plan.change });
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    if (!allowed) {
      deps.metrics.emit([count(METRIC.AutomationSuppressed, { ...dimsOf(ticket), Reason: 'rate_limited' })]);
      deps.log.warn('automated message rate-limited', { ticketId, messageId: id });
      return;
    }
    if ((await deliverMessage(deps, plan.ticket, message)) === 'sent') deps.metrics.emit([count(METRIC.AutoAcksSent, dimsOf(ticket))]);
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
 * An SLA timer: not yet due → wait again (SQS delays stop at 15 minutes); due → record whatever
 * is due by now (warning, breach). A stale timer (the ticket changed since) records nothing, and
 * a redelivered one finds everything already recorded.
 */
async function checkSla(deps: CoreDeps, ticketId: string, dueAt: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket) return;
    const now = deps.clock.now();
    const delaySeconds = delayUntil(now, dueAt);
    if (delaySeconds > 0) {
      await deps.jobs.enqueue([{ job: { kind: 'sla-check', ticketId, dueAt }, delaySeconds }]);
      return;
    }
    const plan = recordCheck(ticket, { resolve: resolverOf(deps.settings.sla), newId: () => deps.ids.newId(), now });
    if (plan.change.events.length === 0) return;
    try {
      await deps.store.updateTicket(plan.ticket, ticket.version, plan.change);
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    await deps.jobs.enqueue(plan.jobs);
    for (const e of plan.change.events) deps.log.info(e.type === 'sla.breached' ? 'SLA breached' : 'SLA event', { ticketId, type: e.type, ...('target' in e ? { target: e.target, dueAt: e.dueAt } : {}) });
    return;
  }
}
