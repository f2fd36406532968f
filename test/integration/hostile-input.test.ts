/**
 * The adversarial review's attacks, replayed through the local stack (real HTTP, DynamoDB Local,
 * fauxqs): each must now fail or be contained, and nothing verified may be lost.
 */
import { randomBytes } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEmailMessageId, signedMeta, signedPostmark, signedTwilio, signedX, twilioForm, xPayload } from '../../bin/simulate.ts';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import { xSignature } from '../../functions/channels/x/index.ts';
import { api, deliver, eventually, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let s: TestStack['runtime']['config']['secrets'];
beforeAll(async () => {
  stack = await startTestStack({ AUTOMATION_RATE_LIMIT_PER_HOUR: '2' });
  s = stack.runtime.config.secrets;
});
afterAll(async () => {
  await stack?.stop();
});

const detail = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}`)).json;
const uniqueAddress = () => `cust-${randomBytes(4).toString('hex')}@customer.example`;
const emailTickets = async (customer: string) =>
  ((await api(stack, 'GET', '/v1/tickets?channel=email&limit=100')).json.tickets as any[]).filter((t) => t.customerAddress === customer);

describe('X: the CRC handshake is no signing oracle', () => {
  it('a DM event offered as crc_token gets no signature, so the forged DM is refused and stores nothing', async () => {
    const forged = JSON.stringify(xPayload({ from: '6666', to: '4242', body: 'Refund me to this account' }));
    const crc = await fetch(`${stack.url}/webhooks/x?crc_token=${encodeURIComponent(forged)}`);
    expect(crc.status).toBe(400);
    expect(((await crc.json()) as any).error.code).toBe('invalid_handshake');
    // What the oracle would have returned: without it the attacker cannot produce this header.
    const post = await deliver(stack, { ...signedX('guess', forged), headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': `sha256=${'A'.repeat(43)}=` } });
    expect(post.status).toBe(403);
    expect(await ticketsOf(stack, '6666')).toEqual([]);
    // A genuine CRC still works.
    const ok = await fetch(`${stack.url}/webhooks/x?crc_token=dGVzdA`);
    expect(await ok.json()).toEqual({ response_token: xSignature(s.X_CONSUMER_SECRET!, 'dGVzdA') });
  });
});

describe('Twilio: a captured request re-split at another boundary is not a second message', () => {
  it('verifies, fails validation (400), and the ticket keeps one message', async () => {
    const from = uniquePhone();
    const form = twilioForm({ from, to: '+15550001111', body: 'card stolen' });
    const original = signedTwilio(stack.runtime.config.publicBaseUrl, s.TWILIO_AUTH_TOKEN!, form);
    expect((await deliver(stack, original)).status).toBe(200);
    const sid = form.get('MessageSid')!;
    const resplit = new URLSearchParams([...form].filter(([k]) => k !== 'NumMedia'));
    resplit.set('MessageSid', `${sid}NumMedia0`);
    const sig = expectedTwilioSignature(s.TWILIO_AUTH_TOKEN!, `${stack.runtime.config.publicBaseUrl}/webhooks/twilio`, [...resplit]);
    expect(sig).toBe(original.headers['x-twilio-signature']);
    const r = await deliver(stack, { ...original, body: resplit.toString(), headers: { ...original.headers, 'x-twilio-signature': sig } });
    expect(r.status).toBe(400);
    const [t] = (await ticketsOf(stack, from)) as any[];
    expect((await detail(t.id)).messages.filter((m: any) => m.direction === 'inbound')).toHaveLength(1);
  });
});

describe('REST: an Idempotency-Key means the same request', () => {
  it('a reused key with a different body answers 422 and sends nothing new', async () => {
    const from = uniquePhone();
    await deliver(stack, signedTwilio(stack.runtime.config.publicBaseUrl, s.TWILIO_AUTH_TOKEN!, twilioForm({ from, to: '+15550001111', body: 'hi' })));
    const [t] = (await ticketsOf(stack, from)) as any[];
    const first = await api(stack, 'POST', `/v1/tickets/${t.id}/replies`, { text: 'Hello' }, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    const same = await api(stack, 'POST', `/v1/tickets/${t.id}/replies`, { text: 'Hello' }, { 'idempotency-key': 'k-1' });
    expect(same.status).toBe(200);
    expect(same.json.message.id).toBe(first.json.message.id);
    const other = await api(stack, 'POST', `/v1/tickets/${t.id}/replies`, { text: 'Something else' }, { 'idempotency-key': 'k-1' });
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe('idempotency_key_reused');
    const replies = (await detail(t.id)).messages.filter((m: any) => m.direction === 'outbound' && !m.automated);
    expect(replies.map((m: any) => m.text)).toEqual(['Hello']);
  });
});

describe('email threading cannot be hijacked', () => {
  it('a mail carrying the Message-ID of our reply does not re-point it: the customer’s next reply lands on their own ticket', async () => {
    const customer = uniqueAddress();
    const inbox = 'support@shop.example';
    expect((await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: inbox, subject: 'Order 7', text: 'Where is it?' }))).status).toBe(200);
    const [ticket] = await emailTickets(customer);
    await api(stack, 'POST', `/v1/tickets/${ticket.id}/replies`, { text: 'On its way' });
    const ours = (await detail(ticket.id)).messages.find((m: any) => m.direction === 'outbound' && !m.automated).email.messageId as string;
    expect(ours).toMatch(/^[0-9a-f]{32}@shop\.example$/);

    const attacker = uniqueAddress();
    const hijack = signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: attacker, to: inbox, subject: 'hello', text: 'x', messageId: ours });
    expect((await deliver(stack, hijack)).status).toBe(200);
    const [attackerTicket] = await emailTickets(attacker);

    const reply = signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: inbox, subject: 'Re: Order 7', text: 'Thanks', inReplyTo: ours, messageId: newEmailMessageId() });
    expect((await deliver(stack, reply)).status).toBe(200);
    const after = await detail(ticket.id);
    expect(after.messages.filter((m: any) => m.direction === 'inbound').map((m: any) => m.text)).toEqual(['Where is it?', 'Thanks']);
    const theirs = await detail(attackerTicket.id);
    expect(theirs.ticket.participants).not.toContain(customer);
    expect(theirs.messages.filter((m: any) => m.direction === 'inbound').map((m: any) => m.text)).toEqual(['x']);
  });
});

describe('automation never amplifies', () => {
  const sentTo = async (customer: string) => {
    const raws = stack.providerStub.requests.filter((r) => r.path.startsWith('/v2/email/outbound-emails')).map((r) => Buffer.from(r.json.Content.Raw.Data, 'base64'));
    const mails = await Promise.all(raws.map((r) => PostalMime.parse(r)));
    return mails.filter((m) => m.to?.some((a) => a.address === customer));
  };

  it('a spoofed mail with 40 Cc gets one acknowledgement, to the From alone, without its subject', async () => {
    const victim = uniqueAddress();
    const cc = Array.from({ length: 40 }, (_, i) => `victim${i}-${randomBytes(2).toString('hex')}@third.example`);
    const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: victim, to: 'support@shop.example', subject: 'CHEAP PILLS http://spam.example', text: 'buy', cc }));
    expect(r.status).toBe(200);
    const [ack] = await eventually(async () => {
      const m = await sentTo(victim);
      return m.length ? m : undefined;
    }, 20_000, 'the acknowledgement');
    expect(ack!.cc ?? []).toEqual([]);
    expect(ack!.subject).not.toContain('PILLS');
    // Nobody in Cc got anything.
    for (const a of cc.slice(0, 3)) expect(await sentTo(a)).toEqual([]);
  });

  it('acknowledgements are rate-limited per address (limit 2 an hour here): the third is recorded, not sent', async () => {
    const from = uniquePhone();
    for (const inbox of ['+15550002001', '+15550002002', '+15550002003']) {
      expect((await deliver(stack, signedTwilio(stack.runtime.config.publicBaseUrl, s.TWILIO_AUTH_TOKEN!, twilioForm({ from, to: inbox, body: 'hello' })))).status).toBe(200);
    }
    const acks = await eventually(async () => {
      const tickets = await ticketsOf(stack, from);
      if (tickets.length < 3) return undefined;
      const all = (await Promise.all(tickets.map((t: any) => detail(t.id)))).flatMap((d: any) => d.messages.filter((m: any) => m.automated));
      return all.length === 3 && all.every((m: any) => m.deliveryStatus !== 'queued') ? all : undefined;
    }, 20_000, 'three recorded acknowledgements');
    expect(acks.filter((m: any) => m.deliveryStatus === 'sent')).toHaveLength(2);
    const limited = acks.filter((m: any) => m.deliveryStatus === 'not_sent');
    expect(limited).toHaveLength(1);
    expect(limited[0].deliveryError).toMatch(/^rate_limited/);
  });
});

describe('verified means stored, or kept with its reason', () => {
  it('a parked job the store can never accept goes to the DLQ on its first receive, with the reason', async () => {
    const message = {
      provider: 'meta',
      channel: 'whatsapp',
      providerMessageId: `wamid.${randomBytes(6).toString('hex')}`,
      threadKey: `PN|${'9'.repeat(3000)}`, // a key over DynamoDB's 2 KB partition-key limit
      from: '1555',
      to: 'PN',
      identity: { kind: 'wa', value: '1555' },
      text: 'x',
      attachments: [],
      receivedAt: new Date().toISOString(),
    };
    await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.ingest.url, MessageBody: JSON.stringify({ kind: 'ingest', message }) }));
    const dead = await eventually(async () => {
      const r = await stack.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stack.queues.ingest.dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      return r.Messages?.find((m) => m.Body?.includes(message.providerMessageId));
    }, 20_000, 'the job in the DLQ');
    expect(dead.MessageAttributes?.['reason']?.StringValue).toBe('store_rejected_item');
    expect(dead.MessageAttributes?.['error']?.StringValue).toMatch(/DynamoDB refused/);
  });

  it('a signed Meta batch of 300 WhatsApp messages answers in time and every message is stored', async () => {
    const inbox = `PN${randomBytes(3).toString('hex')}`;
    const messages = Array.from({ length: 300 }, (_, i) => ({
      from: String(15559000000 + i),
      id: `wamid.${inbox}.${i}`,
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: 'text',
      text: { body: `message ${i} 🚀` },
    }));
    const batch = {
      object: 'whatsapp_business_account',
      entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: inbox, phone_number_id: inbox }, messages } }] }],
    };
    const r = await deliver(stack, signedMeta(s.META_APP_SECRET!, batch));
    expect(r.status).toBe(200);
    await eventually(
      async () => {
        const seen = new Set<string>();
        for (const st of ['open']) {
          let cursor: string | null = null;
          do {
            const page: any = await api(stack, 'GET', `/v1/tickets?status=${st}&channel=whatsapp&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
            for (const t of page.json.tickets) if (t.inboxAddress === inbox) seen.add(t.customerAddress);
            cursor = page.json.nextCursor;
          } while (cursor);
        }
        return seen.size === 300 ? true : undefined;
      },
      60_000,
      '300 tickets',
    );
  });
});

describe('reads never fail on stored data', () => {
  it('an attachment named "\\ud800.txt" is stored and its ticket reads 200', async () => {
    const customer = uniqueAddress();
    const mail = signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'support@shop.example', subject: 'odd name', text: 'see file', attachments: [{ filename: '\ud800.txt', content: 'data' }] });
    expect((await deliver(stack, mail)).status).toBe(200);
    const [t] = await emailTickets(customer);
    const d = await api(stack, 'GET', `/v1/tickets/${t.id}`);
    expect(d.status).toBe(200);
    const a = d.json.messages[0].attachments[0];
    expect(a.downloadUrl).toMatch(/^http/);
    expect((await fetch(a.downloadUrl)).status).toBe(200);
  });
});

describe('second pass through the stack', () => {
  it('a stranger who knows a ticket id cannot join it by the subject token, and is never copied on its replies', async () => {
    const customer = uniqueAddress();
    expect((await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'support@shop.example', subject: 'Refund', text: 'please' }))).status).toBe(200);
    const [ticket] = await emailTickets(customer);
    const stranger = uniqueAddress();
    const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: stranger, to: 'support@shop.example', subject: `hi [#${ticket.id}]`, text: 'let me in', cc: [`x-${randomBytes(3).toString('hex')}@evil.example`] }));
    expect(r.status).toBe(200);
    const theirs = await emailTickets(stranger);
    expect(theirs).toHaveLength(1);
    expect(theirs[0].id).not.toBe(ticket.id);
    const after = await detail(ticket.id);
    expect(after.ticket.participants).toEqual([]);
    expect(after.messages.filter((m: any) => m.direction === 'inbound')).toHaveLength(1);
    // The customer's own mail with the token still threads.
    await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: customer, to: 'support@shop.example', subject: `Re: Refund [#${ticket.id}]`, text: 'any news?' }));
    expect((await detail(ticket.id)).messages.filter((m: any) => m.direction === 'inbound')).toHaveLength(2);
  });

  it('text sent to the REST API is repaired on write (lone surrogates, control characters)', async () => {
    const from = uniquePhone();
    await deliver(stack, signedTwilio(stack.runtime.config.publicBaseUrl, s.TWILIO_AUTH_TOKEN!, twilioForm({ from, to: '+15550001111', body: 'hi' })));
    const [t] = (await ticketsOf(stack, from)) as any[];
    const r = await api(stack, 'POST', `/v1/tickets/${t.id}/notes`, '{"text":"\\ud800 hi\\u0001","author":"\\udfff"}');
    expect(r.status).toBe(201);
    expect(r.json.message.text).toBe('\ufffd hi');
    expect(r.json.message.author).toBe('\ufffd');
  });
});
