/** Contacts through the local gateway: find by address, patch, merge across channels, export, erase. */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaMessagePayload, signedMeta, signedPostmark, signedTelegram, telegramPayload, type EmailSimOptions } from '../../bin/simulate.ts';
import { eraseContact } from '../../functions/core/services/contact-erase.ts';
import { mergeContacts } from '../../functions/core/services/contact-merge.ts';
import { API_KEY, api, deliver, eventually, READ_ONLY_KEY, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

const SMS_ONLY_KEY = 'sms-only-key-0123456789';
const CONTACTS_READ_KEY = 'contacts-read-key-0123456789';

let stack: TestStack;
let s: TestStack['runtime']['config']['secrets'];
beforeAll(async () => {
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write', 'contacts:read', 'contacts:write'], name: 'agent' },
      { key: READ_ONLY_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'inbox' },
      { key: CONTACTS_READ_KEY, scopes: ['contacts:read'], name: 'dpo' },
      { key: SMS_ONLY_KEY, scopes: ['tickets:read', 'tickets:write', 'contacts:read', 'contacts:write'], name: 'sms-team', channels: ['sms'] },
    ]),
  });
  s = stack.runtime.config.secrets;
});
afterAll(async () => {
  await stack?.stop();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });
const uniqueEmail = () => `Cust-${randomBytes(4).toString('hex')}@Customer.example`;
const email = (o: Partial<EmailSimOptions> & { from: string }) =>
  deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { to: 'help@support.example', subject: 'Broken kettle', text: 'It leaks.', ...o }));
const whatsapp = (digits: string, body: string, name = 'Ada WhatsApp') =>
  deliver(stack, signedMeta(s.META_APP_SECRET!, metaMessagePayload({ channel: 'whatsapp', from: digits, to: '555000222', body, name })));
const contactOf = async (customer: string) => (await ticketsOf(stack, customer))[0]!['contactId'] as string;
const find = (identity: string, headers: Record<string, string> = {}) => api(stack, 'GET', `/v1/contacts?identity=${encodeURIComponent(identity)}`, undefined, headers);

describe('find by address', () => {
  it('finds a phone in any spelling (E.164), an email case-insensitively and a platform id, with the contact’s identities', async () => {
    const phone = uniquePhone();
    await sendSms(stack, { from: phone, body: 'hi' });
    const spelled = `${phone.slice(0, 2)} (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    const r = await find(spelled);
    expect(r.status).toBe(200);
    expect(r.json.contacts).toHaveLength(1);
    expect(r.json.contacts[0]).toMatchObject({ id: await contactOf(phone), identities: [{ kind: 'phone', value: phone }], matched: [{ kind: 'phone', value: phone }] });
    expect((await find(phone.slice(1))).json.contacts[0].id).toBe(await contactOf(phone));

    const address = uniqueEmail();
    expect((await email({ from: address })).status).toBe(200);
    const byEmail = await find(address.toUpperCase());
    expect(byEmail.status).toBe(200);
    expect(byEmail.json.contacts[0].identities).toEqual([expect.objectContaining({ kind: 'email', value: address.toLowerCase() })]);

    const tg = String(700000000 + Math.floor(Math.random() * 1e8));
    await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: tg, body: 'hey', name: 'Tele' })));
    const byTg = await api(stack, 'GET', `/v1/contacts?identity=${tg}&kind=telegram`);
    expect(byTg.json.contacts[0]).toMatchObject({ name: 'Tele', identities: [{ kind: 'telegram', value: tg }] });
  });

  it('404 for an unknown address, 400 for an empty, oversized or repeated one, 403 without the scope', async () => {
    expect((await find(uniquePhone())).json.error.code).toBe('not_found');
    expect((await find('nobody@nowhere.example')).status).toBe(404);
    for (const bad of ['', '   ', 'x'.repeat(321)]) {
      const r = await find(bad);
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid_query');
    }
    expect((await api(stack, 'GET', '/v1/contacts')).status).toBe(400);
    expect((await api(stack, 'GET', '/v1/contacts?identity=a&identity=b')).status).toBe(400);
    expect((await api(stack, 'GET', '/v1/contacts?identity=abc&kind=phone')).json.error.code).toBe('invalid_identity');
    expect((await api(stack, 'GET', '/v1/contacts?identity=abc&kind=fax')).status).toBe(400);
    expect((await find('x@y.example', as(CONTACTS_READ_KEY))).status).toBe(403);
  });
});

describe('patch', () => {
  it('sets and removes the name and attributes with ETag / If-Match', async () => {
    const phone = uniquePhone();
    await sendSms(stack, { from: phone });
    const id = await contactOf(phone);
    const read = await api(stack, 'GET', `/v1/contacts/${id}`);
    expect(read.headers.get('etag')).toBe('"1"');
    const r = await api(stack, 'PATCH', `/v1/contacts/${id}`, { name: 'Ada Lovelace', attributes: { plan: 'gold', seats: 5, vip: true } }, { 'if-match': '"1"' });
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe('"2"');
    expect(r.json.contact).toMatchObject({ name: 'Ada Lovelace', attributes: { plan: 'gold', seats: 5, vip: true }, version: 2 });
    const stale = await api(stack, 'PATCH', `/v1/contacts/${id}`, { name: 'Other' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.json.error.code).toBe('version_mismatch');
    const removed = await api(stack, 'PATCH', `/v1/contacts/${id}`, { attributes: { vip: null } });
    expect(removed.json.contact.attributes).toEqual({ plan: 'gold', seats: 5 });
    expect((await api(stack, 'GET', `/v1/contacts/${id}`)).json.contact).toMatchObject({ name: 'Ada Lovelace', version: 3 });
  });

  it('refuses bad bodies and changes nothing', async () => {
    const phone = uniquePhone();
    await sendSms(stack, { from: phone });
    const id = await contactOf(phone);
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    for (const body of [{}, { name: '' }, { attributes: { 'bad key': 1 } }, { attributes: { a: { nested: 1 } } }, { attributes: tooMany }, { attributes: { a: 'x'.repeat(1001) } }, { other: 1 }, { attributes: { constructor: 'y' } }, { attributes: { prototype: 1 } }, JSON.parse('{"attributes":{"__proto__":"y"}}')]) {
      const r = await api(stack, 'PATCH', `/v1/contacts/${id}`, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect((await api(stack, 'PATCH', `/v1/contacts/${id}`, { attributes: fifty })).status).toBe(200);
    const over = await api(stack, 'PATCH', `/v1/contacts/${id}`, { attributes: { one: 'more' } });
    expect(over.json.error.code).toBe('too_many_attributes');
    expect((await api(stack, 'GET', `/v1/contacts/${id}`)).json.contact.version).toBe(2);
    expect((await api(stack, 'PATCH', `/v1/contacts/${id}`, { name: 'x' }, { 'if-match': 'nope' })).json.error.code).toBe('invalid_if_match');
    expect((await api(stack, 'PATCH', `/v1/contacts/${id}`, { name: 'x' }, as(SMS_ONLY_KEY))).json.error.code).toBe('channel_restricted');
  });
});

describe('merge', () => {
  it('merges two contacts with tickets on three channels: identities and tickets move, the source redirects, the merge is idempotent', async () => {
    const digits = uniquePhone().slice(1);
    const address = uniqueEmail();
    await sendSms(stack, { from: `+${digits}`, body: 'by sms' });
    expect((await whatsapp(digits, 'by whatsapp')).status).toBe(200);
    expect((await email({ from: `Ada Mail <${address}>`, text: 'by email' })).status).toBe(200);
    const into = await contactOf(`+${digits}`);
    const from = await contactOf(address.toLowerCase());
    expect(from).not.toBe(into);
    const emailTicket = (await ticketsOf(stack, address.toLowerCase()))[0]!['id'];

    expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from }, as(READ_ONLY_KEY))).status).toBe(403);
    expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from }, { 'if-match': '"9"' })).status).toBe(412);
    const r = await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from }, { 'if-match': '"1"' });
    expect(r.status).toBe(200);
    expect(r.json.merge).toMatchObject({ from, into, mergedBy: 'agent', mergedAt: expect.any(String) });
    expect(r.json.contact.identities.map((i: any) => `${i.kind}:${i.value}`).sort()).toEqual([`email:${address.toLowerCase()}`, `phone:+${digits}`]);

    const survivor = await api(stack, 'GET', `/v1/contacts/${into}`);
    expect(survivor.json.tickets.map((t: any) => t.channel).sort()).toEqual(['email', 'sms', 'whatsapp']);
    expect(survivor.json.tickets.every((t: any) => t.contactId === into)).toBe(true);
    const redirected = await api(stack, 'GET', `/v1/contacts/${from}`);
    expect(redirected.status).toBe(200);
    expect(redirected.json).toMatchObject({ contact: { id: into }, redirectedFrom: from });
    expect(redirected.headers.get('content-location')).toBe(`/v1/contacts/${into}`);
    expect((await api(stack, 'GET', `/v1/contacts/${from}/tickets`)).json).toMatchObject({ contactId: into, redirectedFrom: from });
    const events = (await api(stack, 'GET', `/v1/tickets/${emailTicket}/events`)).json.events;
    expect(events).toContainEqual(expect.objectContaining({ type: 'contact.merged', from, to: into, actor: 'api:agent' }));

    // Idempotent: the same merge again is the same answer; the reverse or a self-merge is refused.
    const again = await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from });
    expect(again.status).toBe(200);
    expect(again.json.merge).toEqual(r.json.merge);
    expect((await api(stack, 'POST', `/v1/contacts/${from}/merge`, { from: into })).json.error.code).toBe('contact_merged');
    expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from: into })).json.error.code).toBe('invalid_merge');
    expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from: 'nope' })).status).toBe(400);
    expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).status).toBe(404);

    // A new message from the merged address lands on the survivor.
    await email({ from: address, subject: 'Another thing', text: 'new question' });
    const all = await ticketsOf(stack, address.toLowerCase());
    expect(all).toHaveLength(2);
    expect(all.every((t) => t['contactId'] === into)).toBe(true);
  });

  it('a key restricted to SMS sees only the SMS identity and tickets, and may not merge, export or erase', async () => {
    const digits = uniquePhone().slice(1);
    await sendSms(stack, { from: `+${digits}` });
    const tg = String(600000000 + Math.floor(Math.random() * 1e8));
    await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: tg, body: 'hey' })));
    const into = await contactOf(`+${digits}`);
    const from = await contactOf(tg);
    expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from })).status).toBe(200);
    const seen = await api(stack, 'GET', `/v1/contacts/${into}`, undefined, as(SMS_ONLY_KEY));
    expect(seen.json.contact.identities.map((i: any) => i.kind)).toEqual(['phone']);
    expect(seen.json.tickets.map((t: any) => t.channel)).toEqual(['sms']);
    expect((await api(stack, 'GET', `/v1/contacts?identity=${tg}`, undefined, as(SMS_ONLY_KEY))).status).toBe(404);
    for (const [method, path] of [['GET', `/v1/contacts/${into}/export`], ['DELETE', `/v1/contacts/${into}`]] as const) {
      expect((await api(stack, method, path, undefined, as(SMS_ONLY_KEY))).json.error.code).toBe('channel_restricted');
    }
    // A contact with nothing on the key's channels does not exist for it, on every contact read.
    const tgOnly = String(610000000 + Math.floor(Math.random() * 1e8));
    await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: tgOnly, body: 'hey' })));
    const hidden = await contactOf(tgOnly);
    for (const path of [`/v1/contacts/${hidden}`, `/v1/contacts/${hidden}/tickets`]) {
      const r = await api(stack, 'GET', path, undefined, as(SMS_ONLY_KEY));
      expect(r.status, path).toBe(404);
    }
  });
});

describe('export and erase', () => {
  it('exports everything with attachment links; erase removes every personal trace, and a later message starts a fresh contact', async () => {
    const phone = uniquePhone();
    const address = uniqueEmail().toLowerCase();
    const secret = `secret-${randomBytes(6).toString('hex')}`;
    await sendSms(stack, { from: phone, body: `sms ${secret}` });
    expect((await email({ from: `Grace Hopper <${address}>`, subject: `About ${secret}`, text: `mail ${secret}`, attachments: [{ filename: `${secret}.txt`, content: 'private bytes' }] })).status).toBe(200);
    const id = await contactOf(phone);
    const other = await contactOf(address);
    expect((await api(stack, 'POST', `/v1/contacts/${id}/merge`, { from: other })).status).toBe(200);
    const smsTicket = (await ticketsOf(stack, phone))[0]!;
    await api(stack, 'POST', `/v1/tickets/${smsTicket['id']}/replies`, { text: `Hello Grace, about ${secret}` });
    // The worker sends the reply (the ticket turns pending); wait for it so the export below is final.
    await eventually(async () => (await api(stack, 'GET', `/v1/tickets/${smsTicket['id']}`)).json.ticket.firstResponseAt, 20_000, 'the reply sent');

    expect((await api(stack, 'GET', `/v1/contacts/${id}/export`, undefined, as(READ_ONLY_KEY))).status).toBe(403);
    const before = await api(stack, 'GET', `/v1/contacts/${id}/export`, undefined, as(CONTACTS_READ_KEY));
    expect(before.status).toBe(200);
    expect(before.json.contact.identities).toHaveLength(2);
    expect(before.json.tickets).toHaveLength(2);
    const mail = before.json.tickets.find((t: any) => t.ticket.channel === 'email');
    const file = mail.messages[0].attachments[0];
    expect(file).toMatchObject({ name: `${secret}.txt`, downloadUrl: expect.stringContaining('X-Amz-Signature') });
    expect(mail.events.map((e: any) => e.type)).toContain('message.received');
    expect(JSON.stringify(before.json)).toContain(secret);
    const key = (await stack.runtime.deps.store.getMessages(mail.ticket.id))[0]!.attachments[0]!.key!;
    const object = () => stack.clients.s3.send(new GetObjectCommand({ Bucket: stack.runtime.config.attachmentsBucket, Key: key }));
    await expect(object()).resolves.toBeDefined();

    expect((await api(stack, 'DELETE', `/v1/contacts/${id}`, undefined, as(READ_ONLY_KEY))).status).toBe(403);
    expect((await api(stack, 'DELETE', `/v1/contacts/${id}`, undefined, { 'if-match': '"1"' })).status).toBe(412);
    const erased = await api(stack, 'DELETE', `/v1/contacts/${id}`);
    expect(erased.status).toBe(200);
    expect(erased.json).toMatchObject({ status: 'erased', contact: { id, erasedAt: expect.any(String) } });
    const again = await api(stack, 'DELETE', `/v1/contacts/${id}`);
    expect(again.json).toEqual(erased.json);

    const after = await api(stack, 'GET', `/v1/contacts/${id}/export`);
    expect(after.status).toBe(200);
    const text = JSON.stringify(after.json);
    for (const personal of [secret, phone, phone.slice(1), address, 'Grace', 'Hopper', 'Broken kettle']) expect(text, personal).not.toContain(personal);
    expect(after.json.contact).toMatchObject({ id, name: null, attributes: {}, identities: [], erasedAt: erased.json.contact.erasedAt });
    expect(after.json.tickets).toHaveLength(2);
    for (const t of after.json.tickets) {
      // Timing, counts and status stay; the event log records the erase.
      const was = before.json.tickets.find((x: any) => x.ticket.id === t.ticket.id).ticket;
      for (const k of ['status', 'createdAt', 'lastMessageAt', 'firstResponseAt', 'messageCount', 'slaDueAt', 'channel', 'inboxAddress']) expect(t.ticket[k], k).toEqual(was[k]);
      expect(t.ticket).toMatchObject({ customerAddress: '[erased]', participants: [] });
      expect(t.ticket.messageCount).toBeGreaterThan(0);
      expect(t.events.map((e: any) => e.type)).toContain('contact.erased');
      for (const m of t.messages) expect(m).toMatchObject({ text: '', from: '[erased]', attachments: [], originalText: null });
    }
    await expect(object()).rejects.toThrow();
    expect((await find(phone)).status).toBe(404);
    expect((await find(address)).status).toBe(404);

    // The same addresses write again: fresh contacts and fresh tickets, nothing attached to the erased one.
    await sendSms(stack, { from: phone, body: 'back again' });
    await email({ from: address, subject: 'New', text: 'hello again' });
    const fresh = [...(await ticketsOf(stack, phone)), ...(await ticketsOf(stack, address))];
    expect(fresh).toHaveLength(2);
    for (const t of fresh) {
      expect(t['contactId']).not.toBe(id);
      expect(t['id']).not.toBe(smsTicket['id']);
    }
    const oldTicket = (await api(stack, 'GET', `/v1/tickets/${smsTicket['id']}`)).json;
    expect(oldTicket.ticket.messageCount).toBe(2);
  });

  it('refuses to erase a merged contact (erase the survivor) and answers 404 for an unknown one', async () => {
    const a = uniquePhone();
    const b = uniquePhone();
    await sendSms(stack, { from: a });
    await sendSms(stack, { from: b });
    const [into, from] = [await contactOf(a), await contactOf(b)];
    await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from });
    const r = await api(stack, 'DELETE', `/v1/contacts/${from}`);
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ code: 'contact_merged', details: { mergedInto: into } });
    expect((await api(stack, 'DELETE', '/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from })).status).toBe(200);
  });
});

/** Make one method of the real contact store fail on its `nth` call (fault injection at the adapter boundary). */
function failOnce(method: 'rewriteTicket' | 'redactMessage', nth: number): () => void {
  const store = stack.runtime.deps.contacts as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const original = store[method]!;
  let calls = 0;
  store[method] = function (this: unknown, ...args: unknown[]) {
    if (++calls === nth) return Promise.reject(new Error('injected crash'));
    return original.apply(this, args);
  };
  return () => {
    store[method] = original;
  };
}

describe('crash, resume and bounded work', () => {
  /** A contact with an SMS and a WhatsApp ticket (one phone), and another with one SMS ticket. */
  async function pair() {
    const digits = uniquePhone().slice(1);
    await sendSms(stack, { from: `+${digits}`, body: 'sms' });
    await whatsapp(digits, 'whatsapp');
    const other = uniquePhone();
    await sendSms(stack, { from: other });
    return { from: await contactOf(`+${digits}`), into: await contactOf(other), phone: `+${digits}` };
  }

  it('a merge that fails half-way is finished by repeating it; meanwhile other merges of those contacts are refused', async () => {
    const { from, into, phone } = await pair();
    const restore = failOnce('rewriteTicket', 2);
    try {
      expect((await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from })).status).toBe(500);
    } finally {
      restore();
    }
    const third = uniquePhone();
    await sendSms(stack, { from: third });
    const blocked = await api(stack, 'POST', `/v1/contacts/${await contactOf(third)}/merge`, { from });
    expect(blocked.status).toBe(409);
    expect(blocked.json.error).toMatchObject({ code: 'merge_in_progress', details: { from, into } });
    expect((await api(stack, 'DELETE', `/v1/contacts/${into}`)).json.error.code).toBe('merge_in_progress');

    const done = await api(stack, 'POST', `/v1/contacts/${into}/merge`, { from }, { 'if-match': '"1"' });
    expect(done.status).toBe(200);
    const tickets = (await api(stack, 'GET', `/v1/contacts/${into}/tickets`)).json.tickets;
    expect(tickets.map((t: any) => t.channel).sort()).toEqual(['sms', 'sms', 'whatsapp']);
    expect((await find(phone)).json.contacts[0].id).toBe(into);
    // Each moved ticket records the move exactly once, the crash notwithstanding.
    const moves = await Promise.all(
      tickets.map(async (t: any) => (await api(stack, 'GET', `/v1/tickets/${t.id}/events`)).json.events.filter((e: any) => e.type === 'contact.merged').length),
    );
    expect(moves.sort()).toEqual([0, 1, 1]);
  });

  it('a merge larger than one call’s budget moves a bounded part per call and finishes when repeated', async () => {
    const { from, into } = await pair();
    const first = await mergeContacts(stack.runtime.deps, into, from, 'test', undefined, 1);
    expect(first.done).toBe(false);
    expect((await api(stack, 'GET', `/v1/contacts/${from}/tickets`)).json.tickets).toHaveLength(1);
    const second = await mergeContacts(stack.runtime.deps, into, from, 'test', undefined, 1);
    expect(second).toMatchObject({ done: true, mergedBy: 'test' });
    expect((await api(stack, 'GET', `/v1/contacts/${into}`)).json.tickets).toHaveLength(3);
  });

  it('an erase that fails half-way is finished by repeating it, and an erase in parts ends the same', async () => {
    for (const mode of ['crash', 'parts'] as const) {
      const phone = uniquePhone();
      const secret = `secret-${randomBytes(6).toString('hex')}`;
      await sendSms(stack, { from: phone, body: `one ${secret}` });
      await sendSms(stack, { from: phone, body: `two ${secret}` });
      await whatsapp(phone.slice(1), `three ${secret}`, 'Secret Name');
      const id = await contactOf(phone);
      if (mode === 'crash') {
        const restore = failOnce('redactMessage', 2);
        try {
          expect((await api(stack, 'DELETE', `/v1/contacts/${id}`)).status).toBe(500);
        } finally {
          restore();
        }
        expect((await api(stack, 'DELETE', `/v1/contacts/${id}`)).status).toBe(200);
      } else {
        let calls = 0;
        while (!(await eraseContact(stack.runtime.deps, id, 'test', undefined, 1)).done) calls++;
        expect(calls).toBe(2); // three messages, one per call: two calls leave work, the third finishes
      }
      const text = JSON.stringify((await api(stack, 'GET', `/v1/contacts/${id}/export`)).json);
      for (const personal of [secret, phone, phone.slice(1), 'Secret Name']) expect(text, `${mode}: ${personal}`).not.toContain(personal);
      expect((await api(stack, 'GET', `/v1/contacts/${id}`)).json.contact.erasedAt).toEqual(expect.any(String));
    }
  });
});
