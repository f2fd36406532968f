import { describe, expect, it } from 'vitest';
import { planDeliveryOutcome, planNote, planPatch, planReply, type ActionContext } from '../../functions/core/agent-actions.ts';
import { ClientError } from '../../functions/core/errors.ts';
import type { CoreSettings } from '../../functions/core/ports.ts';
import { defaultPolicies } from '../../functions/core/sla-policy.ts';
import { planIngest } from '../../functions/core/tickets.ts';
import type { InboundMessage, Ticket } from '../../functions/core/types.ts';
import { defaultFollowUps } from '../../functions/core/follow-ups/settings.ts';

const created = new Date('2026-03-02T10:00:00.000Z'); // a Monday
const plus = (s: number) => new Date(created.getTime() + s * 1000);
let n = 0;
const newId = () => `E${String(++n).padStart(4, '0')}`;
const settings: CoreSettings = {
  sla: {
    policies: [
      { name: 'urgent', match: { priorities: ['urgent'] }, targets: { firstReply: 600, resolution: 7200 } },
      ...defaultPolicies({ sms: 3600, whatsapp: 3600, email: 14400, messenger: 3600, instagram: 3600, telegram: 3600, x: 3600, viber: 3600, api: 3600, voice: 3600 }),
    ],
    calendars: {},
  },
  autoAck: { enabled: false, text: '' },
  automationRateLimitPerHour: 5,
  dedupeTtlDays: 14,
  cursorKey: 'test-cursor-key',
  followUps: defaultFollowUps(),
};
const ctx = (at: Date): ActionContext => ({ now: at, newId, settings });
const msg: InboundMessage = {
  provider: 'twilio',
  channel: 'sms',
  providerMessageId: 'SM1',
  threadKey: '+1999|+1555',
  from: '+1555',
  to: '+1999',
  identity: { kind: 'phone', value: '+15555550100' },
  text: 'help',
  attachments: [],
  receivedAt: created.toISOString(),
};
const newTicket = (): Ticket => planIngest(msg, {}, { ticketId: 'T1', contactId: 'C1', messageId: 'M1', newId }, created, settings).write.ticket;
const names = (metrics: ReadonlyArray<{ name: string }>) => metrics.map((m) => m.name);

describe('replies count only when the provider accepts them', () => {
  it('a queued reply is not a response: no status change, no first response, no metric', () => {
    const t = newTicket();
    const p = planReply(t, { text: 'hello', author: 'ana' }, 'agent:ana', 'R1', 'tok', ctx(plus(600)));
    expect(p.ticket.status).toBe('open');
    expect(p.ticket.firstResponseAt).toBeUndefined();
    expect(p.metrics).toEqual([]);
    expect(p.change.events).toEqual([expect.objectContaining({ type: 'reply.queued', actor: 'agent:ana', messageId: 'R1' })]);
    expect(p.message).toMatchObject({ direction: 'outbound', deliveryStatus: 'queued', author: 'ana' });
  });

  it('the first accepted reply records the first response once, moves open to pending, and emits FirstResponseTime', () => {
    const t = newTicket();
    const r = planReply(t, { text: 'hello', author: 'ana' }, 'agent:ana', 'R1', 'tok', ctx(plus(600)));
    const sent = planDeliveryOutcome(r.ticket, r.message, 'sent', undefined, ctx(plus(660)));
    expect(sent.ticket).toMatchObject({ status: 'pending', firstResponseAt: plus(660).toISOString() });
    expect(sent.change.events.map((e) => e.type)).toEqual(expect.arrayContaining(['reply.sent', 'status.changed']));
    const frt = sent.metrics.find((m) => m.name === 'FirstResponseTime')!;
    expect(frt).toMatchObject({ unit: 'Seconds', value: 660, dimensions: { Channel: 'sms' }, moreDimensionSets: [{ Channel: 'sms', Priority: 'normal' }] });
    expect(sent.metrics.find((m) => m.name === 'SlaAttained')).toMatchObject({ value: 1, dimensions: { Channel: 'sms', Target: 'firstReply' } });
    expect(sent.change.stats.length).toBeGreaterThan(0);

    const r2 = planReply(sent.ticket, { text: 'again' }, 'agent:ana', 'R2', 'tok2', ctx(plus(700)));
    const sent2 = planDeliveryOutcome(r2.ticket, r2.message, 'sent', undefined, ctx(plus(720)));
    expect(names(sent2.metrics)).not.toContain('FirstResponseTime');
    expect(sent2.ticket.firstResponseAt).toBe(plus(660).toISOString());
  });

  it.each(['failed', 'not_sent'] as const)('a %s reply changes no status and is not a first response', (outcome) => {
    const t = newTicket();
    const r = planReply(t, { text: 'hello' }, 'api:inbox', 'R1', 'tok', ctx(plus(60)));
    const p = planDeliveryOutcome(r.ticket, r.message, outcome, 'refused', ctx(plus(61)));
    expect(p.ticket.status).toBe('open');
    expect(p.ticket.firstResponseAt).toBeUndefined();
    expect(names(p.metrics)).not.toContain('FirstResponseTime');
    expect(p.change.events).toEqual([expect.objectContaining({ type: 'reply.failed', error: 'refused' })]);
  });

  it('a late first reply is a breach with breachedAt at the due time, decided from timestamps, recorded once', () => {
    const t = newTicket();
    // The first change after the due time records the breach (here: queueing the late reply).
    const r = planReply(t, { text: 'sorry' }, 'agent:bo', 'R1', 'tok', ctx(plus(3601)));
    expect(r.metrics.find((m) => m.name === 'SlaAttained')).toMatchObject({ value: 0, dimensions: { Channel: 'sms', Target: 'firstReply' } });
    expect(names(r.metrics)).toContain('SlaBreached');
    expect(r.change.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'sla.breached', target: 'firstReply', dueAt: plus(3600).toISOString(), at: plus(3600).toISOString() })]));
    const p = planDeliveryOutcome(r.ticket, r.message, 'sent', undefined, ctx(plus(3602)));
    expect(names(p.metrics)).not.toContain('SlaBreached');
    expect(p.change.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'sla.fulfilled', target: 'firstReply', withinTarget: false })]));
    expect(r.ticket.clock && p.ticket.clock).toBeTruthy();
  });

  it('a reply one second before the due time meets it', () => {
    const t = newTicket();
    const r = planReply(t, { text: 'on it' }, 'agent:bo', 'R1', 'tok', ctx(plus(3598)));
    const p = planDeliveryOutcome(r.ticket, r.message, 'sent', undefined, ctx(plus(3599)));
    expect(p.metrics.find((m) => m.name === 'SlaAttained')).toMatchObject({ value: 1 });
    expect(names([...r.metrics, ...p.metrics])).not.toContain('SlaBreached');
  });

  it('a note is stored for agents and is not a response', () => {
    const p = planNote(newTicket(), { text: 'call them', author: 'ana' }, 'agent:ana', 'N1', ctx(plus(10)));
    expect(p.message.direction).toBe('note');
    expect(p.change.events).toEqual([expect.objectContaining({ type: 'note.added', messageId: 'N1' })]);
    expect(p.ticket.firstResponseAt).toBeUndefined();
  });

  it('a reply on a closed ticket is a 409', () => {
    expect(() => planReply({ ...newTicket(), status: 'closed' }, { text: 'x' }, 'api:k', 'R', 't', ctx(created))).toThrow(ClientError);
  });
});

describe('status, priority, assignee and tags', () => {
  it('resolve → reopen → resolve emits one FirstResolutionTime, counts the reopen, and close emits FullResolutionTime once', () => {
    let t = newTicket();
    const r1 = planPatch(t, { status: 'resolved' }, 'api:k', ctx(plus(1800)));
    expect(names(r1.metrics)).toContain('FirstResolutionTime');
    t = r1.ticket;
    const reopen = planPatch(t, { status: 'open' }, 'api:k', ctx(plus(3000)));
    expect(reopen.change.events.map((e) => e.type)).toEqual(['status.changed', 'ticket.reopened']);
    expect(names(reopen.metrics)).toContain('TicketsReopened');
    expect(reopen.ticket.reopenCount).toBe(1);
    const r2 = planPatch(reopen.ticket, { status: 'resolved' }, 'api:k', ctx(plus(5000)));
    expect(names(r2.metrics)).not.toContain('FirstResolutionTime');
    const closed = planPatch(r2.ticket, { status: 'closed' }, 'api:k', ctx(plus(6000)));
    expect(closed.metrics.filter((m) => m.name === 'FullResolutionTime').map((m) => m.value)).toEqual([5000]);
    expect(names(closed.metrics)).toContain('RequesterWaitTime');
    expect(() => planPatch(closed.ticket, { status: 'open' }, 'api:k', ctx(plus(7000)))).toThrow(/closed/);
  });

  it('a priority change re-matches the policy (an event records it) and moves the due time', () => {
    const t = newTicket();
    expect(t.slaDueAt).toBe(plus(3600).toISOString());
    const p = planPatch(t, { priority: 'urgent' }, 'api:k', ctx(plus(60)));
    expect(p.change.events.map((e) => e.type)).toEqual(['priority.changed', 'sla.policy']);
    expect(p.change.events[1]).toMatchObject({ policy: 'urgent', actor: 'api:k' });
    expect(p.ticket.slaDueAt).toBe(plus(600).toISOString());
    // the breach check runs one second after the due time (a reply at the due instant still meets it)
    expect(p.jobs.map((j) => j.job)).toContainEqual({ kind: 'sla-check', ticketId: 'T1', dueAt: plus(601).toISOString() });
  });

  it('assignee and tags changes are events with from and to; a patch that changes nothing records nothing', () => {
    const t = newTicket();
    const p = planPatch(t, { assignee: 'bo', tags: ['x', 'x', 'y'] }, 'api:k', ctx(plus(1)));
    expect(p.ticket).toMatchObject({ assignee: 'bo', tags: ['x', 'y'], version: t.version + 1 });
    expect(p.change.events).toEqual([
      expect.objectContaining({ type: 'assignee.changed', from: null, to: 'bo' }),
      expect.objectContaining({ type: 'tags.changed', from: [], to: ['x', 'y'] }),
      expect.objectContaining({ type: 'sla.policy' }),
    ]);
    expect(planPatch(p.ticket, { assignee: 'bo', tags: ['x', 'y'] }, 'api:k', ctx(plus(2))).change.events).toEqual([]);
    expect(planPatch(p.ticket, { assignee: null }, 'api:k', ctx(plus(3))).ticket.assignee).toBeUndefined();
  });
});
