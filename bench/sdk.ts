/**
 * SDK CPU per call (part `sdk`): the same DynamoDB calls through a client with the SDK's default
 * options and through one made by `bounded()` (functions/adapters/sdk-lean.ts: no log-filter walk,
 * SigV4 HMAC keyed by a KeyObject), both on a stub transport that answers at once, so the figure is
 * the SDK's own CPU (middleware, signing, serializing, parsing) and nothing of the network. Rounds
 * alternate between the two clients; medians of the rounds.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { bounded, CLIENT_TIMEOUTS } from '../functions/adapters/client-options.ts';
import { median, round } from './stats.ts';

/** About what a ticket item holds: 30 string attributes, a list and a map. */
function ticketLike(i: number): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = { PK: { S: `TICKET#01JBENCH${i}` }, SK: { S: 'META' }, version: { N: '3' } };
  for (let a = 0; a < 30; a++) item[`attr${a}`] = { S: `value ${a} of a ticket attribute, ${'x'.repeat(a)}` };
  item['tags'] = { L: [{ S: 'billing' }, { S: 'vip' }] };
  item['clock'] = { M: { policy: { S: 'default' }, dueAt: { S: '2026-11-25T12:00:00.000Z' }, paused: { BOOL: false } } };
  return item;
}

function client(options: object, body: string): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    ...options,
    requestHandler: {
      handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from(body)]) } }),
    } as never,
  });
}

async function perCallUs(c: DynamoDBClient, call: () => object, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await c.send(call() as never);
  return ((performance.now() - t0) * 1000) / n;
}

export async function benchSdk(rounds = 7, perRound = 1_500) {
  const getBody = JSON.stringify({ Item: ticketLike(0) });
  const calls = {
    getItem: { body: getBody, call: () => new GetItemCommand({ TableName: 'tickets', Key: { PK: { S: 'TICKET#01J' }, SK: { S: 'META' } } }) },
    transactWrite7: {
      body: '{}',
      call: () => new TransactWriteItemsCommand({ TransactItems: Array.from({ length: 7 }, (_, i) => ({ Put: { TableName: 'tickets', Item: ticketLike(i), ConditionExpression: 'attribute_not_exists(PK)' } })) }),
    },
  };
  const out: Record<string, { stockUs: number; leanUs: number; ratio: number }> = {};
  for (const [name, { body, call }] of Object.entries(calls)) {
    // Same retry budget on both, so they sign the same headers; only sdk-lean's options differ.
    const stock = client({ maxAttempts: 2 }, body);
    const lean = client(bounded(CLIENT_TIMEOUTS.dynamo), body);
    await perCallUs(stock, call, 300); // warm up
    await perCallUs(lean, call, 300);
    const s: number[] = [];
    const l: number[] = [];
    for (let r = 0; r < rounds; r++) {
      s.push(await perCallUs(stock, call, perRound));
      l.push(await perCallUs(lean, call, perRound));
    }
    const stockUs = median(s);
    const leanUs = median(l);
    out[name] = { stockUs: round(stockUs, 1), leanUs: round(leanUs, 1), ratio: round(leanUs / stockUs, 2) };
  }
  return { how: `SDK CPU per DynamoDB call on a stub transport: default options vs bounded() (sdk-lean.ts); ${rounds} alternating rounds of ${perRound} calls, medians`, ...out };
}
