/**
 * The inbound API channel end to end (issue 13 item 6): a custom source signs with the
 * `standardwebhooks` package (written by others), posts to /webhooks/api/{source} on the real
 * local stack, and gets the agent's reply back as an outbound webhook event on its subscription.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, sendSms, startTestStack, uniquePhone, type TestStack, API_KEY, READ_ONLY_KEY } from '../helpers/stack.ts';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ADMIN_KEY = 'api-channel-admin-key-0123456789';
let stack: TestStack;

/** Receives the source's subscription deliveries. */
const received: Array<{ headers: Record<string, string>; body: string }> = [];
let server: Server;
let receiverUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat-backend`;
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    API_CHANNEL_SECRETS: JSON.stringify({ 'in-app': SECRET, forms: [OTHER_SECRET] }),
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { key: READ_ONLY_KEY, scopes: ['tickets:read'], name: 'reporting' },
      { key: ADMIN_KEY, scopes: ['webhooks:write'], name: 'admin' },
    ]),
  });
});
afterAll(async () => {
  await stack?.stop();
  server?.close();
});

/** POST a message signed as the source would, with the standardwebhooks package. */
async function post(source: string, body: unknown, o: { secret?: string; id?: string; headers?: Record<string, string> } = {}) {
  const raw = JSON.stringify(body);
  const id = o.id ?? `msg_${randomUUID()}`;
  const signature = new Webhook(o.secret ?? SECRET).sign(id, new Date(), raw);
  const res = await fetch(`${stack.url}/webhooks/api/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': signature, ...o.headers },
    body: raw,
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any, id };
}

const ticketOf = async (conversationId: string) => {
  const r = await api(stack, 'GET', '/v1/tickets?limit=100&channel=api');
  return (r.json.tickets as any[]).filter((t) => t.customerAddress === conversationId);
};
const messagesOf = async (ticketId: string) => (await api(stack, 'GET', `/v1/tickets/${ticketId}`)).json.messages as any[];

describe('POST /webhooks/api/{source}', () => {
  it('creates an api ticket, dedupes a redelivery by webhook-id, and threads by conversationId', async () => {
    const conv = `conv-${randomUUID()}`;
    const first = await post('in-app', {
      conversationId: conv,
      from: { id: 'user-42', name: 'Ada' },
      text: 'My order is late',
      attachments: [{ url: 'https://cdn.example.com/receipt.png', name: 'receipt.png', contentType: 'image/png' }],
    });
    expect(first.status).toBe(200);
    const [t] = await ticketOf(conv);
    expect(t).toMatchObject({ channel: 'api', provider: 'api:in-app', customerAddress: conv });

    // Same webhook-id again (a redelivery): nothing new.
    const again = await post('in-app', { conversationId: conv, from: { id: 'user-42' }, text: 'My order is late' }, { id: first.id });
    expect(again.status).toBe(200);
    // A new message in the same conversation: the same ticket.
    expect((await post('in-app', { conversationId: conv, from: { id: 'user-42' }, text: 'Any news?' })).status).toBe(200);

    expect(await ticketOf(conv)).toHaveLength(1);
    const msgs = await messagesOf(t.id);
    expect(msgs.map((m) => m.text)).toEqual(['My order is late', 'Any news?']);
    expect(msgs[0].attachments).toEqual([expect.objectContaining({ url: 'https://cdn.example.com/receipt.png', name: 'receipt.png', contentType: 'image/png' })]);

    // The opaque id is an `external` identity scoped by source.
    const byId = await api(stack, 'GET', `/v1/contacts?identity=${encodeURIComponent('in-app:user-42')}&kind=external`);
    expect(byId.status).toBe(200);
    expect(byId.json.contacts.map((c: any) => c.id)).toEqual([t.contactId]);
  });

  it('a phone shares its contact with the SMS channel', async () => {
    const phone = uniquePhone();
    await sendSms(stack, { from: phone });
    const sms = await eventually(async () => (await api(stack, 'GET', '/v1/tickets?limit=100&channel=sms')).json.tickets.find((x: any) => x.customerAddress === phone), 20_000, 'sms ticket');
    const conv = `conv-${randomUUID()}`;
    expect((await post('forms', { conversationId: conv, from: { phone: phone.replace('+1', '+1 '), name: 'Grace' }, text: 'hi from the form' }, { secret: OTHER_SECRET })).status).toBe(200);
    const [t] = await ticketOf(conv);
    expect(t.provider).toBe('api:forms');
    expect(t.contactId).toBe(sms.contactId);
  });

  it('refuses a bad or missing signature (403), an unknown source (404) and a bad body (400), storing nothing', async () => {
    const conv = `conv-${randomUUID()}`;
    const body = { conversationId: conv, from: { id: 'x' }, text: 'hello' };
    const forged = await post('in-app', body, { secret: OTHER_SECRET });
    expect(forged.status).toBe(403);
    expect(forged.json.error.code).toBe('bad_signature');
    const unsigned = await fetch(`${stack.url}/webhooks/api/in-app`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as any).error.code).toBe('missing_signature');
    // Signed for another source: the secret is per source.
    expect((await post('forms', body)).status).toBe(403);
    const unknown = await post('nobody', body);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('unknown_source');
    expect((await post('BAD%20SOURCE', body)).status).toBe(404);
    const invalid = await post('in-app', { conversationId: conv, from: {}, text: 'hello' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe('invalid_payload');
    expect((await post('in-app', { ...body, attachments: [{ url: 'file:///etc/passwd' }] })).status).toBe(400);
    expect(await ticketOf(conv)).toHaveLength(0);
  });
});

describe('replies on api tickets', () => {
  it("reach the source's subscription as a signed reply event, and the reply is recorded sent", async () => {
    const sub = await api(stack, 'POST', '/v1/webhook-subscriptions', { url: receiverUrl, events: ['reply.queued', 'reply.sent'], channels: ['api'] }, { authorization: `Bearer ${ADMIN_KEY}` });
    expect(sub.status).toBe(201);
    const conv = `conv-${randomUUID()}`;
    expect((await post('in-app', { conversationId: conv, from: { email: 'Ada@Example.com' }, text: 'help' })).status).toBe(200);
    const [t] = await ticketOf(conv);
    const reply = await api(stack, 'POST', `/v1/tickets/${t.id}/replies`, { text: 'On its way!' });
    expect(reply.status).toBe(201);

    const sent = await eventually(async () => received.map((r) => ({ ...r, json: JSON.parse(r.body) })).find((r) => r.json.type === 'reply.sent' && r.json.data.ticket?.id === t.id), 30_000, 'reply.sent event');
    new Webhook(sub.json.secret).verify(sent.body, sent.headers);
    expect(sent.json.data.ticket).toMatchObject({ channel: 'api', provider: 'api:in-app', customerAddress: conv });
    const queued = received.map((r) => JSON.parse(r.body)).find((b) => b.type === 'reply.queued' && b.data.ticket?.id === t.id);
    // The event names the message and carries it: the source gets the reply's text in the event.
    expect(queued.data.event.messageId).toBe(sent.json.data.event.messageId);
    expect(sent.json.data.message).toMatchObject({ id: queued.data.event.messageId, text: 'On its way!', direction: 'outbound' });
    const msgs = await eventually(async () => {
      const m = await messagesOf(t.id);
      return m.some((x) => x.direction === 'outbound' && x.deliveryStatus === 'sent') && m;
    }, 20_000, 'reply sent');
    expect(msgs.find((x) => x.id === queued.data.event.messageId)).toMatchObject({ text: 'On its way!', deliveryStatus: 'sent', providerMessageId: queued.data.event.messageId });
  });
});
