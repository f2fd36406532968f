/**
 * Correctly signed provider webhooks: one builder and one signer per provider, used by the
 * simulator's command line (bin/simulate-cli.ts) and by the tests.
 *
 *   npm run simulate -- --help                                      (every option, with an example)
 *   npm run simulate -- twilio --from +15551230000 --body "My order is late"
 *
 * Secrets come from the same env vars as the server, else the local defaults.
 */
import { createHash, createHmac, createSign, randomBytes, randomUUID } from 'node:crypto';
import { metaSignature } from '../functions/channels/meta/verify.ts';
import { signHmacJwt } from '../functions/channels/shared/jwt.ts';
import { expectedTwilioSignature } from '../functions/channels/twilio/verify.ts';
import { xSignature } from '../functions/channels/x/index.ts';

export interface SignedRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const FORGED = 'forged-signature';

// ---------- Twilio ----------
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

export function signedTwilio(publicBaseUrl: string, token: string, form: URLSearchParams, bad = false): SignedRequest {
  const path = '/webhooks/twilio';
  return {
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': bad ? FORGED : expectedTwilioSignature(token, `${publicBaseUrl.replace(/\/+$/, '')}${path}`, [...form]),
    },
    body: form.toString(),
  };
}

// ---------- Meta ----------
/** A WhatsApp Cloud API webhook envelope around one change value. */
const waEnvelope = (phoneNumberId: string, value: object): object => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: 'WABA_ID',
      changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: phoneNumberId, phone_number_id: phoneNumberId }, ...value } }],
    },
  ],
});

export function metaMessagePayload(o: { channel: 'whatsapp' | 'messenger' | 'instagram'; from: string; to: string; body: string; id?: string; name?: string }): object {
  const ts = Date.now();
  const id = o.id ?? (o.channel === 'whatsapp' ? `wamid.${randomBytes(12).toString('hex')}` : `m_${randomBytes(12).toString('hex')}`);
  if (o.channel === 'whatsapp') {
    return waEnvelope(o.to, {
      contacts: [{ profile: { name: o.name ?? 'WhatsApp customer' }, wa_id: o.from }],
      messages: [{ from: o.from, id, timestamp: String(Math.floor(ts / 1000)), type: 'text', text: { body: o.body } }],
    });
  }
  return {
    object: o.channel === 'messenger' ? 'page' : 'instagram',
    entry: [{ id: o.to, time: ts, messaging: [{ sender: { id: o.from }, recipient: { id: o.to }, timestamp: ts, message: { mid: id, text: o.body } }] }],
  };
}

export const metaStatusPayload = (o: { id: string; status: string; to: string }): object =>
  waEnvelope(o.to, { statuses: [{ id: o.id, status: o.status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '0' }] });

export function signedMeta(appSecret: string, payload: object | string, bad = false): SignedRequest {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    method: 'POST',
    path: '/webhooks/meta',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': bad ? `sha256=${'0'.repeat(64)}` : metaSignature(appSecret, body) },
    body,
  };
}

// ---------- Telegram ----------
let telegramUpdate = Math.floor(Date.now() / 1000);
export function telegramPayload(o: { from: string; body: string; messageId?: number; updateId?: number; edit?: boolean; name?: string }): object {
  const chatId = Number(o.from);
  const message = {
    message_id: o.messageId ?? Math.floor(Math.random() * 1e6),
    from: { id: chatId, is_bot: false, first_name: o.name ?? 'Telegram customer' },
    chat: { id: chatId, type: 'private' },
    date: Math.floor(Date.now() / 1000),
    ...(o.edit ? { edit_date: Math.floor(Date.now() / 1000) } : {}),
    text: o.body,
  };
  return { update_id: o.updateId ?? ++telegramUpdate, [o.edit ? 'edited_message' : 'message']: message };
}

export const signedTelegram = (secretToken: string, payload: object | string, bad = false): SignedRequest => ({
  method: 'POST',
  path: '/webhooks/telegram',
  headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': bad ? FORGED : secretToken },
  body: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

// ---------- X ----------
export function xPayload(o: { from: string; to: string; body: string; id?: string; name?: string }): object {
  return {
    for_user_id: o.to,
    direct_message_events: [
      {
        type: 'message_create',
        id: o.id ?? String(BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))),
        created_timestamp: String(Date.now()),
        message_create: { target: { recipient_id: o.to }, sender_id: o.from, message_data: { text: o.body, entities: {} } },
      },
    ],
    users: { [o.from]: { id: o.from, name: o.name ?? 'X customer', screen_name: 'customer' } },
  };
}

export function signedX(consumerSecret: string, payload: object | string, bad = false): SignedRequest {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    method: 'POST',
    path: '/webhooks/x',
    headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': bad ? `sha256=${FORGED}` : xSignature(consumerSecret, body) },
    body,
  };
}

// ---------- Vonage ----------
export function vonagePayload(o: { channel: string; from: string; to: string; body: string; id?: string; name?: string }): object {
  return {
    message_uuid: o.id ?? randomUUID(),
    to: o.to,
    from: o.from,
    timestamp: new Date().toISOString(),
    channel: o.channel,
    message_type: 'text',
    text: o.body,
    ...(o.name ? { profile: { name: o.name } } : {}),
  };
}

export function signedVonage(secret: string, payload: object | string, opts: { bad?: boolean; iat?: number } = {}): SignedRequest {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const iat = opts.iat ?? Math.floor(Date.now() / 1000);
  const token = signHmacJwt({ iat, jti: randomUUID(), iss: 'Vonage', payload_hash: sha256(body), api_key: 'local', application_id: randomUUID() }, opts.bad ? FORGED : secret);
  return { method: 'POST', path: '/webhooks/vonage', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body };
}

// ---------- Vonage Voice ----------
/** One simulated Vonage call: the conversation id every callback of it carries, and the caller's leg. */
export interface VonageSimCall {
  readonly from: string;
  readonly to: string;
  readonly uuid: string;
  readonly conversation_uuid: string;
}
export const newVonageCall = (o: { from: string; to: string }): VonageSimCall => ({ from: o.from.replace(/^\+/, ''), to: o.to.replace(/^\+/, ''), uuid: randomUUID(), conversation_uuid: `CON-${randomUUID()}` });

export const vonageVoiceEvent = (c: VonageSimCall, status: string, extra: Record<string, unknown> = {}): object => ({
  from: c.from,
  to: c.to,
  uuid: c.uuid,
  conversation_uuid: c.conversation_uuid,
  status,
  direction: 'inbound',
  timestamp: new Date().toISOString(),
  ...extra,
});

export function vonageVoiceRecord(c: VonageSimCall, o: { recordingUrl: string; seconds: number; recordingUuid?: string }): object {
  const end = Date.now();
  return {
    start_time: new Date(end - o.seconds * 1000).toISOString(),
    recording_url: o.recordingUrl,
    size: o.seconds * 4000,
    recording_uuid: o.recordingUuid ?? randomUUID(),
    end_time: new Date(end).toISOString(),
    conversation_uuid: c.conversation_uuid,
    timestamp: new Date(end).toISOString(),
  };
}

export const vonageVoiceTranscription = (c: VonageSimCall, o: { recordingUuid: string; transcriptionUrl: string }): object => ({
  conversation_uuid: c.conversation_uuid,
  type: 'transcription',
  recording_uuid: o.recordingUuid,
  status: 'transcribed',
  transcription_url: o.transcriptionUrl,
});

/**
 * A Vonage Voice callback signed like Vonage does: HS256 JWT under the signature secret whose
 * payload_hash covers the JSON body, or for a GET (the answer webhook's default) the query as compact JSON.
 * `url` is the path (and query) Vonage calls, e.g. the recording eventUrl our NCCO returned.
 */
export function signedVonageVoice(
  secret: string,
  url: string,
  payload: object,
  opts: { method?: 'GET' | 'POST'; bad?: boolean; iat?: number; jti?: string; applicationId?: string } = {},
): SignedRequest {
  const u = new URL(url, 'http://sim.invalid');
  const method = opts.method ?? 'POST';
  if (method === 'GET') for (const [k, v] of Object.entries(payload)) u.searchParams.set(k, String(v));
  const body = method === 'GET' ? '' : JSON.stringify(payload);
  const hashed = method === 'GET' ? JSON.stringify(Object.fromEntries(u.searchParams)) : body;
  const claims = { iat: opts.iat ?? Math.floor(Date.now() / 1000), jti: opts.jti ?? randomUUID(), iss: 'Vonage', payload_hash: sha256(hashed), api_key: 'local', application_id: opts.applicationId ?? 'local-vonage-application' };
  const token = signHmacJwt(claims, opts.bad ? FORGED : secret);
  const query = u.search.replace(/^\?/, '');
  return { method, path: u.pathname, ...(query ? { query } : {}), headers: { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${token}` }, body };
}

// ---------- MessageBird ----------
export function messageBirdForm(o: { from: string; to: string; body: string; id?: string }): URLSearchParams {
  return new URLSearchParams({
    id: o.id ?? randomBytes(16).toString('hex'),
    recipient: o.to,
    originator: o.from,
    body: o.body,
    createdDatetime: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
  });
}

export function signedMessageBird(signingKey: string, publicBaseUrl: string, form: URLSearchParams, opts: { bad?: boolean; nowSeconds?: number } = {}): SignedRequest {
  const path = '/webhooks/messagebird';
  const body = form.toString();
  const t = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const token = signHmacJwt(
    { iss: 'MessageBird', nbf: t, exp: t + 60, jti: randomUUID(), url_hash: sha256(`${publicBaseUrl.replace(/\/+$/, '')}${path}`), payload_hash: sha256(body) },
    opts.bad ? FORGED : signingKey,
  );
  return { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'messagebird-signature-jwt': token }, body };
}

// ---------- email ----------
export interface EmailSimOptions {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string | undefined;
  readonly messageId?: string | undefined;
  readonly inReplyTo?: string | undefined;
  readonly references?: readonly string[] | undefined;
  readonly cc?: readonly string[] | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly attachments?: ReadonlyArray<{ filename: string; content: string; contentType?: string }> | undefined;
}

/** A Message-ID without its angle brackets: `<a@b>` and `a@b` name the same message. */
export const bareMessageId = (id: string): string => id.trim().replace(/^<\s*/, '').replace(/\s*>$/, '');
const bracketed = (id: string): string => `<${bareMessageId(id)}>`;

export const newEmailMessageId = (domain = 'customer.example'): string => `${randomBytes(8).toString('hex')}@${domain}`;

/** A raw RFC 5322 message (built with nodemailer's composer). */
export async function rawEmail(o: EmailSimOptions): Promise<string> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const msg = new MailComposer({
    from: o.from,
    to: o.to,
    ...(o.cc?.length ? { cc: [...o.cc] } : {}),
    subject: o.subject,
    text: o.text,
    ...(o.html ? { html: o.html } : {}),
    messageId: bracketed(o.messageId ?? newEmailMessageId()),
    ...(o.inReplyTo ? { inReplyTo: bracketed(o.inReplyTo) } : {}),
    ...(o.references?.length ? { references: o.references.map(bracketed) } : {}),
    ...(o.headers ? { headers: { ...o.headers } } : {}),
    ...(o.attachments ? { attachments: o.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType ?? 'text/plain' })) } : {}),
  });
  return (await msg.compile().build()).toString('utf8');
}

const basicAuth = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

/** SendGrid Inbound Parse in raw mode: the full MIME in the `email` field. */
export function signedSendGrid(userPass: string, raw: string, envelope: { from: string; to: string }, bad = false): SignedRequest {
  const boundary = `----sim${randomBytes(8).toString('hex')}`;
  const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const body = part('envelope', JSON.stringify({ to: [envelope.to], from: envelope.from })) + part('email', raw) + part('charsets', '{"email":"UTF-8"}') + `--${boundary}--\r\n`;
  return {
    method: 'POST',
    path: '/webhooks/sendgrid',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: basicAuth(bad ? 'sendgrid:wrong' : userPass) },
    body,
  };
}

/** Mailgun's parsed-message forward (urlencoded), freshly signed. */
export function signedMailgun(signingKey: string, o: EmailSimOptions, opts: { bad?: boolean; timestamp?: number; token?: string } = {}): SignedRequest {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const token = opts.token ?? randomBytes(25).toString('hex');
  const signature = createHmac('sha256', opts.bad ? FORGED : signingKey).update(timestamp + token).digest('hex');
  const f = new URLSearchParams({
    recipient: o.to,
    sender: o.from.replace(/^.*<|>.*$/g, ''),
    from: o.from,
    To: o.to,
    subject: o.subject,
    'body-plain': o.text,
    'Message-Id': bracketed(o.messageId ?? newEmailMessageId()),
    timestamp,
    token,
    signature,
  });
  if (o.inReplyTo) f.set('In-Reply-To', bracketed(o.inReplyTo));
  if (o.references?.length) f.set('References', o.references.map(bracketed).join(' '));
  if (o.cc?.length) f.set('Cc', o.cc.join(', '));
  if (o.headers) f.set('message-headers', JSON.stringify(Object.entries(o.headers)));
  return { method: 'POST', path: '/webhooks/mailgun', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: f.toString() };
}

/** Postmark's inbound JSON. */
export function signedPostmark(userPass: string, o: EmailSimOptions, bad = false): SignedRequest {
  const email = (a: string) => a.replace(/^.*<|>.*$/g, '');
  const name = (a: string) => (a.includes('<') ? a.slice(0, a.indexOf('<')).trim().replace(/^"|"$/g, '') : '');
  const headers = [
    { Name: 'Message-ID', Value: bracketed(o.messageId ?? newEmailMessageId()) },
    ...(o.inReplyTo ? [{ Name: 'In-Reply-To', Value: bracketed(o.inReplyTo) }] : []),
    ...(o.references?.length ? [{ Name: 'References', Value: o.references.map(bracketed).join(' ') }] : []),
    ...Object.entries(o.headers ?? {}).map(([Name, Value]) => ({ Name, Value })),
  ];
  const body = {
    MessageID: randomUUID(),
    From: email(o.from),
    FromName: name(o.from),
    FromFull: { Email: email(o.from), Name: name(o.from), MailboxHash: '' },
    To: o.to,
    ToFull: [{ Email: o.to, Name: '', MailboxHash: '' }],
    CcFull: (o.cc ?? []).map((c) => ({ Email: c, Name: '', MailboxHash: '' })),
    OriginalRecipient: o.to,
    Subject: o.subject,
    Date: new Date().toUTCString(),
    TextBody: o.text,
    ...(o.html ? { HtmlBody: o.html } : {}),
    Headers: headers,
    Attachments: (o.attachments ?? []).map((a) => ({ Name: a.filename, Content: Buffer.from(a.content).toString('base64'), ContentType: a.contentType ?? 'text/plain', ContentLength: a.content.length })),
    MessageStream: 'inbound',
  };
  return {
    method: 'POST',
    path: '/webhooks/postmark',
    headers: { 'content-type': 'application/json', authorization: basicAuth(bad ? 'postmark:wrong' : userPass) },
    body: JSON.stringify(body),
  };
}

/** An SES receipt notification (SNS action, content inline) in a signed SNS envelope. */
export function signedSes(
  keyPem: string,
  raw: string,
  o: { topicArn: string; recipient: string; certUrl?: string; type?: 'Notification' | 'SubscriptionConfirmation'; s3?: { bucket: string; key: string } },
): SignedRequest {
  const certUrl = o.certUrl ?? 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem';
  const id = randomUUID();
  const env: Record<string, string> =
    o.type === 'SubscriptionConfirmation'
      ? {
          Type: 'SubscriptionConfirmation',
          MessageId: id,
          Token: randomBytes(32).toString('hex'),
          TopicArn: o.topicArn,
          Message: `You have chosen to subscribe to the topic ${o.topicArn}.`,
          SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(o.topicArn)}&Token=x`,
          Timestamp: new Date().toISOString(),
          SignatureVersion: '2',
          SigningCertURL: certUrl,
        }
      : {
          Type: 'Notification',
          MessageId: id,
          TopicArn: o.topicArn,
          Subject: 'Amazon SES Email Receipt Notification',
          Message: JSON.stringify({
            notificationType: 'Received',
            mail: { timestamp: new Date().toISOString(), source: 'sender@example.com', messageId: randomBytes(20).toString('hex'), destination: [o.recipient], headers: [], commonHeaders: {} },
            receipt: {
              recipients: [o.recipient],
              action: o.s3 ? { type: 'S3', topicArn: o.topicArn, bucketName: o.s3.bucket, objectKey: o.s3.key } : { type: 'SNS', topicArn: o.topicArn, encoding: 'UTF8' },
            },
            ...(o.s3 ? {} : { content: raw }),
          }),
          Timestamp: new Date().toISOString(),
          SignatureVersion: '2',
          SigningCertURL: certUrl,
        };
  const keys = env['Type'] === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const toSign = keys.filter((k) => env[k] !== undefined).map((k) => `${k}\n${env[k]}\n`).join('');
  env['Signature'] = createSign('RSA-SHA256').update(toSign).sign(keyPem, 'base64');
  return {
    method: 'POST',
    path: '/webhooks/ses',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': env['Type']!, 'x-amz-sns-topic-arn': o.topicArn },
    body: JSON.stringify(env),
  };
}

// ---------- sending ----------
export async function send(baseUrl: string, r: SignedRequest): Promise<{ status: number; body: string }> {
  const url = `${baseUrl.replace(/\/+$/, '')}${r.path}${r.query ? `?${r.query}` : ''}`;
  const res = await fetch(url, { method: r.method, headers: r.headers, ...(r.method === 'POST' ? { body: r.body } : {}) });
  return { status: res.status, body: await res.text() };
}

/** Post a signed Twilio webhook; returns the HTTP status and body. */
export async function postTwilio(args: { baseUrl: string; publicBaseUrl?: string | undefined; token: string; form: URLSearchParams; badSignature?: boolean | undefined }) {
  return send(args.baseUrl, signedTwilio(args.publicBaseUrl ?? args.baseUrl, args.token, args.form, args.badSignature));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The command line (options, help, signing URL, outcome) lives in simulate-cli.ts.
  // Not awaited at top level: simulate-cli.ts imports this module back.
  void import('./simulate-cli.ts').then(async ({ main }) => {
    process.exitCode = await main(process.argv.slice(2));
  });
}
