/**
 * List latency at 1k vs 100k tickets: two tables on the same DynamoDB Local, seeded straight with
 * the store's own item builder (ticketItem) from a real ingested ticket, each served by its own
 * local stack; GET /v1/tickets for each inbox view (status, assignee+status, SLA due, sync, contact,
 * a filter applied within the bounded read, ...), interleaved, p50 per view and size. Reads per
 * page: the Query calls one page makes, index items evaluated and the read units returned.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../bin/local-stack.ts';
import { ticketItem } from '../functions/adapters/dynamo-store.ts';
import type { Channel, Priority, Ticket, TicketStatus } from '../functions/core/types.ts';
import { Recorder } from './instrument.ts';
import { api, targetOf } from './load.ts';
import { median, progress, ratio, round } from './stats.ts';

const STATUSES: Array<[TicketStatus, number]> = [['open', 0.3], ['pending', 0.2], ['resolved', 0.4], ['closed', 0.1]];
const CHANNELS: Array<[Channel, string, number]> = [['sms', 'twilio', 0.35], ['whatsapp', 'meta', 0.3], ['email', 'postmark', 0.25], ['messenger', 'meta', 0.1]];
const PRIORITY_MIX: Array<[Priority, number]> = [['low', 0.2], ['normal', 0.6], ['high', 0.15], ['urgent', 0.05]];
/** Half the tickets unassigned, the rest over ten agents. */
const AGENTS = 10;
const DAY = 86_400_000;
const pick = <T extends unknown[]>(xs: T[], u: number): T => {
  let acc = 0;
  for (const x of xs) if (u < (acc += x[x.length - 1] as number)) return x;
  return xs.at(-1)!;
};

/** Deterministic PRNG (mulberry32) so both tables get the same mix; successive draws are independent enough that a 5 % attribute is 5 % of every time range. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

export async function seedTickets(endpoint: string, table: string, template: Ticket, count: number, concurrency = 8): Promise<{ seconds: number; contact: string }> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 10 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const rand = rng(count);
  const ulid = monotonicFactory();
  const now = Date.now();
  const t0 = performance.now();
  let next = 0;
  // About four tickets per contact at every size, so the contact view reads the same at 1k and 100k.
  const contacts = Array.from({ length: Math.max(1, Math.floor(count / 4)) }, () => ulid());
  const { slaDueAt: _s, assignee: _a, updatedAt: _u, ...base } = template;
  const make = (i: number): Record<string, unknown> => {
    const atMs = now - Math.floor(rand() * 90 * DAY);
    const at = new Date(atMs).toISOString();
    const [status] = pick(STATUSES, rand());
    const [channel, provider] = pick(CHANNELS, rand());
    const [priority] = pick(PRIORITY_MIX, rand());
    const agent = rand();
    const sla = (status === 'open' || status === 'pending') && rand() < 0.8 ? new Date(now + Math.floor((rand() * 2 - 0.5) * DAY)).toISOString() : undefined;
    const id = ulid();
    const address = `seed-${i}`;
    return ticketItem({
      ...base,
      id,
      status,
      channel,
      provider,
      priority,
      ...(agent < 0.5 ? {} : { assignee: `agent-${Math.floor((agent - 0.5) * 2 * AGENTS)}` }),
      contactId: contacts[i % contacts.length]!,
      threadKey: `inbox|${address}`,
      customerAddress: address,
      tags: rand() < 0.1 ? ['vip'] : [],
      createdAt: at,
      lastMessageAt: at,
      updatedAt: new Date(Math.min(now - 60_000, atMs + Math.floor(rand() * 2 * DAY))).toISOString(),
      ...(sla ? { slaDueAt: sla } : {}),
      messageCount: 1 + (i % 5),
      version: 1,
    });
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const start = next;
        next = Math.min(count, next + 25);
        let items = Array.from({ length: next - start }, (_, k) => ({ PutRequest: { Item: make(start + k) } }));
        while (items.length) {
          const r = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
          items = (r.UnprocessedItems?.[table] ?? []) as typeof items;
        }
      }
    }),
  );
  client.destroy();
  return { seconds: (performance.now() - t0) / 1000, contact: contacts[0]! };
}

/** The inbox views; `contact` is replaced by a contact of the table (about four tickets each). */
export const VIEWS = (since: string): Array<{ name: string; query: string; served: string }> => [
  { name: 'no filter', query: '', served: 'byActivity (4 shards)' },
  { name: 'status=open', query: 'status=open', served: 'byStatus (4 shards)' },
  { name: 'assignee+status', query: 'assignee=agent-3&status=open', served: 'byAssignee (4 shards)' },
  { name: 'unassigned open', query: 'assignee=none&status=open', served: 'byAssignee UNASSIGNED (4 shards)' },
  { name: 'SLA due (open work)', query: 'status=open,pending&sort=slaDueAt', served: 'bySlaDue (8 partitions), sparse' },
  { name: 'updated since (sync)', query: `sort=updatedAt&updatedSince=${encodeURIComponent(since)}`, served: 'byUpdated (4 shards)' },
  { name: 'contact', query: 'contactId={contact}', served: 'byContact, read whole' },
  { name: 'channel=sms&status=open', query: 'channel=sms&status=open', served: 'byChannel (4 shards)' },
  { name: 'channel=sms', query: 'channel=sms', served: 'byChannel (16 partitions)' },
  { name: 'filter in the bounded read', query: 'status=open&priority=urgent', served: 'byStatus + FilterExpression (priority 5 %)' },
  { name: 'oldest open first', query: 'status=open&sort=createdAt', served: 'byCreated (4 shards)' },
];

export async function benchLists(main: LocalStack, stackOpts: Partial<LocalStackOptions>, o: { sizes: readonly number[]; rounds: number; perRound: number }) {
  const t = targetOf(main);
  const list = await api(t, 'GET', '/v1/tickets?limit=1');
  const id = (list.json as { tickets: Array<{ id: string }> }).tickets[0]!.id;
  const template = (await main.runtime.deps.store.getTicket(id))!;
  const stacks: Array<{ size: number; stack: LocalStack; rec: Recorder; seedSeconds: number; contact: string }> = [];
  const views = VIEWS(new Date(Date.now() - 7 * DAY).toISOString());
  const path = (v: { query: string }, s: { contact: string }) => `/v1/tickets?${v.query.replace('{contact}', s.contact)}`;
  try {
    for (const size of o.sizes) {
      const table = `bench-list-${size}`;
      const stack = await startLocalStack({
        ...stackOpts,
        port: 0,
        engines: { dynamoEndpoint: main.endpoints.dynamo, sqsEndpoint: main.endpoints.sqs },
        tableName: table,
        queuePrefix: `list${size}-`,
      });
      progress(`lists: seeding ${size} tickets`);
      const { seconds: seedSeconds, contact } = await seedTickets(main.endpoints.dynamo, table, template, size);
      progress(`lists: seeded ${size} in ${seedSeconds.toFixed(1)} s`);
      stacks.push({ size, stack, rec: new Recorder({ capacity: true }).attachDynamo(stack.clients.dynamo), seedSeconds, contact });
    }
    const lat = new Map<string, number[]>();
    const reads = new Map<string, { queries: number; scanned: number; units: number; returned: number }>();
    for (const s of stacks) for (const v of views) await api(targetOf(s.stack), 'GET', path(v, s)); // warm up
    for (let r = 0; r < o.rounds; r++) {
      progress(`lists: round ${r + 1}/${o.rounds}`);
      for (const v of views) {
        for (const s of stacks) {
          const key = `${v.name}|${s.size}`;
          for (let i = 0; i < o.perRound; i++) {
            s.rec.take();
            const res = await api(targetOf(s.stack), 'GET', path(v, s));
            if (res.status !== 200) throw new Error(`GET ${path(v, s)} -> ${res.status}`);
            const calls = s.rec.take().filter((c) => c.command === 'QueryCommand');
            if (!lat.has(key)) lat.set(key, []);
            lat.get(key)!.push(res.ms);
            reads.set(key, {
              queries: calls.length,
              scanned: calls.reduce((a, c) => a + (c.scanned ?? 0), 0),
              units: calls.reduce((a, c) => a + (c.readUnits ?? 0), 0),
              returned: (res.json as { tickets: unknown[] }).tickets.length,
            });
          }
        }
      }
    }
    const out = views.map((v) => {
      const bySize = Object.fromEntries(
        stacks.map((s) => {
          const k = `${v.name}|${s.size}`;
          const rd = reads.get(k)!;
          return [String(s.size), { p50Ms: round(median(lat.get(k)!)), queriesPerPage: rd.queries, itemsReadPerPage: rd.scanned, readUnitsPerPage: round(rd.units, 1), ticketsReturned: rd.returned }];
        }),
      );
      const [small, large] = [o.sizes[0]!, o.sizes.at(-1)!];
      return { view: v.name, query: v.query, served: v.served, bySize, ratio: ratio(bySize[String(large)]!.p50Ms, bySize[String(small)]!.p50Ms, 2) };
    });
    return {
      how: `tables seeded with ticketItem() clones of an ingested ticket (status open 30/pending 20/resolved 40/closed 10 %, channel sms 35/whatsapp 30/email 25/messenger 10 %, priority low 20/normal 60/high 15/urgent 5 %, half unassigned and half over ten agents, an SLA due on 80 % of open/pending tickets, about four tickets per contact, last activity over 90 days, changed up to two days later); the first page of GET /v1/tickets (limit 25) through each table's own local stack, ${o.rounds} interleaved rounds × ${o.perRound}; read units as DynamoDB Local returns them (ReturnConsumedCapacity=TOTAL)`,
      seedSeconds: Object.fromEntries(stacks.map((s) => [String(s.size), round(s.seedSeconds, 1)])),
      views: out,
    };
  } finally {
    for (const s of stacks) await s.stack.stop();
  }
}
