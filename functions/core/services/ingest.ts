/** Ingest one verified inbound message: exactly one message, one ticket update, one set of follow-ups. */
import { ConflictError } from '../errors.ts';
import { lostRace } from './retry.ts';
import { METRIC, count } from '../metrics.ts';
import { DuplicateError, type CoreDeps } from '../ports.ts';
import { triageOf } from '../rules/apply.ts';
import { dedupeKeyOf, dimsOf, planIngest } from '../tickets.ts';
import type { InboundMessage } from '../types.ts';

export interface IngestResult {
  readonly duplicate: boolean;
  readonly ticketId: string;
  readonly messageId: string;
  readonly newTicket: boolean;
}

const MAX_INGEST_ATTEMPTS = 8;

export async function ingestMessage(deps: CoreDeps, msg: InboundMessage): Promise<IngestResult> {
  const dedupeKey = dedupeKeyOf(msg);
  // Once per message, not per attempt: signals (language, sentiment, abuse) and the rules (cached, core/rules/cache.ts).
  // Loaded lazily here (the worker ingests only parked messages); the webhook loads it at init (wiring/webhook.ts).
  const { detectSignals } = await import('../signals/index.ts');
  const triage = triageOf(detectSignals({ text: msg.text, subject: msg.email?.subject }), deps.rules ? await deps.rules.active() : []);
  for (let attempt = 1; ; attempt++) {
    const ctx = await deps.store.getIngestContext(msg, dedupeKey);
    if (ctx.duplicateOf) {
      deps.metrics.emit([count(METRIC.DuplicateDeliveries, dimsOf(msg))]);
      // The first delivery stored the message but may have died before queueing its follow-ups.
      // (The worker clears them once one of them runs; until then a redelivery queues them again,
      // and every follow-up is idempotent.)
      if (ctx.duplicateOf.pendingJobs.length > 0) await deps.jobs.enqueue(ctx.duplicateOf.pendingJobs);
      return { duplicate: true, ticketId: ctx.duplicateOf.ticketId, messageId: ctx.duplicateOf.messageId, newTicket: false };
    }
    const plan = planIngest(
      msg,
      ctx,
      { ticketId: deps.ids.newId(), contactId: deps.ids.newId(), messageId: deps.ids.newId(), newId: () => deps.ids.newId() },
      deps.clock.now(),
      deps.settings,
      triage,
    );
    try {
      await deps.store.commitIngest(plan.write);
    } catch (e) {
      // Lost a race with a concurrent delivery: re-read; the next round sees what won.
      if (await lostRace(e, attempt, (x) => x instanceof DuplicateError || x instanceof ConflictError, MAX_INGEST_ATTEMPTS)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    // The follow-ups stay on the dedupe record (written in the commit) until the worker runs one of
    // them, so a crash here loses none; clearing them is the worker's job, not a write on this path.
    if (plan.jobs.length > 0) await deps.jobs.enqueue(plan.jobs);
    deps.log.info('ingested', {
      provider: msg.provider,
      channel: msg.channel,
      ticketId: plan.outcome.ticketId,
      messageId: plan.outcome.messageId,
      newTicket: plan.outcome.newTicket,
      reopened: plan.outcome.reopened,
    });
    return { duplicate: false, ...plan.outcome };
  }
}

