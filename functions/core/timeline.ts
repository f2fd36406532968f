/**
 * Record a change to a ticket: turn event drafts into events, advance the ticket's response-time
 * state one event at a time (core/response-metrics.ts), and collect what follows from it: SLA
 * events, metric samples, report counters and SLA timers. The caller writes the ticket, the events
 * and the counters in one transaction and emits the metrics only after it commits, so a sample
 * follows the recorded change and a redelivery (which records nothing) emits nothing. Pure.
 */
import type { ChangeRecord, StatsWrite } from './ports.ts';
import { METRIC, seconds, count, type MetricEvent, type MetricName } from './metrics.ts';
import { dayOf, increments, statsPartitions, type ReportMeasure, type ReportSample } from './reports.ts';
import { checkAt, emptyState, nearestDueAt, nextTimers, step, type Effect, type MetricsState, type PolicyResolver } from './response-metrics.ts';
import { delayUntil } from './sla.ts';
import type { EventDraft, TicketEvent } from './ticket-events.ts';
import { shardOf } from './listing.ts';
import type { FollowUpSettings } from './follow-ups/settings.ts';
import { followUpTimers, stampStatus } from './follow-ups/timers.ts';
import type { QueuedJob, Ticket } from './types.ts';

export interface TimelineContext {
  readonly resolve: PolicyResolver;
  readonly newId: () => string;
  readonly now: Date;
  /** When given, status changes start follow-up timers (core/follow-ups/timers.ts). */
  readonly followUps?: FollowUpSettings | undefined;
}

export interface RecordedChange {
  /** The ticket with its new response-time state, nearest SLA due time, updatedAt (ctx.now) and version + 1. */
  readonly ticket: Ticket;
  readonly change: ChangeRecord;
  /** Emit after the change commits. */
  readonly metrics: readonly MetricEvent[];
  /** SLA timers that did not exist before this change. */
  readonly jobs: readonly QueuedJob[];
}

const MEASURE_OF: Partial<Record<string, ReportMeasure>> = {
  FirstResponseTime: 'firstReply',
  NextResponseTime: 'nextReply',
  FirstResolutionTime: 'firstResolution',
  FullResolutionTime: 'fullResolution',
};

/** Apply drafts (in order) to a ticket; the ticket passed in is the stored one. */
export function recordEvents(ticket: Ticket, drafts: readonly EventDraft[], ctx: TimelineContext): RecordedChange {
  let state = ticket.clock ?? emptyState();
  const events: TicketEvent[] = [];
  const effects: Array<{ effect: Effect; at: string }> = [];
  for (const draft of drafts) {
    const event = { ...draft, id: ctx.newId(), ticketId: ticket.id } as TicketEvent;
    events.push(event);
    const r = step(state, event, ctx.resolve);
    state = r.state;
    for (const effect of r.effects) effects.push({ effect, at: event.at });
  }
  return finish(ticket, state, events, effects, ctx);
}

/** An SLA timer fired: record whatever is due by now (warnings, breaches), nothing twice. */
export function recordCheck(ticket: Ticket, ctx: TimelineContext): RecordedChange {
  const r = checkAt(ticket.clock ?? emptyState(), ctx.now.getTime(), ctx.resolve);
  return finish(ticket, r.state, [], r.effects.map((effect) => ({ effect, at: ctx.now.toISOString() })), ctx);
}

function finish(ticket: Ticket, state: MetricsState, events: TicketEvent[], effects: ReadonlyArray<{ effect: Effect; at: string }>, ctx: TimelineContext): RecordedChange {
  const before = new Set(nextTimers(ticket.clock ?? emptyState()).map((t) => `${t.kind}@${t.at}`));
  const metrics: MetricEvent[] = [];
  const samples: ReportSample[] = [];
  const channel = { Channel: ticket.channel };
  const withPriority = { Channel: ticket.channel, Priority: ticket.priority };
  for (const { effect, at } of effects) {
    switch (effect.kind) {
      case 'event':
        events.push({ ...effect.draft, id: ctx.newId(), ticketId: ticket.id } as TicketEvent);
        if (effect.draft.type === 'sla.warning') metrics.push(count(METRIC.SlaWarning, { Channel: ticket.channel, Target: effect.draft.target }));
        break;
      case 'metric': {
        metrics.push(seconds(effect.name, channel, effect.value.calendar, [withPriority]));
        if (effect.value.business !== null) metrics.push(seconds(`${effect.name}Business` as MetricName, channel, effect.value.business, [withPriority]));
        const measure = MEASURE_OF[effect.name];
        if (measure) samples.push({ kind: 'measure', measure, calendar: effect.value.calendar, business: effect.value.business, at });
        break;
      }
      case 'sla': {
        const dims = { Channel: ticket.channel, Target: effect.target };
        metrics.push(count(METRIC.SlaAttained, dims, effect.outcome === 'met' ? 1 : 0));
        if (effect.outcome === 'breached') metrics.push(count(METRIC.SlaBreached, dims));
        samples.push({ kind: 'sla', target: effect.target, met: effect.outcome === 'met', at: effect.at });
        break;
      }
      case 'reopened':
        metrics.push(count(METRIC.TicketsReopened, channel, 1, [withPriority]));
        break;
    }
  }
  const due = nearestDueAt(state);
  const { slaDueAt: _old, ...rest } = ticket;
  // Every recorded change passes here: it is when the ticket last changed (sync orders by it).
  const stamped = stampStatus(rest, events);
  const next: Ticket = { ...stamped, clock: state, ...(due ? { slaDueAt: due } : {}), updatedAt: ctx.now.toISOString(), version: ticket.version + 1 };
  const jobs: QueuedJob[] = nextTimers(state)
    .filter((t) => !before.has(`${t.kind}@${t.at}`))
    .map((t) => ({ job: { kind: 'sla-check', ticketId: ticket.id, dueAt: t.at }, delaySeconds: delayUntil(ctx.now, t.at) }));
  // Follow-up timers (reminder, auto-resolve, survey, auto-close) start with a status change.
  if (ctx.followUps) jobs.push(...followUpTimers(next, events, ctx.followUps, ctx.now));
  return { ticket: next, change: { events, stats: statsWrites(ticket, samples) }, metrics, jobs };
}

/** Report counters for the samples, per day, in every grouping partition, on the ticket's shard. */
function statsWrites(ticket: Ticket, samples: readonly ReportSample[]): StatsWrite[] {
  const byDay = new Map<string, ReportSample[]>();
  for (const s of samples) byDay.set(dayOf(s.at), [...(byDay.get(dayOf(s.at)) ?? []), s]);
  const shard = shardOf(ticket.id);
  return [...byDay].flatMap(([day, list]) => {
    const add = increments(list);
    return statsPartitions(ticket.channel, ticket.priority).map((pk) => ({ pk, sk: `${day}#${shard}`, add }));
  });
}
