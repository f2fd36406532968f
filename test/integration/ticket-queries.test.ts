/**
 * GET /v1/tickets on the real stack (DynamoDB Local, real HTTP): every filter and sort against an
 * in-memory sort + filter of the same tickets, the read bound, cursors, a channel-restricted key, and
 * walks of 500+ tickets while tickets are created and changed. 520 tickets are seeded straight into
 * the table with the store's own item builder (ticketItem); signed webhooks make the rest.
 */
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketItem } from '../../functions/adapters/dynamo-store.ts';
import { backfillListIndexes } from '../../scripts/backfill-list-indexes.ts';
import { LIST_READ_BOUND, SYNC_SETTLE_MS, normalizeQuery, sortKeys, type ListParams, type NormalizedQuery } from '../../functions/core/ticket-query.ts';
import { TICKET_STATUSES, type Channel, type Ticket } from '../../functions/core/types.ts';
import { expectedOrder } from '../helpers/memory-list-index.ts';
import { API_KEY, READ_ONLY_KEY, api, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

const SMS_KEY = 'sms-desk-key-0123456789';
const ulid = monotonicFactory();
const CONTACT = ulid();
const NOW = Date.now();
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

let stack: TestStack;
let seeded: Ticket[] = [];

function seedTicket(i: number): Ticket {
  const status = TICKET_STATUSES[i % 4]!;
  const channel = (['sms', 'whatsapp', 'email'] as const)[i % 3]!;
  const created = 3000 - i * 5; // minutes ago
  const last = created - ((i * 37) % 120);
  return {
    id: ulid(),
    status,
    priority: i % 10 === 0 ? 'urgent' : i % 5 === 0 ? 'high' : 'normal',
    channel,
    provider: channel === 'sms' ? 'twilio' : channel === 'whatsapp' ? 'meta' : 'postmark',
    contactId: i < 3 ? CONTACT : ulid(),
    threadKey: `seed|${i}`,
    inboxAddress: '+15550001111',
    customerAddress: `seed-${i}`,
    ...(i % 7 === 0 ? { assignee: 'ana' } : i % 7 === 1 ? { assignee: 'bo' } : {}),
    tags: i % 50 === 7 ? ['rare'] : i % 3 === 0 ? ['vip'] : [],
    createdAt: at(created),
    lastMessageAt: at(last),
    messageCount: 1,
    reopenCount: 0,
    // Some stored before updatedAt existed: they count as changed with their last message.
    ...(i % 11 === 0 ? {} : { updatedAt: at(last - ((i * 11) % 50) - 1) }),
    ...(status === 'open' && i % 2 === 0 ? { slaDueAt: at(-((i * 13) % 1000)) } : {}),
    version: 1,
  };
}

async function seed(tickets: readonly Ticket[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(stack.clients.dynamo);
  const table = stack.runtime.config.tableName;
  for (let i = 0; i < tickets.length; i += 25) {
    let items = tickets.slice(i, i + 25).map((t) => ({ PutRequest: { Item: ticketItem(t) } }));
    while (items.length) {
      const r = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
      items = (r.UnprocessedItems?.[table] ?? []) as typeof items;
    }
  }
}

const qs = (p: Record<string, string | number | undefined>) =>
  Object.entries(p)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

/** Walk a list to its end (sync: until a page is empty); every page within the limit. */
async function walk(query: Record<string, string | number | undefined>, o: { key?: string; limit?: number; onPage?: (n: number) => Promise<void> } = {}) {
  const limit = o.limit ?? 100;
  const ids: string[] = [];
  const views: Array<{ id: string; updatedAt: string }> = [];
  const pages: Array<{ n: number; cursor: string | null }> = [];
  let cursor: string | null = null;
  for (let n = 0; n < 400; n++) {
    const r = await api(stack, 'GET', `/v1/tickets?${qs({ ...query, limit, cursor: cursor ?? undefined })}`, undefined, o.key ? { authorization: `Bearer ${o.key}` } : {});
    expect(r.status, r.text).toBe(200);
    expect(r.json.tickets.length).toBeLessThanOrEqual(limit);
    ids.push(...r.json.tickets.map((t: { id: string }) => t.id));
    views.push(...r.json.tickets);
    pages.push({ n: r.json.tickets.length, cursor: r.json.nextCursor });
    const sync = query['sort'] === 'updatedAt';
    if (!r.json.nextCursor || (sync && r.json.tickets.length === 0)) return { ids, views, pages, cursor: r.json.nextCursor as string | null };
    cursor = r.json.nextCursor;
    await o.onPage?.(n);
  }
  throw new Error('the walk did not end');
}

const toParams = (p: Record<string, string>): ListParams => ({
  ...(p['status'] ? { status: p['status'].split(',') as ListParams['status'] } : {}),
  ...(p['channel'] ? { channel: p['channel'] as Channel } : {}),
  ...(p['priority'] ? { priority: p['priority'] as ListParams['priority'] } : {}),
  ...(p['assignee'] ? { assignee: p['assignee'] } : {}),
  ...(p['tag'] ? { tag: p['tag'] } : {}),
  ...(p['contactId'] ? { contactId: p['contactId'] } : {}),
  ...(p['updatedSince'] ? { updatedSince: p['updatedSince'] } : {}),
  ...(p['sort'] ? { sort: p['sort'] as ListParams['sort'] } : {}),
});
const expectedFor = (p: Record<string, string>, all: readonly Ticket[] = seeded, allowed?: readonly Channel[]) =>
  expectedOrder(all, normalizeQuery(toParams(p), allowed) as NormalizedQuery, new Date());

beforeAll(async () => {
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { key: READ_ONLY_KEY, scopes: ['tickets:read'], name: 'reporting' },
      { key: SMS_KEY, scopes: ['tickets:read'], name: 'sms-desk', channels: ['sms'] },
    ]),
  });
  seeded = Array.from({ length: 520 }, (_, i) => seedTicket(i));
  await seed(seeded);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('GET /v1/tickets: every filter and sort', () => {
  const since = at(1500);
  const cases: Array<Record<string, string>> = [
    {},
    ...['-lastMessageAt', 'lastMessageAt', 'createdAt', '-createdAt', 'slaDueAt', 'updatedAt'].map((sort) => ({ sort })),
    { status: 'open' },
    { status: 'pending,open' },
    { status: 'resolved,closed,open,pending' },
    { channel: 'sms' },
    { channel: 'email', status: 'resolved' },
    { priority: 'urgent' },
    { assignee: 'ana' },
    { assignee: 'none', status: 'open' },
    { assignee: 'bo', status: 'open,pending', sort: 'createdAt' },
    { tag: 'vip', channel: 'whatsapp' },
    { contactId: CONTACT },
    { contactId: CONTACT, sort: '-createdAt' },
    { contactId: CONTACT, sort: 'slaDueAt' },
    { updatedSince: since },
    { updatedSince: since, sort: 'updatedAt' },
    { updatedSince: since, sort: 'updatedAt', status: 'open', channel: 'sms' },
    { status: 'open', sort: 'slaDueAt' },
    { assignee: 'ana', sort: 'slaDueAt' },
    { channel: 'sms', priority: 'high', sort: 'lastMessageAt' },
    { status: 'closed', sort: '-createdAt', tag: 'vip' },
    { assignee: 'none', priority: 'normal', channel: 'email', sort: 'createdAt', updatedSince: since },
  ];
  it.each(cases)('%j gives exactly the matching tickets, in order', async (p) => {
    const want = expectedFor(p);
    const { ids } = await walk(p, { limit: 37 });
    expect(ids).toEqual(want);
  });

  it('covers the seeded set (so every case above compared something)', () => {
    expect(expectedFor({}).length).toBe(520);
    expect(expectedFor({ tag: 'rare' }).length).toBeGreaterThan(5);
    expect(expectedFor({ contactId: CONTACT }).length).toBe(3);
    expect(expectedFor({ status: 'open', sort: 'slaDueAt' }).filter((id) => seeded.find((t) => t.id === id)!.slaDueAt).length).toBeGreaterThan(30);
  });
});

describe('the read bound', () => {
  it(`a rare filter returns short pages with a nextCursor (at most ${LIST_READ_BOUND} index items read per page), and walking finds every match`, async () => {
    const reads: number[] = [];
    let current = 0;
    stack.clients.dynamo.middlewareStack.add(
      (next, ctx) => async (args) => {
        const r = await next(args);
        if (ctx.commandName === 'QueryCommand' && (args.input as { IndexName?: string }).IndexName) current += (r.output as { ScannedCount?: number }).ScannedCount ?? 0;
        return r;
      },
      { step: 'initialize', name: 'countListReads' },
    );
    try {
      const { ids, pages } = await walk({ tag: 'rare' }, {
        limit: 25,
        onPage: async () => {
          reads.push(current);
          current = 0;
        },
      });
      reads.push(current);
      expect(ids).toEqual(expectedFor({ tag: 'rare' }));
      expect(pages[0]!.n).toBeLessThan(25);
      expect(pages[0]!.cursor).not.toBeNull();
      expect(pages.length).toBeGreaterThan(1);
      expect(Math.max(...reads)).toBeLessThanOrEqual(LIST_READ_BOUND);
    } finally {
      stack.clients.dynamo.middlewareStack.remove('countListReads');
    }
  });
});

describe('cursors', () => {
  it('are refused (400 invalid_cursor) when reused with other filters or sort, tampered with, or foreign', async () => {
    const first = await api(stack, 'GET', '/v1/tickets?status=open&limit=5');
    const cursor: string = first.json.nextCursor;
    expect(cursor).toBeTruthy();
    expect((await api(stack, 'GET', `/v1/tickets?status=open&limit=50&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200); // limit may change
    // Sealed (AES-GCM): the payload is not readable, and any changed byte is refused.
    const raw = Buffer.from(cursor, 'base64url');
    expect(raw.toString('latin1')).not.toMatch(/"p"|#01/);
    const flipped = Buffer.from(raw);
    flipped[20] = flipped[20]! ^ 1;
    const forged = flipped.toString('base64url');
    const truncated = raw.subarray(0, raw.length - 1).toString('base64url');
    const events = (await api(stack, 'GET', `/v1/tickets/${seeded[0]!.id}/events?limit=1`)).json;
    const bad = [
      `status=pending&cursor=${encodeURIComponent(cursor)}`,
      `status=open&sort=createdAt&cursor=${encodeURIComponent(cursor)}`,
      `status=open&tag=vip&cursor=${encodeURIComponent(cursor)}`,
      `status=open&cursor=${encodeURIComponent(forged)}`,
      `status=open&cursor=${encodeURIComponent(truncated)}`,
      `status=open&cursor=garbage`,
      ...(events.nextCursor ? [`status=open&cursor=${encodeURIComponent(events.nextCursor)}`] : []),
    ];
    for (const q of bad) {
      const r = await api(stack, 'GET', `/v1/tickets?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json.error.code).toBe('invalid_cursor');
    }
    // The same query with its parameters in another order is the same list.
    expect((await api(stack, 'GET', `/v1/tickets?limit=5&status=open&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
  });

  it('a channel-restricted key sees only its channels, gets an empty page for another, and cannot use an unrestricted key’s cursor', async () => {
    for (const p of [{}, { sort: 'updatedAt' }, { sort: 'slaDueAt', status: 'open' }, { assignee: 'ana' }, { sort: 'createdAt' }] as Array<Record<string, string>>) {
      const { ids } = await walk(p, { key: SMS_KEY });
      expect(ids).toEqual(expectedFor(p, seeded, ['sms']));
      expect(ids.every((id) => seeded.find((t) => t.id === id)!.channel === 'sms')).toBe(true);
    }
    const other = await api(stack, 'GET', '/v1/tickets?channel=email', undefined, { authorization: `Bearer ${SMS_KEY}` });
    expect(other.status).toBe(200);
    expect(other.json).toEqual({ tickets: [], nextCursor: null });
    const cursor = (await api(stack, 'GET', '/v1/tickets?limit=2')).json.nextCursor;
    const reuse = await api(stack, 'GET', `/v1/tickets?limit=2&cursor=${encodeURIComponent(cursor)}`, undefined, { authorization: `Bearer ${SMS_KEY}` });
    expect(reuse.status).toBe(400);
    // A read-only key with every channel lists like the agent key.
    expect((await walk({ status: 'pending' }, { key: READ_ONLY_KEY })).ids).toEqual(expectedFor({ status: 'pending' }));
  });
});

describe('bad parameters', () => {
  it.each([
    'status=bogus',
    'status=open,bogus',
    'status=',
    'status=open,',
    'sort=priority',
    'sort=-slaDueAt',
    'assignee=',
    'assignee=%20%20',
    'contactId=not-a-ulid',
    'contactId=01J0000000000000000000000',
    'updatedSince=yesterday',
    'updatedSince=2026-13-45T00:00:00Z',
    'updatedSince=2026-01-01',
    'priority=meh',
    'tag=' + 'x'.repeat(65),
    'colour=red',
    'status=open&status=pending',
  ])('%s is a 400 with the parameter named', async (q) => {
    const r = await api(stack, 'GET', `/v1/tickets?${q}`);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toMatch(/^invalid_/);
  });
});

describe('walks under concurrent writes', () => {
  it('the default list (latest activity first) returns every pre-existing ticket exactly once while tickets are created and changed', async () => {
    const before = new Set(expectedFor({}));
    const changed = seeded.filter((_, i) => i % 9 === 4).slice(0, 40);
    let created = 0;
    const { ids } = await walk({}, {
      limit: 25,
      onPage: async (n) => {
        // Between pages: a new ticket arrives, and existing ones change status, assignee, tags, priority, or get a note.
        await sendSms(stack, { from: uniquePhone(), body: `new during walk ${n}` });
        created++;
        const writes = await Promise.all(
          changed.slice(n * 2, n * 2 + 2).map((t, k) =>
            k === 0
              ? api(stack, 'PATCH', `/v1/tickets/${t.id}`, { status: t.status === 'closed' ? undefined : 'resolved', assignee: 'carla', tags: ['moved'], priority: 'high' })
              : api(stack, 'POST', `/v1/tickets/${t.id}/notes`, { text: 'looked at it' }),
          ),
        );
        for (const w of writes) expect(w.status, w.text).toBeLessThan(300);
      },
    });
    expect(created).toBeGreaterThan(15);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of before) expect(ids.filter((x) => x === id)).toHaveLength(1);
  });

  it('sync returns every ticket once per change, oldest change first: a change during the walk comes after the settle window, and nothing else repeats', async () => {
    const current = await fetchAll();
    const baseline = expectedOrder(current, { sort: 'updatedAt', filter: {} }, new Date());
    const changed = seeded.filter((_, i) => i % 13 === 6).slice(0, 24);
    const newPhones: string[] = [];
    const first = await walk({ sort: 'updatedAt' }, {
      limit: 40,
      onPage: async (n) => {
        const phone = uniquePhone();
        newPhones.push(phone);
        await sendSms(stack, { from: phone, body: `sync ${n}` });
        const writes = await Promise.all(changed.slice(n * 2, n * 2 + 2).map((t) => api(stack, 'PATCH', `/v1/tickets/${t.id}`, { tags: ['synced', `page-${n}`] })));
        for (const w of writes) expect(w.status, w.text).toBe(200);
      },
    });
    expect(first.cursor).toBeTruthy(); // sync always hands back where to resume
    expect(new Set(first.ids).size).toBe(first.ids.length);
    const patched = new Set(changed.slice(0, (first.pages.length - 1) * 2).map((t) => t.id));
    expect(patched.size).toBeGreaterThan(4);
    const keys = first.views.map((v) => `${v.updatedAt}#${v.id}`);
    expect([...keys].sort()).toEqual(keys); // oldest change first
    // Everything settled when the walk began was returned, except tickets changed before the walk
    // reached them: those come with the next poll.
    for (const id of baseline) if (!patched.has(id)) expect(first.ids).toContain(id);
    // After the settle window the same cursor returns exactly what changed after the last ticket returned.
    const later = Date.now() + SYNC_SETTLE_MS + 5_000;
    stack.setNow(new Date(later).toISOString());
    try {
      const next = await walkFrom(first.cursor!);
      const all = await fetchAll();
      const lastKey = keys.at(-1)!;
      const want = expectedOrder(all, { sort: 'updatedAt', filter: {} }, new Date(later)).filter((id) => sortKeys.updated(all.find((t) => t.id === id)!) > lastKey);
      expect(next).toEqual(want);
      for (const id of patched) expect(next).toContain(id);
      for (const phone of newPhones) expect(next).toContain(all.find((t) => t.customerAddress === phone)!.id);
      expect(next.filter((id) => first.ids.includes(id) && !patched.has(id) && !newPhones.includes(all.find((t) => t.id === id)!.customerAddress))).toEqual([]);
    } finally {
      stack.setNow(undefined);
    }
  });

  it('every change bumps updatedAt: a message, a PATCH, a note', async () => {
    const from = uniquePhone();
    await sendSms(stack, { from });
    const t0 = (await fetchAll()).find((t) => t.customerAddress === from)!;
    expect(t0.updatedAt).toBeTruthy();
    const view = (await api(stack, 'GET', `/v1/tickets/${t0.id}`)).json.ticket;
    expect(view.updatedAt).toBe(t0.updatedAt);
    await new Promise((r) => setTimeout(r, 5));
    const patched = (await api(stack, 'PATCH', `/v1/tickets/${t0.id}`, { priority: 'urgent' })).json.ticket;
    expect(patched.updatedAt > t0.updatedAt!).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    await api(stack, 'POST', `/v1/tickets/${t0.id}/notes`, { text: 'note' });
    const afterNote = (await api(stack, 'GET', `/v1/tickets/${t0.id}`)).json.ticket;
    expect(afterNote.updatedAt > patched.updatedAt).toBe(true);
    expect(afterNote.lastMessageAt).toBe(t0.lastMessageAt); // a note is a change, not customer activity
    await sendSms(stack, { from, body: 'again' });
    const afterMessage = (await api(stack, 'GET', `/v1/tickets/${t0.id}`)).json.ticket;
    expect(afterMessage.updatedAt > afterNote.updatedAt).toBe(true);
  });
});

describe('tickets stored before the query indexes', () => {
  it('are re-indexed by the backfill (a Query per byStatus partition, never a Scan) and then listed everywhere', async () => {
    const doc = DynamoDBDocumentClient.from(stack.clients.dynamo);
    const table = stack.runtime.config.tableName;
    const { updatedAt: _u, ...legacy } = seedTicket(520); // like the seeded ones, hours old
    const item = Object.fromEntries(Object.entries(ticketItem(legacy)).filter(([k]) => !/^GSI[4-8](PK|SK)$/.test(k)));
    await doc.send(new BatchWriteCommand({ RequestItems: { [table]: [{ PutRequest: { Item: item } }] } }));
    const listed = async (q: string) => (await walk({ ...Object.fromEntries(new URLSearchParams(q)) })).ids.includes(legacy.id);
    expect(await listed('')).toBe(false);
    expect(await listed(`status=${legacy.status}`)).toBe(true); // byStatus always had it
    const counts = await backfillListIndexes(doc, table);
    expect(counts.rewritten).toBe(1);
    expect(await listed('')).toBe(true);
    expect(await listed('sort=updatedAt')).toBe(true); // changed with its last message
    expect(await listed('sort=createdAt')).toBe(true);
    expect((await backfillListIndexes(doc, table)).rewritten).toBe(0); // once is enough
  });
});

/** Every ticket as stored (through the store, not the list under test). */
async function fetchAll(): Promise<Ticket[]> {
  const ids = new Set<string>(seeded.map((t) => t.id));
  const r = await walkIds({ sort: '-createdAt' });
  for (const id of r) ids.add(id);
  // 25 reads at a time: 500 at once made DynamoDB Local (one JVM on two shared cores) miss the
  // clients' 1.5 s connection timeout now and then.
  const all = [...ids];
  const out: Ticket[] = [];
  for (let i = 0; i < all.length; i += 25) {
    for (const t of await Promise.all(all.slice(i, i + 25).map((id) => stack.runtime.deps.store.getTicket(id)))) if (t) out.push(t);
  }
  return out;
}

async function walkIds(p: Record<string, string>): Promise<string[]> {
  return (await walk(p)).ids;
}

async function walkFrom(cursor: string): Promise<string[]> {
  const ids: string[] = [];
  let c = cursor;
  for (let n = 0; n < 100; n++) {
    const r = await api(stack, 'GET', `/v1/tickets?sort=updatedAt&limit=50&cursor=${encodeURIComponent(c)}`);
    expect(r.status).toBe(200);
    expect(r.json.nextCursor).toBeTruthy();
    ids.push(...r.json.tickets.map((t: { id: string }) => t.id));
    if (r.json.tickets.length === 0) return ids;
    c = r.json.nextCursor;
  }
  throw new Error('sync did not catch up');
}

