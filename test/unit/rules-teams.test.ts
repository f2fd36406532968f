/** core/services/teams.ts: the round-robin and note jobs against in-memory ports (races that are hard to time on the real stack). */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../functions/core/errors.ts';
import { defaultFollowUps } from '../../functions/core/follow-ups/settings.ts';
import type { CoreDeps } from '../../functions/core/ports.ts';
import type { Agent, RulesStore } from '../../functions/core/rules/ports.ts';
import type { Rule } from '../../functions/core/rules/schema.ts';
import { addRuleNote, assignRoundRobin, nextMember, RR_CLAIM_LEASE_MS } from '../../functions/core/services/teams.ts';
import type { Message, QueuedJob, Ticket } from '../../functions/core/types.ts';

const at = '2026-03-02T10:00:00.000Z';
const ticket = (over: Partial<Ticket> = {}): Ticket => ({
  id: 'T1', status: 'open', priority: 'normal', channel: 'sms', provider: 'twilio', contactId: 'C1', threadKey: 'k', inboxAddress: '+1', customerAddress: '+2',
  tags: [], createdAt: at, lastMessageAt: at, messageCount: 1, reopenCount: 0, version: 1, team: 'ops', ...over,
});
const tick = () => new Promise((r) => setTimeout(r, 1));

/** A ticket store with version-guarded writes (ConflictError on a stale version), like DynamoDB's. */
function deps(initial: Ticket, opts: { agents?: Agent[]; members?: string[]; rules?: Rule[]; now?: () => Date; beforeWrite?: (n: number) => Ticket | undefined } = {}) {
  let current = initial;
  let turn = 0;
  let n = 0;
  let writes = 0;
  const enqueued: QueuedJob[] = [];
  const messages: Message[] = [];
  const rules: Partial<RulesStore> = {
    async takeTurn() { await tick(); return { turn: ++turn, members: opts.members ?? ['ana', 'ben'] }; },
    async getAgents(names) { return (opts.agents ?? []).filter((a) => names.includes(a.name)); },
    async getRule(id) { return opts.rules?.find((r) => r.id === id); },
  };
  const d = {
    store: {
      async getTicket() { await tick(); return current; },
      async updateTicket(t: Ticket, expected: number) {
        await tick();
        // A concurrent writer (a person, a new message) slips in before this write.
        const other = opts.beforeWrite?.(++writes);
        if (other) current = other;
        if (current.version !== expected) throw new ConflictError('lost');
        current = t;
      },
      async getMessages() { return messages; },
      async appendMessage(w: { ticket: Ticket; expectedVersion: number; message: Message }) {
        if (current.version !== w.expectedVersion) throw new ConflictError('lost');
        current = w.ticket;
        messages.push(w.message);
      },
    },
    rules: { store: rules as RulesStore, active: async () => [] },
    jobs: { enqueue: async (jobs: QueuedJob[]) => void enqueued.push(...jobs) },
    metrics: { emit: () => undefined },
    clock: { now: opts.now ?? (() => new Date(at)) },
    ids: { newId: () => `E${String(++n).padStart(4, '0')}`, token: () => 'x' },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    settings: { sla: { policies: [], calendars: {} }, followUps: defaultFollowUps() },
  } as unknown as CoreDeps;
  return { d, ticket: () => current, turns: () => turn, enqueued, messages };
}
const job = { kind: 'assign' as const, ticketId: 'T1', team: 'ops', rule: 'R1', version: 2 };

describe('assignRoundRobin', () => {
  it('assigns the member whose turn it is, as the rule, and releases its claim', async () => {
    const s = deps(ticket());
    await assignRoundRobin(s.d, job);
    expect(s.ticket()).toMatchObject({ assignee: 'ana', assignedBy: 'rule:R1' });
    expect(s.ticket().rrClaim).toBeUndefined();
    expect(s.turns()).toBe(1);
  });

  it('takes no turn when a person assigned (or unassigned) it, an assignment predates assignedBy, or it moved team', async () => {
    for (const t of [ticket({ assignee: 'jo', assignedBy: 'api:agent' }), ticket({ assignedBy: 'api:agent' }), ticket({ assignee: 'jo' }), ticket({ team: 'sales' })]) {
      const s = deps(t);
      await assignRoundRobin(s.d, job);
      expect(s.ticket()).toBe(t);
      expect(s.turns()).toBe(0);
    }
  });

  it('two concurrent jobs for one ticket take ONE turn: the claim loser comes back later instead', async () => {
    const s = deps(ticket({ version: 3 }), { members: ['ana', 'ben', 'chidi', 'dilys'] });
    await Promise.all([assignRoundRobin(s.d, job), assignRoundRobin(s.d, job)]);
    expect(s.ticket()).toMatchObject({ assignee: 'ana', assignedBy: 'rule:R1' });
    expect(s.turns()).toBe(1);
    // The loser found the ticket claimed (and re-queued itself for when the claim ends) or already
    // assigned; either way it took no turn, and a later look finds nothing to do.
    expect(s.enqueued.every((q) => q.delaySeconds === RR_CLAIM_LEASE_MS / 1000)).toBe(true);
    const again = deps(s.ticket());
    await assignRoundRobin(again.d, job);
    expect(again.turns()).toBe(0);
  });

  it('a claim left by a run that died is taken over once its lease has passed', async () => {
    const stale = ticket({ rrClaim: { run: 'dead', at: '2026-03-02T09:54:00.000Z' } });
    const s = deps(stale);
    await assignRoundRobin(s.d, job);
    expect(s.ticket()).toMatchObject({ assignee: 'ana' });
    expect(s.ticket().rrClaim).toBeUndefined();
    const live = deps(ticket({ rrClaim: { run: 'other', at: '2026-03-02T09:59:00.000Z' } }));
    await assignRoundRobin(live.d, job);
    expect(live.turns()).toBe(0);
    expect(live.enqueued).toEqual([{ job, delaySeconds: 240 }]);
  });

  it('a redelivery of the same job (same queue message id) resumes its own claim at once; a duplicate job waits', async () => {
    // The first attempt claimed the ticket, then failed (e.g. a timeout) before taking its turn.
    const claimedByUs = ticket({ version: 4, rrClaim: { run: 'msg-1', at: '2026-03-02T09:59:00.000Z' } });
    const s = deps(claimedByUs);
    await assignRoundRobin(s.d, job, 'msg-1');
    expect(s.ticket()).toMatchObject({ assignee: 'ana', assignedBy: 'rule:R1' });
    expect(s.ticket().rrClaim).toBeUndefined();
    expect(s.enqueued).toEqual([]);
    // Another delivery (a duplicate job) finds that live claim and comes back when it ends.
    const dup = deps(claimedByUs);
    await assignRoundRobin(dup.d, job, 'msg-2');
    expect(dup.turns()).toBe(0);
    expect(dup.enqueued).toEqual([{ job, delaySeconds: 240 }]);
  });

  it('a person who assigns it between the turn and the write wins; the claim is released', async () => {
    const s = deps(ticket(), { beforeWrite: (n) => (n === 2 ? { ...s.ticket(), assignee: 'jo', assignedBy: 'agent:jo', version: s.ticket().version + 1 } : undefined) });
    await assignRoundRobin(s.d, job);
    expect(s.ticket()).toMatchObject({ assignee: 'jo', assignedBy: 'agent:jo' });
    expect(s.ticket().rrClaim).toBeUndefined();
    expect(s.turns()).toBe(1);
  });

  it('a lost race with an unrelated change retries with the same member', async () => {
    const s = deps(ticket(), { beforeWrite: (n) => (n === 2 ? { ...s.ticket(), tags: ['x'], version: s.ticket().version + 1 } : undefined) });
    await assignRoundRobin(s.d, job);
    expect(s.ticket()).toMatchObject({ assignee: 'ana', tags: ['x'] });
    expect(s.turns()).toBe(1);
  });
});

describe('addRuleNote', () => {
  const rule: Rule = { id: 'R1', name: 'n', enabled: true, on: ['ticket.created'], conditions: {}, actions: [{ type: 'addTags', value: ['x'] }, { type: 'addNote', value: 'Check ID' }], stop: false, position: 0, version: 2, createdAt: at, updatedAt: at };
  const note = { kind: 'rule-note' as const, ticketId: 'T1', rule: 'R1', version: 2, action: 1, noteId: 'N1', at };

  it("reads the note's text from the rule, once", async () => {
    const s = deps(ticket(), { rules: [rule] });
    await addRuleNote(s.d, note);
    await addRuleNote(s.d, note);
    expect(s.messages.map((m) => [m.id, m.text, m.from])).toEqual([['N1', 'Check ID', 'rule:R1']]);
  });

  it('adds nothing when the rule changed, went, or has no note there', async () => {
    for (const rules of [[{ ...rule, version: 3 }], [], [rule]]) {
      const s = deps(ticket(), { rules });
      await addRuleNote(s.d, rules.length === 1 && rules[0]!.version === 2 ? { ...note, action: 0 } : note);
      expect(s.messages).toEqual([]);
    }
  });
});

describe('nextMember', () => {
  it('turn n goes to available[(n - 1) % available], skipping unavailable members', async () => {
    const store = { getAgents: async () => [{ name: 'b', available: false }] };
    const picks = [];
    for (let n = 1; n <= 4; n++) picks.push((await nextMember(store, { turn: n, members: ['a', 'b', 'c'] })).member);
    expect(picks).toEqual(['a', 'c', 'a', 'c']);
    expect(await nextMember(store, { turn: 1, members: ['b'] })).toEqual({ reason: 'no member of the team is available' });
    expect(await nextMember(store, { turn: 1, members: [] })).toEqual({ reason: 'the team has no members' });
  });
});
