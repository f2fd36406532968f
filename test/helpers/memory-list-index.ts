/**
 * The list indexes in memory, with DynamoDB's Query semantics: items of one partition in sort-key
 * order within exclusive bounds, at most `limit` evaluated, the filter applied to those, and a last
 * evaluated key when the limit stopped the read (sometimes also when nothing is left, as DynamoDB
 * does). Items come from the store's own placement (ticketIndexKeys).
 */
import fc from 'fast-check';
import type { ListQuery, ListRead } from '../../functions/core/ports.ts';
import { LIST_SORTS, SYNC_SETTLE_MS, matches, sortKeys, ticketIndexKeys, type ListParams, type NormalizedQuery } from '../../functions/core/ticket-query.ts';
import { CHANNELS, PRIORITIES, TICKET_STATUSES, type Ticket } from '../../functions/core/types.ts';

export function memoryIndex(tickets: readonly Ticket[], opts: { lastWhenExhausted?: (q: ListQuery) => boolean } = {}) {
  const calls: ListQuery[] = [];
  async function listTickets(q: ListQuery): Promise<ListRead> {
    calls.push(q);
    const rows = tickets
      .flatMap((t) => {
        const at = ticketIndexKeys(t)[q.index];
        return at && at.pk === q.partition ? [{ sk: at.sk, t }] : [];
      })
      .filter((r) => (q.after === undefined || r.sk > q.after) && (q.before === undefined || r.sk < q.before))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0) * (q.descending ? -1 : 1));
    const evaluated = rows.slice(0, q.limit);
    const stopped = rows.length > q.limit || (rows.length === q.limit && (opts.lastWhenExhausted?.(q) ?? true));
    return {
      tickets: evaluated.filter((r) => matches(r.t, q.filter)).map((r) => r.t),
      ...(stopped && evaluated.length ? { last: evaluated.at(-1)!.sk } : {}),
      read: evaluated.length,
    };
  }
  return { listTickets, calls };
}

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const CONTACTS = ['01J0000000000000000000000A', '01J0000000000000000000000B', '01J0000000000000000000000C'];

/** Random tickets: few distinct times (ties broken by id), statuses, channels, assignees, tags, SLAs. */
export const ticketsArb = (max = 60) =>
  fc
    .array(
      fc.record({
        status: fc.constantFrom(...TICKET_STATUSES),
        channel: fc.constantFrom(...CHANNELS.slice(0, 3)),
        priority: fc.constantFrom(...PRIORITIES),
        assignee: fc.constantFrom(undefined, 'ana', 'bo'),
        tags: fc.subarray(['vip', 'refund']),
        contactId: fc.constantFrom(...CONTACTS),
        created: fc.integer({ min: 0, max: 30 }),
        activity: fc.integer({ min: 0, max: 30 }),
        updated: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        sla: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
      }),
      { maxLength: max },
    )
    .map((rows) =>
      rows.map(
        (r, i): Ticket => ({
          id: `01J${String(i).padStart(23, '0')}`,
          status: r.status,
          priority: r.priority,
          channel: r.channel,
          provider: 'p',
          contactId: r.contactId,
          threadKey: `k${i}`,
          inboxAddress: 'in',
          customerAddress: `c${i}`,
          ...(r.assignee ? { assignee: r.assignee } : {}),
          tags: r.tags,
          createdAt: iso(r.created),
          lastMessageAt: iso(r.created + r.activity),
          messageCount: 1,
          reopenCount: 0,
          ...(r.updated !== undefined ? { updatedAt: iso(r.created + r.updated) } : {}),
          ...(r.sla !== undefined ? { slaDueAt: iso(r.sla) } : {}),
          version: 1,
        }),
      ),
    );

export const contactIds = CONTACTS;
export const timeAt = iso;

/** Any combination of list parameters over the values ticketsArb uses. */
export const paramsArb: fc.Arbitrary<ListParams> = fc.record(
  {
    status: fc.subarray([...TICKET_STATUSES], { minLength: 1 }),
    channel: fc.constantFrom(...CHANNELS.slice(0, 3)),
    priority: fc.constantFrom(...PRIORITIES),
    assignee: fc.constantFrom('ana', 'bo', 'none'),
    tag: fc.constantFrom('vip', 'refund'),
    contactId: fc.constantFrom(...CONTACTS),
    updatedSince: fc.integer({ min: 0, max: 50 }).map(iso),
    sort: fc.constantFrom(...LIST_SORTS),
  },
  { requiredKeys: [] },
);

/** Sixty tickets a minute apart (statuses in turn), with `over` applied to each. */
export const sixtyTickets = (over: (i: number) => Partial<Ticket> = () => ({})): Ticket[] =>
  Array.from({ length: 60 }, (_, i) => ({
    id: `01J${String(i).padStart(23, '0')}`,
    status: TICKET_STATUSES[i % 4]!,
    priority: 'normal',
    channel: 'sms',
    provider: 'p',
    contactId: CONTACTS[0]!,
    threadKey: `k${i}`,
    inboxAddress: 'in',
    customerAddress: `c${i}`,
    tags: [],
    createdAt: iso(i),
    lastMessageAt: iso(i),
    messageCount: 1,
    reopenCount: 0,
    version: 1,
    ...over(i),
  }));

/** The whole list a query must give, in order, by an in-memory sort + filter (sync: settled changes only, as of `now`). */
export function expectedOrder(all: readonly Ticket[], q: NormalizedQuery, now: Date): string[] {
  const by = (key: (t: Ticket) => string, desc: boolean) => (a: Ticket, b: Ticket) => (key(a) < key(b) ? -1 : 1) * (desc ? -1 : 1);
  const xs = all.filter((t) => matches(t, q.filter));
  switch (q.sort) {
    case '-lastMessageAt':
    case 'lastMessageAt':
      return xs.sort(by(sortKeys.activity, q.sort[0] === '-')).map((t) => t.id);
    case '-createdAt':
    case 'createdAt':
      return xs.sort(by(sortKeys.created, q.sort[0] === '-')).map((t) => t.id);
    case 'slaDueAt':
      return [...xs.filter((t) => t.slaDueAt).sort(by((t) => sortKeys.sla(t)!, false)), ...xs.filter((t) => !t.slaDueAt).sort(by(sortKeys.activity, true))].map((t) => t.id);
    case 'updatedAt': {
      const settled = new Date(now.getTime() - SYNC_SETTLE_MS).toISOString();
      return xs.filter((t) => sortKeys.updated(t) < settled).sort(by(sortKeys.updated, false)).map((t) => t.id);
    }
  }
}
