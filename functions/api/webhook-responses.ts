/** Response shapes of the webhook subscription routes (closed objects; examples checked by test/unit/openapi.test.ts). */
import * as z from 'zod';
import { CHANNELS } from '../core/types.ts';

const T = '2026-11-25T09:30:00.000Z';
const SUB_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5K9';
const Time = z.iso.datetime();

export const EXAMPLE_SUBSCRIPTION = {
  id: SUB_ID,
  url: 'https://crm.example.com/hooks/support',
  events: ['ticket.created', 'message.received', 'sla.breached'],
  channels: null,
  description: 'CRM sync',
  enabled: true,
  disabledReason: null,
  secretExpiresAt: [],
  createdAt: T,
  updatedAt: T,
  createdBy: 'admin',
  version: 1,
};

export const WebhookSubscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()).meta({ description: 'Event types (README → Outbound webhooks) or `*`.' }),
    channels: z.array(z.enum(CHANNELS)).nullable().meta({ description: 'Only tickets of these channels; null = all.' }),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: 'Set when the system disabled it (the receiver answered 410).' }),
    secretExpiresAt: z.array(Time.nullable()).meta({ description: 'When each rotated-out secret stops signing (24 h after the rotation).' }),
    createdAt: Time,
    updatedAt: Time,
    createdBy: z.string(),
    version: z.number().int(),
  })
  .strict()
  .meta({ id: 'WebhookSubscription', example: EXAMPLE_SUBSCRIPTION });

export const WebhookSubscriptionEnvelopeSchema = z
  .object({ subscription: WebhookSubscriptionSchema })
  .strict()
  .meta({ id: 'WebhookSubscriptionEnvelope', example: { subscription: EXAMPLE_SUBSCRIPTION } });

export const WebhookSubscriptionWithSecretSchema = z
  .object({
    subscription: WebhookSubscriptionSchema,
    secret: z.string().meta({ description: 'The signing secret (`whsec_…`). Shown only here: store it now.' }),
  })
  .strict()
  .meta({ id: 'WebhookSubscriptionWithSecret', example: { subscription: EXAMPLE_SUBSCRIPTION, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });

export const WebhookSubscriptionListSchema = z
  .object({ subscriptions: z.array(WebhookSubscriptionSchema) })
  .strict()
  .meta({ id: 'WebhookSubscriptionList', example: { subscriptions: [EXAMPLE_SUBSCRIPTION] } });

const EXAMPLE_ATTEMPT = {
  id: '01JDQ5G7Y8Z9A0B1C2D3E4F5M0',
  webhookId: 'msg_3q2-7wEvcf9vKZ0Dq3LqYw4fJ1u0mY0a',
  eventType: 'message.received',
  eventId: '01JDQ5G7Y8Z9A0B1C2D3E4F5N1',
  ticketId: '01JDQ5G7Y8Z9A0B1C2D3E4F5G6',
  attempt: 2,
  at: T,
  outcome: 'failed',
  status: 503,
  latencyMs: 41,
  responseExcerpt: 'Service Unavailable',
  error: null,
  nextRetryAt: '2026-11-25T09:30:30.000Z',
  replay: false,
};

export const WebhookAttemptSchema = z
  .object({
    id: z.string(),
    webhookId: z.string().meta({ description: 'The `webhook-id` header: the same for every attempt of one event to one subscription.' }),
    eventType: z.string(),
    eventId: z.string(),
    ticketId: z.string(),
    attempt: z.number().int().min(1),
    at: Time,
    outcome: z.enum(['delivered', 'failed', 'gone', 'exhausted', 'refused']).meta({
      description: '`delivered` 2xx; `failed` another answer or none (a retry follows); `gone` 410 (the subscription is disabled); `exhausted` the last retry failed (to the DLQ); `refused` the URL failed the SSRF check.',
    }),
    status: z.number().int().nullable().meta({ description: 'The receiver’s HTTP status; null when it did not answer.' }),
    latencyMs: z.number().int(),
    responseExcerpt: z.string().nullable().meta({ description: 'The first 256 characters of the answer.' }),
    error: z.string().nullable(),
    nextRetryAt: Time.nullable(),
    replay: z.boolean(),
  })
  .strict()
  .meta({ id: 'WebhookAttempt', example: EXAMPLE_ATTEMPT });

export const WebhookAttemptListSchema = z
  .object({ attempts: z.array(WebhookAttemptSchema), nextCursor: z.string().nullable() })
  .strict()
  .meta({ id: 'WebhookAttemptList', example: { attempts: [EXAMPLE_ATTEMPT], nextCursor: null } });

export const WebhookReplaySchema = z
  .object({ enqueued: z.number().int().meta({ description: 'Deliveries queued (events since `since` this subscription wants).' }), since: Time })
  .strict()
  .meta({ id: 'WebhookReplay', example: { enqueued: 12, since: T } });
