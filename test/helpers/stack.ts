/** Test helpers: a local stack on the shared engines, a Twilio API stub, signed webhook posts, polling. */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { RecordingMetrics } from '../../functions/adapters/metrics.ts';
import { LOCAL_DEFAULTS } from '../../functions/config.ts';
import { startLocalStack, type LocalStack } from '../../bin/local-stack.ts';
import { postTwilio, twilioForm, type TwilioSimOptions } from '../../bin/simulate.ts';

export const API_KEY = LOCAL_DEFAULTS.API_KEY;
export const READ_ONLY_KEY = 'read-only-key-0123456789';

export interface TestStack extends LocalStack {
  readonly metrics: RecordingMetrics;
  readonly twilioStub: TwilioStub;
}

export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const twilioStub = await startTwilioStub();
  const metrics = new RecordingMetrics();
  const id = randomBytes(4).toString('hex');
  const quiet = { info: () => undefined, warn: () => undefined, error: (m: string, e?: Record<string, unknown>) => console.error(m, e) };
  const stack = await startLocalStack({
    port: 0,
    engines: inject('engines'),
    tableName: `t-${id}`,
    queuePrefix: `${id}-`,
    visibilityTimeoutSeconds: 1,
    pollWaitSeconds: 1,
    env: {
      API_KEYS: JSON.stringify([
        { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
        { key: READ_ONLY_KEY, scopes: ['tickets:read'], name: 'reporting' },
      ]),
      TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
      TWILIO_API_BASE_URL: twilioStub.url,
      METRICS_NAMESPACE: 'SupportDeskTest',
      ...env,
    },
    overrides: () => ({ metrics, log: quiet }),
  });
  const stop = stack.stop.bind(stack);
  return Object.assign(stack, {
    metrics,
    twilioStub,
    async stop() {
      await stop();
      await twilioStub.close();
    },
  });
}

export interface StubRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly form: URLSearchParams;
}

export interface TwilioStub {
  readonly url: string;
  readonly requests: StubRequest[];
  /** Status to answer with (default 201). */
  status: number;
  close(): Promise<void>;
}

export async function startTwilioStub(): Promise<TwilioStub> {
  const requests: StubRequest[] = [];
  const state = { status: 201 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization, form: new URLSearchParams(Buffer.concat(chunks).toString()) });
      res.writeHead(state.status, { 'content-type': 'application/json' });
      res.end(
        state.status < 300
          ? JSON.stringify({ sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued' })
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
