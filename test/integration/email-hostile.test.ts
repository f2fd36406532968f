/**
 * Hostile email through the local gateway, end to end: a limit hit is a 4xx that stores nothing;
 * what is verified is stored whole (big bodies, attachments) or in a bounded form, never 200 with
 * something silently cut and never a 500 retried forever.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SNS_KEY_FILE, LOCAL_SNS_TOPIC_ARN } from '../../bin/local-stack.ts';
import { signedPostmark, signedSes } from '../../bin/simulate.ts';
import { EMAIL_LIMITS } from '../../functions/spec.ts';
import { api, deliver, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let s: TestStack['runtime']['config']['secrets'];
beforeAll(async () => {
  stack = await startTestStack();
  s = stack.runtime.config.secrets;
});
afterAll(async () => {
  await stack?.stop();
});

const uniqueAddress = () => `hostile-${randomBytes(4).toString('hex')}@customer.example`;
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
const ticketsOf = async (customer: string) =>
  ((await api(stack, 'GET', '/v1/tickets?channel=email&limit=100')).json.tickets as any[]).filter((t) => t.customerAddress === customer);
const messagesOf = async (customer: string) => {
  const tickets = await ticketsOf(customer);
  const all = await Promise.all(tickets.map(async (t) => (await api(stack, 'GET', `/v1/tickets/${t.id}`)).json.messages as any[]));
  return all.flat().filter((m) => m.direction === 'inbound');
};

/** POST a SendGrid Inbound Parse multipart body (bytes, not a string) with the configured credentials. */
async function postSendGrid(parts: ReadonlyArray<{ name: string; value: string | Buffer; filename?: string }>): Promise<{ status: number; json: any }> {
  const boundary = `----hostile${randomBytes(6).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await fetch(`${stack.url}/webhooks/sendgrid`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: basic(s.SENDGRID_BASIC_AUTH!) },
    body: Buffer.concat(chunks),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
const envelope = (to = 'help@support.example') => ({ name: 'envelope', value: JSON.stringify({ to: [to], from: 'x@customer.example' }) });

describe('no silent truncation', () => {
  it('a 2 MiB raw SendGrid mail keeps its 1,500,000-byte attachment whole; a 1.2 MB text field is stored whole', async () => {
    const customer = uniqueAddress();
    const attachment = randomBytes(1_500_000);
    const raw = [
      `From: ${customer}`,
      'To: help@support.example',
      'Subject: Big attachment',
      `Message-ID: <${randomBytes(8).toString('hex')}@customer.example>`,
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b1',
      'Content-Type: application/octet-stream',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b1--',
      '',
    ].join('\r\n');
    expect((await postSendGrid([envelope(), { name: 'email', value: raw }])).status).toBe(200);
    const [m] = await messagesOf(customer);
    expect(m.attachments[0]).toMatchObject({ name: 'big.bin', size: 1_500_000 });
    expect(Buffer.from(await (await fetch(m.attachments[0].downloadUrl)).arrayBuffer()).equals(attachment)).toBe(true);

    const other = uniqueAddress();
    const text = 'long line of text\n'.repeat(70_000); // 1.26 MB, over busboy's default 1 MiB field limit
    const r = await postSendGrid([envelope(), { name: 'from', value: other }, { name: 'to', value: 'help@support.example' }, { name: 'subject', value: 'Long' }, { name: 'text', value: text }]);
    expect(r.status).toBe(200);
    const [t] = await messagesOf(other);
    expect(await (await fetch(t.fullTextUrl)).text()).toBe(text);
  });

  it('more than maxAttachments attachments is a 413 and stores nothing', async () => {
    const customer = uniqueAddress();
    const attachments = Array.from({ length: EMAIL_LIMITS.maxAttachments + 1 }, (_, i) => ({ filename: `${i}.txt`, content: 'x' }));
    const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'help@support.example', subject: 'many', text: 'x', attachments }));
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('attachments') });
    expect(await ticketsOf(customer)).toEqual([]);
  });
});

describe('verified means stored', () => {
  it('a 450 KB subject, 12,000 Cc and a 3 KB Message-ID are stored in a bounded form, and a reply threads by the hashed id', async () => {
    const customer = uniqueAddress();
    const longId = `${'x'.repeat(3000)}@customer.example`;
    const cc = Array.from({ length: 12_000 }, (_, i) => `cc${i}@customer.example`);
    const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'help@support.example', subject: 'S'.repeat(450_000), text: 'hello', cc, messageId: longId }));
    expect(r.status).toBe(200);
    const [m] = await messagesOf(customer);
    expect(m.email.subject).toHaveLength(EMAIL_LIMITS.maxSubjectChars);
    expect(m.email.cc).toHaveLength(EMAIL_LIMITS.maxCc);
    expect(m.email.messageId).toMatch(/^sha256:[0-9a-f]{64}@hashed\.invalid$/);
    // what was cut is recorded on the stored item (the API view does not show it yet)
    const [stored] = await stack.runtime.deps.store.getMessages((await ticketsOf(customer))[0].id);
    expect(stored!.email!.truncated).toEqual(expect.arrayContaining(['subject', 'cc', 'messageId']));
    const reply = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'help@support.example', subject: 'Re: that', text: 'reply', inReplyTo: longId }));
    expect(reply.status).toBe(200);
    const tickets = await ticketsOf(customer);
    expect(tickets).toHaveLength(1);
    expect((await messagesOf(customer)).map((x) => x.threadedBy)).toEqual(['new-ticket', 'in-reply-to']);
  });

  it('an HTML-only mail of 3,000 nested <div> and a part typed image/пнг are stored (no 500)', async () => {
    const customer = uniqueAddress();
    const html = `${'<div>'.repeat(3000)}deep words${'</div>'.repeat(3000)}`;
    const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'help@support.example', subject: 'deep', text: '', html, attachments: [{ filename: 'p.png', content: 'png', contentType: 'image/пнг' }] }));
    expect(r.status).toBe(200);
    const [m] = await messagesOf(customer);
    expect(m.attachments[0]).toMatchObject({ name: 'p.png', contentType: 'application/octet-stream' });
  });

  it('SendGrid mails without headers are not merged as duplicates', async () => {
    const customer = uniqueAddress();
    for (const text of ['first mail', 'second mail', 'first mail']) {
      const r = await postSendGrid([envelope(), { name: 'from', value: customer }, { name: 'to', value: 'help@support.example' }, { name: 'subject', value: 'No headers' }, { name: 'text', value: text }]);
      expect(r.status).toBe(200);
    }
    expect((await messagesOf(customer)).map((m) => m.text).sort()).toEqual(['first mail', 'second mail']); // the third is a true duplicate
  });

  it('a bad SendGrid envelope is a 400 with details and stores nothing', async () => {
    const customer = uniqueAddress();
    const r = await postSendGrid([{ name: 'envelope', value: '{"to":[123]}' }, { name: 'from', value: customer }, { name: 'to', value: 'help@support.example' }, { name: 'text', value: 'x' }]);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('envelope') });
    expect(await ticketsOf(customer)).toEqual([]);
  });
});

describe('SNS: verify before any outbound call', () => {
  it('an unsigned or stale post is a 403 and fetches nothing', async () => {
    const key = readFileSync(LOCAL_SNS_KEY_FILE, 'utf8');
    const signed = signedSes(key, 'From: a@customer.example\r\nTo: help@support.example\r\n\r\nx', { topicArn: LOCAL_SNS_TOPIC_ARN, recipient: 'help@support.example' });
    const body = JSON.parse(signed.body);
    const before = stack.fetched.length;
    const unsigned = await deliver(stack, { ...signed, body: JSON.stringify({ ...body, Signature: 'not-a-signature', SigningCertURL: 'https://sns.us-east-1.amazonaws.com/made-up.pem' }) });
    expect([unsigned.status, JSON.parse(unsigned.body).error.code]).toEqual([403, 'bad_signature']);
    const stale = await deliver(stack, { ...signed, body: JSON.stringify({ ...body, Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() }) });
    expect([stale.status, JSON.parse(stale.body).error.code]).toEqual([403, 'stale_message']);
    expect(stack.fetched.length).toBe(before);
  });
});
