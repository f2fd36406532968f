/** The store as one API key sees it: other channels' tickets are "not found" everywhere; writes carry the key. */
import { describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../functions/core/auth.ts';
import type { ChangeRecord, CoreDeps, TicketStore } from '../../functions/core/ports.ts';
import { stampVia, storeFor } from '../../functions/core/scoped-store.ts';
import { responseTimeReport } from '../../functions/core/services/reports.ts';
import type { TicketEvent } from '../../functions/core/ticket-events.ts';
import type { Channel, Ticket } from '../../functions/core/types.ts';

const ticket = (id: string, channel: Channel): Ticket =>
  ({ id, channel, status: 'open', priority: 'normal', tags: [], version: 3, createdAt: '2026-01-01T00:00:00Z', lastMessageAt: '2026-01-01T00:00:00Z' }) as unknown as Ticket;
const SMS = ticket('T-SMS', 'sms');
const MAIL = ticket('T-MAIL', 'email');
const event = (over: Partial<TicketEvent> = {}): TicketEvent =>
  ({ id: 'E1', ticketId: SMS.id, type: 'note.added', at: '2026-01-01T00:00:00Z', actor: 'agent:ann', messageId: 'M1', ...over }) as TicketEvent;
const change = (events: TicketEvent[]): ChangeRecord => ({ events, stats: [] });

function fakeStore() {
  const tickets = new Map([SMS, MAIL].map((t) => [t.id, t]));
  const store = {
    getTicket: vi.fn(async (id: string) => tickets.get(id)),
    getMessages: vi.fn(async (id: string) => [{ id: `${id}-m1` }]),
    getMessage: vi.fn(async (id: string, mid: string) => ({ id: mid, ticketId: id })),
    listEvents: vi.fn(async (id: string) => ({ events: [event({ ticketId: id })] })),
    listTickets: vi.fn(async () => ({ tickets: [SMS, MAIL], last: 'k', read: 2 })),
    listTicketsByContact: vi.fn(async () => [MAIL, SMS]),
    getIdempotentResult: vi.fn(async (key: string) => ({ ticketId: key.split('#')[0]!, messageId: 'M1', requestHash: 'h' })),
    queryStats: vi.fn(async (pk: string) => [{ pk }]),
    appendMessage: vi.fn(async () => undefined),
    updateTicket: vi.fn(async () => undefined),
  };
  return { store, view: (p: Principal) => storeFor(store as unknown as TicketStore, p) };
}

const smsDesk: Principal = { name: 'sms-desk', scopes: new Set(['tickets:read', 'tickets:write']), channels: ['sms'] };
const agent: Principal = { name: 'agent', scopes: new Set(['tickets:read', 'tickets:write']) };

describe('a key restricted to some channels', () => {
  it('finds no ticket of another channel, nor its messages, events or idempotency records', async () => {
    const { view } = fakeStore();
    const s = view(smsDesk);
    expect(await s.getTicket(MAIL.id)).toBeUndefined();
    expect(await s.getTicket(SMS.id)).toBe(SMS);
    expect(await s.getTicket('missing')).toBeUndefined();
    expect(await s.getMessages(MAIL.id)).toEqual([]);
    expect(await s.getMessages(SMS.id)).toEqual([{ id: 'T-SMS-m1' }]);
    expect(await s.getMessage(MAIL.id, 'M1', 'x')).toBeUndefined();
    expect(await s.listEvents(MAIL.id, 10)).toEqual({ events: [] });
    expect((await s.listEvents(SMS.id, 10)).events).toHaveLength(1);
    expect(await s.getIdempotentResult(`${MAIL.id}#key-1`)).toBeUndefined();
    expect(await s.getIdempotentResult(`${SMS.id}#key-1`)).toMatchObject({ ticketId: SMS.id });
    expect(await s.getIdempotentResult('missing#key-1')).toBeUndefined();
  });

  it('lists only its channels', async () => {
    const { view, store } = fakeStore();
    const s = view(smsDesk);
    expect(await s.listTickets({ index: 'byStatus', partition: 'STATUS#open#0', descending: true, filter: {}, limit: 10 })).toEqual({ tickets: [SMS], last: 'k', read: 2 });
    expect(store.listTickets).toHaveBeenCalledTimes(1);
    expect(await s.listTicketsByContact('C1', 10)).toEqual([SMS]);
  });

  it('reads report partitions of its channels only (never the all-channel priority ones)', async () => {
    const { view } = fakeStore();
    const s = view(smsDesk);
    expect(await s.queryStats('STATS#channel#sms', '2026-01-01', '2026-01-02')).toHaveLength(1);
    expect(await s.queryStats('STATS#cp#sms#high', '2026-01-01', '2026-01-02')).toHaveLength(1);
    for (const pk of ['STATS#channel#email', 'STATS#cp#email#high', 'STATS#priority#high', 'STATS#channel#smsx', 'other']) {
      expect(await s.queryStats(pk, '2026-01-01', '2026-01-02'), pk).toEqual([]);
    }
  });

  it('cannot write to another channel’s ticket (404, nothing written)', async () => {
    const { view, store } = fakeStore();
    const s = view(smsDesk);
    await expect(s.updateTicket(MAIL, 3, change([event({ ticketId: MAIL.id })]))).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(s.appendMessage({ ticket: MAIL, expectedVersion: 3, message: {} as never, change: change([]) })).rejects.toMatchObject({ status: 404 });
    expect(store.updateTicket).not.toHaveBeenCalled();
    expect(store.appendMessage).not.toHaveBeenCalled();
  });
});

describe('every API write records the key', () => {
  it('stamps via: api:<key name> on each event, keeping the actor', async () => {
    const { view, store } = fakeStore();
    await view(agent).updateTicket(SMS, 3, change([event(), event({ id: 'E2', type: 'status.changed', from: 'open', to: 'pending' } as never)]));
    const written = store.updateTicket.mock.calls[0] as unknown as [Ticket, number, ChangeRecord];
    expect(written[2].events.map((e) => [e.actor, e.via])).toEqual([
      ['agent:ann', 'api:agent'],
      ['agent:ann', 'api:agent'],
    ]);
    await view(smsDesk).appendMessage({ ticket: SMS, expectedVersion: 3, message: {} as never, change: change([event()]) });
    const appended = store.appendMessage.mock.calls[0] as unknown as [{ change: ChangeRecord }];
    expect(appended[0].change.events[0]!.via).toBe('api:sms-desk');
  });

  it('leaves an event already stamped alone', () => {
    expect(stampVia(change([event({ via: 'api:first' })]), 'second').events[0]!.via).toBe('api:first');
  });

  it('an unrestricted key sees every channel', async () => {
    const { view } = fakeStore();
    const s = view(agent);
    expect(await s.getTicket(MAIL.id)).toBe(MAIL);
    expect(await s.queryStats('STATS#priority#high', 'a', 'b')).toHaveLength(1);
    expect((await s.listTickets({ index: 'byStatus', partition: 'STATUS#open#0', descending: true, filter: {}, limit: 10 })).tickets).toHaveLength(2);
  });
});

describe('responseTimeReport for a restricted key', () => {
  const counters = (n: number) => ({ firstReply_c_n: n, firstReply_c_sum: n * 10, [`firstReply_c_b_${100}`]: n });
  const stats: Record<string, Record<string, number>> = {
    'STATS#cp#sms#high': counters(2),
    'STATS#cp#whatsapp#high': counters(3),
    'STATS#cp#email#high': counters(7),
    'STATS#priority#high': counters(12),
    'STATS#channel#sms': counters(2),
    'STATS#channel#email': counters(7),
  };
  const deps = (p: Principal) => {
    const store = { queryStats: vi.fn(async (pk: string) => (stats[pk] ? [stats[pk]] : [])) };
    return { deps: { store: storeFor(store as unknown as TicketStore, p) } as unknown as CoreDeps, store };
  };
  const q = (groupBy: 'channel' | 'priority' | 'channel,priority') => ({ from: '2026-01-01', to: '2026-01-01', groupBy });

  it('groups by priority from its channels’ channel-and-priority aggregates only', async () => {
    const { deps: d, store } = deps({ ...smsDesk, channels: ['sms', 'whatsapp'] });
    const r = await responseTimeReport(d, q('priority'), ['sms', 'whatsapp']);
    expect(r.groups.map((g) => [g.priority, g.firstReply.count])).toEqual([['high', 5]]);
    expect(store.queryStats.mock.calls.map((c) => c[0])).not.toContain('STATS#priority#high');
  });

  it('groups by channel over its channels only; an unrestricted key keeps the all-channel partitions', async () => {
    expect((await responseTimeReport(deps(smsDesk).deps, q('channel'), ['sms'])).groups.map((g) => [g.channel, g.firstReply.count])).toEqual([['sms', 2]]);
    expect((await responseTimeReport(deps(smsDesk).deps, q('channel,priority'), ['sms'])).groups.map((g) => `${g.channel}/${g.priority}`)).toEqual(['sms/high']);
    const all = await responseTimeReport(deps(agent).deps, q('priority'));
    expect(all.groups.map((g) => [g.priority, g.firstReply.count])).toEqual([['high', 12]]);
  });
});
