/**
 * The outbound-webhook functions' wiring (issue 13).
 * - webhook-dispatch: on the table's stream (new event and ticket items); reads subscriptions
 *   (DynamoDB Query, cached 5 s) and tickets (GetItem, for channel filters); sends delivery jobs (SQS).
 * - webhook-delivery: on the delivery queue; reads subscriptions, events and tickets (GetItem), records
 *   attempts and disables subscriptions (PutItem, UpdateItem), re-enqueues retries and dead-letters
 *   (SQS), resolves and POSTs to receivers (node:dns, node:https).
 * The api function uses the same ports for the subscription routes (no POSTs from there).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bounded, CLIENT_TIMEOUTS } from '../adapters/client-options.ts';
import { DynamoTicketStore } from '../adapters/dynamo-store.ts';
import { DynamoWebhookStore } from '../adapters/dynamo-webhooks.ts';
import { createLogger } from '../adapters/logger.ts';
import { EmfMetrics } from '../adapters/metrics.ts';
import { NodeWebhookPoster, resolveAll } from '../adapters/webhook-http.ts';
import { SqsDeliveryQueue } from '../adapters/webhook-queue.ts';
import { messageView, ticketView } from '../api/views.ts';
import type { Config } from '../config.ts';
import type { WebhookPorts } from '../core/events-out/types.ts';
import type { WebhookDeps } from '../core/services/webhooks-out.ts';
import { QUEUES } from '../spec.ts';
import { monotonicFactory } from 'ulid';
import { perContainer } from './common.ts';

/** The ports; without WEBHOOK_QUEUE_URL they are absent (the routes then answer 500 naming it). */
export function webhookPorts(config: Config, clients: { readonly dynamo: DynamoDBClient; readonly sqs: SQSClient }): WebhookPorts | undefined {
  if (!config.webhooks.queueUrl) return undefined;
  return {
    store: new DynamoWebhookStore(clients.dynamo, config.tableName),
    queue: new SqsDeliveryQueue(clients.sqs, config.webhooks.queueUrl, config.webhooks.dlqUrl),
    poster: new NodeWebhookPoster(),
    resolve: resolveAll,
    settings: { local: config.stage === 'local', retrySchedule: config.webhooks.retrySchedule },
    publicTicket: ticketView,
    publicMessage: messageView,
    randomBytes: () => randomBytes(32),
  };
}

/** `{ webhooks }` for a CoreDeps, or nothing when the delivery queue is not configured. */
export function withWebhooks(config: Config, clients: { readonly dynamo: DynamoDBClient; readonly sqs: SQSClient }): { webhooks?: WebhookPorts } {
  const webhooks = webhookPorts(config, clients);
  return webhooks ? { webhooks } : {};
}

export function webhookDeps(config: Config, clients: { readonly dynamo: DynamoDBClient; readonly sqs: SQSClient }): WebhookDeps {
  const webhooks = webhookPorts(config, clients);
  if (!webhooks) throw new Error(`${QUEUES.webhookDelivery.urlEnv} is required by the webhook dispatch and delivery functions`);
  return {
    store: new DynamoTicketStore(clients.dynamo, config.tableName, config.dedupeTtlDays),
    metrics: new EmfMetrics(config.metricsNamespace),
    clock: { now: () => new Date() },
    ids: { newId: monotonicFactory(), token: () => randomBytes(16).toString('hex') },
    log: createLogger(),
    webhooks,
  };
}

export interface WebhooksOutRuntime {
  readonly config: Config;
  readonly deps: WebhookDeps;
}

export const webhooksOutRuntime: () => Promise<WebhooksOutRuntime> = perContainer((config) => ({
  config,
  deps: webhookDeps(config, { dynamo: new DynamoDBClient(bounded(CLIENT_TIMEOUTS.dynamo)), sqs: new SQSClient(bounded(CLIENT_TIMEOUTS.sqs)) }),
}));
