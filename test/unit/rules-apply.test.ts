/** core/rules/apply.ts through planIngest: what rules change on arrival, as events in the ingest's own transaction. */
import { describe, expect, it } from 'vitest';
import { defaultFollowUps } from '../../functions/core/follow-ups/settings.ts';
import type { CoreSettings, IngestContext } from '../../functions/core/ports.ts';
import { planPatch } from '../../functions/core/agent-actions.ts';
import { triageOf } from '../../functions/core/rules/apply.ts';
import { compileRules } from '../../functions/core/rules/evaluate.ts';
import type { Action, Rule } from '../../functions/core/rules/schema.ts';
import { defaultPolicies } from '../../functions/core/sla-policy.ts';
import { planIngest } from '../../functions/core/tickets.ts';
import type { InboundMessage, Ticket } from '../../functions/core/types.ts';

const at = '2026-03-02T10:00:00.000Z';
let n = 0;
const ids = () => ({ ticketId: 'T1', contactId: 'C1', messageId: `M${++n}`, newId: () => `E${String(++n).padStart(5, '0')}` });
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
  cursorKey: 'k',
  followUps: defaultFollowUps(),
};
const msg = (text: string, over: Partial<InboundMessage> = {}): InboundMessage => ({
  provider: 'meta',
  channel: 'whatsapp',
  providerMessageId: `wamid.${++n}`,
  threadKey: '100|15551230000',
  from: '15551230000',
  to: '100',
  identity: { kind: 'wa', value: '15551230000' },
  text,
  attachments: [],
  receivedAt: at,
  ...over,
});
const rule = (id: string, actions: Action[], over: Partial<Rule> = {}): Rule => ({
  id,
  name: `name-${id}`,
  enabled: true,
  on: ['ticket.created'],
  conditions: { all: [{ field: 'text', op: 'contains', value: ['stolen'] }] },
  actions,
  stop: false,
  position: 0,
  version: 3,
  createdAt: at,
  updatedAt: at,
  ...over,
});
const signals = { language: 'en', sentiment: -0.8, abusive: false };
const triage = (rules: Rule[]) => ({ signals, rules: compileRules(rules) });
const plan = (m: InboundMessage, rules: Rule[], ctx: IngestContext = {}) => planIngest(m, ctx, ids(), new Date(at), settings, triage(rules));
const plan2 = (m: InboundMessage, t: ReturnType<typeof triageOf>) => planIngest(m, {}, ids(), new Date(at), settings, t);

describe('rules on arrival (planIngest)', () => {
  const urgent = rule('R1', [{ type: 'setPriority', value: 'urgent' }, { type: 'addTags', value: ['fraud'] }, { type: 'assignTeam', value: 'risk' }]);

  it('sets priority, tags and team, with one rule.applied event naming rule, version and matched conditions', () => {
    const p = plan(msg('My card was STOLEN'), [urgent]);
    expect(p.write.ticket).toMatchObject({ priority: 'urgent', tags: ['fraud'], team: 'risk', language: 'en' });
    const events = p.write.change.events;
    const applied = events.find((e) => e.type === 'rule.applied');
    expect(applied).toEqual(expect.objectContaining({ actor: 'rule:R1', rules: [{ rule: 'R1', name: 'name-R1', version: 3, matched: [{ field: 'text', op: 'contains', value: ['stolen'] }], actions: urgent.actions }] }));
    expect(events.find((e) => e.type === 'priority.changed')).toMatchObject({ actor: 'rule:R1', from: 'normal', to: 'urgent' });
    expect(events.find((e) => e.type === 'tags.changed')).toMatchObject({ actor: 'rule:R1', from: [], to: ['fraud'] });
    // The SLA re-targets like any priority change: the last policy event names the urgent policy.
    expect(events.filter((e) => e.type === 'sla.policy').at(-1)).toMatchObject({ policy: 'urgent', actor: 'rule:R1' });
    expect(p.write.ticket.clock?.policy).toBe('urgent');
    // Dimension Rule: the rule's id (ASCII, stable across renames); the name is in the event.
    expect(p.metrics).toContainEqual(expect.objectContaining({ name: 'RulesFired', dimensions: { Rule: 'R1' } }));
    expect(p.write.message.signals).toEqual(signals);
  });

  it('changes nothing when no rule fires (the message still carries its signals)', () => {
    const p = plan(msg('hello'), [urgent]);
    expect(p.write.ticket).toMatchObject({ priority: 'normal', tags: [] });
    expect(p.write.ticket.team).toBeUndefined();
    expect(p.write.change.events.map((e) => e.type)).not.toContain('rule.applied');
    expect(p.metrics.map((m) => m.name)).not.toContain('RulesFired');
    expect(p.write.message.signals).toEqual(signals);
  });

  it('assignAgent assigns in the same write (assignedBy the rule); round-robin and notes become worker jobs', () => {
    const p = plan(msg('stolen'), [rule('R2', [{ type: 'assignAgent', value: 'ana' }, { type: 'addNote', value: 'Check ID' }])]);
    expect(p.write.ticket).toMatchObject({ assignee: 'ana', assignedBy: 'rule:R2' });
    expect(p.write.change.events.find((e) => e.type === 'assignee.changed')).toMatchObject({ from: null, to: 'ana', actor: 'rule:R2' });
    // The job names the note (rule, version, action index); the worker reads its text from the rule.
    const note = p.jobs.map((j) => j.job).find((j) => j.kind === 'rule-note');
    expect(note).toMatchObject({ kind: 'rule-note', ticketId: 'T1', rule: 'R2', version: 3, action: 1 });
    expect(JSON.stringify(note)).not.toContain('Check ID');
    const rr = plan(msg('stolen'), [rule('R3', [{ type: 'assignRoundRobin', value: 'risk' }])]);
    expect(rr.write.ticket).toMatchObject({ team: 'risk' });
    expect(rr.write.ticket.assignee).toBeUndefined();
    expect(rr.jobs.map((j) => j.job)).toContainEqual({ kind: 'assign', ticketId: 'T1', team: 'risk', rule: 'R3', version: 3 });
    // Kept on the dedupe record until enqueued, like every follow-up.
    expect(rr.write.pendingJobs.map((j) => j.job.kind)).toContain('assign');
  });

  it("ticket.created rules run on a ticket's first message only; message.received on each counted message", () => {
    const created = plan(msg('stolen'), [urgent]);
    const existing: Ticket = { ...created.write.ticket, priority: 'normal', tags: [] };
    const ctx: IngestContext = { threadTicket: existing, threadedBy: 'thread-key', contactId: 'C1' };
    expect(plan(msg('stolen again'), [urgent], ctx).write.ticket.priority).toBe('normal');
    const onEvery = rule('R4', [{ type: 'addTags', value: ['again'] }], { on: ['message.received'] });
    expect(plan(msg('stolen again'), [onEvery], ctx).write.ticket.tags).toEqual(['again']);
  });

  it("never overrides a person's assignment, and says so in the event", () => {
    const created = plan(msg('first'), []);
    const assigned: Ticket = { ...created.write.ticket, assignee: 'ben', assignedBy: 'api:agent' };
    const p = plan(msg('stolen'), [rule('R5', [{ type: 'assignAgent', value: 'ana' }, { type: 'addTags', value: ['x'] }], { on: ['message.received'] })], { threadTicket: assigned, threadedBy: 'thread-key', contactId: 'C1' });
    expect(p.write.ticket).toMatchObject({ assignee: 'ben', assignedBy: 'api:agent', tags: ['x'] });
    const applied = p.write.change.events.find((e) => e.type === 'rule.applied');
    expect(applied).toMatchObject({ rules: [{ actions: [{ type: 'addTags', value: ['x'] }], skipped: [{ action: { type: 'assignAgent', value: 'ana' }, reason: expect.stringContaining('api:agent') }] }] });
  });

  it('an assignment without assignedBy (made before it was recorded) and a person\'s unassignment are a person\'s choice too', () => {
    const created = plan(msg('first'), []);
    const grab = rule('R7', [{ type: 'assignAgent', value: 'robot' }, { type: 'assignRoundRobin', value: 'risk' }], { on: ['message.received'] });
    for (const t of [{ ...created.write.ticket, assignee: 'ben' }, { ...created.write.ticket, assignedBy: 'api:agent' }] as Ticket[]) {
      const p = plan(msg('stolen'), [grab], { threadTicket: t, threadedBy: 'thread-key', contactId: 'C1' });
      expect(p.write.ticket.assignee).toBe(t.assignee);
      expect(p.jobs.map((j) => j.job.kind)).not.toContain('assign');
      expect(p.write.change.events.find((e) => e.type === 'rule.applied')).toMatchObject({ rules: [{ skipped: [{ action: { type: 'assignAgent' } }, { action: { type: 'assignRoundRobin' } }] }] });
    }
  });

  it("a person's unassignment keeps their actor as assignedBy (no assignee), so the next message's rules leave it", () => {
    const created = plan(msg('first'), []);
    const assigned: Ticket = { ...created.write.ticket, assignee: 'ben', assignedBy: 'rule:R0' };
    const un = planPatch(assigned, { assignee: null }, 'api:agent', { now: new Date(at), newId: () => 'E1', settings });
    expect(un.ticket.assignee).toBeUndefined();
    expect(un.ticket.assignedBy).toBe('api:agent');
    const p = plan(msg('stolen'), [rule('R8', [{ type: 'assignAgent', value: 'robot' }], { on: ['message.received'] })], { threadTicket: un.ticket, threadedBy: 'thread-key', contactId: 'C1' });
    expect(p.write.ticket.assignee).toBeUndefined();
  });

  it('200 firing rules with the most notes each: ONE bounded event, at most 5 note jobs, tags capped at 50', () => {
    const words = Array.from({ length: 50 }, (_, i) => `${'漢'.repeat(96)}${String(i).padStart(4, '0')}`);
    const longNote = '漢'.repeat(2000);
    const rules = Array.from({ length: 200 }, (_, i) =>
      rule(`R${String(i).padStart(3, '0')}`, [{ type: 'addTags', value: [`t${i}`] }, ...Array.from({ length: 19 }, () => ({ type: 'addNote' as const, value: longNote }))], {
        name: '名'.repeat(100),
        position: i,
        on: ['ticket.created'],
        conditions: { any: [{ field: 'text', op: 'contains', value: ['stolen', ...words.slice(0, 49)] }, ...Array.from({ length: 19 }, () => ({ field: 'text' as const, op: 'contains' as const, value: words }))] },
      }),
    );
    const p = plan(msg('stolen'), rules);
    const applied = p.write.change.events.filter((e) => e.type === 'rule.applied');
    expect(applied).toHaveLength(1);
    const listed = (applied[0] as any).rules as any[];
    expect(listed.map((r) => r.rule)).toEqual(rules.map((r) => r.id));
    expect(listed.at(-1)).toEqual({ rule: 'R199', name: '名'.repeat(100), version: 3, truncated: true });
    // Values cut to 100 characters and lists to 5 items in the detail that is kept.
    expect(listed[0].matched[0]).toMatchObject({ value: ['stolen', ...words.slice(0, 4).map((w) => `${w.slice(0, 100)}`)], truncated: true });
    expect(listed[0].actions[1]).toMatchObject({ type: 'addNote', value: `${longNote.slice(0, 100)}…`, truncated: true });
    // Bounded: the event stays far under DynamoDB's 400 KB item size.
    expect(new TextEncoder().encode(JSON.stringify(applied[0])).length).toBeLessThan(120 * 1024);
    // The transaction holds a fixed number of events whatever the rules.
    expect(p.write.change.events.length).toBeLessThan(10);
    const notes = p.jobs.filter((j) => j.job.kind === 'rule-note');
    expect(notes).toHaveLength(5);
    expect(new TextEncoder().encode(JSON.stringify(p.write.pendingJobs)).length).toBeLessThan(4 * 1024);
    expect(p.write.ticket.tags).toHaveLength(50);
    expect(listed[0].skipped).toEqual(expect.arrayContaining([{ action: { type: 'addNote', value: `${longNote.slice(0, 100)}…`, truncated: true }, reason: 'at most 5 notes are added per message' }]));
  });

  it('evaluates message conditions once per message, however many ingest attempts (the memo carries their results)', () => {
    const t = triageOf(signals, compileRules([urgent]));
    expect(plan2(msg('stolen'), t).write.ticket.priority).toBe('urgent');
    expect(t.memo!.results.size).toBe(1);
    // A retry re-plans with the same triage: the text condition is not run again (the memo answers,
    // which is why a memo belongs to one message: given another text it still says "held").
    expect(plan2(msg('hello'), t).write.ticket.priority).toBe('urgent');
    expect(plan2(msg('hello'), triageOf(signals, compileRules([urgent]))).write.ticket.priority).toBe('normal');
  });


  it('runs no rules on what does not count: reactions, auto-replies, STOP', () => {
    const everything = rule('R6', [{ type: 'addTags', value: ['seen'] }], { conditions: {}, on: ['ticket.created', 'message.received'] });
    expect(plan(msg('👍', { signal: 'reaction' }), [everything]).write.ticket.tags).toEqual([]);
    expect(plan(msg('STOP', { channel: 'sms', provider: 'twilio', identity: { kind: 'phone', value: '+15551230000' } }), [everything]).write.ticket.tags).toEqual([]);
  });
});
