/**
 * RE2 loads on demand (core/rules/text.ts loadRe2), on a fresh stack in this process: ingest without
 * a pattern never loads it; the first POST /v1/rules loads it before the body is validated, so a
 * backreference is a clear 400 and a good pattern a 201 that then applies to real messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { re2Loaded } from '../../functions/core/rules/text.ts';
import { API_KEY, api, eventually, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

const ADMIN_KEY = 'rules-re2-admin-key-0123456789';
let stack: TestStack;
const admin = (method: string, path: string, body?: unknown) => api(stack, method, path, body, { authorization: `Bearer ${ADMIN_KEY}` });
const ticketByCustomer = (customer: string) =>
  eventually(async () => (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((t: any) => t.customerAddress === customer), 20_000, `a ticket from ${customer}`);
/** Longer than RULES_CACHE_SECONDS (1 s here) plus one refresh. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startTestStack({ AUTO_ACK_ENABLED: 'false', RULES_CACHE_SECONDS: '1', API_KEYS: JSON.stringify([{ key: ADMIN_KEY, scopes: ['admin'], name: 'ops' }, { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' }]) });
});
afterAll(async () => {
  await stack?.stop();
});

describe('RE2 on demand', () => {
  it('a fresh stack: ingest without patterns leaves RE2 unloaded; POST /v1/rules validates a pattern (400 backreference, 201 good) and ingest applies it', async () => {
    expect(re2Loaded()).toBe(false);
    const first = uniquePhone();
    await sendSms(stack, { from: first, body: 'order #42 is late' });
    expect(await ticketByCustomer(first)).toMatchObject({ tags: [] });
    expect(re2Loaded()).toBe(false);

    const rule = (value: string) => ({ name: 'orders', on: ['ticket.created'], conditions: { all: [{ field: 'text', op: 'matches', value }] }, actions: [{ type: 'addTags', value: ['order'] }] });
    const bad = await admin('POST', '/v1/rules', rule('(order) #\\d+ \\1'));
    expect(bad.status, bad.text).toBe(400);
    expect(bad.json.error.code).toBe('invalid_body');
    expect(JSON.stringify(bad.json.error.details)).toContain('backreferences');
    expect((await admin('GET', '/v1/rules')).json.rules).toEqual([]);

    const good = await admin('POST', '/v1/rules', rule('\\border #\\d+'));
    expect(good.status, good.text).toBe(201);
    expect(re2Loaded()).toBe(true);

    await sleep(2_100);
    const second = uniquePhone();
    await sendSms(stack, { from: second, body: 'ORDER #7 never came' });
    expect(await ticketByCustomer(second)).toMatchObject({ tags: ['order'] });
    expect((await admin('DELETE', `/v1/rules/${good.json.rule.id}`)).status).toBe(204);
  });
});
