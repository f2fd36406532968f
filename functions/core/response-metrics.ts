/**
 * Response measures and SLA state as a pure function of a ticket's event log, kept incrementally:
 * `step` folds one event in constant work (no replay), `replay` folds a whole log, `checkAt` applies
 * the passage of time (breaches, warnings). The state is plain JSON, stored on the ticket item.
 *
 * Rules (beyond the issue's):
 * - Created = the first counting customer message; nothing is measured before it.
 * - A cycle starts with a counting customer message while the customer is not waiting (cycle 0 at
 *   created: the first-reply target; every later cycle: a next-reply target). The first counting reply
 *   (first sent/delivered/read of a messageId, at its `at`) while waiting answers the cycle. A resolve
 *   (status to resolved or closed) ends the wait: the cycle's target is cancelled, or breached if it was
 *   already overdue. So a ticket resolved before any reply and reopened by the customer gets a
 *   next-reply target from the reopening message; the first-reply target stays cancelled, while the
 *   FirstResponseTime metric is still created -> first counting reply. A reopen by PATCH starts no
 *   clock (the customer has not written).
 * - Overdue = unfulfilled and not paused at some instant strictly after the due time: a reply at the
 *   due instant is met, one a second later is breached (breachedAt = the due time), whenever checked.
 * - The resolution target is decided once, at the first resolve (or a close without resolve). It
 *   pauses while pending: it runs on the policy calendar's business seconds spent outside `pending`
 *   (so the due time moves later by the pending time). Pending entered exactly at the due instant
 *   makes it overdue from the moment pending ends.
 * - `sla.policy` recomputes undecided targets from their starts with the new calendar and targets
 *   (a target the new policy lacks becomes none); a due time already past is a breach at once.
 * - Effects: a breach found by `step` (any event past a due time) or by `checkAt` is emitted once, at
 *   the due time, with an `sla.breached` draft; a `sla.breached` / `sla.warning` event read back from
 *   the log is adopted without a new draft, so replaying a log that holds them emits the same samples.
 *   Warnings come only from `checkAt` (at = due - warnBefore, not before the start). `nextTimers`
 *   gives the warning instant and breachFrom + 1 s (checkAt breaches once strictly past it).
 * - Business measures count each second with the calendar of the policy in force at that second
 *   (a 24/7 policy counts every second); `business` is null when the policy in force when the measure
 *   is taken has no calendar. Waits in `metricsView` cover completed status spells.
 */
import type { Calendar } from './calendar.ts';
import type { SlaPolicy } from './sla-policy.ts';
import type { EventDraft, SlaTarget, TicketEvent } from './ticket-events.ts';
import type { TicketStatus } from './types.ts';

export { defaultPolicies, matchPolicy, parseSlaPolicies, SlaPoliciesSchema, type SlaPolicy } from './sla-policy.ts';

export interface PolicyContext {
  readonly policy: SlaPolicy | undefined;
  readonly calendar: Calendar;
}
/** Resolves names recorded in `sla.policy` events (null: before any, i.e. no policy, 24/7). */
export type PolicyResolver = (policyName: string | null) => PolicyContext;
export interface Measure {
  readonly calendar: number;
  readonly business: number | null;
}
export type MetricSample =
  | 'FirstResponseTime'
  | 'NextResponseTime'
  | 'FirstResolutionTime'
  | 'FullResolutionTime'
  | 'RequesterWaitTime'
  | 'AgentWaitTime';
export type Effect =
  | { kind: 'metric'; name: MetricSample; value: Measure }
  | { kind: 'sla'; target: SlaTarget; outcome: 'met' | 'breached'; at: string }
  | { kind: 'reopened' }
  | { kind: 'event'; draft: EventDraft };

export type TargetStatus = 'active' | 'paused' | 'fulfilled' | 'breached' | 'cancelled';
export interface TargetState {
  readonly status: TargetStatus;
  readonly startMs: number;
  readonly dueMs: number | null;
  /** Overdue once time passes this (the due time, or the end of a pause that began exactly at it). */
  readonly breachFromMs: number | null;
  readonly fulfilledMs: number | null;
  readonly breachedMs: number | null;
  readonly warnedDueMs: number | null;
}
/** The resolution clock: business seconds `remaining` from `cursorMs` (null while paused). */
export interface ResolutionProgress {
  readonly paused: boolean;
  readonly cursorMs: number | null;
  readonly remaining: number;
  readonly exhausted: boolean;
  readonly dueMs: number | null;
  readonly breachFromMs: number | null;
}
type Pair = readonly [calendar: number, business: number];
export interface MetricsState {
  readonly v: 1;
  readonly policy: string | null;
  readonly calendar: string | null;
  readonly warnBefore: number | null;
  readonly status: TicketStatus;
  readonly statusSinceMs: number | null;
  readonly statusSinceB: number;
  readonly createdMs: number | null;
  /** Business clock: seconds since created = bBase + calendar.businessSecondsBetween(bBaseMs, t). */
  readonly bBase: number;
  readonly bBaseMs: number | null;
  readonly waiting: boolean;
  /** -1 before created, 0 = first-reply cycle, n = n-th next-reply cycle. */
  readonly cycle: number;
  readonly cycleStartMs: number | null;
  readonly cycleStartB: number;
  readonly firstResolvedMs: number | null;
  readonly lastResolvedMs: number | null;
  readonly lastResolvedB: number;
  readonly closed: boolean;
  readonly firstReply: Measure | null;
  readonly nextReplies: readonly Measure[];
  readonly nextReplyCount: number;
  readonly requesterWait: Pair;
  readonly agentWait: Pair;
  readonly firstResolution: Measure | null;
  readonly fullResolution: Measure | null;
  readonly reopens: number;
  /** Recent reply messageIds already counted (a reply counts once, at its first accepted event). */
  readonly counted: readonly string[];
  readonly targets: Readonly<Record<SlaTarget, TargetState | null>>;
  readonly res: ResolutionProgress | null;
  /** Pending spells since created, kept until the resolution target is decided (for policy switches). */
  readonly spells: ReadonlyArray<readonly [number, number | null]>;
}

const MAX_NEXT_REPLIES = 100;
const MAX_COUNTED = 200;
const TARGETS: readonly SlaTarget[] = ['firstReply', 'nextReply', 'resolution'];
const iso = (ms: number): string => new Date(ms).toISOString();
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type S = Mutable<MetricsState> & { targets: Record<SlaTarget, TargetState | null> };

export function emptyState(): MetricsState {
  return {
    v: 1, policy: null, calendar: null, warnBefore: null, status: 'open', statusSinceMs: null, statusSinceB: 0,
    createdMs: null, bBase: 0, bBaseMs: null, waiting: false, cycle: -1, cycleStartMs: null, cycleStartB: 0,
    firstResolvedMs: null, lastResolvedMs: null, lastResolvedB: 0, closed: false, firstReply: null, nextReplies: [],
    nextReplyCount: 0, requesterWait: [0, 0], agentWait: [0, 0], firstResolution: null, fullResolution: null,
    reopens: 0, counted: [], targets: { firstReply: null, nextReply: null, resolution: null }, res: null, spells: [],
  };
}

const clone = (state: MetricsState): S => ({ ...state, targets: { ...state.targets } });

/** Business seconds since created at `t`, on the ticket's business clock. */
function bAt(s: S, cal: Calendar, t: number): number {
  if (s.bBaseMs === null) return 0;
  return s.bBase + (t > s.bBaseMs ? cal.businessSecondsBetween(s.bBaseMs, t) : 0);
}

const measure = (s: S, calendarSeconds: number, business: number): Measure => ({
  calendar: calendarSeconds,
  business: s.calendar === null ? null : business,
});

function replyTarget(startMs: number, seconds: number, cal: Calendar, warnedDueMs: number | null): TargetState {
  const due = cal.addBusinessSeconds(startMs, seconds);
  return { status: 'active', startMs, dueMs: due, breachFromMs: due, fulfilledMs: null, breachedMs: null, warnedDueMs };
}

// --- the resolution clock ------------------------------------------------------------------------

function progStart(createdMs: number, seconds: number, cal: Calendar): ResolutionProgress {
  const due = cal.addBusinessSeconds(createdMs, seconds);
  return { paused: false, cursorMs: createdMs, remaining: seconds, exhausted: false, dueMs: due, breachFromMs: due };
}

function progPause(p: ResolutionProgress, cal: Calendar, at: number): ResolutionProgress {
  if (p.paused || (p.breachFromMs !== null && p.breachFromMs < at)) return p; // overdue: the caller breaches
  if (p.exhausted || (p.dueMs !== null && p.dueMs <= at)) return { ...p, paused: true, exhausted: true, breachFromMs: null };
  const used = p.cursorMs === null ? 0 : cal.businessSecondsBetween(p.cursorMs, at);
  return { paused: true, cursorMs: null, remaining: p.remaining - used, exhausted: false, dueMs: null, breachFromMs: null };
}

function progResume(p: ResolutionProgress, cal: Calendar, at: number): ResolutionProgress {
  if (!p.paused) return p;
  if (p.exhausted) return { ...p, paused: false, breachFromMs: at };
  const due = cal.addBusinessSeconds(at, p.remaining);
  return { ...p, paused: false, cursorMs: at, dueMs: due, breachFromMs: due };
}

/** The resolution clock from created over the recorded pending spells, with one calendar and target. */
function progWalk(createdMs: number, seconds: number, cal: Calendar, spells: MetricsState['spells']): ResolutionProgress {
  let p = progStart(createdMs, seconds, cal);
  for (const [from, to] of spells) {
    if (p.breachFromMs !== null && p.breachFromMs < from) break;
    p = progPause(p, cal, from);
    if (to !== null) p = progResume(p, cal, to);
  }
  return p;
}

function fromProg(startMs: number, p: ResolutionProgress, warnedDueMs: number | null): TargetState {
  return {
    status: p.paused ? 'paused' : 'active', startMs, dueMs: p.dueMs, breachFromMs: p.paused ? null : p.breachFromMs,
    fulfilledMs: null, breachedMs: null, warnedDueMs,
  };
}

// --- verdicts ------------------------------------------------------------------------------------

function breach(s: S, k: SlaTarget, fx: Effect[], withDraft: boolean): void {
  const cur = s.targets[k];
  if (!cur || cur.dueMs === null) return;
  s.targets[k] = { ...cur, status: 'breached', breachedMs: cur.dueMs };
  if (k === 'resolution') {
    s.res = null;
    s.spells = [];
  }
  const at = iso(cur.dueMs);
  fx.push({ kind: 'sla', target: k, outcome: 'breached', at });
  if (withDraft) fx.push({ kind: 'event', draft: { type: 'sla.breached', at, actor: 'automation', target: k, dueAt: at } });
}

/** Every active target overdue at `t` (unfulfilled past its due time) is breached, at its due time. */
function sweep(s: S, t: number, fx: Effect[]): void {
  const overdue = TARGETS.filter((k) => {
    const cur = s.targets[k];
    return cur?.status === 'active' && cur.breachFromMs !== null && t > cur.breachFromMs;
  }).sort((a, b) => (s.targets[a]?.dueMs ?? 0) - (s.targets[b]?.dueMs ?? 0));
  for (const k of overdue) breach(s, k, fx, true);
}

function fulfil(s: S, k: SlaTarget, t: number, fx: Effect[]): void {
  const cur = s.targets[k];
  if (!cur) return;
  const dueAt = cur.dueMs === null ? null : iso(cur.dueMs);
  const draft = (withinTarget: boolean): Effect => ({
    kind: 'event',
    draft: { type: 'sla.fulfilled', at: iso(t), actor: 'automation', target: k, dueAt, withinTarget },
  });
  if (cur.status === 'active' || cur.status === 'paused') {
    s.targets[k] = { ...cur, status: 'fulfilled', fulfilledMs: t };
    fx.push({ kind: 'sla', target: k, outcome: 'met', at: iso(t) }, draft(true));
  } else if (cur.status === 'breached' && cur.fulfilledMs === null) {
    s.targets[k] = { ...cur, fulfilledMs: t };
    fx.push(draft(false));
  }
}

const add = (p: Pair, cal: number, bus: number): Pair => [p[0] + cal, p[1] + bus];

// --- events --------------------------------------------------------------------------------------

function customerMessage(s: S, t: number, ctx: PolicyContext): void {
  const targets = ctx.policy?.targets ?? {};
  if (s.createdMs === null) {
    Object.assign(s, { createdMs: t, bBase: 0, bBaseMs: t, statusSinceMs: t, statusSinceB: 0 });
    Object.assign(s, { waiting: true, cycle: 0, cycleStartMs: t, cycleStartB: 0 });
    s.targets.firstReply = targets.firstReply ? replyTarget(t, targets.firstReply, ctx.calendar, null) : null;
    s.spells = s.status === 'pending' ? [[t, null]] : [];
    s.res = targets.resolution ? progWalk(t, targets.resolution, ctx.calendar, s.spells) : null;
    s.targets.resolution = s.res ? fromProg(t, s.res, null) : null;
  } else if (!s.waiting) {
    Object.assign(s, { waiting: true, cycle: s.cycle + 1, cycleStartMs: t, cycleStartB: bAt(s, ctx.calendar, t) });
    s.targets.nextReply = targets.nextReply ? replyTarget(t, targets.nextReply, ctx.calendar, null) : null;
  }
}

function agentReply(s: S, t: number, messageId: string, ctx: PolicyContext, fx: Effect[]): void {
  if (s.counted.includes(messageId)) return;
  s.counted = [...s.counted, messageId].slice(-MAX_COUNTED);
  if (s.createdMs === null) return;
  const b = bAt(s, ctx.calendar, t);
  if (s.firstReply === null) {
    s.firstReply = measure(s, (t - s.createdMs) / 1000, b);
    fx.push({ kind: 'metric', name: 'FirstResponseTime', value: s.firstReply });
  }
  if (!s.waiting) return;
  s.waiting = false;
  if (s.cycle === 0) return fulfil(s, 'firstReply', t, fx);
  const m = measure(s, (t - (s.cycleStartMs ?? t)) / 1000, b - s.cycleStartB);
  s.nextReplies = [...s.nextReplies, m].slice(-MAX_NEXT_REPLIES);
  s.nextReplyCount += 1;
  fx.push({ kind: 'metric', name: 'NextResponseTime', value: m });
  fulfil(s, 'nextReply', t, fx);
}

function statusChanged(s: S, t: number, to: TicketStatus, ctx: PolicyContext, fx: Effect[]): void {
  const from = s.status;
  const cal = ctx.calendar;
  const created = s.createdMs;
  const b = created === null ? 0 : bAt(s, cal, t);
  if (created !== null && s.statusSinceMs !== null) {
    const spent = (t - s.statusSinceMs) / 1000;
    if (from === 'open') s.requesterWait = add(s.requesterWait, spent, b - s.statusSinceB);
    if (from === 'pending') s.agentWait = add(s.agentWait, spent, b - s.statusSinceB);
  }
  Object.assign(s, { status: to, statusSinceMs: t, statusSinceB: b });
  if (created === null) return;
  const undecided = (x: TargetState | null) => x === null || x.status === 'active' || x.status === 'paused';
  if (s.firstResolvedMs === null && undecided(s.targets.resolution) && from !== to && (from === 'pending' || to === 'pending')) {
    if (from === 'pending') s.spells = s.spells.map(([a, z], i) => (i === s.spells.length - 1 && z === null ? [a, t] : [a, z]));
    else s.spells = [...s.spells, [t, null]];
    const cur = s.targets.resolution;
    if (s.res && cur && (cur.status === 'active' || cur.status === 'paused')) {
      s.res = from === 'pending' ? progResume(s.res, cal, t) : progPause(s.res, cal, t);
      s.targets.resolution = fromProg(cur.startMs, s.res, cur.warnedDueMs);
    }
  }
  const done = (x: TicketStatus) => x === 'resolved' || x === 'closed';
  if (done(to) && !done(from)) {
    if (s.waiting) {
      s.waiting = false;
      const k: SlaTarget = s.cycle === 0 ? 'firstReply' : 'nextReply';
      const cur = s.targets[k];
      if (cur?.status === 'active') s.targets[k] = { ...cur, status: 'cancelled' };
    }
    if (s.firstResolvedMs === null) {
      s.firstResolvedMs = t;
      s.firstResolution = measure(s, (t - created) / 1000, b);
      fx.push({ kind: 'metric', name: 'FirstResolutionTime', value: s.firstResolution });
      fulfil(s, 'resolution', t, fx);
      s.res = null;
      s.spells = [];
    }
    s.lastResolvedMs = t;
    s.lastResolvedB = b;
  }
  if (to === 'closed' && !s.closed) {
    s.closed = true;
    s.fullResolution = measure(s, ((s.lastResolvedMs ?? t) - created) / 1000, s.lastResolvedB);
    fx.push(
      { kind: 'metric', name: 'FullResolutionTime', value: s.fullResolution },
      { kind: 'metric', name: 'RequesterWaitTime', value: measure(s, ...s.requesterWait) },
      { kind: 'metric', name: 'AgentWaitTime', value: measure(s, ...s.agentWait) },
    );
  }
}

function policyChanged(s: S, t: number, policy: string | null, calendar: string | null, old: Calendar, resolve: PolicyResolver, fx: Effect[]): void {
  if (s.createdMs !== null) Object.assign(s, { bBase: bAt(s, old, t), bBaseMs: t });
  const ctx = resolve(policy);
  const targets = ctx.policy?.targets ?? {};
  Object.assign(s, { policy, calendar, warnBefore: ctx.policy?.warnBefore ?? null });
  if (s.createdMs === null) return;
  if (s.waiting) {
    const k: SlaTarget = s.cycle === 0 ? 'firstReply' : 'nextReply';
    const cur = s.targets[k];
    const seconds = targets[k];
    const start = s.cycle === 0 ? s.createdMs : (s.cycleStartMs ?? s.createdMs);
    if (!cur || cur.status === 'active') s.targets[k] = seconds ? replyTarget(start, seconds, ctx.calendar, cur?.warnedDueMs ?? null) : null;
  }
  const cur = s.targets.resolution;
  if (s.firstResolvedMs === null && (!cur || cur.status === 'active' || cur.status === 'paused')) {
    s.res = targets.resolution ? progWalk(s.createdMs, targets.resolution, ctx.calendar, s.spells) : null;
    s.targets.resolution = s.res ? fromProg(s.createdMs, s.res, cur?.warnedDueMs ?? null) : null;
  }
  sweep(s, t, fx);
}

/** Folds one event into the state: constant work, no replay of the log. */
export function step(state: MetricsState, event: TicketEvent, resolve: PolicyResolver): { state: MetricsState; effects: Effect[] } {
  const s = clone(state);
  const fx: Effect[] = [];
  const t = Date.parse(event.at);
  const ctx = resolve(s.policy);
  sweep(s, t, fx);
  // Move the business clock's base up to this event, so each step walks the calendar only since the
  // previous event (not since the ticket was created).
  if (s.calendar !== null && s.bBaseMs !== null && t > s.bBaseMs) Object.assign(s, { bBase: bAt(s, ctx.calendar, t), bBaseMs: t });
  switch (event.type) {
    case 'message.received':
      if (event.countsAsCustomerMessage) customerMessage(s, t, ctx);
      break;
    case 'reply.sent':
    case 'reply.delivered':
    case 'reply.read':
      agentReply(s, t, event.messageId, ctx, fx);
      break;
    case 'status.changed':
      statusChanged(s, t, event.to, ctx, fx);
      break;
    case 'ticket.reopened':
      s.reopens += 1;
      fx.push({ kind: 'reopened' });
      break;
    case 'sla.policy':
      policyChanged(s, t, event.policy, event.calendar, ctx.calendar, resolve, fx);
      break;
    case 'sla.warning': {
      const cur = s.targets[event.target];
      if (cur && cur.dueMs === Date.parse(event.dueAt)) s.targets[event.target] = { ...cur, warnedDueMs: cur.dueMs };
      break;
    }
    case 'sla.breached': {
      // Recorded by a check (or a step) earlier: adopt it, so a late reply does not breach again.
      const cur = s.targets[event.target];
      if (cur?.status === 'active' && cur.dueMs === Date.parse(event.dueAt)) breach(s, event.target, fx, false);
      break;
    }
    default:
      // reply.queued / reply.failed / note.added / automated.* / assignee / priority / tags /
      // sla.fulfilled: no clock moves (priority and tag changes act through their sla.policy event).
      break;
  }
  return { state: s, effects: fx };
}

export function replay(events: readonly TicketEvent[], resolve: PolicyResolver): { state: MetricsState; effects: Effect[] } {
  let state = emptyState();
  const effects: Effect[] = [];
  for (const e of events) {
    const r = step(state, e, resolve);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

/** Breaches (at their due time) and warnings due by `nowMs` not yet recorded; idempotent. */
export function checkAt(state: MetricsState, nowMs: number, _resolve?: PolicyResolver): { state: MetricsState; effects: Effect[] } {
  const s = clone(state);
  const fx: Effect[] = [];
  sweep(s, nowMs, fx);
  for (const k of TARGETS) {
    const cur = s.targets[k];
    if (cur?.status !== 'active' || cur.dueMs === null || s.warnBefore === null || cur.warnedDueMs === cur.dueMs) continue;
    const warnAt = Math.max(cur.startMs, cur.dueMs - s.warnBefore * 1000);
    if (nowMs < warnAt) continue;
    s.targets[k] = { ...cur, warnedDueMs: cur.dueMs };
    fx.push({ kind: 'event', draft: { type: 'sla.warning', at: iso(warnAt), actor: 'automation', target: k, dueAt: iso(cur.dueMs) } });
  }
  return { state: s, effects: fx };
}

/** When checks should run: a warning `warnBefore` ahead of a due time, and just past each due time. */
export function nextTimers(state: MetricsState): Array<{ at: string; target: SlaTarget; kind: 'warning' | 'due' }> {
  const out: Array<{ atMs: number; target: SlaTarget; kind: 'warning' | 'due' }> = [];
  for (const k of TARGETS) {
    const cur = state.targets[k];
    if (cur?.status !== 'active' || cur.dueMs === null || cur.breachFromMs === null) continue;
    if (state.warnBefore !== null && cur.warnedDueMs !== cur.dueMs)
      out.push({ atMs: Math.max(cur.startMs, cur.dueMs - state.warnBefore * 1000), target: k, kind: 'warning' });
    // checkAt breaches once time is strictly past breachFromMs; one second later keeps timers whole seconds.
    out.push({ atMs: cur.breachFromMs + 1000, target: k, kind: 'due' });
  }
  return out.sort((a, b) => a.atMs - b.atMs).map(({ atMs, target, kind }) => ({ at: iso(atMs), target, kind }));
}

export type TargetView = {
  status: TargetStatus | 'none';
  dueAt: string | null;
  fulfilledAt: string | null;
  breachedAt: string | null;
};

export function slaView(state: MetricsState): { policy: string | null; calendar: string | null; targets: Record<SlaTarget, TargetView> } {
  const view = (t: TargetState | null): TargetView =>
    t === null
      ? { status: 'none', dueAt: null, fulfilledAt: null, breachedAt: null }
      : {
          status: t.status,
          dueAt: t.status === 'paused' || t.dueMs === null ? null : iso(t.dueMs),
          fulfilledAt: t.fulfilledMs === null ? null : iso(t.fulfilledMs),
          breachedAt: t.breachedMs === null ? null : iso(t.breachedMs),
        };
  return {
    policy: state.policy,
    calendar: state.calendar,
    targets: { firstReply: view(state.targets.firstReply), nextReply: view(state.targets.nextReply), resolution: view(state.targets.resolution) },
  };
}

export function metricsView(state: MetricsState): {
  firstReply: Measure | null;
  nextReplies: Measure[];
  requesterWait: Measure | null;
  agentWait: Measure | null;
  firstResolution: Measure | null;
  fullResolution: Measure | null;
  reopens: number;
} {
  const wait = (p: Pair): Measure | null =>
    state.createdMs === null ? null : { calendar: p[0], business: state.calendar === null ? null : p[1] };
  return {
    firstReply: state.firstReply,
    nextReplies: [...state.nextReplies],
    requesterWait: wait(state.requesterWait),
    agentWait: wait(state.agentWait),
    firstResolution: state.firstResolution,
    fullResolution: state.fullResolution,
    reopens: state.reopens,
  };
}

/** The nearest due time of an active target, for sorting lists. */
export function nearestDueAt(state: MetricsState): string | null {
  let best: number | null = null;
  for (const k of TARGETS) {
    const cur = state.targets[k];
    if (cur?.status === 'active' && cur.dueMs !== null && (best === null || cur.dueMs < best)) best = cur.dueMs;
  }
  return best === null ? null : iso(best);
}
