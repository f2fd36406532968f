/**
 * Outbound webhook subscriptions (issue 13): create (the signing secret is shown once), list, read,
 * change, delete, rotate the secret, the delivery attempts, and replay from the event log. Every
 * route needs `webhooks:write` (subscriptions are admin data, their reads included).
 */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import { isEventType } from '../../core/events-out/outbound.ts';
import type { DeliveryAttempt } from '../../core/events-out/types.ts';
import type { CoreDeps } from '../../core/ports.ts';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  portsOf,
  replaySince,
  rotateSecret,
  subscriptionView,
  updateSubscription,
} from '../../core/services/webhook-subscriptions.ts';
import type { WebhookDeps } from '../../core/services/webhooks-out.ts';
import { CHANNELS } from '../../core/types.ts';
import { json } from '../../http.ts';
import { cleanText, etag, ifMatchVersion, ULID } from '../request.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import {
  EXAMPLE_SUBSCRIPTION,
  WebhookAttemptListSchema,
  WebhookReplaySchema,
  WebhookSubscriptionEnvelopeSchema,
  WebhookSubscriptionListSchema,
  WebhookSubscriptionWithSecretSchema,
} from '../webhook-responses.ts';

const EventsSchema = z
  .array(z.string().max(64).refine((t) => t === '*' || isEventType(t), 'not an event type (see README → Outbound webhooks), nor *'))
  .min(1)
  .max(40);
const fields = {
  url: z.string().max(2048),
  events: EventsSchema,
  channels: z.array(z.enum(CHANNELS)).min(1).max(CHANNELS.length).nullable().optional(),
  description: z.string().transform(cleanText).pipe(z.string().trim().max(200)).nullable().optional(),
  enabled: z.boolean().optional(),
};
const CreateSchema = z.object(fields).strict();
const PatchSchema = z
  .object({ url: fields.url.optional(), events: EventsSchema.optional(), channels: fields.channels, description: fields.description, enabled: fields.enabled })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'send at least one field');
const ReplaySchema = z.object({ since: z.iso.datetime({ offset: true }) }).strict();
const AttemptsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(25), cursor: z.string().max(200).optional() }).strict();

const subId = (params: Readonly<Record<string, string | undefined>>): string => {
  const id = params['id'] ?? '';
  if (!ULID.test(id)) throw new ClientError(404, 'not_found', `No webhook subscription with id "${id.slice(0, 64)}".`);
  return id;
};
const webhookDeps = (deps: CoreDeps): WebhookDeps => ({ ...deps, webhooks: portsOf(deps) });
const encodeCursor = (sk: string) => Buffer.from(sk, 'utf8').toString('base64url');
function decodeCursor(c: string | undefined): string | undefined {
  if (c === undefined) return undefined;
  const sk = /^[A-Za-z0-9_-]{1,200}$/.test(c) ? Buffer.from(c, 'base64url').toString('utf8') : '';
  if (!/^ATTEMPT#[0-9TZ:.\-]{20,30}#[0-9A-HJKMNP-TV-Z]{26}$/.test(sk)) throw new ClientError(400, 'invalid_cursor', 'The cursor is not one this list gave.');
  return sk;
}
const attemptView = (a: DeliveryAttempt) => ({
  id: a.id,
  webhookId: a.webhookId,
  eventType: a.eventType,
  eventId: a.eventId,
  ticketId: a.ticketId,
  attempt: a.attempt,
  at: a.at,
  outcome: a.outcome,
  status: a.status,
  latencyMs: a.latencyMs,
  responseExcerpt: a.responseExcerpt ?? null,
  error: a.error ?? null,
  nextRetryAt: a.nextRetryAt ?? null,
  replay: a.replay ?? false,
});

const SCOPE = 'webhooks:write' as const;
const withSecret = { description: 'The subscription and its signing secret (shown only in this answer).', schema: WebhookSubscriptionWithSecretSchema };

export const webhookSubscriptionRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/webhook-subscriptions',
    scope: SCOPE,
    summary: 'Subscribe a URL to ticket events (Standard Webhooks, signed); the secret is shown once',
    body: CreateSchema,
    bodyExample: { url: EXAMPLE_SUBSCRIPTION.url, events: EXAMPLE_SUBSCRIPTION.events },
    responses: { 201: { ...withSecret, headers: { ETag: 'The version, for If-Match.', Location: 'The subscription’s URL.' } } },
    errors: { 409: 'Already 50 subscriptions (`too_many_subscriptions`).', 422: 'The URL is not allowed (`invalid_url`): not https, or a private, loopback or link-local address.' },
    async handle({ deps, principal, body }) {
      const { sub, secret } = await createSubscription(webhookDeps(deps), principal, body);
      return json(201, { subscription: subscriptionView(sub), secret }, { ...etag(sub.version), location: `/v1/webhook-subscriptions/${sub.id}` });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhook-subscriptions',
    scope: SCOPE,
    summary: 'Every webhook subscription (at most 50), without secrets',
    responses: { 200: { description: 'The subscriptions.', schema: WebhookSubscriptionListSchema } },
    async handle({ deps }) {
      const subs = await portsOf(deps).store.listSubscriptions();
      return json(200, { subscriptions: subs.map(subscriptionView) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhook-subscriptions/{id}',
    scope: SCOPE,
    summary: 'One webhook subscription, without its secret',
    responses: { 200: { description: 'The subscription.', schema: WebhookSubscriptionEnvelopeSchema, headers: { ETag: 'The version, for If-Match.' } } },
    async handle({ deps, params }) {
      const sub = await getSubscription(portsOf(deps), subId(params));
      return json(200, { subscription: subscriptionView(sub) }, etag(sub.version));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/webhook-subscriptions/{id}',
    scope: SCOPE,
    summary: 'Change a subscription’s URL, events, channels, description, or enable/disable it',
    body: PatchSchema,
    ifMatch: true,
    bodyExample: { enabled: true },
    responses: { 200: { description: 'The subscription after the change.', schema: WebhookSubscriptionEnvelopeSchema, headers: { ETag: 'The new version.' } } },
    errors: { 409: 'It changed meanwhile (`conflict`).', 422: 'The URL is not allowed (`invalid_url`).' },
    async handle({ deps, req, params, principal, body }) {
      const sub = await updateSubscription(webhookDeps(deps), principal, subId(params), body, ifMatchVersion(req));
      return json(200, { subscription: subscriptionView(sub) }, etag(sub.version));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/webhook-subscriptions/{id}',
    scope: SCOPE,
    summary: 'Delete a subscription (queued deliveries to it are dropped)',
    responses: { 204: { description: 'Deleted.' } },
    async handle({ deps, params }) {
      await deleteSubscription(portsOf(deps), subId(params));
      return { statusCode: 204, headers: {}, body: '' };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhook-subscriptions/{id}/rotate-secret',
    scope: SCOPE,
    summary: 'A new signing secret; the old one keeps signing (both signatures are sent) for 24 hours',
    responses: { 200: withSecret },
    errors: { 409: 'It changed meanwhile (`conflict`).' },
    async handle({ deps, params }) {
      const { sub, secret } = await rotateSecret(webhookDeps(deps), subId(params));
      return json(200, { subscription: subscriptionView(sub), secret }, etag(sub.version));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhook-subscriptions/{id}/deliveries',
    scope: SCOPE,
    summary: 'Delivery attempts, newest first (status, latency, answer excerpt, next retry); kept 30 days',
    query: AttemptsQuery,
    responses: { 200: { description: 'A page of attempts.', schema: WebhookAttemptListSchema } },
    async handle({ deps, params, query }) {
      const w = portsOf(deps);
      const sub = await getSubscription(w, subId(params));
      const page = await w.store.listAttempts(sub.id, query.limit, decodeCursor(query.cursor));
      return json(200, { attempts: page.attempts.map(attemptView), nextCursor: page.last ? encodeCursor(page.last) : null });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhook-subscriptions/{id}/replay',
    scope: SCOPE,
    summary: 'Send again every event logged since a time (same webhook-ids: receivers dedupe)',
    body: ReplaySchema,
    bodyExample: { since: '2026-11-25T08:00:00Z' },
    responses: { 202: { description: 'The deliveries were queued.', schema: WebhookReplaySchema } },
    errors: { 409: 'The subscription is disabled (`subscription_disabled`).' },
    async handle({ deps, params, body }) {
      const since = new Date(Date.parse(body.since)).toISOString();
      const enqueued = await replaySince(webhookDeps(deps), subId(params), since);
      return json(202, { enqueued, since });
    },
  }),
];
