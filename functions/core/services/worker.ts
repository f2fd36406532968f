/** The worker's jobs: auto-acknowledgement, SLA timers, outbound delivery (delivery.ts), re-ingest of parked events. */
import { METRIC, count } from '../metrics.ts';
import type { CoreDeps } from '../ports.ts';
import { delayUntil } from '../sla.ts';
import { resolverOf } from '../sla-settings.ts';
import { dimsOf } from '../tickets.ts';
import { recordCheck } from '../timeline.ts';
import type { Job, Ticket } from '../types.ts';
import { sendAutomated } from './automation.ts';
import { deliverMessage } from './delivery.ts';
import { runFollowUp } from './follow-ups.ts';
import { applyEvent } from './events.ts';
import { ingestMessage } from './ingest.ts';
import { lostRace } from './retry.ts';
import { addRuleNote, assignRoundRobin } from './teams.ts';


/** `delivery.id`: the queue message's id, stable across redeliveries of one job (not of its duplicates). */
export async function runJob(deps: CoreDeps, job: Job, delivery?: { readonly id: string }): Promise<void> {
  await runOne(deps, job, delivery?.id);
  // An ingest's follow-ups reached the queue: clear them from its dedupe record (idempotent; the
  // record may have expired).
  if ((job.kind === 'ack' || job.kind === 'sla-check') && job.origin) await deps.store.markFollowUpsEnqueued(job.origin).catch(() => undefined);
}

async function runOne(deps: CoreDeps, job: Job, deliveryId: string | undefined): Promise<void> {
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
    case 'follow-up':
      await runFollowUp(deps, job);
      return;
    case 'assign':
      await assignRoundRobin(deps, job, deliveryId);
      return;
    case 'rule-note':
      await addRuleNote(deps, job);
      return;
    // Voice jobs load the voice services (and the phone-number library) on first use.
    case 'call':
      await (await voice()).applyCallEvent(deps, job.call);
      return;
    case 'voice-settle':
      await (await voice()).settleVoiceCall(deps, job.provider, job.callId);
      return;
    case 'voice-recording':
      await (await voice()).downloadRecording(deps, job.provider, job.callId, job.recordingId);
      return;
    case 'voice-transcript':
      await (await voice()).downloadTranscript(deps, job.provider, job.callId, job.transcriptId);
      return;
  }
}

const voice = () => import('./voice.ts');

export const ackText = (template: string, ticket: Ticket): string => template.replaceAll('{ticket}', ticket.id);

/** The automated acknowledgement: once per ticket, through the channel rules (core/services/automation.ts). */
async function acknowledge(deps: CoreDeps, ticketId: string): Promise<void> {
  // A call's acknowledgement is the VOICE_ACK_SMS text (sent by SMS from the called number).
  const r = await sendAutomated(deps, ticketId, 'ack', (t) => ackText(t.channel === 'voice' && deps.voice?.settings.ackSms ? deps.voice.settings.ackSms : deps.settings.autoAck.text, t), (t) => t.autoAckMessageId);
  if (r?.kind === 'done' && r.outcome === 'sent') deps.metrics.emit([count(METRIC.AutoAcksSent, dimsOf(r.ticket))]);
}

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
