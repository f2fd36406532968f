/** Social and messaging providers through the local gateway: fixtures, handshakes, forgeries, batches, statuses, contacts. */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  messageBirdForm,
  metaMessagePayload,
  metaStatusPayload,
  signedMessageBird,
  signedMeta,
  signedTelegram,
  signedVonage,
  signedX,
  telegramPayload,
  vonagePayload,
  xPayload,
} from '../../bin/simulate.ts';
import { signHmacJwt } from '../../functions/channels/shared/jwt.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { api, deliver, eventually, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let s: TestStack['runtime']['config']['secrets'];
beforeAll(async () => {
  stack = await startTestStack({ AUTO_ACK_ENABLED: 'false' });
  s = stack.runtime.config.secrets;
});
afterAll(async () => {
  await stack?.stop();
});

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const detail = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}`)).json;
const uniqueDigits = () => uniquePhone().slice(1); // provider ids without '+'

describe('real fixtures become tickets with the right contact and text', () => {
  it.each([
    ['whatsapp-1.json', 'whatsapp', '5678', 'Hello World', 'Kerry Fisher'],
    ['messenger-1.json', 'messenger', '5678', 'Hello World', null],
    ['instagram-1.json', 'instagram', '5678', 'Hello World', null],
  ])('Meta %s', async (file, channel, customer, text, name) => {
    const r = await deliver(stack, signedMeta(s.META_APP_SECRET!, fixtureText(`meta/${file}`)));
    expect(r.status).toBe(200);
    const t = (await api(stack, 'GET', `/v1/tickets?channel=${channel}&limit=100`)).json.tickets.find((x: any) => x.customerAddress === customer);
    expect(t).toMatchObject({ provider: 'meta', channel, inboxAddress: '1234567890', messageCount: 1 });
    const d = await detail(t.id);
    expect(d.messages[0]).toMatchObject({ direction: 'inbound', text, providerMessageId: 'external_id' });
    const contact = (await api(stack, 'GET', `/v1/contacts/${t.contactId}`)).json.contact;
    expect(contact.name).toBe(name);
  });

  it('Telegram telegram-1.json', async () => {
    const r = await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, fixtureText('telegram/telegram-1.json')));
    expect(r.status).toBe(200);
    const [t] = await ticketsOf(stack, '3527065');
    expect(t).toMatchObject({ provider: 'telegram', channel: 'telegram' });
    expect((await detail(t!['id'])).messages[0]).toMatchObject({ text: 'Hello World', providerMessageId: '3527065:41' });
    expect((await api(stack, 'GET', `/v1/contacts/${t!['contactId']}`)).json.contact).toMatchObject({
      name: 'Nic Pottier',
      identities: [{ kind: 'telegram', value: '3527065' }],
    });
  });

  it('X x-1.json', async () => {
    expect((await deliver(stack, signedX(s.X_CONSUMER_SECRET!, fixtureText('x/x-1.json')))).status).toBe(200);
    const [t] = await ticketsOf(stack, '272953809');
    expect(t).toMatchObject({ provider: 'x', channel: 'x', inboxAddress: '835740314006511618' });
    expect((await detail(t!['id'])).messages[0].text).toBe('Hello World & good wishes.');
  });

  it('Vonage vonage-1.json', async () => {
    const r = await deliver(stack, signedVonage(s.VONAGE_SIGNATURE_SECRET!, fixtureText('vonage/vonage-1.json')));
    expect(r.status).toBe(200);
    const [t] = await ticketsOf(stack, '447700900001');
    expect(t).toMatchObject({ provider: 'vonage', channel: 'sms', inboxAddress: '447700900000' });
    expect((await detail(t!['id'])).messages[0].text).toBe('Hello, world!');
    expect((await api(stack, 'GET', `/v1/contacts/${t!['contactId']}`)).json.contact.identities[0]).toMatchObject({ kind: 'phone', value: '+447700900001' });
  });

  it('MessageBird messagebird-1.txt (repeated keys: the last value wins)', async () => {
    const body = fixtureText('messagebird/messagebird-1.txt');
    const t0 = Math.floor(Date.now() / 1000);
    const token = signHmacJwt(
      { iss: 'MessageBird', nbf: t0, exp: t0 + 60, jti: 'j', url_hash: sha(`${stack.runtime.config.publicBaseUrl}/webhooks/messagebird`), payload_hash: sha(body) },
      s.MESSAGEBIRD_SIGNING_KEY!,
    );
    const r = await deliver(stack, { method: 'POST', path: '/webhooks/messagebird', headers: { 'content-type': 'application/x-www-form-urlencoded', 'messagebird-signature-jwt': token }, body });
    expect(r.status).toBe(200);
    const [t] = await ticketsOf(stack, '18885551515');
    expect(t).toMatchObject({ provider: 'messagebird', channel: 'sms' });
    expect((await detail(t!['id'])).messages[0]).toMatchObject({ text: 'Test 3', providerMessageId: '3b53c137369242138120d6b0b2122607' });
  });
});

describe('handshakes', () => {
  it('Meta echoes the challenge with the right token and refuses a wrong one', async () => {
    const ok = await fetch(`${stack.url}/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${encodeURIComponent(s.META_VERIFY_TOKEN!)}`);
    expect([ok.status, await ok.text(), ok.headers.get('content-type')]).toEqual([200, '1158201444', 'text/plain; charset=utf-8']);
    const bad = await fetch(`${stack.url}/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong`);
    expect(bad.status).toBe(403);
  });
  it('X answers the CRC with the HMAC response token', async () => {
    const r = await fetch(`${stack.url}/webhooks/x?crc_token=abc`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { response_token: string };
    const expected = `sha256=${createHmac('sha256', s.X_CONSUMER_SECRET!).update('abc').digest('base64')}`;
    expect(body).toEqual({ response_token: expected });
    expect((await fetch(`${stack.url}/webhooks/x`)).status).toBe(400);
  });
});

describe('forged, missing and stale signatures store nothing', () => {
  it.each([
    ['meta', (from: string) => signedMeta('wrong-secret', metaMessagePayload({ channel: 'whatsapp', from, to: '100', body: 'x' }))],
    ['telegram', (from: string) => signedTelegram('wrong-token', telegramPayload({ from, body: 'x' }))],
    ['x', (from: string) => signedX('wrong', xPayload({ from, to: '100', body: 'x' }))],
    ['vonage', (from: string) => signedVonage('wrong-secret', vonagePayload({ channel: 'sms', from, to: '100', body: 'x' }))],
    ['vonage stale', (from: string) => signedVonage(s.VONAGE_SIGNATURE_SECRET!, vonagePayload({ channel: 'sms', from, to: '100', body: 'x' }), { iat: Math.floor(Date.now() / 1000) - 3600 })],
    ['messagebird', (from: string) => signedMessageBird('wrong', stack.runtime.config.publicBaseUrl, messageBirdForm({ from, to: '100', body: 'x' }))],
    ['messagebird stale', (from: string) => signedMessageBird(s.MESSAGEBIRD_SIGNING_KEY!, stack.runtime.config.publicBaseUrl, messageBirdForm({ from, to: '100', body: 'x' }), { nowSeconds: Math.floor(Date.now() / 1000) - 600 })],
  ])('%s', async (_name, make) => {
    const from = uniqueDigits();
    const req = make(from);
    const r = await deliver(stack, req);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toEqual(expect.any(String));
    // without the signature header at all
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k === 'content-type'));
    expect((await deliver(stack, { ...req, headers })).status).toBe(403);
    expect(await ticketsOf(stack, from)).toEqual([]);
  });
});

describe('batches and idempotency', () => {
  it('the same mid twice in one Meta batch gives one message (messenger-2.json)', async () => {
    const body = fixtureText('meta/messenger-2.json').replaceAll('"5678"', '"PSID-dup-batch"').replaceAll('external_id', 'mid.dup-batch');
    expect((await deliver(stack, signedMeta(s.META_APP_SECRET!, body))).status).toBe(200);
    const [t] = await ticketsOf(stack, 'PSID-dup-batch');
    expect(t!['messageCount']).toBe(1);
    expect((await detail(t!['id'])).messages).toHaveLength(1);
    // and the whole batch again (a Meta retry) changes nothing
    expect((await deliver(stack, signedMeta(s.META_APP_SECRET!, body))).status).toBe(200);
    expect((await ticketsOf(stack, 'PSID-dup-batch'))[0]!['version']).toBe(t!['version']);
  });

  it('a bad item in a batch does not drop the good ones', async () => {
    const a = uniqueDigits();
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: '100200300' },
                messages: [
                  { from: a, id: `wamid.${a}.1`, type: 'text', text: { body: 'first' } },
                  { from: a, type: 'text', text: { body: 'no id' } },
                  { from: a, id: `wamid.${a}.3`, type: 'text', text: { body: 'third' } },
                ],
              },
            },
          ],
        },
      ],
    };
    expect((await deliver(stack, signedMeta(s.META_APP_SECRET!, payload))).status).toBe(200);
    const [t] = await ticketsOf(stack, a);
    expect((await detail(t!['id'])).messages.map((m: any) => m.text)).toEqual(['first', 'third']);
    expect(stack.metrics.events.some((e) => e.name === 'ItemsSkipped' && e.dimensions['Reason'] === 'invalid_item')).toBe(true);
  });

  it('Telegram redelivery of one update_id stores one message; an edit updates the text and keeps the original', async () => {
    const chat = String(Math.floor(Math.random() * 1e9));
    const update = telegramPayload({ from: chat, body: 'I ordered the wrong size', messageId: 12, updateId: 900000 + Number(chat.slice(-5)) });
    await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, update));
    await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, update));
    const [t] = await ticketsOf(stack, chat);
    // (this stack sends no acknowledgement: nothing else changes the ticket meanwhile)
    const before = (await detail(t!['id'])).ticket.updatedAt as string;
    await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: chat, body: 'I ordered the wrong colour', messageId: 12, edit: true })));
    const d = await detail(t!['id']);
    const msgs = d.messages.filter((m: any) => !m.automated);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ text: 'I ordered the wrong colour', originalText: 'I ordered the wrong size', editedAt: expect.any(String) });
    // The edit is a change of the ticket for sync: updatedAt moved.
    expect(d.ticket.updatedAt > before).toBe(true);
  });
});

describe('outbound through the channel the ticket came from, and status callbacks', () => {
  it('WhatsApp: reply via the Graph API, then delivered/read callbacks move the status forward only', async () => {
    const wa = uniqueDigits();
    await deliver(stack, signedMeta(s.META_APP_SECRET!, metaMessagePayload({ channel: 'whatsapp', from: wa, to: '555000111', body: 'where is my parcel' })));
    const [t] = await ticketsOf(stack, wa);
    const reply = await api(stack, 'POST', `/v1/tickets/${t!['id']}/replies`, { text: 'It ships today' });
    expect(reply.status).toBe(201);
    const sent = await eventually(async () => (await detail(t!['id'])).messages.find((m: any) => m.id === reply.json.message.id && m.deliveryStatus === 'sent'), 15_000, 'the reply to be sent');
    const call = stack.providerStub.requests.find((r) => r.json?.to === wa)!;
    expect(call.path).toBe('/555000111/messages');
    expect(call.authorization).toBe('Bearer meta-access-token');
    expect(call.json).toMatchObject({ messaging_product: 'whatsapp', type: 'text', text: { body: 'It ships today' } });
    expect(sent.providerMessageId).toMatch(/^wamid\./);

    const before = (await detail(t!['id'])).ticket.updatedAt as string;
    for (const status of ['delivered', 'read', 'sent']) {
      expect((await deliver(stack, signedMeta(s.META_APP_SECRET!, metaStatusPayload({ id: sent.providerMessageId, status, to: '555000111' })))).status).toBe(200);
    }
    const afterDetail = await detail(t!['id']);
    const after = afterDetail.messages.find((m: any) => m.id === reply.json.message.id);
    expect(after.deliveryStatus).toBe('read'); // the late "sent" did not move it back
    // A delivery status is a change of the ticket for sync: updatedAt moved, and sort=updatedAt lists it.
    expect(afterDetail.ticket.updatedAt > before).toBe(true);
    // a status for a message we never sent is accepted and changes nothing
    expect((await deliver(stack, signedMeta(s.META_APP_SECRET!, metaStatusPayload({ id: 'wamid.unknown', status: 'read', to: '555000111' })))).status).toBe(200);
    expect(stack.metrics.events.some((e) => e.name === 'StatusUpdates' && e.dimensions['Outcome'] === 'unknown')).toBe(true);
    expect((await ticketsOf(stack, wa))).toHaveLength(1);
  });

  it.each([
    ['telegram', () => signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: '777000111', body: 'hi' })), '777000111', '/bottelegram-bot-token/sendMessage', { chat_id: '777000111', text: 'Hello from support' }],
    ['x', () => signedX(s.X_CONSUMER_SECRET!, xPayload({ from: '4040404040', to: '9999', body: 'hi' })), '4040404040', '/2/dm_conversations/with/4040404040/messages', { text: 'Hello from support' }],
    ['vonage', () => signedVonage(s.VONAGE_SIGNATURE_SECRET!, vonagePayload({ channel: 'whatsapp', from: '447700911222', to: '447700900000', body: 'hi' })), '447700911222', '/v1/messages', { channel: 'whatsapp', to: '447700911222', from: '447700900000', text: 'Hello from support' }],
    ['messagebird', () => signedMessageBird(s.MESSAGEBIRD_SIGNING_KEY!, stack.runtime.config.publicBaseUrl, messageBirdForm({ from: '31655500011', to: '3197010260000', body: 'hi' })), '31655500011', '/messages', { originator: '3197010260000', recipients: ['31655500011'], body: 'Hello from support' }],
    ['messenger', () => signedMeta(s.META_APP_SECRET!, metaMessagePayload({ channel: 'messenger', from: 'PSID-out', to: 'PAGE-1', body: 'hi' })), 'PSID-out', '/PAGE-1/messages', { recipient: { id: 'PSID-out' }, message: { text: 'Hello from support' } }],
  ])('%s', async (_name, make, customer, path, expected) => {
    expect((await deliver(stack, make())).status).toBe(200);
    const [t] = await ticketsOf(stack, customer);
    const reply = await api(stack, 'POST', `/v1/tickets/${t!['id']}/replies`, { text: 'Hello from support' });
    expect(reply.status).toBe(201);
    await eventually(async () => (await detail(t!['id'])).messages.find((m: any) => m.id === reply.json.message.id && m.deliveryStatus === 'sent'), 15_000, 'sent');
    const call = stack.providerStub.requests.find((r) => r.path === path && (path.includes(customer) || JSON.stringify(r.json).includes(customer)));
    expect(call?.json).toMatchObject(expected);
  });
});

describe('contacts across channels', () => {
  it('an SMS via Twilio, a WhatsApp via Meta and a Vonage SMS from one phone share one contact', async () => {
    const digits = uniqueDigits();
    expect((await sendSms(stack, { from: `+${digits}`, body: 'by sms' })).status).toBe(200);
    expect((await deliver(stack, signedMeta(s.META_APP_SECRET!, metaMessagePayload({ channel: 'whatsapp', from: digits, to: '555000222', body: 'by whatsapp', name: 'Ada' })))).status).toBe(200);
    expect((await deliver(stack, signedVonage(s.VONAGE_SIGNATURE_SECRET!, vonagePayload({ channel: 'sms', from: digits, to: '447700900000', body: 'by vonage' })))).status).toBe(200);
    const all = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.filter((t: any) => [digits, `+${digits}`].includes(t.customerAddress));
    expect(all.map((t: any) => `${t.provider}/${t.channel}`).sort()).toEqual(['meta/whatsapp', 'twilio/sms', 'vonage/sms']);
    expect(new Set(all.map((t: any) => t.contactId)).size).toBe(1);
    const c = (await api(stack, 'GET', `/v1/contacts/${all[0].contactId}`)).json;
    expect(c.contact.identities).toEqual([
      { kind: 'phone', value: `+${digits}`, linkedAt: expect.any(String), linkedVia: { provider: 'twilio', channel: 'sms', providerMessageId: expect.stringMatching(/^SM/) } },
    ]);
    expect(c.tickets).toHaveLength(3);
  });

  it('platform ids stay identities of their own: nothing is merged by name', async () => {
    await deliver(stack, signedMeta(s.META_APP_SECRET!, metaMessagePayload({ channel: 'messenger', from: 'PSID-name-1', to: 'PAGE-2', body: 'a', name: 'Sam' })));
    await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: '888777666', body: 'b', name: 'Sam' })));
    const [a] = await ticketsOf(stack, 'PSID-name-1');
    const [b] = await ticketsOf(stack, '888777666');
    expect(a!['contactId']).not.toBe(b!['contactId']);
  });
});
