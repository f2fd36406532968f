/** Composition root: config + clients -> adapters -> core dependencies. Handlers and the local stack use it. */
import { monotonicFactory } from 'ulid';
import { EmfMetrics } from './adapters/metrics.ts';
import { createLogger } from './adapters/logger.ts';
import { DynamoTicketStore } from './adapters/dynamo-store.ts';
import { SqsDeadLetters, SqsJobQueue, SqsParkingQueue, SqsRetries } from './adapters/sqs-queue.ts';
import { TwilioSender } from './adapters/twilio-sender.ts';
import { MessageBirdSender, MetaSender, TelegramSender, VonageSender, XSender } from './adapters/senders.ts';
import { HttpNotFoundError, type HttpFetcher, type Sender } from './core/ports.ts';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { S3AttachmentStore } from './adapters/attachments.ts';
import { SesEmailSender } from './adapters/email-sender.ts';
import { readSecretString, sharedClients, type AwsClients } from './adapters/clients.ts';
import { ApiService } from './api/service.ts';
import { buildConfig, type Config } from './config.ts';
import type { CoreDeps } from './core/ports.ts';

export interface Runtime {
  readonly config: Config;
  readonly deps: CoreDeps;
  readonly api: ApiService;
}

export function createRuntime(config: Config, clients: AwsClients, overrides: Partial<CoreDeps> = {}): Runtime {
  const deps: CoreDeps = {
    store: new DynamoTicketStore(clients.dynamo, config.tableName, config.dedupeTtlDays),
    jobs: new SqsJobQueue(clients.sqs, config.followUpQueueUrl),
    parking: new SqsParkingQueue(clients.sqs, config.ingestQueueUrl),
    deadLetters: new SqsDeadLetters(clients.sqs, config.dlqUrls),
    retries: new SqsRetries(clients.sqs, { followUp: config.followUpQueueUrl, ingest: config.ingestQueueUrl }),
    metrics: new EmfMetrics(config.metricsNamespace),
    senders: createSenders(config, clients),
    attachments: new S3AttachmentStore(clients.s3, config.attachmentsBucket),
    http: createHttpFetcher(config),
    clock: { now: () => new Date() },
    // Monotonic: events recorded in one change at one instant keep their order in the log.
    ids: { newId: monotonicFactory(), token: () => randomBytes(16).toString('hex') },
    log: createLogger(),
    settings: {
      sla: config.sla,
      autoAck: config.autoAck,
      automationRateLimitPerHour: config.automationRateLimitPerHour,
      cursorKey: config.cursorKey,
      dedupeTtlDays: config.dedupeTtlDays,
    },
    ...overrides,
  };
  return { config, deps, api: new ApiService(deps, config) };
}

/** One sender per provider route: replies go out through the provider the ticket came from. */
export function createSenders(config: Config, clients: AwsClients, fetchImpl: typeof fetch = fetch): Record<string, Sender> {
  const s = config.secrets;
  const b = config.apiBaseUrls;
  const email = new SesEmailSender(config.emailSender === 'ses' ? clients.ses : undefined, config.emailFromAddress);
  return {
    sendgrid: email,
    mailgun: email,
    postmark: email,
    ses: email,
    twilio: new TwilioSender({ accountSid: s.TWILIO_ACCOUNT_SID, authToken: s.TWILIO_AUTH_TOKEN, apiBaseUrl: b.TWILIO_API_BASE_URL }, fetchImpl),
    meta: new MetaSender({ accessToken: s.META_ACCESS_TOKEN, baseUrl: b.META_GRAPH_BASE_URL }, fetchImpl),
    telegram: new TelegramSender({ botToken: s.TELEGRAM_BOT_TOKEN, baseUrl: b.TELEGRAM_API_BASE_URL }, fetchImpl),
    x: new XSender({ accessToken: s.X_ACCESS_TOKEN, baseUrl: b.X_API_BASE_URL }, fetchImpl),
    vonage: new VonageSender({ apiKey: s.VONAGE_API_KEY, apiSecret: s.VONAGE_API_SECRET, baseUrl: b.VONAGE_API_BASE_URL }, fetchImpl),
    messagebird: new MessageBirdSender({ accessKey: s.MESSAGEBIRD_ACCESS_KEY, baseUrl: b.MESSAGEBIRD_API_BASE_URL }, fetchImpl),
  };
}

/**
 * HTTPS GETs with a timeout. Locally (SNS_CERT_FILE, STAGE=local only) SNS is not reachable: its
 * certificates come from that file so the simulator can sign, and a SubscribeURL is acknowledged
 * without a call.
 */
export function createHttpFetcher(config: Config): HttpFetcher {
  const certFile = config.snsCertFile;
  return {
    async getText(url: string): Promise<string> {
      if (certFile) {
        if (/\.pem$/.test(new URL(url).pathname)) return readFile(certFile, 'utf8');
        if (new URL(url).searchParams.get('Action') === 'ConfirmSubscription') return '<ConfirmSubscriptionResponse/>';
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
      if (!res.ok) {
        // A definite "no such resource" is distinguishable from a failure worth retrying.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new HttpNotFoundError(new URL(url).host, res.status);
        throw new Error(`GET ${new URL(url).host} answered ${res.status}`);
      }
      return res.text();
    },
  };
}

/** Config from the environment, plus the provider secret when PROVIDER_SECRETS_ARN is set. */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  const arn = env['PROVIDER_SECRETS_ARN'];
  return buildConfig(env, arn ? await readSecretString(arn) : undefined);
}

let runtime: Promise<Runtime> | undefined;
/** The container's runtime: built once per cold start; a failed build is retried on the next call. */
export function defaultRuntime(): Promise<Runtime> {
  runtime ??= loadConfig().then((c) => createRuntime(c, sharedClients()));
  runtime.catch(() => (runtime = undefined));
  return runtime;
}
