/** Ingest one verified inbound message: exactly one message, one ticket update, one set of follow-ups. */
import { ConflictError } from '../errors.ts';
import { lostRace } from './retry.ts';
import { METRIC, count } from '../metrics.ts';
import { DuplicateError, type CoreDeps, type IngestContext } from '../ports.ts';
import { triageOf, type Triage } from '../rules/apply.ts';
import { dedupeKeyOf, dimsOf, planIngest } from '../tickets.ts';
import type { InboundMessage } from '../types.ts';

export interface IngestResult {
  readonly duplicate: boolean;
  readonly ticketId: string;
  readonly messageId: string;
  readonly newTicket: boolean;
}

const MAX_INGEST_ATTEMPTS = 8;

/** Once per message, not per attempt: signals (language, sentiment, abuse) and the rules (cached, core/rules/cache.ts). */
async function triageFor(deps: CoreDeps, msg: InboundMessage): Promise<Triage> {
  await afterPendingIo(); // the read is on the wire first
  // Loaded lazily (the worker ingests only parked messages; the webhook's first message loads it).
  const { detectSignals } = await import('../signals/index.ts');
  return triageOf(detectSignals({ text: msg.text, subject: msg.email?.subject }), deps.rules ? await deps.rules.active() : []);
}

/** One macrotask turn: the SDK's middleware (promise hops) has written the request by then. */
const afterPendingIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function ingestMessage(deps: CoreDeps, msg: InboundMessage): Promise<IngestResult> {
  const dedupeKey = dedupeKeyOf(msg);
  // The first read goes out before the signals are computed, so that CPU work (language, sentiment,
  // abuse) overlaps the round trip instead of adding to it. Both are awaited together: a failed read
  // is thrown at once (the triage's outcome is then dropped, never an unhandled rejection).
  const [firstCtx, triage] = await Promise.all([deps.store.getIngestContext(msg, dedupeKey), triageFor(deps, msg)]);
  let ctx: IngestContext | undefined = firstCtx;
  for (let attempt = 1; ; attempt++) {
    ctx ??= await deps.store.getIngestContext(msg, dedupeKey);
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
      if (await lostRace(e, attempt, (x) => x instanceof DuplicateError || x instanceof ConflictError, MAX_INGEST_ATTEMPTS)) {
        ctx = undefined;
        continue;
      }
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

