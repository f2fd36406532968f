/**
 * List latency at 1k vs 100k tickets: two tables on the same DynamoDB Local, seeded straight with
 * the store's own item builder (ticketItem) from a real ingested ticket, each served by its own
 * local stack; GET /v1/tickets for every view the API offers, interleaved, p50 per view and size.
 * Reads per page: the Query calls one page makes, items evaluated and the read units returned.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../bin/local-stack.ts';
import { ticketItem } from '../functions/adapters/dynamo-store.ts';
import type { Channel, Ticket, TicketStatus } from '../functions/core/types.ts';
import { Recorder } from './instrument.ts';
import { api, targetOf } from './load.ts';
import { median, progress, ratio, round } from './stats.ts';

const STATUSES: Array<[TicketStatus, number]> = [['open', 0.3], ['pending', 0.2], ['resolved', 0.4], ['closed', 0.1]];
const CHANNELS: Array<[Channel, string, number]> = [['sms', 'twilio', 0.35], ['whatsapp', 'meta', 0.3], ['email', 'postmark', 0.25], ['messenger', 'meta', 0.1]];
const pick = <T extends unknown[]>(xs: T[], u: number): T => {
  let acc = 0;
  for (const x of xs) if (u < (acc += x[x.length - 1] as number)) return x;
  return xs.at(-1)!;
};

/** Deterministic PRNG so both tables get the same mix. */
const rng = (seed: number) => () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);

export async function seedTickets(endpoint: string, table: string, template: Ticket, count: number, concurrency = 8): Promise<number> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 10 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const rand = rng(count);
  const ulid = monotonicFactory();
  const now = Date.now();
  const t0 = performance.now();
  let next = 0;
  const make = (i: number): Record<string, unknown> => {
    const at = new Date(now - Math.floor(rand() * 90 * 86_400_000)).toISOString();
    const [status] = pick(STATUSES, rand());
    const [channel, provider] = pick(CHANNELS, rand());
    const id = ulid();
    const address = `seed-${i}`;
    return ticketItem({ ...template, id, status, channel, provider, contactId: ulid(), threadKey: `inbox|${address}`, customerAddress: address, createdAt: at, lastMessageAt: at, messageCount: 1 + (i % 5), version: 1 });
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
  return (performance.now() - t0) / 1000;
}

export const VIEWS: Array<{ name: string; query: string }> = [
  { name: 'no filter', query: '' },
  { name: 'status=open', query: 'status=open' },
  { name: 'channel=sms', query: 'channel=sms' },
  { name: 'channel=sms&status=open', query: 'channel=sms&status=open' },
];

export async function benchLists(main: LocalStack, stackOpts: Partial<LocalStackOptions>, o: { sizes: readonly number[]; rounds: number; perRound: number }) {
  const t = targetOf(main);
  const list = await api(t, 'GET', '/v1/tickets?limit=1');
  const id = (list.json as { tickets: Array<{ id: string }> }).tickets[0]!.id;
  const template = (await main.runtime.deps.store.getTicket(id))!;
  const stacks: Array<{ size: number; stack: LocalStack; rec: Recorder; seedSeconds: number }> = [];
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
      const seedSeconds = await seedTickets(main.endpoints.dynamo, table, template, size);
      progress(`lists: seeded ${size} in ${seedSeconds.toFixed(1)} s`);
      stacks.push({ size, stack, rec: new Recorder({ capacity: true }).attachDynamo(stack.clients.dynamo), seedSeconds });
    }
    const lat = new Map<string, number[]>();
    const reads = new Map<string, { queries: number; scanned: number; units: number; returned: number }>();
    for (const s of stacks) for (const v of VIEWS) await api(targetOf(s.stack), 'GET', `/v1/tickets?${v.query}`); // warm up
    for (let r = 0; r < o.rounds; r++) {
      progress(`lists: round ${r + 1}/${o.rounds}`);
      for (const v of VIEWS) {
        for (const s of stacks) {
          const key = `${v.name}|${s.size}`;
          for (let i = 0; i < o.perRound; i++) {
            s.rec.take();
            const res = await api(targetOf(s.stack), 'GET', `/v1/tickets?${v.query}`);
            if (res.status !== 200) throw new Error(`GET /v1/tickets?${v.query} -> ${res.status}`);
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
    const views = VIEWS.map((v) => {
      const bySize = Object.fromEntries(
        stacks.map((s) => {
          const k = `${v.name}|${s.size}`;
          const rd = reads.get(k)!;
          return [String(s.size), { p50Ms: round(median(lat.get(k)!)), queriesPerPage: rd.queries, itemsReadPerPage: rd.scanned, readUnitsPerPage: round(rd.units, 1), ticketsReturned: rd.returned }];
        }),
      );
      const [small, large] = [o.sizes[0]!, o.sizes.at(-1)!];
      return { view: v.name, query: v.query, bySize, ratio: ratio(bySize[String(large)]!.p50Ms, bySize[String(small)]!.p50Ms, 2) };
    });
    return {
      how: `tables seeded with ticketItem() clones of an ingested ticket (status open 30/pending 20/resolved 40/closed 10 %, channel sms 35/whatsapp 30/email 25/messenger 10 %, last activity over 90 days); GET /v1/tickets (limit 25) through each table's own local stack, ${o.rounds} interleaved rounds × ${o.perRound}; read units as DynamoDB Local returns them (ReturnConsumedCapacity=TOTAL)`,
      seedSeconds: Object.fromEntries(stacks.map((s) => [String(s.size), round(s.seedSeconds, 1)])),
      views,
    };
  } finally {
    for (const s of stacks) await s.stack.stop();
  }
}
