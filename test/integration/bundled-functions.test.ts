/**
 * The Lambda bundles exactly as `cdk synth` builds them (lib/bundling.ts: ES module chunks, the AWS
 * SDK bundled, env credentials only, zod without its JIT), each run in a fresh Node process as a
 * cold Lambda would, against the real local engines through the SDK's endpoint variables
 * (bench/cold.ts), their provider secret read on the first request from a Secrets Manager stand-in as
 * deployed (PROVIDER_SECRETS_ARN): a Twilio SMS signed with the secret's token through the webhook
 * bundle is stored, the worker bundle sends the acknowledgement from the follow-up queue, and the api
 * bundle reads the ticket back. The rest of the suite runs the handlers from source; this is what is
 * deployed.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LambdaName } from '../../lib/settings.ts';
import { startLocalStack, toRecord, type LocalStack } from '../../bin/local-stack.ts';
import { apiGetEvent, buildBundle, invokeFresh, lambdaEnv, startSecretsStub, twilioSmsEvent, type SecretsStub } from '../../bench/cold.ts';
import { LOCAL_DEFAULTS } from '../../functions/config.ts';
import { startProviderStub, type ProviderStub } from '../helpers/stack.ts';

const dir = join(fileURLToPath(new URL('../..', import.meta.url)), 'node_modules/.cache/bundle-live');

let stack: LocalStack;
let stub: ProviderStub;
let secrets: SecretsStub;
const TOKEN = 'twilio-auth-token-from-secrets-manager';
let env: Record<string, string>;
const bundles = new Map<LambdaName, string>();

beforeAll(async () => {
  stub = await startProviderStub();
  const id = Math.random().toString(16).slice(2, 10);
  // Only for the table, queues and bucket: its own worker is off, the bundles do the work.
  stack = await startLocalStack({ port: 0, engines: inject('engines'), tableName: `bundled-${id}`, queuePrefix: `bundled-${id}-`, bucket: `bundled-${id}`, worker: false, env: {} });
  secrets = await startSecretsStub({ TWILIO_AUTH_TOKEN: TOKEN });
  env = lambdaEnv(stack, { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_API_BASE_URL: stub.url, ...secrets.env });
  for (const fn of ['webhook', 'worker', 'api'] as const) bundles.set(fn, await buildBundle(fn, dir));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await stub?.close();
  await secrets?.close();
});

/** One cold invocation: a fresh process, one event; the answer, with the function's output for failures. */
async function cold(fn: LambdaName, event: unknown): Promise<{ result: any; output: string }> {
  const run = await invokeFresh(bundles.get(fn)!, env, [event], `support-${fn}`);
  return { result: run.requests[0]!.result, output: run.output };
}

describe('the built bundles, cold, on the real local engines', () => {
  it('webhook stores a Twilio SMS signed with the secret\'s token; worker sends its acknowledgement; api reads the ticket back', async () => {
    const from = `+1555${String(Date.now()).slice(-7)}`;
    const before = secrets.calls();
    const hook = await cold('webhook', twilioSmsEvent(from, 'my order has not arrived', TOKEN));
    expect(secrets.calls()).toBe(before + 1); // read once, on the cold start
    expect(hook.result.statusCode, hook.output).toBe(200);
    expect(hook.result.body).toContain('<Response');

    const list = await cold('api', apiGetEvent('/v1/tickets', 'GET /v1/tickets'));
    expect(list.result.statusCode, list.output).toBe(200);
    const ticket = (JSON.parse(list.result.body).tickets as Array<{ id: string }>).find((t) => JSON.stringify(t).includes(from));
    expect(ticket, list.result.body).toBeDefined();

    // The webhook queued the ticket's follow-up job; hand it to a cold worker as Lambda's SQS poller would.
    const queueUrl = stack.runtime.config.followUpQueueUrl;
    const r = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageSystemAttributeNames: ['All'] }));
    const messages = r.Messages ?? [];
    expect(messages.length).toBeGreaterThan(0);
    const work = await cold('worker', { Records: messages.map((m) => toRecord(m, { url: queueUrl })) });
    expect(work.result, work.output).toEqual({ batchItemFailures: [] });
    for (const m of messages) await stack.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    const sent = stub.requests.filter((q) => q.path.includes('/Messages.json'));
    expect(sent.length, JSON.stringify(stub.requests.map((q) => q.path))).toBe(1);
    expect(new URLSearchParams(sent[0]!.body).get('To')).toBe(from);

    const read = await cold('api', apiGetEvent(`/v1/tickets/${ticket!.id}`, 'GET /v1/tickets/{id}', { id: ticket!.id }));
    expect(read.result.statusCode, read.output).toBe(200);
    const body = JSON.parse(read.result.body) as { messages: Array<{ direction: string; text?: string }> };
    expect(body.messages.map((m) => m.direction)).toEqual(['inbound', 'outbound']);
    expect(body.messages[0]!.text).toBe('my order has not arrived');
  }, 120_000);

  it('a forged signature, or one made with the token the secret replaces, is refused by the cold webhook and stores nothing', async () => {
    const from = `+1556${String(Date.now()).slice(-7)}`;
    const event = twilioSmsEvent(from, 'forged', TOKEN) as { headers: Record<string, string> };
    event.headers['x-twilio-signature'] = 'forged-signature';
    const hook = await cold('webhook', event);
    expect(hook.result.statusCode, hook.output).toBe(403);
    expect(JSON.parse(hook.result.body).error.code).toBeTypeOf('string');
    const stale = await cold('webhook', twilioSmsEvent(from, 'signed with the local default token', LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN));
    expect(stale.result.statusCode, stale.output).toBe(403);
    const list = await cold('api', apiGetEvent('/v1/tickets', 'GET /v1/tickets'));
    expect(list.result.statusCode, list.output).toBe(200);
    expect(Array.isArray(JSON.parse(list.result.body).tickets)).toBe(true);
    expect(list.result.body).not.toContain(from);
  }, 60_000);
});
