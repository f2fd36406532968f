/** Outbound webhooks, the pure parts and the delivery service over fake ports: matching, ids, signing, attempt planning. */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, hop, matches, planRetry, signingSecrets, webhookId } from '../../functions/core/events-out/outbound.ts';
import { formatSecret } from '../../functions/core/events-out/standard-webhooks.ts';
import type { DeliveryAttempt, DeliveryJob, PostResult, WebhookPorts, WebhookSubscription } from '../../functions/core/events-out/types.ts';
import { deliver, dispatch, forgetCachedSubscriptions, type WebhookDeps } from '../../functions/core/services/webhooks-out.ts';
import { changeOf } from '../../functions/webhooks-out/dispatcher.ts';
import { deliverRecord, parseDeliveryJob } from '../../functions/webhooks-out/delivery.ts';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const SUB_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5K9';
const TICKET_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5G6';
const secret = formatSecret(new Uint8Array(32).fill(3));
const oldSecret = formatSecret(new Uint8Array(32).fill(4));

const sub = (over: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id: SUB_ID,
  url: 'https://hooks.example.com/x',
  events: ['*'],
  enabled: true,
  secrets: [{ secret, createdAt: NOW.toISOString() }],
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  createdBy: 'admin',
  version: 1,
  ...over,
});

describe('matching and ids', () => {
  it('matches by type or *, and by channel when filtered', () => {
    expect(matches(sub({ events: ['sla.breached'] }), 'sla.breached', 'sms')).toBe(true);
    expect(matches(sub({ events: ['sla.breached'] }), 'message.received', 'sms')).toBe(false);
    expect(matches(sub({ channels: ['email'] }), 'message.received', 'sms')).toBe(false);
    expect(matches(sub({ channels: ['email'] }), 'message.received', undefined)).toBe(false);
    expect(matches(sub({ enabled: false }), 'message.received', 'sms')).toBe(false);
  });
  it('lists every log type plus ticket.created, all <noun>.<verb>', () => {
    expect(Object.keys(EVENT_TYPES)).toContain('ticket.created');
    expect(Object.keys(EVENT_TYPES)).toContain('reply.delivered');
    for (const t of Object.keys(EVENT_TYPES)) expect(t).toMatch(/^[a-z]+\.[a-z_]+$/);
  });
  it('webhook-id is stable per (event, subscription) and differs otherwise', () => {
    expect(webhookId('E1', 'S1')).toBe(webhookId('E1', 'S1'));
    expect(webhookId('E1', 'S1')).not.toBe(webhookId('E1', 'S2'));
    expect(webhookId('E1', 'S1')).not.toBe(webhookId('E2', 'S1'));
    expect(webhookId('E1', 'S1')).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
  });
  it('signs with the current and unexpired rotated secrets only', () => {
    const secrets = [
      { secret, createdAt: NOW.toISOString() },
      { secret: oldSecret, createdAt: NOW.toISOString(), expiresAt: new Date(NOW.getTime() + 1000).toISOString() },
    ];
    expect(signingSecrets(secrets, NOW)).toEqual([secret, oldSecret]);
    expect(signingSecrets(secrets, new Date(NOW.getTime() + 2000))).toEqual([secret]);
  });
});

describe('attempt planning', () => {
  it('follows the schedule, never before Retry-After, and ends when it is spent', () => {
    expect(planRetry([5, 30], 1, undefined, 0.5, NOW)).toEqual({ seconds: 5, at: '2026-11-25T10:00:05.000Z' });
    expect(planRetry([5, 30], 1, 120, 0.5, NOW)?.seconds).toBe(120);
    expect(planRetry([5, 30], 3, undefined, 0.5, NOW)).toBeUndefined();
  });
  it('re-hops waits longer than 15 minutes', () => {
    const job: DeliveryJob = { kind: 'webhook-delivery', subscriptionId: SUB_ID, ticketId: TICKET_ID, eventKey: 'TICKET', attempt: 2 };
    const long = hop(job, new Date(NOW.getTime() + 3600_000).toISOString(), NOW);
    expect(long.delaySeconds).toBe(900);
    expect(long.job.notBefore).toBe('2026-11-25T11:00:00.000Z');
    const short = hop(long.job, new Date(NOW.getTime() + 60_000).toISOString(), NOW);
    expect(short).toEqual({ job, delaySeconds: 60 });
  });
});

describe('stream records and jobs', () => {
  it('takes new event and ticket items, ignores the rest', () => {
    const rec = (eventName: 'INSERT' | 'MODIFY', image: Record<string, unknown>) => ({ eventName, dynamodb: { NewImage: image as never, SequenceNumber: '1' } });
    const change = changeOf(rec('INSERT', { PK: { S: `TICKET#${TICKET_ID}` }, SK: { S: 'EVT#x#E1' }, type: { S: 'event' }, event: { M: { id: { S: 'E1' }, type: { S: 'sla.breached' } } } }));
    expect(change).toMatchObject({ kind: 'event', eventKey: 'EVT#x#E1', event: { id: 'E1', type: 'sla.breached' } });
    expect(changeOf(rec('MODIFY', { SK: { S: 'TICKET' }, type: { S: 'ticket' }, id: { S: TICKET_ID } }))).toBeUndefined();
    expect(changeOf(rec('INSERT', { SK: { S: 'MSG#1' }, type: { S: 'message' } }))).toBeUndefined();
    expect(changeOf(rec('INSERT', { SK: { S: 'TICKET' }, type: { S: 'ticket' }, id: { S: TICKET_ID } }))?.kind).toBe('ticket-created');
  });
  it('refuses job bodies that are not delivery jobs', () => {
    expect(parseDeliveryJob('{"kind":"webhook-delivery","subscriptionId":"x"}')).toBeUndefined();
    expect(parseDeliveryJob('nope')).toBeUndefined();
    expect(parseDeliveryJob(JSON.stringify({ kind: 'webhook-delivery', subscriptionId: SUB_ID, ticketId: TICKET_ID, eventKey: 'TICKET', attempt: 1 }))).toBeDefined();
  });
});

/** Fake ports recording what the service did. */
function fakes(answer: PostResult, s = sub()) {
  const sent: Array<{ job: DeliveryJob; delaySeconds: number }> = [];
  const dead: Array<{ job: DeliveryJob | string; reason: string }> = [];
  const attempts: DeliveryAttempt[] = [];
  const posts: Array<{ headers: Record<string, string>; body: string; addresses: readonly string[] }> = [];
  let current: WebhookSubscription | undefined = s;
  const ticket = { id: TICKET_ID, channel: 'sms', createdAt: NOW.toISOString() } as never;
  const webhooks: WebhookPorts = {
    store: {
      listSubscriptions: async () => (current ? [current] : []),
      getSubscription: async () => current,
      putSubscription: async () => true,
      deleteSubscription: async () => true,
      disableSubscription: async (_id, reason) => {
        current = { ...current!, enabled: false, disabledReason: reason };
      },
      recordAttempt: async (a) => void attempts.push(a),
      listAttempts: async () => ({ attempts }),
      loadEvent: async () => ({ event: { id: 'E1', type: 'sla.breached', at: NOW.toISOString(), ticketId: TICKET_ID }, ticket }),
      loadMessage: async (_t, id) => (id === 'M1' ? ({ id: 'M1', text: 'It ships today' } as never) : undefined),
      eventsSince: async () => ({ events: [] }),
    },
    queue: { send: async (j) => void sent.push(...j), deadLetter: async (job, reason) => void dead.push({ job, reason }) },
    poster: { post: async (_u, addresses, headers, body) => (posts.push({ headers: { ...headers }, body, addresses }), answer) },
    resolve: async () => ['93.184.216.34'],
    settings: { local: false, retrySchedule: [5, 30] },
    publicTicket: (t) => ({ id: t.id, channel: t.channel }),
    publicMessage: (m) => ({ id: m.id, text: m.text }),
    randomBytes: () => new Uint8Array(32),
  };
  const deps = {
    store: { getTicket: async () => ticket },
    metrics: { emit: () => undefined },
    clock: { now: () => NOW },
    ids: { newId: () => '01JDQ5G7Y8Z9A0B1C2D3E4F5M0', token: () => 't' },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    webhooks,
  } as unknown as WebhookDeps;
  return { deps, sent, dead, attempts, posts, current: () => current };
}
const job = (attempt = 1): DeliveryJob => ({ kind: 'webhook-delivery', subscriptionId: SUB_ID, ticketId: TICKET_ID, eventKey: 'EVT#x#E1', attempt });

describe('deliver', () => {
  it('signs a Standard Webhooks request the library verifies, to the checked address', async () => {
    const f = fakes({ ok: true, status: 204, excerpt: '', latencyMs: 12 });
    const real = new Date(); // the library checks the timestamp against its own clock
    (f.deps as { clock: { now: () => Date } }).clock = { now: () => real };
    expect((await deliver(f.deps, job())).outcome).toBe('delivered');
    const p = f.posts[0]!;
    expect(p.addresses).toEqual(['93.184.216.34']);
    expect(p.headers['webhook-id']).toBe(webhookId('E1', SUB_ID));
    const verified = new Webhook(secret).verify(p.body, p.headers) as any;
    expect(verified).toMatchObject({ type: 'sla.breached', timestamp: NOW.toISOString(), data: { event: { id: 'E1', ticketId: TICKET_ID } } });
    expect(verified).toMatchObject({ data: { ticket: { id: TICKET_ID } } });
    expect(f.attempts[0]).toMatchObject({ outcome: 'delivered', status: 204, attempt: 1 });
    expect(f.sent).toHaveLength(0);
  });
  it('a failure schedules the next attempt, honouring Retry-After', async () => {
    const f = fakes({ ok: true, status: 429, retryAfter: '60', excerpt: 'slow down', latencyMs: 3 });
    expect((await deliver(f.deps, job())).outcome).toBe('failed');
    expect(f.sent[0]).toMatchObject({ job: { attempt: 2 }, delaySeconds: 60 });
    expect(f.attempts[0]).toMatchObject({ status: 429, responseExcerpt: 'slow down', nextRetryAt: '2026-11-25T10:01:00.000Z' });
  });
  it('a spent schedule goes to the DLQ', async () => {
    const f = fakes({ ok: false, error: 'timed out after 10000 ms', latencyMs: 10000 });
    expect((await deliver(f.deps, job(3))).outcome).toBe('exhausted');
    expect(f.dead[0]?.reason).toBe('retries_exhausted');
    expect(f.sent).toHaveLength(0);
  });
  it('410 disables the subscription and stops', async () => {
    const f = fakes({ ok: true, status: 410, excerpt: '', latencyMs: 3 });
    expect((await deliver(f.deps, job())).outcome).toBe('gone');
    expect(f.current()?.enabled).toBe(false);
    expect(f.sent).toHaveLength(0);
    expect((await deliver(f.deps, job())).outcome).toBe('skipped');
  });
  it('a target resolving to a private address is refused without a request', async () => {
    const f = fakes({ ok: true, status: 200, excerpt: '', latencyMs: 1 });
    (f.deps.webhooks as { resolve: WebhookPorts['resolve'] }).resolve = async () => ['10.0.0.5'];
    expect((await deliver(f.deps, job())).outcome).toBe('refused');
    expect(f.posts).toHaveLength(0);
    expect(f.attempts[0]?.error).toMatch(/non-public/);
  });
});

describe('dispatch', () => {
  it('one job per (event, matching subscription)', async () => {
    forgetCachedSubscriptions();
    const f = fakes({ ok: true, status: 200, excerpt: '', latencyMs: 1 }, sub({ events: ['sla.breached'], channels: ['sms'] }));
    const ev = (type: string) => ({ kind: 'event' as const, eventKey: `EVT#x#${type}`, event: { id: type, ticketId: TICKET_ID, at: NOW.toISOString(), actor: 'customer', type } as never });
    expect(await dispatch(f.deps, [ev('sla.breached'), ev('note.added')])).toBe(1);
    expect(f.sent[0]?.job).toEqual({ kind: 'webhook-delivery', subscriptionId: SUB_ID, ticketId: TICKET_ID, eventKey: 'EVT#x#sla.breached', attempt: 1 });
  });
});

describe('a record that is not a delivery job', () => {
  it('goes to the DLQ at once with reason invalid_job, and the record is done', async () => {
    const f = fakes({ ok: true, status: 200, excerpt: '', latencyMs: 1 });
    expect(await deliverRecord(f.deps, { body: '{"kind":"webhook-delivery","attempt":"x"}', messageId: 'm1' })).toBe(true);
    expect(f.dead).toEqual([{ job: '{"kind":"webhook-delivery","attempt":"x"}', reason: 'invalid_job' }]);
    expect(f.posts).toHaveLength(0);
  });
});

describe('the payload of an event about a message', () => {
  it('carries the message as it is at delivery (so a reply text reaches an API-channel source)', async () => {
    const f = fakes({ ok: true, status: 200, excerpt: '', latencyMs: 1 });
    const real = new Date();
    (f.deps as { clock: { now: () => Date } }).clock = { now: () => real };
    const reply = { id: 'E2', ticketId: TICKET_ID, type: 'reply.sent', at: real.toISOString(), actor: 'agent:ana', messageId: 'M1' };
    (f.deps.webhooks.store as { loadEvent: unknown }).loadEvent = async () => ({ event: { id: 'E2', type: 'reply.sent', at: reply.at, ticketId: TICKET_ID, event: reply }, ticket: { id: TICKET_ID, channel: 'sms' } });
    expect((await deliver(f.deps, job())).outcome).toBe('delivered');
    const body = JSON.parse(f.posts[0]!.body);
    expect(body.data.message).toEqual({ id: 'M1', text: 'It ships today' });
    expect(body.data.event).toMatchObject({ type: 'reply.sent', messageId: 'M1' });
  });

  it('has no message for other events', async () => {
    const f = fakes({ ok: true, status: 200, excerpt: '', latencyMs: 1 });
    const real = new Date();
    (f.deps as { clock: { now: () => Date } }).clock = { now: () => real };
    await deliver(f.deps, job());
    expect(JSON.parse(f.posts[0]!.body).data.message).toBeUndefined();
  });
});
