/**
 * API keys through the local gateway: hashed entries, a key restricted to one channel (it never sees
 * another channel's ticket on any route, the Idempotency-Key replay included), and the key's name on
 * every event its writes record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey, SCOPES } from '../../functions/core/auth.ts';
import { ROUTES } from '../../functions/spec.ts';
import { api, API_KEY, eventually, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

const WA_KEY = 'swk_whatsapp-desk-key-0123456789abcdef';
const MISSING = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const wa = { authorization: `Bearer ${WA_KEY}` };

let stack: TestStack;
let smsPhone: string;
let waPhone: string;
let sms: any; // the SMS ticket, as the unrestricted key sees it
let whatsapp: any;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: [...SCOPES], name: 'agent' },
      { name: 'wa-desk', hash: hashKey(WA_KEY), scopes: [...SCOPES], channels: ['whatsapp'] },
    ]),
  });
  smsPhone = uniquePhone();
  waPhone = uniquePhone();
  await sendSms(stack, { from: smsPhone });
  await sendSms(stack, { from: waPhone, whatsapp: true, to: '+14155238886' });
  const all = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets as any[];
  sms = all.find((t) => t.channel === 'sms' && t.customerAddress.includes(smsPhone));
  whatsapp = all.find((t) => t.channel === 'whatsapp' && t.customerAddress.includes(waPhone));
  expect(sms && whatsapp).toBeTruthy();
  // Both answered by the unrestricted key (the SMS one with an Idempotency-Key), so each has a
  // first response in the reports once the provider stub accepts the send.
  expect((await api(stack, 'POST', `/v1/tickets/${sms.id}/replies`, { text: 'On it' }, { 'idempotency-key': 'reply-1' })).status).toBe(201);
  expect((await api(stack, 'POST', `/v1/tickets/${whatsapp.id}/replies`, { text: 'On it' })).status).toBe(201);
  for (const t of [sms, whatsapp]) {
    await eventually(async () => (await api(stack, 'GET', `/v1/tickets/${t.id}`)).json.ticket.firstResponseAt, 20_000, 'the first response');
  }
  sms = (await api(stack, 'GET', `/v1/tickets/${sms.id}`)).json.ticket;
});
afterAll(async () => {
  await stack?.stop();
});

/** What a route needs to get past its own validation, so the channel check is what answers. */
const requestFor = (method: string, path: string): { path: string; body?: unknown } => {
  // Ticket and contact routes get the other channel's ticket or contact; other resources (webhook subscriptions) an id of their own kind.
  const p = path.replace('{id}', path.startsWith('/v1/contacts') ? sms.contactId : path.startsWith('/v1/tickets') ? sms.id : MISSING);
  if (path === '/v1/contacts') return { path: `${p}?identity=${encodeURIComponent(smsPhone)}` };
  if (path === '/v1/reports/response-times') return { path: `${p}?from=${today}&to=${today}&groupBy=priority` };
  if (path.endsWith('/replies') || path.endsWith('/notes')) return { path: p, body: { text: 'hello from the other desk' } };
  if (method === 'PATCH') return { path: p, body: path.startsWith('/v1/contacts') ? { name: 'Renamed' } : { status: 'pending' } };
  if (path.endsWith('/merge')) return { path: p, body: { from: whatsapp.contactId } };
  return { path: p };
};

describe('a key restricted to one channel', () => {
  it('gets the missing-ticket 404 for another channel’s ticket on every single-ticket route, If-Match or not', async () => {
    const missing = await api(stack, 'GET', `/v1/tickets/${MISSING}`);
    expect(missing.status).toBe(404);
    const ticketRoutes = ROUTES.filter((r) => r.fn === 'api' && r.path.startsWith('/v1/tickets/{id}'));
    expect(ticketRoutes.length).toBeGreaterThanOrEqual(5);
    for (const r of ticketRoutes) {
      for (const headers of [wa, { ...wa, 'if-match': `"${sms.version}"` }]) {
        const { path, body } = requestFor(r.method, r.path);
        const res = await api(stack, r.method, path, body, headers);
        expect(res.status, `${r.method} ${r.path}: ${res.text}`).toBe(404);
        expect(res.json).toEqual(JSON.parse(missing.text.replaceAll(MISSING, sms.id)));
        expect(res.headers.get('etag')).toBeNull();
      }
    }
  });

  it('cannot replay another key’s Idempotency-Key on another channel’s ticket (the stored reply stays hidden)', async () => {
    const replay = await api(stack, 'POST', `/v1/tickets/${sms.id}/replies`, { text: 'On it' }, { ...wa, 'idempotency-key': 'reply-1' });
    expect(replay.status).toBe(404);
    expect(replay.json.error.code).toBe('not_found');
    expect(replay.text).not.toContain('On it');
    // the unrestricted key still gets its replay
    const own = await api(stack, 'POST', `/v1/tickets/${sms.id}/replies`, { text: 'On it' }, { 'idempotency-key': 'reply-1' });
    expect(own.status).toBe(200);
    expect(own.headers.get('idempotent-replayed')).toBe('true');
  });

  it('never sees the other channel’s ticket, customer or figures on any route', async () => {
    for (const r of ROUTES.filter((x) => x.fn === 'api' && x.path.startsWith('/v1/') && !x.path.startsWith('/v1/tickets/{id}'))) {
      const { path, body } = requestFor(r.method, r.path);
      const res = await api(stack, r.method, path, body, wa);
      expect(res.status, `${r.method} ${r.path}`).not.toBe(500);
      expect(res.text, `${r.method} ${r.path}`).not.toContain(sms.id);
      expect(res.text, `${r.method} ${r.path}`).not.toContain(smsPhone);
    }
    const list = await api(stack, 'GET', '/v1/tickets?limit=100', undefined, wa);
    expect(list.status).toBe(200);
    expect(list.json.tickets.map((t: any) => t.id)).toContain(whatsapp.id);
    expect(list.json.tickets.every((t: any) => t.channel === 'whatsapp')).toBe(true);
    expect((await api(stack, 'GET', '/v1/tickets?channel=sms', undefined, wa)).json.tickets).toEqual([]);
  });

  it('reports count only its channel, grouped any way', async () => {
    const report = async (groupBy: string, headers: Record<string, string> = {}) =>
      (await api(stack, 'GET', `/v1/reports/response-times?from=${today}&to=${today}&groupBy=${encodeURIComponent(groupBy)}`, undefined, headers)).json.groups as any[];
    const count = (groups: any[]) => groups.reduce((n, g) => n + g.firstReply.count, 0);
    expect(count(await report('priority'))).toBe(2); // unrestricted: both tickets
    expect((await report('channel', wa)).map((g) => g.channel)).toEqual(['whatsapp']);
    expect(count(await report('priority', wa))).toBe(1);
    expect((await report('channel,priority', wa)).map((g) => g.channel)).toEqual(['whatsapp']);
  });

  it('changed nothing on the other channel’s ticket', async () => {
    const after = await api(stack, 'GET', `/v1/tickets/${sms.id}`);
    expect(after.json.ticket.version).toBe(sms.version);
    expect(after.json.ticket.status).toBe(sms.status);
    expect(after.json.messages.map((m: any) => m.text)).not.toContain('hello from the other desk');
    const events = (await api(stack, 'GET', `/v1/tickets/${sms.id}/events?limit=200`)).json.events as any[];
    expect(JSON.stringify(events)).not.toContain('wa-desk');
  });
});

describe('keys and actors', () => {
  it('a hashed key works on its own channel, and every event it writes names it', async () => {
    const read = await api(stack, 'GET', `/v1/tickets/${whatsapp.id}`, undefined, wa);
    expect(read.status).toBe(200);
    const version = read.json.ticket.version;
    expect(read.headers.get('etag')).toBe(`"${version}"`);
    const note = await api(stack, 'POST', `/v1/tickets/${whatsapp.id}/notes`, { text: 'VIP', author: 'Bea' }, { ...wa, 'if-match': `"${version}"` });
    expect(note.status, note.text).toBe(201);
    const patched = await api(stack, 'PATCH', `/v1/tickets/${whatsapp.id}`, { priority: 'high' }, wa);
    expect(patched.status).toBe(200);
    const events = (await api(stack, 'GET', `/v1/tickets/${whatsapp.id}/events?limit=200`, undefined, wa)).json.events as any[];
    expect(events.find((e) => e.type === 'note.added')).toMatchObject({ actor: 'agent:Bea', via: 'api:wa-desk' });
    expect(events.find((e) => e.type === 'priority.changed')).toMatchObject({ actor: 'api:wa-desk', via: 'api:wa-desk' });
    // the unrestricted key's reply, and the customer's message (no API key involved)
    expect(events.find((e) => e.type === 'reply.queued')).toMatchObject({ actor: 'api:agent', via: 'api:agent' });
    expect(events.find((e) => e.type === 'message.received')).not.toHaveProperty('via');
  });

  it('401 for the hash presented as a key, or a near miss', async () => {
    for (const bad of [hashKey(WA_KEY), `${WA_KEY}x`, WA_KEY.slice(0, -1)]) {
      const r = await api(stack, 'GET', '/v1/tickets', undefined, { authorization: `Bearer ${bad}` });
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('unauthorized');
    }
  });
});
