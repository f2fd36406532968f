/** The REST API through the local gateway: auth, validation, lists with cursors, updates. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, READ_ONLY_KEY, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ AUTO_ACK_ENABLED: 'false' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('REST API', () => {
  it('GET /health needs no key', async () => {
    const r = await fetch(`${stack.url}/health`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).status).toBe('ok');
  });

  it('401 without a valid key, 403 without the scope', async () => {
    const none = await fetch(`${stack.url}/v1/tickets`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe('unauthorized');
    expect((await api(stack, 'GET', '/v1/tickets', undefined, { authorization: 'Bearer wrong-key-000000000' })).status).toBe(401);
    expect((await api(stack, 'GET', '/v1/tickets', undefined, { authorization: `Bearer ${READ_ONLY_KEY}` })).status).toBe(200);
    const from = uniquePhone();
    await sendSms(stack, { from });
    const id = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((t: any) => t.customerAddress === from).id;
    const denied = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'x' }, { authorization: `Bearer ${READ_ONLY_KEY}` });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('forbidden');
    expect((await api(stack, 'GET', `/v1/tickets/${id}`)).json.messages).toHaveLength(1);
  });

  it('pages through every ticket with opaque cursors, newest activity first, across shards', async () => {
    const phones = Array.from({ length: 7 }, uniquePhone);
    for (const from of phones) await sendSms(stack, { from, to: '+15550002222' });
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await api(stack, 'GET', `/v1/tickets?status=open&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.json.tickets.length).toBeLessThanOrEqual(3);
      seen.push(...r.json.tickets);
      cursor = r.json.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const from of phones) expect(seen.some((t) => t.customerAddress === from)).toBe(true);
    const keys = seen.map((t) => `${t.lastMessageAt}#${t.id}`);
    expect([...keys].sort().reverse()).toEqual(keys);
  });

  it('filters by status and channel', async () => {
    const from = uniquePhone();
    await sendSms(stack, { from });
    await sendSms(stack, { from: uniquePhone(), whatsapp: true, to: '+14155238886' });
    const id = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((t: any) => t.customerAddress === from).id;
    await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' });
    const resolved = (await api(stack, 'GET', '/v1/tickets?status=resolved')).json.tickets;
    expect(resolved.map((t: any) => t.id)).toContain(id);
    expect(resolved.every((t: any) => t.status === 'resolved')).toBe(true);
    const wa = (await api(stack, 'GET', '/v1/tickets?channel=whatsapp')).json.tickets;
    expect(wa.length).toBeGreaterThanOrEqual(1);
    expect(wa.every((t: any) => t.channel === 'whatsapp')).toBe(true);
    const smsOpen = (await api(stack, 'GET', '/v1/tickets?channel=sms&status=open&limit=100')).json.tickets;
    expect(smsOpen.every((t: any) => t.channel === 'sms' && t.status === 'open')).toBe(true);
    expect(smsOpen.map((t: any) => t.id)).not.toContain(id);
  });

  it.each([
    ['/v1/tickets?status=bogus', 'invalid_query'],
    ['/v1/tickets?limit=0', 'invalid_query'],
    ['/v1/tickets?limit=101', 'invalid_query'],
    ['/v1/tickets?colour=red', 'invalid_query'],
    ['/v1/tickets?cursor=garbage', 'invalid_cursor'],
  ])('GET %s is a 400 %s', async (path, code) => {
    const r = await api(stack, 'GET', path);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe(code);
  });

  it('a cursor from one filter is refused on another', async () => {
    for (let i = 0; i < 3; i++) await sendSms(stack, { from: uniquePhone() });
    const first = await api(stack, 'GET', '/v1/tickets?status=open&limit=1');
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const other = await api(stack, 'GET', `/v1/tickets?status=pending&limit=1&cursor=${encodeURIComponent(first.json.nextCursor)}`);
    expect(other.status).toBe(400);
    expect(other.json.error.code).toBe('invalid_cursor');
  });

  it('404 for unknown tickets, 405 for a wrong method, 4xx for bad bodies, and nothing changes', async () => {
    expect((await api(stack, 'GET', '/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await api(stack, 'GET', '/v1/tickets/not-an-id')).json.error.code).toBe('not_found');
    expect((await api(stack, 'POST', '/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV/replies', { text: 'x' })).status).toBe(404);
    const from = uniquePhone();
    await sendSms(stack, { from });
    const t = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((x: any) => x.customerAddress === from);
    const cases: Array<[unknown, Record<string, string>, number, string]> = [
      ['{"text":', { 'content-type': 'application/json' }, 400, 'invalid_json'],
      [{ text: '' }, {}, 400, 'invalid_body'],
      [{ text: 'x', extra: 1 }, {}, 400, 'invalid_body'],
      ['text=hi', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
      [{ text: 'x' }, { 'idempotency-key': 'bad key with spaces' }, 400, 'invalid_idempotency_key'],
    ];
    for (const [body, headers, status, code] of cases) {
      const r = await api(stack, 'POST', `/v1/tickets/${t.id}/replies`, body, headers);
      expect([r.status, r.json.error.code]).toEqual([status, code]);
    }
    expect((await api(stack, 'PATCH', `/v1/tickets/${t.id}`, {})).json.error.code).toBe('invalid_body');
    expect((await api(stack, 'PATCH', `/v1/tickets/${t.id}`, { status: 'done' })).status).toBe(400);
    const wrong = await api(stack, 'DELETE', `/v1/tickets/${t.id}`);
    // no DELETE route: the default route reaches the api, which says what is allowed
    expect([wrong.status, wrong.json.error.code, wrong.headers.get('allow')]).toEqual([405, 'method_not_allowed', 'GET, PATCH']);
    const unknown = await api(stack, 'GET', '/v1/nothing-here');
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'not_found']);
    const after = (await api(stack, 'GET', `/v1/tickets/${t.id}`)).json;
    expect(after.ticket.version).toBe(t.version);
    expect(after.messages).toHaveLength(1);
  });

  it('internal notes are stored, never sent, and are not a first response', async () => {
    const from = uniquePhone();
    await sendSms(stack, { from });
    const t = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((x: any) => x.customerAddress === from);
    const sentBefore = stack.providerStub.requests.length;
    const r = await api(stack, 'POST', `/v1/tickets/${t.id}/notes`, { text: 'Customer is a VIP', author: 'ana' });
    expect(r.status).toBe(201);
    expect(r.json.message).toMatchObject({ direction: 'note', text: 'Customer is a VIP', author: 'ana', deliveryStatus: null });
    const d = (await api(stack, 'GET', `/v1/tickets/${t.id}`)).json;
    expect(d.ticket.firstResponseAt).toBeNull();
    expect(d.messages.map((m: any) => m.direction)).toEqual(['inbound', 'note']);
    await new Promise((res) => setTimeout(res, 1500));
    expect(stack.providerStub.requests.length).toBe(sentBefore);
    expect((await api(stack, 'POST', `/v1/tickets/${t.id}/notes`, { text: '' })).status).toBe(400);
    expect((await api(stack, 'POST', `/v1/tickets/${t.id}/notes`, { text: 'x' }, { authorization: `Bearer ${READ_ONLY_KEY}` })).status).toBe(403);
  });

  it('PATCH honours If-Match with 412 on a stale version', async () => {
    const from = uniquePhone();
    await sendSms(stack, { from });
    const t = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((x: any) => x.customerAddress === from);
    const ok = await api(stack, 'PATCH', `/v1/tickets/${t.id}`, { priority: 'high', assignee: 'ana', tags: ['vip'] }, { 'if-match': `"${t.version}"` });
    expect(ok.status).toBe(200);
    expect(ok.json.ticket).toMatchObject({ priority: 'high', assignee: 'ana', tags: ['vip'], version: t.version + 1 });
    const stale = await api(stack, 'PATCH', `/v1/tickets/${t.id}`, { priority: 'low' }, { 'if-match': `"${t.version}"` });
    expect(stale.status).toBe(412);
    expect((await api(stack, 'GET', `/v1/tickets/${t.id}`)).json.ticket.priority).toBe('high');
  });

  it('reads carry an ETag; replies and notes honour If-Match too (412 when stale, 400 when malformed)', async () => {
    const from = uniquePhone();
    await sendSms(stack, { from });
    const t = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((x: any) => x.customerAddress === from);
    // (this stack sends no acknowledgement, so nothing else changes the ticket meanwhile)
    const read = await api(stack, 'GET', `/v1/tickets/${t.id}`);
    const tag = read.headers.get('etag')!;
    expect(tag).toBe(`"${read.json.ticket.version}"`);
    const note = await api(stack, 'POST', `/v1/tickets/${t.id}/notes`, { text: 'checking' }, { 'if-match': tag });
    expect(note.status).toBe(201);
    // the note moved the version on: the old tag is stale now, for a reply as for a note
    expect((await api(stack, 'POST', `/v1/tickets/${t.id}/replies`, { text: 'hello' }, { 'if-match': tag })).status).toBe(412);
    expect((await api(stack, 'POST', `/v1/tickets/${t.id}/notes`, { text: 'again' }, { 'if-match': tag })).status).toBe(412);
    expect((await api(stack, 'POST', `/v1/tickets/${t.id}/notes`, { text: 'again' }, { 'if-match': 'yesterday' })).status).toBe(400);
    const fresh = (await api(stack, 'GET', `/v1/tickets/${t.id}`)).headers.get('etag')!;
    const patched = await api(stack, 'PATCH', `/v1/tickets/${t.id}`, { priority: 'urgent' }, { 'if-match': fresh });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe(`"${patched.json.ticket.version}"`);
  });
});
