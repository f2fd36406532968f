/**
 * Outbound delivery: send a queued message through the ticket's provider and record the outcome
 * with the ticket's events in one transaction. Metrics follow the recorded outcome (a retry that
 * finds the outcome recorded emits nothing). Automated messages are sent at most once: the intent
 * is recorded before the send, and an attempt that died after it is never repeated.
 */
import { planDeliveryOutcome } from '../agent-actions.ts';
import { ConflictError } from '../errors.ts';
import { METRIC, count } from '../metrics.ts';
import { PermanentSendError, type CoreDeps, type SendResult } from '../ports.ts';
import { dimsOf } from '../tickets.ts';
import type { Message, Ticket } from '../types.ts';
import { MAX_ATTEMPTS, sleep } from './retry.ts';
import { actionContext } from './tickets.ts';


export type DeliveryOutcome = 'sent' | 'not_sent' | 'failed' | 'already';

export async function deliverMessage(deps: CoreDeps, ticket: Ticket, message: Message): Promise<DeliveryOutcome> {
  if (message.deliveryStatus !== 'queued') return 'already';
  // API-channel tickets (provider `api:<source>`) all reply through the one `api` sender.
  const sender = deps.senders[ticket.channel === 'api' ? 'api' : ticket.provider];
  if (!sender) return record(deps, ticket, message, { status: 'not_sent', reason: `no sender for provider "${ticket.provider}"` });
  if (message.automated && !(await deps.store.claimSend(ticket.id, message.createdAt, message.id))) {
    // An earlier attempt may have reached the provider: never risk sending automation twice.
    return record(deps, ticket, message, { status: 'not_sent', reason: 'an earlier delivery attempt was interrupted; an automated message is never sent twice' });
  }
  let result: SendResult | { status: 'failed'; reason: string };
  try {
    const history = ticket.channel === 'email' ? await deps.store.getMessages(ticket.id) : undefined;
    result = await sender.send(ticket, message, history);
  } catch (e) {
    if (!(e instanceof PermanentSendError)) throw e; // transient: the queue retries, then the DLQ keeps it
    result = { status: 'failed', reason: e.message };
  }
  return record(deps, ticket, message, result);
}

/** Record a send's outcome on the message and the ticket (re-reading the ticket on a lost race). */
async function record(deps: CoreDeps, first: Ticket, message: Message, result: SendResult | { status: 'not_sent' | 'failed'; reason: string }): Promise<DeliveryOutcome> {
  let ticket = first;
  for (let attempt = 1; ; attempt++) {
    const error = result.status === 'sent' ? undefined : result.reason;
    const plan = planDeliveryOutcome(ticket, message, result.status, error, actionContext(deps));
    try {
      await deps.store.updateMessageDelivery(
        ticket,
        message.id,
        message.createdAt,
        {
          status: result.status,
          ...(result.status === 'sent' ? { providerMessageId: result.providerMessageId } : {}),
          ...(error ? { error } : {}),
          ...(message.automated ? { automated: true } : {}),
        },
        { ticket: plan.ticket, expectedVersion: ticket.version, change: plan.change },
      );
    } catch (e) {
      if (!(e instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw e;
      const again = await deps.store.getMessage(message.ticketId, message.id, message.createdAt);
      if (again?.deliveryStatus !== 'queued') return 'already'; // another attempt recorded it
      ticket = (await deps.store.getTicket(ticket.id)) ?? ticket;
      await sleep(Math.random() * 20 * attempt);
      continue;
    }
    deps.metrics.emit(plan.metrics);
    if (result.status === 'failed') deps.metrics.emit([count(METRIC.OutboundFailed, dimsOf(ticket))]);
    await deps.jobs.enqueue(plan.jobs);
    return result.status;
  }
}
