/**
 * Signed traffic for the bench and the soak, built with bin/simulate.ts's signers exactly as the
 * providers sign it: Twilio SMS, Meta WhatsApp batches, Postmark email, and REST API calls.
 */
import '../functions/zod-jitless.ts'; // first: the stacks the bench and soak start parse as the functions do
import { randomBytes } from 'node:crypto';
import { LOCAL_DEFAULTS } from '../functions/config.ts';
import { send, signedMeta, signedPostmark, signedTwilio, twilioForm, type SignedRequest } from '../bin/simulate.ts';
import type { LocalStack } from '../bin/local-stack.ts';

export type Kind = 'sms' | 'whatsapp' | 'email';

export const phone = (i: number): string => `+1555${String(1_000_000 + (i % 9_000_000)).padStart(7, '0')}`;
export const sid = (): string => `SM${randomBytes(16).toString('hex')}`;

export interface Target {
  readonly baseUrl: string;
  readonly publicBaseUrl: string;
  readonly secrets: Readonly<Record<string, string | undefined>>;
  readonly apiKey: string;
}

export const targetOf = (stack: LocalStack): Target => ({
  baseUrl: stack.url,
  publicBaseUrl: stack.runtime.config.publicBaseUrl,
  secrets: stack.runtime.config.secrets,
  apiKey: LOCAL_DEFAULTS.API_KEY,
});

const secret = (t: Target, name: keyof typeof LOCAL_DEFAULTS): string => t.secrets[name] ?? LOCAL_DEFAULTS[name];

/** One inbound SMS from `from` (a fresh Twilio MessageSid unless given). */
export const smsRequest = (t: Target, from: string, messageSid?: string, body = 'My parcel has not arrived yet, can you help?'): SignedRequest =>
  signedTwilio(t.publicBaseUrl, secret(t, 'TWILIO_AUTH_TOKEN'), twilioForm({ from, to: '+15550001111', body, ...(messageSid ? { sid: messageSid } : {}) }));

/** One WhatsApp Cloud API delivery carrying `n` messages (from n different customers). */
export function whatsappBatchRequest(t: Target, froms: readonly string[]): SignedRequest {
  const ts = String(Math.floor(Date.now() / 1000));
  const payload = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA_ID',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: '15550001111' },
              contacts: froms.map((f) => ({ profile: { name: 'WhatsApp customer' }, wa_id: f.replace(/^\+/, '') })),
              messages: froms.map((f) => ({ from: f.replace(/^\+/, ''), id: `wamid.${randomBytes(12).toString('hex')}`, timestamp: ts, type: 'text', text: { body: 'Hello, where is my order?' } })),
            },
          },
        ],
      },
    ],
  };
  return signedMeta(secret(t, 'META_APP_SECRET'), payload);
}

/** One inbound email through Postmark (JSON, basic auth). */
export const emailRequest = (t: Target, i: number): SignedRequest =>
  signedPostmark(secret(t, 'POSTMARK_BASIC_AUTH'), {
    from: `Customer ${i} <customer${i}@customer.example>`,
    to: 'help@support.example',
    subject: `Order ${i} has not arrived`,
    text: 'Hello,\n\nI ordered last week and nothing has arrived yet. Can you check?\n\nThanks',
  });

export const messageRequest = (t: Target, kind: Kind, i: number): SignedRequest =>
  kind === 'sms' ? smsRequest(t, phone(i)) : kind === 'whatsapp' ? whatsappBatchRequest(t, [phone(i)]) : emailRequest(t, i);

/** POST a signed request; throws unless 200. Returns the wall time in ms. */
export async function timed(baseUrl: string, r: SignedRequest, ok: (status: number) => boolean = (s) => s === 200): Promise<number> {
  const t0 = performance.now();
  const res = await send(baseUrl, r);
  const ms = performance.now() - t0;
  if (!ok(res.status)) throw new Error(`${r.method} ${r.path} -> ${res.status} ${res.body.slice(0, 300)}`);
  return ms;
}

/** A REST API call with the dev key. */
export async function api(t: Target, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined, ms };
}
