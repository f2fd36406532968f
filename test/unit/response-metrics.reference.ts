/**
 * A deliberately simple reference for response-metrics.ts, written from the rules, not from the
 * module: it walks a history minute by minute (histories use whole-minute timestamps and targets in
 * whole minutes) and records, for every minute, the ticket's status, whether the calendar then in
 * force is open, and which customer wait (cycle) the minute belongs to. Measures are counts of such
 * minutes; due times are found by counting open minutes forward from a target's start with the
 * calendar of the policy in force at the moment of the decision (pending minutes skipped for the
 * resolution target); a target is overdue at instant m when some minute in [due, m) was not paused.
 * It uses nothing from the module but its types, and of the calendar only `isOpen`.
 */
import type { Calendar } from '../../functions/core/calendar.ts';
import type { Measure, MetricSample, PolicyResolver } from '../../functions/core/response-metrics.ts';
import type { SlaTarget, TicketEvent } from '../../functions/core/ticket-events.ts';
import type { TicketStatus } from '../../functions/core/types.ts';

const MIN = 60_000;

// isOpen per minute, cached per calendar over a window (the generated histories share one).
const WINDOW_START = Date.UTC(2026, 2, 1);
const WINDOW_MINUTES = 120 * 24 * 60;
const openCache = new Map<string, Int8Array>();
function openAt(cal: Calendar, m: number): boolean {
  const i = (m - WINDOW_START) / MIN;
  if (!Number.isInteger(i) || i < 0 || i >= WINDOW_MINUTES) return cal.isOpen(m);
  let arr = openCache.get(cal.name);
  if (!arr) openCache.set(cal.name, (arr = new Int8Array(WINDOW_MINUTES).fill(-1)));
  if (arr[i] === -1) arr[i] = cal.isOpen(m) ? 1 : 0;
  return arr[i] === 1;
}

export type RefStatus = 'active' | 'paused' | 'fulfilled' | 'breached' | 'cancelled' | 'none';
export interface RefTargetView {
  status: RefStatus;
  dueAt: string | null;
  fulfilledAt: string | null;
  breachedAt: string | null;
}
export interface Reference {
  metrics: {
    firstReply: Measure | null;
    nextReplies: Measure[];
    requesterWait: Measure | null;
    agentWait: Measure | null;
    firstResolution: Measure | null;
    fullResolution: Measure | null;
    reopens: number;
  };
  sla: { policy: string | null; calendar: string | null; targets: Record<SlaTarget, RefTargetView> };
  samples: Array<{ name: MetricSample; value: Measure }>;
  outcomes: Array<{ target: SlaTarget; outcome: 'met' | 'breached'; at: string }>;
}

interface Decided {
  status: 'fulfilled' | 'breached' | 'cancelled' | 'none';
  dueMs: number | null;
  fulfilledMs: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Everything the module should say after replaying `events` and checking at `endMs`. */
export function reference(events: readonly TicketEvent[], resolve: PolicyResolver, endMs: number): Reference {
  const startMs = Math.min(endMs, ...events.map((e) => Date.parse(e.at)));
  // Per minute since startMs: status, open under the calendar in force, cycle waited on (-1: none).
  const statusOf: TicketStatus[] = [];
  const openOf: boolean[] = [];
  const waitCycleOf: number[] = [];
  const idx = (m: number) => (m - startMs) / MIN;

  let status: TicketStatus = 'open';
  let policyName: string | null = null;
  let calendarName: string | null = null;
  let ctx = resolve(null);
  let created: number | null = null;
  let waiting = false;
  let cycle = -1;
  let cycleStart = 0;
  let firstReplySeen = false;
  let firstResolved: number | null = null;
  let lastDoneAt: number | null = null; // last entry into resolved/closed
  let lastStatusChange: number | null = null;
  let closed = false;
  let reopens = 0;
  const seen = new Set<string>();
  const samples: Reference['samples'] = [];
  const outcomes: Reference['outcomes'] = [];
  const nextReplies: Measure[] = [];
  let firstReply: Measure | null = null;
  let firstResolution: Measure | null = null;
  let fullResolution: Measure | null = null;
  // Decided verdicts: first reply, the current next-reply cycle's, resolution.
  const decided: Record<SlaTarget, Decided | null> = { firstReply: null, nextReply: null, resolution: null };

  const count = (from: number, to: number, pred: (i: number) => boolean): Measure => {
    let cal = 0;
    let bus = 0;
    for (let m = from; m < to; m += MIN) {
      const i = idx(m);
      if (!pred(i)) continue;
      cal += 60;
      if (openOf[i]) bus += 60;
    }
    return { calendar: cal, business: calendarName === null ? null : bus };
  };
  const span = (from: number, to: number) => count(from, to, () => true);
  const statusAtMinute = (m: number): TicketStatus => (m < startMs ? 'open' : (statusOf[idx(m)] ?? status));

  const running = (k: SlaTarget): boolean =>
    created !== null &&
    (k === 'resolution' ? firstResolved === null : waiting && (k === 'firstReply' ? cycle === 0 : cycle >= 1));
  const targetSeconds = (k: SlaTarget): number | undefined => ctx.policy?.targets[k];
  const startOf = (k: SlaTarget): number => (k === 'nextReply' ? cycleStart : created!);

  /** Count open minutes (not paused ones, for resolution) forward from the start: the due instant, or null while paused short of it. */
  function dueOf(k: SlaTarget, now: number): number | null {
    const need = targetSeconds(k)! / 60;
    let got = 0;
    for (let m = startOf(k); ; m += MIN) {
      if (k === 'resolution' && m >= now && status === 'pending') return null;
      const paused = k === 'resolution' && statusAtMinute(m) === 'pending';
      if (!paused && openAt(ctx.calendar, m)) got += 1;
      if (got === need) return m + MIN;
    }
  }

  /** Before anything happens at instant `now`: record breaches of targets overdue by then. */
  function check(now: number): void {
    for (const k of ['firstReply', 'nextReply', 'resolution'] as const) {
      if (!running(k) || decided[k] !== null || targetSeconds(k) === undefined) continue;
      const due = dueOf(k, now);
      if (due === null || due >= now) continue;
      let overdue = false;
      for (let m = due; m < now && !overdue; m += MIN) overdue = k !== 'resolution' || statusAtMinute(m) !== 'pending';
      if (!overdue) continue;
      decided[k] = { status: 'breached', dueMs: due, fulfilledMs: null };
      outcomes.push({ target: k, outcome: 'breached', at: iso(due) });
    }
  }

  /** The wait of the current cycle ends at `now`: answered (a reply) or not (a resolve). */
  function endWait(k: SlaTarget, now: number, answered: boolean): void {
    const d = decided[k];
    if (d?.status === 'breached') {
      if (answered && d.fulfilledMs === null) d.fulfilledMs = now;
    } else if (d === null) {
      const secs = targetSeconds(k);
      if (secs === undefined) decided[k] = { status: 'none', dueMs: null, fulfilledMs: null };
      else {
        decided[k] = { status: answered ? 'fulfilled' : 'cancelled', dueMs: dueOf(k, now), fulfilledMs: answered ? now : null };
        if (answered) outcomes.push({ target: k, outcome: 'met', at: iso(now) });
      }
    }
  }

  function apply(e: TicketEvent, now: number): void {
    switch (e.type) {
      case 'message.received': {
        if (!e.countsAsCustomerMessage) return;
        if (created === null) {
          created = now;
          waiting = true;
          cycle = 0;
          cycleStart = now;
        } else if (!waiting) {
          waiting = true;
          cycle += 1;
          cycleStart = now;
          decided.nextReply = null;
        }
        return;
      }
      case 'reply.sent':
      case 'reply.delivered':
      case 'reply.read': {
        if (seen.has(e.messageId)) return;
        seen.add(e.messageId);
        if (created === null) return;
        if (!firstReplySeen) {
          firstReplySeen = true;
          firstReply = span(created, now);
          samples.push({ name: 'FirstResponseTime', value: firstReply });
        }
        if (!waiting) return;
        if (cycle >= 1) {
          const c = cycle;
          const m = count(cycleStart, now, (i) => waitCycleOf[i] === c);
          nextReplies.push(m);
          samples.push({ name: 'NextResponseTime', value: m });
        }
        endWait(cycle === 0 ? 'firstReply' : 'nextReply', now, true);
        waiting = false;
        return;
      }
      case 'status.changed': {
        const from = status;
        status = e.to;
        lastStatusChange = now;
        const done = (s: TicketStatus) => s === 'resolved' || s === 'closed';
        if (created === null) return;
        if (done(e.to) && !done(from)) {
          if (waiting) {
            endWait(cycle === 0 ? 'firstReply' : 'nextReply', now, false);
            waiting = false;
          }
          if (firstResolved === null) {
            firstResolution = span(created, now);
            samples.push({ name: 'FirstResolutionTime', value: firstResolution });
            const d = decided.resolution;
            if (d?.status === 'breached') d.fulfilledMs = now;
            else if (d === null) {
              const secs = targetSeconds('resolution');
              if (secs === undefined) decided.resolution = { status: 'none', dueMs: null, fulfilledMs: null };
              else {
                // The clock runs again from now (status just left pending, if it was).
                decided.resolution = { status: 'fulfilled', dueMs: dueOf('resolution', now), fulfilledMs: now };
                outcomes.push({ target: 'resolution', outcome: 'met', at: iso(now) });
              }
            }
            firstResolved = now;
          }
          lastDoneAt = now;
        }
        if (e.to === 'closed' && !closed) {
          closed = true;
          fullResolution = span(created, lastDoneAt ?? now);
          samples.push({ name: 'FullResolutionTime', value: fullResolution });
          const c = created;
          samples.push({ name: 'RequesterWaitTime', value: count(c, now, (i) => statusOf[i] === 'open') });
          samples.push({ name: 'AgentWaitTime', value: count(c, now, (i) => statusOf[i] === 'pending') });
        }
        return;
      }
      case 'ticket.reopened':
        reopens += 1;
        return;
      case 'sla.policy':
        policyName = e.policy;
        calendarName = e.calendar;
        ctx = resolve(e.policy);
        return;
      default:
        return;
    }
  }

  const byMinute = new Map<number, TicketEvent[]>();
  for (const e of events) {
    const m = Date.parse(e.at);
    if (m % MIN !== 0) throw new Error(`reference needs whole minutes: ${e.at}`);
    byMinute.set(m, [...(byMinute.get(m) ?? []), e]);
  }
  for (let m = startMs; ; m += MIN) {
    for (const e of byMinute.get(m) ?? []) {
      check(m);
      apply(e, m);
    }
    if (m >= endMs) {
      check(m);
      break;
    }
    statusOf.push(status);
    openOf.push(openAt(ctx.calendar, m));
    waitCycleOf.push(waiting ? cycle : -1);
  }

  const view = (k: SlaTarget): RefTargetView => {
    const d = decided[k];
    if (d) {
      return d.status === 'none'
        ? { status: 'none', dueAt: null, fulfilledAt: null, breachedAt: null }
        : {
            status: d.status,
            dueAt: d.dueMs === null ? null : iso(d.dueMs),
            fulfilledAt: d.fulfilledMs === null ? null : iso(d.fulfilledMs),
            breachedAt: d.status === 'breached' ? iso(d.dueMs!) : null,
          };
    }
    if (!running(k) || targetSeconds(k) === undefined) return { status: 'none', dueAt: null, fulfilledAt: null, breachedAt: null };
    if (k === 'resolution' && status === 'pending') return { status: 'paused', dueAt: null, fulfilledAt: null, breachedAt: null };
    return { status: 'active', dueAt: iso(dueOf(k, endMs)!), fulfilledAt: null, breachedAt: null };
  };

  const c = created;
  const wait = (s: TicketStatus): Measure | null =>
    c === null ? null : count(c, Math.max(c, lastStatusChange ?? c), (i) => statusOf[i] === s);
  return {
    metrics: {
      firstReply,
      nextReplies,
      requesterWait: wait('open'),
      agentWait: wait('pending'),
      firstResolution,
      fullResolution,
      reopens,
    },
    sla: {
      policy: policyName,
      calendar: calendarName,
      targets: { firstReply: view('firstReply'), nextReply: view('nextReply'), resolution: view('resolution') },
    },
    samples,
    outcomes,
  };
}
