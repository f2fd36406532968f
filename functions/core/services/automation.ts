/**
 * Automated messages (acknowledgement, survey, reminder): the channel rules decide (opt-out,
 * WhatsApp's 24-hour window and templates, quiet hours), the per-address hourly limit applies, the
 * message and the ticket's memory of it are written together, then it is delivered at most once.
 * A refused message is still recorded (`not_sent` with the reason), so an operator sees why.
 */
import { planAutomated } from '../agent-actions.ts';
import { canonicalMailbox, outboundEmailInfo } from '../email.ts';
import { automationChannelOf, decideAutomation, type AutomationPurpose } from '../follow-ups/channel-rules.ts';
import { surveyPayload } from '../follow-ups/ratings.ts';
import { SCALES } from '../follow-ups/surveys.ts';
import { METRIC, count } from '../metrics.ts';
import type { CoreDeps } from '../ports.ts';
import { resolverOf } from '../sla-settings.ts';
import { dimsOf } from '../tickets.ts';
import type { EmailInfo, Job, Message, Ticket } from '../types.ts';
import { deliverMessage, type DeliveryOutcome } from './delivery.ts';
import { lostRace } from './retry.ts';
import { actionContext } from './tickets.ts';

export type AutomatedResult =
  | { readonly kind: 'done'; readonly outcome: DeliveryOutcome | 'not_sent'; readonly ticket: Ticket; readonly message: Message }
  /** Quiet hours: the caller re-queues its timer for `until`. */
  | { readonly kind: 'deferred'; readonly until: string }
  /** Another attempt already recorded this message (a redelivered job). */
  | { readonly kind: 'already' };

/** The start of the hour `now` is in (ISO), the window of the automation rate limit. */
const hourWindow = (now: Date): string => new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000).toISOString();

/** Survey buttons, where the channel has them (a typed number elsewhere). */
function surveyChoices(deps: CoreDeps, ticket: Ticket): Message['choices'] {
  const { min, max } = SCALES[deps.settings.followUps.survey.kind];
  if (ticket.channel === 'sms' || ticket.channel === 'x' || ticket.channel === 'email' || ticket.channel === 'viber' || ticket.channel === 'api') return undefined;
  return Array.from({ length: max - min + 1 }, (_, i) => ({ id: surveyPayload(min + i), title: String(min + i) }));
}

/** What an automated message says; on email it may add a subject, an HTML alternative and a one-click unsubscribe URL. */
export type AutomatedContent = string | { readonly text: string; readonly email?: Partial<Pick<EmailInfo, 'subject' | 'html' | 'listUnsubscribe'>> };

/**
 * Send one automated message on a ticket. `already(ticket)` tells whether the ticket already has
 * this one (a redelivered job, a concurrent one); `text` is the message (given the id it will have
 * and the time it is written, which signed links need).
 */
export async function sendAutomated(
  deps: CoreDeps,
  ticketId: string,
  purpose: AutomationPurpose,
  text: (t: Ticket, m: { readonly id: string; readonly now: Date }) => AutomatedContent,
  already: (t: Ticket) => Message['id'] | undefined,
): Promise<AutomatedResult | undefined> {
  let allowed: boolean | undefined;
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket) {
      deps.log.warn('automated message for a missing ticket', { ticketId, purpose });
      return undefined;
    }
    if (ticket.erasedAt) {
      deps.log.info('automated message skipped: the contact was erased', { ticketId, purpose });
      return undefined;
    }
    const existing = already(ticket);
    if (existing) {
      // Recorded by an earlier attempt: deliver it if that attempt died before sending (at most once: claimSend).
      const msgs = await deps.store.getMessages(ticketId);
      const m = msgs.find((x) => x.id === existing);
      if (m) return { kind: 'done', outcome: await deliverMessage(deps, ticket, m), ticket, message: m };
      return { kind: 'already' };
    }
    const now = deps.clock.now();
    const f = deps.settings.followUps;
    const { calendar } = resolverOf(deps.settings.sla)(ticket.clock?.policy ?? null);
    const decision = decideAutomation({
      purpose,
      channel: ticket.channel,
      now,
      optedOut: await deps.store.isOptedOut(automationChannelOf(ticket.channel), ticket.customerAddress),
      lastInboundAt: ticket.lastInboundAt ?? ticket.createdAt,
      templates: f.whatsappTemplates,
      quietHours: f.quietHours,
      calendar,
    });
    if (decision.action === 'defer') return { kind: 'deferred', until: decision.until };
    let refusal: string | undefined;
    if (decision.action === 'skip') refusal = decision.reason === 'opted_out' ? 'opted_out: the customer opted out of automated messages on this channel (STOP)' : 'outside_window: the WhatsApp 24-hour window is closed and no template is configured for this purpose (WHATSAPP_TEMPLATES)';
    else {
      // Automated messages are rate-limited per address, decided once per job (not again on a lost race).
      allowed ??= await deps.store.consumeRateLimit(
        `automated#${automationChannelOf(ticket.channel)}#${ticket.channel === 'email' ? canonicalMailbox(ticket.customerAddress) : ticket.customerAddress.toLowerCase()}`,
        hourWindow(now),
        3600,
        deps.settings.automationRateLimitPerHour,
      );
      if (!allowed) refusal = `rate_limited: more than ${deps.settings.automationRateLimitPerHour} automated messages to this address in an hour`;
    }
    const id = deps.ids.newId();
    const content = text(ticket, { id, now });
    const body = typeof content === 'string' ? content : content.text;
    const emailExtra = typeof content === 'string' ? undefined : content.email;
    const choices = purpose === 'survey' ? surveyChoices(deps, ticket) : undefined;
    const message: Message = {
      id,
      ticketId,
      direction: 'outbound',
      automated: true,
      purpose,
      text: body,
      attachments: [],
      from: ticket.inboxAddress,
      to: ticket.customerAddress,
      createdAt: now.toISOString(),
      ...(choices ? { choices } : {}),
      ...(decision.action === 'send' && decision.as === 'template' ? { template: decision.template } : {}),
      ...(refusal ? { deliveryStatus: 'not_sent' as const, deliveryError: refusal } : { deliveryStatus: 'queued' as const }),
      ...(ticket.channel === 'email' ? { email: { ...outboundEmailInfo(ticket, deps.ids.token(), body, true), ...emailExtra } } : {}),
    };
    const plan = planAutomated(ticket, message, actionContext(deps));
    try {
      await deps.store.appendMessage({ ticket: plan.ticket, expectedVersion: ticket.version, message, change: plan.change });
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    await deps.jobs.enqueue(plan.jobs);
    if (refusal) {
      deps.metrics.emit([count(METRIC.AutomationSuppressed, { ...dimsOf(ticket), Reason: refusal.slice(0, refusal.indexOf(':')) })]);
      deps.log.warn('automated message not sent', { ticketId, messageId: message.id, purpose, reason: refusal.slice(0, refusal.indexOf(':')) });
      return { kind: 'done', outcome: 'not_sent', ticket: plan.ticket, message };
    }
    return { kind: 'done', outcome: await deliverMessage(deps, plan.ticket, message), ticket: plan.ticket, message };
  }
}

/** A job that re-queues itself for later (quiet hours) or until it is due (SQS delays stop at 15 minutes). */
export const requeue = (deps: CoreDeps, job: Job, delaySeconds: number) => deps.jobs.enqueue([{ job, delaySeconds }]);
