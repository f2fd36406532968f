/**
 * The worker function's wiring. Runs: follow-up jobs (acks, SLA checks, deliveries through the
 * senders: SES v2 for email, HTTPS for the rest) and re-ingest of parked messages, which were
 * verified and normalized by the webhook already, so no channel verification or parsing here.
 * DynamoDB, SQS (re-delays, retries, DLQs), SES. Does not run: S3 (parked messages carry S3 keys,
 * never bytes), parking, outbound fetches.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bounded, CLIENT_TIMEOUTS } from '../adapters/client-options.ts';
import { ApiChannelSender } from '../adapters/api-channel-sender.ts';
import { SesEmailSender } from '../adapters/email-sender.ts';
import { MessageBirdSender, MetaSender, TelegramSender, VonageSender, XSender } from '../adapters/senders.ts';
import { SqsDeadLetters, SqsRetries } from '../adapters/sqs-queue.ts';
import { TwilioSender } from '../adapters/twilio-sender.ts';
import type { Config } from '../config.ts';
import { rulesPorts } from './rules.ts';
import type { CoreDeps, Sender } from '../core/ports.ts';
import { commonDeps, notWired, perContainer, type FunctionRuntime } from './common.ts';
import { voiceDeps } from './voice.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../adapters/s3-objects.ts';
import { lazyS3Client, onFirstUse, type ClientSource } from '../adapters/lazy-client.ts';

export interface WorkerClients {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  /** Absent when EMAIL_SENDER=none; made on the first email sent (adapters/lazy-client.ts). */
  readonly ses?: ClientSource<SESv2Client> | undefined;
  /** Voice recordings are downloaded into the attachments bucket; made on the first one. */
  readonly s3?: ClientSource<S3Client> | undefined;
}

/** SES v2 (bounded waits), made on the first email sent: only the worker sends, so only its bundle holds it. */
export const lazySesClient = (): (() => Promise<SESv2Client>) => onFirstUse(async () => new (await import('@aws-sdk/client-sesv2')).SESv2Client(bounded(CLIENT_TIMEOUTS.ses)));

export const workerClients = (config: Pick<Config, 'emailSender'>): WorkerClients => ({
  dynamo: new DynamoDBClient(bounded(CLIENT_TIMEOUTS.dynamo)),
  sqs: new SQSClient(bounded(CLIENT_TIMEOUTS.sqs)),
  s3: lazyS3Client(),
  ...(config.emailSender === 'ses' ? { ses: lazySesClient() } : {}),
});

/** One sender per provider route: replies go out through the provider the ticket came from. */
export function createSenders(config: Config, clients: { readonly ses?: ClientSource<SESv2Client> | undefined }, fetchImpl: typeof fetch = fetch): Record<string, Sender> {
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
    api: new ApiChannelSender(s.API_CHANNEL_SECRETS),
  };
}

export function workerDeps(config: Config, clients: WorkerClients): CoreDeps {
  return {
    ...commonDeps(config, clients),
    deadLetters: new SqsDeadLetters(clients.sqs, config.dlqUrls),
    rules: rulesPorts(config, clients),
    retries: new SqsRetries(clients.sqs, { followUp: config.followUpQueueUrl, ingest: config.ingestQueueUrl }),
    senders: createSenders(config, clients),
    parking: notWired('worker', 'parking'),
    contacts: notWired('worker', 'contacts'),
    // Voice recordings: downloaded by the worker into the attachments bucket (put only).
    attachments: clients.s3 ? voiceRecordingPuts(new S3ObjectStore(clients.s3, config.attachmentsBucket)) : notWired('worker', 'attachments'),
    voice: voiceDeps(config, clients.dynamo, {}, fetch, clients.s3),
    http: notWired('worker', 'http'),
  };
}

const voiceRecordingPuts = (objects: S3ObjectStore): CoreDeps['attachments'] => ({
  put: (key, body, contentType) => objects.put(key, body, contentType),
  getObject: () => Promise.reject(new Error('attachments.getObject is not wired in the worker function')),
  downloadUrl: () => Promise.reject(new Error('attachments.downloadUrl is not wired in the worker function')),
});

export const workerRuntime: () => Promise<FunctionRuntime> = perContainer((config) => ({ config, deps: workerDeps(config, workerClients(config)) }));
