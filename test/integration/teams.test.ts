/** Teams, agents' availability and round-robin on the local stack: real webhooks, the real worker, DynamoDB Local. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, api, eventually, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

const ADMIN_KEY = 'teams-admin-key-0123456789';
let stack: TestStack;
const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => api(stack, method, path, body, { authorization: `Bearer ${ADMIN_KEY}`, ...headers });
const token = () => `tok${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CACHE_BOUND_MS = 2_100;

beforeAll(async () => {
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    RULES_CACHE_SECONDS: '1',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { key: ADMIN_KEY, scopes: ['admin'], name: 'ops' },
    ]),
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** A rule sending tickets whose text holds `word` round-robin to `team`. */
async function roundRobinRule(word: string, team: string) {
  const r = await admin('POST', '/v1/rules', { name: `rr ${team}`, on: ['ticket.created'], conditions: { all: [{ field: 'text', op: 'contains', value: [word] }] }, actions: [{ type: 'assignRoundRobin', value: team }] });
  expect(r.status, r.text).toBe(201);
  await sleep(CACHE_BOUND_MS);
  return r.json.rule.id as string;
}

/** Every ticket of these customers once the worker has dealt with it (assigned, or skipped with an event). */
async function settled(customers: readonly string[], done: (t: any) => boolean) {
  const wanted = new Set(customers);
  return eventually(
    async () => {
      // Each look pages through every ticket: look once a second, not ten times, so the looking does
      // not slow the worker it waits for (on a busy CI box a burst of 100 is partly parked first).
      await new Promise((r) => setTimeout(r, 900));
      const found: any[] = [];
      let cursor: string | null = null;
      do {
        const r: any = await api(stack, 'GET', `/v1/tickets?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        found.push(...r.json.tickets.filter((t: any) => wanted.has(t.customerAddress)));
        cursor = r.json.nextCursor;
      } while (cursor);
      return found.length === wanted.size && found.every(done) && found;
    },
    150_000,
    'tickets to settle',
  );
}

describe('teams and agents', () => {
  it('PUT creates and replaces a team (If-Match, 412 when stale), GET shows availability, PATCH sets it', async () => {
    const name = `t-${token()}`;
    const created = await admin('PUT', `/v1/teams/${name}`, { members: ['ana', 'ben'] });
    expect(created.status).toBe(200);
    expect(created.json.team).toMatchObject({ name, members: ['ana', 'ben'], version: 1, availability: [{ name: 'ana', available: true }, { name: 'ben', available: true }] });
    expect(created.headers.get('etag')).toBe('"1"');
    const agent = await admin('PATCH', '/v1/agents/ben', { available: false });
    expect(agent.json.agent).toMatchObject({ name: 'ben', available: false });
    const replaced = await admin('PUT', `/v1/teams/${name}`, { members: ['ben', 'chidi'] }, { 'if-match': '"1"' });
    expect(replaced.json.team).toMatchObject({ members: ['ben', 'chidi'], version: 2, availability: [{ name: 'ben', available: false }, { name: 'chidi', available: true }] });
    const stale = await admin('PUT', `/v1/teams/${name}`, { members: ['x'] }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect((await admin('GET', `/v1/teams/${name}`)).json.team.members).toEqual(['ben', 'chidi']);
    await admin('PATCH', '/v1/agents/ben', { available: true });
  });

  it('refuses bad names and bodies with 4xx, and needs the admin scope', async () => {
    expect((await admin('GET', `/v1/teams/nope-${token()}`)).status).toBe(404);
    expect((await admin('GET', '/v1/teams/bad%20name')).status).toBe(404);
    expect((await admin('PUT', '/v1/teams/bad%20name', { members: [] })).status).toBe(400);
    expect((await admin('PUT', '/v1/teams/ok', { members: ['a', 'a'] })).status).toBe(400);
    expect((await admin('PUT', '/v1/teams/ok', { members: ['no spaces'] })).status).toBe(400);
    expect((await admin('PUT', '/v1/teams/ok', { members: Array.from({ length: 101 }, (_, i) => `a${i}`) })).status).toBe(400);
    expect((await admin('PATCH', '/v1/agents/ana', { available: 'yes' })).status).toBe(400);
    expect((await admin('PATCH', '/v1/agents/bad%20name', { available: true })).status).toBe(400);
    expect((await api(stack, 'PUT', '/v1/teams/ok', { members: [] })).status).toBe(403);
    expect((await admin('GET', '/v1/teams/ok')).status).toBe(404); // nothing was stored
  });
});

describe('round-robin', () => {
  it('splits 100 concurrent new tickets over a 4-member team 25 each (±1)', async () => {
    const team = `rr-${token()}`;
    const members = ['ana', 'ben', 'chidi', 'dilys'];
    expect((await admin('PUT', `/v1/teams/${team}`, { members })).status).toBe(200);
    const word = token();
    const rule = await roundRobinRule(word, team);
    const customers = Array.from({ length: 100 }, () => uniquePhone());
    const sent = await Promise.all(customers.map((from) => sendSms(stack, { from, body: `help ${word}` })));
    expect(sent.every((r) => r.status === 200)).toBe(true);
    const tickets = await settled(customers, (t) => t.assignee !== null);
    const counts = Object.fromEntries(members.map((m) => [m, tickets.filter((t) => t.assignee === m).length]));
    for (const m of members) expect(Math.abs(counts[m]! - 25), JSON.stringify(counts)).toBeLessThanOrEqual(1);
    expect(tickets.every((t) => t.team === team && t.assignedBy === `rule:${rule}`)).toBe(true);
    const events = (await api(stack, 'GET', `/v1/tickets/${tickets[0].id}/events`)).json.events;
    expect(events.find((e: any) => e.type === 'assignee.changed')).toMatchObject({ actor: `rule:${rule}`, from: null });
    await admin('DELETE', `/v1/rules/${rule}`);
  }, 200_000);

  it('skips unavailable members from the next assignment on; rules/test shows whose turn is next', async () => {
    const team = `rr-${token()}`;
    await admin('PUT', `/v1/teams/${team}`, { members: ['eve', 'fay', 'gus'] });
    await admin('PATCH', '/v1/agents/fay', { available: false });
    const word = token();
    const rule = await roundRobinRule(word, team);
    const trial = await admin('POST', '/v1/rules/test', { channel: 'sms', text: word });
    expect(trial.json.result.roundRobin).toEqual({ team, next: 'eve' });
    // Trying moves no counter.
    expect((await admin('POST', '/v1/rules/test', { channel: 'sms', text: word })).json.result.roundRobin.next).toBe('eve');
    const customers = Array.from({ length: 6 }, () => uniquePhone());
    for (const from of customers) await sendSms(stack, { from, body: word });
    const tickets = await settled(customers, (t) => t.assignee !== null);
    expect(tickets.filter((t) => t.assignee === 'fay')).toEqual([]);
    expect(tickets.filter((t) => t.assignee === 'eve').length).toBe(3);
    expect(tickets.filter((t) => t.assignee === 'gus').length).toBe(3);
    await admin('PATCH', '/v1/agents/fay', { available: true });
    await admin('DELETE', `/v1/rules/${rule}`);
  });

  it('no member available: the ticket stays on the team, unassigned, with an event saying why', async () => {
    const team = `rr-${token()}`;
    await admin('PUT', `/v1/teams/${team}`, { members: ['hal'] });
    await admin('PATCH', '/v1/agents/hal', { available: false });
    const word = token();
    const rule = await roundRobinRule(word, team);
    const from = uniquePhone();
    await sendSms(stack, { from, body: word });
    const [t] = await settled([from], (x) => x.team === team);
    const skipped = await eventually(async () => (await api(stack, 'GET', `/v1/tickets/${t.id}/events`)).json.events.find((e: any) => e.type === 'assignment.skipped'));
    expect(skipped).toMatchObject({ actor: `rule:${rule}`, rule, team, reason: 'no member of the team is available' });
    expect((await api(stack, 'GET', `/v1/tickets/${t.id}`)).json.ticket).toMatchObject({ team, assignee: null });
    await admin('PATCH', '/v1/agents/hal', { available: true });
    await admin('DELETE', `/v1/rules/${rule}`);
  });

  it('a team that does not exist: the ticket keeps the team name, unassigned, and the log says why', async () => {
    const team = `rr-${token()}`;
    const word = token();
    const rule = await roundRobinRule(word, `${team}-missing`);
    const from = uniquePhone();
    await sendSms(stack, { from, body: word });
    const [t] = await settled([from], (x) => x.team === `${team}-missing`);
    const skipped = await eventually(async () => (await api(stack, 'GET', `/v1/tickets/${t.id}/events`)).json.events.find((e: any) => e.type === 'assignment.skipped'));
    expect(skipped.reason).toContain('no team named');
    const patched = await api(stack, 'PATCH', `/v1/tickets/${t.id}`, { assignee: 'jo' });
    expect(patched.json.ticket).toMatchObject({ assignee: 'jo', assignedBy: 'api:agent' });
    await admin('DELETE', `/v1/rules/${rule}`);
  });
});
