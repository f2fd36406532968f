/**
 * GET /v1/events on the real stack: events from real webhooks and API calls, in order, filtered by
 * type, walked with a cursor while writes go on (every settled event once, none twice), a
 * channel-restricted key seeing only its channel, and refused cursors and parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../functions/core/auth.ts';
import { api, API_KEY, eventually, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

const WA_KEY = 'swk_feed-whatsapp-desk-0123456789abcdef';
const wa = { authorization: `Bearer ${WA_KEY}` };

let stack: TestStack;
let since: string;
let sms: any;
let whatsapp: any;

/** Every event of these tickets, from their own event logs (the reference the feed must match). */
async function logsOf(ids: readonly string[]): Promise<Map<string, any>> {
  const out = new Map<string, any>();
  for (const id of ids) for (const e of (await api(stack, 'GET', `/v1/tickets/${id}/events?limit=200`)).json.events) out.set(e.id, e);
  return out;
}

/** Walk the feed from `start` until it has caught up; returns the events and the last cursor. */
async function walk(start: string, headers: Record<string, string> = {}, extra = '', limit = 3): Promise<{ events: any[]; cursor: string }> {
  const events: any[] = [];
  let q = `since=${encodeURIComponent(start)}`;
  for (let i = 0; i < 500; i++) {
    const r = await api(stack, 'GET', `/v1/events?${q}&limit=${limit}${extra}`, undefined, headers);
    expect(r.status).toBe(200);
    events.push(...r.json.events);
    q = `after=${encodeURIComponent(r.json.nextCursor)}`;
    if (r.json.caughtUp) return { events, cursor: r.json.nextCursor };
  }
  throw new Error('the feed never caught up');
}

beforeAll(async () => {
  since = new Date(Date.now() - 1000).toISOString();
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { name: 'wa-desk', hash: hashKey(WA_KEY), scopes: ['tickets:read'], channels: ['whatsapp'] },
    ]),
  });
  const smsPhone = uniquePhone();
  const waPhone = uniquePhone();
  await sendSms(stack, { from: smsPhone, body: 'first' });
  await sendSms(stack, { from: waPhone, whatsapp: true, to: '+14155238886' });
  const all = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets as any[];
  sms = all.find((t) => t.channel === 'sms');
  whatsapp = all.find((t) => t.channel === 'whatsapp');
  expect(sms && whatsapp).toBeTruthy();
  expect((await api(stack, 'PATCH', `/v1/tickets/${sms.id}`, { status: 'pending', priority: 'high' })).status).toBe(200);
  expect((await api(stack, 'POST', `/v1/tickets/${sms.id}/notes`, { text: 'looked into it' })).status).toBe(201);
  await sendSms(stack, { from: smsPhone, body: 'second' });
  expect((await api(stack, 'POST', `/v1/tickets/${whatsapp.id}/notes`, { text: 'wa note' })).status).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
});

describe('GET /v1/events', () => {
  it('lists every event of every ticket once, in the order recorded, once settled', async () => {
    const expected = await logsOf([sms.id, whatsapp.id]);
    // Nothing is served before it is 10 s old: wait until every event has settled.
    const { events } = await eventually(async () => {
      const w = await walk(since);
      return w.events.length >= expected.size ? w : undefined;
    }, 40_000, 'the events to settle');
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expected.keys()].sort());
    expect(ids).toEqual([...ids].sort()); // ULIDs: the order they were recorded
    for (const e of events) expect(e).toEqual(expected.get(e.id));
    const types = events.filter((e) => e.ticketId === sms.id).map((e) => e.type);
    expect(types.filter((t) => t === 'message.received')).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(['status.changed', 'priority.changed', 'note.added']));
    expect(types.indexOf('status.changed')).toBeLessThan(types.lastIndexOf('message.received'));
  });

  it('filters by type', async () => {
    const expected = [...(await logsOf([sms.id, whatsapp.id])).values()].filter((e) => e.type === 'note.added' || e.type === 'priority.changed');
    const { events } = await eventually(async () => {
      const w = await walk(since, {}, '&types=note.added,priority.changed', 2);
      return w.events.length >= expected.length ? w : undefined;
    }, 40_000, 'the events to settle');
    expect(events.map((e) => e.id)).toEqual(expected.map((e) => e.id).sort());
  });

  it('a channel-restricted key sees only its channel’s events', async () => {
    const expected = await logsOf([whatsapp.id]);
    const { events } = await eventually(async () => {
      const w = await walk(since, wa, '', 50);
      return w.events.length >= expected.size ? w : undefined;
    }, 40_000, 'the events to settle');
    expect(events.map((e) => e.ticketId)).toEqual(events.map(() => whatsapp.id));
    expect(events.map((e) => e.id).sort()).toEqual([...expected.keys()].sort());
  });

  it('a cursor walk during concurrent writes returns every settled event exactly once', async () => {
    const start = await walk(since, {}, '', 100);
    let cursor = start.cursor;
    const seen = [...start.events];
    let writing = true;
    const writers = (async () => {
      for (let i = 0; i < 6; i++) {
        await api(stack, 'POST', `/v1/tickets/${i % 2 ? sms.id : whatsapp.id}/notes`, { text: `concurrent ${i}` });
        await api(stack, 'PATCH', `/v1/tickets/${sms.id}`, { priority: i % 2 ? 'low' : 'urgent' });
      }
      writing = false;
    })();
    const readOnce = async () => {
      const r = await api(stack, 'GET', `/v1/events?after=${encodeURIComponent(cursor)}&limit=2`);
      expect(r.status).toBe(200);
      seen.push(...r.json.events);
      cursor = r.json.nextCursor;
      return r.json;
    };
    while (writing) await readOnce();
    await writers;
    const expected = await logsOf([sms.id, whatsapp.id]);
    await eventually(async () => ((await readOnce()).caughtUp && seen.length >= expected.size ? true : undefined), 40_000, 'the concurrent writes to settle');
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expected.keys()].sort());
  });

  it('refuses a tampered cursor, unknown types, a bad limit, and both after and since', async () => {
    const r = await api(stack, 'GET', '/v1/events?limit=1');
    const c: string = r.json.nextCursor;
    const tampered = `${c.slice(0, 10)}${c[10] === 'A' ? 'B' : 'A'}${c.slice(11)}`;
    const ticketCursor = (await api(stack, 'GET', `/v1/tickets?limit=1`)).json.nextCursor ?? 'x';
    for (const [q, code] of [
      [`after=${encodeURIComponent(tampered)}`, 'invalid_cursor'],
      [`after=${encodeURIComponent(ticketCursor)}`, 'invalid_cursor'],
      ['types=note.added,nope', 'invalid_query'],
      ['limit=0', 'invalid_query'],
      ['limit=501', 'invalid_query'],
      ['since=yesterday', 'invalid_query'],
      ['cursor=abc', 'invalid_query'],
      [`after=${encodeURIComponent(c)}&since=${encodeURIComponent(since)}`, 'invalid_query'],
    ] as const) {
      const bad = await api(stack, 'GET', `/v1/events?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.json.error.code, q).toBe(code);
    }
    expect((await api(stack, 'GET', '/v1/events', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
  });
});
