/** Twilio webhooks through the local HTTP gateway into DynamoDB Local and fauxqs. */
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import { api, eventually, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ AUTO_ACK_ENABLED: 'false' });
});
afterAll(async () => {
  await stack?.stop();
});

const inbound = (messages: Array<Record<string, any>>) => messages.filter((m) => m['direction'] === 'inbound');

describe('POST /webhooks/twilio', () => {
  it('turns the real fixture into a ticket visible through the API, answering empty TwiML', async () => {
    const body = readFileSync(new URL('../fixtures/twilio/twilio-1.txt', import.meta.url), 'utf8');
    const signature = expectedTwilioSignature(stack.runtime.config.secrets.TWILIO_AUTH_TOKEN!, `${stack.runtime.config.publicBaseUrl}/webhooks/twilio`, [
      ...new URLSearchParams(body),
    ]);
    const res = await fetch(`${stack.url}/webhooks/twilio`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

    const [ticket] = await ticketsOf(stack, '+14133881111');
    expect(ticket).toMatchObject({
      status: 'open',
      priority: 'normal',
      channel: 'sms',
      provider: 'twilio',
      inboxAddress: '+12028831111',
      messageCount: 1,
      firstResponseAt: null,
    });
    expect(ticket!['contactId']).toMatch(/^[0-9A-Z]{26}$/);
    const detail = await api(stack, 'GET', `/v1/tickets/${ticket!['id']}`);
    expect(detail.status).toBe(200);
    expect(detail.json.messages).toEqual([
      expect.objectContaining({
        direction: 'inbound',
        text: 'Msg',
        providerMessageId: 'SMe287d7109a5a925f182f0e07fe5b223b',
        from: '+14133881111',
        to: '+12028831111',
      }),
    ]);
    expect(stack.metrics.events).toEqual(
      expect.arrayContaining([
        { name: 'MessagesReceived', unit: 'Count', value: 1, dimensions: { Channel: 'sms', Provider: 'twilio' } },
        { name: 'TicketsCreated', unit: 'Count', value: 1, dimensions: { Channel: 'sms', Provider: 'twilio' } },
      ]),
    );
  });

  it('appends a second message from the same sender to the same ticket', async () => {
    const from = uniquePhone();
    expect((await sendSms(stack, { from, body: 'first' })).status).toBe(200);
    expect((await sendSms(stack, { from, body: 'second' })).status).toBe(200);
    const tickets = await ticketsOf(stack, from);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!['messageCount']).toBe(2);
    const detail = await api(stack, 'GET', `/v1/tickets/${tickets[0]!['id']}`);
    expect(inbound(detail.json.messages).map((m) => m['text'])).toEqual(['first', 'second']);
  });

  it('gives one message and one ticket update for 20 concurrent duplicate deliveries', async () => {
    const from = uniquePhone();
    await sendSms(stack, { from, body: 'opening' });
    const sid = `SM${'d'.repeat(32)}`;
    const before = stack.metrics.events.filter((e) => e.name === 'DuplicateDeliveries').length;
    const results = await Promise.all(Array.from({ length: 20 }, () => sendSms(stack, { from, body: 'dup', sid })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const [ticket] = await ticketsOf(stack, from);
    expect(ticket!['messageCount']).toBe(2);
    expect(ticket!['version']).toBe(2); // created, then exactly one update
    const detail = await api(stack, 'GET', `/v1/tickets/${ticket!['id']}`);
    expect(inbound(detail.json.messages).filter((m) => m['providerMessageId'] === sid)).toHaveLength(1);
    expect(stack.metrics.events.filter((e) => e.name === 'DuplicateDeliveries').length - before).toBe(19);
  });

  it('opens exactly one ticket when a new sender’s first message arrives 20 times at once', async () => {
    const from = uniquePhone();
    const sid = `SM${'e'.repeat(32)}`;
    const results = await Promise.all(Array.from({ length: 20 }, () => sendSms(stack, { from, body: 'hi', sid })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const tickets = await ticketsOf(stack, from);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!['messageCount']).toBe(1);
  });

  it('refuses a wrong or missing signature with 403 and stores nothing', async () => {
    const from = uniquePhone();
    const bad = await sendSms(stack, { from, badSignature: true });
    expect(bad.status).toBe(403);
    expect(JSON.parse(bad.body)).toEqual({ error: { code: 'bad_signature', message: expect.any(String) } });
    const missing = await fetch(`${stack.url}/webhooks/twilio`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `MessageSid=SM${'1'.repeat(32)}&From=${encodeURIComponent(from)}&To=%2B15550001111&Body=x`,
    });
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as any).error.code).toBe('missing_signature');
    // Signed for another URL (e.g. a wrong PUBLIC_BASE_URL on the provider side)
    const form = new URLSearchParams({ MessageSid: `SM${'2'.repeat(32)}`, From: from, To: '+15550001111', Body: 'x' });
    const wrongUrl = await fetch(`${stack.url}/webhooks/twilio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': expectedTwilioSignature(stack.runtime.config.secrets.TWILIO_AUTH_TOKEN!, 'https://evil.example/webhooks/twilio', [...form]),
      },
      body: form.toString(),
    });
    expect(wrongUrl.status).toBe(403);
    expect(await ticketsOf(stack, from)).toEqual([]);
    expect(stack.metrics.events.filter((e) => e.name === 'WebhookRejected' && e.dimensions['Reason'] === 'bad_signature').length).toBeGreaterThanOrEqual(2);
  });

  it('answers a signed but malformed body with 400 and stores nothing', async () => {
    const from = uniquePhone();
    const form = new URLSearchParams({ MessageSid: 'not a sid', From: from, To: '+15550001111' });
    const res = await fetch(`${stack.url}/webhooks/twilio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': expectedTwilioSignature(stack.runtime.config.secrets.TWILIO_AUTH_TOKEN!, `${stack.runtime.config.publicBaseUrl}/webhooks/twilio`, [...form]),
      },
      body: form.toString(),
    });
    expect(res.status).toBe(400);
    const err = (await res.json()) as any;
    expect(err.error.code).toBe('invalid_payload');
    expect(err.error.details[0].path).toBe('MessageSid');
    expect(await ticketsOf(stack, from)).toEqual([]);
  });

  it('answers a non-form body with 415 and an unknown route with 404', async () => {
    const res = await fetch(`${stack.url}/webhooks/twilio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as any).error.code).toBe('unsupported_media_type');
    const nf = await fetch(`${stack.url}/webhooks/nope`, { method: 'POST', body: 'x' });
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as any).error.code).toBe('not_found');
    const wrongMethod = await fetch(`${stack.url}/webhooks/twilio`);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('reopens a resolved ticket; after it is closed the customer gets a new ticket', async () => {
    const from = uniquePhone();
    await sendSms(stack, { from, body: 'problem' });
    const [t] = await ticketsOf(stack, from);
    const id = t!['id'] as string;
    expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' })).json.ticket.resolvedAt).toEqual(expect.any(String));
    await sendSms(stack, { from, body: 'still broken' });
    const reopened = (await api(stack, 'GET', `/v1/tickets/${id}`)).json.ticket;
    expect(reopened).toMatchObject({ status: 'open', reopenCount: 1, resolvedAt: null, messageCount: 2 });
    expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'closed' })).status).toBe(200);
    await sendSms(stack, { from, body: 'new issue' });
    const tickets = await ticketsOf(stack, from);
    expect(tickets).toHaveLength(2);
    const fresh = tickets.find((x) => x['id'] !== id)!;
    expect(fresh).toMatchObject({ status: 'open', messageCount: 1, contactId: t!['contactId'] });
  });

  it('ingests a parked message from the ingest-retry queue exactly once', async () => {
    const from = uniquePhone();
    const message = {
      provider: 'twilio',
      channel: 'sms',
      providerMessageId: `SM${'f'.repeat(32)}`,
      threadKey: `+15550001111|${from}`,
      from,
      to: '+15550001111',
      identity: { kind: 'phone', value: from },
      text: 'parked while the store was down',
      attachments: [],
      receivedAt: new Date().toISOString(),
    };
    const dupsBefore = stack.metrics.events.filter((e) => e.name === 'DuplicateDeliveries').length;
    for (let i = 0; i < 2; i++) {
      await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.ingest.url, MessageBody: JSON.stringify({ kind: 'ingest', message }) }));
    }
    const tickets = await eventually(async () => {
      const t = await ticketsOf(stack, from);
      return t.length ? t : undefined;
    }, 15_000, 'the parked message to be ingested');
    await eventually(
      async () => stack.metrics.events.filter((e) => e.name === 'DuplicateDeliveries').length === dupsBefore + 1,
      15_000,
      'the second copy to be seen as a duplicate',
    );
    const detail = await api(stack, 'GET', `/v1/tickets/${tickets[0]!['id']}`);
    expect(detail.json.messages.map((m: any) => m.text)).toEqual(['parked while the store was down']);
  });
});
