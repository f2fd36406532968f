/**
 * Every route's 2xx means the message is durable: for each provider, one valid signed
 * request goes through handleWebhook with in-memory fakes for the ports, under faults. Whatever the
 * fault, the answer is a 2xx only when every verified message was stored or parked; otherwise it is
 * a 5xx (handleWebhook throws, which the Lambda handler turns into a 500), so the provider retries.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { messageBirdForm, metaMessagePayload, rawEmail, signedMeta, signedPostmark, signedTelegram, signedTwilio, signedX, telegramPayload, twilioForm, vonagePayload, xPayload, type SignedRequest } from '../../bin/simulate.ts';
import { createRuntime } from '../../functions/app.ts';
import { CHANNEL_MODULES, channelModule } from '../../functions/channels/registry.ts';
import { LOCAL_DEFAULTS } from '../../functions/config.ts';
import type { AttachmentStore, CoreDeps, JobQueue, ParkingQueue, TicketStore } from '../../functions/core/ports.ts';
import type { Job } from '../../functions/core/types.ts';
import type { HttpRequest, HttpResponse } from '../../functions/http.ts';
import { handleWebhook } from '../../functions/webhook/service.ts';
import { signHeaders } from '../../functions/core/events-out/standard-webhooks.ts';
import { fuzzConfig, fuzzContext, httpRequest, LOCAL_SNS_CERT_URL, multipart, NOW, sign } from '../helpers/fuzz.ts';
import { readFileSync } from 'node:fs';

const config = fuzzConfig;
const SNS_CERT = readFileSync(new URL('../../bin/local-sns/cert.pem', import.meta.url), 'utf8');
const clients = () => ({
  dynamo: new DynamoDBClient({ region: 'us-east-1' }),
  sqs: new SQSClient({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
  ses: new SESv2Client({ region: 'us-east-1' }),
});
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

type Fault = 'none' | 'commit' | 'store-down' | 'store-and-parking' | 'attachments';

/** In-memory fakes of the ports the webhook path uses, with a switchable fault. */
function fakes(fault: Fault) {
  const committed: string[] = [];
  const parked: Job[] = [];
  const objects = new Map<string, Uint8Array>();
  const nonces = new Map<string, string>();
  const down = (what: string) => new Error(`${what}: injected failure`);
  const storeDown = fault === 'store-down' || fault === 'store-and-parking';
  const methods: Partial<Record<keyof TicketStore, (...args: any[]) => Promise<unknown>>> = {
    getIngestContext: async () => {
      if (storeDown) throw down('getIngestContext');
      return {};
    },
    commitIngest: async (write: { message: { providerMessageId?: string } }) => {
      if (fault !== 'none' && fault !== 'attachments') throw down('commitIngest');
      committed.push(write.message.providerMessageId ?? '');
    },
    markFollowUpsEnqueued: async () => undefined,
    applyDeliveryStatus: async () => {
      if (fault !== 'none') throw down('applyDeliveryStatus');
      return 'unknown';
    },
    applyEdit: async () => {
      if (fault !== 'none') throw down('applyEdit');
      return 'unknown';
    },
    claimNonce: async (scope: string, value: string, _ttl: number, binding: string) => {
      if (storeDown) throw down('claimNonce');
      const k = `${scope}#${value}`;
      const prev = nonces.get(k);
      if (prev !== undefined && prev !== binding) return false;
      nonces.set(k, binding);
      return true;
    },
    consumeRateLimit: async () => {
      if (storeDown) throw down('consumeRateLimit');
      return true;
    },
  };
  // Anything else the webhook path should never call: a loud failure, not a silent success.
  const store = new Proxy(methods, {
    get: (target, name: string) => target[name as keyof TicketStore] ?? (async () => Promise.reject(new Error(`store.${name} is not expected on the webhook path`))),
  }) as unknown as TicketStore;
  const parkAll = async (jobs: readonly Job[]) => {
    if (fault === 'store-and-parking') throw down('parking');
    parked.push(...jobs);
  };
  const parking = { parkAll, park: (job: Job) => parkAll([job]) } as unknown as ParkingQueue;
  const jobs: JobQueue = { enqueue: async () => undefined };
  const attachments: AttachmentStore = {
    put: async (key, body) => {
      if (fault === 'attachments') throw down('attachments.put');
      objects.set(key, body);
    },
    downloadUrl: async (key) => `https://bucket.example/${key}`,
    getObject: async (bucket, key) => {
      throw new Error(`no object ${bucket}/${key}`);
    },
  };
  const overrides: Partial<CoreDeps> = {
    store,
    parking,
    jobs,
    attachments,
    deadLetters: { send: async () => false },
    metrics: { emit: () => undefined },
    http: { getText: async (url: string) => (url === LOCAL_SNS_CERT_URL ? SNS_CERT : Promise.reject(new Error(`no fake for ${url}`))) },
    clock: { now: () => NOW },
    log: quiet,
  };
  const deps = createRuntime(config, clients(), overrides).deps;
  return { deps, committed, parked, objects };
}

const fromSim = (r: SignedRequest): HttpRequest => httpRequest(r.method, r.path, r.body, r.headers, r.query ?? '');

const mail = { from: 'Ada <ada@customer.example>', to: 'help@support.example', subject: 'Late order', text: 'Where is my order?', attachments: [{ filename: 'receipt.txt', content: 'order 42', contentType: 'text/plain' }] };

/** One valid signed request per provider; emails carry an attachment (its bytes go to the bucket). */
const requests: Record<string, HttpRequest> = {};
beforeAll(async () => {
  const mime = await rawEmail({ ...mail, messageId: 'durable-1@customer.example' });
  requests['twilio'] = fromSim(signedTwilio(config.publicBaseUrl, LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN, twilioForm({ from: '+15551230000', to: '+15550001111', body: 'help', sid: 'SM0123456789abcdef0123456789abcdef' })));
  requests['meta'] = fromSim(signedMeta(LOCAL_DEFAULTS.META_APP_SECRET, metaMessagePayload({ channel: 'whatsapp', from: '15551230000', to: '15550001111', body: 'help', id: 'wamid.durable1' })));
  requests['telegram'] = fromSim(signedTelegram(LOCAL_DEFAULTS.TELEGRAM_SECRET_TOKEN, telegramPayload({ from: '42', body: 'help', messageId: 7, updateId: 70 })));
  requests['x'] = fromSim(signedX(LOCAL_DEFAULTS.X_CONSUMER_SECRET, xPayload({ from: '2244994945', to: '1111111111', body: 'help', id: '9001' })));
  requests['vonage'] = sign.vonage(JSON.stringify(vonagePayload({ channel: 'sms', from: '447700900001', to: '447700900000', body: 'help', id: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab' })));
  requests['messagebird'] = sign.messagebird(messageBirdForm({ from: '31612345678', to: '3197010260000', body: 'help', id: 'mb-durable-1' }).toString());
  const sg = multipart([
    { name: 'envelope', value: JSON.stringify({ to: [mail.to], from: 'ada@customer.example' }) },
    { name: 'email', value: mime },
    { name: 'charsets', value: '{"email":"UTF-8"}' },
  ]);
  requests['sendgrid'] = sign.sendgrid(sg.body, sg.contentType);
  requests['mailgun'] = sign.mailgun(
    new URLSearchParams([['recipient', mail.to], ['sender', 'ada@customer.example'], ['Message-Id', '<durable-1@customer.example>'], ['body-mime', mime], ...sign.mailgunFields('durable-token-1'.padEnd(50, 'x'))]).toString(),
    'application/x-www-form-urlencoded',
  );
  requests['postmark'] = fromSim(signedPostmark(LOCAL_DEFAULTS.POSTMARK_BASIC_AUTH, { ...mail, messageId: 'durable-1@customer.example' }));
  const receipt = {
    notificationType: 'Received',
    mail: { timestamp: NOW.toISOString(), source: 'ada@customer.example', messageId: 'ses-durable-1', destination: [mail.to], headers: [], commonHeaders: {} },
    receipt: { recipients: [mail.to], action: { type: 'SNS', topicArn: config.snsTopicArns[0], encoding: 'UTF8' } },
    content: mime,
  };
  requests['ses'] = sign.ses(JSON.stringify(receipt));
  const apiBody = JSON.stringify({ conversationId: 'c-durable', from: { id: 'u-1' }, text: 'help' });
  const apiSecret = JSON.parse(LOCAL_DEFAULTS.API_CHANNEL_SECRETS).local as string;
  requests['api'] = httpRequest('POST', '/webhooks/api/local', apiBody, { 'content-type': 'application/json', ...signHeaders([apiSecret], 'msg_durable1', Math.floor(NOW.getTime() / 1000), apiBody) });
});

const EMAIL = new Set(['sendgrid', 'mailgun', 'postmark', 'ses']);

/** The ids of the message events the request carries (what must be durable after a 2xx). */
async function expectedMessages(provider: string, req: HttpRequest): Promise<string[]> {
  const r = await (await channelModule(CHANNEL_MODULES[provider]!)).receive(req, fuzzContext());
  if (r.kind !== 'events') throw new Error(`${provider}: expected events`);
  return r.events.flatMap((e) => (e.kind === 'message' ? [e.message.providerMessageId] : []));
}

/** The status the provider sees: handleWebhook's answer, or 500 when it throws (the Lambda handler's answer). */
async function run(deps: CoreDeps, req: HttpRequest): Promise<{ status: number; res?: HttpResponse; error?: unknown }> {
  try {
    const res = await handleWebhook(deps, config, req);
    return { status: res.statusCode, res };
  } catch (error) {
    return { status: 500, error };
  }
}

const is2xx = (s: number) => s >= 200 && s < 300;
const PROVIDERS = Object.keys(CHANNEL_MODULES);

async function checkDurable(provider: string, fault: Fault) {
    const req = requests[provider]!;
    const expected = await expectedMessages(provider, req);
    expect(expected.length, `${provider} carries a message`).toBeGreaterThan(0);
    const f = fakes(fault);
    const out = await run(f.deps, req);
    const parkedIds = f.parked.flatMap((j) => (j.kind === 'ingest' ? [j.message.providerMessageId] : []));
    // The invariant, whatever the fault: stored, or parked, or a 5xx.
    if (is2xx(out.status)) for (const id of expected) expect(f.committed.includes(id) || parkedIds.includes(id), `${provider}: ${id} answered ${out.status} but neither stored nor parked`).toBe(true);
    else expect(out.status, `${provider}: ${String((out.error as Error | undefined)?.message ?? out.res?.body)}`).toBeGreaterThanOrEqual(500);
    return { ...out, ...f, expected, parkedIds };
}

describe.each(PROVIDERS.map((p) => [p] as const))('%s: a 2xx means durable', (provider) => {
  const check = (fault: Fault) => checkDurable(provider, fault);

  it('everything up: 2xx, stored, nothing parked', async () => {
    const r = await check('none');
    expect(r.status, String(r.res?.body ?? (r.error as Error)?.message)).toBeLessThan(300);
    expect(r.committed).toEqual(expect.arrayContaining(r.expected));
    expect(r.parked).toEqual([]);
    if (EMAIL.has(provider)) expect(r.objects.size, 'attachment bytes in the bucket').toBeGreaterThan(0);
  });

  it('the store commit fails: 2xx and the verified message is parked', async () => {
    const r = await check('commit');
    expect(r.status).toBeLessThan(300);
    expect(r.parkedIds).toEqual(expect.arrayContaining(r.expected));
    expect(r.committed).toEqual([]);
  });

  it('the whole store is down: parked with a 2xx, or a 5xx (never a 2xx with nothing durable)', async () => {
    const r = await check('store-down');
    expect(r.committed).toEqual([]);
    if (is2xx(r.status)) expect(r.parkedIds).toEqual(expect.arrayContaining(r.expected));
  });

  it('store and parking both fail: 5xx, so the provider retries', async () => {
    const r = await check('store-and-parking');
    expect(r.status).toBeGreaterThanOrEqual(500);
    expect(r.committed).toEqual([]);
    expect(r.parked).toEqual([]);
  });
});

describe.each([...EMAIL].map((p) => [p] as const))('%s: attachment bytes are part of durable', (provider) => {
  it('the attachment store fails: not a 2xx, nothing stored or parked without its bytes', async () => {
    const r = await checkDurable(provider, 'attachments');
    expect(r.status).toBeGreaterThanOrEqual(500);
    expect(r.committed).toEqual([]);
    expect(r.parked).toEqual([]);
  });
});
