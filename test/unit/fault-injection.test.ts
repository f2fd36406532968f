/**
 * Failure paths that the real engines cannot be made to produce on demand: DynamoDB down after a
 * webhook was verified, SQS down too, and a worker batch with one failing record.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordingMetrics } from '../../functions/adapters/metrics.ts';
import { createRuntime } from '../../functions/app.ts';
import { buildConfig, LOCAL_DEFAULTS } from '../../functions/config.ts';
import { makeWebhookHandler } from '../../functions/webhook/handler.ts';
import { makeWorkerHandler } from '../../functions/worker/handler.ts';
import { twilioForm } from '../../bin/simulate.ts';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';

// The store talks through the document client, so that is where faults are injected.
const dynamoMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
const config = buildConfig({
  STAGE: 'local',
  FOLLOWUP_QUEUE_URL: 'http://sqs.local/000000000000/follow-ups',
  INGEST_QUEUE_URL: 'http://sqs.local/000000000000/ingest',
});
const clients = () => ({
  dynamo: new DynamoDBClient({ region: 'us-east-1' }),
  sqs: new SQSClient({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
  ses: new SESv2Client({ region: 'us-east-1' }),
});
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

function signedEvent(): APIGatewayProxyEventV2 {
  const form = twilioForm({ from: '+15551230000', to: '+15550001111', body: 'help', sid: 'SM0123456789abcdef0123456789abcdef' });
  const body = form.toString();
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/twilio',
    rawPath: '/webhooks/twilio',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': expectedTwilioSignature(LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN, `${config.publicBaseUrl}/webhooks/twilio`, [...form]),
    },
    requestContext: { requestId: 'r1', http: { method: 'POST', path: '/webhooks/twilio' } } as APIGatewayProxyEventV2['requestContext'],
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

const ctx = {} as Context;

describe('webhook when the store fails after verification', () => {
  let metrics: RecordingMetrics;
  beforeEach(() => {
    dynamoMock.reset();
    sqsMock.reset();
    metrics = new RecordingMetrics();
  });
  const handler = () => {
    const rt = createRuntime(config, clients(), { metrics, log: quietLog });
    return makeWebhookHandler(() => Promise.resolve(rt));
  };

  it('parks the verified message on the ingest queue and still answers 200', async () => {
    dynamoMock.on(GetCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    dynamoMock.on(BatchGetCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const res = await handler()(signedEvent(), ctx);
    expect(res.statusCode).toBe(200);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(config.ingestQueueUrl);
    const job = JSON.parse(sent.MessageBody!);
    expect(job).toMatchObject({ kind: 'ingest', message: { provider: 'twilio', providerMessageId: 'SM0123456789abcdef0123456789abcdef', text: 'help' } });
    expect(metrics.events.map((e) => e.name)).toContain('IngestParked');
  });

  it('answers 503 with Retry-After (so the provider retries) when parking fails too', async () => {
    dynamoMock.on(GetCommand).rejects(new Error('down'));
    dynamoMock.on(BatchGetCommand).rejects(new Error('down'));
    sqsMock.on(SendMessageCommand).rejects(new Error('also down'));
    const res = await handler()(signedEvent(), ctx);
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('30');
    expect(JSON.parse(res.body as string).error.code).toBe('temporarily_unavailable');
  });

  it('rejects a forged request before touching any store', async () => {
    const ev = signedEvent();
    ev.headers['x-twilio-signature'] = 'forged=';
    const res = await handler()(ev, ctx);
    expect(res.statusCode).toBe(403);
    expect(dynamoMock).not.toHaveReceivedAnyCommand();
    expect(sqsMock).not.toHaveReceivedAnyCommand();
    expect(metrics.events).toEqual([{ name: 'WebhookRejected', unit: 'Count', value: 1, dimensions: { Provider: 'twilio', Reason: 'bad_signature' } }]);
  });

  it('a failed enqueue after the commit is finished by the next delivery', async () => {
    // First delivery: nothing stored yet; the transaction commits; SQS fails.
    dynamoMock.on(GetCommand).resolves({});
    dynamoMock.on(BatchGetCommand).resolves({ Responses: {} });
    dynamoMock.on(TransactWriteCommand).resolves({});
    sqsMock.on(SendMessageBatchCommand).rejectsOnce(new Error('throttled')).resolves({ Successful: [], Failed: [] });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'parked' });
    const h = handler();
    expect((await h(signedEvent(), ctx)).statusCode).toBe(200);
    // The dedupe record written in the transaction carries the pending follow-ups.
    const tx = dynamoMock.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    const dedupe = tx.TransactItems![0]!.Put!.Item!;
    expect(dedupe['PK']).toBe('DEDUPE#twilio#sms#SM0123456789abcdef0123456789abcdef');
    expect(dedupe['pendingJobs']).toHaveLength(2);
    // The message was parked for the worker (its re-ingest is the "next delivery" too).
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);

    // Next delivery (provider retry or parked re-ingest): the dedupe record is found with its
    // follow-ups still pending; they are queued now. No write on the webhook's path marks them:
    // the worker clears them once one of them runs.
    dynamoMock.on(BatchGetCommand).resolves({ Responses: { [config.tableName]: [dedupe] } });
    dynamoMock.on(UpdateCommand).resolves({});
    expect((await h(signedEvent(), ctx)).statusCode).toBe(200);
    const batches = sqsMock.commandCalls(SendMessageBatchCommand);
    const last = batches.at(-1)!.args[0].input;
    expect(last.QueueUrl).toBe(config.followUpQueueUrl);
    const queued = last.Entries!.map((e) => JSON.parse(e.MessageBody!));
    expect(queued.map((j) => j.kind)).toEqual(['ack', 'sla-check']);
    expect(queued.every((j) => j.origin === dedupe['PK'].slice('DEDUPE#'.length))).toBe(true);
    expect(dynamoMock).not.toHaveReceivedCommand(UpdateCommand);
    expect(metrics.events.map((e) => e.name)).toContain('DuplicateDeliveries');
    // Still exactly one committed ingest.
    expect(dynamoMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);

    // The worker runs the ack: the dedupe record's pending follow-ups are cleared then.
    const rt = createRuntime(config, clients(), { metrics, log: quietLog });
    const record = { messageId: 'w1', receiptHandle: 'h', body: last.Entries![0]!.MessageBody!, attributes: { ApproximateReceiveCount: '1' }, eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:follow-ups' };
    await makeWorkerHandler(() => Promise.resolve(rt))({ Records: [record] } as unknown as SQSEvent, ctx);
    expect(dynamoMock).toHaveReceivedCommandWith(UpdateCommand, { Key: { PK: dedupe['PK'], SK: 'DEDUPE' }, UpdateExpression: 'REMOVE pendingJobs' });
  });
});

describe('logs', () => {
  it('carry ids, never the auth token, the signature or the message body', async () => {
    dynamoMock.reset();
    sqsMock.reset();
    dynamoMock.on(GetCommand).rejects(new Error('throttled'));
    dynamoMock.on(BatchGetCommand).rejects(new Error('throttled'));
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const lines: string[] = [];
    const capture = (c: string | Uint8Array) => {
      lines.push(String(c));
      return true;
    };
    // Powertools writes info to stdout and warnings/errors to stderr.
    const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
    try {
      const rt = createRuntime(config, clients()); // the real Powertools logger
      const h = makeWebhookHandler(() => Promise.resolve(rt));
      const good = signedEvent();
      await h(good, ctx);
      const forged = signedEvent();
      forged.headers['x-twilio-signature'] = 'forged-signature-value=';
      await h(forged, ctx);
      const out = lines.join('');
      expect(out).toContain('parking the verified message');
      expect(out).toContain('webhook rejected');
      expect(out).not.toContain(LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN);
      expect(out).not.toContain(good.headers['x-twilio-signature']);
      expect(out).not.toContain('forged-signature-value');
      expect(out).not.toMatch(/"help"|Body=help/);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('worker partial batch failures', () => {
  it('reports only the failing records', async () => {
    dynamoMock.reset();
    sqsMock.reset();
    dynamoMock.on(GetCommand).resolves({}); // tickets not found: jobs end quietly
    const rt = createRuntime(config, clients(), { log: quietLog });
    const worker = makeWorkerHandler(() => Promise.resolve(rt));
    const rec = (id: string, body: string) => ({ messageId: id, body, receiptHandle: id, attributes: {}, messageAttributes: {} }) as unknown as SQSEvent['Records'][number];
    const out = await worker(
      {
        Records: [
          rec('ok-1', JSON.stringify({ kind: 'ack', ticketId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })),
          rec('bad-json', '{not json'),
          rec('bad-kind', JSON.stringify({ kind: 'explode' })),
          rec('ok-2', JSON.stringify({ kind: 'sla-check', ticketId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', check: 'first-response', dueAt: new Date().toISOString() })),
        ],
      },
      ctx,
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'bad-json' }, { itemIdentifier: 'bad-kind' }]);
  });
});
