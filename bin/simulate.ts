/**
 * Send a correctly signed provider webhook to the local stack (or any deployment).
 *
 *   npm run simulate -- twilio --from +15551230000 --body "My order is late"
 *
 * Options: --to <our number> (default +15550001111), --whatsapp, --sid <MessageSid> (resend one to
 * test dedupe), --media <url> (repeatable), --url <base URL to post to> (default http://localhost:$PORT),
 * --public-base-url <URL the signature is computed for> (default PUBLIC_BASE_URL or --url),
 * --token <auth token> (default TWILIO_AUTH_TOKEN or the local default), --bad-signature.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { expectedTwilioSignature } from '../functions/channels/twilio/verify.ts';
import { LOCAL_DEFAULTS } from '../functions/config.ts';

export interface TwilioSimOptions {
  readonly from: string;
  readonly to: string;
  readonly body: string;
  readonly sid?: string | undefined;
  readonly whatsapp?: boolean | undefined;
  readonly media?: readonly string[] | undefined;
  readonly profileName?: string | undefined;
}

export const newMessageSid = (): string => `SM${randomBytes(16).toString('hex')}`;

/** The form fields Twilio posts for an inbound message. */
export function twilioForm(o: TwilioSimOptions): URLSearchParams {
  const prefix = o.whatsapp ? 'whatsapp:' : '';
  const sid = o.sid ?? newMessageSid();
  const f = new URLSearchParams({
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: String(o.media?.length ?? 0),
    SmsSid: sid,
    SmsStatus: 'received',
    Body: o.body,
    To: `${prefix}${o.to}`,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: `${prefix}${o.from}`,
    ApiVersion: '2010-04-01',
  });
  o.media?.forEach((url, i) => {
    f.set(`MediaUrl${i}`, url);
    f.set(`MediaContentType${i}`, 'image/jpeg');
  });
  if (o.profileName) f.set('ProfileName', o.profileName);
  return f;
}

/** Post a signed Twilio webhook; returns the HTTP status and body. */
export async function postTwilio(args: {
  baseUrl: string;
  publicBaseUrl?: string | undefined;
  token: string;
  form: URLSearchParams;
  badSignature?: boolean | undefined;
}): Promise<{ status: number; body: string }> {
  const path = '/webhooks/twilio';
  const signature = args.badSignature
    ? 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='
    : expectedTwilioSignature(args.token, `${(args.publicBaseUrl ?? args.baseUrl).replace(/\/+$/, '')}${path}`, [...args.form]);
  const res = await fetch(`${args.baseUrl.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: args.form.toString(),
  });
  return { status: res.status, body: await res.text() };
}

async function main(): Promise<void> {
  const [provider, ...rest] = process.argv.slice(2);
  if (provider !== 'twilio') {
    console.error(`usage: npm run simulate -- twilio --from +15551230000 --body "hello"  (providers: twilio)`);
    process.exit(2);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      from: { type: 'string', default: '+15551230000' },
      to: { type: 'string', default: '+15550001111' },
      body: { type: 'string', default: 'Hello, I need help with my order.' },
      sid: { type: 'string' },
      whatsapp: { type: 'boolean', default: false },
      media: { type: 'string', multiple: true },
      name: { type: 'string' },
      url: { type: 'string' },
      'public-base-url': { type: 'string' },
      token: { type: 'string' },
      'bad-signature': { type: 'boolean', default: false },
    },
  });
  const baseUrl = values.url ?? `http://localhost:${process.env['PORT'] ?? 3000}`;
  const form = twilioForm({
    from: values.from,
    to: values.to,
    body: values.body,
    sid: values.sid,
    whatsapp: values.whatsapp,
    media: values.media,
    profileName: values.name,
  });
  const r = await postTwilio({
    baseUrl,
    publicBaseUrl: values['public-base-url'] ?? process.env['PUBLIC_BASE_URL'],
    token: values.token ?? process.env['TWILIO_AUTH_TOKEN'] ?? LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN,
    form,
    badSignature: values['bad-signature'],
  });
  console.log(`POST ${baseUrl}/webhooks/twilio MessageSid=${form.get('MessageSid')} -> ${r.status} ${r.body}`);
  if (r.status >= 300) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
