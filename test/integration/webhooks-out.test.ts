/**
 * Outbound webhooks end to end (issue 13): real DynamoDB Local stream -> dispatcher -> fauxqs
 * delivery queue -> signed POSTs to a real local receiver, which verifies every signature with the
 * `standardwebhooks` package (written by others) and dedupes by webhook-id.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../functions/api/service.ts';
import { deliver } from '../../functions/core/services/webhooks-out.ts';
import { fromApiGatewayEvent } from '../../functions/http.ts';
import { api, eventually, sendSms, startTestStack, uniquePhone, type TestStack, API_KEY, READ_ONLY_KEY } from '../helpers/stack.ts';

interface Received {
  readonly path: string;
  readonly id: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The receiver: per path, an answer chosen by how often it has seen this webhook-id. */
class Receiver {
  readonly all: Received[] = [];
  /** Paths -> how many times to answer 503 per webhook-id before 200; or a fixed status. */
  readonly plan = new Map<string, { downFor?: number; status?: number }>();
  readonly #seen = new Map<string, number>();
  server!: Server;
  url = '';
  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const r: Received = { path: req.url ?? '/', id: headers['webhook-id'] ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
        this.all.push(r);
        const key = `${r.path} ${r.id}`;
        const n = (this.#seen.get(key) ?? 0) + 1;
        this.#seen.set(key, n);
        const p = this.plan.get(r.path) ?? {};
        const status = p.status ?? (n <= (p.downFor ?? 0) ? 503 : 200);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'Service Unavailable');
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  /** Accepted (2xx) deliveries at a path, deduped by webhook-id: id -> parsed body. */
  accepted(path: string, downFor = 0): Map<string, any> {
    const out = new Map<string, any>();
    const counts = new Map<string, number>();
    for (const r of this.all.filter((x) => x.path === path)) {
      const n = (counts.get(r.id) ?? 0) + 1;
      counts.set(r.id, n);
      if (n > downFor) out.set(r.id, JSON.parse(r.body));
    }
    return out;
  }
}

const ADMIN_KEY = 'webhooks-admin-key-0123456789';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
let stack: TestStack;
const rx = new Receiver();

beforeAll(async () => {
  await rx.start();
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    WEBHOOK_RETRY_SCHEDULE: '1,1,1,1',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { key: READ_ONLY_KEY, scopes: ['tickets:read'], name: 'reporting' },
      { key: ADMIN_KEY, scopes: ['webhooks:write'], name: 'admin' },
    ]),
  });
});
afterAll(async () => {
  await stack?.stop();
  rx.server?.close();
});

const subscribe = async (path: string, extra: Record<string, unknown> = {}) => {
  const r = await api(stack, 'POST', '/v1/webhook-subscriptions', { url: `${rx.url}${path}`, events: ['*'], ...extra }, admin);
  expect(r.status).toBe(201);
  return r.json as { subscription: any; secret: string };
};

/** Every delivery to `path` verifies with `secret` (standardwebhooks), or throws. */
const verifyAll = (path: string, secret: string) => {
  const wh = new Webhook(secret);
  for (const r of rx.all.filter((x) => x.path === path)) wh.verify(r.body, r.headers);
};

async function ticketEvents(customer: string): Promise<{ ticketId: string; eventIds: string[] }> {
  const t = await eventually(async () => (await api(stack, 'GET', '/v1/tickets?limit=100')).json.tickets.find((x: any) => x.customerAddress === customer), 20_000, 'ticket');
  const evs = (await api(stack, 'GET', `/v1/tickets/${t.id}/events?limit=100`)).json.events as Array<{ id: string }>;
  return { ticketId: t.id, eventIds: evs.map((e) => e.id) };
}

describe('webhook subscriptions API', () => {
  it('needs webhooks:write (reads too), validates, and never shows the secret again', async () => {
    expect((await api(stack, 'GET', '/v1/webhook-subscriptions')).status).toBe(403);
    const bad = await api(stack, 'POST', '/v1/webhook-subscriptions', { url: `${rx.url}/x`, events: ['ticket.exploded'] }, admin);
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_body');
    const http = await api(stack, 'POST', '/v1/webhook-subscriptions', { url: 'http://example.com/hook', events: ['*'] }, admin);
    expect(http.status).toBe(422);
    expect(http.json.error.code).toBe('invalid_url');
    const { subscription, secret } = await subscribe('/crud', { events: ['ticket.created'], enabled: false });
    expect(secret).toMatch(/^whsec_/);
    const read = await api(stack, 'GET', `/v1/webhook-subscriptions/${subscription.id}`, undefined, admin);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(secret);
    expect(read.text).not.toContain('whsec_');
    const patched = await api(stack, 'PATCH', `/v1/webhook-subscriptions/${subscription.id}`, { events: ['sla.breached'] }, { ...admin, 'if-match': '"1"' });
    expect(patched.status).toBe(200);
    expect(patched.json.subscription.events).toEqual(['sla.breached']);
    expect((await api(stack, 'PATCH', `/v1/webhook-subscriptions/${subscription.id}`, { enabled: true }, { ...admin, 'if-match': '"1"' })).status).toBe(412);
    expect((await api(stack, 'GET', '/v1/webhook-subscriptions/01JDQ5G7Y8Z9A0B1C2D3E4F5K9', undefined, admin)).status).toBe(404);
    expect((await api(stack, 'POST', `/v1/webhook-subscriptions/${subscription.id}/replay`, { since: '2999-01-01T00:00:00Z' }, admin)).status).toBe(409);
    expect((await api(stack, 'DELETE', `/v1/webhook-subscriptions/${subscription.id}`, undefined, admin)).status).toBe(204);
    expect((await api(stack, 'DELETE', `/v1/webhook-subscriptions/${subscription.id}`, undefined, admin)).status).toBe(404);
  });
});

describe('delivery', () => {
  it('delivers every logged event once (deduped by webhook-id) after the receiver was down for 2 attempts, each signature verified', async () => {
    rx.plan.set('/down', { downFor: 2 });
    const { subscription, secret } = await subscribe('/down', { channels: ['sms'] });
    const from = uniquePhone();
    await sendSms(stack, { from });
    const { ticketId, eventIds } = await ticketEvents(from);
    const accepted = await eventually(
      async () => {
        const got = [...rx.accepted('/down', 2).values()].filter((b) => b.data.ticket?.id === ticketId);
        return got.length >= eventIds.length + 1 && got;
      },
      30_000,
      'every event delivered',
    );
    verifyAll('/down', secret);
    const types = accepted.map((b) => b.type);
    expect(types).toContain('ticket.created');
    expect(types).toContain('message.received');
    expect(accepted.filter((b) => b.type !== 'ticket.created').map((b) => b.data.event.id).sort()).toEqual([...eventIds].sort());
    // Each webhook-id was tried exactly 3 times: 503, 503, then 200 (no extra delivery after success).
    const tries = new Map<string, number>();
    for (const r of rx.all.filter((x) => x.path === '/down')) tries.set(r.id, (tries.get(r.id) ?? 0) + 1);
    expect([...tries.values()].every((n) => n === 3)).toBe(true);
    const attempts = (await api(stack, 'GET', `/v1/webhook-subscriptions/${subscription.id}/deliveries?limit=100`, undefined, admin)).json.attempts as any[];
    const failed = attempts.filter((a) => a.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0].status).toBe(503);
    expect(failed[0].nextRetryAt).not.toBeNull();
    expect(failed[0].responseExcerpt).toBe('Service Unavailable');
    expect(attempts.some((a) => a.outcome === 'delivered' && a.status === 200)).toBe(true);
  });

  it('a channel filter keeps other channels out', async () => {
    const { subscription } = await subscribe('/wa-only', { channels: ['whatsapp'], events: ['ticket.created'] });
    await sendSms(stack, { from: uniquePhone() });
    await sendSms(stack, { from: uniquePhone(), whatsapp: true, to: '+14155238886' });
    const got = await eventually(async () => rx.accepted('/wa-only').size >= 1 && [...rx.accepted('/wa-only').values()], 30_000, 'whatsapp ticket');
    expect(got.every((b) => b.data.ticket.channel === 'whatsapp')).toBe(true);
    await api(stack, 'DELETE', `/v1/webhook-subscriptions/${subscription.id}`, undefined, admin);
  });

  it('410 disables the subscription', async () => {
    rx.plan.set('/gone', { status: 410 });
    const { subscription } = await subscribe('/gone', { events: ['ticket.created'] });
    await sendSms(stack, { from: uniquePhone() });
    const sub = await eventually(
      async () => {
        const s = (await api(stack, 'GET', `/v1/webhook-subscriptions/${subscription.id}`, undefined, admin)).json.subscription;
        return s.enabled === false && s;
      },
      30_000,
      'disabled',
    );
    expect(sub.disabledReason).toMatch(/410/);
    const attempts = (await api(stack, 'GET', `/v1/webhook-subscriptions/${subscription.id}/deliveries`, undefined, admin)).json.attempts;
    expect(attempts[0].outcome).toBe('gone');
    const before = rx.all.filter((r) => r.path === '/gone').length;
    await sendSms(stack, { from: uniquePhone() });
    await new Promise((r) => setTimeout(r, 1500)); // nothing may arrive; checked below against a later positive
    expect(rx.all.filter((r) => r.path === '/gone').length).toBe(before);
  });

  it('after rotation both the old and the new secret verify', async () => {
    const { subscription, secret: oldSecret } = await subscribe('/rot', { events: ['ticket.created'] });
    const rot = await api(stack, 'POST', `/v1/webhook-subscriptions/${subscription.id}/rotate-secret`, undefined, admin);
    expect(rot.status).toBe(200);
    const newSecret = rot.json.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    expect(rot.json.subscription.secretExpiresAt).toHaveLength(1);
    await sendSms(stack, { from: uniquePhone() });
    await eventually(async () => rx.all.some((r) => r.path === '/rot'), 30_000, 'rotated delivery');
    const r = rx.all.find((x) => x.path === '/rot')!;
    expect(r.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(r.body, r.headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(r.body, r.headers)).not.toThrow();
    expect(() => new Webhook('whsec_' + Buffer.alloc(32, 7).toString('base64')).verify(r.body, r.headers)).toThrow();
  });

  it('a stopped dispatcher loses nothing: events written meanwhile are delivered after restart', async () => {
    const { secret } = await subscribe('/restart', { events: ['message.received'] });
    await stack.webhookStream!.stop();
    const phones = [uniquePhone(), uniquePhone(), uniquePhone()];
    for (const from of phones) await sendSms(stack, { from });
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.all.filter((r) => r.path === '/restart')).toHaveLength(0);
    stack.webhookStream!.start();
    const got = await eventually(async () => rx.accepted('/restart').size >= 3 && [...rx.accepted('/restart').values()], 30_000, 'all three');
    verifyAll('/restart', secret);
    expect(new Set(got.map((b) => b.data.ticket.customerAddress))).toEqual(new Set(phones));
  });

  it("the local stream poller's caughtUp() resolves only once what was written before it reached the dispatcher", async () => {
    const { subscription } = await subscribe('/caught', { events: ['message.received'] });
    const queue = stack.runtime.deps.webhooks!.queue as { send: (jobs: readonly any[]) => Promise<void> };
    const real = queue.send.bind(queue);
    const from = uniquePhone();
    const queued: string[] = [];
    queue.send = async (jobs) => {
      for (const j of jobs) if (j.job.subscriptionId === subscription.id) queued.push(j.job.subscriptionId);
      return real(jobs);
    };
    try {
      for (let i = 0; i < 3; i++) {
        await sendSms(stack, { from, body: `caught ${i}` });
        await stack.webhookStream!.caughtUp();
        // No waiting here: the record written before caughtUp() has been handed over already.
        expect(queued, `message ${i}`).toHaveLength(i + 1);
      }
    } finally {
      queue.send = real;
    }
  });

  it('a dispatcher killed mid-batch (after sending part of it) loses nothing; repeats carry the same webhook-id', async () => {
    const { subscription, secret } = await subscribe('/crash', { events: ['ticket.created', 'message.received'] });
    const queue = stack.runtime.deps.webhooks!.queue as { send: (jobs: readonly any[]) => Promise<void> };
    const real = queue.send.bind(queue);
    let crashes = 0;
    queue.send = async (jobs) => {
      const mine = jobs.filter((j) => j.job.subscriptionId === subscription.id);
      if (crashes === 0 && mine.length > 1) {
        crashes++;
        await real(mine.slice(0, 1)); // part of the batch went out, then the process died
        throw new Error('dispatcher killed');
      }
      return real(jobs);
    };
    try {
      await stack.webhookStream!.stop();
      const phones = [uniquePhone(), uniquePhone()];
      for (const from of phones) await sendSms(stack, { from });
      stack.webhookStream!.start();
      const got = await eventually(
        async () => {
          const bodies = [...rx.accepted('/crash').values()];
          return bodies.filter((b) => phones.includes(b.data.ticket.customerAddress)).length >= 4 && bodies;
        },
        30_000,
        'two tickets, two events each',
      );
      expect(crashes).toBe(1);
      verifyAll('/crash', secret);
      for (const from of phones) {
        expect(got.filter((b) => b.data.ticket.customerAddress === from).map((b) => b.type).sort()).toEqual(['message.received', 'ticket.created']);
      }
      // The job sent before the crash is sent again with the retried batch: 5 requests, 4 distinct webhook-ids.
      const requests = await eventually(async () => {
        const rs = rx.all.filter((r) => r.path === '/crash' && phones.includes(JSON.parse(r.body).data.ticket.customerAddress));
        return rs.length >= 5 && rs;
      }, 30_000, 'the repeated job');
      expect(requests).toHaveLength(5);
      expect(new Set(requests.map((r) => r.id)).size).toBe(4);
    } finally {
      queue.send = real;
    }
  });

  it('replay re-sends logged events with the same webhook-ids', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const { subscription } = await subscribe('/replay', { events: ['message.received'] });
    const from = uniquePhone();
    await sendSms(stack, { from });
    const mine = () => rx.all.filter((x) => x.path === '/replay' && JSON.parse(x.body).data.ticket?.customerAddress === from);
    const first = await eventually(async () => mine().length >= 1 && mine().map((x) => x.id), 30_000, 'first delivery');
    const r = await api(stack, 'POST', `/v1/webhook-subscriptions/${subscription.id}/replay`, { since }, admin);
    expect(r.status).toBe(202);
    expect(r.json.enqueued).toBeGreaterThanOrEqual(1);
    await eventually(async () => mine().length > first.length, 30_000, 'replayed delivery');
    expect(new Set(mine().map((x) => x.id))).toEqual(new Set(first));
    // The attempt is logged after the receiver has answered, so the log may lag the receipt a moment.
    const replayed = await eventually(async () => {
      const attempts = (await api(stack, 'GET', `/v1/webhook-subscriptions/${subscription.id}/deliveries?limit=100`, undefined, admin)).json.attempts;
      return attempts.some((a: any) => a.replay);
    }, 10_000, 'replayed attempt in the deliveries log');
    expect(replayed).toBe(true);
  });
});

describe('SSRF guard in deployed mode', () => {
  it('refuses private, loopback and non-https targets at create', async () => {
    const deployed = new ApiService({ ...stack.runtime.deps, webhooks: { ...stack.runtime.deps.webhooks!, settings: { ...stack.runtime.deps.webhooks!.settings, local: false } } }, { ...stack.runtime.config, stage: 'aws' });
    const post = async (url: string) => {
      const ev: any = {
        version: '2.0',
        rawPath: '/v1/webhook-subscriptions',
        rawQueryString: '',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        requestContext: { http: { method: 'POST', path: '/v1/webhook-subscriptions', sourceIp: '127.0.0.1' }, requestId: 'r' },
        body: JSON.stringify({ url, events: ['*'] }),
        isBase64Encoded: false,
      };
      return deployed.handle(fromApiGatewayEvent(ev));
    };
    for (const url of [`${rx.url}/x`, 'https://127.0.0.1/x', 'https://10.1.2.3/x', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://localhost/x', 'https://[::ffff:192.168.0.1]/x']) {
      const r = await post(url);
      expect(r.statusCode, url).toBe(422);
      expect(JSON.parse(r.body).error.code).toBe('invalid_url');
    }
  });

  it('refuses at delivery too (the URL is checked again at every attempt)', async () => {
    const { subscription } = await subscribe('/ssrf', { events: ['ticket.created'], enabled: false });
    const w = stack.runtime.deps.webhooks!;
    await sendSms(stack, { from: uniquePhone() });
    const ticket = (await api(stack, 'GET', '/v1/tickets?limit=1')).json.tickets[0];
    await api(stack, 'PATCH', `/v1/webhook-subscriptions/${subscription.id}`, { enabled: true }, admin);
    const deps = { ...stack.runtime.deps, webhooks: { ...w, settings: { ...w.settings, local: false } } };
    const out = await deliver(deps, { kind: 'webhook-delivery', subscriptionId: subscription.id, ticketId: ticket.id, eventKey: 'TICKET', attempt: 1 });
    expect(out.outcome).toBe('refused');
    const attempts = (await api(stack, 'GET', `/v1/webhook-subscriptions/${subscription.id}/deliveries`, undefined, admin)).json.attempts;
    expect(attempts.find((a: any) => a.outcome === 'refused').error).toMatch(/target refused/);
  });
});
