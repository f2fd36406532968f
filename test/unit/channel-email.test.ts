import { beforeEach, describe, expect, it } from 'vitest';
import { mailgun, mailgunSignature, verifyMailgun } from '../../functions/channels/mailgun/index.ts';
import { postmark } from '../../functions/channels/postmark/index.ts';
import { sendgrid, verifySendGridSignature } from '../../functions/channels/sendgrid/index.ts';
import { clearCertificateCache, ses } from '../../functions/channels/ses/index.ts';
import { isSnsUrl, stringToSign, SnsEnvelopeSchema } from '../../functions/channels/ses/sns.ts';
import { automatedReason, replySubject, ticketIdFromSubject } from '../../functions/core/email.ts';
import { replyPreview } from '../../functions/core/email-preview.ts';
import type { ChannelEvent } from '../../functions/core/types.ts';
import { fakeIo, fixtureJson, fixtureText, httpCapture, request, testConfig, thrown } from '../helpers/fixtures.ts';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
const messageOf = (events: readonly ChannelEvent[]) => {
  const e = events[0]!;
  if (e.kind !== 'message') throw new Error(`expected a message, got ${e.kind}`);
  return e;
};

describe('SendGrid Inbound Parse', () => {
  const config = testConfig({ SENDGRID_BASIC_AUTH: 'sg:secret' });
  const now = new Date('2026-02-01T00:00:00Z');
  const cap = httpCapture('sendgrid/sendgrid-1.txt');
  const post = (auth?: string, extra: Record<string, string> = {}) =>
    request('POST', '/webhooks/sendgrid', cap.body, { 'content-type': cap.headers['content-type']!, ...(auth ? { authorization: auth } : {}), ...extra });

  it('normalizes the real capture: contact, subject, text, Message-ID, attachments', async () => {
    const r = await sendgrid.receive(post(basic('sg:secret')), { config, now, io: fakeIo() });
    expect(r.kind).toBe('events');
    const e = messageOf(r.kind === 'events' ? r.events : []);
    expect(e.message).toMatchObject({
      provider: 'sendgrid',
      channel: 'email',
      from: 'james@opennorth.ca',
      to: 'foo+bar@parolecitoyenne.com',
      identity: { kind: 'email', value: 'james@opennorth.ca' },
      displayName: 'James McKinney',
      email: { subject: 'Test', messageId: 'D0AB77C1-A89D-4D9E-A207-5E20A6D36BEF@opennorth.ca' },
    });
    expect(e.message.text).toContain('bold text');
    expect(e.message.email!.preview).not.toContain('quoted');
    // SendGrid posts Apple Mail's extra HTML parts as attachments too, numbered in order.
    expect(e.message.attachments.map((a) => [a.name, a.contentType])).toEqual([
      ['foo.txt', 'text/plain'],
      ['msg-12415-313.html', 'text/html'],
      ['bar.txt', 'text/plain'],
      ['msg-12415-314.html', 'text/html'],
    ]);
    expect(Buffer.from(e.contents![0]!).toString()).toContain('Lorem ipsum');
  });

  it('401 with a Basic challenge without or with wrong credentials', async () => {
    const missing = await thrownAsync(() => sendgrid.receive(post(), { config, now, io: fakeIo() }));
    expect(missing).toMatchObject({ status: 401, code: 'missing_credentials', headers: { 'www-authenticate': expect.stringContaining('Basic') } });
    expect(await thrownAsync(() => sendgrid.receive(post(basic('sg:wrong')), { config, now, io: fakeIo() }))).toMatchObject({ status: 401, code: 'bad_credentials' });
  });

  it('verifies the published ECDSA vector and requires the signature when a public key is set', async () => {
    const v = fixtureJson('sendgrid/vectors.json').published;
    expect(verifySendGridSignature(v.public_key_b64_der, v.payload, v.signature_header_b64_der, v.timestamp_header)).toBe(true);
    expect(verifySendGridSignature(v.public_key_b64_der, `${v.payload} `, v.signature_header_b64_der, v.timestamp_header)).toBe(false);
    const signed = testConfig({ SENDGRID_BASIC_AUTH: 'sg:secret', SENDGRID_PUBLIC_KEY: v.public_key_b64_der });
    expect(await thrownAsync(() => sendgrid.receive(post(basic('sg:secret')), { config: signed, now, io: fakeIo() }))).toMatchObject({ status: 403, code: 'missing_signature' });
    const forged = post(basic('sg:secret'), {
      'x-twilio-email-event-webhook-signature': v.signature_header_b64_der,
      'x-twilio-email-event-webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    });
    expect(await thrownAsync(() => sendgrid.receive(forged, { config: signed, now, io: fakeIo() }))).toMatchObject({ status: 403, code: 'bad_signature' });
  });
});

describe('Mailgun', () => {
  const vectors = fixtureJson('mailgun/vectors.json').published.cases as Array<{ signing_key: string; timestamp: string; token: string; signature: string }>;
  it.each(vectors.map((v) => [v.signing_key.slice(0, 8), v] as const))('published vector (key %s…)', (_k, v) => {
    expect(mailgunSignature(v.signing_key, v.timestamp, v.token)).toBe(v.signature);
    const at = new Date(Number(v.timestamp) * 1000 + 30_000);
    expect(verifyMailgun(v.signing_key, v, at, 300)).toEqual({ ok: true });
    expect(verifyMailgun(v.signing_key, v, new Date(Number(v.timestamp) * 1000 + 3_600_000), 300)).toEqual({ ok: false, reason: 'stale_signature' });
    expect(verifyMailgun('other', v, at, 300)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  const cap = httpCapture('mailgun/mailgun-1.txt');
  const config = testConfig({ MAILGUN_SIGNING_KEY: 'foo' });
  const at = new Date(1366071615 * 1000 + 10_000);
  const post = () => request('POST', '/webhooks/mailgun', cap.body, { 'content-type': cap.headers['content-type']! });

  it('normalizes the real capture (multipart with two attachments)', async () => {
    const r = await mailgun.receive(post(), { config, now: at, io: fakeIo() });
    const e = messageOf(r.kind === 'events' ? r.events : []);
    expect(e.message).toMatchObject({
      provider: 'mailgun',
      from: 'james@opennorth.ca',
      to: 'foo+bar@multimail.mailgun.org',
      displayName: 'James McKinney',
      email: { subject: 'Test', messageId: 'E102015D-F580-4316-81FA-7324838A3AE8@opennorth.ca' },
    });
    expect(e.message.attachments).toEqual([
      { name: 'foo.txt', contentType: 'text/plain', size: 58 },
      { name: 'bar.txt', contentType: 'text/plain', size: 39 },
    ]);
  });

  it('refuses a stale timestamp and a token reused for another message; accepts its own retry', async () => {
    expect(await thrownAsync(() => mailgun.receive(post(), { config, now: new Date(), io: fakeIo() }))).toMatchObject({ status: 403, code: 'stale_signature' });
    const io = fakeIo();
    await mailgun.receive(post(), { config, now: at, io });
    await expect(mailgun.receive(post(), { config, now: at, io })).resolves.toMatchObject({ kind: 'events' }); // Mailgun's retry
    const ts = '1366071615';
    const token = '5o56tmpwd3dnwthehwclemd-i-7u2gv9vb3u745ywj67d0mc87';
    const replay = new URLSearchParams({ timestamp: ts, token, signature: mailgunSignature('foo', ts, token), 'Message-Id': '<other@evil.example>', from: 'x@evil.example', recipient: 'a@b.c', 'body-plain': 'hi' });
    const r = request('POST', '/webhooks/mailgun', replay.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(await thrownAsync(() => mailgun.receive(r, { config, now: at, io }))).toMatchObject({ status: 403, code: 'replayed_token' });
  });
});

describe('Postmark', () => {
  const cap = httpCapture('postmark/postmark-1.txt');
  const config = testConfig({ POSTMARK_BASIC_AUTH: 'pm:secret' });
  const now = new Date('2026-02-01T00:00:00Z');
  it('normalizes the real capture with base64 attachments', async () => {
    const r = await postmark.receive(request('POST', '/webhooks/postmark', cap.body, { 'content-type': 'application/json', authorization: basic('pm:secret') }), { config, now, io: fakeIo() });
    const e = messageOf(r.kind === 'events' ? r.events : []);
    expect(e.message).toMatchObject({
      provider: 'postmark',
      providerMessageId: 'e27500eb-142e-4ca0-8529-e32ffd9931d6',
      from: 'james@opennorth.ca',
      to: '4354473e2e6ab001fa836f627a54004e+bar@inbound.postmarkapp.com',
      email: { subject: 'Test', messageId: '26ECCA85-47DE-4E66-827A-B35E34874F26@opennorth.ca' },
    });
    expect(e.message.attachments.map((a) => a.name)).toEqual(['foo.txt', 'bar.txt']);
    expect(Buffer.from(e.contents![1]!).toString()).toContain('Nam accumsan');
  });
  it('401 without credentials', async () => {
    const r = request('POST', '/webhooks/postmark', cap.body, { 'content-type': 'application/json' });
    expect(await thrownAsync(() => postmark.receive(r, { config, now, io: fakeIo() }))).toMatchObject({ status: 401 });
  });
});

describe('SES via SNS', () => {
  const certUrl = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a86cb10b4e1f29c941702d737128f7b6.pem';
  const cert = fixtureText('ses/ses-sns-signing-cert.pem');
  const topic = 'arn:aws:sns:eu-west-1:111111111111:example-topic';
  const config = testConfig({ SNS_TOPIC_ARNS: `${topic},arn:aws:sns:eu-west-1:111111111111:recognized-topic` });
  // The Rails fixtures were signed in 2020: SNS messages older than an hour are refused, so the clock is set to their time.
  const now = new Date('2020-05-09T09:20:00Z');
  const at = (fixture: string) => new Date(Date.parse(fixtureJson(fixture).Timestamp) + 60_000);
  const post = (body: string) => request('POST', '/webhooks/ses', body, { 'content-type': 'text/plain; charset=UTF-8' });
  beforeEach(() => clearCertificateCache());

  it('verifies the Rails fixtures with their certificate; the invalid one fails', async () => {
    const io = fakeIo({ certs: { [certUrl]: cert } });
    const n = await ses.receive(post(fixtureText('ses/ses-sns-1.json')), { config, now, io });
    const e = messageOf(n.kind === 'events' ? n.events : []);
    expect(e.message).toMatchObject({
      provider: 'ses',
      providerMessageId: 'abcdef0123456789abcdef0123456789abcdef01',
      from: 'sender@example.com',
      to: 'recipient@example.com',
      displayName: 'Email Sender',
      email: { messageId: 'CA+X1WqWD+ZHUimo+gm+=TZt7haLJv9G7LjG4M-wu5ka=CwxpYQ@mail.gmail.com' },
    });
    expect(e.message.text.trim()).toBe('test message');
    expect(await thrownAsync(() => ses.receive(post(fixtureText('ses/invalid_signature.json')), { config, now: at('ses/invalid_signature.json'), io }))).toMatchObject({ status: 403, code: 'bad_signature' });
  });

  it('confirms a subscription by fetching SubscribeURL', async () => {
    const io = fakeIo({ certs: { [certUrl]: cert } });
    const r = await ses.receive(post(fixtureText('ses/ses-sns-2.json')), { config, now: at('ses/ses-sns-2.json'), io });
    expect(r).toMatchObject({ kind: 'response', response: { statusCode: 200 } });
    expect(io.fetched.some((u) => u.startsWith('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription'))).toBe(true);
    await ses.receive(post(fixtureText('ses/recognized_topic_subscription_request.json')), { config, now: at('ses/recognized_topic_subscription_request.json'), io });
  });

  it('refuses an unknown topic before fetching anything', async () => {
    const io = fakeIo({ certs: { [certUrl]: cert } });
    expect(await thrownAsync(() => ses.receive(post(fixtureText('ses/unrecognized_topic_subscription_request.json')), { config, now, io }))).toMatchObject({ status: 403, code: 'unknown_topic' });
    expect(io.fetched).toEqual([]);
  });

  it('refuses a spoofed SigningCertURL host without fetching it', async () => {
    const io = fakeIo({ certs: { [certUrl]: cert } });
    for (const url of ['https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem', 'http://sns.eu-west-1.amazonaws.com/cert.pem', 'https://evil.example/sns.eu-west-1.amazonaws.com.pem', 'https://sns.eu-west-1.amazonaws.com/cert.txt']) {
      const body = fixtureJson('ses/ses-sns-1.json');
      body.SigningCertURL = url;
      expect(await thrownAsync(() => ses.receive(post(JSON.stringify(body)), { config, now, io }))).toMatchObject({ status: 403, code: 'untrusted_certificate_url' });
    }
    expect(io.fetched).toEqual([]);
  });

  it('reads the raw message from S3 for the S3 action', async () => {
    const s3 = fixtureJson('ses/inbound_email_s3.json');
    const action = JSON.parse(s3.Message).receipt.action;
    const raw = Buffer.from('From: Customer <c@example.com>\r\nTo: help@example.com\r\nSubject: From S3\r\nMessage-ID: <s3-msg@example.com>\r\n\r\nbody from s3\r\n');
    const io = fakeIo({ certs: { [s3.SigningCertURL]: cert }, objects: { [`${action.bucketName}/${action.objectKey}`]: raw } });
    const cfg = testConfig({ SNS_TOPIC_ARNS: s3.TopicArn });
    const r = await ses.receive(post(fixtureText('ses/inbound_email_s3.json')), { config: cfg, now: at('ses/inbound_email_s3.json'), io });
    expect(messageOf(r.kind === 'events' ? r.events : []).message).toMatchObject({ from: 'c@example.com', email: { subject: 'From S3' } });
  });

  it('builds the string to sign from the right keys per type', () => {
    const sub = SnsEnvelopeSchema.parse(fixtureJson('ses/ses-sns-2.json'));
    expect(stringToSign(sub).split('\n').filter((_, i) => i % 2 === 0).filter(Boolean)).toEqual(['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type']);
    expect(isSnsUrl('https://sns.us-east-1.amazonaws.com.cn/x.pem', true)).toBe(true);
    expect(isSnsUrl('https://sns.us-east-1.amazonaws.com:8443/x.pem', true)).toBe(false);
  });
});

describe('email rules', () => {
  it('detects auto-replies, bounces and list mail', () => {
    const h = (o: Record<string, string>) => new Map(Object.entries(o));
    expect(automatedReason(h({ 'auto-submitted': 'auto-replied' }), 'a@b.c')).toMatch(/auto-submitted/);
    expect(automatedReason(h({ 'auto-submitted': 'no' }), 'a@b.c')).toBeUndefined();
    expect(automatedReason(h({ precedence: 'bulk' }), 'a@b.c')).toMatch(/precedence/);
    expect(automatedReason(h({ 'x-autoreply': 'yes' }), 'a@b.c')).toBe('x-autoreply');
    expect(automatedReason(h({ 'list-id': '<x.lists.example>' }), 'a@b.c')).toBe('mailing list');
    expect(automatedReason(h({}), 'MAILER-DAEMON@mx.example')).toMatch(/mailer-daemon/);
    expect(automatedReason(h({}), 'ana@example.com')).toBeUndefined();
  });
  it('puts and finds the ticket token in subjects without stacking', () => {
    const id = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expect(replySubject('My order', id)).toBe(`Re: My order [#${id}]`);
    expect(replySubject(`RE: Re: My order [#${id}]`, id)).toBe(`Re: My order [#${id}]`);
    expect(ticketIdFromSubject(`Re: My order [#${id}]`)).toBe(id);
    expect(ticketIdFromSubject('Re: My order')).toBeUndefined();
  });
  it('strips quoted history from the preview', () => {
    expect(replyPreview('Thanks!\n\nOn Mon, 1 Jan 2024, Support <s@x.com> wrote:\n> old text')).toBe('Thanks!');
  });
});

async function thrownAsync(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return thrown(() => undefined);
}
