/** Test helpers: a local stack on the shared engines, a Twilio API stub, signed webhook posts, polling. */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, inject } from 'vitest';
import { RecordingMetrics } from '../../functions/adapters/metrics.ts';
import { LOCAL_DEFAULTS } from '../../functions/config.ts';
import { LOCAL_SNS_CERT_FILE, LOCAL_SNS_TOPIC_ARN, startLocalStack, type LocalStack } from '../../bin/local-stack.ts';
import { readFileSync } from 'node:fs';
import { checkedAnswers, checkResponsesOf, contractFailures, uncheckedRoutes } from './contract.ts';
import { fixtureText } from './fixtures.ts';
import { postTwilio, send, twilioForm, type SignedRequest, type TwilioSimOptions } from '../../bin/simulate.ts';

export const API_KEY = LOCAL_DEFAULTS.API_KEY;
export const READ_ONLY_KEY = 'read-only-key-0123456789';
export const REPORTS_KEY = 'reports-key-0123456789';

export interface TestStack extends LocalStack {
  readonly metrics: RecordingMetrics;
  readonly providerStub: ProviderStub;
  /** URLs the webhook fetched (SNS certificates, SubscribeURLs). */
  readonly fetched: string[];
  /** Run the stack's clock at another time (e.g. an old fixture's), or back at real time with undefined. */
  setNow(iso: string | undefined): void;
}

/** The Rails SES fixtures' certificate and topics: served for their SigningCertURL in tests. */
export const FIXTURE_SNS_TOPIC = 'arn:aws:sns:eu-west-1:111111111111:example-topic';
const FIXTURE_CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a86cb10b4e1f29c941702d737128f7b6.pem';

/** `dynamoEndpoint` replaces the shared DynamoDB Local's (e.g. a proxy a test can cut). */
export async function startTestStack(env: Record<string, string> = {}, opts: { dynamoEndpoint?: string } = {}): Promise<TestStack> {
  const providerStub = await startProviderStub();
  const metrics = new RecordingMetrics();
  const id = randomBytes(4).toString('hex');
  const quiet = { info: () => undefined, warn: () => undefined, error: (m: string, e?: Record<string, unknown>) => console.error(m, e) };
  const fetched: string[] = [];
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const fixtureCert = fixtureText('ses/ses-sns-signing-cert.pem');
  const localCert = readFileSync(LOCAL_SNS_CERT_FILE, 'utf8');
  const http = {
    async getText(url: string) {
      fetched.push(url);
      if (url === FIXTURE_CERT_URL) return fixtureCert;
      if (url.endsWith('.pem')) return localCert; // what the simulator signs with
      if (url.includes('Action=ConfirmSubscription')) return '<ConfirmSubscriptionResponse/>';
      throw new Error(`unexpected fetch ${url}`);
    },
  };
  const stack = await startLocalStack({
    port: 0,
    engines: { ...inject('engines'), ...(opts.dynamoEndpoint ? { dynamoEndpoint: opts.dynamoEndpoint } : {}) },
    tableName: `t-${id}`,
    queuePrefix: `${id}-`,
    bucket: `b-${id}`,
    sesEndpoint: providerStub.url,
    visibilityTimeoutSeconds: 1,
    pollWaitSeconds: 1,
    env: {
      API_KEYS: JSON.stringify([
        { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
        { key: READ_ONLY_KEY, scopes: ['tickets:read'], name: 'reporting' },
        { key: REPORTS_KEY, scopes: ['reports:read'], name: 'reports' },
      ]),
      TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
      TWILIO_API_BASE_URL: providerStub.url,
      META_ACCESS_TOKEN: 'meta-access-token',
      META_GRAPH_BASE_URL: providerStub.url,
      TELEGRAM_BOT_TOKEN: 'telegram-bot-token',
      TELEGRAM_API_BASE_URL: providerStub.url,
      X_ACCESS_TOKEN: 'x-access-token',
      X_API_BASE_URL: providerStub.url,
      VONAGE_API_KEY: 'vonage-key',
      VONAGE_API_SECRET: 'vonage-secret',
      VONAGE_API_BASE_URL: providerStub.url,
      MESSAGEBIRD_ACCESS_KEY: 'mb-access-key',
      MESSAGEBIRD_API_BASE_URL: providerStub.url,
      EMAIL_SENDER: 'ses',
      SNS_TOPIC_ARNS: `${FIXTURE_SNS_TOPIC},${LOCAL_SNS_TOPIC_ARN}`,
      METRICS_NAMESPACE: 'SupportDeskTest',
      ...env,
    },
    overrides: () => ({ metrics, log: quiet, http, clock }),
  });
  const stop = stack.stop.bind(stack);
  // Every answer of an api route is checked against the OpenAPI document (test/helpers/contract.ts).
  const uncheck = checkResponsesOf(stack.url);
  return Object.assign(stack, {
    metrics,
    providerStub,
    fetched,
    setNow(iso: string | undefined) {
      offsetMs = iso ? Date.parse(iso) - Date.now() : 0;
    },
    async stop() {
      uncheck();
      await stop();
      await providerStub.close();
    },
  });
}

// After each test file: routes answered without a declared response schema (reported, not checked
// yet), and any contract failure a test's own try/catch may have swallowed.
afterAll(() => {
  const unchecked = uncheckedRoutes();
  if (unchecked.length) console.warn(`contract: routes without a response schema in openapi.json (not checked): ${unchecked.join(', ')}`);
  if (process.env['CONTRACT_REPORT']) console.warn(`contract: answers checked: ${checkedAnswers().join(', ') || 'none'}`);
  if (contractFailures.length) throw new Error(`${contractFailures.length} answer(s) did not match openapi.json:\n${contractFailures.join('\n')}`);
});

export interface StubRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
  /** The body parsed as a form (Twilio) — empty for JSON bodies. */
  readonly form: URLSearchParams;
  readonly json: any;
}

export interface ProviderStub {
  readonly url: string;
  readonly requests: StubRequest[];
  /** Status to answer with (default 201). */
  status: number;
  close(): Promise<void>;
}

export async function startProviderStub(): Promise<ProviderStub> {
  const requests: StubRequest[] = [];
  const state = { status: 201 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      let json: any;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body, form: new URLSearchParams(json ? '' : body), json });
      res.writeHead(state.status, { 'content-type': 'application/json' });
      const id = randomBytes(16).toString('hex');
      // One answer that carries every provider's message id field; each sender reads its own.
      res.end(
        state.status < 300
          ? JSON.stringify({
              sid: `SM${id}`,
              messages: [{ id: `wamid.${id}` }],
              message_id: `m_${id}`,
              ok: true,
              result: { message_id: requests.length + 1000 },
              data: { dm_event_id: `dm${id}` },
              message_uuid: `uuid-${id}`,
              id: `mb${id}`,
              MessageId: `ses-${id}`,
            })
          : JSON.stringify({ code: 21211, message: "The 'To' number is not a valid phone number." }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

/** Send a signed request built by bin/simulate.ts to the stack. */
export const deliver = (stack: LocalStack, r: SignedRequest) => send(stack.url, r);

/** Post a Twilio webhook signed for the stack's public URL. */
export async function sendSms(stack: LocalStack, o: Partial<TwilioSimOptions> & { badSignature?: boolean } = {}) {
  const form = twilioForm({ from: '+15551230000', to: '+15550001111', body: 'hello', ...o });
  const r = await postTwilio({
    baseUrl: stack.url,
    publicBaseUrl: stack.runtime.config.publicBaseUrl,
    token: stack.runtime.config.secrets.TWILIO_AUTH_TOKEN!,
    form,
    badSignature: o.badSignature,
  });
  return { ...r, sid: form.get('MessageSid')! };
}

export async function api(stack: LocalStack, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Poll until `check` returns a value that is not undefined/false, or fail after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The tickets of one customer number, via the REST API. */
export async function ticketsOf(stack: LocalStack, customer: string) {
  const r = await api(stack, 'GET', '/v1/tickets?limit=100');
  return (r.json.tickets as Array<Record<string, any>>).filter((t) => t['customerAddress'] === customer);
}

export const uniquePhone = (): string => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
