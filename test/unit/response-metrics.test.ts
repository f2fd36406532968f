/**
 * response-metrics.ts: measures and SLA state as a pure function of the event log.
 *  - named tests, one per defect of the old code, and the rules the issue left to us;
 *  - property: replay of generated histories (channels, automated/failed/queued replies, notes,
 *    reactions, reopens by message and by PATCH, pending spells, priority/tag changes re-matching the
 *    policy, business calendars with holidays across the Europe/London DST change) agrees with an
 *    independent minute-by-minute reference (response-metrics.reference.ts);
 *  - property: folding `step` one event at a time with `checkAt` calls at random times (their drafts
 *    appended to the log, the state round-tripped through JSON) = replay: same state and views, and
 *    the same multiset of metric and SLA effects (checks never cause a double emission).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN, buildCalendar, type Calendar } from '../../functions/core/calendar.ts';
import {
  checkAt,
  defaultPolicies,
  emptyState,
  matchPolicy,
  metricsView,
  nearestDueAt,
  nextTimers,
  replay,
  slaView,
  SlaPoliciesSchema,
  step,
  type Effect,
  type MetricsState,
  type PolicyResolver,
  type SlaPolicy,
} from '../../functions/core/response-metrics.ts';
import type { EventDraft, TicketEvent } from '../../functions/core/ticket-events.ts';
import type { Channel, Priority, TicketStatus } from '../../functions/core/types.ts';
import { reference } from './response-metrics.reference.ts';

const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : 20_260_301;
const MIN = 60_000;
const H = 3_600_000;

// ------------------------------------------------------------------------------ calendars, policies

const weekdays = (w: Array<[string, string]>) => ({ mon: w, tue: w, wed: w, thu: w, fri: w });
const CALENDARS: Record<string, Calendar> = {
  // Fridays split by lunch, a Sunday window across the 01:00 GMT -> 02:00 BST jump, Good Friday and Easter Monday off.
  london: buildCalendar('london', {
    timeZone: 'Europe/London',
    week: { ...weekdays([['09:00', '17:30']]), fri: [['09:00', '12:00'], ['13:00', '17:30']], sun: [['00:30', '02:30']] },
    holidays: ['2026-03-27', '2026-04-03', '2026-04-06'],
  }),
  kolkata: buildCalendar('kolkata', {
    timeZone: 'Asia/Kolkata',
    week: { ...weekdays([['10:00', '19:00']]), sat: [['10:00', '14:00']] },
    holidays: ['2026-03-31'],
  }),
  ny: buildCalendar('ny', { timeZone: 'America/New_York', week: weekdays([['08:00', '20:00']]) }),
};

const POLICIES: SlaPolicy[] = SlaPoliciesSchema.parse([
  { name: 'vip', match: { tags: ['vip'] }, calendar: 'london', targets: { firstReply: 1800, nextReply: 1800, resolution: 4 * 3600 }, warnBefore: 600 },
  { name: 'urgent', match: { priorities: ['urgent'] }, targets: { firstReply: 900, nextReply: 1200, resolution: 7200 }, warnBefore: 300 },
  { name: 'high-email', match: { channels: ['email'], priorities: ['high'] }, calendar: 'ny', targets: { firstReply: 3600, resolution: 8 * 3600 } },
  { name: 'email', match: { channels: ['email'] }, calendar: 'london', targets: { firstReply: 4 * 3600, nextReply: 8 * 3600, resolution: 24 * 3600 } },
  { name: 'india', match: { channels: ['whatsapp'], priorities: ['normal', 'high'] }, calendar: 'kolkata', targets: { firstReply: 3600, nextReply: 3600 }, warnBefore: 1200 },
  { name: 'low', match: { priorities: ['low'] }, targets: { resolution: 2 * 86400 } },
  { name: 'chat', match: { channels: ['sms', 'whatsapp'] }, targets: { firstReply: 3600, nextReply: 3600, resolution: 86400 } },
]) as SlaPolicy[];

const resolverFor =
  (policies: readonly SlaPolicy[]): PolicyResolver =>
  (name) => {
    const policy = policies.find((p) => p.name === name);
    return { policy, calendar: policy?.calendar ? CALENDARS[policy.calendar]! : ALWAYS_OPEN };
  };
const resolve = resolverFor(POLICIES);

// ------------------------------------------------------------------------------ event helpers

let seq = 0;
const iso = (ms: number) => new Date(ms).toISOString();
function ev(at: number | string, body: Record<string, unknown> & { type: TicketEvent['type'] }, actor = 'customer'): TicketEvent {
  return { id: `e${++seq}`, ticketId: 'T1', at: typeof at === 'number' ? iso(at) : at, actor, ...body } as unknown as TicketEvent;
}
const msg = (at: number, counts = true, id = `m${seq}`) =>
  ev(at, { type: 'message.received', messageId: id, channel: 'sms', countsAsCustomerMessage: counts });
const sent = (at: number, id: string, type: 'reply.sent' | 'reply.delivered' | 'reply.read' = 'reply.sent') => ev(at, { type, messageId: id }, 'agent:ann');
const status = (at: number, from: TicketStatus, to: TicketStatus) => ev(at, { type: 'status.changed', from, to }, 'agent:ann');
const reopened = (at: number, by: 'message' | 'patch') => ev(at, { type: 'ticket.reopened', by }, by === 'message' ? 'customer' : 'agent:ann');
const policyEv = (at: number, name: string | null) => {
  const p = POLICIES.find((x) => x.name === name) ?? TEST_POLICIES.find((x) => x.name === name);
  return ev(at, { type: 'sla.policy', policy: name, calendar: p?.calendar ?? null }, 'automation');
};

/** Policies for the named tests (24/7 unless said). */
const TEST_POLICIES: SlaPolicy[] = [
  { name: 'hour', match: {}, targets: { firstReply: 3600, nextReply: 3600, resolution: 8 * 3600 }, warnBefore: 600 },
  { name: 'fast', match: {}, targets: { firstReply: 900, nextReply: 900, resolution: 3600 } },
  { name: 'biz', match: {}, calendar: 'london', targets: { firstReply: 2 * 3600, nextReply: 3600, resolution: 4 * 3600 } },
  { name: 'first-only', match: {}, targets: { firstReply: 3600 } },
];
const testResolve = resolverFor(TEST_POLICIES);
const T0 = Date.parse('2026-03-23T10:00:00Z'); // a Monday, GMT

const run = (events: TicketEvent[], r: PolicyResolver = testResolve) => replay(events, r);
const metricNames = (fx: Effect[]) => fx.flatMap((e) => (e.kind === 'metric' ? [e.name] : []));
const slaFx = (fx: Effect[]) => fx.flatMap((e) => (e.kind === 'sla' ? [`${e.target}:${e.outcome}@${e.at}`] : []));
const drafts = (fx: Effect[]) => fx.flatMap((e) => (e.kind === 'event' ? [e.draft] : []));

// ------------------------------------------------------------------------------ named tests

describe('defects of the old code', () => {
  it('a reopened ticket emits one FirstResolutionTime; at close one FullResolutionTime (created -> last resolved); the reopen is counted', () => {
    const events = [
      policyEv(T0, 'hour'),
      msg(T0),
      sent(T0 + 10 * MIN, 'r1'),
      status(T0 + H, 'open', 'resolved'),
      msg(T0 + 2 * H),
      reopened(T0 + 2 * H, 'message'),
      status(T0 + 2 * H, 'resolved', 'open'),
      sent(T0 + 2 * H + 20 * MIN, 'r2'),
      status(T0 + 3 * H, 'open', 'resolved'),
      status(T0 + 5 * H, 'resolved', 'closed'),
    ];
    const { state, effects } = run(events);
    const names = metricNames(effects);
    expect(names.filter((n) => n === 'FirstResolutionTime')).toHaveLength(1);
    expect(names.filter((n) => n === 'FullResolutionTime')).toHaveLength(1);
    expect(effects.filter((e) => e.kind === 'reopened')).toHaveLength(1);
    const m = metricsView(state);
    expect(m.reopens).toBe(1);
    expect(m.firstResolution).toEqual({ calendar: 3600, business: null });
    expect(m.fullResolution).toEqual({ calendar: 3 * 3600, business: null }); // last resolve, not the close
    expect(m.nextReplies).toEqual([{ calendar: 20 * 60, business: null }]);
    // open 0-1 h and 2-3 h: requester wait 2 h
    expect(m.requesterWait).toEqual({ calendar: 2 * 3600, business: null });
  });

  it('after a reopen by the customer there is a next-reply clock', () => {
    const events = [policyEv(T0, 'hour'), msg(T0), sent(T0 + 5 * MIN, 'r1'), status(T0 + H, 'open', 'resolved'), msg(T0 + 3 * H), reopened(T0 + 3 * H, 'message'), status(T0 + 3 * H, 'resolved', 'open')];
    const { state } = run(events);
    expect(slaView(state).targets.nextReply).toEqual({ status: 'active', dueAt: iso(T0 + 4 * H), fulfilledAt: null, breachedAt: null });
    expect(nearestDueAt(state)).toBe(iso(T0 + 4 * H));
    expect(nextTimers(state)).toContainEqual({ at: iso(T0 + 4 * H + 1000), target: 'nextReply', kind: 'due' });
  });

  it('resolved before any reply, reopened by the customer, replied 5 h later with a 1 h target: the new cycle breaches (firstReply stays cancelled)', () => {
    // Rule: the resolve ends the customer's wait (firstReply not yet due -> cancelled); the reopening
    // message starts a next-reply cycle due 1 h after it; FirstResponseTime is still created -> first reply.
    const reopenAt = T0 + 24 * H;
    const events = [
      policyEv(T0, 'hour'),
      msg(T0),
      status(T0 + 10 * MIN, 'open', 'resolved'),
      msg(reopenAt),
      reopened(reopenAt, 'message'),
      status(reopenAt, 'resolved', 'open'),
      sent(reopenAt + 5 * H, 'r1'),
    ];
    const { state, effects } = run(events);
    const v = slaView(state).targets;
    expect(v.firstReply.status).toBe('cancelled');
    expect(v.nextReply).toEqual({ status: 'breached', dueAt: iso(reopenAt + H), fulfilledAt: iso(reopenAt + 5 * H), breachedAt: iso(reopenAt + H) });
    expect(slaFx(effects)).toEqual([`resolution:met@${iso(T0 + 10 * MIN)}`, `nextReply:breached@${iso(reopenAt + H)}`]);
    expect(drafts(effects).filter((d) => d.type === 'sla.breached')).toEqual([
      { type: 'sla.breached', at: iso(reopenAt + H), actor: 'automation', target: 'nextReply', dueAt: iso(reopenAt + H) },
    ]);
    const m = metricsView(state);
    expect(m.firstReply).toEqual({ calendar: 29 * 3600, business: null });
    expect(m.nextReplies).toEqual([{ calendar: 5 * 3600, business: null }]);
  });

  it('an automated message that opens a thread: the SLA starts at the customer message', () => {
    const customerAt = T0 + 6 * H;
    const events = [
      policyEv(T0, 'hour'),
      ev(T0, { type: 'automated.queued', messageId: 'a1' }, 'automation'),
      ev(T0 + MIN, { type: 'automated.sent', messageId: 'a1' }, 'automation'),
      msg(T0 + 2 * H, false), // the customer's reaction to the broadcast: no clock
      msg(customerAt),
      sent(customerAt + 30 * MIN, 'r1'),
    ];
    const { state } = run(events);
    expect(slaView(state).targets.firstReply).toEqual({ status: 'fulfilled', dueAt: iso(customerAt + H), fulfilledAt: iso(customerAt + 30 * MIN), breachedAt: null });
    expect(metricsView(state).firstReply).toEqual({ calendar: 1800, business: null });
    expect(slaView(state).targets.resolution.dueAt).toBe(iso(customerAt + 8 * H));
  });

  it('the SLA says breached when a reply exists but was late', () => {
    const { state, effects } = run([policyEv(T0, 'hour'), msg(T0), sent(T0 + 2 * H, 'r1')]);
    expect(slaView(state).targets.firstReply).toEqual({ status: 'breached', dueAt: iso(T0 + H), fulfilledAt: iso(T0 + 2 * H), breachedAt: iso(T0 + H) });
    expect(slaFx(effects)).toEqual([`firstReply:breached@${iso(T0 + H)}`]);
    expect(drafts(effects).find((d) => d.type === 'sla.fulfilled')).toMatchObject({ withinTarget: false, dueAt: iso(T0 + H) });
  });

  it('a reply at the due instant is met; one second after due is breached, whenever checked', () => {
    const onTime = run([policyEv(T0, 'hour'), msg(T0), sent(T0 + H, 'r1')]);
    expect(slaView(onTime.state).targets.firstReply.status).toBe('fulfilled');
    const late = run([policyEv(T0, 'hour'), msg(T0), sent(T0 + H + 1000, 'r1')]);
    expect(slaView(late.state).targets.firstReply.status).toBe('breached');
    // a check at the due instant records nothing yet; one just after records the breach at the due time
    const s = run([policyEv(T0, 'hour'), msg(T0)]).state;
    expect(checkAt(s, T0 + H, testResolve).effects).toEqual([
      { kind: 'event', draft: { type: 'sla.warning', at: iso(T0 + 50 * MIN), actor: 'automation', target: 'firstReply', dueAt: iso(T0 + H) } },
    ]);
    expect(slaFx(checkAt(s, T0 + H + 1, testResolve).effects)).toEqual([`firstReply:breached@${iso(T0 + H)}`]);
  });

  it('changing priority moves the due time (sla.policy recomputes from each target start)', () => {
    const base = [policyEv(T0, 'hour'), msg(T0)];
    expect(slaView(run(base).state).targets.firstReply.dueAt).toBe(iso(T0 + H));
    const faster = run([...base, ev(T0 + 5 * MIN, { type: 'priority.changed', from: 'normal', to: 'urgent' }, 'agent:ann'), policyEv(T0 + 5 * MIN, 'fast')]);
    expect(slaView(faster.state).targets.firstReply).toMatchObject({ status: 'active', dueAt: iso(T0 + 15 * MIN) });
    expect(slaView(faster.state).targets.resolution).toMatchObject({ status: 'active', dueAt: iso(T0 + H) });
    // raised after the new due time has passed: breached at once, at the new due time
    const tooLate = run([...base, policyEv(T0 + 30 * MIN, 'fast')]);
    expect(slaView(tooLate.state).targets.firstReply).toMatchObject({ status: 'breached', breachedAt: iso(T0 + 15 * MIN) });
    expect(slaFx(tooLate.effects)).toEqual([`firstReply:breached@${iso(T0 + 15 * MIN)}`]);
    // a policy without the target: none; the metric is still measured
    const none = run([...base, policyEv(T0 + 5 * MIN, 'first-only'), sent(T0 + 20 * MIN, 'r1')]);
    expect(slaView(none.state).targets.resolution.status).toBe('none');
    expect(metricsView(none.state).firstReply).toEqual({ calendar: 1200, business: null });
  });

  it('business hours and holidays shift due times (and the DST change)', () => {
    // Thursday 2026-03-26 17:00 GMT, 2 business hours in london: 30 min Thursday, Friday 27 is a
    // holiday, Sunday 29 opens 00:30-01:00 GMT then (clocks jump) 02:00-02:30 BST = 1 h, Monday 30
    // 09:00 BST (08:00 UTC) + 30 min.
    const at = Date.parse('2026-03-26T17:00:00Z');
    const { state } = run([policyEv(at, 'biz'), msg(at)]);
    expect(slaView(state).calendar).toBe('london');
    expect(slaView(state).targets.firstReply.dueAt).toBe('2026-03-30T08:30:00.000Z');
    // business measures: a reply Monday 09:10 BST = 30 + 60 + 10 business minutes
    const replied = run([policyEv(at, 'biz'), msg(at), sent(Date.parse('2026-03-30T08:10:00Z'), 'r1')]);
    expect(metricsView(replied.state).firstReply).toEqual({ calendar: (3 * 24 + 15) * 3600 + 600, business: 100 * 60 });
    expect(slaView(replied.state).targets.firstReply.status).toBe('fulfilled');
  });

  it('reactions, read receipts and postback echoes neither reopen nor start a clock', () => {
    const events = [policyEv(T0, 'hour'), msg(T0), sent(T0 + 5 * MIN, 'r1'), msg(T0 + 10 * MIN, false), status(T0 + H, 'open', 'resolved'), msg(T0 + 2 * H, false)];
    const { state, effects } = run(events);
    expect(slaView(state).targets.nextReply.status).toBe('none');
    expect(metricsView(state).reopens).toBe(0);
    expect(effects.some((e) => e.kind === 'reopened')).toBe(false);
    expect(nextTimers(state).filter((t) => t.target !== 'resolution')).toEqual([]);
    // and before any customer message: no clock at all
    const only = run([policyEv(T0, 'hour'), msg(T0, false)]).state;
    expect(slaView(only).targets.firstReply.status).toBe('none');
    expect(metricsView(only).requesterWait).toBeNull();
  });

  it('a failed, queued-only or automated reply is not a first response; the first accepted event counts, once', () => {
    const events = [
      policyEv(T0, 'hour'),
      msg(T0),
      ev(T0 + MIN, { type: 'reply.queued', messageId: 'q' }, 'agent:ann'),
      ev(T0 + 2 * MIN, { type: 'reply.queued', messageId: 'f' }, 'agent:ann'),
      ev(T0 + 3 * MIN, { type: 'reply.failed', messageId: 'f', error: 'x' }, 'agent:ann'),
      ev(T0 + 4 * MIN, { type: 'note.added', messageId: 'n' }, 'agent:ann'),
      ev(T0 + 5 * MIN, { type: 'automated.sent', messageId: 'a' }, 'automation'),
    ];
    const { state } = run(events);
    expect(metricsView(state).firstReply).toBeNull();
    expect(slaView(state).targets.firstReply.status).toBe('active');
    // delivered without a sent event counts at its own time; the later read of the same reply does not
    // answer the customer's next message
    const more = run([...events, sent(T0 + 40 * MIN, 'd', 'reply.delivered'), msg(T0 + 50 * MIN), sent(T0 + 55 * MIN, 'd', 'reply.read')]);
    expect(metricsView(more.state).firstReply).toEqual({ calendar: 2400, business: null });
    expect(slaView(more.state).targets.nextReply.status).toBe('active');
    expect(metricsView(more.state).nextReplies).toEqual([]);
  });

  it('breachedAt is the due time, not the time the check ran; a check is idempotent; a late reply after it breaches nothing again', () => {
    const s0 = run([policyEv(T0, 'hour'), msg(T0)]).state;
    const c1 = checkAt(s0, T0 + 7 * H, testResolve);
    expect(slaFx(c1.effects)).toEqual([`firstReply:breached@${iso(T0 + H)}`]);
    expect(slaView(c1.state).targets.firstReply.breachedAt).toBe(iso(T0 + H));
    expect(checkAt(c1.state, T0 + 7 * H, testResolve).effects).toEqual([]);
    expect(checkAt(c1.state, T0 + 9 * H, testResolve).effects).toEqual([
      ...[] /* resolution (8 h) breaches at T0+8h: a new target, not the first reply again */,
      { kind: 'sla', target: 'resolution', outcome: 'breached', at: iso(T0 + 8 * H) },
      { kind: 'event', draft: { type: 'sla.breached', at: iso(T0 + 8 * H), actor: 'automation', target: 'resolution', dueAt: iso(T0 + 8 * H) } },
    ]);
    const late = step(c1.state, sent(T0 + 7 * H + MIN, 'r1'), testResolve);
    expect(slaFx(late.effects)).toEqual([]);
    expect(metricNames(late.effects)).toEqual(['FirstResponseTime']);
    expect(drafts(late.effects)).toEqual([
      { type: 'sla.fulfilled', at: iso(T0 + 7 * H + MIN), actor: 'automation', target: 'firstReply', dueAt: iso(T0 + H), withinTarget: false },
    ]);
    expect(slaView(late.state).targets.firstReply).toEqual({ status: 'breached', dueAt: iso(T0 + H), fulfilledAt: iso(T0 + 7 * H + MIN), breachedAt: iso(T0 + H) });
    // the breach event a check appended, replayed from the log, is adopted (no second breach either)
    const breachEvent = ev(T0 + H, { ...(drafts(c1.effects)[0] as EventDraft) } as never, 'automation');
    const fromLog = run([policyEv(T0, 'hour'), msg(T0), breachEvent, sent(T0 + 7 * H + MIN, 'r1')]);
    expect(slaFx(fromLog.effects)).toEqual([`firstReply:breached@${iso(T0 + H)}`]);
    expect(drafts(fromLog.effects).filter((d) => d.type === 'sla.breached')).toEqual([]);
  });

  it('resolved with no reply before the due time: cancelled; resolved after it: breached', () => {
    const early = run([policyEv(T0, 'hour'), msg(T0), status(T0 + 30 * MIN, 'open', 'resolved')]);
    expect(slaView(early.state).targets.firstReply).toEqual({ status: 'cancelled', dueAt: iso(T0 + H), fulfilledAt: null, breachedAt: null });
    expect(slaFx(early.effects)).toEqual([`resolution:met@${iso(T0 + 30 * MIN)}`]);
    const late = run([policyEv(T0, 'hour'), msg(T0), status(T0 + 90 * MIN, 'open', 'resolved')]);
    expect(slaView(late.state).targets.firstReply).toEqual({ status: 'breached', dueAt: iso(T0 + H), fulfilledAt: null, breachedAt: iso(T0 + H) });
    expect(slaFx(late.effects)).toEqual([`firstReply:breached@${iso(T0 + H)}`, `resolution:met@${iso(T0 + 90 * MIN)}`]);
  });
});

describe('rules the issue left open', () => {
  it('the resolution target pauses while pending: its due time moves later by the pending time', () => {
    const events = [policyEv(T0, 'hour'), msg(T0), sent(T0 + 10 * MIN, 'r1'), status(T0 + H, 'open', 'pending')];
    const paused = run(events).state;
    expect(slaView(paused).targets.resolution).toEqual({ status: 'paused', dueAt: null, fulfilledAt: null, breachedAt: null });
    expect(checkAt(paused, T0 + 30 * H, testResolve).effects).toEqual([]);
    expect(nextTimers(paused)).toEqual([]);
    const resumed = run([...events, status(T0 + 4 * H, 'pending', 'open')]).state;
    expect(slaView(resumed).targets.resolution).toMatchObject({ status: 'active', dueAt: iso(T0 + 11 * H) });
    expect(metricsView(resumed).agentWait).toEqual({ calendar: 3 * 3600, business: null });
    // resolved straight from pending counts as on time
    const solved = run([...events, status(T0 + 20 * H, 'pending', 'resolved')]).state;
    expect(slaView(solved).targets.resolution.status).toBe('fulfilled');
  });

  it('pending entered exactly at the due instant is overdue only once pending ends', () => {
    const events = [policyEv(T0, 'fast'), msg(T0), sent(T0 + MIN, 'r1'), status(T0 + H, 'open', 'pending')];
    expect(slaView(run([...events, status(T0 + 3 * H, 'pending', 'resolved')]).state).targets.resolution.status).toBe('fulfilled');
    const s = run([...events, status(T0 + 3 * H, 'pending', 'open')]).state;
    expect(nextTimers(s)).toEqual([{ at: iso(T0 + 3 * H + 1000), target: 'resolution', kind: 'due' }]);
    expect(slaFx(checkAt(s, T0 + 3 * H + 1000, testResolve).effects)).toEqual([`resolution:breached@${iso(T0 + H)}`]);
  });

  it('a reopen by PATCH starts no reply clock; the closed ticket emits its waits once', () => {
    const events = [policyEv(T0, 'hour'), msg(T0), sent(T0 + 5 * MIN, 'r1'), status(T0 + H, 'open', 'resolved'), reopened(T0 + 2 * H, 'patch'), status(T0 + 2 * H, 'resolved', 'open'), status(T0 + 3 * H, 'open', 'pending'), status(T0 + 4 * H, 'pending', 'closed')];
    const { state, effects } = run(events);
    expect(slaView(state).targets.nextReply.status).toBe('none');
    expect(metricsView(state).reopens).toBe(1);
    expect(effects.filter((e) => e.kind === 'metric' && e.name === 'RequesterWaitTime')).toEqual([{ kind: 'metric', name: 'RequesterWaitTime', value: { calendar: 2 * 3600, business: null } }]);
    expect(effects.filter((e) => e.kind === 'metric' && e.name === 'AgentWaitTime')).toEqual([{ kind: 'metric', name: 'AgentWaitTime', value: { calendar: 3600, business: null } }]);
    // full resolution ends at the close when the ticket was closed from an unresolved state
    expect(metricsView(state).fullResolution).toEqual({ calendar: 4 * 3600, business: null });
  });

  it('warnings: nextTimers gives warnBefore ahead of due and just past due; checkAt records each once', () => {
    const s = run([policyEv(T0, 'hour'), msg(T0)]).state;
    expect(nextTimers(s)).toEqual([
      { at: iso(T0 + 50 * MIN), target: 'firstReply', kind: 'warning' },
      { at: iso(T0 + H + 1000), target: 'firstReply', kind: 'due' },
      { at: iso(T0 + 470 * MIN), target: 'resolution', kind: 'warning' },
      { at: iso(T0 + 8 * H + 1000), target: 'resolution', kind: 'due' },
    ]);
    const w = checkAt(s, T0 + 55 * MIN, testResolve);
    expect(drafts(w.effects).map((d) => d.type)).toEqual(['sla.warning']);
    expect(checkAt(w.state, T0 + 56 * MIN, testResolve).effects).toEqual([]);
    expect(nextTimers(w.state)[0]).toEqual({ at: iso(T0 + H + 1000), target: 'firstReply', kind: 'due' });
  });

  it('the state is plain JSON and stays compact', () => {
    let state: MetricsState = run([policyEv(T0, 'hour'), msg(T0)]).state;
    for (let i = 0; i < 300; i++) {
      const t = T0 + (i + 1) * 10 * MIN;
      state = step(state, msg(t), testResolve).state;
      state = step(state, sent(t + MIN, `r${i}`), testResolve).state;
    }
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(metricsView(state).nextReplies).toHaveLength(100);
    expect(state.nextReplyCount).toBe(299);
    expect(JSON.stringify(state).length).toBeLessThan(16_000);
  });
});

describe('SLA policies', () => {
  it('SlaPoliciesSchema: unique names, positive integer targets, at least one target', () => {
    const ok = [{ name: 'a', match: { channels: ['email'] }, targets: { firstReply: 60 } }];
    expect(SlaPoliciesSchema.safeParse(ok).success).toBe(true);
    expect(SlaPoliciesSchema.safeParse([...ok, ...ok]).success).toBe(false);
    expect(SlaPoliciesSchema.safeParse([{ name: 'a', match: {}, targets: {} }]).success).toBe(false);
    expect(SlaPoliciesSchema.safeParse([{ name: 'a', match: {}, targets: { firstReply: 0 } }]).success).toBe(false);
    expect(SlaPoliciesSchema.safeParse([{ name: 'a', match: {}, targets: { firstReply: 1.5 } }]).success).toBe(false);
    expect(SlaPoliciesSchema.safeParse([{ name: 'a', match: { channels: ['fax'] }, targets: { firstReply: 60 } }]).success).toBe(false);
    expect(SlaPoliciesSchema.safeParse([{ name: 'a', targets: { resolution: 60 }, calendar: 'london', warnBefore: 30 }]).success).toBe(true);
  });

  it('matchPolicy: first match wins; channels, priorities and any-of tags must all fit', () => {
    const m = (channel: Channel, priority: Priority, tags: string[] = []) => matchPolicy(POLICIES, { channel, priority, tags })?.name;
    expect(m('email', 'normal', ['vip'])).toBe('vip');
    expect(m('email', 'urgent')).toBe('urgent');
    expect(m('email', 'high')).toBe('high-email');
    expect(m('email', 'low')).toBe('email');
    expect(m('whatsapp', 'high')).toBe('india');
    expect(m('whatsapp', 'low')).toBe('low');
    expect(m('sms', 'normal')).toBe('chat');
    expect(m('telegram', 'normal')).toBeUndefined();
  });

  it('defaultPolicies reproduce today: email 4 h, others 1 h first reply, 24/7', () => {
    const defaults = defaultPolicies({ email: 14400, sms: 3600, whatsapp: 3600, messenger: 3600, instagram: 3600, telegram: 3600, x: 3600, viber: 3600, api: 3600, voice: 3600 });
    expect(SlaPoliciesSchema.safeParse(defaults).success).toBe(true);
    expect(matchPolicy(defaults, { channel: 'email', priority: 'urgent', tags: [] })).toEqual({ name: 'default-email', match: { channels: ['email'] }, targets: { firstReply: 14400 } });
    expect(matchPolicy(defaults, { channel: 'sms', priority: 'low', tags: ['x'] })?.targets).toEqual({ firstReply: 3600 });
    expect(defaults.every((p) => p.calendar === undefined)).toBe(true);
  });
});

// ------------------------------------------------------------------------------ generated histories

type Action =
  | { k: 'gap'; minutes: number }
  | { k: 'customer' }
  | { k: 'reaction' }
  | { k: 'reply'; outcome: 'reply.sent' | 'reply.delivered' | 'reply.read' | 'reply.failed' | 'queued'; delay: number }
  | { k: 'dupAck'; which: number; type: 'reply.delivered' | 'reply.read' }
  | { k: 'note' }
  | { k: 'auto' }
  | { k: 'pending' }
  | { k: 'unpend' }
  | { k: 'resolve' }
  | { k: 'reopenPatch' }
  | { k: 'close' }
  | { k: 'priority'; to: Priority }
  | { k: 'tags'; vip: boolean }
  | { k: 'unknownPolicy'; name: string | null }
  /** Jump to a due time shown for the ticket so far (boundaries: a reply, pending or resolve exactly at due). */
  | { k: 'toDue'; which: number };

interface History {
  startMinute: number;
  channel: Channel;
  priority: Priority;
  vip: boolean;
  opener: 'customer' | 'automation' | 'agent' | 'nopolicy';
  reopenMessageFirst: boolean;
  actions: Action[];
  tail: number;
}

const PRIORITY = fc.constantFrom<Priority>('low', 'normal', 'high', 'urgent');
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }).map((minutes) => ({ k: 'gap' as const, minutes })) },
  { weight: 4, arbitrary: fc.integer({ min: 20, max: 240 }).map((minutes) => ({ k: 'gap' as const, minutes })) },
  { weight: 1, arbitrary: fc.integer({ min: 240, max: 2400 }).map((minutes) => ({ k: 'gap' as const, minutes })) },
  { weight: 4, arbitrary: fc.constant({ k: 'customer' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reaction' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('reply' as const),
      outcome: fc.constantFrom('reply.sent', 'reply.sent', 'reply.delivered', 'reply.read', 'reply.failed', 'queued') as fc.Arbitrary<'reply.sent'>,
      delay: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dupAck' as const), which: fc.nat(), type: fc.constantFrom('reply.delivered', 'reply.read') as fc.Arbitrary<'reply.read'> }) },
  { weight: 1, arbitrary: fc.constant({ k: 'note' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'auto' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'pending' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'unpend' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'resolve' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reopenPatch' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'close' as const }) },
  { weight: 2, arbitrary: PRIORITY.map((to) => ({ k: 'priority' as const, to })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }).map((n) => ({ k: 'tags' as const, vip: n === 0 })) },
  { weight: 1, arbitrary: fc.constantFrom('gone', null).map((name) => ({ k: 'unknownPolicy' as const, name })) },
  { weight: 2, arbitrary: fc.nat().map((which) => ({ k: 'toDue' as const, which })) },
);

const historyArb: fc.Arbitrary<History> = fc.record({
  // Wednesday 2026-03-25 06:00 UTC + up to 4 days: the histories cross Good Friday and the DST weekend.
  startMinute: fc.integer({ min: 0, max: 4 * 24 * 60 }),
  channel: fc.constantFrom<Channel>('email', 'whatsapp', 'sms', 'telegram'),
  priority: PRIORITY,
  vip: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  opener: fc.constantFrom('customer', 'customer', 'automation', 'agent', 'nopolicy') as fc.Arbitrary<History['opener']>,
  reopenMessageFirst: fc.boolean(),
  actions: fc.array(actionArb, { minLength: 4, maxLength: 45, size: 'max' }),
  tail: fc.integer({ min: 0, max: 3000 }),
});

const BASE = Date.parse('2026-03-25T06:00:00Z');

/** A plausible log: status transitions follow the current status, as the planner writes them. */
function build(h: History): { events: TicketEvent[]; endMs: number } {
  const events: TicketEvent[] = [];
  let t = BASE + h.startMinute * MIN;
  let n = 0;
  let st = 'open' as TicketStatus;
  let priority = h.priority;
  let tags = h.vip ? ['vip'] : [];
  const replies: string[] = [];
  const push = (body: Record<string, unknown> & { type: TicketEvent['type'] }, actor: string) =>
    events.push({ id: `g${n++}`, ticketId: 'T1', at: iso(t), actor, ...body } as unknown as TicketEvent);
  const setStatus = (to: TicketStatus) => {
    push({ type: 'status.changed', from: st, to }, 'agent:bo');
    st = to;
  };
  const rematch = () => {
    const p = matchPolicy(POLICIES, { channel: h.channel, priority, tags });
    push({ type: 'sla.policy', policy: p?.name ?? null, calendar: p?.calendar ?? null }, 'automation');
  };
  const customer = (counts: boolean) => push({ type: 'message.received', messageId: `c${n}`, channel: h.channel, countsAsCustomerMessage: counts }, 'customer');

  if (h.opener !== 'nopolicy') rematch();
  if (h.opener === 'customer' || h.opener === 'nopolicy') customer(true);
  if (h.opener === 'automation') {
    push({ type: 'automated.queued', messageId: 'auto0' }, 'automation');
    push({ type: 'automated.sent', messageId: 'auto0' }, 'automation');
  }
  if (h.opener === 'agent') {
    push({ type: 'reply.queued', messageId: 'out0' }, 'agent:bo');
    push({ type: 'reply.sent', messageId: 'out0' }, 'agent:bo');
    replies.push('out0');
  }
  for (const a of h.actions) {
    switch (a.k) {
      case 'gap':
        t += a.minutes * MIN;
        break;
      case 'customer':
        if (st === 'closed') break;
        if (st !== 'resolved') customer(true);
        else if (h.reopenMessageFirst) {
          customer(true);
          push({ type: 'ticket.reopened', by: 'message' }, 'customer');
          setStatus('open');
        } else {
          push({ type: 'ticket.reopened', by: 'message' }, 'customer');
          setStatus('open');
          customer(true);
        }
        break;
      case 'reaction':
        customer(false);
        break;
      case 'reply': {
        const id = `r${n}`;
        push({ type: 'reply.queued', messageId: id }, 'agent:bo');
        if (a.outcome === 'queued') break;
        t += a.delay * MIN;
        push({ type: a.outcome, messageId: id, ...(a.outcome === 'reply.failed' ? { error: 'boom' } : {}) }, 'agent:bo');
        if (a.outcome !== 'reply.failed') replies.push(id);
        break;
      }
      case 'dupAck':
        if (replies.length > 0) push({ type: a.type, messageId: replies[a.which % replies.length]! }, 'agent:bo');
        break;
      case 'note':
        push({ type: 'note.added', messageId: `n${n}` }, 'agent:bo');
        break;
      case 'auto':
        push({ type: 'automated.sent', messageId: `a${n}` }, 'automation');
        break;
      case 'pending':
        if (st === 'open') setStatus('pending');
        break;
      case 'unpend':
        if (st === 'pending') setStatus('open');
        break;
      case 'resolve':
        if (st === 'open' || st === 'pending') setStatus('resolved');
        break;
      case 'reopenPatch':
        if (st === 'resolved') {
          push({ type: 'ticket.reopened', by: 'patch' }, 'agent:bo');
          setStatus('open');
        }
        break;
      case 'close':
        if (st !== 'closed') setStatus('closed');
        break;
      case 'priority':
        push({ type: 'priority.changed', from: priority, to: a.to }, 'agent:bo');
        priority = a.to;
        rematch();
        break;
      case 'tags': {
        const to = a.vip ? ['vip'] : [];
        push({ type: 'tags.changed', from: tags, to }, 'agent:bo');
        tags = to;
        rematch();
        break;
      }
      case 'unknownPolicy':
        push({ type: 'sla.policy', policy: a.name, calendar: null }, 'automation');
        break;
      case 'toDue': {
        const dues = Object.values(slaView(replay(events, resolve).state).targets)
          .flatMap((v) => (v.status === 'active' && v.dueAt !== null ? [Date.parse(v.dueAt)] : []))
          .filter((due) => due >= t);
        if (dues.length > 0) t = dues[a.which % dues.length]!;
        break;
      }
    }
  }
  return { events, endMs: t + h.tail * MIN };
}

const sortStrings = (xs: string[]) => [...xs].sort();
const metricKeys = (fx: Effect[]) => sortStrings(fx.flatMap((e) => (e.kind === 'metric' ? [JSON.stringify([e.name, e.value])] : [])));
const slaKeys = (fx: Effect[]) => sortStrings(fx.flatMap((e) => (e.kind === 'sla' ? [JSON.stringify([e.target, e.outcome, e.at])] : [])));

describe('generated histories', () => {
  it('replay agrees with the minute-by-minute reference on every measure and SLA state', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { events, endMs } = build(h);
        const replayed = replay(events, resolve);
        const checked = checkAt(replayed.state, endMs, resolve);
        const effects = [...replayed.effects, ...checked.effects];
        const ref = reference(events, resolve, endMs);
        expect(metricsView(checked.state)).toEqual(ref.metrics);
        expect(slaView(checked.state)).toEqual(ref.sla);
        expect(metricKeys(effects)).toEqual(sortStrings(ref.samples.map((s) => JSON.stringify([s.name, s.value]))));
        expect(slaKeys(effects)).toEqual(sortStrings(ref.outcomes.map((o) => JSON.stringify([o.target, o.outcome, o.at]))));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('incremental = replay: step with checks interleaved at random times (drafts appended) equals replay', () => {
    const checksArb = fc.array(fc.record({ after: fc.nat(), frac: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 12 });
    fc.assert(
      fc.property(historyArb, checksArb, (h, checks) => {
        const { events, endMs } = build(h);
        // Check instants: somewhere between an event and the next (or the end).
        const times = events.map((e) => Date.parse(e.at));
        const checkTimes = new Map<number, number[]>();
        for (const c of checks) {
          const i = c.after % events.length;
          const from = times[i]!;
          const to = times[i + 1] ?? endMs;
          checkTimes.set(i, [...(checkTimes.get(i) ?? []), Math.floor(from + c.frac * (to - from))].sort((a, b) => a - b));
        }
        let state: MetricsState = emptyState();
        const log: TicketEvent[] = [];
        const fx: Effect[] = [];
        let d = 0;
        const absorb = (r: { state: MetricsState; effects: Effect[] }) => {
          state = JSON.parse(JSON.stringify(r.state)) as MetricsState; // as stored on the ticket item
          const queue = [...r.effects];
          while (queue.length > 0) {
            const e = queue.shift()!;
            fx.push(e);
            if (e.kind !== 'event') continue;
            const appended = { ...e.draft, id: `d${d++}`, ticketId: 'T1' } as TicketEvent;
            log.push(appended);
            const again = step(state, appended, resolve);
            state = JSON.parse(JSON.stringify(again.state)) as MetricsState;
            queue.push(...again.effects);
          }
        };
        events.forEach((e, i) => {
          log.push(e);
          absorb(step(state, e, resolve));
          for (const at of checkTimes.get(i) ?? []) {
            const c = checkAt(state, at, resolve);
            expect(checkAt(c.state, at, resolve).effects).toEqual([]); // idempotent, even before its drafts are appended
            absorb(c);
          }
        });
        absorb(checkAt(state, endMs, resolve));

        // The log the store would hold, replayed: the same state, and nothing left for a check to do.
        const full = replay(log, resolve);
        expect(full.state).toEqual(state);
        expect(checkAt(full.state, endMs, resolve).effects).toEqual([]);
        expect(metricKeys(full.effects)).toEqual(metricKeys(fx));
        expect(slaKeys(full.effects)).toEqual(slaKeys(fx));
        // The plain events replayed and checked once at the end: the same views and the same samples.
        const plain = replay(events, resolve);
        const last = checkAt(plain.state, endMs, resolve);
        expect(slaView(last.state)).toEqual(slaView(state));
        expect(metricsView(last.state)).toEqual(metricsView(state));
        expect(nearestDueAt(last.state)).toEqual(nearestDueAt(state));
        expect(metricKeys([...plain.effects, ...last.effects])).toEqual(metricKeys(fx));
        expect(slaKeys([...plain.effects, ...last.effects])).toEqual(slaKeys(fx));
      }),
      { seed: SEED, numRuns: 600 },
    );
  });
});
