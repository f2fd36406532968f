/** Bounded waits: a store or queue that accepts connections but never answers fails fast, it does not hang. */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_TIMEOUTS, localClients } from '../../functions/adapters/clients.ts';
import { readSecretString } from '../../functions/adapters/secrets.ts';

let server: Server;
let url: string;
const sockets = new Set<import('node:net').Socket>();
beforeAll(async () => {
  // Accepts every connection and never writes a byte: a hung service.
  server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('AWS clients have connection and request timeouts and a retry budget', () => {
  it('deployed budgets leave a webhook room to park within its 2 s reserve', () => {
    // two attempts of each call must fit in the reserve with room for the parking call itself
    expect(2 * CLIENT_TIMEOUTS.dynamo.requestTimeout).toBeLessThanOrEqual(2_000);
    expect(2 * CLIENT_TIMEOUTS.sqs.requestTimeout).toBeLessThanOrEqual(2_000);
  });

  it('a DynamoDB call to a service that never answers is abandoned (two attempts, each bounded)', async () => {
    const c = localClients({ dynamo: url, sqs: url }, 'us-east-1', 0.1); // 100 ms per attempt
    const err = await c.dynamo.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'x' } } })).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).name) + String((err as Error).message)).toMatch(/timeout|Timeout|socket hang up/i);
  }, 5_000);

  it('an SQS call to a service that never answers is abandoned too', async () => {
    const c = localClients({ dynamo: url, sqs: url }, 'us-east-1', 0.1);
    const err = await c.sqs.send(new SendMessageCommand({ QueueUrl: `${url}/q`, MessageBody: 'x' })).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
  }, 5_000);

  it("a cold start's provider-secret read is bounded too (its default client; unbounded, it would hang past the test's timeout)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: url, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    try {
      const err = await readSecretString('arn:aws:secretsmanager:eu-west-1:123456789012:secret:s').catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).name) + String((err as Error).message)).toMatch(/timeout|Timeout|socket hang up/i);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  }, 8_000);
});
