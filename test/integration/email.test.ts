/** Email providers through the local gateway: fixtures, threading across providers, loops, attachments, forgeries. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SNS_KEY_FILE, LOCAL_SNS_TOPIC_ARN } from '../../bin/local-stack.ts';
import { newEmailMessageId, rawEmail, signedMailgun, signedPostmark, signedSendGrid, signedSes, type EmailSimOptions } from '../../bin/simulate.ts';
import { mailgunSignature } from '../../functions/channels/mailgun/index.ts';
import { MAX_WEBHOOK_BYTES } from '../../functions/spec.ts';
import { fixtureText, httpCapture } from '../helpers/fixtures.ts';
import { api, deliver, eventually, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let s: TestStack['runtime']['config']['secrets'];
beforeAll(async () => {
  stack = await startTestStack({ AUTO_ACK_TEXT: 'We got your email (ticket {ticket}).' });
  s = stack.runtime.config.secrets;
});
afterAll(async () => {
  await stack?.stop();
});

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
const uniqueAddress = () => `cust-${randomBytes(4).toString('hex')}@customer.example`;
const emailTickets = async (customer: string) =>
  ((await api(stack, 'GET', '/v1/tickets?channel=email&limit=100')).json.tickets as any[]).filter((t) => t.customerAddress === customer);
const detail = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}`)).json;

/** Every SES SendEmail the stub received, parsed back into MIME. */
async function sentEmails(): Promise<Array<Awaited<ReturnType<typeof PostalMime.parse>>>> {
  const raws = stack.providerStub.requests.filter((r) => r.path.startsWith('/v2/email/outbound-emails')).map((r) => Buffer.from(r.json.Content.Raw.Data, 'base64'));
  return Promise.all(raws.map((r) => PostalMime.parse(r)));
}

describe('real email fixtures become tickets with the right contact, subject, text and attachments', () => {
  it('SendGrid sendgrid-1.txt', async () => {
    const cap = httpCapture('sendgrid/sendgrid-1.txt');
    const r = await deliver(stack, { method: 'POST', path: '/webhooks/sendgrid', headers: { 'content-type': cap.headers['content-type']!, authorization: basic(s.SENDGRID_BASIC_AUTH!) }, body: cap.body.toString('latin1') });
    expect(r.status).toBe(200);
    const t = (await emailTickets('james@opennorth.ca')).find((x) => x.provider === 'sendgrid');
    expect(t).toMatchObject({ channel: 'email', subject: 'Test', inboxAddress: 'foo+bar@parolecitoyenne.com' });
    const d = await detail(t.id);
    const m = d.messages.find((x: any) => x.direction === 'inbound');
    expect(m.text).toContain('bold text');
    expect(m.email).toMatchObject({ subject: 'Test', messageId: 'D0AB77C1-A89D-4D9E-A207-5E20A6D36BEF@opennorth.ca' });
    const foo = m.attachments.find((a: any) => a.name === 'foo.txt');
    expect(foo).toMatchObject({ contentType: 'text/plain', size: 58, downloadUrl: expect.stringMatching(/^http/) });
    const download = await fetch(foo.downloadUrl);
    expect(download.status).toBe(200);
    expect((await download.text()).trim()).toBe('Lorem ipsum dolor sit amet, consectetur adipiscing elit.');
    expect((await api(stack, 'GET', `/v1/contacts/${t.contactId}`)).json.contact).toMatchObject({ name: 'James McKinney', identities: [{ kind: 'email', value: 'james@opennorth.ca' }] });
  });

  it('Mailgun mailgun-1.txt (re-signed now with the configured key)', async () => {
    const cap = httpCapture('mailgun/mailgun-1.txt');
    const ts = String(Math.floor(Date.now() / 1000));
    const token = randomBytes(25).toString('hex');
    const body = cap.body
      .toString('latin1')
      .replace('1366071615', ts)
      .replace('5o56tmpwd3dnwthehwclemd-i-7u2gv9vb3u745ywj67d0mc87', token)
      .replace('bc2ab6c1080d52f2a06928b93f21e86c2d28c548e2ef64354f8ba1a95bb53cd6', mailgunSignature(s.MAILGUN_SIGNING_KEY!, ts, token))
      // the same mail also arrives in the SendGrid fixture test: give this copy its own Message-ID
      .replaceAll('E102015D-F580-4316-81FA-7324838A3AE8@opennorth.ca', 'mailgun-copy@opennorth.ca');
    const r = await deliver(stack, { method: 'POST', path: '/webhooks/mailgun', headers: { 'content-type': cap.headers['content-type']! }, body });
    expect(r.status).toBe(200);
    const t = (await emailTickets('james@opennorth.ca')).find((x) => x.provider === 'mailgun');
    expect(t).toMatchObject({ subject: 'Test', inboxAddress: 'foo+bar@multimail.mailgun.org' });
    const m = (await detail(t.id)).messages[0];
    expect(m.attachments.map((a: any) => [a.name, a.size])).toEqual([['foo.txt', 58], ['bar.txt', 39]]);
  });

  it('Postmark postmark-1.txt', async () => {
    const cap = httpCapture('postmark/postmark-1.txt');
    const r = await deliver(stack, { method: 'POST', path: '/webhooks/postmark', headers: { 'content-type': 'application/json', authorization: basic(s.POSTMARK_BASIC_AUTH!) }, body: cap.body.toString('utf8') });
    expect(r.status).toBe(200);
    const t = (await emailTickets('james@opennorth.ca')).find((x) => x.provider === 'postmark');
    expect(t).toMatchObject({ subject: 'Test' });
    const m = (await detail(t.id)).messages[0];
    expect(m.text).toContain('some italic text');
    expect(m.email.preview).not.toContain('quoted');
    expect(m.attachments.map((a: any) => a.name)).toEqual(['foo.txt', 'bar.txt']);
  });

  it('SES ses-sns-1.json (signed with the fixture certificate; the clock at its Timestamp, since stale SNS messages are refused)', async () => {
    const body = fixtureText('ses/ses-sns-1.json');
    stack.setNow(JSON.parse(body).Timestamp);
    const r = await deliver(stack, { method: 'POST', path: '/webhooks/ses', headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' }, body }).finally(() => stack.setNow(undefined));
    expect(r.status).toBe(200);
    const [t] = await emailTickets('sender@example.com');
    expect(t).toMatchObject({ provider: 'ses', inboxAddress: 'recipient@example.com' });
    expect((await detail(t.id)).messages[0].text.trim()).toBe('test message');
  });
});

describe('SNS subscription and forgeries', () => {
  it('confirms a SubscriptionConfirmation by fetching SubscribeURL', async () => {
    const body = fixtureText('ses/ses-sns-2.json');
    stack.setNow(JSON.parse(body).Timestamp);
    const r = await deliver(stack, { method: 'POST', path: '/webhooks/ses', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body }).finally(() => stack.setNow(undefined));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ confirmed: true });
    expect(stack.fetched.some((u) => u.startsWith('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription'))).toBe(true);
  });

  it('reads mail an SES S3 action stored (large mail)', async () => {
    const customer = uniqueAddress();
    const raw = await rawEmail({ from: customer, to: 'help@support.example', subject: 'Big invoice', text: 'See attached.', attachments: [{ filename: 'invoice.txt', content: 'I'.repeat(200_000) }] });
    const key = `inbound/${randomBytes(8).toString('hex')}`;
    await stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.runtime.config.attachmentsBucket, Key: key, Body: raw }));
    const r = await deliver(stack, signedSes(readFileSync(LOCAL_SNS_KEY_FILE, 'utf8'), '', { topicArn: LOCAL_SNS_TOPIC_ARN, recipient: 'help@support.example', s3: { bucket: stack.runtime.config.attachmentsBucket, key } }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true });
    const [t] = await emailTickets(customer);
    const m = (await detail(t.id)).messages[0];
    expect(m.email.subject).toBe('Big invoice');
    expect(m.attachments[0]).toMatchObject({ name: 'invoice.txt', size: 200_000 });
  });

  it('refuses a spoofed SigningCertURL host, an unknown topic and a bad signature, storing nothing', async () => {
    const customer = uniqueAddress();
    const raw = await rawEmail({ from: customer, to: 'help@support.example', subject: 'spoof', text: 'x' });
    const key = readFileSync(LOCAL_SNS_KEY_FILE, 'utf8');
    const fetchedBefore = stack.fetched.length;
    const spoofed = signedSes(key, raw, { topicArn: LOCAL_SNS_TOPIC_ARN, recipient: 'help@support.example', certUrl: 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem' });
    expect([(await deliver(stack, spoofed)).status, stack.fetched.length]).toEqual([403, fetchedBefore]);
    const unknown = signedSes(key, raw, { topicArn: 'arn:aws:sns:us-east-1:000000000000:not-allowed', recipient: 'help@support.example' });
    expect((await deliver(stack, unknown)).status).toBe(403);
    const invalid = await deliver(stack, { method: 'POST', path: '/webhooks/ses', headers: { 'content-type': 'text/plain' }, body: fixtureText('ses/invalid_signature.json') });
    expect(invalid.status).toBe(403);
    expect(await emailTickets(customer)).toEqual([]);
  });

  it('refuses wrong basic auth (401), a forged, stale or replayed Mailgun post (403), storing nothing', async () => {
    const customer = uniqueAddress();
    const mail: EmailSimOptions = { from: customer, to: 'help@support.example', subject: 'forgery', text: 'x' };
    const pm = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, mail, true));
    expect(pm.status).toBe(401);
    expect((await deliver(stack, signedSendGrid(s.SENDGRID_BASIC_AUTH!, await rawEmail(mail), { from: customer, to: mail.to }, true))).status).toBe(401);
    expect((await deliver(stack, signedMailgun(s.MAILGUN_SIGNING_KEY!, mail, { bad: true }))).status).toBe(403);
    expect((await deliver(stack, signedMailgun(s.MAILGUN_SIGNING_KEY!, mail, { timestamp: Math.floor(Date.now() / 1000) - 3600 }))).status).toBe(403);
    // a token Mailgun used for one message cannot carry another
    const token = randomBytes(25).toString('hex');
    expect((await deliver(stack, signedMailgun(s.MAILGUN_SIGNING_KEY!, { ...mail, from: uniqueAddress(), text: 'genuine' }, { token }))).status).toBe(200);
    const replay = await deliver(stack, signedMailgun(s.MAILGUN_SIGNING_KEY!, mail, { token }));
    expect(replay.status).toBe(403);
    expect(JSON.parse(replay.body).error.code).toBe('replayed_token');
    expect(await emailTickets(customer)).toEqual([]);
  });

  it('keeps bodies too large for a table item in the bucket, whole, with the message truncated', async () => {
    const customer = uniqueAddress();
    const text = `start ${'long line of text '.repeat(20_000)} end`; // ~360 KB
    const html = `<p>${'x'.repeat(100_000)}</p>`;
    const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'help@support.example', subject: 'Long', text, html }));
    expect(r.status).toBe(200);
    const [t] = await emailTickets(customer);
    const m = (await detail(t.id)).messages[0];
    expect(m.text.length).toBeLessThan(70_000);
    expect(m.text.startsWith('start ')).toBe(true);
    expect(m.email.html).toBeNull();
    expect(await (await fetch(m.fullTextUrl)).text()).toBe(text);
    expect(await (await fetch(m.email.htmlUrl)).text()).toBe(html);
  });

  it('a body over the limit is a 413 and leaves no ticket', async () => {
    const customer = uniqueAddress();
    const mail: EmailSimOptions = { from: customer, to: 'help@support.example', subject: 'huge', text: 'x', attachments: [{ filename: 'big.bin', content: 'A'.repeat(MAX_WEBHOOK_BYTES) }] };
    const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, mail));
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('payload_too_large');
    expect(await emailTickets(customer)).toEqual([]);
  });
});

describe('threading', () => {
  it('five messages across two providers land in one ticket, each saying why', async () => {
    const customer = uniqueAddress();
    const colleague = uniqueAddress();
    const first = newEmailMessageId();
    // 1. Postmark: a new conversation
    expect((await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: `Ada <${customer}>`, to: 'help@support.example', subject: 'Broken kettle', text: 'It leaks.', messageId: first }))).status).toBe(200);
    const [ticket] = await emailTickets(customer);
    expect(ticket).toMatchObject({ subject: 'Broken kettle', status: 'open' }); // (the ack may already have been added)
    // our acknowledgement goes out through SES with our own Message-ID and the ticket token
    const ack = await eventually(async () => (await sentEmails()).find((m) => m.to?.[0]?.address === customer), 15_000, 'the email acknowledgement');
    expect(ack.subject).toBe(`We received your request [#${ticket.id}]`); // automated: a fixed subject, none of the sender’s words
    expect(ack.inReplyTo).toBe(`<${first}>`);
    expect(ack.headers.find((h) => h.key === 'auto-submitted')?.value).toBe('auto-replied');
    const ackId = ack.messageId!.replace(/[<>]/g, '');

    // 2. Mailgun: the customer answers our acknowledgement (In-Reply-To our Message-ID)
    expect((await deliver(stack, signedMailgun(s.MAILGUN_SIGNING_KEY!, { from: customer, to: 'help@support.example', subject: `Re: Broken kettle [#${ticket.id}]`, text: 'Any news?', inReplyTo: ackId, references: [first, ackId] }))).status).toBe(200);
    // 3. Postmark: References only (In-Reply-To points at a mail we never saw)
    expect((await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'help@support.example', subject: 'Re: Broken kettle', text: 'Photo attached', inReplyTo: newEmailMessageId(), references: [first], attachments: [{ filename: 'kettle.txt', content: 'pretend photo' }] }))).status).toBe(200);
    // 4. Mailgun: no headers at all, only the token in the subject
    expect((await deliver(stack, signedMailgun(s.MAILGUN_SIGNING_KEY!, { from: customer, to: 'help@support.example', subject: `Kettle again [#${ticket.id}]`, text: 'Hello?' }))).status).toBe(200);
    // 5. Postmark: a colleague replies on the thread; they join, they do not take over
    expect((await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: colleague, to: 'help@support.example', subject: 'Re: Broken kettle', text: 'Same here', inReplyTo: first, cc: [customer] }))).status).toBe(200);

    const d = await detail(ticket.id);
    const inbound = d.messages.filter((m: any) => m.direction === 'inbound');
    expect(inbound.map((m: any) => [m.text, m.threadedBy])).toEqual([
      ['It leaks.', 'new-ticket'],
      ['Any news?', 'in-reply-to'],
      ['Photo attached', 'references'],
      ['Hello?', 'subject-token'],
      ['Same here', 'in-reply-to'],
    ]);
    expect(d.ticket).toMatchObject({ contactId: ticket.contactId, customerAddress: customer, participants: [colleague] });
    expect(inbound[2].attachments[0]).toMatchObject({ name: 'kettle.txt', downloadUrl: expect.any(String) });
    expect(await emailTickets(colleague)).toEqual([]);

    // an agent reply threads back with the whole chain and copies the participant
    const reply = await api(stack, 'POST', `/v1/tickets/${ticket.id}/replies`, { text: 'A new kettle is on its way.' });
    expect(reply.status).toBe(201);
    const sent = await eventually(async () => (await sentEmails()).find((m) => m.text?.includes('A new kettle')), 15_000, 'the agent reply email');
    expect(sent.to?.[0]?.address).toBe(customer);
    expect(sent.cc?.map((c) => c.address)).toEqual([colleague]);
    expect(sent.subject).toBe(`Re: Broken kettle [#${ticket.id}]`);
    expect(sent.references).toContain(`<${first}>`);
    expect(sent.inReplyTo).toBe(inbound.at(-1).email.messageId ? `<${inbound.at(-1).email.messageId}>` : undefined);
  });

  it('the same mail delivered by two providers is one message', async () => {
    const customer = uniqueAddress();
    const id = newEmailMessageId();
    const mail: EmailSimOptions = { from: customer, to: 'help@support.example', subject: 'Twice', text: 'once please', messageId: id };
    expect((await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, mail))).status).toBe(200);
    expect((await deliver(stack, signedSendGrid(s.SENDGRID_BASIC_AUTH!, await rawEmail(mail), { from: customer, to: mail.to }))).status).toBe(200);
    const tickets = await emailTickets(customer);
    expect(tickets).toHaveLength(1);
    expect((await detail(tickets[0].id)).messages.filter((m: any) => m.direction === 'inbound')).toHaveLength(1);
  });
});

describe('loops and noise', () => {
  it('a reply reopens a resolved ticket; an auto-reply does not, and gets no acknowledgement', async () => {
    const customer = uniqueAddress();
    const first = newEmailMessageId();
    await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'help@support.example', subject: 'Refund', text: 'Please refund.', messageId: first }));
    const [t] = await emailTickets(customer);
    await eventually(async () => (await detail(t.id)).messages.some((m: any) => m.automated && m.deliveryStatus === 'sent'), 15_000, 'ack');
    expect((await api(stack, 'PATCH', `/v1/tickets/${t.id}`, { status: 'resolved' })).status).toBe(200);

    // out-of-office answer to our mail: stored, not reopening
    await deliver(stack, signedSendGrid(s.SENDGRID_BASIC_AUTH!, await rawEmail({ from: customer, to: 'help@support.example', subject: 'Auto: Refund', text: 'I am away.', inReplyTo: first, headers: { 'Auto-Submitted': 'auto-replied' } }), { from: customer, to: 'help@support.example' }));
    let d = await detail(t.id);
    expect(d.ticket.status).toBe('resolved');
    expect(d.messages.at(-1)).toMatchObject({ text: expect.stringContaining('I am away.'), email: { autoSubmitted: 'auto-submitted: auto-replied' } });

    // a real reply reopens it
    await deliver(stack, signedMailgun(s.MAILGUN_SIGNING_KEY!, { from: customer, to: 'help@support.example', subject: 'Re: Refund', text: 'Still waiting.', inReplyTo: first }));
    d = await detail(t.id);
    expect(d.ticket).toMatchObject({ status: 'open', reopenCount: 1 });
  });

  it('a bounce from MAILER-DAEMON opens no acknowledged, SLA-tracked ticket', async () => {
    const before = (await sentEmails()).length;
    await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: 'MAILER-DAEMON@mx.example', to: 'help@support.example', subject: 'Undelivered Mail Returned to Sender', text: 'bounce' }));
    const [t] = await emailTickets('mailer-daemon@mx.example');
    expect(t.tags).toContain('auto-submitted');
    expect(t.slaDueAt).toBeNull(); // an automated mail starts no clock
    await new Promise((r) => setTimeout(r, 1500));
    expect((await detail(t.id)).messages).toHaveLength(1); // no acknowledgement recorded
    expect((await sentEmails()).length).toBe(before);
  });
});
