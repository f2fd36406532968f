/**
 * The single source of truth for everything the CDK stack (lib/) and the local stack (bin/local.ts)
 * both build: the table with its indexes, the queues, and the HTTP routes. Pure data, no imports,
 * so that the two can never drift apart.
 */

export type FunctionName = 'webhook' | 'api';

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly fn: FunctionName;
}

/** Every HTTP route the system serves, in API Gateway HTTP API syntax. */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/webhooks/twilio', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/twilio/voice', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/twilio/voice/status', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/twilio/voice/recording', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/twilio/voice/transcription', fn: 'webhook' },
  { method: 'GET', path: '/webhooks/vonage/voice/answer', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/vonage/voice/answer', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/vonage/voice/event', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/vonage/voice/recording', fn: 'webhook' },
  { method: 'GET', path: '/webhooks/meta', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/meta', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/telegram', fn: 'webhook' },
  { method: 'GET', path: '/webhooks/x', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/x', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/vonage', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/messagebird', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/sendgrid', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/mailgun', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/postmark', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/ses', fn: 'webhook' },
  { method: 'POST', path: '/webhooks/api/{source}', fn: 'webhook' },
  { method: 'GET', path: '/health', fn: 'api' },
  { method: 'GET', path: '/v1/tickets', fn: 'api' },
  { method: 'GET', path: '/v1/tickets/{id}', fn: 'api' },
  { method: 'PATCH', path: '/v1/tickets/{id}', fn: 'api' },
  { method: 'POST', path: '/v1/tickets/{id}/replies', fn: 'api' },
  { method: 'POST', path: '/v1/tickets/{id}/notes', fn: 'api' },
  { method: 'GET', path: '/v1/tickets/{id}/events', fn: 'api' },
  { method: 'GET', path: '/v1/events', fn: 'api' },
  { method: 'POST', path: '/v1/admin/redrive', fn: 'api' },
  { method: 'GET', path: '/v1/reports/response-times', fn: 'api' },
  { method: 'GET', path: '/v1/reports/satisfaction', fn: 'api' },
  { method: 'GET', path: '/v1/contacts', fn: 'api' },
  { method: 'GET', path: '/v1/contacts/{id}', fn: 'api' },
  { method: 'PATCH', path: '/v1/contacts/{id}', fn: 'api' },
  { method: 'DELETE', path: '/v1/contacts/{id}', fn: 'api' },
  { method: 'GET', path: '/v1/contacts/{id}/tickets', fn: 'api' },
  { method: 'POST', path: '/v1/contacts/{id}/merge', fn: 'api' },
  { method: 'GET', path: '/v1/contacts/{id}/export', fn: 'api' },
  { method: 'POST', path: '/v1/webhook-subscriptions', fn: 'api' },
  { method: 'GET', path: '/v1/webhook-subscriptions', fn: 'api' },
  { method: 'GET', path: '/v1/webhook-subscriptions/{id}', fn: 'api' },
  { method: 'PATCH', path: '/v1/webhook-subscriptions/{id}', fn: 'api' },
  { method: 'DELETE', path: '/v1/webhook-subscriptions/{id}', fn: 'api' },
  { method: 'POST', path: '/v1/webhook-subscriptions/{id}/rotate-secret', fn: 'api' },
  { method: 'GET', path: '/v1/webhook-subscriptions/{id}/deliveries', fn: 'api' },
  { method: 'POST', path: '/v1/webhook-subscriptions/{id}/replay', fn: 'api' },
  { method: 'GET', path: '/v1/rules', fn: 'api' },
  { method: 'POST', path: '/v1/rules', fn: 'api' },
  { method: 'POST', path: '/v1/rules/test', fn: 'api' },
  { method: 'GET', path: '/v1/rules/{id}', fn: 'api' },
  { method: 'PUT', path: '/v1/rules/{id}', fn: 'api' },
  { method: 'DELETE', path: '/v1/rules/{id}', fn: 'api' },
  { method: 'GET', path: '/v1/teams/{name}', fn: 'api' },
  { method: 'PUT', path: '/v1/teams/{name}', fn: 'api' },
  { method: 'PATCH', path: '/v1/agents/{name}', fn: 'api' },
  { method: 'GET', path: '/openapi.json', fn: 'api' },
  { method: 'GET', path: '/console', fn: 'api' },
  { method: 'GET', path: '/console/console.js', fn: 'api' },
  { method: 'GET', path: '/console/console.css', fn: 'api' },
  { method: 'GET', path: '/console/uplot.js', fn: 'api' },
  { method: 'GET', path: '/console/uplot.css', fn: 'api' },
  { method: 'GET', path: '/surveys/{token}', fn: 'api' },
  { method: 'POST', path: '/surveys/{token}', fn: 'api' },
  { method: 'GET', path: '/unsubscribe/{token}', fn: 'api' },
  { method: 'POST', path: '/unsubscribe/{token}', fn: 'api' },
];

export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export const TABLE = {
  /** Logical name; the deployed table gets a CloudFormation name, locally this is the default. */
  defaultName: 'support-tickets',
  partitionKey: 'PK',
  sortKey: 'SK',
  ttlAttribute: 'expiresAt',
  indexes: [
    /** Tickets by status, by last activity. PK is sharded: `STATUS#<status>#<shard>`. */
    { name: 'byStatus', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    /** Tickets by channel and status, by last activity: `CHANNEL#<channel>#<status>#<shard>`. */
    { name: 'byChannel', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
    /** Tickets by contact: `CONTACT#<contactId>`, by creation time. */
    { name: 'byContact', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
    /** Tickets by assignee and status, by last activity: `ASSIGNEE#<name>#<status>#<shard>`, `UNASSIGNED#<status>#<shard>`. */
    { name: 'byAssignee', partitionKey: 'GSI4PK', sortKey: 'GSI4SK' },
    /** Sparse: only tickets with an active SLA, nearest due first: `SLA#<status>#<shard>` / `<slaDueAt>#<id>`. */
    { name: 'bySlaDue', partitionKey: 'GSI5PK', sortKey: 'GSI5SK' },
    /** Every ticket by the time it last changed (sync): `UPDATED#<shard>` / `<updatedAt>#<id>`. */
    { name: 'byUpdated', partitionKey: 'GSI6PK', sortKey: 'GSI6SK' },
    /** Tickets by status, by creation time: `CREATED#<status>#<shard>` / `<createdAt>#<id>`. */
    { name: 'byCreated', partitionKey: 'GSI7PK', sortKey: 'GSI7SK' },
    /** Every ticket by last activity, whatever its status (the unfiltered inbox): `ACTIVITY#<shard>`. */
    { name: 'byActivity', partitionKey: 'GSI8PK', sortKey: 'GSI8SK' },
    /** Every event (the change feed, GET /v1/events): `EVTFEED#<yyyy-mm-ddThh>#<shard>` / `<time of its id>#<id>` (core/event-feed.ts). */
    { name: 'byEventTime', partitionKey: 'GSI9PK', sortKey: 'GSI9SK' },
  ] as const satisfies readonly IndexSpec[],
  /**
   * Number of write shards for the list indexes (all but byContact). A status like `open` (or
   * `UNASSIGNED`, or the all-ticket activity and sync indexes) is shared by many tickets; spreading
   * it over shards keeps one index partition from taking every write. Lists query every shard and
   * merge, so this stays small.
   */
  statusShards: 4,
} as const;

export interface QueueSpec {
  /** Base name; the deployed queue gets a CloudFormation name, locally this name. */
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
  /** Env var under which handlers find this queue's URL. */
  readonly urlEnv: string;
  /** Env var with its DLQ's URL: jobs that can never succeed go there at once, with the reason. */
  readonly dlqUrlEnv: string;
  /**
   * A failed record becomes visible again after min(2^(n-1), this) seconds (n = receive count,
   * ±20 % jitter) instead of the whole visibility timeout: quick retries at first, then steady ones.
   */
  readonly retryCapSeconds: number;
}

export const QUEUES = {
  /** Auto-acknowledgements, SLA checks, outbound deliveries. */
  followUp: {
    name: 'support-follow-ups',
    visibilityTimeoutSeconds: 300,
    maxReceiveCount: 8,
    retentionDays: 14,
    urlEnv: 'FOLLOWUP_QUEUE_URL',
    dlqUrlEnv: 'FOLLOWUP_DLQ_URL',
    retryCapSeconds: 60,
  },
  /**
   * Verified events parked because the store failed; the worker ingests them later. Retried every
   * ≤ 20 s, so what was parked during an outage lands within ~20 s of the store coming back; 100
   * receives ride out about half an hour of outage before the DLQ.
   */
  ingest: {
    name: 'support-ingest-retry',
    visibilityTimeoutSeconds: 300,
    maxReceiveCount: 100,
    retentionDays: 14,
    urlEnv: 'INGEST_QUEUE_URL',
    dlqUrlEnv: 'INGEST_DLQ_URL',
    retryCapSeconds: 20,
  },
  /**
   * Outbound webhooks (issue 13): one message per (event, subscription), run by the webhook-delivery
   * function. Retries are re-enqueued with delays (WEBHOOK_RETRY_SCHEDULE), not SQS receives;
   * maxReceiveCount only catches a delivery that keeps crashing.
   */
  webhookDelivery: {
    name: 'support-webhook-deliveries',
    visibilityTimeoutSeconds: 300,
    maxReceiveCount: 10,
    retentionDays: 4,
    urlEnv: 'WEBHOOK_QUEUE_URL',
    dlqUrlEnv: 'WEBHOOK_DLQ_URL',
    retryCapSeconds: 60,
  },
} as const satisfies Record<string, QueueSpec>;

/** Email attachments (and nothing else) live in this bucket; objects expire after this many days. */
export const ATTACHMENTS = { defaultBucket: 'support-attachments', prefix: 'attachments/', expireDays: 365 } as const;

export const DLQ_SUFFIX = '-dlq';
export const DLQ_RETENTION_DAYS = 14;

/** SQS caps DelaySeconds at 15 minutes; longer waits are re-delayed in hops. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** API Gateway HTTP API payload limit (the local gateway refuses larger bodies like API Gateway). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Largest webhook body we accept: Lambda's synchronous payload is 6 MB and API Gateway base64-encodes
 * binary bodies (4/3 larger), so 4 MiB is what reliably fits. Larger bodies get a clear 413.
 */
export const MAX_WEBHOOK_BYTES = 4 * 1024 * 1024;

/**
 * Bodies larger than this are kept in the attachments bucket and truncated in the message item:
 * DynamoDB items stop at 400 KB and parked SQS messages at 256 KB, and a verified message must
 * always fit both.
 */
export const INLINE_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Bounds on what one email may carry. Every parser reads at most these; a webhook over a limit
 * answers 413 (or 400) with the limit named, never 200 with something cut off. What must be cut to
 * fit one DynamoDB item is cut deterministically and recorded (`email.truncated`); the whole raw
 * message is never lost (large bodies go to the bucket, see INLINE_BODY_LIMIT_BYTES).
 */
export const EMAIL_LIMITS = {
  /** Attachments one email may carry; more is a 413. */
  maxAttachments: 100,
  /** multipart/form-data: fields, files and parts one webhook may carry. */
  maxFormFields: 200,
  maxFormFiles: 100,
  maxFormParts: 300,
  /** Subject kept in the item (characters); the full one stays in the raw message. */
  maxSubjectChars: 998,
  /** Addresses kept (characters each); longer ones are refused as invalid. */
  maxAddressChars: 320,
  /** Cc / participants kept on a message or ticket. */
  maxCc: 50,
  /** References kept for threading (newest). */
  maxReferences: 50,
  /** A Message-ID / In-Reply-To longer than this is replaced by `sha256:<hex>@hashed.invalid`. */
  maxMessageIdChars: 512,
  /** How much of a body the reply stripper and the preview read (bytes). */
  maxPreviewInputBytes: 16 * 1024,
  /** How much HTML the text rendering reads (bytes); beyond it a plain linear tag strip is used. */
  maxHtmlRenderBytes: 512 * 1024,
} as const;

/**
 * Webhooks answer within this many milliseconds of their deadline whatever the batch size: items
 * still unapplied when the time budget runs low are parked on the ingest queue (durable) first.
 */
export const WEBHOOK_DEADLINE_RESERVE_MS = 2_000;
/** Webhook Lambda timeout (and the local gateway's deadline for one request). */
export const WEBHOOK_TIMEOUT_SECONDS = 10;
/** Items of one batch applied at once. */
export const WEBHOOK_ITEM_CONCURRENCY = 8;

/** Worker batch size from the event source mapping (and the local poller). */
export const WORKER_BATCH_SIZE = 10;

/** How long dedupe records are kept: providers retry for up to 7 days (Meta WhatsApp). */
export const DEDUPE_TTL_DAYS = 14;

/** Worker Lambda timeout; queue visibility timeouts are at least 6x this, as AWS recommends. */
export const WORKER_TIMEOUT_SECONDS = 50;
