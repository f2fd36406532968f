/**
 * Send correctly signed provider webhooks to the local stack (or any deployment).
 *
 *   npm run simulate -- twilio --from +15551230000 --body "My order is late"
 *   npm run simulate -- meta --channel whatsapp --from 447700900123 --body "Hi"
 *   npm run simulate -- meta --channel messenger --from PSID123 --body "Hi"
 *   npm run simulate -- meta --status delivered --id wamid.ABC      (a WhatsApp status callback)
 *   npm run simulate -- meta --handshake                            (GET hub.challenge)
 *   npm run simulate -- telegram --from 123456 --body "Hi"  |  telegram --edit --id 7 --from 123456 --body "fixed"
 *   npm run simulate -- x --from 2244994945 --body "Hi"     |  x --crc
 *   npm run simulate -- vonage --channel sms --from 447700900001 --body "Hi"
 *   npm run simulate -- messagebird --from 31612345678 --body "Hi"
 *   npm run simulate -- postmark --from "Ada <ada@customer.example>" --subject "Late order" --body "Where is it?"
 *   npm run simulate -- mailgun|sendgrid|ses ... [--id <Message-ID>] [--in-reply-to <Message-ID>] [--auto-reply]
 *   npm run simulate -- ses --subscribe                           (an SNS SubscriptionConfirmation)
 *
 * Common options: --to, --id (provider message id; resend one to see dedupe), --name, --url <base URL
 * to post to> (default http://localhost:$PORT), --public-base-url <URL signatures are computed for>,
 * --bad-signature. Secrets come from the same env vars as the server, else the local defaults.
 */
import { createHash, createHmac, createSign, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { metaSignature } from '../functions/channels/meta/verify.ts';
import { signHmacJwt } from '../functions/channels/shared/jwt.ts';
import { expectedTwilioSignature } from '../functions/channels/twilio/verify.ts';
import { xSignature } from '../functions/channels/x/index.ts';
import { LOCAL_DEFAULTS } from '../functions/config.ts';

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
    messageId: `<${o.messageId ?? newEmailMessageId()}>`,
    ...(o.inReplyTo ? { inReplyTo: `<${o.inReplyTo}>` } : {}),
    ...(o.references?.length ? { references: o.references.map((r) => `<${r}>`) } : {}),
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
    'Message-Id': `<${o.messageId ?? newEmailMessageId()}>`,
    timestamp,
    token,
    signature,
  });
  if (o.inReplyTo) f.set('In-Reply-To', `<${o.inReplyTo}>`);
  if (o.references?.length) f.set('References', o.references.map((r) => `<${r}>`).join(' '));
  if (o.cc?.length) f.set('Cc', o.cc.join(', '));
  if (o.headers) f.set('message-headers', JSON.stringify(Object.entries(o.headers)));
  return { method: 'POST', path: '/webhooks/mailgun', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: f.toString() };
}

/** Postmark's inbound JSON. */
export function signedPostmark(userPass: string, o: EmailSimOptions, bad = false): SignedRequest {
  const email = (a: string) => a.replace(/^.*<|>.*$/g, '');
  const name = (a: string) => (a.includes('<') ? a.slice(0, a.indexOf('<')).trim().replace(/^"|"$/g, '') : '');
  const headers = [
    { Name: 'Message-ID', Value: `<${o.messageId ?? newEmailMessageId()}>` },
    ...(o.inReplyTo ? [{ Name: 'In-Reply-To', Value: `<${o.inReplyTo}>` }] : []),
    ...(o.references?.length ? [{ Name: 'References', Value: o.references.map((r) => `<${r}>`).join(' ') }] : []),
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

const secret = (name: keyof typeof LOCAL_DEFAULTS): string => process.env[name] ?? LOCAL_DEFAULTS[name];

async function main(): Promise<void> {
  const [provider, ...rest] = process.argv.slice(2);
  const { values: v } = parseArgs({
    args: rest,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      body: { type: 'string', default: 'Hello, I need help with my order.' },
      id: { type: 'string' },
      sid: { type: 'string' },
      channel: { type: 'string' },
      name: { type: 'string' },
      whatsapp: { type: 'boolean', default: false },
      media: { type: 'string', multiple: true },
      status: { type: 'string' },
      edit: { type: 'boolean', default: false },
      handshake: { type: 'boolean', default: false },
      crc: { type: 'boolean', default: false },
      url: { type: 'string' },
      'public-base-url': { type: 'string' },
      token: { type: 'string' },
      'bad-signature': { type: 'boolean', default: false },
      subject: { type: 'string' },
      'in-reply-to': { type: 'string' },
      'auto-reply': { type: 'boolean', default: false },
      subscribe: { type: 'boolean', default: false },
    },
  });
  const baseUrl = v.url ?? `http://localhost:${process.env['PORT'] ?? 3000}`;
  const publicBase = v['public-base-url'] ?? process.env['PUBLIC_BASE_URL'] ?? baseUrl;
  const bad = v['bad-signature'];
  let req: SignedRequest;
  switch (provider) {
    case 'twilio':
      req = signedTwilio(
        publicBase,
        v.token ?? secret('TWILIO_AUTH_TOKEN'),
        twilioForm({ from: v.from ?? '+15551230000', to: v.to ?? '+15550001111', body: v.body, sid: v.sid ?? v.id, whatsapp: v.whatsapp, media: v.media, profileName: v.name }),
        bad,
      );
      break;
    case 'meta': {
      if (v.handshake) {
        req = { method: 'GET', path: '/webhooks/meta', query: `hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${encodeURIComponent(bad ? 'wrong' : secret('META_VERIFY_TOKEN'))}`, headers: {}, body: '' };
        break;
      }
      const channel = (v.channel ?? 'whatsapp') as 'whatsapp' | 'messenger' | 'instagram';
      const to = v.to ?? (channel === 'whatsapp' ? '15550001111' : '1234567890');
      const payload = v.status
        ? metaStatusPayload({ id: v.id ?? 'wamid.unknown', status: v.status, to })
        : metaMessagePayload({ channel, from: v.from ?? (channel === 'whatsapp' ? '15551230000' : '5678'), to, body: v.body, ...(v.id ? { id: v.id } : {}), ...(v.name ? { name: v.name } : {}) });
      req = signedMeta(v.token ?? secret('META_APP_SECRET'), payload, bad);
      break;
    }
    case 'telegram':
      req = signedTelegram(
        v.token ?? secret('TELEGRAM_SECRET_TOKEN'),
        telegramPayload({ from: v.from ?? '123456789', body: v.body, edit: v.edit, ...(v.id ? { messageId: Number(v.id) } : {}), ...(v.name ? { name: v.name } : {}) }),
        bad,
      );
      break;
    case 'x':
      if (v.crc) {
        req = { method: 'GET', path: '/webhooks/x', query: 'crc_token=simulated-crc-token', headers: {}, body: '' };
        break;
      }
      req = signedX(v.token ?? secret('X_CONSUMER_SECRET'), xPayload({ from: v.from ?? '2244994945', to: v.to ?? '1111111111', body: v.body, ...(v.id ? { id: v.id } : {}), ...(v.name ? { name: v.name } : {}) }), bad);
      break;
    case 'vonage':
      req = signedVonage(
        v.token ?? secret('VONAGE_SIGNATURE_SECRET'),
        v.status
          ? { message_uuid: v.id ?? randomUUID(), status: v.status, timestamp: new Date().toISOString() }
          : vonagePayload({ channel: v.channel ?? 'sms', from: v.from ?? '447700900001', to: v.to ?? '447700900000', body: v.body, ...(v.id ? { id: v.id } : {}), ...(v.name ? { name: v.name } : {}) }),
        { bad },
      );
      break;
    case 'messagebird':
      req = signedMessageBird(v.token ?? secret('MESSAGEBIRD_SIGNING_KEY'), publicBase, messageBirdForm({ from: v.from ?? '31612345678', to: v.to ?? '3197010260000', body: v.body, ...(v.id ? { id: v.id } : {}) }), { bad });
      break;
    case 'sendgrid':
    case 'mailgun':
    case 'postmark':
    case 'ses': {
      const mail: EmailSimOptions = {
        from: v.from ?? 'Ada Customer <ada@customer.example>',
        to: v.to ?? 'help@support.example',
        subject: v.subject ?? 'My order has not arrived',
        text: v.body,
        ...(v.id ? { messageId: v.id } : {}),
        ...(v['in-reply-to'] ? { inReplyTo: v['in-reply-to'] } : {}),
        ...(v['auto-reply'] ? { headers: { 'Auto-Submitted': 'auto-replied' } } : {}),
      };
      if (provider === 'sendgrid') req = signedSendGrid(v.token ?? secret('SENDGRID_BASIC_AUTH'), await rawEmail(mail), { from: mail.from, to: mail.to }, bad);
      else if (provider === 'mailgun') req = signedMailgun(v.token ?? secret('MAILGUN_SIGNING_KEY'), mail, { bad });
      else if (provider === 'postmark') req = signedPostmark(v.token ?? secret('POSTMARK_BASIC_AUTH'), mail, bad);
      else {
        const { LOCAL_SNS_KEY_FILE, LOCAL_SNS_TOPIC_ARN } = await import('./local-stack.ts');
        req = signedSes(readFileSync(LOCAL_SNS_KEY_FILE, 'utf8'), await rawEmail(mail), {
          topicArn: process.env['SNS_TOPIC_ARNS']?.split(',')[0] ?? LOCAL_SNS_TOPIC_ARN,
          recipient: mail.to,
          ...(bad ? { certUrl: 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem' } : {}),
          ...(v.subscribe ? { type: 'SubscriptionConfirmation' as const } : {}),
        });
      }
      break;
    }
    default:
      console.error('usage: npm run simulate -- <twilio|meta|telegram|x|vonage|messagebird|sendgrid|mailgun|postmark|ses> [options]  (see bin/simulate.ts)');
      process.exit(2);
  }
  const r = await send(baseUrl, req);
  console.log(`${req.method} ${baseUrl}${req.path}${req.query ? `?${req.query}` : ''} -> ${r.status} ${r.body}`);
  if (r.status >= 300) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
