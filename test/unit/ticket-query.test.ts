import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { listTickets } from '../../functions/core/services/tickets.ts';
import {
  LIST_READ_BOUND,
  SYNC_SETTLE_MS,
  normalizeQuery,
  planPhase,
  queryFingerprint,
  ticketIndexKeys,
  type ListParams,
  type NormalizedQuery,
} from '../../functions/core/ticket-query.ts';
import type { Channel, Ticket } from '../../functions/core/types.ts';
import { contactIds, expectedOrder, memoryIndex, paramsArb, sixtyTickets, ticketsArb, timeAt } from '../helpers/memory-list-index.ts';

const NOW = new Date(timeAt(60));
const deps = (tickets: readonly Ticket[], now = NOW) => {
  const mem = memoryIndex(tickets);
  return { mem, deps: { store: { listTickets: mem.listTickets }, clock: { now: () => now }, settings: { cursorKey: 'cursor-key-0123456789' } } as unknown as CoreDeps };
};

const expected = (all: readonly Ticket[], q: NormalizedQuery): string[] => expectedOrder(all, q, NOW);

async function walk(d: CoreDeps, params: ListParams, limit: number, allowedChannels?: readonly Channel[]) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 500; pages++) {
    const page = await listTickets(d, { ...params, limit, ...(cursor ? { cursor } : {}), ...(allowedChannels ? { allowedChannels } : {}) });
    expect(page.tickets.length).toBeLessThanOrEqual(limit);
    expect(page.read).toBeLessThanOrEqual(LIST_READ_BOUND);
    ids.push(...page.tickets.map((t) => t.id));
    if (!page.nextCursor || (params.sort === 'updatedAt' && page.tickets.length === 0)) return { ids, cursor: page.nextCursor };
    cursor = page.nextCursor;
  }
  throw new Error('the walk did not end');
}

describe('GET /v1/tickets in memory: every filter and sort', () => {
  it('pages through exactly the tickets an in-memory sort + filter gives (SLA phases, contacts read whole, sync settle, channel keys)', async () => {
    await fc.assert(
      fc.asyncProperty(ticketsArb(), paramsArb, fc.integer({ min: 1, max: 9 }), fc.option(fc.subarray(['sms', 'whatsapp', 'email'] as Channel[]), { nil: undefined }), async (tickets, params, limit, allowed) => {
        const { deps: d } = deps(tickets);
        const q = normalizeQuery(params, allowed);
        const { ids } = await walk(d, params, limit, allowed);
        expect(ids).toEqual(q === 'empty' ? [] : expected(tickets, q));
        if (allowed) expect(ids.every((id) => allowed.includes(tickets.find((t) => t.id === id)!.channel))).toBe(true);
      }),
      { numRuns: 250 },
    );
  });

  it('sync always hands back a cursor, which resumes right after the last change returned', async () => {
    const t = (i: number, updated: number): Ticket =>
      ({ id: `01J${String(i).padStart(23, '0')}`, status: 'open', priority: 'normal', channel: 'sms', contactId: contactIds[0]!, tags: [], createdAt: timeAt(0), lastMessageAt: timeAt(0), updatedAt: timeAt(updated), version: 1 }) as unknown as Ticket;
    const tickets = [t(1, 10), t(2, 20), t(3, 59.95)]; // the last is inside the settle window
    const { deps: d } = deps(tickets);
    const first = await walk(d, { sort: 'updatedAt' }, 10);
    expect(first.ids).toEqual([tickets[0]!.id, tickets[1]!.id]);
    expect(first.cursor).toBeTruthy();
    const later = deps([...tickets, t(4, 30)], new Date(timeAt(61))).deps;
    const next = await listTickets(later, { sort: 'updatedAt', limit: 10, cursor: first.cursor! });
    expect(next.tickets.map((x) => x.id)).toEqual([t(4, 30).id, tickets[2]!.id]); // settled by now, after the cursor
    expect(next.nextCursor).toBeTruthy();
  });

  it('reads a contact with few tickets in one Query, whatever the sort', async () => {
    const tickets = (await fc.sample(ticketsArb(40), { numRuns: 1, seed: 11 }))[0]!;
    const { deps: d, mem } = deps(tickets);
    await listTickets(d, { contactId: contactIds[0]!, sort: 'slaDueAt', limit: 100 });
    expect(mem.calls.map((c) => c.index)).toEqual(['byContact']);
  });

  it('a cursor is bound to its query and to the key’s channels: anything else is a 400', async () => {
    const { deps: d } = deps(sixtyTickets());
    const page = await listTickets(d, { status: ['open', 'pending'], limit: 1 });
    expect(page.nextCursor).toBeTruthy();
    const cursor = page.nextCursor!;
    await expect(listTickets(d, { status: ['pending', 'open'], limit: 5, cursor })).resolves.toBeTruthy(); // the same set
    for (const other of [{ status: ['open'] }, { status: ['open', 'pending'], sort: 'createdAt' }, { status: ['open', 'pending'], tag: 'vip' }] as ListParams[]) {
      await expect(listTickets(d, { ...other, limit: 5, cursor })).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
    }
    await expect(listTickets(d, { status: ['open', 'pending'], limit: 5, cursor, allowedChannels: ['sms'] })).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
    await expect(listTickets(d, { status: ['open', 'pending'], limit: 5, cursor: `${cursor.slice(0, -2)}AA` })).rejects.toMatchObject({ status: 400 });
  });

  it('a channel outside the key’s channels is an empty page, nothing read', async () => {
    const { deps: d, mem } = deps((await fc.sample(ticketsArb(20), { numRuns: 1, seed: 2 }))[0]!);
    expect(await listTickets(d, { channel: 'email', limit: 5, allowedChannels: ['sms'] })).toMatchObject({ tickets: [], read: 0 });
    expect(mem.calls).toEqual([]);
  });
});

describe('planning', () => {
  const plan = (p: ListParams, phase: 0 | 1 = 0) => {
    const r = planPhase(normalizeQuery(p, undefined) as NormalizedQuery, phase, undefined, NOW);
    return { index: r.index, partitions: r.partitions.length, descending: r.descending, filter: Object.keys(r.filter).sort() };
  };
  it.each<[ListParams, ReturnType<typeof plan>]>([
    [{}, { index: 'byActivity', partitions: 4, descending: true, filter: [] }],
    [{ status: ['open', 'pending', 'resolved', 'closed'] }, { index: 'byActivity', partitions: 4, descending: true, filter: [] }],
    [{ status: ['open'] }, { index: 'byStatus', partitions: 4, descending: true, filter: [] }],
    [{ status: ['open'], sort: 'lastMessageAt' }, { index: 'byStatus', partitions: 4, descending: false, filter: [] }],
    [{ status: ['open'], channel: 'sms', priority: 'high' }, { index: 'byChannel', partitions: 4, descending: true, filter: ['priority'] }],
    [{ status: ['open', 'pending'], assignee: 'ana', channel: 'sms' }, { index: 'byAssignee', partitions: 8, descending: true, filter: ['channels'] }],
    [{ assignee: 'none', channel: 'sms' }, { index: 'byChannel', partitions: 16, descending: true, filter: ['assignee'] }],
    [{ assignee: 'none', tag: 'vip' }, { index: 'byAssignee', partitions: 16, descending: true, filter: ['tag'] }],
    [{ status: ['open'], sort: 'slaDueAt' }, { index: 'bySlaDue', partitions: 4, descending: false, filter: [] }],
    [{ status: ['open'], sort: 'slaDueAt' }, { index: 'bySlaDue', partitions: 4, descending: false, filter: [] }],
    [{ sort: 'createdAt', status: ['open'] }, { index: 'byCreated', partitions: 4, descending: false, filter: [] }],
    [{ sort: '-createdAt', contactId: contactIds[0]! }, { index: 'byContact', partitions: 1, descending: true, filter: [] }],
    [{ sort: 'updatedAt', updatedSince: timeAt(3), channel: 'sms' }, { index: 'byUpdated', partitions: 4, descending: false, filter: ['channels'] }],
    [{ updatedSince: timeAt(3) }, { index: 'byActivity', partitions: 4, descending: true, filter: ['updatedSince'] }],
  ])('%j → %j', (params, want) => {
    expect(plan(params)).toEqual(want);
  });

  it('the second phase of sort=slaDueAt reads tickets without an active SLA by latest activity', () => {
    expect(plan({ status: ['open'], sort: 'slaDueAt' }, 1)).toEqual({ index: 'byStatus', partitions: 4, descending: true, filter: ['noSla'] });
  });

  it('sync never reads changes younger than the settle window', () => {
    const p = planPhase(normalizeQuery({ sort: 'updatedAt' }, undefined) as NormalizedQuery, 0, undefined, NOW);
    expect(p.before).toBe(new Date(NOW.getTime() - SYNC_SETTLE_MS).toISOString());
    expect(p.after).toBeUndefined();
  });
});

describe('normalizing and fingerprinting', () => {
  it('statuses are a set; all of them is no filter; assignee none is unassigned; times are UTC', () => {
    expect(normalizeQuery({ status: ['pending', 'open', 'open'] }, undefined)).toEqual({ sort: '-lastMessageAt', filter: { statuses: ['open', 'pending'] } });
    expect(normalizeQuery({ status: ['closed', 'open', 'pending', 'resolved'] }, undefined)).toEqual({ sort: '-lastMessageAt', filter: {} });
    expect(normalizeQuery({ assignee: 'none', updatedSince: '2026-01-01T02:00:00+02:00' }, undefined)).toEqual({
      sort: '-lastMessageAt',
      filter: { assignee: null, updatedSince: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('a key’s channels become the filter; a channel outside them is empty', () => {
    expect(normalizeQuery({}, ['whatsapp', 'sms'])).toEqual({ sort: '-lastMessageAt', filter: { channels: ['sms', 'whatsapp'] } });
    expect(normalizeQuery({ channel: 'sms' }, ['whatsapp', 'sms'])).toEqual({ sort: '-lastMessageAt', filter: { channels: ['sms'] } });
    expect(normalizeQuery({ channel: 'email' }, ['sms'])).toBe('empty');
    expect(normalizeQuery({}, [])).toBe('empty');
  });

  it('the fingerprint ignores order and spelling of the same query, not its meaning', () => {
    const fp = queryFingerprint;
    expect(fp({ status: ['open', 'pending'] }, undefined)).toBe(fp({ status: ['pending', 'open'] }, undefined));
    expect(fp({}, undefined)).toBe(fp({ sort: '-lastMessageAt' }, undefined));
    expect(fp({ updatedSince: '2026-01-01T02:00:00+02:00' }, undefined)).toBe(fp({ updatedSince: '2026-01-01T00:00:00Z' }, undefined));
    expect(fp({}, undefined)).not.toBe(fp({}, ['sms']));
    expect(fp({ assignee: 'none' }, undefined)).not.toBe(fp({ assignee: 'ana' }, undefined));
  });

  it('a ticket sits in the SLA index only while it has an active SLA; a name cannot pose as unassigned', () => {
    const t = { id: '01J00000000000000000000001', status: 'open', channel: 'sms', contactId: 'C', createdAt: timeAt(0), lastMessageAt: timeAt(1), tags: [] } as unknown as Ticket;
    expect(ticketIndexKeys(t).bySlaDue).toBeUndefined();
    expect(ticketIndexKeys({ ...t, slaDueAt: timeAt(5) }).bySlaDue?.sk).toBe(`${timeAt(5)}#${t.id}`);
    expect(ticketIndexKeys(t).byUpdated?.sk).toBe(`${timeAt(1)}#${t.id}`); // stored before updatedAt: its last message
    expect(ticketIndexKeys({ ...t, assignee: 'none' }).byAssignee?.pk).not.toBe(ticketIndexKeys(t).byAssignee?.pk);
  });
});

describe('a contact with more tickets than are read whole', () => {
  it('is read through the sort’s own index with the contact as a filter, still complete and in order', async () => {
    const many = Array.from({ length: 8 }, (_, k) => sixtyTickets((i) => ({ id: `01J${String(k * 60 + i).padStart(23, '0')}`, lastMessageAt: timeAt((i * 7 + k * 13) % 50), contactId: contactIds[k % 2]! }))).flat();
    const { deps: d, mem } = deps(many);
    const { ids } = await walk(d, { contactId: contactIds[0]!, status: ['open', 'resolved'] }, 40);
    expect(ids).toEqual(expected(many, normalizeQuery({ contactId: contactIds[0]!, status: ['open', 'resolved'] }, undefined) as NormalizedQuery));
    expect(ids.length).toBeGreaterThan(80);
    expect(new Set(mem.calls.map((c) => c.index))).toEqual(new Set(['byContact', 'byStatus']));
  });
});
