/** Triage rules on the local stack: the /v1/rules routes, and what rules do to real messages through several providers. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaMessagePayload, signedMeta, signedTelegram, telegramPayload } from '../../bin/simulate.ts';
import { API_KEY, api, deliver, eventually, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

const ADMIN_KEY = 'rules-admin-key-0123456789';
const SMS_ADMIN_KEY = 'rules-sms-admin-key-0123456789';
let stack: TestStack;
const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => api(stack, method, path, body, { authorization: `Bearer ${ADMIN_KEY}`, ...headers });
const token = () => `tok${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Longer than RULES_CACHE_SECONDS (1 s here) plus one refresh: every container has re-read the rules. */
const CACHE_BOUND_MS = 2_100;

beforeAll(async () => {
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    RULES_CACHE_SECONDS: '1',
    BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'UTC', week: { mon: [['00:00', '24:00']], tue: [['00:00', '24:00']], wed: [['00:00', '24:00']], thu: [['00:00', '24:00']], fri: [['00:00', '24:00']], sat: [['00:00', '24:00']], sun: [['00:00', '24:00']] } } }),
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { key: ADMIN_KEY, scopes: ['admin'], name: 'ops' },
      { key: SMS_ADMIN_KEY, scopes: ['admin'], name: 'smsops', channels: ['sms'] },
    ]),
  });
});
afterAll(async () => {
  await stack?.stop();
});

// 250 characters, RE2-valid: 35 alternatives of bounded repeats of `.` (5 s on a 4k text before it was refused).
const alts: string[] = [];
for (let n = 1000; ('(?:' + [...alts, `.{${n}}`].join('|') + ')x').length <= 256; n--) alts.push(`.{${n}}`);
const SLOW = '(?:' + alts.join('|') + ')x';
// Within every field's bounds, but 20 notes of 2,000 characters: far over the 16 KB a rule may be.
const BIG = { name: 'big', enabled: false, on: ['ticket.created'], actions: Array.from({ length: 20 }, () => ({ type: 'addNote', value: '漢'.repeat(2000) })) };

async function createRule(body: Record<string, unknown>) {
  const r = await admin('POST', '/v1/rules', { on: ['ticket.created'], ...body });
  expect(r.status, r.text).toBe(201);
  return r.json.rule as { id: string; version: number; name: string };
}
const ticketByCustomer = (customer: string) =>
  eventually(async () => (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((t: any) => t.customerAddress === customer), 20_000, `a ticket from ${customer}`);
const eventsOf = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}/events?limit=200`)).json.events as any[];

describe('/v1/rules', () => {
  it('needs the admin scope', async () => {
    expect((await api(stack, 'GET', '/v1/rules')).status).toBe(403);
    expect((await fetch(`${stack.url}/v1/rules`)).status).toBe(401);
  });

  it('refuses a channel-restricted key (403) on rules, teams and agents, whatever its scopes', async () => {
    const sms = (method: string, path: string, body?: unknown) => api(stack, method, path, body, { authorization: `Bearer ${SMS_ADMIN_KEY}` });
    const wa = await admin('POST', '/v1/rules', { name: 'wa secret', enabled: false, on: ['ticket.created'], conditions: { all: [{ field: 'channel', op: 'is', value: 'whatsapp' }] }, actions: [{ type: 'addTags', value: ['vip-wa'] }] });
    expect(wa.status).toBe(201);
    const before = (await admin('GET', '/v1/rules')).json.rules.length;
    const grab = { name: 'grab whatsapp', on: ['ticket.created'], conditions: { all: [{ field: 'channel', op: 'is', value: 'whatsapp' }] }, actions: [{ type: 'assignAgent', value: 'mallory' }] };
    const calls = [
      sms('GET', '/v1/rules'),
      sms('POST', '/v1/rules', grab),
      sms('POST', '/v1/rules/test', { channel: 'whatsapp', text: 'hi' }),
      sms('GET', `/v1/rules/${wa.json.rule.id}`),
      sms('PUT', `/v1/rules/${wa.json.rule.id}`, grab),
      sms('DELETE', `/v1/rules/${wa.json.rule.id}`),
      sms('GET', '/v1/teams/risk'),
      sms('PUT', '/v1/teams/risk', { members: ['mallory'] }),
      sms('PATCH', '/v1/agents/ana', { available: false }),
    ];
    for (const r of await Promise.all(calls)) {
      expect(r.status, r.text).toBe(403);
      expect(r.json.error.message).toContain('restricted to some channels');
    }
    expect((await admin('GET', `/v1/rules/${wa.json.rule.id}`)).json.rule).toMatchObject({ name: 'wa secret', version: 1 });
    expect((await admin('GET', '/v1/rules')).json.rules.length).toBe(before);
    await admin('DELETE', `/v1/rules/${wa.json.rule.id}`);
  });

  it('creates, reads, replaces with If-Match (412 when stale) and deletes a rule', async () => {
    const body = { name: 'crud', enabled: false, conditions: { all: [{ field: 'channel', op: 'is', value: 'sms' }] }, actions: [{ type: 'addTags', value: ['crud'] }] };
    const created = await admin('POST', '/v1/rules', { ...body, on: ['ticket.created'] });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.json.rule.id;
    expect(created.json.rule).toMatchObject({ name: 'crud', enabled: false, stop: false, version: 1, on: ['ticket.created'] });
    const read = await admin('GET', `/v1/rules/${id}`);
    expect(read.json.rule).toEqual(created.json.rule);
    expect((await admin('GET', '/v1/rules')).json.rules.map((r: any) => r.id)).toContain(id);

    const put = await admin('PUT', `/v1/rules/${id}`, { ...body, name: 'crud v2', on: ['message.received'] }, { 'if-match': '"1"' });
    expect(put.status).toBe(200);
    expect(put.json.rule).toMatchObject({ name: 'crud v2', version: 2, createdAt: created.json.rule.createdAt, position: created.json.rule.position });
    expect(put.headers.get('etag')).toBe('"2"');
    const stale = await admin('PUT', `/v1/rules/${id}`, { ...body, on: ['ticket.created'], name: 'lost update' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.json.error.code).toBe('version_mismatch');
    expect((await admin('DELETE', `/v1/rules/${id}`, undefined, { 'if-match': '"1"' })).status).toBe(412);
    expect((await admin('GET', `/v1/rules/${id}`)).json.rule.name).toBe('crud v2');

    expect((await admin('DELETE', `/v1/rules/${id}`, undefined, { 'if-match': '"2"' })).status).toBe(204);
    expect((await admin('GET', `/v1/rules/${id}`)).status).toBe(404);
    expect((await admin('DELETE', `/v1/rules/${id}`)).status).toBe(404);
    expect((await admin('PUT', `/v1/rules/${id}`, { ...body, on: ['ticket.created'] })).status).toBe(404);
    expect((await admin('GET', '/v1/rules/not-a-ulid')).status).toBe(404);
  });

  it('refuses bad rules with a 400 naming the problem, and stores nothing', async () => {
    const before = (await admin('GET', '/v1/rules')).json.rules.length;
    const base = { name: 'bad', on: ['ticket.created'], actions: [{ type: 'setPriority', value: 'high' }] };
    const cond = (c: unknown) => ({ ...base, conditions: { all: [c] } });
    const cases: Array<[string, unknown, string]> = [
      ['a backreference', cond({ field: 'text', op: 'matches', value: '(a)\\1' }), 'backreferences'],
      ['a lookbehind', cond({ field: 'text', op: 'matches', value: '(?<!y)x' }), 'lookahead and lookbehind'],
      ['an unknown field', cond({ field: 'mood', op: 'is', value: 'x' }), 'conditions.all.0.field'],
      ['an unknown operator', cond({ field: 'text', op: 'like', value: 'x' }), 'conditions.all.0.op'],
      ['an operator the field does not take', cond({ field: 'channel', op: 'lt', value: 'sms' }), 'channel takes the operators'],
      ['a wrong value type', cond({ field: 'sentiment', op: 'lt', value: 'very bad' }), 'number from -1 to 1'],
      ['21 conditions', { ...base, conditions: { all: Array(21).fill({ field: 'channel', op: 'is', value: 'sms' }) } }, 'conditions.all'],
      ['an unknown calendar', cond({ field: 'businessHours', op: 'is', value: 'closed', calendar: 'mars' }), 'unknown calendar mars'],
      ['a huge name', { ...base, name: 'x'.repeat(1_000_000) }, 'name'],
      ['a huge word list', cond({ field: 'text', op: 'contains', value: Array(5000).fill('word') }), 'conditions.all.0.value'],
      ['no actions', { ...base, actions: [] }, 'actions'],
      ['a pattern slow even in RE2', cond({ field: 'text', op: 'matches', value: SLOW }), 'the pattern is too costly'],
      ['a word with no letters or digits', cond({ field: 'text', op: 'contains', value: ['!!!'] }), 'could never match'],
      ['a rule over 16 KB', BIG, 'a rule is at most 16 KB as JSON'],
    ];
    for (const [what, body, problem] of cases) {
      const r = await admin('POST', '/v1/rules', body);
      expect(r.status, what).toBe(400);
      expect(r.json.error.code, what).toBe('invalid_body');
      expect(JSON.stringify(r.json.error), what).toContain(problem);
    }
    expect((await admin('POST', '/v1/rules', '{"name":', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await admin('GET', '/v1/rules')).json.rules.length).toBe(before);
    // The same on PUT: a clear 400, the rule unchanged.
    const small = await admin('POST', '/v1/rules', { ...base, enabled: false });
    const put = await admin('PUT', `/v1/rules/${small.json.rule.id}`, BIG);
    expect([put.status, put.json.error.code]).toEqual([400, 'invalid_body']);
    expect((await admin('GET', `/v1/rules/${small.json.rule.id}`)).json.rule).toMatchObject({ version: 1, name: 'bad' });
    await admin('DELETE', `/v1/rules/${small.json.rule.id}`);
    // A known calendar is fine.
    const ok = await admin('POST', '/v1/rules', { ...cond({ field: 'businessHours', op: 'is', value: 'closed', calendar: 'ops' }), enabled: false });
    expect(ok.status).toBe(201);
    expect((await admin('DELETE', `/v1/rules/${ok.json.rule.id}`)).status).toBe(204);
  });

  it('refuses the 201st rule with 409, and the 51st pattern', async () => {
    const existing = (await admin('GET', '/v1/rules')).json.rules.length;
    const ids: string[] = [];
    const body = { name: 'filler', enabled: false, on: ['ticket.created'], actions: [{ type: 'addTags', value: ['filler'] }] };
    for (let i = existing; i < 200; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, 200 - i) }, () => admin('POST', '/v1/rules', body)));
      for (const r of batch) {
        expect(r.status).toBe(201);
        ids.push(r.json.rule.id);
      }
    }
    const full = await admin('POST', '/v1/rules', body);
    expect(full.status).toBe(409);
    expect(full.json.error.code).toBe('too_many_rules');
    expect((await admin('GET', '/v1/rules')).json.rules.length).toBe(200);
    for (let i = 0; i < ids.length; i += 20) await Promise.all(ids.slice(i, i + 20).map((id) => admin('DELETE', `/v1/rules/${id}`)));
    expect((await admin('GET', '/v1/rules')).json.rules.length).toBe(existing);

    const pattern = (i: number) => ({ ...body, conditions: { any: Array.from({ length: 10 }, (_, k) => ({ field: 'text', op: 'matches', value: `p${i}x${k}` })) } });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await admin('POST', '/v1/rules', pattern(i))).json.rule.id);
    const over = await admin('POST', '/v1/rules', { ...body, conditions: { all: [{ field: 'text', op: 'matches', value: 'one more' }] } });
    expect(over.status).toBe(409);
    expect(over.json.error.code).toBe('too_many_patterns');
    for (const id of made) await admin('DELETE', `/v1/rules/${id}`);
  });

  it('the caps hold under concurrent writes: 60 creates never 5xx, 10 × 10 patterns make exactly 50, one of 8 PUTs with the same If-Match wins', async () => {
    const body = { name: 'c', enabled: false, on: ['ticket.created'], actions: [{ type: 'addTags', value: ['c'] }] };
    const creates = await Promise.all(Array.from({ length: 60 }, () => admin('POST', '/v1/rules', body)));
    expect(creates.map((r) => r.status).filter((x) => x !== 201)).toEqual([]);
    await Promise.all(creates.map((r) => admin('DELETE', `/v1/rules/${r.json.rule.id}`)));

    const mk = (i: number) => ({ ...body, name: `p${i}`, conditions: { any: Array.from({ length: 10 }, (_, k) => ({ field: 'text', op: 'matches', value: `q${i}x${k}` })) } });
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => admin('POST', '/v1/rules', mk(i))));
    expect(rs.filter((r) => r.status === 201)).toHaveLength(5);
    expect(rs.filter((r) => r.status === 409).every((r) => r.json.error.code === 'too_many_patterns')).toBe(true);
    const rules = (await admin('GET', '/v1/rules')).json.rules;
    const patterns = rules.reduce((n: number, r: any) => n + [...(r.conditions.all ?? []), ...(r.conditions.any ?? [])].filter((c: any) => c.op === 'matches').length, 0);
    expect(patterns).toBe(50);
    // A PUT that adds a pattern is refused as well; one that removes them frees room.
    const first = rs.find((r) => r.status === 201)!.json.rule;
    const more = await admin('PUT', `/v1/rules/${first.id}`, { ...mk(99), conditions: { any: Array.from({ length: 11 }, (_, k) => ({ field: 'text', op: 'matches', value: `z${k}` })) } });
    expect([more.status, more.json.error?.code]).toEqual([409, 'too_many_patterns']);
    expect((await admin('PUT', `/v1/rules/${first.id}`, body)).status).toBe(200);
    expect((await admin('POST', '/v1/rules', mk(42))).status).toBe(201);
    await Promise.all((await admin('GET', '/v1/rules')).json.rules.filter((r: any) => r.name.startsWith('p') || r.name === 'c').map((r: any) => admin('DELETE', `/v1/rules/${r.id}`)));

    const id = (await admin('POST', '/v1/rules', body)).json.rule.id;
    const puts = await Promise.all(Array.from({ length: 8 }, (_, i) => admin('PUT', `/v1/rules/${id}`, { ...body, name: `v${i}` }, { 'if-match': '"1"' })));
    expect(puts.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    await admin('DELETE', `/v1/rules/${id}`);
  }, 60_000);
});

describe('rules on arrival', () => {
  it('set priority, tags and team through Twilio, Meta (WhatsApp) and Telegram, and say why in the log', async () => {
    const word = token();
    const rule = await createRule({
      name: `urgent ${word}`,
      conditions: { all: [{ field: 'text', op: 'contains', value: [word, 'never-said'] }], any: [{ field: 'channel', op: 'in', value: ['sms', 'whatsapp', 'telegram'] }] },
      actions: [{ type: 'setPriority', value: 'urgent' }, { type: 'addTags', value: ['fraud'] }, { type: 'assignTeam', value: 'risk' }],
    });
    await sleep(CACHE_BOUND_MS);
    const s = stack.runtime.config.secrets;
    const sms = uniquePhone();
    const wa = uniquePhone().slice(1);
    const tg = String(Math.floor(Math.random() * 1e9));
    await sendSms(stack, { from: sms, body: `My card was stolen! ${word.toUpperCase()}` });
    expect((await deliver(stack, signedMeta(s.META_APP_SECRET!, metaMessagePayload({ channel: 'whatsapp', from: wa, to: '100', body: `stolen card ${word}` })))).status).toBe(200);
    expect((await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: tg, body: `${word}: please block it` })))).status).toBe(200);
    const none = uniquePhone();
    await sendSms(stack, { from: none, body: 'no keyword here' });

    for (const [customer, channel] of [[sms, 'sms'], [wa, 'whatsapp'], [tg, 'telegram']] as const) {
      const t = await eventually(async () => (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((x: any) => x.customerAddress.includes(customer)), 20_000, channel);
      expect(t, channel).toMatchObject({ priority: 'urgent', tags: ['fraud'], team: 'risk', channel });
      const events = await eventsOf(t.id);
      const applied = events.find((e) => e.type === 'rule.applied');
      expect(applied, channel).toMatchObject({ actor: `rule:${rule.id}`, rules: [{ rule: rule.id, name: rule.name, version: 1 }] });
      expect(applied.rules[0].matched, channel).toEqual([{ field: 'text', op: 'contains', value: [word, 'never-said'] }, { field: 'channel', op: 'in', value: ['sms', 'whatsapp', 'telegram'] }]);
      expect(events.find((e) => e.type === 'priority.changed'), channel).toMatchObject({ actor: `rule:${rule.id}`, from: 'normal', to: 'urgent' });
      // The message carries its signals.
      const detail = await api(stack, 'GET', `/v1/tickets/${t.id}`);
      expect(detail.json.messages[0].signals).toMatchObject({ language: expect.any(String), sentiment: expect.any(Number), abusive: expect.any(Boolean) });
    }
    const plain = await ticketByCustomer(none);
    expect(plain).toMatchObject({ priority: 'normal', tags: [], team: null });
    expect(stack.metrics.events.filter((m: any) => m.name === 'RulesFired' && m.dimensions.Rule === rule.id)).toHaveLength(3);
    await admin('DELETE', `/v1/rules/${rule.id}`);
  });

  it('a rule change takes effect within the cache bound', async () => {
    const word = token();
    const rule = await createRule({ name: `change ${word}`, conditions: { all: [{ field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'setPriority', value: 'high' }] });
    await sleep(CACHE_BOUND_MS);
    const a = uniquePhone();
    await sendSms(stack, { from: a, body: word });
    expect((await ticketByCustomer(a)).priority).toBe('high');

    const put = await admin('PUT', `/v1/rules/${rule.id}`, { name: rule.name, on: ['ticket.created'], conditions: { all: [{ field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'setPriority', value: 'low' }] }, { 'if-match': '"1"' });
    expect(put.status).toBe(200);
    await sleep(CACHE_BOUND_MS);
    const b = uniquePhone();
    await sendSms(stack, { from: b, body: word });
    const t = await ticketByCustomer(b);
    expect(t.priority).toBe('low');
    expect((await eventsOf(t.id)).find((e) => e.type === 'rule.applied')).toMatchObject({ rules: [{ rule: rule.id, version: 2 }] });

    expect((await admin('DELETE', `/v1/rules/${rule.id}`)).status).toBe(204);
    await sleep(CACHE_BOUND_MS);
    const c = uniquePhone();
    await sendSms(stack, { from: c, body: word });
    expect((await ticketByCustomer(c)).priority).toBe('normal');
  });

  it('POST /v1/rules/test answers what a real message then gets, and writes nothing', async () => {
    const word = token();
    const first = await createRule({ name: `test-a ${word}`, conditions: { all: [{ field: 'channel', op: 'is', value: 'whatsapp' }, { field: 'text', op: 'matches', value: `\\b${word}\\b` }] }, actions: [{ type: 'setPriority', value: 'high' }, { type: 'addTags', value: ['a'] }] });
    const second = await createRule({ name: `test-b ${word}`, conditions: { all: [{ field: 'priority', op: 'is', value: 'high' }, { field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'addTags', value: ['b'] }, { type: 'assignAgent', value: 'ana' }], stop: true });
    const never = await createRule({ name: `test-c ${word}`, conditions: { all: [{ field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'addTags', value: ['never'] }] });
    const text = `Hello, ${word} here: order issue`;
    const ticketsBefore = (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.length;
    const trial = await admin('POST', '/v1/rules/test', { channel: 'whatsapp', text, from: '15550001234' });
    expect(trial.status).toBe(200);
    expect(trial.json.fired.map((f: any) => [f.rule, f.version])).toEqual([[first.id, 1], [second.id, 1]]);
    expect(trial.json.result).toMatchObject({ priority: 'high', tags: ['a', 'b'], team: null, assignee: 'ana', roundRobin: null });
    expect(trial.json.signals).toMatchObject({ language: expect.any(String) });
    expect((await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.length).toBe(ticketsBefore);

    await sleep(CACHE_BOUND_MS);
    const wa = uniquePhone().slice(1);
    await deliver(stack, signedMeta(stack.runtime.config.secrets.META_APP_SECRET!, metaMessagePayload({ channel: 'whatsapp', from: wa, to: '100', body: text })));
    const t = await ticketByCustomer(wa);
    expect({ priority: t.priority, tags: t.tags, team: t.team, assignee: t.assignee }).toEqual({ priority: trial.json.result.priority, tags: trial.json.result.tags, team: trial.json.result.team, assignee: trial.json.result.assignee });
    expect(t.assignedBy).toBe(`rule:${second.id}`);
    const applied = (await eventsOf(t.id)).filter((e) => e.type === 'rule.applied');
    expect(applied).toHaveLength(1);
    expect(applied[0].rules.map((e: any) => [e.rule, e.version, e.matched])).toEqual(trial.json.fired.map((f: any) => [f.rule, f.version, f.matched]));
    for (const r of [first, second, never]) await admin('DELETE', `/v1/rules/${r.id}`);
  });

  it("a person's assignment survives a rule; the skip is recorded", async () => {
    const word = token();
    const rule = await createRule({ name: `grab ${word}`, on: ['message.received'], conditions: { all: [{ field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'assignAgent', value: 'robot' }, { type: 'addTags', value: ['seen'] }] });
    await sleep(CACHE_BOUND_MS);
    const from = uniquePhone();
    await sendSms(stack, { from, body: 'first message' });
    const t = await ticketByCustomer(from);
    expect((await api(stack, 'PATCH', `/v1/tickets/${t.id}`, { assignee: 'ben' })).json.ticket).toMatchObject({ assignee: 'ben', assignedBy: 'api:agent' });
    await sendSms(stack, { from, body: `again ${word}` });
    const after = await eventually(async () => {
      const x = (await api(stack, 'GET', `/v1/tickets/${t.id}`)).json.ticket;
      return x.messageCount === 2 && x;
    });
    expect(after).toMatchObject({ assignee: 'ben', assignedBy: 'api:agent', tags: ['seen'] });
    const applied = (await eventsOf(t.id)).find((e) => e.type === 'rule.applied');
    expect(applied.rules[0]).toMatchObject({ actions: [{ type: 'addTags', value: ['seen'] }], skipped: [{ action: { type: 'assignAgent', value: 'robot' }, reason: expect.stringContaining('api:agent') }] });
    await admin('DELETE', `/v1/rules/${rule.id}`);
  });

  it('addNote: the worker adds the internal note once, by the rule', async () => {
    const word = token();
    const rule = await createRule({ name: `note ${word}`, conditions: { all: [{ field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'addNote', value: 'VIP: call back within the hour' }] });
    await sleep(CACHE_BOUND_MS);
    const from = uniquePhone();
    await sendSms(stack, { from, body: word });
    const t = await ticketByCustomer(from);
    const note = await eventually(async () => (await api(stack, 'GET', `/v1/tickets/${t.id}`)).json.messages.find((m: any) => m.direction === 'note'));
    expect(note).toMatchObject({ text: 'VIP: call back within the hour', from: `rule:${rule.id}` });
    expect((await eventsOf(t.id)).find((e) => e.type === 'note.added')).toMatchObject({ actor: `rule:${rule.id}` });
    await admin('DELETE', `/v1/rules/${rule.id}`);
  });

  it('200 firing rules with the most notes on one message: the message is stored, with ONE rule.applied event and 5 notes', async () => {
    const existing = (await admin('GET', '/v1/rules')).json.rules.length;
    const word = token();
    const note = `${'n'.repeat(790)}`;
    const body = { name: `many ${word}`, on: ['ticket.created'], conditions: { all: [{ field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'addTags', value: [`t-${word}`] }, ...Array.from({ length: 19 }, () => ({ type: 'addNote', value: note }))] };
    const ids: string[] = [];
    for (let i = existing; i < 200; i += 10) {
      for (const r of await Promise.all(Array.from({ length: Math.min(10, 200 - i) }, () => admin('POST', '/v1/rules', body)))) {
        expect(r.status, r.text).toBe(201);
        ids.push(r.json.rule.id);
      }
    }
    await sleep(CACHE_BOUND_MS);
    const from = uniquePhone();
    expect((await sendSms(stack, { from, body: `help ${word}` })).status).toBe(200);
    const t = await ticketByCustomer(from);
    expect(t.tags).toEqual([`t-${word}`]);
    const applied = (await eventsOf(t.id)).filter((e) => e.type === 'rule.applied');
    expect(applied).toHaveLength(1);
    expect(applied[0].rules.map((r: any) => r.rule)).toEqual(expect.arrayContaining(ids));
    const notes = await eventually(async () => {
      const m = (await api(stack, 'GET', `/v1/tickets/${t.id}`)).json.messages.filter((x: any) => x.direction === 'note');
      return m.length === 5 && m;
    }, 20_000, '5 notes');
    expect(notes.every((m: any) => m.text === note)).toBe(true);
    for (let i = 0; i < ids.length; i += 20) await Promise.all(ids.slice(i, i + 20).map((id) => admin('DELETE', `/v1/rules/${id}`)));
  }, 120_000);
});
