/**
 * Bounded waits end to end through the webhook: a store that hangs (accepts connections, never
 * answers) cannot hold a webhook past its budget — the verified message is parked and the provider
 * gets its 200; with the queue down too, nothing is acknowledged (503).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signedTwilio, twilioForm } from '../../bin/simulate.ts';
import { localClients } from '../../functions/adapters/clients.ts';
import { RecordingMetrics } from '../../functions/adapters/metrics.ts';
import { createRuntime } from '../../functions/app.ts';
import { handleWebhook } from '../../functions/webhook/service.ts';
import { request, testConfig } from '../helpers/fixtures.ts';

const sqsMock = mockClient(SQSClient);
let hung: Server;
let hungUrl: string;
const sockets = new Set<Socket>();
beforeAll(async () => {
  hung = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
  hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => hung.close(() => r()));
});
beforeEach(() => sqsMock.reset());

const config = testConfig();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup() {
  // The deployed budgets scaled to a tenth (100 ms per DynamoDB attempt) so the test is quick.
  const clients = localClients({ dynamo: hungUrl, sqs: 'http://127.0.0.1:9' }, 'us-east-1', 0.1);
  const metrics = new RecordingMetrics();
  const rt = createRuntime(config, clients, { metrics, log: quiet });
  const form = twilioForm({ from: '+15551230000', to: '+15550001111', body: 'is anyone there?' });
  const signed = signedTwilio(config.publicBaseUrl, config.secrets.TWILIO_AUTH_TOKEN!, form);
  return { rt, metrics, req: request('POST', signed.path, signed.body, signed.headers), sid: form.get('MessageSid')! };
}

describe('a store that hangs', () => {
  it('does not hold the webhook: the verified message is parked and the provider gets its 200 before the deadline', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'parked' });
    const { rt, metrics, req, sid } = setup();
    const deadline = Date.now() + 10_000;
    const res = await handleWebhook(rt.deps, rt.config, req, { deadline });
    expect(res.statusCode).toBe(200);
    expect(Date.now()).toBeLessThan(deadline - 2_000 + 1_500); // answered within the reserve, not at the Lambda timeout
    const parked = JSON.parse(sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!);
    expect(parked).toMatchObject({ kind: 'ingest', message: { providerMessageId: sid } });
    expect(metrics.events.map((e) => e.name)).toContain('IngestParked');
  });

  it('with the queue down too, nothing is acknowledged: 503 with Retry-After', async () => {
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable' }));
    const { rt, req } = setup();
    const res = await handleWebhook(rt.deps, rt.config, req, { deadline: Date.now() + 10_000 });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(JSON.parse(res.body).error.code).toBe('temporarily_unavailable');
  });
});
