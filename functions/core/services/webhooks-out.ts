/**
 * Outbound webhooks: fan each logged event out to the subscriptions that want it (one job per
 * event × subscription), deliver one job (sign, POST to the SSRF-checked address, record the
 * attempt, plan the retry), and replay the log since a time. Pure over its ports.
 */
import { METRIC, count, seconds } from '../metrics.ts';
import type { CoreDeps } from '../ports.ts';
import type { TicketEvent } from '../ticket-events.ts';
import type { Channel, Ticket } from '../types.ts';
import { hop, matches, payload, planRetry, signingSecrets, TICKET_CREATED_KEY, webhookId } from '../events-out/outbound.ts';
import { parseRetryAfter } from '../events-out/retry-schedule.ts';
import { checkTarget } from '../events-out/ssrf.ts';
import { signHeaders } from '../events-out/standard-webhooks.ts';
import type { AttemptOutcome, DeliveryAttempt, DeliveryJob, WebhookPorts, WebhookSubscription } from '../events-out/types.ts';

export type WebhookDeps = Pick<CoreDeps, 'store' | 'metrics' | 'clock' | 'ids' | 'log'> & { readonly webhooks: WebhookPorts };

/** Per attempt (issue 13). */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** A new item on the table, as the stream reports it. */
export type StreamChange =
  | { readonly kind: 'event'; readonly eventKey: string; readonly event: TicketEvent }
  | { readonly kind: 'ticket-created'; readonly ticket: Ticket };

/** Subscriptions, cached per container for a few seconds (there are few; every stream batch reads them). */
const CACHE_MS = 5_000;
let cached: { at: number; store: unknown; subs: Promise<WebhookSubscription[]> } | undefined;
export function subscriptionsCached(w: WebhookPorts, nowMs: number): Promise<WebhookSubscription[]> {
  if (!cached || cached.store !== w.store || nowMs - cached.at > CACHE_MS) {
    const subs = w.store.listSubscriptions();
    cached = { at: nowMs, store: w.store, subs };
    subs.catch(() => (cached = undefined));
  }
  return cached.subs;
}

/** Drop this container's cache (a subscription changed here; other containers see it within CACHE_MS). */
export const forgetCachedSubscriptions = (): void => {
  cached = undefined;
};

/** Fan out: one delivery job per (change, matching subscription). Returns how many were enqueued. */
export async function dispatch(deps: WebhookDeps, changes: readonly StreamChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const subs = (await subscriptionsCached(deps.webhooks, deps.clock.now().getTime())).filter((s) => s.enabled);
  if (subs.length === 0) return 0;
  const channels = new Map<string, Channel | undefined>();
  const channelOf = async (ticketId: string): Promise<Channel | undefined> => {
    if (!channels.has(ticketId)) channels.set(ticketId, (await deps.store.getTicket(ticketId))?.channel);
    return channels.get(ticketId);
  };
  const jobs: Array<{ job: DeliveryJob; delaySeconds: number }> = [];
  for (const c of changes) {
    const ticketId = c.kind === 'event' ? c.event.ticketId : c.ticket.id;
    const type = c.kind === 'event' ? c.event.type : 'ticket.created';
    const eventKey = c.kind === 'event' ? c.eventKey : TICKET_CREATED_KEY;
    if (c.kind === 'ticket-created') channels.set(ticketId, c.ticket.channel);
    const wanting = subs.filter((s) => s.events.includes('*') || s.events.includes(type));
    if (wanting.length === 0) continue;
    const channel = wanting.some((s) => s.channels) ? await channelOf(ticketId) : undefined;
    for (const s of wanting) {
      if (matches(s, type, channel)) jobs.push({ job: { kind: 'webhook-delivery', subscriptionId: s.id, ticketId, eventKey, attempt: 1 }, delaySeconds: 0 });
    }
  }
  if (jobs.length) await deps.webhooks.queue.send(jobs);
  return jobs.length;
}

export type DeliveryResult = { readonly outcome: AttemptOutcome | 'skipped' | 'rehopped'; readonly reason?: string };

/** Deliver one job. Throws only for transient store/queue failures (the message is retried). */
export async function deliver(deps: WebhookDeps, job: DeliveryJob): Promise<DeliveryResult> {
  const w = deps.webhooks;
  const now = deps.clock.now();
  if (job.notBefore && Date.parse(job.notBefore) > now.getTime() + 1000) {
    await w.queue.send([hop(job, job.notBefore, now)]);
    return { outcome: 'rehopped' };
  }
  const sub = await w.store.getSubscription(job.subscriptionId);
  if (!sub) return { outcome: 'skipped', reason: 'subscription deleted' };
  if (!sub.enabled) return { outcome: 'skipped', reason: 'subscription disabled' };
  const { event, ticket } = await w.store.loadEvent(job.ticketId, job.eventKey);
  if (!event) {
    await w.queue.deadLetter(job, 'event_not_found', `no event ${job.eventKey} on ticket ${job.ticketId}`);
    return { outcome: 'skipped', reason: 'event not found' };
  }
  if (!matches(sub, event.type, ticket?.channel)) {
    return { outcome: 'skipped', reason: 'no longer subscribed' };
  }
  const id = webhookId(event.id, sub.id);
  const base = { subscriptionId: sub.id, webhookId: id, eventType: event.type, eventId: event.id, ticketId: job.ticketId, attempt: job.attempt, ...(job.replay ? { replay: true } : {}) };

  const target = await checkTarget(sub.url, w.settings.local, w.resolve);
  let result: { status: number | null; latencyMs: number; excerpt?: string; error?: string; retryAfter?: string };
  let outcome: AttemptOutcome;
  if (!target.ok) {
    result = { status: null, latencyMs: 0, error: `target refused: ${target.reason}` };
    outcome = 'refused';
  } else {
    // An event about a message (a reply, a customer message, a note) carries the message itself, read
    // now: the event log keeps no text, and an erased contact's message is already redacted.
    const messageId = event.event && 'messageId' in event.event ? event.event.messageId : undefined;
    const message = messageId ? await w.store.loadMessage(job.ticketId, messageId) : undefined;
    const body = payload(event, ticket ? w.publicTicket(ticket) : undefined, message ? w.publicMessage(message) : undefined);
    const headers = { 'content-type': 'application/json', 'user-agent': 'support-webhooks/1', ...signHeaders(signingSecrets(sub.secrets, now), id, Math.floor(now.getTime() / 1000), body) };
    const r = await w.poster.post(target.url, target.addresses, headers, body, DELIVERY_TIMEOUT_MS);
    result = r.ok
      ? { status: r.status, latencyMs: r.latencyMs, excerpt: r.excerpt, ...(r.retryAfter ? { retryAfter: r.retryAfter } : {}) }
      : { status: null, latencyMs: r.latencyMs, error: r.error };
    outcome = r.ok && r.status >= 200 && r.status < 300 ? 'delivered' : r.ok && r.status === 410 ? 'gone' : 'failed';
  }

  let next: { seconds: number; at: string } | undefined;
  if (outcome === 'failed' || outcome === 'refused') {
    next = planRetry(w.settings.retrySchedule, job.attempt, parseRetryAfter(result.retryAfter, now), Math.random(), now);
    if (!next) outcome = 'exhausted';
  }
  const attempt: DeliveryAttempt = {
    id: deps.ids.newId(),
    ...base,
    at: now.toISOString(),
    outcome,
    status: result.status,
    latencyMs: Math.round(result.latencyMs),
    ...(result.excerpt ? { responseExcerpt: result.excerpt.slice(0, 256) } : {}),
    ...(result.error ? { error: result.error.slice(0, 256) } : {}),
    ...(next ? { nextRetryAt: next.at } : {}),
  };
  await w.store.recordAttempt(attempt);
  deps.metrics.emit([count(METRIC.WebhookDeliveries, { Outcome: outcome }), seconds(METRIC.WebhookDeliveryLatency, { Outcome: outcome }, attempt.latencyMs / 1000)]);
  if (outcome === 'gone') {
    await w.store.disableSubscription(sub.id, 'the receiver answered 410 Gone', now.toISOString());
    deps.log.warn('webhook subscription disabled: the receiver answered 410', { subscriptionId: sub.id });
  } else if (next) {
    await w.queue.send([hop({ ...job, attempt: job.attempt + 1 }, next.at, now)]);
  } else if (outcome === 'exhausted') {
    await w.queue.deadLetter(job, 'retries_exhausted', `${job.attempt} attempts failed; last: ${result.status ?? result.error}`);
  }
  return { outcome };
}

/** Re-send every event logged since `since` to one subscription (as new jobs; the webhook-ids are the same). */
export async function replay(deps: WebhookDeps, sub: WebhookSubscription, since: string): Promise<number> {
  let cursor: string | undefined;
  let n = 0;
  const seen = new Set<string>();
  do {
    const page = await deps.webhooks.store.eventsSince(since, cursor);
    const jobs = page.events
      .filter((e) => matches(sub, e.type, e.channel))
      .filter((e) => !seen.has(`${e.ticketId}|${e.eventKey}`) && !!seen.add(`${e.ticketId}|${e.eventKey}`))
      .map((e) => ({ job: { kind: 'webhook-delivery', subscriptionId: sub.id, ticketId: e.ticketId, eventKey: e.eventKey, attempt: 1, replay: true } as DeliveryJob, delaySeconds: 0 }));
    if (jobs.length) await deps.webhooks.queue.send(jobs);
    n += jobs.length;
    cursor = page.cursor;
  } while (cursor);
  return n;
}

